#!/usr/bin/env bash
# UDP query throughput of an authoritative DNS server: fata-dns on Fata's
# own TCP/IP stack over a tap device against NSD and Knot DNS (knotd), each
# with one worker, on the kernel's stack over a veth pair. All three serve
# the same generated zone and get the same dnsperf query file.
#
#   sudo bench/dns.sh
#
# Settings, from the environment (defaults in brackets):
#   ROUNDS [5]             dnsperf runs per server, rotating which server goes first
#   DURATION [10]          seconds per dnsperf run (dnsperf -l)
#   OUTSTANDING [100]      queries in flight at once (dnsperf -q)
#   MAX_QPS [0]            query rate cap (dnsperf -Q); 0 sends as fast as answers come
#   CLIENT_THREADS [1]     dnsperf threads (dnsperf -T), the same for every server
#   CLIENTS [1]            dnsperf client sockets (dnsperf -c), at least CLIENT_THREADS
#   EDNS [1]               1 sends every query with EDNS(0) (dnsperf -e), 0 without
#   NAMES [4000]           host names in the zone, 2.5 records each
#   QUERIES [100000]       lines in the query file
#   CHECK_QUERIES [300]    queries whose replies dig compares across the servers first
#   PROFILE [1]            1 profiles each server with perf after the rounds, 0 skips it
#   PROFILE_QUERIES [200000]  queries sent while perf records one server
#   PERF_DIR               also keep the profiles (perf-SERVER.data) in this directory
#   CALLGRIND [0]          1 also counts fata-dns's instructions per query under callgrind
#   CALLGRIND_QUERIES [20000]  queries sent to fata-dns under callgrind
#   NSD_MINIMAL [0]        1 sets NSD's minimal-responses, which leaves out the NS
#                          RRset of positive answers and the additional records
#   REFLECTOR [1]          1 also measures bench-dns-reflector, which answers each query
#                          with one read() and one write() on its own tap and looks nothing
#                          up: the most that any server over a tap reaches here
#   PIN [0]                1 runs every server on CPU 1 and dnsperf on CPU 0 (taskset)
#   FATA_BUILD             build directory [build-bench next to bench/]
#
# The zone bench.example. and the query file come from bench/dns/make_zone.py:
# A, AAAA, MX and TXT records (10,000 with the default NAMES), and queries
# that are 70 % existing records, 15 % NXDOMAIN and 15 % NODATA.
#
# Layout: dnsperf runs in namespace fn<PID>c. Its tap device fn<PID>t is
# 192.0.2.1/24 on the kernel's side and fata-dns is 192.0.2.2, port 53. Its
# veth fn<PID>a is 198.51.100.1/24, with the peer fn<PID>b as
# 198.51.100.2/24 in namespace fn<PID>n, where NSD listens on port 5301 and
# knotd on port 5302. NSD and knotd get their configuration, pid files and
# databases in the temporary directory and are stopped by their PIDs.
# bench-dns-reflector sits behind tap fn<PID>r, 203.0.113.2, kernel side
# 203.0.113.1/25. Before the rounds, dig checks that fata-dns, NSD and knotd
# return the same status, flags and answer records for the first
# CHECK_QUERIES queries.
# Needs root, dnsperf, nsd, knot, bind9-dnsutils (dig), python3
# and, for the profiles, linux-perf and valgrind. With CALLGRIND=1 a second
# fata-dns runs under callgrind behind tap fn<PID>g, 203.0.113.130, kernel
# side 203.0.113.129/25.
# shellcheck source-path=SCRIPTDIR
set -u -o pipefail
# shellcheck disable=SC2034 # lib.sh reads bench_name
bench_name=dns.sh
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rounds=${ROUNDS:-5}
duration=${DURATION:-10}
outstanding=${OUTSTANDING:-100}
max_qps=${MAX_QPS:-0}
client_threads=${CLIENT_THREADS:-1}
clients=${CLIENTS:-$client_threads}
edns=${EDNS:-1}
names=${NAMES:-4000}
queries=${QUERIES:-100000}
profile=${PROFILE:-1}
profile_queries=${PROFILE_QUERIES:-200000}
check_queries=${CHECK_QUERIES:-300}
nsd_minimal=${NSD_MINIMAL:-0}
perf_keep=${PERF_DIR:-}
callgrind=${CALLGRIND:-0}
callgrind_queries=${CALLGRIND_QUERIES:-20000}
reflector=${REFLECTOR:-1}
pin=${PIN:-0}
qps_goal=1.5

