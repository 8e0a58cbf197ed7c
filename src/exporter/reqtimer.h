/* A bound on the time a client may take to send its request: from the
 * connection (or the previous answer, on a kept-alive connection) to the
 * end of its headers. libmicrohttpd's own timeout counts silence only, so
 * a client sending a byte now and then (slowloris) would hold a connection
 * for ever; past the bound the connection is shut down. Connections whose
 * request is being answered (a probe running) are not timed. */
#ifndef WEIR_EXPORTER_REQTIMER_H
#define WEIR_EXPORTER_REQTIMER_H

#include <microhttpd.h>

#define REQUEST_TIMEOUT_S 10

/* The watch thread; 0, or an errno. */
int reqtimer_start(void);
void reqtimer_stop(void);

/* MHD_OPTION_NOTIFY_CONNECTION's callback. */
void reqtimer_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                     enum MHD_ConnectionNotificationCode toe);
/* The request of conn is complete and being answered; then answered (the
 * next request's time starts). */
void reqtimer_busy(struct MHD_Connection *conn);
void reqtimer_idle(struct MHD_Connection *conn);

#endif
