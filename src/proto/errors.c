#include "proto/errors.h"

#include <stdio.h>
#include <string.h>

const char *error_strerror(int code)
{
    switch (code) {
#define WEIR_ERROR_CASE_(name, num, msg) case num: return msg;
    WEIR_ERROR_MAP(WEIR_ERROR_CASE_)
#undef WEIR_ERROR_CASE_
    default:
        return "unknown error";
    }
}

void error_text(char *buf, size_t len, int code, const char *detail)
{
    if (detail && *detail)
        snprintf(buf, len, "%s: %s", error_strerror(code), detail);
    else
        snprintf(buf, len, "%s", error_strerror(code));
}

void error_text_no_hint(char *buf, size_t len, int code, const char *detail)
{
    const char *msg = error_strerror(code);
    const char *hint = strstr(msg, " - ");
    int n = hint ? (int)(hint - msg) : (int)strlen(msg);
    if (detail && *detail)
        snprintf(buf, len, "%.*s: %s", n, msg, detail);
    else
        snprintf(buf, len, "%.*s", n, msg);
}
