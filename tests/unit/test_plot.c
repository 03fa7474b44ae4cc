/*
 * test_plot.c — SVG and character-cell plots.
 *
 * Positions are checked against the mapping formula of plot.h computed
 * here, from the data, and read back from the drawing: Braille dots are
 * decoded with the bit layout of the Unicode standard (dots 1-8), not with
 * the code's table.
 */
#include <criterion/criterion.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/text/plot.h"
#include "test_proc.h"

/* ---- reading a cell plot back ------------------------------------------ */

typedef struct {
	int rows, cols;
	uint32_t *cp;   /* rows × cols code points */
} screen;

static uint32_t dec1(const unsigned char **p)
{
	const unsigned char *s = *p;
	uint32_t c;
	int l;
	if (s[0] < 0x80) { c = s[0]; l = 1; }
	else if ((s[0] & 0xE0) == 0xC0) { c = s[0] & 0x1F; l = 2; }
	else if ((s[0] & 0xF0) == 0xE0) { c = s[0] & 0x0F; l = 3; }
	else { c = s[0] & 0x07; l = 4; }
	for (int i = 1; i < l; i++) {
		cr_assert((s[i] & 0xC0) == 0x80, "invalid UTF-8 in the plot");
		c = (c << 6) | (s[i] & 0x3F);
	}
	*p = s + l;
	return c;
}

/* Splits the text into lines of code points; each line must hold exactly
 * cols of them (the contract that makes code point k column k). */
static screen parse_screen(const char *txt, int cols, int rows)
{
	screen sc = { rows, cols, calloc((size_t)rows * (size_t)cols, sizeof(uint32_t)) };
	const unsigned char *p = (const unsigned char *)txt;
	for (int r = 0; r < rows; r++) {
		int c = 0;
		while (*p && *p != '\n') {
			uint32_t cp = dec1(&p);
			cr_assert_lt(c, cols, "line %d is wider than %d columns", r, cols);
			sc.cp[r * cols + c++] = cp;
		}
		cr_assert_eq(c, cols, "line %d holds %d code points, want %d", r, c, cols);
		if (r + 1 < rows)
			cr_assert_eq(*p, '\n', "fewer than %d lines", rows);
		if (*p)
			p++;
	}
	cr_assert_eq(*p, '\0', "more than %d lines", rows);
	return sc;
}

static uint32_t at(const screen *s, int r, int c) { return s->cp[r * s->cols + c]; }

/* The plot area: columns right of the y axis, rows above the x axis. */
typedef struct {
	int gw, top, axr, pw, ph;
} area;

static area find_area(const screen *s, uint32_t corner, uint32_t vbar, uint32_t vtick)
{
	area a = { -1, -1, -1, 0, 0 };
	/* the x axis: a corner followed by nothing but rule and ticks to the end */
	for (int r = 0; r < s->rows && a.axr < 0; r++)
		for (int c = 0; c + 1 < s->cols && a.axr < 0; c++) {
			if (at(s, r, c) != corner)
				continue;
			int rule = 1, dashes = 0;
			for (int k = c + 1; k < s->cols; k++) {
				uint32_t ch = at(s, r, k);
				rule &= ch == '-' || ch == '+' || ch == 0x2500 || ch == 0x252C;
				dashes += ch == '-' || ch == 0x2500;
			}
			if (rule && dashes >= (s->cols - c) / 2) {
				a.axr = r;
				a.gw = c;
			}
		}
	cr_assert_geq(a.axr, 0, "no x axis found");
	a.top = a.axr;
	while (a.top > 0 && (at(s, a.top - 1, a.gw) == vbar || at(s, a.top - 1, a.gw) == vtick))
		a.top--;
	a.ph = a.axr - a.top;
	a.pw = s->cols - a.gw - 1;
	cr_assert_gt(a.ph, 1, "no plot rows");
	return a;
}

/* Unicode Braille: dots 1 2 3 7 down the left column, 4 5 6 8 down the right. */
static int braille_has(uint32_t cp, int dx, int dy)
{
	static const int bit[4][2] = { { 0, 3 }, { 1, 4 }, { 2, 5 }, { 6, 7 } };
	if (cp < 0x2800 || cp > 0x28FF)
		return 0;
	return ((cp - 0x2800) >> bit[dy][dx]) & 1;
}

/* Draws p in cells (cols × rows, Braille or ASCII) into *txt and reads it
 * back into *sc; returns its plot area. */
static area draw_cells(const vxp_plot *p, int cols, int rows, int utf8, char **txt, screen *sc)
{
	unsigned char *roles = NULL;
	cr_assert_eq(vxp_cells(p, cols, rows, utf8, txt, &roles), VX_OK);
	free(roles);
	*sc = parse_screen(*txt, cols, rows);
	return utf8 ? find_area(sc, 0x2514, 0x2502, 0x2524) : find_area(sc, '+', '|', '+');
}

/* ---- the line y = -0.3 x in log10 -------------------------------------- */

#define NLINE 21
static double lx[NLINE], ly[NLINE];

static vxp_plot line_plot(vxp_series *s)
{
	for (int i = 0; i < NLINE; i++) {
		lx[i] = i;
		ly[i] = -0.3 * i;   /* 1 down to 10^-6 */
	}
	*s = (vxp_series){ "y = 10^(-0.3x)", lx, ly, NLINE, 0, NULL, 0, 0, 0 };
	return (vxp_plot){ "a line", "x", "y", 1, s, 1, NULL, NULL, 0, NULL, NULL, NULL, NULL, 0 };
}

Test(cells, ascii_line_lands_on_the_mapped_cells)
{
	vxp_series s;
	vxp_plot p = line_plot(&s);
	int cols = 61, rows = 17;
	char *txt = NULL;
	unsigned char *roles = NULL;
	cr_assert_eq(vxp_cells(&p, cols, rows, 0, &txt, &roles), VX_OK);
	screen sc = parse_screen(txt, cols, rows);
	area a = find_area(&sc, '+', '|', '+');
	/* the axis range by the documented rule: x [0, 20], y [floor(-6), ceil(0)] */
	double xmin = 0, xmax = 20, ymin = -6, ymax = 0;
	for (int i = 0; i < NLINE; i++) {
		int X = (int)lround((lx[i] - xmin) / (xmax - xmin) * (a.pw - 1));
		int Y = (int)lround((ymax - ly[i]) / (ymax - ymin) * (a.ph - 1));
		uint32_t ch = at(&sc, a.top + Y, a.gw + 1 + X);
		cr_expect_eq(ch, '*', "point %d (%g, %g) should be at row %d col %d, found '%c'\n%s", i, lx[i], ly[i],
		             Y, X, (int)ch, txt);
		cr_expect_eq(roles[(a.top + Y) * cols + a.gw + 1 + X], 1, "role of point %d", i);
	}
	/* and nothing strays: every '*' lies within a cell of the exact line */
	int stars = 0;
	for (int r = a.top; r < a.axr; r++)
		for (int c = a.gw + 1; c < cols; c++)
			if (at(&sc, r, c) == '*') {
				stars++;
				double x = (double)(c - a.gw - 1) / (a.pw - 1) * (xmax - xmin) + xmin;
				double yrow = (ymax - (-0.3 * x)) / (ymax - ymin) * (a.ph - 1);
				cr_expect_leq(fabs((r - a.top) - yrow), 1.0, "'*' at row %d col %d is off the line", r, c);
			}
	cr_expect_geq(stars, a.pw, "a line across the plot inks at least one cell per column");
	free(sc.cp);
	free(txt);
	free(roles);
}

