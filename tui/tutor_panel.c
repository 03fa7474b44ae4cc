/*
 * tutor_panel.c — the live panel: the numbers of this network for the step
 * the student is on, recomputed with every change (no curses here).
 *
 * At 80×24 the panel is a strip of two lines under the prose, so each view
 * says the essential in two lines first; with more room it adds detail and a
 * plot, the handout's plot block drawn at the panel's size
 * (report/doc/term_plot.h), which fills whatever rows are left.
 */
#include "tui/tutor_panel.h"
#include "report/text/utf8.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#include "engine/linalg.h"
#include "report/check.h"
#include "report/doc/env.h"
#include "report/doc/term_plot.h"
#include "report/text/fmt.h"

#define U(in, u, a) ((in)->utf8 ? (u) : (a))

/* ====================================================================
 * Small text helpers
 * ==================================================================== */

/* v as subscript digits, or as superscript ones when up (vxf_sub_int,
 * vxf_sup_int); in ASCII "_v" and "^v". */
static const char *script(const vxu_panel_in *in, char *buf, size_t n, size_t v, int up)
{
	if (!in->utf8) {
		snprintf(buf, n, up ? "^%zu" : "_%zu", v);
		return buf;
	}
	return up ? vxf_sup_int(buf, n, (long long)v) : vxf_sub_int(buf, n, (long long)v);
}

static vxf_style fstyle(const vxu_panel_in *in)
{
	return in->utf8 ? VXF_UNICODE : VXF_ASCII;
}

static const char *num(const vxu_panel_in *in, char *buf, size_t n, double x)
{
	return vxf_num(buf, n, x, 3, fstyle(in));
}

static const char *mag(const vxu_panel_in *in, char *buf, size_t n, vx_mag m)
{
	return vxf_mag(buf, n, m, 3, fstyle(in));
}

/* σ′(a_i) for the entries a of a step: a saturated unit's lies below the
 * doubles (10^-400), where σ′ as a double would show a subnormal or 0 */
