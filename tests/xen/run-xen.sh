#!/bin/bash
# Boots a Fata image as a PVH guest on a real Xen hypervisor and checks it
# from dom0. Debian's Xen 4.17 runs inside QEMU's software emulation (TCG)
# with a Linux dom0 from an initramfs built here: busybox, the xl
# toolstack, xenstored, xenconsoled and netback. The guest gets a vif whose
# dom0 side is 192.0.2.1/24 and is reached at 192.0.2.2.
#
# Usage: run-xen.sh IMAGE MODE [CERT]
#   MODE ping: IMAGE is fata-xen-ping.xen; dom0 pings it with small and
#              full-size packets, then the guest exits by itself after its
#              --count replies.
#   MODE www:  IMAGE is fata-www.xen; dom0 fetches / with curl, then shuts
#              the guest down with xl shutdown.
#   MODE https: IMAGE is fata-www-https.xen, which embeds CERT and its key
#              as /www-test.crt and /www-test.key; dom0 fetches
#              https://192.0.2.2/ with curl trusting CERT (the third
#              argument), then shuts the guest down.
#   MODE echo: IMAGE is fata-echo.xen; dom0 sends a line to the TCP echo
#              service with nc, then shuts the guest down.
#   MODE norand: the CPU has no RDRAND; the guest must refuse to start and
#              crash with a message on its console.
# Exits 0 when every check passed, 1 when one failed, 77 when this machine
# cannot run the test (QEMU, Xen or the dom0 kernel missing).
#
# Environment: FX_TIMEOUT (seconds QEMU may run, default 900), FX_KEEP=1
# keeps the work directory, FX_LOG=FILE copies the serial log there.
set -u

image=${1:-}
mode=${2:-ping}
timeout_s=${FX_TIMEOUT:-900}

skip() {
	echo "SKIP: $*" >&2
	exit 77
}

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

[ -n "$image" ] && [ -f "$image" ] || fail "image '$image' not found (usage: run-xen.sh IMAGE ping|www|echo|norand)"
case "$mode" in ping|www|https|echo|norand) ;; *) fail "unknown mode '$mode' (expected ping, www, https, echo or norand)" ;; esac
cert=${3:-}
if [ "$mode" = https ]; then
	[ -n "$cert" ] && [ -f "$cert" ] || fail "mode https needs the certificate as the third argument"
fi

# ---- what the machine must have ----

kver=$(ls /boot/vmlinuz-* 2>/dev/null | sed 's#.*/vmlinuz-##' | sort -V | tail -n 1)
xen_gz=$(ls /boot/xen-4.17*-amd64.gz 2>/dev/null | head -n 1)
xen_bin=/usr/lib/xen-4.17/bin
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is missing (apt-get install qemu-system-x86)"
[ -n "$xen_gz" ] || skip "no /boot/xen-4.17-amd64.gz (apt-get install xen-hypervisor-4.17-amd64)"
[ -n "$kver" ] || skip "no /boot/vmlinuz-* for dom0 (apt-get install linux-image-amd64)"
[ -r "/boot/vmlinuz-$kver" ] || skip "/boot/vmlinuz-$kver is not readable (run as root)"
[ -x "$xen_bin/xl" ] || skip "no $xen_bin/xl (apt-get install xen-utils-4.17)"
[ -x /usr/bin/xenstore-write ] || skip "no xenstore-write (apt-get install xenstore-utils)"
[ -x /bin/busybox ] && file -L /bin/busybox 2>/dev/null | grep -q static ||
	skip "no static /bin/busybox (apt-get install busybox-static)"
command -v cpio >/dev/null || skip "cpio is missing (apt-get install cpio)"

