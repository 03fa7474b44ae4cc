/*
 * html.c — the handout as ONE self-contained HTML file: inline CSS
 * (screen and print, A4 and Letter), MathML math, inline SVG plots, no
 * script, no external URL, no web font.  cmark writes the prose; this file
 * writes the objects and the page around it.
 */
#include "report/doc/render.h"
#include "report/doc/cite.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Local system fonts only: nothing is fetched.  The print sheet leaves the
 * paper size to the printer (`size: auto`) with margins that suit both A4
 * and US Letter, and keeps figures, tables and headings with their text. */
static const char css_page[] =
	":root{--ink:#1d2327;--soft:#5b6670;--rule:#d5dbe0;--accent:#1f5f8b;--tint:#f3f6f8;}\n"
	"html{font-size:17px;}\n"
	"body{margin:0;background:#fff;color:var(--ink);"
	"font-family:'Iowan Old Style','Palatino Linotype',Palatino,'Book Antiqua',Georgia,'DejaVu Serif',serif;"
	"line-height:1.55;-webkit-text-size-adjust:100%;}\n"
	"main{max-width:44rem;margin:0 auto;padding:2.5rem 1.5rem 4rem;}\n"
	"h1,h2,h3,h4{font-family:'Source Sans Pro','Segoe UI','Helvetica Neue',Arial,'DejaVu Sans',sans-serif;"
	"line-height:1.25;color:#10191f;}\n"
	"h1{font-size:2rem;margin:0 0 .4rem;letter-spacing:-.01em;}\n"
	"h2{font-size:1.35rem;margin:2.6rem 0 .8rem;padding-top:1.2rem;border-top:1px solid var(--rule);}\n"
	"h3{font-size:1.1rem;margin:1.8rem 0 .5rem;}\n"
	"p{margin:.7rem 0;}\n"
	"em{font-style:italic;}strong{font-weight:700;}\n"
	"code{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace;font-size:.86em;background:var(--tint);"
	"padding:.05em .3em;border-radius:3px;}\n"
	"pre{background:var(--tint);padding:.8rem 1rem;overflow-x:auto;border-radius:4px;}\n"
	"pre code{background:none;padding:0;}\n"
	"blockquote{margin:1rem 0;padding:.2rem 1rem;border-left:4px solid var(--accent);background:var(--tint);}\n"
	"hr{border:0;border-top:1px solid var(--rule);margin:2rem 0;}\n"
	"ul,ol{padding-left:1.6rem;}li{margin:.25rem 0;}\n";

/* The blocks' own rules (math, matrices, tables, plots, the record, the
 * references), shared with the slides (slides.c). */
const char vxr_html_css_blocks[] =
	"math{font-size:1.06em;}\n"
	"math[display=block]{display:block math;margin:.9rem 0;overflow-x:auto;overflow-y:hidden;}\n"
	".matrix{margin:1rem 0;display:flex;flex-wrap:wrap;align-items:center;column-gap:2.5rem;}\n"
	".matrix>div{max-width:100%;overflow-x:auto;overflow-y:hidden;}\n"
	".matrix math[display=block]{margin:.4rem 0;}\n"
	".table{margin:1.1rem 0;overflow-x:auto;overflow-y:hidden;}\n"
	"table{border-collapse:collapse;font-variant-numeric:tabular-nums;font-size:.92rem;}\n"
	"th,td{padding:.28rem .7rem;text-align:left;}\n"
	"thead th{border-bottom:1.5px solid var(--ink);font-weight:normal;white-space:nowrap;}\n"
	".nobr{white-space:nowrap;}\n"
	"tbody tr:nth-child(even){background:var(--tint);}\n"
	"tbody tr:last-child td{border-bottom:1.5px solid var(--ink);}\n"
	"td.num,th.num{text-align:right;white-space:nowrap;}\n"
	".note,figcaption{color:var(--soft);font-size:.88rem;margin:.4rem 0 0;}\n"
	"figure{margin:1.4rem 0;}\n"
	"figure svg{display:block;width:100%;height:auto;max-width:40rem;}\n"
	"table.record{font-size:.88rem;}\n"
	"table.record td:nth-child(odd){color:var(--soft);}\n"
	/* the record in two pairs of columns where there is room */
	"@media (min-width:36rem){table.record thead{display:none;}"
	"table.record tbody{display:grid;grid-template-columns:max-content max-content max-content max-content;"
	"column-gap:.2rem;border-top:1.5px solid var(--ink);border-bottom:1.5px solid var(--ink);}"
	"table.record tr{display:contents;}table.record tbody tr td{background:none;border:0;}"
	"table.record td:nth-child(odd){padding-left:.7rem;}}\n"
	"a.cite{color:var(--accent);text-decoration:none;}\n"
	".refs p{padding-left:2.4rem;text-indent:-2.4rem;margin:.45rem 0;}\n"
	".refs .refno{display:inline-block;min-width:2.4rem;text-indent:0;color:var(--soft);}\n"
	".refs p:target{background:var(--tint);}\n";

