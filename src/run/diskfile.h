/* -F: one stream's payload read from, or written into, a file (iperf3's
 * "diskfile"). The transport calls fill/consume from its send/recv hooks
 * (struct weir_payload); the main thread reads the file's size. */
#ifndef WEIR_DISKFILE_H
#define WEIR_DISKFILE_H

#include <stdint.h>
#include <weir/weir.h>

struct diskfile {
    struct weir_payload payload;    /* what the transport gets; ctx = this */
    int fd;
    uint64_t offset;                /* receiver: where the next bytes go */
    int seekable;                   /* a file: pwrite at offset; else write */
};

/* Open path for one stream: a sender reads it from the start, a receiver
 * creates or truncates it (mode 0600, as iperf3) and writes from offset 0,
 * so that streams carrying the same file write the same bytes to the same
 * places. Never blocks for long: a pipe or socket is refused for sending,
 * a device with nothing to read fails the read, a pipe without a reader
 * fails the open and one whose reader stops fails after DISKFILE_WAIT_MS
 * (the workers are joined at the end of a test, so none may hang). NULL
 * with errno set and why filled. */
struct diskfile *diskfile_open(const char *path, int sending, char *why, size_t whylen);
void diskfile_close(struct diskfile *f);

/* The file's size now, 0 if unknown. */
uint64_t diskfile_size(const struct diskfile *f);

/* 100 * bytes / size, truncated; 100 for an empty file (iperf3). */
int diskfile_percent(uint64_t bytes, uint64_t size);

#endif
