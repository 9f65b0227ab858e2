# shellcheck shell=bash
# Helpers shared by the benchmark scripts (sourced, not run): checks, network
# namespaces and processes that are removed on every exit path, memory and
# CPU probes, medians and the description of the machine and the commit.
#
# The sourcing script sets bench_name first. Everything it creates lives in
# $bench_tmp, in namespaces registered with bench_netns_add and in processes
# started with bench_start; bench_cleanup removes all of them on exit,
# Ctrl-C or SIGTERM.

bench_name=${bench_name:-bench}
bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench_build=${FATA_BUILD:-$bench_root/build-bench}
bench_namespaces=()
bench_pids=()
bench_tmp=

bench_die() {
	echo "$bench_name: $*" >&2
	exit 1
}

bench_cleanup() {
	trap - EXIT INT TERM
	local pid ns
	for pid in "${bench_pids[@]}"; do
		bench_stop "$pid"
	done
	for ns in "${bench_namespaces[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	[ -n "$bench_tmp" ] && rm -rf "$bench_tmp"
}

# Dies unless setting $1 has a value $2 that is a whole number from 1 up.
bench_check_count() {
	[[ $2 =~ ^[1-9][0-9]*$ ]] || bench_die "invalid $1 \"$2\": expected a whole number from 1 up"
}

# Checks for root and for each command in "$@", and creates $bench_tmp.
bench_setup() {
	[ "$(id -u)" -eq 0 ] || bench_die "needs root for network namespaces and tap devices"
	local cmd
	for cmd in ip "$@"; do
		command -v "$cmd" >/dev/null || bench_die "$cmd not found; install it first"
	done
	bench_tmp=$(mktemp -d "/tmp/$bench_name.XXXXXX") || bench_die "mktemp failed"
	chmod 755 "$bench_tmp"
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
}

# Prints the path of the built program $1 (relative to the build directory).
# When it is missing, prints how to build it and fails. The call runs in a
# command substitution, which cannot end the script, so call it as
# "prog=$(bench_program PATH) || exit 1".
bench_program() {
	local path=$bench_build/$1
	if [ ! -x "$path" ]; then
		echo "$bench_name: $path is missing; build it with:" \
			"meson setup $bench_build --buildtype=release && ninja -C $bench_build" >&2
		return 1
	fi
	echo "$path"
}

# Creates the network namespace $1 with its loopback up.
bench_netns_add() {
	ip netns add "$1" || bench_die "cannot create network namespace $1"
	bench_namespaces+=("$1")
	ip -n "$1" link set lo up
}

# Creates tap device $2 in namespace $1 with the kernel's address $3 (ADDR/PREFIX).
bench_tap_add() {
	ip -n "$1" tuntap add dev "$2" mode tap || bench_die "cannot create tap device $2"
	ip -n "$1" addr add "$3" dev "$2"
	ip -n "$1" link set "$2" up
}

# Creates a veth pair: $2 with address $3 in namespace $1, $5 with address $6 in namespace $4.
bench_veth_add() {
	ip -n "$1" link add "$2" type veth peer name "$5" netns "$4" ||
		bench_die "cannot create veth pair $2/$5"
	ip -n "$1" addr add "$3" dev "$2"
	ip -n "$4" addr add "$6" dev "$5"
	ip -n "$1" link set "$2" up
	ip -n "$4" link set "$5" up
}

# Starts "$@" in namespace $1 in the background with its output in file $2, and sets bench_last_pid.
bench_start() {
	local ns=$1 log=$2
	shift 2
	ip netns exec "$ns" "$@" >"$log" 2>&1 &
	bench_last_pid=$!
	bench_pids+=("$bench_last_pid")
}

# Stops process $1 with SIGTERM, and with SIGKILL when it is still there after 5 s.
bench_stop() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || return 0
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	local kept=()
	for i in "${bench_pids[@]}"; do
		[ "$i" = "$pid" ] || kept+=("$i")
	done
	bench_pids=("${kept[@]}")
}

# Waits up to $4 seconds until ADDR $2 PORT $3 accepts TCP connections from namespace $1.
bench_wait_tcp() {
	local deadline=$((SECONDS + $4))
	while [ "$SECONDS" -lt "$deadline" ]; do
		ip netns exec "$1" timeout 1 bash -c "exec 3<>/dev/tcp/$2/$3" 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}

# Waits up to $2 seconds for the file $1 to exist, and fails early when process $3 has exited.
bench_wait_file() {
	local deadline=$((SECONDS + $2))
	while [ "$SECONDS" -lt "$deadline" ]; do
		[ -s "$1" ] && return 0
		kill -0 "$3" 2>/dev/null || return 1
		sleep 0.2
	done
	return 1
}

# Prints "VmRSS VmHWM" of process $1 in kB.
bench_memory_kb() {
	awk '/^VmRSS:/ { rss = $2 } /^VmHWM:/ { hwm = $2 } END { print rss, hwm }' "/proc/$1/status"
}

# Prints the user plus system CPU time of process $1 (all its threads) in seconds.
bench_cpu_seconds() {
	local ticks
	ticks=$(getconf CLK_TCK)
	# utime and stime are fields 14 and 15 of /proc/PID/stat. Counting starts after the
	# command name in field 2, because that name may contain spaces.
	sed 's/^.*) //' "/proc/$1/stat" | awk -v hz="$ticks" '{ printf "%.2f\n", ($12 + $13) / hz }'
}

# Prints the 1-minute load average.
bench_load() {
	cut -d' ' -f1 /proc/loadavg
}

# Prints the median of the numbers in "$@".
bench_median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
		END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Prints $1 / $2 with two decimals.
bench_ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f\n", a / b }'
}

# Prints "met" when $1 >= $2 (or, with $3 "at-most", when $1 <= $2), else "not met".
bench_goal() {
	awk -v v="$1" -v goal="$2" -v mode="${3:-at-least}" 'BEGIN {
		ok = (mode == "at-most") ? v <= goal : v >= goal
		print ok ? "met" : "not met" }'
}

# Warns when a C source or header under the folders "${@:2}" is newer than
# the program $1, which then may not match the commit that bench_describe prints.
bench_check_fresh() {
	local program=$1 newer
	shift
	newer=$(cd "$bench_root" && find "$@" -name '*.[ch]' -newer "$program" 2>/dev/null |
		head -3 | tr '\n' ' ')
	[ -z "$newer" ] && return 0
	echo "warning: $program is older than $newer; rebuild it with ninja -C $bench_build"
}

# Prints the machine, the commit and the time of the run.
bench_describe() {
	local commit dirty
	commit=$(git -C "$bench_root" rev-parse --short HEAD 2>/dev/null || echo unknown)
	dirty=$(git -C "$bench_root" status --porcelain -- platform libtcpip libhttp apps 2>/dev/null |
		awk '{ print $2 }' | cut -d/ -f1-2 | sort -u | tr '\n' ' ')
	echo "date:    $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p' | head -1)," \
		"$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) memory," \
		"kernel $(uname -r)"
	if [ -n "$dirty" ]; then
		echo "commit:  $commit with uncommitted changes in: $dirty"
	else
		echo "commit:  $commit"
	fi
	echo "build:   $bench_build ($(meson introspect --buildoptions "$bench_build" 2>/dev/null |
		python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "buildtype"))' 2>/dev/null || echo "buildtype unknown"))"
	echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) at the start"
}
