/* The loader's complete descriptors (src/host/loader.c, hookdefaults.c):
 * built plugins loaded by path get every hook set, the ones they left out
 * answering as the SDK documents; a transport lacking the server hook its
 * caps require is refused. PLUGIN_BUILD_DIR and BROKEN_DIR say where the
 * .so files are (tests/Makefile.am). */
#include <CUnit/Basic.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host/hookdefaults.h"
#include "host/loader.h"
#include "host/transport.h"

static char err[1024];

static const struct weir_plugin *load(const char *dir_var, const char *rel, enum weir_plugin_kind kind)
{
    const char *dir = getenv(dir_var);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir ? dir : ".", rel);
    err[0] = '\0';
    return loader_load(path, kind, err, sizeof err);
}

/* udp leaves out info and server_start, and has no server_adopt (it is
 * not on the control port). */
static void test_transport_stand_ins(void)
{
    const struct weir_plugin *p = load("PLUGIN_BUILD_DIR", "udp/.libs/udp.so", WEIR_PLUGIN_TRANSPORT);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    const struct weir_transport_ops *o = p->transport;
    CU_ASSERT_EQUAL(o->struct_size, sizeof *o);
    CU_ASSERT(o->init && o->fini && o->client_open && o->server_listen && o->server_accept &&
              o->server_unlisten && o->stream_fd && o->send && o->recv && o->info && o->close &&
              o->describe && o->server_start && o->server_adopt && o->recv_wait &&
              o->describe_interval && o->write_bytes && o->read_bytes && o->send_datagrams &&
              o->recv_datagrams);
    struct weir_stream_info info = { .struct_size = sizeof info, .valid = 7 };
    CU_ASSERT_EQUAL(transport_info(p, NULL, &info), WEIR_E_NOTIMPL);
    CU_ASSERT_EQUAL(info.valid, 7);                 /* untouched */
    CU_ASSERT_EQUAL(transport_server_start(p, NULL), WEIR_OK);
    /* Never called without WEIR_CAP_CONTROL_PORT; if it were, the fd it
     * was handed would still be closed. */
    int pipefd[2];
    CU_ASSERT_FATAL(pipe(pipefd) == 0);
    struct weir_stream_config cfg = { .struct_size = sizeof cfg };
    void *stream = NULL;
    CU_ASSERT_EQUAL(transport_server_adopt(p, NULL, NULL, &cfg, pipefd[0], &stream), WEIR_E_NOTIMPL);
    CU_ASSERT_EQUAL(fcntl(pipefd[0], F_GETFD), -1);
    CU_ASSERT_PTR_NULL(stream);
    close(pipefd[1]);
    /* The same descriptor again: loaded once. */
    CU_ASSERT_PTR_EQUAL(load("PLUGIN_BUILD_DIR", "udp/.libs/udp.so", WEIR_PLUGIN_TRANSPORT), p);

    /* A transport stacked on it gets udp's own ops, not the stand-ins: it
     * tells what the lower one can do by the hooks that are set. */
    char path[4096];
    snprintf(path, sizeof path, "%s/udp/.libs/udp.so", getenv("PLUGIN_BUILD_DIR"));
    const struct weir_lower *lower = NULL;
    CU_ASSERT_EQUAL_FATAL(loader_open_lower(path, &lower, err, sizeof err), WEIR_OK);
    CU_ASSERT_PTR_NOT_EQUAL(lower->ops, o);
    CU_ASSERT_PTR_NULL(lower->ops->write_bytes);
    CU_ASSERT_PTR_NULL(lower->ops->info);
    CU_ASSERT_PTR_NOT_NULL(lower->ops->send_datagrams);
    CU_ASSERT_STRING_EQUAL(lower->plugin->name, "udp");
    loader_close_lower(lower);
}

/* tcp is on the control port: adopt is its, accept the host's stand-in. */
static void test_control_port_transport(void)
{
    const struct weir_plugin *p = load("PLUGIN_BUILD_DIR", "tcp/.libs/tcp.so", WEIR_PLUGIN_TRANSPORT);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT(p->transport->caps & WEIR_CAP_CONTROL_PORT);
    struct weir_stream_config cfg = { .struct_size = sizeof cfg };
    void *stream = NULL;
    CU_ASSERT_EQUAL(transport_server_accept(p, NULL, NULL, &cfg, &stream), WEIR_E_NOTIMPL);
    CU_ASSERT_PTR_NULL(stream);
}

