/* Helpers of the fuzz targets: input as a peer's bytes on a socket, and a
 * test with streams but no network. */
#include "fuzz.h"
#include "run/test.h"
#include "host/hookdefaults.h"

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int fuzz_feed(const uint8_t *data, size_t size)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return -1;
    int big = 1 << 20;
    setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    size_t done = 0;
    while (done < size) {
        ssize_t n = send(sv[1], data + done, size - done, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    /* Queued bytes stay readable after the writer is gone; then EOF. */
    close(sv[1]);
    return sv[0];
}

/* The stand-in transport: streams are just markers, with no descriptor. */
static int fake_stream_fd(void *stream)
{
    (void)stream;
    return -1;
}

static void fake_close(void *stream)
{
    (void)stream;
}

static struct weir_transport_ops fake_ops = {
    .struct_size = sizeof(struct weir_transport_ops),
    .wire_key = "tcp",
    .wire_label = "TCP",
    .stream_fd = fake_stream_fd,
    .close = fake_close,
};

static const struct weir_plugin fake_plugin = {
    .abi_major = WEIR_ABI_MAJOR,
    .abi_minor = WEIR_ABI_MINOR,
    .struct_size = sizeof(struct weir_plugin),
    .kind = WEIR_PLUGIN_TRANSPORT,
    .name = "fuzz",
    .description = "stand-in transport of the fuzz targets",
    .transport = &fake_ops,
};

static struct settings no_settings;

void fuzz_test_init(struct test *t, int role, uint32_t caps, int n, uint64_t sending_mask)
{
    /* One test at a time, so the caps live in the one ops table; the
     * hooks it leaves out get the host's stand-ins, as the loader gives a
     * plugin's (the core calls every hook). */
    fake_ops.caps = caps;
    hookdefaults_transport(&fake_ops);
    test_init(t, role, &no_settings);
    t->transport = &fake_plugin;
    static int marker;
    for (int i = 0; i < n; i++)
        FUZZ_CHECK(test_add_stream(t, &marker, i < 64 && (sending_mask >> i) & 1) != NULL);
}

void fuzz_test_free(struct test *t)
{
    test_free(t);
}
