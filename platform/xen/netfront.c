/*
 * The Xen network frontend as a fata_netif: the xenbus handshake with
 * netback, grants and event channel, around the ring logic in
 * netfront_ring.c.
 *
 * Handshake (io/netif.h and io/xenbus.h): wait until the backend reaches
 * InitWait, grant the ring and buffer pages and allocate an event channel.
 * Then write tx-ring-ref, rx-ring-ref, event-channel, the feature keys and
 * state Connected in one transaction, and wait for the backend to reach
 * Connected. Closing walks through Closing and Closed the same way.
 *
 * Feature choices: request-rx-copy, so netback copies frames into pages
 * this domain grants (the only receive mode current backends offer).
 * feature-rx-notify, because this side notifies after posting receive
 * buffers. feature-sg, so frames may span slots both ways. No GSO. And
 * feature-no-csum-offload, so the backend always fills in checksums:
 * libtcpip computes its own and does not accept partial checksums.
 */
#include <stdint.h>
#include <string.h>

#include <fata/addr.h>
#include <fata/alloc.h>
#include <fata/counter.h>
#include <fata/error.h>
#include <fata/fmt.h>
#include <fata/log.h>
#include <fata/loop.h>
#include <fata/netif.h>
#include <fata/xen.h>

#include "netfront_ring.h"
#include "xen_internal.h"

#define PATH_MAX_LEN 128
#define STATE_TIMEOUT_NS (30ull * 1000000000ull)
#define CLOSE_TIMEOUT_NS (5ull * 1000000000ull)
#define DEFAULT_MTU 1500u
/* The largest MTU a ring packet can carry, whose size field has 16 bits. */
#define MAX_MTU (0xFFFFu - FATA_ETH_HLEN)
/* Room for an 802.1Q tag that the backend may leave in received frames. */
#define VLAN_TAG_LEN 4

struct netfront {
	struct fata_netif netif; /* first: the netif pointer is the netfront pointer */

	char frontend[PATH_MAX_LEN];
	char backend[PATH_MAX_LEN];
	uint16_t backend_id;
	uint32_t port;
	int port_bound;

	/* 2 ring pages, then 256 transmit pages, then 256 receive pages. */
	uint8_t *pages;
	uint32_t tx_ring_ref, rx_ring_ref;
	uint32_t grants[2 + 2 * XEN_NETIF_RING_SIZE];
	uint32_t grant_count;

	struct netfront_rings rings;
	int connected;

	/* The ring counters, registered as the group "netfront.vifN". */
	char counter_name[32];
	struct fata_counter_group counters;
};

/* Names of the fields of struct netfront_ring_stats, in order. */
static const char *const counter_names[] = {
	"tx_slots", "tx_ring_full", "tx_rsp_errors", "tx_bad_rsp",
	"rx_slots", "rx_frames", "rx_multi_slot", "rx_rsp_errors", "rx_bad_rsp",
	"rx_oversize", "rx_nomem", "rx_extra_info", "notify_tx", "notify_rx",
};

_Static_assert(sizeof(counter_names) / sizeof(counter_names[0]) ==
		sizeof(struct netfront_ring_stats) / sizeof(uint64_t),
		"one counter name per field of struct netfront_ring_stats");

#define PAGE_COUNT (2 + 2 * XEN_NETIF_RING_SIZE)

static const struct fata_netif_ops netfront_ops;

/* ---- xenstore helpers ---- */

static int read_key(const char *dir, const char *key, char *buf, size_t size)
{
	char path[PATH_MAX_LEN + 64];

	fata_snprintf(path, sizeof(path), "%s/%s", dir, key);
	return xen_xs_read(0, path, buf, size);
}

/* Reads a 0/1 feature flag of the backend; a missing key means 0. */
static int backend_feature(struct netfront *nf, const char *key)
{
	char path[PATH_MAX_LEN + 64];
	uint64_t value = 0;

	fata_snprintf(path, sizeof(path), "%s/%s", nf->backend, key);
	return xen_xs_read_u64(0, path, &value) == FATA_OK && value == 1;
}

static int state_at_least(uint64_t value, void *arg)
{
	return value >= *(const uint64_t *)arg;
}

