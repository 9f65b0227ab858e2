/*
 * The only <string.h> that library code sees in the freestanding check:
 * the eight functions a freestanding target can count on (GCC and Clang
 * expect memcpy, memmove, memset and memcmp from every environment, and the
 * others are small enough for any unikernel C library). A library source
 * that calls another string function fails to compile against it.
 */
#ifndef FATA_FREESTANDING_STRING_H
#define FATA_FREESTANDING_STRING_H

#include <stddef.h>

void *memcpy(void *restrict dest, const void *restrict src, size_t n);
void *memmove(void *dest, const void *src, size_t n);
void *memset(void *s, int c, size_t n);
int memcmp(const void *s1, const void *s2, size_t n);
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
int strcmp(const char *s1, const char *s2);
int strncmp(const char *s1, const char *s2, size_t n);

#endif
