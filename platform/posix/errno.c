/* Mapping of errno values to fata_error codes. */
#include <errno.h>

#include <fata/error.h>

#include "posix_internal.h"

int posix_error_from_errno(int err)
{
	switch (err) {
	case 0:
		return FATA_OK;
	case ENOMEM:
	case ENOBUFS:
		return FATA_ENOMEM;
	case EINVAL:
	case EBADF:
	case ENOTSOCK:
	case EFAULT:
		return FATA_EINVAL;
	case EAGAIN:
#if EWOULDBLOCK != EAGAIN
	case EWOULDBLOCK:
#endif
		return FATA_EAGAIN;
	case EBUSY:
	case EALREADY:
		return FATA_EBUSY;
	case ETIMEDOUT:
		return FATA_ETIMEDOUT;
	case ECANCELED:
		return FATA_ECANCELED;
	case ECONNREFUSED:
		return FATA_ECONNREFUSED;
	case ECONNRESET:
		return FATA_ECONNRESET;
	case ECONNABORTED:
		return FATA_ECONNABORTED;
	case ENOTCONN:
		return FATA_ENOTCONN;
	case EPIPE:
	case ESHUTDOWN:
		return FATA_EPIPE;
	case EADDRINUSE:
		return FATA_EADDRINUSE;
	case EADDRNOTAVAIL:
		return FATA_EADDRNOTAVAIL;
	case EHOSTUNREACH:
	case EHOSTDOWN:
		return FATA_EHOSTUNREACH;
	case ENETUNREACH:
	case ENETDOWN:
		return FATA_ENETUNREACH;
	case EMSGSIZE:
		return FATA_EMSGSIZE;
	case EOPNOTSUPP:
#if ENOTSUP != EOPNOTSUPP
	case ENOTSUP:
#endif
	case EAFNOSUPPORT:
	case EPROTONOSUPPORT:
	case ENOSYS:
		return FATA_ENOTSUP;
	case EPROTO:
		return FATA_EPROTO;
	case EBADMSG:
		return FATA_EBADMSG;
	case ENOENT:
	case ENODEV:
	case ENXIO:
		return FATA_ENOENT;
	case EEXIST:
		return FATA_EEXIST;
	case EPERM:
	case EACCES:
		return FATA_EPERM;
	case EMFILE:
	case ENFILE:
		return FATA_ELIMIT;
	case EOVERFLOW:
		return FATA_EOVERFLOW;
	default:
		return FATA_EIO;
	}
}