/* Waits until the backend's state reaches `wanted` or later. */
static int wait_backend_state(struct netfront *nf, uint64_t wanted, uint64_t timeout_ns,
		uint64_t *seen)
{
	char path[PATH_MAX_LEN + 16];

	fata_snprintf(path, sizeof(path), "%s/state", nf->backend);
	return xen_xs_wait(path, state_at_least, &wanted, timeout_ns, seen);
}

static int write_state(struct netfront *nf, enum xen_xenbus_state state)
{
	char path[PATH_MAX_LEN + 16];
	char value[4];

	fata_snprintf(path, sizeof(path), "%s/state", nf->frontend);
	fata_snprintf(value, sizeof(value), "%d", (int)state);
	return xen_xs_write(0, path, value);
}

/* ---- set-up ---- */

static int read_device(struct netfront *nf, unsigned devid)
{
	char text[PATH_MAX_LEN];
	uint64_t value;

	fata_snprintf(nf->frontend, sizeof(nf->frontend), "device/vif/%u", devid);

	int rc = read_key(nf->frontend, "backend", nf->backend, sizeof(nf->backend));
	if (rc < 0)
		return rc == FATA_ENOSPC ? FATA_EIO : rc;

	fata_snprintf(text, sizeof(text), "%s/backend-id", nf->frontend);
	rc = xen_xs_read_u64(0, text, &value);
	if (rc < 0 || value >= XEN_DOMID_SELF)
		return FATA_EIO;
	nf->backend_id = (uint16_t)value;

	rc = read_key(nf->frontend, "mac", text, sizeof(text));
	if (rc < 0 || fata_mac_parse(text, (size_t)rc, &nf->netif.mac) < 0)
		return FATA_EIO;

	nf->netif.mtu = DEFAULT_MTU;
	fata_snprintf(text, sizeof(text), "%s/mtu", nf->frontend);
	if (xen_xs_read_u64(0, text, &value) == FATA_OK && value >= 68 && value <= MAX_MTU)
		nf->netif.mtu = (uint32_t)value;
	return FATA_OK;
}

/* Grants the page at `page` and remembers the reference for closing. */
static int grant_page(struct netfront *nf, uint8_t *page, int readonly, uint32_t *ref)
{
	uint64_t gfn = (uint64_t)(uintptr_t)page >> XEN_PAGE_SHIFT;

	int rc = xen_grant_access(nf->backend_id, gfn, readonly, ref);
	if (rc < 0)
		return rc;
	nf->grants[nf->grant_count++] = *ref;
	return FATA_OK;
}

static int setup_rings(struct netfront *nf)
{
	uint8_t *tx_pages[XEN_NETIF_RING_SIZE], *rx_pages[XEN_NETIF_RING_SIZE];
	uint32_t tx_refs[XEN_NETIF_RING_SIZE], rx_refs[XEN_NETIF_RING_SIZE];

	nf->pages = xen_pages_alloc(PAGE_COUNT);
	if (nf->pages == NULL)
		return FATA_ENOMEM;

	uint8_t *tx_ring = nf->pages;
	uint8_t *rx_ring = nf->pages + XEN_PAGE_SIZE;
	int rc = grant_page(nf, tx_ring, 0, &nf->tx_ring_ref);
	if (rc == FATA_OK)
		rc = grant_page(nf, rx_ring, 0, &nf->rx_ring_ref);

	for (uint32_t i = 0; rc == FATA_OK && i < XEN_NETIF_RING_SIZE; i++) {
		tx_pages[i] = nf->pages + (2 + i) * XEN_PAGE_SIZE;
		rx_pages[i] = nf->pages + (2 + XEN_NETIF_RING_SIZE + i) * XEN_PAGE_SIZE;
		rc = grant_page(nf, tx_pages[i], 1, &tx_refs[i]);
		if (rc == FATA_OK)
			rc = grant_page(nf, rx_pages[i], 0, &rx_refs[i]);
	}
	if (rc < 0)
		return rc;

	uint32_t rx_max = nf->netif.mtu + FATA_ETH_HLEN + VLAN_TAG_LEN;
	netfront_rings_init(&nf->rings, tx_ring, rx_ring, tx_pages, tx_refs, rx_pages, rx_refs,
			rx_max);
	nf->rings.tx_multi_slot = backend_feature(nf, "feature-sg");
	netfront_rx_fill(&nf->rings);
	return FATA_OK;
}

