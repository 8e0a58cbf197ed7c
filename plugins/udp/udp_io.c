/* udp transport: the data path (worker threads).
 *
 * Send: up to UDP_SEND_MAX datagrams per call in one sendmmsg() (one
 * sendmsg() per message where sendmmsg() is missing or --udp-no-batch
 * asks for it). The datagrams of a call lie back to back in the stream's
 * train (UDP_SEND_MAX copies of the payload, made once), each header written
 * in place, so a message is one iovec whatever it carries; where the train
 * would be too big for the cache (datagrams over 4 KiB, UDP_TRAIN_MAX) each
 * datagram is two iovecs, its 12/16-byte header and the shared payload
 * after it. With GSO each
 * message carries up to gso_segs datagrams and a UDP_SEGMENT cmsg, and the
 * kernel (or the NIC) cuts it into blksize datagrams: the wire sees the
 * same datagrams either way. A GSO send the kernel refuses (path MTU below
 * blksize + headers, no checksum offload, ...) turns GSO off for the stream
 * and the datagrams go again one per message. One clock reading per call
 * stamps every datagram of the call.
 *
 * Receive: one recvmmsg() per call into rx_slots buffers (one recvmsg()
 * per buffer where recvmmsg() is missing or --udp-no-batch). Without GRO a
 * buffer takes a datagram's header only, MSG_TRUNC giving its length. With
 * UDP_GRO a buffer may hold several datagrams of the size given in its
 * cmsg; they are split and accounted one by one. One clock reading per call is the arrival
 * time of the batch.
 *
 * The system calls themselves, their fallbacks and the control messages
 * are udp_batch.c's, shared with the datagrams of an upper layer
 * (udp_lower.c).
 *
 * ECONNREFUSED is not fatal on either side. It reports, once, an ICMP port
 * unreachable that an earlier datagram provoked (a peer that closed its
 * socket first at the end of a test, a stale ICMP from a previous test on
 * the port); the call it fails sent nothing, so it is retried once and the
 * stream carries on. Whether the peer is gone is for the control
 * connection to say: a UDP test to a vanished peer ends when the test
 * time runs out or the control connection drops. */
#include "udp_int.h"

#include <errno.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Messages for datagrams [from, n) of the prepared train or iovecs;
 * returns how many. */
static uint32_t build_msgs(struct udp_stream *s, uint32_t from, uint32_t n)
{
    uint32_t per = s->gso ? s->gso_segs : 1, m = 0;
    for (uint32_t k = from; k < n; m++) {
        uint32_t segs = n - k < per ? n - k : per;
        struct msghdr *mh = &s->msgs[m].msg_hdr;
        memset(mh, 0, sizeof *mh);
        if (s->train) {
            s->iov[m].iov_base = s->train + (size_t)k * s->blksize;
            s->iov[m].iov_len = (size_t)segs * s->blksize;
            mh->msg_iov = &s->iov[m];
            mh->msg_iovlen = 1;
        } else {
            mh->msg_iov = &s->iov[2 * k];
            mh->msg_iovlen = 2 * segs;
        }
        s->msg_segs[m] = segs;
        if (segs > 1) {
            mh->msg_control = s->gso_cmsg.buf;
            mh->msg_controllen = CMSG_SPACE(sizeof(uint16_t));
        }
        k += segs;
    }
    return m;
}

int udp_send(void *stream, uint32_t max_blocks, struct weir_counters *c, struct weir_io *io)
{
    struct udp_stream *s = stream;
    struct timespec ts;
    uint32_t n = max_blocks == 0 ? 1 : max_blocks, done = 0;
    int refused = 0;

    if (s->lower)
        return udp_not_a_data_stream(s);
    if (!s->payload)
        return udp_fail(s->g, WEIR_E_STREAMWRITE, "send on a receiving stream");
    if (n > UDP_SEND_MAX)
        n = UDP_SEND_MAX;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint32_t sec = (uint32_t)ts.tv_sec, usec = (uint32_t)(ts.tv_nsec / 1000);
    for (uint32_t i = 0; i < n; i++) {
        if (s->train) {
            dgram_put_header(s->train + (size_t)i * s->blksize, sec, usec, s->next_seq + i, s->seq64);
            continue;
        }
        dgram_put_header(s->hdr[i], sec, usec, s->next_seq + i, s->seq64);
        s->iov[2 * i].iov_base = s->hdr[i];
        s->iov[2 * i].iov_len = s->hdrlen;
        s->iov[2 * i + 1].iov_base = s->payload + s->hdrlen;
        s->iov[2 * i + 1].iov_len = s->blksize - s->hdrlen;
    }

    while (done < n) {
        uint32_t m = build_msgs(s, done, n);
        int r = udp_send_msgs(s, s->msgs, m);
        if (r < 0) {
            int e = errno;
            enum udp_tx_next next = udp_send_failed(s, e, &refused);
            if (next == UDP_TX_RETRY || next == UDP_TX_REBUILD)
                continue;
            if (next == UDP_TX_STOP || done)
                break;  /* report what went; an error comes back next call */
            return udp_fail(s->g, WEIR_E_STREAMWRITE, "sendmmsg: %s", strerror(e));
        }
        for (int j = 0; j < r; j++)
            done += s->msg_segs[j];
        if ((uint32_t)r < m)
            break;      /* the socket buffer is full */
    }
    if (!done)
        return WEIR_E_AGAIN;
    s->next_seq += done;
    c->packets += done;
    io->blocks += done;
    io->bytes += (uint64_t)done * s->blksize;
    return WEIR_OK;
}

