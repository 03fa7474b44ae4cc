/*
 * fewrows.c — C = A Wᵀ + βC for a few rows of A (linalg.h: vx_mm_rows_few).
 *
 * The Lyapunov passes multiply four directions by W at every step, and
 * OpenBLAS 0.3.21 packs all of W for each such product: on a Zen 3 core,
 * 4 × 256 by 256 × 256 took 42 µs as one dgemm and 37 µs as four dgemv,
 * where W is read from cache at 8.6 µs a pass and the four dot products of
 * each of its rows are 8 d² flops (13 µs at one core's peak).  No packaged
 * BLAS has a kernel for this shape, so this file has one: each pass over
 * W takes two of its rows and every row of A together, so W is read once
 * for up to four of them and each load of it feeds 2 × nb fused
 * multiply-adds (five to eight rows go in two groups, so W twice).
 * It needs AVX2 and FMA, checked at run time; without them, and for one
 * or two rows (where dgemv is at memory speed), the caller uses BLAS.
 *
 * The sums are taken in a fixed order (four lanes of stride 4, added
 * pairwise, then the tail), so a row comes out with the same bits whatever
 * the thread or the call that computes it.
 *
 * vx_mm_rows_few_n is the other way round, C = A W, for the Lyapunov
 * passes backwards (Y J_j = Y diag(σ') W): each strip of eight of W's
 * columns is read down W's rows once for up to four rows of A, every entry
 * summed over W's rows in order.  As one dgemm OpenBLAS took 66 µs for
 * 4 × 256 by 256 × 256 there, packing W whole again.
 */
#include <stdatomic.h>
#include "engine/linalg.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define FEW_X86 1
#endif

#ifdef FEW_X86

/* Not instrumented by AddressSanitizer or UBSan: their checks on every
 * load took a product of four rows of 256 from 15 µs to 780 µs (gcc -O1,
 * both), which moved the timing of the passes that make test's sanitized
 * run relies on (which thread is free first).  What the kernel reads and
 * writes is checked all the same: by test_engine_fewrows (every entry, and
 * C's padding between rows left alone) and by make valgrind's memcheck,
 * which sees uninstrumented code. */
#define FEW_TARGET __attribute__((target("avx2,fma"), no_sanitize("address", "undefined")))

FEW_TARGET static inline double hsum4(__m256d v)
{
	__m128d lo = _mm256_castpd256_pd128(v), hi = _mm256_extractf128_pd(v, 1);
	__m128d s = _mm_add_pd(lo, hi);   /* lanes 0+2, 1+3 */
	return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}

/* Rows [i0, i0 + R) of W against the NB rows of A: C[b][i] = W_i · A_b
 * (+ β C[b][i]); R is 1 or 2, NB 1 to 4, both constants after inlining. */
#define FEW_BLOCK(R, NB)                                                                               \
	FEW_TARGET static inline void block_##R##_##NB(const double *W, size_t tda, size_t i0, size_t n,     \
	                                               const double *A, size_t lda, double *C, size_t ldc,     \
	                                               double beta)                                            \
	{                                                                                                      \
		__m256d acc[R][NB];                                                                            \
		_Pragma("GCC unroll 4") for (int r = 0; r < R; r++)                                                                    \
			_Pragma("GCC unroll 4") for (int b = 0; b < NB; b++)                                                           \
				acc[r][b] = _mm256_setzero_pd();                                               \
		size_t j = 0;                                                                                  \
		for (; j + 4 <= n; j += 4) {                                                                   \
			__m256d w[R];                                                                          \
			_Pragma("GCC unroll 4") for (int r = 0; r < R; r++)                                                            \
				w[r] = _mm256_loadu_pd(W + (i0 + r) * tda + j);                               \
			_Pragma("GCC unroll 4") for (int b = 0; b < NB; b++) {                                                         \
				__m256d a = _mm256_loadu_pd(A + b * lda + j);                                  \
				__asm__("" : "+x"(a));                                                         \
				_Pragma("GCC unroll 4") for (int r = 0; r < R; r++)                                                    \
					acc[r][b] = _mm256_fmadd_pd(w[r], a, acc[r][b]);                        \
			}                                                                                      \
		}                                                                                              \
		_Pragma("GCC unroll 4") for (int r = 0; r < R; r++) {                                                                  \
			const double *wr = W + (i0 + r) * tda;                                                 \
			_Pragma("GCC unroll 4") for (int b = 0; b < NB; b++) {                                                         \
				const double *ab = A + b * lda;                                                \
				double s = hsum4(acc[r][b]);                                                   \
				for (size_t k = j; k < n; k++)                                                 \
					s = __builtin_fma(wr[k], ab[k], s);                                    \
				double *c = C + b * ldc + i0 + r;                                              \
				*c = beta == 0 ? s : __builtin_fma(beta, *c, s);                               \
			}                                                                                      \
		}                                                                                              \
	}

