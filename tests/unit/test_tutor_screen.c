/*
 * test_tutor_screen.c — the tutor's screens drawn off-screen and read back
 * as text (STYLE.md: tig).  curses runs on newterm() over /dev/null with a
 * fixed size; each row is read back with mvwin_wchnstr and compared with a
 * golden screen under tests/golden/screens/.  VANEX_UPDATE_GOLDEN=1 (make
 * update-golden) rewrites the golden files for review (golden.h).
 */
#include <criterion/criterion.h>
#include <gsl/gsl_errno.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include "tui/tutor_draw.h"
#include "tui/tutor_state.h"
#include "golden.h"

#define GOLDEN_DIR "tests/golden/screens"

static vxu_state st;
static vxu_progress student;   /* a student's progress, empty: the screens show the count */
static SCREEN *scr;
static FILE *fout, *fin;
static WINDOW *win;
static vxu_theme th;

/* An off-screen terminal of rows×cols and a tutor state for it, with the
 * given parameters (NULL: the defaults). */
static void open_screen_with(const vx_params *given, int rows, int cols, int utf8, int color)
{
	gsl_set_error_handler_off();
	setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
	cr_assert_not_null(setlocale(LC_ALL, utf8 ? "C.UTF-8" : "C"), "locale");
	vx_params p;
	vx_params_default(&p);
	if (given)
		p = *given;
	vx_error err = { 0 };
	cr_assert_eq(vxu_state_init(&st, &p, 0, utf8, rows, cols, &err), VX_OK, "%s", err.msg);
	memset(&student, 0, sizeof student);
	st.prog = &student;
	vxu_resize(&st, rows, cols);
	fout = fopen("/dev/null", "w");
	fin = fopen("/dev/null", "r");
	scr = newterm("xterm-256color", fout, fin);
	cr_assert_not_null(scr, "newterm on /dev/null");
	resizeterm(rows, cols);
	win = newwin(rows, cols, 0, 0);
	cr_assert_not_null(win);
	vxu_theme_init(&th, color);
}

static void open_screen(int rows, int cols, int utf8, int color)
{
	open_screen_with(NULL, rows, cols, utf8, color);
}

static void close_screen(void)
{
	if (win)
		delwin(win);
	if (scr) {
		endwin();
		delscreen(scr);
	}
	if (fout)
		fclose(fout);
	if (fin)
		fclose(fin);
	vxu_state_free(&st);
	win = NULL;
	scr = NULL;
	fout = fin = NULL;
}

TestSuite(tutor_screen, .fini = close_screen);

/* The window as text: one line per row, UTF-8, trailing blanks dropped. */
static char *dump(void)
{
	int rows = getmaxy(win), cols = getmaxx(win);
	size_t cap = (size_t)rows * ((size_t)cols * 4 + 1) + 1, len = 0;
	char *out = malloc(cap);
	cchar_t *cells = malloc(((size_t)cols + 1) * sizeof *cells);
	for (int y = 0; y < rows; y++) {
		int n = mvwin_wchnstr(win, y, 0, cells, cols);
		cr_assert_neq(n, ERR, "read row %d", y);
		size_t start = len, last = len;
		mbstate_t ms;
		memset(&ms, 0, sizeof ms);
		for (int x = 0; x < cols; x++) {
			wchar_t wc[CCHARW_MAX + 1];
			attr_t a;
			short pair;
			if (getcchar(&cells[x], wc, &a, &pair, NULL) == ERR || wc[0] == 0)
				continue;   /* the right half of a wide character */
			for (int i = 0; wc[i] && i < CCHARW_MAX; i++) {
				char mb[MB_LEN_MAX];
				size_t k = wcrtomb(mb, wc[i], &ms);
				if (k == (size_t)-1) {
					mb[0] = '?';
					k = 1;
				}
				memcpy(out + len, mb, k);
				len += k;
			}
			if (!(wc[0] == L' ' && wc[1] == 0))
				last = len;
		}
		(void)start;
		len = last;
		out[len++] = '\n';
	}
	out[len] = '\0';
	free(cells);
	return out;
}

