#!/bin/sh
# tests/e2e/tutor.sh — the real tutor binary under tmux: steps through every
# step, changes the network, resizes (200x60, 40x12, back to 80x24), runs
# under LANG=C (only ASCII on screen) and NO_COLOR, exports a handout, and
# leaves a sane terminal after q, Ctrl-C and SIGTERM; Esc closes the help
# and does not quit.  At d = 256, T = 2000, where one network takes seconds:
# the first frame and every key answer at once while the numbers are
# computed ("updating…", dimmed), 20 presses held end at the last one's
# numbers, a key stops the computation it made stale, resizing (down to
# 16x10) mid-computation, and q mid-computation (at d = 1024 too).  Every
# view of the live panel at 80x24, 100x30 and 120x40, d = 8, 96 and 256, in
# UTF-8 and ASCII, cuts no line in the middle of a word.
#
#   VANEX=./vanex sh tests/e2e/tutor.sh
#
# POSIX sh.  Each run uses its own tmux server socket (-L) and its own
# temporary directory, so parallel runs do not meet.
set -u

E2E=tutor
E2E_TOOLS="ps script python3"   # Debian procps, bsdutils, python3
. "$(dirname "$0")/lib/tmux.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

# wait_for_long NAME TEXT: within 60 s (a network of d = 256, T = 2000 on a
# loaded machine).
wait_for_long() { within 600 "$1" "$2"; }
# wait_gone NAME TEXT: polls until a fixed string has left the screen, up to 60 s.
wait_gone() {
	i=0
	while [ $i -lt 600 ]; do
		screen "$1" | grep -qF -- "$2" || return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
# status_dim NAME: λ on the status line (the row before the last) is dimmed
# (SGR 2 in tmux's capture with attributes).
status_dim() {
	$T capture-pane -p -e -t "$1" | tail -2 | head -1 | grep -q "λ=$(printf '\033')\[2m"
}
# body_dim NAME: the step's text (rows 2 to 6) is dimmed somewhere.
body_dim() {
	$T capture-pane -p -e -t "$1" | sed -n 2,6p | grep -q "$(printf '\033')\[2m"
}
# sane NAME: after the tutor ended, the terminal is as it was: the same stty
# settings, the main screen (not the alternate one), the cursor shown, no
# application keypad.  Polls briefly: tmux parses output asynchronously.
sane() {
	if ! cmp -s "$WORK/stty-before.$1" "$WORK/stty-after.$1"; then
		echo "stty settings of $1 changed:"
		diff "$WORK/stty-before.$1" "$WORK/stty-after.$1"
		return 1
	fi
	i=0
	while [ $i -lt 20 ]; do
		st=$($T display -p -t "$1" '#{alternate_on} #{cursor_flag} #{keypad_flag} #{keypad_cursor_flag}')
		[ "$st" = "0 1 0 0" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "terminal state of $1 (alternate cursor keypad keypad-cursor): $st"
	return 1
}
keys() { name=$1; shift; $T send-keys -t "$name" "$@"; }
# quit_within_a_second NAME DESCRIPTION: q ends the tutor within a second,
# with status 0 and the terminal restored.
quit_within_a_second() {
	keys "$1" q
	i=0
	while [ $i -lt 10 ] && [ ! -f "$WORK/rc.$1" ]; do sleep 0.1; i=$((i + 1)); done
	check "$2" [ -f "$WORK/rc.$1" ]
	wait_dead "$1"
	check "$1: exit status 0" [ "$(dead_status "$1")" = 0 ]
	check "$1: terminal restored" sane "$1"
}
dead_status() { cat "$WORK/rc.$1"; }
# tty_size NAME "ROWS COLS": the pane's terminal has that size within 5 s.
tty_size() {
	tty=$($T display -p -t "$1" '#{pane_tty}') i=0
	while [ $i -lt 50 ]; do
		[ "$(stty -F "$tty" size 2>/dev/null)" = "$2" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "the terminal of $1 is $(stty -F "$tty" size 2>&1), not $2"
	return 1
}
# The tutor's pid, as it wrote it (lib/tmux.sh's start).
tutor_pid() { cat "$WORK/pid.$1"; }

# ---------------------------------------------------------------- no terminal
out=$("$VANEX" </dev/null 2>"$WORK/err" >"$WORK/out"; echo $?)
check "no terminal: exit 2 (got $out)" [ "$out" = 2 ]
check "no terminal: one line on stderr" [ "$(wc -l <"$WORK/err")" -eq 1 ]
check "no terminal: points to check and report" grep -q "vanex check.*vanex report" "$WORK/err"
check "no terminal: nothing on stdout" [ ! -s "$WORK/out" ]

# ---------------------------------------------------------------- unusable terminal types
for term in vanex-no-such-terminal dumb; do
	start "term-$term" 80 24 LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=$term --
	check "TERM=$term: the tutor ends" wait_dead "term-$term"
	check "TERM=$term: exit status 2" [ "$(dead_status "term-$term")" = 2 ]
	check "TERM=$term: says so and points to check and report" wait_for "term-$term" "vanex: TERM=$term"
done

# ---------------------------------------------------------------- walk every step at 80x24
start walk 80 24 LANG=C.UTF-8 LC_ALL=C.UTF-8 --
check "walk: the first step" wait_for walk "step 1/"
M=$(screen walk | sed -n 's/.*step 1\/\([0-9][0-9]*\).*/\1/p' | head -1)
check "walk: the number of steps is shown (got '$M')" [ -n "$M" ]
M=${M:-1}
s=$(screen walk)
for want in "tanh" "d=8" "T=50" "t=50" "k=1" "j=50" "λ=0.8" "γ=1" "γλ=0.8" "seed=1" "1/$M" "live"; do
	check "walk: the status line and panel show '$want'" sh -c 'printf "%s" "$1" | grep -qF -- "$2"' _ "$s" "$want"
done
n=1
while [ $n -lt "$M" ]; do
	n=$((n + 1))
	keys walk Right
	check "walk: Right reaches step $n/$M" wait_for walk "step $n/$M"
	s=$(screen walk)
	check "walk: step $n: 24 rows" [ "$(printf '%s\n' "$s" | wc -l)" -eq 24 ]
	check "walk: step $n: status line" sh -c 'printf "%s" "$1" | grep -q "tanh  *d=8  *T=50"' _ "$s"
done
keys walk Right
check "walk: past the last step stays and says so" wait_for walk "last step"
keys walk g
check "walk: g goes to the first step" wait_for walk "step 1/$M"
keys walk G
check "walk: G goes to the last step" wait_for walk "step $M/$M"
keys walk Home
check "walk: Home" wait_for walk "step 1/$M"
keys walk End
check "walk: End" wait_for walk "step $M/$M"
keys walk 2
check "walk: a digit jumps" wait_for walk "step 2/$M"
keys walk Left
check "walk: Left goes back" wait_for walk "step 1/$M"

# ---------------------------------------------------------------- changing the network
keys walk +
check "keys: + scales lambda by 1.1" wait_for walk "λ=0.88 "
keys walk -
check "keys: - scales it back" wait_for walk "λ=0.8 "
keys walk a
check "keys: a changes the activation" wait_for walk " relu "
keys walk A A
check "keys: A goes back (sigmoid)" wait_for walk " sigmoid "
check "keys: sigmoid has gamma 1/4" wait_for walk "γ=0.25"
keys walk =
check "keys: = puts lambda at 1/gamma" wait_for walk "λ=4 "
keys walk a
keys walk t
check "keys: t lowers the loss step" wait_for walk "t=49 "
keys walk K K
check "keys: K raises k" wait_for walk "k=3 "
keys walk j
check "keys: j lowers j" wait_for walk "j=49 "
keys walk D
check "keys: D raises d" wait_for walk "d=12 "
keys walk s
check "keys: s lowers T" wait_for walk "T=40 "
keys walk r
check "keys: r reseeds" wait_for walk "seed=2"
keys walk C-l
check "keys: Ctrl-L redraws" wait_for walk "seed=2"
keys walk '?'
check "keys: ? shows the help" wait_for walk "vanex keys"
keys walk x
check "keys: any key closes the help" wait_gone walk "vanex keys"

# ---------------------------------------------------------------- resizing
$T resize-window -t walk -x 200 -y 60
# The 80x24 screen shows "step 1/" too, with 24 rows and no side panel, until
# the tutor has redrawn: wait for the 200x60 layout itself (up to 10 s).
wide() { s=$(screen walk); [ "$(printf '%s\n' "$s" | wc -l)" -eq 60 ] && printf '%s' "$s" | grep -q "│.*live"; }
i=0
while [ $i -lt 100 ] && ! wide; do sleep 0.1; i=$((i + 1)); done
check "resize: 200x60 re-lays out" wait_for walk "step 1/$M"
s=$(screen walk)
check "resize: 60 rows used" [ "$(printf '%s\n' "$s" | wc -l)" -eq 60 ]
w=$(printf '%s\n' "$s" | awk '{ if (length($0) > m) m = length($0) } END { print m }')
check "resize: the width is used (longest row $w)" [ "$w" -gt 150 ]
check "resize: a side panel" sh -c 'printf "%s" "$1" | grep -q "│.*live"' _ "$s"
$T resize-window -t walk -x 40 -y 12
check "resize: 40x12 is too small" wait_for walk "terminal too small"
check "resize: and says how to quit" wait_for walk "q quits"
$T resize-window -t walk -x 80 -y 24
check "resize: back to 80x24" wait_for walk "step 1/$M"
check "resize: status line back" wait_for walk "seed=2"
s=$(screen walk)
check "resize: 24 rows again" [ "$(printf '%s\n' "$s" | wc -l)" -eq 24 ]

# ---------------------------------------------------------------- the handout
keys walk e
check "export: the path is shown" wait_for walk "vanex-handout.html"
check "export: the file exists and is not empty" [ -s "$WORK/vanex-handout.html" ]
check "export: it is HTML" grep -qi "<html" "$WORK/vanex-handout.html"
check "export: the message gives an absolute path" wait_for walk "wrote $WORK"

# ---------------------------------------------------------------- q quits, terminal sane
keys walk q
check "quit: q ends the tutor" wait_dead walk
check "quit: exit status 0" [ "$(dead_status walk)" = 0 ]
check "quit: terminal restored after q" sane walk

# ---------------------------------------------------------------- too small from the start, q quits
start small 40 12 LANG=C.UTF-8 LC_ALL=C.UTF-8 --
check "small: too-small message at start" wait_for small "terminal too small"
keys small q
check "small: q quits the too-small screen" wait_dead small
check "small: terminal restored" sane small

# ---------------------------------------------------------------- a message narrower than its line
# at 60 columns the message of a change of λ does not fit: it ends at a
# word and an ellipsis ("explosion is…"), never in the middle of one
start narrow 60 20 LANG=C.UTF-8 LC_ALL=C.UTF-8 -- --step 3
check "narrow: --step 3 at 60x20" wait_for narrow "step 3/"
keys narrow + + + +
check "narrow: the message of +" wait_for narrow "the bound grows"
m=$(screen narrow | grep "the bound grows")
check "narrow: the message ends in a word and an ellipsis (got '$m')" sh -c 'printf "%s" "$1" | grep -q "[a-z)]…[[:space:]]*$"' _ "$m"
keys narrow q
check "narrow: q quits" wait_dead narrow

# ---------------------------------------------------------------- Esc closes the help, q quits
start esc 80 24 LANG=C.UTF-8 LC_ALL=C.UTF-8 -- --step 3
check "esc: --step 3 opens step 3" wait_for esc "step 3/"
keys esc '?'
check "esc: help open" wait_for esc "vanex keys"
keys esc Escape
check "esc: Esc closes the help" wait_gone esc "vanex keys"
check "esc: the tutor's screen is back at step 3" wait_for esc "step 3/"
keys esc Escape
check "esc: a second Esc says how to quit" wait_for esc "Esc closes the help; q quits"
keys esc Right
check "esc: the tutor still takes keys" wait_for esc "step 4/"
check "esc: still running" [ ! -f "$WORK/rc.esc" ]
keys esc q
check "esc: q quits" wait_dead esc
check "esc: exit status 0" [ "$(dead_status esc)" = 0 ]
check "esc: terminal restored" sane esc

# ---------------------------------------------------------------- Ctrl-C and SIGTERM
start int 80 24 LANG=C.UTF-8 LC_ALL=C.UTF-8 --
check "sigint: started" wait_for int "step 1/"
keys int C-c
check "sigint: Ctrl-C ends the tutor" wait_dead int
check "sigint: dies of the signal (status $(dead_status int))" [ "$(dead_status int)" = 130 ]
check "sigint: terminal restored" sane int

start term 80 24 LANG=C.UTF-8 LC_ALL=C.UTF-8 --
check "sigterm: started" wait_for term "step 1/"
kill -TERM "$(tutor_pid term)"
check "sigterm: SIGTERM ends the tutor" wait_dead term
check "sigterm: dies of the signal (status $(dead_status term))" [ "$(dead_status term)" = 143 ]
check "sigterm: terminal restored" sane term

# ---------------------------------------------------------------- a crash (best effort): SIGSEGV, SIGABRT
for sig in SEGV ABRT; do
	start "crash$sig" 80 24 LANG=C.UTF-8 LC_ALL=C.UTF-8 --
	check "crash $sig: started" wait_for "crash$sig" "step 1/"
	kill -"$sig" "$(tutor_pid "crash$sig")"
	check "crash $sig: the tutor ends" wait_dead "crash$sig"
	check "crash $sig: dies of the signal (status $(dead_status "crash$sig"))" [ "$(dead_status "crash$sig")" -gt 128 ]
	check "crash $sig: terminal restored by the handler" sane "crash$sig"
done

# ---------------------------------------------------------------- keys never wait
# At d = 256, T = 2000 the network takes the engine seconds (2 s on one
# idle core): the first frame, and every key, answer at once; the numbers
# follow, dimmed and marked "updating…" meanwhile.  (Each "within" below is
# far shorter than one computation at this size.)
start big 80 24 LANG=C.UTF-8 LC_ALL=C.UTF-8 -- --hidden 256 --steps 2000 --norm 1
check "big: the first frame comes before the numbers" within 10 big "updating…"
check "big: it shows the step and what was asked" within 1 big "tanh d=256 T=2000"
check "big: its numbers follow" wait_for_long big "λ=1 "
check "big: then nothing is updating" wait_gone big "updating…"
keys big +
check "big: + answers at once, updating" within 10 big "updating…"
check "big: the status line shows the lambda chosen at once" within 10 big "λ=1.1 "
if status_dim big; then fail "big: the chosen lambda is dimmed"; else ok; fi
check "big: the message names the lambda on its way" within 10 big "computing the network with λ = 1.1 …"
check "big: the previous numbers stay on screen, dimmed" body_dim big
keys big Right
check "big: Right moves on while the network is computed" within 10 big "step 2/"
keys big '?'
check "big: ? opens the help while it is computed" within 10 big "vanex keys"
keys big Escape
check "big: Esc closes it" wait_gone big "vanex keys"
check "big: the new numbers come" wait_gone big "updating…"
if body_dim big; then fail "big: the text still dimmed after updating"; else ok; fi
# Holding a key: 20 presses in a row end at the 20th press's network
# (λ = 1.1^21 = 7.4), not at one in between.
i=0
while [ $i -lt 20 ]; do keys big +; i=$((i + 1)); done
check "big: 20 presses held: updating at once" within 10 big "updating…"
check "big: they end at the last press's lambda" wait_for_long big "λ=7.4 "
check "big: and the message is the last press's" wait_for big "λ = 7.4, γλ = 7.4 > 1"
check "big: nothing left updating" wait_gone big "updating…"
# Resizing while it computes, down to 16x10 and back.
keys big r
check "big: r asks for a new seed" within 10 big "seed=2"
$T resize-window -t big -x 16 -y 10
check "big: 16x10 mid-computation: too small, no crash" within 20 big "too sma"
$T resize-window -t big -x 200 -y 60
check "big: 200x60 mid-computation" within 20 big "step 2/"
$T resize-window -t big -x 80 -y 24
# tmux may apply a window's new size to its terminal a little later: the
# pane's own size, as stty sees it, before anything that ends the tutor
# (whose terminal is then compared with the one it started in)
check "big: the pane's terminal is 80x24 again" tty_size big "24 80"
check "big: back to 80x24, the new seed computed" wait_for_long big "seed 2: a new W"
check "big: nothing left updating after the resizes" wait_gone big "updating…"
check "big: still running" [ ! -f "$WORK/rc.big" ]
# q while computing: the terminal is back at once, the process ends within a
# second.  q goes right behind the + that starts the network: at λ = 8.14
# most units saturate and the network is computed in about 0.15 s, so that
# waiting to see "updating…" first could miss it (it did, once, on a fresh
# machine); "+ answers at once, updating" is checked above at λ = 1.
keys big +
quit_within_a_second big "big: q quits within a second, even while computing"

# A key that changes the network stops the computation it made stale
# (engine/exec.h's stop flag): + and, 0.3 s later, - cost the CPU of about
# one network, where computing the stale one to its end cost two.  CPU time
# (the tutor's utime + stime, every thread) rather than wall time, which
# depends on what else the machine runs.  The network is big enough that
# the 0.3 s the stale one may run on both cores before the - stays well
# under half of it: 12000 steps, 3.5 s of CPU with OpenBLAS's AVX-512
# kernels (6000 took 1.3-1.5 s there, and the check failed two runs in
# five at 1.51 and 1.54 of one network; with 12000, 0.97-0.99).
start stale 80 24 LANG=C.UTF-8 LC_ALL=C.UTF-8 -- --hidden 256 --steps 12000 --norm 8.14
check "stale: the first numbers come" wait_for_long stale "λ=8.14 "
wait_gone stale "updating…"
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$(tutor_pid stale)/stat"; }
c0=$(cpu_ticks)
keys stale +
within 10 stale "updating…" >/dev/null
wait_gone stale "updating…"
c1=$(cpu_ticks)
keys stale +
sleep 0.3
keys stale -
within 10 stale "updating…" >/dev/null
wait_gone stale "updating…"
c2=$(cpu_ticks)
one=$((c1 - c0)) two=$((c2 - c1))
check "stale: - 0.3 s after + stops the stale network ($two CPU ticks, one network $one)" \
	[ $((2 * two)) -lt $((3 * one)) ]
check "stale: and shows the last key's" within 10 stale "λ=8.95 "
keys stale q
check "stale: q ends it" wait_dead stale

# Started at 16x10 while the first network is computed, then grown.
start tiny 16 10 LANG=C.UTF-8 LC_ALL=C.UTF-8 -- --hidden 256 --steps 2000 --norm 1
check "tiny: 16x10 says it is too small" within 20 tiny "too sma"
$T resize-window -t tiny -x 80 -y 24
check "tiny: grown to 80x24 while the first network is computed" within 20 tiny "step 1/"
keys tiny + Right
check "tiny: keys answer" within 10 tiny "step 2/"
check "tiny: the numbers come" wait_for_long tiny "λ=1.1 "
$T resize-window -t tiny -x 16 -y 10   # as it started, for the stty comparison
check "tiny: 16x10 again" within 20 tiny "too sma"
check "tiny: the pane's terminal is 16x10 again" tty_size tiny "10 16"
keys tiny q
check "tiny: q quits" wait_dead tiny
check "tiny: exit status 0" [ "$(dead_status tiny)" = 0 ]
check "tiny: terminal restored" sane tiny

# d = 1024, T = 2000: a network of minutes on a loaded machine; q stops it
# within a step and the shell is back within a second.
start huge 80 24 LANG=C.UTF-8 LC_ALL=C.UTF-8 -- --hidden 1024 --steps 2000
check "huge: the first frame comes" within 100 huge "updating…"
sleep 1
quit_within_a_second huge "huge: q quits within a second at d = 1024, T = 2000"

# ---------------------------------------------------------------- LANG=C: ASCII only
start ascii 80 24 LANG=C LC_ALL=C --
check "ascii: started" wait_for ascii "step 1/"
n=1
while [ $n -le "$M" ]; do
	wait_for ascii "step $n/$M" >/dev/null
	bad=$(screen ascii | LC_ALL=C tr -d '\011\012\040-\176' | wc -c)
	check "ascii: step $n shows only ASCII ($bad other bytes)" [ "$bad" -eq 0 ]
	keys ascii Right
	n=$((n + 1))
done
keys ascii '?'
wait_for ascii "vanex keys" >/dev/null
bad=$(screen ascii | LC_ALL=C tr -d '\011\012\040-\176' | wc -c)
check "ascii: the help shows only ASCII ($bad other bytes)" [ "$bad" -eq 0 ]
check "ascii: lambda spelt in letters, the count of answers beside" sh -c 'tmux -L "$1" -f "$2" send-keys -t ascii x; sleep 0.3; tmux -L "$1" -f "$2" capture-pane -p -t ascii | grep -qE " lam(bda)?=0\.8 .* [0-9]+/[0-9]+ right "' _ "$SOCK" "$WORK/tmux.conf"
keys ascii q
check "ascii: q quits" wait_dead ascii

# ---------------------------------------------------------------- NO_COLOR and --no-color
# capture-pane -e gives the attributes as SGR sequences.  A colour is a
# parameter 30-38, 40-48, 90-97 or 100-107 (39 and 49 only reset to the
# default colours, which tmux writes for every cell).
has_colour() {
	$T capture-pane -p -e -t "$1" |
		grep -q "$(printf '\033')\[\([0-9]*;\)*\(3[0-8]\|4[0-8]\|9[0-7]\|10[0-7]\)[;m]"
}
has_reverse() {
	$T capture-pane -p -e -t "$1" | grep -q "$(printf '\033')\[\([0-9]*;\)*7[;m]"
}
start colour 80 24 LANG=C.UTF-8 LC_ALL=C.UTF-8 --
check "colour: started" wait_for colour "step 1/"
check "colour: colours by default (sanity of this check)" has_colour colour
keys colour q
start nocolor 80 24 LANG=C.UTF-8 LC_ALL=C.UTF-8 NO_COLOR=1 --
check "NO_COLOR: started" wait_for nocolor "step 1/"
if has_colour nocolor; then fail "NO_COLOR: no colour on screen"; else ok; fi
check "NO_COLOR: reverse video still marks the status line" has_reverse nocolor
keys nocolor q
start mono 80 24 LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-mono --
check "monochrome terminal: started" wait_for mono "step 1/"
if has_colour mono; then fail "monochrome terminal: no colour on screen"; else ok; fi
check "monochrome terminal: reverse video marks the status line" has_reverse mono
keys mono q
start nocolor2 80 24 LANG=C.UTF-8 LC_ALL=C.UTF-8 -- --no-color
check "--no-color: started" wait_for nocolor2 "step 1/"
if has_colour nocolor2; then fail "--no-color: no colour on screen"; else ok; fi
keys nocolor2 q
check "--no-color: q quits" wait_dead nocolor2

# ---------------------------------------------------------------- panel lines never cut
# Every view of the live panel (v cycles seven), at 80x24 (the strip), 100x30
# and 120x40 (the side panel), d = 8, 96 and 256, in UTF-8 and in ASCII: no
# line of the panel's text ends at its edge in the middle of a word; each
# wraps at a space or is shortened with an ellipsis (panel_cut.py).
for loc in C.UTF-8 C; do
	for size in 80x24 100x30 120x40; do
		for hid in 8 96 256; do
			c=${size%x*} r=${size#*x} name=cut$$
			start "$name" "$c" "$r" LANG=$loc LC_ALL=$loc -- --hidden "$hid"
			wait_for "$name" "step 1/" >/dev/null
			v=1
			while [ $v -le 7 ]; do
				keys "$name" v
				sleep 0.1
				wait_gone "$name" "updating"
				screen "$name" >"$WORK/panel"
				check "panel, $loc $size d = $hid, view $v: no line cut at the edge" \
					python3 "$HERE/panel_cut.py" "$WORK/panel" "$c" "$r"
				v=$((v + 1))
			done
			keys "$name" q
			wait_dead "$name"
			$T kill-session -t "$name"
			rm -f "$WORK/rc.$name"
		done
	done
done

# ---------------------------------------------------------------- bad options fail before the screen
out=$(script -qec "$VANEX --step 999" /dev/null 2>&1 </dev/null; echo "rc=$?")
case $out in
*"--step"*) ok ;;
*) fail "--step 999: an error naming --step (got: $out)" ;;
esac

echo "tutor.sh: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
