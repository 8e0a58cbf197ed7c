/* The exporter's probe machinery without HTTP: the per-target interval
 * and the slots (admit.c), the test's child process (child.c: exit
 * status, error line, deadline, stop), the label escaping (textbuf.c)
 * and the /metrics text (selfmetrics.c). */
#include <CUnit/Basic.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "exporter/admit.h"
#include "exporter/child.h"
#include "exporter/selfmetrics.h"
#include "exporter/textbuf.h"

static void test_interval(void)
{
    CU_ASSERT_EQUAL(admit_interval("127.0.0.1 5201", 0.4), 0);
    double left = admit_interval("127.0.0.1 5201", 0.4);
    CU_ASSERT(left > 0 && left <= 0.4);
    CU_ASSERT_EQUAL(admit_interval("127.0.0.1 5202", 0.4), 0);
    CU_ASSERT_EQUAL(admit_interval("::1 5201", 0.4), 0);
    usleep(450000);
    CU_ASSERT_EQUAL(admit_interval("127.0.0.1 5201", 0.4), 0);
    /* 0: no interval at all. */
    CU_ASSERT_EQUAL(admit_interval("127.0.0.9 1", 0), 0);
    CU_ASSERT_EQUAL(admit_interval("127.0.0.9 1", 0), 0);
}

/* Waiters record the order they got their slot in. */
static pthread_mutex_t order_lock = PTHREAD_MUTEX_INITIALIZER;
static char order[8];
static size_t n_order;

struct waiter_arg {
    char name;
    double timeout;
    enum slot_wait got;
};

static void *waiter(void *p)
{
    struct waiter_arg *a = p;
    double waited;
    a->got = admit_slot(1, a->timeout, &waited);
    if (a->got == SLOT_TAKEN) {
        pthread_mutex_lock(&order_lock);
        order[n_order++] = a->name;
        pthread_mutex_unlock(&order_lock);
        usleep(20000);
        admit_slot_release();
    }
    return NULL;
}

static void wait_for_waiters(int n)
{
    for (int i = 0; i < 500 && admit_waiting() != n; i++)
        usleep(2000);
    CU_ASSERT_EQUAL(admit_waiting(), n);
}

static void test_slots(void)
{
    double waited;
    CU_ASSERT_EQUAL(admit_slot(1, 1, &waited), SLOT_TAKEN);
    CU_ASSERT(waited < 0.5);
    /* The one slot is taken: a wait of 0.2 s ends without one. */
    CU_ASSERT_EQUAL(admit_slot(1, 0.2, &waited), SLOT_TIMEOUT);
    CU_ASSERT(waited >= 0.19);
    /* Two slots: the second is free at once. */
    CU_ASSERT_EQUAL(admit_slot(2, 1, &waited), SLOT_TAKEN);
    admit_slot_release();
    /* Waiters get the slot in the order they came. */
    struct waiter_arg a = { 'a', 10, SLOT_TIMEOUT }, b = { 'b', 10, SLOT_TIMEOUT },
                      c = { 'c', 10, SLOT_TIMEOUT };
    pthread_t ta, tb, tc;
    pthread_create(&ta, NULL, waiter, &a);
    wait_for_waiters(1);
    pthread_create(&tb, NULL, waiter, &b);
    wait_for_waiters(2);
    pthread_create(&tc, NULL, waiter, &c);
    wait_for_waiters(3);
    admit_slot_release();
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    pthread_join(tc, NULL);
    CU_ASSERT_EQUAL(n_order, 3);
    CU_ASSERT_NSTRING_EQUAL(order, "abc", 3);
    CU_ASSERT_EQUAL(admit_waiting(), 0);
}

static void *stopper(void *p)
{
    (void)p;
    usleep(100000);
    admit_stop();
    return NULL;
}

/* Last: stopping is for good. */
static void test_slots_stop(void)
{
    double waited;
    CU_ASSERT_EQUAL(admit_slot(1, 5, &waited), SLOT_TAKEN);
    pthread_t t;
    pthread_create(&t, NULL, stopper, NULL);
    CU_ASSERT_EQUAL(admit_slot(1, 5, &waited), SLOT_STOPPING);
    CU_ASSERT(waited < 4);
    pthread_join(t, NULL);
    admit_slot_release();
}

static int run_sh(const char *script, double limit, int stop_fd, struct child_result *r)
{
    char *argv[] = { "/bin/sh", "-c", (char *)script, NULL };
    char why[256];
    struct child_limits lim = { .seconds = limit, .stop_fd = stop_fd, .client_fd = -1 };
    child_result_free(r);
    return child_run(argv, &lim, r, why, sizeof why);
}

