/* The command line: getopt's tables, the two passes, and the checks that
 * span options (modes, end conditions). Each option is an entry of the
 * option table (optable.c); optcheck.c reads and checks its value. */
#include "cli/options.h"
#include "cli/help.h"
#include "cli/identity.h"
#include "cli/optable.h"
#include "cli/optcheck.h"
#include "host/host.h"
#include "host/loader.h"
#include "proto/errors.h"
#include "proto/latency_params.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* getopt's value for the long option of table entry i, and for the k-th
 * option a plugin declares. */
#define VAL_TABLE  0x100
#define VAL_PLUGIN 0x10000

/* Named as weir runs: "iperf3" under that name. */
static void usage_hint(void)
{
    fprintf(stderr, "Usage: %s [-s|-c host] [options]\n"
                    "Try `%s --help' for more information.\n", identity_name(), identity_name());
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    /* iperf3's prefix for a command line it refuses, which wrappers grep
     * to tell bad configuration from a failed run. */
    fprintf(stderr, "%s: parameter error - ", identity_name());
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    usage_hint();
    return -1;
}

/* A refusal with its status: iperf3's message for it (see optcheck.h). */
static int refused(int code, const char *detail)
{
    char line[1024];
    optcheck_text(line, sizeof line, code, detail);
    return usage_error("%s", line);
}

/* First pass: which plugins does this command line name? They are loaded
 * before parsing so their options can be parsed too. */
static void prescan(int argc, char **argv, struct settings *s)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--") == 0)
            break;
        if (strcmp(a, "--plugin-dir") == 0 && next)
            s->plugin_dir = next;
        else if (strncmp(a, "--plugin-dir=", 13) == 0)
            s->plugin_dir = a + 13;
        else if (strcmp(a, "--transport") == 0 && next)
            s->transport = next;
        else if (strncmp(a, "--transport=", 12) == 0)
            s->transport = a + 12;
    }
}

/* plugins[0..*n) gets t unless it is there already. */
static void add_plugin(const struct weir_plugin **plugins, int *n, const struct weir_plugin *t)
{
    for (int k = 0; k < *n; k++)
        if (plugins[k] == t)
            return;
    plugins[(*n)++] = t;
}

static int load_transports(struct settings *s, const struct weir_plugin **plugins, int *n,
                           int *n_transports)
{
    char err[1024];
    *n = 0;
    if (s->mode != MODE_SERVER || s->transport) {
        int n_names = s->n_compare ? s->n_compare : 1;
        for (int i = 0; i < n_names; i++) {
            const char *name = s->n_compare ? s->compare[i] : s->transport ? s->transport : DEFAULT_TRANSPORT;
            const struct weir_plugin *t = loader_load(name, WEIR_PLUGIN_TRANSPORT, err, sizeof err);
            if (!t) {
                fprintf(stderr, "%s: error - %s\n", identity_name(), err);
                return -1;
            }
            add_plugin(plugins, n, t);
        }
    }
    *n_transports = *n;
    return 0;
}

/* --load-transport: its plugin, for its options (--tls-insecure with
 * --load-transport tls). Appended after the checked plugins: -l is the
 * probes' size, never the load's. */
static int load_load_transport(const struct settings *s, const struct weir_plugin **plugins, int *n)
{
    char err[1024];
    if (!s->load_transport || s->mode == MODE_SERVER)
        return 0;
    const struct weir_plugin *t = loader_load(s->load_transport, WEIR_PLUGIN_TRANSPORT, err, sizeof err);
    if (!t) {
        fprintf(stderr, "%s: error - --load-transport: %s\n", identity_name(), err);
        return -1;
    }
    add_plugin(plugins, n, t);
    return 0;
}

/* A stacked transport (tls on tcp, quic on udp) names the one beneath as
 * its wire_key: that one's options (--udp-no-gso under quic) reach it
 * through the host too, so they are parsed and listed as well. Appended
 * after the reporters: they take part in no check of a transport's own. */
