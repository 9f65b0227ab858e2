#!/bin/bash
# fata-dns against real DNS tools on 127.0.0.1: dig and kdig query every
# answer kind, fetch the zone by AXFR with TSIG, and nsupdate sends signed,
# wrongly signed and unsigned updates; then dig and kdig fetch the
# differences of two updates by IXFR.
#
# Usage: peer_test.sh FATA_DNS DATA_DIR
set -u
fata_dns=$1
data=$2
. "$(dirname "$0")/peer_common.sh"

need dig bind9-dnsutils
need nsupdate bind9-dnsutils
need kdig knot-dnsutils

tmp=$(mktemp -d)
port=$((20000 + $$ % 20000))
server_pid=""
cleanup() {
	if [ -n "$server_pid" ]; then
		kill "$server_pid" 2>/dev/null
		wait "$server_pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

secret256=AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=
secret512=AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4/QA==
wrong=BQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=

"$fata_dns" --port "$port" --listen 127.0.0.1 --tsig-keys "$data/keys.conf" \
	--allow-transfer key=tsig-test.example --tcp-idle 1 --log-level debug \
	"$data/peer.zone" 2>"$tmp/server.log" &
server_pid=$!
D=(dig +norec +time=2 +tries=1 -p "$port" @127.0.0.1)
K=(kdig +norec +time=2 +retry=0 -p "$port" @127.0.0.1)
if ! wait_for "${D[@]}" example.com SOA; then
	echo "FAIL: fata-dns did not start"
	cat "$tmp/server.log"
	exit 1
fi

run "CNAME chain" "${D[@]}" www.example.com A
has "status: NOERROR"
has "flags: qr aa;"
has "www.example.com. 3600 IN CNAME web.example.com."
has "web.example.com. 3600 IN A 192.0.2.4"

run "NXDOMAIN" "${D[@]}" nope.example.com A
has "status: NXDOMAIN"
has "AUTHORITY: 1"
has "example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 100 10800 900 604800 300"

run "NODATA" "${D[@]}" ns1.example.com MX
has "status: NOERROR"
has "ANSWER: 0, AUTHORITY: 1"

run "empty non-terminal" "${D[@]}" b.ent.example.com A
has "status: NOERROR"
has "ANSWER: 0, AUTHORITY: 1"

run "wildcard" "${D[@]}" deep.x.wild.example.com TXT
has "deep.x.wild.example.com. 3600 IN TXT \"from the wildcard\""

run "wildcard blocked by an existing name" "${D[@]}" below.exist.wild.example.com TXT
has "status: NXDOMAIN"

run "referral" "${D[@]}" host.sub.example.com A
has "status: NOERROR"
has "flags: qr;"
has "sub.example.com. 3600 IN NS ns.sub.example.com."
has "ns.sub.example.com. 3600 IN A 192.0.2.7"

run "DS at the cut" "${D[@]}" sub.example.com DS
has "flags: qr aa;"
has "sub.example.com. 3600 IN DS 1 8 2 E2D3C916F6DEEAC73294E8268FB5885044A833FC5459588F4A9184CF C41A5766"

run "outside the zones" "${D[@]}" www.example.org A
has "status: REFUSED"

run "CNAME loop" "${D[@]}" loop1.example.com A
has "ANSWER: 9"

run "MX additional" "${D[@]}" example.com MX
has "mail.example.com. 3600 IN A 192.0.2.3"
has "mail.example.com. 3600 IN AAAA 2001:db8::3"

run "TC without EDNS" "${D[@]}" +noedns +ignore big.example.com TXT
has "flags: qr aa tc;"
has "ANSWER: 0"

run "EDNS 1232 fits" "${D[@]}" big.example.com TXT
has "ANSWER: 8"
has "udp: 1232"

run "retry over TCP after TC" "${D[@]}" +noedns big.example.com TXT
has "ANSWER: 8"
has "(TCP)"

run "BADVERS" "${D[@]}" +edns=1 +noednsneg www.example.com A
has "status: BADVERS"

run "unknown opcode" "${D[@]}" +opcode=2 example.com SOA
has "status: NOTIMP"

run "kdig over TCP" "${K[@]}" +tcp ns1.example.com A
has "ns1.example.com. 3600 IN A 192.0.2.1"

: >"$tmp/mark"
run "two queries on one TCP connection" "${K[@]}" +tcp +keepopen web.example.com A ns2.example.com A
has "web.example.com. 3600 IN A 192.0.2.4"
has "ns2.example.com. 3600 IN A 192.0.2.2"
sleep 0.2
web_port=$(grep "query web.example.com. A from" "$tmp/server.log" | tail -1 | sed 's/.*from 127.0.0.1:\([0-9]*\) over.*/\1/')
run "same connection in the server log" grep "query ns2.example.com. A from 127.0.0.1:$web_port over TCP" "$tmp/server.log"
has "over TCP"

run "AXFR without the key" "${D[@]}" example.com AXFR
has "Transfer failed"

run "AXFR with TSIG (dig)" "${D[@]}" -y "hmac-sha256:tsig-test.example:$secret256" example.com AXFR
count "IN SOA" 2
has "XFR size: 30 records"
lacks "failure"

run "AXFR with TSIG (kdig)" "${K[@]}" -y "hmac-sha256:tsig-test.example:$secret256" example.com AXFR
has "Received"
count "IN SOA" 2
lacks "WARNING"

run "IXFR as AXFR" "${D[@]}" -y "hmac-sha256:tsig-test.example:$secret256" example.com IXFR=1
count "IN SOA" 2

run "IXFR when up to date" "${D[@]}" -y "hmac-sha256:tsig-test.example:$secret256" example.com IXFR=100
count "IN SOA" 1

run "signed query, SHA-512" "${K[@]}" -y "hmac-sha512:key512.example:$secret512" web.example.com A
has "status: NOERROR"
has "web.example.com. 3600 IN A 192.0.2.4"
lacks "WARNING"

run "signed query, wrong secret" "${K[@]}" -y "hmac-sha256:tsig-test.example:$wrong" web.example.com A
has "status: BADSIG"
has "tsig-test.example. 0 ANY TSIG hmac-sha256."

run "signed query, unknown key" "${D[@]}" -y "hmac-sha256:nobody.example:$secret256" web.example.com A
has "NOTAUTH"

nsupdate_script() {
	# $1 key line or empty; the rest are update lines
	local key=$1
	shift
	{
		[ -n "$key" ] && echo "key $key"
		echo "server 127.0.0.1 $port"
		echo "zone example.com"
		printf '%s\n' "$@"
		echo "send"
		echo "answer"
	}
}

run "nsupdate signed add" bash -c "$(declare -f nsupdate_script); port=$port; nsupdate_script 'hmac-sha256:upd.example. $secret256' 'update add new.example.com. 300 A 192.0.2.99' | nsupdate -t 3"
has "status: NOERROR"
run "the update is visible" "${D[@]}" new.example.com A
has "new.example.com. 300 IN A 192.0.2.99"
run "the serial went up" "${D[@]}" example.com SOA +short
has "hostmaster.example.com. 101 "

run "nsupdate prerequisite fails" bash -c "$(declare -f nsupdate_script); port=$port; nsupdate_script 'hmac-sha256:upd.example. $secret256' 'prereq nxdomain web.example.com' 'update add other.example.com. 300 A 192.0.2.98' | nsupdate -t 3"
has "YXDOMAIN"

run "nsupdate wrong key" bash -c "$(declare -f nsupdate_script); port=$port; nsupdate_script 'hmac-sha256:upd.example. $wrong' 'update add bad.example.com. 300 A 192.0.2.97' | nsupdate -t 3"
has "NOTAUTH"

run "nsupdate unsigned" bash -c "$(declare -f nsupdate_script); port=$port; nsupdate_script '' 'update add bad.example.com. 300 A 192.0.2.97' | nsupdate -t 3"
has "REFUSED"

run "nothing of the refused updates" "${D[@]}" bad.example.com A
has "status: NXDOMAIN"
run "nsupdate delete" bash -c "$(declare -f nsupdate_script); port=$port; nsupdate_script 'hmac-sha256:upd.example. $secret256' 'update delete web.example.com. A' | nsupdate -t 3"
has "status: NOERROR"
run "the delete is visible" "${D[@]}" web.example.com A
has "ANSWER: 0, AUTHORITY: 1"

# The two updates above took the serial from 100 to 101 (add) and to 102 (delete).
soa() { echo "example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. $1 10800 900 604800 300"; }
ixfr_records() { grep -v -e '^;' -e 'ANY.TSIG' -e '^$'; }
ixfr_from_100="$(soa 102)
$(soa 100)
$(soa 101)
new.example.com. 300 IN A 192.0.2.99
$(soa 101)
web.example.com. 3600 IN A 192.0.2.4
$(soa 102)
$(soa 102)"

run "IXFR after two updates (kdig)" bash -c "$(declare -f ixfr_records); ${K[*]} -y hmac-sha256:tsig-test.example:$secret256 example.com IXFR=100 | ixfr_records"
is "$ixfr_from_100"

run "IXFR after two updates (dig)" bash -c "$(declare -f ixfr_records); ${D[*]} -y hmac-sha256:tsig-test.example:$secret256 example.com IXFR=100 | ixfr_records"
is "$ixfr_from_100"

run "IXFR of the last update" bash -c "$(declare -f ixfr_records); ${K[*]} -y hmac-sha256:tsig-test.example:$secret256 example.com IXFR=101 | ixfr_records"
is "$(soa 102)
$(soa 101)
web.example.com. 3600 IN A 192.0.2.4
$(soa 102)
$(soa 102)"

run "IXFR from an unknown serial" "${K[@]}" -y "hmac-sha256:tsig-test.example:$secret256" example.com IXFR=7
count "IN SOA" 2
has "new.example.com. 300 IN A 192.0.2.99"
lacks "192.0.2.4"
lacks "WARNING"

run "IXFR over UDP from an unknown serial" "${K[@]}" +notcp -y "hmac-sha256:tsig-test.example:$secret256" example.com IXFR=7
has "(UDP)"
has "1 messages, 1 records"
has "hostmaster.example.com. 102 "

run "incremental IXFR logged" grep "IXFR of zone example.com." "$tmp/server.log"
has "started: incremental"
has "started: whole zone, no journal chain from the client's serial"

run "idle TCP connection closed" python3 -c "
import socket, time
s = socket.create_connection(('127.0.0.1', $port))
start = time.time()
s.settimeout(5)
data = s.recv(1)
print('closed after %.1f s' % (time.time() - start) if data == b'' else 'got data')
"
has "closed after 1."

run "update logged at info level" grep "update of zone example.com. from" "$tmp/server.log"
has "with key upd.example.: NOERROR, 1 changes"
run "transfer logged" grep "AXFR of zone example.com." "$tmp/server.log"
has "refused: no transfer rule allows this client"

finish
