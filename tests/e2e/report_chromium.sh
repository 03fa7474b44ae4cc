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

# ---- slides: one HTML file, no script, a slide per printed page ------------------
# Each slide's content fits the slide at 1280×720, 1024×768 and 800×600 (a
# copy with a measuring script compares every section's scroll height with
# its height); printed to PDF, there are as many pages as slides, and the
# last word of each slide's text is on its page (nothing clipped).
command -v pdftotext >/dev/null 2>&1 && command -v pdfinfo >/dev/null 2>&1 ||
	fail "pdftotext and pdfinfo are needed to read the printed slides (Debian poppler-utils; 'sh tests/deps.sh test')"
for opts in "" "--act relu --norm 2" "--act sigmoid --hidden 12 --norm 6 --steps 80" "--hidden 2 --steps 5"; do
	# shellcheck disable=SC2086
	"$VANEX" report -f slides $opts -o "$tmp/s.html" 2>"$tmp/err" || { fail "report -f slides $opts: $(cat "$tmp/err")"; continue; }
	grep -qi '<script' "$tmp/s.html" && fail "slides ($opts) hold a script" || pass
	grep -q 'src="http\|href="http\|@import\|url(' "$tmp/s.html" && fail "slides ($opts) fetch something" || pass
	nslides=$(grep -c '<section class="slide' "$tmp/s.html")
	[ "$nslides" -ge 17 ] && pass || fail "slides ($opts): only $nslides slides for 16 steps"
	for size in 1280,720 1024,768 800,600; do
		sed 's|</body>|<script>addEventListener("load",function(){var o=[];document.querySelectorAll("section.slide").forEach(function(s,i){if(s.scrollHeight>s.clientHeight+1\|\|s.scrollWidth>s.clientWidth+1)o.push((i+1)+":"+s.scrollWidth+"x"+s.scrollHeight+">"+s.clientWidth+"x"+s.clientHeight);});document.body.setAttribute("data-overflow","["+o.join(" ")+"]");});</script></body>|' \
			"$tmp/s.html" >"$tmp/measure.html"
		chrome --window-size=$size --hide-scrollbars --virtual-time-budget=5000 --dump-dom "file://$tmp/measure.html" >"$tmp/measure.dom" 2>/dev/null
		ovf=$(grep -o 'data-overflow="[^"]*"' "$tmp/measure.dom")
		[ "$ovf" = 'data-overflow="[]"' ] && pass || fail "slides ($opts) at $size: content taller or wider than its slide: ${ovf:-no measurement}"
	done
	chrome --no-pdf-header-footer --print-to-pdf="$tmp/s.pdf" "file://$tmp/s.html" >"$tmp/print.log" 2>&1
	pages=$(pdfinfo "$tmp/s.pdf" 2>/dev/null | awk '/^Pages:/ {print $2}')
	[ "${pages:-0}" -eq "$nslides" ] && pass || fail "slides ($opts): $nslides slides printed on ${pages:-no} pages"
	if "$PY" - "$tmp/s.html" "$tmp/s.pdf" <<'EOF'
import re, subprocess, sys
html = open(sys.argv[1]).read()
bad = []
secs = re.findall(r'<section class="slide[^"]*" id="slide-(\d+)">(.*?)<div class="no">', html, flags=re.S)
for n, body in secs:
    text = re.sub(r"<(math|svg|style)\b.*?</\1>", " ", body, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text).replace("&amp;", "&")
    words = re.findall(r"[A-Za-z]{4,}", text)
    if not words:
        continue
    page = subprocess.run(["pdftotext", "-f", n, "-l", n, sys.argv[2], "-"], capture_output=True, text=True).stdout
    if words[-1] not in page:
        bad.append("slide %s: '%s' not on its page" % (n, words[-1]))
if bad:
    print("; ".join(bad[:5]))
sys.exit(1 if bad else 0)
EOF
	then pass; else fail "slides ($opts) printed with content cut off (above)"; fi
done
# a screenshot of one slide at 1280×720 shows it, and only it
"$VANEX" report -f slides -o "$tmp/s.html" 2>/dev/null
chrome --screenshot="$tmp/slide.png" --window-size=1280,720 --hide-scrollbars "file://$tmp/s.html#slide-5" >/dev/null 2>&1
[ -s "$tmp/slide.png" ] && pass || fail "no screenshot of a slide"

echo "report chromium e2e: $checks passed, $fails failed"
[ "$fails" -eq 0 ]
