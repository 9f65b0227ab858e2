/* Initial sequence numbers (RFC 6528) and SYN cookies (RFC 4987 section 3.6). */
#include <string.h>

#include <fata/error.h>

#include "tcp_isn.h"

uint32_t tcp_isn(const struct tcp_siphash_key *key, const struct tcp_tuple *tuple,
		uint64_t now_ns)
{
	/* RFC 6528 section 3: M is a 4-microsecond timer, F a keyed hash. */
	uint32_t m = (uint32_t)(now_ns / 4000);

	return m + (uint32_t)tcp_tuple_hash(key, tuple);
}

/*
 * MSS values a cookie can encode: common path MTUs less 40 or 60 bytes of
 * headers, and 536 (the IPv4 default of RFC 9293 section 3.7.1).
 */
static const uint16_t cookie_mss_table[8] = {
	536, 1200, 1220, 1360, 1400, 1440, 1460, 8940,
};

/* Seconds per cookie counter tick; a cookie is accepted for up to two ticks. */
#define COOKIE_PERIOD_NS (UINT64_C(64) * 1000000000)

static uint32_t cookie_hash(const struct tcp_siphash_key *key, const struct tcp_tuple *tuple,
		uint32_t client_isn, uint32_t counter, uint32_t mss_index, uint32_t opt_bits)
{
	uint8_t data[TCP_TUPLE_PACKED + 13];

	tcp_tuple_pack(tuple, data);
	uint8_t *p = data + TCP_TUPLE_PACKED;
	for (int i = 0; i < 4; i++) {
		p[i] = (uint8_t)(client_isn >> (24 - 8 * i));
		p[4 + i] = (uint8_t)(counter >> (24 - 8 * i));
		p[8 + i] = (uint8_t)(opt_bits >> (24 - 8 * i));
	}
	p[12] = (uint8_t)mss_index;
	return (uint32_t)tcp_siphash(key, data, sizeof(data)) & 0xffffff;
}

uint32_t tcp_cookie_make(const struct tcp_siphash_key *key, const struct tcp_tuple *tuple,
		uint32_t client_isn, uint16_t client_mss, uint32_t opt_bits, uint64_t now_ns,
		uint16_t *mss)
{
	uint32_t counter = (uint32_t)(now_ns / COOKIE_PERIOD_NS);
	uint32_t index = 0;

	/* RFC 9293 section 3.7.1: a SYN without MSS option means 536. */
	if (client_mss == 0)
		client_mss = 536;
	for (uint32_t i = 0; i < 8; i++) {
		if (cookie_mss_table[i] <= client_mss)
			index = i;
	}
	*mss = cookie_mss_table[index];

	uint32_t hash = cookie_hash(key, tuple, client_isn, counter & 31, index, opt_bits);
	return ((counter & 31) << 27) | (index << 24) | hash;
}

int tcp_cookie_check(const struct tcp_siphash_key *key, const struct tcp_tuple *tuple,
		uint32_t client_isn, uint32_t cookie, uint32_t opt_bits, uint64_t now_ns,
		uint16_t *mss)
{
	uint32_t now_counter = (uint32_t)(now_ns / COOKIE_PERIOD_NS) & 31;
	uint32_t counter = cookie >> 27;
	uint32_t index = (cookie >> 24) & 7;

	/* Only this period's and the previous period's cookies are accepted. */
	if (counter != now_counter && counter != ((now_counter - 1) & 31))
		return FATA_EAUTH;
	if (cookie_hash(key, tuple, client_isn, counter, index, opt_bits) != (cookie & 0xffffff))
		return FATA_EAUTH;

	*mss = cookie_mss_table[index];
	return 0;
}

uint32_t tcp_cookie_ts_bits(const struct tcp_cookie_options *opts)
{
	/* Bits 0-3: the client's window scale, 15 for none; bit 4: SACK; bit 5: always set. */
	uint32_t bits = 0x20;

	bits |= opts->wscale_ok ? (opts->wscale & 0x0f) : 0x0f;
	if (opts->sack_ok)
		bits |= 0x10;
	return bits;
}

int tcp_cookie_ts_decode(uint32_t ts_ecr, struct tcp_cookie_options *opts)
{
	uint32_t bits = ts_ecr & TCP_COOKIE_TS_MASK;

	memset(opts, 0, sizeof(*opts));
	if (!(bits & 0x20))
		return FATA_EBADMSG;

	uint8_t wscale = bits & 0x0f;
	if (wscale != 0x0f) {
		if (wscale > 14)
			return FATA_EBADMSG;
		opts->wscale_ok = 1;
		opts->wscale = wscale;
	}
	opts->sack_ok = (bits & 0x10) != 0;
	return 0;
}
