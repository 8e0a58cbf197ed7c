#include "proto/latency_params.h"
#include "proto/errors.h"
#include "jsonnum.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void latency_params_to_json(struct json_object *o, const struct latency_params *p)
{
    if (!p->on)
        return;
    struct json_object *l = json_object_new_object();
    json_object_object_add(l, "request", json_object_new_int64(p->request));
    json_object_object_add(l, "reply", json_object_new_int64(p->reply));
    json_object_object_add(l, "rate", json_object_new_double(p->rate));
    if (p->load) {
        json_object_object_add(l, "load", json_object_new_int64(p->load));
        json_object_object_add(l, "load_len", json_object_new_int64(p->load_len));
        json_object_object_add(l, "idle", json_object_new_double(p->idle));
        if (p->load_transport[0])
            json_object_object_add(l, "load_transport", json_object_new_string(p->load_transport));
    }
    if (p->busy_poll)
        json_object_object_add(l, "busy_poll", json_object_new_boolean(1));
    json_object_object_add(o, LATENCY_KEY, l);
}

static int size_of(struct json_object *l, const char *key, uint32_t *out, char *detail, size_t len)
{
    struct json_object *v = NULL;
    int64_t i;
    if (!json_object_object_get_ex(l, key, &v) || jsonnum_get_i64(v, &i) != 0 ||
        i < LATENCY_MIN_MESSAGE || i > LATENCY_MAX_MESSAGE) {
        snprintf(detail, len, "parameter %s.%s must be %u to %u bytes", LATENCY_KEY, key,
                 LATENCY_MIN_MESSAGE, LATENCY_MAX_MESSAGE);
        return WEIR_E_RECVPARAMS;
    }
    *out = (uint32_t)i;
    return WEIR_OK;
}

int latency_params_from_json(struct json_object *o, struct latency_params *p,
                             char *detail, size_t len)
{
    struct json_object *l = NULL, *v = NULL;
    memset(p, 0, sizeof *p);
    if (!json_object_object_get_ex(o, LATENCY_KEY, &l))
        return WEIR_OK;
    if (!json_object_is_type(l, json_type_object)) {
        snprintf(detail, len, "parameter %s is not an object", LATENCY_KEY);
        return WEIR_E_RECVPARAMS;
    }
    int rc = size_of(l, "request", &p->request, detail, len);
    if (rc == WEIR_OK)
        rc = size_of(l, "reply", &p->reply, detail, len);
    if (rc != WEIR_OK)
        return rc;
    if (json_object_object_get_ex(l, "rate", &v)) {
        double r = json_object_get_double(v);
        if (!(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)) ||
            !isfinite(r) || r < 0 || r > LATENCY_MAX_RATE) {
            snprintf(detail, len, "parameter %s.rate must be 0 to %.0f", LATENCY_KEY, LATENCY_MAX_RATE);
            return WEIR_E_RECVPARAMS;
        }
        p->rate = r;
    }
    if (json_object_object_get_ex(l, "load", &v)) {
        int64_t n, blk;
        struct json_object *lv = NULL, *iv = NULL;
        double idle = -1;
        if (json_object_object_get_ex(l, "idle", &iv) &&
            (json_object_is_type(iv, json_type_double) || json_object_is_type(iv, json_type_int)))
            idle = json_object_get_double(iv);
        if (jsonnum_get_i64(v, &n) != 0 || n < 0 || n > LATENCY_MAX_LOAD ||
            !json_object_object_get_ex(l, "load_len", &lv) || jsonnum_get_i64(lv, &blk) != 0 ||
            blk < 1 || blk > INT32_MAX || !isfinite(idle) || idle < 0 || idle > 3600) {
            snprintf(detail, len, "parameter %s.load must be 0 to %u streams, with load_len "
                     "(bytes) and idle (0 to 3600 s)", LATENCY_KEY, LATENCY_MAX_LOAD);
            return WEIR_E_RECVPARAMS;
        }
        p->load = (uint32_t)n;
        p->load_len = (uint32_t)blk;
        p->idle = idle;
        struct json_object *tv = NULL;
        if (json_object_object_get_ex(l, "load_transport", &tv)) {
            const char *name = json_object_get_string(tv);
            if (!json_object_is_type(tv, json_type_string) || !name[0] ||
                strlen(name) >= sizeof p->load_transport) {
                snprintf(detail, len, "parameter %s.load_transport must be a transport's name (1 to %zu "
                         "characters)", LATENCY_KEY, sizeof p->load_transport - 1);
                return WEIR_E_RECVPARAMS;
            }
            memcpy(p->load_transport, name, strlen(name) + 1);
        }
    }
    if (json_object_object_get_ex(l, "busy_poll", &v)) {
        if (!json_object_is_type(v, json_type_boolean)) {
            snprintf(detail, len, "parameter %s.busy_poll must be true or false", LATENCY_KEY);
            return WEIR_E_RECVPARAMS;
        }
        p->busy_poll = json_object_get_boolean(v);
    }
    p->on = 1;
    return WEIR_OK;
}
