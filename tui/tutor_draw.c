/*
 * tutor_draw.c — the tutor's screen, drawn from the state (curses only here
 * and in tutor.c).
 *
 * Every frame is drawn whole into the window and left to curses to diff:
 * simpler than tracking damage, and cheap at terminal sizes.
 */
#include "tui/tutor_draw.h"
#include "report/text/utf8.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#define U(st, u, a) ((st)->utf8 ? (u) : (a))

/* ====================================================================
 * Theme
 * ==================================================================== */

enum { P_HEAD = 1, P_CODE, P_MATH, P_NUM, P_DIM, P_S1, P_S2, P_S3, P_GOOD, P_BAD, P_TITLE, P_ERR };

void vxu_theme_init(vxu_theme *th, int color)
{
	memset(th, 0, sizeof *th);
	th->color = color && has_colors();
	if (th->color) {
		start_color();
		use_default_colors();
		short dim = COLORS >= 16 ? 8 : COLOR_BLUE;   /* bright black where there is one */
		init_pair(P_HEAD, COLOR_CYAN, -1);
		init_pair(P_CODE, COLOR_GREEN, -1);
		init_pair(P_MATH, COLOR_MAGENTA, -1);
		init_pair(P_NUM, COLOR_YELLOW, -1);
		init_pair(P_DIM, dim, -1);
		init_pair(P_S1, COLOR_GREEN, -1);
		init_pair(P_S2, COLOR_YELLOW, -1);
		init_pair(P_S3, COLOR_RED, -1);
		init_pair(P_GOOD, COLOR_GREEN, -1);
		init_pair(P_BAD, COLOR_RED, -1);
		init_pair(P_TITLE, COLOR_BLACK, COLOR_CYAN);
		init_pair(P_ERR, COLOR_RED, -1);
		th->role[VXT_TEXT] = A_NORMAL;
		th->role[VXT_HEADING] = COLOR_PAIR(P_HEAD) | A_BOLD;
		th->role[VXT_EMPH] = A_UNDERLINE;
		th->role[VXT_STRONG] = A_BOLD;
		th->role[VXT_CODE] = COLOR_PAIR(P_CODE);
		th->role[VXT_MATH] = COLOR_PAIR(P_MATH);
		th->role[VXT_NUMBER] = COLOR_PAIR(P_NUM) | A_BOLD;
		th->role[VXT_DIM] = COLOR_PAIR(P_DIM);
		th->role[VXT_SERIES1] = COLOR_PAIR(P_S1) | A_BOLD;
		th->role[VXT_SERIES2] = COLOR_PAIR(P_S2);
		th->role[VXT_SERIES3] = COLOR_PAIR(P_S3);
		th->role[VXT_GOOD] = COLOR_PAIR(P_GOOD);
		th->role[VXT_BAD] = COLOR_PAIR(P_BAD) | A_BOLD;
		th->title = COLOR_PAIR(P_TITLE) | A_BOLD;
		th->status = A_REVERSE;
		th->status_num = A_REVERSE | A_BOLD;
		th->status_bad = A_REVERSE | A_BOLD;
		th->rule = COLOR_PAIR(P_DIM);
		th->msg = COLOR_PAIR(P_NUM);
		th->error = COLOR_PAIR(P_ERR) | A_BOLD;
		th->hint = COLOR_PAIR(P_DIM);
		th->stale = A_DIM;
		return;
	}
	/* Monochrome: bold, underline and reverse only, which every terminal has. */
	th->role[VXT_TEXT] = A_NORMAL;
	th->role[VXT_HEADING] = A_BOLD | A_UNDERLINE;
	th->role[VXT_EMPH] = A_UNDERLINE;
	th->role[VXT_STRONG] = A_BOLD;
	th->role[VXT_CODE] = A_NORMAL;
	th->role[VXT_MATH] = A_NORMAL;
	th->role[VXT_NUMBER] = A_BOLD;
	th->role[VXT_DIM] = A_NORMAL;
	th->role[VXT_SERIES1] = A_BOLD;
	th->role[VXT_SERIES2] = A_NORMAL;
	th->role[VXT_SERIES3] = A_UNDERLINE;
	th->role[VXT_GOOD] = A_NORMAL;
	th->role[VXT_BAD] = A_BOLD;
	th->title = A_REVERSE | A_BOLD;
	th->status = A_REVERSE;
	th->status_num = A_REVERSE | A_BOLD;
	th->status_bad = A_REVERSE | A_BOLD | A_UNDERLINE;
	th->rule = A_NORMAL;
	th->msg = A_BOLD;
	th->error = A_BOLD | A_REVERSE;
	th->hint = A_NORMAL;
	th->stale = A_DIM;   /* SGR 2: a monochrome terminal without it shows the values plain */
}

