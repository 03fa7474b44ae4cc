#!/bin/sh
# Numerical extremes end to end (POSIX sh + python3 for the JSON): what
# `vanex check` prints and writes at λ = 10^±300, T = 10^6 at d = 2,
# saturated activations (σ' = 0 exactly), dead ReLU units (norm exactly 0),
# and a W whose rescaling leaves the range of a double — each against a
# closed form, and never "nan", "inf" or a wrong number printed as right.
#   VANEX=./vanex sh tests/e2e/extremes.sh
set -u
VANEX=${VANEX:-./vanex}
case $VANEX in /*) ;; *) VANEX=$(pwd)/$VANEX ;; esac
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vanex-ext.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP
cp "$VANEX" "$tmp/vanex" || exit 1   # the shared tree may relink ./vanex meanwhile
VANEX=$tmp/vanex
export OPENBLAS_NUM_THREADS=1
fails=0
cases=0
# Debian's interpreter (tests/deps.sh installs python3), not a pyenv one first in PATH.
PY=/usr/bin/python3
if [ ! -x "$PY" ]; then
	echo "FAIL extremes.sh: $PY is needed to read the JSON ('sh tests/deps.sh test' installs python3)"
	exit 1
fi

# Cases failing because of a reported bug not fixed yet ("NAME|what" per
# line): shown as XFAIL, not counted; XPASS when they pass again.
# (F8, nan in the FD check of a saturated network, was listed here until fixed in 905a28d.)
OPEN_CASES=''
open_note() {
	printf '%s\n' "$OPEN_CASES" | awk -F'|' -v d="$1" '$1 == d { print $2; exit }'
}
current=
fail() {
	note=$(open_note "$current")
	if [ -n "$note" ]; then
		echo "XFAIL $* (open: $note)"
		return
	fi
	echo "FAIL $*"
	fails=$((fails + 1))
}
ok() {
	[ -n "$(open_note "$1")" ] && echo "XPASS $1: passes now; take it off OPEN_CASES"
	echo "ok   $1"
}

# json NAME PYTHON ARGS...: runs check --json ARGS, then the python body with
# o = the parsed output; the body raises AssertionError with a message.
json() {
	name=$1
	current=$name
	body=$2
	shift 2
	cases=$((cases + 1))
	if ! "$VANEX" check --json "$@" >"$tmp/out.json" 2>"$tmp/err"; then
		fail "$name: exit $?: $(head -c 300 "$tmp/err")"
		return
	fi
	if "$PY" - "$tmp/out.json" >"$tmp/py" 2>&1 <<EOF
import json, math, sys
o = json.load(open(sys.argv[1]))
def close(a, b, tol, what):
    assert a is not None and abs(a - b) <= tol * (abs(b) if b else 1), "%s: %r, expected %r" % (what, a, b)
def path(gap):
    return [p for p in o["paths"] if p["gap"] == gap][0]
$body
EOF
	then
		echo "ok   $name"
	else
		fail "$name: $(tail -n 1 "$tmp/py")"
	fi
}

# text NAME ARGS...: the ASCII table (LANG=C) has no nan/inf, stderr is empty.
text() {
	name=$1
	current=$name
	shift
	cases=$((cases + 1))
	LC_ALL=C "$VANEX" check "$@" >"$tmp/out.txt" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -ne 0 ] || [ -s "$tmp/err" ]; then
		fail "$name: exit $rc: $(head -c 300 "$tmp/err")"
	elif grep -Eiq '(^|[^a-z])(nan|inf)([^a-z]|$)|-?inf[^i]' "$tmp/out.txt"; then
		fail "$name: nan or inf printed: $(grep -Ei 'nan|inf' "$tmp/out.txt" | grep -v infinity | head -2)"
	else
		ok "$name"
	fi
}

lin="--act linear --init identity --input-scale 0"

# ---- λ = 10^-300 and 10^300: linear identity, the gap of 3 gives 10^∓900 exactly
json "linear λ=1e-300: log10 over gaps 0..3 is 0, -300, -600, -900" '
for g in range(4):
    p = path(g)
    for f in ("log10_norm", "log10_step_product", "log10_bound"):
        close(p[f], -300.0 * g, 1e-12, "gap %d %s" % (g, f))
assert path(1)["norm"] == 1e-300 or abs(path(1)["norm"] / 1e-300 - 1) < 1e-12, "gap 1 norm %r" % path(1)["norm"]
for g in (2, 3):
    assert path(g)["norm"] is None, "gap %d: 1e%d does not fit a double, yet norm = %r" % (g, -300 * g, path(g)["norm"])
close(o["lyapunov"]["max_exponent"], math.log(1e-300), 1e-9, "Lyapunov exponent (ln 1e-300)")
' $lin --norm 1e-300 --steps 4 --hidden 3
json "linear λ=1e300: log10 over gaps 0..3 is 0, 300, 600, 900" '
for g in range(4):
    for f in ("log10_norm", "log10_step_product", "log10_bound"):
        close(path(g)[f], 300.0 * g, 1e-12, "gap %d %s" % (g, f))
close(o["lambda"], 1e300, 1e-12, "lambda")
' $lin --norm 1e300 --steps 4 --hidden 3
text "linear λ=1e300 text has no inf" $lin --norm 1e300 --steps 4 --hidden 3
text "linear λ=1e-300 text has no nan" $lin --norm 1e-300 --steps 4 --hidden 3

# λ = 10^300 with inputs: the linear forward pass overflows -> one clear error
cases=$((cases + 1))
current=
"$VANEX" check --act linear --init identity --norm 1e300 --steps 5 >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 1 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && [ ! -s "$tmp/out" ]; then
	echo "ok   linear λ=1e300 with inputs: exit 1: $(cat "$tmp/err")"
else
	fail "linear λ=1e300 with inputs: exit $rc, $(wc -l <"$tmp/err") stderr lines, $(wc -c <"$tmp/out") bytes out"
fi

# sigmoid, λ = 10^-300: J_j = 10^-300 diag(σ'(a_j)), so the norm over a gap is
# max_i Π_j σ'(a_{j,i}) × 10^(-300·gap): checked from the a_j the run reports.
json "sigmoid λ=1e-300: log10 norm = Σ log10 σ'(a_j) - 300·gap" '
t = o["params"]["t"]
a = o["a"]
def dsig(x):
    s = 1 / (1 + math.exp(-x))
    return s * (1 - s)
for p in o["paths"]:
    k, g = p["k"], p["gap"]
    best = max(sum(math.log10(dsig(a[j - 1][i])) for j in range(k + 1, t + 1)) for i in range(len(a[0])))
    close(p["log10_norm"], best - 300.0 * g, 1e-9, "gap %d log10 norm" % g)
' --act sigmoid --init identity --norm 1e-300 --steps 40 --hidden 3

# ---- T = 10^6 at d = 2 (linear, W = I/2): the table against 0.5^gap ----
cases=$((cases + 1))
current=
LC_ALL=C "$VANEX" check $lin --norm 0.5 --hidden 2 --steps 1000000 >"$tmp/big.txt" 2>"$tmp/err"
rc=$?
if [ "$rc" -ne 0 ]; then
	fail "T=1e6 d=2: exit $rc: $(head -c 300 "$tmp/err")"
else
	# every row: the printed actual norm (4 significant digits, maybe beyond a
	# double) against gap·log10(0.5), to half a unit in the 4th digit
	if awk '
		$1 ~ /^[0-9]+$/ && $2 ~ /^[0-9]+$/ && NF >= 6 {
			gap = $1; v = $3; n++
			if (v == "1") l = 0
			else if (split(v, p, "e") == 2) l = log(p[1]) / log(10) + p[2]
			else l = log(v) / log(10)
			want = gap * log(0.5) / log(10)
			if (l - want > 3e-4 || want - l > 3e-4) { printf "gap %s: printed %s, expected 10^%.6f\n", gap, v, want; bad = 1 }
			if (gap == 999999) seen = 1
		}
		END { if (!seen) { print "no row for gap 999999"; bad = 1 } if (n < 10) { print "too few rows"; bad = 1 } exit bad }' \
		"$tmp/big.txt" >"$tmp/awk" 2>&1; then
		echo "ok   T=1e6 d=2: every printed norm equals 0.5^gap (down to 0.5^999999 = 10^-301029.69)"
	else
		fail "T=1e6 d=2: $(head -n 3 "$tmp/awk")"
	fi
fi

# ---- saturation: σ' = 0 exactly (huge λ with sigmoid and tanh) ----
for act in sigmoid tanh; do
	json "$act λ=1e300 saturated: norms exactly 0, log10 null, bound (γλ)^gap" '
gl = math.log10(o["gamma"] * o["lambda"])
for p in o["paths"]:
    g = p["gap"]
    if g == 0:
        assert p["norm"] == 1, "gap 0: %r" % p["norm"]
        continue
    assert p["norm"] == 0 and p["step_product"] == 0, "gap %d: norm %r, step product %r; expected exactly 0" % (g, p["norm"], p["step_product"])
    assert p["log10_norm"] is None, "gap %d: log10 of an exact 0 is %r, expected null" % (g, p["log10_norm"])
    close(p["log10_bound"], gl * g, 1e-9, "gap %d log10 bound" % g)
assert o["lyapunov"]["max_exponent"] is None, "Lyapunov %r, expected null (-infinity)" % o["lyapunov"]["max_exponent"]
' --act $act --init identity --norm 1e300 --steps 6 --hidden 3
	text "$act λ=1e300 saturated text: 0, not -inf" --act $act --init identity --norm 1e300 --steps 6 --hidden 3
	current="$act saturated verdict"
	grep -Eq '^verdict: vanishing' "$tmp/out.txt" || fail "$act saturated: verdict is not 'vanishing'"
done

# ---- ReLU with dead units: norm exactly 0 ----
json "relu, every unit dead: norms exactly 0 for every gap >= 1" '
for p in o["paths"]:
    if p["gap"] >= 1:
        assert p["norm"] == 0 and p["log10_norm"] is None, "gap %d: norm %r log10 %r" % (p["gap"], p["norm"], p["log10_norm"])
        close(p["bound"], 1, 1e-12, "gap %d bound (1^gap)" % p["gap"])
' --act relu --init identity --norm 1 --input-scale 0 --steps 8 --hidden 4
text "relu dead units text: 0, not -inf" --act relu --init identity --norm 1 --input-scale 0 --steps 8 --hidden 4
json "--norm 0: W = 0, norms exactly 0, lambda 0" '
assert o["lambda"] == 0, "lambda %r" % o["lambda"]
for p in o["paths"]:
    if p["gap"] >= 1:
        assert p["norm"] == 0 and p["bound"] == 0, "gap %d: %r %r" % (p["gap"], p["norm"], p["bound"])
' --norm 0 --steps 5 --hidden 3
text "--norm 0 text" --norm 0 --steps 5 --hidden 3

# ---- a W whose spectral norm overflows, rescaled: right, or one clear error ----
{
	printf '\223NUMPY\001\000\166\000'
	printf '%-117s\n' "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }"
	for i in 1 2 3 4; do printf '\377\377\377\377\377\377\357\177'; done   # DBL_MAX
} >"$tmp/dblmax.npy"
cases=$((cases + 1))
current=
"$VANEX" check --json --weights "$tmp/dblmax.npy" --norm 1 --steps 3 >"$tmp/out.json" 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 1 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && [ ! -s "$tmp/out.json" ]; then
	echo "ok   W of DBL_MAX --norm 1: exit 1: $(cat "$tmp/err")"
elif [ "$rc" -eq 0 ] && "$PY" -c "
import json, sys
o = json.load(open('$tmp/out.json'))
W = o['model']['W']
assert abs(o['lambda'] - 1) < 1e-12, 'lambda %r' % o['lambda']
assert all(abs(w - 0.5) < 1e-12 for r in W for w in r), 'W %r' % W
" 2>"$tmp/py"; then
	echo "ok   W of DBL_MAX --norm 1: W = 0.5 everywhere, lambda = 1"
else
	fail "W of DBL_MAX --norm 1: exit $rc, $(tail -n 1 "$tmp/py" 2>/dev/null) (a zero W reported as rescaled?)"
fi

echo "extremes: $cases cases, $fails failed"
[ "$fails" -eq 0 ]