tools=(timeout dnsperf nsd knotd dig python3)
[ "$pin" = 1 ] && tools+=(taskset)
[ "$profile" = 1 ] && tools+=(perf)
[ "$callgrind" = 1 ] && tools+=(valgrind callgrind_annotate)
bench_setup "${tools[@]}"
dns_bin=$(bench_program apps/dns/fata-dns) || exit 1
[ "$reflector" = 1 ] && { reflector_bin=$(bench_program bench/bench-dns-reflector) || exit 1; }
if [ "$pin" = 1 ] && [ "$(nproc)" -lt 2 ]; then
	bench_die "PIN=1 needs two CPUs; this machine has $(nproc)"
fi
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

client_ns=fn$$c
server_ns=fn$$n
tap=fn$$t
zone_name=bench.example
zone_file=$bench_tmp/$zone_name.zone
query_file=$bench_tmp/queries.txt
servers=(fata-dns nsd knotd)
[ "$reflector" = 1 ] && servers+=(reflector)
declare -A addr=([fata-dns]=192.0.2.2 [nsd]=198.51.100.2 [knotd]=198.51.100.2 [reflector]=203.0.113.2)
declare -A port=([fata-dns]=53 [nsd]=5301 [knotd]=5302 [reflector]=53)
# With PIN=1 the servers run on CPU 1 and dnsperf on CPU 0.
server_cpu_set=()
client_cpu_set=()
if [ "$pin" = 1 ]; then
	server_cpu_set=(taskset -c 1)
	client_cpu_set=(taskset -c 0)
fi
declare -A pid=()

make_data() {
	python3 "$here/dns/make_zone.py" --names "$names" --queries "$queries" \
		"$zone_file" "$query_file" || bench_die "make_zone.py failed"
	chmod a+r "$zone_file" "$query_file"
}

write_nsd_conf() {
	mkdir -p "$bench_tmp/nsd"
	# Response rate limiting is off because every query comes from one address.
	cat >"$bench_tmp/nsd/nsd.conf" <<CONF
server:
	server-count: 1
	ip-address: 198.51.100.2@${port[nsd]}
	do-ip6: no
	reuseport: no
	username: ""
	chroot: ""
	zonesdir: "$bench_tmp/nsd"
	database: ""
	zonelistfile: "$bench_tmp/nsd/zone.list"
	xfrdfile: "$bench_tmp/nsd/xfrd.state"
	xfrdir: "$bench_tmp/nsd"
	pidfile: "$bench_tmp/nsd/nsd.pid"
	logfile: "$bench_tmp/nsd/nsd.log"
	verbosity: 1
	rrl-ratelimit: 0
	rrl-whitelist-ratelimit: 0
	minimal-responses: $([ "$nsd_minimal" = 1 ] && echo yes || echo no)
remote-control:
	control-enable: no
zone:
	name: $zone_name
	zonefile: "$zone_file"
CONF
	nsd-checkconf "$bench_tmp/nsd/nsd.conf" ||
		bench_die "nsd-checkconf rejected the generated $bench_tmp/nsd/nsd.conf (its errors are above)"
}

write_knot_conf() {
	mkdir -p "$bench_tmp/knot/db"
	cat >"$bench_tmp/knot/knot.conf" <<CONF
server:
    rundir: "$bench_tmp/knot"
    pidfile: "$bench_tmp/knot/knot.pid"
    listen: 198.51.100.2@${port[knotd]}
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
log:
  - target: stderr
    any: info
database:
    storage: "$bench_tmp/knot/db"
control:
    listen: "$bench_tmp/knot/knot.sock"
template:
  - id: default
    storage: "$bench_tmp/knot"
zone:
  - domain: $zone_name
    file: "$zone_file"
    journal-content: none
    zonefile-sync: -1
CONF
	local out
	out=$(knotc -c "$bench_tmp/knot/knot.conf" conf-check 2>&1) ||
		bench_die "knotc conf-check rejected the generated $bench_tmp/knot/knot.conf: $out"
}

