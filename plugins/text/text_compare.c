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

static void latency_cells(char *buf, size_t len, const struct weir_report_latency *l)
{
    char p50[24] = "-", p99[24] = "-";
    if (l->rtt.count) {
        snprintf(p50, sizeof p50, "%.2f", l->rtt.p50);
        snprintf(p99, sizeof p99, "%.2f", l->rtt.p99);
    }
    char lost[24];
    snprintf(lost, sizeof lost, "%llu", (unsigned long long)l->lost);
    snprintf(buf, len, LATENCY_COLUMNS, p50, p99, lost);
}

void text_comparison(const struct weir_report_comparison *c, char unit,
                     void (*line)(void *, const char *), void *arg)
{
    const struct weir_report_latency *lat = WEIR_HAS_FIELD(c, latency) ? c->latency : NULL;
    char head1[64] = "", head2[64] = "";
    if (lat) {
        snprintf(head1, sizeof head1, LATENCY_COLUMNS, "RTT p50", "RTT p99", "Lost");
        snprintf(head2, sizeof head2, LATENCY_COLUMNS, "usec", "usec", "probes");
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
        char cells[64] = "";
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
        emit(line, arg, COLUMNS, r->transport, r->protocol, snd, rcv, cpu_l, cpu_r, retr, loss,
             jit, setup, cells);
    }
    if (c->note)
        emit(line, arg, "Note: %s\n", c->note);
}
