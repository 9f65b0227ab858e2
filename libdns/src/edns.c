/*
 * The OPT pseudo-record of EDNS(0) (RFC 6891 section 6.1.3): the class
 * carries the sender's UDP payload size and the TTL the extended rcode,
 * the version and the flags.
 */
#include <fata/dns.h>
#include <fata/error.h>

int fata_dns_edns_from_rr(const struct fata_dns_rr *rr, struct fata_dns_edns *out)
{
	if (rr->type != FATA_DNS_TYPE_OPT)
		return FATA_EBADMSG;
	out->udp_size = rr->class_;
	out->ext_rcode = (uint8_t)(rr->ttl >> 24);
	out->version = (uint8_t)(rr->ttl >> 16);
	out->flags = (uint16_t)rr->ttl;
	return 0;
}

void fata_dns_edns_to_rr(const struct fata_dns_edns *edns, struct fata_dns_rr *rr)
{
	fata_dns_name_root(&rr->owner);
	rr->type = FATA_DNS_TYPE_OPT;
	rr->class_ = edns->udp_size;
	rr->ttl = (uint32_t)edns->ext_rcode << 24 | (uint32_t)edns->version << 16 | edns->flags;
	rr->rdlen = 0;
	rr->rdata = NULL;
}
