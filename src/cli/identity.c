/* weir's name, and iperf3's when run under it. */
#include "config.h"
#include "cli/identity.h"

#include <weir/plugin.h>

#include <string.h>
#include <sys/utsname.h>

/* The iperf3 release weir answers as under the iperf3 name: the newest one
 * whose every option, output and exit status weir covers (SCTP aside, which
 * "Optional features" leaves out). 3.19 added --mptcp, --cntl-ka and
 * --skip-rx-copy, which weir has, but also exit status 0 on SIGINT, SIGTERM
 * and SIGHUP, where weir exits 1 as iperf3 3.18 and older do. Tools key
 * features off this number (pScheduler: below 3.17 it turns some off). */
#define IPERF3_VERSION "3.18"

static int as_iperf3;

void identity_init(const char *argv0)
{
    const char *slash = argv0 ? strrchr(argv0, '/') : NULL;
    const char *base = slash ? slash + 1 : argv0;
    as_iperf3 = base != NULL && strcmp(base, "iperf3") == 0;
}

const char *identity_name(void)
{
    return as_iperf3 ? "iperf3" : "weir";
}

const char *identity_done_line(void)
{
    return as_iperf3 ? "iperf Done." : "weir Done.";
}

void identity_system_info(char *buf, size_t len)
{
    struct utsname u;
    if (uname(&u) == 0)
        snprintf(buf, len, "%s %s %s %s %s", u.sysname, u.nodename, u.release, u.version,
                 u.machine);
    else
        snprintf(buf, len, "unknown system");
}

/* iperf3's three lines, its library's version in parentheses replaced by
 * weir's. The features are iperf3's names for what weir does on every
 * Linux it builds on (-A, -L, -C, -Z, --fq-rate, --username, --bind-dev,
 * --dont-fragment, threads); weir has no SCTP. */
void identity_print_version(FILE *out)
{
    if (!as_iperf3) {
        fprintf(out, "weir %s (plugin ABI %d.%d, iperf3 protocol compatible)\n", PACKAGE_VERSION,
                WEIR_ABI_MAJOR, WEIR_ABI_MINOR);
        return;
    }
    char sys[512];
    identity_system_info(sys, sizeof sys);
    fprintf(out, "iperf %s (weir %s)\n%s\n", IPERF3_VERSION, PACKAGE_VERSION, sys);
    fprintf(out, "Optional features available: CPU affinity setting, IPv6 flow label, "
                 "TCP congestion algorithm setting, sendfile / zerocopy, socket pacing, "
                 "authentication, bind to device, support IPv4 don't fragment, POSIX threads\n");
}
