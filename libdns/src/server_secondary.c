/*
 * Secondary zones: the zone is copied from a primary by AXFR over TCP
 * (RFC 5936) and kept fresh with the SOA timers (RFC 1035 section 3.3.13,
 * RFC 1996): every `refresh` seconds, or at once on NOTIFY, the SOA serial
 * is asked on a TCP connection; when the primary's is newer (RFC 1982
 * arithmetic) the zone is transferred on the same connection. A failed
 * refresh is retried after `retry` seconds, and a zone not refreshed for
 * `expire` seconds is dropped (queries then get SERVFAIL).
 *
 * A zone that has a version requests IXFR (RFC 1995) with its serial. The
 * answer's second record determines its form (section 4). A SOA starts the
 * differences, which are applied to a copy of the current version, and
 * any other record means the whole zone follows in AXFR form. When an
 * incremental answer does not fit the current version, or the primary
 * rejects IXFR, the next attempt starts at once and requests AXFR.
 *
 * The new zone is built aside and published only when the transfer ended
 * with the closing SOA, so a broken transfer never replaces good data.
 * NOTE: every message of a TSIG-signed transfer must carry a TSIG record;
 * RFC 8945 5.3.1 lets a primary leave up to 99 in a row unsigned, which
 * this implementation rejects.
 */
#include <string.h>

#include <fata/alloc.h>
#include <fata/dns.h>
#include <fata/dns_server.h>
#include <fata/dns_tsig.h>
#include <fata/entropy.h>
#include <fata/error.h>
#include <fata/flow.h>
#include <fata/fmt.h>
#include <fata/log.h>

#include "dns_internal.h"
#include "server_internal.h"

/* What the message handlers return when the refresh is finished and good. */
static const char refresh_complete[] = "";

/* Seconds between attempts before the first successful transfer. */
#define SECONDARY_INITIAL_RETRY 5

enum refresh_phase { PHASE_IDLE, PHASE_CONNECT, PHASE_SOA, PHASE_AXFR, PHASE_IXFR };

/* Where an IXFR answer is: which record comes next (RFC 1995 section 4). */
enum ixfr_step {
	IXFR_NEW_SOA,    /* the first record, the primary's current SOA */
	IXFR_FORM,       /* the second record, a SOA for the incremental form */
	IXFR_DELETIONS,  /* a difference's deleted records, up to its new SOA */
	IXFR_ADDITIONS,  /* its added records, up to the next old SOA or the final SOA */
	IXFR_END,
};

struct server_secondary {
	struct fata_dns_server *srv;
	struct fata_dns_name origin;
	struct fata_sockaddr primary;
	const struct fata_dns_tsig_key *key;

	enum refresh_phase phase;
	int notified;  /* a NOTIFY arrived during a refresh: refresh again after it */
	struct fata_timer timer;   /* next refresh or retry */
	struct fata_timer expire;  /* drops the zone */
	struct fata_timer deadline;/* bounds one refresh */

	struct fata_promise *connect;
	struct fata_promise *read;
	struct fata_promise *write;
	struct fata_flow *flow;
	struct tcp_frame frame;
	struct fata_view input;
	size_t input_off;

	uint16_t id;
	uint8_t mac[FATA_HASH_MAX_SIZE];
	size_t mac_len;
	unsigned messages;
	struct fata_dns_zone *incoming;
	uint32_t serial;
	int soas;
	size_t records;
	/* IXFR: the next step, the serial the difference being read ends at. */
	enum ixfr_step ixfr;
	uint32_t ixfr_serial;
	int axfr_next; /* the last IXFR failed: ask for AXFR next, at once */
};

static void sec_log(enum fata_log_level level, const struct server_secondary *sec,
		const char *fmt, const char *detail)
{
	char zone[FATA_DNS_NAME_TEXT_MAX], primary[FATA_SOCKADDR_STRLEN];

	fata_dns_name_format(&sec->origin, zone, sizeof zone);
	fata_sockaddr_format(&sec->primary, primary, sizeof primary);
	fata_log(level, "dns", "zone %s from primary %s: %s%s", zone, primary, fmt, detail);
}

static void ignore_result(void *arg, int status, union fata_value value)
{
	(void)arg;
	(void)status;
	(void)value;
}

