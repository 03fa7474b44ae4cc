/*
 * analysis_paths.c — ‖∂s_t/∂s_k‖₂ down the chain of products, and the
 * bounds and step products every path is held to, for vx_analyse
 * (analysis_internal.h).
 */
#include <math.h>
#include <gsl/gsl_blas.h>
#include "engine/analysis_internal.h"

/* The largest eigenvalue of op by Lanczos.  When that fails, op is AᵀA or
 * AAᵀ for the matrix A and θ = ‖A‖₂² comes from the dense solver, with
 * scratch (d×d) for AᵀA.  The work done is added to *steps and *fallbacks. */
static vx_status top_eig(work *w, size_t *steps, size_t *fallbacks, vx_linop op, const void *ctx,
                         const gsl_matrix *A, gsl_matrix *scratch, double *theta)
{
	size_t before = vx_lanczos_steps(w->lz);
	vx_status st = vx_lanczos_top(w->lz, op, ctx, theta);
	*steps += vx_lanczos_steps(w->lz) - before;
	if (st != VX_ENUMERIC)
		return st;
	++*fallbacks;
	double nrm;
	st = vx_norm2_dense(A, scratch, w->eval, w->eig, &nrm);
	if (st == VX_OK)
		*theta = nrm * nrm;
	vx_lanczos_reset(w->lz);
	return st;
}

/* ---- the norms ---- */

/* ‖∂s_t/∂s_k‖₂ for k = t−1 down to 1 into pn_mant/pn_exp, and whether the
 * whole product J_t ⋯ J_1 is exactly 0 (w->pzero). */
vx_status vx_an_path_norms(const vx_model *m, work *w, vx_result *r)
{
	size_t d = w->d, t = w->t;
	w->pn_mant[t - 1] = 1;
	w->pn_exp[t - 1] = 0;
	w->pzero = 0;

	double pn = 1.0, E = 0;  /* ‖P‖ = pn × 2^E */
	int zero = 0;
	double *c = w->pc, *cs = w->pcs;
	/* P Pᵀ, not PᵀP: its top eigenvector is P's left singular vector, the
	 * one that settles as k decreases (new factors enter P on the right) */
	vx_gram_op o = { w->P, w->ptmp, 1 };
	vx_lanczos_seed(w->lz, w->seed + SEED_STEP);

	/* k = 0 is the product J_t ⋯ J_1, formed (not its norm) only to see
	 * whether it is exactly 0: a nilpotent W, dead units */
	for (size_t k = t - 1;; k--) {
		size_t j = k + 1;   /* P_k = P_{k+1} J_{k+1} */
		if (!zero) {
			vx_act_dfv(m->act, vx_row(r->a, j - 1), c, d);
			double cmax = vx_maxabs(c, d);
			if (cmax == 0 || w->lamn == 0)
				zero = 1;
		}
		if (!zero) {
			double cmax = vx_maxabs(c, d);
			if (k == t - 1) {
				/* P_{t-1} = J_t: no product with the identity */
				int ec = vx_expo(cmax);
				for (size_t i = 0; i < d; i++) {
					double f = ldexp(c[i], -ec);
					const double *src = vx_row(w->Wn, i);
					double *dst = vx_row(w->P, i);
					for (size_t l = 0; l < d; l++)
						dst[l] = f * src[l];
				}
				E = ec + w->eW;
			} else {
				/* Q = P diag(σ') / (max σ' ‖P‖), all by powers of two; P = Q Wn */
				int e = vx_expo(cmax) + vx_expo(pn);
				for (size_t i = 0; i < d; i++)
					cs[i] = ldexp(c[i], -e);
				for (size_t i = 0; i < d; i++) {
					const double *src = vx_row(w->P, i);
					double *dst = vx_row(w->Q, i);
					for (size_t l = 0; l < d; l++)
						dst[l] = src[l] * cs[l];
				}
				if (gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, w->Q, w->Wn, 0.0, w->P))
					return VX_ENUMERIC;
				E += e + w->eW;
			}
			if (k == 0) {
				zero = vx_maxabs_matrix(w->P) == 0;
				break;
			}
			double theta;
			vx_status st = top_eig(w, &w->p_steps, &w->p_fallbacks, vx_gram_apply, &o, w->P, w->Q, &theta);
			if (st)
				return st;
			pn = sqrt(theta);
			if (pn < 0x1p-100) {
				/* P fell far below 1 (the units that carried it saturated
				 * at step j: σ' far below the step's largest), and Lanczos,
				 * which sums squares of vectors of the size of θ = pn²,
				 * loses θ to underflow (it gave 0 for 10^-18925): scale P
				 * by its largest entry and take the norm again */
				int e, nz = vx_normalise2(w->P, &e);
				if (nz < 0)
					return VX_ENONFINITE;
				if (nz > 0) {
					E += e;
					st = top_eig(w, &w->p_steps, &w->p_fallbacks, vx_gram_apply, &o, w->P, w->Q, &theta);
					if (st)
						return st;
					pn = sqrt(theta);
				}
			}
			if (pn == 0) {
				zero = 1;
			} else if (pn < 0x1p-500 || pn > 0x1p500) {
				/* cancellation far below or above 1: renormalise P itself */
				int e = vx_expo(pn);
				vx_scale2_matrix(w->P, -e);
				pn = ldexp(pn, -e);
				E += e;
			}
		}
		if (k == 0)
			break;
		w->pn_mant[k - 1] = zero ? 0 : pn;
		w->pn_exp[k - 1] = zero ? 0 : E;
	}
	w->pzero = zero;
	return VX_OK;
}

