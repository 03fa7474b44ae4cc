#!/bin/sh
# Installs the Debian packages vanex needs, only those missing.
#   sh tests/deps.sh build   libraries and tools to build ./vanex
#   sh tests/deps.sh test    the above plus every program the test suite runs
#   sh tests/deps.sh bench   the build packages plus numpy and PyTorch for `make bench`
# Uses apt-get, through sudo when not root.  Prints nothing when all are present.
# A test that needs a program not installed here fails (it never skips), so
# every program a test runs belongs in the test list, with what runs it:
#   libcriterion-dev                  the unit tests (tests/unit)
#   tmux, procps (ps), bsdutils (script)  the tutor in a terminal (e2e tutor.sh, bad_input.sh)
#   chromium                          the HTML handout in a browser (report_chromium.sh)
#   python3, python3-numpy            JSON and .npy checks (check.sh, extremes.sh, report.sh)
#   python3-torch                     the autograd reference (check_torch.sh)
#   python3-mpmath                    40-digit norms of matrix powers (test_engine_eigen)
#   libxml2-utils (xmllint)           well-formed SVG (test_plot)
#   locales (localedef's sources)     a decimal-comma LC_NUMERIC (test_plot)
#   texlive-latex-base, -recommended  pdflatex on the LaTeX output and -f pdf (report.sh, test_math)
#   poppler-utils (pdftotext)         the text of the PDF handout (report.sh)
#   util-linux (setpriv)              unreadable files checked as root (bad_input.sh)
#   valgrind                          make valgrind (tests/valgrind)
#   clang, libclang-rt-14-dev         make fuzz (libFuzzer)
# bsdutils and util-linux are part of every Debian system; they are listed
# so that a trimmed one is told what is missing.
set -e
build="make gcc pkg-config libgsl-dev libopenblas-dev libcmark-dev libjansson-dev libncurses-dev libzip-dev zlib1g-dev"
test="$build libcriterion-dev time tmux procps bsdutils util-linux chromium python3 python3-numpy python3-torch python3-mpmath
	libxml2-utils locales texlive-latex-base texlive-latex-recommended poppler-utils valgrind clang libclang-rt-14-dev"
bench="$build python3 python3-numpy python3-torch"
case "${1:-}" in
	build) want=$build ;;
	test) want=$test ;;
	bench) want=$bench ;;
	*) echo "usage: sh tests/deps.sh build|test|bench" >&2; exit 2 ;;
esac
missing=
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
	echo "vanex: missing packages:$missing (no apt-get here: install them by hand)" >&2
	exit 1
fi
sudo=
[ "$(id -u)" -ne 0 ] && sudo=sudo
echo "vanex: installing$missing"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