/* Ends the connection and any half-built zone. */
static void sec_reset(struct server_secondary *sec)
{
	fata_promise_cancel(sec->connect);
	fata_promise_cancel(sec->read);
	fata_promise_cancel(sec->write);
	sec->connect = sec->read = sec->write = NULL;
	if (sec->flow) {
		struct fata_promise *closed = fata_flow_close(sec->flow);

		if (closed)
			fata_promise_then(closed, ignore_result, NULL);
		sec->flow = NULL;
	}
	fata_view_release(&sec->input);
	tcp_frame_free(&sec->frame);
	fata_dns_zone_unref(sec->incoming);
	sec->incoming = NULL;
	fata_timer_cancel(sec->srv->loop, &sec->deadline);
	sec->phase = PHASE_IDLE;
}

static struct server_zone *sec_zone(struct server_secondary *sec)
{
	return server_zone_exact(sec->srv, &sec->origin);
}

/* Reads refresh, retry or expire (index 1, 2, 3) from the zone's SOA, in seconds. */
static uint32_t soa_timer(const struct fata_dns_zone *zone, int index)
{
	struct fata_dns_rr soa;

	if (!zone || fata_dns_zone_soa(zone, &soa) < 0)
		return SECONDARY_INITIAL_RETRY;
	return dns_get32(soa.rdata + soa.rdlen - 20 + 4 * index);
}

static void schedule(struct server_secondary *sec, uint32_t seconds)
{
	struct fata_loop *loop = sec->srv->loop;

	fata_timer_arm(loop, &sec->timer, fata_loop_now(loop) + (uint64_t)seconds * 1000000000u);
}

static void refresh_start(struct server_secondary *sec);

static void refresh_done(struct server_secondary *sec, int ok, const char *why)
{
	struct server_zone *sz = sec_zone(sec);
	int failed_ixfr = !ok && sec->phase == PHASE_IXFR;

	sec_reset(sec);
	if (failed_ixfr) {
		sec->axfr_next = 1;
		sec->notified = 1;
	}
	if (ok) {
		struct fata_loop *loop = sec->srv->loop;

		schedule(sec, soa_timer(sz->zone, 1));
		fata_timer_arm(loop, &sec->expire, fata_loop_now(loop)
				+ (uint64_t)soa_timer(sz->zone, 3) * 1000000000u);
	} else {
		sec->srv->stats.refresh_failures++;
		sec_log(FATA_LOG_WARN, sec, "refresh failed: ", why);
		schedule(sec, soa_timer(sz->zone, 2));
	}
	if (sec->notified) {
		sec->notified = 0;
		refresh_start(sec);
	}
}

/*
 * Forgets the finished write: a promise whose callback has run is
 * recycled, so cancelling it later would cancel an unrelated operation.
 */
static void sec_written(void *arg, int status, union fata_value value)
{
	struct server_secondary *sec = arg;

	(void)value;
	sec->write = NULL;
	if (status < 0)
		refresh_done(sec, 0, fata_strerror(status));
}

/* The question, a SOA of at most 10 + 255 + 10 + 255 + 255 + 20 bytes, and a TSIG record. */
#define SEC_QUERY_MAX (FATA_DNS_UDP_MIN + 1024 + FATA_DNS_TSIG_RR_MAX)

/*
 * Sends a query of `type`. For IXFR, `have` is the version whose SOA goes
 * in the authority section.
 */
