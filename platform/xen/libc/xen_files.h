/*
 * The files compiled into a Xen image (meson option xen_files): each under
 * "/" and its base name. platform/tools/embed.c writes the table for every
 * image, and the C library stubs serve it to open(), read() and fstat().
 */
#ifndef FATA_XEN_FILES_H
#define FATA_XEN_FILES_H

#include <stddef.h>

/* One embedded file. */
struct fata_xen_embedded_file {
	const char *path;          /* "/cert.pem" */
	const unsigned char *data;
	size_t len;
};

extern const struct fata_xen_embedded_file fata_xen_embedded_files[];
extern const size_t fata_xen_embedded_count;

#endif
