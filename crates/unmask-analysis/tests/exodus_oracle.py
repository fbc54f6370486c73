#!/usr/bin/env python3
"""exodus-core's static tracker analysis, offline: the oracle of tests/exodus.rs.

usage: exodus_oracle.py SIGNATURES.json INPUT...
       exodus_oracle.py --match SIGNATURES.json < NAMES
       exodus_oracle.py --synth OUTDIR BASE.apk DONOR.apk
       exodus_oracle.py --findall < DESCRIPTORS

Run with the Python of the venv made by ci/exodus-venv.sh (exodus-core 1.3.15).

exodus-core downloads its tracker list on every run (StaticAnalysis.load_trackers_signatures,
https://reports.exodus-privacy.eu.org/api/trackers). Here the same JSON document
(`{"trackers": {id: {"id", "name", "code_signature", ...}}}`) is read from SIGNATURES.json and
turned into signatures exactly as load_trackers_signatures does (one namedtuple per tracker, in
document order, then exodus's own _compile_signatures); nothing else of exodus is replaced.
Each input then goes through exodus's own StaticAnalysis.detect_trackers(): unzip every entry
matching `classes.*\\.dex` (recursing into `.apk` entries), run `dexdump` on it, take the class
names with `re.findall(r'[A-Z]+((?:\\w+\\/)+\\w+)', ...)`, and report each tracker whose
code signature (longer than 3 characters) `re.search`es one of them. The APK is not otherwise
parsed (androguard's APK object is not needed for trackers). A bare DEX input (magic `dex\n`),
which exodus cannot open, is first stored as `classes.dex` in a temporary zip: the APK exodus
would see if that dex were an app's only code.

With --match, no APK is read: each line of stdin is one class name, passed alone to exodus's
own StaticAnalysis.detect_trackers_in_list([name]) (the regex step alone).

With --findall, each stdin line is a JSON string (a type descriptor as dexdump would print it)
and the answer, one JSON line each, is {"names": the list exodus's class-name extraction gives
for it, `re.findall(r'[A-Z]+((?:\w+\/)+\w+)', text)` (the expression of
StaticAnalysis._get_embedded_classes, which is checked to be in its source), "unassigned":
whether a character of it is unassigned in Python's Unicode database}, after a first line
{"unicode": that database's version}.

With --synth, nothing is analysed: zipfile writes the synthetic inputs of tests/exodus.rs into
OUTDIR, each one BASE.apk's entries plus one more holding DONOR.apk's code where the two tools
look differently: `nested-apk.apk` (DONOR.apk whole as assets/plugin.apk: exodus recurses into
entries named `.*\.apk`), `hidden-dex.apk` (DONOR's classes.dex as assets/data.bin: a dex
under a name exodus does not look at) and `renamed-dex.apk` (the same dex as
assets/classes.dex: a name both look at). It prints the paths written.

Output, one JSON object per line:
  first   {"signatures": [[id, name, code_signature], ...]}  -- what exodus was given
  then, per input, in the order given:
          {"input": PATH, "classes": N, "trackers": [{"id", "name", "class"}, ...],
           "class_list": [every class name exodus extracted, sorted]}
          ("class" is the first name, in sorted order, that the signature matches), or
          {"input": PATH, "error": "..."} when exodus-core raises.
  with --match, per stdin line: {"name": NAME, "ids": [id, ...]}
"""
import json
import os
import re
import sys
import tempfile
import zipfile
from collections import namedtuple

from exodus_core.analysis.static_analysis import StaticAnalysis  # noqa: E402


def load_signatures(path):
    # Same construction as StaticAnalysis.load_trackers_signatures, with the document read
    # from a file instead of requests.get(...).json().
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    signatures = []
    for e in data["trackers"]:
        signatures.append(namedtuple("tracker", data["trackers"][e].keys())(*data["trackers"][e].values()))
    return signatures