static int sec_send_query(struct server_secondary *sec, uint16_t type,
		const struct fata_dns_zone *have)
{
	struct fata_dns_question q = { .name = sec->origin, .type = type,
		.class_ = FATA_DNS_CLASS_IN };
	struct fata_dns_builder b;
	uint8_t msg[2 + SEC_QUERY_MAX];
	struct fata_dns_rr soa;
	size_t len;
	int err;

	if (fata_entropy_fill(&sec->id, sizeof sec->id) < 0)
		return FATA_EIO;
	fata_dns_builder_init(&b, msg + 2, sizeof msg - 2, sec->id, 0);
	fata_dns_build_question(&b, &q);
	/* RFC 1995 section 3: the client's version goes as its SOA in the authority section. */
	if (have && (fata_dns_zone_soa(have, &soa) < 0
			|| fata_dns_build_rr(&b, FATA_DNS_SECTION_AUTHORITY, &soa) < 0))
		return FATA_EINVAL;
	len = fata_dns_builder_finish(&b);
	if (sec->key) {
		err = fata_dns_tsig_sign(msg + 2, &len, sizeof msg - 2, sec->key,
				server_now(sec->srv), NULL, 0, 0, 0, sec->mac);
		if (err < 0)
			return err;
		sec->mac_len = (size_t)err;
	}
	dns_put16(msg, (uint16_t)len);
	sec->messages = 0;

	fata_promise_cancel(sec->write);
	sec->write = fata_flow_write_copy(sec->flow, msg, len + 2);
	if (!sec->write)
		return FATA_ENOMEM;
	fata_promise_then(sec->write, sec_written, sec);
	return 0;
}

/* Checks ID, flags and TSIG of a response. Returns NULL or why it is bad. */
static const char *check_response(struct server_secondary *sec, const uint8_t *msg, size_t len,
		struct fata_dns_parser *p)
{
	if (fata_dns_parser_init(p, msg, len) < 0 || p->header.id != sec->id
			|| !(p->header.flags & FATA_DNS_FLAG_QR))
		return "response does not match the request";
	if (fata_dns_flags_rcode(p->header.flags) != FATA_DNS_RCODE_NOERROR)
		return fata_dns_rcode_name(fata_dns_flags_rcode(p->header.flags));

	if (sec->key) {
		struct fata_dns_tsig_record rec;
		int rc;

		if (fata_dns_tsig_find(msg, len, &rec) < 0)
			return "response is not signed";
		rc = fata_dns_tsig_verify(msg, len, &rec, sec->key, 1, server_now(sec->srv), sec->mac,
				sec->mac_len, sec->messages > 0, NULL);
		if (rc != 0)
			return "response TSIG check failed";
		memcpy(sec->mac, rec.mac, rec.mac_len);
		sec->mac_len = rec.mac_len;
	}
	sec->messages++;
	return NULL;
}

static const char *on_soa_response(struct server_secondary *sec, const uint8_t *msg, size_t len)
{
	struct fata_dns_parser p;
	struct fata_dns_rr rr;
	enum fata_dns_section section;
	struct server_zone *sz = sec_zone(sec);
	const char *why = check_response(sec, msg, len, &p);

	if (why)
		return why;
	while (fata_dns_parse_rr(&p, &rr, &section) == 0) {
		if (section != FATA_DNS_SECTION_ANSWER || rr.type != FATA_DNS_TYPE_SOA
				|| !fata_dns_name_equal(&rr.owner, &sec->origin))
			continue;
		sec->serial = dns_get32(rr.rdata + rr.rdlen - 20);

		if (sz->zone && fata_dns_serial_compare(sec->serial,
				fata_dns_zone_serial(sz->zone)) != 1)
			return refresh_complete; /* up to date */
		if (fata_dns_zone_new(&sec->origin, FATA_DNS_CLASS_IN, &sec->incoming) < 0)
			return "out of memory";
		sec->soas = 0;
		sec->records = 0;
		if (sz->zone && !sec->axfr_next) {
			sec->phase = PHASE_IXFR;
			sec->ixfr = IXFR_NEW_SOA;
			return sec_send_query(sec, FATA_DNS_TYPE_IXFR, sz->zone) < 0
				? "cannot send IXFR" : NULL;
		}
		sec->phase = PHASE_AXFR;
		return sec_send_query(sec, FATA_DNS_TYPE_AXFR, NULL) < 0 ? "cannot send AXFR" : NULL;
	}
	return "primary sent no SOA for the zone";
}

