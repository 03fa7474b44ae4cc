/*
 * test_engine_fewrows.c — the few-row product kernel (vx_mm_rows_few, and
 * vx_mm_rows through it) and the rows' QR (vx_rows_qr), against plain
 * long-double sums and the defining properties:
 *   - every entry of C = A Wᵀ + βC within the dot product's rounding bound
 *     n·u·Σ|w||a| of a long-double reference, for shapes with every tail
 *     (rows odd or even, lengths not a multiple of 4), strides wider than
 *     the rows, 1 to 8 rows, β = 0 (C holding NaN, which must not be read)
 *     and β ≠ 0;
 *   - a row's bits the same whichever call computes it (alone or among
 *     others), which the engine's threads rely on;
 *   - the rows' QR: Y orthonormal to 1e-14, Z = Rᵀ Y reproduced, |R_ll|
 *     equal to the norms of Z's successive new parts, by Gram–Schmidt on
 *     rows 1e-5 apart and of scales 2^±400, by Householder on rows 1e-9
 *     apart, of scales 2^±520 and on a deficient Z; p > d, NaN and
 *     infinity refused;
 *   - vx_mm_rows_blas, the way without the kernel, at 1 to 12 rows;
 *   - vx_mm_rows_few_n, C = A W + βC, the same way.
 */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <string.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>

#include "engine/linalg.h"

static void setup(void)
{
	gsl_set_error_handler_off();
}

TestSuite(engine_fewrows, .init = setup);

static void fill(double *x, size_t n, gsl_rng *rng)
{
	for (size_t i = 0; i < n; i++)
		x[i] = gsl_rng_uniform(rng) * 2 - 1;
}

/* one call on an m×n W, checked: vx_mm_rows_few (few = 1), vx_mm_rows (0)
 * or vx_mm_rows_blas (2), which machines without AVX2 and FMA take */
static void check_shape(size_t m, size_t n, size_t nb, double beta, int few, gsl_rng *rng)
{
	size_t lda = n + 3, ldc = m + 5;
	gsl_matrix *Wbig = gsl_matrix_alloc(m, n + 2);
	fill(Wbig->data, m * (n + 2), rng);
	gsl_matrix_view Wv = gsl_matrix_submatrix(Wbig, 0, 1, m, n);   /* tda = n + 2 */
	const gsl_matrix *W = &Wv.matrix;
	double *A = malloc(nb * lda * sizeof *A), *C = malloc(nb * ldc * sizeof *C);
	double *C0 = malloc(nb * ldc * sizeof *C0);
	fill(A, nb * lda, rng);
	fill(C0, nb * ldc, rng);
	for (size_t b = 0; b < nb; b++)
		for (size_t i = 0; i < m; i++)
			if (beta == 0)
				C0[b * ldc + i] = NAN;
	memcpy(C, C0, nb * ldc * sizeof *C);
	if (few == 2) {
		vx_mm_rows_blas(A, lda, W, 1, C, ldc, nb, beta);
	} else if (few) {
		int ran = vx_mm_rows_few(A, lda, W, C, ldc, nb, beta);
		if (!ran) {
			/* a processor without AVX2 and FMA: nothing may be touched */
			cr_expect(memcmp(C, C0, nb * ldc * sizeof *C) == 0, "C untouched when the kernel is absent");
			goto done;
		}
	} else {
		vx_mm_rows(A, lda, W, 1, C, ldc, nb, beta);
	}
	for (size_t b = 0; b < nb; b++) {
		for (size_t i = 0; i < m; i++) {
			long double s = 0, mag = 0;
			for (size_t j = 0; j < n; j++) {
				long double p = (long double)gsl_matrix_get(W, i, j) * A[b * lda + j];
				s += p;
				mag += fabsl(p);
			}
			if (beta != 0) {
				s += (long double)beta * C0[b * ldc + i];
				mag += fabsl((long double)beta * C0[b * ldc + i]);
			}
			double got = C[b * ldc + i];
			double bound = (double)((n + 2) * DBL_EPSILON * mag) + DBL_MIN;
			cr_expect(isfinite(got) && fabs(got - (double)s) <= bound,
			          "%zux%zu, %zu rows, beta %g: C[%zu][%zu] = %.17g, reference %.17Lg (bound %.3g)", m, n, nb,
			          beta, b, i, got, s, bound);
		}
		/* the padding between rows of C is left alone */
		for (size_t i = m; i < ldc && b + 1 < nb; i++)
			cr_expect(C[b * ldc + i] == C0[b * ldc + i] || (isnan(C[b * ldc + i]) && isnan(C0[b * ldc + i])),
			          "padding of C");
	}
done:
	free(A);
	free(C);
	free(C0);
	gsl_matrix_free(Wbig);
}

Test(engine_fewrows, every_entry_within_the_dot_products_rounding_bound)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 7);
	static const size_t ms[] = { 1, 2, 3, 5, 8, 17, 64, 255 };
	static const size_t ns[] = { 1, 3, 4, 5, 7, 8, 9, 64, 257 };
	for (size_t a = 0; a < sizeof ms / sizeof *ms; a++)
		for (size_t c = 0; c < sizeof ns / sizeof *ns; c++)
			for (size_t nb = 1; nb <= 8; nb++) {
				check_shape(ms[a], ns[c], nb, 0.0, 1, rng);
				check_shape(ms[a], ns[c], nb, 0.75, 1, rng);
			}
	/* vx_mm_rows around it (dgemv below 3 rows, the kernel to 8, dgemm
	 * above), and BLAS alone at every count */
	for (size_t nb = 1; nb <= 12; nb++)
		for (int way = 0; way <= 2; way += 2) {
			check_shape(33, 130, nb, 0.0, way, rng);
			check_shape(33, 130, nb, -1.5, way, rng);
		}
	gsl_rng_free(rng);
}

/* one call of vx_mm_rows_few_n, C = A W + βC for W m×n (A nb × m), checked
 * as check_shape does */
static void check_shape_n(size_t m, size_t n, size_t nb, double beta, gsl_rng *rng)
{
	size_t lda = m + 3, ldc = n + 5;
	gsl_matrix *Wbig = gsl_matrix_alloc(m, n + 2);
	fill(Wbig->data, m * (n + 2), rng);
	gsl_matrix_view Wv = gsl_matrix_submatrix(Wbig, 0, 1, m, n);   /* tda = n + 2 */
	const gsl_matrix *W = &Wv.matrix;
	double *A = malloc(nb * lda * sizeof *A), *C = malloc(nb * ldc * sizeof *C);
	double *C0 = malloc(nb * ldc * sizeof *C0);
	fill(A, nb * lda, rng);
	fill(C0, nb * ldc, rng);
	for (size_t b = 0; b < nb && beta == 0; b++)
		for (size_t j = 0; j < n; j++)
			C0[b * ldc + j] = NAN;
	memcpy(C, C0, nb * ldc * sizeof *C);
	if (!vx_mm_rows_few_n(A, lda, W, C, ldc, nb, beta)) {
		cr_expect(memcmp(C, C0, nb * ldc * sizeof *C) == 0, "C untouched when the kernel is absent");
		goto done;
	}
	for (size_t b = 0; b < nb; b++) {
		for (size_t j = 0; j < n; j++) {
			long double s = 0, mag = 0;
			for (size_t i = 0; i < m; i++) {
				long double p = (long double)gsl_matrix_get(W, i, j) * A[b * lda + i];
				s += p;
				mag += fabsl(p);
			}
			if (beta != 0) {
				s += (long double)beta * C0[b * ldc + j];
				mag += fabsl((long double)beta * C0[b * ldc + j]);
			}
			double got = C[b * ldc + j];
			double bound = (double)((m + 2) * DBL_EPSILON * mag) + DBL_MIN;
			cr_expect(isfinite(got) && fabs(got - (double)s) <= bound,
			          "A W: %zux%zu, %zu rows, beta %g: C[%zu][%zu] = %.17g, reference %.17Lg (bound %.3g)", m,
			          n, nb, beta, b, j, got, s, bound);
		}
		for (size_t j = n; j < ldc && b + 1 < nb; j++)
			cr_expect(C[b * ldc + j] == C0[b * ldc + j] || (isnan(C[b * ldc + j]) && isnan(C0[b * ldc + j])),
			          "padding of C");
	}
done:
	free(A);
	free(C);
	free(C0);
	gsl_matrix_free(Wbig);
}

/* The kernel the other way round (the Lyapunov passes backwards): every
 * column tail (strips of 8, one of 4, single columns), 1 to 9 rows (groups
 * of four and what is left), β = 0 with NaN in C and β ≠ 0; and a row's
 * bits the same alone or among others. */
Test(engine_fewrows, rows_times_w_within_the_rounding_bound_and_the_same_bits_in_every_call)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 11);
	static const size_t ms[] = { 1, 2, 5, 64, 255 };
	static const size_t ns[] = { 1, 3, 4, 5, 8, 9, 12, 13, 64, 257 };
	for (size_t a = 0; a < sizeof ms / sizeof *ms; a++)
		for (size_t c = 0; c < sizeof ns / sizeof *ns; c++)
			for (size_t nb = 1; nb <= 9; nb++) {
				check_shape_n(ms[a], ns[c], nb, 0.0, rng);
				check_shape_n(ms[a], ns[c], nb, -0.75, rng);
			}
	size_t m = 70, n = 29;
	gsl_matrix *W = gsl_matrix_alloc(m, n);
	double A[7 * 70], all[7 * 29], one[29];
	fill(W->data, m * n, rng);
	fill(A, 7 * m, rng);
	if (vx_mm_rows_few_n(A, m, W, all, n, 7, 0.0))
		for (size_t b = 0; b < 7; b++) {
			cr_assert(vx_mm_rows_few_n(A + b * m, m, W, one, n, 1, 0.0));
			cr_expect(memcmp(one, all + b * n, sizeof one) == 0, "row %zu: the same bits alone", b);
		}
	gsl_matrix_free(W);
	gsl_rng_free(rng);
}

Test(engine_fewrows, a_row_has_the_same_bits_in_every_call)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 11);
	size_t m = 37, n = 101;
	gsl_matrix *W = gsl_matrix_alloc(m, n);
	fill(W->data, m * n, rng);
	double A[8 * 101], all[8 * 37], one[37];
	fill(A, 8 * n, rng);
	int ran = vx_mm_rows_few(A, n, W, all, m, 8, 0.0);
#if defined(__x86_64__)
	cr_expect_eq(ran, __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"),
	             "the kernel runs exactly where the processor has AVX2 and FMA");
#endif
	if (ran) {
		for (size_t b = 0; b < 8; b++) {
			cr_assert(vx_mm_rows_few(A + b * n, n, W, one, m, 1, 0.0));
			cr_expect(memcmp(one, all + b * m, sizeof one) == 0, "row %zu alone has the bits it has among 8", b);
		}
		/* three rows from the fifth: a group of 4 split differently */
		double three[3 * 37];
		cr_assert(vx_mm_rows_few(A + 4 * n, n, W, three, m, 3, 0.0));
		cr_expect(memcmp(three, all + 4 * m, sizeof three) == 0, "rows 4 to 6 as in one call");
	}
	gsl_matrix_free(W);
	gsl_rng_free(rng);
}

/* Y orthonormal, Z = Rᵀ Y with R upper triangular and |R_ll| = rll, by the
 * way expected (0 Gram–Schmidt, 1 Householder) */
static void check_qr(const double *Z, size_t p, size_t d, int way, const char *what)
{
	double *Y = malloc(p * d * sizeof *Y), rll[VX_ROWS_QR_MAX];
	gsl_matrix *Zt = gsl_matrix_alloc(d, p);
	gsl_vector *tau = gsl_vector_alloc(p), *e = gsl_vector_alloc(d);
	int got = vx_rows_qr(Z, Y, p, d, rll, Zt, tau, e);
	cr_assert_eq(got, way, "%s: factorised by %d, expected %d", what, got, way);
	for (size_t a = 0; a < p; a++)
		for (size_t b = 0; b < p; b++) {
			long double s = 0;
			for (size_t i = 0; i < d; i++)
				s += (long double)Y[a * d + i] * Y[b * d + i];
			cr_expect(fabsl(s - (a == b)) < 1e-14, "%s: y_%zu · y_%zu = %.3Lg", what, a, b, s);
		}
	/* z_l = Σ_{k<=l} (y_k · z_l) y_k, and |y_l · z_l| = rll[l] */
	for (size_t l = 0; l < p; l++) {
		long double zn = 0;
		for (size_t i = 0; i < d; i++)
			zn += (long double)Z[l * d + i] * Z[l * d + i];
		double r[VX_ROWS_QR_MAX];
		for (size_t k = 0; k <= l; k++) {
			long double s = 0;
			for (size_t i = 0; i < d; i++)
				s += (long double)Y[k * d + i] * Z[l * d + i];
			r[k] = (double)s;
		}
		for (size_t i = 0; i < d; i++) {
			long double s = 0;
			for (size_t k = 0; k <= l; k++)
				s += (long double)r[k] * Y[k * d + i];
			cr_expect(fabsl(s - Z[l * d + i]) <= 1e-14L * sqrtl(zn), "%s: z_%zu rebuilt at %zu", what, l, i);
		}
		cr_expect(fabs(fabs(r[l]) - rll[l]) <= 1e-14 * sqrt((double)zn) + 1e-300, "%s: |R_%zu%zu| %.17g against %.17g",
		          what, l, l, rll[l], fabs(r[l]));
	}
	free(Y);
	gsl_matrix_free(Zt);
	gsl_vector_free(tau);
	gsl_vector_free(e);
}

