#!/bin/bash
# curl against fata-www on the host's sockets at 127.0.0.1: a served
# directory (files, directories, symbolic links, ranges, conditional
# requests, methods, traversal attempts), then the bundled slide deck.
# Usage: www_socket_test.sh FATA_WWW
set -u

www=$1
if ! command -v curl >/dev/null; then
	echo "curl is not installed" >&2
	exit 77
fi

work=$(mktemp -d)
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

# Starts fata-www with the given arguments on a free port; sets $pid and $base.
start_www() {
	: >"$work/log"
	"$www" --net socket --port 0 "$@" 2>"$work/log" &
	pid=$!
	for _ in $(seq 1 100); do
		port=$(sed -n 's/.* on port \([0-9]*\) .*/\1/p' "$work/log" | head -n1)
		[ -n "$port" ] && break
		sleep 0.05
	done
	if [ -z "$port" ]; then
		echo "fata-www did not start:" >&2
		cat "$work/log" >&2
		exit 1
	fi
	base="http://127.0.0.1:$port"
}

stop_www() {
	kill -TERM "$pid"
	wait "$pid"
	local rc=$?
	pid=
	expect "exit status after SIGTERM" "$rc" 0
}

status() {
	curl -s -o /dev/null -w '%{http_code}' "$@"
}

# The served directory.
site="$work/site"
mkdir -p "$site/sub" "$site/empty dir"
printf '<h1>home</h1>\n' >"$site/index.html"
printf 'hello, world\n' >"$site/a.txt"
printf 'sub index\n' >"$site/sub/index.html"
printf 'body{}\n' >"$site/sub/s.css"
printf 'secret\n' >"$work/outside.txt"
head -c 100000 /dev/urandom >"$site/blob.bin"
: >"$site/zero.txt"
ln -s ../outside.txt "$site/link-out"
ln -s /etc/passwd "$site/link-abs"
ln -s a.txt "$site/link-in"
ln -s .. "$site/up"

start_www "$site"

expect "GET /" "$(curl -s "$base/")" "<h1>home</h1>"
expect "GET /a.txt" "$(curl -s "$base/a.txt")" "hello, world"
headers=$(curl -s -D - -o /dev/null "$base/a.txt")
expect_match "Content-Type of a.txt" "$headers" "Content-Type: text/plain; charset=utf-8"
expect_match "Content-Length of a.txt" "$headers" "Content-Length: 13"
expect_match "Date field" "$headers" "^Date: [A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} GMT"
expect_match "Last-Modified field" "$headers" "Last-Modified: "
etag=$(sed -n 's/^ETag: \(.*\)\r$/\1/p' <<<"$headers")
lastmod=$(sed -n 's/^Last-Modified: \(.*\)\r$/\1/p' <<<"$headers")
expect_match "CSS type" "$(curl -s -D - -o /dev/null "$base/sub/s.css")" "Content-Type: text/css"

head_out=$(curl -s -I "$base/a.txt")
expect_match "HEAD status" "$head_out" "HTTP/1.1 200 OK"
expect_match "HEAD length" "$head_out" "Content-Length: 13"

expect "Range 0-4" "$(curl -s -r 0-4 "$base/a.txt")" "hello"
expect "Range status" "$(status -r 0-4 "$base/a.txt")" 206
expect_match "Content-Range" "$(curl -s -D - -o /dev/null -r 7- "$base/a.txt")" "Content-Range: bytes 7-12/13"
expect "Suffix range" "$(curl -s -r -6 "$base/a.txt")" "world"
expect "Unsatisfiable range" "$(status -r 100-200 "$base/a.txt")" 416
expect "Multiple ranges" "$(status -r 0-1,3-4 "$base/a.txt")" 200
expect "Big file" "$(curl -s "$base/blob.bin" | cmp - "$site/blob.bin" && echo same)" same
expect "Big file range" "$(curl -s -r 50000-50099 "$base/blob.bin" | cmp - <(tail -c +50001 "$site/blob.bin" | head -c 100) && echo same)" same
expect "Empty file" "$(status "$base/zero.txt")" 200

