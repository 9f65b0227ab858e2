/*
 * fata-dns: an authoritative DNS server with dynamic UPDATE, TSIG, zone
 * transfers and NOTIFY, built on libfata-dns. See docs/dns.md.
 *
 *     fata-dns [options] [ZONE=]ZONEFILE...
 *
 * A ZONEFILE without "ZONE=" takes its origin from its first $ORIGIN line
 * or from the owner of its SOA record. $INCLUDE reads other files, a
 * relative path from the directory of the file that includes it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fata/dns.h>
#include <fata/dns_server.h>
#include <fata/dns_tsig.h>
#include <fata/dns_zone.h>
#include <fata/error.h>
#include <fata/log.h>
#include <fata/loop.h>

#include "app.h"
#include "dns_app.h"

/* Zone and key files larger than this are rejected, to bound memory. */
#define DNS_APP_FILE_MAX (256u * 1024 * 1024)

/* Maps the errno of a failed open or read to the closest error of fata/error.h. */
static int file_error(int err)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
		return FATA_ENOENT;
	case EACCES:
	case EPERM:
		return FATA_EPERM;
	case ENOMEM:
		return FATA_ENOMEM;
	default:
		return FATA_EIO;
	}
}

/*
 * Reads a whole file into a new buffer that the caller frees. Returns 0,
 * or a negative error with a reason that names the path in `why`.
 */
static int read_file(const char *path, char **data, size_t *len, char *why, size_t why_size)
{
	struct stat st;
	char *buf;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int err;

	if (fd < 0 || fstat(fd, &st) < 0) {
		err = errno;
		snprintf(why, why_size, "cannot open %s: %s", path, strerror(err));
		if (fd >= 0)
			close(fd);
		return file_error(err);
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > DNS_APP_FILE_MAX) {
		snprintf(why, why_size, "%s is not a regular file of at most %u bytes", path,
				DNS_APP_FILE_MAX);
		close(fd);
		return FATA_EINVAL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		snprintf(why, why_size, "cannot read %s: out of memory", path);
		close(fd);
		return FATA_ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? errno : 0;
			snprintf(why, why_size, "cannot read %s: %s", path,
					n < 0 ? strerror(err) : "file shrank while reading");
			free(buf);
			close(fd);
			return n < 0 ? file_error(err) : FATA_EIO;
		}
		got += (size_t)n;
	}
	close(fd);
	*data = buf;
	*len = got;
	return 0;
}

/* Reads a key or zone file named on the command line. Returns 0 or -1 with the error logged. */
static int read_top_file(const char *path, char **data, size_t *len)
{
	char why[512];

	if (read_file(path, data, len, why, sizeof why) < 0) {
		fata_log(FATA_LOG_ERROR, "fata-dns", "%s", why);
		return -1;
	}
	return 0;
}

/*
 * The $INCLUDE loader: a relative `name` is read from the directory of
 * `parent`, the including file's path, and an absolute one as it is. The
 * path it read is the display name, so errors and nested includes use it.
 */
static int load_include(void *arg, const char *name, const char *parent,
		struct fata_dns_zone_include *out, char *why, size_t why_size)
{
	const char *slash = strrchr(parent, '/');
	size_t dir_len = name[0] != '/' && slash ? (size_t)(slash - parent) + 1 : 0;
	size_t name_len = strlen(name);
	char *path = malloc(dir_len + name_len + 1);
	char *text;
	size_t len;
	int rc;

	(void)arg;
	if (!path) {
		snprintf(why, why_size, "out of memory");
		return FATA_ENOMEM;
	}
	memcpy(path, parent, dir_len);
	memcpy(path + dir_len, name, name_len + 1);

	rc = read_file(path, &text, &len, why, why_size);
	if (rc < 0) {
		free(path);
		return rc;
	}
	out->text = text;
	out->len = len;
	out->name = path;
	out->handle = text;
	return 0;
}

static void release_include(void *arg, const struct fata_dns_zone_include *file)
{
	(void)arg;
	free(file->handle);
	free((char *)file->name);
}

