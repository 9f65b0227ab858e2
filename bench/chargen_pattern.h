/*
 * The byte stream of the character generator service (RFC 864), as
 * fata-echo sends it: lines of 72 printable ASCII characters and CRLF,
 * line n starting with character n modulo 95 of the range ' '..'~'. The
 * stream repeats every 95 lines, so a receiver can check any position
 * against one precomputed period.
 */
#ifndef BENCH_CHARGEN_PATTERN_H
#define BENCH_CHARGEN_PATTERN_H

#include <stddef.h>
#include <stdint.h>

/* Bytes in one line (72 characters, CR, LF) and lines in one period. */
#define CHARGEN_LINE_BYTES 74
#define CHARGEN_PERIOD_LINES 95
#define CHARGEN_PERIOD_BYTES (CHARGEN_LINE_BYTES * CHARGEN_PERIOD_LINES)

/*
 * Fills `out` with `len` bytes of the stream starting at stream offset
 * `offset`.
 */
void chargen_fill(uint8_t *out, size_t len, uint64_t offset);

/*
 * Returns 1 when the `len` bytes at `data` equal the stream from offset
 * `offset`, else 0.
 */
int chargen_check(const uint8_t *data, size_t len, uint64_t offset);

#endif
