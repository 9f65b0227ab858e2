#!/usr/bin/env bash
# Bulk TCP throughput of one flow each way, and memory with many idle
# connections: Fata's stack (fata-echo over a tap device) against the
# kernel talking to itself over a veth pair, and against lwIP over a tap.
#
#   sudo bench/tcp.sh
#
# Settings, from the environment (defaults in brackets):
#   ROUNDS [3]        transfers per stack and direction, rotating the order
#   BYTES [1G]        bytes per transfer (K, M and G are binary units)
#   TIMEOUT [60]      seconds allowed per transfer
#   IDLE [10000]      idle connections held open against fata-echo
#   FATA_BUILD        build directory [build-bench next to bench/]
#   BENCH_PREFIX [fb] first letters of the namespace and device names
#
# Directions: in "to server", a kernel client writes BYTES into a discard
# server (RFC 863) and waits until the server closes, so the time covers
# every byte read by the server's application. In "from server", a kernel
# client reads BYTES from a chargen server (RFC 864) and checks each byte.
# The client is bench-bulk-client in namespace fb<PID>c. Servers:
#   fata     fata-echo (discard port 9, chargen port 19) at 192.0.2.2
#            behind tap fb<PID>t (kernel side 192.0.2.1/25), with the tap's
#            offloads (virtio-net header: checksum offload, TSO and GRO)
#   fata-nooffload   a second fata-echo with --no-offload at 192.0.2.130
#            behind tap fb<PID>o (kernel side 192.0.2.129/25)
#   kernel   bench-bulk-server in namespace fb<PID>k at 198.51.100.2/25,
#            over veth fb<PID>a/fb<PID>b with the kernel's default offloads
#            (TSO, GSO and GRO on)
#   kernel, no offload   the same servers at 198.51.100.130/25 over veth
#            fb<PID>x/fb<PID>y with TSO, GSO and GRO off (needs ethtool),
#            closer to what a tap without a virtio-net header allows
#   lwip     bench-lwip-server (Debian's liblwip) at 203.0.113.2 behind tap
#            fb<PID>l (kernel side 203.0.113.1/24); only when it was built
set -u -o pipefail
bench_name=tcp.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rounds=${ROUNDS:-3}
bytes=${BYTES:-1G}
timeout=${TIMEOUT:-60}
idle=${IDLE:-10000}
throughput_goal=0.5
lwip_goal=5
memory_goal_kb=$((64 * 1024))
bench_check_count ROUNDS "$rounds"
bench_check_count TIMEOUT "$timeout"
bench_check_count IDLE "$idle"
[[ $bytes =~ ^[1-9][0-9]*[KMG]?$ ]] || bench_die "invalid BYTES \"$bytes\": expected a count such as 1G, 512M or 100000"

bench_setup timeout
echo_bin=$(bench_program apps/echo/fata-echo) || exit 1
client_bin=$(bench_program bench/bench-bulk-client) || exit 1
server_bin=$(bench_program bench/bench-bulk-server) || exit 1
idle_bin=$(bench_program bench/bench-idle-client) || exit 1
lwip_bin=$bench_build/bench/bench-lwip-server
[ -x "$lwip_bin" ] || lwip_bin=

prefix=${BENCH_PREFIX:-fb}
[[ $prefix =~ ^[a-z]{1,4}$ ]] || bench_die "invalid BENCH_PREFIX \"$prefix\": expected 1 to 4 lowercase letters"
client_ns=$prefix$$c
kernel_ns=$prefix$$k
tap=$prefix$$t
plain_tap=$prefix$$o
lwip_tap=$prefix$$l

make_network() {
	bench_netns_add "$client_ns"
	bench_netns_add "$kernel_ns"
	bench_tap_add "$client_ns" "$tap" 192.0.2.1/25
	bench_tap_add "$client_ns" "$plain_tap" 192.0.2.129/25
	bench_veth_add "$client_ns" $prefix$$a 198.51.100.1/25 "$kernel_ns" $prefix$$b 198.51.100.2/25
	stacks=(fata fata-nooffload kernel)
	if command -v ethtool >/dev/null; then
		bench_veth_add "$client_ns" $prefix$$x 198.51.100.129/25 "$kernel_ns" $prefix$$y 198.51.100.130/25
		ip netns exec "$client_ns" ethtool -K $prefix$$x tso off gso off gro off >/dev/null
		ip netns exec "$kernel_ns" ethtool -K $prefix$$y tso off gso off gro off >/dev/null
		stacks+=(kernel-nooffload)
	else
		echo "ethtool not found: skipping the kernel without offloads"
	fi
	if [ -n "$lwip_bin" ]; then
		bench_tap_add "$client_ns" "$lwip_tap" 203.0.113.1/24
		stacks+=(lwip)
	else
		echo "$bench_build/bench/bench-lwip-server is missing: skipping lwIP" \
			"(meson builds it when liblwip-dev is installed)"
	fi
}