Test(engine_fewrows, rows_qr_orthonormal_and_exact_on_every_kind_of_rows)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 3);
	size_t d = 50;
	double Z[4 * 50];
	/* well conditioned */
	fill(Z, 4 * d, rng);
	check_qr(Z, 4, d, 0, "random rows");
	/* rows whose new parts are 1e-5 of them: still Gram–Schmidt's, where
	 * one pass would leave them orthogonal only to about u/1e-10 */
	double base[50];
	fill(base, d, rng);
	for (size_t l = 0; l < 4; l++)
		for (size_t i = 0; i < d; i++)
			Z[l * d + i] = base[i] + (l ? 1e-5 * (gsl_rng_uniform(rng) - 0.5) : 0);
	check_qr(Z, 4, d, 0, "rows 1e-5 apart");
	/* 1e-9 apart: below 2^-20, Householder's */
	for (size_t l = 1; l < 4; l++)
		for (size_t i = 0; i < d; i++)
			Z[l * d + i] = base[i] + 1e-9 * (gsl_rng_uniform(rng) - 0.5);
	check_qr(Z, 4, d, 1, "rows 1e-9 apart");
	/* scales far apart: 2^-400 and 2^400 within the square sums' range,
	 * 2^-520 (squares below the normal doubles) and 2^520 outside it */
	fill(Z, 4 * d, rng);
	for (size_t i = 0; i < d; i++) {
		Z[d + i] *= 0x1p-400;
		Z[2 * d + i] *= 0x1p400;
	}
	check_qr(Z, 4, d, 0, "rows of scales 2^-400 and 2^400");
	for (size_t i = 0; i < d; i++)
		Z[3 * d + i] *= 0x1p-520;
	check_qr(Z, 4, d, 1, "a row of scale 2^-520");
	for (size_t i = 0; i < d; i++)
		Z[3 * d + i] = Z[3 * d + i] * 0x1p520 * 0x1p520;
	check_qr(Z, 4, d, 1, "a row of scale 2^520");
	gsl_rng_free(rng);
}

Test(engine_fewrows, rows_qr_refuses_what_it_cannot_factorise)
{
	size_t d = 3;
	double Z[4 * 3] = { 1, 2, 3, 4, 5, 6, 7, 8, 10, 1, 1, 1 }, Y[4 * 3], rll[VX_ROWS_QR_MAX];
	gsl_matrix *Zt = gsl_matrix_alloc(d, 4);
	gsl_vector *tau = gsl_vector_alloc(4), *e = gsl_vector_alloc(d);
	cr_expect_eq(vx_rows_qr(Z, Y, 4, d, rll, Zt, tau, e), -1, "more rows than columns");
	gsl_matrix_free(Zt);
	Zt = gsl_matrix_alloc(d, 2);
	Z[4] = NAN;
	cr_expect_eq(vx_rows_qr(Z, Y, 2, d, rll, Zt, tau, e), -1, "a NaN in Z");
	Z[4] = INFINITY;
	cr_expect_eq(vx_rows_qr(Z, Y, 2, d, rll, Zt, tau, e), -1, "an infinity in Z");
	gsl_matrix_free(Zt);
	gsl_vector_free(tau);
	gsl_vector_free(e);
}

Test(engine_fewrows, rows_qr_of_a_deficient_z_gives_a_zero_growth_and_an_orthonormal_basis)
{
	size_t d = 20, p = 3;
	double Z[3 * 20] = { 0 }, Y[3 * 20], rll[VX_ROWS_QR_MAX];
	for (size_t i = 0; i < d; i++) {
		Z[i] = 1.0 + (double)i;
		Z[d + i] = 2 * Z[i];    /* the same direction: no new part */
		Z[2 * d + i] = (double)(i % 3);
	}
	gsl_matrix *Zt = gsl_matrix_alloc(d, p);
	gsl_vector *tau = gsl_vector_alloc(p), *e = gsl_vector_alloc(d);
	cr_assert_eq(vx_rows_qr(Z, Y, p, d, rll, Zt, tau, e), 1, "Householder's");
	cr_expect(rll[1] <= 1e-14 * rll[0], "the dependent row's growth %.3g is rounding of %.3g", rll[1], rll[0]);
	for (size_t a = 0; a < p; a++)
		for (size_t b = 0; b < p; b++) {
			double s = 0;
			for (size_t i = 0; i < d; i++)
				s += Y[a * d + i] * Y[b * d + i];
			cr_expect(fabs(s - (a == b)) < 1e-14, "y_%zu · y_%zu = %.3g", a, b, s);
		}
	gsl_matrix_free(Zt);
	gsl_vector_free(tau);
	gsl_vector_free(e);
}
