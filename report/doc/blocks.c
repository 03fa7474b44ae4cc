/*
 * blocks.c — the live blocks as plain data (tables, truncated
 * matrices, plots), the same for every target, plus the small helpers all
 * renderers share (a growing string, math with template positions, text
 * with $…$ spans).
 */
#include "report/doc/render.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "engine/act.h"
#include "engine/analysis.h"
#include "engine/model.h"
#include "engine/regime.h"
#include "report/doc/cite.h"

/* ================================================================ strings */

void vxr_html_escape(vxr_buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': vxr_buf_puts(b, "&amp;"); break;
		case '<': vxr_buf_puts(b, "&lt;"); break;
		case '>': vxr_buf_puts(b, "&gt;"); break;
		case '"': vxr_buf_puts(b, "&quot;"); break;
		default: vxr_buf_put(b, s, 1);
		}
	}
}

void vxr_latex_escape(vxr_buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '\\': vxr_buf_puts(b, "\\textbackslash{}"); break;
		case '{': case '}': case '#': case '$': case '%': case '&': case '_':
			vxr_buf_put(b, "\\", 1);
			vxr_buf_put(b, s, 1);
			break;
		case '~': vxr_buf_puts(b, "\\textasciitilde{}"); break;
		case '^': vxr_buf_puts(b, "\\textasciicircum{}"); break;
		default: vxr_buf_put(b, s, 1);
		}
	}
}

size_t vxr_token_at(const char *s, size_t len)
{
	if (len < VXR_TOKEN_LEN || memcmp(s, "VXQ", 3) != 0 || s[8] != 'Q')
		return SIZE_MAX;
	size_t v = 0;
	for (int i = 3; i < 8; i++) {
		if (s[i] < '0' || s[i] > '9')
			return SIZE_MAX;
		v = v * 10 + (size_t)(s[i] - '0');
	}
	return v;
}

vx_status vxr_math(const vxr_obj *o, const char *src, vxm_target tg, int display, char **out, vx_error *err)
{
	size_t col = 0;
	vx_error e2;
	vx_status st = vxm_render(src, strlen(src), tg, display, out, &col, &e2);
	if (st == VX_OK)
		return VX_OK;
	*out = NULL;
	if (st != VX_EFORMAT)
		return vx_fail(err, st, "%s", e2.msg);
	int c = o->col + (o->kind == VXR_OBJ_DMATH ? 2 : 1) + (col ? (int)col - 1 : 0);
	return vx_fail(err, VX_EFORMAT, "%s:%d:%d: math: %s", o->file, o->line, c, e2.msg);
}

vx_status vxr_mixed(const char *text, vxr_target tg, int utf8, char **out, vx_error *err)
{
	vxr_buf b = { 0 };
	const char *p = text;
	while (*p) {
		const char *d = strchr(p, '$');
		size_t n = d ? (size_t)(d - p) : strlen(p);
		char *seg = strndup(p, n);
		if (!seg) {
			free(b.s);
			return vx_fail(err, VX_ENOMEM, "out of memory");
		}
		if (tg == VXR_T_HTML)
			vxr_html_escape(&b, seg);
		else if (tg == VXR_T_LATEX)
			vxr_latex_escape(&b, seg);
		else
			vxr_buf_puts(&b, seg);
		free(seg);
		if (!d)
			break;
		const char *e = strchr(d + 1, '$');
		if (!e) {
			free(b.s);
			return vx_fail(err, VX_EINTERNAL, "internal: unclosed $ in '%s'", text);
		}
		char *src = strndup(d + 1, (size_t)(e - d - 1));
		char *m = NULL;
		size_t col;
		vx_error e2;
		vxm_target mt = tg == VXR_T_HTML ? VXM_MATHML : tg == VXR_T_LATEX ? VXM_LATEX
		              : tg == VXR_T_MD ? VXM_LATEX : utf8 ? VXM_UNICODE : VXM_ASCII;
		vx_status st = src ? vxm_render(src, strlen(src), mt, 0, &m, &col, &e2) : VX_ENOMEM;
		free(src);
		if (st != VX_OK) {
			free(b.s);
			return vx_fail(err, st == VX_EFORMAT ? VX_EINTERNAL : st, "internal: math '%.*s': %s",
			               (int)(e - d - 1), d + 1, st == VX_ENOMEM ? "out of memory" : e2.msg);
		}
		p = e + 1;
		/* HTML: the punctuation after a formula stays on its line, so a
		 * caption's final "." never wraps alone (doc.c does the same for
		 * the prose) */
		size_t punct = tg == VXR_T_HTML ? strspn(p, ",.;:!?)") : 0;
		if (punct)
			vxr_buf_puts(&b, "<span class=\"nobr\">");
		if (tg == VXR_T_LATEX || tg == VXR_T_MD)
			vxr_buf_puts(&b, "$");
		vxr_buf_puts(&b, m);
		if (tg == VXR_T_LATEX || tg == VXR_T_MD)
			vxr_buf_puts(&b, "$");
		free(m);
		if (punct) {
			vxr_buf_put(&b, p, punct);
			vxr_buf_puts(&b, "</span>");
			p += punct;
		}
	}
	*out = vxr_buf_take(&b);
	if (!*out)
		return vx_fail(err, VX_ENOMEM, "out of memory");
	return VX_OK;
}

/* ================================================================ citations */

/* Text of a reference entry for a target. */
static void ref_text(vxr_buf *b, const char *s, vxr_target tg, int utf8)
{
	if (tg == VXR_T_HTML) {
		vxr_html_escape(b, s);
	} else if (tg == VXR_T_LATEX) {
		vxr_latex_escape(b, s);
	} else if (tg == VXR_T_TERM && !utf8) {
		char *a = vxm_to_ascii(s);
		vxr_buf_puts(b, a ? a : "?");
		free(a);
	} else {
		vxr_buf_puts(b, s);
	}
}

void vxr_ref_entry(vxr_buf *b, size_t r, vxr_target tg, int utf8)
{
	static const char *const em[][2] = { { "<em>", "</em>" }, { "\\emph{", "}" }, { "*", "*" }, { "", "" } };
	const vxr_ref *w = vxr_ref_at(r);
	if (!w)
		return;
	ref_text(b, w->authors, tg, utf8);
	vxr_buf_puts(b, ". ");
	vxr_buf_puts(b, em[tg][0]);
	ref_text(b, w->title, tg, utf8);
	vxr_buf_puts(b, ".");
	vxr_buf_puts(b, em[tg][1]);
	vxr_buf_puts(b, " ");
	ref_text(b, w->where, tg, utf8);
	vxr_buf_printf(b, ", %d.", w->year);
}

vx_status vxr_cite_numbers(void *sink, const vxr_obj *o, vx_error *err)
{
	vxr_strsink *k = sink;
	vxr_buf b = { 0 };
	vxr_buf_puts(&b, "[");
	for (size_t i = 0; i < o->ncite; i++)
		vxr_buf_printf(&b, "%s%d", i ? ", " : "", o->cite[i] + 1);
	vxr_buf_puts(&b, "]");
	k->out = vxr_buf_take(&b);
	return k->out ? VX_OK : vx_fail(err, VX_ENOMEM, "out of memory");
}

char *vxr_cite_short(const vxr_obj *o)
{
	vxr_buf b = { 0 };
	vxr_buf_puts(&b, "(");
	for (size_t i = 0; i < o->ncite; i++) {
		const vxr_ref *w = vxr_ref_at((size_t)o->cite[i]);
		vxr_buf_printf(&b, "%s%d", i ? "; " : "", w ? w->year : 0);
	}
	vxr_buf_puts(&b, ")");
	return vxr_buf_take(&b);
}

/* ================================================================ cells */

void vxr_cell_format(char *buf, size_t n, const vxr_cell *c, vxf_style st)
{
	switch (c->kind) {
	case VXR_CELL_INT:
		snprintf(buf, n, "%lld", c->i);
		return;
	case VXR_CELL_MAG:
		vxf_mag(buf, n, c->m, 3, st);
		return;
	case VXR_CELL_NUM:
		vxf_num(buf, n, c->v, 3, st);
		return;
	case VXR_CELL_TEXT:
		snprintf(buf, n, "%s", c->text);
		return;
	case VXR_CELL_GAP:
		snprintf(buf, n, "%s", st == VXF_ASCII ? "..." : st == VXF_TEX ? "\\vdots" : "\u22ee");
		return;
	}
	snprintf(buf, n, "?");
}

