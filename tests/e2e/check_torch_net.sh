#!/bin/sh
# `vanex check --json` for gated cells and stacked layers against PyTorch
# float64.  For randomised networks (rnn, lstm, gru; 1 to 3 layers; forget
# biases; saturated gates from a large --norm and --input-scale), the JSON's
# weight_ and bias_ members go as they are into torch.nn.RNN / LSTM / GRU
# (load_state_dict, strict), and the reference checks, to 1e-9 relative:
#   - the forward pass: every layer's h_t (and c_t) from nn.* stepped one call
#     per step from h0 (and c0), as PyTorch stacks them;
#   - ‖∂S_t/∂S_k‖₂ for every k, S the whole state (h and c of every layer),
#     and the blocks ‖∂h_t/∂h_k‖₂ and ‖∂c_t/∂c_k‖₂ of every layer, from
#     torch.autograd.functional.jacobian of the composed steps;
#   - every member of grads, ∂L_t/∂(parameter), by autograd;
#   - the loss;
#   - the summed loss L = Σ_{k=1}^{T} L_k (whatever t), every member of
#     grads_sum, ∂L/∂(parameter), by autograd through all T steps, and
#     grad_sum_norm, their Frobenius norm over every parameter, and
#     grad_norm, the same of grads.
# Three networks come from checkpoints torch saved of modules built with
# bias=False (an LSTM, a 2-layer GRU, an RNN), run with --inputs-file: their
# model, grads and grads_sum must hold no bias member (a bias the module does
# not have is not a parameter) and their gradient norms are those of the
# module's own parameters.
# The derivatives are those of tests/fixtures/torch_cells.py, whose sigmoid
# and tanh differentiate as σ(a)σ(−a) and 1/cosh²(a) (custom
# autograd.Function), so saturated gates are compared too; their forward
# step is checked against nn.*'s, from the same state, to 1e-11 first.  One vanilla layer (the
# default cell) writes W, U, b: its parameters go to nn.RNN as weight_hh_l0,
# weight_ih_l0, bias_ih_l0 (bias_hh_l0 = 0) and its grad_W is held to
# weight_hh_l0's gradient.  Then the comparison is shown able to fail:
# runs with one number altered by 1e-6 relative (a path norm, an h block, a
# c block, a gradient entry, a forward h, a summed-loss gradient entry, the
# summed loss) must each be refused.  torch is
# Debian's python3-torch under /usr/bin/python3 (tests/deps.sh installs it);
# without it this test FAILS.
#   VANEX=./vanex sh tests/e2e/check_torch_net.sh
set -u
VANEX=${VANEX:-./vanex}
case $VANEX in /*) ;; *) VANEX=$(pwd)/$VANEX ;; esac
here=$(cd "$(dirname "$0")" && pwd)
# Debian's interpreter: a python3 first in PATH (pyenv) has no torch.
PY=/usr/bin/python3
if ! "$PY" -c 'import torch' >/dev/null 2>&1; then
	echo "FAIL check_torch_net.sh: $PY cannot import torch (Debian python3-torch; 'sh tests/deps.sh test' installs it)" >&2
	exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vanex-e2e-torchnet.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

# ref.py RUN.json...: one line per run, "ok" or "FAIL" with what differs;
# exits 0 when every run agrees, 3 when one does not (any other status: the
# reference itself broke).
cat >"$tmp/ref.py" <<'EOF'
import json, math, sys
import torch

sys.path.insert(0, sys.argv[1])
import torch_cells  # noqa: E402
from torch_cells import mag_rel, rel  # noqa: E402

torch.set_num_threads(1)
torch.set_default_dtype(torch.float64)
TOL = 1e-9
# The top Lyapunov exponent is held to the product's finite-time one to
# LY_TOL / T: its sweeps (engine/analysis_lyap.c) reach 1e-14 of it where the
# top two singular values are apart; a 2-layer GRU near orthogonal, sigma_2
# close to sigma_1, stopped 0.005 / T away after 16.  From a random start,
# as before the sweeps, 30 of these 33 runs were further (up to 3.9 / T).
LY_TOL = 1e-2
LY_ERR = []
NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def check(path):
    o = json.load(open(path))
    m, p = o["model"], o["params"]
    cell, L, t = m["cell"], m["layers"], p["t"]
    bad = []

    def note(what, err):
        if not err <= TOL:
            bad.append("%s: relative error %.3g" % (what, err))

    if "W" in m:
        # one vanilla layer: W, U, b, s0 in PyTorch's names
        sd = {"weight_ih_l0": m["U"], "weight_hh_l0": m["W"], "bias_ih_l0": m["b"],
              "bias_hh_l0": [0.0] * len(m["b"])}
        h0, c0, act = [m["s0"]], None, m["activation"]
        grads = {"weight_hh_l0": o["grad_W"]} if o["grad_W"] is not None else None
        scale = 0.0 if grads is not None else o["grad_W_log10_scale"]
        if grads is None:
            grads = {"weight_hh_l0": o["grad_W_scaled"]}
        states = {"h": [o["s"]]}
        sums = {"weight_hh_l0": o["grad_sum_W"] if o["grad_sum_W"] is not None else o["grad_sum_W_scaled"]}
        sum_scale = 0.0 if o["grad_sum_W"] is not None else o["grad_sum_W_log10_scale"]
    else:
        sd = {k: v for k, v in m.items() if k.startswith(("weight_", "bias_"))}
        h0, c0, act = m["h0"], m.get("c0"), m.get("activation", "tanh")
        grads = o["grads"] if o["grads"] is not None else o["grads_scaled"]
        scale = 0.0 if o["grads"] is not None else o["grads_log10_scale"]
        states = {"h": o["h"], "c": o.get("c")}
        sums = o["grads_sum"] if o["grads_sum"] is not None else o["grads_sum_scaled"]
        sum_scale = 0.0 if o["grads_sum"] is not None else o["grads_sum_log10_scale"]
    if "nobias" in path:
        # the module had no biases: whatever the file says, the reference's
        # parameters are its weights
        if any(k.startswith("bias_") for k in list(sd) + list(grads) + list(sums)):
            bad.append("a network without biases has bias members: model %s, grads %s"
                       % (sorted(sd), sorted(grads)))
        sd = {k: v for k, v in sd.items() if not k.startswith("bias_")}
        grads = {k: v for k, v in grads.items() if not k.startswith("bias_")}
        sums = {k: v for k, v in sums.items() if not k.startswith("bias_")}
    P = {k: torch.tensor(v) for k, v in sd.items()}
    X = torch.tensor(m["x"])
    y = torch.tensor(m["y"])
    T, n = X.shape
    d = len(m["y"])
    lstm = cell == "lstm"
    Ds = 2 * d if lstm else d
    D = L * Ds

    # ---- nn.* with the file's parameters, as they are
    has_bias = any(k.startswith("bias_") for k in sd)
    mod = torch_cells.nn_module(cell, act, n, d, L, bias=has_bias)
    mod = mod.double()
    mod.load_state_dict(P, strict=True)

    H0 = torch.tensor(h0)
    S0 = torch.cat([H0, torch.tensor(c0)], dim=1).reshape(-1) if lstm else H0.reshape(-1)
    with torch.no_grad():
        S = [S0]
        for j in range(1, T + 1):
            S.append(torch_cells.nn_step(mod, X[j - 1], S[-1], L, d))
    for l in range(L):
        note("forward h, layer %d" % l, rel(torch.tensor(states["h"][l]),
                                            torch.stack([s.reshape(L, Ds)[l, :d] for s in S[1:]])))
        if lstm:
            note("forward c, layer %d" % l, rel(torch.tensor(states["c"][l]),
                                                torch.stack([s.reshape(L, Ds)[l, d:] for s in S[1:]])))

    # ---- the same cells with accurate derivatives, checked against nn.*
    def step(Sp, j, Q=P):
        return torch_cells.step(cell, act, Q, L, d, Sp, X[j - 1])

    # step by step from nn's own states: one step's rounding, not a horizon's
    # (1e-11, not 1e-13: nn.GRU's 1 - z keeps fewer digits than sigma(-a_z)
    # where z nears 1, 4.9e-13 in one of these runs)
    with torch.no_grad():
        err = max(rel(step(S[j - 1], j), S[j]) for j in range(1, T + 1))
        Sh = [S0]
        for j in range(1, T + 1):
            Sh.append(step(Sh[-1], j))
    if not err <= 1e-11:
        bad.append("the reference cells differ from nn.%s by %.3g in one step" % (type(mod).__name__, err))

    def loss_of(St):
        e = St.reshape(L, Ds)[L - 1, :d] - y
        return 0.5 * torch.dot(e, e)

    note("loss", mag_rel(o["loss"], o["log10_loss"], loss_of(Sh[t]).item()))

    # ---- every ‖∂S_t/∂S_k‖₂ and its blocks
    for q in o["paths"]:
        k = q["k"]
        Pk = torch_cells.dS_dS(step, Sh[k], k, t)
        note("k=%d norm" % k, mag_rel(q["norm"], q["log10_norm"], torch.linalg.matrix_norm(Pk, ord=2).item()))
        if "h_norm" in q:
            for l, (hb, cb) in enumerate(torch_cells.block_norms(Pk, L, d, lstm)):
                note("k=%d h block %d" % (k, l), mag_rel(q["h_norm"][l], q["log10_h_norm"][l], hb))
                if lstm:
                    note("k=%d c block %d" % (k, l), mag_rel(q["c_norm"][l], q["log10_c_norm"][l], cb))

    # ---- the top Lyapunov exponent against the product's own finite-time
    # one, (1/T) ln σ₁(J_T ⋯ J_1), from QR-accumulated autograd Jacobians
    ly = o["lyapunov"]["max_exponent"]
    if ly is not None:
        Q, R, lr = torch.eye(D), torch.eye(D), 0.0
        for j in range(1, T + 1):
            J = torch.autograd.functional.jacobian(lambda s: step(s, j), Sh[j - 1])
            Q, Rj = torch.linalg.qr(J @ Q)
            R = Rj @ R
            mx = R.abs().max().item()
            if mx == 0:
                break
            R, lr = R / mx, lr + math.log(mx)
        s1 = torch.linalg.matrix_norm(R, ord=2).item()
        ftle = (math.log(s1) + lr) / T if s1 > 0 else -math.inf
        LY_ERR.append(abs(ly - ftle) * T)
        if not abs(ly - ftle) <= LY_TOL / T:
            bad.append("Lyapunov exponent %.12g, the product's (1/T) ln sigma_1 %.12g" % (ly, ftle))

    # ---- every grads member by autograd
    leaves = {k: v.clone().requires_grad_(True) for k, v in P.items()}
    v = S0
    for j in range(1, t + 1):
        v = step(v, j, leaves)
    G = dict(zip(leaves, torch.autograd.grad(loss_of(v), list(leaves.values()))))
    for name, g in grads.items():
        note("grads." + name, rel(torch.tensor(g) * 10.0 ** scale, G[name]))
    if "W" not in m and set(grads) != set(P):
        bad.append("grads members %s, parameters %s" % (sorted(grads), sorted(P)))
    if "W" not in m:
        gn = math.sqrt(sum(G[name].pow(2).sum().item() for name in P))
        note("grad_norm", mag_rel(o["grad_norm"], o["log10_grad_norm"], gn))

    # ---- the summed loss over all T steps and its gradient, by autograd
    leaves = {k: v.clone().requires_grad_(True) for k, v in P.items()}
    v, Lsum = S0, 0.0
    for j in range(1, T + 1):
        v = step(v, j, leaves)
        Lsum = Lsum + loss_of(v)
    note("loss_sum", mag_rel(o["loss_sum"], o["log10_loss_sum"], Lsum.item()))
    G = dict(zip(leaves, torch.autograd.grad(Lsum, list(leaves.values()))))
    for name, g in sums.items():
        note("grads_sum." + name, rel(torch.tensor(g) * 10.0 ** sum_scale, G[name]))
    if "W" not in m and set(sums) != set(P):
        bad.append("grads_sum members %s, parameters %s" % (sorted(sums), sorted(P)))
    gn = math.sqrt(sum(G[name].pow(2).sum().item() for name in sums))
    note("grad_sum_norm", mag_rel(o["grad_sum_norm"], o["log10_grad_sum_norm"], gn))
    return bad, len(o["paths"]), D


fails = 0
for path in sys.argv[2:]:
    bad, npaths, D = check(path)
    if bad:
        fails += 1
        print("FAIL %s: %s" % (path, "; ".join(bad[:6])))
    else:
        print("ok   %s: %d paths, D = %d" % (path, npaths, D))
if len(LY_ERR) > 1:
    print("Lyapunov: |mu - (1/T) ln sigma_1| T at most %.3g over %d runs" % (max(LY_ERR), len(LY_ERR)))
sys.exit(3 if fails else 0)
EOF

fails=0
# The networks, drawn once from a fixed seed: cell, layers, sizes, the
# horizon and loss step, the forget bias, --norm and --input-scale (the last
# third saturate: norm 8 to 30, input scale 4 to 12), init and seed.
"$PY" - >"$tmp/nets" <<'EOF'
import random
r = random.Random(20240611)
for i in range(30):
    cell = ("rnn", "lstm", "gru")[i % 3]
    L = 1 + (i // 3) % 3
    d, n = r.randint(2, 6), r.randint(1, 4)
    T = r.randint(4, 16)
    t = r.randint(max(1, T // 2), T)
    sat = i >= 20
    norm = r.choice((8, 12, 20, 30)) if sat else round(r.uniform(0.3, 2.5), 3)
    scale = r.choice((4, 6, 12)) if sat else round(r.uniform(0, 2), 3)
    args = ["--cell", cell, "--layers", L, "--hidden", d, "--inputs", n, "--steps", T, "--t", t,
            "--norm", norm, "--input-scale", scale, "--init", r.choice(("gaussian", "orthogonal", "identity")),
            "--seed", r.randint(0, 10**9)]
    if cell == "rnn":
        args += ["--act", r.choice(("tanh", "relu"))]
    else:
        args += ["--forget-bias", r.choice((-8, -2, 0, 1, 3, 8))]
    print(" ".join(str(a) for a in args))
EOF
i=0
files=
while read -r args; do
	i=$((i + 1))
	# shellcheck disable=SC2086
	if ! OPENBLAS_NUM_THREADS=1 "$VANEX" check --json $args >"$tmp/run$i.json" 2>"$tmp/err"; then
		echo "FAIL: vanex check --json $args: $(cat "$tmp/err")" >&2
		fails=$((fails + 1))
		continue
	fi
	echo "run$i: $args"
	files="$files $tmp/run$i.json"
done <"$tmp/nets"
# Modules without biases, saved by torch (their state_dict), with inputs
# from a file: the runs' names say "nobias" to the reference.
if ! "$PY" - "$tmp" <<'EOF'; then
import sys
import numpy as np
import torch
tmp = sys.argv[1]
torch.manual_seed(7)
for name, mod in (("lstm", torch.nn.LSTM(3, 5, bias=False)), ("gru", torch.nn.GRU(3, 4, num_layers=2, bias=False)),
                  ("rnn", torch.nn.RNN(3, 6, bias=False))):
    torch.save(mod.state_dict(), "%s/nobias-%s.pt" % (tmp, name))
np.save("%s/nobias-x.npy" % tmp, np.random.default_rng(7).standard_normal((9, 3)))
EOF
	echo "FAIL: the checkpoints without biases were not written" >&2
	fails=$((fails + 1))
fi
for c in lstm gru rnn; do
	i=$((i + 1))
	if ! OPENBLAS_NUM_THREADS=1 "$VANEX" check --json --weights "$tmp/nobias-$c.pt" --inputs-file "$tmp/nobias-x.npy" \
		--t 7 >"$tmp/nobias-$c.json" 2>"$tmp/err"; then
		echo "FAIL: vanex check --json --weights nobias-$c.pt: $(cat "$tmp/err")" >&2
		fails=$((fails + 1))
		continue
	fi
	echo "run$i: nobias-$c.pt, inputs from nobias-x.npy, t = 7"
	files="$files $tmp/nobias-$c.json"
done
# shellcheck disable=SC2086
OMP_NUM_THREADS=1 "$PY" "$tmp/ref.py" "$here/../fixtures" $files || fails=$((fails + 1))

# The comparison can fail: one number of a run off by 1e-6 relative, as a
# wrong derivative would leave it, is refused (status 3), for a path norm,
# an h block, a c block, a gradient entry and a forward h; a saturated
# 2-layer LSTM (run 23) and a 3-layer GRU (run 9).
"$PY" - "$tmp" <<'EOF' || { echo "FAIL: the altered runs were not written" >&2; fails=$((fails + 1)); }
import json, sys
tmp = sys.argv[1]
def alter(run, name, change):
    o = json.load(open("%s/run%d.json" % (tmp, run)))
    change(o)
    json.dump(o, open("%s/alt-%s.json" % (tmp, name), "w"))
def mid(o):
    return o["paths"][len(o["paths"]) // 2]
def scale(obj, key, i=None):
    if i is None:
        obj[key] *= 1 + 1e-6
    else:
        obj[key][i] *= 1 + 1e-6
def largest(M):
    return max(((i, j) for i in range(len(M)) for j in range(len(M[0]))), key=lambda ij: abs(M[ij[0]][ij[1]]))
def grad(o):
    g = o["grads"]["weight_hh_l1"]
    i, j = largest(g)
    g[i][j] *= 1 + 1e-6
def grad_sum(o):
    g = o["grads_sum"]["weight_ih_l0"]
    i, j = largest(g)
    g[i][j] *= 1 + 1e-6
def fwd(o):
    h = o["h"][0]
    i, j = largest(h)
    h[i][j] *= 1 + 1e-6
alter(23, "norm", lambda o: scale(mid(o), "norm"))
alter(23, "hblock", lambda o: scale(mid(o), "h_norm", 1))
alter(23, "cblock", lambda o: scale(mid(o), "c_norm", 0))
alter(23, "grad", grad)
alter(9, "h", fwd)
alter(23, "gradsum", grad_sum)
alter(9, "losssum", lambda o: scale(o, "loss_sum"))
EOF
for alt in norm hblock cblock grad h gradsum losssum; do
	OMP_NUM_THREADS=1 "$PY" "$tmp/ref.py" "$here/../fixtures" "$tmp/alt-$alt.json" >"$tmp/alt.out" 2>&1
	rc=$?
	if [ "$rc" -eq 3 ]; then
		echo "ok   a $alt off by 1e-6 is refused: $(sed 's/^FAIL [^:]*: //' "$tmp/alt.out" | head -c 160)"
	else
		echo "FAIL: a $alt off by 1e-6 was not refused (status $rc): $(tail -n 3 "$tmp/alt.out")" >&2
		fails=$((fails + 1))
	fi
done

if [ "$fails" -ne 0 ]; then
	echo "check_torch_net.sh: $fails failure(s)" >&2
	exit 1
fi
echo "check_torch_net.sh: $i networks agree with PyTorch float64 to 1e-9; 7 altered runs refused"
