/*
 * md.c — the handout as GitHub-flavoured Markdown for editing: the
 * filled Markdown exactly as the templates wrote it (cmark has parsed it
 * only to check where blocks stand), math as $…$ / $$…$$, tables as pipe
 * tables, matrices as $$\begin{pmatrix}…$$, plots as SVG files beside the
 * output (FILE-1.svg, …) or, on standard output, as tables of values.
 */
#include "report/doc/render.h"
#include "report/doc/doc.h"
#include "report/doc/cite.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* In a pipe table, TeX's \| would be read as an escaped cell separator. */
static void put_cell(vxr_buf *b, const char *s)
{
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] == '|') {
			vxr_buf_puts(b, "\\Vert ");
			s++;
		} else if (*s == '|') {
			vxr_buf_puts(b, "\\vert ");
		} else {
			vxr_buf_put(b, s, 1);
		}
	}
}

static vx_status table_md(const vxr_table *t, char **out, vx_error *err)
{
	vxr_buf b = { 0 };
	vx_status st = VX_OK;
	vxr_buf_puts(&b, "|");
	for (size_t c = 0; c < t->ncols && st == VX_OK; c++) {
		char *h = NULL;
		st = vxr_mixed(t->head[c], VXR_T_MD, 1, &h, err);
		if (st == VX_OK) {
			vxr_buf_puts(&b, " ");
			put_cell(&b, h);
			vxr_buf_puts(&b, " |");
		}
		free(h);
	}
	vxr_buf_puts(&b, "\n|");
	for (size_t c = 0; c < t->ncols; c++)
		vxr_buf_puts(&b, t->numeric[c] ? " --: |" : " :-- |");
	vxr_buf_puts(&b, "\n");
	for (size_t r = 0; r < t->nrows && st == VX_OK; r++) {
		vxr_buf_puts(&b, "|");
		for (size_t c = 0; c < t->ncols && st == VX_OK; c++) {
			const vxr_cell *cell = &t->cells[r * t->ncols + c];
			vxr_buf_puts(&b, " ");
			if (cell->kind == VXR_CELL_TEXT) {
				char *txt = NULL;
				st = vxr_mixed(cell->text, VXR_T_MD, 1, &txt, err);
				if (st == VX_OK)
					put_cell(&b, txt);
				free(txt);
			} else {
				char num[128];
				vxr_cell_format(num, sizeof num, cell, VXF_UNICODE);
				put_cell(&b, num);
			}
			vxr_buf_puts(&b, " |");
		}
		vxr_buf_puts(&b, "\n");
	}
	if (st == VX_OK && t->note[0]) {
		char *n = NULL;
		st = vxr_mixed(t->note, VXR_T_MD, 1, &n, err);
		if (st == VX_OK)
			vxr_buf_printf(&b, "\n*%s*\n", n);
		free(n);
	}
	return vxr_buf_finish(&b, st, out, err);
}

/* "dir/handout.md" → "dir/handout-N.svg" (path) and "handout-N.svg" (link).
 * The stem is cut (at a UTF-8 character boundary) so that the name fits
 * NAME_MAX: a handout with a 255-byte name still gets its plots. */
static void side_names(const char *out_path, int n, char *path, size_t pn, char *link, size_t ln)
{
	const char *slash = strrchr(out_path, '/');
	const char *base = slash ? slash + 1 : out_path;
	const char *dot = strrchr(base, '.');
	size_t bl = dot && dot != base ? (size_t)(dot - base) : strlen(base);
	char tail[32];
	size_t tl = (size_t)snprintf(tail, sizeof tail, "-%d.svg", n);
	if (bl + tl > NAME_MAX) {
		bl = NAME_MAX - tl;
		while (bl > 0 && ((unsigned char)base[bl] & 0xC0) == 0x80)
			bl--;
	}
	snprintf(link, ln, "%.*s%s", (int)bl, base, tail);
	snprintf(path, pn, "%.*s%s", slash ? (int)(slash - out_path + 1) : 0, out_path, link);
}

void vxr_side_path(const char *out_path, int n, char *path, size_t pn)
{
	char link[VX_PATH_MAX];
	side_names(out_path, n, path, pn, link, sizeof link);
}

