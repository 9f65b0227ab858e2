/*
 * Start of day in C: brings the backend up in dependency order, turns the
 * domain's command line (the extra= setting, passed in the start info)
 * into argv, runs the application's main() and shuts the domain down with
 * its exit status.
 */
#include <stdint.h>
#include <string.h>

#include <fata/error.h>
#include <fata/fmt.h>
#include <fata/xen.h>

#include "xen_internal.h"

/* Xen passes at most 1024 bytes of command line (MAX_GUEST_CMDLINE). */
#define CMDLINE_MAX 1024
#define ARGV_MAX 64
#define NAME_MAX_LEN 64
#define XENVER_VERSION 0

/* The application's entry point, as on POSIX. */
extern int main(int argc, char **argv);

void xen_boot(uint32_t start_info_paddr) __attribute__((noreturn));

static char cmdline[CMDLINE_MAX];
static char arg_storage[CMDLINE_MAX + NAME_MAX_LEN + 32];
static char *argv_table[ARGV_MAX + 3];
static char default_net[] = "--net=tap:vif0";

const char *xen_cmdline(void)
{
	return cmdline;
}

static void copy_cmdline(const struct xen_hvm_start_info *si)
{
	if (si->cmdline_paddr == 0)
		return;

	const char *src = (const char *)(uintptr_t)si->cmdline_paddr;
	size_t n = 0;
	while (n + 1 < sizeof(cmdline) && src[n] != '\0') {
		cmdline[n] = src[n];
		n++;
	}
	cmdline[n] = '\0';
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Splits the command line at whitespace into argv[1..], honouring single
 * and double quotes and backslash escapes as a POSIX shell does for plain
 * words. Returns argc, or -1 when there are too many arguments or a quote
 * is not closed.
 */
static int split_cmdline(char *out, char **argv, int argc)
{
	const char *p = cmdline;

	for (;;) {
		while (is_space(*p))
			p++;
		if (*p == '\0')
			break;
		if (argc > ARGV_MAX + 1)
			return -1;

		argv[argc++] = out;
		char quote = 0;
		while (*p != '\0' && (quote || !is_space(*p))) {
			if (quote && *p == quote) {
				quote = 0;
			} else if (!quote && (*p == '"' || *p == '\'')) {
				quote = *p;
			} else if (*p == '\\' && quote != '\'' && p[1] != '\0') {
				*out++ = *++p;
			} else {
				*out++ = *p;
			}
			p++;
		}
		if (quote)
			return -1;
		*out++ = '\0';
	}
	argv[argc] = NULL;
	return argc;
}

/* The domain's name from xenstore, as argv[0]; "fata" when it cannot be read. */
static void read_name(char *out, size_t size)
{
	if (xen_xs_read(0, "name", out, size) <= 0)
		memcpy(out, "fata", 5);
}

static void must(int rc, const char *step)
{
	char line[128];

	if (rc >= 0)
		return;
	fata_snprintf(line, sizeof(line), "fata: %s failed: %s", step, fata_strerror(rc));
	xen_panic(line);
}

static void print_banner(uint64_t heap_bytes)
{
	char line[CMDLINE_MAX + 160];
	long version = xen_hypercall3(XEN_HC_XEN_VERSION, XENVER_VERSION, 0, 0);

	int len = fata_snprintf(line, sizeof(line), "fata: booted on Xen %ld.%ld in %llu.%06llu s "
			"after domain creation, %llu MiB heap, command line \"%s\"\n",
			version >> 16, version & 0xffff,
			(unsigned long long)(xen_uptime_ns() / 1000000000ull),
			(unsigned long long)(xen_uptime_ns() / 1000ull % 1000000ull),
			(unsigned long long)(heap_bytes >> 20), cmdline);
	if (len >= (int)sizeof(line))
		len = (int)sizeof(line) - 1;
	xen_console_write(line, (size_t)len);
}

void xen_boot(uint32_t start_info_paddr)
{
	static const char no_xen[] = "fata: no Xen hypervisor found (CPUID)\n";

	if (xen_hypercall_init() < 0) {
		/* Without hypercalls the debug port is the only way out. */
		for (size_t i = 0; i < sizeof(no_xen) - 1; i++)
			__asm__ volatile("outb %0, $0xe9" : : "a"(no_xen[i]));
		for (;;)
			__asm__ volatile("cli; hlt");
	}
	xen_traps_init();

	const struct xen_hvm_start_info *si =
		(const struct xen_hvm_start_info *)(uintptr_t)start_info_paddr;
	if (si->magic != XEN_HVM_START_MAGIC)
		xen_panic("fata: the start info has a wrong magic number (not booted as PVH?)");
	struct xen_hvm_start_info start_info = *si;
	copy_cmdline(&start_info);

	must(xen_shared_init(), "mapping shared info");
	xen_clock_init();
	must(xen_memory_init(&start_info), "finding RAM for the heap");
	must(xen_evtchn_init(), "setting up event channels");
	if (xen_console_init() < 0)
		xen_console_early_write("fata: no PV console; using the emergency console\n", 49);
	must(xen_grant_init(), "mapping the grant table");
	must(xen_xs_init(), "connecting to xenstore");

	struct xen_heap_stats heap;
	xen_heap_get_stats(&heap);
	print_banner(heap.total_bytes);

	if (xen_entropy_init() < 0)
		xen_panic("fata: no working RDSEED or RDRAND: refusing to start without a "
				"source of randomness (give the CPU rdrand, e.g. QEMU -cpu ...,+rdrand)");

	read_name(arg_storage, NAME_MAX_LEN);
	argv_table[0] = arg_storage;
	/*
	 * The shared option parser defaults to the host's sockets, which a
	 * unikernel lacks, so the first Xen network device goes in front. A
	 * --net on the command line overrides it, because the last value counts.
	 */
	argv_table[1] = default_net;
	size_t name_len = strlen(arg_storage);
	int argc = split_cmdline(arg_storage + name_len + 1, argv_table, 2);
	if (argc < 0)
		xen_panic("fata: cannot split the command line: an unclosed quote, or more "
				"than 64 arguments");

	xen_exit(main(argc, argv_table));
}

uint64_t fata_xen_uptime_ns(void)
{
	return xen_uptime_ns();
}

void fata_xen_console_write(const char *data, size_t len)
{
	xen_console_write(data, len);
}
