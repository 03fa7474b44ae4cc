/*
 * lanczos.c — warm-started Lanczos for the largest eigenvalue of a symmetric
 * positive semi-definite operator, with its certified stop (see linalg.h).
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_blas.h>
#include "engine/linalg.h"

/* Krylov dimension before a restart, restarts before giving up.  A GRU's
 * step Jacobian diag(z) + ⋯ packs its top singular values (σ₂/σ₁ about
 * 0.98-0.99), and its runs go past 64 steps: at d = 512, T = 1000 a
 * restart at 64 took 147 thousand steps, at 128 120 thousand (7.6 s
 * against 9.0 for the analysis), at 256 2% fewer (T = 300: 38.5 against
 * 39.3 thousand) for twice the memory.  The basis is allocated whole and
 * touched as far as a run goes. */
#define LZ_MMAX 128
#define LZ_RESTARTS 8
/* Weight of the random vector mixed into a warm start.  A warm start can be
 * an exact eigenvector of the next operator that is not its top one (W
 * orthogonal: every step's eigenvectors are the same); the random part gives
 * the top one a share the iteration then amplifies. */
#define LZ_MIX 1e-1
/* Stop when ‖Ax − θx‖ <= LZ_TOL_R θ, and only then.  Some eigenvalue lies
 * within that distance of θ, and it is the largest one unless the start
 * lacked the top direction: a pair of eigenvalues closer than the residual
 * can say is still mixed in x, and its residual stays near their distance
 * times the mixing until the iteration has told them apart (or they are
 * closer than LZ_TOL_R θ, when either will do).  The refinement ρ²/gap used
 * before took the gap from the Ritz values, which an unresolved close pair
 * makes look wide: a W with singular values 1 and 1 − 1e-7 stopped on the
 * second.  Every start has a random component drawn afresh from a stream
 * the caller seeds (vx_lanczos_seed), so no fixed vector exists that an
 * operator could be built orthogonal to. */
#define LZ_TOL_R 1e-13

struct vx_lanczos {
	size_t d, mmax;
	size_t dcap;          /* the dimension it was allocated for */
	double *Q;            /* (mmax+1) × d: row i is the Lanczos vector q_{i+1} */
	double *alpha, *beta; /* the tridiagonal T_m */
	double *w, *u, *r, *h;
	double *y, *yprev, *tdl, *td, *tdu, *tdu2;
	size_t *ipiv;
	int warm;
	int local;            /* no full re-orthogonalisation; the stop verified by an explicit residual */
	int verify;           /* the caller is applying A to the Ritz vector u */
	uint64_t rng;         /* splitmix64 state of the start vectors */
	size_t steps;
	/* the run in progress */
	size_t m;
	int restarts;
	double theta;
	size_t ym;      /* y holds T_ym's top eigenvector */
	size_t next_check; /* the step at which T_m is next solved */
	size_t last_m;     /* the last step it was, and its residual */
	double last_rho;
	double tnorm, bmax2;  /* of T_m, kept as it grows (see vx_lanczos_feed) */
	const atomic_int *stop; /* the caller's stop flag for vx_lanczos_top (NULL: none) */
};

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
	lz->d = lz->dcap = d;
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

	vx_lanczos_seed(lz, 0);
	return lz;
}

/* splitmix64 (Steele, Lea and Flood): a full-period 64-bit stream whose
 * outputs pass BigCrush, at a few instructions a draw; mix64 is its output
 * function, a bijection of 64-bit words */
static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static uint64_t splitmix64(uint64_t *s)
{
	return mix64(*s += 0x9e3779b97f4a7c15u);
}

void vx_lanczos_seed(vx_lanczos *lz, uint64_t seed)
{
	/* mixed, so that seeds a fixed step apart (one per workspace) start
	 * streams at unrelated places, not one stream shifted by a draw */
	lz->rng = mix64(seed ^ 0x5fa3c1d2e4b60789u);
	lz->warm = 0;
}

/* lz->r = a fresh unit vector from independent entries U_i uniform in
 * (−1, 1).  Its component along any fixed unit vector v is below δ/√d in
 * size with probability at most about 0.82 δ: the density of Σ v_i U_i is at
 * most 1/√2 (K. Ball's bound on the sections of a cube), and ‖U‖ ≈ √(d/3). */
