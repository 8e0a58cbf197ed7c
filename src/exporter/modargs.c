#include "exporter/modargs.h"
#include "cli/optable.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

void modargs_free(char **words, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(words[i]);
    free(words);
}

static int push_word(char ***words, size_t *n, const char *buf, size_t used)
{
    char **grown = realloc(*words, (*n + 1) * sizeof *grown);
    if (!grown)
        return -1;
    *words = grown;
    if (!(grown[*n] = strndup(buf, used)))
        return -1;
    (*n)++;
    return 0;
}

int modargs_split(const char *text, char ***words, size_t *n, char *why, size_t len)
{
    *words = NULL;
    *n = 0;
    char *buf = malloc(strlen(text) + 1);
    size_t used = 0;
    int in_word = 0, rc = 0;
    char quote = 0;
    if (!buf) {
        snprintf(why, len, "out of memory");
        return -1;
    }
    for (const char *p = text; *p && rc == 0; p++) {
        if (quote == '\'') {
            if (*p == '\'')
                quote = 0;
            else
                buf[used++] = *p;
        } else if (quote == '"') {
            if (*p == '"')
                quote = 0;
            else if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
                buf[used++] = *++p;
            else
                buf[used++] = *p;
        } else if (isspace((unsigned char)*p)) {
            if (in_word && push_word(words, n, buf, used) != 0)
                rc = -1, snprintf(why, len, "out of memory");
            in_word = 0;
            used = 0;
        } else {
            in_word = 1;
            if (*p == '\'' || *p == '"')
                quote = *p;
            else if (*p != '\\')
                buf[used++] = *p;
            else if (p[1])
                buf[used++] = *++p;
            else
                rc = -1, snprintf(why, len, "a backslash ends the line");
        }
    }
    if (rc == 0 && quote)
        rc = -1, snprintf(why, len, "unterminated %s quote", quote == '"' ? "double" : "single");
    if (rc == 0 && in_word && push_word(words, n, buf, used) != 0)
        rc = -1, snprintf(why, len, "out of memory");
    free(buf);
    if (rc != 0) {
        modargs_free(*words, *n);
        *words = NULL;
        *n = 0;
    }
    return rc;
}

/* Long names (a table entry's) a module's args may not give, and why. */
static const struct {
    const char *name;
    const char *why;
} refused[] = {
    { "client", "the probe names its target" },
    { "server", "a probe is a client" },
    { "loopback", "a probe is a client" },
    { "exporter", "a probe is a client" },      /* and every --exporter-... */
    { "port", "the target or the module's port sets it" },
    { "transport", "the module's transport and the query set it" },
    { "udp", "the module's transport and the query set it" },
    { "time", "the module's time and the query set it" },
    { "bytes", "a probe ends after its time" },
    { "blockcount", "a probe ends after its time" },
    { "omit", "it would run a probe past its time" },
    { "reverse", "the module's reverse and the query set it" },
    { "parallel", "the module's parallel and the query set it" },
    { "bitrate", "the module's bitrate and the query set it" },
    { "bandwidth", "the module's bitrate and the query set it" },
    { "latency", "the module's latency and the query set it" },
    { "json", "a probe answers OpenMetrics" },
    { "json-stream", "a probe answers OpenMetrics" },
    { "json-stream-full-output", "a probe answers OpenMetrics" },
    { "reporter", "a probe answers OpenMetrics" },
    { "logfile", "a probe's output is its answer" },
    { "daemon", "a probe runs in the foreground" },
    { "pidfile", "a probe runs in the foreground" },
    { "connect-timeout", "the probe sets it" },
    { "dry-run", "a probe runs its test" },
    { "help", "it prints instead of testing" },
    { "version", "it prints instead of testing" },
    { "list-plugins", "it prints instead of testing" },
};

#define N_REFUSED (sizeof refused / sizeof refused[0])

/* The entry whose long name is text's first n characters, or NULL. */
static const struct optspec *exact_entry(const char *text, size_t n)
{
    for (size_t i = 0; i < optable_len; i++) {
        const struct optspec *o = &optable[i];
        if ((o->name && strlen(o->name) == n && strncmp(o->name, text, n) == 0) ||
            (o->alias && strlen(o->alias) == n && strncmp(o->alias, text, n) == 0))
            return o;
    }
    return NULL;
}

/* The one entry whose long name begins with text's first n characters
 * (getopt_long takes such an abbreviation), or NULL. */
static const struct optspec *abbreviated_entry(const char *text, size_t n)
{
    const struct optspec *found = NULL;
    for (size_t i = 0; i < optable_len; i++) {
        const struct optspec *o = &optable[i];
        if ((o->name && strncmp(o->name, text, n) == 0) || (o->alias && strncmp(o->alias, text, n) == 0)) {
            if (found)
                return NULL;
            found = o;
        }
    }
    return found;
}

/* The refusal for a long option written as text's first n characters: one
 * it names exactly, abbreviates, or (--exporter...) extends; -1 when it is
 * exactly an option args may give. */
static int refusal_of_long(const char *text, size_t n)
{
    const struct optspec *o = exact_entry(text, n);
    for (size_t i = 0; i < N_REFUSED; i++) {
        const char *r = refused[i].name;
        size_t rn = strlen(r);
        if (strcmp(r, "exporter") == 0 && n >= rn && strncmp(text, r, rn) == 0)
            return (int)i;
        if (o ? (o->name && strcmp(o->name, r) == 0) || (o->alias && strcmp(o->alias, r) == 0)
              : n <= rn && strncmp(r, text, n) == 0)
            return (int)i;
    }
    return -1;
}

