/*
 * eigen.c — the eigenvalues of W and the norms of its powers (eigen.h).
 *
 * Both work on W scaled by a power of two, Wn = 2^-eW W with max |wn_ij| in
 * [½, 1) (the eigenvalues only when that entry lies beyond 2^±100): the
 * scaling is exact, keeps LAPACK's QR iteration and the products away from
 * overflow and underflow whatever λ is (10^±300), and every result is
 * scaled back exactly (eigenvalues) or carried as a vx_mag (norms of
 * powers).
 */
#include "engine/eigen.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_eigen.h>
#include "engine/lapack.h"
#include "engine/linalg.h"

/* Seed of the Lanczos stream of the power norms, folded with a hash of W:
 * the same W gives the same bits, and no W can be built against the
 * starts (linalg.h). */
#define POWER_SEED 0x6a09e667f3bcc909u

/* VX_OK when W is a non-empty square matrix of finite entries, with *eW
 * the exponent that brings its largest entry into [½, 1) (0 for W = 0). */
static vx_status check_w(const gsl_matrix *W, int *eW, vx_error *err)
{
	if (!W || W->size1 == 0 || W->size1 != W->size2)
		return vx_fail(err, VX_ESHAPE, "W must be a non-empty square matrix, got %zu×%zu", W ? W->size1 : 0,
		               W ? W->size2 : 0);
	double mx = vx_maxabs_matrix(W);
	if (!isfinite(mx))
		return vx_fail(err, VX_ENONFINITE, "W holds NaN or infinity: it has no eigenvalues");
	*eW = mx > 0 ? vx_expo(mx) : 0;
	return VX_OK;
}

/* ================================================================ eigenvalues */

typedef struct {
	double re, im, mod;
} ev;

/* |ν| descending, then re, then im descending (a pair: +im first). */
static int ev_cmp(const void *pa, const void *pb)
{
	const ev *a = pa, *b = pb;
	if (a->mod != b->mod)
		return a->mod < b->mod ? 1 : -1;
	if (a->re != b->re)
		return a->re < b->re ? 1 : -1;
	return (a->im < b->im) - (a->im > b->im);
}

void vx_eigen_clear(vx_eigen *e)
{
	if (!e)
		return;
	free(e->re);
	free(e->im);
	memset(e, 0, sizeof *e);
}

/* The eigenvalues of the d×d A (tda = d; destroyed) into wr + i·wi by
 * LAPACK (lapack.h): A's rows read as columns are Aᵀ, which has the same
 * eigenvalues.  No balancing, as before with GSL.  -1 when out of memory,
 * 1 when the QR iteration failed, 0 on success. */
static int lapack_eigvals(gsl_matrix *A, double *wr, double *wi)
{
	if (A->size1 > INT_MAX / 2)
		return -1;
	int n = (int)A->size1, one = 1, lq = -1, info = 0;
	double q1 = 0, q2 = 0;
	/* the optimal workspaces, asked first */
	dgehrd_(&n, &one, &n, A->data, &n, NULL, &q1, &lq, &info);
	if (info == 0)
		dhseqr_("E", "N", &n, &one, &n, A->data, &n, wr, wi, NULL, &one, &q2, &lq, &info, 1, 1);
	int lwork = vx_lapack_lwork(q1, q2, n);
	if (info != 0 || lwork == 0)
		return -1;
	double *tau = malloc((size_t)n * sizeof *tau), *work = malloc((size_t)lwork * sizeof *work);
	int rc = -1;
	if (tau && work) {
		dgehrd_(&n, &one, &n, A->data, &n, tau, work, &lwork, &info);
		if (info == 0) {
			/* below the subdiagonal dgehrd leaves its reflectors: H is
			 * the upper Hessenberg part alone */
			for (int j = 0; j + 2 < n; j++)
				memset(A->data + (size_t)j * (size_t)n + (size_t)j + 2, 0,
				       (size_t)(n - j - 2) * sizeof(double));
			dhseqr_("E", "N", &n, &one, &n, A->data, &n, wr, wi, NULL, &one, work, &lwork, &info, 1, 1);
		}
		rc = info == 0 ? 0 : 1;
	}
	free(tau);
	free(work);
	return rc;
}

