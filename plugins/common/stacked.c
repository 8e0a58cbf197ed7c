#include "stacked.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hostcall.h"

/* The upper's listener: the lower's, wrapped so that the upper owns what
 * it hands the core. */
struct stacked_listener {
    void *lower;
};

int stacked_open_lower(const struct weir_host *host, const char *upper, const char *lower,
                       int (*suits)(const struct weir_transport_ops *ops), const char *unsuited,
                       const struct weir_lower **out)
{
    *out = NULL;
    if (!WEIR_HAS_FIELD(host, close_lower) || !host->open_lower || !host->close_lower)
        return hostcall_fail(host, WEIR_E_PLUGIN, "this host cannot stack transports (no open_lower)");
    int rc = host->open_lower(lower, out);
    if (rc != WEIR_OK)
        return rc;      /* the host said why */
    if (!suits((*out)->ops)) {
        host->close_lower(*out);
        *out = NULL;
        return hostcall_fail(host, WEIR_E_PLUGIN, "the %s transport (which %s runs on) %s", lower, upper, unsuited);
    }
    return WEIR_OK;
}

/* The lower stream carries the upper's bytes or packets, identified as a
 * data stream is (flags); the payload (-F) is the upper's to move. Every
 * other field (socket options, timeouts) the lower sees as given. */
static struct weir_stream_config lower_config(const struct weir_stream_config *cfg, uint32_t flags)
{
    /* Only what the core passed: an older core's struct is shorter. */
    struct weir_stream_config lc;
    size_t n = cfg->struct_size < sizeof lc ? cfg->struct_size : sizeof lc;
    memset(&lc, 0, sizeof lc);
    memcpy(&lc, cfg, n);
    lc.struct_size = sizeof lc;
    lc.payload = NULL;
    lc.lower = flags;
    return lc;
}

int stacked_client_open(const struct weir_lower *lower, uint32_t flags, const struct weir_stream_config *cfg,
                        void **lower_stream)
{
    struct weir_stream_config lc = lower_config(cfg, flags);
    return lower->ops->client_open(lower->global, &lc, lower_stream);
}

int stacked_listen(const struct weir_host *host, const struct weir_lower *lower, uint32_t flags,
                   const struct weir_stream_config *cfg, int control_fd, void **listener, int *poll_fd)
{
    struct stacked_listener *l = calloc(1, sizeof *l);
    if (!l)
        return hostcall_fail(host, WEIR_E_NOMEM, "listener");
    struct weir_stream_config lc = lower_config(cfg, flags);
    int rc = lower->ops->server_listen(lower->global, &lc, control_fd, &l->lower, poll_fd);
    if (rc != WEIR_OK) {
        free(l);
        return rc;
    }
    *listener = l;
    return WEIR_OK;
}

void stacked_unlisten(const struct weir_lower *lower, void *listener)
{
    struct stacked_listener *l = listener;
    if (!l)
        return;
    lower->ops->server_unlisten(lower->global, l->lower);
    free(l);
}

int stacked_adopt(const struct weir_lower *lower, void *listener, uint32_t flags,
                  const struct weir_stream_config *cfg, int fd, void **lower_stream)
{
    struct stacked_listener *l = listener;
    struct weir_stream_config lc = lower_config(cfg, flags);
    return lower->ops->server_adopt(lower->global, l->lower, &lc, fd, lower_stream);
}

int stacked_accept(const struct weir_lower *lower, void *listener, uint32_t flags,
                   const struct weir_stream_config *cfg, void **lower_stream)
{
    struct stacked_listener *l = listener;
    struct weir_stream_config lc = lower_config(cfg, flags);
    return lower->ops->server_accept(lower->global, l->lower, &lc, lower_stream);
}
