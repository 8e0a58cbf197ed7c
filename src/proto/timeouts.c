#include "proto/timeouts.h"
#include "proto/errors.h"
#include "proto/netutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <weir/errors.h>

/* One keepalive field: empty = 0 (the OS default), else 1..max. */
static int ka_field(const char *text, size_t n, int max, int *out)
{
    char buf[16];
    *out = 0;
    if (n == 0)
        return 0;
    if (n >= sizeof buf)
        return -1;
    memcpy(buf, text, n);
    buf[n] = '\0';
    char *end;
    long v = strtol(buf, &end, 10);
    if (*end != '\0' || v < 1 || v > max)
        return -1;
    *out = (int)v;
    return 0;
}

int timeouts_parse_cntl_ka(const char *arg, struct settings *s, char *detail, size_t len)
{
    static const char *const names[] = { "idle", "interval", "count" };
    static const char *const units[] = { "seconds", "seconds", "probes" };
    static const int max[] = { CNTL_KA_MAX_IDLE, CNTL_KA_MAX_INTVL, CNTL_KA_MAX_CNT };
    int v[3] = { 0, 0, 0 };
    s->cntl_ka = 1;
    const char *p = arg ? arg : "";
    for (int i = 0; i < 3; i++) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (ka_field(p, n, max[i], &v[i]) != 0) {
            snprintf(detail, len, "bad %s in '%s' (1 to %d %s, or empty for the OS default)",
                     names[i], arg, max[i], units[i]);
            return WEIR_E_CNTLKA;
        }
        if (!slash) {
            p = NULL;
            break;
        }
        p = slash + 1;
        if (i == 2) {
            snprintf(detail, len, "'%s' has more than IDLE/INTERVAL/COUNT", arg);
            return WEIR_E_CNTLKA;
        }
    }
    /* iperf3's rule: the probes must fit in the idle time. */
    if (v[0] && v[1] && v[2] && v[0] <= v[1] * v[2]) {
        snprintf(detail, len, "idle %d s is not longer than interval %d s * count %d", v[0], v[1], v[2]);
        return WEIR_E_CNTLKA;
    }
    s->cntl_ka_idle = v[0];
    s->cntl_ka_intvl = v[1];
    s->cntl_ka_cnt = v[2];
    return WEIR_OK;
}

int timeouts_apply_control(const struct settings *s, int fd, char *detail, size_t len)
{
    if (s->snd_timeout_ms > 0 && net_set_user_timeout(fd, (unsigned)s->snd_timeout_ms) != 0) {
        snprintf(detail, len, "TCP_USER_TIMEOUT %d ms: %s", s->snd_timeout_ms, strerror(errno));
        return WEIR_E_SETUSERTIMEOUT;
    }
    if (!s->cntl_ka)
        return WEIR_OK;
    const char *failed = "SO_KEEPALIVE";
    if (net_set_keepalive(fd, s->cntl_ka_idle, s->cntl_ka_intvl, s->cntl_ka_cnt, &failed) == 0)
        return WEIR_OK;
    snprintf(detail, len, "%s: %s", failed, strerror(errno));
    if (strcmp(failed, "TCP_KEEPIDLE") == 0)
        return WEIR_E_SETCNTLKAKEEPIDLE;
    if (strcmp(failed, "TCP_KEEPINTVL") == 0)
        return WEIR_E_SETCNTLKAINTERVAL;
    if (strcmp(failed, "TCP_KEEPCNT") == 0)
        return WEIR_E_SETCNTLKACOUNT;
    return WEIR_E_SETCNTLKA;
}

int timeouts_wait_ms(const struct settings *s, int fixed_ms)
{
    int ms = fixed_ms;
    if (s->rcv_timeout_ms > 0 && s->rcv_timeout_ms < ms)
        ms = s->rcv_timeout_ms;
    if (s->mode == MODE_SERVER && s->idle_timeout_s > 0 && (int64_t)s->idle_timeout_s * 1000 < ms)
        ms = s->idle_timeout_s * 1000;
    return ms;
}

int timeouts_idle_ms(const struct settings *s)
{
    return s->idle_timeout_s > 0 ? s->idle_timeout_s * 1000 : -1;
}

static uint64_t received_bytes(const struct test *t)
{
    uint64_t sum = 0;
    for (int i = 0; i < t->n_streams; i++)
        if (!t->streams[i].sending)
            sum += t->streams[i].ctr.bytes;
    return sum;
}

void rcv_watch_start(struct rcv_watch *w, const struct test *t, uint64_t now)
{
    memset(w, 0, sizeof *w);
    for (int i = 0; i < t->n_streams; i++)
        w->armed |= !t->streams[i].sending;
    w->limit_ns = (uint64_t)t->s->rcv_timeout_ms * 1000000u;
    w->last_bytes = received_bytes(t);
    w->last_progress_ns = now;
}

int rcv_watch_expired(struct rcv_watch *w, const struct test *t, uint64_t now)
{
    if (!w->armed || !w->limit_ns)
        return 0;
    uint64_t b = received_bytes(t);
    if (b != w->last_bytes) {
        w->last_bytes = b;
        w->last_progress_ns = now;
        return 0;
    }
    return now - w->last_progress_ns >= w->limit_ns;
}

/* A tenth of the timeout, within these bounds: the timeout fires at most
 * that much late, at a cost of a few wakeups a second. */
#define RCV_CHECK_MIN_MS 10
#define RCV_CHECK_MAX_MS 200

int rcv_watch_wait_ms(const struct rcv_watch *w, uint64_t now, int cap_ms)
{
    if (!w->armed || !w->limit_ns)
        return cap_ms;
    uint64_t step = w->limit_ns / 10 / 1000000u;
    if (step < RCV_CHECK_MIN_MS)
        step = RCV_CHECK_MIN_MS;
    if (step > RCV_CHECK_MAX_MS)
        step = RCV_CHECK_MAX_MS;
    uint64_t due = w->last_progress_ns + w->limit_ns;
    uint64_t left = due > now ? (due - now + 999999u) / 1000000u : 0;
    if (left < step)
        step = left;
    return cap_ms < 0 || step < (uint64_t)cap_ms ? (int)step : cap_ms;
}
