#!/bin/sh
# The handout over a grid of networks chosen to reach every branch of the
# templates: act sigmoid/tanh/relu/linear x norm {0, 1e-300, 0.05, 0.5, the
# edge gamma*lambda = 1, 1.05, 3, 1e300} x hidden {1, 2, 8} x steps {1, 2, 3,
# 50} x input-scale {0, 1} in full (768 handouts, gaussian W), the orthogonal
# and identity W at hidden {2, 8}, plus 2000 steps, a loss step t < T with
# every init and d = n = 1 for each act x norm, and one in eight of the grid
# again as HTML, one in eight with --answers (1280 handouts).  Once
# `report` accepts --cell lstm, the gated cells join: lstm/gru x norm x
# hidden {1, 8} x steps {1, 2, 50} x input-scale {0, 1} x forget-bias
# {0, 3} (448 more, tried on the branch that adds them).
# Each handout must exit 0 and read right:
#   - no NaN/nan/inf/Inf as a word, no tag or marker left, no empty value
#     ("= ." or "$x = $" or "()");
#   - no "1 units", "1 numbers", "1 steps" (d = 1, T = 1, t = 1, ...);
#   - sentences agree with their own numbers where that can be read off:
#     largest >= smallest, actual <= product of step norms <= bound, the
#     bound's overstatement > 1, "grown" > 1 and "shrunk" < 1, "shrinks by
#     e^mu" < 1 and "grows" > 1, clipping's scale < 1, "stay below" gamma
#     lambda, an eigenvalue "inside the unit circle" < 1, "not much larger"
#     and "even smaller" as the norms are, "both shape the update" with
#     both parts non-zero and within 10x, the regime's "< 1" and "> 1",
#     saturation spoken of for sigmoid and tanh only (relu's units are dead).
# Each of these checks must read at least one sentence of the grid, so a
# reworded sentence cannot leave its check silently reading nothing.  A
# relu or linear W of norm 3 or 1e300 with inputs that leaves the range of
# a double is refused (exit 1, one line, no output): that refusal passes.
# Runs two handouts at a time: 15 to 35 s on 2 cores shared with others.
#   VANEX=./vanex sh tests/e2e/sweep.sh
set -u
VANEX=${VANEX:-./vanex}
case $VANEX in /*) ;; *) VANEX=$(pwd)/$VANEX ;; esac
PY=/usr/bin/python3
if [ ! -x "$PY" ]; then
	echo "FAIL sweep.sh: $PY is needed to read the handouts ('sh tests/deps.sh test' installs python3)" >&2
	exit 1
fi

exec "$PY" - "$VANEX" <<'EOF'
import itertools, math, re, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor

VANEX = sys.argv[1]
GAMMA = {"sigmoid": 0.25, "tanh": 1.0, "relu": 1.0, "linear": 1.0}
NORMS = ["0", "1e-300", "0.05", "0.5", "edge", "1.05", "3", "1e300"]
INITS = ["gaussian", "orthogonal", "identity"]

def norm_arg(act, norm):
    # gamma*lambda exactly 1: lambda = 1/gamma (4 for the logistic).
    return ("4" if act == "sigmoid" else "1") if norm == "edge" else norm

# ---- the grid -------------------------------------------------------------
runs = []
i = 0
for act, norm, d, T, xs in itertools.product(GAMMA, NORMS, [1, 2, 8], [1, 2, 3, 50], [0, 1]):
    i += 1
    args = ["--act", act, "--norm", norm_arg(act, norm), "--hidden", str(d),
            "--steps", str(T), "--input-scale", str(xs)]
    runs.append(("md", args))
    if i % 8 == 0:
        runs.append(("html", args + ["--answers"]))
    elif i % 8 == 4:
        runs.append(("md", args + ["--answers"]))
for act, norm, d, init in itertools.product(GAMMA, NORMS, [2, 8], INITS[1:]):
    runs.append(("md", ["--act", act, "--norm", norm_arg(act, norm), "--hidden", str(d),
                        "--steps", "50", "--init", init]))
for act, norm in itertools.product(GAMMA, NORMS):
    n = norm_arg(act, norm)
    # A long horizon (the log domain), at d = 2 to keep it quick.
    runs.append(("md", ["--act", act, "--norm", n, "--hidden", "2", "--steps", "2000"]))
    # A loss step before the end, with every init and no input.
    for init in INITS:
        runs.append(("md", ["--act", act, "--norm", n, "--hidden", "8", "--steps", "50",
                            "--t", "7", "--init", init, "--input-scale", "0"]))
    runs.append(("md", ["--act", act, "--norm", n, "--hidden", "1", "--inputs", "1", "--steps", "50", "--t", "2"]))
    runs.append(("html", ["--act", act, "--norm", n, "--hidden", "8", "--steps", "3", "--t", "2"]))

# Gated cells: once `report` explains them (it refuses --cell lstm with exit
# 2 until then), the same grid runs over them, so their steps are swept
# without an edit here.
gated = subprocess.run([VANEX, "report", "--cell", "lstm", "--steps", "2", "--hidden", "2"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
if gated:
    for cell, norm, d, T, xs, fb in itertools.product(["lstm", "gru"], NORMS, [1, 8], [1, 2, 50],
                                                        [0, 1], ["0", "3"]):
        args = ["--cell", cell, "--norm", norm_arg("tanh", norm), "--hidden", str(d),
                "--steps", str(T), "--input-scale", str(xs), "--forget-bias", fb]
        runs.append(("md", args))
        if T == 50 and xs == 1:
            runs.append(("html", args))

# ---- numbers as the handout writes them -----------------------------------
SUP = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")
NUM = (r"(?:−|-)?\d+(?:\.\d+)?(?:×10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+|e[-+]\d+|"
       r" \\times 10\^\{-?\d+\})?")

def lg(s):
    """log10 |value| and sign of a number as printed (beyond a double too)."""
    s = s.replace("−", "-")
    sign = -1 if s.startswith("-") else 1
    s = s.lstrip("-")
    m = re.match(r"(\d+(?:\.\d+)?)(?:×10([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)|e([-+]\d+)| \\times 10\^\{(-?\d+)\})?$", s)
    mant = float(m.group(1))
    e = m.group(2).translate(SUP) if m.group(2) else (m.group(3) or m.group(4) or "0")
    if mant == 0:
        return -math.inf, sign
    return math.log10(mant) + int(e), sign

def val(s):
    l, sg = lg(s)
    if l > 300 or l < -300:
        return l, sg
    return sg * 10 ** l, sg

def le(a, b, tol=0.012):
    """a <= b for printed (3-digit) numbers a, b >= 0, on log10 values."""
    return a <= b + tol

# ---- the checks -----------------------------------------------------------
WORDS = re.compile(r"\b(?:NaN|nan|inf|Inf|INF|infinity)\b")
GRAMMAR = re.compile(r"(?<![\d.,])1\$? (?:hidden |step )?(?:numbers|units|steps|inputs|terms|paths|"
                     r"factors|entries|columns|rows|times|gaps|Jacobians|matrices|values|digits|"
                     r"networks|questions|answers|layers|gates)\b|"
                     r"\bone (?:numbers|units|steps|inputs|terms|paths|factors)\b|"
                     r"\b[Aa] (?:orthogonal|identity|input|upper|error|element)\b")
EMPTY = re.compile(r"= *[.,;:](?!\d)|= *\$(?!\$)|\(\s*\)|\{\{[#/a-z]|VXQ|\bis +[.,;]| +[.,;:](?!\d)")

def find(pat, text):
    return [m for m in re.finditer(pat, text)]

# How many sentences each check of a sentence against its numbers read: a
# check that read none (its sentence reworded) is reported as a failure.
seen = {}

def check(fmt, args, out):
    bad = []
    text = out
    if fmt == "html":
        text = re.sub(r"<math.*?</math>", "$M$", text, flags=re.S)
        text = re.sub(r"<svg.*?</svg>", "", text, flags=re.S)
        text = re.sub(r"<style.*?</style>", "", text, flags=re.S)
        text = re.sub(r"<[^>]+>", "", text)
        if "</html>" not in out:
            bad.append("the HTML does not end with </html>")
    for m in WORDS.finditer(text):
        bad.append("'%s' as a word: ...%s..." % (m.group(0), text[max(0, m.start() - 60):m.end() + 20].replace("\n", " ")))
    for m in GRAMMAR.finditer(text):
        bad.append("grammar: ...%s..." % text[max(0, m.start() - 60):m.end() + 10].replace("\n", " "))
    for line in text.split("\n"):
        if line.startswith("|") or line.startswith("$$") or line.startswith("<"):
            continue
        for m in EMPTY.finditer(line):
            bad.append("an empty value: ...%s..." % line[max(0, m.start() - 60):m.end() + 20])
    if fmt == "html":
        return bad
    act = args[args.index("--act") + 1] if "--act" in args else args[args.index("--cell") + 1]
    N = "(" + NUM + ")"

    def say(cond, what, m):
        seen[what] = seen.get(what, 0) + 1
        if not cond:
            bad.append("%s: ...%s..." % (what, m.group(0)[:300]))

    gl = None
    m = re.search(r"so \$\\gamma\\lambda = " + N + r"\$", out)
    if m:
        gl = lg(m.group(1))[0]
    for m in re.finditer(r"Its largest entry is " + N + r" and its smallest " + N, out):
        say(le(lg(m.group(2))[0], lg(m.group(1))[0]), "largest < smallest", m)
    for m in re.finditer(r"reach \$\\sigma'\$ between " + N + r" and " + N, out):
        say(le(lg(m.group(1))[0], lg(m.group(2))[0]), "between a larger and a smaller", m)
    for m in re.finditer(r"the largest \$\\\|J_\{j\}\\\|_\{2\}\$ is " + N + r" and the smallest " + N, out):
        say(le(lg(m.group(2))[0], lg(m.group(1))[0]), "largest < smallest", m)
        if gl is not None and ("stay below it" in out or "stay at or below it" in out):
            say(le(lg(m.group(1))[0], gl), "step norms 'stay below' a smaller gamma*lambda", m)
        if gl is not None and "equal it, since" in out:
            say(all(x == gl or abs(x - gl) < 0.003 for x in (lg(m.group(1))[0], lg(m.group(2))[0])),
                "step norms 'equal' a different gamma*lambda", m)
    # Saturation is a property of sigmoid and tanh: a ReLU unit is dead or
    # active, a linear one never flattens.
    for m in re.finditer(r"[Ss]aturated units|are \*saturated\*|comes from saturation|most saturated", out):
        say(act not in ("relu", "linear"), "saturation spoken of for " + act if act in ("relu", "linear")
            else "saturation spoken of for sigmoid or tanh", m)
    for m in re.finditer(r"the bound is " + N + r", (?:and|while) the actual norm is " + N + r"(, which has indeed grown|, which has still shrunk)?", out):
        b, a = lg(m.group(1))[0], lg(m.group(2))[0]
        say(le(a, b), "actual norm above its bound", m)
        if m.group(3) == ", which has indeed grown":
            say(a > 0, "'grown' to a norm <= 1", m)
        if m.group(3) == ", which has still shrunk":
            say(a < 0, "'shrunk' to a norm >= 1", m)
    for m in re.finditer(r"bound " + N + r", product of step norms " + N + r", actual " + N + r"\.", out):
        b, p, a = (lg(m.group(k))[0] for k in (1, 2, 3))
        say(le(a, p) and le(p, b), "not actual <= product <= bound", m)
    for m in re.finditer(r"overstates the actual norm by a factor of " + N, out):
        say(lg(m.group(1))[0] > 0, "overstates by a factor of 1 or less", m)
    for m in re.finditer(r"the bounds are " + N + r" and " + N + r", and the actual norms " + N + r" and " + N + r"\. ([^.]*)", out):
        bl, ab = lg(m.group(3))[0], lg(m.group(4))[0]
        say(le(bl, lg(m.group(1))[0]) and le(ab, lg(m.group(2))[0]), "an actual norm above its bound", m)
        s = m.group(5)
        if "not much larger" in s:
            say(le(bl, ab), "'not much larger' but smaller", m)
        if "even smaller" in s:
            say(ab <= bl, "'even smaller' but larger", m)
        if "times higher" in s:
            say(ab > bl, "'times higher' but lower", m)
    for m in re.finditer(r"Each step shrinks the gradient by a factor of about \$e\^\{\\mu\} = " + N + r"\$", out):
        say(lg(m.group(1))[0] < 0, "'shrinks' by a factor >= 1", m)
    for m in re.finditer(r"Each step grows the gradient by a factor of about \$e\^\{\\mu\} = " + N + r"\$", out):
        say(lg(m.group(1))[0] > 0, "'grows' by a factor <= 1", m)
    for m in re.finditer(r"\$\\gamma\\lambda = " + N + r" < 1\$", out):
        say(lg(m.group(1))[0] < 0.0001 and not (lg(m.group(1))[0] == 0 and "." not in m.group(1)), "'< 1' next to a gamma*lambda of 1 or more", m)
    for m in re.finditer(r"\$\\gamma\\lambda = " + N + r" > 1\$", out):
        say(lg(m.group(1))[0] > -0.0001 and m.group(1) != "1", "'> 1' next to a gamma*lambda of 1 or less", m)
    for m in re.finditer(r"clipping at \$c = 1\$ scales it by " + N, out):
        say(lg(m.group(1))[0] < 0, "clipping scales by a factor >= 1", m)
    for m in re.finditer(r"= " + N + r"\$; clipping at \$c = 1\$ leaves it untouched", out):
        say(lg(m.group(1))[0] <= 0, "a norm above 1 left untouched by clipping", m)
    for m in re.finditer(r"\\rho\(W\) = " + N + r",\\qquad\\\|W\\\|_\{2\} = \\lambda = " + N + r",\\qquad\\frac\{\\rho\(W\)\}\{\\\|W\\\|_\{2\}\} = " + N, out):
        r = lg(m.group(1))[0]
        say(le(r, lg(m.group(2))[0]), "rho(W) above ||W||", m)
        if "Every eigenvalue lies inside the unit circle" in out:
            say(r < 0.0001, "'inside the unit circle' with rho >= 1", m)
        if "Some eigenvalue lies outside the unit circle" in out:
            say(r > -0.0001, "'outside the unit circle' with rho < 1", m)
    for m in re.finditer(r"sum to a matrix of norm " + N + r"; the terms with \$k < t\$, which cross at least one step, to " + N + r"\.( [^.]*)?", out):
        near, far = lg(m.group(1))[0], lg(m.group(2))[0]
        s = m.group(3) or ""
        if "mostly the local errors" in s:
            say(far < near - 1 + 0.012, "'mostly the local errors' with far >= near/10", m)
        if "both shape the update" in s:
            say(near > -math.inf and far > -math.inf and abs(far - near) < 1 + 0.012,
                "'both shape the update' with a zero part or a factor of 10 between them", m)
        if "paths across steps dominate" in s:
            say(far > near + 1 - 0.012, "'across steps dominate' with far <= 10 near", m)
    return bad

def one(run):
    fmt, args = run
    p = subprocess.run([VANEX, "report", "-f", fmt] + args, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    out = p.stdout.decode("utf-8", "replace")
    err = p.stderr.decode("utf-8", "replace").strip()
    # The one refusal the grid meets: a large W with inputs takes an
    # unbounded (relu, linear) state beyond the largest double: exit 1, one
    # line, no handout.
    if (p.returncode == 1 and "leaves the range of a double" in err and "\n" not in err
            and not out and args[0] == "--act" and args[1] in ("relu", "linear")):
        refused.append(1)
        return []
    if p.returncode != 0:
        return ["exit %d: %s" % (p.returncode, err[:200])]
    if len(out) < 1000:
        return ["a handout of %d bytes" % len(out)]
    return check(fmt, args, out)

refused = []
t0 = time.time()
with ThreadPoolExecutor(max_workers=2) as ex:
    results = list(ex.map(one, runs))
fails = 0
kinds = {}
for (fmt, args), bad in zip(runs, results):
    for b in bad:
        fails += 1
        key = re.sub(r"[-−]?\d[\d.×⁻⁰¹²³⁴⁵⁶⁷⁸⁹e+-]*", "#", b)[:90]
        kinds.setdefault(key, []).append("vanex report -f %s %s: %s" % (fmt, " ".join(args), b))
CHECKS = ["largest < smallest", "between a larger and a smaller",
          "step norms 'stay below' a smaller gamma*lambda", "step norms 'equal' a different gamma*lambda",
          "saturation spoken of for sigmoid or tanh", "actual norm above its bound",
          "'grown' to a norm <= 1", "'shrunk' to a norm >= 1", "not actual <= product <= bound",
          "overstates by a factor of 1 or less", "an actual norm above its bound",
          "'not much larger' but smaller", "'even smaller' but larger", "'times higher' but lower",
          "'shrinks' by a factor >= 1", "'grows' by a factor <= 1",
          "'< 1' next to a gamma*lambda of 1 or more", "'> 1' next to a gamma*lambda of 1 or less",
          "clipping scales by a factor >= 1", "a norm above 1 left untouched by clipping",
          "rho(W) above ||W||", "'inside the unit circle' with rho >= 1",
          "'outside the unit circle' with rho < 1", "'mostly the local errors' with far >= near/10",
          "'across steps dominate' with far <= 10 near",
          "'both shape the update' with a zero part or a factor of 10 between them"]
for c in CHECKS:
    if not seen.get(c):
        fails += 1
        kinds.setdefault("unread " + c, []).append("the check '%s' read no sentence of the %d handouts" % (c, len(runs)))
for key, lst in kinds.items():
    for line in lst[:3]:
        print("FAIL: " + line, file=sys.stderr)
    if len(lst) > 3:
        print("      ... and %d more like it" % (len(lst) - 3), file=sys.stderr)
print("sweep.sh: %d handouts (%d refused as beyond a double; gated cells %s) in %.0f s, "
      "%d sentences checked against their numbers, %d failures of %d kinds" %
      (len(runs), len(refused), "included" if gated else "not in report yet, left out",
       time.time() - t0, sum(seen.values()), fails, len(kinds)),
      file=sys.stderr if fails else sys.stdout)
sys.exit(1 if fails else 0)
EOF