/* A stream opened for sending has no receive buffers; anything that
 * arrives on it is read and counted, never parsed. */
static int recv_plain(struct udp_stream *s, struct weir_io *io)
{
    unsigned char b[2048];
    int moved = 0;
    for (int i = 0; i < 16; i++) {
        ssize_t n = recv(s->fd, b, sizeof b, MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR || errno == ECONNREFUSED)
                continue;
            break;
        }
        moved = 1;
        io->blocks++;
        io->bytes += (uint64_t)n;
    }
    return moved ? WEIR_OK : WEIR_E_AGAIN;
}

static int receive(struct udp_stream *s, struct weir_counters *c, struct weir_io *io, int wait)
{
    int r, refused = 0;

    if (!s->rxbuf)
        return recv_plain(s, io);
    for (uint32_t i = 0; i < s->rx_slots; i++) {
        struct msghdr *mh = &s->rxmsgs[i].msg_hdr;
        memset(mh, 0, sizeof *mh);
        mh->msg_iov = &s->rxiov[i];
        mh->msg_iovlen = 1;
        if (s->gro) {
            mh->msg_control = s->rxctl[i].buf;
            mh->msg_controllen = sizeof s->rxctl[i].buf;
        }
    }
    for (;;) {
        r = udp_recv_msgs(s, s->rxmsgs, s->rx_slots, wait, s->rx_flags);
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
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;

    struct dgram_acct a = dgram_acct_load(c);
    for (int i = 0; i < r; i++) {
        const unsigned char *p = s->rxiov[i].iov_base;
        uint32_t len = s->rxmsgs[i].msg_len;
        uint32_t seg = 0;
        int ecn;
        if (s->gro)
            udp_cmsg_read(&s->rxmsgs[i].msg_hdr, &seg, &ecn);
        /* With MSG_TRUNC len is the datagram's, of which the slot holds the
         * header (all dgram_rx_datagram reads); otherwise never past the
         * slot. */
        if (len > s->slot_size && !s->rx_flags)
            len = s->slot_size;
        dgram_rx_buffer(&s->rx, &a, p, len, seg, s->seq64, now, io);
    }
    dgram_acct_store(&a, c);
    return WEIR_OK;
}

int udp_recv(void *stream, struct weir_counters *c, struct weir_io *io)
{
    struct udp_stream *s = stream;
    if (s->lower)
        return udp_not_a_data_stream(s);
    return receive(s, c, io, 0);
}

/* One stream per worker: sleep in recvmmsg for the first datagram rather
 * than in epoll (see transport.h). The socket turns blocking, bounded by
 * SO_RCVTIMEO, on the first call and stays so: every other call passes
 * MSG_DONTWAIT. */
int udp_recv_wait(void *stream, struct weir_counters *c, struct weir_io *io, int timeout_ms)
{
    struct udp_stream *s = stream;
    if (s->lower)
        return udp_not_a_data_stream(s);
    if (!s->rxbuf)
        return recv_plain(s, io);
    if (s->wait_ms != timeout_ms) {
        if (sock_block_receives(s->fd, timeout_ms) < 0)
            return udp_fail(s->g, WEIR_E_STREAMREAD, "blocking receive: %s", strerror(errno));
        s->wait_ms = timeout_ms;
    }
    return receive(s, c, io, 1);
}

int udp_describe(void *stream, const struct weir_fact_sink *out)
{
    const struct udp_stream *s = stream;
    const char *batch = s->sending ? (s->no_mmsg ? "sendmsg" : "sendmmsg")
                                   : (s->no_mmsg ? "recvmsg" : "recvmmsg");
    /* Beneath another transport, both ways. */
    if (s->lower) {
        weir_fact_bool(out, "gso", s->gso);
        weir_fact_bool(out, "gro", s->gro);
        weir_fact_string(out, "batch", s->no_mmsg ? "msg" : "mmsg");
        return WEIR_OK;
    }
    weir_fact_bool(out, "gso", s->sending && s->gso);
    weir_fact_bool(out, "gro", !s->sending && s->gro);
    weir_fact_string(out, "batch", batch);
    weir_fact_bool(out, "headers_only", !s->sending && s->rx_flags);
    return WEIR_OK;
}
