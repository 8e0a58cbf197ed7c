/* Comparison table: one row per transport, the columns a network engineer
 * compares first. A cell that does not apply to a transport shows "-". */
#include "text_compare.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "units.h"

#define COLUMNS "%-10s %-9s %16s %16s %7s %7s %6s %22s %10s %10s%s\n"
/* --latency: the round trips' p50 and p99 (usec) and the probes lost. */
#define LATENCY_COLUMNS " %10s %10s %6s"
/* --latency --load: the idle and loaded round trips' p50, the increase
 * (usec), responsiveness (RPM) and the load's rate as received. */
#define WORKING_COLUMNS " %10s %10s %10s %8s %16s"

static void emit(void (*line)(void *, const char *), void *arg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void emit(void (*line)(void *, const char *), void *arg, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    /* Empty trailing cells leave padding: no trailing blanks in output. */
    size_t n = strlen(buf);
    while (n >= 2 && buf[n - 2] == ' ') {
        buf[n - 2] = '\n';
        buf[--n] = '\0';
    }
    line(arg, buf);
}

static void percent(char *buf, size_t len, int known, double v)
{
    if (known)
        snprintf(buf, len, "%.1f%%", v);
    else
        snprintf(buf, len, "-");
}

/* A delay in usec within 10 columns up to the histogram's 60 s: two
 * decimals below 100 ms, fewer above; sign: "+" for an increase. */
static void delay(char *buf, size_t len, double us, const char *sign)
{
    double mag = us < 0 ? -us : us;
    int decimals = mag < 99999.995 ? 2 : mag < 999999.95 ? 1 : 0;
    snprintf(buf, len, "%s%.*f", sign[0] && us >= 0 ? sign : "", decimals, us);
}

static void latency_cells(char *buf, size_t len, const struct weir_report_latency *l)
{
    char p50[24] = "-", p99[24] = "-";
    if (l->rtt.count) {
        delay(p50, sizeof p50, l->rtt.p50, "");
        delay(p99, sizeof p99, l->rtt.p99, "");
    }
    char lost[24];
    snprintf(lost, sizeof lost, "%llu", (unsigned long long)l->lost);
    snprintf(buf, len, LATENCY_COLUMNS, p50, p99, lost);
}

/* The load's rate in the direction it ran (both: the two added). */
static double load_rate(const struct weir_report_working_latency *w)
{
    const char *dir = w->load_direction ? w->load_direction : "";
    if (strcmp(dir, "down") == 0)
        return w->down_bits_per_second;
    if (strcmp(dir, "both") == 0)
        return w->up_bits_per_second + w->down_bits_per_second;
    return w->up_bits_per_second;
}

static void working_cells(char *buf, size_t len, const struct weir_report_working_latency *w, char unit)
{
    char idle[24] = "-", loaded[24] = "-", inc[24] = "-", rpm[24] = "-", rate[32] = "-";
    if (w->idle.count)
        delay(idle, sizeof idle, w->idle.p50, "");
    if (w->loaded.count) {
        delay(loaded, sizeof loaded, w->loaded.p50, "");
        snprintf(rpm, sizeof rpm, "%.0f", w->rpm);
    }
    if (w->idle.count && w->loaded.count)
        delay(inc, sizeof inc, w->increase_p50, "+");
    if (w->load_streams)
        units_format_rate(rate, sizeof rate, load_rate(w) / 8, unit);
    snprintf(buf, len, WORKING_COLUMNS, idle, loaded, inc, rpm, rate);
}

/* Under the table: what the working columns measured, from the first row
 * that ran (every test had the same options). */
static void working_line(const struct weir_report_comparison *c, const struct weir_report_working_latency *w,
                         const struct weir_report_load *const *load,
                         void (*line)(void *, const char *), void *arg)
{
    const struct weir_report_working_latency *f = NULL;
    const char *first_name = NULL;
    int same = 1, own = 1;
    for (size_t i = 0; i < c->n_rows; i++) {
        if (w[i].load_streams == 0)
            continue;
        const char *name = load && load[i]->transport ? load[i]->transport : c->rows[i].transport;
        if (!f) {
            f = &w[i];
            first_name = name;
        }
        same &= strcmp(name, first_name) == 0;
        own &= strcmp(name, c->rows[i].transport) == 0;
    }
    if (!f)
        return;
    /* --load-transport: the same load in every test. */
    char over[96];
    if (same && !own)
        snprintf(over, sizeof over, "over %s in every test", first_name);
    else
        snprintf(over, sizeof over, "over each test's transport");
    emit(line, arg, "Working latency: %u load stream%s %s %s, after %.2f s idle (Load: as received)\n",
         (unsigned)f->load_streams, f->load_streams == 1 ? "" : "s", f->load_direction ? f->load_direction : "up",
         over, f->idle_seconds);
}

void text_comparison(const struct weir_report_comparison *c, char unit,
                     void (*line)(void *, const char *), void *arg)
{
    const struct weir_report_latency *lat = WEIR_HAS_FIELD(c, latency) ? c->latency : NULL;
    /* 2.3: read only from a weir that has them. */
    const struct weir_report_working_latency *work = lat && WEIR_HAS_FIELD(c, working) ? c->working : NULL;
    const struct weir_report_load *const *load = work && WEIR_HAS_FIELD(c, load) ? c->load : NULL;
    char head1[160] = "", head2[160] = "";
    if (lat) {
        snprintf(head1, sizeof head1, LATENCY_COLUMNS, "RTT p50", "RTT p99", "Lost");
        snprintf(head2, sizeof head2, LATENCY_COLUMNS, "usec", "usec", "probes");
    }
    if (work) {
        const char *dir = "up";
        for (size_t i = 0; i < c->n_rows; i++)
            if (work[i].load_direction) {
                dir = strcmp(work[i].load_direction, "both") == 0 ? "up+down" : work[i].load_direction;
                break;
            }
        size_t at = strlen(head1);
        snprintf(head1 + at, sizeof head1 - at, WORKING_COLUMNS, "Idle p50", "Loaded p50", "Increase", "RPM", "Load");
        at = strlen(head2);
        snprintf(head2 + at, sizeof head2 - at, WORKING_COLUMNS, "usec", "usec", "usec", "", dir);
    }
    emit(line, arg, "\nComparison, one test per transport with the same options:\n");
    emit(line, arg, COLUMNS, "Transport", "Protocol", "Sender", "Receiver", "CPU", "CPU",
         "Retr", "Lost/Total Datagrams", "Jitter", "Setup", head1);
    emit(line, arg, COLUMNS, "", "", "", "", "local", "remote", "", "", "", "", head2);
    for (size_t i = 0; i < c->n_rows; i++) {
        const struct weir_report_comparison_row *r = &c->rows[i];
        if (r->error) {
            emit(line, arg, "%-10s %-9s failed: %s\n", r->transport, r->protocol, r->error);
            continue;
        }
        char snd[32], rcv[32], cpu_l[16], cpu_r[16], retr[24], loss[48], jit[24], setup[24];
        char cells[160] = "";
        units_format_rate(snd, sizeof snd, r->sender_bits_per_second / 8, unit);
        units_format_rate(rcv, sizeof rcv, r->receiver_bits_per_second / 8, unit);
        percent(cpu_l, sizeof cpu_l, 1, r->host_cpu_total);
        percent(cpu_r, sizeof cpu_r, r->has_remote_cpu, r->remote_cpu_total);
        if (r->has_retransmits)
            snprintf(retr, sizeof retr, "%lld", (long long)r->retransmits);
        else
            snprintf(retr, sizeof retr, "-");
        if (r->datagram) {
            snprintf(loss, sizeof loss, "%lld/%lld (%.2g%%)", (long long)r->lost_packets,
                     (long long)r->packets, r->lost_percent);
            snprintf(jit, sizeof jit, "%.3f ms", r->jitter_ms);
        } else {
            snprintf(loss, sizeof loss, "-");
            snprintf(jit, sizeof jit, "-");
        }
        snprintf(setup, sizeof setup, "%.1f ms", r->setup_seconds * 1e3);
        if (lat)
            latency_cells(cells, sizeof cells, &lat[i]);
        if (work) {
            size_t at = strlen(cells);
            working_cells(cells + at, sizeof cells - at, &work[i], unit);
        }
        emit(line, arg, COLUMNS, r->transport, r->protocol, snd, rcv, cpu_l, cpu_r, retr, loss,
             jit, setup, cells);
    }
    if (work)
        working_line(c, work, load, line, arg);
    if (c->note)
        emit(line, arg, "Note: %s\n", c->note);
}
