#include "axis.h"

#include <math.h>

/* Tolerance for values that should be whole multiples but carry rounding. */
#define EPS 1e-9
/* How close (in steps) an exact range end must be to a tick to reach it. */
#define SNAP 0.05
/* How far (in steps) a value may pass a tick and still be drawn below it. */
#define SLACK 1e-3

const char *axis_rate_unit(double max_bps, double *scale)
{
    static const struct { double scale; const char *name; } units[] = {
        { 1e12, "Tbits/s" }, { 1e9, "Gbits/s" }, { 1e6, "Mbits/s" }, { 1e3, "Kbits/s" },
    };
    for (unsigned i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (max_bps >= units[i].scale) {
            *scale = units[i].scale;
            return units[i].name;
        }
    }
    *scale = 1;
    return "bits/s";
}

double axis_nice_step(double span, int target)
{
    if (!(span > 0) || target < 1)
        return 1;
    double raw = span / target;
    double mag = pow(10, floor(log10(raw)));
    double f = raw / mag;
    if (f <= 1 + EPS)
        return mag;
    if (f <= 2 + EPS)
        return 2 * mag;
    if (f <= 5 + EPS)
        return 5 * mag;
    return 10 * mag;
}

void axis_ticks(double lo, double hi, int target, int round_out, struct axis_ticks *t)
{
    if (!(hi > lo))
        hi = lo + 1;
    t->step = axis_nice_step(hi - lo, target);
    double first, last;
    if (round_out) {
        /* A maximum a hair above a tick (per-stream rates are kept as
         * floats) stays under it: the overshoot is far below a pixel. */
        first = floor(lo / t->step + SLACK);
        last = ceil(hi / t->step - SLACK);
        lo = first * t->step;
        hi = last * t->step;
    } else {
        /* An end a hair short of a tick (a 3 s test measured as 2.9996 s)
         * still gets that tick: the range grows to it. */
        first = ceil(lo / t->step - SNAP);
        last = floor(hi / t->step + SNAP);
        lo = fmin(lo, first * t->step);
        hi = fmax(hi, last * t->step);
    }
    t->lo = lo;
    t->hi = hi;
    t->first = first * t->step;
    t->count = (int)(last - first) + 1;
    t->decimals = t->step >= 1 ? 0 : (int)ceil(-log10(t->step) - EPS);
}

double axis_tick(const struct axis_ticks *t, int i)
{
    double v = t->first + i * t->step;
    return fabs(v) < t->step * EPS ? 0 : v;
}
