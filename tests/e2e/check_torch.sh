#!/bin/sh
# `vanex check --json` against an autograd framework: PyTorch recomputes, in
# float64 from the model vanex wrote, the forward pass a and s, the loss,
# every ‖∂s_t/∂s_k‖₂ (torch.autograd.functional.jacobian, then
# torch.linalg.matrix_norm(ord=2)), every per-step ‖J_j‖₂, λ = ‖W‖₂, the
# contribution of each path k and ∂L_t/∂W by backpropagation, and the summed
# loss L = Σ_t L_t with ∂L/∂W and its near (k = t) and far (k < t) parts; all
# must agree to 1e-9 relative.  The derivatives of tanh and of the logistic are the
# accurate 1/cosh²(a) and σ(a)σ(−a), so saturated networks are compared too.
# Then the comparison is shown able to fail: a run with one number off by
# 1e-6 relative must be refused.  torch is Debian's python3-torch under
# /usr/bin/python3 (tests/deps.sh installs it); without it this test FAILS.
#   VANEX=./vanex sh tests/e2e/check_torch.sh
set -u
VANEX=${VANEX:-./vanex}
# Debian's interpreter: a python3 first in PATH (pyenv) has no torch.
PY=/usr/bin/python3
if ! "$PY" -c 'import torch' >/dev/null 2>&1; then
	echo "FAIL check_torch.sh: $PY cannot import torch (Debian python3-torch; 'sh tests/deps.sh test' installs it)" >&2
	exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vanex-e2e-torch.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

# The reference: ref.py RUN.json LABEL exits 0 when every number agrees and
# 3 when one does not (any other status: the reference itself broke).
cat >"$tmp/ref.py" <<'EOF'
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

