/* Internals of the tcp transport shared by its source files. */
#ifndef WEIR_TCP_INT_H
#define WEIR_TCP_INT_H

#include <stdint.h>
#include <sys/socket.h>
#include <weir/weir.h>

#include "hostcall.h"
#include "sockutil.h"

/* What init hands to every hook: the host services. */
struct tcp_global {
    const struct weir_host *host;
};

/* Report code with formatted detail through the host; returns code. */
#define tcp_fail(g, code, ...) hostcall_fail((g) ? (g)->host : NULL, (code), __VA_ARGS__)
#define tcp_warn(g, ...) hostcall_log((g) ? (g)->host : NULL, WEIR_LOG_WARNING, __VA_ARGS__)

/* The transport parameters a stream acts on (WEIR_PARAM_*, through
 * host->param), read once as it opens. Strings live as long as cfg. */
struct tcp_params {
    const char *congestion;     /* -C, NULL = the system's default */
    int mss;                    /* -M, 0 = default */
    int nodelay;                /* -N */
    int tos;                    /* -S / --dscp, -1 = unset */
    int zerocopy;               /* -Z */
    int skip_rx_copy;           /* --skip-rx-copy */
    uint32_t flowlabel;         /* -L, 0 = none */
    uint64_t fq_rate;           /* --fq-rate, bits/s, 0 = no cap */
    const char *bind_dev;       /* --bind-dev, or NULL */
    int mptcp;                  /* -m */
    unsigned snd_timeout_ms;    /* --snd-timeout, 0 = the OS default */
    int notsent_lowat;          /* --tcp-notsent-lowat, 0 = the OS default */
};
void tcp_read_params(const struct tcp_global *g, const struct weir_stream_config *cfg,
                     struct tcp_params *out);

/* Apply tp's nodelay, mss, cfg's window, tp's snd_timeout, tos, bind_dev
 * and fq_rate to fd, in that order; peer is the address the socket talks to
 * (it picks IP_TOS or IPV6_TCLASS). */
int tcp_apply_options(const struct tcp_global *g, int fd, const struct weir_stream_config *cfg,
                      const struct tcp_params *tp, const struct sockaddr *peer);
/* TCP_CONGESTION. Returns 0, or -1 with errno (ENOENT: not available). */
int tcp_set_congestion(int fd, const char *name);
/* -L on a client's stream, before connect: lease the label for the peer
 * and put it in *peer (sin6_flowinfo). WEIR_OK or WEIR_E_SETFLOW. */
int tcp_set_flowlabel(const struct tcp_global *g, int fd, uint32_t flowlabel, struct sockaddr *peer);
/* TCP_INFO and TCP_CONGESTION into out (which the caller sized). */
int tcp_fill_info(int fd, struct weir_stream_info *out);

/* -Z (tcp_zerocopy.c): a memory file holding the block (-1 with errno),
 * and one sendfile() of len bytes from offset of it. */
int tcp_payload_file(const unsigned char *buf, uint32_t len);
ssize_t tcp_send_from_file(int sock, int file, uint32_t offset, uint32_t len);

#endif
