/*
 * test_engine_util.h — an independent, deliberately plain implementation of
 * the RNN for the engine's tests: explicit loops, no BLAS, the textbook
 * formulas for σ and σ' (σ(1−σ), 1−tanh²), full matrices held in memory and
 * spectral norms by GSL's SVD (Golub–Reinsch), none of which the engine uses.
 * What the engine computes is compared with what this computes.
 */
#ifndef TEST_ENGINE_UTIL_H
#define TEST_ENGINE_UTIL_H

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include "engine/analysis.h"
#include "engine/model.h"
#include "engine/params.h"

static inline double nv_f(vx_act a, double x)
{
	switch (a) {
	case VX_SIGMOID: return 1.0 / (1.0 + exp(-x));
	case VX_TANH:    return tanh(x);
	case VX_RELU:    return x > 0 ? x : 0;
	case VX_LINEAR:  return x;
	}
	return NAN;
}

static inline double nv_df(vx_act a, double x)
{
	switch (a) {
	case VX_SIGMOID: { double s = nv_f(a, x); return s * (1 - s); }
	case VX_TANH:    { double s = tanh(x); return 1 - s * s; }
	case VX_RELU:    return x > 0 ? 1 : 0;
	case VX_LINEAR:  return 1;
	}
	return NAN;
}

/* a plain row-major matrix */
typedef struct {
	size_t r, c;
	double *v;
} nmat;

static inline nmat nm_alloc(size_t r, size_t c)
{
	nmat m = { r, c, calloc(r * c, sizeof(double)) };
	return m;
}
#define NM(m, i, j) ((m).v[(i) * (m).c + (j)])

/* C = A B */
static inline void nm_mul(nmat A, nmat B, nmat C)
{
	for (size_t i = 0; i < A.r; i++)
		for (size_t j = 0; j < B.c; j++) {
			long double s = 0;
			for (size_t l = 0; l < A.c; l++)
				s += (long double)NM(A, i, l) * NM(B, l, j);
			NM(C, i, j) = (double)s;
		}
}

/* ‖A‖₂ by GSL's SVD (on a copy) */
static inline double nm_norm2(nmat A)
{
	size_t r = A.r, c = A.c;
	int tr = r < c;    /* SV_decomp wants rows >= columns */
	size_t R = tr ? c : r, C = tr ? r : c;
	gsl_matrix *M = gsl_matrix_alloc(R, C), *V = gsl_matrix_alloc(C, C);
	gsl_vector *s = gsl_vector_alloc(C), *w = gsl_vector_alloc(C);
	for (size_t i = 0; i < r; i++)
		for (size_t j = 0; j < c; j++)
			gsl_matrix_set(M, tr ? j : i, tr ? i : j, NM(A, i, j));
	gsl_linalg_SV_decomp(M, V, s, w);
	double n = gsl_vector_get(s, 0);
	gsl_matrix_free(M);
	gsl_matrix_free(V);
	gsl_vector_free(s);
	gsl_vector_free(w);
	return n;
}

/* ‖A‖₂ by GSL's SVD, on A divided by a power of two near its largest entry
 * (the SVD squares entries internally and would overflow at 1e200) */
static inline double gm_norm2(const gsl_matrix *A)
{
	double mx = 0;
	for (size_t i = 0; i < A->size1; i++)
		for (size_t j = 0; j < A->size2; j++)
			mx = fmax(mx, fabs(gsl_matrix_get(A, i, j)));
	if (mx == 0)
		return 0;
	int e;
	frexp(mx, &e);
	nmat M = nm_alloc(A->size1, A->size2);
	for (size_t i = 0; i < A->size1; i++)
		for (size_t j = 0; j < A->size2; j++)
			NM(M, i, j) = ldexp(gsl_matrix_get(A, i, j), -e);
	double n = nm_norm2(M);
	free(M.v);
	return ldexp(n, e);
}

/* the forward pass: a and s as (T+1)×d with row 0 = s_0 in s (row 0 of a unused) */
typedef struct {
	size_t d, T;
	nmat a, s;
} ntrace;

