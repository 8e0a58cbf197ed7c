/* The one place the core calls a transport plugin's hooks. Every function
 * takes the descriptor the loader handed out (loader_load): its ops are
 * complete, the optional hooks a plugin left out replaced by the host's
 * stand-ins (hookdefaults.h), so nothing here or in the callers asks
 * whether a hook exists. Threads, ownership and return values are the
 * hooks' own (sdk/include/weir/transport.h). The hooks that give detail
 * text start from a clear error slot, so host_take_error() after a
 * failure reads the plugin's own words. */
#ifndef WEIR_TRANSPORT_FACADE_H
#define WEIR_TRANSPORT_FACADE_H

#include <weir/weir.h>

/* Process-wide, by the loader (loader_transport_global, loader_unload_all). */
int transport_init(const struct weir_plugin *p, void **global);
void transport_fini(const struct weir_plugin *p, void *global);

/* weir -s --transport NAME, once before any client. */
int transport_server_start(const struct weir_plugin *p, void *global);

/* Once per test, before its streams: the transport's rules for it, the
 * descriptor's fixed fields as the test_rules hook changed them. WEIR_OK,
 * or the hook's refusal (detail set). */
int transport_test_rules(const struct weir_plugin *p, void *global, const struct weir_stream_config *cfg,
                         struct weir_test_rules *out);

/* Client: open one stream. */
int transport_client_open(const struct weir_plugin *p, void *global,
                          const struct weir_stream_config *cfg, void **stream);

/* Server, per test: listen, then take streams -- adopt what the front door
 * matched to the test (WEIR_CAP_CONTROL_PORT), or accept on the
 * transport's own socket -- and unlisten. */
int transport_server_listen(const struct weir_plugin *p, void *global,
                            const struct weir_stream_config *cfg, int control_fd,
                            void **listener, int *poll_fd);
int transport_server_adopt(const struct weir_plugin *p, void *global, void *listener,
                           const struct weir_stream_config *cfg, int fd, void **stream);
int transport_server_accept(const struct weir_plugin *p, void *global, void *listener,
                            const struct weir_stream_config *cfg, void **stream);
void transport_server_unlisten(const struct weir_plugin *p, void *global, void *listener);

/* One open stream. */
int transport_stream_fd(const struct weir_plugin *p, void *stream);
int transport_send(const struct weir_plugin *p, void *stream, uint32_t max_blocks,
                   struct weir_counters *c, struct weir_io *io);
int transport_recv(const struct weir_plugin *p, void *stream, struct weir_counters *c,
                   struct weir_io *io);
/* WEIR_E_NOTIMPL: the transport cannot wait in its receive call; use recv. */
int transport_recv_wait(const struct weir_plugin *p, void *stream, struct weir_counters *c,
                        struct weir_io *io, int timeout_ms);
/* WEIR_OK with out->valid set, or any other code: no kernel view. */
int transport_info(const struct weir_plugin *p, void *stream, struct weir_stream_info *out);
/* WEIR_OK with the stream's facts in out, or any other code: nothing to
 * say (out may hold some: drop them). */
int transport_describe(const struct weir_plugin *p, void *stream, const struct weir_fact_sink *out);
/* The same for one interval report. */
int transport_describe_interval(const struct weir_plugin *p, void *stream,
                                const struct weir_fact_sink *out);
void transport_close(const struct weir_plugin *p, void *stream);

/* --latency's probe streams (opened with cfg->lower = WEIR_LOWER_STREAM):
 * the transport moves messages of the core's framing, through its byte
 * hooks (a byte stream) or its datagram hooks. */
int transport_carries_messages(const struct weir_plugin *p);
int transport_write_bytes(const struct weir_plugin *p, void *stream, const void *buf, size_t len,
                          size_t *written);
int transport_read_bytes(const struct weir_plugin *p, void *stream, void *buf, size_t len, size_t *got);
int transport_send_datagrams(const struct weir_plugin *p, void *stream, const struct weir_datagram *dgs,
                             uint32_t n, uint32_t *sent);
int transport_recv_datagrams(const struct weir_plugin *p, void *stream, struct weir_datagram *dgs,
                             uint32_t n, uint32_t *got);

/* Receives on a lower stream sleep up to timeout_ms (0: never); WEIR_OK,
 * or WEIR_E_NOTIMPL when the transport cannot: poll its descriptor. */
int transport_lower_receive_wait(const struct weir_plugin *p, void *stream, int timeout_ms);

#endif
