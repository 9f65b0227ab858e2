#!/usr/bin/env bash
# Profiles Fata's side of a benchmark with perf: where fata-www or
# fata-echo spend their CPU time, kernel included, under the same load as
# www.sh and tcp.sh put on them.
#
#   sudo bench/profile.sh www|tcp-send|tcp-receive [PERF_DATA]
#
#   www          fata-www under wrk -t1 -c50 for DURATION seconds [10]
#   tcp-send     fata-echo's discard service receiving BYTES [1G]
#   tcp-receive  fata-echo's chargen service sending BYTES [1G]
#
# It samples the server process with the cpu-clock software event
# (hardware counters are not needed), keeps the recording in PERF_DATA
# [/tmp/fata-<mode>.perf] and prints four views of it: the split by
# binary, the system calls on the tap device and the files with the kernel
# paths below them (time including callees), the top functions by their own
# time, and the top user-space functions. Same namespace layout and
# addresses as www.sh and tcp.sh.
set -u -o pipefail
bench_name=profile.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mode=${1:-}
case $mode in
www | tcp-send | tcp-receive) ;;
*)
	echo "usage: $0 www|tcp-send|tcp-receive [PERF_DATA]" >&2
	exit 2
	;;
esac
perf_data=${2:-/tmp/fata-$mode.perf}
duration=${DURATION:-10}
bytes=${BYTES:-1G}
bench_check_count DURATION "$duration"
[[ $bytes =~ ^[1-9][0-9]*[KMG]?$ ]] || bench_die "invalid BYTES \"$bytes\": expected a count such as 1G, 512M or 100000"

bench_setup timeout perf
if [ "$mode" = www ]; then
	server_bin=$(bench_program apps/www/fata-www) || exit 1
else
	server_bin=$(bench_program apps/echo/fata-echo) || exit 1
	client_bin=$(bench_program bench/bench-bulk-client) || exit 1
fi
# BENCH_PREFIX [fb]: the first letters of the namespace and tap names.
# FATA_OPTIONS: extra fata-echo options, such as --no-offload.
prefix=${BENCH_PREFIX:-fb}
[[ $prefix =~ ^[a-z]{1,4}$ ]] || bench_die "invalid BENCH_PREFIX \"$prefix\": expected 1 to 4 lowercase letters"
read -r -a fata_options <<<"${FATA_OPTIONS:-}"
ns=$prefix$$c
tap=$prefix$$t
bench_netns_add "$ns"
bench_tap_add "$ns" "$tap" 192.0.2.1/24

start_server() {
	if [ "$mode" = www ]; then
		command -v wrk >/dev/null || bench_die "wrk not found; install it first"
		mkdir -p "$bench_tmp/site"
		for i in $(seq 0 15); do
			printf '%063d\n' "$i" | tr '0' 'x'
		done >"$bench_tmp/site/1k.html"
		bench_start "$ns" "$bench_tmp/server.log" "$server_bin" \
			--net "tap:$tap" --ipv4 192.0.2.2/24 --port 80 --no-access-log "$bench_tmp/site"
		server_pid=$bench_last_pid
		bench_wait_tcp "$ns" 192.0.2.2 80 10 || bench_die "fata-www did not start"
	else
		bench_start "$ns" "$bench_tmp/server.log" "$server_bin" \
			--net "tap:$tap" --ipv4 192.0.2.2/24 --no-udp "${fata_options[@]}"
		server_pid=$bench_last_pid
		bench_wait_tcp "$ns" 192.0.2.2 9 10 || bench_die "fata-echo did not start"
	fi
}

run_load() {
	case $mode in
	www) ip netns exec "$ns" wrk -t1 -c50 -d"$duration"s http://192.0.2.2/1k.html | grep Requests/sec ;;
	tcp-send) ip netns exec "$ns" "$client_bin" send 192.0.2.2 9 "$bytes" ;;
	tcp-receive) ip netns exec "$ns" "$client_bin" receive 192.0.2.2 19 "$bytes" ;;
	esac
}

start_server
perf record -e cpu-clock -F 2000 -g -p "$server_pid" -o "$perf_data" 2>"$bench_tmp/perf.log" &
perf_pid=$!
bench_pids+=("$perf_pid")
sleep 1
echo "load: $(bench_load) (1-minute average)"
run_load
kill -INT "$perf_pid"
wait "$perf_pid"

# Prints perf report lines with samples, without the empty IPC columns at the end.
report() {
	perf report -i "$perf_data" --stdio "$@" 2>/dev/null | grep '%' | grep -v '^#' |
		sed 's/ *-  *- *$//'
}

echo
echo "== CPU time by binary: perf report -i $perf_data --no-children --sort dso"
report --no-children --sort dso -g none | head -8
echo
echo "== System calls and kernel paths, time including callees: perf report --children --sort symbol"
report --children --sort symbol -g none |
	grep -E '\] (__GI___writev|__GI___readv|tun_get_user|tcp_v4_rcv|tcp_write_xmit|__mmap|__munmap|__x64_sys_openat2|__GI___fstatat64|__close|epoll_wait|skb_gso_segment|__skb_gso_segment|tcp_gro_receive|napi_gro_receive)( |$)'
echo
echo "== Top functions by their own time: perf report --no-children --sort dso,symbol"
report --no-children --sort dso,symbol -g none | head -15
echo
echo "== Top user-space functions by their own time (the same report without [k] lines)"
report --no-children --sort dso,symbol -g none | grep -v '\[k\]' | head -15
