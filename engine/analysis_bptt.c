/*
 * analysis_bptt.c — backpropagation through time for vx_analyse
 * (analysis_internal.h): the loss, each path's term of ∂L_t/∂W and their
 * sum, with the adjoint carried as mantissa × 2^E.
 */
#include <math.h>
#include <string.h>
#include <gsl/gsl_blas.h>
#include "engine/analysis_internal.h"

/* ‖x‖₂ as mant × 2^*e without overflow or underflow */
static double nrm2_scaled(const double *x, size_t n, int *e)
{
	double m = vx_maxabs(x, n);
	*e = 0;
	if (m == 0 || !isfinite(m))
		return m;
	int ex = vx_expo(m);
	double s = 0;
	if (ex > -1000 && ex < 1000) {
		double f = ldexp(1.0, -ex);
		for (size_t i = 0; i < n; i++) {
			double v = x[i] * f;
			s += v * v;
		}
	} else {
		for (size_t i = 0; i < n; i++) {
			double v = ldexp(x[i], -ex);
			s += v * v;
		}
	}
	*e = ex;
	return sqrt(s);
}

/* A gradient accumulated from outer products δ sᵀ: acc (its mantissa) ×
 * 2^E, the δ rows waiting in dblk with their powers of two in tau; the s
 * rows, each scaled to max |entry| in [½, 1), wait in a block the caller
 * may share between accumulators of the same rows.
 *
 * A decaying adjoint brings rows far below E: at tanh, λ = 0.9, d = 256,
 * T = 1000, ∂s_t/∂s_1 is some 2^-1000 below ∂s_t/∂s_t, and rows scaled to
 * E took their products into the subnormal range, where each operation
 * costs about a hundred cycles: the blocks' products took 11.5 ms against
 * 1.5 for the same rows near E.  So the rows more than 2^-GRAD_LOW below
 * E, when the accumulator has a low part, are summed there at a power of
 * two Elo of their own, and the low part joins acc once, at the end (each
 * row then rounds as it would have, or better: its products no longer
 * round in the subnormal range).  Rows more than 2^-GRAD_DROP below E are
 * dropped, as below them no entry of acc × 2^E that a double holds can
 * change. */
#define GRAD_LOW 512
#define GRAD_DROP 1100

typedef struct {
	gsl_matrix *acc;
	gsl_matrix *dblk;
	double *tau;   /* -INFINITY: a row of zeros */
	int have;      /* acc holds something */
	double E;
	gsl_matrix *lo;   /* d×d, zero at the start (NULL: no low part) */
	gsl_matrix *lblk; /* GRAD_BLOCK × d: the low rows' δ */
	int have_lo;
	double Elo;
} gradacc;

/* A sum acc × 2^E (nothing in it: !*have) made ready for rows up to 2^top. */
static void raise_to(gsl_matrix *acc, int *have, double *E, double top)
{
	if (!*have) {
		*E = top;
		*have = 1;
	} else if (top > *E) {
		vx_scale2_matrix(acc, (int)(*E - top));
		*E = top;
	}
}

