/*
 * The stdlib subset for the Xen image: the heap behind malloc, exit()
 * shutting the domain down, and errno for code written against the host's
 * C headers, which reach errno through __errno_location() (one thread, one
 * errno).
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <fata/alloc.h>
#include <fata/fmt.h>
#include <fata/xen.h>

static int errno_value;

int *__errno_location(void)
{
	return &errno_value;
}

void *malloc(size_t size)
{
	void *p = fata_alloc(size == 0 ? 1 : size);

	if (p == NULL)
		errno = ENOMEM;
	return p;
}

void *calloc(size_t count, size_t size)
{
	void *p = fata_calloc(count == 0 ? 1 : count, size == 0 ? 1 : size);

	if (p == NULL)
		errno = ENOMEM;
	return p;
}

void *realloc(void *ptr, size_t size)
{
	void *p = fata_realloc(ptr, size == 0 ? 1 : size);

	if (p == NULL)
		errno = ENOMEM;
	return p;
}

void free(void *ptr)
{
	fata_free(ptr);
}

void exit(int status)
{
	fata_xen_exit(status);
}

void abort(void)
{
	static const char message[] = "fata: abort() called\n";

	fata_xen_console_write(message, sizeof(message) - 1);
	fata_xen_exit(134);
}

char *getenv(const char *name)
{
	(void)name;
	return NULL;
}

/* Called by the host headers' assert() when an assertion fails. */
void __assert_fail(const char *expr, const char *file, unsigned int line, const char *function)
{
	char text[256];

	int len = fata_snprintf(text, sizeof(text), "fata: %s:%u: %s: assertion \"%s\" failed\n",
			file, line, function, expr);
	if (len >= (int)sizeof(text))
		len = (int)sizeof(text) - 1;
	fata_xen_console_write(text, (size_t)len);
	fata_xen_exit(134);
}

/* The messages of the errno values a unikernel reports; others get their number. */
char *strerror(int number)
{
	static const struct {
		int number;
		const char *text;
	} table[] = {
		{ 0, "Success" },
		{ EPERM, "Operation not permitted" },
		{ ENOENT, "No such file or directory" },
		{ EIO, "Input/output error" },
		{ EBADF, "Bad file descriptor" },
		{ ENOMEM, "Cannot allocate memory" },
		{ EACCES, "Permission denied" },
		{ EEXIST, "File exists" },
		{ ENODEV, "No such device" },
		{ ENOTDIR, "Not a directory" },
		{ EISDIR, "Is a directory" },
		{ EINVAL, "Invalid argument" },
		{ ENOSPC, "No space left on device" },
		{ ERANGE, "Numerical result out of range" },
		{ ENOSYS, "Function not implemented" },
		{ ENAMETOOLONG, "File name too long" },
		{ ELOOP, "Too many levels of symbolic links" },
	};
	static char unknown[32];

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (table[i].number == number)
			return (char *)table[i].text;
	}
	fata_snprintf(unknown, sizeof(unknown), "Unknown error %d", number);
	return unknown;
}
