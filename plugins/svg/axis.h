/* Axis arithmetic for the svg reporter: the bit-rate unit a chart uses and
 * "nice" tick steps (1, 2 or 5 times a power of ten). */
#ifndef WEIR_SVG_AXIS_H
#define WEIR_SVG_AXIS_H

/* Decimal bit-rate unit for values up to max_bps: "bits/s", "Kbits/s",
 * "Mbits/s", "Gbits/s" or "Tbits/s", the largest whose 1 is <= max_bps.
 * *scale gets the unit's size in bits/s (1, 1e3, ... 1e12). */
const char *axis_rate_unit(double max_bps, double *scale);

/* Ticks of an axis over [lo, hi]: every multiple of step in that range.
 * With round_out set (a value axis from 0) the range is widened to whole
 * steps; otherwise (a time axis) it stays as given, except that an end
 * within 5 % of a step short of a tick grows to that tick. */
struct axis_ticks {
    double lo, hi;      /* the axis range */
    double step;
    double first;       /* first tick, a multiple of step */
    int count;
    int decimals;       /* digits after the point that show step exactly */
};

/* The smallest 1/2/5 x 10^n step that cuts span into at most target parts. */
double axis_nice_step(double span, int target);
void axis_ticks(double lo, double hi, int target, int round_out, struct axis_ticks *t);
/* Tick i's value; -0 comes out as 0. */
double axis_tick(const struct axis_ticks *t, int i);

#endif
