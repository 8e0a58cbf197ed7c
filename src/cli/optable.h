/* The one table of weir's own options (iperf3's and weir's; a plugin
 * declares its options in its descriptor) and of the parameters a client
 * sends a server in the parameter JSON (PARAM_EXCHANGE: always client ->
 * server; the server only reads them).
 *
 * An entry says all the core needs to know about one option or parameter.
 * From the table come:
 *   getopt's long options and short string, the mode checks  cli/options.c
 *   --help, in the table's order by section                  cli/help.c
 *   the range checks, with one message for a value given on
 *   the command line and one a client sent                   cli/optcheck.c
 *   the parameter JSON both ways, the client's copy of its
 *   settings into the parameters, their defaults             proto/params.c
 * The man page's item for an entry is the .TP in src/weir.1 whose tag names
 * --NAME: tests/e2e/docs.sh fails for an option of --help without one.
 *
 * Adding an option: its entry in optable.c, its field in
 * struct settings (and in struct test_params when it travels), its item in
 * src/weir.1, and the code that acts on it. */
#ifndef WEIR_OPTABLE_H
#define WEIR_OPTABLE_H

#include "proto/errors.h"
#include <stddef.h>
#include <stdint.h>

struct settings;

/* How the argument is read. */
enum opt_arg {
    ARG_NONE,           /* a flag: sets its field to flag_value (1 when 0) */
    ARG_INT,            /* an integer, decimal or 0x-prefixed (strtol base 0) */
    ARG_SIZE,           /* bytes with binary suffixes: 128K = 131072 */
    ARG_RATE,           /* bits/s with decimal suffixes: 100M = 100000000 */
    ARG_DOUBLE,         /* a decimal fraction */
    ARG_STRING          /* kept as given (it points into argv) */
};

/* The C type of the field an entry fills, found by _Generic from the
 * field itself (SETTING, PARAM), so a table entry cannot disagree with its
 * struct. Integers travel through int64_t (uint64_t bit for bit). */
enum opt_ctype { CT_NONE, CT_INT, CT_U16, CT_U32, CT_U64, CT_DOUBLE, CT_CHAR, CT_STR };

struct optfield {
    uint16_t off;
    uint8_t ctype;      /* enum opt_ctype; CT_NONE: no field */
};

#define OPT_CTYPE_(x) _Generic((x), int: CT_INT, uint16_t: CT_U16, uint32_t: CT_U32,          \
                               uint64_t: CT_U64, double: CT_DOUBLE, char: CT_CHAR,               \
                               const char *: CT_STR, char *: CT_STR)
#define OPT_FIELD_(type, f) { (uint16_t)offsetof(type, f), OPT_CTYPE_(((type *)0)->f) }
/* A field of struct settings (cli/options.h) or struct test_params
 * (proto/params.h). */
#define SETTING(f) OPT_FIELD_(struct settings, f)
#define PARAM(f)   OPT_FIELD_(struct test_params, f)

/* The modes that accept an option; the others refuse it when it is given
 * at all, even at its default, as iperf3 does: "some option you are trying
 * to set is client only" (or server only). */
enum opt_where { FOR_BOTH, FOR_CLIENT, FOR_SERVER, FOR_EXPORTER };

/* The --help section an option is listed in (iperf3's grouping: where it
 * matters, not always where it is accepted; -B is listed as a client's).
 * HELP_NONE: not listed (a parameter only). */
enum opt_section { HELP_NONE, HELP_BOTH, HELP_SERVER, HELP_CLIENT, HELP_EXPORTER };

/* How a parameter is written in the JSON, as iperf3's client writes it. */
enum wire_kind {
    WIRE_NONE,          /* not a parameter */
    WIRE_INT,           /* a number */
    WIRE_TRISTATE,      /* a number read as 0 or 1; absent = dflt (-1) */
    WIRE_TRUE,          /* a flag sent as true; any value counts as set */
    WIRE_ONE,           /* a flag sent as 1; any value counts as set */
    WIRE_NONZERO,       /* a flag sent as 1; a number, set when not 0 */
    WIRE_STRING
};