static void test_control_port_without_adopt(void)
{
    CU_ASSERT_PTR_NULL(load("BROKEN_DIR", "no_adopt.so", WEIR_PLUGIN_TRANSPORT));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "lacks the required transport hook 'server_adopt', "
                                       "which WEIR_CAP_CONTROL_PORT requires"));
    CU_ASSERT_PTR_NULL(strchr(err, '\n'));          /* one line */
}

/* The failing test reporter sets only the required hooks. */
static void test_reporter_stand_ins(void)
{
    const struct weir_plugin *p = load("BROKEN_DIR", "failing_reporter.so", WEIR_PLUGIN_REPORTER);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    const struct weir_reporter_ops *o = p->reporter;
    CU_ASSERT_EQUAL(o->struct_size, sizeof *o);
    CU_ASSERT_EQUAL(o->server_listening(NULL, 5201, 1), WEIR_OK);
    CU_ASSERT_EQUAL(o->connected(NULL, NULL), WEIR_OK);
    CU_ASSERT_EQUAL(o->comparison(NULL, NULL), WEIR_OK);
    /* No place for warnings: weir then writes them itself. */
    CU_ASSERT_EQUAL(o->message(NULL, WEIR_LOG_WARNING, "x"), WEIR_E_NOTIMPL);
    char *json = (char *)"unset";
    CU_ASSERT_EQUAL(o->document(NULL, &json), WEIR_OK);
    CU_ASSERT_PTR_NULL(json);
}

/* --latency needs the transport's own message hooks, by its kind: byte
 * hooks for a byte stream, datagram hooks otherwise; the stand-ins the
 * loader puts in for hooks left out do not count. */
static void test_carries_messages(void)
{
    static const char *const built[] = { "tcp/.libs/tcp.so", "udp/.libs/udp.so", "tls/.libs/tls.so" };
    for (size_t i = 0; i < sizeof built / sizeof built[0]; i++) {
        const struct weir_plugin *p = load("PLUGIN_BUILD_DIR", built[i], WEIR_PLUGIN_TRANSPORT);
        CU_ASSERT_PTR_NOT_NULL_FATAL(p);
        CU_ASSERT_TRUE(transport_carries_messages(p));
    }
    struct weir_transport_ops bytes = { .caps = WEIR_CAP_RELIABLE };
    hookdefaults_transport(&bytes);
    CU_ASSERT_FALSE(hookdefaults_carries_messages(&bytes));
    struct weir_transport_ops dgrams = { .caps = WEIR_CAP_DATAGRAM };
    hookdefaults_transport(&dgrams);
    CU_ASSERT_FALSE(hookdefaults_carries_messages(&dgrams));
    /* A byte stream with only datagram hooks is no use either. */
    const struct weir_plugin *udp = load("PLUGIN_BUILD_DIR", "udp/.libs/udp.so", WEIR_PLUGIN_TRANSPORT);
    struct weir_transport_ops mixed = { .caps = WEIR_CAP_RELIABLE,
                                        .send_datagrams = udp->transport->send_datagrams,
                                        .recv_datagrams = udp->transport->recv_datagrams };
    hookdefaults_transport(&mixed);
    CU_ASSERT_FALSE(hookdefaults_carries_messages(&mixed));
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    CU_pSuite s = CU_add_suite("loader", NULL, NULL);
    CU_add_test(s, "a transport's optional hooks get stand-ins", test_transport_stand_ins);
    CU_add_test(s, "a control-port transport: adopt, never accept", test_control_port_transport);
    CU_add_test(s, "control port without server_adopt: refused", test_control_port_without_adopt);
    CU_add_test(s, "a reporter's optional hooks get stand-ins", test_reporter_stand_ins);
    CU_add_test(s, "--latency: which transports carry messages", test_carries_messages);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    loader_unload_all();
    return failed ? 1 : 0;
}
