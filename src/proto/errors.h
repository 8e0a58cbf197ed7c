/* Status codes and their messages: the SDK's (sdk/include/weir/errors.h),
 * which plugins return too, the core's own below, and the reasons plugins
 * register (weir_host.error_reason). */
#ifndef WEIR_CORE_ERRORS_H
#define WEIR_CORE_ERRORS_H

#include <weir/errors.h>
#include <stddef.h>

/* The core's own codes: the command line, roles and the control channel
 * (iperf3's i_errno numbers, which travel in SERVER_ERROR). Plugins never
 * return them, so they are not in the SDK; they keep the WEIR_E_ spelling
 * because they share one space of numbers with the SDK's codes.
 * X(enum suffix, number, message) */
#define CORE_ERROR_MAP(X)                                                                 \
    X(SERVCLIENT,        1,   "cannot be both server and client")                        \
    X(NOROLE,            2,   "must either be a client (-c) or server (-s)")             \
    X(SERVERONLY,        3,   "some option you are trying to set is server only")        \
    X(CLIENTONLY,        4,   "some option you are trying to set is client only")        \
    X(DURATION,          5,   "test duration valid values are 0 to 86400 seconds")       \
    X(NUMSTREAMS,        6,   "invalid number of parallel streams")                      \
    X(BUFSIZE,           8,   "socket buffer size too large (maximum = 536870912 bytes)") \
    X(INTERVAL,          9,   "invalid report interval (min = 0.1, max = 60 seconds)")   \
    X(MSS,               10,  "TCP MSS invalid (maximum = 32767 bytes)")                 \
    X(OMIT,              12,  "bogus value for --omit (maximum = 600 seconds)")          \
    X(BURST,             15,  "invalid burst count (maximum = 1000)")                    \
    X(ENDCONDITIONS,     16,  "only one test end condition (-t, -n, -k) may be specified") \
    X(BIND,              19,  "--bind must be specified to use --cport")                 \
    X(BADTOS,            21,  "bad TOS value (must be between 0 and 255 inclusive)")     \
    X(SETCLIENTAUTH,     22,  "you must specify a username, password, and path to a valid RSA public key") \
    X(SETSERVERAUTH,     23,  "you must specify a path to a valid RSA private key and a user credential file") \
    X(BADFORMAT,         24,  "bad format specifier (valid formats are in the set [kmgtKMGT])") \
    X(REVERSEBIDIR,      25,  "cannot be both reverse and bidirectional")                \
    X(BADPORT,           26,  "port number must be between 1 and 65535 inclusive")       \
    X(TOTALRATE,         27,  "total required bandwidth is larger than server limit")    \
    X(TOTALINTERVAL,     28,  "invalid time interval for calculating average data rate") \
    X(SKEWTHRESHOLD,     29,  "skew threshold must be a positive number")                \
    X(IDLETIMEOUT,       30,  "idle timeout parameter is not positive or larger than allowed limit") \
    X(RCVTIMEOUT,        31,  "receive timeout value is incorrect or not in range")      \
    X(RVRSONLYRCVTIMEOUT, 32, "client receive timeout is valid only in receiving mode")  \
    X(SNDTIMEOUT,        33,  "send timeout value is incorrect or not in range")         \
    X(SERVERAUTHUSERS,   35,  "cannot access authorized users file")                     \
    X(CNTLKA,            36,  "control connection Keepalive period should be larger than the full retry period (interval * count)") \
    X(MAXSERVERTESTDURATIONEXCEEDED, 37, "client's requested duration exceeds the server's maximum permitted limit") \
    X(UNITVAL,           38,  "invalid unit value or suffix")                            \
    X(BADDSCP,           40,  "bad DSCP value")                                          \
    X(NEWTEST,           100, "unable to create a new test")                             \
    X(INITTEST,          101, "test initialization failed")                              \
    X(LISTEN,            102, "unable to start listener for connections")                \
    X(CONNECT,           103, "unable to connect to server - server may have stopped running or use a different port, firewall issue, etc.") \
    X(ACCEPT,            104, "unable to accept connection from client")                 \
    X(RECVCOOKIE,        106, "unable to receive cookie at server")                      \
    X(CTRLWRITE,         107, "unable to write to the control socket")                   \
    X(CTRLREAD,          108, "unable to read from the control socket")                  \
    X(CTRLCLOSE,         109, "control socket has closed unexpectedly")                  \
    X(MESSAGE,           110, "received an unknown control message (ensure other side is iperf3 and not iperf)") \
    X(SENDMESSAGE,       111, "unable to send control message - port may not be available, the other side may have stopped running, etc.") \
    X(RECVMESSAGE,       112, "unable to receive control message - port may not be available, the other side may have stopped running, etc.") \
    X(SENDPARAMS,        113, "unable to send parameters to server")                     \
    X(RECVPARAMS,        114, "unable to receive parameters from client")                \
    X(PACKAGERESULTS,    115, "unable to package results")                               \
    X(SENDRESULTS,       116, "unable to send results")                                  \
    X(RECVRESULTS,       117, "unable to receive results")                               \
    X(SELECT,            118, "select failed")                                           \
    X(CLIENTTERM,        119, "the client has terminated")                               \
    X(SERVERTERM,        120, "the server has terminated")                               \
    X(ACCESSDENIED,      121, "the server is busy running a test. try again later")      \
    X(REUSEADDR,         128, "unable to reuse address on socket")                       \
    X(PROTOCOL,          131, "protocol does not exist")                                 \
    X(AFFINITY,          132, "unable to set CPU affinity")                              \
    X(AUTHTEST,          142, "test authorization failed")                               \
    X(NOMSG,             144, "idle timeout for receiving data")                         \
    X(PTHREADCREATE,     150, "unable to create thread")                                 \
    X(SETCNTLKA,         155, "unable to set socket keepalive (SO_KEEPALIVE) option")    \
    X(SETCNTLKAKEEPIDLE, 156, "unable to set socket keepalive TCP period (TCP_KEEPIDLE) option") \
    X(SETCNTLKAINTERVAL, 157, "unable to set/get socket keepalive TCP retry interval (TCP_KEEPINTVL) option") \
    X(SETCNTLKACOUNT,    158, "unable to set/get socket keepalive TCP number of retries (TCP_KEEPCNT) option") \
    X(SERVERTESTDURATIONEXPIRED, 160, "server test duration expired")

enum core_status {
#define CORE_ERROR_ENUM_(name, num, msg) WEIR_E_##name = num,
    CORE_ERROR_MAP(CORE_ERROR_ENUM_)
#undef CORE_ERROR_ENUM_
};

/* weir_host.error_reason: the code for a plugin's own message (the same
 * code for the same text), or WEIR_E_PLUGIN when the table is full. The
 * message is copied. Any thread. */
int error_register(const char *message);

/* The fixed message for a code ("unknown error N" for others). */
const char *error_strerror(int code);
/* Message plus detail: "MSG: DETAIL" or just "MSG". */
void error_text(char *buf, size_t len, int code, const char *detail);

#endif