static char *draw_and_dump(void)
{
	vxu_update(&st);
	vxu_draw(win, &st, &th);
	return dump();
}

/* Compares text with the golden screen `name` (golden.h). */
static void golden(const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof path, GOLDEN_DIR "/%s", name);
	golden_check(path, text);
}

static int line_count(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* ---------------------------------------------------------------- goldens */

Test(tutor_screen, every_step_at_80x24_matches_its_golden_screen)
{
	open_screen(24, 80, 1, 1);
	for (size_t i = 0; i < st.nsteps; i++) {
		st.step = i;
		st.scroll = 0;
		st.dirty |= VXU_DIRTY_DOC;
		char *s = draw_and_dump();
		cr_assert_eq(line_count(s), 24, "24 rows");
		char name[32], prog[32];
		snprintf(prog, sizeof prog, "step %zu/%zu", i + 1, st.nsteps);
		cr_expect(strstr(s, prog) != NULL, "step %zu shows '%s'", i + 1, prog);
		cr_expect(strstr(s, "tanh") && strstr(s, "d=8") && strstr(s, "T=50") && strstr(s, "t=50")
		          && strstr(s, "k=1") && strstr(s, "λ=0.8") && strstr(s, "γ=1") && strstr(s, "γλ=0.8")
		          && strstr(s, "seed=1"),
		          "step %zu: the status line shows every parameter:\n%s", i + 1, s);
		snprintf(name, sizeof name, "step%02zu.txt", i + 1);
		golden(name, s);
		free(s);
	}
}

/* Keys typed into the state as the tutor passes them on. */
static void type(const char *s)
{
	for (; *s; s++)
		vxu_key(&st, (unsigned char)*s);
}

/* Step 11 at 80x24, its question's answer line open with `typed` in it. */
static void answer_step11(const char *typed)
{
	open_screen(24, 80, 1, 1);
	st.step = 10;
	st.dirty |= VXU_DIRTY_DOC;
	vxu_update(&st);
	vxu_key(&st, 'i');
	type(typed);
}

/* Step 11's question at 80x24: the answer line, a wrong answer with the
 * hint, the right one (the network's own ‖∂s_50/∂s_47‖₂ to two digits) with
 * the reason, and the count on the status line. */
Test(tutor_screen, a_question_answered_wrong_then_right)
{
	answer_step11("0.5");
	char *s = draw_and_dump();
	cr_expect(strstr(s, "Question 6, your answer: 0.5") != NULL, "%s", s);
	golden("quiz-typing.txt", s);
	free(s);
	vxu_key(&st, VXU_K_ENTER);
	s = draw_and_dump();
	cr_expect(strstr(s, "0.5 is not right. Hint:") != NULL, "%s", s);
	cr_expect(strstr(s, "0/8 right") != NULL, "a wrong answer is not counted right:\n%s", s);
	golden("quiz-wrong.txt", s);
	free(s);
	char right[32];
	snprintf(right, sizeof right, "%.1e", st.result->paths[46].norm.value);
	vxu_key(&st, 'i');
	type(right);
	vxu_key(&st, VXU_K_ENTER);
	s = draw_and_dump();
	cr_expect(strstr(s, "Right: ") != NULL, "%s for %s", s, right);
	cr_expect(strstr(s, "1/8 right") != NULL, "the right one is:\n%s", s);
	golden("quiz-right.txt", s);
	free(s);
	cr_expect_eq(vxu_progress_right(&student, st.net_key), 1);
	vxu_progress_clear(&student);
}

/* A resize while an answer is typed lays the step out anew: what is typed
 * stays, and Enter judges it against the new layout's question. */
Test(tutor_screen, a_resize_keeps_the_answer_being_typed)
{
	answer_step11("0.5");
	const vxt_doc *before = st.doc;
	resizeterm(30, 100);
	wresize(win, 30, 100);
	vxu_resize(&st, 30, 100);
	char *s = draw_and_dump();
	cr_expect(st.doc != before || st.doc == NULL, "the step was laid out anew");
	cr_expect(strstr(s, "Question 6, your answer: 0.5") != NULL, "%s", s);
	free(s);
	vxu_key(&st, VXU_K_ENTER);
	s = draw_and_dump();
	cr_expect(strstr(s, "0.5 is not right. Hint:") != NULL, "%s", s);
	free(s);
	/* q quits from the answer line too: no answer holds a q */
	vxu_key(&st, 'i');
	cr_expect_eq(st.quiz.mode, VXU_QZ_TYPING);
	cr_expect_eq(vxu_key(&st, 'q'), VXU_QUIT);
	vxu_progress_clear(&student);
}

/* The count of answers on the status line gives way before any parameter's
 * name is shortened: at 80x24 in UTF-8 both fit.  In ASCII, where the full
 * names (lambda, gamma*lambda) would never leave it room at 80 columns, it
 * stays beside the short names (lam, gam*lam) and gives way, at 70, before
 * the shortest (l, gl). */
Test(tutor_screen, the_count_of_answers_gives_way_to_the_names)
{
	open_screen(24, 80, 1, 1);
	char *s = draw_and_dump();
	cr_expect(strstr(s, "λ=0.8") && strstr(s, "0/8 right"), "%s", s);
	free(s);
	close_screen();
	open_screen(24, 80, 0, 1);
	s = draw_and_dump();
	cr_expect(strstr(s, " lam=0.8") && strstr(s, " gam=1") && strstr(s, " gam*lam=0.8") && strstr(s, "seed=1") &&
	          strstr(s, "0/8 right"), "%s", s);
	free(s);
	close_screen();
	open_screen(24, 70, 0, 1);
	s = draw_and_dump();
	cr_expect(strstr(s, " lam=0.8") && strstr(s, " gam*lam=0.8") && strstr(s, "8 right") == NULL, "%s", s);
	free(s);
}

Test(tutor_screen, help_overlay_80x24)
{
	open_screen(24, 80, 1, 1);
	st.overlay = VXU_OV_HELP;
	char *s = draw_and_dump();
	size_t n;
	const vxu_help_entry *h = vxu_help(1, &n);
	for (size_t i = 0; i < n; i++) {
		cr_expect(strstr(s, h[i].what) != NULL, "the help shows '%s'", h[i].what);
		if (h[i].keys)
			cr_expect(strstr(s, h[i].keys) != NULL, "the help shows the keys '%s'", h[i].keys);
	}
	golden("help.txt", s);
	free(s);
}

Test(tutor_screen, help_overlay_at_the_minimum_size)
{
	open_screen(VXU_MIN_ROWS, VXU_MIN_COLS, 1, 1);
	st.overlay = VXU_OV_HELP;
	char *s = draw_and_dump();
	const char *must[] = { "quit", "next", "previous", "hidden d", "handout", "λ ×1.1 ÷1.1", "Esc" };
	for (size_t i = 0; i < sizeof must / sizeof must[0]; i++)
		cr_expect(strstr(s, must[i]) != NULL, "the small help still shows '%s':\n%s", must[i], s);
	free(s);
}

Test(tutor_screen, too_small_40x12)
{
	open_screen(12, 40, 1, 1);
	char *s = draw_and_dump();
	cr_expect(strstr(s, "terminal too small (40x12)") != NULL, "the message names the size:\n%s", s);
	cr_expect(strstr(s, "q quits") != NULL, "and how to quit");
	cr_expect(strstr(s, "60x16") != NULL, "and the minimum");
	golden("too-small-40x12.txt", s);
	free(s);
}

Test(tutor_screen, tiny_screens_do_not_crash)
{
	int sizes[][2] = { { 1, 1 }, { 2, 10 }, { 5, 5 }, { 15, 59 }, { 16, 60 } };
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		open_screen(sizes[i][0], sizes[i][1], 1, 1);
		char *s = draw_and_dump();
		cr_expect_eq(line_count(s), sizes[i][0]);
		free(s);
		close_screen();
	}
}

