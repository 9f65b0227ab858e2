#!/bin/bash
# HTTPS in fata-www on the host's sockets at 127.0.0.1: curl and openssl
# against --tls-cert/--tls-key with certificates made by openssl for this
# run, plain HTTP beside HTTPS with --http-port, and the command-line
# errors for missing, unreadable and mismatched files.
# Usage: www_tls_socket_test.sh FATA_WWW
# Exits 77 when curl or openssl is missing.
set -u

www=${1:?usage: www_tls_socket_test.sh FATA_WWW}
for program in curl openssl; do
	if ! command -v "$program" >/dev/null; then
		echo "www_tls_socket_test.sh: skipped: $program is not installed" >&2
		exit 77
	fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/fata-www-tls.XXXXXX")
pid=
failures=0
checks=0

cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid"
		wait "$pid" 2>/dev/null
	fi
	rm -rf "$work"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# expect NAME ACTUAL EXPECTED
expect() {
	checks=$((checks + 1))
	if [ "$2" != "$3" ]; then
		fail "$1: got '$2', expected '$3'"
	fi
}

# expect_match NAME TEXT REGEX
expect_match() {
	checks=$((checks + 1))
	if ! grep -Eq -- "$3" <<<"$2"; then
		fail "$1: '$3' not found in: $2"
	fi
}

# expect_no_match NAME TEXT REGEX
expect_no_match() {
	checks=$((checks + 1))
	if grep -Eq -- "$3" <<<"$2"; then
		fail "$1: '$3' found in: $2"
	fi
}

# make_cert NAME KEYALG... : a self-signed certificate for localhost and 127.0.0.1.
make_cert() {
	local name=$1
	shift
	if ! openssl req -x509 -nodes "$@" -keyout "$work/$name.key" -out "$work/$name.crt" \
			-days 30 -subj "/CN=localhost" \
			-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" >/dev/null 2>&1; then
		echo "www_tls_socket_test.sh: openssl could not make the $name certificate" >&2
		exit 1
	fi
}

make_cert ec -newkey ec -pkeyopt ec_paramgen_curve:P-256
make_cert rsa -newkey rsa:2048
make_cert other -newkey ec -pkeyopt ec_paramgen_curve:P-256
openssl pkcs8 -topk8 -in "$work/ec.key" -out "$work/encrypted.key" -passout pass:secret \
	>/dev/null 2>&1 || { echo "www_tls_socket_test.sh: openssl pkcs8 failed" >&2; exit 1; }

# Starts fata-www with the given arguments on free ports; sets $pid, $port
# (the TLS port) and $plain_port (the --http-port one, when given).
start_www() {
	: >"$work/log"
	"$www" --net socket --port 0 "$@" 2>"$work/log" &
	pid=$!
	port=
	for _ in $(seq 1 100); do
		port=$(sed -n 's/.* on port \([0-9]*\) with TLS .*/\1/p' "$work/log" | head -n1)
		[ -n "$port" ] && break
		if ! kill -0 "$pid" 2>/dev/null; then
			break
		fi
		sleep 0.05
	done
	if [ -z "$port" ]; then
		echo "fata-www did not start with TLS:" >&2
		cat "$work/log" >&2
		exit 1
	fi
	plain_port=$(sed -n 's/.* plain HTTP on port \([0-9]*\) .*/\1/p' "$work/log" | head -n1)
	base="https://localhost:$port"
}

stop_www() {
	kill -TERM "$pid"
	wait "$pid"
	local rc=$?
	pid=
	expect "exit status after SIGTERM" "$rc" 0
}

# Runs curl trusting the test certificate $cert.
tcurl() {
	curl -s --max-time 10 --cacert "$work/$cert.crt" "$@"
}

status() {
	tcurl -o /dev/null -w '%{http_code}' "$@"
}

