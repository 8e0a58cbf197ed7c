/* The step from a test's parameters to what its transport sees: the core's
 * transport parameters (the table in the SDK's transport.h), typed, as
 * host->param answers them, and the check that the transport takes every
 * one the test gives. */
#ifndef WEIR_TRANSPORT_PARAMS_H
#define WEIR_TRANSPORT_PARAMS_H

#include <stddef.h>
#include <weir/weir.h>

struct test;

#define TRANSPORT_PARAMS_MAX 18     /* rows of the table in transport_params.c */

/* One parameter the test gives. */
struct transport_param {
    const char *name;           /* WEIR_PARAM_* */
    const char *option;         /* how a user gives it: "-Z/--zerocopy" */
    struct weir_value value;    /* strings point into the test */
};

/* The SDK's opaque struct weir_param_set, as this host defines it: the
 * parameters a test gives, in the table's order. */
struct weir_param_set {
    size_t n;
    struct transport_param items[TRANSPORT_PARAMS_MAX];
};

/* The parameters t gives: its wire parameters (t->p, the client's own or
 * those a client sent) and the local settings that are no one else's
 * (--bind-dev, -m, --snd-timeout). */
void transport_params_build(const struct test *t, struct weir_param_set *out);

/* host->param's first half: name's value in set. 1 with *out set, or 0. */
int transport_params_lookup(const struct weir_param_set *set, const char *name,
                            struct weir_value *out);

/* Does t's transport take every parameter t gives (params_honoured or
 * params_ignored)? WEIR_OK, or WEIR_E_UNIMP with one line naming the first
 * one it does not and the transport in why. Those it ignores are logged
 * (--debug). */
int transport_params_check(const struct test *t, char *why, size_t whylen);
/* The same for another transport of the test's (--load-transport's). */
int transport_params_check_plugin(const struct test *t, const struct weir_plugin *p, char *why,
                                  size_t whylen);

#endif
