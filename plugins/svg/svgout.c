#include "svgout.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Create a new temporary file beside path ("PATH.PID.N.tmp", mode 0666
 * less the umask, as the final file would get). Returns its descriptor and
 * name, or -1 with errno set. */
static int create_temp(const char *path, char *name, size_t len)
{
    static unsigned counter;
    for (int attempt = 0; attempt < 100; attempt++) {
        int n = snprintf(name, len, "%s.%ld.%u.tmp", path, (long)getpid(), counter++);
        if (n < 0 || (size_t)n >= len) {
            errno = ENAMETOOLONG;
            return -1;
        }
        int fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    return -1;
}

int svg_out_open(struct svg_out *o, const struct weir_host *host, const char *path,
                 const struct weir_sink *sink)
{
    o->host = host;
    o->sink = *sink;
    o->path = NULL;
    if (path == NULL || *path == '\0')
        return WEIR_OK;
    /* The chart is written when the test ends; find out now, while the
     * user is still there, whether it can be. */
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        host->set_error(WEIR_E_LOGFILE, "svg reporter: cannot open %s: %s", path, strerror(EISDIR));
        return WEIR_E_LOGFILE;
    }
    char temp[4096];
    int fd = create_temp(path, temp, sizeof temp);
    if (fd < 0) {
        host->set_error(WEIR_E_LOGFILE, "svg reporter: cannot open %s: %s", path, strerror(errno));
        return WEIR_E_LOGFILE;
    }
    close(fd);
    unlink(temp);
    o->path = strdup(path);
    if (o->path == NULL) {
        host->set_error(WEIR_E_NOMEM, "svg reporter: out of memory");
        return WEIR_E_NOMEM;
    }
    return WEIR_OK;
}

static int write_all(int fd, const char *text, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, text, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        text += n;
        len -= (size_t)n;
    }
    return 0;
}

static int cannot_write(const struct svg_out *o, int err)
{
    o->host->set_error(WEIR_E_LOGFILE, "svg reporter: cannot write %s: %s", o->path, strerror(err));
    return WEIR_E_LOGFILE;
}

int svg_out_write(struct svg_out *o, const char *text, size_t len)
{
    if (o->path == NULL) {
        o->sink.write(o->sink.ctx, WEIR_OUT, text, len);
        return WEIR_OK;
    }
    char temp[4096];
    int fd = create_temp(o->path, temp, sizeof temp);
    if (fd < 0)
        return cannot_write(o, errno);
    int failed = write_all(fd, text, len) != 0;
    int saved = errno;
    if (close(fd) != 0 && !failed) {
        failed = 1;
        saved = errno;
    }
    if (!failed && rename(temp, o->path) != 0) {
        failed = 1;
        saved = errno;
    }
    if (failed) {
        unlink(temp);
        return cannot_write(o, saved);
    }
    return WEIR_OK;
}

void svg_out_close(struct svg_out *o)
{
    free(o->path);
    o->path = NULL;
}