work=$(mktemp -d /tmp/fx-xen.XXXXXX)
qemu_pid=
cleanup() {
	[ -n "$qemu_pid" ] && kill "$qemu_pid" 2>/dev/null
	if [ "${FX_KEEP:-0}" = 1 ]; then
		echo "work directory kept: $work" >&2
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT

# ---- the dom0 initramfs ----

root=$work/root
mkdir -p "$root"/{bin,sbin,etc/xen/scripts,proc,sys,dev,tmp,run,var/log/xen/console,var/lib/xen,var/lib/xenstored,lib/modules,usr/bin}
cp /bin/busybox "$root/bin/busybox"

copy_with_libs() {
	local bin=$1
	mkdir -p "$root$(dirname "$bin")"
	cp -L "$bin" "$root$bin"
	ldd "$bin" 2>/dev/null | grep -o '/[^ ]*' | while read -r lib; do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}

for b in xl xenstored xenconsoled xen-init-dom0; do
	copy_with_libs "$xen_bin/$b"
done
copy_with_libs /usr/bin/xenstore-write
copy_with_libs /usr/bin/xenstore-read
# Debian's static busybox wget crashes at start (bookworm), so dom0 gets curl.
command -v curl >/dev/null || skip "curl is missing (apt-get install curl)"
copy_with_libs "$(command -v curl)"
# xl create aborts without it: glibc loads it to unwind threads.
cp -L /lib/x86_64-linux-gnu/libgcc_s.so.1 "$root/lib/x86_64-linux-gnu/"

for m in xen-privcmd xenfs xen-evtchn xen-gntdev xen-gntalloc xen-netback; do
	ko=$(modinfo -k "$kver" -F filename "$m" 2>/dev/null) || skip "kernel module $m not found for $kver"
	case "$ko" in
	*.xz) xz -dc "$ko" >"$root/lib/modules/$m.ko" ;;
	*.zst) zstd -qdc "$ko" >"$root/lib/modules/$m.ko" ;;
	*) cp "$ko" "$root/lib/modules/$m.ko" ;;
	esac
done

cp "$image" "$root/fata.xen"
[ "$mode" = https ] && cp "$cert" "$root/www-test.crt"
: >"$root/etc/xen/xl.conf"

# libxl runs this for the vif: bring dom0's side up and report success.
cat >"$root/etc/xen/scripts/vif-fata" <<'EOF'
#!/bin/sh
case "$1" in
online|add)
	ip link set "$vif" up
	ip addr add 192.0.2.1/24 dev "$vif"
	xenstore-write "$XENBUS_PATH/hotplug-status" connected
	;;
esac
exit 0
EOF
chmod +x "$root/etc/xen/scripts/vif-fata"

# The ping test sends jumbo frames; the MTU reaches the guest through xenstore.
mtu=1500
[ "$mode" = ping ] && mtu=9000

case "$mode" in
ping) extra="--ipv4 192.0.2.2/24 --count 11" ;;
www) extra="--ipv4 192.0.2.2/24 ${FX_EXTRA:-}" ;;
https) extra="--ipv4 192.0.2.2/24 --tls-cert /www-test.crt --tls-key /www-test.key ${FX_EXTRA:-}" ;;
echo) extra="--ipv4 192.0.2.2/24" ;;
norand) extra="--ipv4 192.0.2.2/24" ;;
esac

cat >"$root/etc/xen/fata.cfg" <<EOF
name = "fata-test"
type = "pvh"
kernel = "/fata.xen"
memory = 64
vcpus = 1
vif = [ "mac=00:16:3e:00:00:02,mtu=$mtu,script=/etc/xen/scripts/vif-fata" ]
extra = "$extra"
on_crash = "preserve"
EOF

cat >"$root/init" <<EOF
#!/bin/busybox sh
MODE=$mode
EOF
cat >>"$root/init" <<'EOF'
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin:/usr/lib/xen-4.17/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /run/xen /var/run
mount -t devpts devpts /dev/pts
ln -s /run/xen /var/run/xen

say() { echo "FX: $*"; }
result() { echo "FX-RESULT $*"; }
finish() {
	say "guest console:"
	cat /var/log/xen/console/guest-fata-test.log 2>/dev/null | sed 's/^/FX-GUEST /'
	echo "FX-DONE"
	sync
	poweroff -f
}

for m in xen-privcmd xenfs xen-evtchn xen-gntdev xen-gntalloc xen-netback; do
	insmod /lib/modules/$m.ko || say "insmod $m failed"
done
mount -t xenfs xenfs /proc/xen

xenstored --pid-file /run/xenstored.pid || { result fail xenstored; finish; }
xen-init-dom0 || { result fail xen-init-dom0; finish; }
xenconsoled --log=guest --log-dir=/var/log/xen/console || { result fail xenconsoled; finish; }
say "dom0 ready after $(cut -d' ' -f1 /proc/uptime) s"

if ! xl create /etc/xen/fata.cfg; then
	result fail "xl create"
	finish
