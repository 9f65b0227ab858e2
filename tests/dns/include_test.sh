#!/bin/bash
# $INCLUDE in fata-dns: serves data/include.zone, whose records come from
# files under data/include/ named relative to the including file, and
# queries them with dns_resolve_tool on 127.0.0.1. Then checks that a missing
# included file, an include loop and a syntax error in an included file
# stop fata-dns with the file, line and reason.
#
# Usage: include_test.sh FATA_DNS RESOLVE_TOOL DATA_DIR
set -u
# Absolute paths, because the test changes directory.
fata_dns=$(readlink -f "$1")
resolve_tool=$(readlink -f "$2")
data=$(readlink -f "$3")
. "$(dirname "$0")/peer_common.sh"

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

# Run from an unrelated directory, so only the including file's directory
# can make the relative names work.
cd "$tmp" || exit 1

"$fata_dns" --port "$port" --listen 127.0.0.1 "$data/include.zone" 2>"$tmp/server.log" &
server_pid=$!
Q=("$resolve_tool" 127.0.0.1 "$port")
if ! wait_for "${Q[@]}" include.example SOA; then
	echo "FAIL: fata-dns did not start"
	cat "$tmp/server.log"
	exit 1
fi

run "server log" cat "$tmp/server.log"
has "loaded zone include.example. from $data/include.zone: serial 1, 10 records"

run "included without a domain name" "${Q[@]}" ns1.include.example A www.include.example A
has "ns1.include.example A NOERROR canonical=ns1.include.example. ttl=300 records=1"
has "192.0.2.31"
has "www.include.example A NOERROR canonical=www.include.example. ttl=60 records=1"

run "nested include with a domain name" "${Q[@]}" leaf.deeper.include.example TXT
has "leaf.deeper.include.example TXT NOERROR canonical=leaf.deeper.include.example. ttl=120 records=1"
has "\"from include/more.zone\""

# hosts.zone's "$TTL 120" ended with its first inclusion, so ns1 gets 300 again.
run "included with a domain name" "${Q[@]}" ns1.sub.include.example A www.sub.include.example A \
	leaf.deeper.sub.include.example TXT
has "ns1.sub.include.example A NOERROR canonical=ns1.sub.include.example. ttl=300 records=1"
has "www.sub.include.example A NOERROR canonical=www.sub.include.example. ttl=60 records=1"
has "leaf.deeper.sub.include.example TXT NOERROR canonical=leaf.deeper.sub.include.example. ttl=120 records=1"

run "owner, origin and TTL restored" "${Q[@]}" include.example TXT after.include.example A
has "include.example TXT NOERROR canonical=include.example. ttl=300 records=1"
has "\"owner restored after the include\""
has "after.include.example A NOERROR canonical=after.include.example. ttl=300 records=1"
has "192.0.2.30"

# A clean stop, so that under AddressSanitizer a leaked included file fails the test.
step="server stop"
kill -TERM "$server_pid"
wait "$server_pid"
status=$?
server_pid=""
if [ "$status" -eq 0 ]; then ok "exit status 0"; else bad "exit status $status, expected 0"; fi

# Each broken zone must stop fata-dns before it serves.
rejected() {
	local zone=$1
	step="$zone rejected"
	out=$(timeout 20 "$fata_dns" --port "$port" --listen 127.0.0.1 "$data/$zone" 2>&1)
	if [ $? -eq 1 ]; then ok "exit status 1"; else bad "expected exit status 1"; fi
	# A sanitizer report, such as a leak on this error path, exits 1 as well.
	lacks "Sanitizer"
}

rejected include-missing.zone
has "$data/include-missing.zone:6: cannot include 'include/missing.zone': cannot open $data/include/missing.zone: No such file or directory"

rejected include-loop.zone
has "$data/include-loop.zone:6: \$INCLUDE of '$data/include-loop.zone' is a loop: that file is already being read"

rejected include-bad.zone
has "$data/include/bad.zone:3: invalid A rdata: invalid IPv4 address"

finish
