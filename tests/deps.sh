#!/bin/sh
# Installs the Debian packages vanex needs, only those missing.
#   sh tests/deps.sh build   libraries and tools to build ./vanex
#   sh tests/deps.sh test    the above plus what the test suite runs
# Uses apt-get, through sudo when not root.  Prints nothing when all are present.
set -e
build="make gcc pkg-config libgsl-dev libopenblas-dev libcmark-dev libjansson-dev libncurses-dev libzip-dev zlib1g-dev"
test="$build libcriterion-dev time tmux chromium python3 python3-torch python3-numpy clang libclang-rt-14-dev valgrind texlive-latex-base texlive-latex-recommended"
case "$1" in
	build) want=$build ;;
	test) want=$test ;;
	*) echo "usage: sh tests/deps.sh build|test" >&2; exit 2 ;;
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