# Prints what openssl s_client reports about a handshake with the server.
s_client() {
	openssl s_client -connect "127.0.0.1:$port" -servername localhost \
		-CAfile "$work/$cert.crt" "$@" </dev/null 2>&1
}

# Sends a plain HTTP request to the TLS port and prints the first bytes of
# whatever comes back, as text with the NULs dropped.
plain_to_tls_port() {
	timeout 10 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		printf "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n" >&3
		head -c 200 <&3' _ "$port" 2>/dev/null | tr -d '\0'
}

site="$work/site"
mkdir -p "$site/sub"
printf '<h1>over tls</h1>\n' >"$site/index.html"
printf 'hello, world\n' >"$site/a.txt"
printf 'sub index\n' >"$site/sub/index.html"
head -c 1048576 /dev/urandom >"$site/big.bin"

# HTTPS with an ECDSA certificate, plain HTTP beside it.
cert=ec
start_www --tls-cert "$work/ec.crt" --tls-key "$work/ec.key" --http-port 0 --stats "$site"

expect "GET /" "$(tcurl "$base/")" "<h1>over tls</h1>"
expect "GET by IP address" "$(tcurl "https://127.0.0.1:$port/a.txt")" "hello, world"
head_out=$(tcurl -I "$base/a.txt")
expect_match "HEAD status" "$head_out" "HTTP/1.1 200 OK"
expect_match "HEAD length" "$head_out" "Content-Length: 13"
expect "Range" "$(tcurl -r 7-11 "$base/a.txt")" "world"
expect "Range status" "$(status -r 7-11 "$base/a.txt")" 206
expect_match "Content-Range" "$(tcurl -D - -o /dev/null -r 0-4 "$base/a.txt")" \
	"Content-Range: bytes 0-4/13"
expect "Unsatisfiable range" "$(status -r 99- "$base/a.txt")" 416
expect "Big file" "$(tcurl "$base/big.bin" | cmp - "$site/big.bin" && echo same)" same
expect "Big file range" "$(tcurl -r 500000-500099 "$base/big.bin" |
	cmp - <(tail -c +500001 "$site/big.bin" | head -c 100) && echo same)" same
expect "HTTP/1.0 big file" "$(tcurl --http1.0 "$base/big.bin" | cmp - "$site/big.bin" &&
	echo same)" same
expect "Missing file" "$(status "$base/missing")" 404

# Two requests on one TLS connection: one handshake, the connection reused.
multi=$(tcurl -v "$base/a.txt" "$base/sub/" 2>&1)
expect_match "Connection reuse" "$multi" "Re-using existing connection"
expect "One handshake for two requests" "$(grep -c 'SSL connection using' <<<"$multi")" 1
expect_match "Second body" "$multi" "^sub index$"
expect_match "ALPN in curl" "$multi" "ALPN: server accepted http/1.1"

# The handshake as openssl s_client reports it: TLS 1.2, ECDHE with an AEAD cipher, ALPN.
hello=$(s_client -alpn http/1.1)
expect_match "s_client protocol" "$hello" "Protocol *: TLSv1\.2"
expect_match "s_client AEAD suite" "$hello" \
	"Cipher *: ECDHE-ECDSA-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)"
expect_match "s_client verified" "$hello" "Verify return code: 0 \(ok\)"
expect_match "s_client ALPN" "$hello" "ALPN protocol: http/1.1"
expect_match "s_client ALPN prefers http/1.1" "$(s_client -alpn h2,http/1.0,http/1.1)" \
	"ALPN protocol: http/1.1"
expect_match "s_client ALPN http/1.0" "$(s_client -alpn http/1.0)" "ALPN protocol: http/1.0"
expect_match "TLS 1.3 only is refused" "$(s_client -tls1_3)" "Cipher is \(NONE\)|alert"
expect_match "h2-only ALPN is refused" "$(s_client -alpn h2)" \
	"alert number 120"
expect_match "CBC suite is refused" "$(s_client -tls1_2 -cipher ECDHE-ECDSA-AES128-SHA256)" \
	"Cipher is \(NONE\)|alert"

