/*
 * check_batch.c — the check of a batch of input sequences (see
 * check_batch.h), in check.c's layout and JSON conventions.
 */
#include "report/check_batch.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "report/check_internal.h"
#include "report/text/fmt.h"
#include "report/text/utf8.h"

#define SIG VXR_CK_SIG
#define COL 11   /* columns of one figure of a spread */

/* How a figure's values read. */
typedef enum {
	AS_MAG,      /* a magnitude summarised by its log10 */
	AS_NUM,      /* a plain number */
	AS_GAP,      /* a gap t − k; +∞: never */
	AS_PERCENT   /* a fraction */
} as_kind;

static char *figure(char *b, size_t n, double v, as_kind k, vxf_style st)
{
	if (isnan(v))
		snprintf(b, n, "-");
	else if (k == AS_MAG)
		vxf_mag(b, n, vx_mag_from_log10(v), SIG, st);
	else if (k == AS_GAP && v == INFINITY)
		snprintf(b, n, "never");
	else if (k == AS_GAP)
		snprintf(b, n, "%.4g", v);
	else if (k == AS_PERCENT)
		vxr_ck_percent(b, n, v, st);
	else if (isinf(v))
		snprintf(b, n, "%sinfinity", v < 0 ? "-" : "");
	else
		vxf_num(b, n, v, SIG, st);
	return b;
}

/* The five figures of s, each right-aligned in COL columns. */
static void spread_cells(FILE *out, const vxr_spread *s, as_kind k, vxf_style st)
{
	const double v[5] = { s->min, s->q1, s->median, s->q3, s->max };
	char b[64];
	for (int i = 0; i < 5; i++) {
		/* 10^-175 and past: fewer digits, so that a space stays between
		 * the figures */
		if (k == AS_MAG && s->n && !isnan(v[i]))
			vxr_ck_mag_fit(b, sizeof b, vx_mag_from_log10(v[i]), COL + 1, st);
		else
			figure(b, sizeof b, s->n ? v[i] : NAN, k, st);
		vxr_ck_rpad(out, b, COL + 1);
	}
	fputc('\n', out);
}

/* One labelled row of the summary table: the label in 17 columns. */
static void spread_row(FILE *out, const char *label, const vxr_spread *s, as_kind k, vxf_style st)
{
	fputs(label, out);
	for (int i = vxr_u8_width(label); i < 17; i++)
		fputc(' ', out);
	spread_cells(out, s, k, st);
}

static void spread_head(FILE *out, const char *left)
{
	static const char *const cols[5] = { "min", "q1", "median", "q3", "max" };
	fputs(left, out);
	for (int i = 0; i < 5; i++)
		vxr_ck_rpad(out, cols[i], COL + 1);
	fputc('\n', out);
}

/* "median 12.5% (0% to 40%)": a fraction's median and range. */
static char *median_range(char *b, size_t n, const vxr_spread *s, as_kind k, vxf_style st)
{
	char m[64], lo[64], hi[64];
	if (s->n == 0) {
		snprintf(b, n, "-");
		return b;
	}
	snprintf(b, n, "%s (%s to %s)", figure(m, sizeof m, s->median, k, st), figure(lo, sizeof lo, s->min, k, st),
	         figure(hi, sizeof hi, s->max, k, st));
	return b;
}