static void log_parse_error(const struct fata_dns_zone_error *err)
{
	if (err->line)
		fata_log(FATA_LOG_ERROR, "fata-dns", "%s:%u: %s", err->file, err->line, err->reason);
	else
		fata_log(FATA_LOG_ERROR, "fata-dns", "%s: %s", err->file, err->reason);
}

static int add_key(void *arg, const struct fata_dns_tsig_key *key, const char **why)
{
	int err = fata_dns_server_add_key(arg, key);

	if (err == FATA_EEXIST)
		*why = "a key with this name is defined twice";
	return err;
}

static int load_keys(struct fata_dns_server *srv, const char *path)
{
	struct fata_dns_zone_error err;
	char *text;
	size_t len;
	int rc;

	if (read_top_file(path, &text, &len) < 0)
		return -1;
	rc = fata_dns_keyfile_parse(text, len, path, add_key, srv, &err);
	free(text);
	if (rc < 0) {
		log_parse_error(&err);
		return -1;
	}
	return 0;
}

/* Stops at the first SOA and keeps its owner, to learn a zone file's origin. */
static int capture_soa_owner(void *arg, const struct fata_dns_rr *rr, const char **why)
{
	(void)why;
	if (rr->type != FATA_DNS_TYPE_SOA)
		return 0;
	*(struct fata_dns_name *)arg = rr->owner;
	return FATA_EEXIST;
}

static int load_zone(struct fata_dns_server *srv, const char *arg)
{
	const char *eq = strchr(arg, '=');
	const char *path = eq ? eq + 1 : arg;
	struct fata_dns_zone_options opt = {
		.file = path,
		.include = load_include,
		.include_release = release_include,
	};
	struct fata_dns_zone_error err;
	struct fata_dns_zone *zone;
	struct fata_dns_name origin;
	char *text;
	size_t len;
	int rc;

	if (read_top_file(path, &text, &len) < 0)
		return -1;

	if (eq) {
		struct fata_dns_name root;

		fata_dns_name_root(&root);
		rc = fata_dns_name_parse(arg, (size_t)(eq - arg), &root, &origin);
		if (rc < 0) {
			fata_log(FATA_LOG_ERROR, "fata-dns", "invalid zone name in '%s'", arg);
			free(text);
			return -1;
		}
	} else {
		fata_dns_name_root(&origin);
		rc = fata_dns_zone_parse(text, len, &opt, capture_soa_owner, &origin, &err);
		if (rc != FATA_EEXIST) {
			if (rc < 0)
				log_parse_error(&err);
			else
				fata_log(FATA_LOG_ERROR, "fata-dns", "%s has no SOA record", path);
			fata_log(FATA_LOG_ERROR, "fata-dns",
					"cannot tell the origin of %s: start it with $ORIGIN or give ZONE=%s",
					path, path);
			free(text);
			return -1;
		}
	}

	opt.origin = &origin;
	rc = fata_dns_zone_load(text, len, &opt, &zone, &err);
	free(text);
	if (rc < 0) {
		log_parse_error(&err);
		return -1;
	}
	rc = fata_dns_server_add_zone(srv, zone);
	if (rc < 0) {
		fata_log(FATA_LOG_ERROR, "fata-dns", "%s: cannot serve the zone: %s", path,
				rc == FATA_EEXIST ? "another zone file has the same origin" : fata_strerror(rc));
		fata_dns_zone_unref(zone);
		return -1;
	}

	char name[FATA_DNS_NAME_TEXT_MAX];

	fata_dns_name_format(&origin, name, sizeof name);
	fata_log(FATA_LOG_INFO, "fata-dns", "loaded zone %s from %s: serial %u, %zu records", name,
			path, (unsigned)fata_dns_zone_serial(zone), fata_dns_zone_record_count(zone));
	fata_dns_zone_unref(zone);
	return 0;
}

static const struct fata_dns_name *peer_key(const struct dns_app_peer *peer)
{
	return peer->has_key ? &peer->key : NULL;
}

