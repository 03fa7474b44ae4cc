/*
 * tutor_panel.c — the live panel: the numbers of this network for the step
 * the student is on, recomputed with every change (no curses here).
 *
 * At 80×24 the panel is a strip of two lines under the prose, so each view
 * says the essential in two lines first; with more room it adds detail and a
 * plot (report/plot.h character cells), which fills whatever rows are left.
 */
#include "tui/tutor_panel.h"
#include "report/text/utf8.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#include "report/check.h"
#include "report/text/fmt.h"
#include "report/text/plot.h"

#define U(st, u, a) ((st)->utf8 ? (u) : (a))

/* ====================================================================
 * Small text helpers
 * ==================================================================== */

/* n as subscript digits (UTF-8) or "_n" (ASCII). */
static const char *sub(const vxu_state *st, char *buf, size_t n, size_t v)
{
	static const char *const d[] = { "₀", "₁", "₂", "₃", "₄", "₅", "₆", "₇", "₈", "₉" };
	if (!st->utf8) {
		snprintf(buf, n, "_%zu", v);
		return buf;
	}
	char digits[32];
	snprintf(digits, sizeof digits, "%zu", v);
	buf[0] = '\0';
	for (const char *p = digits; *p; p++)
		strncat(buf, d[*p - '0'], n - strlen(buf) - 1);
	return buf;
}

/* n as superscript digits (UTF-8) or "^n" (ASCII). */
static const char *sup(const vxu_state *st, char *buf, size_t n, size_t v)
{
	static const char *const d[] = { "⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹" };
	if (!st->utf8) {
		snprintf(buf, n, "^%zu", v);
		return buf;
	}
	char digits[32];
	snprintf(digits, sizeof digits, "%zu", v);
	buf[0] = '\0';
	for (const char *p = digits; *p; p++)
		strncat(buf, d[*p - '0'], n - strlen(buf) - 1);
	return buf;
}

static vxf_style fstyle(const vxu_state *st)
{
	return st->utf8 ? VXF_UNICODE : VXF_ASCII;
}

static const char *num(const vxu_state *st, char *buf, size_t n, double x)
{
	return vxf_num(buf, n, x, 3, fstyle(st));
}

static const char *mag(const vxu_state *st, char *buf, size_t n, vx_mag m)
{
	return vxf_mag(buf, n, m, 3, fstyle(st));
}

/* Display width of the last line so far. */
static int last_width(const vxt_lines *l)
{
	int w = 0;
	if (l->nlines == 0)
		return 0;
	const vxt_line *ln = &l->lines[l->nlines - 1];
	for (size_t i = 0; i < ln->nspans; i++)
		w += vxr_u8_width(ln->spans[i].text);
	return w;
}

/* Appends a span that may not fit: on the same line when it does; else on a
 * line of its own (indented) when the panel has rows to spare (full), else
 * not at all — the essentials come first on every line. */
static void tail(vxt_lines *out, int width, int full, vxt_role role, const char *text)
{
	if (last_width(out) + vxr_u8_width(text) <= width) {
		vxt_lines_puts(out, role, text);
		return;
	}
	if (!full)
		return;
	while (*text == ' ' || *text == ',')
		text++;
	vxt_lines_newline(out);
	vxt_lines_puts(out, VXT_TEXT, "  ");
	vxt_lines_puts(out, role, text);
}

/* ====================================================================
 * Views
 * ==================================================================== */

const char *vxu_view_name(vxu_view v, int utf8)
{
	switch (v) {
	case VXU_VIEW_AUTO: return "this step's";
	case VXU_VIEW_NETWORK: return "network";
	case VXU_VIEW_CHAIN: return "chain";
	case VXU_VIEW_DACT: return utf8 ? "σ′" : "sigma'";
	case VXU_VIEW_JACOBIAN: return "one step";
	case VXU_VIEW_PATHS: return "paths";
	case VXU_VIEW_LYAP: return "rate";
	default: return "?";
	}
}

static int has(const char *hay, const char *needle)
{
	return strstr(hay, needle) != NULL;
}

vxu_view vxu_view_for_title(const char *title)
{
	char low[512];
	size_t i = 0;
	if (!title)
		return VXU_VIEW_CHAIN;
	for (; title[i] && i + 1 < sizeof low; i++)
		low[i] = (char)tolower((unsigned char)title[i]);
	low[i] = '\0';
	/* Order matters: the most specific words first. */
	if (has(low, "lyapunov") || has(low, "rate"))
		return VXU_VIEW_LYAP;
	if (has(low, "contribution") || has(low, "path"))
		return VXU_VIEW_PATHS;
	if (has(low, "diagonal") || has(low, "activation") || has(low, "σ'") || has(low, "σ′")
	    || has(low, "sigma") || has(low, "maximum") || has(low, "γ =") || has(low, "largest slope"))
		return VXU_VIEW_DACT;
	if (has(low, "one step") || has(low, "jacobian") || has(low, "weights") || has(low, "matri")
	    || has(low, "is w") || has(low, "= w")
	    || has(low, "per step") || has(low, "per-step") || has(low, "single step"))
		return VXU_VIEW_JACOBIAN;
	if (has(low, "network") || has(low, "loss") || has(low, "forward"))
		return VXU_VIEW_NETWORK;
	return VXU_VIEW_CHAIN;
}