make_network() {
	bench_netns_add "$client_ns"
	bench_netns_add "$server_ns"
	bench_tap_add "$client_ns" "$tap" 192.0.2.1/24
	bench_veth_add "$client_ns" fn$$a 198.51.100.1/24 "$server_ns" fn$$b 198.51.100.2/24
	[ "$reflector" = 1 ] && bench_tap_add "$client_ns" fn$$r 203.0.113.1/25
	return 0
}

# Queries server $1 with dig from the client namespace, with the dig arguments that follow.
dig_server() {
	local name=$1
	shift
	ip netns exec "$client_ns" dig "@${addr[$name]}" -p "${port[$name]}" +norec +time=1 +tries=1 "$@"
}

# Waits up to $2 seconds (default 10) until server $1 answers the SOA query with NOERROR.
wait_dns() {
	local deadline=$((SECONDS + ${2:-10}))
	while [ "$SECONDS" -lt "$deadline" ]; do
		dig_server "$1" "$zone_name" SOA 2>/dev/null | grep -q 'status: NOERROR' && return 0
		kill -0 "${pid[$1]}" 2>/dev/null || return 1
		sleep 0.2
	done
	return 1
}

# Starts server $1, stores its PID in pid[$1] and waits until it answers.
start_server() {
	local name=$1 log=$bench_tmp/$1.log
	case $name in
	fata-dns)
		bench_start "$client_ns" "$log" "${server_cpu_set[@]}" "$dns_bin" --net "tap:$tap" \
			--ipv4 192.0.2.2/24 --port "${port[fata-dns]}" --stats "$zone_file" ;;
	nsd)
		bench_start "$server_ns" "$log" "${server_cpu_set[@]}" nsd -d -c "$bench_tmp/nsd/nsd.conf" ;;
	knotd)
		bench_start "$server_ns" "$log" "${server_cpu_set[@]}" knotd -c "$bench_tmp/knot/knot.conf" ;;
	reflector)
		bench_start "$client_ns" "$log" "${server_cpu_set[@]}" "$reflector_bin" fn$$r \
			"${addr[reflector]}" "${port[reflector]}" ;;
	esac
	pid[$name]=$bench_last_pid
	wait_dns "$name" || bench_die "$name does not respond on ${addr[$name]} port ${port[$name]}." \
		"Its log: $(tail -5 "$log" "$bench_tmp/nsd/nsd.log" 2>/dev/null)"
}

# Prints the PIDs of process $1 and all its descendants.
process_tree() {
	local p child children
	echo "$1"
	for p in /proc/"$1"/task/*/children; do
		# The children file has no final newline, so read returns 1 after reading it.
		children=()
		[ -r "$p" ] || continue
		read -ra children <"$p"
		for child in "${children[@]}"; do
			process_tree "$child"
		done
	done
}

# Prints the user plus system CPU seconds of server $1, summed over its processes.
server_cpu() {
	local total=0 p
	for p in $(process_tree "${pid[$1]}"); do
		total=$(awk -v a="$total" -v b="$(bench_cpu_seconds "$p" 2>/dev/null || echo 0)" \
			'BEGIN { print a + b }')
	done
	echo "$total"
}

# Reduces dig replies to one line per reply ("QUESTION TYPE status STATUS flags FLAGS") and
# one per answer record ("QUESTION TYPE answer RECORD"), sorted, so servers that order
# records differently compare equal. Authority and additional sections are left out
# because servers may legitimately fill them differently.
normalize_dig() {
	awk '
		/->>HEADER<<-/ {
			match($0, /status: [A-Z]+/)
			status = substr($0, RSTART + 8, RLENGTH - 8)
			section = ""
		}
		/^;; flags:/ { flags = $0; sub(/^;; flags: /, "", flags); sub(/;.*/, "", flags) }
		/^;; QUESTION SECTION:/ { section = "question"; next }
		/^;; ANSWER SECTION:/ { section = "answer"; next }
		/^;/ && section != "question" || /^$/ { section = ""; next }
		section == "question" {
			question = substr($1, 2) " " $3
			print question, "status", status, "flags", flags
		}
		section == "answer" { $1 = $1; print question, "answer", $0 }' | sort
}

