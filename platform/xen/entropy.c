/*
 * Randomness from the CPU: RDSEED where CPUID reports it (leaf 7, EBX bit
 * 18), else RDRAND (leaf 1, ECX bit 30). Both may fail for a moment (carry
 * clear); Intel's guidance for RDRAND is to retry up to ten times, and RDSEED
 * may need more. The start-up check also rejects a source that returns the
 * same value repeatedly, as some AMD parts did after suspend (all ones).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <fata/entropy.h>
#include <fata/error.h>

#include "xen_internal.h"

#define RDRAND_RETRIES 10
#define RDSEED_RETRIES 100
#define SELF_TEST_VALUES 8

enum source { SOURCE_NONE, SOURCE_RDRAND, SOURCE_RDSEED };

static enum source source;

static void cpuid_count(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b, uint32_t *c,
		uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

static int rdrand64(uint64_t *out)
{
	for (int i = 0; i < RDRAND_RETRIES; i++) {
		uint8_t ok;

		__asm__ volatile("rdrand %0; setc %1" : "=r"(*out), "=qm"(ok));
		if (ok)
			return 1;
	}
	return 0;
}

static int rdseed64(uint64_t *out)
{
	for (int i = 0; i < RDSEED_RETRIES; i++) {
		uint8_t ok;

		__asm__ volatile("rdseed %0; setc %1" : "=r"(*out), "=qm"(ok));
		if (ok)
			return 1;
		__asm__ volatile("pause");
	}
	return 0;
}

static int read64(uint64_t *out)
{
	if (source == SOURCE_RDSEED)
		return rdseed64(out);
	if (source == SOURCE_RDRAND)
		return rdrand64(out);
	return 0;
}

/* Returns 1 when the source gives SELF_TEST_VALUES values that are not all equal. */
static int self_test(void)
{
	uint64_t first, value;
	int differs = 0;

	if (!read64(&first))
		return 0;
	for (int i = 1; i < SELF_TEST_VALUES; i++) {
		if (!read64(&value))
			return 0;
		if (value != first)
			differs = 1;
	}
	return differs;
}

int xen_entropy_init(void)
{
	uint32_t a, b, c, d, max_leaf;

	cpuid_count(0, 0, &max_leaf, &b, &c, &d);
	if (max_leaf >= 7) {
		cpuid_count(7, 0, &a, &b, &c, &d);
		if (b & (1u << 18)) {
			source = SOURCE_RDSEED;
			if (self_test())
				return FATA_OK;
		}
	}

	cpuid_count(1, 0, &a, &b, &c, &d);
	if (c & (1u << 30)) {
		source = SOURCE_RDRAND;
		if (self_test())
			return FATA_OK;
	}

	source = SOURCE_NONE;
	return FATA_EIO;
}

int fata_entropy_fill(void *buf, size_t len)
{
	uint8_t *out = buf;

	while (len > 0) {
		uint64_t value;
		if (!read64(&value))
			return FATA_EIO;

		size_t n = len < sizeof(value) ? len : sizeof(value);
		memcpy(out, &value, n);
		out += n;
		len -= n;
	}
	return FATA_OK;
}