/* ====================================================================
 * Plots as lines of spans
 * ==================================================================== */

static vxt_role plot_role(unsigned char r)
{
	switch (r) {
	case 1: return VXT_SERIES1;
	case 2: return VXT_SERIES2;
	case 3: return VXT_SERIES3;
	default: return VXT_DIM;
	}
}

/* Length of the UTF-8 sequence starting with byte c (1 for a stray byte). */
static int u8len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if ((c & 0xE0) == 0xC0)
		return 2;
	if ((c & 0xF0) == 0xE0)
		return 3;
	if ((c & 0xF8) == 0xF0)
		return 4;
	return 1;
}

/* Draws p into `rows` lines of `cols` cells appended to out, colouring each
 * cell by the series it belongs to.  A plot that cannot be drawn is skipped. */
static void add_plot(const vxu_state *st, vxt_lines *out, const vxp_plot *p, int cols, int rows)
{
	char *cells = NULL;
	unsigned char *roles = NULL;
	if (cols < 20 || rows < 5)
		return;
	if (vxp_cells(p, cols, rows, st->utf8, &cells, &roles) != VX_OK) {
		free(cells);
		free(roles);
		return;
	}
	const char *s = cells;
	for (int r = 0; r < rows && s; r++) {
		const char *eol = strchr(s, '\n');
		size_t len = eol ? (size_t)(eol - s) : strlen(s);
		vxt_lines_newline(out);
		int col = 0;
		size_t i = 0;
		while (i < len) {
			/* One run of cells with the same role. */
			unsigned char role = col < cols ? roles[(size_t)r * (size_t)cols + (size_t)col] : 0;
			size_t start = i;
			while (i < len) {
				unsigned char rr = col < cols ? roles[(size_t)r * (size_t)cols + (size_t)col] : 0;
				if (rr != role)
					break;
				int l = u8len((unsigned char)s[i]);
				i += (size_t)l;
				col++;
			}
			if (i > len)
				i = len;
			char *run = strndup(s + start, i - start);
			if (run) {
				vxt_lines_puts(out, plot_role(role), run);
				free(run);
			}
		}
		s = eol ? eol + 1 : NULL;
	}
	free(cells);
	free(roles);
}

/* The three curves of the derivation against t−k: actual, product, bound. */
static void add_chain_plot(const vxu_state *st, vxt_lines *out, int cols, int rows)
{
	const vx_result *r = st->result;
	size_t t = r->t;
	double *x = malloc(t * sizeof *x), *y1 = malloc(t * sizeof *y1);
	double *y2 = malloc(t * sizeof *y2), *y3 = malloc(t * sizeof *y3);
	if (x && y1 && y2 && y3) {
		for (size_t k = 1; k <= t; k++) {
			const vx_path *pa = &r->paths[k - 1];
			size_t i = t - k;   /* increasing gap */
			x[i] = (double)pa->gap;
			y1[i] = pa->norm.log10;
			y2[i] = pa->step_product.log10;
			y3[i] = pa->bound.log10;
		}
		vxp_series s[3] = {
			{ U(st, "‖∂sₜ/∂sₖ‖", "||ds_t/ds_k||"), x, y1, t, 0 },
			{ U(st, "Π‖Jⱼ‖", "prod ||J_j||"), x, y2, t, 0 },
			{ U(st, "(γλ)^(t−k)", "(gamma*lambda)^(t-k)"), x, y3, t, 1 },
		};
		vxp_plot p = { NULL, U(st, "t − k", "t - k"), "norm", 1, s, 3, NULL, NULL, 0, NULL };
		add_plot(st, out, &p, cols, rows);
	}
	free(x);
	free(y1);
	free(y2);
	free(y3);
}

/* ====================================================================
 * The views' text
 * ==================================================================== */

static void head(const vxu_state *st, vxt_lines *out, const char *what)
{
	vxt_lines_newline(out);
	vxt_lines_printf(out, VXT_HEADING, "%s %s", U(st, "live ·", "live:"), what);
	if (st->view != VXU_VIEW_AUTO)
		vxt_lines_puts(out, VXT_DIM, U(st, "  (v: next view)", "  (v: next view)"));
}

