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

#include <stddef.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_eigen.h>
#include "engine/status.h"

/* y = A x for a symmetric positive semi-definite d×d operator A. */
typedef void (*vx_linop)(const void *ctx, const double *x, double *y);

typedef struct vx_lanczos vx_lanczos;

/* A workspace for operators of size d (Krylov spaces up to mmax vectors,
 * restarted beyond).  NULL when out of memory. */
vx_lanczos *vx_lanczos_alloc(size_t d);
/* The bytes vx_lanczos_alloc(d) takes. */
size_t vx_lanczos_bytes(size_t d);
void vx_lanczos_free(vx_lanczos *lz);      /* NULL-safe */

/* Forgets the warm start: the next call starts from a fixed pseudo-random
 * vector (so results never depend on earlier, unrelated calls). */
void vx_lanczos_reset(vx_lanczos *lz);

/* The largest eigenvalue of A into *theta, to a relative accuracy of about
 * 1e-13 (residual test ‖Ax − θx‖ with a gap refinement).  Starts from the
 * previous call's eigenvector mixed with a small fixed random component, so
 * that no eigen-direction is missed when the operators are structured.
 * VX_ENUMERIC when the iteration cap is reached: the caller falls back. */
vx_status vx_lanczos_top(vx_lanczos *lz, vx_linop op, const void *ctx, double *theta);

/* Sets the warm start to x (d entries; need not be normalised). */
void vx_lanczos_set_start(vx_lanczos *lz, const double *x);

/* The same iteration driven by the caller, one operator application at a
 * time, so that several independent runs can share one matrix product:
 *   vx_lanczos_begin(lz);
 *   do y = A · vx_lanczos_next(lz); while ((r = vx_lanczos_feed(lz, y, &θ)) == 0);
 * feed returns 1 when θ is final, -1 when the iteration cap is reached. */
void vx_lanczos_begin(vx_lanczos *lz);
const double *vx_lanczos_next(const vx_lanczos *lz);
int vx_lanczos_feed(vx_lanczos *lz, const double *Aq, double *theta);

/* Lanczos steps taken in all calls so far (for measurements). */
size_t vx_lanczos_steps(const vx_lanczos *lz);

/* The eigenvector found by the last successful call (d entries, unit norm). */
const double *vx_lanczos_vector(const vx_lanczos *lz);

/* ‖A‖₂ (A is d×d) from the largest eigenvalue of AᵀA by a dense symmetric
 * eigen-solver: the fallback when Lanczos does not converge, accurate to a
 * few ulps times d for σ_max.  A power of two is factored out of AᵀA, so A's
 * largest entry may be anywhere in [2^-500, 2^500] (0 gives 0).  G (d×d),
 * eval (d) and ws (gsl_eigen_symm_alloc(d)) are scratch. */
vx_status vx_norm2_dense(const gsl_matrix *A, gsl_matrix *G, gsl_vector *eval,
                         gsl_eigen_symm_workspace *ws, double *out);

/* Max |x_i| over n entries (0 for n = 0); NaN when any entry is NaN. */
double vx_maxabs(const double *x, size_t n);
/* The same over a matrix. */
double vx_maxabs_matrix(const gsl_matrix *A);

#endif
