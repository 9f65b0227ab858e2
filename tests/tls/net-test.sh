#!/bin/bash
# TLS over Fata's own TCP/IP stack. tls-echo runs on libtcpip (192.0.2.2)
# over a tap device in a network namespace made for this run. openssl and
# gnutls talk to it from the kernel side of the tap (192.0.2.1).
# Needs root, and exits 77 without it.
# Usage: net-test.sh TLS_ECHO MAKE_CERTS
set -u -o pipefail

echo_bin=${1:?usage: net-test.sh TLS_ECHO MAKE_CERTS}
make_certs=${2:?usage: net-test.sh TLS_ECHO MAKE_CERTS}

if [ "$(id -u)" != 0 ]; then
	echo "skipped: needs root for network namespaces and tap devices" >&2
	exit 77
fi
for tool in ip openssl gnutls-cli; do
	if ! command -v "$tool" >/dev/null; then
		echo "skipped: $tool is not installed" >&2
		exit 77
	fi
done

ns=fs$$
tap=fst$$
work=$(mktemp -d /tmp/fata-tls-net.XXXXXX)
pids=()

cleanup() {
	local pid
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	ip netns del "$ns" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

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
ip netns add "$ns" || fail "ip netns add $ns"
in_ns ip link set lo up
in_ns ip tuntap add dev "$tap" mode tap || fail "creating tap $tap"
in_ns ip addr add 192.0.2.1/24 dev "$tap"
in_ns ip link set "$tap" up

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
	in_ns "$echo_bin" "${fata[@]}" --cert "$work/rsa.crt" --key "$work/rsa.key" \
		--port 4433 --line --count 3 >"$work/server1.log" 2>&1 &
	pids+=($!)
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
	(cd "$work" && in_ns openssl s_server -accept 192.0.2.1:4434 -cert rsa.crt \
		-key rsa.key -naccept 1 -rev -quiet) >"$work/s_server.log" 2>&1 &
	pids+=($!)
	sleep 1
	in_ns timeout 20 "$echo_bin" "${fata[@]}" --connect 192.0.2.1:4434 --name localhost \
		--ca "$work/ca.crt" --message "reverse me" >"$work/client.log" 2>&1
	grep -q 'em esrever' "$work/client.log"
}

fata_refuses_wrong_name() {
	(cd "$work" && in_ns openssl s_server -accept 192.0.2.1:4435 -cert rsa.crt \
		-key rsa.key -naccept 1 -rev -quiet) >"$work/s_server2.log" 2>&1 &
	pids+=($!)
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
