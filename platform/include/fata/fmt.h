/*
 * A freestanding formatter, so library code can build log lines and text
 * protocols (HTTP headers, zone output) without stdio.
 */
#ifndef FATA_FMT_H
#define FATA_FMT_H

#include <stdarg.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Formats like C's vsnprintf for the conversions d i u x X o c s p % with
 * the flags - 0 + space, width and precision (also *), and the length
 * modifiers hh h l ll z j t. No floating point. Writes at most `size` bytes
 * including the NUL and returns the length the whole output would have.
 */
int fata_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fata_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#ifdef __cplusplus
}
#endif

#endif
