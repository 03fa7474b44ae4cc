/*
 * blocks_table.c — the table blocks ({{table paths|steps|inits|regimes}},
 * {{record}}) and the tables that stand for the plots where a target has
 * no graphics, as plain data (render.h): cells, the same for every target.
 */
#include "report/doc/blocks.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/act.h"
#include "engine/analysis.h"
#include "engine/model.h"
#include "engine/regime.h"

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

/* The headers of t's columns from head (t->ncols of them), the columns
 * from..to − 1 numeric (right-aligned). */
static void table_head(vxr_table *t, const char *const *head, size_t from, size_t to)
{
	for (size_t i = 0; i < t->ncols; i++) {
		t->head[i] = head[i];
		t->numeric[i] = i >= from && i < to;
	}
}

void vxr_table_free(vxr_table *t)
{
	if (!t)
		return;
	free(t->cells);
	free(t->own);
	free(t);
}

/* How many rows a table shows: its block's rows=, else dflt; a plot's
 * table (no rows=) always dflt. */
static size_t rows_wanted(const vxr_obj *o, size_t dflt)
{
	return !vxr_blk_is_plot(o->blk) && o->rows ? o->rows : dflt;
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

/* A table of ncols columns whose rows are up to `want` values that pick
 * chooses, from 0..G (pick_log) or 1..G (pick_even): *sel malloc'd (the
 * caller frees it), *t with a row for each of the *n chosen. */
static vx_status table_picked(size_t (*pick)(size_t, size_t, size_t *), size_t G, size_t want, size_t ncols,
                              size_t **sel, size_t *n, vxr_table **t, vx_error *err)
{
	*sel = malloc(want * sizeof **sel);
	*n = *sel ? pick(G, want, *sel) : 0;
	/* none chosen: pick_log ran out of memory */
	*t = *n ? table_alloc(ncols, *n) : NULL;
	if (!*t) {
		free(*sel);
		*sel = NULL;
		return vx_fail(err, VX_ENOMEM, "out of memory");
	}
	return VX_OK;
}

vx_status vxr_table_paths(vxr_env *env, const vxr_obj *o, vxr_table **out, vx_error *err)
{
	const vx_result *r = vxr_env_ctx(env)->result;
	size_t *sel, n;
	vxr_table *t;
	vx_status st = table_picked(pick_log, r->t - 1, rows_wanted(o, 12), 6, &sel, &n, &t, err);
	if (st != VX_OK)
		return st;
	static const char *const head[6] = {
		"$t-k$", "$k$", "$\\|\\partial s_t/\\partial s_k\\|_2$", "$\\prod_j \\|J_j\\|_2$",
		"$(\\gamma\\lambda)^{t-k}$", "path $k$ in $\\|\\partial L_t/\\partial W\\|_F$"
	};
	table_head(t, head, 0, 6);
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

vx_status vxr_table_steps(vxr_env *env, const vxr_obj *o, vxr_table **out, vx_error *err)
{
	const vxr_ctx *c = vxr_env_ctx(env);
	const vx_result *r = c->result;
	size_t *sel, n;
	vxr_table *t;
	vx_status st = table_picked(pick_even, r->t, rows_wanted(o, 10), 5, &sel, &n, &t, err);
	if (st != VX_OK)
		return st;
	static const char *const head[5] = {
		"$j$", "$\\max_i \\sigma'(a_{j,i})$", "$\\min_i \\sigma'(a_{j,i})$", "$\\|J_j\\|_2$",
		"$\\|J_j\\|_2/(\\gamma\\lambda)$"
	};
	double gl = r->gamma * r->lambda;
	table_head(t, head, 0, 5);
	for (size_t i = 0; i < n; i++) {
		size_t j = sel[i];
		/* by magnitudes: a saturated unit's σ′ and a step's norm may lie
		 * below the doubles */
		vx_mag mx = { 0 }, mn = { 0 };
		for (size_t u = 0; u < r->d; u++) {
			vx_mag g = vx_dact_mag(c->model->act, gsl_matrix_get(r->a, j - 1, u));
			if (u == 0 || g.log10 > mx.log10)
				mx = g;
			if (u == 0 || g.log10 < mn.log10)
				mn = g;
		}
		vx_mag jn = r->step_mag[j - 1];
		vxr_cell *row = &t->cells[i * 5];
		row[0] = cint((long long)j);
		row[1] = cmag(mx);
		row[2] = cmag(mn);
		row[3] = cmag(jn);
		row[4] = gl > 0 ? (jn.fits ? cnum(jn.value / gl) : cmag(vx_mag_from_log10(jn.log10 - log10(gl))))
		                : ctext("");
	}
	if (n < r->t)
		snprintf(t->note, sizeof t->note, "%zu of the steps $j = 1, \\ldots, %zu$, evenly spaced.", n,
		         (size_t)r->t);
	free(sel);
	*out = t;
	return VX_OK;
}

vx_status vxr_table_inits(vxr_env *env, const vxr_obj *o, vxr_table **out, vx_error *err)
{
	(void)o;
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
	table_head(t, head, 1, 4);
	/* beside a gated cell the reader chose, "this network" would read as
	 * that one */
	static const char *const label[3] = { "this network", "orthogonal, $\\|W\\|_2 = 1$",
	                                      "identity, $W = I$" };
	int gated = vxr_env_ctx(env)->cell != VX_CELL_RNN;
	for (int i = 0; i < 3; i++) {
		const vx_result *r = alt[i];
		vxr_cell *row = &t->cells[i * 4];
		row[0] = ctext(i == 0 && gated ? "vanilla, this $W$" : label[i]);
		row[1] = cnum(r->gamma * r->lambda);
		row[2] = cmag(r->paths[0].norm);
		row[3] = cnum(vx_result_lyap(r));
	}
	snprintf(t->note, sizeof t->note,
	         "Same inputs, activation and loss step; only $W$ changes. $\\mu$ is the top Lyapunov exponent.");
	*out = t;
	return VX_OK;
}

/* ---- the three regimes side by side ---- */

void vxr_regimes_of(vxr_env *env, const vx_result *net[3], vx_error why[3])
{
	for (int i = 0; i < 3; i++) {
		vx_error e = { 0 };
		net[i] = vxr_env_regime(env, (vx_regime)(i - 1), &e);
		if (why)
			why[i] = e;
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

vx_status vxr_table_regimes(vxr_env *env, const vxr_obj *o, vxr_table **out, vx_error *err)
{
	(void)o;
	const vxr_ctx *c = vxr_env_ctx(env);
	const vx_result *net[3];
	vx_error why[3];
	vxr_regimes_of(env, net, why);
	vxr_table *t = table_alloc(6, 3);
	if (!t || !(t->own = malloc(3 * 64))) {
		vxr_table_free(t);
		return vx_fail(err, VX_ENOMEM, "out of memory");
	}
	/* check's words for the columns, short enough for 78 ASCII columns;
	 * the note says what they hold */
	static const char *const head[6] = { "", "$\\gamma\\lambda$", "bound", "actual", "per step", "verdict" };
	table_head(t, head, 1, 5);
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
		row[4] = r && isfinite(r->rate) ? cmag(vx_mag_from_log10(r->rate)) : ctext("");
		row[5] = ctext(r ? vx_trend_name(vx_result_trend(r)) : "not computed");
		if (!r && !failed) {
			failed = why[i].msg;
			failed_gl = gl;
		}
	}
	snprintf(t->note, sizeof t->note, "Bound $(\\gamma\\lambda)^{t-1}$ and actual $\\|\\partial s_t/\\partial s_1\\|_2$; "
	         "per step: the actual's fitted factor per unit of $t-k$.");
	if (failed && own == 0) {
		/* every other row failed for it, in the engine's words about one */
		size_t l = strlen(t->note);
		snprintf(t->note + l, sizeof t->note - l, " The other rows are not computed: $W = 0$ has no scale to change.");
	} else if (failed) {
		note_failure(t->note, sizeof t->note, failed_gl, failed);
	}
	*out = t;
	return VX_OK;
}

/* The norms of the three networks at log-spaced gaps, each beside its
 * bound: the regimes plot as a table. */
vx_status vxr_table_regimes_gaps(vxr_env *env, const vxr_obj *o, vxr_table **out, vx_error *err)
{
	(void)o;
	const vxr_ctx *c = vxr_env_ctx(env);
	const vx_result *net[3];
	vxr_regimes_of(env, net, NULL);
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
vx_status vxr_table_record(vxr_env *env, const vxr_obj *o, vxr_table **out, vx_error *err)
{
	(void)o;
	const vxr_ctx *c = vxr_env_ctx(env);
	vxr_table *t = table_alloc(2, 16);
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
	ROW("input scale", p->inputs_file[0] || (p->undrawn & VX_UNDRAWN_INPUTS) ? ctext("none: a file's inputs")
	                                                                           : cnum(p->input_scale));
	ROW("seed", !p->unseeded     ? cint((long long)p->seed)
	            : p->weights[0] ? ctext("none: nothing drawn")
	                            : ctext("none: the model file holds every draw"));
	ROW("shown step $j$", cint((long long)c->j));
	ROW("shown path $k$", cint((long long)c->k));
	/* the gated networks beside this one, where they are not the defaults
	 * (--cell, --forget-bias reproduce them) */
	if (vxr_record_gated(c)) {
		ROW("cell followed", ctext(vx_cell_name(c->cell)));
		ROW("forget bias $b$", cnum(c->forget_bias));
	}
	ROW("vanex version", ctext(VX_VERSION));
	ROW("date", ctext(c->date ? c->date : ""));
#undef ROW
	t->nrows = i;
	*out = t;
	return VX_OK;
}

/* σ'(a_j) unit by unit: the plot of σ' as a table. */
vx_status vxr_table_units(vxr_env *env, const vxr_obj *o, vxr_table **out, vx_error *err)
{
	const vxr_ctx *c = vxr_env_ctx(env);
	size_t j = o->j;
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
		t->cells[i * 3 + 2] = cmag(vx_dact_mag(c->model->act, a));
	}
	snprintf(t->note, sizeof t->note, "Step $j = %zu$; $\\gamma = \\max \\sigma' = %g$%s.", j, r->gamma,
	         n < r->d ? "; the first 12 units" : "");
	*out = t;
	return VX_OK;
}

/* The eigenvalues of W, largest modulus first: the plot of the complex
 * plane as a table (the first 12). */
vx_status vxr_table_eigen(vxr_env *env, const vxr_obj *o, vxr_table **out, vx_error *err)
{
	(void)o;
	const vx_eigen *eg = vxr_env_eigen(env, err);
	if (!eg)
		return VX_ENUMERIC;
	size_t n = eg->d < 12 ? eg->d : 12;
	vxr_table *t = table_alloc(4, n);
	if (!t)
		return vx_fail(err, VX_ENOMEM, "out of memory");
	static const char *const head[4] = { "$i$", "$\\operatorname{Re} \\nu_i$", "$\\operatorname{Im} \\nu_i$",
	                                     "$|\\nu_i|$" };
	table_head(t, head, 0, 4);
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

vx_mag vxr_mag_pow(double base, size_t n)
{
	if (n == 0)
		return vx_mag_from_log10(0);
	return vx_mag_from_log10(base > 0 ? (double)n * log10(base) : -INFINITY);
}

/* ‖Wⁿ‖₂ between ρ(W)ⁿ and ‖W‖₂ⁿ, beside the network's own ‖∂s_t/∂s_{t−n}‖₂:
 * the plot of the powers as a table, n on a logarithmic scale. */
vx_status vxr_table_powers(vxr_env *env, const vxr_obj *o, vxr_table **out, vx_error *err)
{
	(void)o;
	const vxr_ctx *c = vxr_env_ctx(env);
	const vx_result *r = c->result;
	const vx_eigen *eg = vxr_env_eigen(env, err);
	const vx_mag *pw = eg ? vxr_env_powers(env, err) : NULL;
	if (!pw)
		return VX_ENUMERIC;
	size_t N = vxr_env_powers_n(env), *sel, n;
	vxr_table *t;
	vx_status st = table_picked(pick_log, N, 12, 5, &sel, &n, &t, err);
	if (st != VX_OK)
		return st;
	static const char *const head[5] = { "$n$", "$\\rho(W)^n$", "$\\|W^n\\|_2$", "$\\|W\\|_2^n$",
	                                     "$\\|\\partial s_t/\\partial s_{t-n}\\|_2$" };
	table_head(t, head, 0, 5);
	for (size_t i = 0; i < n; i++) {
		size_t p = sel[i];
		vxr_cell *row = &t->cells[i * 5];
		row[0] = cint((long long)p);
		row[1] = cmag(vxr_mag_pow(eg->rho, p));
		row[2] = cmag(pw[p]);
		row[3] = cmag(vxr_mag_pow(r->lambda, p));
		row[4] = cmag(r->paths[r->t - 1 - p].norm);
	}
	if (n < N + 1)
		snprintf(t->note, sizeof t->note, "%zu of the powers $n = 0, \\ldots, %zu$, chosen on a logarithmic scale.",
		         n, N);
	free(sel);
	*out = t;
	return VX_OK;
}
