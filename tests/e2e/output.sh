#!/bin/sh
# End-to-end tests of output targets (POSIX sh): `report -o` and `check -o`
# respect what the path names — a device is written, not replaced (/dev/null
# discards, /dev/full fails with "No space left on device"), /dev/stdout is
# the open standard output, a symbolic link (dangling too) is written
# through and stays, a FIFO's reader gets the bytes — a 255-byte name
# works, SIGTERM during a write leaves no hidden temporary file, a failed
# Markdown handout leaves the previous one and its SVG files whole, `check
# --json` is streamed (peak memory near the engine's own) and fails at once
# on a full disk, and sizes beyond the machine's memory are refused up front.
#   VANEX=./vanex sh tests/e2e/output.sh
# As root, the device cases use private nodes with the numbers of /dev/null
# and /dev/full (and a link like /dev/stdout's), so a broken build replaces
# only files of the test's own folder, never the machine's /dev.
set -u
VANEX=${VANEX:-./vanex}
case $VANEX in /*) ;; *) VANEX=$(pwd)/$VANEX ;; esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vanex-e2e-output.XXXXXX") || exit 1
# A private copy: the shared tree may relink ./vanex while this runs.
cp "$VANEX" "$tmp/vanex" || exit 1
VANEX=$tmp/vanex
bg=
cleanup() {
	[ -n "$bg" ] && kill "$bg" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
fails=0
checks=0
fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}
pass() { checks=$((checks + 1)); }
SOURCE_DATE_EPOCH=1700000000
export SOURCE_DATE_EPOCH
export OPENBLAS_NUM_THREADS=1

# run ARGS...: vanex with stdout in $tmp/out, stderr in $tmp/err, status in $rc.
run() {
	"$VANEX" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# ok DESC: the last run exited 0 with nothing on stderr.
ok() {
	if [ "$rc" -ne 0 ] || [ -s "$tmp/err" ]; then
		fail "$1: exit $rc, stderr: $(head -c 300 "$tmp/err")"
		return 1
	fi
	pass
}

# one_line_error DESC STATUS FRAGMENT: the last run exited STATUS with one
# line "vanex: ..." holding FRAGMENT on stderr.
one_line_error() {
	if [ "$rc" -ne "$2" ]; then
		fail "$1: exit $rc, expected $2 ($(head -c 300 "$tmp/err"))"
	elif [ "$(wc -l <"$tmp/err")" -ne 1 ] || ! grep -q '^vanex: ' "$tmp/err"; then
		fail "$1: expected one 'vanex: ' line on stderr, got: $(head -c 300 "$tmp/err")"
	elif ! grep -qF -- "$3" "$tmp/err"; then
		fail "$1: stderr '$(cat "$tmp/err")' lacks '$3'"
	else
		pass
	fi
}

# no_temps DESC DIR: no hidden file (a temporary) left in DIR.
no_temps() {
	left=$(ls -A "$2" | grep '^\.')
	if [ -n "$left" ]; then
		fail "$1: hidden files left in $2: $(echo "$left" | tr '\n' ' ')"
	else
		pass
	fi
}

# same DESC FILE REF: FILE has exactly the bytes of REF.
same() {
	if [ ! -f "$2" ] || ! cmp -s "$2" "$3"; then
		fail "$1: $2 differs from $3 ($(wc -c <"$2" 2>/dev/null || echo no) bytes against $(wc -c <"$3"))"
	else
		pass
	fi
}

# The handouts and the check as standard output writes them: the reference bytes.
"$VANEX" report -f html >"$tmp/ref.html" 2>"$tmp/err" &&
	"$VANEX" report >"$tmp/ref.md" 2>>"$tmp/err" &&
	"$VANEX" check --json >"$tmp/ref.json" 2>>"$tmp/err" || {
	echo "FAIL: the reference runs: $(cat "$tmp/err")" >&2
	exit 1
}

# ---- devices: written in place, never replaced ---------------------------
mkdir "$tmp/dev"
if [ "$(id -u)" -ne 0 ]; then
	NULL=/dev/null FULL=/dev/full STDOUT=/dev/stdout
elif mknod "$tmp/dev/null" c 1 3 2>/dev/null && mknod "$tmp/dev/full" c 1 7 2>/dev/null &&
	chmod 666 "$tmp/dev/null" "$tmp/dev/full"; then
	NULL=$tmp/dev/null FULL=$tmp/dev/full STDOUT=$tmp/dev/stdout
	ln -s /proc/self/fd/1 "$STDOUT"
else
	NULL= FULL= STDOUT=$tmp/dev/stdout
	ln -s /proc/self/fd/1 "$STDOUT"
	echo "SKIP: null and full devices: root without mknod (the machine's /dev is not risked)" >&2
fi
is_char() {
	if [ -c "$2" ]; then pass; else fail "$1: $2 is no longer a character device: $(ls -l "$2")"; fi
}

if [ -n "$NULL" ]; then
	for args in "report -f html" "report -f md" "check --json" "check"; do
		# shellcheck disable=SC2086
		run $args -o "$NULL"
		ok "$args -o $NULL" && [ -s "$tmp/out" ] && fail "$args -o $NULL: wrote to stdout"
		is_char "$args -o $NULL" "$NULL"
	done
	no_temps "-o $NULL" "$(dirname "$NULL")"
fi

if [ -n "$FULL" ]; then
	for args in "report -f html" "report -f latex" "check --json" "check"; do
		# shellcheck disable=SC2086
		run $args -o "$FULL"
		one_line_error "$args -o $FULL" 1 "No space left on device"
		is_char "$args -o $FULL" "$FULL"
	done
	no_temps "-o $FULL" "$(dirname "$FULL")"
fi

# standard output through the path that names it: a file, a pipe, an append
run report -f html -o "$STDOUT"
ok "report -o $STDOUT" && same "report -f html -o $STDOUT > file" "$tmp/out" "$tmp/ref.html"
"$VANEX" report -f html -o "$STDOUT" 2>"$tmp/err" | cat >"$tmp/piped.html"
same "report -f html -o $STDOUT | cat" "$tmp/piped.html" "$tmp/ref.html"
run check --json -o "$STDOUT"
ok "check --json -o $STDOUT" && same "check --json -o $STDOUT" "$tmp/out" "$tmp/ref.json"
: >"$tmp/app.html"
"$VANEX" report -f html -o "$STDOUT" >>"$tmp/app.html" 2>"$tmp/err" &&
	"$VANEX" report -f html -o "$STDOUT" >>"$tmp/app.html" 2>>"$tmp/err"
cat "$tmp/ref.html" "$tmp/ref.html" >"$tmp/ref2.html"
same "report -o $STDOUT twice with >> (O_APPEND kept)" "$tmp/app.html" "$tmp/ref2.html"
if [ -L "$STDOUT" ] || [ "$STDOUT" = /dev/stdout ]; then pass; else fail "$STDOUT was replaced: $(ls -l "$STDOUT")"; fi

# ---- symbolic links: written through, the link stays --------------------
mkdir "$tmp/ln" "$tmp/ln/real" "$tmp/ln/sub"
printf 'OLD\n' >"$tmp/ln/real/h.html"
ln -s real/h.html "$tmp/ln/link.html"
run report -f html -o "$tmp/ln/link.html"
ok "report -o a symlink"
if [ -L "$tmp/ln/link.html" ] && [ "$(readlink "$tmp/ln/link.html")" = real/h.html ]; then
	pass
else
	fail "report -o a symlink: the link was replaced: $(ls -l "$tmp/ln/link.html")"
fi
same "report -o a symlink: its target" "$tmp/ln/real/h.html" "$tmp/ref.html"
no_temps "report -o a symlink" "$tmp/ln"
no_temps "report -o a symlink (target's folder)" "$tmp/ln/real"

# dangling: the file it names is created
ln -s ../real/new.html "$tmp/ln/sub/dangling.html"
run report -f html -o "$tmp/ln/sub/dangling.html"
ok "report -o a dangling symlink"
[ -L "$tmp/ln/sub/dangling.html" ] && pass || fail "report -o a dangling symlink: the link was replaced"
same "report -o a dangling symlink: the new target" "$tmp/ln/real/new.html" "$tmp/ref.html"

# Markdown through a link: the SVG files beside the file written, where its links point
ln -s ../real/notes.md "$tmp/ln/sub/notes.md"
run report -o "$tmp/ln/sub/notes.md"
ok "report -f md -o a symlink"
if [ -f "$tmp/ln/real/notes-1.svg" ] && [ ! -e "$tmp/ln/sub/notes-1.svg" ] &&
	grep -q '](notes-1.svg)' "$tmp/ln/real/notes.md"; then
	pass
else
	fail "report -f md through a symlink: SVG files not beside the target: $(ls "$tmp/ln/real" "$tmp/ln/sub" | tr '\n' ' ')"
fi

# ---- a FIFO: its reader gets the handout ---------------------------------
mkfifo "$tmp/fifo"
timeout 60 cat "$tmp/fifo" >"$tmp/fifo.out" &
bg=$!
timeout 60 "$VANEX" report -o "$tmp/fifo" >"$tmp/out" 2>"$tmp/err"
rc=$?
ok "report -o a FIFO"
# a replaced FIFO leaves its reader waiting: give it a moment, then stop it
i=0
while kill -0 "$bg" 2>/dev/null && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill "$bg" 2>/dev/null
bg=
[ -p "$tmp/fifo" ] && pass || fail "report -o a FIFO: the FIFO was replaced: $(ls -l "$tmp/fifo")"
same "report -o a FIFO: what its reader got (Markdown as on stdout)" "$tmp/fifo.out" "$tmp/ref.md"

# ---- a 255-byte file name ------------------------------------------------
mkdir "$tmp/long"
long=$(printf '%0250d' 0 | tr 0 h)
run report -f html -o "$tmp/long/$long.html"
ok "report -o a 255-byte name" && same "report -o a 255-byte name" "$tmp/long/$long.html" "$tmp/ref.html"
run check --json -o "$tmp/long/$long.json"
ok "check -o a 255-byte name" && same "check -o a 255-byte name" "$tmp/long/$long.json" "$tmp/ref.json"
# Markdown: its SVG names are cut to fit, and the links follow
run report -o "$tmp/long/${long}h.md"
ok "report -f md -o a 255-byte name"
nsvg=$(ls "$tmp/long" | grep -c '\.svg$')
link=$(grep -o '](h*-1\.svg)' "$tmp/long/${long}h.md" | head -1 | tr -d '()]')
if [ "$nsvg" -ge 1 ] && [ -n "$link" ] && [ -f "$tmp/long/$link" ]; then
	pass
else
	fail "report -f md -o a 255-byte name: $nsvg SVG files, link '$link'"
fi
no_temps "255-byte names" "$tmp/long"

# ---- SIGTERM during a write: no temporary file left -----------------------
mkdir "$tmp/sig"
"$VANEX" check --hidden 8 --steps 100000 --json -o "$tmp/sig/run.json" 2>"$tmp/sig.err" &
bg=$!
i=0
seen=
while [ $i -lt 1200 ] && kill -0 "$bg" 2>/dev/null; do
	t=$(ls -A "$tmp/sig" | grep '^\.' | head -1)
	# mid-write: the temporary file exists and has bytes
	if [ -n "$t" ] && [ -s "$tmp/sig/$t" ]; then
		seen=$t
		break
	fi
	sleep 0.05
	i=$((i + 1))
done
if [ -z "$seen" ]; then
	wait "$bg"
	fail "check -o: no temporary file with bytes seen before the run ended (exit $?: $(head -c 200 "$tmp/sig.err"))"
else
	kill -TERM "$bg"
	wait "$bg" 2>/dev/null   # the shell's own "Terminated" is expected
	rc=$?
	bg=
	[ "$rc" -eq 143 ] || fail "SIGTERM mid-write: exit $rc, expected 143 (killed by the signal)"
	no_temps "SIGTERM mid-write ($seen)" "$tmp/sig"
	[ -e "$tmp/sig/run.json" ] && fail "SIGTERM mid-write: a partial run.json was left" || pass
fi

# ---- Markdown and its SVG files: all or nothing ---------------------------
mkdir "$tmp/md" "$tmp/keep"
run report --seed 1 -o "$tmp/md/h.md"
ok "report -f md (first run)"
nsvg=$(ls "$tmp/md" | grep -c '^h-[0-9]*\.svg$')
if [ "$nsvg" -lt 2 ]; then
	fail "report -f md: expected at least 2 SVG files, got $nsvg"
else
	# the last SVG's name taken by a folder: the second run cannot finish
	rm "$tmp/md/h-$nsvg.svg"
	mkdir "$tmp/md/h-$nsvg.svg"
	cp "$tmp/md/"h* "$tmp/keep/" 2>/dev/null
	run report --seed 2 -o "$tmp/md/h.md"
	one_line_error "report -f md over a folder at h-$nsvg.svg" 1 "h-$nsvg.svg"
	same "failed report -f md: h.md whole" "$tmp/md/h.md" "$tmp/keep/h.md"
	n=1
	while [ $n -lt "$nsvg" ]; do
		same "failed report -f md: h-$n.svg whole" "$tmp/md/h-$n.svg" "$tmp/keep/h-$n.svg"
		n=$((n + 1))
	done
	no_temps "failed report -f md" "$tmp/md"
fi

# ---- check --json: streamed ------------------------------------------------
run check --json -o "$tmp/c.json"
ok "check --json -o FILE" && same "check --json -o FILE" "$tmp/c.json" "$tmp/ref.json"

if [ -w /dev/full ]; then
	# stops at the first failed write, with the reason
	"$VANEX" check --hidden 8 --steps 20000 --json >/dev/full 2>"$tmp/err"
	rc=$?
	one_line_error "check --json > /dev/full" 1 "No space left on device"
fi

# A network's table and JSON through -o: the bytes standard output gets,
# whole; a full disk ends the run with one line; --fail-on's status 3 comes
# after the file is in place.
for args in "--cell lstm --layers 2" "--cell gru --layers 3 --json"; do
	# shellcheck disable=SC2086
	"$VANEX" check $args >"$tmp/net.ref" 2>"$tmp/err"
	# shellcheck disable=SC2086
	run check $args -o "$tmp/net.out"
	ok "check $args -o FILE" && same "check $args -o FILE" "$tmp/net.out" "$tmp/net.ref"
	no_temps "check $args -o FILE" "$tmp"
done
if [ -w /dev/full ]; then
	"$VANEX" check --cell lstm --layers 2 --steps 1000 --json >/dev/full 2>"$tmp/err"
	rc=$?
	one_line_error "check --cell lstm --json > /dev/full" 1 "No space left on device"
fi
rm -f "$tmp/net.out"
run check --cell lstm --layers 2 --fail-on vanishing -o "$tmp/net.out"
if [ "$rc" -eq 3 ] && [ ! -s "$tmp/err" ] && grep -q '^verdict: vanishing' "$tmp/net.out"; then
	pass
else
	fail "check --fail-on vanishing -o FILE: exit $rc, file: $(tail -n 2 "$tmp/net.out" 2>&1)"
fi
no_temps "check --fail-on -o FILE" "$tmp"

# Peak memory at T = 10^5 (d = 8): the JSON (70 MB) must not be held whole.
# The engine's own peak is that of the table; the JSON may add a little
# (buffers), far less than the 240 MB a tree of the whole object took.
# Relative, so that it holds in a sanitizer build too (50 MB both there).
if [ ! -x /usr/bin/time ]; then
	fail "peak memory of check --json: /usr/bin/time is missing (sh tests/deps.sh test installs it)"
else
	/usr/bin/time -f '%M' -o "$tmp/rss.text" "$VANEX" check --hidden 8 --steps 100000 >/dev/null 2>"$tmp/err" &&
		/usr/bin/time -f '%M' -o "$tmp/rss.json" "$VANEX" check --hidden 8 --steps 100000 --json \
			>"$tmp/big.json" 2>>"$tmp/err"
	rc=$?
	text=$(tail -1 "$tmp/rss.text")
	json=$(tail -1 "$tmp/rss.json")
	if [ "$rc" -ne 0 ]; then
		fail "check --steps 100000: exit $rc: $(head -c 200 "$tmp/err")"
	elif [ $((json - text)) -gt 65536 ]; then
		fail "check --json at T = 100000: peak $json KiB against $text KiB for the table (more than 64 MiB above)"
	else
		echo "peak resident set at d = 8, T = 100000: table $text KiB, --json $json KiB ($(wc -c <"$tmp/big.json") bytes)"
		pass
	fi
	rm -f "$tmp/big.json"
fi

# ---- sizes beyond the machine's memory: refused before allocating --------
mem=$(($(getconf _PHYS_PAGES) / 1024 * $(getconf PAGE_SIZE) / 1024))   # MiB
if [ "$mem" -ge 600000 ]; then
	echo "SKIP: memory refusal: this machine has $mem MiB, more than --hidden 4096 --steps 10000000 needs" >&2
else
	for cmd in check report; do
		run $cmd --hidden 4096 --steps 10000000
		one_line_error "$cmd --hidden 4096 --steps 10000000" 1 "of memory needed"
		# both figures named: what the run needs and what there is
		[ "$(grep -o '[0-9.]* [KMGTP]iB' "$tmp/err" | wc -l)" -eq 2 ] && pass ||
			fail "$cmd --hidden 4096 --steps 10000000: two sizes expected in '$(cat "$tmp/err")'"
	done
	mkdir "$tmp/refused"
	run report --hidden 4096 --steps 10000000 -o "$tmp/refused/h.html"
	one_line_error "report -o, sizes refused" 1 "of memory needed"
	[ -z "$(ls -A "$tmp/refused")" ] && pass || fail "refused report left files: $(ls -A "$tmp/refused")"
fi

if [ "$fails" -ne 0 ]; then
	echo "output.sh: $fails failure(s) in $checks checks" >&2
	exit 1
fi
echo "output.sh: all $checks checks passed"
