/* RFC 6298 retransmission timer computation. */
#include "tcp_rto.h"

static uint64_t clamp_rto(const struct tcp_rto *r, uint64_t rto)
{
	if (rto < r->min_rto)
		rto = r->min_rto;
	if (rto > TCP_RTO_MAX_NS)
		rto = TCP_RTO_MAX_NS;
	return rto;
}

void tcp_rto_init(struct tcp_rto *r, uint64_t min_rto)
{
	r->srtt = 0;
	r->rttvar = 0;
	r->min_rto = min_rto ? min_rto : TCP_RTO_MIN_NS;
	r->rto = TCP_RTO_INITIAL_NS < r->min_rto ? r->min_rto : TCP_RTO_INITIAL_NS;
	r->backoff = 0;
	r->has_sample = 0;
}

void tcp_rto_sample(struct tcp_rto *r, uint64_t rtt)
{
	if (!r->has_sample) {
		/* Section 2.2: the first measurement R sets SRTT = R, RTTVAR = R/2. */
		r->srtt = rtt;
		r->rttvar = rtt / 2;
		r->has_sample = 1;
	} else {
		/* Section 2.3 with alpha = 1/8 and beta = 1/4, RTTVAR updated first. */
		uint64_t delta = r->srtt > rtt ? r->srtt - rtt : rtt - r->srtt;
		r->rttvar = (3 * r->rttvar + delta) / 4;
		r->srtt = (7 * r->srtt + rtt) / 8;
	}

	uint64_t var = 4 * r->rttvar;
	if (var < TCP_CLOCK_GRANULARITY_NS)
		var = TCP_CLOCK_GRANULARITY_NS;
	r->rto = clamp_rto(r, r->srtt + var);
	r->backoff = 0;
}

void tcp_rto_backoff(struct tcp_rto *r)
{
	if (tcp_rto_current(r) < TCP_RTO_MAX_NS)
		r->backoff++;
}

uint64_t tcp_rto_current(const struct tcp_rto *r)
{
	uint64_t rto = r->rto;

	for (unsigned i = 0; i < r->backoff && rto < TCP_RTO_MAX_NS; i++)
		rto *= 2;
	return rto > TCP_RTO_MAX_NS ? TCP_RTO_MAX_NS : rto;
}
