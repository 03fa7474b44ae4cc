#!/bin/sh
# End-to-end tests of `vanex check` (POSIX sh): output that fits 80 columns
# with a verdict, closed-form values in the table, the JSON round trip
# through --model, reproducibility, and one clear line on stderr with the
# right exit status for every bad input.
#   VANEX=./vanex sh tests/e2e/check.sh
set -u
VANEX=${VANEX:-./vanex}
case $VANEX in /*) ;; *) VANEX=$(pwd)/$VANEX ;; esac
# Debian's interpreter, with python3-numpy (tests/deps.sh), not a pyenv one first in PATH.
PY=/usr/bin/python3
if ! "$PY" -c 'import numpy' >/dev/null 2>&1; then
	echo "FAIL check.sh: $PY cannot import numpy (Debian python3-numpy; 'sh tests/deps.sh test' installs it)" >&2
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vanex-e2e-check.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP
fails=0
checks=0

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}
pass() { checks=$((checks + 1)); }

# run ARGS...: runs vanex, stdout in $tmp/out, stderr in $tmp/err, status in $rc.
run() {
	"$VANEX" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# Every line of a file within 80 display columns (UTF-8 continuation bytes
# do not count).
fits80() {
	LC_ALL=C tr -d '\200-\277' <"$1" | LC_ALL=C awk -v f="$2" \
		'length($0) > 80 { printf "%s: line %d has %d columns: %s\n", f, NR, length($0), $0; bad = 1 } END { exit bad }'
}

# expect_ok DESC ARGS...: exit 0, no stderr, output within 80 columns with a verdict line.
expect_ok() {
	desc=$1
	shift
	run "$@"
	if [ "$rc" -ne 0 ]; then
		fail "$desc: exit $rc ($(head -c 300 "$tmp/err"))"
		return
	fi
	[ -s "$tmp/err" ] && fail "$desc: wrote to stderr: $(head -c 300 "$tmp/err")"
	fits80 "$tmp/out" "$desc" || fail "$desc: wider than 80 columns"
	grep -Eq '^verdict: (vanishing|exploding|neither): ' "$tmp/out" || fail "$desc: no verdict line"
	grep -q '^finite-difference check: pass$' "$tmp/out" || fail "$desc: finite-difference check did not pass"
	grep -Eqi '(^|[^a-z])(nan|inf)([^a-z]|$)' "$tmp/out" && fail "$desc: nan or inf printed"
	pass
}

# expect_err STATUS FRAGMENT ARGS...: the exit status, nothing on stdout, one
# line on stderr starting "vanex: " and holding FRAGMENT.
expect_err() {
	want=$1
	frag=$2
	shift 2
	run "$@"
	[ "$rc" -eq "$want" ] || fail "vanex $*: exit $rc, expected $want ($(head -c 300 "$tmp/err"))"
	[ -s "$tmp/out" ] && fail "vanex $*: wrote to stdout on error"
	n=$(wc -l <"$tmp/err")
	[ "$n" -eq 1 ] || fail "vanex $*: $n lines on stderr: $(head -c 300 "$tmp/err")"
	grep -q '^vanex: ' "$tmp/err" || fail "vanex $*: stderr does not start with 'vanex: '"
	grep -qF -- "$frag" "$tmp/err" || fail "vanex $*: stderr '$(head -c 300 "$tmp/err")' lacks '$frag'"
	pass
}

# ---- version and help ----
run --version
[ "$rc" -eq 0 ] && [ "$(head -n 1 "$tmp/out")" = "vanex 0.1.0" ] && [ "$(wc -l <"$tmp/out")" -eq 2 ] &&
	grep -Eq '^BLAS: (OpenBLAS, [A-Za-z0-9_]+ kernels|not OpenBLAS)$' "$tmp/out" ||
	fail "--version: '$(cat "$tmp/out")' exit $rc"
pass
# The BLAS's kernels: OpenBLAS's own table falls back to SSE3 kernels
# (Prescott) on processors newer than it; vanex then starts again with the
# kernels the processor's flags call for, unless the user chose them.
# A build for one processor (no DYNAMIC_ARCH) names it in capitals and
# reads no OPENBLAS_CORETYPE: nothing to check there.
k=$(sed -n 's/^BLAS: OpenBLAS, \(.*\) kernels$/\1/p' "$tmp/out")
if [ -n "$k" ] && [ -z "${OPENBLAS_CORETYPE+set}" ] && [ "$k" != "$(printf %s "$k" | tr a-z A-Z)" ] &&
	grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo 2>/dev/null; then
	case $k in
	Prescott | Core2 | Penryn | Dunnington | Nehalem | Atom | Sandybridge | Opteron* | Barcelona | Bobcat | \
		Bulldozer | Piledriver | Steamroller)
		fail "--version: $k kernels on a processor with AVX2 and FMA" ;;
	*) pass ;;
	esac
	OPENBLAS_CORETYPE=Prescott "$VANEX" --version | grep -q '^BLAS: OpenBLAS, Prescott kernels$' ||
		fail "--version: OPENBLAS_CORETYPE=Prescott not kept"
	pass
fi
for h in "--help" "check --help" "report --help" "tutor --help" "help" "help check" "-h"; do
	# shellcheck disable=SC2086
	run $h
	[ "$rc" -eq 0 ] || fail "vanex $h: exit $rc"
	fits80 "$tmp/out" "vanex $h" || fail "vanex $h: help wider than 80 columns"
	grep -q 'usage: vanex' "$tmp/out" || fail "vanex $h: no usage line"
	pass
done
run check --help
grep -q -- '--json' "$tmp/out" && grep -q -- '--weights FILE' "$tmp/out" || fail "check --help lacks options"

# ---- valid runs: ASCII and UTF-8 ----
LC_ALL=C expect_ok "default check (C locale)" check
LC_ALL=C "$VANEX" check | LC_ALL=C tr -d '\000-\177' | wc -c | grep -qx '0' || fail "C locale output is not pure ASCII"
# C.UTF-8 comes with the C library (Debian libc-bin)
locale -a 2>/dev/null | grep -qi '^c\.utf-\?8$' || fail "no C.UTF-8 locale: the UTF-8 output was not checked"
LC_ALL=C.UTF-8 expect_ok "default check (UTF-8)" check
LC_ALL=C.UTF-8 "$VANEX" check | grep -q 'γ' || fail "UTF-8 locale output has no Greek letters"
for a in sigmoid tanh relu linear; do
	for init in gaussian orthogonal identity; do
		LC_ALL=C expect_ok "--act $a --init $init" check --act "$a" --init "$init" --hidden 6 --steps 40 --norm 1.1
	done
done
LC_ALL=C expect_ok "t < steps" check --steps 60 --t 25 --seed 3
LC_ALL=C expect_ok "no input" check --input-scale 0 --steps 12
LC_ALL=C expect_ok "t = 1" check --steps 5 --t 1
LC_ALL=C expect_ok "large hidden" check --hidden 64 --steps 100

# ---- figures whose exponents run to 3-6 digits keep their columns apart ----
# A row of a gap table is t−k, k and four figures; a gate row is the gate,
# three figures and two percentages: as many fields as that, in 80 columns
# (they had run together from 10^-300 on in UTF-8: "15001.794×10⁻¹⁵⁰¹²⁸…").
# fields_apart DESC AWKPATTERN N ARGS...: the lines matching the pattern
# have N fields, and there is at least one.
fields_apart() {
	desc=$1
	pat=$2
	nf=$3
	shift 3
	LC_ALL=C.UTF-8 run "$@"
	[ "$rc" -eq 0 ] || { fail "$desc: exit $rc ($(head -c 300 "$tmp/err"))"; return; }
	fits80 "$tmp/out" "$desc" || fail "$desc: wider than 80 columns"
	awk -v d="$desc" -v n="$nf" "$pat"' { rows++; if (NF != n) { printf "%s: %d fields, not %d: %s\n", d, NF, n, $0; bad = 1 } }
		END { if (!rows) { printf "%s: no rows matched\n", d; bad = 1 } exit bad }' "$tmp/out" >&2 ||
		fail "$desc: fields run together"
	pass
}
gap_rows='/^ +[0-9]+ +[0-9]/'
fields_apart "gap table at 10^-300 per step" "$gap_rows" 6 check --norm 1e-300 --steps 2000
fields_apart "gap table at 10^-600 per step (sigmoid)" "$gap_rows" 6 check --act sigmoid --norm 1.234e-300 --steps 2000
fields_apart "gap table at 10^+300 per step" "$gap_rows" 6 check --act linear --init orthogonal --norm 1e300 --steps 2000 --input-scale 0
# exponents of ten digits (10^-1432491345 at the longest gap): the power of ten alone
fields_apart "gap table at 10^(-7e6) per step" "$gap_rows" 6 check --input-scale 8e7 --steps 200
fields_apart "LSTM gate table at 10^-300" '/^ +[ifgo] /' 6 check --cell lstm --norm 1e-300 --steps 20
fields_apart "GRU gate table at 10^-300" '/^ +[rzn] /' 6 check --cell gru --norm 1.23456e-300 --steps 20 --input-scale 1e-300
# the inputs' variance: (1.5×10⁻⁵)², not 1.5×10⁻⁵² (10^-52)
LC_ALL=C.UTF-8 run check --input-scale 1.5e-5 --steps 5
grep -q 'N(0, (1\.5×10⁻⁵)²)' "$tmp/out" || fail "input scale 1.5e-5: variance not (1.5×10⁻⁵)²: $(grep inputs "$tmp/out")"
LC_ALL=C run check --input-scale 1.5e-5 --steps 5
grep -q 'N(0, (1\.5e-05)^2)' "$tmp/out" || fail "input scale 1.5e-5 (C locale): $(grep inputs "$tmp/out")"
LC_ALL=C.UTF-8 run check --input-scale 2 --steps 5
grep -q 'N(0, 2²)' "$tmp/out" || fail "input scale 2: variance not 2²: $(grep inputs "$tmp/out")"
pass

# ---- a horizon no finite difference can resolve ----
# tanh with ||W|| = 6 over 1000 steps is chaotic: dL_t/dW at every sampled
# entry needs a step below 2^-30 of the value, so nothing can be compared in
# double precision.  That is neither a pass nor a FAIL, and says so.
LC_ALL=C run check --act tanh --norm 6 --hidden 16 --steps 1000
[ "$rc" -eq 0 ] && [ ! -s "$tmp/err" ] || fail "unresolved dL_t/dW: exit $rc ($(head -c 300 "$tmp/err"))"
grep -q '^finite-difference check: unresolved, neither pass nor FAIL: 16 entries$' "$tmp/out" ||
	fail "unresolved dL_t/dW: no 'unresolved' verdict naming the 16 left out: $(grep -A2 '^finite-difference check' "$tmp/out")"
grep -q 'resolve in double precision' "$tmp/out" || fail "unresolved dL_t/dW: double precision not named"
grep -Eq 'dL_t/dW, 0 entries +- +unresolved$' "$tmp/out" || fail "unresolved dL_t/dW: the row does not say unresolved"
grep -Eq ' FAIL$|^finite-difference check: (pass|FAIL)$' "$tmp/out" && fail "unresolved dL_t/dW: claims FAIL or an overall pass"
grep -Eqi '(^|[^a-z])(nan|inf)([^a-z]|$)' "$tmp/out" && fail "unresolved dL_t/dW: nan or inf printed"
fits80 "$tmp/out" "unresolved dL_t/dW" || fail "unresolved dL_t/dW: wider than 80 columns"
pass
run check --act tanh --norm 6 --hidden 16 --steps 1000 --json
"$PY" -c "
import json, sys
f = json.load(open('$tmp/out'))['fd_check']
assert f['dLdW'] is None and f['dLdW_entries'] == 0 and f['unresolved'] == 16, f
assert f['pass'] is False and f['outcome'] == 'unresolved', f
assert f['dsds'] is not None and f['dsds'] <= f['tolerance'], f
" || fail "unresolved dL_t/dW: JSON fd_check does not keep null, the counts and the outcome"
pass

# ---- a ReLU network at rest on its kinks ----
# No input, b = 0, s_0 = 0: every a_j is exactly 0, where sigma' is a
# convention (0) and a two-sided difference sees 1/2.  Nothing there can be
# compared; the check says so instead of FAIL.
LC_ALL=C run check --act relu --input-scale 0
[ "$rc" -eq 0 ] && [ ! -s "$tmp/err" ] || fail "relu at rest: exit $rc ($(head -c 300 "$tmp/err"))"
grep -Eq 'ds_j/da_j at j = 50 +- +at kink$' "$tmp/out" || fail "relu at rest: ds_j/da_j row: $(grep 'ds_j/da_j' "$tmp/out")"
grep -q '^finite-difference check: pass where defined: 16 columns or entries move a$' "$tmp/out" ||
	fail "relu at rest: verdict: $(grep -A2 '^finite-difference check' "$tmp/out")"
grep -Eq ' FAIL$|^finite-difference check: FAIL' "$tmp/out" && fail "relu at rest: claims FAIL"
fits80 "$tmp/out" "relu at rest" || fail "relu at rest: wider than 80 columns"
pass
run check --act relu --input-scale 0 --json
"$PY" -c "
import json, sys
f = json.load(open('$tmp/out'))['fd_check']
assert f['dsda'] is None and f['dsds'] is None and f['at_kink'] == 16, f
assert f['pass'] is False and f['outcome'] == 'at kink', f
" || fail "relu at rest: JSON fd_check"
pass

# ---- closed forms in the table ----
# Linear, W = 0.5 I: ds_t/ds_k = 0.5^(t-k) I, so gap 10 reads 0.5^10 = 9.765625e-04.
LC_ALL=C expect_ok "linear identity 0.5" check --act linear --init identity --norm 0.5 --steps 20
awk '$1 == 10 { print $3, $4, $5 }' "$tmp/out" | grep -qx '9.766e-04 9.766e-04 9.766e-04' ||
	fail "linear 0.5 I at gap 10: '$(awk '$1 == 10' "$tmp/out")', expected 9.766e-04 three times"
grep -q '^verdict: vanishing: ' "$tmp/out" || fail "linear 0.5 I is not vanishing"
grep -q 'x0.5 per step' "$tmp/out" || fail "linear 0.5 I: factor per step is not 0.5: $(grep verdict "$tmp/out")"
LC_ALL=C expect_ok "linear identity 2" check --act linear --init identity --norm 2 --steps 20 --input-scale 0
awk '$1 == 10 { print $3, $4, $5 }' "$tmp/out" | grep -qx '1024 1024 1024' ||
	fail "linear 2 I at gap 10: '$(awk '$1 == 10' "$tmp/out")', expected 1024"
grep -q '^verdict: exploding: ' "$tmp/out" || fail "linear 2 I is not exploding"
# Long horizons stay finite in the log domain: 3^999 and 0.25^999 are printed with exponents.
LC_ALL=C expect_ok "norm 3 over 1000 steps" check --act linear --init orthogonal --norm 3 --steps 1000 --input-scale 0
awk '$1 == 999 { print $5 }' "$tmp/out" | grep -q 'e+476$' || fail "3^999 bound: '$(awk '$1 == 999' "$tmp/out")'"
LC_ALL=C expect_ok "sigmoid over 1000 steps" check --act sigmoid --norm 1 --steps 1000
awk '$1 == 999 { print $5 }' "$tmp/out" | grep -q 'e-60[0-9]$' || fail "0.25^999 bound: '$(awk '$1 == 999' "$tmp/out")'"
grep -q '^verdict: vanishing: ' "$tmp/out" || fail "sigmoid over 1000 steps is not vanishing"

# ---- every printed row is monotone: actual <= step product <= bound ----
# The columns are three computations of one inequality; rounding made
# --act linear --init orthogonal --norm 1.5 print 5.063 5.062 5.062 at
# t-k = 4 (1.5^4 = 5.0625).  For a linear network every J_j is W, so the
# step product and the bound are the same number and must print the same;
# with W = 1.5 I the actual norm is that number too.
# rows FILE: "gap actual product bound" for every table row
rows() { LC_ALL=C awk '$1 ~ /^[0-9]+$/ && $2 ~ /^[0-9]+$/ && NF >= 6 { print $1, $3, $4, $5 }' "$1"; }
for args in "--act linear --init orthogonal --norm 1.5" "--act linear --init orthogonal --norm 0.7" \
	"--act linear --init gaussian --norm 1.5" "--act linear --init identity --norm 1.5" \
	"--act linear --init identity --norm 1" "--act tanh --init orthogonal --norm 1.5 --input-scale 0" \
	"--act sigmoid --init orthogonal --norm 4 --input-scale 0"; do
	# shellcheck disable=SC2086
	LC_ALL=C expect_ok "monotone rows: $args" check $args --steps 30
	rows "$tmp/out" >"$tmp/rows"
	[ -s "$tmp/rows" ] || fail "monotone rows: $args: no table rows"
	LC_ALL=C awk -v a="$args" '($2 + 0 > $3 + 0) || ($3 + 0 > $4 + 0) {
		printf "monotone rows: %s: gap %s prints %s %s %s\n", a, $1, $2, $3, $4; bad = 1 } END { exit bad }' \
		"$tmp/rows" >&2 || fail "monotone rows: $args: a row out of order"
	case $args in
	*linear*)
		LC_ALL=C awk '$3 != $4 { bad = 1 } END { exit bad }' "$tmp/rows" ||
			fail "monotone rows: $args: step product and bound (equal for a linear network) print differently"
		;;
	esac
	case $args in
	*identity*)
		LC_ALL=C awk '$2 != $3 || $3 != $4 { bad = 1 } END { exit bad }' "$tmp/rows" ||
			fail "monotone rows: $args: W = cI, yet the three columns print differently"
		;;
	esac
done
# W = I: every norm exactly 1 (JSON, 17 digits)
if [ -n "$PY" ]; then
	run check --act linear --init identity --norm 1 --steps 25 --json
	"$PY" -c "
import json
o = json.load(open('$tmp/out'))
assert o['lambda'] == 1, o['lambda']
for p in o['paths']:
    assert p['norm'] == p['step_product'] == p['bound'] == 1, p
" || fail "W = I: lambda or a norm is not exactly 1"
	pass
fi

# ---- a product of Jacobians that is exactly 0 ----
# W = L N L^-1 with N the 6x6 shift and L unit lower bidiagonal: integers,
# W^6 = 0 exactly, but no zero pattern shows it.  Linear: the exponent is
# -infinity (the QR pass alone gave -8.19), null in JSON with a reason.
printf '%s\n' "-1,1,0,0,0,0" "0,0,1,0,0,0" "0,0,0,1,0,0" "0,0,0,0,1,0" "0,0,0,0,0,1" "-1,1,-1,1,-1,1" >"$tmp/nil.csv"
LC_ALL=C run check --weights "$tmp/nil.csv" --act linear --steps 40
[ "$rc" -eq 0 ] || fail "nilpotent W: exit $rc ($(head -c 300 "$tmp/err"))"
grep -q '^Lyapunov exponent: -infinity (the product of the J_j is exactly 0)$' "$tmp/out" ||
	fail "nilpotent W: $(grep -i lyapunov "$tmp/out" | head -1)"
pass
if [ -n "$PY" ]; then
	run check --weights "$tmp/nil.csv" --act linear --steps 40 --json
	"$PY" -c "
import json
l = json.load(open('$tmp/out'))['lyapunov']
assert l['max_exponent'] is None and 'exactly 0' in l['reason'] and l['bound'] is not None, l
" || fail "nilpotent W: JSON lyapunov is not null with a reason"
	pass
fi

# ---- reproducibility and the JSON round trip ----
run check --seed 11 --json
cp "$tmp/out" "$tmp/a.json"
run check --seed 11 --json
cmp -s "$tmp/out" "$tmp/a.json" || fail "same seed gave different JSON"
run check --seed 12 --json
cmp -s "$tmp/out" "$tmp/a.json" && fail "a different seed gave the same JSON"
pass
for args in "--seed 11" "--act sigmoid --norm 5 --steps 30 --t 17 --seed 4" "--act relu --hidden 5 --inputs 2" \
	"--act linear --init identity --norm 3 --steps 200 --input-scale 0.5" "--act tanh --init orthogonal --norm 0.9 --input-scale 0"; do
	# shellcheck disable=SC2086
	run check $args --json
	[ "$rc" -eq 0 ] || fail "check $args --json: exit $rc"
	cp "$tmp/out" "$tmp/r1.json"
	run check --model "$tmp/r1.json" --json
	[ "$rc" -eq 0 ] || fail "replay of $args: exit $rc: $(cat "$tmp/err")"
	cmp -s "$tmp/out" "$tmp/r1.json" || fail "replay of '$args' through --model differs"
	pass
done
run check --json --act tanh --steps 40 --t 30 --seed 5
cp "$tmp/out" "$tmp/r2.json"
LC_ALL=C expect_ok "text replay" check --model "$tmp/r2.json"
grep -q 'loss at t = 30' "$tmp/out" || fail "replay did not keep the loss step t = 30"
LC_ALL=C expect_ok "replay over fewer steps" check --model "$tmp/r2.json" --steps 20
expect_err 2 "--steps 41 exceeds" check --model "$tmp/r2.json" --steps 41
expect_err 2 "--hidden and --model cannot be combined" check --model "$tmp/r2.json" --hidden 9

"$PY" - "$tmp/a.json" <<'EOF' || fail "JSON schema"
import json, math, sys
o = json.load(open(sys.argv[1]))
p = o["params"]
for k in ["activation", "hidden", "inputs", "steps", "t", "norm", "init", "input_scale", "seed"]:
    assert k in p, "params." + k
d, n, T, t = p["hidden"], p["inputs"], p["steps"], p["t"]
assert o["version"] == "0.1.0"
for k in ["gamma", "lambda", "loss", "log10_loss", "grad_W", "grad_norm", "rate", "verdict"]:
    assert k in o, k
m = o["model"]
assert len(m["W"]) == d and all(len(r) == d for r in m["W"])
assert len(m["U"]) == d and all(len(r) == n for r in m["U"])
assert len(m["x"]) == T and all(len(r) == n for r in m["x"])
assert len(m["b"]) == d and len(m["s0"]) == d and len(m["y"]) == d
assert len(o["a"]) == T and len(o["s"]) == T and all(len(r) == d for r in o["s"])
assert len(o["paths"]) == t
for i, q in enumerate(o["paths"]):
    assert q["k"] == i + 1 and q["gap"] == t - q["k"]
    for f in ["norm", "step_product", "bound", "contribution"]:
        v, l = q[f], q["log10_" + f]
        assert v is None or l is None or abs(math.log10(v) - l) < 1e-9 * max(1, abs(l)), (f, v, l)
        assert v is None or l is not None or v == 0
    assert q["norm"] <= q["step_product"] * (1 + 1e-12) <= q["bound"] * (1 + 1e-9), q
assert set(o["lyapunov"]) == {"max_exponent", "bound"} | ({"reason"} if o["lyapunov"]["max_exponent"] is None else set())
assert o["verdict"] in ("vanishing", "exploding", "neither")
for k in ["dsda", "dads", "dsds", "dLdW", "j", "k", "dLdW_entries"]:
    assert k in o["fd_check"], "fd_check." + k
s = o["s"][t - 1]
L = 0.5 * sum((a - b) ** 2 for a, b in zip(s, m["y"]))
assert abs(L - o["loss"]) <= 1e-12 * L, (L, o["loss"])
EOF
pass
# A long horizon in JSON: the bound's value does not fit, its log10 does.
run check --json --act linear --init identity --norm 3 --steps 800 --input-scale 0
"$PY" - "$tmp/out" <<'EOF' || fail "JSON for values beyond a double"
import json, math, sys
o = json.load(open(sys.argv[1]))
q = o["paths"][0]
assert q["gap"] == 799 and q["bound"] is None and abs(q["log10_bound"] - 799 * math.log10(3)) < 1e-9, q
assert q["norm"] is None and abs(q["log10_norm"] - 799 * math.log10(3)) < 1e-9, q
EOF
pass

# ---- a real .npy from numpy, and .csv ----
"$PY" - "$tmp" <<'EOF' || fail "writing .npy files with numpy"
import numpy as np, sys
d = sys.argv[1]
rng = np.random.default_rng(5)
W = rng.standard_normal((7, 7))
np.save(d + "/W.npy", W)
np.save(d + "/Wf.npy", np.asfortranarray(W))
np.save(d + "/W32.npy", W.astype(np.float32))
np.save(d + "/Wbe.npy", W.astype(">f8"))
np.savetxt(d + "/W.csv", W, delimiter=",", fmt="%.17g", header="W written by numpy")
np.save(d + "/Wrect.npy", rng.standard_normal((3, 4)))
np.save(d + "/xbatch.npy", rng.standard_normal((3, 20, 4)))
np.save(d + "/W1d.npy", np.ones(9))
np.save(d + "/W3d.npy", np.ones((2, 2, 2)))
np.save(d + "/Wint.npy", np.ones((3, 3), dtype=np.int64))
Wn = np.eye(3); Wn[1, 2] = np.nan
np.save(d + "/Wnan.npy", Wn)
open(d + "/norm.txt", "w").write(repr(float(np.linalg.norm(W, 2))))
EOF
for f in W.npy Wf.npy Wbe.npy W.csv; do
	run check --weights "$tmp/$f" --json --steps 10
	[ "$rc" -eq 0 ] || fail "--weights $f: exit $rc $(cat "$tmp/err")"
	"$PY" - "$tmp/out" "$tmp/W.npy" <<'EOF' || fail "--weights $f: W or lambda differ from numpy"
import json, sys, numpy as np
o = json.load(open(sys.argv[1]))
W = np.load(sys.argv[2])
assert np.array_equal(np.array(o["model"]["W"]), W), "W not read exactly"
lam = np.linalg.norm(W, 2)
assert abs(o["lambda"] - lam) <= 1e-12 * lam, (o["lambda"], lam)
assert o["params"]["norm"] is None, "a file's W is not rescaled without --norm"
EOF
	pass
done
run check --weights "$tmp/Wf.npy" --norm 1.5 --act sigmoid --json --steps 30
cp "$tmp/out" "$tmp/w1.json"
run check --model "$tmp/w1.json" --json
cmp -s "$tmp/out" "$tmp/w1.json" || fail "replay of a --weights --norm run through --model differs"
run check --weights "$tmp/W.csv" --json --steps 30
cp "$tmp/out" "$tmp/w2.json"
run check --model "$tmp/w2.json" --json
cmp -s "$tmp/out" "$tmp/w2.json" || fail "replay of a --weights run through --model differs"
pass
run check --weights "$tmp/W32.npy" --json --steps 5
"$PY" -c "import json,sys,numpy as np; o=json.load(open('$tmp/out')); assert np.array_equal(np.array(o['model']['W']), np.load('$tmp/W32.npy').astype(np.float64))" ||
	fail "float32 W not widened exactly"
run check --weights "$tmp/W.npy" --norm 2 --json --steps 5
"$PY" -c "import json; o=json.load(open('$tmp/out')); assert abs(o['lambda']-2)<1e-12 and o['params']['norm']==2, o['lambda']" ||
	fail "--weights with --norm 2 did not rescale to 2"
LC_ALL=C expect_ok "--weights W.npy text" check --weights "$tmp/W.npy" --act tanh --steps 200
grep -q "W: from .*W.npy, as given" "$tmp/out" || fail "text does not name the weights file"
grep -q "^U: drawn from the seed 1$" "$tmp/out" || fail "text does not say where U comes from"
# a batch laid out T×B×n (nn.GRU's x unless batch_first) read with --layout
# tbn: the same numbers as its transpose, B×T×n, read without
"$PY" -c "
import numpy as np; x = np.random.default_rng(3).standard_normal((9, 4, 3))
np.save('$tmp/x_tbn.npy', x); np.save('$tmp/x_btn.npy', np.ascontiguousarray(x.transpose(1, 0, 2)))" ||
	fail "writing the T×B×n inputs"
run check --cell gru --hidden 5 --inputs-file "$tmp/x_tbn.npy" --layout tbn --json
cp "$tmp/out" "$tmp/tbn.json"
run check --cell gru --hidden 5 --inputs-file "$tmp/x_btn.npy" --json
"$PY" - "$tmp/tbn.json" "$tmp/out" <<'EOF' || fail "--layout tbn: not the numbers of the transposed batch"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
assert a["source"]["inputs"]["layout"] == "tbn" and b["source"]["inputs"]["layout"] == "btn"
assert a["source"]["inputs"]["sequences"] == b["source"]["inputs"]["sequences"] == 4
for o in (a, b):
    del o["source"]
assert a == b, "the two analyses differ"
EOF
pass
run check --cell gru --hidden 5 --inputs-file "$tmp/x_tbn.npy"
if grep -q "^  read as B × T × n; --layout tbn reads T × B × n" "$tmp/out"; then pass; else fail "a batch does not say which axis it took"; fi
expect_err 2 "--layout: expected btn (B x T x n) or tbn (T x B x n), got 'bt'" check --inputs-file "$tmp/x_tbn.npy" --layout bt
expect_err 2 "--layout says how --inputs-file lays out a batch" check --layout tbn

# a batch of inputs beside one square W: the file's W, not a generated one
run check --weights "$tmp/W.npy" --inputs-file "$tmp/xbatch.npy"
if [ "$rc" -ne 0 ]; then
	fail "--weights W.npy with a batch: exit $rc ($(head -c 300 "$tmp/err"))"
elif grep -q "generated from the seed" "$tmp/out" || ! grep -q "^weights: weight_hh from .*W.npy, as given$" "$tmp/out"; then
	fail "a batch on W.npy does not name the file: $(grep '^weights' "$tmp/out")"
else
	pass
fi
expect_err 1 "Wrect.npy: W must be square, got 3x4" check --weights "$tmp/Wrect.npy"
expect_err 1 "1-D" check --weights "$tmp/W1d.npy"
expect_err 1 "3-D" check --weights "$tmp/W3d.npy"
expect_err 1 "'<i8'" check --weights "$tmp/Wint.npy"
expect_err 1 "Wnan.npy: entry (2,3) is NaN" check --weights "$tmp/Wnan.npy"
pass

# ---- .npy files written byte by byte ----
# npy_hdr DICT: magic, version 1.0, header length 118, the dict padded to 128 bytes.
npy_hdr() {
	pad=$((117 - ${#1}))
	printf '\223NUMPY\001\000\166\000%s' "$1"
	printf "%${pad}s\n" ""
}
one='\000\000\000\000\000\000\360\077'
zero='\000\000\000\000\000\000\000\000'
nan='\000\000\000\000\000\000\370\177'
{ npy_hdr "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }"; printf "$one$zero$zero$one"; } >"$tmp/I2.npy"
LC_ALL=C expect_ok "byte-built identity .npy" check --weights "$tmp/I2.npy" --act linear --input-scale 0 --steps 8
grep -q 'lambda = ||W||_2 = 1 ' "$tmp/out" || fail "identity .npy: lambda is not 1: $(grep lambda "$tmp/out")"
{ npy_hdr "{'descr': '<f8', 'fortran_order': False, 'shape': (4, 4), }"; printf "$one$one"; } >"$tmp/trunc.npy"
expect_err 1 "trunc.npy: truncated data: expected 128 bytes, found 16" check --weights "$tmp/trunc.npy"
{ npy_hdr "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }"; printf "$one$one$one$one$one$one"; } >"$tmp/rect.npy"
expect_err 1 "must be square" check --weights "$tmp/rect.npy"
{ npy_hdr "{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }"; printf "$one$one$one$one"; } >"$tmp/v.npy"
expect_err 1 "1-D" check --weights "$tmp/v.npy"
{ npy_hdr "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2, 2), }"; printf "$one$one$one$one"; } >"$tmp/c.npy"
expect_err 1 "3-D" check --weights "$tmp/c.npy"
{ npy_hdr "{'descr': '<i8', 'fortran_order': False, 'shape': (2, 2), }"; printf "$one$one$one$one"; } >"$tmp/i.npy"
expect_err 1 "unsupported npy dtype '<i8'" check --weights "$tmp/i.npy"
{ npy_hdr "{'descr': '|O', 'fortran_order': False, 'shape': (2, 2), }"; printf "$one$one$one$one"; } >"$tmp/o.npy"
expect_err 1 "'|O'" check --weights "$tmp/o.npy"
{ npy_hdr "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }"; printf "$one$nan$one$one"; } >"$tmp/n.npy"
expect_err 1 "n.npy: entry (1,2) is NaN" check --weights "$tmp/n.npy"
{ npy_hdr "{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000), }"; } >"$tmp/huge.npy"
expect_err 1 "exceeds the limit" check --weights "$tmp/huge.npy"
printf '\223NUMPY\002\000\000\000\000\100{}' >"$tmp/hugehdr.npy"
expect_err 1 "header of 1073741824 bytes is too large" check --weights "$tmp/hugehdr.npy"
npy_hdr "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }" | head -c 40 >"$tmp/cut.npy"
expect_err 1 "truncated npy header" check --weights "$tmp/cut.npy"
printf '\223NUM' >"$tmp/magic.npy"
expect_err 1 "magic" check --weights "$tmp/magic.npy"
: >"$tmp/empty.npy"
expect_err 1 "empty.npy: empty file" check --weights "$tmp/empty.npy"
expect_err 1 "is a directory" check --weights "$tmp"
expect_err 1 "cannot open: No such file" check --weights "$tmp/none.npy"

# ---- .csv ----
printf '0.5,0\n0,0.5\n' >"$tmp/h.csv"
LC_ALL=C expect_ok ".csv weights" check --weights "$tmp/h.csv" --act linear --steps 12 --input-scale 0
awk '$1 == 10 { print $3 }' "$tmp/out" | grep -qx '9.766e-04' || fail ".csv 0.5 I at gap 10"
printf '1,2,3\n4,5\n7,8,9\n' >"$tmp/ragged.csv"
expect_err 1 "ragged.csv: line 2: 2 columns, expected 3" check --weights "$tmp/ragged.csv"
printf '1,2\nnan,4\n' >"$tmp/nan.csv"
expect_err 1 "nan.csv: line 2: field 1 is NaN" check --weights "$tmp/nan.csv"
printf '1,2\n3,x\n' >"$tmp/word.csv"
expect_err 1 "not a number: 'x'" check --weights "$tmp/word.csv"
printf '1,2,3\n4,5,6\n' >"$tmp/rect.csv"
expect_err 1 "must be square, got 2x3" check --weights "$tmp/rect.csv"
awk 'BEGIN { for (i = 0; i < 4100; i++) printf "1%s", (i < 4099 ? "," : "\n") }' >"$tmp/wide.csv"
expect_err 1 "more than 4096 columns" check --weights "$tmp/wide.csv"

# ---- --model files ----
printf '{"model": {"W": [[1, 2], [3]], "U": [[1], [1]], "x": [[1]], "y": [0, 0]}}' >"$tmp/bad.json"
expect_err 1 "bad.json: model.W: row 2 has 1 entries, expected 2" check --model "$tmp/bad.json"
printf '{"model": {"W": [[1' >"$tmp/cut.json"
expect_err 1 "cut.json:1:" check --model "$tmp/cut.json"
expect_err 1 "is a directory" check --model "$tmp"
expect_err 1 "No such file" check --model "$tmp/none.json"
expect_err 2 "cannot be combined" check --model "$tmp/r2.json" --weights "$tmp/I2.npy"
# a model written elsewhere was drawn from no seed: the file is named instead,
# in check, its JSON and the handout
printf '{"model": {"W": [[0.5, 0], [0.25, 0.5]], "U": [[1], [1]], "x": [[1], [-1]], "y": [0, 0]}}' >"$tmp/o.json"
LC_ALL=C expect_ok "a model from elsewhere" check --model "$tmp/o.json"
head -n 1 "$tmp/out" | grep -q "^vanex [0-9.]* check: activation tanh, model file .*o\.json\$" ||
	fail "a model from elsewhere: first line $(head -n 1 "$tmp/out")"
grep -q seed "$tmp/out" && fail "a model from elsewhere: a seed in check's text"
run check --model "$tmp/o.json" --json
grep -q '"seed": null,' "$tmp/out" || fail "a model from elsewhere: JSON seed not null"
run report --model "$tmp/o.json" -f md
grep -q '^| seed | none: the model file holds every draw |$' "$tmp/out" &&
	grep -q 'lambda = 0.64\$, from a model file\.\*$' "$tmp/out" || fail "a model from elsewhere: the handout's seed"
pass
# a front matter's file named relative to its template, run from elsewhere
mkdir -p "$tmp/tfold"
cp "$tmp/W.npy" "$tmp/tfold/Wt.npy"
printf -- '---\nweights: Wt.npy\n---\nlambda {{lambda}}\n' >"$tmp/tfold/t.md"
(cd "$tmp" && "$VANEX" report --template tfold/t.md -f md >"$tmp/out" 2>"$tmp/err")
want=$("$PY" -c "import numpy as np; print('%.3g' % np.linalg.norm(np.load('$tmp/W.npy'), 2))")
if grep -q "^lambda $want\$" "$tmp/out"; then pass; else
	fail "a front matter's weights from the template's folder: $(head -c 300 "$tmp/err") $(grep lambda "$tmp/out")"
fi
# a shorter handout of the same name removes the plots the longer one left,
# and nothing else
mkdir -p "$tmp/stale"
run report -o "$tmp/stale/h.md"
printf -- '## S\n\n{{plot norms}}\n' >"$tmp/stale/t.md"
echo mine >"$tmp/stale/h-9.svg"
run report --template "$tmp/stale/t.md" -o "$tmp/stale/h.md"
if [ "$rc" -eq 0 ] && [ -f "$tmp/stale/h-1.svg" ] && [ ! -e "$tmp/stale/h-2.svg" ] && [ ! -e "$tmp/stale/h-6.svg" ] &&
	grep -qx mine "$tmp/stale/h-9.svg"; then pass; else
	fail "stale plots beside a shorter handout: $(ls "$tmp/stale" | tr '\n' ' ')"
fi
# a CSV with a header line (pandas' to_csv): the message says what to do
printf 'idx,a,b\n0,1,2\n1,3,4\n' >"$tmp/hdr.csv"
expect_err 1 "line 1: field 1 is not a number: 'idx' (a header line? make it a comment: start it with '#')" check --inputs-file "$tmp/hdr.csv"
run check --weights "$tmp/W.npy" --inputs-file "$tmp/xbatch.npy" --json
"$PY" -c "import json; o=json.load(open('$tmp/out')); w=o['source']['weights']; assert w['format']=='W' and w['file'].endswith('W.npy'), w" &&
	pass || fail "a batch on W.npy: JSON source.weights does not name the file"
# a template's input_scale: none for a file's inputs, as its seed
printf '%s\n' 'scale {{input_scale}}: {{#if input_scale >= 0}}scaled{{else}}not scaled{{/if}}' >"$tmp/scale.md"
printf '0.1,0.2\n0.3,-0.1\n0.5,0.5\n' >"$tmp/x3.csv"
run report --inputs 2 --inputs-file "$tmp/x3.csv" -f md --template "$tmp/scale.md"
grep -q "^scale .*: not scaled\$" "$tmp/out" && pass ||
	fail "a template's input_scale for a file's inputs: $(cat "$tmp/err" "$tmp/out")"
run report --input-scale 0.5 -f md --template "$tmp/scale.md"
grep -q "^scale 0.5: scaled\$" "$tmp/out" && pass ||
	fail "a template's input_scale for drawn inputs: $(cat "$tmp/err" "$tmp/out")"
# the command line's inputs file fixes what a front matter's steps, inputs
# and input-scale would set: those are left out, as beside a weights file
printf -- '---\nsteps: 40\ninputs: 5\ninput-scale: 0.5\nseed: 7\n---\nT {{T}}, n {{n}}, scale {{input_scale}}, seed {{seed}}\n' >"$tmp/fms.md"
run report --template "$tmp/fms.md" --inputs-file "$tmp/x3.csv" -f md
[ "$rc" = 0 ] && grep -q "^T 3, n 2, scale nan, seed 7\$" "$tmp/out" && pass ||
	fail "a front matter's steps beside --inputs-file: status $rc, $(head -c 300 "$tmp/err") $(head -1 "$tmp/out")"
# a vanilla layer saved by torch, run on inputs from a file: nothing drawn,
# so the handout has no seed and no input scale to show
if "$PY" -c "import torch, numpy; torch.manual_seed(3); torch.save(torch.nn.RNN(2, 3).state_dict(), '$tmp/rnn.pt'); \
numpy.save('$tmp/rx.npy', numpy.linspace(-1, 1, 10).reshape(5, 2))"; then
	run report --weights "$tmp/rnn.pt" --inputs-file "$tmp/rx.npy" -f md
	grep -q "^| seed | none: nothing drawn |\$" "$tmp/out" &&
		grep -q "^| input scale | none: a file's inputs |\$" "$tmp/out" &&
		grep -q "lambda = 0.[0-9]*\$, weights and inputs from files\.\*\$" "$tmp/out" && pass ||
		fail "a checkpoint run on a file's inputs: $(grep -E '^\| (seed|input scale) ' "$tmp/out")"
	grep -q 'activation \*tanh\*, and a weights file \$W\$' "$tmp/out" && pass ||
		fail "the handout's first step: $(grep -o 'activation [^$]*\$W\$' "$tmp/out")"
	# the LSTM and GRU beside it cannot be drawn as a file's W is
	grep -q 'gate block of their recurrent weights drawn gaussian (this \$W\$ is a file.s) and scaled' "$tmp/out" &&
		pass || fail "step 15 of a file's W: $(grep -o 'gate block of their[^:]*' "$tmp/out")"
	# the inputs saved transposed (n×T, x.T): the message says so
	"$PY" -c "import numpy; numpy.save('$tmp/rxT.npy', numpy.linspace(-1, 1, 14).reshape(2, 7))"
	expect_err 1 "holds 7 inputs per step; module (top level) of" check --weights "$tmp/rnn.pt" --inputs-file "$tmp/rxT.npy"
	grep -q "reads n = 2: transposed? save x with shape (T, n)" "$tmp/err" && pass ||
		fail "a transposed x: $(cat "$tmp/err")"
	# a template's front matter names the checkpoint: read as --weights reads it
	printf -- '---\nweights: %s\n---\nd {{d}}, n {{n}}, T {{T}}\n' "$tmp/rnn.pt" >"$tmp/fmw.md"
	run report --template "$tmp/fmw.md" --inputs-file "$tmp/rx.npy" -f md
	[ "$rc" = 0 ] && grep -q "^d 3, n 2, T 5\$" "$tmp/out" && pass ||
		fail "a front matter's weights: a checkpoint: status $rc, $(head -c 300 "$tmp/err") $(head -1 "$tmp/out")"
	# the JSON records no draw's settings, and its replay keeps them so
	run check --weights "$tmp/rnn.pt" --inputs-file "$tmp/rx.npy" --json
	cp "$tmp/out" "$tmp/rnnfiles.json"
	run check --model "$tmp/rnnfiles.json" --json
	if "$PY" -c "import json, sys
for f in sys.argv[1:]:
    p = json.load(open(f))['params']
    assert p['init'] is None and p['input_scale'] is None and p['seed'] is None, (f, p)" \
		"$tmp/rnnfiles.json" "$tmp/out"; then pass; else fail "params of weights and inputs from files"; fi
	run report --model "$tmp/rnnfiles.json" -f md
	grep -q "^| input scale | none: a file's inputs |\$" "$tmp/out" && pass ||
		fail "a replay's handout: $(grep -E '^\| input scale ' "$tmp/out")"
	# an nn.RNN's file does not record its nonlinearity: check says which it took
	LC_ALL=C.UTF-8 run check --weights "$tmp/rnn.pt" --inputs-file "$tmp/rx.npy"
	grep -q "^  activation tanh, nn.RNN's default: the file does not record it (--act relu)\$" "$tmp/out" &&
		fits80 "$tmp/out" rnnpt && pass || fail "an nn.RNN's file: no word on the activation: $(sed -n 4,6p "$tmp/out")"
	run check --weights "$tmp/rnn.pt" --inputs-file "$tmp/rx.npy" --act relu
	grep -q "nn.RNN's default" "$tmp/out" && fail "--act relu given: the default's note is still there"
	pass
	# its JSON fed back replays the same analysis: every member but source
	# (the files it came from) the same, the network's schema kept
	run check --weights "$tmp/rnn.pt" --inputs-file "$tmp/rx.npy" --json -o "$tmp/rnn1.json"
	run check --model "$tmp/rnn1.json" --json -o "$tmp/rnn2.json"
	"$PY" - "$tmp/rnn1.json" "$tmp/rnn2.json" >"$tmp/diff" <<'EOF' && pass || fail "an nn.RNN's JSON replayed: $(cat "$tmp/diff")"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
diff = sorted(k for k in set(a) | set(b) if k != "source" and a.get(k) != b.get(k))
print("members differ: %s" % diff)
sys.exit(1 if diff else 0)
EOF
else
	fail "torch did not save the vanilla layer"
fi
# the same for a network (an LSTM's file without its params)
run check --cell lstm --hidden 3 --steps 5 --json -o "$tmp/lstm.json"
"$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); json.dump({'model': d['model']}, open(sys.argv[2], 'w'))" \
	"$tmp/lstm.json" "$tmp/lstm-o.json" || fail "an LSTM's model without params"
run check --model "$tmp/lstm-o.json"
head -n 1 "$tmp/out" | grep -q "^vanex [0-9.]* check: lstm cell, 1 layer, model file .*lstm-o\.json\$" ||
	fail "a network from elsewhere: first line $(head -n 1 "$tmp/out")"
run check --model "$tmp/lstm-o.json" --json
grep -q '"seed": null,' "$tmp/out" && pass || fail "a network from elsewhere: JSON seed not null"

# ---- bad option values and commands ----
expect_err 2 "--hidden: expected an integer from 1 to 4096, got 'abc'" check --hidden abc
expect_err 2 "--hidden" check --hidden 5000
expect_err 2 "--hidden" check --hidden 0
expect_err 2 "--steps" check --steps 0
expect_err 2 "--steps" check --steps 20000000
expect_err 2 "--steps" check --steps 1e3
expect_err 2 "--seed" check --seed -1
expect_err 2 "--inputs" check --inputs 2x
expect_err 2 "--t: the loss step must be from 1 to --steps (10), got 11" check --steps 10 --t 11
expect_err 2 "--t" check --t 0
expect_err 2 "--norm: expected a finite number >= 0, got 'nan'" check --norm nan
expect_err 2 "--norm: expected a finite number >= 0, got '-1'" check --norm -1
expect_err 2 "--norm" check --norm inf
expect_err 2 "--norm" check --norm=
expect_err 2 "--input-scale" check --input-scale -0.5
expect_err 2 "--act: expected sigmoid, tanh, relu or linear, got 'softmax'" check --act softmax
expect_err 2 "--init" check --init random
expect_err 2 "unknown option '--foo' (see 'vanex check --help')" check --foo
expect_err 2 "unknown option '--step'" check --step 2
expect_err 2 "unknown command 'chek'" chek
expect_err 2 "option '--norm' needs a value" check --norm
expect_err 2 "option '--json' takes no value" check --json=yes
expect_err 2 "unexpected argument 'W.npy'" check W.npy
expect_err 2 "--init and --weights cannot be combined" check --weights "$tmp/I2.npy" --init identity
# The engine names quantities (λ, T), the command line the option that sets
# them, in ASCII where the locale is not UTF-8.
printf '0,0\n0,0\n' >"$tmp/zeros.csv"
LC_ALL=C.UTF-8 expect_err 2 "vanex: --norm: λ = 1e+300: W is all zeros, so no scaling gives ‖W‖₂ = λ" \
	check --weights "$tmp/zeros.csv" --norm 1e300
LC_ALL=C expect_err 2 "vanex: --norm: lambda = 1e+300: W is all zeros, so no scaling gives ||W||_2 = lambda" \
	check --weights "$tmp/zeros.csv" --norm 1e300
LC_ALL=C.UTF-8 expect_err 1 "(linear, λ = ‖W‖₂ too large for this horizon): a smaller λ, a shorter T or no input (S = 0)" \
	check --act linear --init identity --norm 1e300 --steps 5
LC_ALL=C expect_err 1 "vanex: --norm: the forward pass leaves the range of a double at step " \
	check --act linear --init identity --norm 1e300 --steps 5

# ---- gated cells and stacked layers ----
# The text of each cell and stack: 80 columns, plain ASCII under LC_ALL=C,
# the model line, a verdict, a finite-difference check that passes.
for args in "--cell lstm" "--cell lstm --layers 2" "--cell gru --layers 3 --forget-bias 2" \
	"--layers 2" "--layers 3 --act relu" "--cell lstm --layers 2 --steps 200 --forget-bias 1" \
	"--cell gru --hidden 24 --inputs 6 --steps 60 --t 40"; do
	# shellcheck disable=SC2086
	LC_ALL=C run check $args
	if [ "$rc" -ne 0 ] || [ -s "$tmp/err" ]; then
		fail "check $args: exit $rc ($(head -c 300 "$tmp/err"))"
		continue
	fi
	fits80 "$tmp/out" "check $args" || fail "check $args: wider than 80 columns"
	LC_ALL=C tr -d '\000-\177' <"$tmp/out" | wc -c | grep -qx 0 || fail "check $args: not ASCII under LC_ALL=C"
	grep -Eq '^vanex 0\.1\.0 check: (lstm|gru|rnn) cell, ' "$tmp/out" || fail "check $args: no model line"
	grep -Eq '^state: S_j = .* of every layer, D = [0-9]+$' "$tmp/out" || fail "check $args: no state size"
	grep -Eq '^verdict: (vanishing|exploding|neither): \|dS_t/dS_k\| ' "$tmp/out" || fail "check $args: no verdict"
	grep -Eq '^horizon: ' "$tmp/out" || fail "check $args: no horizon"
	grep -Eq '^Lyapunov exponent \(estimate over T = [0-9]+ steps\)' "$tmp/out" || fail "check $args: no Lyapunov line"
	grep -Eq '^finite-difference check: pass' "$tmp/out" ||
		fail "check $args: finite-difference check: $(grep '^finite-difference' "$tmp/out")"
	grep -Eqi '(^|[^a-z])(nan|inf)([^a-z]|$)' "$tmp/out" && fail "check $args: nan or inf printed"
	nl=$(sed -n 's/.* \([0-9]*\) layers\{0,1\}, seed.*/\1/p' "$tmp/out")
	[ "$(grep -c '^layer [0-9]' "$tmp/out")" -eq "$((2 * nl))" ] || fail "check $args: not two sections per layer"
	case $args in *lstm*) grep -q '||dc_t/dc_k||_2' "$tmp/out" || fail "check $args: no c blocks" ;; esac
	# shellcheck disable=SC2086
	LC_ALL=C.UTF-8 run check $args
	fits80 "$tmp/out" "check $args (UTF-8)" || fail "check $args: wider than 80 columns in UTF-8"
	grep -q '‖∂S_t/∂S_k‖₂' "$tmp/out" || fail "check $args: UTF-8 output without its symbols"
	pass
