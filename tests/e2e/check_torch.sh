#!/bin/sh
# `vanex check --json` against an autograd framework: PyTorch recomputes, in
# float64 from the model vanex wrote, the forward pass a and s, the loss,
# every ‖∂s_t/∂s_k‖₂ (torch.autograd.functional.jacobian, then
# torch.linalg.matrix_norm(ord=2)), every per-step ‖J_j‖₂, λ = ‖W‖₂, the
# contribution of each path k and ∂L_t/∂W by backpropagation; all must agree
# to 1e-9 relative.  Prints SKIP (exit 0) only when torch cannot be imported.
#   VANEX=./vanex sh tests/e2e/check_torch.sh
set -u
VANEX=${VANEX:-./vanex}
# Debian's python3-torch lives under the system interpreter.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
if ! "$PY" -c 'import torch' >/dev/null 2>&1; then
	echo "SKIP check_torch.sh: torch cannot be imported by $PY"
	exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vanex-e2e-torch.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

fails=0
i=0
# Each network: activation, sizes, norm, init, horizon and loss step.
while read -r args; do
	[ -z "$args" ] && continue
	i=$((i + 1))
	# shellcheck disable=SC2086
	if ! "$VANEX" check --json $args >"$tmp/run$i.json" 2>"$tmp/err"; then
		echo "FAIL: vanex check --json $args: $(cat "$tmp/err")" >&2
		fails=$((fails + 1))
		continue
	fi
	if ! OMP_NUM_THREADS=1 "$PY" - "$tmp/run$i.json" "$args" <<'EOF'; then
import json, math, sys
import torch

torch.set_num_threads(1)
torch.set_default_dtype(torch.float64)
TOL = 1e-9
o = json.load(open(sys.argv[1]))
label = sys.argv[2]
m = o["model"]
act = m["activation"]
W = torch.tensor(m["W"])
U = torch.tensor(m["U"])
b = torch.tensor(m["b"])
s0 = torch.tensor(m["s0"])
X = torch.tensor(m["x"])
y = torch.tensor(m["y"])
T, t = len(m["x"]), o["params"]["t"]
sigma = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "linear": lambda a: a}[act]
gamma = {"sigmoid": 0.25, "tanh": 1.0, "relu": 1.0, "linear": 1.0}[act]
bad = []

def close(name, got, want, scale=None):
    """Relative agreement; for vectors and matrices measured against the
    largest entry of the reference (entries near 0 have no relative error)."""
    want = torch.as_tensor(want)
    got = torch.as_tensor(got)
    ref = want.abs().max().item() if scale is None else scale
    err = (got - want).abs().max().item()
    if not (err <= TOL * ref or (ref == 0 and err == 0)):
        bad.append("%s: max error %.3g against %.6g (relative %.3g)" % (name, err, ref, err / ref if ref else math.inf))

def mag(p, f):
    """A path field as log10 (value or, when it does not fit, its log10)."""
    v, l = p[f], p["log10_" + f]
    if v is not None:
        return math.log10(v) if v > 0 else -math.inf
    return l

def check_mag(name, got_l10, want):
    """A magnitude known by its log10 against autograd's value: a relative
    error of 1e-9 is a log10 difference of log10(1 + 1e-9)."""
    if want == 0:
        if got_l10 != -math.inf:
            bad.append("%s: autograd gives exactly 0, vanex 10^%.15g" % (name, got_l10))
    elif not abs(got_l10 - math.log10(want)) <= math.log10(1 + TOL):
        bad.append("%s: 10^%.15g, autograd 10^%.15g" % (name, got_l10, math.log10(want)))

def step(s_prev, j, Wj=W):
    return sigma(Wj @ s_prev + U @ X[j - 1] + b)

# forward pass
s = [s0]
a_rows = []
for j in range(1, T + 1):
    a_rows.append(W @ s[-1] + U @ X[j - 1] + b)
    s.append(sigma(a_rows[-1]))
