#!/bin/sh
# `vanex check --weights FILE --inputs-file X` on networks trained and saved
# by PyTorch, against PyTorch float64 autograd.
#
# tests/fixtures/gen_ckpt.py writes the files as users save them (nn.RNN tanh
# and relu, nn.LSTM, nn.GRU; 1 and 2 layers; at the top level, in a wrapping
# module, under DataParallel's "module."; float32 and float64; a training
# loop's {model, optimizer, epoch}; safetensors; savez and savez_compressed;
# zip and legacy .pt; bidirectional, both directions; no biases; an LSTM
# trained to remember a sign over 20 steps) with an inputs file each (a
# batch B x T x n in float64 or float32, a T x n .npy, a .csv).  For every
# file and direction, check --json runs on them, and a reference reads the
# file again by its own means (torch.load, numpy.load, the safetensors
# header by hand), runs the module's direction on each sequence (x from its
# end for the reverse direction) with tests/fixtures/torch_cells.py's cells
# (derivatives sigma(a)sigma(-a) and 1/cosh^2(a); checked against nn.* by
# gen_ckpt.py) and y = 0, and holds to 1e-9 relative, sequence by sequence:
#   - every layer's h_t and c_t at every step;
#   - ||dS_t/dS_k||_2 for every k and its h and c blocks per layer, from
#     torch.autograd.functional.jacobian of the composed steps;
#   - the loss, every grads member and grad_norm (autograd; a module
#     without biases has no bias in the model or the grads);
#   - the summed loss L = sum of L_t over all T steps, every grads_sum
#     member and grad_sum_norm (autograd through all T steps);
#   - for a batch, the quartiles of log10 ||dS_t/dS_k|| (numpy.quantile),
#     and the spreads of log10 L and log10 ||dL/dtheta||_F;
# and exactly: the weights the JSON shows against the file's, the inputs
# against the inputs file.  Then: inputs generated when no file is given
# (the source says so, y = 0); --list against the modules gen_ckpt.py
# states; the text of the trained LSTM and of a batch within 80 columns;
# and the comparison shown able to fail (a norm, a gradient entry, a
# forward h, a batch quartile, a summed-loss gradient entry and a summed
# loss's quartile altered by 1e-6 are each refused).  torch
# is Debian's python3-torch under /usr/bin/python3; without it this test
# FAILS, never skips.
#   VANEX=./vanex sh tests/e2e/check_ckpt.sh
set -u
VANEX=${VANEX:-./vanex}
case $VANEX in /*) ;; *) VANEX=$(pwd)/$VANEX ;; esac
here=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
if ! "$PY" -c 'import torch, numpy' >/dev/null 2>&1; then
	echo "FAIL check_ckpt.sh: $PY cannot import torch and numpy (Debian python3-torch; 'sh tests/deps.sh test' installs it)" >&2
	exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vanex-e2e-ckpt.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP
mkdir "$tmp/fx" "$tmp/ls"
if ! OMP_NUM_THREADS=1 "$PY" "$here/../fixtures/gen_ckpt.py" "$tmp/fx" >"$tmp/gen.out" 2>&1 ||
	! OMP_NUM_THREADS=1 "$PY" "$here/../fixtures/gen_ckpt.py" "$tmp/ls" listing >>"$tmp/gen.out" 2>&1; then
	echo "FAIL check_ckpt.sh: gen_ckpt.py: $(tail -n 3 "$tmp/gen.out")" >&2
	exit 1
fi
cat "$tmp/gen.out"

cat >"$tmp/ref.py" <<'EOF'
"""Runs vanex on every fixture and compares; see check_ckpt.sh."""
import json
import math
import os
import struct
import subprocess
import sys

import numpy as np
import torch

VANEX, FIX, TMP = sys.argv[1], sys.argv[2], sys.argv[3]
sys.path.insert(0, FIX)
import gen_ckpt  # noqa: E402  (its Net: the reference cells, stepped by hand)
from torch_cells import mag_rel, rel  # noqa: E402

torch.set_num_threads(1)
torch.set_default_dtype(torch.float64)
TOL = 1e-9
fails = []
worst = {}
runs = 0


def note(label, what, err):
    worst[what] = max(worst.get(what, 0.0), err)
    if not err <= TOL:
        fails.append("%s: %s: relative error %.3g" % (label, what, err))


def flat(obj, prefix=""):
    """Tensors of nested dicts, named as vanex names them ("model.lstm.weight_hh_l0")."""
    out = {}
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.update(flat(v, "%s%s." % (prefix, k)))
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            out.update(flat(v, "%s%d." % (prefix, i)))
    elif torch.is_tensor(obj):
        out[prefix[:-1]] = obj
    return out


def read_weights(path):
    """The file's tensors as float64, read without vanex."""
    if path.endswith(".npz"):
        z = np.load(path)
        return {k: torch.tensor(z[k].astype(np.float64)) for k in z.files}
    if path.endswith(".safetensors"):
        data = open(path, "rb").read()
        n = struct.unpack("<Q", data[:8])[0]
        head = json.loads(data[8:8 + n])
        body = data[8 + n:]
        dt = {"F64": np.float64, "F32": np.float32, "F16": np.float16}
        out = {}
        for k, v in head.items():
            if k == "__metadata__":
                continue
            a, b = v["data_offsets"]
            arr = np.frombuffer(body[a:b], dtype=dt[v["dtype"]]).reshape(v["shape"])
            out[k] = torch.tensor(arr.astype(np.float64))
        return out
    return {k: v.to(torch.float64) for k, v in flat(torch.load(path, map_location="cpu")).items()}


def read_inputs(path):
    x = np.loadtxt(path, delimiter=",", ndmin=2) if path.endswith(".csv") else np.load(path)
    x = x.astype(np.float64)
    return x[None] if x.ndim == 2 else x


def vanex(args, out=None):
    global runs
    runs += 1
    r = subprocess.run([VANEX, "check"] + args, capture_output=True, env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
    if r.returncode != 0:
        fails.append("vanex check %s: exit %d: %s" % (" ".join(args), r.returncode, r.stderr.decode()[:300]))
        return None
    if out:
        open(out, "wb").write(r.stdout)
    return r.stdout.decode()


def compare_seq(label, net, s, ref):
    """One sequence of one direction: s the JSON's numbers, ref PyTorch's."""
    L, d = net.L, net.d
    for l in range(L):
        note(label, "h_t", rel(s["h"][l], ref["h"][l]))
        if net.cell == "lstm":
            note(label, "c_t", rel(s["c"][l], ref["c"][l]))
    if len(s["paths"]) != len(ref["norm"]):
        fails.append("%s: %d paths, PyTorch %d" % (label, len(s["paths"]), len(ref["norm"])))
        return
    for q in s["paths"]:
        k = q["k"]
        note(label, "|dS_t/dS_k|", mag_rel(q["norm"], q["log10_norm"], ref["norm"][k - 1]))
        for l in range(L):
            note(label, "h blocks", mag_rel(q["h_norm"][l], q["log10_h_norm"][l], ref["h_norm"][k - 1][l]))
            if net.cell == "lstm":
                note(label, "c blocks", mag_rel(q["c_norm"][l], q["log10_c_norm"][l], ref["c_norm"][k - 1][l]))
    note(label, "L_t", mag_rel(s["loss"], s["log10_loss"], ref["loss"]))
    compare_grads(label, s, "grads", ref["grad"], "dL_t/dtheta")
    note(label, "|dL_t/dtheta|_F", mag_rel(s["grad_norm"], s["log10_grad_norm"], ref["grad_norm"]))
    # the summed loss over all T steps and its gradient
    note(label, "L = sum L_t", mag_rel(s["loss_sum"], s["log10_loss_sum"], ref["loss_sum"]))
    note(label, "|dL/dtheta|_F", mag_rel(s["grad_sum_norm"], s["log10_grad_sum_norm"], ref["grad_sum_norm"]))
    compare_grads(label, s, "grads_sum", ref["grad_sum"], "dL/dtheta")


def compare_grads(label, s, key, want, what):
    """s[key] (or key_scaled x 10^key_log10_scale), every parameter's
    gradient, against PyTorch's want."""
    grads = s[key] if s[key] is not None else s[key + "_scaled"]
    scale = 10.0 ** (s.get(key + "_log10_scale") or 0.0)
    if set(grads) != set(want):
        fails.append("%s: %s members %s, parameters %s" % (label, key, sorted(grads), sorted(want)))
        return
    for name, g in grads.items():
        note(label, what, rel(torch.tensor(g).reshape(-1) * scale, want[name]))


def reference(e, sd, x, rev, t):
    """PyTorch's numbers for every sequence of x in direction rev, y = 0."""
    prefix = e["name"] + "." if e["name"] else ""
    net = gen_ckpt.Net(sd, prefix, e["cell"], e["layers"], e["d"], rev, e["act"])
    y = torch.zeros(e["d"])
    out = []
    for b in range(x.shape[0]):
        xb = torch.tensor(x[b])
        res, _ = net.run(xb.flip(0) if rev else xb, y, t)
        out.append(res)
    return net, out


def check_run(e, o, sd, x, rev, label):
    """A whole run: weights and inputs as the files hold them, then the numbers."""
    prefix = e["name"] + "." if e["name"] else ""
    sfx = "_reverse" if rev else ""
    m = o["model"]
    for l in range(e["layers"]):
        for nm in gen_ckpt.NAMES:
            key = "%s%s_l%d%s" % (prefix, nm, l, sfx)
            mk = "%s_l%d" % (nm, l)
            if key not in sd:
                # a module without biases: none in the model either
                if mk in m:
                    fails.append("%s: the model has %s, the module has no %s" % (label, mk, key))
                continue
            if not torch.equal(torch.tensor(m[mk]), sd[key]):
                fails.append("%s: %s is not the file's %s" % (label, mk, key))
    src = o["source"]
    if src["weights"]["direction"] != ("reverse" if rev else "forward") or src["target"] != "zero":
        fails.append("%s: source %s" % (label, src))
    # weights and inputs from files: no seed was used, and none is recorded
    if not src["inputs"].get("generated") and o["params"]["seed"] is not None:
        fails.append("%s: params.seed is %s, but nothing was drawn" % (label, o["params"]["seed"]))
    # nor was any weight drawn (no init, no forget bias), nor a file's input
    # scaled; a replay of the JSON keeps the nulls (check.sh)
    pr = o["params"]
    if pr["init"] is not None or pr.get("forget_bias") is not None:
        fails.append("%s: params.init %r, forget_bias %r: the weights are the file's" %
                     (label, pr["init"], pr.get("forget_bias")))
    if not src["inputs"].get("generated") and pr["input_scale"] is not None:
        fails.append("%s: params.input_scale is %r, but the inputs are a file's" % (label, pr["input_scale"]))
    if any(v != 0 for v in m["y"]):
        fails.append("%s: y is not 0" % label)
    t = o["params"]["t"]
    net, ref = reference(e, sd, x, rev, t)
    B = x.shape[0]
    if B == 1:
        xin = torch.tensor(x[0]).flip(0) if rev else torch.tensor(x[0])
        if not torch.equal(torch.tensor(m["x"]), xin):
            fails.append("%s: model.x is not the inputs file's sequence" % label)
        compare_seq(label, net, o, ref[0])
        return ref
    if o["batch"]["sequences"] != B or len(o["sequences"]) != B:
        fails.append("%s: %s sequences, the file holds %d" % (label, o["batch"]["sequences"], B))
        return ref
    for b, s in enumerate(o["sequences"]):
        if not torch.equal(torch.tensor(s["x"]), torch.tensor(x[b])):
            fails.append("%s: sequence %d's x is not the file's" % (label, b + 1))
        compare_seq("%s sequence %d" % (label, b + 1), net, s, ref[b])
    l10 = np.log10(np.array([r["norm"] for r in ref]))
    q = np.quantile(l10, [0.25, 0.5, 0.75], axis=0)
    for p in o["batch"]["paths"]:
        got = p["log10_norm"]
        for i, key in enumerate(("q1", "median", "q3")):
            note(label, "batch quartiles", abs(math.expm1((got[key] - q[i][p["k"] - 1]) * math.log(10))))
    for key, rk in (("log10_loss_sum", "loss_sum"), ("log10_grad_sum_norm", "grad_sum_norm")):
        l10 = np.log10(np.array([r[rk] for r in ref]))
        q = np.quantile(l10, [0, 0.25, 0.5, 0.75, 1])
        got = o["batch"][key]
        for i, qk in enumerate(("min", "q1", "median", "q3", "max")):
            note(label, "batch " + key, abs(math.expm1((got[qk] - q[i]) * math.log(10))))
    return ref


man = json.load(open(os.path.join(TMP, "fx", "manifest.json")))
kept = {}
for e in man["fixtures"]:
    sd = read_weights(e["path"])
    x = read_inputs(e["inputs"])
    for rev in range(e["directions"]):
        args = ["--json", "--weights", e["path"], "--inputs-file", e["inputs"], "--t", str(e["t"])]
        if e["module"]:
            args += ["--module", e["module"]]
        if e["cell"] == "rnn" and e["act"] != "tanh":
            args += ["--act", e["act"]]
        if rev:
            args += ["--direction", "reverse"]
        label = "%s %s" % (os.path.basename(e["path"]), "reverse" if rev else "forward")
        out = os.path.join(TMP, "run-%d-%d.json" % (len(kept), rev))
        text = vanex(args, out)
        if text is None:
            continue
        o = json.loads(text)
        check_run(e, o, sd, x, rev, label)
        kept[label] = (e, out, sd, x, rev)
        print("ok   %s: %d sequence%s, t = %d" % (label, x.shape[0], "" if x.shape[0] == 1 else "s", e["t"]))

# a bidirectional module's text, each direction: within 80 columns, naming
# the direction and the option for the other
for e in (f for f in man["fixtures"] if f["directions"] == 2):
    for rev in (0, 1):
        args = ["--weights", e["path"], "--inputs-file", e["inputs"], "--t", str(e["t"])]
        args += ["--module", e["module"]] if e["module"] else []
        args += ["--direction", "reverse"] if rev else []
        text = vanex(args)
        if text is None:
            continue
        wide = [l for l in text.splitlines() if len(l) > 80]
        want = "the %s direction" % ("reverse" if rev else "forward")
        other = "(--direction %s for the other)" % ("forward" if rev else "reverse")
        if wide or want not in text or other not in text:
            fails.append("%s %s text: %s" % (e["path"], want, wide or text[:400]))
        else:
            print("ok   %s, %s: its text within 80 columns" % (os.path.basename(e["path"]), want))

# inputs generated from the seed when no file is given: the network on the
# JSON's x, y = 0, and the source says so
for name in ("rnn_tanh_f32.pt", "gru_2l_f64.npz", "ckpt_train.pt"):
    e = next(f for f in man["fixtures"] if os.path.basename(f["path"]) == name)
    text = vanex(["--json", "--weights", e["path"], "--steps", "12", "--seed", "5", "--input-scale", "0.5"])
    if text is None:
        continue
    o = json.loads(text)
    gen = o["source"]["inputs"]
    if not (gen.get("generated") is True and gen["seed"] == 5 and gen["input_scale"] == 0.5):
        fails.append("%s without --inputs-file: source.inputs %s" % (name, gen))
    check_run(e, o, read_weights(e["path"]), np.array([o["model"]["x"]]), 0, name + " generated inputs")
    print("ok   %s: x generated from seed 5, N(0, 0.5^2)" % name)

# --list: one line per module, as gen_ckpt.py states them
before = len(fails)
for e in man["fixtures"][:6]:
    text = vanex(["--weights", e["path"], "--list"])
    if text is not None and text != e["summary"] + "\n":
        fails.append("--list %s: %r, expected %r" % (e["path"], text, e["summary"]))
ls = json.load(open(os.path.join(TMP, "ls", "manifest.json")))["listings"][0]
text = vanex(["--weights", ls["path"], "--list"])
# a line past 80 columns goes on indented by two: joined back here
unwrapped = []
for l in (text or "").splitlines():
    if l.startswith("  ") and unwrapped:
        unwrapped[-1] += " " + l[2:]
    else:
        unwrapped.append(l)
if text is not None and (unwrapped != ls["lines"] or max(len(l) for l in text.splitlines()) > 80):
    fails.append("--list of a file with three modules: %r" % text)
if len(fails) == before:
    print("ok   --list: the module lines of 7 files")
# a module at the top level beside another is picked by the name --list gives it
before = len(fails)
tl = os.path.join(TMP, "toplevel.pt")
sd = dict(torch.nn.LSTM(3, 5).state_dict())
sd.update({"dec." + k: v for k, v in torch.nn.GRU(5, 4).state_dict().items()})
torch.save(sd, tl)
text = vanex(["--weights", tl, "--list"])
if text is not None and text.splitlines()[0] != "(top level): lstm, 1 layer, d = 5, n = 3, float64":
    fails.append("--list of a top-level LSTM beside dec: %r" % text)
text = vanex(["--weights", tl, "--module", "(top level)", "--json"])
if text is not None and (json.loads(text)["model"]["cell"] != "lstm" or json.loads(text)["state_size"] != 10):
    fails.append("--module '(top level)' did not pick the top-level LSTM")
if len(fails) == before:
    print("ok   --module '(top level)' picks the module --list names so")
# --list within 80 columns: a module's reason for not being analysed wraps
before = len(fails)
bg = os.path.join(TMP, "bigru2.pt")
torch.save(torch.nn.GRU(3, 4, num_layers=2, bidirectional=True).state_dict(), bg)
text = vanex(["--weights", bg, "--list"])
if text is not None and (max(len(l) for l in text.splitlines()) > 80 or "not analysed" not in text):
    fails.append("--list of a 2-layer bidirectional GRU: %r" % text)
if len(fails) == before:
    print("ok   --list wraps a long reason within 80 columns")

print("largest relative errors: " + ", ".join("%s %.2g" % kv for kv in sorted(worst.items())))


# the comparison fails on a number off by 1e-6
def altered(label, change):
    global fails
    if label not in kept:
        fails.append("%s was not run: nothing to alter" % label)
        return
    e, out, sd, x, rev = kept[label]
    o = json.load(open(out))
    change(o)
    before, fails = fails, []
    check_run(e, o, sd, x, rev, "altered")
    caught, fails = fails, before
    if caught:
        print("ok   refused: %s" % caught[0][:150])
    else:
        fails.append("a number of %s altered by 1e-6 was not refused" % label)


def bump(obj, key, i=None):
    if i is None:
        obj[key] *= 1 + 1e-6
    else:
        obj[key][i] *= 1 + 1e-6


def grad_sum_entry(o):
    g = o["sequences"][1]["grads_sum"]["weight_hh_l0"]
    i = max(range(len(g)), key=lambda r: abs(g[r][1]))
    g[i][1] *= 1 + 1e-6


def grad_entry(s):
    g = s["grads"]["weight_hh_l0"]
    g[0][0] = g[0][0] * (1 + 1e-6) + 1e-9


altered("lstm_2l_f32_legacy.pt forward", lambda o: bump(o["paths"][2], "norm"))
altered("lstm_2l_f32_legacy.pt forward", grad_entry)
altered("trained_lstm.pt forward", lambda o: bump(o["sequences"][2]["h"][0][5], 3))
altered("trained_lstm.pt forward", lambda o: bump(o["batch"]["paths"][4]["log10_norm"], "median"))
altered("trained_lstm.pt forward", grad_sum_entry)
altered("trained_lstm.pt forward", lambda o: bump(o["batch"]["log10_loss_sum"], "q3"))
for f in fails:
    print("FAIL " + f)
print("%d vanex runs, %d failures" % (runs, len(fails)))
sys.exit(1 if fails else 0)
EOF
fails=0
OMP_NUM_THREADS=1 "$PY" "$tmp/ref.py" "$VANEX" "$here/../fixtures" "$tmp" || fails=$((fails + 1))

# The text a user reads: the trained LSTM alone and over its batch, within
# 80 columns, saying where the weights and inputs came from.
fx=$tmp/fx
fail() {
	echo "FAIL $*" >&2
	fails=$((fails + 1))
}
if ! "$VANEX" check --weights "$fx/trained_lstm.pt" --inputs-file "$fx/trained_lstm_pt_x.npy" >"$tmp/batch.txt" 2>"$tmp/err"; then
	fail "check of the trained LSTM's batch: $(cat "$tmp/err")"
fi
if ! "$VANEX" check --weights "$fx/trained_lstm.pt" --steps 20 >"$tmp/one.txt" 2>"$tmp/err"; then
	fail "check of the trained LSTM: $(cat "$tmp/err")"
fi
LC_ALL=C "$VANEX" check --weights "$fx/trained_lstm.pt" --inputs-file "$fx/trained_lstm_pt_x.npy" >"$tmp/ascii.txt" 2>&1 ||
	fail "check of the trained LSTM's batch in ASCII: $(cat "$tmp/ascii.txt")"
LC_ALL=C grep -q '[^ -~]' "$tmp/ascii.txt" && fail "the batch's text under LC_ALL=C is not plain ASCII"
for f in batch one ascii; do
	w=$("$PY" -c 'import sys; print(max(len(l) for l in open(sys.argv[1], encoding="utf-8").read().splitlines()))' "$tmp/$f.txt")
	[ "$w" -le 80 ] || fail "$f: a line of $w characters"
	grep -q "^weights: module lstm of .*trained_lstm.pt (PyTorch zip, float32)$" "$tmp/$f.txt" ||
		fail "$f: no weights line: $(head -n 6 "$tmp/$f.txt")"
done
grep -q '^inputs: generated, N(0, 1²), seed 1; give your own with --inputs-file$' "$tmp/one.txt" ||
	fail "the generated inputs are not said: $(sed -n 5p "$tmp/one.txt")"
# --input-scale 0 is no input, as for a generated network (not "N(0, 0²), seed 1")
"$VANEX" check --weights "$fx/trained_lstm.pt" --steps 20 --input-scale 0 >"$tmp/none.txt" 2>"$tmp/err" ||
	fail "check of the trained LSTM with --input-scale 0: $(cat "$tmp/err")"
grep -q '^inputs: none (input scale 0); give your own with --inputs-file$' "$tmp/none.txt" ||
	fail "no input is not said: $(sed -n 5p "$tmp/none.txt")"
grep -q '^inputs: from .*trained_lstm_pt_x.npy, 4 sequences of T = 20 steps of n = 1$' "$tmp/batch.txt" &&
	grep -q '^verdict: [a-z]*: [0-9] of 4 sequences vanish' "$tmp/batch.txt" ||
	fail "the batch's text: $(head -c 600 "$tmp/batch.txt")"
[ "$fails" -eq 0 ] && echo "ok   the text of the trained LSTM and of its batch within 80 columns"

if [ "$fails" -ne 0 ]; then
	echo "check_ckpt.sh: $fails failure(s)" >&2
	exit 1
fi
echo "check_ckpt.sh: every fixture agrees with PyTorch float64 to 1e-9; altered runs refused"