def analyze(signatures, path):
    """exodus's detect_trackers on one input; returns (the StaticAnalysis, the trackers found)."""
    sa = StaticAnalysis()
    sa.signatures = signatures
    sa._compile_signatures()
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic != b"dex\n":
        sa.apk_path = path
        return sa, sa.detect_trackers()
    with tempfile.TemporaryDirectory() as tmp:
        wrapped = os.path.join(tmp, "wrapped.apk")
        with zipfile.ZipFile(wrapped, "w") as z:
            z.write(path, "classes.dex")
        sa.apk_path = wrapped
        return sa, sa.detect_trackers()


def match_names(signatures):
    sa = StaticAnalysis()
    sa.signatures = signatures
    sa._compile_signatures()
    for line in sys.stdin:
        name = line.rstrip("\n")
        found = sa.detect_trackers_in_list([name])
        print(json.dumps({"name": name, "ids": [t.id for t in found]}))


def synth(outdir, base, donor):
    with zipfile.ZipFile(donor) as d:
        dex = d.read("classes.dex")
    with open(donor, "rb") as f:
        donor_bytes = f.read()
    cases = [
        ("nested-apk.apk", "assets/plugin.apk", donor_bytes),
        ("hidden-dex.apk", "assets/data.bin", dex),
        ("renamed-dex.apk", "assets/classes.dex", dex),
    ]
    with zipfile.ZipFile(base) as b:
        entries = [(i, b.read(i)) for i in b.infolist()]
    for name, entry, data in cases:
        path = os.path.join(outdir, name)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for info, body in entries:
                z.writestr(info, body)
            z.writestr(entry, data)
        print(path)


CLASS_RE = r'[A-Z]+((?:\w+\/)+\w+)'


def findall():
    import inspect
    src = inspect.getsource(StaticAnalysis._get_embedded_classes)
    if f"re.findall(r'{CLASS_RE}'" not in src:
        sys.exit("exodus's class-name regex is not the expected one")
    import unicodedata
    regex = re.compile(CLASS_RE)
    print(json.dumps({"unicode": unicodedata.unidata_version}))
    for line in sys.stdin:
        text = json.loads(line)
        unassigned = any(unicodedata.category(c) == "Cn" for c in text)
        print(json.dumps({"names": regex.findall(text), "unassigned": unassigned}))


def main():
    args = sys.argv[1:]
    if args == ["--findall"]:
        findall()
        return
    if args and args[0] == "--synth":
        if len(args) != 4:
            sys.exit("usage: exodus_oracle.py --synth OUTDIR BASE.apk DONOR.apk")
        synth(*args[1:])
        return
    match = bool(args) and args[0] == "--match"
    if match:
        args = args[1:]
    if not args:
        sys.exit("usage: exodus_oracle.py [--match] SIGNATURES.json INPUT...")
    # exodus sets androguard's loguru logging to INFO on import; keep stdout for our JSON.
    try:
        from loguru import logger
        logger.remove()
    except (ImportError, ValueError):
        pass
    signatures = load_signatures(args[0])
    print(json.dumps({"signatures": [[t.id, t.name, t.code_signature] for t in signatures]}), flush=True)
    if match:
        match_names(signatures)
        return
    for path in args[1:]:
        try:
            sa, found = analyze(signatures, path)
        except BaseException as e:  # noqa: BLE001 -- SystemExit too (no dexdump), reported per input
            print(json.dumps({"input": path, "error": f"{type(e).__name__}: {e}"}), flush=True)
            continue
        classes = sorted(sa.classes or [])
        index = {id(t): i for i, t in enumerate(signatures)}
        out = []
        for t in found:
            sig = sa.compiled_tracker_signature[index[id(t)]]
            first = next((c for c in classes if sig.search(c)), None)
            out.append({"id": t.id, "name": t.name, "class": first})
        print(json.dumps({"input": path, "classes": len(classes), "trackers": out, "class_list": classes}),
              flush=True)


if __name__ == "__main__":
    main()
