/*
 * The zone-file parser (RFC 1035 section 5.1). A lexer cuts the text into
 * entries (one line, or several joined by parentheses) of tokens; each
 * entry is then a directive or a record.
 *
 * Tokens keep their escapes (\X, \DDD), so each field decodes them the way
 * its syntax needs. Quoted strings lose their outer quotes and are marked,
 * because "\#" and other keywords only count unquoted.
 *
 * $INCLUDE parses the included text with the same parser, recursively:
 * the including file's position and defaults are saved in a frame,
 * replaced while the included text runs, and put back after it. Tokens
 * point into the text of the current file, so everything the $INCLUDE
 * line gives is decoded before the included text replaces them.
 */
#include <string.h>

#include <fata/alloc.h>
#include <fata/dns.h>
#include <fata/dns_zone.h>
#include <fata/error.h>
#include <fata/fmt.h>

#include "dns_internal.h"

/* Tokens one entry may have; a DNSKEY split over lines needs a few dozen. */
#define ZONE_MAX_TOKENS 4096

struct zone_parser {
	const char *text;
	size_t len;
	size_t pos;
	unsigned line;

	/* The current entry. */
	struct dns_token *tok;
	size_t ntok;
	unsigned entry_line;
	int starts_blank;

	/* Defaults carried from entry to entry. */
	struct fata_dns_name origin;
	int has_origin;
	struct fata_dns_name owner;
	int has_owner;
	uint32_t ttl_default;  /* from $TTL */
	int has_ttl_default;
	uint32_t ttl_last;     /* the last explicit TTL */
	int has_ttl_last;
	uint16_t class_;
	int allow_meta;

	/* $INCLUDE: the loader and the display names of the files being read, outermost first. */
	const struct fata_dns_zone_options *opt;
	unsigned depth;
	const char *files[FATA_DNS_ZONE_INCLUDE_DEPTH + 1];

	struct fata_dns_zone_error *err;
	uint8_t rdata[65536];
};

static int parse_error(struct zone_parser *zp, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Points err->file at the current file's name, copied when it belongs to an included file. */
static void error_file(struct zone_parser *zp)
{
	struct fata_dns_zone_error *err = zp->err;
	const char *name = zp->files[zp->depth];
	size_t len = strlen(name);
	size_t keep = sizeof err->file_name - 4;

	if (zp->depth == 0) {
		err->file = name;
		return;
	}
	if (len < sizeof err->file_name) {
		memcpy(err->file_name, name, len + 1);
	} else {
		/* The end of a long path names the file, while its start is often a shared directory. */
		memcpy(err->file_name, "...", 3);
		memcpy(err->file_name + 3, name + len - keep, keep + 1);
	}
	err->file = err->file_name;
}

static int parse_error(struct zone_parser *zp, unsigned line, const char *fmt, ...)
{
	va_list ap;

	if (zp->err) {
		error_file(zp);
		zp->err->line = line;
		va_start(ap, fmt);
		fata_vsnprintf(zp->err->reason, sizeof zp->err->reason, fmt, ap);
		va_end(ap);
	}
	return FATA_EINVAL;
}

static int add_token(struct zone_parser *zp, size_t start, size_t len, int quoted)
{
	if (zp->ntok >= ZONE_MAX_TOKENS)
		return parse_error(zp, zp->line, "more than %d fields in one record", ZONE_MAX_TOKENS);
	zp->tok[zp->ntok].text = zp->text + start;
	zp->tok[zp->ntok].len = len;
	zp->tok[zp->ntok].quoted = quoted;
	zp->ntok++;
	return 0;
}

/* Skips a quoted string whose opening quote is at zp->pos; leaves pos after the closing one. */
static int skip_quoted(struct zone_parser *zp)
{
	unsigned start_line = zp->line;

	zp->pos++;
	while (zp->pos < zp->len && zp->text[zp->pos] != '"') {
		if (zp->text[zp->pos] == '\n')
			return parse_error(zp, start_line, "unterminated quoted string");
		if (zp->text[zp->pos] == '\\' && zp->pos + 1 < zp->len) {
			if (zp->text[zp->pos + 1] == '\n')
				zp->line++;
			zp->pos++;
		}
		zp->pos++;
	}
	if (zp->pos >= zp->len)
		return parse_error(zp, start_line, "unterminated quoted string");
	zp->pos++;
	return 0;
}

static int lex_plain(struct zone_parser *zp)
{
	size_t start = zp->pos;

	while (zp->pos < zp->len) {
		char c = zp->text[zp->pos];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ';' || c == '('
				|| c == ')')
			break;
		if (c == '\\') {
			if (zp->pos + 1 < zp->len && zp->text[zp->pos + 1] == '\n')
				zp->line++;
			zp->pos += zp->pos + 1 < zp->len ? 2 : 1;
			continue;
		}
		/* A quote inside a token (SVCB's alpn="h2,h3") runs to its closing quote. */
		if (c == '"') {
			if (skip_quoted(zp) < 0)
				return FATA_EINVAL;
			continue;
		}
		zp->pos++;
	}
	return add_token(zp, start, zp->pos - start, 0);
}

