/* Saving the promise trace to a file; see fata_trace_save() in fata/posix.h. */
#include <stdio.h>

#include <fata/error.h>
#include <fata/log.h>
#include <fata/posix.h>
#include <fata/trace.h>

static int trace_file_write(void *ctx, const char *data, size_t len)
{
	FILE *file = ctx;

	return fwrite(data, 1, len, file) == len ? FATA_OK : FATA_EIO;
}

int fata_trace_save(const char *path)
{
	FILE *file;
	int err;

	if (!path)
		return FATA_EINVAL;
	file = fopen(path, "we");
	if (!file) {
		fata_log(FATA_LOG_ERROR, "trace", "cannot create %s", path);
		return FATA_EIO;
	}

	err = fata_trace_write_json(trace_file_write, file);
	if (fclose(file) != 0 && err == FATA_OK)
		err = FATA_EIO;
	if (err)
		fata_log(FATA_LOG_ERROR, "trace", "writing %s failed: %s", path, fata_strerror(err));
	return err;
}
