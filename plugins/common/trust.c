#include "trust.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "hostcall.h"
#include "hostopt.h"

int trust_read(const struct weir_host *host, struct trust_settings *set)
{
    const char *pin;
    int rc;

    memset(set, 0, sizeof *set);
    if ((rc = hostopt_value(host, "tls-sni", &set->sni)) != WEIR_OK ||
        (rc = hostopt_file(host, "tls-ca", &set->ca_file)) != WEIR_OK ||
        (rc = hostopt_file(host, "tls-client-cert", &set->client_cert)) != WEIR_OK ||
        (rc = hostopt_file(host, "tls-client-key", &set->client_key)) != WEIR_OK ||
        (rc = hostopt_file(host, "tls-cert", &set->cert)) != WEIR_OK ||
        (rc = hostopt_file(host, "tls-key", &set->key)) != WEIR_OK ||
        (rc = hostopt_file(host, "tls-verify-client", &set->verify_client)) != WEIR_OK ||
        (rc = hostopt_value(host, "tls-fingerprint", &pin)) != WEIR_OK)
        return rc;
    if (pin) {
        if (fp_parse(pin, set->pin) < 0)
            return hostcall_fail(host, WEIR_E_USAGE, "--tls-fingerprint \"%s\": expected a SHA-256 "
                                 "fingerprint, 64 hex digits (colons optional)", pin);
        set->have_pin = 1;
    }
    set->insecure = weir_param_flag(host, NULL, "tls-insecure");
    if (set->insecure && (set->have_pin || set->ca_file))
        return hostcall_fail(host, WEIR_E_USAGE, "--tls-insecure turns verification off; it cannot be "
                             "combined with --tls-fingerprint or --tls-ca");
    if (set->client_key && !set->client_cert)
        return hostcall_fail(host, WEIR_E_USAGE, "--tls-client-key needs --tls-client-cert");
    if (set->key && !set->cert)
        return hostcall_fail(host, WEIR_E_USAGE, "--tls-key needs --tls-cert");
    return WEIR_OK;
}

void trust_show_fingerprint(const struct weir_host *host, const struct trust_settings *set,
                            const unsigned char fp[FP_LEN])
{
    char text[FP_TEXT];
    fp_text(fp, text);
    /* Info lines always show (only debug ones need --debug). */
    hostcall_log(host, WEIR_LOG_INFO, "TLS certificate SHA-256 fingerprint %s (%s; clients can pin it "
                 "with --tls-fingerprint)", text, set->cert ? set->cert : "ephemeral, self-signed");
}

int trust_host_is_address(const char *host)
{
    unsigned char buf[sizeof(struct in6_addr)];
    /* No host name has a ':'; a scoped address fails inet_pton. */
    return host && (inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1 ||
                    strchr(host, ':') != NULL);
}
