/*
 * libfata-dns, the message codec: domain names, record types, DNS messages
 * in wire format (RFC 1035 section 4) and records in presentation format
 * (RFC 1035 section 5, RFC 3597 section 5).
 *
 * Everything here is sans-I/O: functions read and write caller buffers,
 * allocate nothing and keep no global state.
 *
 * Record data (rdata) is always held in uncompressed wire format. The
 * parser expands compressed names inside rdata while reading, so a record
 * read from a message can be stored, compared and written into another
 * message as it is.
 */
#ifndef FATA_DNS_H
#define FATA_DNS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Limits of RFC 1035 section 2.3.4, in wire bytes. */
#define FATA_DNS_NAME_MAX 255
#define FATA_DNS_LABEL_MAX 63

/* Maximum length of a name's presentation form (every byte as \DDD), with its NUL. */
#define FATA_DNS_NAME_TEXT_MAX 1024

/* Largest DNS message: the TCP length prefix is 16 bits (RFC 1035 4.2.2). */
#define FATA_DNS_MSG_MAX 65535

/* The size of a DNS header (RFC 1035 section 4.1.1). */
#define FATA_DNS_HEADER_SIZE 12

/* The largest UDP message without EDNS(0) (RFC 1035 section 4.2.1). */
#define FATA_DNS_UDP_MIN 512

/*
 * A domain name in uncompressed wire format: length-prefixed labels ending
 * with the zero-length root label. `len` counts every byte including the
 * root label (1 for the root), `labels` counts the labels other than the
 * root. Case is kept as given; comparisons ignore ASCII case.
 */
struct fata_dns_name {
	uint8_t len;
	uint8_t labels;
	uint8_t wire[FATA_DNS_NAME_MAX];
};

/* Record types with their IANA numbers. */
enum fata_dns_type {
	FATA_DNS_TYPE_A = 1,
	FATA_DNS_TYPE_NS = 2,
	FATA_DNS_TYPE_CNAME = 5,
	FATA_DNS_TYPE_SOA = 6,
	FATA_DNS_TYPE_PTR = 12,
	FATA_DNS_TYPE_MX = 15,
	FATA_DNS_TYPE_TXT = 16,
	FATA_DNS_TYPE_AAAA = 28,
	FATA_DNS_TYPE_SRV = 33,
	FATA_DNS_TYPE_OPT = 41,
	FATA_DNS_TYPE_DS = 43,
	FATA_DNS_TYPE_RRSIG = 46,
	FATA_DNS_TYPE_NSEC = 47,
	FATA_DNS_TYPE_DNSKEY = 48,
	FATA_DNS_TYPE_NSEC3 = 50,
	FATA_DNS_TYPE_NSEC3PARAM = 51,
	FATA_DNS_TYPE_TLSA = 52,
	FATA_DNS_TYPE_SVCB = 64,
	FATA_DNS_TYPE_HTTPS = 65,
	FATA_DNS_TYPE_TSIG = 250,
	FATA_DNS_TYPE_IXFR = 251,
	FATA_DNS_TYPE_AXFR = 252,
	FATA_DNS_TYPE_ANY = 255,
	FATA_DNS_TYPE_CAA = 257,
};

/* Classes (RFC 1035 section 3.2.4, RFC 2136 section 1.3). */
enum fata_dns_class {
	FATA_DNS_CLASS_IN = 1,
	FATA_DNS_CLASS_CH = 3,
	FATA_DNS_CLASS_NONE = 254,
	FATA_DNS_CLASS_ANY = 255,
};

/* Opcodes (RFC 1035, RFC 1996, RFC 2136). */
enum fata_dns_opcode {
	FATA_DNS_OP_QUERY = 0,
	FATA_DNS_OP_STATUS = 2,
	FATA_DNS_OP_NOTIFY = 4,
	FATA_DNS_OP_UPDATE = 5,
};

