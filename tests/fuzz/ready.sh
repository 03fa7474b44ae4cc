#!/bin/sh
# Prints those of the given harnesses (tests/fuzz/fuzz_*.c) that can link
# today: every vanex function the harness calls is defined in some engine/,
# report/ (and its sub-folders) or tui/ source, and so is every vanex function those sources call,
# transitively.  While the tree grows, a harness waits for its parser (and
# what the parser's object file pulls in) instead of breaking the build.
#   sh tests/fuzz/ready.sh tests/fuzz/fuzz_*.c
# A poor man's linker over the text: a definition is a vx*_name( at the start
# of a line or after its return type, on a line not ending in ';'.
[ $# -eq 0 ] && exit 0
awk '
function scan(file, line,   s, m, name) {
	s = line
	while (match(s, /vx[a-z]*_[A-Za-z0-9_]*\(/)) {
		name = substr(s, RSTART, RLENGTH - 1)
		calls[file, name] = 1
		s = substr(s, RSTART + RLENGTH)
	}
}
{
	scan(FILENAME, $0)
	if ($0 ~ /^([A-Za-z_][A-Za-z0-9_ *]*[ *])?vx[a-z]*_[A-Za-z0-9_]*\(/ && $0 !~ /;[ \t]*$/ &&
	    FILENAME !~ /^tests\//) {
		match($0, /vx[a-z]*_[A-Za-z0-9_]*\(/)
		def[substr($0, RSTART, RLENGTH - 1)] = FILENAME
	}
}
END {
	n = split(harnesses, hs, " ")
	for (i = 1; i <= n; i++) {
		h = hs[i]
		delete seen
		delete queue
		q = 0
		for (key in calls) {
			split(key, kv, SUBSEP)
			if (kv[1] == h || kv[1] == "tests/fuzz/fuzz_util.h") { queue[++q] = kv[2]; seen[kv[2]] = 1 }
		}
		ok = 1
		delete seenfile
		for (k = 1; k <= q && ok; k++) {
			sym = queue[k]
			if (!(sym in def)) { ok = 0; break }
			f = def[sym]
			if (f in seenfile) continue
			seenfile[f] = 1
			for (key in calls) {
				split(key, kv, SUBSEP)
				if (kv[1] == f && !(kv[2] in seen)) { queue[++q] = kv[2]; seen[kv[2]] = 1 }
			}
		}
		if (ok) print h
	}
}' harnesses="$*" "$@" tests/fuzz/fuzz_util.h $(ls engine/*.c report/*.c report/*/*.c tui/*.c 2>/dev/null | grep -v "^tui/main\.c$")
