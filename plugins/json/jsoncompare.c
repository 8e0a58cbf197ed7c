/* The "comparison" object of a comparison run (--transport A,B,...),
 * shared by the json and json-stream reporters. */
#include "jsondoc.h"
#include "jsonlatency.h"

static void add_double(struct json_object *o, const char *key, double v)
{
    json_object_object_add(o, key, json_object_new_double(v));
}

static void add_int(struct json_object *o, const char *key, int64_t v)
{
    json_object_object_add(o, key, json_object_new_int64(v));
}

static struct json_object *row_object(const struct weir_report_comparison_row *r,
                                      const struct weir_report_latency *latency,
                                      const struct weir_report_working_latency *working,
                                      const struct weir_report_load *load)
{
    struct json_object *o = json_object_new_object();
    if (o == NULL)
        return NULL;
    json_object_object_add(o, "transport", json_object_new_string(r->transport));
    json_object_object_add(o, "protocol", json_object_new_string(r->protocol));
    if (r->error != NULL) {
        json_object_object_add(o, "error", json_object_new_string(r->error));
        return o;
    }
    add_int(o, "num_streams", r->num_streams);
    add_int(o, "target_bitrate", (int64_t)r->target_bitrate);
    add_double(o, "seconds", r->seconds);
    add_int(o, "bytes_sent", (int64_t)r->bytes_sent);
    add_int(o, "bytes_received", (int64_t)r->bytes_received);
    add_double(o, "sender_bits_per_second", r->sender_bits_per_second);
    add_double(o, "receiver_bits_per_second", r->receiver_bits_per_second);
    if (r->has_retransmits)
        add_int(o, "retransmits", r->retransmits);
    if (r->datagram) {
        add_int(o, "lost_packets", r->lost_packets);
        add_int(o, "packets", r->packets);
        add_double(o, "lost_percent", r->lost_percent);
        add_double(o, "jitter_ms", r->jitter_ms);
    }
    add_double(o, "setup_seconds", r->setup_seconds);
    add_double(o, "host_cpu_total", r->host_cpu_total);
    if (r->has_remote_cpu)
        add_double(o, "remote_cpu_total", r->remote_cpu_total);
    /* --latency: the test's end.latency.sum, the same keys; --load: its
     * end.latency.working, likewise. */
    if (latency != NULL)
        json_object_object_add(o, "latency", jsonlatency_sum(latency));
    if (working != NULL)
        json_object_object_add(o, "working", jsonlatency_working(working, load));
    return o;
}

struct json_object *jsondoc_comparison(const struct weir_report_comparison *c)
{
    struct json_object *o = json_object_new_object();
    struct json_object *rows = json_object_new_array();
    if (o == NULL || rows == NULL) {
        json_object_put(o);
        json_object_put(rows);
        return NULL;
    }
    const struct weir_report_latency *latency = WEIR_HAS_FIELD(c, latency) ? c->latency : NULL;
    /* 2.3: read only from a weir that has them. */
    const struct weir_report_working_latency *working = WEIR_HAS_FIELD(c, working) ? c->working : NULL;
    const struct weir_report_load *const *load = WEIR_HAS_FIELD(c, load) ? c->load : NULL;
    for (size_t i = 0; i < c->n_rows; i++)
        json_object_array_add(rows, row_object(&c->rows[i], latency ? &latency[i] : NULL,
                                               latency && working ? &working[i] : NULL,
                                               load ? load[i] : NULL));
    json_object_object_add(o, "transports", rows);
    if (c->note != NULL)
        json_object_object_add(o, "note", json_object_new_string(c->note));
    return o;
}