static void load_lowers(const struct weir_plugin **plugins, int *n)
{
    char err[1024];
    for (int i = 0; i < *n; i++) {
        if (plugins[i]->kind != WEIR_PLUGIN_TRANSPORT)
            continue;
        const char *key = plugins[i]->transport ? plugins[i]->transport->wire_key : NULL;
        if (!key || strcmp(key, plugins[i]->name) == 0)
            continue;
        const struct weir_plugin *low = loader_load(key, WEIR_PLUGIN_TRANSPORT, err, sizeof err);
        int seen = !low;
        for (int k = 0; k < *n && !seen; k++)
            seen = plugins[k] == low;
        if (!seen)
            plugins[(*n)++] = low;
    }
}

static int load_reporters(struct settings *s, const struct weir_plugin **plugins, int *n)
{
    char err[1024];
    for (int i = 0; i < s->n_reporters; i++) {
        char name[256];
        snprintf(name, sizeof name, "%s", s->reporters[i]);
        char *colon = strchr(name, ':');
        if (colon)
            *colon = '\0';
        const struct weir_plugin *r = loader_load(name, WEIR_PLUGIN_REPORTER, err, sizeof err);
        if (!r) {
            fprintf(stderr, "%s: error - %s\n", identity_name(), err);
            return -1;
        }
        plugins[(*n)++] = r;
    }
    return 0;
}

/* Puts reporter name at index at of the list. */
static int insert_reporter(struct settings *s, int at, const char *name)
{
    if (s->n_reporters == MAX_REPORTERS)
        return usage_error("too many --reporter options (at most %d)", MAX_REPORTERS);
    memmove(&s->reporters[at + 1], &s->reporters[at],
            (size_t)(s->n_reporters - at) * sizeof s->reporters[0]);
    s->reporters[at] = name;
    s->n_reporters++;
    return 0;
}

/* Index of a --reporter NAME without a file argument, or -1. */
static int stdout_reporter_index(const struct settings *s, const char *name)
{
    for (int i = 0; i < s->n_reporters; i++)
        if (strcmp(s->reporters[i], name) == 0)
            return i;
    return -1;
}

/* Standard output always gets a reporter: the one -J / --json-stream /
 * neither asks for (json, json-stream, text; --json-stream wins over -J,
 * as in iperf3), unless a --reporter without a file argument already
 * writes there. So `--reporter csv:run.csv` keeps the text output, and
 * `-J --reporter svg:run.svg` the JSON. */
static int add_stdout_reporter(struct settings *s)
{
    const char *want = s->json_stream ? "json-stream" : s->json ? "json" : "text";
    int to_stdout = 0;
    for (int i = 0; i < s->n_reporters; i++)
        to_stdout |= strchr(s->reporters[i], ':') == NULL;
    int wanted = stdout_reporter_index(s, want) >= 0;
    /* First, so that --get-server-output captures the stdout reporter. */
    if (!(to_stdout && !s->json && !s->json_stream) && !wanted && insert_reporter(s, 0, want))
        return -1;
    /* --json-stream-full-output (iperf3 3.21): the json reporter's whole
     * document follows each test's event lines, on the same output; it
     * comes after json-stream so that its test_finish writes last. */
    int lines = stdout_reporter_index(s, "json-stream");
    if (s->json_stream && s->json_stream_full_output && lines >= 0 &&
        stdout_reporter_index(s, "json") < 0)
        return insert_reporter(s, lines + 1, "json");
    return 0;
}

/* --transport A,B,...: split the list into s->compare. A single name is
 * an ordinary run (n_compare 0). */
