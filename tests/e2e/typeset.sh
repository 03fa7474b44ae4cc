#!/bin/sh
# tests/e2e/typeset.sh — every formula on the tutor's screen is typeset: the
# real binary under tmux at 80x24, in UTF-8 and under LANG=C, walks every
# step and every page of it (PgDn until the page stops changing) and no
# captured screen shows TeX source: no backslash, no "_{", no "^{".
#
#   VANEX=./vanex sh tests/e2e/typeset.sh
#
# POSIX sh; its own tmux server socket (-L) and temporary directory.
set -u

VANEX=${VANEX:-./vanex}
case $VANEX in /*) ;; *) VANEX=$(pwd)/$VANEX ;; esac
if ! command -v tmux >/dev/null 2>&1; then
	echo "FAIL typeset.sh: tmux is needed (sh tests/deps.sh test installs it)" >&2
	exit 1
fi
[ -x "$VANEX" ] || { echo "typeset.sh: $VANEX is not an executable" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/vanex-typeset-e2e.XXXXXX")
SOCK="vanex-typeset-$$"
# exit-empty off: q ends the first walk's session, and a server left with no
# session exits while the next new-session may already be connecting to it
# ("server exited unexpectedly", seen on a loaded machine); cleanup kills it.
cat >"$WORK/tmux.conf" <<'EOF'
set -g exit-empty off
set -g default-terminal tmux-256color
set -g status off
set -g escape-time 0
EOF
T="tmux -L $SOCK -f $WORK/tmux.conf"
cleanup() {
	$T kill-server >/dev/null 2>&1
	rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$SOCK"
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fails=0
screens=0
screen() { $T capture-pane -p -t "$1"; }
# within NAME TEXT: the screen shows a fixed string within 10 s.
within() {
	i=0
	while [ $i -lt 200 ]; do
		screen "$1" | grep -qF -- "$2" && return 0
		sleep 0.05
		i=$((i + 1))
	done
	echo "--- screen of $1 without '$2':"
	screen "$1"
	return 1
}
# settled NAME: waits until two captures 100 ms apart agree and prints it.
settled() {
	a=$(screen "$1")
	i=0
	while [ $i -lt 50 ]; do
		sleep 0.1
		b=$(screen "$1")
		[ "$a" = "$b" ] && break
		a=$b
		i=$((i + 1))
	done
	printf '%s\n' "$a"
}
# raw NAME WHERE SCREEN: fails when the screen shows TeX source.
raw() {
	if printf '%s\n' "$3" | grep -n -e '\\' -e '_{' -e '\^{' >"$WORK/hits"; then
		fails=$((fails + 1))
		echo "FAIL: $1, $2: TeX source on screen:"
		cat "$WORK/hits"
	fi
	screens=$((screens + 1))
}

for loc in C.UTF-8 C; do
	name=walk-$(echo "$loc" | tr -d .)
	$T new-session -d -s "$name" -x 80 -y 24 "env LANG=$loc LC_ALL=$loc XDG_STATE_HOME=$WORK/state-$name $VANEX"
	within "$name" "step 1/" || { fails=$((fails + 1)); continue; }
	M=$(screen "$name" | sed -n 's/.*step 1\/\([0-9][0-9]*\).*/\1/p' | head -1)
	[ -n "$M" ] || { echo "FAIL: $loc: no step count"; fails=$((fails + 1)); continue; }
	n=1
	while :; do
		within "$name" "step $n/$M" || { fails=$((fails + 1)); break; }
		s=$(settled "$name")
		raw "$loc" "step $n, page 1" "$s"
		p=1
		while [ $p -lt 12 ]; do
			$T send-keys -t "$name" NPage
			t=$(settled "$name")
			[ "$t" = "$s" ] && break
			p=$((p + 1))
			raw "$loc" "step $n, page $p" "$t"
			s=$t
		done
		[ "$n" -ge "$M" ] && break
		n=$((n + 1))
		$T send-keys -t "$name" Right
	done
	$T send-keys -t "$name" q
done

if [ "$fails" -gt 0 ]; then
	echo "typeset.sh: $fails failure(s) in $screens screens"
	exit 1
fi
echo "typeset.sh: $screens screens, no TeX source"
