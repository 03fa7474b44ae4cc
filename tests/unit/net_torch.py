"""Checks what vx_net_analyse computed (JSON files written by
test_engine_net_torch.c) against PyTorch float64.

For each network:
  1. nn.RNN / nn.LSTM / nn.GRU loaded with the same weights, stepped one call
     per step from (h0, c0), gives every layer's h (and c) at every step: the
     engine's forward pass must match it (PyTorch's conventions: gate order,
     b_hn inside r * (...), layer l > 0 fed by h of layer l-1).
  2. The same cells written with torch operations whose derivatives are
     accurate in saturation (tests/fixtures/torch_cells.py: sigma'(a) =
     sigma(a) sigma(-a), tanh'(a) = 1/cosh(a)^2, 1 - z = sigma(-a_z)),
     checked against nn.* to 1e-13, give by
     autograd: each step Jacobian dS_j/dS_{j-1} (torch.autograd.functional.
     jacobian over the whole state, h and c of every layer) and its 2-norm;
     dS_t/dS_k through the composed steps for every k, its norm and the norms
     of its h and c blocks; the loss; the gradient of every parameter; the
     term of every path k for every weight_hh (that weight a separate leaf at
     step k alone).
  3. Where no gate saturates, the gradients are also taken by autograd
     through nn.* itself.
Norms are compared relative to themselves, matrices (gradients, states)
relative to their largest entry, all to 1e-9.  Prints the largest relative
error per quantity; exits 1 on any disagreement.
"""
import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
import torch_cells  # noqa: E402

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)
TOL = 1e-9
worst = {}
bad = []


def note(label, what, err):
    worst[what] = max(worst.get(what, 0.0), err)
    if not err <= TOL:
        bad.append("%s: %s: relative error %.3g" % (label, what, err))


def rel(got, want):
    got, want = torch.as_tensor(got), torch.as_tensor(want)
    ref = want.abs().max().item()
    err = (got - want).abs().max().item()
    return err / ref if ref > 0 else err


def rel_l10(l10, want):
    """An engine log10 (None for exactly 0) against a value."""
    if want == 0:
        return 0.0 if l10 is None else math.inf
    if l10 is None:
        return math.inf
    return abs(math.expm1((l10 - math.log10(want)) * math.log(10)))


