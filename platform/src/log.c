/* Logging through the application's handler; see fata/log.h. */
#include <stdarg.h>
#include <string.h>

#include <fata/error.h>
#include <fata/fmt.h>
#include <fata/log.h>

static fata_log_fn handler;
static void *handler_arg;
static enum fata_log_level max_level = FATA_LOG_INFO;

static const char *const level_names[] = { "error", "warn", "info", "debug", "trace" };

void fata_log_set_handler(fata_log_fn fn, void *arg)
{
	handler = fn;
	handler_arg = arg;
}

void fata_log_set_level(enum fata_log_level level)
{
	if (level > FATA_LOG_TRACE)
		level = FATA_LOG_TRACE;
	max_level = level;
}

enum fata_log_level fata_log_get_level(void)
{
	return max_level;
}

int fata_log_enabled(enum fata_log_level level)
{
	return handler != NULL && level <= max_level;
}

void fata_vlog(enum fata_log_level level, const char *source, const char *fmt, va_list ap)
{
	char line[512];

	if (!fata_log_enabled(level))
		return;
	fata_vsnprintf(line, sizeof line, fmt, ap);
	handler(handler_arg, level, source ? source : "", line);
}

void fata_log(enum fata_log_level level, const char *source, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fata_vlog(level, source, fmt, ap);
	va_end(ap);
}

int fata_log_level_parse(const char *text, enum fata_log_level *out)
{
	for (unsigned i = 0; i < sizeof level_names / sizeof level_names[0]; i++) {
		if (strcmp(text, level_names[i]) == 0) {
			*out = (enum fata_log_level)i;
			return FATA_OK;
		}
	}
	if (strcmp(text, "warning") == 0) {
		*out = FATA_LOG_WARN;
		return FATA_OK;
	}
	return FATA_EINVAL;
}

const char *fata_log_level_name(enum fata_log_level level)
{
	if ((unsigned)level >= sizeof level_names / sizeof level_names[0])
		return "unknown";
	return level_names[level];
}
