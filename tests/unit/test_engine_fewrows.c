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
 *     equal to the norms of Z's successive new parts, Householder taking
 *     over on a deficient Z.
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

/* one call of vx_mm_rows (few != 0: vx_mm_rows_few) on an m×n W, checked */
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
	if (few) {
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
	/* vx_mm_rows around it: dgemv below 3 rows, the kernel to 8, dgemm above */
	for (size_t nb = 1; nb <= 12; nb++) {
		check_shape(33, 130, nb, 0.0, 0, rng);
		check_shape(33, 130, nb, -1.5, 0, rng);
	}
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

/* Y orthonormal, Z = Rᵀ Y with R upper triangular and |R_ll| = rll */
static void check_qr(const double *Z, size_t p, size_t d, const char *what)
{
	double *Y = malloc(p * d * sizeof *Y), rll[VX_ROWS_QR_MAX];
	gsl_matrix *Zt = gsl_matrix_alloc(d, p);
	gsl_vector *tau = gsl_vector_alloc(p), *e = gsl_vector_alloc(d);
	cr_assert(vx_rows_qr(Z, Y, p, d, rll, Zt, tau, e) == 0, "%s: factorised", what);
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
	check_qr(Z, 4, d, "random rows");
	/* rows 1e-9 apart in direction: Gram–Schmidt's second pass at work */
	for (size_t i = 0; i < d; i++)
		for (size_t l = 1; l < 4; l++)
			Z[l * d + i] = Z[i] + 1e-9 * l * gsl_rng_uniform(rng);
	check_qr(Z, 4, d, "nearly dependent rows");
	/* scales far apart: 2^-400 and 2^400 within the square sums' range,
	 * 2^-460 outside it (Householder's) */
	fill(Z, 4 * d, rng);
	for (size_t i = 0; i < d; i++) {
		Z[d + i] *= 0x1p-400;
		Z[2 * d + i] *= 0x1p400;
	}
	check_qr(Z, 4, d, "rows of scales 2^-400 and 2^400");
	for (size_t i = 0; i < d; i++)
		Z[3 * d + i] *= 0x1p-460;
	check_qr(Z, 4, d, "a row of scale 2^-460");
	gsl_rng_free(rng);
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
	cr_assert(vx_rows_qr(Z, Y, p, d, rll, Zt, tau, e) == 0);
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
