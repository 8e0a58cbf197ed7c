/* --busy-poll: the probe sockets' SO_BUSY_POLL, where the kernel has it
 * and lets this process set it. The spinning itself is the probe
 * engine's (run/latency_int.h: latency_wait_fd returns at once). */
#ifndef WEIR_BUSY_POLL_H
#define WEIR_BUSY_POLL_H

struct test;

/* µs a receive on an empty socket may poll the device queue for; what
 * sockperf's --lls examples use. */
#define BUSY_POLL_US 50

/* Set SO_BUSY_POLL on every stream's socket (t->streams[].fd, the kernel
 * socket under the transport: transport.h lets an upper layer set socket
 * options on it) and note in t->busy_poll_us the value the kernel then
 * reports, or in t->busy_poll_errno why it could not be set: EPERM above
 * net.core.busy_read without CAP_NET_ADMIN, ENOPROTOOPT on a kernel or
 * socket without it. */
void busy_poll_apply(struct test *t);

#endif
