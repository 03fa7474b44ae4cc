/*
 * analysis_paths.c — ‖∂s_t/∂s_k‖₂ down the chain of products, and the
 * bounds and step products every path is held to, for vx_analyse
 * (analysis_internal.h).
 */
#include <math.h>
#include <string.h>
#include <gsl/gsl_blas.h>
#include "engine/analysis_internal.h"
#include "engine/lowrank.h"
#include "engine/monomial.h"

/* The largest eigenvalue of op by Lanczos (lz).  When that fails, op is
 * AᵀA or AAᵀ for the matrix A and θ = ‖A‖₂² comes from the dense solver,
 * with scratch (A->size2 square) for AᵀA.  The work done is added to *steps
 * and *fallbacks. */
static vx_status top_eig(work *w, vx_lanczos *lz, size_t *steps, size_t *fallbacks, vx_linop op,
                         const void *ctx, const gsl_matrix *A, gsl_matrix *scratch, double *theta)
{
	size_t before = vx_lanczos_steps(lz);
	vx_status st = vx_lanczos_top(lz, op, ctx, theta);
	*steps += vx_lanczos_steps(lz) - before;
	if (st != VX_ENUMERIC)
		return st;
	++*fallbacks;
	double nrm;
	st = vx_norm2_dense(A, scratch, w->eval, w->eig, &nrm);
	if (st == VX_OK)
		*theta = nrm * nrm;
	vx_lanczos_reset(lz);
	return st;
}

/* ---- the chain of products ---- */

/* The smallest d whose chain may be carried in factored form (lowrank.h):
 * below it a product costs too little for the attempts to pay. */
#define LOWRANK_MIN_D 64

/* The path pass's own buffers: the product S (its first rows P_k, or the
 * factor M and the probe rows of lowrank.h) and X of the same shape, the
 * scaled rows a step multiplies or, for a step scaled by one power of two,
 * the product itself, X and S then trading places (product()); the
 * factored chain's state and the Lanczos run on M's rows. */
typedef struct {
	gsl_matrix *S, *X;   /* vx_lr_capacity(d, 1) × d */
	vx_lowrank lr;
	vx_lanczos *lz;      /* dimension: the rank of M */
} chain;

size_t vx_an_path_bytes(size_t d)
{
	double rows = (double)vx_lr_capacity(d, 1);
	return (size_t)(2 * rows * (double)d * sizeof(double)) + vx_lr_bytes(d, 1) + vx_lanczos_bytes(d);
}

static void chain_clear(chain *c)
{
	gsl_matrix_free(c->S);
	gsl_matrix_free(c->X);
	vx_lr_clear(&c->lr);
	vx_lanczos_free(c->lz);
	memset(c, 0, sizeof *c);
}

static vx_status chain_init(chain *c, const work *w)
{
	size_t d = w->d, rows = vx_lr_capacity(d, 1);
	memset(c, 0, sizeof *c);
	c->S = gsl_matrix_alloc(rows, d);
	c->X = gsl_matrix_alloc(rows, d);
	c->lz = vx_lanczos_alloc(d);
	if (!c->S || !c->X || !c->lz)
		return VX_ENOMEM;
	vx_lanczos_seed(c->lz, w->seed + SEED_STEP * (STEP_BATCH + 2));
	/* a W with one nonzero per row and column keeps P so too: formed
	 * exactly in full, and its entries, P's singular values, may change
	 * places at any step (W = I: a unit that saturates late), so that a
	 * dropped one comes back */
	double dummy;
	size_t minn = vx_monomial_norm(w->Wn, &dummy) ? SIZE_MAX : LOWRANK_MIN_D;
	return vx_lr_init(&c->lr, d, 1, &d, minn, w->seed + SEED_STEP * (STEP_BATCH + 3));
}