/* ================================================================ tables */

static vxr_table *table_alloc(size_t ncols, size_t nrows)
{
	vxr_table *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->ncols = ncols;
	t->nrows = nrows;
	t->cells = calloc(ncols * (nrows ? nrows : 1), sizeof *t->cells);
	if (!t->cells) {
		free(t);
		return NULL;
	}
	return t;
}

void vxr_table_free(vxr_table *t)
{
	if (!t)
		return;
	free(t->cells);
	free(t->own);
	free(t);
}

static vxr_cell cint(long long i)
{
	vxr_cell c = { VXR_CELL_INT, i, { 0, 0, 1 }, 0, NULL };
	return c;
}

static vxr_cell cmag(vx_mag m)
{
	vxr_cell c = { VXR_CELL_MAG, 0, m, 0, NULL };
	return c;
}

static vxr_cell cnum(double v)
{
	vxr_cell c = { VXR_CELL_NUM, 0, { 0, 0, 1 }, v, NULL };
	return c;
}

static vxr_cell ctext(const char *s)
{
	vxr_cell c = { VXR_CELL_TEXT, 0, { 0, 0, 1 }, 0, s };
	return c;
}

/* Picks up to `want` of the gaps 0..G, log-spaced so that both the first
 * steps and the far end show; sorted ascending.  Returns how many. */
static size_t pick_log(size_t G, size_t want, size_t *out)
{
	if (G + 1 <= want) {
		for (size_t g = 0; g <= G; g++)
			out[g] = g;
		return G + 1;
	}
	unsigned char *used = calloc(G + 1, 1);
	if (!used)
		return 0;
	size_t n = 0;
	for (size_t i = 0; i < want; i++) {
		double g = round(pow((double)G + 1, (double)i / (double)(want - 1)) - 1);
		size_t gi = g < 0 ? 0 : g > (double)G ? G : (size_t)g;
		if (!used[gi]) {
			used[gi] = 1;
			n++;
		}
	}
	for (size_t g = 0; n < want && g <= G; g++)
		if (!used[g]) {
			used[g] = 1;
			n++;
		}
	n = 0;
	for (size_t g = 0; g <= G; g++)
		if (used[g])
			out[n++] = g;
	free(used);
	return n;
}

/* Picks up to `want` of 1..T evenly, always with both ends. */
static size_t pick_even(size_t T, size_t want, size_t *out)
{
	if (T <= want) {
		for (size_t j = 0; j < T; j++)
			out[j] = j + 1;
		return T;
	}
	size_t n = 0;
	for (size_t i = 0; i < want; i++) {
		size_t j = 1 + (size_t)llround((double)i * (double)(T - 1) / (double)(want - 1));
		if (n == 0 || out[n - 1] != j)
			out[n++] = j;
	}
	return n;
}

static vx_status table_paths(const vxr_ctx *c, size_t rows, vxr_table **out, vx_error *err)
{
	const vx_result *r = c->result;
	size_t want = rows ? rows : 12;
	size_t *sel = malloc(want * sizeof *sel);
	if (!sel)
		return vx_fail(err, VX_ENOMEM, "out of memory");
	size_t n = pick_log(r->t - 1, want, sel);
	vxr_table *t = table_alloc(6, n);
	if (!t || n == 0) {
		free(sel);
		vxr_table_free(t);
		return vx_fail(err, VX_ENOMEM, "out of memory");
	}
	static const char *const head[6] = {
		"$t-k$", "$k$", "$\\|\\partial s_t/\\partial s_k\\|_2$", "$\\prod_j \\|J_j\\|_2$",
		"$(\\gamma\\lambda)^{t-k}$", "path $k$ in $\\|\\partial L_t/\\partial W\\|_F$"
	};
	for (int i = 0; i < 6; i++) {
		t->head[i] = head[i];
		t->numeric[i] = 1;
	}
	for (size_t i = 0; i < n; i++) {
		size_t k = r->t - sel[i];
		const vx_path *p = &r->paths[k - 1];
		vxr_cell *row = &t->cells[i * 6];
		row[0] = cint((long long)p->gap);
		row[1] = cint((long long)p->k);
		row[2] = cmag(p->norm);
		row[3] = cmag(p->step_product);
		row[4] = cmag(p->bound);
		row[5] = cmag(p->contribution);
	}
	if (n < r->t)
		snprintf(t->note, sizeof t->note, "%zu of the %zu paths, chosen on a logarithmic scale of $t-k$.",
		         n, (size_t)r->t);
	free(sel);
	*out = t;
	return VX_OK;
}

static vx_status table_steps(const vxr_ctx *c, size_t rows, vxr_table **out, vx_error *err)
{
	const vx_result *r = c->result;
	size_t want = rows ? rows : 10;
	size_t *sel = malloc(want * sizeof *sel);
	if (!sel)
		return vx_fail(err, VX_ENOMEM, "out of memory");
	size_t n = pick_even(r->t, want, sel);
	vxr_table *t = table_alloc(5, n);
	if (!t) {
		free(sel);
		return vx_fail(err, VX_ENOMEM, "out of memory");
	}
	static const char *const head[5] = {
		"$j$", "$\\max_i \\sigma'(a_{j,i})$", "$\\min_i \\sigma'(a_{j,i})$", "$\\|J_j\\|_2$",
		"$\\|J_j\\|_2/(\\gamma\\lambda)$"
	};
	double gl = r->gamma * r->lambda;
	for (int i = 0; i < 5; i++) {
		t->head[i] = head[i];
		t->numeric[i] = 1;
	}
	for (size_t i = 0; i < n; i++) {
		size_t j = sel[i];
		double mx = -INFINITY, mn = INFINITY;
		for (size_t u = 0; u < r->d; u++) {
			double g = vx_act_df(c->model->act, gsl_matrix_get(r->a, j - 1, u));
			mx = fmax(mx, g);
			mn = fmin(mn, g);
		}
		double jn = gsl_vector_get(r->step_norm, j - 1);
		vxr_cell *row = &t->cells[i * 5];
		row[0] = cint((long long)j);
		row[1] = cnum(mx);
		row[2] = cnum(mn);
		row[3] = cnum(jn);
		row[4] = gl > 0 ? cnum(jn / gl) : ctext("");
	}
	if (n < r->t)
		snprintf(t->note, sizeof t->note, "%zu of the steps $j = 1, \\ldots, %zu$, evenly spaced.", n,
		         (size_t)r->t);
	free(sel);
	*out = t;
	return VX_OK;
}

static vx_status table_inits(vxr_env *env, vxr_table **out, vx_error *err)
{
	const vxr_ctx *c = vxr_env_ctx(env);
	const vx_result *alt[3] = { c->result, NULL, NULL };
	for (int w = 0; w < 2; w++) {
		alt[w + 1] = vxr_env_alt(env, w, err);
		if (!alt[w + 1])
			return VX_ENUMERIC;
	}
	vxr_table *t = table_alloc(4, 3);
	if (!t)
		return vx_fail(err, VX_ENOMEM, "out of memory");
	static const char *const head[4] = {
		"$W$", "$\\gamma\\lambda$", "$\\|\\partial s_t/\\partial s_1\\|_2$", "rate $\\mu$ per step"
	};
	for (int i = 0; i < 4; i++) {
		t->head[i] = head[i];
		t->numeric[i] = i > 0;
	}
	static const char *const label[3] = { "this network", "orthogonal, $\\|W\\|_2 = 1$",
	                                      "identity, $W = I$" };
	for (int i = 0; i < 3; i++) {
		const vx_result *r = alt[i];
		vxr_cell *row = &t->cells[i * 4];
		row[0] = ctext(label[i]);
		row[1] = cnum(r->gamma * r->lambda);
		row[2] = cmag(r->paths[0].norm);
		row[3] = cnum(r->lyap_max);
	}
	snprintf(t->note, sizeof t->note,
	         "Same inputs, activation and loss step; only $W$ changes. $\\mu$ is the top Lyapunov exponent.");
	*out = t;
	return VX_OK;
}