done
# one vanilla layer asked for by name is the vanilla check, byte for byte
run check --seed 3
cp "$tmp/out" "$tmp/vanilla.txt"
run check --seed 3 --cell rnn --layers 1
cmp -s "$tmp/out" "$tmp/vanilla.txt" || fail "--cell rnn --layers 1 differs from the default check"
pass

# Closed forms.  An LSTM with weight_hh = 0 (--norm 0), no input and the
# forget gate's bias B: i = o = 1/2, g = 0, f = sigma(B), c stays 0, so J_j
# is [[0, f/2], [0, f]] per unit: the carousel dc_t/dc_k = f^(t-k) I and
# ||dS_t/dS_k|| = sqrt(5/4) f^(t-k).  A GRU so made keeps h_t = z h_{t-1},
# z = sigma(B): dh_t/dh_k = z^(t-k) I.  Two linear layers with W = a I keep
# dh_t/dh_k = a^(t-k) I in each layer (the input of layer 1 enters below
# the diagonal only).
run check --json --cell lstm --layers 1 --norm 0 --input-scale 0 --forget-bias 3 --steps 30
"$PY" - "$tmp/out" <<'PYEND' || fail "LSTM carousel: not sigma(B)^(t-k)"
import json, math, sys
o = json.load(open(sys.argv[1]))
f = 1 / (1 + math.exp(-3.0))
for q in o["paths"]:
    g = q["gap"]
    assert abs(q["c_norm"][0] - f ** g) <= 1e-12 * f ** g, (g, q["c_norm"][0], f ** g)
    want = 1.0 if g == 0 else math.sqrt(1.25) * f ** g
    assert abs(q["norm"] - want) <= 1e-12 * want, (g, q["norm"], want)
    assert q["h_norm"][0] == (1.0 if g == 0 else 0.0), (g, q["h_norm"])
