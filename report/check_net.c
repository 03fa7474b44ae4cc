/*
 * check_net.c — the text of `vanex check` for a network of gated cells or
 * stacked layers (check.h, vxr_net_check_text): the model, the paths of the
 * whole state, each layer's blocks, weights and gates, the horizon, the
 * verdict and the finite-difference check.
 */
#include "report/check.h"
#include "report/check_internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/text/fmt.h"
#include "report/text/utf8.h"

#define SIG VXR_CK_SIG

/* How the network came about: generated (weights, biases, inputs) or read. */
static void describe_net(FILE *out, const vxr_net_check *c, int utf8, vxf_style st)
{
	const vx_params *p = c->params;
	const vx_net *net = c->net;
	char num[64];
	const char *nrm = utf8 ? "\u2016\u00b7\u2016\u2082" : "||.||_2";
	const char *start = net->cell == VX_CELL_LSTM ? "h_0 = c_0 = 0" : "h_0 = 0";
	vxf_num(num, sizeof num, p->norm, 6, st);
	if (p->model[0]) {
		vxr_ck_model_file_line(out, p->model, utf8);
		if (p->set & VX_SET_NORM)
			fprintf(out, "weight_hh: each gate block rescaled to %s = %s\n", nrm, num);
		return;
	}
	if (c->src && c->src->weights[0]) {
		vxr_ck_weights_lines(out, c->src, p, net->cell, utf8, st);
		vxr_ck_source_inputs(out, c->src, p, net->T, net->n, start, utf8, st);
		return;
	}
	const char *how = p->init == VX_INIT_ORTHOGONAL ? "orthogonal (Q of a QR)"
	                  : p->init == VX_INIT_IDENTITY ? "identity"
	                                                 : "gaussian N(0,1) entries";
	/* the scale on a line of its own where the two pass 80 columns (a
	 * gaussian block at 1.23456×10⁻³⁰⁰ took 87) */
	char what[96], scale[96];
	snprintf(what, sizeof what, "weight_hh: each d%sd gate block %s,", utf8 ? "\u00d7" : "x", how);
	snprintf(scale, sizeof scale, "scaled to %s = %s", nrm, num);
	fprintf(out, "%s%s%s\n", what, vxr_u8_width(what) + 1 + vxr_u8_width(scale) <= 80 ? " " : "\n  ", scale);
	const char *kg = vxr_ck_keep_gate(net->cell);
	if (kg && c->spec->forget_bias != 0)
		fprintf(out, "weight_ih: N(0, 1/n_l) entries; biases 0 but bias_ih of %s = %s\n", kg,
		        vxf_num(num, sizeof num, c->spec->forget_bias, 6, st));
	else
		fprintf(out, "weight_ih: N(0, 1/n_l) entries; biases 0\n");
	if (c->src)
		vxr_ck_source_inputs(out, c->src, p, net->T, net->n, start, utf8, st);
	else
		vxr_ck_inputs_line(out, p, start, utf8, st);
}

/* The per-layer statistics: the weights' spectra, saturation, the gate
 * that keeps the state, the gradient of weight_hh. */
