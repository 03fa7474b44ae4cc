/*
 * plot_latex.c — vxp_picture (plot.h): the plot's data model (plot.c)
 * drawn in LaTeX's picture environment for the LaTeX and PDF handouts.
 *
 * Base LaTeX's \line takes slopes of small integer ratios only, but
 * \qbezier draws any straight segment (its control point in the middle), so
 * every line here is a run of \qbezier segments; dash patterns are cut
 * along the length of the line, the same patterns as the SVG's.  Numbers
 * are written by vxp_put_num, never by printf's %f: LC_NUMERIC cannot
 * change a byte.
 */
#include "report/text/plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/text/buf.h"
#include "report/text/plot_internal.h"

/* A coordinate in pt: one decimal. */
static void b_pt(vxr_buf *b, double v) { vxp_put_num(b, v, 1, 1); }

/* "(x,y)" */
static void b_xy(vxr_buf *b, double x, double y)
{
	vxr_buf_puts(b, "(");
	b_pt(b, x);
	vxr_buf_puts(b, ",");
	b_pt(b, y);
	vxr_buf_puts(b, ")");
}

/* The series' colours, those of the SVG (#0072b2, #d55e00, #009e73). */
const char vxp_picture_preamble[] =
	"\\usepackage{color,graphicx}\n"
	"\\definecolor{vxs1}{rgb}{0,0.447,0.698}\n"
	"\\definecolor{vxs2}{rgb}{0.835,0.369,0}\n"
	"\\definecolor{vxs3}{rgb}{0,0.62,0.451}\n";

/* Dash patterns in pt, on/off pairs ending in 0 (vxp_assign_patterns'
 * order: solid, long dash, dot, dash-dot). */
static const double dash_pt[4][5] = { { 0 }, { 5, 2.5, 0 }, { 1, 2, 0 }, { 6, 2, 1.2, 2, 0 } };

/* Text for LaTeX: tex when given, else the UTF-8 text with the characters
 * LaTeX gives a meaning escaped and each character beyond ASCII as '?'
 * (pdflatex knows few of them: better a mark than a failed document). */
static void b_tex(vxr_buf *b, const char *tex, const char *utf8)
{
	if (tex) {
		vxr_buf_puts(b, tex);
		return;
	}
	for (const char *s = utf8 ? utf8 : ""; *s; s++) {
		if (strchr("#$%&_{}", *s)) {
			vxr_buf_put(b, "\\", 1);
			vxr_buf_put(b, s, 1);
		} else if (*s == '\\' || *s == '~' || *s == '^') {
			vxr_buf_puts(b, *s == '\\' ? "\\textbackslash{}" : *s == '~' ? "\\textasciitilde{}"
			                                                  : "\\textasciicircum{}");
		} else if ((unsigned char)*s >= 0xC0) {
			vxr_buf_puts(b, "?");
		} else if ((unsigned char)*s >= 0x20 && (unsigned char)*s < 0x80) {
			vxr_buf_put(b, s, 1);
		}
	}
}

/* Width in pt of a tick label at \scriptsize, estimated from its
 * characters ($…$, braces and ^ take no room; a superscript is smaller). */
static double label_pt(const char *s)
{
	double w = 0;
	int sup = 0, depth = 0;
	for (; *s; s++) {
		if (*s == '$')
			continue;
		if (*s == '^') {
			sup = 1;
			continue;
		}
		if (*s == '{') {
			depth++;
			continue;
		}
		if (*s == '}') {
			if (--depth <= 0)
				sup = 0;
			continue;
		}
		if (*s == '\\') {   /* \times */
			while (s[1] >= 'a' && s[1] <= 'z')
				s++;
			w += 5.5;
			continue;
		}
		w += sup ? 2.9 : 3.9;
	}
	return w;
}

typedef struct {
	double left, bottom, right, top;   /* the plot area in pt */
} frame;

static double pt_x(const model *m, const frame *f, double x)
{
	return f->left + vxp_frac_of(&m->x, x) * (f->right - f->left);
}