assert o["layers"][0]["keep_gate"] == "f" and abs(o["layers"][0]["keep_mean"] - f) <= 1e-15, o["layers"][0]
assert o["layers"][0]["keep_sd"] == 0, o["layers"][0]
PYEND
pass
run check --json --cell gru --layers 2 --norm 0 --input-scale 0 --forget-bias -1.5 --steps 25
"$PY" - "$tmp/out" <<'PYEND' || fail "GRU leaky integrator: not sigma(B)^(t-k)"
import json, math, sys
o = json.load(open(sys.argv[1]))
z = 1 / (1 + math.exp(1.5))
for q in o["paths"]:
    g = q["gap"]
    for l in (0, 1):
        assert abs(q["h_norm"][l] - z ** g) <= 1e-12 * z ** g, (g, l, q["h_norm"][l], z ** g)
assert all(abs(L["keep_mean"] - z) <= 1e-15 for L in o["layers"])
PYEND
pass
run check --json --layers 2 --act linear --init identity --norm 0.8 --input-scale 0 --steps 20
"$PY" - "$tmp/out" <<'PYEND' || fail "linear stack: the h blocks are not 0.8^(t-k)"
import json, sys
o = json.load(open(sys.argv[1]))
for q in o["paths"]:
    for l in (0, 1):
        assert abs(q["h_norm"][l] - 0.8 ** q["gap"]) <= 1e-12 * 0.8 ** q["gap"], (q["gap"], l, q["h_norm"])
    assert q["norm"] <= q["step_product"] * (1 + 1e-12) and q["step_product"] <= q["bound"] * (1 + 1e-12), q
