/*
 * --net tap in a build without libtcpip: meson compiles this file instead
 * of start_tap.c when the libtcpip folder is absent.
 */
#include <fata/error.h>
#include <fata/log.h>

#include "app_internal.h"

int app_start_tap(struct fata_app *app, const struct fata_app_options *options)
{
	fata_log(FATA_LOG_ERROR, "app", "cannot use --net tap:%s: %s was built without "
			"libtcpip (use --net socket, or build with the libtcpip folder)",
			options->tap_name, app->name);
	return FATA_ENOTSUP;
}
