/* The options whose argument is more than one number or string, or whose
 * reading does more than store it: optable's parse column (opt_parse_fn:
 * WEIR_OK, OPT_EXIT, or a status with detail). */
#ifndef WEIR_OPTPARSE_H
#define WEIR_OPTPARSE_H

#include "cli/optable.h"

/* -s, -c HOST, --loopback: the mode is flag_value; two modes make it -1
 * ("cannot be both server and client", once the first pass is over). */
int optparse_mode(const struct optspec *o, const char *arg, struct settings *s,
                  char *detail, size_t len);
/* --exporter-allow CIDR|PATTERN, up to MAX_EXPORTER_ALLOW; checked by
 * the exporter's configuration when it loads. */
int optparse_exporter_allow(const struct optspec *o, const char *arg, struct settings *s,
                            char *detail, size_t len);
/* -u: the transport named as the option (--udp: udp). */
int optparse_transport_flag(const struct optspec *o, const char *arg, struct settings *s,
                            char *detail, size_t len);
/* --reporter NAME[:ARG], up to MAX_REPORTERS. */
int optparse_reporter(const struct optspec *o, const char *arg, struct settings *s,
                      char *detail, size_t len);
/* -v: prints the version. */
int optparse_version(const struct optspec *o, const char *arg, struct settings *s,
                     char *detail, size_t len);
/* --list-plugins: prints them. */
int optparse_list_plugins(const struct optspec *o, const char *arg, struct settings *s,
                          char *detail, size_t len);
/* -f: one of iperf3's unit letters. */
int optparse_format(const struct optspec *o, const char *arg, struct settings *s,
                    char *detail, size_t len);
/* --timestamps[=FORMAT]: strftime's, "%c " when left out. */
int optparse_timestamps(const struct optspec *o, const char *arg, struct settings *s,
                        char *detail, size_t len);
/* --cntl-ka[=IDLE/INTERVAL/COUNT]. */
int optparse_cntl_ka(const struct optspec *o, const char *arg, struct settings *s,
                     char *detail, size_t len);
/* --no-fq-socket-pacing: iperf3's deprecated flag, --fq-rate 0. */
int optparse_fq_pacing_off(const struct optspec *o, const char *arg, struct settings *s,
                           char *detail, size_t len);
/* --sctp, --nstreams, -X/--xbind: iperf3's SCTP options, refused by name
 * ("not implemented yet", as an iperf3 built without SCTP says). */
int optparse_sctp(const struct optspec *o, const char *arg, struct settings *s,
                  char *detail, size_t len);
/* -A n or n,m: this process's CPU and the server's for the test. */
int optparse_affinity(const struct optspec *o, const char *arg, struct settings *s,
                      char *detail, size_t len);
/* -b RATE[/BURST]. */
int optparse_bitrate(const struct optspec *o, const char *arg, struct settings *s,
                     char *detail, size_t len);
/* --server-bitrate-limit RATE[/SECONDS]. */
int optparse_server_bitrate_limit(const struct optspec *o, const char *arg, struct settings *s,
                                  char *detail, size_t len);
/* --dscp: 0-63 or a symbolic name, stored as the TOS byte. */
int optparse_dscp(const struct optspec *o, const char *arg, struct settings *s,
                  char *detail, size_t len);

#endif
