#include "roles/serverlimits.h"
#include "proto/errors.h"
#include "units.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <weir/errors.h>

int limits_parse_bitrate(const char *text, uint64_t *rate, int *window_s)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s", text);
    *window_s = LIMITS_RATE_WINDOW_DEFAULT_S;
    char *slash = strchr(buf, '/');
    if (slash) {
        *slash = '\0';
        char *end;
        double secs = strtod(slash + 1, &end);
        if (slash[1] == '\0' || *end != '\0' || !isfinite(secs) || secs <= 0 ||
            secs > LIMITS_RATE_WINDOW_MAX_S)
            return WEIR_E_TOTALINTERVAL;
        *window_s = (int)(secs + 0.5);
        if (*window_s < 1)
            *window_s = 1;
    }
    if (buf[0] == '\0' || units_parse_rate(buf, rate) != 0)
        return WEIR_E_UNITVAL;
    return WEIR_OK;
}

/* a * b, saturating. */
static uint64_t mul_sat(uint64_t a, uint64_t b)
{
    uint64_t r;
    return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

int limits_check_params(const struct settings *s, const struct test_params *p,
                        char *detail, size_t len)
{
    int max = s->server_max_duration_s;
    if (max > 0) {
        if (p->time == 0) {
            snprintf(detail, len, "the test has no time limit (-n/-k or -t 0); this server allows "
                     "at most %d s", max);
            return WEIR_E_MAXSERVERTESTDURATIONEXCEEDED;
        }
        if ((int64_t)p->time + p->omit > max) {
            snprintf(detail, len, "%d s asked for (time %d + omit %d), at most %d s allowed",
                     p->time + p->omit, p->time, p->omit, max);
            return WEIR_E_MAXSERVERTESTDURATIONEXCEEDED;
        }
    }
    if (s->server_bitrate_limit > 0) {
        /* Both directions count in bidir; so does --fq-rate (iperf3 3.21). */
        uint64_t streams = (uint64_t)p->parallel * (p->bidir ? 2 : 1);
        uint64_t per_stream = p->bandwidth > p->fqrate ? p->bandwidth : p->fqrate;
        uint64_t total = mul_sat(streams, per_stream);
        if (total > s->server_bitrate_limit) {
            snprintf(detail, len, "%" PRIu64 " bit/s asked for in total, at most %" PRIu64 " bit/s allowed",
                     total, s->server_bitrate_limit);
            return WEIR_E_TOTALRATE;
        }
    }
    return WEIR_OK;
}

void rate_window_start(struct rate_window *w, const struct settings *s, uint64_t now)
{
    memset(w, 0, sizeof *w);
    w->limit = s->server_bitrate_limit;
    if (!w->limit)
        return;
    int window = s->server_bitrate_window_s > 0 ? s->server_bitrate_window_s : LIMITS_RATE_WINDOW_DEFAULT_S;
    w->steps = window < RATE_WINDOW_STEPS ? window : RATE_WINDOW_STEPS;
    w->step_ns = (uint64_t)window * 1000000000u / (uint64_t)w->steps;
    w->next_ns = now;
}

static uint64_t bytes_moved(const struct test *t)
{
    uint64_t sum = 0;
    for (int i = 0; i < t->n_streams; i++)
        sum += t->streams[i].ctr.bytes;
    return sum;
}

int rate_window_check(struct rate_window *w, const struct test *t, uint64_t now,
                      char *detail, size_t len)
{
    if (!w->limit || now < w->next_ns)
        return WEIR_OK;
    const int ring = w->steps + 1;
    int slot = w->taken % ring;
    w->at_ns[slot] = now;
    w->bytes[slot] = bytes_moved(t);
    w->taken++;
    w->next_ns += w->step_ns;
    if (w->next_ns <= now)
        w->next_ns = now + w->step_ns;
    if (w->taken < ring)
        return WEIR_OK;         /* not a whole window yet, as iperf3 */
    /* The oldest sample in the ring is one window back. */
    int oldest = w->taken % ring;
    double secs = (double)(now - w->at_ns[oldest]) / 1e9;
    if (secs <= 0)
        return WEIR_OK;
    double rate = (double)(w->bytes[slot] - w->bytes[oldest]) * 8.0 / secs;
    if (rate <= (double)w->limit)
        return WEIR_OK;
    snprintf(detail, len, "%.0f bit/s on average over the last %.1f s, the limit is %" PRIu64 " bit/s",
             rate, secs, w->limit);
    return WEIR_E_TOTALRATE;
}
