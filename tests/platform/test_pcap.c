/* Unit tests for pcap capture, on ports of the simulated link; tshark reads the result when installed. */
#include <check.h>
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
#include <fata/sim.h>

#define MS 1000000ull

struct record {
	uint32_t sec, usec, incl, orig;
	uint8_t first_byte;
};

static void drop_frame(void *arg, struct fata_view frame)
{
	(void)arg;
	fata_view_release(&frame);
}

static int send_sized(struct fata_netif *from, const struct fata_netif *to, size_t len, uint8_t fill)
{
	struct fata_chain chain;
	struct fata_view head, body;

	/* Two views, so the writer has to gather. */
	ck_assert_int_eq(fata_buf_alloc(FATA_NETIF_HEADROOM, 14, &head), FATA_OK);
	memcpy(fata_view_data(head), to->mac.bytes, 6);
	memcpy(fata_view_data(head) + 6, from->mac.bytes, 6);
	fata_view_data(head)[12] = 0x88;
	fata_view_data(head)[13] = 0xb5;
	ck_assert_int_eq(fata_buf_alloc(0, len - 14, &body), FATA_OK);
	memset(fata_view_data(body), fill, len - 14);
	fata_chain_init(&chain);
	ck_assert_int_eq(fata_chain_append(&chain, head), FATA_OK);
	ck_assert_int_eq(fata_chain_append(&chain, body), FATA_OK);
	return fata_netif_send(from, &chain);
}

/* Reads the global header and up to `max` records of a pcap file; returns the record count. */
static int read_pcap(const char *path, struct record *out, int max)
{
	FILE *f = fopen(path, "rb");
	uint32_t global[6];
	uint16_t version[2];
	int n = 0;

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fread(&global[0], 4, 1, f), 1);
	ck_assert_uint_eq(global[0], 0xa1b2c3d4);
	ck_assert_uint_eq(fread(version, 2, 2, f), 2);
	ck_assert_uint_eq(version[0], 2);
	ck_assert_uint_eq(version[1], 4);
	ck_assert_uint_eq(fread(&global[1], 4, 4, f), 4);
	ck_assert_uint_eq(global[1], 0);
	ck_assert_uint_eq(global[2], 0);
	ck_assert_uint_eq(global[3], 65535);
	ck_assert_uint_eq(global[4], 1);

	for (;;) {
		uint32_t rec[4];
		uint8_t *data;

		if (fread(rec, 4, 4, f) != 4)
			break;
		ck_assert_int_lt(n, max);
		out[n].sec = rec[0];
		out[n].usec = rec[1];
		out[n].incl = rec[2];
		out[n].orig = rec[3];
		ck_assert_uint_le(rec[2], rec[3]);
		data = malloc(rec[2]);
		ck_assert_uint_eq(fread(data, 1, rec[2], f), rec[2]);
		out[n].first_byte = rec[2] > 14 ? data[14] : 0;
		free(data);
		n++;
	}
	ck_assert(feof(f));
	fclose(f);
	return n;
}

/* Runs tshark on the file and returns the number of packets it printed, or -1 without tshark. */
static int tshark_count(const char *path)
{
	const char *tshark = getenv("FATA_TSHARK");
	char cmd[512];
	char line[512];
	FILE *p;
	int lines = 0;

	if (!tshark || !tshark[0])
		return -1;
	snprintf(cmd, sizeof cmd, "'%s' -n -r '%s' 2>/dev/null", tshark, path);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	while (fgets(line, sizeof line, p))
		lines++;
	ck_assert_int_eq(pclose(p), 0);
	return lines;
}