/* ---- bounds and products ---- */

/* 1, 0 or −1 as a × 2^ae is above, equal to or below b × 2^be (a, b >= 0
 * and finite, exponents integers held in doubles) */
static int cmp2(double a, double ae, double b, double be)
{
	if (a == 0 || b == 0)
		return (a > 0) - (b > 0);
	int x, y;
	a = frexp(a, &x);
	b = frexp(b, &y);
	ae += x;
	be += y;
	if (ae != be)
		return ae > be ? 1 : -1;
	return (a > b) - (a < b);
}

/* The three columns of every path: (γλ)^{t−k}, Π_{j=k+1..t} ‖J_j‖ and the
 * norms, made to respect ‖∂s_t/∂s_k‖ <= Π‖J_j‖ <= (γλ)^{t−k} as computed.
 *
 * The product and the bound are accumulated the same way, one rounded
 * multiplication per step of mantissas in [½, 1) (a normal product, so each
 * result is the exact product rounded as if the exponent range were
 * unbounded), and every ‖J_j‖ is at most the rounded max σ'(a_j) λ <= γλ:
 * rounding is monotone, so the product can never come out above the
 * bound, and when every ‖J_j‖ is
 * γλ (a linear network; every unit at σ's steepest point) the two are the
 * same bits.  The error of either is at most t−k ulps, where pow(γλ, t−k)
 * had one, but λ itself carries half an ulp, which the exact power already
 * multiplies by t−k.
 *
 * A norm above the product is rounding (exactly, ‖P J‖ <= ‖P‖ ‖J‖): each
 * product P_{k+1}(D_j Wn) adds an error of at most d(d+2) ulps of ‖P_{k+1}‖
 * ‖D_j‖ ‖Wn‖ (|fl(AB) − AB| <= γ_d |A||B|, ‖|A|‖₂ <= √d ‖A‖₂), i.e. of the
 * cap max σ'(a_j) λ over ‖J_j‖ times ‖P_{k+1}‖ ‖J_j‖, and each norm adds its
 * own (norm_rounding).  A norm above the product by no more than the sum of
 * those is equal to it; one beyond means a wrong step norm or product: an
 * engine error. */
vx_status vx_an_bounds_and_products(const vx_model *m, work *w, vx_result *r)
{
	size_t d = w->d, t = w->t;
	double gm = vx_act_gamma(m->act) * w->lamn;   /* γλ = gm × 2^eW: γ is a power of two */
	r->lyap_bound = gm > 0 ? log(gm) + w->eW * VX_LN_2 : -INFINITY;
	int xg;
	gm = frexp(gm, &xg);   /* γλ = gm × 2^(eW + xg), gm in [½, 1) */
	double pm = 1, pe = 0, bm = 1, be = 0, win = vx_an_norm_rounding(d);
	double ulps = (double)d * (double)(d + 2) * DBL_EPSILON;
	for (size_t k = t; k >= 1; k--) {
		vx_path *pk = &r->paths[k - 1];
		pk->k = k;
		pk->gap = t - k;
		if (k < t) {
			size_t j = k + 1;
			int x, xs;
			double sn = w->sn_mant[j - 1], sm = frexp(sn, &xs);
			pm = frexp(pm * sm, &x);
			pe = pm == 0 ? 0 : pe + x + xs + w->sn_exp[j - 1];
			bm = frexp(bm * gm, &x);
			be = bm == 0 ? 0 : be + x + xg + w->eW;
			if (sn > 0)
				win += ulps * (w->sn_cap[j - 1] / sn) + vx_an_norm_rounding(d);
		}
		if (cmp2(pm, pe, bm, be) > 0)
			return VX_EINTERNAL;
		double *nm = &w->pn_mant[k - 1], *ne = &w->pn_exp[k - 1];
		if (cmp2(*nm, *ne, pm, pe) > 0) {
			if (cmp2(*nm, *ne, pm * (1 + win), pe) > 0)
				return VX_EINTERNAL;
			*nm = pm;
			*ne = pe;
		}
		pk->bound = vx_mag_ldexp(bm, be);
		pk->step_product = vx_mag_ldexp(pm, pe);
		pk->norm = vx_mag_ldexp(*nm, *ne);
		if (k == 1)
			break;
	}
	return VX_OK;
}