/* ---- the three regimes side by side ---- */

/* The networks below, on and above the edge (index g + 1 of vx_regime):
 * net[i] NULL where one could not be computed, why in why[i]. */
static void regimes_of(vxr_env *env, const vx_result *net[3], vx_error why[3])
{
	for (int i = 0; i < 3; i++) {
		why[i] = (vx_error){ 0 };
		net[i] = vxr_env_regime(env, (vx_regime)(i - 1), &why[i]);
	}
}

/* (γλ)^(t−1) of network i: its own bound, or from its γλ when it could not
 * be computed (the bound needs no analysis). */
static vx_mag regime_bound(vxr_env *env, const vx_result *net, int i)
{
	if (net)
		return net->paths[0].bound;
	double gl = vxr_env_regime_gl(env, (vx_regime)(i - 1));
	size_t t = vxr_env_ctx(env)->result->t;
	return vx_mag_from_log10(gl > 0 ? (double)(t - 1) * log10(gl) : -INFINITY);
}

/* Appends "Not computed (γλ = GL): MSG" to a note (text with $…$ math), the
 * message in ASCII (every target sets that; pdflatex knows few Unicode
 * letters) and without dollars, the whole cut to fit. */
static void note_failure(char *note, size_t n, double gl, const char *text)
{
	char *msg = vxm_to_ascii(text);
	if (!msg)
		return;
	char num[48];
	vxf_num(num, sizeof num, gl, 3, VXF_TEX);
	size_t l = strlen(note);
	l += (size_t)snprintf(note + l, l < n ? n - l : 0, " Not computed ($\\gamma\\lambda = %s$): ", num);
	if (l >= n)
		l = n - 1;
	for (const char *m = msg; *m && l + 1 < n; m++)
		if (*m != '$')
			note[l++] = *m;
	note[l < n ? l : n - 1] = '\0';
	free(msg);
}

static vx_status table_regimes(vxr_env *env, vxr_table **out, vx_error *err)
{
	const vxr_ctx *c = vxr_env_ctx(env);
	const vx_result *net[3];
	vx_error why[3];
	regimes_of(env, net, why);
	vxr_table *t = table_alloc(6, 3);
	if (!t || !(t->own = malloc(3 * 64))) {
		vxr_table_free(t);
		return vx_fail(err, VX_ENOMEM, "out of memory");
	}
	/* check's words for the columns, short enough for 78 ASCII columns;
	 * the note says what they hold */
	static const char *const head[6] = { "", "$\\gamma\\lambda$", "bound", "actual", "per step", "verdict" };
	for (int i = 0; i < 6; i++) {
		t->head[i] = head[i];
		t->numeric[i] = i > 0 && i < 5;
	}
	double own = vx_result_gl(c->result);
	const char *failed = NULL;
	double failed_gl = 0;
	for (int i = 0; i < 3; i++) {
		vx_regime g = (vx_regime)(i - 1);
		double gl = vxr_env_regime_gl(env, g);
		char *label = t->own + 64 * i;
		if (net[i] == c->result) {
			snprintf(label, 64, "this network");
		} else {
			char f[48];
			vxf_num(f, sizeof f, gl / own, 3, VXF_TEX);
			/* W = 0 has no scale to change: no factor to show */
			snprintf(label, 64, own > 0 ? "$W \\times %s$" : "rescaled $W$", f);
		}
		const vx_result *r = net[i];
		vxr_cell *row = &t->cells[i * 6];
		row[0] = ctext(label);
		row[1] = cnum(gl);
		row[2] = cmag(regime_bound(env, r, i));
		row[3] = r ? cmag(r->paths[0].norm) : ctext("");
		/* the fitted factor per unit of t − k, beside γλ, the bound's */
		row[4] = r && isfinite(r->rate) ? cnum(pow(10, r->rate)) : ctext("");
		row[5] = ctext(r ? vx_trend_name(vx_result_trend(r)) : "not computed");
		if (!r && !failed) {
			failed = why[i].msg;
			failed_gl = gl;
		}
	}
	snprintf(t->note, sizeof t->note, "Bound $(\\gamma\\lambda)^{t-1}$ and actual $\\|\\partial s_t/\\partial s_1\\|_2$; "
	         "per step: the actual's fitted factor per unit of $t-k$.");
	if (failed)
		note_failure(t->note, sizeof t->note, failed_gl, failed);
	*out = t;
	return VX_OK;
}

/* The norms of the three networks at log-spaced gaps, each beside its
 * bound: the regimes plot as a table. */
static vx_status table_regimes_gaps(vxr_env *env, vxr_table **out, vx_error *err)
{
	const vxr_ctx *c = vxr_env_ctx(env);
	const vx_result *net[3];
	vx_error why[3];
	regimes_of(env, net, why);
	size_t t = c->result->t, want = 12, sel[12];
	size_t n = pick_log(t - 1, want, sel);
	vxr_table *tb = table_alloc(7, n);
	if (!tb || n == 0 || !(tb->own = malloc(6 * 96))) {
		vxr_table_free(tb);
		return vx_fail(err, VX_ENOMEM, "out of memory");
	}
	tb->head[0] = "$t-k$";
	tb->numeric[0] = 1;
	for (int i = 0; i < 3; i++) {
		char gl[48];
		vxf_num(gl, sizeof gl, vxr_env_regime_gl(env, (vx_regime)(i - 1)), 3, VXF_TEX);
		for (int b = 0; b < 2; b++) {
			char *h = tb->own + 96 * (2 * i + b);
			snprintf(h, 96, "%s, $\\gamma\\lambda = %s$", b ? "bound" : "actual", gl);
			tb->head[1 + 2 * i + b] = h;
			tb->numeric[1 + 2 * i + b] = 1;
		}
	}
	for (size_t r = 0; r < n; r++) {
		size_t g = sel[r];
		vxr_cell *row = &tb->cells[r * 7];
		row[0] = cint((long long)g);
		for (int i = 0; i < 3; i++) {
			double gl = vxr_env_regime_gl(env, (vx_regime)(i - 1));
			row[1 + 2 * i] = net[i] ? cmag(net[i]->paths[t - 1 - g].norm) : ctext("");
			row[2 + 2 * i] = net[i] ? cmag(net[i]->paths[t - 1 - g].bound)
			                        : cmag(vx_mag_from_log10(gl > 0 ? (double)g * log10(gl) : -INFINITY));
		}
	}
	if (n < t)
		snprintf(tb->note, sizeof tb->note, "%zu of the %zu gaps, chosen on a logarithmic scale of $t-k$.", n, t);
	*out = tb;
	return VX_OK;
}

/* The parameters of the run: every handout carries them. */
static vx_status table_record(const vxr_ctx *c, vxr_table **out, vx_error *err)
{
	vxr_table *t = table_alloc(2, 14);
	if (!t)
		return vx_fail(err, VX_ENOMEM, "out of memory");
	t->head[0] = "parameter";
	t->head[1] = "value";
	t->numeric[1] = 0;
	const vx_params *p = c->params;
	const vx_result *r = c->result;
	const char *init = vx_init_name(p->init);
	if (p->set & (VX_SET_MODEL | VX_SET_WEIGHTS)) {
		/* the file's name lives as long as the table */
		int model = (p->set & VX_SET_MODEL) != 0;
		const char *file = model ? p->model : p->weights;
		size_t n = strlen(file) + 16;
		if (!(t->own = malloc(n))) {
			vxr_table_free(t);
			return vx_fail(err, VX_ENOMEM, "out of memory");
		}
		snprintf(t->own, n, "%s file %s", model ? "model" : "weights", file);
		init = t->own;
	}
	size_t i = 0;
#define ROW(l, v) do { t->cells[i * 2] = ctext(l); t->cells[i * 2 + 1] = (v); i++; } while (0)
	ROW("activation $\\sigma$", ctext(vx_act_name(c->model->act)));
	ROW("hidden size $d$", cint((long long)r->d));
	ROW("inputs $n$", cint((long long)c->model->n));
	ROW("steps $T$", cint((long long)r->T));
	ROW("loss step $t$", cint((long long)r->t));
	ROW("$W$", ctext(init));
	ROW("$\\lambda = \\|W\\|_2$", cnum(r->lambda));
	ROW("$\\gamma = \\max \\sigma'$", cnum(r->gamma));
	ROW("input scale", cnum(p->input_scale));
	ROW("seed", p->unseeded ? ctext("none: the model file holds every draw") : cint((long long)p->seed));
	ROW("shown step $j$", cint((long long)c->j));
	ROW("shown path $k$", cint((long long)c->k));
	ROW("vanex version", ctext(VX_VERSION));
	ROW("date", ctext(c->date ? c->date : ""));
#undef ROW
	t->nrows = i;
	*out = t;
	return VX_OK;
}

