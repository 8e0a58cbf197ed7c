/* Driving a reporter plugin through the mock host, shared by the reporter
 * tests: one open instance writing into a mock sink, the calls every test
 * makes the same way, and reading back what the reporter wrote. */
#ifndef WEIR_TEST_REPORTER_FIXTURE_H
#define WEIR_TEST_REPORTER_FIXTURE_H

#include <stddef.h>

#include "mockhost.h"

struct reporter_run {
    const struct weir_reporter_ops *ops;
    void *ctx;
    struct mock_sink sink;
    int role;                   /* f->role at open */
};

/* Opens p's reporter with format f and argument arg (NULL: none), writing
 * into a fresh sink. Returns the open hook's code; on failure only the
 * sink needs mock_sink_free. */
int reporter_open(struct reporter_run *r, const struct weir_plugin *p,
                  const struct weir_report_format *f, const char *arg);
/* Closes the instance and frees the sink. */
void reporter_close(struct reporter_run *r);
/* What was written to stdout so far ("" for nothing). */
const char *reporter_out(const struct reporter_run *r);

/* One interval of n per-stream samples and their sum. */
void reporter_interval(struct reporter_run *r, const struct weir_report_sample *st, size_t n,
                       struct weir_report_sample sum);
/* A stream's end numbers; snd or rcv NULL when that side has none. */
struct weir_report_end_stream report_end_stream(int id, int socket, int sending,
                                                const struct weir_report_sample *snd,
                                                const struct weir_report_sample *rcv);

/* Makes the directory dir (a mkdtemp template, filled in; the test stops
 * if it cannot be made) and writes dir/base into path. */
void temp_dir_and_path(char *dir, const char *base, char *path, size_t len);
/* Occurrences of needle in hay (0 for a NULL hay). */
int count_of(const char *hay, const char *needle);
/* A file's text (up to 64 KiB), malloc'd; NULL if it cannot be read. */
char *slurp(const char *path);
/* Entries of dir other than . and .. (hidden temporaries count); -1 if it
 * cannot be read. */
int dir_entries(const char *dir);

#endif
