/*
 * plot.c — the plots of plot.h: one data model (ranges, ticks, the pixel
 * mapping), drawn twice: as SVG for documents and as character cells for
 * terminals.
 *
 * Numbers in the SVG are written by integer arithmetic, never by printf's
 * %f, so the output does not depend on LC_NUMERIC (the tutor sets a locale)
 * and is byte-identical from run to run.
 */
#include "report/text/plot.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/text/buf.h"
#include "report/text/math.h"
#include "report/text/utf8.h"

#define MAX_TICKS 8
#define MAX_SERIES 3

/* Fixed-point decimal with at most dec decimals, trailing zeros dropped
 * when trim; locale-free. */
static void b_num(vxr_buf *b, double v, int dec, int trim)
{
	static const long long p10[] = { 1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
	                                 1000000000 };
	char s[64];
	if (!isfinite(v))
		v = 0;
	if (dec < 0)
		dec = 0;
	if (dec > 9)
		dec = 9;
	if (fabs(v) * (double)p10[dec] >= 9e15) {
		/* outside what a long long holds: mantissa and exponent by hand */
		int e = (int)floor(log10(fabs(v)));
		double m = v / pow(10, e);
		long long q = llround(m * 1000);
		snprintf(s, sizeof s, "%s%lld.%03lld" "e%d", q < 0 ? "-" : "", llabs(q) / 1000, llabs(q) % 1000, e);
		vxr_buf_puts(b, s);
		return;
	}
	long long q = llround(v * (double)p10[dec]);
	long long ip = llabs(q) / p10[dec], fp = llabs(q) % p10[dec];
	int n = snprintf(s, sizeof s, "%s%lld", q < 0 ? "-" : "", ip);
	if (dec > 0 && !(trim && fp == 0)) {
		n += snprintf(s + n, sizeof s - (size_t)n, ".%0*lld", dec, fp);
		if (trim)
			while (s[n - 1] == '0')
				s[--n] = '\0';
	}
	vxr_buf_puts(b, s);
}

/* A pixel coordinate: two decimals at most. */
static void b_px(vxr_buf *b, double v) { b_num(b, v, 2, 1); }

/* Appends text to an SVG document, escaped, with invalid bytes and control
 * characters replaced so the XML stays well formed. */
static void b_xml(vxr_buf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t l = vxr_u8_dec((const unsigned char *)s + i, n - i, &cp);
		if (!l) {
			vxr_buf_puts(b, "?");
			i++;
			continue;
		}
		if (cp == '&') vxr_buf_puts(b, "&amp;");
		else if (cp == '<') vxr_buf_puts(b, "&lt;");
		else if (cp == '>') vxr_buf_puts(b, "&gt;");
		else if (cp == '"') vxr_buf_puts(b, "&quot;");
		else if (cp == '\'') vxr_buf_puts(b, "&apos;");
		else if (cp < 0x20 || cp == 0x7F || cp == 0xFFFE || cp == 0xFFFF) vxr_buf_puts(b, " ");
		else vxr_buf_put(b, s + i, l);
		i += l;
	}
}

/* ------------------------------------------------------------------ */
/* The data model: what is drawn where                                 */
/* ------------------------------------------------------------------ */

typedef struct {
	double lo, hi;        /* the axis range */
	double ticks[MAX_TICKS + 2];
	int nticks;
	double step;          /* tick step (decades when log) */
	int log;              /* ticks read 10^v */
} axis;

typedef struct {
	const vxp_plot *p;
	axis x, y;
	size_t npoints;       /* plotted points (series and marks) */
	size_t zeros;         /* log_y points at exactly 0 (y = -inf): left out */
	size_t undefined;     /* NaN or infinite points otherwise: left out */
	int integral_x;       /* every x is an integer: no ticks between */
} model;

static int point_ok(double x, double y)
{
	return isfinite(x) && isfinite(y);
}

static vx_status check_plot(const vxp_plot *p)
{
	if (!p || p->nseries > MAX_SERIES)
		return VX_EUSAGE;
	if (p->nseries && !p->series)
		return VX_EUSAGE;
	for (size_t s = 0; s < p->nseries; s++)
		if (p->series[s].n && (!p->series[s].x || !p->series[s].y))
			return VX_EUSAGE;
	if (p->nmarks && (!p->mark_x || !p->mark_y))
		return VX_EUSAGE;
	return VX_OK;
}

/* The smallest 1, 2 or 5 × 10^k at least v (v > 0). */
static double nice_up(double v)
{
	if (!(v > 0) || !isfinite(v))
		return 1;
	double e = floor(log10(v));
	double m = v / pow(10, e);
	double r = m <= 1 + 1e-9 ? 1 : m <= 2 + 1e-9 ? 2 : m <= 5 + 1e-9 ? 5 : 10;
	return r * pow(10, e);
}

