#include "reporter_fixture.h"

#include <CUnit/CUnit.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int reporter_open(struct reporter_run *r, const struct weir_plugin *p,
                  const struct weir_report_format *f, const char *arg)
{
    mock_sink_init(&r->sink);
    r->ops = p->reporter;
    r->ctx = NULL;
    r->role = f->role;
    return r->ops->open(mock_host(), arg, f, &r->sink.sink, &r->ctx);
}

void reporter_close(struct reporter_run *r)
{
    CU_ASSERT_EQUAL(r->ops->close(r->ctx), WEIR_OK);
    mock_sink_free(&r->sink);
}

const char *reporter_out(const struct reporter_run *r)
{
    return r->sink.out ? r->sink.out : "";
}

void reporter_interval(struct reporter_run *r, const struct weir_report_sample *st, size_t n,
                       struct weir_report_sample sum)
{
    struct weir_report_interval iv = {
        .struct_size = sizeof iv, .n_streams = n, .streams = st, .sum = sum,
    };
    CU_ASSERT_EQUAL(r->ops->interval(r->ctx, &iv), WEIR_OK);
}

struct weir_report_end_stream report_end_stream(int id, int socket, int sending,
                                                const struct weir_report_sample *snd,
                                                const struct weir_report_sample *rcv)
{
    struct weir_report_end_stream e = { .id = id, .socket = socket, .sending = sending };
    if (snd != NULL) {
        e.has_sender = 1;
        e.sender = *snd;
    }
    if (rcv != NULL) {
        e.has_receiver = 1;
        e.receiver = *rcv;
    }
    return e;
}

void temp_dir_and_path(char *dir, const char *base, char *path, size_t len)
{
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    snprintf(path, len, "%s/%s", dir, base);
}

int count_of(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay ? strstr(hay, needle) : NULL; p != NULL; p = strstr(p + 1, needle))
        n++;
    return n;
}

char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = calloc(1, 1 << 16);
    size_t n = buf ? fread(buf, 1, (1 << 16) - 1, f) : 0;
    (void)n;                    /* calloc'd: the text ends where the read did */
    fclose(f);
    return buf;
}

int dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    if (d == NULL)
        return -1;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}
