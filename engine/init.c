/*
 * init.c — the weights of a generated network (see init.h).
 */
#include <math.h>
#include <stdint.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include "engine/init.h"
#include "engine/linalg.h"

gsl_rng *vx_rng_alloc(unsigned long seed)
{
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	uint64_t v = seed;
	if (g)
		gsl_rng_set(g, (unsigned long)((v ^ (v >> 32)) & 0xffffffffu));
	return g;
}

void vx_fill_gaussian(gsl_matrix *M, gsl_rng *g, double sd)
{
	for (size_t i = 0; i < M->size1; i++)
		for (size_t j = 0; j < M->size2; j++)
			gsl_matrix_set(M, i, j, gsl_ran_gaussian(g, sd));
}

/* λ Q with Q the orthogonal factor of a Gaussian matrix's QR, its columns'
 * signs fixed by R's diagonal so that Q is Haar-distributed. */
static vx_status draw_orthogonal(gsl_matrix *W, gsl_rng *g, double lambda)
{
	size_t d = W->size1;
	gsl_matrix *A = gsl_matrix_alloc(d, d), *R = gsl_matrix_alloc(d, d);
	gsl_vector *tau = gsl_vector_alloc(d);
	vx_status st = VX_ENOMEM;
	if (A && R && tau) {
		vx_fill_gaussian(A, g, 1.0);
		st = VX_ENUMERIC;
		if (!gsl_linalg_QR_decomp(A, tau) && !gsl_linalg_QR_unpack(A, tau, W, R)) {
			for (size_t j = 0; j < d; j++) {
				gsl_vector_view col = gsl_matrix_column(W, j);
				gsl_vector_scale(&col.vector, gsl_matrix_get(R, j, j) < 0 ? -lambda : lambda);
			}
			st = VX_OK;
		}
	}
	gsl_matrix_free(A);
	gsl_matrix_free(R);
	gsl_vector_free(tau);
	return st;
}

vx_status vx_draw_weights(gsl_matrix *W, vx_init init, double lambda, gsl_rng *g, vx_error *err)
{
	if (init == VX_INIT_GAUSSIAN) {
		vx_fill_gaussian(W, g, 1.0);
		return vx_matrix_set_norm(W, lambda, err);
	}
	if (init == VX_INIT_ORTHOGONAL) {
		vx_status st = draw_orthogonal(W, g, lambda);
		return st ? vx_fail_at(err, VX_PARAM_INIT, st, "an orthogonal W could not be drawn: %s",
		                       vx_strerror(st)) : VX_OK;
	}
	gsl_matrix_set_identity(W);
	gsl_matrix_scale(W, lambda);
	return VX_OK;
}

vx_status vx_matrix_set_norm(gsl_matrix *W, double lambda, vx_error *err)
{
	if (!isfinite(lambda) || lambda < 0)
		return vx_fail_at(err, VX_PARAM_NORM, VX_EUSAGE, "λ = ‖W‖₂ must be a finite number >= 0, got %g",
		                  lambda);
	if (lambda == 0) {
		gsl_matrix_set_zero(W);
		return VX_OK;
	}
	double mant;
	int e;
	vx_status st = vx_norm2_split(W, &mant, &e);
	if (st == VX_ENONFINITE)
		return vx_fail_at(err, VX_PARAM_NORM, st, "W holds NaN or infinity: cannot rescale it to λ = %g",
		                  lambda);
	if (st)
		return vx_fail(err, st, "the spectral norm of W could not be computed (%s)",
		               vx_strerror(st));
	if (mant == 0)
		return vx_fail_at(err, VX_PARAM_NORM, VX_EUSAGE,
		                  "λ = %g: W is all zeros, so no scaling gives ‖W‖₂ = λ", lambda);
	/* W λ/‖W‖ = (2^-e W)(λ/mant): the first factor exact; when λ/mant
	 * overflows, (2^-e W / mant) λ instead, whose first factor is <= 1 */
	double f = lambda / mant;
	int one = isfinite(f);
	for (size_t i = 0; i < W->size1; i++)
		for (size_t j = 0; j < W->size2; j++) {
			double w = ldexp(gsl_matrix_get(W, i, j), -e);
			gsl_matrix_set(W, i, j, one ? w * f : w / mant * lambda);
		}
	double nrm = ldexp(mant, e);
	for (size_t i = 0; i < W->size1; i++)
		for (size_t j = 0; j < W->size2; j++)
			if (!isfinite(gsl_matrix_get(W, i, j)))
				return vx_fail_at(err, VX_PARAM_NORM, VX_ENONFINITE,
				                  "λ = %g: rescaling W (‖W‖₂ = %g) leaves the range of a double",
				                  lambda, nrm);
	return VX_OK;
}
