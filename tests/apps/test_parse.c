/*
 * Tests of fata_app_parse(): every shared option with good and bad values,
 * program options, positional arguments, the checks between options, and
 * --help. A bad command line must print exactly one line on standard error
 * that names the option and the value, and exit with status 2.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fata/addr.h>

#include "app.h"
#include "run_child.h"

#define MAX_ARGS 16

/* The test program's own options. */
struct test_ctx {
	uint64_t port;
	int verbose;
	char mode[16];
};

static int set_port(void *ctx, const char *value)
{
	return fata_app_parse_uint(value, 1, 65535, &((struct test_ctx *)ctx)->port);
}

static int set_verbose(void *ctx, const char *value)
{
	(void)value;
	((struct test_ctx *)ctx)->verbose = 1;
	return 0;
}

static int set_mode(void *ctx, const char *value)
{
	struct test_ctx *c = ctx;

	if (strcmp(value, "fast") != 0 && strcmp(value, "slow") != 0)
		return -1;
	strcpy(c->mode, value);
	return 0;
}

static const struct fata_app_option test_options[] = {
	{ "port", "N", "a TCP port from 1 to 65535", set_port },
	{ "verbose", NULL, "log every step of the work to standard error, including the ones "
		"that only matter when you are debugging the parser itself", set_verbose },
	{ "mode", "MODE", "fast or slow", set_mode },
};

static struct test_ctx ctx;

static const struct fata_app_info test_info = {
	.name = "fata-test",
	.usage_args = "[A [B]]",
	.summary = "Tests the shared option parser, with a summary long enough to need a "
		"second line in the help text.",
	.options = test_options,
	.option_count = 3,
	.ctx = &ctx,
	.min_args = 0,
	.max_args = 2,
};

/* A program that needs exactly one positional argument. */
static const struct fata_app_info one_arg_info = {
	.name = "fata-one",
	.usage_args = "HOST",
	.summary = "Needs one argument.",
	.min_args = 1,
	.max_args = 1,
};

/* A command line for parse_in_child(). */
struct parse_call {
	const struct fata_app_info *info;
	const char *args[MAX_ARGS];
};

static int build_argv(const char *const *args, char **argv)
{
	int argc = 0;

	argv[argc++] = (char *)"fata-test";
	for (; args[argc - 1] && argc < MAX_ARGS; argc++)
		argv[argc] = (char *)args[argc - 1];
	argv[argc] = NULL;
	return argc;
}

/* Runs in the child: parse, and exit 99 when the parser returned. */
static int parse_child(void *arg)
{
	struct parse_call *call = arg;
	char *argv[MAX_ARGS + 2];
	struct fata_app_options options;
	int argc = build_argv(call->args, argv);

	fata_app_parse(argc, argv, call->info, &options);
	return 99;
}

static void parse_in_child(const struct fata_app_info *info, const char *const *args,
		struct child_result *r)
{
	struct parse_call call = { info, { NULL } };

	for (int i = 0; i < MAX_ARGS - 1 && args[i]; i++)
		call.args[i] = args[i];
	ck_assert_int_eq(run_child(parse_child, &call, 10, r), 0);
}

/* Parses in this process; the parser returns only on success. */
static void parse_here(const char *const *args, struct fata_app_options *options,
		char **argv, int *argc)
{
	memset(&ctx, 0, sizeof(ctx));
	*argc = build_argv(args, argv);
	fata_app_parse(*argc, argv, &test_info, options);
}

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* Expects exit 2 and one error line containing every string in `parts`. */
static void expect_usage_error(const struct fata_app_info *info, const char *const *args,
		const char *const *parts)
{
	struct child_result r;

	parse_in_child(info, args, &r);
	ck_assert_msg(r.exit_status == 2, "exit %d for %s, stderr: %s", r.exit_status, args[0],
			r.err);
	ck_assert_int_eq(count_lines(r.err), 1);
	ck_assert_uint_eq(r.out_len, 0);
	ck_assert_msg(strncmp(r.err, "fata-", 5) == 0, "no program name: %s", r.err);
	for (; *parts; parts++)
		ck_assert_msg(strstr(r.err, *parts) != NULL, "\"%s\" missing from: %s", *parts,
				r.err);
}

