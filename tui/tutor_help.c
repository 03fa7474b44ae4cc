/*
 * tutor_help.c — the help overlay's lines and the key hint, in Unicode and
 * in ASCII (no curses here).
 */
#include "tui/tutor_state.h"

/* One table, both spellings on each row: R(keys, what, brief, kbrief) with
 * each of them given as U8(utf8, ascii) where the two differ.  HELP_U and
 * HELP_A expand it into the table of each terminal. */
#define HELP_ROWS(R, U8) \
	R(NULL, "Moving through the derivation", NULL, NULL) \
	R(U8("→ l n Space ↵", "Right l n Spc Enter"), "next step", "next", U8(NULL, "Right l n Spc")) \
	R(U8("← h p", "Left h p"), "previous step", "previous", NULL) \
	R("g Home  G End", "first / last step", "first/last", NULL) \
	R("1-9", "jump to step N (1, 2 within a second: step 12)", "step N", NULL) \
	R(U8("↑ ↓  PgUp PgDn", "Up Down PgUp PgDn"), "scroll a line / a page", "scroll", \
	  U8("↑ ↓ PgUp PgDn", "Up Dn PgUp/Dn")) \
	R(NULL, "Changing the network (numbers follow)", NULL, NULL) \
	R("+ -", U8("λ = ‖W‖₂ ×1.1 / ÷1.1", "lambda = ||W||_2 times / over 1.1"), U8("λ ×1.1 ÷1.1", "lambda *1.1"), \
	  NULL) \
	R("=", U8("λ = 1/γ, the edge between the regimes", "lambda = 1/gamma, the edge between the regimes"), \
	  U8("λ = 1/γ", "lambda=1/gam"), NULL) \
	R("a A  c C", "next / previous activation / cell (rnn, lstm, gru)", "act., cell", NULL) \
	R("t T", "loss step t: down / up", "loss step t", NULL) \
	R("k K", U8("path start k: down / up (k ≤ t)", "path start k: down / up (k <= t)"), \
	  U8("path k ≤ t", "path k <= t"), NULL) \
	R("j J", "chosen step j: down / up", "step j", NULL) \
	R("d D", "hidden size d: down / up", "hidden d", NULL) \
	R("s S", "number of steps T: down / up", "steps T", NULL) \
	R("r R  b B", U8("next / previous seed / forget bias ±1", "next / previous seed / forget bias +-1"), \
	  "seed, bias", NULL) \
	R(NULL, "Other", NULL, NULL) \
	R("i  !", U8("answer the question (↵ judges) / show the answer", \
	             "answer the question (Enter judges) / show the answer"), "answer", NULL) \
	R("v V", "next / previous view of the live panel", "panel view", NULL) \
	R("e", "write a handout: ./vanex-handout.html", "handout", NULL) \
	R("?  Ctrl-L", "this help / redraw", "help/redraw", NULL) \
	R("q  Esc", "quit / close this help", "quit/close", NULL)

#define ROW(keys, what, brief, kbrief) { keys, what, brief, kbrief },
#define PICK_U(u, a) u
#define PICK_A(u, a) a

static const vxu_help_entry help_utf8[] = { HELP_ROWS(ROW, PICK_U) };
static const vxu_help_entry help_ascii[] = { HELP_ROWS(ROW, PICK_A) };

const vxu_help_entry *vxu_help(int utf8, size_t *n)
{
	*n = sizeof help_utf8 / sizeof help_utf8[0];
	return utf8 ? help_utf8 : help_ascii;
}

const char *vxu_hint(int utf8, int cols, int more)
{
	if (more)
		return cols >= 78 ? (utf8 ? "↓ PgDn: more of this step   → next step   ? every key   q quit"
		                          : "Down/PgDn: more of this step   Right: next step   ? every key   q quit")
		                  : (utf8 ? "↓ PgDn: more   → next   ? keys   q quit"
		                          : "PgDn: more   Right: next   ? keys   q quit");
	return cols >= 82 ? (utf8 ? "→ next  ← back  +/− λ  a act  t/T k/K j/J  e handout  ? help  q quit"
	                          : "Right next  Left back  +/- lambda  a act  t/T k/K j/J  e handout  ? help  q quit")
	     : cols >= 70 ? (utf8 ? "→ next  ← back  +/− λ  a act  t/T k/K j/J  e handout  ? help  q quit"
	                          : "Right/Left step  +/- lambda  a act  t/T k/K  e handout  ? help  q quit")
	                  : (utf8 ? "→ next  ← back  +/− λ  a act  ? help  q quit"
	                          : "Right/Left step  +/- lambda  a act  ? help  q quit");
}
