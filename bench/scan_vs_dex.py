#!/usr/bin/env python3
"""Benchmark: the full `unmask scan` (every analysis, JSON out) against DEX decoding alone
(`unmask dex FILE`: parse every dex, decode every method, build the cross-reference index),
side by side on the same APKs, in one run. Issue 4's goal: the full scan stays within 2x the
time of DEX decoding alone.

For each APK: one warm-up of each command, then N runs alternating A/B; the median wall time,
CPU time (user + system, from wait4) and peak RSS of each, and the ratio scan/dex (<= 2 is the
goal). Totals over DroidBench (or any folder given with --aggregate) are reported as one row.
Prints a Markdown table and writes bench/results/scan-vs-dex-<date>.md.

usage: bench/scan_vs_dex.py [--runs N] [--unmask PATH] [--aggregate DIR] [APK or DIR ...]
default inputs: ../shared/corpus/real/*.apk, aggregate ../shared/corpus/droidbench
"""
import argparse, datetime, os, pathlib, platform, statistics, subprocess, sys, time

ROOT = pathlib.Path(__file__).resolve().parent.parent


def run(cmd):
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024.0, os.waitstatus_to_exitcode(status)


def measure(cmds, runs):
    codes = {k: run(c)[3] for k, c in cmds.items()}  # warm-up
    res = {k: [] for k in cmds}
    for _ in range(runs):
        for k, c in cmds.items():
            res[k].append(run(c))
    med = {k: tuple(statistics.median(x[i] for x in v) for i in range(3)) for k, v in res.items()}
    return med, codes


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--unmask", default=str(ROOT / "target/release/unmask"))
    ap.add_argument("--aggregate", default=str(ROOT.parent / "shared/corpus/droidbench"))
    ap.add_argument("--out", help="results file name under bench/results (default: a new scan-vs-dex-<date>.md, or -2, -3... when that exists)")
    ap.add_argument("--no-build", action="store_true", help="use the --unmask binary as it is")
    ap.add_argument("inputs", nargs="*")
    a = ap.parse_args()
    if not a.inputs:
        a.inputs = [str(ROOT.parent / "shared/corpus/real")]
    apks = []
    for i in a.inputs:
        p = pathlib.Path(i)
        apks += sorted(p.rglob("*.apk")) if p.is_dir() else [p]
    if not a.no_build:
        subprocess.check_call(["cargo", "build", "--release", "-q", "-p", "unmask-cli"], cwd=ROOT)
    load0 = os.getloadavg()
    rows = []
    for apk in apks:
        cmds = {
            "dex": [a.unmask, "dex", str(apk)],
            "scan": [a.unmask, "scan", "--format", "json", str(apk)],
        }
        med, codes = measure(cmds, a.runs)
        rows.append((apk.name, apk.stat().st_size, med, codes))
    agg = pathlib.Path(a.aggregate)
    agg_apks = sorted(agg.rglob("*.apk")) if agg.is_dir() else []
    if agg_apks:
        # One process per APK, like a user scanning files one by one; summed.
        tot = {"dex": [0.0, 0.0, 0.0], "scan": [0.0, 0.0, 0.0]}
        for apk in agg_apks:
            med, _ = measure({"dex": [a.unmask, "dex", str(apk)],
                              "scan": [a.unmask, "scan", "--format", "json", str(apk)]}, max(1, a.runs // 3))
            for k in tot:
                tot[k][0] += med[k][0]
                tot[k][1] += med[k][1]
                tot[k][2] = max(tot[k][2], med[k][2])
    load1 = os.getloadavg()
    date = datetime.date.today().isoformat()
    out = [f"# Full `unmask scan` vs DEX decoding alone ({date})", "",
           f"Machine: {os.cpu_count()} cores, {platform.platform()}; load average at start "
           f"{load0[0]:.2f}, at end {load1[0]:.2f} (above the core count, other work shared the cores). "
           f"{a.runs} alternating runs after one warm-up; medians per APK.", "",
           "`dex` is `unmask dex FILE` (every dex parsed, every method decoded, the index built); "
           "`scan` is `unmask scan --format json FILE` (the report, hashes, every dex decoded once, "
           "strings of resources/assets/native libraries, every analysis, indicator matching, JSON). "
           "Ratio = scan / dex: **the goal is at most 2×**. CPU is user + system time.", "",
           "| APK | size | dex wall / CPU / RSS | scan wall / CPU / RSS | ratio wall | ratio CPU | exit |",
           "|---|---:|---|---|---:|---:|---|"]
    r = lambda x, y: x / y if y else float("nan")
    for name, size, med, codes in rows:
        d, s = med["dex"], med["scan"]
        out.append(f"| {name} | {size/1e6:.1f} MB | {d[0]*1000:.0f} ms / {d[1]*1000:.0f} ms / {d[2]:.0f} MiB | "
                   f"{s[0]*1000:.0f} ms / {s[1]*1000:.0f} ms / {s[2]:.0f} MiB | **{r(s[0], d[0]):.2f}×** | "
                   f"{r(s[1], d[1]):.2f}× | {codes['dex']}/{codes['scan']} |")
    if agg_apks:
        d, s = tot["dex"], tot["scan"]
        out.append(f"| **{agg.name}: {len(agg_apks)} APKs, summed** | | {d[0]*1000:.0f} ms / {d[1]*1000:.0f} ms / ≤{d[2]:.0f} MiB | "
                   f"{s[0]*1000:.0f} ms / {s[1]*1000:.0f} ms / ≤{s[2]:.0f} MiB | **{r(s[0], d[0]):.2f}×** | "
                   f"{r(s[1], d[1]):.2f}× | |")
    out += ["", "An APK without dex (framework-res) gives exit 1 for `dex` (nothing to decode); its ratio "
            "compares against a process that only opens the file and is not meaningful."]
    text = "\n".join(out) + "\n"
    print(text)
    if a.out:
        dest = ROOT / "bench/results" / a.out
    else:
        # A new file: an earlier report is never replaced (-2, -3... when the name is taken).
        base = ROOT / "bench/results" / f"scan-vs-dex-{date}.md"
        dest, n = base, 2
        while dest.exists():
            dest = base.with_name(f"scan-vs-dex-{date}-{n}.md")
            n += 1
    dest.write_text(text)
    print(f"written to {dest}", file=sys.stderr)


if __name__ == "__main__":
    main()
