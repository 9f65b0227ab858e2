/* The DHCPv4 client's driver: connects the state machine to UDP, ARP and timers. */
#ifndef FATA_TCPIP_DHCP_H
#define FATA_TCPIP_DHCP_H

#include <stdint.h>

struct tcpip_stack;
struct dhcp_driver;

/* Creates the client of `stack` and sends the first DHCPDISCOVER. Errors: FATA_ENOMEM, FATA_EADDRINUSE. */
int dhcp_start(struct tcpip_stack *stack);

/* Stops and frees the client. */
void dhcp_stop(struct tcpip_stack *stack);

/* Reports that another host claimed the address being probed. */
void dhcp_probe_conflict(struct tcpip_stack *stack);

#endif
