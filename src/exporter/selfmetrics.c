#include "exporter/selfmetrics.h"
#include "exporter/admit.h"
#include "exporter/child.h"
#include "exporter/textbuf.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *const failure_names[N_FAILURES] = {
    [FAIL_NONE] = "none", [FAIL_TEST] = "test_error", [FAIL_TIMEOUT] = "timeout",
    [FAIL_SIGNAL] = "signal", [FAIL_RESOLVE] = "resolve", [FAIL_START] = "start",
    [FAIL_OUTPUT] = "output_too_long", [FAIL_STOPPED] = "exporter_stopping",
    [FAIL_SCRAPE_TIMEOUT] = "scrape_timeout", [FAIL_CLIENT_GONE] = "client_gone",
};

static const int refusal_codes[] = { 400, 403, 429, 503 };
#define N_REFUSALS (sizeof refusal_codes / sizeof refusal_codes[0])

struct histogram {
    const double *bounds;
    size_t n;
    unsigned long long counts[16];  /* per bound, not cumulative; last: +Inf */
    double sum;
    unsigned long long total;
};

static const double wait_bounds[] = { 0.005, 0.05, 0.25, 1, 2.5, 5, 10, 30, 60 };
static const double duration_bounds[] = { 0.5, 1, 2.5, 5, 10, 15, 30, 60, 120 };

/* Modules come from the configuration, so their number is bounded by it;
 * past MODULES_MAX names (reloads adding new ones) they count as "other". */
#define MODULES_MAX 64
struct module_count {
    char name[64];
    unsigned long long by_result[2];    /* failure, success */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct module_count modules[MODULES_MAX];
static size_t n_modules;
static unsigned long long failures[N_FAILURES];
static unsigned long long refused[N_REFUSALS];
static struct histogram queue_wait = { wait_bounds, sizeof wait_bounds / sizeof wait_bounds[0], { 0 }, 0, 0 };
static struct histogram duration = { duration_bounds, sizeof duration_bounds / sizeof duration_bounds[0], { 0 }, 0, 0 };
static int in_flight;
static unsigned long long reloads[2];
static int last_reload_ok = 1;
static double start_time;

void selfmetrics_start(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    start_time = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void observe(struct histogram *h, double v)
{
    size_t i = 0;
    while (i < h->n && v > h->bounds[i])
        i++;
    h->counts[i]++;
    h->sum += v;
    h->total++;
}

void selfmetrics_refused(int status)
{
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < N_REFUSALS; i++)
        if (refusal_codes[i] == status)
            refused[i]++;
    pthread_mutex_unlock(&lock);
}

static struct module_count *module_slot(const char *name)
{
    for (size_t i = 0; i < n_modules; i++)
        if (strcmp(modules[i].name, name) == 0)
            return &modules[i];
    if (n_modules == MODULES_MAX - 1 && strcmp(name, "other") != 0)
        return module_slot("other");
    if (n_modules == MODULES_MAX)
        return NULL;
    snprintf(modules[n_modules].name, sizeof modules[n_modules].name, "%s", name);
    return &modules[n_modules++];
}

void selfmetrics_probe(const char *module, enum probe_failure why, double seconds)
{
    pthread_mutex_lock(&lock);
    struct module_count *m = module_slot(module);
    if (m)
        m->by_result[why == FAIL_NONE]++;
    if (why != FAIL_NONE)
        failures[why]++;
    observe(&duration, seconds);
    pthread_mutex_unlock(&lock);
}

void selfmetrics_queue_wait(double seconds)
{
    pthread_mutex_lock(&lock);
    observe(&queue_wait, seconds);
    pthread_mutex_unlock(&lock);
}

void selfmetrics_in_flight(int delta)
{
    pthread_mutex_lock(&lock);
    in_flight += delta;
    pthread_mutex_unlock(&lock);
}

void selfmetrics_reload(int ok)
{
    pthread_mutex_lock(&lock);
    reloads[ok != 0]++;
    last_reload_ok = ok != 0;
    pthread_mutex_unlock(&lock);
}

static void family(struct textbuf *b, const char *name, const char *type, const char *help)
{
    tb_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void render_histogram(struct textbuf *b, const char *name, const struct histogram *h)
{
    unsigned long long cumulative = 0;
    for (size_t i = 0; i < h->n; i++) {
        cumulative += h->counts[i];
        tb_printf(b, "%s_bucket{le=\"%g\"} %llu\n", name, h->bounds[i], cumulative);
    }
    tb_printf(b, "%s_bucket{le=\"+Inf\"} %llu\n", name, h->total);
    tb_printf(b, "%s_sum %.17g\n%s_count %llu\n", name, h->sum, name, h->total);
}

/* Cheap process figures from /proc: open descriptors and resident memory. */
static long open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    long n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += e->d_name[0] != '.';
    closedir(d);
    return n - 1;               /* opendir's own */
}

static long long resident_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "re");
    if (!f)
        return -1;
    long long size, rss;
    int ok = fscanf(f, "%lld %lld", &size, &rss) == 2;
    fclose(f);
    return ok ? rss * sysconf(_SC_PAGESIZE) : -1;
}

