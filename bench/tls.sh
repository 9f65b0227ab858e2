#!/usr/bin/env bash
# TLS server speed: fata-www with --tls-cert (libtls on BearSSL, on the
# host-socket stack) against openssl s_server -WWW. Both serve HTTPS on
# 127.0.0.1 with the same ECDSA P-256 certificate, TLS 1.2 and
# ECDHE-ECDSA-AES128-GCM-SHA256. The same client measures both
# (bench/tls/tls_client.c on OpenSSL's libssl):
#   - full handshakes per second, one connection at a time, no resumption;
#   - bulk throughput: one HTTP/1.0 GET of a file of BYTES bytes.
# For both it also reports the server's CPU time per operation, which the
# other users of a shared machine disturb less than the wall-clock rates.
# Then it times the public-key operations of a handshake in BearSSL's m31
# code and in libtls's 64-bit code (bench/tls/bearssl_speed.c) beside
# "openssl speed", and with PROFILE=1
# records fata-www with perf during one more run of each test.
#
#   sudo bench/tls.sh
#
# Settings, from the environment (defaults in brackets):
#   ROUNDS [5]        rounds; each measures both servers, alternating which goes first
#   DURATION [10]     seconds of handshakes per server and round
#   TRANSFERS [3]     bulk transfers per server and round
#   BYTES [268435456] size of the file the bulk transfers fetch (256 MiB)
#   CIPHER [ECDHE-ECDSA-AES128-GCM-SHA256]  OpenSSL name of the suite both servers use
#   PROFILE [0]       1: perf record fata-www and print its hottest functions
#   FATA_BUILD        build directory [build-bench next to bench/]
#
# Everything runs in the network namespace fw<PID>, on its loopback
# 127.0.0.1: fata-www on port 4433, s_server on port 4434. The namespace
# keeps other programs' ports and traffic out. Needs root, openssl, a C
# compiler with pkg-config, libssl-dev and libbearssl-dev (the two drivers
# are compiled into a temporary directory at each run).
set -u -o pipefail
bench_name=tls.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rounds=${ROUNDS:-5}
duration=${DURATION:-10}
transfers=${TRANSFERS:-3}
bytes=${BYTES:-268435456}
cipher=${CIPHER:-ECDHE-ECDSA-AES128-GCM-SHA256}
profile=${PROFILE:-0}
cc=${CC:-cc}
goal=1.0

bench_setup openssl "$cc" pkg-config
www_bin=$(bench_program apps/www/fata-www)
[ "$profile" = 1 ] && ! command -v perf >/dev/null && bench_die "PROFILE=1 needs perf (linux-perf)"

ns=fw$$
fata_port=4433
openssl_port=4434

# Compiles the client and the BearSSL timer into $bench_tmp.
build_drivers() {
	local src=$bench_root/bench/tls flags=(-std=c11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE)
	local ssl_flags
	ssl_flags=$(pkg-config --cflags --libs openssl) ||
		bench_die "pkg-config finds no openssl; install libssl-dev"
	# shellcheck disable=SC2086
	"$cc" "${flags[@]}" -o "$bench_tmp/tls-bench-client" "$src/tls_client.c" $ssl_flags ||
		bench_die "cannot compile bench/tls/tls_client.c"
	# The timer compiles libtls's EC sources in and takes the counter
	# registry from the platform library of the build under test.
	local lib=$bench_root/libtls/src platform=$bench_build/platform/libfata-platform.a
	[ -f "$platform" ] || bench_die "$platform is missing; build it with: ninja -C $bench_build"
	"$cc" "${flags[@]}" -I"$lib" -I"$bench_root/libtls/include" \
		-I"$bench_root/platform/include" -I/usr/include/bearssl \
		-o "$bench_tmp/bearssl-speed" "$src/bearssl_speed.c" "$lib/ec_impl.c" \
		"$lib/ec_p256.c" "$lib/ec_x25519.c" "$lib/ecdsa_p256.c" "$lib/util.c" "$platform" \
		-lbearssl ||
		bench_die "cannot compile bench/tls/bearssl_speed.c (needs libbearssl-dev)"
}

make_files() {
	openssl req -x509 -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		-keyout "$bench_tmp/server.key" -out "$bench_tmp/server.crt" -days 30 \
		-subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
		>/dev/null 2>&1 || bench_die "openssl cannot make the certificate"
	mkdir -p "$bench_tmp/site"
	head -c "$bytes" /dev/urandom >"$bench_tmp/site/bulk.bin" || bench_die "cannot write the bulk file"
	chmod -R a+rX "$bench_tmp/site"
}

