#include "run/diskfile.h"
#include "host/host.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void file_error(const char *what)
{
    host_services()->set_error(WEIR_E_FILE, "%s: %s", what, strerror(errno));
}

/* How long a write may wait for a pipe's reader to take data. */
#define DISKFILE_WAIT_MS 10000

static long diskfile_fill(void *ctx, void *buf, size_t len)
{
    struct diskfile *f = ctx;
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(f->fd, (char *)buf + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && got > 0)
            break;
        if (n < 0) {
            file_error("read");     /* EAGAIN: a device with nothing to give */
            return -1;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (long)got;
}

static int diskfile_consume(void *ctx, const void *buf, size_t len)
{
    struct diskfile *f = ctx;
    size_t done = 0;
    while (done < len) {
        ssize_t n = f->seekable ? pwrite(f->fd, (const char *)buf + done, len - done, (off_t)(f->offset + done))
                                : write(f->fd, (const char *)buf + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd p = { .fd = f->fd, .events = POLLOUT };
            int r = poll(&p, 1, DISKFILE_WAIT_MS);
            if (r > 0 || (r < 0 && errno == EINTR))
                continue;
            if (r == 0) {
                errno = ETIMEDOUT;
                host_services()->set_error(WEIR_E_FILE, "write: the reader took nothing for %d s",
                                           DISKFILE_WAIT_MS / 1000);
                return -1;
            }
        }
        if (n <= 0) {
            if (n == 0)
                errno = ENOSPC;
            file_error("write");
            return -1;
        }
        done += (size_t)n;
    }
    f->offset += len;
    return 0;
}

static struct diskfile *open_failed(struct diskfile *f, int err, const char *what, char *why, size_t whylen)
{
    if (f->fd >= 0)
        close(f->fd);
    free(f);
    snprintf(why, whylen, "%s", what ? what : strerror(err));
    errno = err;
    return NULL;
}

struct diskfile *diskfile_open(const char *path, int sending, char *why, size_t whylen)
{
    struct diskfile *f = calloc(1, sizeof *f);
    if (!f) {
        snprintf(why, whylen, "%s", strerror(ENOMEM));
        return NULL;
    }
    /* O_NONBLOCK: opening a pipe waits for its other end otherwise. */
    f->fd = sending ? open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
                    : open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NONBLOCK, S_IRUSR | S_IWUSR);
    if (f->fd < 0)
        return open_failed(f, errno, NULL, why, whylen);
    struct stat st;
    if (fstat(f->fd, &st) < 0)
        return open_failed(f, errno, NULL, why, whylen);
    if (sending && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
        return open_failed(f, EINVAL, "a pipe or socket cannot be sent (a file or a device can)", why, whylen);
    /* O_NONBLOCK stays: files ignore it; a device or pipe must not block. */
    f->seekable = S_ISREG(st.st_mode) || S_ISBLK(st.st_mode);
    f->payload.ctx = f;
    f->payload.fill = diskfile_fill;
    f->payload.consume = diskfile_consume;
    return f;
}

void diskfile_close(struct diskfile *f)
{
    if (!f)
        return;
    close(f->fd);
    free(f);
}

uint64_t diskfile_size(const struct diskfile *f)
{
    struct stat st;
    return f && fstat(f->fd, &st) == 0 && st.st_size > 0 ? (uint64_t)st.st_size : 0;
}

int diskfile_percent(uint64_t bytes, uint64_t size)
{
    /* A file that shrank under us must not overflow the int. */
    double p = size ? (double)bytes / (double)size * 100.0 : 100.0;
    return p >= (double)INT_MAX ? INT_MAX : (int)p;
}