static double pt_y(const model *m, const frame *f, double y)
{
	return f->bottom + vxp_frac_of(&m->y, y) * (f->top - f->bottom);
}

/* A straight line from (x0,y0) to (x1,y1), as dots 0.35 pt apart: the
 * count is given, since LaTeX's own, from the length over the line's
 * thickness, is 0 for a segment shorter than that and divides by it. */
static void segment(vxr_buf *b, double x0, double y0, double x1, double y1)
{
	double n = ceil(hypot(x1 - x0, y1 - y0) / 0.35);
	vxr_buf_printf(b, "\\qbezier[%d]", n < 2 ? 2 : n > 9999 ? 9999 : (int)n);
	b_xy(b, x0, y0);
	b_xy(b, (x0 + x1) / 2, (y0 + y1) / 2);
	b_xy(b, x1, y1);
	vxr_buf_puts(b, "\n");
}

/* A pen that draws a polyline in a dash pattern: the phase runs on along
 * the whole line, so short segments do not restart the pattern. */
typedef struct {
	vxr_buf *b;
	const double *pat;   /* on/off lengths, 0-terminated; NULL or {0}: solid */
	int k;               /* the current entry of pat */
	double left;         /* what is left of it */
} pen;

static void pen_start(pen *p, vxr_buf *b, const double *pat)
{
	p->b = b;
	p->pat = pat && pat[0] > 0 ? pat : NULL;
	p->k = 0;
	p->left = p->pat ? p->pat[0] : 0;
}

static void pen_line(pen *p, double x0, double y0, double x1, double y1)
{
	if (!p->pat) {
		segment(p->b, x0, y0, x1, y1);
		return;
	}
	double len = hypot(x1 - x0, y1 - y0), done = 0;
	while (done < len) {
		double step = fmin(p->left, len - done);
		if (p->k % 2 == 0 && step > 0.01) {
			double t0 = done / len, t1 = (done + step) / len;
			segment(p->b, x0 + t0 * (x1 - x0), y0 + t0 * (y1 - y0), x0 + t1 * (x1 - x0), y0 + t1 * (y1 - y0));
		}
		done += step;
		p->left -= step;
		if (p->left <= 1e-9) {
			p->k = p->pat[p->k + 1] > 0 ? p->k + 1 : 0;
			p->left = p->pat[p->k];
		}
	}
}

/* The marker of series s at (x, y), as in the SVG: circle, square, triangle. */
static void marker(vxr_buf *b, int s, double x, double y)
{
	vxr_buf_puts(b, "\\put");
	if (s == 0) {
		b_xy(b, x, y);
		vxr_buf_puts(b, "{\\circle{3}}");
	} else if (s == 1) {
		b_xy(b, x - 1.4, y - 1.4);
		vxr_buf_puts(b, "{\\framebox(2.8,2.8){}}");
	} else {
		b_xy(b, x, y);
		vxr_buf_puts(b, "{\\makebox(0,0){$\\scriptscriptstyle\\triangle$}}");
	}
	vxr_buf_puts(b, "\n");
}

static void thickness(vxr_buf *b, double pt)
{
	vxr_buf_puts(b, "\\linethickness{");
	b_pt(b, pt);
	vxr_buf_puts(b, "pt}");
}

static void tex_map(const model *m, const void *area, double x, double y, double *X, double *Y)
{
	*X = pt_x(m, area, x);
	*Y = pt_y(m, area, y);
}

/* The pen of one series and where it last was. */
typedef struct {
	pen p;
	double lx, ly;
	int s;
} tracer;

static void tex_vertex(void *ctx, double X, double Y, int joined, int lone)
{
	tracer *t = ctx;
	if (joined)
		pen_line(&t->p, t->lx, t->ly, X, Y);
	else if (lone)
		segment(t->p.b, X - 0.3, Y, X + 0.3, Y);   /* a lone point: a dot */
	t->lx = X;
	t->ly = Y;
}

static void tex_marker_at(void *ctx, double X, double Y)
{
	tracer *t = ctx;
	marker(t->p.b, t->s, X, Y);
}

