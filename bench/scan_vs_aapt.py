#!/usr/bin/env python3
"""Benchmark: `unmask scan --no-code` (manifest, resources, signatures, file facts; no DEX analysis)
against `aapt dump badging`, side by side on the same APKs, in one run.

For each APK: one warm-up run of each tool, then N runs alternating A/B; the median wall time
and the median peak RSS (from wait4) of each, and the ratio aapt/unmask (> 1 means unmask is
faster). Prints a Markdown table and writes it to bench/results/scan-vs-aapt-<date>.md.

usage: bench/scan_vs_aapt.py [--runs N] [--unmask PATH] [APK or DIR ...]
default inputs: ../shared/corpus/real/*.apk
"""
import argparse, datetime, os, pathlib, platform, statistics, subprocess, sys, time

ROOT = pathlib.Path(__file__).resolve().parent.parent


def run(cmd):
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    return wall, ru.ru_maxrss / 1024.0, os.waitstatus_to_exitcode(status), ru.ru_utime + ru.ru_stime


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--unmask", default=str(ROOT / "target/release/unmask"))
    ap.add_argument("inputs", nargs="*")
    a = ap.parse_args()
    if not a.inputs:
        a.inputs = [str(ROOT.parent / "shared/corpus/real")]
    apks = []
    for i in a.inputs:
        p = pathlib.Path(i)
        apks += sorted(p.rglob("*.apk")) if p.is_dir() else [p]
    if not pathlib.Path(a.unmask).exists():
        subprocess.check_call(["cargo", "build", "--release", "-p", "unmask-cli"], cwd=ROOT)
    rows = []
    for apk in apks:
        tools = {
            "aapt": ["aapt", "dump", "badging", str(apk)],
            "unmask": [a.unmask, "scan", "--no-code", "--format", "json", str(apk)],
            "nohash": [a.unmask, "scan", "--no-code", "--no-hash", "--format", "json", str(apk)],
        }
        res = {k: [] for k in tools}
        codes = {}
        for k, cmd in tools.items():
            codes[k] = run(cmd)[2]
        for _ in range(a.runs):
            for k, cmd in tools.items():
                w, rss, _, cpu = run(cmd)
                res[k].append((w, rss, cpu))
        med = {k: (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v),
                   statistics.median(x[2] for x in v)) for k, v in res.items()}
        rows.append((apk, med, codes))
    date = datetime.date.today().isoformat()
    out = [f"# unmask scan vs aapt dump badging ({date})", "",
           f"Machine: {os.cpu_count()} cores, {platform.platform()}. {a.runs} alternating runs after one warm-up; medians.",
           "`unmask` is `unmask scan --no-code --format json` (no DEX analysis): it also "
           "computes MD5, SHA-1 and SHA-256 of the whole file, resolves resources, reads every signature, reads the dex "
           "headers and sniffs every entry, none of which aapt does. "
           "`--no-hash` is the same scan without the three hashes, the work closest to aapt's. Ratios are aapt/unmask: "
           "above 1 means unmask is faster.", "",
           "| APK | size | aapt | unmask | ratio | unmask --no-hash | ratio | RSS aapt / unmask / --no-hash | exit codes |",
           "|---|---:|---:|---:|---:|---:|---:|---|---|"]
    def ratio(a, b):
        return a / b if b else float("nan")
    for apk, med, codes in rows:
        out.append(f"| {apk.name} | {apk.stat().st_size/1e6:.1f} MB | {med['aapt'][0]*1000:.1f} ms | {med['unmask'][0]*1000:.1f} ms | "
                   f"**{ratio(med['aapt'][0], med['unmask'][0]):.2f}×** | {med['nohash'][0]*1000:.1f} ms | "
                   f"**{ratio(med['aapt'][0], med['nohash'][0]):.2f}×** | "
                   f"{med['aapt'][1]:.0f} / {med['unmask'][1]:.0f} / {med['nohash'][1]:.0f} MiB | "
                   f"{codes['aapt']}/{codes['unmask']}/{codes['nohash']} |")
    tot = {k: sum(m[k][0] for _, m, _ in rows) for k in ("aapt", "unmask", "nohash")}
    cpu = {k: sum(m[k][2] for _, m, _ in rows) for k in ("aapt", "unmask", "nohash")}
    if rows:
        out.append(f"| **all {len(rows)}** | | {tot['aapt']*1000:.0f} ms | {tot['unmask']*1000:.0f} ms | "
                   f"**{ratio(tot['aapt'], tot['unmask']):.2f}×** | {tot['nohash']*1000:.0f} ms | "
                   f"**{ratio(tot['aapt'], tot['nohash']):.2f}×** | | |")
        out += ["", "CPU time (user + system, from rusage; steadier than wall time on a loaded machine), "
                "summed over the APKs: " + ", ".join(f"{k} {v*1000:.0f} ms" for k, v in cpu.items())
                + f"; ratio aapt/unmask {ratio(cpu['aapt'], cpu['unmask']):.2f}×, "
                f"aapt/unmask --no-hash {ratio(cpu['aapt'], cpu['nohash']):.2f}×."]
    text = "\n".join(out) + "\n"
    print(text)
    dest = ROOT / "bench/results" / f"scan-vs-aapt-{date}.md"
    dest.write_text(text)
    print(f"written to {dest}", file=sys.stderr)


if __name__ == "__main__":
    main()