/* ====================================================================
 * Text
 * ==================================================================== */

/* Writes text at (y, x) in attribute a, at most maxw columns; returns the
 * columns used.  Without UTF-8 anything outside printable ASCII becomes '?',
 * so a stray byte can never reach a C-locale terminal as mojibake.  One
 * cell for one character: not vx_quote's \xNN, four cells wide, which
 * would break the columns the layout counted (the text drawn here is laid
 * out already, and a message quoted by vx_fail). */
static int put(WINDOW *w, int y, int x, int maxw, const char *text, attr_t a, int utf8)
{
	wchar_t buf[512];
	int used = 0;
	size_t nb = 0;
	if (maxw <= 0 || y < 0 || x < 0)
		return 0;
	while (*text && nb + 1 < sizeof buf / sizeof buf[0]) {
		uint32_t cp;
		text += vxr_u8_next(text, &cp);   /* a malformed byte: U+FFFD */
		wchar_t wc = (wchar_t)cp;
		int cw;
		if (!utf8) {
			if (wc < 0x20 || wc > 0x7E)
				wc = '?';
			cw = 1;
		} else {
			if (wc == '\t' || wc == '\n' || wc == '\r')
				wc = ' ';
			cw = wcwidth(wc);
			if (cw < 0) {
				wc = 0xFFFD;
				cw = 1;
			}
		}
		if (used + cw > maxw)
			break;
		buf[nb++] = wc;
		used += cw;
	}
	if (nb) {
		buf[nb] = 0;
		wattrset(w, a);
		mvwaddnwstr(w, y, x, buf, (int)nb);
		wattrset(w, A_NORMAL);
	}
	return used;
}

/* Fills columns [x, x+n) of row y with a character in attribute a. */
static void fill(WINDOW *w, int y, int x, int n, const char *ch, attr_t a, int utf8)
{
	for (int i = 0; i < n; i++)
		put(w, y, x + i, 1, ch, a, utf8);
}

/* One line of spans at (y, x), clipped to maxw; returns the columns used. */
static int put_line(WINDOW *w, int y, int x, int maxw, const vxt_line *ln, const vxu_theme *th,
                    int utf8, attr_t base)
{
	int used = 0;
	for (size_t i = 0; i < ln->nspans && used < maxw; i++) {
		const vxt_span *sp = &ln->spans[i];
		attr_t a = th->role[sp->role < VXT_ROLE_COUNT ? sp->role : VXT_TEXT] | base;
		used += put(w, y, x + used, maxw - used, sp->text, a, utf8);
	}
	return used;
}

/* ====================================================================
 * Parts of the screen
 * ==================================================================== */

static void draw_too_small(WINDOW *w, const vxu_state *st, const vxu_theme *th)
{
	char l1[64], l2[64];
	const char *l3 = "q quits";
	snprintf(l1, sizeof l1, "terminal too small (%dx%d)", st->lay.cols, st->lay.rows);
	snprintf(l2, sizeof l2, "vanex needs %dx%d", VXU_MIN_COLS, VXU_MIN_ROWS);
	const char *lines[3] = { l1, l2, l3 };
	int rows = st->lay.rows, cols = st->lay.cols;
	int top = rows > 3 ? (rows - 3) / 2 : 0;
	for (int i = 0; i < 3 && top + i < rows; i++) {
		int len = (int)strlen(lines[i]);
		int x = cols > len ? (cols - len) / 2 : 0;
		put(w, top + i, x, cols - x, lines[i], i == 0 ? th->role[VXT_STRONG] : A_NORMAL, 0);
	}
}