/* Escapes `text` as the error line shows a value: \" \\ and \xNN for control bytes. */
static const char *escape_value(const char *text, char *buf, size_t size)
{
	size_t n = 0;

	for (const unsigned char *c = (const unsigned char *)text; *c && n + 5 < size; c++) {
		if (*c == '"' || *c == '\\')
			n += (size_t)snprintf(buf + n, size - n, "\\%c", *c);
		else if (*c < 0x20 || *c >= 0x7f)
			n += (size_t)snprintf(buf + n, size - n, "\\x%02x", *c);
		else
			buf[n++] = (char)*c;
	}
	buf[n] = '\0';
	return buf;
}

static void expect_invalid(const char *option, const char *value, const char *const *more_args)
{
	const char *args[MAX_ARGS] = { option, value };
	char escaped[256];
	char quoted[512];
	int n = 2;

	for (; more_args && *more_args && n < MAX_ARGS - 1; more_args++)
		args[n++] = *more_args;
	args[n] = NULL;

	snprintf(quoted, sizeof(quoted), "invalid value for %s: \"%s\" (expected", option,
			escape_value(value, escaped, sizeof(escaped)));
	expect_usage_error(&test_info, args, ARGS(quoted));
}

START_TEST(defaults_without_options)
{
	struct fata_app_options o;
	char *argv[MAX_ARGS + 2];
	int argc;

	parse_here((const char *const[]){ NULL }, &o, argv, &argc);
	ck_assert_int_eq(o.net, FATA_APP_NET_SOCKET);
	ck_assert_str_eq(o.tap_name, "");
	ck_assert_int_eq(o.ipv4.family, FATA_AF_NONE);
	ck_assert_int_eq(o.ipv4_gateway.family, FATA_AF_NONE);
	ck_assert_int_eq(o.dhcp, 0);
	ck_assert_uint_eq(o.dhcp_timeout_s, FATA_APP_DHCP_TIMEOUT_DEFAULT);
	ck_assert_ptr_null(o.pcap_path);
	ck_assert_ptr_null(o.trace_path);
	ck_assert_int_eq(o.log_level, FATA_LOG_INFO);
	ck_assert_int_eq(o.stats, 0);
	ck_assert_int_eq(o.first_arg, 1);
}
END_TEST

START_TEST(net_tap_static_address)
{
	struct fata_app_options o;
	char *argv[MAX_ARGS + 2];
	int argc;
	struct fata_ipaddr want_ip = fata_ipv4(192, 0, 2, 2);
	struct fata_ipaddr want_gw = fata_ipv4(192, 0, 2, 1);

	parse_here(ARGS("--net", "tap:fc0", "--ipv4", "192.0.2.2/24", "--ipv4-gateway",
			"192.0.2.1"), &o, argv, &argc);
	ck_assert_int_eq(o.net, FATA_APP_NET_TAP);
	ck_assert_str_eq(o.tap_name, "fc0");
	ck_assert(fata_ipaddr_equal(&o.ipv4, &want_ip));
	ck_assert_uint_eq(o.ipv4_prefix_len, 24);
	ck_assert(fata_ipaddr_equal(&o.ipv4_gateway, &want_gw));
	ck_assert_int_eq(o.dhcp, 0);
	ck_assert_int_eq(o.first_arg, argc);
}
END_TEST

START_TEST(equals_form_of_values)
{
	struct fata_app_options o;
	char *argv[MAX_ARGS + 2];
	int argc;
	struct fata_ipaddr want_ip = fata_ipv4(203, 0, 113, 9);

	parse_here(ARGS("--net=tap:fc1", "--ipv4=203.0.113.9/28", "--pcap=a=b.pcap",
			"--log-level=debug", "--port=8080"), &o, argv, &argc);
	ck_assert_str_eq(o.tap_name, "fc1");
	ck_assert(fata_ipaddr_equal(&o.ipv4, &want_ip));
	ck_assert_uint_eq(o.ipv4_prefix_len, 28);
	ck_assert_str_eq(o.pcap_path, "a=b.pcap");
	ck_assert_int_eq(o.log_level, FATA_LOG_DEBUG);
	ck_assert_uint_eq(ctx.port, 8080);
}
END_TEST

