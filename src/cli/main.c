/* weir: an iperf3-compatible throughput tester with plugin transports and
 * reporters. This file only wires the pieces: options, reporters, and the
 * client, server or in-process loopback pair. */
#include "config.h"
#include "roles/client.h"
#include "roles/compare.h"
#include "cli/daemon.h"
#include "cli/identity.h"
#include "roles/loopback.h"
#include "host/loader.h"
#include "cli/options.h"
#include "cli/pidfile.h"
#include "host/report.h"
#include "roles/server.h"
#include "run/session.h"
#ifdef WEIR_EXPORTER
#include "exporter/exporter.h"
#endif

#include <stdio.h>
#include <sys/resource.h>

/* Thousands of streams need more descriptors than the usual soft limit. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* weir --exporter, when this build has it (configure --without-exporter
 * leaves libmicrohttpd out). */
static int run_exporter(struct settings *s)
{
#ifdef WEIR_EXPORTER
    return exporter_run(s);
#else
    (void)s;
    fprintf(stderr, "%s: error - this weir was built without --exporter (configure "
            "--without-exporter)\n", identity_name());
    return 1;
#endif
}

/* --dry-run: the options were good; an exporter's modules file too? */
static int check_exporter(struct settings *s)
{
#ifdef WEIR_EXPORTER
    return exporter_check(s);
#else
    return run_exporter(s);
#endif
}

/* Reporters, then the client, server or loopback pair; or the exporter,
 * which reports through its HTTP answers and its log. */
static int run(struct settings *s)
{
    raise_fd_limit();
    if (s->mode == MODE_EXPORTER)
        return run_exporter(s);
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
    case MODE_LOOPBACK: status = s->n_compare ? compare_run(s, rs) : loopback_run(s, rs, NULL); break;
    default:            status = s->n_compare ? compare_run(s, rs) : client_run(s, rs, NULL); break;
    }
    daemon_stop_log_reopen();
    /* A reporter that failed: the others presented the results, and the
     * exit status says that one did not. */
    if (report_close(rs) && status == 0)
        status = 1;
    return status;
}

int main(int argc, char **argv)
{
    identity_init(argv[0]);
    struct settings s;
    int r = options_parse(argc, argv, &s);
    if (r != 0) {
        loader_unload_all();
        return r > 0 ? 0 : 1;
    }
    if (s.dry_run) {
        int ok = s.mode != MODE_EXPORTER || check_exporter(&s) == 0;
        loader_unload_all();
        return ok ? 0 : 1;
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
