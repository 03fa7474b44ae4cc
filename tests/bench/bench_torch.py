#!/usr/bin/python3
"""The same quantities as vx_analyse, by PyTorch autograd in float64, timed.

    bench_torch.py OUTDIR TAG [REPS]

Two reverse-mode passes over the unrolled network, on the model bench_engine
dumped for size TAG:

1. Jacobians.  The forward pass is run on d identical copies of the state
   (a d×d batch, one row per copy).  Back-propagating the identity from s_t
   gives, at every s_k, the matrix whose row i is ∂s_{t,i}/∂s_k: the whole
   ∂s_t/∂s_k for every k in ONE backward pass.  A hook on each s_k takes its
   spectral norm (torch.linalg.matrix_norm(ord=2)).  The per-step Jacobians
   J_j come from torch.autograd.functional.jacobian of one step.
2. Paths.  Each step uses its own view W_k of W, so autograd's gradient at
   W_k is exactly path k's term (∂L_t/∂s_t)(∂s_t/∂s_k)(∂⁺s_k/∂W); a hook
   takes its Frobenius norm, and W's accumulated gradient is ∂L_t/∂W.

Long horizons leave the range of a double (0.5^3000), so between steps an
identity node rescales the gradient flowing back by its largest entry and
keeps the factor as a log10 — the usual loss-scaling trick of mixed
precision, applied at every step.

Memory: autograd keeps the unrolled graph, O(T·d²) for pass 1.
Time limit: a first run over the last 16 values of k estimates the whole;
when that exceeds BENCH_BUDGET seconds (default 120) the run covers only the
last m values of k (the forward up to k = t−m+1 runs without the graph) and
its time is scaled linearly to all t, marked estimated.
"""

import math
import os
import sys

import numpy as np
import torch

import benchlib as bl

torch.set_default_dtype(torch.float64)


class Rescale(torch.autograd.Function):
    """Identity forward; backward divides the gradient by its largest entry
    and adds log10 of that factor to state["scale"]."""

    state = {"scale": 0.0}

    @staticmethod
    def forward(ctx, x):
        return x.view_as(x)

    @staticmethod
    def backward(ctx, g):
        m = float(g.abs().max())
        if m > 0 and math.isfinite(m):
            Rescale.state["scale"] += math.log10(m)
            return g / m
        return g


def activation(name):
    return {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
            "linear": lambda a: a}[name]


def gamma_of(name):
    return 0.25 if name == "sigmoid" else 1.0


def forward_states(W, C, s0, act):
    """s_1..s_T without a graph (T×d)."""
    T = C.shape[0]
    S = torch.empty_like(C)
    prev = s0
    with torch.no_grad():
        for j in range(T):
            prev = act(W @ prev + C[j])
            S[j] = prev
    return S


