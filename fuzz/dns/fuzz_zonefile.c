/*
 * libFuzzer target for the zone-file parser: the input is a zone file for
 * example.com. Every record it yields is checked and written as text.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fata_dns_name origin;
	struct fata_dns_zone_options opt = { .origin = &origin };
	struct fata_dns_zone_error err;
	struct fata_dns_zone *zone;

	fata_dns_name_parse("example.com.", 12, NULL, &origin);
	fata_dns_zone_parse((const char *)data, size, &opt, check_record, NULL, &err);
	if (fata_dns_zone_load((const char *)data, size, &opt, &zone, &err) == 0)
		fata_dns_zone_unref(zone);
	return 0;
}
