#include "promfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* "DIR/.BASE.XXXXXX" for mkstemp; malloc'd. */
static char *temp_template(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    const char *base = slash ? slash + 1 : path;
    size_t n = dirlen + 1 + strlen(base) + 8;
    char *t = malloc(n);
    if (t != NULL)
        snprintf(t, n, "%.*s.%s.XXXXXX", (int)dirlen, path, base);
    return t;
}

/* Open a fresh temporary file beside path. Returns the descriptor (name
 * in *tmp, caller frees) or -1 with err filled. */
static int open_temp(const char *path, char **tmp, char *err, size_t errlen)
{
    *tmp = temp_template(path);
    if (*tmp == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int fd = mkstemp(*tmp);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create a file beside %s: %s", path, strerror(errno));
        free(*tmp);
        *tmp = NULL;
    }
    return fd;
}

int promfile_check(const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s is a directory", path);
        return -1;
    }
    char *tmp;
    int fd = open_temp(path, &tmp, err, errlen);
    if (fd < 0)
        return -1;
    close(fd);
    unlink(tmp);
    free(tmp);
    return 0;
}

int promfile_replace(const char *path, const char *text, size_t len, mode_t umask_bits,
                     char *err, size_t errlen)
{
    char *tmp;
    int fd = open_temp(path, &tmp, err, errlen);
    if (fd < 0)
        return -1;
    /* mkstemp makes 0600; the collector may run as another user. */
    int rc = fchmod(fd, 0666 & ~umask_bits);
    size_t done = 0;
    while (rc == 0 && done < len) {
        ssize_t n = write(fd, text + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            rc = -1;
        else
            done += (size_t)n;
    }
    if (rc != 0)
        snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
    if (close(fd) != 0 && rc == 0) {
        snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        rc = -1;
    }
    if (rc == 0 && rename(tmp, path) != 0) {
        snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
        rc = -1;
    }
    if (rc != 0)
        unlink(tmp);
    free(tmp);
    return rc;
}