/* σ'(a_j) unit by unit: the plot of σ' as a table. */
static vx_status table_units(const vxr_ctx *c, size_t j, vxr_table **out, vx_error *err)
{
	const vx_result *r = c->result;
	size_t n = r->d < 12 ? r->d : 12;
	vxr_table *t = table_alloc(3, n);
	if (!t)
		return vx_fail(err, VX_ENOMEM, "out of memory");
	t->head[0] = "unit $i$";
	t->head[1] = "$a_{j,i}$";
	t->head[2] = "$\\sigma'(a_{j,i})$";
	t->numeric[0] = t->numeric[1] = t->numeric[2] = 1;
	for (size_t i = 0; i < n; i++) {
		double a = gsl_matrix_get(r->a, j - 1, i);
		t->cells[i * 3] = cint((long long)i + 1);
		t->cells[i * 3 + 1] = cnum(a);
		t->cells[i * 3 + 2] = cnum(vx_act_df(c->model->act, a));
	}
	snprintf(t->note, sizeof t->note, "Step $j = %zu$; $\\gamma = \\max \\sigma' = %g$%s.", j, r->gamma,
	         n < r->d ? "; the first 12 units" : "");
	*out = t;
	return VX_OK;
}

/* The eigenvalues of W, largest modulus first: the plot of the complex
 * plane as a table (the first 12). */
static vx_status table_eigen(vxr_env *env, vxr_table **out, vx_error *err)
{
	const vx_eigen *eg = vxr_env_eigen(env, err);
	if (!eg)
		return VX_ENUMERIC;
	size_t n = eg->d < 12 ? eg->d : 12;
	vxr_table *t = table_alloc(4, n);
	if (!t)
		return vx_fail(err, VX_ENOMEM, "out of memory");
	static const char *const head[4] = { "$i$", "$\\operatorname{Re} \\nu_i$", "$\\operatorname{Im} \\nu_i$",
	                                     "$|\\nu_i|$" };
	for (int i = 0; i < 4; i++) {
		t->head[i] = head[i];
		t->numeric[i] = 1;
	}
	for (size_t i = 0; i < n; i++) {
		vxr_cell *row = &t->cells[i * 4];
		row[0] = cint((long long)i + 1);
		row[1] = cnum(eg->re[i]);
		row[2] = cnum(eg->im[i]);
		row[3] = cnum(hypot(eg->re[i], eg->im[i]));
	}
	snprintf(t->note, sizeof t->note, "%s eigenvalues $\\nu_i$ of $W$, largest $|\\nu_i|$ first; "
	         "$\\rho(W) = |\\nu_1|$.", n < eg->d ? "The first 12 of the" : "The");
	*out = t;
	return VX_OK;
}

/* ρ(W)ⁿ or λⁿ as a magnitude: 0⁰ = 1, 0ⁿ = 0 */
static vx_mag mag_pow(double base, size_t n)
{
	if (n == 0)
		return vx_mag_from_log10(0);
	return vx_mag_from_log10(base > 0 ? (double)n * log10(base) : -INFINITY);
}

/* ‖Wⁿ‖₂ between ρ(W)ⁿ and ‖W‖₂ⁿ, beside the network's own ‖∂s_t/∂s_{t−n}‖₂:
 * the plot of the powers as a table, n on a logarithmic scale. */
static vx_status table_powers(vxr_env *env, vxr_table **out, vx_error *err)
{
	const vxr_ctx *c = vxr_env_ctx(env);
	const vx_result *r = c->result;
	const vx_eigen *eg = vxr_env_eigen(env, err);
	const vx_mag *pw = eg ? vxr_env_powers(env, err) : NULL;
	if (!pw)
		return VX_ENUMERIC;
	size_t N = vxr_env_powers_n(env), want = 12;
	size_t *sel = malloc(want * sizeof *sel);
	if (!sel)
		return vx_fail(err, VX_ENOMEM, "out of memory");
	size_t n = pick_log(N, want, sel);
	vxr_table *t = table_alloc(5, n);
	if (!t || n == 0) {
		free(sel);
		vxr_table_free(t);
		return vx_fail(err, VX_ENOMEM, "out of memory");
	}
	static const char *const head[5] = { "$n$", "$\\rho(W)^n$", "$\\|W^n\\|_2$", "$\\|W\\|_2^n$",
	                                     "$\\|\\partial s_t/\\partial s_{t-n}\\|_2$" };
	for (int i = 0; i < 5; i++) {
		t->head[i] = head[i];
		t->numeric[i] = 1;
	}
	for (size_t i = 0; i < n; i++) {
		size_t p = sel[i];
		vxr_cell *row = &t->cells[i * 5];
		row[0] = cint((long long)p);
		row[1] = cmag(mag_pow(eg->rho, p));
		row[2] = cmag(pw[p]);
		row[3] = cmag(mag_pow(r->lambda, p));
		row[4] = cmag(r->paths[r->t - 1 - p].norm);
	}
	if (n < N + 1)
		snprintf(t->note, sizeof t->note, "%zu of the powers $n = 0, \\ldots, %zu$, chosen on a logarithmic scale.",
		         n, N);
	free(sel);
	*out = t;
	return VX_OK;
}

vx_status vxr_table_build(vxr_env *env, const vxr_obj *o, vxr_table **out, vx_error *err)
{
	const vxr_ctx *c = vxr_env_ctx(env);
	*out = NULL;
	switch (o->blk) {
	case VXR_BLK_TABLE_PATHS: return table_paths(c, o->rows, out, err);
	case VXR_BLK_TABLE_STEPS: return table_steps(c, o->rows, out, err);
	case VXR_BLK_TABLE_INITS: return table_inits(env, out, err);
	case VXR_BLK_TABLE_REGIMES: return table_regimes(env, out, err);
	case VXR_BLK_RECORD: return table_record(c, out, err);
	case VXR_BLK_PLOT_NORMS:
	case VXR_BLK_PLOT_CONTRIB: return table_paths(c, 0, out, err);
	case VXR_BLK_PLOT_DACT: return table_units(c, o->j, out, err);
	case VXR_BLK_PLOT_STEPS: return table_steps(c, 0, out, err);
	case VXR_BLK_PLOT_EIGEN: return table_eigen(env, out, err);
	case VXR_BLK_PLOT_POWERS: return table_powers(env, out, err);
	case VXR_BLK_PLOT_REGIMES: return table_regimes_gaps(env, out, err);
	default: break;
	}
	return vx_fail(err, VX_EINTERNAL, "internal: not a table");
}

/* ================================================================ matrices */

void vxr_mat_clear(vxr_mat *m)
{
	if (!m)
		return;
	free(m->v);
	m->v = NULL;
}

static size_t pick_idx(size_t full, size_t size, size_t *idx)
{
	if (full <= size) {
		for (size_t i = 0; i < full; i++)
			idx[i] = i;
		return full;
	}
	size_t n = 0;
	for (size_t i = 0; i < size - 2; i++)
		idx[n++] = i;
	idx[n++] = SIZE_MAX;
	idx[n++] = full - 1;
	return n;
}

