#include "endtext.h"

#include <string.h>

const char *endtext_prefix(const char *text)
{
    if (strncmp(text, "interrupt - ", 12) == 0 || strcmp(text, ENDTEXT_CLIENT_TERMINATED) == 0 ||
        strcmp(text, ENDTEXT_CLIENT_CLOSED) == 0)
        return "";
    return "error - ";
}