static void publish(struct server_secondary *sec)
{
	struct server_zone *sz = sec_zone(sec);
	int incremental = sec->phase == PHASE_IXFR;
	char detail[64];
	const char *why;

	if (fata_dns_zone_check(sec->incoming, &why) < 0) {
		refresh_done(sec, 0, why);
		return;
	}
	server_publish(sec->srv, sz, sec->incoming);
	sec->incoming = NULL;
	sec->srv->stats.refreshes++;
	if (incremental) {
		sec->srv->stats.ixfr_refreshes++;
		fata_snprintf(detail, sizeof detail, "serial %u, %zu records deleted or added",
				(unsigned)fata_dns_zone_serial(sz->zone), sec->records);
		sec_log(FATA_LOG_INFO, sec, "transferred by IXFR, ", detail);
	} else {
		sec->axfr_next = 0;
		fata_snprintf(detail, sizeof detail, "serial %u, %zu records",
				(unsigned)fata_dns_zone_serial(sz->zone), sec->records);
		sec_log(FATA_LOG_INFO, sec, "transferred by AXFR, ", detail);
	}
	refresh_done(sec, 1, NULL);
}

/* Adds one record of an AXFR (or AXFR-form) answer. Returns NULL or why it failed. */
static const char *axfr_record(struct server_secondary *sec, const struct fata_dns_rr *rr)
{
	int err;

	if (rr->type == FATA_DNS_TYPE_SOA && fata_dns_name_equal(&rr->owner, &sec->origin)) {
		/* RFC 5936 2.2: the transfer opens and closes with the SOA. */
		if (++sec->soas == 2)
			return NULL;
	} else if (sec->soas == 0) {
		return "transfer does not start with the SOA";
	}
	err = fata_dns_zone_add(sec->incoming, rr);
	if (err == 0)
		sec->records++;
	else if (err != FATA_EEXIST)
		return "transfer has a record that does not belong in the zone";
	return NULL;
}

/* Returns the serial of a SOA record of the zone, or sets *is_soa to 0 for other records. */
static uint32_t apex_soa_serial(const struct server_secondary *sec, const struct fata_dns_rr *rr,
		int *is_soa)
{
	*is_soa = rr->type == FATA_DNS_TYPE_SOA && fata_dns_name_equal(&rr->owner, &sec->origin)
		&& rr->rdlen >= 22;
	return *is_soa ? dns_get32(rr->rdata + rr->rdlen - 20) : 0;
}

/*
 * Takes the second record of an IXFR answer. A SOA with our serial starts
 * the incremental form, applied to a copy of the current version. Any
 * other record means the AXFR form (RFC 1995 section 4).
 */
static const char *ixfr_form(struct server_secondary *sec, const struct fata_dns_rr *rr)
{
	struct server_zone *sz = sec_zone(sec);
	int is_soa;
	uint32_t serial = apex_soa_serial(sec, rr, &is_soa);
	uint32_t have;

	if (!sz->zone)
		return "the zone expired during the transfer";
	have = fata_dns_zone_serial(sz->zone);
	if (!is_soa) {
		/* The first SOA, already in the new zone, is its first record. */
		sec->phase = PHASE_AXFR;
		sec->soas = 1;
		sec->records = 1;
		return axfr_record(sec, rr);
	}
	if (serial != have)
		return "IXFR does not start at this zone's serial";
	fata_dns_zone_unref(sec->incoming);
	sec->incoming = NULL;
	if (fata_dns_zone_clone(sz->zone, &sec->incoming) < 0)
		return "out of memory";
	sec->ixfr_serial = have;
	sec->ixfr = IXFR_DELETIONS;
	return NULL;
}

/* Applies one record of a difference: a deletion, an addition or a SOA between them. */
static const char *ixfr_change(struct server_secondary *sec, const struct fata_dns_rr *rr)
{
	int is_soa, err;
	uint32_t serial = apex_soa_serial(sec, rr, &is_soa);

	if (is_soa && sec->ixfr == IXFR_DELETIONS) {
		/* The difference's new SOA: the deletions are over. */
		if (fata_dns_serial_compare(serial, sec->ixfr_serial) != 1)
			return "IXFR difference does not raise the serial";
		if (fata_dns_zone_add(sec->incoming, rr) < 0)
			return "IXFR has a SOA that cannot be stored";
		sec->ixfr_serial = serial;
		sec->ixfr = IXFR_ADDITIONS;
		return NULL;
	}
	if (is_soa) {
		/* The final SOA ends the answer, and any other must start the next difference. */
		if (serial == sec->serial && sec->ixfr_serial == sec->serial)
			sec->ixfr = IXFR_END;
		else if (serial == sec->ixfr_serial)
			sec->ixfr = IXFR_DELETIONS;
		else
			return "IXFR differences do not form a chain";
		return NULL;
	}

	sec->records++;
	if (sec->ixfr == IXFR_DELETIONS)
		return fata_dns_zone_remove(sec->incoming, rr) < 0
			? "IXFR deletes a record the zone does not have" : NULL;
	err = fata_dns_zone_add(sec->incoming, rr);
	if (err < 0 && err != FATA_EEXIST)
		return "IXFR adds a record that does not belong in the zone";
	return NULL;
}