Test(tutor_screen, wide_screen_uses_the_room)
{
	open_screen(60, 200, 1, 1);
	for (size_t i = 0; i < st.nsteps; i++) {
		st.step = i;
		st.dirty |= VXU_DIRTY_DOC;
		char *s = draw_and_dump();
		cr_expect_eq(line_count(s), 60);
		/* The side panel's separator runs down the screen. */
		int bars = 0;
		for (const char *p = s; (p = strstr(p, "│")) != NULL; p++)
			bars++;
		cr_expect_geq(bars, 50, "step %zu: a side panel at 200x60", i + 1);
		cr_expect(strstr(s, "live") != NULL, "step %zu: the panel is there", i + 1);
		free(s);
	}
}

Test(tutor_screen, ascii_mode_writes_only_ascii)
{
	open_screen(24, 80, 0, 1);
	for (size_t i = 0; i < st.nsteps; i++) {
		st.step = i;
		st.dirty |= VXU_DIRTY_DOC;
		for (int ov = 0; ov < 2; ov++) {
			st.overlay = ov ? VXU_OV_HELP : VXU_OV_NONE;
			char *s = draw_and_dump();
			for (const unsigned char *c = (const unsigned char *)s; *c; c++)
				cr_assert_lt(*c, 0x80, "step %zu%s: non-ASCII byte 0x%02x in:\n%s", i + 1,
				             ov ? " (help)" : "", *c, s);
			if (!ov)
				cr_expect(strstr(s, "lam=0.8") != NULL, "ASCII status names lambda:\n%s", s);
			free(s);
		}
	}
}