static int refusal_of_entry(const struct optspec *o)
{
    for (size_t i = 0; i < N_REFUSED && o->name; i++)
        if (strcmp(o->name, refused[i].name) == 0)
            return (int)i;
    return -1;
}

/* The option reads the next word as its value when it is not attached. */
static int takes_value(const struct optspec *o)
{
    return o && o->arg != ARG_NONE && !(o->flags & OPT_OPTIONAL);
}

int modargs_refused(char *const *words, size_t n, char *why, size_t len)
{
    for (size_t i = 0; i < n; i++) {
        const char *w = words[i];
        if (strcmp(w, "--") == 0)
            break;          /* the rest are not options (weir refuses them) */
        if (w[0] != '-' || w[1] == '\0')
            continue;
        if (w[1] == '-') {
            const char *name = w + 2;
            const char *eq = strchr(name, '=');
            size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
            int r = refusal_of_long(name, nlen);
            if (r >= 0) {
                snprintf(why, len, "'%s' is the probe's own option: %s", w, refused[r].why);
                return -1;
            }
            const struct optspec *o = exact_entry(name, nlen);
            if (!o)
                o = abbreviated_entry(name, nlen);
            if (!eq && takes_value(o))
                i++;
            continue;
        }
        for (const char *c = w + 1; *c; c++) {
            const struct optspec *o = optable_by_letter((unsigned char)*c);
            if (!o)
                break;      /* weir refuses it */
            int r = refusal_of_entry(o);
            if (r >= 0) {
                snprintf(why, len, "'-%c' is the probe's own option: %s", *c, refused[r].why);
                return -1;
            }
            if (takes_value(o)) {
                i += c[1] == '\0';
                break;
            }
        }
    }
    return 0;
}

static const char *program = "/proc/self/exe";

void modargs_set_program(const char *path)
{
    program = path;
}

#define CHECK_TIMEOUT_MS 10000
#define CHECK_OUTPUT_MAX 4096

/* Reads the child's standard error until it closes it, or until the time
 * runs out (*stuck set: it is still running). Keeps the first
 * CHECK_OUTPUT_MAX - 1 bytes. */
static size_t read_child(int fd, char *buf, size_t cap, int *stuck)
{
    size_t used = 0;
    *stuck = 0;
    struct pollfd p = { .fd = fd, .events = POLLIN };
    for (;;) {
        int r = poll(&p, 1, CHECK_TIMEOUT_MS);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            *stuck = r == 0;
            break;
        }
        char chunk[512];
        ssize_t got = read(fd, chunk, sizeof chunk);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        size_t n = (size_t)got < cap - 1 - used ? (size_t)got : cap - 1 - used;
        memcpy(buf + used, chunk, n);
        used += n;
    }
    buf[used] = '\0';
    return used;
}

/* weir's reason among what it wrote: its last "weir: error - REASON" or
 * "weir: parameter error - REASON" line, else getopt's last "weir: REASON"
 * (the usage hint follows either, debug lines may come before). */
static void reason_of(const char *name, const char *text, char *why, size_t len)
{
    size_t name_len = strlen(name);
    const char *best = NULL;
    size_t best_len = 0;
    int best_is_error = 0;
    for (const char *line = text; *line;) {
        size_t n = strcspn(line, "\n");
        if (n > name_len + 2 && strncmp(line, name, name_len) == 0 && strncmp(line + name_len, ": ", 2) == 0) {
            const char *rest = line + name_len + 2;
            size_t prefix = strncmp(rest, "error - ", 8) == 0 ? 8
                          : strncmp(rest, "parameter error - ", 18) == 0 ? 18 : 0;
            int is_error = prefix > 0;
            if (is_error || !best_is_error) {
                best = rest + prefix;
                best_len = n - (size_t)(best - line);
                best_is_error = is_error;
            }
        }
        line += n + (line[n] == '\n');
    }
    if (best)
        snprintf(why, len, "%.*s", (int)best_len, best);
    else
        snprintf(why, len, "%.*s", (int)strcspn(text, "\n"), text);
}

/* argv with --dry-run at its end: weir checks them and exits. */
static char **dry_run_argv(char *const *argv)
{
    size_t n = 0;
    while (argv[n])
        n++;
    char **v = calloc(n + 2, sizeof *v);
    if (!v)
        return NULL;
    memcpy(v, argv, n * sizeof *v);
    v[n] = "--dry-run";
    return v;
}

int modargs_check(char *const *argv, char *why, size_t len)
{
    char **dry = dry_run_argv(argv);
    int fds[2];
    if (!dry || pipe2(fds, O_CLOEXEC) != 0) {
        snprintf(why, len, "cannot check the options: %s", dry ? strerror(errno) : "out of memory");
        free(dry);
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fds[1], STDERR_FILENO);
    pid_t pid;
    int e = posix_spawn(&pid, program, &fa, NULL, dry, environ);
    posix_spawn_file_actions_destroy(&fa);
    free(dry);
    close(fds[1]);
    if (e != 0) {
        close(fds[0]);
        snprintf(why, len, "cannot check the options: unable to run %s: %s", program, strerror(e));
        return -1;
    }
    char out[CHECK_OUTPUT_MAX];
    int stuck, status = 0;
    read_child(fds[0], out, sizeof out, &stuck);
    close(fds[0]);
    if (stuck)
        kill(pid, SIGKILL);
    pid_t got;
    while ((got = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
        ;
    if (got == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (got != pid || stuck || !WIFEXITED(status)) {
        snprintf(why, len, "weir's option parser did not finish");
        return -1;
    }
    const char *slash = strrchr(argv[0], '/');
    reason_of(slash ? slash + 1 : argv[0], out, why, len);
    if (!*why)
        snprintf(why, len, "weir's option parser refused them");
    return -1;
}