def accurate(f, df):
    """f with the derivative df(a), computed from a rather than from y = f(a):
    autograd's own 1 − y² (tanh) and y(1 − y) (logistic) lose every digit once
    y rounds to ±1 (already half of them at |a| = 10 for tanh), and the
    reference would then blame vanex for being right."""
    class F(torch.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return f(a)

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return g * df(a)
    return F.apply

# 1/cosh²(a) as (1/cosh a)², which stays accurate where cosh² would overflow
sigma = {"sigmoid": accurate(torch.sigmoid, lambda a: torch.sigmoid(a) * torch.sigmoid(-a)),
         "tanh": accurate(torch.tanh, lambda a: (1 / torch.cosh(a)) ** 2),
         "relu": torch.relu, "linear": lambda a: a}[act]
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

# the summed loss L = Σ_{t=1}^{T} L_t that training uses, W at each step a
# leaf of its own: ∂L/∂W is the sum of the leaves' gradients, the near part
# each L_t's through W at step t, the far part Σ_k ∂(Σ_{t>k} L_t)/∂W_k
Wl = [W.clone().requires_grad_(True) for _ in range(T)]
v, Ls = s0, []
for j in range(1, T + 1):
    v = step(v, j, Wl[j - 1])
    Ls.append(0.5 * torch.sum((v - y) ** 2))
Lsum = sum(Ls)
check_mag("loss_sum", mag(o, "loss_sum"), Lsum.item())
Gs = sum(torch.autograd.grad(Lsum, Wl, retain_graph=True))
if o["grad_sum_W"] is not None:
    close("grad_sum_W", torch.tensor(o["grad_sum_W"]), Gs)
else:
    close("grad_sum_W (scaled)", torch.tensor(o["grad_sum_W_scaled"]) * 10.0 ** o["grad_sum_W_log10_scale"], Gs)
check_mag("grad_sum_norm", mag(o, "grad_sum_norm"), torch.linalg.matrix_norm(Gs).item())
near = sum(torch.autograd.grad(Ls[j - 1], Wl[j - 1], retain_graph=True)[0] for j in range(1, T + 1))
far = torch.zeros_like(W)
for k in range(1, T):
    far += torch.autograd.grad(sum(Ls[k:]), Wl[k - 1], retain_graph=True)[0]
check_mag("grad_sum_near", mag(o, "grad_sum_near"), torch.linalg.matrix_norm(near).item())
check_mag("grad_sum_far", mag(o, "grad_sum_far"), torch.linalg.matrix_norm(far).item())

if bad:
    print("FAIL %s:\n  %s" % (label, "\n  ".join(bad[:12])), file=sys.stderr)
    sys.exit(3)
print("ok   %-60s  %d paths, d = %d, T = %d" % (label, len(o["paths"]), W.shape[0], T))
EOF

fails=0
i=0
# Each network: activation, sizes, norm, init, horizon and loss step.  The
# last two saturate: tanh units at |a| from 0 to 65 (median 11), and logistic
# units at a = 30, where y(1 − y) is off by 1e-3; with autograd's own
# derivatives the reference was off by 3e-8 and 6e-3 in the path norms.
while read -r args; do
	[ -z "$args" ] && continue
	i=$((i + 1))
	# shellcheck disable=SC2086
	if ! "$VANEX" check --json $args >"$tmp/run$i.json" 2>"$tmp/err"; then
		echo "FAIL: vanex check --json $args: $(cat "$tmp/err")" >&2
		fails=$((fails + 1))
		continue
	fi
	OMP_NUM_THREADS=1 "$PY" "$tmp/ref.py" "$tmp/run$i.json" "$args" || fails=$((fails + 1))
done <<'NETS'
--act sigmoid --hidden 6 --inputs 3 --steps 12 --norm 4 --seed 2
--act tanh --hidden 8 --steps 20 --t 15 --norm 1.5 --init orthogonal --seed 3
--act relu --hidden 5 --inputs 2 --steps 10 --norm 1.2 --seed 4
--act linear --hidden 4 --steps 25 --norm 0.95 --seed 5
--act tanh --hidden 16 --steps 30 --norm 3 --input-scale 0.3 --seed 6
--act sigmoid --hidden 3 --inputs 1 --steps 40 --norm 0.5 --init identity --seed 7
--act tanh --hidden 8 --steps 20 --norm 30 --seed 8
--act sigmoid --hidden 3 --steps 8 --init identity --norm 30 --input-scale 0 --seed 1
--act relu --hidden 6 --inputs 2 --steps 80 --norm 0.9 --seed 9
--act sigmoid --hidden 5 --steps 70 --t 30 --norm 5 --seed 10
NETS

# The comparison can fail: the saturated tanh run with one number off by
# 1e-6 relative, as a wrong derivative in vanex would leave it, is refused
# (status 3) for a path norm, a step product, the largest entry of ∂L_t/∂W
# and of the summed loss's ∂L/∂W, and the summed loss.
"$PY" - "$tmp/run7.json" "$tmp" <<'EOF' || { echo "FAIL: the altered runs were not written" >&2; fails=$((fails + 1)); }
import json, sys
o = json.load(open(sys.argv[1]))
mid = len(o["paths"]) // 2
def alter(name, change):
    c = json.loads(json.dumps(o))
    change(c)
    json.dump(c, open("%s/alt-%s.json" % (sys.argv[2], name), "w"))
def largest(G):
    return max(((i, j) for i in range(len(G)) for j in range(len(G[0]))), key=lambda ij: abs(G[ij[0]][ij[1]]))
def grad(c):
    i, j = largest(c["grad_W"])
    c["grad_W"][i][j] *= 1 + 1e-6
alter("norm", lambda c: c["paths"][mid].__setitem__("norm", c["paths"][mid]["norm"] * (1 + 1e-6)))
alter("product", lambda c: c["paths"][mid].__setitem__("step_product", c["paths"][mid]["step_product"] * (1 + 1e-6)))
alter("grad", grad)
def grad_sum(c):
    i, j = largest(c["grad_sum_W"])
    c["grad_sum_W"][i][j] *= 1 + 1e-6
alter("grad_sum", grad_sum)
alter("loss_sum", lambda c: c.__setitem__("loss_sum", c["loss_sum"] * (1 + 1e-6)))
EOF
for alt in norm product grad grad_sum loss_sum; do
	OMP_NUM_THREADS=1 "$PY" "$tmp/ref.py" "$tmp/alt-$alt.json" "altered $alt" >/dev/null 2>"$tmp/alt.err"
	rc=$?
	if [ "$rc" -eq 3 ]; then
		echo "ok   a $alt off by 1e-6 is refused: $(sed -n 2p "$tmp/alt.err" | sed 's/^ *//')"
	else
		echo "FAIL: a $alt off by 1e-6 was not refused (status $rc): $(tail -n 2 "$tmp/alt.err")" >&2
		fails=$((fails + 1))
	fi
done

if [ "$fails" -ne 0 ]; then
	echo "check_torch.sh: $fails failure(s)" >&2
	exit 1
fi
echo "check_torch.sh: $i networks agree with PyTorch autograd to 1e-9; 5 altered runs refused"
