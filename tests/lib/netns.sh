# Network namespaces for the test scripts that need root: the root and
# tool check, namespaces and tap or veth devices, background processes, and
# one trap that removes them all. Sourced by bash scripts, not run.
#
# A script calls netns_require, then netns_init with its name prefix, and
# then names every namespace and device "$netns_id" plus a suffix, so that
# parallel runs never collide. Everything created through these functions
# is registered: on exit, SIGINT or SIGTERM the trap ends the registered
# processes (only those) and deletes the registered namespaces and paths.
#
#   netns_require [TOOL[:PACKAGE]]...   exit 77 without root, ip or a tool
#   netns_init PREFIX                   set $netns_id and install the trap
#   netns_add NS                        create a namespace with lo up
#   netns_add_tap NS DEV [ADDR/LEN]     create a tap device in NS and bring it up
#   netns_set_addr NS DEV ADDR/LEN      add an address to DEV and bring it up
#   netns_add_veth NS DEV PEER_NS PEER_DEV [ADDR/LEN [PEER_ADDR/LEN]]
#   netns_start NS CMD...               run CMD in NS in the background
#   netns_wait PID / netns_stop PID / netns_kill PID
#   netns_remove_at_exit PATH...        delete PATH when the script ends
#
# A failing set-up step prints one line to stderr and returns 1, so the
# caller adds its own failure handling: `netns_add "$ns" || fail "..."`.