START_TEST(net_socket_after_tap)
{
	struct fata_app_options o;
	char *argv[MAX_ARGS + 2];
	int argc;

	/* The last --net counts, and it clears the tap name. */
	parse_here(ARGS("--net", "tap:fc0", "--net", "socket"), &o, argv, &argc);
	ck_assert_int_eq(o.net, FATA_APP_NET_SOCKET);
	ck_assert_str_eq(o.tap_name, "");
}
END_TEST

START_TEST(interface_name_limits)
{
	struct fata_app_options o;
	char *argv[MAX_ARGS + 2];
	int argc;

	parse_here(ARGS("--net", "tap:abcdefghijklmno", "--dhcp"), &o, argv, &argc);
	ck_assert_str_eq(o.tap_name, "abcdefghijklmno");
	parse_here(ARGS("--net", "tap:a", "--dhcp"), &o, argv, &argc);
	ck_assert_str_eq(o.tap_name, "a");
	parse_here(ARGS("--net", "tap:fc-0.x_y", "--dhcp"), &o, argv, &argc);
	ck_assert_str_eq(o.tap_name, "fc-0.x_y");
}
END_TEST

START_TEST(dhcp_and_timeout)
{
	struct fata_app_options o;
	char *argv[MAX_ARGS + 2];
	int argc;

	parse_here(ARGS("--net", "tap:fc0", "--dhcp", "--dhcp-timeout", "5"), &o, argv, &argc);
	ck_assert_int_eq(o.dhcp, 1);
	ck_assert_uint_eq(o.dhcp_timeout_s, 5);
	ck_assert_int_eq(o.ipv4.family, FATA_AF_NONE);

	parse_here(ARGS("--net", "tap:fc0", "--dhcp", "--dhcp-timeout=3600"), &o, argv, &argc);
	ck_assert_uint_eq(o.dhcp_timeout_s, 3600);
	parse_here(ARGS("--net", "tap:fc0", "--dhcp", "--dhcp-timeout=1"), &o, argv, &argc);
	ck_assert_uint_eq(o.dhcp_timeout_s, 1);
}
END_TEST

START_TEST(prefixes_31_and_32)
{
	struct fata_app_options o;
	char *argv[MAX_ARGS + 2];
	int argc;
	struct fata_ipaddr even = fata_ipv4(192, 0, 2, 0);
	struct fata_ipaddr odd = fata_ipv4(192, 0, 2, 1);

	/* RFC 3021: both addresses of a /31 are hosts. */
	parse_here(ARGS("--net", "tap:fc0", "--ipv4", "192.0.2.0/31", "--ipv4-gateway",
			"192.0.2.1"), &o, argv, &argc);
	ck_assert(fata_ipaddr_equal(&o.ipv4, &even));
	ck_assert(fata_ipaddr_equal(&o.ipv4_gateway, &odd));
	ck_assert_uint_eq(o.ipv4_prefix_len, 31);

	parse_here(ARGS("--net", "tap:fc0", "--ipv4", "192.0.2.255/32"), &o, argv, &argc);
	ck_assert_uint_eq(o.ipv4_prefix_len, 32);

	parse_here(ARGS("--net", "tap:fc0", "--ipv4", "198.51.100.1/1"), &o, argv, &argc);
	ck_assert_uint_eq(o.ipv4_prefix_len, 1);
}
END_TEST

START_TEST(files_levels_and_stats)
{
	struct fata_app_options o;
	char *argv[MAX_ARGS + 2];
	int argc;
	static const char *const levels[] = { "error", "warn", "info", "debug", "trace" };

	parse_here(ARGS("--net", "tap:fc0", "--dhcp", "--pcap", "out.pcap", "--trace",
			"out.json", "--stats"), &o, argv, &argc);
	ck_assert_str_eq(o.pcap_path, "out.pcap");
	ck_assert_str_eq(o.trace_path, "out.json");
	ck_assert_int_eq(o.stats, 1);

	/* --trace works on the socket stack too. */
	parse_here(ARGS("--trace", "-"), &o, argv, &argc);
	ck_assert_str_eq(o.trace_path, "-");

	for (int i = 0; i < 5; i++) {
		parse_here(ARGS("--log-level", levels[i]), &o, argv, &argc);
		ck_assert_int_eq(o.log_level, (enum fata_log_level)i);
	}

	parse_here(ARGS("--log-level", "debug", "--log-level", "error"), &o, argv, &argc);
	ck_assert_int_eq(o.log_level, FATA_LOG_ERROR);
}
END_TEST