/*
 * Response codes. Values above 15 need EDNS(0) or TSIG to be carried:
 * BADVERS travels in the OPT record, BADSIG, BADKEY, BADTIME and BADTRUNC
 * in the TSIG error field (both use 16, RFC 8945 section 3).
 */
enum fata_dns_rcode {
	FATA_DNS_RCODE_NOERROR = 0,
	FATA_DNS_RCODE_FORMERR = 1,
	FATA_DNS_RCODE_SERVFAIL = 2,
	FATA_DNS_RCODE_NXDOMAIN = 3,
	FATA_DNS_RCODE_NOTIMP = 4,
	FATA_DNS_RCODE_REFUSED = 5,
	FATA_DNS_RCODE_YXDOMAIN = 6,
	FATA_DNS_RCODE_YXRRSET = 7,
	FATA_DNS_RCODE_NXRRSET = 8,
	FATA_DNS_RCODE_NOTAUTH = 9,
	FATA_DNS_RCODE_NOTZONE = 10,
	FATA_DNS_RCODE_BADVERS = 16,
	FATA_DNS_RCODE_BADSIG = 16,
	FATA_DNS_RCODE_BADKEY = 17,
	FATA_DNS_RCODE_BADTIME = 18,
	FATA_DNS_RCODE_BADTRUNC = 22,
};

/* Header flag bits (RFC 1035 section 4.1.1, RFC 4035 section 3.2). */
#define FATA_DNS_FLAG_QR 0x8000u
#define FATA_DNS_FLAG_AA 0x0400u
#define FATA_DNS_FLAG_TC 0x0200u
#define FATA_DNS_FLAG_RD 0x0100u
#define FATA_DNS_FLAG_RA 0x0080u
#define FATA_DNS_FLAG_AD 0x0020u
#define FATA_DNS_FLAG_CD 0x0010u

/* Returns the opcode held in header flags. */
static inline unsigned fata_dns_flags_opcode(uint16_t flags)
{
	return (flags >> 11) & 0xfu;
}

/* Returns the 4-bit rcode held in header flags. */
static inline unsigned fata_dns_flags_rcode(uint16_t flags)
{
	return flags & 0xfu;
}

/* Message sections, in wire order. UPDATE calls them zone, prerequisite, update, additional. */
enum fata_dns_section {
	FATA_DNS_SECTION_QUESTION = 0,
	FATA_DNS_SECTION_ANSWER = 1,
	FATA_DNS_SECTION_AUTHORITY = 2,
	FATA_DNS_SECTION_ADDITIONAL = 3,
};

/* A message header; count[] is indexed by enum fata_dns_section. */
struct fata_dns_header {
	uint16_t id;
	uint16_t flags;
	uint16_t count[4];
};

/* A question entry. */
struct fata_dns_question {
	struct fata_dns_name name;
	uint16_t type;
	uint16_t class_;
};

/*
 * A resource record. `rdata` points at `rdlen` bytes of uncompressed wire
 * rdata that the structure does not own. Each function that fills one
 * documents how long the rdata stays valid.
 */
struct fata_dns_rr {
	struct fata_dns_name owner;
	uint16_t type;
	uint16_t class_;
	uint32_t ttl;
	uint16_t rdlen;
	const uint8_t *rdata;
};

/*
 * The largest rdata that name expansion can produce from a compressed
 * record: SOA's two names plus its five 32-bit fields.
 */
#define FATA_DNS_RDATA_EXPANDED_MAX (2 * FATA_DNS_NAME_MAX + 20)

/* ---- Names ---- */

/* Sets `name` to the root name ".". */
void fata_dns_name_root(struct fata_dns_name *name);

/*
 * Reads a possibly compressed name starting at `*pos` of the message `msg`
 * (`len` bytes) into `out`, and advances `*pos` past the name as it appears
 * at that place (past the first pointer, if any). Compression pointers must
 * point backwards, at or after the header, so pointer loops are impossible
 * (RFC 1035 section 4.1.4). Labels with the reserved 01 and 10 prefixes are
 * rejected. Errors: FATA_EBADMSG for a truncated name, a forward or looping
 * pointer, a pointer into the header, a bad label type, or a name longer
 * than 255 bytes.
 */
