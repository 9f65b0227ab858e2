/* Unit tests for buffers: views, accessors, readers, chains and pools. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <fata/buf.h>
#include <fata/error.h>

/* Counts releases of wrapped memory, to observe when a block's last reference goes. */
static int wrap_releases;

static void count_release(void *ctx, struct fata_block *block)
{
	(void)ctx;
	(void)block;
	wrap_releases++;
}

static struct fata_view alloc_filled(size_t headroom, size_t len)
{
	struct fata_view v;
	uint8_t *data;

	ck_assert_int_eq(fata_buf_alloc(headroom, len, &v), FATA_OK);
	/* Writing through the block keeps gcc -O3 from warning about the NULL branch of fata_view_data. */
	data = v.block->data + v.off;
	for (size_t i = 0; i < len; i++)
		data[i] = (uint8_t)i;
	return v;
}

START_TEST(alloc_sizes)
{
	struct fata_view v;

	ck_assert_int_eq(fata_buf_alloc(8, 32, &v), FATA_OK);
	ck_assert_ptr_nonnull(v.block);
	ck_assert_uint_eq(v.len, 32);
	ck_assert_uint_eq(fata_view_headroom(v), 8);
	ck_assert_uint_eq(fata_view_tailroom(v), 0);
	ck_assert_uint_eq(v.block->refs, 1);
	fata_view_release(&v);
	ck_assert(fata_view_is_null(v));

	ck_assert_int_eq(fata_buf_alloc(0, 0, &v), FATA_OK);
	ck_assert_uint_eq(v.len, 0);
	fata_view_release(&v);

	ck_assert_int_eq(fata_buf_alloc(0, (size_t)FATA_BUF_MAX_SIZE + 1, &v), FATA_EINVAL);
	ck_assert(fata_view_is_null(v));
	ck_assert_int_eq(fata_buf_alloc(SIZE_MAX, 1, &v), FATA_EINVAL);
	ck_assert_int_eq(fata_buf_alloc(FATA_BUF_MAX_SIZE, 1, &v), FATA_EINVAL);
	ck_assert(fata_view_is_null(v));
}
END_TEST

START_TEST(copy_and_wrap)
{
	static uint8_t external[64];
	const char text[] = "hello";
	struct fata_view v;

	ck_assert_int_eq(fata_buf_copy(text, 5, 4, &v), FATA_OK);
	ck_assert_mem_eq(fata_view_data(v), text, 5);
	ck_assert_uint_eq(fata_view_headroom(v), 4);
	fata_view_release(&v);

	wrap_releases = 0;
	ck_assert_int_eq(fata_buf_wrap(external, sizeof external, count_release, NULL, &v), FATA_OK);
	ck_assert_ptr_eq(fata_view_data(v), external);
	ck_assert_uint_eq(v.len, sizeof external);
	fata_view_release(&v);
	ck_assert_int_eq(wrap_releases, 1);

	ck_assert_int_eq(fata_buf_wrap(NULL, 4, NULL, NULL, &v), FATA_EINVAL);
	ck_assert_int_eq(fata_buf_wrap(external, (size_t)FATA_BUF_MAX_SIZE + 1, NULL, NULL, &v),
			FATA_EINVAL);
	/* Memory that outlives every view needs no release function. */
	ck_assert_int_eq(fata_buf_wrap(external, 8, NULL, NULL, &v), FATA_OK);
	fata_view_release(&v);
}
END_TEST

START_TEST(refcount_release)
{
	static uint8_t external[16];
	struct fata_view a, b, c;

	wrap_releases = 0;
	ck_assert_int_eq(fata_buf_wrap(external, sizeof external, count_release, NULL, &a), FATA_OK);
	b = fata_view_ref(a);
	c = fata_view_ref(a);
	ck_assert_uint_eq(a.block->refs, 3);

	fata_view_release(&a);
	ck_assert(fata_view_is_null(a));
	/* Releasing the same variable again is harmless. */
	fata_view_release(&a);
	ck_assert_uint_eq(b.block->refs, 2);
	ck_assert_int_eq(wrap_releases, 0);

	fata_view_release(&b);
	ck_assert_int_eq(wrap_releases, 0);
	fata_view_release(&c);
	ck_assert_int_eq(wrap_releases, 1);

	/* The zero view takes no reference and releases nothing. */
	a = fata_view_ref((struct fata_view){ 0 });
	ck_assert(fata_view_is_null(a));
	ck_assert_ptr_null(fata_view_data(a));
	ck_assert_uint_eq(fata_view_tailroom(a), 0);
}
END_TEST

