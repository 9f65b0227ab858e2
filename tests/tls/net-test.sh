#!/bin/bash
# TLS over Fata's own TCP/IP stack. tls-echo runs on libtcpip (192.0.2.2)
# over a tap device in a network namespace made for this run. openssl and
# gnutls talk to it from the kernel side of the tap (192.0.2.1).
# Needs root, openssl and gnutls-cli, and exits 77 without them.
# Usage: net-test.sh TLS_ECHO MAKE_CERTS
set -u -o pipefail

echo_bin=${1:?usage: net-test.sh TLS_ECHO MAKE_CERTS}
make_certs=${2:?usage: net-test.sh TLS_ECHO MAKE_CERTS}

. "$(dirname "$0")/../lib/netns.sh"
netns_require openssl gnutls-cli:gnutls-bin

netns_init fs
ns=$netns_id
tap=${netns_id}t
work=$(mktemp -d /tmp/fata-tls-net.XXXXXX)
netns_remove_at_exit "$work"

in_ns() {
	ip netns exec "$ns" "$@"
}

fail() {
	echo "FAIL: $*" >&2
	for log in "$work"/*.log; do
		[ -f "$log" ] && { echo "--- $log"; cat "$log"; } >&2
	done
	exit 1
}

sh "$make_certs" "$work" || fail "making test certificates"
netns_add "$ns" || fail "ip netns add $ns"
netns_add_tap "$ns" "$tap" 192.0.2.1/24 || fail "creating tap $tap"

fata=(--net "tap:$tap" --ipv4 192.0.2.2/24)
passed=0
failed=0

check() { # name command...
	local name=$1
	shift
	if "$@"; then
		echo "ok: $name"
		passed=$((passed + 1))
	else
		echo "not ok: $name"
		failed=$((failed + 1))
	fi
}

# Waits until 192.0.2.2:$1 accepts a TCP connection inside the namespace.
# The probe counts as one (failed) connection for tls-echo --count.
wait_port() {
	local i
	for i in $(seq 50); do
		in_ns timeout 1 bash -c "exec 3<>/dev/tcp/192.0.2.2/$1" 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}

s_client_to_fata() {
	netns_start "$ns" "$echo_bin" "${fata[@]}" --cert "$work/rsa.crt" --key "$work/rsa.key" \
		--port 4433 --line --count 3 >"$work/server1.log" 2>&1
	wait_port 4433 || return 1
	printf 'hello over tap\n' | (cd "$work" && in_ns timeout 20 openssl s_client \
		-connect 192.0.2.2:4433 -servername localhost -CAfile ca.crt \
		-verify_return_error -quiet) >"$work/s_client.log" 2>&1
	grep -q 'hello over tap' "$work/s_client.log"
}

gnutls_cli_to_fata() {
	printf 'gnutls over tap\n' | (cd "$work" && in_ns timeout 20 gnutls-cli \
		--x509cafile ca.crt --port 4433 --sni-hostname localhost \
		--verify-hostname localhost 192.0.2.2) >"$work/gnutls-cli.log" 2>&1
	grep -q 'gnutls over tap' "$work/gnutls-cli.log"
}

fata_to_s_server() {
	netns_start "$ns" openssl s_server -accept 192.0.2.1:4434 -cert "$work/rsa.crt" \
		-key "$work/rsa.key" -naccept 1 -rev -quiet >"$work/s_server.log" 2>&1
	sleep 1
	in_ns timeout 20 "$echo_bin" "${fata[@]}" --connect 192.0.2.1:4434 --name localhost \
		--ca "$work/ca.crt" --message "reverse me" >"$work/client.log" 2>&1
	grep -q 'em esrever' "$work/client.log"
}

fata_refuses_wrong_name() {
	netns_start "$ns" openssl s_server -accept 192.0.2.1:4435 -cert "$work/rsa.crt" \
		-key "$work/rsa.key" -naccept 1 -rev -quiet >"$work/s_server2.log" 2>&1
	sleep 1
	! in_ns timeout 20 "$echo_bin" "${fata[@]}" --connect 192.0.2.1:4435 \
		--name wrong.example.test --ca "$work/ca.crt" --message x \
		>"$work/client2.log" 2>&1 &&
		grep -q 'server name does not match' "$work/client2.log"
}

check "openssl s_client to TLS server on libtcpip" s_client_to_fata
check "gnutls-cli to TLS server on libtcpip" gnutls_cli_to_fata
check "TLS client on libtcpip to openssl s_server" fata_to_s_server
check "TLS client on libtcpip refuses a wrong name" fata_refuses_wrong_name

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] || fail "$failed checks failed"
