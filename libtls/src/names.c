/*
 * Certificate names: a small DER walker that finds the subjectAltName
 * dNSName entries (RFC 5280 section 4.2.1.6) of a certificate, or the
 * subject's common names when there are none, as RFC 6125 section 6.4.4
 * allows only then. SNI selection uses the DNS names. A client that
 * connects to an IP address checks the iPAddress entries, and never the
 * common name.
 *
 * Invariant: every element read lies inside its parent, so a malformed
 * length can never move a cursor past the input.
 */
#include <string.h>

#include <fata/alloc.h>
#include <fata/error.h>

#include "tls_internal.h"

#define NAMES_MAX 1024
#define NAME_MAX_LEN 253

#define DER_INTEGER 0x02
#define DER_OCTET_STRING 0x04
#define DER_OID 0x06
#define DER_BOOLEAN 0x01
#define DER_SEQUENCE 0x30
#define DER_SET 0x31
#define DER_CONTEXT_0 0xA0
#define DER_CONTEXT_3 0xA3
#define DER_DNS_NAME 0x82 /* GeneralName [2] IMPLICIT IA5String */
#define DER_IP_ADDRESS 0x87 /* GeneralName [7] IMPLICIT OCTET STRING */

/* The remaining bytes of an element's contents. */
struct der {
	const uint8_t *p;
	size_t len;
};

/* Reads the next element into `tag` and `content`; -1 when malformed. */
static int der_next(struct der *d, uint8_t *tag, struct der *content)
{
	size_t header = 2;
	size_t len;

	if (d->len < 2 || (d->p[0] & 0x1F) == 0x1F)
		return -1;
	len = d->p[1];
	if (len & 0x80) {
		size_t octets = len & 0x7F;
		size_t i;

		if (octets == 0 || octets > 4 || d->len < 2 + octets)
			return -1;
		len = 0;
		for (i = 0; i < octets; i++)
			len = (len << 8) | d->p[2 + i];
		header += octets;
	}
	if (len > d->len - header)
		return -1;
	*tag = d->p[0];
	content->p = d->p + header;
	content->len = len;
	d->p += header + len;
	d->len -= header + len;
	return 0;
}

/* Reads the next element and checks its tag; -1 otherwise. */
static int der_expect(struct der *d, uint8_t tag, struct der *content)
{
	uint8_t found;

	if (der_next(d, &found, content) < 0 || found != tag)
		return -1;
	return 0;
}

static int der_oid_is(const struct der *oid, const uint8_t *value, size_t len)
{
	return oid->len == len && memcmp(oid->p, value, len) == 0;
}

struct name_list {
	char **names;
	size_t count;
	size_t capacity;
};

/* Adds a DNS name in lower case; names with other bytes are skipped. */
static int names_add(struct name_list *list, const struct der *value)
{
	char *name;
	size_t i;

	if (value->len == 0 || value->len > NAME_MAX_LEN)
		return 0;
	for (i = 0; i < value->len; i++) {
		uint8_t c = value->p[i];

		if (c <= 0x20 || c >= 0x7F)
			return 0;
	}
	if (list->count == NAMES_MAX)
		return FATA_ELIMIT;
	if (list->count == list->capacity) {
		size_t capacity = list->capacity ? list->capacity * 2 : 4;
		char **grown = fata_realloc(list->names, capacity * sizeof *grown);

		if (!grown)
			return FATA_ENOMEM;
		list->names = grown;
		list->capacity = capacity;
	}
	name = tls_strdup((const char *)value->p, value->len);
	if (!name)
		return FATA_ENOMEM;
	for (i = 0; name[i]; i++) {
		if (name[i] >= 'A' && name[i] <= 'Z')
			name[i] = (char)(name[i] - 'A' + 'a');
	}
	list->names[list->count++] = name;
	return 0;
}

