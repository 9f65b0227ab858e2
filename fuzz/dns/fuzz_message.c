/*
 * libFuzzer target for the message parser. Every question and record is
 * read and the message is rebuilt. Each record that parsed is written as
 * text and parsed back, and must come back with the same rdata.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <fata/dns.h>
#include <fata/dns_zone.h>

static uint8_t rdata[65536];
static char text[300000];
static uint8_t rebuilt[65536];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fata_dns_parser p;
	struct fata_dns_question q;
	struct fata_dns_rr rr, back;
	struct fata_dns_builder b;

	if (fata_dns_parser_init(&p, data, size) < 0)
		return 0;
	fata_dns_builder_init(&b, rebuilt, sizeof rebuilt, p.header.id, p.header.flags);
	while (fata_dns_parse_question(&p, &q) == 0)
		fata_dns_build_question(&b, &q);

	enum fata_dns_section section;

	while (fata_dns_parse_rr(&p, &rr, &section) == 0) {
		int n = fata_dns_rr_format(&rr, text, sizeof text);

		/* Records with empty rdata of known types are UPDATE forms and have no text. */
		if (n > 0 && rr.rdlen > 0) {
			struct fata_dns_zone_error err;

			if (fata_dns_rr_parse(text, (size_t)n, NULL, &back, rdata, sizeof rdata, &err) != 0
					|| back.rdlen != rr.rdlen || memcmp(back.rdata, rr.rdata, rr.rdlen) != 0)
				abort();
		}
		fata_dns_build_rr(&b, section, &rr);
	}
	fata_dns_parser_finish(&p);
	fata_dns_builder_finish(&b);
	return 0;
}
