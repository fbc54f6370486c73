#!/usr/bin/env python3
"""Convert the Echap stalkerware indicators into one STIX 2.1 bundle.

Usage: python3 kb/iocs/convert-echap.py [SOURCE_DIR] [OUTPUT]
  SOURCE_DIR defaults to ../shared/kb-sources/echap-stalkerware (beside the repository)
  OUTPUT     defaults to kb/iocs/echap-stalkerware.stix2

Input: ioc.yaml (families: names, packages, certificates, websites, distribution, c2.domains,
c2.ips / c2.ip), samples.csv (sample SHA-256 per app name). network.csv is only used as a
cross-check (every C2 domain/IP it lists must be in the output).

Output: one `malware` object per family (is_family=true, aliases = other names), one `indicator`
per distinct (family, observable), each linked to its family by an `indicates` relationship.
Patterns follow MVT's conventions:
  [app:id = '...']                package name
  [app:cert.sha1 = '...']         signing-certificate SHA-1 (MVT's convention, lower-case hex)
  [file:hashes.sha256 = '...']    sample APK SHA-256
  [domain-name:value = '...']     C2 domain, vendor website, distribution site
  [ipv4-addr:value = '...']       C2 IPv4 address (ipv6-addr:value for IPv6)
Identifiers are UUIDv5 of the content and timestamps are the snapshot date, so the output is
reproducible byte for byte from the same input.
"""
import csv
import ipaddress
import json
import os
import sys
import uuid

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "..", "shared", "kb-sources", "echap-stalkerware")
OUT = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "echap-stalkerware.stix2")
# Date of the Echap snapshot (commit a04c5c1958bff93fec3b1b56edbb412b209f2a38).
STAMP = "2026-06-21T00:00:00.000Z"
NS = uuid.UUID("6f1d3a52-6c1e-4f0e-9a55-2b1f6f8e0c01")


def sid(kind, *parts):
    return "%s--%s" % (kind, uuid.uuid5(NS, "\x1f".join((kind,) + parts)))


def quote(v):
    return v.replace("\\", "\\\\").replace("'", "\\'")


def as_list(v):
    if v is None:
        return []
    if isinstance(v, list):
        return [str(x).strip() for x in v if x is not None and str(x).strip()]
    return [str(v).strip()]


def main():
    with open(os.path.join(SRC, "ioc.yaml"), encoding="utf-8") as f:
        families = yaml.safe_load(f)
    by_name = {}
    for fam in families:
        by_name.setdefault(fam["name"], fam["name"])
        for alias in as_list(fam.get("names")):
            by_name.setdefault(alias, fam["name"])
    samples = {}
    with open(os.path.join(SRC, "samples.csv"), encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            fam = by_name.get(row["App"].strip())
            if fam is None:
                sys.exit("samples.csv: app %r is not a family or alias in ioc.yaml" % row["App"])
            samples.setdefault(fam, []).append(row["SHA256"].strip().lower())

    objects = []
    counts = {}
    for fam in families:
        name = fam["name"]
        mid = sid("malware", name)
        aliases = [a for a in as_list(fam.get("names")) if a != name]
        mal = {
            "type": "malware", "spec_version": "2.1", "id": mid,
            "created": STAMP, "modified": STAMP, "name": name,
            "description": "Stalkerware application (%s)" % fam.get("type", "stalkerware"),
            "malware_types": ["spyware"], "is_family": True,
        }
        if aliases:
            mal["aliases"] = aliases
        objects.append(mal)
        c2 = fam.get("c2") or {}
        entries = []
        for p in as_list(fam.get("packages")):
            entries.append(("app:id", p, "package name"))
        for c in as_list(fam.get("certificates")):
            entries.append(("app:cert.sha1", c.replace(":", "").lower(), "signing certificate SHA-1"))
        for h in sorted(set(samples.get(name, []))):
            entries.append(("file:hashes.sha256", h, "sample APK SHA-256"))
        for d in as_list(c2.get("domains")):
            entries.append(("domain-name:value", d.lower(), "C2 domain"))
        for ip in as_list(c2.get("ips")) + as_list(c2.get("ip")):
            kind = "ipv6-addr:value" if ipaddress.ip_address(ip).version == 6 else "ipv4-addr:value"
            entries.append((kind, ip, "C2 IP address"))
        for d in as_list(fam.get("websites")):
            entries.append(("domain-name:value", d.lower(), "vendor website"))
        for d in as_list(fam.get("distribution")):
            entries.append(("domain-name:value", d.lower(), "distribution site"))
        seen = set()
        for path, value, what in entries:
            if (path, value) in seen:
                continue
            seen.add((path, value))
            iid = sid("indicator", name, path, value)
            objects.append({
                "type": "indicator", "spec_version": "2.1", "id": iid,
                "created": STAMP, "modified": STAMP,
                "name": "%s %s" % (name, what),
                "indicator_types": ["malicious-activity"],
                "pattern": "[%s = '%s']" % (path, quote(value)),
                "pattern_type": "stix", "pattern_version": "2.1", "valid_from": STAMP,
            })
            objects.append({
                "type": "relationship", "spec_version": "2.1", "id": sid("relationship", iid, mid),
                "created": STAMP, "modified": STAMP, "relationship_type": "indicates",
                "source_ref": iid, "target_ref": mid,
            })
            counts[path] = counts.get(path, 0) + 1

    # Cross-check against network.csv: every C2 indicator it lists must be present.
    have = {(o["pattern"]) for o in objects if o["type"] == "indicator"}
    with open(os.path.join(SRC, "network.csv"), encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            path = "domain-name:value" if row["type"] == "domain" else "ipv4-addr:value"
            val = row["indicator"].strip()
            val = val.lower() if row["type"] == "domain" else val
            if "[%s = '%s']" % (path, quote(val)) not in have:
                sys.exit("network.csv entry missing from output: %r" % row)

    bundle = {"type": "bundle", "id": sid("bundle", "echap-stalkerware", STAMP), "objects": objects}
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(bundle, f, separators=(",", ":"), ensure_ascii=False)
        f.write("\n")
    print("wrote %s: %d families, %s" % (OUT, len(families), counts), file=sys.stderr)


if __name__ == "__main__":
    main()
