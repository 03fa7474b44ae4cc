#!/bin/sh
# End-to-end tests of `vanex report` (POSIX sh + python3): the numbers of a
# handout are those of `vanex check --json` (17 digits through a template,
# and the rounded table of the default handout), SOURCE_DATE_EPOCH makes
# every format byte-identical, a template's front matter yields to the
# command line, Markdown gets its SVG files beside it, pdflatex compiles the
# LaTeX, -f pdf writes a PDF holding the steps and the numbers (and nothing
# when pdflatex fails or is missing), and every error leaves no file
# behind.  python3, pdflatex and pdftotext are installed by tests/deps.sh;
# without them this test fails.
#   VANEX=./vanex sh tests/e2e/report.sh
set -u
VANEX=${VANEX:-./vanex}
case $VANEX in /*) ;; *) VANEX=$(pwd)/$VANEX ;; esac
# Debian's interpreter, not a pyenv one first in PATH.
PY=/usr/bin/python3
if [ ! -x "$PY" ]; then
	echo "FAIL report.sh: $PY is needed to compare the numbers ('sh tests/deps.sh test' installs python3)" >&2
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vanex-e2e-report.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP
fails=0
checks=0
fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}
pass() { checks=$((checks + 1)); }

# vanex_env: NAME=VALUE for vanex alone (PATH without pdflatex), through env
# because an assignment before a shell function may outlive the call.
vanex_env=
run() {
	env ${vanex_env:+"$vanex_env"} "$VANEX" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# expect_error RC PATTERN ARGS...: exit status RC, one stderr line matching PATTERN.
expect_error() {
	want=$1
	pat=$2
	shift 2
	run "$@"
	if [ "$rc" -ne "$want" ]; then
		fail "vanex $*: exit $rc, expected $want ($(head -c 200 "$tmp/err"))"
		return
	fi
	if [ "$(wc -l <"$tmp/err")" -ne 1 ]; then
		fail "vanex $*: expected one line on stderr, got: $(cat "$tmp/err")"
		return
	fi
	if ! grep -q -- "$pat" "$tmp/err"; then
		fail "vanex $*: stderr '$(cat "$tmp/err")' lacks '$pat'"
		return
	fi
	pass
}

# ---- the default handout on stdout ---------------------------------------
run report
if [ "$rc" -ne 0 ] || ! grep -q '^# Vanishing and exploding gradients' "$tmp/out"; then
	fail "vanex report: exit $rc, no Markdown handout on stdout ($(head -c 200 "$tmp/err"))"
else
	pass
fi
grep -q 'VXQ\|{{' "$tmp/out" && fail "a marker or tag was left in the handout" || pass

# ---- a product of Jacobians that is exactly 0 ------------------------------
# A nilpotent W (integers, W^6 = 0) with a linear activation: the long-run
# rate is mu = -infinity exactly, which the handout states as such.
printf '%s\n' "-1,1,0,0,0,0" "0,0,1,0,0,0" "0,0,0,1,0,0" "0,0,0,0,1,0" "0,0,0,0,0,1" "-1,1,-1,1,-1,1" >"$tmp/nil.csv"
run report --weights "$tmp/nil.csv" --act linear --steps 40
if [ "$rc" -ne 0 ]; then
	fail "report of a nilpotent W: exit $rc ($(head -c 200 "$tmp/err"))"
elif ! grep -q '^\$\$\\mu = -\\infty' "$tmp/out" || grep -q 'mu \\approx -\\infty' "$tmp/out"; then
	fail "report of a nilpotent W: mu is not stated as exactly -infinity: $(grep 'mu .*infty' "$tmp/out" | head -2)"
else
	pass
fi

# ---- W = 0: the regimes' table says why its other rows are empty ------------
# in the handout's words, not the engine's ASCII message about one of them
printf '0,0\n0,0\n' >"$tmp/zeros.csv"
run report --weights "$tmp/zeros.csv" --steps 20
if [ "$rc" -ne 0 ]; then
	fail "report of W = 0: exit $rc ($(head -c 200 "$tmp/err"))"
elif ! grep -q 'The other rows are not computed: \$W = 0\$ has no scale to change' "$tmp/out" ||
	grep -q 'W is all zeros' "$tmp/out"; then
	fail "report of W = 0: the regimes' note: $(grep -i 'not computed' "$tmp/out" | tail -1)"
else
	pass
fi

# ---- numbers equal check --json ----------------------------------------------
cat >"$tmp/full.md" <<'EOF'
loss={{loss:full}}

gamma={{gamma:full}}

lambda={{lambda:full}}

grad_norm={{grad_norm:full}}

lyap={{lyap:full}}

lyap_bound={{lyap_bound:full}}

rate={{rate:full}}

norm1={{path.norm k=1:full}}

product1={{path.product k=1:full}}

bound1={{path.bound k=1:full}}

contribution2={{path.contribution k=2:full}}

normt={{path.norm k=t:full}}

fd_dsda={{fd.dsda:full}}
EOF
for opts in "--act tanh --steps 40 --seed 5" "--act sigmoid --norm 4 --hidden 6 --steps 30" \
	"--act relu --norm 1.7 --steps 25 --seed 2" "--act linear --init orthogonal --norm 0.9 --steps 20"; do
	# shellcheck disable=SC2086
	"$VANEX" check --json $opts >"$tmp/check.json" 2>"$tmp/err" || { fail "check --json $opts: $(cat "$tmp/err")"; continue; }
	# shellcheck disable=SC2086
	"$VANEX" report $opts --template "$tmp/full.md" >"$tmp/full.out" 2>"$tmp/err" ||
		{ fail "report --template full.md $opts: $(cat "$tmp/err")"; continue; }
	# shellcheck disable=SC2086
	"$VANEX" report $opts >"$tmp/default.md" 2>"$tmp/err" || { fail "report $opts: $(cat "$tmp/err")"; continue; }
	if "$PY" - "$tmp/check.json" "$tmp/full.out" "$tmp/default.md" <<'EOF'
import json, math, re, sys
j = json.load(open(sys.argv[1]))
SUP = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
# a negative number's sign is a true minus (U+2212) in the handout, never '-'
def num(s):
    s = s.strip()
    m = re.fullmatch(r"(−?[0-9.]+)(?:×10([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+))?", s)
    if not m:
        raise ValueError("not a number: %r" % s)
    x = float(m.group(1).replace("−", "-"))
    return x * 10.0 ** int(m.group(2).translate(SUP)) if m.group(2) else x
def log10_of(s):
    m = re.fullmatch(r"(−?[0-9.]+)(?:×10([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+))?", s.strip())
    e = int(m.group(2).translate(SUP)) if m.group(2) else 0
    return math.log10(abs(float(m.group(1).replace("−", "-")))) + e
got = dict(l.split("=", 1) for l in open(sys.argv[2]).read().split("\n") if "=" in l)
p = {q["k"]: q for q in j["paths"]}
t = j["params"]["t"]
want = {"loss": j["loss"], "gamma": j["gamma"], "lambda": j["lambda"], "grad_norm": j["grad_norm"],
        "lyap": j["lyapunov"]["max_exponent"], "lyap_bound": j["lyapunov"]["bound"], "rate": j["rate"],
        "norm1": p[1]["norm"], "product1": p[1]["step_product"], "bound1": p[1]["bound"],
        "contribution2": p[2]["contribution"], "normt": p[t]["norm"], "fd_dsda": j["fd_check"]["dsda"]}
bad = []
for k, w in want.items():
    if w is None:
        continue
    g = num(got[k])
    if not (g == w or abs(g - w) <= 1e-15 * abs(w)):
        bad.append("%s: handout %r, check --json %r" % (k, got[k], w))
# the default handout's path table, 3 significant digits
rows = 0
for line in open(sys.argv[3]):
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if len(cells) != 6 or not cells[0].isdigit() or not cells[1].isdigit():
        continue
    gap, k = int(cells[0]), int(cells[1])
    q = p[k]
    if q["gap"] != gap:
        bad.append("row k=%d: gap %d, json %d" % (k, gap, q["gap"]))
    for c, key in zip(cells[2:], ["norm", "step_product", "bound", "contribution"]):
        w = q[key]
        lw = q["log10_" + key] if ("log10_" + key) in q else None
        if w is None and lw is None:
            if num(c) != 0:
                bad.append("row k=%d %s: %s for an exact 0" % (k, key, c))
            continue
        if w is None:      # beyond a double: compare log10
            if abs(log10_of(c) - lw) > 2.5e-3:
                bad.append("row k=%d %s: %s vs 10^%r" % (k, key, c, lw))
        elif w == 0:
            if num(c) != 0:
                bad.append("row k=%d %s: %s vs 0" % (k, key, c))
        elif abs(num(c) - w) > 5e-3 * abs(w):
            bad.append("row k=%d %s: %s vs %r" % (k, key, c, w))
    rows += 1
if rows < 3:
    bad.append("only %d path rows found in the default handout" % rows)
if bad:
    print("\n".join(bad))
sys.exit(1 if bad else 0)
EOF
	then pass; else fail "numbers of 'report $opts' differ from 'check --json $opts' (above)"; fi
done

# ---- reproducibility ------------------------------------------------------------
mkdir "$tmp/r1" "$tmp/r2"
for f in md html latex; do
	SOURCE_DATE_EPOCH=1700000000 "$VANEX" report -f $f --act sigmoid --norm 5 -o "$tmp/r1/h.$f" 2>"$tmp/err" &&
		SOURCE_DATE_EPOCH=1700000000 "$VANEX" report -f $f --act sigmoid --norm 5 -o "$tmp/r2/h.$f" 2>>"$tmp/err"
	if [ $? -ne 0 ]; then
		fail "report -f $f: $(cat "$tmp/err")"
		continue
	fi
	if cmp -s "$tmp/r1/h.$f" "$tmp/r2/h.$f"; then pass; else fail "two runs of -f $f under SOURCE_DATE_EPOCH differ"; fi
	if grep -q '2023-11-14' "$tmp/r1/h.$f"; then pass; else fail "-f $f: the date of SOURCE_DATE_EPOCH=1700000000 is missing"; fi
	if grep -q 'vanex' "$tmp/r1/h.$f"; then pass; else fail "-f $f: no version recorded"; fi
done
# the six plots of the default handout (σ′, the three regimes, the norms
# against t − k, the eigenvalues and the powers of W, the three cells of the
# step on gates) sit beside the Markdown, identical too
for n in 1 2 3 4 5 6; do
	if [ -f "$tmp/r1/h-$n.svg" ] && grep -q '<svg' "$tmp/r1/h-$n.svg" && grep -q "(h-$n.svg)" "$tmp/r1/h.md" &&
		cmp -s "$tmp/r1/h-$n.svg" "$tmp/r2/h-$n.svg"; then
		pass
	else
		fail "h-$n.svg missing, not linked from h.md, or not reproducible"
	fi
done
n=$(ls -A "$tmp/r1" | wc -l)
[ "$n" -eq 9 ] && pass || fail "expected h.md h-1.svg … h-6.svg h.html h.latex in r1, found: $(ls -A "$tmp/r1")"
SOURCE_DATE_EPOCH=x expect_error 2 'SOURCE_DATE_EPOCH' report

# ---- numbered steps, references, the handout's own words ----------------------------
# Every format numbers the 16 steps in order ("Step 3. ..." in the title),
# ends with the eight references, and cites them by number; in HTML each
# citation links to an entry that exists.  No sentence meant for the tutor
# ("change it", keys to press) reaches a handout.
for f in md html latex; do
	run report -f $f
	if [ "$rc" -ne 0 ]; then
		fail "report -f $f: exit $rc"
		continue
	fi
	if "$PY" - "$tmp/out" "$f" <<'EOF'
import re, sys
text, fmt = open(sys.argv[1]).read(), sys.argv[2]
bad = []
steps = [int(n) for n in re.findall(r"Step (\d+)\. ", text)]
if steps != list(range(1, 17)):
    bad.append("step numbers in the titles: %s" % steps)
refs = re.findall(r"\[(\d)\]", text[text.rfind("References"):])
if sorted(set(refs)) != [str(i) for i in range(1, 9)]:
    bad.append("references after the last 'References': %s" % refs)
for want in ("Pascanu", "Hochreiter", "Bengio, P. Simard", "Schmidhuber", "Jaitly", "Arjovsky",
             "157", "1735", "1310", "1504.00941", "1120", "Gers", "Jozefowicz", "2451", "2342"):
    if want not in text:
        bad.append("no '%s' in the references" % want)
cited = re.findall(r'href="#ref-([a-z0-9]+)"', text)
ids = re.findall(r'id="ref-([a-z0-9]+)"', text)
if fmt == "html":
    if len(cited) < 10 or any(c not in ids for c in cited) or len(ids) != 8:
        bad.append("citations %s against entries %s" % (cited, ids))
else:
    if not re.search(r"Pascanu, Mikolov and Bengio \[1\]", text):
        bad.append("no citation [1] after its authors")
for phrase in ("text changes with it", "press ", "Press ", " key", "tutor"):
    if phrase in text:
        bad.append("tutor's words in the handout: %r" % phrase)
if bad:
    print(fmt + ": " + "; ".join(bad))
sys.exit(1 if bad else 0)
EOF
	then pass; else fail "report -f $f: numbered steps, references or wording (above)"; fi
done

# ---- what a student found ------------------------------------------------------------
# Step 3 names the longest path once when it is the one shown; a negative
# number carries a true minus (U+2212) in the text of every format and is
# one <mn> in MathML, never a binary operator after ≈; a caption never
# leaves its final "." alone on a line; step 7 counts a ReLU network's dead
# units as the numbers have them (check --json: a_{j,i} <= 0 at j = t).
run report -f md
grep -q 'path $k = 1$ multiplies' "$tmp/out" && fail "step 3 repeats itself for k = 1: $(grep -o 'In this network the path[^:]*' "$tmp/out")" || pass
# Markdown outside its math (which TeX sets with a minus)
"$PY" -c '
import re, sys
t = re.sub(r"\$\$.*?\$\$|\$[^$]*\$", "", open(sys.argv[1]).read(), flags=re.S)
sys.stdout.write("\n".join(re.findall(r".{0,30}(?<![0-9A-Za-z])-[0-9].{0,10}", t)[:3]))' "$tmp/out" >"$tmp/hy"
[ -s "$tmp/hy" ] && fail "hyphens for minus in the Markdown handout: $(cat "$tmp/hy")" || pass
run report -f html
if "$PY" - "$tmp/out" <<'EOF'
import re, sys
h = open(sys.argv[1]).read()
bad = []
body = re.sub(r"<(svg|style)\b.*?</\1>", "", h, flags=re.S)
text = re.sub(r"<[^>]+>", " ", body)
hyph = re.findall(r"(?<![0-9A-Za-z])-[0-9][0-9.]*", text)
if hyph:
    bad.append("hyphens for minus: %s" % hyph[:5])
if "<mo>≈</mo><mo>−</mo>" in h or not re.search(r"<mi>μ</mi><mo>≈</mo><mn>−[0-9]", h):
    bad.append("μ ≈ −… is not one negative number")
if "<mtd><mo>−</mo><mn>" in h:
    bad.append("a matrix entry's minus is an operator")
for cap in re.findall(r"<figcaption>(.*?)</figcaption>", h, flags=re.S):
    if cap.endswith("</math>.") or not (cap.endswith(".</span>") or re.search(r"[a-z)]\.$", cap)):
        bad.append("caption ends: ...%s" % cap[-60:])
if bad:
    print("; ".join(bad))
sys.exit(1 if bad else 0)
EOF
then pass; else fail "minus signs or captions in the HTML handout (above)"; fi
for opts in "--act relu --norm 2" "--act relu --norm 1 --hidden 4 --seed 7" "--act relu --norm 3 --hidden 12 --seed 3"; do
	# shellcheck disable=SC2086
	"$VANEX" check --json $opts >"$tmp/relu.json" && run report -f md $opts
	if "$PY" - "$tmp/relu.json" "$tmp/out" <<'EOF'
import json, re, sys
j = json.load(open(sys.argv[1]))
md = open(sys.argv[2]).read()
a = j["a"][j["params"]["t"] - 1]
dead, d = sum(1 for v in a if v <= 0), len(a)
m = re.search(r"At step \$j = \d+\$, (?:(\d+) of the (\d+) units (?:is|are) dead|all (\d+) units are (dead|active)|its one unit is (dead|active))", md)
if not m:
    print("step 7 says no count of dead units: %s" % re.findall(r"A ReLU unit.{0,200}", md)[:1])
    sys.exit(1)
if m.group(1):
    said = int(m.group(1))
elif m.group(3):
    said = int(m.group(3)) if m.group(4) == "dead" else 0
else:
    said = 1 if m.group(5) == "dead" else 0
if said != dead or "close to the peak" in md.split("## Step 7")[1].split("## Step 8")[0]:
    print("step 7: %d dead said, %d of %d in check --json; %s" % (said, dead, d, m.group(0)))
    sys.exit(1)
EOF
	then pass; else fail "report $opts: step 7's count of dead ReLU units (above)"; fi
done

# ---- slides ----------------------------------------------------------------------------
# -f slides: one HTML file, a section per slide, a title on each, every step
# there in order, the same bytes twice under SOURCE_DATE_EPOCH (the browser
# checks are in report_chromium.sh).
mkdir "$tmp/sl"
vanex_env=SOURCE_DATE_EPOCH=1700000000
run report -f slides -o "$tmp/sl/a.html"
run report -f slides -o "$tmp/sl/b.html"
vanex_env=
if [ "$rc" -ne 0 ]; then
	fail "report -f slides: exit $rc ($(head -c 200 "$tmp/err"))"
elif "$PY" - "$tmp/sl/a.html" <<'EOF'
import re, sys
h = open(sys.argv[1]).read()
secs = re.findall(r'<section class="slide[^"]*" id="slide-(\d+)">(.*?)</section>', h, flags=re.S)
bad = []
if [int(n) for n, _ in secs] != list(range(1, len(secs) + 1)):
    bad.append("slides not numbered 1..n")
for n, body in secs:
    if not re.match(r"\s*<h[12]>", body):
        bad.append("slide %s has no title" % n)
    if not re.search(r'<div class="no">%s / %d</div>' % (n, len(secs)), body):
        bad.append("slide %s has no 'n / total'" % n)
steps = []
for _, body in secs:
    m = re.match(r"\s*<h2>Step (\d+)\. ", body)
    if m and (not steps or steps[-1] != int(m.group(1))):
        steps.append(int(m.group(1)))
if steps != list(range(1, 17)):
    bad.append("steps in order: %s" % steps)
# a paragraph ending in ":" stays with what it announces where the two fit a
# slide (templates/README.md): 8 ended their slides ("Here is the product for
# k = 1:", the matrix next); the 2 whose pair is taller than a slide (step 6's
# two matrices, step 12's table) still may
ends = []
for n, body in secs:
    m = re.search(r"</p>\s*<div class=\"no\">[^<]*</div>\s*$", body)
    last = re.sub(r"<[^>]+>", "", body[:m.start()].rsplit("<p>", 1)[-1]).strip() if m else ""
    if last.endswith(":"):
        ends.append((n, last[-50:]))
if len(ends) > 2 or any("product for" in l or "with γλ" in l for _, l in ends):
    bad.append("slides ending with a lead-in, its block on the next: %s" % ends)
if "<script" in h.lower():
    bad.append("a script")
if bad:
    print("; ".join(bad[:6]))
sys.exit(1 if bad else 0)
EOF
then pass; else fail "report -f slides: the slides (above)"; fi
cmp -s "$tmp/sl/a.html" "$tmp/sl/b.html" && pass || fail "two slide decks made under SOURCE_DATE_EPOCH differ"
expect_error 2 'a .pdf file takes -f pdf' report -f slides -o "$tmp/sl/s.pdf"
expect_error 2 "expected md, html, latex, pdf or slides, got 'ppt'" report -f ppt

# ---- front matter and the command line --------------------------------------------
printf -- '---\nact: sigmoid\nsteps: 9\n---\nact={{act}} gamma={{gamma}} T={{T}}\n' >"$tmp/fm.md"
run report --template "$tmp/fm.md"
grep -q 'act=sigmoid gamma=0.25 T=9' "$tmp/out" && pass || fail "front matter not applied: $(head -3 "$tmp/out")"
run report --template "$tmp/fm.md" --act relu
grep -q 'act=relu gamma=1 T=9' "$tmp/out" && pass || fail "--act did not override the front matter: $(head -3 "$tmp/out")"
grep -q '2[0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]' "$tmp/out" && pass || fail "a user template's handout lacks the record"
# a front matter's title heads every format, above the template's own first
# heading (which LaTeX's \maketitle used to take the place of)
printf -- '---\ntitle: A *sheet* of d\n---\n# Heading one\n\nd={{d}}\n' >"$tmp/ti.md"
run report -f md --template "$tmp/ti.md"
[ "$(sed -n 1p "$tmp/out")" = '# A \*sheet\* of d' ] && grep -q '^# Heading one$' "$tmp/out" && pass ||
	fail "a front matter's title in Markdown: $(head -4 "$tmp/out")"
run report -f html --template "$tmp/ti.md"
grep -q '<h1>A \*sheet\* of d</h1>' "$tmp/out" && grep -q '<h1>Heading one</h1>' "$tmp/out" && pass ||
	fail "a front matter's title in HTML: $(grep -o '<h1>[^<]*</h1>' "$tmp/out")"
run report -f latex --template "$tmp/ti.md"
grep -qF '\title{A *sheet* of d}' "$tmp/out" && grep -qF '\section{Heading one}' "$tmp/out" && pass ||
	fail "a front matter's title in LaTeX: $(grep -E 'title|section' "$tmp/out" | head -4)"
# a link stays a link (nothing is fetched until the reader follows it), a
# javascript: link loses its target (cmark's safe rendering), and raw HTML
# that cannot load anything (plain tags, a comment) is kept in Markdown
printf '# L\n\nSee [the notes](https://example.org/notes) and [x](javascript:alert(1)), x<sup>2</sup>.\n\n<!-- a = b -->\n' >"$tmp/link.md"
run report -f html --template "$tmp/link.md"
if grep -q 'href="https://example.org/notes"' "$tmp/out" && ! grep -qi 'javascript\|src="http' "$tmp/out"
then pass; else fail "a template's links: $(grep -io 'href="[^"]*"\|src="[^"]*"' "$tmp/out" | head -5)"; fi
run report -f md --template "$tmp/link.md"
[ "$rc" -eq 0 ] && grep -qF 'x<sup>2</sup>' "$tmp/out" && pass || fail "plain raw HTML in a Markdown handout: exit $rc $(cat "$tmp/err")"

# ---- errors leave nothing ---------------------------------------------------------
mkdir "$tmp/o"
printf 'fine\n\n{{lambda:.x}}\n' >"$tmp/bad.md"
expect_error 1 'bad.md:3:10: bad format' report --template "$tmp/bad.md" -f html -o "$tmp/o/h.html"
printf 'text\n\n{{gama}}\n' >"$tmp/bad2.md"
expect_error 1 "bad2.md:3:3: unknown name 'gama'" report --template "$tmp/bad2.md" -o "$tmp/o/h.md"
printf '{{#if t > 1}}\nopen\n' >"$tmp/bad3.md"
expect_error 1 'bad3.md:1:1: unclosed {{#if}}' report --template "$tmp/bad3.md" -f latex -o "$tmp/o/h.tex"
printf '# x\n\n$\\nosuch$\n' >"$tmp/bad4.md"
expect_error 1 'bad4.md:3:2: math' report --template "$tmp/bad4.md" -o "$tmp/o/h.html"
printf -- '---\nnorm: -1\n---\nx\n' >"$tmp/bad5.md"
expect_error 1 'bad5.md:2:7: front matter' report --template "$tmp/bad5.md" -o "$tmp/o/h.html"
expect_error 1 "$tmp/nothere.md" report --template "$tmp/nothere.md" -o "$tmp/o/h.html"
expect_error 1 'cannot write' report -o "$tmp/missing/dir/h.html"
if [ -z "$(ls -A "$tmp/o")" ]; then pass; else fail "files left after errors: $(ls -A "$tmp/o")"; fi
[ -e "$tmp/missing" ] && fail "a directory was created for -o" || pass

# ---- a finite-difference check that cannot be made is said, never printed as nan
# (the chaotic horizon of tests/e2e/check.sh: every entry of dL/dW unresolved)
run report --act tanh --norm 6 --hidden 16 --steps 1000
if [ "$rc" -ne 0 ]; then
	fail "report on a chaotic horizon: exit $rc ($(head -c 200 "$tmp/err"))"
elif grep -qiw 'nan\|inf' "$tmp/out"; then
	fail "report on a chaotic horizon prints: $(grep -iw 'nan\|inf' "$tmp/out" | head -2)"
elif ! grep -q 'Finite differences cannot check it here' "$tmp/out"; then
	fail "report on a chaotic horizon does not say the gradient check could not be made"
else
	pass
fi

# ---- LaTeX compiles --------------------------------------------------------------
if ! command -v pdflatex >/dev/null 2>&1; then
	fail "pdflatex not installed: the LaTeX handout was not compiled (Debian texlive-latex-base; 'sh tests/deps.sh test')"
else
	mkdir "$tmp/tex"
	# Nothing may run into the margin: no "Overfull \hbox" wider than 1 pt
	# at any size (two matrices side by side overflowed by 185 pt at d = 8).
	for opts in "" "--hidden 2" "--hidden 4" "--hidden 8" "--hidden 12" "--act sigmoid --norm 6 --steps 80" \
		"--act relu --norm 2 --hidden 40 --steps 12" "--act tanh --norm 6 --hidden 16 --steps 1000"; do
		# shellcheck disable=SC2086
		"$VANEX" report -f latex $opts -o "$tmp/tex/h.tex" 2>"$tmp/err" || { fail "report -f latex $opts: $(cat "$tmp/err")"; continue; }
		(cd "$tmp/tex" && pdflatex -interaction=nonstopmode -halt-on-error h.tex >log.txt 2>&1)
		if [ $? -eq 0 ] && [ -s "$tmp/tex/h.pdf" ]; then
			pass
		else
			fail "pdflatex failed on the handout ($opts): $(grep -A3 '^!' "$tmp/tex/log.txt" | head -8)"
		fi
		over=$(sed -n 's/^Overfull \\hbox (\([0-9.]*\)pt too wide).*/\1/p' "$tmp/tex/h.log" | awk '$1 > 1' | head -3)
		if [ -z "$over" ]; then
			pass
		else
			fail "the LaTeX handout ($opts) runs into the margin by $(echo $over) pt: $(grep -A2 '^Overfull .hbox' "$tmp/tex/h.log" | head -6)"
		fi
		rm -f "$tmp/tex/h.pdf"
	done
	# every construct of the template language, and a user template's record
	"$VANEX" report -f latex --template tests/golden/report/features.tpl.md -o "$tmp/tex/f.tex" 2>"$tmp/err" ||
		fail "report -f latex --template features.tpl.md: $(cat "$tmp/err")"
	(cd "$tmp/tex" && pdflatex -interaction=nonstopmode -halt-on-error f.tex >log.txt 2>&1)
	if [ $? -eq 0 ] && [ -s "$tmp/tex/f.pdf" ]; then pass; else fail "pdflatex failed on features.tpl.md: $(grep -A3 '^!' "$tmp/tex/log.txt" | head -8)"; fi
