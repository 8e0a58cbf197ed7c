#include "proto/results.h"
#include "proto/errors.h"
#include "jsonnum.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* iperf3: -1 if this side only receives, 1 if it sends with retransmit
 * counts, 0 otherwise. */
static int sender_has_retransmits(const struct test *t)
{
    int sends = 0;
    for (int i = 0; i < t->n_streams; i++)
        sends |= t->streams[i].sending;
    if (!sends)
        return -1;
    return test_has_retransmits(t) ? 1 : 0;
}

struct json_object *results_to_json(struct test *t, const char *server_output_text,
                                    const char *server_output_json)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "cpu_util_total", jsonnum_number(t->cpu_total));
    json_object_object_add(o, "cpu_util_user", jsonnum_number(t->cpu_user));
    json_object_object_add(o, "cpu_util_system", jsonnum_number(t->cpu_system));
    int shr = sender_has_retransmits(t);
    json_object_object_add(o, "sender_has_retransmits", jsonnum_int(shr));
    const char *cc = NULL;
    double seconds = t->end_ns > t->start_ns ? (double)(t->end_ns - t->start_ns) / 1e9 : 0;
    struct json_object *arr = json_object_new_array();
    for (int i = 0; i < t->n_streams; i++) {
        struct stream *st = &t->streams[i];
        struct weir_counters c = st->ctr;
        int64_t retrans = -1;
        if (st->final_info_valid) {
            const struct weir_stream_info info = st->final_info;
            if (st->sending && (test_stream_caps(t, st) & WEIR_CAP_RETRANSMITS))
                retrans = (int64_t)(info.retransmits - st->retrans_omit);
            if (info.congestion[0] && !cc) {
                memcpy(st->congestion, info.congestion, sizeof st->congestion);
                cc = st->congestion;
            }
        }
        double jitter = 0;
        int64_t errors = 0, omitted_errors = 0;
        if (!st->sending) {
            jitter = (double)c.jitter_ns / 1e9;
            errors = (int64_t)c.lost;
            omitted_errors = (int64_t)st->at_omit.lost;
        } else if (t->role == WEIR_ROLE_SERVER && st->peer.known) {
            /* iperf3 servers echo what the receiving client reported. */
            jitter = st->peer.jitter;
            errors = st->peer.errors;
            omitted_errors = st->peer.omitted_errors;
        }
        struct json_object *so = json_object_new_object();
        json_object_object_add(so, "id", jsonnum_int(st->id));
        json_object_object_add(so, "bytes", jsonnum_int((int64_t)(c.bytes - st->at_omit.bytes)));
        json_object_object_add(so, "retransmits", jsonnum_int(retrans));
        json_object_object_add(so, "jitter", jsonnum_number(jitter));
        json_object_object_add(so, "errors", jsonnum_int(errors));
        json_object_object_add(so, "omitted_errors", jsonnum_int(omitted_errors));
        json_object_object_add(so, "packets", jsonnum_int((int64_t)c.packets));
        json_object_object_add(so, "omitted_packets", jsonnum_int((int64_t)st->at_omit.packets));
        json_object_object_add(so, "start_time", jsonnum_int(0));
        json_object_object_add(so, "end_time", jsonnum_number(seconds));
        json_object_array_add(arr, so);
    }
    if (cc)
        json_object_object_add(o, "congestion_used", json_object_new_string(cc));
    if (server_output_json) {
        struct json_object *doc = json_tokener_parse(server_output_json);
        if (doc)
            json_object_object_add(o, "server_output_json", doc);
    } else if (server_output_text) {
        json_object_object_add(o, "server_output_text", json_object_new_string(server_output_text));
    }
    json_object_object_add(o, "streams", arr);
    return o;
}

static int need_num(struct json_object *o, const char *k, double *out)
{
    return jsonnum_get_double(jsonnum_get(o, k), out);
}

static int need_int(struct json_object *o, const char *k, int64_t *out)
{
    return jsonnum_get_i64(jsonnum_get(o, k), out);
}

int results_from_json(struct test *t, struct json_object *obj, char *detail, size_t len)
{
    int64_t shr;
    struct json_object *streams = jsonnum_get(obj, "streams");
    if (need_num(obj, "cpu_util_total", &t->peer_cpu_total) ||
        need_num(obj, "cpu_util_user", &t->peer_cpu_user) ||
        need_num(obj, "cpu_util_system", &t->peer_cpu_system) ||
        need_int(obj, "sender_has_retransmits", &shr) ||
        !streams || !json_object_is_type(streams, json_type_array)) {
        snprintf(detail, len, "results lack a required key");
        return WEIR_E_RECVRESULTS;
    }
    t->peer_sender_has_retransmits = (int)shr;
    struct json_object *cc = jsonnum_get(obj, "congestion_used");
    if (cc && json_object_is_type(cc, json_type_string)) {
        free(t->peer_congestion);
        t->peer_congestion = strdup(json_object_get_string(cc));
    }
    /* An iperf3 3.12 server, once asked by any client, keeps sending its output to every
     * later client: keep it only when this test asked (--get-server-output). */
    struct json_object *sot = t->p.get_server_output ? jsonnum_get(obj, "server_output_text") : NULL;
    struct json_object *soj = t->p.get_server_output ? jsonnum_get(obj, "server_output_json") : NULL;
    if (sot && json_object_is_type(sot, json_type_string)) {
        free(t->server_output_text);
        t->server_output_text = strdup(json_object_get_string(sot));
    }
    if (soj && json_object_is_type(soj, json_type_object)) {
        free(t->server_output_json);
        t->server_output_json = strdup(json_object_to_json_string_ext(soj,
            JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_PRETTY_TAB | JSON_C_TO_STRING_NOSLASHESCAPE));
    }
    size_t n = json_object_array_length(streams);
    for (size_t i = 0; i < n; i++) {
        struct json_object *so = json_object_array_get_idx(streams, i);
        int64_t id, bytes, retrans, errors, packets;
        double jitter;
        if (need_int(so, "id", &id) || need_int(so, "bytes", &bytes) ||
            need_int(so, "retransmits", &retrans) || need_num(so, "jitter", &jitter) ||
            need_int(so, "errors", &errors) || need_int(so, "packets", &packets)) {
            snprintf(detail, len, "stream %zu of the results lacks a required key", i);
            return WEIR_E_RECVRESULTS;
        }
        struct stream *st = NULL;
        for (int k = 0; k < t->n_streams; k++)
            if (t->streams[k].id == id)
                st = &t->streams[k];
        if (!st) {
            snprintf(detail, len, "the peer reported stream id %lld", (long long)id);
            return WEIR_E_STREAMID;
        }
        struct peer_stream *p = &st->peer;
        p->known = 1;
        p->bytes = bytes < 0 ? 0 : (uint64_t)bytes;
        p->retransmits = retrans;
        p->jitter = jitter;
        p->errors = errors;
        p->packets = packets;
        /* Peers before iperf3 3.14 send no omitted_* keys: as iperf3 does,
         * assume the omit period ended at the same count on both ends. */
        if (need_int(so, "omitted_errors", &p->omitted_errors))
            p->omitted_errors = (int64_t)st->at_omit.lost;
        if (need_int(so, "omitted_packets", &p->omitted_packets))
            p->omitted_packets = (int64_t)st->at_omit.packets;
        p->start_time = 0;
        p->end_time = 0;
        need_num(so, "start_time", &p->start_time);
        need_num(so, "end_time", &p->end_time);
    }
    t->peer_known = 1;
    return WEIR_OK;
}
