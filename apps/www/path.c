/*
 * Request targets to file paths. The result never contains a ".."
 * segment or a NUL, so joining it under the site root cannot name a file
 * outside the root by its text. Symbolic links are checked where files are
 * opened (files.c).
 */
#include <string.h>

#include "www.h"

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decodes path[0..len) into out (RFC 3986 section 2.1). Returns the length or -1. */
static long decode(const char *path, size_t len, char *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		char c = path[i];

		if (c == '%') {
			int hi = i + 1 < len ? hex_value(path[i + 1]) : -1;
			int lo = i + 2 < len ? hex_value(path[i + 2]) : -1;

			if (hi < 0 || lo < 0)
				return -1;
			c = (char)(hi * 16 + lo);
			i += 2;
		}
		if (c == '\0' || n + 1 >= cap)
			return -1;
		out[n++] = c;
	}
	return (long)n;
}

int www_normalize_path(const char *target, size_t len, char *out, size_t cap, int *trailing_slash)
{
	char decoded[WWW_PATH_MAX];
	const char *query = memchr(target, '?', len);
	size_t path_len = query ? (size_t)(query - target) : len;
	long dlen;
	size_t n = 0;

	if (path_len == 0 || target[0] != '/' || cap < 2)
		return -1;
	dlen = decode(target, path_len, decoded, sizeof(decoded));
	if (dlen < 0)
		return -1;
	*trailing_slash = decoded[dlen - 1] == '/';

	/* Walk the segments, dropping empty and "." ones; ".." is refused outright. */
	for (long i = 0; i < dlen;) {
		long start;

		while (i < dlen && decoded[i] == '/')
			i++;
		start = i;
		while (i < dlen && decoded[i] != '/')
			i++;

		size_t seg = (size_t)(i - start);

		if (seg == 0 || (seg == 1 && decoded[start] == '.'))
			continue;
		if (seg == 2 && decoded[start] == '.' && decoded[start + 1] == '.')
			return -1;
		if (n + 1 + seg + 1 > cap)
			return -1;
		out[n++] = '/';
		memcpy(out + n, decoded + start, seg);
		n += seg;
	}
	if (n == 0)
		out[n++] = '/';
	out[n] = '\0';
	return 0;
}