/* The verdict in its colour ("vanishing: ... shrinks ×0.631 per step"); on
 * a narrow side panel the reason goes on a line of its own. */
static void add_verdict(const vxu_state *st, vxt_lines *out, int width, int full)
{
	char line[160];
	vxr_trend tr = vxr_verdict(st->result, st->utf8 ? VXR_NOTE_SUBSCRIPT : VXR_NOTE_ASCII, line, sizeof line);
	vxt_role role = tr == VXR_NEITHER ? VXT_GOOD : VXT_BAD;
	char *colon = strstr(line, ": ");
	if (colon && last_width(out) + vxr_u8_width(line) > width && full) {
		char rest[160];
		snprintf(rest, sizeof rest, " %s", colon + 2);
		colon[1] = '\0';
		vxt_lines_puts(out, role, line);
		tail(out, width, full, role, rest);
		return;
	}
	vxt_lines_puts(out, role, line);
}

static void view_chain(const vxu_state *st, vxt_lines *out, int full, int width)
{
	const vx_result *r = st->result;
	size_t t = st->t, k = st->k, gap = t - k;
	char a[48], b[48], c[48], s1[32], s2[32], s3[32], e[32];
	char h[160];
	snprintf(h, sizeof h, U(st, "the chain s%s → … → s%s", "the chain s%s -> ... -> s%s"),
	         sub(st, s1, sizeof s1, k), sub(st, s2, sizeof s2, t));
	head(st, out, h);

	vxt_lines_newline(out);
	if (gap == 0) {
		vxt_lines_printf(out, VXT_TEXT, "k = t = %zu: no factor; %s%s/%s%s = I, the empty product",
		               t, U(st, "∂s", "ds"), sub(st, s1, sizeof s1, t), U(st, "∂s", "ds"),
		               sub(st, s2, sizeof s2, t));
	} else {
		if (gap <= 3) {
			for (size_t i = k; i <= t; i++)
				vxt_lines_printf(out, VXT_MATH, "%ss%s", i == k ? "" : U(st, " → ", " -> "),
				               sub(st, s1, sizeof s1, i));
		} else {
			vxt_lines_printf(out, VXT_MATH, U(st, "s%s → s%s → … → s%s", "s%s -> s%s -> ... -> s%s"),
			               sub(st, s1, sizeof s1, k), sub(st, s2, sizeof s2, k + 1),
			               sub(st, s3, sizeof s3, t));
		}
		vxt_lines_printf(out, VXT_TEXT, ": ");
		vxt_lines_printf(out, VXT_NUMBER, "%zu", gap);
		vxt_lines_printf(out, VXT_TEXT, " factor%s ", gap == 1 ? "" : "s");
		if (gap == 1)
			vxt_lines_printf(out, VXT_MATH, "J%s", sub(st, s1, sizeof s1, t));
		else
			vxt_lines_printf(out, VXT_MATH, U(st, "J%s … J%s", "J%s ... J%s"),
			               sub(st, s1, sizeof s1, k + 1), sub(st, s2, sizeof s2, t));
		/* The reminder of the bound per factor, when it fits. */
		const char *each = U(st, ", each ‖Jⱼ‖ ≤ γλ = ", ", each ||J_j|| <= gamma*lambda = ");
		vxr_gl_num(a, sizeof a, r, 3, fstyle(st));
		if (last_width(out) + vxr_u8_width(each) + vxr_u8_width(a) <= width) {
			vxt_lines_puts(out, VXT_TEXT, each);
			vxt_lines_puts(out, VXT_NUMBER, a);
		}
	}

	/* Actual ≤ product ≤ bound; narrow (ASCII) screens lose the middle term. */
	const vx_path *p = &r->paths[k - 1];
	for (int pass = 0; pass < 2; pass++) {
		vxt_lines_newline(out);
		vxt_lines_printf(out, VXT_MATH, U(st, "‖∂s%s/∂s%s‖", "||ds%s/ds%s||"), sub(st, s1, sizeof s1, t),
		               sub(st, s2, sizeof s2, k));
		vxt_lines_puts(out, VXT_TEXT, " = ");
		vxt_lines_puts(out, VXT_SERIES1, mag(st, a, sizeof a, p->norm));
		if (pass == 0) {
			vxt_lines_puts(out, VXT_TEXT, U(st, " ≤ Π‖Jⱼ‖ = ", " <= prod||J_j|| = "));
			vxt_lines_puts(out, VXT_SERIES2, mag(st, b, sizeof b, p->step_product));
		}
		vxt_lines_printf(out, VXT_TEXT, U(st, " ≤ (γλ)%s = ", " <= (gamma*lambda)%s = "),
		               sup(st, e, sizeof e, gap));
		vxt_lines_puts(out, VXT_SERIES3, mag(st, c, sizeof c, p->bound));
		if (last_width(out) <= width)
			break;
		if (pass == 0)
			vxt_lines_pop(out);
	}
	if (!full)
		return;
	vxt_lines_newline(out);
	add_verdict(st, out, width, full);
}