# Checks that every server gives the same replies to the first $check_queries queries.
check_answers() {
	local name reference='' total replies
	head -n "$check_queries" "$query_file" >"$bench_tmp/check.txt"
	printf '%s SOA\n%s NS\n' "$zone_name." "$zone_name." >>"$bench_tmp/check.txt"
	total=$(wc -l <"$bench_tmp/check.txt")
	for name in fata-dns nsd knotd; do
		dig_server "$name" +noall +comments +question +answer -f "$bench_tmp/check.txt" |
			normalize_dig >"$bench_tmp/check-$name.txt"
		replies=$(grep -c ' status ' "$bench_tmp/check-$name.txt")
		[ "$replies" -eq "$total" ] || bench_die "$name returned $replies replies to $total check queries"
		if [ -z "$reference" ]; then
			reference=$name
		elif ! diff -u "$bench_tmp/check-$reference.txt" "$bench_tmp/check-$name.txt" \
			>"$bench_tmp/check.diff"; then
			head -40 "$bench_tmp/check.diff"
			bench_die "$name and $reference give different replies (diff above)"
		fi
	done
	echo
	echo "Replies to the first $check_queries queries plus SOA and NS: the same status," \
		"flags and answer records from fata-dns, NSD and knotd"
	awk '$3 == "status" { print $4 }' "$bench_tmp/check-$reference.txt" | sort | uniq -c |
		awk '{ printf "  %s %d", $2, $1 } END { print "" }'
}

# Sets dnsperf_args to the dnsperf options for server $1, without the run length.
set_dnsperf_args() {
	dnsperf_args=(-s "${addr[$1]}" -p "${port[$1]}" -d "$query_file" -c "$clients"
		-T "$client_threads" -q "$outstanding" -t 2)
	[ "$edns" = 1 ] && dnsperf_args+=(-e)
	[ "$max_qps" != 0 ] && dnsperf_args+=(-Q "$max_qps")
}

# Runs dnsperf against server $1 with the extra arguments "$@". Prints its statistics and a
# last line "dnsperf CPU seconds: N", the user + system time of dnsperf. Call it in a
# subshell, so that the subshell's children times contain dnsperf's alone.
run_dnsperf() {
	local name=$1 self=$BASHPID ticks out
	shift
	set_dnsperf_args "$name"
	out=$(ip netns exec "$client_ns" timeout --foreground $((duration + 60)) \
		"${client_cpu_set[@]}" dnsperf "${dnsperf_args[@]}" "$@" 2>&1) || bench_die "dnsperf against $name failed: $(tail -3 <<<"$out")"
	# dnsperf stops on SIGINT (Ctrl-C) and exits 0 with partial statistics.
	grep -q 'Testing complete (interruption)' <<<"$out" && bench_die "dnsperf was interrupted"
	echo "$out"
	ticks=$(getconf CLK_TCK)
	# Fields 16 and 17 of /proc/PID/stat are the waited-for children's user and system time.
	sed 's/^.*) //' "/proc/$self/stat" |
		awk -v hz="$ticks" '{ printf "dnsperf CPU seconds: %.2f\n", ($14 + $15) / hz }'
}

# Prints "qps completed lost avg_latency_ms max_latency_ms response_bytes dnsperf_cpu_s"
# from the output $1 of run_dnsperf.
parse_dnsperf() {
	awk '/Queries completed:/ { completed = $3 }
		/Queries lost:/ { lost = $3 }
		/Queries per second:/ { qps = $4 }
		/Average packet size:/ { response = $NF }
		/Average Latency/ { avg = $4 * 1000; max = $NF; sub(/\)/, "", max); max *= 1000 }
		/^dnsperf CPU seconds:/ { cpu = $4 }
		END { printf "%.0f %d %d %.3f %.3f %s %s\n", qps, completed, lost, avg, max, response, cpu }' <<<"$1"
}

# Prints $1 seconds per $2 queries in microseconds, with one decimal.
per_query_us() {
	awk -v s="$1" -v n="$2" 'BEGIN { if (n > 0) printf "%.1f\n", s * 1e6 / n; else print "n/a" }'
}

