#include "exporter/http.h"
#include "exporter/admit.h"
#include "exporter/current.h"
#include "exporter/probe.h"
#include "exporter/reqtimer.h"
#include "exporter/selfmetrics.h"
#include "exporter/xlog.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

/* Limits that keep slow or malformed clients from holding the exporter.
 * Prometheus scrapes every target of a job at once over connections of
 * its own, hence the generous per-address limit. A request must also
 * arrive whole within REQUEST_TIMEOUT_S (reqtimer.h). */
#define IDLE_TIMEOUT_S      15      /* a connection silent this long is closed */
#define CONNECTIONS_MAX     512
#define CONNECTIONS_PER_IP  256
#define REQUEST_MEMORY      16384   /* request line and headers: larger is 431/414 */
#define JOBS_MAX            256     /* probes answered at once; more: 503 */
#define QUERY_PARAMS_MAX    32
#define SCRAPE_TIMEOUT_HEADER "X-Prometheus-Scrape-Timeout-Seconds"

static struct MHD_Daemon *daemon_;
static pthread_mutex_t jobs_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t jobs_done = PTHREAD_COND_INITIALIZER;
static int jobs;

/* A request's state across the access handler's calls. */
struct request {
    struct MHD_Connection *conn;
    struct config_ref *ref;     /* /probe: the configuration it parsed with */
    struct probe_spec spec;
    struct probe_client client;
    int answered;               /* the job is done: answer is ready */
    struct probe_answer answer;
};

static enum MHD_Result send_answer(struct MHD_Connection *conn, struct probe_answer *a)
{
    if (!a->body) {
        a->status = 500;
        a->content_type = CT_TEXT;
    }
    struct MHD_Response *resp =
        a->body ? MHD_create_response_from_buffer(a->len, a->body, MHD_RESPMEM_MUST_FREE)
                : MHD_create_response_from_buffer(14, "out of memory\n", MHD_RESPMEM_PERSISTENT);
    if (!resp) {
        free(a->body);
        a->body = NULL;
        return MHD_NO;
    }
    a->body = NULL;             /* the response owns it */
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, a->content_type);
    if (a->retry_after > 0) {
        char secs[16];
        snprintf(secs, sizeof secs, "%d", a->retry_after);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, secs);
    }
    if (a->status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    enum MHD_Result r = MHD_queue_response(conn, (unsigned)a->status, resp);
    MHD_destroy_response(resp);
    return r;
}

static enum MHD_Result send_text(struct MHD_Connection *conn, int status, const char *text)
{
    struct probe_answer a = { .status = status, .content_type = CT_TEXT };
    a.len = strlen(text);
    a.body = malloc(a.len + 1);
    if (a.body)
        memcpy(a.body, text, a.len + 1);
    return send_answer(conn, &a);
}

/* ---- /probe ---- */

static void *probe_job(void *arg)
{
    struct request *rq = arg;
    probe_run(config_of(rq->ref), &rq->spec, &rq->client, &rq->answer);
    struct MHD_Connection *conn = rq->conn;
    rq->answered = 1;
    selfmetrics_in_flight(-1);
    /* From here on the request belongs to the server thread again. */
    MHD_resume_connection(conn);
    pthread_mutex_lock(&jobs_lock);
    if (--jobs == 0)
        pthread_cond_broadcast(&jobs_done);
    pthread_mutex_unlock(&jobs_lock);
    return NULL;
}

struct query {
    const char *keys[QUERY_PARAMS_MAX];
    const char *values[QUERY_PARAMS_MAX];
    size_t n;
    int too_many, nul;
};

static enum MHD_Result collect(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
                               const char *value, size_t value_size)
{
    (void)kind;
    struct query *q = cls;
    if (strlen(key) != key_size || (value && strlen(value) != value_size)) {
        q->nul = 1;             /* %00: the C strings would be cut short */
        return MHD_NO;
    }
    if (q->n == QUERY_PARAMS_MAX) {
        q->too_many = 1;
        return MHD_NO;
    }
    q->keys[q->n] = key;
    q->values[q->n++] = value ? value : "";
    return MHD_YES;
}

static int accepts_openmetrics(struct MHD_Connection *conn)
{
    const char *accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
    return accept && strstr(accept, "application/openmetrics-text") != NULL;
}

/* Prometheus's X-Prometheus-Scrape-Timeout-Seconds (as blackbox_exporter
 * reads it): seconds > 0, or 0 without the header; -1 when malformed. */
static double scrape_timeout(struct MHD_Connection *conn)
{
    const char *v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, SCRAPE_TIMEOUT_HEADER);
    if (!v)
        return 0;
    char *end;
    errno = 0;
    double t = strtod(v, &end);
    if (end == v || *end || errno || !isfinite(t) || t <= 0)
        return -1;
    return t;
}