assert o["bound_kind"] == "gates"
PYEND
pass

# The JSON of a network: PyTorch's names and shapes, and a replay through
# --model that gives the same bytes (rnn, lstm, gru; 1 and 2 layers).
for args in "--cell lstm" "--cell lstm --layers 2 --forget-bias 1" "--cell gru" "--cell gru --layers 2 --forget-bias -1" \
	"--layers 2" "--layers 2 --act relu --steps 30 --t 20 --seed 7"; do
	# shellcheck disable=SC2086
	run check $args --json
	[ "$rc" -eq 0 ] || fail "check $args --json: exit $rc"
	cp "$tmp/out" "$tmp/n1.json"
	run check --model "$tmp/n1.json" --json
	[ "$rc" -eq 0 ] || fail "replay of $args: exit $rc: $(cat "$tmp/err")"
	cmp -s "$tmp/out" "$tmp/n1.json" || fail "replay of '$args' through --model differs"
	"$PY" - "$tmp/n1.json" <<'PYEND' || fail "JSON schema of check $args"
import json, sys
o = json.load(open(sys.argv[1]))
p, m = o["params"], o["model"]
cell, L, d, n, T, t = m["cell"], m["layers"], p["hidden"], p["inputs"], p["steps"], p["t"]
G = {"rnn": 1, "lstm": 4, "gru": 3}[cell]
assert p["cell"] == cell and p["layers"] == L
for l in range(L):
    assert len(m["weight_ih_l%d" % l]) == G * d and all(len(r) == (n if l == 0 else d) for r in m["weight_ih_l%d" % l])
    assert len(m["weight_hh_l%d" % l]) == G * d and all(len(r) == d for r in m["weight_hh_l%d" % l])
    assert len(m["bias_ih_l%d" % l]) == G * d and len(m["bias_hh_l%d" % l]) == G * d
