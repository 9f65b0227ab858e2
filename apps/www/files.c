/*
 * Serving a directory. Files are opened with openat2(RESOLVE_BENEATH)
 * relative to the root, so the kernel refuses any path, symbolic links
 * included, that would leave the root. On kernels without openat2 (before
 * Linux 5.6) the resolved path is checked against the root's instead.
 * File contents are mapped and handed to libhttp without copying.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fata/error.h>
#include <fata/log.h>

#include "www.h"

/* Largest file served: the buffer layer's block limit times the chain's views. */
#define MAX_FILE_BYTES ((uint64_t)FATA_BUF_MAX_SIZE * FATA_CHAIN_MAX)

int www_site_open_dir(struct www_site *site, const char *dir)
{
	memset(site, 0, sizeof(*site));
	site->root_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (site->root_fd < 0) {
		fata_log(FATA_LOG_ERROR, "www", "cannot open directory %s: %s", dir, strerror(errno));
		return -1;
	}
	site->root_path = realpath(dir, NULL);
	if (site->root_path == NULL) {
		fata_log(FATA_LOG_ERROR, "www", "cannot resolve directory %s: %s", dir, strerror(errno));
		close(site->root_fd);
		return -1;
	}
	return 0;
}

/* Opens `rel` under the root the old way, then checks where it really is. */
static int open_checked(struct www_site *site, const char *rel)
{
	char *real;
	size_t root_len = strlen(site->root_path);
	int fd = openat(site->root_fd, rel, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return -1;

	char proc[64];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	real = realpath(proc, NULL);
	if (real == NULL || strncmp(real, site->root_path, root_len) != 0
			|| (real[root_len] != '/' && real[root_len] != '\0'
				&& strcmp(site->root_path, "/") != 0)) {
		free(real);
		close(fd);
		errno = EXDEV;
		return -1;
	}
	free(real);
	return fd;
}

/* Opens `rel` (no leading slash) beneath the root. Returns an fd or -1 with errno set. */
static int open_beneath(struct www_site *site, const char *rel)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, site->root_fd, rel, &how, sizeof(how));

	if (fd < 0 && (errno == ENOSYS || errno == EPERM))
		return open_checked(site, rel);
	return (int)fd;
}

static void unmap_piece(void *ctx, struct fata_block *block)
{
	munmap(block->data, (size_t)(uintptr_t)ctx);
}

/* Maps the file in pieces of at most FATA_BUF_MAX_SIZE bytes into `body`. */
static int map_file(int fd, uint64_t size, struct fata_chain *body)
{
	fata_chain_init(body);
	for (uint64_t off = 0; off < size; off += FATA_BUF_MAX_SIZE) {
		size_t piece = (size_t)(size - off < FATA_BUF_MAX_SIZE ? size - off : FATA_BUF_MAX_SIZE);
		void *data = mmap(NULL, piece, PROT_READ, MAP_PRIVATE, fd, (off_t)off);
		struct fata_view v;

		if (data == MAP_FAILED) {
			fata_chain_release(body);
			return -1;
		}
		if (fata_buf_wrap(data, piece, unmap_piece, (void *)(uintptr_t)piece, &v) != 0) {
			munmap(data, piece);
			fata_chain_release(body);
			return -1;
		}
		if (fata_chain_append(body, v) != 0) {
			fata_view_release(&v);
			fata_chain_release(body);
			return -1;
		}
	}
	return 0;
}

/* Responds to an open() failure. Missing paths and paths outside the root both get 404. */
static void send_open_error(struct fata_http_exchange *ex, const char *path, int err)
{
	if (err == EACCES || err == EPERM) {
		fata_http_exchange_send_text(ex, 403, "text/plain; charset=utf-8", "403 Forbidden\n");
		return;
	}
	if (err != ENOENT && err != ENOTDIR && err != EXDEV && err != ELOOP && err != ENAMETOOLONG)
		fata_log(FATA_LOG_WARN, "www", "cannot open %s: %s", path, strerror(err));
	www_send_not_found(ex);
}

static void send_file(struct fata_http_exchange *ex, const char *path, int fd,
		const struct stat *st)
{
	struct fata_chain body;
	char etag[64];
	int64_t mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;

	if ((uint64_t)st->st_size > MAX_FILE_BYTES) {
		/* NOTE: files over 8 GiB would need the streaming writer; they are refused. */
		fata_log(FATA_LOG_WARN, "www", "%s is larger than %llu bytes; not served", path,
				(unsigned long long)MAX_FILE_BYTES);
		fata_http_exchange_send_text(ex, 500, "text/plain; charset=utf-8",
				"500 Internal Server Error\n");
		return;
	}
	if (map_file(fd, (uint64_t)st->st_size, &body) != 0) {
		fata_log(FATA_LOG_WARN, "www", "cannot map %s: %s", path, strerror(errno));
		fata_http_exchange_send_text(ex, 500, "text/plain; charset=utf-8",
				"500 Internal Server Error\n");
		return;
	}

	/* A strong tag from inode, size and modification time, which change with the content. */
	snprintf(etag, sizeof(etag), "\"%llx-%llx-%llx\"", (unsigned long long)st->st_ino,
			(unsigned long long)st->st_size, (unsigned long long)mtime_ns);
	fata_http_exchange_add_header(ex, "Content-Type", www_content_type(path));
	fata_http_exchange_set_validators(ex, etag, st->st_mtim.tv_sec, 1);
	fata_http_exchange_send_chain(ex, 200, &body);
}

void www_serve_file(struct www_site *site, struct fata_http_exchange *ex, const char *path,
		int trailing_slash)
{
	char rel[WWW_PATH_MAX + 16];
	struct stat st;
	int fd;

	snprintf(rel, sizeof(rel), "%s", path[1] ? path + 1 : ".");
	fd = open_beneath(site, rel);
	if (fd < 0) {
		send_open_error(ex, path, errno);
		return;
	}
	if (fstat(fd, &st) != 0) {
		send_open_error(ex, path, errno);
		close(fd);
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		if (!trailing_slash && path[1] != '\0') {
			www_redirect_to_directory(ex, path);
			return;
		}
		snprintf(rel, sizeof(rel), "%s%sindex.html", path[1] ? path + 1 : "", path[1] ? "/" : "");
		fd = open_beneath(site, rel);
		if (fd < 0 || fstat(fd, &st) != 0) {
			if (fd >= 0)
				close(fd);
			www_send_not_found(ex);
			return;
		}
		path = "/index.html";
	}

	/* Devices, pipes and sockets are not content. */
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		www_send_not_found(ex);
		return;
	}
	send_file(ex, path, fd, &st);
	close(fd);
}

void www_site_close(struct www_site *site)
{
	if (site->root_fd >= 0)
		close(site->root_fd);
	free((void *)site->root_path);
	if (site->bundled_views != NULL) {
		for (size_t i = 0; i < www_bundled_count; i++)
			fata_view_release(&site->bundled_views[i]);
	}
	free(site->bundled_views);
	free(site->bundled_etags);
	memset(site, 0, sizeof(*site));
	site->root_fd = -1;
}
