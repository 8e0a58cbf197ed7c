/* The exporter's log: one line per event on standard error (the log file
 * with --logfile or -D), prefixed "weir exporter: ". */
#ifndef WEIR_EXPORTER_XLOG_H
#define WEIR_EXPORTER_XLOG_H

void xlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Only with -d. */
void xlog_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void xlog_set_debug(int on);

#endif
