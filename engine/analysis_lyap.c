/*
 * analysis_lyap.c — the Lyapunov exponents of vx_analyse
 * (analysis_internal.h): QR re-orthonormalisation of J_j Y from a fixed
 * random start.
 */
#include <math.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_rng.h>
#include "engine/analysis_internal.h"
#include "engine/init.h"

vx_status vx_an_lyapunov(const vx_model *m, work *w, vx_result *r)
{
	size_t d = w->d, p = w->p;
	double sums[VX_LYAP_MAX] = { 0 };
	/* a fixed random orthonormal start */
	gsl_rng *rng = vx_rng_alloc(VX_LYAP_SEED);
	if (!rng)
		return VX_ENOMEM;
	double rll[VX_LYAP_MAX];
	vx_fill_gaussian(w->Lz, rng, 1.0);
	gsl_rng_free(rng);
	gsl_matrix_transpose_memcpy(w->Lt, w->Lz);
	if (vx_rows_qr(w->Lt->data, w->Ly->data, p, d, rll, w->Lz, w->Ltau, w->Le) < 0)
		return VX_ENUMERIC;

	for (size_t j = 1; j <= m->T; j++) {
		if (vx_stop_asked(w->stop))
			return VX_ECANCELLED;
		/* σ'(a_j) = lc × 2^ec, max lc in [½, 1): saturated units too */
		double ec;
		if (!vx_act_dfv_scaled(m->act, vx_row(r->a, j - 1), w->lc, d, &ec) || w->lamn == 0) {
			for (size_t l = 0; l < p; l++)
				sums[l] = -INFINITY;
			break;
		}
		/* Z = J_j Y: Wn Y, rows scaled by σ'(a_j)/2^ec.  The basis is kept
		 * as rows, and all p of them go through Wn in one pass over it
		 * (linalg.h: vx_mm_rows) */
		vx_mm_rows(w->Ly->data, d, w->Wn, 1, w->Lt->data, d, p, 0.0);
		for (size_t l = 0; l < p; l++) {
			double *zr = vx_row(w->Lt, l);
			for (size_t i = 0; i < d; i++)
				zr[i] *= w->lc[i];
		}
		if (vx_rows_qr(w->Lt->data, w->Ly->data, p, d, rll, w->Lz, w->Ltau, w->Le) < 0)
			return VX_ENUMERIC;
		/* |R_ll| is the growth of the l-th direction in this step */
		for (size_t l = 0; l < p; l++)
			sums[l] += rll[l] > 0 ? log(rll[l]) + (ec + w->eW) * VX_LN_2 : -INFINITY;
	}
	r->lyap_count = p;
	for (size_t l = 0; l < p; l++)
		r->lyap_top[l] = sums[l] / (double)m->T;
	r->lyap_max = r->lyap_top[0];
	return VX_OK;
}
