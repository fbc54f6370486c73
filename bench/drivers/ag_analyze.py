#!/usr/bin/env python3
"""androguard AnalyzeAPK driver for bench/compare (the `dex` task).

usage: ag_analyze.py APK

AnalyzeAPK(path) = APK() + every classes*.dex parsed (DEX) + Analysis with create_xref()
(the cross-reference indexes), the equivalent of `unmask dex APK --all`.
All loguru handlers are removed after the imports, so androguard spends no time filtering
log records: this is androguard at its fastest, not as its CLI runs (set_log("ERROR")).
Prints one JSON line: import time, in-process analysis time, classes and methods found.
"""
import json
import sys
import time

t0 = time.perf_counter()
from loguru import logger  # noqa: E402
from androguard.misc import AnalyzeAPK  # noqa: E402

logger.remove()
t1 = time.perf_counter()
a, d, dx = AnalyzeAPK(sys.argv[1])
t2 = time.perf_counter()
print(json.dumps({
    "import_s": t1 - t0,
    "analysis_s": t2 - t1,
    "dex_files": len(d),
    "classes": sum(1 for _ in dx.get_classes()),
    "methods": sum(1 for _ in dx.get_methods()),
}))