/* σ'(a_j) for the chosen j, the largest in bold, against γ. */
static void view_dact(const vxu_state *st, vxt_lines *out, int full, int width)
{
	const vx_result *r = st->result;
	const vx_model *m = st->model;
	size_t j = st->j, d = m->d;
	char s1[32], a[48], h[160];
	snprintf(h, sizeof h, U(st, "σ′(a%s), the diagonal of ∂s%s/∂a%s", "sigma'(a%s), the diagonal of ds%s/da%s"),
	         sub(st, s1, sizeof s1, j), s1, s1);
	head(st, out, h);

	gsl_vector_const_view aj = gsl_matrix_const_row(r->a, j - 1);
	double best = -1;
	/* Values first, as many as fit the width: the student sees real numbers. */
	vxt_lines_newline(out);
	vxt_lines_printf(out, VXT_MATH, U(st, "σ′(a%s) =", "sigma'(a%s) ="), sub(st, s1, sizeof s1, j));
	int used = vxr_u8_width(U(st, "σ′(a) =", "sigma'(a) =")) + vxr_u8_width(s1);
	size_t shown = 0;
	int lines_left = full ? 4 : 1;
	for (size_t i = 0; i < d; i++) {
		double v = vx_act_df(m->act, gsl_vector_get(&aj.vector, i));
		if (v > best)
			best = v;
	}
	for (size_t i = 0; i < d && lines_left > 0; i++) {
		double v = vx_act_df(m->act, gsl_vector_get(&aj.vector, i));
		num(st, a, sizeof a, v);
		int w = vxr_u8_width(a) + 1;
		int more = (i + 1 < d) ? 4 : 0;   /* room for " …" */
		if (used + w + more > width) {
			if (--lines_left == 0)
				break;
			vxt_lines_newline(out);
			vxt_lines_puts(out, VXT_TEXT, "  ");
			used = 2;
		}
		vxt_lines_puts(out, VXT_TEXT, " ");
		vxt_lines_puts(out, v == best ? VXT_STRONG : VXT_NUMBER, a);
		used += w;
		shown++;
	}
	if (shown < d)
		vxt_lines_printf(out, VXT_DIM, U(st, " … (%zu more)", " ... (%zu more)"), d - shown);

	vxt_lines_newline(out);
	vxt_lines_puts(out, VXT_TEXT, U(st, "largest ", "largest "));
	vxt_lines_puts(out, VXT_NUMBER, num(st, a, sizeof a, best));
	vxt_lines_puts(out, VXT_TEXT, U(st, " ≤ γ = max σ′ = ", " <= gamma = max sigma' = "));
	vxt_lines_puts(out, VXT_NUMBER, num(st, a, sizeof a, r->gamma));
	const char *where;
	switch (m->act) {
	case VX_SIGMOID: where = U(st, ", at a = 0 where σ(a) = ½", ", at a = 0 where sigma(a) = 1/2"); break;
	case VX_TANH: where = U(st, ", at a = 0 (σ′ = 1 − tanh²)", ", at a = 0 (sigma' = 1 - tanh^2)"); break;
	case VX_RELU: where = " for every a > 0 (0 below)"; break;
	default: where = " everywhere (linear)"; break;
	}
	tail(out, width, full, VXT_TEXT, where);
}

/* The σ' curve with this network's σ'(a_j,i) marked on it. */
static void add_dact_plot(const vxu_state *st, vxt_lines *out, int cols, int rows)
{
	const vx_model *m = st->model;
	size_t d = m->d, n = 161;
	gsl_vector_const_view aj = gsl_matrix_const_row(st->result->a, st->j - 1);
	double lo = -4, hi = 4;
	for (size_t i = 0; i < d; i++) {
		double v = gsl_vector_get(&aj.vector, i);
		if (v < lo && v > -12)
			lo = v;
		if (v > hi && v < 12)
			hi = v;
	}
	double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
	double *mx = malloc(d * sizeof *mx), *my = malloc(d * sizeof *my);
	if (x && y && mx && my) {
		for (size_t i = 0; i < n; i++) {
			x[i] = lo + (hi - lo) * (double)i / (double)(n - 1);
			y[i] = vx_act_df(m->act, x[i]);
		}
		size_t nm = 0;
		for (size_t i = 0; i < d; i++) {
			double v = gsl_vector_get(&aj.vector, i);
			if (v >= lo && v <= hi) {
				mx[nm] = v;
				my[nm] = vx_act_df(m->act, v);
				nm++;
			}
		}
		vxp_series s = { U(st, "σ′(a)", "sigma'(a)"), x, y, n, 0 };
		char ml[64], s1[32];
		snprintf(ml, sizeof ml, U(st, "σ′(a%s,ᵢ)", "sigma'(a%s,i)"), sub(st, s1, sizeof s1, st->j));
		vxp_plot p = { NULL, "a", U(st, "σ′", "sigma'"), 0, &s, 1, mx, my, nm, ml };
		add_plot(st, out, &p, cols, rows);
	}
	free(x);
	free(y);
	free(mx);
	free(my);
}

