/*
 * Framing of DNS messages over a byte stream (RFC 1035 section 4.2.2,
 * RFC 7766 section 8): each message is preceded by its length as a 16-bit
 * big-endian number.
 */
#ifndef DNS_TCP_FRAME_H
#define DNS_TCP_FRAME_H

#include <stddef.h>
#include <stdint.h>

/* Collects stream bytes until whole messages are there. */
struct tcp_frame {
	uint8_t *buf;  /* FATA_DNS_MSG_MAX + 2 bytes */
	size_t len;
};

/* Allocates the buffer. Errors: FATA_ENOMEM. */
int tcp_frame_init(struct tcp_frame *f);
void tcp_frame_free(struct tcp_frame *f);

/*
 * Appends up to `len` bytes from `data`; returns how many were taken (the
 * buffer holds at most one message and its prefix).
 */
size_t tcp_frame_feed(struct tcp_frame *f, const uint8_t *data, size_t len);

/*
 * Returns 1 and points `*msg` at the first complete message (valid until
 * tcp_frame_consume), or 0 when none is complete.
 */
int tcp_frame_message(const struct tcp_frame *f, const uint8_t **msg, size_t *len);

/* Drops the first complete message. */
void tcp_frame_consume(struct tcp_frame *f);

#endif
