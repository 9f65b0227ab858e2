#!/usr/bin/env bash
# HTTP keep-alive throughput and idle-connection memory: fata-www on Fata's
# own TCP/IP stack over a tap device against nginx (one worker) on the
# kernel's stack over a veth pair, serving the same 1 KiB file.
#
#   sudo bench/www.sh
#
# Settings, from the environment (defaults in brackets):
#   ROUNDS [5]         wrk runs per server, alternating which server goes first
#   DURATION [10]      seconds per wrk run
#   THREADS [1]        wrk threads
#   CONNECTIONS [50]   wrk connections
#   IDLE [1000]        keep-alive connections held open for the memory test
#   FATA_BUILD         build directory [build-bench next to bench/]
#
# Layout: wrk and the idle client run in namespace fb<PID>c. Its tap device
# fb<PID>t is 192.0.2.1/24 on the kernel's side and fata-www is 192.0.2.2.
# Its veth fb<PID>a is 198.51.100.1/24, with the peer fb<PID>b as
# 198.51.100.2/24 in namespace fb<PID>n, where nginx runs. Both servers get
# a fresh process for the memory test, so the throughput runs do not raise
# their high-water mark. Needs root, wrk, nginx (nginx-light) and curl.
set -u -o pipefail
bench_name=www.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rounds=${ROUNDS:-5}
duration=${DURATION:-10}
threads=${THREADS:-1}
connections=${CONNECTIONS:-50}
idle=${IDLE:-1000}
rps_goal=1.2
memory_goal_kb=$((16 * 1024))
bench_check_count ROUNDS "$rounds"
bench_check_count DURATION "$duration"
bench_check_count THREADS "$threads"
bench_check_count CONNECTIONS "$connections"
bench_check_count IDLE "$idle"

bench_setup timeout wrk nginx curl
www_bin=$(bench_program apps/www/fata-www) || exit 1
idle_bin=$(bench_program bench/bench-idle-client) || exit 1

client_ns=fb$$c
server_ns=fb$$n
tap=fb$$t
fata_url=http://192.0.2.2/1k.html
nginx_url=http://198.51.100.2/1k.html

# The 1 KiB file: 16 lines of 63 printable characters and a newline.
make_site() {
	mkdir -p "$bench_tmp/site"
	for i in $(seq 0 15); do
		printf '%063d\n' "$i" | tr '0' 'x'
	done >"$bench_tmp/site/1k.html"
	chmod -R a+rX "$bench_tmp/site"
	[ "$(stat -c %s "$bench_tmp/site/1k.html")" -eq 1024 ] || bench_die "the test file is not 1024 bytes"
}

write_nginx_conf() {
	mkdir -p "$bench_tmp/nginx"
	cat >"$bench_tmp/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
user nobody nogroup;
pid $bench_tmp/nginx/nginx.pid;
error_log $bench_tmp/nginx/error.log warn;
events {
	worker_connections 4096;
}
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	tcp_nodelay on;
	keepalive_timeout 600;
	keepalive_requests 100000000;
	default_type text/html;
	server {
		listen 198.51.100.2:80 backlog=1024;
		root $bench_tmp/site;
	}
}
CONF
}

make_network() {
	bench_netns_add "$client_ns"
	bench_netns_add "$server_ns"
	bench_tap_add "$client_ns" "$tap" 192.0.2.1/24
	bench_veth_add "$client_ns" fb$$a 198.51.100.1/24 "$server_ns" fb$$b 198.51.100.2/24
}

# Starts fata-www with the extra options "$@" and sets fata_pid.
start_fata() {
	bench_start "$client_ns" "$bench_tmp/fata-www.log" "$www_bin" --net "tap:$tap" \
		--ipv4 192.0.2.2/24 --port 80 --no-access-log "$@" "$bench_tmp/site"
	fata_pid=$bench_last_pid
	bench_wait_tcp "$client_ns" 192.0.2.2 80 10 ||
		bench_die "fata-www does not accept connections; its log: $(tail -5 "$bench_tmp/fata-www.log")"
}

