/*
 * latex.c — the handout as a complete LaTeX article that pdflatex
 * compiles with the base distribution alone (amsmath, geometry; booktabs
 * and lmodern when installed).  Plots are drawn with LaTeX's own picture
 * environment (points, axes and ticks): no graphics package, no image file.
 */
#include "report/doc/render.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The characters the templates and numbers use outside math, for pdflatex. */
static const char preamble[] =
	"\\documentclass[11pt]{article}\n"
	"% For A4 paper: \\documentclass[11pt,a4paper]{article}\n"
	"\\usepackage[utf8]{inputenc}\n"
	"\\IfFileExists{lmodern.sty}{\\usepackage[T1]{fontenc}\\usepackage{lmodern}}{}\n"
	"\\usepackage{amsmath,amssymb}\n"
	"\\IfFileExists{booktabs.sty}{\\usepackage{booktabs}}%\n"
	"  {\\newcommand{\\toprule}{\\hline}\\newcommand{\\midrule}{\\hline}\\newcommand{\\bottomrule}{\\hline}}\n"
	"\\usepackage[margin=2.4cm]{geometry}\n"
	"\\setcounter{MaxMatrixCols}{48}\n"
	"\\DeclareUnicodeCharacter{00D7}{\\ensuremath{\\times}}\n"
	"\\DeclareUnicodeCharacter{2212}{\\ensuremath{-}}\n"
	"\\DeclareUnicodeCharacter{207B}{\\textsuperscript{\\ensuremath{-}}}\n"
	"\\DeclareUnicodeCharacter{2070}{\\textsuperscript{0}}\n"
	"\\DeclareUnicodeCharacter{00B9}{\\textsuperscript{1}}\n"
	"\\DeclareUnicodeCharacter{00B2}{\\textsuperscript{2}}\n"
	"\\DeclareUnicodeCharacter{00B3}{\\textsuperscript{3}}\n"
	"\\DeclareUnicodeCharacter{2074}{\\textsuperscript{4}}\n"
	"\\DeclareUnicodeCharacter{2075}{\\textsuperscript{5}}\n"
	"\\DeclareUnicodeCharacter{2076}{\\textsuperscript{6}}\n"
	"\\DeclareUnicodeCharacter{2077}{\\textsuperscript{7}}\n"
	"\\DeclareUnicodeCharacter{2078}{\\textsuperscript{8}}\n"
	"\\DeclareUnicodeCharacter{2079}{\\textsuperscript{9}}\n"
	"\\DeclareUnicodeCharacter{2248}{\\ensuremath{\\approx}}\n"
	"\\DeclareUnicodeCharacter{2264}{\\ensuremath{\\le}}\n"
	"\\DeclareUnicodeCharacter{2265}{\\ensuremath{\\ge}}\n"
	"\\DeclareUnicodeCharacter{2260}{\\ensuremath{\\ne}}\n"
	"\\DeclareUnicodeCharacter{22EF}{\\ensuremath{\\cdots}}\n"
	"\\DeclareUnicodeCharacter{22EE}{\\ensuremath{\\vdots}}\n"
	"\\DeclareUnicodeCharacter{22F1}{\\ensuremath{\\ddots}}\n"
	"\\DeclareUnicodeCharacter{2016}{\\ensuremath{\\|}}\n"
	"\\DeclareUnicodeCharacter{2192}{\\ensuremath{\\to}}\n"
	"\\DeclareUnicodeCharacter{2032}{\\ensuremath{'}}\n"
	"\\DeclareUnicodeCharacter{2009}{\\,}\n"
	"\\DeclareUnicodeCharacter{03B3}{\\ensuremath{\\gamma}}\n"
	"\\DeclareUnicodeCharacter{03BB}{\\ensuremath{\\lambda}}\n"
	"\\DeclareUnicodeCharacter{03C3}{\\ensuremath{\\sigma}}\n"
	"\\DeclareUnicodeCharacter{03BC}{\\ensuremath{\\mu}}\n"
	"\\DeclareUnicodeCharacter{2202}{\\ensuremath{\\partial}}\n"
	"\\DeclareUnicodeCharacter{03A0}{\\ensuremath{\\Pi}}\n"
	"\\DeclareUnicodeCharacter{2211}{\\ensuremath{\\Sigma}}\n"
	"\\setlength{\\parskip}{0.5em}\n"
	"\\setlength{\\parindent}{0pt}\n";

