/*
 * NOTIFY (RFC 1996). As a primary, the server tells each configured
 * target about a new version of a zone and retries until the target
 * answers or the attempts run out (section 3.6). As a secondary, it accepts
 * NOTIFY from its primary and refreshes the zone at once (section 3.7).
 */
#include <string.h>

#include <fata/alloc.h>
#include <fata/dns.h>
#include <fata/dns_server.h>
#include <fata/dns_tsig.h>
#include <fata/entropy.h>
#include <fata/error.h>
#include <fata/log.h>

#include "dns_internal.h"
#include "server_internal.h"

struct notify_job {
	struct notify_job *next;
	struct fata_dns_server *srv;
	struct fata_dns_name zone;
	struct fata_sockaddr target;
	const struct fata_dns_tsig_key *key;
	uint16_t id;
	uint32_t tries;
	struct fata_timer timer;
	uint8_t mac[FATA_HASH_MAX_SIZE];
	size_t mac_len;
};

static void job_remove(struct fata_dns_server *srv, struct notify_job *job)
{
	for (struct notify_job **pp = &srv->jobs; *pp; pp = &(*pp)->next) {
		if (*pp == job) {
			*pp = job->next;
			break;
		}
	}
	fata_timer_cancel(srv->loop, &job->timer);
	fata_free(job);
}

static void log_notify(enum fata_log_level level, const struct notify_job *job, const char *what)
{
	char zone[FATA_DNS_NAME_TEXT_MAX], target[FATA_SOCKADDR_STRLEN];

	fata_dns_name_format(&job->zone, zone, sizeof zone);
	fata_sockaddr_format(&job->target, target, sizeof target);
	fata_log(level, "dns", "NOTIFY for zone %s to %s: %s", zone, target, what);
}

/* Builds and sends one NOTIFY; the question names the zone, the answer carries its SOA. */
static void job_send(struct notify_job *job)
{
	struct fata_dns_server *srv = job->srv;
	struct server_zone *sz = server_zone_exact(srv, &job->zone);
	struct fata_dns_question q = { .name = job->zone, .type = FATA_DNS_TYPE_SOA,
		.class_ = FATA_DNS_CLASS_IN };
	struct fata_dns_builder b;
	struct fata_dns_rr soa;
	uint8_t msg[FATA_DNS_UDP_MIN + FATA_DNS_TSIG_RR_MAX];
	size_t len;
	int sent;

	/* Retries keep the ID, so a late answer to an earlier attempt still counts. */
	if (job->tries == 0 && fata_entropy_fill(&job->id, sizeof job->id) < 0)
		job->id = (uint16_t)(job->id * 31 + 7);
	fata_dns_builder_init(&b, msg, sizeof msg, job->id,
			(uint16_t)(FATA_DNS_OP_NOTIFY << 11) | FATA_DNS_FLAG_AA);
	if (sz && sz->zone)
		q.class_ = fata_dns_zone_class(sz->zone);
	fata_dns_build_question(&b, &q);
	if (sz && sz->zone && fata_dns_zone_soa(sz->zone, &soa) == 0)
		fata_dns_build_rr(&b, FATA_DNS_SECTION_ANSWER, &soa);
	len = fata_dns_builder_finish(&b);
	if (job->key) {
		sent = fata_dns_tsig_sign(msg, &len, sizeof msg, job->key, server_now(srv), NULL, 0,
				0, 0, job->mac);
		job->mac_len = sent > 0 ? (size_t)sent : 0;
	}

	job->tries++;
	srv->stats.notifies_sent++;
	if (net_udp_send(srv, &job->target, msg, len) < 0)
		log_notify(FATA_LOG_WARN, job, "send failed");
	fata_timer_arm(srv->loop, &job->timer, fata_loop_now(srv->loop) + srv->config.notify_retry_ns);
}

static void job_timeout(void *arg, struct fata_timer *t)
{
	struct notify_job *job = arg;
	struct fata_dns_server *srv = job->srv;

	(void)t;
	if (job->tries >= srv->config.notify_tries) {
		srv->stats.notifies_failed++;
		log_notify(FATA_LOG_WARN, job, "no response, giving up");
		job_remove(srv, job);
		return;
	}
	log_notify(FATA_LOG_INFO, job, "no response yet, retrying");
	job_send(job);
}

