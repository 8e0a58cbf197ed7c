/* weir: an iperf3-compatible throughput tester with plugin transports and
 * reporters. This file only wires the pieces: options, reporters, and the
 * client, server or in-process loopback pair. */
#include "client.h"
#include "compare.h"
#include "loopback.h"
#include "loader.h"
#include "options.h"
#include "report.h"
#include "server.h"
#include "session.h"

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

int main(int argc, char **argv)
{
    struct weir_settings s;
    int r = options_parse(argc, argv, &s);
    if (r != 0) {
        loader_unload_all();
        return r > 0 ? 0 : 1;
    }
    session_install_signals();
    raise_fd_limit();
    struct report_set *rs = report_open(&s, s.mode == MODE_SERVER);
    if (!rs) {
        loader_unload_all();
        return 1;
    }
    int status;
    switch (s.mode) {
    case MODE_SERVER:   status = server_run(&s, rs); break;
    case MODE_LOOPBACK: status = s.n_compare ? compare_run(&s, rs) : loopback_run(&s, rs, NULL); break;
    default:            status = s.n_compare ? compare_run(&s, rs) : client_run(&s, rs, NULL); break;
    }
    if (status == 0 && report_failed(rs))
        status = 1;
    report_close(rs);
    loader_unload_all();
    return status;
}