START_TEST(program_options)
{
	struct fata_app_options o;
	char *argv[MAX_ARGS + 2];
	int argc;

	parse_here(ARGS("--port", "65535", "--verbose", "--mode", "slow"), &o, argv, &argc);
	ck_assert_uint_eq(ctx.port, 65535);
	ck_assert_int_eq(ctx.verbose, 1);
	ck_assert_str_eq(ctx.mode, "slow");
	ck_assert_int_eq(o.first_arg, argc);
}
END_TEST

START_TEST(positional_mixed_with_options)
{
	struct fata_app_options o;
	char *argv[MAX_ARGS + 2];
	int argc;

	parse_here(ARGS("first", "--port", "80", "second", "--stats"), &o, argv, &argc);
	ck_assert_int_eq(argc, 6);
	ck_assert_int_eq(o.first_arg, 4);
	ck_assert_str_eq(argv[4], "first");
	ck_assert_str_eq(argv[5], "second");
	ck_assert_str_eq(argv[1], "--port");
	ck_assert_str_eq(argv[2], "80");
	ck_assert_str_eq(argv[3], "--stats");
	ck_assert_uint_eq(ctx.port, 80);
	ck_assert_int_eq(o.stats, 1);
}
END_TEST

START_TEST(double_dash_ends_options)
{
	struct fata_app_options o;
	char *argv[MAX_ARGS + 2];
	int argc;

	parse_here(ARGS("one", "--port", "7", "--", "--stats"), &o, argv, &argc);
	ck_assert_int_eq(o.stats, 0);
	ck_assert_uint_eq(ctx.port, 7);
	ck_assert_int_eq(argc - o.first_arg, 2);
	ck_assert_str_eq(argv[o.first_arg], "one");
	ck_assert_str_eq(argv[o.first_arg + 1], "--stats");
	ck_assert_str_eq(argv[o.first_arg - 1], "--");

	parse_here(ARGS("--"), &o, argv, &argc);
	ck_assert_int_eq(o.first_arg, argc);
}
END_TEST

START_TEST(single_dash_is_positional)
{
	struct fata_app_options o;
	char *argv[MAX_ARGS + 2];
	int argc;

	parse_here(ARGS("-"), &o, argv, &argc);
	ck_assert_int_eq(o.first_arg, 1);
	ck_assert_str_eq(argv[1], "-");
}
END_TEST

START_TEST(invalid_ipv4_exact_line)
{
	struct child_result r;

	parse_in_child(&test_info, ARGS("--net", "tap:fc0", "--ipv4", "300.1.1.1"), &r);
	ck_assert_int_eq(r.exit_status, 2);
	ck_assert_str_eq(r.err, "fata-test: invalid value for --ipv4: \"300.1.1.1\" "
			"(expected ADDR/PREFIX, e.g. 192.0.2.2/24)\n");
	ck_assert_uint_eq(r.out_len, 0);
}
END_TEST

static const char *const bad_net_values[] = {
	"bogus", "tap", "tap:", "TAP:fc0", "tap:abcdefghijklmnop", "tap:a/b", "tap:a b",
	"tap:a:b", "tap:.", "tap:..", "tap:\tx", "tap:x\n", "socket2", "", " socket",
};

START_TEST(invalid_net)
{
	expect_invalid("--net", bad_net_values[_i], NULL);
}
END_TEST

static const char *const bad_ipv4_values[] = {
	"300.1.1.1", "192.0.2.2", "192.0.2.2/33", "192.0.2.2/0", "192.0.2.2/-1",
	"192.0.2.2/24x", "192.0.2/24", "2001:db8::1/64", "224.0.0.1/24", "127.0.0.1/8",
	"0.0.0.0/24", "0.1.2.3/8", "192.0.2.0/24", "192.0.2.255/24", "255.255.255.255/32",
	"240.0.0.1/8", "", "/24", "192.0.2.2/", "192.0.2.2 /24",
};

