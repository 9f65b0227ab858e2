/*
 * The tap backend against the real kernel (suite 'net', needs root).
 *
 * The parent process creates the network namespace fp<pid> and always
 * deletes it again, whatever happens to the child that runs the checks. The
 * child enters the namespace, opens the tap device fp<pid>t through
 * fata_tap_open() and gives the kernel side 192.0.2.1/24. `ping 192.0.2.2`
 * in the namespace makes the kernel ask for 192.0.2.2 by ARP; the test
 * answers the request and the echo request with frames it builds itself,
 * then checks the kernel's neighbour table and the pcap of the exchange.
 */
#include <check.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fata/error.h>
#include <fata/loop.h>
#include <fata/netif.h>
#include <fata/posix.h>

#define MS 1000000ull

#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_IPV4 0x0800
#define ARP_REQUEST 1
#define ARP_REPLY 2
#define IPPROTO_ICMP_NUMBER 1
#define ICMP_ECHO_REQUEST 8
#define ICMP_ECHO_REPLY 0

static char ns_name[32];
static char dev_name[16];
static char pcap_path[64];

static const struct fata_mac test_mac = { { 0x02, 0x00, 0x00, 0x00, 0x00, 0x42 } };
static const uint8_t kernel_ip[4] = { 192, 0, 2, 1 };
static const uint8_t test_ip[4] = { 192, 0, 2, 2 };

/* Runs a shell command inside the namespace and returns its exit status. */
static int ns_run(const char *command, char *out, size_t out_size)
{
	char full[512];
	FILE *p;
	size_t n = 0;

	snprintf(full, sizeof full, "ip netns exec %s %s 2>&1", ns_name, command);
	p = popen(full, "r");
	if (!p)
		return -1;
	if (out && out_size) {
		n = fread(out, 1, out_size - 1, p);
		out[n] = '\0';
	} else {
		char sink[256];

		while (fread(sink, 1, sizeof sink, p) > 0)
			;
	}
	return pclose(p);
}

/* What the receive callback saw and answered. */
struct exchange {
	struct fata_netif *nif;
	int arp_requests;
	int arp_replies_sent;
	int echo_requests;
	int echo_replies_sent;
	struct fata_mac kernel_mac;
};

static uint16_t checksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static int send_bytes(struct fata_netif *nif, const uint8_t *frame, size_t len)
{
	struct fata_chain chain;
	struct fata_view v;

	ck_assert_int_eq(fata_buf_copy(frame, len, FATA_NETIF_HEADROOM, &v), FATA_OK);
	fata_chain_init(&chain);
	ck_assert_int_eq(fata_chain_append(&chain, v), FATA_OK);
	return fata_netif_send(nif, &chain);
}

/* Answers an ARP request for 192.0.2.2 (RFC 826): "192.0.2.2 is at test_mac". */
static void answer_arp(struct exchange *x, const uint8_t *req)
{
	uint8_t reply[42];

	memcpy(reply, req + 6, 6);
	memcpy(reply + 6, test_mac.bytes, 6);
	reply[12] = ETHERTYPE_ARP >> 8;
	reply[13] = ETHERTYPE_ARP & 0xff;
	memcpy(reply + 14, req + 14, 6); /* hardware type, protocol type, lengths */
	reply[20] = 0;
	reply[21] = ARP_REPLY;
	memcpy(reply + 22, test_mac.bytes, 6);
	memcpy(reply + 28, test_ip, 4);
	memcpy(reply + 32, req + 22, 6);
	memcpy(reply + 38, req + 28, 4);
	memcpy(x->kernel_mac.bytes, req + 22, 6);
	ck_assert_int_eq(send_bytes(x->nif, reply, sizeof reply), FATA_OK);
	x->arp_replies_sent++;
}

/* Turns an ICMP echo request to 192.0.2.2 into the echo reply (RFC 792). */
static void answer_echo(struct exchange *x, const uint8_t *req, size_t len)
{
	uint8_t reply[1600];
	size_t ihl = (size_t)(req[14] & 0x0f) * 4;
	uint8_t *icmp;

	ck_assert_uint_le(len, sizeof reply);
	memcpy(reply, req, len);
	memcpy(reply, req + 6, 6);
	memcpy(reply + 6, test_mac.bytes, 6);
	/* Swapping the addresses leaves the IP header checksum as it is. */
	memcpy(reply + 14 + 12, req + 14 + 16, 4);
	memcpy(reply + 14 + 16, req + 14 + 12, 4);
	icmp = reply + 14 + ihl;
	icmp[0] = ICMP_ECHO_REPLY;
	icmp[2] = 0;
	icmp[3] = 0;
	{
		uint16_t sum = checksum(icmp, len - 14 - ihl);

		icmp[2] = (uint8_t)(sum >> 8);
		icmp[3] = (uint8_t)sum;
	}
	ck_assert_int_eq(send_bytes(x->nif, reply, len), FATA_OK);
	x->echo_replies_sent++;
}

