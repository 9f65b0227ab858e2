# Shared set-up of the libtcpip tests against the Linux kernel; sourced by
# the net_*.sh scripts. Each test makes its own namespace "fi<PID>" with a
# tap device "fi<PID>t" in it. The kernel's side of the tap is 192.0.2.1/24;
# the Fata program runs in the same namespace on the tap's file descriptor.

require_root() {
	if [ "$(id -u)" != 0 ]; then
		echo "skipped: needs root for network namespaces and tap devices" >&2
		exit 77
	fi
	for tool in ip "$@"; do
		if ! command -v "$tool" >/dev/null 2>&1; then
			echo "skipped: $tool is not installed" >&2
			exit 77
		fi
	done
}

# FATA_NET_PREFIX changes the "fi" prefix of the names, so runs from
# different checkouts cannot collide. FATA_NET_OFFLOAD=off runs the Fata
# programs with --no-offload (a tap without the virtio-net header).
prefix=${FATA_NET_PREFIX:-fi}
ns=$prefix$$
tap=$prefix$$t
offload_args=()
if [ "${FATA_NET_OFFLOAD:-on}" = off ]; then
	offload_args=(--no-offload)
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/fata-net.XXXXXX")
pids=()

cleanup() {
	local pid

	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null
	done
	ip netns del "$ns" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

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
	in_ns ip tuntap add "$1" mode tap || fail "cannot create tap $1"
	in_ns ip addr add "$2" dev "$1"
	in_ns ip link set "$1" up
}

# Creates the namespace and the tap with the kernel's address on it.
make_namespace() {
	ip netns add "$ns" || fail "cannot create namespace $ns"
	in_ns ip link set lo up
	make_tap "$tap" 192.0.2.1/24
}

# Starts a program in the namespace with its output in $work/NAME.log.
start_bg() {
	local name=$1
	shift
	# ip execs the program, so $! is the program itself and gets the signals.
	ip netns exec "$ns" "$@" >"$work/$name.log" 2>&1 &
	pids+=($!)
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

# Ends the last started helper (a kernel-side server) without checking its status.
kill_last() {
	local pid=${pids[-1]}

	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	unset 'pids[-1]'
}

# Stops the last started program with SIGTERM and checks it exits with 0.
stop_last() {
	local pid=${pids[-1]}

	kill -TERM "$pid"
	wait "$pid"
	local status=$?
	unset 'pids[-1]'
	[ "$status" = 0 ] || fail "program exited with status $status after SIGTERM"
}
