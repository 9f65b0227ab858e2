/*
 * The stdio subset the shared option parser and applications use on Xen.
 * stdout and stderr both write to the domain's console. There are no files,
 * so fopen() fails with ENOENT. Formatting is fata_vsnprintf(), which has no
 * floating point.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <fata/alloc.h>
#include <fata/fmt.h>
#include <fata/xen.h>

/* Formatted output up to this size needs no allocation. */
#define FORMAT_BUFFER 512

static FILE console_in, console_out, console_err;

FILE *stdin = &console_in;
FILE *stdout = &console_out;
FILE *stderr = &console_err;

static int writable(FILE *stream)
{
	if (stream == stdout || stream == stderr)
		return 1;
	errno = EBADF;
	return 0;
}

int vfprintf(FILE *restrict stream, const char *restrict fmt, va_list ap)
{
	char local[FORMAT_BUFFER];
	va_list again;

	if (!writable(stream))
		return -1;

	va_copy(again, ap);
	int len = fata_vsnprintf(local, sizeof(local), fmt, ap);
	if (len < 0) {
		va_end(again);
		return -1;
	}

	if ((size_t)len < sizeof(local)) {
		fata_xen_console_write(local, (size_t)len);
	} else {
		char *big = fata_alloc((size_t)len + 1);
		if (big == NULL) {
			va_end(again);
			errno = ENOMEM;
			return -1;
		}
		fata_vsnprintf(big, (size_t)len + 1, fmt, again);
		fata_xen_console_write(big, (size_t)len);
		fata_free(big);
	}
	va_end(again);
	return len;
}

int fprintf(FILE *restrict stream, const char *restrict fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int len = vfprintf(stream, fmt, ap);
	va_end(ap);
	return len;
}

int vprintf(const char *restrict fmt, va_list ap)
{
	return vfprintf(stdout, fmt, ap);
}

int printf(const char *restrict fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int len = vfprintf(stdout, fmt, ap);
	va_end(ap);
	return len;
}

int vsnprintf(char *restrict buf, size_t size, const char *restrict fmt, va_list ap)
{
	return fata_vsnprintf(buf, size, fmt, ap);
}

int snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int len = fata_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return len;
}

int fputs(const char *restrict s, FILE *restrict stream)
{
	if (!writable(stream))
		return EOF;
	fata_xen_console_write(s, strlen(s));
	return 0;
}

int puts(const char *s)
{
	fata_xen_console_write(s, strlen(s));
	fata_xen_console_write("\n", 1);
	return 0;
}

int fputc(int c, FILE *stream)
{
	char byte = (char)c;

	if (!writable(stream))
		return EOF;
	fata_xen_console_write(&byte, 1);
	return (unsigned char)byte;
}

int putc(int c, FILE *stream)
{
	return fputc(c, stream);
}

int putchar(int c)
{
	return fputc(c, stdout);
}

size_t fwrite(const void *restrict data, size_t size, size_t count, FILE *restrict stream)
{
	if (!writable(stream) || size == 0 || count == 0)
		return 0;
	fata_xen_console_write(data, size * count);
	return count;
}

int fflush(FILE *stream)
{
	(void)stream;
	return 0;
}

FILE *fopen(const char *restrict path, const char *restrict mode)
{
	(void)path;
	(void)mode;
	errno = ENOENT;
	return NULL;
}

int fclose(FILE *stream)
{
	(void)stream;
	errno = EBADF;
	return EOF;
}
