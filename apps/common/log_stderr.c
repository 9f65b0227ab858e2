/*
 * The standard-error log handler of the fata-<app> programs.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app.h"

/* A log message is at most 511 bytes (log.h); escapes may grow it fourfold. */
#define LOG_LINE_MAX 4096

/* Level names padded to one width, so the sources line up. */
static const char *const level_names[] = {
	[FATA_LOG_ERROR] = "error",
	[FATA_LOG_WARN] = "warn ",
	[FATA_LOG_INFO] = "info ",
	[FATA_LOG_DEBUG] = "debug",
	[FATA_LOG_TRACE] = "trace",
};

/* Appends `text`, control characters as \xNN; returns the new length. */
static size_t append_escaped(char *line, size_t len, size_t size, const char *text)
{
	static const char hex[] = "0123456789abcdef";

	for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
		if (len + 4 >= size)
			break;

		if (*c < ' ' || *c == 0x7f) {
			line[len++] = '\\';
			line[len++] = 'x';
			line[len++] = hex[*c >> 4];
			line[len++] = hex[*c & 0xf];
		} else {
			line[len++] = (char)*c;
		}
	}
	return len;
}

/* Writes "2024-05-01T12:00:00.123Z" (UTC); returns its length, 0 when the clock fails. */
static size_t format_timestamp(char *buf, size_t size)
{
	struct timespec now;
	struct tm tm;

	if (clock_gettime(CLOCK_REALTIME, &now) != 0 || gmtime_r(&now.tv_sec, &tm) == NULL)
		return 0;

	size_t len = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	if (len == 0)
		return 0;

	int more = snprintf(buf + len, size - len, ".%03ldZ", now.tv_nsec / 1000000L);
	if (more < 0 || (size_t)more >= size - len)
		return 0;
	return len + (size_t)more;
}

/* Writes the whole line with one write(2) where the kernel allows, retrying on EINTR. */
static void write_all(const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(STDERR_FILENO, data, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		data += n;
		len -= (size_t)n;
	}
}

void fata_app_log_stderr(void *arg, enum fata_log_level level, const char *source,
		const char *message)
{
	char line[LOG_LINE_MAX];
	size_t len;

	(void)arg;

	len = format_timestamp(line, sizeof(line));
	if (len == 0) {
		memcpy(line, "-", 1);
		len = 1;
	}

	const char *level_name = (unsigned)level < sizeof(level_names) / sizeof(level_names[0])
		? level_names[level] : "?    ";
	len += (size_t)snprintf(line + len, sizeof(line) - len, " %s ", level_name);

	len = append_escaped(line, len, sizeof(line) - 2, source ? source : "-");
	line[len++] = ':';
	line[len++] = ' ';
	len = append_escaped(line, len, sizeof(line) - 1, message ? message : "");
	line[len++] = '\n';

	write_all(line, len);
}