fi

# ---- PDF: pdflatex run by vanex ----------------------------------------------------
# -o FILE.pdf (and -f pdf) writes a PDF whose text holds every step's title
# and this network's numbers; pdflatex's chatter stays off stdout and stderr.
if ! command -v pdftotext >/dev/null 2>&1; then
	fail "pdftotext not installed: the PDF handout was not read (Debian poppler-utils; 'sh tests/deps.sh test')"
else
	mkdir "$tmp/pdf"
	run report --act sigmoid --norm 5 --seed 3 -o "$tmp/pdf/h.pdf"
	if [ "$rc" -ne 0 ] || [ -s "$tmp/out" ] || [ -s "$tmp/err" ]; then
		fail "report -o h.pdf: exit $rc, stdout $(wc -c <"$tmp/out") bytes, stderr: $(head -c 300 "$tmp/err")"
	elif [ "$(head -c 5 "$tmp/pdf/h.pdf")" != "%PDF-" ]; then
		fail "report -o h.pdf: the file does not start with %PDF- ($(head -c 20 "$tmp/pdf/h.pdf" | od -c | head -2))"
	elif ! pdftotext "$tmp/pdf/h.pdf" "$tmp/pdf/h.txt" 2>"$tmp/err"; then
		fail "pdftotext cannot read the PDF handout: $(cat "$tmp/err")"
	else
		"$VANEX" check --json --act sigmoid --norm 5 --seed 3 >"$tmp/pdf/check.json"
		grep -h '^## ' templates/[0-9][0-9]-*.md | sed 's/^## //' >"$tmp/pdf/titles"
		if "$PY" - "$tmp/pdf/h.txt" "$tmp/pdf/titles" "$tmp/pdf/check.json" <<'EOF'
