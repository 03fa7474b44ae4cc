#!/usr/bin/python3
"""The computation of vx_analyse written plainly in numpy, timed.

    bench_numpy.py OUTDIR TAG [REPS]

Reads the model bench_engine dumped for size TAG (e.g. 256x1000), computes
for t = T what vanex computes (forward pass; for k = t..1 the product
P = ∂s_t/∂s_k by P ← P @ J_k, numpy.linalg.norm(P, 2), the per-step norms
‖J_k‖₂ and their running product, the bound (γλ)^{t−k}, the contribution of
path k; ∂L_t/∂W by BPTT), compares every number with vanex's and writes
OUTDIR/numpy_TAG.json.

The only departure from the textbook loop: when P drifts outside
[1e-100, 1e100] it is divided by its largest entry and the factor is kept
as a log10, because over thousands of steps the true values (1e-3000, say)
do not fit a double and a plain float64 chain would print 0.

Time limit: when the k-loop runs past BENCH_BUDGET seconds (default 120),
it stops; the time is then the fixed part (forward, BPTT) plus the loop's
time scaled linearly to all t values of k, and is marked estimated.  Numbers
are compared over the k actually computed.
"""

import math
import sys

import numpy as np

import benchlib as bl


def analyse(model, t, budget):
    f, df, gamma = bl.act_np(model["act"])
    W, U, b, s0, x, y = (model[k] for k in ("W", "U", "b", "s0", "x", "y"))
    T, d = x.shape[0], W.shape[0]

    t0 = bl.now()
    # forward pass
    a = np.empty((T, d))
    s = np.empty((T, d))
    prev = s0
    for j in range(T):
        a[j] = W @ prev + U @ x[j] + b
        s[j] = f(a[j])
        prev = s[j]
    ds = df(a)
    lam = np.linalg.norm(W, 2)
    e = s[t - 1] - y
    loss = 0.5 * float(e @ e)

    # ∂L_t/∂W by backpropagation through time
    G = np.zeros((d, d))
    delta = e.copy()
    for k in range(t, 0, -1):
        da = delta * ds[k - 1]
        G += np.outer(da, s[k - 2] if k >= 2 else s0)
        delta = W.T @ da
    t_fixed = bl.now() - t0

    # every ∂s_t/∂s_k, streamed from k = t down
    lg_norm = [None] * t
    lg_prod = [None] * t
    lg_bound = [None] * t
    lg_contrib = [None] * t
    step_norm = [None] * T
    lgl = math.log10(gamma * lam) if gamma * lam > 0 else -math.inf
    P = np.eye(d)
    scale = 0.0      # P holds ∂s_t/∂s_k × 10^-scale
    logprod = 0.0    # log10 Π_{j=k+1..t} ‖J_j‖₂
    done = 0
    t1 = bl.now()
    for k in range(t, 0, -1):
        n = np.linalg.norm(P, 2)
        lg_norm[k - 1] = math.log10(n) + scale if n > 0 else None
        lg_prod[k - 1] = logprod if math.isfinite(logprod) else None
        gap = t - k
        lg_bound[k - 1] = 0.0 if gap == 0 else (gap * lgl if math.isfinite(lgl) else None)
        sprev = s[k - 2] if k >= 2 else s0
        g = e @ P
        c = np.linalg.norm(np.outer(g * ds[k - 1], sprev))
        lg_contrib[k - 1] = math.log10(c) + scale if c > 0 else None

        J = ds[k - 1][:, None] * W          # J_k = diag(σ'(a_k)) W
        nJ = np.linalg.norm(J, 2)
        step_norm[k - 1] = nJ
        logprod += math.log10(nJ) if nJ > 0 else -math.inf
        P = P @ J
        m = np.abs(P).max()
        if m > 0 and (m < 1e-100 or m > 1e100):
            P /= m
            scale += math.log10(m)
        done += 1
        if bl.now() - t1 > budget and k > 1:
            break
    t_loop = bl.now() - t1
    ks = list(range(t - done + 1, t + 1))
    res = {
        "ks": ks, "log10_norm": lg_norm, "log10_step_product": lg_prod,
        "log10_bound": lg_bound, "log10_contribution": lg_contrib,
        "step_norm": step_norm, "step_norm_js": ks, "lambda": lam,
        "loss_log10": bl.log10_or_none(loss), "grad_W": G,
    }
    total = t_fixed + t_loop * t / done
    return res, total, done < t


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: bench_numpy.py OUTDIR TAG [REPS]")
    outdir, tag = sys.argv[1], sys.argv[2]
    reps = int(sys.argv[3]) if len(sys.argv) == 4 else 3
    vx, model = bl.load(outdir, tag)
    base_rss = bl.peak_rss_mib()
    t = vx["t"]
    budget = bl.budget()

    res, first, est = analyse(model, t, budget)
    times = [first]
    spent = first
    # more runs only when they are cheap: the machine is shared
    while not est and len(times) < reps and spent + first < budget:
        r2, tm, _ = analyse(model, t, budget)
        times.append(tm)
        spent += tm
    times.sort()
    med = times[len(times) // 2] if len(times) % 2 else 0.5 * (times[len(times) // 2 - 1]
                                                                  + times[len(times) // 2])
    dis = bl.compare(vx, res)
    bl.write_summary(outdir, "numpy", tag, {
        "method": "numpy", "tag": tag, "d": vx["d"], "T": vx["T"], "t": t,
        "time": med, "times": times, "estimated": est, "k_done": len(res["ks"]),
        "peak_rss_mib": bl.peak_rss_mib(), "base_rss_mib": base_rss,
        "disagreement": dis, "numpy": np.__version__, "threads": bl.threads(),
    })
    print("numpy %-12s %s %10.3f s   k computed %d/%d   max rel. disagreement %.2e"
          % (tag, "est." if est else "    ", med, len(res["ks"]), t, dis["max"]))


if __name__ == "__main__":
    main()
