#!/bin/sh
# The layering check (tests/layers.sh, `make layers`) can fail: each rule is
# broken on purpose in a copy of the sources and must be reported with the
# file, the line and the rule, and nothing else may be reported with it.
# (That the real tree keeps the rules is `make layers` itself, in make test.)
#   sh tests/e2e/layers.sh
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vanex-layers.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP
fails=0
cases=0

fresh() {
	rm -rf "$tmp/src" && mkdir "$tmp/src" && cp -R "$root/engine" "$root/report" "$root/tui" "$tmp/src/" || exit 1
	# the copy as it stands: what the real tree already reports is the baseline
	sh "$root/tests/layers.sh" "$tmp/src" >"$tmp/base" 2>&1
}

# broken FILE LINE-TO-PREPEND EXPECTED-WORDS
broken() {
	cases=$((cases + 1))
	fresh
	f=$tmp/src/$1
	{ printf '%s\n' "$2"; cat "$f"; } >"$f.new" && mv "$f.new" "$f"
	sh "$root/tests/layers.sh" "$tmp/src" >"$tmp/out" 2>&1
	rc=$?
	new=$(grep -vxF -f "$tmp/base" "$tmp/out")
	if [ $rc -eq 1 ] && printf '%s\n' "$new" | grep -qF "$1:1: $3" && [ "$(printf '%s\n' "$new" | wc -l)" -eq 1 ]; then
		echo "ok   $1: $2"
	else
		echo "FAIL $1: $2: exit $rc, expected one new line '$1:1: $3', got:"
		printf '%s\n' "$new" | sed 's/^/     /'
		fails=$((fails + 1))
	fi
}

broken engine/act.c '#include "report/text/lines.h"' 'includes "report/text/lines.h": engine/ may include only engine/'
broken engine/act.c '#include <jansson.h>' 'includes <jansson.h>, which belongs to report/ only'
broken engine/mag.c 'static void f(void) { printf("x"); }' 'engine/ never prints, exits or aborts'
broken engine/mag.c 'static void f(void) { exit(1); }' 'engine/ never prints, exits or aborts'
broken report/check.c '#include "tui/cli.h"' 'includes "tui/cli.h": report/ may include only report/ engine/'
broken report/check.c '#include <curses.h>' 'includes <curses.h>, which belongs to tui/ only'
broken report/text/fmt.c '#include "report/out.h"' 'includes "report/out.h": report/text/ may include only report/text/ engine/'
broken report/text/fmt.c '#include <cmark.h>' 'includes <cmark.h>, which belongs to report/doc/ only'
broken tui/cli.c '#include <cmark.h>' 'includes <cmark.h>, which belongs to report/doc/ only'

# a cycle between two modules of one layer
cases=$((cases + 1))
fresh
{ printf '#include "report/check.h"\n'; cat "$tmp/src/report/out.h"; } >"$tmp/x" && mv "$tmp/x" "$tmp/src/report/out.h"
grep -q '"report/out.h"' "$tmp/src/report/check.c" || { printf '#include "report/out.h"\n'; cat "$tmp/src/report/check.c"; } >"$tmp/x"
[ -f "$tmp/x" ] && mv "$tmp/x" "$tmp/src/report/check.c"
sh "$root/tests/layers.sh" "$tmp/src" >"$tmp/out" 2>&1
if [ $? -eq 1 ] && grep -vxF -f "$tmp/base" "$tmp/out" | grep -q '^include cycle: .*report/\(check\|out\)'; then
	echo "ok   include cycle report/check <-> report/out"
else
	echo "FAIL include cycle report/check <-> report/out not reported:"
	sed 's/^/     /' "$tmp/out"
	fails=$((fails + 1))
fi

# prose may name anything: comments are not code
cases=$((cases + 1))
fresh
{ printf '/* printf("x"); exit(1); #include <curses.h> */\n'; cat "$tmp/src/engine/mag.c"; } >"$tmp/x" && mv "$tmp/x" "$tmp/src/engine/mag.c"
sh "$root/tests/layers.sh" "$tmp/src" >"$tmp/out" 2>&1
if [ -z "$(grep -vxF -f "$tmp/base" "$tmp/out")" ]; then
	echo "ok   a comment naming printf, exit and curses.h is not code"
else
	echo "FAIL a comment was taken for code:"
	sed 's/^/     /' "$tmp/out"
	fails=$((fails + 1))
fi

echo "layers.sh: $cases cases, $fails failed"
[ $fails -eq 0 ]