/*
 * Reads the next entry into zp->tok. Returns 0 (possibly with no tokens
 * for a blank or comment line), FATA_ENOENT at the end of the text, or
 * FATA_EINVAL.
 */
static int lex_entry(struct zone_parser *zp)
{
	int paren = 0;
	unsigned paren_line = 0;

	zp->ntok = 0;
	if (zp->pos >= zp->len)
		return FATA_ENOENT;
	zp->entry_line = zp->line;
	zp->starts_blank = zp->text[zp->pos] == ' ' || zp->text[zp->pos] == '\t';

	while (zp->pos < zp->len) {
		char c = zp->text[zp->pos];

		if (c == '\n') {
			zp->pos++;
			zp->line++;
			if (paren == 0)
				return 0;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r') {
			zp->pos++;
			continue;
		}
		if (c == ';') {
			while (zp->pos < zp->len && zp->text[zp->pos] != '\n')
				zp->pos++;
			continue;
		}
		if (c == '(') {
			if (paren)
				return parse_error(zp, zp->line, "nested parentheses");
			paren = 1;
			paren_line = zp->line;
			zp->pos++;
			continue;
		}
		if (c == ')') {
			if (!paren)
				return parse_error(zp, zp->line, "')' without a matching '('");
			paren = 0;
			zp->pos++;
			continue;
		}
		if (c == '"') {
			size_t start = zp->pos + 1;

			if (skip_quoted(zp) < 0 || add_token(zp, start, zp->pos - start - 1, 1) < 0)
				return FATA_EINVAL;
			continue;
		}
		if (lex_plain(zp) < 0)
			return FATA_EINVAL;
	}
	if (paren)
		return parse_error(zp, paren_line, "'(' without a matching ')'");
	return 0;
}

static int token_is(const struct dns_token *t, const char *word)
{
	size_t n = strlen(word);

	if (t->quoted || t->len != n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = t->text[i];

		if (c >= 'a' && c <= 'z')
			c = (char)(c - 32);
		if (c != word[i])
			return 0;
	}
	return 1;
}

/*
 * One $INCLUDE: the file name and the loaded file, and the including
 * file's position and defaults, saved while the included file is parsed.
 */
struct include_frame {
	const char *text;
	size_t len;
	size_t pos;
	unsigned line;
	struct fata_dns_name origin;
	int has_origin;
	struct fata_dns_name owner;
	int has_owner;
	uint32_t ttl_default;
	int has_ttl_default;
	uint32_t ttl_last;
	int has_ttl_last;

	struct fata_dns_zone_include file;
	const char *display;  /* file.name, or `name` when the loader gave none */
	char name[FATA_DNS_ZONE_INCLUDE_NAME_MAX];
	char why[192];  /* the loader's reason, as long as fata_dns_zone_error.reason */
};

static void frame_save(const struct zone_parser *zp, struct include_frame *f)
{
	f->text = zp->text;
	f->len = zp->len;
	f->pos = zp->pos;
	f->line = zp->line;
	f->origin = zp->origin;
	f->has_origin = zp->has_origin;
	f->owner = zp->owner;
	f->has_owner = zp->has_owner;
	f->ttl_default = zp->ttl_default;
	f->has_ttl_default = zp->has_ttl_default;
	f->ttl_last = zp->ttl_last;
	f->has_ttl_last = zp->has_ttl_last;
}

