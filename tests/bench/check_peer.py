#!/usr/bin/python3
"""`vanex check` as a whole process against check_numpy.py, and check's memory.

    check_peer.py OUTDIR VANEX [REPS]

1. `VANEX check --hidden D --steps T --act A --seed 1 --json` writes the
   network (BENCH_CHECK_SIZE, default 256x1000; BENCH_CHECK_ACT, tanh) to
   OUTDIR/check_model.json, untimed.
2. REPS times each, alternating (default 3; the minimum is reported): the
   whole process `VANEX check --model check_model.json --json` (the table of
   every lag, a and s, the gradient, the Lyapunov exponent and the finite-
   difference check, written to a file) and the whole process
   `python3 check_numpy.py check_model.json` (bench_numpy's loop over the
   same network; again only while its runs so far and one more fit in
   BENCH_BUDGET seconds, default 120).  Wall time around each process, its peak RSS from wait4.
3. Compares every lag's norm, step product, bound and path term, L_t and
   ∂L_t/∂W (normwise) of the last two outputs (relative, in log10 where
   needed; benchlib.rel_log10).
4. Peak RSS of `VANEX check` on BENCH_CHECK_MEM (default "64x100000
   64x100000:json 64x1000000:json"; ":json" adds --json, written to
   /dev/null; "" = none), one run each.

Writes OUTDIR/check_peer.json for table.py.
"""

import json
import math
import os
import subprocess
import sys
import time

import numpy as np

import benchlib as bl

HERE = os.path.dirname(os.path.abspath(__file__))


def run(argv, stdout):
    """Runs argv to completion: (wall seconds, peak RSS MiB, exit status)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdout=stdout)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    return wall, ru.ru_maxrss / 1024.0, p.returncode


def size_args(spec):
    d, _, T = spec.partition("x")
    return ["--hidden", d, "--steps", T]


def compare(vx, py):
    """Largest relative disagreement per quantity, over every lag."""
    paths = sorted(vx["paths"], key=lambda p: p["k"])
    t = len(paths)
    ks = list(range(1, t + 1))
    col = {q: [p["log10_" + q] for p in paths] for q in ("norm", "step_product", "bound", "contribution")}
    out = {
        "norm": bl.max_rel_log10(py["log10_norm"], col["norm"], ks),
        "step_product": bl.max_rel_log10(py["log10_step_product"], col["step_product"], ks),
        "bound": bl.max_rel_log10(py["log10_bound"], col["bound"], ks),
        "contribution": bl.max_rel_log10(py["log10_contribution"], col["contribution"], ks),
        "lambda": abs(py["lambda"] / vx["lambda"] - 1.0),
        "loss": bl.rel_log10(py["loss_log10"], vx["log10_loss"]),
    }
    G = np.array(vx["grad_W"], dtype=np.float64)
    diff = np.abs(np.array(py["grad_W"]) - G).max()
    scale = np.abs(G).max()
    out["grad_W"] = float(diff / scale) if scale > 0 else (0.0 if diff == 0 else math.inf)
    out = {k: float(v) for k, v in out.items()}
    out["max"] = max(out.values())
    return out


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: check_peer.py OUTDIR VANEX [REPS]")
    outdir, vanex = sys.argv[1], sys.argv[2]
    reps = int(sys.argv[3]) if len(sys.argv) == 4 else 3
    size = os.environ.get("BENCH_CHECK_SIZE", "256x1000")
    act = os.environ.get("BENCH_CHECK_ACT", "tanh")
    mem = os.environ.get("BENCH_CHECK_MEM", "64x100000 64x100000:json 64x1000000:json").split()
    py = os.environ.get("BENCH_PYTHON", sys.executable)
    model = os.path.join(outdir, "check_model.json")
    vout = os.path.join(outdir, "check_vanex.json")
    pout = os.path.join(outdir, "check_numpy.json")
    summary = {"size": size, "act": act, "reps": reps,
               "load_start": open("/proc/loadavg").read().split()[:3]}

    with open(model, "w") as f:
        _, _, rc = run([vanex, "check"] + size_args(size) + ["--act", act, "--seed", "1", "--json"], f)
    if rc != 0:
        sys.exit("check_peer.py: %s check failed (%d)" % (vanex, rc))
    vt, pt = [], []
    for i in range(reps):
        with open(vout, "w") as f:
            w, rss, rc = run([vanex, "check", "--model", model, "--json"], f)
        if rc != 0:
            sys.exit("check_peer.py: %s check --model failed (%d)" % (vanex, rc))
        vt.append(w)
        summary["vanex_rss_mib"] = rss
        if i > 0 and sum(pt) + pt[-1] > bl.budget():
            continue   # numpy again only when cheap: the machine is shared
        w, rss, rc = run([py, os.path.join(HERE, "check_numpy.py"), model, pout], subprocess.DEVNULL)
        if rc != 0:
            sys.exit("check_peer.py: check_numpy.py failed (%d)" % rc)
        pt.append(w)
        summary["numpy_rss_mib"] = rss
    summary["vanex_times"], summary["numpy_times"] = vt, pt
    summary["vanex"], summary["numpy"] = min(vt), min(pt)
    summary["ratio"] = min(vt) / min(pt)
    with open(vout) as f:
        vx = json.load(f)
    with open(pout) as f:
        res = json.load(f)
    summary["disagreement"] = compare(vx, res)
    print("check %s %s: vanex %.3f s (min of %d), numpy %.3f s (min of %d), ratio %.3f, max rel. diff %.1e"
          % (size, act, summary["vanex"], len(vt), summary["numpy"], len(pt), summary["ratio"],
             summary["disagreement"]["max"]))

    summary["memory"] = []
    for spec in mem:
        tag, _, kind = spec.partition(":")
        argv = [vanex, "check"] + size_args(tag) + (["--json"] if kind == "json" else [])
        w, rss, rc = run(argv, subprocess.DEVNULL)
        summary["memory"].append({"spec": spec, "time": w, "peak_rss_mib": rss, "status": rc})
        print("check %-18s %8.1f s   peak RSS %8.1f MiB%s" % (spec, w, rss, "" if rc == 0 else "  FAILED (%d)" % rc))
    summary["load_end"] = open("/proc/loadavg").read().split()[:3]
    bl.write_summary(outdir, "check", "peer", summary)


if __name__ == "__main__":
    main()
