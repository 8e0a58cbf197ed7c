#include "run/workers.h"
#include "proto/errors.h"
#include "run/affinity.h"
#include "host/host.h"
#include "host/transport.h"
#include "run/test.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>      /* SIOCINQ */
#include <unistd.h>

#define EVENTS_PER_WAIT 64
/* Blocks per send call: enough to amortise the epoll round trip, small
 * enough that one stream cannot starve the others on its worker. Datagram
 * transports batch (sendmmsg, GSO) and get more per call. */
#define SEND_BATCH 16
#define SEND_BATCH_DATAGRAM 64
#define WAKE_TAG UINT64_MAX

struct worker {
    struct test *t;
    pthread_t thread;
    int epfd;
    int wakefd;
    int started;
    int first, count;           /* its streams are t->streams[first + k*stride] */
    int stride;
    int no_recv_wait;           /* the transport cannot wait in its receive
                                   call (recv_wait said WEIR_E_NOTIMPL) */
};

struct workers {
    int n;
    struct worker w[];
};

/* Pacing for a stream with a rate (iperf3's rule: send while the average
 * since the start is below the target). Returns how many blocks may go now
 * (0: none; then *due_ns says when one may). Sending the whole deficit in
 * one call keeps the average on target and lets batching transports batch. */
static uint32_t pacing_allowance(const struct stream *st, uint64_t rate, uint32_t blksize,
                                 uint32_t batch_max, uint64_t since_ns, uint64_t now, uint64_t *due_ns)
{
    double allowed_bytes = (double)(now - since_ns) * (double)rate / 8e9;
    double sent = (double)st->ctr.bytes;
    if (sent <= allowed_bytes) {
        double blocks = (allowed_bytes - sent) / (double)blksize + 1.0;
        return blocks >= batch_max ? batch_max : (uint32_t)blocks;
    }
    *due_ns = since_ns + (uint64_t)(sent * 8e9 / (double)rate);
    return 0;
}

static void set_interest(struct worker *w, struct stream *st, uint32_t events)
{
    struct epoll_event ev = { .events = events, .data.u64 = (uint64_t)(st - w->t->streams) };
    epoll_ctl(w->epfd, EPOLL_CTL_MOD, st->fd, &ev);
}

/* Blocks a sending stream may still send of its -n/-k share: UINT64_MAX
 * without one, or while it waits for the omit end to start (then its base
 * is the count the main thread took there, so the stream's sent total
 * after -O is exactly the share). */
static uint64_t budget_left(struct stream *st)
{
    if (st->budget_after_omit && atomic_load_explicit(&st->omit_ended, memory_order_acquire)) {
        st->budget_base = st->at_omit.blocks;
        st->budget_after_omit = 0;
        atomic_store_explicit(&st->omit_ended, 0, memory_order_relaxed);
    }
    if (!st->budget_blocks || st->budget_after_omit)
        return UINT64_MAX;
    uint64_t sent = st->ctr.blocks - st->budget_base;
    return sent < st->budget_blocks ? st->budget_blocks - sent : 0;
}

static void stream_failed(struct worker *w, struct stream *st, int rc)
{
    st->failed_errno = errno;   /* first: what the hook's system call set */
    const char *why = host_take_error(NULL);
    snprintf(st->failed_why, sizeof st->failed_why, "%s", why ? why : "");
    atomic_store_explicit(&st->failed, rc, memory_order_release);
    epoll_ctl(w->epfd, EPOLL_CTL_DEL, st->fd, NULL);
}

/* The end-of-run drain. A server's peer stopped sending before its
 * TEST_END: read until the queue is empty (what was in flight arrives as
 * we read). A client's peer sends until that TEST_END, which goes after
 * this: read what was queued when the run ended, not what comes on -- for
 * a byte stream the bytes its socket held (SIOCINQ) plus what the
 * transport may hold itself (TLS records), else FINAL_READS calls. A
 * count of calls alone did not do for a transport reading a block per
 * call (the SDK's skeleton) under ASan. FINAL_DRAIN_MS per worker bounds
 * it all, so that a flood cannot hold the end back. */