static void frame_restore(struct zone_parser *zp, const struct include_frame *f)
{
	zp->text = f->text;
	zp->len = f->len;
	zp->pos = f->pos;
	zp->line = f->line;
	zp->origin = f->origin;
	zp->has_origin = f->has_origin;
	zp->owner = f->owner;
	zp->has_owner = f->has_owner;
	zp->ttl_default = f->ttl_default;
	zp->has_ttl_default = f->has_ttl_default;
	zp->ttl_last = f->ttl_last;
	zp->has_ttl_last = f->has_ttl_last;
}

/* Decodes the file name token's escapes into f->name. */
static int include_name(struct zone_parser *zp, const struct dns_token *t, struct include_frame *f)
{
	size_t i = 0, n = 0;

	if (t->len == 0)
		return parse_error(zp, zp->entry_line, "$INCLUDE file name is empty");
	while (i < t->len) {
		int c = dns_text_unescape(t->text, t->len, &i);

		if (c < 0)
			return parse_error(zp, zp->entry_line, "invalid escape in $INCLUDE file name '%.*s'",
					(int)t->len, t->text);
		if (c == 0)
			return parse_error(zp, zp->entry_line,
					"$INCLUDE file name '%.*s' contains a NUL byte", (int)t->len, t->text);
		if (n + 1 >= sizeof f->name)
			return parse_error(zp, zp->entry_line,
					"$INCLUDE file name is longer than %d bytes",
					FATA_DNS_ZONE_INCLUDE_NAME_MAX - 1);
		f->name[n++] = (char)c;
	}
	f->name[n] = '\0';
	return 0;
}

static int parse_all(struct zone_parser *zp, fata_dns_zone_rr_fn fn, void *arg, int only_one);

static void include_release(struct zone_parser *zp, struct include_frame *f)
{
	if (zp->opt->include_release)
		zp->opt->include_release(zp->opt->include_arg, &f->file);
}

/*
 * Calls the loader for f->name and checks what it returned. A file that
 * fails the checks goes back to the loader at once.
 */
static int include_load(struct zone_parser *zp, struct include_frame *f)
{
	const struct fata_dns_zone_options *opt = zp->opt;
	int rc;

	memset(&f->file, 0, sizeof f->file);
	f->why[0] = '\0';
	rc = opt->include(opt->include_arg, f->name, zp->files[zp->depth], &f->file, f->why,
			sizeof f->why);
	if (rc < 0) {
		f->why[sizeof f->why - 1] = '\0';
		parse_error(zp, zp->entry_line, "cannot include '%s': %s", f->name,
				f->why[0] ? f->why : fata_strerror(rc));
		return rc;
	}
	f->display = f->file.name ? f->file.name : f->name;

	/* Only a name already being read can loop, so including one file twice in a row is legal. */
	for (unsigned k = 0; k <= zp->depth; k++) {
		if (strcmp(zp->files[k], f->display) == 0) {
			parse_error(zp, zp->entry_line,
					"$INCLUDE of '%s' is a loop: that file is already being read",
					f->display);
			include_release(zp, f);
			return FATA_EINVAL;
		}
	}
	if (!f->file.text && f->file.len > 0) {
		parse_error(zp, zp->entry_line, "include loader returned no text for '%s'", f->name);
		include_release(zp, f);
		return FATA_EINVAL;
	}
	return 0;
}

/*
 * Parses the included file of f->name with `origin` (NULL: the current
 * one) and then puts back the including file's position and defaults.
 */
static int include_parse(struct zone_parser *zp, struct include_frame *f,
		const struct fata_dns_name *origin, fata_dns_zone_rr_fn fn, void *arg)
{
	int rc = include_load(zp, f);

	if (rc < 0)
		return rc;

	frame_save(zp, f);
	zp->text = f->file.text;
	zp->len = f->file.len;
	zp->pos = 0;
	zp->line = 1;
	if (origin) {
		zp->origin = *origin;
		zp->has_origin = 1;
	}
	zp->depth++;
	zp->files[zp->depth] = f->display;

	rc = parse_all(zp, fn, arg, 0);

	zp->depth--;
	frame_restore(zp, f);
	include_release(zp, f);
	return rc;
}

