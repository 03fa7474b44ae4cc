#!/bin/sh
# tests/e2e/quiz.sh — the tutor's questions under tmux at 80x24: a wrong
# answer shows the hint and is not counted right, a right one shows the reason
# (the answer checked against `vanex check --json`, rounded by python3 to the
# asked two digits); the progress file ($XDG_STATE_HOME/vanex/progress) is
# written, the next session resumes at the last step seen with its answers
# (and takes an answer in the forms the screen prints, 0.0115 and 1.2×10⁻²),
# --restart begins again at step 1 with none; a damaged or foreign progress
# file, an unwritable state directory and a relative XDG_STATE_HOME leave a
# working tutor (one line on stderr after it ends, exit status 0).
#
#   VANEX=./vanex sh tests/e2e/quiz.sh
#
# POSIX sh, tmux, python3 (tests/deps.sh installs them).
set -u

E2E=quiz
E2E_TOOLS="/usr/bin/python3"
. "$(dirname "$0")/lib/tmux.sh"
PY=/usr/bin/python3

keys() { n=$1; shift; $T send-keys -t "$n" "$@"; sleep 0.3; }

# The answer to step 11's question, independently: ‖∂s_50/∂s_47‖₂ from
# check's JSON, to two significant digits; and a wrong one.
"$VANEX" check --json >"$WORK/check.json" || fail "vanex check --json"
right=$("$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); n=[p['norm'] for p in d['paths'] if p['k']==47][0]; print('%.1e' % n)" "$WORK/check.json")
wrong=$("$PY" -c "print('%.1e' % (float('$right') * 3))")
S=$WORK/state
P=$S/vanex/progress

# ---- a wrong answer, then the right one
start a 80 24 XDG_STATE_HOME=$S LANG=C.UTF-8 -- --step 11
check "step 11 says which key answers" wait_for a "i answer the question"
keys a NPage NPage
check "step 11 shows its question" wait_for a "Press i to answer."
check "the status line counts the questions" wait_for a "0/8 right"
keys a i
check "i opens the answer line" wait_for a "your answer:"
keys a "$wrong" Enter
check "a wrong answer shows the hint" wait_for a "is not right. Hint:"
check "the hint's text" wait_for a "Set the path start"
check "a wrong answer is not counted right" wait_for a "0/8 right"
screen a >"$WORK/screen-wrong.txt"
keys a i
keys a BSpace "$right" Enter
check "the right answer is taken ($right)" wait_for a "Right:"
check "the reason comes with the live numbers" wait_for a "against the product of step norms"
check "the right answer is counted" wait_for a "1/8 right"
screen a >"$WORK/screen-right.txt"
keys a Escape
check "Esc closes the verdict" wait_for a "i answer the question"
keys a i
keys a xyz Enter
check "an unreadable answer says what is expected" wait_for a "is not an answer: type a number to 2"
keys a Escape
keys a Right
check "Right goes on after the answer line closed" wait_for a "step 12/16"
keys a q
check "q quits" wait_dead a
check "exit status 0" test "$(cat "$WORK/rc.a" 2>/dev/null)" = 0
check "the progress file is written" test -f "$P"
check "it records the right answer" grep -q "^answer [0-9a-f]\{16\} 11-actual.md#1 right$" "$P"
check "it records the last step seen" grep -qx "step 12" "$P"
check "it records the steps seen" grep -qx "seen 11 12" "$P"
check "no temporary file is left" test "$(ls -A "$S/vanex")" = progress