/* The thickness of series s: the first thickest, or with shared styles
 * every curve, its dashed bound thinner. */
static double line_pt(const vxp_plot *p, size_t s)
{
	int thick = vxp_shared(p) ? !p->series[s].dashed : s == 0;
	return thick ? 1.1 : 0.8;
}

/* One series: a line broken where points are left out, and at most about
 * twenty markers at fixed indices (those of the SVG). */
static void series(vxr_buf *b, const model *m, const frame *f, size_t s, int pat)
{
	int st = vxp_style(m->p, s);
	vxr_buf_printf(b, "{\\color{vxs%d}", st + 1);
	thickness(b, line_pt(m->p, s));
	vxr_buf_puts(b, "\n");
	tracer t = { .s = st };
	pen_start(&t.p, b, dash_pt[pat]);
	size_t valid = vxp_walk_series(m, s, tex_map, f, 0.25, tex_vertex, &t);
	thickness(b, 0.5);
	vxr_buf_puts(b, "\n");
	vxp_walk_markers(m, s, valid, tex_map, f, tex_marker_at, &t);
	vxr_buf_puts(b, "}%\n");
}

/* A legend entry's sample: 22 pt of series s's line with its marker (a
 * plain series' without). */
static void legend_sample(vxr_buf *b, const vxp_plot *pl, size_t s, int pat)
{
	int st = vxp_style(pl, s);
	vxr_buf_printf(b, "\\begin{picture}(22,4)(0,-2){\\color{vxs%d}", st + 1);
	thickness(b, line_pt(pl, s));
	pen p;
	pen_start(&p, b, dash_pt[pat]);
	pen_line(&p, 0, 0, 22, 0);
	thickness(b, 0.5);
	if (!pl->series[s].plain)
		marker(b, st, 11, 0);
	vxr_buf_puts(b, "}\\end{picture}");
}

