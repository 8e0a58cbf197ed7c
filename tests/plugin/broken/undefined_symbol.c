/* Needs a symbol nothing provides: dlopen with RTLD_NOW must fail. */
#include <weir/weir.h>

extern int weir_symbol_that_does_not_exist(void);

static const struct weir_plugin desc = {
    .abi_major = WEIR_ABI_MAJOR,
    .abi_minor = WEIR_ABI_MINOR,
    .struct_size = sizeof desc,
    .kind = WEIR_PLUGIN_TRANSPORT,
    .name = "undefined_symbol",
    .description = "cannot be linked",
};

WEIR_EXPORT const struct weir_plugin *WEIR_PLUGIN_ENTRY(void);
const struct weir_plugin *WEIR_PLUGIN_ENTRY(void)
{
    return weir_symbol_that_does_not_exist() ? &desc : &desc;
}