START_TEST(invalid_ipv4)
{
	expect_invalid("--ipv4", bad_ipv4_values[_i], ARGS("--net", "tap:fc0"));
}
END_TEST

static const char *const bad_gateway_values[] = {
	"192.0.2.300", "192.0.2.1/24", "2001:db8::1", "224.0.0.1", "127.0.0.1", "0.0.0.0",
	"", "gateway",
};

START_TEST(invalid_gateway)
{
	expect_invalid("--ipv4-gateway", bad_gateway_values[_i],
			ARGS("--net", "tap:fc0", "--ipv4", "192.0.2.2/24"));
}
END_TEST

START_TEST(gateway_outside_prefix)
{
	expect_usage_error(&test_info, ARGS("--net", "tap:fc0", "--ipv4", "192.0.2.2/24",
			"--ipv4-gateway", "198.51.100.1"),
			ARGS("invalid value for --ipv4-gateway: \"198.51.100.1\"", "192.0.2.0/24"));
	expect_usage_error(&test_info, ARGS("--net", "tap:fc0", "--ipv4-gateway", "192.0.2.2",
			"--ipv4", "192.0.2.2/24"),
			ARGS("invalid value for --ipv4-gateway: \"192.0.2.2\"", "other than"));
	expect_usage_error(&test_info, ARGS("--net", "tap:fc0", "--ipv4", "192.0.2.2/24",
			"--ipv4-gateway", "192.0.2.0"),
			ARGS("invalid value for --ipv4-gateway: \"192.0.2.0\"", "host address"));
	expect_usage_error(&test_info, ARGS("--net", "tap:fc0", "--ipv4", "192.0.2.2/24",
			"--ipv4-gateway", "192.0.2.255"),
			ARGS("invalid value for --ipv4-gateway: \"192.0.2.255\"", "host address"));
}
END_TEST

static const char *const bad_timeout_values[] = {
	"0", "3601", "abc", "-1", "", "1.5", "+5", " 5", "0x10", "99999999999999999999999",
};

START_TEST(invalid_dhcp_timeout)
{
	expect_invalid("--dhcp-timeout", bad_timeout_values[_i],
			ARGS("--net", "tap:fc0", "--dhcp"));
}
END_TEST

START_TEST(invalid_files_and_level)
{
	expect_usage_error(&test_info, ARGS("--net", "tap:fc0", "--dhcp", "--pcap="),
			ARGS("invalid value for --pcap: \"\" (expected a file name)"));
	expect_usage_error(&test_info, ARGS("--trace="),
			ARGS("invalid value for --trace: \"\" (expected a file name)"));
	expect_invalid("--log-level", "loud", NULL);
	expect_invalid("--log-level", "", NULL);
	expect_invalid("--log-level", "3", NULL);
}
END_TEST

START_TEST(flags_reject_values)
{
	expect_usage_error(&test_info, ARGS("--net", "tap:fc0", "--dhcp=yes"),
			ARGS("invalid value for --dhcp: \"yes\" (the option takes no value)"));
	expect_usage_error(&test_info, ARGS("--stats=1"),
			ARGS("invalid value for --stats: \"1\" (the option takes no value)"));
	expect_usage_error(&test_info, ARGS("--help=me"),
			ARGS("invalid value for --help: \"me\" (the option takes no value)"));
	expect_usage_error(&test_info, ARGS("--verbose="),
			ARGS("invalid value for --verbose: \"\" (the option takes no value)"));
}
END_TEST

START_TEST(missing_values)
{
	expect_usage_error(&test_info, ARGS("--net", "tap:fc0", "--ipv4"),
			ARGS("missing value for --ipv4 (expected ADDR/PREFIX)"));
	expect_usage_error(&test_info, ARGS("--net"),
			ARGS("missing value for --net (expected tap:IFNAME|socket)"));
	expect_usage_error(&test_info, ARGS("--net", "tap:fc0", "--pcap", "--dhcp"),
			ARGS("missing value for --pcap (expected FILE)"));
	expect_usage_error(&test_info, ARGS("--port"),
			ARGS("missing value for --port (expected N: a TCP port from 1 to 65535)"));
	expect_usage_error(&test_info, ARGS("--mode"),
			ARGS("missing value for --mode (expected MODE: fast or slow)"));
	expect_usage_error(&test_info, ARGS("--log-level", "--stats"),
			ARGS("missing value for --log-level (expected LEVEL)"));
}
END_TEST

