/*
 * Helpers shared by the POSIX backend's files. Not installed.
 */
#ifndef FATA_POSIX_INTERNAL_H
#define FATA_POSIX_INTERNAL_H

#include <sys/socket.h>

#include <fata/addr.h>
#include <fata/loop.h>

/* Returns 1 when `loop` runs on the epoll poller, so fd watches work on it. */
int posix_loop_is_epoll(const struct fata_loop *loop);

/*
 * Returns the fata_error code for the errno value `err`: the code of the
 * same meaning where one exists, FATA_EIO for the rest.
 */
int posix_error_from_errno(int err);

/*
 * Converts `sa` to a kernel socket address in `out` and stores its length
 * in `*len`. Errors: FATA_EINVAL for a family other than IPv4 or IPv6.
 */
int posix_sockaddr_to_kernel(const struct fata_sockaddr *sa, struct sockaddr_storage *out,
		socklen_t *len);

/*
 * Converts a kernel socket address to `out`. An IPv4-mapped IPv6 address
 * (::ffff:a.b.c.d) becomes the IPv4 address. Errors: FATA_EINVAL for other
 * families or a short `len`.
 */
int posix_sockaddr_from_kernel(const struct sockaddr *sa, socklen_t len,
		struct fata_sockaddr *out);

#endif