assert len(m["h0"]) == L and all(len(r) == d for r in m["h0"])
assert ("c0" in m) == (cell == "lstm") and ("c" in o) == (cell == "lstm")
assert len(m["x"]) == T and len(m["y"]) == d and len(o["h"]) == L and len(o["h"][0]) == T
assert set(o["grads"]) == {k for k in m if k.startswith(("weight_", "bias_"))}
assert len(o["paths"]) == t and o["state_size"] == L * d * (2 if cell == "lstm" else 1)
for q in o["paths"]:
    assert len(q["h_norm"]) == L and len(q["contribution"]) == L and ("c_norm" in q) == (cell == "lstm")
assert len(o["layers"]) == L and all(len(x["gates"]) == G for x in o["layers"])
assert o["verdict"] in ("vanishing", "exploding", "neither") and o["lyapunov"]["estimate"] is True
assert o["horizon"]["kind"] in ("vanish", "explode", "none")
f = o["fd_check"]
assert f["outcome"] == "pass" and f["pass"] is True, f
assert len(f["blocks"]) == L * (2 if cell == "lstm" else 1) and len(f["params"]) == 4 * L
PYEND
	pass
done
# a network's file with --norm: each gate block of each weight_hh rescaled
run check --json --cell gru --layers 2 --norm 0.7 --seed 5
cp "$tmp/out" "$tmp/g.json"
run check --json --model "$tmp/g.json" --norm 2.5 --steps 20 --t 12
"$PY" - "$tmp/out" <<'PYEND' || fail "--norm on a network file: the gate blocks are not at 2.5"
import json, sys
o = json.load(open(sys.argv[1]))
assert o["params"]["norm"] == 2.5 and o["params"]["steps"] == 20 and o["params"]["t"] == 12, o["params"]
for L in o["layers"]:
    for g in L["gates"]:
        assert abs(g["sigma_hh"] - 2.5) <= 1e-12 * 2.5, g