/* When a client sends a numeric parameter. */
enum wire_send {
    SEND_ALWAYS,
    SEND_IF_SET         /* only when it differs from dflt */
};

/* flags */
#define OPT_EARLY      (1u << 0) /* read before plugins load, in the first
                                    pass: the mode, the plugins, the
                                    reporters, --help */
#define OPT_OPTIONAL   (1u << 1) /* --NAME[=ARG]: the argument may be absent */
#define OPT_ZERO_OFF   (1u << 2) /* 0 is taken besides [min, max]: "off" (-i,
                                    -M, a burst) */
#define OPT_CLIENT_FILLS (1u << 3) /* the client works the parameter out
                                    (with its transport's defaults): no
                                    plain copy from the settings */
#define OPT_EXPORTER_TOO (1u << 4) /* --exporter takes it too (-D, -I,
                                    --logfile): an exporter refuses every
                                    option but its own and these */

/* Custom reading of an argument, for options whose value is more than one
 * number or string (-b RATE/BURST, -A n,m, --dscp names). arg is NULL for a
 * flag or an absent optional argument. Returns WEIR_OK, OPT_EXIT (done,
 * exit 0: -v printed the version), or a status with detail set (see
 * optcheck.h: WEIR_E_USAGE prints the detail alone). */
#define OPT_EXIT (-1)
struct optspec;
typedef int (*opt_parse_fn)(const struct optspec *o, const char *arg, struct settings *s,
                            char *detail, size_t len);

struct optspec {
    /* The command line. */
    const char *name;           /* --NAME; NULL for a parameter only */
    int letter;                 /* -L, 0: none */
    const char *alias;          /* an old long name getopt takes too, not
                                   listed by --help (weir.1 has its item) */
    enum opt_arg arg;
    unsigned flags;             /* OPT_* */
    enum opt_where where;
    struct optfield set;        /* the value's field in struct settings */
    struct optfield given;      /* an int field set to 1 when the option is
                                   given (-t: duration_set), or none */
    int64_t flag_value;         /* ARG_NONE: the value the flag sets; 0 means 1 */
    opt_parse_fn parse;         /* NULL: read by arg into set */

    /* Values. dflt is the setting's initial value and a parameter's value
     * when the client did not send it (iperf3's server defaults). */
    int64_t dflt;
    double min, max;            /* the range, when max > min; both sides */
    const char *unit;           /* of the range in messages ("seconds") */
    int err;                    /* the status for a value out of range or
                                   unreadable: an iperf3 error number (it
                                   goes to the client in SERVER_ERROR), or 0
                                   when iperf3 has none: then "invalid WHAT"
                                   (WEIR_E_USAGE; WEIR_E_RECVPARAMS from a
                                   client) */
    const char *what;           /* err 0: what the value is */

    /* The parameter JSON (client -> server). */
    const char *key;            /* iperf3's key, NULL: not sent */
    enum wire_kind wire;
    enum wire_send send;
    int wire_rank;              /* 1, 2, ...: the key's place in the JSON,
                                   iperf3's client's order */
    struct optfield param;      /* its field in struct test_params */

    /* --help. */
    enum opt_section section;
    const char *meta;           /* the argument as --help shows it, with the
                                   spacing before it: "      #" lines up
                                   iperf3's column, "<=format>" follows */
    const char *help;           /* lines separated by \n; a leading \n
                                   starts them under the names */
};

extern const struct optspec optable[];
extern const size_t optable_len;

/* Lookups (NULL: none). */
const struct optspec *optable_by_name(const char *name);     /* long name or alias */
const struct optspec *optable_by_letter(int letter);
const struct optspec *optable_by_key(const char *key);

/* Field access: integers (and chars) as int64_t, uint64_t bit for bit. */
int64_t optfield_get_int(const void *base, struct optfield f);
void optfield_set_int(void *base, struct optfield f, int64_t v);
double optfield_get_double(const void *base, struct optfield f);
void optfield_set_double(void *base, struct optfield f, double v);
const char *optfield_get_str(const void *base, struct optfield f);
/* Stores the pointer as it is: the caller owns what it points to. */
void optfield_set_str(void *base, struct optfield f, const char *v);

#endif