START_TEST(capture_both_directions)
{
	struct fata_loop *loop = fata_loop_new_virtual(5 * 1000000000ull + 250000);
	struct fata_sim_params params = { .delay_ns = MS, .mtu = 65535 };
	struct fata_mac ma = { { 2, 0, 0, 0, 0, 1 } }, mb = { { 2, 0, 0, 0, 0, 2 } };
	struct fata_sim_link *link;
	struct fata_netif *a, *b;
	char path[] = "/tmp/fata-pcap-XXXXXX";
	struct record rec[8];
	int fd, n, packets;

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(fata_sim_link_new(loop, &params, 1, &link), FATA_OK);
	ck_assert_int_eq(fata_sim_link_port(link, &ma, &a), FATA_OK);
	ck_assert_int_eq(fata_sim_link_port(link, &mb, &b), FATA_OK);
	fata_netif_set_rx(a, drop_frame, NULL);
	fata_netif_set_rx(b, drop_frame, NULL);

	ck_assert_int_eq(fata_pcap_start(a, path), FATA_OK);
	ck_assert_int_eq(send_sized(a, b, 60, 0x11), FATA_OK);
	ck_assert_int_eq(send_sized(b, a, 100, 0x22), FATA_OK);
	/* Longer than the snaplen: cut to 65535 bytes, original length kept. */
	ck_assert_int_eq(send_sized(a, b, 65549, 0x33), FATA_OK);
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_IDLE), FATA_OK);
	fata_pcap_stop(a);
	/* Stopping again, or a netif without capture, is harmless. */
	fata_pcap_stop(a);
	fata_pcap_stop(b);

	n = read_pcap(path, rec, 8);
	ck_assert_int_eq(n, 3);
	/* Records in capture order: two sent at the start, one received after the delay. */
	ck_assert_uint_eq(rec[0].incl, 60);
	ck_assert_uint_eq(rec[0].first_byte, 0x11);
	ck_assert_uint_eq(rec[0].sec, 5);
	ck_assert_uint_eq(rec[0].usec, 250);
	ck_assert_uint_eq(rec[1].incl, 65535);
	ck_assert_uint_eq(rec[1].orig, 65549);
	ck_assert_uint_eq(rec[1].first_byte, 0x33);
	ck_assert_uint_eq(rec[2].incl, 100);
	ck_assert_uint_eq(rec[2].first_byte, 0x22);
	ck_assert_uint_eq(rec[2].usec, 1250);

	packets = tshark_count(path);
	if (packets < 0)
		fprintf(stderr, "tshark not found; pcap checked by its own parser only\n");
	else
		ck_assert_int_eq(packets, 3);

	unlink(path);
	fata_netif_close(a);
	fata_netif_close(b);
	fata_sim_link_free(link);
	fata_loop_free(loop);
}
END_TEST

START_TEST(restart_replaces_capture)
{
	struct fata_loop *loop = fata_loop_new_virtual(0);
	struct fata_mac ma = { { 2, 0, 0, 0, 0, 1 } }, mb = { { 2, 0, 0, 0, 0, 2 } };
	struct fata_sim_link *link;
	struct fata_netif *a, *b;
	char first[] = "/tmp/fata-pcap-XXXXXX", second[] = "/tmp/fata-pcap-XXXXXX";
	struct record rec[4];

	close(mkstemp(first));
	close(mkstemp(second));
	ck_assert_int_eq(fata_sim_link_new(loop, NULL, 1, &link), FATA_OK);
	ck_assert_int_eq(fata_sim_link_port(link, &ma, &a), FATA_OK);
	ck_assert_int_eq(fata_sim_link_port(link, &mb, &b), FATA_OK);
	fata_netif_set_rx(b, drop_frame, NULL);

	ck_assert_int_eq(fata_pcap_start(a, first), FATA_OK);
	ck_assert_int_eq(send_sized(a, b, 60, 1), FATA_OK);
	ck_assert_int_eq(fata_pcap_start(a, second), FATA_OK);
	ck_assert_int_eq(send_sized(a, b, 61, 2), FATA_OK);
	ck_assert_int_eq(send_sized(a, b, 62, 3), FATA_OK);
	fata_pcap_stop(a);
	ck_assert_int_eq(read_pcap(first, rec, 4), 1);
	ck_assert_int_eq(read_pcap(second, rec, 4), 2);
	ck_assert_uint_eq(rec[1].incl, 62);

	/* A file that cannot be created leaves the interface without capture. */
	ck_assert_int_eq(fata_pcap_start(a, "/nonexistent-dir/x.pcap"), FATA_EIO);
	ck_assert_ptr_null(a->capture);
	ck_assert_int_eq(fata_pcap_start(NULL, first), FATA_EINVAL);

	unlink(first);
	unlink(second);
	ck_assert_int_eq(fata_loop_run(loop, FATA_RUN_IDLE), FATA_OK);
	fata_netif_close(a);
	fata_netif_close(b);
	fata_sim_link_free(link);
	fata_loop_free(loop);
}
END_TEST

static Suite *pcap_suite(void)
{
	Suite *s = suite_create("pcap");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, capture_both_directions);
	tcase_add_test(tc, restart_replaces_capture);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(pcap_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
