/*
 * What the platform core expects from a backend, and what backends may use
 * of the loop's internals. Not installed.
 */
#ifndef FATA_PLATFORM_BACKEND_H
#define FATA_PLATFORM_BACKEND_H

#include <fata/loop.h>

/*
 * Creates the backend's default poller for fata_loop_new(): stores its
 * operations and context. Returns 0 or a negative fata_error code.
 */
int fata_backend_poller_new(const struct fata_poller_ops **ops, void **ctx);

/* Returns the poller context and operations a loop was created with. */
void *fata_loop_poller_ctx(const struct fata_loop *loop);
const struct fata_poller_ops *fata_loop_poller_ops(const struct fata_loop *loop);

/* Counts a wait that returned with I/O ready, for the loop statistics. */
void fata_loop_note_io(struct fata_loop *loop);

#endif