static int client_socket(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    return ci ? ci->connect_fd : -1;
}

static enum MHD_Result start_probe(struct MHD_Connection *conn, struct request *rq)
{
    struct probe_answer a = { 0 };
    struct query q = { 0 };
    MHD_get_connection_values_n(conn, MHD_GET_ARGUMENT_KIND, collect, &q);
    if (q.nul || q.too_many) {
        probe_refuse(&a, 400, q.nul ? "a parameter holds a NUL byte (%%00)"
                                    : "more than %d parameters", QUERY_PARAMS_MAX);
        return send_answer(conn, &a);
    }
    rq->ref = current_get();
    const struct exp_config *c = config_of(rq->ref);
    char err[512] = "";
    int status = probe_request_parse(c, q.keys, q.values, q.n, &rq->spec, err, sizeof err);
    if (status != 0) {
        probe_refuse(&a, status, "%s", err[0] ? err : "bad request");
        return send_answer(conn, &a);
    }
    if (c->n_allow == 0) {
        probe_refuse(&a, 403, "no target is allowed: the exporter has no allow rule "
                     "(--exporter-allow, or allow in the modules file)");
        return send_answer(conn, &a);
    }
    rq->client.scrape_timeout = scrape_timeout(conn);
    if (rq->client.scrape_timeout < 0) {
        probe_refuse(&a, 400, "header %s: not a number of seconds above 0", SCRAPE_TIMEOUT_HEADER);
        return send_answer(conn, &a);
    }
    rq->client.openmetrics = accepts_openmetrics(conn);
    /* A suspended connection is not polled by libmicrohttpd, so it would
     * not see the client leave: the probe's thread watches the socket. */
    rq->client.client_fd = client_socket(conn);
    rq->conn = conn;
    pthread_mutex_lock(&jobs_lock);
    int room = jobs < JOBS_MAX;
    if (room)
        jobs++;
    pthread_mutex_unlock(&jobs_lock);
    if (!room) {
        probe_refuse(&a, 503, "too many probes in progress (%d)", JOBS_MAX);
        return send_answer(conn, &a);
    }
    selfmetrics_in_flight(1);
    MHD_suspend_connection(conn);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t t;
    int e = pthread_create(&t, &attr, probe_job, rq);
    pthread_attr_destroy(&attr);
    if (e == 0)
        return MHD_YES;
    MHD_resume_connection(conn);
    selfmetrics_in_flight(-1);
    pthread_mutex_lock(&jobs_lock);
    if (--jobs == 0)
        pthread_cond_broadcast(&jobs_done);
    pthread_mutex_unlock(&jobs_lock);
    probe_refuse(&a, 503, "unable to start a probe: %s", strerror(e));
    return send_answer(conn, &a);
}

/* ---- routing ---- */

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **con_cls)
{
    (void)cls, (void)version, (void)upload_data;
    struct request *rq = *con_cls;
    if (!rq) {
        /* First call, headers read. */
        reqtimer_busy(conn);
        if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
            return send_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n");
        const char *length = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                         MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING) ||
            (length && strcmp(length, "0") != 0))
            return send_text(conn, MHD_HTTP_BAD_REQUEST, "a GET request has no body\n");
        if (strcmp(url, "/-/healthy") == 0)
            return send_text(conn, MHD_HTTP_OK, "OK\n");
        if (strcmp(url, "/metrics") == 0) {
            struct probe_answer a = { .status = 200, .content_type = CT_PROMETHEUS };
            a.body = selfmetrics_render(&a.len);
            return send_answer(conn, &a);
        }
        if (strcmp(url, "/probe") != 0)
            return send_text(conn, MHD_HTTP_NOT_FOUND,
                             "not found: the exporter serves /probe, /metrics and /-/healthy\n");
        if (!(rq = calloc(1, sizeof *rq)))
            return MHD_NO;
        rq->client.arrived = admit_now();
        *con_cls = rq;
        return MHD_YES;
    }
    if (*upload_data_size) {
        *upload_data_size = 0;  /* not reached: a body was refused above */
        return MHD_YES;
    }
    if (rq->answered)
        return send_answer(conn, &rq->answer);
    if (rq->conn)
        return MHD_YES;         /* resumed before the answer: not expected */
    return start_probe(conn, rq);
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                      enum MHD_RequestTerminationCode why)
{
    (void)cls, (void)why;
    reqtimer_idle(conn);
    struct request *rq = *con_cls;
    if (!rq)
        return;
    if (rq->ref)
        current_put(rq->ref);
    free(rq->answer.body);
    free(rq);
    *con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    xlog_debug("libmicrohttpd: %s", line);
}

/* ---- the listening socket ---- */

