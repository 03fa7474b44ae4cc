/*
 * plot_cells.c — vxp_cells (plot.h): the plot's data model (plot.c) drawn
 * in character cells for terminals, Braille dots and box drawing in UTF-8,
 * ASCII letters otherwise, with each cell's series for the tutor's colours.
 */
#include "report/text/plot.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/text/buf.h"
#include "report/text/math.h"
#include "report/text/plot_internal.h"
#include "report/text/utf8.h"

/* Whether step i of a line drawn with dash pattern k (vxp_assign_patterns)
 * is inked. */
static int pattern_on(int k, unsigned i)
{
	switch (k) {
	case 1: return i % 6 < 4;
	case 2: return i % 2 == 0;
	case 3: return i % 8 < 4 || i % 8 == 5;
	default: return 1;
	}
}

typedef struct {
	char s[5];            /* one code point, UTF-8 */
	unsigned char role;
} cell;

typedef struct {
	cell *c;
	int cols, rows;
	int utf8;
} grid;

static cell *at(grid *g, int r, int c) { return &g->c[(size_t)r * (size_t)g->cols + (size_t)c]; }

static void put_cp(grid *g, int r, int c, const char *s, size_t l, unsigned char role)
{
	if (r < 0 || r >= g->rows || c < 0 || c >= g->cols || l > 4)
		return;
	cell *x = at(g, r, c);
	memcpy(x->s, s, l);
	x->s[l] = '\0';
	x->role = role;
}

/* Writes text from column c, at most maxw columns; returns the columns
 * used.  Only width-1 characters are kept (others become ?), and in ASCII
 * mode the text is spelt in ASCII first. */
static int put_text(grid *g, int r, int c, int maxw, const char *text, unsigned char role)
{
	if (!text || maxw <= 0)
		return 0;
	char *folded = NULL;
	if (!g->utf8) {
		folded = vxm_to_ascii(text);
		if (!folded)
			return 0;
		text = folded;
	}
	size_t n = strlen(text);
	int w = 0;
	for (size_t i = 0; i < n && w < maxw;) {
		uint32_t cp;
		size_t l = vxr_u8_dec((const unsigned char *)text + i, n - i, &cp);
		int cw = l ? vxr_cp_width(cp) : 1;
		if (l && cw == 0 && cp >= 0x20) {
			i += l; /* a combining mark: dropped */
			continue;
		}
		if (!l || cw != 1)
			put_cp(g, r, c + w, "?", 1, role);
		else
			put_cp(g, r, c + w, text + i, l, role);
		i += l ? l : 1;
		w++;
	}
	free(folded);
	return w;
}

/* Display columns text takes in the grid (as put_text counts them). */
static int text_cols(const grid *g, const char *text)
{
	if (!text)
		return 0;
	char *folded = g->utf8 ? NULL : vxm_to_ascii(text);
	const char *t = folded ? folded : text;
	size_t n = strlen(t);
	int w = 0;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t l = vxr_u8_dec((const unsigned char *)t + i, n - i, &cp);
		if (l && vxr_cp_width(cp) == 0 && cp >= 0x20) {
			i += l;
			continue;
		}
		w++;
		i += l ? l : 1;
	}
	free(folded);
	return w;
}

/* The dot grid of the plot area: Braille gives 2×4 dots a cell. */
typedef struct {
	int pw, ph;           /* cells */
	int dx, dy;           /* dots per cell */
	unsigned char *bits;  /* Braille dot bits, or the ASCII character */
	unsigned char *owner; /* role of the series that drew it (lowest wins) */
} canvas;

static const unsigned char braille_bit[4][2] = { { 0x01, 0x08 }, { 0x02, 0x10 }, { 0x04, 0x20 }, { 0x40, 0x80 } };
static const char ascii_mark[MAX_STYLES] = { '*', '+', 'o' };

/* Inks dot (X, Y) in style s. */
static void plot_dot(canvas *cv, int X, int Y, int s)
{
	if (X < 0 || Y < 0 || X >= cv->pw * cv->dx || Y >= cv->ph * cv->dy)
		return;
	size_t k = (size_t)(Y / cv->dy) * (size_t)cv->pw + (size_t)(X / cv->dx);
	if (cv->dx == 2)
		cv->bits[k] |= braille_bit[Y % 4][X % 2];
	else
		cv->bits[k] = (unsigned char)ascii_mark[s];
	cv->owner[k] = (unsigned char)(s + 1);
}