/* Ticks: the multiples of step inside [lo, hi], at most MAX_TICKS. */
static void fill_ticks(axis *a)
{
	a->nticks = 0;
	if (!(a->step > 0) || !isfinite(a->step))
		return;
	double first = ceil(a->lo / a->step - 1e-9);
	for (int i = 0; i <= MAX_TICKS && a->nticks < MAX_TICKS; i++) {
		double v = (first + i) * a->step;
		if (v > a->hi + fabs(a->step) * 1e-9)
			break;
		if (fabs(v) < a->step * 1e-9)
			v = 0;  /* no "-0" */
		if (a->nticks > 0 && !(v > a->ticks[a->nticks - 1]))
			break; /* the step is below the precision of the range */
		a->ticks[a->nticks++] = v;
	}
}

/* Chooses a tick step for [lo, hi] giving at most maxt ticks. */
static void choose_ticks(axis *a, int maxt, int integral)
{
	if (maxt < 2)
		maxt = 2;
	if (maxt > MAX_TICKS)
		maxt = MAX_TICKS;
	double span = a->hi / 2 - a->lo / 2; /* halves: no overflow at ±1e308 */
	/* from a step surely too fine, up the 1-2-5 ladder to the first that fits */
	double step = nice_up(2 * span / (4 * maxt));
	if ((integral || a->log) && step < 1)
		step = 1;
	for (int guard = 0; guard < 1000; guard++) {
		double n = floor(a->hi / step + 1e-9) - ceil(a->lo / step - 1e-9) + 1;
		if (n <= maxt)
			break;
		step = nice_up(step * 1.5);
	}
	a->step = step;
	fill_ticks(a);
}

/* Ranges and ticks for a plot; max ticks per axis from the room there is. */
static void build_model(model *m, const vxp_plot *p, int maxtx, int maxty)
{
	memset(m, 0, sizeof *m);
	m->p = p;
	double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
	int integral = 1;
	for (size_t s = 0; s <= p->nseries; s++) {
		size_t n = s < p->nseries ? p->series[s].n : p->nmarks;
		const double *xs = s < p->nseries ? p->series[s].x : p->mark_x;
		const double *ys = s < p->nseries ? p->series[s].y : p->mark_y;
		for (size_t i = 0; i < n; i++) {
			double x = xs[i], y = ys[i];
			if (!point_ok(x, y)) {
				if (p->log_y && y == -INFINITY && isfinite(x))
					m->zeros++;
				else
					m->undefined++;
				continue;
			}
			m->npoints++;
			xmin = fmin(xmin, x);
			xmax = fmax(xmax, x);
			ymin = fmin(ymin, y);
			ymax = fmax(ymax, y);
			integral &= x == floor(x);
		}
	}
	if (m->npoints == 0) {
		xmin = 0;
		xmax = 1;
		ymin = p->log_y ? -1 : 0;
		ymax = p->log_y ? 0 : 1;
		integral = 0;
	}
	m->integral_x = integral;
	if (!(xmax > xmin)) {
		double d = fabs(xmin) * 1e-6 + 1;
		xmin -= d;
		xmax += d;
	}
	m->x.lo = xmin;
	m->x.hi = xmax;
	choose_ticks(&m->x, maxtx, integral);

	m->y.log = p->log_y;
	if (p->log_y) {
		/* whole decades, so the ends are powers of ten; a log10 of 1 that
		 * came out as 1e-16 does not buy a decade of empty space */
		ymin = floor(ymin + 1e-9);
		ymax = ceil(ymax - 1e-9);
		if (!(ymax > ymin)) {
			double d = fabs(ymin) * 1e-6 + 1;
			ymin -= d;
			ymax += d;
		}
		m->y.lo = ymin;
		m->y.hi = ymax;
		choose_ticks(&m->y, maxty, 1);
	} else {
		if (!(ymax > ymin)) {
			double d = fabs(ymin) * 0.1 + (ymin == 0 ? 1 : 0);
			ymin -= d;
			ymax += d;
		}
		m->y.lo = ymin;
		m->y.hi = ymax;
		choose_ticks(&m->y, maxty, 0);
		/* widen to the neighbouring ticks, so the frame ends on labels */
		if (m->y.step > 0 && isfinite(m->y.step)) {
			double lo = floor(ymin / m->y.step + 1e-9) * m->y.step;
			double hi = ceil(ymax / m->y.step - 1e-9) * m->y.step;
			if (isfinite(lo) && isfinite(hi) && hi > lo) {
				m->y.lo = lo;
				m->y.hi = hi;
				fill_ticks(&m->y);
			}
		}
	}
}

/* Where v falls on an axis, 0 at lo and 1 at hi (halves: no overflow). */
static double frac_of(const axis *a, double v)
{
	double t = (v / 2 - a->lo / 2) / (a->hi / 2 - a->lo / 2);
	return isfinite(t) ? t : 0;
}

/* Superscript spelling of an integer's digits and sign. */
static void sup_int(vxr_buf *b, long long v)
{
	static const char *const d[] = { "⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹" };
	char s[32];
	snprintf(s, sizeof s, "%lld", v);
	for (char *c = s; *c; c++)
		vxr_buf_puts(b, *c == '-' ? "⁻" : d[*c - '0']);
}