static vx_mag dact_mag(const vx_model *m, const gsl_vector *a, size_t i)
{
	return vx_dact_mag(m->act, gsl_vector_get(a, i));
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

/* The mark of a line that had more than it shows. */
#define MORE(in) U(in, " …", " ...")

/* Appends a span that may not fit: on the same line when it does; else on a
 * line of its own (indented) when the panel has rows to spare (full), else
 * not at all, the line ending in " …" to say so (and taking no more: the
 * essentials come first on every line, the rest is in the larger panel and
 * the handout), or, with no room for that mark, cut at a word by fit_lines. */
static void tail(const vxu_panel_in *in, vxt_lines *out, int width, int full, vxt_role role, const char *text)
{
	const vxt_line *ln = out->nlines ? &out->lines[out->nlines - 1] : NULL;
	if (ln && ln->nspans && ln->spans[ln->nspans - 1].role == VXT_DIM &&
	    strcmp(ln->spans[ln->nspans - 1].text, MORE(in)) == 0)
		return;
	if (last_width(out) + vxr_u8_width(text) <= width) {
		vxt_lines_puts(out, role, text);
		return;
	}
	if (!full) {
		/* no room for the mark either: the part goes on, and fit_lines
		 * cuts it at a word with its own "…" */
		int mark = last_width(out) + vxr_u8_width(MORE(in)) <= width;
		vxt_lines_puts(out, mark ? VXT_DIM : role, mark ? MORE(in) : text);
		return;
	}
	while (*text == ' ' || *text == ',' || *text == ';')
		text++;
	vxt_lines_newline(out);
	vxt_lines_puts(out, VXT_TEXT, "  ");
	vxt_lines_puts(out, role, text);
}

/* ====================================================================
 * Lines that fit: wrapped at a space, or shortened where the words end
 * ==================================================================== */

/* A place in a line: span s, byte o of its text. */
typedef struct {
	size_t s, o;
} pos;

/* Copies the text of ln from a to b onto dst's last line, span by span. */
static void copy_range(vxt_lines *dst, const vxt_line *ln, pos a, pos b)
{
	for (size_t s = a.s; s < ln->nspans && s <= b.s; s++) {
		const char *t = ln->spans[s].text;
		size_t from = s == a.s ? a.o : 0, to = s == b.s ? b.o : strlen(t);
		if (to > from)
			vxt_lines_span(dst, ln->spans[s].role, t + from, to - from);
	}
}

/* Copies ln onto new lines of dst, each at most width columns.  What goes
 * past them is wrapped at the last space that fits (the rest on lines
 * indented two columns) when wrap, else cut there, with an ellipsis in its
 * place: never in the middle of a word, unless one word alone is wider
 * than the line. */
static void fit_line(vxt_lines *dst, const vxt_line *ln, int width, int wrap, int utf8)
{
	const char *ell = utf8 ? "…" : "...";
	int ew = wrap ? 0 : vxr_u8_width(ell);
	pos at = { 0, 0 };
	for (int first = 1;; first = 0) {
		if (!first) {
			/* a continuation starts at its first word */
			while (at.s < ln->nspans && (ln->spans[at.s].text[at.o] == ' ' || !ln->spans[at.s].text[at.o])) {
				if (ln->spans[at.s].text[at.o])
					at.o++;
				else
					at = (pos){ at.s + 1, 0 };
			}
			if (at.s >= ln->nspans)
				return;
		}
		vxt_lines_newline(dst);
		if (!first)
			vxt_lines_puts(dst, VXT_TEXT, "  ");
		int lim = first ? width : width - 2, col = 0;
		pos cur = at, brk = { SIZE_MAX, 0 }, hard = { SIZE_MAX, 0 };
		while (cur.s < ln->nspans) {
			const char *t = ln->spans[cur.s].text + cur.o;
			if (!*t) {
				cur = (pos){ cur.s + 1, 0 };
				continue;
			}
			uint32_t cp;
			size_t n = vxr_u8_next(t, &cp);
			int cw = vxr_cp_width(cp);
			if (cp == ' ' && col + ew <= lim)
				brk = cur;
			if (hard.s == SIZE_MAX && col + cw + ew > lim)
				hard = cur;
			if (col + cw > lim)
				break;
			col += cw;
			cur.o += n;
		}
		if (cur.s >= ln->nspans) {
			copy_range(dst, ln, at, cur);   /* the rest fits */
			return;
		}
		pos end = brk.s != SIZE_MAX && (brk.s != at.s || brk.o != at.o) ? brk : hard;
		copy_range(dst, ln, at, end);
		if (!wrap) {
			vxt_lines_puts(dst, VXT_DIM, ell);
			return;
		}
		at = end;
	}
}

/* Width of line ln. */
static int line_width(const vxt_line *ln)
{
	int w = 0;
	for (size_t i = 0; i < ln->nspans; i++)
		w += vxr_u8_width(ln->spans[i].text);
	return w;
}

/* Makes every line of *out fit: the heading (line 0) in head_w columns,
 * losing its "(v: next view)" first, then cut; the others in width,
 * wrapped when full (the panel has rows for it), cut at 80×24's strip.
 * Lines that fit are copied as they are. */
static void fit_lines(vxt_lines *out, int head_w, int width, int full, int utf8)
{
	vxt_lines fit = { 0 };
	for (size_t i = 0; i < out->nlines; i++) {
		vxt_line *ln = &out->lines[i];
		int w = i == 0 ? head_w : width;
		/* the hint goes first: `?` lists v too */
		int hint = i == 0 && line_width(ln) > w && ln->nspans > 1 && ln->spans[ln->nspans - 1].role == VXT_DIM;
		ln->nspans -= (size_t)hint;
		fit_line(&fit, ln, w, i > 0 && full, utf8);
		ln->nspans += (size_t)hint;   /* out frees it below */
	}
	vxt_lines_clear(out);
	*out = fit;
}

/* ====================================================================
 * Views
 * ==================================================================== */

vxu_view vxu_view_named(const char *name)
{
	static const char *const names[VXU_VIEW_COUNT] = {
		[VXU_VIEW_NETWORK] = "network", [VXU_VIEW_CHAIN] = "chain", [VXU_VIEW_DACT] = "dact",
		[VXU_VIEW_JACOBIAN] = "jacobian", [VXU_VIEW_PATHS] = "paths", [VXU_VIEW_LYAP] = "lyap",
		[VXU_VIEW_EIGEN] = "eigen", [VXU_VIEW_GATES] = "gates",
	};
	for (int v = VXU_VIEW_AUTO + 1; name && v < VXU_VIEW_COUNT; v++)
		if (strcmp(name, names[v]) == 0)
			return (vxu_view)v;
	return VXU_VIEW_CHAIN;
}

/* ====================================================================
 * The views' text
 * ==================================================================== */

static void head(const vxu_panel_in *in, vxt_lines *out, const char *what)
{
	vxt_lines_newline(out);
	vxt_lines_printf(out, VXT_HEADING, "%s %s", U(in, "live ·", "live:"), what);
	if (in->view != VXU_VIEW_AUTO)
		vxt_lines_puts(out, VXT_DIM, U(in, "  (v: next view)", "  (v: next view)"));
}

/* The verdict in its colour ("vanishing: ... shrinks ×0.631 per step"); on
 * a narrow side panel the reason goes on a line of its own. */
static void add_verdict(const vxu_panel_in *in, vxt_lines *out, int width, int full)
{
	char line[160];
	vxr_trend tr = vxr_verdict(in->ctx.result, in->utf8 ? VXR_NOTE_SUBSCRIPT : VXR_NOTE_ASCII, line, sizeof line);
	vxt_role role = tr == VXR_NEITHER ? VXT_GOOD : VXT_BAD;
	char *colon = strstr(line, ": ");
	if (colon && last_width(out) + vxr_u8_width(line) > width && full) {
		char rest[160];
		snprintf(rest, sizeof rest, " %s", colon + 2);
		colon[1] = '\0';
		vxt_lines_puts(out, role, line);
		tail(in, out, width, full, role, rest);
		return;
	}
	vxt_lines_puts(out, role, line);
}

static void view_chain(const vxu_panel_in *in, vxt_lines *out, int full, int width)
{
	const vx_result *r = in->ctx.result;
	size_t t = r->t, k = in->ctx.k, gap = t - k;
	char a[48], b[48], c[48], s1[32], s2[32], s3[32], e[32];
	char h[160];
	snprintf(h, sizeof h, U(in, "the chain s%s → … → s%s", "the chain s%s -> ... -> s%s"),
	         script(in, s1, sizeof s1, k, 0), script(in, s2, sizeof s2, t, 0));
	head(in, out, h);

	vxt_lines_newline(out);
	if (gap == 0) {
		vxt_lines_printf(out, VXT_TEXT, "k = t = %zu: no factor; %s%s/%s%s = I, the empty product",
		               t, U(in, "∂s", "ds"), script(in, s1, sizeof s1, t, 0), U(in, "∂s", "ds"),
		               script(in, s2, sizeof s2, t, 0));
	} else {
		if (gap <= 3) {
			for (size_t i = k; i <= t; i++)
				vxt_lines_printf(out, VXT_MATH, "%ss%s", i == k ? "" : U(in, " → ", " -> "),
				               script(in, s1, sizeof s1, i, 0));
		} else {
			vxt_lines_printf(out, VXT_MATH, U(in, "s%s → s%s → … → s%s", "s%s -> s%s -> ... -> s%s"),
			               script(in, s1, sizeof s1, k, 0), script(in, s2, sizeof s2, k + 1, 0),
			               script(in, s3, sizeof s3, t, 0));
		}
		vxt_lines_printf(out, VXT_TEXT, ": ");
		vxt_lines_printf(out, VXT_NUMBER, "%zu", gap);
		vxt_lines_printf(out, VXT_TEXT, " factor%s ", gap == 1 ? "" : "s");
		if (gap == 1)
			vxt_lines_printf(out, VXT_MATH, "J%s", script(in, s1, sizeof s1, t, 0));
		else
			vxt_lines_printf(out, VXT_MATH, U(in, "J%s … J%s", "J%s ... J%s"),
			               script(in, s1, sizeof s1, k + 1, 0), script(in, s2, sizeof s2, t, 0));
		/* The reminder of the bound per factor, as tail() places a part;
		 * on a strip too narrow for its value, without it (the status line
		 * has it), under the status line's shorter name in ASCII */
		char each[96];
		vxr_gl_num(a, sizeof a, r, 3, fstyle(in));
		snprintf(each, sizeof each, U(in, ", each ‖Jⱼ‖ ≤ γλ = %s", ", each ||J_j|| <= gamma*lambda = %s"), a);
		const char *brief = U(in, ", each ‖Jⱼ‖ ≤ γλ", ", each ||J_j|| <= gam*lam");
		int room = width - last_width(out);
		tail(in, out, width, full, VXT_TEXT,
		     !full && vxr_u8_width(each) > room && vxr_u8_width(brief) <= room ? brief : each);
	}

	/* Actual ≤ product ≤ bound, whole where the panel has rows to wrap it;
	 * on the two-line strip, in ASCII (long names) with shorter ones when the
	 * line would not fit, and on a strip narrower still the middle term
	 * elided ("≤ … ≤", still a true chain). */
	const vx_path *p = &r->paths[k - 1];
	for (int pass = 0; pass < 3; pass++) {
		if (pass == 1 && in->utf8)
			continue;
		vxt_lines_newline(out);
		vxt_lines_printf(out, VXT_MATH, U(in, "‖∂s%s/∂s%s‖", "||ds%s/ds%s||"), script(in, s1, sizeof s1, t, 0),
		               script(in, s2, sizeof s2, k, 0));
		vxt_lines_puts(out, VXT_TEXT, " = ");
		vxt_lines_puts(out, VXT_SERIES1, mag(in, a, sizeof a, p->norm));
		if (pass < 2) {
			vxt_lines_puts(out, VXT_TEXT, U(in, " ≤ Π‖Jⱼ‖ = ", pass == 0 ? " <= prod||J_j|| = " : " <= prod = "));
			vxt_lines_puts(out, VXT_SERIES2, mag(in, b, sizeof b, p->step_product));
		} else {
			vxt_lines_puts(out, VXT_DIM, U(in, " ≤ …", " <= ..."));
		}
		/* the status line's names at the same widths: gamma*lambda, gam*lam, gl */
		vxt_lines_printf(out, VXT_TEXT,
		                 U(in, " ≤ (γλ)%s = ", pass == 0 ? " <= (gamma*lambda)%s = " : pass == 1 ? " <= (gam*lam)%s = "
		                                                                                         : " <= (gl)%s = "),
		                 script(in, e, sizeof e, gap, 1));
		vxt_lines_puts(out, VXT_SERIES3, mag(in, c, sizeof c, p->bound));
		if (full || last_width(out) <= width || pass == 2)
			break;
		vxt_lines_pop(out);
	}
	if (!full)
		return;
	vxt_lines_newline(out);
	add_verdict(in, out, width, full);
}

/* σ'(a_j) for the chosen j, the largest in bold, against γ. */
static void view_dact(const vxu_panel_in *in, vxt_lines *out, int full, int width)
{
	const vx_result *r = in->ctx.result;
	const vx_model *m = in->ctx.model;
	size_t j = in->ctx.j, d = m->d;
	char s1[32], a[48], h[160];
	snprintf(h, sizeof h, U(in, "σ′(a%s), the diagonal of ∂s%s/∂a%s", "sigma'(a%s), the diagonal of ds%s/da%s"),
	         script(in, s1, sizeof s1, j, 0), s1, s1);
	head(in, out, h);

	gsl_vector_const_view aj = gsl_matrix_const_row(r->a, j - 1);
	vx_mag best = { 0, -INFINITY, 0 };
	/* Values first, as many as fit the width: the student sees real numbers. */
	vxt_lines_newline(out);
	vxt_lines_printf(out, VXT_MATH, U(in, "σ′(a%s) =", "sigma'(a%s) ="), script(in, s1, sizeof s1, j, 0));
	int used = vxr_u8_width(U(in, "σ′(a) =", "sigma'(a) =")) + vxr_u8_width(s1);
	size_t shown = 0;
	int lines_left = full ? 4 : 1;
	/* the largest, in bold below; and the smallest (the first such, as the
	 * handouts' dact.argmin names it), named when the values do not all
	 * fit: this step's question asks for it */
	vx_mag low = best;
	size_t lo = 0;
	for (size_t i = 0; i < d; i++) {
		vx_mag v = dact_mag(m, &aj.vector, i);
		if (i == 0 || v.log10 > best.log10)
			best = v;
		if (i == 0 || (v.fits && low.fits ? v.value < low.value : v.log10 < low.log10)) {
			low = v;
			lo = i;
		}
	}
	for (size_t i = 0; i < d && lines_left > 0; i++) {
		vx_mag v = dact_mag(m, &aj.vector, i);
		mag(in, a, sizeof a, v);
		int w = vxr_u8_width(a) + 1;
		/* room for what says how many are left: " … (N more)" */
		char left[48] = "";
		if (i + 1 < d)
			snprintf(left, sizeof left, U(in, " … (%zu more)", " ... (%zu more)"), d - i - 1);
		int more = vxr_u8_width(left);
		if (used + w + more > width) {
			if (--lines_left == 0)
				break;
			vxt_lines_newline(out);
			vxt_lines_puts(out, VXT_TEXT, "  ");
			used = 2;
		}
		vxt_lines_puts(out, VXT_TEXT, " ");
		vxt_lines_puts(out, v.log10 == best.log10 ? VXT_STRONG : VXT_NUMBER, a);
		used += w;
		shown++;
	}
	if (shown < d)
		vxt_lines_printf(out, VXT_DIM, U(in, " … (%zu more)", " ... (%zu more)"), d - shown);

	vxt_lines_newline(out);
	if (shown < d) {
		vxt_lines_puts(out, VXT_TEXT, "smallest ");
		vxt_lines_puts(out, VXT_NUMBER, mag(in, a, sizeof a, low));
		vxt_lines_printf(out, VXT_TEXT, " (unit %zu), ", lo + 1);
	}
	vxt_lines_puts(out, VXT_TEXT, U(in, "largest ", "largest "));
	vxt_lines_puts(out, VXT_NUMBER, mag(in, a, sizeof a, best));
	vxt_lines_puts(out, VXT_TEXT, U(in, " ≤ γ = max σ′ = ", " <= gamma = max sigma' = "));
	vxt_lines_puts(out, VXT_NUMBER, num(in, a, sizeof a, r->gamma));
	const char *where;
	switch (m->act) {
	case VX_SIGMOID: where = U(in, ", at a = 0 where σ(a) = ½", ", at a = 0 where sigma(a) = 1/2"); break;
	case VX_TANH: where = U(in, ", at a = 0 (σ′ = 1 − tanh²)", ", at a = 0 (sigma' = 1 - tanh^2)"); break;
	case VX_RELU: where = " for every a > 0 (0 below)"; break;
	default: where = " everywhere (linear)"; break;
	}
	tail(in, out, width, full, VXT_TEXT, where);
}

static void view_jacobian(const vxu_panel_in *in, vxt_lines *out, int full, int width)
{
	const vx_result *r = in->ctx.result;
	const vx_model *m = in->ctx.model;
	size_t j = in->ctx.j, d = m->d;
	char s1[32], a[48], b[48], c[48], h[160];
	script(in, s1, sizeof s1, j, 0);
	/* ∂s_j/∂s_{j−1} with the actual j − 1. */
	char s0[32];
	script(in, s0, sizeof s0, j - 1, 0);
	snprintf(h, sizeof h, U(in, "one step, J%s = ∂s%s/∂s%s", "one step, J%s = ds%s/ds%s"), s1, s1, s0);
	head(in, out, h);

	gsl_vector_const_view aj = gsl_matrix_const_row(r->a, j - 1);
	vx_mag best = { 0, -INFINITY, 1 };
	for (size_t i = 0; i < d; i++) {
		vx_mag v = dact_mag(m, &aj.vector, i);
		if (v.log10 > best.log10)
			best = v;
	}
	vxt_lines_newline(out);
	vxt_lines_printf(out, VXT_MATH, U(in, "J%s = diag(σ′(a%s)) W", "J%s = diag(sigma'(a%s)) W"), s1, s1);
	vxt_lines_puts(out, VXT_TEXT, U(in, ": row i of W times σ′(a", ": row i of W times sigma'(a"));
	vxt_lines_printf(out, VXT_TEXT, U(in, "%s,ᵢ)", "%s,i)"), s1);

	vxt_lines_newline(out);
	vxt_lines_printf(out, VXT_MATH, U(in, "‖J%s‖₂", "||J%s||_2"), s1);
	vxt_lines_puts(out, VXT_TEXT, " = ");
	vxt_lines_puts(out, VXT_SERIES1, mag(in, a, sizeof a, r->step_mag[j - 1]));
	vxt_lines_puts(out, VXT_TEXT, U(in, " ≤ max σ′·‖W‖₂ = ", " <= max sigma' * ||W||_2 = "));
	vxt_lines_puts(out, VXT_NUMBER, mag(in, b, sizeof b, vx_mag_mul(best, vx_mag_ldexp(r->lambda, 0))));
	vxt_lines_puts(out, VXT_TEXT, U(in, " ≤ γλ = ", " <= gamma*lambda = "));
	vxt_lines_puts(out, VXT_SERIES3, vxr_gl_num(c, sizeof c, r, 3, fstyle(in)));
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
			mag(in, cell[0][i][0], sizeof cell[0][i][0], dact_mag(m, &aj.vector, i));
			for (size_t l = 0; l < n; l++) {
				num(in, cell[1][i][l], sizeof cell[1][i][l], gsl_matrix_get(m->W, i, l));
				num(in, cell[2][i][l], sizeof cell[2][i][l], gsl_matrix_get(J, i, l));
				int w1 = vxr_u8_width(cell[1][i][l]), w2 = vxr_u8_width(cell[2][i][l]);
				cw = w1 > cw ? w1 : cw;
				cw = w2 > cw ? w2 : cw;
			}
		}
		cw += 2;
		char lab[64];
		snprintf(lab, sizeof lab, U(in, "σ′(a%s,ᵢ)", "sigma'(a%s,i)"), script(in, s1, sizeof s1, j, 0));
		int lw = vxr_u8_width(lab) + 2;   /* the σ′ column, values right-aligned under its label */
		/* As many columns as the panel holds: σ′ | n of W | arrow | n of J. */
		while (n > 1 && lw + 2 * (int)n * cw + 4 > width)
			n--;
		const char *arrow = U(in, "  → ", " -> ");
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

static void view_paths(const vxu_panel_in *in, vxt_lines *out, int full, int width)
{
	const vx_result *r = in->ctx.result;
	size_t t = r->t, k = in->ctx.k;
	char s1[32], a[48], b[48], h[160];
	script(in, s1, sizeof s1, t, 0);
	snprintf(h, sizeof h, "the %zu path%s from L%s to W", t, t == 1 ? "" : "s", s1);
	head(in, out, h);

	for (int pass = 0; pass < 2; pass++) {
		vxt_lines_newline(out);
		vxt_lines_printf(out, VXT_MATH, U(in, "∂L%s/∂W", "dL%s/dW"), s1);
		if (pass == 0)
			vxt_lines_printf(out, VXT_TEXT, U(in, " = Σ of %zu path%s k = 1…%zu;  ‖∂L%s/∂W‖_F = ",
			                                 " = sum of %zu path%s k = 1..%zu;  ||dL%s/dW||_F = "),
			                 t, t == 1 ? "" : "s", t, s1);
		else
			vxt_lines_printf(out, VXT_TEXT, U(in, ": %zu path%s, ‖·‖_F = ", ": %zu path%s, ||.||_F = "), t,
			                 t == 1 ? "" : "s");
		vxt_lines_puts(out, VXT_NUMBER, mag(in, a, sizeof a, r->grad_norm));
		if (last_width(out) <= width)
			break;
		if (pass == 0)
			vxt_lines_pop(out);
	}

	vxt_lines_newline(out);
	vxt_lines_printf(out, VXT_TEXT, "k = %zu (0 factors): ", t);
	vxt_lines_puts(out, VXT_SERIES1, mag(in, a, sizeof a, r->paths[t - 1].contribution));
	/* At k = t the chosen path is the nearest one, already shown. */
	if (k != t) {
		vxt_lines_printf(out, VXT_TEXT, "   k = %zu (%zu factor%s): ", k, t - k, t - k == 1 ? "" : "s");
		vxt_lines_puts(out, VXT_SERIES1, mag(in, b, sizeof b, r->paths[k - 1].contribution));
	}
	/* Path 1 meets W through s₀, which is 0 by default: its term is exactly 0.
	 * K points to the next path only where there is one (t ≥ 2). */
	if (k == 1 && r->paths[0].contribution.log10 == -INFINITY) {
		const char *why = t >= 2 ? U(in, ", as s₀ = 0 (K: k = 2)", ", as s_0 = 0 (K: k = 2)")
		                         : U(in, ", as s₀ = 0", ", as s_0 = 0");
		if (last_width(out) + vxr_u8_width(why) > width)
			why = U(in, ", as s₀ = 0", ", as s_0 = 0");
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

static void view_lyap(const vxu_panel_in *in, vxt_lines *out, int full, int width)
{
	const vx_result *r = in->ctx.result;
	char a[48], b[48], c[48];
	head(in, out, U(in, "the rate per step", "the rate per step"));
	vxt_lines_newline(out);
	if (r->lyap_max == -INFINITY) {
		/* exact, not an estimate: the product of the J_j is 0 */
		vxt_lines_puts(out, VXT_TEXT, U(in, "Lyapunov exponent μ = ", "Lyapunov exponent mu = "));
		vxt_lines_puts(out, VXT_SERIES1, num(in, a, sizeof a, vx_result_lyap(r)));
		vxt_lines_puts(out, VXT_TEXT, U(in, " (the product of the Jⱼ is exactly 0)",
		                                   " (the product of the J_j is exactly 0)"));
	} else {
		vxt_lines_puts(out, VXT_TEXT, U(in, "Lyapunov exponent μ ≈ ", "Lyapunov exponent mu ~ "));
		vxt_lines_puts(out, VXT_SERIES1, num(in, a, sizeof a, vx_result_lyap(r)));
		vxt_lines_puts(out, VXT_TEXT, U(in, " per step (×", " per step (x"));
		vxt_lines_puts(out, VXT_NUMBER, num(in, c, sizeof c, exp(vx_result_lyap(r))));
		vxt_lines_puts(out, VXT_TEXT, ")");
	}
	/* on the edge ln γλ is 0, not the 2.2e-16 of a λ one ulp above 1 */
	double lb = vx_result_ln_gl(r);
	char bound[96];
	snprintf(bound, sizeof bound, U(in, " ≤ ln γλ = %s", " <= ln(gamma*lambda) = %s"),
	         isfinite(lb) ? num(in, b, sizeof b, lb) : U(in, "−∞", "-inf"));
	tail(in, out, width, full, VXT_SERIES3, bound);
	vxt_lines_newline(out);
	add_verdict(in, out, width, full);
}

/* ln x as the templates print it: 0 within 1e-12 (ρ = 1 of an orthogonal
 * W comes out as 1 + 2e-16), −∞ at 0 */
static const char *ln_num(const vxu_panel_in *in, char *buf, size_t n, double x)
{
	if (!(x > 0))
		return U(in, "−∞", "-inf");
	return num(in, buf, n, fabs(log(x)) < 1e-12 ? 0 : log(x));
}

/* ρ(W) against ‖W‖₂, and the long-run rate against ln ρ and ln γλ; with
 * room, where ‖Wⁿ‖₂ peaks.  The eigenvalues and powers are the handout's
 * (report/doc/env.h), kept with the analysis, so the step and its panel
 * compute them once. */
static void view_eigen(const vxu_panel_in *in, vxt_lines *out, int full, int width)
{
	const vx_result *r = in->ctx.result;
	char a[48], b[48], c[48], line[160];
	head(in, out, U(in, "eigenvalues against the norm", "eigenvalues against the norm"));
	vxt_lines_newline(out);
	vxr_env *env = vxr_env_alloc(&in->ctx);
	vx_error err = { 0 };
	const vx_eigen *eg = env ? vxr_env_eigen(env, &err) : NULL;
	if (!eg) {
		vxt_lines_puts(out, VXT_BAD, env ? err.msg : "out of memory");
		vxr_env_free(env);
		return;
	}
	vxt_lines_puts(out, VXT_TEXT, U(in, "ρ(W) = ", "rho(W) = "));
	vxt_lines_puts(out, VXT_NUMBER, num(in, a, sizeof a, eg->rho));
	vxt_lines_puts(out, VXT_TEXT, U(in, " ≤ ‖W‖₂ = ", " <= ||W||_2 = "));
	vxt_lines_puts(out, VXT_NUMBER, num(in, b, sizeof b, r->lambda));
	if (r->lambda > 0) {
		snprintf(line, sizeof line, U(in, "  (ρ/‖W‖₂ = %s)", "  (rho/||W||_2 = %s)"),
		         num(in, c, sizeof c, eg->rho / r->lambda));
		tail(in, out, width, full, VXT_TEXT, line);
	}
	vxt_lines_newline(out);
	vxt_lines_puts(out, VXT_TEXT, U(in, "per step: ln ρ = ", "per step: ln rho = "));
	vxt_lines_puts(out, VXT_NUMBER, ln_num(in, a, sizeof a, eg->rho));
	vxt_lines_puts(out, VXT_TEXT, U(in, ", μ ≈ ", ", mu ~ "));
	vxt_lines_puts(out, VXT_SERIES1, isfinite(r->lyap_max) ? num(in, b, sizeof b, vx_result_lyap(r)) : U(in, "−∞", "-inf"));
	double lb = vx_result_ln_gl(r);
	snprintf(line, sizeof line, U(in, ", ln γλ = %s", ", ln(gamma*lambda) = %s"),
	         isfinite(lb) ? num(in, c, sizeof c, lb) : U(in, "−∞", "-inf"));
	tail(in, out, width, full, VXT_SERIES3, line);
	if (full && vxr_env_later(env, VXR_LATER_POWERS)) {
		vxt_lines_newline(out);
		vxt_lines_puts(out, VXT_DIM, U(in, "‖Wⁿ‖₂: being computed…", "||W^n||_2: being computed..."));
	} else if (full) {
		const vx_mag *pw = vxr_env_powers(env, &err);
		size_t N = vxr_env_powers_n(env), best = pw ? vxr_powers_peak(pw, N) : 0;
		if (pw && N > 0) {
			vxt_lines_newline(out);
			vxt_lines_puts(out, VXT_TEXT, U(in, "‖Wⁿ‖₂ is largest at n = ", "||W^n||_2 is largest at n = "));
			vxt_lines_printf(out, VXT_NUMBER, "%zu", best);
			vxt_lines_puts(out, VXT_TEXT, ": ");
			vxt_lines_puts(out, VXT_NUMBER, mag(in, a, sizeof a, pw[best]));
			snprintf(line, sizeof line, U(in, "; at n = %zu: %s", "; at n = %zu: %s"), N,
			         mag(in, b, sizeof b, pw[N]));
			tail(in, out, width, full, VXT_TEXT, line);
		}
	}
	vxr_env_free(env);
}

/* This network's ‖∂s_t/∂s_k‖₂ beside the LSTM's cell and the GRU's state of
 * the same d, T, inputs and λ at the chosen k, the mean gates and the
 * horizons; the forget bias the keys b B change.  The gated networks are
 * the handout's (report/doc/env.h), kept with the analysis. */
static void view_gates(const vxu_panel_in *in, vxt_lines *out, int full, int width)
{
	const vx_result *r = in->ctx.result;
	size_t t = r->t, k = in->ctx.k;
	char a[48], b[48], c[48], s1[32], s2[32], h[160];
	snprintf(h, sizeof h, U(in, "gates, forget bias %s (b B)", "gates, forget bias %s (b B)"),
	         num(in, a, sizeof a, in->ctx.forget_bias));
	head(in, out, h);
	vxr_env *env = vxr_env_alloc(&in->ctx);
	if (env && vxr_env_later(env, VXR_LATER_GATES)) {
		vxt_lines_newline(out);
		vxt_lines_puts(out, VXT_DIM, U(in, "an LSTM and a GRU of this size: being computed…",
		                                   "an LSTM and a GRU of this size: being computed..."));
		vxr_env_free(env);
		return;
	}
	const vx_net_result *g[2] = { NULL, NULL };
	vx_error err = { 0 };
	vx_status st = env ? vxr_env_gated(env, VX_CELL_LSTM, &g[0], &err) : VX_ENOMEM;
	if (st == VX_OK)
		st = vxr_env_gated(env, VX_CELL_GRU, &g[1], &err);
	if (st != VX_OK) {
		vxt_lines_newline(out);
		vxt_lines_puts(out, VXT_BAD, env ? err.msg : "out of memory");
		vxr_env_free(env);
		return;
	}
	script(in, s1, sizeof s1, t, 0);
	script(in, s2, sizeof s2, k, 0);
	/* the three cells' norms first: the gap's own words go when the LSTM's
	 * would not fit beside them (a screen of 60 columns) */
	char part[160];
	snprintf(part, sizeof part, U(in, ", LSTM ‖∂c%s/∂c%s‖ %s", ", LSTM ||dc%s/dc%s|| %s"), s1, s2,
	         mag(in, b, sizeof b, g[0]->c_norm[k - 1]));
	for (int pass = 0; pass < 2; pass++) {
		vxt_lines_newline(out);
		if (pass == 0)
			vxt_lines_printf(out, VXT_TEXT, U(in, "t−k = %zu: ", "t-k = %zu: "), t - k);
		vxt_lines_printf(out, VXT_TEXT, U(in, "rnn ‖∂s%s/∂s%s‖ ", "rnn ||ds%s/ds%s|| "), s1, s2);
		vxt_lines_puts(out, VXT_SERIES1, mag(in, a, sizeof a, r->paths[k - 1].norm));
		if (full || pass == 1 || last_width(out) + vxr_u8_width(part) <= width)
			break;
		vxt_lines_pop(out);
	}
	tail(in, out, width, full, VXT_SERIES2, part);
	/* the GRU starts the second line: on the strip of 80×24 it would not fit
	 * on the first */
	vxt_lines_newline(out);
	vxt_lines_printf(out, VXT_TEXT, U(in, "GRU ‖∂h%s/∂h%s‖ ", "GRU ||dh%s/dh%s|| "), s1, s2);
	vxt_lines_puts(out, VXT_SERIES3, mag(in, c, sizeof c, g[1]->h_norm[k - 1]));
	snprintf(part, sizeof part, U(in, "; mean f %s, z %s", "; mean f %s, z %s"),
	         num(in, a, sizeof a, g[0]->stats[0].keep_mean), num(in, b, sizeof b, g[1]->stats[0].keep_mean));
	tail(in, out, width, full, VXT_TEXT, part);
	/* the horizons: where each norm of the whole state leaves [1e-3, 1e3] */
	size_t hz;
	int fate = vx_gap_leave(&r->paths[0].norm.log10, sizeof *r->paths, t, log10(VX_HORIZON_LOW),
	                        log10(VX_HORIZON_HIGH), &hz);
	char hs[3][24];
	size_t gaps[3] = { hz, g[0]->horizon, g[1]->horizon };
	int left[3] = { fate != 0, g[0]->horizon_kind != VX_HORIZON_NONE, g[1]->horizon_kind != VX_HORIZON_NONE };
	for (int i = 0; i < 3; i++) {
		if (left[i])
			snprintf(hs[i], sizeof hs[i], "%zu", gaps[i]);
		else
			snprintf(hs[i], sizeof hs[i], "%s%zu", U(in, "> ", "> "), t - 1);
	}
	snprintf(part, sizeof part, "; horizons %s / %s / %s", hs[0], hs[1], hs[2]);
	tail(in, out, width, full, VXT_TEXT, part);
	vxr_env_free(env);
}

static void view_network(const vxu_panel_in *in, vxt_lines *out, int full, int width)
{
	const vx_result *r = in->ctx.result;
	const vx_model *m = in->ctx.model;
	char a[48], s1[32];
	head(in, out, U(in, "this network", "this network"));
	vxt_lines_newline(out);
	vxt_lines_printf(out, VXT_TEXT, "%s, d = ", vx_act_name(m->act));
	vxt_lines_printf(out, VXT_NUMBER, "%zu", m->d);
	vxt_lines_puts(out, VXT_TEXT, " hidden, n = ");
	vxt_lines_printf(out, VXT_NUMBER, "%zu", m->n);
	vxt_lines_puts(out, VXT_TEXT, m->n == 1 ? " input, T = " : " inputs, T = ");
	vxt_lines_printf(out, VXT_NUMBER, "%zu", m->T);
	vxt_lines_puts(out, VXT_TEXT, m->T == 1 ? " step" : " steps");
	char lam[96];
	snprintf(lam, sizeof lam, U(in, ", λ = ‖W‖₂ = %s", ", lambda = ||W||_2 = %s"), num(in, a, sizeof a, r->lambda));
	tail(in, out, width, full, VXT_TEXT, lam);
	vxt_lines_newline(out);
	script(in, s1, sizeof s1, r->t, 0);
	vxt_lines_printf(out, VXT_MATH, U(in, "L%s = ½‖s%s − y‖²", "L%s = 1/2 ||s%s - y||^2"), s1, s1);
	vxt_lines_puts(out, VXT_TEXT, " = ");
	vxt_lines_puts(out, VXT_NUMBER, mag(in, a, sizeof a, r->loss));
	char at[64];
	snprintf(at, sizeof at, "  (loss at step t = %zu of %zu)", r->t, m->T);
	tail(in, out, width, full, VXT_TEXT, at);
	if (!full)
		return;
	/* s_t beside y, as far as the width allows. */
	gsl_vector_const_view stv = gsl_matrix_const_row(r->s, r->t - 1);
	const char *names[2] = { "s", "y" };
	for (int v = 0; v < 2; v++) {
		vxt_lines_newline(out);
		vxt_lines_printf(out, VXT_MATH, "%s%s =", names[v], v == 0 ? s1 : "");
		int used = 6 + vxr_u8_width(s1);
		size_t i;
		for (i = 0; i < m->d; i++) {
			double x = v == 0 ? gsl_vector_get(&stv.vector, i) : gsl_vector_get(m->y, i);
			num(in, a, sizeof a, x);
			if (used + vxr_u8_width(a) + 1 + 4 > width)
				break;
			vxt_lines_printf(out, VXT_NUMBER, " %s", a);
			used += vxr_u8_width(a) + 1;
		}
		if (i < m->d)
			vxt_lines_puts(out, VXT_DIM, U(in, " …", " ..."));
	}
}

/* ====================================================================
 * Build
 * ==================================================================== */

vx_status vxu_panel_build(const vxu_panel_in *in, vxt_lines *out, vxu_view *shown)
{
	vxt_lines_clear(out);
	if (!in->ctx.result || !in->ctx.model)
		return VX_OK;
	vxu_view v = in->view;
	if (v == VXU_VIEW_AUTO)
		v = vxu_view_named(in->panel);
	*shown = v;
	int full = in->full;
	/* The text keeps the panel's last column blank, as the prose keeps a
	 * margin: a line that reaches the edge is one that was cut. */
	int w = in->width - 1;
	switch (v) {
	case VXU_VIEW_NETWORK: view_network(in, out, full, w); break;
	case VXU_VIEW_DACT: view_dact(in, out, full, w); break;
	case VXU_VIEW_JACOBIAN: view_jacobian(in, out, full, w); break;
	case VXU_VIEW_PATHS: view_paths(in, out, full, w); break;
	case VXU_VIEW_LYAP: view_lyap(in, out, full, w); break;
	case VXU_VIEW_EIGEN: view_eigen(in, out, full, w); break;
	case VXU_VIEW_GATES: view_gates(in, out, full, w); break;
	case VXU_VIEW_CHAIN:
	default: view_chain(in, out, full, w); break;
	}
	/* the heading shares its row with the rule of 80×24's strip (tutor_draw.c) */
	fit_lines(out, w - 1, w, full, in->utf8);
	if (full) {
		/* A plot fills what is left; on a big screen a second one follows,
		 * the one that leads to or from this view: the handouts' plot
		 * blocks, drawn at the panel's size. */
		vxr_blk_kind kind[2];
		switch (v) {
		case VXU_VIEW_DACT: kind[0] = VXR_BLK_PLOT_DACT; kind[1] = VXR_BLK_PLOT_STEPS; break;
		case VXU_VIEW_JACOBIAN: kind[0] = VXR_BLK_PLOT_STEPS; kind[1] = VXR_BLK_PLOT_NORMS; break;
		case VXU_VIEW_PATHS: kind[0] = VXR_BLK_PLOT_CONTRIB; kind[1] = VXR_BLK_PLOT_NORMS; break;
		case VXU_VIEW_LYAP: kind[0] = VXR_BLK_PLOT_NORMS; kind[1] = VXR_BLK_PLOT_STEPS; break;
		case VXU_VIEW_GATES: {
			/* the gated networks once they are in (env.h) */
			vxr_env *env = vxr_env_alloc(&in->ctx);
			int slow = !env || vxr_env_later(env, VXR_LATER_GATES);
			vxr_env_free(env);
			kind[0] = slow ? VXR_BLK_PLOT_NORMS : VXR_BLK_PLOT_GATES;
			kind[1] = slow ? VXR_BLK_PLOT_CONTRIB : VXR_BLK_PLOT_NORMS;
			break;
		}
		case VXU_VIEW_EIGEN: {
			/* the powers once they are in (env.h) */
			vxr_env *env = vxr_env_alloc(&in->ctx);
			int slow = !env || vxr_env_later(env, VXR_LATER_POWERS);
			vxr_env_free(env);
			kind[0] = VXR_BLK_PLOT_EIGEN;
			kind[1] = slow ? VXR_BLK_PLOT_NORMS : VXR_BLK_PLOT_POWERS;
			break;
		}
		default: kind[0] = VXR_BLK_PLOT_NORMS; kind[1] = VXR_BLK_PLOT_CONTRIB; break;
		}
		for (int i = 0; i < 2; i++) {
			int left = in->rows - (int)out->nlines - 1;   /* a blank line before each plot */
			if (left < (i == 0 ? 6 : 12))
				break;
			int pr = left > 24 ? 24 : left;
			if (i == 0 && left >= 36)
				pr = left / 2 > 24 ? 24 : left / 2;   /* leave room for the second */
			if (i == 0 && kind[0] == VXR_BLK_PLOT_EIGEN && pr < 10) {
				/* circles drawn to scale in a few rows are a few cells
				 * across: a short strip shows the other plot */
				kind[0] = kind[1];
			}
			vxt_lines_newline(out);
			vx_error err;
			/* the dact plot at the chosen step j; below 20×5 cells, or
			 * out of memory, the plot is left out */
			vxt_plot_cells(&in->ctx, kind[i], in->ctx.j, in->width, pr, in->utf8, out, &err);
		}
	}
	return out->oom ? VX_ENOMEM : VX_OK;
}
