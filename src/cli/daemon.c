/* -D and --logfile's SIGHUP. The steps follow daemon(7): fork, setsid,
 * fork again (a daemon that is not a session leader never gets a
 * controlling terminal), standard input from /dev/null, and an unnamed
 * pipe that tells the original process when start-up is complete. The
 * pipe is the daemon's standard output and error until then, so whatever
 * start-up error it prints reaches the caller; a NUL byte on it means
 * "listening". */
#include "cli/daemon.h"
#include "cli/identity.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host/loader.h"

/* In the daemon until daemon_ready: standard output and error are the
 * caller's pipe. */
static int waiting_caller;
/* After daemon_ready: standard output and error go to this log file. */
static const char *stdio_log;
static int stdio_on_log;

static void write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        buf += n;
        len -= (size_t)n;
    }
}

/* Storage for the absolute paths, for the life of the process. */
enum { PATH_LOG, PATH_PID, PATH_KEY, PATH_USERS, PATH_PLUGINS, PATH_EXPORTER_CONFIG, N_PATHS };
static char abs_paths[N_PATHS][PATH_MAX];

static int make_absolute(const char **path, int slot)
{
    if (!*path || (*path)[0] == '/')
        return 0;
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) {
        fprintf(stderr, "%s: error - unable to find the current directory: %s\n", identity_name(), strerror(errno));
        return -1;
    }
    if (snprintf(abs_paths[slot], PATH_MAX, "%s/%s", cwd, *path) >= PATH_MAX) {
        fprintf(stderr, "%s: error - path too long: %s/%s\n", identity_name(), cwd, *path);
        return -1;
    }
    *path = abs_paths[slot];
    return 0;
}

/* Files the server opens after it has moved to "/": the log (on SIGHUP),
 * the pid file (removed at exit), the users file (read for each test),
 * the plugin directory (a client may name a transport not yet loaded);
 * the exporter's modules file (SIGHUP reloads it). */
static int absolute_paths(struct settings *s)
{
    if (make_absolute(&s->logfile, PATH_LOG) || make_absolute(&s->pidfile, PATH_PID) ||
        make_absolute(&s->rsa_private_key, PATH_KEY) ||
        make_absolute(&s->authorized_users, PATH_USERS) ||
        make_absolute(&s->plugin_dir, PATH_PLUGINS) ||
        make_absolute(&s->exporter_config, PATH_EXPORTER_CONFIG))
        return -1;
    loader_set_plugin_dir(s->plugin_dir);
    return 0;
}

/* With --logfile the reporters' start-up error is in the log, not on the
 * pipe: show the caller what the daemon added to it. */
static int copy_log_since(const char *path, off_t from)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size < from)
        from = 0;               /* replaced meanwhile: all of it is new */
    char buf[4096];
    ssize_t n;
    size_t total = 0;
    while (total < 65536 && (n = pread(fd, buf, sizeof buf, from + (off_t)total)) > 0) {
        write_all(2, buf, (size_t)n);
        total += (size_t)n;
    }
    close(fd);
    return total > 0;
}

/* The original process: pass on what the daemon prints until it is ready
 * (NUL) or has exited (end of file without NUL). Returns the exit status. */
static int wait_for_daemon(int fd, const char *logfile, off_t log_start)
{
    char buf[4096];
    int said = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        char *nul = memchr(buf, '\0', (size_t)n);
        size_t text = nul ? (size_t)(nul - buf) : (size_t)n;
        if (text > 0) {
            write_all(2, buf, text);
            said = 1;
        }
        if (nul)
            return 0;
    }
    if (!said && logfile)
        said = copy_log_since(logfile, log_start);
    if (!said)
        fprintf(stderr, "%s: error - the server exited before it was listening\n", identity_name());
    return 1;
}

/* Descriptors the caller left open (a test harness's pipe, say) would be
 * held for the daemon's whole life: close all but 0, 1 and 2. */
