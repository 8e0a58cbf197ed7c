/* weir: an iperf3-compatible throughput tester with plugin transports and
 * reporters. This file only wires the pieces: options, reporters, and the
 * client, server or in-process loopback pair. */
#include "client.h"
#include "daemon.h"
#include "loader.h"
#include "netutil.h"
#include "options.h"
#include "pidfile.h"
#include "report.h"
#include "server.h"
#include "session.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

struct loopback_server {
    struct weir_settings s;
    struct report_set *rs;
    int fd;
    uint16_t port;
};

static void *loopback_server_main(void *arg)
{
    struct loopback_server *ls = arg;
    server_serve(&ls->s, ls->rs, ls->fd, ls->port);
    return NULL;
}

/* --loopback: a silent one-off server on an ephemeral 127.0.0.1 port in
 * this process, and the client against it. */
static int run_loopback(struct weir_settings *s, struct report_set *rs)
{
    struct loopback_server ls;
    ls.s = *s;
    ls.s.mode = MODE_SERVER;
    ls.s.one_off = 1;
    ls.s.n_reporters = 0;
    ls.s.bind_host = "127.0.0.1";
    ls.rs = report_open(&ls.s, 1);
    if (!ls.rs)
        return 1;
    ls.fd = net_listen("127.0.0.1", 0, AF_INET, &ls.port);
    if (ls.fd < 0) {
        fprintf(stderr, "weir: error - unable to start listener for connections: %s\n", strerror(errno));
        report_close(ls.rs);
        return 1;
    }
    ls.s.port = ls.port;
    s->host = "127.0.0.1";
    s->port = ls.port;
    s->family = AF_INET;

    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    pthread_t th;
    int err = pthread_create(&th, NULL, loopback_server_main, &ls);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (err) {
        fprintf(stderr, "weir: error - unable to create thread: %s\n", strerror(err));
        close(ls.fd);
        report_close(ls.rs);
        return 1;
    }
    int status = client_run(s, rs);
    /* The server thread ends after its one test; if the client never got
     * through, wake it with a connection that it will find malformed. */
    if (pthread_tryjoin_np(th, NULL) != 0) {
        int gai;
        int fd = net_connect("127.0.0.1", ls.port, AF_INET, NULL, 1000, &gai);
        if (fd >= 0)
            close(fd);
        pthread_join(th, NULL);
    }
    close(ls.fd);
    report_close(ls.rs);
    return status;
}

/* Thousands of streams need more descriptors than the usual soft limit. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* Reporters, then the client, server or loopback pair. */
static int run(struct weir_settings *s)
{
    raise_fd_limit();
    struct report_set *rs = report_open(s, s->mode == MODE_SERVER);
    if (!rs)
        return 1;
    /* A server's log file is reopened on SIGHUP (logrotate). */
    if (s->mode == MODE_SERVER && s->logfile && daemon_reopen_log_on_hup(s->logfile, report_log_fd(rs)) != 0) {
        report_close(rs);
        return 1;
    }
    int status;
    switch (s->mode) {
    case MODE_SERVER:   status = server_run(s, rs); break;
    case MODE_LOOPBACK: status = run_loopback(s, rs); break;
    default:            status = client_run(s, rs); break;
    }
    daemon_stop_log_reopen();
    report_close(rs);
    return status;
}

int main(int argc, char **argv)
{
    struct weir_settings s;
    int r = options_parse(argc, argv, &s);
    if (r != 0) {
        loader_unload_all();
        return r > 0 ? 0 : 1;
    }
    int status = 1;
    /* -D: the original process returns here once the daemon listens. */
    if (s.daemon && daemon_start(&s, &status)) {
        loader_unload_all();
        return status;
    }
    session_install_signals();
    status = 1;
    if (!s.pidfile || pidfile_claim(s.pidfile) == 0) {
        status = run(&s);
        pidfile_release();
    }
    loader_unload_all();
    return status;
}