/* Fills m from the full matrix A (rows × cols). */
static vx_status mat_from(vxr_mat *m, const gsl_matrix *A, size_t size, double scale)
{
	m->rows = A->size1;
	m->cols = A->size2;
	m->nr = pick_idx(A->size1, size, m->ri);
	m->nc = pick_idx(A->size2, size, m->ci);
	m->log10_scale = scale;
	m->v = calloc(m->nr * m->nc, sizeof *m->v);
	if (!m->v)
		return VX_ENOMEM;
	for (size_t i = 0; i < m->nr; i++)
		for (size_t k = 0; k < m->nc; k++)
			if (m->ri[i] != SIZE_MAX && m->ci[k] != SIZE_MAX)
				m->v[i * m->nc + k] = gsl_matrix_get(A, m->ri[i], m->ci[k]);
	return VX_OK;
}

/* The columns of ∂s_t/∂s_k that a view of `size` shows, into the same
 * columns of P (d×d, the others left 0), as P × 10^*scale: only those
 * columns are carried through the chain (vx_dsds_columns). */
static vx_status dsds_columns(const vx_model *md, const vx_result *r, size_t k, size_t size, gsl_matrix *P,
                              double *scale)
{
	size_t d = r->d;
	size_t ci[48], cols[48];
	size_t nc = pick_idx(d, size, ci), m = 0;
	for (size_t i = 0; i < nc; i++)
		if (ci[i] != SIZE_MAX)
			cols[m++] = ci[i];
	gsl_matrix *X = gsl_matrix_alloc(d, m);
	if (!X)
		return VX_ENOMEM;
	vx_status st = vx_dsds_columns(md, r, r->t, k, cols, m, X, scale);
	if (st == VX_OK) {
		gsl_matrix_set_zero(P);
		for (size_t c = 0; c < m; c++)
			for (size_t i = 0; i < d; i++)
				gsl_matrix_set(P, i, cols[c], gsl_matrix_get(X, i, c));
	}
	gsl_matrix_free(X);
	return st;
}

static vx_status one_mat(const vxr_ctx *c, const char *name, size_t j, size_t k, size_t size, vxr_mat *m,
                         vx_error *err)
{
	const vx_result *r = c->result;
	const vx_model *md = c->model;
	size_t d = r->d;
	memset(m, 0, sizeof *m);
	if (size > 40)
		size = 40;
	gsl_matrix *A = NULL;
	double scale = 0;
	vx_status st = VX_OK;
	if (strcmp(name, "W") == 0) {
		snprintf(m->label, sizeof m->label, "W");
		return mat_from(m, md->W, size, 0) == VX_OK ? VX_OK : vx_fail(err, VX_ENOMEM, "out of memory");
	}
	if (strcmp(name, "grad") == 0) {
		snprintf(m->label, sizeof m->label, "\\frac{\\partial L_{%zu}}{\\partial W}", (size_t)r->t);
		return mat_from(m, r->grad_W, size, r->grad_log10_scale) == VX_OK
		       ? VX_OK : vx_fail(err, VX_ENOMEM, "out of memory");
	}
	if (strcmp(name, "dact") == 0)
		A = gsl_matrix_alloc(d, 1);
	else
		A = gsl_matrix_alloc(d, d);
	if (!A)
		return vx_fail(err, VX_ENOMEM, "out of memory");
	if (strcmp(name, "D") == 0 || strcmp(name, "dact") == 0) {
		gsl_matrix_set_zero(A);
		for (size_t i = 0; i < d; i++) {
			double g = vx_act_df(md->act, gsl_matrix_get(r->a, j - 1, i));
			if (name[0] == 'D')
				gsl_matrix_set(A, i, i, g);
			else
				gsl_matrix_set(A, i, 0, g);
		}
		if (name[0] == 'D')
			snprintf(m->label, sizeof m->label, "\\frac{\\partial s_{%zu}}{\\partial a_{%zu}}", j, j);
		else
			snprintf(m->label, sizeof m->label, "\\sigma'(a_{%zu})", j);
	} else if (strcmp(name, "J") == 0) {
		st = vx_step_jacobian(md, r, j, A);
		snprintf(m->label, sizeof m->label, "J_{%zu}", j);
	} else if (strcmp(name, "fd_dads") == 0) {
		st = vx_fd_dads(md, r, j, A);
		snprintf(m->label, sizeof m->label,
		         "\\left(\\frac{\\partial a_{%zu}}{\\partial s_{%zu}}\\right)_{\\mathrm{FD}}", j, j - 1);
	} else if (strcmp(name, "fd_dsda") == 0) {
		st = vx_fd_dsda(md, r, j, A);
		snprintf(m->label, sizeof m->label,
		         "\\left(\\frac{\\partial s_{%zu}}{\\partial a_{%zu}}\\right)_{\\mathrm{FD}}", j, j);
	} else if (strcmp(name, "dsds") == 0) {
		st = dsds_columns(md, r, k, size, A, &scale);
		snprintf(m->label, sizeof m->label, "\\frac{\\partial s_{%zu}}{\\partial s_{%zu}}", (size_t)r->t, k);
	} else {
		gsl_matrix_free(A);
		return vx_fail(err, VX_EINTERNAL, "internal: unknown matrix %s", name);
	}
	if (st == VX_OK && mat_from(m, A, size, scale) != VX_OK)
		st = vx_fail(err, VX_ENOMEM, "out of memory");
	else if (st != VX_OK)
		vx_fail(err, st, "computing the matrix %s: %s", name, vx_strerror(st));
	gsl_matrix_free(A);
	return st;
}

vx_status vxr_mats_build(vxr_env *env, const vxr_obj *o, vxr_mat *m, size_t *n, vx_error *err)
{
	const vxr_ctx *c = vxr_env_ctx(env);
	*n = 0;
	for (int i = 0; i < 2 && o->mat[i][0]; i++) {
		vx_status st = one_mat(c, o->mat[i], o->j, o->k ? o->k : c->k, o->size ? o->size : 6, &m[i], err);
		if (st != VX_OK) {
			for (int q = 0; q <= i; q++)
				vxr_mat_clear(&m[q]);
			return st;
		}
		(*n)++;
	}
	return VX_OK;
}

char *vxr_mat_tex(const vxr_mat *m)
{
	vxr_buf b = { 0 };
	vxr_buf_printf(&b, "%s = ", m->label);
	if (m->log10_scale != 0)
		vxr_buf_printf(&b, "10^{%.0f} \\times ", m->log10_scale);
	vxr_buf_puts(&b, "\\begin{pmatrix}");
	for (size_t i = 0; i < m->nr; i++) {
		if (i)
			vxr_buf_puts(&b, " \\\\ ");
		for (size_t k = 0; k < m->nc; k++) {
			if (k)
				vxr_buf_puts(&b, " & ");
			int er = m->ri[i] == SIZE_MAX, ec = m->ci[k] == SIZE_MAX;
			if (er && ec)
				vxr_buf_puts(&b, "\\ddots");
			else if (er)
				vxr_buf_puts(&b, "\\vdots");
			else if (ec)
				vxr_buf_puts(&b, "\\cdots");
			else {
				char num[64];
				vxf_num(num, sizeof num, m->v[i * m->nc + k], 3, VXF_TEX);
				vxr_buf_puts(&b, num);
			}
		}
	}
	vxr_buf_puts(&b, "\\end{pmatrix}");
	return vxr_buf_take(&b);
}

/* LaTeX source (checked and rebuilt by vxm_render) between open and close. */
static vx_status latex_wrapped(const vxr_obj *o, const char *src, int display, const char *open, const char *close,
                               char **out, vx_error *err)
{
	char *m = NULL;
	*out = NULL;
	vx_status st = vxr_math(o, src, VXM_LATEX, display, &m, err);
	if (st != VX_OK)
		return st;
	vxr_buf b = { 0 };
	vxr_buf_puts(&b, open);
	vxr_buf_puts(&b, m);
	vxr_buf_puts(&b, close);
	free(m);
	*out = vxr_buf_take(&b);
	return *out ? VX_OK : vx_fail(err, VX_ENOMEM, "out of memory");
}