static void view_jacobian(const vxu_state *st, vxt_lines *out, int full, int width)
{
	const vx_result *r = st->result;
	const vx_model *m = st->model;
	size_t j = st->j, d = m->d;
	char s1[32], a[48], b[48], c[48], h[160];
	sub(st, s1, sizeof s1, j);
	/* ∂s_j/∂s_{j−1} with the actual j − 1. */
	char s0[32];
	sub(st, s0, sizeof s0, j - 1);
	snprintf(h, sizeof h, U(st, "one step, J%s = ∂s%s/∂s%s", "one step, J%s = ds%s/ds%s"), s1, s1, s0);
	head(st, out, h);

	gsl_vector_const_view aj = gsl_matrix_const_row(r->a, j - 1);
	double best = 0;
	for (size_t i = 0; i < d; i++) {
		double v = vx_act_df(m->act, gsl_vector_get(&aj.vector, i));
		if (v > best)
			best = v;
	}
	vxt_lines_newline(out);
	vxt_lines_printf(out, VXT_MATH, U(st, "J%s = diag(σ′(a%s)) W", "J%s = diag(sigma'(a%s)) W"), s1, s1);
	vxt_lines_puts(out, VXT_TEXT, U(st, ": row i of W times σ′(a", ": row i of W times sigma'(a"));
	vxt_lines_printf(out, VXT_TEXT, U(st, "%s,ᵢ)", "%s,i)"), s1);

	vxt_lines_newline(out);
	vxt_lines_printf(out, VXT_MATH, U(st, "‖J%s‖₂", "||J%s||_2"), s1);
	vxt_lines_puts(out, VXT_TEXT, " = ");
	vxt_lines_puts(out, VXT_SERIES1, num(st, a, sizeof a, gsl_vector_get(r->step_norm, j - 1)));
	vxt_lines_puts(out, VXT_TEXT, U(st, " ≤ max σ′·‖W‖₂ = ", " <= max sigma' * ||W||_2 = "));
	vxt_lines_puts(out, VXT_NUMBER, num(st, b, sizeof b, best * r->lambda));
	vxt_lines_puts(out, VXT_TEXT, U(st, " ≤ γλ = ", " <= gamma*lambda = "));
	vxt_lines_puts(out, VXT_SERIES3, vxr_gl_num(c, sizeof c, r, 3, fstyle(st)));
	if (!full)
		return;
	/* The top-left corner of W beside the same corner of J_j: the rows of J
	 * are those of W scaled by σ′, which is what the formula says. */
	gsl_matrix *J = gsl_matrix_alloc(d, d);
	if (!J)
		return;
	if (vx_step_jacobian(m, r, j, J) == VX_OK) {
		enum { NMAX = 4 };
		char cell[3][NMAX][NMAX][48];   /* σ′ (column 0 only), W, J */
		size_t n = d < NMAX ? d : NMAX;
		int cw = 0;
		for (size_t i = 0; i < n; i++) {
			num(st, cell[0][i][0], sizeof cell[0][i][0], vx_act_df(m->act, gsl_vector_get(&aj.vector, i)));
			for (size_t l = 0; l < n; l++) {
				num(st, cell[1][i][l], sizeof cell[1][i][l], gsl_matrix_get(m->W, i, l));
				num(st, cell[2][i][l], sizeof cell[2][i][l], gsl_matrix_get(J, i, l));
				int w1 = vxr_u8_width(cell[1][i][l]), w2 = vxr_u8_width(cell[2][i][l]);
				cw = w1 > cw ? w1 : cw;
				cw = w2 > cw ? w2 : cw;
			}
		}
		cw += 2;
		char lab[64];
		snprintf(lab, sizeof lab, U(st, "σ′(a%s,ᵢ)", "sigma'(a%s,i)"), sub(st, s1, sizeof s1, j));
		int lw = vxr_u8_width(lab) + 2;   /* the σ′ column, values right-aligned under its label */
		/* As many columns as the panel holds: σ′ | n of W | arrow | n of J. */
		while (n > 1 && lw + 2 * (int)n * cw + 4 > width)
			n--;
		const char *arrow = U(st, "  → ", " -> ");
		vxt_lines_newline(out);
		vxt_lines_newline(out);
		vxt_lines_printf(out, VXT_DIM, "  %s", lab);
		char hw[64], hj[64];
		snprintf(hw, sizeof hw, "W, row i");
		snprintf(hj, sizeof hj, "J%s, row i", s1);
		/* Each header over its block, right-aligned like the numbers below. */
		vxt_lines_printf(out, VXT_DIM, "%*s%*s", (int)n * cw, hw, (int)n * cw + vxr_u8_width(arrow), hj);
		for (size_t i = 0; i < n; i++) {
			vxt_lines_newline(out);
			vxt_lines_printf(out, VXT_NUMBER, "%*s", lw + (int)strlen(cell[0][i][0]) - vxr_u8_width(cell[0][i][0]),
			               cell[0][i][0]);
			for (size_t l = 0; l < n; l++)
				vxt_lines_printf(out, VXT_TEXT, "%*s%s", cw - vxr_u8_width(cell[1][i][l]), "", cell[1][i][l]);
			vxt_lines_puts(out, VXT_DIM, arrow);
			for (size_t l = 0; l < n; l++)
				vxt_lines_printf(out, VXT_NUMBER, "%*s%s", cw - vxr_u8_width(cell[2][i][l]), "", cell[2][i][l]);
		}
	}
	gsl_matrix_free(J);
}