/* The first n rows of A, all its columns */
static gsl_matrix_view rows_of(gsl_matrix *A, size_t n)
{
	return gsl_matrix_submatrix(A, 0, 0, n, A->size2);
}

/* Every entry of cs the same power of two (a linear cell's σ' = 1): its
 * value, else 0 */
static double uniform_pow2(const double *cs, size_t d)
{
	int e;
	if (frexp(cs[0], &e) != 0.5)
		return 0;
	for (size_t i = 1; i < d; i++)
		if (cs[i] != cs[0])
			return 0;
	return cs[0];
}

/* S's rows ← S's rows diag(cs) Wn (cs: σ'(a_j) over a power of two), or
 * S ← diag(cs) Wn, the first factor, when first.  When cs is one power of
 * two the product is scaled by it instead and written to X, which then
 * takes S's place: no pass over S to scale it (at d = 1024 that pass took
 * 1.1 ms of a product's 27). */
static vx_status product(work *w, chain *c, const double *cs, int first)
{
	size_t d = w->d, rows = c->lr.rows;
	if (first) {
		for (size_t i = 0; i < d; i++) {
			double f = cs[i];
			const double *src = vx_row(w->Wn, i);
			double *dst = vx_row(c->S, i);
			for (size_t l = 0; l < d; l++)
				dst[l] = f * src[l];
		}
		return VX_OK;
	}
	gsl_matrix_view X = rows_of(c->X, rows), S = rows_of(c->S, rows);
	double alpha = uniform_pow2(cs, d);
	vx_status st = vx_an_chain_dgemm(w->help, &S.matrix, &X.matrix, alpha != 0 ? NULL : cs, alpha, w->Wn, &w->pwn);
	if (alpha != 0) {
		gsl_matrix *t = c->S;
		c->S = c->X;
		c->X = t;
	}
	return st;
}

/* P_k in full, from J_t down to J_{k+1}, into S's first d rows as P × 2^*E
 * (the largest entry brought to [½, 1) at every step): the fallback when the
 * factored chain's error bound fails.  *zero when P_k is exactly 0. */
static vx_status rebuild(const vx_model *m, work *w, const vx_result *r, chain *c, size_t k, double *E,
                         int *zero)
{
	size_t d = w->d, t = w->t;
	double *cs = w->pcs;
	vx_lr_off(&c->lr);
	*E = 0;
	*zero = 0;
	for (size_t j = t; j > k; j--) {
		double ec;
		if (!vx_act_dfv_scaled(m->act, vx_row(r->a, j - 1), cs, d, &ec)) {
			*zero = 1;
			return VX_OK;
		}
		vx_status st = product(w, c, cs, j == t);
		if (st)
			return st;
		gsl_matrix_view P = rows_of(c->S, d);
		int e, nz = vx_normalise2(&P.matrix, &e);
		if (nz <= 0) {
			*zero = nz == 0;
			return nz == 0 ? VX_OK : VX_ENONFINITE;
		}
		*E += ec + w->eW + e;
	}
	return VX_OK;
}

/* θ = ‖P_k‖₂² (of the mantissa the chain holds) for k >= 1, or for k = 0
 * only whether P_0 is exactly 0 (*zero).  When the factored chain's error
 * bound fails, P_k is rebuilt in full (E with it) and normed again; *zero
 * too when that finds P_k exactly 0. */
