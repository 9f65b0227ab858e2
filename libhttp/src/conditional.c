/*
 * Conditional requests (RFC 9110 section 13): entity-tag comparison and
 * the evaluation order of the preconditions.
 */
#include <string.h>

#include "http_internal.h"

/* An entity-tag split into its weakness and its opaque-tag between the quotes. */
struct etag {
	int weak;
	const char *opaque;
	size_t opaque_len;
};

/*
 * Reads one entity-tag at s[*pos] (section 8.8.3): [ "W/" ] DQUOTE *etagc
 * DQUOTE. Returns 1 and advances, or 0 when the bytes are not an entity-tag.
 */
static int read_etag(const char *s, size_t len, size_t *pos, struct etag *out)
{
	size_t i = *pos;

	out->weak = 0;
	if (len - i >= 2 && s[i] == 'W' && s[i + 1] == '/') {
		out->weak = 1;
		i += 2;
	}
	if (i >= len || s[i] != '"')
		return 0;
	i++;

	size_t start = i;

	while (i < len && s[i] != '"') {
		uint8_t c = (uint8_t)s[i];

		/* etagc = %x21 / %x23-7E / obs-text */
		if (c < 0x21 || c == 0x7f)
			return 0;
		i++;
	}
	if (i >= len)
		return 0;
	out->opaque = s + start;
	out->opaque_len = i - start;
	*pos = i + 1;
	return 1;
}

static int etag_equal(const struct etag *a, const struct etag *b, int weak)
{
	if (!weak && (a->weak || b->weak))
		return 0;
	return a->opaque_len == b->opaque_len && memcmp(a->opaque, b->opaque, a->opaque_len) == 0;
}

int fata_http_etag_list_match(const char *list, size_t list_len, const char *etag, size_t etag_len,
		int weak)
{
	struct etag mine;
	size_t pos = 0;

	if (etag == NULL || !read_etag(etag, etag_len, &pos, &mine) || pos != etag_len)
		return 0;
	http_trim_ows(&list, &list_len);
	if (list_len == 1 && list[0] == '*')
		return 1;

	pos = 0;
	for (;;) {
		struct etag theirs;

		/* Skip the list separators and empty elements (section 5.6.1). */
		while (pos < list_len && (list[pos] == ',' || http_is_ows((uint8_t)list[pos])))
			pos++;
		if (pos == list_len)
			return 0;
		if (!read_etag(list, list_len, &pos, &theirs))
			return 0;
		if (etag_equal(&mine, &theirs, weak))
			return 1;
		while (pos < list_len && http_is_ows((uint8_t)list[pos]))
			pos++;
		if (pos < list_len && list[pos] != ',')
			return 0;
	}
}

/* Returns 1 when any field named `name` matches the validator's entity-tag. */
static int any_field_matches(const struct fata_http_header *headers, size_t count,
		const char *name, const struct fata_http_validators *v, int weak)
{
	for (size_t i = 0; i < count; i++) {
		if (!http_equal_nocase(headers[i].name, headers[i].name_len, name))
			continue;
		if (headers[i].value_len == 1 && headers[i].value[0] == '*')
			return 1;
		if (fata_http_etag_list_match(headers[i].value, headers[i].value_len, v->etag,
				v->etag_len, weak))
			return 1;
	}
	return 0;
}

/* Reads the date of field `name`; returns 0 when it is absent or not a valid HTTP-date. */
static int field_date(const struct fata_http_header *headers, size_t count, const char *name,
		int64_t now_seconds, int64_t *out)
{
	const struct fata_http_header *h = fata_http_header_find(headers, count, name);

	if (h == NULL)
		return 0;
	return fata_http_date_parse(h->value, h->value_len, now_seconds, out) == 0;
}

int fata_http_preconditions(enum fata_http_method method, const struct fata_http_header *headers,
		size_t count, const struct fata_http_validators *v, int64_t now_seconds)
{
	int get_or_head = method == FATA_HTTP_GET || method == FATA_HTTP_HEAD;
	int64_t date;

	/* Step 1: If-Match compares strongly; step 2 only runs without it. */
	if (fata_http_header_find(headers, count, "if-match") != NULL) {
		if (!any_field_matches(headers, count, "if-match", v, 0))
			return 412;
	} else if (v->has_last_modified
			&& field_date(headers, count, "if-unmodified-since", now_seconds, &date)
			&& v->last_modified > date) {
		return 412;
	}

	/* Step 3: If-None-Match compares weakly and, when present, replaces step 4. */
	if (fata_http_header_find(headers, count, "if-none-match") != NULL) {
		if (any_field_matches(headers, count, "if-none-match", v, 1))
			return get_or_head ? 304 : 412;
		return 0;
	}

	/* Step 4: If-Modified-Since, for GET and HEAD only. */
	if (get_or_head && v->has_last_modified
			&& field_date(headers, count, "if-modified-since", now_seconds, &date)
			&& v->last_modified <= date)
		return 304;
	return 0;
}

int fata_http_if_range_holds(const struct fata_http_header *headers, size_t count,
		const struct fata_http_validators *v, int64_t now_seconds)
{
	const struct fata_http_header *h = fata_http_header_find(headers, count, "if-range");
	int64_t date;

	if (h == NULL)
		return 1;

	/* Section 13.1.5: an entity-tag must match strongly, a date exactly. */
	if (h->value_len > 0 && (h->value[0] == '"' || h->value[0] == 'W')) {
		struct etag theirs;
		size_t pos = 0;

		if (!read_etag(h->value, h->value_len, &pos, &theirs) || pos != h->value_len)
			return 0;
		return fata_http_etag_list_match(h->value, h->value_len, v->etag, v->etag_len, 0);
	}
	if (!v->has_last_modified || fata_http_date_parse(h->value, h->value_len, now_seconds,
			&date) != 0)
		return 0;
	return date == v->last_modified;
}