int fata_dns_name_read(const uint8_t *msg, size_t len, size_t *pos, struct fata_dns_name *out);

/*
 * Checks that `len` bytes at `wire` are exactly one uncompressed name and
 * copies it into `out` (which may be NULL). Errors: FATA_EBADMSG.
 */
int fata_dns_name_from_wire(const uint8_t *wire, size_t len, struct fata_dns_name *out);

/*
 * Parses the presentation form `text` (`len` bytes; escapes \X and \DDD,
 * RFC 1035 section 5.1). A name without a final dot is relative and gets
 * `origin` appended; "@" is `origin` itself. `origin` may be NULL, which
 * makes relative names an error. Errors: FATA_EINVAL for bad syntax, an
 * empty label, a label over 63 bytes, a name over 255 bytes, or a relative
 * name without an origin.
 */
int fata_dns_name_parse(const char *text, size_t len, const struct fata_dns_name *origin,
		struct fata_dns_name *out);

/*
 * Writes `name` in presentation form with a final dot, escaping bytes that
 * are special or not printable (". ; ( ) \" \\ @ $" and spaces as \X, others
 * as \DDD). Returns the text length, or FATA_ENOSPC when `size` is too
 * small (FATA_DNS_NAME_TEXT_MAX always suffices).
 */
int fata_dns_name_format(const struct fata_dns_name *name, char *buf, size_t size);

/* Returns 1 when `a` and `b` are the same name ignoring ASCII case, else 0. */
int fata_dns_name_equal(const struct fata_dns_name *a, const struct fata_dns_name *b);

/*
 * Compares names in DNSSEC canonical order (RFC 4034 section 6.1: label by
 * label from the root, each label as lowercase bytes, a shorter label first
 * when one is a prefix of the other). Returns <0, 0 or >0.
 */
int fata_dns_name_compare(const struct fata_dns_name *a, const struct fata_dns_name *b);

/* Returns 1 when `name` equals `parent` or lies below it, else 0. */
int fata_dns_name_is_subdomain(const struct fata_dns_name *name,
		const struct fata_dns_name *parent);

/*
 * Stores in `out` the name made of the last `labels` labels of `name`
 * (0 gives the root). Errors: FATA_EINVAL when `labels` exceeds the name's.
 * `out` may be `name`.
 */
int fata_dns_name_suffix(const struct fata_dns_name *name, unsigned labels,
		struct fata_dns_name *out);

/*
 * Stores in `out` the label `label` (`len` bytes) followed by `name`.
 * Errors: FATA_EINVAL for an empty or too long label or a result over 255
 * bytes. `out` may be `name`.
 */
int fata_dns_name_prepend(const struct fata_dns_name *name, const void *label, size_t len,
		struct fata_dns_name *out);

/* Lowercases the ASCII letters of `name` in place (canonical form, RFC 4034 6.2). */
void fata_dns_name_lower(struct fata_dns_name *name);

/* Returns 1 when the first label of `name` is "*" (a wildcard, RFC 4592). */
int fata_dns_name_is_wildcard(const struct fata_dns_name *name);

/* ---- Types, classes and codes as text ---- */

/*
 * Writes the mnemonic of `type` ("AAAA") or "TYPE" and its number for an
 * unknown type (RFC 3597 section 5). Returns the length or FATA_ENOSPC;
 * 16 bytes always suffice.
 */
int fata_dns_type_format(uint16_t type, char *buf, size_t size);

/* Parses a type mnemonic (any case) or "TYPEnnn". Errors: FATA_EINVAL. */
int fata_dns_type_parse(const char *text, size_t len, uint16_t *out);