START_TEST(invalid_program_values)
{
	expect_usage_error(&test_info, ARGS("--port", "0"),
			ARGS("invalid value for --port: \"0\" (expected N: a TCP port from 1 to 65535)"));
	expect_usage_error(&test_info, ARGS("--port=65536"),
			ARGS("invalid value for --port: \"65536\" (expected N: a TCP port from 1 to 65535)"));
	expect_usage_error(&test_info, ARGS("--mode", "medium"),
			ARGS("invalid value for --mode: \"medium\" (expected MODE: fast or slow)"));
}
END_TEST

START_TEST(unknown_options)
{
	expect_usage_error(&test_info, ARGS("--bogus"),
			ARGS("unknown option --bogus", "fata-test --help"));
	expect_usage_error(&test_info, ARGS("--bogus=1"), ARGS("unknown option --bogus "));
	expect_usage_error(&test_info, ARGS("-x"), ARGS("unknown option -x"));
	expect_usage_error(&test_info, ARGS("---net", "socket"), ARGS("unknown option ---net"));
	expect_usage_error(&test_info, ARGS("--NET", "socket"), ARGS("unknown option --NET"));
	expect_usage_error(&test_info, ARGS("--ne", "socket"), ARGS("unknown option --ne"));
	expect_usage_error(&test_info, ARGS("--net-"), ARGS("unknown option --net-"));
}
END_TEST

START_TEST(tap_only_options_need_tap)
{
	expect_usage_error(&test_info, ARGS("--ipv4", "192.0.2.2/24"),
			ARGS("option --ipv4 needs --net tap:IFNAME"));
	expect_usage_error(&test_info, ARGS("--ipv4-gateway", "192.0.2.1"),
			ARGS("option --ipv4-gateway needs --net tap:IFNAME"));
	expect_usage_error(&test_info, ARGS("--dhcp"), ARGS("option --dhcp needs --net tap:IFNAME"));
	expect_usage_error(&test_info, ARGS("--dhcp-timeout", "5"),
			ARGS("option --dhcp-timeout needs --net tap:IFNAME"));
	expect_usage_error(&test_info, ARGS("--pcap", "x.pcap"),
			ARGS("option --pcap needs --net tap:IFNAME"));
	expect_usage_error(&test_info, ARGS("--net", "tap:fc0", "--ipv4", "192.0.2.2/24",
			"--net", "socket"), ARGS("option --ipv4 needs --net tap:IFNAME"));
}
END_TEST

START_TEST(tap_needs_one_address_source)
{
	expect_usage_error(&test_info, ARGS("--net", "tap:fc0"),
			ARGS("missing option --ipv4 ADDR/PREFIX or --dhcp for --net tap:fc0"));
	expect_usage_error(&test_info, ARGS("--net", "tap:fc0", "--ipv4", "192.0.2.2/24",
			"--dhcp"), ARGS("options --ipv4 and --dhcp exclude each other"));
	expect_usage_error(&test_info, ARGS("--net", "tap:fc0", "--dhcp", "--ipv4-gateway",
			"192.0.2.1"), ARGS("option --ipv4-gateway needs --ipv4"));
	expect_usage_error(&test_info, ARGS("--net", "tap:fc0", "--ipv4", "192.0.2.2/24",
			"--dhcp-timeout", "5"), ARGS("option --dhcp-timeout needs --dhcp"));
}
END_TEST

START_TEST(positional_counts)
{
	expect_usage_error(&test_info, ARGS("a", "b", "c"),
			ARGS("unexpected argument \"c\"", "usage: fata-test [OPTIONS] [A [B]]"));
	expect_usage_error(&one_arg_info, ARGS("--stats"),
			ARGS("fata-one: missing argument", "usage: fata-one [OPTIONS] HOST"));
	expect_usage_error(&one_arg_info, ARGS("h1", "--", "h2"),
			ARGS("fata-one: unexpected argument \"h2\""));
}
END_TEST