/* Applies --notify, --allow-transfer and --secondary. */
static int add_peers(struct fata_dns_server *srv, const struct dns_app_config *cfg)
{
	const struct fata_dns_name *key;
	int rc;

	for (unsigned i = 0; i < cfg->nsecondary; i++) {
		key = peer_key(&cfg->secondary[i]);
		rc = fata_dns_server_add_secondary(srv, &cfg->secondary[i].zone, &cfg->secondary[i].addr,
				key);
		if (rc < 0)
			goto failed;
	}
	for (unsigned i = 0; i < cfg->ntransfer; i++) {
		key = peer_key(&cfg->transfer[i]);
		rc = fata_dns_server_allow_transfer(srv,
				cfg->transfer[i].any_addr ? NULL : &cfg->transfer[i].addr.ip, key);
		if (rc < 0)
			goto failed;
	}
	for (unsigned i = 0; i < cfg->nnotify; i++) {
		key = peer_key(&cfg->notify[i]);
		rc = fata_dns_server_add_notify(srv, &cfg->notify[i].addr, key);
		if (rc < 0)
			goto failed;
	}
	return 0;

failed:
	fata_log(FATA_LOG_ERROR, "fata-dns", "invalid --secondary, --allow-transfer or --notify: %s",
			rc == FATA_ENOENT ? "the key is not in the --tsig-keys file"
			: rc == FATA_EEXIST ? "the zone is served twice" : fata_strerror(rc));
	return -1;
}

static int serve(struct fata_app *app, const struct dns_app_config *cfg, char **zones, int nzones)
{
	struct fata_dns_server_config config = { .tcp_idle_ns = cfg->tcp_idle_s * 1000000000ull };
	struct fata_sockaddr local = { .ip = cfg->listen, .port = cfg->port };
	struct fata_dns_server *srv;
	struct fata_promise *stop;
	char where[FATA_SOCKADDR_STRLEN];
	union fata_value signal;
	int rc = -1, status;

	if (fata_dns_server_new(app->loop, &config, &srv) < 0)
		return -1;
	if (cfg->keys_path && load_keys(srv, cfg->keys_path) < 0)
		goto out;
	for (int i = 0; i < nzones; i++) {
		if (load_zone(srv, zones[i]) < 0)
			goto out;
	}
	if (add_peers(srv, cfg) < 0)
		goto out;

	fata_sockaddr_format(&local, where, sizeof where);
	status = fata_dns_server_start(srv, app->stack, &local);
	if (status < 0) {
		fata_log(FATA_LOG_ERROR, "fata-dns", "cannot serve on %s: %s", where,
				fata_strerror(status));
		goto out;
	}
	fata_log(FATA_LOG_INFO, "fata-dns", "serving on %s over UDP and TCP (%s stack)", where,
			app->stack->name);

	stop = fata_app_stop_signal(app);
	if (!stop || fata_loop_run_until(app->loop, stop, &status, &signal) < 0) {
		fata_log(FATA_LOG_ERROR, "fata-dns", "event loop failed");
		goto out;
	}
	fata_log(FATA_LOG_INFO, "fata-dns", "stopping on signal %llu",
			(unsigned long long)signal.u64);
	rc = 0;

out:
	fata_dns_server_free(srv);
	return rc;
}

int main(int argc, char **argv)
{
	struct dns_app_config cfg;
	struct fata_app_info info = {
		.name = "fata-dns",
		.usage_args = "[ZONE=]ZONEFILE...",
		.summary = "Serve DNS zones authoritatively, with UPDATE, TSIG, AXFR and NOTIFY. "
			"A ZONEFILE may read other files with $INCLUDE: a relative path is read "
			"from the directory of the file that includes it.",
		.options = dns_app_options,
		.option_count = dns_app_option_count,
		.ctx = &cfg,
		.min_args = 0,
		.max_args = 1024,
	};
	struct fata_app_options options;
	struct fata_app app;
	int rc;

	dns_app_config_init(&cfg);
	fata_app_parse(argc, argv, &info, &options);
	if (argc - options.first_arg == 0 && cfg.nsecondary == 0) {
		fprintf(stderr, "fata-dns: give at least one ZONEFILE or --secondary\n");
		return FATA_APP_EXIT_USAGE;
	}
	if (fata_app_start(&app, "fata-dns", &options) < 0)
		return 1;
	rc = serve(&app, &cfg, argv + options.first_arg, argc - options.first_arg);
	fata_app_finish(&app);
	return rc < 0 ? 1 : 0;
}