vx_status vx_eigen_init(vx_eigen *e, const gsl_matrix *W, vx_error *err)
{
	memset(e, 0, sizeof *e);
	int eW;
	vx_status st = check_w(W, &eW, err);
	if (st != VX_OK)
		return st;
	size_t d = W->size1;
	gsl_matrix *A = gsl_matrix_alloc(d, d);
	ev *v = malloc(d * sizeof *v);
	e->re = malloc(d * sizeof *e->re);
	e->im = malloc(d * sizeof *e->im);
	if (!A || !v || !e->re || !e->im) {
		st = vx_fail(err, VX_ENOMEM, "out of memory for the eigenvalues of W (d = %zu)", d);
		goto done;
	}
	/* Scaled only far from 1: the QR iteration is not exactly equivariant
	 * under powers of two (GSL's: 517 of 600 random W differed in the last
	 * bit or two), so a W of everyday size gets the bits of the iteration
	 * on W itself; 2^±100 leaves its products of a few entries far inside
	 * a double's range. */
	if (eW >= -100 && eW <= 100)
		eW = 0;
	gsl_matrix_memcpy(A, W);
	vx_scale2_matrix(A, -eW);
	int rc = lapack_eigvals(A, e->re, e->im);
	if (rc < 0) {
		st = vx_fail(err, VX_ENOMEM, "out of memory for the eigenvalues of W (d = %zu)", d);
		goto done;
	}
	if (rc > 0) {
		st = vx_fail(err, VX_ENUMERIC, "the eigenvalues of W (d = %zu) did not converge in LAPACK's QR iteration",
		             d);
		goto done;
	}
	for (size_t i = 0; i < d; i++) {
		double re = e->re[i], im = e->im[i];
		v[i].re = ldexp(re, eW);
		/* a real eigenvalue has im exactly 0; LAPACK's pairs are exact
		 * conjugates */
		v[i].im = ldexp(im, eW);
		/* the modulus of the scaled value, scaled back: no overflow of
		 * re² + im² at λ near DBL_MAX */
		v[i].mod = ldexp(hypot(re, im), eW);
	}
	qsort(v, d, sizeof *v, ev_cmp);
	for (size_t i = 0; i < d; i++) {
		e->re[i] = v[i].re;
		e->im[i] = v[i].im;
	}
	e->d = d;
	e->rho = v[0].mod;
done:
	gsl_matrix_free(A);
	free(v);
	if (st != VX_OK)
		vx_eigen_clear(e);
	return st;
}

vx_status vx_eigen_radius(const gsl_matrix *W, double *rho, vx_error *err)
{
	vx_eigen e;
	vx_status st = vx_eigen_init(&e, W, err);
	*rho = st == VX_OK ? e.rho : NAN;
	vx_eigen_clear(&e);
	return st;
}

/* ================================================================ norms of powers */

size_t vx_eigen_power_bytes(size_t d)
{
	double dd = (double)d;
	double b = (5 * dd * dd + 4 * dd) * sizeof(double) + (double)vx_lanczos_bytes(d);
	return b < (double)SIZE_MAX ? (size_t)b : SIZE_MAX;
}

typedef struct {
	gsl_matrix *Wn, *P, *Q, *G, *M;
	gsl_vector *eval;
	gsl_eigen_symm_workspace *eig;
	vx_lanczos *lz;
} power_work;

static void power_work_clear(power_work *w)
{
	gsl_matrix_free(w->Wn);
	gsl_matrix_free(w->P);
	gsl_matrix_free(w->Q);
	gsl_matrix_free(w->G);
	gsl_matrix_free(w->M);
	gsl_vector_free(w->eval);
	if (w->eig)
		gsl_eigen_symm_free(w->eig);
	vx_lanczos_free(w->lz);
	memset(w, 0, sizeof *w);
}

