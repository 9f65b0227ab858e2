/*
 * Two complete libtcpip stacks (Ethernet, ARP, IPv4, TCP) on the simulated
 * link of fata/sim.h, with seeded loss, duplication, reordering and 1 %
 * corruption. Each seed moves data both ways through the public stack
 * interface (listen, connect, flows) and checks that each side read exactly
 * what the other wrote. Odd seeds switch on checksum offload and TSO on
 * the link, so TSO frames are cut in software and each segment is impaired.
 *
 * The platform's entropy source is replaced by a generator seeded from the
 * seed, so a seed replays exactly. FATA_SIM_SEEDS=N runs N seeds (default
 * 60); FATA_SIM_SEED=S replays one; FATA_SIM_VERBOSE=1 prints each result.
 */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fata/entropy.h>
#include <fata/error.h>
#include <fata/loop.h>
#include <fata/sim.h>
#include <fata/stack.h>
#include <fata/tcpip.h>

#include "sim_app.h"

#define MS UINT64_C(1000000)
#define SEC UINT64_C(1000000000)

static struct fata_rng entropy_rng;

/* Replaces the platform's source for this test program: deterministic per seed. */
int fata_entropy_fill(void *buf, size_t len)
{
	uint8_t *p = buf;

	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)fata_rng_next(&entropy_rng);
	return 0;
}

static uint64_t pick_size(struct fata_rng *rng, uint64_t seed)
{
	static const uint64_t sizes[] = { 0, 1, 1460, 20000, 100000, 500000 };

	if (seed % 20 == 3)
		return 4 * 1000 * 1000;
	return sizes[fata_rng_below(rng, sizeof(sizes) / sizeof(sizes[0]))];
}

