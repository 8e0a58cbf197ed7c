/* A transport built for a future ABI major: the loader must refuse it. */
#include <weir/weir.h>

static const struct weir_plugin desc = {
    .abi_major = WEIR_ABI_MAJOR + 1,
    .abi_minor = 0,
    .struct_size = sizeof desc,
    .kind = WEIR_PLUGIN_TRANSPORT,
    .name = "wrong_abi",
    .description = "built for ABI major 2",
};
WEIR_PLUGIN_DEFINE(desc)
