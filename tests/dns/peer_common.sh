# Shared helpers for the peer tests: result counting, waiting for a
# server, and free-port selection. Sourced, not run.

pass=0
fail=0
out=""
step=""

# run NAME CMD...: runs CMD and keeps its output, blanks squeezed, in $out.
run() {
	step=$1
	shift
	out=$("$@" 2>&1 | tr -s ' \t' '  ')
}

ok() {
	pass=$((pass + 1))
	echo "ok: $step: $1"
}

bad() {
	fail=$((fail + 1))
	echo "FAIL: $step: $1"
	echo "--- output was:"
	echo "$out" | head -40
	echo "---"
}

# has TEXT: the last output contains TEXT (a fixed string).
has() {
	if grep -qF -- "$1" <<<"$out"; then ok "has '$1'"; else bad "expected '$1'"; fi
}

# lacks TEXT: the last output does not contain TEXT.
lacks() {
	if grep -qF -- "$1" <<<"$out"; then bad "unexpected '$1'"; else ok "lacks '$1'"; fi
}

# is TEXT: the last output is exactly TEXT.
is() {
	if [ "$out" = "$1" ]; then ok "is as expected"; else bad "expected exactly:
$1"; fi
}

# count TEXT N: TEXT occurs on exactly N lines of the last output.
count() {
	local n
	n=$(grep -cF -- "$1" <<<"$out")
	if [ "$n" -eq "$2" ]; then ok "'$1' $2 times"; else bad "'$1' $n times, expected $2"; fi
}

# wait_for CMD...: retries CMD for up to 10 s until it succeeds.
wait_for() {
	local i
	for i in $(seq 1 100); do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# need TOOL PACKAGE: skips the test (exit 77) when TOOL is missing.
need() {
	if ! command -v "$1" >/dev/null 2>&1; then
		echo "skipping: $1 is not installed (apt-get install $2)" >&2
		exit 77
	fi
}

# finish: prints the summary line and exits 1 when anything failed.
finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
