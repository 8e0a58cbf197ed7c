/* quic transport: -F, a file's bytes instead of the repeated block.
 *
 * Sender: ngtcp2 reads a packet's stream data from our memory and keeps
 * pointing into it until the peer acknowledges it (it sends lost data
 * again from there). So the file goes through a ring addressed by stream
 * offset: bytes from the first unacknowledged one (tx_acked) up to those
 * read from the file so far (file_filled) stay put; the file is read on
 * into the room acknowledgements free. A file's bytes must arrive in
 * order, so they go over one QUIC stream, whatever --quic-streams says.
 *
 * Receiver: ngtcp2 hands a stream's bytes over in order; they go to the
 * core's consume as they come (quic_file_arrived). */
#include "quic_int.h"

#include <stdlib.h>

#include "payload.h"

int quic_file_setup(struct quic_stream *s, const struct weir_stream_config *cfg)
{
    if (!cfg->payload || (cfg->lower & WEIR_LOWER_STREAM))
        return WEIR_OK;
    if (s->is_client && s->g->set.streams > 1)
        return quic_fail(s->g, WEIR_E_FILE, "a file goes in order over one QUIC stream: -F takes no --%s",
                         QUIC_OPT_STREAMS);
    s->file = cfg->payload;
    if (!s->sending)
        return WEIR_OK;
    /* Room for a whole flow-control window in flight, so the file is not
     * what limits the rate. */
    s->tx_ring = (cfg->window > 0 ? (uint32_t)cfg->window : QUIC_DEFAULT_WINDOW) * 2u;
    free(s->payload);
    s->payload = malloc(s->tx_ring);
    if (!s->payload)
        return quic_fail(s->g, WEIR_E_NOMEM, "QUIC stream file ring");
    return WEIR_OK;
}

void quic_file_streams(struct quic_stream *s)
{
    if (!s->file || s->nstreams <= 1)
        return;
    if (s->sending) {
        s->nstreams = 1;
        return;
    }
    /* A server receiving: the client deals its bytes over several
     * streams, which no file can be put together from. */
    quic_log(s->g, WEIR_LOG_WARNING, "-F ignored for this test: the client sends over %u QUIC streams",
             s->nstreams);
    s->file = NULL;
}

int quic_file_fill(struct quic_stream *s)
{
    while (!s->file_ended) {
        uint64_t room = s->tx_ring - (s->file_filled - s->tx_acked);
        if (!room)
            return WEIR_OK;
        uint32_t at = (uint32_t)(s->file_filled % s->tx_ring);
        uint64_t run = s->tx_ring - at < room ? s->tx_ring - at : room;
        uint32_t want = run < s->blksize ? (uint32_t)run : s->blksize;
        uint32_t len = 0;
        int rc = payload_next(s->file, s->payload + at, want, &len);
        if (rc == WEIR_E_DATAEND) {
            s->file_ended = 1;
            return WEIR_OK;
        }
        if (rc != WEIR_OK)
            return rc;
        s->file_filled += len;
    }
    return WEIR_OK;
}

void quic_file_arrived(struct quic_stream *s, const uint8_t *data, size_t len)
{
    if (s->file && !s->file_failed && s->file->consume(s->file->ctx, data, len) < 0)
        s->file_failed = 1;
}