/* As the type functions, for classes: "IN", "CH", "NONE", "ANY", "CLASSnnn". */
int fata_dns_class_format(uint16_t class_, char *buf, size_t size);
int fata_dns_class_parse(const char *text, size_t len, uint16_t *out);

/* Returns the mnemonic of an rcode ("NXDOMAIN"), or "RCODE?" when unknown. */
const char *fata_dns_rcode_name(unsigned rcode);

/* ---- Parsing messages ---- */

/*
 * A message parser. Sections are read in wire order: the questions with
 * fata_dns_parse_question(), then every record with fata_dns_parse_rr().
 * The first error latches in `err` and every later call returns it.
 */
struct fata_dns_parser {
	const uint8_t *msg;
	size_t len;
	size_t pos;
	struct fata_dns_header header;
	/* The section of the next item and how many items it still has. */
	enum fata_dns_section section;
	uint16_t left;
	/* Offset of the last record read, so TSIG can find its own start. */
	size_t rr_start;
	int err;
	/* Holds the expanded rdata of the last record when it had compressed names. */
	uint8_t scratch[FATA_DNS_RDATA_EXPANDED_MAX];
};

/*
 * Starts parsing the `len`-byte message `msg`, which must stay valid while
 * the parser is used, and reads its header.
 * Errors: FATA_EBADMSG when the message is shorter than a header.
 */
int fata_dns_parser_init(struct fata_dns_parser *p, const uint8_t *msg, size_t len);

/*
 * Reads the next question. Returns 0, FATA_ENOENT when the question section
 * is done, or FATA_EBADMSG.
 */
int fata_dns_parse_question(struct fata_dns_parser *p, struct fata_dns_question *out);

/*
 * Reads the next record, skipping any questions not yet read, and stores
 * its section in `*section` (may be NULL). `out->rdata` points into the
 * message, or into p->scratch when its names were expanded; it stays valid
 * until the next call on `p`. The rdata is checked against its type's
 * format (see fata_dns_rdata_check()), except empty rdata, which UPDATE
 * uses for every type (RFC 2136 section 2.5). Returns 0, FATA_ENOENT
 * after the last record, or FATA_EBADMSG.
 */
int fata_dns_parse_rr(struct fata_dns_parser *p, struct fata_dns_rr *out,
		enum fata_dns_section *section);

/*
 * Returns 0 when every record has been read and no bytes follow the last,
 * else FATA_EBADMSG (or the latched error).
 */
int fata_dns_parser_finish(struct fata_dns_parser *p);

/* ---- Building messages ---- */

/* Compression targets a builder remembers; later names can point at these. */
#define FATA_DNS_COMPRESS_MAX 128

/*
 * A message builder writing into a caller buffer. Questions and records
 * must be added in section order. A record that does not fit is not
 * written at all and the call returns FATA_ENOSPC, so the caller can set
 * TC or stop. The message built so far stays valid.
 */
struct fata_dns_builder {
	uint8_t *buf;
	size_t cap;   /* bytes the caller gave */
	size_t limit; /* bytes records may use: cap minus the reserved tail */
	size_t len;
	struct fata_dns_header header;
	enum fata_dns_section section;
	int compress;
	uint16_t ncomp;
	uint16_t comp[FATA_DNS_COMPRESS_MAX];
};

/*
 * Starts a message with `id` and `flags` in `buf` of `cap` bytes, with name
 * compression on. Errors: FATA_ENOSPC when `cap` is smaller than a header.
 */
int fata_dns_builder_init(struct fata_dns_builder *b, uint8_t *buf, size_t cap, uint16_t id,
		uint16_t flags);

/* Turns name compression on or off for names written from now on. */
void fata_dns_builder_set_compress(struct fata_dns_builder *b, int on);

/*
 * Keeps the last `bytes` bytes of the buffer free for records added later
 * with fata_dns_builder_release() (an OPT or TSIG record).
 * Errors: FATA_ENOSPC when fewer bytes are free.
 */
