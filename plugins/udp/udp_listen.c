/* udp transport: the server's side of opening streams (docs/protocol.md §7.3, §11.3).
 *
 * One unconnected socket bound to the server port (the port's "door")
 * takes every hello. For each, a new socket is bound to the same address
 * and port (SO_REUSEADDR), connected to the hello's sender, and answers
 * "6789"; it is the stream. Connected sockets win the kernel's lookup for
 * their peer's datagrams, so data goes to the stream and other hellos keep
 * queueing at the door. (iperf3 does it the other way round: the socket
 * that got the hello becomes the stream. The wire cannot tell.)
 *
 * Several tests can wait for streams at once (weir -s --max-tests), and a
 * port has only one door, so the door is shared: each test has a listener
 * with a queue of hellos, and whichever test reads the door hands every
 * hello to the test it belongs to. A hello that carries a cookie (weir
 * peers that agreed, cfg->stream_tag) goes to the test with that cookie;
 * a plain one (iperf3's) to the one test taking plain hellos, which the
 * core admits one at a time. Hellos that belong to no one are dropped: their
 * senders time out as with iperf3. While every test at the door takes only
 * hellos with its cookie, a kernel filter keeps everything else out of the
 * door's buffer (door_filter).
 *
 * An upper layer's plain listener (cfg->lower with WEIR_LOWER_PLAIN: quic
 * on udp, which has its own handshake) takes, at the same door, every
 * datagram that is not an iperf3 hello, with its bytes. server_accept
 * makes a stream for the sender of the first one, a socket connected to
 * it as for a hello but with no reply, and hands it the datagrams that
 * sender had queued at the door, first (udp_lower.c). One such listener
 * per port: the upper layer tells its own connections apart. */
#include "udp_int.h"

#include <errno.h>
#include <linux/filter.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* Hellos waiting for one test; more are dropped (iperf3 has a backlog of
 * one: the next hello waits in the socket until the previous is done). */
#define HELLO_QUEUE 256
/* Datagrams read from the door per accept call at most. */
#define PUMP_MAX 256
/* At most this many stray datagrams are taken off a new stream socket. */
#define DRAIN_MAX 4096
/* Bytes of datagrams a plain listener keeps waiting, at most. */
#define PLAIN_QUEUE_BYTES (1u << 20)
/* A datagram read from the door: the largest UDP payload, and one byte to
 * tell a longer one apart. */
#define DOOR_BUF (65535u + 1u)

struct udp_port {
    struct udp_port *next;
    int fd;                         /* the door: unconnected, bound to addr */
    struct sockaddr_storage addr;   /* where the door and every stream bind */
    socklen_t addrlen;
    int dual_stack;                 /* IPV6_V6ONLY off */
    struct udp_listener *users;     /* tests taking streams here */
    unsigned char *buf;             /* DOOR_BUF bytes: what pump reads into */
    struct capture *capture;        /* set while a plain stream is made */
};

struct udp_listener {
    struct udp_port *port;
    struct udp_listener *next;
    int tagged;                     /* takes only hellos with its cookie */
    int plain;                      /* an upper layer's: any datagram but a
                                       hello, with its bytes */
    unsigned char cookie[WEIR_COOKIE_SIZE];
    int event;                      /* eventfd: hellos wait in queue */
    int epfd;                       /* the door and event: what the core polls */
    struct udp_arrival queue[HELLO_QUEUE];
    int n_queued;
    size_t queued_bytes;            /* plain: of the datagrams in queue */
};

/* While server_accept makes a plain stream for peer: its datagrams, from
 * the door and the new socket, go to the stream's list, not to a queue. */
struct capture {
    struct sockaddr_storage peer;
    socklen_t len;
    struct udp_arrival *list;
    uint32_t n, cap;
};

/* A new socket bound to the port's address. Returns the fd, or -1 with
 * errno. */