import json, re, sys
# pdftotext spaces a prime and breaks lines: compare without white space
squash = lambda s: re.sub(r"\s+", "", s)
text = squash(open(sys.argv[1]).read())
bad = [t for t in open(sys.argv[2]).read().splitlines() if squash(t) not in text]
j = json.load(open(sys.argv[3]))
for name in ("loss", "grad_norm"):
    if squash("%.3g" % j[name]) not in text:
        bad.append("%s = %.3g (check --json)" % (name, j[name]))
if len(bad) > 0:
    print("missing from the PDF's text: " + "; ".join(bad))
sys.exit(1 if bad else 0)
EOF
		then pass; else fail "the PDF handout lacks step titles or live numbers (above)"; fi
		# a minus set by LaTeX reads as U+2212; a hyphen before a digit is text's
		grep -n '\(^\|[^0-9A-Za-z]\)-[0-9]' "$tmp/pdf/h.txt" | head -3 >"$tmp/hy"
		[ -s "$tmp/hy" ] && fail "hyphens for minus in the PDF handout: $(cat "$tmp/hy")" || pass
	fi
	# -f pdf to a file of any name; under SOURCE_DATE_EPOCH the same bytes twice
	vanex_env=SOURCE_DATE_EPOCH=1700000000
	for n in 1 2; do
		run report -f pdf --act sigmoid --norm 5 --seed 3 -o "$tmp/pdf/other$n.bin"
	done
	vanex_env=
	[ "$rc" -eq 0 ] && [ "$(head -c 5 "$tmp/pdf/other1.bin")" = "%PDF-" ] && pass ||
		fail "report -f pdf -o other.bin: exit $rc, $(head -c 200 "$tmp/err")"
	cmp -s "$tmp/pdf/other1.bin" "$tmp/pdf/other2.bin" && pass ||
		fail "two PDFs made under SOURCE_DATE_EPOCH differ"
