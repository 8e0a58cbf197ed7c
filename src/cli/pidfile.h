/* -I FILE: a pid file that also keeps a second weir from starting on it. */
#ifndef WEIR_PIDFILE_H
#define WEIR_PIDFILE_H

/* Create or take over path, lock it for the life of this process (an
 * fcntl write lock, which the kernel drops when the process dies, however
 * it dies) and write our pid into it. A file left by a dead process holds
 * no lock and is taken over. Returns 0, or -1 with a one-line error on
 * stderr when another live process holds it or it cannot be written. */
int pidfile_claim(const char *path);

/* Remove the file if we hold it (at exit). */
void pidfile_release(void);

#endif