static void on_frame(void *arg, struct fata_view frame)
{
	struct exchange *x = arg;
	const uint8_t *p = fata_view_data(frame);
	size_t len = frame.len;
	uint16_t type;

	ck_assert_uint_ge(len, FATA_ETH_HLEN);
	ck_assert_uint_ge(fata_view_headroom(frame), FATA_NETIF_HEADROOM);
	type = (uint16_t)(p[12] << 8 | p[13]);

	if (type == ETHERTYPE_ARP && len >= 42 && p[21] == ARP_REQUEST &&
			memcmp(p + 38, test_ip, 4) == 0) {
		ck_assert_mem_eq(p + 28, kernel_ip, 4);
		x->arp_requests++;
		answer_arp(x, p);
	} else if (type == ETHERTYPE_IPV4 && len >= 14 + 20 + 8 && p[14 + 9] == IPPROTO_ICMP_NUMBER &&
			memcmp(p + 14 + 16, test_ip, 4) == 0 &&
			p[14 + (size_t)(p[14] & 0x0f) * 4] == ICMP_ECHO_REQUEST) {
		ck_assert_mem_eq(p, test_mac.bytes, 6);
		x->echo_requests++;
		answer_echo(x, p, len);
	}
	fata_view_release(&frame);
}

/* Runs the loop in 20 ms steps until `*done` or `limit_ms` passed. */
static void run_while(struct fata_loop *loop, const int *done, int limit_ms)
{
	for (int waited = 0; !*done && waited < limit_ms; waited += 20)
		ck_assert_int_eq(fata_loop_run_until(loop, fata_sleep(loop, 20 * MS), NULL, NULL),
				FATA_OK);
}

static pid_t start_ping(void)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		execlp("ip", "ip", "netns", "exec", ns_name, "ping", "-n", "-c", "1", "-W", "3",
				"192.0.2.2", (char *)NULL);
		_exit(127);
	}
	return pid;
}

START_TEST(tap_open_errors)
{
	struct fata_loop *loop = fata_loop_new();
	struct fata_loop *virt = fata_loop_new_virtual(0);
	struct fata_netif *nif = (void *)1;

	ck_assert_int_eq(fata_tap_open(loop, "", NULL, &nif), FATA_EINVAL);
	ck_assert_ptr_null(nif);
	ck_assert_int_eq(fata_tap_open(loop, "a/b", NULL, &nif), FATA_EINVAL);
	ck_assert_int_eq(fata_tap_open(loop, "x23456789012345678", NULL, &nif), FATA_EINVAL);
	ck_assert_int_eq(fata_tap_open(loop, NULL, NULL, &nif), FATA_EINVAL);
	ck_assert_int_eq(fata_tap_open(virt, dev_name, NULL, &nif), FATA_EINVAL);
	/* The loopback device exists and is not a tap. */
	ck_assert_int_eq(fata_tap_open(loop, "lo", NULL, &nif), FATA_EINVAL);
	fata_loop_free(virt);
	fata_loop_free(loop);
}
END_TEST

START_TEST(tap_random_mac)
{
	struct fata_loop *loop = fata_loop_new();
	struct fata_netif *nif;

	ck_assert_int_eq(fata_tap_open(loop, dev_name, NULL, &nif), FATA_OK);
	/* Locally administered, unicast. */
	ck_assert_uint_eq(nif->mac.bytes[0] & 0x03, 0x02);
	ck_assert_str_eq(nif->name, dev_name);
	ck_assert_uint_eq(nif->mtu, 1500);
	fata_netif_close(nif);
	/* The loop reference went with it. */
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_IDLE), FATA_OK);
	fata_loop_free(loop);
}
END_TEST

