/* Fuzz target: the peer's results JSON (src/proto/results.c) as either side
 * reads it, and what each side then does with it: the client sums it up
 * for the reporters (src/run/stats.c), the server answers with its own
 * results, which echo some of the client's numbers.
 *
 * Input: one byte that shapes the test, then the JSON text (unframed):
 *   bit  0    udp (else tcp)
 *   bits 1-3  streams - 1
 *   bits 4-6  which of the first three streams this side sends on
 *   bit  7    this side is the server */
#include "fuzz.h"
#include "proto/errors.h"
#include "run/test.h"

#include <json-c/json.h>
#include <string.h>

#include "proto/results.h"
#include "run/stats.h"

static void use_results(struct test *t)
{
    if (t->role == WEIR_ROLE_SERVER) {
        struct json_object *mine = results_to_json(t, NULL, NULL);
        const char *text = json_object_to_json_string(mine);
        FUZZ_CHECK(text != NULL);
        /* What we send must read back as valid results. */
        struct json_object *again = json_tokener_parse(text);
        FUZZ_CHECK(again != NULL);
        struct test echo;
        fuzz_test_init(&echo, WEIR_ROLE_CLIENT, 0, t->n_streams, 0);
        char detail[256];
        FUZZ_CHECK(results_from_json(&echo, again, detail, sizeof detail) == WEIR_OK);
        fuzz_test_free(&echo);
        json_object_put(again);
        json_object_put(mine);
        return;
    }
    struct stats_buf b;
    FUZZ_CHECK(stats_buf_init(&b, t->n_streams) == 0);
    struct weir_report_end end;
    stats_end(t, &b, &end);
    FUZZ_CHECK(end.n_streams == (size_t)t->n_streams);
    stats_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t shape = data[0];
    struct json_tokener *tok = json_tokener_new();
    if (!tok)
        return 0;
    struct json_object *obj = json_tokener_parse_ex(tok, (const char *)data + 1, (int)(size - 1));
    int complete = json_tokener_get_error(tok) == json_tokener_success;
    json_tokener_free(tok);
    if (!complete || !obj) {
        json_object_put(obj);
        return 0;
    }
    uint32_t caps = (shape & 1) ? WEIR_CAP_DATAGRAM
                                : WEIR_CAP_RELIABLE | WEIR_CAP_RETRANSMITS | WEIR_CAP_CONGESTION;
    struct test t;
    fuzz_test_init(&t, (shape & 0x80) ? WEIR_ROLE_SERVER : WEIR_ROLE_CLIENT, caps,
                   ((shape >> 1) & 7) + 1, (shape >> 4) & 7);
    /* As a client that asked: its server output keys are read too. */
    t.p.get_server_output = 1;
    char detail[256] = "";
    int rc = results_from_json(&t, obj, detail, sizeof detail);
    json_object_put(obj);
    if (rc == WEIR_OK)
        use_results(&t);
    else
        FUZZ_CHECK(detail[0] != '\0' && (rc == WEIR_E_RECVRESULTS || rc == WEIR_E_STREAMID));
    fuzz_test_free(&t);
    return 0;
}