vx_status vxp_picture(const vxp_plot *p, int width, int height, char **out)
{
	if (out)
		*out = NULL;
	if (!out || vxp_check(p) != VX_OK || width < 160 || height < 100 || width > 2000 || height > 2000)
		return VX_EUSAGE;
	model m;
	vxp_build_model(&m, p, width / 55, height / 28);
	double lw;
	if (vxp_ylabel_width(&m, LBL_TEX, label_pt, &lw) != 0)
		return VX_ENOMEM;
	int has_y = p->ylabel_tex || (p->ylabel && *p->ylabel);
	int has_x = p->xlabel_tex || (p->xlabel && *p->xlabel);
	int has_note = m.zeros || m.undefined;
	frame f;
	f.left = (has_y ? 14 : 0) + lw + 6;
	f.right = width - 6;
	f.bottom = 12 + (has_x ? 12 : 0) + (has_note ? 10 : 0);
	f.top = height - 4;
	/* to scale, as vxp_svg */
	if (vxp_fit_frame(&m, &f.left, f.right, f.top - f.bottom, width / 55, height / 28, LBL_TEX, label_pt, &lw) != 0)
		return VX_ENOMEM;

	vxr_buf b = { 0 };
	vxr_buf_puts(&b, "\\setlength{\\unitlength}{1pt}%\n\\begin{picture}");
	b_xy(&b, width, height);
	vxr_buf_puts(&b, "\n");
	/* the frame, and the ticks inward with their labels outside */
	thickness(&b, 0.6);
	vxr_buf_puts(&b, "\\put");
	b_xy(&b, f.left, f.bottom);
	vxr_buf_puts(&b, "{\\framebox");
	b_xy(&b, f.right - f.left, f.top - f.bottom);
	vxr_buf_puts(&b, "{}}\n");
	for (int i = 0; i < m.y.nticks; i++) {
		double Y = pt_y(&m, &f, m.y.ticks[i]);
		segment(&b, f.left, Y, f.left + 3, Y);
		char *l = vxp_label_text(&m.y, m.y.ticks[i], LBL_TEX);
		vxr_buf_puts(&b, "\\put");
		b_xy(&b, f.left - 3, Y);
		vxr_buf_puts(&b, "{\\makebox(0,0)[r]{\\scriptsize ");
		vxr_buf_puts(&b, l ? l : "");
		vxr_buf_puts(&b, "}}\n");
		b.oom |= !l;
		free(l);
	}
	for (int i = 0; i < m.x.nticks; i++) {
		double X = pt_x(&m, &f, m.x.ticks[i]);
		segment(&b, X, f.bottom, X, f.bottom + 3);
		char *l = vxp_label_text(&m.x, m.x.ticks[i], LBL_TEX);
		vxr_buf_puts(&b, "\\put");
		b_xy(&b, X, f.bottom - 3);
		vxr_buf_puts(&b, "{\\makebox(0,0)[t]{\\scriptsize ");
		vxr_buf_puts(&b, l ? l : "");
		vxr_buf_puts(&b, "}}\n");
		b.oom |= !l;
		free(l);
	}
	if (has_x) {
		vxr_buf_puts(&b, "\\put");
		b_xy(&b, (f.left + f.right) / 2, f.bottom - 13);
		vxr_buf_puts(&b, "{\\makebox(0,0)[t]{\\small ");
		b_tex(&b, p->xlabel_tex, p->xlabel);
		vxr_buf_puts(&b, "}}\n");
	}
	if (has_y) {
		vxr_buf_puts(&b, "\\put");
		b_xy(&b, 4, (f.bottom + f.top) / 2);
		vxr_buf_puts(&b, "{\\makebox(0,0){\\rotatebox{90}{\\small ");
		b_tex(&b, p->ylabel_tex, p->ylabel);
		vxr_buf_puts(&b, "}}}\n");
	}
	int pat[MAX_SERIES] = { 0 };
	vxp_assign_patterns(p, pat);
	/* the first series on top, as in the SVG and the terminal */
	for (size_t s = p->nseries; s-- > 0;)
		series(&b, &m, &f, s, pat[s]);
	for (size_t i = 0; i < p->nmarks; i++) {
		if (!vxp_point_ok(p->mark_x[i], p->mark_y[i]))
			continue;
		vxr_buf_puts(&b, "\\put");
		b_xy(&b, pt_x(&m, &f, p->mark_x[i]), pt_y(&m, &f, p->mark_y[i]));
		vxr_buf_puts(&b, "{\\circle*{3.5}}\n");
	}
	if (m.npoints == 0) {
		vxr_buf_puts(&b, "\\put");
		b_xy(&b, (f.left + f.right) / 2, (f.bottom + f.top) / 2);
		vxr_buf_puts(&b, "{\\makebox(0,0){\\small\\itshape no values to plot}}\n");
	}
	if (has_note) {
		char note[160];
		vxp_omitted_note(&m, note, sizeof note);
		vxr_buf_puts(&b, "\\put");
		b_xy(&b, f.left, 0);
		vxr_buf_puts(&b, "{\\makebox(0,0)[bl]{\\scriptsize\\itshape ");
		vxr_buf_puts(&b, note);
		vxr_buf_puts(&b, "}}\n");
	}
	vxr_buf_puts(&b, "\\end{picture}\n\n");
	/* the legend, a line below the picture, broken between entries */
	vxr_buf_puts(&b, "{\\small ");
	for (size_t s = 0; s < p->nseries; s++) {
		if (!vxp_in_legend(p, s))
			continue;
		legend_sample(&b, p, s, pat[s]);
		vxr_buf_puts(&b, "~");
		b_tex(&b, p->series[s].label_tex, p->series[s].label);
		vxr_buf_puts(&b, "\\quad ");
	}
	if (p->nmarks && (p->mark_label_tex || (p->mark_label && *p->mark_label))) {
		vxr_buf_puts(&b, "\\begin{picture}(8,4)(-4,-2)\\circle*{3.5}\\end{picture}~");
		b_tex(&b, p->mark_label_tex, p->mark_label);
	}
	vxr_buf_puts(&b, "}\n");
	if (b.oom) {
		free(b.s);
		return VX_ENOMEM;
	}
	*out = b.s;
	return VX_OK;
}
