#!/usr/bin/env python3
"""androguard APK() driver for bench/compare.

usage: ag_apk.py manifest|certs APK

  manifest: APK(path), then the package name and the requested permissions are read.
  certs:    APK(path), then is_signed_v1/v2/v3() and get_certificates() (parsing only,
            androguard does not verify digests here, nor does unmask).

All loguru handlers are removed after the imports (androguard logs at DEBUG to stderr by
default, and that filtering alone costs it 25-35%): this is androguard at its fastest.
Prints one JSON line on stdout: the import time, the in-process analysis time (perf_counter
around the calls above only) and a few facts to check that the work was really done.
"""
import json
import sys
import time

t0 = time.perf_counter()
from loguru import logger  # noqa: E402
from androguard.core.apk import APK  # noqa: E402

logger.remove()
t1 = time.perf_counter()

mode, path = sys.argv[1], sys.argv[2]
facts = {}
a = APK(path)
if mode == "manifest":
    facts["package"] = a.get_package()
    facts["permissions"] = len(a.get_permissions())
elif mode == "certs":
    facts["signed"] = [a.is_signed_v1(), a.is_signed_v2(), a.is_signed_v3()]
    facts["certificates"] = len(a.get_certificates())
else:
    sys.exit("unknown mode " + mode)
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "analysis_s": t2 - t1, **facts}))