static vx_status table_latex(const vxr_table *t, char **out, vx_error *err)
{
	vxr_buf b = { 0 };
	vx_status st = VX_OK;
	vxr_buf_puts(&b, "\\begin{center}\\small\n\\begin{tabular}{");
	for (size_t c = 0; c < t->ncols; c++)
		vxr_buf_puts(&b, t->numeric[c] ? "r" : "l");
	vxr_buf_puts(&b, "}\n\\toprule\n");
	for (size_t c = 0; c < t->ncols && st == VX_OK; c++) {
		char *h = NULL;
		st = vxr_mixed(t->head[c], VXR_T_LATEX, 1, &h, err);
		if (st == VX_OK)
			vxr_buf_printf(&b, "%s%s", c ? " & " : "", h);
		free(h);
	}
	vxr_buf_puts(&b, " \\\\\n\\midrule\n");
	for (size_t r = 0; r < t->nrows && st == VX_OK; r++) {
		for (size_t c = 0; c < t->ncols && st == VX_OK; c++) {
			const vxr_cell *cell = &t->cells[r * t->ncols + c];
			if (c)
				vxr_buf_puts(&b, " & ");
			if (cell->kind == VXR_CELL_TEXT) {
				char *txt = NULL;
				st = vxr_mixed(cell->text, VXR_T_LATEX, 1, &txt, err);
				if (st == VX_OK)
					vxr_buf_puts(&b, txt);
				free(txt);
			} else {
				char num[128];
				vxr_cell_format(num, sizeof num, cell, VXF_TEX);
				vxr_buf_printf(&b, "$%s$", num);
			}
		}
		vxr_buf_puts(&b, " \\\\\n");
	}
	vxr_buf_puts(&b, "\\bottomrule\n\\end{tabular}\n");
	if (st == VX_OK && t->note[0]) {
		char *n = NULL;
		st = vxr_mixed(t->note, VXR_T_LATEX, 1, &n, err);
		if (st == VX_OK)
			vxr_buf_printf(&b, "\n\\smallskip\\footnotesize %s\n", n);
		free(n);
	}
	vxr_buf_puts(&b, "\\end{center}\n");
	if (st != VX_OK) {
		free(b.s);
		return st;
	}
	*out = vxr_buf_take(&b);
	return *out ? VX_OK : vx_fail(err, VX_ENOMEM, "out of memory");
}