/* Writes the keys of one attempt at the connect transaction. */
static int write_connect_keys(struct netfront *nf, uint32_t tx)
{
	static const char *const features[][2] = {
		{ "request-rx-copy", "1" },
		{ "feature-rx-notify", "1" },
		{ "feature-sg", "1" },
		{ "feature-gso-tcpv4", "0" },
		{ "feature-gso-tcpv6", "0" },
		{ "feature-no-csum-offload", "1" },
		{ "feature-ipv6-csum-offload", "0" },
	};
	char path[PATH_MAX_LEN + 64];
	char value[16];
	const struct {
		const char *key;
		uint32_t number;
	} numbers[] = {
		{ "tx-ring-ref", nf->tx_ring_ref },
		{ "rx-ring-ref", nf->rx_ring_ref },
		{ "event-channel", nf->port },
		{ "state", XEN_XENBUS_CONNECTED },
	};

	for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); i++) {
		fata_snprintf(path, sizeof(path), "%s/%s", nf->frontend, features[i][0]);
		int rc = xen_xs_write(tx, path, features[i][1]);
		if (rc < 0)
			return rc;
	}
	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		fata_snprintf(path, sizeof(path), "%s/%s", nf->frontend, numbers[i].key);
		fata_snprintf(value, sizeof(value), "%u", (unsigned)numbers[i].number);
		int rc = xen_xs_write(tx, path, value);
		if (rc < 0)
			return rc;
	}
	return FATA_OK;
}

/* Publishes the rings in one transaction, retrying when xenstored reports a conflict. */
static int publish(struct netfront *nf)
{
	for (int attempt = 0; attempt < 10; attempt++) {
		uint32_t tx;

		int rc = xen_xs_transaction_start(&tx);
		if (rc < 0)
			return rc;

		rc = write_connect_keys(nf, tx);
		if (rc < 0) {
			xen_xs_transaction_end(tx, 1);
			return rc;
		}

		rc = xen_xs_transaction_end(tx, 0);
		if (rc != FATA_EAGAIN)
			return rc;
	}
	return FATA_EAGAIN;
}

/* ---- data path ---- */

static void deliver(void *arg, struct fata_view frame)
{
	struct netfront *nf = arg;

	fata_netif_deliver(&nf->netif, frame);
}

/*
 * Drains both rings. NOTE: the receive callback must not close this netif,
 * because the ring poll goes on after each delivery.
 */
static void on_event(void *arg, uint32_t port)
{
	struct netfront *nf = arg;
	int notify = 0;
	(void)port;

	netfront_tx_complete(&nf->rings);
	netfront_rx_poll(&nf->rings, deliver, nf, &notify);
	if (notify)
		xen_evtchn_notify(nf->port);
}

static int netfront_send(struct fata_netif *nif, struct fata_chain *frame)
{
	struct netfront *nf = (struct netfront *)nif;
	int notify = 0;

	int rc = nf->connected ? netfront_tx_frame(&nf->rings, frame, &notify) : FATA_EIO;
	fata_chain_release(frame);
	if (notify)
		xen_evtchn_notify(nf->port);
	return rc;
}

/* ---- closing ---- */

static int state_closed(uint64_t value, void *arg)
{
	(void)arg;
	return value >= XEN_XENBUS_CLOSING || value == XEN_XENBUS_UNKNOWN;
}

static void disconnect(struct netfront *nf)
{
	char path[PATH_MAX_LEN + 16];
	uint64_t seen = 0;

	write_state(nf, XEN_XENBUS_CLOSING);
	fata_snprintf(path, sizeof(path), "%s/state", nf->backend);
	if (xen_xs_wait(path, state_closed, NULL, CLOSE_TIMEOUT_NS, &seen) < 0)
		fata_log(FATA_LOG_WARN, "netfront", "%s: backend did not start closing (state %llu)",
				nf->netif.name, (unsigned long long)seen);
	write_state(nf, XEN_XENBUS_CLOSED);
}

/* Frees what the set-up allocated; pages stay allocated if a grant is still in use. */
static void release(struct netfront *nf)
{
	int busy = 0;

	if (nf->port_bound)
		xen_evtchn_close(nf->port);

	for (uint32_t i = 0; i < nf->grant_count; i++) {
		if (xen_grant_end(nf->grants[i]) == FATA_EBUSY)
			busy = 1;
	}

	/* A page the backend still maps must never be reused: leak them instead. */
	if (busy)
		fata_log(FATA_LOG_WARN, "netfront", "%s: backend still maps buffers; keeping "
				"%u pages", nf->netif.name, (unsigned)PAGE_COUNT);
	else
		xen_heap_free(nf->pages);
	fata_free(nf);
}