static inline ntrace nv_forward_w(const vx_model *m, const nmat *Wover)
{
	size_t d = m->d, n = m->n, T = m->T;
	ntrace tr = { d, T, nm_alloc(T + 1, d), nm_alloc(T + 1, d) };
	for (size_t i = 0; i < d; i++)
		NM(tr.s, 0, i) = gsl_vector_get(m->s0, i);
	for (size_t j = 1; j <= T; j++)
		for (size_t i = 0; i < d; i++) {
			double a = gsl_vector_get(m->b, i);
			for (size_t l = 0; l < d; l++)
				a += (Wover ? NM(*Wover, i, l) : gsl_matrix_get(m->W, i, l)) * NM(tr.s, j - 1, l);
			for (size_t l = 0; l < n; l++)
				a += gsl_matrix_get(m->U, i, l) * gsl_matrix_get(m->x, j - 1, l);
			NM(tr.a, j, i) = a;
			NM(tr.s, j, i) = nv_f(m->act, a);
		}
	return tr;
}

static inline ntrace nv_forward(const vx_model *m)
{
	return nv_forward_w(m, NULL);
}

static inline void nv_free(ntrace *tr)
{
	free(tr->a.v);
	free(tr->s.v);
}

/* J_j = diag(σ'(a_j)) W */
static inline nmat nv_jacobian(const vx_model *m, const ntrace *tr, size_t j)
{
	nmat J = nm_alloc(m->d, m->d);
	for (size_t i = 0; i < m->d; i++)
		for (size_t l = 0; l < m->d; l++)
			NM(J, i, l) = nv_df(m->act, NM(tr->a, j, i)) * gsl_matrix_get(m->W, i, l);
	return J;
}

/* ∂s_t/∂s_k = J_t … J_{k+1}, multiplied from the right end this time:
 * P ← J_j P for j = k+1 .. t */
static inline nmat nv_dsds(const vx_model *m, const ntrace *tr, size_t t, size_t k)
{
	size_t d = m->d;
	nmat P = nm_alloc(d, d), tmp = nm_alloc(d, d);
	for (size_t i = 0; i < d; i++)
		NM(P, i, i) = 1;
	for (size_t j = k + 1; j <= t; j++) {
		nmat J = nv_jacobian(m, tr, j);
		nm_mul(J, P, tmp);
		memcpy(P.v, tmp.v, d * d * sizeof(double));
		free(J.v);
	}
	free(tmp.v);
	return P;
}

/* L_t of a trace */
static inline double nv_loss(const vx_model *m, const ntrace *tr, size_t t)
{
	double l = 0;
	for (size_t i = 0; i < m->d; i++) {
		double e = NM(tr->s, t, i) - gsl_vector_get(m->y, i);
		l += e * e;
	}
	return 0.5 * l;
}

/* a model with given sizes and entries from a small LCG (independent of GSL's
 * generators), W scaled to spectral norm lambda by the SVD above */
static inline double lcg_gauss(unsigned long long *st)
{
	/* Box–Muller on a 64-bit LCG */
	double u[2];
	for (int i = 0; i < 2; i++) {
		*st = *st * 6364136223846793005ULL + 1442695040888963407ULL;
		u[i] = ((*st >> 11) + 0.5) / 9007199254740992.0;
	}
	return sqrt(-2 * log(u[0])) * cos(6.283185307179586 * u[1]);
}

/* an m×m orthogonal matrix (QR of an LCG-Gaussian matrix) whose first column
 * is ones/√m when ones_first, into Q */
static inline void nv_orthogonal(gsl_matrix *Q, unsigned long long seed, int ones_first)
{
	size_t m = Q->size1;
	gsl_matrix *A = gsl_matrix_alloc(m, m), *R = gsl_matrix_alloc(m, m);
	gsl_vector *tau = gsl_vector_alloc(m);
	unsigned long long st = seed * 2862933555777941757ULL + 3037000493ULL;
	for (size_t i = 0; i < m; i++)
		for (size_t j = 0; j < m; j++)
			gsl_matrix_set(A, i, j, ones_first && j == 0 ? 1.0 : lcg_gauss(&st));
	gsl_linalg_QR_decomp(A, tau);
	gsl_linalg_QR_unpack(A, tau, Q, R);
	gsl_matrix_free(A);
	gsl_matrix_free(R);
	gsl_vector_free(tau);
}

