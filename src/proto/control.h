/* Control-channel I/O: bounded reads and writes, state bytes, and the
 * 4-byte big-endian length-prefixed JSON frames (docs/protocol.md §3.4). */
#ifndef WEIR_CONTROL_H
#define WEIR_CONTROL_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include "proto/state.h"

/* iperf3 3.18+ refuses parameter JSON above this; results have no limit in
 * iperf3, weir bounds them too so a peer cannot make it allocate 4 GiB. */
#define CTL_MAX_PARAMS_LEN  8192u
#define CTL_MAX_RESULTS_LEN (64u * 1024u * 1024u)
/* Longest silence inside one message, and per whole message. */
#define CTL_READ_TIMEOUT_MS 10000
#define CTL_MSG_TIMEOUT_MS  30000

enum ctl_io {
    CTL_OK = 0,
    CTL_EOF = 1,        /* peer closed before the data was complete */
    CTL_TIMEOUT = 2,    /* deadline passed */
    CTL_ERROR = 3,      /* socket error, errno set */
    CTL_TOO_LONG = 4,   /* JSON length 0 or above the limit */
    CTL_BAD_JSON = 5    /* not a JSON object */
};

/* Read exactly len bytes; *got says how many arrived. */
enum ctl_io ctl_read(int fd, void *buf, size_t len, int timeout_ms, size_t *got);
enum ctl_io ctl_write(int fd, const void *buf, size_t len, int timeout_ms);

enum ctl_io ctl_send_state(int fd, enum weir_state st);
/* Wait up to timeout_ms (-1: forever) for one state byte. */
enum ctl_io ctl_recv_state(int fd, int timeout_ms, signed char *st);

enum ctl_io ctl_send_json(int fd, struct json_object *obj);
/* Reads a frame of at most max_len bytes and parses it as a JSON object. */
enum ctl_io ctl_recv_json(int fd, uint32_t max_len, struct json_object **out);

/* SERVER_ERROR, then i_errno and errno as big-endian int32 (docs/protocol.md §4.2). */
enum ctl_io ctl_send_server_error(int fd, int code, int err);
/* After a SERVER_ERROR byte: read the tail, tolerating 0 or 4 bytes (older
 * servers). Missing values are 0. */
void ctl_recv_server_error_tail(int fd, int *code, int *err);

/* Close after the exchange: half-close, then wait briefly for the peer's EOF
 * so its last bytes are not answered with RST. */
void ctl_close(int fd);

#endif