Test(cells, braille_line_lands_on_the_mapped_dots)
{
	vxp_series s;
	vxp_plot p = line_plot(&s);
	int cols = 50, rows = 14;
	char *txt = NULL;
	unsigned char *roles = NULL;
	cr_assert_eq(vxp_cells(&p, cols, rows, 1, &txt, &roles), VX_OK);
	screen sc = parse_screen(txt, cols, rows);
	area a = find_area(&sc, 0x2514 /* └ */, 0x2502 /* │ */, 0x2524 /* ┤ */);
	int W = 2 * a.pw, H = 4 * a.ph;
	for (int i = 0; i < NLINE; i++) {
		int X = (int)lround(lx[i] / 20.0 * (W - 1));
		int Y = (int)lround((0 - ly[i]) / 6.0 * (H - 1));
		uint32_t ch = at(&sc, a.top + Y / 4, a.gw + 1 + X / 2);
		cr_expect(braille_has(ch, X % 2, Y % 4), "point %d: dot (%d, %d) not set in U+%04X\n%s", i, X, Y,
		          (unsigned)ch, txt);
	}
	/* every inked dot is within one dot of the exact line */
	for (int r = 0; r < a.ph; r++)
		for (int c = 0; c < a.pw; c++)
			for (int dy = 0; dy < 4; dy++)
				for (int dx = 0; dx < 2; dx++) {
					if (!braille_has(at(&sc, a.top + r, a.gw + 1 + c), dx, dy))
						continue;
					double x = (double)(2 * c + dx) / (W - 1) * 20;
					double Yexact = 0.3 * x / 6.0 * (H - 1);
					cr_expect_leq(fabs(4 * r + dy - Yexact), 1.5, "stray dot at (%d, %d)", 2 * c + dx, 4 * r + dy);
				}
	free(sc.cp);
	free(txt);
	free(roles);
}

Test(cells, log_labels_and_decades)
{
	vxp_series s;
	vxp_plot p = line_plot(&s);
	char *txt = NULL;
	unsigned char *roles = NULL;
	cr_assert_eq(vxp_cells(&p, 60, 16, 0, &txt, &roles), VX_OK);
	cr_expect(strstr(txt, "1e0") && strstr(txt, "1e-6"), "ASCII decade labels 1e0 … 1e-6 expected:\n%s", txt);
	free(txt);
	free(roles);
	cr_assert_eq(vxp_cells(&p, 60, 16, 1, &txt, &roles), VX_OK);
	cr_expect(strstr(txt, "10⁰") && strstr(txt, "10⁻⁶"), "Unicode labels 10⁰ … 10⁻⁶ expected:\n%s", txt);
	cr_expect(strstr(txt, "y = 10^(-0.3x)") != NULL, "legend text missing");
	free(txt);
	free(roles);
}

/* Points with undefined values between them are drawn alone (the line
 * breaks at each): the inked dots must be exactly the mapped ones. */
Test(cells, isolated_points_are_exactly_the_mapped_dots)
{
	double x[41], y[41];
	for (int i = 0; i <= 40; i++) {
		x[i] = i / 2.0;
		y[i] = i % 2 ? NAN : -0.3 * x[i];
	}
	vxp_series s = { "dots", x, y, 41, 0, NULL, 0, 0, 0 };
	vxp_plot p = { NULL, NULL, NULL, 1, &s, 1, NULL, NULL, 0, NULL, NULL, NULL, NULL, 0 };
	for (int utf8 = 0; utf8 < 2; utf8++) {
		char *txt = NULL;
		screen sc;
		area a = draw_cells(&p, 57, 15, utf8, &txt, &sc);
		int dx = utf8 ? 2 : 1, dy = utf8 ? 4 : 1;
		int W = dx * a.pw, H = dy * a.ph;
		unsigned char *want = calloc((size_t)W * (size_t)H, 1);
		for (int i = 0; i <= 40; i += 2) {
			/* x range [0, 20], y range [floor(-6), 0] */
			int X = (int)lround(x[i] / 20.0 * (W - 1));
			int Y = (int)lround((0 - y[i]) / 6.0 * (H - 1));
			want[Y * W + X] = 1;
		}
		for (int Y = 0; Y < H; Y++)
			for (int X = 0; X < W; X++) {
				uint32_t ch = at(&sc, a.top + Y / dy, a.gw + 1 + X / dx);
				int inked = utf8 ? braille_has(ch, X % 2, Y % 4) : ch == '*';
				cr_expect_eq(inked, want[Y * W + X], "utf8=%d dot (%d, %d): inked %d, mapped %d\n%s", utf8, X, Y,
				             inked, want[Y * W + X], txt);
			}
		free(want);
		free(sc.cp);
		free(txt);
	}
}

/* ---- shapes, sizes, ASCII ----------------------------------------------- */

static double tx[300], t1[300], t2[300], t3[300];

static vxp_plot three_series(vxp_series *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		tx[i] = (double)i;
		t1[i] = -0.4 * (double)i + sin((double)i);
		t2[i] = -0.2 * (double)i;
		t3[i] = -0.1 * (double)i;
	}
	s[0] = (vxp_series){ "‖∂sₜ/∂sₖ‖₂", tx, t1, n, 0, NULL, 0, 0, 0 };
	s[1] = (vxp_series){ "Π‖Jⱼ‖₂", tx, t2, n, 0, NULL, 0, 0, 0 };
	s[2] = (vxp_series){ "(γλ)ᵗ⁻ᵏ", tx, t3, n, 1, NULL, 0, 0, 0 };
	return (vxp_plot){ "‖∂sₜ/∂sₖ‖ against t − k 漢字", "t − k", "norm", 1, s, 3, NULL, NULL, 0, NULL, NULL, NULL, NULL, 0 };
}

Test(cells, every_size_fits_exactly)
{
	vxp_series s[3];
	vxp_plot p = three_series(s, 120);
	int sizes[][2] = { { 20, 5 }, { 21, 6 }, { 30, 8 }, { 40, 12 }, { 80, 24 }, { 72, 12 }, { 200, 60 },
	                   { 33, 7 }, { 120, 9 } };
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		for (int utf8 = 0; utf8 < 2; utf8++) {
			int cols = sizes[k][0], rows = sizes[k][1];
			char *txt = NULL;
			unsigned char *roles = NULL;
			vx_status st = vxp_cells(&p, cols, rows, utf8, &txt, &roles);
			cr_assert_eq(st, VX_OK, "%d×%d utf8=%d failed", cols, rows, utf8);
			screen sc = parse_screen(txt, cols, rows);
			for (int i = 0; i < cols * rows; i++) {
				cr_expect_leq(roles[i], 4, "role %d out of range", roles[i]);
				uint32_t c = sc.cp[i];
				cr_expect(c >= 0x20 && c != 0x7F, "control character U+%04X", (unsigned)c);
				/* wide characters would break "code point k = column k" */
				cr_expect(!(c >= 0x2E80 && c <= 0xA4CF), "wide character U+%04X kept", (unsigned)c);
				if (!utf8) {
					cr_expect_lt(c, 0x80, "non-ASCII U+%04X in ASCII mode (%d×%d)", (unsigned)c, cols, rows);
					if (c == '*' || c == '+' || c == 'o') {
						/* a series character in the plot carries its series' role (legend too) */
					}
				}
			}
			free(sc.cp);
			free(txt);
			free(roles);
		}
	}
}

Test(cells, ascii_series_characters_carry_their_roles)
{
	vxp_series s[3];
	vxp_plot p = three_series(s, 40);
	char *txt = NULL;
	unsigned char *roles = NULL;
	cr_assert_eq(vxp_cells(&p, 70, 20, 0, &txt, &roles), VX_OK);
	screen sc = parse_screen(txt, 70, 20);
	area a = find_area(&sc, '+', '|', '+');
	int seen[4] = { 0 };
	for (int r = a.top; r < a.axr; r++)
		for (int c = a.gw + 1; c < 70; c++) {
			uint32_t ch = at(&sc, r, c);
			unsigned char ro = roles[r * 70 + c];
			int want = ch == '*' ? 1 : ch == '+' ? 2 : ch == 'o' ? 3 : 0;
			cr_expect_eq(ro, want, "cell '%c' at %d,%d has role %d", (int)ch, r, c, ro);
			seen[want]++;
		}
	cr_expect(seen[1] && seen[2] && seen[3], "all three series drawn");
	free(sc.cp);
	free(txt);
	free(roles);
}