static int bind_port(const struct udp_port *p)
{
    int fd = socket(p->addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
    if (fd < 0)
        return -1;
    int one = 1, zero = 0;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        (p->dual_stack && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero) < 0) ||
        bind(fd, (const struct sockaddr *)&p->addr, p->addrlen) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static uint16_t local_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (fd < 0 || getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
        return 0;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return 0;
}

/* The door for cfg on port, bound like the control listener: -B if given,
 * else the IPv6 wildcard, dual-stack unless a family was asked for. The
 * one already open for the same address is shared. Under the lock. */
static struct udp_port *open_port(struct udp_global *g, const struct weir_stream_config *cfg,
                                  uint16_t port, char *why, size_t whylen)
{
    struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
    hints.ai_family = cfg->family != AF_UNSPEC ? cfg->family
                                               : (cfg->bind_host ? AF_UNSPEC : AF_INET6);
    struct addrinfo *res = NULL;
    char portstr[8];

    snprintf(portstr, sizeof portstr, "%u", (unsigned)port);
    int rc = getaddrinfo(cfg->bind_host, portstr, &hints, &res);
    if (rc != 0) {
        snprintf(why, whylen, "%s: %s", cfg->bind_host ? cfg->bind_host : "wildcard address",
                 gai_strerror(rc));
        return NULL;
    }
    struct udp_port *p = calloc(1, sizeof *p);
    if (p && !(p->buf = malloc(DOOR_BUF))) {
        free(p);
        p = NULL;
    }
    if (!p) {
        freeaddrinfo(res);
        snprintf(why, whylen, "out of memory");
        return NULL;
    }
    p->fd = -1;
    for (const struct addrinfo *ai = res; ai && p->fd < 0; ai = ai->ai_next) {
        if (ai->ai_addrlen > sizeof p->addr)
            continue;
        memcpy(&p->addr, ai->ai_addr, ai->ai_addrlen);
        p->addrlen = ai->ai_addrlen;
        p->dual_stack = ai->ai_family == AF_INET6 && cfg->family == AF_UNSPEC;
        for (struct udp_port *o = g->ports; o; o = o->next)
            if (o->addrlen == p->addrlen && o->dual_stack == p->dual_stack &&
                memcmp(&o->addr, &p->addr, p->addrlen) == 0) {
                freeaddrinfo(res);
                free(p->buf);
                free(p);
                return o;
            }
        p->fd = bind_port(p);
        if (p->fd < 0)
            snprintf(why, whylen, "bind UDP port %u: %s", (unsigned)port, strerror(errno));
    }
    freeaddrinfo(res);
    if (p->fd < 0) {
        free(p->buf);
        free(p);
        return NULL;
    }
    p->next = g->ports;
    g->ports = p;
    return p;
}

static void close_port(struct udp_global *g, struct udp_port *p)
{
    for (struct udp_port **pp = &g->ports; *pp; pp = &(*pp)->next)
        if (*pp == p) {
            *pp = p->next;
            break;
        }
    /* Hellos still queued here were beyond the streams the tests wanted;
     * closing drops them and their senders time out. */
    close(p->fd);
    free(p->buf);
    free(p);
}

/* One comparison of the filter: the next 1, 2 or 4 bytes of want at
 * payload offset off (the filter sees the UDP header at 0) must match;
 * else go to the instruction `next` steps after the jump. */
static int filter_match(struct sock_filter *f, const unsigned char *want, size_t off, size_t n, int next)
{
    size_t size = n >= 4 ? 4 : n >= 2 ? 2 : 1;
    uint32_t v = 0;
    for (size_t i = 0; i < size; i++)
        v = v << 8 | want[off + i];
    f[0] = (struct sock_filter)BPF_STMT(BPF_LD | (size == 4 ? BPF_W : size == 2 ? BPF_H : BPF_B) | BPF_ABS,
                                        (uint32_t)(8 + off));
    f[1] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, v, 0, (unsigned char)next);
    return (int)size;
}

