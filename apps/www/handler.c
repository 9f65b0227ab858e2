/*
 * The request handler: method checks, path normalisation and the 404
 * page; the files come from files.c or bundled.c.
 */
#include <stdio.h>
#include <string.h>

#include <fata/error.h>
#include <fata/log.h>

#include "www.h"

static const char not_found_page[] =
	"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	"<title>404 Not Found</title></head>\n<body><h1>404 Not Found</h1>\n"
	"<p>There is no page at this address. Try the <a href=\"/\">start page</a>.</p>\n"
	"<hr><p>fata-www</p></body></html>\n";

void www_send_not_found(struct fata_http_exchange *ex)
{
	fata_http_exchange_send_text(ex, 404, "text/html; charset=utf-8", not_found_page);
}

/* RFC 9110 section 9.1: unknown methods get 501, known but unsupported ones 405 with Allow. */
static int check_method(struct fata_http_exchange *ex, enum fata_http_method m)
{
	if (m == FATA_HTTP_GET || m == FATA_HTTP_HEAD)
		return 1;
	if (m == FATA_HTTP_OTHER) {
		fata_http_exchange_send_text(ex, 501, "text/plain; charset=utf-8",
				"501 Not Implemented\n");
		return 0;
	}
	fata_http_exchange_add_header(ex, "Allow", "GET, HEAD, OPTIONS");
	if (m == FATA_HTTP_OPTIONS) {
		fata_http_exchange_send(ex, 204, (struct fata_view){ 0 });
		return 0;
	}
	fata_http_exchange_send_text(ex, 405, "text/plain; charset=utf-8",
			"405 Method Not Allowed\n");
	return 0;
}

void www_handle(void *arg, struct fata_http_exchange *ex)
{
	struct www_site *site = arg;
	const struct fata_http_request *r = fata_http_exchange_request(ex);
	char path[WWW_PATH_MAX];
	int trailing_slash;

	if (!check_method(ex, r->method))
		return;
	if (www_normalize_path(r->target, r->target_len, path, sizeof(path), &trailing_slash) != 0) {
		/* Absolute-form targets, "..", NUL and broken escapes never name a file here. */
		www_send_not_found(ex);
		return;
	}
	if (site->root_fd >= 0)
		www_serve_file(site, ex, path, trailing_slash);
	else
		www_serve_bundled(site, ex, path, trailing_slash);
}

/* Percent-encodes `path` for a Location field (RFC 3986 section 3.3 pchar and "/"). */
static void encode_path(const char *path, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	static const char safe[] = "-._~!$&'()*+,;=:@/";
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)path; *p != '\0' && n + 4 < cap; p++) {
		int alnum = (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z');

		if (alnum || strchr(safe, *p) != NULL) {
			out[n++] = (char)*p;
			continue;
		}
		out[n++] = '%';
		out[n++] = hex[*p >> 4];
		out[n++] = hex[*p & 15];
	}
	out[n] = '\0';
}

void www_redirect_to_directory(struct fata_http_exchange *ex, const char *path)
{
	char location[3 * WWW_PATH_MAX + 2];

	encode_path(path, location, sizeof(location) - 1);
	strcat(location, "/");
	if (fata_http_exchange_add_header(ex, "Location", location) != 0) {
		www_send_not_found(ex);
		return;
	}
	fata_http_exchange_send_text(ex, 301, "text/plain; charset=utf-8", "301 Moved Permanently\n");
}