static void put_words(WINDOW *w, int y, int x, int width, const char *text, attr_t a, int utf8);

static void draw_title(WINDOW *w, const vxu_state *st, const vxu_theme *th)
{
	const vxu_layout *L = &st->lay;
	fill(w, L->title_row, 0, L->cols, " ", th->title, st->utf8);
	char left[64];
	snprintf(left, sizeof left, " vanex %s step %s ", U(st, "·", "-"), st->progress);
	int x = put(w, L->title_row, 0, L->cols, left, th->title, st->utf8);
	const char *title = st->doc && st->doc->title ? st->doc->title : vxr_step_title(st->step);
	const char *right = U(st, " ? help ", " ? help ");
	int rw = (int)strlen(right);
	x += put(w, L->title_row, x, L->cols - x - rw - 1, U(st, "│ ", "| "), th->title, st->utf8);
	/* a narrow screen cuts the title at a word, with "…" ("The activation …") */
	put_words(w, L->title_row, x, L->cols - x - rw - 1, title ? title : "", th->title, st->utf8);
	put(w, L->title_row, L->cols - rw, rw, right, th->title, st->utf8);
}

static void draw_body(WINDOW *w, const vxu_state *st, const vxu_theme *th)
{
	const vxu_layout *L = &st->lay;
	if (!st->doc) {
		if (st->doc_error[0] && st->doc_error_step == st->step && !(vxu_stale(st) & VXU_STALE_TEXT))
			put(w, L->body_top, L->text_x, L->text_w, st->doc_error, th->error, st->utf8);
		else if (!st->result)
			put(w, L->body_top, L->text_x, L->text_w,
			    U(st, "computing this network's numbers …", "computing this network's numbers ..."),
			    th->stale, st->utf8);
		else
			put(w, L->body_top, L->text_x, L->text_w,
			    U(st, "laying out this step with this network's numbers …",
			      "laying out this step with this network's numbers ..."), th->stale, st->utf8);
		return;
	}
	/* the text of an earlier network, k, j or width, until the new one comes */
	attr_t base = vxu_stale(st) & VXU_STALE_TEXT ? th->stale : A_NORMAL;
	for (int i = 0; i < L->body_rows; i++) {
		size_t li = st->scroll + (size_t)i;
		if (li >= st->doc->nlines)
			break;
		put_line(w, L->body_top + i, L->text_x, L->text_w, &st->doc->lines[li], th, st->utf8, base);
	}
	/* Scroll marks in the margin right of the text, a blank column between. */
	int mx = L->mark_x;
	if (st->scroll > 0)
		put(w, L->body_top, mx, 1, U(st, "▲", "^"), th->rule | A_BOLD, st->utf8);
	if (st->scroll < vxu_scroll_max(st))
		put(w, L->body_top + L->body_rows - 1, mx, 1, U(st, "▼", "v"), th->rule | A_BOLD, st->utf8);
}

static void draw_panel(WINDOW *w, const vxu_state *st, const vxu_theme *th)
{
	const vxu_layout *L = &st->lay;
	const vxt_lines *p = &st->panel;
	attr_t base = vxu_stale(st) & VXU_STALE_PANEL ? th->stale : A_NORMAL;
	if (L->place == VXU_PANEL_SIDE) {
		for (int y = L->body_top; y < L->status_row; y++)
			put(w, y, L->panel_x - 2, 1, U(st, "│", "|"), th->rule, st->utf8);
		for (size_t i = 0; i < p->nlines && (int)i < L->panel_rows; i++)
			put_line(w, L->panel_top + (int)i, L->panel_x, L->panel_w, &p->lines[i], th, st->utf8, base);
		return;
	}
	/* Strip or bottom: a rule across the screen carrying the panel's heading. */
	const char *h = U(st, "─", "-");
	fill(w, L->panel_top, 0, L->cols, h, th->rule, st->utf8);
	if (p->nlines > 0) {
		int x = 1 + put(w, L->panel_top, 1, 1, " ", A_NORMAL, st->utf8);
		x += put_line(w, L->panel_top, x, L->cols - x - 2, &p->lines[0], th, st->utf8, base);
		put(w, L->panel_top, x, 1, " ", A_NORMAL, st->utf8);
	}
	for (size_t i = 1; i < p->nlines && (int)i < L->panel_rows; i++)
		put_line(w, L->panel_top + (int)i, L->panel_x, L->panel_w, &p->lines[i], th, st->utf8, base);
}

