#include "exporter/exporter.h"
#include "cli/daemon.h"
#include "exporter/admit.h"
#include "exporter/current.h"
#include "exporter/http.h"
#include "exporter/modargs.h"
#include "exporter/probe.h"
#include "exporter/selfmetrics.h"
#include "exporter/xlog.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* weir's own path: the probes and the checks of the modules' options run
 * it. 0, or -1 with the error line printed. */
static int own_path(char *self, size_t len)
{
    ssize_t n = readlink("/proc/self/exe", self, len - 1);
    if (n <= 0) {
        fprintf(stderr, "weir: error - unable to find weir's own path (/proc/self/exe): %s\n",
                strerror(errno));
        return -1;
    }
    self[n] = '\0';
    return 0;
}

static struct exp_config *load(const struct settings *s, char *err, size_t errlen)
{
    /* Children's statuses are read with waitpid: a SIGCHLD ignored by
     * whoever started weir (inherited) would have them reaped unseen. */
    signal(SIGCHLD, SIG_DFL);
    return exp_config_load(s->exporter_config, (char *const *)s->exporter_allow,
                           (size_t)s->n_exporter_allow, err, errlen);
}

/* --logfile: the log is standard output and error; SIGHUP reopens it at
 * its path (logrotate moved the old one). */
static int open_log(const char *path)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0)
        return -1;
    fflush(stdout);
    fflush(stderr);
    dup2(fd, 1);
    dup2(fd, 2);
    close(fd);
    return 0;
}

static void reload(const struct settings *s)
{
    char err[1024];
    struct exp_config *c = load(s, err, sizeof err);
    if (!c) {
        xlog("reload failed, keeping the configuration in force: %s", err);
        selfmetrics_reload(0);
        return;
    }
    current_set(c);
    selfmetrics_reload(1);
    xlog("reloaded %s: modules: %zu, allow rules: %zu", s->exporter_config ? s->exporter_config : "(no file)",
         c->n_modules, c->n_allow);
    if (c->n_allow == 0)
        xlog("no allow rule: every probe is refused (403)");
}

static void say_config(const struct exp_config *c)
{
    xlog("modules: %zu, allow rules: %zu, probes at once: %d (waiting up to %g s), "
         "at least %g s between probes of one target", c->n_modules, c->n_allow, c->max_concurrent,
         c->queue_timeout, c->min_interval);
    if (c->n_allow == 0)
        xlog("no allow rule (--exporter-allow, or allow in the modules file): every probe is "
             "refused (403)");
}

int exporter_check(const struct settings *s)
{
    char self[PATH_MAX], err[1024];
    if (own_path(self, sizeof self) != 0)
        return 1;
    modargs_set_program(self);
    struct exp_config *c = load(s, err, sizeof err);
    if (!c) {
        fprintf(stderr, "weir: error - %s\n", err);
        return 1;
    }
    exp_config_free(c);
    return 0;
}

int exporter_run(const struct settings *s)
{
    xlog_set_debug(s->debug);
    selfmetrics_start();
    char self[PATH_MAX];
    if (own_path(self, sizeof self) != 0)
        return 1;
    /* The modules' options are checked by weir itself, run as this one. */
    modargs_set_program(self);
    char err[1024];
    struct exp_config *c = load(s, err, sizeof err);
    if (!c) {
        fprintf(stderr, "weir: error - %s\n", err);
        return 1;
    }
    current_set(c);
    /* The signals are taken by sigwait below: blocked here, so in every
     * thread started from now on. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGHUP);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    int stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (stop_fd < 0) {
        fprintf(stderr, "weir: error - unable to create an eventfd: %s\n", strerror(errno));
        current_clear();
        return 1;
    }
    probe_setup(self, stop_fd);
    char where[300];
    if (http_start(s->exporter_listen, where, sizeof where, err, sizeof err) != 0) {
        fprintf(stderr, "weir: error - %s\n", err);
        close(stop_fd);
        current_clear();
        return 1;
    }
    if (s->logfile && !s->daemon && open_log(s->logfile) != 0) {
        fprintf(stderr, "weir: error - unable to open log file: %s\n", strerror(errno));
        http_stop();
        close(stop_fd);
        current_clear();
        return 1;
    }
    /* -D: the caller may return now; the log goes to --logfile from here. */
    daemon_ready();
    xlog("listening on %s%s%s", where, s->exporter_config ? ", modules from " : "",
         s->exporter_config ? s->exporter_config : "");
    say_config(c);
    for (;;) {
        int sig;
        if (sigwait(&sigs, &sig) != 0)
            continue;
        if (sig != SIGHUP)
            break;
        if (s->logfile)
            open_log(s->logfile);
        reload(s);
    }
    xlog("stopping: ending the probes in progress");
    admit_stop();
    uint64_t one = 1;
    if (write(stop_fd, &one, sizeof one) != sizeof one) {
        /* An eventfd write fails only at its maximum count. */
    }
    http_stop();
    close(stop_fd);
    current_clear();
    xlog("stopped");
    return 0;
}