void notify_zone(struct fata_dns_server *srv, struct server_zone *sz)
{
	if (!srv->started)
		return;
	for (size_t i = 0; i < srv->ntargets; i++) {
		const struct notify_target *t = &srv->targets[i];
		struct notify_job *job;

		/* A target still being notified of an older version just starts over. */
		for (job = srv->jobs; job; job = job->next) {
			if (fata_dns_name_equal(&job->zone, &sz->origin)
					&& fata_ipaddr_equal(&job->target.ip, &t->addr.ip)
					&& job->target.port == t->addr.port)
				break;
		}
		if (!job) {
			job = fata_calloc(1, sizeof *job);
			if (!job) {
				fata_log(FATA_LOG_WARN, "dns", "out of memory: NOTIFY not sent");
				continue;
			}
			job->srv = srv;
			job->zone = sz->origin;
			job->target = t->addr;
			job->key = t->has_key ? server_key(srv, &t->key) : NULL;
			fata_timer_init(&job->timer, job_timeout, job);
			job->next = srv->jobs;
			srv->jobs = job;
		}
		job->tries = 0;
		log_notify(FATA_LOG_INFO, job, "sending");
		job_send(job);
	}
}

void notify_response(struct fata_dns_server *srv, const uint8_t *msg, size_t len,
		const struct fata_sockaddr *from)
{
	struct fata_dns_parser p;
	struct fata_dns_question q;
	struct notify_job *job;

	if (fata_dns_parser_init(&p, msg, len) < 0
			|| fata_dns_flags_opcode(p.header.flags) != FATA_DNS_OP_NOTIFY
			|| fata_dns_parse_question(&p, &q) < 0) {
		srv->stats.dropped++;
		return;
	}
	/* Match ID, source address and port, and zone, so strays cannot end a job. */
	for (job = srv->jobs; job; job = job->next) {
		if (job->id == p.header.id && fata_ipaddr_equal(&job->target.ip, &from->ip)
				&& job->target.port == from->port && fata_dns_name_equal(&job->zone, &q.name))
			break;
	}
	if (!job) {
		srv->stats.dropped++;
		return;
	}
	if (job->key) {
		struct fata_dns_tsig_record rec;

		if (fata_dns_tsig_find(msg, len, &rec) < 0 || fata_dns_tsig_verify(msg, len, &rec,
				job->key, 1, server_now(srv), job->mac, job->mac_len, 0, NULL) != 0) {
			log_notify(FATA_LOG_WARN, job, "response has no valid TSIG, ignored");
			return;
		}
	}

	if (fata_dns_flags_rcode(p.header.flags) == FATA_DNS_RCODE_NOERROR) {
		srv->stats.notifies_acked++;
		log_notify(FATA_LOG_INFO, job, "acknowledged");
	} else {
		srv->stats.notifies_failed++;
		log_notify(FATA_LOG_WARN, job, fata_dns_rcode_name(fata_dns_flags_rcode(p.header.flags)));
	}
	job_remove(srv, job);
}

void notify_request(struct fata_dns_server *srv, const struct request *req, struct response *resp)
{
	struct server_zone *sz = server_zone_exact(srv, &req->q.name);
	char zone[FATA_DNS_NAME_TEXT_MAX], client[FATA_SOCKADDR_STRLEN];

	srv->stats.notifies_received++;
	fata_dns_name_format(&req->q.name, zone, sizeof zone);
	fata_sockaddr_format(req->client, client, sizeof client);

	if (req->q.type != FATA_DNS_TYPE_SOA) {
		resp->rcode = FATA_DNS_RCODE_FORMERR;
		return;
	}
	if (!sz) {
		resp->rcode = FATA_DNS_RCODE_NOTAUTH;
		return;
	}
	/* Only the primary may trigger a refresh (section 3.10 of RFC 1996). */
	if (!sz->secondary || !secondary_is_primary(sz, &req->client->ip)) {
		fata_log(FATA_LOG_WARN, "dns", "NOTIFY for zone %s from %s refused: not its primary",
				zone, client);
		resp->rcode = FATA_DNS_RCODE_REFUSED;
		return;
	}

	fata_log(FATA_LOG_INFO, "dns", "NOTIFY for zone %s from primary %s", zone, client);
	resp->b.header.flags |= FATA_DNS_FLAG_AA;
	resp->rcode = FATA_DNS_RCODE_NOERROR;
	secondary_notified(srv, sz);
}

void notify_cancel_all(struct fata_dns_server *srv)
{
	while (srv->jobs)
		job_remove(srv, srv->jobs);
}
