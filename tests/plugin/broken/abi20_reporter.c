/* Not broken: a reporter as one built against ABI 2.0 is. It declares
 * minor 0 and reads only 2.0's fields (none of the structs a reporter
 * builds changed in 2.1), so a weir of a later minor must load it and feed
 * it -- also a test whose snapshots carry 2.1's latency figures after the
 * fields it knows. It writes one line per hook to the file named by its
 * ARG: "start N" (streams), "interval BYTES" (the sum), "end BYTES SIZE"
 * (the bytes sent, and whether the end snapshot is at least as large as
 * 2.0's), "finish ok|ERROR". */
#include <stdio.h>
#include <stdlib.h>
#include <weir/weir.h>

/* weir_report_end as 2.0 ended it: through diskfiles. */
#define END_SIZE_2_0 (offsetof(struct weir_report_end, diskfiles) + sizeof(void *))

static int rep_open(const struct weir_host *host, const char *arg,
                    const struct weir_report_format *fmt, const struct weir_sink *out, void **ctx)
{
    (void)fmt;
    (void)out;
    FILE *f = arg ? fopen(arg, "w") : NULL;
    if (!f) {
        host->set_error(WEIR_E_LOGFILE, "abi20_reporter needs a file to write: abi20_reporter.so:FILE");
        return WEIR_E_LOGFILE;
    }
    *ctx = f;
    return WEIR_OK;
}

static int rep_close(void *ctx)
{
    return fclose(ctx) == 0 ? WEIR_OK : WEIR_E_LOGFILE;
}

static int rep_start(void *ctx, const struct weir_report_start *s)
{
    fprintf(ctx, "start %zu\n", s->n_streams);
    return WEIR_OK;
}

static int rep_interval(void *ctx, const struct weir_report_interval *iv)
{
    fprintf(ctx, "interval %llu\n", (unsigned long long)iv->sum.bytes);
    return WEIR_OK;
}

static int rep_end(void *ctx, const struct weir_report_end *e)
{
    fprintf(ctx, "end %llu %s\n", (unsigned long long)e->sum_sent.bytes,
            e->struct_size >= END_SIZE_2_0 ? "size-ok" : "size-short");
    return WEIR_OK;
}

static int rep_finish(void *ctx, const char *error)
{
    fprintf(ctx, "finish %s\n", error ? error : "ok");
    return WEIR_OK;
}

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
    .abi_major = 2,
    .abi_minor = 0,
    .struct_size = sizeof desc,
    .kind = WEIR_PLUGIN_REPORTER,
    .name = "abi20_reporter",
    .description = "test reporter built as against plugin ABI 2.0",
    .reporter = &ops,
};

WEIR_PLUGIN_DEFINE(desc)
