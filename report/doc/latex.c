/*
 * latex.c — the handout as a complete LaTeX article that pdflatex
 * compiles with texlive-latex-base alone (amsmath, geometry, graphicx,
 * color, longtable; booktabs and lmodern when installed).  Plots are drawn
 * in LaTeX's own picture environment (report/text/plot.h's vxp_picture):
 * no image file.  Nothing runs into the margin: matrices and tables wider
 * than the text are scaled down to it (\vxfit), matrices show at most 8
 * rows and columns, and a plot or a table stays in one box with its
 * caption.
 */
#include "report/doc/render.h"
#include "report/doc/cite.h"

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
	"\\usepackage{longtable}\n"
	"\\newsavebox{\\vxbox}\n"
	"% a matrix or a table no wider than the text: scaled down to it when wider\n"
	"\\newcommand{\\vxfit}[1]{\\sbox{\\vxbox}{#1}\\ifdim\\wd\\vxbox>\\linewidth"
	"\\resizebox{\\linewidth}{!}{\\usebox{\\vxbox}}\\else\\usebox{\\vxbox}\\fi}\n"
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
	"% a paragraph with long inline formulas spaces its words out rather than\n"
	"% letting a line run into the margin\n"
	"\\setlength{\\emergencystretch}{3em}\n"
	"\\setlength{\\parindent}{0pt}\n"
	"% the steps carry their numbers in their titles\n"
	"\\setcounter{secnumdepth}{0}\n";

/* Rows up to which a table stays in one box with its note (a page holds
 * about 45 rows at \small); a longer one is a longtable, its header
 * repeated on each page and the note under its last row. */
#define BOX_ROWS 36

static vx_status table_latex(const vxr_table *t, char **out, vx_error *err)
{
	vxr_buf b = { 0 };
	vx_status st = VX_OK;
	int boxed = t->nrows <= BOX_ROWS;
	if (boxed)
		vxr_buf_puts(&b, "\\begin{center}\\begin{minipage}{\\linewidth}\\centering\\small\n"
		                 "\\vxfit{\\begin{tabular}{");
	else
		vxr_buf_puts(&b, "{\\small\n\\begin{longtable}{");
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
	char *note = NULL;
	if (st == VX_OK && t->note[0])
		st = vxr_mixed(t->note, VXR_T_LATEX, 1, &note, err);
	if (!boxed) {
		vxr_buf_puts(&b, "\\endhead\n\\bottomrule\n");
		if (note)
			vxr_buf_printf(&b, "\\multicolumn{%zu}{l}{\\footnotesize %s}\\\\\n", t->ncols, note);
		vxr_buf_puts(&b, "\\endlastfoot\n");
	}
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
	if (boxed) {
		vxr_buf_puts(&b, "\\bottomrule\n\\end{tabular}}\n");
		if (note)
			vxr_buf_printf(&b, "\n\\smallskip\\footnotesize %s\n", note);
		vxr_buf_puts(&b, "\\end{minipage}\\end{center}\n");
	} else {
		vxr_buf_puts(&b, "\\end{longtable}}\n");
	}
	free(note);
	return vxr_buf_finish(&b, st, out, err);
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

/* Each matrix a display of its own, scaled down to the text's width when
 * it is wider (\vxfit): two side by side ran 185 pt into the margin. */
static vx_status latex_matrices(void *sink, const vxr_obj *o, const vxr_mat *m, size_t n, vx_error *err)
{
	vxr_buf b = { 0 };
	vx_status st = VX_OK;
	for (size_t i = 0; i < n && st == VX_OK; i++) {
		char *one = NULL;
		st = vxr_mats_latex(o, &m[i], 1, "\\[ \\vxfit{$\\displaystyle ", "$} \\]\n", &one, err);
		if (st == VX_OK)
			vxr_buf_puts(&b, one);
		free(one);
	}
	return vxr_buf_finish(&b, st, &((vxr_strsink *)sink)->out, err);
}

/* At most 8 rows and columns: more would be scaled past reading. */
static size_t latex_matrix_fit(const void *sink)
{
	(void)sink;
	return 8;
}

/* The plot, its legend and its caption in one box: a page never parts
 * a plot from what says what it shows. */
static vx_status latex_plot(void *sink, const vxr_obj *o, const vxr_plotdata *pd, vx_error *err)
{
	static const vxr_figure fig = { vxp_picture, 340, 190, "\\begin{center}\\begin{minipage}{\\linewidth}\\centering\n",
	                                "\n\\smallskip\\begin{minipage}{0.85\\linewidth}\\footnotesize ",
	                                "\\end{minipage}\n\\end{minipage}\\end{center}\n" };
	return vxr_figure_str(sink, o, pd, VXR_T_LATEX, &fig, err);
}

static vx_status latex_references(void *sink, const vxr_obj *o, vx_error *err)
{
	(void)o;
	vxr_strsink *k = sink;
	vxr_buf b = { 0 };
	vxr_buf_puts(&b, "\\begin{list}{}{\\setlength{\\leftmargin}{2.2em}\\setlength{\\labelwidth}{2em}"
	                 "\\setlength{\\itemsep}{0.3em}}\\raggedright\n");
	for (size_t i = 0; i < vxr_ref_count(); i++) {
		vxr_buf_printf(&b, "\\item[{[%zu]}] ", i + 1);
		vxr_ref_entry(&b, i, VXR_T_LATEX, 1);
		vxr_buf_puts(&b, "\n");
	}
	vxr_buf_puts(&b, "\\end{list}\n");
	return vxr_buf_finish(&b, VX_OK, &k->out, err);
}

const vxr_render_ops vxr_latex_ops = {
	.math = latex_math, .table = latex_table, .matrices = latex_matrices, .plot = latex_plot,
	.cite = vxr_cite_numbers, .references = latex_references, .matrix_fit = latex_matrix_fit,
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
	vxr_buf_puts(&b, vxp_picture_preamble);
	vxr_buf_puts(&b, "\\title{");
	vxr_latex_escape(&b, title);
	vxr_buf_puts(&b, "}\n\\author{}\n\\date{");
	vxr_latex_escape(&b, rc->env ? (vxr_env_ctx(rc->env)->date ? vxr_env_ctx(rc->env)->date : "") : "");
	vxr_buf_puts(&b, "}\n\\begin{document}\n\\maketitle\n\n");
	vxr_buf_puts(&b, body);
	vxr_buf_puts(&b, "\n\\end{document}\n");
	free(body);
	return vxr_buf_finish(&b, VX_OK, out, err);
}