#define FINAL_READS 64
#define FINAL_DRAIN_MS 2000
#define FINAL_HELD_BYTES (64u * 1024u)

/* The run is over: count what the receiving streams already have queued,
 * so that nothing that arrived before the end is missing from the
 * totals (workers_stop joins this thread before the last sample). */
static void count_queued(struct worker *w)
{
    const struct weir_plugin *tp = test_bulk_transport(w->t);
    int stream_bytes = (test_bulk_caps(w->t) & WEIR_CAP_RELIABLE) != 0;
    int peer_stopped = w->t->role == WEIR_ROLE_SERVER;
    uint64_t until = host_now_ns() + FINAL_DRAIN_MS * 1000000ull;
    for (int k = 0; k < w->count; k++) {
        struct stream *st = &w->t->streams[w->first + k * w->stride];
        if (st->sending || st->failed)
            continue;
        int queued = 0;
        int by_bytes = stream_bytes && ioctl(st->fd, SIOCINQ, &queued) == 0 && queued >= 0;
        uint64_t budget = (uint64_t)queued + FINAL_HELD_BYTES, got = 0;
        for (int i = 0; peer_stopped || (by_bytes ? got < budget : i < FINAL_READS); i++) {
            if (host_now_ns() >= until)
                break;
            struct weir_io io = { 0, 0 };
            int rc = transport_recv(tp, st->ctx, &st->ctr, &io);
            st->ctr.bytes += io.bytes;
            st->ctr.blocks += io.blocks;
            got += io.bytes;
            if (rc == WEIR_E_FILE)
                stream_failed(w, st, rc);   /* -F: the end of the file is lost */
            if (rc != WEIR_OK)
                break;
        }
    }
}

/* How long a receive may sleep in recv_wait before the worker looks at the
 * phase again: the bound on noticing the end of the run. */
#define RECV_WAIT_MS 10

/* A worker that owns one receiving stream, of a transport that can wait
 * in its receive call (recv_wait), spends the run there instead of in
 * epoll, as iperf3's blocking reader does: the sender's side then pays
 * less per byte (design.md: -P 1 as fast as a dedicated thread). Returns
 * when the run is over, the stream failed, or the transport cannot wait
 * (then the epoll path takes over). */
static void receive_dedicated(struct worker *w, struct stream *st)
{
    struct test *t = w->t;
    /* Out of epoll meanwhile: its callback would run for every arriving
     * segment on the sender's side, the very cost this avoids. */
    epoll_ctl(w->epfd, EPOLL_CTL_DEL, st->fd, NULL);
    while (atomic_load_explicit(&t->phase, memory_order_acquire) == PHASE_RUN) {
        if (atomic_load_explicit(&st->omit_ended, memory_order_relaxed)) {
            st->ctr.jitter_ns = 0;
            atomic_store_explicit(&st->omit_ended, 0, memory_order_relaxed);
        }
        struct weir_io io = { 0, 0 };
        int rc = transport_recv_wait(st->tp, st->ctx, &st->ctr, &io, RECV_WAIT_MS);
        if (rc == WEIR_E_NOTIMPL) {
            w->no_recv_wait = 1;
            break;
        }
        st->ctr.bytes += io.bytes;
        st->ctr.blocks += io.blocks;
        if (rc != WEIR_OK && rc != WEIR_E_AGAIN) {
            stream_failed(w, st, rc);
            return;
        }
    }
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (uint64_t)(st - t->streams) };
    epoll_ctl(w->epfd, EPOLL_CTL_ADD, st->fd, &ev);
}

static int dedicated_receiver(const struct worker *w)
{
    return w->count == 1 && !w->t->streams[w->first].sending && !w->no_recv_wait;
}

/* Where pacing counts from: the run's start (set after the workers
 * start, so read each time), or --load's own. */
static uint64_t pace_from(const struct test *t)
{
    return t->load_start_ns ? t->load_start_ns : t->running_since_ns;
}