# Clients that do not trust the certificate fail.
checks=$((checks + 1))
if curl -s --max-time 10 -o /dev/null "$base/a.txt"; then
	fail "curl with the system's CAs accepted the self-signed certificate"
fi
checks=$((checks + 1))
curl -s --max-time 10 -o /dev/null --cacert "$work/other.crt" "$base/a.txt"
rc=$?
if [ "$rc" -ne 60 ]; then
	fail "curl trusting another certificate: exit status $rc, expected 60 (peer not verified)"
fi
expect_match "s_client with another CA" "$(openssl s_client -connect "127.0.0.1:$port" \
	-CAfile "$work/other.crt" -verify_return_error </dev/null 2>&1)" \
	"verify error|certificate verify failed"

# Plain HTTP to the TLS port gets no HTTP response.
expect "Plain HTTP status on the TLS port" \
	"$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/")" 000
expect_no_match "Plain HTTP reply on the TLS port" "$(plain_to_tls_port)" "HTTP/"
expect "HTTPS after the plain request" "$(tcurl "$base/a.txt")" "hello, world"

# Plain HTTP on --http-port.
checks=$((checks + 1))
if [ -z "$plain_port" ]; then
	fail "no log line names the --http-port port"
else
	expect "Plain HTTP port" "$(curl -s --max-time 10 "http://127.0.0.1:$plain_port/a.txt")" \
		"hello, world"
	expect "TLS on the plain port fails" "$(status "https://localhost:$plain_port/")" 000
fi

# A --http-port that is taken stops a second server with exit status 1.
taken=$(timeout 10 "$www" --net socket --port 0 --tls-cert "$work/ec.crt" \
	--tls-key "$work/ec.key" --http-port "$port" 2>&1)
expect "Taken --http-port: exit status" "$?" 1
expect_match "Taken --http-port: message" "$taken" "cannot listen on port $port: address already in use"

expect_match "Access log over TLS" "$(cat "$work/log")" \
	'http\.access: 127\.0\.0\.1 - - \[[^]]*\] "GET /a\.txt HTTP/1\.1" 200 13'
stop_www
stats=$(cat "$work/log")
expect_match "TLS handshakes counted" "$stats" "^tls_server\.handshakes [1-9][0-9]*$"
expect_match "TLS failures counted" "$stats" "^tls_server\.handshake_failures [1-9][0-9]*$"

# An RSA certificate: the suite is ECDHE-RSA with an AEAD cipher.
cert=rsa
start_www --tls-cert "$work/rsa.crt" --tls-key "$work/rsa.key" --idle-timeout 1
expect_match "Bundled deck over TLS" "$(tcurl "$base/")" "<title>Welcome - Fata</title>"
expect_match "RSA suite" "$(s_client)" \
	"Cipher *: ECDHE-RSA-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)"

# Clients that stall in the handshake are closed after --idle-timeout.
# silent_client BYTES: sends BYTES (printf format) and waits for the close.
silent_client() {
	timeout 8 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		printf "$2" >&3
		cat <&3 >/dev/null' _ "$port" "$1" 2>/dev/null
	echo $?
}
expect "Silent client closed" "$(silent_client '')" 0
expect "Half ClientHello closed" "$(silent_client '\x16\x03\x01\x00\x40\x01')" 0
stop_www

# Command-line errors: exit 2 for a bad combination, 1 for a file that fails to load.
# run_www NAME EXPECTED_STATUS REGEX ARGS...
run_www() {
	local name=$1 expected=$2 regex=$3
	shift 3
	local out rc
	out=$(timeout 10 "$www" --net socket --port 0 "$@" 2>&1)
	rc=$?
	expect "$name: exit status" "$rc" "$expected"
	expect "$name: one line" "$(wc -l <<<"$out")" 1
	expect_match "$name: message" "$out" "$regex"
}

