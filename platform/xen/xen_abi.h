/*
 * The parts of Xen's public guest interface that the Fata backend uses,
 * written from the interface documentation of Xen 4.17 (xen/include/public:
 * xen.h, vcpu.h, sched.h, memory.h, event_channel.h, grant_table.h,
 * hvm/hvm_op.h, hvm/params.h, arch-x86/hvm/start_info.h, io/ring.h,
 * io/console.h, io/xs_wire.h, io/netif.h). Only x86_64 layouts are given.
 * The numbers and layouts are Xen's ABI and never change between versions.
 * Not installed.
 */
#ifndef FATA_XEN_ABI_H
#define FATA_XEN_ABI_H

#include <stdint.h>

/* Page size of the x86 guest physical address space. */
#define XEN_PAGE_SHIFT 12
#define XEN_PAGE_SIZE 4096u

/* Hypercall numbers (xen.h). */
#define XEN_HC_MEMORY_OP 12
#define XEN_HC_XEN_VERSION 17
#define XEN_HC_CONSOLE_IO 18
#define XEN_HC_GRANT_TABLE_OP 20
#define XEN_HC_VCPU_OP 24
#define XEN_HC_SCHED_OP 29
#define XEN_HC_EVENT_CHANNEL_OP 32
#define XEN_HC_HVM_OP 34

/* Xen's own errno values come back negated from hypercalls (errno.h). */
#define XEN_EPERM 1
#define XEN_ENOENT 2
#define XEN_EAGAIN 11
#define XEN_ENOMEM 12
#define XEN_EINVAL 22
#define XEN_ENOSPC 28
#define XEN_ENOSYS 38
#define XEN_ETIME 62

/* The calling domain, in fields that take a domain id. */
#define XEN_DOMID_SELF 0x7FF0u

/* console_io commands. */
#define XEN_CONSOLEIO_WRITE 0

/* sched_op commands and shutdown reasons (sched.h). */
#define XEN_SCHEDOP_SHUTDOWN 2
#define XEN_SHUTDOWN_POWEROFF 0
#define XEN_SHUTDOWN_REBOOT 1
#define XEN_SHUTDOWN_CRASH 3

struct xen_sched_shutdown {
	uint32_t reason;
};

/* vcpu_op commands (vcpu.h). */
#define XEN_VCPUOP_GET_RUNSTATE_INFO 4
#define XEN_VCPUOP_SET_SINGLESHOT_TIMER 8
#define XEN_VCPUOP_STOP_SINGLESHOT_TIMER 9

struct xen_vcpu_runstate_info {
	int32_t state;
	uint32_t pad;
	/* System time in ns when the current state began. */
	uint64_t state_entry_time;
	/* Time spent running, runnable, blocked and offline, in ns. */
	uint64_t time[4];
};

struct xen_vcpu_set_singleshot_timer {
	/* Absolute Xen system time in ns. */
	uint64_t timeout_abs_ns;
	uint32_t flags;
	uint32_t pad;
};

/* memory_op commands and mapping spaces (memory.h). */
#define XEN_XENMEM_ADD_TO_PHYSMAP 7
#define XEN_MAPSPACE_SHARED_INFO 0
#define XEN_MAPSPACE_GRANT_TABLE 1

struct xen_add_to_physmap {
	uint16_t domid;
	uint16_t size;
	uint32_t space;
	uint64_t idx;
	/* Guest frame number the page is mapped at. */
	uint64_t gpfn;
};

/* hvm_op commands and parameters (hvm_op.h, params.h). */
#define XEN_HVMOP_SET_PARAM 0
#define XEN_HVMOP_GET_PARAM 1
#define XEN_HVM_PARAM_CALLBACK_IRQ 0
#define XEN_HVM_PARAM_STORE_PFN 1
#define XEN_HVM_PARAM_STORE_EVTCHN 2
#define XEN_HVM_PARAM_CONSOLE_PFN 17
#define XEN_HVM_PARAM_CONSOLE_EVTCHN 18
/* HVM_PARAM_CALLBACK_IRQ value type: deliver events as this vector. */
#define XEN_HVM_CALLBACK_TYPE_VECTOR 2ull
#define XEN_HVM_CALLBACK_TYPE_SHIFT 56

struct xen_hvm_param {
	uint16_t domid;
	uint16_t pad;
	uint32_t index;
	uint64_t value;
};

