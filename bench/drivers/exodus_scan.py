#!/usr/bin/env python3
"""exodus-core static analysis driver for bench/compare (the `trackers` task).

usage: exodus_scan.py SIGNATURES.json APK

exodus-core downloads its tracker signatures from the network on every run; offline, the same
JSON (`{"trackers": {id: {..., "code_signature": ...}}}`) is read from SIGNATURES.json and fed
through exodus's own path (a namedtuple per tracker, then _compile_signatures), before the
timer starts. The timed analysis is what `exodus_core` does for a report: load the APK
(androguard 4.1.1), package, permissions, libraries, certificates, then detect_trackers(), which
unzips each classes*.dex, runs `dexdump` on it, extracts the class names and matches them
against every signature. Loguru handlers (exodus sets androguard's log to INFO on import) are
removed after the imports.
Prints one JSON line: import time, in-process analysis time, classes listed, trackers found.
"""
import json
import sys
import time
from collections import namedtuple

t0 = time.perf_counter()
from loguru import logger  # noqa: E402
from exodus_core.analysis.static_analysis import StaticAnalysis  # noqa: E402

logger.remove()
t1 = time.perf_counter()

with open(sys.argv[1], encoding="utf-8") as f:
    data = json.load(f)
sa = StaticAnalysis()
sa.signatures = [namedtuple("tracker", t.keys())(*t.values()) for t in data["trackers"].values()]
sa._compile_signatures()

t2 = time.perf_counter()
sa.apk_path = sys.argv[2]
sa.load_apk()
facts = {
    "package": sa.get_package(),
    "permissions": len(sa.get_permissions()),
    "libraries": len(sa.get_libraries()),
    "certificates": len(sa.get_certificates()),
}
trackers = sa.detect_trackers()
t3 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "analysis_s": t3 - t2, "signatures": len(sa.signatures),
                  "classes": len(sa.classes or []), "trackers": sorted(t.name for t in trackers),
                  **facts}))