fi
# A pdflatex that fails, or none at all, leaves nothing, says so in one line,
# and never puts another format into a .pdf.
mkdir "$tmp/fake" "$tmp/np"
printf '#!/bin/sh\nexit 1\n' >"$tmp/fake/pdflatex"
chmod +x "$tmp/fake/pdflatex"
vanex_env="PATH=$tmp/fake"
expect_error 1 'pdflatex failed' report -o "$tmp/np/h.pdf"
cat >"$tmp/fake/pdflatex" <<'EOF'
#!/bin/sh
printf '%s\n' 'This is pdfTeX' "! LaTeX Error: File \`x.sty' not found." 'l.3 ...' >handout.log
echo chatter
echo chatter >&2
exit 1
EOF
expect_error 1 "pdflatex: ! LaTeX Error: File .x.sty' not found. (Debian packages: texlive-latex-base" \
	report -f pdf -o "$tmp/np/h.pdf"
grep -q chatter "$tmp/out" "$tmp/err" && fail "pdflatex's output reached vanex's stdout or stderr" || pass
vanex_env="PATH=$tmp/nowhere"
expect_error 1 'pdflatex, which is not installed (Debian packages: texlive-latex-base texlive-latex-recommended)' \
	report -o "$tmp/np/h.pdf"
vanex_env=
expect_error 2 'a .pdf file takes -f pdf' report -f md -o "$tmp/np/h.pdf"
expect_error 2 'a .pdf file takes -f pdf' report -f latex -o "$tmp/np/h.pdf"
if [ -z "$(ls -A "$tmp/np")" ]; then pass; else fail "files left after failed PDFs: $(ls -A "$tmp/np")"; fi


