/* The character generator pattern of RFC 864. */
#include "echo.h"

void echo_chargen_fill(uint8_t *out, size_t lines, uint32_t first)
{
	for (size_t l = 0; l < lines; l++) {
		uint32_t start = (first + (uint32_t)l) % CHARGEN_CHARS;

		/* The 95 printable ASCII characters from space, 72 to a line. */
		for (uint32_t i = 0; i < 72; i++)
			*out++ = (uint8_t)(' ' + (start + i) % CHARGEN_CHARS);
		*out++ = '\r';
		*out++ = '\n';
	}
}