/* event_channel_op commands (event_channel.h). */
#define XEN_EVTCHNOP_BIND_VIRQ 1
#define XEN_EVTCHNOP_CLOSE 3
#define XEN_EVTCHNOP_SEND 4
#define XEN_EVTCHNOP_ALLOC_UNBOUND 6
#define XEN_EVTCHNOP_UNMASK 9
#define XEN_VIRQ_TIMER 0

struct xen_evtchn_alloc_unbound {
	uint16_t dom;
	uint16_t remote_dom;
	uint32_t port;
};

struct xen_evtchn_bind_virq {
	uint32_t virq;
	uint32_t vcpu;
	uint32_t port;
};

struct xen_evtchn_port {
	uint32_t port;
};

/* grant_table_op commands and v1 entry flags (grant_table.h). */
#define XEN_GNTTABOP_QUERY_SIZE 6
#define XEN_GTF_PERMIT_ACCESS 0x1u
#define XEN_GTF_READONLY 0x4u
#define XEN_GTF_READING 0x8u
#define XEN_GTF_WRITING 0x10u

struct xen_gnttab_query_size {
	uint16_t dom;
	uint16_t pad;
	uint32_t nr_frames;
	uint32_t max_nr_frames;
	int16_t status;
	uint16_t pad2;
};

/* A version 1 grant entry: domid may access frame as flags allow. */
struct xen_grant_entry_v1 {
	uint16_t flags;
	uint16_t domid;
	uint32_t frame;
};

/* Time as the hypervisor publishes it for one vCPU (xen.h). */
struct xen_vcpu_time_info {
	/* Odd while Xen updates the fields. */
	uint32_t version;
	uint32_t pad0;
	uint64_t tsc_timestamp;
	/* System time in ns at tsc_timestamp. */
	uint64_t system_time;
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags;
	uint8_t pad1[2];
};

struct xen_vcpu_info {
	uint8_t evtchn_upcall_pending;
	uint8_t evtchn_upcall_mask;
	uint8_t pad[6];
	/* One bit per word of shared_info.evtchn_pending with a port pending. */
	uint64_t evtchn_pending_sel;
	uint64_t cr2;
	uint64_t arch_pad;
	struct xen_vcpu_time_info time;
};

#define XEN_LEGACY_MAX_VCPUS 32

/* The page Xen shares with every guest (xen.h). */
struct xen_shared_info {
	struct xen_vcpu_info vcpu_info[XEN_LEGACY_MAX_VCPUS];
	uint64_t evtchn_pending[64];
	uint64_t evtchn_mask[64];
	/* Wall-clock time of system time 0; version odd during updates. */
	uint32_t wc_version;
	uint32_t wc_sec;
	uint32_t wc_nsec;
	uint32_t wc_sec_hi;
};

/* What Xen hands a PVH guest in %ebx (arch-x86/hvm/start_info.h). */
#define XEN_HVM_START_MAGIC 0x336ec578u

struct xen_hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	/* Version 1 and later. */
	uint64_t memmap_paddr;
	uint32_t memmap_entries;
	uint32_t reserved;
};

#define XEN_MEMMAP_TYPE_RAM 1

struct xen_hvm_memmap_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
};

/* The console ring page (io/console.h). */
struct xen_console_interface {
	char in[1024];
	char out[2048];
	uint32_t in_cons, in_prod;
	uint32_t out_cons, out_prod;
};

/* The xenstore ring page and message header (io/xs_wire.h). */
#define XEN_XENSTORE_RING_SIZE 1024u
#define XEN_XENSTORE_PAYLOAD_MAX 4096u

struct xen_xenstore_interface {
	char req[XEN_XENSTORE_RING_SIZE];
	char rsp[XEN_XENSTORE_RING_SIZE];
	uint32_t req_cons, req_prod;
	uint32_t rsp_cons, rsp_prod;
	uint32_t server_features;
	uint32_t connection;
	uint32_t error;
};

struct xen_xsd_sockmsg {
	uint32_t type;
	uint32_t req_id;
	uint32_t tx_id;
	uint32_t len;
};

enum xen_xs_type {
	XEN_XS_DIRECTORY = 1,
	XEN_XS_READ = 2,
	XEN_XS_WATCH = 4,
	XEN_XS_UNWATCH = 5,
	XEN_XS_TRANSACTION_START = 6,
	XEN_XS_TRANSACTION_END = 7,
	XEN_XS_WRITE = 11,
	XEN_XS_RM = 13,
	XEN_XS_WATCH_EVENT = 15,
	XEN_XS_ERROR = 16,
};

