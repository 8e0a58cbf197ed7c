#include "host/hookdefaults.h"

#include <unistd.h>

/* ---- transports ---- */

static int no_init(const struct weir_host *host, void **global)
{
    (void)host;
    *global = NULL;
    return WEIR_OK;
}

static void no_fini(void *global)
{
    (void)global;
}

/* Never called: only a transport with WEIR_CAP_CONTROL_PORT may lack it,
 * and its streams arrive through server_adopt. */
static int no_accept(void *global, void *listener, const struct weir_stream_config *cfg,
                     void **stream)
{
    (void)global;
    (void)listener;
    (void)cfg;
    (void)stream;
    return WEIR_E_NOTIMPL;
}

/* Never called either (no WEIR_CAP_CONTROL_PORT); the fd is the callee's. */
static int no_adopt(void *global, void *listener, const struct weir_stream_config *cfg, int fd,
                    void **stream)
{
    (void)global;
    (void)listener;
    (void)cfg;
    (void)stream;
    close(fd);
    return WEIR_E_NOTIMPL;
}

static int no_info(void *stream, struct weir_stream_info *out)
{
    (void)stream;
    (void)out;
    return WEIR_E_NOTIMPL;
}

static int no_describe(void *stream, const struct weir_fact_sink *out)
{
    (void)stream;
    (void)out;
    return WEIR_E_NOTIMPL;
}

static int no_server_start(void *global)
{
    (void)global;
    return WEIR_OK;
}

static int no_recv_wait(void *stream, struct weir_counters *c, struct weir_io *io, int timeout_ms)
{
    (void)stream;
    (void)c;
    (void)io;
    (void)timeout_ms;
    return WEIR_E_NOTIMPL;
}

/* The byte and datagram hooks: a transport stacked on this one gets the
 * plugin's own ops; the core calls them for --latency's probe streams,
 * and only where hookdefaults_carries_messages said they exist. */
static int no_write_bytes(void *stream, const void *buf, size_t len, size_t *written)
{
    (void)stream;
    (void)buf;
    (void)len;
    *written = 0;
    return WEIR_E_NOTIMPL;
}

static int no_read_bytes(void *stream, void *buf, size_t len, size_t *got)
{
    (void)stream;
    (void)buf;
    (void)len;
    *got = 0;
    return WEIR_E_NOTIMPL;
}

static int no_send_datagrams(void *stream, const struct weir_datagram *dgs, uint32_t n, uint32_t *sent)
{
    (void)stream;
    (void)dgs;
    (void)n;
    *sent = 0;
    return WEIR_E_NOTIMPL;
}

static int no_recv_datagrams(void *stream, struct weir_datagram *dgs, uint32_t n, uint32_t *got)
{
    (void)stream;
    (void)dgs;
    (void)n;
    *got = 0;
    return WEIR_E_NOTIMPL;
}

static int no_lower_receive_wait(void *stream, int timeout_ms)
{
    (void)stream;
    (void)timeout_ms;
    return WEIR_E_NOTIMPL;
}

/* Every test by the descriptor's fixed rules. */
static int no_test_rules(void *global, const struct weir_stream_config *cfg, struct weir_test_rules *rules)
{
    (void)global;
    (void)cfg;
    (void)rules;
    return WEIR_OK;
}

void hookdefaults_transport(struct weir_transport_ops *ops)
{
    if (!ops->init) ops->init = no_init;
    if (!ops->fini) ops->fini = no_fini;
    if (!ops->server_accept) ops->server_accept = no_accept;
    if (!ops->server_adopt) ops->server_adopt = no_adopt;
    if (!ops->info) ops->info = no_info;
    if (!ops->describe) ops->describe = no_describe;
    if (!ops->server_start) ops->server_start = no_server_start;
    if (!ops->recv_wait) ops->recv_wait = no_recv_wait;
    if (!ops->describe_interval) ops->describe_interval = no_describe;
    if (!ops->write_bytes) ops->write_bytes = no_write_bytes;
    if (!ops->read_bytes) ops->read_bytes = no_read_bytes;
    if (!ops->send_datagrams) ops->send_datagrams = no_send_datagrams;
    if (!ops->recv_datagrams) ops->recv_datagrams = no_recv_datagrams;
    if (!ops->lower_receive_wait) ops->lower_receive_wait = no_lower_receive_wait;
    if (!ops->test_rules) ops->test_rules = no_test_rules;
}

int hookdefaults_carries_messages(const struct weir_transport_ops *ops)
{
    if (ops->caps & WEIR_CAP_RELIABLE)
        return ops->write_bytes != no_write_bytes && ops->read_bytes != no_read_bytes;
    if (ops->caps & WEIR_CAP_DATAGRAM)
        return ops->send_datagrams != no_send_datagrams && ops->recv_datagrams != no_recv_datagrams;
    return 0;
}

/* ---- reporters ---- */

static int no_listening(void *ctx, uint16_t port, int test_no)
{
    (void)ctx;
    (void)port;
    (void)test_no;
    return WEIR_OK;
}

static int no_connected(void *ctx, const struct weir_report_connect *c)
{
    (void)ctx;
    (void)c;
    return WEIR_OK;
}

static int no_message(void *ctx, enum weir_log_level level, const char *text)
{
    (void)ctx;
    (void)level;
    (void)text;
    return WEIR_E_NOTIMPL;
}

static int no_document(void *ctx, char **json)
{
    (void)ctx;
    *json = NULL;
    return WEIR_OK;
}

static int no_comparison(void *ctx, const struct weir_report_comparison *c)
{
    (void)ctx;
    (void)c;
    return WEIR_OK;
}

void hookdefaults_reporter(struct weir_reporter_ops *ops)
{
    if (!ops->server_listening) ops->server_listening = no_listening;
    if (!ops->connected) ops->connected = no_connected;
    if (!ops->message) ops->message = no_message;
    if (!ops->document) ops->document = no_document;
    if (!ops->comparison) ops->comparison = no_comparison;
}
