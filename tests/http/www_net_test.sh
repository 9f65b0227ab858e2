#!/usr/bin/env bash
# Network tests of fata-www and the libhttp client on Fata's own TCP/IP
# stack, over tap devices in a network namespace that this script creates.
# Every address is in 192.0.2.0/24 (TEST-NET-1); the namespace's kernel is
# 192.0.2.1 on a bridge, fata-www is 192.0.2.2 and http-fetch 192.0.2.3.
#
# Usage: www_net_test.sh CASE FATA_WWW HTTP_FETCH
#   www     curl, socat and wrk against fata-www. The checks cover GET,
#           HEAD, Range, conditional requests, several requests on one
#           connection, pipelined requests, a table of malformed requests
#           and a short load.
#   client  http-fetch (the libhttp client) fetches from nginx in the
#           namespace and from fata-www.
# Exits 77 without root or one of the tools, or while libtcpip has no TCP,
# as meson expects for a skipped test.
set -u -o pipefail

case_name=${1:?usage: www_net_test.sh CASE FATA_WWW HTTP_FETCH}
www=${2:?usage: www_net_test.sh CASE FATA_WWW HTTP_FETCH}
fetch=${3:?usage: www_net_test.sh CASE FATA_WWW HTTP_FETCH}

. "$(dirname "$0")/../lib/netns.sh"
netns_require curl socat wrk:wrk nginx:nginx-light python3

netns_init fh
ns=$netns_id
bridge=${netns_id}b
tap_www=${netns_id}w
tap_fetch=${netns_id}f
work=$(mktemp -d "${TMPDIR:-/tmp}/fata-www-net.XXXXXX")
netns_remove_at_exit "$work"
chmod 755 "$work"
www_pid=
checks=0
failures=0