typedef enum { LBL_UNICODE, LBL_ASCII } lblstyle;

/* A tick label: 10ⁿ / 1e-4 on a log axis, a plain number otherwise. */
static void tick_label(vxr_buf *b, const axis *a, double v, lblstyle st)
{
	if (a->log) {
		if (fabs(v) >= 1e15) {
			vxr_buf_puts(b, st == LBL_ASCII ? "1e" : "10^");
			b_num(b, v, 0, 1);
			return;
		}
		long long e = llround(v);
		if (st == LBL_ASCII) {
			char s[32];
			snprintf(s, sizeof s, "1e%lld", e);
			vxr_buf_puts(b, s);
		} else {
			vxr_buf_puts(b, "10");
			sup_int(b, e);
		}
		return;
	}
	double e = floor(log10(a->step) + 1e-9);
	if (fabs(v) >= 1e7 || e < -6) {
		/* big or tiny: the mantissa in units of the step's power of ten */
		b_num(b, v / pow(10, e), 0, 1);
		if (st == LBL_ASCII) {
			char s[32];
			snprintf(s, sizeof s, "e%d", (int)e);
			vxr_buf_puts(b, s);
		} else {
			vxr_buf_puts(b, "×10");
			sup_int(b, (long long)e);
		}
		return;
	}
	int dec = e < 0 ? (int)-e : 0;
	if (v < 0 && st == LBL_UNICODE) {
		vxr_buf_puts(b, "−");
		v = -v;
	}
	b_num(b, v, dec, 0);
}

static char *label_text(const axis *a, double v, lblstyle st)
{
	vxr_buf b = { 0 };
	tick_label(&b, a, v, st);
	vxr_buf_puts(&b, "");
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

/* Dash patterns: solid, long dash, dot, dash-dot.  A series asking to be
 * dashed never gets the solid one; no two series share one. */
static const char *const dash_svg[] = { NULL, "8 4", "2 3", "10 3 2 3" };

static void assign_patterns(const vxp_plot *p, int pat[MAX_SERIES])
{
	int used[4] = { 0 };
	for (size_t s = 0; s < p->nseries; s++) {
		int k = p->series[s].dashed ? 1 : 0;
		while (k < 4 && used[k])
			k++;
		if (k == 4) /* three dashed series: the fourth pattern is free */
			for (k = 1; used[k]; k++)
				;
		used[k] = 1;
		pat[s] = k;
	}
}

/* Whether step i of a line drawn with pattern k is inked (cells). */
static int pattern_on(int k, unsigned i)
{
	switch (k) {
	case 1: return i % 6 < 4;
	case 2: return i % 2 == 0;
	case 3: return i % 8 < 4 || i % 8 == 5;
	default: return 1;
	}
}

/* ------------------------------------------------------------------ */
/* SVG                                                                 */
/* ------------------------------------------------------------------ */

static const char *const colour[] = { "#0072b2", "#d55e00", "#009e73" };

/* Width in px of text at 12 px sans-serif, estimated (no font metrics
 * here): enough to leave room, not to typeset. */
static double text_px(const char *s, double size)
{
	double w = 0;
	size_t n = s ? strlen(s) : 0;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t l = vxr_u8_dec((const unsigned char *)s + i, n - i, &cp);
		if (!l)
			l = 1, cp = '?';
		/* small figures of exponents take half a column */
		int small = (cp >= 0x2070 && cp <= 0x209F) || cp == 0xB9 || cp == 0xB2 || cp == 0xB3;
		w += small ? 0.36 : cp == ' ' ? 0.3 : vxr_cp_width(cp) == 2 ? 1.0 : 0.6;
		i += l;
	}
	return w * size;
}

typedef struct {
	double left, top, right, bottom;  /* the plot area */
} frame;

static double px_x(const model *m, const frame *f, double x)
{
	return f->left + frac_of(&m->x, x) * (f->right - f->left);
}

static double px_y(const model *m, const frame *f, double y)
{
	return f->bottom - frac_of(&m->y, y) * (f->bottom - f->top);
}

static void svg_marker(vxr_buf *b, int s, double x, double y)
{
	if (s == 0) {
		vxr_buf_puts(b, "<circle cx=\"");
		b_px(b, x);
		vxr_buf_puts(b, "\" cy=\"");
		b_px(b, y);
		vxr_buf_puts(b, "\" r=\"3\"/>");
	} else if (s == 1) {
		vxr_buf_puts(b, "<rect x=\"");
		b_px(b, x - 3);
		vxr_buf_puts(b, "\" y=\"");
		b_px(b, y - 3);
		vxr_buf_puts(b, "\" width=\"6\" height=\"6\"/>");
	} else {
		vxr_buf_puts(b, "<path d=\"M");
		b_px(b, x);
		vxr_buf_puts(b, " ");
		b_px(b, y - 3.5);
		vxr_buf_puts(b, "L");
		b_px(b, x + 3.5);
		vxr_buf_puts(b, " ");
		b_px(b, y + 3);
		vxr_buf_puts(b, "L");
		b_px(b, x - 3.5);
		vxr_buf_puts(b, " ");
		b_px(b, y + 3);
		vxr_buf_puts(b, "Z\"/>");
	}
}

