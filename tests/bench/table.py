#!/usr/bin/python3
"""Prints the `make bench` table from the JSON files of one run.

    table.py OUTDIR "SIZES" "MEM_SIZES"

Reads OUTDIR/vanex_TAG.json (bench_engine), OUTDIR/numpy_TAG.json and
OUTDIR/torch_TAG.json (the Python benchmarks; a missing file is reported as
such), and OUTDIR/check_peer.json (check_peer.py) when there is one.  Exits 1 when a method disagrees with vanex by more than 1e-8
relative, or when a size failed.  Standard library only.
"""

import json
import os
import platform
import subprocess
import sys

TOL = 1e-8


def load(outdir, method, tag):
    try:
        with open(os.path.join(outdir, "%s_%s.json" % (method, tag))) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def fmt_time(s):
    if s is None:
        return "-"
    if s >= 100:
        return "%.0f s" % s
    if s >= 1:
        return "%.2f s" % s
    return "%.1f ms" % (s * 1e3)


def cpu_model():
    """'model name (family F model M, N MHz, cache C)' from /proc/cpuinfo."""
    info = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if not line.strip():
                    break
                k, _, v = line.partition(":")
                info[k.strip()] = v.strip()
    except OSError:
        return platform.processor() or "unknown"
    return "%s (family %s model %s, %s MHz, cache %s)" % (
        info.get("model name", "?"), info.get("cpu family", "?"), info.get("model", "?"),
        info.get("cpu MHz", "?").split(".")[0], info.get("cache size", "?"))


