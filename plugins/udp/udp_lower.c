/* udp transport beneath another one (stacking: quic on udp). The upper
 * layer brings its own datagrams, as weir_datagram batches; they go out
 * and come in through the same batched calls as iperf3's datagrams
 * (udp_batch.c): sendmmsg with UDP_SEGMENT for an entry of several
 * segments, recvmmsg with UDP_GRO when the upper layer asked for coalesced
 * runs (WEIR_LOWER_GRO), the ECN bits of the TOS byte both ways, and the
 * peer's address where the upper layer wants it.
 *
 * Without GSO (the kernel lacks it, refused it once, or --udp-no-gso) an
 * entry of several segments goes as one message per segment. A server's
 * plain stream (udp_listen.c) starts with the datagrams that opened it,
 * kept in pending and handed out before anything read from the socket. */
#include "udp_int.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The longest send entry, whole or in GSO segments: what one UDP/IPv4
 * packet can carry. */
#define UDP_ENTRY_MAX UDP_MAX_BLKSIZE

int udp_not_a_data_stream(const struct udp_stream *s)
{
    return udp_fail(s->g, WEIR_E_UNSUPPORTED, "the stream carries another transport's datagrams "
                    "(send_datagrams/recv_datagrams), not iperf3's");
}

int udp_lower_setup(struct udp_stream *s, const struct weir_stream_config *cfg)
{
    s->lower = cfg->lower;
    int tos = (int)weir_param_int(udp_host(s->g), cfg, WEIR_PARAM_TOS, -1);
    s->tos = tos >= 0 ? tos : 0;
    struct sockaddr_storage peer;
    socklen_t plen = sizeof peer;
    s->peer_v4 = getpeername(s->fd, (struct sockaddr *)&peer, &plen) == 0 &&
                 sock_peer_is_ipv4((struct sockaddr *)&peer);
    /* The upper layer picks segment sizes per entry: no path MTU to check
     * against here; a refused GSO send turns it off (udp_send_failed). */
    s->gso = !s->plain && !udp_opt_set(s->g, UDP_OPT_NO_GSO) && udp_gso_usable(s->fd, 0);
    s->gso_segs = s->gso ? WEIR_DATAGRAM_MAX_SEGMENTS : 1;
    s->gro = (cfg->lower & WEIR_LOWER_GRO) && !s->plain && !udp_opt_set(s->g, UDP_OPT_NO_GRO) &&
             udp_gro_enable(s->fd);
    /* ECN of what arrives; an IPv6 socket gets IPv4 packets from a
     * v4-mapped peer, which report IP_TOS. Best effort: without them
     * recv_datagrams says WEIR_ECN_UNSET. */
    (void)sock_set_int(s->fd, IPPROTO_IP, IP_RECVTOS, 1);
    (void)sock_set_int(s->fd, IPPROTO_IPV6, IPV6_RECVTCLASS, 1);     /* IPv4 socket: refused */
    s->rxctl = calloc(UDP_SEND_MAX, sizeof *s->rxctl);
    if (!s->rxctl)
        return udp_fail(s->g, WEIR_E_NOMEM, "control buffers");
    return WEIR_OK;
}

/* Is this destination reached with IPv4 packets? */
static int dest_v4(const struct udp_stream *s, const struct weir_datagram *d)
{
    return d->addr ? sock_peer_is_ipv4(d->addr) : s->peer_v4;
}

/* One message: len bytes at buf, to d's address, with d's ECN mark and,
 * when segment is not 0, a GSO segment size. */
