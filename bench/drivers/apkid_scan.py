#!/usr/bin/env python3
"""APKiD driver for bench/compare (the `packers` task).

usage: apkid_scan.py APK

Same options as the `apkid` CLI defaults (yara timeout 30 s, typing=magic, scan depth 2,
entries up to 100 MiB, no tracker rules). The timed analysis includes loading the precompiled
rules (the CLI loads them on every run) and scanning the APK with every nested dex/zip/ELF.
Prints one JSON line: import time, in-process analysis time, number of files with matches, the
rule names that matched, and `labels`: what the apkid CLI prints, its matches' tags (packer,
obfuscator, protector, anti_vm, anti_debug, compiler, ...) each with the rules' descriptions,
over the APK and every file inside it, without the `file_type` and `tracker` tags the CLI hides
by default (built after the timer stops).
"""
import json
import sys
import time

t0 = time.perf_counter()
from apkid.apkid import Options, Scanner  # noqa: E402
t1 = time.perf_counter()

options = Options(timeout=30, json=True, typing="magic", scan_depth=2,
                  entry_max_scan_size=100 * 1024 * 1024)
rules = options.rules_manager.load()
results = Scanner(rules, options).scan_file(sys.argv[1])
t2 = time.perf_counter()
names = sorted({m.rule for matches in results.values() for m in matches})
labels = {}
for matches in results.values():
    for m in matches:
        if "file_type" in m.tags or "tracker" in m.tags:  # hidden by the CLI's defaults
            continue
        tag = ", ".join(sorted(m.tags))
        labels.setdefault(tag, set()).add(str(m.meta.get("description", m.rule)))
print(json.dumps({"import_s": t1 - t0, "analysis_s": t2 - t1,
                  "files_matched": len(results), "rules": names,
                  "labels": {t: sorted(d) for t, d in sorted(labels.items())}}))