/* The page's end: the footer, paper and the print sheet. */
static const char css_print[] =
	"footer{margin-top:3rem;color:var(--soft);font-size:.85rem;}\n"
	"@page{size:auto;margin:18mm 17mm 20mm;}\n"
	"@media print{\n"
	"html{font-size:10.5pt;}\n"
	"main{max-width:none;padding:0;}\n"
	"h2{break-before:auto;break-after:avoid;border-top:none;padding-top:0;}\n"
	"h3{break-after:avoid;}\n"
	"figure,table,.matrix,math[display=block],pre,blockquote{break-inside:avoid;}\n"
	"tbody tr:nth-child(even){background:none;}\n"
	"p{orphans:3;widows:3;}\n"
	"a{color:inherit;text-decoration:none;}\n"
	"}\n";

static vx_status table_html(const vxr_table *t, const char *cls, char **out, vx_error *err)
{
	vxr_buf b = { 0 };
	vx_status st = VX_OK;
	vxr_buf_printf(&b, "<div class=\"table\"><table%s%s%s>\n<thead><tr>", cls ? " class=\"" : "",
	               cls ? cls : "", cls ? "\"" : "");
	for (size_t c = 0; c < t->ncols && st == VX_OK; c++) {
		char *h = NULL;
		st = vxr_mixed(t->head[c], VXR_T_HTML, 1, &h, err);
		if (st == VX_OK)
			vxr_buf_printf(&b, "<th%s>%s</th>", t->numeric[c] ? " class=\"num\"" : "", h);
		free(h);
	}
	vxr_buf_puts(&b, "</tr></thead>\n<tbody>\n");
	for (size_t r = 0; r < t->nrows && st == VX_OK; r++) {
		vxr_buf_puts(&b, "<tr>");
		for (size_t c = 0; c < t->ncols && st == VX_OK; c++) {
			const vxr_cell *cell = &t->cells[r * t->ncols + c];
			char num[VX_PATH_MAX + 64];
			char *txt = NULL;
			if (cell->kind == VXR_CELL_TEXT) {
				st = vxr_mixed(cell->text, VXR_T_HTML, 1, &txt, err);
			} else {
				vxr_cell_format(num, sizeof num, cell, VXF_UNICODE);
				vxr_buf b2 = { 0 };
				vxr_html_escape(&b2, num);
				txt = vxr_buf_take(&b2);
			}
			if (st == VX_OK)
				vxr_buf_printf(&b, "<td%s>%s</td>", t->numeric[c] ? " class=\"num\"" : "", txt ? txt : "");
			free(txt);
		}
		vxr_buf_puts(&b, "</tr>\n");
	}
	vxr_buf_puts(&b, "</tbody></table>");
	if (st == VX_OK && t->note[0]) {
		char *n = NULL;
		st = vxr_mixed(t->note, VXR_T_HTML, 1, &n, err);
		if (st == VX_OK)
			vxr_buf_printf(&b, "\n<p class=\"note\">%s</p>", n);
		free(n);
	}
	vxr_buf_puts(&b, "</div>\n");
	return vxr_buf_finish(&b, st, out, err);
}

static vx_status html_math(void *sink, const vxr_obj *o, vx_error *err)
{
	vxr_strsink *k = sink;
	return vxr_math(o, o->tex, VXM_MATHML, o->kind == VXR_OBJ_DMATH, &k->out, err);
}

static vx_status html_table(void *sink, const vxr_obj *o, const vxr_table *t, vx_error *err)
{
	vxr_strsink *k = sink;
	return table_html(t, o->blk == VXR_BLK_RECORD ? "record" : NULL, &k->out, err);
}

