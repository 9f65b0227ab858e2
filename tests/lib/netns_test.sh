#!/usr/bin/env bash
# Tests of netns.sh, the namespace helper of the network test scripts. A
# child copy of this script sets up two namespaces joined by a veth pair
# (198.51.100.1 and .2), a tap device (203.0.113.1), two background
# processes, one of which ignores SIGTERM, and a temporary folder. Then it
# exits with status 3, or waits until it gets SIGINT or SIGTERM. Each time
# the test checks the exit status and that no namespace, process or folder
# is left. It also checks the skips without root or without a tool (exit
# 77 and one line).
#
# Usage: netns_test.sh
# Needs root, and exits 77 without it.
set -u -o pipefail

self=$(cd "$(dirname "$0")" && pwd)/${0##*/}
. "$(dirname "$0")/netns.sh"

# The child: builds everything, writes what it built to $state, one item
# per line, then exits or waits for a signal as $mode selects.
if [ "${1:-}" = child ]; then
	mode=$2
	state=$3
	netns_require ping
	netns_init nt
	a=${netns_id}a
	b=${netns_id}b

	netns_add "$a" || exit 1
	netns_add "$b" || exit 1
	netns_add_veth "$a" "${netns_id}x" "$b" "${netns_id}y" 198.51.100.1/24 198.51.100.2/24 ||
		exit 1
	netns_add_tap "$a" "${netns_id}t" 203.0.113.1/24 || exit 1
	ip netns exec "$a" ping -c 1 -W 2 -q 198.51.100.2 >/dev/null ||
		{ echo "no ping reply over the veth pair" >&2; exit 1; }

	netns_start "$a" sleep 300
	sleeper=$netns_last_pid
	netns_start "$b" bash -c 'trap "" TERM; exec sleep 300'
	stubborn=$netns_last_pid
	folder=$(mktemp -d)
	netns_remove_at_exit "$folder"
	printf '%s\n' "$a" "$b" "$sleeper" "$stubborn" "$folder" ready >"$state"

	case $mode in
	exit) exit 3 ;;
	signal) while :; do sleep 0.1; done ;;
	esac
	exit 2
fi

netns_require ping

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

check() {
	if [ "$2" = "$3" ]; then
		passed=$((passed + 1))
	else
		echo "FAIL: $1: got '$2', expected '$3'" >&2
		failed=$((failed + 1))
	fi
}

# Checks that nothing listed in the state file $2 is left after case $1.
check_nothing_left() {
	local name=$1 state=$2 a b sleeper stubborn folder ready

	{ read -r a; read -r b; read -r sleeper; read -r stubborn; read -r folder; read -r ready; } \
		<"$state"
	check "$name: the child got ready" "$ready" ready
	check "$name: namespace $a deleted" "$(ip netns list | grep -c "^$a\b")" 0
	check "$name: namespace $b deleted" "$(ip netns list | grep -c "^$b\b")" 0
	check "$name: sleep ended" "$(netns_alive "$sleeper" && echo alive)" ""
	check "$name: sleep that ignores SIGTERM ended" "$(netns_alive "$stubborn" && echo alive)" ""
	check "$name: temporary folder deleted" "$(test -e "$folder" && echo exists)" ""
}

# Waits up to 10 s for the child's state file to end with "ready".
wait_ready() {
	local i

	for ((i = 0; i < 100; i++)); do
		[ "$(tail -n 1 "$1" 2>/dev/null)" = ready ] && return 0
		sleep 0.1
	done
	return 1
}

# A normal exit keeps the child's status and removes everything.
status=0
bash "$self" child exit "$work/exit.state" || status=$?
check "exit: status" "$status" 3
check_nothing_left exit "$work/exit.state"

# SIGINT and SIGTERM end the child with 128 plus the signal number.
for signal in INT TERM; do
	state=$work/$signal.state

	# With job control the child gets its own process group. Without it,
	# bash would start the child with SIGINT ignored, which no trap undoes.
	set -m
	bash "$self" child signal "$state" 2>"$work/$signal.log" &
	child=$!
	set +m

	if wait_ready "$state"; then
		start=$SECONDS
		kill -"$signal" "$child"
		for ((i = 0; i < 200; i++)); do
			netns_alive "$child" || break
			sleep 0.1
		done
		kill -KILL "$child" 2>/dev/null
		status=0
		wait "$child" || status=$?
		expected=$((128 + $(kill -l "$signal")))
		check "SIG$signal: status" "$status" "$expected"
		check "SIG$signal: message" "$(grep -c "interrupted by SIG$signal" "$work/$signal.log")" 1
		check "SIG$signal: cleanup within 8 s" "$((SECONDS - start <= 8))" 1
		check_nothing_left "SIG$signal" "$state"
	else
		kill "$child" 2>/dev/null
		wait "$child"
		check "SIG$signal: the child got ready" "$(tail -n 1 "$state" 2>/dev/null)" ready
	fi
done

# Without root the check skips with 77 and one line on stderr.
if command -v setpriv >/dev/null; then
	status=0
	setpriv --reuid=nobody --regid=nogroup --clear-groups bash "$self" child exit /dev/null \
		2>"$work/noroot.log" || status=$?
	check "without root: status" "$status" 77
	check "without root: one line" "$(wc -l <"$work/noroot.log")" 1
	check "without root: reason" "$(grep -c "skipped: needs root" "$work/noroot.log")" 1
fi

# A missing tool skips with 77 and names the package to install.
status=0
bash -c '. "$1"; netns_require fata-no-such-tool:fata-no-such-package' netns_test \
	"$(dirname "$self")/netns.sh" 2>"$work/notool.log" || status=$?
check "missing tool: status" "$status" 77
check "missing tool: message" "$(cat "$work/notool.log")" \
	"netns_test: skipped: fata-no-such-tool is not installed (apt-get install fata-no-such-package)"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
