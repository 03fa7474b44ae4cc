#!/bin/sh
# Replays the seed corpus and every saved regression of each fuzz harness
# (no fuzzing: quick, part of `make test` and of `make sanitize`).
#   sh tests/fuzz/replay.sh BUILD_DIR tests/fuzz/fuzz_NAME.c...
# Seeds run in one process per harness, regressions one process each, so one
# crash does not hide the next.  A regression listed in tests/fuzz/OPEN (a
# bug reported to the owner of the parser, not fixed yet) is expected to fail
# and reported as XFAIL; when it passes, XPASS says to take it off the list.
set -u
build=$1
shift
open=tests/fuzz/OPEN
fail=0
for src in "$@"; do
	target=$(basename "$src" .c)
	name=${target#fuzz_}
	bin=$build/fuzz/replay_$target
	dir=tests/fuzz/$name
	log=$build/fuzz/replay_$name.log
	nseed=$(find "$dir" -maxdepth 1 -type f ! -name '.*' | wc -l)
	if OPENBLAS_NUM_THREADS=1 "$bin" "$dir" >"$log" 2>&1; then
		status=ok
	else
		status=FAIL
		fail=1
		echo "FAIL replay $name: seed corpus $dir; the last input named is the culprit:"
		tail -n 12 "$log"
	fi
	nreg=0
	xfail=0
	for r in "$dir"/regressions/*; do
		[ -f "$r" ] || continue
		nreg=$((nreg + 1))
		rel=${r#tests/fuzz/}
		known=$(grep -F "$rel" "$open" 2>/dev/null | head -1)
		if OPENBLAS_NUM_THREADS=1 "$bin" "$r" >"$log.r" 2>&1; then
			[ -n "$known" ] && echo "XPASS replay $rel: fixed, take it off $open"
		elif [ -n "$known" ]; then
			xfail=$((xfail + 1))
			echo "XFAIL replay $rel (open:$(echo "${known#"$rel"}" | tr -s " "))"
		else
			fail=1
			status=FAIL
			echo "FAIL replay $rel:"
			tail -n 12 "$log.r"
		fi
	done
	echo "replay $name: $nseed seeds, $nreg regressions ($xfail open): $status"
done
exit $fail
