/*
 * The chunked decoder and encoder: valid and malformed bodies fed whole,
 * in every two-part split, one byte at a time and as truncated prefixes.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fata/error.h>
#include <fata/http.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct valid_body {
	const char *coded;
	const char *body;
	const char *trailers;   /* the trailer field lines, CRLF included */
	size_t leftover;        /* bytes after the end of the body */
};

static const struct valid_body valid_bodies[] = {
	{ "0\r\n\r\n", "", "", 0 },
	{ "5\r\nhello\r\n0\r\n\r\n", "hello", "", 0 },
	{ "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\nGET", "hello world", "", 3 },
	{ "A\r\n0123456789\r\n0\r\n\r\n", "0123456789", "", 0 },
	{ "00a\r\n0123456789\r\n000\r\n\r\n", "0123456789", "", 0 },
	{ "3;name\r\nabc\r\n0\r\n\r\n", "abc", "", 0 },
	{ "3 ; name = value ; x=\"q\\\"uoted;\"\r\nabc\r\n0;last\r\n\r\n", "abc", "", 0 },
	{ "3;a=b\r\nabc\r\n0\r\nX-Sum: 1\r\nX-Two:  2 \r\n\r\nnext", "abc",
		"X-Sum: 1\r\nX-Two:  2 \r\n", 4 },
	{ "1\r\n\r\r\n1\r\n\n\r\n0\r\n\r\n", "\r\n", "", 0 },
};

struct bad_body {
	const char *coded;
	enum fata_http_error_kind error;
};

static const struct bad_body bad_bodies[] = {
	{ "\r\n", FATA_HTTP_ERR_CHUNK_SIZE },
	{ "g\r\n", FATA_HTTP_ERR_CHUNK_SIZE },
	{ "-1\r\n", FATA_HTTP_ERR_CHUNK_SIZE },
	{ "+1\r\n", FATA_HTTP_ERR_CHUNK_SIZE },
	{ "0x5\r\nhello\r\n", FATA_HTTP_ERR_CHUNK_SIZE },
	{ " 5\r\nhello\r\n", FATA_HTTP_ERR_CHUNK_SIZE },
	{ "5\nhello\r\n", FATA_HTTP_ERR_CHUNK_SIZE },
	{ "5\rhello\r\n", FATA_HTTP_ERR_BARE_CR },
	{ "10000000000000000\r\n", FATA_HTTP_ERR_CHUNK_SIZE },
	{ "8000000000000000\r\n", FATA_HTTP_ERR_CHUNK_SIZE },
	{ "5 \r\nhello\r\n", FATA_HTTP_ERR_CHUNK_EXT },
	{ "5;\r\nhello\r\n", FATA_HTTP_ERR_CHUNK_EXT },
	{ "5;a=\r\nhello\r\n", FATA_HTTP_ERR_CHUNK_EXT },
	{ "5;a b\r\nhello\r\n", FATA_HTTP_ERR_CHUNK_EXT },
	{ "5;a=\"x\r\nhello\r\n", FATA_HTTP_ERR_CHUNK_EXT },
	{ "5;a=b c\r\nhello\r\n", FATA_HTTP_ERR_CHUNK_EXT },
	{ "5;a=(b)\r\nhello\r\n", FATA_HTTP_ERR_CHUNK_EXT },
	{ "5;a\x01\r\nhello\r\n", FATA_HTTP_ERR_CHUNK_EXT },
	{ "5\r\nhelloX\r\n", FATA_HTTP_ERR_CHUNK_DATA },
	{ "5\r\nhello\r\r\n", FATA_HTTP_ERR_CHUNK_DATA },
	{ "5\r\nhello\n0\r\n\r\n", FATA_HTTP_ERR_CHUNK_DATA },
	{ "0\r\nX : y\r\n\r\n", FATA_HTTP_ERR_SPACE_BEFORE_COLON },
	{ "0\r\nX: y\n\r\n", FATA_HTTP_ERR_BARE_LF },
	{ "0\r\n\n", FATA_HTTP_ERR_BARE_LF },
	{ "0\r\nX: y\r\n z\r\n\r\n", FATA_HTTP_ERR_OBS_FOLD },
	{ "0\r\nX: \x01\r\n\r\n", FATA_HTTP_ERR_FIELD_VALUE },
};

struct outcome {
	int rc;        /* 1 done, 0 incomplete, negative error */
	char body[256];
	size_t body_len;
	char trailers[256];
	size_t trailers_len;
	size_t leftover;
	enum fata_http_error_kind error;
};

/*
 * Feeds `len` bytes in the prefixes `cuts` the way a connection would:
 * unconsumed bytes stay at the front of a buffer and new ones go behind.
 */
