#include "proto/errors.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reasons plugins registered, by code - WEIR_E_REGISTERED_FIRST. Entries
 * are written once, under the lock, and never freed or moved, so a reader
 * that saw the count can read them without it. */
static pthread_mutex_t registered_lock = PTHREAD_MUTEX_INITIALIZER;
static char *registered[WEIR_E_REGISTERED_MAX];
static _Atomic int n_registered;

int error_register(const char *message)
{
    if (!message || !*message)
        return WEIR_E_PLUGIN;
    pthread_mutex_lock(&registered_lock);
    int n = n_registered, code = WEIR_E_PLUGIN;
    for (int i = 0; i < n; i++)
        if (strcmp(registered[i], message) == 0) {
            code = WEIR_E_REGISTERED_FIRST + i;
            goto out;
        }
    if (n < WEIR_E_REGISTERED_MAX && (registered[n] = strdup(message)) != NULL) {
        n_registered = n + 1;
        code = WEIR_E_REGISTERED_FIRST + n;
    }
out:
    pthread_mutex_unlock(&registered_lock);
    return code;
}

const char *error_strerror(int code)
{
    switch (code) {
#define WEIR_ERROR_CASE_(name, num, msg) case num: return msg;
    WEIR_ERROR_MAP(WEIR_ERROR_CASE_)
    CORE_ERROR_MAP(WEIR_ERROR_CASE_)
#undef WEIR_ERROR_CASE_
    default:
        if (code >= WEIR_E_REGISTERED_FIRST && code < WEIR_E_REGISTERED_FIRST + n_registered)
            return registered[code - WEIR_E_REGISTERED_FIRST];
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