/* The door's kernel filter, set whenever the port's tests change. When
 * every one of them takes only hellos with its cookie, the kernel keeps
 * nothing but those hellos: a storm of other datagrams (plain hellos from
 * anyone, the client's own address included) cannot fill the door's
 * buffer while the server is slow to read it, and so cannot make the
 * kernel drop a real client's hello, which is sent once. A test taking
 * plain hellos needs every datagram (iperf3 reads any 4 bytes): no filter.
 * Without the filter (an error setting it) route() still drops what is
 * no one's, so the filter only protects the buffer. Under the lock. */
static void door_filter(struct udp_port *p)
{
    /* Per test: at most UDP_TAGGED_HELLO_LEN / 4 + 2 comparisons of 2
     * instructions, and the accepting return. */
    enum { PER_TEST = 2 * (UDP_TAGGED_HELLO_LEN / 4 + 2) + 1, MAX_TESTS = 64 };
    struct sock_filter f[3 + MAX_TESTS * PER_TEST + 1];
    int n = 0, tests = 0;
    for (const struct udp_listener *l = p->users; l; l = l->next) {
        if (!l->tagged) {
            int none = 0;
            if (setsockopt(p->fd, SOL_SOCKET, SO_DETACH_FILTER, &none, sizeof none) < 0) {
                /* none was attached */
            }
            return;
        }
        tests++;
    }
    if (tests == 0)
        return;
    /* A tagged hello's exact length, else drop. */
    f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0);
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 8 + UDP_TAGGED_HELLO_LEN, 1, 0);
    f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
    for (const struct udp_listener *l = p->users; l; l = l->next) {
        unsigned char want[UDP_TAGGED_HELLO_LEN];
        memcpy(want, udp_hello_bytes, UDP_HELLO_LEN);
        memcpy(want + UDP_HELLO_LEN, l->cookie, WEIR_COOKIE_SIZE);
        /* What route() compares: "9876", then the cookie up to its NUL. */
        size_t len = UDP_HELLO_LEN + strnlen((const char *)l->cookie, WEIR_COOKIE_SIZE);
        if (len < UDP_TAGGED_HELLO_LEN)
            len++;
        if (tests > MAX_TESTS)
            len = UDP_HELLO_LEN;        /* too many to list: "9876" only */
        /* 2 instructions per comparison, then the accepting return. */
        int cmps = 0;
        for (size_t off = 0; off < len; cmps++)
            off += len - off >= 4 ? 4 : len - off >= 2 ? 2 : 1;
        int end = n + 2 * cmps;     /* index of this test's accepting return */
        for (size_t off = 0; off < len; n += 2)
            off += (size_t)filter_match(&f[n], want, off, len - off, end - (n + 1));
        f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0xffffffffu);
        if (tests > MAX_TESTS)
            break;
    }
    f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
    struct sock_fprog prog = { .len = (unsigned short)n, .filter = f };
    if (setsockopt(p->fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) < 0) {
        /* route() still sorts what arrives */
    }
}

/* The listener a datagram of n bytes belongs to, or NULL. */
static struct udp_listener *owner(struct udp_port *p, const unsigned char *buf, ssize_t n)
{
    int tagged = n == (ssize_t)UDP_TAGGED_HELLO_LEN && memcmp(buf, udp_hello_bytes, UDP_HELLO_LEN) == 0;
    struct udp_listener *hellos = NULL, *plain = NULL;
    for (struct udp_listener *l = p->users; l; l = l->next) {
        if (tagged && l->tagged &&
            strncmp((const char *)l->cookie, (const char *)buf + UDP_HELLO_LEN, WEIR_COOKIE_SIZE) == 0)
            return l;
        if (l->plain)
            plain = l;
        else if (!l->tagged)
            hellos = l;
    }
    if (tagged)
        return NULL;
    /* iperf3 reads 4 bytes of a hello and does not look at them: with no
     * plain listener at the door any datagram is one. */
    if (n == (ssize_t)UDP_HELLO_LEN && hellos)
        return hellos;
    return plain ? plain : hellos;
}

/* Keep one datagram: its sender, and with_data its bytes. Returns 0, or
 * -1 when it is dropped. */