static void *close_later(void *arg)
{
    usleep(300000);
    close(*(int *)arg);
    return NULL;
}

static void test_child(void)
{
    int stop = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    CU_ASSERT_FATAL(stop >= 0);
    struct child_result r = { 0 };
    CU_ASSERT_EQUAL(run_sh("echo metrics; echo 'weir: error - first' >&2; "
                           "echo 'weir: error - unable to connect' >&2; echo 'weir Done.' >&2; exit 1",
                           10, stop, &r), 0);
    CU_ASSERT_STRING_EQUAL(r.out, "metrics\n");
    CU_ASSERT_EQUAL(r.out_len, 8);
    CU_ASSERT_FALSE(r.out_too_large);
    CU_ASSERT_EQUAL(r.exit_status, 1);
    CU_ASSERT_EQUAL(r.signal, 0);
    CU_ASSERT_FALSE(r.timed_out);
    CU_ASSERT_STRING_EQUAL(r.error, "unable to connect");
    CU_ASSERT_EQUAL(run_sh("echo 'last words' >&2; echo >&2; exit 2", 10, stop, &r), 0);
    CU_ASSERT_EQUAL(r.exit_status, 2);
    CU_ASSERT_STRING_EQUAL(r.error, "last words");
    CU_ASSERT_EQUAL(run_sh("exit 0", 10, stop, &r), 0);
    CU_ASSERT_EQUAL(r.exit_status, 0);
    CU_ASSERT_STRING_EQUAL(r.error, "");
    CU_ASSERT_STRING_EQUAL(r.out, "");
    /* Standard output beyond what a probe may give: its head is kept, the
     * rest read and dropped, and the child still ends by itself. */
    CU_ASSERT_EQUAL(run_sh("head -c 9000000 /dev/zero; exit 3", 20, stop, &r), 0);
    CU_ASSERT_EQUAL(r.exit_status, 3);
    CU_ASSERT(r.out_too_large);
    CU_ASSERT_EQUAL(r.out_len, CHILD_OUT_MAX);
    /* The client going away ends the test (the other end of a socket
     * pair, closed by a thread of ours while the test runs). */
    int pair[2];
    CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0);
    pthread_t closer;
    pthread_create(&closer, NULL, close_later, &pair[1]);
    char *sleeper[] = { "/bin/sh", "-c", "sleep 20", NULL };
    char why_gone[256];
    struct child_limits watched = { .seconds = 10, .stop_fd = stop, .client_fd = pair[0] };
    child_result_free(&r);
    CU_ASSERT_EQUAL(child_run(sleeper, &watched, &r, why_gone, sizeof why_gone), 0);
    pthread_join(closer, NULL);
    close(pair[0]);
    CU_ASSERT(r.abandoned);
    CU_ASSERT_FALSE(r.timed_out);
    CU_ASSERT_EQUAL(r.signal, SIGKILL);
    /* More than is kept of standard error: its end is what counts. */
    CU_ASSERT_EQUAL(run_sh("i=0; while [ $i -lt 3000 ]; do echo noise noise noise >&2; i=$((i+1)); done; "
                           "echo 'weir: error - at the end' >&2; exit 1", 20, stop, &r), 0);
    CU_ASSERT_STRING_EQUAL(r.error, "at the end");
    /* The deadline: killed. */
    CU_ASSERT_EQUAL(run_sh("sleep 20", 0.3, stop, &r), 0);
    CU_ASSERT(r.timed_out);
    CU_ASSERT_EQUAL(r.signal, SIGKILL);
    CU_ASSERT_EQUAL(r.exit_status, -1);
    /* A process that keeps the pipe open after the child exits cannot
     * hold the probe. */
    CU_ASSERT_EQUAL(run_sh("sleep 4 2>&1 & exit 0", 3, stop, &r), 0);
    CU_ASSERT_EQUAL(r.exit_status, 0);
    CU_ASSERT_FALSE(r.timed_out);
    /* The exporter stopping: killed at once. */
    uint64_t one = 1;
    CU_ASSERT_EQUAL(write(stop, &one, sizeof one), (ssize_t)sizeof one);
    CU_ASSERT_EQUAL(run_sh("sleep 20", 10, stop, &r), 0);
    CU_ASSERT(r.stopped);
    CU_ASSERT_EQUAL(r.signal, SIGKILL);
    CU_ASSERT_EQUAL(child_running(), 0);
    child_result_free(&r);
    close(stop);
    /* A program that is not there. */
    char *argv[] = { "/nonexistent/weir", NULL };
    char why[256] = "";
    struct child_limits lim = { .seconds = 1, .stop_fd = -1, .client_fd = -1 };
    CU_ASSERT_EQUAL(child_run(argv, &lim, &r, why, sizeof why), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "/nonexistent/weir"));
}

