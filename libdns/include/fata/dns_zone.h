/*
 * Zones: the zone-file parser (RFC 1035 section 5) and the in-memory zone
 * that the authoritative server answers from.
 *
 * A zone holds records sorted in DNSSEC canonical order (RFC 4034 section
 * 6.1), so every name's descendants follow it directly; that makes empty
 * non-terminals and closest encloser searches (RFC 4592) cheap. A zone is
 * reference counted: the server publishes a new version for every change
 * and transfers keep the version they started with.
 */
#ifndef FATA_DNS_ZONE_H
#define FATA_DNS_ZONE_H

#include <stddef.h>
#include <stdint.h>

#include <fata/dns.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Zone-file parser ---- */

/* The maximum length of an included file's display name that errors keep, NUL included. */
#define FATA_DNS_ZONE_FILE_NAME_MAX 256

/* Where and why a zone file was rejected. */
struct fata_dns_zone_error {
	/*
	 * The file of the error: the name given in the options, "<zone>", or
	 * for an error inside an included file a pointer to `file_name` in this
	 * same struct, so it stays valid as long as the struct does. A copy of
	 * the struct must set its own `file` again when it points there.
	 */
	const char *file;
	unsigned line;     /* 1-based line of the error */
	char reason[192];  /* one sentence, without file and line */
	/*
	 * A copy of the included file's display name, taken when the error
	 * happens because the loader releases the name before the parse
	 * returns. A longer name keeps its last bytes after a leading "...".
	 */
	char file_name[FATA_DNS_ZONE_FILE_NAME_MAX];
};

/* The maximum nesting of $INCLUDE: a file at this depth cannot include another. */
#define FATA_DNS_ZONE_INCLUDE_DEPTH 8

/* The maximum length of a $INCLUDE file name after unquoting and escapes, NUL included. */
#define FATA_DNS_ZONE_INCLUDE_NAME_MAX 1024

/* A file that an include loader has read for $INCLUDE. */
struct fata_dns_zone_include {
	/* The file's text of `len` bytes, which need not end in a newline or a NUL. */
	const char *text;
	size_t len;
	/*
	 * A NUL-terminated name for error messages, which is also the `parent`
	 * of the files this one includes. NULL means the name as written.
	 */
	const char *name;
	/* Anything the loader needs to release the file later, such as a buffer. */
	void *handle;
};

/*
 * Reads the file that a `$INCLUDE` line names (RFC 1035 section 5.1).
 * `name` is the file name as written, with quotes removed and escapes
 * decoded, NUL-terminated and free of NUL bytes. `parent` is the display
 * name of the including file: the options' `file` (or "<zone>") for the
 * top-level text, else the `name` a loader returned. Both are valid during
 * the call only.
 *
 * On success fill `*out` and return 0. The text and display name must
 * stay valid until the release callback gets them back, or without a
 * release callback until the parse returns. On failure return
 * a negative error from fata/error.h (FATA_ENOENT for a missing file,
 * for instance) and optionally write a one-line reason, such as the
 * system's error text, into `why` (`why_size` bytes, empty on entry). The
 * parse then fails with that error at the $INCLUDE line.
 */
typedef int (*fata_dns_zone_include_fn)(void *arg, const char *name, const char *parent,
		struct fata_dns_zone_include *out, char *why, size_t why_size);

/*
 * Releases a file that the include loader returned. The parser calls it
 * exactly once for each load that returned 0: when the included text is
 * parsed, when the parse stopped inside it, or at once when the parser
 * rejects the file (a loop, or no text with a nonzero length). It always
 * does so before the parse returns.
 */
typedef void (*fata_dns_zone_release_fn)(void *arg, const struct fata_dns_zone_include *file);

/* How to read a zone file. */
struct fata_dns_zone_options {
	/* Name used in error messages; NULL for "<zone>". */
	const char *file;
	/* The origin before any $ORIGIN; NULL makes relative names an error until one. */
	const struct fata_dns_name *origin;
	/* The class of records that give none; 0 for IN. */
	uint16_t class_;
	/* TTL for records before any $TTL or explicit TTL; 0 with has_ttl 0 means none. */
	uint32_t default_ttl;
	int has_default_ttl;
	/*
	 * The loader for $INCLUDE; NULL rejects $INCLUDE as unsupported.
	 * `include_release` may be NULL when the loaded texts need no release.
	 * Both get `include_arg` as their first argument.
	 */
	fata_dns_zone_include_fn include;
	fata_dns_zone_release_fn include_release;
	void *include_arg;
};

/*
 * Called for every record parsed. `rr` and its rdata are valid during the
 * call only. Return 0 to go on, or a negative error to stop: the parse then
 * fails at this record's line with `*why` as the reason (a static string,
 * or leave NULL for the error's description).
 */
typedef int (*fata_dns_zone_rr_fn)(void *arg, const struct fata_dns_rr *rr, const char **why);