static void svg_line(vxr_buf *b, const char *cls, double x1, double y1, double x2, double y2)
{
	vxr_buf_puts(b, "<line class=\"");
	vxr_buf_puts(b, cls);
	vxr_buf_puts(b, "\" x1=\"");
	b_px(b, x1);
	vxr_buf_puts(b, "\" y1=\"");
	b_px(b, y1);
	vxr_buf_puts(b, "\" x2=\"");
	b_px(b, x2);
	vxr_buf_puts(b, "\" y2=\"");
	b_px(b, y2);
	vxr_buf_puts(b, "\"/>\n");
}

static void svg_text(vxr_buf *b, const char *cls, double x, double y, const char *anchor, const char *text)
{
	vxr_buf_puts(b, "<text class=\"");
	vxr_buf_puts(b, cls);
	vxr_buf_puts(b, "\" x=\"");
	b_px(b, x);
	vxr_buf_puts(b, "\" y=\"");
	b_px(b, y);
	vxr_buf_puts(b, "\"");
	if (anchor) {
		vxr_buf_puts(b, " text-anchor=\"");
		vxr_buf_puts(b, anchor);
		vxr_buf_puts(b, "\"");
	}
	vxr_buf_puts(b, ">");
	b_xml(b, text);
	vxr_buf_puts(b, "</text>\n");
}

/* One series as a path broken where points are left out; points closer
 * than half a pixel to the last one drawn are skipped (a million steps make
 * a path of a few hundred vertices, never off by more than half a pixel). */
static void svg_series(vxr_buf *b, const model *m, const frame *f, size_t s, int pat)
{
	const vxp_series *se = &m->p->series[s];
	vxr_buf_puts(b, "<path class=\"vxp-line vxp-s");
	char num[32];
	snprintf(num, sizeof num, "%zu", s + 1);
	vxr_buf_puts(b, num);
	vxr_buf_puts(b, "\" fill=\"none\" stroke=\"");
	vxr_buf_puts(b, colour[s]);
	vxr_buf_puts(b, "\" stroke-width=\"1.8\" stroke-linejoin=\"round\"");
	if (dash_svg[pat]) {
		vxr_buf_puts(b, " stroke-dasharray=\"");
		vxr_buf_puts(b, dash_svg[pat]);
		vxr_buf_puts(b, "\"");
	}
	vxr_buf_puts(b, " d=\"");
	int pen = 0;
	double lx = 0, ly = 0;
	size_t valid = 0;
	for (size_t i = 0; i < se->n; i++) {
		if (!point_ok(se->x[i], se->y[i])) {
			pen = 0;
			continue;
		}
		valid++;
		double X = px_x(m, f, se->x[i]), Y = px_y(m, f, se->y[i]);
		int last = i + 1 == se->n || !point_ok(se->x[i + 1], se->y[i + 1]);
		if (pen && !last && fabs(X - lx) < 0.5 && fabs(Y - ly) < 0.5)
			continue;
		vxr_buf_puts(b, pen ? "L" : "M");
		b_px(b, X);
		vxr_buf_puts(b, " ");
		b_px(b, Y);
		if (!pen && last) {
			/* a lone point: a dot the width of the line */
			vxr_buf_puts(b, "h0.01");
		}
		pen = 1;
		lx = X;
		ly = Y;
	}
	vxr_buf_puts(b, "\"/>\n");

	/* markers, at most about twenty per series, at fixed indices */
	size_t stride = valid <= 25 ? 1 : (valid + 19) / 20;
	vxr_buf_puts(b, "<g class=\"vxp-marker vxp-s");
	vxr_buf_puts(b, num);
	vxr_buf_puts(b, "\" fill=\"#fff\" stroke=\"");
	vxr_buf_puts(b, colour[s]);
	vxr_buf_puts(b, "\" stroke-width=\"1.3\">");
	size_t k = 0;
	for (size_t i = 0; i < se->n; i++) {
		if (!point_ok(se->x[i], se->y[i]))
			continue;
		if (k++ % stride == 0)
			svg_marker(b, (int)s, px_x(m, f, se->x[i]), px_y(m, f, se->y[i]));
	}
	vxr_buf_puts(b, "</g>\n");
}

typedef struct {
	int kind;          /* 0..2 a series, 3 the marks */
	const char *text;
} legend_entry;

/* How much of the drawing falls inside a box (grown by a margin): the
 * legend goes to the corner that hides the least.  Lines are sampled every
 * few pixels, so a line crossing the box counts even between markers. */