static vx_status chain_norm(const vx_model *m, work *w, const vx_result *r, chain *c, size_t k,
                            double *theta, double *E, int *zero)
{
	size_t d = w->d;
	*theta = 0;
	for (;;) {
		int split = c->lr.mode == VX_LR_SPLIT;
		size_t rk = split ? c->lr.rank : d;
		double nrm = 0;
		if (rk > 0 && k == 0) {
			vx_lr_lower_norms(&c->lr, c->S, 2, &nrm, &nrm);
		} else if (rk > 0) {
			gsl_matrix_view M = rows_of(c->S, rk), X = rows_of(c->X, d);
			/* P Pᵀ (M Mᵀ), not PᵀP: its top eigenvector is P's left singular
			 * vector, the one that settles as k decreases (new factors enter P
			 * on the right) */
			vx_gram_op o = { &M.matrix, w->ptmp, 1 };
			vx_status st = top_eig(w, split ? c->lz : w->lz, &w->p_steps, &w->p_fallbacks, vx_gram_apply,
			                       &o, &M.matrix, &X.matrix, theta);
			if (st)
				return st;
			nrm = sqrt(*theta);
		}
		/* at k = 0 only P_0 = 0 matters: a P̂_0 ≠ 0 with an error below its
		 * norm is not 0, and one that is 0 with no error is */
		if (!split || vx_lr_within(&c->lr, c->S, NULL, nrm, k == 0 ? 1.0 : VX_LR_TOL)) {
			if (k == 0) {
				gsl_matrix_view M = rows_of(c->S, rk);
				*zero = rk == 0 || vx_maxabs_matrix(&M.matrix) == 0;
			}
			return VX_OK;
		}
		/* the bound failed: P_k in full, and full from here on */
		vx_status st = rebuild(m, w, r, c, k, E, zero);
		if (st || *zero)
			return st;
	}
}


/* ---- the norms ---- */

/* ‖∂s_t/∂s_k‖₂ for k = t−1 down to 1 into pn_mant/pn_exp, and whether the
 * whole product J_t ⋯ J_1 is exactly 0 (w->pzero).  The chain is carried
 * in full until it has become numerically of low rank, then as the factor
 * M of lowrank.h: ‖P_k‖₂ = ‖M‖₂, by Lanczos on M Mᵀ; a k whose error bound
 * exceeds VX_LR_TOL of the norm rebuilds P_k in full and stays full. */