static int keep(struct udp_arrival *a, int with_data, const unsigned char *buf, ssize_t n,
                const struct sockaddr_storage *peer, socklen_t plen)
{
    memcpy(&a->peer, peer, plen);
    a->len = plen;
    a->data = NULL;
    a->data_len = 0;
    if (with_data) {
        a->data = malloc(n > 0 ? (size_t)n : 1);
        if (!a->data)
            return -1;
        memcpy(a->data, buf, (size_t)n);
        a->data_len = (uint32_t)n;
    }
    return 0;
}

static int same_peer(const struct sockaddr_storage *a, socklen_t alen, const struct sockaddr_storage *b,
                     socklen_t blen)
{
    return alen == blen && memcmp(a, b, alen) == 0;
}

/* A datagram of the peer a plain stream is being made for. */
static void capture_one(struct capture *c, const unsigned char *buf, ssize_t n,
                        const struct sockaddr_storage *peer, socklen_t plen)
{
    if (c->n == c->cap) {
        uint32_t cap = c->cap ? 2 * c->cap : 8;
        struct udp_arrival *l = cap <= HELLO_QUEUE ? realloc(c->list, cap * sizeof *l) : NULL;
        if (!l)
            return;
        c->list = l;
        c->cap = cap;
    }
    if (keep(&c->list[c->n], 1, buf, n, peer, plen) == 0)
        c->n++;
}

/* Hand one datagram that arrived for the port to the test it belongs to.
 * Under the lock. */
static void route(struct udp_port *p, const unsigned char *buf, ssize_t n,
                  const struct sockaddr_storage *peer, socklen_t plen)
{
    if (p->capture && same_peer(&p->capture->peer, p->capture->len, peer, plen)) {
        capture_one(p->capture, buf, n, peer, plen);
        return;
    }
    struct udp_listener *l = owner(p, buf, n);
    if (!l || l->n_queued == HELLO_QUEUE ||
        (l->plain && l->queued_bytes + (size_t)n > PLAIN_QUEUE_BYTES))
        return;
    if (keep(&l->queue[l->n_queued], l->plain, buf, n, peer, plen) < 0)
        return;
    l->n_queued++;
    l->queued_bytes += l->plain ? (size_t)n : 0;
    uint64_t one = 1;
    if (write(l->event, &one, sizeof one) < 0) {
        /* already signalled */
    }
}

/* Route whatever fd holds (the door, or a new stream socket that matched
 * the port's datagrams before it was connected). Under the lock. */
static void pump(struct udp_port *p, int fd, int max)
{
    for (int i = 0; i < max; i++) {
        struct sockaddr_storage peer;
        socklen_t plen = sizeof peer;
        ssize_t n = recvfrom(fd, p->buf, DOOR_BUF, MSG_DONTWAIT, (struct sockaddr *)&peer, &plen);
        if (n < 0) {
            if (errno == EINTR || errno == ECONNREFUSED)
                continue;
            return;             /* EAGAIN: empty */
        }
        if (plen <= sizeof peer)
            route(p, p->buf, n, &peer, plen);
    }
}

