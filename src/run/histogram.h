/* A log-linear histogram of durations in nanoseconds (HDR-style): exact
 * below 256 ns, then 128 buckets per power of two, so any value up to
 * HIST_MAX_NS is known to within 1/256 of itself (the bucket's middle is
 * reported). Fixed size, no allocation: histograms can be copied, reset
 * and merged (per interval into the total, per stream into the sum).
 * Count, sum and (shifted) sum of squares are kept beside the buckets, so
 * mean and standard deviation do not suffer the buckets' rounding; min and
 * max are exact too. Not thread-safe: one writer, or a lock around it. */
#ifndef WEIR_HISTOGRAM_H
#define WEIR_HISTOGRAM_H

#include <stddef.h>
#include <stdint.h>

/* The largest value kept: 60 s. A larger one counts as this and in
 * clamped. */
#define HIST_MAX_NS 60000000000ull
#define HIST_SUB_BITS 7                         /* 128 buckets per octave */
#define HIST_SUB (1u << HIST_SUB_BITS)
/* Octaves above the exact range up to HIST_MAX_NS (< 2^36). */
#define HIST_BUCKETS (HIST_SUB * 30u)

struct histogram {
    uint64_t count;
    uint64_t clamped;           /* values above HIST_MAX_NS */
    uint64_t min, max;          /* exact (after clamping); min UINT64_MAX when empty */
    uint64_t sum;               /* ns */
    /* Squares of the differences from shift (the first value recorded), so
     * that a small spread on a large value is not lost to cancellation. */
    uint64_t shift;
    long double sum_sq;         /* ns^2 */
    uint32_t buckets[HIST_BUCKETS];
};

void hist_reset(struct histogram *h);
void hist_record(struct histogram *h, uint64_t ns);
/* into += from. */
void hist_merge(struct histogram *into, const struct histogram *from);

/* p in [0, 100]: the smallest recorded value v such that at least p % of
 * the values are <= v, within the bucket error, never outside [min, max].
 * 0 for an empty histogram. */
double hist_percentile(const struct histogram *h, double p);
double hist_mean(const struct histogram *h);
/* Population standard deviation; 0 below two values. */
double hist_stddev(const struct histogram *h);

/* counts[i] = the values <= le_ns[i] (le_ns ascending): a bucket counts
 * below a bound when its lowest value does, so a value within the bucket
 * error of a bound may fall on either side of it. */
void hist_cumulative(const struct histogram *h, const uint64_t *le_ns, size_t n, uint64_t *counts);

/* The bucket a value falls in, and the bucket's lowest value and width
 * (exposed for the unit test's error sweep). */
uint32_t hist_bucket_of(uint64_t ns);
uint64_t hist_bucket_low(uint32_t b);
uint64_t hist_bucket_width(uint32_t b);

#endif
