#include "roles/frontdoor.h"
#include "proto/errors.h"
#include "cli/identity.h"
#include "proto/control.h"
#include "host/host.h"
#include "run/session.h"
#include "proto/timeouts.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* A connection that has not sent its whole cookie by then is dropped with
 * SERVER_ERROR 106, as iperf3 3.15+ does. */
#define COOKIE_TIMEOUT_MS 10000
/* Connections waiting for their cookie; beyond this the oldest goes. */
#define MAX_PENDING 1024
/* Test threads, whether still reading parameters or running a test. */
#define MAX_THREADS 256
/* Longest sleep of the front door: it looks at the signal flag this often. */
#define POLL_CAP_MS 500
/* How long newcomers may wait in the backlog for a test that is winding up
 * (link_winding_up) to free its slot. */
#define WINDING_HOLD_MS 3000

struct pending {
    int fd;
    size_t got;
    unsigned char cookie[WEIR_COOKIE_SIZE];
    uint64_t deadline_ns;
};

struct frontdoor {
    const struct settings *s;
    struct report_set *rs;
    int listen_fd;
    uint16_t port;
    frontdoor_test_fn run;
    int slots;                  /* --max-tests, 1 with -1 */

    pthread_mutex_t lock;       /* everything below, and every link's private part */
    pthread_cond_t gate_free;
    int gate_busy;
    int wake[2];                /* pipe: a test thread ended */
    struct test_link *links;
    int n_links, n_claimed, n_expecting;
    int next_no, announced;
    int done;                   /* -1: the one test is over, take no more */
    int status;

    struct pending *pend;       /* the front door's own, no lock */
    int n_pend;
};

static void on_nudge(int sig)
{
    (void)sig;                  /* only there to interrupt a test thread's poll */
}

#define NUDGE_SIGNAL SIGRTMIN

static uint64_t ms_to_ns(int ms)
{
    return (uint64_t)ms * 1000000u;
}