static void close_inherited(void)
{
    if (close_range(3, ~0u, 0) == 0)
        return;
    long max = sysconf(_SC_OPEN_MAX);
    for (long fd = 3; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
        close((int)fd);
}

int daemon_start(struct settings *s, int *status)
{
    *status = 1;
    if (absolute_paths(s) != 0)
        return 1;
    struct stat st;
    off_t log_start = s->logfile && stat(s->logfile, &st) == 0 ? st.st_size : 0;
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) {
        fprintf(stderr, "%s: error - unable to create a pipe: %s\n", identity_name(), strerror(errno));
        return 1;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "%s: error - unable to fork: %s\n", identity_name(), strerror(errno));
        close(p[0]);
        close(p[1]);
        return 1;
    }
    if (pid > 0) {
        close(p[1]);
        /* The first child only starts a new session, forks and exits. */
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
        *status = wait_for_daemon(p[0], s->logfile, log_start);
        close(p[0]);
        return 1;
    }
    close(p[0]);
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null < 0 || dup2(null, 0) < 0 || dup2(p[1], 1) < 0 || dup2(p[1], 2) < 0)
        _exit(1);
    close(null);
    close(p[1]);
    close_inherited();
    if (setsid() < 0) {
        fprintf(stderr, "%s: error - unable to start a session: %s\n", identity_name(), strerror(errno));
        _exit(1);
    }
    pid = fork();
    if (pid < 0) {
        fprintf(stderr, "%s: error - unable to fork: %s\n", identity_name(), strerror(errno));
        _exit(1);
    }
    if (pid > 0)
        _exit(0);
    /* The umask is kept: the administrator's (or systemd's UMask=). */
    waiting_caller = 1;
    stdio_log = s->logfile;
    return 0;
}

void daemon_ready(void)
{
    if (!waiting_caller)
        return;
    waiting_caller = 0;
    fflush(stdout);
    fflush(stderr);
    int fd = -1;
    if (stdio_log)
        fd = open(stdio_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
    stdio_on_log = fd >= 0;
    if (fd < 0)
        fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (write(2, "", 1) != 1) {
        /* The caller is gone; nobody to tell. */
    }
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
    }
    /* Out of the way of unmounts; every path used later is absolute. */
    if (chdir("/") != 0) {
        /* "/" always exists. */
    }
}

/* ---- SIGHUP: reopen the log ---- */

static pthread_t hup_thread;
static int hup_running;
static atomic_int hup_quit;
static const char *hup_path;
static int hup_fd = -1;

/* logrotate moved the file away: write to a new one at the old path. The
 * descriptor numbers stay, so the reporters' stream carries on. */
static void reopen_log(void)
{
    int fd = open(hup_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0)
        return;                 /* keep writing to the old file */
    if (hup_fd >= 0)
        dup3(fd, hup_fd, O_CLOEXEC);
    if (stdio_on_log) {
        dup2(fd, 1);
        dup2(fd, 2);
    }
    close(fd);
}

static void *hup_main(void *arg)
{
    (void)arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    for (;;) {
        int sig;
        if (sigwait(&set, &sig) != 0)
            continue;
        if (atomic_load(&hup_quit))
            return NULL;
        reopen_log();
    }
}

int daemon_reopen_log_on_hup(const char *path, int log_fd)
{
    hup_path = path;
    hup_fd = log_fd;
    /* Blocked in this thread and so in every thread started later: only
     * hup_main's sigwait takes it. */
    sigset_t hup, all, old;
    sigemptyset(&hup);
    sigaddset(&hup, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &hup, NULL);
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int err = pthread_create(&hup_thread, NULL, hup_main, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (err) {
        pthread_sigmask(SIG_UNBLOCK, &hup, NULL);
        fprintf(stderr, "%s: error - unable to create thread: %s\n", identity_name(), strerror(err));
        return -1;
    }
    hup_running = 1;
    return 0;
}

void daemon_stop_log_reopen(void)
{
    if (!hup_running)
        return;
    atomic_store(&hup_quit, 1);
    pthread_kill(hup_thread, SIGHUP);
    pthread_join(hup_thread, NULL);
    hup_running = 0;
}
