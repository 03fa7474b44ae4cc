#!/bin/sh
# tests/e2e/typeset.sh — every formula on the tutor's screen is typeset: the
# real binary under tmux at 80x24, in UTF-8 and under LANG=C, walks every
# step and every page of it (PgDn until the page stops changing) and no
# captured screen shows TeX source: no backslash, no "_{", no "^{"; nor a
# formula broken across two lines ("... its d" then "= 8 units").
#
#   VANEX=./vanex sh tests/e2e/typeset.sh
#
# POSIX sh; its own tmux server and temporary directory (lib/tmux.sh).
set -u

E2E=typeset
E2E_TOOLS=
. "$(dirname "$0")/lib/tmux.sh"
screens=0
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
	# a formula in running text or a caption stays on one line: no line
	# ends on "name =" with its value on the next ("for its d" / "= 8 units")
	if printf '%s\n' "$3" | grep -n -e ' =$' -e '^ *= [0-9]' >"$WORK/hits"; then
		fails=$((fails + 1))
		echo "FAIL: $1, $2: a formula broken across lines:"
		cat "$WORK/hits"
	fi
	screens=$((screens + 1))
}

for loc in C.UTF-8 C; do
	name=walk-$(echo "$loc" | tr -d .)
	start "$name" 80 24 LANG=$loc LC_ALL=$loc --
	wait_for "$name" "step 1/" || { fails=$((fails + 1)); continue; }
	M=$(screen "$name" | sed -n 's/.*step 1\/\([0-9][0-9]*\).*/\1/p' | head -1)
	[ -n "$M" ] || { echo "FAIL: $loc: no step count"; fails=$((fails + 1)); continue; }
	n=1
	while :; do
		wait_for "$name" "step $n/$M" || { fails=$((fails + 1)); break; }
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
	check "$loc: q ends the tutor with status 0" ended_ok "$name"
done

if [ "$fails" -gt 0 ]; then
	echo "typeset.sh: $fails failure(s) in $screens screens"
	exit 1
fi
echo "typeset.sh: $screens screens, no TeX source"
