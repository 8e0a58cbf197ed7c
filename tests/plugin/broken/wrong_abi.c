/* A transport built for ABI 1 (weir before the 2.0 SDK): the loader must
 * refuse it, naming both majors. */
#include <weir/weir.h>

static const struct weir_plugin desc = {
    .abi_major = 1,
    .abi_minor = 6,
    .struct_size = sizeof desc,
    .kind = WEIR_PLUGIN_TRANSPORT,
    .name = "wrong_abi",
    .description = "built for ABI 1.6",
};
WEIR_PLUGIN_DEFINE(desc)