def analyse(model, t, kmin):
    """All quantities for k = kmin..t.  Returns the results dict, the time of
    the part that does not depend on kmin (the forward pass without a graph)
    and the time of the rest."""
    t0 = bl.now()
    act = activation(model["act"])
    W = torch.from_numpy(model["W"])
    U = torch.from_numpy(model["U"])
    b = torch.from_numpy(model["b"])
    s0 = torch.from_numpy(model["s0"])
    x = torch.from_numpy(model["x"])
    y = torch.from_numpy(model["y"])
    d, T = W.shape[0], x.shape[0]
    C = x @ U.T + b                       # U x_j + b, row j-1
    S = forward_states(W, C, s0, act)

    def state(j):                         # s_j, j = 0..T
        return s0 if j == 0 else S[j - 1]

    lg_norm = [None] * t
    lg_prod = [None] * t
    lg_bound = [None] * t
    lg_contrib = [None] * t
    step_norm = [None] * T
    t1 = bl.now()

    # ---- pass 1: every ∂s_t/∂s_k by one batched reverse pass ----
    Rescale.state["scale"] = 0.0
    Sk = state(kmin - 1).expand(d, d).clone().requires_grad_()   # the graph starts here
    for k in range(kmin, t + 1):
        Sk = act(Sk @ W.T + C[k - 1])

        def hook(g, k=k):
            n = float(torch.linalg.matrix_norm(g, ord=2))
            lg_norm[k - 1] = math.log10(n) + Rescale.state["scale"] if n > 0 else None
        Sk.register_hook(hook)
        Sk = Rescale.apply(Sk)
    Sk.backward(torch.eye(d))
    del Sk

    # ---- per-step Jacobians J_j by autograd, their norms and products ----
    logprod = 0.0
    for k in range(t, kmin - 1, -1):
        lg_prod[k - 1] = logprod if math.isfinite(logprod) else None
        J = torch.autograd.functional.jacobian(
            lambda s, k=k: act(W @ s + C[k - 1]), state(k - 1), vectorize=True)
        nJ = float(torch.linalg.matrix_norm(J, ord=2))
        step_norm[k - 1] = nJ
        logprod += math.log10(nJ) if nJ > 0 else -math.inf

    lam = float(torch.linalg.matrix_norm(W, ord=2))
    gl = gamma_of(model["act"]) * lam
    lgl = math.log10(gl) if gl > 0 else -math.inf
    for k in range(kmin, t + 1):
        gap = t - k
        lg_bound[k - 1] = 0.0 if gap == 0 else (gap * lgl if math.isfinite(lgl) else None)

    # ---- pass 2: path terms and ∂L_t/∂W ----
    Rescale.state["scale"] = 0.0
    at_scale = {}
    Wg = W.clone().requires_grad_()
    prev = state(kmin - 1)
    for k in range(kmin, t + 1):
        Wk = Wg.view_as(Wg)
        a = Wk @ prev + C[k - 1]

        def record(g, k=k):
            at_scale[k] = Rescale.state["scale"]

        def path(g, k=k):
            sc = at_scale[k]
            c = float(torch.linalg.matrix_norm(g))
            lg_contrib[k - 1] = math.log10(c) + sc if c > 0 else None
            return g * (10.0 ** sc if sc < 300 else math.inf)
        a.register_hook(record)
        Wk.register_hook(path)
        s = act(a)
        prev = Rescale.apply(s) if k < t else s
    e = prev - y
    L = 0.5 * (e @ e)
    L.backward()

    ks = list(range(kmin, t + 1))
    t2 = bl.now()
    return {
        "ks": ks, "log10_norm": lg_norm, "log10_step_product": lg_prod,
        "log10_bound": lg_bound, "log10_contribution": lg_contrib,
        "step_norm": step_norm, "step_norm_js": ks, "lambda": lam,
        "loss_log10": bl.log10_or_none(float(L)),
        "grad_W": Wg.grad.numpy() if kmin == 1 else None,
    }, t1 - t0, t2 - t1


def timed(model, t, kmin):
    """Results and the time for all t values of k, scaled linearly from
    the t − kmin + 1 computed when kmin > 1."""
    res, fixed, var = analyse(model, t, kmin)
    return res, fixed + var * t / (t - kmin + 1), var


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: bench_torch.py OUTDIR TAG [REPS]")
    outdir, tag = sys.argv[1], sys.argv[2]
    reps = int(sys.argv[3]) if len(sys.argv) == 4 else 3
    # Matrix products go to OpenBLAS (libblas.so.3), whose pool follows
    # OPENBLAS_NUM_THREADS like numpy's and vanex's.  ATen's own OpenMP pool
    # stays at 1 (its default here): a second pool of 2 on 2 cores fights
    # OpenBLAS's and made the timings erratic (2-5x slower at d = 64).
    torch.set_num_threads(int(os.environ.get("BENCH_TORCH_THREADS", "1")))
    vx, model = bl.load(outdir, tag)
    base_rss = bl.peak_rss_mib()
    t = vx["t"]
    budget = bl.budget()

    # probe the last few k to decide between a full run and a prefix
    # (it also warms up: the first jacobian call sets up vmap)
    m0 = min(t, 16)
    res, tp, var = timed(model, t, t - m0 + 1)
    est = False
    if m0 == t:
        times = [tp]
    elif tp <= budget:
        res, tm, _ = timed(model, t, 1)
        times = [tm]
    else:
        # about a quarter of the budget on the prefix
        m = max(m0, min(t - 1, int(m0 * (budget / 4) / var)))
        res, tm, _ = timed(model, t, t - m + 1)
        times = [tm]
        est = True
    while not est and len(times) < reps and sum(times) + times[0] < budget:
        times.append(timed(model, t, 1)[1])
    times.sort()
    n = len(times)
    med = times[n // 2] if n % 2 else 0.5 * (times[n // 2 - 1] + times[n // 2])
    dis = bl.compare(vx, res)
    bl.write_summary(outdir, "torch", tag, {
        "method": "torch", "tag": tag, "d": vx["d"], "T": vx["T"], "t": t,
        "time": med, "times": times, "estimated": est, "k_done": len(res["ks"]),
        "peak_rss_mib": bl.peak_rss_mib(), "base_rss_mib": base_rss,
        "disagreement": dis, "torch": torch.__version__, "threads": bl.threads(),
        "aten_threads": torch.get_num_threads(),
    })
    print("torch %-12s %s %10.3f s   k computed %d/%d   max rel. disagreement %.2e"
          % (tag, "est." if est else "    ", med, len(res["ks"]), t, dis["max"]))


if __name__ == "__main__":
    main()
