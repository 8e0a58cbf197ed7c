/* How a test's end text (test_finish's error) is worded on a line of its
 * own, as iperf3 words it: "weir: error - TEXT" for a failure, but a
 * signal ("interrupt - ...") and a client that left mid-test (a server's
 * notice, not its failure) go without "error - ". Shared by the text
 * reporter and the core's fallback line, so both say the same. */
#ifndef WEIR_ENDTEXT_H
#define WEIR_ENDTEXT_H

/* What a server's test ends with when its client sent CLIENT_TERMINATE,
 * or closed the control connection mid-test: iperf3 counts such a test
 * as done (with -1 it then exits 0). */
#define ENDTEXT_CLIENT_TERMINATED "the client has terminated"
#define ENDTEXT_CLIENT_CLOSED "the client has unexpectedly closed the connection"

/* "error - ", or "" for a text iperf3 prints bare. */
const char *endtext_prefix(const char *text);

#endif
