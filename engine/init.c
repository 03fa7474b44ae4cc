/*
 * init.c — the weights of a generated network (see init.h).
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <gsl/gsl_randist.h>
#include "engine/init.h"
#include "engine/lapack.h"
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
 * signs fixed by R's diagonal so that Q is Haar-distributed.  LAPACK's
 * blocked QR (lapack.h) on the column-major copy of the draw: at d = 1024
 * 0.2 s where GSL's took 5 s; the same Q up to rounding. */
static vx_status draw_orthogonal(gsl_matrix *W, gsl_rng *g, double lambda)
{
	size_t d = W->size1;
	if (d > INT_MAX / 2)
		return VX_ENOMEM;
	int n = (int)d, lq = -1, info = 0;
	double q1 = 0, q2 = 0;
	dgeqrf_(&n, &n, NULL, &n, NULL, &q1, &lq, &info);
	if (info == 0)
		dorgqr_(&n, &n, &n, NULL, &n, NULL, &q2, &lq, &info);
	int lwork = vx_lapack_lwork(q1, q2, n);
	if (info != 0)
		return VX_ENUMERIC;
	if (lwork == 0)
		return VX_ENOMEM;
	double *a = malloc(d * d * sizeof *a), *tau = malloc(d * sizeof *tau), *work = malloc((size_t)lwork * sizeof *work),
	       *sgn = malloc(d * sizeof *sgn);
	vx_status st = VX_ENOMEM;
	if (a && tau && work && sgn) {
		/* the draw row by row as before; a holds it column-major */
		for (size_t i = 0; i < d; i++)
			for (size_t j = 0; j < d; j++)
				a[j * d + i] = gsl_ran_gaussian(g, 1.0);
		st = VX_ENUMERIC;
		dgeqrf_(&n, &n, a, &n, tau, work, &lwork, &info);
		if (info == 0) {
			for (size_t j = 0; j < d; j++)
				sgn[j] = a[j * d + j] < 0 ? -lambda : lambda;
			dorgqr_(&n, &n, &n, a, &n, tau, work, &lwork, &info);
		}
		if (info == 0) {
			for (size_t i = 0; i < d; i++)
				for (size_t j = 0; j < d; j++)
					gsl_matrix_set(W, i, j, a[j * d + i] * sgn[j]);
			st = VX_OK;
		}
	}
	free(a);
	free(tau);
	free(work);
	free(sgn);
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
	/* the identity takes the gaussian's draws too, and drops them: a seed
	 * then gives the same U, inputs and y whatever the init (the orthogonal
	 * draw takes as many), as the handout's rows of the three inits show */
	vx_fill_gaussian(W, g, 1.0);
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
