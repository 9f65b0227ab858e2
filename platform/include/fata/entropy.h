/*
 * Cryptographic randomness from the platform (getrandom on Linux,
 * RDSEED/RDRAND on Xen).
 */
#ifndef FATA_ENTROPY_H
#define FATA_ENTROPY_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Fills `len` bytes at `buf` with unpredictable bytes. Errors: FATA_EIO when
 * the platform has no working source; the buffer must not be used then.
 */
int fata_entropy_fill(void *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif
