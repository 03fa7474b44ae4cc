/*
 * linalg.c — norms and scaling helpers, the dense fallback of the spectral norm,
 * and hashes (see linalg.h; the Lanczos iteration is in lanczos.c).
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>
#include "engine/linalg.h"

/* The largest |x_i| one at a time, NaN at the first NaN */
static double maxabs_checked(const double *x, size_t n)
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

/* Four running maxima and four running sums, with no branch: the compiler
 * keeps them in vector registers (at d = 512 the scans of the gated chain's
 * matrices took 8% of its time one entry at a time).  A NaN or an infinity
 * makes the sum not finite, and so does a sum that overflows: the careful
 * scan then gives the answer (NaN whenever any entry is NaN). */
double vx_maxabs(const double *x, size_t n)
{
	double m0 = 0, m1 = 0, m2 = 0, m3 = 0, s0 = 0, s1 = 0, s2 = 0, s3 = 0;
	size_t i = 0;
	for (; i + 4 <= n; i += 4) {
		double a0 = fabs(x[i]), a1 = fabs(x[i + 1]), a2 = fabs(x[i + 2]), a3 = fabs(x[i + 3]);
		m0 = a0 > m0 ? a0 : m0;
		m1 = a1 > m1 ? a1 : m1;
		m2 = a2 > m2 ? a2 : m2;
		m3 = a3 > m3 ? a3 : m3;
		s0 += a0;
		s1 += a1;
		s2 += a2;
		s3 += a3;
	}
	for (; i < n; i++) {
		double a = fabs(x[i]);
		m0 = a > m0 ? a : m0;
		s0 += a;
	}
	if (!isfinite(s0 + s1 + s2 + s3))
		return maxabs_checked(x, n);
	m0 = m1 > m0 ? m1 : m0;
	m2 = m3 > m2 ? m3 : m2;
	return m2 > m0 ? m2 : m0;
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

void vx_scale2(double *x, size_t n, int e)
{
	if (e == 0)
		return;
	if (e > -1000 && e < 1000) {
		double f = ldexp(1.0, e);
		for (size_t i = 0; i < n; i++)
			x[i] *= f;
	} else {
		for (size_t i = 0; i < n; i++)
			x[i] = ldexp(x[i], e);
	}
}

void vx_scale2_matrix(gsl_matrix *A, int e)
{
	for (size_t i = 0; i < A->size1; i++)
		vx_scale2(vx_row(A, i), A->size2, e);
}

int vx_normalise2v(double *v, size_t n, double *e)
{
	double mx = vx_maxabs(v, n);
	*e = 0;
	if (mx == 0 || !isfinite(mx))
		return 0;
	int x = vx_expo(mx);
	vx_scale2(v, n, -x);
	*e = x;
	return 1;
}

int vx_diff2(const double *x, const gsl_vector *y, double *res, double *e)
{
	size_t n = y->size;
	double mx = 0;
	for (size_t i = 0; i < n; i++)
		mx = fmax(mx, fmax(fabs(x[i]), fabs(gsl_vector_get(y, i))));
	int es = mx > 0 ? vx_expo(mx) : 0;
	/* exact differences while both sides are normal doubles */
	if (es >= -1000 && es <= 1000)
		es = 0;
	for (size_t i = 0; i < n; i++)
		res[i] = es == 0 ? x[i] - gsl_vector_get(y, i) : ldexp(x[i], -es) - ldexp(gsl_vector_get(y, i), -es);
	if (!vx_normalise2v(res, n, e))
		return 0;
	*e += es;
	return 1;
}

double vx_shift2(double sh)
{
	return sh < -1000 ? 0 : ldexp(1.0, (int)sh);
}

void vx_sum2_add(double *m, double *e, double tm, double te)
{
	if (*m == 0) {
		*m = tm;
		*e = te;
	} else if (te > *e) {
		*m = *m * vx_shift2(*e - te) + tm;
		*e = te;
	} else {
		*m += tm * vx_shift2(te - *e);
	}
}

int vx_normalise2(gsl_matrix *A, int *e)
{
	double mx = vx_maxabs_matrix(A);
	*e = 0;
	if (!isfinite(mx))
		return -1;
	if (mx == 0)
		return 0;
	*e = vx_expo(mx);
	vx_scale2_matrix(A, -*e);
	return 1;
}

int vx_gap_leave(const double *y, size_t stride, size_t t, double lo, double hi, size_t *gap)
{
	const char *base = (const char *)y;
	*gap = 0;
	for (size_t k = t; k >= 1; k--) {
		double v = *(const double *)(base + (k - 1) * stride);
		if (v < lo || v > hi) {
			*gap = t - k;
			return v < lo ? -1 : 1;
		}
	}
	return 0;
}

double vx_gap_slope(const double *y, size_t stride, size_t t)
{
	const char *base = (const char *)y;
	double sx = 0, sy = 0;
	size_t n = 0;
	for (size_t k = 1; k <= t; k++) {
		double v = *(const double *)(base + (k - 1) * stride);
		if (isfinite(v)) {
			sx += (double)(t - k);
			sy += v;
			n++;
		}
	}
	if (n < 2)
		return NAN;
	double mx = sx / (double)n, my = sy / (double)n, sxy = 0, sxx = 0;
	for (size_t k = 1; k <= t; k++) {
		double v = *(const double *)(base + (k - 1) * stride);
		if (isfinite(v)) {
			double dx = (double)(t - k) - mx;
			sxy += dx * (v - my);
			sxx += dx * dx;
		}
	}
	return sxx > 0 ? sxy / sxx : NAN;
}


/* What GSL's symmetric eigen-solver sees of a Gram matrix G = AᵀA: its
 * QR iteration splits off an off-diagonal entry only below DBL_EPSILON times
 * its diagonal neighbours, and has no iteration cap, so entries where that
 * product rounds to 0 or leaves the normal range keep it turning for ever
 * (the h block of an LSTM at λ = 1e-30 and input scale 1e3, with GSL's own
 * CBLAS: columns of A from 1e-170 to 1, a G_ii that underflowed beside a
 * G_iq that did not; with any BLAS, 1 ⊕ 1e-155 C for a bidiagonal C of five
 * rows, whose Gram block is subnormal).  So, with m the largest |G_iq|: every row and column
 * q whose G_qq is below GRAM_FLUSH m is set to 0 (as if column q of A were
 * 0), and then every entry below GRAM_FLUSH m.  What is left is consistent
 * (|G_iq| <= √(G_ii G_qq) up to rounding) and far above the subnormals, and
 * the top eigenvalue moves by at most d 2^-600 m. */
#define GRAM_FLUSH 0x1p-600

/* The largest eigenvalue of the symmetric positive semi-definite G (its
 * lower triangle and diagonal read and destroyed), its negligible rows,
 * columns and entries set to 0 first (GRAM_FLUSH). */
static vx_status gram_top(gsl_matrix *G, gsl_vector *eval, gsl_eigen_symm_workspace *ws, double *top)
{
	size_t n = G->size1;
	double m = 0;
	for (size_t i = 0; i < n; i++)
		m = fmax(m, vx_maxabs(vx_row(G, i), i + 1));
	double tiny = m * GRAM_FLUSH;
	for (size_t q = 0; q < n; q++) {
		if (!(vx_row(G, q)[q] < tiny))
			continue;
		for (size_t l = 0; l <= q; l++)
			vx_row(G, q)[l] = 0;
		for (size_t i = q; i < n; i++)
			vx_row(G, i)[q] = 0;
	}
	for (size_t i = 0; i < n; i++) {
		double *g = vx_row(G, i);
		for (size_t l = 0; l < i; l++)
			if (fabs(g[l]) < tiny)
				g[l] = 0;
	}
	if (gsl_eigen_symm(G, eval, ws))
		return VX_ENUMERIC;
	*top = gsl_vector_max(eval);
	return VX_OK;
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
	int e = vx_expo(mx);
	if (e >= -500 && e <= 500) {
		/* G = 2^{-2e} AᵀA keeps the entries near 1 */
		if (gsl_blas_dgemm(CblasTrans, CblasNoTrans, ldexp(1.0, -2 * e), A, A, 0.0, G))
			return VX_ENUMERIC;
	} else {
		/* 2^{-2e} itself, or AᵀA before it, would leave the range of a
		 * double: G = Σ_i (2^-e a_i)ᵀ (2^-e a_i) over the rows a_i of A,
		 * each scaled exactly into eval (c entries) first, lower triangle */
		size_t c = A->size2;
		double *row = eval->data;
		gsl_matrix_set_zero(G);
		for (size_t i = 0; i < A->size1; i++) {
			const double *a = vx_row(A, i);
			for (size_t q = 0; q < c; q++)
				row[q * eval->stride] = ldexp(a[q], -e);
			cblas_dsyr(CblasRowMajor, CblasLower, (int)c, 1.0, row, (int)eval->stride, G->data,
			           (int)G->tda);
		}
	}
	double top;
	vx_status st = gram_top(G, eval, ws, &top);
	if (st)
		return st;
	*out = ldexp(sqrt(fmax(top, 0.0)), e);
	return VX_OK;
}

/* ---- the certified top eigenvalue of a dense symmetric matrix ---- */

/* Block size of the Cholesky factorisation below. */
#define CHOL_NB 64
/* VX_SYM_TOP_REL, the relative margin above the Lanczos value that the
 * certificate tests, must exceed the value's own error (LZ_TOL_R) and leave
 * the factorisation room above its rounding, about √d ulps of ‖G‖. */

/* Whether the row-major symmetric matrix A (n×n, leading dimension lda,
 * upper triangle read, overwritten by the factor) is positive definite in
 * floating point: a right-looking blocked Cholesky factorisation A = UᵀU,
 * O(n³/3) with BLAS-3 updates, whose every pivot must be positive.  Not
 * GSL's: a matrix that is not positive definite is an expected answer here,
 * and GSL reports it through its error handler, which may abort. */
static int chol_pd(double *A, size_t n, size_t lda)
{
	int ld = (int)lda;
	for (size_t k = 0; k < n; k += CHOL_NB) {
		size_t nb = n - k < CHOL_NB ? n - k : CHOL_NB;
		double *A11 = A + k * lda + k;
		/* the diagonal block, unblocked (its trailing part already updated) */
		for (size_t j = 0; j < nb; j++) {
			double *rj = A11 + j * lda;
			double p = rj[j];
			for (size_t i = 0; i < j; i++)
				p -= A11[i * lda + j] * A11[i * lda + j];
			if (!(p > 0))
				return 0;
			p = sqrt(p);
			rj[j] = p;
			for (size_t l = j + 1; l < nb; l++) {
				double s = rj[l];
				for (size_t i = 0; i < j; i++)
					s -= A11[i * lda + j] * A11[i * lda + l];
				rj[l] = s / p;
			}
		}
		size_t rest = n - k - nb;
		if (rest == 0)
			break;
		double *A12 = A11 + nb, *A22 = A + (k + nb) * lda + k + nb;
		/* A12 ← U11⁻ᵀ A12, then A22 ← A22 − A12ᵀ A12 */
		cblas_dtrsm(CblasRowMajor, CblasLeft, CblasUpper, CblasTrans, CblasNonUnit, (int)nb,
		            (int)rest, 1.0, A11, ld, A12, ld);
		cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)rest, (int)nb, -1.0, A12, ld, 1.0,
		            A22, ld);
	}
	return 1;
}

typedef struct {
	const gsl_matrix *G;
} sym_op;

/* y = G x */
static void sym_apply(const void *ctx, const double *x, double *y)
{
	const gsl_matrix *G = ((const sym_op *)ctx)->G;
	cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)G->size1, (int)G->size2, 1.0, G->data,
	            (int)G->tda, x, 1, 0.0, y, 1);
}

vx_status vx_sym_top(vx_lanczos *lz, const gsl_matrix *G, gsl_matrix *M, gsl_vector *eval,
                     gsl_eigen_symm_workspace *ws, double *theta, int *dense)
{
	size_t d = G->size1;
	*dense = 0;
	double mx = vx_maxabs_matrix(G);
	if (!isfinite(mx))
		return VX_ENONFINITE;
	if (mx == 0) {
		*theta = 0;
		return VX_OK;
	}
	sym_op o = { G };
	double th;
	if (vx_lanczos_top(lz, sym_apply, &o, &th) == VX_OK && th > 0) {
		/* M = θ(1 + margin) I − G: positive definite iff every eigenvalue
		 * of G lies below θ(1 + margin) */
		double hi = th * (1 + VX_SYM_TOP_REL);
		for (size_t i = 0; i < d; i++) {
			const double *g = gsl_matrix_const_ptr(G, i, 0);
			double *mrow = gsl_matrix_ptr(M, i, 0);
			for (size_t l = i; l < d; l++)
				mrow[l] = -g[l];
			mrow[i] += hi;
		}
		if (chol_pd(M->data, d, M->tda)) {
			*theta = th;
			return VX_OK;
		}
	}
	/* uncertified: the dense eigen-solver, on a copy */
	*dense = 1;
	gsl_matrix_memcpy(M, G);
	double top;
	vx_status st = gram_top(M, eval, ws, &top);
	if (st)
		return st;
	*theta = fmax(top, 0.0);
	return VX_OK;
}

/* ---- hashing inputs into seeds ---- */

uint64_t vx_hash_doubles(uint64_t h, const double *x, size_t n, size_t stride)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t b;
		memcpy(&b, &x[i * stride], sizeof b);
		h = (h ^ b) * 0x100000001b3u;   /* FNV-1a, a word at a time */
		h ^= h >> 29;
	}
	return h;
}

uint64_t vx_hash_matrix(uint64_t h, const gsl_matrix *A)
{
	for (size_t i = 0; i < A->size1; i++)
		h = vx_hash_doubles(h, gsl_matrix_const_ptr(A, i, 0), A->size2, 1);
	return h;
}

int vx_monomial_norm(const gsl_matrix *A, double *out)
{
	size_t r = A->size1, c = A->size2;
	unsigned char *used = calloc(c ? c : 1, 1);
	if (!used)
		return 0;
	double mx = 0;
	int ok = 1;
	for (size_t i = 0; i < r && ok; i++) {
		const double *a = gsl_matrix_const_ptr(A, i, 0);
		int seen = 0;
		for (size_t j = 0; j < c; j++) {
			if (a[j] == 0)
				continue;
			if (seen++ || used[j]++) {
				ok = 0;
				break;
			}
			mx = fmax(mx, fabs(a[j]));
		}
	}
	free(used);
	if (ok)
		*out = mx;
	return ok;
}

