# Shared set-up of the libtcpip tests against the Linux kernel; sourced by
# the net_*.sh scripts. Each test makes its own namespace "fi<PID>" with a
# tap device "fi<PID>t" in it. The kernel's side of the tap is 192.0.2.1/24;
# the Fata program runs in the same namespace on the tap's file descriptor.

. "$(dirname "${BASH_SOURCE[0]}")/../lib/netns.sh"

# Exits 77 without root, ip or one of the tools given.
require_root() {
	netns_require "$@"
}

# FATA_NET_PREFIX changes the "fi" prefix of the names, so runs from
# different checkouts cannot collide. FATA_NET_OFFLOAD=off runs the Fata
# programs with --no-offload (a tap without the virtio-net header).
netns_init "fi"
ns=$netns_id
tap=${netns_id}t
offload_args=()
if [ "${FATA_NET_OFFLOAD:-on}" = off ]; then
	offload_args=(--no-offload)
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/fata-net.XXXXXX")
netns_remove_at_exit "$work"

fail() {
	echo "FAIL: $*" >&2
	for log in "$work"/*.log; do
		[ -f "$log" ] || continue
		echo "--- $log" >&2
		tail -n 30 "$log" >&2
	done
	exit 1
}

in_ns() {
	ip netns exec "$ns" "$@"
}

# Creates tap device $1 in the namespace with the kernel's address $2 on it.
make_tap() {
	netns_add_tap "$ns" "$1" "$2" || fail "cannot create tap $1"
}

# Creates the namespace and the tap with the kernel's address on it.
make_namespace() {
	netns_add "$ns" || fail "cannot create namespace $ns"
	make_tap "$tap" 192.0.2.1/24
}

# Starts a program in the namespace with its output in $work/NAME.log.
start_bg() {
	local name=$1

	shift
	netns_start "$ns" "$@" >"$work/$name.log" 2>&1
}

# Waits up to $2 seconds for host $1 to reply to ping.
wait_ping() {
	local i

	for ((i = 0; i < $2 * 5; i++)); do
		in_ns ping -c 1 -W 1 -q "$1" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

# Waits up to 10 seconds for a kernel TCP listener on port $1 in the namespace.
wait_listen() {
	local i

	for ((i = 0; i < 50; i++)); do
		in_ns ss -Hltn "sport = :$1" | grep -q . && return 0
		sleep 0.2
	done
	fail "nothing listens on TCP port $1"
}

# Ends the last started helper still registered (a kernel-side server)
# without checking its status.
kill_last() {
	netns_kill "${netns_pids[-1]}"
}

# Stops the last started program still registered with SIGTERM and checks
# it exits with 0.
stop_last() {
	local status=0

	netns_stop "${netns_pids[-1]}" || status=$?
	[ "$status" = 0 ] || fail "program exited with status $status after SIGTERM"
}
