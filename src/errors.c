#include "errors.h"

#include <stdio.h>
#include <string.h>

const char *weir_strerror(int code)
{
    switch (code) {
#define WEIR_ERROR_CASE_(name, num, msg) case num: return msg;
    WEIR_ERROR_MAP(WEIR_ERROR_CASE_)
#undef WEIR_ERROR_CASE_
    default:
        return "unknown error";
    }
}

void weir_error_text(char *buf, size_t len, int code, const char *detail)
{
    if (detail && *detail)
        snprintf(buf, len, "%s: %s", weir_strerror(code), detail);
    else
        snprintf(buf, len, "%s", weir_strerror(code));
}

void weir_error_text_no_hint(char *buf, size_t len, int code, const char *detail)
{
    const char *msg = weir_strerror(code);
    const char *hint = strstr(msg, " - ");
    int n = hint ? (int)(hint - msg) : (int)strlen(msg);
    if (detail && *detail)
        snprintf(buf, len, "%.*s: %s", n, msg, detail);
    else
        snprintf(buf, len, "%.*s", n, msg);
}
