/*
 * regime.h — the one policy for "γλ equal to 1": which side of the edge
 * between vanishing and exploding bounds a network is on.
 *
 * Every word that depends on γλ against 1 — the tutor's status and message
 * lines, its panels, `check`'s text and JSON, the templates (the name
 * `regime`) — comes from vx_regime_of, so that no two of them can disagree
 * about a γλ of 0.9999999999999999.
 *
 * The tolerance, relative: |γλ − 1| <= VX_EDGE_TOL = 1e-12 is the edge.
 *   - Below it lies what λ can be trusted to: γ is exact (¼ or 1), but λ is
 *     computed, by a Lanczos iteration that stops at about 1e-13 relative
 *     (analysis.h), and a W rescaled to a given norm has every entry
 *     rounded, so a λ asked as exactly 1/γ arrives a few ulps off (measured:
 *     γλ from 1 − 2.2e-16 to 1 + 2.2e-16 for --norm 1/γ, every init, d up to
 *     200).  A few ulps would be too tight for the 1e-13.
 *   - Above it nothing any output shows could tell: over the longest horizon
 *     vanex accepts (VX_MAX_STEPS = 10^7 steps), (1 ± 1e-12)^T stays within
 *     1e-5 of 1, below half a unit of the 4 significant digits of check's
 *     table, so every bound printed on the edge reads 1.
 */
#ifndef VX_REGIME_H
#define VX_REGIME_H

#include "engine/analysis.h"

/* |γλ − 1| at or below this (relative to 1) is the edge. */
#define VX_EDGE_TOL 1e-12

typedef enum {
	VX_REGIME_BELOW = -1, /* γλ < 1: the bound (γλ)^(t−k) shrinks, gradients must vanish */
	VX_REGIME_EDGE = 0,   /* γλ = 1 within VX_EDGE_TOL: the bound stays at 1, decides nothing */
	VX_REGIME_ABOVE = 1   /* γλ > 1: the bound grows, explosion possible (not certain) */
} vx_regime;

/* The regime of γ = max σ' and λ = ‖W‖₂ (both >= 0; λ may be +∞ for a norm
 * beyond a double).  A NaN is VX_REGIME_ABOVE: nothing then promises that
 * gradients vanish. */
vx_regime vx_regime_of(double gamma, double lambda);

/* The regime of a result (its gamma and lambda). */
vx_regime vx_result_regime(const vx_result *r);

/* "below", "edge", "above": the words of the JSON and of the templates. */
const char *vx_regime_name(vx_regime g);

/* γλ of a result as the policy reads it: exactly 1 on the edge. */
double vx_result_gl(const vx_result *r);

/* ln(γλ) of a result as the policy reads it: exactly 0 on the edge, else
 * r->lyap_bound (accurate even when γλ does not fit a double; −∞ at γλ = 0). */
double vx_result_ln_gl(const vx_result *r);
/* The top Lyapunov exponent as the outputs give it, beside that ln(γλ): on
 * the edge, where ln(γλ) is given as 0, an exponent above 0 is 0 (it is at
 * most ln(γλ), within 1e-12 of 0 there); else r->lyap_max. */
double vx_result_lyap(const vx_result *r);

/* What the network did, against what its bound allows: the trend of the
 * measured ‖∂s_t/∂s_k‖ over the gaps t − k = 0..t − 1, one rule for `check`'s
 * verdict, the tutor and the handouts.  Vanishing (exploding) when the
 * norm shrinks (grows) by a factor of 10 or more over the window, or by 10%
 * or more per step, as the fitted rate (vx_result.rate, log10 per unit gap)
 * says; vanishing too when ∂s_t/∂s_1 is exactly 0; neither at t = 1 (no gap)
 * or when the rate could not be fitted. */
typedef enum { VX_TREND_NEITHER = 0, VX_TREND_VANISHING, VX_TREND_EXPLODING } vx_trend;

/* The trend for a loss step t, a fitted rate and the norm at the largest
 * gap, k = 1 (any network, vanilla or not). */
vx_trend vx_trend_of(size_t t, double rate, vx_mag far);

/* The trend of a result (its t, rate and paths[0].norm). */
vx_trend vx_result_trend(const vx_result *r);

/* "neither", "vanishing", "exploding". */
const char *vx_trend_name(vx_trend v);

#endif
