/*
 * linalg.c — warm-started Lanczos for the largest eigenvalue, and the dense
 * fallback (see linalg.h).
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_rng.h>
#include "engine/linalg.h"

/* Krylov dimension before a restart, restarts before giving up. */
#define LZ_MMAX 64
#define LZ_RESTARTS 8
/* Weight of the fixed random vector mixed into a warm start.  A warm start
 * can be an exact eigenvector of the next operator that is not its top one
 * (W orthogonal: every step's eigenvectors are the same); with a weight of
 * 1e-3 the top one then entered too weakly, and runs stopped 1e-5 low. */
#define LZ_MIX 1e-1
/* Stop when ‖Ax − θx‖ <= LZ_TOL_R θ (then some eigenvalue lies within that
 * distance of θ), or when the residual is small and its square over the gap
 * to the next Ritz value, the usual bound for an isolated eigenvalue, is
 * below LZ_TOL_G θ. */
#define LZ_TOL_R 1e-13
#define LZ_TOL_G 1e-14
#define LZ_GAP_RES 1e-7

struct vx_lanczos {
	size_t d, mmax;
	double *Q;            /* (mmax+1) × d: row i is the Lanczos vector q_{i+1} */
	double *alpha, *beta; /* the tridiagonal T_m */
	double *w, *u, *r, *h;
	double *y, *yprev, *tdl, *td, *tdu, *tdu2;
	size_t *ipiv;
	int warm;
	size_t steps;
	/* the run in progress */
	size_t m;
	int restarts;
	double theta;
	size_t ym;      /* y holds T_ym's top eigenvector */
	size_t next_check; /* the step at which T_m is next solved */
	size_t last_m;     /* the last step it was, and its residual */
	double last_rho;
	double gap;        /* top two Ritz values' distance, once known (else 0) */
};

double vx_maxabs(const double *x, size_t n)
{
	double m = 0;
	for (size_t i = 0; i < n; i++) {
		double a = fabs(x[i]);
		if (a > m)
			m = a;
		else if (isnan(a))
			return a;
	}
	return m;
}

double vx_maxabs_matrix(const gsl_matrix *A)
{
	double m = 0;
	for (size_t i = 0; i < A->size1; i++) {
		double r = vx_maxabs(gsl_matrix_const_ptr(A, i, 0), A->size2);
		if (r > m || isnan(r))
			m = r;
		if (isnan(m))
			break;
	}
	return m;
}

void vx_lanczos_free(vx_lanczos *lz)
{
	if (!lz)
		return;
	free(lz->Q);
	free(lz->alpha);
	free(lz->w);
	free(lz->y);
	free(lz->ipiv);
	free(lz);
}

size_t vx_lanczos_bytes(size_t d)
{
	/* as vx_lanczos_alloc below: Q, alpha and beta, w, y, ipiv */
	size_t m1 = (d < LZ_MMAX ? d : LZ_MMAX) + 1;
	return sizeof(vx_lanczos) + (m1 * d + 2 * m1 + 3 * d + m1 + 6 * m1) * sizeof(double) + m1 * sizeof(size_t);
}

vx_lanczos *vx_lanczos_alloc(size_t d)
{
	if (d == 0)
		return NULL;
	vx_lanczos *lz = calloc(1, sizeof *lz);
	if (!lz)
		return NULL;
	lz->d = d;
	lz->mmax = d < LZ_MMAX ? d : LZ_MMAX;
	size_t m1 = lz->mmax + 1;
	lz->Q = malloc(m1 * d * sizeof(double));
	lz->alpha = malloc(2 * m1 * sizeof(double));
	lz->w = malloc((3 * d + m1) * sizeof(double));
	lz->y = malloc(6 * m1 * sizeof(double));
	lz->ipiv = malloc(m1 * sizeof(size_t));
	if (!lz->Q || !lz->alpha || !lz->w || !lz->y || !lz->ipiv) {
		vx_lanczos_free(lz);
		return NULL;
	}
	lz->beta = lz->alpha + m1;
	lz->u = lz->w + d;
	lz->r = lz->u + d;
	lz->h = lz->r + d;
	lz->yprev = lz->y + m1;
	lz->tdl = lz->yprev + m1;
	lz->td = lz->tdl + m1;
	lz->tdu = lz->td + m1;
	lz->tdu2 = lz->tdu + m1;

	/* A fixed pseudo-random direction: results depend on nothing but the input. */
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	if (!g) {
		vx_lanczos_free(lz);
		return NULL;
	}
	gsl_rng_set(g, 20130218u);
	double s = 0;
	for (size_t i = 0; i < d; i++) {
		lz->r[i] = 2.0 * gsl_rng_uniform(g) - 1.0;
		s += lz->r[i] * lz->r[i];
	}
	gsl_rng_free(g);
	s = 1.0 / sqrt(s);
	for (size_t i = 0; i < d; i++)
		lz->r[i] *= s;
	return lz;
}

