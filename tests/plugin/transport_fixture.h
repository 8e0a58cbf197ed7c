/* Shared by the transport tests (tcp, udp, tls): loading the plugin,
 * loopback sockets the test makes itself, and the checks every transport
 * descriptor gets. */
#ifndef WEIR_TEST_TRANSPORT_FIXTURE_H
#define WEIR_TEST_TRANSPORT_FIXTURE_H

#include <stdint.h>

#include "mockhost.h"

/* Loads the built plugin NAME and returns its transport ops, with *plug
 * set to its descriptor; with g non-NULL also runs init against the mock
 * host into *g. Says why on stderr and returns NULL on failure. */
const struct weir_transport_ops *load_transport(const char *name, const struct weir_plugin **plug,
                                                void **g);

/* The descriptor's common fields: ABI, sizes, kind, name, caps, wire names. */
void expect_transport_descriptor(const struct weir_plugin *plug, const char *name, uint32_t caps,
                                 const char *wire_key, const char *wire_label);

/* Every core transport parameter (WEIR_PARAM_*) is in exactly one of the
 * descriptor's params_honoured and params_ignored, but those in refused (a
 * NULL-ended list, or NULL), which are in neither. */
void expect_param_lists(const struct weir_transport_ops *t, const char *const *refused);

/* A stream config to 127.0.0.1:port over IPv4, 2 s to set up, no
 * transport parameters; the rest zero for the test to fill in. */
struct weir_stream_config loopback_stream_config(uint16_t port, int sending, uint32_t blksize);

/* Run the transport's describe hook on stream and write what it reported
 * into buf as JSON ({"gso":true,"tls":{"version":"TLSv1.3",...}}: a run of
 * dotted keys with the same first part is one nested object; doubles with
 * %g). Returns the hook's code. */
int describe_json(const struct weir_transport_ops *t, void *stream, char *buf, size_t len);

uint64_t now_ms(void);
/* 1 if fd became readable within ms. */
int wait_readable(int fd, int ms);
/* A TCP listener on the loopback address of family; *port gets its port.
 * -1 on failure. */
int loopback_listener(int family, int backlog, int nonblock, uint16_t *port);
/* A blocking TCP connection to 127.0.0.1:port, or -1. */
int loopback_connect(uint16_t port);
/* An int socket option's value, or -1. */
int sockopt_int(int fd, int level, int name);

#endif
