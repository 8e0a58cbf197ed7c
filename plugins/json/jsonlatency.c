#include "jsonlatency.h"
#include "jsonnum.h"

typedef struct json_object jobj;

static void add_num(jobj *o, const char *key, double v)
{
    json_object_object_add(o, key, jsonnum_number(v));
}

static void add_u64(jobj *o, const char *key, uint64_t v)
{
    json_object_object_add(o, key, jsonnum_int((int64_t)v));
}

jobj *jsonlatency_setup(const struct weir_report_start *s)
{
    jobj *o = json_object_new_object();
    add_u64(o, "request_bytes", s->latency_request);
    add_u64(o, "reply_bytes", s->latency_reply);
    add_num(o, "rate", s->latency_rate);
    json_object_object_add(o, "one_way", json_object_new_boolean(s->latency_clock != NULL));
    json_object_object_add(o, "clock", s->latency_clock ? json_object_new_string(s->latency_clock) : NULL);
    /* --busy-poll: how this end waited for messages. */
    if (s->latency_busy_poll) {
        jobj *b = json_object_new_object();
        json_object_object_add(b, "spin", json_object_new_boolean(1));
        add_u64(b, "so_busy_poll_us", s->latency_busy_poll_us);
        json_object_object_add(b, "so_busy_poll_error",
                               s->latency_busy_poll_error ? json_object_new_string(s->latency_busy_poll_error) : NULL);
        json_object_object_add(o, "busy_poll", b);
    } else {
        json_object_object_add(o, "busy_poll", NULL);
    }
    return o;
}

/* One distribution, microseconds. */
static jobj *delays(const struct weir_report_latency_stats *d)
{
    jobj *o = json_object_new_object();
    add_u64(o, "count", d->count);
    add_num(o, "min_us", d->min);
    add_num(o, "mean_us", d->mean);
    add_num(o, "p50_us", d->p50);
    add_num(o, "p90_us", d->p90);
    add_num(o, "p99_us", d->p99);
    add_num(o, "p99_9_us", d->p999);
    add_num(o, "max_us", d->max);
    add_num(o, "stddev_us", d->stddev);
    return o;
}

static jobj *row(const struct weir_report_latency *r, int is_sum)
{
    jobj *o = json_object_new_object();
    if (!is_sum)
        json_object_object_add(o, "socket", json_object_new_int(r->socket));
    add_num(o, "start", r->start);
    add_num(o, "end", r->end);
    add_num(o, "seconds", r->end - r->start);
    add_u64(o, "sent", r->sent);
    add_u64(o, "lost", r->lost);
    add_u64(o, "missed", r->missed);
    json_object_object_add(o, "rtt", delays(&r->rtt));
    if (r->one_way) {
        json_object_object_add(o, "forward", delays(&r->forward));
        json_object_object_add(o, "reverse", delays(&r->reverse));
    }
    json_object_object_add(o, "omitted", json_object_new_boolean(r->omitted));
    return o;
}

jobj *jsonlatency_working(const struct weir_report_working_latency *w, const struct weir_report_load *load)
{
    jobj *o = json_object_new_object();
    add_u64(o, "load_streams", w->load_streams);
    json_object_object_add(o, "load_direction", json_object_new_string(w->load_direction));
    add_num(o, "idle_seconds", w->idle_seconds);
    json_object_object_add(o, "idle", delays(&w->idle));
    json_object_object_add(o, "loaded", delays(&w->loaded));
    add_num(o, "increase_p50_us", w->increase_p50);
    add_num(o, "increase_mean_us", w->increase_mean);
    add_num(o, "rpm", w->rpm);
    add_num(o, "load_up_bits_per_second", w->up_bits_per_second);
    add_num(o, "load_down_bits_per_second", w->down_bits_per_second);
    /* 2.2: the load's transport, and the loaded connections' own RTT. */
    if (load) {
        json_object_object_add(o, "load_transport", json_object_new_string(load->transport));
        json_object_object_add(o, "load_protocol", json_object_new_string(load->protocol));
        jobj *in = NULL;
        if (load->has_inband) {
            in = delays(&load->inband);
            json_object_object_add(in, "source", json_object_new_string("smoothed_rtt"));
        }
        json_object_object_add(o, "inband", in);
    }
    return o;
}

jobj *jsonlatency_block(const struct weir_report_latency *rows, size_t n,
                        const struct weir_report_latency *sum)
{
    jobj *o = json_object_new_object();
    jobj *a = json_object_new_array();
    for (size_t i = 0; i < n; i++)
        json_object_array_add(a, row(&rows[i], 0));
    json_object_object_add(o, "streams", a);
    json_object_object_add(o, "sum", row(sum, 1));
    return o;
}

jobj *jsonlatency_sum(const struct weir_report_latency *sum)
{
    return row(sum, 1);
}