def git_rev():
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main():
    outdir, sizes, mem_sizes = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
    bad = False
    first = next((load(outdir, "vanex", t) for t in sizes + mem_sizes
                  if load(outdir, "vanex", t)), None)
    blas = first["blas"] if first else {"threads": "?", "config": "?", "core": "?"}
    print("machine: %s, %d logical cores (os.cpu_count), %s"
          % (cpu_model(), os.cpu_count() or 0, platform.platform()))
    print("BLAS:    %s; core %s; %s thread(s) (OPENBLAS_NUM_THREADS=%s)"
          % (blas["config"], blas["core"], blas["threads"],
             os.environ.get("OPENBLAS_NUM_THREADS", "unset")))
    try:
        with open("/proc/loadavg") as f:
            loadavg = " ".join(f.read().split()[:3])
    except OSError:
        loadavg = "unknown"
    print("load:    %s at the start, %s at the end (1, 5, 15 min averages; other work on"
          " the machine slows every row)" % (os.environ.get("BENCH_LOAD_START", "?"), loadavg))
    py = [r for r in (load(outdir, m, t) for m in ("numpy", "torch") for t in sizes)
          if r and "skipped" not in r]
    vers = {p["method"]: p.get(p["method"]) for p in py if p}
    if vers:
        print("python:  %s" % ", ".join("%s %s" % kv for kv in sorted(vers.items())))
    if first:
        p = first["params"]
        print("model:   act %s, gaussian W with ||W||_2 = %s, inputs %s, input scale %s, seed %s; "
              "t = T; vanex %s" % (p["act"], p["norm"], p["inputs"], p["input_scale"], p["seed"],
                                   git_rev()))
    print()
    head = "%-10s %-15s %12s %9s %11s %10s %15s" % (
        "size", "method", "median time", "x vanex", "vanex/dgemm", "peak MiB", "max rel. diff")
    print(head)
    print("-" * len(head))
    results = {}
    for tag in sizes:
        vx = load(outdir, "vanex", tag)
        if not vx:
            print("%-10s %-15s %s" % (tag, "vanex", "FAILED (no result)"))
            bad = True
            continue
        tv, tf = vx["time_median"], vx["floor_median"]
        results[tag] = {"vanex": tv, "floor": tf}
        print("%-10s %-15s %12s %9s %11.2f %10.1f %15s" % (
            tag, "vanex", fmt_time(tv), "1", tv / tf, vx["peak_rss_mib"], "(reference)"))
        for m in ("numpy", "torch"):
            r = load(outdir, m, tag)
            if r is None:
                print("%-10s %-15s %12s" % ("", m, "not run"))
                continue
            if "skipped" in r:
                print("%-10s %-15s %12s" % ("", m, "skipped: " + r["skipped"]))
                continue
            results[tag][m] = r["time"]
            dis = r["disagreement"]["max"]
            verdict = "ok" if dis <= TOL else "FAIL"
            if dis > TOL:
                bad = True
            name = m + (" (est.)" if r["estimated"] else "")
            note = "" if not r["estimated"] else "  k %d/%d" % (r["k_done"], r["t"])
            print("%-10s %-15s %12s %9.1f %11s %10s %10.1e %-4s%s" % (
                "", name, fmt_time(r["time"]), r["time"] / tv, "",
                "%.0f" % r["peak_rss_mib"], dis, verdict, note))
        print("%-10s %-15s %12s %9.2f %11s %10s %15s" % (
            "", "dgemm floor", fmt_time(tf), tf / tv, "1.00", "", "-"))
    print()
    print("peak MiB: resident set high-water mark of a fresh process per size and method;")
    print("  Python rows include the interpreter, imports and the model (numpy ~%s, torch ~%s MiB"
          % tuple(("%.0f" % min(r["base_rss_mib"] for r in py if r and r["method"] == m))
                  if any(r and r["method"] == m for r in py) else "?" for m in ("numpy", "torch"))
          + " before computing).")
    print("x vanex: the method's time / vanex's time.  max rel. diff: largest relative")
    print("  disagreement with vanex over all norms, step products, bounds, contributions,")
    print("  per-step norms, lambda, L_t and grad_W (normwise), tolerance %.0e." % TOL)
    print("(est.): ran past the time budget: time measured over the last k values and scaled.")

    if mem_sizes:
        print()
        print("%-12s %12s %10s" % ("memory", "vanex time", "peak MiB"))
        for tag in mem_sizes:
            vx = load(outdir, "vanex", tag)
            if not vx:
                print("%-12s %s" % (tag, "FAILED (no result)"))
                bad = True
                continue
            results[tag] = {"rss": vx["peak_rss_mib"]}
            print("%-12s %12s %10.1f" % (tag, fmt_time(vx["time_median"]), vx["peak_rss_mib"]))

    peer = load(outdir, "check", "peer")
    if peer:
        dis = peer["disagreement"]["max"]
        if dis > TOL:
            bad = True
        print()
        print("the whole process, `vanex check --model M --json` against check_numpy.py on the same")
        print("network M (%s, %s; wall time, min of %d and %d runs; load %s at the start, %s at the end):"
              % (peer["size"], peer["act"], len(peer["vanex_times"]), len(peer["numpy_times"]),
                 " ".join(peer["load_start"]), " ".join(peer["load_end"])))
        print("  vanex check %10s   %7.1f MiB" % (fmt_time(peer["vanex"]), peer["vanex_rss_mib"]))
        print("  numpy       %10s   %7.1f MiB   vanex/numpy %.3f   max rel. diff %.1e %s"
              % (fmt_time(peer["numpy"]), peer["numpy_rss_mib"], peer["ratio"], dis,
                 "ok" if dis <= TOL else "FAIL"))
        for r in peer["memory"]:
            print("  vanex check %-18s %10s   %7.1f MiB%s" % (
                r["spec"].replace(":json", " --json"), fmt_time(r["time"]), r["peak_rss_mib"],
                "" if r["status"] == 0 else "  FAILED (exit %d)" % r["status"]))
            if r["status"] != 0:
                bad = True

    print()
    print("targets:")
    r = results.get("256x1000", {})
    if "numpy" in r:
        sp = r["numpy"] / r["vanex"]
        print("  vanex >= 10x faster than numpy at 256x1000: %.1fx  %s" % (sp, "met" if sp >= 10 else "NOT met"))
    if "floor" in r:
        q = r["vanex"] / r["floor"]
        print("  vanex within 1.5x of the dgemm floor at 256x1000: %.2fx  %s" % (q, "met" if q <= 1.5 else "NOT met"))
    if "64x100000" in results:
        m = results["64x100000"]["rss"]
        print("  peak RSS at 64x100000 under 200 MB: %.1f MiB  %s" % (m, "met" if m * 1.048576 < 200 else "NOT met"))
    if peer:
        q = peer["ratio"]
        print("  vanex check <= 0.1x the numpy script at %s: %.3fx  %s" % (peer["size"], q, "met" if q <= 0.1 else "NOT met"))
        for r in peer["memory"]:
            if r["spec"] == "64x100000":
                m = r["peak_rss_mib"]
                print("  vanex check at 64x100000 under 200 MB: %.1f MiB  %s" % (m, "met" if m * 1.048576 < 200 else "NOT met"))
    if "64x1000000" in results:
        print("  64x1000000 runs: yes (%.1f MiB)" % results["64x1000000"]["rss"])
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