/* xenbus device states, written to each side's "state" node (io/xenbus.h). */
enum xen_xenbus_state {
	XEN_XENBUS_UNKNOWN = 0,
	XEN_XENBUS_INITIALISING = 1,
	XEN_XENBUS_INIT_WAIT = 2,
	XEN_XENBUS_INITIALISED = 3,
	XEN_XENBUS_CONNECTED = 4,
	XEN_XENBUS_CLOSING = 5,
	XEN_XENBUS_CLOSED = 6,
};

/*
 * Shared rings (io/ring.h): a 64-byte header, then entries each the size of
 * the larger of the request and the response. Both netif rings hold 256
 * entries in one page.
 */
struct xen_sring_header {
	uint32_t req_prod, req_event;
	uint32_t rsp_prod, rsp_event;
	uint8_t pvt[4];
	uint8_t pad[44];
};

/* Netif ring entries (io/netif.h). */
#define XEN_NETTXF_MORE_DATA 0x4u
#define XEN_NETRXF_MORE_DATA 0x4u
#define XEN_NETRXF_EXTRA_INFO 0x8u
#define XEN_NETIF_RSP_DROPPED (-2)
#define XEN_NETIF_RSP_ERROR (-1)
#define XEN_NETIF_RSP_OKAY 0
#define XEN_NETIF_RSP_NULL 1
/* Extra-info segment flag: another extra segment follows. */
#define XEN_NETIF_EXTRA_FLAG_MORE 0x1u
/* The number of slots every backend accepts for one transmitted packet. */
#define XEN_NETIF_NR_SLOTS_MIN 18

struct xen_netif_tx_request {
	uint32_t gref;
	uint16_t offset;
	uint16_t flags;
	uint16_t id;
	/* Whole packet in the first slot of a packet, else this slot's bytes. */
	uint16_t size;
};

struct xen_netif_tx_response {
	uint16_t id;
	int16_t status;
};

struct xen_netif_rx_request {
	uint16_t id;
	uint16_t pad;
	uint32_t gref;
};

struct xen_netif_rx_response {
	uint16_t id;
	uint16_t offset;
	uint16_t flags;
	/* Bytes received in this slot, or a negative XEN_NETIF_RSP_ code. */
	int16_t status;
};

/* An extra-info segment overlays a response slot; only type and flags are read. */
struct xen_netif_extra_info {
	uint8_t type;
	uint8_t flags;
	uint16_t pad[3];
};

union xen_netif_tx_entry {
	struct xen_netif_tx_request req;
	struct xen_netif_tx_response rsp;
};

union xen_netif_rx_entry {
	struct xen_netif_rx_request req;
	struct xen_netif_rx_response rsp;
	struct xen_netif_extra_info extra;
};

#define XEN_NETIF_RING_SIZE 256u

struct xen_netif_tx_sring {
	struct xen_sring_header hdr;
	union xen_netif_tx_entry ring[XEN_NETIF_RING_SIZE];
};

struct xen_netif_rx_sring {
	struct xen_sring_header hdr;
	union xen_netif_rx_entry ring[XEN_NETIF_RING_SIZE];
};

_Static_assert(sizeof(struct xen_sring_header) == 64, "ring header is 64 bytes");
_Static_assert(sizeof(union xen_netif_tx_entry) == 12, "tx slot is 12 bytes");
_Static_assert(sizeof(union xen_netif_rx_entry) == 8, "rx slot is 8 bytes");
_Static_assert(sizeof(struct xen_netif_tx_sring) <= XEN_PAGE_SIZE, "tx ring fits a page");
_Static_assert(sizeof(struct xen_netif_rx_sring) <= XEN_PAGE_SIZE, "rx ring fits a page");
_Static_assert(sizeof(struct xen_vcpu_info) == 64, "vcpu_info is 64 bytes");
_Static_assert(sizeof(struct xen_vcpu_time_info) == 32, "vcpu_time_info is 32 bytes");
_Static_assert(sizeof(struct xen_hvm_start_info) == 56, "hvm_start_info v1 is 56 bytes");
_Static_assert(sizeof(struct xen_add_to_physmap) == 24, "xen_add_to_physmap is 24 bytes");
_Static_assert(sizeof(struct xen_vcpu_runstate_info) == 48, "runstate info is 48 bytes");

#endif
