/*
 * Functions applications written for POSIX call that a unikernel cannot
 * serve: there are no files, no processes and no system calls. Each fails
 * the way its POSIX original fails when the resource is missing, so the
 * application's own error path runs (fata-www, for instance, serves its
 * bundled site when it cannot open a directory). The host headers declare
 * some of these only under feature macros, so the prototypes are local.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include <fata/xen.h>

struct stat64;

int open64(const char *path, int flags, ...);
int openat64(int dirfd, const char *path, int flags, ...);
int close(int fd);
long read(int fd, void *buf, size_t len);
long write(int fd, const void *buf, size_t len);
int fstat64(int fd, struct stat64 *st);
void *mmap64(void *addr, size_t len, int prot, int flags, int fd, long offset);
int munmap(void *addr, size_t len);
char *realpath(const char *path, char *resolved);
long syscall(long number, ...);
void __stack_chk_fail(void);

int open64(const char *path, int flags, ...)
{
	(void)path;
	(void)flags;
	errno = ENOENT;
	return -1;
}

int openat64(int dirfd, const char *path, int flags, ...)
{
	(void)dirfd;
	(void)path;
	(void)flags;
	errno = ENOENT;
	return -1;
}

int close(int fd)
{
	(void)fd;
	errno = EBADF;
	return -1;
}

long read(int fd, void *buf, size_t len)
{
	(void)fd;
	(void)buf;
	(void)len;
	errno = EBADF;
	return -1;
}

/* Standard output and standard error go to the console, like stdout and stderr. */
long write(int fd, const void *buf, size_t len)
{
	if (fd != 1 && fd != 2) {
		errno = EBADF;
		return -1;
	}
	fata_xen_console_write(buf, len);
	return (long)len;
}

int fstat64(int fd, struct stat64 *st)
{
	(void)fd;
	(void)st;
	errno = EBADF;
	return -1;
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, long offset)
{
	(void)addr;
	(void)len;
	(void)prot;
	(void)flags;
	(void)fd;
	(void)offset;
	errno = ENODEV;
	return (void *)-1;
}

int munmap(void *addr, size_t len)
{
	(void)addr;
	(void)len;
	errno = EINVAL;
	return -1;
}

char *realpath(const char *path, char *resolved)
{
	(void)path;
	(void)resolved;
	errno = ENOENT;
	return NULL;
}

long syscall(long number, ...)
{
	(void)number;
	errno = ENOSYS;
	return -1;
}

/* With -fstack-protector, the compiler calls this when a canary was overwritten. */
void __stack_chk_fail(void)
{
	static const char message[] = "fata: stack smashing detected\n";

	fata_xen_console_write(message, sizeof(message) - 1);
	fata_xen_exit(134);
}