Test(cells, marks_are_role_four)
{
	double x[3] = { -1, 0, 1 }, y[3] = { 0.5, 1, 0.5 }, mx[1] = { 0 }, my[1] = { 1 };
	vxp_series s = { "curve", x, y, 3, 0, NULL, 0, 0, 0 };
	vxp_plot p = { NULL, "a", "f", 0, &s, 1, mx, my, 1, "max", NULL, NULL, NULL, 0 };
	for (int utf8 = 0; utf8 < 2; utf8++) {
		char *txt = NULL;
		unsigned char *roles = NULL;
		cr_assert_eq(vxp_cells(&p, 40, 10, utf8, &txt, &roles), VX_OK);
		screen sc = parse_screen(txt, 40, 10);
		int found = 0;
		for (int i = 0; i < 400; i++)
			if (sc.cp[i] == (utf8 ? 0x25CF : '@')) {
				found++;
				cr_expect_eq(roles[i], 4);
			}
		cr_expect_eq(found, 2, "the mark and its legend dot, found %d\n%s", found, txt);
		cr_expect(strstr(txt, "max") != NULL);
		free(sc.cp);
		free(txt);
		free(roles);
	}
}

/* A legend wider than the plot takes a second line (when the plot keeps 3
 * rows): every entry whole, in order, its sample in its series' role; one
 * line when it fits, or when the rows are too few. */
Test(cells, a_wide_legend_takes_a_second_line)
{
	double x[3] = { 0, 1, 2 }, y1[3] = { 0, 1, 2 }, y2[3] = { 2, 1, 0 }, y3[3] = { 1, 1, 1 };
	double mx[1] = { 1 }, my[1] = { 1 };
	vxp_series s[3] = { { "alpha", x, y1, 3, 0, NULL, 0, 0, 0 }, { "beta", x, y2, 3, 0, NULL, 0, 0, 0 }, { "gamma", x, y3, 3, 1, NULL, 0, 0, 0 } };
	vxp_plot p = { NULL, "x", "y", 0, s, 3, mx, my, 1, "delta", NULL, NULL, NULL, 0 };
	for (int utf8 = 0; utf8 < 2; utf8++) {
		/* one line: 3+1+5, 3+1+4, 3+1+5, 2+5 and 2 between: 39 columns (ASCII 36) */
		static const struct { int cols, rows, lines; } sz[] = { { 30, 10, 2 }, { 40, 10, 1 }, { 30, 6, 1 } };
		for (size_t k = 0; k < sizeof sz / sizeof sz[0]; k++) {
			int cols = sz[k].cols, rows = sz[k].rows;
			char *txt = NULL;
			unsigned char *roles = NULL;
			cr_assert_eq(vxp_cells(&p, cols, rows, utf8, &txt, &roles), VX_OK);
			screen sc = parse_screen(txt, cols, rows);
			/* the legend's lines: the last one, and the one above it when two */
			char leg[2][256] = { "", "" };
			for (int l = 0; l < 2; l++) {
				const char *q = txt;
				for (int r = 0; r < rows - 2 + l; r++)
					q = strchr(q, '\n') + 1;
				snprintf(leg[l], sizeof leg[l], "%.*s", (int)strcspn(q, "\n"), q);
			}
			const char *want[4] = { "alpha", "beta", "gamma", "delta" };
			int line_of[4];
			for (int e = 0; e < 4; e++) {
				line_of[e] = strstr(leg[1], want[e]) ? 1 : strstr(leg[0], want[e]) ? 0 : -1;
				if (cols < 39 - 3 * !utf8 && sz[k].lines == 1 && e == 3)
					cr_expect_eq(line_of[e], -1, "%dx%d utf8=%d: 2 rows of plot kept, the legend cut:\n%s",
					             cols, rows, utf8, txt);
				else
					cr_expect_geq(line_of[e], 2 - sz[k].lines,
					              "%dx%d utf8=%d: '%s' whole on the legend's lines:\n%s", cols, rows, utf8,
					              want[e], txt);
			}
			if (sz[k].lines == 2) {
				cr_expect(line_of[0] == 0 && line_of[3] == 1, "%dx%d: in order over two lines:\n%s", cols, rows, txt);
				/* the first legend line is no longer the x axis' labels: the
				 * plot gave it up */
				cr_expect_eq(roles[(size_t)(rows - 2) * (size_t)cols], 1, "alpha's sample in role 1:\n%s", txt);
			}
			free(sc.cp);
			free(txt);
			free(roles);
		}
	}
}

Test(cells, too_small_or_malformed_is_a_usage_error)
{
	vxp_series s;
	vxp_plot p = line_plot(&s);
	char *txt = (char *)1;
	unsigned char *roles = (unsigned char *)1;
	int bad[][2] = { { 19, 10 }, { 40, 4 }, { 0, 0 }, { -5, 10 }, { 40, -1 }, { 100000, 10 } };
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		cr_expect_eq(vxp_cells(&p, bad[k][0], bad[k][1], 1, &txt, &roles), VX_EUSAGE, "%d×%d accepted",
		             bad[k][0], bad[k][1]);
		cr_expect_null(txt);
		cr_expect_null(roles);
	}
	cr_expect_eq(vxp_cells(NULL, 40, 10, 1, &txt, &roles), VX_EUSAGE);
	cr_expect_eq(vxp_cells(&p, 40, 10, 1, NULL, &roles), VX_EUSAGE);
	vxp_series nox = { "x", NULL, ly, 3, 0, NULL, 0, 0, 0 };
	vxp_plot q = { NULL, NULL, NULL, 1, &nox, 1, NULL, NULL, 0, NULL, NULL, NULL, NULL, 0 };
	cr_expect_eq(vxp_cells(&q, 40, 10, 1, &txt, &roles), VX_EUSAGE, "NULL x with n > 0");
	vxp_series four[4] = { s, s, s, s };
	vxp_plot r = { NULL, NULL, NULL, 1, four, 4, NULL, NULL, 0, NULL, NULL, NULL, NULL, 0 };
	cr_expect_eq(vxp_cells(&r, 40, 10, 1, &txt, &roles), VX_EUSAGE, "four series");
	char *svg = (char *)1;
	cr_expect_eq(vxp_svg(&r, 640, 360, &svg), VX_EUSAGE);
	cr_expect_null(svg);
	cr_expect_eq(vxp_svg(&p, 100, 50, &svg), VX_EUSAGE, "tiny SVG");
	cr_expect_eq(vxp_svg(NULL, 640, 360, &svg), VX_EUSAGE);
	/* y labels so wide that fewer than 10 columns remain */
	double yy[2] = { 1e300, -1e300 };
	vxp_series w = { "w", lx, yy, 2, 0, NULL, 0, 0, 0 };
	vxp_plot wide = { NULL, NULL, NULL, 0, &w, 1, NULL, NULL, 0, NULL, NULL, NULL, NULL, 0 };
	vx_status st = vxp_cells(&wide, 20, 6, 0, &txt, &roles);
	cr_expect(st == VX_OK || st == VX_EUSAGE, "status %d", st);
	if (st == VX_OK) {
		free(txt);
		free(roles);
	}
}

/* ---- degenerate data: drawn, never a crash ------------------------------ */

static void both_ok(const vxp_plot *p, const char *what, const char *note)
{
	for (int utf8 = 0; utf8 < 2; utf8++) {
		char *txt = NULL;
		unsigned char *roles = NULL;
		cr_assert_eq(vxp_cells(p, 50, 12, utf8, &txt, &roles), VX_OK, "%s: cells", what);
		screen sc = parse_screen(txt, 50, 12);
		if (note)
			cr_expect(strstr(txt, note) != NULL, "%s: note \"%s\" missing:\n%s", what, note, txt);
		free(sc.cp);
		free(txt);
		free(roles);
	}
	char *svg = NULL;
	cr_assert_eq(vxp_svg(p, 400, 300, &svg), VX_OK, "%s: svg", what);
	cr_expect(strstr(svg, "nan") == NULL && strstr(svg, "inf") == NULL, "%s: nan/inf in SVG", what);
	free(svg);
}