/* Slicing a 10-byte view at every bound and with sizes near SIZE_MAX. */
START_TEST(slice_bounds)
{
	static const struct {
		size_t off, len;
		int expect;
	} cases[] = {
		{ 0, 0, FATA_OK },
		{ 0, 10, FATA_OK },
		{ 0, 11, FATA_ERANGE },
		{ 10, 0, FATA_OK },
		{ 11, 0, FATA_ERANGE },
		{ 9, 1, FATA_OK },
		{ 9, 2, FATA_ERANGE },
		{ 5, 5, FATA_OK },
		{ 5, 6, FATA_ERANGE },
		{ SIZE_MAX, 0, FATA_ERANGE },
		{ SIZE_MAX, 1, FATA_ERANGE },
		{ 1, SIZE_MAX, FATA_ERANGE },
		{ SIZE_MAX, SIZE_MAX, FATA_ERANGE },
		{ SIZE_MAX - 4, 10, FATA_ERANGE },
		{ 5, SIZE_MAX - 4, FATA_ERANGE },
		{ (size_t)UINT32_MAX + 1, 0, FATA_ERANGE },
		{ 0, (size_t)UINT32_MAX + 1, FATA_ERANGE },
	};
	struct fata_view v = alloc_filled(4, 10);

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct fata_view out = { .block = NULL, .off = 77, .len = 77 };
		int err = fata_view_slice(v, cases[i].off, cases[i].len, &out);

		ck_assert_msg(err == cases[i].expect, "slice(%zu, %zu) returned %d, expected %d",
				cases[i].off, cases[i].len, err, cases[i].expect);
		if (err == FATA_OK) {
			ck_assert_ptr_eq(out.block, v.block);
			ck_assert_uint_eq(out.off, v.off + cases[i].off);
			ck_assert_uint_eq(out.len, cases[i].len);
		} else {
			ck_assert_uint_eq(out.off, 77);
			ck_assert_uint_eq(out.len, 77);
		}
	}
	/* A slice takes no reference. */
	ck_assert_uint_eq(v.block->refs, 1);
	fata_view_release(&v);
}
END_TEST

/* A slice must not reach the bytes of its block outside itself. */
START_TEST(slice_of_slice_bounds)
{
	struct fata_view v = alloc_filled(0, 32);
	struct fata_view mid, inner;
	uint8_t byte;

	ck_assert_int_eq(fata_view_slice(v, 8, 8, &mid), FATA_OK);
	ck_assert_int_eq(fata_view_slice(mid, 0, 9, &inner), FATA_ERANGE);
	ck_assert_int_eq(fata_view_slice(mid, 4, 4, &inner), FATA_OK);
	ck_assert_int_eq(fata_view_get_u8(inner, 0, &byte), FATA_OK);
	ck_assert_uint_eq(byte, 12);
	ck_assert_int_eq(fata_view_get_u8(inner, 4, &byte), FATA_ERANGE);
	ck_assert_uint_eq(byte, 12);
	fata_view_release(&v);
}
END_TEST