def check(path):
    o = json.load(open(path))
    label, cell, act, L, d, t = o["label"], o["cell"], o["act"], o["L"], o["d"], o["t"]
    X = torch.tensor(o["x"])
    T, n = X.shape
    y = torch.tensor(o["y"])
    lstm = cell == "lstm"
    Ds = 2 * d if lstm else d
    D = L * Ds
    names = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]
    P = {"%s_l%d" % (nm, l): torch.tensor(o["layers"][l][nm]) for l in range(L) for nm in names}

    # ---- 1. nn.* stepped one call per step
    mod = torch_cells.nn_module(cell, act, n, d, L)
    with torch.no_grad():
        for k, v in P.items():
            getattr(mod, k).copy_(v)

    def nn_step(S, j):
        return torch_cells.nn_step(mod, X[j - 1], S, L, d)

    S0 = torch.cat([torch.cat([torch.tensor(o["layers"][l]["h0"])] +
                              ([torch.tensor(o["layers"][l]["c0"])] if lstm else [])) for l in range(L)])
    with torch.no_grad():
        S = [S0]
        for j in range(1, T + 1):
            S.append(nn_step(S[-1], j))
    for l in range(L):
        hs = torch.stack([s.reshape(L, Ds)[l, :d] for s in S[1:]])
        note(label, "forward h", rel(torch.tensor(o["states"][l]["h"]), hs))
        if lstm:
            cs = torch.stack([s.reshape(L, Ds)[l, d:] for s in S[1:]])
            note(label, "forward c", rel(torch.tensor(o["states"][l]["c"]), cs))

    # ---- 2. the same cells with accurate derivatives
    def hand_step(Sp, j, Q=P):
        return torch_cells.step(cell, act, Q, L, d, Sp, X[j - 1])

    with torch.no_grad():
        Sh = [S0]
        for j in range(1, T + 1):
            Sh.append(hand_step(Sh[-1], j))
    err = max(rel(a, b) for a, b in zip(Sh[1:], S[1:]))
    if not err <= 1e-13:
        bad.append("%s: the reference cells differ from nn.%s by %.3g" % (label, type(mod).__name__, err))

    def loss_of(St):
        e = St.reshape(L, Ds)[L - 1, :d] - y
        return 0.5 * torch.dot(e, e)

    note(label, "loss", rel_l10(o["loss"], loss_of(Sh[t]).item()))

    jac = torch.autograd.functional.jacobian
    Jn = [None]
    for j in range(1, T + 1):
        Jj = jac(lambda v, j=j: hand_step(v, j), Sh[j - 1])
        nrm = torch.linalg.matrix_norm(Jj, ord=2).item()
        Jn.append(nrm)
        note(label, "step norm", abs(o["step_norm"][j - 1] - nrm) / nrm if nrm > 0 else o["step_norm"][j - 1])
        b = o["step_bound"][j - 1]
        if b is None or b < nrm:
            bad.append("%s: b_%d = %s below ||J|| = %.17g" % (label, j, b, nrm))

    for p in o["paths"]:
        k = p["k"]
        Pk = torch_cells.dS_dS(hand_step, Sh[k], k, t)
        note(label, "dS_t/dS_k norm", rel_l10(p["norm"], torch.linalg.matrix_norm(Pk, ord=2).item()))
        for l, (hb, cb) in enumerate(torch_cells.block_norms(Pk, L, d, lstm)):
            note(label, "dh_t/dh_k norm", rel_l10(p["h_norm"][l], hb))
            if lstm:
                note(label, "dc_t/dc_k norm", rel_l10(p["c_norm"][l], cb))
        note(label, "step product", rel_l10(p["step_product"], math.prod(Jn[k + 1:t + 1])))
        if p["bound"] is not None and p["norm"] is not None and p["bound"] < p["norm"] - 1e-12:
            bad.append("%s: k=%d bound 10^%.15g below the norm 10^%.15g" % (label, k, p["bound"], p["norm"]))

    # every parameter's gradient, through the reference cells
    leaves = {k: v.clone().requires_grad_(True) for k, v in P.items()}
    v = S0
    for j in range(1, t + 1):
        v = hand_step(v, j, leaves)
    grads = dict(zip(leaves, torch.autograd.grad(loss_of(v), list(leaves.values()))))
    for l in range(L):
        for nm in names:
            note(label, "grad " + nm, rel(torch.tensor(o["grad"][l][nm]), grads["%s_l%d" % (nm, l)]))

    # path terms: weight_hh_l a separate leaf used at step k alone
    for p in o["paths"]:
        k = p["k"]
        for l in range(L):
            key = "weight_hh_l%d" % l
            Wk = P[key].clone().requires_grad_(True)
            Qk = dict(P)
            Qk[key] = Wk
            v = S0
            for j in range(1, t + 1):
                v = hand_step(v, j, Qk if j == k else P)
            (g,) = torch.autograd.grad(loss_of(v), Wk)
            note(label, "path term", rel_l10(p["contribution"][l], torch.linalg.matrix_norm(g).item()))

    # ---- 3. autograd through nn.* itself, where nothing saturates
    pre_max = 0.0
    with torch.no_grad():
        for j in range(1, T + 1):
            Sv = S[j - 1].reshape(L, Ds)
            v = X[j - 1]
            for l in range(L):
                a = P["weight_ih_l%d" % l] @ v + P["bias_ih_l%d" % l] + P["weight_hh_l%d" % l] @ Sv[l, :d] + \
                    P["bias_hh_l%d" % l]
                pre_max = max(pre_max, a.abs().max().item())
                v = S[j].reshape(L, Ds)[l, :d]
    if pre_max < 6:
        mod.zero_grad()
        v = S0
        for j in range(1, t + 1):
            v = nn_step(v, j)
        loss_of(v).backward()
        for l in range(L):
            for nm in names:
                note(label, "grad via nn." + type(mod).__name__,
                     rel(torch.tensor(o["grad"][l][nm]), getattr(mod, "%s_l%d" % (nm, l)).grad))
    return pre_max


def main():
    sat = 0
    for path in sys.argv[1:]:
        if check(path) >= 6:
            sat += 1
    print("net_torch.py: %d networks (%d with saturated gates); largest relative error per quantity:"
          % (len(sys.argv) - 1, sat))
    for k in sorted(worst):
        print("  %-28s %.3g" % (k, worst[k]))
    if bad:
        print("FAIL:\n  " + "\n  ".join(bad[:20]), file=sys.stderr)
        sys.exit(1)


main()
