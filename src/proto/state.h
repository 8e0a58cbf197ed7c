/* The iperf3 control-channel states. Each value is the byte on the wire
 * (a signed char); see docs/protocol.md §3.3, and §11.2, §11.6 for weir's.
 *
 *  value  name               direction  meaning
 *  -----  -----------------  ---------  -------------------------------------
 *    1    TEST_START         S->C       streams accepted, start timers
 *    2    TEST_RUNNING       S->C       move data
 *    4    TEST_END           C->S       client ends the test
 *    9    PARAM_EXCHANGE     S->C       send the parameter JSON
 *   10    CREATE_STREAMS     S->C       open the data streams
 *   11    SERVER_TERMINATE   S->C       server interrupted
 *   12    CLIENT_TERMINATE   C->S       client interrupted
 *   13    EXCHANGE_RESULTS   S->C       client sends results, then reads
 *   14    DISPLAY_RESULTS    S->C       print, then send IPERF_DONE
 *   15    IPERF_START        local      server idle (never sent)
 *   16    IPERF_DONE         C->S       client finished
 *   -1    ACCESS_DENIED      S->C       server busy / wrong data cookie
 *   -2    SERVER_ERROR       S->C       followed by i_errno, errno (BE int32)
 *
 * weir's own, never seen by a plain iperf3 peer:
 *   64    WEIR_ACCEPT        S->C       after PARAM_EXCHANGE, only to a client
 *                                       that sent weir keys: a JSON frame
 *                                       follows naming what the server took on
 *                                       ("transport", "stream_tag": the UDP
 *                                       hellos carry the cookie, "sender_done":
 *                                       65 may come); also to any
 *                                       weir client (client_version "weir-")
 *                                       whose test the server refuses for a
 *                                       reason iperf3 has no code for
 *                                       ("refused": the reason, then
 *                                       SERVER_ERROR)
 *   65    WEIR_SENT          S->C       mid-test, only to a client that sent
 *                                       weir_sender_done and was answered
 *                                       "sender_done": the server's sending
 *                                       streams sent their whole -n/-k share,
 *                                       so what has not arrived never will
 *                                       (lost datagrams); the client ends the
 *                                       test (at the omit end if still in the
 *                                       omit period). A client that already sent
 *                                       TEST_END ignores it.
 */
#ifndef WEIR_STATE_H
#define WEIR_STATE_H

enum weir_state {
    ST_TEST_START = 1,
    ST_TEST_RUNNING = 2,
    ST_TEST_END = 4,
    ST_PARAM_EXCHANGE = 9,
    ST_CREATE_STREAMS = 10,
    ST_SERVER_TERMINATE = 11,
    ST_CLIENT_TERMINATE = 12,
    ST_EXCHANGE_RESULTS = 13,
    ST_DISPLAY_RESULTS = 14,
    ST_IPERF_START = 15,
    ST_IPERF_DONE = 16,
    ST_ACCESS_DENIED = -1,
    ST_SERVER_ERROR = -2,
    ST_WEIR_ACCEPT = 64,
    ST_WEIR_SENT = 65
};

#endif