# ---- questions: in every format after their step, numbered; answers only
# with --answers, computed for the handout's network: each answer checked
# against `vanex check --json` (σ′ = σ(a)σ(−a) and the rounding to the
# asked digits done here; the verdict as check says)
"$VANEX" check --json --act sigmoid --norm 6 >"$tmp/q.json" 2>/dev/null || fail "check --json for the questions"
for fmt in md html latex slides; do
	run report -f "$fmt" --act sigmoid --norm 6 -o "$tmp/q.$fmt"
	[ "$rc" -eq 0 ] && pass || fail "report -f $fmt with questions: exit $rc"
	grep -q "Question 8\." "$tmp/q.$fmt" && pass || fail "-f $fmt: no Question 8"
	# no answer anywhere: no key, no reason, no hint
	if grep -q -e "Answers" -e "The answer:" -e "a fitted factor of" -e "One term for each step" "$tmp/q.$fmt"; then
		fail "-f $fmt without --answers holds an answer, a reason or a hint"
	else
		pass
	fi
	run report -f "$fmt" --act sigmoid --norm 6 --answers -o "$tmp/qa.$fmt"
	[ "$rc" -eq 0 ] && pass || fail "report -f $fmt --answers: exit $rc"
	grep -q "Answers" "$tmp/qa.$fmt" && pass || fail "-f $fmt --answers: no answer key"
