#include "run/transport_params.h"
#include "host/host.h"
#include "run/test.h"

#include <stdio.h>
#include <string.h>

static int as_bool(struct weir_value *v, int b)
{
    v->type = WEIR_VALUE_BOOL;
    v->v.b = b != 0;
    return 1;
}

static int as_uint(struct weir_value *v, uint64_t u)
{
    v->type = WEIR_VALUE_UINT;
    v->v.u = u;
    return 1;
}

static int as_string(struct weir_value *v, const char *s)
{
    v->type = WEIR_VALUE_STRING;
    v->v.s = s;
    return 1;
}

/* Each returns 1 with *v when t gives the parameter, else 0. */
static int congestion(const struct test *t, struct weir_value *v)
{
    return t->p.congestion && as_string(v, t->p.congestion);
}

static int mss(const struct test *t, struct weir_value *v)
{
    return t->p.mss > 0 && as_uint(v, (uint64_t)t->p.mss);
}

static int nodelay(const struct test *t, struct weir_value *v)
{
    return t->p.nodelay && as_bool(v, 1);
}

static int tos(const struct test *t, struct weir_value *v)
{
    return t->p.tos >= 0 && as_uint(v, (uint64_t)t->p.tos);
}

static int zerocopy(const struct test *t, struct weir_value *v)
{
    return t->p.zerocopy && as_bool(v, 1);
}

static int skip_rx_copy(const struct test *t, struct weir_value *v)
{
    return t->p.skip_rx_copy && as_bool(v, 1);
}

static int flowlabel(const struct test *t, struct weir_value *v)
{
    return t->p.flowlabel && as_uint(v, t->p.flowlabel);
}

/* iperf3 3.21's keys: absent (-1) leaves offload to the transport; a peer
 * without --gsro sends 0, which says no. */
static int gso(const struct test *t, struct weir_value *v)
{
    return t->p.gso >= 0 && as_bool(v, t->p.gso > 0);
}

static int gro(const struct test *t, struct weir_value *v)
{
    return t->p.gro >= 0 && as_bool(v, t->p.gro > 0);
}

/* What --gsro derives: iperf3 3.21 sends a size with gso 0 too. */
static int gso_dg_size(const struct test *t, struct weir_value *v)
{
    return t->p.gso > 0 && t->p.gso_dg_size && as_uint(v, t->p.gso_dg_size);
}

static int dont_fragment(const struct test *t, struct weir_value *v)
{
    return t->p.dont_fragment && as_bool(v, 1);
}

static int fq_rate(const struct test *t, struct weir_value *v)
{
    return t->p.fqrate && as_uint(v, t->p.fqrate);
}

static int bind_dev(const struct test *t, struct weir_value *v)
{
    return t->s->bind_dev && as_string(v, t->s->bind_dev);
}

static int mptcp(const struct test *t, struct weir_value *v)
{
    return t->s->mptcp && as_bool(v, 1);
}

static int udp_counters_64bit(const struct test *t, struct weir_value *v)
{
    return t->p.udp_counters_64bit && as_bool(v, 1);
}

static int snd_timeout_ms(const struct test *t, struct weir_value *v)
{
    return t->s->snd_timeout_ms > 0 && as_uint(v, (uint64_t)t->s->snd_timeout_ms);
}

static int notsent_lowat(const struct test *t, struct weir_value *v)
{
    return t->p.notsent_lowat > 0 && as_uint(v, (uint64_t)t->p.notsent_lowat);
}

static int datagrams(const struct test *t, struct weir_value *v)
{
    return t->p.weir_datagrams && as_bool(v, 1);
}

/* The table of transport.h, in its order. */
static const struct {
    const char *name;
    const char *option;
    int (*get)(const struct test *t, struct weir_value *v);
} table[TRANSPORT_PARAMS_MAX] = {
    { WEIR_PARAM_CONGESTION, "-C/--congestion", congestion },
    { WEIR_PARAM_MSS, "-M/--set-mss", mss },
    { WEIR_PARAM_NODELAY, "-N/--no-delay", nodelay },
    { WEIR_PARAM_TOS, "-S/--tos", tos },
    { WEIR_PARAM_ZEROCOPY, "-Z/--zerocopy", zerocopy },
    { WEIR_PARAM_SKIP_RX_COPY, "--skip-rx-copy", skip_rx_copy },
    { WEIR_PARAM_FLOWLABEL, "-L/--flowlabel", flowlabel },
    { WEIR_PARAM_GSO, "--gsro", gso },
    { WEIR_PARAM_GRO, "--gsro", gro },
    { WEIR_PARAM_GSO_DG_SIZE, "--gsro", gso_dg_size },
    { WEIR_PARAM_DONT_FRAGMENT, "--dont-fragment", dont_fragment },
    { WEIR_PARAM_FQ_RATE, "--fq-rate", fq_rate },
    { WEIR_PARAM_BIND_DEV, "--bind-dev", bind_dev },
    { WEIR_PARAM_MPTCP, "-m/--mptcp", mptcp },
    { WEIR_PARAM_UDP_COUNTERS_64BIT, "--udp-counters-64bit", udp_counters_64bit },
    { WEIR_PARAM_SND_TIMEOUT_MS, "--snd-timeout", snd_timeout_ms },
    { WEIR_PARAM_NOTSENT_LOWAT, "--tcp-notsent-lowat", notsent_lowat },
    { WEIR_PARAM_DATAGRAMS, "datagram mode (weir_datagrams)", datagrams },
};

void transport_params_build(const struct test *t, struct weir_param_set *out)
{
    out->n = 0;
    for (size_t i = 0; i < TRANSPORT_PARAMS_MAX; i++) {
        struct transport_param *p = &out->items[out->n];
        if (table[i].get(t, &p->value)) {
            p->name = table[i].name;
            p->option = table[i].option;
            out->n++;
        }
    }
}

int transport_params_lookup(const struct weir_param_set *set, const char *name,
                            struct weir_value *out)
{
    for (size_t i = 0; set && i < set->n; i++)
        if (strcmp(set->items[i].name, name) == 0) {
            *out = set->items[i].value;
            return 1;
        }
    return 0;
}

static int listed(const char *const *list, const char *name)
{
    for (; list && *list; list++)
        if (strcmp(*list, name) == 0)
            return 1;
    return 0;
}

int transport_params_check(const struct test *t, char *why, size_t whylen)
{
    return transport_params_check_plugin(t, t->transport, why, whylen);
}

int transport_params_check_plugin(const struct test *t, const struct weir_plugin *p, char *why,
                                  size_t whylen)
{
    const struct weir_transport_ops *ops = p->transport;
    struct weir_param_set set;
    transport_params_build(t, &set);
    for (size_t i = 0; i < set.n; i++) {
        const struct transport_param *tp = &set.items[i];
        /* A bool that says no asks for nothing: iperf3 3.21 sends gso and
         * gro 0 without --gsro. */
        if (listed(ops->params_honoured, tp->name) ||
            (tp->value.type == WEIR_VALUE_BOOL && !tp->value.v.b))
            continue;
        if (!listed(ops->params_ignored, tp->name)) {
            snprintf(why, whylen, "--transport %s does not support %s", p->name, tp->option);
            return WEIR_E_UNIMP;
        }
        if (i == 0 || strcmp(set.items[i - 1].option, tp->option) != 0)    /* --gsro's three */
            host_services()->log(WEIR_LOG_DEBUG, "--transport %s ignores %s", p->name, tp->option);
    }
    return WEIR_OK;
}
