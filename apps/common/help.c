/*
 * The --help text, built from the program's option table and the shared
 * one, so it cannot drift from what the parser accepts.
 */
#include <stdio.h>
#include <string.h>

#include "app_internal.h"

/* Column where the help sentences start; longer option names get their own line. */
#define HELP_COLUMN 28
/* Help sentences wrap at word boundaries before this column. */
#define HELP_WIDTH 79

/*
 * Prints `text` from column `indent` on, wrapped at spaces to HELP_WIDTH;
 * a word longer than the room stays whole. `column` is where the cursor is.
 */
static void print_wrapped(const char *text, int indent, int column)
{
	int room = HELP_WIDTH - indent;

	printf("%*s", indent > column ? indent - column : 0, "");
	while (*text) {
		int len = (int)strlen(text);
		int cut = len;

		if (len > room) {
			cut = room;
			while (cut > 0 && text[cut] != ' ')
				cut--;
			if (cut == 0)
				cut = (int)(strchr(text, ' ') ? strchr(text, ' ') - text : len);
		}

		printf("%.*s\n", cut, text);
		text += cut;
		while (*text == ' ')
			text++;
		if (*text)
			printf("%*s", indent, "");
	}
}

static void print_option(const char *name, const char *arg, const char *help)
{
	int len;

	if (arg)
		len = printf("  --%s %s", name, arg);
	else
		len = printf("  --%s", name);

	if (help == NULL || help[0] == '\0') {
		printf("\n");
		return;
	}

	/* Two spaces at least between the option and its sentence. */
	if (len + 2 > HELP_COLUMN) {
		printf("\n");
		len = 0;
	}
	print_wrapped(help, HELP_COLUMN, len);
}

void app_print_help(const struct fata_app_info *info)
{
	const char *usage_args = info->usage_args ? info->usage_args : "";

	printf("Usage: %s [OPTIONS]%s%s\n", info->name, usage_args[0] ? " " : "", usage_args);
	if (info->summary)
		print_wrapped(info->summary, 0, 0);

	if (info->option_count > 0) {
		printf("\nOptions:\n");
		for (unsigned i = 0; i < info->option_count; i++) {
			const struct fata_app_option *o = &info->options[i];

			print_option(o->name, o->arg, o->help);
		}
	}

	printf("\nNetwork and diagnostic options:\n");
	for (unsigned s = 0; s < APP_OPT_COUNT; s++) {
		const struct app_shared_option *o = &app_shared_options[s];

		print_option(o->name, o->arg, o->help);
	}

	printf("\nA value may also follow '=', as in --ipv4=192.0.2.2/24. "
			"\"--\" ends the options.\n");
	fflush(stdout);
}