PYEND
pass
LC_ALL=C run check --model "$tmp/g.json" --t 30
[ "$rc" -eq 0 ] && grep -q 'loss at t = 30' "$tmp/out" && grep -q '^model: from .*g.json (as recorded)$' "$tmp/out" ||
	fail "text replay of a network file: exit $rc: $(head -c 300 "$tmp/err")"
pass

# ---- --fail-on: exit status 3 when the verdict is the one named, after the output ----
# fail_on STATUS WHICH ARGS...: the exit status, and the whole output written.
fail_on() {
	want=$1
	which=$2
	shift 2
	run check --fail-on "$which" "$@"
	[ "$rc" -eq "$want" ] || fail "check --fail-on $which $*: exit $rc, expected $want ($(head -c 200 "$tmp/err"))"
	[ -s "$tmp/err" ] && fail "check --fail-on $which $*: wrote to stderr: $(head -c 200 "$tmp/err")"
	grep -q '^finite-difference check' "$tmp/out" || fail "check --fail-on $which $*: the output is not whole"
	pass
}
vanish="--act sigmoid --norm 3 --steps 200 --seed 4"
explode="--act linear --init identity --norm 2 --steps 20 --input-scale 0"
neither="--act linear --init identity --norm 1 --steps 20"
# shellcheck disable=SC2086
{
	fail_on 3 vanishing $vanish
	fail_on 0 exploding $vanish
	fail_on 3 either $vanish
	fail_on 3 exploding $explode
	fail_on 0 vanishing $explode
	fail_on 3 either $explode
	fail_on 0 either $neither
	fail_on 3 vanishing --cell lstm --layers 2
	fail_on 0 exploding --cell lstm --layers 2
	fail_on 3 exploding --layers 2 --act linear --init identity --norm 1.5 --input-scale 0
	fail_on 0 vanishing --cell gru --forget-bias 6 --norm 0 --input-scale 0
}
grep -q '^verdict: neither' "$tmp/out" || fail "a GRU holding its state (z = sigma(6)): $(grep '^verdict' "$tmp/out")"
run check --fail-on vanishing --json --cell lstm
[ "$rc" -eq 3 ] && "$PY" -c "import json; assert json.load(open('$tmp/out'))['verdict'] == 'vanishing'" ||
	fail "--fail-on with --json: exit $rc or the JSON is not whole"