static int power_work_init(power_work *w, size_t d)
{
	memset(w, 0, sizeof *w);
	w->Wn = gsl_matrix_alloc(d, d);
	w->P = gsl_matrix_alloc(d, d);
	w->Q = gsl_matrix_alloc(d, d);
	w->G = gsl_matrix_alloc(d, d);
	w->M = gsl_matrix_alloc(d, d);
	w->eval = gsl_vector_alloc(d);
	w->eig = gsl_eigen_symm_alloc(d);
	w->lz = vx_lanczos_alloc(d);
	return w->Wn && w->P && w->Q && w->G && w->M && w->eval && w->eig && w->lz ? 0 : -1;
}

/* ‖P‖₂ of the current product: exact for one nonzero per row and column,
 * else √λmax(P Pᵀ) certified by vx_sym_top. */
static vx_status norm_of_p(power_work *w, int monomial, double *out)
{
	size_t d = w->P->size1;
	if (monomial && vx_monomial_norm(w->P, out))
		return VX_OK;
	cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)d, (int)d, 1.0, w->P->data, (int)w->P->tda, 0.0,
	            w->G->data, (int)w->G->tda);
	for (size_t i = 0; i < d; i++)
		for (size_t l = 0; l < i; l++)
			gsl_matrix_set(w->G, i, l, gsl_matrix_get(w->G, l, i));
	double theta;
	int dense;
	vx_status st = vx_sym_top(w->lz, w->G, w->M, w->eval, w->eig, &theta, &dense);
	if (st == VX_OK)
		*out = sqrt(theta);
	return st;
}

vx_status vx_eigen_power_norms(const gsl_matrix *W, size_t N, const atomic_int *stop, vx_mag *out,
                               vx_error *err)
{
	int eW;
	vx_status st = check_w(W, &eW, err);
	if (st != VX_OK)
		return st;
	out[0] = vx_mag_ldexp(1, 0);
	if (N == 0)
		return VX_OK;
	size_t d = W->size1;
	if (vx_maxabs_matrix(W) == 0) {
		for (size_t n = 1; n <= N; n++)
			out[n] = vx_mag_ldexp(0, 0);
		return VX_OK;
	}
	power_work w;
	if (power_work_init(&w, d) != 0) {
		power_work_clear(&w);
		return vx_fail(err, VX_ENOMEM, "out of memory for the powers of W (d = %zu)", d);
	}
	gsl_matrix_memcpy(w.Wn, W);
	vx_scale2_matrix(w.Wn, -eW);
	double mono_norm;
	/* products of such matrices keep one nonzero per row and column */
	int monomial = vx_monomial_norm(w.Wn, &mono_norm);
	vx_lanczos_seed(w.lz, vx_hash_matrix(POWER_SEED, W));
	/* Wⁿ = P × 2^E; P's largest entry is kept in [½, 1) by powers of two,
	 * so no horizon over- or underflows it */
	gsl_matrix_memcpy(w.P, w.Wn);
	double E = eW;
	size_t n = 1;
	for (; n <= N; n++) {
		if (vx_stop_asked(stop)) {
			st = vx_fail(err, VX_ECANCELLED, "the powers of W were stopped before they ended");
			break;
		}
		if (n > 1) {
			if (gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, w.P, w.Wn, 0.0, w.Q)) {
				st = vx_fail(err, VX_ENUMERIC, "a product of the powers of W failed");
				break;
			}
			gsl_matrix *swap = w.P;
			w.P = w.Q;
			w.Q = swap;
			E += eW;
		}
		int e;
		if (vx_normalise2(w.P, &e) == 0)
			break;   /* exactly 0 from here on */
		E += e;
		double nrm;
		if ((st = norm_of_p(&w, monomial, &nrm)) != VX_OK) {
			vx_fail(err, st, "the norm of W^%zu could not be computed", n);
			break;
		}
		out[n] = vx_mag_ldexp(nrm, E);
	}
	for (; st == VX_OK && n <= N; n++)
		out[n] = vx_mag_ldexp(0, 0);
	power_work_clear(&w);
	return st;
}
