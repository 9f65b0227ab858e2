/*
 * Logging. Libraries never print: they format a message and hand it to the
 * handler the application installed. Without a handler, messages are
 * dropped. The handler and level are process-wide, because Fata is
 * single-threaded.
 */
#ifndef FATA_LOG_H
#define FATA_LOG_H

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Severity levels, most severe first. */
enum fata_log_level {
	FATA_LOG_ERROR = 0,
	FATA_LOG_WARN = 1,
	FATA_LOG_INFO = 2,
	FATA_LOG_DEBUG = 3,
	FATA_LOG_TRACE = 4,
};

/*
 * A log handler: `source` names the emitting module ("tcp", "http"),
 * `message` is one line without a newline. Both are valid during the call.
 */
typedef void (*fata_log_fn)(void *arg, enum fata_log_level level, const char *source,
		const char *message);

/* Installs `fn` (NULL drops messages). */
void fata_log_set_handler(fata_log_fn fn, void *arg);

/* Passes messages at `level` or more severe to the handler; default FATA_LOG_INFO. */
void fata_log_set_level(enum fata_log_level level);

/* Returns the current level. */
enum fata_log_level fata_log_get_level(void);

/* Returns 1 when a message at `level` would reach a handler. */
int fata_log_enabled(enum fata_log_level level);

/*
 * Formats `fmt` with fata_vsnprintf() (see fmt.h) and passes it on.
 * Messages longer than 511 bytes are cut.
 */
void fata_log(enum fata_log_level level, const char *source, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void fata_vlog(enum fata_log_level level, const char *source, const char *fmt, va_list ap);

/* Parses "error", "warn", "info", "debug" or "trace". Errors: FATA_EINVAL. */
int fata_log_level_parse(const char *text, enum fata_log_level *out);

/* Returns the lowercase name of `level`. */
const char *fata_log_level_name(enum fata_log_level level);

#ifdef __cplusplus
}
#endif

#endif