static void draw_status(WINDOW *w, const vxu_state *st, const vxu_theme *th)
{
	const vxu_layout *L = &st->lay;
	fill(w, L->status_row, 0, L->cols, " ", th->status, st->utf8);
	int pw = (int)strlen(st->status_right) + 2;
	/* "updating…" left of the progress while a job computes what was asked */
	const char *busy = vxu_busy_note(st);
	if (busy) {
		int bw = vxr_u8_width(busy);
		if (bw + 1 <= L->cols - pw)
			put(w, L->status_row, L->cols - pw - bw - 1, bw, busy, th->status_num, st->utf8);
		pw += bw + 2;
	}
	int used = 0;
	if (st->status.nlines > 0) {
		const vxt_line *ln = &st->status.lines[0];
		for (size_t i = 0; i < ln->nspans; i++) {
			/* the previous network's values, dimmed, while the new ones are computed */
			attr_t a = ln->spans[i].role == VXT_NUMBER ? th->status_num
			         : ln->spans[i].role == VXT_BAD ? th->status_bad
			         : ln->spans[i].role == VXT_DIM ? th->status | th->stale : th->status;
			used += put(w, L->status_row, used, L->cols - pw - used, ln->spans[i].text, a, st->utf8);
		}
	}
	put(w, L->status_row, L->cols - (int)strlen(st->status_right) - 1, (int)strlen(st->status_right) + 1,
	    st->status_right, th->status_num, st->utf8);
}

/* text in width columns at (y, x): whole when it fits, else up to its last
 * word that leaves room for an ellipsis, so that a narrow terminal never
 * shows half a word ("explosion is pos") */
static void put_words(WINDOW *w, int y, int x, int width, const char *text, attr_t a, int utf8)
{
	if (width <= 0)
		return;
	if (vxr_u8_width(text) <= width) {
		put(w, y, x, width, text, a, utf8);
		return;
	}
	const char *ell = utf8 ? "…" : "...";
	/* room for the text's bytes and the ellipsis after any of them */
	char buf[sizeof ((vxu_state *)0)->message + 8];
	size_t n = strlen(text), cut = 0;
	if (n >= sizeof buf - 8)
		n = sizeof buf - 9;
	for (size_t i = 1; i <= n; i++) {
		if (i < n && text[i] != ' ')
			continue;
		memcpy(buf, text, i);
		buf[i] = 0;
		if (vxr_u8_width(buf) + vxr_u8_width(ell) > width)
			break;
		cut = i;
	}
	if (cut == 0) {
		/* one word wider than the line: as much of it as fits */
		put(w, y, x, width, text, a, utf8);
		return;
	}
	while (cut > 0 && (text[cut - 1] == ' ' || text[cut - 1] == ',' || text[cut - 1] == ':'))
		cut--;
	memcpy(buf, text, cut);
	snprintf(buf + cut, sizeof buf - cut, "%s", ell);
	put(w, y, x, width, buf, a, utf8);
}

