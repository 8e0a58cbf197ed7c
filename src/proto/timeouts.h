/* Timeouts with iperf3's names and meanings (docs/protocol.md §5, §8.4):
 *   --rcv-timeout MS     a side that receives gives up when nothing arrives
 *                        for that long (IENOMSG 144); also bounds its waits
 *                        for the peer's control messages
 *   --snd-timeout MS     TCP_USER_TIMEOUT on the control and TCP data sockets
 *   --cntl-ka[=I/N/C]    TCP keepalive on the control connection
 *   --idle-timeout SECS  server: listen afresh (with -1: exit) when no client
 *                        came for that long; also bounds its waits for a
 *                        client that is setting a test up
 * The data sockets' option travels in weir_stream_config (snd_timeout_ms);
 * the transport applies it. */
#ifndef WEIR_TIMEOUTS_H
#define WEIR_TIMEOUTS_H

#include <stddef.h>
#include <stdint.h>

#include "cli/options.h"
#include "proto/errors.h"
#include "run/test.h"

/* Linux's limits for the keepalive fields. */
#define CNTL_KA_MAX_IDLE  32767
#define CNTL_KA_MAX_INTVL 32767
#define CNTL_KA_MAX_CNT   127

/* --cntl-ka's optional "IDLE/INTVL/CNT" (any field may be empty: the OS
 * default) into s. Returns WEIR_OK, or WEIR_E_CNTLKA with detail. */
int timeouts_parse_cntl_ka(const char *arg, struct settings *s, char *detail, size_t len);

/* --snd-timeout and --cntl-ka on a control socket, either side. Returns
 * WEIR_OK or iperf3's error for the option the kernel refused
 * (IESETUSERTIMEOUT, IESETCNTLKA...) with detail. */
int timeouts_apply_control(const struct settings *s, int fd, char *detail, size_t len);

/* The bound of one wait for the peer outside the run phase: fixed_ms,
 * lowered to --rcv-timeout and (server) --idle-timeout when those are
 * shorter. */
int timeouts_wait_ms(const struct settings *s, int fixed_ms);

/* Poll timeout of a server waiting for its next client: --idle-timeout in
 * ms, or -1 (wait for ever). */
int timeouts_idle_ms(const struct settings *s);

/* --rcv-timeout while a test runs: armed when this side has a receiving
 * stream; expires when none of them received a byte for that long. */
struct rcv_watch {
    int armed;
    uint64_t limit_ns;
    uint64_t last_bytes;
    uint64_t last_progress_ns;
};

void rcv_watch_start(struct rcv_watch *w, const struct test *t, uint64_t now);
/* 1 when the receiving streams have been silent for --rcv-timeout. */
int rcv_watch_expired(struct rcv_watch *w, const struct test *t, uint64_t now);
/* The longest a loop that calls rcv_watch_expired may wait before its next
 * call (cap_ms when the watch is off): progress is stamped when seen, so
 * this bounds both how late the last byte is noticed and how late the
 * timeout fires. */
int rcv_watch_wait_ms(const struct rcv_watch *w, uint64_t now, int cap_ms);

#endif
