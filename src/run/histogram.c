#include "run/histogram.h"

#include <math.h>
#include <string.h>

void hist_reset(struct histogram *h)
{
    memset(h, 0, sizeof *h);
    h->min = UINT64_MAX;
}

static unsigned msb(uint64_t v)
{
    return 63u - (unsigned)__builtin_clzll(v);
}

/* Values below 2*HIST_SUB are their own bucket; above, shift so that the
 * value's top HIST_SUB_BITS+1 bits pick one of HIST_SUB buckets of its
 * octave. */
uint32_t hist_bucket_of(uint64_t ns)
{
    if (ns < 2u * HIST_SUB)
        return (uint32_t)ns;
    unsigned shift = msb(ns) - HIST_SUB_BITS;
    return (uint32_t)(HIST_SUB * shift + (ns >> shift));
}

uint64_t hist_bucket_low(uint32_t b)
{
    if (b < 2u * HIST_SUB)
        return b;
    unsigned shift = b / HIST_SUB - 1;
    return (uint64_t)(b - HIST_SUB * shift) << shift;
}

uint64_t hist_bucket_width(uint32_t b)
{
    return b < 2u * HIST_SUB ? 1 : 1ull << (b / HIST_SUB - 1);
}

void hist_record(struct histogram *h, uint64_t ns)
{
    if (ns > HIST_MAX_NS) {
        ns = HIST_MAX_NS;
        h->clamped++;
    }
    if (!h->count)
        h->shift = ns;
    long double d = (long double)ns - (long double)h->shift;
    h->buckets[hist_bucket_of(ns)]++;
    h->count++;
    h->sum += ns;
    h->sum_sq += d * d;
    if (ns < h->min)
        h->min = ns;
    if (ns > h->max)
        h->max = ns;
}

void hist_merge(struct histogram *into, const struct histogram *from)
{
    if (!from->count)
        return;
    for (uint32_t b = hist_bucket_of(from->min); b <= hist_bucket_of(from->max); b++)
        into->buckets[b] += from->buckets[b];
    if (!into->count) {
        into->shift = from->shift;
        into->sum_sq = from->sum_sq;
    } else {
        /* from's squares moved to into's shift: sum((x-a)^2) =
         * sum((x-b)^2) + 2(b-a) sum(x-b) + n (b-a)^2. */
        long double d = (long double)from->shift - (long double)into->shift;
        long double n = (long double)from->count;
        long double s = (long double)from->sum - n * (long double)from->shift;
        into->sum_sq += from->sum_sq + 2 * d * s + n * d * d;
    }
    into->count += from->count;
    into->clamped += from->clamped;
    into->sum += from->sum;
    if (from->min < into->min)
        into->min = from->min;
    if (from->max > into->max)
        into->max = from->max;
}

double hist_percentile(const struct histogram *h, double p)
{
    if (!h->count)
        return 0;
    if (p <= 0)
        return (double)h->min;
    if (p >= 100)
        return (double)h->max;
    uint64_t rank = (uint64_t)ceil(p / 100.0 * (double)h->count);
    if (rank < 1)
        rank = 1;
    uint64_t seen = 0;
    uint32_t last = hist_bucket_of(h->max);
    for (uint32_t b = hist_bucket_of(h->min); b <= last; b++) {
        seen += h->buckets[b];
        if (seen >= rank) {
            /* The bucket's middle; the exact extremes where they lie in it. */
            double v = (double)hist_bucket_low(b) + (double)(hist_bucket_width(b) - 1) / 2.0;
            if (v < (double)h->min)
                v = (double)h->min;
            if (v > (double)h->max)
                v = (double)h->max;
            return v;
        }
    }
    return (double)h->max;
}

double hist_mean(const struct histogram *h)
{
    return h->count ? (double)h->sum / (double)h->count : 0;
}

double hist_stddev(const struct histogram *h)
{
    if (h->count < 2)
        return 0;
    long double n = (long double)h->count;
    long double m = ((long double)h->sum - n * (long double)h->shift) / n;   /* mean - shift */
    long double var = h->sum_sq / n - m * m;
    return var > 0 ? (double)sqrtl(var) : 0;
}

void hist_cumulative(const struct histogram *h, const uint64_t *le_ns, size_t n, uint64_t *counts)
{
    uint64_t below = 0;
    uint32_t b = 0, last = h->count ? hist_bucket_of(h->max) : 0;
    if (h->count)
        b = hist_bucket_of(h->min);
    for (size_t i = 0; i < n; i++) {
        while (h->count && b <= last && hist_bucket_low(b) <= le_ns[i])
            below += h->buckets[b++];
        counts[i] = below;
    }
}
