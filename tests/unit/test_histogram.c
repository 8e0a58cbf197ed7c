/* src/run/histogram.c: the relative error bound over the whole range,
 * percentiles of known distributions, exact mean/stddev/min/max, merging,
 * the empty histogram and the values it clamps. */
#include <CUnit/Basic.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "run/histogram.h"

static struct histogram a, b, c;

/* Every bucket, from 1 ns to 60 s: the value reported for it (its middle)
 * is within 1 % -- in fact 1/256 -- of any value falling in it, and the
 * buckets tile the range without gaps. */
static void test_error_bound(void)
{
    uint32_t last = hist_bucket_of(HIST_MAX_NS);
    CU_ASSERT(last < HIST_BUCKETS);
    double worst = 0;
    uint64_t expect_low = 0;
    for (uint32_t bk = 0; bk <= last; bk++) {
        uint64_t low = hist_bucket_low(bk), w = hist_bucket_width(bk);
        CU_ASSERT_EQUAL_FATAL(low, expect_low);
        expect_low = low + w;
        CU_ASSERT_EQUAL(hist_bucket_of(low), bk);
        CU_ASSERT_EQUAL(hist_bucket_of(low + w - 1), bk);
        if (low == 0)
            continue;
        double mid = (double)low + (double)(w - 1) / 2.0;
        double e1 = fabs(mid - (double)low) / (double)low;
        double e2 = fabs(mid - (double)(low + w - 1)) / (double)(low + w - 1);
        if (e1 > worst)
            worst = e1;
        if (e2 > worst)
            worst = e2;
    }
    CU_ASSERT(worst <= 1.0 / 256.0);
    CU_ASSERT(expect_low > HIST_MAX_NS);
    /* Sampled values through a one-value histogram: its median is the value
     * within 1 % (a single value is its own min and max: exact). With two
     * values in the same bucket the median comes from the bucket. */
    for (double v = 1; v <= (double)HIST_MAX_NS; v *= 1.37) {
        hist_reset(&a);
        hist_record(&a, (uint64_t)v);
        hist_record(&a, (uint64_t)v);
        hist_record(&a, (uint64_t)v + 1);
        double p = hist_percentile(&a, 50);
        CU_ASSERT(fabs(p - (uint64_t)v) <= 0.01 * (double)(uint64_t)v);
    }
}

/* 1..100000 ns once each: pN is N % of the way, within 1 %. */
static void test_uniform_percentiles(void)
{
    hist_reset(&a);
    for (uint64_t v = 1; v <= 100000; v++)
        hist_record(&a, v);
    CU_ASSERT_EQUAL(a.count, 100000);
    const double ps[] = { 1, 10, 50, 90, 99, 99.9 };
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++) {
        double want = ps[i] * 1000.0;
        double got = hist_percentile(&a, ps[i]);
        CU_ASSERT(fabs(got - want) <= 0.01 * want);
    }
    CU_ASSERT_DOUBLE_EQUAL(hist_percentile(&a, 0), 1, 0);
    CU_ASSERT_DOUBLE_EQUAL(hist_percentile(&a, 100), 100000, 0);
    /* Mean and standard deviation from the exact sums. */
    CU_ASSERT_DOUBLE_EQUAL(hist_mean(&a), 50000.5, 1e-9);
    double sd = sqrt((100000.0 * 100000.0 - 1.0) / 12.0);
    CU_ASSERT_DOUBLE_EQUAL(hist_stddev(&a), sd, 1e-6 * sd);
    CU_ASSERT_EQUAL(a.min, 1);
    CU_ASSERT_EQUAL(a.max, 100000);
}

/* Two spikes, 90 % at 20 us and 10 % at 5 ms: p50 and p90 at the first,
 * p99 at the second; the stddev of the two-point distribution. */
static void test_bimodal(void)
{
    hist_reset(&a);
    for (int i = 0; i < 9000; i++)
        hist_record(&a, 20000);
    for (int i = 0; i < 1000; i++)
        hist_record(&a, 5000000);
    CU_ASSERT(fabs(hist_percentile(&a, 50) - 20000) <= 200);
    CU_ASSERT(fabs(hist_percentile(&a, 90) - 20000) <= 200);
    CU_ASSERT(fabs(hist_percentile(&a, 90.01) - 5000000) <= 50000);
    CU_ASSERT(fabs(hist_percentile(&a, 99) - 5000000) <= 50000);
    double mean = 0.9 * 20000 + 0.1 * 5000000;
    CU_ASSERT_DOUBLE_EQUAL(hist_mean(&a), mean, 1e-6);
    double sd = sqrt(0.9 * 0.1) * (5000000 - 20000);
    CU_ASSERT_DOUBLE_EQUAL(hist_stddev(&a), sd, 1e-6 * sd);
}

/* A small variance on a large mean: the sums must not cancel it away. */
static void test_stddev_precision(void)
{
    hist_reset(&a);
    for (int i = 0; i < 100000; i++)
        hist_record(&a, 10000000000ull + (i % 2 ? 100 : 0));     /* 10 s +- 50 ns */
    CU_ASSERT_DOUBLE_EQUAL(hist_stddev(&a), 50, 0.5);
}