# FATA_NET_PREFIX replaces every script's own prefix, so runs from
# different checkouts or by different users cannot collide.
netns_id=
netns_script=${0##*/}
netns_pids=()
netns_namespaces=()
netns_paths=()
netns_last_pid=
netns_stderr=2

# Exits 77 with one line on stderr unless the script runs as root and `ip`
# and every TOOL are installed. TOOL:PACKAGE names the Debian package to
# install in the message.
netns_require() {
	local entry tool

	if [ "$(id -u)" != 0 ]; then
		echo "$netns_script: skipped: needs root for network namespaces and tap devices" >&2
		exit 77
	fi
	for entry in ip:iproute2 "$@"; do
		tool=${entry%%:*}
		if ! command -v "$tool" >/dev/null 2>&1; then
			if [ "$entry" != "$tool" ]; then
				echo "$netns_script: skipped: $tool is not installed" \
					"(apt-get install ${entry#*:})" >&2
			else
				echo "$netns_script: skipped: $tool is not installed" >&2
			fi
			exit 77
		fi
	done
}

# Sets $netns_id to the prefix ($FATA_NET_PREFIX or PREFIX) and this
# script's PID, and installs the cleanup trap for EXIT, SIGINT and SIGTERM.
# NOTE: Linux device names have at most 15 characters and a PID up to 7
# digits, so a prefix longer than 6 characters can break one-letter suffixes.
netns_init() {
	netns_id=${FATA_NET_PREFIX:-${1:?netns_init needs a prefix}}$$
	# A trap runs with the redirections of the command it interrupts, so it
	# reports on a copy of the script's own stderr.
	exec {netns_stderr}>&2
	trap netns_cleanup EXIT
	trap 'netns_interrupted INT 130' INT
	trap 'netns_interrupted TERM 143' TERM
}

# Exits with 128 plus the signal number, which runs the EXIT trap.
netns_interrupted() {
	echo "$netns_script: interrupted by SIG$1, cleaning up" >&"$netns_stderr"
	exit "$2"
}

# Returns 0 while process $1 exists and is not a zombie.
netns_alive() {
	local stat

	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	# The state letter follows the command name, which is in parentheses.
	stat=${stat##*) }
	[ "${stat:0:1}" != Z ]
}

# Sends SIGTERM to process $1, waits up to 5 seconds, then sends SIGKILL,
# and reaps it. Returns its exit status.
netns_end() {
	local pid=$1 i status=0

	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		netns_alive "$pid" || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || status=$?
	return "$status"
}

# Removes PID $1 from the registered processes.
netns_forget() {
	local i

	for i in "${!netns_pids[@]}"; do
		[ "${netns_pids[$i]}" = "$1" ] && unset 'netns_pids[i]'
	done
	netns_pids=("${netns_pids[@]}")
}

# The trap: deletes the registered namespaces, ends the registered
# processes and deletes the registered paths, and keeps the script's exit
# status. The namespaces go first because meson sends SIGKILL half a second
# after the SIGTERM of a timeout or Ctrl-C (meson 1.0.1), and `ip netns del`
# takes milliseconds. A namespace with a process still in it then loses its
# name at once and is freed when the process ends.
netns_cleanup() {
	local status=$? pid ns i

	trap - EXIT INT TERM
	for ns in "${netns_namespaces[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	netns_namespaces=()

	for pid in "${netns_pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for ((i = 0; i < 50; i++)); do
		netns_any_alive || break
		sleep 0.1
	done
	for pid in "${netns_pids[@]}"; do
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	netns_pids=()

	if [ "${#netns_paths[@]}" -gt 0 ]; then
		rm -rf -- "${netns_paths[@]}"
	fi
	exit "$status"
}

# Returns 0 while any registered process is alive.
netns_any_alive() {
	local pid

	for pid in "${netns_pids[@]}"; do
		netns_alive "$pid" && return 0
	done
	return 1
}

# Deletes every PATH (a file or a folder) when the script ends.
netns_remove_at_exit() {
	netns_paths+=("$@")
}

# Creates namespace NS with its loopback device up, and registers it.
netns_add() {
	if ! ip netns add "$1"; then
		echo "$netns_script: cannot create network namespace $1" >&2
		return 1
	fi
	netns_namespaces+=("$1")
	ip -n "$1" link set lo up
}

# Adds ADDR/LEN to device DEV in namespace NS and brings DEV up.
netns_set_addr() {
	if ! ip -n "$1" addr add "$3" dev "$2" || ! ip -n "$1" link set "$2" up; then
		echo "$netns_script: cannot set address $3 on $2 in $1" >&2
		return 1
	fi
}

# Creates tap device DEV in namespace NS, with ADDR/LEN when given, and
# brings it up. The device stays after its users close it and goes with NS.
netns_add_tap() {
	if ! ip -n "$1" tuntap add dev "$2" mode tap; then
		echo "$netns_script: cannot create tap device $2 in $1" >&2
		return 1
	fi
	if [ -n "${3:-}" ]; then
		netns_set_addr "$1" "$2" "$3"
	else
		ip -n "$1" link set "$2" up
	fi
}

# Creates a veth pair: DEV in namespace NS and PEER_DEV in PEER_NS, with
# the addresses when given, both up.
netns_add_veth() {
	local ns=$1 dev=$2 peer_ns=$3 peer_dev=$4

	if ! ip -n "$ns" link add "$dev" type veth peer name "$peer_dev" netns "$peer_ns"; then
		echo "$netns_script: cannot create veth pair $dev in $ns, $peer_dev in $peer_ns" >&2
		return 1
	fi
	if [ -n "${5:-}" ]; then
		netns_set_addr "$ns" "$dev" "$5" || return 1
	else
		ip -n "$ns" link set "$dev" up
	fi
	if [ -n "${6:-}" ]; then
		netns_set_addr "$peer_ns" "$peer_dev" "$6" || return 1
	else
		ip -n "$peer_ns" link set "$peer_dev" up
	fi
}

# Runs CMD in namespace NS in the background with the caller's redirections,
# registers its PID and stores it in $netns_last_pid. `ip netns exec`
# replaces itself with CMD, so the PID is CMD's own and gets the signals.
netns_start() {
	local ns=$1

	shift
	ip netns exec "$ns" "$@" &
	netns_last_pid=$!
	netns_pids+=("$netns_last_pid")
}

# Waits for the registered process PID to exit, unregisters it and returns
# its exit status.
netns_wait() {
	local status=0

	wait "$1" || status=$?
	netns_forget "$1"
	return "$status"
}

# Ends the registered process PID with SIGTERM (SIGKILL after 5 seconds),
# unregisters it and returns its exit status.
netns_stop() {
	local status=0

	netns_end "$1" || status=$?
	netns_forget "$1"
	return "$status"
}

# As netns_stop, for helpers whose exit status does not matter.
netns_kill() {
	netns_stop "$1" || true
}
