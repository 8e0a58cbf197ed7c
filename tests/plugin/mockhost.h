/* A stand-in for weir's host services, so plugins can be unit tested
 * without the weir executable. */
#ifndef WEIR_TEST_MOCKHOST_H
#define WEIR_TEST_MOCKHOST_H

#include <weir/weir.h>

/* The host table to hand to a plugin's init/open hook. */
const struct weir_host *mock_host(void);
/* The message a code from the mock host's error_reason stands for, or NULL. */
const char *mock_error_reason_text(int code);
/* Set (or with value NULL clear) an option with an argument the plugin
 * will see: host->param(NULL, name) gives the string. */
void mock_host_set_option(const char *name, const char *value);
/* Give (or with 0 clear) a flag: host->param gives WEIR_VALUE_BOOL 1. */
void mock_host_set_flag(const char *name, int given);
/* Set an option of type WEIR_VALUE_UINT, as weir parses one. */
void mock_host_set_uint(const char *name, uint64_t value);

/* A stream's transport parameters, as this mock answers host->param for a
 * config whose params point to it (struct weir_param_set is each host's
 * own). Start from a zeroed one; names and strings are not copied. */
#define MOCK_MAX_PARAMS 24
struct weir_param_set {
    int n;
    struct { const char *name; struct weir_value value; } items[MOCK_MAX_PARAMS];
};
void mock_param_bool(struct weir_param_set *ps, const char *name, int b);
void mock_param_uint(struct weir_param_set *ps, const char *name, uint64_t u);
void mock_param_string(struct weir_param_set *ps, const char *name, const char *s);
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