/* One receive call on a receiving stream, in phase. */
static void receive(struct worker *w, const struct weir_plugin *tp, struct stream *st, int phase)
{
    /* After the test, late datagrams must not move the stream's sequence
     * or loss state: give them a scratch copy. */
    if (atomic_load_explicit(&st->omit_ended, memory_order_relaxed)) {
        st->ctr.jitter_ns = 0;
        atomic_store_explicit(&st->omit_ended, 0, memory_order_relaxed);
    }
    struct weir_io io = { 0, 0 };
    struct weir_counters scratch = st->ctr;
    int rc = transport_recv(tp, st->ctx, phase == PHASE_RUN ? &st->ctr : &scratch, &io);
    if (phase == PHASE_RUN && (rc == WEIR_OK || rc == WEIR_E_AGAIN)) {
        st->ctr.bytes += io.bytes;
        st->ctr.blocks += io.blocks;
    }
    if (rc != WEIR_OK && rc != WEIR_E_AGAIN)
        stream_failed(w, st, phase == PHASE_RUN ? rc : WEIR_E_STREAMCLOSE);
}

/* A transport may keep timers that only its receive call runs (QUIC: its
 * ACKs, its idle timeout). With nothing arriving, readiness never calls
 * it: during the run each receiving stream is called at least this often,
 * so that a receiver notices a peer gone silent as its sender does. */