die() {
	echo "www_net_test.sh $case_name: FAIL: $*" >&2
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

in_ns() {
	ip netns exec "$ns" "$@"
}

# The namespace: a bridge at 192.0.2.1 with two tap devices on it.
netns_add "$ns" || die "cannot create network namespace $ns"
in_ns ip link add "$bridge" type bridge || die "cannot create bridge $bridge"
netns_set_addr "$ns" "$bridge" 192.0.2.1/24 || die "cannot address bridge $bridge"
for tap in "$tap_www" "$tap_fetch"; do
	netns_add_tap "$ns" "$tap" || die "cannot create tap $tap"
	in_ns ip link set "$tap" master "$bridge"
done

# The served directory.
site=$work/site
mkdir -p "$site/sub"
printf '<h1>fata over tap</h1>\n' >"$site/index.html"
printf 'hello, world\n' >"$site/a.txt"
printf 'sub\n' >"$site/sub/index.html"
head -c 1048576 /dev/urandom >"$site/big.bin"
chmod -R a+rX "$site"

start_www() {
	netns_start "$ns" "$www" --net "tap:$tap_www" --ipv4 192.0.2.2/24 --port 80 "$site" \
		>"$work/www.out" 2>"$work/www.log"
	www_pid=$netns_last_pid
	for _ in $(seq 1 100); do
		grep -q "serving" "$work/www.log" && return 0
		if ! netns_alive "$www_pid"; then
			netns_wait "$www_pid"
			www_pid=
			if grep -q "not implemented\|FATA_ENOTSUP\|not supported" "$work/www.log"; then
				echo "www_net_test.sh: skipped: this libtcpip build has no TCP yet" >&2
				exit 77
			fi
			die "fata-www exited at start"
		fi
		sleep 0.1
	done
	die "fata-www did not start"
}

stop_www() {
	local status=0

	netns_stop "$www_pid" || status=$?
	www_pid=
	expect "fata-www exit status after SIGTERM" "$status" 0
}

ncurl() {
	in_ns curl -s --max-time 10 "$@"
}

status() {
	ncurl -o /dev/null -w '%{http_code}' "$@"
}

# Sends the raw bytes of $1 with socat and prints the reply.
raw() {
	printf "$1" | in_ns timeout 15 socat -t 3 - TCP:192.0.2.2:80 2>>"$work/socat.log"
}

case_www() {
	local base=http://192.0.2.2
	start_www

	expect "GET /" "$(ncurl "$base/")" "<h1>fata over tap</h1>"
	expect "GET /a.txt" "$(ncurl "$base/a.txt")" "hello, world"
	expect_match "HEAD" "$(ncurl -I "$base/a.txt")" "Content-Length: 13"
	expect "Range" "$(ncurl -r 7-11 "$base/a.txt")" "world"
	expect "Range status" "$(status -r 7-11 "$base/a.txt")" 206
	expect "Unsatisfiable range" "$(status -r 99- "$base/a.txt")" 416
	local etag
	etag=$(ncurl -D - -o /dev/null "$base/a.txt" | sed -n 's/^ETag: \(.*\)\r$/\1/p')
	expect "If-None-Match" "$(status -H "If-None-Match: $etag" "$base/a.txt")" 304
	expect "Big file" "$(ncurl "$base/big.bin" | cmp - "$site/big.bin" && echo same)" same
	local multi
	multi=$(in_ns curl -sv --max-time 10 "$base/a.txt" "$base/sub/" 2>&1)
	expect_match "Two requests, one connection" "$multi" "Re-using existing connection"
	expect_match "Second response" "$multi" "^sub$"

	# Pipelined requests in one write: the responses come back in order.
	local reply
	reply=$(raw 'GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /sub/ HTTP/1.1\r\nHost: x\r\n\r\nGET /missing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
	expect "Pipelined statuses" "$(grep -o '^HTTP/1.1 [0-9]*' <<<"$reply" | tr '\n' ' ')" \
		"HTTP/1.1 200 HTTP/1.1 200 HTTP/1.1 404 "
	expect_match "Pipelined order" "$(tr -d '\r' <<<"$reply" | tr '\n' ' ')" "hello, world .*sub .*404 Not Found"

	# Malformed requests, each with its status.
	local -a bad=(
		'400|GET / HTTP/1.1\r\n\r\n'
		'400|GET / HTTP/1.1\r\nHost : x\r\n\r\n'
		'400|GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n'
		'400|GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 2\r\n\r\n'
		'400|GET / HTTP/1.1\nHost: x\r\n\r\n'
		'400|GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n'
		'400|GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n'
		'501|GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n'
		'505|GET / HTTP/2.0\r\nHost: x\r\n\r\n'
		'411|POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n'
		'413|POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\n'
		'405|POST /a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n'
		'501|BREW / HTTP/1.1\r\nHost: x\r\n\r\n'
	)
	local entry code req first
	for entry in "${bad[@]}"; do
		code=${entry%%|*}
		req=${entry#*|}
		first=$(raw "$req" | head -n1 | tr -d '\r')
		expect "malformed $req" "${first:9:3}" "$code"
	done
	local long
	long=$(printf 'GET /%09000d HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n' 0)
	expect "long target" "$(raw "$long" | head -n1 | tr -d '\r')" "HTTP/1.1 414 URI Too Long"
	local fields='GET / HTTP/1.1\r\nHost: x\r\n'
	for i in $(seq 1 70); do fields+="X-$i: v\\r\\n"; done
	expect "many fields" "$(raw "$fields\\r\\n" | head -n1 | tr -d '\r')" \
		"HTTP/1.1 431 Request Header Fields Too Large"

	# A short load: 3 seconds, 8 connections, no errors allowed.
	local load
	load=$(in_ns timeout 30 wrk -t1 -c8 -d3s --timeout 5s "$base/a.txt" 2>&1)
	echo "$load" >"$work/wrk.log"
	grep -E "requests in|Requests/sec" <<<"$load"
	expect_match "wrk ran requests" "$load" "[0-9]+ requests in"
	checks=$((checks + 1))
	if grep -Eq "Socket errors|Non-2xx" <<<"$load"; then
		fail "wrk saw errors: $load"
	fi

	stop_www
}

# Writes the FNV-1a 64 hash of file $1 as http-fetch prints it.
fnv() {
	python3 -c '
import sys
h = 0xcbf29ce484222325
for b in open(sys.argv[1], "rb").read():
    h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
print("%016x" % h)' "$1"
}

case_client() {
	mkdir -p "$work/nginx-root"
	cp "$site/a.txt" "$site/big.bin" "$work/nginx-root/"
	chmod -R a+rX "$work/nginx-root"
	cat >"$work/nginx.conf" <<-EOF
		daemon off;
		worker_processes 1;
		pid $work/nginx.pid;
		error_log $work/nginx-error.log;
		events { worker_connections 64; }
		http {
			access_log off;
			client_body_temp_path $work/nginx-tmp;
			server {
				listen 192.0.2.1:8081;
				root $work/nginx-root;
			}
		}
	EOF
	netns_start "$ns" nginx -c "$work/nginx.conf" -e "$work/nginx-error.log" \
		2>"$work/nginx.log"
	for _ in $(seq 1 50); do
		in_ns curl -s -o /dev/null http://192.0.2.1:8081/a.txt && break
		sleep 0.1
	done

	local out
	out=$(in_ns timeout 60 "$fetch" --net "tap:$tap_fetch" --ipv4 192.0.2.3/24 \
		192.0.2.1:8081 /a.txt /big.bin /missing /a.txt 2>"$work/fetch-nginx.log")
	expect "client exit from nginx" "$?" 0
	expect_match "nginx a.txt" "$out" "^/a.txt 200 13 $(fnv "$site/a.txt")$"
	expect_match "nginx big.bin" "$out" "^/big.bin 200 1048576 $(fnv "$site/big.bin")$"
	expect_match "nginx 404" "$out" "^/missing 404 "
	expect_match "nginx reuse" "$out" "connections_opened=1 connections_reused=3"

	start_www
	out=$(in_ns timeout 60 "$fetch" --net "tap:$tap_fetch" --ipv4 192.0.2.3/24 \
		192.0.2.2:80 /a.txt /big.bin /sub/ 2>"$work/fetch-www.log")
	expect "client exit from fata-www" "$?" 0
	expect_match "fata-www a.txt" "$out" "^/a.txt 200 13 $(fnv "$site/a.txt")$"
	expect_match "fata-www big.bin" "$out" "^/big.bin 200 1048576 $(fnv "$site/big.bin")$"
	expect_match "fata-www sub" "$out" "^/sub/ 200 4 "
	expect_match "fata-www reuse" "$out" "connections_opened=1 connections_reused=2"
	stop_www
}

case "$case_name" in
www) case_www ;;
client) case_client ;;
*) die "unknown case $case_name" ;;
esac

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
