#include "host/transport.h"
#include "host/host.h"
#include "host/hookdefaults.h"

int transport_init(const struct weir_plugin *p, void **global)
{
    host_clear_error();
    return p->transport->init(host_services(), global);
}

void transport_fini(const struct weir_plugin *p, void *global)
{
    p->transport->fini(global);
}

int transport_server_start(const struct weir_plugin *p, void *global)
{
    host_clear_error();
    return p->transport->server_start(global);
}

int transport_test_rules(const struct weir_plugin *p, void *global, const struct weir_stream_config *cfg,
                         struct weir_test_rules *out)
{
    const struct weir_transport_ops *ops = p->transport;
    *out = (struct weir_test_rules){
        .struct_size = sizeof *out,
        .caps = ops->caps,
        .default_blksize = ops->default_blksize,
        .blksize_min = ops->blksize_min,
        .blksize_max = ops->blksize_max,
        .blksize_error = ops->blksize_error,
        .default_rate = ops->default_rate,
    };
    host_clear_error();
    int rc = ops->test_rules(global, cfg, out);
    out->struct_size = sizeof *out;
    /* What the core relies on, if the hook changed the sizes: a default
     * within the range (the loader checked the descriptor's). */
    int resized = out->default_blksize != ops->default_blksize || out->blksize_min != ops->blksize_min ||
                  out->blksize_max != ops->blksize_max;
    if (rc == WEIR_OK && resized && (out->default_blksize == 0 || out->default_blksize < out->blksize_min ||
                                     (out->blksize_max && out->default_blksize > out->blksize_max))) {
        host_services()->set_error(WEIR_E_PLUGIN, "transport '%s': its test_rules gave a default block size "
                                   "outside its range", p->name);
        rc = WEIR_E_PLUGIN;
    }
    return rc;
}

int transport_client_open(const struct weir_plugin *p, void *global,
                          const struct weir_stream_config *cfg, void **stream)
{
    host_clear_error();
    return p->transport->client_open(global, cfg, stream);
}

int transport_server_listen(const struct weir_plugin *p, void *global,
                            const struct weir_stream_config *cfg, int control_fd,
                            void **listener, int *poll_fd)
{
    host_clear_error();
    return p->transport->server_listen(global, cfg, control_fd, listener, poll_fd);
}

int transport_server_adopt(const struct weir_plugin *p, void *global, void *listener,
                           const struct weir_stream_config *cfg, int fd, void **stream)
{
    host_clear_error();
    return p->transport->server_adopt(global, listener, cfg, fd, stream);
}

int transport_server_accept(const struct weir_plugin *p, void *global, void *listener,
                            const struct weir_stream_config *cfg, void **stream)
{
    host_clear_error();
    return p->transport->server_accept(global, listener, cfg, stream);
}

void transport_server_unlisten(const struct weir_plugin *p, void *global, void *listener)
{
    p->transport->server_unlisten(global, listener);
}

int transport_stream_fd(const struct weir_plugin *p, void *stream)
{
    return p->transport->stream_fd(stream);
}

/* send, recv and recv_wait are the hot path: a plain call, nothing else. */
int transport_send(const struct weir_plugin *p, void *stream, uint32_t max_blocks,
                   struct weir_counters *c, struct weir_io *io)
{
    return p->transport->send(stream, max_blocks, c, io);
}

int transport_recv(const struct weir_plugin *p, void *stream, struct weir_counters *c,
                   struct weir_io *io)
{
    return p->transport->recv(stream, c, io);
}

int transport_recv_wait(const struct weir_plugin *p, void *stream, struct weir_counters *c,
                        struct weir_io *io, int timeout_ms)
{
    return p->transport->recv_wait(stream, c, io, timeout_ms);
}

int transport_info(const struct weir_plugin *p, void *stream, struct weir_stream_info *out)
{
    return p->transport->info(stream, out);
}

int transport_describe(const struct weir_plugin *p, void *stream, const struct weir_fact_sink *out)
{
    return p->transport->describe(stream, out);
}

int transport_describe_interval(const struct weir_plugin *p, void *stream,
                                const struct weir_fact_sink *out)
{
    return p->transport->describe_interval(stream, out);
}

void transport_close(const struct weir_plugin *p, void *stream)
{
    p->transport->close(stream);
}

int transport_carries_messages(const struct weir_plugin *p)
{
    return hookdefaults_carries_messages(p->transport);
}

/* The probe path: plain calls, as send and recv. */
int transport_write_bytes(const struct weir_plugin *p, void *stream, const void *buf, size_t len,
                          size_t *written)
{
    return p->transport->write_bytes(stream, buf, len, written);
}

int transport_read_bytes(const struct weir_plugin *p, void *stream, void *buf, size_t len, size_t *got)
{
    return p->transport->read_bytes(stream, buf, len, got);
}

int transport_send_datagrams(const struct weir_plugin *p, void *stream, const struct weir_datagram *dgs,
                             uint32_t n, uint32_t *sent)
{
    return p->transport->send_datagrams(stream, dgs, n, sent);
}

int transport_recv_datagrams(const struct weir_plugin *p, void *stream, struct weir_datagram *dgs,
                             uint32_t n, uint32_t *got)
{
    return p->transport->recv_datagrams(stream, dgs, n, got);
}

int transport_lower_receive_wait(const struct weir_plugin *p, void *stream, int timeout_ms)
{
    return p->transport->lower_receive_wait(stream, timeout_ms);
}