int udp_server_listen(void *global, const struct weir_stream_config *cfg, int control_fd,
                      void **listener, int *poll_fd)
{
    struct udp_global *g = global;
    char why[256] = "no usable address";
    /* The control listener knows the real port if it was chosen at bind
     * time (port 0). */
    uint16_t port = cfg->port ? cfg->port : local_port(control_fd);
    struct udp_listener *l = calloc(1, sizeof *l);

    if (!l)
        return udp_fail(g, WEIR_E_NOMEM, "listener");
    l->plain = (cfg->lower & WEIR_LOWER_STREAM) && (cfg->lower & WEIR_LOWER_PLAIN);
    l->tagged = !l->plain && cfg->stream_tag && cfg->cookie;
    if (l->tagged)
        memcpy(l->cookie, cfg->cookie, WEIR_COOKIE_SIZE);
    l->event = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    l->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (l->event < 0 || l->epfd < 0) {
        int e = errno;
        udp_server_unlisten(g, l);
        return udp_fail(g, WEIR_E_STREAMLISTEN, "listener: %s", strerror(e));
    }

    pthread_mutex_lock(&g->lock);
    l->port = open_port(g, cfg, port, why, sizeof why);
    int busy = 0;
    for (const struct udp_listener *o = l->port ? l->port->users : NULL; o; o = o->next)
        busy |= !l->tagged && !o->tagged && l->plain == o->plain;
    int rc = WEIR_OK;
    struct epoll_event ev = { .events = EPOLLIN };
    if (!l->port) {
        rc = udp_fail(g, WEIR_E_STREAMLISTEN, "%s", why);
    } else if (busy) {
        /* The core admits one test with plain hellos at a time: two could
         * not tell whose a hello is. Nor could two plain listeners. */
        rc = udp_fail(g, WEIR_E_STREAMLISTEN, l->plain ? "another transport is taking plain datagrams on UDP port %u"
                                                       : "another test is taking plain UDP hellos on port %u",
                      (unsigned)port);
    } else if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->port->fd, &ev) < 0 ||
               epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->event, &ev) < 0) {
        rc = udp_fail(g, WEIR_E_STREAMLISTEN, "epoll: %s", strerror(errno));
    } else {
        l->next = l->port->users;
        l->port->users = l;
        door_filter(l->port);
    }
    if (rc != WEIR_OK && l->port && !l->port->users)
        close_port(g, l->port);
    if (rc != WEIR_OK)
        l->port = NULL;
    pthread_mutex_unlock(&g->lock);
    if (rc != WEIR_OK) {
        udp_server_unlisten(g, l);
        return rc;
    }
    *listener = l;
    *poll_fd = l->epfd;
    return WEIR_OK;
}

void udp_server_unlisten(void *global, void *listener)
{
    struct udp_global *g = global;
    struct udp_listener *l = listener;
    if (!l)
        return;
    if (l->port) {
        pthread_mutex_lock(&g->lock);
        for (struct udp_listener **pp = &l->port->users; *pp; pp = &(*pp)->next)
            if (*pp == l) {
                *pp = l->next;
                break;
            }
        if (!l->port->users)
            close_port(g, l->port);
        else
            door_filter(l->port);
        pthread_mutex_unlock(&g->lock);
    }
    for (int i = 0; i < l->n_queued; i++)
        free(l->queue[i].data);
    if (l->epfd >= 0)
        close(l->epfd);
    if (l->event >= 0)
        close(l->event);
    free(l);
}

/* The event is set while arrivals wait in l's queue. Under the lock. */
static void event_update(struct udp_listener *l)
{
    if (l->n_queued == 0) {
        uint64_t v;
        if (read(l->event, &v, sizeof v) < 0) {
            /* already reset */
        }
    }
}

/* Take the first arrival off l's queue. Under the lock. */
static struct udp_arrival dequeue(struct udp_listener *l)
{
    struct udp_arrival a = l->queue[0];
    memmove(l->queue, l->queue + 1, (size_t)(--l->n_queued) * sizeof *l->queue);
    l->queued_bytes -= a.data_len;
    event_update(l);
    return a;
}

/* A socket of the port connected to peer: the stream's. Datagrams for the
 * port it took while not yet connected go where they belong. Returns the
 * fd, or -1 (bind) or -2 (connect) with errno. Under the lock. */
static int connect_stream_socket(struct udp_port *p, const struct sockaddr_storage *peer, socklen_t len)
{
    int fd = bind_port(p);
    if (fd >= 0 && connect(fd, (const struct sockaddr *)peer, len) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -2;
    }
    if (fd >= 0) {
        int e = errno;
        pump(p, fd, DRAIN_MAX);
        errno = e;
    }
    return fd;
}

/* A plain listener's stream: for the sender of the first datagram waiting,
 * carrying every datagram of that sender read so far. */
