/*
 * batch.h — one network over a batch of input sequences (--inputs-file
 * B×T×n): the B results of vx_net_analyse on the same weights summarised
 * figure by figure, and one verdict for the batch.  Nothing is printed here:
 * a printer takes the numbers.
 *
 * Each figure is summarised by its five-number spread over the sequences:
 * the minimum, the quartiles and the median, and the maximum.  Quantile p of
 * n values is numpy's default (and GSL's gsl_stats_quantile_from_sorted_data):
 * with the values sorted, v[i] + f (v[i+1] − v[i]) where i + f = (n − 1) p,
 * so the median of an even count is the mean of the middle two.  Magnitudes
 * (‖∂S_t/∂S_k‖, the loss, the gradient's norm), which may lie beyond a
 * double, are summarised by their log10, so the median of 10⁻⁸ and 10⁻⁴ is
 * 10⁻⁶ (the geometric mean of the middle two).  An infinite value (log10 of
 * an exact 0, a Lyapunov exponent of −∞, a sequence without a horizon) takes
 * part as the limit of that formula: between −∞ and any finite value the
 * quantile is −∞, between a finite value and +∞ it is +∞.  A NaN (a figure
 * that could not be measured for that sequence, e.g. the rate when fewer
 * than two gaps have a nonzero norm) is left out and counted.
 *
 * The verdict of one sequence is check's (report/check.h, vxr_verdict): the
 * measured rate per step, and vanishing when ∂S_t/∂S_1 is exactly 0.  The
 * verdict of the batch:
 *   exploding  when at least one sequence explodes;
 *   vanishing  when every sequence vanishes;
 *   neither    otherwise.
 * Why: the gradient of a batch's loss is the sum of its sequences'
 * gradients.  One exploding term is enough to dominate that sum (and the
 * step taken with it), while the sum's long-range part vanishes only when
 * every sequence's does: a single sequence that keeps its long-range
 * gradient keeps some of it in the sum.
 */
#ifndef VXR_BATCH_H
#define VXR_BATCH_H

#include <stddef.h>
#include "engine/matio.h"
#include "engine/net.h"
#include "engine/net_analysis.h"
#include "engine/status.h"
#include "report/check.h"

/* Most sequences a batch takes: as many as an inputs file holds. */
#define VXR_BATCH_MAX VX_MAX_BATCH

/* The five-number spread of one figure over the sequences. */
typedef struct {
	size_t n;        /* values summarised: the sequences less the NaNs */
	double min, q1, median, q3, max; /* NaN when n = 0 */
} vxr_spread;

/* Per layer: the saturation figures of vx_net_layer_stats (fractions of
 * units × steps, and the LSTM's forget gate or the GRU's update gate). */
typedef struct {
	vxr_spread gate_low[4], gate_high[4]; /* gates g < G, PyTorch's order; n = 0 beyond G */
	vxr_spread cell_sat;                  /* LSTM only (n = 0 otherwise) */
	vxr_spread keep_mean, keep_sd;        /* LSTM and GRU only */
} vxr_batch_layer;

typedef struct {
	size_t B;                 /* sequences */
	vx_cell cell;
	size_t L, t;              /* layers; the loss step, common to every result */
	vxr_spread *norm;         /* t entries: [k−1] spreads log10 ‖∂S_t/∂S_k‖₂ (−∞ for an exact 0) */
	vxr_spread loss;          /* log10 L_t */
	vxr_spread grad_norm;     /* log10 ‖∂L_t/∂θ‖_F over every parameter */
	vxr_spread loss_sum;      /* log10 L = Σ_{k=1}^{T} L_k, the summed loss */
	vxr_spread grad_sum_norm; /* log10 ‖∂L/∂θ‖_F of the summed loss */
	vxr_spread rate;          /* log10 of ‖∂S_t/∂S_k‖ per unit gap (vx_net_result.rate) */
	vxr_spread lyap_max;      /* top Lyapunov exponent per step, natural log (an estimate) */
	vxr_spread horizon;       /* the gap at which ‖∂S_t/∂S_k‖ first left [1e-3, 1e3];
	                           * +∞ for a sequence in which it never did */
	size_t horizon_count[3];  /* sequences by vx_horizon (none, vanish, explode) */
	vxr_batch_layer *layer;   /* L entries */
	size_t trend_count[3];    /* sequences by vxr_trend (neither, vanishing, exploding) */
	vxr_trend verdict;        /* the batch's, by the rule above */
	size_t underflow;         /* sequences whose derivatives underflowed somewhere
	                           * (vx_net_result.underflow_steps > 0) */
} vxr_batch;

/* Summarises r[0..B) (1 <= B <= VXR_BATCH_MAX), the analyses of one
 * network's weights for B input sequences with the same loss step t.
 * VX_EUSAGE when B is out of range or the results are of different networks
 * (cell, layers, state size or t differ), VX_ENOMEM.  *out is freed with
 * vxr_batch_free; it points into none of the results.  It takes 48 bytes
 * per k (t spreads) and B doubles of scratch; each figure's B values are
 * sorted once, O(t B log B) in all. */
vx_status vxr_batch_summarise(const vx_net_result *const *r, size_t B, vxr_batch **out, vx_error *err);
void vxr_batch_free(vxr_batch *b); /* NULL-safe */

/* The verdict of one sequence's analysis: vxr_verdict's rule. */
vxr_trend vxr_batch_trend_of(const vx_net_result *r);

/* The spread of v[0..n) as above; v is reordered (NaNs last). */
vxr_spread vxr_spread_of(double *v, size_t n);

#endif
