/* What query.c gives config.c besides config.h's probe_request_parse. */
#ifndef WEIR_EXPORTER_QUERY_H
#define WEIR_EXPORTER_QUERY_H

#include "exporter/config.h"

/* The probe a module runs when a query changes nothing: its transport,
 * time, reverse, parallel, and bitrate within max_bitrate; no host, the
 * module's port. */
void probe_spec_from_module(const struct exp_module *m, struct probe_spec *out);

#endif