# Starts fata-echo with the extra options "$@" and sets echo_pid.
start_echo() {
	bench_start "$client_ns" "$bench_tmp/fata-echo.log" "$echo_bin" --net "tap:$tap" \
		--ipv4 192.0.2.2/25 --no-udp "$@"
	echo_pid=$bench_last_pid
	bench_wait_tcp "$client_ns" 192.0.2.2 9 10 ||
		bench_die "fata-echo does not accept connections; its log: $(tail -5 "$bench_tmp/fata-echo.log")"
}

# Starts the fata-echo without offloads and sets plain_pid.
start_plain_echo() {
	bench_start "$client_ns" "$bench_tmp/fata-echo-plain.log" "$echo_bin" --net "tap:$plain_tap" \
		--ipv4 192.0.2.130/25 --no-udp --no-offload
	plain_pid=$bench_last_pid
	bench_wait_tcp "$client_ns" 192.0.2.130 9 10 ||
		bench_die "fata-echo --no-offload does not accept connections: $(tail -5 "$bench_tmp/fata-echo-plain.log")"
}

# Prints the offloads the kernel side of tap $1 has on, as ethtool -k reports them.
print_offloads() {
	command -v ethtool >/dev/null || return
	echo "Kernel side of $1: $(ip netns exec "$client_ns" ethtool -k "$1" |
		awk -F': ' '/^(tx-checksumming|tcp-segmentation-offload|generic-receive-offload):/ {
			printf "%s%s %s", sep, $1, $2; sep = ", " }')"
}

start_servers() {
	start_echo
	start_plain_echo
	print_offloads "$tap"
	print_offloads "$plain_tap"
	bench_start "$kernel_ns" "$bench_tmp/discard.log" "$server_bin" discard 0.0.0.0 9
	bench_start "$kernel_ns" "$bench_tmp/chargen.log" "$server_bin" chargen 0.0.0.0 19
	bench_wait_tcp "$client_ns" 198.51.100.2 9 10 || bench_die "the kernel discard server did not start"
	bench_wait_tcp "$client_ns" 198.51.100.2 19 10 || bench_die "the kernel chargen server did not start"
	if [ -n "$lwip_bin" ]; then
		bench_start "$client_ns" "$bench_tmp/lwip.log" "$lwip_bin" "$lwip_tap" 203.0.113.2 255.255.255.0
		lwip_pid=$bench_last_pid
		bench_wait_tcp "$client_ns" 203.0.113.2 9 10 ||
			bench_die "bench-lwip-server does not accept connections: $(cat "$bench_tmp/lwip.log")"
	fi
}

# Prints the server address of stack $1.
server_addr() {
	case $1 in
	fata) echo 192.0.2.2 ;;
	fata-nooffload) echo 192.0.2.130 ;;
	kernel) echo 198.51.100.2 ;;
	kernel-nooffload) echo 198.51.100.130 ;;
	lwip) echo 203.0.113.2 ;;
	esac
}

# Prints the PID whose CPU time counts for stack $1, or nothing for the kernel.
server_pid() {
	case $1 in
	fata) echo "$echo_pid" ;;
	fata-nooffload) echo "$plain_pid" ;;
	lwip) echo "$lwip_pid" ;;
	esac
}

# Runs one transfer of stack $1 in direction $2 (send or receive) and appends it to the results.
measure() {
	local stack=$1 direction=$2 port=9 pid load cpu0=0 cpu1=0 out status mbit seconds total
	local cpu="-" cpu_gib="-"
	[ "$direction" = receive ] && port=19
	pid=$(server_pid "$stack")
	load=$(bench_load)
	[ -n "$pid" ] && cpu0=$(bench_cpu_seconds "$pid")
	out=$(ip netns exec "$client_ns" "$client_bin" "$direction" "$(server_addr "$stack")" "$port" \
		"$bytes" "$timeout" 2>&1)
	status=$?
	[ -n "$pid" ] && cpu1=$(bench_cpu_seconds "$pid")
	if [ "$status" -ne 0 ]; then
		echo "| $round | $stack | $(direction_name "$direction") | failed: $out | | | | $load |"
		return
	fi
	mbit=$(sed -n 's/.*mbit_per_s=\([0-9.]*\).*/\1/p' <<<"$out")
	seconds=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' <<<"$out")
	total=$(sed -n 's/^bytes=\([0-9]*\).*/\1/p' <<<"$out")
	if [ -n "$pid" ]; then
		cpu=$(awk -v a="$cpu1" -v b="$cpu0" -v s="$seconds" 'BEGIN { printf "%.2f", (a - b) / s }')
		cpu_gib=$(awk -v a="$cpu1" -v b="$cpu0" -v n="$total" \
			'BEGIN { printf "%.2f", (a - b) / (n / 1073741824) }')
	fi
	printf '| %d | %-16s | %-11s | %8.0f | %6.2f | %5s | %5s | %4s |\n' "$round" "$stack" \
		"$(direction_name "$direction")" "$mbit" "$seconds" "$cpu" "$cpu_gib" "$load"
	results+=("$stack $direction $mbit $cpu_gib")
	loads+=("$load")
}

direction_name() {
	if [ "$1" = send ]; then echo "to server"; else echo "from server"; fi
}