START_TEST(control_characters_escaped)
{
	expect_usage_error(&test_info, ARGS("--net", "tap:a\nb\x1b"),
			ARGS("\"tap:a\\x0ab\\x1b\""));
	expect_usage_error(&test_info, ARGS("--mode", "say \"hi\"\\"),
			ARGS("\"say \\\"hi\\\"\\\\\""));
	expect_usage_error(&test_info, ARGS("--bad\noption"), ARGS("--bad\\x0aoption"));
}
END_TEST

START_TEST(long_value_cut)
{
	static char value[4000];
	struct child_result r;

	memset(value, 'v', sizeof(value) - 1);
	parse_in_child(&test_info, ARGS("--mode", value), &r);
	ck_assert_int_eq(r.exit_status, 2);
	ck_assert_int_eq(count_lines(r.err), 1);
	ck_assert_ptr_nonnull(strstr(r.err, "vvv...\""));
	ck_assert_uint_lt(r.err_len, 600);
}
END_TEST

START_TEST(help_lists_every_option)
{
	static const char *const expected[] = {
		"Usage: fata-test [OPTIONS] [A [B]]\n", "Tests the shared option parser, with",
		"\nline in the help text.\n",
		"--port N", "a TCP port from 1 to 65535", "--verbose", "--mode MODE",
		"--net tap:IFNAME|socket", "--ipv4 ADDR/PREFIX", "--ipv4-gateway ADDR", "--dhcp ",
		"--dhcp-timeout SECONDS", "--pcap FILE", "--trace FILE", "--log-level LEVEL",
		"--stats", "--help", "print this help and exit",
	};
	struct child_result r;

	parse_in_child(&test_info, ARGS("--port", "80", "--help", "--bogus"), &r);
	ck_assert_int_eq(r.exit_status, 0);
	ck_assert_uint_eq(r.err_len, 0);
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
		ck_assert_msg(strstr(r.out, expected[i]) != NULL, "\"%s\" missing from help:\n%s",
				expected[i], r.out);

	/* Long sentences wrap to fit 79 columns, and the wrapped part stays in the help column. */
	for (const char *line = r.out; *line;) {
		const char *end = strchr(line, '\n');

		ck_assert_ptr_nonnull(end);
		ck_assert_msg(end - line <= 79, "help line too long: %.*s", (int)(end - line), line);
		line = end + 1;
	}
	ck_assert_ptr_nonnull(strstr(r.out, "\n                            including the ones"));
}
END_TEST

START_TEST(short_help_and_no_options)
{
	struct child_result r;

	parse_in_child(&one_arg_info, ARGS("-h"), &r);
	ck_assert_int_eq(r.exit_status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "Usage: fata-one [OPTIONS] HOST\n"));
	ck_assert_ptr_null(strstr(r.out, "\nOptions:"));
	ck_assert_ptr_nonnull(strstr(r.out, "--net tap:IFNAME|socket"));
	ck_assert_uint_eq(r.err_len, 0);
}
END_TEST

static int set_nothing(void *c, const char *value)
{
	(void)c;
	(void)value;
	return 0;
}

static const struct fata_app_option clashing_options[] = {
	{ "net", "X", "clashes with a shared option", set_nothing },
};
static const struct fata_app_option twice_options[] = {
	{ "port", "N", "first", set_nothing },
	{ "port", "N", "second", set_nothing },
};
static const struct fata_app_option unusable_options[] = {
	{ "port", "N", "no set function", NULL },
};

