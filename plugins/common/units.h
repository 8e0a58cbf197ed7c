/* Size and rate units with iperf3's conventions: sizes (-n -k -l -w) take
 * binary suffixes (K = 1024), rates (-b) decimal ones (K = 1000); output
 * columns are adaptive bytes (binary) and adaptive bits (decimal). */
#ifndef WEIR_UNITS_H
#define WEIR_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* "128K" -> 131072. Returns 0, or -1 on a malformed value or overflow. */
int units_parse_size(const char *text, uint64_t *out);
/* "100M" -> 100000000. Returns 0, or -1 on a malformed value or overflow. */
int units_parse_rate(const char *text, uint64_t *out);

/* iperf3's -f letters: 'a' adaptive bits, k m g t bits, K M G T bytes,
 * 'A' adaptive bytes. */
int units_valid(char unit);

/* Transfer column: "1.94 GBytes", always adaptive binary bytes. */
void units_format_bytes(char *buf, size_t len, double bytes);
/* Bitrate column: bytes per second shown per -f unit: "16.7 Gbits/sec". */
void units_format_rate(char *buf, size_t len, double bytes_per_sec, char unit);
/* Shared by both: value in a 4-wide field with iperf3's precision steps. */
void units_format_value(char *buf, size_t len, double value, const char *suffix);

/* A number for machines (JSON, CSV, metrics): integral values as integers,
 * others with 15 significant digits, or 17 when 15 do not read back as the
 * same double. Non-finite values print as "NaN", "+Inf", "-Inf". */
void units_format_number(char *buf, size_t len, double v);

#endif
