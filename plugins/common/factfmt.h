/* A transport's facts about a stream (weir_fact: typed key and value) as
 * reporters show them: as text (-V's line, csv's value column, svg's
 * table) and as a metric name in base units (openmetrics). */
#ifndef WEIR_FACTFMT_H
#define WEIR_FACTFMT_H

#include <stddef.h>
#include <weir/weir.h>

/* One value: yes/no, the number, or the string. Doubles in the fewest
 * digits that read back the same. */
void factfmt_value(const struct weir_value *v, char *buf, size_t len);

/* The facts, in order, into line (cut at len): "key value" pairs joined by
 * ", "; a run of dotted keys with the same first part is one group,
 * "group: k1 v1, k2 v2", set off by "; ". Returns the length written, 0
 * for no facts. */
size_t factfmt_line(const struct weir_fact *facts, size_t n, char *line, size_t len);

/* What a numeric fact measures, read from its key (sdk/README.md §6's
 * naming rule): the name with its unit in base units, and the factor from
 * the fact's unit to that one.
 *   name   the key's parts joined by '_', parts of digits only left out
 *          ("quic.stream_bytes.4": "quic_stream_bytes"), the last part's
 *          unit suffix turned into the base unit's: _ms, _us, _ns become
 *          _seconds; _bytes stays. Keys from before the rule, by their
 *          last part: cwnd, max_udp_payload, notsent_lowat are bytes
 *          (cwnd_bytes, ...), bytes_in_flight is in_flight_bytes,
 *          max_pacing_rate (bits/s) max_pacing_rate_bytes_per_second.
 *   unit   "seconds", "bytes", "bytes_per_second", or NULL (a count)
 *   divisor  what the fact's value is divided by for that unit: 1000 for
 *          milliseconds, 8 for bits/s; 1 for a count (factfmt_metric_value)
 *   index  the parts of digits only, joined by '.' ("4"), "" for none
 * Returns 0, or -1 when the key has no part to name it by or does not fit. */
struct factfmt_metric {
    char name[128];
    const char *unit;
    double divisor;
    char index[32];
};
int factfmt_metric(const char *key, struct factfmt_metric *out);
/* A numeric fact's value in m's unit, a power of ten's division done on
 * its decimal digits (0.085427 ms is 8.5427e-05 s, not 8.5427000000000007e-05);
 * NaN for a value that is not a number. */
double factfmt_metric_value(const struct weir_value *v, const struct factfmt_metric *m);

#endif
