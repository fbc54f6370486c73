#!/usr/bin/env python3
"""Benchmark: `unmask scan --no-code` (manifest, resources, signatures, file facts, the analyses;
no DEX decoding) against `aapt dump badging`, side by side on the same APKs, in one run.

For each APK: one warm-up run of each tool, then N runs alternating between them; the median
wall time, CPU time and peak RSS (from wait4) of each, and the ratio aapt/unmask (> 1 means
unmask is faster). Both unmask modes are timed: with the MD5/SHA-1/SHA-256 of the file (the
default) and with `--no-hash`. With `--baseline PATH`, a second unmask binary (say, the build
before a change) is timed in the same alternation, so before/after see the same load.

unmask runs with UNMASK_ANALYSIS_TIMING=1, which makes `unmask scan` print how long each phase
took (millisecond resolution); the `report` phase is the app model (the ZIP walk, manifest,
resources, signatures, file facts, hashes) and is shown separately from the analyses that
follow it.

The machine is shared: the load average is recorded at the start and the end, and CPU time is
reported beside wall time (steadier under load).

usage: bench/scan_vs_aapt.py [--runs N] [--unmask PATH] [--baseline PATH] [--out FILE]
                             [--note TEXT] [--aggregate] [APK or DIR ...]
default inputs: ../shared/corpus/real/*.apk
default output: bench/results/scan-vs-aapt-<date>.md, or -2, -3... when that file exists
"""
import argparse, datetime, os, pathlib, platform, re, statistics, subprocess, sys, time

ROOT = pathlib.Path(__file__).resolve().parent.parent
REPORT_LAP = re.compile(r"^\s*report[^:]*:\s*([0-9.]+)s", re.M)


def run(cmd, env=None):
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    err = p.stderr.read().decode("utf-8", "replace")
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    m = REPORT_LAP.search(err)
    lap = float(m.group(1)) if m else None
    return wall, ru.ru_maxrss / 1024.0, os.waitstatus_to_exitcode(status), ru.ru_utime + ru.ru_stime, lap