static void layer_stats(FILE *out, const vxr_net_check *c, size_t l, int utf8, vxf_style st)
{
	const vx_net *net = c->net;
	const vx_net_result *r = c->result;
	const vx_net_layer_stats *s = &r->stats[l];
	const char *nrm2 = utf8 ? "\u2082" : "_2";
	char a[64], b[64], e[64];
	fprintf(out, "layer %zu: %sweight_hh%s%s = %s, %sweight_ih%s%s = %s\n", l, utf8 ? "\u2016" : "||",
	        utf8 ? "\u2016" : "||", nrm2, vxf_num(a, sizeof a, s->sigma_hh, SIG, st), utf8 ? "\u2016" : "||",
	        utf8 ? "\u2016" : "||", nrm2, vxf_num(b, sizeof b, s->sigma_ih, SIG, st));
	fprintf(out, "  gradient %s = %s\n",
	        utf8 ? "\u2016\u2202L_t/\u2202weight_hh\u2016_F" : "||dL_t/dweight_hh||_F",
	        vxf_mag(a, sizeof a, r->grad_hh_norm[l], SIG, st));
	const char *kg = vxr_ck_keep_gate(net->cell);
	if (kg)
		fprintf(out, "  %s gate %s: mean %s, sd %s over units and steps\n",
		        net->cell == VX_CELL_LSTM ? "forget" : "update", kg, vxf_num(a, sizeof a, s->keep_mean, SIG, st),
		        vxf_num(b, sizeof b, s->keep_sd, SIG, st));
	if (net->cell == VX_CELL_LSTM)
		fprintf(out, "  tanh(c) saturated (tanh%s < 0.1): %s of units and steps\n", utf8 ? "\u2032" : "'",
		        vxr_ck_percent(a, sizeof a, s->cell_sat, st));
	vxr_ck_rpad(out, "gate", 8);
	vxr_ck_rpad(out, utf8 ? "\u2016hh\u2016\u2082" : "||hh||_2", 12);
	vxr_ck_rpad(out, utf8 ? "\u03c1(hh)" : "rho(hh)", 12);
	vxr_ck_rpad(out, utf8 ? "\u2016ih\u2016\u2082" : "||ih||_2", 12);
	vxr_ck_rpad(out, "saturated low", 16);
	vxr_ck_rpad(out, "high", 10);
	fputc('\n', out);
	for (size_t g = 0; g < net->G; g++) {
		vxr_ck_rpad(out, vx_cell_gate_name(net->cell, g), 8);
		vxr_ck_rpad(out, vxr_ck_num_fit(a, sizeof a, s->gate_sigma_hh[g], 12, st), 12);
		vxr_ck_rpad(out, vxr_ck_num_fit(b, sizeof b, s->gate_radius[g], 12, st), 12);
		vxr_ck_rpad(out, vxr_ck_num_fit(e, sizeof e, s->gate_sigma_ih[g], 12, st), 12);
		vxr_ck_rpad(out, vxr_ck_percent(a, sizeof a, s->gate_low[g], st), 16);
		vxr_ck_rpad(out, vxr_ck_percent(b, sizeof b, s->gate_high[g], st), 10);
		fputc('\n', out);
	}
}

/* 1 when a norm, path term or gradient norm of r is exactly 0 */
static int some_zero(const vx_net *net, const vx_net_result *r)
{
	int z = r->grad_norm.log10 == -INFINITY || r->grad_sum_norm.log10 == -INFINITY;
	for (size_t j = 0; j < r->T; j++)
		z |= r->step_norm[j].log10 == -INFINITY;
	for (size_t k = 0; k < r->t; k++)
		z |= r->paths[k].norm.log10 == -INFINITY;
	for (size_t l = 0; l < net->L; l++)
		z |= r->grad_hh_norm[l].log10 == -INFINITY;
	for (size_t i = 0; i < r->t * net->L; i++)
		z |= r->h_norm[i].log10 == -INFINITY || r->contribution[i].log10 == -INFINITY ||
		     (r->c_norm && r->c_norm[i].log10 == -INFINITY);
	return z;
}