Test(tutor_screen, monochrome_uses_attributes_only)
{
	open_screen(24, 80, 1, 0);
	cr_expect_eq(th.color, 0, "no colours when not asked");
	for (int r = 0; r < VXT_ROLE_COUNT; r++) {
		attr_t a = th.role[r];
		cr_expect_eq(PAIR_NUMBER(a), 0, "role %d uses no colour pair", r);
		cr_expect_eq(a & ~(attr_t)(A_BOLD | A_UNDERLINE | A_REVERSE), 0,
		             "role %d: bold/underline/reverse only", r);
	}
	cr_expect(th.status & A_REVERSE, "the status line is reversed");
	char *s = draw_and_dump();
	/* Row 0 (the title bar) is drawn in reverse. */
	cchar_t c;
	mvwin_wch(win, 0, 2, &c);
	wchar_t wc[CCHARW_MAX + 1];
	attr_t a;
	short pair;
	getcchar(&c, wc, &a, &pair, NULL);
	cr_expect(a & A_REVERSE, "title bar reversed in monochrome");
	cr_expect_eq(pair, 0, "and without colour");
	free(s);
}

Test(tutor_screen, colour_theme_has_pairs_when_the_terminal_does)
{
	open_screen(24, 80, 1, 1);
	cr_assert(has_colors(), "xterm-256color (ncurses-base) without colours");
	cr_expect_eq(th.color, 1);
	cr_expect_neq(PAIR_NUMBER(th.role[VXT_HEADING]), 0, "headings coloured");
	cr_expect_neq(PAIR_NUMBER(th.role[VXT_SERIES1]), PAIR_NUMBER(th.role[VXT_SERIES3]),
	              "actual and bound in different colours");
}

Test(tutor_screen, message_and_error_lines)
{
	open_screen(24, 80, 1, 1);
	vxu_key(&st, '+');
	char *s = draw_and_dump();
	cr_expect(strstr(s, "λ = 0.88") != NULL, "the λ change (0.8 × 1.1) is announced:\n%s", s);
	cr_expect(strstr(s, "λ=0.88") != NULL, "and the status line shows it at once");
	free(s);
	vxu_message(&st, VXU_MSG_ERROR, "not changed: something failed");
	s = draw_and_dump();
	cr_expect(strstr(s, "not changed: something failed") != NULL);
	free(s);
}