void vx_lanczos_reset(vx_lanczos *lz)
{
	if (lz)
		lz->warm = 0;
}

void vx_lanczos_set_start(vx_lanczos *lz, const double *x)
{
	memcpy(lz->u, x, lz->d * sizeof *x);
	lz->warm = 1;
}

size_t vx_lanczos_steps(const vx_lanczos *lz)
{
	return lz ? lz->steps : 0;
}

const double *vx_lanczos_vector(const vx_lanczos *lz)
{
	return lz->u;
}

/* ---- the small tridiagonal problem T_m (diagonal a, off-diagonal b) ---- */

/* How many eigenvalues of T_m are below x (Sturm sequence of LDLᵀ pivots). */
static size_t sturm_below(const double *a, const double *b, size_t m, double x, double pivmin)
{
	size_t cnt = 0;
	double q = a[0] - x;
	if (fabs(q) < pivmin)
		q = -pivmin;
	cnt += q < 0;
	for (size_t i = 1; i < m; i++) {
		q = (a[i] - x) - b[i - 1] * (b[i - 1] / q);
		if (fabs(q) < pivmin)
			q = -pivmin;
		cnt += q < 0;
	}
	return cnt;
}

/* The k-th largest eigenvalue (k = 1, 2) by bisection inside [lo, hi],
 * which must bracket it, to relative width reltol. */
static double tri_kth(const double *a, const double *b, size_t m, size_t k,
                      double lo, double hi, double reltol, double pivmin)
{
	for (int it = 0; it < 200; it++) {
		double mid = 0.5 * (lo + hi);
		if (hi - lo <= reltol * fmax(fabs(lo), fabs(hi)) + pivmin || mid <= lo || mid >= hi)
			break;
		if (sturm_below(a, b, m, mid, pivmin) <= m - k)
			lo = mid;
		else
			hi = mid;
	}
	return 0.5 * (lo + hi);
}

/* Solves (T_m − σI) z = y in place (y ← z) by LU with partial pivoting, the
 * tridiagonal scheme of LAPACK's dgttrf/dgtts2; pivots below tiny are
 * replaced by tiny, as inverse iteration wants. */
static void tri_shift_solve(vx_lanczos *lz, size_t m, double sigma, double tiny, double *y)
{
	const double *a = lz->alpha, *b = lz->beta;
	double *dl = lz->tdl, *dd = lz->td, *du = lz->tdu, *du2 = lz->tdu2;
	size_t *ip = lz->ipiv;
	if (m == 1) {
		double p = a[0] - sigma;
		y[0] /= fabs(p) < tiny ? tiny : p;
		return;
	}
	for (size_t i = 0; i < m; i++) {
		dd[i] = a[i] - sigma;
		du2[i] = 0;
		if (i + 1 < m)
			dl[i] = du[i] = b[i];
	}
	for (size_t i = 0; i + 1 < m; i++) {
		if (fabs(dd[i]) >= fabs(dl[i])) {
			ip[i] = i;
			if (dd[i] == 0)
				dd[i] = tiny;
			double f = dl[i] / dd[i];
			dl[i] = f;
			dd[i + 1] -= f * du[i];
		} else {
			ip[i] = i + 1;
			double f = dd[i] / dl[i];
			dd[i] = dl[i];
			dl[i] = f;
			double tmp = du[i];
			du[i] = dd[i + 1];
			dd[i + 1] = tmp - f * dd[i + 1];
			if (i + 2 < m) {
				du2[i] = du[i + 1];
				du[i + 1] = -f * du[i + 1];
			}
		}
	}
	for (size_t i = 0; i < m; i++)
		if (fabs(dd[i]) < tiny)
			dd[i] = dd[i] < 0 ? -tiny : tiny;
	for (size_t i = 0; i + 1 < m; i++) {
		size_t p = ip[i];
		double tmp = y[2 * i + 1 - p] - dl[i] * y[p];
		y[i] = y[p];
		y[i + 1] = tmp;
	}
	y[m - 1] /= dd[m - 1];
	y[m - 2] = (y[m - 2] - du[m - 2] * y[m - 1]) / dd[m - 2];
	for (size_t i = m - 2; i-- > 0;)
		y[i] = (y[i] - du[i] * y[i + 1] - du2[i] * y[i + 2]) / dd[i];
}

