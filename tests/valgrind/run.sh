#!/bin/sh
# Valgrind memcheck over vanex (POSIX sh): `check`, `report` in every format,
# their error paths, and a scripted tutor session under tmux.  Strict: every
# leak kind counts (definite, indirect, possible and still reachable), except
# ncurses' static terminfo tables (valgrind.supp beside this file says why),
# and any invalid read or write, use of uninitialised memory or bad free
# fails.  About 2.5 minutes, so not part of `make test` (and kept out of
# tests/e2e/, whose every script `make e2e` runs); `make valgrind` and CI
# (.ci/run) run it.  valgrind and tmux are installed by tests/deps.sh;
# without them this fails.
#   VANEX=./vanex sh tests/valgrind/run.sh
set -u
VANEX=${VANEX:-./vanex}
case $VANEX in /*) ;; *) VANEX=$(pwd)/$VANEX ;; esac
for tool in valgrind tmux; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "FAIL valgrind: $tool is needed (sh tests/deps.sh test installs it)" >&2
		exit 1
	fi
done
if nm "$VANEX" 2>/dev/null | grep -q '__asan_init\|__ubsan_handle'; then
	echo "valgrind: $VANEX is a sanitizer build, which valgrind cannot run; build it with 'make'" >&2
	exit 2
fi
supp=$(cd "$(dirname "$0")" && pwd)/valgrind.supp
# the names of vanex's own sources, to point each record at vanex's code
ours=$(cd "$(dirname "$0")/../.." && ls engine/*.c report/*.c report/*/*.c tui/*.c 2>/dev/null | sed 's|.*/||' | tr '\n' ' ')
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vanex-vg.XXXXXX") || exit 1
sock=vanex-vg-$$
# tmux_end: ends the server of $sock and removes its socket, which tmux leaves.
tmux_end() {
	tmux -L "$sock" kill-server 2>/dev/null
	rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$sock"
}
trap 'tmux_end; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP
cp "$VANEX" "$tmp/vanex" || exit 1
VANEX=$tmp/vanex
export OPENBLAS_NUM_THREADS=1
VG="valgrind --error-exitcode=1 --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all
    --track-origins=yes --suppressions=$supp"
fails=0
cases=0
n=0

# verdict NAME LOG: the memcheck summary in LOG says no error.
verdict() {
	if grep -q 'ERROR SUMMARY: 0 errors' "$2"; then
		echo "ok   $1"
	else
		fails=$((fails + 1))
		echo "FAIL $1: $(grep 'ERROR SUMMARY' "$2" | sed 's/^==[0-9]*== //') (log below)"
		# one line per kind of record: what it is and the first frame in vanex's code
		awk '
			/Invalid|uninitialised|Mismatched|in loss record/ {
				if (what != "") print what "  at " (where == "" ? "(library code)" : where)
				what = $0; sub(/^==[0-9]+== */, "", what); sub(/ in loss record.*/, "", what)
				sub(/^[0-9,]+ bytes in [0-9]+ blocks are /, "", what); where = ""; next
			}
			what != "" && where == "" && match($0, /\([a-z_]+\.c:[0-9]+\)$/) {
				f = substr($0, RSTART + 1); sub(/:.*/, "", f)
				if (index(" " ours " ", " " f " ")) { where = $0; sub(/^==[0-9]+== +(at|by) 0x[0-9A-F]+: /, "", where) }
			}
			END { if (what != "") print what "  at " (where == "" ? "(library code)" : where) }' ours="$ours" "$2" |
			sort | uniq -c | sort -rn | head -n 12 | sed 's/^/   /'
	fi
}

# vg NAME WANT ARGS...: vanex under memcheck; its exit status must be WANT.
vg() {
	name=$1
	want=$2
	shift 2
	cases=$((cases + 1))
	n=$((n + 1))
	log=$tmp/vg.$n.log
	# shellcheck disable=SC2086
	$VG --log-file="$log" "$VANEX" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	if [ "$rc" -ne "$want" ] && ! grep -q 'ERROR SUMMARY: [1-9]' "$log"; then
		fails=$((fails + 1))
		echo "FAIL $name: exit $rc, expected $want: $(head -c 200 "$tmp/err")"
		return
	fi
	verdict "$name" "$log"
}

