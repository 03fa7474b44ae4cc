#!/bin/sh
# Runs each libFuzzer binary for a bounded time, then prints one summary line
# per target (runs, exec/s, corpus size) and exits non-zero if any found a
# crash, a leak, a timeout or a broken contract.
#   sh tests/fuzz/run.sh BUILD_DIR SECONDS tests/fuzz/fuzz_NAME.c...
# The checked-in corpus tests/fuzz/NAME/ (with regressions/) is read first,
# so every saved crash is replayed before fuzzing starts (except those listed
# in tests/fuzz/OPEN, known and not fixed yet: see replay.sh); new inputs go to
# BUILD_DIR/fuzz/corpus/NAME/, never into the source tree.  A crash leaves
# its input in BUILD_DIR/fuzz/crashes/: copy it to tests/fuzz/NAME/regressions/.
set -u
build=$1
seconds=$2
shift 2
failed=
summary=
mkdir -p "$build/fuzz/corpus" "$build/fuzz/crashes" "$build/fuzz/logs"
for src in "$@"; do
	target=$(basename "$src" .c)           # fuzz_npy
	name=${target#fuzz_}                    # npy
	bin=$build/fuzz/$target
	seeds=tests/fuzz/$name
	work=$build/fuzz/corpus/$name
	log=$build/fuzz/logs/$name.log
	mkdir -p "$work"
	# The seeds and the regressions not listed as open bugs (tests/fuzz/OPEN);
	# libFuzzer reads directories recursively, so they are copied flat.
	start=$build/fuzz/start/$name
	rm -rf "$start"
	mkdir -p "$start"
	find "$seeds" -maxdepth 1 -type f ! -name '.*' -exec cp {} "$start/" \;
	for r in "$seeds"/regressions/*; do
		[ -f "$r" ] || continue
		grep -qF "${r#tests/fuzz/}" tests/fuzz/OPEN 2>/dev/null || cp "$r" "$start/reg-${r##*/}"
	done
	maxlen=4096
	[ "$name" = tpl ] && maxlen=8192   # the built-in steps are up to ~3 KiB
	dict=
	[ -f "tests/fuzz/$name.dict" ] && dict="-dict=tests/fuzz/$name.dict"
	echo "== fuzz $name for ${seconds}s"
	# -rss_limit_mb: the parsers must refuse huge declared sizes before
	# allocating, so an input that makes them take 1 GiB is a finding.
	# shellcheck disable=SC2086
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	OPENBLAS_NUM_THREADS=1 \
	"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 -malloc_limit_mb=1024 \
		-max_len="$maxlen" -print_final_stats=1 -artifact_prefix="$build/fuzz/crashes/$name-" \
		$dict "$work" "$start" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	ncorp=$(find "$work" -type f | wc -l)
	if [ "$rc" -ne 0 ]; then
		failed="$failed $name"
		echo "FAIL fuzz $name (exit $rc); log $log:"
		grep -E 'ERROR|SUMMARY|contract broken|runtime error|Test unit written|deadly signal|timeout' "$log" | head -20
		line=$(printf '%-10s FAILED (exit %s)  see %s' "$name" "$rc" "$log")
	else
		line=$(printf '%-10s %4ss  %9s runs  %7s exec/s  corpus %s' "$name" "$seconds" "${runs:-?}" "${eps:-?}" "$ncorp")
	fi
	summary="$summary
  $line"
done
echo "fuzz summary:$summary"
if [ -n "$failed" ]; then
	echo "fuzz: failures in:$failed (inputs in $build/fuzz/crashes/)" >&2
	exit 1
fi
exit 0