FEW_BLOCK(2, 1)
FEW_BLOCK(2, 2)
FEW_BLOCK(2, 3)
FEW_BLOCK(2, 4)
FEW_BLOCK(1, 1)
FEW_BLOCK(1, 2)
FEW_BLOCK(1, 3)
FEW_BLOCK(1, 4)

/* nb <= 4 rows of A against every row of W */
FEW_TARGET static void rows_upto4(const double *W, size_t tda, size_t m, size_t n, const double *A,
                                  size_t lda, double *C, size_t ldc, size_t nb, double beta)
{
	size_t i = 0;
	for (; i + 2 <= m; i += 2) {
		switch (nb) {
		case 1: block_2_1(W, tda, i, n, A, lda, C, ldc, beta); break;
		case 2: block_2_2(W, tda, i, n, A, lda, C, ldc, beta); break;
		case 3: block_2_3(W, tda, i, n, A, lda, C, ldc, beta); break;
		default: block_2_4(W, tda, i, n, A, lda, C, ldc, beta); break;
		}
	}
	if (i < m) {
		switch (nb) {
		case 1: block_1_1(W, tda, i, n, A, lda, C, ldc, beta); break;
		case 2: block_1_2(W, tda, i, n, A, lda, C, ldc, beta); break;
		case 3: block_1_3(W, tda, i, n, A, lda, C, ldc, beta); break;
		default: block_1_4(W, tda, i, n, A, lda, C, ldc, beta); break;
		}
	}
}

/* Columns [j0, j0 + 4 CW) of C = A W for NB rows of A: each C[b][j] summed
 * over the rows i of W in order, one fused multiply-add each; CW is 1 or 2,
 * NB 1 to 4, both constants after inlining. */
#define FEWN_BLOCK(CW, NB)                                                                             \
	FEW_TARGET static inline void strip_##CW##_##NB(const double *W, size_t tda, size_t m, size_t j0,  \
	                                                const double *A, size_t lda, double *C, size_t ldc,    \
	                                                double beta)                                           \
	{                                                                                                      \
		__m256d acc[CW][NB];                                                                           \
		_Pragma("GCC unroll 4") for (int c = 0; c < CW; c++)                                           \
			_Pragma("GCC unroll 4") for (int b = 0; b < NB; b++)                                   \
				acc[c][b] = _mm256_setzero_pd();                                               \
		for (size_t i = 0; i < m; i++) {                                                               \
			__m256d w[CW];                                                                         \
			_Pragma("GCC unroll 4") for (int c = 0; c < CW; c++)                                   \
				w[c] = _mm256_loadu_pd(W + i * tda + j0 + 4 * c);                              \
			_Pragma("GCC unroll 4") for (int b = 0; b < NB; b++) {                                 \
				__m256d a = _mm256_broadcast_sd(A + b * lda + i);                              \
				_Pragma("GCC unroll 4") for (int c = 0; c < CW; c++)                           \
					acc[c][b] = _mm256_fmadd_pd(w[c], a, acc[c][b]);                        \
			}                                                                                      \
		}                                                                                              \
		_Pragma("GCC unroll 4") for (int b = 0; b < NB; b++)                                           \
			_Pragma("GCC unroll 4") for (int c = 0; c < CW; c++) {                                 \
				double *dst = C + b * ldc + j0 + 4 * c;                                        \
				__m256d v = acc[c][b];                                                         \
				if (beta != 0)                                                                 \
					v = _mm256_fmadd_pd(_mm256_set1_pd(beta), _mm256_loadu_pd(dst), v);    \
				_mm256_storeu_pd(dst, v);                                                      \
			}                                                                                      \
	}