/* Takes one record of an IXFR answer. Returns NULL or why it failed. */
static const char *ixfr_record(struct server_secondary *sec, const struct fata_dns_rr *rr)
{
	int is_soa;
	uint32_t serial = apex_soa_serial(sec, rr, &is_soa);

	switch (sec->ixfr) {
	case IXFR_NEW_SOA:
		if (!is_soa)
			return "transfer does not start with the SOA";
		sec->serial = serial;
		sec->soas = 1;
		sec->ixfr = IXFR_FORM;
		return fata_dns_zone_add(sec->incoming, rr) < 0 ? "out of memory" : NULL;
	case IXFR_FORM:
		return ixfr_form(sec, rr);
	case IXFR_DELETIONS:
	case IXFR_ADDITIONS:
		return ixfr_change(sec, rr);
	case IXFR_END:
		break;
	}
	return "records after the closing SOA";
}

/* Returns 1 when the transfer has read its closing SOA. */
static int transfer_complete(const struct server_secondary *sec)
{
	return sec->phase == PHASE_AXFR ? sec->soas == 2 : sec->ixfr == IXFR_END;
}

/*
 * Reads one AXFR or IXFR message. Returns NULL when more must follow,
 * refresh_complete after the closing SOA, or why the transfer failed.
 */
static const char *on_xfr_message(struct server_secondary *sec, const uint8_t *msg, size_t len)
{
	struct fata_dns_parser p;
	struct fata_dns_rr rr;
	enum fata_dns_section section;
	const char *why = check_response(sec, msg, len, &p);

	if (why)
		return why;
	while (fata_dns_parse_rr(&p, &rr, &section) == 0) {
		if (section != FATA_DNS_SECTION_ANSWER)
			continue;
		if (transfer_complete(sec))
			return "records after the closing SOA";
		why = sec->phase == PHASE_AXFR ? axfr_record(sec, &rr) : ixfr_record(sec, &rr);
		if (why)
			return why;
	}
	if (p.err)
		return "malformed transfer message";
	return transfer_complete(sec) ? refresh_complete : NULL;
}

/*
 * Returns 1 when an IXFR answer was the SOA alone and names no newer
 * version than ours: the zone is up to date (RFC 1995 section 4).
 */
static int ixfr_up_to_date(struct server_secondary *sec)
{
	struct server_zone *sz = sec_zone(sec);

	return sec->phase == PHASE_IXFR && sec->ixfr == IXFR_FORM && sz->zone
		&& fata_dns_serial_compare(sec->serial, fata_dns_zone_serial(sz->zone)) != 1;
}

static void sec_read(struct server_secondary *sec);

static void sec_received(void *arg, int status, union fata_value value)
{
	struct server_secondary *sec = arg;
	const uint8_t *msg;
	size_t len;

	sec->read = NULL;
	if (status < 0) {
		refresh_done(sec, 0, fata_strerror(status));
		return;
	}
	if (value.view.len == 0) {
		fata_view_release(&value.view);
		refresh_done(sec, 0, "primary closed the connection");
		return;
	}
	sec->input = value.view;
	sec->input_off = 0;

	while (sec->input_off < sec->input.len) {
		const char *why;

		sec->input_off += tcp_frame_feed(&sec->frame, fata_view_data(sec->input) + sec->input_off,
				sec->input.len - sec->input_off);
		if (!tcp_frame_message(&sec->frame, &msg, &len))
			continue;
		if (sec->phase == PHASE_SOA) {
			why = on_soa_response(sec, msg, len);
		} else {
			why = on_xfr_message(sec, msg, len);
			if (!why && ixfr_up_to_date(sec))
				why = refresh_complete;
		}
		tcp_frame_consume(&sec->frame);

		if (why == refresh_complete) {
			if (transfer_complete(sec))
				publish(sec);
			else
				refresh_done(sec, 1, NULL);
			return;
		}
		if (why) {
			refresh_done(sec, 0, why);
			return;
		}
	}
	fata_view_release(&sec->input);
	sec_read(sec);
}