Test(degenerate, empty_one_point_zeros_nan_huge)
{
	double x[5] = { 0, 1, 2, 3, 4 };
	double zeros[5] = { -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY };
	double nans[5] = { NAN, NAN, 1, NAN, INFINITY };
	double one[1] = { -3 };
	double huge[5] = { 0, -150, -300, -450, -600 };
	double hx[5] = { -1e308, -1e300, 0, 1e300, 1e308 };
	double tiny[5] = { 1e-300, 2e-300, 3e-300, 4e-300, 5e-300 };

	vxp_series s = { "none", x, zeros, 0, 0, NULL, 0, 0, 0 };
	vxp_plot p = { "t", "x", "y", 1, &s, 1, NULL, NULL, 0, NULL, NULL, NULL, NULL, 0 };
	both_ok(&p, "n = 0", "no values");
	p.nseries = 0;
	both_ok(&p, "no series", "no values");
	p.nseries = 1;
	s.n = 5;
	both_ok(&p, "all exact zeros", "5 zeros omitted");
	s.y = nans;
	both_ok(&p, "NaN values", "4 undefined omitted");
	/* a series whose zeros are underflows (vxp_series.underflow) */
	s.y = zeros;
	s.underflow = 1;
	both_ok(&p, "all underflows", "5 underflows omitted");
	s.underflow = 0;
	s.y = one;
	s.n = 1;
	both_ok(&p, "one point", NULL);
	s.n = 5;
	s.y = huge;
	both_ok(&p, "600 decades", NULL);
	s.x = hx;
	both_ok(&p, "x over the whole double range", NULL);
	s.x = x;
	s.y = tiny;
	p.log_y = 0;
	both_ok(&p, "linear, tiny values", NULL);
	s.y = hx;
	both_ok(&p, "linear, huge span", NULL);
	s.x = tiny;
	both_ok(&p, "tiny x span", NULL);
}

/* ---- SVG ----------------------------------------------------------------- */

/* Well-formed XML by an outside parser, xmllint (libxml2-utils): a missing
 * or dying xmllint is a failure too (test_proc.h). */
static void expect_wellformed(const char *xml, const char *what)
{
	const char *const argv[] = { "xmllint", "--noout", "-", NULL };
	char why[600];
	cr_expect(tp_run(argv, xml, why, sizeof why), "%s not accepted as well-formed XML: %s"
	          " (xmllint: Debian libxml2-utils, 'sh tests/deps.sh test')", what, why);
}

/* Compiles de_DE.UTF-8 (decimal comma) from the locales package's sources
 * into a temporary directory and points LOCPATH there: a minimal system has
 * only C and C.UTF-8, whose decimal point is the one the SVG needs, so the
 * check below would compare the output with itself. */