# Measures one dnsperf run against server $1 and appends to the result lists.
measure() {
	local name=$1 load cpu0 cpu1 out qps completed lost avg max response client_s server_s
	local server_us client_us server_busy client_busy
	load=$(bench_load)
	cpu0=$(server_cpu "$name")
	out=$(run_dnsperf "$name" -l "$duration") || exit 1
	cpu1=$(server_cpu "$name")
	kill -0 "${pid[$name]}" 2>/dev/null ||
		bench_die "$name exited during the run. Its log: $(tail -5 "$bench_tmp/$name.log")"
	read -r qps completed lost avg max response client_s <<<"$(parse_dnsperf "$out")"
	server_s=$(awk -v a="$cpu1" -v b="$cpu0" 'BEGIN { print a - b }')
	server_us=$(per_query_us "$server_s" "$completed")
	client_us=$(per_query_us "$client_s" "$completed")
	# A process that used close to 100 % of one CPU per thread limits the rate itself.
	server_busy=$(awk -v s="$server_s" -v d="$duration" 'BEGIN { printf "%.0f", 100 * s / d }')
	client_busy=$(awk -v s="$client_s" -v d="$duration" 'BEGIN { printf "%.0f", 100 * s / d }')
	printf '| %d | %-8s | %8d | %9d | %5d | %7.3f | %7.3f | %5s | %5s | %3s | %3s | %4s | %4s |\n' \
		"$round" "$name" "$qps" "$completed" "$lost" "$avg" "$max" "$server_us" "$client_us" \
		"$server_busy" "$client_busy" "$response" "$load"
	results_qps[$name]+=" $qps"
	results_lost[$name]+=" $lost"
	results_avg[$name]+=" $avg"
	results_server[$name]+=" $server_us"
	results_server_busy[$name]+=" $server_busy"
	results_client_busy[$name]+=" $client_busy"
	results_total[$name]+=" $(awk -v a="$server_us" -v b="$client_us" 'BEGIN { printf "%.1f", a + b }')"
	loads+=("$load")
}

# Runs dnsperf for 2 s against each server unmeasured and prints the response codes.
warm_up() {
	local name out
	echo
	echo "Response codes in a 2 s warm-up run per server:"
	for name in "${servers[@]}"; do
		out=$(run_dnsperf "$name" -l 2) || exit 1
		printf '  %-8s %s\n' "$name" "$(sed -n 's/^ *Response codes: *//p' <<<"$out")"
	done
}

# Prints the smallest and the largest of the numbers in "$@" as "MIN to MAX".
range() {
	printf '%s\n' "$@" | sort -g | sed -n '1p;$p' | paste -sd' ' | awk '{ print $1, "to", $2 }'
}

