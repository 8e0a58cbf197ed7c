/* Reading and writing the struct fields optable entries name, by their C
 * type. */
#include "cli/optable.h"

#include <string.h>

static void *at(void *base, struct optfield f)
{
    return (char *)base + f.off;
}

static const void *at_const(const void *base, struct optfield f)
{
    return (const char *)base + f.off;
}

int64_t optfield_get_int(const void *base, struct optfield f)
{
    const void *p = at_const(base, f);
    switch (f.ctype) {
    case CT_INT:    return *(const int *)p;
    case CT_U16:    return *(const uint16_t *)p;
    case CT_U32:    return *(const uint32_t *)p;
    case CT_U64:    return (int64_t)*(const uint64_t *)p;
    case CT_CHAR:   return *(const char *)p;
    case CT_DOUBLE: return (int64_t)*(const double *)p;
    default:        return 0;
    }
}

void optfield_set_int(void *base, struct optfield f, int64_t v)
{
    void *p = at(base, f);
    switch (f.ctype) {
    case CT_INT:    *(int *)p = (int)v; break;
    case CT_U16:    *(uint16_t *)p = (uint16_t)v; break;
    case CT_U32:    *(uint32_t *)p = (uint32_t)v; break;
    case CT_U64:    *(uint64_t *)p = (uint64_t)v; break;
    case CT_CHAR:   *(char *)p = (char)v; break;
    case CT_DOUBLE: *(double *)p = (double)v; break;
    default:        break;
    }
}

double optfield_get_double(const void *base, struct optfield f)
{
    if (f.ctype == CT_DOUBLE)
        return *(const double *)at_const(base, f);
    if (f.ctype == CT_U64)
        return (double)*(const uint64_t *)at_const(base, f);
    return (double)optfield_get_int(base, f);
}

void optfield_set_double(void *base, struct optfield f, double v)
{
    if (f.ctype == CT_DOUBLE)
        *(double *)at(base, f) = v;
    else
        optfield_set_int(base, f, (int64_t)v);
}

const char *optfield_get_str(const void *base, struct optfield f)
{
    const char *v = NULL;
    if (f.ctype == CT_STR)
        memcpy(&v, at_const(base, f), sizeof v);
    return v;
}

void optfield_set_str(void *base, struct optfield f, const char *v)
{
    if (f.ctype == CT_STR)
        memcpy(at(base, f), &v, sizeof v);
}