static void de_numeric_locale(void)
{
	static char dir[] = "/tmp/vanex-test-locale-XXXXXX";
	char path[64];
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/de_DE.UTF-8", dir);
	const char *const argv[] = { "localedef", "-i", "de_DE", "-f", "UTF-8", path, NULL };
	char why[600];
	int built = tp_run(argv, NULL, why, sizeof why);
	setenv("LOCPATH", dir, 1);
	/* loaded (mapped) by setlocale, so the directory can go before the checks */
	const char *loaded = built ? setlocale(LC_NUMERIC, "de_DE.UTF-8") : NULL;
	const char *const rm[] = { "rm", "-rf", dir, NULL };
	char rmwhy[600];
	cr_expect(tp_run(rm, NULL, rmwhy, sizeof rmwhy), "%s", rmwhy);
	cr_assert(built, "%s (its sources: Debian locales, 'sh tests/deps.sh test')", why);
	cr_assert_not_null(loaded, "de_DE.UTF-8 built by localedef does not load");
	cr_assert_str_eq(localeconv()->decimal_point, ",", "de_DE.UTF-8 has a decimal comma");
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* The outside judge can say no, and its absence or early death is a
 * failure with a reason, not a crash and not a pass. */
Test(svg, xml_judge_can_fail)
{
	char why[600];
	const char *const lint[] = { "xmllint", "--noout", "-", NULL };
	cr_expect(!tp_run(lint, "<svg><g></svg></g>", why, sizeof why), "xmllint accepted crossed tags");
	cr_expect(strstr(why, "exit status 1") && strstr(why, "mismatch"), "%s", why);
	const char *const none[] = { "vanex-no-such-program", NULL };
	cr_expect(!tp_run(none, "<svg/>", why, sizeof why), "a missing program passed");
	cr_expect(strstr(why, "cannot run it") != NULL, "%s", why);
	/* a megabyte to a program that reads nothing: the pipe closes under the writer */
	size_t big = 1 << 20;
	char *mb = malloc(big + 1);
	cr_assert_not_null(mb);
	memset(mb, 'x', big);
	mb[big] = '\0';
	const char *const quits[] = { "sh", "-c", "exit 0", NULL };
	cr_expect(!tp_run(quits, mb, why, sizeof why), "a program that read nothing passed");
	cr_expect(strstr(why, "without taking all its input") != NULL, "%s", why);
	const char *const dies[] = { "sh", "-c", "echo half-way >&2; exit 3", NULL };
	cr_expect(!tp_run(dies, mb, why, sizeof why), "a program exiting 3 passed");
	cr_expect(strstr(why, "exit status 3: half-way") != NULL, "%s", why);
	free(mb);
}

Test(svg, well_formed_self_contained_deterministic)
{
	vxp_series s[3];
	vxp_plot p = three_series(s, 200);
	p.title = "<&> \"quoted\" ‖∂s‖";
	char *a = NULL, *b = NULL;
	cr_assert_eq(vxp_svg(&p, 640, 360, &a), VX_OK);
	cr_assert_eq(vxp_svg(&p, 640, 360, &b), VX_OK);
	cr_expect_str_eq(a, b, "two renderings differ");
	cr_expect(strncmp(a, "<svg ", 5) == 0, "starts with <svg");
	cr_expect(strstr(a, "<?xml") == NULL, "no prolog");
	cr_expect_eq(count(a, "http"), 1, "only the SVG namespace may say http");
	cr_expect(strstr(a, "xmlns=\"http://www.w3.org/2000/svg\"") != NULL);
	cr_expect(strstr(a, "<script") == NULL && strstr(a, "href") == NULL && strstr(a, "url(") == NULL &&
	          strstr(a, "@import") == NULL && strstr(a, "<image") == NULL, "nothing external");
	cr_expect(strstr(a, "width=\"640\"") && strstr(a, "height=\"360\""), "size given");
	cr_expect(strstr(a, "&lt;&amp;&gt; &quot;quoted&quot;") != NULL, "title escaped");
	expect_wellformed(a, "the SVG");
	/* three series, three distinct dash patterns, the dashed one not solid */
	cr_expect_eq(count(a, "class=\"vxp-line vxp-s"), 6, "3 paths + 3 legend samples");
	cr_expect(strstr(a, "stroke-dasharray=\"8 4\"") != NULL, "series 2 long dashes");
	cr_expect(strstr(a, "stroke-dasharray=\"2 3\"") != NULL, "series 3 (dashed) dotted");
	cr_expect(strstr(a, "<circle") && strstr(a, "<rect x=") && strstr(a, "Z\"/>"), "three marker shapes");

	/* a decimal comma in LC_NUMERIC must not change a byte */
	de_numeric_locale();
	char *c = NULL;
	cr_assert_eq(vxp_svg(&p, 640, 360, &c), VX_OK);
	cr_expect_str_eq(a, c, "output changes under LC_NUMERIC=de_DE.UTF-8");
	free(c);
	setlocale(LC_NUMERIC, "C");
	free(a);
	free(b);
}

/* The numbers of the series' path: pairs after M and L. */
static int path_points(const char *svg, int series, double *xs, double *ys, int max)
{
	char key[64];
	snprintf(key, sizeof key, "class=\"vxp-line vxp-s%d\"", series);
	const char *p = strstr(svg, key);
	cr_assert_not_null(p);
	p = strstr(p, " d=\"");
	cr_assert_not_null(p);
	p += 4;
	int n = 0;
	while (*p && *p != '"' && n < max) {
		if (*p == 'M' || *p == 'L') {
			char *e;
			xs[n] = strtod(p + 1, &e);
			ys[n] = strtod(e, &e);
			n++;
			p = e;
		} else {
			p++;
		}
	}
	return n;
}

static double attr_after(const char *s, const char *key)
{
	const char *p = strstr(s, key);
	cr_assert_not_null(p, "no %s", key);
	return strtod(p + strlen(key), NULL);
}

Test(svg, a_line_stays_straight_and_spans_the_frame)
{
	vxp_series s;
	vxp_plot p = line_plot(&s);
	char *svg = NULL;
	cr_assert_eq(vxp_svg(&p, 600, 400, &svg), VX_OK);
	double xs[64], ys[64];
	int n = path_points(svg, 1, xs, ys, 64);
	cr_assert_geq(n, 2, "path has %d points", n);
	/* collinear: y = -0.3 x is straight on a log axis */
	for (int i = 1; i + 1 < n; i++) {
		double cross = (xs[i] - xs[0]) * (ys[n - 1] - ys[0]) - (ys[i] - ys[0]) * (xs[n - 1] - xs[0]);
		double len = hypot(xs[n - 1] - xs[0], ys[n - 1] - ys[0]);
		cr_expect_leq(fabs(cross) / len, 0.02, "vertex %d is %.3f px off the line", i, fabs(cross) / len);
	}
	/* x = 0 at the y axis, x = 20 at the right end of the x axis; y from
	 * 10^0 (top of the frame, range [-6, 0]) to 10^-6 (the bottom) */
	const char *axis = strstr(svg, "class=\"vxp-axis\" x1=\"");
	cr_assert_not_null(axis);
	double ax1 = attr_after(axis, "x1=\""), ay = attr_after(axis, "y1=\""), ax2 = attr_after(axis, "x2=\"");
	const char *yaxis = strstr(axis + 1, "class=\"vxp-axis\" x1=\"");
	double top = attr_after(yaxis, "y1=\"");
	cr_expect_float_eq(xs[0], ax1, 0.011, "first point at the y axis: %g vs %g", xs[0], ax1);
	cr_expect_float_eq(xs[n - 1], ax2, 0.011, "last point at the right end: %g vs %g", xs[n - 1], ax2);
	cr_expect_float_eq(ys[0], top, 0.011, "10^0 at the top: %g vs %g", ys[0], top);
	cr_expect_float_eq(ys[n - 1], ay, 0.011, "10^-6 at the bottom: %g vs %g", ys[n - 1], ay);
	/* the point x = 10 (10^-3) at the middle of both, if drawn */
	free(svg);
}

/* The text of every tick label, in order. */
static int tick_labels(const char *svg, char out[][32], int max)
{
	int n = 0;
	for (const char *p = svg; (p = strstr(p, "class=\"vxp-tick\"")) && n < max; p++) {
		const char *gt = strchr(p, '>'), *lt = strchr(gt, '<');
		size_t l = (size_t)(lt - gt - 1);
		if (l > 31)
			l = 31;
		memcpy(out[n], gt + 1, l);
		out[n][l] = '\0';
		n++;
	}
	return n;
}

Test(svg, six_hundred_decades_get_few_labels)
{
	double x[601], y[601];
	for (int i = 0; i <= 600; i++) {
		x[i] = i;
		y[i] = -(double)i;   /* 0.1^i: down to 10^-600, beyond any double */
	}
	vxp_series s = { "0.1^(t-k)", x, y, 601, 0, NULL, 0, 0, 0 };
	vxp_plot p = { NULL, "t − k", "norm", 1, &s, 1, NULL, NULL, 0, NULL, NULL, NULL, NULL, 0 };
	char *svg = NULL;
	cr_assert_eq(vxp_svg(&p, 640, 480, &svg), VX_OK);
	char lab[32][32];
	int n = tick_labels(svg, lab, 32);
	int ylabels = 0, has600 = 0, has300 = 0;
	for (int i = 0; i < n; i++) {
		if (strncmp(lab[i], "10", 2) == 0 && strlen(lab[i]) > 2) {
			ylabels++;
			has600 |= strcmp(lab[i], "10⁻⁶⁰⁰") == 0;
			has300 |= strcmp(lab[i], "10⁻³⁰⁰") == 0;
		}
	}
	cr_expect_leq(ylabels, 8, "%d y labels", ylabels);
	cr_expect_geq(ylabels, 3, "%d y labels", ylabels);
	cr_expect(has600 && has300, "10⁻⁶⁰⁰ and 10⁻³⁰⁰ labelled");
	/* x ticks at nice numbers: 0, 100, 200 … */
	int x100 = 0;
	for (int i = 0; i < n; i++)
		x100 |= strcmp(lab[i], "100") == 0 || strcmp(lab[i], "200") == 0;
	cr_expect(x100, "x ticks at multiples of 100");
	/* 601 points make a path of a few vertices, not 601 */
	double xs[700], ys[700];
	int np = path_points(svg, 1, xs, ys, 700);
	cr_expect_leq(np, 601);
	free(svg);
}

Test(svg, decade_labels_for_a_short_span)
{
	vxp_series s;
	vxp_plot p = line_plot(&s);
	char *svg = NULL;
	cr_assert_eq(vxp_svg(&p, 640, 480, &svg), VX_OK);
	char lab[32][32];
	int n = tick_labels(svg, lab, 32);
	const char *want[] = { "10⁻⁶", "10⁻⁵", "10⁻⁴", "10⁻³", "10⁻²", "10⁻¹", "10⁰" };
	int k = 0;
	for (int i = 0; i < n && k < 7; i++)
		if (strcmp(lab[i], want[k]) == 0)
			k++;
	cr_expect_eq(k, 7, "every decade from 10⁻⁶ to 10⁰ labelled, in order (found %d)", k);
	free(svg);
}

Test(svg, underflows_are_noted_apart_from_zeros)
{
	double x[4] = { 0, 1, 2, 3 }, y[4] = { 0, -INFINITY, -INFINITY, -3 }, z[4] = { 0, -INFINITY, -1, -2 };
	vxp_series s[2] = { { "under", x, y, 4, 0, NULL, 0, 0, 1 }, { "zero", x, z, 4, 0, NULL, 0, 0, 0 } };
	vxp_plot p = { NULL, "x", NULL, 1, s, 2, NULL, NULL, 0, NULL, NULL, NULL, NULL, 0 };
	char *svg = NULL;
	cr_assert_eq(vxp_svg(&p, 400, 300, &svg), VX_OK);
	cr_expect(strstr(svg, "1 exact zero not shown") != NULL, "the zero noted as one");
	cr_expect(strstr(svg, "2 underflows not shown") != NULL, "the underflows noted apart");
	free(svg);
}

Test(svg, omitted_points_are_noted_and_break_the_line)
{
	double x[6] = { 0, 1, 2, 3, 4, 5 }, y[6] = { 0, -1, -INFINITY, -3, NAN, -5 };
	vxp_series s = { "gaps", x, y, 6, 0, NULL, 0, 0, 0 };
	vxp_plot p = { NULL, "x", NULL, 1, &s, 1, NULL, NULL, 0, NULL, NULL, NULL, NULL, 0 };
	char *svg = NULL;
	cr_assert_eq(vxp_svg(&p, 400, 300, &svg), VX_OK);
	cr_expect(strstr(svg, "1 exact zero not shown") != NULL, "zero noted");
	cr_expect(strstr(svg, "1 undefined value not shown") != NULL, "NaN noted");
	cr_expect(strstr(svg, "underflow") == NULL, "no underflow in a series not marked so");
	const char *d = strstr(strstr(svg, "class=\"vxp-line vxp-s1\""), " d=\"");
	/* three pieces: 0-1, 3 alone, 5 alone */
	int moves = 0;
	for (const char *q = d + 4; *q && *q != '"'; q++)
		moves += *q == 'M';
	cr_expect_eq(moves, 3, "the line restarts after each omitted point (%d pieces)", moves);
	free(svg);
}

Test(svg, linear_axis_and_marks)
{
	double a[5] = { -2, -1, 0, 1, 2 }, f[5] = { 0.1, 0.2, 0.25, 0.2, 0.1 };
	double mx[1] = { 0 }, my[1] = { 0.25 };
	vxp_series s = { "σ′(a)", a, f, 5, 0, NULL, 0, 0, 0 };
	vxp_plot p = { "logistic", "a", "σ′", 0, &s, 1, mx, my, 1, "γ = ¼", NULL, NULL, NULL, 0 };
	char *svg = NULL;
	cr_assert_eq(vxp_svg(&p, 500, 300, &svg), VX_OK);
	char lab[32][32];
	int n = tick_labels(svg, lab, 32);
	int has_minus2 = 0, has_025 = 0;
	for (int i = 0; i < n; i++) {
		has_minus2 |= strcmp(lab[i], "−2") == 0;
		has_025 |= strcmp(lab[i], "0.25") == 0 || strcmp(lab[i], "0.20") == 0;
	}
	cr_expect(has_minus2, "x tick −2 with a true minus sign");
	cr_expect(has_025, "y ticks at hundredths");
	cr_expect(strstr(svg, "class=\"vxp-mark\"") != NULL && strstr(svg, "γ = ¼") != NULL, "mark and its label");
	expect_wellformed(svg, "the SVG");
	free(svg);
}

Test(svg, a_million_points_stay_small)
{
	size_t n = 1000000;
	double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
	for (size_t i = 0; i < n; i++) {
		x[i] = (double)i;
		y[i] = -1e-3 * (double)i;
	}
	vxp_series s = { "long", x, y, n, 0, NULL, 0, 0, 0 };
	vxp_plot p = { NULL, NULL, NULL, 1, &s, 1, NULL, NULL, 0, NULL, NULL, NULL, NULL, 0 };
	char *svg = NULL;
	cr_assert_eq(vxp_svg(&p, 640, 360, &svg), VX_OK);
	cr_expect_lt(strlen(svg), 200000, "SVG of %zu bytes", strlen(svg));
	free(svg);
	char *txt = NULL;
	unsigned char *roles = NULL;
	cr_assert_eq(vxp_cells(&p, 80, 24, 1, &txt, &roles), VX_OK);
	free(txt);
	free(roles);
	free(x);
	free(y);
}

/* ---- LaTeX pictures ------------------------------------------------------ */

/* The \qbezier segments of a picture: their ends, the dot count given. */
typedef struct {
	double x0, y0, x1, y1;
	int n;
} qseg;

static int picture_segments(const char *tex, qseg *out, int max)
{
	int n = 0;
	for (const char *p = tex; (p = strstr(p, "\\qbezier")) != NULL; p++) {
		qseg q = { 0, 0, 0, 0, 0 };
		double mx, my;
		int got = sscanf(p, "\\qbezier[%d](%lf,%lf)(%lf,%lf)(%lf,%lf)", &q.n, &q.x0, &q.y0, &mx, &my, &q.x1, &q.y1);
		cr_assert_eq(got, 7, "a \\qbezier without its dot count or three points: %.60s", p);
		cr_expect_float_eq(mx, (q.x0 + q.x1) / 2, 0.051, "control point off the middle: %.60s", p);
		cr_expect_float_eq(my, (q.y0 + q.y1) / 2, 0.051, "control point off the middle: %.60s", p);
		if (n < max)
			out[n++] = q;
	}
	return n;
}

/* A straight line on a log axis comes out straight, from the y axis to the
 * right end of the frame, and every segment names a dot count: LaTeX's own
 * count divides by zero for a segment shorter than the line is thick
 * ("! Arithmetic overflow" on a 0.1 pt step of a long series). */
Test(latex, a_line_stays_straight_and_counts_its_dots)
{
	vxp_series s;
	vxp_plot p = line_plot(&s);
	char *tex = NULL;
	cr_assert_eq(vxp_picture(&p, 340, 190, &tex), VX_OK);
	cr_assert(strncmp(tex, "\\setlength{\\unitlength}{1pt}%\n\\begin{picture}(340,190)", 52) == 0, "%.80s", tex);
	static qseg q[4096];
	/* the picture alone, not the legend's samples after it */
	*strstr(tex, "\\end{picture}") = '\0';
	int n = picture_segments(tex, q, 4096);
	cr_assert_gt(n, 0);
	/* the series' segments follow the frame and ticks: the longest run of
	 * connected segments is the line */
	int start = n - 1;
	while (start > 0 && fabs(q[start - 1].x1 - q[start].x0) < 1e-9 && fabs(q[start - 1].y1 - q[start].y0) < 1e-9)
		start--;
	double X0 = q[start].x0, Y0 = q[start].y0, X1 = q[n - 1].x1, Y1 = q[n - 1].y1;
	double len = hypot(X1 - X0, Y1 - Y0);
	cr_expect_gt(len, 200, "the line is %g pt long", len);
	for (int i = start; i < n; i++) {
		double cross = (q[i].x1 - X0) * (Y1 - Y0) - (q[i].y1 - Y0) * (X1 - X0);
		cr_expect_leq(fabs(cross) / len, 0.15, "vertex %d is %.3f pt off the line", i, fabs(cross) / len);
	}
	/* 10^0 at the top right of the frame's left edge, 10^-6 at the bottom right */
	cr_expect_float_eq(Y0, 186, 0.051, "10^0 at the top of the frame (height - 4): %g", Y0);
	cr_expect_float_eq(X1, 334, 0.051, "x = 20 at the right end (width - 6): %g", X1);
	cr_expect_lt(Y1, 40, "10^-6 at the bottom: %g", Y1);
	for (int i = 0; i < n && i < 4096; i++) {
		double l = hypot(q[i].x1 - q[i].x0, q[i].y1 - q[i].y0);
		cr_expect(q[i].n >= 2 && q[i].n * 0.35 >= l - 1e-9, "segment %d: %d dots for %g pt", i, q[i].n, l);
	}
	free(tex);
}

/* pdflatex, the independent judge, sets every picture (three series with
 * a dashed one, marks, zeros and undefined values, a lone point, nothing at
 * all, a million points) with its legend in a box of the text's width
 * (345 pt in article), with the handout's packages, and nothing comes out
 * wider. */
Test(latex, pictures_compile_and_stay_in_their_box, .timeout = 120)
{
	vxp_series s3[3];
	vxp_plot three = three_series(s3, 300);
	s3[0].label_tex = "$\\|\\partial s_t/\\partial s_k\\|_2$";
	s3[1].label_tex = "$\\prod_j \\|J_j\\|_2$";
	s3[2].label_tex = "$(\\gamma\\lambda)^{t-k}$";
	three.xlabel_tex = "$t-k$";
	double x[5] = { 0, 1, 2, 3, 4 }, odd[5] = { -1, -INFINITY, -2, NAN, -3 }, one[1] = { -3 };
	vxp_series so = { "zeros", x, odd, 5, 0, NULL, 0, 0, 0 }, s1 = { "one", x, one, 1, 0, NULL, 0, 0, 0 };
	vxp_plot holes = { NULL, "x", "y_1 & 50% #", 1, &so, 1, x, odd, 5, "marks", NULL, NULL, NULL, 0 };
	vxp_plot lone = { NULL, NULL, NULL, 1, &s1, 1, NULL, NULL, 0, NULL, NULL, NULL, NULL, 0 };
	vxp_plot none = { NULL, NULL, NULL, 0, NULL, 0, NULL, NULL, 0, NULL, NULL, NULL, NULL, 0 };
	size_t big = 1000000;
	double *bx = malloc(big * sizeof *bx), *by = malloc(big * sizeof *by);
	cr_assert(bx && by);
	for (size_t i = 0; i < big; i++) {
		bx[i] = (double)i;
		by[i] = -1e-5 * (double)i + 1e-3 * sin((double)i);
	}
	vxp_series sb = { "long", bx, by, big, 0, NULL, 0, 0, 0 };
	vxp_plot longp = { NULL, NULL, NULL, 1, &sb, 1, NULL, NULL, 0, NULL, NULL, NULL, NULL, 0 };
	const vxp_plot *plots[] = { &three, &holes, &lone, &none, &longp };

	char dir[] = "/tmp/vxp-latex-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof path, "%s/p.tex", dir);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f, "\\documentclass{article}\n\\usepackage{amsmath}\n%s\\begin{document}\n", vxp_picture_preamble);
	for (size_t i = 0; i < sizeof plots / sizeof *plots; i++) {
		char *tex = NULL;
		cr_assert_eq(vxp_picture(plots[i], 340, 190, &tex), VX_OK, "plot %zu", i);
		cr_expect(strstr(tex, "nan") == NULL && strstr(tex, "inf") == NULL, "plot %zu: nan or inf", i);
		if (plots[i] == &longp)
			cr_expect_lt(strlen(tex), 400000, "a million points: %zu bytes", strlen(tex));
		fprintf(f, "\\noindent\\begin{minipage}{\\linewidth}\\centering\n%s\\end{minipage}\n\n", tex);
		free(tex);
	}
	fputs("\\end{document}\n", f);
	fclose(f);
	free(bx);
	free(by);
	const char *const cmd[] = { "pdflatex", "-interaction=nonstopmode", "-halt-on-error",
		                    "-output-directory", dir, path, NULL };
	char why[600];
	int ok = tp_run(cmd, NULL, why, sizeof why);
	cr_expect(ok, "pdflatex on the pictures: %s; see %s/p.log (Debian texlive-latex-base, 'sh tests/deps.sh test')",
	          why, dir);
	snprintf(path, sizeof path, "%s/p.log", dir);
	FILE *lg = fopen(path, "r");
	cr_assert_not_null(lg);
	char line[512];
	int overfull = 0;
	while (fgets(line, sizeof line, lg))
		overfull += strncmp(line, "Overfull \\hbox", 14) == 0;
	fclose(lg);
	cr_expect_eq(overfull, 0, "%d overfull boxes: the legend or a picture is wider than the page; see %s/p.log",
	             overfull, dir);
	if (ok && !overfull) {
		const char *const rm[] = { "rm", "-rf", dir, NULL };
		cr_expect(tp_run(rm, NULL, why, sizeof why), "%s", why);
	}
}

/* The same bytes under a decimal-comma locale, and twice. */
Test(latex, locale_free_and_deterministic)
{
	vxp_series s[3];
	vxp_plot p = three_series(s, 120);
	char *a = NULL, *b = NULL;
	cr_assert_eq(vxp_picture(&p, 340, 190, &a), VX_OK);
	de_numeric_locale();
	cr_assert_eq(vxp_picture(&p, 340, 190, &b), VX_OK);
	setlocale(LC_NUMERIC, "C");
	cr_expect_str_eq(a, b);
	free(b);
	cr_expect_eq(vxp_picture(&p, 100, 190, &b), VX_EUSAGE);
	cr_expect_eq(vxp_picture(NULL, 340, 190, &b), VX_EUSAGE);
	free(a);
}

/* ---- a plane to scale (equal_aspect) ------------------------------------ */

#define NCIRC 181
static double cx[NCIRC], cy[NCIRC], sx[NCIRC], sy[NCIRC];

/* the unit circle (series 1, plain) and one of radius 0.5 (series 2,
 * dashed), with the points ±0.5i, 0.3 marked */
static vxp_plot circles(vxp_series *s, double *mx, double *my, int equal)
{
	for (int i = 0; i < NCIRC; i++) {
		double a = 2 * M_PI * i / (NCIRC - 1);
		cx[i] = cos(a);
		cy[i] = sin(a);
		sx[i] = 0.5 * cos(a);
		sy[i] = 0.5 * sin(a);
	}
	s[0] = (vxp_series){ "|z| = 1", cx, cy, NCIRC, 0, NULL, 1, 0, 0 };
	s[1] = (vxp_series){ "|z| = ½", sx, sy, NCIRC, 1, NULL, 1, 0, 0 };
	mx[0] = 0, my[0] = 0.5, mx[1] = 0, my[1] = -0.5, mx[2] = 0.3, my[2] = 0;
	return (vxp_plot){ NULL, "Re z", "Im z", 0, s, 2, mx, my, 3, "points", NULL, NULL, NULL, equal };
}

/* In SVG every vertex of the circle lies at one distance from its centre,
 * in pixels, however wide the picture; without equal_aspect it is an
 * ellipse as wide as the frame. */
Test(svg, equal_aspect_keeps_a_circle_round)
{
	vxp_series s[2];
	double mx[3], my[3];
	static const int size[][2] = { { 640, 360 }, { 300, 600 }, { 1200, 200 } };
	for (int k = 0; k < 3; k++)
		for (int equal = 1; equal >= 0; equal--) {
			vxp_plot p = circles(s, mx, my, equal);
			char *svg = NULL;
			cr_assert_eq(vxp_svg(&p, size[k][0], size[k][1], &svg), VX_OK);
			double xs[NCIRC + 2], ys[NCIRC + 2];
			int n = path_points(svg, 1, xs, ys, NCIRC + 2);
			cr_assert_geq(n, 40, "the circle has %d vertices", n);
			double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
			for (int i = 0; i < n; i++) {
				x0 = fmin(x0, xs[i]), x1 = fmax(x1, xs[i]);
				y0 = fmin(y0, ys[i]), y1 = fmax(y1, ys[i]);
			}
			double w = x1 - x0, h = y1 - y0;
			if (equal) {
				cr_expect_leq(fabs(w - h), 1.0, "%dx%d: %.2f px wide, %.2f px high", size[k][0], size[k][1], w, h);
				double ccx = (x0 + x1) / 2, ccy = (y0 + y1) / 2, r = w / 2;
				for (int i = 0; i < n; i++)
					cr_expect_leq(fabs(hypot(xs[i] - ccx, ys[i] - ccy) - r), 1.0, "%dx%d: vertex %d off the circle",
					              size[k][0], size[k][1], i);
			} else if (k != 1) {
				cr_expect_gt(w, 1.5 * h, "%dx%d, not to scale: %.2f px wide, %.2f px high", size[k][0], size[k][1],
				             w, h);
			}
			/* plain series: no markers along them or in the legend */
			cr_expect_null(strstr(svg, "vxp-marker"), "%dx%d: a plain series has no markers", size[k][0],
			               size[k][1]);
			free(svg);
		}
}

/* In cells a Braille dot is half a cell wide and a quarter of a cell,
 * which is twice as high, high: the circle's inked dots span as many
 * columns of dots as rows; in ASCII as many cells across as two rows. */
Test(cells, equal_aspect_keeps_a_circle_round)
{
	vxp_series s[2];
	double mx[3], my[3];
	static const int size[][2] = { { 72, 12 }, { 40, 20 }, { 78, 24 } };
	for (int k = 0; k < 3; k++)
		for (int utf8 = 0; utf8 < 2; utf8++) {
			vxp_plot p = circles(s, mx, my, 1);
			p.nseries = 1;
			p.nmarks = 0;
			int cols = size[k][0], rows = size[k][1];
			char *txt = NULL;
			screen sc;
			area a = draw_cells(&p, cols, rows, utf8, &txt, &sc);
			int dx = utf8 ? 2 : 1, dy = utf8 ? 4 : 1;
			int X0 = 1 << 30, X1 = -1, Y0 = 1 << 30, Y1 = -1;
			for (int Y = 0; Y < dy * a.ph; Y++)
				for (int X = 0; X < dx * a.pw; X++) {
					uint32_t ch = at(&sc, a.top + Y / dy, a.gw + 1 + X / dx);
					if (utf8 ? braille_has(ch, X % 2, Y % 4) : ch == '*') {
						X0 = X < X0 ? X : X0, X1 = X > X1 ? X : X1;
						Y0 = Y < Y0 ? Y : Y0, Y1 = Y > Y1 ? Y : Y1;
					}
				}
			cr_assert_geq(X1, 0, "the circle is drawn");
			/* widths in half cells: a Braille dot is ½ × ½, an ASCII cell 1 × 2 */
			double w = utf8 ? X1 - X0 + 1 : 2.0 * (X1 - X0 + 1), h = utf8 ? Y1 - Y0 + 1 : 4.0 * (Y1 - Y0 + 1);
			cr_expect_leq(fabs(w - h), utf8 ? 2.0 : 4.0, "%dx%d utf8=%d: %g half cells wide, %g high\n%s", cols, rows,
			              utf8, w / 2, h / 2, txt);
			free(sc.cp);
			free(txt);
		}
}

/* In a LaTeX picture too: the circle's vertices lie at one distance from
 * its centre, in pt, and no marker is drawn along it; without
 * equal_aspect it is an ellipse as wide as the frame. */
Test(latex, equal_aspect_keeps_a_circle_round)
{
	vxp_series s[2];
	double mx[3], my[3];
	for (int equal = 1; equal >= 0; equal--) {
		vxp_plot p = circles(s, mx, my, equal);
		p.nseries = 1;
		p.nmarks = 0;
		char *tex = NULL;
		cr_assert_eq(vxp_picture(&p, 340, 190, &tex), VX_OK);
		*strstr(tex, "\\end{picture}") = '\0';
		cr_expect_null(strstr(tex, "\\circle{3}"), "a plain series has no markers");
		static qseg q[4096];
		int n = picture_segments(tex, q, 4096), start = n - 1;
		while (start > 0 && fabs(q[start - 1].x1 - q[start].x0) < 1e-9 && fabs(q[start - 1].y1 - q[start].y0) < 1e-9)
			start--;
		cr_assert_gt(n - start, 40, "the circle has %d segments", n - start);
		double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
		for (int i = start; i < n; i++) {
			x0 = fmin(x0, q[i].x0), x1 = fmax(x1, q[i].x0);
			y0 = fmin(y0, q[i].y0), y1 = fmax(y1, q[i].y0);
		}
		double w = x1 - x0, h = y1 - y0;
		if (equal) {
			cr_expect_leq(fabs(w - h), 1.0, "%.2f pt wide, %.2f pt high", w, h);
			for (int i = start; i < n; i++)
				cr_expect_leq(fabs(hypot(q[i].x0 - (x0 + x1) / 2, q[i].y0 - (y0 + y1) / 2) - w / 2), 1.0,
				              "vertex %d off the circle", i - start);
		} else {
			cr_expect_gt(w, 1.5 * h, "not to scale: %.2f pt wide, %.2f pt high", w, h);
		}
		free(tex);
	}
}

/* ---- shared styles: three curves, each with its bound --------------------- */

/* Three falling lines (log y) and three dashed bounds, bound i in the
 * style of curve i, the bounds without labels. */
static double shx[11], shy[6][11];
static vxp_plot shared_plot(vxp_series *s)
{
	static const char *const label[3] = { "below", "edge", "above" };
	for (int i = 0; i < 11; i++) {
		shx[i] = i;
		for (int k = 0; k < 3; k++) {
			shy[k][i] = -(double)(3 - k) * i;          /* the curves */
			shy[3 + k][i] = (double)(k - 1) * 0.5 * i; /* the bounds */
		}
	}
	for (int k = 0; k < 3; k++) {
		s[k] = (vxp_series){ .label = label[k], .x = shx, .y = shy[k], .n = 11 };
		s[3 + k] = (vxp_series){ .label = "", .x = shx, .y = shy[3 + k], .n = 11, .dashed = 1, .style = 1 + k };
	}
	return (vxp_plot){ .xlabel = "t - k", .ylabel = "norm", .log_y = 1, .series = s, .nseries = 6 };
}

/* Up to six series share three styles: a bound takes its curve's colour,
 * marker and terminal role, dashed (the curves stay solid: patterns differ
 * within a style only), thinner, and stays out of the legend; a plot that
 * asks for a fourth style of its own, or shares a style that is itself
 * shared, is malformed. */
Test(shared, bounds_take_the_style_of_their_curves)
{
	vxp_series s[6];
	vxp_plot p = shared_plot(s);
	char *svg = NULL;
	cr_assert_eq(vxp_svg(&p, 640, 360, &svg), VX_OK);
	static const char *const colour[3] = { "#0072b2", "#d55e00", "#009e73" };
	for (int k = 0; k < 3; k++) {
		char solid[160], dashed[160];
		snprintf(solid, sizeof solid, "class=\"vxp-line vxp-s%d\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.8\" "
		         "stroke-linejoin=\"round\" d=", k + 1, colour[k]);
		snprintf(dashed, sizeof dashed, "class=\"vxp-line vxp-s%d\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.2\" "
		         "stroke-linejoin=\"round\" stroke-dasharray=\"8 4\" d=", k + 1, colour[k]);
		cr_expect_eq(count(svg, solid), 1, "curve %d solid in its colour:\n%s", k, svg);
		cr_expect_eq(count(svg, dashed), 1, "bound %d long-dashed in the same colour", k);
	}
	cr_expect_eq(count(svg, "class=\"vxp-legend-text\""), 3, "three legend entries:\n%s", svg);
	free(svg);

	char *tex = NULL;
	cr_assert_eq(vxp_picture(&p, 300, 200, &tex), VX_OK);
	cr_expect_eq(count(tex, "{\\color{vxs1}\\linethickness{1.1pt}"), 2, "curve 1 and its legend sample:\n%s", tex);
	cr_expect_eq(count(tex, "{\\color{vxs1}\\linethickness{0.8pt}"), 1, "bound 1, thinner, out of the legend");
	free(tex);

	for (int utf8 = 0; utf8 < 2; utf8++) {
		char *txt = NULL;
		unsigned char *roles = NULL;
		cr_assert_eq(vxp_cells(&p, 60, 16, utf8, &txt, &roles), VX_OK);
		int seen[256] = { 0 };
		for (size_t i = 0; i < 60 * 16; i++)
			seen[roles[i]]++;
		cr_expect(seen[1] && seen[2] && seen[3] && !seen[4] && !seen[5] && !seen[6],
		          "utf8=%d: the bounds in their curves' roles 1..3:\n%s", utf8, txt);
		cr_expect_eq(count(txt, "edge"), 1, "utf8=%d: one legend entry a style:\n%s", utf8, txt);
		free(txt);
		free(roles);
	}

	s[5].style = 4;
	cr_expect_eq(vxp_svg(&p, 640, 360, &svg), VX_EUSAGE, "style 4");
	s[5].style = 0;
	cr_expect_eq(vxp_svg(&p, 640, 360, &svg), VX_EUSAGE, "a sixth series with a style of its own");
	s[5].style = 5;
	cr_expect_eq(vxp_svg(&p, 640, 360, &svg), VX_EUSAGE, "a style shared from a shared series");
	s[5].style = 3;
	p.nseries = 7;
	cr_expect_eq(vxp_svg(&p, 640, 360, &svg), VX_EUSAGE, "seven series");
}

/* In ASCII cells every dot of a line is inked (one dot a cell is too few
 * to cut), so a bound sharing its curve's letter would read as a second
 * curve: it is inked by its dashes.  The flat bound at 10^0 (the top row)
 * has gaps between its first and last letter. */
Test(shared, an_ascii_bound_is_dashed)
{
	double x[11], y0[11], y1[11];
	for (int i = 0; i < 11; i++) {
		x[i] = i;
		y0[i] = -i;
		y1[i] = 0;
	}
	vxp_series s[2] = { { .label = "curve", .x = x, .y = y0, .n = 11 },
		            { .label = "", .x = x, .y = y1, .n = 11, .dashed = 1, .style = 1 } };
	vxp_plot p = { .xlabel = "t - k", .ylabel = "norm", .log_y = 1, .series = s, .nseries = 2 };
	char *txt = NULL;
	unsigned char *roles = NULL;
	cr_assert_eq(vxp_cells(&p, 50, 12, 0, &txt, &roles), VX_OK);
	const char *row = strstr(txt, "1e0");
	cr_assert_not_null(row, "the label 1e0:\n%s", txt);
	size_t len = strcspn(row, "\n");
	const char *first = memchr(row + 4, '*', len - 4);
	const char *last = first;
	for (const char *q = row + 4; q < row + len; q++)
		if (*q == '*')
			last = q;
	cr_assert(first && last - first > 20, "the bound spans the row:\n%s", txt);
	cr_expect(memchr(first, ' ', (size_t)(last - first)) != NULL, "the bound is dashed:\n%s", txt);
	free(txt);
	free(roles);
}
