#include "proto/params.h"
#include "jsonnum.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <weir/errors.h>

#include "config.h"

void params_free(struct test_params *p)
{
    free(p->title);
    free(p->extra_data);
    free(p->congestion);
    free(p->authtoken);
    free(p->client_version);
    free(p->weir_transport);
    memset(p, 0, sizeof *p);
}

static void add_int(struct json_object *o, const char *k, int64_t v)
{
    json_object_object_add(o, k, json_object_new_int64(v));
}

static void add_str(struct json_object *o, const char *k, const char *v)
{
    if (v)
        json_object_object_add(o, k, json_object_new_string(v));
}

struct json_object *params_to_json(const struct test_params *p)
{
    struct json_object *o = json_object_new_object();
    /* Flags are sent only when set: iperf3 treats the presence of a flag key
     * as "on" whatever its value. */
    json_object_object_add(o, p->wire_key, json_object_new_boolean(1));
    add_int(o, "omit", p->omit);
    if (p->server_affinity >= 0)
        add_int(o, "server_affinity", p->server_affinity);
    add_int(o, "time", p->time);
    add_int(o, "num", (int64_t)p->num);
    add_int(o, "blockcount", (int64_t)p->blockcount);
    if (p->mss)
        add_int(o, "MSS", p->mss);
    if (p->nodelay)
        json_object_object_add(o, "nodelay", json_object_new_boolean(1));
    add_int(o, "parallel", p->parallel);
    if (p->reverse)
        json_object_object_add(o, "reverse", json_object_new_boolean(1));
    if (p->bidir)
        json_object_object_add(o, "bidirectional", json_object_new_boolean(1));
    if (p->window)
        add_int(o, "window", p->window);
    add_int(o, "len", p->len);
    if (p->bandwidth)
        add_int(o, "bandwidth", (int64_t)p->bandwidth);
    if (p->fqrate)
        add_int(o, "fqrate", (int64_t)p->fqrate);
    add_int(o, "pacing_timer", p->pacing_timer);
    if (p->burst)
        add_int(o, "burst", p->burst);
    if (p->gso > 0) {
        add_int(o, "gso", p->gso);
        add_int(o, "gso_dg_size", p->gso_dg_size);
        add_int(o, "gso_bf_size", p->gso_bf_size);
        add_int(o, "gro", p->gro < 0 ? 0 : p->gro);
        add_int(o, "gro_bf_size", p->gro_bf_size);
    }
    if (p->tos >= 0)
        add_int(o, "TOS", p->tos);
    if (p->flowlabel)
        add_int(o, "flowlabel", p->flowlabel);
    add_str(o, "title", p->title);
    add_str(o, "extra_data", p->extra_data);
    add_str(o, "congestion", p->congestion);
    if (p->get_server_output)
        add_int(o, "get_server_output", 1);
    if (p->udp_counters_64bit)
        add_int(o, "udp_counters_64bit", 1);
    if (p->repeating_payload)
        add_int(o, "repeating_payload", 1);
    if (p->zerocopy)
        add_int(o, "zerocopy", 1);
    if (p->dont_fragment)
        add_int(o, "dont_fragment", 1);
    add_str(o, "weir_transport", p->weir_transport);
    if (p->weir_stream_tag)
        add_int(o, "weir_stream_tag", 1);
    if (p->weir_sender_done)
        add_int(o, "weir_sender_done", 1);
    add_str(o, "authtoken", p->authtoken);
    if (p->skip_rx_copy)
        add_int(o, "skip_rx_copy", 1);
    add_str(o, "client_version", p->client_version ? p->client_version : "weir-" PACKAGE_VERSION);
    return o;
}

/* Read an integer key. Returns 1 if present and valid, 0 if absent, -1 if
 * present with the wrong type. */
static int get_int(struct json_object *o, const char *k, int64_t *out)
{
    struct json_object *v = jsonnum_get(o, k);
    if (!v)
        return 0;
    return jsonnum_get_i64(v, out) == 0 ? 1 : -1;
}

static int get_str(struct json_object *o, const char *k, char **out)
{
    struct json_object *v = jsonnum_get(o, k);
    if (!v)
        return 0;
    if (!json_object_is_type(v, json_type_string))
        return -1;
    free(*out);
    *out = strdup(json_object_get_string(v));
    return *out ? 1 : -1;
}