static size_t points_in(const model *m, const frame *f, double x0, double y0, double x1, double y1)
{
	const double margin = 6;
	x0 -= margin;
	y0 -= margin;
	x1 += margin;
	y1 += margin;
	size_t c = 0;
	for (size_t s = 0; s <= m->p->nseries; s++) {
		size_t n = s < m->p->nseries ? m->p->series[s].n : m->p->nmarks;
		const double *xs = s < m->p->nseries ? m->p->series[s].x : m->p->mark_x;
		const double *ys = s < m->p->nseries ? m->p->series[s].y : m->p->mark_y;
		for (size_t i = 0; i < n; i++) {
			if (!point_ok(xs[i], ys[i]))
				continue;
			double X = px_x(m, f, xs[i]), Y = px_y(m, f, ys[i]);
			int steps = 1;
			double X2 = X, Y2 = Y;
			if (i + 1 < n && s < m->p->nseries && point_ok(xs[i + 1], ys[i + 1])) {
				X2 = px_x(m, f, xs[i + 1]);
				Y2 = px_y(m, f, ys[i + 1]);
				double len = hypot(X2 - X, Y2 - Y);
				steps = len > 64 ? 16 : (int)(len / 4) + 1;
			}
			for (int k = 0; k < steps; k++) {
				double t = (double)k / steps;
				double px = X + t * (X2 - X), py = Y + t * (Y2 - Y);
				if (px >= x0 && px <= x1 && py >= y0 && py <= y1)
					c++;
			}
		}
	}
	return c;
}

static void svg_legend(vxr_buf *b, const model *m, const frame *f, const int *pat)
{
	legend_entry e[5];
	int ne = 0;
	char defaults[MAX_SERIES][32];
	for (size_t s = 0; s < m->p->nseries; s++) {
		const char *l = m->p->series[s].label;
		if (!l || !*l) {
			snprintf(defaults[s], sizeof defaults[s], "series %zu", s + 1);
			l = defaults[s];
		}
		e[ne++] = (legend_entry){ (int)s, l };
	}
	if (m->p->nmarks && m->p->mark_label && *m->p->mark_label)
		e[ne++] = (legend_entry){ 3, m->p->mark_label };
	if (ne == 0)
		return;
	double tw = 0;
	for (int i = 0; i < ne; i++)
		tw = fmax(tw, text_px(e[i].text, e[i].kind == 4 ? 11 : 12) + (e[i].kind == 4 ? 0 : 34));
	double w = tw + 14, h = ne * 17 + 8;
	if (w > f->right - f->left - 8)
		w = f->right - f->left - 8;
	/* corners: top right, top left, bottom right, bottom left */
	double bx = f->right - 6 - w, by = f->top + 6;
	size_t best = (size_t)-1;
	for (int c = 0; c < 4; c++) {
		double x0 = c % 2 == 0 ? f->right - 6 - w : f->left + 6;
		double y0 = c < 2 ? f->top + 6 : f->bottom - 6 - h;
		size_t n = points_in(m, f, x0, y0, x0 + w, y0 + h);
		if (n < best) {
			best = n;
			bx = x0;
			by = y0;
		}
	}
	vxr_buf_puts(b, "<g class=\"vxp-legend\">\n<rect class=\"vxp-legend-box\" x=\"");
	b_px(b, bx);
	vxr_buf_puts(b, "\" y=\"");
	b_px(b, by);
	vxr_buf_puts(b, "\" width=\"");
	b_px(b, w);
	vxr_buf_puts(b, "\" height=\"");
	b_px(b, h);
	vxr_buf_puts(b, "\" fill=\"#fff\" fill-opacity=\"0.9\" stroke=\"#999\" stroke-width=\"0.8\"/>\n");
	for (int i = 0; i < ne; i++) {
		double y = by + 4 + 17 * i + 8.5;
		double x = bx + 7;
		if (e[i].kind < 3) {
			int s = e[i].kind;
			char cls[40];
			snprintf(cls, sizeof cls, "vxp-line vxp-s%d", s + 1);
			vxr_buf_puts(b, "<line class=\"");
			vxr_buf_puts(b, cls);
			vxr_buf_puts(b, "\" x1=\"");
			b_px(b, x);
			vxr_buf_puts(b, "\" y1=\"");
			b_px(b, y);
			vxr_buf_puts(b, "\" x2=\"");
			b_px(b, x + 26);
			vxr_buf_puts(b, "\" y2=\"");
			b_px(b, y);
			vxr_buf_puts(b, "\" stroke=\"");
			vxr_buf_puts(b, colour[s]);
			vxr_buf_puts(b, "\" stroke-width=\"1.8\"");
			if (dash_svg[pat[s]]) {
				vxr_buf_puts(b, " stroke-dasharray=\"");
				vxr_buf_puts(b, dash_svg[pat[s]]);
				vxr_buf_puts(b, "\"");
			}
			vxr_buf_puts(b, "/>\n<g class=\"vxp-marker vxp-s");
			char num[16];
			snprintf(num, sizeof num, "%d", s + 1);
			vxr_buf_puts(b, num);
			vxr_buf_puts(b, "\" fill=\"#fff\" stroke=\"");
			vxr_buf_puts(b, colour[s]);
			vxr_buf_puts(b, "\" stroke-width=\"1.3\">");
			svg_marker(b, s, x + 13, y);
			vxr_buf_puts(b, "</g>\n");
		} else if (e[i].kind == 3) {
			vxr_buf_puts(b, "<circle class=\"vxp-mark\" cx=\"");
			b_px(b, x + 13);
			vxr_buf_puts(b, "\" cy=\"");
			b_px(b, y);
			vxr_buf_puts(b, "\" r=\"3.5\" fill=\"#000\"/>\n");
		}
		svg_text(b, e[i].kind == 4 ? "vxp-note" : "vxp-legend-text", e[i].kind == 4 ? x : x + 34, y + 4, NULL,
		         e[i].text);
	}
	vxr_buf_puts(b, "</g>\n");
}