Test(tutor_screen, scroll_marks_and_hint)
{
	open_screen(VXU_MIN_ROWS, VXU_MIN_COLS, 1, 1);
	size_t best = 0;
	for (size_t i = 0; i < st.nsteps; i++) {
		st.step = i;
		st.dirty |= VXU_DIRTY_DOC;
		vxu_update(&st);
		if (vxu_scroll_max(&st) > 0) {
			best = i + 1;
			break;
		}
	}
	cr_assert_gt(best, 0, "some step is longer than the minimum screen");
	char *s = draw_and_dump();
	cr_expect(strstr(s, "▼") != NULL, "a mark says there is more below:\n%s", s);
	cr_expect(strstr(s, "PgDn") != NULL, "and the hint line says how to get there");
	free(s);
	vxu_key(&st, VXU_K_DOWN);
	s = draw_and_dump();
	cr_expect(strstr(s, "▲") != NULL, "scrolled: a mark says there is more above:\n%s", s);
	free(s);
}

/* Whether the cell at (y, x) holds the character c. */
static int cell_is(int y, int x, wchar_t c)
{
	cchar_t cc;
	if (mvwin_wch(win, y, x, &cc) == ERR)
		return 0;
	wchar_t wc[CCHARW_MAX + 1];
	attr_t a;
	short pair;
	return getcchar(&cc, wc, &a, &pair, NULL) != ERR && wc[0] == c;
}

/* Every page of every step, at the minimum size, 80x24, 100x30 (a strip
 * under the text), 90x40 (a panel below) and 130x40 (a panel beside): the
 * column left of the scroll marks is blank on every row of the text, so no
 * word runs into a mark (step 15's "... every singular value equal" ended
 * in the column before the ▲ at 80x24). */
Test(tutor_screen, text_leaves_a_blank_column_before_the_scroll_marks)
{
	static const int sizes[][2] = { { VXU_MIN_ROWS, VXU_MIN_COLS }, { 24, 80 }, { 30, 100 }, { 40, 90 }, { 40, 130 } };
	for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
		int rows = sizes[z][0], cols = sizes[z][1];
		open_screen(rows, cols, 1, 1);
		int marks = 0;
		for (size_t i = 0; i < st.nsteps; i++) {
			st.step = i;
			st.scroll = 0;
			st.dirty |= VXU_DIRTY_DOC;
			vxu_update(&st);
			for (;;) {
				free(draw_and_dump());
				const vxu_layout *L = &st.lay;
				int top = L->body_top, bottom = L->body_top + L->body_rows - 1;
				for (int x = 1; x < cols; x++) {
					if (!cell_is(top, x, L'▲') && !cell_is(bottom, x, L'▼'))
						continue;
					marks++;
					for (int y = top; y <= bottom; y++)
						cr_expect(cell_is(y, x - 1, L' '),
						          "%dx%d, step %zu scrolled by %zu: row %d has text in column %d, "
						          "right before the scroll mark in column %d", cols, rows, i + 1,
						          st.scroll, y, x - 1, x);
				}
				size_t max = vxu_scroll_max(&st);
				if (st.scroll >= max)
					break;
				st.scroll = st.scroll + (size_t)L->body_rows < max ? st.scroll + (size_t)L->body_rows : max;
			}
		}
		cr_expect_gt(marks, 0, "%dx%d: some step scrolls, so a mark is drawn", cols, rows);
		close_screen();
	}
}

Test(tutor_screen, curses_keys_translate)
{
	cr_expect_eq(vxu_key_from_curses(KEY_LEFT), VXU_K_LEFT);
	cr_expect_eq(vxu_key_from_curses(KEY_RIGHT), VXU_K_RIGHT);
	cr_expect_eq(vxu_key_from_curses(KEY_UP), VXU_K_UP);
	cr_expect_eq(vxu_key_from_curses(KEY_DOWN), VXU_K_DOWN);
	cr_expect_eq(vxu_key_from_curses(KEY_PPAGE), VXU_K_PGUP);
	cr_expect_eq(vxu_key_from_curses(KEY_NPAGE), VXU_K_PGDN);
	cr_expect_eq(vxu_key_from_curses(KEY_HOME), VXU_K_HOME);
	cr_expect_eq(vxu_key_from_curses(KEY_END), VXU_K_END);
	cr_expect_eq(vxu_key_from_curses(27), VXU_K_ESC);
	cr_expect_eq(vxu_key_from_curses(12), VXU_K_CTRL_L);
	cr_expect_eq(vxu_key_from_curses('\n'), VXU_K_ENTER, "Enter goes on, or judges an answer");
	cr_expect_eq(vxu_key_from_curses('+'), '+');
	cr_expect_eq(vxu_key_from_curses(KEY_F(5)), -1, "unbound function keys are dropped");
}