/* ---- the spectral norm of any matrix ---- */

void vx_gram_apply(const void *ctx, const double *x, double *y)
{
	const vx_gram_op *g = ctx;
	const gsl_matrix *A = g->A;
	int r = (int)A->size1, c = (int)A->size2, tda = (int)A->tda;
	cblas_dgemv(CblasRowMajor, g->outer ? CblasTrans : CblasNoTrans, r, c, 1.0, A->data, tda, x, 1, 0.0,
	            g->tmp, 1);
	cblas_dgemv(CblasRowMajor, g->outer ? CblasNoTrans : CblasTrans, r, c, 1.0, A->data, tda, g->tmp, 1,
	            0.0, y, 1);
}

/* Lanczos on SᵀS (S = 2^-e A) rather than the certified route of the
 * analysis's λ (vx_sym_top): the certificate's O(d³) Gram matrix and
 * factorisation would run before the analysis can refuse sizes that do not
 * fit in memory, and OpenBLAS retries its BLAS-3 buffers for minutes when
 * memory is short (d = 4096 under a 1 GB limit); matrix-vector products
 * need none. */
vx_status vx_norm2_split(const gsl_matrix *A, double *mant, int *e)
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
	gsl_matrix *S = gsl_matrix_alloc(r, c);
	double *tmp = malloc(r * sizeof *tmp);
	vx_lanczos *lz = vx_lanczos_alloc(c);
	vx_status st = VX_ENOMEM;
	if (!S || !tmp || !lz)
		goto done;
	for (size_t i = 0; i < r; i++)
		for (size_t j = 0; j < c; j++)
			gsl_matrix_set(S, i, j, ldexp(gsl_matrix_get(A, i, j), -*e));
	vx_gram_op g = { S, tmp, 0 };
	double theta;
	vx_lanczos_seed(lz, vx_hash_matrix(r * 31 + c, A));
	st = vx_lanczos_top(lz, vx_gram_apply, &g, &theta);
	if (st == VX_ENUMERIC) {
		gsl_matrix *G = gsl_matrix_alloc(c, c);
		gsl_vector *ev = gsl_vector_alloc(c);
		gsl_eigen_symm_workspace *ws = gsl_eigen_symm_alloc(c);
		double nrm = 0;
		st = (G && ev && ws) ? vx_norm2_dense(S, G, ev, ws, &nrm) : VX_ENOMEM;
		theta = nrm * nrm;
		gsl_matrix_free(G);
		gsl_vector_free(ev);
		if (ws)
			gsl_eigen_symm_free(ws);
	}
	if (st == VX_OK)
		*mant = sqrt(theta);
