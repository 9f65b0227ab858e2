/*
 * NewReno (RFC 5681) and CUBIC (RFC 9438) window arithmetic.
 *
 * CUBIC is computed in integers: windows in units of 1/1024 segment, time
 * in milliseconds, so W_cubic(t) = C * (t - K)^3 + W_max with C = 0.4
 * segments per second cubed becomes (t_ms - K_ms)^3 * 0.4 * 1024 / 10^9.
 */
#include "tcp_cc.h"

/* Window values are scaled by this for CUBIC's fixed point arithmetic. */
#define FIXED_ONE 1024

uint32_t tcp_cc_initial_window(uint32_t mss)
{
	/* RFC 5681 section 3.1: IW = min(4 * SMSS, max(2 * SMSS, 4380 bytes)). */
	uint32_t upper = 4 * mss;
	uint32_t lower = 2 * mss > 4380 ? 2 * mss : 4380;

	return upper < lower ? upper : lower;
}

void tcp_cc_init(struct tcp_cc *cc, enum fata_tcp_cc algorithm, uint32_t mss)
{
	*cc = (struct tcp_cc){
		.algorithm = algorithm,
		.mss = mss,
		.cwnd = tcp_cc_initial_window(mss),
		/* RFC 5681 section 3.1: the initial ssthresh may be arbitrarily high. */
		.ssthresh = UINT32_MAX,
	};
}

void tcp_cc_set_mss(struct tcp_cc *cc, uint32_t mss)
{
	cc->mss = mss;
	if (cc->cwnd < mss)
		cc->cwnd = mss;
}