/* A product of Jacobians that is exactly 0 (linear, W strictly upper
 * triangular: W⁴ = 0): the rate panel gives μ = −∞ as exact, not as an
 * estimate "≈ −∞ per step (×0)". */
Test(tutor_screen, rate_panel_of_a_product_exactly_zero)
{
	char path[] = "/tmp/vanex-nil-XXXXXX.csv";
	int fd = mkstemps(path, 4);
	cr_assert_geq(fd, 0);
	FILE *f = fdopen(fd, "w");
	fprintf(f, "0,1,2,0\n0,0,1,3\n0,0,0,1\n0,0,0,0\n");
	fclose(f);
	for (int utf8 = 1; utf8 >= 0; utf8--) {
		vx_params p;
		vx_params_default(&p);
		vx_error err = { 0 };
		cr_assert_eq(vx_params_set(&p, "weights", path, &err), VX_OK, "%s", err.msg);
		cr_assert_eq(vx_params_set(&p, "act", "linear", &err), VX_OK, "%s", err.msg);
		open_screen_with(&p, 24, 80, utf8, 1);
		st.view = VXU_VIEW_LYAP;
		st.dirty |= VXU_DIRTY_DOC;
		char *s = draw_and_dump();
		cr_expect_eq(st.result->lyap_max, -INFINITY, "W^4 = 0: exponent -inf");
		cr_expect(strstr(s, utf8 ? "μ = −∞" : "mu = -inf") != NULL, "μ = −∞ named as exact:\n%s", s);
		cr_expect(strstr(s, utf8 ? "product of the Jⱼ is exactly 0" : "product of the J_j is exactly 0") != NULL,
		          "says why:\n%s", s);
		cr_expect(strstr(s, utf8 ? "(×0)" : "(x0)") == NULL, "no factor ×0 per step:\n%s", s);
		free(s);
		close_screen();
	}
	unlink(path);
}

/* Step 5's question asks which unit has the smallest σ′(a_t); with more
 * units than the σ′ view's width shows, the view names it: the first unit
 * at the smallest 1 − tanh²(a_t,i), computed here from the forward pass's a. */
Test(tutor_screen, the_sigma_view_names_the_smallest_unit_it_cannot_show)
{
	vx_params p;
	vx_params_default(&p);
	vx_error err = { 0 };
	cr_assert_eq(vx_params_set(&p, "hidden", "64", &err), VX_OK, "%s", err.msg);
	cr_assert_eq(vx_params_set(&p, "steps", "30", &err), VX_OK, "%s", err.msg);
	for (int rows = 24; rows <= 40; rows += 16) {
		open_screen_with(&p, rows, 80, 1, 1);
		st.view = VXU_VIEW_DACT;
		st.dirty |= VXU_DIRTY_DOC;
		char *s = draw_and_dump();
		size_t t = st.result->t, lo = 0;
		double low = INFINITY;
		for (size_t i = 0; i < 64; i++) {
			double c = cosh(gsl_matrix_get(st.result->a, t - 1, i)), dv = 1 / (c * c);
			if (dv < low) {
				low = dv;
				lo = i;
			}
		}
		char want[64];
		snprintf(want, sizeof want, "(unit %zu), largest", lo + 1);
		cr_expect(strstr(s, "more)") != NULL, "64 units do not all fit 80 columns:\n%s", s);
		cr_expect(strstr(s, want) != NULL, "names unit %zu (σ′ = %.3g) as the smallest:\n%s", lo + 1, low, s);
		free(s);
		close_screen();
	}
}

