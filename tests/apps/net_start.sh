#!/usr/bin/env bash
# Network tests of the shared start-up: fata-app-tool runs on Fata's TCP/IP
# over a tap device inside a network namespace that this script creates,
# and the namespace's kernel is its peer at 192.0.2.1.
#
# Usage: net_start.sh TOOL CASE
#   static        --ipv4 and --ipv4-gateway are applied, pcap and trace files
#                 are written, and the kernel exchanges a UDP datagram with
#                 the tool
#   tcp           the kernel connects to a TCP listener of the tool
#   dhcp          --dhcp gets a lease from dnsmasq in the namespace
#   dhcp-timeout  --dhcp without a server fails after --dhcp-timeout seconds
# Exits 77 without root or socat, as meson expects for a skipped test.
set -u -o pipefail

tool=${1:?usage: net_start.sh TOOL CASE}
case_name=${2:?usage: net_start.sh TOOL CASE}

. "$(dirname "$0")/../lib/netns.sh"
netns_require socat

netns_init fc
ns=$netns_id
tap=${netns_id}t
work=$(mktemp -d "${TMPDIR:-/tmp}/fata-net-start.XXXXXX")
netns_remove_at_exit "$work"
# The PID of the tool while it runs in the background. The trap ends it at exit.
tool_pid=

fail() {
	echo "net_start.sh $case_name: FAIL: $*" >&2
	for log in "$work"/*.log; do
		[ -f "$log" ] || continue
		echo "--- ${log##*/}" >&2
		tail -n 30 "$log" >&2
	done
	exit 1
}

in_ns() {
	ip netns exec "$ns" "$@"
}

# Waits up to $2 tenths of a second for the command in $3... to succeed,
# and gives up early when the tool started last has exited.
wait_until() {
	local what=$1 tenths=$2
	shift 2
	for ((i = 0; i < tenths; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		if [ -n "${tool_pid:-}" ] && ! netns_alive "$tool_pid"; then
			fail "fata-app-tool exited while waiting for $what"
		fi
		sleep 0.1
	done
	fail "timed out waiting for $what"
}

# Starts the tool in the background with the given options; sets tool_pid.
start_tool() {
	netns_start "$ns" "$tool" "$@" >"$work/tool.out" 2>"$work/tool.log"
	tool_pid=$netns_last_pid
}

# Waits for the tool to exit and fails unless its status is 0.
finish_tool() {
	local status=0
	netns_wait "$tool_pid" || status=$?
	tool_pid=
	[ "$status" -eq 0 ] || fail "fata-app-tool exited with status $status"
}

netns_add "$ns" || fail "cannot create network namespace $ns"

# The kernel side of the tap: the address the namespace's kernel uses.
configure_kernel_side() {
	netns_set_addr "$ns" "$tap" 192.0.2.1/24 || fail "cannot address $tap and bring it up"
}

case_static() {
	start_tool --net "tap:$tap" --ipv4 192.0.2.2/24 --ipv4-gateway 192.0.2.1 \
		--pcap "$work/tap.pcap" --trace "$work/trace.json" --udp-echo 7777
	wait_until "the tool's UDP socket" 100 grep -q "udp on port 7777" "$work/tool.out"
	configure_kernel_side

	local reply
	reply=$(echo ping | in_ns timeout 20 socat -T 10 - UDP:192.0.2.2:7777 \
		2>"$work/socat.log") || fail "no UDP reply from 192.0.2.2:7777"
	[ "$reply" = "hello from fata" ] || fail "unexpected UDP reply \"$reply\""
	finish_tool

	grep -q "address 192.0.2.2/24, gateway 192.0.2.1 (static)" "$work/tool.log" ||
		fail "the start-up log line does not show the static address"

	# A pcap file starts with the magic number a1b2c3d4, written little-endian here.
	[ "$(head -c 4 "$work/tap.pcap" | od -An -tx1 | tr -d ' ')" = "d4c3b2a1" ] ||
		fail "tap.pcap has no pcap header"
	if command -v tshark >/dev/null; then
		tshark -r "$work/tap.pcap" -Y 'udp.port == 7777' 2>"$work/tshark.log" |
			grep -q . || fail "tshark finds no UDP packets of port 7777 in tap.pcap"
	fi

	python3 -c 'import json, sys; events = json.load(open(sys.argv[1]))["traceEvents"];
sys.exit(0 if events else 1)' "$work/trace.json" || fail "trace.json is not a trace"
}

case_tcp() {
	start_tool --net "tap:$tap" --ipv4 192.0.2.2/24 --listen 7777
	wait_until "the tool's listener" 100 grep -q "listening on port 7777" "$work/tool.out"
	configure_kernel_side

	local reply
	reply=$(in_ns timeout 20 socat -T 10 - TCP:192.0.2.2:7777,connect-timeout=10 </dev/null \
		2>"$work/socat.log") || fail "socat could not reach 192.0.2.2:7777"
	[ "$reply" = "hello from fata" ] || fail "unexpected greeting \"$reply\""
	finish_tool
}

case_dhcp() {
	# A persistent tap, so dnsmasq can bind to it before the tool attaches.
	netns_add_tap "$ns" "$tap" 192.0.2.1/24 || fail "cannot create tap $tap"

	netns_start "$ns" dnsmasq --keep-in-foreground --no-resolv --no-hosts --port=0 \
		--interface="$tap" --bind-interfaces --user=root \
		--dhcp-range=192.0.2.50,192.0.2.99,255.255.255.0,10m \
		--dhcp-option=option:router,192.0.2.1 \
		--dhcp-leasefile="$work/leases" --pid-file="$work/dnsmasq.pid" \
		--log-facility="$work/dnsmasq.log" --log-dhcp
	wait_until "dnsmasq" 50 test -s "$work/dnsmasq.pid"

	start_tool --net "tap:$tap" --dhcp --dhcp-timeout 20 --run-ms 200
	finish_tool

	grep -Eq "address 192\.0\.2\.([5-9][0-9])/24, gateway 192\.0\.2\.1 \(DHCP\)" \
		"$work/tool.log" || fail "the start-up log line does not show a leased address"
}

case_dhcp_timeout() {
	local status=0 start=$SECONDS

	in_ns "$tool" --net "tap:$tap" --dhcp --dhcp-timeout 2 \
		>"$work/tool.out" 2>"$work/tool.log" || status=$?
	local elapsed=$((SECONDS - start))

	[ "$status" -eq 1 ] || fail "expected exit status 1 without a DHCP server, got $status"
	grep -q "no DHCP lease on $tap within 2 s" "$work/tool.log" ||
		fail "the log does not explain the DHCP timeout"
	if [ "$elapsed" -lt 1 ] || [ "$elapsed" -gt 10 ]; then
		fail "the DHCP timeout of 2 s took $elapsed s"
	fi
}

case $case_name in
static) case_static ;;
tcp) case_tcp ;;
dhcp) case_dhcp ;;
dhcp-timeout) case_dhcp_timeout ;;
*) echo "net_start.sh: unknown case \"$case_name\" (static, tcp, dhcp or dhcp-timeout)" >&2
   exit 2 ;;
esac
echo "net_start.sh $case_name: ok"
