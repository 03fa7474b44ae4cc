/*
 * analysis_lyap.c — the Lyapunov exponents of vx_analyse
 * (analysis_internal.h): QR re-orthonormalisation of J_j Y, started from
 * the directions the whole product stretches most.
 *
 * From a random start the growth of the first direction is
 * ‖J_T ⋯ J_1 y‖ / ‖y‖, short of σ₁ of the product by the share y has of its
 * top right singular vector: over T = 50 steps of W = I (J_j diagonal,
 * nothing to turn y) that share was 0.04 and the exponent −0.167 where the
 * product's own, (1/T) ln σ₁, is −0.104.  So the iteration runs backwards
 * first, Y ← J_jᵀ Y from j = T down to 1, which leaves Y spanning about the
 * top right singular vectors of J_T ⋯ J_1; the forward pass from there
 * measures the growth.  Backwards from where that pass ends and forwards
 * again is a step of the power method on the product (linalg.h:
 * vx_lyap_sweeps): each multiplies what is left of the other directions by
 * about (σ₂/σ₁)², and the l-th exponent tends to (1/T) ln σ_l of the
 * product, its finite-time exponents (which tend to the Lyapunov exponents
 * as T grows).
 */
#include <math.h>
#include <string.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_rng.h>
#include "engine/analysis_internal.h"
#include "engine/init.h"

typedef struct {
	const vx_model *m;
	work *w;
	const vx_result *r;
} lyap;

/* Ly ← a fixed random orthonormal start (vx_rng_alloc(VX_LYAP_SEED)) */
static vx_status random_start(void *ctx)
{
	work *w = ((const lyap *)ctx)->w;
	double rll[VX_LYAP_MAX];
	gsl_rng *rng = vx_rng_alloc(VX_LYAP_SEED);
	if (!rng)
		return VX_ENOMEM;
	vx_fill_gaussian(w->Lz, rng, 1.0);
	gsl_rng_free(rng);
	gsl_matrix_transpose_memcpy(w->Lt, w->Lz);
	return vx_rows_qr(w->Lt->data, w->Ly->data, w->p, w->d, rll, w->Lz, w->Ltau, w->Le) < 0 ? VX_ENUMERIC
	                                                                                          : VX_OK;
}

/* One pass of the iteration over j = 1..T (forward) or T..1 (Ly's rows
 * times J_j's transposes): Ly made orthonormal after each step, and the
 * growth of its l-th direction, ln |R_ll| in all, added to sums[l] (−∞
 * where a step has no finite σ', W is 0 or a direction vanishes).
 * VX_ENUMERIC when a QR fails (Ly then spoilt), VX_ECANCELLED. */
static vx_status sweep(void *ctx, int forward, double *sums)
{
	const lyap *ly = ctx;
	const vx_model *m = ly->m;
	work *w = ly->w;
	const vx_result *r = ly->r;
	size_t d = w->d, p = w->p;
	double rll[VX_LYAP_MAX];
	for (size_t l = 0; l < p; l++)
		sums[l] = 0;
	for (size_t n = 1; n <= m->T; n++) {
		size_t j = forward ? n : m->T + 1 - n;
		if (vx_stop_asked(w->stop))
			return VX_ECANCELLED;
		/* σ'(a_j) = lc × 2^ec, max lc in [½, 1): saturated units too */
		double ec;
		if (!vx_act_dfv_scaled(m->act, vx_row(r->a, j - 1), w->lc, d, &ec) || w->lamn == 0) {
			for (size_t l = 0; l < p; l++)
				sums[l] = -INFINITY;
			return VX_OK;
		}
		/* forward Z = J_j Y: Wn Y, rows scaled by σ'(a_j)/2^ec; backward the
		 * rows y diag(σ'(a_j)/2^ec) Wn.  The basis is kept as rows, and all
		 * p of them go through Wn in one pass over it (linalg.h:
		 * vx_mm_rows) */
		gsl_matrix *scaled = forward ? w->Lt : w->Ly;
		if (forward)
			vx_mm_rows(w->Ly->data, d, w->Wn, 1, w->Lt->data, d, p, 0.0);
		for (size_t l = 0; l < p; l++) {
			double *zr = vx_row(scaled, l);
			for (size_t i = 0; i < d; i++)
				zr[i] *= w->lc[i];
		}
		/* (fewrows.c's kernel for three or more rows: as a product,
		 * OpenBLAS packs all of Wn again for these few) */
		if (!forward && !(p >= 3 && vx_mm_rows_few_n(w->Ly->data, d, w->Wn, w->Lt->data, d, p, 0.0)))
			vx_mm_rows(w->Ly->data, d, w->Wn, 0, w->Lt->data, d, p, 0.0);
		if (vx_rows_qr(w->Lt->data, w->Ly->data, p, d, rll, w->Lz, w->Ltau, w->Le) < 0)
			return VX_ENUMERIC;
		/* |R_ll| is the growth of the l-th direction in this step */
		for (size_t l = 0; l < p; l++)
			sums[l] += rll[l] > 0 ? log(rll[l]) + (ec + w->eW) * VX_LN_2 : -INFINITY;
	}
	return VX_OK;
}

vx_status vx_an_lyapunov(const vx_model *m, work *w, vx_result *r)
{
	size_t d = w->d, p = w->p;
	double sums[VX_LYAP_MAX];
	lyap ly = { m, w, r };
	vx_status st = vx_lyap_sweeps(random_start, sweep, &ly, p, (double)m->T * (double)d * (double)d * (double)p,
	                              sums);
	if (st != VX_OK)
		return st;
	r->lyap_count = p;
	for (size_t l = 0; l < p; l++)
		r->lyap_top[l] = sums[l] / (double)m->T;
	r->lyap_max = r->lyap_top[0];
	return VX_OK;
}