/* $INCLUDE <file-name> [<domain-name>] [<comment>] (RFC 1035 section 5.1). */
static int include(struct zone_parser *zp, fata_dns_zone_rr_fn fn, void *arg)
{
	struct include_frame *f;
	struct fata_dns_name origin;
	int has_origin = 0;
	int rc;

	if (zp->ntok < 2 || zp->ntok > 3)
		return parse_error(zp, zp->entry_line,
				"$INCLUDE needs a file name and at most one domain name");

	/* The domain name is relative to the including file's origin. */
	if (zp->ntok == 3) {
		const struct dns_token *t = &zp->tok[2];

		if (t->quoted || fata_dns_name_parse(t->text, t->len,
				zp->has_origin ? &zp->origin : NULL, &origin) < 0)
			return parse_error(zp, zp->entry_line, zp->has_origin
					? "invalid $INCLUDE domain name '%.*s'"
					: "invalid $INCLUDE domain name '%.*s' (relative names need $ORIGIN)",
					(int)t->len, t->text);
		has_origin = 1;
	}

	f = fata_calloc(1, sizeof *f);
	if (!f) {
		parse_error(zp, zp->entry_line, "out of memory");
		return FATA_ENOMEM;
	}
	rc = include_name(zp, &zp->tok[1], f);
	if (rc < 0)
		goto out;

	if (!zp->opt || !zp->opt->include) {
		rc = parse_error(zp, zp->entry_line,
				"$INCLUDE is not supported without an include loader: copy the records of '%s' into this file",
				f->name);
		goto out;
	}
	if (zp->depth >= FATA_DNS_ZONE_INCLUDE_DEPTH) {
		rc = parse_error(zp, zp->entry_line,
				"$INCLUDE of '%s' nests deeper than %d files (does a file include itself?)",
				f->name, FATA_DNS_ZONE_INCLUDE_DEPTH);
		goto out;
	}
	rc = include_parse(zp, f, has_origin ? &origin : NULL, fn, arg);

out:
	fata_free(f);
	return rc;
}

static int directive(struct zone_parser *zp, fata_dns_zone_rr_fn fn, void *arg)
{
	const struct dns_token *t = &zp->tok[0];
	int len = (int)t->len;

	if (token_is(t, "$ORIGIN")) {
		if (zp->ntok != 2)
			return parse_error(zp, zp->entry_line, "$ORIGIN needs exactly one domain name");
		if (fata_dns_name_parse(zp->tok[1].text, zp->tok[1].len,
				zp->has_origin ? &zp->origin : NULL, &zp->origin) < 0)
			return parse_error(zp, zp->entry_line, "invalid $ORIGIN name '%.*s'",
					(int)zp->tok[1].len, zp->tok[1].text);
		zp->has_origin = 1;
		return 0;
	}
	if (token_is(t, "$TTL")) {
		if (zp->ntok != 2)
			return parse_error(zp, zp->entry_line, "$TTL needs exactly one value");
		if (dns_duration_parse(zp->tok[1].text, zp->tok[1].len, &zp->ttl_default) < 0)
			return parse_error(zp, zp->entry_line,
					"invalid $TTL value '%.*s' (expected seconds or units s, m, h, d, w such as 1d2h)",
					(int)zp->tok[1].len, zp->tok[1].text);
		zp->has_ttl_default = 1;
		return 0;
	}
	if (token_is(t, "$INCLUDE"))
		return include(zp, fn, arg);
	return parse_error(zp, zp->entry_line, "unknown directive '%.*s'", len, t->text);
}

static int starts_with_digit(const struct dns_token *t)
{
	return !t->quoted && t->len > 0 && t->text[0] >= '0' && t->text[0] <= '9';
}