static int split_transports(struct settings *s)
{
    s->n_compare = 0;
    if (!s->transport || !strchr(s->transport, ','))
        return 0;
    if (strlen(s->transport) >= sizeof s->compare_buf)
        return usage_error("transport list too long: '%s'", s->transport);
    strcpy(s->compare_buf, s->transport);
    for (char *save = NULL, *name = strtok_r(s->compare_buf, ",", &save); name;
         name = strtok_r(NULL, ",", &save)) {
        if (s->n_compare == MAX_COMPARE)
            return usage_error("at most %d transports can be compared", MAX_COMPARE);
        s->compare[s->n_compare++] = name;
    }
    /* strtok_r skips empty fields: count commas to refuse "tcp,,udp". */
    int commas = 0;
    for (const char *c = s->transport; *c; c++)
        commas += *c == ',';
    if (commas + 1 != s->n_compare)
        return usage_error("empty name in transport list '%s'", s->transport);
    s->transport = s->compare[0];
    return 0;
}

/* getopt_long, naming the program as weir's other error lines do ("weir",
 * or "iperf3" under that name) whatever the path it was started by (getopt
 * takes the name from argv[0]). */
static int next_option(int argc, char **argv, const char *opts, const struct option *longopts,
                       int *idx)
{
    char *argv0 = argv[0];
    argv[0] = (char *)identity_name();
    int c = getopt_long(argc, argv, opts, longopts, idx);
    argv[0] = argv0;
    return c;
}

static void defaults(struct settings *s)
{
    memset(s, 0, sizeof *s);
    s->mode = MODE_NONE;
    s->family = AF_UNSPEC;
    for (size_t i = 0; i < optable_len; i++) {
        const struct optspec *o = &optable[i];
        if (o->set.ctype == CT_DOUBLE)
            optfield_set_double(s, o->set, (double)o->dflt);
        else if (o->set.ctype != CT_STR && o->dflt)
            optfield_set_int(s, o->set, o->dflt);
    }
}

/* getopt's tables: the option table's, then the options of the plugins
 * loaded for this command line. */
struct getopt_tables {
    char shorts[2 * 128];           /* "-" (first pass: keep the order) + letters */
    struct option *longs;
    size_t n_long;
    const struct weir_option **plugin_opts;
    size_t n_plugin;
};

static int build_tables(struct getopt_tables *g)
{
    memset(g, 0, sizeof *g);
    size_t cap = 2 * optable_len + 1;
    if (!(g->longs = calloc(cap, sizeof *g->longs)))
        return -1;
    char *sh = g->shorts;
    *sh++ = '-';
    for (size_t i = 0; i < optable_len; i++) {
        const struct optspec *o = &optable[i];
        if (!o->name)
            continue;
        int has = o->arg == ARG_NONE ? no_argument : (o->flags & OPT_OPTIONAL) ? optional_argument
                                                                               : required_argument;
        g->longs[g->n_long++] = (struct option){ o->name, has, NULL, VAL_TABLE + (int)i };
        if (o->alias)
            g->longs[g->n_long++] = (struct option){ o->alias, has, NULL, VAL_TABLE + (int)i };
        if (o->letter) {
            *sh++ = (char)o->letter;
            if (has == required_argument)
                *sh++ = ':';
        }
    }
    *sh = '\0';
    return 0;
}

/* Appends the options of the loaded plugins. A name weir's own table has
 * would never reach the plugin: refused, as is running out of memory. A
 * name several plugins declare alike is one option. */