/* One byte ACCESS_DENIED, then close; the peer may be gone already. */
static void deny(int fd)
{
    signed char b = (signed char)ST_ACCESS_DENIED;
    if (send(fd, &b, 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
        /* nothing to tell */
    }
    close(fd);
}

static void wake(struct frontdoor *d)
{
    char b = 1;
    if (write(d->wake[1], &b, 1) < 0) {
        /* the pipe is full: the front door is awake anyway */
    }
}

/* "Server listening (test #n)" for the next test once a slot is free;
 * under the lock, so it never lands inside a test's output with
 * --max-tests 1. */
static void announce(struct frontdoor *d)
{
    if (d->done || d->n_claimed >= d->slots || d->announced >= d->next_no)
        return;
    report_server_listening(d->rs, d->port, d->next_no);
    d->announced = d->next_no;
}

/* ---- the test's side ---- */

int link_claim(struct test_link *l)
{
    struct frontdoor *d = l->d;
    pthread_mutex_lock(&d->lock);
    if (d->done || d->n_claimed >= d->slots) {
        pthread_mutex_unlock(&d->lock);
        return 0;
    }
    l->claimed = 1;
    d->n_claimed++;
    l->test_no = d->next_no++;
    announce(d);
    pthread_mutex_unlock(&d->lock);
    /* One test at a time shares the server's reporters, as iperf3's output
     * is one stream; concurrent tests each get their own. */
    l->rs = d->slots == 1 ? d->rs : report_open(l->s, 1);
    if (l->rs)
        return 1;
    pthread_mutex_lock(&d->lock);
    l->claimed = 0;
    d->n_claimed--;
    pthread_mutex_unlock(&d->lock);
    return 0;
}

void link_winding_up(struct test_link *l)
{
    pthread_mutex_lock(&l->d->lock);
    l->winding_until_ns = host_now_ns() + ms_to_ns(WINDING_HOLD_MS);
    pthread_mutex_unlock(&l->d->lock);
}

/* Every slot is taken but one frees soon: leave newcomers in the backlog.
 * Returns the ms until that hold ends (0: no hold). Under the lock. */
static int hold_ms(const struct frontdoor *d, uint64_t now)
{
    if (d->done || d->n_claimed < d->slots || d->n_expecting > 0)
        return 0;
    uint64_t until = 0;
    for (const struct test_link *l = d->links; l; l = l->next)
        if (l->claimed && l->winding_until_ns > until)
            until = l->winding_until_ns;
    return until > now ? (int)((until - now + 999999u) / 1000000u) : 0;
}

int link_expect_streams(struct test_link *l)
{
    pthread_mutex_lock(&l->d->lock);
    l->expecting = 1;
    l->d->n_expecting++;
    pthread_mutex_unlock(&l->d->lock);
    wake(l->d);                 /* the front door may be holding newcomers */
    return l->inbox;
}

int link_take_stream(struct test_link *l)
{
    int fd = -1;
    pthread_mutex_lock(&l->d->lock);
    if (l->n_queued > 0) {
        fd = l->queue[0];
        memmove(l->queue, l->queue + 1, (size_t)(l->n_queued - 1) * sizeof *l->queue);
        l->n_queued--;
    }
    if (l->n_queued == 0) {
        uint64_t v;
        if (read(l->inbox, &v, sizeof v) < 0) {
            /* EAGAIN: already reset */
        }
    }
    pthread_mutex_unlock(&l->d->lock);
    return fd;
}

static void end_streams_locked(struct test_link *l)
{
    if (!l->expecting)
        return;
    l->expecting = 0;
    l->d->n_expecting--;
    for (int i = 0; i < l->n_queued; i++)
        deny(l->queue[i]);
    l->n_queued = 0;
}

void link_end_streams(struct test_link *l)
{
    pthread_mutex_lock(&l->d->lock);
    end_streams_locked(l);
    pthread_mutex_unlock(&l->d->lock);
}

int link_gate_enter(struct test_link *l)
{
    struct frontdoor *d = l->d;
    pthread_mutex_lock(&d->lock);
    while (d->gate_busy && !session_signal) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&d->gate_free, &d->lock, &ts);
    }
    int in = !d->gate_busy;
    if (in)
        d->gate_busy = 1;
    pthread_mutex_unlock(&d->lock);
    return in;
}

void link_gate_leave(struct test_link *l)
{
    struct frontdoor *d = l->d;
    pthread_mutex_lock(&d->lock);
    d->gate_busy = 0;
    pthread_cond_signal(&d->gate_free);
    pthread_mutex_unlock(&d->lock);
}

/* ---- test threads ---- */

static void *test_main(void *arg)
{
    struct test_link *l = arg;
    struct frontdoor *d = l->d;
    sigset_t nudge;
    sigemptyset(&nudge);
    sigaddset(&nudge, NUDGE_SIGNAL);
    pthread_sigmask(SIG_UNBLOCK, &nudge, NULL);

    int r = d->run(l);

    /* The test is over: its slot is free before the control connection's
     * lingering close (up to 2 s for a peer that vanished), so the next
     * client is served, not told the server is busy. */
    pthread_mutex_lock(&d->lock);
    l->closing = 1;
    end_streams_locked(l);
    if (l->claimed) {
        l->claimed = 0;
        d->n_claimed--;
        /* Like iperf3, -1 does not count a refused authentication. */
        if (r != 2) {
            d->status = r ? 1 : 0;
            if (d->s->one_off)
                d->done = 1;
        }
    }
    l->status = r;
    announce(d);
    pthread_mutex_unlock(&d->lock);
    wake(d);

    ctl_close(l->ctl_fd);
    if (l->rs && l->rs != d->rs)
        report_close(l->rs);
    pthread_mutex_lock(&d->lock);
    l->finished = 1;
    pthread_mutex_unlock(&d->lock);
    wake(d);
    return NULL;
}

/* A control connection with its cookie read: a thread of its own. Under
 * the lock. */