vx_status vxr_net_check_text(FILE *out, const vxr_net_check *c, int utf8, vx_error *err)
{
	if (!out || !c || !c->params || !c->spec || !c->net || !c->result)
		return vx_fail(err, VX_EINTERNAL, "vxr_net_check_text: bad arguments");
	vx_status ready = vxr_ck_fd_ready(c->fd_wait, c->fd_ctx, err);
	if (ready != VX_OK)
		return ready;
	const vx_net *net = c->net;
	const vx_net_result *r = c->result;
	const vx_params *p = c->params;
	vxf_style st = utf8 ? VXF_UNICODE : VXF_ASCII;
	const char *minus = utf8 ? "\u2212" : "-";
	int lstm = net->cell == VX_CELL_LSTM;
	char a[64], b[64];

	char seed[4 * 80 + 24], start[128];
	/* nothing is drawn when the weights and the inputs are files', or the
	 * whole model is one that records no seed */
	if (c->src && c->src->weights[0] && c->src->inputs[0]) {
		/* the longer words while the line keeps to 80 columns (an rnn's
		 * head names its activation) */
		static const char longer[] = "weights and inputs from files";
		size_t cols = (size_t)vxr_ck_net_head_start(start, sizeof start, net) + strlen(longer);
		snprintf(seed, sizeof seed, "%s", cols <= 80 ? longer : "all from files");
	} else
		vxr_ck_origin(seed, sizeof seed, p, vxr_ck_net_head_start(start, sizeof start, net), utf8);
	vxr_ck_net_head(out, net, r->t, seed);
	describe_net(out, c, utf8, st);
	fprintf(out, "loss L_t = %s%sh_t %s y%s%s = %s (h_t of the top layer)\n", utf8 ? "\u00bd" : "0.5",
	        utf8 ? "\u2016" : "||", minus, utf8 ? "\u2016" : "||", utf8 ? "\u00b2" : "^2",
	        vxf_mag(a, sizeof a, r->loss, SIG, st));
	fprintf(out, "gradient %s = %s (%s)\n",
	        utf8 ? "\u2016\u2202L_t/\u2202\u03b8\u2016_F" : "||dL_t/dtheta||_F",
	        vxf_mag(b, sizeof b, r->grad_norm, SIG, st),
	        net->no_bias ? "every weight; the network has no biases" : "every weight and bias");
	/* the loss training sums, L = Σ_t L_t, and its gradient */
	fprintf(out, "summed loss L = %s L_t = %s    gradient %s = %s\n", utf8 ? "\u03a3" : "sum",
	        vxf_mag(a, sizeof a, r->loss_sum, SIG, st),
	        utf8 ? "\u2016\u2202L/\u2202\u03b8\u2016_F" : "||dL/dtheta||_F",
	        vxf_mag(b, sizeof b, r->grad_sum_norm, SIG, st));
	fputc('\n', out);

	size_t nrows;
	size_t *gaps = vxr_ck_gaps(r->t, &nrows);
	if (!gaps)
		return vx_fail(err, VX_ENOMEM, "out of memory");

	/* the whole state */
	static const char *const cols[] = { "actual", "step product", "bound" };
	vxr_ck_gap_head(out, utf8, cols, 3);
	for (size_t i = 0; i < nrows; i++) {
		const vx_net_path *ph = &r->paths[r->t - gaps[i] - 1];
		vx_mag m[3] = { ph->norm, ph->step_product, ph->bound };
		vxr_ck_gap_row(out, ph->gap, ph->k, m, 3, st);
	}
	vxr_ck_rows_note(out, nrows, r->t, utf8);
	if (utf8) {
		fprintf(out, "actual       = \u2016\u2202S_t/\u2202S_k\u2016\u2082, S the whole state (%s of every "
		             "layer)\n", lstm ? "h and c" : "h");
		fprintf(out, "step product = \u03a0_{j=k+1..t} \u2016J_j\u2016\u2082,  J_j = \u2202S_j/\u2202S_{j\u22121}\n");
		if (net->cell == VX_CELL_RNN)
			fprintf(out, "bound        = \u03a0_{j=k+1..t} b_j, b_j \u2265 \u2016J_j\u2016\u2082 from "
			             "\u03b3 = max \u03c3\u2032 and each weight's\n"
			             "               \u03c3_max, through the layers below within step j\n");
		else
			fprintf(out, "bound        = \u03a0_{j=k+1..t} b_j, b_j \u2265 \u2016J_j\u2016\u2082 from the "
			             "gates' ranges (\u03c3\u2032 \u2264 \u00bc,\n"
			             "               tanh\u2032 \u2264 1, gates in (0, 1)), the weights' \u03c3_max and "
			             "the state\n");
	} else {
		fprintf(out, "actual       = ||dS_t/dS_k||_2, S the whole state (%s of every layer)\n",
		        lstm ? "h and c" : "h");
		fprintf(out, "step product = prod_{j=k+1..t} ||J_j||_2,  J_j = dS_j/dS_{j-1}\n");
		if (net->cell == VX_CELL_RNN)
			fprintf(out, "bound        = prod_{j=k+1..t} b_j, b_j >= ||J_j||_2 from gamma = max sigma' and\n"
			             "               each weight's sigma_max, through the layers below within step j\n");
		else
			fprintf(out, "bound        = prod_{j=k+1..t} b_j, b_j >= ||J_j||_2 from the gates' ranges\n"
			             "               (sigma' <= 1/4, tanh' <= 1, gates in (0, 1)), the weights'\n"
			             "               sigma_max and the state\n");
	}

	/* each layer's blocks and path terms */
	for (size_t l = 0; l < net->L; l++) {
		fputc('\n', out);
		fprintf(out, "layer %zu%s: the diagonal blocks of %s, path terms of weight_hh\n", l,
		        net->L == 1 ? "" : l == 0 ? " (bottom)" : l + 1 == net->L ? " (top)" : "",
		        utf8 ? "\u2202S_t/\u2202S_k" : "dS_t/dS_k");
		const char *bc[3] = { utf8 ? "\u2016\u2202h_t/\u2202h_k\u2016\u2082" : "||dh_t/dh_k||_2",
		                      utf8 ? "\u2016\u2202c_t/\u2202c_k\u2016\u2082" : "||dc_t/dc_k||_2", "path term" };
		if (!lstm)
			bc[1] = bc[2];
		vxr_ck_gap_head(out, utf8, bc, lstm ? 3 : 2);
		for (size_t i = 0; i < nrows; i++) {
			size_t k = r->t - gaps[i], at = (k - 1) * net->L + l;
			vx_mag m[3] = { r->h_norm[at], lstm ? r->c_norm[at] : r->contribution[at], r->contribution[at] };
			vxr_ck_gap_row(out, gaps[i], k, m, lstm ? 3 : 2, st);
		}
	}
	free(gaps);
	if (lstm)
		fprintf(out, "%s: the cell path, the constant error carousel\n"
		             "  (%s diag(f_j) and the terms through h)\n",
		        utf8 ? "\u2016\u2202c_t/\u2202c_k\u2016\u2082" : "||dc_t/dc_k||_2", utf8 ? "\u03a0" : "prod");
	fprintf(out, "path term = %s, path k's term of\n  %s, weight_hh of that layer used at step k alone\n",
	        utf8 ? "\u2016(\u2202L_t/\u2202S_t)(\u2202S_t/\u2202S_k)(\u2202\u207aS_k/\u2202weight_hh)\u2016_F"
	             : "||(dL_t/dS_t)(dS_t/dS_k)(d+S_k/dweight_hh)||_F",
	        utf8 ? "\u2202L_t/\u2202weight_hh" : "dL_t/dweight_hh");
	if (some_zero(net, r))
		vxr_ck_underflow_note(out, r->underflow_steps, net->T, "steps", utf8);
	if (r->block_underflow > 0)
		fprintf(out, "underflow: %zu layer block norm%s of %s lie more than 1e-308 below\n"
		             "  the whole matrix, beneath what its product keeps: shown as underflow\n",
		        r->block_underflow, vxr_ck_s(r->block_underflow), utf8 ? "\u2202S_t/\u2202S_k" : "dS_t/dS_k");

	/* the weights and the gates, layer by layer */
	for (size_t l = 0; l < net->L; l++) {
		fputc('\n', out);
		layer_stats(out, c, l, utf8, st);
	}
	fprintf(out, "hh, ih: the gate's block of weight_hh, weight_ih; %s: spectral radius of hh\n"
	             "saturated: derivative below a tenth of its largest, %% of units and steps;\n"
	             "  low on the negative side (a gate shut, tanh near %s1, a ReLU dead),\n"
	             "  high on the positive side\n",
	        utf8 ? "\u03c1" : "rho", minus);
	fputc('\n', out);

	/* the horizon, the rate, the verdict */
	/* VX_HORIZON_LOW and VX_HORIZON_HIGH, as powers of ten */
	const char *nS = utf8 ? "\u2016\u2202S_t/\u2202S_k\u2016" : "|dS_t/dS_k|";
	const char *range = utf8 ? "[10\u207b\u00b3, 10\u00b3]" : "[1e-3, 1e3]";
	if (r->horizon_kind == VX_HORIZON_NONE)
		fprintf(out, "horizon: %s stays within %s up to t%sk = %zu\n", nS, range, minus, r->t - 1);
	else
		fprintf(out, "horizon: %s leaves %s first at t%sk = %zu (%s)\n", nS, range, minus, r->horizon,
		        r->horizon_kind == VX_HORIZON_VANISH ? "vanished" : "exploded");
	vxr_ck_lyap_line(out, r->lyap_max, net->T, st);
	if (r->lyap_bound == -INFINITY)
		fprintf(out, "  against its bound, the mean of ln b_j: -infinity (a b_j is 0)\n");
	else
		fprintf(out, "  against its bound, the mean of ln b_j: %s\n", vxf_num(b, sizeof b, r->lyap_bound, SIG, st));
	char v[160];
	vxr_net_verdict(r, utf8 ? VXR_NOTE_UNICODE : VXR_NOTE_ASCII, v, sizeof v);
	fprintf(out, "verdict: %s\n", v);

	if (c->fd)
		vxr_ck_net_fd_text(out, net, c->fd, utf8, st);
	if (fflush(out) != 0 || ferror(out))
		return vx_fail(err, VX_EIO, "cannot write the output: %s", strerror(errno));
	return VX_OK;
}
