#include "proto/control.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for events on fd until the deadline (-1: none). */
static enum ctl_io wait_fd(int fd, short events, int64_t deadline)
{
    for (;;) {
        int t = -1;
        if (deadline >= 0) {
            int64_t left = deadline - now_ms();
            /* A zero budget still looks once: data may be waiting. */
            t = left <= 0 ? 0 : left > CTL_READ_TIMEOUT_MS ? CTL_READ_TIMEOUT_MS : (int)left;
        }
        struct pollfd p = { .fd = fd, .events = events };
        int r = poll(&p, 1, t);
        if (r > 0)
            return CTL_OK;
        if (r < 0)
            return CTL_ERROR;   /* EINTR included: the caller checks its signal flag */
        if (deadline >= 0 && now_ms() >= deadline)
            return CTL_TIMEOUT;
    }
}

/* begun: this read continues a message already under way, so the idle
 * limit applies from its first byte. */
static enum ctl_io read_part(int fd, void *buf, size_t len, int timeout_ms, size_t *got, int begun)
{
    int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    size_t done = 0;
    enum ctl_io rc = CTL_OK;
    while (done < len) {
        /* Like iperf3 3.15+: once a message has begun, a silence longer
         * than CTL_READ_TIMEOUT_MS ends it, whatever the overall budget. */
        int64_t wait_until = deadline;
        if (done > 0 || begun) {
            int64_t idle = now_ms() + CTL_READ_TIMEOUT_MS;
            if (wait_until < 0 || idle < wait_until)
                wait_until = idle;
        }
        rc = wait_fd(fd, POLLIN, wait_until);
        if (rc != CTL_OK)
            break;
        ssize_t n = recv(fd, (char *)buf + done, len - done, MSG_DONTWAIT);
        if (n > 0) {
            done += (size_t)n;
            continue;
        }
        if (n == 0) {
            rc = CTL_EOF;
            break;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
            continue;
        rc = CTL_ERROR;
        break;
    }
    if (got)
        *got = done;
    return done == len ? CTL_OK : rc;
}

enum ctl_io ctl_read(int fd, void *buf, size_t len, int timeout_ms, size_t *got)
{
    return read_part(fd, buf, len, timeout_ms, got, 0);
}

enum ctl_io ctl_write(int fd, const void *buf, size_t len, int timeout_ms)
{
    int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    size_t done = 0;
    while (done < len) {
        ssize_t n = send(fd, (const char *)buf + done, len - done, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            done += (size_t)n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            enum ctl_io rc = wait_fd(fd, POLLOUT, deadline);
            if (rc != CTL_OK)
                return rc;
            continue;
        }
        return CTL_ERROR;
    }
    return CTL_OK;
}

enum ctl_io ctl_send_state(int fd, enum weir_state st)
{
    signed char b = (signed char)st;
    return ctl_write(fd, &b, 1, CTL_MSG_TIMEOUT_MS);
}

enum ctl_io ctl_recv_state(int fd, int timeout_ms, signed char *st)
{
    return ctl_read(fd, st, 1, timeout_ms, NULL);
}

enum ctl_io ctl_send_json(int fd, struct json_object *obj)
{
    size_t len = 0;
    const char *text = json_object_to_json_string_length(obj,
        JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    if (text == NULL || len > UINT32_MAX)
        return CTL_ERROR;
    uint32_t be = htonl((uint32_t)len);
    enum ctl_io rc = ctl_write(fd, &be, sizeof be, CTL_MSG_TIMEOUT_MS);
    if (rc == CTL_OK)
        rc = ctl_write(fd, text, len, CTL_MSG_TIMEOUT_MS);
    return rc;
}

enum ctl_io ctl_recv_json(int fd, uint32_t max_len, struct json_object **out)
{
    uint32_t be;
    *out = NULL;
    enum ctl_io rc = ctl_read(fd, &be, sizeof be, CTL_MSG_TIMEOUT_MS, NULL);
    if (rc != CTL_OK)
        return rc;
    uint32_t len = ntohl(be);
    if (len == 0 || len > max_len)
        return CTL_TOO_LONG;
    char *text = malloc((size_t)len + 1);
    if (text == NULL)
        return CTL_ERROR;
    rc = read_part(fd, text, len, CTL_MSG_TIMEOUT_MS, NULL, 1);
    if (rc != CTL_OK) {
        free(text);
        return rc;
    }
    text[len] = '\0';
    struct json_tokener *tok = json_tokener_new();
    struct json_object *obj = tok ? json_tokener_parse_ex(tok, text, (int)len) : NULL;
    int complete = tok && json_tokener_get_error(tok) == json_tokener_success
                   && json_tokener_get_parse_end(tok) == len;
    if (tok)
        json_tokener_free(tok);
    free(text);
    if (!complete || obj == NULL || !json_object_is_type(obj, json_type_object)) {
        json_object_put(obj);
        return CTL_BAD_JSON;
    }
    *out = obj;
    return CTL_OK;
}

enum ctl_io ctl_send_server_error(int fd, int code, int err)
{
    unsigned char msg[9];
    uint32_t a = htonl((uint32_t)code), b = htonl((uint32_t)err);
    msg[0] = (unsigned char)(signed char)ST_SERVER_ERROR;
    memcpy(msg + 1, &a, 4);
    memcpy(msg + 5, &b, 4);
    return ctl_write(fd, msg, sizeof msg, 1000);
}

void ctl_recv_server_error_tail(int fd, int *code, int *err)
{
    uint32_t v[2] = { 0, 0 };
    size_t got = 0;
    ctl_read(fd, v, sizeof v, 2000, &got);
    *code = got >= 4 ? (int)ntohl(v[0]) : 0;
    *err = got >= 8 ? (int)ntohl(v[1]) : 0;
}

void ctl_close(int fd)
{
    if (fd < 0)
        return;
    shutdown(fd, SHUT_WR);
    char sink[256];
    int64_t deadline = now_ms() + 2000;
    while (wait_fd(fd, POLLIN, deadline) == CTL_OK) {
        ssize_t n = recv(fd, sink, sizeof sink, MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
            break;
    }
    close(fd);
}
