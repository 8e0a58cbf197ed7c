/* A transport on the control port (WEIR_CAP_CONTROL_PORT) without
 * server_adopt, the one way weir hands such a transport its server
 * streams: the loader must refuse it, however complete the rest is. */
#include <weir/weir.h>

static int open_stream(void *g, const struct weir_stream_config *c, void **s) { return WEIR_E_UNIMP; }
static int listen_streams(void *g, const struct weir_stream_config *c, int fd, void **l, int *p) { return WEIR_E_UNIMP; }
static int accept_stream(void *g, void *l, const struct weir_stream_config *c, void **s) { return WEIR_E_UNIMP; }
static void unlisten(void *g, void *l) { }
static int stream_fd(void *s) { return -1; }
static int send_blocks(void *s, uint32_t n, struct weir_counters *c, struct weir_io *io) { return WEIR_E_UNIMP; }
static int recv_block(void *s, struct weir_counters *c, struct weir_io *io) { return WEIR_E_UNIMP; }
static void close_stream(void *s) { }

static const struct weir_transport_ops ops = {
    .struct_size = sizeof ops,
    .caps = WEIR_CAP_RELIABLE | WEIR_CAP_CONTROL_PORT,
    .wire_key = "tcp",
    .wire_label = "TCP",
    .client_open = open_stream,
    .server_listen = listen_streams,
    .server_accept = accept_stream,     /* not what the cap needs */
    .server_unlisten = unlisten,
    .stream_fd = stream_fd,
    .send = send_blocks,
    .recv = recv_block,
    .close = close_stream,
};

static const struct weir_plugin desc = {
    .abi_major = WEIR_ABI_MAJOR,
    .abi_minor = WEIR_ABI_MINOR,
    .struct_size = sizeof desc,
    .kind = WEIR_PLUGIN_TRANSPORT,
    .name = "no_adopt",
    .description = "on the control port without server_adopt",
    .transport = &ops,
};
WEIR_PLUGIN_DEFINE(desc)
