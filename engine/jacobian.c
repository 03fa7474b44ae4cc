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
	int eW = vx_expo(wmax);
	gsl_matrix_memcpy(Wn, m->W);
	vx_scale2_matrix(Wn, -eW);
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
		int e, nz = vx_normalise2(P, &e);
		if (nz < 0) {
			gsl_matrix_free(Q);
			gsl_matrix_free(Wn);
			return VX_ENONFINITE;
		}
		if (nz == 0) {
			zero = 1;
			break;
		}
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
		vx_scale2_matrix(P, (int)E);
	} else {
		*log10_scale = E * VX_LOG10_2;
	}
	return VX_OK;
}

vx_status vx_dsds_columns(const vx_model *md, const vx_result *r, size_t t, size_t k, const size_t *cols,
                          size_t ncols, gsl_matrix *X, double *log10_scale)
{
	size_t d = md ? md->d : 0;
	if (!fits(md, r) || !X || X->size1 != d || X->size2 != ncols || ncols == 0)
		return VX_ESHAPE;
	if (k < 1 || k > t || t > md->T)
		return VX_EUSAGE;
	for (size_t c = 0; c < ncols; c++)
		if (cols[c] >= d)
			return VX_EUSAGE;
	gsl_matrix *Y = gsl_matrix_alloc(d, ncols);
	if (!Y)
		return VX_ENOMEM;
	gsl_matrix_set_zero(X);
	for (size_t c = 0; c < ncols; c++)
		gsl_matrix_set(X, cols[c], c, 1.0);
	double sc = 0;
	vx_status st = VX_OK;
	for (size_t j = k + 1; j <= t && st == VX_OK; j++) {
		if (gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, md->W, X, 0.0, Y) != GSL_SUCCESS) {
			st = VX_ENUMERIC;
			break;
		}
		double mx = 0;
		for (size_t i = 0; i < d; i++) {
			double g = vx_act_df(md->act, gsl_matrix_get(r->a, j - 1, i));
			for (size_t c = 0; c < ncols; c++) {
				double v = gsl_matrix_get(Y, i, c) * g;
				gsl_matrix_set(X, i, c, v);
				mx = fmax(mx, fabs(v));
			}
		}
		/* the scale moves in whole decades, and only when a double would
		 * under- or overflow */
		if (!isfinite(mx))
			st = VX_ENONFINITE;
		else if (mx > 0 && (mx < 1e-150 || mx > 1e150)) {
			double e = floor(log10(mx));
			gsl_matrix_scale(X, pow(10, -e));
			sc += e;
		}
	}
	if (st == VX_OK) {
		/* back to plain numbers when they fit */
		double mx = gsl_matrix_max(X) > -gsl_matrix_min(X) ? gsl_matrix_max(X) : -gsl_matrix_min(X);
		if (sc != 0 && mx > 0 && fabs(log10(mx) + sc) < 290) {
			gsl_matrix_scale(X, pow(10, sc));
			sc = 0;
		}
		*log10_scale = sc;
	}
	gsl_matrix_free(Y);
	return st;
}
