/*
 * packed.c — A·B with B packed once into column panels (packed.h).
 *
 * B is copied into panels of eight columns, each k × 8 and contiguous; a
 * product walks the panels, and for each one computes six rows of A at a
 * time: twelve accumulators of four doubles (six rows by eight columns),
 * two loads of the panel and six broadcasts of A per k, the shape of the
 * usual AVX2 micro-kernels.  k is taken 256 at a time (a panel's 16 KB
 * then stays in L1 while the rows go by), the partial sums kept in C.
 *
 * One Zen 3 core, d = 256 (B 256 × 256), best of 5, against OpenBLAS
 * 0.3.21's dgemm with its Zen kernels (which packs all of B at each call):
 *
 *   rows of A       4     8    12    16    32    64   149
 *   dgemm  (µs)    45    46    67    70   116   208   467
 *   packed (µs)    11    26    32    43    89   169   397
 *
 * The kernel's sums run k = 0, 1, … with one FMA each, as OpenBLAS's own
 * kernel does: in that table the two gave the same bits for every row count
 * but 45 and 149, whose last rows OpenBLAS takes with another kernel.
 */
#include "engine/packed.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define PK_W 8     /* columns in a panel */
#define PK_KC 256  /* k taken at a time */
#define PK_MR 6    /* rows of A at a time */
#ifndef PK_MC
#define PK_MC 96   /* rows of A per pass over the panels */
#endif

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define PK_X86 1
#endif

#ifdef PK_X86

/* 1: AVX2 and FMA, 0: not, -1: not asked yet */
static atomic_int have_simd = -1;

int vx_packed_available(void)
{
	int h = atomic_load_explicit(&have_simd, memory_order_relaxed);
	if (h < 0) {
		h = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
		atomic_store_explicit(&have_simd, h, memory_order_relaxed);
	}
	return h;
}

/* As in fewrows.c: not instrumented by AddressSanitizer or UBSan, whose
 * checks on every load would change the timing the sanitized tests run
 * under by a factor of fifty; test_engine_packed checks every entry and
 * that C's padding is left alone, and make valgrind sees this code. */
#define PK_TARGET __attribute__((target("avx2,fma"), no_sanitize("address", "undefined")))

/* Rows [0, R) of A against one panel bp over kc values of k, into the R × 8
 * tile at C (row stride ldc): started from C's partial sums when load,
 * scaled by alpha when scale.  A's entries are broadcast from memory (a
 * load port's work); a column scaling folded in here, each entry
 * multiplied and then broadcast from a register, took twice as long as
 * the product alone, where a pass to scale A first costs a few µs. */
#define PK_KERNEL(R)                                                                                   \
	PK_TARGET static inline __attribute__((always_inline)) void kern_##R(                              \
	        const double *A, size_t lda, const double *bp, size_t kc, double *C, size_t ldc, int load,  \
	        int scale, double alpha)                                                                   \
	{                                                                                                  \
		__m256d c0[R], c1[R];                                                                      \
		_Pragma("GCC unroll 6") for (int r = 0; r < R; r++) {                                     \
			c0[r] = load ? _mm256_loadu_pd(C + r * ldc) : _mm256_setzero_pd();                 \
			c1[r] = load ? _mm256_loadu_pd(C + r * ldc + 4) : _mm256_setzero_pd();             \
		}                                                                                          \
		for (size_t k = 0; k < kc; k++) {                                                          \
			__m256d b0 = _mm256_load_pd(bp + PK_W * k), b1 = _mm256_load_pd(bp + PK_W * k + 4); \
			_Pragma("GCC unroll 6") for (int r = 0; r < R; r++) {                             \
				__m256d av = _mm256_broadcast_sd(A + r * lda + k);                         \
				c0[r] = _mm256_fmadd_pd(av, b0, c0[r]);                                    \
				c1[r] = _mm256_fmadd_pd(av, b1, c1[r]);                                    \
			}                                                                                  \
		}                                                                                          \
		if (scale) {                                                                               \
			__m256d s = _mm256_set1_pd(alpha);                                                 \
			_Pragma("GCC unroll 6") for (int r = 0; r < R; r++) {                             \
				c0[r] = _mm256_mul_pd(c0[r], s);                                           \
				c1[r] = _mm256_mul_pd(c1[r], s);                                           \
			}                                                                                  \
		}                                                                                          \
		_Pragma("GCC unroll 6") for (int r = 0; r < R; r++) {                                     \
			_mm256_storeu_pd(C + r * ldc, c0[r]);                                              \
			_mm256_storeu_pd(C + r * ldc + 4, c1[r]);                                          \
		}                                                                                          \
	}

PK_KERNEL(1) PK_KERNEL(2) PK_KERNEL(3) PK_KERNEL(4) PK_KERNEL(5) PK_KERNEL(6)

#define PK_CALL(R) kern_##R(A, lda, bp, kc, C, ldc, load, scale, alpha)

