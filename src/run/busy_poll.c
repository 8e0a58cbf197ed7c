#include "run/busy_poll.h"
#include "run/test.h"

#include <errno.h>
#include <sys/socket.h>

void busy_poll_apply(struct test *t)
{
    t->busy_poll_us = 0;
    t->busy_poll_errno = 0;
#ifdef SO_BUSY_POLL
    for (int i = 0; i < t->n_streams; i++) {
        int fd = t->streams[i].fd, want = BUSY_POLL_US, got = 0;
        socklen_t len = sizeof got;
        if (setsockopt(fd, SOL_SOCKET, SO_BUSY_POLL, &want, sizeof want) != 0 ||
            getsockopt(fd, SOL_SOCKET, SO_BUSY_POLL, &got, &len) != 0) {
            t->busy_poll_errno = errno;
            t->busy_poll_us = 0;
            return;
        }
        t->busy_poll_us = (uint32_t)got;
    }
#else
    t->busy_poll_errno = ENOPROTOOPT;
#endif
}
