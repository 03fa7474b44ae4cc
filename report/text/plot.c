/*
 * plot.c — the data model of the plots of plot.h, which both drawings share:
 * which points are drawn, the ranges and ticks of the axes, the tick
 * labels, the dash pattern of each series.  plot_svg.c draws it as SVG for
 * documents, plot_cells.c as character cells for terminals.
 *
 * Numbers are written by integer arithmetic, never by printf's %f, so the
 * output does not depend on LC_NUMERIC (the tutor sets a locale) and is
 * byte-identical from run to run.
 */
#include "report/text/plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/text/buf.h"
#include "report/text/fmt.h"
#include "report/text/plot_internal.h"

/* Fixed-point decimal with at most dec decimals, trailing zeros dropped
 * when trim; locale-free. */
void vxp_put_num(vxr_buf *b, double v, int dec, int trim)
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

/* ------------------------------------------------------------------ */
/* The data model: what is drawn where                                 */
/* ------------------------------------------------------------------ */

int vxp_point_ok(double x, double y)
{
	return isfinite(x) && isfinite(y);
}

vx_status vxp_check(const vxp_plot *p)
{
	if (!p || p->nseries > MAX_SERIES)
		return VX_EUSAGE;
	if (p->nseries && !p->series)
		return VX_EUSAGE;
	for (size_t s = 0; s < p->nseries; s++) {
		const vxp_series *se = &p->series[s];
		if (se->n && (!se->x || !se->y))
			return VX_EUSAGE;
		/* a style of its own only for the first three; a shared one names
		 * a series that has its own */
		if (se->style < 0 || se->style > MAX_STYLES || (se->style == 0 && s >= MAX_STYLES) ||
		    (se->style > 0 && ((size_t)se->style - 1 >= p->nseries || p->series[se->style - 1].style != 0)))
			return VX_EUSAGE;
	}
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

/* A range that is a single point (or empty) widened by |lo|·1e-6 + 1
 * each way, so it has a length to divide by. */
static void widen_point(double *lo, double *hi)
{
	if (!(*hi > *lo)) {
		double d = fabs(*lo) * 1e-6 + 1;
		*lo -= d;
		*hi += d;
	}
}

/* Ranges and ticks for a plot; max ticks per axis from the room there is. */
void vxp_build_model(model *m, const vxp_plot *p, int maxtx, int maxty)
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
			if (!vxp_point_ok(x, y)) {
				if (p->log_y && y == -INFINITY && isfinite(x) && s < p->nseries && p->series[s].underflow)
					m->underflows++;
				else if (p->log_y && y == -INFINITY && isfinite(x))
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
	if (p->equal_aspect && m->npoints > 0 && !p->log_y) {
		/* a margin, so a circle does not run along the frame */
		double pad = 0.04 * fmax(xmax / 2 - xmin / 2, ymax / 2 - ymin / 2) * 2;
		xmin -= pad;
		xmax += pad;
		ymin -= pad;
		ymax += pad;
	}
	if (m->npoints == 0) {
		xmin = 0;
		xmax = 1;
		ymin = p->log_y ? -1 : 0;
		ymax = p->log_y ? 0 : 1;
		integral = 0;
	}
	m->integral_x = integral;
	widen_point(&xmin, &xmax);
	m->x.lo = xmin;
	m->x.hi = xmax;
	choose_ticks(&m->x, maxtx, integral);

	m->y.log = p->log_y;
	if (p->log_y) {
		/* whole decades, so the ends are powers of ten; a log10 of 1 that
		 * came out as 1e-16 does not buy a decade of empty space */
		ymin = floor(ymin + 1e-9);
		ymax = ceil(ymax - 1e-9);
		widen_point(&ymin, &ymax);
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
		/* widen to the neighbouring ticks, so the frame ends on labels
		 * (not a plane to scale: its fitting moves the ends anyway, and
		 * the room is better spent on the points) */
		if (!p->equal_aspect && m->y.step > 0 && isfinite(m->y.step)) {
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

void vxp_fit_aspect(model *m, double w, double h, int maxtx, int maxty)
{
	if (!m->p->equal_aspect || m->p->log_y || !(w > 0) || !(h > 0))
		return;
	/* units per length along each axis (halves: no overflow at ±1e308) */
	double ux = (m->x.hi / 2 - m->x.lo / 2) / w, uy = (m->y.hi / 2 - m->y.lo / 2) / h;
	if (!(ux > 0) || !(uy > 0) || !isfinite(ux) || !isfinite(uy) || ux == uy)
		return;
	/* the axis with fewer units per length would draw them larger: it
	 * takes the other's scale, about its own centre */
	axis *a = ux > uy ? &m->y : &m->x;
	double half = (ux > uy ? ux * h : uy * w), c = a->lo / 2 + a->hi / 2;
	a->lo = c - half;
	a->hi = c + half;
	choose_ticks(&m->x, maxtx, m->integral_x);
	choose_ticks(&m->y, maxty, 0);
}

/* Where v falls on an axis, 0 at lo and 1 at hi (halves: no overflow). */
double vxp_frac_of(const axis *a, double v)
{
	double t = (v / 2 - a->lo / 2) / (a->hi / 2 - a->lo / 2);
	return isfinite(t) ? t : 0;
}

/* A tick label: 10ⁿ / 1e-4 on a log axis, a plain number otherwise. */
static void tick_label(vxr_buf *b, const axis *a, double v, lblstyle st)
{
	if (a->log) {
		if (fabs(v) >= 1e15) {
			vxr_buf_puts(b, st == LBL_ASCII ? "1e" : st == LBL_TEX ? "$10^{" : "10^");
			vxp_put_num(b, v, 0, 1);
			if (st == LBL_TEX)
				vxr_buf_puts(b, "}$");
			return;
		}
		long long e = llround(v);
		if (st == LBL_TEX) {
			char s[48];
			snprintf(s, sizeof s, "$10^{%lld}$", e);
			vxr_buf_puts(b, s);
		} else if (st == LBL_ASCII) {
			char s[32];
			snprintf(s, sizeof s, "1e%lld", e);
			vxr_buf_puts(b, s);
		} else {
			char s[64];
			vxr_buf_puts(b, "10");
			vxr_buf_puts(b, vxf_sup_int(s, sizeof s, e));
		}
		return;
	}
	double e = floor(log10(a->step) + 1e-9);
	if (st == LBL_TEX)
		vxr_buf_puts(b, "$");
	if (fabs(v) >= 1e7 || e < -6) {
		/* big or tiny: the mantissa in units of the step's power of ten */
		vxp_put_num(b, v / pow(10, e), 0, 1);
		if (st == LBL_TEX) {
			char s[48];
			snprintf(s, sizeof s, "\\times 10^{%d}$", (int)e);
			vxr_buf_puts(b, s);
		} else if (st == LBL_ASCII) {
			char s[32];
			snprintf(s, sizeof s, "e%d", (int)e);
			vxr_buf_puts(b, s);
		} else {
			char s[96] = "";
			vxr_buf_puts(b, vxf_exp10(s, sizeof s, (long)e, VXF_UNICODE));
		}
		return;
	}
	int dec = e < 0 ? (int)-e : 0;
	if (v < 0 && st == LBL_UNICODE) {
		vxr_buf_puts(b, "−");
		v = -v;
	}
	vxp_put_num(b, v, dec, 0);
	if (st == LBL_TEX)
		vxr_buf_puts(b, "$");
}

int vxp_fit_frame(model *m, double *left, double right, double h, int maxtx, int maxty, lblstyle st,
                  double (*width)(const char *), double *lw)
{
	for (int pass = 0; m->p->equal_aspect && pass < 2; pass++) {
		vxp_fit_aspect(m, right - *left, h, maxtx, maxty);
		double lw2;
		if (vxp_ylabel_width(m, st, width, &lw2) != 0)
			return -1;
		if (lw2 <= *lw)
			break;
		*left += lw2 - *lw;
		*lw = lw2;
	}
	return 0;
}

int vxp_ylabel_width(const model *m, lblstyle st, double (*width)(const char *), double *w)
{
	*w = 0;
	for (int i = 0; i < m->y.nticks; i++) {
		char *l = vxp_label_text(&m->y, m->y.ticks[i], st);
		if (!l)
			return -1;
		*w = fmax(*w, width(l));
		free(l);
	}
	return 0;
}

char *vxp_label_text(const axis *a, double v, lblstyle st)
{
	vxr_buf b = { 0 };
	tick_label(&b, a, v, st);
	return vxr_buf_take(&b);
}

int vxp_style(const vxp_plot *p, size_t s)
{
	int st = p->series[s].style;
	return st > 0 ? st - 1 : (int)s;
}

int vxp_shared(const vxp_plot *p)
{
	for (size_t s = 0; s < p->nseries; s++)
		if (p->series[s].style > 0)
			return 1;
	return 0;
}

int vxp_in_legend(const vxp_plot *p, size_t s)
{
	const char *l = p->series[s].label;
	return p->series[s].style == 0 || (l && *l);
}

/* Dash patterns, by index: 0 solid, 1 long dash, 2 dot, 3 dash-dot
 * (plot_svg.c and plot_cells.c each spell them their way). */
void vxp_assign_patterns(const vxp_plot *p, int pat[MAX_SERIES])
{
	/* one set of patterns for all, or one per style when styles are shared
	 * (colour then tells the styles apart, the pattern a series within one) */
	int used[MAX_STYLES][4] = { { 0 } }, shared = vxp_shared(p);
	for (size_t s = 0; s < p->nseries; s++) {
		int *u = used[shared ? vxp_style(p, s) : 0];
		int k = p->series[s].dashed ? 1 : 0;
		while (k < 4 && u[k])
			k++;
		if (k == 4) /* three dashed series: the fourth pattern is free */
			for (k = 1; k < 3 && u[k]; k++)
				;
		u[k] = 1;
		pat[s] = k;
	}
}

size_t vxp_walk_series(const model *m, size_t s, vxp_map_fn map, const void *area, double near, vxp_vertex_fn fn,
                       void *ctx)
{
	const vxp_series *se = &m->p->series[s];
	int joined = 0;
	double lx = 0, ly = 0;
	size_t valid = 0;
	for (size_t i = 0; i < se->n; i++) {
		if (!vxp_point_ok(se->x[i], se->y[i])) {
			joined = 0;
			continue;
		}
		valid++;
		double X, Y;
		map(m, area, se->x[i], se->y[i], &X, &Y);
		int last = i + 1 == se->n || !vxp_point_ok(se->x[i + 1], se->y[i + 1]);
		if (joined && !last && fabs(X - lx) < near && fabs(Y - ly) < near)
			continue;
		fn(ctx, X, Y, joined, !joined && last);
		joined = 1;
		lx = X;
		ly = Y;
	}
	return valid;
}

void vxp_walk_markers(const model *m, size_t s, size_t valid, vxp_map_fn map, const void *area,
                      void (*fn)(void *ctx, double X, double Y), void *ctx)
{
	const vxp_series *se = &m->p->series[s];
	if (se->plain)
		return;
	size_t stride = valid <= 25 ? 1 : (valid + 19) / 20, k = 0;
	for (size_t i = 0; i < se->n; i++) {
		if (!vxp_point_ok(se->x[i], se->y[i]))
			continue;
		if (k++ % stride == 0) {
			double X, Y;
			map(m, area, se->x[i], se->y[i], &X, &Y);
			fn(ctx, X, Y);
		}
	}
}

void vxp_omitted_note(const model *m, char *buf, size_t n)
{
	int k = 0;
	buf[0] = '\0';
	if (m->zeros)
		k = snprintf(buf, n, "%zu exact zero%s not shown (no place on a log scale)", m->zeros,
		             m->zeros == 1 ? "" : "s");
	if (m->underflows && k >= 0 && (size_t)k < n)
		k += snprintf(buf + k, n - (size_t)k, "%s%zu underflow%s not shown (too small to carry)", k ? "; " : "",
		              m->underflows, m->underflows == 1 ? "" : "s");
	if (m->undefined && k >= 0 && (size_t)k < n)
		snprintf(buf + k, n - (size_t)k, "%s%zu undefined value%s not shown", k ? "; " : "", m->undefined,
		         m->undefined == 1 ? "" : "s");
}