static int listen_socket(const struct sockaddr *sa, socklen_t len, int dual, char *err, size_t errlen)
{
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        snprintf(err, errlen, "unable to create a socket: %s", strerror(errno));
        return -1;
    }
    int one = 1, zero = 0;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (sa->sa_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, dual ? &zero : &one, sizeof one);
    if (bind(fd, sa, len) != 0 || listen(fd, 128) != 0) {
        snprintf(err, errlen, "unable to listen: %s", strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static int parse_port(const char *s, int *port)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 1 || v > 65535 || s[0] == '-' || s[0] == '+')
        return -1;
    *port = (int)v;
    return 0;
}

/* [ADDR:]PORT: ADDR a host or address, [IPv6] in brackets. */
static int open_listener(const char *spec, char *where, size_t wherelen, char *err, size_t errlen)
{
    char host[256] = "";
    const char *colon = strrchr(spec, ':');
    const char *port_text = colon ? colon + 1 : spec;
    int port;
    if (parse_port(port_text, &port) != 0) {
        snprintf(err, errlen, "--exporter '%s': the port must be 1 to 65535 ([ADDR:]PORT)", spec);
        return -1;
    }
    if (colon) {
        size_t n = (size_t)(colon - spec);
        if (n >= 2 && spec[0] == '[' && spec[n - 1] == ']') {
            spec++;
            n -= 2;
        }
        if (n == 0 || n >= sizeof host || memchr(spec, '[', n) || memchr(spec, ']', n)) {
            snprintf(err, errlen, "--exporter '%s': bad address ([ADDR:]PORT, [IPv6]:PORT)", spec);
            return -1;
        }
        memcpy(host, spec, n);
        host[n] = '\0';
    }
    if (!host[0]) {
        /* Every address: IPv6 with IPv4 mapped, else IPv4 alone. */
        struct sockaddr_in6 any6 = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port),
                                     .sin6_addr = IN6ADDR_ANY_INIT };
        int fd = listen_socket((struct sockaddr *)&any6, sizeof any6, 1, err, errlen);
        if (fd >= 0) {
            snprintf(where, wherelen, "[::]:%d (IPv6 and IPv4)", port);
            return fd;
        }
        struct sockaddr_in any4 = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                                    .sin_addr.s_addr = htonl(INADDR_ANY) };
        snprintf(where, wherelen, "0.0.0.0:%d", port);
        return listen_socket((struct sockaddr *)&any4, sizeof any4, 0, err, errlen);
    }
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE },
                    *res;
    int rc = getaddrinfo(host, port_text, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "--exporter '%s': %s: %s", spec, host, gai_strerror(rc));
        return -1;
    }
    int fd = listen_socket(res->ai_addr, res->ai_addrlen, 0, err, errlen);
    char num[NI_MAXHOST] = "?";
    getnameinfo(res->ai_addr, res->ai_addrlen, num, sizeof num, NULL, 0, NI_NUMERICHOST);
    snprintf(where, wherelen, res->ai_family == AF_INET6 ? "[%s]:%d" : "%s:%d", num, port);
    freeaddrinfo(res);
    return fd;
}

int http_start(const char *listen_on, char *where, size_t wherelen, char *err, size_t errlen)
{
    char why[256];
    int fd = open_listener(listen_on, where, wherelen, why, sizeof why);
    if (fd < 0) {
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG |
                     (MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES ? MHD_USE_EPOLL : MHD_USE_POLL);
    daemon_ = MHD_start_daemon(flags, 0, NULL, NULL, answer, NULL,
                               MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
                               MHD_OPTION_LISTEN_SOCKET, fd,
                               MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_TIMEOUT_S,
                               MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTIONS_MAX,
                               MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)CONNECTIONS_PER_IP,
                               MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)REQUEST_MEMORY,
                               MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
                               MHD_OPTION_NOTIFY_CONNECTION, reqtimer_notify, NULL,
                               MHD_OPTION_END);
    if (!daemon_) {
        close(fd);
        snprintf(err, errlen, "unable to start the HTTP server on %s", where);
        return -1;
    }
    int e = reqtimer_start();
    if (e) {
        MHD_stop_daemon(daemon_);
        daemon_ = NULL;
        snprintf(err, errlen, "unable to create a thread: %s", strerror(e));
        return -1;
    }
    return 0;
}

void http_stop(void)
{
    if (!daemon_)
        return;
    pthread_mutex_lock(&jobs_lock);
    while (jobs > 0)
        pthread_cond_wait(&jobs_done, &jobs_lock);
    pthread_mutex_unlock(&jobs_lock);
    reqtimer_stop();
    MHD_stop_daemon(daemon_);   /* closes the listening socket too */
    daemon_ = NULL;
}