static vx_status html_matrices(void *sink, const vxr_obj *o, const vxr_mat *m, size_t n, vx_error *err)
{
	vxr_strsink *k = sink;
	vx_status st = VX_OK;
	/* each matrix its own formula, so that two wrap on a narrow page */
	vxr_buf b = { 0 };
	vxr_buf_puts(&b, "<div class=\"matrix\">");
	for (size_t i = 0; i < n && st == VX_OK; i++) {
		char *src = vxr_mat_tex(&m[i]);
		char *ml = NULL;
		st = src ? vxr_math(o, src, VXM_MATHML, 1, &ml, err) : vx_fail(err, VX_ENOMEM, "out of memory");
		if (st == VX_OK)
			vxr_buf_printf(&b, "<div>%s</div>", ml);
		free(ml);
		free(src);
	}
	vxr_buf_puts(&b, "</div>\n");
	return vxr_buf_finish(&b, st, &k->out, err);
}

static vx_status html_plot(void *sink, const vxr_obj *o, const vxr_plotdata *pd, vx_error *err)
{
	static const vxr_figure fig = { vxp_svg, 640, 360, "<figure class=\"plot\">\n", "\n<figcaption>",
	                                "</figcaption>\n</figure>\n" };
	return vxr_figure_str(sink, o, pd, VXR_T_HTML, &fig, err);
}

/* [1, 3]: each number a link to its entry in the references. */
static vx_status html_cite(void *sink, const vxr_obj *o, vx_error *err)
{
	vxr_strsink *k = sink;
	vxr_buf b = { 0 };
	vxr_buf_puts(&b, "[");
	for (size_t i = 0; i < o->ncite; i++)
		vxr_buf_printf(&b, "%s<a class=\"cite\" href=\"#ref-%s\">%d</a>", i ? ", " : "",
		               vxr_ref_at((size_t)o->cite[i])->key, o->cite[i] + 1);
	vxr_buf_puts(&b, "]");
	return vxr_buf_finish(&b, VX_OK, &k->out, err);
}

/* Every work, each entry the target of its citations. */
static vx_status html_references(void *sink, const vxr_obj *o, vx_error *err)
{
	(void)o;
	vxr_strsink *k = sink;
	vxr_buf b = { 0 };
	vxr_buf_puts(&b, "<div class=\"refs\">\n");
	for (size_t i = 0; i < vxr_ref_count(); i++) {
		vxr_buf_printf(&b, "<p id=\"ref-%s\"><span class=\"refno\">[%zu]</span>", vxr_ref_at(i)->key, i + 1);
		vxr_ref_entry(&b, i, VXR_T_HTML, 1);
		vxr_buf_puts(&b, "</p>\n");
	}
	vxr_buf_puts(&b, "</div>\n");
	return vxr_buf_finish(&b, VX_OK, &k->out, err);
}

const vxr_render_ops vxr_html_ops = {
	.math = html_math, .table = html_table, .matrices = html_matrices, .plot = html_plot,
	.cite = html_cite, .references = html_references,
};

void vxr_html_head(vxr_buf *b, const char *title, const char *css1, const char *css2, const char *css3)
{
	vxr_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	                "<meta name=\"generator\" content=\"vanex " VX_VERSION "\">\n<title>");
	vxr_html_escape(b, title);
	vxr_buf_puts(b, "</title>\n<style>\n");
	vxr_buf_puts(b, css1);
	vxr_buf_puts(b, css2);
	vxr_buf_puts(b, css3);
	vxr_buf_puts(b, "</style>\n</head>\n<body>\n");
}

vx_status vxr_html_document(vxr_rctx *rc, cmark_node *root, const char *title, char **out, vx_error *err)
{
	(void)rc;
	char *body = cmark_render_html(root, CMARK_OPT_DEFAULT);
	if (!body)
		return vx_fail(err, VX_ENOMEM, "out of memory rendering HTML");
	vxr_buf b = { 0 };
	vxr_html_head(&b, title, css_page, vxr_html_css_blocks, css_print);
	vxr_buf_puts(&b, "<main>\n");
	vxr_buf_puts(&b, body);
	vxr_buf_puts(&b, "</main>\n</body>\n</html>\n");
	free(body);
	return vxr_buf_finish(&b, VX_OK, out, err);
}