/* Adds the nb waiting rows to ga->acc (and its low part): a dgemm each. */
static void grad_flush(gradacc *ga, const gsl_matrix *sblk, size_t nb, size_t d)
{
	double taumax = -INFINITY;
	for (size_t b = 0; b < nb; b++)
		taumax = fmax(taumax, ga->tau[b]);
	if (taumax == -INFINITY)
		return;
	raise_to(ga->acc, &ga->have, &ga->E, taumax);
	/* the low rows [l0, l1), copied out and scaled to Elo; without a low
	 * part every row down to 2^-GRAD_DROP joins acc */
	size_t l0 = nb, l1 = 0, h0 = nb, h1 = 0;
	double lomax = -INFINITY, cut = ga->lo ? -GRAD_LOW : -GRAD_DROP;
	for (size_t b = 0; b < nb; b++) {
		double sh = ga->tau[b] - ga->E;
		if (ga->lo && sh < -GRAD_LOW && sh >= -GRAD_DROP) {
			l0 = b < l0 ? b : l0;
			l1 = b + 1;
			lomax = fmax(lomax, ga->tau[b]);
		} else if (sh >= cut) {
			h0 = b < h0 ? b : h0;
			h1 = b + 1;
		}
	}
	if (l1 > l0) {
		raise_to(ga->lo, &ga->have_lo, &ga->Elo, lomax);
		for (size_t b = l0; b < l1; b++) {
			double sh = ga->tau[b] - ga->E, shl = ga->tau[b] - ga->Elo;
			double *dst = vx_row(ga->lblk, b);
			if (sh < -GRAD_LOW && sh >= -GRAD_DROP && shl >= -GRAD_DROP) {
				memcpy(dst, vx_row(ga->dblk, b), d * sizeof(double));
				vx_scale2(dst, d, (int)shl);
			} else {
				memset(dst, 0, d * sizeof(double));
			}
		}
		gsl_matrix_const_view D = gsl_matrix_const_submatrix(ga->lblk, l0, 0, l1 - l0, d);
		gsl_matrix_const_view S = gsl_matrix_const_submatrix(sblk, l0, 0, l1 - l0, d);
		gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, &D.matrix, &S.matrix, 1.0, ga->lo);
	}
	if (h1 <= h0)
		return;
	for (size_t b = h0; b < h1; b++) {
		double sh = ga->tau[b] - ga->E;   /* <= 0 */
		if (sh < cut)
			memset(vx_row(ga->dblk, b), 0, d * sizeof(double));
		else
			vx_scale2(vx_row(ga->dblk, b), d, (int)sh);
	}
	gsl_matrix_const_view D = gsl_matrix_const_submatrix(ga->dblk, h0, 0, h1 - h0, d);
	gsl_matrix_const_view S = gsl_matrix_const_submatrix(sblk, h0, 0, h1 - h0, d);
	gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, &D.matrix, &S.matrix, 1.0, ga->acc);
}

/* The low part added to acc, and zeroed for the next user of its matrix. */
static void grad_fold(gradacc *ga, size_t d)
{
	if (!ga->have_lo)
		return;
	double *lo = ga->lo->data, *acc = ga->acc->data;
	vx_scale2(lo, d * d, (int)fmax(ga->Elo - ga->E, -2 * GRAD_DROP));
	for (size_t i = 0; i < d * d; i++)
		acc[i] += lo[i];
	memset(lo, 0, d * d * sizeof *lo);
	ga->have_lo = 0;
}

/* ‖acc × 2^E‖_F of an accumulated d×d gradient (acc has tda = d). */
static vx_mag grad_frob(const gradacc *ga, size_t d)
{
	if (!ga->have)
		return vx_mag_ldexp(0, 0);
	int fe;
	double fn = nrm2_scaled(ga->acc->data, d * d, &fe);
	return vx_mag_ldexp(fn, ga->E + fe);
}

/* An accumulated gradient brought to its value, or to acc ×
 * 10^*log10_scale when its largest entry leaves the range of a double;
 * *norm its Frobenius norm. */
static void grad_finish(gradacc *ga, size_t d, vx_mag *norm, double *log10_scale)
{
	grad_fold(ga, d);
	*log10_scale = 0;
	if (!ga->have) {
		gsl_matrix_set_zero(ga->acc);
		*norm = vx_mag_ldexp(0, 0);
		return;
	}
	*norm = grad_frob(ga, d);
	double mx = vx_maxabs(ga->acc->data, d * d);
	if (mx == 0)
		return;
	double top = vx_expo(mx) + ga->E;
	if (top <= 1024 && top >= -1021)
		vx_scale2(ga->acc->data, d * d, (int)ga->E);
	else
		*log10_scale = ga->E * VX_LOG10_2;
}

/* The summed loss L = Σ_{t=1}^{T} L_t and ∂L/∂W in one backward pass.  The
 * adjoint ∂L/∂s_k = (s_k − y) + Wᵀ δ_{k+1} takes in each loss where it
 * sits; δ_k = σ'(a_k) ⊙ ∂L/∂s_k splits into the near part σ'(a_k) ⊙ (s_k − y)
 * (the term k = t of L_k) and the far part σ'(a_k) ⊙ Wᵀ δ_{k+1} (the terms
 * k < t of every later L_t), accumulated apart so that each has its own
 * norm, far from cancelling against near.  Reuses BPTT's buffers: run after
 * vx_an_backprop's own pass, on its thread. */