static void netfront_close(struct fata_netif *nif)
{
	struct netfront *nf = (struct netfront *)nif;
	const struct netfront_ring_stats *st = &nf->rings.stats;

	if (nf->connected) {
		fata_log(FATA_LOG_INFO, "netfront", "%s closing: %llu frames received (%llu in "
				"several slots), %llu slots sent, %llu dropped on receive",
				nif->name, (unsigned long long)st->rx_frames,
				(unsigned long long)st->rx_multi_slot, (unsigned long long)st->tx_slots,
				(unsigned long long)(st->rx_rsp_errors + st->rx_bad_rsp +
					st->rx_oversize + st->rx_nomem));
		fata_counters_unregister(&nf->counters);
		nf->connected = 0;
		xen_evtchn_unbind(nf->port);
		disconnect(nf);
		fata_loop_unref(nif->loop);
	}
	release(nf);
}

static const struct fata_netif_ops netfront_ops = {
	.send = netfront_send,
	.close = netfront_close,
};

/* ---- open ---- */

static int connect_backend(struct netfront *nf)
{
	uint64_t seen = 0;

	int rc = wait_backend_state(nf, XEN_XENBUS_INIT_WAIT, STATE_TIMEOUT_NS, &seen);
	if (rc < 0)
		return rc;
	if (!backend_feature(nf, "feature-rx-copy"))
		return FATA_ENOTSUP;

	rc = setup_rings(nf);
	if (rc < 0)
		return rc;

	rc = xen_evtchn_alloc_unbound(nf->backend_id, &nf->port);
	if (rc < 0)
		return rc;
	nf->port_bound = 1;

	rc = publish(nf);
	if (rc < 0)
		return rc;

	rc = wait_backend_state(nf, XEN_XENBUS_CONNECTED, STATE_TIMEOUT_NS, &seen);
	if (rc == FATA_OK && seen != XEN_XENBUS_CONNECTED)
		rc = FATA_EIO;
	if (rc < 0)
		return rc;

	return xen_evtchn_bind(nf->port, on_event, nf);
}

static void log_connected(const struct netfront *nf)
{
	char mac[FATA_MAC_STRLEN];

	fata_mac_format(&nf->netif.mac, mac, sizeof(mac));
	fata_log(FATA_LOG_INFO, "netfront", "%s connected: mac %s, mtu %u, backend %s (domain %u), "
			"event channel %u, scatter-gather %s", nf->netif.name, mac,
			(unsigned)nf->netif.mtu, nf->backend, (unsigned)nf->backend_id,
			(unsigned)nf->port, nf->rings.tx_multi_slot ? "on" : "off");
}

int fata_xen_netfront_open(struct fata_loop *loop, unsigned devid, struct fata_netif **out)
{
	struct netfront *nf = fata_calloc(1, sizeof(*nf));
	if (nf == NULL)
		return FATA_ENOMEM;

	nf->netif.ops = &netfront_ops;
	nf->netif.loop = loop;
	fata_snprintf(nf->netif.name, sizeof(nf->netif.name), "vif%u", devid);

	int rc = read_device(nf, devid);
	if (rc == FATA_OK)
		rc = connect_backend(nf);
	if (rc < 0) {
		fata_log(FATA_LOG_ERROR, "netfront", "cannot connect %s (%s): %s", nf->netif.name,
				nf->frontend, fata_strerror(rc));
		if (nf->grant_count > 0)
			disconnect(nf);
		release(nf);
		return rc;
	}

	nf->connected = 1;
	fata_loop_ref(loop);
	log_connected(nf);

	fata_snprintf(nf->counter_name, sizeof(nf->counter_name), "netfront.%s", nf->netif.name);
	nf->counters.name = nf->counter_name;
	nf->counters.names = counter_names;
	nf->counters.values = (const uint64_t *)&nf->rings.stats;
	nf->counters.count = sizeof(counter_names) / sizeof(counter_names[0]);
	fata_counters_register(&nf->counters);

	/* Frames may have arrived between the handshake and binding the handler. */
	on_event(nf, nf->port);
	*out = &nf->netif;
	return FATA_OK;
}