char *selfmetrics_render(size_t *len)
{
    struct textbuf b = { 0 };
    long fds = open_fds();
    long long rss = resident_bytes();
    int running = child_running(), waiting = admit_waiting();
    pthread_mutex_lock(&lock);
    family(&b, "weir_exporter_probes_total", "counter",
           "Probes that ran a test, by module and result (success: the test ran to its end)");
    for (size_t i = 0; i < n_modules; i++)
        for (int ok = 1; ok >= 0; ok--) {
            tb_printf(&b, "weir_exporter_probes_total{module=\"");
            tb_label_value(&b, modules[i].name);
            tb_printf(&b, "\",result=\"%s\"} %llu\n", ok ? "success" : "failure",
                      modules[i].by_result[ok]);
        }
    family(&b, "weir_exporter_probe_failures_total", "counter",
           "Probes that ran and failed, by reason");
    for (int i = FAIL_NONE + 1; i < N_FAILURES; i++)
        tb_printf(&b, "weir_exporter_probe_failures_total{reason=\"%s\"} %llu\n", failure_names[i],
                  failures[i]);
    family(&b, "weir_exporter_probes_refused_total", "counter",
           "Probe requests refused before a test ran, by HTTP status");
    for (size_t i = 0; i < N_REFUSALS; i++)
        tb_printf(&b, "weir_exporter_probes_refused_total{code=\"%d\"} %llu\n", refusal_codes[i],
                  refused[i]);
    family(&b, "weir_exporter_probes_in_flight", "gauge",
           "Probes accepted and not yet answered (resolving, waiting or running)");
    tb_printf(&b, "weir_exporter_probes_in_flight %d\n", in_flight);
    family(&b, "weir_exporter_probes_running", "gauge", "Probe tests running now");
    tb_printf(&b, "weir_exporter_probes_running %d\n", running);
    family(&b, "weir_exporter_probes_waiting", "gauge", "Probes waiting for a slot to run");
    tb_printf(&b, "weir_exporter_probes_waiting %d\n", waiting);
    family(&b, "weir_exporter_queue_wait_seconds", "histogram",
           "Time probes waited for a slot to run");
    render_histogram(&b, "weir_exporter_queue_wait_seconds", &queue_wait);
    family(&b, "weir_exporter_probe_duration_seconds", "histogram",
           "Time probes took to run their test");
    render_histogram(&b, "weir_exporter_probe_duration_seconds", &duration);
    family(&b, "weir_exporter_config_reloads_total", "counter",
           "Reloads of the modules file (SIGHUP), by result");
    tb_printf(&b, "weir_exporter_config_reloads_total{result=\"success\"} %llu\n"
                  "weir_exporter_config_reloads_total{result=\"failure\"} %llu\n",
              reloads[1], reloads[0]);
    family(&b, "weir_exporter_config_last_reload_successful", "gauge",
           "1 if the last reload of the modules file succeeded (or none was asked for)");
    tb_printf(&b, "weir_exporter_config_last_reload_successful %d\n", last_reload_ok);
    pthread_mutex_unlock(&lock);
    family(&b, "process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch");
    tb_printf(&b, "process_start_time_seconds %.3f\n", start_time);
    if (fds >= 0) {
        family(&b, "process_open_fds", "gauge", "Open file descriptors");
        tb_printf(&b, "process_open_fds %ld\n", fds);
    }
    if (rss >= 0) {
        family(&b, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes");
        tb_printf(&b, "process_resident_memory_bytes %lld\n", rss);
    }
    return tb_take(&b, len);
}
