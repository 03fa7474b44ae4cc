/*
 * linalg.h — numerical kernels shared inside the engine (not a public
 * interface for report/ or tui/).
 *
 * The engine needs the largest eigenvalue of many symmetric positive
 * semi-definite operators that change a little from one call to the next
 * (P Pᵀ for P = ∂s_t/∂s_k as k steps down, D_j W Wᵀ D_j as j steps up).  A full
 * SVD per operator would cost far more than forming P; instead a Lanczos
 * iteration with full re-orthogonalisation runs warm-started from the last
 * eigenvector, stops on an a-posteriori residual test, and says so when it
 * fails so the caller can fall back to a dense eigen-solver.
 */
#ifndef VX_LINALG_H
#define VX_LINALG_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_eigen.h>
#include "engine/exec.h"
#include "engine/status.h"

/* log10(2) and ln(2): powers of two carried as exponents become decades and
 * natural logarithms through them. */
#define VX_LOG10_2 0.301029995663981195213738894724493027
#define VX_LN_2 0.693147180559945309417232121458176568

/* Row i of M (its first entry).  Inline: the passes call it once per step
 * and vector, in their innermost loops. */
static inline double *vx_row(const gsl_matrix *M, size_t i)
{
	return M->data + i * M->tda;
}

/* e with x = f 2^e, f in [½, 1), for finite x != 0 (frexp's exponent). */
static inline int vx_expo(double x)
{
	int e;
	frexp(x, &e);
	return e;
}

/* y = A x for a symmetric positive semi-definite d×d operator A. */
typedef void (*vx_linop)(const void *ctx, const double *x, double *y);

/* The Gram operators of a matrix A, for a vx_linop: y = AᵀA x (outer 0; x
 * and y of A->size2 entries, tmp of size1) or y = A Aᵀ x (outer 1; x and y
 * of size1, tmp of size2), two matrix-vector products through tmp.  Their
 * top eigenvalue is ‖A‖₂². */
typedef struct {
	const gsl_matrix *A;
	double *tmp;
	int outer;
} vx_gram_op;

/* The vx_linop of a vx_gram_op (ctx). */
void vx_gram_apply(const void *ctx, const double *x, double *y);

typedef struct vx_lanczos vx_lanczos;

/* A workspace for operators of size d (Krylov spaces up to mmax vectors,
 * restarted beyond), its random stream seeded with 0.  NULL when out of
 * memory. */
vx_lanczos *vx_lanczos_alloc(size_t d);
/* The bytes vx_lanczos_alloc(d) takes. */
size_t vx_lanczos_bytes(size_t d);
void vx_lanczos_free(vx_lanczos *lz);      /* NULL-safe */

/* Restarts the stream of random start vectors from seed and forgets the warm
 * start.  Results depend on the seed and the calls since, nothing else: a
 * caller derives the seed from its input (a hash of the matrix), so that
 * output is reproducible and no input can be built against the starts. */
void vx_lanczos_seed(vx_lanczos *lz, uint64_t seed);

/* Forgets the warm start: the next call starts from the stream's next
 * random vector alone. */
void vx_lanczos_reset(vx_lanczos *lz);

/* The largest eigenvalue θ of A into *theta.  Stops when the Ritz vector x
 * has ‖Ax − θx‖ <= 1e-13 θ, and only then: θ is within 1e-13 θ of an
 * eigenvalue of A.  That is the largest one unless the start's share c of
 * the top eigenvector is below about 1e-13 θ over their distance δ: a pair
 * the iteration has not told apart stays mixed in x, with a residual near
 * c δ, so a close pair cannot stop it early.  Each start is the previous
 * call's eigenvector plus 0.1 of a fresh random unit vector (or that vector
 * alone), whose share of any given direction is below x/√d with probability
 * about 0.82 x (linalg.c, draw_start); no operator can be built orthogonal
 * to it.  VX_ENUMERIC when the iteration cap is reached (a close pair that
 * the Krylov space cannot resolve): the caller falls back to a dense
 * solver.  VX_ECANCELLED, before the next step, once the stop flag set by
 * vx_lanczos_set_stop is set. */
vx_status vx_lanczos_top(vx_lanczos *lz, vx_linop op, const void *ctx, double *theta);

/* The caller's stop flag (exec.h; NULL: none, as allocated) that
 * vx_lanczos_top polls a step; it must outlive the runs. */