run check --fail-on vanishing -o "$tmp/f.txt" --cell lstm
[ "$rc" -eq 3 ] && [ ! -s "$tmp/out" ] && grep -q '^verdict: vanishing' "$tmp/f.txt" ||
	fail "--fail-on with -o: exit $rc, or the file was not written whole"
pass

# ---- a large network: J_j's and dS_t/dS_k's columns sampled from every block ----
# (all 512 would take the difference check 3 s more; check_cmd.c's budget)
run check --cell gru --hidden 512 --steps 20 --json
"$PY" - "$tmp/out" <<'EOF' || fail "a GRU of d = 512: the sampled columns in JSON"
import json, sys
f = json.load(open(sys.argv[1]))["fd_check"]
D = 512
assert 16 <= f["columns"] < D, f["columns"]
for q in ("J", "dSdS"):
    it = f[q]
    assert it["compared"] + it["unresolved"] + it["at_kink"] == f["columns"] * D, (q, it, f["columns"])
    assert it["outcome"] == "pass", it
assert f["outcome"] == "pass"
EOF
pass
LC_ALL=C.UTF-8 run check --cell gru --hidden 512 --steps 20
grep -q '^  (J_j and ∂S_t/∂S_k at [0-9]* of the 512 columns, [0-9]* from each block)$' "$tmp/out" &&
	grep -q '^finite-difference check: pass' "$tmp/out" && fits80 "$tmp/out" gru512 && pass ||
	fail "a GRU of d = 512: the text does not say how many columns were differenced: $(grep -A8 '^finite diff' "$tmp/out")"