static void draw_message(WINDOW *w, const vxu_state *st, const vxu_theme *th)
{
	const vxu_layout *L = &st->lay;
	if (st->message[0]) {
		put_words(w, L->msg_row, 1, L->cols - 2, st->message,
		          st->msg_kind == VXU_MSG_ERROR ? th->error : th->msg, st->utf8);
		return;
	}
	/* No message: the keys, or a pointer to the rest of a long step; a step
	 * that asks something says which key answers */
	int more = st->scroll < vxu_scroll_max(st);
	if (st->doc && st->doc->nquiz) {
		const char *h = more ? U(st, "↓ PgDn: more   i answer the question   → next   q quit",
		                          "PgDn: more   i answer the question   Right: next   q quit")
		                     : U(st, "i answer the question   → next step   ? every key   q quit",
		                          "i answer the question   Right: next step   ? every key   q quit");
		put(w, L->msg_row, 1, L->cols - 2, h, th->hint, st->utf8);
		return;
	}
	put(w, L->msg_row, 1, L->cols - 2, vxu_hint(st->utf8, L->cols, more), th->hint, st->utf8);
}

static void draw_box(WINDOW *w, int y, int x, int h, int wd, attr_t a, int utf8)
{
	const char *tl = utf8 ? "┌" : "+", *tr = utf8 ? "┐" : "+", *bl = utf8 ? "└" : "+",
	           *br = utf8 ? "┘" : "+", *hz = utf8 ? "─" : "-", *vt = utf8 ? "│" : "|";
	put(w, y, x, 1, tl, a, utf8);
	fill(w, y, x + 1, wd - 2, hz, a, utf8);
	put(w, y, x + wd - 1, 1, tr, a, utf8);
	for (int i = 1; i < h - 1; i++) {
		put(w, y + i, x, 1, vt, a, utf8);
		fill(w, y + i, x + 1, wd - 2, " ", A_NORMAL, utf8);
		put(w, y + i, x + wd - 1, 1, vt, a, utf8);
	}
	put(w, y + h - 1, x, 1, bl, a, utf8);
	fill(w, y + h - 1, x + 1, wd - 2, hz, a, utf8);
	put(w, y + h - 1, x + wd - 1, 1, br, a, utf8);
}

/* The verdict on an answer, in a box above the status line: right (and the
 * reason), wrong (and the hint), or the answer asked for (and the reason). */
static void draw_verdict(WINDOW *w, const vxu_state *st, const vxu_theme *th)
{
	const vxu_quiz *qz = &st->quiz;
	const vxu_layout *L = &st->lay;
	const vxt_quiz *z = &qz->doc->quiz[qz->q];
	const vxt_line *lines = qz->mode == VXU_QZ_WRONG ? z->hint : z->reason;
	size_t n = qz->mode == VXU_QZ_WRONG ? z->nhint : z->nreason;
	int room = L->status_row - 1;   /* the title bar stays */
	int h = (int)n + 3;
	if (h > room)
		h = room;
	int top = L->status_row - h;
	draw_box(w, top, 0, h, L->cols, th->role[VXT_HEADING], st->utf8);
	char title[64];
	snprintf(title, sizeof title, " Question %zu ", z->q.number);
	put(w, top, 2, L->cols - 4, title, th->role[VXT_HEADING], st->utf8);
	char head[256];
	attr_t a;
	if (qz->mode == VXU_QZ_RIGHT) {
		snprintf(head, sizeof head, "%s Right: %s.", U(st, "✓", "+"), z->q.shown);
		a = th->role[VXT_GOOD];
	} else if (qz->mode == VXU_QZ_WRONG) {
		snprintf(head, sizeof head, "%s %s is not right. Hint:", U(st, "✗", "x"), qz->said);
		a = th->role[VXT_BAD];
	} else {
		snprintf(head, sizeof head, "The answer is %s.", z->q.shown);
		a = th->role[VXT_STRONG];
	}
	put(w, top + 1, 2, L->cols - 4, head, a, st->utf8);
	for (size_t i = 0; i < n && (int)i + 2 < h - 1; i++)
		put_line(w, top + 2 + (int)i, 2, L->cols - 4, &lines[i], th, st->utf8, 0);
}