/* ‖J_j‖ over j against the constant γλ. */
static void add_stepnorm_plot(const vxu_state *st, vxt_lines *out, int cols, int rows)
{
	const vx_result *r = st->result;
	size_t T = r->T;
	double *x = malloc(T * sizeof *x), *y1 = malloc(T * sizeof *y1), *y3 = malloc(T * sizeof *y3);
	if (x && y1 && y3) {
		/* Linear: the step norms sit within a factor of a few of γλ, where a
		 * log axis would flatten them onto one line. */
		double gl = r->gamma * r->lambda;
		for (size_t j = 0; j < T; j++) {
			x[j] = (double)(j + 1);
			y1[j] = gsl_vector_get(r->step_norm, j);
			y3[j] = gl;
		}
		vxp_series s[2] = {
			{ U(st, "‖Jⱼ‖₂", "||J_j||_2"), x, y1, T, 0 },
			{ U(st, "γλ", "gamma*lambda"), x, y3, T, 1 },
		};
		/* Series 1 and 3 keep the colours of the chain plot: actual and bound. */
		vxp_plot p = { NULL, "j", "norm", 0, s, 2, NULL, NULL, 0, NULL };
		add_plot(st, out, &p, cols, rows);
	}
	free(x);
	free(y1);
	free(y3);
}

static void view_paths(const vxu_state *st, vxt_lines *out, int full, int width)
{
	const vx_result *r = st->result;
	size_t t = st->t, k = st->k;
	char s1[32], a[48], b[48], h[160];
	sub(st, s1, sizeof s1, t);
	snprintf(h, sizeof h, U(st, "the %zu paths from L%s to W", "the %zu paths from L%s to W"), t, s1);
	head(st, out, h);

	for (int pass = 0; pass < 2; pass++) {
		vxt_lines_newline(out);
		vxt_lines_printf(out, VXT_MATH, U(st, "∂L%s/∂W", "dL%s/dW"), s1);
		if (pass == 0)
			vxt_lines_printf(out, VXT_TEXT, U(st, " = Σ of %zu paths k = 1…%zu;  ‖∂L%s/∂W‖_F = ",
			                                 " = sum of %zu paths k = 1..%zu;  ||dL%s/dW||_F = "), t, t, s1);
		else
			vxt_lines_printf(out, VXT_TEXT, U(st, ": %zu paths, ‖·‖_F = ", ": %zu paths, ||.||_F = "), t);
		vxt_lines_puts(out, VXT_NUMBER, mag(st, a, sizeof a, r->grad_norm));
		if (last_width(out) <= width)
			break;
		if (pass == 0)
			vxt_lines_pop(out);
	}

	vxt_lines_newline(out);
	vxt_lines_printf(out, VXT_TEXT, "k = %zu (0 factors): ", t);
	vxt_lines_puts(out, VXT_SERIES1, mag(st, a, sizeof a, r->paths[t - 1].contribution));
	vxt_lines_printf(out, VXT_TEXT, "   k = %zu (%zu factor%s): ", k, t - k, t - k == 1 ? "" : "s");
	vxt_lines_puts(out, VXT_SERIES1, mag(st, b, sizeof b, r->paths[k - 1].contribution));
	/* Path 1 meets W through s₀, which is 0 by default: its term is exactly 0. */
	if (k == 1 && r->paths[0].contribution.log10 == -INFINITY) {
		const char *why = U(st, ", as s₀ = 0 (K: k = 2)", ", as s_0 = 0 (K: k = 2)");
		if (last_width(out) + vxr_u8_width(why) > width)
			why = U(st, ", as s₀ = 0", ", as s_0 = 0");
		if (last_width(out) + vxr_u8_width(why) <= width)
			vxt_lines_puts(out, VXT_DIM, why);
	}
	if (!full)
		return;
	/* Where does most of the gradient come from? The share of the last 10 paths. */
	double tot = 0, near = 0;
	for (size_t i = 0; i < t; i++) {
		double l = r->paths[i].contribution.log10;
		if (!isfinite(l))
			continue;
		double v = pow(10.0, l - r->paths[t - 1].contribution.log10);
		if (!isfinite(v))
			continue;
		tot += v;
		if (t - (i + 1) < 10)
			near += v;
	}
	if (tot > 0 && t > 10) {
		vxt_lines_newline(out);
		vxt_lines_printf(out, VXT_TEXT, "the 10 nearest paths hold ");
		vxt_lines_printf(out, VXT_NUMBER, "%.1f%%", 100.0 * near / tot);
		vxt_lines_printf(out, VXT_TEXT, " of the sum of path norms");
	}
}

