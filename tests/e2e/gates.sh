#!/bin/sh
# The step on gates against `vanex check`: the handout's LSTM and GRU beside
# a vanilla network (report/doc/env.h) are the networks `vanex check --cell
# lstm|gru` builds from the same seed, --init and --norm λ, run on the
# vanilla network's inputs (--inputs-file, written from its check --json);
# check's numbers for those are compared with PyTorch in check_torch_net.sh.
# Every template name of the gated networks (lstm.c_norm, lstm.h_norm,
# lstm.norm, gru.h_norm, gru.norm at three k; the horizons, their kind, the
# mean forget and update gates, the rates) and the {{table gates}} cells
# must agree to 1e-9 relative, for four networks (the default; sigmoid at
# λ = 3; an orthogonal W at λ = 1 with the forget bias 1; d = 3, T = 30,
# t = 20 with the forget bias 2.5).  Then the comparison is shown able to
# fail: a forget bias of 1 against check's 0 must be refused.  Then the
# chosen cell (--cell in report, c in the tutor under tmux): the notes of
# the steps about the vanilla cell carry the LSTM's and GRU's numbers,
# check's again, in md, html and latex, and nothing is left unfilled.
# numpy is Debian's python3-numpy under /usr/bin/python3.
#   VANEX=./vanex sh tests/e2e/gates.sh
set -u
VANEX=${VANEX:-./vanex}
PY=/usr/bin/python3
if ! "$PY" -c 'import numpy' >/dev/null 2>&1; then
	echo "FAIL gates.sh: $PY cannot import numpy (Debian python3-numpy; 'sh tests/deps.sh test' installs it)" >&2
	exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vanex-e2e-gates.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP
fail=0

# The names, one per line, in full precision.
cat >"$tmp/names.md" <<'EOF'
## The gated networks