START_TEST(push_pull_headroom)
{
	struct fata_view v = alloc_filled(16, 10);

	ck_assert_int_eq(fata_view_push(&v, 17), FATA_ENOSPC);
	ck_assert_uint_eq(v.len, 10);
	ck_assert_int_eq(fata_view_push(&v, 0), FATA_OK);
	ck_assert_int_eq(fata_view_push(&v, 14), FATA_OK);
	ck_assert_uint_eq(v.len, 24);
	ck_assert_uint_eq(fata_view_headroom(v), 2);
	ck_assert_int_eq(fata_view_push(&v, 2), FATA_OK);
	ck_assert_uint_eq(fata_view_headroom(v), 0);
	ck_assert_int_eq(fata_view_push(&v, 1), FATA_ENOSPC);
	ck_assert_int_eq(fata_view_push(&v, SIZE_MAX), FATA_ENOSPC);

	ck_assert_int_eq(fata_view_pull(&v, 27), FATA_ERANGE);
	ck_assert_int_eq(fata_view_pull(&v, SIZE_MAX), FATA_ERANGE);
	ck_assert_uint_eq(v.len, 26);
	ck_assert_int_eq(fata_view_pull(&v, 16), FATA_OK);
	ck_assert_uint_eq(v.len, 10);
	ck_assert_uint_eq(fata_view_data(v)[0], 0);
	ck_assert_int_eq(fata_view_pull(&v, 10), FATA_OK);
	ck_assert_uint_eq(v.len, 0);
	ck_assert_int_eq(fata_view_pull(&v, 1), FATA_ERANGE);
	fata_view_release(&v);
}
END_TEST

START_TEST(trim_extend_tailroom)
{
	struct fata_view v = alloc_filled(0, 10);

	ck_assert_int_eq(fata_view_trim(&v, 11), FATA_ERANGE);
	ck_assert_int_eq(fata_view_trim(&v, SIZE_MAX), FATA_ERANGE);
	ck_assert_int_eq(fata_view_trim(&v, 10), FATA_OK);
	ck_assert_int_eq(fata_view_trim(&v, 4), FATA_OK);
	ck_assert_uint_eq(v.len, 4);
	ck_assert_uint_eq(fata_view_tailroom(v), 6);
	ck_assert_int_eq(fata_view_extend(&v, 7), FATA_ENOSPC);
	ck_assert_int_eq(fata_view_extend(&v, SIZE_MAX), FATA_ENOSPC);
	ck_assert_int_eq(fata_view_extend(&v, 6), FATA_OK);
	ck_assert_uint_eq(v.len, 10);
	ck_assert_uint_eq(fata_view_data(v)[9], 9);
	ck_assert_int_eq(fata_view_trim(&v, 0), FATA_OK);
	ck_assert_uint_eq(v.len, 0);
	fata_view_release(&v);
}
END_TEST

START_TEST(push_refused_when_shared)
{
	struct fata_view v = alloc_filled(8, 8);
	struct fata_view other;

	ck_assert_int_eq(fata_view_trim(&v, 4), FATA_OK);
	other = fata_view_ref(v);
	ck_assert_int_eq(fata_view_push(&v, 4), FATA_EBUSY);
	ck_assert_int_eq(fata_view_extend(&v, 2), FATA_EBUSY);
	ck_assert_uint_eq(v.len, 4);
	ck_assert_uint_eq(v.off, 8);
	/* Headroom is checked before sharing. */
	ck_assert_int_eq(fata_view_push(&v, 9), FATA_ENOSPC);

	fata_view_release(&other);
	ck_assert_int_eq(fata_view_push(&v, 4), FATA_OK);
	ck_assert_int_eq(fata_view_extend(&v, 4), FATA_OK);
	fata_view_release(&v);

	/* The zero view has no headroom. */
	ck_assert_int_eq(fata_view_push(&v, 0), FATA_ENOSPC);
}
END_TEST

