/*
 * term.c — the live blocks laid out in character cells for the
 * tutor: tables as aligned columns, matrices with brackets and ⋯ ⋮ ⋱ (or
 * ... in ASCII), plots through vxp_cells.  Every line fits the width asked
 * for: columns are dropped before anything would be cut, and layout.c clips
 * as a last guard.
 */
#include "report/doc/render.h"
#include "report/doc/cite.h"
#include "report/text/utf8.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ================================================================ text helpers */

/* Math or mixed text for the terminal: Unicode, or ASCII spelled out. */
static char *term_text(const char *s, int utf8)
{
	if (utf8)
		return strdup(s);
	return vxm_to_ascii(s);
}

/* Greedy wrap of plain text into lines of at most w columns, one role. */
static void wrap_plain(vxt_lines *L, vxt_role role, const char *s, int w, int indent)
{
	const char *p = s;
	int col = 0;
	int first = 1;
	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		const char *e = p;
		while (*e && *e != ' ')
			e++;
		char *word = strndup(p, (size_t)(e - p));
		if (!word) {
			L->oom = 1;
			return;
		}
		/* a formula's glued spaces (vxr_mixed_glued) show as spaces */
		for (char *q = word; *q; q++)
			if (*q == VXR_GLUE)
				*q = ' ';
		int ww = vxr_u8_width(word);
		if (first || col + 1 + ww > w - indent) {
			vxt_lines_newline(L);
			vxt_lines_pad(L, indent);
			col = 0;
		} else {
			vxt_lines_puts(L, role, " ");
			col++;
		}
		first = 0;
		vxt_lines_puts(L, role, word);
		col += ww;
		free(word);
		p = e;
	}
}

/* Text with $…$ math (a table's note, a plot's caption) wrapped to width
 * in the dim role. */
static vx_status wrap_mixed(vxt_lines *L, const char *text, int width, int utf8, vx_error *err)
{
	char *m = NULL;
	vx_status st = vxr_mixed_glued(text, utf8, &m, err);
	if (st != VX_OK)
		return st;
	/* a formula stays on one line, as in the prose, unless it is wider
	 * than a line by itself: then its spaces break again */
	for (char *p = m; *p;) {
		char *e = p + strcspn(p, " ");
		char save = *e;
		*e = '\0';
		int glued = 0;
		for (const char *q = p; *q; q++)
			glued += *q == VXR_GLUE;   /* a control byte: no width of its own */
		if (glued && vxr_u8_width(p) + glued > width)
			for (char *q = p; *q; q++)
				if (*q == VXR_GLUE)
					*q = ' ';
		*e = save;
		p = *e ? e + 1 : e;
	}
	wrap_plain(L, VXT_DIM, m, width, 0);
	free(m);
	return st;
}

/* ================================================================ tables */