void vx_lanczos_set_stop(vx_lanczos *lz, const atomic_int *stop);

/* Makes lz work on operators of size d, at most the size it was allocated
 * for (a chain whose rank falls reuses one workspace); forgets the warm
 * start.  -1 (nothing changed) when d is 0 or too large. */
int vx_lanczos_set_dim(vx_lanczos *lz, size_t d);

/* Sets the warm start to x (d entries; need not be normalised). */
void vx_lanczos_set_start(vx_lanczos *lz, const double *x);

/* The same iteration driven by the caller, one operator application at a
 * time, so that several independent runs can share one matrix product:
 *   vx_lanczos_begin(lz);
 *   do y = A · vx_lanczos_next(lz); while ((r = vx_lanczos_feed(lz, y, &θ)) == 0);
 * feed returns 1 when θ is final, -1 when the iteration cap is reached. */
void vx_lanczos_begin(vx_lanczos *lz);
const double *vx_lanczos_next(const vx_lanczos *lz);

/* Local mode (on != 0; off after vx_lanczos_alloc): each step orthogonalises
 * against the last two Lanczos vectors only, where the default
 * re-orthogonalises against the whole basis (two matrix-vector products of
 * the basis a step: at d = 256, 46 steps, as long as the operator's own
 * product).  Once the basis loses orthogonality T_m's residual estimate may
 * be wrong, so when it says θ has converged the Ritz vector u is handed
 * back through vx_lanczos_next for one more operator application, and θ =
 * uᵀAu with ‖Au − θu‖ <= 1e-13 θ computed from the vectors decides: the
 * same certificate as the default's, from the vectors themselves.  A
 * verification that fails goes on with the iteration (-1 after a
 * breakdown).  For a caller that drives the iteration (vx_lanczos_feed);
 * the steps it takes are about the default's, plus one. */
void vx_lanczos_set_local(vx_lanczos *lz, int on);
int vx_lanczos_feed(vx_lanczos *lz, const double *Aq, double *theta);

/* Lanczos steps taken in all calls so far (for measurements). */
size_t vx_lanczos_steps(const vx_lanczos *lz);

/* The eigenvector found by the last successful call (d entries, unit norm). */
const double *vx_lanczos_vector(const vx_lanczos *lz);

/* ‖A‖₂ (A is r×d) from the largest eigenvalue of AᵀA by a dense symmetric
 * eigen-solver: the fallback when Lanczos does not converge, accurate to a
 * few ulps times d for σ_max.  A power of two is factored out of A before
 * AᵀA is formed, so A's largest entry may be any finite double, subnormal
 * too (0 gives 0; the result is inf only when ‖A‖₂ exceeds DBL_MAX and 0
 * only when it is below the smallest subnormal).  G (d×d), eval (d) and ws
 * (gsl_eigen_symm_alloc(d)) are scratch.  VX_ENONFINITE when A holds NaN or
 * infinity, VX_ENUMERIC when the eigen-solver fails. */
vx_status vx_norm2_dense(const gsl_matrix *A, gsl_matrix *G, gsl_vector *eval,
                         gsl_eigen_symm_workspace *ws, double *out);

/* vx_sym_top's relative margin: its θ is below λmax(G) by at most this. */
#define VX_SYM_TOP_REL 4e-13

/* The largest eigenvalue of the symmetric positive semi-definite G (d×d)
 * into *theta, certified: Lanczos (lz, of size d) gives θ, and a Cholesky
 * factorisation of θ(1 + 4e-13) I − G that succeeds shows that no eigenvalue
 * lies above (O(d³/3), BLAS-3: 30 ms at d = 1024); when the iteration or the
 * certificate fails, GSL's dense eigen-solver (*dense = 1).  Either way θ is
 * within about 4e-13 θ of λmax(G) whatever its spectrum (close pairs,
 * multiplicities, starts orthogonal to the top vector).  M (d×d), eval (d)
 * and ws (gsl_eigen_symm_alloc(d)) are scratch. */
vx_status vx_sym_top(vx_lanczos *lz, const gsl_matrix *G, gsl_matrix *M, gsl_vector *eval,
                     gsl_eigen_symm_workspace *ws, double *theta, int *dense);

/* 1 when A has at most one nonzero entry in each row and each column (a
 * diagonal or permutation matrix times a diagonal, W = λI among them), with
 * *out = ‖A‖₂ = the largest |a_ij|, exactly; else 0 (also when out of
 * memory), *out untouched.  O(size1 × size2). */
