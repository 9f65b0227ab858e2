/*
 * Access log lines in the Common Log Format of the NCSA httpd, which most
 * log tools read: host ident authuser [date] "request line" status bytes.
 */
#include <string.h>

#include <fata/fmt.h>

#include "http_internal.h"

static const char month_abbr[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

/* Copies the request line with control bytes, quotes and non-ASCII escaped as \xHH. */
static size_t escape_request(char *out, size_t size, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		uint8_t c = (uint8_t)s[i];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			if (n + 1 < size)
				out[n] = (char)c;
			n++;
			continue;
		}
		if (n + 4 < size) {
			out[n] = '\\';
			out[n + 1] = 'x';
			out[n + 2] = hex[c >> 4];
			out[n + 3] = hex[c & 15];
		}
		n += 4;
	}
	if (size > 0)
		out[n < size ? n : size - 1] = '\0';
	return n;
}

int fata_http_clf_format(char *buf, size_t size, const char *host, int64_t unix_seconds,
		const char *request_line, size_t request_line_len, int status, int64_t body_bytes)
{
	struct fata_http_tm tm;
	char request[1024];
	char bytes[24];

	if (fata_http_time_split(unix_seconds, &tm) != 0)
		memset(&tm, 0, sizeof(tm));
	if (tm.month < 1)
		tm.month = 1;

	if (request_line == NULL) {
		memcpy(request, "-", 2);
	} else {
		size_t n = escape_request(request, sizeof(request), request_line, request_line_len);

		/* NOTE: request lines longer than about 1000 bytes are cut in the log. */
		if (n >= sizeof(request))
			request[sizeof(request) - 1] = '\0';
	}
	if (body_bytes < 0)
		memcpy(bytes, "-", 2);
	else
		fata_snprintf(bytes, sizeof(bytes), "%lld", (long long)body_bytes);

	return fata_snprintf(buf, size, "%s - - [%02d/%s/%04d:%02d:%02d:%02d +0000] \"%s\" %d %s",
			host ? host : "-", tm.day, month_abbr[tm.month - 1], tm.year, tm.hour,
			tm.minute, tm.second, request, status, bytes);
}