/* log10 contribution of each path against k. */
static void add_paths_plot(const vxu_state *st, vxt_lines *out, int cols, int rows)
{
	const vx_result *r = st->result;
	size_t t = r->t;
	double *x = malloc(t * sizeof *x), *y = malloc(t * sizeof *y);
	if (x && y) {
		for (size_t i = 0; i < t; i++) {
			x[i] = (double)(i + 1);
			y[i] = r->paths[i].contribution.log10;
		}
		vxp_series s = { U(st, "path k's term of ∂Lₜ/∂W", "path k's term of dL_t/dW"), x, y, t, 0 };
		vxp_plot p = { NULL, "k", "norm", 1, &s, 1, NULL, NULL, 0, NULL };
		add_plot(st, out, &p, cols, rows);
	}
	free(x);
	free(y);
}

static void view_lyap(const vxu_state *st, vxt_lines *out, int full, int width)
{
	const vx_result *r = st->result;
	char a[48], b[48], c[48];
	head(st, out, U(st, "the rate per step", "the rate per step"));
	vxt_lines_newline(out);
	vxt_lines_puts(out, VXT_TEXT, U(st, "Lyapunov exponent μ ≈ ", "Lyapunov exponent mu ~ "));
	vxt_lines_puts(out, VXT_SERIES1, num(st, a, sizeof a, r->lyap_max));
	vxt_lines_puts(out, VXT_TEXT, U(st, " per step (×", " per step (x"));
	vxt_lines_puts(out, VXT_NUMBER, num(st, c, sizeof c, exp(r->lyap_max)));
	vxt_lines_puts(out, VXT_TEXT, ")");
	/* on the edge ln γλ is 0, not the 2.2e-16 of a λ one ulp above 1 */
	double lb = vx_result_ln_gl(r);
	char bound[96];
	snprintf(bound, sizeof bound, U(st, " ≤ ln γλ = %s", " <= ln(gamma*lambda) = %s"),
	         isfinite(lb) ? num(st, b, sizeof b, lb) : U(st, "−∞", "-inf"));
	tail(out, width, full, VXT_SERIES3, bound);
	vxt_lines_newline(out);
	add_verdict(st, out, width, full);
}