static int accept_plain(struct udp_global *g, struct udp_listener *l, const struct weir_stream_config *cfg,
                        void **stream)
{
    struct udp_port *p = l->port;
    struct capture c = { .n = 0 };

    pthread_mutex_lock(&g->lock);
    pump(p, p->fd, PUMP_MAX);
    if (l->n_queued == 0) {
        pthread_mutex_unlock(&g->lock);
        return WEIR_E_AGAIN;
    }
    struct udp_arrival first = dequeue(l);
    c.peer = first.peer;
    c.len = first.len;
    c.list = malloc(8 * sizeof *c.list);
    c.cap = c.list ? 8 : 0;
    if (c.list)
        c.list[c.n++] = first;
    else
        free(first.data);
    /* Later datagrams of the same sender, queued before it was served. */
    for (int i = 0; i < l->n_queued;) {
        struct udp_arrival *a = &l->queue[i];
        if (!same_peer(&a->peer, a->len, &c.peer, c.len)) {
            i++;
            continue;
        }
        capture_one(&c, a->data, a->data_len, &a->peer, a->len);
        l->queued_bytes -= a->data_len;
        free(a->data);
        memmove(a, a + 1, (size_t)(--l->n_queued - i) * sizeof *a);
    }
    event_update(l);
    p->capture = &c;
    int fd = connect_stream_socket(p, &c.peer, c.len);
    int e = errno;
    /* What it sent to the door before the socket was connected; the
     * socket gets the rest. */
    if (fd >= 0)
        pump(p, p->fd, PUMP_MAX);
    p->capture = NULL;
    pthread_mutex_unlock(&g->lock);

    int rc = WEIR_OK;
    if (fd < 0)
        rc = udp_fail(g, WEIR_E_STREAMACCEPT, "%s: %s", fd == -1 ? "binding a socket to the UDP port"
                                                                 : "connect to the datagram's sender", strerror(e));
    if (rc == WEIR_OK && (rc = udp_apply_options(g, fd, cfg, (struct sockaddr *)&c.peer)) == WEIR_OK)
        rc = udp_stream_new(g, fd, cfg, (struct udp_stream **)stream);
    if (rc != WEIR_OK) {
        if (fd >= 0)
            close(fd);
        for (uint32_t i = 0; i < c.n; i++)
            free(c.list[i].data);
        free(c.list);
        return rc;
    }
    struct udp_stream *s = *stream;
    s->pending = c.list;
    s->n_pending = c.n;
    return WEIR_OK;
}

int udp_server_accept(void *global, void *listener, const struct weir_stream_config *cfg,
                      void **stream)
{
    struct udp_global *g = global;
    struct udp_listener *l = listener;
    struct udp_port *p = l->port;

    if (l->plain)
        return accept_plain(g, l, cfg, stream);
    pthread_mutex_lock(&g->lock);
    pump(p, p->fd, PUMP_MAX);
    if (l->n_queued == 0) {
        pthread_mutex_unlock(&g->lock);
        return WEIR_E_AGAIN;
    }
    struct udp_arrival h = dequeue(l);
    /* Bound but not yet connected, the socket took datagrams for the port
     * like the door: hellos of other streams, which go where they belong.
     * Its own peer sends nothing before our reply. */
    int fd = connect_stream_socket(p, &h.peer, h.len);
    int e = errno;
    pthread_mutex_unlock(&g->lock);
    if (fd == -1)
        return udp_fail(g, WEIR_E_STREAMACCEPT, "binding a socket to the UDP port: %s", strerror(e));
    if (fd < 0)
        return udp_fail(g, WEIR_E_STREAMACCEPT, "connect to the hello's sender: %s", strerror(e));

    int rc = udp_apply_options(g, fd, cfg, (struct sockaddr *)&h.peer);
    if (rc == WEIR_OK)
        rc = udp_stream_new(g, fd, cfg, (struct udp_stream **)stream);
    if (rc != WEIR_OK) {
        close(fd);
        return rc;
    }
    if (send(fd, udp_reply_bytes, UDP_HELLO_LEN, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)UDP_HELLO_LEN) {
        int se = errno;
        udp_close(*stream);
        *stream = NULL;
        return udp_fail(g, WEIR_E_STREAMWRITE, "sending the reply: %s", strerror(se));
    }
    return WEIR_OK;
}
