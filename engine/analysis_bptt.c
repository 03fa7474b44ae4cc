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

typedef struct {
	int have;      /* grad holds something */
	double E;      /* grad_W (mantissa) × 2^E */
	size_t nb;     /* rows waiting in the block */
} gradacc;

static void grad_flush(work *w, vx_result *r, gradacc *ga)
{
	if (ga->nb == 0)
		return;
	double taumax = -INFINITY;
	for (size_t b = 0; b < ga->nb; b++)
		taumax = fmax(taumax, w->tau[b]);
	if (!ga->have) {
		ga->E = taumax;
		ga->have = 1;
	} else if (taumax > ga->E) {
		vx_scale2_matrix(r->grad_W, (int)(ga->E - taumax));
		ga->E = taumax;
	}
	for (size_t b = 0; b < ga->nb; b++) {
		double sh = w->tau[b] - ga->E;   /* <= 0 */
		if (sh < -1100)
			memset(vx_row(w->dblk, b), 0, w->d * sizeof(double));
		else
			vx_scale2(vx_row(w->dblk, b), w->d, (int)sh);
	}
	gsl_matrix_view D = gsl_matrix_submatrix(w->dblk, 0, 0, ga->nb, w->d);
	gsl_matrix_view S = gsl_matrix_submatrix(w->sblk, 0, 0, ga->nb, w->d);
	gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, &D.matrix, &S.matrix, 1.0, r->grad_W);
	ga->nb = 0;
}

vx_status vx_an_backprop(const vx_model *m, work *w, vx_result *r)
{
	size_t d = w->d, t = w->t;
	double *g = w->g, *delta = w->tmp;
	gradacc ga = { 0, 0, 0 };
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
		pk->contribution = vx_mag_ldexp(0, 0);
		if (!gzero) {
			/* δ_k = σ'(a_k) ⊙ g_k; the path-k term is δ_k s_{k-1}ᵀ */
			vx_act_dfv(m->act, vx_row(r->a, k - 1), w->bc, d);
			for (size_t i = 0; i < d; i++)
				delta[i] = w->bc[i] * g[i];
			double md = vx_maxabs(delta, d);
			if (md == 0) {
				gzero = 1;
			} else {
				int e = vx_expo(md);
				vx_scale2(delta, d, -e);
				double Ed = Eg + e;
				const double *sp = k == 1 ? s0 : vx_row(r->s, k - 2);
				int de, se;
				double dn = nrm2_scaled(delta, d, &de);
				double sn = nrm2_scaled(sp, d, &se);
				pk->contribution = vx_mag_ldexp(dn * sn, Ed + de + se);
				if (sn > 0) {
					int es = vx_expo(vx_maxabs(sp, d));
					memcpy(vx_row(w->dblk, ga.nb), delta, d * sizeof(double));
					double *sb = vx_row(w->sblk, ga.nb);
					memcpy(sb, sp, d * sizeof(double));
					vx_scale2(sb, d, -es);
					w->tau[ga.nb] = Ed + es;
					if (++ga.nb == GRAD_BLOCK)
						grad_flush(w, r, &ga);
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
	grad_flush(w, r, &ga);

	r->grad_log10_scale = 0;
	if (!ga.have) {
		gsl_matrix_set_zero(r->grad_W);
		r->grad_norm = vx_mag_ldexp(0, 0);
		return VX_OK;
	}
	/* grad_W is d×d with tda = d: one contiguous block */
	int fe;
	double fn = nrm2_scaled(r->grad_W->data, d * d, &fe);
	r->grad_norm = vx_mag_ldexp(fn, ga.E + fe);
	double mx = vx_maxabs(r->grad_W->data, d * d);
	if (mx == 0)
		return VX_OK;
	double top = vx_expo(mx) + ga.E;
	if (top <= 1024 && top >= -1021)
		vx_scale2(r->grad_W->data, d * d, (int)ga.E);
	else
		r->grad_log10_scale = ga.E * VX_LOG10_2;
	return VX_OK;
}
