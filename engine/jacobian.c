/*
 * jacobian.c — explicit step Jacobians and products for callers that want the
 * matrices themselves (the tutor's panels, the finite-difference check).
 * vx_analyse never forms these: it streams.
 */
#include <math.h>
#include <string.h>
#include <gsl/gsl_blas.h>
#include "engine/analysis.h"
#include "engine/linalg.h"

static int fits(const vx_model *m, const vx_result *r)
{
	return m && r && r->a && r->d == m->d && r->T == m->T && m->W;
}

vx_status vx_step_dact(const vx_model *m, const vx_result *r, size_t j, gsl_vector *v)
{
	if (!fits(m, r) || !v || v->size != m->d)
		return VX_ESHAPE;
	if (j < 1 || j > m->T)
		return VX_EUSAGE;
	for (size_t i = 0; i < m->d; i++)
		gsl_vector_set(v, i, vx_act_df(m->act, gsl_matrix_get(r->a, j - 1, i)));
	return VX_OK;
}

vx_status vx_step_jacobian(const vx_model *m, const vx_result *r, size_t j, gsl_matrix *J)
{
	if (!fits(m, r) || !J || J->size1 != m->d || J->size2 != m->d)
		return VX_ESHAPE;
	if (j < 1 || j > m->T)
		return VX_EUSAGE;
	/* row i of W scaled by σ'(a_{j,i}): numerator layout */
	for (size_t i = 0; i < m->d; i++) {
		double c = vx_act_df(m->act, gsl_matrix_get(r->a, j - 1, i));
		for (size_t l = 0; l < m->d; l++)
			gsl_matrix_set(J, i, l, c * gsl_matrix_get(m->W, i, l));
	}
	return VX_OK;
}

vx_status vx_dsds(const vx_model *m, const vx_result *r, size_t t, size_t k,
                  gsl_matrix *P, double *log10_scale)
{
	size_t d = m ? m->d : 0;
	if (!fits(m, r) || !P || P->size1 != d || P->size2 != d)
		return VX_ESHAPE;
	if (k < 1 || k > t || t > m->T)
		return VX_EUSAGE;
	*log10_scale = 0;
	gsl_matrix_set_identity(P);
	if (k == t)
		return VX_OK;
	double wmax = vx_maxabs_matrix(m->W);
	if (!isfinite(wmax))
		return VX_ENONFINITE;
	if (wmax == 0) {
		gsl_matrix_set_zero(P);
		return VX_OK;
	}
	gsl_matrix *Q = gsl_matrix_alloc(d, d), *Wn = gsl_matrix_alloc(d, d);
	if (!Q || !Wn) {
		gsl_matrix_free(Q);
		gsl_matrix_free(Wn);
		return VX_ENOMEM;
	}
	/* W = Wn 2^eW and P held as P × 2^E with max |P| in [½, 1): nothing
	 * over- or underflows however long the product or large W */
	int eW;
	frexp(wmax, &eW);
	for (size_t i = 0; i < d; i++)
		for (size_t l = 0; l < d; l++)
			gsl_matrix_set(Wn, i, l, ldexp(gsl_matrix_get(m->W, i, l), -eW));
	double E = 0;
	int zero = 0;
	for (size_t j = t; j > k; j--) {
		/* P ← P J_j = (P diag(σ'(a_j))) Wn, times 2^eW */
		for (size_t l = 0; l < d; l++) {
			double c = vx_act_df(m->act, gsl_matrix_get(r->a, j - 1, l));
			for (size_t i = 0; i < d; i++)
				gsl_matrix_set(Q, i, l, gsl_matrix_get(P, i, l) * c);
		}
		gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, Q, Wn, 0.0, P);
		E += eW;
		double mx = vx_maxabs_matrix(P);
		if (!isfinite(mx)) {
			gsl_matrix_free(Q);
			gsl_matrix_free(Wn);
			return VX_ENONFINITE;
		}
		if (mx == 0) {
			zero = 1;
			break;
		}
		int e;
		frexp(mx, &e);
		for (size_t i = 0; i < d; i++)
			for (size_t l = 0; l < d; l++)
				gsl_matrix_set(P, i, l, ldexp(gsl_matrix_get(P, i, l), -e));
		E += e;
	}
	gsl_matrix_free(Q);
	gsl_matrix_free(Wn);
	if (zero) {
		gsl_matrix_set_zero(P);
		return VX_OK;
	}
	/* back to plain numbers when the largest entry fits a normal double */
	if (E <= 1024 && E >= -1021) {
		for (size_t i = 0; i < d; i++)
			for (size_t l = 0; l < d; l++)
				gsl_matrix_set(P, i, l, ldexp(gsl_matrix_get(P, i, l), (int)E));
	} else {
		*log10_scale = E * 0.301029995663981195213738894724493027;
	}
	return VX_OK;
}