/* Per layer: the gate that keeps the state and the saturated fractions. */
static void layer_lines(FILE *out, const vxr_net_batch_check *c, size_t l, int utf8, vxf_style st)
{
	const vx_net *net = c->net;
	const vxr_batch_layer *y = &c->batch->layer[l];
	char a[160], b[160];
	fprintf(out, "layer %zu%s: median (smallest to largest) over the sequences\n", l,
	        net->L == 1 ? "" : l == 0 ? " (bottom)" : l + 1 == net->L ? " (top)" : "");
	const char *kg = vxr_ck_keep_gate(net->cell);
	if (kg) {
		fprintf(out, "  %s gate %s mean %s\n", net->cell == VX_CELL_LSTM ? "forget" : "update", kg,
		        median_range(a, sizeof a, &y->keep_mean, AS_NUM, st));
		fprintf(out, "  %s gate %s sd   %s\n", net->cell == VX_CELL_LSTM ? "forget" : "update", kg,
		        median_range(a, sizeof a, &y->keep_sd, AS_NUM, st));
	}
	if (net->cell == VX_CELL_LSTM)
		fprintf(out, "  tanh(c) saturated (tanh%s < 0.1): %s\n", utf8 ? "\u2032" : "'",
		        median_range(a, sizeof a, &y->cell_sat, AS_PERCENT, st));
	vxr_ck_rpad(out, "gate", 8);
	vxr_ck_rpad(out, "saturated low", 30);
	vxr_ck_rpad(out, "high", 30);
	fputc('\n', out);
	for (size_t g = 0; g < net->G; g++) {
		vxr_ck_rpad(out, vx_cell_gate_name(net->cell, g), 8);
		vxr_ck_rpad(out, median_range(a, sizeof a, &y->gate_low[g], AS_PERCENT, st), 30);
		vxr_ck_rpad(out, median_range(b, sizeof b, &y->gate_high[g], AS_PERCENT, st), 30);
		fputc('\n', out);
	}
}

vx_status vxr_net_batch_text(FILE *out, const vxr_net_batch_check *c, int utf8, vx_error *err)
{
	if (!out || !c || !c->params || !c->spec || !c->net || !c->results || !c->batch || !c->src)
		return vx_fail(err, VX_EINTERNAL, "vxr_net_batch_text: bad arguments");
	const vx_net *net = c->net;
	const vxr_batch *bt = c->batch;
	const vx_params *p = c->params;
	vxf_style st = utf8 ? VXF_UNICODE : VXF_ASCII;
	int lstm = net->cell == VX_CELL_LSTM;
	char line[160];

	snprintf(line, sizeof line, "a batch of %zu sequences", bt->B);
	vxr_ck_net_head(out, net, bt->t, line);
	const char *start = lstm ? "h_0 = c_0 = 0" : "h_0 = 0";
	if (c->src->weights[0]) {
		vxr_ck_weights_lines(out, c->src, p, net->cell, utf8, st);
	} else if (p->weights[0]) {
		/* one square W from a file (--weights W.npy): weight_ih drawn */
		char num[64], path[4 * 38 + 8];
		vxr_ck_elide(path, sizeof path, p->weights, 38, utf8);
		if (p->set & VX_SET_NORM)
			fprintf(out, "weights: weight_hh from %s, rescaled to %s = %s\n", path,
			        utf8 ? "\u2016weight_hh\u2016\u2082" : "||weight_hh||_2", vxf_num(num, sizeof num, p->norm, 6, st));
		else
			fprintf(out, "weights: weight_hh from %s, as given\n", path);
		fprintf(out, "  weight_ih (U) drawn from the seed %lu, biases 0\n", p->seed);
	} else {
		char num[64];
		fprintf(out, "weights: generated from the seed %lu (%s, %s = %s)\n", p->seed, vx_init_name(p->init),
		        utf8 ? "\u2016weight_hh\u2016\u2082" : "||weight_hh||_2", vxf_num(num, sizeof num, p->norm, 6, st));
	}
	vxr_ck_source_inputs(out, c->src, p, net->T, net->n, start, utf8, st);
	fprintf(out, "each figure is measured for every sequence; shown: the smallest, the\n"
	             "quartiles q1 and q3, the median and the largest over the %zu sequences\n\n", bt->B);

	spread_head(out, "                 ");
	spread_row(out, "loss L_t", &bt->loss, AS_MAG, st);
	spread_row(out, utf8 ? "\u2016\u2202L_t/\u2202\u03b8\u2016_F" : "||dL_t/dtheta||_F", &bt->grad_norm, AS_MAG, st);
	spread_row(out, utf8 ? "summed L = \u03a3 L_t" : "summed L", &bt->loss_sum, AS_MAG, st);
	spread_row(out, utf8 ? "\u2016\u2202L/\u2202\u03b8\u2016_F" : "||dL/dtheta||_F", &bt->grad_sum_norm, AS_MAG, st);
	spread_row(out, "rate (log10/step)", &bt->rate, AS_NUM, st);
	spread_row(out, "Lyapunov (est.)", &bt->lyap_max, AS_NUM, st);
	spread_row(out, utf8 ? "horizon (t\u2212k)" : "horizon (t-k)", &bt->horizon, AS_GAP, st);
	fprintf(out, "rate: log10 of %s per unit of t%sk; Lyapunov: the top exponent per\n"
	             "step; horizon: the gap where %s first leaves %s\n",
	        utf8 ? "\u2016\u2202S_t/\u2202S_k\u2016" : "|dS_t/dS_k|", utf8 ? "\u2212" : "-",
	        utf8 ? "\u2016\u2202S_t/\u2202S_k\u2016" : "|dS_t/dS_k|",
	        utf8 ? "[10\u207b\u00b3, 10\u00b3]" : "[1e-3, 1e3]");
	vxr_ck_underflow_note(out, bt->underflow, bt->B, "sequences", utf8);
	fputc('\n', out);

	size_t nrows;
	size_t *gaps = vxr_ck_gaps(bt->t, &nrows);
	if (!gaps)
		return vx_fail(err, VX_ENOMEM, "out of memory");
	vxr_ck_rpad(out, utf8 ? "t\u2212k" : "t-k", 8);
	vxr_ck_rpad(out, "k", 9);
	spread_head(out, "");
	for (size_t i = 0; i < nrows; i++) {
		char g[32], k[32];
		size_t kk = bt->t - gaps[i];
		snprintf(g, sizeof g, "%zu", gaps[i]);
		snprintf(k, sizeof k, "%zu", kk);
		vxr_ck_rpad(out, g, 8);
		vxr_ck_rpad(out, k, 9);
		spread_cells(out, &bt->norm[kk - 1], AS_MAG, st);
	}
	free(gaps);
	vxr_ck_rows_note(out, nrows, bt->t, utf8);
	fprintf(out, "%s, S the whole state (%s of every layer)\n",
	        utf8 ? "\u2016\u2202S_t/\u2202S_k\u2016\u2082" : "||dS_t/dS_k||_2", lstm ? "h and c" : "h");
	for (size_t l = 0; l < net->L; l++) {
		fputc('\n', out);
		layer_lines(out, c, l, utf8, st);
	}
	fputc('\n', out);

	const size_t *n = bt->trend_count;
	fprintf(out, "verdict: %s: %zu of %zu sequences vanish, %zu explode, %zu neither\n",
	        vxr_trend_name(bt->verdict), n[VXR_VANISHING], bt->B, n[VXR_EXPLODING], n[VXR_NEITHER]);
	fprintf(out, "  (a batch explodes when one sequence does, vanishes when every one does:\n"
	             "  its gradient is the sum of theirs)\n");
	if (c->fd) {
		vxr_ck_net_fd_text(out, net, c->fd, utf8, st);
		fprintf(out, "  (on sequence 1 of the batch)\n");
	}
	if (fflush(out) != 0 || ferror(out))
		return vx_fail(err, VX_EIO, "cannot write the output: %s", strerror(errno));
	return VX_OK;
}

