#!/usr/bin/env bash
# TCP on libtcpip against the Linux kernel through a tap device:
# - kernel client to fata-echo: 100 MB through the echo service, SHA-256 of
#   what went out and what came back must match;
# - Fata client (fata-tcpip-tool) to kernel servers: 100 MB each way;
# - 200 concurrent connections each way;
# - the kernel with SACK, timestamps and window scaling each turned off;
# - a kernel client that aborts with RST, and half-close in both directions.
# Usage: net_tcp.sh FATA_ECHO FATA_TCPIP_TOOL HAS_TCP
set -u
echo_bin=${1:?usage: net_tcp.sh FATA_ECHO FATA_TCPIP_TOOL HAS_TCP}
tool_bin=${2:?usage: net_tcp.sh FATA_ECHO FATA_TCPIP_TOOL HAS_TCP}
if [ "${3:-}" != true ]; then
	echo "skipped: libtcpip was built without its TCP layer" >&2
	exit 77
fi
. "$(dirname "$0")/net_common.sh"
require_root socat python3 sha256sum ss sysctl

big=$((100 * 1024 * 1024))
make_namespace
# fata-tcpip-tool gets its own tap on another subnet; the kernel is 198.51.100.1 there.
tool_tap=${netns_id}u
make_tap "$tool_tap" 198.51.100.1/24
tool=("$tool_bin" --net "tap:$tool_tap" --ipv4 198.51.100.2/24 "${offload_args[@]}")
echo "# offloads ${FATA_NET_OFFLOAD:-on}"
start_bg echo "$echo_bin" --net "tap:$tap" --ipv4 192.0.2.2/24 --max-connections 1000 \
	"${offload_args[@]}"
wait_ping 192.0.2.2 10 || fail "192.0.2.2 does not answer ping"

# Streams BYTES to the echo service and compares the SHA-256 both ways.
kernel_echo() {
	in_ns python3 - "$1" <<'PY'
import hashlib, os, socket, sys, threading

total = int(sys.argv[1])
sent, got = hashlib.sha256(), hashlib.sha256()
s = socket.create_connection(("192.0.2.2", 7), timeout=60)

def send():
    left = total
    block = os.urandom(1 << 16)
    while left:
        chunk = block[: min(left, len(block))]
        s.sendall(chunk)
        sent.update(chunk)
        left -= len(chunk)
    s.shutdown(socket.SHUT_WR)

t = threading.Thread(target=send)
t.start()
n = 0
while True:
    data = s.recv(1 << 20)
    if not data:
        break
    got.update(data)
    n += len(data)
t.join()
s.close()
if n != total or sent.digest() != got.digest():
    sys.exit("echo returned %d of %d bytes, digests %s" %
             (n, total, "match" if sent.digest() == got.digest() else "differ"))
PY
}

kernel_echo "$big" || fail "100 MB through fata-echo"
echo "ok kernel client to Fata echo server, 100 MB, SHA-256 match"

# Fata client to a kernel server, each way.
start_bg sink socat -u TCP-LISTEN:5001,reuseaddr SYSTEM:"sha256sum > $work/sink.sha"
wait_listen 5001
in_ns "${tool[@]}" send 198.51.100.1 5001 "$big" >"$work/send.log" 2>&1 ||
	fail "fata-tcpip-tool send"
netns_wait "$netns_last_pid"
expect=$("$tool_bin" pattern "$big" | sha256sum | cut -d' ' -f1)
[ "$(cut -d' ' -f1 "$work/sink.sha")" = "$expect" ] || fail "kernel server got other bytes"
echo "ok Fata client to kernel server, 100 MB, SHA-256 match"

"$tool_bin" pattern "$big" >"$work/source"
start_bg source socat -u OPEN:"$work/source" TCP-LISTEN:5002,reuseaddr
wait_listen 5002
got=$(in_ns "${tool[@]}" recv 198.51.100.1 5002 2>"$work/recv.log" | sha256sum | cut -d' ' -f1)
netns_wait "$netns_last_pid"
rm -f "$work/source"
[ "$got" = "$expect" ] || fail "Fata client received other bytes from the kernel"
echo "ok kernel server to Fata client, 100 MB, SHA-256 match"

# 200 concurrent connections each way.
in_ns python3 - <<'PY' || fail "200 concurrent kernel connections to fata-echo"
import os, selectors, socket, sys

n, size = 200, 20000
sel = selectors.DefaultSelector()
conns = []
for i in range(n):
    s = socket.create_connection(("192.0.2.2", 7), timeout=30)
    data = os.urandom(size)
    conns.append([s, data, 0, b""])
for c in conns:
    c[0].sendall(c[1])
    c[0].setblocking(False)
    sel.register(c[0], selectors.EVENT_READ, c)
left = n
while left:
    events = sel.select(timeout=30)
    if not events:
        sys.exit("timed out with %d connections unfinished" % left)
    for key, _ in events:
        c = key.data
        chunk = c[0].recv(65536)
        c[3] += chunk
        if len(c[3]) >= size or not chunk:
            if c[3] != c[1]:
                sys.exit("a connection got back other bytes")
            sel.unregister(c[0])
            c[0].close()
            left -= 1
PY
echo "ok 200 concurrent kernel connections to fata-echo"

start_bg kecho python3 -c '
import asyncio
async def serve(r, w):
    while True:
        data = await r.read(65536)
        if not data:
            break
        w.write(data)
        await w.drain()
    w.close()
async def main():
    server = await asyncio.start_server(serve, "198.51.100.1", 5003, backlog=512)
    async with server:
        await server.serve_forever()
asyncio.run(main())'
wait_listen 5003
in_ns "${tool[@]}" echo 198.51.100.1 5003 20000 200 >"$work/many.log" 2>&1 || fail "200 concurrent Fata connections to a kernel echo server"
kill_last
echo "ok 200 concurrent Fata connections to a kernel echo server"

# The kernel without each TCP option in turn.
for option in tcp_sack tcp_timestamps tcp_window_scaling; do
	in_ns sysctl -q -w "net.ipv4.$option=0" || fail "cannot set net.ipv4.$option"
	kernel_echo $((20 * 1024 * 1024)) || fail "echo with net.ipv4.$option=0"
	in_ns sysctl -q -w "net.ipv4.$option=1"
	echo "ok 20 MB echo with the kernel's $option off"
done

# Abort and half-close.
in_ns python3 - <<'PY' || fail "abort and half-close"
import os, socket, struct, sys, time

# An abort: close with SO_LINGER 0 sends RST in the middle of a transfer.
s = socket.create_connection(("192.0.2.2", 7), timeout=10)
s.sendall(os.urandom(1 << 20))
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
time.sleep(0.5)

# Half-close: after our FIN the server still sends everything back, then its FIN.
s = socket.create_connection(("192.0.2.2", 7), timeout=10)
data = os.urandom(100000)
s.sendall(data)
s.shutdown(socket.SHUT_WR)
back = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    back += chunk
s.close()
if back != data:
    sys.exit("half-closed echo returned %d of %d bytes" % (len(back), len(data)))

# Discard reads until our FIN and then closes: no data, a clean EOF.
s = socket.create_connection(("192.0.2.2", 9), timeout=10)
s.sendall(b"x" * 50000)
s.shutdown(socket.SHUT_WR)
if s.recv(10) != b"":
    sys.exit("discard sent data")
s.close()
PY
echo "ok abort (RST) and half-close"

stop_last
echo "ok fata-echo stopped cleanly on SIGTERM"