static int record(struct zone_parser *zp, fata_dns_zone_rr_fn fn, void *arg)
{
	struct fata_dns_rr rr;
	size_t i = 0, rdlen;
	int ttl_given = 0, class_given = 0;
	uint32_t ttl = 0;
	uint16_t class_ = zp->class_;
	const char *why = NULL;
	const struct fata_dns_name *origin = zp->has_origin ? &zp->origin : NULL;
	int err;

	/* Owner: a leading blank inherits the previous record's (RFC 1035 5.1). */
	if (zp->starts_blank) {
		if (!zp->has_owner)
			return parse_error(zp, zp->entry_line,
					"line starts with a blank but no earlier record gives an owner name");
		rr.owner = zp->owner;
	} else {
		const struct dns_token *t = &zp->tok[i++];

		if (t->quoted || fata_dns_name_parse(t->text, t->len, origin, &rr.owner) < 0)
			return parse_error(zp, zp->entry_line, origin ? "invalid owner name '%.*s'"
					: "invalid owner name '%.*s' (relative names need $ORIGIN)",
					(int)t->len, t->text);
		zp->owner = rr.owner;
		zp->has_owner = 1;
	}

	/* TTL and class may come in either order before the type. */
	for (int k = 0; k < 2 && i < zp->ntok; k++) {
		const struct dns_token *t = &zp->tok[i];

		if (!ttl_given && starts_with_digit(t)) {
			if (dns_duration_parse(t->text, t->len, &ttl) < 0)
				return parse_error(zp, zp->entry_line, "invalid TTL '%.*s'", (int)t->len,
						t->text);
			ttl_given = 1;
			i++;
		} else if (!class_given && !t->quoted
				&& fata_dns_class_parse(t->text, t->len, &class_) == 0) {
			class_given = 1;
			i++;
		}
	}

	if (i >= zp->ntok)
		return parse_error(zp, zp->entry_line, "missing record type");
	if (zp->tok[i].quoted || fata_dns_type_parse(zp->tok[i].text, zp->tok[i].len, &rr.type) < 0)
		return parse_error(zp, zp->entry_line, "unknown record type '%.*s'",
				(int)zp->tok[i].len, zp->tok[i].text);
	/* Single records (tests, tools) may carry any class: UPDATE uses ANY and NONE. */
	if (class_ != zp->class_ && !zp->allow_meta)
		return parse_error(zp, zp->entry_line, "record class differs from the zone's class");

	const struct dns_type_info *info = dns_type_info(rr.type);

	if (!zp->allow_meta && info && (info->flags & DNS_TYPE_META))
		return parse_error(zp, zp->entry_line, "type %s cannot appear in a zone file",
				info->name);
	i++;

	/* UPDATE's delete and existence forms have class ANY or NONE and no rdata (RFC 2136 2.4). */
	if (i == zp->ntok && zp->allow_meta && (class_ == FATA_DNS_CLASS_ANY
			|| class_ == FATA_DNS_CLASS_NONE || rr.type == FATA_DNS_TYPE_ANY)) {
		rdlen = 0;
		err = 0;
	} else {
		err = dns_rdata_parse(rr.type, zp->tok + i, zp->ntok - i, origin, zp->rdata,
				sizeof zp->rdata - 1, &rdlen, &why);
	}
	if (err < 0) {
		char type[16];

		fata_dns_type_format(rr.type, type, sizeof type);
		return parse_error(zp, zp->entry_line, "invalid %s rdata: %s", type, why);
	}

	/* TTL: explicit, else $TTL, else the last explicit one (RFC 2308 section 4). */
	if (ttl_given) {
		zp->ttl_last = ttl;
		zp->has_ttl_last = 1;
	} else if (zp->has_ttl_default) {
		ttl = zp->ttl_default;
	} else if (zp->has_ttl_last) {
		ttl = zp->ttl_last;
	} else if (rr.type == FATA_DNS_TYPE_SOA && rdlen >= 20) {
		/* Before RFC 2308 the SOA minimum was the default TTL; BIND still does this. */
		ttl = dns_get32(zp->rdata + rdlen - 4);
		zp->ttl_last = ttl;
		zp->has_ttl_last = 1;
	} else {
		return parse_error(zp, zp->entry_line,
				"missing TTL: give the record a TTL or put a $TTL line before it");
	}

	rr.class_ = class_;
	rr.ttl = ttl;
	rr.rdata = zp->rdata;
	rr.rdlen = (uint16_t)rdlen;

	err = fn(arg, &rr, &why);
	if (err < 0) {
		parse_error(zp, zp->entry_line, "%s", why ? why : fata_strerror(err));
		return err;
	}
	return 0;
}

