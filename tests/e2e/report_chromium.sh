#!/bin/sh
# The HTML handout in a real browser (headless Chromium): the screenshot is
# not blank, the MathML elements survive parsing and are laid out with a
# size, the SVG plots are drawn, and the page logs no console error.  The
# page is opened from a file with every network feature of Chromium off; the
# handout itself holds no script (a copy with a measuring script added is
# used for the layout check).  Chromium and python3 are installed by
# tests/deps.sh; without them this test fails.
#   VANEX=./vanex sh tests/e2e/report_chromium.sh
set -u
VANEX=${VANEX:-./vanex}
case $VANEX in /*) ;; *) VANEX=$(pwd)/$VANEX ;; esac
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
	echo "FAIL: $CHROMIUM not installed: the HTML handout was not checked in a browser (Debian chromium; 'sh tests/deps.sh test')" >&2
	exit 1
fi
# Debian's interpreter, not a pyenv one first in PATH.
PY=/usr/bin/python3
[ -x "$PY" ] || { echo "FAIL: $PY is needed to read the screenshot ('sh tests/deps.sh test' installs python3)" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vanex-e2e-chromium.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP
fails=0
checks=0
fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}
pass() { checks=$((checks + 1)); }

chrome() {
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --disable-sync --no-first-run --disable-quic \
		--user-data-dir="$(mktemp -d "$tmp/profile.XXXXXX")" --enable-logging=stderr --v=0 "$@"
}

SOURCE_DATE_EPOCH=1700000000 "$VANEX" report -f html -o "$tmp/h.html" 2>"$tmp/err" ||
	{ echo "FAIL: vanex report -f html: $(cat "$tmp/err")" >&2; exit 1; }

# ---- screenshot: not blank ---------------------------------------------------
chrome --screenshot="$tmp/shot.png" --window-size=1000,2000 "file://$tmp/h.html" >"$tmp/shot.log" 2>&1
if [ ! -s "$tmp/shot.png" ]; then
	fail "no screenshot ($(tail -3 "$tmp/shot.log"))"
else
	if "$PY" - "$tmp/shot.png" <<'EOF'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, hdr = 8, b"", None
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        hdr = struct.unpack(">IIBBBBB", body)
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
w, h, depth, ctype, _, _, interlace = hdr
assert depth == 8 and interlace == 0 and ctype in (2, 6), "unexpected PNG format %r" % (hdr,)
bpp = 3 if ctype == 2 else 4
raw = zlib.decompress(idat)
stride = w * bpp
prev = bytearray(stride)
ink = 0
i = 0
for y in range(h):
    f = raw[i]; i += 1
    line = bytearray(raw[i:i + stride]); i += stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b = prev[x]
        c = prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    for x in range(0, stride, bpp):
        if line[x] + line[x + 1] + line[x + 2] < 600:
            ink += 1
    prev = line
share = ink / float(w * h)
print("screenshot %dx%d, %.1f%% ink" % (w, h, 100 * share))
sys.exit(0 if share > 0.02 else 1)
EOF
	then pass; else fail "the screenshot is (nearly) blank"; fi
fi
grep -i 'CONSOLE' "$tmp/shot.log" | grep -iq 'error' && fail "console errors: $(grep -i CONSOLE "$tmp/shot.log" | head -3)" || pass

# ---- the DOM: MathML and SVG survived ----------------------------------------------
chrome --dump-dom "file://$tmp/h.html" >"$tmp/dom.html" 2>"$tmp/dom.log"
nm=$(grep -o '<math' "$tmp/dom.html" | wc -l)
ns=$(grep -o '<math' "$tmp/h.html" | wc -l)
if [ "$nm" -gt 50 ] && [ "$nm" -eq "$ns" ]; then pass; else fail "MathML elements: $nm in the DOM, $ns in the file"; fi
grep -q '<svg' "$tmp/dom.html" && pass || fail "no SVG in the DOM"
grep -q '<mfrac' "$tmp/dom.html" && pass || fail "no <mfrac> in the DOM"

# ---- layout: every math element and plot has a size -------------------------------------
sed 's|</body>|<script>addEventListener("load",function(){var m=document.querySelectorAll("math"),z=0;for(var i=0;i<m.length;i++){var r=m[i].getBoundingClientRect();if(!(r.width>0\&\&r.height>0))z++;}var s=document.querySelectorAll("svg"),zs=0;for(i=0;i<s.length;i++){r=s[i].getBoundingClientRect();if(!(r.width>100\&\&r.height>50))zs++;}var w=document.documentElement.scrollWidth;document.body.setAttribute("data-layout","math="+m.length+" empty="+z+" svg="+s.length+" svgempty="+zs+" width="+w);});</script></body>|' \
	"$tmp/h.html" >"$tmp/measure.html"
chrome --window-size=1000,2000 --virtual-time-budget=5000 --dump-dom "file://$tmp/measure.html" >"$tmp/measure.dom" 2>/dev/null
lay=$(grep -o 'data-layout="[^"]*"' "$tmp/measure.dom")
case $lay in
*" empty=0 "*" svgempty=0 "*) pass ;;
*) fail "math or plots without a size: ${lay:-no measurement}" ;;
esac
w=$(echo "$lay" | sed -n 's/.*width=\([0-9]*\).*/\1/p')
if [ -n "$w" ] && [ "$w" -le 1000 ]; then pass; else fail "the page scrolls sideways at 1000 px (width $w)"; fi

echo "report chromium e2e: $checks passed, $fails failed"
[ "$fails" -eq 0 ]