/* name: {n, min, q1, median, q3, max}. */
static void jw_spread(vxr_jw *w, const char *name, const vxr_spread *s)
{
	static const vxr_jw_field field[] = {
		VXR_JW_SIZE(vxr_spread, n), VXR_JW_REAL(vxr_spread, min), VXR_JW_REAL(vxr_spread, q1),
		VXR_JW_REAL(vxr_spread, median), VXR_JW_REAL(vxr_spread, q3), VXR_JW_REAL(vxr_spread, max)
	};
	vxr_jw_object(w, name, s, field, sizeof field / sizeof *field);
}

/* The spread of each figure of a batch's layers (ctx: the vxr_batch);
 * nothing besides them. */
static void batch_layer_fig(vxr_jw *w, const void *ctx, const char *name, vxr_jw_fig f, size_t l, size_t g)
{
	const vxr_batch_layer *y = &((const vxr_batch *)ctx)->layer[l];
	if (f == VXR_JW_LAYER || f == VXR_JW_GATE)
		return;
	jw_spread(w, name, f == VXR_JW_LOW ? &y->gate_low[g] : f == VXR_JW_HIGH ? &y->gate_high[g]
	                   : f == VXR_JW_CELL ? &y->cell_sat : f == VXR_JW_KEEP_MEAN ? &y->keep_mean : &y->keep_sd);
}

