/* A transport whose init fails with a reason of its own, registered with
 * host->error_reason: weir must print that reason (and the detail), and
 * exit 1 before connecting anywhere. */
#include <weir/weir.h>

static int init(const struct weir_host *host, void **global)
{
    int code = host->error_reason("the measurement lease has expired");
    host->set_error(code, "renew it with the operator");
    return code;
}

static int open_stream(void *g, const struct weir_stream_config *c, void **s) { return WEIR_E_UNIMP; }
static int accept_stream(void *g, void *l, const struct weir_stream_config *c, void **s) { return WEIR_E_UNIMP; }
static int listen_streams(void *g, const struct weir_stream_config *c, int fd, void **l, int *p) { return WEIR_E_UNIMP; }
static void unlisten(void *g, void *l) { }
static int stream_fd(void *s) { return -1; }
static int send_block(void *s, uint32_t n, struct weir_counters *c, struct weir_io *io) { return WEIR_E_UNIMP; }
static int recv_block(void *s, struct weir_counters *c, struct weir_io *io) { return WEIR_E_UNIMP; }
static void close_stream(void *s) { }

static const struct weir_transport_ops ops = {
    .struct_size = sizeof ops,
    .caps = WEIR_CAP_RELIABLE,
    .wire_key = "failing_init",
    .wire_label = "TCP",
    .default_blksize = 131072,
    .blksize_min = 1,
    .blksize_max = 1048576,
    .init = init,
    .client_open = open_stream,
    .server_listen = listen_streams,
    .server_accept = accept_stream,
    .server_unlisten = unlisten,
    .stream_fd = stream_fd,
    .send = send_block,
    .recv = recv_block,
    .close = close_stream,
};

static const struct weir_plugin desc = {
    .abi_major = WEIR_ABI_MAJOR,
    .abi_minor = WEIR_ABI_MINOR,
    .struct_size = sizeof desc,
    .kind = WEIR_PLUGIN_TRANSPORT,
    .name = "failing_init",
    .description = "init fails with a registered reason",
    .transport = &ops,
};
WEIR_PLUGIN_DEFINE(desc)
