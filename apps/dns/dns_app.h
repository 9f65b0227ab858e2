/*
 * fata-dns internals: the program's own options, collected before start.
 */
#ifndef FATA_DNS_APP_H
#define FATA_DNS_APP_H

#include <stdint.h>

#include <fata/addr.h>
#include <fata/dns.h>

/* Upper bounds on repeated options. */
#define DNS_APP_MAX_PEERS 16

/* An address option with an optional key: "ADDR[:PORT][,key=NAME]". */
struct dns_app_peer {
	struct fata_sockaddr addr;
	int any_addr;                 /* --allow-transfer any / key=NAME only */
	int has_key;
	struct fata_dns_name key;
	struct fata_dns_name zone;    /* --secondary only */
};

struct dns_app_config {
	uint16_t port;
	struct fata_ipaddr listen;
	const char *keys_path;
	uint64_t tcp_idle_s;
	struct dns_app_peer notify[DNS_APP_MAX_PEERS];
	unsigned nnotify;
	struct dns_app_peer transfer[DNS_APP_MAX_PEERS];
	unsigned ntransfer;
	struct dns_app_peer secondary[DNS_APP_MAX_PEERS];
	unsigned nsecondary;
};

/* The option table for fata_app_parse(); ctx is a struct dns_app_config. */
extern const struct fata_app_option dns_app_options[];
extern const unsigned dns_app_option_count;

/* Sets the defaults: port 53, listen on 0.0.0.0, TCP idle 10 s. */
void dns_app_config_init(struct dns_app_config *cfg);

#endif