static vx_status term_table(const vxr_table *t, int width, int utf8, vxt_lines *L, vx_error *err)
{
	size_t nc = t->ncols, nr = t->nrows;
	char **cell = calloc((nr + 1) * nc, sizeof *cell);
	int *w = calloc(nc, sizeof *w);
	vx_status st = VX_OK;
	if (!cell || !w) {
		free(cell);
		free(w);
		return vx_fail(err, VX_ENOMEM, "out of memory");
	}
	for (size_t c = 0; c < nc && st == VX_OK; c++) {
		char *h = NULL;
		st = vxr_mixed(t->head[c], VXR_T_TERM, utf8, &h, err);
		if (st == VX_OK) {
			cell[c] = term_text(h, utf8);
			free(h);
			if (!cell[c])
				st = vx_fail(err, VX_ENOMEM, "out of memory");
		}
	}
	for (size_t r = 0; r < nr && st == VX_OK; r++)
		for (size_t c = 0; c < nc && st == VX_OK; c++) {
			const vxr_cell *ce = &t->cells[r * nc + c];
			char *txt = NULL;
			if (ce->kind == VXR_CELL_TEXT) {
				char *m = NULL;
				st = vxr_mixed(ce->text, VXR_T_TERM, utf8, &m, err);
				if (st == VX_OK) {
					txt = term_text(m, utf8);
					free(m);
				}
			} else {
				char num[VX_PATH_MAX + 64];
				vxr_cell_format(num, sizeof num, ce, utf8 ? VXF_UNICODE : VXF_ASCII);
				txt = strdup(num);
			}
			if (st == VX_OK && !txt)
				st = vx_fail(err, VX_ENOMEM, "out of memory");
			cell[(r + 1) * nc + c] = txt;
		}
	if (st == VX_OK) {
		for (size_t i = 0; i < (nr + 1) * nc; i++) {
			int cw = vxr_u8_width(cell[i]);
			if (cw > w[i % nc])
				w[i % nc] = cw;
		}
		/* as many columns as fit, gap 2 (1 when tight) */
		size_t show = nc;
		int gap = 2;
		for (;;) {
			int total = 0;
			for (size_t c = 0; c < show; c++)
				total += w[c] + (c ? gap : 0);
			if (total <= width || show <= 1)
				break;
			if (gap == 2)
				gap = 1;
			else
				show--;
		}
		for (size_t r = 0; r <= nr; r++) {
			vxt_lines_newline(L);
			for (size_t c = 0; c < show; c++) {
				const char *s = cell[r * nc + c];
				int pad = w[c] - vxr_u8_width(s);
				if (c)
					vxt_lines_pad(L, gap);
				if (t->numeric[c])
					vxt_lines_pad(L, pad);
				vxt_lines_puts(L, r == 0 ? VXT_STRONG : t->numeric[c] ? VXT_NUMBER : VXT_TEXT, s);
				if (!t->numeric[c] && c + 1 < show)
					vxt_lines_pad(L, pad);
			}
			if (r == 0) {
				int total = 0;
				for (size_t c = 0; c < show; c++)
					total += w[c] + (c ? gap : 0);
				vxt_lines_newline(L);
				for (int i = 0; i < total && i < width; i++)
					vxt_lines_puts(L, VXT_DIM, utf8 ? "\u2500" : "-");
			}
		}
		if (show < nc) {
			char note[96];
			snprintf(note, sizeof note, "(%zu more column%s: widen the terminal)", nc - show,
			         nc - show > 1 ? "s" : "");
			wrap_plain(L, VXT_DIM, note, width, 0);
		}
		if (t->note[0])
			st = wrap_mixed(L, t->note, width, utf8, err);
	}
	for (size_t i = 0; i < (nr + 1) * nc; i++)
		free(cell[i]);
	free(cell);
	free(w);
	return st;
}

/* ================================================================ matrices */

typedef struct {
	char **cells;   /* nr × nc formatted entries */
	int *cw;        /* column widths */
	char *label;    /* "W =" rendered */
	int lw;         /* label width */
	int width;      /* whole block width */
	size_t nr, nc;
} tmat;

static void tmat_clear(tmat *m)
{
	if (!m->cells)
		return;
	for (size_t i = 0; i < m->nr * m->nc; i++)
		free(m->cells[i]);
	free(m->cells);
	free(m->cw);
	free(m->label);
	memset(m, 0, sizeof *m);
}