static void normalise(double *y, size_t m)
{
	double mx = vx_maxabs(y, m), s = 0;
	if (mx == 0 || !isfinite(mx)) {
		for (size_t i = 0; i < m; i++)
			y[i] = i == 0;
		return;
	}
	for (size_t i = 0; i < m; i++) {
		y[i] /= mx;
		s += y[i] * y[i];
	}
	s = 1.0 / sqrt(s);
	for (size_t i = 0; i < m; i++)
		y[i] *= s;
}

/* yᵀ T_m y for a unit y */
static double tri_rayleigh(const double *a, const double *b, size_t m, const double *y)
{
	double s = 0;
	for (size_t i = 0; i < m; i++) {
		double ti = a[i] * y[i];
		if (i > 0)
			ti += b[i - 1] * y[i - 1];
		if (i + 1 < m)
			ti += b[i] * y[i + 1];
		s += y[i] * ti;
	}
	return s;
}

/* The top eigenpair of T_m into *theta and lz->y.  Usually a few Rayleigh
 * quotient iterations from the previous top eigenvector (padded with 0),
 * accepted only when a Sturm count shows nothing above; otherwise bisection
 * and inverse iteration. */
/* Rayleigh quotient iteration on T_m from y (in place); returns the
 * Rayleigh quotient reached. */
static double tri_rqi(vx_lanczos *lz, size_t m, double tiny)
{
	const double *a = lz->alpha, *b = lz->beta;
	double *y = lz->y, *z = lz->yprev;
	normalise(y, m);
	double rho = tri_rayleigh(a, b, m, y);
	for (int it = 0; it < 6; it++) {
		memcpy(z, y, m * sizeof *z);
		tri_shift_solve(lz, m, rho, tiny, z);
		normalise(z, m);
		double r2 = tri_rayleigh(a, b, m, z);
		memcpy(y, z, m * sizeof *y);
		int still = fabs(r2 - rho) > 4 * DBL_EPSILON * fabs(r2) + tiny;
		rho = r2;
		if (!still)
			break;
	}
	return rho;
}

/* rho is T_m's top eigenvalue (a Sturm count finds none above it) */
static int is_top(const vx_lanczos *lz, size_t m, double rho, double prev, double tiny, double pivmin)
{
	return rho >= prev - 1e-12 * fabs(prev) &&
	       sturm_below(lz->alpha, lz->beta, m, rho + 8 * DBL_EPSILON * fabs(rho) + 2 * tiny, pivmin) == m;
}

/* The top eigenpair of T_m: θ returned, its unit eigenvector in lz->y.
 * First Rayleigh quotient iteration from the last eigenvector found (padded
 * with zeros); when that lands elsewhere, from the vector that inverse
 * iteration shifted above the whole spectrum (Gershgorin) points to, where
 * the top eigenvalue is the nearest; bisection as the last resort. */
static double tri_top(vx_lanczos *lz, size_t m, double prev, double tnorm, double pivmin)
{
	const double *a = lz->alpha, *b = lz->beta;
	double *y = lz->y;
	double tiny = DBL_EPSILON * tnorm + DBL_MIN;
	if (m == 1) {
		y[0] = 1;
		lz->ym = 1;
		return a[0];
	}
	for (size_t i = lz->ym; i < m; i++)
		y[i] = 0;
	lz->ym = m;
	double rho = tri_rqi(lz, m, tiny);
	if (is_top(lz, m, rho, prev, tiny, pivmin))
		return rho;

	double glo = INFINITY, ghi = -INFINITY;
	for (size_t i = 0; i < m; i++) {
		double l = i ? fabs(b[i - 1]) : 0, r = i + 1 < m ? fabs(b[i]) : 0;
		glo = fmin(glo, a[i] - l - r);
		ghi = fmax(ghi, a[i] + l + r);
	}
	for (size_t i = 0; i < m; i++)
		y[i] = 1.0;   /* T has positive off-diagonals: its top eigenvector is positive */
	for (int pass = 0; pass < 3; pass++) {
		tri_shift_solve(lz, m, ghi + tiny, tiny, y);
		normalise(y, m);
	}
	rho = tri_rqi(lz, m, tiny);
	if (is_top(lz, m, rho, prev, tiny, pivmin))
		return rho;

	/* the safe way: bisection from the Gershgorin interval, then inverse iteration */
	double th = tri_kth(a, b, m, 1, glo, ghi, 2 * DBL_EPSILON, pivmin);
	for (size_t i = 0; i < m; i++)
		y[i] = 1.0;
	for (int pass = 0; pass < 2; pass++) {
		tri_shift_solve(lz, m, th, tiny, y);
		normalise(y, m);
	}
	return th;
}