/* Runs every getter at the last offset where its field fits, then one past it. */
START_TEST(getters_at_bounds)
{
	struct fata_view v = alloc_filled(0, 16);
	uint8_t u8 = 0xaa;
	uint16_t u16 = 0xaaaa;
	uint32_t u32 = 0xaaaaaaaa;
	uint64_t u64 = 0xaaaaaaaaaaaaaaaaull;

	ck_assert_int_eq(fata_view_get_u8(v, 15, &u8), FATA_OK);
	ck_assert_uint_eq(u8, 15);
	ck_assert_int_eq(fata_view_get_u8(v, 16, &u8), FATA_ERANGE);
	ck_assert_int_eq(fata_view_get_u8(v, SIZE_MAX, &u8), FATA_ERANGE);
	ck_assert_uint_eq(u8, 15);

	ck_assert_int_eq(fata_view_get_be16(v, 14, &u16), FATA_OK);
	ck_assert_uint_eq(u16, 0x0e0f);
	ck_assert_int_eq(fata_view_get_be16(v, 15, &u16), FATA_ERANGE);
	ck_assert_int_eq(fata_view_get_be16(v, SIZE_MAX, &u16), FATA_ERANGE);
	ck_assert_uint_eq(u16, 0x0e0f);
	ck_assert_int_eq(fata_view_get_le16(v, 14, &u16), FATA_OK);
	ck_assert_uint_eq(u16, 0x0f0e);
	ck_assert_int_eq(fata_view_get_le16(v, 15, &u16), FATA_ERANGE);
	ck_assert_uint_eq(u16, 0x0f0e);

	ck_assert_int_eq(fata_view_get_be32(v, 12, &u32), FATA_OK);
	ck_assert_uint_eq(u32, 0x0c0d0e0f);
	ck_assert_int_eq(fata_view_get_be32(v, 13, &u32), FATA_ERANGE);
	ck_assert_int_eq(fata_view_get_be32(v, SIZE_MAX - 1, &u32), FATA_ERANGE);
	ck_assert_uint_eq(u32, 0x0c0d0e0f);
	ck_assert_int_eq(fata_view_get_le32(v, 12, &u32), FATA_OK);
	ck_assert_uint_eq(u32, 0x0f0e0d0c);
	ck_assert_int_eq(fata_view_get_le32(v, 13, &u32), FATA_ERANGE);
	ck_assert_uint_eq(u32, 0x0f0e0d0c);

	ck_assert_int_eq(fata_view_get_be64(v, 8, &u64), FATA_OK);
	ck_assert_uint_eq(u64, 0x08090a0b0c0d0e0full);
	ck_assert_int_eq(fata_view_get_be64(v, 9, &u64), FATA_ERANGE);
	ck_assert_int_eq(fata_view_get_be64(v, SIZE_MAX - 7, &u64), FATA_ERANGE);
	ck_assert_uint_eq(u64, 0x08090a0b0c0d0e0full);
	ck_assert_int_eq(fata_view_get_le64(v, 8, &u64), FATA_OK);
	ck_assert_uint_eq(u64, 0x0f0e0d0c0b0a0908ull);
	ck_assert_int_eq(fata_view_get_le64(v, 9, &u64), FATA_ERANGE);
	ck_assert_uint_eq(u64, 0x0f0e0d0c0b0a0908ull);

	/* The zero view has no bytes at all. */
	ck_assert_int_eq(fata_view_get_u8((struct fata_view){ 0 }, 0, &u8), FATA_ERANGE);
	fata_view_release(&v);
}
END_TEST

