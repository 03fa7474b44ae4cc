#!/bin/sh
# Prints those of the given harnesses (tests/fuzz/fuzz_*.c) whose parser is
# there to drive: every function named on the harness's "requires:" line is
# defined in some engine/, report/ or tui/ source.  While the tree grows, a
# harness waits for its parser instead of breaking the build.
#   sh tests/fuzz/ready.sh tests/fuzz/fuzz_*.c
for h in "$@"; do
	syms=$(sed -n 's/^ \* requires: //p' "$h")
	ok=1
	for s in $syms; do
		# A definition: the name at a line's start or after its return type,
		# followed by '(', on a line that is not a prototype ending in ';'.
		if ! grep -E "^([A-Za-z_][A-Za-z0-9_ *]*[ *])?$s\(" engine/*.c report/*.c tui/*.c 2>/dev/null |
			grep -qv ';[[:space:]]*$'; then
			ok=0
			break
		fi
	done
	[ "$ok" = 1 ] && echo "$h"
done
exit 0