static int run_seed(uint64_t seed, char *report, size_t report_len)
{
	struct fata_rng rng;
	struct sim_app app;
	struct fata_sim_params params;
	struct fata_sim_link *link;
	struct fata_netif *na, *nb;
	struct fata_stack *a, *b;
	const struct fata_mac mac_a = { { 2, 0, 0, 0, 0, 1 } };
	const struct fata_mac mac_b = { { 2, 0, 0, 0, 0, 2 } };

	fata_rng_seed(&rng, seed);
	fata_rng_seed(&entropy_rng, seed ^ UINT64_C(0x5eed));
	struct fata_loop *loop = fata_loop_new_virtual(0);
	ck_assert_ptr_nonnull(loop);

	memset(&params, 0, sizeof(params));
	params.loss_ppm = (uint32_t)fata_rng_below(&rng, 200001);
	params.duplicate_ppm = (uint32_t)fata_rng_below(&rng, 20001);
	params.reorder_ppm = (uint32_t)fata_rng_below(&rng, 50001);
	params.reorder_ns = 20 * MS;
	params.corrupt_ppm = 10000;
	params.delay_ns = 1 * MS + fata_rng_below(&rng, 40 * MS);
	params.jitter_ns = fata_rng_below(&rng, 2 * MS);
	/* Odd seeds run with checksum offload and TSO, which the link does in software. */
	if (seed % 2 == 1)
		params.offloads = FATA_NETIF_F_TX_CSUM | FATA_NETIF_F_TSO;
	ck_assert_int_eq(fata_sim_link_new(loop, &params, seed, &link), 0);
	ck_assert_int_eq(fata_sim_link_port(link, &mac_a, &na), 0);
	ck_assert_int_eq(fata_sim_link_port(link, &mac_b, &nb), 0);

	struct fata_tcpip_config ca, cb;
	memset(&ca, 0, sizeof(ca));
	ca.ipv4 = fata_ipv4(192, 0, 2, 1);
	ca.ipv4_prefix_len = 24;
	ca.congestion_control = fata_rng_below(&rng, 2) ? FATA_TCP_CC_CUBIC : FATA_TCP_CC_NEWRENO;
	ca.disable_sack = fata_rng_below(&rng, 4) == 0;
	ca.disable_timestamps = fata_rng_below(&rng, 4) == 0;
	ca.disable_window_scale = fata_rng_below(&rng, 4) == 0;
	cb = ca;
	cb.ipv4 = fata_ipv4(192, 0, 2, 2);
	ck_assert_int_eq(fata_tcpip_new(loop, na, &ca, &a), 0);
	ck_assert_int_eq(fata_tcpip_new(loop, nb, &cb, &b), 0);

	uint64_t client_bytes = pick_size(&rng, seed);
	uint64_t server_bytes = pick_size(&rng, seed + 1);
	sim_app_init(&app, loop, &rng, seed, client_bytes, server_bytes);

	struct fata_sockaddr server = { .ip = cb.ipv4, .port = 7001 };
	ck_assert_int_eq(fata_stack_listen(b, &server, 8, NULL, &app.listener), 0);
	fata_promise_then(fata_listener_accept(app.listener), sim_app_on_accepted, &app);
	fata_promise_then(fata_stack_connect(a, &server, NULL), sim_app_on_connected, &app);

	int status = 0;
	struct fata_promise *limit = fata_promise_timeout(loop, app.done, 4 * 3600 * SEC);
	int run = fata_loop_run_until(loop, limit, &status, NULL);
	if (run < 0)
		sim_app_fail(&app, "the loop went idle before the transfer ended", run);
	else if (status < 0)
		sim_app_fail(&app, "the transfer did not finish", status);
	if (app.failure[0] == 0)
		sim_app_verify(&app);

	/* With offloads, a transfer of many segments must have used TSO frames. */
	uint64_t tso_frames = na->stats.tx_gso_frames + nb->stats.tx_gso_frames;
	if (app.failure[0] == 0 && params.offloads && client_bytes + server_bytes >= 100000 &&
			tso_frames == 0)
		sim_app_fail(&app, "no TSO frame was sent with offloads on", 0);

	snprintf(report, report_len, "seed %" PRIu64 ": %" PRIu64 "/%" PRIu64
			" bytes read, loss %u ppm, %s%s%s%s%s, %" PRIu64 " s%s%s", seed,
			app.server.read_bytes, app.client.read_bytes, params.loss_ppm,
			params.offloads ? "tso " : "",
			ca.congestion_control == FATA_TCP_CC_CUBIC ? "cubic" : "newreno",
			ca.disable_sack ? " nosack" : "", ca.disable_timestamps ? " nots" : "",
			ca.disable_window_scale ? " nows" : "", fata_loop_now(loop) / SEC,
			app.failure[0] ? ": " : "", app.failure);

	int failed = app.failure[0] != 0;
	if (app.listener)
		fata_listener_close(app.listener);
	fata_stack_destroy(a);
	fata_stack_destroy(b);
	fata_sim_link_free(link);
	fata_loop_free(loop);
	return failed ? -1 : 0;
}

START_TEST(stacks_over_sim_link)
{
	const char *one = getenv("FATA_SIM_SEED");
	const char *count_text = getenv("FATA_SIM_SEEDS");
	uint64_t first = 1, count = 60;
	char report[512];
	int failures = 0;

	if (one) {
		first = strtoull(one, NULL, 10);
		count = 1;
	} else if (count_text) {
		count = strtoull(count_text, NULL, 10);
	}

	for (uint64_t seed = first; seed < first + count; seed++) {
		if (run_seed(seed, report, sizeof(report)) < 0) {
			failures++;
			fprintf(stderr, "FAILED %s\n  replay with FATA_SIM_SEED=%" PRIu64 "\n", report,
					seed);
		} else if (one || getenv("FATA_SIM_VERBOSE")) {
			fprintf(stderr, "ok %s\n", report);
		}
	}
	ck_assert_msg(failures == 0, "%d of %" PRIu64 " seeds failed (see above)", failures, count);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tcp-stack-sim");
	TCase *tc = tcase_create("stack-sim");

	tcase_set_timeout(tc, 3600);
	tcase_add_test(tc, stacks_over_sim_link);
	suite_add_tcase(s, tc);

	SRunner *sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
