/* --latency in the JSON documents (ABI 2.1 figures; keys in
 * docs/protocol.md §12): start.weir.latency, and a "latency" object in
 * each interval and in end. */
#ifndef WEIR_JSONLATENCY_H
#define WEIR_JSONLATENCY_H

#include <json-c/json.h>
#include <weir/weir.h>

/* {"request_bytes", "reply_bytes", "rate", "one_way", "clock"}. */
struct json_object *jsonlatency_setup(const struct weir_report_start *s);
/* {"streams": [row per probe stream], "sum": row}. */
struct json_object *jsonlatency_block(const struct weir_report_latency *rows, size_t n,
                                      const struct weir_report_latency *sum);
/* One row without "socket" (a sum): a comparison run's "latency". */
struct json_object *jsonlatency_sum(const struct weir_report_latency *sum);
/* --load: {"load_streams", "load_direction", "idle_seconds", "idle",
 * "loaded" (distributions), "increase_p50_us", "increase_mean_us", "rpm",
 * "load_up_bits_per_second", "load_down_bits_per_second"}. */
struct json_object *jsonlatency_working(const struct weir_report_working_latency *w,
                                        const struct weir_report_load *load);

#endif
