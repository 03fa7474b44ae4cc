/*
 * batch.c — the figures of a batch of sequences summarised (see batch.h).
 */
#include "report/batch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Ascending, NaNs last (so the first n − NaNs are the values to summarise). */
static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	if (isnan(x) || isnan(y))
		return isnan(x) - isnan(y);
	return (x > y) - (x < y);
}

/* Quantile p of the n >= 1 sorted values, infinities as the formula's limit. */
static double quantile(const double *v, size_t n, double p)
{
	double h = (double)(n - 1) * p;
	size_t i = (size_t)floor(h);
	double f = h - (double)i;
	if (f == 0 || i + 1 >= n || v[i] == v[i + 1])
		return v[i];
	if (isinf(v[i]) && isinf(v[i + 1]))
		return NAN; /* −∞ and +∞: no limit */
	if (v[i] == -INFINITY || v[i + 1] == INFINITY)
		return isinf(v[i]) ? v[i] : v[i + 1];
	return v[i] + f * (v[i + 1] - v[i]);
}

vxr_spread vxr_spread_of(double *v, size_t n)
{
	vxr_spread s = { 0, NAN, NAN, NAN, NAN, NAN };
	qsort(v, n, sizeof *v, by_value);
	while (s.n < n && !isnan(v[s.n]))
		s.n++;
	if (s.n == 0)
		return s;
	s.min = v[0];
	s.q1 = quantile(v, s.n, 0.25);
	s.median = quantile(v, s.n, 0.5);
	s.q3 = quantile(v, s.n, 0.75);
	s.max = v[s.n - 1];
	return s;
}

vxr_trend vxr_batch_trend_of(const vx_net_result *r)
{
	/* check's rule reads the loss step, the norm at the largest gap and the
	 * rate: given those of r, it decides for a network as for a model */
	vx_path far = { 0 };
	vx_result v = { 0 };
	v.t = r->t;
	v.rate = r->rate;
	if (r->t >= 1)
		far.norm = r->paths[0].norm;
	v.paths = &far;
	return vxr_verdict(&v, VXR_NOTE_ASCII, NULL, 0);
}

void vxr_batch_free(vxr_batch *b)
{
	if (!b)
		return;
	free(b->norm);
	free(b->layer);
	free(b);
}

/* The spread of one figure over the batch: get(r[i]) into scratch. */
#define SPREAD(dst, get)                                                     \
	do {                                                                 \
		for (size_t i_ = 0; i_ < B; i_++) {                          \
			const vx_net_result *x_ = r[i_];                     \
			scratch[i_] = (get);                                 \
		}                                                            \
		(dst) = vxr_spread_of(scratch, B);                           \
	} while (0)

vx_status vxr_batch_summarise(const vx_net_result *const *r, size_t B, vxr_batch **out, vx_error *err)
{
	*out = NULL;
	if (!r || B == 0 || B > VXR_BATCH_MAX)
		return vx_fail(err, VX_EUSAGE, "a batch of %zu sequences (accepted: 1 to %u)", B, VXR_BATCH_MAX);
	for (size_t i = 1; i < B; i++)
		if (r[i]->cell != r[0]->cell || r[i]->L != r[0]->L || r[i]->D != r[0]->D || r[i]->t != r[0]->t)
			return vx_fail(err, VX_EUSAGE, "sequence %zu was analysed as another network (%s, L = %zu, D = %zu, "
			               "t = %zu) than sequence 1 (%s, L = %zu, D = %zu, t = %zu)", i + 1,
			               vx_cell_name(r[i]->cell), r[i]->L, r[i]->D, r[i]->t, vx_cell_name(r[0]->cell),
			               r[0]->L, r[0]->D, r[0]->t);
	size_t t = r[0]->t, L = r[0]->L, G = vx_cell_gates(r[0]->cell);
	vxr_batch *b = calloc(1, sizeof *b);
	double *scratch = malloc(B * sizeof *scratch);
	if (!b || !scratch || !(b->norm = malloc(t * sizeof *b->norm)) || !(b->layer = calloc(L, sizeof *b->layer))) {
		free(scratch);
		vxr_batch_free(b);
		return vx_fail(err, VX_ENOMEM, "out of memory for the summary of %zu sequences", B);
	}
	b->B = B;
	b->cell = r[0]->cell;
	b->L = L;
	b->t = t;
	for (size_t k = 0; k < t; k++)
		SPREAD(b->norm[k], x_->paths[k].norm.log10);
	SPREAD(b->loss, x_->loss.log10);
	SPREAD(b->grad_norm, x_->grad_norm.log10);
	SPREAD(b->loss_sum, x_->loss_sum.log10);
	SPREAD(b->grad_sum_norm, x_->grad_sum_norm.log10);
	SPREAD(b->rate, x_->rate);
	SPREAD(b->lyap_max, x_->lyap_max);
	SPREAD(b->horizon, x_->horizon_kind == VX_HORIZON_NONE ? INFINITY : (double)x_->horizon);
	for (size_t l = 0; l < L; l++) {
		vxr_batch_layer *y = &b->layer[l];
		for (size_t g = 0; g < 4; g++) {
			/* the results hold NaN beyond G: spreads of n = 0 */
			SPREAD(y->gate_low[g], g < G ? x_->stats[l].gate_low[g] : NAN);
			SPREAD(y->gate_high[g], g < G ? x_->stats[l].gate_high[g] : NAN);
		}
		SPREAD(y->cell_sat, x_->stats[l].cell_sat);
		SPREAD(y->keep_mean, x_->stats[l].keep_mean);
		SPREAD(y->keep_sd, x_->stats[l].keep_sd);
	}
	for (size_t i = 0; i < B; i++) {
		b->underflow += r[i]->underflow_steps > 0;
		b->horizon_count[r[i]->horizon_kind]++;
		b->trend_count[vxr_batch_trend_of(r[i])]++;
	}
	b->verdict = b->trend_count[VXR_EXPLODING] > 0 ? VXR_EXPLODING
	           : b->trend_count[VXR_VANISHING] == B ? VXR_VANISHING
	                                                : VXR_NEITHER;
	free(scratch);
	*out = b;
	return VX_OK;
}
