/* The exporter's HTTP side on libmicrohttpd: one internal polling thread
 * serves every connection; /probe suspends its connection and runs on a
 * job thread of its own (probe.h), whose answer is queued on resume.
 * Routes: /probe, /metrics, /-/healthy; anything else 404; only GET and
 * HEAD (else 405). */
#ifndef WEIR_EXPORTER_HTTP_H
#define WEIR_EXPORTER_HTTP_H

#include <stddef.h>

/* Listens on [ADDR:]PORT (no ADDR: every address, IPv6 and IPv4) and
 * starts serving. 0, or -1 with the reason in err. where: the address
 * it listens on, for the log. */
int http_start(const char *listen_on, char *where, size_t wherelen, char *err, size_t errlen);

/* Waits until every probe has answered (the caller has ended their
 * waits and tests: admit_stop, probe_setup's stop descriptor), then
 * stops serving. */
void http_stop(void);

#endif