vx_status vxr_math_latex(const vxr_obj *o, const char *open, const char *close, char **out, vx_error *err)
{
	return latex_wrapped(o, o->tex, o->kind == VXR_OBJ_DMATH, open, close, out, err);
}

vx_status vxr_mats_latex(const vxr_obj *o, const vxr_mat *m, size_t n, const char *open, const char *close,
                         char **out, vx_error *err)
{
	*out = NULL;
	vxr_buf tex = { 0 };
	for (size_t i = 0; i < n; i++) {
		char *s = vxr_mat_tex(&m[i]);
		if (i)
			vxr_buf_puts(&tex, " \\qquad ");
		vxr_buf_puts(&tex, s ? s : "");
		free(s);
	}
	char *src = vxr_buf_take(&tex);
	vx_status st = src ? latex_wrapped(o, src, 1, open, close, out, err) : vx_fail(err, VX_ENOMEM, "out of memory");
	free(src);
	return st;
}

/* ================================================================ plots */

void vxr_plotdata_free(vxr_plotdata *p)
{
	if (!p)
		return;
	free(p->buf);
	vxr_table_free(p->fallback);
	free(p);
}

static double l10_of(vx_mag m)
{
	return m.log10;
}

/* The frame of a plot: its ns series, the y scale and the axes' labels,
 * in UTF-8 (or ASCII) and for LaTeX. */
static void plot_frame(vxp_plot *p, size_t ns, int log_y, const char *xlabel, const char *ylabel,
                       const char *xlabel_tex, const char *ylabel_tex)
{
	p->nseries = ns;
	p->log_y = log_y;
	p->xlabel = xlabel;
	p->ylabel = ylabel;
	p->xlabel_tex = xlabel_tex;
	p->ylabel_tex = ylabel_tex;
}

/* Points of the circle of radius rad, C of them, the last the first again. */
static void circle(double rad, size_t C, double *x, double *y)
{
	for (size_t i = 0; i < C; i++) {
		double a = 2 * M_PI * (double)i / (double)(C - 1);
		x[i] = rad * cos(a);
		y[i] = rad * sin(a);
	}
	x[C - 1] = x[0];
	y[C - 1] = y[0];
}

/* {{plot eigen}}: the eigenvalues of W in the complex plane, to scale,
 * inside the circles of radius ρ(W), ‖W‖₂ and 1. */
static vx_status plot_eigen(vxr_env *env, vxr_plotdata *pd, int utf8, vx_error *err)
{
	const vx_result *r = vxr_env_ctx(env)->result;
	const vx_eigen *eg = vxr_env_eigen(env, err);
	if (!eg)
		return VX_ENUMERIC;
	const size_t C = 181, d = eg->d;
	if (!(pd->buf = malloc((6 * C + 2 * d) * sizeof *pd->buf)))
		return vx_fail(err, VX_ENOMEM, "out of memory");
	double rad[3] = { eg->rho, r->lambda, 1 }, *mx = pd->buf + 6 * C, *my = mx + d;
	char a[48], b[48];
	vxf_style fs = utf8 ? VXF_UNICODE : VXF_ASCII;
	vxf_num(a, sizeof a, eg->rho, 3, fs);
	vxf_num(b, sizeof b, r->lambda, 3, fs);
	snprintf(pd->legend[0], sizeof pd->legend[0], "%s%s", utf8 ? "ρ(W) = " : "rho(W) = ", a);
	snprintf(pd->legend[1], sizeof pd->legend[1], "%s%s", utf8 ? "‖W‖₂ = " : "||W||_2 = ", b);
	snprintf(pd->legend[2], sizeof pd->legend[2], "%s", utf8 ? "|ν| = 1" : "|nu| = 1");
	snprintf(pd->mark_label, sizeof pd->mark_label, "%s", utf8 ? "eigenvalues ν of W" : "eigenvalues of W");
	char at[24], bt[24];
	vxf_num(at, sizeof at, eg->rho, 3, VXF_TEX);
	vxf_num(bt, sizeof bt, r->lambda, 3, VXF_TEX);
	snprintf(pd->legend_tex[0], sizeof pd->legend_tex[0], "$\\rho(W) = %s$", at);
	snprintf(pd->legend_tex[1], sizeof pd->legend_tex[1], "$\\|W\\|_2 = %s$", bt);
	snprintf(pd->legend_tex[2], sizeof pd->legend_tex[2], "$|\\nu| = 1$");
	snprintf(pd->mark_label_tex, sizeof pd->mark_label_tex, "eigenvalues $\\nu$ of $W$");
	for (size_t s = 0; s < 3; s++) {
		double *x = pd->buf + 2 * s * C, *y = x + C;
		circle(rad[s], C, x, y);
		/* ρ solid; ‖W‖₂ and the unit circle dashed, never solid */
		pd->series[s] = (vxp_series){ pd->legend[s], x, y, C, s > 0, pd->legend_tex[s], 1, 0 };
	}
	for (size_t i = 0; i < d; i++) {
		mx[i] = eg->re[i];
		my[i] = eg->im[i];
	}
	vxp_plot *p = &pd->plot;
	plot_frame(p, 3, 0, utf8 ? "Re ν" : "Re nu", utf8 ? "Im ν" : "Im nu", "$\\operatorname{Re} \\nu$",
	           "$\\operatorname{Im} \\nu$");
	p->equal_aspect = 1;
	p->mark_label_tex = pd->mark_label_tex;
	p->mark_x = mx;
	p->mark_y = my;
	p->nmarks = d;
	p->mark_label = pd->mark_label;
	snprintf(pd->caption, sizeof pd->caption,
	         "The eigenvalues $\\nu_i$ of $W$ (dots) in the complex plane, the circles of radius "
	         "$\\rho(W) = %s$ and $\\|W\\|_2 = %s$, and the unit circle.", at, bt);
	return table_eigen(env, &pd->fallback, err);
}

/* {{plot powers}}: ‖Wⁿ‖₂ against n, between ρ(W)ⁿ and ‖W‖₂ⁿ, log scale. */
static vx_status plot_powers(vxr_env *env, vxr_plotdata *pd, int utf8, vx_error *err)
{
	const vx_result *r = vxr_env_ctx(env)->result;
	const vx_eigen *eg = vxr_env_eigen(env, err);
	const vx_mag *pw = eg ? vxr_env_powers(env, err) : NULL;
	if (!pw)
		return VX_ENUMERIC;
	size_t N = vxr_env_powers_n(env), M = N + 1;
	if (!(pd->buf = malloc(4 * M * sizeof *pd->buf)))
		return vx_fail(err, VX_ENOMEM, "out of memory");
	double *x = pd->buf;
	for (size_t n = 0; n <= N; n++) {
		x[n] = (double)n;
		pd->buf[M + n] = pw[n].log10;
		pd->buf[2 * M + n] = mag_pow(eg->rho, n).log10;
		pd->buf[3 * M + n] = mag_pow(r->lambda, n).log10;
	}
	snprintf(pd->legend[0], sizeof pd->legend[0], "%s", utf8 ? "‖Wⁿ‖₂" : "||W^n||_2");
	snprintf(pd->legend[1], sizeof pd->legend[1], "%s", utf8 ? "ρ(W)ⁿ" : "rho(W)^n");
	snprintf(pd->legend[2], sizeof pd->legend[2], "%s", utf8 ? "‖W‖₂ⁿ" : "||W||_2^n");
	static const char *const tex[3] = { "$\\|W^n\\|_2$", "$\\rho(W)^n$", "$\\|W\\|_2^n$" };
	for (size_t s = 0; s < 3; s++)
		pd->series[s] = (vxp_series){ pd->legend[s], x, pd->buf + (s + 1) * M, M, s > 0, tex[s], 0, 0 };
	vxp_plot *p = &pd->plot;
	plot_frame(p, 3, 1, "n", "norm", "$n$", "norm");
	snprintf(pd->caption, sizeof pd->caption,
	         "$\\|W^n\\|_2$ against $n$ (logarithmic scale), always between $\\rho(W)^n$ and "
	         "$\\|W\\|_2^n$, for $n = 0, \\ldots, %zu$.", N);
	return table_powers(env, &pd->fallback, err);
}