/* A "nice" tick step for a range: 1, 2 or 5 × 10^n, about n ticks. */
static double nice_step(double range, int n)
{
	if (!(range > 0))
		return 1;
	double raw = range / n;
	double p = pow(10, floor(log10(raw)));
	double m = raw / p;
	return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

/* The plot drawn with picture-mode points: 300×170 pt inside the axes. */
static void plot_picture(vxr_buf *b, const vxr_plotdata *pd, vxr_blk_kind kind)
{
	const vxp_plot *p = &pd->plot;
	const double W = 300, H = 170;
	double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
	for (size_t s = 0; s < p->nseries; s++)
		for (size_t i = 0; i < p->series[s].n; i++) {
			double x = p->series[s].x[i], y = p->series[s].y[i];
			if (!isfinite(x) || !isfinite(y))
				continue;
			xmin = fmin(xmin, x);
			xmax = fmax(xmax, x);
			ymin = fmin(ymin, y);
			ymax = fmax(ymax, y);
		}
	for (size_t i = 0; i < p->nmarks; i++)
		if (isfinite(p->mark_y[i])) {
			ymin = fmin(ymin, p->mark_y[i]);
			ymax = fmax(ymax, p->mark_y[i]);
		}
	if (!isfinite(xmin)) {
		vxr_buf_puts(b, "\\begin{center}\\emph{(nothing to plot: every value is exactly zero)}\\end{center}\n");
		return;
	}
	if (!p->log_y)
		ymin = fmin(ymin, 0);
	if (xmax <= xmin)
		xmax = xmin + 1;
	if (ymax <= ymin) {
		ymax += 0.5;
		ymin -= 0.5;
	}
	double ys = p->log_y ? fmax(1, round(nice_step(ymax - ymin, 5))) : nice_step(ymax - ymin, 5);
	ymin = floor(ymin / ys) * ys;
	ymax = ceil(ymax / ys) * ys;
	double xs = nice_step(xmax - xmin, 6);
#define PX(x) (((x) - xmin) / (xmax - xmin) * W)
#define PY(y) (((y) - ymin) / (ymax - ymin) * H)
	vxr_buf_puts(b, "\\begin{center}\n\\setlength{\\unitlength}{1pt}\n");
	vxr_buf_printf(b, "\\begin{picture}(%.0f,%.0f)(-45,-30)\n", W + 55, H + 40);
	vxr_buf_printf(b, "\\put(0,0){\\line(1,0){%.0f}}\\put(0,0){\\line(0,1){%.0f}}\n", W, H);
	for (double y = ymin; y <= ymax + ys * 1e-9; y += ys) {
		vxr_buf_printf(b, "\\put(0,%.1f){\\line(-1,0){3}}", PY(y));
		if (p->log_y)
			vxr_buf_printf(b, "\\put(-5,%.1f){\\makebox(0,0)[r]{\\scriptsize $10^{%.0f}$}}\n", PY(y), y);
		else
			vxr_buf_printf(b, "\\put(-5,%.1f){\\makebox(0,0)[r]{\\scriptsize $%g$}}\n", PY(y), y);
	}
	for (double x = ceil(xmin / xs) * xs; x <= xmax + xs * 1e-9; x += xs)
		vxr_buf_printf(b, "\\put(%.1f,0){\\line(0,-1){3}}\\put(%.1f,-10){\\makebox(0,0)[t]{\\scriptsize $%g$}}\n",
		               PX(x), PX(x), fabs(x) < 1e-12 ? 0.0 : x);
	static const char *const sym[3] = { "\\bullet", "\\circ", "\\times" };
	for (size_t s = 0; s < p->nseries; s++) {
		const vxp_series *se = &p->series[s];
		size_t cap = kind == VXR_BLK_PLOT_DACT ? 400 : 120;
		size_t step = se->n > cap ? (se->n + cap - 1) / cap : 1;
		for (size_t i = 0; i < se->n; i++) {
			if (i % step && i != se->n - 1)
				continue;
			double x = se->x[i], y = se->y[i];
			if (!isfinite(x) || !isfinite(y))
				continue;
			if (se->n == 2 && se->dashed) {
				/* a level line (γ): drawn as a horizontal rule */
				if (i == 0)
					vxr_buf_printf(b, "\\multiput(0,%.1f)(6,0){%d}{\\line(1,0){3}}\n", PY(y), (int)(W / 6));
				continue;
			}
			if (kind == VXR_BLK_PLOT_DACT && s == 0)
				vxr_buf_printf(b, "\\put(%.1f,%.1f){\\makebox(0,0){$\\cdot$}}\n", PX(x), PY(y));
			else
				vxr_buf_printf(b, "\\put(%.1f,%.1f){\\makebox(0,0){$\\scriptscriptstyle %s$}}\n", PX(x), PY(y),
				               sym[s]);
		}
	}
	for (size_t i = 0; i < p->nmarks; i++)
		if (isfinite(p->mark_x[i]) && isfinite(p->mark_y[i]))
			vxr_buf_printf(b, "\\put(%.1f,%.1f){\\makebox(0,0){$\\bullet$}}\n", PX(p->mark_x[i]), PY(p->mark_y[i]));
	vxr_buf_printf(b, "\\put(%.0f,-24){\\makebox(0,0)[t]{\\small $%s$}}\n", W / 2,
	               kind == VXR_BLK_PLOT_DACT ? "a" : kind == VXR_BLK_PLOT_STEPS ? "j"
	               : kind == VXR_BLK_PLOT_POWERS ? "n" : "t-k");
	vxr_buf_puts(b, "\\end{picture}\n\n");
	/* legend */
	if (kind == VXR_BLK_PLOT_NORMS)
		vxr_buf_puts(b, "{\\small $\\bullet$~$\\|\\partial s_t/\\partial s_k\\|_2$\\quad "
		                "$\\circ$~$\\prod_j\\|J_j\\|_2$\\quad $\\times$~$(\\gamma\\lambda)^{t-k}$}\n");
	else if (kind == VXR_BLK_PLOT_CONTRIB)
		vxr_buf_puts(b, "{\\small $\\bullet$~size of the term of path $k$}\n");
	else if (kind == VXR_BLK_PLOT_POWERS)
		vxr_buf_puts(b, "{\\small $\\bullet$~$\\|W^n\\|_2$\\quad $\\circ$~$\\rho(W)^n$\\quad "
		                "$\\times$~$\\|W\\|_2^n$}\n");
	else if (kind == VXR_BLK_PLOT_STEPS)
		vxr_buf_puts(b, "{\\small $\\bullet$~$\\|J_j\\|_2$\\quad - - -~$\\gamma\\lambda$}\n");
	else
		vxr_buf_puts(b, "{\\small $\\cdot$~$\\sigma'(a)$\\quad - - -~$\\gamma = \\max\\sigma'$\\quad "
		                "$\\bullet$~$\\sigma'(a_{j,i})$ of this network}\n");
	vxr_buf_puts(b, "\\end{center}\n");
#undef PX
#undef PY
}

static vx_status latex_math(void *sink, const vxr_obj *o, vx_error *err)
{
	vxr_strsink *k = sink;
	if (o->kind == VXR_OBJ_DMATH)
		return vxr_math_latex(o, "\\[ ", " \\]", &k->out, err);
	return vxr_math_latex(o, "$", "$", &k->out, err);
}

static vx_status latex_table(void *sink, const vxr_obj *o, const vxr_table *t, vx_error *err)
{
	(void)o;
	return table_latex(t, &((vxr_strsink *)sink)->out, err);
}

static vx_status latex_matrices(void *sink, const vxr_obj *o, const vxr_mat *m, size_t n, vx_error *err)
{
	return vxr_mats_latex(o, m, n, "\\[ ", " \\]\n", &((vxr_strsink *)sink)->out, err);
}

static vx_status latex_plot(void *sink, const vxr_obj *o, const vxr_plotdata *pd, vx_error *err)
{
	vxr_strsink *k = sink;
	char *cap = NULL;
	vx_status st = vxr_mixed(pd->caption, VXR_T_LATEX, 1, &cap, err);
	if (st == VX_OK) {
		vxr_buf b = { 0 };
		if (o->blk == VXR_BLK_PLOT_EIGEN)
			vxr_latex_plane(&b, pd, "---~$\\rho(W)$\\quad - - -~$\\|W\\|_2$\\quad $\\cdots$~$|\\nu| = 1$"
			                        "\\quad $\\bullet$~eigenvalues $\\nu_i$ of $W$");
		else
			plot_picture(&b, pd, o->blk);
		vxr_buf_printf(&b, "\\begin{center}\\begin{minipage}{0.85\\linewidth}\\footnotesize %s"
		                   "\\end{minipage}\\end{center}\n", cap);
		k->out = vxr_buf_take(&b);
		if (!k->out)
			st = vx_fail(err, VX_ENOMEM, "out of memory");
	}
	free(cap);
	return st;
}

const vxr_render_ops vxr_latex_ops = {
	.math = latex_math, .table = latex_table, .matrices = latex_matrices, .plot = latex_plot,
};

vx_status vxr_latex_document(vxr_rctx *rc, cmark_node *root, const char *title, char **out, vx_error *err)
{
	(void)rc;
	/* The first level-1 heading becomes the title; the steps (##) become
	 * sections. */
	cmark_node *first = NULL;
	for (cmark_node *n = cmark_node_first_child(root); n; n = cmark_node_next(n))
		if (cmark_node_get_type(n) == CMARK_NODE_HEADING && cmark_node_get_heading_level(n) == 1) {
			first = n;
			break;
		}
	if (first) {
		cmark_node_unlink(first);
		cmark_node_free(first);
	}
	cmark_iter *it = cmark_iter_new(root);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		if (ev == CMARK_EVENT_ENTER && cmark_node_get_type(n) == CMARK_NODE_HEADING) {
			int l = cmark_node_get_heading_level(n);
			if (l > 1)
				cmark_node_set_heading_level(n, l - 1);
		}
	}
	cmark_iter_free(it);
	char *body = cmark_render_latex(root, CMARK_OPT_DEFAULT, 0);
	if (!body)
		return vx_fail(err, VX_ENOMEM, "out of memory rendering LaTeX");
	/* cmark draws a thematic break 'thick as \linethickness', which is a
	 * picture-mode command, not a length, in LaTeX itself */
	static const char hr[] = "\\rule{0.5\\linewidth}{\\linethickness}";
	static const char hr_ok[] = "\\rule{0.5\\linewidth}{0.4pt}";
	for (char *p = body; (p = strstr(p, hr)) != NULL;) {
		memmove(p + sizeof hr_ok - 1, p + sizeof hr - 1, strlen(p + sizeof hr - 1) + 1);
		memcpy(p, hr_ok, sizeof hr_ok - 1);
		p += sizeof hr_ok - 1;
	}
	vxr_buf b = { 0 };
	vxr_buf_puts(&b, "% Made with vanex " VX_VERSION ". Compile with pdflatex.\n");
	vxr_buf_puts(&b, preamble);
	vxr_buf_puts(&b, "\\title{");
	vxr_latex_escape(&b, title);
	vxr_buf_puts(&b, "}\n\\author{}\n\\date{");
	vxr_latex_escape(&b, rc->env ? (vxr_env_ctx(rc->env)->date ? vxr_env_ctx(rc->env)->date : "") : "");
	vxr_buf_puts(&b, "}\n\\begin{document}\n\\maketitle\n\n");
	vxr_buf_puts(&b, body);
	vxr_buf_puts(&b, "\n\\end{document}\n");
	free(body);
	*out = vxr_buf_take(&b);
	return *out ? VX_OK : vx_fail(err, VX_ENOMEM, "out of memory");
}
