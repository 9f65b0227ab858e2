/*
 * Helpers for the server tests: build requests from zone-file lines and
 * read responses back as text.
 */
#ifndef DNS_TEST_SERVER_HELPERS_H
#define DNS_TEST_SERVER_HELPERS_H

#include <check.h>
#include <stdio.h>
#include <string.h>

#include <fata/dns.h>
#include <fata/dns_server.h>
#include <fata/dns_tsig.h>
#include <fata/dns_zone.h>
#include <fata/error.h>

/* A response as text: "an:", "ns:" or "ar:" and the record line. */
struct result {
	int answered;
	unsigned rcode; /* 12 bits: header rcode plus the OPT's extended bits */
	uint16_t flags;
	uint16_t count[4];
	int has_opt;
	int has_tsig;
	struct fata_dns_tsig_record tsig;
	int nlines;
	char lines[48][512];
};

static inline struct fata_dns_name test_name(const char *text)
{
	struct fata_dns_name n;

	ck_assert_int_eq(fata_dns_name_parse(text, strlen(text), NULL, &n), 0);
	return n;
}

/* Appends the records given as zone-file lines (NULL-terminated) to `section`. */
static inline void add_lines(struct fata_dns_builder *b, enum fata_dns_section section,
		const char *const *lines)
{
	static uint8_t rdata[65535];

	for (size_t i = 0; lines && lines[i]; i++) {
		struct fata_dns_rr rr;
		struct fata_dns_zone_error err;
		int rc = fata_dns_rr_parse(lines[i], strlen(lines[i]), NULL, &rr, rdata, sizeof rdata,
				&err);

		ck_assert_msg(rc == 0, "'%s': %s", lines[i], err.reason);
		ck_assert_int_eq(fata_dns_build_rr(b, section, &rr), 0);
	}
}

/* Builds a request; an EDNS size of 0 sends no OPT. */
static inline size_t make_request(uint8_t *buf, size_t cap, uint16_t flags, const char *qname,
		uint16_t qtype, uint16_t edns_size, const char *const *an, const char *const *ns,
		const char *const *ar)
{
	struct fata_dns_builder b;
	struct fata_dns_question q = { .type = qtype, .class_ = FATA_DNS_CLASS_IN };

	fata_dns_builder_init(&b, buf, cap, 0xbeef, flags);
	if (qname) {
		q.name = test_name(qname);
		fata_dns_build_question(&b, &q);
	}
	add_lines(&b, FATA_DNS_SECTION_ANSWER, an);
	add_lines(&b, FATA_DNS_SECTION_AUTHORITY, ns);
	add_lines(&b, FATA_DNS_SECTION_ADDITIONAL, ar);
	if (edns_size) {
		struct fata_dns_edns edns = { .udp_size = edns_size };
		struct fata_dns_rr opt;

		fata_dns_edns_to_rr(&edns, &opt);
		fata_dns_build_rr(&b, FATA_DNS_SECTION_ADDITIONAL, &opt);
	}
	return fata_dns_builder_finish(&b);
}

static inline void read_result(const uint8_t *msg, size_t len, struct result *r)
{
	static const char *const prefix[] = { "qd:", "an:", "ns:", "ar:" };
	struct fata_dns_parser p;
	struct fata_dns_rr rr;
	enum fata_dns_section section;

	memset(r, 0, sizeof *r);
	r->answered = 1;
	ck_assert_int_eq(fata_dns_parser_init(&p, msg, len), 0);
	r->flags = p.header.flags;
	r->rcode = fata_dns_flags_rcode(p.header.flags);
	memcpy(r->count, p.header.count, sizeof r->count);
	while (fata_dns_parse_rr(&p, &rr, &section) == 0) {
		if (rr.type == FATA_DNS_TYPE_OPT) {
			r->has_opt = 1;
			r->rcode |= (rr.ttl >> 24) << 4;
			continue;
		}
		if (rr.type == FATA_DNS_TYPE_TSIG)
			continue;
		ck_assert_int_lt(r->nlines, 48);
		strcpy(r->lines[r->nlines], prefix[section]);
		fata_dns_rr_format(&rr, r->lines[r->nlines] + 3, sizeof r->lines[0] - 3);
		r->nlines++;
	}
	ck_assert_int_eq(fata_dns_parser_finish(&p), 0);
	if (fata_dns_tsig_find(msg, len, &r->tsig) == 0)
		r->has_tsig = 1;
}

/* Returns 1 when `r` has exactly this line. */
static inline int has_line(const struct result *r, const char *line)
{
	for (int i = 0; i < r->nlines; i++) {
		if (strcmp(r->lines[i], line) == 0)
			return 1;
	}
	return 0;
}

#endif
