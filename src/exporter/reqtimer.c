#include "exporter/reqtimer.h"
#include "exporter/admit.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/* One connection, its socket_context. */
struct watched {
    struct watched *prev, *next;
    int fd;
    struct sockaddr_storage peer;   /* to be sure fd is still this connection */
    socklen_t peer_len;
    double since;                   /* its request's time started */
    int busy;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static struct watched *head;
static pthread_t thread;
static int running, quit;

static struct watched *of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

void reqtimer_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                     enum MHD_ConnectionNotificationCode toe)
{
    (void)cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        struct watched *w = ci ? calloc(1, sizeof *w) : NULL;
        if (!w)
            return;             /* not timed: libmicrohttpd's own timeout still holds */
        w->fd = ci->connect_fd;
        w->peer_len = sizeof w->peer;
        if (getpeername(w->fd, (struct sockaddr *)&w->peer, &w->peer_len) != 0)
            w->peer_len = 0;
        w->since = admit_now();
        pthread_mutex_lock(&lock);
        w->next = head;
        if (head)
            head->prev = w;
        head = w;
        pthread_mutex_unlock(&lock);
        *socket_context = w;
        return;
    }
    struct watched *w = *socket_context;
    if (!w)
        return;
    pthread_mutex_lock(&lock);
    if (w->prev)
        w->prev->next = w->next;
    else
        head = w->next;
    if (w->next)
        w->next->prev = w->prev;
    pthread_mutex_unlock(&lock);
    free(w);
    *socket_context = NULL;
}

void reqtimer_busy(struct MHD_Connection *conn)
{
    struct watched *w = of(conn);
    if (!w)
        return;
    pthread_mutex_lock(&lock);
    w->busy = 1;
    pthread_mutex_unlock(&lock);
}

void reqtimer_idle(struct MHD_Connection *conn)
{
    struct watched *w = of(conn);
    if (!w)
        return;
    pthread_mutex_lock(&lock);
    w->busy = 0;
    w->since = admit_now();
    pthread_mutex_unlock(&lock);
}

/* fd still is the connection's socket, with the same peer. */
static int same_peer(const struct watched *w)
{
    struct sockaddr_storage now;
    socklen_t len = sizeof now;
    return w->peer_len > 0 && getpeername(w->fd, (struct sockaddr *)&now, &len) == 0 &&
           len == w->peer_len && memcmp(&now, &w->peer, len) == 0;
}

static void *watch(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    while (!quit) {
        double now = admit_now();
        for (struct watched *w = head; w; w = w->next)
            if (!w->busy && now - w->since > REQUEST_TIMEOUT_S && same_peer(w)) {
                /* libmicrohttpd sees the end of the stream and closes it. */
                shutdown(w->fd, SHUT_RDWR);
                w->busy = 1;    /* once */
            }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&wake, &lock, &ts);
    }
    pthread_mutex_unlock(&lock);
    return NULL;
}

int reqtimer_start(void)
{
    int e = pthread_create(&thread, NULL, watch, NULL);
    running = e == 0;
    return e;
}

void reqtimer_stop(void)
{
    if (!running)
        return;
    pthread_mutex_lock(&lock);
    quit = 1;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&lock);
    pthread_join(thread, NULL);
    running = 0;
}
