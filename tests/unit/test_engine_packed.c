/*
 * test_engine_packed.c — products by a packed right operand (packed.h),
 * against values computed here independently:
 *   - every entry of C = alpha A B equal, bit for bit, to the sum the
 *     header promises: Σ_k a_ik b_kj from k = 0 up, one fused multiply-add
 *     (C's fma) at a time, then times alpha; and within k·u·Σ|a||b| of a
 *     long-double sum, which checks the promise itself;
 *   - shapes with every tail: k across the kernel's chunks of 256 (255,
 *     256, 257, 600), n not a multiple of the panels' 8, rows from 1 to 13
 *     and across its blocks of 96 (97, 150), strides wider than the rows;
 *   - C's entries past column n and its rows past m left as they were;
 *   - a row's bits the same whether it is computed alone, among others, or
 *     split between two calls, which the engine's threads rely on;
 *   - B's panels a copy: B changed after vx_packed_set changes nothing;
 *   - the same for B packed from its transpose, and for C += A B, whose
 *     sums start from C's own entries.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>

#include "engine/packed.h"

static void setup(void)
{
	gsl_set_error_handler_off();
}

TestSuite(engine_packed, .init = setup);

static void fill(double *x, size_t n, gsl_rng *rng)
{
	for (size_t i = 0; i < n; i++)
		x[i] = gsl_rng_uniform(rng) * 2 - 1;
}

static uint64_t bits(double x)
{
	uint64_t u;
	memcpy(&u, &x, sizeof u);
	return u;
}

/* B's entry (l, j), stored as B or as its transpose */
static double b_at(const gsl_matrix *B, int trans, size_t l, size_t j)
{
	return trans ? gsl_matrix_get(B, j, l) : gsl_matrix_get(B, l, j);
}

/* One product of m rows by a k × n B (row stride wider than n), B packed
 * as it is or from its transpose, checked entry by entry; A's and C's rows
 * wider than they need be, C's spare entries set to a pattern that must
 * survive.  add: C += A B from C's entries (alpha is then 1). */
static void check_shape(size_t m, size_t k, size_t n, double alpha, int trans, int add, gsl_rng *rng)
{
	size_t lda = k + 3, ldc = n + 5, mc = m + 2;
	size_t br = trans ? n : k, bc = trans ? k : n;
	gsl_matrix *Bbig = gsl_matrix_alloc(br, bc + 2);
	fill(Bbig->data, br * (bc + 2), rng);
	gsl_matrix_view Bv = gsl_matrix_submatrix(Bbig, 0, 1, br, bc);
	const gsl_matrix *B = &Bv.matrix;
	double *A = malloc(m * lda * sizeof *A), *C = malloc(mc * ldc * sizeof *C);
	double *C0 = malloc(mc * ldc * sizeof *C0);
	fill(A, m * lda, rng);
	for (size_t i = 0; i < mc * ldc; i++)
		C[i] = -1234.5 - (double)i;
	if (add)
		fill(C, mc * ldc, rng);
	memcpy(C0, C, mc * ldc * sizeof *C);
	vx_packed pk;
	cr_assert_eq(vx_packed_alloc(&pk, k, n), 0, "alloc %zu × %zu", k, n);
	if (!vx_packed_available()) {
		/* a processor without AVX2 and FMA: nothing is packed, and the
		 * engine multiplies by BLAS instead */
		cr_expect_null(pk.p);
		vx_packed_set(&pk, B, trans);
		cr_expect_eq(pk.on, 0, "no panels without the kernel");
		goto done;
	}
	vx_packed_set(&pk, B, trans);
	cr_assert(pk.on);
	/* B changed after it was packed: the panels are a copy */
	gsl_matrix_scale(Bbig, 3.0);
	if (add)
		vx_packed_mul_add(&pk, A, lda, m, C, ldc);
	else
		vx_packed_mul(&pk, A, lda, m, alpha, C, ldc);
	gsl_matrix_scale(Bbig, 1.0 / 3.0);
	size_t bad = 0, badbits = 0;
	for (size_t i = 0; i < mc; i++) {
		for (size_t j = 0; j < ldc; j++) {
			double c = C[i * ldc + j];
			if (i >= m || j >= n) {
				if (bits(c) != bits(C0[i * ldc + j]))
					bad++;
				continue;
			}
			double acc = add ? C0[i * ldc + j] : 0;
			long double s = acc, mag = fabs(acc);
			for (size_t l = 0; l < k; l++) {
				double a = A[i * lda + l], b = b_at(B, trans, l, j);
				acc = fma(a, b, acc);
				s += (long double)a * b;
				mag += fabsl((long double)a * b);
			}
			acc *= alpha;
			if (bits(c) != bits(acc))
				badbits++;
			long double tol = (long double)(k + 2) * 0x1p-53L * mag * fabs(alpha);
			if (fabsl((long double)c - s * alpha) > tol)
				bad++;
		}
	}
	cr_expect_eq(badbits, 0, "m %zu k %zu n %zu alpha %g trans %d add %d: %zu entries not the k-ordered FMA sum",
	             m, k, n, alpha, trans, add, badbits);
	cr_expect_eq(bad, 0, "m %zu k %zu n %zu alpha %g trans %d add %d: %zu entries wrong or spares touched", m, k,
	             n, alpha, trans, add, bad);
done:
	vx_packed_free(&pk);
	cr_expect_null(pk.p);
	gsl_matrix_free(Bbig);
	free(A);
	free(C);
	free(C0);
}