static void spawn(struct frontdoor *d, int fd, const unsigned char *cookie)
{
    struct test_link *l = calloc(1, sizeof *l);
    if (!l) {
        deny(fd);
        return;
    }
    l->s = d->s;
    l->d = d;
    l->listen_fd = d->listen_fd;
    l->ctl_fd = fd;
    memcpy(l->cookie, cookie, WEIR_COOKIE_SIZE);
    l->inbox = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    /* The thread takes no signal but the nudge: they are the front
     * door's, which passes them on. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int err = l->inbox < 0 ? errno : pthread_create(&l->thread, NULL, test_main, l);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (err) {
        fprintf(stderr, "%s: error - unable to start a test thread: %s\n", identity_name(), strerror(err));
        if (l->inbox >= 0)
            close(l->inbox);
        free(l);
        deny(fd);
        return;
    }
    l->next = d->links;
    d->links = l;
    d->n_links++;
}

/* Join the threads that ended. */
static void reap(struct frontdoor *d)
{
    pthread_mutex_lock(&d->lock);
    struct test_link **pp = &d->links;
    while (*pp) {
        struct test_link *l = *pp;
        if (!l->finished) {
            pp = &l->next;
            continue;
        }
        *pp = l->next;
        d->n_links--;
        pthread_mutex_unlock(&d->lock);
        pthread_join(l->thread, NULL);
        close(l->inbox);
        free(l->queue);
        free(l);
        pthread_mutex_lock(&d->lock);
        pp = &d->links;
    }
    pthread_mutex_unlock(&d->lock);
}

/* ---- the front door ---- */

static void drop_pending(struct frontdoor *d, int i, int tell)
{
    if (tell)
        ctl_send_server_error(d->pend[i].fd, WEIR_E_RECVCOOKIE, 0);
    close(d->pend[i].fd);
    memmove(d->pend + i, d->pend + i + 1, (size_t)(d->n_pend - i - 1) * sizeof *d->pend);
    d->n_pend--;
}

static void queue_stream(struct test_link *l, int fd)
{
    if (l->n_queued == l->n_alloc) {
        int n = l->n_alloc ? l->n_alloc * 2 : 8;
        int *q = realloc(l->queue, (size_t)n * sizeof *q);
        if (!q) {
            deny(fd);
            return;
        }
        l->queue = q;
        l->n_alloc = n;
    }
    l->queue[l->n_queued++] = fd;
    uint64_t one = 1;
    if (write(l->inbox, &one, sizeof one) < 0) {
        /* the counter is set already */
    }
}

/* A whole cookie arrived on fd: a test's stream, or a new test. */
static void route(struct frontdoor *d, int fd, const unsigned char *cookie)
{
    pthread_mutex_lock(&d->lock);
    struct test_link *l = d->links;
    /* iperf3 compares cookies as strings of at most 37 bytes. */
    /* A test that ended but still closes its control connection keeps
     * its cookie: a late stream of it is refused, not taken for a test. */
    while (l && !((l->claimed || l->closing) && !l->finished &&
                  strncmp((const char *)l->cookie, (const char *)cookie, WEIR_COOKIE_SIZE) == 0))
        l = l->next;
    if (l && l->expecting)
        queue_stream(l, fd);
    else if (l || d->done || d->n_claimed >= d->slots || d->n_links >= MAX_THREADS)
        deny(fd);
    else
        spawn(d, fd, cookie);
    pthread_mutex_unlock(&d->lock);
}

static void add_pending(struct frontdoor *d, int fd)
{
    if (d->n_pend == MAX_PENDING)
        drop_pending(d, 0, 1);          /* the oldest: they are in accept order */
    struct pending *p = &d->pend[d->n_pend++];
    memset(p, 0, sizeof *p);
    p->fd = fd;
    p->deadline_ns = host_now_ns() + ms_to_ns(timeouts_wait_ms(d->s, COOKIE_TIMEOUT_MS));
}

/* Take what waits on the listener. While every slot is taken and no test
 * waits for streams, newcomers get ACCESS_DENIED unread, like iperf3's. */
static void accept_new(struct frontdoor *d)
{
    for (int n = 0; n < 64; n++) {
        pthread_mutex_lock(&d->lock);
        if (hold_ms(d, host_now_ns())) {
            pthread_mutex_unlock(&d->lock);
            return;
        }
        int fd = accept4(d->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        int full = d->done || (d->n_claimed >= d->slots && d->n_expecting == 0);
        pthread_mutex_unlock(&d->lock);
        if (fd < 0)
            return;             /* EAGAIN, or one that died before we took it */
        if (full)
            deny(fd);
        else
            add_pending(d, fd);
    }
}

/* Read what arrived of pending cookies (p[k] was polled for pend[k]); drop
 * the ones out of time. In accept order: a test's streams must reach it in
 * the order the client opened them (bidir: its sending ones first). */
static void read_cookies(struct frontdoor *d, const struct pollfd *p, int n)
{
    uint64_t now = host_now_ns();
    for (int k = 0; k < n; k++) {
        struct pending *c = &d->pend[k];
        ssize_t r = -1;
        if (p[k].revents) {
            r = recv(c->fd, c->cookie + c->got, WEIR_COOKIE_SIZE - c->got, MSG_DONTWAIT);
            if (r > 0)
                c->got += (size_t)r;
        }
        if (c->got == WEIR_COOKIE_SIZE) {
            route(d, c->fd, c->cookie);
            c->fd = -1;
        } else if (p[k].revents && (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
                                               errno != EINTR))) {
            close(c->fd);       /* it left */
            c->fd = -1;
        } else if (now >= c->deadline_ns) {
            ctl_send_server_error(c->fd, WEIR_E_RECVCOOKIE, 0);
            close(c->fd);
            c->fd = -1;
        }
    }
    int kept = 0;
    for (int i = 0; i < d->n_pend; i++)
        if (d->pend[i].fd >= 0)
            d->pend[kept++] = d->pend[i];
    d->n_pend = kept;
}

static int poll_timeout(const struct frontdoor *d)
{
    uint64_t now = host_now_ns(), first = 0;
    for (int i = 0; i < d->n_pend; i++)
        if (!first || d->pend[i].deadline_ns < first)
            first = d->pend[i].deadline_ns;
    if (!first)
        return POLL_CAP_MS;
    if (first <= now)
        return 0;
    uint64_t ms = (first - now + 999999u) / 1000000u;
    return ms < POLL_CAP_MS ? (int)ms : POLL_CAP_MS;
}

/* Wait until every test thread ended. With a signal they are nudged out
 * of their waits; otherwise the ones still reading parameters are cut off
 * and running tests finish on their own. */
static void wind_down(struct frontdoor *d)
{
    while (d->n_pend > 0)
        drop_pending(d, 0, 0);
    for (;;) {
        reap(d);
        pthread_mutex_lock(&d->lock);
        int left = d->n_links;
        for (struct test_link *l = d->links; l; l = l->next) {
            if (l->finished)
                continue;
            if (session_signal)
                pthread_kill(l->thread, NUDGE_SIGNAL);
            else if (!l->claimed && !l->closing)
                shutdown(l->ctl_fd, SHUT_RDWR);
        }
        pthread_mutex_unlock(&d->lock);
        if (!left)
            return;
        struct pollfd p = { .fd = d->wake[0], .events = POLLIN };
        if (poll(&p, 1, 50) > 0) {
            char buf[64];
            if (read(d->wake[0], buf, sizeof buf) < 0) {
                /* drained already */
            }
        }
    }
}

int frontdoor_serve(const struct settings *s, struct report_set *rs, int listen_fd,
                   uint16_t port, int stop_fd, frontdoor_test_fn run)
{
    struct frontdoor d;
    memset(&d, 0, sizeof d);
    d.s = s;
    d.rs = rs;
    d.listen_fd = listen_fd;
    d.port = port;
    d.run = run;
    d.slots = s->one_off || s->max_tests < 1 ? 1 : s->max_tests;
    d.next_no = 1;
    d.pend = calloc(MAX_PENDING, sizeof *d.pend);
    if (!d.pend || pipe2(d.wake, O_NONBLOCK | O_CLOEXEC) < 0) {
        free(d.pend);
        fprintf(stderr, "%s: error - %s\n", identity_name(), strerror(errno));
        return 1;
    }
    pthread_mutex_init(&d.lock, NULL);
    pthread_cond_init(&d.gate_free, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_nudge;
    sigemptyset(&sa.sa_mask);
    sigaction(NUDGE_SIGNAL, &sa, NULL);

    pthread_mutex_lock(&d.lock);
    announce(&d);
    pthread_mutex_unlock(&d.lock);

    struct pollfd *p = calloc(MAX_PENDING + 3, sizeof *p);
    int stopped = !p;
    /* --idle-timeout: since when nothing has happened (no test, no
     * connection waiting). */
    int idle_ms = timeouts_idle_ms(s);
    uint64_t idle_since = host_now_ns();
    while (!stopped && !session_signal) {
        reap(&d);
        uint64_t now = host_now_ns();
        pthread_mutex_lock(&d.lock);
        int done = d.done, quiet = d.n_links == 0 && d.n_pend == 0;
        int hold = hold_ms(&d, now);
        pthread_mutex_unlock(&d.lock);
        if (done)
            break;
        if (!quiet) {
            idle_since = now;
        } else if (idle_ms >= 0 && now - idle_since >= ms_to_ns(idle_ms)) {
            /* Nobody came: like iperf3, start over (with -1: exit 0). The
             * listening socket stays, so no client is refused meanwhile. */
            if (s->one_off)
                break;
            pthread_mutex_lock(&d.lock);
            d.next_no++;        /* a listening round of its own, as before */
            announce(&d);
            pthread_mutex_unlock(&d.lock);
            idle_since = now;
        }
        int n = 0;
        p[n++] = (struct pollfd){ .fd = d.wake[0], .events = POLLIN };
        p[n++] = (struct pollfd){ .fd = stop_fd, .events = POLLIN };
        p[n++] = (struct pollfd){ .fd = hold ? -1 : listen_fd, .events = POLLIN };
        for (int i = 0; i < d.n_pend; i++)
            p[n++] = (struct pollfd){ .fd = d.pend[i].fd, .events = POLLIN };
        int wait_ms = poll_timeout(&d);
        if (hold && hold < wait_ms)
            wait_ms = hold;
        if (quiet && idle_ms >= 0) {
            uint64_t left = idle_since + ms_to_ns(idle_ms) - now;
            int left_ms = (int)((left + 999999u) / 1000000u);
            if (left_ms < wait_ms)
                wait_ms = left_ms;
        }
        int pr = poll(p, (nfds_t)n, wait_ms);
        if (session_signal)
            break;
        if (pr < 0 && errno != EINTR)
            break;
        if (p[0].revents) {
            char buf[64];
            if (read(d.wake[0], buf, sizeof buf) < 0) {
                /* drained already */
            }
        }
        if (p[1].revents)
            stopped = 1;
        read_cookies(&d, p + 3, n - 3);
        if (p[2].revents)
            accept_new(&d);
    }

    pthread_mutex_lock(&d.lock);
    int idle = d.n_claimed == 0;
    pthread_mutex_unlock(&d.lock);
    wind_down(&d);
    if (session_signal && idle)
        fprintf(stderr, "%s: interrupt - the server has terminated\n", identity_name());
    free(p);
    free(d.pend);
    close(d.wake[0]);
    close(d.wake[1]);
    pthread_cond_destroy(&d.gate_free);
    pthread_mutex_destroy(&d.lock);
    return session_signal ? 1 : d.status;
}