static void dot_of(const model *m, const canvas *cv, double x, double y, int *X, int *Y)
{
	int W = cv->pw * cv->dx, H = cv->ph * cv->dy;
	*X = (int)lround(vxp_frac_of(&m->x, x) * (W - 1));
	*Y = (int)lround((1 - vxp_frac_of(&m->y, y)) * (H - 1));
}

/* A segment between two dots (Bresenham) in style s, inked by the dash
 * pattern (in ASCII only when ascii_dash: one dot a cell leaves too few to
 * cut), its first dot left out (the previous segment drew it); the counter
 * runs on along the series so dashes do not restart at every data point. */
static void plot_segment(canvas *cv, int x0, int y0, int x1, int y1, int s, int pat, int ascii_dash,
                         unsigned *counter)
{
	int dxa = abs(x1 - x0), dya = -abs(y1 - y0);
	int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
	int err = dxa + dya;
	for (int first = 1;; first = 0) {
		if (!first && ((cv->dx == 1 && !ascii_dash) || pattern_on(pat, (*counter)++)))
			plot_dot(cv, x0, y0, s);
		if (x0 == x1 && y0 == y1)
			break;
		int e2 = 2 * err;
		if (e2 >= dya) {
			err += dya;
			x0 += sx;
		}
		if (e2 <= dxa) {
			err += dxa;
			y0 += sy;
		}
	}
}

static void cells_series(canvas *cv, const model *m, size_t s, int pat)
{
	const vxp_series *se = &m->p->series[s];
	int st = vxp_style(m->p, s);
	/* in ASCII a bound that shares its curve's letter is told apart by its
	 * dashes alone */
	int ascii_dash = se->style > 0 && se->dashed;
	int have = 0, px = 0, py = 0;
	unsigned counter = 0;
	for (size_t i = 0; i < se->n; i++) {
		if (!vxp_point_ok(se->x[i], se->y[i])) {
			have = 0;
			continue;
		}
		int X, Y;
		dot_of(m, cv, se->x[i], se->y[i], &X, &Y);
		if (!have) {
			/* where a line starts (or a lone point) is always inked; along
			 * the line the pattern decides, even at data points, or a
			 * thousand points would ink every dot and hide the dashes */
			plot_dot(cv, X, Y, st);
			counter = 1;
		} else if (X != px || Y != py) {
			plot_segment(cv, px, py, X, Y, st, pat, ascii_dash, &counter);
		}
		have = 1;
		px = X;
		py = Y;
	}
}

/* The Braille character for bits, UTF-8. */
static void braille(unsigned char bits, char out[4])
{
	uint32_t cp = 0x2800u + bits;
	out[0] = (char)(0xE0 | (cp >> 12));
	out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[2] = (char)(0x80 | (cp & 0x3F));
	out[3] = '\0';
}

/* A legend sample: a short line in the series' pattern, LEGEND_SAMPLE
 * cells in Braille (enough to show a dash), two characters in ASCII. */
#define LEGEND_SAMPLE 3
static void legend_sample(grid *g, int r, int c, int s, int pat)
{
	if (!g->utf8) {
		char ch[2] = { ascii_mark[s], '\0' };
		put_text(g, r, c, 1, ch, (unsigned char)(s + 1));
		put_text(g, r, c + 1, 1, ch, (unsigned char)(s + 1));
		return;
	}
	for (int k = 0; k < LEGEND_SAMPLE; k++) {
		unsigned char bits = 0;
		for (int d = 0; d < 2; d++)
			if (pattern_on(pat, (unsigned)(2 * k + d)))
				bits |= braille_bit[1][d] | braille_bit[2][d];
		char ch[4];
		braille(bits ? bits : 0, ch);
		put_cp(g, r, c + k, ch, 3, (unsigned char)(s + 1));
	}
}

/* Series s's legend text: its label, or "series N" (written into def). */
static const char *series_label(const vxp_plot *p, size_t s, char *def, size_t n)
{
	const char *l = p->series[s].label;
	if (l && *l)
		return l;
	snprintf(def, n, "series %zu", s + 1);
	return def;
}

