/*
 * blocks_gated.c — the live blocks of the step on gates: this vanilla
 * network's ‖∂s_t/∂s_k‖₂ beside the same norms of the LSTM and the GRU
 * that stand beside it (report/doc/env.h, vxr_env_gated: the same d, T,
 * inputs and λ, each gate block of weight_hh playing W's part).
 */
#include "report/doc/blocks.h"

#include <stdio.h>
#include <string.h>

#include "engine/net_analysis.h"
#include "report/doc/env.h"

/* The two gated networks, or the first failure in err. */
static vx_status gated_pair(vxr_env *env, const vx_net_result *g[2], vx_error *err)
{
	vx_status st = vxr_env_gated(env, VX_CELL_LSTM, &g[0], err);
	return st != VX_OK ? st : vxr_env_gated(env, VX_CELL_GRU, &g[1], err);
}

/* "the same inputs, every gate block … scaled to λ = 0.8, forget bias 0":
 * what the table's note and the plot's caption say of the construction. */
static void construction(char *buf, size_t n, const vxr_ctx *c)
{
	char lam[48], b[48];
	vxf_num(lam, sizeof lam, c->result->lambda, 3, VXF_TEX);
	vxf_num(b, sizeof b, c->forget_bias, 3, VXF_TEX);
	snprintf(buf, n, "the same inputs, every gate block of the recurrent weights scaled to $\\lambda = %s$, "
	         "forget bias $%s$", lam, b);
}

vx_status vxr_table_gates(vxr_env *env, const vxr_obj *o, vxr_table **out, vx_error *err)
{
	(void)o;   /* one form: 12 gaps, whatever rows= */
	const vxr_ctx *c = vxr_env_ctx(env);
	const vx_net_result *g[2];
	vx_status st = gated_pair(env, g, err);
	if (st != VX_OK)
		return st;
	size_t t = c->result->t, sel[12];
	size_t n = pick_log(t - 1, 12, sel);
	vxr_table *tb = table_alloc(5, n);
	if (!tb || n == 0) {
		vxr_table_free(tb);
		return vx_fail(err, VX_ENOMEM, "out of memory");
	}
	static const char *const head[5] = {
		"$t-k$", "rnn $\\|\\partial s_t/\\partial s_k\\|_2$", "LSTM $\\|\\partial c_t/\\partial c_k\\|_2$",
		"LSTM $\\|\\partial h_t/\\partial h_k\\|_2$", "GRU $\\|\\partial h_t/\\partial h_k\\|_2$"
	};
	for (int i = 0; i < 5; i++) {
		tb->head[i] = head[i];
		tb->numeric[i] = 1;
	}
	for (size_t r = 0; r < n; r++) {
		size_t k = t - sel[r];   /* gap sel[r]; one layer: the blocks at k − 1 */
		vxr_cell *row = &tb->cells[r * 5];
		row[0] = cint((long long)sel[r]);
		row[1] = cmag(c->result->paths[k - 1].norm);
		row[2] = cmag(g[0]->c_norm[k - 1]);
		row[3] = cmag(g[0]->h_norm[k - 1]);
		row[4] = cmag(g[1]->h_norm[k - 1]);
	}
	char how[200];
	construction(how, sizeof how, c);
	snprintf(tb->note, sizeof tb->note, "%s%s.", n < t ? "Gaps on a logarithmic scale; " : "Gated networks: ", how);
	*out = tb;
	return VX_OK;
}

vx_status vxr_plot_gates(vxr_env *env, const vxr_obj *o, int utf8, vxr_plotdata *pd, vx_error *err)
{
	(void)o;
	const vxr_ctx *c = vxr_env_ctx(env);
	const vx_net_result *g[2];
	vx_status st = gated_pair(env, g, err);
	if (st != VX_OK)
		return st;
	size_t t = c->result->t;
	if (!(pd->buf = malloc(4 * t * sizeof *pd->buf)))
		return vx_fail(err, VX_ENOMEM, "out of memory");
	double *x = pd->buf, *y[3] = { x + t, x + 2 * t, x + 3 * t };
	for (size_t gap = 0; gap < t; gap++) {
		size_t k = t - gap;
		x[gap] = (double)gap;
		y[0][gap] = l10_of(c->result->paths[k - 1].norm);
		y[1][gap] = l10_of(g[0]->c_norm[k - 1]);
		y[2][gap] = l10_of(g[1]->h_norm[k - 1]);
	}
	snprintf(pd->legend[0], sizeof pd->legend[0], "%s", utf8 ? "rnn ‖∂sₜ/∂sₖ‖₂" : "rnn ||ds_t/ds_k||");
	snprintf(pd->legend[1], sizeof pd->legend[1], "%s", utf8 ? "LSTM ‖∂cₜ/∂cₖ‖₂" : "LSTM ||dc_t/dc_k||");
	snprintf(pd->legend[2], sizeof pd->legend[2], "%s", utf8 ? "GRU ‖∂hₜ/∂hₖ‖₂" : "GRU ||dh_t/dh_k||");
	snprintf(pd->legend_tex[0], sizeof pd->legend_tex[0], "rnn $\\|\\partial s_t/\\partial s_k\\|_2$");
	snprintf(pd->legend_tex[1], sizeof pd->legend_tex[1], "LSTM $\\|\\partial c_t/\\partial c_k\\|_2$");
	snprintf(pd->legend_tex[2], sizeof pd->legend_tex[2], "GRU $\\|\\partial h_t/\\partial h_k\\|_2$");
	for (int s = 0; s < 3; s++)
		pd->series[s] = (vxp_series){ .label = pd->legend[s], .x = x, .y = y[s], .n = t,
		                              .label_tex = pd->legend_tex[s],
		                              .underflow = s > 0 && g[s - 1]->underflow_steps > 0 };
	plot_frame(&pd->plot, 3, 1, utf8 ? "t − k" : "t - k", "norm", "$t-k$", "norm");
	/* the caption holds 200 bytes: the construction in short, the table's
	 * note has it in full */
	char lam[28], b[28];   /* 3 digits and an exponent */
	vxf_num(lam, sizeof lam, c->result->lambda, 3, VXF_TEX);
	vxf_num(b, sizeof b, c->forget_bias, 3, VXF_TEX);
	snprintf(pd->caption, sizeof pd->caption,
	         "Three cells against $t-k$ (log scale), $t = %zu$; gate blocks scaled to $\\lambda = %s$, "
	         "forget bias $%s$.", t, lam, b);
	return VX_OK;
}
