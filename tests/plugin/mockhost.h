/* A stand-in for weir's host services, so plugins can be unit tested
 * without the weir executable. */
#ifndef WEIR_TEST_MOCKHOST_H
#define WEIR_TEST_MOCKHOST_H

#include <weir/weir.h>

/* The host table to hand to a plugin's init/open hook. */
const struct weir_host *mock_host(void);
/* Set (or with value NULL clear) an option the plugin will see. */
void mock_host_set_option(const char *name, const char *value);
/* Last code and detail text given to set_error. */
enum weir_status mock_host_last_error(void);
const char *mock_host_last_error_text(void);
/* Stacking: the host's open_lower loads the built transport NAME
 * (mock_host_load_built(NAME, NAME)) and runs its init for its first user,
 * its fini when close_lower gives back the last reference, as weir's
 * loader does. The lower's init gets h (default: mock_host()), so a test
 * with its own host table hands it to the transports beneath too. */
void mock_host_use_for_lowers(const struct weir_host *h);
/* NAME's users now, and how often its init and fini ran. */
int mock_host_lower_users(const char *name);
int mock_host_lower_inits(const char *name);
int mock_host_lower_finis(const char *name);
/* Load a built plugin .so and return its descriptor (NULL on failure). */
const struct weir_plugin *mock_host_load(const char *path);
/* The same for a plugin of this build tree: DIR/.libs/NAME.so under
 * $PLUGIN_BUILD_DIR (../plugins when unset). */
const struct weir_plugin *mock_host_load_built(const char *dir, const char *name);

/* A sink that collects everything written, per channel. */
struct mock_sink {
    struct weir_sink sink;
    char *out;
    size_t out_len;
    char *err;
    size_t err_len;
};
void mock_sink_init(struct mock_sink *s);
void mock_sink_reset(struct mock_sink *s);
void mock_sink_free(struct mock_sink *s);

#endif