start_servers() {
	bench_start "$ns" "$bench_tmp/fata.log" "$www_bin" --net socket --port "$fata_port" \
		--tls-cert "$bench_tmp/server.crt" --tls-key "$bench_tmp/server.key" \
		--no-access-log "$bench_tmp/site"
	fata_pid=$bench_last_pid

	# s_server -WWW serves files relative to its working directory.
	(cd "$bench_tmp/site" && exec ip netns exec "$ns" openssl s_server -quiet -WWW \
		-accept "127.0.0.1:$openssl_port" -cert "$bench_tmp/server.crt" \
		-key "$bench_tmp/server.key" -tls1_2 -cipher "$cipher" -no_ticket \
		>"$bench_tmp/openssl.log" 2>&1) &
	openssl_pid=$!
	bench_pids+=("$openssl_pid")

	bench_wait_tcp "$ns" 127.0.0.1 "$fata_port" 10 || bench_die "fata-www did not start: $(cat "$bench_tmp/fata.log")"
	bench_wait_tcp "$ns" 127.0.0.1 "$openssl_port" 10 || bench_die "s_server did not start: $(cat "$bench_tmp/openssl.log")"
}

# Prints the CPU time process $1 has used, in nanoseconds (first field of schedstat).
cpu_ns() {
	cut -d' ' -f1 "/proc/$1/schedstat"
}

client() {
	ip netns exec "$ns" "$bench_tmp/tls-bench-client" "$@" --cipher "$cipher"
}

# Prints the value after key $2 in the client's output line $1.
field() {
	awk -v key="$2" '{ for (i = 1; i < NF; i++) if ($i == key) print $(i + 1) }' <<<"$1"
}

# Checks that both servers negotiated the same suite and group; the client's line is $2.
check_parameters() {
	local suite group
	suite=$(field "$2" suite)
	group=$(field "$2" group)
	[ "$suite" = "$expected_suite" ] || bench_die "$1 negotiated $suite, not $expected_suite"
	if [ -z "$expected_group" ]; then
		expected_group=$group
	elif [ "$group" != "$expected_group" ]; then
		bench_die "$1 used group $group, the other server $expected_group"
	fi
}

# measure_handshakes NAME PORT PID: appends to the NAME_hs and NAME_hs_cpu arrays.
measure_handshakes() {
	local name=$1 port=$2 pid=$3 before after line count
	before=$(cpu_ns "$pid")
	line=$(client handshakes 127.0.0.1 "$port" "$duration") || bench_die "handshakes with $name failed"
	after=$(cpu_ns "$pid")
	check_parameters "$name" "$line"
	count=$(field "$line" handshakes)
	eval "${name}_hs+=($(field "$line" per_second))"
	eval "${name}_hs_cpu+=($(awk -v c="$((after - before))" -v n="$count" 'BEGIN { printf "%.0f", c / n / 1000 }'))"
	printf '  %-8s %8s handshakes/s, server CPU %s us each\n' "$name" \
		"$(field "$line" per_second)" "$(eval "echo \${${name}_hs_cpu[-1]}")"
}

# measure_bulk NAME PORT PID: appends to the NAME_mbps and NAME_mbps_cpu arrays.
measure_bulk() {
	local name=$1 port=$2 pid=$3 before after line i cpu
	for i in $(seq "$transfers"); do
		before=$(cpu_ns "$pid")
		line=$(client bulk 127.0.0.1 "$port" /bulk.bin "$bytes") || bench_die "bulk transfer from $name failed"
		after=$(cpu_ns "$pid")
		check_parameters "$name" "$line"
		# Server CPU milliseconds per GiB sent.
		cpu=$(awk -v c="$((after - before))" -v b="$bytes" 'BEGIN { printf "%.0f", c / 1e6 * 1073741824 / b }')
		eval "${name}_mbps+=($(field "$line" mb_per_second))"
		eval "${name}_mbps_cpu+=($cpu)"
		printf '  %-8s %8s MB/s, server CPU %s ms per GiB\n' "$name" \
			"$(field "$line" mb_per_second)" "$cpu"
	done
}

fata_bulk_transfers() {
	local i
	for i in $(seq "$transfers"); do
		client bulk 127.0.0.1 "$fata_port" /bulk.bin "$bytes" || return 1
	done
}

# perf_top SECONDS COMMAND...: records fata-www while COMMAND runs, prints the top entries.
perf_top() {
	local seconds=$1
	shift
	perf record -q -o "$bench_tmp/perf.data" -p "$fata_pid" -- sleep "$seconds" >/dev/null 2>&1 &
	local perf_pid=$!
	sleep 0.3
	"$@" >/dev/null
	wait "$perf_pid"
	# head closes the pipe early, so perf report may end with SIGPIPE.
	echo "  by shared object:"
	perf report -i "$bench_tmp/perf.data" --no-children --sort dso --stdio 2>/dev/null |
		grep -E '^ +[0-9.]+%' | head -6 || true
	echo "  by function:"
	perf report -i "$bench_tmp/perf.data" --no-children --sort dso,sym --stdio 2>/dev/null |
		grep -E '^ +[0-9.]+%' | head -12 || true
}

# Prints "NAME MICROSECONDS" for X25519 derivation and ECDSA P-256 signing and verification from "openssl speed".
openssl_speed_us() {
	openssl speed -seconds 1 ecdhx25519 ecdsap256 2>/dev/null | awk '
		/ecdsa \(nistp256\)/ { printf "p256_sign %.1f\np256_verify %.1f\n", 1e6 / $(NF - 1), 1e6 / $NF }
		/ecdh \(X25519\)/ { printf "x25519_derive %.1f\n", 1e6 / $NF }'
}