/* u = normalised Ritz vector Q_mᵀ y. */
static void ritz_vector(vx_lanczos *lz, size_t m, double *u)
{
	size_t d = lz->d;
	cblas_dgemv(CblasRowMajor, CblasTrans, (int)m, (int)d, 1.0, lz->Q, (int)d, lz->y, 1, 0.0, u, 1);
	double n = cblas_dnrm2((int)d, u, 1);
	if (n > 0 && isfinite(n))
		cblas_dscal((int)d, 1.0 / n, u, 1);
	else
		memcpy(u, lz->Q, d * sizeof *u);
}

/* ---- the iteration, one operator application at a time ---- */

void vx_lanczos_begin(vx_lanczos *lz)
{
	size_t d = lz->d;
	double *q = lz->Q;
	if (lz->warm) {
		for (size_t i = 0; i < d; i++)
			q[i] = lz->u[i] + LZ_MIX * lz->r[i];
	} else {
		memcpy(q, lz->r, d * sizeof *q);
	}
	double n0 = cblas_dnrm2((int)d, q, 1);
	cblas_dscal((int)d, 1.0 / n0, q, 1);
	lz->m = 0;
	lz->ym = 0;
	lz->restarts = 0;
	lz->theta = 0;
	lz->next_check = 1;
	lz->last_m = 0;
	lz->gap = 0;
}

const double *vx_lanczos_next(const vx_lanczos *lz)
{
	return lz->Q + lz->m * lz->d;
}

/* q_{m+1} = w / β into the basis */
static void next_vector(vx_lanczos *lz, double be)
{
	double *dst = lz->Q + lz->m * lz->d, f = 1.0 / be;
	for (size_t i = 0; i < lz->d; i++)
		dst[i] = lz->w[i] * f;
}