static inline vx_model *random_model(vx_act act, size_t d, size_t n, size_t T, double lambda,
                              double input_scale, unsigned long long seed)
{
	vx_model *m = vx_model_alloc(act, d, n, T);
	unsigned long long st = seed * 2654435761ULL + 1;
	nmat W = nm_alloc(d, d);
	for (size_t i = 0; i < d * d; i++)
		W.v[i] = lcg_gauss(&st);
	double nw = nm_norm2(W);
	for (size_t i = 0; i < d; i++)
		for (size_t l = 0; l < d; l++)
			gsl_matrix_set(m->W, i, l, NM(W, i, l) * lambda / nw);
	free(W.v);
	for (size_t i = 0; i < d; i++)
		for (size_t l = 0; l < n; l++)
			gsl_matrix_set(m->U, i, l, lcg_gauss(&st) / sqrt((double)n));
	for (size_t j = 0; j < T; j++)
		for (size_t l = 0; l < n; l++)
			gsl_matrix_set(m->x, j, l, input_scale * lcg_gauss(&st));
	for (size_t i = 0; i < d; i++) {
		gsl_vector_set(m->b, i, 0.1 * lcg_gauss(&st));
		gsl_vector_set(m->s0, i, 0.1 * lcg_gauss(&st));
		gsl_vector_set(m->y, i, 0.5 * lcg_gauss(&st));
	}
	return m;
}

/* relative difference scaled by a reference magnitude */
static inline double reldiff(double a, double b, double ref)
{
	return fabs(a - b) / (ref > 0 ? ref : 1.0);
}

/* The model vanex builds from options given as name, value pairs ending in
 * NULL ({ "act", "tanh", "norm", "1", NULL }), each checked as on the command
 * line; the parameters in *p. */
static inline vx_model *model_of(vx_params *p, const char *const *opt)
{
	vx_error e = { 0 };
	vx_params_default(p);
	for (; opt[0]; opt += 2)
		cr_assert_eq(vx_params_set(p, opt[0], opt[1], &e), VX_OK, "--%s %s: %s", opt[0], opt[1], e.msg);
	vx_model *m = NULL;
	cr_assert_eq(vx_model_build(p, &m, &e), VX_OK, "build: %s", e.msg);
	return m;
}

/* The thread policy vanex's front end applies for an analysis of hidden
 * size d (net: of a vx_net's state size), applied, so that the tests run
 * the engine's threaded passes as vanex does.  A Criterion test is a
 * process of its own: the BLAS count read first is the one it started with. */
static inline vx_exec test_exec(size_t d, int net)
{
	static vx_exec machine;
	static int known;
	if (!known) {
		machine = vx_exec_machine();
		known = 1;
	}
	vx_exec ex = net ? vx_exec_for_net(d, &machine) : vx_exec_for_model(d, &machine);
	vx_exec_apply(&ex);
	return ex;
}

static inline vx_result *analyse_ok(const vx_model *m, size_t t)
{
	vx_result *r = NULL;
	vx_error err = { 0 };
	vx_exec ex = test_exec(m->d, 0);
	vx_status st = vx_analyse(m, t, &ex, &r, &err);
	cr_assert_eq(st, VX_OK, "vx_analyse failed (%d): %s", st, err.msg);
	return r;
}

/* How much the peak resident set grows, in bytes, while run(arg) works,
 * measured in a child process of its own (the peak only grows) after
 * warm(arg), which gets the libraries' own buffers in place; run returns 0
 * on success.  Asserts that a measurement came back. */
static inline double peak_growth(void (*warm)(void *), int (*run)(void *), void *arg, const char *what)
{
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		struct rusage ru;
		warm(arg);
		getrusage(RUSAGE_SELF, &ru);
		long before = ru.ru_maxrss, grew = -1;   /* KiB */
		if (run(arg) == 0 && getrusage(RUSAGE_SELF, &ru) == 0)
			grew = ru.ru_maxrss - before;
		ssize_t wr = write(fds[1], &grew, sizeof grew);
		_exit(wr == (ssize_t)sizeof grew ? 0 : 1);
	}
	close(fds[1]);
	long grew = -1;
	ssize_t rd = read(fds[0], &grew, sizeof grew);
	close(fds[0]);
	int status;
	waitpid(pid, &status, 0);
	cr_assert(rd == (ssize_t)sizeof grew && grew > 0, "%s: no measurement", what);
	return (double)grew * 1024;
}

#endif