uint64_t tcp_cbrt(uint64_t n)
{
	uint64_t lo = 0;
	/* 2642245^3 fits in 64 bits and 2642246^3 does not, so mid^3 never overflows. */
	uint64_t hi = UINT64_C(2642246);

	while (lo + 1 < hi) {
		uint64_t mid = (lo + hi) / 2;
		if (mid * mid * mid <= n)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

static uint64_t to_fixed(const struct tcp_cc *cc, uint32_t bytes)
{
	return (uint64_t)bytes * FIXED_ONE / cc->mss;
}

static uint32_t from_fixed(const struct tcp_cc *cc, uint64_t fixed)
{
	uint64_t bytes = fixed * cc->mss / FIXED_ONE;

	return bytes > UINT32_MAX / 2 ? UINT32_MAX / 2 : (uint32_t)bytes;
}

uint32_t tcp_cubic_window(const struct tcp_cc *cc, int64_t t_ms)
{
	int64_t d = t_ms - cc->k_ms;

	/* Limit |t - K| to about 17 minutes so d^3 stays inside 64 bits. */
	if (d > (INT64_C(1) << 20))
		d = INT64_C(1) << 20;
	if (d < -(INT64_C(1) << 20))
		d = -(INT64_C(1) << 20);

	/* C * d^3 in fixed-point segments: d^3 / 10^9 s^3 * 0.4 * 1024. */
	int64_t d3 = d * d * d;
	int64_t delta = d3 / 1000000 * (FIXED_ONE * TCP_CUBIC_C_NUM) / (TCP_CUBIC_C_DEN * 1000);
	int64_t w = (int64_t)to_fixed(cc, cc->w_max) + delta;

	if (w < FIXED_ONE)
		w = FIXED_ONE;
	return from_fixed(cc, (uint64_t)w);
}

static void cubic_start_epoch(struct tcp_cc *cc, uint64_t now_ns)
{
	cc->epoch_start = now_ns ? now_ns : 1;
	cc->cwnd_epoch = cc->cwnd;
	cc->w_est = cc->cwnd;
	cc->est_acc = 0;
	cc->cubic_acc = 0;

	/* Equation 2: K = cbrt((W_max - cwnd_epoch) / C), negative when cwnd is above W_max. */
	uint64_t wmax = to_fixed(cc, cc->w_max);
	uint64_t epoch = to_fixed(cc, cc->cwnd_epoch);
	uint64_t diff = wmax > epoch ? wmax - epoch : epoch - wmax;
	/* diff / 1024 segments / 0.4, in ms^3: diff * 10^9 * 5 / (2 * 1024). */
	uint64_t k3 = diff * UINT64_C(1000000000) / FIXED_ONE * TCP_CUBIC_C_DEN / TCP_CUBIC_C_NUM;
	int64_t k = (int64_t)tcp_cbrt(k3);
	cc->k_ms = wmax >= epoch ? k : -k;
}

static void cubic_on_ack(struct tcp_cc *cc, uint32_t acked, uint64_t now_ns, uint64_t srtt_ns)
{
	if (cc->epoch_start == 0) {
		if (cc->w_max < cc->cwnd)
			cc->w_max = cc->cwnd;
		cubic_start_epoch(cc, now_ns);
	}

	/* Section 4.3: the Reno-friendly estimate grows by alpha_cubic per RTT. */
	uint64_t alpha_num = 3 * (TCP_CUBIC_BETA_DEN - TCP_CUBIC_BETA_NUM);
	uint64_t alpha_den = TCP_CUBIC_BETA_DEN + TCP_CUBIC_BETA_NUM;
	if (cc->w_est >= cc->w_max) {
		alpha_num = 1;
		alpha_den = 1;
	}
	cc->est_acc += (uint64_t)acked * cc->mss * alpha_num;
	uint64_t step = alpha_den * cc->cwnd;
	cc->w_est += (uint32_t)(cc->est_acc / step);
	cc->est_acc %= step;

	/* Sections 4.4 and 4.5: aim at W_cubic(t + RTT), at most 1.5 * cwnd. */
	int64_t t_ms = (int64_t)((now_ns - cc->epoch_start + srtt_ns) / 1000000);
	uint32_t target = tcp_cubic_window(cc, t_ms);
	if (target < cc->cwnd)
		target = cc->cwnd;
	if (target > cc->cwnd + cc->cwnd / 2)
		target = cc->cwnd + cc->cwnd / 2;

	uint32_t cubic_now = tcp_cubic_window(cc, (int64_t)((now_ns - cc->epoch_start) / 1000000));
	if (cubic_now < cc->w_est) {
		/* Reno-friendly region: follow the estimate. */
		if (cc->w_est > cc->cwnd)
			cc->cwnd = cc->w_est;
		return;
	}

	/* cwnd grows by (target - cwnd) / cwnd per acknowledged segment. */
	cc->cubic_acc += (uint64_t)(target - cc->cwnd) * acked;
	uint32_t grow = (uint32_t)(cc->cubic_acc / cc->cwnd);
	cc->cubic_acc %= cc->cwnd;
	cc->cwnd += grow;
}

void tcp_cc_on_ack(struct tcp_cc *cc, uint32_t acked, uint64_t now_ns, uint64_t srtt_ns)
{
	if (cc->cwnd < cc->ssthresh) {
		/* RFC 5681 section 3.1: slow start adds at most one SMSS per ACK. */
		cc->cwnd += acked < cc->mss ? acked : cc->mss;
		return;
	}

	if (cc->algorithm == FATA_TCP_CC_CUBIC) {
		cubic_on_ack(cc, acked, now_ns, srtt_ns);
		return;
	}

	/* RFC 5681 section 3.1, byte counting: one SMSS per window of ACKed bytes. */
	cc->bytes_acked += acked;
	if (cc->bytes_acked >= cc->cwnd) {
		cc->bytes_acked -= cc->cwnd;
		cc->cwnd += cc->mss;
	}
}

uint32_t tcp_cc_on_loss(struct tcp_cc *cc, uint32_t flight, uint64_t now_ns)
{
	(void)now_ns;
	uint32_t floor = 2 * cc->mss;

	cc->bytes_acked = 0;
	if (cc->algorithm == FATA_TCP_CC_CUBIC) {
		/* Section 4.7 fast convergence: release bandwidth when W_max shrinks. */
		if (cc->cwnd < cc->w_max)
			cc->w_max = (uint32_t)((uint64_t)cc->cwnd *
					(TCP_CUBIC_BETA_DEN + TCP_CUBIC_BETA_NUM) / (2 * TCP_CUBIC_BETA_DEN));
		else
			cc->w_max = cc->cwnd;

		/* Section 4.6: ssthresh = cwnd * beta_cubic. */
		uint32_t ssthresh = (uint32_t)((uint64_t)cc->cwnd * TCP_CUBIC_BETA_NUM /
				TCP_CUBIC_BETA_DEN);
		cc->ssthresh = ssthresh > floor ? ssthresh : floor;
		cc->epoch_start = 0;
		return cc->ssthresh;
	}

	/* RFC 5681 equation 4: ssthresh = max(FlightSize / 2, 2 * SMSS). */
	cc->ssthresh = flight / 2 > floor ? flight / 2 : floor;
	return cc->ssthresh;
}

void tcp_cc_on_rto(struct tcp_cc *cc, uint32_t flight, int repeat, uint64_t now_ns)
{
	/* RFC 5681 section 3.1: a repeated timeout keeps ssthresh (equation 4 once). */
	if (!repeat)
		tcp_cc_on_loss(cc, flight, now_ns);
	cc->cwnd = cc->mss;
	cc->epoch_start = 0;
}
