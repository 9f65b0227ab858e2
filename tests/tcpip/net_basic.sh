#!/usr/bin/env bash
# fata-echo on libtcpip against the Linux kernel through a tap device:
# ping (also 8000-byte pings that fragment both ways), UDP echo, discard and
# chargen, port unreachable, and the kernel's ARP entry for the stack.
# Usage: net_basic.sh FATA_ECHO
set -u
echo_bin=${1:?usage: net_basic.sh FATA_ECHO}
. "$(dirname "$0")/net_common.sh"
require_root ping socat python3

make_namespace
echo "# offloads ${FATA_NET_OFFLOAD:-on}"
start_bg echo "$echo_bin" --net "tap:$tap" --ipv4 192.0.2.2/24 --log-level debug "${offload_args[@]}"
wait_ping 192.0.2.2 10 || fail "192.0.2.2 does not answer ping"

in_ns ping -c 3 -i 0.2 -W 2 -q 192.0.2.2 >/dev/null || fail "ping lost replies"
in_ns ping -c 3 -i 0.2 -W 2 -q -s 8000 192.0.2.2 >/dev/null ||
	fail "ping -s 8000 (fragmented both ways) lost replies"
in_ns ping -c 1 -W 2 -q -s 30000 192.0.2.2 >/dev/null || fail "ping -s 30000 failed"
echo "ok ping, including fragmented"

mac=$(in_ns ip -br link show "$tap" >/dev/null; in_ns ip neigh show 192.0.2.2 dev "$tap" |
	awk '{ print $3 }')
case $mac in
??:??:??:??:??:??) echo "ok kernel ARP entry for 192.0.2.2 is $mac" ;;
*) fail "no ARP entry for 192.0.2.2 in the kernel (got '$mac')" ;;
esac

reply=$(echo "hello fata" | in_ns socat -t 2 - UDP:192.0.2.2:7)
[ "$reply" = "hello fata" ] || fail "UDP echo answered '$reply'"

in_ns python3 - <<'PY' || fail "UDP checks failed"
import os, socket, sys

def udp(port, data, timeout=2.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    s.connect(("192.0.2.2", port))
    s.send(data)
    try:
        return s.recv(70000)
    finally:
        s.close()

# A 6000-byte datagram travels in fragments both ways.
big = os.urandom(6000)
if udp(7, big) != big:
    sys.exit("large UDP echo differs")

for i in range(50):
    data = os.urandom(i * 29)
    if udp(7, data) != data:
        sys.exit("UDP echo of %d bytes differs" % len(data))

line = udp(19, b"x")
if len(line) > 512 or any(c < 32 or c > 126 for c in line if c not in (13, 10)):
    sys.exit("chargen reply is not RFC 864 text")

# Discard sends nothing back.
try:
    udp(9, b"drop me", timeout=0.5)
    sys.exit("discard answered")
except socket.timeout:
    pass

# A datagram to a closed port gets ICMP port unreachable.
try:
    udp(4444, b"anyone?")
    sys.exit("closed port answered")
except ConnectionRefusedError:
    pass
print("ok UDP echo, chargen, discard, port unreachable")
PY

stop_last
grep -q "stopped" "$work/echo.log" || fail "fata-echo did not log its stop"
echo "ok fata-echo stopped cleanly on SIGTERM"