static void sec_read(struct server_secondary *sec)
{
	sec->read = fata_flow_read(sec->flow);
	if (!sec->read) {
		refresh_done(sec, 0, "out of memory");
		return;
	}
	fata_promise_then(sec->read, sec_received, sec);
}

static void sec_connected(void *arg, int status, union fata_value value)
{
	struct server_secondary *sec = arg;

	sec->connect = NULL;
	if (status < 0) {
		refresh_done(sec, 0, fata_strerror(status));
		return;
	}
	sec->flow = value.ptr;
	sec->phase = PHASE_SOA;
	if (tcp_frame_init(&sec->frame) < 0 || sec_send_query(sec, FATA_DNS_TYPE_SOA, NULL) < 0) {
		refresh_done(sec, 0, "cannot send the SOA query");
		return;
	}
	sec_read(sec);
}

static void refresh_start(struct server_secondary *sec)
{
	struct fata_loop *loop = sec->srv->loop;

	if (sec->phase != PHASE_IDLE) {
		sec->notified = 1;
		return;
	}
	fata_timer_cancel(loop, &sec->timer);
	sec->phase = PHASE_CONNECT;
	fata_timer_arm(loop, &sec->deadline, fata_loop_now(loop) + sec->srv->config.refresh_timeout_ns);
	sec->connect = fata_stack_connect(sec->srv->stack, &sec->primary, NULL);
	if (!sec->connect) {
		refresh_done(sec, 0, "out of memory");
		return;
	}
	fata_promise_then(sec->connect, sec_connected, sec);
}

static void refresh_timer(void *arg, struct fata_timer *t)
{
	(void)t;
	refresh_start(arg);
}

static void deadline_timer(void *arg, struct fata_timer *t)
{
	(void)t;
	refresh_done(arg, 0, "timed out");
}

static void expire_timer(void *arg, struct fata_timer *t)
{
	struct server_secondary *sec = arg;
	struct server_zone *sz = sec_zone(sec);

	(void)t;
	sec_log(FATA_LOG_WARN, sec, "expired: ", "no refresh within the SOA expire time");
	journal_clear(&sz->journal);
	fata_dns_zone_unref(sz->zone);
	sz->zone = NULL;
}

int secondary_new(struct fata_dns_server *srv, struct server_zone *sz,
		const struct fata_sockaddr *primary, const struct fata_dns_tsig_key *key)
{
	struct server_secondary *sec = fata_calloc(1, sizeof *sec);

	if (!sec)
		return FATA_ENOMEM;
	sec->srv = srv;
	sec->origin = sz->origin;
	sec->primary = *primary;
	if (sec->primary.port == 0)
		sec->primary.port = 53;
	sec->key = key;
	fata_timer_init(&sec->timer, refresh_timer, sec);
	fata_timer_init(&sec->expire, expire_timer, sec);
	fata_timer_init(&sec->deadline, deadline_timer, sec);
	sz->secondary = sec;
	return 0;
}

void secondary_start(struct fata_dns_server *srv, struct server_zone *sz)
{
	(void)srv;
	refresh_start(sz->secondary);
}

void secondary_notified(struct fata_dns_server *srv, struct server_zone *sz)
{
	(void)srv;
	refresh_start(sz->secondary);
}

int secondary_is_primary(const struct server_zone *sz, const struct fata_ipaddr *addr)
{
	return fata_ipaddr_equal(&sz->secondary->primary.ip, addr);
}

void secondary_free(struct fata_dns_server *srv, struct server_zone *sz)
{
	struct server_secondary *sec = sz->secondary;

	sec_reset(sec);
	fata_timer_cancel(srv->loop, &sec->timer);
	fata_timer_cancel(srv->loop, &sec->expire);
	fata_free(sec);
	sz->secondary = NULL;
}
