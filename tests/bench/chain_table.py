#!/usr/bin/python3
"""Prints the table of `make bench`'s comparison of the chain of products,
factored (engine/lowrank.h) and in full, from the JSON files of one run.

    chain_table.py DIR REPS "SIZES" "MODELS" "NETS"

DIR holds factored.MODEL.REP_DxT.json and full.MODEL.REP_DxT.json
(bench_engine, bench_engine_full) and net.factored.NET.REP.json,
net.full.NET.REP.json (bench_net, bench_net_full), as tests/bench/run.sh
writes them: each run in a process of its own, the two variants alternating
run by run, each run followed by a floor (T chained products of the state
size, with the BLAS threads the process started with).  Wall times are the
minimum over the runs (a shared machine only ever slows a run), and so are
the floors; CPU times (all threads) likewise.  Standard library only.
"""

import json
import os
import sys


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def fmt(s):
    if s is None:
        return "-"
    return "%.2f s" % s if s >= 1 else "%.0f ms" % (s * 1e3)


def minimum(runs, key):
    vals = [v for r in runs for v in r.get(key, []) if v is not None]
    return min(vals) if vals else None


def row(name, size, fact, full):
    """One line: wall and CPU of both variants against the floor."""
    if not fact or not full:
        return "%-28s %-10s missing runs (%d factored, %d full)" % (name, size, len(fact), len(full)), True
    tf, tu = minimum(fact, "times"), minimum(full, "times")
    cf, cu = minimum(fact, "cpus"), minimum(full, "cpus")
    fl = minimum(fact + full, "floor_times")
    fc = minimum(fact + full, "floor_cpus")
    rank = fact[-1].get("chain_rank")
    trunc = fact[-1].get("chain_truncations")
    return ("%-28s %-10s %9s %9s %9s %7.2f %7.2f %7.2f %8.2f %8.2f %5s %5s"
            % (name, size, fmt(tu), fmt(tf), fmt(fl), tu / fl, tf / fl, tf / tu, cu / fc, cf / fc,
               rank, trunc)), False


def main():
    d, reps = sys.argv[1], int(sys.argv[2])
    sizes, models, nets = sys.argv[3].split(), sys.argv[4].split(), sys.argv[5].split()
    try:
        with open("/proc/loadavg") as f:
            end = " ".join(f.read().split()[:3])
    except OSError:
        end = "unknown"
    print("the chain of products, factored (engine/lowrank.h) against in full (the previous engine)")
    print("load: %s at the start, %s at the end (1, 5, 15 min)"
          % (os.environ.get("BENCH_CHAIN_LOAD_START", "?"), end))
    print("OPENBLAS_NUM_THREADS=%s; minimum of %d runs each, the variants alternating"
          % (os.environ.get("OPENBLAS_NUM_THREADS", "unset"), reps))
    print()
    head = ("%-28s %-10s %9s %9s %9s %7s %7s %7s %8s %8s %5s %5s"
            % ("model", "size", "full", "factored", "floor", "full/fl", "fact/fl", "fa/full",
               "cpu full", "cpu fact", "rank", "trunc"))
    print(head)
    print("-" * len(head))
    bad = False
    for m in models:
        for s in sizes:
            runs = {v: [r for r in (load(os.path.join(d, "%s.%s.%d_%s.json" % (v, m, i, s)))
                                    for i in range(1, reps + 1)) if r]
                    for v in ("factored", "full")}
            line, b = row(m, s, runs["factored"], runs["full"])
            bad |= b
            print(line)
    for n in nets:
        runs = {v: [r for r in (load(os.path.join(d, "net.%s.%s.%d.json" % (v, n, i)))
                                for i in range(1, reps + 1)) if r]
                for v in ("factored", "full")}
        spec = n.split(":")
        size = "%sx%s" % (runs["factored"][0]["D"] if runs["factored"] else "?", spec[3])
        line, b = row(n, size, runs["factored"], runs["full"])
        bad |= b
        print(line)
    print()
    print("full, factored: vx_analyse (vx_net_analyse for nets: size is the state D x T) with the")
    print("  chain in full and factored; floor: T chained products of the state size; x/fl: wall")
    print("  time over the floor's; cpu: CPU time (all threads) over the floor's CPU time;")
    print("  rank, trunc: the factored chain's rows at the end and its truncations.")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
