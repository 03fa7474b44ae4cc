/*
 * model.c — building the network from the parameters (see model.h).
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include "engine/linalg.h"
#include "engine/matio.h"
#include "engine/model.h"

void vx_model_free(vx_model *m)
{
	if (!m)
		return;
	gsl_matrix_free(m->W);
	gsl_matrix_free(m->U);
	gsl_vector_free(m->b);
	gsl_vector_free(m->s0);
	gsl_matrix_free(m->x);
	gsl_vector_free(m->y);
	free(m);
}

size_t vx_model_bytes(size_t d, size_t n, size_t T)
{
	/* as vx_model_alloc: W, U, b, s0, x, y */
	double dd = (double)d, b = sizeof(vx_model) +
	            (dd * dd + dd * (double)n + 3 * dd + (double)T * (double)n) * sizeof(double);
	return b < (double)SIZE_MAX ? (size_t)b : SIZE_MAX;
}

vx_model *vx_model_alloc(vx_act act, size_t d, size_t n, size_t T)
{
	if (d == 0 || n == 0 || T == 0 || (unsigned)act >= VX_ACT_COUNT)
		return NULL;
	vx_model *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->act = act;
	m->d = d;
	m->n = n;
	m->T = T;
	m->W = gsl_matrix_calloc(d, d);
	m->U = gsl_matrix_calloc(d, n);
	m->b = gsl_vector_calloc(d);
	m->s0 = gsl_vector_calloc(d);
	m->x = gsl_matrix_calloc(T, n);
	m->y = gsl_vector_calloc(d);
	if (!m->W || !m->U || !m->b || !m->s0 || !m->x || !m->y) {
		vx_model_free(m);
		return NULL;
	}
	return m;
}

vx_model *vx_model_clone(const vx_model *m)
{
	if (!m)
		return NULL;
	vx_model *c = vx_model_alloc(m->act, m->d, m->n, m->T);
	if (!c)
		return NULL;
	gsl_matrix_memcpy(c->W, m->W);
	gsl_matrix_memcpy(c->U, m->U);
	gsl_vector_memcpy(c->b, m->b);
	gsl_vector_memcpy(c->s0, m->s0);
	gsl_matrix_memcpy(c->x, m->x);
	gsl_vector_memcpy(c->y, m->y);
	return c;
}

/* ---- spectral norm ---- */

/* ‖A‖₂ = *mant × 2^*e, so that a norm beyond the range of a double (entries
 * near DBL_MAX) still scales A right.  The largest eigenvalue of the smaller
 * Gram matrix of 2^-e A, certified (vx_sym_top): the norm that --norm sets is
 * the one the analysis then finds, whatever W's spectrum. */
static vx_status norm2_split(const gsl_matrix *A, double *mant, int *e)
{
	size_t r = A->size1, c = A->size2;
	double mx = vx_maxabs_matrix(A);
	*e = 0;
	if (isnan(mx) || isinf(mx))
		return VX_ENONFINITE;
	if (mx == 0) {
		*mant = 0;
		return VX_OK;
	}
	/* work on 2^-e A, whose largest entry is in [0.5, 1): no overflow in AᵀA */
	frexp(mx, e);
	if (vx_monomial_norm(A, mant)) {
		*mant = ldexp(*mant, -*e);
		return VX_OK;
	}
	size_t g = r < c ? r : c;
	gsl_matrix *S = gsl_matrix_alloc(r, c), *G = gsl_matrix_alloc(g, g);
	/* the certificate's scratch: S itself once G is formed, when square */
	gsl_matrix *M = r == c ? S : gsl_matrix_alloc(g, g);
	gsl_vector *ev = gsl_vector_alloc(g);
	gsl_eigen_symm_workspace *ws = gsl_eigen_symm_alloc(g);
	vx_lanczos *lz = vx_lanczos_alloc(g);
	vx_status st = VX_ENOMEM;
	if (!S || !G || !M || !ev || !ws || !lz)
		goto done;
	for (size_t i = 0; i < r; i++)
		for (size_t j = 0; j < c; j++)
			gsl_matrix_set(S, i, j, ldexp(gsl_matrix_get(A, i, j), -*e));
	/* G = S Sᵀ (r <= c) or Sᵀ S, upper triangle by a rank update, then mirrored */
	cblas_dsyrk(CblasRowMajor, CblasUpper, r <= c ? CblasNoTrans : CblasTrans, (int)g,
	            (int)(r <= c ? c : r), 1.0, S->data, (int)S->tda, 0.0, G->data, (int)G->tda);
	for (size_t i = 0; i < g; i++)
		for (size_t j = 0; j < i; j++)
			gsl_matrix_set(G, i, j, gsl_matrix_get(G, j, i));
	vx_lanczos_seed(lz, vx_hash_matrix(r * 31 + c, A));
	double theta;
	int dense;
	st = vx_sym_top(lz, G, M, ev, ws, &theta, &dense);
	if (st == VX_OK)
		*mant = sqrt(theta);
done:
	if (M != S)
		gsl_matrix_free(M);
	gsl_matrix_free(S);
	gsl_matrix_free(G);
	gsl_vector_free(ev);
	if (ws)
		gsl_eigen_symm_free(ws);
	vx_lanczos_free(lz);
	return st;
}

vx_status vx_matrix_norm2(const gsl_matrix *A, double *out)
{
	double mant;
	int e;
	vx_status st = norm2_split(A, &mant, &e);
	if (st == VX_OK)
		*out = ldexp(mant, e);   /* inf when the norm exceeds DBL_MAX */
	return st;
}

