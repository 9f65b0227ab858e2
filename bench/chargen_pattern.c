/* The RFC 864 stream; see chargen_pattern.h. */
#include <string.h>

#include "chargen_pattern.h"

/* Printable ASCII characters from ' ' to '~', which the lines rotate through. */
#define CHARGEN_CHARS 95

/* Two periods back to back, so any run up to one period long starts at a fixed offset. */
static uint8_t period[2 * CHARGEN_PERIOD_BYTES];
static int period_ready;

static void period_init(void)
{
	uint8_t *out = period;

	for (unsigned line = 0; line < 2 * CHARGEN_PERIOD_LINES; line++) {
		for (unsigned i = 0; i < 72; i++)
			*out++ = (uint8_t)(' ' + (line + i) % CHARGEN_CHARS);
		*out++ = '\r';
		*out++ = '\n';
	}
	period_ready = 1;
}

void chargen_fill(uint8_t *out, size_t len, uint64_t offset)
{
	if (!period_ready)
		period_init();

	while (len > 0) {
		size_t start = (size_t)(offset % CHARGEN_PERIOD_BYTES);
		size_t n = len < CHARGEN_PERIOD_BYTES ? len : CHARGEN_PERIOD_BYTES;

		memcpy(out, period + start, n);
		out += n;
		len -= n;
		offset += n;
	}
}

int chargen_check(const uint8_t *data, size_t len, uint64_t offset)
{
	if (!period_ready)
		period_init();

	while (len > 0) {
		size_t start = (size_t)(offset % CHARGEN_PERIOD_BYTES);
		size_t n = len < CHARGEN_PERIOD_BYTES ? len : CHARGEN_PERIOD_BYTES;

		if (memcmp(data, period + start, n) != 0)
			return 0;
		data += n;
		len -= n;
		offset += n;
	}
	return 1;
}