/* The attributes of the cell at (y, x). */
static attr_t cell_attr(int y, int x)
{
	cchar_t c;
	mvwin_wch(win, y, x, &c);
	wchar_t wc[CCHARW_MAX + 1];
	attr_t a;
	short pair;
	getcchar(&c, wc, &a, &pair, NULL);
	return a;
}

/* The column of the first cell of row y that starts `text`, or -1. */
static int column_of(int y, const char *text)
{
	char *s = dump();
	const char *row = s;
	for (int i = 0; i < y && row; i++)
		row = strchr(row, '\n') ? strchr(row, '\n') + 1 : NULL;
	int col = -1;
	const char *hit = row ? strstr(row, text) : NULL;
	const char *eol = row ? strchr(row, '\n') : NULL;
	if (hit && (!eol || hit < eol)) {
		col = 0;   /* columns, not bytes: count the characters before it */
		for (const char *p = row; p < hit; p += mblen(p, MB_CUR_MAX) > 0 ? mblen(p, MB_CUR_MAX) : 1)
			col++;
	}
	free(s);
	return col;
}

/* A key that asks for a new network draws at once: the previous numbers,
 * dimmed, "updating…" on the status line, what was asked (λ and d) shown
 * plainly; once computed, nothing dimmed and no note. */
Test(tutor_screen, the_previous_numbers_are_dimmed_while_updating)
{
	open_screen(24, 80, 1, 1);
	vxu_key(&st, '+');
	vxu_key(&st, 'D');
	vxu_draw(win, &st, &th);   /* no vxu_update: the frame a key gets at once */
	char *s = dump();
	cr_expect(strstr(s, "updating…") != NULL, "the status line says it is updating:\n%s", s);
	cr_expect(strstr(s, "d=12") != NULL, "d as asked:\n%s", s);
	cr_expect(strstr(s, "λ=0.88 ") != NULL, "λ as asked:\n%s", s);
	free(s);
	int status = 22, lx = column_of(status, "λ=0.88 ");
	cr_assert_geq(lx, 0);
	cr_expect_not(cell_attr(status, lx + 2) & A_DIM, "λ, as asked, is not dimmed");
	int dx = column_of(status, "d=12");
	cr_assert_geq(dx, 0);
	cr_expect_not(cell_attr(status, dx + 2) & A_DIM, "d, as asked, is not");
	cr_expect(cell_attr(1, 2) & A_DIM, "the step's text is dimmed");
	cr_expect(cell_attr(st.lay.panel_top + 1, 2) & A_DIM, "so is the panel");

	char *done = draw_and_dump();
	cr_expect(strstr(done, "updating…") == NULL, "up to date:\n%s", done);
	cr_expect(strstr(done, "λ=0.88 ") && strstr(done, "d=12"), "the new numbers:\n%s", done);
	free(done);
	lx = column_of(status, "λ=0.88 ");
	cr_assert_geq(lx, 0);
	cr_expect_not(cell_attr(status, lx + 2) & A_DIM, "no longer dimmed");
	cr_expect_not(cell_attr(1, 2) & A_DIM, "nor the text");

	/* a step not laid out yet: its title at once, and a line saying so */
	vxu_key(&st, VXU_K_RIGHT);
	vxu_draw(win, &st, &th);
	s = dump();
	cr_expect(strstr(s, "step 2/") != NULL, "the step moves at once:\n%s", s);
	cr_expect(strstr(s, "laying out this step") != NULL, "its text is on its way:\n%s", s);
	free(s);
}

/* Step i (0-based) laid out and drawn. */
static char *step_screen(size_t i)
{
	st.step = i;
	st.dirty |= VXU_DIRTY_DOC;
	return draw_and_dump();
}

/* On a narrow screen what does not fit says so: step 4's title is cut at a
 * word with "…", step 11's chain elides its middle term as "≤ … ≤" (still
 * a true chain, the bound's value kept), and a line that drops a part ends
 * in " …" (the network view); step 11's first panel line keeps its reminder
 * of γλ without the value. */
