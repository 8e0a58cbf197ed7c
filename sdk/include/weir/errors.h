/* weir plugin SDK: status codes.
 *
 * One table, WEIR_ERROR_MAP, generates the enum and the messages of the
 * codes a plugin's hooks return. Codes below 1000 are iperf3's i_errno
 * numbers, so a code can travel in a SERVER_ERROR tail unchanged and an
 * iperf3 peer prints the same reason. Codes from 1000 on are weir's own and
 * never go on the wire. The core has more codes of its own (command-line,
 * role and control-channel errors); they are not part of the SDK and a
 * plugin never returns them.
 *
 * A plugin that needs a reason none of these says registers its own with
 * weir_host.error_reason("message"): the code it gets back (from
 * WEIR_E_REGISTERED_FIRST on, fixed for the process) is returned like any
 * other, and the core prints the registered message.
 *
 * Hooks return WEIR_OK (0) or one of these codes; detail text goes through
 * weir_host.set_error(); the core prints "MESSAGE: DETAIL". */
#ifndef WEIR_ERRORS_H
#define WEIR_ERRORS_H

#ifdef __cplusplus
extern "C" {
#endif

/* X(enum suffix, number, message) */
#define WEIR_ERROR_MAP(X)                                                                 \
    X(OK,                0,   "no error")                                                \
    X(BLOCKSIZE,         7,   "block size invalid (minimum = 1 byte, maximum = 1048576 bytes)") \
    X(UNIMP,             13,  "an option you are trying to set is not implemented yet")  \
    X(FILE,              14,  "unable to open -F file")                                  \
    X(LOGFILE,           17,  "unable to open log file")                                 \
    X(UDPBLOCKSIZE,      20,  "block size invalid (minimum = 16 bytes, maximum = 65507 bytes)") \
    X(SENDCOOKIE,        105, "unable to send cookie to server")                         \
    X(SETNODELAY,        122, "unable to set TCP/SCTP NODELAY")                          \
    X(SETMSS,            123, "unable to set TCP/SCTP MSS")                              \
    X(SETBUF,            124, "unable to set socket buffer size")                        \
    X(SETTOS,            125, "unable to set IP TOS")                                    \
    X(SETCOS,            126, "unable to set IPv6 traffic class")                        \
    X(SETFLOW,           127, "unable to set IPv6 flow label")                           \
    X(NONBLOCKING,       129, "unable to set socket to non-blocking")                    \
    X(SETCONGESTION,     134, "unable to set TCP_CONGESTION")                            \
    X(SETPACING,         140, "unable to set socket pacing")                             \
    X(SETBUF2,           141, "socket buffer size not set correctly")                    \
    X(BINDDEV,           143, "Unable to bind-to-device (check perror, maybe permissions?)") \
    X(SETDONTFRAGMENT,   145, "unable to set IP Do-Not-Fragment flag")                   \
    X(SETUSERTIMEOUT,    148, "unable to set TCP USER_TIMEOUT")                          \
    X(CREATESTREAM,      200, "unable to create a new stream")                           \
    X(INITSTREAM,        201, "unable to initialize stream")                             \
    X(STREAMLISTEN,      202, "unable to start stream listener")                         \
    X(STREAMCONNECT,     203, "unable to connect stream")                                \
    X(STREAMACCEPT,      204, "unable to accept stream connection")                      \
    X(STREAMWRITE,       205, "unable to write to stream socket")                        \
    X(STREAMREAD,        206, "unable to read from stream socket")                       \
    X(STREAMCLOSE,       207, "stream socket has closed unexpectedly")                   \
    X(STREAMID,          208, "stream has an invalid id")                                \
    X(AGAIN,             1000, "operation would block")                                  \
    X(PLUGIN,            1001, "plugin failed")                                          \
    X(NOMEM,             1002, "out of memory")                                          \
    X(USAGE,             1003, "invalid command line")                                   \
    X(UNSUPPORTED,       1004, "the server does not support this test")                  \
    X(DATAEND,           1005, "the payload has no more data")

enum weir_status {
#define WEIR_ERROR_ENUM_(name, num, msg) WEIR_E_##name = num,
    WEIR_ERROR_MAP(WEIR_ERROR_ENUM_)
#undef WEIR_ERROR_ENUM_
    WEIR_E_MAX_
};

#define WEIR_OK WEIR_E_OK

/* Codes weir_host.error_reason() hands out: WEIR_E_REGISTERED_FIRST up to
 * WEIR_E_REGISTERED_FIRST + WEIR_E_REGISTERED_MAX - 1. */
#define WEIR_E_REGISTERED_FIRST 2000
#define WEIR_E_REGISTERED_MAX   256

#ifdef __cplusplus
}
#endif
#endif