static int add_plugin_options(struct getopt_tables *g, const struct weir_plugin *const *plugins, int n)
{
    size_t more = 0;
    for (int i = 0; i < n; i++)
        for (const struct weir_option *o = plugins[i]->options; o && o->name; o++)
            more++;
    struct option *longs = realloc(g->longs, (g->n_long + more + 1) * sizeof *longs);
    if (longs)
        g->longs = longs;
    const struct weir_option **opts = more ? calloc(more, sizeof *opts) : NULL;
    if (!longs || (more && !opts)) {
        free(opts);
        return usage_error("out of memory for the plugins' options");
    }
    g->plugin_opts = opts;
    for (int i = 0; i < n; i++)
        for (const struct weir_option *o = plugins[i]->options; o && o->name; o++) {
            if (optable_by_name(o->name))
                return usage_error("%s plugin '%s' declares --%s, which is one of weir's own options",
                                   plugins[i]->kind == WEIR_PLUGIN_TRANSPORT ? "transport" : "reporter",
                                   plugins[i]->name, o->name);
            /* Two plugins may declare one option (tls and quic share
             * --tls-*): parsed once, and both read the one value by name,
             * so their declarations must agree on its type. */
            const struct weir_option *same = NULL;
            for (size_t k = 0; k < g->n_plugin && !same; k++)
                if (strcmp(g->plugin_opts[k]->name, o->name) == 0)
                    same = g->plugin_opts[k];
            if (same && host_option_type(same) != host_option_type(o))
                return usage_error("transport plugins declare --%s with different types ('%s' among them)",
                                   o->name, plugins[i]->name);
            if (same)
                continue;
            g->plugin_opts[g->n_plugin] = o;
            int has = host_option_type(o) == WEIR_VALUE_BOOL ? no_argument : required_argument;
            g->longs[g->n_long++] = (struct option){ o->name, has, NULL, VAL_PLUGIN + (int)g->n_plugin };
            g->n_plugin++;
        }
    g->longs[g->n_long] = (struct option){ 0 };
    return 0;
}

static void free_tables(struct getopt_tables *g)
{
    free(g->longs);
    free(g->plugin_opts);
}

/* The table entry getopt's value c stands for, or NULL. */
static const struct optspec *entry_of(int c)
{
    if (c >= VAL_TABLE && c < VAL_TABLE + (int)optable_len)
        return &optable[c - VAL_TABLE];
    return c > 0 && c < 0x80 ? optable_by_letter(c) : NULL;
}

/* The first option given that mode does not accept. */
static const struct optspec *misplaced(const unsigned char *given, enum opt_where not_here)
{
    for (size_t i = 0; i < optable_len; i++)
        if (given[i] && optable[i].where == not_here)
            return &optable[i];
    return NULL;
}

/* --latency and what it cannot go with: the streams carry probes, whose
 * size is -l and whose pace is --latency-rate, both ways at once. */
static int check_latency(const struct settings *s)
{
    if (s->load_transport && !(s->latency && s->latency_load))
        return usage_error("%s", "--load-transport needs --latency and --load");
    if (!s->latency) {
        if (s->latency_reply || s->latency_rate > 0 || s->latency_synced_clocks || s->latency_load)
            return usage_error("%s", "--latency-reply-size, --latency-rate, --latency-synced-clocks "
                               "and --load need --latency");
        if (s->latency_busy_poll)
            return usage_error("%s", "--busy-poll needs --latency");
        return 0;
    }
    if (s->file)
        return usage_error("--latency cannot be used with %s", "-F (probes carry no file)");
    /* With --load, -R, --bidir and -b are the load's. */
    if ((s->reverse || s->bidir) && !s->latency_load)
        return usage_error("--latency cannot be used with %s", "-R or --bidir without --load (every probe goes both ways)");
    if (s->rate_set && !s->latency_load)
        return usage_error("--latency cannot be used with %s", "-b without --load (the probes' pace is --latency-rate)");
    if (s->latency_load && (s->bytes || s->blocks))
        return usage_error("--load cannot be used with %s", "-n or -k (the load runs for -t after the idle phase)");
    if (s->latency_load && s->duration > 0 && s->duration <= LATENCY_IDLE_S)
        return usage_error("--load needs -t longer than the idle phase (%d s)", LATENCY_IDLE_S);
    if (s->zerocopy || s->skip_rx_copy)
        return usage_error("--latency cannot be used with %s", "-Z or --skip-rx-copy (probes are read and written whole)");
    return 0;
}

