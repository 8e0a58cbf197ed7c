/* Reading and checking the values of optable entries. A value is checked
 * by one function whether it came from the command line or from a client's
 * parameters, and a refusal has one text: the iperf3 message of the entry's
 * error (or "invalid WHAT"), what was given, and the range unless the
 * message already states it:
 *   weir: error - invalid number of parallel streams: '0' (1 to 4096)
 *   (server)      invalid number of parallel streams: parameter parallel = 0 (1 to 4096)
 * A client's parameter refused without an iperf3 number of its own gets
 * WEIR_E_RECVPARAMS on the wire (optcheck_wire_status). */
#ifndef WEIR_OPTCHECK_H
#define WEIR_OPTCHECK_H

#include <stddef.h>
#include <stdint.h>
#include <weir/transport.h>

#include "cli/optable.h"
#include "proto/errors.h"

/* Reads the command line's argument of o (NULL: a flag, or an optional
 * argument left out) into s: by o->parse, else as o->arg says, checking
 * the range; sets o->given. Returns WEIR_OK, OPT_EXIT, or a status with
 * detail (optcheck_text makes the error line). */
int optcheck_read(const struct optspec *o, const char *arg, struct settings *s,
                  char *detail, size_t len);

/* v within o's range (or 0 for OPT_ZERO_OFF): WEIR_OK; else as
 * optcheck_refuse. An entry without a range takes anything. */
int optcheck_range(const struct optspec *o, double v, const char *given, char *detail, size_t len);

/* The status and detail refusing o's value, shown as given ("'0'",
 * "parameter len = 0"): o->err, or WEIR_E_USAGE with "invalid WHAT: ". */
int optcheck_refuse(const struct optspec *o, const char *given, char *detail, size_t len);

/* A block size (-l, the parameter len) within the table's range and the
 * transport's (blksize_min..blksize_max, refused with its blksize_error,
 * as iperf3 refuses a UDP length with IEUDPBLOCKSIZE). */
int optcheck_blksize(const struct weir_transport_ops *ops, uint64_t blksize, const char *given,
                     char *detail, size_t len);
/* The same against one test's rules (weir_transport_ops.test_rules). */
int optcheck_blksize_rules(const struct weir_test_rules *r, uint64_t blksize, const char *given,
                           char *detail, size_t len);

/* An integer as the command line writes it: decimal, 0x hex or 0 octal,
 * nothing after it. 0, or -1 when it is not one. */
int optcheck_parse_int(const char *text, int64_t *out);

/* What a refusal of a client's parameter sends: WEIR_E_USAGE (no iperf3
 * number) goes as WEIR_E_RECVPARAMS. */
int optcheck_wire_status(int code);

/* The error line's text for the command line: the detail alone for
 * WEIR_E_USAGE, else "MESSAGE: DETAIL". */
void optcheck_text(char *buf, size_t len, int code, const char *detail);

#endif