START_TEST(tap_arp_and_ping)
{
	struct fata_loop *loop = fata_loop_new();
	struct exchange x = { 0 };
	char out[4096], cmd[256], mac_text[FATA_MAC_STRLEN], line[512];
	int arp_done = 0, status = -1;
	pid_t ping;
	const char *tshark;
	FILE *p;
	int arp_lines = 0, reply_lines = 0;

	ck_assert_int_eq(fata_tap_open(loop, dev_name, &test_mac, &x.nif), FATA_OK);
	ck_assert_mem_eq(x.nif->mac.bytes, test_mac.bytes, 6);
	fata_netif_set_rx(x.nif, on_frame, &x);
	ck_assert_int_eq(fata_pcap_start(x.nif, pcap_path), FATA_OK);

	snprintf(cmd, sizeof cmd, "ip addr add 192.0.2.1/24 dev %s", dev_name);
	ck_assert_int_eq(ns_run(cmd, out, sizeof out), 0);
	snprintf(cmd, sizeof cmd, "ip link show %s", dev_name);
	ck_assert_int_eq(ns_run(cmd, out, sizeof out), 0);
	ck_assert_msg(strstr(out, "UP") != NULL, "tap is not up: %s", out);

	ping = start_ping();
	for (int waited = 0; waited < 5000 && status < 0; waited += 20) {
		int r;

		run_while(loop, &arp_done, 20);
		r = waitpid(ping, &status, WNOHANG);
		ck_assert_int_ge(r, 0);
		if (r == 0)
			status = -1;
	}
	ck_assert_msg(status >= 0, "ping did not finish");
	ck_assert_int_ge(x.arp_requests, 1);
	ck_assert_int_ge(x.echo_requests, 1);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			"ping got no reply through the tap (status %d)", status);

	/* The kernel learned 192.0.2.2 at our MAC from the reply. */
	ck_assert_int_eq(fata_mac_format(&test_mac, mac_text, sizeof mac_text), 17);
	snprintf(cmd, sizeof cmd, "ip neigh show 192.0.2.2 dev %s", dev_name);
	ck_assert_int_eq(ns_run(cmd, out, sizeof out), 0);
	ck_assert_msg(strstr(out, mac_text) != NULL, "neighbour table: %s", out);

	ck_assert_uint_ge(x.nif->stats.rx_frames, 2);
	ck_assert_uint_ge(x.nif->stats.tx_frames, 2);
	ck_assert_uint_eq(x.nif->stats.tx_errors, 0);
	fata_pcap_stop(x.nif);
	fata_netif_close(x.nif);
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_IDLE), FATA_OK);
	fata_loop_free(loop);

	/* tshark reads the capture and finds both ARP messages and the echo reply. */
	tshark = getenv("FATA_TSHARK");
	if (!tshark || !tshark[0])
		tshark = "tshark";
	snprintf(cmd, sizeof cmd, "'%s' -n -r '%s' 2>/dev/null", tshark, pcap_path);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	while (fgets(line, sizeof line, p)) {
		if (strstr(line, "ARP") && strstr(line, "Who has 192.0.2.2"))
			arp_lines++;
		if (strstr(line, "ARP") && strstr(line, "192.0.2.2 is at 02:00:00:00:00:42"))
			arp_lines++;
		if (strstr(line, "ICMP") && strstr(line, "Echo (ping) reply"))
			reply_lines++;
	}
	ck_assert_int_eq(pclose(p), 0);
	ck_assert_int_ge(arp_lines, 2);
	ck_assert_int_ge(reply_lines, 1);
}
END_TEST

/* Runs the Check suite inside the namespace; returns the process exit status. */
static int run_checks(void)
{
	char path[64];
	Suite *s = suite_create("tap");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int fd, failed;

	snprintf(path, sizeof path, "/var/run/netns/%s", ns_name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
		perror("entering the test namespace");
		return EXIT_FAILURE;
	}
	close(fd);

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, tap_open_errors);
	tcase_add_test(tc, tap_random_mac);
	tcase_add_test(tc, tap_arp_and_ping);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

static pid_t child;

static void delete_namespace(void)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "ip netns delete %s 2>/dev/null", ns_name);
	if (system(cmd) != 0)
		fprintf(stderr, "deleting namespace %s failed\n", ns_name);
}

static void on_termination(int sig)
{
	/* The child leads its own process group, with Check's test processes and ping in it. */
	if (child > 0)
		kill(-child, SIGKILL);
	delete_namespace();
	unlink(pcap_path);
	signal(sig, SIG_DFL);
	raise(sig);
}

int main(void)
{
	char cmd[128];
	int status;

	if (geteuid() != 0) {
		fprintf(stderr, "skipped: the tap test needs root for a network namespace and a tap device\n");
		return 77;
	}
	snprintf(ns_name, sizeof ns_name, "fp%d", (int)getpid());
	snprintf(dev_name, sizeof dev_name, "fp%dt", (int)getpid());
	snprintf(pcap_path, sizeof pcap_path, "/tmp/fata-tap-%d.pcap", (int)getpid());

	snprintf(cmd, sizeof cmd, "ip netns add %s", ns_name);
	if (system(cmd) != 0) {
		fprintf(stderr, "creating namespace %s failed\n", ns_name);
		return EXIT_FAILURE;
	}
	signal(SIGINT, on_termination);
	signal(SIGTERM, on_termination);

	/* The checks run in a child, so the namespace goes even when they crash. */
	child = fork();
	if (child < 0) {
		perror("fork");
		delete_namespace();
		return EXIT_FAILURE;
	}
	if (child == 0) {
		setpgid(0, 0);
		_exit(run_checks());
	}
	setpgid(child, child);
	while (waitpid(child, &status, 0) < 0)
		;
	child = 0;
	delete_namespace();
	unlink(pcap_path);
	return WIFEXITED(status) ? WEXITSTATUS(status) : EXIT_FAILURE;
}