int fata_dns_builder_reserve(struct fata_dns_builder *b, size_t bytes);

/* Makes the whole buffer usable again after fata_dns_builder_reserve(). */
void fata_dns_builder_release(struct fata_dns_builder *b);

/* Appends a question. Errors: FATA_ENOSPC, FATA_ESTATE after a record. */
int fata_dns_build_question(struct fata_dns_builder *b, const struct fata_dns_question *q);

/*
 * Appends `rr` to `section`, compressing names where RFC 3597 section 4
 * allows it (owner names, and names in NS, CNAME, SOA, PTR and MX rdata).
 * Errors: FATA_ENOSPC (nothing written), FATA_ESTATE when `section` comes
 * before the current one, FATA_EINVAL for the question section.
 */
int fata_dns_build_rr(struct fata_dns_builder *b, enum fata_dns_section section,
		const struct fata_dns_rr *rr);

/* Returns the bytes written so far and stores the header counts in the buffer. */
size_t fata_dns_builder_finish(struct fata_dns_builder *b);

/*
 * Removes every record after the questions, so the caller can send a
 * header and question with TC set when the answer did not fit.
 */
void fata_dns_builder_truncate(struct fata_dns_builder *b);

/* ---- Rdata ---- */

/*
 * Checks that `len` bytes at `rdata` are well-formed uncompressed rdata of
 * `type`: names complete and uncompressed, fixed fields present, lengths
 * consistent, nothing left over. Unknown types always pass (RFC 3597).
 * Errors: FATA_EBADMSG.
 */
int fata_dns_rdata_check(uint16_t type, const uint8_t *rdata, size_t len);

/*
 * Compares rdata of `type` in canonical form (RFC 4034 section 6.2: names
 * in the listed types compare without case) as unsigned byte strings
 * (RFC 4034 section 6.3). Returns <0, 0 or >0.
 */
int fata_dns_rdata_compare(uint16_t type, const uint8_t *a, size_t alen, const uint8_t *b,
		size_t blen);

/*
 * Writes the presentation form of the rdata (the part of a zone-file line
 * after the type). Types this library does not know are written in the
 * generic form "\# LEN HEX" of RFC 3597 section 5. Returns the text length,
 * or FATA_ENOSPC, or FATA_EBADMSG for malformed rdata.
 */
int fata_dns_rdata_format(uint16_t type, const uint8_t *rdata, size_t len, char *buf,
		size_t size);

/*
 * Writes a whole record as one zone-file line without a newline:
 * "owner TTL CLASS TYPE RDATA". Returns as fata_dns_rdata_format().
 */
int fata_dns_rr_format(const struct fata_dns_rr *rr, char *buf, size_t size);

/* ---- EDNS(0) ---- */

/* The parts of an OPT pseudo-record (RFC 6891 section 6.1.3). */
struct fata_dns_edns {
	uint16_t udp_size;
	uint8_t ext_rcode; /* upper 8 bits of the 12-bit rcode */
	uint8_t version;
	uint16_t flags;    /* bit 15 is DO */
};

/* Reads the EDNS fields from an OPT record. Errors: FATA_EBADMSG when `rr` is no OPT. */
int fata_dns_edns_from_rr(const struct fata_dns_rr *rr, struct fata_dns_edns *out);

/* Fills `rr` as the OPT record for `edns`, without options. */
void fata_dns_edns_to_rr(const struct fata_dns_edns *edns, struct fata_dns_rr *rr);

/* ---- Serial numbers ---- */

/*
 * Compares SOA serials with RFC 1982 arithmetic: returns -1 when `a` is
 * before `b`, 1 when after, 0 when equal, and 2 when the distance is exactly
 * 2^31, where RFC 1982 leaves the order undefined.
 */
int fata_dns_serial_compare(uint32_t a, uint32_t b);

#ifdef __cplusplus
}
#endif

#endif
