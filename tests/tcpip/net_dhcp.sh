#!/usr/bin/env bash
# The libtcpip DHCP client against dnsmasq in the namespace: fata-echo
# --dhcp must take a lease from the pool, reply to ping on the leased address
# and appear in dnsmasq's lease file under its MAC.
# Usage: net_dhcp.sh FATA_ECHO
set -u
echo_bin=${1:?usage: net_dhcp.sh FATA_ECHO}
. "$(dirname "$0")/net_common.sh"
require_root ping dnsmasq socat

make_namespace
start_bg dnsmasq dnsmasq --no-daemon --conf-file=/dev/null --port=0 --no-resolv --no-hosts \
	--interface="$tap" --bind-interfaces --except-interface=lo \
	--dhcp-range=192.0.2.50,192.0.2.60,255.255.255.0,2m \
	--dhcp-option=option:router,192.0.2.1 \
	--dhcp-leasefile="$work/leases" --pid-file="$work/dnsmasq.pid" --log-dhcp
sleep 0.5
start_bg echo "$echo_bin" --net "tap:$tap" --dhcp --dhcp-timeout 20 --log-level debug

for ((i = 0; i < 100; i++)); do
	[ -s "$work/leases" ] && break
	sleep 0.2
done
[ -s "$work/leases" ] || fail "dnsmasq handed out no lease"
addr=$(awk '{ print $3; exit }' "$work/leases")
mac=$(awk '{ print $2; exit }' "$work/leases")
case $addr in
192.0.2.5[0-9]|192.0.2.60) ;;
*) fail "leased address '$addr' is outside the pool" ;;
esac

wait_ping "$addr" 10 || fail "leased address $addr does not answer ping"
kernel_mac=$(in_ns ip neigh show "$addr" dev "$tap" | awk '{ print $3 }')
[ "$kernel_mac" = "$mac" ] || fail "lease MAC $mac differs from ARP's $kernel_mac"
grep -q "bound to $addr/24, router 192.0.2.1" "$work/echo.log" ||
	fail "fata-echo did not log the lease of $addr/24 with router 192.0.2.1"

reply=$(echo "via dhcp" | in_ns socat -t 2 - "UDP:$addr:7")
[ "$reply" = "via dhcp" ] || fail "UDP echo on $addr answered '$reply'"
echo "ok DHCP lease $addr for $mac, ping and UDP echo"

stop_last
