#!/bin/sh
# Generates the test certificates for the TLS tests into DIR with openssl:
#   ca.crt         RSA CA "Fata Test CA", trusted by the tests
#   other-ca.crt   RSA CA that no test trusts
#   ec-ca.crt      ECDSA (P-384) CA, trusted by the tests
#   rsa.crt/key    RSA leaf by ca: localhost, rsa.example.test, *.wild.example.test
#   rsa1.key       the same key in PKCS#1 form ("RSA PRIVATE KEY")
#   ec.crt/key     ECDSA P-256 leaf by ca: ec.example.test (key in SEC 1 form)
#   ec2.crt/key    ECDSA P-256 leaf by ec-ca: localhost (chain: ec2-chain.crt)
#   ip.crt/key     ECDSA P-256 leaf by ca for addresses: iPAddress 192.0.2.10,
#                  2001:db8::10 and 127.0.0.1, dNSName "192.0.2.11", common name
#                  192.0.2.12
#   expired.crt/key  RSA leaf by ca for localhost, valid only in January 2020
#   unknown.crt/key  RSA leaf by other-ca for localhost
#   self.crt/key   self-signed RSA leaf for localhost (not a CA)
#   client.crt/key RSA client certificate by ca
#   client-other.crt/key  RSA client certificate by other-ca
#   trust.pem      ca.crt and ec-ca.crt together
#   encrypted.key  rsa.key as encrypted PKCS#8
# Usage: make-certs.sh DIR
set -eu

dir=${1:?usage: make-certs.sh DIR}
mkdir -p "$dir"
cd "$dir"

quiet() {
	"$@" >/dev/null 2>&1 || { echo "make-certs.sh: failed: $*" >&2; "$@"; exit 1; }
}

make_ca() { # name subject keyalg...
	name=$1 subject=$2
	shift 2
	quiet openssl req -x509 -new -nodes "$@" -keyout "$name.key" -out "$name.crt" \
		-days 3650 -subj "$subject" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign"
}

make_leaf() { # name ca cn san usage keyalg...
	name=$1 ca=$2 cn=$3 san=$4 usage=$5
	shift 5
	quiet openssl req -new -nodes "$@" -keyout "$name.key" -out "$name.csr" -subj "/CN=$cn"
	printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=%s\nsubjectAltName=%s\n' \
		"$usage" "$san" > "$name.ext"
	quiet openssl x509 -req -in "$name.csr" -CA "$ca.crt" -CAkey "$ca.key" \
		-CAcreateserial -out "$name.crt" -days 825 -sha256 -extfile "$name.ext"
}

rsa="-newkey rsa:2048"
p256="-newkey ec -pkeyopt ec_paramgen_curve:P-256"

make_ca ca "/CN=Fata Test CA" $rsa
make_ca other-ca "/CN=Fata Other CA" $rsa
make_ca ec-ca "/CN=Fata Test EC CA" -newkey ec -pkeyopt ec_paramgen_curve:P-384

make_leaf rsa ca localhost "DNS:localhost,DNS:rsa.example.test,DNS:*.wild.example.test" \
	serverAuth $rsa
quiet openssl rsa -in rsa.key -traditional -out rsa1.key
make_leaf ec ca ec.example.test "DNS:ec.example.test" serverAuth $p256
quiet openssl ec -in ec.key -out ec-sec1.key
mv ec-sec1.key ec.key
make_leaf ec2 ec-ca localhost "DNS:localhost" serverAuth $p256
cat ec2.crt ec-ca.crt > ec2-chain.crt
make_leaf ip ca 192.0.2.12 "IP:192.0.2.10,IP:2001:db8::10,IP:127.0.0.1,DNS:192.0.2.11" serverAuth $p256
make_leaf unknown other-ca localhost "DNS:localhost" serverAuth $rsa
make_leaf client ca "Fata Test Client" "DNS:client.example.test" clientAuth $rsa
make_leaf client-other other-ca "Fata Other Client" "DNS:client.example.test" clientAuth $rsa

# openssl x509 cannot date a certificate in the past; openssl ca can.
quiet openssl req -new -nodes $rsa -keyout expired.key -out expired.csr -subj "/CN=localhost"
printf 'basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost\n' > expired.ext
: > index.txt
printf '[ca]\ndefault_ca=test\n[test]\ndatabase=index.txt\nnew_certs_dir=.\nserial=expired.srl\ndefault_md=sha256\npolicy=any\n[any]\ncommonName=supplied\n' > ca.cnf
echo 1000 > expired.srl
quiet openssl ca -batch -config ca.cnf -cert ca.crt -keyfile ca.key -in expired.csr \
	-out expired.crt -startdate 20200101000000Z -enddate 20200131000000Z \
	-extfile expired.ext -notext

quiet openssl req -x509 -new -nodes $rsa -keyout self.key -out self.crt -days 825 \
	-subj "/CN=localhost" -addext "subjectAltName=DNS:localhost" \
	-addext "basicConstraints=critical,CA:FALSE"

cat ca.crt ec-ca.crt > trust.pem

# An encrypted PKCS#8 key, which the library must refuse.
quiet openssl pkcs8 -topk8 -in rsa.key -out encrypted.key -v2 aes-256-cbc -passout pass:secret