cd "$tmp" || exit 1
printf '0.5,0.1\n-0.2,0.4\n' >W.csv
printf '# T\n\n{{path.norm k=999}}\n' >bad.md
printf -- '---\nact: sigmoid\nsteps: 12\n---\n# Mine\n\n$\\gamma = {{gamma}}$, {{#if gamma < 0.5}}small{{else}}large{{/if}}.\n\n{{table paths rows=4}}\n\n{{plot norms}}\n' >mine.md

vg "check" 0 check --steps 40
vg "check --json" 0 check --json --act sigmoid --hidden 6 --steps 30 --t 20
"$VANEX" check --json --steps 10 --hidden 3 >run.json 2>/dev/null
vg "check --model (replay)" 0 check --model run.json
vg "check --weights csv --norm 2" 0 check --weights W.csv --norm 2 --steps 20
vg "check --act relu --init identity --input-scale 0 (exact zeros)" 0 check --act relu --init identity --input-scale 0 --steps 10
vg "check --init orthogonal (LAPACK's QR)" 0 check --init orthogonal --hidden 12 --steps 10
vg "check --cell lstm (gate radii by LAPACK)" 0 check --cell lstm --hidden 12 --steps 10
vg "check --hidden 64 (products by packed panels)" 0 check --hidden 64 --steps 12
# k past one chunk of 256 and a last panel of 4 columns, on the engine's
# own buffers (about 30 s)
vg "check --hidden 300 (packed panels: k in chunks, a narrow last panel)" 0 check --hidden 300 --steps 6
vg "check bad option (error path)" 2 check --norm nan
vg "check missing weights (error path)" 1 check --weights missing.npy
vg "report -f html -o" 0 report -f html -o h.html --steps 20 --hidden 4
vg "report -f latex -o" 0 report -f latex -o h.tex --steps 20 --hidden 4
vg "report -f md -o (SVG side files)" 0 report -f md -o h.md --steps 20 --hidden 4
vg "report --template (own template)" 0 report --template mine.md -o mine.html
vg "report --template failing while filling (error path)" 1 report --template bad.md -o bad.html
vg "report -o in a missing folder (error path)" 1 report -o nowhere/h.html --steps 10

# ---- the tutor under tmux: walk, change the network, help, export, quit ----
# wait_for TENTHS COMMAND...: runs COMMAND every 0.1 s until it succeeds
# (status 0) or TENTHS tenths of a second have passed (status 1).
wait_for() {
	tries=$1
	shift
	i=0
	while ! "$@"; do
		[ $i -ge "$tries" ] && return 1
		sleep 0.1
		i=$((i + 1))
	done
}
# shows TEXT: the tutor's screen shows TEXT.
shows() { tmux -L "$sock" capture-pane -p 2>/dev/null | grep -qF "$1"; }
# settle: waits (up to 120 s) until the tutor under memcheck has used no CPU
# for a second: a step's layout can still run on the worker after the screen
# shows the step, and q would then leave it behind (its memory reachable).
settle() {
	pp=$(tmux -L "$sock" display -p '#{pane_pid}' 2>/dev/null)
	vp=$(ps -o pid= --ppid "$pp" 2>/dev/null | tr -d ' ' | head -1)
	[ -n "$vp" ] || return 0
	last=-1
	i=0
	while [ $i -lt 120 ]; do
		now=$(awk '{print $14 + $15}' "/proc/$vp/stat" 2>/dev/null) || return 0
		[ "$now" = "$last" ] && return 0
		last=$now
		sleep 1
		i=$((i + 1))
	done
}
# tutor_vg TAG ENV ARGS...: starts the tutor under memcheck, with the
# variables ENV, in a tmux server of its own (a new session on the socket
# of a server just killed fails now and then: "server exited unexpectedly");
# its log is $tmp/vg.TAG.log, its exit status goes to $tmp/tut.rc.
tutor_vg() {
	tag=$1
	envs=$2
	shift 2
	cases=$((cases + 1))
	rm -f "$tmp/tut.rc"
	log=$tmp/vg.$tag.log
	sock=vanex-vg-$$-$tag
	tmux -L "$sock" -f /dev/null new-session -d -x 100 -y 30 \
		"cd '$tmp' && XDG_STATE_HOME='$tmp/state' $envs $(echo $VG) --log-file='$log' '$VANEX' $* 2>'$tmp/tut.err'; echo \$? >'$tmp/tut.rc'; sleep 60"
}
# tutor_verdict NAME: waits up to 60 s for the tutor to end, then says
# whether memcheck found anything.
tutor_verdict() {
	wait_for 600 [ -s "$tmp/tut.rc" ]
	tmux_end
	if [ ! -s "$tmp/tut.rc" ]; then
		fails=$((fails + 1))
		echo "FAIL $1: the tutor did not end"
	else
		verdict "$1" "$log"
	fi
}

