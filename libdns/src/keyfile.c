/*
 * TSIG key files in the syntax of BIND's named.conf "key" statement, as
 * tsig-keygen writes them:
 *
 *     key "name" { algorithm hmac-sha256; secret "base64"; };
 *
 * The lexer yields words, quoted strings and the punctuation { } ;.
 */
#include <string.h>

#include <fata/dns_tsig.h>
#include <fata/error.h>
#include <fata/fmt.h>

#include "dns_internal.h"

enum key_token_kind { TOK_END, TOK_WORD, TOK_STRING, TOK_OPEN, TOK_CLOSE, TOK_SEMI, TOK_BAD };

struct key_lexer {
	const char *text;
	size_t len;
	size_t pos;
	unsigned line;
	const char *tok;
	size_t tok_len;
	struct fata_dns_zone_error *err;
};

static int key_error(struct key_lexer *lx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int key_error(struct key_lexer *lx, const char *fmt, ...)
{
	va_list ap;

	if (lx->err) {
		lx->err->line = lx->line;
		va_start(ap, fmt);
		fata_vsnprintf(lx->err->reason, sizeof lx->err->reason, fmt, ap);
		va_end(ap);
	}
	return FATA_EINVAL;
}

/* Skips blanks and the three comment styles; returns -1 for an unclosed comment. */
static int skip_space(struct key_lexer *lx)
{
	while (lx->pos < lx->len) {
		char c = lx->text[lx->pos];
		char next = lx->pos + 1 < lx->len ? lx->text[lx->pos + 1] : '\0';

		if (c == '\n') {
			lx->line++;
			lx->pos++;
		} else if (c == ' ' || c == '\t' || c == '\r') {
			lx->pos++;
		} else if (c == '#' || (c == '/' && next == '/')) {
			while (lx->pos < lx->len && lx->text[lx->pos] != '\n')
				lx->pos++;
		} else if (c == '/' && next == '*') {
			lx->pos += 2;
			while (lx->pos + 1 < lx->len
					&& !(lx->text[lx->pos] == '*' && lx->text[lx->pos + 1] == '/')) {
				if (lx->text[lx->pos] == '\n')
					lx->line++;
				lx->pos++;
			}
			if (lx->pos + 1 >= lx->len)
				return -1;
			lx->pos += 2;
		} else {
			break;
		}
	}
	return 0;
}

static enum key_token_kind next_token(struct key_lexer *lx)
{
	char c;

	if (skip_space(lx) < 0)
		return TOK_BAD;
	if (lx->pos >= lx->len)
		return TOK_END;

	c = lx->text[lx->pos];
	lx->tok = lx->text + lx->pos;
	lx->tok_len = 1;
	if (c == '{' || c == '}' || c == ';') {
		lx->pos++;
		return c == '{' ? TOK_OPEN : c == '}' ? TOK_CLOSE : TOK_SEMI;
	}
	if (c == '"') {
		size_t start = ++lx->pos;

		while (lx->pos < lx->len && lx->text[lx->pos] != '"' && lx->text[lx->pos] != '\n')
			lx->pos++;
		if (lx->pos >= lx->len || lx->text[lx->pos] != '"')
			return TOK_BAD;
		lx->tok = lx->text + start;
		lx->tok_len = lx->pos - start;
		lx->pos++;
		return TOK_STRING;
	}

	size_t start = lx->pos;

	while (lx->pos < lx->len) {
		c = lx->text[lx->pos];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '{' || c == '}'
				|| c == ';' || c == '"' || c == '#')
			break;
		lx->pos++;
	}
	lx->tok_len = lx->pos - start;
	return TOK_WORD;
}

static int word_is(const struct key_lexer *lx, const char *word)
{
	return lx->tok_len == strlen(word) && memcmp(lx->tok, word, lx->tok_len) == 0;
}

