/*
 * packed.h — products A·B with the same B many times over: B is copied once
 * into column panels, and each product streams them with an AVX2/FMA
 * kernel (packed.c).
 *
 * The vanilla analysis multiplies by the same two matrices at every step:
 * the chain's rows by Wn, the step norms' 64-row Lanczos batch by G = Wn Wnᵀ;
 * the gated cells' step norms by each layer's weights (net_step.h).
 * OpenBLAS 0.3.21 has no interface for a right operand packed once
 * (dgemm_pack is MKL's), so it copies all of B into its own panels at every
 * call: on a Zen 3 core, at d = 256, 12 rows by B took 67 µs as one dgemm
 * and 32 µs here, 64 rows 208 µs and 169 µs (packed.c has the table).
 *
 * Each entry of C is Σ_k a_ik b_kj summed from k = 0 up, one fused
 * multiply-add at a time, whatever the number of rows in the call and
 * whatever rows are computed beside it: a row's bits do not depend on how
 * the rows are split among threads (rowshare.h).
 */
#ifndef VX_PACKED_H
#define VX_PACKED_H

#include <stddef.h>
#include <gsl/gsl_matrix.h>

/* The sizes for which the engine multiplies by packed panels.  On one Zen 3
 * core the kernel took 15-80% less time than OpenBLAS's dgemm for 8 to 64
 * rows at every d from 64 to 768, and was within 3% of it at d rows.  The
 * vanilla analysis gained at 64 to 512 (256x1000: 0.28-0.30 → 0.24-0.25 s;
 * 512x300 0.81-0.84 → 0.75-0.81 s) and lost at 768 (768x100 1.55-1.59 →
 * 1.65-1.72 s).  The kernel runs on its caller's thread: the engine uses
 * it only where the BLAS does too (vx_exec_blas_single, exec.h), and the
 * gated cells' maps (k or n up to 4d) were measured at d = 256 alone. */
#define VX_PACKED_DMIN 64
#define VX_PACKED_DMAX 512

/* Whether a network of d units multiplies by packed panels at all (the
 * engine also asks vx_packed_available and vx_exec_blas_single) */
static inline int vx_packed_size(size_t d)
{
	return d >= VX_PACKED_DMIN && d <= VX_PACKED_DMAX;
}

typedef struct {
	double *p;      /* ⌈n/8⌉ panels of k × 8, zero beyond column n */
	size_t k, n;
	int on;         /* packed, and the processor has AVX2 and FMA */
} vx_packed;

/* Room for B of k × n (no copy yet): 0, or −1 out of memory.  On a
 * processor without AVX2 and FMA nothing is allocated and pk->on stays 0:
 * callers then use BLAS. */
int vx_packed_alloc(vx_packed *pk, size_t k, size_t n);
void vx_packed_free(vx_packed *pk);

/* B (k × n, as allocated), or Bᵀ when trans (B is then n × k), into the
 * panels; pk->on from then on. */
void vx_packed_set(vx_packed *pk, const gsl_matrix *B, int trans);

/* C = alpha A B for the m rows of A (k columns, row stride lda) into C
 * (n columns, row stride ldc), which must not overlap A; C's entries past
 * column n are left alone.  pk->on must be set. */
void vx_packed_mul(const vx_packed *pk, const double *A, size_t lda, size_t m, double alpha, double *C,
                   size_t ldc);
/* C += A B, each entry's sum started from C's own entry (then k = 0 up);
 * C must not overlap A. */
void vx_packed_mul_add(const vx_packed *pk, const double *A, size_t lda, size_t m, double *C, size_t ldc);

/* Whether the processor has what the kernel needs (AVX2 and FMA). */
int vx_packed_available(void);

#endif
