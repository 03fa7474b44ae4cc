#!/bin/sh
# `make bench`: vanex's engine against plain numpy, PyTorch autograd and the
# dgemm floor, on the same models, in one run; prints one table.
#
# Environment (all optional):
#   BENCH_SIZES      "64x10000 256x1000 1024x100"   compared sizes (DxT, t = T)
#   BENCH_MEM_SIZES  "64x100000 64x1000000"         vanex-only memory checks ("" = none)
#   BENCH_REPS       3     timed runs of vanex and of the floor (median), after one warm-up
#   BENCH_PY_REPS    3     at most this many runs of numpy/torch, when cheap
#   BENCH_BUDGET     120   seconds per Python method and size before it
#                          extrapolates from a prefix of k (marked "est.")
#   BENCH_METHODS    "numpy torch"
#   BENCH_PYTHON     /usr/bin/python3 (Debian's, with python3-numpy/-torch)
#   BENCH_CHECK_PEER yes  "" skips check_peer.py: `vanex check` ($VANEX, default ./vanex)
#                         against check_numpy.py as whole processes, and check's
#                         peak RSS (BENCH_CHECK_SIZE, BENCH_CHECK_ACT, BENCH_CHECK_MEM)
#   OPENBLAS_NUM_THREADS  default: the number of cores; numpy and torch use the same
#   OPENBLAS_CORETYPE     default: the kernels vanex runs (`vanex --version`),
#                         which it picks itself where OpenBLAS's own table is too
#                         old for the processor; every method and the floor use them
#   BUILD            build directory (results go to $BUILD/bench, never committed)
# The chain of products factored against in full (bench_engine against
# bench_engine_full, bench_net against bench_net_full, interleaved run by run;
# "" turns each off):
#   BENCH_CHAIN_SIZES   "256x1000 1024x300"
#   BENCH_CHAIN_MODELS  "tanh:0.9:gaussian tanh:1.1:gaussian sigmoid:3:gaussian linear:1:orthogonal"
#                       (ACT:NORM:INIT for vx_analyse)
#   BENCH_CHAIN_NETS    "lstm:256:1:1000:1:gaussian lstm:256:1:1000:1:orthogonal"
#                       (CELL:D:LAYERS:T:NORM:INIT for vx_net_analyse)
#   BENCH_CHAIN_REPS    3     runs of each, alternating, one process each
set -u
BUILD=${BUILD:-build}
OUT=$BUILD/bench
HERE=$(dirname "$0")
PY=${BENCH_PYTHON:-/usr/bin/python3}
SIZES=${BENCH_SIZES-64x10000 256x1000 1024x100}
MEM_SIZES=${BENCH_MEM_SIZES-64x100000 64x1000000}
CHECK_PEER=${BENCH_CHECK_PEER-yes}
VANEX=${VANEX:-./vanex}
REPS=${BENCH_REPS:-3}
PY_REPS=${BENCH_PY_REPS:-3}
METHODS=${BENCH_METHODS-numpy torch}
OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-$(nproc 2>/dev/null || echo 1)}
export OPENBLAS_NUM_THREADS
if [ -z "${OPENBLAS_CORETYPE+set}" ]; then
	OPENBLAS_CORETYPE=$("$VANEX" --version 2>/dev/null | sed -n 's/^BLAS: OpenBLAS, \(.*\) kernels$/\1/p')
	[ -n "$OPENBLAS_CORETYPE" ] && export OPENBLAS_CORETYPE || unset OPENBLAS_CORETYPE
fi

BENCH_LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
export BENCH_LOAD_START
mkdir -p "$OUT" || exit 1
for s in $SIZES $MEM_SIZES; do
	rm -f "$OUT/vanex_$s.json" "$OUT/numpy_$s.json" "$OUT/torch_$s.json" "$OUT/$s"_*.npy
done

mem_args=
for s in $MEM_SIZES; do mem_args="$mem_args $s:mem"; done
echo "== vanex and the dgemm floor ($REPS runs each; OPENBLAS_NUM_THREADS=$OPENBLAS_NUM_THREADS, kernels ${OPENBLAS_CORETYPE:-as OpenBLAS picks})"
# shellcheck disable=SC2086
"$BUILD/bench/bench_engine" --out "$OUT" --reps "$REPS" $SIZES $mem_args

