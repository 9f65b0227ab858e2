/*
 * Runs a function in a child process with its standard output and error
 * captured, for testing code that prints and exits.
 */
#ifndef TEST_APPS_RUN_CHILD_H
#define TEST_APPS_RUN_CHILD_H

#include <stddef.h>

/* Bytes of output kept per stream; the tests' outputs are far shorter. */
#define CHILD_OUTPUT_MAX 65536

/* What the child did. */
struct child_result {
	/* The exit status, or -1 when the child was killed by a signal. */
	int exit_status;
	int signal;
	char out[CHILD_OUTPUT_MAX];
	size_t out_len;
	char err[CHILD_OUTPUT_MAX];
	size_t err_len;
};

/*
 * Forks, runs `fn(arg)` in the child with standard output and error going
 * to temporary files, and exits the child with fn's return value. Waits at
 * most `timeout_s` seconds, then kills it. The outputs are NUL-terminated.
 * Returns 0, or -1 when the child could not be run.
 */
int run_child(int (*fn)(void *arg), void *arg, unsigned timeout_s, struct child_result *result);

/* Returns the number of '\n' characters in `text`. */
size_t count_lines(const char *text);

#endif