# Starts nginx and sets nginx_pid to its master and nginx_worker to its one worker.
start_nginx() {
	bench_start "$server_ns" "$bench_tmp/nginx.log" nginx -p "$bench_tmp/nginx" \
		-c "$bench_tmp/nginx/nginx.conf"
	nginx_pid=$bench_last_pid
	bench_wait_tcp "$client_ns" 198.51.100.2 80 10 ||
		bench_die "nginx does not accept connections; its log: $(cat "$bench_tmp/nginx.log" \
			"$bench_tmp/nginx/error.log" 2>/dev/null | tail -5)"
	local children
	children=$(cat "/proc/$nginx_pid/task/$nginx_pid/children")
	read -r nginx_worker <<<"$children"
	[ "$(wc -w <<<"$children")" -eq 1 ] || bench_die "expected one nginx worker process, found: $children"
}

# Checks that both servers return the file byte for byte and prints the response sizes.
check_responses() {
	local url name
	for url in "$fata_url" "$nginx_url"; do
		ip netns exec "$client_ns" curl -sS --max-time 5 -o "$bench_tmp/got" "$url" ||
			bench_die "GET $url failed"
		cmp -s "$bench_tmp/got" "$bench_tmp/site/1k.html" || bench_die "GET $url returned other bytes"
	done
	echo
	echo "Response sizes (header + body bytes):"
	for name in fata-www nginx; do
		url=$fata_url
		[ "$name" = nginx ] && url=$nginx_url
		printf '  %-8s %s\n' "$name" "$(ip netns exec "$client_ns" curl -s -o /dev/null \
			-w '%{size_header} + %{size_download}' "$url")"
	done
}

# Runs wrk against URL $1 for $2 seconds and prints "requests_per_s errors".
run_wrk() {
	local out
	out=$(ip netns exec "$client_ns" wrk -t"$threads" -c"$connections" -d"$2"s "$1" 2>&1) ||
		bench_die "wrk failed: $out"
	awk '/^Requests\/sec:/ { rps = $2 }
		/Socket errors:/ { gsub(",", ""); errors += $4 + $6 + $8 + $10 }
		/Non-2xx or 3xx responses:/ { errors += $5 }
		END { printf "%s %d\n", rps, errors }' <<<"$out"
}

# Runs one measured wrk run against server $1 (fata-www or nginx) and appends to the result lists.
measure() {
	local name=$1 url=$fata_url pid=$fata_pid load cpu0 cpu1 result rps errors cpu_us
	if [ "$name" = nginx ]; then
		url=$nginx_url
		pid=$nginx_worker
	fi
	load=$(bench_load)
	cpu0=$(bench_cpu_seconds "$pid")
	result=$(run_wrk "$url" "$duration")
	cpu1=$(bench_cpu_seconds "$pid")
	read -r rps errors <<<"$result"
	cpu_us=$(awk -v c="$cpu1" -v c0="$cpu0" -v r="$rps" -v d="$duration" \
		'BEGIN { printf "%.1f", (c - c0) * 1e6 / (r * d) }')
	printf '| %d | %-8s | %10.0f | %6d | %8s | %4s |\n' "$round" "$name" "$rps" "$errors" \
		"$cpu_us" "$load"
	[ "$errors" -eq 0 ] || echo "  (wrk reported $errors errors for $name)"
	if [ "$name" = nginx ]; then
		nginx_rps+=("$rps")
		nginx_cpu+=("$cpu_us")
	else
		fata_rps+=("$rps")
		fata_cpu+=("$cpu_us")
	fi
	loads+=("$load")
}