/* Merging two halves gives the histogram of the whole, bucket for bucket. */
static void test_merge(void)
{
    hist_reset(&a);
    hist_reset(&b);
    hist_reset(&c);
    srand(7);
    for (int i = 0; i < 50000; i++) {
        uint64_t v = (uint64_t)rand() % 3000000 + 1;
        hist_record(i % 3 ? &a : &b, v);
        hist_record(&c, v);
    }
    hist_merge(&a, &b);
    CU_ASSERT_EQUAL(a.count, c.count);
    CU_ASSERT_EQUAL(a.sum, c.sum);
    CU_ASSERT_EQUAL(a.min, c.min);
    CU_ASSERT_EQUAL(a.max, c.max);
    CU_ASSERT(memcmp(a.buckets, c.buckets, sizeof a.buckets) == 0);
    CU_ASSERT_DOUBLE_EQUAL(hist_percentile(&a, 99.9), hist_percentile(&c, 99.9), 0);
    CU_ASSERT_DOUBLE_EQUAL(hist_stddev(&a), hist_stddev(&c), 1e-9 * hist_stddev(&c));
    /* An empty histogram merges as nothing, both ways. */
    hist_reset(&b);
    hist_merge(&a, &b);
    CU_ASSERT_EQUAL(a.count, c.count);
    CU_ASSERT_EQUAL(a.min, c.min);
    hist_merge(&b, &c);
    CU_ASSERT_EQUAL(b.count, c.count);
    CU_ASSERT_EQUAL(b.min, c.min);
    CU_ASSERT_EQUAL(b.max, c.max);
}

static void test_empty(void)
{
    hist_reset(&a);
    CU_ASSERT_EQUAL(a.count, 0);
    CU_ASSERT_DOUBLE_EQUAL(hist_percentile(&a, 50), 0, 0);
    CU_ASSERT_DOUBLE_EQUAL(hist_mean(&a), 0, 0);
    CU_ASSERT_DOUBLE_EQUAL(hist_stddev(&a), 0, 0);
    hist_record(&a, 42);
    CU_ASSERT_DOUBLE_EQUAL(hist_stddev(&a), 0, 0);
    CU_ASSERT_DOUBLE_EQUAL(hist_percentile(&a, 99.9), 42, 0);
}

/* 0 ns and 60 s are kept exactly; beyond 60 s a value counts as 60 s and
 * is counted as clamped. */
static void test_extremes(void)
{
    hist_reset(&a);
    hist_record(&a, 0);
    hist_record(&a, HIST_MAX_NS);
    CU_ASSERT_EQUAL(a.clamped, 0);
    CU_ASSERT_EQUAL(a.min, 0);
    CU_ASSERT_EQUAL(a.max, HIST_MAX_NS);
    hist_record(&a, HIST_MAX_NS + 1);
    hist_record(&a, UINT64_MAX);
    CU_ASSERT_EQUAL(a.clamped, 2);
    CU_ASSERT_EQUAL(a.count, 4);
    CU_ASSERT_EQUAL(a.max, HIST_MAX_NS);
    CU_ASSERT_DOUBLE_EQUAL(hist_percentile(&a, 100), (double)HIST_MAX_NS, 0);
    CU_ASSERT(fabs(hist_percentile(&a, 75) - (double)HIST_MAX_NS) <= 0.01 * (double)HIST_MAX_NS);
    CU_ASSERT_DOUBLE_EQUAL(hist_percentile(&a, 25), 0, 0);
    hist_reset(&b);
    hist_merge(&b, &a);
    CU_ASSERT_EQUAL(b.clamped, 2);
}

/* The exported buckets (weir_report_latency_stats): a bucket counts
 * below a bound when its lowest value does; the exact range stays exact;
 * a clamped value counts above every bound short of 60 s. */
static void test_cumulative(void)
{
    struct histogram h;
    hist_reset(&h);
    uint64_t le[] = { 1000, 1500, 2000, 50000000000ull };
    uint64_t got[4];
    hist_cumulative(&h, le, 4, got);
    for (int i = 0; i < 4; i++)
        CU_ASSERT_EQUAL(got[i], 0);
    /* 999 and 1000 share no bucket with 1004 ([1000, 1003] holds 1000);
     * 1500 is in [1496, 1503]. */
    const uint64_t v[] = { 500, 999, 1000, 1004, 1500, 3000, 70000000000ull };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        hist_record(&h, v[i]);
    hist_cumulative(&h, le, 4, got);
    CU_ASSERT_EQUAL(got[0], 3);
    CU_ASSERT_EQUAL(got[1], 5);
    CU_ASSERT_EQUAL(got[2], 5);
    CU_ASSERT_EQUAL(got[3], 6);
    CU_ASSERT_EQUAL(h.count, 7);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    CU_pSuite s = CU_add_suite("latency histogram", NULL, NULL);
    CU_add_test(s, "relative error within 1 % from 1 ns to 60 s", test_error_bound);
    CU_add_test(s, "percentiles, mean, stddev of a uniform distribution", test_uniform_percentiles);
    CU_add_test(s, "percentiles of a bimodal distribution", test_bimodal);
    CU_add_test(s, "stddev of a small spread on a large mean", test_stddev_precision);
    CU_add_test(s, "merge", test_merge);
    CU_add_test(s, "empty", test_empty);
    CU_add_test(s, "extremes and clamping", test_extremes);
    CU_add_test(s, "cumulative counts at bucket bounds", test_cumulative);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