/* The columns the legend's series and marks take on one line: each
 * sample and label, the marks' dot and label, two columns between. */
static int legend_cols(const grid *g, const vxp_plot *p)
{
	int w = 0, sw = g->utf8 ? LEGEND_SAMPLE : 2;
	for (size_t s = 0; s < p->nseries; s++) {
		if (!vxp_in_legend(p, s))
			continue;
		char def[32];
		w += (w ? 2 : 0) + sw + 1 + text_cols(g, series_label(p, s, def, sizeof def));
	}
	if (p->nmarks && p->mark_label && *p->mark_label)
		w += (w ? 2 : 0) + 2 + text_cols(g, p->mark_label);
	return w;
}

/* Before a legend entry w columns wide at (*lr, *c): to the start of the
 * next line when it does not fit the rest of this one and there is a next
 * (the legend ends at the last of the rows). */
static void legend_next(int *lr, int *c, int w, int cols, int rows)
{
	if (*c > 0 && *c + w > cols && *lr + 1 < rows) {
		(*lr)++;
		*c = 0;
	}
}

vx_status vxp_cells(const vxp_plot *p, int cols, int rows, int utf8, char **out, unsigned char **roles)
{
	if (out)
		*out = NULL;
	if (roles)
		*roles = NULL;
	if (!out || !roles || vxp_check(p) != VX_OK || cols < 20 || rows < 5 || cols > 2000 || rows > 1000)
		return VX_EUSAGE;

	int header = rows >= 8 && ((p->title && *p->title) || (p->ylabel && *p->ylabel));
	grid g = { calloc((size_t)rows * (size_t)cols, sizeof(cell)), cols, rows, utf8 };
	if (!g.c)
		return VX_ENOMEM;
	for (size_t i = 0; i < (size_t)rows * (size_t)cols; i++)
		strcpy(g.c[i].s, " ");
	/* the legend on a second line when its entries do not fit one and the
	 * plot keeps 3 rows: a narrow plot (the tutor's panel) names every
	 * series instead of cutting the last ones off */
	int nleg = legend_cols(&g, p) > cols && rows - header - 4 >= 3 ? 2 : 1;
	int ph = rows - header - 2 - nleg;    /* the x axis, its labels, the legend */

	/* y ticks first: their widest label sets the gutter */
	model m;
	vxp_build_model(&m, p, MAX_TICKS, (ph + 1) / 2);
	char *ylab[MAX_TICKS] = { 0 };
	int gw = 0;
	for (int i = 0; i < m.y.nticks; i++) {
		ylab[i] = vxp_label_text(&m.y, m.y.ticks[i], utf8 ? LBL_UNICODE : LBL_ASCII);
		if (ylab[i])
			gw = gw > text_cols(&g, ylab[i]) ? gw : text_cols(&g, ylab[i]);
	}
	int pw = cols - gw - 1;
	if (pw < 10) {
		for (int i = 0; i < m.y.nticks; i++)
			free(ylab[i]);
		free(g.c);
		return VX_EUSAGE;
	}
	/* the x ticks again, now that the plot's width is known */
	vxp_build_model(&m, p, pw / 8 < 2 ? 2 : pw / 8, (ph + 1) / 2);
	/* to scale, a cell twice as high as wide; the widened range's y labels
	 * may need a wider gutter, which narrows the plot, fitted once more */
	for (int pass = 0; p->equal_aspect && pass < 2; pass++) {
		vxp_fit_aspect(&m, pw, 2.0 * ph, pw / 8 < 2 ? 2 : pw / 8, (ph + 1) / 2);
		int gw2 = 0;
		for (int i = 0; i < MAX_TICKS; i++) {
			free(ylab[i]);
			ylab[i] = i < m.y.nticks ? vxp_label_text(&m.y, m.y.ticks[i], utf8 ? LBL_UNICODE : LBL_ASCII) : NULL;
			if (ylab[i])
				gw2 = gw2 > text_cols(&g, ylab[i]) ? gw2 : text_cols(&g, ylab[i]);
		}
		if (gw2 <= gw)
			break;
		gw = gw2;
		pw = cols - gw - 1;
		if (pw < 10) {
			for (int i = 0; i < MAX_TICKS; i++)
				free(ylab[i]);
			free(g.c);
			return VX_EUSAGE;
		}
	}

	canvas cv = { pw, ph, utf8 ? 2 : 1, utf8 ? 4 : 1, calloc((size_t)pw * (size_t)ph, 1),
	              calloc((size_t)pw * (size_t)ph, 1) };
	if (!cv.bits || !cv.owner) {
		free(cv.bits);
		free(cv.owner);
		for (int i = 0; i < m.y.nticks; i++)
			free(ylab[i]);
		free(g.c);
		return VX_ENOMEM;
	}
	int pat[MAX_SERIES] = { 0 };
	vxp_assign_patterns(p, pat);
	/* the first series is the one that matters: drawn last, on top */
	for (size_t s = p->nseries; s-- > 0;)
		cells_series(&cv, &m, s, pat[s]);

	int top = header;
	for (int r = 0; r < ph; r++) {
		for (int c = 0; c < pw; c++) {
			size_t k = (size_t)r * (size_t)pw + (size_t)c;
			if (!cv.owner[k])
				continue;
			char ch[4];
			if (utf8) {
				braille(cv.bits[k], ch);
				put_cp(&g, top + r, gw + 1 + c, ch, 3, cv.owner[k]);
			} else {
				put_cp(&g, top + r, gw + 1 + c, (const char *)&cv.bits[k], 1, cv.owner[k]);
			}
		}
	}
	/* marked points over everything */
	for (size_t i = 0; i < p->nmarks; i++) {
		if (!vxp_point_ok(p->mark_x[i], p->mark_y[i]))
			continue;
		int X, Y;
		dot_of(&m, &cv, p->mark_x[i], p->mark_y[i], &X, &Y);
		put_text(&g, top + Y / cv.dy, gw + 1 + X / cv.dx, 1, utf8 ? "●" : "@", 4);
	}

	/* y axis and its labels */
	const char *vbar = utf8 ? "│" : "|", *vtick = utf8 ? "┤" : "+";
	for (int r = 0; r < ph; r++)
		put_text(&g, top + r, gw, 1, vbar, 0);
	int lastrow = -1;
	for (int i = m.y.nticks - 1; i >= 0; i--) {
		int Y = (int)lround((1 - vxp_frac_of(&m.y, m.y.ticks[i])) * (ph * cv.dy - 1));
		int r = Y / cv.dy;
		put_text(&g, top + r, gw, 1, vtick, 0);
		if (ylab[i] && r != lastrow) {
			int w = text_cols(&g, ylab[i]);
			put_text(&g, top + r, gw - w, w, ylab[i], 0);
			lastrow = r;
		}
	}
	for (int i = 0; i < m.y.nticks; i++)
		free(ylab[i]);

	/* x axis, ticks and labels */
	int axr = top + ph;
	put_text(&g, axr, gw, 1, utf8 ? "└" : "+", 0);
	for (int c = 0; c < pw; c++)
		put_text(&g, axr, gw + 1 + c, 1, utf8 ? "─" : "-", 0);
	int nextfree = 0, lastlabel_end = 0;
	for (int i = 0; i < m.x.nticks; i++) {
		int X = (int)lround(vxp_frac_of(&m.x, m.x.ticks[i]) * (pw * cv.dx - 1));
		int c = gw + 1 + X / cv.dx;
		put_text(&g, axr, c, 1, utf8 ? "┬" : "+", 0);
		char *l = vxp_label_text(&m.x, m.x.ticks[i], utf8 ? LBL_UNICODE : LBL_ASCII);
		if (!l)
			continue;
		int w = text_cols(&g, l);
		int c0 = c - w / 2;
		if (c0 + w > cols)
			c0 = cols - w;
		if (c0 >= nextfree && c0 >= 0) {
			put_text(&g, axr + 1, c0, w, l, 0);
			nextfree = c0 + w + 1;
			lastlabel_end = c0 + w;
		}
		free(l);
	}
	int xl_on_ticks = 0;
	if (p->xlabel && *p->xlabel) {
		int w = text_cols(&g, p->xlabel);
		if (cols - w >= lastlabel_end + 2) {
			put_text(&g, axr + 1, cols - w, w, p->xlabel, 0);
			xl_on_ticks = 1;
		}
	}

	/* header: the y label over the axis labels, the title centred */
	if (header) {
		int used = 0;
		if (p->ylabel && *p->ylabel)
			used = put_text(&g, 0, 0, cols / 3 > gw + 1 ? cols / 3 : gw + 1, p->ylabel, 0) + 2;
		if (p->title && *p->title) {
			int w = text_cols(&g, p->title);
			int c0 = gw + 1 + (pw - w) / 2;
			if (c0 < used)
				c0 = used;
			put_text(&g, 0, c0, cols - c0, p->title, 0);
		}
	}

	/* the legend: its entries in order on nleg lines, an entry that does
	 * not fit the rest of a line starting the next while there is one */
	int lr = rows - nleg, c = 0;
	int sw = utf8 ? LEGEND_SAMPLE : 2;
	for (size_t s = 0; s < p->nseries; s++) {
		if (!vxp_in_legend(p, s))
			continue;
		char def[32];
		const char *l = series_label(p, s, def, sizeof def);
		legend_next(&lr, &c, sw + 1 + text_cols(&g, l), cols, rows);
		if (c + sw + 1 > cols)
			break;
		legend_sample(&g, lr, c, vxp_style(p, s), pat[s]);
		c += sw + 1;
		c += put_text(&g, lr, c, cols - c, l, 0) + 2;
	}
	if (p->nmarks && p->mark_label && *p->mark_label) {
		legend_next(&lr, &c, 2 + text_cols(&g, p->mark_label), cols, rows);
		if (c + 3 <= cols) {
			put_text(&g, lr, c, 1, utf8 ? "●" : "@", 4);
			c += 2;
			c += put_text(&g, lr, c, cols - c, p->mark_label, 0) + 2;
		}
	}
	char note[128] = "";
	if (m.zeros || m.underflows || m.undefined) {
		/* "(2 zeros, 1 underflow, 4 undefined omitted)" */
		size_t k = 0;
		const size_t cnt[3] = { m.zeros, m.underflows, m.undefined };
		static const char *const what[3] = { "zero", "underflow", "undefined" };
		for (int i = 0; i < 3; i++)
			if (cnt[i] && k < sizeof note)
				k += (size_t)snprintf(note + k, sizeof note - k, "%s%zu %s%s", k ? ", " : "(", cnt[i], what[i],
				                      cnt[i] > 1 && i < 2 ? "s" : "");
		if (k < sizeof note)
			snprintf(note + k, sizeof note - k, " omitted)");
	} else if (m.npoints == 0) {
		snprintf(note, sizeof note, "(no values to plot)");
	}
	if (note[0]) {
		legend_next(&lr, &c, text_cols(&g, note), cols, rows);
		if (c < cols)
			c += put_text(&g, lr, c, cols - c, note, 0) + 2;
	}
	if (!xl_on_ticks && p->xlabel && *p->xlabel) {
		int w = text_cols(&g, p->xlabel) + 3;
		legend_next(&lr, &c, w, cols, rows);
		if (c + w <= cols) {
			put_text(&g, lr, c, 3, "x: ", 0);
			c += 3 + put_text(&g, lr, c + 3, cols - c - 3, p->xlabel, 0) + 2;
		}
	}

	/* join the rows; every cell is one code point, one column */
	vxr_buf b = { 0 };
	unsigned char *ro = malloc((size_t)rows * (size_t)cols);
	if (!ro) {
		free(cv.bits);
		free(cv.owner);
		free(g.c);
		return VX_ENOMEM;
	}
	for (int r = 0; r < rows; r++) {
		for (int k = 0; k < cols; k++) {
			cell *x = at(&g, r, k);
			vxr_buf_puts(&b, x->s);
			ro[(size_t)r * (size_t)cols + (size_t)k] = x->role;
		}
		if (r + 1 < rows)
			vxr_buf_puts(&b, "\n");
	}
	free(cv.bits);
	free(cv.owner);
	free(g.c);
	if (b.oom || !b.s) {
		free(b.s);
		free(ro);
		return VX_ENOMEM;
	}
	*out = b.s;
	*roles = ro;
	return VX_OK;
}