# Prints the median of result field $3 (3: Mbit/s, 4: server CPU s/GiB) of stack $1 in direction $2.
median_of() {
	local values=() line fields
	for line in "${results[@]}"; do
		read -r -a fields <<<"$line"
		[ "${fields[0]}" = "$1" ] && [ "${fields[1]}" = "$2" ] && values+=("${fields[$3 - 1]}")
	done
	[ "${#values[@]}" -gt 0 ] && bench_median "${values[@]}" || echo 0
}

throughput() {
	echo
	echo "Bulk throughput: $bytes per transfer, $rounds rounds, one connection at a time"
	echo "(server CPU: the server process's CPU seconds per second of transfer, and per GiB;"
	echo " only for the user-space stacks, which do their protocol work in the process)"
	echo
	echo "| round | stack | direction | Mbit/s | seconds | server CPU | CPU s/GiB | load |"
	echo "|---|---|---|---|---|---|---|---|"
	results=() loads=()
	local n=${#stacks[@]} i direction
	for round in $(seq 1 "$rounds"); do
		# Rotate the order each round, so no stack always runs first.
		for i in $(seq 0 $((n - 1))); do
			for direction in send receive; do
				measure "${stacks[$(((i + round - 1) % n))]}" "$direction"
			done
		done
	done

	echo
	echo "Medians (Mbit/s) and ratios against the kernel over veth with offloads (goal: fata at least $throughput_goal):"
	echo
	echo "| stack | to server | ratio | from server | ratio |"
	echo "|---|---|---|---|---|"
	local stack send receive ksend kreceive
	ksend=$(median_of kernel send 3)
	kreceive=$(median_of kernel receive 3)
	for stack in "${stacks[@]}"; do
		send=$(median_of "$stack" send 3)
		receive=$(median_of "$stack" receive 3)
		printf '| %s | %.0f | %s | %.0f | %s |\n' "$stack" "$send" "$(bench_ratio "$send" "$ksend")" \
			"$receive" "$(bench_ratio "$receive" "$kreceive")"
	done
	echo
	for stack in fata fata-nooffload lwip; do
		[[ " ${stacks[*]} " == *" $stack "* ]] || continue
		echo "Median server CPU s/GiB of $stack: to server $(median_of "$stack" send 4)," \
			"from server $(median_of "$stack" receive 4)"
	done
	echo "Load average during the runs: median $(bench_median "${loads[@]}")," \
		"range $(printf '%s\n' "${loads[@]}" | sort -g | head -1) to $(printf '%s\n' "${loads[@]}" | sort -g | tail -1)"
	for direction in send receive; do
		local ratio
		ratio=$(bench_ratio "$(median_of fata "$direction" 3)" "$(median_of kernel "$direction" 3)")
		echo "fata $(direction_name "$direction") / kernel: $ratio" \
			"(goal at least $throughput_goal: $(bench_goal "$ratio" "$throughput_goal"))"
		[[ " ${stacks[*]} " == *" lwip "* ]] || continue
		ratio=$(bench_ratio "$(median_of fata "$direction" 3)" "$(median_of lwip "$direction" 3)")
		echo "fata $(direction_name "$direction") / lwip: $ratio" \
			"(goal at least $lwip_goal: $(bench_goal "$ratio" "$lwip_goal"))"
	done
}

memory() {
	local base rss hwm client delta
	echo
	echo "Memory of fata-echo with $idle idle connections to its echo port, kB"
	echo "(baseline: fresh process after one connection)"
	echo
	start_echo --max-connections $((idle + 100))
	sleep 1
	read -r base _ <<<"$(bench_memory_kb "$echo_pid")"
	rm -f "$bench_tmp/ready"
	bench_start "$client_ns" "$bench_tmp/idle.log" "$idle_bin" --hold 300 192.0.2.2 7 "$idle" \
		"$bench_tmp/ready"
	client=$bench_last_pid
	bench_wait_file "$bench_tmp/ready" 130 "$client" ||
		bench_die "$idle connections to fata-echo failed: $(cat "$bench_tmp/idle.log")"
	sleep 1
	read -r rss hwm <<<"$(bench_memory_kb "$echo_pid")"
	bench_stop "$client"
	delta=$((rss - base))
	echo "| baseline VmRSS | VmRSS | VmHWM | VmRSS - baseline | kB/connection | client |"
	echo "|---|---|---|---|---|---|"
	printf '| %d | %d | %d | %d | %.2f | %s |\n' "$base" "$rss" "$hwm" "$delta" \
		"$(awk -v d="$delta" -v n="$idle" 'BEGIN { print d / n }')" "$(cat "$bench_tmp/idle.log")"
	echo
	echo "fata-echo: $delta kB above its baseline for $idle connections" \
		"(goal at most $memory_goal_kb kB: $(bench_goal "$delta" "$memory_goal_kb" at-most))"
	bench_stop "$echo_pid"
}

bench_describe
bench_check_fresh "$echo_bin" platform libtcpip apps/common apps/echo
make_network
start_servers
throughput
bench_stop "$echo_pid"
bench_stop "$plain_pid"
memory