/* The three regimes: each network's ‖∂s_t/∂s_k‖₂ against t − k in its
 * style, its bound (γλ)^(t−k) dashed in the same colour; pd's arrays and
 * fallback filled. */
static vx_status plot_regimes(vxr_env *env, vxr_plotdata *pd, int utf8, vx_error *err)
{
	const vxr_ctx *c = vxr_env_ctx(env);
	const vx_result *net[3];
	vx_error why[3];
	regimes_of(env, net, why);
	size_t t = c->result->t;
	if (!(pd->buf = malloc(7 * t * sizeof *pd->buf)))
		return vx_fail(err, VX_ENOMEM, "out of memory");
	double *x = pd->buf;
	for (size_t g = 0; g < t; g++)
		x[g] = (double)g;
	for (int i = 0; i < 3; i++) {
		double gl = vxr_env_regime_gl(env, (vx_regime)(i - 1));
		double *ya = pd->buf + (1 + i) * t, *yb = pd->buf + (4 + i) * t;
		for (size_t g = 0; g < t; g++) {
			ya[g] = net[i] ? l10_of(net[i]->paths[t - 1 - g].norm) : NAN;
			yb[g] = net[i] ? l10_of(net[i]->paths[t - 1 - g].bound)
			               : gl > 0 ? (double)g * log10(gl) : g ? -INFINITY : 0;
		}
		char num[24], tex[40];   /* 3 digits and an exponent */
		vxf_num(num, sizeof num, gl, 3, utf8 ? VXF_UNICODE : VXF_ASCII);
		vxf_num(tex, sizeof tex, gl, 3, VXF_TEX);
		const char *mine = net[i] == c->result ? ", this network" : "";
		snprintf(pd->legend[i], sizeof pd->legend[i], "%s = %s%s", utf8 ? "γλ" : "gamma*lambda", num, mine);
		snprintf(pd->legend_tex[i], sizeof pd->legend_tex[i], "$\\gamma\\lambda = %s$%s", tex, mine);
		/* a network not computed draws no curve; its bound needs no analysis */
		pd->series[i] = (vxp_series){ .label = pd->legend[i], .x = x, .y = ya, .n = net[i] ? t : 0,
		                              .label_tex = pd->legend_tex[i] };
		pd->series[3 + i] = (vxp_series){ .label = "", .x = x, .y = yb, .n = t, .dashed = 1, .style = 1 + i };
	}
	plot_frame(&pd->plot, 6, 1, utf8 ? "t − k" : "t - k", utf8 ? "‖∂sₜ/∂sₖ‖₂" : "||ds_t/ds_k||", "$t-k$",
	           "$\\|\\partial s_t/\\partial s_k\\|_2$");
	snprintf(pd->caption, sizeof pd->caption,
	         "$\\|\\partial s_t/\\partial s_k\\|_2$ against $t-k$ (logarithmic scale) for the three networks of "
	         "the table, each with its bound $(\\gamma\\lambda)^{t-k}$ dashed, $t = %zu$.", t);
	return table_regimes_gaps(env, &pd->fallback, err);
}