static const char svg_style[] =
	"<style>\n"
	".vxp text{font-family:sans-serif;font-size:12px;fill:#000}\n"
	".vxp .vxp-title{font-size:14px;font-weight:bold}\n"
	".vxp .vxp-note{font-size:11px;font-style:italic}\n"
	".vxp .vxp-grid{stroke:#d9d9d9;stroke-width:0.8}\n"
	".vxp .vxp-axis{stroke:#000;stroke-width:1}\n"
	".vxp .vxp-line{fill:none;stroke-width:1.8}\n"
	".vxp .vxp-s1{stroke:#0072b2}\n"
	".vxp .vxp-s2{stroke:#d55e00}\n"
	".vxp .vxp-s3{stroke:#009e73}\n"
	"</style>\n";

vx_status vxp_svg(const vxp_plot *p, int width, int height, char **out)
{
	if (out)
		*out = NULL;
	if (!out || check_plot(p) != VX_OK || width < 160 || height < 120 || width > 20000 || height > 20000)
		return VX_EUSAGE;

	/* ticks first: their labels decide the left margin */
	int maxtx = width / 80, maxty = height / 40;
	model m;
	build_model(&m, p, maxtx, maxty);
	double lw = 0;
	for (int i = 0; i < m.y.nticks; i++) {
		char *l = label_text(&m.y, m.y.ticks[i], LBL_UNICODE);
		if (!l)
			return VX_ENOMEM;
		lw = fmax(lw, text_px(l, 12));
		free(l);
	}
	frame f;
	f.left = 12 + (p->ylabel && *p->ylabel ? 20 : 0) + lw + 8;
	f.right = width - 16;
	f.top = 14 + (p->title && *p->title ? 24 : 0);
	int has_note = m.zeros || m.undefined;
	f.bottom = height - 22 - (p->xlabel && *p->xlabel ? 20 : 0) - (has_note ? 16 : 0);
	if (f.right - f.left < 60 || f.bottom - f.top < 40)
		return VX_EUSAGE;

	vxr_buf b = { 0 };
	char num[64];
	snprintf(num, sizeof num, "%d", width);
	vxr_buf_puts(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"vxp\" width=\"");
	vxr_buf_puts(&b, num);
	vxr_buf_puts(&b, "\" height=\"");
	snprintf(num, sizeof num, "%d", height);
	vxr_buf_puts(&b, num);
	snprintf(num, sizeof num, "0 0 %d %d", width, height);
	vxr_buf_puts(&b, "\" viewBox=\"");
	vxr_buf_puts(&b, num);
	vxr_buf_puts(&b, "\" font-family=\"sans-serif\" font-size=\"12\" role=\"img\"");
	if (p->title && *p->title) {
		vxr_buf_puts(&b, " aria-label=\"");
		b_xml(&b, p->title);
		vxr_buf_puts(&b, "\"");
	}
	vxr_buf_puts(&b, ">\n");
	if (p->title && *p->title) {
		vxr_buf_puts(&b, "<title>");
		b_xml(&b, p->title);
		vxr_buf_puts(&b, "</title>\n");
	}
	vxr_buf_puts(&b, svg_style);
	snprintf(num, sizeof num, "%d", width);
	vxr_buf_puts(&b, "<rect class=\"vxp-bg\" x=\"0\" y=\"0\" width=\"");
	vxr_buf_puts(&b, num);
	snprintf(num, sizeof num, "%d", height);
	vxr_buf_puts(&b, "\" height=\"");
	vxr_buf_puts(&b, num);
	vxr_buf_puts(&b, "\" fill=\"#fff\"/>\n");

	if (p->title && *p->title) {
		vxr_buf_puts(&b, "<text class=\"vxp-title\" x=\"");
		b_px(&b, (f.left + f.right) / 2);
		vxr_buf_puts(&b, "\" y=\"22\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">");
		b_xml(&b, p->title);
		vxr_buf_puts(&b, "</text>\n");
	}

	/* grid and ticks */
	vxr_buf_puts(&b, "<g class=\"vxp-grid\" stroke=\"#d9d9d9\" stroke-width=\"0.8\">\n");
	for (int i = 0; i < m.y.nticks; i++) {
		double Y = px_y(&m, &f, m.y.ticks[i]);
		svg_line(&b, "vxp-grid", f.left, Y, f.right, Y);
	}
	for (int i = 0; i < m.x.nticks; i++) {
		double X = px_x(&m, &f, m.x.ticks[i]);
		svg_line(&b, "vxp-grid", X, f.top, X, f.bottom);
	}
	vxr_buf_puts(&b, "</g>\n<g class=\"vxp-axis\" stroke=\"#000\" stroke-width=\"1\">\n");
	svg_line(&b, "vxp-axis", f.left, f.bottom, f.right, f.bottom);
	svg_line(&b, "vxp-axis", f.left, f.top, f.left, f.bottom);
	for (int i = 0; i < m.y.nticks; i++) {
		double Y = px_y(&m, &f, m.y.ticks[i]);
		svg_line(&b, "vxp-axis", f.left - 5, Y, f.left, Y);
	}
	for (int i = 0; i < m.x.nticks; i++) {
		double X = px_x(&m, &f, m.x.ticks[i]);
		svg_line(&b, "vxp-axis", X, f.bottom, X, f.bottom + 5);
	}
	vxr_buf_puts(&b, "</g>\n<g class=\"vxp-ticks\">\n");
	for (int i = 0; i < m.y.nticks; i++) {
		char *l = label_text(&m.y, m.y.ticks[i], LBL_UNICODE);
		if (l)
			svg_text(&b, "vxp-tick", f.left - 8, px_y(&m, &f, m.y.ticks[i]) + 4, "end", l);
		else
			b.oom = 1;
		free(l);
	}
	for (int i = 0; i < m.x.nticks; i++) {
		char *l = label_text(&m.x, m.x.ticks[i], LBL_UNICODE);
		if (l)
			svg_text(&b, "vxp-tick", px_x(&m, &f, m.x.ticks[i]), f.bottom + 18, "middle", l);
		else
			b.oom = 1;
		free(l);
	}
	vxr_buf_puts(&b, "</g>\n");
	if (p->xlabel && *p->xlabel)
		svg_text(&b, "vxp-label", (f.left + f.right) / 2, height - 8 - (has_note ? 16 : 0), "middle", p->xlabel);
	if (p->ylabel && *p->ylabel) {
		double cy = (f.top + f.bottom) / 2;
		vxr_buf_puts(&b, "<text class=\"vxp-label\" x=\"16\" y=\"");
		b_px(&b, cy);
		vxr_buf_puts(&b, "\" text-anchor=\"middle\" transform=\"rotate(-90 16 ");
		b_px(&b, cy);
		vxr_buf_puts(&b, ")\">");
		b_xml(&b, p->ylabel);
		vxr_buf_puts(&b, "</text>\n");
	}

	/* the data */
	int pat[MAX_SERIES] = { 0 };
	assign_patterns(p, pat);
	for (size_t s = 0; s < p->nseries; s++)
		svg_series(&b, &m, &f, s, pat[s]);
	if (p->nmarks) {
		vxr_buf_puts(&b, "<g class=\"vxp-mark\" fill=\"#000\">");
		for (size_t i = 0; i < p->nmarks; i++) {
			if (!point_ok(p->mark_x[i], p->mark_y[i]))
				continue;
			vxr_buf_puts(&b, "<circle cx=\"");
			b_px(&b, px_x(&m, &f, p->mark_x[i]));
			vxr_buf_puts(&b, "\" cy=\"");
			b_px(&b, px_y(&m, &f, p->mark_y[i]));
			vxr_buf_puts(&b, "\" r=\"3.5\"/>");
		}
		vxr_buf_puts(&b, "</g>\n");
	}
	if (m.npoints == 0)
		svg_text(&b, "vxp-note", (f.left + f.right) / 2, (f.top + f.bottom) / 2, "middle", "no values to plot");

	char note[160] = "";
	if (m.zeros || m.undefined) {
		int n = 0;
		if (m.zeros)
			n = snprintf(note, sizeof note, "%zu exact zero%s not shown (no place on a log scale)", m.zeros,
			             m.zeros == 1 ? "" : "s");
		if (m.undefined)
			snprintf(note + n, sizeof note - (size_t)n, "%s%zu undefined value%s not shown", n ? "; " : "",
			         m.undefined, m.undefined == 1 ? "" : "s");
	}
	if (note[0])
		svg_text(&b, "vxp-note", f.left, height - 6, NULL, note);
	svg_legend(&b, &m, &f, pat);
	vxr_buf_puts(&b, "</svg>\n");
	if (b.oom) {
		free(b.s);
		return VX_ENOMEM;
	}
	*out = b.s;
	return VX_OK;
}

/* ------------------------------------------------------------------ */
/* Character cells                                                     */
/* ------------------------------------------------------------------ */

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
static const char ascii_mark[MAX_SERIES] = { '*', '+', 'o' };

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
	*X = (int)lround(frac_of(&m->x, x) * (W - 1));
	*Y = (int)lround((1 - frac_of(&m->y, y)) * (H - 1));
}

