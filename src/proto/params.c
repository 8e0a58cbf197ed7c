#include "proto/params.h"
#include "proto/errors.h"
#include "proto/latency_params.h"
#include "cli/optable.h"
#include "cli/optcheck.h"
#include "jsonnum.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <weir/errors.h>

void params_free(struct test_params *p)
{
    for (size_t i = 0; i < optable_len; i++)
        if (optable[i].param.ctype == CT_STR)
            free((char *)optfield_get_str(p, optable[i].param));
    memset(p, 0, sizeof *p);
}

void params_defaults(struct test_params *p)
{
    memset(p, 0, sizeof *p);
    for (size_t i = 0; i < optable_len; i++)
        if (optable[i].param.ctype && optable[i].param.ctype != CT_STR)
            optfield_set_int(p, optable[i].param, optable[i].dflt);
}

void params_from_settings(struct test_params *p, const struct settings *s)
{
    params_defaults(p);
    for (size_t i = 0; i < optable_len; i++) {
        const struct optspec *o = &optable[i];
        if (!o->set.ctype || !o->param.ctype || (o->flags & OPT_CLIENT_FILLS))
            continue;
        if (o->param.ctype == CT_STR) {
            const char *v = optfield_get_str(s, o->set);
            optfield_set_str(p, o->param, v ? strdup(v) : NULL);
        } else {
            optfield_set_int(p, o->param, optfield_get_int(s, o->set));
        }
    }
}

/* The entry whose key comes rank-th in the JSON, or NULL past the last. */
static const struct optspec *by_rank(int rank)
{
    for (size_t i = 0; i < optable_len; i++)
        if (optable[i].key && optable[i].wire_rank == rank)
            return &optable[i];
    return NULL;
}

/* Flags are sent only when set: iperf3 takes the presence of a flag key as
 * "on" whatever its value. */
static void add_param(struct json_object *o, const struct optspec *e, const struct test_params *p)
{
    if (e->wire == WIRE_STRING) {
        const char *v = optfield_get_str(p, e->param);
        if (v)
            json_object_object_add(o, e->key, json_object_new_string(v));
        return;
    }
    int64_t v = optfield_get_int(p, e->param);
    switch (e->wire) {
    case WIRE_INT:
    case WIRE_TRISTATE:
        if (e->send == SEND_ALWAYS || v != e->dflt)
            json_object_object_add(o, e->key, json_object_new_int64(v));
        break;
    case WIRE_TRUE:
        if (v)
            json_object_object_add(o, e->key, json_object_new_boolean(1));
        break;
    case WIRE_ONE:
    case WIRE_NONZERO:
        if (v)
            json_object_object_add(o, e->key, json_object_new_int64(1));
        break;
    default:
        break;
    }
}

struct json_object *params_to_json(const struct test_params *p)
{
    struct json_object *o = json_object_new_object();
    if (p->wire_key[0])
        json_object_object_add(o, p->wire_key, json_object_new_boolean(1));
    const struct optspec *e;
    for (int rank = 1; (e = by_rank(rank)) != NULL; rank++)
        add_param(o, e, p);
    latency_params_to_json(o, &p->weir_latency);
    return o;
}

/* The value fits the field's C type. */
static int fits(uint8_t ctype, int64_t v)
{
    switch (ctype) {
    case CT_INT: return v >= INT_MIN && v <= INT_MAX;
    case CT_U16: return v >= 0 && v <= UINT16_MAX;
    case CT_U32: return v >= 0 && v <= (int64_t)UINT32_MAX;
    case CT_U64: return v >= 0;
    default:     return 0;
    }
}

static int bad_type(const struct optspec *e, char *detail, size_t len)
{
    snprintf(detail, len, "parameter '%s' has the wrong type", e->key);
    return WEIR_E_RECVPARAMS;
}

static int read_number(struct json_object *v, const struct optspec *e, struct test_params *p,
                       char *detail, size_t len)
{
    int64_t i;
    if (jsonnum_get_i64(v, &i) != 0)
        return bad_type(e, detail, len);
    if (e->wire == WIRE_NONZERO) {
        optfield_set_int(p, e->param, i != 0);
        return WEIR_OK;
    }
    char given[96];
    snprintf(given, sizeof given, "parameter %s = %lld", e->key, (long long)i);
    int rc = optcheck_range(e, (double)i, given, detail, len);
    if (rc != WEIR_OK)
        return optcheck_wire_status(rc);
    if (!fits(e->param.ctype, i)) {
        snprintf(detail, len, "parameter '%s' out of range: %lld", e->key, (long long)i);
        return WEIR_E_RECVPARAMS;
    }
    optfield_set_int(p, e->param, e->wire == WIRE_TRISTATE ? i != 0 : i);
    return WEIR_OK;
}

static int read_param(struct json_object *obj, const struct optspec *e, struct test_params *p,
                      char *detail, size_t len)
{
    struct json_object *v = jsonnum_get(obj, e->key);
    if (!v)
        return WEIR_OK;
    switch (e->wire) {
    case WIRE_TRUE:
    case WIRE_ONE:
        /* iperf3 sends booleans for some flags, the integer 1 for others. */
        optfield_set_int(p, e->param, 1);
        return WEIR_OK;
    case WIRE_STRING: {
        if (!json_object_is_type(v, json_type_string))
            return bad_type(e, detail, len);
        char *copy = strdup(json_object_get_string(v));
        if (!copy)
            return WEIR_E_NOMEM;
        free((char *)optfield_get_str(p, e->param));
        optfield_set_str(p, e->param, copy);
        return WEIR_OK;
    }
    default:
        return read_number(v, e, p, detail, len);
    }
}

/* The protocol key: sent as true and no parameter of the table; the last
 * one that names a transport, as iperf3's server lets its UDP key override
 * its TCP key. Else the last such key, for the server to refuse. */
static void read_protocol_key(struct json_object *obj, struct test_params *p,
                              params_names_transport_fn names_transport, void *ctx)
{
    char last[sizeof p->wire_key] = "";
    json_object_object_foreach(obj, key, val) {
        if (!json_object_is_type(val, json_type_boolean) || !json_object_get_boolean(val) ||
            optable_by_key(key) || strlen(key) >= sizeof p->wire_key)
            continue;
        snprintf(last, sizeof last, "%s", key);
        if (!names_transport || names_transport(key, ctx))
            snprintf(p->wire_key, sizeof p->wire_key, "%s", key);
    }
    if (!p->wire_key[0])
        snprintf(p->wire_key, sizeof p->wire_key, "%s", last);
}

int params_from_json(struct json_object *obj, struct test_params *p,
                     params_names_transport_fn names_transport, void *ctx,
                     char *detail, size_t detail_len)
{
    params_defaults(p);
    if (!json_object_is_type(obj, json_type_object)) {
        snprintf(detail, detail_len, "the parameters are not a JSON object");
        return WEIR_E_RECVPARAMS;
    }
    read_protocol_key(obj, p, names_transport, ctx);
    const struct optspec *e;
    for (int rank = 1; (e = by_rank(rank)) != NULL; rank++) {
        int rc = read_param(obj, e, p, detail, detail_len);
        if (rc != WEIR_OK)
            return rc;
    }
    if (p->reverse && p->bidir) {
        snprintf(detail, detail_len, "both reverse and bidirectional requested");
        return WEIR_E_REVERSEBIDIR;
    }
    return latency_params_from_json(obj, &p->weir_latency, detail, detail_len);
}
