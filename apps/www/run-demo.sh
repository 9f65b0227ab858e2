#!/usr/bin/env bash
# Builds fata-www and serves the bundled slide deck about Fata on Fata's
# own TCP/IP stack, over a tap device in a network namespace, with plain
# HTTP on port 80 and HTTPS on port 443.
#
#   bash apps/www/run-demo.sh [DIR]
#
# On Debian 12 it installs the packages it needs with apt-get and builds
# into build-demo/ with meson and ninja. It creates the namespace
# "fata-demo" with the tap device "fatademo0": the namespace's kernel is
# 192.0.2.1/24 and fata-www is 192.0.2.2. For HTTPS it makes a self-signed
# certificate for IP:192.0.2.2 with openssl in a temporary directory. It
# fetches the start page over HTTP and HTTPS with curl from inside the
# namespace and keeps serving until Ctrl-C, when it deletes the namespace
# and the certificate again. With DIR it serves that directory instead of
# the deck.
# The namespace and the tap device need root: the script uses sudo when it
# does not run as root.
set -u -o pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ns=fata-demo
tap=fatademo0
build=$root/build-demo
packages=(meson ninja-build gcc pkg-config check iproute2 curl openssl libbearssl-dev)

if [ "$(id -u)" -eq 0 ]; then
	as_root=()
elif command -v sudo >/dev/null; then
	as_root=(sudo)
else
	echo "run-demo.sh: needs root or sudo for the network namespace" >&2
	exit 1
fi

step() {
	printf '\n== %s\n' "$*"
}

step "Installing the packages the build needs"
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	"${as_root[@]}" apt-get update || exit 1
	"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" || exit 1
else
	echo "all present: ${packages[*]}"
fi

step "Building fata-www in $build"
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$root" || exit 1
fi
ninja -C "$build" apps/www/fata-www || exit 1
www=$build/apps/www/fata-www

step "Making a self-signed certificate for 192.0.2.2"
certs=$(mktemp -d "${TMPDIR:-/tmp}/fata-demo-tls.XXXXXX") || exit 1
chmod 755 "$certs"
if ! openssl req -x509 -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		-keyout "$certs/www.key" -out "$certs/www.crt" -days 30 \
		-subj "/CN=192.0.2.2" -addext "subjectAltName=IP:192.0.2.2" 2>"$certs/openssl.log"; then
	cat "$certs/openssl.log" >&2
	rm -rf "$certs"
	exit 1
fi
echo "certificate $certs/www.crt, key $certs/www.key"

step "Creating network namespace $ns with tap device $tap"
www_pid=
cleanup() {
	trap - EXIT INT TERM
	if [ -n "$www_pid" ] && kill -0 "$www_pid" 2>/dev/null; then
		"${as_root[@]}" kill -TERM "$www_pid" 2>/dev/null
		wait "$www_pid" 2>/dev/null
	fi
	"${as_root[@]}" ip netns del "$ns" 2>/dev/null
	rm -rf "$certs"
	echo "Deleted network namespace $ns and the certificate."
}
trap cleanup EXIT
"${as_root[@]}" ip netns del "$ns" 2>/dev/null
"${as_root[@]}" ip netns add "$ns" || exit 1
trap 'exit 130' INT TERM
"${as_root[@]}" ip netns exec "$ns" ip link set lo up
"${as_root[@]}" ip netns exec "$ns" ip tuntap add dev "$tap" mode tap || exit 1
"${as_root[@]}" ip netns exec "$ns" ip addr add 192.0.2.1/24 dev "$tap"
"${as_root[@]}" ip netns exec "$ns" ip link set "$tap" up

step "Starting fata-www on Fata's TCP/IP stack at 192.0.2.2"
"${as_root[@]}" ip netns exec "$ns" "$www" --net "tap:$tap" --ipv4 192.0.2.2/24 \
	--port 443 --tls-cert "$certs/www.crt" --tls-key "$certs/www.key" --http-port 80 "$@" &
www_pid=$!
for _ in $(seq 1 100); do
	"${as_root[@]}" ip netns exec "$ns" curl -s -o /dev/null --max-time 1 http://192.0.2.2/ && break
	if ! kill -0 "$www_pid" 2>/dev/null; then
		echo "run-demo.sh: fata-www exited; see the messages above" >&2
		exit 1
	fi
	sleep 0.1
done

step "Fetching http://192.0.2.2/ with curl from inside the namespace"
"${as_root[@]}" ip netns exec "$ns" curl -sS -D - --max-time 5 http://192.0.2.2/ || exit 1

step "Fetching https://192.0.2.2/ with curl, trusting the new certificate"
"${as_root[@]}" ip netns exec "$ns" curl -sS -D - --max-time 5 --cacert "$certs/www.crt" \
	https://192.0.2.2/ || exit 1

cat <<EOF

fata-www is serving on Fata's own TCP/IP stack at 192.0.2.2 in namespace $ns,
HTTP on port 80 and HTTPS on port 443. Fetch the page again with:

    sudo ip netns exec $ns curl http://192.0.2.2/
    sudo ip netns exec $ns curl --cacert $certs/www.crt https://192.0.2.2/

Each request adds an access-log line above. Press Ctrl-C to stop and delete the namespace.
EOF
wait "$www_pid"
www_pid=