int vx_monomial_norm(const gsl_matrix *A, double *out);

/* ‖A‖₂ = *mant × 2^*e (A any shape; *mant 0 when A = 0), so that a norm
 * beyond the range of a double (entries near DBL_MAX) still scales A right,
 * to ~1e-13 relative: a Lanczos iteration on SᵀS, S = 2^-e A (max |s_ij| in
 * [½, 1)), that stops on its residual alone, from a start seeded by a hash
 * of A, so close or equal singular values and W built against a start
 * vector do not fool it; the dense symmetric eigen-solver on SᵀS when it
 * does not converge; exact when A has one nonzero per row and column
 * (vx_monomial_norm).  O(d²) per step, no d³ work unless it falls back; not
 * certified like vx_sym_top.  VX_ENONFINITE when A holds NaN or infinity,
 * VX_ENOMEM. */
vx_status vx_norm2_split(const gsl_matrix *A, double *mant, int *e);

/* ‖A‖₂ by vx_norm2_split into *out (inf when it exceeds DBL_MAX). */
vx_status vx_matrix_norm2(const gsl_matrix *A, double *out);

/* Hashes of the bits of n doubles (every stride-th) and of a matrix, folded
 * into h: seeds for vx_lanczos_seed that depend on the whole input. */
uint64_t vx_hash_doubles(uint64_t h, const double *x, size_t n, size_t stride);
uint64_t vx_hash_matrix(uint64_t h, const gsl_matrix *A);

/* x[i] *= 2^e for n entries: a multiplication by the power of two while
 * that is a normal double, else ldexp entry by entry; exact unless an entry
 * leaves the normal range (then rounded once, as ldexp rounds).  The
 * analyses keep their long products near 1 with it (ldexp per entry took
 * 0.3 s of 200 steps at D = 512). */
void vx_scale2(double *x, size_t n, int e);
/* The same for every entry of A, row by row. */
void vx_scale2_matrix(gsl_matrix *A, int e);
/* v (n entries) divided by the power of two 2^*e that brings max |v_i| to
 * [½, 1); 0 (v untouched, *e = 0) when v is all zeros or not finite, else 1. */
int vx_normalise2v(double *v, size_t n, double *e);
/* res = (x − y) / 2^*e (y->size entries) with its largest |entry| in
 * [½, 1): a residual carried as mantissa × 2^*e.  x and y near the largest
 * double are scaled before the difference, so it does not overflow (nor
 * lose digits to subnormals near the smallest).  0 (res zeros or not
 * finite, *e = 0) when x = y or the difference is not finite, else 1. */
int vx_diff2(const double *x, const gsl_vector *y, double *res, double *e);
/* 2^sh for sh <= 0, and 0 where it would only add a part below 2^-1000 of
 * what it is added to. */
double vx_shift2(double sh);
/* *m × 2^*e += tm × 2^te, at the larger term's power of two (tm >= 0; *m = 0
 * holds nothing yet): a sum of magnitudes beyond a double. */
void vx_sum2_add(double *m, double *e, double tm, double te);
/* A's largest |entry| brought to [½, 1) by the power of two 2^-*e that
 * vx_scale2_matrix divides it by (*e the exponent frexp gives that entry),
 * so that a long product of such matrices neither over- nor underflows.
 * Returns 1; 0 when A is all zeros and -1 when it holds NaN or infinity,
 * then with A untouched and *e = 0. */
int vx_normalise2(gsl_matrix *A, int *e);

/* The least-squares slope of y_k against the gap t − k over the k = 1..t
 * whose y_k is finite, y_k the double at y + (k − 1) stride bytes (a field
 * of an array of structs): the rate of log10 ‖∂s_t/∂s_k‖ per step of both
 * analyses.  NaN with fewer than two finite points, or no spread. */
double vx_gap_slope(const double *y, size_t stride, size_t t);

/* The smallest gap t − k at which y_k (read as vx_gap_slope reads it, a
 * log10) leaves [lo, hi], into *gap: −1 when it fell below lo, 1 when it
 * rose above hi, 0 (and *gap = 0) when it stays inside up to k = 1.  The
 * horizon of both analyses (net_analysis.h, VX_HORIZON_LOW and _HIGH). */