static void decode_in_parts(const char *text, size_t len, const size_t *cuts, size_t ncuts,
		struct outcome *o)
{
	struct fata_http_chunked d;
	uint8_t *buf = malloc(len + 1);
	size_t have = 0;
	size_t fed = 0;

	memset(o, 0, sizeof(*o));
	fata_http_chunked_init(&d, 0, 0);
	for (size_t i = 0; i < ncuts; i++) {
		memcpy(buf + have, text + fed, cuts[i] - fed);
		have += cuts[i] - fed;
		fed = cuts[i];
		for (;;) {
			struct fata_http_chunked_out out;
			int rc = fata_http_chunked_decode(&d, buf, have, &out);

			if (rc < 0) {
				o->rc = rc;
				o->error = d.error;
				free(buf);
				return;
			}
			ck_assert_uint_le(out.consumed, have);
			if (out.data_len > 0)
				memcpy(o->body + o->body_len, out.data, out.data_len);
			o->body_len += out.data_len;
			if (out.done) {
				memcpy(o->trailers, out.trailers ? (const char *)out.trailers : "",
						out.trailers_len);
				o->trailers_len = out.trailers_len;
				o->leftover = have - out.consumed + (len - fed);
				o->rc = 1;
				free(buf);
				return;
			}
			memmove(buf, buf + out.consumed, have - out.consumed);
			have -= out.consumed;
			if (out.consumed == 0 && out.data_len == 0)
				break;
		}
	}
	o->rc = 0;
	free(buf);
}

static void check_valid(const struct valid_body *v, const struct outcome *o)
{
	ck_assert_int_eq(o->rc, 1);
	ck_assert_uint_eq(o->body_len, strlen(v->body));
	ck_assert(memcmp(o->body, v->body, o->body_len) == 0);
	ck_assert_uint_eq(o->trailers_len, strlen(v->trailers));
	ck_assert(memcmp(o->trailers, v->trailers, o->trailers_len) == 0);
	ck_assert_uint_eq(o->leftover, v->leftover);
}

START_TEST(chunked_valid_every_split)
{
	const struct valid_body *v = &valid_bodies[_i];
	size_t len = strlen(v->coded);
	struct outcome o;

	for (size_t k = 0; k <= len; k++) {
		size_t cuts[2] = { k, len };

		decode_in_parts(v->coded, len, cuts, 2, &o);
		check_valid(v, &o);
	}
}
END_TEST

START_TEST(chunked_valid_byte_at_a_time)
{
	const struct valid_body *v = &valid_bodies[_i];
	size_t len = strlen(v->coded);
	size_t cuts[256];
	struct outcome o;

	for (size_t k = 0; k < len; k++)
		cuts[k] = k + 1;
	decode_in_parts(v->coded, len, cuts, len, &o);
	check_valid(v, &o);
}
END_TEST

START_TEST(chunked_valid_prefixes_incomplete)
{
	const struct valid_body *v = &valid_bodies[_i];
	size_t end = strlen(v->coded) - v->leftover;
	struct outcome o;

	for (size_t k = 0; k < end; k++) {
		size_t cuts[1] = { k };

		decode_in_parts(v->coded, k, cuts, 1, &o);
		ck_assert_msg(o.rc == 0, "prefix %zu of case %d: rc %d", k, _i, o.rc);
	}
}
END_TEST

START_TEST(chunked_malformed)
{
	const struct bad_body *b = &bad_bodies[_i];
	size_t len = strlen(b->coded);
	size_t cuts[256];
	struct outcome o;

	for (size_t k = 0; k < len; k++)
		cuts[k] = k + 1;

	size_t whole[1] = { len };

	decode_in_parts(b->coded, len, whole, 1, &o);
	ck_assert_msg(o.rc < 0, "case %d accepted", _i);
	ck_assert_msg(o.error == b->error, "case %d: %s, expected %s", _i,
			fata_http_error_name(o.error), fata_http_error_name(b->error));

	decode_in_parts(b->coded, len, cuts, len, &o);
	ck_assert_msg(o.rc < 0, "case %d accepted byte by byte", _i);
	ck_assert_int_eq(o.error, b->error);
}
END_TEST

START_TEST(chunked_error_latched)
{
	struct fata_http_chunked d;
	struct fata_http_chunked_out out;

	fata_http_chunked_init(&d, 0, 0);
	ck_assert_int_eq(fata_http_chunked_decode(&d, (const uint8_t *)"z", 1, &out), FATA_EBADMSG);
	ck_assert_int_eq(fata_http_chunked_decode(&d, (const uint8_t *)"0\r\n\r\n", 5, &out),
			FATA_EBADMSG);
}
END_TEST

