/*
 * Functions applications written for POSIX call that a unikernel cannot
 * serve: there are no processes and no system calls. Each fails the way its
 * POSIX original fails when the resource is missing, so the application's
 * own error path runs (fata-www, for instance, serves its bundled site when
 * it cannot open a directory). The host headers declare some of these only
 * under feature macros, so the prototypes are local.
 *
 * Files: the image's embedded files (xen_files.h) can be opened read-only
 * by their path, such as "/cert.pem", and read with read() and fstat().
 * Every other path is missing.
 */
/*
 * struct stat64 and off64_t are declared only with the large-file
 * extensions. Without the 64-bit file offsets the build sets, the headers
 * leave open() alone instead of renaming it to open64(), so both can be
 * defined here.
 */
#define _GNU_SOURCE
#undef _FILE_OFFSET_BITS
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include <fata/clock.h>
#include <fata/xen.h>

#include "xen_files.h"

/* Open embedded files at once; descriptors 0 to 2 stay the console's. */
#define OPEN_MAX 16
#define FD_FIRST 3

struct open_file {
	const struct fata_xen_embedded_file *file; /* NULL when the slot is free */
	size_t offset;
};

static struct open_file open_files[OPEN_MAX];

int open(const char *path, int flags, ...);
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
long time(long *out);
void fata_xen_libc_abort(const char *message);

/* Returns the open embedded file of descriptor `fd`, or NULL with errno EBADF. */
static struct open_file *open_file_of(int fd)
{
	if (fd < FD_FIRST || fd >= FD_FIRST + OPEN_MAX || !open_files[fd - FD_FIRST].file) {
		errno = EBADF;
		return NULL;
	}
	return &open_files[fd - FD_FIRST];
}

/* Opens the embedded file at `path` for reading. */
static int open_embedded(const char *path, int flags)
{
	const struct fata_xen_embedded_file *file = NULL;

	for (size_t i = 0; i < fata_xen_embedded_count; i++) {
		if (strcmp(fata_xen_embedded_files[i].path, path) == 0)
			file = &fata_xen_embedded_files[i];
	}
	if (!file) {
		errno = ENOENT;
		return -1;
	}
	/* The files are part of the image, so they can only be read. */
	if ((flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC | O_DIRECTORY))) {
		errno = (flags & O_DIRECTORY) ? ENOTDIR : EROFS;
		return -1;
	}
	for (int i = 0; i < OPEN_MAX; i++) {
		if (!open_files[i].file) {
			open_files[i].file = file;
			open_files[i].offset = 0;
			return FD_FIRST + i;
		}
	}
	errno = EMFILE;
	return -1;
}

int open(const char *path, int flags, ...)
{
	return open_embedded(path, flags);
}

int open64(const char *path, int flags, ...)
{
	return open_embedded(path, flags);
}

/* Only absolute paths and the current directory (which is "/") are known. */
int openat64(int dirfd, const char *path, int flags, ...)
{
	if (path[0] != '/' && dirfd != AT_FDCWD) {
		errno = ENOENT;
		return -1;
	}
	if (path[0] != '/') {
		char full[256];
		size_t len = strlen(path);

		if (len + 2 > sizeof full) {
			errno = ENAMETOOLONG;
			return -1;
		}
		full[0] = '/';
		memcpy(full + 1, path, len + 1);
		return open_embedded(full, flags);
	}
	return open_embedded(path, flags);
}

int close(int fd)
{
	struct open_file *f = open_file_of(fd);

	if (!f)
		return -1;
	f->file = NULL;
	return 0;
}

long read(int fd, void *buf, size_t len)
{
	struct open_file *f = open_file_of(fd);
	size_t left;

	if (!f)
		return -1;
	left = f->file->len - f->offset;
	if (len > left)
		len = left;
	memcpy(buf, f->file->data + f->offset, len);
	f->offset += len;
	return (long)len;
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
	struct open_file *f = open_file_of(fd);

	if (!f)
		return -1;
	memset(st, 0, sizeof *st);
	st->st_mode = S_IFREG | 0444;
	st->st_size = (off64_t)f->file->len;
	st->st_nlink = 1;
	st->st_blksize = 4096;
	return 0;
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

/* Seconds since 1970 by the domain's wall clock, as the C library's time() gives them. */
long time(long *out)
{
	long now = (long)(fata_clock_wall_ns() / 1000000000);

	if (out)
		*out = now;
	return now;
}

void fata_xen_libc_abort(const char *message)
{
	fata_xen_console_write(message, strlen(message));
	fata_xen_exit(134);
}

/* With -fstack-protector, the compiler calls this when a canary was overwritten. */
void __stack_chk_fail(void)
{
	static const char message[] = "fata: stack smashing detected\n";

	fata_xen_console_write(message, sizeof(message) - 1);
	fata_xen_exit(134);
}
