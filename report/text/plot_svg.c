/*
 * plot_svg.c — vxp_svg (plot.h): the plot's data model (plot.c) drawn as
 * one SVG element for the HTML handout or a file beside the Markdown one.
 * Numbers are written by integer arithmetic (vxp_put_num), never by
 * printf's %f, so LC_NUMERIC cannot change a byte.
 */
#include "report/text/plot.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/text/buf.h"
#include "report/text/plot_internal.h"
#include "report/text/utf8.h"

/* A pixel coordinate: two decimals at most. */
static void b_px(vxr_buf *b, double v) { vxp_put_num(b, v, 2, 1); }

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

/* The SVG spelling of each dash pattern (vxp_assign_patterns). */
static const char *const dash_svg[] = { NULL, "8 4", "2 3", "10 3 2 3" };

/* The stroke-dasharray attribute of dash pattern pat; nothing for solid. */
static void svg_dash(vxr_buf *b, int pat)
{
	if (dash_svg[pat]) {
		vxr_buf_puts(b, " stroke-dasharray=\"");
		vxr_buf_puts(b, dash_svg[pat]);
		vxr_buf_puts(b, "\"");
	}
}

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
	return f->left + vxp_frac_of(&m->x, x) * (f->right - f->left);
}

static double px_y(const model *m, const frame *f, double y)
{
	return f->bottom - vxp_frac_of(&m->y, y) * (f->bottom - f->top);
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

/* Opens the group that holds series s's markers: white inside, outlined
 * in the series' colour. */
static void svg_marker_group(vxr_buf *b, int s)
{
	vxr_buf_printf(b, "<g class=\"vxp-marker vxp-s%d\" fill=\"#fff\" stroke=\"", s + 1);
	vxr_buf_puts(b, colour[s]);
	vxr_buf_puts(b, "\" stroke-width=\"1.3\">");
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

static void svg_map(const model *m, const void *area, double x, double y, double *X, double *Y)
{
	*X = px_x(m, area, x);
	*Y = px_y(m, area, y);
}

/* A vertex of a series' path: M to start a piece, L to go on. */
static void svg_vertex(void *ctx, double X, double Y, int joined, int lone)
{
	vxr_buf *b = ctx;
	vxr_buf_puts(b, joined ? "L" : "M");
	b_px(b, X);
	vxr_buf_puts(b, " ");
	b_px(b, Y);
	if (lone)
		vxr_buf_puts(b, "h0.01");   /* a lone point: a dot the width of the line */
}

typedef struct {
	vxr_buf *b;
	int s;
} svg_marking;

static void svg_marker_at(void *ctx, double X, double Y)
{
	svg_marking *mk = ctx;
	svg_marker(mk->b, mk->s, X, Y);
}

/* The stroke width of series s: thinner for a bound beside its curve. */
static const char *stroke_width(const vxp_plot *p, size_t s)
{
	return vxp_shared(p) && p->series[s].dashed ? "1.2" : "1.8";
}

/* One series as a path broken where points are left out; points closer
 * than half a pixel to the last one drawn are skipped (a million steps make
 * a path of a few hundred vertices, never off by more than half a pixel). */
static void svg_series(vxr_buf *b, const model *m, const frame *f, size_t s, int pat)
{
	int st = vxp_style(m->p, s);
	vxr_buf_printf(b, "<path class=\"vxp-line vxp-s%d\" fill=\"none\" stroke=\"", st + 1);
	vxr_buf_puts(b, colour[st]);
	vxr_buf_puts(b, "\" stroke-width=\"");
	vxr_buf_puts(b, stroke_width(m->p, s));
	vxr_buf_puts(b, "\" stroke-linejoin=\"round\"");
	svg_dash(b, pat);
	vxr_buf_puts(b, " d=\"");
	size_t valid = vxp_walk_series(m, s, svg_map, f, 0.5, svg_vertex, b);
	vxr_buf_puts(b, "\"/>\n");
	if (m->p->series[s].plain)
		return;
	/* markers, at most about twenty per series, at fixed indices */
	svg_marker_group(b, st);
	svg_marking mk = { b, st };
	vxp_walk_markers(m, s, valid, svg_map, f, svg_marker_at, &mk);
	vxr_buf_puts(b, "</g>\n");
}

typedef struct {
	int kind;          /* 0..MAX_SERIES − 1 a series, MAX_SERIES the marks */
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
			if (!vxp_point_ok(xs[i], ys[i]))
				continue;
			double X = px_x(m, f, xs[i]), Y = px_y(m, f, ys[i]);
			int steps = 1;
			double X2 = X, Y2 = Y;
			if (i + 1 < n && s < m->p->nseries && vxp_point_ok(xs[i + 1], ys[i + 1])) {
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
	legend_entry e[MAX_SERIES + 1];
	int ne = 0;
	char defaults[MAX_SERIES][32];
	for (size_t s = 0; s < m->p->nseries; s++) {
		if (!vxp_in_legend(m->p, s))
			continue;
		const char *l = m->p->series[s].label;
		if (!l || !*l) {
			snprintf(defaults[s], sizeof defaults[s], "series %zu", s + 1);
			l = defaults[s];
		}
		e[ne++] = (legend_entry){ (int)s, l };
	}
	if (m->p->nmarks && m->p->mark_label && *m->p->mark_label)
		e[ne++] = (legend_entry){ MAX_SERIES, m->p->mark_label };
	if (ne == 0)
		return;
	double tw = 0;
	for (int i = 0; i < ne; i++)
		tw = fmax(tw, text_px(e[i].text, 12) + 34);
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
		if (e[i].kind < MAX_SERIES) {
			int s = vxp_style(m->p, (size_t)e[i].kind);
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
			vxr_buf_puts(b, "\" stroke-width=\"");
			vxr_buf_puts(b, stroke_width(m->p, (size_t)e[i].kind));
			vxr_buf_puts(b, "\"");
			svg_dash(b, pat[e[i].kind]);
			vxr_buf_puts(b, "/>\n");
			if (!m->p->series[e[i].kind].plain) {
				svg_marker_group(b, s);
				svg_marker(b, s, x + 13, y);
				vxr_buf_puts(b, "</g>\n");
			}
		} else if (e[i].kind == MAX_SERIES) {
			vxr_buf_puts(b, "<circle class=\"vxp-mark\" cx=\"");
			b_px(b, x + 13);
			vxr_buf_puts(b, "\" cy=\"");
			b_px(b, y);
			vxr_buf_puts(b, "\" r=\"3.5\" fill=\"#000\"/>\n");
		}
		svg_text(b, "vxp-legend-text", x + 34, y + 4, NULL, e[i].text);
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

/* A tick label's width in px, at the labels' 12 px. */
static double label_px(const char *s)
{
	return text_px(s, 12);
}

vx_status vxp_svg(const vxp_plot *p, int width, int height, char **out)
{
	if (out)
		*out = NULL;
	if (!out || vxp_check(p) != VX_OK || width < 160 || height < 120 || width > 20000 || height > 20000)
		return VX_EUSAGE;

	/* ticks first: their labels decide the left margin */
	int maxtx = width / 80, maxty = height / 40;
	model m;
	vxp_build_model(&m, p, maxtx, maxty);
	double lw;
	if (vxp_ylabel_width(&m, LBL_UNICODE, label_px, &lw) != 0)
		return VX_ENOMEM;
	frame f;
	f.left = 12 + (p->ylabel && *p->ylabel ? 20 : 0) + lw + 8;
	f.right = width - 16;
	f.top = 14 + (p->title && *p->title ? 24 : 0);
	int has_note = m.zeros || m.undefined;
	f.bottom = height - 22 - (p->xlabel && *p->xlabel ? 20 : 0) - (has_note ? 16 : 0);
	if (f.right - f.left < 60 || f.bottom - f.top < 40)
		return VX_EUSAGE;
	/* to scale; a frame the wider labels leave narrower than 60 is refused */
	if (vxp_fit_frame(&m, &f.left, f.right, f.bottom - f.top, maxtx, maxty, LBL_UNICODE, label_px, &lw) != 0)
		return VX_ENOMEM;
	if (f.right - f.left < 60)
		return VX_EUSAGE;

	vxr_buf b = { 0 };
	vxr_buf_printf(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"vxp\" width=\"%d\" height=\"%d\" "
	               "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\" role=\"img\"",
	               width, height, width, height);
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
	vxr_buf_printf(&b, "<rect class=\"vxp-bg\" x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n",
	               width, height);

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
		char *l = vxp_label_text(&m.y, m.y.ticks[i], LBL_UNICODE);
		if (l)
			svg_text(&b, "vxp-tick", f.left - 8, px_y(&m, &f, m.y.ticks[i]) + 4, "end", l);
		else
			b.oom = 1;
		free(l);
	}
	for (int i = 0; i < m.x.nticks; i++) {
		char *l = vxp_label_text(&m.x, m.x.ticks[i], LBL_UNICODE);
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
	vxp_assign_patterns(p, pat);
	for (size_t s = 0; s < p->nseries; s++)
		svg_series(&b, &m, &f, s, pat[s]);
	if (p->nmarks) {
		vxr_buf_puts(&b, "<g class=\"vxp-mark\" fill=\"#000\">");
		for (size_t i = 0; i < p->nmarks; i++) {
			if (!vxp_point_ok(p->mark_x[i], p->mark_y[i]))
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

	char note[160];
	vxp_omitted_note(&m, note, sizeof note);
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
