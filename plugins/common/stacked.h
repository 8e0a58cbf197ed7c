/* A transport stacked on another (sdk/README.md, "Stacking"): tls on tcp,
 * quic on udp. What every upper transport does alike with the one beneath
 * it: open it through the host and check it has the hooks the upper needs;
 * open, listen for and take the lower's streams with a copy of each
 * stream's config marked with the upper's WEIR_LOWER_* flags; and pass the
 * listener through (the upper's listener wraps the lower's). What the upper
 * layers on a stream (its handshake, records, packets) stays its own. */
#ifndef WEIR_COMMON_STACKED_H
#define WEIR_COMMON_STACKED_H

#include <stdint.h>
#include <weir/weir.h>

/* From the upper's init: open the transport named lower through the host,
 * which initialises it once per process. suits says whether its hooks are
 * what upper needs; when they are not it is given back and the error reads
 * "the LOWER transport (which UPPER runs on) UNSUITED". WEIR_OK with *out
 * set (give it back with host->close_lower in fini), or a code with the
 * error set and *out NULL. */
int stacked_open_lower(const struct weir_host *host, const char *upper, const char *lower,
                       int (*suits)(const struct weir_transport_ops *ops), const char *unsuited,
                       const struct weir_lower **out);

/* The lower's hooks with a copy of cfg, its lower field set to flags and
 * its payload dropped (the upper moves the payload). The lower said why
 * when it fails. */
int stacked_client_open(const struct weir_lower *lower, uint32_t flags, const struct weir_stream_config *cfg,
                        void **lower_stream);
int stacked_listen(const struct weir_host *host, const struct weir_lower *lower, uint32_t flags,
                   const struct weir_stream_config *cfg, int control_fd, void **listener, int *poll_fd);
/* listener from stacked_listen, or NULL (nothing to do). */
void stacked_unlisten(const struct weir_lower *lower, void *listener);
int stacked_adopt(const struct weir_lower *lower, void *listener, uint32_t flags,
                  const struct weir_stream_config *cfg, int fd, void **lower_stream);
int stacked_accept(const struct weir_lower *lower, void *listener, uint32_t flags,
                   const struct weir_stream_config *cfg, void **lower_stream);

#endif
