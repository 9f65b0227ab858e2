/*
 * libFuzzer target for the zone-file parser: the input is a zone file for
 * example.com. Every record it yields is checked and written as text.
 * $INCLUDE of any name reads the input again, so the include path runs.
 * The included copy reaches the same first $INCLUDE line, which now names
 * a file being read, so the loop check ends the parse after about two
 * passes over the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <fata/dns.h>
#include <fata/dns_zone.h>

static char text[300000];

static int check_record(void *arg, const struct fata_dns_rr *rr, const char **why)
{
	(void)arg;
	(void)why;
	if (fata_dns_rdata_check(rr->type, rr->rdata, rr->rdlen) != 0)
		abort();
	if (fata_dns_rr_format(rr, text, sizeof text) < 0)
		abort();
	return 0;
}

struct fuzz_input {
	const uint8_t *data;
	size_t size;
	int loaded;
};

static int include_input(void *arg, const char *name, const char *parent,
		struct fata_dns_zone_include *out, char *why, size_t why_size)
{
	struct fuzz_input *in = arg;

	(void)parent;
	(void)why;
	(void)why_size;
	if (name[0] == '\0' || strlen(name) >= FATA_DNS_ZONE_INCLUDE_NAME_MAX)
		abort();
	in->loaded++;
	out->text = (const char *)in->data;
	out->len = in->size;
	return 0;
}

static void release_input(void *arg, const struct fata_dns_zone_include *file)
{
	struct fuzz_input *in = arg;

	(void)file;
	if (--in->loaded < 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fata_dns_name origin;
	struct fuzz_input in = { data, size, 0 };
	struct fata_dns_zone_options opt = {
		.origin = &origin,
		.include = include_input,
		.include_release = release_input,
		.include_arg = &in,
	};
	struct fata_dns_zone_error err;
	struct fata_dns_zone *zone;

	fata_dns_name_parse("example.com.", 12, NULL, &origin);
	fata_dns_zone_parse((const char *)data, size, &opt, check_record, NULL, &err);
	if (fata_dns_zone_load((const char *)data, size, &opt, &zone, &err) == 0)
		fata_dns_zone_unref(zone);
	/* Every loaded file was released before the parse returned. */
	if (in.loaded != 0)
		abort();
	return 0;
}