/*
 * Calls `fn` for each entry with tag `want` of GeneralNames ::= SEQUENCE
 * OF GeneralName, and stops at the first nonzero return, which it returns.
 */
static int san_each(struct der value, uint8_t want,
		int (*fn)(void *arg, const struct der *entry), void *arg)
{
	struct der general_names, entry;
	uint8_t tag;
	int rc;

	if (der_expect(&value, DER_SEQUENCE, &general_names) < 0)
		return FATA_EBADMSG;
	while (general_names.len > 0) {
		if (der_next(&general_names, &tag, &entry) < 0)
			return FATA_EBADMSG;
		if (tag != want)
			continue;
		rc = fn(arg, &entry);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/*
 * Finds subjectAltName (2.5.29.17) in Extensions ::= SEQUENCE OF Extension
 * and stores its extnValue in `san`, or sets san->p to NULL when there is
 * none.
 */
static int san_find(struct der tagged, struct der *san)
{
	static const uint8_t san_oid[] = { 0x55, 0x1D, 0x11 };
	struct der extensions, extension, oid, value;
	uint8_t tag;

	san->p = NULL;
	san->len = 0;
	if (der_expect(&tagged, DER_SEQUENCE, &extensions) < 0)
		return FATA_EBADMSG;
	while (extensions.len > 0) {
		if (der_expect(&extensions, DER_SEQUENCE, &extension) < 0 ||
				der_expect(&extension, DER_OID, &oid) < 0 ||
				der_next(&extension, &tag, &value) < 0)
			return FATA_EBADMSG;
		/* critical BOOLEAN DEFAULT FALSE may come before extnValue. */
		if (tag == DER_BOOLEAN && der_next(&extension, &tag, &value) < 0)
			return FATA_EBADMSG;
		if (tag != DER_OCTET_STRING)
			return FATA_EBADMSG;
		if (der_oid_is(&oid, san_oid, sizeof san_oid)) {
			*san = value;
			return 0;
		}
	}
	return 0;
}

static int names_add_entry(void *arg, const struct der *entry)
{
	return names_add(arg, entry);
}

/* Keeps the dNSName entries of the subjectAltName extension. */
static int names_from_extensions(struct name_list *list, struct der tagged)
{
	struct der san;
	int rc = san_find(tagged, &san);

	if (rc < 0 || !san.p)
		return rc;
	return san_each(san, DER_DNS_NAME, names_add_entry, list);
}

/* Name ::= SEQUENCE OF SET OF AttributeTypeAndValue; keeps commonName (2.5.4.3). */
static int names_from_subject(struct name_list *list, struct der subject)
{
	static const uint8_t cn_oid[] = { 0x55, 0x04, 0x03 };
	struct der rdn, attribute, oid, value;
	uint8_t tag;
	int rc;

	while (subject.len > 0) {
		if (der_expect(&subject, DER_SET, &rdn) < 0)
			return FATA_EBADMSG;
		while (rdn.len > 0) {
			if (der_expect(&rdn, DER_SEQUENCE, &attribute) < 0 ||
					der_expect(&attribute, DER_OID, &oid) < 0 ||
					der_next(&attribute, &tag, &value) < 0)
				return FATA_EBADMSG;
			if (!der_oid_is(&oid, cn_oid, sizeof cn_oid))
				continue;
			rc = names_add(list, &value);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

/*
 * TBSCertificate fields up to the subject, then the optional ones; RFC 5280
 * section 4.1. Stores the subject and the [3] extensions (len 0 if none).
 */
static int names_split_tbs(struct der tbs, struct der *subject, struct der *extensions)
{
	struct der field;
	uint8_t tag;

	extensions->len = 0;
	if (der_next(&tbs, &tag, &field) < 0)
		return FATA_EBADMSG;
	if (tag == DER_CONTEXT_0 && der_next(&tbs, &tag, &field) < 0)
		return FATA_EBADMSG;
	if (tag != DER_INTEGER ||
			der_expect(&tbs, DER_SEQUENCE, &field) < 0 ||  /* signature */
			der_expect(&tbs, DER_SEQUENCE, &field) < 0 ||  /* issuer */
			der_expect(&tbs, DER_SEQUENCE, &field) < 0 ||  /* validity */
			der_expect(&tbs, DER_SEQUENCE, subject) < 0 ||
			der_expect(&tbs, DER_SEQUENCE, &field) < 0)    /* subjectPublicKeyInfo */
		return FATA_EBADMSG;
	while (tbs.len > 0) {
		if (der_next(&tbs, &tag, &field) < 0)
			return FATA_EBADMSG;
		if (tag == DER_CONTEXT_3)
			*extensions = field;
	}
	return 0;
}

/* Splits a Certificate into the subject and extensions of its TBSCertificate. */
static int cert_split(const uint8_t *der, size_t len, struct der *subject, struct der *extensions)
{
	struct der input = { der, len };
	struct der cert, tbs;

	if (der_expect(&input, DER_SEQUENCE, &cert) < 0 ||
			der_expect(&cert, DER_SEQUENCE, &tbs) < 0)
		return FATA_EBADMSG;
	return names_split_tbs(tbs, subject, extensions);
}

static int names_collect(const uint8_t *der, size_t len, struct name_list *list)
{
	struct der subject, extensions;
	int rc = cert_split(der, len, &subject, &extensions);

	if (rc == 0 && extensions.len > 0)
		rc = names_from_extensions(list, extensions);
	if (rc == 0 && list->count == 0)
		rc = names_from_subject(list, subject);
	return rc;
}

int tls_cert_names(const uint8_t *der, size_t len, char ***names, size_t *count)
{
	struct name_list list = { 0 };
	int rc = names_collect(der, len, &list);

	if (rc < 0) {
		tls_names_free(list.names, list.count);
		return rc;
	}
	*names = list.names;
	*count = list.count;
	return 0;
}

/* The address an iPAddress entry must equal. */
struct ip_expected {
	const uint8_t *bytes;
	size_t len;
};

static int ip_entry_matches(void *arg, const struct der *entry)
{
	const struct ip_expected *ip = arg;

	return entry->len == ip->len && memcmp(entry->p, ip->bytes, ip->len) == 0;
}

int tls_cert_has_ip(const uint8_t *der, size_t len, const uint8_t *ip, size_t ip_len)
{
	struct ip_expected expected = { ip, ip_len };
	struct der subject, extensions, san;
	int rc = cert_split(der, len, &subject, &extensions);

	if (rc < 0 || extensions.len == 0)
		return rc;
	rc = san_find(extensions, &san);
	if (rc < 0 || !san.p)
		return rc;
	return san_each(san, DER_IP_ADDRESS, ip_entry_matches, &expected);
}

void tls_names_free(char **names, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		fata_free(names[i]);
	fata_free(names);
}

static int name_equal_nocase(const char *a, const char *b, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char x = a[i], y = b[i];

		if (x >= 'A' && x <= 'Z')
			x = (char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (char)(y - 'A' + 'a');
		if (x != y)
			return 0;
	}
	return 1;
}

/*
 * RFC 6125 section 6.4.3: a wildcard is only the whole left-most label and
 * matches exactly one non-empty label.
 */
int tls_name_matches(const char *pattern, const char *host)
{
	size_t plen = strlen(pattern), hlen = strlen(host);
	const char *dot;

	if (plen == hlen && name_equal_nocase(pattern, host, plen))
		return 1;
	if (plen < 3 || pattern[0] != '*' || pattern[1] != '.')
		return 0;
	dot = memchr(host, '.', hlen);
	if (!dot || dot == host)
		return 0;
	return (size_t)(host + hlen - dot) == plen - 1 &&
		name_equal_nocase(pattern + 1, dot, plen - 1);
}