static void jw_batch(vxr_jw *w, const vx_net *net, const vxr_batch *bt)
{
	/* the counts in the words of the verdicts and of the horizon */
	static const vxr_jw_field count[] = {
		{ "vanishing", offsetof(vxr_batch, trend_count[VXR_VANISHING]), 1 },
		{ "exploding", offsetof(vxr_batch, trend_count[VXR_EXPLODING]), 1 },
		{ "neither", offsetof(vxr_batch, trend_count[VXR_NEITHER]), 1 },
	};
	static const vxr_jw_field horizon_count[] = {
		{ "none", offsetof(vxr_batch, horizon_count[VX_HORIZON_NONE]), 1 },
		{ "vanish", offsetof(vxr_batch, horizon_count[VX_HORIZON_VANISH]), 1 },
		{ "explode", offsetof(vxr_batch, horizon_count[VX_HORIZON_EXPLODE]), 1 },
	};
	vxr_jw_key(w, "batch");
	vxr_jw_open(w, "{");
	vxr_jw_member_size(w, "sequences", bt->B);
	vxr_jw_member_str(w, "verdict", vxr_trend_name(bt->verdict));
	vxr_jw_member_str(w, "rule", "exploding when one sequence explodes, vanishing when every one vanishes");
	vxr_jw_object(w, "counts", bt, count, 3);
	vxr_jw_object(w, "horizon_counts", bt, horizon_count, 3);
	jw_spread(w, "log10_loss", &bt->loss);
	jw_spread(w, "log10_grad_norm", &bt->grad_norm);
	jw_spread(w, "log10_loss_sum", &bt->loss_sum);
	jw_spread(w, "log10_grad_sum_norm", &bt->grad_sum_norm);
	jw_spread(w, "rate", &bt->rate);
	jw_spread(w, "lyapunov_max", &bt->lyap_max);
	jw_spread(w, "horizon", &bt->horizon);
	if (bt->underflow > 0)
		vxr_jw_member_size(w, "underflow_sequences", bt->underflow);
	vxr_jw_key(w, "paths");
	vxr_jw_open(w, "[");
	for (size_t k = 1; k <= bt->t && !w->err; k++) {
		vxr_jw_sep(w);
		vxr_jw_open(w, "{");
		vxr_jw_member_size(w, "k", k);
		vxr_jw_member_size(w, "gap", bt->t - k);
		jw_spread(w, "log10_norm", &bt->norm[k - 1]);
		vxr_jw_close(w, "}");
	}
	vxr_jw_close(w, "]");
	vxr_jw_layers(w, net, bt->L, batch_layer_fig, bt);
	vxr_jw_close(w, "}");
}

vx_status vxr_net_batch_json(FILE *out, const vxr_net_batch_check *c, vx_error *err)
{
	if (!out || !c || !c->params || !c->spec || !c->net || !c->results || !c->batch || !c->inputs || !c->src)
		return vx_fail(err, VX_EINTERNAL, "vxr_net_batch_json: bad arguments");
	const vx_net *net = c->net;
	const vx_inputs *in = c->inputs;
	vxr_jw w = { out, 0, 1 };
	/* the head as one sequence's check writes it, without its x */
	vxr_net_check one = { c->params, c->spec, net, c->results[0], c->fd, c->src, NULL, NULL };

	vxr_jw_net_head(&w, &one, 0);
	jw_batch(&w, net, c->batch);
	vxr_jw_key(&w, "sequences");
	vxr_jw_open(&w, "[");
	for (size_t b = 0; b < c->batch->B && !w.err; b++) {
		vxr_jw_sep(&w);
		vxr_jw_open(&w, "{");
		vxr_jw_member_size(&w, "sequence", b + 1);
		vxr_jw_key(&w, "x");
		vxr_jw_open(&w, "[");
		for (size_t j = 0; j < in->T; j++) {
			vxr_jw_sep(&w);
			vxr_jw_vector(&w, in->x + (b * in->T + j) * in->n, in->n, 1);
		}
		vxr_jw_close(&w, "]");
		vxr_jw_net_result(&w, net, c->results[b]);
		vxr_jw_close(&w, "}");
	}
	vxr_jw_close(&w, "]");
	vxr_jw_member_size(&w, "fd_sequence", 1);
	vxr_jw_net_fd(&w, net, c->fd);
	return vxr_jw_finish(&w, err);
}