START_TEST(option_table_errors_exit_70)
{
	static const struct {
		const struct fata_app_option *options;
		const char *message;
	} cases[] = {
		{ clashing_options, "--net is also a shared option" },
		{ twice_options, "--port is defined twice" },
		{ unusable_options, "no set function" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fata_app_info info = test_info;
		struct child_result r;

		info.options = cases[i].options;
		info.option_count = cases[i].options == twice_options ? 2 : 1;
		parse_in_child(&info, ARGS("--stats"), &r);
		ck_assert_int_eq(r.exit_status, 70);
		ck_assert_ptr_nonnull(strstr(r.err, cases[i].message));
	}
}
END_TEST

START_TEST(parse_uint_bounds)
{
	static const struct {
		const char *text;
		uint64_t min, max;
		int rc;
		uint64_t value;
	} cases[] = {
		{ "0", 0, 10, 0, 0 },
		{ "10", 0, 10, 0, 10 },
		{ "11", 0, 10, -1, 0 },
		{ "4", 5, 10, -1, 0 },
		{ "007", 0, 10, 0, 7 },
		{ "18446744073709551615", 0, UINT64_MAX, 0, UINT64_MAX },
		{ "18446744073709551616", 0, UINT64_MAX, -1, 0 },
		{ "", 0, 10, -1, 0 },
		{ "-1", 0, 10, -1, 0 },
		{ "+1", 0, 10, -1, 0 },
		{ "1 ", 0, 10, -1, 0 },
		{ "0x1", 0, 10, -1, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t value = 12345;
		int rc = fata_app_parse_uint(cases[i].text, cases[i].min, cases[i].max, &value);

		ck_assert_msg(rc == cases[i].rc, "\"%s\": rc %d", cases[i].text, rc);
		ck_assert_uint_eq(value, cases[i].rc == 0 ? cases[i].value : 12345);
	}
	ck_assert_int_eq(fata_app_parse_uint(NULL, 0, 1, &(uint64_t){ 0 }), -1);
}
END_TEST

static Suite *parse_suite(void)
{
	Suite *s = suite_create("app-parse");
	TCase *good = tcase_create("good values");
	TCase *bad = tcase_create("bad values");
	TCase *help = tcase_create("help");

	tcase_add_test(good, defaults_without_options);
	tcase_add_test(good, net_tap_static_address);
	tcase_add_test(good, equals_form_of_values);
	tcase_add_test(good, net_socket_after_tap);
	tcase_add_test(good, interface_name_limits);
	tcase_add_test(good, dhcp_and_timeout);
	tcase_add_test(good, prefixes_31_and_32);
	tcase_add_test(good, files_levels_and_stats);
	tcase_add_test(good, program_options);
	tcase_add_test(good, positional_mixed_with_options);
	tcase_add_test(good, double_dash_ends_options);
	tcase_add_test(good, single_dash_is_positional);
	tcase_add_test(good, parse_uint_bounds);

	tcase_add_test(bad, invalid_ipv4_exact_line);
	tcase_add_loop_test(bad, invalid_net, 0, sizeof(bad_net_values) / sizeof(bad_net_values[0]));
	tcase_add_loop_test(bad, invalid_ipv4, 0,
			sizeof(bad_ipv4_values) / sizeof(bad_ipv4_values[0]));
	tcase_add_loop_test(bad, invalid_gateway, 0,
			sizeof(bad_gateway_values) / sizeof(bad_gateway_values[0]));
	tcase_add_test(bad, gateway_outside_prefix);
	tcase_add_loop_test(bad, invalid_dhcp_timeout, 0,
			sizeof(bad_timeout_values) / sizeof(bad_timeout_values[0]));
	tcase_add_test(bad, invalid_files_and_level);
	tcase_add_test(bad, flags_reject_values);
	tcase_add_test(bad, missing_values);
	tcase_add_test(bad, invalid_program_values);
	tcase_add_test(bad, unknown_options);
	tcase_add_test(bad, tap_only_options_need_tap);
	tcase_add_test(bad, tap_needs_one_address_source);
	tcase_add_test(bad, positional_counts);
	tcase_add_test(bad, control_characters_escaped);
	tcase_add_test(bad, long_value_cut);
	tcase_add_test(bad, option_table_errors_exit_70);

	tcase_add_test(help, help_lists_every_option);
	tcase_add_test(help, short_help_and_no_options);

	suite_add_tcase(s, good);
	suite_add_tcase(s, bad);
	suite_add_tcase(s, help);
	return s;
}

int main(void)
{
	SRunner *runner = srunner_create(parse_suite());

	srunner_run_all(runner, CK_NORMAL);
	int failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
