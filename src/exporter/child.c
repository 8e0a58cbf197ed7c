#include "exporter/child.h"
#include "exporter/admit.h"

#include <stddef.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define ERR_KEEP 8192               /* the tail of standard error kept */

extern char **environ;

static atomic_int running;

int child_running(void)
{
    return atomic_load(&running);
}

/* A pidfd tells when the child exits and lets it be killed without the
 * race of a reused pid. */
static int pidfd_of(pid_t pid)
{
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

static int spawn(char *const argv[], int out_w, int err_w, pid_t *pid, char *why, size_t whylen)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&at);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out_w, 1);
    posix_spawn_file_actions_adddup2(&fa, err_w, 2);
    /* Every descriptor of ours is O_CLOEXEC; libmicrohttpd's too, but
     * nothing above 2 need reach the test in any case. */
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    /* The exporter's threads block these and it ignores SIGPIPE: the test
     * gets the defaults back. Its own process group keeps a terminal's ^C
     * for the exporter, which ends its children itself. */
    sigset_t none, dflt;
    sigemptyset(&none);
    sigemptyset(&dflt);
    sigaddset(&dflt, SIGPIPE);
    sigaddset(&dflt, SIGHUP);
    sigaddset(&dflt, SIGINT);
    sigaddset(&dflt, SIGTERM);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &dflt);
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
    int err = posix_spawn(pid, argv[0], &fa, &at, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    if (err) {
        snprintf(why, whylen, "unable to run %s: %s", argv[0], strerror(err));
        return -1;
    }
    return 0;
}

/* What the child writes on one pipe. Standard error keeps its tail: when
 * full, the older half goes. Standard output keeps its head up to max and
 * notes that there was more (the rest is read and dropped, so the child
 * never blocks on a full pipe). */
struct reader {
    int fd;
    char *buf;
    size_t len, cap, max;
    int keep_tail;
    int overflow;
};