/* The answer line, or the keys that go with a verdict, on the message row. */
static void draw_quiz_line(WINDOW *w, const vxu_state *st, const vxu_theme *th)
{
	const vxu_quiz *qz = &st->quiz;
	const vxu_layout *L = &st->lay;
	fill(w, L->msg_row, 0, L->cols, " ", A_NORMAL, st->utf8);
	/* what an unreadable answer should have been, or the progress file's
	 * trouble, until the next key: beside the open answer line when both
	 * fit, so that the student sees where the next keys go */
	if (st->message[0]) {
		attr_t ma = st->msg_kind == VXU_MSG_ERROR ? th->error : th->msg;
		if (qz->mode == VXU_QZ_TYPING && qz->len == 0) {
			char lead[48];
			snprintf(lead, sizeof lead, "Question %zu, your answer: ", qz->number);
			int need = vxr_u8_width(lead) + 3 + vxr_u8_width(st->message);
			if (need <= L->cols - 2) {
				int x = 1 + put(w, L->msg_row, 1, L->cols - 2, lead, th->role[VXT_HEADING], st->utf8);
				x += put(w, L->msg_row, x, 1, " ", A_REVERSE, st->utf8);
				put(w, L->msg_row, x + 2, L->cols - 3 - x, st->message, ma, st->utf8);
				return;
			}
		}
		put_words(w, L->msg_row, 1, L->cols - 2, st->message, ma, st->utf8);
		return;
	}
	if (qz->mode != VXU_QZ_TYPING) {
		/* i opens the step's next question, or this one again when it is
		 * the step's only one */
		const char *keys = qz->mode == VXU_QZ_WRONG ? "i try again   ! show the answer   Esc close"
		                   : qz->doc && qz->doc->nquiz > 1 ? "i next question   Esc close   other keys go on"
		                                                    : "i answer again   Esc close   other keys go on";
		put(w, L->msg_row, 1, L->cols - 2, keys, th->hint, st->utf8);
		return;
	}
	char lead[48];
	snprintf(lead, sizeof lead, "Question %zu, your answer: ", qz->number);
	const char *tail = "   Enter judges, Esc cancels";
	int x = 1 + put(w, L->msg_row, 1, L->cols - 2, lead, th->role[VXT_HEADING], st->utf8);
	/* the end of a long answer stays in sight, whole characters of it */
	int room = L->cols - 2 - x - (int)strlen(tail) - 1;
	const char *shown = qz->line;
	if (room < 8)
		room = L->cols - 2 - x - 1;
	while (room > 0 && vxr_u8_width(shown) > room) {
		uint32_t cp;
		shown += vxr_u8_next(shown, &cp);
	}
	x += put(w, L->msg_row, x, room > 0 ? room : 0, shown, th->role[VXT_NUMBER], st->utf8);
	x += put(w, L->msg_row, x, 1, " ", A_REVERSE, st->utf8);   /* the cursor */
	if (x + (int)strlen(tail) < L->cols - 1)
		put(w, L->msg_row, x, L->cols - 1 - x, tail, th->hint, st->utf8);
}

