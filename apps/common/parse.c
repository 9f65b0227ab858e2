/*
 * The command-line parser: walks argv once, hands each option's value to
 * its setter, and moves the positional arguments behind the options so
 * they end up in argv[first_arg .. argc) in their original order.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_internal.h"

/* Room for one escaped value in an error line; longer values are cut. */
#define APP_ESCAPED_MAX 256

/* The parser's state while it walks argv. */
struct parser {
	int argc;
	char **argv;
	const struct fata_app_info *info;
	struct fata_app_options *out;
	/* Bit (1 << id) for every shared option seen. */
	unsigned seen_options;
};

/* An option found by name: a shared one (program == NULL) or the program's. */
struct found_option {
	enum app_shared_id shared_id;
	const struct fata_app_option *program;
	const char *name;
	const char *arg;
};

void app_usage_error(const char *prog, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(FATA_APP_EXIT_USAGE);
}

const char *app_escape(const char *text, char *buf, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	if (size < 8) {
		if (size > 0)
			buf[0] = '\0';
		return buf;
	}

	for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
		/* Keep room for the longest escape, "..." and the NUL. */
		if (n + 4 + 3 + 1 > size) {
			memcpy(buf + n, "...", 3);
			n += 3;
			break;
		}

		if (*c == '"' || *c == '\\') {
			buf[n++] = '\\';
			buf[n++] = (char)*c;
		} else if (*c < ' ' || *c >= 0x7f) {
			buf[n++] = '\\';
			buf[n++] = 'x';
			buf[n++] = hex[*c >> 4];
			buf[n++] = hex[*c & 0xf];
		} else {
			buf[n++] = (char)*c;
		}
	}
	buf[n] = '\0';
	return buf;
}

int fata_app_parse_uint(const char *text, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t value = 0;

	if (text == NULL || text[0] == '\0')
		return -1;

	for (const char *c = text; *c; c++) {
		if (*c < '0' || *c > '9')
			return -1;

		unsigned digit = (unsigned)(*c - '0');
		if (value > (UINT64_MAX - digit) / 10)
			return -1;
		value = value * 10 + digit;
	}

	if (value < min || value > max)
		return -1;
	*out = value;
	return 0;
}

/* Exits with 70 when a program option is unusable or repeats a shared name. */
static void check_program_options(const struct fata_app_info *info)
{
	for (unsigned i = 0; i < info->option_count; i++) {
		const struct fata_app_option *o = &info->options[i];

		if (o->name == NULL || o->name[0] == '\0' || strchr(o->name, '=') || o->set == NULL) {
			fprintf(stderr, "%s: option table error: entry %u has no name, a '=' "
					"in its name, or no set function\n", info->name, i);
			exit(APP_EXIT_SOFTWARE);
		}

		for (unsigned s = 0; s < APP_OPT_COUNT; s++) {
			if (strcmp(o->name, app_shared_options[s].name) == 0) {
				fprintf(stderr, "%s: option table error: --%s is also a shared "
						"option\n", info->name, o->name);
				exit(APP_EXIT_SOFTWARE);
			}
		}

		for (unsigned j = 0; j < i; j++) {
			if (strcmp(o->name, info->options[j].name) == 0) {
				fprintf(stderr, "%s: option table error: --%s is defined twice\n",
						info->name, o->name);
				exit(APP_EXIT_SOFTWARE);
			}
		}
	}
}

static int name_matches(const char *candidate, const char *name, size_t len)
{
	return strlen(candidate) == len && strncmp(candidate, name, len) == 0;
}

/* Finds the option `name` of `len` bytes; returns 0 when there is none. */
static int find_option(const struct fata_app_info *info, const char *name, size_t len,
		struct found_option *found)
{
	for (unsigned i = 0; i < info->option_count; i++) {
		const struct fata_app_option *o = &info->options[i];

		if (name_matches(o->name, name, len)) {
			*found = (struct found_option){ APP_OPT_COUNT, o, o->name, o->arg };
			return 1;
		}
	}

	for (unsigned s = 0; s < APP_OPT_COUNT; s++) {
		const struct app_shared_option *o = &app_shared_options[s];

		if (name_matches(o->name, name, len)) {
			*found = (struct found_option){ (enum app_shared_id)s, NULL, o->name, o->arg };
			return 1;
		}
	}
	return 0;
}

/* The error text for a value the option rejected or a value that is missing. */
static const char *expected_text(const struct found_option *o, const char *shared_reason,
		char *buf, size_t size)
{
	if (shared_reason)
		return shared_reason;
	if (o->program && o->program->help && o->program->help[0]) {
		snprintf(buf, size, "expected %s: %s", o->arg ? o->arg : "no value",
				o->program->help);
		return buf;
	}
	snprintf(buf, size, "expected %s", o->arg ? o->arg : "no value");
	return buf;
}