tutor_vg session OPENBLAS_NUM_THREADS=1 --steps 20 --hidden 6
# valgrind starts slowly: wait for the status line
wait_for 300 shows "step 1/"
for k in Right Right Right + + - a t K j D '?' x End Home 2 r e; do
	tmux -L "$sock" send-keys "$k"
	sleep 0.7
done
# the handout is written by the worker: wait until it says so, then the
# normal way out (q while a job runs is the case after this one)
if ! wait_for 600 shows "wrote "; then
	fails=$((fails + 1))
	echo "FAIL tutor session: no 'wrote ...' after e within 60 s"
fi
tmux -L "$sock" send-keys C-l
sleep 0.7
tmux -L "$sock" send-keys q
tutor_verdict "tutor session (keys, resize-free walk, help, export, q)"

# q while a job runs: the tutor waits up to 200 ms for it (a network of
# d = 6, T = 20 takes ~40 ms under memcheck), drops its results and frees
# all.  (A job longer than that is left to end with the process, its memory
# returned to the system: not a case for memcheck.)
tutor_vg quit OPENBLAS_NUM_THREADS=1 --steps 20 --hidden 6
# the first network computed: the first step shown and nothing updating
computed() { shows "step 1/" && ! shows "updating"; }
wait_for 300 computed
tmux -L "$sock" send-keys + R
sleep 0.01
tmux -L "$sock" send-keys q
tutor_verdict "tutor q while a job runs (joined, dropped)"

# a question answered wrong, then right, then another shown; the progress
# written, read back by the next session (which resumes at step 11) and
# replaced when damaged
tutor_vg quiz OPENBLAS_NUM_THREADS=1 --step 11
wait_for 300 shows "i answer the question"
for k in i 0 . 5 Enter i BSpace BSpace BSpace 7 Enter ! Escape i x Enter Escape Right; do
	tmux -L "$sock" send-keys "$k"
	sleep 0.7
done
tmux -L "$sock" send-keys q
tutor_verdict "tutor questions (answer line, wrong, reveal, progress written)"
tutor_vg resume OPENBLAS_NUM_THREADS=1
# step 12 laid out (its finite-difference check takes a while under memcheck)
computed12() { shows "step 12/" && ! shows "updating"; }
wait_for 600 computed12
settle
tmux -L "$sock" send-keys q
tutor_verdict "tutor resumes from its progress file"
printf 'vanex progress 1\nanswer nonsense\n' >"$tmp/state/vanex/progress"
tutor_vg damaged OPENBLAS_NUM_THREADS=1 --restart
wait_for 300 computed
settle
tmux -L "$sock" send-keys q
tutor_verdict "tutor with a damaged progress file and --restart"

# an unknown TERM: newterm() fails, the tutor exits 2 with its message
tutor_vg term TERM=vanex-no-such-terminal
tutor_verdict "tutor with an unknown TERM (error path)"

echo "valgrind: $cases cases, $fails failed"
[ "$fails" -eq 0 ]