done:
	gsl_matrix_free(S);
	free(tmp);
	vx_lanczos_free(lz);
	return st;
}

vx_status vx_matrix_norm2(const gsl_matrix *A, double *out)
{
	double mant;
	int e;
	vx_status st = vx_norm2_split(A, &mant, &e);
	if (st == VX_OK)
		*out = ldexp(mant, e);   /* inf when the norm exceeds DBL_MAX */
	return st;
}

/* C = A op(W) + beta C over row-major blocks of nb rows: op(W) = Wᵀ when
 * trans (W is out × in), else W (in × out).  One or two rows (BPTT's
 * adjoint, a step at a time) go by dgemv: a product packs W first, which
 * made it three times slower for one row (weight_hh of d = 256, 1024×256:
 * 108 µs against 37 µs; 3.6 ms against 1.3 ms at d = 1024), twice for two,
 * and no faster from four rows on. */
void vx_mm_rows_blas(const double *A, size_t lda, const gsl_matrix *W, int trans, double *C, size_t ldc,
                     size_t nb, double beta)
{
	size_t in = trans ? W->size2 : W->size1, out = trans ? W->size1 : W->size2;
	if (nb <= 2) {
		for (size_t b = 0; b < nb; b++)
			cblas_dgemv(CblasRowMajor, trans ? CblasNoTrans : CblasTrans, (int)W->size1, (int)W->size2, 1.0,
			            W->data, (int)W->tda, A + b * lda, 1, beta, C + b * ldc, 1);
		return;
	}
	cblas_dgemm(CblasRowMajor, CblasNoTrans, trans ? CblasTrans : CblasNoTrans, (int)nb, (int)out,
	            (int)in, 1.0, A, (int)lda, W->data, (int)W->tda, beta, C, (int)ldc);
}

void vx_mm_rows(const double *A, size_t lda, const gsl_matrix *W, int trans, double *C, size_t ldc, size_t nb,
                double beta)
{
	/* three to eight rows against W's rows: fewrows.c's kernel reads W
	 * once where the product packs it (four rows of 256: 15.5 µs against
	 * 40; of 1024, 290 against 711; eight of 256, 31 against 43, and from
	 * sixteen on no faster than the product) */
	if (trans && nb >= 3 && nb <= 8 && vx_mm_rows_few(A, lda, W, C, ldc, nb, beta))
		return;
	vx_mm_rows_blas(A, lda, W, trans, C, ldc, nb, beta);
}

/* xᵀy by OpenBLAS's ddot, in pieces of at most 8192 entries summed in
 * order: above 10 000 entries OpenBLAS shares a dot among its threads, and
 * its bits then depend on how many it has (measured with 0.3.21); axpy and
 * scal, entry by entry, do not. */
#define DOT_PIECE 8192

double vx_dot(const double *x, const double *y, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i += DOT_PIECE)
		s += cblas_ddot((int)(n - i < DOT_PIECE ? n - i : DOT_PIECE), x + i, 1, y + i, 1);
	return s;
}