/* A segment between two dots (Bresenham), inked by the dash pattern, its
 * first dot left out (the previous segment drew it); the counter runs on
 * along the series so dashes do not restart at every data point. */
static void plot_segment(canvas *cv, int x0, int y0, int x1, int y1, int s, int pat, unsigned *counter)
{
	int dxa = abs(x1 - x0), dya = -abs(y1 - y0);
	int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
	int err = dxa + dya;
	for (int first = 1;; first = 0) {
		if (!first && (cv->dx == 1 || pattern_on(pat, (*counter)++)))
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
	int have = 0, px = 0, py = 0;
	unsigned counter = 0;
	for (size_t i = 0; i < se->n; i++) {
		if (!point_ok(se->x[i], se->y[i])) {
			have = 0;
			continue;
		}
		int X, Y;
		dot_of(m, cv, se->x[i], se->y[i], &X, &Y);
		if (!have) {
			/* where a line starts (or a lone point) is always inked; along
			 * the line the pattern decides, even at data points, or a
			 * thousand points would ink every dot and hide the dashes */
			plot_dot(cv, X, Y, (int)s);
			counter = 1;
		} else if (X != px || Y != py) {
			plot_segment(cv, px, py, X, Y, (int)s, pat, &counter);
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

vx_status vxp_cells(const vxp_plot *p, int cols, int rows, int utf8, char **out, unsigned char **roles)
{
	if (out)
		*out = NULL;
	if (roles)
		*roles = NULL;
	if (!out || !roles || check_plot(p) != VX_OK || cols < 20 || rows < 5 || cols > 2000 || rows > 1000)
		return VX_EUSAGE;

	int header = rows >= 8 && ((p->title && *p->title) || (p->ylabel && *p->ylabel));
	int ph = rows - header - 3;    /* the x axis, its labels, the legend */

	/* y ticks first: their widest label sets the gutter */
	model m;
	build_model(&m, p, MAX_TICKS, (ph + 1) / 2);
	grid g = { calloc((size_t)rows * (size_t)cols, sizeof(cell)), cols, rows, utf8 };
	if (!g.c)
		return VX_ENOMEM;
	for (size_t i = 0; i < (size_t)rows * (size_t)cols; i++)
		strcpy(g.c[i].s, " ");
	char *ylab[MAX_TICKS] = { 0 };
	int gw = 0;
	for (int i = 0; i < m.y.nticks; i++) {
		ylab[i] = label_text(&m.y, m.y.ticks[i], utf8 ? LBL_UNICODE : LBL_ASCII);
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
	build_model(&m, p, pw / 8 < 2 ? 2 : pw / 8, (ph + 1) / 2);

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
	assign_patterns(p, pat);
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
		if (!point_ok(p->mark_x[i], p->mark_y[i]))
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
		int Y = (int)lround((1 - frac_of(&m.y, m.y.ticks[i])) * (ph * cv.dy - 1));
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
		int X = (int)lround(frac_of(&m.x, m.x.ticks[i]) * (pw * cv.dx - 1));
		int c = gw + 1 + X / cv.dx;
		put_text(&g, axr, c, 1, utf8 ? "┬" : "+", 0);
		char *l = label_text(&m.x, m.x.ticks[i], utf8 ? LBL_UNICODE : LBL_ASCII);
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

	/* legend line */
	int lr = rows - 1, c = 0;
	for (size_t s = 0; s < p->nseries && c < cols; s++) {
		char def[32];
		const char *l = p->series[s].label;
		if (!l || !*l) {
			snprintf(def, sizeof def, "series %zu", s + 1);
			l = def;
		}
		int sw = utf8 ? LEGEND_SAMPLE : 2;
		if (c + sw + 1 > cols)
			break;
		legend_sample(&g, lr, c, (int)s, pat[s]);
		c += sw + 1;
		c += put_text(&g, lr, c, cols - c, l, 0) + 2;
	}
	if (p->nmarks && p->mark_label && *p->mark_label && c + 3 <= cols) {
		put_text(&g, lr, c, 1, utf8 ? "●" : "@", 4);
		c += 2;
		c += put_text(&g, lr, c, cols - c, p->mark_label, 0) + 2;
	}
	char note[96] = "";
	if (m.zeros && m.undefined)
		snprintf(note, sizeof note, "(%zu zero%s, %zu undefined omitted)", m.zeros, m.zeros == 1 ? "" : "s",
		         m.undefined);
	else if (m.zeros)
		snprintf(note, sizeof note, "(%zu zero%s omitted)", m.zeros, m.zeros == 1 ? "" : "s");
	else if (m.undefined)
		snprintf(note, sizeof note, "(%zu undefined omitted)", m.undefined);
	else if (m.npoints == 0)
		snprintf(note, sizeof note, "(no values to plot)");
	if (note[0] && c < cols)
		c += put_text(&g, lr, c, cols - c, note, 0) + 2;
	if (!xl_on_ticks && p->xlabel && *p->xlabel) {
		int w = text_cols(&g, p->xlabel) + 3;
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
