#!/usr/bin/env python3
"""Throughput driver for bench/compare: androguard over many APKs with a process pool.

usage: ag_pool.py apk|analyze JOBS LISTFILE

LISTFILE has one APK path per line. Each worker runs, per APK, the same calls as ag_apk.py
(manifest + certificates: mode `apk`) or ag_analyze.py (mode `analyze`). androguard is
imported once in the parent (workers are forked), loguru handlers removed. Prints one JSON line: number done, number failed, in-process seconds.
"""
import json
import multiprocessing
import sys
import time


def work(job):
    mode, path = job
    try:
        if mode == "apk":
            from androguard.core.apk import APK
            a = APK(path)
            a.get_package()
            a.get_permissions()
            a.get_certificates()
        else:
            from androguard.misc import AnalyzeAPK
            AnalyzeAPK(path)
        return True
    except Exception:  # a crash on one APK is counted, the others go on
        return False


def main():
    mode, jobs, listfile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    # Import once in the parent: the forked workers inherit the loaded modules and pay no
    # import time per APK.
    from loguru import logger
    import androguard.core.apk  # noqa: F401
    import androguard.misc  # noqa: F401
    logger.remove()
    with open(listfile, encoding="utf-8") as f:
        paths = [line.rstrip("\n") for line in f if line.strip()]
    t0 = time.perf_counter()
    # maxtasksperchild=1: a fresh worker per APK, as a user's shell loop would get, and no
    # memory carried over from one huge APK to the next.
    with multiprocessing.get_context("fork").Pool(jobs, maxtasksperchild=1) as pool:
        ok = pool.map(work, [(mode, p) for p in paths], chunksize=1)
    t1 = time.perf_counter()
    print(json.dumps({"done": sum(ok), "failed": len(ok) - sum(ok), "analysis_s": t1 - t0}))


if __name__ == "__main__":
    main()