vx_status vxr_plot_build(vxr_env *env, const vxr_obj *o, int utf8, vxr_plotdata **out, vx_error *err)
{
	const vxr_ctx *c = vxr_env_ctx(env);
	const vx_result *r = c->result;
	*out = NULL;
	vxr_plotdata *pd = calloc(1, sizeof *pd);
	if (!pd)
		return vx_fail(err, VX_ENOMEM, "out of memory");
	vxp_plot *p = &pd->plot;
	p->series = pd->series;
	vx_status st = VX_OK;
	if (o->blk == VXR_BLK_PLOT_NORMS || o->blk == VXR_BLK_PLOT_CONTRIB) {
		size_t t = r->t;
		int norms = o->blk == VXR_BLK_PLOT_NORMS;
		size_t ns = norms ? 3 : 1;
		pd->buf = malloc((1 + ns) * t * sizeof *pd->buf);
		if (!pd->buf) {
			vxr_plotdata_free(pd);
			return vx_fail(err, VX_ENOMEM, "out of memory");
		}
		double *x = pd->buf;
		for (size_t g = 0; g < t; g++) {
			const vx_path *pa = &r->paths[t - 1 - g];   /* gap g: k = t − g */
			x[g] = (double)g;
			if (norms) {
				pd->buf[t + g] = l10_of(pa->norm);
				pd->buf[2 * t + g] = l10_of(pa->step_product);
				pd->buf[3 * t + g] = l10_of(pa->bound);
			} else {
				pd->buf[t + g] = l10_of(pa->contribution);
			}
		}
		if (norms) {
			snprintf(pd->legend_tex[0], sizeof pd->legend_tex[0], "$\\|\\partial s_t/\\partial s_k\\|_2$");
			snprintf(pd->legend_tex[1], sizeof pd->legend_tex[1], "$\\prod_j \\|J_j\\|_2$");
			snprintf(pd->legend_tex[2], sizeof pd->legend_tex[2], "$(\\gamma\\lambda)^{t-k}$");
			snprintf(pd->legend[0], sizeof pd->legend[0], "%s", utf8 ? "‖∂sₜ/∂sₖ‖₂" : "||ds_t/ds_k||");
			snprintf(pd->legend[1], sizeof pd->legend[1], "%s", utf8 ? "Π‖Jⱼ‖₂" : "prod ||J_j||");
			snprintf(pd->legend[2], sizeof pd->legend[2], "%s", utf8 ? "(γλ)ᵗ⁻ᵏ" : "(gamma*lambda)^(t-k)");
			snprintf(pd->caption, sizeof pd->caption,
			         "$\\|\\partial s_t/\\partial s_k\\|_2$, the product of step norms and the bound "
			         "$(\\gamma\\lambda)^{t-k}$ against $t-k$ (logarithmic scale), $t = %zu$.", t);
		} else {
			snprintf(pd->legend_tex[0], sizeof pd->legend_tex[0], "path $k$");
			snprintf(pd->legend[0], sizeof pd->legend[0], "%s", utf8 ? "path k" : "path k");
			snprintf(pd->caption, sizeof pd->caption,
			         "Size of the term of path $k$ in $\\partial L_t/\\partial W$ against $t-k$ "
			         "(logarithmic scale), $t = %zu$.", t);
		}
		for (size_t s = 0; s < ns; s++) {
			pd->series[s].label = pd->legend[s];
			pd->series[s].label_tex = pd->legend_tex[s];
			pd->series[s].x = x;
			pd->series[s].y = pd->buf + (s + 1) * t;
			pd->series[s].n = t;
			pd->series[s].dashed = s == 2;
		}
		plot_frame(p, ns, 1, utf8 ? "t − k" : "t - k", norms ? "norm" : utf8 ? "‖term‖" : "||term||", "$t-k$",
		           norms ? "norm" : "$\\|\\text{term}\\|_F$");
		st = table_paths(c, 0, &pd->fallback, err);
	} else if (o->blk == VXR_BLK_PLOT_DACT) {
		size_t j = o->j, d = r->d;
		const size_t N = 241;
		double amax = 0;
		for (size_t i = 0; i < d; i++)
			amax = fmax(amax, fabs(gsl_matrix_get(r->a, j - 1, i)));
		double A = fmax(5.0, fmin(40.0, ceil(amax * 1.1)));
		pd->buf = malloc((2 * N + 4 + 2 * d) * sizeof *pd->buf);
		if (!pd->buf) {
			vxr_plotdata_free(pd);
			return vx_fail(err, VX_ENOMEM, "out of memory");
		}
		double *x = pd->buf, *y = x + N, *gx = y + N, *gy = gx + 2, *mx = gy + 2, *my = mx + d;
		for (size_t i = 0; i < N; i++) {
			x[i] = -A + 2 * A * (double)i / (double)(N - 1);
			y[i] = vx_act_df(c->model->act, x[i]);
		}
		gx[0] = -A;
		gx[1] = A;
		gy[0] = gy[1] = r->gamma;
		for (size_t i = 0; i < d; i++) {
			mx[i] = gsl_matrix_get(r->a, j - 1, i);
			my[i] = vx_act_df(c->model->act, mx[i]);
		}
		snprintf(pd->legend[0], sizeof pd->legend[0], "%s %s", utf8 ? "σ′(a)," : "sigma'(a),",
		         vx_act_name(c->model->act));
		char g[32];
		vxf_num(g, sizeof g, r->gamma, 3, utf8 ? VXF_UNICODE : VXF_ASCII);
		snprintf(pd->legend[1], sizeof pd->legend[1], "%s%s", utf8 ? "γ = max σ′ = " : "gamma = max sigma' = ", g);
		snprintf(pd->mark_label, sizeof pd->mark_label, "%s%zu", utf8 ? "σ′(aⱼ), j = " : "sigma'(a_j), j = ", j);
		char gtex[48];
		vxf_num(gtex, sizeof gtex, r->gamma, 3, VXF_TEX);
		snprintf(pd->legend_tex[0], sizeof pd->legend_tex[0], "$\\sigma'(a)$, %s", vx_act_name(c->model->act));
		snprintf(pd->legend_tex[1], sizeof pd->legend_tex[1], "$\\gamma = \\max \\sigma' = %s$", gtex);
		snprintf(pd->mark_label_tex, sizeof pd->mark_label_tex, "$\\sigma'(a_j)$, $j = %zu$", j);
		pd->series[0] = (vxp_series){ pd->legend[0], x, y, N, 0, pd->legend_tex[0], 0, 0 };
		pd->series[1] = (vxp_series){ pd->legend[1], gx, gy, 2, 1, pd->legend_tex[1], 0, 0 };
		plot_frame(p, 2, 0, "a", utf8 ? "σ′(a)" : "sigma'(a)", "$a$", "$\\sigma'(a)$");
		p->mark_label_tex = pd->mark_label_tex;
		p->mark_x = mx;
		p->mark_y = my;
		p->nmarks = d;
		p->mark_label = pd->mark_label;
		/* the caption is TeX: γ printed in TeX style */
		char gt[48];
		vxf_num(gt, sizeof gt, r->gamma, 3, VXF_TEX);
		snprintf(pd->caption, sizeof pd->caption,
		         "$\\sigma'(a)$ for %s, its maximum $\\gamma = %s$, and this network's $\\sigma'(a_{%zu,i})$ "
		         "for its $d = %zu$ unit%s (dots).", vx_act_name(c->model->act), gt, j, d, d == 1 ? "" : "s");
		st = table_units(c, j, &pd->fallback, err);
	} else if (o->blk == VXR_BLK_PLOT_STEPS) {
		/* Linear: the step norms sit within a factor of a few of γλ, where
		 * a log axis would flatten them onto one line. */
		size_t T = r->T;
		pd->buf = malloc((2 * T + 4) * sizeof *pd->buf);
		if (!pd->buf) {
			vxr_plotdata_free(pd);
			return vx_fail(err, VX_ENOMEM, "out of memory");
		}
		double *x = pd->buf, *y = x + T, *gx = y + T, *gy = gx + 2;
		for (size_t j = 0; j < T; j++) {
			x[j] = (double)(j + 1);
			y[j] = gsl_vector_get(r->step_norm, j);
		}
		gx[0] = 1;
		gx[1] = (double)T;
		gy[0] = gy[1] = vx_result_gl(r);
		snprintf(pd->legend[0], sizeof pd->legend[0], "%s", utf8 ? "‖Jⱼ‖₂" : "||J_j||_2");
		snprintf(pd->legend[1], sizeof pd->legend[1], "%s", utf8 ? "γλ" : "gamma*lambda");
		pd->series[0] = (vxp_series){ pd->legend[0], x, y, T, 0, "$\\|J_j\\|_2$", 0, 0 };
		pd->series[1] = (vxp_series){ pd->legend[1], gx, gy, 2, 1, "$\\gamma\\lambda$", 0, 0 };
		plot_frame(p, 2, 0, "j", "norm", "$j$", "norm");
		snprintf(pd->caption, sizeof pd->caption,
		         "The norm of each step's Jacobian, $\\|J_j\\|_2 = \\|\\operatorname{diag}(\\sigma'(a_j))\\,W\\|_2$, "
		         "against its bound $\\gamma\\lambda$, for $j = 1, \\ldots, %zu$.", T);
		st = table_steps(c, 0, &pd->fallback, err);
	} else if (o->blk == VXR_BLK_PLOT_EIGEN) {
		st = plot_eigen(env, pd, utf8, err);
	} else if (o->blk == VXR_BLK_PLOT_POWERS) {
		st = plot_powers(env, pd, utf8, err);
	} else if (o->blk == VXR_BLK_PLOT_REGIMES) {
		st = plot_regimes(env, pd, utf8, err);
	} else {
		vxr_plotdata_free(pd);
		return vx_fail(err, VX_EINTERNAL, "internal: not a plot");
	}
	if (st != VX_OK) {
		vxr_plotdata_free(pd);
		return st;
	}
	*out = pd;
	return VX_OK;
}

/* ================================================================ the walker */

vx_status vxr_render_obj(vxr_env *env, const vxr_render_ops *ops, void *sink, const vxr_obj *o, vx_error *err)
{
	vx_status st;
	if (o->kind == VXR_OBJ_CITE) {
		if (!ops->cite)
			return vx_fail(err, VX_EINTERNAL, "internal: a citation outside the text");
		return ops->cite(sink, o, err);
	}
	if (o->blk == VXR_BLK_REFERENCES)
		return ops->references(sink, o, err);
	if (o->kind == VXR_OBJ_MATH || o->kind == VXR_OBJ_DMATH) {
		if (!ops->math)
			return vx_fail(err, VX_EINTERNAL, "internal: math outside the text");
		return ops->math(sink, o, err);
	}
	switch (o->blk) {
	case VXR_BLK_REFERENCES:
		break;   /* above */
	case VXR_BLK_TABLE_PATHS:
	case VXR_BLK_TABLE_STEPS:
	case VXR_BLK_TABLE_INITS:
	case VXR_BLK_TABLE_REGIMES:
	case VXR_BLK_RECORD: {
		vxr_table *t = NULL;
		st = vxr_table_build(env, o, &t, err);
		if (st == VX_OK)
			st = ops->table(sink, o, t, err);
		vxr_table_free(t);
		return st;
	}
	case VXR_BLK_MATRIX: {
		vxr_mat m[2];
		size_t n = 0;
		vxr_obj shown = *o;
		size_t fit = ops->matrix_fit ? ops->matrix_fit(sink) : 0;
		if (fit && shown.size > fit)
			shown.size = fit;
		st = vxr_mats_build(env, &shown, m, &n, err);
		if (st == VX_OK)
			st = ops->matrices(sink, o, m, n, err);
		for (size_t i = 0; i < n; i++)
			vxr_mat_clear(&m[i]);
		return st;
	}
	case VXR_BLK_PLOT_NORMS:
	case VXR_BLK_PLOT_DACT:
	case VXR_BLK_PLOT_CONTRIB:
	case VXR_BLK_PLOT_STEPS:
	case VXR_BLK_PLOT_EIGEN:
	case VXR_BLK_PLOT_POWERS:
	case VXR_BLK_PLOT_REGIMES: {
		vxr_plotdata *pd = NULL;
		st = vxr_plot_build(env, o, ops->utf8 ? ops->utf8(sink) : 1, &pd, err);
		if (st == VX_OK)
			st = ops->plot(sink, o, pd, err);
		vxr_plotdata_free(pd);
		return st;
	}
	}
	return vx_fail(err, VX_EINTERNAL, "internal: unknown block");
}

vx_status vxr_render_str(vxr_rctx *rc, const vxr_render_ops *ops, const vxr_obj *o, char **out, vx_error *err)
{
	vxr_strsink k = { rc, NULL };
	vx_status st = vxr_render_obj(rc->env, ops, &k, o, err);
	if (st != VX_OK) {
		free(k.out);
		k.out = NULL;
	}
	*out = k.out;
	return st;
}