throughput() {
	echo
	echo "Throughput: wrk -t$threads -c$connections -d${duration}s, $rounds rounds"
	echo "(server CPU is the server process's user + system time per request;"
	echo " kernel work done in wrk's context, such as nginx's receive path over veth, is not in it)"
	echo
	echo "| round | server | requests/s | errors | server CPU µs/request | load |"
	echo "|---|---|---|---|---|---|"
	fata_rps=() nginx_rps=() fata_cpu=() nginx_cpu=() loads=()
	run_wrk "$fata_url" 2 >/dev/null
	run_wrk "$nginx_url" 2 >/dev/null
	for round in $(seq 1 "$rounds"); do
		if [ $((round % 2)) -eq 1 ]; then
			measure fata-www
			measure nginx
		else
			measure nginx
			measure fata-www
		fi
	done

	local fata nginx ratio
	fata=$(bench_median "${fata_rps[@]}")
	nginx=$(bench_median "${nginx_rps[@]}")
	ratio=$(bench_ratio "$fata" "$nginx")
	echo
	echo "Median requests/s: fata-www $fata, nginx $nginx"
	echo "Median server CPU µs/request: fata-www $(bench_median "${fata_cpu[@]}")," \
		"nginx $(bench_median "${nginx_cpu[@]}")"
	echo "Load average during the runs: median $(bench_median "${loads[@]}")," \
		"range $(printf '%s\n' "${loads[@]}" | sort -g | head -1) to $(printf '%s\n' "${loads[@]}" | sort -g | tail -1)"
	echo "Ratio fata-www / nginx: $ratio (goal at least $rps_goal: $(bench_goal "$ratio" "$rps_goal"))"
}

# Keeps $idle keep-alive connections open to server $1 at $2:80 and prints the memory of process $3.
idle_memory() {
	local name=$1 addr=$2 pid=$3 base rss hwm client out
	read -r base _ <<<"$(bench_memory_kb "$pid")"
	rm -f "$bench_tmp/ready"
	bench_start "$client_ns" "$bench_tmp/idle-$name.log" "$idle_bin" --http /1k.html --hold 300 \
		"$addr" 80 "$idle" "$bench_tmp/ready"
	client=$bench_last_pid
	bench_wait_file "$bench_tmp/ready" 130 "$client" ||
		bench_die "$idle connections to $name failed: $(cat "$bench_tmp/idle-$name.log")"
	sleep 1
	read -r rss hwm <<<"$(bench_memory_kb "$pid")"
	bench_stop "$client"
	out=$(cat "$bench_tmp/idle-$name.log")
	printf '| %-8s | %6d | %6d | %6d | %6d | %5.2f | %s |\n' "$name" "$base" "$rss" "$hwm" \
		"$((rss - base))" "$(awk -v d=$((rss - base)) -v n="$idle" 'BEGIN { print d / n }')" "$out"
	memory_delta=$((rss - base))
}

memory() {
	echo
	echo "Memory with $idle idle keep-alive connections (each served one GET first), kB"
	echo "(baseline: fresh process after one request; nginx: its worker process)"
	echo
	echo "| server | baseline VmRSS | VmRSS | VmHWM | VmRSS - baseline | kB/connection | client |"
	echo "|---|---|---|---|---|---|---|"
	start_fata --max-connections $((idle + 100)) --idle-timeout 600
	ip netns exec "$client_ns" curl -s -o /dev/null "$fata_url"
	sleep 1
	idle_memory fata-www 192.0.2.2 "$fata_pid"
	fata_delta=$memory_delta
	bench_stop "$fata_pid"

	start_nginx
	ip netns exec "$client_ns" curl -s -o /dev/null "$nginx_url"
	sleep 1
	idle_memory nginx 198.51.100.2 "$nginx_worker"
	bench_stop "$nginx_pid"

	echo
	echo "fata-www: $fata_delta kB above its baseline for $idle connections" \
		"(goal at most $memory_goal_kb kB: $(bench_goal "$fata_delta" "$memory_goal_kb" at-most))"
}

bench_describe
bench_check_fresh "$www_bin" platform libtcpip libhttp libtls apps/common apps/www
make_site
write_nginx_conf
make_network
start_fata
start_nginx
check_responses
throughput
bench_stop "$fata_pid"
bench_stop "$nginx_pid"
memory