fi
say "domain created at dom0 uptime $(cut -d' ' -f1 /proc/uptime) s"

# Waits up to $2 seconds for the guest console to contain $1.
wait_console() {
	i=0
	while [ $i -lt "$2" ]; do
		grep -q "$1" /var/log/xen/console/guest-fata-test.log 2>/dev/null && return 0
		sleep 1
		i=$((i + 1))
	done
	return 1
}

# Waits up to $1 seconds for the domain to stop running: gone from xl list,
# or listed as shut down (s) or crashed (c), which xl may leave behind.
wait_gone() {
	i=0
	while [ $i -lt "$1" ]; do
		state=$(xl list fata-test 2>/dev/null | awk 'NR == 2 { print $5 }')
		case "$state" in
		"") return 0 ;;
		*s*|*c*) say "domain state $state"; xl destroy fata-test 2>/dev/null; return 0 ;;
		esac
		sleep 1
		i=$((i + 1))
	done
	xl list | sed 's/^/FX: /'
	return 1
}

case "$MODE" in
ping)
	if wait_console "answering ARP and ping" 300; then
		result ok ready
	else
		result fail "guest never became ready"
		finish
	fi
	if grep -q "timer check ok" /var/log/xen/console/guest-fata-test.log; then
		result ok timer
	else
		result fail "timer check"
	fi
	if ping -c 5 -W 5 192.0.2.2 >/tmp/ping.out 2>&1; then
		result ok ping
	else
		result fail ping
	fi
	sed 's/^/FX: /' /tmp/ping.out
	# 1500-byte IPv4 packets: full-size frames; each reply takes two ring slots.
	if ping -c 3 -W 5 -s 1472 192.0.2.2 >/tmp/ping.out 2>&1; then
		result ok "ping 1500 bytes"
	else
		result fail "ping 1500 bytes"
	fi
	sed 's/^/FX: /' /tmp/ping.out
	# 8028-byte packets in one jumbo frame: three ring slots each way.
	# netback allows an MTU above 1500 only once the frontend has
	# connected with feature-sg, so dom0's side is raised now.
	ip link set "vif$(xl domid fata-test).0" mtu 9000
	if ping -c 3 -W 5 -s 8000 192.0.2.2 >/tmp/ping.out 2>&1; then
		result ok "ping 8028 bytes"
	else
		result fail "ping 8028 bytes"
	fi
	sed 's/^/FX: /' /tmp/ping.out
	if wait_gone 120; then
		result ok "guest exited"
	else
		result fail "guest still running after --count"
	fi
	if wait_console "exit status 0" 10; then
		result ok "exit status 0"
	else
		result fail "no exit status 0 on the console"
	fi
	;;
www)
	if wait_console "serving .* on port 80" 300; then
		result ok ready
	else
		result fail "guest never started serving"
		finish
	fi
	ping -c 2 -W 5 192.0.2.2 2>&1 | sed 's/^/FX: /'
	if curl -sS -m 60 -o /tmp/page.html http://192.0.2.2/ >/tmp/curl.out 2>&1; then
		result ok "curl $(wc -c </tmp/page.html) bytes"
		grep -qi "fata" /tmp/page.html && result ok content || result fail content
		head -n 5 /tmp/page.html | sed 's/^/FX-PAGE /'
	else
		result fail curl
	fi
	sed 's/^/FX: /' /tmp/curl.out
	xl shutdown -w fata-test >/dev/null 2>&1 &
	if wait_gone 120; then
		result ok "guest shut down"
	else
		result fail "guest did not shut down"
	fi
	if wait_console "exit status 0" 10; then
		result ok "exit status 0"
	else
		result fail "no exit status 0 on the console"
	fi
	;;
https)
	if wait_console "serving .* on port 443 with TLS" 300; then
		result ok ready
	else
		result fail "guest never started serving HTTPS"
		finish
	fi
	if curl -sS -m 120 --cacert /www-test.crt -o /tmp/page.html https://192.0.2.2/ >/tmp/curl.out 2>&1; then
		result ok "curl https $(wc -c </tmp/page.html) bytes"
		grep -qi "fata" /tmp/page.html && result ok content || result fail content
	else
		result fail "curl https"
	fi
	sed 's/^/FX: /' /tmp/curl.out
	# A client that trusts another certificate must be refused.
	if curl -sS -m 60 -o /dev/null https://192.0.2.2/ >/tmp/curl.out 2>&1; then
		result fail "curl without the test certificate was accepted"
	else
		result ok "curl without the test certificate refused"
	fi
	xl shutdown -w fata-test >/dev/null 2>&1 &
	if wait_gone 120; then
		result ok "guest shut down"
	else
		result fail "guest did not shut down"
	fi
	if wait_console "exit status 0" 10; then
		result ok "exit status 0"
	else
		result fail "no exit status 0 on the console"
	fi
	;;