def out_path(arg):
    if arg:
        return pathlib.Path(arg)
    date = datetime.date.today().isoformat()
    base = ROOT / "bench/results" / f"scan-vs-aapt-{date}.md"
    n = 2
    dest = base
    while dest.exists():
        dest = base.with_name(f"scan-vs-aapt-{date}-{n}.md")
        n += 1
    return dest


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--unmask", default=str(ROOT / "target/release/unmask"))
    ap.add_argument("--baseline", help="a second unmask binary, timed in the same alternation")
    ap.add_argument("--out", help="report file (default: a new bench/results/scan-vs-aapt-<date>[-N].md)")
    ap.add_argument("--note", default="", help="a paragraph for the top of the report")
    ap.add_argument("--aggregate", action="store_true",
                    help="print only the totals over the inputs (for a set such as DroidBench)")
    ap.add_argument("--with-analysis", action="store_true",
                    help="time `unmask scan --no-code` with the analyses (default: --no-analysis, "
                         "the app model only, which is what aapt dump badging covers)")
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
    env = dict(os.environ, UNMASK_ANALYSIS_TIMING="1")
    variants = [("unmask", a.unmask, []), ("nohash", a.unmask, ["--no-hash"])]
    if a.baseline:
        variants += [("base", a.baseline, []), ("base-nohash", a.baseline, ["--no-hash"])]
    load_start = os.getloadavg()
    started = time.time()
    rows = []
    for apk in apks:
        tools = {"aapt": (["aapt", "dump", "badging", str(apk)], None)}
        for name, binary, extra in variants:
            mode = [] if a.with_analysis else ["--no-analysis"]
            tools[name] = ([binary, "scan", "--no-code", *mode, *extra, "--format", "json", str(apk)], env)
        res = {k: [] for k in tools}
        codes = {}
        for k, (cmd, e) in tools.items():
            codes[k] = run(cmd, e)[2]
        for _ in range(a.runs):
            for k, (cmd, e) in tools.items():
                w, rss, _, cpu, lap = run(cmd, e)
                res[k].append((w, rss, cpu, lap))

        def med(v, i):
            xs = [x[i] for x in v if x[i] is not None]
            return statistics.median(xs) if xs else None

        rows.append((apk, {k: tuple(med(v, i) for i in range(4)) for k, v in res.items()}, codes))
    load_end = os.getloadavg()
    minutes = (time.time() - started) / 60

    def ratio(x, y):
        return x / y if x and y else float("nan")

    def ms(x):
        return "—" if x is None else f"{x * 1000:.1f} ms"

    date = datetime.date.today().isoformat()
    names = [v[0] for v in variants]
    out = [f"# unmask scan --no-code vs aapt dump badging ({date})", ""]
    if a.note:
        out += [a.note, ""]
    out += [
        f"Machine: {os.cpu_count()} cores, {platform.platform()}. Load average (1/5/15 min) "
        f"{load_start[0]:.2f}/{load_start[1]:.2f}/{load_start[2]:.2f} at the start, "
        f"{load_end[0]:.2f}/{load_end[1]:.2f}/{load_end[2]:.2f} at the end ({minutes:.0f} min): "
        "above 2, other work shared the cores; compare ratios (both sides saw the same load) "
        f"and CPU times more than absolute walls. {a.runs} alternating runs per APK after one "
        "warm-up of each; medians.",
        "",
        f"`unmask` is `{pathlib.Path(a.unmask).name} scan --no-code "
        f"{'' if a.with_analysis else '--no-analysis '}--format json` (no DEX decoding): besides "
        "what aapt prints it hashes the file (MD5, SHA-1, SHA-256), resolves resources, reads "
        "every signature and dex header, sniffs every entry for hidden payloads, checks every "
        "local header" + (", and runs the analyses (findings) on what it read" if a.with_analysis
                           else " (no knowledge base, no analyses: the app model aapt's output covers)")
        + ". `--no-hash` skips the "
        "hashes. `report` is the median time of unmask's own `report` phase "
        "(UNMASK_ANALYSIS_TIMING, millisecond resolution): the app model without the analyses, "
        "the work closest to aapt's. Ratios are aapt/unmask: above 1 means unmask is faster.",
    ]
    if a.baseline:
        out += ["", f"`before` is `{a.baseline}`, timed in the same alternation."]
    out += [""]
    head = "| APK | size | aapt | unmask | ratio | report | --no-hash | ratio | report |"
    sep = "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    if a.baseline:
        head += " before | ratio | before --no-hash | ratio | report |"
        sep += "---:|---:|---:|---:|---:|"
    out += [head + " RSS aapt / unmask / --no-hash | exit codes |", sep + "---|---|"]
    for apk, m, codes in [] if a.aggregate else rows:
        line = (f"| {apk.name} | {apk.stat().st_size / 1e6:.1f} MB | {ms(m['aapt'][0])} | "
                f"{ms(m['unmask'][0])} | **{ratio(m['aapt'][0], m['unmask'][0]):.2f}×** | {ms(m['unmask'][3])} | "
                f"{ms(m['nohash'][0])} | **{ratio(m['aapt'][0], m['nohash'][0]):.2f}×** | {ms(m['nohash'][3])} |")
        if a.baseline:
            line += (f" {ms(m['base'][0])} | {ratio(m['aapt'][0], m['base'][0]):.2f}× | "
                     f"{ms(m['base-nohash'][0])} | {ratio(m['aapt'][0], m['base-nohash'][0]):.2f}× | "
                     f"{ms(m['base-nohash'][3])} |")
        line += (f" {m['aapt'][1]:.0f} / {m['unmask'][1]:.0f} / {m['nohash'][1]:.0f} MiB | "
                 + "/".join(str(codes[k]) for k in ["aapt", *names]) + " |")
        out.append(line)
    if rows:
        tot = {k: sum(m[k][0] for _, m, _ in rows) for k in ["aapt", *names]}
        cpu = {k: sum(m[k][2] for _, m, _ in rows) for k in ["aapt", *names]}
        rep = {k: sum(m[k][3] or 0 for _, m, _ in rows) for k in names}
        line = (f"| **all {len(rows)}** | | {ms(tot['aapt'])} | {ms(tot['unmask'])} | "
                f"**{ratio(tot['aapt'], tot['unmask']):.2f}×** | {ms(rep['unmask'])} | {ms(tot['nohash'])} | "
                f"**{ratio(tot['aapt'], tot['nohash']):.2f}×** | {ms(rep['nohash'])} |")
        if a.baseline:
            line += (f" {ms(tot['base'])} | {ratio(tot['aapt'], tot['base']):.2f}× | {ms(tot['base-nohash'])} | "
                     f"{ratio(tot['aapt'], tot['base-nohash']):.2f}× | {ms(rep['base-nohash'])} |")
        out.append(line + " | |")
        out += ["", "CPU time (user + system, from rusage), summed over the APKs: "
                + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in cpu.items())
                + "; ratios aapt/x: " + ", ".join(f"{k} {ratio(cpu['aapt'], cpu[k]):.2f}×" for k in names) + "."]
        failed = {k: sum(1 for _, _, c in rows if c[k] != 0) for k in ["aapt", *names]}
        if any(failed.values()):
            out += ["", "Non-zero exit codes (warm-up run): " + ", ".join(f"{k} {v}" for k, v in failed.items()) + "."]
    if rows and not a.aggregate:
        out += ["", "Per APK, median CPU time: " + "; ".join(
            f"{apk.name} " + ", ".join(f"{k} {ms(m[k][2])}" for k in ["aapt", *names]) for apk, m, _ in rows) + "."]
    text = "\n".join(out) + "\n"
    print(text)
    dest = out_path(a.out)
    dest.write_text(text)
    print(f"written to {dest}", file=sys.stderr)


if __name__ == "__main__":
    main()
