#!/usr/bin/env bash
# HTTPS in fata-www on Fata's own TCP/IP stack, over a tap device in a
# network namespace that this script creates. The namespace's kernel is
# 192.0.2.1/24 on the tap; fata-www is 192.0.2.2 with HTTPS on port 443 and
# plain HTTP on port 80, and a self-signed certificate for IP:192.0.2.2
# made by openssl for this run. curl and openssl s_client connect from the
# namespace.
# Usage: www_tls_net_test.sh FATA_WWW
# Exits 77 without root, curl or openssl, as meson expects for a skipped test.
set -u -o pipefail

www=${1:?usage: www_tls_net_test.sh FATA_WWW}

. "$(dirname "$0")/../lib/netns.sh"
netns_require curl openssl

netns_init fw
ns=$netns_id
tap=${netns_id}t
work=$(mktemp -d "${TMPDIR:-/tmp}/fata-www-tls-net.XXXXXX")
netns_remove_at_exit "$work"
chmod 755 "$work"
www_pid=
checks=0
failures=0

die() {
	echo "www_tls_net_test.sh: FAIL: $*" >&2
	for log in "$work"/*.log; do
		[ -f "$log" ] || continue
		echo "--- ${log##*/}" >&2
		tail -n 30 "$log" >&2
	done
	exit 1
}

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

expect() {
	checks=$((checks + 1))
	[ "$2" = "$3" ] || fail "$1: got '$2', expected '$3'"
}

expect_match() {
	checks=$((checks + 1))
	grep -Eq -- "$3" <<<"$2" || fail "$1: '$3' not found in: $2"
}

expect_no_match() {
	checks=$((checks + 1))
	if grep -Eq -- "$3" <<<"$2"; then
		fail "$1: '$3' found in: $2"
	fi
}

in_ns() {
	ip netns exec "$ns" "$@"
}

# The certificates: the served one for 192.0.2.2, and another that no client trusts.
for name in www other; do
	openssl req -x509 -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		-keyout "$work/$name.key" -out "$work/$name.crt" -days 30 -subj "/CN=192.0.2.2" \
		-addext "subjectAltName=IP:192.0.2.2,DNS:www.example.test" >/dev/null 2>&1 ||
		die "openssl could not make the $name certificate"
done

# The namespace: the kernel at 192.0.2.1 on one tap device.
netns_add "$ns" || die "cannot create network namespace $ns"
netns_add_tap "$ns" "$tap" 192.0.2.1/24 || die "cannot create tap $tap"

site=$work/site
mkdir -p "$site/sub"
printf '<h1>https over tap</h1>\n' >"$site/index.html"
printf 'hello, world\n' >"$site/a.txt"
printf 'sub\n' >"$site/sub/index.html"
head -c 1048576 /dev/urandom >"$site/big.bin"
chmod -R a+rX "$site"

netns_start "$ns" "$www" --net "tap:$tap" --ipv4 192.0.2.2/24 \
	--tls-cert "$work/www.crt" --tls-key "$work/www.key" --http-port 80 --stats "$site" \
	>"$work/www.out" 2>"$work/www.log"
www_pid=$netns_last_pid
started=
for _ in $(seq 1 100); do
	if grep -q "serving plain HTTP on port 80" "$work/www.log"; then
		started=1
		break
	fi
	if ! netns_alive "$www_pid"; then
		netns_wait "$www_pid"
		www_pid=
		if grep -q "not implemented\|FATA_ENOTSUP\|not supported" "$work/www.log"; then
			echo "www_tls_net_test.sh: skipped: this libtcpip build has no TCP yet" >&2
			exit 77
		fi
		die "fata-www exited at start"
	fi
	sleep 0.1
done
[ -n "$started" ] || die "fata-www did not start"
expect_match "HTTPS on 443 by default" "$(cat "$work/www.log")" \
	"serving .* on port 443 with TLS \(tcpip stack\)"

base=https://192.0.2.2

tcurl() {
	in_ns curl -s --max-time 20 --cacert "$work/www.crt" "$@"
}

status() {
	tcurl -o /dev/null -w '%{http_code}' "$@"
}

expect "GET /" "$(tcurl "$base/")" "<h1>https over tap</h1>"
expect "GET by DNS name" "$(tcurl --resolve www.example.test:443:192.0.2.2 \
	https://www.example.test/a.txt)" "hello, world"
expect_match "HEAD" "$(tcurl -I "$base/a.txt")" "Content-Length: 13"
expect "Range" "$(tcurl -r 7-11 "$base/a.txt")" "world"
expect "Range status" "$(status -r 7-11 "$base/a.txt")" 206
expect "Unsatisfiable range" "$(status -r 99- "$base/a.txt")" 416
expect "Big file" "$(tcurl "$base/big.bin" | cmp - "$site/big.bin" && echo same)" same
expect "Missing file" "$(status "$base/missing")" 404

multi=$(tcurl -v "$base/a.txt" "$base/sub/" 2>&1)
expect_match "Two requests, one connection" "$multi" "Re-using existing connection"
expect "One handshake for two requests" "$(grep -c 'SSL connection using' <<<"$multi")" 1
expect_match "Second response" "$multi" "^sub$"

hello=$(in_ns openssl s_client -connect 192.0.2.2:443 -CAfile "$work/www.crt" \
	-verify_ip 192.0.2.2 -alpn http/1.1 </dev/null 2>&1)
expect_match "s_client protocol" "$hello" "Protocol *: TLSv1\.2"
expect_match "s_client AEAD suite" "$hello" \
	"Cipher *: ECDHE-ECDSA-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)"
expect_match "s_client verified" "$hello" "Verify return code: 0 \(ok\)"
expect_match "s_client ALPN" "$hello" "ALPN protocol: http/1.1"

checks=$((checks + 1))
in_ns curl -s --max-time 20 -o /dev/null --cacert "$work/other.crt" "$base/a.txt"
rc=$?
[ "$rc" -eq 60 ] || fail "curl trusting another certificate: exit status $rc, expected 60"
checks=$((checks + 1))
if in_ns curl -s --max-time 20 -o /dev/null "$base/a.txt"; then
	fail "curl with the system's CAs accepted the self-signed certificate"
fi

# Plain HTTP to port 443 gets no HTTP response; port 80 serves it.
expect "Plain HTTP status on 443" \
	"$(in_ns curl -s --max-time 20 -o /dev/null -w '%{http_code}' http://192.0.2.2:443/)" 000
reply=$(in_ns timeout 20 bash -c 'exec 3<>/dev/tcp/192.0.2.2/443 || exit 1
	printf "GET / HTTP/1.1\r\nHost: 192.0.2.2\r\n\r\n" >&3
	head -c 200 <&3' 2>/dev/null | tr -d '\0')
expect_no_match "Plain HTTP reply on 443" "$reply" "HTTP/"
expect "Plain HTTP on 80" "$(in_ns curl -s --max-time 20 http://192.0.2.2/a.txt)" "hello, world"
expect "HTTPS after the plain requests" "$(tcurl "$base/a.txt")" "hello, world"

rc=0
netns_stop "$www_pid" || rc=$?
www_pid=
expect "fata-www exit status after SIGTERM" "$rc" 0
expect_match "TLS handshakes counted" "$(cat "$work/www.log")" \
	"^tls_server\.handshakes [1-9][0-9]*$"

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