expect "If-None-Match" "$(status -H "If-None-Match: $etag" "$base/a.txt")" 304
expect "If-None-Match other" "$(status -H 'If-None-Match: "x"' "$base/a.txt")" 200
expect "If-Modified-Since" "$(status -H "If-Modified-Since: $lastmod" "$base/a.txt")" 304
expect "If-Modified-Since old" "$(status -H 'If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT' "$base/a.txt")" 200
expect "If-Range mismatch" "$(status -r 0-1 -H 'If-Range: "x"' "$base/a.txt")" 200

expect "Directory redirect" "$(status "$base/sub")" 301
expect_match "Redirect location" "$(curl -s -D - -o /dev/null "$base/sub")" "Location: /sub/"
expect "Directory index" "$(curl -s "$base/sub/")" "sub index"
expect "Directory with space" "$(status "$base/empty%20dir/")" 404
expect "Missing file" "$(status "$base/missing")" 404
expect_match "404 page" "$(curl -s "$base/missing")" "404 Not Found"

# Traversal and symbolic links out of the directory.
expect "Dot-dot" "$(status --path-as-is "$base/../outside.txt")" 404
expect "Encoded dot-dot" "$(status --path-as-is "$base/%2e%2e/outside.txt")" 404
expect "Dot-dot in the middle" "$(status --path-as-is "$base/sub/../../outside.txt")" 404
expect "Encoded slash dot-dot" "$(status --path-as-is "$base/sub%2f..%2f..%2foutside.txt")" 404
expect "NUL escape" "$(status "$base/a.txt%00.html")" 404
expect "Bad escape" "$(status "$base/a%zz")" 404
expect "Symlink out" "$(status "$base/link-out")" 404
expect "Absolute symlink" "$(status "$base/link-abs")" 404
expect "Symlink to parent" "$(status "$base/up/outside.txt")" 404
expect "Symlink inside" "$(curl -s "$base/link-in")" "hello, world"
expect "Dot segments" "$(curl -s --path-as-is "$base/./sub/./index.html")" "sub index"

# Methods.
expect "POST" "$(status -X POST -d x "$base/a.txt")" 405
expect_match "Allow" "$(curl -s -D - -o /dev/null -X DELETE "$base/a.txt")" "Allow: GET, HEAD, OPTIONS"
expect "OPTIONS" "$(status -X OPTIONS "$base/a.txt")" 204
expect "Unknown method" "$(status -X BREW "$base/a.txt")" 501

# Several requests on one connection.
multi=$(curl -sv "$base/a.txt" "$base/sub/" 2>&1)
expect_match "Connection reuse" "$multi" "Re-using existing connection"
expect_match "Second body" "$multi" "sub index"

# The access log.
expect_match "Access log line" "$(cat "$work/log")" 'http\.access: 127\.0\.0\.1 - - \[[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}:[0-9:]{8} \+0000\] "GET /a\.txt HTTP/1\.1" 200 13'

# The file cache. Files whose status changed in the last two seconds are
# not cached, so these wait; a cached file is checked once a second.
printf 'version one\n' >"$site/cached.txt"
printf 'inside\n' >"$site/swap.txt"
printf 'first file\n' >"$site/c1.txt"
printf 'second file\n' >"$site/c2.txt"
sleep 2.1
expect "Cached first fetch" "$(curl -s "$base/cached.txt")" "version one"
old_tag=$(curl -s -D - -o /dev/null "$base/cached.txt" | sed -n 's/^ETag: \(.*\)\r$/\1/p')
expect "Cached second fetch" "$(curl -s "$base/cached.txt")" "version one"
expect "Cached If-None-Match" "$(status -H "If-None-Match: $old_tag" "$base/cached.txt")" 304
expect "Cached range" "$(curl -s -r 0-6 "$base/cached.txt")" "version"
expect_match "Cached HEAD length" "$(curl -s -I "$base/cached.txt")" "Content-Length: 12"
expect "Cached index" "$(curl -s "$base/sub/")" "sub index"
expect "Cached index again" "$(curl -s "$base/sub/")" "sub index"
expect "Cached index, no slash" "$(status "$base/sub")" 301
expect "Cached before swap" "$(curl -s "$base/swap.txt")" "inside"