vx_status vx_model_set_norm(vx_model *m, double lambda, vx_error *err)
{
	if (!isfinite(lambda) || lambda < 0)
		return vx_fail_at(err, VX_PARAM_NORM, VX_EUSAGE, "λ = ‖W‖₂ must be a finite number >= 0, got %g",
		                  lambda);
	if (lambda == 0) {
		gsl_matrix_set_zero(m->W);
		return VX_OK;
	}
	double mant;
	int e;
	vx_status st = norm2_split(m->W, &mant, &e);
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
	for (size_t i = 0; i < m->d; i++)
		for (size_t j = 0; j < m->d; j++) {
			double w = ldexp(gsl_matrix_get(m->W, i, j), -e);
			gsl_matrix_set(m->W, i, j, one ? w * f : w / mant * lambda);
		}
	double nrm = ldexp(mant, e);
	for (size_t i = 0; i < m->d; i++)
		for (size_t j = 0; j < m->d; j++)
			if (!isfinite(gsl_matrix_get(m->W, i, j)))
				return vx_fail_at(err, VX_PARAM_NORM, VX_ENONFINITE,
				                  "λ = %g: rescaling W (‖W‖₂ = %g) leaves the range of a double",
				                  lambda, nrm);
	return VX_OK;
}

/* ---- generation ---- */

/* GSL's mt19937 takes a 32-bit seed: fold the high half in so every bit of
 * a 64-bit --seed matters, and seeds below 2^32 stay GSL's own. */
static unsigned long seed32(unsigned long s)
{
	uint64_t v = s;
	return (unsigned long)((v ^ (v >> 32)) & 0xffffffffu);
}

static void fill_gaussian(gsl_matrix *M, gsl_rng *g, double sd)
{
	for (size_t i = 0; i < M->size1; i++)
		for (size_t j = 0; j < M->size2; j++)
			gsl_matrix_set(M, i, j, gsl_ran_gaussian(g, sd));
}

/* λ Q with Q the orthogonal factor of a Gaussian matrix's QR, its columns'
 * signs fixed by R's diagonal so that Q is Haar-distributed. */
static vx_status orthogonal_init(gsl_matrix *W, gsl_rng *g, double lambda)
{
	size_t d = W->size1;
	gsl_matrix *A = gsl_matrix_alloc(d, d), *R = gsl_matrix_alloc(d, d);
	gsl_vector *tau = gsl_vector_alloc(d);
	vx_status st = VX_ENOMEM;
	if (A && R && tau) {
		fill_gaussian(A, g, 1.0);
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

vx_status vx_model_build(const vx_params *p, vx_model **out, vx_error *err)
{
	*out = NULL;
	vx_status st = vx_params_check(p, err);
	if (st)
		return st;
	if (p->model[0])
		return vx_fail_at(err, VX_PARAM_MODEL, VX_EINTERNAL,
		                  "the model file %s is loaded by the caller, not by vx_model_build", p->model);

	gsl_matrix *Wf = NULL;
	size_t d = p->hidden;
	if (p->weights[0]) {
		st = vx_matrix_read_square(p->weights, &Wf, err);
		if (st)
			return st;
		d = Wf->size1;   /* (vx_params_check refused --hidden with --weights) */
	}

	vx_model *m = vx_model_alloc(p->act, d, p->inputs, p->steps);
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	if (!m || !g) {
		st = vx_fail(err, VX_ENOMEM, "out of memory for a model of d = %zu, n = %zu, T = %zu", d,
		             p->inputs, p->steps);
		goto fail;
	}
	gsl_rng_set(g, seed32(p->seed));

	/* W first, then U, x, y: the order fixes what a seed means */
	if (Wf) {
		gsl_matrix_memcpy(m->W, Wf);
		if (p->set & VX_SET_NORM) {
			st = vx_model_set_norm(m, p->norm, err);
			if (st)
				goto fail;
		}
	} else if (p->init == VX_INIT_GAUSSIAN) {
		fill_gaussian(m->W, g, 1.0);
		st = vx_model_set_norm(m, p->norm, err);
		if (st)
			goto fail;
	} else if (p->init == VX_INIT_ORTHOGONAL) {
		st = orthogonal_init(m->W, g, p->norm);
		if (st) {
			vx_fail_at(err, VX_PARAM_INIT, st, "an orthogonal W could not be drawn: %s", vx_strerror(st));
			goto fail;
		}
	} else {
		gsl_matrix_set_identity(m->W);
		gsl_matrix_scale(m->W, p->norm);
	}

	fill_gaussian(m->U, g, 1.0 / sqrt((double)m->n));
	/* x is always drawn, then scaled, so y does not depend on --input-scale */
	fill_gaussian(m->x, g, 1.0);
	if (p->input_scale == 0)
		gsl_matrix_set_zero(m->x);
	else
		gsl_matrix_scale(m->x, p->input_scale);
	for (size_t i = 0; i < d; i++)
		gsl_vector_set(m->y, i, vx_act_f(m->act, gsl_ran_gaussian(g, 1.0)));

	gsl_rng_free(g);
	gsl_matrix_free(Wf);
	*out = m;
	return VX_OK;
fail:
	gsl_rng_free(g);
	gsl_matrix_free(Wf);
	vx_model_free(m);
	return st;
}