static void draw_start(vx_lanczos *lz)
{
	double s = 0, *r = lz->r;
	for (size_t i = 0; i < lz->d; i++) {
		r[i] = (double)(int64_t)splitmix64(&lz->rng) * 0x1p-63;
		s += r[i] * r[i];
	}
	if (!(s > 0))
		r[0] = s = 1;
	s = 1.0 / sqrt(s);
	for (size_t i = 0; i < lz->d; i++)
		r[i] *= s;
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

int vx_lanczos_set_dim(vx_lanczos *lz, size_t d)
{
	if (d == 0 || d > lz->dcap)
		return -1;
	/* every buffer was sized for dcap and the Krylov dimension it allows:
	 * a smaller d fits in each, at the offsets they already have */
	lz->d = d;
	lz->mmax = d < LZ_MMAX ? d : LZ_MMAX;
	lz->warm = 0;
	return 0;
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

/* An empty Krylov space, its first vector (Q's first row) in place. */
static void krylov_empty(vx_lanczos *lz)
{
	lz->m = 0;
	lz->ym = 0;
	lz->theta = 0;
	lz->next_check = 1;
	lz->last_m = 0;
	lz->tnorm = lz->bmax2 = 0;
}

void vx_lanczos_begin(vx_lanczos *lz)
{
	size_t d = lz->d;
	double *q = lz->Q;
	draw_start(lz);
	if (lz->warm) {
		for (size_t i = 0; i < d; i++)
			q[i] = lz->u[i] + LZ_MIX * lz->r[i];
	} else {
		memcpy(q, lz->r, d * sizeof *q);
	}
	double n0 = cblas_dnrm2((int)d, q, 1);
	cblas_dscal((int)d, 1.0 / n0, q, 1);
	krylov_empty(lz);
	lz->restarts = 0;
	lz->verify = 0;
}

const double *vx_lanczos_next(const vx_lanczos *lz)
{
	return lz->verify ? lz->u : lz->Q + lz->m * lz->d;
}

void vx_lanczos_set_local(vx_lanczos *lz, int on)
{
	lz->local = on != 0;
}

/* Local mode: A u has come back for the Ritz vector u.  θ = uᵀAu / uᵀu and
 * ‖Au − θu‖ / ‖u‖ computed from the vectors themselves, so that the
 * certificate does not rest on an orthonormal basis (Weyl: some eigenvalue
 * of A lies within that residual of θ).  1 with *theta when the residual is
 * at most LZ_TOL_R θ; 0 to go on with the iteration. */
static int verify_ritz(vx_lanczos *lz, const double *Au, double *theta_out)
{
	size_t d = lz->d;
	const double *u = lz->u;
	double uu = 0, ua = 0;
	for (size_t i = 0; i < d; i++) {
		uu += u[i] * u[i];
		ua += u[i] * Au[i];
	}
	lz->verify = 0;
	if (!(uu > 0))
		return 0;
	double th = ua / uu, rr = 0;
	for (size_t i = 0; i < d; i++) {
		double e = Au[i] - th * u[i];
		rr += e * e;
	}
	if (!isfinite(th) || !(sqrt(rr / uu) <= LZ_TOL_R * th))
		return 0;
	lz->warm = 1;
	*theta_out = th;
	return 1;
}

/* q_{m+1} = w / β into the basis */
static void next_vector(vx_lanczos *lz, double be)
{
	double *dst = lz->Q + lz->m * lz->d;
	memcpy(dst, lz->w, lz->d * sizeof *dst);
	cblas_dscal((int)lz->d, 1.0 / be, dst, 1);
}

int vx_lanczos_feed(vx_lanczos *lz, const double *Aq, double *theta_out)
{
	size_t d = lz->d, m = lz->m;
	int id = (int)d;
	double *Q = lz->Q, *w = lz->w, *h = lz->h;
	const double *q = Q + m * d;
	lz->steps++;
	if (lz->verify) {
		int final = lz->verify == 2;
		if (verify_ritz(lz, Aq, theta_out))
			return 1;
		if (final) {
			lz->warm = 0;
			return -1;
		}
		/* the estimate was optimistic: on, and solve T_m again a few
		 * steps later */
		lz->next_check = m + 2;
		return 0;
	}
	if (Aq != w)
		memcpy(w, Aq, d * sizeof *w);

	/* α = qᵀw / qᵀq; w −= α q_m + β_{m-1} q_{m-1}, by BLAS's vector kernels:
	 * at d = 256 plain loops, one add waiting for the one before, cost
	 * half as much as the operator's products (perf at 256×1000, tanh: 15%
	 * of the samples against 30%; 0.189 s before, 0.173 s after, best of
	 * 15).  β from a dot, not dnrm2: BLAS's
	 * overflow-safe norm is slow, and sums of squares of these unit-scale
	 * vectors cannot overflow.  q is a unit vector only to rounding: dividing
	 * by qᵀq, summed in the same order as qᵀw, makes α exact when A is a
	 * power of two times the identity (W = I, or a permutation), and then
	 * the iteration stops at once on it. */
	double al = vx_dot(q, w, d) / vx_dot(q, q, d);
	cblas_daxpy(id, -al, q, 1, w, 1);
	if (m > 0)
		cblas_daxpy(id, -lz->beta[m - 1], q - d, 1, w, 1);
	double before = vx_dot(w, w, d);
	/* full re-orthogonalisation (classical Gram–Schmidt), repeated when the
	 * first pass removed much (the DGKS criterion); none in local mode */
	for (int pass = 0; pass < (lz->local ? 0 : 2); pass++) {
		/* h = Q w a row at a time: a threaded dgemv splits each row's sum
		 * among its threads (OpenBLAS 0.3.21 on a Zen 3: 1.5 on one
		 * thread, 1.5000000000000002 on two, for one run of 20 000
		 * entries); the transposed dgemv for w −= Qᵀ h keeps its bits,
		 * each entry of w summed on one thread (measured there: 30 ×
		 * 20 000) */
		for (size_t i = 0; i <= m; i++)
			h[i] = vx_dot(Q + i * d, w, d);
		cblas_dgemv(CblasRowMajor, CblasTrans, (int)(m + 1), id, -1.0, Q, id, h, 1, 1.0, w, 1);
		double after = vx_dot(w, w, d);
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

	/* T_m's Gershgorin bound max_i |α_i| + |β_{i−1}| + |β_i| and its
	 * largest β²: a new row m − 1, and the row before gains |β_{m−2}| */
	{
		size_t i = m - 1;
		double l = i ? fabs(lz->beta[i - 1]) : 0;
		lz->tnorm = fmax(lz->tnorm, fabs(lz->alpha[i]) + l);
		if (i > 0) {
			double ll = i > 1 ? fabs(lz->beta[i - 2]) : 0;
			lz->tnorm = fmax(lz->tnorm, fabs(lz->alpha[i - 1]) + ll + l);
			lz->bmax2 = fmax(lz->bmax2, lz->beta[i - 1] * lz->beta[i - 1]);
		}
	}
	double tnorm = lz->tnorm, bmax2 = lz->bmax2;
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
	if (lz->local && (done || breakdown)) {
		/* without re-orthogonalisation T_m's residual estimate can be
		 * wrong once the basis has lost orthogonality: the caller applies
		 * A to the Ritz vector and verify_ritz decides (after a breakdown
		 * there is no next vector: its answer is final) */
		ritz_vector(lz, m, lz->u);
		if (!breakdown)
			next_vector(lz, be);
		lz->verify = breakdown ? 2 : 1;
		return 0;
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
		krylov_empty(lz);
		return 0;
	}
	next_vector(lz, be);
	return 0;
}

void vx_lanczos_set_stop(vx_lanczos *lz, const atomic_int *stop)
{
	lz->stop = stop;
}

vx_status vx_lanczos_top(vx_lanczos *lz, vx_linop op, const void *ctx, double *theta)
{
	vx_lanczos_begin(lz);
	for (;;) {
		/* one run at d = 1024 takes 0.4 s under load: a poll a step */
		if (vx_stop_asked(lz->stop))
			return VX_ECANCELLED;
		op(ctx, vx_lanczos_next(lz), lz->w);
		int r = vx_lanczos_feed(lz, lz->w, theta);
		if (r > 0)
			return VX_OK;
		if (r < 0)
			return VX_ENUMERIC;
	}
}