close("a", torch.tensor(o["a"]), torch.stack(a_rows))
close("s", torch.tensor(o["s"]), torch.stack(s[1:]))
L = 0.5 * torch.sum((s[t] - y) ** 2)
close("loss", o["loss"], L.item(), abs(L.item()))
lam = torch.linalg.matrix_norm(W, ord=2).item()
close("lambda", o["lambda"], lam, lam)
close("gamma", o["gamma"], gamma, gamma)

# per-step Jacobians by autograd, and ‖∂s_t/∂s_k‖₂ through the composed map
Jn = [None] + [torch.linalg.matrix_norm(torch.autograd.functional.jacobian(lambda v, j=j: step(v, j), s[j - 1]), ord=2).item()
               for j in range(1, T + 1)]
for p in o["paths"]:
    k = p["k"]
    def through(v, k=k):
        for j in range(k + 1, t + 1):
            v = step(v, j)
        return v
    Jk = torch.autograd.functional.jacobian(through, s[k])
    nrm = torch.linalg.matrix_norm(Jk, ord=2).item()
    prod = math.prod(Jn[k + 1:t + 1])
    bound_l10 = (t - k) * math.log10(gamma * lam) if gamma * lam > 0 else -math.inf
    check_mag("path k=%d norm" % k, mag(p, "norm"), nrm)
    check_mag("path k=%d step_product" % k, mag(p, "step_product"), prod)
    if abs(mag(p, "bound") - bound_l10) > 1e-9 * max(1, abs(bound_l10)):
        bad.append("path k=%d bound: 10^%.15g, expected 10^%.15g" % (k, mag(p, "bound"), bound_l10))

# path contributions: W used at step k alone is a separate leaf
for p in o["paths"]:
    k = p["k"]
    Wk = W.clone().requires_grad_(True)
    v = s0
    for j in range(1, t + 1):
        v = step(v, j, Wk if j == k else W)
    Lk = 0.5 * torch.sum((v - y) ** 2)
    (g,) = torch.autograd.grad(Lk, Wk)
    want = torch.linalg.matrix_norm(g).item()
    check_mag("path k=%d contribution" % k, mag(p, "contribution"), want)

# the whole gradient by backpropagation
Wg = W.clone().requires_grad_(True)
v = s0
for j in range(1, t + 1):
    v = step(v, j, Wg)
Lg = 0.5 * torch.sum((v - y) ** 2)
(G,) = torch.autograd.grad(Lg, Wg)
if o["grad_W"] is not None:
    close("grad_W", torch.tensor(o["grad_W"]), G)
else:
    sc = 10.0 ** o["grad_W_log10_scale"]
    close("grad_W (scaled)", torch.tensor(o["grad_W_scaled"]) * sc, G)
gn = torch.linalg.matrix_norm(G).item()
if o["grad_norm"] is not None:
    close("grad_norm", o["grad_norm"], gn, gn)

if bad:
    print("FAIL %s:\n  %s" % (label, "\n  ".join(bad[:12])), file=sys.stderr)
    sys.exit(1)
print("ok   %-60s  %d paths, d = %d, T = %d" % (label, len(o["paths"]), W.shape[0], T))
EOF
		fails=$((fails + 1))
	fi
done <<'NETS'
--act sigmoid --hidden 6 --inputs 3 --steps 12 --norm 4 --seed 2
--act tanh --hidden 8 --steps 20 --t 15 --norm 1.5 --init orthogonal --seed 3
--act relu --hidden 5 --inputs 2 --steps 10 --norm 1.2 --seed 4
--act linear --hidden 4 --steps 25 --norm 0.95 --seed 5
--act tanh --hidden 16 --steps 30 --norm 3 --input-scale 0.3 --seed 6
--act sigmoid --hidden 3 --inputs 1 --steps 40 --norm 0.5 --init identity --seed 7
NETS

if [ "$fails" -ne 0 ]; then
	echo "check_torch.sh: $fails network(s) disagree with autograd" >&2
	exit 1
fi
echo "check_torch.sh: $i networks agree with PyTorch autograd to 1e-9"