int params_from_json(struct json_object *obj, struct test_params *p, int max_parallel,
                     char *detail, size_t detail_len)
{
    memset(p, 0, sizeof *p);
    /* Defaults of an iperf3 server for keys the client left out. */
    snprintf(p->wire_key, sizeof p->wire_key, "tcp");
    p->time = 10;
    p->parallel = 1;
    p->tos = -1;
    p->pacing_timer = 1000;
    p->gso = p->gro = -1;

#define BAD_TYPE(k) do { snprintf(detail, detail_len, "parameter '%s' has the wrong type", k); \
                         return WEIR_E_RECVPARAMS; } while (0)
#define OUT_OF_RANGE(code, k, v) do { snprintf(detail, detail_len, "parameter '%s' out of range: %lld", \
                                           k, (long long)(v)); return code; } while (0)

    static const char *const protocols[] = { "tcp", "udp", "sctp" };
    for (size_t i = 0; i < 3; i++) {
        struct json_object *v = jsonnum_get(obj, protocols[i]);
        if (v)
            snprintf(p->wire_key, sizeof p->wire_key, "%s", protocols[i]);
    }

    int64_t v;
    int r;
    if ((r = get_int(obj, "omit", &v)) < 0) BAD_TYPE("omit");
    if (r) { if (v < 0 || v > 600) OUT_OF_RANGE(WEIR_E_OMIT, "omit", v); p->omit = (int)v; }
    if ((r = get_int(obj, "time", &v)) < 0) BAD_TYPE("time");
    if (r) { if (v < 0 || v > 86400) OUT_OF_RANGE(WEIR_E_DURATION, "time", v); p->time = (int)v; }
    if ((r = get_int(obj, "num", &v)) < 0) BAD_TYPE("num");
    if (r) { if (v < 0) OUT_OF_RANGE(WEIR_E_RECVPARAMS, "num", v); p->num = (uint64_t)v; }
    if ((r = get_int(obj, "blockcount", &v)) < 0) BAD_TYPE("blockcount");
    if (r) { if (v < 0) OUT_OF_RANGE(WEIR_E_RECVPARAMS, "blockcount", v); p->blockcount = (uint64_t)v; }
    if ((r = get_int(obj, "MSS", &v)) < 0) BAD_TYPE("MSS");
    if (r) { if (v < 0 || v > 32767) OUT_OF_RANGE(WEIR_E_MSS, "MSS", v); p->mss = (int)v; }
    if ((r = get_int(obj, "parallel", &v)) < 0) BAD_TYPE("parallel");
    if (r) { if (v < 1 || v > max_parallel) OUT_OF_RANGE(WEIR_E_NUMSTREAMS, "parallel", v); p->parallel = (int)v; }
    if ((r = get_int(obj, "window", &v)) < 0) BAD_TYPE("window");
    if (r) { if (v < 0 || v > 536870912) OUT_OF_RANGE(WEIR_E_BUFSIZE, "window", v); p->window = (int)v; }
    if ((r = get_int(obj, "len", &v)) < 0) BAD_TYPE("len");
    if (r) p->len = v < 0 || v > 0xffffffffLL ? 0 : (uint32_t)v;
    if (r && (v <= 0 || v > 1048576))
        OUT_OF_RANGE(strcmp(p->wire_key, "udp") == 0 ? WEIR_E_UDPBLOCKSIZE : WEIR_E_BLOCKSIZE, "len", v);
    if (strcmp(p->wire_key, "udp") == 0 && p->len && (p->len < 16 || p->len > 65507))
        OUT_OF_RANGE(WEIR_E_UDPBLOCKSIZE, "len", (long long)p->len);
    if ((r = get_int(obj, "bandwidth", &v)) < 0) BAD_TYPE("bandwidth");
    if (r) { if (v < 0) OUT_OF_RANGE(WEIR_E_RECVPARAMS, "bandwidth", v); p->bandwidth = (uint64_t)v; }
    if ((r = get_int(obj, "fqrate", &v)) < 0) BAD_TYPE("fqrate");
    if (r) { if (v < 0) OUT_OF_RANGE(WEIR_E_RECVPARAMS, "fqrate", v); p->fqrate = (uint64_t)v; }
    if ((r = get_int(obj, "server_affinity", &v)) < 0) BAD_TYPE("server_affinity");
    if (r && (v < 0 || v > 1024)) OUT_OF_RANGE(WEIR_E_AFFINITY, "server_affinity", v);
    p->server_affinity = r ? (int)v : -1;
    /* The client labels its own streams; the server only checks the key,
     * as iperf3's does. */
    if ((r = get_int(obj, "flowlabel", &v)) < 0) BAD_TYPE("flowlabel");
    if (r && (v < 1 || v > 0xFFFFF)) OUT_OF_RANGE(WEIR_E_SETFLOW, "flowlabel", v);
    p->flowlabel = r ? (uint32_t)v : 0;
    if ((r = get_int(obj, "pacing_timer", &v)) < 0) BAD_TYPE("pacing_timer");
    if (r) { if (v < 0 || v > 1000000) OUT_OF_RANGE(WEIR_E_RECVPARAMS, "pacing_timer", v); p->pacing_timer = (int)v; }
    if ((r = get_int(obj, "burst", &v)) < 0) BAD_TYPE("burst");
    if (r) { if (v < 0 || v > 1000) OUT_OF_RANGE(WEIR_E_BURST, "burst", v); p->burst = (uint32_t)v; }
    static const char *const gsro_keys[] = { "gso", "gro", "gso_dg_size", "gso_bf_size", "gro_bf_size" };
    int64_t g[5];
    for (int i = 0; i < 5; i++) {
        if ((r = get_int(obj, gsro_keys[i], &g[i])) < 0) BAD_TYPE(gsro_keys[i]);
        if (r && (g[i] < 0 || g[i] > 0x7fffffff)) OUT_OF_RANGE(WEIR_E_RECVPARAMS, gsro_keys[i], g[i]);
        if (!r)
            g[i] = -1;
    }
    p->gso = g[0] < 0 ? -1 : g[0] != 0;
    p->gro = g[1] < 0 ? -1 : g[1] != 0;
    p->gso_dg_size = g[2] < 0 ? 0 : (uint32_t)g[2];
    p->gso_bf_size = g[3] < 0 ? 0 : (uint32_t)g[3];
    p->gro_bf_size = g[4] < 0 ? 0 : (uint32_t)g[4];
    if ((r = get_int(obj, "TOS", &v)) < 0) BAD_TYPE("TOS");
    if (r) { if (v < 0 || v > 255) OUT_OF_RANGE(WEIR_E_BADTOS, "TOS", v); p->tos = (int)v; }

    /* Flags: iperf3 sends booleans for some, the integer 1 for others. */
    p->nodelay = jsonnum_get(obj, "nodelay") != NULL;
    p->reverse = jsonnum_get(obj, "reverse") != NULL;
    p->bidir = jsonnum_get(obj, "bidirectional") != NULL;
    p->get_server_output = jsonnum_get(obj, "get_server_output") != NULL;
    p->udp_counters_64bit = jsonnum_get(obj, "udp_counters_64bit") != NULL;
    p->repeating_payload = jsonnum_get(obj, "repeating_payload") != NULL;
    /* Integer flags that count only when not 0. */
    if ((r = get_int(obj, "dont_fragment", &v)) < 0) BAD_TYPE("dont_fragment");
    p->dont_fragment = r && v != 0;
    if ((r = get_int(obj, "zerocopy", &v)) < 0) BAD_TYPE("zerocopy");
    p->zerocopy = r && v != 0;
    if ((r = get_int(obj, "skip_rx_copy", &v)) < 0) BAD_TYPE("skip_rx_copy");
    p->skip_rx_copy = r && v != 0;
    if (p->reverse && p->bidir) {
        snprintf(detail, detail_len, "both reverse and bidirectional requested");
        return WEIR_E_REVERSEBIDIR;
    }

    if (get_str(obj, "title", &p->title) < 0) BAD_TYPE("title");
    if (get_str(obj, "extra_data", &p->extra_data) < 0) BAD_TYPE("extra_data");
    if (get_str(obj, "congestion", &p->congestion) < 0) BAD_TYPE("congestion");
    if (get_str(obj, "authtoken", &p->authtoken) < 0) BAD_TYPE("authtoken");
    if (get_str(obj, "client_version", &p->client_version) < 0) BAD_TYPE("client_version");
    if (get_str(obj, "weir_transport", &p->weir_transport) < 0) BAD_TYPE("weir_transport");
    p->weir_stream_tag = jsonnum_get(obj, "weir_stream_tag") != NULL;
    p->weir_sender_done = jsonnum_get(obj, "weir_sender_done") != NULL;
    return WEIR_OK;
#undef BAD_TYPE
#undef OUT_OF_RANGE
}