Test(engine_packed, every_tail_of_rows_columns_and_chunks)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 7);
	static const size_t ks[] = { 1, 7, 64, 255, 256, 257, 600 };
	static const size_t ns[] = { 1, 5, 8, 9, 64, 70 };
	for (size_t a = 0; a < sizeof ks / sizeof *ks; a++)
		for (size_t b = 0; b < sizeof ns / sizeof *ns; b++)
			for (size_t m = 1; m <= 13; m += (m < 7 ? 1 : 3))
				check_shape(m, ks[a], ns[b], 1.0, (int)(m % 2), (int)(m % 3 == 0), rng);
	/* across the blocks of 96 rows, with a power of two and a general alpha */
	check_shape(97, 256, 256, 1.0, 0, 0, rng);
	check_shape(150, 300, 72, 0x1p-3, 0, 0, rng);
	check_shape(64, 256, 256, -0.3, 1, 0, rng);
	check_shape(64, 1024, 256, 1.0, 0, 1, rng);
	check_shape(64, 256, 1024, 1.0, 1, 0, rng);
	/* a scaled product whose last panel is narrower than 8 columns (it goes
	 * through a tile), with k in one chunk and in several, plain and
	 * transposed */
	check_shape(7, 300, 70, -0.3, 0, 0, rng);
	check_shape(5, 64, 5, 0x1p-3, 1, 0, rng);
	check_shape(13, 600, 9, 0.7, 1, 0, rng);
	check_shape(6, 257, 1, -1.5, 0, 0, rng);
	gsl_rng_free(rng);
}

/* the rows of one call of 40 against each row alone and against a split
 * at 17: the same bits (the engine splits a product's rows among threads) */
Test(engine_packed, a_rows_bits_do_not_depend_on_the_call)
{
	size_t m = 40, k = 300, n = 260;
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 11);
	gsl_matrix *B = gsl_matrix_alloc(k, n);
	fill(B->data, k * n, rng);
	double *A = malloc(m * k * sizeof *A);
	double *C1 = malloc(m * n * sizeof *C1), *C2 = malloc(m * n * sizeof *C2), *C3 = malloc(m * n * sizeof *C3);
	fill(A, m * k, rng);
	vx_packed pk;
	cr_assert_eq(vx_packed_alloc(&pk, k, n), 0);
	vx_packed_set(&pk, B, 0);
	if (pk.on) {
		vx_packed_mul(&pk, A, k, m, 1.0, C1, n);
		for (size_t i = 0; i < m; i++)
			vx_packed_mul(&pk, A + i * k, k, 1, 1.0, C2 + i * n, n);
		vx_packed_mul(&pk, A, k, 17, 1.0, C3, n);
		vx_packed_mul(&pk, A + 17 * k, k, m - 17, 1.0, C3 + 17 * n, n);
		cr_expect(memcmp(C1, C2, m * n * sizeof *C1) == 0, "rows alone differ from rows together");
		cr_expect(memcmp(C1, C3, m * n * sizeof *C1) == 0, "rows split at 17 differ");
	} else {
		cr_expect_not(vx_packed_available());
	}
	vx_packed_free(&pk);
	gsl_matrix_free(B);
	free(A);
	free(C1);
	free(C2);
	free(C3);
	gsl_rng_free(rng);
}
