/* udp transport: the system calls that move batches of datagrams, and what
 * to do when one fails. Both of the transport's data paths use them: its
 * own iperf3 datagrams (udp_io.c) and an upper layer's (udp_lower.c), so
 * sendmmsg/recvmmsg with their fallbacks, the GSO fallback and the control
 * messages (UDP_SEGMENT, UDP_GRO, ECN) exist once. */
#include "udp_int.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <string.h>

/* One message goes with sendmsg/recvmsg: the mmsg calls offer the CPU to
 * another task after each message (cond_resched), which on a busy machine
 * can cost a one-message exchange (--latency's probes) a scheduling round. */
int udp_send_msgs(struct udp_stream *s, struct mmsghdr *msgs, uint32_t m)
{
    if (!s->no_mmsg && m > 1) {
        int r = sendmmsg(s->fd, msgs, m, MSG_DONTWAIT);
        if (r >= 0 || errno != ENOSYS)
            return r;
        s->no_mmsg = 1;
    }
    uint32_t i = 0;
    for (; i < m; i++) {
        ssize_t n = sendmsg(s->fd, &msgs[i].msg_hdr, MSG_DONTWAIT);
        if (n < 0)
            return i ? (int)i : -1;
        msgs[i].msg_len = (unsigned)n;
    }
    return (int)i;
}

int udp_recv_msgs(struct udp_stream *s, struct mmsghdr *msgs, uint32_t m, int wait, int flags)
{
    if (!s->no_mmsg && m > 1) {
        /* wait: sleep (up to SO_RCVTIMEO) for the first datagram only. */
        int r = recvmmsg(s->fd, msgs, m, (wait ? MSG_WAITFORONE : MSG_DONTWAIT) | flags, NULL);
        if (r >= 0 || errno != ENOSYS)
            return r;
        s->no_mmsg = 1;
    }
    uint32_t i = 0;
    for (; i < m; i++) {
        ssize_t n = recvmsg(s->fd, &msgs[i].msg_hdr, (wait && i == 0 ? 0 : MSG_DONTWAIT) | flags);
        if (n < 0)
            return i ? (int)i : -1;
        msgs[i].msg_len = (unsigned)n;
    }
    return (int)i;
}

enum udp_tx_next udp_send_failed(struct udp_stream *s, int e, int *refused)
{
    if (e == EINTR)
        return UDP_TX_RETRY;
    if (e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS)
        return UDP_TX_STOP;
    if (e == ECONNREFUSED)
        return (*refused)++ ? UDP_TX_STOP : UDP_TX_RETRY;
    if (s->gso && (e == EINVAL || e == EIO || e == EMSGSIZE)) {
        s->gso = 0;
        s->gso_segs = 1;
        udp_warn(s->g, "the kernel refused a GSO send (%s); "
                 "sending one datagram per message from now on", strerror(e));
        return UDP_TX_REBUILD;
    }
    return UDP_TX_FAIL;
}

size_t udp_cmsg_segment(void *at, uint16_t segment)
{
    struct cmsghdr *cm = at;
    cm->cmsg_level = SOL_UDP;
    cm->cmsg_type = UDP_SEGMENT;
    cm->cmsg_len = CMSG_LEN(sizeof segment);
    memcpy(CMSG_DATA(cm), &segment, sizeof segment);
    return CMSG_SPACE(sizeof segment);
}

size_t udp_cmsg_tos(void *at, int v4, int tos)
{
    struct cmsghdr *cm = at;
    cm->cmsg_level = v4 ? IPPROTO_IP : IPPROTO_IPV6;
    cm->cmsg_type = v4 ? IP_TOS : IPV6_TCLASS;
    cm->cmsg_len = CMSG_LEN(sizeof tos);
    memcpy(CMSG_DATA(cm), &tos, sizeof tos);
    return CMSG_SPACE(sizeof tos);
}

void udp_cmsg_read(struct msghdr *mh, uint32_t *gro, int *ecn)
{
    *gro = 0;
    *ecn = WEIR_ECN_UNSET;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
        int v = -1;
        if (cm->cmsg_level == SOL_UDP && cm->cmsg_type == UDP_GRO && cm->cmsg_len >= CMSG_LEN(sizeof(int))) {
            memcpy(&v, CMSG_DATA(cm), sizeof v);
            *gro = v > 0 ? (uint32_t)v : 0;
        } else if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_TOS && cm->cmsg_len >= CMSG_LEN(1)) {
            *ecn = *CMSG_DATA(cm) & 3;      /* one byte */
        } else if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_TCLASS &&
                   cm->cmsg_len >= CMSG_LEN(sizeof(int))) {
            memcpy(&v, CMSG_DATA(cm), sizeof v);
            *ecn = v & 3;
        }
    }
}
