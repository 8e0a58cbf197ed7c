/* The weir_latency parameter (docs/protocol.md §11.11): --latency's
 * request and reply sizes and rate, as an object in the parameter JSON.
 * iperf3 ignores the key; a weir server answers "latency": true in
 * WEIR_ACCEPT when it will echo the probes. */
#ifndef WEIR_LATENCY_PARAMS_H
#define WEIR_LATENCY_PARAMS_H

#include <stddef.h>
#include <json-c/json.h>

#include "proto/params.h"

/* Bytes of a probe's header (run/probe.h): the smallest request or reply. */
#define LATENCY_MIN_MESSAGE 48u
#define LATENCY_MAX_MESSAGE 1048576u
#define LATENCY_MAX_RATE 1000000.0
#define LATENCY_KEY "weir_latency"
/* --load: the idle phase, seconds of probes alone before the load starts
 * (after -O); the most load streams per direction. */
#define LATENCY_IDLE_S 1
#define LATENCY_MAX_LOAD 128u

/* Client: adds the key to the parameters when p->on. */
void latency_params_to_json(struct json_object *o, const struct latency_params *p);

/* Server: reads the key if present (p->on then). WEIR_OK, or
 * WEIR_E_RECVPARAMS with detail for a malformed or out-of-range one. */
int latency_params_from_json(struct json_object *o, struct latency_params *p,
                             char *detail, size_t len);

#endif