/* The exporter takes its own options and those marked OPT_EXPORTER_TOO;
 * any other would be silently meaningless there (its tests are set by the
 * modules file). The others refuse its options. */
static int check_exporter_options(const struct settings *s, const unsigned char *given)
{
    for (size_t i = 0; i < optable_len; i++) {
        const struct optspec *o = &optable[i];
        if (!given[i] || !o->name)
            continue;
        int exporters = o->where == FOR_EXPORTER || (o->flags & OPT_EXPORTER_TOO);
        if (s->mode == MODE_EXPORTER && !exporters)
            return usage_error("--%s is not an option of --exporter (its tests are set by the "
                               "modules file, --exporter-config)", o->name);
        if (s->mode != MODE_EXPORTER && o->where == FOR_EXPORTER)
            return usage_error("--%s is an option of --exporter", o->name);
    }
    return 0;
}

/* Checks that span options, once all are read. */
static int check_mode(struct settings *s, const unsigned char *given,
                      const struct weir_plugin *const *plugins, int n_plugins)
{
    if (s->mode == MODE_NONE)
        return refused(WEIR_E_NOROLE, NULL);
    if (check_exporter_options(s, given))
        return -1;
    if (s->mode == MODE_EXPORTER)
        return 0;
    if (s->mode == MODE_SERVER) {
        /* iperf3 refuses client-only options on a server; -A's ",m" is one. */
        if (misplaced(given, FOR_CLIENT) || s->server_affinity >= 0)
            return refused(WEIR_E_CLIENTONLY, NULL);
        if ((s->rsa_private_key != NULL) != (s->authorized_users != NULL))
            return refused(WEIR_E_SETSERVERAUTH, NULL);
        /* Tests at the same time would write (and truncate) the one file. */
        if (s->file && s->max_tests > 1)
            return usage_error("%s", "-F cannot be used with --max-tests above 1");
        return 0;
    }
    if (misplaced(given, FOR_SERVER))
        return refused(WEIR_E_SERVERONLY, NULL);
    /* iperf3: a sending client never waits for data. */
    if (s->rcv_timeout_set && !s->reverse && !s->bidir)
        return refused(WEIR_E_RVRSONLYRCVTIMEOUT, NULL);
    if ((s->username != NULL) != (s->rsa_public_key != NULL))
        return refused(WEIR_E_SETCLIENTAUTH, NULL);
    if (((s->bytes || s->blocks) && s->duration_set) || (s->bytes && s->blocks))
        return refused(WEIR_E_ENDCONDITIONS, NULL);
    if (s->bytes || s->blocks)
        s->duration = 0;
    if (s->reverse && s->bidir)
        return refused(WEIR_E_REVERSEBIDIR, NULL);
    /* Both directions would read and write the same file. */
    if (s->file && s->bidir)
        return usage_error("%s", "-F cannot be used with --bidir");
    int lat_rc = check_latency(s);
    if (lat_rc)
        return lat_rc;
    /* -l within each transport's own range (iperf3 refuses a UDP length
     * outside its range here too). */
    for (int i = 0; i < n_plugins && s->blksize; i++) {
        if (plugins[i]->kind != WEIR_PLUGIN_TRANSPORT)
            continue;
        char given_text[64], detail[256];
        snprintf(given_text, sizeof given_text, "'%u' over %s", s->blksize, plugins[i]->name);
        int rc = optcheck_blksize(plugins[i]->transport, s->blksize, given_text, detail, sizeof detail);
        if (rc != WEIR_OK)
            return refused(rc, detail);
    }
    return 0;
}

/* One pass over argv. Pass 0 reads the early options (mode, plugins,
 * reporters, help) and does not permute argv (a plugin option's separate
 * value must stay beside it); pass 1 reads the rest, with getopt's own
 * complaints (iperf3's: "weir: option requires an argument -- 'c'"). */
