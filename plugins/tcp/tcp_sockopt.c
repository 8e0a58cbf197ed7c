/* tcp transport: socket options and the TCP_INFO snapshot. */
#include "tcp_int.h"

#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/sockios.h>   /* SIOCOUTQ */
/* linux/tcp.h rather than netinet/tcp.h: glibc's struct tcp_info stops
 * before tcpi_snd_wnd and tcpi_reord_seen. */
#include <linux/tcp.h>
#include <linux/in6.h>        /* struct in6_flowlabel_req */

void tcp_read_params(const struct tcp_global *g, const struct weir_stream_config *cfg,
                     struct tcp_params *out)
{
    const struct weir_host *h = g ? g->host : NULL;
    out->congestion = weir_param_string(h, cfg, WEIR_PARAM_CONGESTION, NULL);
    out->mss = (int)weir_param_uint(h, cfg, WEIR_PARAM_MSS, 0);
    out->nodelay = weir_param_flag(h, cfg, WEIR_PARAM_NODELAY);
    out->tos = (int)weir_param_int(h, cfg, WEIR_PARAM_TOS, -1);
    out->zerocopy = weir_param_flag(h, cfg, WEIR_PARAM_ZEROCOPY);
    out->skip_rx_copy = weir_param_flag(h, cfg, WEIR_PARAM_SKIP_RX_COPY);
    out->flowlabel = (uint32_t)weir_param_uint(h, cfg, WEIR_PARAM_FLOWLABEL, 0);
    out->fq_rate = weir_param_uint(h, cfg, WEIR_PARAM_FQ_RATE, 0);
    out->bind_dev = weir_param_string(h, cfg, WEIR_PARAM_BIND_DEV, NULL);
    out->mptcp = weir_param_flag(h, cfg, WEIR_PARAM_MPTCP);
    out->snd_timeout_ms = (unsigned)weir_param_uint(h, cfg, WEIR_PARAM_SND_TIMEOUT_MS, 0);
    out->notsent_lowat = (int)weir_param_uint(h, cfg, WEIR_PARAM_NOTSENT_LOWAT, 0);
}

int tcp_apply_options(const struct tcp_global *g, int fd, const struct weir_stream_config *cfg,
                      const struct tcp_params *tp, const struct sockaddr *peer)
{
    if (tp->nodelay && sock_set_int(fd, IPPROTO_TCP, TCP_NODELAY, 1) < 0)
        return tcp_fail(g, WEIR_E_SETNODELAY, "TCP_NODELAY: %s", strerror(errno));
    if (tp->mss > 0 && sock_set_int(fd, IPPROTO_TCP, TCP_MAXSEG, tp->mss) < 0)
        return tcp_fail(g, WEIR_E_SETMSS, "TCP_MAXSEG %d: %s", tp->mss, strerror(errno));
    if (cfg->window > 0) {
        if (sock_set_int(fd, SOL_SOCKET, SO_SNDBUF, cfg->window) < 0)
            return tcp_fail(g, WEIR_E_SETBUF, "SO_SNDBUF %d: %s", cfg->window, strerror(errno));
        if (sock_set_int(fd, SOL_SOCKET, SO_RCVBUF, cfg->window) < 0)
            return tcp_fail(g, WEIR_E_SETBUF, "SO_RCVBUF %d: %s", cfg->window, strerror(errno));
    }
    /* --snd-timeout. */
    if (tp->snd_timeout_ms > 0 &&
        sock_set_int(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, (int)tp->snd_timeout_ms) < 0)
        return tcp_fail(g, WEIR_E_SETUSERTIMEOUT, "TCP_USER_TIMEOUT %u ms: %s", tp->snd_timeout_ms,
                        strerror(errno));
    /* --tcp-notsent-lowat: what a sender keeps queued unsent, so a data
     * write does not wait behind megabytes of its own. */
    if (tp->notsent_lowat > 0 &&
        sock_set_int(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, tp->notsent_lowat) < 0)
        return tcp_fail(g, WEIR_E_SETBUF, "TCP_NOTSENT_LOWAT %d: %s", tp->notsent_lowat,
                        strerror(errno));
    int tclass = 0;
    if (tp->tos >= 0 && sock_set_tos(fd, peer, tp->tos, &tclass) < 0)
        return tcp_fail(g, tclass ? WEIR_E_SETCOS : WEIR_E_SETTOS, "%s %d: %s",
                        tclass ? "IPV6_TCLASS" : "IP_TOS", tp->tos, strerror(errno));
    /* --bind-dev and --fq-rate: the device before connect. */
    char why[160];
    int rc = sock_bind_device(fd, tp->bind_dev, why, sizeof why);
    if (rc == WEIR_OK)
        rc = sock_set_pacing(fd, tp->fq_rate, why, sizeof why);
    return rc == WEIR_OK ? WEIR_OK : tcp_fail(g, rc, "%s", why);
}

