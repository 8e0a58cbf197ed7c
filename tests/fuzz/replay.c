/* make check's driver of a fuzz target: no libFuzzer, the normal compiler
 * (and so ASan/UBSan in an --enable-asan build). Replays every file named
 * on the command line, or in a directory named there; with no arguments,
 * the target's corpus $TESTS_DIR/fuzz/corpus/FUZZ_TARGET. Fails when a
 * directory holds no input, so a lost corpus cannot pass. */
#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            uint8_t *bigger = realloc(buf, cap *= 2);
            if (!bigger) {
                free(buf);
                buf = NULL;
            }
            buf = bigger;
        }
    }
    int bad = ferror(f) || !buf;
    fclose(f);
    if (bad) {
        free(buf);
        fprintf(stderr, "replay: %s: read failed\n", path);
        return -1;
    }
    /* Exactly len bytes, so ASan sees any read past the input. */
    uint8_t *exact = malloc(len ? len : 1);
    if (!exact) {
        free(buf);
        return -1;
    }
    memcpy(exact, buf, len);
    free(buf);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    return 0;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Returns the number of inputs replayed, or -1. */
static int replay_path(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) < 0) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(sb.st_mode))
        return replay_file(path) == 0 ? 1 : -1;
    DIR *d = opendir(path);
    if (!d) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            char **more = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof *names);
            if (!more)
                break;
            names = more;
        }
        if (!(names[n] = strdup(e->d_name)))
            break;
        n++;
    }
    closedir(d);
    /* Sorted, so a failure names the same input on every run. */
    qsort(names, n, sizeof *names, name_cmp);
    int count = 0;
    for (size_t i = 0; i < n; i++) {
        char file[4096];
        snprintf(file, sizeof file, "%s/%s", path, names[i]);
        if (count >= 0 && stat(file, &sb) == 0 && S_ISREG(sb.st_mode))
            count = replay_file(file) == 0 ? count + 1 : -1;
        free(names[i]);
    }
    free(names);
    if (count == 0)
        fprintf(stderr, "replay: %s holds no input\n", path);
    return count > 0 ? count : -1;
}

int main(int argc, char **argv)
{
    char dflt[4096];
    char *dflt_argv[] = { argv[0], dflt, NULL };
    if (argc < 2) {
        const char *dir = getenv("TESTS_DIR");
        if (!dir) {
            fprintf(stderr, "usage: %s FILE|DIR... (or set TESTS_DIR)\n", argv[0]);
            return 2;
        }
        snprintf(dflt, sizeof dflt, "%s/fuzz/corpus/%s", dir, FUZZ_TARGET);
        argv = dflt_argv;
        argc = 2;
    }
    int total = 0;
    for (int i = 1; i < argc; i++) {
        int n = replay_path(argv[i]);
        if (n < 0)
            return 1;
        total += n;
    }
    printf("%s: replayed %d inputs\n", FUZZ_TARGET, total);
    return 0;
}
