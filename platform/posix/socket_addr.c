/* Conversion between fata_sockaddr and the kernel's socket addresses. */
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include <fata/addr.h>
#include <fata/error.h>

#include "posix_internal.h"

int posix_sockaddr_to_kernel(const struct fata_sockaddr *sa, struct sockaddr_storage *out,
		socklen_t *len)
{
	memset(out, 0, sizeof *out);
	if (sa->ip.family == FATA_AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)out;

		in->sin_family = AF_INET;
		in->sin_port = htons(sa->port);
		memcpy(&in->sin_addr, sa->ip.bytes, 4);
		*len = sizeof *in;
		return FATA_OK;
	}
	if (sa->ip.family == FATA_AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)out;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(sa->port);
		memcpy(&in6->sin6_addr, sa->ip.bytes, 16);
		*len = sizeof *in6;
		return FATA_OK;
	}
	return FATA_EINVAL;
}

/* Returns 1 for ::ffff:0:0/96, the IPv4-mapped IPv6 addresses (RFC 4291 section 2.5.5.2). */
static int is_v4_mapped(const uint8_t *b)
{
	static const uint8_t prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return memcmp(b, prefix, sizeof prefix) == 0;
}

int posix_sockaddr_from_kernel(const struct sockaddr *sa, socklen_t len,
		struct fata_sockaddr *out)
{
	memset(out, 0, sizeof *out);
	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		out->ip.family = FATA_AF_INET;
		memcpy(out->ip.bytes, &in->sin_addr, 4);
		out->port = ntohs(in->sin_port);
		return FATA_OK;
	}
	if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		const uint8_t *b = in6->sin6_addr.s6_addr;

		if (is_v4_mapped(b)) {
			out->ip.family = FATA_AF_INET;
			memcpy(out->ip.bytes, b + 12, 4);
		} else {
			out->ip.family = FATA_AF_INET6;
			memcpy(out->ip.bytes, b, 16);
		}
		out->port = ntohs(in6->sin6_port);
		return FATA_OK;
	}
	return FATA_EINVAL;
}
