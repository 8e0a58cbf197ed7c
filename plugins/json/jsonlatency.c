#include "jsonlatency.h"
#include "jsonnum.h"

typedef struct json_object jobj;

jobj *jsonlatency_setup(const struct weir_report_start *s)
{
    jobj *o = json_object_new_object();
    jsonnum_add_int(o, "request_bytes", (int64_t)s->latency_request);
    jsonnum_add_int(o, "reply_bytes", (int64_t)s->latency_reply);
    jsonnum_add_number(o, "rate", s->latency_rate);
    json_object_object_add(o, "one_way", json_object_new_boolean(s->latency_clock != NULL));
    json_object_object_add(o, "clock", s->latency_clock ? json_object_new_string(s->latency_clock) : NULL);
    /* --busy-poll: how this end waited for messages. */
    if (s->latency_busy_poll) {
        jobj *b = json_object_new_object();
        json_object_object_add(b, "spin", json_object_new_boolean(1));
        jsonnum_add_int(b, "so_busy_poll_us", (int64_t)s->latency_busy_poll_us);
        json_object_object_add(b, "so_busy_poll_error",
                               s->latency_busy_poll_error ? json_object_new_string(s->latency_busy_poll_error) : NULL);
        json_object_object_add(o, "busy_poll", b);
    } else {
        json_object_object_add(o, "busy_poll", NULL);
    }
    return o;
}

/* A figure of a distribution that may be empty: null then, not a 0 that
 * reads as 0 us. */
static void add_figure(jobj *o, const char *key, double v, int known)
{
    if (known)
        jsonnum_add_number(o, key, v);
    else
        json_object_object_add(o, key, NULL);
}

/* One distribution, microseconds; the figures null when count is 0. */
static jobj *delays(const struct weir_report_latency_stats *d)
{
    jobj *o = json_object_new_object();
    int any = d->count > 0;
    jsonnum_add_int(o, "count", (int64_t)d->count);
    add_figure(o, "min_us", d->min, any);
    add_figure(o, "mean_us", d->mean, any);
    add_figure(o, "p50_us", d->p50, any);
    add_figure(o, "p90_us", d->p90, any);
    add_figure(o, "p99_us", d->p99, any);
    add_figure(o, "p99_9_us", d->p999, any);
    add_figure(o, "max_us", d->max, any);
    add_figure(o, "stddev_us", d->stddev, any);
    return o;
}

static jobj *row(const struct weir_report_latency *r, int is_sum)
{
    jobj *o = json_object_new_object();
    if (!is_sum)
        json_object_object_add(o, "socket", json_object_new_int(r->socket));
    jsonnum_add_number(o, "start", r->start);
    jsonnum_add_number(o, "end", r->end);
    jsonnum_add_number(o, "seconds", r->end - r->start);
    jsonnum_add_int(o, "sent", (int64_t)r->sent);
    jsonnum_add_int(o, "lost", (int64_t)r->lost);
    jsonnum_add_int(o, "missed", (int64_t)r->missed);
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
    jsonnum_add_int(o, "load_streams", (int64_t)w->load_streams);
    json_object_object_add(o, "load_direction", json_object_new_string(w->load_direction));
    jsonnum_add_number(o, "idle_seconds", w->idle_seconds);
    json_object_object_add(o, "idle", delays(&w->idle));
    json_object_object_add(o, "loaded", delays(&w->loaded));
    int both = w->idle.count > 0 && w->loaded.count > 0;
    add_figure(o, "increase_p50_us", w->increase_p50, both);
    add_figure(o, "increase_mean_us", w->increase_mean, both);
    add_figure(o, "rpm", w->rpm, w->loaded.count > 0);
    jsonnum_add_number(o, "load_up_bits_per_second", w->up_bits_per_second);
    jsonnum_add_number(o, "load_down_bits_per_second", w->down_bits_per_second);
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
