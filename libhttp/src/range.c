/*
 * Byte-range requests (RFC 9110 section 14.1 and 14.2).
 */
#include <string.h>

#include "http_internal.h"

/* One range-spec, classified against the representation size. */
enum spec_kind {
	SPEC_INVALID = 0,
	SPEC_SATISFIABLE,
	SPEC_UNSATISFIABLE,
};

/* Parses int-range "first-[last]" or suffix-range "-length" (section 14.1.1). */
static enum spec_kind parse_spec(const char *s, size_t len, uint64_t size, struct fata_http_range *out)
{
	const char *dash = memchr(s, '-', len);

	if (dash == NULL)
		return SPEC_INVALID;

	size_t first_len = (size_t)(dash - s);
	size_t last_len = len - first_len - 1;
	uint64_t first, last;

	if (first_len == 0) {
		/* suffix-range: the last `length` bytes, all of them when longer than the representation. */
		if (http_parse_u64(dash + 1, last_len, &last) != 0)
			return SPEC_INVALID;
		if (last == 0 || size == 0)
			return SPEC_UNSATISFIABLE;
		out->first = last >= size ? 0 : size - last;
		out->last = size - 1;
		return SPEC_SATISFIABLE;
	}

	if (http_parse_u64(s, first_len, &first) != 0)
		return SPEC_INVALID;
	if (last_len == 0) {
		last = UINT64_MAX;
	} else if (http_parse_u64(dash + 1, last_len, &last) != 0 || last < first) {
		return SPEC_INVALID;
	}
	if (first >= size)
		return SPEC_UNSATISFIABLE;
	out->first = first;
	out->last = last >= size ? size - 1 : last;
	return SPEC_SATISFIABLE;
}

enum fata_http_range_result fata_http_range_parse(const char *value, size_t len, uint64_t size,
		struct fata_http_range *out)
{
	const char *eq;
	size_t specs = 0;
	size_t satisfiable = 0;
	struct fata_http_range first_range = { 0, 0 };

	if (value == NULL)
		return FATA_HTTP_RANGE_NONE;
	http_trim_ows(&value, &len);
	eq = memchr(value, '=', len);
	if (eq == NULL || !http_equal_nocase(value, (size_t)(eq - value), "bytes"))
		return FATA_HTTP_RANGE_NONE;

	const char *set = eq + 1;
	size_t set_len = len - (size_t)(set - value);
	size_t pos = 0;
	const char *elem;
	size_t elem_len;

	while (http_list_next(set, set_len, &pos, &elem, &elem_len)) {
		struct fata_http_range r;
		enum spec_kind kind = parse_spec(elem, elem_len, size, &r);

		/* Section 14.2: a server may ignore an invalid Range field entirely. */
		if (kind == SPEC_INVALID)
			return FATA_HTTP_RANGE_NONE;
		if (kind == SPEC_SATISFIABLE && satisfiable++ == 0)
			first_range = r;
		specs++;
	}
	if (specs == 0)
		return FATA_HTTP_RANGE_NONE;
	if (satisfiable == 0)
		return FATA_HTTP_RANGE_UNSATISFIABLE;
	if (specs > 1)
		return FATA_HTTP_RANGE_MULTIPLE;
	*out = first_range;
	return FATA_HTTP_RANGE_SINGLE;
}
