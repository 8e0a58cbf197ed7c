/* Comparison runs: the same test over several transports, one after
 * another, so that their numbers are taken under the same conditions and
 * can be read side by side. Each test is a complete iperf3 test that the
 * reporters see as usual; the comparison comes after the last. With
 * --latency each is a latency test, and the comparison has each one's
 * summed round trips; with --load too, each is a whole working-latency
 * test (idle phase, then the load, over --load-transport when given) and
 * the comparison has each one's idle and loaded round trips and load. */
#include "roles/compare.h"
#include "roles/client.h"
#include "roles/loopback.h"
#include "run/session.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <weir/weir.h>


static void fill_row(struct weir_report_comparison_row *row, const char *transport,
                     const struct client_outcome *o)
{
    memset(row, 0, sizeof *row);
    row->transport = transport;
    row->protocol = o->protocol ? o->protocol : "";
    row->error = o->error[0] ? o->error : NULL;
    row->datagram = o->datagram;
    row->reliable = o->reliable;
    row->target_bitrate = o->target_bitrate;
    row->num_streams = o->num_streams;
    row->setup_seconds = o->setup_seconds;
    if (!o->summarized)
        return;
    const struct weir_report_end *e = &o->end;
    row->seconds = e->sum_sent.seconds;
    row->bytes_sent = e->sum_sent.bytes;
    row->bytes_received = e->sum_received.bytes;
    row->sender_bits_per_second = e->sum_sent.bits_per_second;
    row->receiver_bits_per_second = e->sum_received.bits_per_second;
    row->has_retransmits = e->show_retransmits && e->sum_sent.has_retransmits;
    row->retransmits = e->sum_sent.retransmits;
    if (o->datagram) {
        /* The receiver counts loss and jitter. */
        row->lost_packets = e->sum_received.lost_packets;
        row->packets = e->sum_received.packets;
        row->lost_percent = e->sum_received.lost_percent;
        row->jitter_ms = e->sum_received.jitter_ms;
    }
    row->host_cpu_total = e->host_total;
    row->has_remote_cpu = e->has_peer;
    row->remote_cpu_total = e->remote_total;
}

int compare_run(struct settings *s, struct report_set *rs)
{
    static struct client_outcome outcomes[MAX_COMPARE];
    struct weir_report_comparison_row rows[MAX_COMPARE];
    struct weir_report_latency latency[MAX_COMPARE];
    struct weir_report_working_latency working[MAX_COMPARE];
    struct weir_report_load load[MAX_COMPARE];
    const struct weir_report_load *load_of[MAX_COMPARE];
    char note[256] = "";
    int status = 0;
    for (int i = 0; i < s->n_compare && !session_signal; i++) {
        struct settings one = *s;
        one.transport = s->compare[i];
        one.n_compare = 0;
        /* A transport with a default rate (udp: iperf3's 1 Mbit/s; quic
         * with --quic-datagrams) is paced to it; compared with byte
         * streams that run flat out, that would say nothing. Unless -b
         * was given, such tests run unlimited here, and the table says so
         * (the rate is the test's: client_run asks the transport). The
         * same for --load's streams, each over its test's transport; with
         * --load-transport the load is the same in every test and keeps
         * that transport's default, as in a single test. */
        one.default_rate_off = !s->rate_set && (!s->latency || (s->latency_load && !s->load_transport));
        /* A server whose client just gave up on it (an iperf3 server
         * asked for tls) may still be tearing that test down and reset
         * the next connection: give it a moment. */
        if (i > 0 && outcomes[i - 1].error[0] && s->mode != MODE_LOOPBACK)
            nanosleep(&(struct timespec){ .tv_sec = 1 }, NULL);
        int r = s->mode == MODE_LOOPBACK ? loopback_run(&one, rs, &outcomes[i])
                                         : client_run(&one, rs, &outcomes[i]);
        fill_row(&rows[i], s->compare[i], &outcomes[i]);
        if (outcomes[i].default_rate_off)
            snprintf(note, sizeof note, "%s ran at an unlimited rate (-b 0); give -b to pace %s",
                     s->latency_load ? "the load of datagram transports" : "datagram transports",
                     s->latency_load ? "it" : "them");
        /* A test that failed has no figures: count 0. */
        latency[i] = outcomes[i].has_latency ? outcomes[i].latency : (struct weir_report_latency){ 0 };
        int worked = outcomes[i].has_working && !outcomes[i].error[0];
        working[i] = worked ? outcomes[i].working : (struct weir_report_working_latency){ 0 };
        load[i] = worked ? outcomes[i].load : (struct weir_report_load){ .struct_size = sizeof load[i] };
        load_of[i] = &load[i];
        if (r != 0)
            status = r;
    }
    int n = 0;
    while (n < s->n_compare && (outcomes[n].summarized || outcomes[n].error[0]))
        n++;
    struct weir_report_comparison c = {
        .struct_size = sizeof c, .n_rows = (size_t)n, .rows = rows, .note = note[0] ? note : NULL,
        .latency = s->latency ? latency : NULL,
        .working = s->latency && s->latency_load ? working : NULL,
        .load = s->latency && s->latency_load ? load_of : NULL,
    };
    report_comparison(rs, &c);
    return status;
}