throughput() {
	local edns_text="without EDNS"
	[ "$edns" = 1 ] && edns_text="with EDNS(0) (-e)"
	echo
	echo "Throughput: dnsperf -c $clients -T $client_threads -q $outstanding -t 2 -l $duration, $edns_text," \
		"$rounds rounds, max qps ${max_qps/#0/unlimited}"
	echo "(CPU is user + system time per completed query, of the server's processes and of"
	echo " dnsperf. The kernel charges packet work to whichever process runs it: over veth,"
	echo " dnsperf's send runs NSD's and knotd's receive path and their send runs dnsperf's;"
	echo " over the tap, fata-dns reads frames itself and its write runs dnsperf's receive path."
	echo " CPU % is that CPU time divided by the run's length: 100 % is one CPU the whole time)"
	echo
	echo "| round | server | queries/s | completed | lost | avg latency ms | max latency ms" \
		"| server CPU µs/query | dnsperf CPU µs/query | server CPU % | dnsperf CPU % | response bytes | load |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
	declare -gA results_qps=() results_lost=() results_avg=() results_server=() results_total=()
	declare -gA results_server_busy=() results_client_busy=()
	loads=()
	local first name i
	for round in $(seq 1 "$rounds"); do
		first=$(((round - 1) % ${#servers[@]}))
		for i in $(seq 0 $((${#servers[@]} - 1))); do
			name=${servers[$(((first + i) % ${#servers[@]}))]}
			measure "$name"
		done
	done
	summary
}

summary() {
	local name
	declare -A median=()
	echo
	echo "| server | median queries/s | range | median lost | median avg latency ms" \
		"| median server CPU µs/query | median server + dnsperf CPU µs/query" \
		"| median server CPU % | median dnsperf CPU % |"
	echo "|---|---|---|---|---|---|---|---|---|"
	for name in "${servers[@]}"; do
		# shellcheck disable=SC2086 # the result lists are blank-separated numbers
		median[$name]=$(bench_median ${results_qps[$name]})
		# shellcheck disable=SC2086
		printf '| %s | %.0f | %s | %s | %s | %s | %s | %s | %s |\n' "$name" "${median[$name]}" \
			"$(range ${results_qps[$name]})" "$(bench_median ${results_lost[$name]})" \
			"$(bench_median ${results_avg[$name]})" "$(bench_median ${results_server[$name]})" \
			"$(bench_median ${results_total[$name]})" \
			"$(bench_median ${results_server_busy[$name]})" \
			"$(bench_median ${results_client_busy[$name]})"
	done
	echo
	echo "Load average during the runs: median $(bench_median "${loads[@]}"), range $(range "${loads[@]}")"
	fata_nsd=$(bench_ratio "${median[fata-dns]}" "${median[nsd]}")
	fata_knot=$(bench_ratio "${median[fata-dns]}" "${median[knotd]}")
	echo "Ratio fata-dns / NSD: $fata_nsd (goal at least $qps_goal: $(bench_goal "$fata_nsd" "$qps_goal"))"
	echo "Ratio fata-dns / knotd: $fata_knot"
	if [ "$reflector" = 1 ]; then
		echo "Ratio reflector / NSD: $(bench_ratio "${median[reflector]}" "${median[nsd]}")" \
			"(a server that makes one read() and one write() per query gets no more here)"
		echo "Ratio fata-dns / reflector: $(bench_ratio "${median[fata-dns]}" "${median[reflector]}")"
	fi
	# shellcheck disable=SC2086
	echo "Server + dnsperf CPU per query, NSD / fata-dns:" \
		"$(bench_ratio "$(bench_median ${results_total[nsd]})" "$(bench_median ${results_total[fata-dns]})"),"\
		"knotd / fata-dns:" \
		"$(bench_ratio "$(bench_median ${results_total[knotd]})" "$(bench_median ${results_total[fata-dns]})")"
}

# Records a perf profile of all processes of server $1 while dnsperf sends
# $profile_queries queries, and prints where their CPU time goes.
profile_server() {
	local name=$1 runs=$(((profile_queries + queries - 1) / queries))
	local data=$bench_tmp/perf-$name.data out pids
	pids=$(process_tree "${pid[$name]}" | paste -sd,)

	echo
	echo "Profile of $name: perf record -F 4999 -g -p PIDS while dnsperf sends" \
		"$((runs * queries)) queries (-n $runs)"
	set_dnsperf_args "$name"
	out=$(perf record -F 4999 -g -o "$data" -p "$pids" -- \
		ip netns exec "$client_ns" timeout --foreground 600 dnsperf "${dnsperf_args[@]}" -n "$runs" 2>&1) ||
		bench_die "perf record failed: $(tail -5 <<<"$out")"
	grep -q 'Testing complete (interruption)' <<<"$out" && bench_die "dnsperf was interrupted"
	if [ -n "$perf_keep" ] && ! { mkdir -p "$perf_keep" && cp "$data" "$perf_keep/"; }; then
		bench_die "cannot copy the profile to $perf_keep"
	fi

	echo "dnsperf: $(parse_dnsperf "$out" | awk '{ print $1 " queries/s, " $2 " completed, " $3 " lost" }')"
	echo "perf event: $(perf evlist -i "$data" 2>/dev/null | paste -sd' ')"
	echo
	echo "Share of samples by object (perf report --no-children --sort dso):"
	perf report -i "$data" --no-children --sort dso --stdio -g none 2>/dev/null |
		grep -v '^#' | grep -v '^$' | head -8
	echo
	echo "Share of samples inside each system call, kernel work included" \
		"(perf report --children, C library wrappers):"
	perf report -i "$data" --children --sort symbol --stdio -g none 2>/dev/null |
		grep -E '\[\.\] (__GI_+|__libc_|__)?(writev|readv|write|read|sendto|recvfrom|sendmsg|recvmsg|sendmmsg|recvmmsg|epoll_wait|epoll_pwait) ' |
		awk '{ print "    " $1, $4 }'
	echo
	echo "Functions with at least 1 % of the samples (perf report --no-children --sort dso,symbol):"
	perf report -i "$data" --no-children --sort dso,symbol --percent-limit 1 --stdio -g none \
		2>/dev/null | grep -v '^#' | grep -v '^$' | awk '{ print "    " $1, $2, $4 }' | head -30
}

# Runs a second fata-dns under callgrind, behind its own tap device, while dnsperf sends the
# first $callgrind_queries queries once, and prints the instructions it executed per query.
callgrind_fata() {
	local tap2=fn$$g file=$bench_tmp/callgrind.out out args total
	head -n "$callgrind_queries" "$query_file" >"$bench_tmp/callgrind-queries.txt"
	bench_tap_add "$client_ns" "$tap2" 203.0.113.129/25

	# Collecting only inside the event loop leaves out the zone load's instructions.
	# NOTE: callgrind still counts the zone load's calls, so its call counts are not per query.
	bench_start "$client_ns" "$bench_tmp/callgrind.log" valgrind --tool=callgrind \
		--collect-atstart=no --toggle-collect=fata_loop_run_until \
		--callgrind-out-file="$file" "$dns_bin" --net "tap:$tap2" --ipv4 203.0.113.130/25 \
		--port 53 "$zone_file"
	pid[callgrind]=$bench_last_pid
	addr[callgrind]=203.0.113.130
	port[callgrind]=53
	wait_dns callgrind 120 ||
		bench_die "fata-dns under callgrind does not respond. Its log: $(tail -5 "$bench_tmp/callgrind.log")"

	args=(-s 203.0.113.130 -p 53 -d "$bench_tmp/callgrind-queries.txt" -n 1 -c 1 -T 1 -q 10 -t 5)
	[ "$edns" = 1 ] && args+=(-e)
	out=$(ip netns exec "$client_ns" timeout --foreground 600 dnsperf "${args[@]}" 2>&1) ||
		bench_die "dnsperf against fata-dns under callgrind failed: $(tail -3 <<<"$out")"
	grep -q 'Testing complete (interruption)' <<<"$out" && bench_die "dnsperf was interrupted"

	# SIGTERM makes fata-dns return from main, and callgrind writes its file at exit.
	bench_stop "${pid[callgrind]}"
	[ -s "$file" ] || bench_die "callgrind wrote no profile. Its log: $(tail -5 "$bench_tmp/callgrind.log")"

	echo
	echo "Instructions of fata-dns under callgrind (valgrind --tool=callgrind --collect-atstart=no" \
		"--toggle-collect=fata_loop_run_until) while dnsperf -n 1 -q 10 sent $callgrind_queries" \
		"queries, after the SOA queries of the start-up check:"
	echo "dnsperf: $(parse_dnsperf "$out" | awk '{ print $2 " completed, " $3 " lost" }')"
	total=$(callgrind_annotate "$file" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
	echo "User-space instructions per query: $(awk -v t="$total" -v n="$callgrind_queries" \
		'BEGIN { printf "%.0f", t / n }') (callgrind does not see the kernel)"
	echo
	echo "Functions by instructions executed in them (callgrind_annotate):"
	callgrind_annotate "$file" 2>/dev/null | sed -n '/PROGRAM TOTALS/,$p' | grep -E '^ *[0-9,]+ \(' |
		sed 1d | sed -E 's/ \[[^]]*\]$//; s/\?\?\?://' | head -20
}

# Stops fata-dns and prints the counters that its --stats option writes at exit.
fata_counters() {
	bench_stop "${pid[fata-dns]}"
	echo
	echo "fata-dns counters at exit (--stats, nonzero only):"
	grep -E '^[a-z0-9_.]+[ :=]' "$bench_tmp/fata-dns.log" | grep -vE '[ :=] *0$' | head -60
}

# Prints the peer versions and whether the DNS sources differ from the commit, which
# bench_describe does not check.
describe_dns() {
	local changed
	changed=$(git -C "$bench_root" status --porcelain -- libdns apps/dns 2>/dev/null |
		awk '{ print $2 }' | paste -sd' ')
	echo "libdns and apps/dns: ${changed:+uncommitted changes in }${changed:-no uncommitted changes}"
	echo "peers:   dnsperf $(dnsperf -h 2>&1 | sed -n 's/^Version //p')," \
		"NSD $(nsd -v 2>&1 | sed -n 's/^NSD version //p'), Knot DNS $(knotd -V | awk '{ print $NF }')"
}

bench_describe
describe_dns
bench_check_fresh "$dns_bin" platform libtcpip libdns apps/common apps/dns
make_data
write_nsd_conf
write_knot_conf
make_network
for name in "${servers[@]}"; do
	start_server "$name"
done
check_answers
warm_up
throughput
if [ "$profile" = 1 ]; then
	for name in "${servers[@]}"; do
		profile_server "$name"
	done
fi
[ "$callgrind" = 1 ] && callgrind_fata
fata_counters