static void put_msg(struct udp_stream *s, uint32_t m, const struct weir_datagram *d, unsigned char *buf,
                    size_t len, uint32_t segment)
{
    struct msghdr *mh = &s->msgs[m].msg_hdr;
    memset(mh, 0, sizeof *mh);
    s->iov[m].iov_base = buf;
    s->iov[m].iov_len = len;
    mh->msg_iov = &s->iov[m];
    mh->msg_iovlen = 1;
    mh->msg_name = d->addr;
    mh->msg_namelen = d->addr ? d->addr_len : 0;
    size_t ctl = 0;
    if (segment)
        ctl += udp_cmsg_segment(s->rxctl[m].buf, (uint16_t)segment);
    if (d->ecn != WEIR_ECN_UNSET)
        ctl += udp_cmsg_tos(s->rxctl[m].buf + ctl, dest_v4(s, d), (s->tos & ~3) | (d->ecn & 3));
    if (ctl) {
        mh->msg_control = s->rxctl[m].buf;
        mh->msg_controllen = ctl;
    }
}

/* Messages for entries [from, n): one per entry, or with GSO off one per
 * segment of an entry that has several. *entry_of gets each message's
 * entry. Returns the number of messages, which stops before an entry that
 * does not fit in the batch whole. */
static uint32_t build(struct udp_stream *s, const struct weir_datagram *dgs, uint32_t from, uint32_t n,
                      uint32_t entry_of[UDP_SEND_MAX])
{
    uint32_t m = 0;
    for (uint32_t k = from; k < n; k++) {
        const struct weir_datagram *d = &dgs[k];
        uint32_t seg = d->segment && d->segment < d->len ? d->segment : 0;
        uint32_t parts = seg && !s->gso ? (uint32_t)((d->len + seg - 1) / seg) : 1;
        if (m + parts > UDP_SEND_MAX)
            break;
        if (parts == 1) {
            entry_of[m] = k;
            put_msg(s, m++, d, d->buf, d->len, seg);
            continue;
        }
        for (size_t off = 0; off < d->len; off += seg) {
            entry_of[m] = k;
            put_msg(s, m++, d, (unsigned char *)d->buf + off, d->len - off < seg ? d->len - off : seg, 0);
        }
    }
    return m;
}

int udp_send_datagrams(void *stream, const struct weir_datagram *dgs, uint32_t n, uint32_t *sent)
{
    struct udp_stream *s = stream;
    uint32_t done = 0;
    uint32_t entry_of[UDP_SEND_MAX];
    int refused = 0;

    *sent = 0;
    if (!s->lower)
        return udp_fail(s->g, WEIR_E_UNSUPPORTED, "send_datagrams on a stream of iperf3's datagrams");
    for (uint32_t k = 0; k < n; k++) {
        /* Refused here, or the kernel's EINVAL would turn GSO off. */
        const struct weir_datagram *d = &dgs[k];
        if (d->len > UDP_ENTRY_MAX)
            return udp_fail(s->g, WEIR_E_STREAMWRITE, "datagram entry %u: %zu bytes, more than %u",
                            (unsigned)k, d->len, (unsigned)UDP_ENTRY_MAX);
        if (d->segment && (d->len + d->segment - 1) / d->segment > WEIR_DATAGRAM_MAX_SEGMENTS)
            return udp_fail(s->g, WEIR_E_STREAMWRITE, "datagram entry %u: %zu bytes in segments of %u "
                            "is more than %u segments", (unsigned)k, d->len, (unsigned)d->segment,
                            (unsigned)WEIR_DATAGRAM_MAX_SEGMENTS);
    }
    while (done < n) {
        uint32_t m = build(s, dgs, done, n, entry_of);
        int r = udp_send_msgs(s, s->msgs, m);
        if (r < 0) {
            int e = errno;
            enum udp_tx_next next = udp_send_failed(s, e, &refused);
            if (next == UDP_TX_RETRY || next == UDP_TX_REBUILD)
                continue;
            if (next == UDP_TX_STOP || done)
                break;  /* report what went; an error comes back next call */
            errno = e;
            return udp_fail(s->g, WEIR_E_STREAMWRITE, "sendmmsg: %s", strerror(e));
        }
        if (r > 0)
            done = entry_of[r - 1] + 1;
        if ((uint32_t)r < m)
            break;      /* the socket buffer is full */
    }
    *sent = done;
    return done ? WEIR_OK : WEIR_E_AGAIN;
}