/* R rows (1 to 6) of A against one panel */
PK_TARGET static void rows_panel(size_t R, const double *A, size_t lda, const double *bp, size_t kc, double *C,
                                 size_t ldc, int load, int scale, double alpha)
{
	switch (R) {
	case 1: PK_CALL(1); break;
	case 2: PK_CALL(2); break;
	case 3: PK_CALL(3); break;
	case 4: PK_CALL(4); break;
	case 5: PK_CALL(5); break;
	default: PK_CALL(6); break;
	}
}

/* C = alpha A B, or C += A B (add: alpha 1) */
static void mul(const vx_packed *pk, const double *A, size_t lda, size_t m, double alpha, int add, double *C,
                size_t ldc)
{
	size_t k = pk->k, n = pk->n, np = (n + PK_W - 1) / PK_W;
	double tile[PK_MR * PK_W];
	for (size_t k0 = 0; k0 < k; k0 += PK_KC) {
		size_t kc = k - k0 < PK_KC ? k - k0 : PK_KC;
		int load = k0 > 0 || add, scale = k0 + kc == k && alpha != 1.0;
		for (size_t i0 = 0; i0 < m; i0 += PK_MC)
		for (size_t p = 0; p < np; p++) {
			const double *bp = pk->p + (p * k + k0) * PK_W;
			size_t j0 = p * PK_W, nv = n - j0 < PK_W ? n - j0 : PK_W;
			size_t i1 = m - i0 < PK_MC ? m : i0 + PK_MC;
			for (size_t i = i0; i < i1; i += PK_MR) {
				size_t R = i1 - i < PK_MR ? i1 - i : PK_MR;
				const double *Ai = A + i * lda + k0;
				double *Ci = C + i * ldc + j0;
				if (nv == PK_W) {
					rows_panel(R, Ai, lda, bp, kc, Ci, ldc, load, scale, alpha);
					continue;
				}
				/* the last panel's columns past n go through a tile, so
				 * that C's own are the only ones touched */
				for (size_t r = 0; r < R; r++) {
					memset(tile + r * PK_W, 0, PK_W * sizeof *tile);
					if (load)
						memcpy(tile + r * PK_W, Ci + r * ldc, nv * sizeof *tile);
				}
				rows_panel(R, Ai, lda, bp, kc, tile, PK_W, load, scale, alpha);
				for (size_t r = 0; r < R; r++)
					memcpy(Ci + r * ldc, tile + r * PK_W, nv * sizeof *tile);
			}
		}
	}
}

void vx_packed_mul(const vx_packed *pk, const double *A, size_t lda, size_t m, double alpha, double *C,
                   size_t ldc)
{
	mul(pk, A, lda, m, alpha, 0, C, ldc);
}

void vx_packed_mul_add(const vx_packed *pk, const double *A, size_t lda, size_t m, double *C, size_t ldc)
{
	mul(pk, A, lda, m, 1.0, 1, C, ldc);
}

#else

int vx_packed_available(void)
{
	return 0;
}

void vx_packed_mul(const vx_packed *pk, const double *A, size_t lda, size_t m, double alpha, double *C,
                   size_t ldc)
{
	(void)pk, (void)A, (void)lda, (void)m, (void)alpha, (void)C, (void)ldc;
}

void vx_packed_mul_add(const vx_packed *pk, const double *A, size_t lda, size_t m, double *C, size_t ldc)
{
	(void)pk, (void)A, (void)lda, (void)m, (void)C, (void)ldc;
}

#endif

int vx_packed_alloc(vx_packed *pk, size_t k, size_t n)
{
	memset(pk, 0, sizeof *pk);
	if (!vx_packed_available() || k == 0 || n == 0)
		return 0;
	size_t np = (n + PK_W - 1) / PK_W, bytes = np * k * PK_W * sizeof *pk->p;
	pk->p = aligned_alloc(32, (bytes + 31) / 32 * 32);
	if (!pk->p)
		return -1;
	pk->k = k;
	pk->n = n;
	return 0;
}

void vx_packed_free(vx_packed *pk)
{
	free(pk->p);
	memset(pk, 0, sizeof *pk);
}

void vx_packed_set(vx_packed *pk, const gsl_matrix *B, int trans)
{
	if (!pk->p)
		return;
	size_t k = pk->k, n = pk->n, np = (n + PK_W - 1) / PK_W;
	for (size_t p = 0; p < np; p++) {
		double *dst = pk->p + p * k * PK_W;
		size_t j0 = p * PK_W, nv = n - j0 < PK_W ? n - j0 : PK_W;
		for (size_t i = 0; i < k; i++)
			for (size_t c = 0; c < PK_W; c++)
				dst[i * PK_W + c] = c >= nv ? 0.0 : trans ? gsl_matrix_get(B, j0 + c, i) : gsl_matrix_get(B, i, j0 + c);
	}
	pk->on = 1;
}