static vx_status tmat_build(const vxr_mat *src, int utf8, tmat *m, vx_error *err)
{
	memset(m, 0, sizeof *m);
	m->nr = src->nr;
	m->nc = src->nc;
	m->cells = calloc(m->nr * m->nc, sizeof *m->cells);
	m->cw = calloc(m->nc, sizeof *m->cw);
	if (!m->cells || !m->cw) {
		free(m->cells);
		free(m->cw);
		m->cells = NULL;
		return vx_fail(err, VX_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < m->nr; i++)
		for (size_t k = 0; k < m->nc; k++) {
			int er = src->ri[i] == SIZE_MAX, ec = src->ci[k] == SIZE_MAX;
			char num[64];
			if (er && ec)
				snprintf(num, sizeof num, "%s", utf8 ? "\u22f1" : ".");
			else if (er)
				snprintf(num, sizeof num, "%s", utf8 ? "\u22ee" : ":");
			else if (ec)
				snprintf(num, sizeof num, "%s", utf8 ? "\u22ef" : "...");
			else
				vxf_num(num, sizeof num, src->v[i * m->nc + k], 3, utf8 ? VXF_UNICODE : VXF_ASCII);
			m->cells[i * m->nc + k] = strdup(num);
			if (!m->cells[i * m->nc + k]) {
				tmat_clear(m);
				return vx_fail(err, VX_ENOMEM, "out of memory");
			}
			int w = vxr_u8_width(num);
			if (w > m->cw[k])
				m->cw[k] = w;
		}
	/* the label: the TeX rendered for the terminal, then " =" */
	char *lab = NULL;
	size_t col;
	vx_error e2;
	vxr_buf tex = { 0 };
	vxr_buf_puts(&tex, src->label);
	if (src->log10_scale != 0)
		vxr_buf_printf(&tex, " = 10^{%.0f} \\times", src->log10_scale);
	char *ts = vxr_buf_take(&tex);
	if (!ts || vxm_render(ts, strlen(ts), utf8 ? VXM_UNICODE : VXM_ASCII, 0, &lab, &col, &e2) != VX_OK) {
		free(ts);
		tmat_clear(m);
		return vx_fail(err, VX_EINTERNAL, "internal: matrix label");
	}
	free(ts);
	vxr_buf lb = { 0 };
	vxr_buf_printf(&lb, "%s%s", lab, src->log10_scale != 0 ? " " : " = ");
	free(lab);
	m->label = vxr_buf_take(&lb);
	if (!m->label) {
		tmat_clear(m);
		return vx_fail(err, VX_ENOMEM, "out of memory");
	}
	m->lw = vxr_u8_width(m->label);
	m->width = m->lw + 2 + 2;   /* brackets with a space inside */
	for (size_t k = 0; k < m->nc; k++)
		m->width += m->cw[k] + (k ? 2 : 0);
	return VX_OK;
}

/* Row r of the block (0..nr-1), drawn at the current end of L. */
static void tmat_row(vxt_lines *L, const tmat *m, size_t r, int utf8)
{
	size_t mid = (m->nr - 1) / 2;
	if (r == mid)
		vxt_lines_puts(L, VXT_MATH, m->label);
	else
		vxt_lines_pad(L, m->lw);
	const char *lb, *rb;
	if (!utf8 || m->nr == 1) {
		lb = utf8 ? "(" : "[";
		rb = utf8 ? ")" : "]";
	} else if (r == 0) {
		lb = "\u239b";
		rb = "\u239e";
	} else if (r == m->nr - 1) {
		lb = "\u239d";
		rb = "\u23a0";
	} else {
		lb = "\u239c";
		rb = "\u239f";
	}
	vxt_lines_puts(L, VXT_DIM, lb);
	vxt_lines_pad(L, 1);
	for (size_t k = 0; k < m->nc; k++) {
		const char *s = m->cells[r * m->nc + k];
		if (k)
			vxt_lines_pad(L, 2);
		vxt_lines_pad(L, m->cw[k] - vxr_u8_width(s));
		vxt_lines_puts(L, VXT_NUMBER, s);
	}
	vxt_lines_pad(L, 1);
	vxt_lines_puts(L, VXT_DIM, rb);
}

static vx_status term_matrices(const vxr_mat *src, size_t n, int width, int utf8, vxt_lines *L, vx_error *err)
{
	tmat m[2];
	memset(m, 0, sizeof m);
	for (size_t i = 0; i < n; i++) {
		vx_status st = tmat_build(&src[i], utf8, &m[i], err);
		if (st != VX_OK) {
			for (size_t q = 0; q < i; q++)
				tmat_clear(&m[q]);
			return st;
		}
	}
	int side = n == 2 && m[0].width + 4 + m[1].width <= width;
	if (side) {
		size_t rows = m[0].nr > m[1].nr ? m[0].nr : m[1].nr;
		for (size_t r = 0; r < rows; r++) {
			vxt_lines_newline(L);
			for (size_t i = 0; i < 2; i++) {
				if (i)
					vxt_lines_pad(L, 4);
				size_t off = (rows - m[i].nr) / 2;
				if (r >= off && r - off < m[i].nr)
					tmat_row(L, &m[i], r - off, utf8);
				else if (i == 0)
					vxt_lines_pad(L, m[i].width);
			}
		}
	} else {
		for (size_t i = 0; i < n; i++) {
			if (i)
				vxt_lines_newline(L);
			for (size_t r = 0; r < m[i].nr; r++) {
				vxt_lines_newline(L);
				tmat_row(L, &m[i], r, utf8);
			}
		}
	}
	for (size_t i = 0; i < n; i++)
		tmat_clear(&m[i]);
	return VX_OK;
}

/* ================================================================ plots */

static vxt_role role_of(unsigned char r)
{
	switch (r) {
	case 0: return VXT_DIM;
	case 1: return VXT_SERIES1;
	case 2: return VXT_SERIES2;
	case 3: return VXT_SERIES3;
	default: return VXT_NUMBER;
	}
}

vx_status vxr_term_plot(const vxr_plotdata *pd, int cols, int rows, int utf8, vxt_lines *L, vx_error *err)
{
	char *txt = NULL;
	unsigned char *roles = NULL;
	vx_status st = vxp_cells(&pd->plot, cols, rows, utf8, &txt, &roles);
	if (st != VX_OK)
		return vx_fail(err, st, "drawing the plot failed");
	const char *p = txt;
	for (int r = 0; r < rows && *p; r++) {
		vxt_lines_newline(L);
		/* one code point per cell, its role at [r][c] */
		for (int c = 0; *p && *p != '\n'; c++) {
			uint32_t cp;
			size_t len = vxr_u8_next(p, &cp);
			unsigned char ro = c < cols ? roles[(size_t)r * (size_t)cols + (size_t)c] : 0;
			vxt_lines_span(L, role_of(ro), p, len);
			p += len;
		}
		if (*p)
			p++;
	}
	free(txt);
	free(roles);
	return VX_OK;
}

/* A plot block: 12 rows of at most 72 columns (16 for a plane drawn to
 * scale, whose circles would otherwise be a few cells across), the caption
 * below in words. */
static vx_status term_plot(const vxr_plotdata *pd, int width, int utf8, vxt_lines *L, vx_error *err)
{
	if (width < 20) {
		wrap_plain(L, VXT_DIM, "(the plot needs 20 columns)", width, 0);
		return VX_OK;
	}
	vx_status st = vxr_term_plot(pd, width < 72 ? width : 72, pd->plot.equal_aspect ? 16 : 12, utf8, L, err);
	if (st != VX_OK)
		return st;
	return wrap_mixed(L, pd->caption, width, utf8, err);
}

/* ================================================================ the walker's callbacks */

typedef struct {
	int width, utf8;
	vxt_lines *L;
} term_sink;

static vx_status tb_table(void *sink, const vxr_obj *o, const vxr_table *t, vx_error *err)
{
	(void)o;
	term_sink *k = sink;
	return term_table(t, k->width, k->utf8, k->L, err);
}

static vx_status tb_matrices(void *sink, const vxr_obj *o, const vxr_mat *m, size_t n, vx_error *err)
{
	(void)o;
	term_sink *k = sink;
	return term_matrices(m, n, k->width, k->utf8, k->L, err);
}

static vx_status tb_plot(void *sink, const vxr_obj *o, const vxr_plotdata *pd, vx_error *err)
{
	(void)o;
	term_sink *k = sink;
	return term_plot(pd, k->width, k->utf8, k->L, err);
}

/* At most as many matrix columns as the width allows: a label of about 18
 * columns, then about 9 per entry; two matrices stack when they do not fit
 * side by side. */
static size_t tb_matrix_fit(const void *sink)
{
	const term_sink *k = sink;
	size_t fit = (size_t)(k->width > 30 ? (k->width - 22) / 9 : 2);
	return fit < 3 ? 3 : fit;
}

static int tb_utf8(const void *sink)
{
	return ((const term_sink *)sink)->utf8;
}

/* Every work, each wrapped to the width ("[1] R. Pascanu, …"). */
static vx_status tb_references(void *sink, const vxr_obj *o, vx_error *err)
{
	(void)o;
	term_sink *k = sink;
	for (size_t i = 0; i < vxr_ref_count(); i++) {
		vxr_buf b = { 0 };
		vxr_buf_printf(&b, "[%zu] ", i + 1);
		vxr_ref_entry(&b, i, VXR_T_TERM, k->utf8);
		char *e = vxr_buf_take(&b);
		if (!e)
			return vx_fail(err, VX_ENOMEM, "out of memory");
		wrap_plain(k->L, VXT_TEXT, e, k->width, 0);
		free(e);
	}
	return k->L->oom ? vx_fail(err, VX_ENOMEM, "out of memory") : VX_OK;
}

static const vxr_render_ops term_ops = {
	.table = tb_table, .matrices = tb_matrices, .plot = tb_plot, .references = tb_references,
	.matrix_fit = tb_matrix_fit, .utf8 = tb_utf8,
};

vx_status vxr_term_block(vxr_env *env, const vxr_obj *o, int width, int utf8, vxt_lines *L, vx_error *err)
{
	term_sink k = { width, utf8, L };
	return vxr_render_obj(env, &term_ops, &k, o, err);
}