Test(tutor_screen, a_narrow_screen_marks_what_it_leaves_out)
{
	open_screen(20, 60, 1, 1);
	char *s = step_screen(3);
	cr_expect(strstr(s, "│ Derivatives of vectors are…") != NULL, "the title cut at a word:\n%s", s);
	free(s);
	s = step_screen(10);
	cr_expect(strstr(s, "‖∂s₅₀/∂s₁‖ = 1.66×10⁻¹⁸ ≤ … ≤ (γλ)⁴⁹ = 1.78×10⁻⁵") != NULL, "the chain, elided:\n%s", s);
	cr_expect(strstr(s, "49 factors J₂ … J₅₀, each ‖Jⱼ‖ ≤ γλ\n") != NULL, "the reminder without its value:\n%s", s);
	free(s);
	vxu_key(&st, 'v');
	s = draw_and_dump();
	cr_expect(strstr(s, "this network") && strstr(s, "T = 50 steps …\n"), "a line that lost a part says so:\n%s", s);
	free(s);
}

/* In ASCII at 80x24, where the names are long, the chain keeps its three
 * terms under the status line's shorter names. */
Test(tutor_screen, the_ascii_chain_keeps_its_three_terms)
{
	open_screen(24, 80, 0, 1);
	char *s = step_screen(10);
	cr_expect(strstr(s, "||ds_50/ds_1|| = 1.66e-18 <= prod = 4.21e-09 <= (gam*lam)^49 = 1.78e-05") != NULL,
	          "the three terms:\n%s", s);
	free(s);
	/* a UTF-8 byte typed into the answer line of a terminal that is not in
	 * UTF-8 is not taken, and a message says what to type */
	vxu_update(&st);
	vxu_key(&st, 'i');
	vxu_key(&st, 0xc3);
	vxu_key(&st, 0x97);
	cr_expect_str_eq(st.quiz.line, "");
	cr_expect(strstr(st.message, "not in UTF-8") != NULL, "the message: '%s'", st.message);
}

/* An answer that is not of the kind asked: the line starts again empty and
 * stays in sight beside the message (step 2's whole number at 80x24), so
 * that the next key, an i meant to open the line again, is seen where it
 * goes; where the two do not fit (step 11's number), the message alone, cut
 * at a word with "…", and the line back at the next key. */
Test(tutor_screen, an_answer_of_the_wrong_kind_keeps_the_line_in_sight)
{
	open_screen(24, 80, 1, 1);
	st.step = 1;
	st.dirty |= VXU_DIRTY_DOC;
	vxu_update(&st);
	vxu_key(&st, 'i');
	type("fifty");
	vxu_key(&st, VXU_K_ENTER);
	char *s = draw_and_dump();
	const char *row = strstr(s, "Question 1, your answer:");
	cr_expect(row && strstr(row, "'fifty' is not an answer: type a whole number") &&
	          strchr(row, '\n') > strstr(row, "is not an answer"), "the line and the message on one row:\n%s", s);
	free(s);
	type("i");
	cr_expect_str_eq(st.quiz.line, "i", "the next key starts a new answer, not 'fiftyi'");
	s = draw_and_dump();
	cr_expect(strstr(s, "Question 1, your answer: i") != NULL, "%s", s);
	free(s);
	close_screen();

	answer_step11("1.2%");
	vxu_key(&st, VXU_K_ENTER);
	s = draw_and_dump();
	const char *m = strstr(s, " '1.2%' is not an answer: type a number to 2 significant digits");
	cr_expect(m != NULL, "the message:\n%s", s);
	if (m) {
		const char *end = strchr(m, '\n');
		cr_expect(end && end - m > 4 && strncmp(end - 3, "…", 3) == 0, "cut at a word with …:\n%s", s);
	}
	free(s);
	type("0");
	s = draw_and_dump();
	cr_expect(strstr(s, "Question 6, your answer: 0") != NULL, "the line back at the next key:\n%s", s);
	free(s);
}