{{#if 1}}
NAME lstm.c_norm 1 {{lstm.c_norm k=1:full}}
NAME lstm.h_norm 1 {{lstm.h_norm k=1:full}}
NAME lstm.norm 1 {{lstm.norm k=1:full}}
NAME lstm.c_norm mid {{lstm.c_norm k=(floor(t/2)):full}}
NAME lstm.h_norm mid {{lstm.h_norm k=(floor(t/2)):full}}
NAME lstm.c_norm last {{lstm.c_norm k=(t-1):full}}
NAME gru.h_norm 1 {{gru.h_norm k=1:full}}
NAME gru.norm 1 {{gru.norm k=1:full}}
NAME gru.h_norm mid {{gru.h_norm k=(floor(t/2)):full}}
NAME gru.h_norm last {{gru.h_norm k=(t-1):full}}
NAME lstm.horizon - {{lstm.horizon}}
NAME gru.horizon - {{gru.horizon}}
NAME lstm.fate - {{lstm.fate}}
NAME gru.fate - {{gru.fate}}
NAME lstm.keep - {{lstm.keep:full}}
NAME gru.keep - {{gru.keep:full}}
NAME lstm.rate - {{lstm.rate:full}}
NAME gru.rate - {{gru.rate:full}}
NAME t - {{t}}
{{/if}}

{{table gates}}
EOF

# compare.py HANDOUT.md LSTM.json GRU.json LABEL: exit 0 when all agree, 3
# when one does not (any other status: the comparison itself broke).
cat >"$tmp/compare.py" <<'EOF'
import json, math, re, sys
TOL = 1e-9
md = open(sys.argv[1]).read()
lstm = json.load(open(sys.argv[2]))
gru = json.load(open(sys.argv[3]))
label = sys.argv[4]
names = {}
for m in re.finditer(r"^NAME (\S+) (\S+) (\S+)$", md, re.M):
    names[(m.group(1), m.group(2))] = m.group(3)
t = int(names[("t", "-")])
SUP = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻−", "0123456789--")
def num(s):
    # a handout's Markdown writes 1.25×10⁻¹²
    m, _, e = s.partition("×10")
    return float(m.translate(SUP)) * 10.0 ** int(e.translate(SUP)) if e else float(m.translate(SUP))
bad = []
def close(what, got, want):
    if want == 0 and got == 0:
        return
    if not (abs(got - want) <= TOL * abs(want)):
        bad.append("%s: %r against check's %r" % (what, got, want))
def path(o, k):
    return o["paths"][k - 1]
ks = {"1": 1, "mid": t // 2, "last": t - 1}
for (name, which), v in names.items():
    if which in ks:
        k = ks[which]
        o = lstm if name.startswith("lstm") else gru
        field = name.split(".")[1]
        want = path(o, k)["norm"] if field == "norm" else path(o, k)[field][0]
        close("%s k=%d" % (name, k), num(v), want)
for cell, o in (("lstm", lstm), ("gru", gru)):
    h = o["horizon"]
    got = int(names[(cell + ".horizon", "-")])
    if got != (h["gap"] or 0):
        bad.append("%s.horizon: %d against check's %d" % (cell, got, h["gap"]))
    fate = {"vanish": "vanished", "explode": "exploded", "none": "none"}[h["kind"]]
    if names[(cell + ".fate", "-")] != fate:
        bad.append("%s.fate: %s against check's %s" % (cell, names[(cell + ".fate", "-")], fate))
    close(cell + ".keep", num(names[(cell + ".keep", "-")]), o["layers"][0]["keep_mean"])
    close(cell + ".rate", num(names[(cell + ".rate", "-")]), o["rate"])
# the table: rows "| gap | rnn | lstm c | lstm h | gru h |", 3 digits
rows = re.findall(r"^\| (\d+) \| (\S+) \| (\S+) \| (\S+) \| (\S+) \|$", md, re.M)
if len(rows) < 2:
    bad.append("no {{table gates}} rows")
for r in rows:
    gap = int(r[0]); k = t - gap
    for col, want in ((2, path(lstm, k)["c_norm"][0]), (3, path(lstm, k)["h_norm"][0]), (4, path(gru, k)["h_norm"][0])):
        got = num(r[col])
        if abs(got - want) > 5.01e-3 * abs(want):
            bad.append("table gap %d column %d: %s against check's %r" % (gap, col, r[col], want))
if bad:
    print("%s: %d disagreements, first: %s" % (label, len(bad), bad[0]))
    sys.exit(3)
print("%s: %d names and %d table rows agree" % (label, len(names), len(rows)))
EOF

# run LABEL FB_REPORT FB_CHECK OPTIONS...: the handout's names with
# --forget-bias FB_REPORT against check's networks with FB_CHECK; prints
# compare.py's status.
run() {
	label=$1 fbr=$2 fbc=$3
	shift 3
	"$VANEX" check --json "$@" >"$tmp/rnn.json" || { echo "FAIL $label: check of the vanilla network" >&2; return 9; }
	"$PY" -c 'import json, sys, numpy as np; m = json.load(open(sys.argv[1]))["model"]; np.save(sys.argv[2], np.array(m["x"], dtype=np.float64))' \
		"$tmp/rnn.json" "$tmp/x.npy" || return 9
	# check draws the gated networks as the handout does; --act is the vanilla cell's alone
	gopts=$(printf '%s\n' "$@" | awk 'skip { skip = 0; next } /^--act$/ { skip = 1; next } /^--input-scale$/ { skip = 1; next } { print }')
	for cell in lstm gru; do
		# shellcheck disable=SC2086
		"$VANEX" check --json --cell "$cell" --forget-bias "$fbc" --inputs-file "$tmp/x.npy" $gopts >"$tmp/$cell.json" ||
			{ echo "FAIL $label: check --cell $cell" >&2; return 9; }
	done
	"$VANEX" report --template "$tmp/names.md" --forget-bias "$fbr" "$@" >"$tmp/h.md" ||
		{ echo "FAIL $label: report" >&2; return 9; }
	"$PY" "$tmp/compare.py" "$tmp/h.md" "$tmp/lstm.json" "$tmp/gru.json" "$label"
}

expect_ok() {
	run "$@"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "FAIL gates.sh: $1 (status $rc)" >&2
		fail=1
	fi
}
expect_ok default 0 0
expect_ok "sigmoid, lambda 3" 0 0 --act sigmoid --norm 3 --seed 7
expect_ok "orthogonal, bias 1" 1 1 --init orthogonal --norm 1 --seed 3
expect_ok "d 3, T 30, t 20, bias 2.5" 2.5 2.5 --hidden 3 --inputs 2 --steps 30 --t 20 --seed 11

# able to fail: the handout's bias 1 against check's 0
run "bias 1 against 0" 1 0 >"$tmp/neg.txt" 2>&1
rc=$?
if [ "$rc" -ne 3 ]; then
	echo "FAIL gates.sh: a forget bias of 1 against 0 was not refused (status $rc): $(cat "$tmp/neg.txt")" >&2
	fail=1
else
	echo "refused as it should be: $(cat "$tmp/neg.txt")"
fi

# the closed form: no recurrent weights (λ = 0) and no inputs leave f = σ(b)
# at every step and c = 0, so ∂c_t/∂c_{t−1} = diag(σ(b)): ‖∂c_t/∂c_k‖₂ =
# σ(b)^(t−k), and the GRU's ∂h_t/∂h_{t−1} = diag(σ(b)) the same
cat >"$tmp/closed.md" <<'EOF'
## Closed form

{{#if 1}}
CLOSED {{lstm.c_norm k=1:full}} {{gru.h_norm k=1:full}} {{lstm.c_norm k=(t-7):full}} {{t}}
{{/if}}
EOF
for b in 0 1 -2 3; do
	"$VANEX" report --template "$tmp/closed.md" --norm 0 --input-scale 0 --forget-bias "$b" >"$tmp/c.md" ||
		{ echo "FAIL gates.sh: closed form, bias $b: report failed" >&2; fail=1; continue; }
	"$PY" - "$tmp/c.md" "$b" <<'EOF' || fail=1
import math, re, sys
SUP = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻−", "0123456789--")
def num(s):
    m, _, e = s.partition("×10")
    return float(m.translate(SUP)) * 10.0 ** int(e.translate(SUP)) if e else float(m.translate(SUP))
line = re.search(r"^CLOSED (\S+) (\S+) (\S+) (\d+)$", open(sys.argv[1]).read(), re.M)
b = float(sys.argv[2])
c1, g1, c7, t = num(line.group(1)), num(line.group(2)), num(line.group(3)), int(line.group(4))
s = 1 / (1 + math.exp(-b))
bad = [(w, got, want) for w, got, want in (("lstm k=1", c1, s ** (t - 1)), ("gru k=1", g1, s ** (t - 1)),
                                         ("lstm k=t-7", c7, s ** 7))
       if abs(got - want) > 1e-12 * want]
if bad:
    print("FAIL gates.sh: closed form sigma(%g)^(t-k): %r" % (b, bad), file=sys.stderr)
    sys.exit(1)
print("closed form, bias %g: sigma(b)^(t-1) = %.17g, as the handout says" % (b, s ** (t - 1)))
EOF
done

# ---- the chosen cell: vanex report --cell lstm|gru ------------------------------
# Every format: no NaN, no infinity, no unfilled placeholder; the fifteen
# steps about the vanilla cell each carry the note naming the chosen cell,
# whose ‖∂S_t/∂S_1‖₂ (3 digits) is check's for the network beside
# (--inputs-file, as above); the subtitle and the record name the cell.
"$VANEX" check --json >"$tmp/rnn.json" &&
	"$PY" -c 'import json, sys, numpy as np; m = json.load(open(sys.argv[1]))["model"]; np.save(sys.argv[2], np.array(m["x"], dtype=np.float64))' \
		"$tmp/rnn.json" "$tmp/x.npy" || fail=1
for cell in lstm gru; do
	"$VANEX" check --json --cell "$cell" --inputs-file "$tmp/x.npy" >"$tmp/$cell.json" || fail=1
	for f in md html latex; do
		if ! "$VANEX" report --cell "$cell" -f "$f" >"$tmp/h.$f" 2>"$tmp/err"; then
			echo "FAIL gates.sh: report --cell $cell -f $f: $(cat "$tmp/err")" >&2
			fail=1
			continue
		fi
		"$PY" - "$tmp/h.$f" "$tmp/$cell.json" "$cell" "$f" <<'EOF' || fail=1
import json, re, sys
text = open(sys.argv[1]).read()
o = json.load(open(sys.argv[2]))
cell, fmt = sys.argv[3], sys.argv[4]
bad = []
for word in ("NaN", "nan", "inf", "{{"):
    if re.search(r"(?<![A-Za-z])" + re.escape(word) + r"(?![A-Za-z])", text):
        bad.append("'%s' in the handout" % word)
# the first step about the vanilla cell says whose numbers they are, the
# other 14 refer back to it
notes = text.count("numbers here are those of a vanilla network"), text.count("As above: the vanilla cell")
if notes != (1, 14):
    bad.append("notes of the vanilla cell: %d whole and %d short, not 1 and 14" % notes)
NAME = cell.upper()
named = len(re.findall(r"(?i)\bthe %s you chose" % NAME, text))
if named != 16:
    bad.append("the %s named %d times, not 16 (15 notes, the remedies)" % (NAME, named))
if "cell followed" not in text or not re.search(r"the numbers that mean the same for every cell follow the %s" % NAME, text):
    bad.append("the record or the subtitle does not name the %s" % NAME)
want = o["paths"][0]["norm"]
m, e = ("%.2e" % want).split("e")
e = int(e)
forms = {"md": "%s \\times 10^{-%d}" % (m, -e),
         "html": "<mn>%s</mn><mo>×</mo><msup><mn>10</mn><mrow><mn>−%d</mn>" % (m, -e),
         "latex": "%s \\times 10^{-%d}" % (m, -e)}
if forms[fmt] not in text:
    bad.append("the %s's norm %s (%s) not in the note" % (cell, want, forms[fmt]))
if bad:
    print("FAIL gates.sh: report --cell %s -f %s: %s" % (cell, fmt, "; ".join(bad)), file=sys.stderr)
    sys.exit(1)
print("report --cell %s -f %s: 1 + 14 notes, the %s's norm %s, no NaN or placeholder" % (cell, fmt, NAME, want))
EOF
	done
done
# a stack stays check's
"$VANEX" report --cell lstm --layers 2 >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "layers 2" "$tmp/err"; then
	echo "refused as it should be: $(cat "$tmp/err")"
else
	echo "FAIL gates.sh: report --cell lstm --layers 2: status $rc, $(cat "$tmp/err")" >&2
	fail=1
fi

# ---- the chosen cell in the tutor: c under tmux at 80×24 -----------------------------
# Step 11 shows the vanilla numbers; c chooses the LSTM: the status line
# starts with lstm and the note under the title gives the LSTM's
# ‖∂S_t/∂S_1‖₂ = check's; c again the GRU's; c again back to rnn, no note.
if command -v tmux >/dev/null 2>&1; then
	sock="vanex-gates-$$"
	# its own progress file, as a new student's; its status kept for q below
	# (the tutor writes its pid, for the kill below if q fails)
	tmux -L "$sock" new-session -d -x 80 -y 24 "XDG_STATE_HOME='$tmp/state' LANG=C.UTF-8 TERM=xterm-256color sh -c 'echo \$\$ >\"$tmp/tutor.pid\"; exec \"\$@\"' tutor $VANEX --step 11; echo \$? >'$tmp/tutor.rc'; sleep 30" || fail=1
	screen() { sleep "${1:-1.5}"; tmux -L "$sock" capture-pane -p >"$tmp/screen"; }
	norm3() { "$PY" -c 'import json, sys; v = json.load(open(sys.argv[1]))["paths"][0]["norm"]; m, e = ("%.2e" % v).split("e"); print(m + "×10" + str(int(e)).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")))' "$1"; }
	screen 2
	if grep -q "numbers here are those" "$tmp/screen"; then
		echo "FAIL gates.sh: tutor: a note before c" >&2
		fail=1
	fi
	for cell in lstm gru; do
		tmux -L "$sock" send-keys c
		screen
		want=$(norm3 "$tmp/$cell.json")
		if sed -n 23p "$tmp/screen" | grep -q "^ $cell " &&
			grep -q "the $(echo "$cell" | tr a-z A-Z) you chose" "$tmp/screen" &&
			grep -q "= $want" "$tmp/screen"; then
			echo "tutor, c: $cell on the status line, its norm $want in the note"
		else
			echo "FAIL gates.sh: tutor after c ($cell, want $want):" >&2
			cat "$tmp/screen" >&2
			fail=1
		fi
	done
	tmux -L "$sock" send-keys c
	screen
	if grep -q "numbers here are those" "$tmp/screen" || sed -n 23p "$tmp/screen" | grep -q "^ lstm \|^ gru "; then
		echo "FAIL gates.sh: tutor: back to rnn, still a note or a gated cell on the status line" >&2
		fail=1
	fi
	# q, and the tutor's end awaited before its terminal goes: a hangup in
	# the middle of a sanitizer build's exit-time leak scan left it spinning
	tmux -L "$sock" send-keys q
	i=0
	while [ $i -lt 100 ] && [ ! -s "$tmp/tutor.rc" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if [ ! -s "$tmp/tutor.rc" ]; then
		echo "FAIL gates.sh: tutor: still running 10 s after q: killed" >&2
		fail=1
		kill -KILL "$(cat "$tmp/tutor.pid")" 2>/dev/null
	elif [ "$(cat "$tmp/tutor.rc")" != 0 ]; then
		echo "FAIL gates.sh: tutor: q ended it with status $(cat "$tmp/tutor.rc"), not 0" >&2
		fail=1
	fi
	tmux -L "$sock" kill-server 2>/dev/null
	rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$sock"
else
	echo "FAIL gates.sh: tmux is needed for the tutor's part (Debian tmux)" >&2
	fail=1
fi

[ "$fail" -eq 0 ] && echo "gates.sh: ok"
exit "$fail"
