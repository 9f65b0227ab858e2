/*
 * Length-prefixed DNS messages over a stream; see tcp_frame.h.
 */
#include <string.h>

#include <fata/alloc.h>
#include <fata/dns.h>
#include <fata/error.h>

#include "dns_internal.h"
#include "tcp_frame.h"

#define FRAME_CAP (FATA_DNS_MSG_MAX + 2)

int tcp_frame_init(struct tcp_frame *f)
{
	f->len = 0;
	f->buf = fata_alloc(FRAME_CAP);
	return f->buf ? 0 : FATA_ENOMEM;
}

void tcp_frame_free(struct tcp_frame *f)
{
	fata_free(f->buf);
	f->buf = NULL;
	f->len = 0;
}

size_t tcp_frame_feed(struct tcp_frame *f, const uint8_t *data, size_t len)
{
	size_t want;

	/* Take only up to the end of the current message, so the buffer never overflows. */
	if (f->len < 2)
		want = 2 - f->len;
	else
		want = 2 + (size_t)dns_get16(f->buf) - f->len;
	if (want == 0)
		return 0;
	if (want > len)
		want = len;
	memcpy(f->buf + f->len, data, want);
	f->len += want;
	return want;
}

int tcp_frame_message(const struct tcp_frame *f, const uint8_t **msg, size_t *len)
{
	if (f->len < 2 || f->len < 2 + (size_t)dns_get16(f->buf))
		return 0;
	*msg = f->buf + 2;
	*len = dns_get16(f->buf);
	return 1;
}

void tcp_frame_consume(struct tcp_frame *f)
{
	f->len = 0;
}
