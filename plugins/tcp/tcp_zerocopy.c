/* tcp transport: -Z (iperf3's --zerocopy). The block lives in a memory
 * file and goes out with sendfile(), which hands the kernel references to
 * its pages instead of copying them into the socket buffer. */
#include "tcp_int.h"

#include <errno.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <unistd.h>

int tcp_payload_file(const unsigned char *buf, uint32_t len)
{
    int fd = memfd_create("weir-payload", MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    uint32_t done = 0;
    while (done < len) {
        ssize_t n = pwrite(fd, buf + done, len - done, done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int e = n < 0 ? errno : EIO;
            close(fd);
            errno = e;
            return -1;
        }
        done += (uint32_t)n;
    }
    return fd;
}

ssize_t tcp_send_from_file(int sock, int file, uint32_t offset, uint32_t len)
{
    off_t off = offset;
    /* The socket is non-blocking, so sendfile returns EAGAIN when full, as
     * send does; SIGPIPE is ignored process-wide (the core), so a closed
     * peer gives EPIPE. */
    return sendfile(sock, file, &off, len);
}