skip() {  # method tag reason: a result file that says why the method did not run
	printf '{"method": "%s", "tag": "%s", "skipped": "%s"}\n' "$1" "$2" "$3" > "$OUT/$1_$2.json"
}
for m in $METHODS; do
	case $m in
		numpy) mod=numpy ;;
		torch) mod=torch ;;
		*) echo "run.sh: BENCH_METHODS: unknown method '$m' (numpy, torch)" >&2; exit 2 ;;
	esac
	echo "== $m (budget ${BENCH_BUDGET:-120} s per size)"
	if ! "$PY" -c "import $mod" 2>/dev/null; then
		for s in $SIZES; do skip "$m" "$s" "$PY cannot import $mod (Debian: python3-$mod)"; done
		echo "   $PY cannot import $mod: skipped"
		continue
	fi
	for s in $SIZES; do
		[ -f "$OUT/vanex_$s.json" ] || continue
		"$PY" "$HERE/bench_$m.py" "$OUT" "$s" "$PY_REPS" || echo "   $m $s failed"
	done
done

rm -f "$OUT/check_peer.json"
if [ -n "$CHECK_PEER" ]; then
	echo "== vanex check and check_numpy.py, whole processes"
	"$PY" "$HERE/check_peer.py" "$OUT" "$VANEX" "$REPS" || echo "   check_peer.py failed"
fi

echo
"$PY" "$HERE/table.py" "$OUT" "$SIZES" "$MEM_SIZES" > "$OUT/table.txt"
status=$?
cat "$OUT/table.txt"

CHAIN_SIZES=${BENCH_CHAIN_SIZES-256x1000 1024x300}
CHAIN_MODELS=${BENCH_CHAIN_MODELS-tanh:0.9:gaussian tanh:1.1:gaussian sigmoid:3:gaussian linear:1:orthogonal}
CHAIN_NETS=${BENCH_CHAIN_NETS-lstm:256:1:1000:1:gaussian lstm:256:1:1000:1:orthogonal}
CHAIN_REPS=${BENCH_CHAIN_REPS:-3}
if [ -n "$CHAIN_SIZES$CHAIN_NETS" ] && { [ -n "$CHAIN_MODELS" ] || [ -n "$CHAIN_NETS" ]; }; then
	CH=$OUT/chain
	rm -rf "$CH"
	mkdir -p "$CH" || exit 1
	BENCH_CHAIN_LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
	export BENCH_CHAIN_LOAD_START
	echo
	echo "== the chain of products, factored and in full ($CHAIN_REPS runs each, alternating)"
	r=1
	while [ "$r" -le "$CHAIN_REPS" ]; do
		for m in $CHAIN_MODELS; do
			act=${m%%:*}; rest=${m#*:}; norm=${rest%%:*}; init=${rest#*:}
			for v in factored full; do
				bin=$BUILD/bench/bench_engine; [ "$v" = full ] && bin=${bin}_full
				# shellcheck disable=SC2086
				"$bin" --out "$CH" --reps 1 --no-dumps --no-warmup --act "$act" --norm "$norm" \
					--init "$init" --label "$v.$m.$r" $CHAIN_SIZES | sed 's/^/   /' || status=1
			done
		done
		for n in $CHAIN_NETS; do
			spec=${n%:*:*}; rest=${n#"$spec":}; norm=${rest%%:*}; init=${rest#*:}
			for v in factored full; do
				bin=$BUILD/bench/bench_net; [ "$v" = full ] && bin=${bin}_full
				"$bin" --reps 1 --norm "$norm" --init "$init" --json "$CH/net.$v.$n.$r.json" "$spec" \
					| sed 's/^/   /' || status=1
			done
		done
		r=$((r + 1))
	done
	echo
	"$PY" "$HERE/chain_table.py" "$CH" "$CHAIN_REPS" "$CHAIN_SIZES" "$CHAIN_MODELS" "$CHAIN_NETS" \
		> "$OUT/chain_table.txt" || status=1
	cat "$OUT/chain_table.txt"
fi

if [ -x "$BUILD/bench/tutor_bench" ]; then
	echo
	echo "== tutor recompute"
	"$BUILD/bench/tutor_bench" || status=1
fi
exit $status
