/* A reporter that works until the final summary, then returns an error
 * (as one whose disk filled up would): the core must stop calling it,
 * print its error once, let the other reporters finish, and exit 1. */
#include <stdlib.h>
#include <weir/weir.h>

struct failing {
    const struct weir_host *host;
    int intervals;
};

static int rep_open(const struct weir_host *host, const char *arg,
                    const struct weir_report_format *fmt, const struct weir_sink *out, void **ctx)
{
    struct failing *f = calloc(1, sizeof *f);
    if (!f)
        return WEIR_E_NOMEM;
    f->host = host;
    *ctx = f;
    return WEIR_OK;
}

static int rep_close(void *ctx)
{
    free(ctx);
    return WEIR_OK;
}

static int rep_start(void *ctx, const struct weir_report_start *s) { return WEIR_OK; }

static int rep_interval(void *ctx, const struct weir_report_interval *iv)
{
    ((struct failing *)ctx)->intervals++;
    return WEIR_OK;
}

static int rep_end(void *ctx, const struct weir_report_end *e)
{
    struct failing *f = ctx;
    f->host->set_error(WEIR_E_LOGFILE, "cannot write the summary: No space left on device");
    return WEIR_E_LOGFILE;
}

/* Never reached once test_end failed: would abort the run if it were. */
static int rep_finish(void *ctx, const char *error) { abort(); }

static const struct weir_reporter_ops ops = {
    .struct_size = sizeof ops,
    .open = rep_open,
    .close = rep_close,
    .test_start = rep_start,
    .interval = rep_interval,
    .test_end = rep_end,
    .test_finish = rep_finish,
};

static const struct weir_plugin desc = {
    .abi_major = WEIR_ABI_MAJOR,
    .abi_minor = WEIR_ABI_MINOR,
    .struct_size = sizeof desc,
    .kind = WEIR_PLUGIN_REPORTER,
    .name = "failing",
    .description = "test reporter whose test_end reports an error",
    .reporter = &ops,
};

WEIR_PLUGIN_DEFINE(desc)