/* The datagrams a server's plain stream was opened with, first. */
static uint32_t take_pending(struct udp_stream *s, struct weir_datagram *dgs, uint32_t n)
{
    uint32_t k = 0;
    for (; k < n && s->next_pending < s->n_pending; k++) {
        struct udp_arrival *a = &s->pending[s->next_pending++];
        struct weir_datagram *d = &dgs[k];
        d->len = a->data_len < d->cap ? a->data_len : d->cap;
        memcpy(d->buf, a->data, d->len);
        d->flags = a->data_len > d->cap ? WEIR_DATAGRAM_TRUNCATED : 0;
        d->segment = 0;
        d->ecn = WEIR_ECN_UNSET;
        if (d->addr) {
            memcpy(d->addr, &a->peer, a->len < d->addr_len ? a->len : d->addr_len);
            d->addr_len = a->len;
        }
        free(a->data);
        a->data = NULL;
    }
    return k;
}

int udp_recv_datagrams(void *stream, struct weir_datagram *dgs, uint32_t n, uint32_t *got)
{
    struct udp_stream *s = stream;
    int r, refused = 0;

    *got = 0;
    if (!s->lower)
        return udp_fail(s->g, WEIR_E_UNSUPPORTED, "recv_datagrams on a stream of iperf3's datagrams");
    if (s->next_pending < s->n_pending) {
        *got = take_pending(s, dgs, n);
        return *got ? WEIR_OK : WEIR_E_AGAIN;
    }
    if (n > UDP_SEND_MAX)
        n = UDP_SEND_MAX;
    for (uint32_t i = 0; i < n; i++) {
        struct msghdr *mh = &s->msgs[i].msg_hdr;
        memset(mh, 0, sizeof *mh);
        s->iov[i].iov_base = dgs[i].buf;
        s->iov[i].iov_len = dgs[i].cap;
        mh->msg_iov = &s->iov[i];
        mh->msg_iovlen = 1;
        mh->msg_name = dgs[i].addr;
        mh->msg_namelen = dgs[i].addr ? dgs[i].addr_len : 0;
        mh->msg_control = s->rxctl[i].buf;
        mh->msg_controllen = sizeof s->rxctl[i].buf;
    }
    for (;;) {
        r = udp_recv_msgs(s, s->msgs, n, s->wait_ms != 0, 0);
        if (r > 0)
            break;
        if (r == 0)
            return WEIR_E_AGAIN;
        if (errno == EINTR || (errno == ECONNREFUSED && !refused++))
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNREFUSED)
            return WEIR_E_AGAIN;
        return udp_fail(s->g, WEIR_E_STREAMREAD, "recvmmsg: %s", strerror(errno));
    }
    for (int i = 0; i < r; i++) {
        struct weir_datagram *d = &dgs[i];
        struct msghdr *mh = &s->msgs[i].msg_hdr;
        d->len = s->msgs[i].msg_len;
        d->flags = mh->msg_flags & MSG_TRUNC ? WEIR_DATAGRAM_TRUNCATED : 0;
        udp_cmsg_read(mh, &d->segment, &d->ecn);
        if (d->segment >= d->len)
            d->segment = 0;     /* one datagram after all */
        if (d->addr)
            d->addr_len = mh->msg_namelen;
    }
    *got = (uint32_t)r;
    return WEIR_OK;
}

int udp_lower_receive_wait(void *stream, int timeout_ms)
{
    struct udp_stream *s = stream;
    if (!s->lower)
        return udp_fail(s->g, WEIR_E_UNSUPPORTED, "lower_receive_wait on a stream of iperf3's datagrams");
    if (timeout_ms < 0)
        timeout_ms = 0;
    if (s->wait_ms != timeout_ms) {
        if (sock_receive_wait(s->fd, timeout_ms) < 0)
            return udp_fail(s->g, WEIR_E_STREAMREAD, "blocking receive: %s", strerror(errno));
        s->wait_ms = timeout_ms;
    }
    return WEIR_OK;
}