/*
 * Parses the zone-file text `text` (`len` bytes, need not end in a newline
 * or a NUL). Supports $ORIGIN, $TTL (with units s, m, h, d, w: "1w2d"),
 * "@", relative names, owners inherited from the previous record when a
 * line starts with a blank, TTL and class in either order, parentheses
 * across lines, ";" comments, quoted strings, \X and \DDD escapes and the
 * RFC 3597 generic forms (TYPEnnn, CLASSnnn, "\# LEN HEX").
 *
 * "$INCLUDE <file-name> [<domain-name>]" (RFC 1035 section 5.1) reads the
 * file through the options' include loader and parses its text as if it
 * stood in place of the line: it starts with the including file's origin,
 * owner name, $TTL and last TTL. The domain name, resolved against the
 * current origin, becomes the origin of the included file only. When the
 * included file ends, the including file gets back the origin, owner name
 * (for lines that start with a blank), $TTL and last explicit TTL it had
 * before the $INCLUDE line. So no included file changes how the rest of
 * its parent reads. Includes nest at most FATA_DNS_ZONE_INCLUDE_DEPTH
 * deep, and a file whose display name is already being parsed further up
 * is rejected as a loop. Without a loader $INCLUDE is an error.
 *
 * On error returns FATA_EINVAL (syntax, include depth or loop),
 * FATA_ENOMEM, the callback's error or the include loader's error, and
 * fills `err` (may be NULL) with the file and line of the error.
 */
int fata_dns_zone_parse(const char *text, size_t len, const struct fata_dns_zone_options *opt,
		fata_dns_zone_rr_fn fn, void *arg, struct fata_dns_zone_error *err);

/*
 * Parses one record in zone-file syntax (a line without directives), for
 * tests and tools. `out->rdata` points into `rdata`, a buffer of `cap`
 * bytes. Errors: as fata_dns_zone_parse(), FATA_ENOENT when the text has no
 * record, FATA_ENOSPC when `rdata` is too small.
 */
int fata_dns_rr_parse(const char *text, size_t len, const struct fata_dns_zone_options *opt,
		struct fata_dns_rr *out, uint8_t *rdata, size_t cap, struct fata_dns_zone_error *err);

/* ---- Zones in memory ---- */

struct fata_dns_zone;

/* Creates an empty zone for `origin` and `class_` with one reference. Errors: FATA_ENOMEM. */
int fata_dns_zone_new(const struct fata_dns_name *origin, uint16_t class_,
		struct fata_dns_zone **out);

/* Takes one more reference. */
struct fata_dns_zone *fata_dns_zone_ref(struct fata_dns_zone *zone);

/* Drops one reference and frees the zone with the last. NULL is ignored. */
void fata_dns_zone_unref(struct fata_dns_zone *zone);

/*
 * Copies every record into a new zone with one reference, so a change can
 * be prepared while readers keep the old version. Errors: FATA_ENOMEM.
 */
int fata_dns_zone_clone(const struct fata_dns_zone *zone, struct fata_dns_zone **out);

/* Returns the origin (apex name). */
const struct fata_dns_name *fata_dns_zone_origin(const struct fata_dns_zone *zone);

/* Returns the zone's class. */
uint16_t fata_dns_zone_class(const struct fata_dns_zone *zone);

/* Returns the number of records. */
size_t fata_dns_zone_record_count(const struct fata_dns_zone *zone);

/*
 * Adds a copy of `rr`. All records of one name and type form an RRset with
 * one TTL (RFC 2181 section 5.2): adding with a different TTL changes the
 * set's TTL. Errors: FATA_EINVAL when the owner is outside the zone, the
 * class differs, the type is a meta type, the rdata is malformed, or a SOA
 * is not at the apex; FATA_EEXIST when the same record is present already
 * (an existing SOA is replaced instead, as a zone has exactly one);
 * FATA_EPROTO when CNAME would share a name with other data (RFC 2181
 * section 10.1); FATA_ENOMEM.
 */
int fata_dns_zone_add(struct fata_dns_zone *zone, const struct fata_dns_rr *rr);

/*
 * Removes the record equal to `rr` (owner, type and canonical rdata; TTL
 * and class ignored). Errors: FATA_ENOENT when there is none.
 */
int fata_dns_zone_remove(struct fata_dns_zone *zone, const struct fata_dns_rr *rr);

/*
 * Removes every record of `type` at `owner`, or every record at `owner`
 * for FATA_DNS_TYPE_ANY. Returns the number removed.
 */
size_t fata_dns_zone_remove_rrset(struct fata_dns_zone *zone, const struct fata_dns_name *owner,
		uint16_t type);

/*
 * Checks that the zone can be served: one SOA and at least one NS at the
 * apex. Errors: FATA_EINVAL with `*why` (may be NULL) set to a static reason.
 */
int fata_dns_zone_check(const struct fata_dns_zone *zone, const char **why);

/* Returns the SOA serial, or 0 when the zone has no SOA. */
uint32_t fata_dns_zone_serial(const struct fata_dns_zone *zone);

/*
 * Reads the apex SOA into `rr`, whose rdata then points into the zone and
 * stays valid while the zone is not changed. Errors: FATA_ENOENT.
 */
int fata_dns_zone_soa(const struct fata_dns_zone *zone, struct fata_dns_rr *rr);

/*
 * Calls `fn` for every record in canonical order of names, the apex SOA
 * first. `rr` is valid during the call. Stops at, and returns, the first
 * negative value `fn` returns; else returns 0.
 */
int fata_dns_zone_foreach(const struct fata_dns_zone *zone,
		int (*fn)(void *arg, const struct fata_dns_rr *rr), void *arg);

/*
 * Parses a zone file into a new zone for `origin` and checks it with
 * fata_dns_zone_check(). Duplicate records are dropped, as RFC 2181 section
 * 5 treats them as one. Errors: as fata_dns_zone_parse(), with `err`
 * giving the line for record errors and line 0 for a failed check.
 */
int fata_dns_zone_load(const char *text, size_t len, const struct fata_dns_zone_options *opt,
		struct fata_dns_zone **out, struct fata_dns_zone_error *err);

#ifdef __cplusplus
}
#endif

#endif