#define RECV_SWEEP_MS 100

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct test *t = w->t;
    const struct weir_plugin *tp = test_bulk_transport(t);   /* every stream a worker moves */
    uint64_t rate = t->p.bandwidth;
    /* --load: the load paces from its own start (set before its workers
     * start), in its own blocks (the test's len is the probes'). */
    uint32_t blksize = test_is_latency(t) ? t->p.weir_latency.load_len : t->p.len;
    uint32_t bulk_caps = test_bulk_caps(t);
    uint32_t batch_max = (bulk_caps & WEIR_CAP_DATAGRAM) ? SEND_BATCH_DATAGRAM : SEND_BATCH;
    int drains = (bulk_caps & WEIR_CAP_SEND_DRAIN) != 0;
    uint32_t batch = t->p.burst ? t->p.burst : batch_max;
    struct epoll_event evs[EVENTS_PER_WAIT];
    uint64_t next_due = 0;         /* earliest paced stream due, 0 = none */
    /* Streams start with no interest at all: what arrives before this
     * worker sees RUN stays queued in the socket and is counted once the
     * run starts (iperf3 reads nothing before TEST_RUNNING either). At RUN
     * senders want writability and receivers readability; after RUN
     * senders want nothing and receivers read and discard. */
    enum { ARMED_NONE, ARMED_RUN, ARMED_AFTER } armed = ARMED_NONE;
    int receivers = 0;
    for (int k = 0; k < w->count; k++)
        receivers |= !t->streams[w->first + k * w->stride].sending;
    uint64_t next_sweep = 0;

    for (;;) {
        int phase = atomic_load_explicit(&t->phase, memory_order_acquire);
        if (phase == PHASE_STOP) {
            /* The run ends here: what already arrived counts -- also
             * when it ended before this worker ever saw RUN (a short -n
             * test whose TEST_END came at once). */
            if (armed == ARMED_RUN || (armed == ARMED_NONE && t->running_since_ns))
                count_queued(w);
            break;
        }
        if (phase == PHASE_RUN && armed == ARMED_NONE) {
            for (int k = 0; k < w->count; k++) {
                struct stream *st = &t->streams[w->first + k * w->stride];
                if (!st->failed)
                    set_interest(w, st, st->sending ? EPOLLOUT : EPOLLIN);
            }
            armed = ARMED_RUN;
            if (dedicated_receiver(w) && !t->streams[w->first].failed) {
                receive_dedicated(w, &t->streams[w->first]);
                continue;       /* STOP and after: the epoll path below */
            }
        } else if (phase > PHASE_RUN && armed != ARMED_AFTER) {
            for (int k = 0; k < w->count; k++) {
                struct stream *st = &t->streams[w->first + k * w->stride];
                if (!st->failed)
                    set_interest(w, st, st->sending ? 0 : EPOLLIN);
            }
            armed = ARMED_AFTER;
        }

        int timeout = -1;
        uint64_t now = 0;
        if (next_due) {
            now = host_now_ns();
            timeout = next_due > now ? (int)((next_due - now + 999999u) / 1000000u) : 0;
        }
        if (receivers && phase == PHASE_RUN && (timeout < 0 || timeout > RECV_SWEEP_MS))
            timeout = RECV_SWEEP_MS;
        int n = epoll_wait(w->epfd, evs, EVENTS_PER_WAIT, timeout);
        if (n < 0 && errno != EINTR)
            break;
        /* What came in while waiting belongs to the phase of now; at STOP
         * the top of the loop counts it. */
        phase = atomic_load_explicit(&t->phase, memory_order_acquire);
        if (phase == PHASE_STOP)
            continue;
        if (rate || next_due)
            now = host_now_ns();
        if (next_due && now >= next_due) {
            /* Re-arm paced streams whose time has come. */
            next_due = 0;
            for (int k = 0; k < w->count && phase == PHASE_RUN; k++) {
                struct stream *st = &t->streams[w->first + k * w->stride];
                uint64_t due = 0;
                if (!st->sending || st->failed || st->data_ended)
                    continue;
                if (pacing_allowance(st, rate, blksize, batch_max, pace_from(t), now, &due))
                    set_interest(w, st, EPOLLOUT);
                else if (!next_due || due < next_due)
                    next_due = due;
            }
        }
        for (int i = 0; i < n; i++) {
            if (evs[i].data.u64 == WAKE_TAG) {
                uint64_t v;
                if (read(w->wakefd, &v, sizeof v) < 0 && errno != EAGAIN)
                    return NULL;
                continue;
            }
            struct stream *st = &t->streams[evs[i].data.u64];
            struct weir_io io = { 0, 0 };
            int rc;
            if (st->sending) {
                if (phase != PHASE_RUN)
                    continue;
                uint64_t left = budget_left(st);
                if ((!left || atomic_load_explicit(&st->data_ended, memory_order_acquire)) && drains) {
                    /* Its share or its file is out; the transport still
                     * moves it. */
                    atomic_store_explicit(&st->data_ended, 1, memory_order_release);
                    rc = transport_send(tp, st->ctx, 0, &st->ctr, &io);
                    if (rc != WEIR_OK && rc != WEIR_E_AGAIN && rc != WEIR_E_DATAEND)
                        stream_failed(w, st, rc);
                    continue;
                }
                if (!left) {
                    atomic_store_explicit(&st->data_ended, 1, memory_order_release);
                    set_interest(w, st, 0);
                    continue;
                }
                uint32_t max = batch;
                if (left < max)
                    max = (uint32_t)left;
                if (rate) {
                    uint64_t due = 0;
                    uint32_t allow = pacing_allowance(st, rate, blksize, batch_max, pace_from(t), now, &due);
                    if (!allow) {
                        set_interest(w, st, 0);
                        if (!next_due || due < next_due)
                            next_due = due;
                        continue;
                    }
                    /* -b RATE/BURST: at least BURST blocks back to back. */
                    max = allow > t->p.burst ? allow : t->p.burst;
                    if (left < max)
                        max = (uint32_t)left;
                }
                rc = transport_send(tp, st->ctx, max, &st->ctr, &io);
                if (rc == WEIR_OK || rc == WEIR_E_AGAIN) {
                    st->ctr.bytes += io.bytes;
                    st->ctr.blocks += io.blocks;
                    if (!budget_left(st)) {
                        atomic_store_explicit(&st->data_ended, 1, memory_order_release);
                        if (!drains)
                            set_interest(w, st, 0);
                    }
                } else if (rc == WEIR_E_DATAEND) {
                    /* -F: all of the file is on its way; the stream idles,
                     * unless its transport still has to move it. */
                    st->ctr.bytes += io.bytes;
                    st->ctr.blocks += io.blocks;
                    atomic_store_explicit(&st->data_ended, 1, memory_order_release);
                    if (!drains)
                        set_interest(w, st, 0);
                } else {
                    stream_failed(w, st, rc);
                }
            } else {
                receive(w, tp, st, phase);
            }
        }
        if (receivers && phase == PHASE_RUN) {
            now = host_now_ns();
            if (now >= next_sweep) {
                next_sweep = now + RECV_SWEEP_MS * 1000000ull;
                for (int k = 0; k < w->count; k++) {
                    struct stream *st = &t->streams[w->first + k * w->stride];
                    if (!st->sending && !st->failed)
                        receive(w, tp, st, phase);
                }
            }
        }
    }
    return NULL;
}