# ---- resume: the last step seen, its answers
start b 80 24 XDG_STATE_HOME=$S LANG=C.UTF-8 --
check "resumes at the last step seen" wait_for b "step 12/16"
check "the answers come back" wait_for b "1/8 right"
keys b 9
check "digits still jump" wait_for b "step 9/16"
keys b i "0" Enter
check "a second question is judged" wait_for b "Question 4"
# What the screen shows may be typed as it is: step 9 prints (γλ)²⁰ to three
# digits (0.0115, which a double holds as 0.011499…), and the tutor writes
# powers as 1.2×10⁻² (typed here a UTF-8 byte at a time): both are 0.8²⁰
# at the question's two digits
shown=$("$PY" -c "print('%.3g' % 0.8 ** 20)")
keys b i
check "the answer line opens again" wait_for b "your answer:"
keys b -l "$shown"
keys b Enter
check "the value as the screen prints it ($shown) is right" wait_for b "Right: 0.012"
keys b i
check "and the line opens again" wait_for b "your answer:"
keys b -l "1.2×10⁻²"
check "1.2×10⁻² shows as typed" wait_for b "your answer: 1.2×10⁻²"
keys b Enter
check "and is right" wait_for b "Right: 0.012"
keys b q
wait_dead b

# ---- another network asks again
start c 80 24 XDG_STATE_HOME=$S LANG=C.UTF-8 -- --seed 2
check "another network has no answers yet" wait_for c "0/8 right"
keys c q
wait_dead c

# ---- --restart
start d 80 24 XDG_STATE_HOME=$S LANG=C.UTF-8 -- --restart
check "--restart begins at step 1" wait_for d "step 1/16"
check "--restart forgets the answers" wait_for d "0/8 right"
keys d q
wait_dead d
check "--restart clears the file's answers" sh -c "! grep -q '^answer' '$P'"

# ---- a damaged file: the tutor runs, says so, starts afresh
printf 'vanex progress 1\nstep 3\nanswer nonsense\n' >"$P"
start e 80 24 XDG_STATE_HOME=$S LANG=C.UTF-8 -- "2>$WORK/err.e"
check "a damaged file is named in the message line" wait_for e "progress damaged at line 3"
check "and the tutor starts at step 1" wait_for e "step 1/16"
keys e q
wait_dead e
check "exit status 0 after a damaged file" test "$(cat "$WORK/rc.e" 2>/dev/null)" = 0
check "one line on stderr after the tutor" test "$(wc -l <"$WORK/err.e")" -eq 1
check "the damaged file is replaced" grep -qx "vanex progress 1" "$P"

printf '\177ELF\002\001' >"$P"
start f 80 24 XDG_STATE_HOME=$S LANG=C.UTF-8 -- "2>$WORK/err.f"
check "a foreign file is named" wait_for f "not a vanex progress file"
keys f q
wait_dead f
check "exit status 0 after a foreign file" test "$(cat "$WORK/rc.f" 2>/dev/null)" = 0

# ---- nowhere to write: the tutor runs all the same
: >"$WORK/plain"
start g 80 24 XDG_STATE_HOME=$WORK/plain/state LANG=C.UTF-8 -- --step 11 "2>$WORK/err.g"
check "an unwritable directory: the tutor runs" wait_for g "i answer the question"
keys g i "$right" Enter
check "an unwritable directory: answers are judged" wait_for g "Right:"
check "an unwritable directory is named in the message line" wait_for g "progress not kept"
keys g q
wait_dead g
check "exit status 0 when the progress cannot be kept" test "$(cat "$WORK/rc.g" 2>/dev/null)" = 0
check "one line on stderr about it" grep -q "progress not kept" "$WORK/err.g"

# ---- a relative XDG_STATE_HOME is ignored (the XDG spec): HOME's default
mkdir -p "$WORK/home"
start h 80 24 XDG_STATE_HOME=rel HOME=$WORK/home LANG=C.UTF-8 -- --step 2
wait_for h "step 2/16" >/dev/null
keys h q
wait_dead h
check "a relative XDG_STATE_HOME: ~/.local/state/vanex/progress" test -f "$WORK/home/.local/state/vanex/progress"
check "nothing under the relative path" test ! -e "$WORK/rel"

if [ -n "${VANEX_QUIZ_SCREENS:-}" ]; then
	cp "$WORK/screen-wrong.txt" "$WORK/screen-right.txt" "$VANEX_QUIZ_SCREENS"/
fi
echo "quiz e2e: $((checks - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
