#include "cli/pidfile.h"
#include "cli/identity.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int held_fd = -1;
static const char *held_path;

static int same_file(int fd, const char *path)
{
    struct stat a, b;
    return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static int write_pid(int fd)
{
    char buf[32];
    int len = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
    return ftruncate(fd, 0) == 0 && pwrite(fd, buf, (size_t)len, 0) == len ? 0 : -1;
}

int pidfile_claim(const char *path)
{
    /* A holder that is exiting unlinks the file and then drops the lock:
     * had we opened it just before, we would now hold a lock on a file
     * no longer at path. Then start again with whatever path names now. */
    for (int attempt = 0; attempt < 10; attempt++) {
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) {
            fprintf(stderr, "%s: error - unable to open pid file %s: %s\n", identity_name(), path, strerror(errno));
            return -1;
        }
        struct flock lk = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
        if (fcntl(fd, F_SETLK, &lk) != 0) {
            int err = errno;
            struct flock who = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
            if ((err == EACCES || err == EAGAIN) && fcntl(fd, F_GETLK, &who) == 0 && who.l_type != F_UNLCK)
                fprintf(stderr, "%s: error - another %s (pid %ld) holds the pid file %s\n", identity_name(),
                        identity_name(), (long)who.l_pid, path);
            else if (err == EACCES || err == EAGAIN)
                fprintf(stderr, "%s: error - another %s holds the pid file %s\n", identity_name(), identity_name(),
                        path);
            else
                fprintf(stderr, "%s: error - unable to lock pid file %s: %s\n", identity_name(), path, strerror(err));
            close(fd);
            return -1;
        }
        if (!same_file(fd, path)) {
            close(fd);
            continue;
        }
        if (write_pid(fd) != 0) {
            fprintf(stderr, "%s: error - unable to write pid file %s: %s\n", identity_name(), path, strerror(errno));
            unlink(path);
            close(fd);
            return -1;
        }
        held_fd = fd;
        held_path = path;
        return 0;
    }
    fprintf(stderr, "%s: error - pid file %s keeps being replaced\n", identity_name(), path);
    return -1;
}

void pidfile_release(void)
{
    if (held_fd < 0)
        return;
    /* Only our own file: never one someone put in its place. */
    if (same_file(held_fd, held_path))
        unlink(held_path);
    close(held_fd);
    held_fd = -1;
}