printf 'not a certificate\n' >"$work/junk.pem"
: >"$work/empty.pem"
run_www "cert without key" 2 "option --tls-cert needs --tls-key" --tls-cert "$work/ec.crt"
run_www "key without cert" 2 "option --tls-key needs --tls-cert" --tls-key "$work/ec.key"
run_www "http-port without TLS" 2 "option --http-port needs --tls-cert" --http-port 8080
run_www "same two ports" 2 "--port and --http-port both name port 8443" \
	--tls-cert "$work/ec.crt" --tls-key "$work/ec.key" --port 8443 --http-port 8443
run_www "empty file name" 2 'invalid value for --tls-cert: ""' \
	--tls-cert= --tls-key "$work/ec.key"
run_www "missing cert file" 1 "cannot read --tls-cert $work/missing.crt: No such file" \
	--tls-cert "$work/missing.crt" --tls-key "$work/ec.key"
run_www "missing key file" 1 "cannot read --tls-key $work/missing.key: No such file" \
	--tls-cert "$work/ec.crt" --tls-key "$work/missing.key"
run_www "directory as cert" 1 "cannot read --tls-cert $work: is a directory" \
	--tls-cert "$work" --tls-key "$work/ec.key"
run_www "empty cert file" 1 "cannot read --tls-cert $work/empty.pem: the file is empty" \
	--tls-cert "$work/empty.pem" --tls-key "$work/ec.key"
run_www "junk cert file" 1 "cannot load --tls-cert $work/junk.pem: malformed message \(FATA_EBADMSG\)" \
	--tls-cert "$work/junk.pem" --tls-key "$work/ec.key"
run_www "key as cert" 1 "cannot load --tls-cert $work/ec.key: .*FATA_EBADMSG" \
	--tls-cert "$work/ec.key" --tls-key "$work/ec.key"
run_www "cert as key" 1 "cannot load --tls-key $work/ec.crt: .*FATA_EBADMSG" \
	--tls-cert "$work/ec.crt" --tls-key "$work/ec.crt"
run_www "mismatched key" 1 \
	"cannot load --tls-key $work/rsa.key: invalid argument \(FATA_EINVAL\): the key does not match .*--tls-cert $work/ec.crt" \
	--tls-cert "$work/ec.crt" --tls-key "$work/rsa.key"
run_www "encrypted key" 1 "cannot load --tls-key $work/encrypted.key: .*FATA_ENOTSUP.*encrypted" \
	--tls-cert "$work/ec.crt" --tls-key "$work/encrypted.key"
head -c 2000000 /dev/zero >"$work/huge.pem"
run_www "huge cert file" 1 "cannot load --tls-cert $work/huge.pem: the file has 2000000 bytes" \
	--tls-cert "$work/huge.pem" --tls-key "$work/ec.key"
if [ "$(id -u)" -ne 0 ]; then
	chmod 000 "$work/encrypted.key"
	run_www "unreadable key" 1 "cannot read --tls-key $work/encrypted.key: Permission denied" \
		--tls-cert "$work/ec.crt" --tls-key "$work/encrypted.key"
fi

# Without --port, TLS listens on 443. As root the check runs in a new
# network namespace, so it never binds the host's port 443; as another
# user the bind fails, and the error names the port.
default_port_log() {
	local prefix=()
	if [ "$(id -u)" -eq 0 ]; then
		prefix=(unshare --net)
	fi
	timeout -s TERM 2 "${prefix[@]}" "$www" --net socket --tls-cert "$work/ec.crt" \
		--tls-key "$work/ec.key" 2>&1
}
if [ "$(id -u)" -eq 0 ] && ! unshare --net true 2>/dev/null; then
	echo "note: unshare --net failed, so the default port 443 is not checked" >&2
else
	expect_match "Default TLS port" "$(default_port_log)" \
		"serving .* on port 443 with TLS|cannot listen on port 443"
fi

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