static int expect(struct key_lexer *lx, enum key_token_kind want, const char *what)
{
	if (next_token(lx) != want)
		return key_error(lx, "expected %s", what);
	return 0;
}

/* Parses the statements inside a key's braces. */
static int key_body(struct key_lexer *lx, struct fata_dns_tsig_key *key)
{
	int has_alg = 0, has_secret = 0;

	for (;;) {
		enum key_token_kind k = next_token(lx);

		if (k == TOK_CLOSE)
			break;
		if (k != TOK_WORD)
			return key_error(lx, "expected 'algorithm', 'secret' or '}'");

		if (word_is(lx, "algorithm")) {
			k = next_token(lx);
			if ((k != TOK_WORD && k != TOK_STRING)
					|| fata_dns_tsig_alg_parse(lx->tok, lx->tok_len, &key->alg) < 0)
				return key_error(lx,
						"unsupported algorithm '%.*s' (use hmac-sha256, hmac-sha512 or hmac-sha1)",
						(int)lx->tok_len, lx->tok);
			has_alg = 1;
		} else if (word_is(lx, "secret")) {
			if (next_token(lx) != TOK_STRING)
				return key_error(lx, "secret must be a quoted base64 string");
			if (dns_base64_decode(lx->tok, lx->tok_len, key->secret, sizeof key->secret,
					&key->secret_len) < 0 || key->secret_len == 0)
				return key_error(lx, "secret is not base64 or is empty or longer than %d bytes",
						FATA_DNS_TSIG_SECRET_MAX);
			has_secret = 1;
		} else {
			return key_error(lx, "unknown key option '%.*s'", (int)lx->tok_len, lx->tok);
		}
		if (expect(lx, TOK_SEMI, "';' after the value") < 0)
			return FATA_EINVAL;
	}

	if (!has_alg)
		return key_error(lx, "key has no algorithm");
	if (!has_secret)
		return key_error(lx, "key has no secret");
	return 0;
}

int fata_dns_keyfile_parse(const char *text, size_t len, const char *file, fata_dns_key_fn fn,
		void *arg, struct fata_dns_zone_error *err)
{
	struct key_lexer lx = { .text = text, .len = len, .line = 1, .err = err };

	if (err) {
		err->file = file ? file : "<keys>";
		err->line = 0;
		err->reason[0] = '\0';
	}

	for (;;) {
		struct fata_dns_tsig_key key;
		enum key_token_kind k = next_token(&lx);
		const char *why = NULL;
		int rc;

		if (k == TOK_END)
			return 0;
		if (k == TOK_BAD)
			return key_error(&lx, "unterminated string or comment");
		if (k != TOK_WORD || !word_is(&lx, "key"))
			return key_error(&lx, "expected 'key'");

		memset(&key, 0, sizeof key);
		k = next_token(&lx);
		if ((k != TOK_WORD && k != TOK_STRING)
				|| fata_dns_name_parse(lx.tok, lx.tok_len, NULL, &key.name) < 0) {
			/* Key names are usually written without the final dot. */
			struct fata_dns_name root;

			fata_dns_name_root(&root);
			if ((k != TOK_WORD && k != TOK_STRING)
					|| fata_dns_name_parse(lx.tok, lx.tok_len, &root, &key.name) < 0)
				return key_error(&lx, "invalid key name");
		}
		fata_dns_name_lower(&key.name);

		if (expect(&lx, TOK_OPEN, "'{' after the key name") < 0 || key_body(&lx, &key) < 0)
			return FATA_EINVAL;
		if (expect(&lx, TOK_SEMI, "';' after '}'") < 0)
			return FATA_EINVAL;

		rc = fn(arg, &key, &why);
		memset(&key, 0, sizeof key);
		if (rc < 0) {
			if (err) {
				err->line = lx.line;
				fata_snprintf(err->reason, sizeof err->reason, "%s",
						why ? why : fata_strerror(rc));
			}
			return rc;
		}
	}
}
