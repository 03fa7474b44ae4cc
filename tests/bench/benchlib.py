"""Shared parts of the numpy and PyTorch benchmarks.

Loads what bench_engine wrote for one size (the model as .npy, vanex's results
as JSON), compares another method's results with vanex's, and writes the
method's summary as JSON for run.sh's table.  Magnitudes are compared in the
log10 domain because long horizons leave the range of a double:
relative disagreement = |10^(log10 a - log10 b) - 1|.
"""

import json
import math
import os
import resource
import time

import numpy as np

LN10 = math.log(10.0)


def peak_rss_mib():
    """Peak resident set of this process so far, in MiB (Linux: KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def now():
    return time.clock_gettime(time.CLOCK_MONOTONIC)


def load(outdir, tag):
    """vanex's JSON for one size and the model it was computed on."""
    with open(os.path.join(outdir, "vanex_%s.json" % tag)) as f:
        vx = json.load(f)
    npy = vx["npy"]
    model = {k: np.load(os.path.join(outdir, npy[k])) for k in ("W", "U", "b", "s0", "x", "y")}
    model["act"] = vx["params"]["act"]
    vx["grad_W_matrix"] = np.load(os.path.join(outdir, npy["grad_W"])) * 10.0 ** vx["grad_log10_scale"]
    return vx, model


# ---- activations: sigma, sigma', gamma = max sigma' -------------------------

def act_np(name):
    if name == "sigmoid":
        def f(a):
            return 1.0 / (1.0 + np.exp(-a))
        def df(a):
            s = f(a)
            return s * (1.0 - s)
        return f, df, 0.25
    if name == "tanh":
        return np.tanh, lambda a: 1.0 - np.tanh(a) ** 2, 1.0
    if name == "relu":
        return (lambda a: np.maximum(a, 0.0)), (lambda a: (a > 0).astype(float)), 1.0
    if name == "linear":
        return (lambda a: a.copy()), (lambda a: np.ones_like(a)), 1.0
    raise SystemExit("benchlib: unknown activation %r" % name)


# ---- comparison --------------------------------------------------------------

def rel_log10(a, b):
    """Relative disagreement of two magnitudes given as log10 (None = exact 0)."""
    if a is None or b is None or not math.isfinite(a) or not math.isfinite(b):
        same = (a is None or a == -math.inf) and (b is None or b == -math.inf)
        return 0.0 if same else math.inf
    return abs(math.expm1((a - b) * LN10))


def max_rel_log10(mine, theirs, ks):
    """Max relative disagreement over the 1-based indices ks."""
    worst = 0.0
    for k in ks:
        worst = max(worst, rel_log10(mine[k - 1], theirs[k - 1]))
    return worst


def log10_or_none(x):
    return math.log10(x) if x > 0 else None


def compare(vx, res):
    """Disagreement of a method's results `res` with vanex's, per quantity.

    res holds 1-based-by-position lists over k = 1..t (None where not
    computed) and, when the whole range was computed, grad_W.  grad_W is
    compared normwise: max |difference| / max |vanex entry|."""
    ks = res["ks"]
    out = {
        "norm": max_rel_log10(res["log10_norm"], vx["log10_norm"], ks),
        "step_product": max_rel_log10(res["log10_step_product"], vx["log10_step_product"], ks),
        "bound": max_rel_log10(res["log10_bound"], vx["log10_bound"], ks),
        "contribution": max_rel_log10(res["log10_contribution"], vx["log10_contribution"], ks),
        "lambda": abs(res["lambda"] / vx["lambda"] - 1.0),
        "loss": rel_log10(res["loss_log10"], vx["loss_log10"]),
    }
    sn = [j for j in res["step_norm_js"]]
    out["step_norm"] = max((abs(res["step_norm"][j - 1] / vx["step_norm"][j - 1] - 1.0)
                            for j in sn), default=0.0)
    if res.get("grad_W") is not None:
        G = vx["grad_W_matrix"]
        scale = np.abs(G).max()
        diff = np.abs(res["grad_W"] - G).max()
        out["grad_W"] = float(diff / scale) if scale > 0 else (0.0 if diff == 0 else math.inf)
    out = {k: float(v) for k, v in out.items()}
    out["max"] = max(out.values())
    return out


def write_summary(outdir, method, tag, summary):
    path = os.path.join(outdir, "%s_%s.json" % (method, tag))
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(summary, f, indent=1, allow_nan=False, default=_jsonable)
        f.write("\n")
    os.replace(tmp, path)


def _jsonable(x):
    if isinstance(x, (np.floating, np.integer)):
        return x.item()
    raise TypeError(type(x))


def budget():
    """Seconds one method may spend on one size before it extrapolates."""
    return float(os.environ.get("BENCH_BUDGET", "120"))


def threads():
    v = os.environ.get("OPENBLAS_NUM_THREADS")
    return int(v) if v else (os.cpu_count() or 1)
