/* weir plugin SDK: status codes.
 *
 * One table, WEIR_ERROR_MAP, generates the enum, the names and the messages.
 * Codes below 1000 are iperf3's i_errno numbers, so a code can travel in a
 * SERVER_ERROR tail unchanged and an iperf3 peer prints the same reason.
 * Codes from 1000 on are weir's own and never go on the wire. The messages
 * are iperf3's, with weir's limits where they differ (-l's minimum, -M's
 * maximum, "invalid" where a value can be too small too); the core's option checks print them (src/cli/optcheck.h).
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
    X(OK,                0,   "no error")                                                 \
    X(SERVCLIENT,        1,   "cannot be both server and client")                         \
    X(NOROLE,            2,   "must either be a client (-c) or server (-s)")              \
    X(SERVERONLY,        3,   "some option you are trying to set is server only")         \
    X(CLIENTONLY,        4,   "some option you are trying to set is client only")         \
    X(DURATION,          5,   "test duration valid values are 0 to 86400 seconds")        \
    X(NUMSTREAMS,        6,   "invalid number of parallel streams")                       \
    X(BLOCKSIZE,         7,   "block size invalid (minimum = 1 byte, maximum = 1048576 bytes)") \
    X(BUFSIZE,           8,   "socket buffer size too large (maximum = 536870912 bytes)") \
    X(INTERVAL,          9,   "invalid report interval (min = 0.1, max = 60 seconds)")   \
    X(MSS,               10,  "TCP MSS invalid (maximum = 32767 bytes)")                  \
    X(OMIT,              12,  "bogus value for --omit (maximum = 600 seconds)")          \
    X(UNIMP,             13,  "an option you are trying to set is not implemented yet")   \
    X(FILE,              14,  "unable to open -F file")                                   \
    X(BURST,             15,  "invalid burst count (maximum = 1000)")                     \
    X(ENDCONDITIONS,     16,  "only one test end condition (-t, -n, -k) may be specified") \
    X(LOGFILE,           17,  "unable to open log file")                                  \
    X(BIND,              19,  "--bind must be specified to use --cport")                  \
    X(UDPBLOCKSIZE,      20,  "block size invalid (minimum = 16 bytes, maximum = 65507 bytes)") \
    X(BADTOS,            21,  "bad TOS value (must be between 0 and 255 inclusive)")      \
    X(SETCLIENTAUTH,     22,  "you must specify a username, password, and path to a valid RSA public key") \
    X(SETSERVERAUTH,     23,  "you must specify a path to a valid RSA private key and a user credential file") \
    X(BADFORMAT,         24,  "bad format specifier (valid formats are in the set [kmgtKMGT])") \
    X(REVERSEBIDIR,      25,  "cannot be both reverse and bidirectional")                 \
    X(BADPORT,           26,  "port number must be between 1 and 65535 inclusive")        \
    X(TOTALRATE,         27,  "total required bandwidth is larger than server limit")     \
    X(TOTALINTERVAL,     28,  "invalid time interval for calculating average data rate")  \
    X(SKEWTHRESHOLD,     29,  "skew threshold must be a positive number")                \
    X(IDLETIMEOUT,       30,  "idle timeout parameter is not positive or larger than allowed limit") \
    X(RCVTIMEOUT,        31,  "receive timeout value is incorrect or not in range")       \
    X(RVRSONLYRCVTIMEOUT, 32, "client receive timeout is valid only in receiving mode")    \
    X(SNDTIMEOUT,        33,  "send timeout value is incorrect or not in range")          \
    X(SERVERAUTHUSERS,   35,  "cannot access authorized users file")                     \
    X(CNTLKA,            36,  "control connection Keepalive period should be larger than the full retry period (interval * count)") \
    X(MAXSERVERTESTDURATIONEXCEEDED, 37, "client's requested duration exceeds the server's maximum permitted limit") \
    X(UNITVAL,           38,  "invalid unit value or suffix")                             \
    X(BADDSCP,           40,  "bad DSCP value")                                           \
    X(NEWTEST,           100, "unable to create a new test")                              \
    X(INITTEST,          101, "test initialization failed")                               \
    X(LISTEN,            102, "unable to start listener for connections")                 \
    X(CONNECT,           103, "unable to connect to server - server may have stopped running or use a different port, firewall issue, etc.") \
    X(ACCEPT,            104, "unable to accept connection from client")                  \
    X(SENDCOOKIE,        105, "unable to send cookie to server")                          \
    X(RECVCOOKIE,        106, "unable to receive cookie at server")                       \
    X(CTRLWRITE,         107, "unable to write to the control socket")                    \
    X(CTRLREAD,          108, "unable to read from the control socket")                   \
    X(CTRLCLOSE,         109, "control socket has closed unexpectedly")                   \
    X(MESSAGE,           110, "received an unknown control message (ensure other side is iperf3 and not iperf)") \
    X(SENDMESSAGE,       111, "unable to send control message - port may not be available, the other side may have stopped running, etc.") \
    X(RECVMESSAGE,       112, "unable to receive control message - port may not be available, the other side may have stopped running, etc.") \
    X(SENDPARAMS,        113, "unable to send parameters to server")                      \
    X(RECVPARAMS,        114, "unable to receive parameters from client")                 \
    X(PACKAGERESULTS,    115, "unable to package results")                                \
    X(SENDRESULTS,       116, "unable to send results")                                   \
    X(RECVRESULTS,       117, "unable to receive results")                                \
    X(SELECT,            118, "select failed")                                            \
    X(CLIENTTERM,        119, "the client has terminated")                                \
    X(SERVERTERM,        120, "the server has terminated")                                \
    X(ACCESSDENIED,      121, "the server is busy running a test. try again later")      \
    X(SETNODELAY,        122, "unable to set TCP/SCTP NODELAY")                           \
    X(SETMSS,            123, "unable to set TCP/SCTP MSS")                               \
    X(SETBUF,            124, "unable to set socket buffer size")                         \
    X(SETTOS,            125, "unable to set IP TOS")                                     \
    X(SETCOS,            126, "unable to set IPv6 traffic class")                         \
    X(SETFLOW,           127, "unable to set IPv6 flow label")                            \
    X(REUSEADDR,         128, "unable to reuse address on socket")                        \
    X(NONBLOCKING,       129, "unable to set socket to non-blocking")                     \
    X(PROTOCOL,          131, "protocol does not exist")                                  \
    X(AFFINITY,          132, "unable to set CPU affinity")                               \
    X(SETCONGESTION,     134, "unable to set TCP_CONGESTION")                             \
    X(SETPACING,         140, "unable to set socket pacing")                              \
    X(SETBUF2,           141, "socket buffer size not set correctly")                     \
    X(AUTHTEST,          142, "test authorization failed")                                \
    X(BINDDEV,           143, "Unable to bind-to-device (check perror, maybe permissions?)") \
    X(NOMSG,             144, "idle timeout for receiving data")                          \
    X(SETDONTFRAGMENT,   145, "unable to set IP Do-Not-Fragment flag")                    \
    X(SETUSERTIMEOUT,    148, "unable to set TCP USER_TIMEOUT")                           \
    X(PTHREADCREATE,     150, "unable to create thread")                                  \
    X(SETCNTLKA,         155, "unable to set socket keepalive (SO_KEEPALIVE) option")     \
    X(SETCNTLKAKEEPIDLE, 156, "unable to set socket keepalive TCP period (TCP_KEEPIDLE) option") \
    X(SETCNTLKAINTERVAL, 157, "unable to set/get socket keepalive TCP retry interval (TCP_KEEPINTVL) option") \
    X(SETCNTLKACOUNT,    158, "unable to set/get socket keepalive TCP number of retries (TCP_KEEPCNT) option") \
    X(SERVERTESTDURATIONEXPIRED, 160, "server test duration expired")                    \
    X(CREATESTREAM,      200, "unable to create a new stream")                            \
    X(INITSTREAM,        201, "unable to initialize stream")                              \
    X(STREAMLISTEN,      202, "unable to start stream listener")                          \
    X(STREAMCONNECT,     203, "unable to connect stream")                                 \
    X(STREAMACCEPT,      204, "unable to accept stream connection")                       \
    X(STREAMWRITE,       205, "unable to write to stream socket")                         \
    X(STREAMREAD,        206, "unable to read from stream socket")                        \
    X(STREAMCLOSE,       207, "stream socket has closed unexpectedly")                    \
    X(STREAMID,          208, "stream has an invalid id")                                 \
    X(AGAIN,             1000, "operation would block")                                   \
    X(PLUGIN,            1001, "plugin failed")                                           \
    X(NOMEM,             1002, "out of memory")                                           \
    X(USAGE,             1003, "invalid command line")                                    \
    X(UNSUPPORTED,       1004, "the server does not support this test")             \
    X(DATAEND,           1005, "the payload has no more data")

enum weir_status {
#define WEIR_ERROR_ENUM_(name, num, msg) WEIR_E_##name = num,
    WEIR_ERROR_MAP(WEIR_ERROR_ENUM_)
#undef WEIR_ERROR_ENUM_
    WEIR_E_MAX_
};

#define WEIR_OK WEIR_E_OK

#ifdef __cplusplus
}
#endif
#endif
