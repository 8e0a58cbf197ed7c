/* Fuzz target: what a client sends on the control connection, read the
 * way the server reads it (src/roles/server.c), through the public functions
 * it uses: the 37-byte cookie (src/proto/cookie.c), the parameter frame with
 * its length limit (src/proto/control.c) and JSON (src/proto/params.c), then state
 * bytes, and after TEST_END the client's results frame (src/proto/results.c),
 * answered with the server's own results as it would be.
 *
 * Input: the bytes of the control connection from the client, in wire
 * order, then EOF. The seeds in corpus/server_control are real sessions
 * (see corpus/README). */
#include "fuzz.h"
#include "run/test.h"

#include <string.h>
#include <unistd.h>

#include "proto/control.h"
#include "proto/cookie.h"
#include "cli/options.h"
#include "proto/params.h"
#include "proto/results.h"

/* A test shaped by the parameters as the server builds it: bidir's first
 * half are the client's sending streams, so the server receives on them. */
static void server_test(struct test *t, const struct test_params *p)
{
    uint32_t caps = strcmp(p->wire_key, "udp") == 0 ? WEIR_CAP_DATAGRAM
                    : WEIR_CAP_RELIABLE | WEIR_CAP_RETRANSMITS | WEIR_CAP_CONGESTION;
    /* Enough to match every id a peer may name; more adds nothing. */
    int parallel = p->parallel > 16 ? 16 : p->parallel;
    int n = parallel * (p->bidir ? 2 : 1);
    uint64_t mask = 0;
    for (int i = 0; i < n; i++)
        if (p->bidir ? i >= parallel : p->reverse)
            mask |= 1ull << i;
    fuzz_test_init(t, WEIR_ROLE_SERVER, caps, n, mask);
}

/* TEST_END came: read the client's results and build ours, as the server
 * does before sending them. Returns 0 when the exchange went through. */
static int exchange_results(int fd, struct test *t)
{
    struct json_object *peer = NULL;
    if (ctl_recv_json(fd, CTL_MAX_RESULTS_LEN, &peer) != CTL_OK) {
        FUZZ_CHECK(peer == NULL);
        return -1;
    }
    FUZZ_CHECK(json_object_is_type(peer, json_type_object));
    char detail[256] = "";
    int rc = results_from_json(t, peer, detail, sizeof detail);
    json_object_put(peer);
    if (rc != WEIR_OK) {
        FUZZ_CHECK(detail[0] != '\0');
        return -1;
    }
    struct json_object *mine = results_to_json(t, NULL, NULL);
    FUZZ_CHECK(json_object_to_json_string(mine) != NULL);
    json_object_put(mine);
    return 0;
}

static void serve(int fd)
{
    unsigned char cookie[WEIR_COOKIE_SIZE];
    size_t got = 0;
    if (ctl_read(fd, cookie, sizeof cookie, 0, &got) != CTL_OK) {
        FUZZ_CHECK(got < sizeof cookie);
        return;
    }
    cookie[WEIR_COOKIE_SIZE - 1] = '\0';
    /* A data connection presenting the same bytes matches; another never. */
    FUZZ_CHECK(cookie_equal(cookie, cookie));
    unsigned char other[WEIR_COOKIE_SIZE];
    memcpy(other, cookie, sizeof other);
    other[0] ^= 0x01;
    FUZZ_CHECK(cookie[0] == '\0' || !cookie_equal(cookie, other));

    struct json_object *o = NULL;
    if (ctl_recv_json(fd, CTL_MAX_PARAMS_LEN, &o) != CTL_OK)
        return;
    struct test_params p;
    char detail[256] = "";
    int rc = params_from_json(o, &p, NULL, NULL, detail, sizeof detail);
    json_object_put(o);
    if (rc != WEIR_OK) {
        FUZZ_CHECK(detail[0] != '\0');
        params_free(&p);
        return;
    }
    struct test t;
    server_test(&t, &p);
    params_free(&p);

    /* The run phase and after: only these states mean anything. */
    signed char st;
    while (ctl_recv_state(fd, 0, &st) == CTL_OK) {
        if (st == ST_TEST_START)
            continue;
        if (st != ST_TEST_END)
            break;
        if (exchange_results(fd, &t) != 0)
            break;
        if (ctl_recv_state(fd, 0, &st) != CTL_OK || st != ST_IPERF_DONE)
            break;
    }
    fuzz_test_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = fuzz_feed(data, size);
    if (fd < 0)
        return 0;
    serve(fd);
    close(fd);
    return 0;
}
