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
