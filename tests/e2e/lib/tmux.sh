# tests/e2e/lib/tmux.sh — sourced by the end-to-end scripts that run the
# real tutor under tmux (tutor.sh, quiz.sh, typeset.sh): a private tmux server and
# temporary directory, removed on exit, and start/screen/check helpers.
# Set E2E (the script's name without .sh), E2E_TOOLS (the commands it
# needs besides tmux) and VANEX (default ./vanex) before sourcing.  Not a test of its own
# (make runs tests/e2e/*.sh only).

VANEX=${VANEX:-./vanex}
case $VANEX in /*) ;; *) VANEX=$(pwd)/$VANEX ;; esac
for tool in tmux $E2E_TOOLS; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "FAIL $E2E.sh: $tool is needed (sh tests/deps.sh test installs it)" >&2
		exit 1
	fi
done
[ -x "$VANEX" ] || { echo "$E2E.sh: $VANEX is not an executable" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/vanex-$E2E-e2e.XXXXXX")
SOCK="vanex-$E2E-e2e-$$"
cat >"$WORK/tmux.conf" <<'EOF'
set -g remain-on-exit on
set -g default-terminal tmux-256color
set -g status off
set -g escape-time 0
EOF
T="tmux -L $SOCK -f $WORK/tmux.conf"
fails=0
checks=0

# The tutors still running: each session's tutor writes its pid to
# pid.NAME (start below) and its status to rc.NAME when it ends.
tutor_pids() {
	for f in "$WORK"/pid.*; do
		[ -f "$f" ] && [ ! -f "$WORK/rc.${f##*/pid.}" ] && cat "$f"
	done
}
# reap PID...: each process gone within 5 s, else killed and reported.  A
# tutor survives its terminal's hangup only through a defect: a sanitizer
# build caught by SIGHUP during its exit-time leak scan once spun at 100%
# CPU long after the suite, reparented to init.  Only a live process still
# running vanex is killed (not a zombie, not a pid reused since).
reap() {
	for p in "$@"; do
		i=0
		while [ $i -lt 50 ] && kill -0 "$p" 2>/dev/null; do
			sleep 0.1
			i=$((i + 1))
		done
		case $(ps -o stat= -p "$p" 2>/dev/null) in '' | Z*) continue ;; esac
		case $(ps -o args= -p "$p" 2>/dev/null) in *vanex*) ;; *) continue ;; esac
		echo "FAIL $E2E.sh: $(ps -o args= -p "$p") (pid $p) still ran 5 s after its terminal closed: killed" >&2
		kill -KILL "$p" 2>/dev/null
		reaped=1
	done
}
reaped=0
cleanup() {
	left=$(tutor_pids)
	$T kill-server >/dev/null 2>&1
	rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$SOCK"   # tmux leaves its socket
	# shellcheck disable=SC2086
	reap $left
	rm -rf "$WORK"
	[ "$reaped" -eq 0 ] || exit 1
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ok() { checks=$((checks + 1)); }
fail() {
	checks=$((checks + 1))
	fails=$((fails + 1))
	echo "FAIL: $*"
}
check() { # description, then a command
	d=$1
	shift
	if "$@"; then ok; else fail "$d"; fi
}

# start NAME COLS ROWS [VAR=value ...] -- [vanex arguments]
# Each session keeps its progress apart (XDG_STATE_HOME), so every one
# starts at step 1 as a new student would.
# The pane runs a small shell that records `stty -a` before and after the
# tutor and its exit status, then stays alive, so the terminal the tutor
# leaves behind can be inspected (tmux hides the cursor of a dead pane).
start() {
	name=$1 cols=$2 rows=$3
	shift 3
	envs=
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do envs="$envs $1"; shift; done
	[ $# -gt 0 ] && shift
	cat >"$WORK/run.$name" <<EOF
trap : INT TERM
stty -a >"$WORK/stty-before.$name"
sh -c 'echo \$\$ >"$WORK/pid.$name"; exec "\$@"' tutor env XDG_STATE_HOME=$WORK/state.$name$envs "$VANEX" $*
echo \$? >"$WORK/rc.$name.tmp"
stty -a >"$WORK/stty-after.$name"
mv "$WORK/rc.$name.tmp" "$WORK/rc.$name"
exec sleep 600
EOF
	$T new-session -d -s "$name" -x "$cols" -y "$rows" -c "$WORK" "sh $WORK/run.$name"
}
screen() { $T capture-pane -p -t "$1"; }
# within TENTHS NAME TEXT: the screen shows a fixed string within TENTHS
# tenths of a second (polled every 50 ms), else prints the screen and fails.
within() {
	i=0
	while [ $i -lt $(($1 * 2)) ]; do
		screen "$2" | grep -qF -- "$3" && return 0
		sleep 0.05
		i=$((i + 1))
	done
	echo "--- screen of $2, $1 tenths of a second after, without '$3':"
	screen "$2"
	return 1
}
# wait_for NAME TEXT: the screen shows a fixed string within 10 s.
wait_for() { within 100 "$1" "$2"; }
# ended_ok NAME: the tutor in the pane ends within 10 s, with status 0.
ended_ok() { wait_dead "$1" && [ "$(cat "$WORK/rc.$1")" = 0 ]; }
# wait_dead NAME: waits for the tutor in the pane to end.
wait_dead() {
	i=0
	while [ $i -lt 100 ]; do
		[ -f "$WORK/rc.$1" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