static int parse_pass(int pass, int argc, char **argv, struct settings *s,
                      const struct getopt_tables *g, unsigned char *given)
{
    optind = 0;             /* 0, not 1: glibc re-reads the ordering mode */
    opterr = pass == 1;
    const char *shorts = pass == 0 ? g->shorts : g->shorts + 1;
    int c, idx;
    while ((c = next_option(argc, argv, shorts, g->longs, &idx)) != -1) {
        const struct optspec *o = entry_of(c);
        if (c >= VAL_PLUGIN && (size_t)(c - VAL_PLUGIN) < g->n_plugin) {
            char why[256];
            if (pass == 1 && host_set_option(g->plugin_opts[c - VAL_PLUGIN], optarg, why, sizeof why) != 0)
                return usage_error("%s", why);
            continue;
        }
        if (!o) {
            if (pass == 0)
                continue;       /* a plugin's option, or a non-option */
            if (c == '?') {
                usage_hint();
                return -1;
            }
            return usage_error("unrecognized option '%s'", argv[optind - 1]);
        }
        if (((o->flags & OPT_EARLY) != 0) != (pass == 0))
            continue;
        char detail[512] = "";
        int rc = optcheck_read(o, optarg, s, detail, sizeof detail);
        if (rc == OPT_EXIT)
            return 1;
        if (rc != WEIR_OK)
            return refused(rc, detail);
        given[o - optable] = 1;
    }
    if (pass == 1 && optind < argc)
        return usage_error("unexpected argument '%s'", argv[optind]);
    return 0;
}

static int parse(int argc, char **argv, struct settings *s, struct getopt_tables *g,
                 unsigned char *given)
{
    int rc = parse_pass(0, argc, argv, s, g, given);
    if (rc)
        return rc;
    /* Between the passes: check the mode, load the named plugins. */
    if ((int)s->mode == -1)
        return refused(WEIR_E_SERVCLIENT, NULL);
    if (add_stdout_reporter(s) || split_transports(s))
        return -1;
    if (s->n_compare && s->mode == MODE_SERVER)
        return usage_error("%s", "a transport list (--transport A,B,...) is a client option; "
                           "a server serves whichever transport each client asks for");
    /* The transports (one more: --load-transport), the reporters, a lower each. */
    const struct weir_plugin *plugins[MAX_REPORTERS + 2 * (MAX_COMPARE + 1)];
    int n_plugins = 0, n_transports = 0;
    /* The exporter loads none: its probes are weir clients of their own. */
    if ((s->mode != MODE_NONE || s->help) && s->mode != MODE_EXPORTER &&
        (load_transports(s, plugins, &n_plugins, &n_transports) ||
         load_reporters(s, plugins, &n_plugins)))
        return -1;
    /* Checked as the test's plugins: those so far; the lowers only add options. */
    int n_checked = n_plugins;
    if ((s->mode != MODE_NONE || s->help) && s->mode != MODE_EXPORTER &&
        load_load_transport(s, plugins, &n_plugins))
        return -1;
    load_lowers(plugins, &n_plugins);
    if (s->help) {
        help_print(stdout, plugins, n_plugins);
        return 1;
    }
    if (add_plugin_options(g, plugins, n_plugins))
        return -1;
    if ((rc = parse_pass(1, argc, argv, s, g, given)) != 0)
        return rc;
    host_set_debug(s->debug);
    return check_mode(s, given, plugins, n_checked);
}

int options_parse(int argc, char **argv, struct settings *s)
{
    defaults(s);
    prescan(argc, argv, s);
    loader_set_plugin_dir(s->plugin_dir);
    struct getopt_tables g;
    unsigned char *given = calloc(optable_len, 1);
    if (!given || build_tables(&g) != 0) {
        free(given);
        return usage_error("%s", "out of memory");
    }
    int rc = parse(argc, argv, s, &g, given);
    free_tables(&g);
    free(given);
    return rc;
}