static void test_label_value(void)
{
    struct textbuf b = { 0 };
    tb_label_value(&b, "a\"b\\c\nd");
    size_t len;
    char *text = tb_take(&b, &len);
    CU_ASSERT_STRING_EQUAL(text, "a\\\"b\\\\c\\nd");
    CU_ASSERT_EQUAL(len, strlen("a\\\"b\\\\c\\nd"));
    free(text);
}

static int has_line(const char *text, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = text; (p = strstr(p, line)) != NULL; p += n)
        if ((p == text || p[-1] == '\n') && p[n] == '\n')
            return 1;
    return 0;
}

static void test_selfmetrics(void)
{
    selfmetrics_start();
    selfmetrics_probe("tcp5", FAIL_NONE, 5.2);
    selfmetrics_probe("tcp5", FAIL_TEST, 0.01);
    selfmetrics_probe("we\"ird", FAIL_TIMEOUT, 70);
    selfmetrics_refused(403);
    selfmetrics_refused(403);
    selfmetrics_refused(429);
    selfmetrics_queue_wait(0.5);
    selfmetrics_reload(0);
    size_t len;
    char *text = selfmetrics_render(&len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    CU_ASSERT_EQUAL(strlen(text), len);
    CU_ASSERT(has_line(text, "weir_exporter_probes_total{module=\"tcp5\",result=\"success\"} 1"));
    CU_ASSERT(has_line(text, "weir_exporter_probes_total{module=\"tcp5\",result=\"failure\"} 1"));
    CU_ASSERT(has_line(text, "weir_exporter_probes_total{module=\"we\\\"ird\",result=\"failure\"} 1"));
    CU_ASSERT(has_line(text, "weir_exporter_probe_failures_total{reason=\"test_error\"} 1"));
    CU_ASSERT(has_line(text, "weir_exporter_probe_failures_total{reason=\"timeout\"} 1"));
    CU_ASSERT(has_line(text, "weir_exporter_probes_refused_total{code=\"403\"} 2"));
    CU_ASSERT(has_line(text, "weir_exporter_probes_refused_total{code=\"429\"} 1"));
    CU_ASSERT(has_line(text, "weir_exporter_probes_refused_total{code=\"400\"} 0"));
    /* Buckets are cumulative; 70 s is above 60 s, below 120 s. */
    CU_ASSERT(has_line(text, "weir_exporter_probe_duration_seconds_bucket{le=\"0.5\"} 1"));
    CU_ASSERT(has_line(text, "weir_exporter_probe_duration_seconds_bucket{le=\"10\"} 2"));
    CU_ASSERT(has_line(text, "weir_exporter_probe_duration_seconds_bucket{le=\"60\"} 2"));
    CU_ASSERT(has_line(text, "weir_exporter_probe_duration_seconds_bucket{le=\"120\"} 3"));
    CU_ASSERT(has_line(text, "weir_exporter_probe_duration_seconds_bucket{le=\"+Inf\"} 3"));
    CU_ASSERT(has_line(text, "weir_exporter_probe_duration_seconds_count 3"));
    CU_ASSERT(has_line(text, "weir_exporter_queue_wait_seconds_bucket{le=\"1\"} 1"));
    CU_ASSERT(has_line(text, "weir_exporter_queue_wait_seconds_bucket{le=\"0.25\"} 0"));
    CU_ASSERT(has_line(text, "weir_exporter_config_reloads_total{result=\"failure\"} 1"));
    CU_ASSERT(has_line(text, "weir_exporter_config_last_reload_successful 0"));
    CU_ASSERT(has_line(text, "# TYPE weir_exporter_probe_duration_seconds histogram"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\nprocess_open_fds "));
    free(text);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return CU_get_error();
    CU_pSuite s = CU_add_suite("exporter: admission, child, metrics", NULL, NULL);
    CU_add_test(s, "per-target interval", test_interval);
    CU_add_test(s, "slots: bound, timeout, arrival order", test_slots);
    CU_add_test(s, "the test's process: status, error line, deadline, stop", test_child);
    CU_add_test(s, "label values escaped", test_label_value);
    CU_add_test(s, "/metrics text", test_selfmetrics);
    CU_add_test(s, "slots: the exporter stopping", test_slots_stop);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