int vx_lanczos_feed(vx_lanczos *lz, const double *Aq, double *theta_out)
{
	size_t d = lz->d, m = lz->m;
	int id = (int)d;
	double *Q = lz->Q, *w = lz->w, *h = lz->h;
	const double *q = Q + m * d;
	if (Aq != w)
		memcpy(w, Aq, d * sizeof *w);
	lz->steps++;

	/* α = qᵀw; w −= α q_m + β_{m-1} q_{m-1}, in fused loops: the vectors are
	 * short, and BLAS's overflow-safe dnrm2 is slow where plain sums of
	 * squares of these unit-scale vectors cannot overflow */
	double al = 0;
	for (size_t i = 0; i < d; i++)
		al += q[i] * w[i];
	double before = 0;
	if (m > 0) {
		const double *qp = q - d;
		double bp = lz->beta[m - 1];
		for (size_t i = 0; i < d; i++) {
			w[i] -= al * q[i] + bp * qp[i];
			before += w[i] * w[i];
		}
	} else {
		for (size_t i = 0; i < d; i++) {
			w[i] -= al * q[i];
			before += w[i] * w[i];
		}
	}
	/* full re-orthogonalisation (classical Gram–Schmidt), repeated when the
	 * first pass removed much (the DGKS criterion) */
	for (int pass = 0; pass < 2; pass++) {
		cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)(m + 1), id, 1.0, Q, id, w, 1, 0.0, h, 1);
		cblas_dgemv(CblasRowMajor, CblasTrans, (int)(m + 1), id, -1.0, Q, id, h, 1, 1.0, w, 1);
		double after = 0;
		for (size_t i = 0; i < d; i++)
			after += w[i] * w[i];
		int again = after < 0.5 * before;
		before = after;
		if (!again)
			break;
	}
	double be = sqrt(before);
	if (!isfinite(al) || !isfinite(be)) {
		lz->warm = 0;
		return -1;
	}
	lz->alpha[m] = al;
	lz->beta[m] = be;
	m = ++lz->m;

	double bmax2 = 0, tnorm = 0;
	for (size_t i = 0; i < m; i++) {
		double l = i ? fabs(lz->beta[i - 1]) : 0, r = i + 1 < m ? fabs(lz->beta[i]) : 0;
		tnorm = fmax(tnorm, fabs(lz->alpha[i]) + l + r);
		if (i + 1 < m)
			bmax2 = fmax(bmax2, lz->beta[i] * lz->beta[i]);
	}
	/* an invariant subspace: T_m's eigenvalues are eigenvalues of A */
	int breakdown = be <= 1e-14 * tnorm || m == d;
	/* the small eigenproblem is solved only at the steps where the residual,
	 * extrapolated from the last two solutions, may have converged */
	if (!breakdown && m < lz->next_check && m != lz->mmax) {
		next_vector(lz, be);
		return 0;
	}
	double pivmin = DBL_MIN * fmax(1.0, bmax2);
	double theta = tri_top(lz, m, lz->theta, tnorm, pivmin);
	double rho = be * fabs(lz->y[m - 1]);
	lz->theta = theta;

	int done = rho <= LZ_TOL_R * theta;
	double target = LZ_TOL_R * theta;
	if (!done && m >= 2 && rho <= LZ_GAP_RES * theta) {
		double glo = INFINITY;
		for (size_t i = 0; i < m; i++) {
			double l = i ? fabs(lz->beta[i - 1]) : 0, r = i + 1 < m ? fabs(lz->beta[i]) : 0;
			glo = fmin(glo, lz->alpha[i] - l - r);
		}
		/* the gap to the next Ritz value changes little once this close:
		 * found once per run */
		if (lz->gap <= 0)
			lz->gap = theta - tri_kth(lz->alpha, lz->beta, m, 2, glo, theta, 1e-3, pivmin);
		double gap = lz->gap;
		done = gap > 0 && rho * rho <= LZ_TOL_G * theta * gap;
		if (gap > 0)
			target = fmax(target, sqrt(LZ_TOL_G * theta * gap));
	}
	if (!done) {
		/* the residual falls about geometrically: go a third of the way to
		 * where the last two solutions say it reaches the target */
		size_t adv = 1;
		if (lz->last_m > 0 && rho < lz->last_rho && rho > target) {
			double rate = log(rho / lz->last_rho) / (double)(m - lz->last_m);
			double need = log(target / rho) / rate;
			adv = need > 16 ? 8 : need > 3 ? (size_t)(need / 3) : 1;
		}
		lz->last_m = m;
		lz->last_rho = rho;
		lz->next_check = m + adv;
	}
	if (done || breakdown) {
		ritz_vector(lz, m, lz->u);
		lz->warm = 1;
		*theta_out = theta < 0 ? 0 : theta;   /* A is semi-definite: θ < 0 is rounding */
		return 1;
	}
	if (m == lz->mmax) {
		/* restart from the best Ritz vector so far */
		if (++lz->restarts > LZ_RESTARTS) {
			lz->warm = 0;
			return -1;
		}
		ritz_vector(lz, m, w);
		memcpy(Q, w, d * sizeof *Q);
		lz->m = 0;
		lz->ym = 0;
		lz->theta = 0;
		lz->next_check = 1;
		lz->last_m = 0;
		lz->gap = 0;
		return 0;
	}
	next_vector(lz, be);
	return 0;
}

vx_status vx_lanczos_top(vx_lanczos *lz, vx_linop op, const void *ctx, double *theta)
{
	vx_lanczos_begin(lz);
	for (;;) {
		op(ctx, vx_lanczos_next(lz), lz->w);
		int r = vx_lanczos_feed(lz, lz->w, theta);
		if (r > 0)
			return VX_OK;
		if (r < 0)
			return VX_ENUMERIC;
	}
}

vx_status vx_norm2_dense(const gsl_matrix *A, gsl_matrix *G, gsl_vector *eval,
                         gsl_eigen_symm_workspace *ws, double *out)
{
	double mx = vx_maxabs_matrix(A);
	if (mx == 0) {
		*out = 0;
		return VX_OK;
	}
	if (!isfinite(mx))
		return VX_ENONFINITE;
	int e;
	frexp(mx, &e);
	if (e < -500 || e > 500)
		return VX_EINTERNAL;
	/* G = 2^{-2e} AᵀA keeps the entries near 1 */
	if (gsl_blas_dgemm(CblasTrans, CblasNoTrans, ldexp(1.0, -2 * e), A, A, 0.0, G))
		return VX_ENUMERIC;
	if (gsl_eigen_symm(G, eval, ws))
		return VX_ENUMERIC;
	double top = gsl_vector_max(eval);
	*out = ldexp(sqrt(fmax(top, 0.0)), e);
	return VX_OK;
}