/* Y = the rows of Z made orthonormal, Z p×d and Y p×d row-major with rows
 * of stride d, apart in memory, p <= d: the transposed thin Q of Zᵀ = QR,
 * with rll[l] = |R_ll|.  Classical Gram–Schmidt applied twice, which keeps
 * Y orthonormal to rounding while Z is not numerically deficient (Giraud,
 * Langou and Rozložník, 2005): its passes over Z's contiguous rows take a
 * few µs at d = 256, where GSL's Householder QR of the d×p Zᵀ and the p
 * columns of its Q took as long as the step's product.  A row whose new
 * part falls below 2^-20 of it, or whose square sum leaves the range where
 * it is exact to rounding, and p > VX_ROWS_QR_MAX, send the whole
 * factorisation to Householder's QR of Zᵀ in Zt (d×p), with tau (p) and e
 * (d).  0 by Gram–Schmidt, 1 by Householder, -1 when GSL fails, p > d or a
 * growth is not a number (Z held a NaN or an infinity). */
int vx_rows_qr(const double *Z, double *Y, size_t p, size_t d, double *rll, gsl_matrix *Zt, gsl_vector *tau,
               gsl_vector *e)
{
	double h[VX_ROWS_QR_MAX];
	if (p > d)
		return -1;
	if (p > VX_ROWS_QR_MAX)
		goto householder;
	for (size_t l = 0; l < p; l++) {
		double *y = Y + l * d;
		memcpy(y, Z + l * d, d * sizeof *y);
		double n0 = vx_dot(y, y, d);
		if (!(n0 > 0x1p-900 && n0 < 0x1p900))
			goto householder;
		for (int pass = 0; pass < 2; pass++) {
			for (size_t k = 0; k < l; k++)
				h[k] = vx_dot(Y + k * d, y, d);
			for (size_t k = 0; k < l; k++)
				cblas_daxpy((int)d, -h[k], Y + k * d, 1, y, 1);
		}
		double n1 = vx_dot(y, y, d);
		if (!(n1 > 0x1p-40 * n0))
			goto householder;
		rll[l] = sqrt(n1);
		cblas_dscal((int)d, 1 / rll[l], y, 1);
	}
	return 0;
householder:
	for (size_t i = 0; i < d; i++)
		for (size_t l = 0; l < p; l++)
			gsl_matrix_set(Zt, i, l, Z[l * d + i]);
	if (gsl_linalg_QR_decomp(Zt, tau))
		return -1;
	for (size_t l = 0; l < p; l++) {
		gsl_vector_set_basis(e, l);
		if (gsl_linalg_QR_Qvec(Zt, tau, e))
			return -1;
		for (size_t i = 0; i < d; i++)
			Y[l * d + i] = gsl_vector_get(e, i);
		rll[l] = fabs(gsl_matrix_get(Zt, l, l));
		if (isnan(rll[l]) || isinf(rll[l]))
			return -1;
	}
	return 1;
}

/* 1 when one of the p sums differs from the last sweep's by more than
 * 1e-13 of itself (−∞ and −∞ do not differ) */
static int lyap_moved(const double *sums, const double *before, size_t p)
{
	for (size_t l = 0; l < p; l++)
		if (sums[l] != before[l] && !(fabs(sums[l] - before[l]) <= 1e-13 * fabs(sums[l])))
			return 1;
	return 0;
}

vx_status vx_lyap_sweeps(vx_status (*start)(void *ctx), vx_lyap_pass pass, void *ctx, size_t p, double madds,
                         double *sums)
{
	double n = 1e7 / fmax(madds, 1.0), back[VX_ROWS_QR_MAX], before[VX_ROWS_QR_MAX];
	size_t sweeps = n >= 16 ? 16 : n >= 1 ? (size_t)n : 1;
	if (p > VX_ROWS_QR_MAX)
		return VX_EINTERNAL;
	vx_status st = start(ctx);
	for (size_t s = 0; st == VX_OK && s < sweeps; s++) {
		st = pass(ctx, 0, back);
		if (st == VX_ENUMERIC || (st == VX_OK && !(back[0] > -INFINITY))) {
			/* no σ' somewhere, or the product is 0 on the top direction:
			 * the forward pass from any start says which */
			st = start(ctx);
			sweeps = s + 1;
		}
		if (st == VX_OK)
			st = pass(ctx, 1, sums);
		if (st != VX_OK || !(sums[0] > -INFINITY) || (s > 0 && !lyap_moved(sums, before, p)))
			break;
		memcpy(before, sums, p * sizeof *sums);
	}
	return st;
}
