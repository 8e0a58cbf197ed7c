/* Running as a service: -D (detach, tell the caller when listening) and
 * --logfile's SIGHUP (reopen it, for logrotate). The pid file (-I) is in
 * pidfile.h. */
#ifndef WEIR_DAEMON_H
#define WEIR_DAEMON_H

#include "cli/options.h"

/* -D. Makes the paths in s that are opened after start-up absolute (the
 * daemon leaves its working directory once it is listening), then forks.
 * Returns 0 in the daemon, which carries on starting the server with its
 * standard output and error going back to the caller until
 * daemon_ready(). Returns 1 in the original process, with *status set: 0
 * once the daemon said it is ready, 1 (its error text copied to stderr)
 * when it exited before that. */
int daemon_start(struct settings *s, int *status);

/* The server is listening: release the waiting caller, move to "/", and
 * point standard output and error at the log file (--logfile) or
 * /dev/null. Does nothing unless daemon_start detached this process. */
void daemon_ready(void);

/* --logfile on a server: from now on SIGHUP reopens path onto log_fd (the
 * reporters' stream) and, in a daemon, onto standard output and error,
 * instead of ending the server. A thread waits for the signal, so no
 * blocking call of the server is ever interrupted by it. Returns 0, or -1
 * (message printed) if the thread could not start. */
int daemon_reopen_log_on_hup(const char *path, int log_fd);

/* Stop that thread (before exit; no-op if it never started). */
void daemon_stop_log_reopen(void);

#endif