printf 'version two, longer\n' >"$site/cached.txt"
sleep 1.2
expect "Changed file served fresh" "$(curl -s "$base/cached.txt")" "version two, longer"
new_tag=$(curl -s -D - -o /dev/null "$base/cached.txt" | sed -n 's/^ETag: \(.*\)\r$/\1/p')
checks=$((checks + 1))
if [ -z "$new_tag" ] || [ "$new_tag" = "$old_tag" ]; then
	fail "ETag after a change: got '$new_tag', before '$old_tag'"
fi

# Same size, modification time and inode, so only the change time differs.
printf 'version six\n' >"$site/cached.txt"
touch -d '2020-01-01 00:00:00' "$site/cached.txt"
sleep 2.1
expect "Cached again" "$(curl -s "$base/cached.txt")" "version six"
six_tag=$(curl -s -D - -o /dev/null "$base/cached.txt" | sed -n 's/^ETag: \(.*\)\r$/\1/p')
printf 'version ten\n' >"$site/cached.txt"
touch -d '2020-01-01 00:00:00' "$site/cached.txt"
sleep 1.2
expect "Same-size change" "$(curl -s "$base/cached.txt")" "version ten"
ten_tag=$(curl -s -D - -o /dev/null "$base/cached.txt" | sed -n 's/^ETag: \(.*\)\r$/\1/p')
checks=$((checks + 1))
if [ -z "$ten_tag" ] || [ "$ten_tag" = "$six_tag" ]; then
	fail "ETag after a same-size change with the old modification time: got '$ten_tag', before '$six_tag'"
fi
expect "Old ETag after a same-size change" "$(status -H "If-None-Match: $six_tag" "$base/cached.txt")" 200

# Deleted, and replaced by a symbolic link out of the directory.
rm "$site/cached.txt" "$site/swap.txt"
ln -s ../outside.txt "$site/swap.txt"
sleep 1.2
expect "Deleted cached file" "$(status "$base/cached.txt")" 404
expect "Swapped to symlink out" "$(status "$base/swap.txt")" 404

stop_www
expect_match "Cache counters" "$(cat "$work/log")" "file cache: [1-9][0-9]* hits, [0-9]+ misses, [1-9][0-9]* stored, 0 evicted, [1-9][0-9]* stale"

# Without the cache, and with one too small for two files.
start_www --cache-size 0 "$site"
expect "No cache" "$(curl -s "$base/a.txt")" "hello, world"
stop_www
expect "No cache, no counters" "$(grep -c 'file cache' "$work/log")" 0
start_www --cache-size 400 "$site"
for _ in 1 2; do
	expect "Small cache 1" "$(curl -s "$base/c1.txt")" "first file"
	expect "Small cache 2" "$(curl -s "$base/c2.txt")" "second file"
done
stop_www
expect_match "Small cache evicts" "$(cat "$work/log")" "file cache: [0-9]+ hits, [0-9]+ misses, [0-9]+ stored, [1-9][0-9]* evicted"
"$www" --net socket --port 0 --cache-size -1 "$site" 2>/dev/null
expect "Bad --cache-size" "$?" 2
"$www" --net socket --port 0 --cache-size 2000000000000 "$site" 2>/dev/null
expect "Huge --cache-size" "$?" 2

# The bundled slide deck.
start_www
expect_match "Bundled index" "$(curl -s "$base/")" "<title>Welcome - Fata</title>"
expect_match "Bundled next link" "$(curl -s "$base/")" 'rel="next" href="/layers.html"'
expect_match "Bundled CSS" "$(curl -s -D - "$base/style.css")" "Content-Type: text/css"
expect_match "Bundled script" "$(curl -s "$base/deck.js")" "ArrowRight"
expect "Bundled 404" "$(status "$base/nope.html")" 404
betag=$(curl -s -D - -o /dev/null "$base/index.html" | sed -n 's/^ETag: \(.*\)\r$/\1/p')
expect "Bundled If-None-Match" "$(status -H "If-None-Match: $betag" "$base/")" 304
expect "Bundled range" "$(curl -s -r 0-14 "$base/")" "<!doctype html>"
stop_www

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
