/*
 * blocks_plot.c — the plot blocks ({{plot norms|dact|contrib|steps|eigen|
 * powers|regimes}}) as plain data (render.h): series of points, labels in
 * UTF-8 or ASCII and in LaTeX, a caption; plot.h draws them.
 */
#include "report/doc/blocks.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/act.h"
#include "engine/analysis.h"
#include "engine/eigen.h"
#include "engine/model.h"
#include "engine/regime.h"

void vxr_plotdata_free(vxr_plotdata *p)
{
	if (!p)
		return;
	free(p->buf);
	vxr_table_free(p->fallback);
	free(p);
}

/* The n marked points (x[i], y[i]) of a plot, under pd's mark labels. */
static void plot_marks(vxr_plotdata *pd, const double *x, const double *y, size_t n)
{
	vxp_plot *p = &pd->plot;
	p->mark_x = x;
	p->mark_y = y;
	p->nmarks = n;
	p->mark_label = pd->mark_label;
	p->mark_label_tex = pd->mark_label_tex;
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

/* {{plot norms}}: ‖∂s_t/∂s_k‖₂, the product of step norms and the bound
 * (γλ)^(t−k) against t − k; {{plot contrib}}: the size of each path's
 * term in ∂L_t/∂W.  Log scale. */
vx_status vxr_plot_paths(vxr_env *env, const vxr_obj *o, int utf8, vxr_plotdata *pd, vx_error *err)
{
	const vxr_ctx *c = vxr_env_ctx(env);
	const vx_result *r = c->result;
	vxp_plot *p = &pd->plot;
	size_t t = r->t;
	int norms = o->blk == VXR_BLK_PLOT_NORMS;
	size_t ns = norms ? 3 : 1;
	pd->buf = malloc((1 + ns) * t * sizeof *pd->buf);
	if (!pd->buf)
		return vx_fail(err, VX_ENOMEM, "out of memory");
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
	return VX_OK;
}

/* {{plot dact [j=…]}}: σ' over a range of a, its maximum γ, and the
 * network's σ'(a_j) for every unit (dots). */
vx_status vxr_plot_dact(vxr_env *env, const vxr_obj *o, int utf8, vxr_plotdata *pd, vx_error *err)
{
	const vxr_ctx *c = vxr_env_ctx(env);
	const vx_result *r = c->result;
	vxp_plot *p = &pd->plot;
	size_t j = o->j, d = r->d;
	const size_t N = 241;
	double amax = 0;
	for (size_t i = 0; i < d; i++)
		amax = fmax(amax, fabs(gsl_matrix_get(r->a, j - 1, i)));
	double A = fmax(5.0, fmin(40.0, ceil(amax * 1.1)));
	pd->buf = malloc((2 * N + 4 + 2 * d) * sizeof *pd->buf);
	if (!pd->buf)
		return vx_fail(err, VX_ENOMEM, "out of memory");
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
	pd->series[0] = (vxp_series){ pd->legend[0], x, y, N, 0, pd->legend_tex[0], 0, 0, 0 };
	pd->series[1] = (vxp_series){ pd->legend[1], gx, gy, 2, 1, pd->legend_tex[1], 0, 0, 0 };
	plot_frame(p, 2, 0, "a", utf8 ? "σ′(a)" : "sigma'(a)", "$a$", "$\\sigma'(a)$");
	plot_marks(pd, mx, my, d);
	/* the caption is TeX: γ printed in TeX style */
	char gt[48];
	vxf_num(gt, sizeof gt, r->gamma, 3, VXF_TEX);
	snprintf(pd->caption, sizeof pd->caption,
	         "$\\sigma'(a)$ for %s, its maximum $\\gamma = %s$, and this network's $\\sigma'(a_{%zu,i})$ "
	         "for its $d = %zu$ unit%s (dots).", vx_act_name(c->model->act), gt, j, d, d == 1 ? "" : "s");
	return VX_OK;
}

/* {{plot steps}}: ‖J_j‖₂ for every step against its bound γλ. */
vx_status vxr_plot_steps(vxr_env *env, const vxr_obj *o, int utf8, vxr_plotdata *pd, vx_error *err)
{
	(void)o;
	const vxr_ctx *c = vxr_env_ctx(env);
	const vx_result *r = c->result;
	vxp_plot *p = &pd->plot;
	/* Linear: the step norms sit within a factor of a few of γλ, where
	 * a log axis would flatten them onto one line. */
	size_t T = r->T;
	pd->buf = malloc((2 * T + 4) * sizeof *pd->buf);
	if (!pd->buf)
		return vx_fail(err, VX_ENOMEM, "out of memory");
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
	pd->series[0] = (vxp_series){ pd->legend[0], x, y, T, 0, "$\\|J_j\\|_2$", 0, 0, 0 };
	pd->series[1] = (vxp_series){ pd->legend[1], gx, gy, 2, 1, "$\\gamma\\lambda$", 0, 0, 0 };
	plot_frame(p, 2, 0, "j", "norm", "$j$", "norm");
	snprintf(pd->caption, sizeof pd->caption,
	         "The norm of each step's Jacobian, $\\|J_j\\|_2 = \\|\\operatorname{diag}(\\sigma'(a_j))\\,W\\|_2$, "
	         "against its bound $\\gamma\\lambda$, for $j = 1, \\ldots, %zu$.", T);
	return VX_OK;
}

/* {{plot eigen}}: the eigenvalues of W in the complex plane, to scale,
 * inside the circles of radius ρ(W), ‖W‖₂ and 1. */
vx_status vxr_plot_eigen(vxr_env *env, const vxr_obj *o, int utf8, vxr_plotdata *pd, vx_error *err)
{
	(void)o;
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
		pd->series[s] = (vxp_series){ pd->legend[s], x, y, C, s > 0, pd->legend_tex[s], 1, 0, 0 };
	}
	for (size_t i = 0; i < d; i++) {
		mx[i] = eg->re[i];
		my[i] = eg->im[i];
	}
	vxp_plot *p = &pd->plot;
	plot_frame(p, 3, 0, utf8 ? "Re ν" : "Re nu", utf8 ? "Im ν" : "Im nu", "$\\operatorname{Re} \\nu$",
	           "$\\operatorname{Im} \\nu$");
	p->equal_aspect = 1;
	plot_marks(pd, mx, my, d);
	snprintf(pd->caption, sizeof pd->caption,
	         "The eigenvalues $\\nu_i$ of $W$ (dots) in the complex plane, the circles of radius "
	         "$\\rho(W) = %s$ and $\\|W\\|_2 = %s$, and the unit circle.", at, bt);
	return VX_OK;
}