static void view_network(const vxu_state *st, vxt_lines *out, int full, int width)
{
	const vx_result *r = st->result;
	const vx_model *m = st->model;
	char a[48], s1[32];
	head(st, out, U(st, "this network", "this network"));
	vxt_lines_newline(out);
	vxt_lines_printf(out, VXT_TEXT, "%s, d = ", vx_act_name(m->act));
	vxt_lines_printf(out, VXT_NUMBER, "%zu", m->d);
	vxt_lines_puts(out, VXT_TEXT, " hidden, n = ");
	vxt_lines_printf(out, VXT_NUMBER, "%zu", m->n);
	vxt_lines_puts(out, VXT_TEXT, " inputs, T = ");
	vxt_lines_printf(out, VXT_NUMBER, "%zu", m->T);
	vxt_lines_puts(out, VXT_TEXT, " steps");
	char lam[96];
	snprintf(lam, sizeof lam, U(st, ", λ = ‖W‖₂ = %s", ", lambda = ||W||_2 = %s"), num(st, a, sizeof a, r->lambda));
	tail(out, width, full, VXT_TEXT, lam);
	vxt_lines_newline(out);
	sub(st, s1, sizeof s1, st->t);
	vxt_lines_printf(out, VXT_MATH, U(st, "L%s = ½‖s%s − y‖²", "L%s = 1/2 ||s%s - y||^2"), s1, s1);
	vxt_lines_puts(out, VXT_TEXT, " = ");
	vxt_lines_puts(out, VXT_NUMBER, mag(st, a, sizeof a, r->loss));
	char at[64];
	snprintf(at, sizeof at, "  (loss at step t = %zu of %zu)", st->t, m->T);
	tail(out, width, full, VXT_TEXT, at);
	if (!full)
		return;
	/* s_t beside y, as far as the width allows. */
	gsl_vector_const_view stv = gsl_matrix_const_row(r->s, st->t - 1);
	const char *names[2] = { "s", "y" };
	for (int v = 0; v < 2; v++) {
		vxt_lines_newline(out);
		vxt_lines_printf(out, VXT_MATH, "%s%s =", names[v], v == 0 ? s1 : "");
		int used = 6 + vxr_u8_width(s1);
		size_t i;
		for (i = 0; i < m->d; i++) {
			double x = v == 0 ? gsl_vector_get(&stv.vector, i) : gsl_vector_get(m->y, i);
			num(st, a, sizeof a, x);
			if (used + vxr_u8_width(a) + 1 + 4 > width)
				break;
			vxt_lines_printf(out, VXT_NUMBER, " %s", a);
			used += vxr_u8_width(a) + 1;
		}
		if (i < m->d)
			vxt_lines_puts(out, VXT_DIM, U(st, " …", " ..."));
	}
}

/* ====================================================================
 * Build
 * ==================================================================== */

vx_status vxu_panel_build(vxu_state *st, vxt_lines *out)
{
	vxt_lines_clear(out);
	if (!st->result || !st->model || st->lay.too_small)
		return VX_OK;
	vxu_view v = st->view;
	if (v == VXU_VIEW_AUTO)
		v = vxu_view_for_title(vxr_step_title(st->step));
	st->shown_view = v;
	int full = st->lay.place != VXU_PANEL_STRIP;
	int w = st->lay.panel_w;
	switch (v) {
	case VXU_VIEW_NETWORK: view_network(st, out, full, w); break;
	case VXU_VIEW_DACT: view_dact(st, out, full, w); break;
	case VXU_VIEW_JACOBIAN: view_jacobian(st, out, full, w); break;
	case VXU_VIEW_PATHS: view_paths(st, out, full, w); break;
	case VXU_VIEW_LYAP: view_lyap(st, out, full, w); break;
	case VXU_VIEW_CHAIN:
	default: view_chain(st, out, full, w); break;
	}
	if (full) {
		/* A plot fills what is left; on a big screen a second one follows,
		 * the one that leads to or from this view. */
		int kind[2];
		switch (v) {
		case VXU_VIEW_DACT: kind[0] = VXU_VIEW_DACT; kind[1] = VXU_VIEW_JACOBIAN; break;
		case VXU_VIEW_JACOBIAN: kind[0] = VXU_VIEW_JACOBIAN; kind[1] = VXU_VIEW_CHAIN; break;
		case VXU_VIEW_PATHS: kind[0] = VXU_VIEW_PATHS; kind[1] = VXU_VIEW_CHAIN; break;
		case VXU_VIEW_LYAP: kind[0] = VXU_VIEW_CHAIN; kind[1] = VXU_VIEW_JACOBIAN; break;
		default: kind[0] = VXU_VIEW_CHAIN; kind[1] = VXU_VIEW_PATHS; break;
		}
		for (int i = 0; i < 2; i++) {
			int left = st->lay.panel_rows - (int)out->nlines - 1;   /* a blank line before each plot */
			if (left < (i == 0 ? 6 : 12))
				break;
			int pr = left > 24 ? 24 : left;
			if (i == 0 && left >= 36)
				pr = left / 2 > 24 ? 24 : left / 2;   /* leave room for the second */
			vxt_lines_newline(out);
			switch (kind[i]) {
			case VXU_VIEW_DACT: add_dact_plot(st, out, w, pr); break;
			case VXU_VIEW_JACOBIAN: add_stepnorm_plot(st, out, w, pr); break;
			case VXU_VIEW_PATHS: add_paths_plot(st, out, w, pr); break;
			default: add_chain_plot(st, out, w, pr); break;
			}
		}
	}
	return out->oom ? VX_ENOMEM : VX_OK;
}