/* Runs every setter at its last valid offset and one past it; nothing outside may change. */
START_TEST(setters_at_bounds)
{
	struct fata_view whole = alloc_filled(0, 24);
	struct fata_view v;
	uint8_t expect[24];

	/* The tested view is bytes [4, 20) of the block; the rest are guards. */
	ck_assert_int_eq(fata_view_slice(whole, 4, 16, &v), FATA_OK);
	memcpy(expect, fata_view_data(whole), sizeof expect);

	ck_assert_int_eq(fata_view_set_u8(v, 15, 0xf1), FATA_OK);
	expect[19] = 0xf1;
	ck_assert_int_eq(fata_view_set_u8(v, 16, 0xee), FATA_ERANGE);

	ck_assert_int_eq(fata_view_set_be16(v, 14, 0xa1a2), FATA_OK);
	expect[18] = 0xa1;
	expect[19] = 0xa2;
	ck_assert_int_eq(fata_view_set_be16(v, 15, 0xeeee), FATA_ERANGE);
	ck_assert_int_eq(fata_view_set_le16(v, 0, 0xb1b2), FATA_OK);
	expect[4] = 0xb2;
	expect[5] = 0xb1;
	ck_assert_int_eq(fata_view_set_le16(v, 15, 0xeeee), FATA_ERANGE);

	ck_assert_int_eq(fata_view_set_be32(v, 12, 0xc1c2c3c4), FATA_OK);
	memcpy(expect + 16, "\xc1\xc2\xc3\xc4", 4);
	ck_assert_int_eq(fata_view_set_be32(v, 13, 0xeeeeeeee), FATA_ERANGE);
	ck_assert_int_eq(fata_view_set_le32(v, 12, 0xd1d2d3d4), FATA_OK);
	memcpy(expect + 16, "\xd4\xd3\xd2\xd1", 4);
	ck_assert_int_eq(fata_view_set_le32(v, 13, 0xeeeeeeee), FATA_ERANGE);

	ck_assert_int_eq(fata_view_set_be64(v, 8, 0x0102030405060708ull), FATA_OK);
	memcpy(expect + 12, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	ck_assert_int_eq(fata_view_set_be64(v, 9, 0xeeull), FATA_ERANGE);
	ck_assert_int_eq(fata_view_set_le64(v, 8, 0x1112131415161718ull), FATA_OK);
	memcpy(expect + 12, "\x18\x17\x16\x15\x14\x13\x12\x11", 8);
	ck_assert_int_eq(fata_view_set_le64(v, 9, 0xeeull), FATA_ERANGE);
	ck_assert_int_eq(fata_view_set_le64(v, SIZE_MAX, 0xeeull), FATA_ERANGE);

	ck_assert_mem_eq(fata_view_data(whole), expect, sizeof expect);
	fata_view_release(&whole);
}
END_TEST

START_TEST(copy_in_out_bounds)
{
	struct fata_view v = alloc_filled(0, 8);
	uint8_t buf[9] = { 0 };

	ck_assert_int_eq(fata_view_copy_out(v, 0, buf, 8), FATA_OK);
	ck_assert_uint_eq(buf[7], 7);
	ck_assert_int_eq(fata_view_copy_out(v, 0, buf, 9), FATA_ERANGE);
	ck_assert_int_eq(fata_view_copy_out(v, 8, buf, 0), FATA_OK);
	ck_assert_int_eq(fata_view_copy_out(v, 9, buf, 0), FATA_ERANGE);
	ck_assert_int_eq(fata_view_copy_out(v, 7, buf, 2), FATA_ERANGE);
	ck_assert_int_eq(fata_view_copy_out(v, 1, buf, SIZE_MAX), FATA_ERANGE);

	memset(buf, 0x55, sizeof buf);
	ck_assert_int_eq(fata_view_copy_in(v, 4, buf, 4), FATA_OK);
	ck_assert_uint_eq(fata_view_data(v)[7], 0x55);
	ck_assert_uint_eq(fata_view_data(v)[3], 3);
	ck_assert_int_eq(fata_view_copy_in(v, 5, buf, 4), FATA_ERANGE);
	ck_assert_int_eq(fata_view_copy_in(v, SIZE_MAX, buf, 2), FATA_ERANGE);
	fata_view_release(&v);
}
END_TEST

START_TEST(reader_latches)
{
	struct fata_view v = alloc_filled(0, 7);
	struct fata_reader r;
	struct fata_view sub;
	uint8_t bytes[4];

	fata_reader_init(&r, v);
	ck_assert_uint_eq(fata_reader_remaining(&r), 7);
	ck_assert_uint_eq(fata_reader_u8(&r), 0);
	ck_assert_uint_eq(fata_reader_be16(&r), 0x0102);
	ck_assert_uint_eq(fata_reader_remaining(&r), 4);
	ck_assert_int_eq(r.err, FATA_OK);

	/* Eight bytes do not fit: the error latches and the cursor stays. */
	ck_assert_uint_eq(fata_reader_be64(&r), 0);
	ck_assert_int_eq(r.err, FATA_ERANGE);
	ck_assert_uint_eq(r.pos, 3);
	ck_assert_uint_eq(fata_reader_remaining(&r), 0);

	/* Reads that would fit on their own return 0 once latched. */
	ck_assert_uint_eq(fata_reader_u8(&r), 0);
	ck_assert_uint_eq(fata_reader_be32(&r), 0);
	memset(bytes, 0x77, sizeof bytes);
	fata_reader_bytes(&r, bytes, 1);
	ck_assert_uint_eq(bytes[0], 0x77);
	sub = fata_reader_view(&r, 1);
	ck_assert(fata_view_is_null(sub));
	ck_assert_uint_eq(r.pos, 3);
	ck_assert_int_eq(r.err, FATA_ERANGE);
	fata_view_release(&v);
}
END_TEST

START_TEST(reader_exact_end)
{
	struct fata_view v = alloc_filled(0, 15);
	struct fata_reader r;
	struct fata_view sub;
	uint8_t bytes[2];

	fata_reader_init(&r, v);
	ck_assert_uint_eq(fata_reader_be64(&r), 0x0001020304050607ull);
	ck_assert_uint_eq(fata_reader_be32(&r), 0x08090a0b);
	fata_reader_skip(&r, 1);
	sub = fata_reader_view(&r, 1);
	ck_assert_uint_eq(sub.len, 1);
	ck_assert_uint_eq(fata_view_data(sub)[0], 13);
	fata_reader_bytes(&r, bytes, 1);
	ck_assert_uint_eq(bytes[0], 14);
	ck_assert_uint_eq(fata_reader_remaining(&r), 0);
	ck_assert_int_eq(r.err, FATA_OK);

	/* A zero-length read at the end is fine; one byte more is not. */
	fata_reader_skip(&r, 0);
	ck_assert_int_eq(r.err, FATA_OK);
	fata_reader_skip(&r, 1);
	ck_assert_int_eq(r.err, FATA_ERANGE);

	fata_reader_init(&r, v);
	fata_reader_skip(&r, SIZE_MAX);
	ck_assert_int_eq(r.err, FATA_ERANGE);
	ck_assert_uint_eq(r.pos, 0);
	fata_view_release(&v);
}
END_TEST

START_TEST(chain_append_prepend_full)
{
	static uint8_t external[8];
	struct fata_chain c;
	struct fata_view v;

	wrap_releases = 0;
	fata_chain_init(&c);
	for (int i = 0; i < FATA_CHAIN_MAX; i++) {
		ck_assert_int_eq(fata_buf_wrap(external, (size_t)i + 1, count_release, NULL, &v), FATA_OK);
		if (i % 2)
			ck_assert_int_eq(fata_chain_append(&c, v), FATA_OK);
		else
			ck_assert_int_eq(fata_chain_prepend(&c, v), FATA_OK);
	}
	ck_assert_uint_eq(c.count, FATA_CHAIN_MAX);
	ck_assert_uint_eq(c.len, 36);
	/* Prepended views come first, newest in front: lengths 7 5 3 1 2 4 6 8. */
	ck_assert_uint_eq(c.views[0].len, 7);
	ck_assert_uint_eq(c.views[3].len, 1);
	ck_assert_uint_eq(c.views[4].len, 2);
	ck_assert_uint_eq(c.views[7].len, 8);

	/* A full chain rejects the view and the caller keeps it. */
	ck_assert_int_eq(fata_buf_wrap(external, 3, count_release, NULL, &v), FATA_OK);
	ck_assert_int_eq(fata_chain_append(&c, v), FATA_ENOSPC);
	ck_assert_int_eq(fata_chain_prepend(&c, v), FATA_ENOSPC);
	ck_assert_int_eq(wrap_releases, 0);
	fata_view_release(&v);
	ck_assert_int_eq(wrap_releases, 1);

	fata_chain_release(&c);
	ck_assert_int_eq(wrap_releases, 1 + FATA_CHAIN_MAX);
	ck_assert_uint_eq(c.count, 0);
	ck_assert_uint_eq(c.len, 0);
}
END_TEST

START_TEST(chain_empty_view_dropped)
{
	static uint8_t external[4];
	struct fata_chain c;
	struct fata_view v;

	wrap_releases = 0;
	fata_chain_init(&c);
	ck_assert_int_eq(fata_buf_wrap(external, 0, count_release, NULL, &v), FATA_OK);
	ck_assert_int_eq(fata_chain_append(&c, v), FATA_OK);
	ck_assert_uint_eq(c.count, 0);
	ck_assert_int_eq(wrap_releases, 1);
	ck_assert_int_eq(fata_buf_wrap(external, 0, count_release, NULL, &v), FATA_OK);
	ck_assert_int_eq(fata_chain_prepend(&c, v), FATA_OK);
	ck_assert_uint_eq(c.count, 0);
	ck_assert_int_eq(wrap_releases, 2);
}
END_TEST

START_TEST(chain_copy_out_ranges)
{
	struct fata_chain c;
	uint8_t out[12];

	fata_chain_init(&c);
	ck_assert_int_eq(fata_chain_append(&c, alloc_filled(0, 4)), FATA_OK);
	ck_assert_int_eq(fata_chain_append(&c, alloc_filled(0, 3)), FATA_OK);
	ck_assert_int_eq(fata_chain_append(&c, alloc_filled(0, 5)), FATA_OK);
	ck_assert_uint_eq(c.len, 12);

	ck_assert_int_eq(fata_chain_copy_out(&c, 0, out, 12), FATA_OK);
	ck_assert_mem_eq(out, "\x00\x01\x02\x03\x00\x01\x02\x00\x01\x02\x03\x04", 12);
	/* A range that spans the middle view whole. */
	ck_assert_int_eq(fata_chain_copy_out(&c, 3, out, 5), FATA_OK);
	ck_assert_mem_eq(out, "\x03\x00\x01\x02\x00", 5);
	ck_assert_int_eq(fata_chain_copy_out(&c, 12, out, 0), FATA_OK);
	ck_assert_int_eq(fata_chain_copy_out(&c, 11, out, 2), FATA_ERANGE);
	ck_assert_int_eq(fata_chain_copy_out(&c, 13, out, 0), FATA_ERANGE);
	ck_assert_int_eq(fata_chain_copy_out(&c, 1, out, SIZE_MAX), FATA_ERANGE);
	ck_assert_int_eq(fata_chain_copy_out(&c, SIZE_MAX, out, 1), FATA_ERANGE);
	fata_chain_release(&c);
}
END_TEST

START_TEST(chain_flatten)
{
	struct fata_chain c;
	struct fata_view one, flat;

	/* One view with enough headroom comes back with a new reference, not a copy. */
	fata_chain_init(&c);
	one = alloc_filled(16, 6);
	ck_assert_int_eq(fata_chain_append(&c, one), FATA_OK);
	ck_assert_int_eq(fata_chain_flatten(&c, 16, &flat), FATA_OK);
	ck_assert_ptr_eq(flat.block, one.block);
	ck_assert_uint_eq(one.block->refs, 2);
	fata_view_release(&flat);

	/* Asking for more headroom than it has makes a copy. */
	ck_assert_int_eq(fata_chain_flatten(&c, 17, &flat), FATA_OK);
	ck_assert_ptr_ne(flat.block, one.block);
	ck_assert_uint_eq(fata_view_headroom(flat), 17);
	ck_assert_uint_eq(flat.len, 6);
	ck_assert_mem_eq(fata_view_data(flat), "\x00\x01\x02\x03\x04\x05", 6);
	fata_view_release(&flat);

	ck_assert_int_eq(fata_chain_append(&c, alloc_filled(0, 2)), FATA_OK);
	ck_assert_int_eq(fata_chain_flatten(&c, 0, &flat), FATA_OK);
	ck_assert_uint_eq(flat.len, 8);
	ck_assert_mem_eq(fata_view_data(flat), "\x00\x01\x02\x03\x04\x05\x00\x01", 8);
	/* The chain is unchanged. */
	ck_assert_uint_eq(c.count, 2);
	ck_assert_uint_eq(c.len, 8);
	fata_view_release(&flat);
	fata_chain_release(&c);
}
END_TEST

START_TEST(pool_reuse_and_stats)
{
	struct fata_pool pool;
	struct fata_view a, b, c;
	struct fata_block *first;

	ck_assert_int_eq(fata_pool_init(&pool, 0, 4), FATA_EINVAL);
	ck_assert_int_eq(fata_pool_init(&pool, (size_t)FATA_BUF_MAX_SIZE + 1, 4), FATA_EINVAL);
	ck_assert_int_eq(fata_pool_init(&pool, 128, 1), FATA_OK);

	ck_assert_int_eq(fata_pool_alloc(&pool, 16, 112, &a), FATA_OK);
	ck_assert_uint_eq(fata_view_headroom(a), 16);
	ck_assert_uint_eq(a.len, 112);
	ck_assert_int_eq(fata_pool_alloc(&pool, 16, 113, &b), FATA_EINVAL);
	ck_assert(fata_view_is_null(b));
	ck_assert_int_eq(fata_pool_alloc(&pool, SIZE_MAX, 1, &b), FATA_EINVAL);
	ck_assert_int_eq(fata_pool_alloc(&pool, 0, 128, &b), FATA_OK);
	first = a.block;

	ck_assert_uint_eq(pool.stats.allocs, 2);
	ck_assert_uint_eq(pool.stats.misses, 2);
	ck_assert_uint_eq(pool.stats.hits, 0);
	ck_assert_uint_eq(pool.stats.failures, 2);
	ck_assert_uint_eq(pool.stats.in_use, 2);

	/* One block is cached (max_cached 1), the other freed. */
	fata_view_release(&a);
	fata_view_release(&b);
	ck_assert_uint_eq(pool.stats.frees, 2);
	ck_assert_uint_eq(pool.stats.in_use, 0);
	ck_assert_uint_eq(pool.stats.cached, 1);

	ck_assert_int_eq(fata_pool_alloc(&pool, 0, 10, &c), FATA_OK);
	ck_assert_uint_eq(pool.stats.hits, 1);
	ck_assert_uint_eq(pool.stats.cached, 0);
	ck_assert_uint_eq(c.block->refs, 1);
	ck_assert_ptr_eq(c.block, first);
	fata_view_release(&c);
	fata_pool_destroy(&pool);
	ck_assert_uint_eq(pool.stats.cached, 0);
}
END_TEST

START_TEST(pool_destroy_with_blocks_out)
{
	struct fata_pool pool;
	struct fata_view a, b, extra;

	ck_assert_int_eq(fata_pool_init(&pool, 64, 8), FATA_OK);
	ck_assert_int_eq(fata_pool_alloc(&pool, 0, 64, &a), FATA_OK);
	ck_assert_int_eq(fata_pool_alloc(&pool, 0, 64, &b), FATA_OK);
	fata_view_release(&b);
	ck_assert_uint_eq(pool.stats.cached, 1);

	fata_pool_destroy(&pool);
	ck_assert_uint_eq(pool.stats.cached, 0);
	ck_assert_int_eq(fata_pool_alloc(&pool, 0, 8, &extra), FATA_EINVAL);

	/* A block still out is freed on release, not cached (the leak checker sees the rest). */
	extra = fata_view_ref(a);
	fata_view_release(&a);
	ck_assert_uint_eq(pool.stats.in_use, 1);
	fata_view_release(&extra);
	ck_assert_uint_eq(pool.stats.in_use, 0);
	ck_assert_uint_eq(pool.stats.cached, 0);
}
END_TEST

static Suite *buf_suite(void)
{
	Suite *s = suite_create("buf");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, alloc_sizes);
	tcase_add_test(tc, copy_and_wrap);
	tcase_add_test(tc, refcount_release);
	tcase_add_test(tc, slice_bounds);
	tcase_add_test(tc, slice_of_slice_bounds);
	tcase_add_test(tc, push_pull_headroom);
	tcase_add_test(tc, trim_extend_tailroom);
	tcase_add_test(tc, push_refused_when_shared);
	tcase_add_test(tc, getters_at_bounds);
	tcase_add_test(tc, setters_at_bounds);
	tcase_add_test(tc, copy_in_out_bounds);
	tcase_add_test(tc, reader_latches);
	tcase_add_test(tc, reader_exact_end);
	tcase_add_test(tc, chain_append_prepend_full);
	tcase_add_test(tc, chain_empty_view_dropped);
	tcase_add_test(tc, chain_copy_out_ranges);
	tcase_add_test(tc, chain_flatten);
	tcase_add_test(tc, pool_reuse_and_stats);
	tcase_add_test(tc, pool_destroy_with_blocks_out);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(buf_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
