/* What query.c gives config.c besides config.h's probe_request_parse. */
#ifndef WEIR_EXPORTER_QUERY_H
#define WEIR_EXPORTER_QUERY_H

#include "exporter/config.h"

/* The probe a module runs when a query changes nothing: its transport,
 * time, reverse, parallel, bitrate within max_bitrate and latency; no
 * host, the module's port. */
void probe_spec_from_module(const struct exp_module *m, struct probe_spec *out);

/* The switches of a probe: what a query may turn from its module's own
 * value that changes which options weir gets, besides the transport:
 * reverse (-R), latency (--latency), and whether a bitrate is given (-b).
 * weir may refuse some of them together (config.h, exp_refused_mix). */
#define PROBE_SWITCHES (PP_REVERSE | PP_LATENCY | PP_BITRATE)

/* Those of the switches p has turned from its module's probe. */
unsigned probe_spec_switched(const struct probe_spec *p);

/* Turns the switches in p: reverse and latency to their other value, a
 * bitrate to none, none to one (any: weir refuses -b, not its value). */
void probe_spec_switch(struct probe_spec *p, unsigned switches);

#endif