vx_status vx_an_path_norms(const vx_model *m, work *w, vx_result *r)
{
	size_t d = w->d, t = w->t;
	w->pn_mant[t - 1] = 1;
	w->pn_exp[t - 1] = 0;
	w->pzero = 0;
	/* a W with one nonzero per row and column: entry by entry, each with
	 * its own power of two (monomial.h) */
	double mono;
	if (vx_monomial_norm(m->W, &mono)) {
		r->chain_truncations = 0;
		r->chain_rank = d;
		return vx_monomial_chain(m->W, m->act, r->a, t, w->pn_mant, w->pn_exp, &w->pzero);
	}
	chain c;
	vx_status st = chain_init(&c, w);
	if (st)
		goto done;

	double pn = 1.0, E = 0;  /* ‖P‖ = pn × 2^E */
	int zero = 0;
	double *cv = w->pc, *cs = w->pcs;
	vx_lanczos_seed(w->lz, w->seed + SEED_STEP);
	vx_lanczos_set_stop(w->lz, w->stop);
	vx_lanczos_set_stop(c.lz, w->stop);

	/* k = 0 is the product J_t ⋯ J_1, formed (not its norm) only to see
	 * whether it is exactly 0: a nilpotent W, dead units */
	for (size_t k = t - 1;; k--) {
		if (vx_stop_asked(w->stop)) {
			st = VX_ECANCELLED;
			goto done;
		}
		size_t j = k + 1;   /* P_k = P_{k+1} J_{k+1} */
		double ec = 0;
		if (!zero && (!vx_act_dfv_scaled(m->act, vx_row(r->a, j - 1), cv, d, &ec) || w->lamn == 0))
			zero = 1;
		if (!zero) {
			/* P = P diag(σ') / (max σ' ‖P‖) Wn, all by powers of two; P_{t-1}
			 * = J_t: no product with the identity */
			int first = k == t - 1, ep = first ? 0 : vx_expo(pn);
			double e = ec + ep, f = ldexp(1.0, -ep);   /* pn within 2^±500 of 1 */
			for (size_t i = 0; i < d; i++)
				cs[i] = cv[i] * f;
			if ((st = product(w, &c, cs, first)))
				goto done;
			E = (first ? 0 : E) + e + w->eW;
			int rot = k > 0 ? vx_lr_step(&c.lr, c.S, k) : 0;
			if (rot < 0) {
				st = VX_ENOMEM;
				goto done;
			}
			if (rot > 0 && c.lr.rank > 0) {
				/* M's rows were rotated: P's top left singular vector is
				 * about the first row's direction now */
				vx_lanczos_set_dim(c.lz, c.lr.rank);
				memset(cs, 0, c.lr.rank * sizeof *cs);
				cs[0] = 1;
				vx_lanczos_set_start(c.lz, cs);
			}
			double theta;
			if ((st = chain_norm(m, w, r, &c, k, &theta, &E, &zero)))
				goto done;
			if (k == 0)
				break;
			pn = sqrt(theta);
			if (pn < 0x1p-100) {
				/* P fell far below 1 (the units that carried it saturated
				 * at step j: σ' far below the step's largest), and Lanczos,
				 * which sums squares of vectors of the size of θ = pn²,
				 * loses θ to underflow (it gave 0 for 10^-18925): scale P
				 * by its largest entry and take the norm again */
				gsl_matrix_view S = rows_of(c.S, c.lr.rows);
				int e2, nz = vx_normalise2(&S.matrix, &e2);
				if (nz < 0) {
					st = VX_ENONFINITE;
					goto done;
				}
				if (nz > 0) {
					E += e2;
					size_t rk = c.lr.mode == VX_LR_SPLIT ? c.lr.rank : d;
					gsl_matrix_view M = rows_of(c.S, rk), X = rows_of(c.X, d);
					vx_gram_op o = { &M.matrix, w->ptmp, 1 };
					st = top_eig(w, c.lr.mode == VX_LR_SPLIT ? c.lz : w->lz, &w->p_steps, &w->p_fallbacks,
					             vx_gram_apply, &o, &M.matrix, &X.matrix, &theta);
					if (st)
						goto done;
					pn = sqrt(theta);
				}
			}
			if (pn == 0) {
				zero = 1;
			} else if (pn < 0x1p-500 || pn > 0x1p500) {
				/* cancellation far below or above 1: renormalise P itself */
				int e2 = vx_expo(pn);
				gsl_matrix_view S = rows_of(c.S, c.lr.rows);
				vx_scale2_matrix(&S.matrix, -e2);
				pn = ldexp(pn, -e2);
				E += e2;
			}
		}
		if (k == 0)
			break;
		w->pn_mant[k - 1] = zero ? 0 : pn;
		w->pn_exp[k - 1] = zero ? 0 : E;
	}
	w->pzero = zero;
	r->chain_truncations = c.lr.truncations;
	r->chain_rank = c.lr.mode == VX_LR_SPLIT ? c.lr.rank : d;
done:
	chain_clear(&c);
	return st;
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
 * own (norm_rounding).  A chain carried in factored form adds what it
 * dropped, at most VX_LR_TOL of the norm (lowrank.h).  A norm above the
 * product by no more than the sum of those is equal to it; one beyond means
 * a wrong step norm or product: an engine error. */
vx_status vx_an_bounds_and_products(const vx_model *m, work *w, vx_result *r)
{
	size_t d = w->d, t = w->t;
	double gm = vx_act_gamma(m->act) * w->lamn;   /* γλ = gm × 2^eW: γ is a power of two */
	r->lyap_bound = gm > 0 ? log(gm) + w->eW * VX_LN_2 : -INFINITY;
	int xg;
	gm = frexp(gm, &xg);   /* γλ = gm × 2^(eW + xg), gm in [½, 1) */
	double pm = 1, pe = 0, bm = 1, be = 0, win = vx_an_norm_rounding(d) + VX_LR_TOL;
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
