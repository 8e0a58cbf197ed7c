#include "exporter/admit.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

double admit_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- per-target minimum interval ---- */

#define RECENT_MAX 4096

static struct recent {
    char target[80];            /* numeric address, space, port */
    double at;
} recent[RECENT_MAX];
static size_t n_recent;
static pthread_mutex_t recent_lock = PTHREAD_MUTEX_INITIALIZER;

double admit_interval(const char *target, double min_interval)
{
    double now = admit_now(), left = 0;
    pthread_mutex_lock(&recent_lock);
    /* Entries past the interval say nothing any more: drop them. */
    size_t keep = 0, hit = RECENT_MAX;
    for (size_t i = 0; i < n_recent; i++) {
        if (now - recent[i].at >= min_interval)
            continue;
        recent[keep] = recent[i];
        if (strcmp(recent[keep].target, target) == 0)
            hit = keep;
        keep++;
    }
    n_recent = keep;
    if (hit != RECENT_MAX) {
        left = min_interval - (now - recent[hit].at);
    } else if (min_interval > 0) {
        if (n_recent == RECENT_MAX) {
            left = -1;
        } else {
            snprintf(recent[n_recent].target, sizeof recent[n_recent].target, "%s", target);
            recent[n_recent++].at = now;
        }
    }
    pthread_mutex_unlock(&recent_lock);
    return left;
}

/* ---- slots ---- */

/* A waiting probe, on its thread's stack; the queue is in arrival order. */
struct waiter {
    struct waiter *next;
};

static pthread_mutex_t slot_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t slot_changed;
static pthread_once_t slot_once = PTHREAD_ONCE_INIT;
static struct waiter *head, *tail;
static int running, waiting, stopping;

static void slot_init(void)
{
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(&slot_changed, &a);
    pthread_condattr_destroy(&a);
}

static void unlink_waiter(struct waiter *w)
{
    struct waiter **p = &head, *prev = NULL;
    while (*p && *p != w) {
        prev = *p;
        p = &(*p)->next;
    }
    if (!*p)
        return;
    *p = w->next;
    if (tail == w)
        tail = prev;
    waiting--;
}

enum slot_wait admit_slot(int max_concurrent, double timeout, double *waited)
{
    pthread_once(&slot_once, slot_init);
    double start = admit_now();
    double end = start + timeout;
    struct timespec deadline = { .tv_sec = (time_t)floor(end),
                                 .tv_nsec = (long)((end - floor(end)) * 1e9) };
    struct waiter me = { 0 };
    enum slot_wait result = SLOT_TIMEOUT;
    pthread_mutex_lock(&slot_lock);
    if (tail)
        tail->next = &me;
    else
        head = &me;
    tail = &me;
    waiting++;
    for (;;) {
        if (stopping) {
            result = SLOT_STOPPING;
            break;
        }
        if (head == &me && running < max_concurrent) {
            result = SLOT_TAKEN;
            running++;
            break;
        }
        if (pthread_cond_timedwait(&slot_changed, &slot_lock, &deadline) != 0 && admit_now() >= end)
            break;
    }
    unlink_waiter(&me);
    /* The next in line may go now, or may now be first. */
    pthread_cond_broadcast(&slot_changed);
    pthread_mutex_unlock(&slot_lock);
    *waited = admit_now() - start;
    return result;
}

void admit_slot_release(void)
{
    pthread_once(&slot_once, slot_init);
    pthread_mutex_lock(&slot_lock);
    running--;
    pthread_cond_broadcast(&slot_changed);
    pthread_mutex_unlock(&slot_lock);
}

int admit_waiting(void)
{
    pthread_mutex_lock(&slot_lock);
    int n = waiting;
    pthread_mutex_unlock(&slot_lock);
    return n;
}

void admit_stop(void)
{
    pthread_once(&slot_once, slot_init);
    pthread_mutex_lock(&slot_lock);
    stopping = 1;
    pthread_cond_broadcast(&slot_changed);
    pthread_mutex_unlock(&slot_lock);
}