echo)
	if wait_console "echo on port 7" 300; then
		result ok ready
	else
		result fail "guest never became ready"
		finish
	fi
	reply=$(echo "hello from dom0" | nc -w 10 192.0.2.2 7)
	if [ "$reply" = "hello from dom0" ]; then
		result ok echo
	else
		result fail "echo reply '$reply'"
	fi
	xl shutdown -w fata-test >/dev/null 2>&1 &
	if wait_gone 120; then
		result ok "guest shut down"
	else
		result fail "guest did not shut down"
	fi
	if wait_console "exit status 0" 10; then
		result ok "exit status 0"
	else
		result fail "no exit status 0 on the console"
	fi
	;;
norand)
	if wait_console "refusing to start" 300; then
		result ok "refused to start without RDRAND"
	else
		result fail "no refusal on the console"
	fi
	if wait_gone 120; then
		result ok "guest stopped"
	else
		result fail "guest still running"
	fi
	;;
esac
finish
EOF
chmod +x "$root/init"

(cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$work/initrd.cpio.gz"
gunzip -c "$xen_gz" >"$work/xen"
cp "/boot/vmlinuz-$kver" "$work/vmlinuz"

# ---- boot ----

# +svm and +npt give Xen hardware-assisted paging, which PVH guests need
# because Debian's Xen is built without shadow paging.
cpu=qemu64,+svm,+npt,+rdrand
[ "$mode" = norand ] && cpu=qemu64,+svm,+npt
serial=$work/serial.log
: >"$serial"
start=$(date +%s)
(cd "$work" && exec nice -n 10 qemu-system-x86_64 \
	-accel tcg,thread=multi -smp 2 -m 2048 \
	-cpu "$cpu" \
	-display none -nic none -no-reboot \
	-serial "file:$serial" -monitor none \
	-kernel xen \
	-append "console=com1 com1=115200,8n1 dom0_mem=768M,max:768M noreboot guest_loglvl=all" \
	-initrd "vmlinuz console=hvc0 quiet,initrd.cpio.gz") &
qemu_pid=$!

while kill -0 "$qemu_pid" 2>/dev/null; do
	grep -q "^FX-DONE" "$serial" && break
	if [ $(($(date +%s) - start)) -ge "$timeout_s" ]; then
		echo "QEMU ran for ${timeout_s} s without finishing; serial log follows" >&2
		break
	fi
	sleep 2
done
sleep 2
kill "$qemu_pid" 2>/dev/null
wait "$qemu_pid" 2>/dev/null
qemu_pid=
elapsed=$(($(date +%s) - start))

[ -n "${FX_LOG:-}" ] && cp "$serial" "$FX_LOG"

# ---- verdict ----

tr -d '\r' <"$serial" | grep -E "^(FX|\(XEN\) .*(d[1-9]|Panic|FATAL))" | head -n 200
echo "QEMU ran ${elapsed} s"

grep -q "^FX-DONE" "$serial" || fail "dom0 did not finish (timeout ${timeout_s} s)"
# NOTE: one HTTPS boot in eleven, under heavy load on the host, printed its
# boot line and then nothing for 300 s; the cause is not known. A guest
# that never gets ready is therefore booted once more, and both runs are
# reported, so a real hang still fails the test.
if grep -q "^FX-RESULT fail guest never" "$serial" && [ -z "${FX_RETRIED:-}" ]; then
	echo "The guest never got ready; booting it once more" >&2
	cleanup
	trap - EXIT
	FX_RETRIED=1 exec "$0" "$image" "$mode" ${cert:+"$cert"}
fi
grep -q "^FX-RESULT fail" "$serial" && fail "a check failed (lines FX-RESULT fail above)"
grep -q "^FX-RESULT ok" "$serial" || fail "no check ran"
echo "PASS: $mode"
exit 0