static int parse_all(struct zone_parser *zp, fata_dns_zone_rr_fn fn, void *arg, int only_one)
{
	for (;;) {
		int err = lex_entry(zp);

		if (err == FATA_ENOENT)
			return only_one ? FATA_ENOENT : 0;
		if (err < 0)
			return err;
		if (zp->ntok == 0)
			continue;

		if (!zp->tok[0].quoted && zp->tok[0].len > 0 && zp->tok[0].text[0] == '$'
				&& !zp->starts_blank)
			err = only_one ? parse_error(zp, zp->entry_line, "directives are not records")
				: directive(zp, fn, arg);
		else
			err = record(zp, fn, arg);
		if (err < 0 || only_one)
			return err;
	}
}

static struct zone_parser *parser_new(const char *text, size_t len,
		const struct fata_dns_zone_options *opt, struct fata_dns_zone_error *err)
{
	struct zone_parser *zp = fata_calloc(1, sizeof *zp);

	if (err) {
		err->file = opt && opt->file ? opt->file : "<zone>";
		err->line = 0;
		err->reason[0] = '\0';
	}
	if (!zp)
		return NULL;
	zp->tok = fata_calloc(ZONE_MAX_TOKENS, sizeof *zp->tok);
	if (!zp->tok) {
		fata_free(zp);
		return NULL;
	}

	zp->text = text;
	zp->len = len;
	zp->line = 1;
	zp->err = err;
	zp->opt = opt;
	zp->files[0] = opt && opt->file ? opt->file : "<zone>";
	zp->class_ = opt && opt->class_ ? opt->class_ : FATA_DNS_CLASS_IN;
	if (opt && opt->origin) {
		zp->origin = *opt->origin;
		zp->has_origin = 1;
	}
	if (opt && opt->has_default_ttl) {
		zp->ttl_last = opt->default_ttl;
		zp->has_ttl_last = 1;
	}
	return zp;
}

static void parser_free(struct zone_parser *zp)
{
	fata_free(zp->tok);
	fata_free(zp);
}

static int out_of_memory(struct fata_dns_zone_error *err)
{
	if (err)
		fata_snprintf(err->reason, sizeof err->reason, "out of memory");
	return FATA_ENOMEM;
}

int fata_dns_zone_parse(const char *text, size_t len, const struct fata_dns_zone_options *opt,
		fata_dns_zone_rr_fn fn, void *arg, struct fata_dns_zone_error *err)
{
	struct zone_parser *zp = parser_new(text, len, opt, err);
	int rc;

	if (!zp)
		return out_of_memory(err);
	rc = parse_all(zp, fn, arg, 0);
	parser_free(zp);
	return rc;
}

struct single_rr {
	struct fata_dns_rr *out;
	uint8_t *rdata;
	size_t cap;
};

static int keep_single(void *arg, const struct fata_dns_rr *rr, const char **why)
{
	struct single_rr *s = arg;

	if (rr->rdlen > s->cap) {
		*why = "rdata buffer too small";
		return FATA_ENOSPC;
	}
	*s->out = *rr;
	if (rr->rdlen > 0)
		memcpy(s->rdata, rr->rdata, rr->rdlen);
	s->out->rdata = s->rdata;
	return 0;
}

int fata_dns_rr_parse(const char *text, size_t len, const struct fata_dns_zone_options *opt,
		struct fata_dns_rr *out, uint8_t *rdata, size_t cap, struct fata_dns_zone_error *err)
{
	struct zone_parser *zp = parser_new(text, len, opt, err);
	struct single_rr s = { out, rdata, cap };
	int rc;

	if (!zp)
		return out_of_memory(err);
	zp->allow_meta = 1;
	/* A single record is self-contained: with no TTL given it gets 0. */
	if (!(opt && opt->has_default_ttl)) {
		zp->ttl_last = 0;
		zp->has_ttl_last = 1;
	}
	rc = parse_all(zp, keep_single, &s, 1);
	parser_free(zp);
	return rc;
}