/* Reads what is there; returns 0 at end of file, 1 otherwise. */
static int drain(struct reader *rd)
{
    for (;;) {
        if (rd->len + 1 >= rd->cap) {
            if (rd->keep_tail && rd->len > 0) {
                size_t half = rd->len / 2;
                memmove(rd->buf, rd->buf + half, rd->len - half);
                rd->len -= half;
            } else if (rd->cap < rd->max + 1) {
                size_t cap = rd->cap ? 2 * rd->cap : 4096;
                if (cap > rd->max + 1)
                    cap = rd->max + 1;
                char *grown = realloc(rd->buf, cap);
                if (!grown)
                    return 0;   /* out of memory: read no more */
                rd->buf = grown;
                rd->cap = cap;
            } else {
                char sink[4096];
                ssize_t n = read(rd->fd, sink, sizeof sink);
                if (n < 0 && errno == EINTR)
                    continue;
                if (n < 0 && errno == EAGAIN)
                    return 1;
                if (n <= 0)
                    return 0;
                rd->overflow = 1;
                continue;
            }
        }
        ssize_t n = read(rd->fd, rd->buf + rd->len, rd->cap - rd->len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return 1;
        if (n <= 0)
            return 0;
        rd->len += (size_t)n;
        rd->buf[rd->len] = '\0';
    }
}

/* "weir: error - X" (or "parameter error - X") -> X; else the last line
 * that has text. */
static void error_line(const struct reader *rd, char *out, size_t outlen)
{
    out[0] = '\0';
    if (!rd->buf)
        return;
    const char *best = NULL, *last = NULL;
    size_t best_len = 0, last_len = 0;
    for (const char *p = rd->buf; p < rd->buf + rd->len;) {
        const char *nl = memchr(p, '\n', (size_t)(rd->buf + rd->len - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(rd->buf + rd->len - p);
        const char *e = memmem(p, n, ": error - ", 10);
        const char *pe = memmem(p, n, ": parameter error - ", 20);
        if (e || pe) {
            best = e ? e + 10 : pe + 20;
            best_len = n - (size_t)(best - p);
        }
        if (n > 0) {
            last = p;
            last_len = n;
        }
        p += n + 1;
    }
    if (!best) {
        best = last;
        best_len = last_len;
    }
    if (best)
        snprintf(out, outlen, "%.*s", (int)best_len, best);
}

static int pipe_of(int fds[2], char *why, size_t whylen)
{
    if (pipe2(fds, O_CLOEXEC) != 0) {
        snprintf(why, whylen, "unable to create a pipe: %s", strerror(errno));
        return -1;
    }
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    return 0;
}

int child_run(char *const argv[], const struct child_limits *lim, struct child_result *r, char *why,
              size_t whylen)
{
    memset(r, 0, sizeof *r);
    r->exit_status = -1;
    int out[2], err[2];
    if (pipe_of(out, why, whylen) != 0)
        return -1;
    if (pipe_of(err, why, whylen) != 0) {
        close(out[0]);
        close(out[1]);
        return -1;
    }
    pid_t pid;
    int rc = spawn(argv, out[1], err[1], &pid, why, whylen);
    close(out[1]);
    close(err[1]);
    if (rc != 0) {
        close(out[0]);
        close(err[0]);
        return -1;
    }
    atomic_fetch_add(&running, 1);
    int pidfd = pidfd_of(pid);
    struct reader so = { .fd = out[0], .max = CHILD_OUT_MAX };
    struct reader se = { .fd = err[0], .max = ERR_KEEP, .keep_tail = 1 };
    double deadline = admit_now() + lim->seconds;
    int exited = 0, killed = 0;
    while (!exited) {
        struct pollfd pf[5];
        int n = 0, i_out = -1, i_err = -1, i_client = -1;
        if (so.fd >= 0)
            pf[i_out = n++] = (struct pollfd){ .fd = so.fd, .events = POLLIN };
        if (se.fd >= 0)
            pf[i_err = n++] = (struct pollfd){ .fd = se.fd, .events = POLLIN };
        if (pidfd >= 0)
            pf[n++] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
        /* The client: POLLRDHUP once it has closed its end (a GET's client
         * sends nothing more while it waits for the answer). */
        if (lim->client_fd >= 0 && !killed)
            pf[i_client = n++] = (struct pollfd){ .fd = lim->client_fd, .events = POLLRDHUP };
        int i_stop = n;
        pf[n++] = (struct pollfd){ .fd = lim->stop_fd, .events = POLLIN };
        double left = deadline - admit_now();
        int ms = killed ? 1000 : left <= 0 ? 0 : left > 1000 ? 1000000 : (int)(left * 1000) + 1;
        if (pidfd < 0 && ms > 100)
            ms = 100;           /* no pidfd: look at the child now and then */
        if (poll(pf, (nfds_t)n, ms) < 0 && errno != EINTR)
            break;
        if (i_out >= 0 && pf[i_out].revents && !drain(&so)) {
            close(so.fd);
            so.fd = -1;
        }
        if (i_err >= 0 && pf[i_err].revents && !drain(&se)) {
            close(se.fd);
            se.fd = -1;
        }
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            exited = 1;
            if (WIFEXITED(st))
                r->exit_status = WEXITSTATUS(st);
            else if (WIFSIGNALED(st))
                r->signal = WTERMSIG(st);
            break;
        }
        if (!killed && pf[i_stop].revents) {
            r->stopped = 1;
            killed = 1;
        }
        if (!killed && i_client >= 0 && pf[i_client].revents) {
            r->abandoned = 1;
            killed = 1;
        }
        if (!killed && admit_now() >= deadline) {
            r->timed_out = 1;
            killed = 1;
        }
        if (killed == 1) {
            /* Not reaped yet, so the pid is still this child's. */
            if (pidfd < 0 || syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) != 0)
                kill(pid, SIGKILL);
            killed = 2;
        }
    }
    if (!exited) {
        /* poll failed: end it the hard way. */
        kill(pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    /* What it wrote is in the pipes now; a descendant holding them open
     * cannot keep the probe waiting. */
    if (so.fd >= 0) {
        drain(&so);
        close(so.fd);
    }
    if (se.fd >= 0) {
        drain(&se);
        close(se.fd);
    }
    if (pidfd >= 0)
        close(pidfd);
    atomic_fetch_sub(&running, 1);
    error_line(&se, r->error, sizeof r->error);
    free(se.buf);
    r->out = so.buf;
    r->out_len = so.len;
    r->out_too_large = so.overflow;
    if (!r->out && (r->out = malloc(1)) != NULL)
        r->out_len = 0;
    if (r->out)
        r->out[r->out_len] = '\0';
    return 0;
}

void child_result_free(struct child_result *r)
{
    free(r->out);
    r->out = NULL;
    r->out_len = 0;
}
