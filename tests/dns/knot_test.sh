#!/bin/bash
# fata-dns with Knot DNS on 127.0.0.1:
#  1. knotd is a secondary of fata-dns: it transfers the zone by AXFR with
#     TSIG, and after an UPDATE makes fata-dns send NOTIFY it fetches the
#     difference by IXFR.
#  2. fata-dns is a secondary of knotd: it transfers, and follows knotd's
#     NOTIFY after a change made with knotc by fetching the difference by IXFR.
#  3. The stub resolver queries knotd: CNAME chains, NXDOMAIN, TCP after TC.
# knotd's configuration, storage and control socket live in a temporary
# directory; it is started and stopped by its PID.
#
# Usage: knot_test.sh FATA_DNS RESOLVE_TOOL DATA_DIR
set -u
fata_dns=$1
resolve_tool=$2
data=$3
. "$(dirname "$0")/peer_common.sh"

need knotd knot
need knotc knot
need kdig knot-dnsutils
need nsupdate bind9-dnsutils

tmp=$(mktemp -d)
base=$((20000 + $$ % 20000))
pf=$base            # fata-dns, primary of example.com
pk=$((base + 1))    # knotd
ps=$((base + 2))    # fata-dns, secondary of example.org
pids=()
cleanup() {
	local pid
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

xfr_secret=c2VjcmV0IGtleSBmb3IgdHJhbnNmZXJzIGJldHdlZW4gc2VydmVycw==
upd_secret=AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=
cp "$data/example.org.zone" "$tmp/example.org.zone"
# knotd needs the database folder to exist to keep changes made with knotc.
mkdir "$tmp/db"

cat >"$tmp/knot.conf" <<CONF
server:
    rundir: "$tmp"
    listen: 127.0.0.1@$pk
log:
  - target: stderr
    any: info
database:
    storage: "$tmp/db"
control:
    listen: "$tmp/knot.sock"
key:
  - id: xfr.key
    algorithm: hmac-sha256
    secret: $xfr_secret
remote:
  - id: fata_primary
    address: 127.0.0.1@$pf
    key: xfr.key
  - id: fata_secondary
    address: 127.0.0.1@$ps
    key: xfr.key
acl:
  - id: from_fata
    address: 127.0.0.1
    key: xfr.key
    action: [notify, transfer]
template:
  - id: default
    storage: "$tmp"
zone:
  - domain: example.com
    master: fata_primary
    acl: from_fata
  - domain: example.org
    file: "$tmp/example.org.zone"
    notify: fata_secondary
    acl: from_fata
CONF

"$fata_dns" --port "$pf" --listen 127.0.0.1 --tsig-keys "$data/keys.conf" \
	--allow-transfer 127.0.0.1,key=xfr.key --notify "127.0.0.1:$pk,key=xfr.key" \
	--log-level debug "$data/peer.zone" 2>"$tmp/primary.log" &
pids+=($!)
knotd -c "$tmp/knot.conf" 2>"$tmp/knotd.log" &
pids+=($!)

K=(kdig +norec +time=2 +retry=0 @127.0.0.1)
soa_serial() { "${K[@]}" -p "$1" "$2" SOA +short | awk '{print $3}'; }
serial_is() { [ "$(soa_serial "$1" "$2")" = "$3" ]; }

# 1. knotd transfers example.com from fata-dns.
if wait_for serial_is "$pk" example.com 100; then
	ok "knotd transferred example.com, serial 100"
else
	step="knotd as secondary"
	out=$(tail -20 "$tmp/knotd.log"; tail -20 "$tmp/primary.log")
	bad "knotd did not transfer example.com"
fi
run "knotd answers from the transferred zone" "${K[@]}" -p "$pk" www.example.com A
has "web.example.com. 3600 IN A 192.0.2.4"

run "signed update to fata-dns" bash -c "printf 'key hmac-sha256:upd.example. %s\nserver 127.0.0.1 %s\nzone example.com\nupdate add fresh.example.com. 300 A 192.0.2.123\nsend\nanswer\n' $upd_secret $pf | nsupdate -t 3"
has "status: NOERROR"
if wait_for serial_is "$pk" example.com 101; then
	ok "knotd refreshed to serial 101 after NOTIFY"
else
	step="NOTIFY to knotd"
	out=$(tail -20 "$tmp/knotd.log"; grep -i notify "$tmp/primary.log")
	bad "knotd did not refresh"
fi
run "knotd has the new record" "${K[@]}" -p "$pk" fresh.example.com A
has "fresh.example.com. 300 IN A 192.0.2.123"
# knotd requests IXFR, and the refresh must use the incremental answer, not the whole zone.
run "knotd refreshed by IXFR" cat "$tmp/knotd.log"
has "[example.com.] IXFR, incoming, remote 127.0.0.1@$pf"
has "[example.com.] IXFR, incoming, remote 127.0.0.1@$pf, finished"
has "serial 100 -> 101"
lacks "AXFR-style"
count "[example.com.] AXFR, incoming" 2
run "fata-dns sent the difference" cat "$tmp/primary.log"
has "IXFR of zone example.com. to 127.0.0.1"
has "started: incremental"
lacks "started: whole zone"
run "fata-dns logged the acknowledged NOTIFY" cat "$tmp/primary.log"
has "NOTIFY for zone example.com. to 127.0.0.1:$pk: acknowledged"

# 2. fata-dns transfers example.org from knotd.
"$fata_dns" --port "$ps" --listen 127.0.0.1 --tsig-keys "$data/keys.conf" \
	--secondary "example.org@127.0.0.1:$pk,key=xfr.key" --log-level debug \
	2>"$tmp/secondary.log" &
pids+=($!)
if wait_for serial_is "$ps" example.org 1; then
	ok "fata-dns transferred example.org from knotd"
else
	step="fata-dns as secondary"
	out=$(tail -20 "$tmp/secondary.log"; tail -20 "$tmp/knotd.log")
	bad "fata-dns did not transfer example.org"
fi
run "fata-dns answers from the transferred zone" "${K[@]}" -p "$ps" alias.example.org A
has "qr aa;"
has "web.example.org. 600 IN A 192.0.2.60"

run "change the zone in knotd" bash -c "knotc -s '$tmp/knot.sock' zone-begin example.org && knotc -s '$tmp/knot.sock' zone-set example.org. added 300 A 192.0.2.77 && knotc -s '$tmp/knot.sock' zone-commit example.org"
has "OK"
if wait_for serial_is "$ps" example.org 2; then
	ok "fata-dns refreshed after knotd's NOTIFY"
else
	step="NOTIFY to fata-dns"
	out=$(tail -20 "$tmp/secondary.log"; tail -20 "$tmp/knotd.log")
	bad "fata-dns did not refresh"
fi
run "fata-dns has knotd's new record" "${K[@]}" -p "$ps" added.example.org A
has "added.example.org. 300 IN A 192.0.2.77"
run "fata-dns logged the refreshes" cat "$tmp/secondary.log"
has "NOTIFY for zone example.org. from primary 127.0.0.1"
has "transferred by AXFR, serial 1"
has "transferred by IXFR, serial 2, 1 records deleted or added"
run "knotd sent the difference by IXFR" cat "$tmp/knotd.log"
has "[example.org.] IXFR, outgoing, remote 127.0.0.1@"
has "started, serial 1 -> 2"
count "[example.org.] AXFR, outgoing" 2

# 3. The stub resolver against knotd.
run "resolver follows CNAMEs" "$resolve_tool" 127.0.0.1 "$pk" alias.example.org A www.example.org AAAA alias.example.org A
has "alias.example.org A NOERROR canonical=web.example.org. ttl=600 records=1"
has "192.0.2.60"
has "www.example.org AAAA NOERROR canonical=web.example.org. ttl=600 records=1"
has "2001:db8::60"
has "records=1 cached"
has "cache_hits=1"

run "resolver negative answers" "$resolve_tool" 127.0.0.1 "$pk" nothing.example.org A web.example.org MX nothing.example.org A
has "nothing.example.org A NXDOMAIN canonical=nothing.example.org. ttl=120 records=0"
has "web.example.org MX NOERROR canonical=web.example.org. ttl=120 records=0"
has "records=0 cached"

run "resolver uses TCP after TC" "$resolve_tool" --udp-size 512 127.0.0.1 "$pk" big.example.org TXT
has "records=10"
has "tcp_fallbacks=1"

run "resolver against a refusing server" "$resolve_tool" 127.0.0.1 "$pk" www.example.net A
has "failed: protocol error"

finish
