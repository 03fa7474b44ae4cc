#!/bin/sh
# The layering rules of README.md "Layout", checked on the sources as text:
#
#   tui/  ->  report/  ->  report/doc/  ->  report/text/  ->  engine/  ->  GSL, BLAS, libc
#
# - a quoted #include may point only to the same folder or to a layer below it;
# - curses.h only in tui/, cmark.h only in report/doc/, jansson.h only in
#   report/ (the JSON of check and of model files), zip.h and zlib.h only in
#   report/load/ (the readers of archives);
# - engine/ never prints, exits or aborts: it returns a status.
#
# Comments are stripped first (gcc -fpreprocessed), so prose may name anything.
# Prints one line per broken rule, "file:line: what", and exits 1 if any.
#   sh tests/layers.sh [ROOT]        (ROOT defaults to the current folder)
set -u
root=${1:-.}
cd "$root" || exit 2
CC=${CC:-cc}

# layer (folder prefix, longest first) | quoted includes it may name (prefixes)
rules='
report/text/|report/text/ engine/
report/doc/|report/doc/ report/text/ engine/
report/|report/ engine/
engine/|engine/
tui/|tui/ report/ engine/
'
# system headers and the only layer (prefix) allowed to include each
system='
curses.h|tui/
ncurses.h|tui/
ncursesw/curses.h|tui/
cmark.h|report/doc/
jansson.h|report/
zip.h|report/load/
zlib.h|report/load/
'

layer_of() {
	printf '%s\n' "$rules" | while IFS='|' read -r prefix allowed; do
		[ -z "$prefix" ] && continue
		case "$1" in "$prefix"*) printf '%s|%s\n' "$prefix" "$allowed"; break ;; esac
	done
}

bad=0
tmp=$(mktemp "${TMPDIR:-/tmp}/vanex-layers.XXXXXX") || exit 2
trap 'rm -f "$tmp"' EXIT

for f in $(find engine report tui -name '*.[ch]' | sort); do
	rule=$(layer_of "$f")
	[ -z "$rule" ] && { echo "$f: in no layer"; bad=1; continue; }
	prefix=${rule%%|*}
	allowed=${rule#*|}
	# Line numbers survive the stripping: -dD keeps #defines, and without -P
	# the "# N" markers tell where each line came from.
	if ! "$CC" -fpreprocessed -dD -E "$f" >"$tmp" 2>/dev/null; then
		echo "$f: cannot be read by $CC -fpreprocessed"; bad=1; continue
	fi
	out=$(F="$f" PREFIX="$prefix" ALLOWED="$allowed" SYSRULES="$system" awk '
	BEGIN {
		f = ENVIRON["F"]; prefix = ENVIRON["PREFIX"]
		allowed = ENVIRON["ALLOWED"]; na = split(allowed, ok, " ")
		ns = split(ENVIRON["SYSRULES"], sl, "\n")
		for (i = 1; i <= ns; i++) if (sl[i] != "") { split(sl[i], kv, "|"); home[kv[1]] = kv[2] }
	}
	/^# [0-9]+ "/ { line = $2 - 1; next }
	{ line++ }
	/^[ \t]*#[ \t]*include[ \t]*"/ {
		match($0, /"[^"]*"/); h = substr($0, RSTART + 1, RLENGTH - 2)
		fine = 0
		for (i = 1; i <= na; i++) if (index(h, ok[i]) == 1) fine = 1
		if (!fine) printf "%s:%d: includes \"%s\": %s may include only %s\n", f, line, h, prefix, allowed
		next
	}
	/^[ \t]*#[ \t]*include[ \t]*</ {
		match($0, /<[^>]*>/); h = substr($0, RSTART + 1, RLENGTH - 2)
		if ((h in home) && index(f, home[h]) != 1)
			printf "%s:%d: includes <%s>, which belongs to %s only\n", f, line, h, home[h]
		next
	}
	prefix == "engine/" && /(^|[^A-Za-z0-9_.>])(printf|vprintf|fprintf|vfprintf|puts|fputs|putchar|fputc|putc|perror|fwrite|exit|_Exit|abort|assert)[ \t]*\(/ {
		printf "%s:%d: engine/ never prints, exits or aborts: %s\n", f, line, $0
	}
	' "$tmp") || { echo "$f: awk failed"; bad=1; continue; }
	if [ -n "$out" ]; then
		printf '%s\n' "$out"
		bad=1
	fi
done

# No cycle between modules (a module: a .c file, its .h and its private
# X_internal.h): edges "a b" for every quoted include of b's header by a,
# checked by tsort.
for f in $(find engine report tui -name '*.[ch]' | sort); do
	self=${f%.*}
	self=${self%_internal}
	grep -h '^[ \t]*#[ \t]*include[ \t]*"' "$f" | sed 's/.*"\(.*\)\.h".*/\1/; s/_internal$//' |
	while read -r m; do
		[ "$m" != "$self" ] && printf '%s %s\n' "$self" "$m"
	done
done >"$tmp"
if ! tsort "$tmp" >/dev/null 2>"$tmp.err"; then
	awk '/input contains a loop/ { if (c != "") print "include cycle: " c; c = ""; next }
	     { sub(/^tsort: /, ""); c = (c == "" ? $0 : c " -> " $0) }
	     END { if (c != "") print "include cycle: " c }' "$tmp.err"
	bad=1
fi
rm -f "$tmp.err"
exit $bad
