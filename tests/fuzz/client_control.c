/* Fuzz target: what a server sends on the control connection, read the
 * way the client reads it (src/roles/client.c), through the public functions it
 * uses: state bytes, the SERVER_ERROR tail (0, 4 or 8 bytes), the
 * WEIR_ACCEPT frame, and the server's results frame (src/proto/results.c),
 * which the client then turns into its summary (src/run/stats.c).
 *
 * Input: one byte that shapes the client's test, then the bytes of the
 * control connection from the server, in wire order, then EOF:
 *   bits 0-1  transport: 0 tcp, 1 udp, 2 tls (tcp's caps), 3 udp
 *   bits 2-4  parallel streams - 1
 *   bit  5    reverse
 *   bit  6    bidir
 *   bit  7    the client asked for the server's output (--get-server-output) */
#include "fuzz.h"
#include "run/test.h"

#include <string.h>
#include <unistd.h>

#include "proto/control.h"
#include "proto/errors.h"
#include "proto/results.h"
#include "run/stats.h"

static void client_test(struct test *t, uint8_t shape)
{
    uint32_t caps = (shape & 1) ? WEIR_CAP_DATAGRAM
                                : WEIR_CAP_RELIABLE | WEIR_CAP_RETRANSMITS | WEIR_CAP_CONGESTION;
    int parallel = ((shape >> 2) & 7) + 1, reverse = (shape >> 5) & 1, bidir = (shape >> 6) & 1;
    int n = parallel * (bidir ? 2 : 1);
    uint64_t mask = 0;
    for (int i = 0; i < n; i++)
        if (bidir ? i < parallel : !reverse)
            mask |= 1ull << i;
    fuzz_test_init(t, WEIR_ROLE_CLIENT, caps, n, mask);
    t->p.parallel = parallel;
    t->p.reverse = reverse && !bidir;
    t->p.bidir = bidir;
    t->p.get_server_output = (shape >> 7) & 1;  /* server output kept or dropped */
}

/* The client's end of test: the summary reporters get. */
static void summarize(struct test *t)
{
    struct stats_buf b;
    FUZZ_CHECK(stats_buf_init(&b, t->n_streams) == 0);
    struct weir_report_end end;
    stats_end(t, &b, &end);
    FUZZ_CHECK(end.n_streams == (size_t)t->n_streams);
    FUZZ_CHECK(end.has_peer == t->peer_known);
    stats_buf_free(&b);
}

/* Returns 1 to read the next state byte, 0 when the client would stop. */
static int on_state(int fd, struct test *t, signed char st)
{
    char msg[1024];
    switch (st) {
    case ST_PARAM_EXCHANGE:
    case ST_CREATE_STREAMS:
    case ST_TEST_START:
    case ST_TEST_RUNNING:
        return 1;               /* the client acts; nothing more to read */
    case ST_WEIR_ACCEPT: {
        struct json_object *o = NULL;
        if (ctl_recv_json(fd, CTL_MAX_PARAMS_LEN, &o) != CTL_OK)
            return 0;
        json_object_put(o);
        return 1;
    }
    case ST_EXCHANGE_RESULTS: {
        struct json_object *o = NULL;
        if (ctl_recv_json(fd, CTL_MAX_RESULTS_LEN, &o) != CTL_OK)
            return 0;
        char detail[256] = "";
        int rc = results_from_json(t, o, detail, sizeof detail);
        json_object_put(o);
        if (rc != WEIR_OK) {
            FUZZ_CHECK(detail[0] != '\0');
            error_text(msg, sizeof msg, rc, detail);
            return 0;
        }
        FUZZ_CHECK(t->peer_known);
        return 1;
    }
    case ST_SERVER_ERROR: {
        int code, err;
        ctl_recv_server_error_tail(fd, &code, &err);
        error_text(msg, sizeof msg, code, err ? strerror(err) : "");
        FUZZ_CHECK(msg[0] != '\0');
        return 0;
    }
    case ST_DISPLAY_RESULTS:
        summarize(t);
        return 0;
    default:                    /* IPERF_DONE, terminate, denied, unknown */
        error_text(msg, sizeof msg, WEIR_E_MESSAGE, "state");
        return 0;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int fd = fuzz_feed(data + 1, size - 1);
    if (fd < 0)
        return 0;
    struct test t;
    client_test(&t, data[0]);
    signed char st;
    while (ctl_recv_state(fd, 0, &st) == CTL_OK && on_state(fd, &t, st))
        ;
    fuzz_test_free(&t);
    close(fd);
    return 0;
}