START_TEST(chunked_line_limit)
{
	char text[200];
	struct fata_http_chunked d;
	struct fata_http_chunked_out out;

	snprintf(text, sizeof(text), "5;%0100d\r\n", 0);
	fata_http_chunked_init(&d, 64, 0);
	ck_assert_int_eq(fata_http_chunked_decode(&d, (const uint8_t *)text, strlen(text), &out),
			FATA_ELIMIT);
	ck_assert_int_eq(d.error, FATA_HTTP_ERR_CHUNK_EXT);
}
END_TEST

START_TEST(chunked_trailer_limit)
{
	char text[400];
	struct fata_http_chunked d;
	struct fata_http_chunked_out out;
	size_t n = (size_t)snprintf(text, sizeof(text), "0\r\nX-Long: ");

	memset(text + n, 'x', 200);
	n += 200;
	fata_http_chunked_init(&d, 0, 100);

	/* The size line is consumed; the trailer waits, then passes the limit. */
	ck_assert_int_eq(fata_http_chunked_decode(&d, (const uint8_t *)text, n, &out), FATA_ELIMIT);
	ck_assert_int_eq(d.error, FATA_HTTP_ERR_FIELDS_TOO_LARGE);
}
END_TEST

START_TEST(chunked_large_size_streams)
{
	/* A 4 GiB chunk is valid; the decoder hands out what is there. */
	static const char text[] = "100000000\r\nabc";
	struct fata_http_chunked d;
	struct fata_http_chunked_out out;

	fata_http_chunked_init(&d, 0, 0);
	ck_assert_int_eq(fata_http_chunked_decode(&d, (const uint8_t *)text, 11, &out), 0);
	ck_assert_uint_eq(out.consumed, 11);
	ck_assert_int_eq(fata_http_chunked_decode(&d, (const uint8_t *)text + 11, 3, &out), 0);
	ck_assert_uint_eq(out.data_len, 3);
	ck_assert_uint_eq(d.remaining, 0x100000000ULL - 3);
}
END_TEST

START_TEST(chunk_encoder_round_trip)
{
	char coded[512];
	size_t n = 0;
	char line[FATA_HTTP_CHUNK_LINE_MAX + 1];
	struct fata_http_header trailers[2] = {
		{ "X-A", 3, "1", 1 },
		{ "X-B", 3, "two words", 9 },
	};
	struct outcome o;
	int len;

	len = fata_http_chunk_line(line, sizeof(line), 26);
	ck_assert_int_eq(len, 4);
	ck_assert_str_eq(line, "1a\r\n");
	memcpy(coded + n, line, (size_t)len);
	n += (size_t)len;
	memcpy(coded + n, "abcdefghijklmnopqrstuvwxyz\r\n", 28);
	n += 28;
	len = fata_http_chunked_end(coded + n, sizeof(coded) - n, trailers, 2);
	ck_assert_int_gt(len, 0);
	n += (size_t)len;

	size_t cuts[1] = { n };

	decode_in_parts(coded, n, cuts, 1, &o);
	ck_assert_int_eq(o.rc, 1);
	ck_assert_uint_eq(o.body_len, 26);
	ck_assert_uint_eq(o.trailers_len, strlen("X-A: 1\r\nX-B: two words\r\n"));

	ck_assert_int_eq(fata_http_chunk_line(line, sizeof(line), UINT64_MAX), 18);
	ck_assert_int_eq(fata_http_chunk_line(line, 4, 0x1000), FATA_ENOSPC);
	ck_assert_int_eq(fata_http_chunked_end(coded, 4, trailers, 2), FATA_ENOSPC);

	struct fata_http_header bad = { "X A", 3, "v", 1 };

	ck_assert_int_eq(fata_http_chunked_end(coded, sizeof(coded), &bad, 1), FATA_EINVAL);
	ck_assert_int_eq(fata_http_chunked_end(coded, sizeof(coded), NULL, 0), 5);
}
END_TEST

static Suite *chunked_suite(void)
{
	Suite *s = suite_create("http-chunked");
	TCase *t = tcase_create("decode");

	tcase_add_loop_test(t, chunked_valid_every_split, 0, N(valid_bodies));
	tcase_add_loop_test(t, chunked_valid_byte_at_a_time, 0, N(valid_bodies));
	tcase_add_loop_test(t, chunked_valid_prefixes_incomplete, 0, N(valid_bodies));
	tcase_add_loop_test(t, chunked_malformed, 0, N(bad_bodies));
	tcase_add_test(t, chunked_error_latched);
	tcase_add_test(t, chunked_line_limit);
	tcase_add_test(t, chunked_trailer_limit);
	tcase_add_test(t, chunked_large_size_streams);
	tcase_add_test(t, chunk_encoder_round_trip);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(chunked_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
