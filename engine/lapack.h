/*
 * lapack.h — the few LAPACK routines the engine calls, declared for C (inside
 * the engine only).  LAPACK comes with OpenBLAS, the BLAS the Makefile links
 * (libopenblas exports it); without OpenBLAS the Makefile links the
 * reference LAPACK of liblapack-dev.  Neither installs a C header for the
 * Fortran interface, so the prototypes are here: arguments by address,
 * matrices column-major, and after the arguments one hidden length per
 * character argument, which gfortran-built libraries take as size_t.
 *
 * Why not GSL: its QR is about 25 times slower at d = 1024 (unpacking Q
 * above all: 5 s against 0.2 s), and gsl_eigen_nonsymm is unblocked (about 10 d³ flops at
 * scalar speed); LAPACK's Hessenberg reduction is blocked on BLAS-3 and its
 * QR iteration (small-bulge multishift with aggressive early deflation)
 * converges in far fewer sweeps: the eigenvalues of a 1024×1024 W in 0.98 s
 * against GSL's 9.5 s on one core.
 */
#ifndef VX_LAPACK_H
#define VX_LAPACK_H

#include <stddef.h>

/* Reduces the n×n A to upper Hessenberg form H = Qᵀ A Q by Householder
 * reflections (rows and columns ilo..ihi; 1 and n when A is not balanced).
 * lwork = -1 asks for the optimal size of work in work[0]. */
void dgehrd_(const int *n, const int *ilo, const int *ihi, double *a, const int *lda, double *tau,
             double *work, const int *lwork, int *info);

/* The eigenvalues (job "E", compz "N": no Schur form, no vectors) of the
 * upper Hessenberg H into wr + i·wi, complex pairs adjacent with the
 * positive imaginary part first.  info > 0: the iteration failed to find
 * some of them. */
void dhseqr_(const char *job, const char *compz, const int *n, const int *ilo, const int *ihi, double *h,
             const int *ldh, double *wr, double *wi, double *z, const int *ldz, double *work, const int *lwork,
             int *info, size_t job_len, size_t compz_len);

/* A = Q R by Householder reflections, blocked: R in A's upper triangle,
 * the reflectors below it and in tau (min(m, n) entries). */
void dgeqrf_(const int *m, const int *n, double *a, const int *lda, double *tau, double *work, const int *lwork,
             int *info);

/* The m×n Q with orthonormal columns from dgeqrf's k reflectors, into a. */
void dorgqr_(const int *m, const int *n, const int *k, double *a, const int *lda, const double *tau, double *work,
             const int *lwork, int *info);

/* C ← C Q (side "R", trans "N"; C m×n) with the n×n Q of dgeqrf's k
 * reflectors (the n×k a), blocked. */
void dormqr_(const char *side, const char *trans, const int *m, const int *n, const int *k, const double *a,
             const int *lda, const double *tau, double *c, const int *ldc, double *work, const int *lwork, int *info,
             size_t side_len, size_t trans_len);

/* The workspace, in doubles, for two routines whose lwork = -1 queries
 * answered q1 and q2, at least n; 0 when it does not fit LAPACK's int. */
static inline int vx_lapack_lwork(double q1, double q2, int n)
{
	double need = q1 > q2 ? q1 : q2;
	if (need < n)
		need = n;
	return need < 2147483647.0 ? (int)need : 0;
}

#endif