static void backprop_sum(const vx_model *m, work *w, vx_result *r)
{
	size_t d = w->d, T = w->T;
	double *res = w->sv, *dn = w->sv + d, *dt = w->sv + 2 * d;
	double *h = w->g, *df = w->tmp, *dact = w->bc;
	const double *s0 = w->bs0;
	/* no low parts: these adjoints take in a loss at every step, so that
	 * their rows do not decay with the distance from t, and a row far
	 * below the largest is rare (an input or a residual that small) */
	gradacc near = { w->gnear, w->nblk, w->ntau, 0, 0, NULL, NULL, 0, 0 };
	gradacc far = { r->grad_sum_W, w->dblk, w->tau, 0, 0, NULL, NULL, 0, 0 };
	size_t nb = 0;
	int hzero = 1;       /* h = Wᵀ δ_{k+1} × 2^Eh; 0 at k = T */
	double Eh = 0;
	double lm = 0, le = 0; /* Σ L_t = lm × 2^le */
	for (size_t k = T; k >= 1; k--) {
		/* s_k − y, scaled before the difference when a relu or linear
		 * state near the largest double would overflow it */
		double Er;
		int rnz = vx_diff2(vx_row(r->s, k - 1), m->y, res, &Er);
		if (rnz) {
			int re;
			double rn = nrm2_scaled(res, d, &re);
			vx_sum2_add(&lm, &le, 0.5 * rn * rn, 2.0 * (Er + re));
		}
		/* σ'(a_k) = dact × 2^Ea: saturated units keep their digits */
		double Ea;
		int anz = vx_act_dfv_scaled(m->act, vx_row(r->a, k - 1), dact, d, &Ea);
		double En = 0, Ef = 0;
		int nz = 0, fz = 0;
		if (rnz && anz) {
			for (size_t i = 0; i < d; i++)
				dn[i] = dact[i] * res[i];
			nz = vx_normalise2v(dn, d, &En);
			En += Er + Ea;
		}
		if (!hzero && anz) {
			for (size_t i = 0; i < d; i++)
				df[i] = dact[i] * h[i];
			fz = vx_normalise2v(df, d, &Ef);
			Ef += Eh + Ea;
		}
		const double *sp = k == 1 ? s0 : vx_row(r->s, k - 2);
		double msp = vx_maxabs(sp, d);
		if (msp > 0 && (nz || fz)) {
			int es = vx_expo(msp);
			double *sb = vx_row(w->sblk, nb);
			memcpy(sb, sp, d * sizeof(double));
			vx_scale2(sb, d, -es);
			memcpy(vx_row(near.dblk, nb), dn, d * sizeof(double));
			near.tau[nb] = nz ? En + es : -INFINITY;
			memcpy(vx_row(far.dblk, nb), df, d * sizeof(double));
			far.tau[nb] = fz ? Ef + es : -INFINITY;
			if (++nb == GRAD_BLOCK) {
				grad_flush(&near, w->sblk, nb, d);
				grad_flush(&far, w->sblk, nb, d);
				nb = 0;
			}
		}
		if (k == 1)
			break;
		/* δ_k = near + far at the larger's scale, then h = Wᵀ δ_k */
		hzero = 1;
		if (!nz && !fz)
			continue;
		double E = !nz ? Ef : !fz ? En : fmax(En, Ef);
		double fn = nz ? vx_shift2(En - E) : 0, ff = fz ? vx_shift2(Ef - E) : 0;
		for (size_t i = 0; i < d; i++)
			dt[i] = (nz ? dn[i] * fn : 0) + (fz ? df[i] * ff : 0);
		double Ed;
		if (!vx_normalise2v(dt, d, &Ed))
			continue;
		Ed += E;
		cblas_dgemv(CblasRowMajor, CblasTrans, (int)d, (int)d, 1.0, w->Wn->data, (int)w->Wn->tda, dt, 1,
		            0.0, h, 1);
		double eh;
		hzero = !vx_normalise2v(h, d, &eh);
		Eh = Ed + w->eW + eh;
	}
	if (nb > 0) {
		grad_flush(&near, w->sblk, nb, d);
		grad_flush(&far, w->sblk, nb, d);
	}
	r->loss_sum = vx_mag_ldexp(lm, le);
	r->grad_sum_near = grad_frob(&near, d);
	r->grad_sum_far = grad_frob(&far, d);
	/* ∂L/∂W = near + far, at the larger's power of two */
	if (near.have) {
		if (!far.have) {
			far.have = 1;
			far.E = near.E;
		} else if (near.E > far.E) {
			vx_scale2_matrix(far.acc, (int)fmax(far.E - near.E, -2000));
			far.E = near.E;
		}
		vx_scale2_matrix(near.acc, (int)fmax(near.E - far.E, -2000));
		gsl_matrix_add(far.acc, near.acc);
	}
	grad_finish(&far, d, &r->grad_sum_norm, &r->grad_sum_log10_scale);
}