build_drivers
make_files
bench_netns_add "$ns"
start_servers

echo "== TLS benchmark: fata-www (libtls on BearSSL) against openssl s_server"
bench_describe
echo "libtls:  BearSSL $(dpkg-query -W -f='${Version}' libbearssl0 2>/dev/null || echo unknown)," \
	"$(git -C "$bench_root" status --porcelain -- libtls | wc -l) uncommitted files in libtls/"
echo "openssl: $(openssl version)"
echo "suite:   $cipher, TLS 1.2, ECDSA P-256 certificate; $rounds rounds," \
	"handshakes for ${duration} s, $transfers transfers of $bytes bytes per server and round"

expected_suite=$cipher
expected_group=
fata_hs=() openssl_hs=() fata_hs_cpu=() openssl_hs_cpu=()
fata_mbps=() openssl_mbps=() fata_mbps_cpu=() openssl_mbps_cpu=()
loads=()
# measure_both KIND: runs measure_KIND on both servers in the order of $order.
measure_both() {
	local name
	for name in "${order[@]}"; do
		if [ "$name" = fata ]; then
			"measure_$1" fata "$fata_port" "$fata_pid"
		else
			"measure_$1" openssl "$openssl_port" "$openssl_pid"
		fi
	done
}

for round in $(seq "$rounds"); do
	loads+=("$(bench_load)")
	echo "-- round $round of $rounds (load ${loads[-1]})"
	if [ $((round % 2)) -eq 1 ]; then
		order=(fata openssl)
	else
		order=(openssl fata)
	fi
	measure_both handshakes
	measure_both bulk
done

hs_fata=$(bench_median "${fata_hs[@]}")
hs_openssl=$(bench_median "${openssl_hs[@]}")
hs_ratio=$(bench_ratio "$hs_fata" "$hs_openssl")
hs_cpu_fata=$(bench_median "${fata_hs_cpu[@]}")
hs_cpu_openssl=$(bench_median "${openssl_hs_cpu[@]}")
mb_fata=$(bench_median "${fata_mbps[@]}")
mb_openssl=$(bench_median "${openssl_mbps[@]}")
mb_ratio=$(bench_ratio "$mb_fata" "$mb_openssl")
mb_cpu_fata=$(bench_median "${fata_mbps_cpu[@]}")
mb_cpu_openssl=$(bench_median "${openssl_mbps_cpu[@]}")

echo
echo "== Results (medians; key exchange group $expected_group; 1-minute load during the rounds: ${loads[*]})"
printf '%-34s %12s %12s %7s  %s\n' "" fata-www s_server ratio "goal >= $goal"
printf '%-34s %12s %12s %7s  %s\n' "full handshakes per second" "$hs_fata" "$hs_openssl" \
	"$hs_ratio" "$(bench_goal "$hs_ratio" "$goal")"
printf '%-34s %12s %12s %7s\n' "server CPU per handshake (us)" "$hs_cpu_fata" "$hs_cpu_openssl" \
	"$(bench_ratio "$hs_cpu_openssl" "$hs_cpu_fata")"
printf '%-34s %12s %12s %7s  %s\n' "bulk throughput (MB/s)" "$mb_fata" "$mb_openssl" \
	"$mb_ratio" "$(bench_goal "$mb_ratio" "$goal")"
printf '%-34s %12s %12s %7s\n' "server CPU per GiB sent (ms)" "$mb_cpu_fata" "$mb_cpu_openssl" \
	"$(bench_ratio "$mb_cpu_openssl" "$mb_cpu_fata")"
echo "The CPU rows' ratio is s_server's CPU time over fata-www's, so above 1.0 means fata-www uses less."

echo
echo "== Public-key operations of one handshake (CPU microseconds per operation;"
echo "   openssl speed does not time X25519 key generation, only the derivation)"
"$bench_tmp/bearssl-speed" 1 >"$bench_tmp/speed.txt" || bench_die "bearssl-speed failed"
openssl_speed_us >"$bench_tmp/openssl-speed.txt"
printf '  %-14s %12s %12s %12s\n' operation "BearSSL m31" "libtls 64" OpenSSL
for op in x25519_keygen x25519_derive p256_sign p256_verify; do
	printf '  %-14s %12s %12s %12s\n' "$op" \
		"$(awk -v op="$op" '$1 == "bearssl" && $2 == op { print $4 }' "$bench_tmp/speed.txt")" \
		"$(awk -v op="$op" '$1 == "libtls" && $2 == op { print $4 }' "$bench_tmp/speed.txt")" \
		"$(awk -v op="$op" '$1 == op { print $2 }' "$bench_tmp/openssl-speed.txt")"
done

if [ "$profile" = 1 ]; then
	echo
	echo "== perf profile of fata-www during $duration s of handshakes"
	perf_top "$duration" client handshakes 127.0.0.1 "$fata_port" "$((duration - 1))"
	echo
	echo "== perf profile of fata-www during $transfers bulk transfers"
	perf_top 5 fata_bulk_transfers
fi
