/* A transport built against a newer minor of this weir's major: it may use
 * what this weir lacks, so the loader must refuse it. */
#include <weir/weir.h>

static const struct weir_plugin desc = {
    .abi_major = WEIR_ABI_MAJOR,
    .abi_minor = WEIR_ABI_MINOR + 1,
    .struct_size = sizeof desc,
    .kind = WEIR_PLUGIN_TRANSPORT,
    .name = "newer_minor",
    .description = "built for a newer minor",
};
WEIR_PLUGIN_DEFINE(desc)