int tcp_set_flowlabel(const struct tcp_global *g, int fd, uint32_t flowlabel, struct sockaddr *peer)
{
    if (!flowlabel)
        return WEIR_OK;
    if (peer->sa_family != AF_INET6 || sock_peer_is_ipv4(peer))
        return tcp_fail(g, WEIR_E_SETFLOW, "a flow label (-L) needs an IPv6 server address (try -6)");
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)peer;
    struct in6_flowlabel_req req = {
        .flr_dst = s6->sin6_addr,
        .flr_label = htonl(flowlabel & IPV6_FLOWINFO_FLOWLABEL),
        .flr_action = IPV6_FL_A_GET,
        .flr_share = IPV6_FL_S_ANY,
        .flr_flags = IPV6_FL_F_CREATE,
    };
    /* The kernel sends a socket's label only when it holds a lease on it
     * and is told to send it; connect() then takes it from sin6_flowinfo. */
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_FLOWLABEL_MGR, &req, sizeof req) < 0 ||
        sock_set_int(fd, IPPROTO_IPV6, IPV6_FLOWINFO_SEND, 1) < 0)
        return tcp_fail(g, WEIR_E_SETFLOW, "IPv6 flow label 0x%05x: %s", (unsigned)flowlabel,
                        strerror(errno));
    s6->sin6_flowinfo = req.flr_label;
    return WEIR_OK;
}

int tcp_set_congestion(int fd, const char *name)
{
    return setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name, (socklen_t)strlen(name));
}

/* The kernel copies min(our size, its size) bytes and says how many, so a
 * field exists only when the returned length covers it. */
#define TI_HAS(len, field) \
    ((len) >= offsetof(struct tcp_info, field) + sizeof(((struct tcp_info *)0)->field))

int tcp_fill_info(int fd, struct weir_stream_info *out)
{
    struct weir_stream_info si;
    struct tcp_info ti;
    socklen_t len = sizeof ti;
    size_t want = out->struct_size < sizeof si ? out->struct_size : sizeof si;

    memset(&si, 0, sizeof si);
    memset(&ti, 0, sizeof ti);
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 && TI_HAS(len, tcpi_total_retrans)) {
        si.valid = 1;
        si.retransmits = ti.tcpi_total_retrans;
        si.snd_cwnd = (uint64_t)ti.tcpi_snd_cwnd * ti.tcpi_snd_mss;
        si.rtt_us = ti.tcpi_rtt;
        si.rttvar_us = ti.tcpi_rttvar;
        si.pmtu = ti.tcpi_pmtu;
        if (TI_HAS(len, tcpi_snd_wnd))
            si.snd_wnd = ti.tcpi_snd_wnd;
        if (TI_HAS(len, tcpi_reord_seen))
            si.reorder = ti.tcpi_reord_seen;

        char ca[sizeof si.congestion];
        socklen_t calen = sizeof ca - 1;
        memset(ca, 0, sizeof ca);
        if (getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, ca, &calen) == 0)
            memcpy(si.congestion, ca, sizeof ca);
    }
    /* Written, not yet acknowledged: the core's wait for a -F file to
     * arrive whole. */
    int outq;
    si.unacked = ioctl(fd, SIOCOUTQ, &outq) == 0 && outq >= 0 ? (uint64_t)outq : UINT64_MAX;
    /* Copy only what the caller's struct has room for, keeping its size. */
    si.struct_size = out->struct_size;
    memcpy(out, &si, want);
    return WEIR_OK;
}
