#!/bin/bash
# fata-dns on Fata's own TCP/IP stack over a tap device in a network
# namespace, queried by dig, kdig and nsupdate from the namespace's kernel.
# The kernel side of the tap is 192.0.2.1, fata-dns is 192.0.2.2 (both in
# TEST-NET-1). The namespace and tap are named fd<PID> and deleted at exit.
# Exits 77 without root or one of the DNS tools, or when fata-dns cannot
# serve on this libtcpip build.
#
# Usage: net_test.sh FATA_DNS DATA_DIR
set -u
fata_dns=$1
data=$2
. "$(dirname "$0")/peer_common.sh"

. "$(dirname "$0")/../lib/netns.sh"
netns_require dig:bind9-dnsutils kdig:knot-dnsutils nsupdate:bind9-dnsutils

netns_init fd
ns=$netns_id
tap=${netns_id}t
tmp=$(mktemp -d)
netns_remove_at_exit "$tmp"
server_pid=""

in_ns() {
	ip netns exec "$ns" "$@"
}

netns_add "$ns" || { echo "FAIL: cannot create network namespace $ns"; exit 1; }
netns_add_tap "$ns" "$tap" 192.0.2.1/24 || { echo "FAIL: cannot create tap $tap"; exit 1; }

netns_start "$ns" "$fata_dns" --net "tap:$tap" --ipv4 192.0.2.2/24 --port 53 \
	--tsig-keys "$data/keys.conf" --allow-transfer key=tsig-test.example --log-level debug \
	"$data/peer.zone" 2>"$tmp/server.log"
server_pid=$netns_last_pid
for _ in $(seq 1 100); do
	grep -q "serving on" "$tmp/server.log" && break
	if ! netns_alive "$server_pid"; then
		netns_wait "$server_pid"
		server_pid=""
		if grep -qi "not supported\|not implemented" "$tmp/server.log"; then
			echo "net_test.sh: skipped: this libtcpip build cannot serve UDP and TCP yet" >&2
			exit 77
		fi
		echo "FAIL: fata-dns exited at start"
		cat "$tmp/server.log"
		exit 1
	fi
	sleep 0.1
done

D=(ip netns exec "$ns" dig +norec +time=2 +tries=2 @192.0.2.2)
K=(ip netns exec "$ns" kdig +norec +time=2 +retry=1 @192.0.2.2)
secret256=AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=

run "UDP query over tap" "${D[@]}" www.example.com A
has "status: NOERROR"
has "web.example.com. 3600 IN A 192.0.2.4"

run "NXDOMAIN over tap" "${D[@]}" nope.example.com A
has "status: NXDOMAIN"

run "referral over tap" "${D[@]}" host.sub.example.com A
has "ns.sub.example.com. 3600 IN A 192.0.2.7"

run "TCP query over tap" "${K[@]}" +tcp +keepopen ns1.example.com A web.example.com A
has "ns1.example.com. 3600 IN A 192.0.2.1"
has "web.example.com. 3600 IN A 192.0.2.4"

run "TC, then TCP" "${D[@]}" +noedns big.example.com TXT
has "ANSWER: 8"
has "(TCP)"

run "AXFR with TSIG over tap" "${D[@]}" -y "hmac-sha256:tsig-test.example:$secret256" example.com AXFR
count "IN SOA" 2
has "XFR size: 30 records"

run "nsupdate over tap" bash -c "printf 'key hmac-sha256:upd.example. %s\nserver 192.0.2.2 53\nzone example.com\nupdate add tap.example.com. 60 A 192.0.2.200\nsend\nanswer\n' $secret256 | ip netns exec $ns nsupdate -t 3"
has "status: NOERROR"
run "the update is visible over tap" "${D[@]}" tap.example.com A
has "tap.example.com. 60 IN A 192.0.2.200"

finish
