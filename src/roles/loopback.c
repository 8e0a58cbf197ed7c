#include "roles/loopback.h"
#include "cli/identity.h"
#include "proto/netutil.h"
#include "roles/server.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct loopback_server {
    struct settings s;
    struct report_set *rs;
    int fd;
    uint16_t port;
    int stop[2];                /* a byte here ends the server */
};

static void *loopback_server_main(void *arg)
{
    struct loopback_server *ls = arg;
    server_serve(&ls->s, ls->rs, ls->fd, ls->port, ls->stop[0]);
    return NULL;
}

/* --loopback: a silent one-off server on an ephemeral 127.0.0.1 port in
 * this process, and the client against it. */
int loopback_run(struct settings *s, struct report_set *rs, struct client_outcome *out)
{
    struct loopback_server ls;
    ls.s = *s;
    ls.s.mode = MODE_SERVER;
    ls.s.one_off = 1;
    ls.s.n_reporters = 0;
    ls.s.file = NULL;           /* -F is the client's file */
    ls.s.bind_host = "127.0.0.1";
    ls.rs = report_open(&ls.s, 1);
    if (!ls.rs)
        return 1;
    ls.fd = net_listen("127.0.0.1", 0, AF_INET, s->mptcp, &ls.port);
    if (ls.fd < 0 || pipe2(ls.stop, O_CLOEXEC) < 0) {
        fprintf(stderr, "%s: error - unable to start listener for connections: %s\n", identity_name(), strerror(errno));
        if (ls.fd >= 0)
            close(ls.fd);
        report_close(ls.rs);
        return 1;
    }
    ls.s.port = ls.port;
    s->host = "127.0.0.1";
    s->port = ls.port;
    s->family = AF_INET;
    s->latency_same_host = 1;   /* --latency: one clock at both ends */

    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    pthread_t th;
    int err = pthread_create(&th, NULL, loopback_server_main, &ls);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (err) {
        fprintf(stderr, "%s: error - unable to create thread: %s\n", identity_name(), strerror(err));
        close(ls.stop[0]);
        close(ls.stop[1]);
        close(ls.fd);
        report_close(ls.rs);
        return 1;
    }
    int status = client_run(s, rs, out);
    /* The server thread ends after its one test; if the client never got
     * through, tell it to stop. */
    if (pthread_tryjoin_np(th, NULL) != 0) {
        char b = 1;
        if (write(ls.stop[1], &b, 1) < 0) {
            /* cannot happen with an empty pipe */
        }
        pthread_join(th, NULL);
    }
    close(ls.stop[0]);
    close(ls.stop[1]);
    close(ls.fd);
    report_close(ls.rs);
    return status;
}
