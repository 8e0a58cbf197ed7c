/* Fuzz target: the parameter JSON a client sends (src/proto/params.c), parsed
 * and range-checked as the server does. Whatever the server accepts must
 * survive the client's encoding unchanged: parameters that parse are
 * written back with params_to_json and must parse to the same values.
 *
 * Input: the JSON text (unframed). The keys are the option table's
 * (src/cli/optable.c). */
#include "fuzz.h"

#include <json-c/json.h>
#include <string.h>

#include "cli/optable.h"
#include "cli/options.h"
#include "proto/params.h"
#include <weir/errors.h>

static int same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void round_trip(const struct test_params *p)
{
    struct json_object *o = params_to_json(p);
    const char *text = json_object_to_json_string(o);
    FUZZ_CHECK(text != NULL);
    struct json_object *back = json_tokener_parse(text);
    FUZZ_CHECK(back != NULL);
    struct test_params q;
    char detail[256] = "";
    int rc = params_from_json(back, &q, NULL, NULL, detail, sizeof detail);
    if (rc != WEIR_OK)
        fprintf(stderr, "round trip refused: %s (%s)\n", detail, text);
    FUZZ_CHECK(rc == WEIR_OK);
    FUZZ_CHECK(strcmp(p->wire_key, q.wire_key) == 0);
    /* Every parameter of the option table, as it went out. */
    for (size_t i = 0; i < optable_len; i++) {
        const struct optspec *e = &optable[i];
        if (!e->key)
            continue;
        if (e->param.ctype == CT_STR)
            FUZZ_CHECK(same_str(optfield_get_str(p, e->param), optfield_get_str(&q, e->param)));
        else
            FUZZ_CHECK(optfield_get_int(p, e->param) == optfield_get_int(&q, e->param));
    }
    params_free(&q);
    json_object_put(back);
    json_object_put(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct json_tokener *tok = json_tokener_new();
    if (!tok)
        return 0;
    struct json_object *obj = json_tokener_parse_ex(tok, (const char *)data, (int)size);
    int complete = json_tokener_get_error(tok) == json_tokener_success;
    json_tokener_free(tok);
    if (!complete || !obj) {
        json_object_put(obj);
        return 0;
    }
    struct test_params p;
    char detail[256] = "";
    int rc = params_from_json(obj, &p, NULL, NULL, detail, sizeof detail);
    json_object_put(obj);
    if (rc == WEIR_OK) {
        FUZZ_CHECK(p.parallel >= 1 && p.parallel <= MAX_PARALLEL);
        /* The server's default when the key is absent does not go back
         * on the wire: a client always sends a length. */
        if (p.len)
            round_trip(&p);
    } else {
        FUZZ_CHECK(detail[0] != '\0');
    }
    params_free(&p);
    return 0;
}