done
run report --act sigmoid --norm 6 --answers
"$PY" - "$tmp/out" "$tmp/q.json" <<'PYEOF' && pass || fail "the answer key disagrees with check --json"
import json, math, re, sys
md = open(sys.argv[1]).read()
d = json.load(open(sys.argv[2]))
t = d['params']['t']
key = md[md.index('## Answers'):]
ans = dict(re.findall(r'\*\*Question (\d+)\.\*\* The answer: \*\*([^*]+)\*\*', key))
paths = {p['k']: p for p in d['paths']}
sig2 = lambda x: float('%.1e' % x)
sdash = lambda a: 1 / (1 + math.exp(-a)) / (1 + math.exp(a))   # sigma(a) sigma(-a)
at = d['a'][t - 1]
unit = min(range(len(at)), key=lambda i: (sdash(at[i]), i)) + 1
bad = []
for q, w in (('1', str(t)), ('2', str(paths[min(3, t)]['gap'])), ('3', str(unit)), ('5', d['verdict']), ('7', 'rho'), ('8', 'forget')):
    if ans.get(q) != w:
        bad.append((q, ans.get(q), w))
gl = d['gamma'] * d['lambda']
for q, x in (('4', gl ** 20), ('6', paths[max(1, t - 3)]['norm'])):
    if q not in ans or float(ans[q]) != sig2(x):
        bad.append((q, ans.get(q), '%.1e' % x))
if bad or len(ans) != 8:
    print('answer key:', ans, 'disagreements:', bad, file=sys.stderr)
    sys.exit(1)
PYEOF
expect_error 2 "unknown option '--answers'" check --answers

# Networks whose paths are exactly zero (dead ReLU units, W = 0, no input):
# every step's text must still make a sentence of them. Step 10 once divided
# the norm above the edge by the norm below it, 0 for a dead ReLU network,
# and stopped the handout with "division by zero".
for opts in "--act relu --norm 0.1" "--act relu --norm 0.1 --input-scale 0" "--act relu --norm 0.05 --steps 200" \
	"--act linear --norm 0" "--act sigmoid --norm 0 --input-scale 0" "--act tanh --norm 0 --steps 2"; do
	for f in md html; do
		# shellcheck disable=SC2086
		if "$VANEX" report -f $f $opts -o "$tmp/zero.$f" 2>"$tmp/err"; then
			if grep -q -i -w 'nan\|inf' "$tmp/zero.$f"; then fail "report -f $f $opts prints NaN or inf"; else pass; fi
		else
			fail "report -f $f $opts: $(cat "$tmp/err")"
		fi
	done
done

echo "report e2e: $checks passed, $fails failed"
[ "$fails" -eq 0 ]
