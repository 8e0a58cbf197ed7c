/* The results JSON both sides exchange after TEST_END (docs/protocol.md §9). */
#ifndef WEIR_RESULTS_H
#define WEIR_RESULTS_H

#include <json-c/json.h>
#include "run/test.h"
#include "proto/errors.h"

/* This side's results. server_output: text to attach (server), or NULL. */
struct json_object *results_to_json(struct test *t, const char *server_output_text,
                                    const char *server_output_json);

/* Read the peer's results into t (peer_* fields, streams[].peer).
 * Returns WEIR_OK, WEIR_E_RECVRESULTS or WEIR_E_STREAMID. */
int results_from_json(struct test *t, struct json_object *obj, char *detail, size_t len);

#endif