FEWN_BLOCK(2, 1)
FEWN_BLOCK(2, 2)
FEWN_BLOCK(2, 3)
FEWN_BLOCK(2, 4)
FEWN_BLOCK(1, 1)
FEWN_BLOCK(1, 2)
FEWN_BLOCK(1, 3)
FEWN_BLOCK(1, 4)

/* nb <= 4 rows of A times W (m × n): strips of eight columns, one of four,
 * then the last columns one at a time, in the same order of sums */
FEW_TARGET static void rows_w_upto4(const double *W, size_t tda, size_t m, size_t n, const double *A,
                                    size_t lda, double *C, size_t ldc, size_t nb, double beta)
{
	size_t j = 0;
	for (; j + 8 <= n; j += 8) {
		switch (nb) {
		case 1: strip_2_1(W, tda, m, j, A, lda, C, ldc, beta); break;
		case 2: strip_2_2(W, tda, m, j, A, lda, C, ldc, beta); break;
		case 3: strip_2_3(W, tda, m, j, A, lda, C, ldc, beta); break;
		default: strip_2_4(W, tda, m, j, A, lda, C, ldc, beta); break;
		}
	}
	if (j + 4 <= n) {
		switch (nb) {
		case 1: strip_1_1(W, tda, m, j, A, lda, C, ldc, beta); break;
		case 2: strip_1_2(W, tda, m, j, A, lda, C, ldc, beta); break;
		case 3: strip_1_3(W, tda, m, j, A, lda, C, ldc, beta); break;
		default: strip_1_4(W, tda, m, j, A, lda, C, ldc, beta); break;
		}
		j += 4;
	}
	for (; j < n; j++)
		for (size_t b = 0; b < nb; b++) {
			double s = 0;
			for (size_t i = 0; i < m; i++)
				s = __builtin_fma(W[i * tda + j], A[b * lda + i], s);
			double *c = C + b * ldc + j;
			*c = beta == 0 ? s : __builtin_fma(beta, *c, s);
		}
}

/* 1: AVX2 and FMA, 0: not, -1: not asked yet */
static atomic_int have_simd = -1;

static int simd(void)
{
	int h = atomic_load_explicit(&have_simd, memory_order_relaxed);
	if (h < 0) {
		/* the processor's features are read by a constructor of the
		 * compiler's runtime before main: only reads here */
		h = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
		atomic_store_explicit(&have_simd, h, memory_order_relaxed);
	}
	return h;
}

int vx_mm_rows_few(const double *A, size_t lda, const gsl_matrix *W, double *C, size_t ldc, size_t nb,
                   double beta)
{
	if (!simd())
		return 0;
	/* groups of at most four, as even as they go: 5 as 3 + 2, not 4 + 1,
	 * whose one row has two chains of sums to keep the core busy, not
	 * eight (a row's bits do not depend on its group) */
	size_t groups = (nb + 3) / 4;
	for (size_t b = 0, g = 0; g < groups; g++) {
		size_t k = (nb - b) / (groups - g) + ((nb - b) % (groups - g) != 0);
		rows_upto4(W->data, W->tda, W->size1, W->size2, A + b * lda, lda, C + b * ldc, ldc, k, beta);
		b += k;
	}
	return 1;
}

int vx_mm_rows_few_n(const double *A, size_t lda, const gsl_matrix *W, double *C, size_t ldc, size_t nb,
                     double beta)
{
	if (!simd())
		return 0;
	for (size_t b = 0; b < nb; b += 4)
		rows_w_upto4(W->data, W->tda, W->size1, W->size2, A + b * lda, lda, C + b * ldc, ldc,
		             nb - b < 4 ? nb - b : 4, beta);
	return 1;
}

#else

int vx_mm_rows_few(const double *A, size_t lda, const gsl_matrix *W, double *C, size_t ldc, size_t nb,
                   double beta)
{
	(void)A, (void)lda, (void)W, (void)C, (void)ldc, (void)nb, (void)beta;
	return 0;
}

int vx_mm_rows_few_n(const double *A, size_t lda, const gsl_matrix *W, double *C, size_t ldc, size_t nb,
                     double beta)
{
	(void)A, (void)lda, (void)W, (void)C, (void)ldc, (void)nb, (void)beta;
	return 0;
}

#endif