int workers_start(struct test *t, int n)
{
    if (n <= 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        n = cpus > 0 ? (int)cpus : 1;
    }
    int from = t->workers_from;     /* --load: the streams before are probes */
    int streams = t->n_streams - from;
    if (n > streams)
        n = streams;
    if (n < 1)
        n = 1;
    struct workers *ws = calloc(1, sizeof *ws + (size_t)n * sizeof ws->w[0]);
    if (!ws)
        return WEIR_E_NOMEM;
    ws->n = n;
    t->workers = ws;
    for (int i = 0; i < n; i++)
        ws->w[i].epfd = ws->w[i].wakefd = -1;
    for (int i = 0; i < n; i++) {
        struct worker *w = &ws->w[i];
        w->t = t;
        w->first = from + i;
        w->stride = n;
        w->count = (streams - i + n - 1) / n;
        w->epfd = epoll_create1(EPOLL_CLOEXEC);
        w->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (w->epfd < 0 || w->wakefd < 0)
            return WEIR_E_PTHREADCREATE;
        struct epoll_event ev = { .events = EPOLLIN, .data.u64 = WAKE_TAG };
        epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->wakefd, &ev);
        for (int k = 0; k < w->count; k++) {
            struct stream *st = &t->streams[w->first + k * w->stride];
            ev.events = 0;      /* until RUN, see worker_main */
            ev.data.u64 = (uint64_t)(st - t->streams);
            epoll_ctl(w->epfd, EPOLL_CTL_ADD, st->fd, &ev);
        }
    }
    for (int i = 0; i < n; i++) {
        if (pthread_create(&ws->w[i].thread, NULL, worker_main, &ws->w[i]) != 0)
            return WEIR_E_PTHREADCREATE;
        ws->w[i].started = 1;
        /* A client's -A n,m: checked when the parameters came (server.c). */
        if (t->role == WEIR_ROLE_SERVER && t->p.server_affinity >= 0)
            (void)affinity_pin_thread(ws->w[i].thread, t->p.server_affinity);
    }
    return WEIR_OK;
}

int workers_count(const struct test *t)
{
    return t->workers ? t->workers->n : 0;
}

void workers_wake(struct test *t)
{
    if (!t->workers)
        return;
    for (int i = 0; i < t->workers->n; i++) {
        uint64_t one = 1;
        if (write(t->workers->w[i].wakefd, &one, sizeof one) < 0) {
            /* The counter is saturated only if nobody reads it: harmless. */
        }
    }
}

void workers_stop(struct test *t)
{
    struct workers *ws = t->workers;
    if (!ws)
        return;
    atomic_store_explicit(&t->phase, PHASE_STOP, memory_order_release);
    workers_wake(t);
    for (int i = 0; i < ws->n; i++) {
        struct worker *w = &ws->w[i];
        if (w->started)
            pthread_join(w->thread, NULL);
        if (w->epfd >= 0)
            close(w->epfd);
        if (w->wakefd >= 0)
            close(w->wakefd);
    }
    free(ws);
    t->workers = NULL;
}
