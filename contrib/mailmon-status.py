#!/usr/bin/env python3
# mailmon-status.py HOST[:PORT] [COMMUNITY] - one line per probe of mailmond:
# name, status, reason.  pysnmp (Debian: python3-pysnmp4), no MIB files.
import sys
from pysnmp.hlapi import (SnmpEngine, CommunityData, UdpTransportTarget,
                          ContextData, ObjectType, ObjectIdentity, nextCmd)

ENTRY = (1, 3, 6, 1, 4, 1, 2789, 5, 2, 3, 1)    # MAILMON-MIB::mailmonProbeEntry
STATUS, REASON = 6, 10                          # two of its columns
NAMES = {1: "ok", 2: "warning", 3: "critical", 4: "unknown"}

host, _, port = sys.argv[1].partition(":")
community = sys.argv[2] if len(sys.argv) > 2 else "public"
for err, status, _, row in nextCmd(
        SnmpEngine(), CommunityData(community),
        UdpTransportTarget((host, int(port or 161))), ContextData(),
        ObjectType(ObjectIdentity(ENTRY + (STATUS,))),
        ObjectType(ObjectIdentity(ENTRY + (REASON,))),
        lexicographicMode=False):
    if err or status:
        sys.exit("mailmon-status: %s" % (err or status.prettyPrint()))
    (oid, st), (_, reason) = row
    index = tuple(oid)[len(ENTRY) + 1:]         # the name's length, its bytes
    name = bytes(index[1:]).decode()
    print("%-16s %-8s %s" % (name, NAMES.get(int(st), st), reason))