/* {{plot powers}}: ‖Wⁿ‖₂ against n, between ρ(W)ⁿ and ‖W‖₂ⁿ, log scale. */
vx_status vxr_plot_powers(vxr_env *env, const vxr_obj *o, int utf8, vxr_plotdata *pd, vx_error *err)
{
	(void)o;
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
		pd->buf[2 * M + n] = vxr_mag_pow(eg->rho, n).log10;
		pd->buf[3 * M + n] = vxr_mag_pow(r->lambda, n).log10;
	}
	snprintf(pd->legend[0], sizeof pd->legend[0], "%s", utf8 ? "‖Wⁿ‖₂" : "||W^n||_2");
	snprintf(pd->legend[1], sizeof pd->legend[1], "%s", utf8 ? "ρ(W)ⁿ" : "rho(W)^n");
	snprintf(pd->legend[2], sizeof pd->legend[2], "%s", utf8 ? "‖W‖₂ⁿ" : "||W||_2^n");
	static const char *const tex[3] = { "$\\|W^n\\|_2$", "$\\rho(W)^n$", "$\\|W\\|_2^n$" };
	for (size_t s = 0; s < 3; s++)
		pd->series[s] = (vxp_series){ pd->legend[s], x, pd->buf + (s + 1) * M, M, s > 0, tex[s], 0, 0, 0 };
	vxp_plot *p = &pd->plot;
	plot_frame(p, 3, 1, "n", "norm", "$n$", "norm");
	snprintf(pd->caption, sizeof pd->caption,
	         "$\\|W^n\\|_2$ against $n$ (logarithmic scale), always between $\\rho(W)^n$ and "
	         "$\\|W\\|_2^n$, for $n = 0, \\ldots, %zu$.", N);
	return VX_OK;
}

/* {{plot regimes}}: each network's ‖∂s_t/∂s_k‖₂ against t − k in its
 * style, its bound (γλ)^(t−k) dashed in the same colour. */
vx_status vxr_plot_regimes(vxr_env *env, const vxr_obj *o, int utf8, vxr_plotdata *pd, vx_error *err)
{
	(void)o;
	const vxr_ctx *c = vxr_env_ctx(env);
	const vx_result *net[3];
	vxr_regimes_of(env, net, NULL);
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
	return VX_OK;
}