vx_status vx_an_backprop(const vx_model *m, work *w, vx_result *r)
{
	size_t d = w->d, t = w->t;
	double *g = w->g, *delta = w->tmp;
	/* the low part in the summed loss's buffers, which it uses after (the
	 * near terms' accumulator, zero until then, and their rows) */
	gradacc ga = { r->grad_W, w->dblk, w->tau, 0, 0, w->gnear, w->nblk, 0, 0 };
	size_t nb = 0;
	double *s0 = w->bs0;   /* s_0 as a contiguous vector */
	for (size_t i = 0; i < d; i++)
		s0[i] = gsl_vector_get(m->s0, i);

	/* g_t = ∂L_t/∂s_t = s_t − y, and L_t = ½‖g_t‖² */
	const double *st_ = vx_row(r->s, t - 1);
	for (size_t i = 0; i < d; i++)
		g[i] = st_[i] - gsl_vector_get(m->y, i);
	int ge;
	double gn = nrm2_scaled(g, d, &ge);
	r->loss = vx_mag_ldexp(0.5 * gn * gn, 2.0 * ge);
	double mg = vx_maxabs(g, d);
	int gzero = mg == 0;
	double Eg = 0;
	if (!gzero) {
		int e = vx_expo(mg);
		vx_scale2(g, d, -e);
		Eg = e;
	}

	for (size_t k = t; k >= 1; k--) {
		if (vx_stop_asked(w->stop))
			return VX_ECANCELLED;
		vx_path *pk = &r->paths[k - 1];
		const double *sp = k == 1 ? s0 : vx_row(r->s, k - 2);
		int se;
		double sn = nrm2_scaled(sp, d, &se);
		pk->sprev_norm = vx_mag_ldexp(sn, se);
		pk->contribution = vx_mag_ldexp(0, 0);
		pk->delta_norm = vx_mag_ldexp(0, 0);
		if (!gzero) {
			/* δ_k = σ'(a_k) ⊙ g_k; the path-k term is δ_k s_{k-1}ᵀ */
			double Ea;
			int anz = vx_act_dfv_scaled(m->act, vx_row(r->a, k - 1), w->bc, d, &Ea);
			for (size_t i = 0; i < d; i++)
				delta[i] = w->bc[i] * g[i];
			double md = anz ? vx_maxabs(delta, d) : 0;
			if (md == 0) {
				gzero = 1;
			} else {
				int e = vx_expo(md);
				vx_scale2(delta, d, -e);
				double Ed = Eg + e + Ea;
				int de;
				double dn = nrm2_scaled(delta, d, &de);
				pk->delta_norm = vx_mag_ldexp(dn, Ed + de);
				pk->contribution = vx_mag_ldexp(dn * sn, Ed + de + se);
				if (sn > 0) {
					int es = vx_expo(vx_maxabs(sp, d));
					memcpy(vx_row(ga.dblk, nb), delta, d * sizeof(double));
					double *sb = vx_row(w->sblk, nb);
					memcpy(sb, sp, d * sizeof(double));
					vx_scale2(sb, d, -es);
					ga.tau[nb] = Ed + es;
					if (++nb == GRAD_BLOCK) {
						grad_flush(&ga, w->sblk, nb, d);
						nb = 0;
					}
				}
				if (k > 1) {
					/* g_{k-1} = Wᵀ δ_k */
					cblas_dgemv(CblasRowMajor, CblasTrans, (int)d, (int)d, 1.0, w->Wn->data,
					            (int)w->Wn->tda, delta, 1, 0.0, g, 1);
					double mx = vx_maxabs(g, d);
					if (mx == 0 || !isfinite(mx)) {
						gzero = 1;
					} else {
						int e2 = vx_expo(mx);
						vx_scale2(g, d, -e2);
						Eg = Ed + w->eW + e2;
					}
				}
			}
		}
		if (k == 1)
			break;
	}
	if (nb > 0)
		grad_flush(&ga, w->sblk, nb, d);
	grad_finish(&ga, d, &r->grad_norm, &r->grad_log10_scale);
	backprop_sum(m, w, r);
	return VX_OK;
}