static void invalid_value(const struct parser *p, const struct found_option *o,
		const char *value, const char *shared_reason)
{
	char escaped[APP_ESCAPED_MAX];
	char expected[APP_ESCAPED_MAX];

	app_usage_error(p->info->name, "invalid value for --%s: \"%s\" (%s)", o->name,
			app_escape(value, escaped, sizeof(escaped)),
			expected_text(o, shared_reason, expected, sizeof(expected)));
}

/* Stores `value` through the option's setter or exits with the error line. */
static void apply_option(struct parser *p, const struct found_option *o, const char *value)
{
	if (o->program) {
		if (o->program->set(p->info->ctx, value) < 0) {
			if (value == NULL)
				app_usage_error(p->info->name, "option --%s is not allowed here",
						o->name);
			invalid_value(p, o, value, NULL);
		}
		return;
	}

	const char *reason = app_shared_options[o->shared_id].set(p->out, value);
	if (reason)
		invalid_value(p, o, value ? value : "", reason);
	p->seen_options |= 1u << o->shared_id;
}

/*
 * Handles the option at argv[i], which starts with '-'. Returns how many
 * argv entries it used: 1, or 2 when the value was the next argument.
 */
static int handle_option(struct parser *p, int i)
{
	const char *arg = p->argv[i];
	char escaped[APP_ESCAPED_MAX];
	struct found_option o;

	if (strcmp(arg, "-h") == 0)
		arg = "--help";
	if (arg[1] != '-')
		app_usage_error(p->info->name, "unknown option %s (run %s --help for the options)",
				app_escape(arg, escaped, sizeof(escaped)), p->info->name);

	const char *name = arg + 2;
	const char *equals = strchr(name, '=');
	size_t name_len = equals ? (size_t)(equals - name) : strlen(name);

	if (!find_option(p->info, name, name_len, &o)) {
		char option[APP_ESCAPED_MAX];

		snprintf(option, sizeof(option), "%.*s", (int)(name_len + 2), arg);
		app_usage_error(p->info->name, "unknown option %s (run %s --help for the options)",
				app_escape(option, escaped, sizeof(escaped)), p->info->name);
	}

	/* A flag takes no value; "--dhcp=yes" is an error, not a silent yes. */
	if (o.arg == NULL) {
		if (equals)
			invalid_value(p, &o, equals + 1, "the option takes no value");
		if (o.program == NULL && o.shared_id == APP_OPT_HELP) {
			app_print_help(p->info);
			exit(0);
		}
		apply_option(p, &o, NULL);
		return 1;
	}

	if (equals) {
		apply_option(p, &o, equals + 1);
		return 1;
	}

	if (i + 1 >= p->argc || strncmp(p->argv[i + 1], "--", 2) == 0) {
		char expected[APP_ESCAPED_MAX];

		app_usage_error(p->info->name, "missing value for --%s (%s)", o.name,
				expected_text(&o, NULL, expected, sizeof(expected)));
	}
	apply_option(p, &o, p->argv[i + 1]);
	return 2;
}

/*
 * Moves the `count` entries at argv[at] in front of the `before` entries
 * that precede them, keeping the order within both groups.
 */
static void move_in_front(char **argv, int at, int before, int count)
{
	for (int k = 0; k < count; k++) {
		char *moved = argv[at + k];

		memmove(&argv[at - before + k + 1], &argv[at - before + k],
				(size_t)before * sizeof(*argv));
		argv[at - before + k] = moved;
	}
}

static int is_option(const char *arg)
{
	return arg[0] == '-' && arg[1] != '\0';
}

static void check_positional_count(const struct parser *p, int count)
{
	const struct fata_app_info *info = p->info;
	const char *usage_args = info->usage_args ? info->usage_args : "";
	const char *space = usage_args[0] ? " " : "";
	char escaped[APP_ESCAPED_MAX];

	if ((unsigned)count < info->min_args)
		app_usage_error(info->name, "missing argument (usage: %s [OPTIONS]%s%s)",
				info->name, space, usage_args);

	if ((unsigned)count > info->max_args) {
		const char *extra = p->argv[p->argc - count + (int)info->max_args];

		app_usage_error(info->name, "unexpected argument \"%s\" (usage: %s [OPTIONS]%s%s)",
				app_escape(extra, escaped, sizeof(escaped)), info->name, space,
				usage_args);
	}
}

void fata_app_parse(int argc, char **argv, const struct fata_app_info *info,
		struct fata_app_options *out)
{
	struct parser p = { argc, argv, info, out, 0 };
	int positional = 0;

	app_options_init(out);
	check_program_options(info);

	/* Positional arguments collect in argv[i - positional .. i). */
	int i = 1;
	while (i < argc) {
		if (strcmp(argv[i], "--") == 0) {
			move_in_front(argv, i, positional, 1);
			positional += argc - i - 1;
			break;
		}

		if (!is_option(argv[i])) {
			positional++;
			i++;
			continue;
		}

		int used = handle_option(&p, i);
		move_in_front(argv, i, positional, used);
		i += used;
	}

	out->first_arg = argc - positional;
	check_positional_count(&p, positional);
	app_check_shared(info->name, out, p.seen_options);
}
