/*
 * fata-echo: the classic small services of RFC 862 (echo), RFC 863
 * (discard) and RFC 864 (character generator), over TCP and UDP.
 */
#ifndef FATA_ECHO_H
#define FATA_ECHO_H

#include <stddef.h>
#include <stdint.h>

#include <fata/fata.h>

#include "app.h"

enum echo_kind {
	ECHO_ECHO,
	ECHO_DISCARD,
	ECHO_CHARGEN,
	ECHO_KIND_COUNT,
};

struct echo_app;

/* One service on one port: a TCP listener and a UDP socket. */
struct echo_service {
	struct echo_app *app;
	enum echo_kind kind;
	const char *name;
	uint16_t port;            /* 0: the service is off */
	struct fata_listener *listener;
	struct fata_promise *accept;
	struct fata_datagram *udp;
	struct fata_promise *recv;
	struct fata_promise *send;
	struct fata_sockaddr from;
	uint32_t chargen_seed;
};

/* One accepted TCP connection. */
struct echo_conn {
	struct echo_conn *next, *prev;
	struct echo_app *app;
	enum echo_kind kind;
	struct fata_flow *flow;
	struct fata_promise *read;
	struct fata_promise *write;
	struct fata_view pending;  /* echo: the data being written back */
	uint32_t chargen_line;     /* chargen: first character of the next line */
	int read_done;             /* the peer ended its side */
	uint64_t bytes_in, bytes_out;
	char peer[FATA_SOCKADDR_STRLEN];
};

struct echo_app {
	struct fata_app app;
	struct echo_service services[ECHO_KIND_COUNT];
	int tcp, udp;
	unsigned max_connections;
	unsigned connections;
	struct echo_conn *conns;
	unsigned closing;          /* flow closes not yet settled */
	int stopping;
	struct fata_promise *stop_timer;
	/*
	 * The chargen stream, one period plus one write long, so every write
	 * is a slice of it. It is the zero view until the TCP chargen service
	 * starts.
	 */
	struct fata_view chargen_stream;
};

/* The lines of RFC 864: 72 printable characters and CRLF, each starting one later. */
#define CHARGEN_LINE 74
#define CHARGEN_CHARS 95

/* Writes `lines` chargen lines starting at character `first` into `out`. */
void echo_chargen_fill(uint8_t *out, size_t lines, uint32_t first);

/* Starts the TCP side of `svc`; errors are logged and returned. */
int echo_tcp_start(struct echo_service *svc);
/* Stops accepting and closes every connection. */
void echo_tcp_stop(struct echo_app *app);

/* Starts the UDP side of `svc`; errors are logged and returned. */
int echo_udp_start(struct echo_service *svc);
/* Closes the UDP socket of `svc`. */
void echo_udp_stop(struct echo_service *svc);

/* Called when a flow close settles, so a stopping program can end. */
void echo_close_settled(struct echo_app *app);

#endif
