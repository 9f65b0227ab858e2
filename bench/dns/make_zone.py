#!/usr/bin/env python3
"""Write the zone and the dnsperf query file of the DNS benchmark (bench/dns.sh).

    make_zone.py ZONE_FILE QUERY_FILE [--names N] [--queries Q] [--seed S]

The zone bench.example. has N host names h00000 to h<N-1>, each with an A
record, and these records by the host's number i:

    AAAA   when i is even
    MX     when i is odd, naming host i+1 (which has A and AAAA)
    TXT    when i % 4 is 0 or 3

so 4,000 names give 10,000 host records, plus the SOA, the NS and the A of
ns1. Names are zero-padded, so the file is in DNSSEC canonical order.

The query file has Q lines "NAME TYPE" in a random order fixed by the seed:
70 % for records that exist, 15 % for names that do not exist (NXDOMAIN)
and 15 % for existing names with a type they do not have (NODATA: NOERROR
with an empty answer section). The zone and the queries use only documentation addresses
(RFC 5737, RFC 3849) and the reserved name "example" (RFC 2606).
"""

import argparse
import random
import sys

ORIGIN = "bench.example."
HOST_TYPES = ("A", "AAAA", "MX", "TXT")
POSITIVE_SHARE = 0.70
NXDOMAIN_SHARE = 0.15


def host_types(i):
    """Return the record types that host i owns, in HOST_TYPES order."""
    types = ["A"]
    if i % 2 == 0:
        types.append("AAAA")
    if i % 2 == 1:
        types.append("MX")
    if i % 4 in (0, 3):
        types.append("TXT")
    return types


def host_name(i):
    return "h%05d" % i


def host_records(i, names):
    """Return the zone-file lines of host i."""
    owner = host_name(i)
    lines = []
    for rtype in host_types(i):
        if rtype == "A":
            # 198.51.100.0/24 and 203.0.113.0/24, one address per host, wrapping.
            net = "198.51.100" if (i // 254) % 2 == 0 else "203.0.113"
            rdata = "%s.%d" % (net, i % 254 + 1)
        elif rtype == "AAAA":
            rdata = "2001:db8:%x::%x" % (i // 65536, i % 65536 + 1)
        elif rtype == "MX":
            rdata = "10 %s" % host_name((i + 1) % names)
        else:
            rdata = '"v=spf1 ip4:198.51.100.0/24 -all" "host %d of the DNS benchmark"' % i
        lines.append("%s\t3600\tIN\t%s\t%s" % (owner, rtype, rdata))
    return lines


def write_zone(path, names):
    with open(path, "w", encoding="ascii") as out:
        out.write("$ORIGIN %s\n$TTL 3600\n" % ORIGIN)
        out.write("@\tIN\tSOA\tns1 hostmaster 2024010101 7200 3600 1209600 300\n")
        out.write("@\tIN\tNS\tns1\n")
        for i in range(names):
            for line in host_records(i, names):
                out.write(line + "\n")
        # "ns1" sorts after every "h" name, which keeps the file in canonical order.
        out.write("ns1\tIN\tA\t192.0.2.53\n")
    return sum(len(host_types(i)) for i in range(names))


def make_queries(names, count, rng):
    """Return (lines, kinds): `count` query lines and how many of each kind."""
    lines = []
    kinds = {"positive": 0, "nxdomain": 0, "nodata": 0}
    for _ in range(count):
        draw = rng.random()
        i = rng.randrange(names)
        if draw < POSITIVE_SHARE:
            label, rtype, kind = host_name(i), rng.choice(host_types(i)), "positive"
        elif draw < POSITIVE_SHARE + NXDOMAIN_SHARE:
            # Half the missing names look like hosts past the last one, half have another prefix.
            label = host_name(names + i) if i % 2 else "nx%05d" % i
            rtype, kind = rng.choice(HOST_TYPES), "nxdomain"
        else:
            missing = [t for t in HOST_TYPES if t not in host_types(i)]
            label, rtype, kind = host_name(i), rng.choice(missing), "nodata"
        lines.append("%s.%s %s" % (label, ORIGIN, rtype))
        kinds[kind] += 1
    return lines, kinds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("zone_file")
    parser.add_argument("query_file")
    parser.add_argument("--names", type=int, default=4000,
                        help="host names in the zone, 2 to 99999 (default 4000)")
    parser.add_argument("--queries", type=int, default=100000,
                        help="lines in the query file (default 100000)")
    parser.add_argument("--seed", type=int, default=1,
                        help="seed of the query order (default 1)")
    args = parser.parse_args()
    if not 2 <= args.names <= 99999:
        parser.error("--names must be 2 to 99999, got %d" % args.names)
    if args.queries < 1:
        parser.error("--queries must be at least 1, got %d" % args.queries)

    records = write_zone(args.zone_file, args.names)
    lines, kinds = make_queries(args.names, args.queries, random.Random(args.seed))
    with open(args.query_file, "w", encoding="ascii") as out:
        out.write("\n".join(lines) + "\n")
    print("zone %s: %d host names, %d host records (A, AAAA, MX, TXT) plus SOA, NS and A of ns1"
          % (ORIGIN, args.names, records))
    print("queries: %d: %d existing records, %d NXDOMAIN, %d NODATA"
          % (args.queries, kinds["positive"], kinds["nxdomain"], kinds["nodata"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
