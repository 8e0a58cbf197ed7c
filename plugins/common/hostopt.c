#include "hostopt.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "hostcall.h"

int hostopt_value(const struct weir_host *host, const char *name, const char **out)
{
    const char *v = weir_param_string(host, NULL, name, NULL);
    *out = v;
    if (v && !*v)
        return hostcall_fail(host, WEIR_E_USAGE, "--%s needs a value", name);
    return WEIR_OK;
}

int hostopt_file(const struct weir_host *host, const char *name, const char **out)
{
    int rc = hostopt_value(host, name, out);
    /* Checked now so that a typo is a usage error at start, not a failed
     * handshake at the first stream. */
    if (rc == WEIR_OK && *out && access(*out, R_OK) != 0)
        rc = hostcall_fail(host, WEIR_E_USAGE, "--%s %s: %s", name, *out, strerror(errno));
    return rc;
}
