/*
 * Error codes shared by every Fata library.
 *
 * Functions that can fail return 0 (FATA_OK) or one of the negative codes
 * below; promises are rejected with the same codes. The numbers are part of
 * the ABI: new codes are appended, existing ones never change value.
 */
#ifndef FATA_ERROR_H
#define FATA_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/* Project-wide error codes; all failures are negative. */
enum fata_error {
	FATA_OK = 0,
	FATA_ENOMEM = -1,        /* the allocator or a pool returned nothing */
	FATA_EINVAL = -2,        /* an argument is out of its documented range */
	FATA_ERANGE = -3,        /* an offset or length is outside a buffer view */
	FATA_EAGAIN = -4,        /* no resource now (queue full, nothing ready); retry later */
	FATA_EBUSY = -5,         /* the object is already doing this (one read at a time) */
	FATA_ETIMEDOUT = -6,     /* a timer ran out before the operation completed */
	FATA_ECANCELED = -7,     /* the consumer canceled the operation */
	FATA_ECONNREFUSED = -8,  /* the peer answered a connection attempt with a reset */
	FATA_ECONNRESET = -9,    /* the peer reset an established connection */
	FATA_ECONNABORTED = -10, /* the local side aborted the connection */
	FATA_ENOTCONN = -11,     /* the flow or socket is not connected */
	FATA_EPIPE = -12,        /* write after shutdown or after the peer went away */
	FATA_EADDRINUSE = -13,   /* the local address and port are already bound */
	FATA_EADDRNOTAVAIL = -14,/* the address is not configured on this stack */
	FATA_EHOSTUNREACH = -15, /* no route, or address resolution failed */
	FATA_ENETUNREACH = -16,  /* no interface or gateway for the destination */
	FATA_EMSGSIZE = -17,     /* the message is larger than the path or protocol allows */
	FATA_ENOTSUP = -18,      /* the operation or option is not implemented */
	FATA_EPROTO = -19,       /* the peer broke the protocol */
	FATA_EBADMSG = -20,      /* an input message is malformed */
	FATA_ENOENT = -21,       /* a named file, key or entry does not exist */
	FATA_EEXIST = -22,       /* the entry exists already */
	FATA_EIO = -23,          /* the platform reported an I/O failure */
	FATA_EPERM = -24,        /* the platform denied the operation (privileges) */
	FATA_ETRUNCATED = -25,   /* a stream ended without its protocol's closing message */
	FATA_ELIMIT = -26,       /* a configured limit (size, count, rate) was reached */
	FATA_ESTATE = -27,       /* the call is not valid in the object's current state */
	FATA_ECLOSED = -28,      /* the object was closed while the operation was pending */
	FATA_EAUTH = -29,        /* authentication or verification failed */
	FATA_ENOSPC = -30,       /* the output buffer is too small */
	FATA_EINCOMPLETE = -31,  /* a parser needs more input */
	FATA_ETLS = -32,         /* a TLS failure; the TLS library keeps the detailed reason */
	FATA_EOVERFLOW = -33,    /* a value does not fit its field */
};

/* The most negative code defined; codes below it are unknown to this version. */
#define FATA_ERROR_MIN FATA_EOVERFLOW

/*
 * Returns a static, human-readable description of `code` ("out of memory").
 * Unknown codes give "unknown error"; 0 gives "success". Never returns NULL.
 */
const char *fata_strerror(int code);

/*
 * Returns the symbolic name of `code` ("FATA_ENOMEM"), for logs and tests.
 * Unknown codes give "FATA_E?". Never returns NULL.
 */
const char *fata_error_name(int code);

#ifdef __cplusplus
}
#endif

#endif
