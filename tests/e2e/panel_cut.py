"""panel_cut.py CAPTURE COLS ROWS — for tests/e2e/tutor.sh: the tutor's live
panel cuts no line in the middle of a word.

CAPTURE is a tmux capture-pane of a COLS x ROWS tutor screen.  The panel's
text (its heading and the lines after it up to the first blank one, where a
plot may follow) keeps its last column, COLS - 2, blank: a line that wraps
or is shortened on purpose never reaches it, so a letter or a digit there is
a word cut at the edge.  Prints each such line; exits 1 when there is one,
or when the screen has no panel heading.
"""
import sys

path, cols, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
lines = [l.ljust(cols) for l in open(path, encoding='utf-8').read().split('\n')[:rows]]
h = next((i for i, l in enumerate(lines) if i > 0 and ('live ·' in l or 'live:' in l)), None)
if h is None:
    print('no panel heading'); sys.exit(1)
x0 = 1 if lines[h].lstrip().startswith(('─', '-')) and lines[h].find('live') < 4 else lines[h].find('live')
bad = 0
for r in range(h, rows - 2):
    l = lines[r]
    if r > h and not l[x0:cols].strip():
        break
    if l[cols - 2].isalnum():
        print('row %d: %s' % (r, l[x0:].rstrip())); bad += 1
sys.exit(1 if bad else 0)