int vx_gap_leave(const double *y, size_t stride, size_t t, double lo, double hi, size_t *gap);

/* Max |x_i| over n entries (0 for n = 0); NaN when any entry is NaN. */
double vx_maxabs(const double *x, size_t n);
/* The same over a matrix. */
double vx_maxabs_matrix(const gsl_matrix *A);

/* C = A op(W) + beta C over row-major blocks of nb rows (lda, ldc their
 * strides): op(W) = Wᵀ when trans (W is out × in), else W (in × out).  One
 * or two rows go by dgemv, three to eight against Wᵀ by vx_mm_rows_few
 * where the processor has it, the rest by one dgemm (linalg.c has the
 * figures): the gated steps' maps, their forward step and the Lyapunov
 * passes' directions.  The three ways round differently, so a row's bits
 * depend on how many rows its call has: rowshare.h splits a product only
 * at multiples of 16 rows, where every part goes to dgemm. */
void vx_mm_rows(const double *A, size_t lda, const gsl_matrix *W, int trans, double *C, size_t ldc, size_t nb,
                double beta);
/* vx_mm_rows by BLAS alone: dgemv for one or two rows, else dgemm (what
 * it does without the kernel) */
void vx_mm_rows_blas(const double *A, size_t lda, const gsl_matrix *W, int trans, double *C, size_t ldc,
                     size_t nb, double beta);

/* xᵀy with the same bits whatever OpenBLAS's threads (linalg.c) */
double vx_dot(const double *x, const double *y, size_t n);

/* Y = Z's p rows made orthonormal (both p×d, row-major, rows of stride d,
 * apart in memory, p <= d), rll[l] = |R_ll| of the QR of Zᵀ: Gram–Schmidt
 * twice, Householder's QR (in Zt, d×p, with tau and e) where the rows are
 * nearly dependent or p > VX_ROWS_QR_MAX (linalg.c).  0 by Gram–Schmidt, 1
 * by Householder, -1 on failure (GSL's, p > d, a NaN or infinity in Z). */
#define VX_ROWS_QR_MAX 8
int vx_rows_qr(const double *Z, double *Y, size_t p, size_t d, double *rll, gsl_matrix *Zt, gsl_vector *tau,
               gsl_vector *e);

/* The sweeps of the Lyapunov exponents' QR iteration (analysis_lyap.c,
 * net_lyap.c).  start(ctx) puts the fixed random start in the caller's
 * basis; pass(ctx, forward, sums) runs the iteration once over the steps,
 * forwards (j = 1..T, J_j Y) or backwards (j = T..1, Y J_j), and leaves in
 * sums[0..p−1] each direction's growth, Σ_j ln |R_ll| (−∞ once one
 * vanishes).  Each sweep goes backwards from where the basis is, then
 * forwards, and the last forward pass's sums are the result: a step of the
 * power method on the product J_T ⋯ J_1, whose basis tends to its top
 * right singular vectors, and the sums to ln σ_l of the product.  Sweeps are
 * made while one pass costs little (madds multiply-adds: to 16 sweeps, at
 * most about 2·10⁷ multiply-adds in all; at least one) and some sum still
 * moves by more than 1e-13 of itself; p is at most VX_ROWS_QR_MAX.  A backward pass that fails or
 * vanishes on the top direction leaves the forward pass to start afresh.
 * VX_OK, or what start or pass returned. */
typedef vx_status (*vx_lyap_pass)(void *ctx, int forward, double *sums);
vx_status vx_lyap_sweeps(vx_status (*start)(void *ctx), vx_lyap_pass pass, void *ctx, size_t p, double madds,
                         double *sums);

/* C = A Wᵀ + beta C for nb rows of A by fewrows.c's kernel, which reads W
 * once for every row (not BLAS: OpenBLAS packs W whole for a few rows).
 * Returns 0, touching nothing, where the processor lacks AVX2 and FMA. */
int vx_mm_rows_few(const double *A, size_t lda, const gsl_matrix *W, double *C, size_t ldc, size_t nb,
                   double beta);
/* C = A W + beta C (W in × out) for nb rows of A by the same file's kernel
 * for that shape, W read once for every four rows; 0 where the processor
 * lacks AVX2 and FMA. */
int vx_mm_rows_few_n(const double *A, size_t lda, const gsl_matrix *W, double *C, size_t ldc, size_t nb,
                     double beta);

#endif