/* the head of every plot md_plot writes */
static const char plot_head[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
                                "class=\"vxp\"";

int vxr_side_is_plot(const char *text, size_t len)
{
	return len >= sizeof plot_head - 1 && memcmp(text, plot_head, sizeof plot_head - 1) == 0;
}

static vx_status md_math(void *sink, const vxr_obj *o, vx_error *err)
{
	vxr_strsink *k = sink;
	if (o->kind == VXR_OBJ_DMATH)
		return vxr_math_latex(o, "$$", "$$", &k->out, err);
	return vxr_math_latex(o, "$", "$", &k->out, err);
}

static vx_status md_table(void *sink, const vxr_obj *o, const vxr_table *t, vx_error *err)
{
	(void)o;
	return table_md(t, &((vxr_strsink *)sink)->out, err);
}

static vx_status md_matrices(void *sink, const vxr_obj *o, const vxr_mat *m, size_t n, vx_error *err)
{
	return vxr_mats_latex(o, m, n, "$$\n", "\n$$", &((vxr_strsink *)sink)->out, err);
}

/* Alt text says what the plot shows, as the HTML figure's caption does:
 * the caption with its math in Unicode (the alt text is read as plain
 * text), Markdown's punctuation escaped so that a ']' cannot end it. */
static vx_status plot_alt(const vxr_plotdata *pd, char **out, vx_error *err)
{
	char *plain = NULL;
	vx_status st = vxr_mixed(pd->caption, VXR_T_TERM, 1, &plain, err);
	if (st != VX_OK)
		return st;
	vxr_buf b = { 0 };
	for (const char *s = plain; *s; s++) {
		if (strchr("\\[]*_`<>!&", *s))
			vxr_buf_put(&b, "\\", 1);
		vxr_buf_put(&b, s, 1);
	}
	free(plain);
	return vxr_buf_finish(&b, VX_OK, out, err);
}

/* A plot beside a Markdown file is an SVG side file and a link; on stdout,
 * where nothing can stand beside it, its table. */
static vx_status md_plot(void *sink, const vxr_obj *o, const vxr_plotdata *pd, vx_error *err)
{
	vxr_strsink *k = sink;
	vxr_rctx *rc = k->rc;
	char *cap = NULL;
	vx_status st = vxr_mixed(pd->caption, VXR_T_MD, 1, &cap, err);
	vxr_buf b = { 0 };
	if (st == VX_OK && rc->out_path && strcmp(rc->out_path, "-") != 0) {
		char *svg = NULL;
		st = vxp_svg(&pd->plot, 640, 360, &svg);
		if (st != VX_OK) {
			vx_fail(err, st, "%s:%d:%d: drawing the plot failed", o->file, o->line, o->col);
		} else {
			char path[VX_PATH_MAX + 32], link[VX_PATH_MAX];
			side_names(rc->out_path, ++rc->nplots, path, sizeof path, link, sizeof link);
			vxr_side *ns = realloc(rc->side, (rc->nside + 1) * sizeof *ns);
			char *pcopy = strdup(path);
			char *full = NULL, *alt = NULL;
			st = plot_alt(pd, &alt, err);
			if (ns) {
				rc->side = ns;
				vxr_buf sb = { 0 };
				vxr_buf_puts(&sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
				vxr_buf_puts(&sb, svg);
				vxr_buf_puts(&sb, "\n");
				full = vxr_buf_take(&sb);
			}
			if (st != VX_OK || !ns || !pcopy || !full) {
				free(pcopy);
				free(full);
				if (st == VX_OK)
					st = vx_fail(err, VX_ENOMEM, "out of memory");
			} else {
				rc->side[rc->nside].name = pcopy;
				rc->side[rc->nside].text = full;
				rc->nside++;
				vxr_buf_printf(&b, "![%s](%s)\n\n*%s*", alt, link, cap);
			}
			free(alt);
		}
		free(svg);
	} else if (st == VX_OK) {
		char *tab = NULL;
		st = table_md(pd->fallback, &tab, err);
		if (st == VX_OK)
			vxr_buf_printf(&b, "*%s*\n\n%s", cap, tab);
		free(tab);
	}
	free(cap);
	return vxr_buf_finish(&b, st, &k->out, err);
}

/* One paragraph per work, "[1] R. Pascanu, …" (no link definition is
 * written, so "[1]" stays text). */
static vx_status md_references(void *sink, const vxr_obj *o, vx_error *err)
{
	(void)o;
	vxr_strsink *k = sink;
	vxr_buf b = { 0 };
	for (size_t i = 0; i < vxr_ref_count(); i++) {
		vxr_buf_printf(&b, "%s[%zu] ", i ? "\n\n" : "", i + 1);
		vxr_ref_entry(&b, i, VXR_T_MD, 1);
	}
	return vxr_buf_finish(&b, VX_OK, &k->out, err);
}

const vxr_render_ops vxr_md_ops = {
	.math = md_math, .table = md_table, .matrices = md_matrices, .plot = md_plot,
	.cite = vxr_cite_numbers, .references = md_references,
};

vx_status vxr_md_document(vxr_rctx *rc, cmark_node *root, const char *title, char **out, vx_error *err)
{
	(void)root;
	(void)title;
	const vxr_filled *f = rc->filled;
	vxr_buf b = { 0 };
	vx_status st = VX_OK;
	size_t i = 0, start = 0;
	while (i + VXR_TOKEN_LEN <= f->len && st == VX_OK) {
		size_t id = vxr_token_at(f->md + i, f->len - i);
		if (id == SIZE_MAX || id >= f->nobjs) {
			i++;
			continue;
		}
		vxr_buf_put(&b, f->md + start, i - start);
		char *s = NULL;
		st = vxr_render_str(rc, &vxr_md_ops, &f->objs[id], &s, err);
		if (st == VX_OK)
			vxr_buf_puts(&b, s);
		free(s);
		i += VXR_TOKEN_LEN;
		start = i;
	}
	if (st != VX_OK) {
		free(b.s);
		return st;
	}
	vxr_buf_put(&b, f->md + start, f->len - start);
	/* one trailing newline */
	while (b.len > 0 && b.s[b.len - 1] == '\n')
		b.s[--b.len] = '\0';
	vxr_buf_puts(&b, "\n");
	return vxr_buf_finish(&b, VX_OK, out, err);
}
