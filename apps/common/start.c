/*
 * Start-up and shutdown of a fata-<app> program: logging, tracing, the
 * loop and the stack.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <fata/counter.h>
#include <fata/error.h>
#include <fata/posix.h>
#include <fata/trace.h>

#include "app_internal.h"

/*
 * Events the trace ring keeps (40 bytes each, so about 10 MiB); older
 * events are overwritten and counted as lost.
 */
#define APP_TRACE_EVENTS (256u * 1024u)

static int start_stack(struct fata_app *app, const struct fata_app_options *options)
{
	if (options->net == FATA_APP_NET_TAP)
		return app_start_tap(app, options);

	int rc = fata_socket_stack_new(app->loop, &app->stack);
	if (rc < 0) {
		fata_log(FATA_LOG_ERROR, "app", "cannot create the socket stack: %s",
				fata_strerror(rc));
		return rc;
	}

	fata_log(FATA_LOG_INFO, "app", "%s running on the host's sockets (--net socket)",
			app->name);
	return 0;
}

int fata_app_start(struct fata_app *app, const char *name, const struct fata_app_options *options)
{
	memset(app, 0, sizeof(*app));
	app->name = name;
	app->options = options;

	fata_log_set_handler(fata_app_log_stderr, NULL);
	fata_log_set_level(options->log_level);

	if (options->trace_path) {
		int rc = fata_trace_enable(APP_TRACE_EVENTS);
		if (rc < 0) {
			fata_log(FATA_LOG_ERROR, "app", "cannot start tracing for %s: %s",
					options->trace_path, fata_strerror(rc));
			return rc;
		}
	}

	app->loop = fata_loop_new();
	if (app->loop == NULL) {
		fata_log(FATA_LOG_ERROR, "app", "cannot create the event loop (out of memory, "
				"or epoll_create1 failed)");
		fata_trace_disable();
		return FATA_ENOMEM;
	}

	int rc = start_stack(app, options);
	if (rc < 0) {
		fata_loop_free(app->loop);
		app->loop = NULL;
		fata_trace_disable();
		return rc;
	}
	return 0;
}

struct fata_promise *fata_app_stop_signal(struct fata_app *app)
{
	return fata_posix_signal_promise(app->loop);
}

static void print_counter(void *arg, const char *group, const char *name, uint64_t value)
{
	(void)arg;
	fprintf(stderr, "%s.%s %" PRIu64 "\n", group, name, value);
}

static void save_trace(const struct fata_app *app)
{
	size_t recorded = 0;
	uint64_t lost = 0;

	fata_trace_counts(&recorded, &lost);

	int rc = fata_trace_save(app->options->trace_path);
	if (rc < 0)
		fata_log(FATA_LOG_ERROR, "app", "cannot write trace file %s: %s",
				app->options->trace_path, fata_strerror(rc));
	else
		fata_log(FATA_LOG_INFO, "app", "wrote %zu trace events to %s (%" PRIu64
				" older events lost)", recorded, app->options->trace_path, lost);
}

void fata_app_finish(struct fata_app *app)
{
	if (app->loop == NULL)
		return;

	/* The counters live in the stack, so print them before destroying it. */
	if (app->options->stats)
		fata_counters_foreach(print_counter, NULL);

	if (app->netif && app->options->pcap_path)
		fata_pcap_stop(app->netif);

	fata_stack_destroy(app->stack);
	app->stack = NULL;
	app->netif = NULL;

	fata_loop_free(app->loop);
	app->loop = NULL;

	/* Saved last, so the trace also shows the promises that closing settled. */
	if (app->options->trace_path) {
		save_trace(app);
		fata_trace_disable();
	}
}