# ---- counts of one read in the singular ----
# "T = 1 steps", "1 blocks", "1 entries", "n = 1 inputs" were printed once
for args in "--steps 1" "--cell gru --steps 1" "--hidden 1 --inputs 1 --steps 2" \
	"--cell lstm --hidden 1 --inputs 1 --steps 1" "--act relu --hidden 1 --inputs 1 --steps 1"; do
	# shellcheck disable=SC2086
	LC_ALL=C.UTF-8 run check $args
	if [ "$rc" -ne 0 ]; then
		fail "check $args: exit $rc: $(cat "$tmp/err")"
	elif grep -E '(^|[^0-9.,])1 (steps|inputs|blocks|entries|units|numbers|columns|sequences|layers|parameters)\b' \
		"$tmp/out" >"$tmp/plural"; then
		fail "check $args: a plural after 1: $(head -n 2 "$tmp/plural")"
	else
		pass
	fi
done

# ---- output errors ----
if [ -w /dev/full ]; then
	"$VANEX" check >/dev/full 2>"$tmp/err"
	rc=$?
	[ "$rc" -eq 1 ] || fail "writing to /dev/full: exit $rc, expected 1"
	[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "writing to /dev/full: not one line on stderr"
	pass
	# given with -o, the file is named: the text, the JSON, a network's
	for args in "" "--json" "--cell lstm"; do
		# shellcheck disable=SC2086
		"$VANEX" check $args -o /dev/full 2>"$tmp/err"
		rc=$?
		if [ "$rc" -eq 1 ] && [ "$(cat "$tmp/err")" = "vanex: cannot write /dev/full: No space left on device" ]; then
			pass
		else
			fail "check $args -o /dev/full: exit $rc, stderr: $(head -c 200 "$tmp/err")"
		fi
	done
fi

# On the edge ln(γλ) is given as 0: a W = (1 + 5e-13) I, linear, grows by
# 5e-13 a step, and the exponent is not shown above its bound of 0 (it was:
# "5×10⁻¹³ per step against its bound ln(γλ) = 0"), in the text and the JSON
"$PY" -c "import numpy as np; np.save('$tmp/iedge.npy', (1 + 5e-13) * np.eye(4))" || fail "iedge.npy not written"
"$VANEX" check --weights "$tmp/iedge.npy" --act linear --input-scale 0 --steps 5000 >"$tmp/out" 2>"$tmp/err" &&
	"$VANEX" check --weights "$tmp/iedge.npy" --act linear --input-scale 0 --steps 5000 --json >"$tmp/out.json" 2>>"$tmp/err" ||
	fail "check of (1 + 5e-13) I: $(cat "$tmp/err")"
if grep -q '^Lyapunov exponent (estimate over T = 5000 steps): 0 per step$' "$tmp/out" &&
	"$PY" -c "import json, sys; l = json.load(open(sys.argv[1]))['lyapunov']; sys.exit(not (l['max_exponent'] <= l['bound'] == 0))" "$tmp/out.json"; then
	pass
else
	fail "(1 + 5e-13) I on the edge: $(grep -A1 Lyapunov "$tmp/out" | tr '\n' ' ') / $(head -c 300 "$tmp/out.json" | tr -d '\n')"
fi

if [ "$fails" -ne 0 ]; then
	echo "check.sh: $fails failure(s) in $checks checks" >&2
	exit 1
fi
echo "check.sh: all $checks checks passed"
