/* A transport without its required send hook: the loader must refuse it. */
#include <weir/weir.h>

static int open_stream(void *g, const struct weir_stream_config *c, void **s) { return WEIR_E_UNIMP; }
static int listen_streams(void *g, const struct weir_stream_config *c, int fd, void **l, int *p) { return WEIR_E_UNIMP; }
static int accept_stream(void *g, void *l, const struct weir_stream_config *c, void **s) { return WEIR_E_UNIMP; }
static void unlisten(void *g, void *l) { }
static int stream_fd(void *s) { return -1; }
static int recv_block(void *s, struct weir_counters *c, struct weir_io *io) { return WEIR_E_UNIMP; }
static void close_stream(void *s) { }

static const struct weir_transport_ops ops = {
    .struct_size = sizeof ops,
    .caps = WEIR_CAP_RELIABLE,
    .wire_key = "tcp",
    .wire_label = "TCP",
    .client_open = open_stream,
    .server_listen = listen_streams,
    .server_accept = accept_stream,
    .server_unlisten = unlisten,
    .stream_fd = stream_fd,
    .recv = recv_block,
    .close = close_stream,
};

static const struct weir_plugin desc = {
    .abi_major = WEIR_ABI_MAJOR,
    .abi_minor = WEIR_ABI_MINOR,
    .struct_size = sizeof desc,
    .kind = WEIR_PLUGIN_TRANSPORT,
    .name = "missing_hook",
    .description = "has no send hook",
    .transport = &ops,
};
WEIR_PLUGIN_DEFINE(desc)
