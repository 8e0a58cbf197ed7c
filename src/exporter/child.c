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

static int spawn(char *const argv[], int err_w, pid_t *pid, char *why, size_t whylen)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&at);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
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

/* The tail of what the child writes on its standard error: when full,
 * the older half goes. */
struct reader {
    int fd;
    char *buf;
    size_t len, cap, max;
};

/* Reads what is there; returns 0 at end of file, 1 otherwise. */
static int drain(struct reader *rd)
{
    if (!rd->buf) {
        if (!(rd->buf = malloc(rd->max + 1)))
            return 0;           /* out of memory: read no more */
        rd->cap = rd->max + 1;
    }
    for (;;) {
        if (rd->len + 1 >= rd->cap) {
            size_t half = rd->len / 2;
            memmove(rd->buf, rd->buf + half, rd->len - half);
            rd->len -= half;
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

/* "weir: error - X" -> X; else the last line that has text. */
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
        if (e) {
            best = e + 10;
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

int child_run(char *const argv[], double limit, int stop_fd, struct child_result *r,
              char *why, size_t whylen)
{
    memset(r, 0, sizeof *r);
    r->exit_status = -1;
    int err[2];
    if (pipe2(err, O_CLOEXEC) != 0) {
        snprintf(why, whylen, "unable to create a pipe: %s", strerror(errno));
        return -1;
    }
    fcntl(err[0], F_SETFL, O_NONBLOCK);
    pid_t pid;
    int rc = spawn(argv, err[1], &pid, why, whylen);
    close(err[1]);
    if (rc != 0) {
        close(err[0]);
        return -1;
    }
    atomic_fetch_add(&running, 1);
    int pidfd = pidfd_of(pid);
    struct reader se = { .fd = err[0], .max = ERR_KEEP };
    double deadline = admit_now() + limit;
    int exited = 0, killed = 0;
    while (!exited) {
        struct pollfd pf[3];
        int n = 0, i_err = -1, i_pid = -1;
        if (se.fd >= 0)
            pf[i_err = n++] = (struct pollfd){ .fd = se.fd, .events = POLLIN };
        if (pidfd >= 0)
            pf[i_pid = n++] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
        pf[n++] = (struct pollfd){ .fd = stop_fd, .events = POLLIN };
        double left = deadline - admit_now();
        int ms = killed ? 1000 : left <= 0 ? 0 : left > 1000 ? 1000000 : (int)(left * 1000) + 1;
        if (pidfd < 0 && ms > 100)
            ms = 100;           /* no pidfd: look at the child now and then */
        if (poll(pf, (nfds_t)n, ms) < 0 && errno != EINTR)
            break;
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
        (void)i_pid;
        if (!killed && pf[n - 1].revents) {
            r->stopped = 1;
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
    /* What it wrote is in the pipe now; a descendant holding the pipe open
     * cannot keep the probe waiting. */
    if (se.fd >= 0) {
        drain(&se);
        close(se.fd);
    }
    if (pidfd >= 0)
        close(pidfd);
    atomic_fetch_sub(&running, 1);
    error_line(&se, r->error, sizeof r->error);
    free(se.buf);
    return 0;
}