static void draw_help(WINDOW *w, const vxu_state *st, const vxu_theme *th)
{
	size_t n;
	const vxu_help_entry *e = vxu_help(st->utf8, &n);
	int rows = st->lay.rows, cols = st->lay.cols;
	/* One column when it fits; else two, and the section headings go. */
	int ncol = (int)n + 2 <= rows ? 1 : 2;
	size_t nent = 0;
	for (size_t i = 0; i < n; i++)
		if (ncol == 1 || e[i].keys)
			nent++;
	int per = ncol == 1 ? (int)nent : (int)(nent + 1) / 2;
	/* Columns as wide as the longest keys and text, as far as the screen allows. */
	int keyw = 0, whatw = 0;
	for (size_t i = 0; i < n; i++) {
		const char *what = ncol == 1 ? e[i].what : e[i].brief;
		if (ncol == 2 && !e[i].keys)
			continue;
		const char *keys = ncol == 2 && e[i].kbrief ? e[i].kbrief : e[i].keys;
		int kw = keys ? vxr_u8_width(keys) : 0, ww = vxr_u8_width(what) - (e[i].keys ? 0 : 2);
		keyw = kw > keyw ? kw : keyw;
		whatw = ww > whatw ? ww : whatw;
	}
	keyw += 2;
	if (ncol == 2 && keyw + whatw + 3 > (cols - 2) / 2)
		whatw = (cols - 2) / 2 - keyw - 3;   /* keys first: a shortened word still reads */
	int colw = ncol == 1 ? 1 + keyw + whatw + 2 : (cols - 2) / 2;
	if (ncol == 1 && colw > cols - 2)
		colw = cols - 2;
	if (keyw > colw / 2)
		keyw = colw / 2;
	int bw = ncol * colw + 2;
	if (bw > cols)
		bw = cols;
	int bh = per + 2;
	if (bh > rows)
		bh = rows;
	int by = (rows - bh) / 2, bx = (cols - bw) / 2;
	draw_box(w, by, bx, bh, bw, th->role[VXT_HEADING], st->utf8);
	put(w, by, bx + 2, bw - 4, " vanex keys ", th->role[VXT_HEADING], st->utf8);
	const char *foot = " any key closes, q quits ";
	int fl = (int)strlen(foot);
	if (bw - 4 > fl)
		put(w, by + bh - 1, bx + bw - 2 - fl, fl, foot, th->role[VXT_DIM], st->utf8);
	int row = 0, col = 0;
	for (size_t i = 0; i < n; i++) {
		if (ncol == 2 && !e[i].keys)
			continue;
		int y = by + 1 + row, x = bx + 1 + col * colw + 1;
		if (y >= by + bh - 1)
			break;
		if (!e[i].keys) {
			put(w, y, x, colw - 2, e[i].what, th->role[VXT_HEADING], st->utf8);
		} else {
			put(w, y, x + 1, keyw - 1, ncol == 2 && e[i].kbrief ? e[i].kbrief : e[i].keys,
			    th->role[VXT_NUMBER], st->utf8);
			put(w, y, x + 1 + keyw, colw - keyw - 3, ncol == 1 ? e[i].what : e[i].brief, A_NORMAL,
			    st->utf8);
		}
		if (++row >= per) {
			row = 0;
			col++;
		}
	}
}

void vxu_draw(WINDOW *w, const vxu_state *st, const vxu_theme *th)
{
	werase(w);
	if (st->lay.too_small) {
		draw_too_small(w, st, th);
	} else {
		draw_title(w, st, th);
		draw_body(w, st, th);
		draw_panel(w, st, th);
		draw_status(w, st, th);
		/* the answer line stays while its step is laid out anew (a resize) */
		if (st->quiz.mode == VXU_QZ_TYPING ||
		    (st->quiz.mode != VXU_QZ_IDLE && st->quiz.doc == st->doc && st->doc)) {
			if (st->quiz.mode != VXU_QZ_TYPING)
				draw_verdict(w, st, th);
			draw_quiz_line(w, st, th);
		} else {
			draw_message(w, st, th);
		}
		if (st->overlay == VXU_OV_HELP)
			draw_help(w, st, th);
	}
	wnoutrefresh(w);
}

/* ====================================================================
 * Keys
 * ==================================================================== */

int vxu_key_from_curses(int ch)
{
	switch (ch) {
	case KEY_UP: return VXU_K_UP;
	case KEY_DOWN: return VXU_K_DOWN;
	case KEY_LEFT: return VXU_K_LEFT;
	case KEY_RIGHT: return VXU_K_RIGHT;
	case KEY_PPAGE: return VXU_K_PGUP;
	case KEY_NPAGE: return VXU_K_PGDN;
	case KEY_HOME: case KEY_A1: return VXU_K_HOME;
	case KEY_END: case KEY_C1: return VXU_K_END;
	case KEY_ENTER: case '\n': case '\r': return VXU_K_ENTER;   /* goes on, as in a pager, or judges */
	case KEY_BACKSPACE: case 127: case 8: return VXU_K_BACKSPACE;
	default:
		if (ch >= 0 && ch < 256)
			return ch;
		return -1;
	}
}
