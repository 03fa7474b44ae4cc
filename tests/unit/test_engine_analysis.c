/*
 * test_engine_analysis.c — the derivation of DESIGN.md section 1 computed by
 * vx_analyse, checked against values obtained independently:
 *   - finite differences of a plain forward pass written here (test_engine_util.h);
 *   - explicit Jacobian products multiplied in the other order, with norms
 *     by GSL's SVD instead of the engine's Lanczos iteration;
 *   - closed forms (0.5^10, 2^10, 1000 log10 3, orthogonal W);
 *   - the spectral radius from a nonsymmetric eigen-solver for the Lyapunov
 *     exponent of an autonomous network;
 * and the thread policy: the engine never sets the BLAS's thread count, and
 * analyses run side by side give the bits of one run alone.
 */
#define _GNU_SOURCE   /* RTLD_NEXT */
#include <dlfcn.h>
#include <pthread.h>
#include <sched.h>
#include <gsl/gsl_linalg.h>
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <gsl/gsl_complex_math.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>

#include "engine/analysis.h"
#include "engine/net_analysis.h"
#include "same_bits.h"
#include "test_engine_util.h"

static void setup(void)
{
	gsl_set_error_handler_off();
}

TestSuite(engine_analysis, .init = setup);

static const char *const ACT[] = { "sigmoid", "tanh", "relu", "linear" };

/* max |A_ij − B_ij| over max |B_ij| */
static double matrel(nmat A, const gsl_matrix *B)
{
	double e = 0, m = 0;
	for (size_t i = 0; i < A.r; i++)
		for (size_t j = 0; j < A.c; j++) {
			e = fmax(e, fabs(NM(A, i, j) - gsl_matrix_get(B, i, j)));
			m = fmax(m, fabs(gsl_matrix_get(B, i, j)));
		}
	return m > 0 ? e / m : e;
}

/* ---- the forward pass ---- */

Test(engine_analysis, forward_pass_equals_the_plain_one)
{
	for (vx_act a = 0; a < VX_ACT_COUNT; a++) {
		vx_model *m = random_model(a, 7, 3, 25, 0.9, 1.0, 11 + a);
		vx_result *r = analyse_ok(m, 25);
		ntrace tr = nv_forward(m);
		for (size_t j = 1; j <= 25; j++)
			for (size_t i = 0; i < 7; i++) {
				double A = NM(tr.a, j, i), S = NM(tr.s, j, i);
				cr_expect(fabs(gsl_matrix_get(r->a, j - 1, i) - A) <= 1e-13 * fmax(1, fabs(A)),
				          "%s a_%zu[%zu] %.17g vs %.17g", ACT[a], j, i, gsl_matrix_get(r->a, j - 1, i), A);
				cr_expect(fabs(gsl_matrix_get(r->s, j - 1, i) - S) <= 1e-13 * fmax(1, fabs(S)),
				          "%s s_%zu[%zu]", ACT[a], j, i);
			}
		double L = nv_loss(m, &tr, 25);
		cr_expect(r->loss.fits && fabs(r->loss.value - L) <= 1e-13 * L, "%s loss %.17g vs %.17g", ACT[a],
		          r->loss.value, L);
		nv_free(&tr);
		vx_result_free(r);
		vx_model_free(m);
	}
}

/* ---- ∂s_j/∂a_j is diagonal, ∂a_j/∂s_{j−1} is W, J_j = diag(σ') W ---- */

Test(engine_analysis, dsda_is_diagonal_and_equals_differences)
{
	for (vx_act a = 0; a < VX_ACT_COUNT; a++) {
		vx_model *m = random_model(a, 6, 2, 8, 1.1, 1.0, 21 + a);
		vx_result *r = analyse_ok(m, 8);
		gsl_matrix *D = gsl_matrix_alloc(6, 6);
		gsl_vector *v = gsl_vector_alloc(6);
		for (size_t j = 1; j <= 8; j += 3) {
			cr_assert_eq(vx_fd_dsda(m, r, j, D), VX_OK, "fd dsda");
			cr_assert_eq(vx_step_dact(m, r, j, v), VX_OK, "step dact");
			for (size_t i = 0; i < 6; i++) {
				/* this test's own central difference of σ at a_{j,i} */
				double x = gsl_matrix_get(r->a, j - 1, i), h = 1e-6 * fmax(1, fabs(x));
				double fd = (nv_f(a, x + h) - nv_f(a, x - h)) / (2 * h);
				cr_expect(fabs(gsl_vector_get(v, i) - fd) < 1e-8, "%s sigma'(a_%zu[%zu]) %.15g vs own FD %.15g",
				          ACT[a], j, i, gsl_vector_get(v, i), fd);
				for (size_t l = 0; l < 6; l++) {
					double e = gsl_matrix_get(D, i, l);
					if (i != l)
						cr_expect_eq(e, 0.0, "%s ds_j/da_j[%zu][%zu] = %g off the diagonal", ACT[a], i, l, e);
					else
						cr_expect(fabs(e - nv_df(a, x)) < 1e-10, "%s diagonal %zu: %.15g vs %.15g", ACT[a],
						          i, e, nv_df(a, x));
				}
			}
		}
		gsl_matrix_free(D);
		gsl_vector_free(v);
		vx_result_free(r);
		vx_model_free(m);
	}
}

Test(engine_analysis, dads_is_w)
{
	vx_model *m = random_model(VX_TANH, 5, 2, 6, 1.3, 1.0, 5);
	vx_result *r = analyse_ok(m, 6);
	gsl_matrix *A = gsl_matrix_alloc(5, 5);
	cr_assert_eq(vx_fd_dads(m, r, 4, A), VX_OK, "fd dads");
	for (size_t i = 0; i < 5; i++)
		for (size_t l = 0; l < 5; l++)
			cr_expect(fabs(gsl_matrix_get(A, i, l) - gsl_matrix_get(m->W, i, l)) < 1e-12,
			          "da/ds[%zu][%zu] %.17g vs W %.17g", i, l, gsl_matrix_get(A, i, l), gsl_matrix_get(m->W, i, l));
	gsl_matrix_free(A);
	vx_result_free(r);
	vx_model_free(m);
}

/* this test's own central-difference Jacobian of s_t with respect to s_k:
 * perturb s_k, re-run steps k+1..t with the plain step map */
static nmat own_fd_dsds(const vx_model *m, const ntrace *tr, size_t t, size_t k)
{
	size_t d = m->d;
	nmat F = nm_alloc(d, d);
	double *s = malloc(d * sizeof *s), *sp[2], *nx = malloc(d * sizeof *nx);
	sp[0] = malloc(d * sizeof(double));
	sp[1] = malloc(d * sizeof(double));
	for (size_t l = 0; l < d; l++) {
		double h = 1e-6 * fmax(1, fabs(NM(tr->s, k, l)));
		for (int sg = 0; sg < 2; sg++) {
			for (size_t i = 0; i < d; i++)
				s[i] = NM(tr->s, k, i);
			s[l] += sg ? -h : h;
			for (size_t j = k + 1; j <= t; j++) {
				for (size_t i = 0; i < d; i++) {
					double a = gsl_vector_get(m->b, i);
					for (size_t q = 0; q < d; q++)
						a += gsl_matrix_get(m->W, i, q) * s[q];
					for (size_t q = 0; q < m->n; q++)
						a += gsl_matrix_get(m->U, i, q) * gsl_matrix_get(m->x, j - 1, q);
					nx[i] = nv_f(m->act, a);
				}
				memcpy(s, nx, d * sizeof *s);
			}
			memcpy(sp[sg], s, d * sizeof *s);
		}
		for (size_t i = 0; i < d; i++)
			NM(F, i, l) = (sp[0][i] - sp[1][i]) / (2 * h);
	}
	free(s);
	free(nx);
	free(sp[0]);
	free(sp[1]);
	return F;
}

Test(engine_analysis, step_jacobian_equals_differences_of_the_step_map)
{
	for (vx_act a = 0; a < VX_ACT_COUNT; a++) {
		vx_model *m = random_model(a, 6, 3, 10, 1.2, 1.0, 31 + a);
		vx_result *r = analyse_ok(m, 10);
		ntrace tr = nv_forward(m);
		gsl_matrix *J = gsl_matrix_alloc(6, 6);
		for (size_t j = 2; j <= 10; j += 4) {
			cr_assert_eq(vx_step_jacobian(m, r, j, J), VX_OK, "step jacobian");
			nmat F = own_fd_dsds(m, &tr, j, j - 1);
			/* central differences with h = 1e-6: error ~1e-10 */
			cr_expect(matrel(F, J) < 1e-8, "%s J_%zu vs FD: rel error %.3g", ACT[a], j, matrel(F, J));
			/* and the layout: row i of W scaled by sigma'(a_{j,i}) */
			for (size_t i = 0; i < 6; i++)
				cr_expect(fabs(gsl_matrix_get(J, i, 3) - nv_df(a, NM(tr.a, j, i)) * gsl_matrix_get(m->W, i, 3))
				          < 1e-14, "J[%zu][3] numerator layout", i);
			free(F.v);
		}
		gsl_matrix_free(J);
		nv_free(&tr);
		vx_result_free(r);
		vx_model_free(m);
	}
}

Test(engine_analysis, dsds_equals_differences_of_s_t)
{
	for (vx_act a = 0; a < VX_ACT_COUNT; a++) {
		vx_model *m = random_model(a, 5, 2, 12, 1.1, 1.0, 41 + a);
		vx_result *r = analyse_ok(m, 12);
		ntrace tr = nv_forward(m);
		gsl_matrix *P = gsl_matrix_alloc(5, 5);
		size_t ks[] = { 12, 11, 8, 3 };
		for (int q = 0; q < 4; q++) {
			double sc;
			cr_assert_eq(vx_dsds(m, r, 12, ks[q], P, &sc), VX_OK, "vx_dsds");
			cr_expect_eq(sc, 0.0, "fits a double");
			nmat F = own_fd_dsds(m, &tr, 12, ks[q]);
			/* central differences with h = 1e-6 on states of size <= 1: truncation
			 * ~1e-12 relative, rounding ~1e-10 absolute (what vanishing entries
			 * of ds_t/ds_k, e.g. 1e-6 for sigmoid over 9 steps, are held to) */
			double e = 0, mx = 0;
			for (size_t i = 0; i < 25; i++) {
				e = fmax(e, fabs(F.v[i] - P->data[i]));
				mx = fmax(mx, fabs(P->data[i]));
			}
			cr_expect(e < 1e-7 * mx + 1e-9, "%s ds_12/ds_%zu vs FD: error %.3g, largest entry %.3g", ACT[a], ks[q],
			          e, mx);
			free(F.v);
		}
		gsl_matrix_free(P);
		nv_free(&tr);
		vx_result_free(r);
		vx_model_free(m);
	}
}

Test(engine_analysis, dsds_columns_equal_the_plain_product)
{
	/* chosen columns carried through the chain as vectors against the plain
	 * long-double product of explicit Jacobians (nv_dsds), for every
	 * activation; and a 900-step sigmoid chain whose columns leave the range
	 * of a double and come back as a decimal scale */
	for (vx_act a = 0; a < VX_ACT_COUNT; a++) {
		vx_model *m = random_model(a, 6, 2, 20, 1.3, 1.0, 77 + a);
		vx_result *r = analyse_ok(m, 20);
		ntrace tr = nv_forward(m);
		size_t cols[] = { 5, 0, 3 };
		gsl_matrix *X = gsl_matrix_alloc(6, 3);
		size_t ks[] = { 20, 19, 9, 1 };
		for (int q = 0; q < 4; q++) {
			double sc = -1;
			cr_assert_eq(vx_dsds_columns(m, r, 20, ks[q], cols, 3, X, &sc), VX_OK, "vx_dsds_columns");
			cr_expect_eq(sc, 0.0, "fits a double");
			nmat P = nv_dsds(m, &tr, 20, ks[q]);
			double e = 0, mx = 0;
			for (size_t i = 0; i < 6; i++)
				for (size_t c = 0; c < 3; c++) {
					e = fmax(e, fabs(NM(P, i, cols[c]) - gsl_matrix_get(X, i, c)));
					mx = fmax(mx, fabs(NM(P, i, cols[c])));
				}
			cr_expect(e <= 1e-13 * mx, "%s columns of ds_20/ds_%zu: error %.3g, largest entry %.3g", ACT[a], ks[q],
			          e, mx);
			free(P.v);
		}
		size_t bad = 6;
		cr_expect_eq(vx_dsds_columns(m, r, 20, 3, &bad, 1, X, &(double){ 0 }), VX_ESHAPE, "X of the wrong width");
		gsl_matrix *X1 = gsl_matrix_alloc(6, 1);
		cr_expect_eq(vx_dsds_columns(m, r, 20, 3, &bad, 1, X1, &(double){ 0 }), VX_EUSAGE, "a column past d");
		cr_expect_eq(vx_dsds_columns(m, r, 20, 21, cols, 1, X1, &(double){ 0 }), VX_EUSAGE, "k past t");
		gsl_matrix_free(X1);
		gsl_matrix_free(X);
		nv_free(&tr);
		vx_result_free(r);
		vx_model_free(m);
	}
	vx_model *m = random_model(VX_SIGMOID, 4, 1, 900, 1.0, 1.0, 5);
	vx_result *r = analyse_ok(m, 900);
	gsl_matrix *X = gsl_matrix_alloc(4, 4), *P = gsl_matrix_alloc(4, 4);
	size_t all[] = { 0, 1, 2, 3 };
	double sc, scP;
	cr_assert_eq(vx_dsds_columns(m, r, 900, 1, all, 4, X, &sc), VX_OK, "vx_dsds_columns");
	cr_assert_eq(vx_dsds(m, r, 900, 1, P, &scP), VX_OK, "vx_dsds");
	cr_expect(sc < -150, "a scale is carried: 10^%g", sc);
	double pmax = 0;
	for (size_t i = 0; i < 16; i++)
		pmax = fmax(pmax, fabs(P->data[i]));
	for (size_t i = 0; i < 16; i++) {
		double x = X->data[i] * pow(10, sc - scP);
		cr_expect(fabs(x - P->data[i]) <= 1e-11 * pmax, "entry %zu: %.17g against vx_dsds %.17g", i,
		          x, P->data[i]);
	}
	gsl_matrix_free(X);
	gsl_matrix_free(P);
	vx_result_free(r);
	vx_model_free(m);
}

/* ---- norms, products, bounds ---- */

/* 10^a <= 10^b up to rounding (1e-12 relative); exact zeros compare as such */
static int leq_log(double a, double b)
{
	if (a == -INFINITY)
		return 1;
	return a <= b + 1e-12 * (1 + fabs(b));
}

Test(engine_analysis, norm_below_step_product_below_bound_over_200_networks)
{
	int n = 0;
	for (int rep = 0; rep < 200; rep++) {
		vx_act a = (vx_act)(rep % 4);
		size_t d = 2 + rep % 9, T = 10 + rep % 13;
		double lambda = 0.3 + 0.05 * (rep % 50);
		vx_model *m = random_model(a, d, 2, T, lambda, rep % 3 ? 1.0 : 0.0, 1000 + rep);
		vx_error e;
		vx_result *r = NULL;
		vx_exec ex = test_exec(d, 0);
		if (vx_analyse(m, T, &ex, &r, &e) != VX_OK) {
			vx_model_free(m);
			continue;
		}
		n++;
		for (size_t k = 1; k <= T; k++) {
			vx_path *p = &r->paths[k - 1];
			/* rounding allowance 1e-12 relative */
			cr_expect(leq_log(p->norm.log10, p->step_product.log10),
			          "%s d=%zu k=%zu: ||ds_t/ds_k|| 10^%.15g > step product 10^%.15g", ACT[a], d, k,
			          p->norm.log10, p->step_product.log10);
			cr_expect(leq_log(p->step_product.log10, p->bound.log10),
			          "%s d=%zu k=%zu: step product 10^%.15g > bound 10^%.15g", ACT[a], d, k,
			          p->step_product.log10, p->bound.log10);
		}
		vx_result_free(r);
		vx_model_free(m);
	}
	cr_expect_eq(n, 200, "all 200 networks analysed");
}

Test(engine_analysis, norms_equal_svd_of_explicit_products)
{
	for (int rep = 0; rep < 24; rep++) {
		vx_act a = (vx_act)(rep % 4);
		size_t d = 3 + rep % 10, T = 18;
		vx_model *m = random_model(a, d, 2, T, 0.6 + 0.1 * rep, 1.0, 500 + rep);
		vx_result *r = analyse_ok(m, T);
		ntrace tr = nv_forward(m);
		for (size_t k = 1; k <= T; k++) {
			nmat P = nv_dsds(m, &tr, T, k);
			double want = nm_norm2(P);
			vx_mag got = r->paths[k - 1].norm;
			cr_expect(fabs(got.value - want) <= 1e-11 * want + 1e-300,
			          "%s d=%zu k=%zu: ||ds_t/ds_k|| %.17g vs SVD %.17g", ACT[a], d, k, got.value, want);
			free(P.v);
		}
		for (size_t j = 1; j <= T; j++) {
			nmat J = nv_jacobian(m, &tr, j);
			double want = nm_norm2(J), got = gsl_vector_get(r->step_norm, j - 1);
			cr_expect(fabs(got - want) <= 1e-12 * want, "%s d=%zu ||J_%zu|| %.17g vs SVD %.17g", ACT[a], d, j,
			          got, want);
			free(J.v);
		}
		nmat W = nm_alloc(d, d);
		for (size_t i = 0; i < d * d; i++)
			W.v[i] = m->W->data[i];
		cr_expect(fabs(r->lambda / nm_norm2(W) - 1) < 1e-12, "lambda %.17g", r->lambda);
		free(W.v);
		nv_free(&tr);
		vx_result_free(r);
		vx_model_free(m);
	}
}

Test(engine_analysis, norms_equal_svd_at_larger_sizes)
{
	/* one BLAS thread, as the front ends give these sizes: from d = 64 the
	 * products then go through packed.h's kernel */
	vx_exec one = { 1, 1, NULL };
	vx_exec_apply(&one);
	/* d = 48..96, where warm starts matter and a run may fill the whole space */
	size_t ds[] = { 48, 70, 96 };
	for (int q = 0; q < 3; q++) {
		size_t d = ds[q], T = 30;
		vx_model *m = random_model(q == 1 ? VX_SIGMOID : VX_TANH, d, 4, T, q == 1 ? 4.0 : 1.0, 1.0, 77 + q);
		vx_result *r = analyse_ok(m, T);
		ntrace tr = nv_forward(m);
		for (size_t k = 1; k <= T; k += 4) {
			nmat P = nv_dsds(m, &tr, T, k);
			double want = nm_norm2(P);
			cr_expect(fabs(r->paths[k - 1].norm.value / want - 1) < 1e-11, "d=%zu k=%zu: %.17g vs SVD %.17g",
			          d, k, r->paths[k - 1].norm.value, want);
			free(P.v);
		}
		for (size_t j = 1; j <= T; j += 3) {
			nmat J = nv_jacobian(m, &tr, j);
			double want = nm_norm2(J);
			cr_expect(fabs(gsl_vector_get(r->step_norm, j - 1) / want - 1) < 1e-12, "d=%zu ||J_%zu||", d, j);
			free(J.v);
		}
		cr_expect_eq(r->fallbacks, 0, "no dense fallbacks needed (%zu)", r->fallbacks);
		nv_free(&tr);
		vx_result_free(r);
		vx_model_free(m);
	}
}

/* ---- the thread policy ---- */

/* OpenBLAS's thread-count setter, interposed for the whole test binary
 * (this definition wins over the library's for every caller, the engine's
 * weak reference included): counts the calls and passes them on. */
static int blas_sets;
void openblas_set_num_threads(int n)
{
	void (*real)(int) = (void (*)(int))dlsym(RTLD_NEXT, "openblas_set_num_threads");
	blas_sets++;
	if (real)
		real(n);
}
extern int openblas_get_num_threads(void) __attribute__((weak));

/* Skips (fails under CI=true) without OpenBLAS: GSL's reference CBLAS has no
 * thread count.  CI builds with OpenBLAS (tests/deps.sh). */
static void need_openblas(void)
{
	if (openblas_get_num_threads && dlsym(RTLD_NEXT, "openblas_set_num_threads"))
		return;
	if (getenv("CI") && strcmp(getenv("CI"), "true") == 0)
		cr_assert_fail("CI=true but vanex is linked without OpenBLAS");
	cr_skip_test("linked without OpenBLAS: no BLAS threads to control");
}

/* The BLAS's thread count is the front end's (exec.h): an analysis with any
 * policy, of either kind, leaves it alone, not even setting it and back.
 * The BLAS starts at two threads whatever the machine, so that a small
 * network's one-thread policy would have to change it. */
Test(engine_analysis, analyses_never_set_the_blas_threads)
{
	need_openblas();
	openblas_set_num_threads(2);
	cr_assert_eq(openblas_get_num_threads(), 2, "OpenBLAS does not take 2 threads");
	blas_sets = 0;
	const vx_exec policies[] = { { 1, 0, NULL }, { 2, 1, NULL }, { 3, 1, NULL } };
	vx_model *m = random_model(VX_TANH, 64, 2, 20, 1.0, 1.0, 5);
	vx_net *net = NULL;
	vx_error e = { 0 };
	cr_assert_eq(vx_net_from_model(m, &net, &e), VX_OK, "%s", e.msg);
	for (int q = 0; q < 4; q++) {
		const vx_exec *ex = q < 3 ? &policies[q] : NULL;
		vx_result *r = NULL;
		vx_net_result *nr = NULL;
		cr_assert_eq(vx_analyse(m, 20, ex, &r, &e), VX_OK, "%s", e.msg);
		cr_assert_eq(vx_net_analyse(net, 20, ex, &nr, &e), VX_OK, "%s", e.msg);
		vx_result_free(r);
		vx_net_result_free(nr);
	}
	cr_expect_eq(blas_sets, 0, "the analyses set the BLAS's thread count %d times", blas_sets);
	cr_expect_eq(openblas_get_num_threads(), 2, "and it is still 2");
	vx_net_free(net);
	vx_model_free(m);
}

/* The policy of exec.h, size by size, and vx_exec_apply setting the BLAS. */
Test(engine_analysis, the_thread_policy_follows_the_size)
{
	/* solo: a BLAS of one thread (OPENBLAS_NUM_THREADS=1, or none to
	 * control) on four cores; lone: on one */
	const vx_exec quad = { 4, 8, NULL }, one = { 1, 3, NULL }, pair = { 2, 2, NULL }, solo = { 4, 1, NULL },
	              lone = { 1, 1, NULL };
	const struct { size_t d; int net; const vx_exec *machine; vx_exec want; } cases[] = {
		{ 1, 0, &quad, { 2, 1, NULL } },     { 256, 0, &quad, { 2, 1, NULL } },  { 257, 0, &quad, { 1, 8, NULL } },
		{ 4096, 0, &quad, { 1, 8, NULL } },  { 16, 0, &one, { 1, 1, NULL } },    { 300, 0, &one, { 1, 3, NULL } },
		{ 256, 0, &pair, { 2, 1, NULL } },   { 768, 0, &pair, { 2, 1, NULL } },  { 769, 0, &pair, { 1, 2, NULL } },
		{ 63, 1, &quad, { 1, 8, NULL } },    { 64, 1, &quad, { 3, 1, NULL } },   { 1024, 1, &quad, { 3, 1, NULL } },
		{ 1025, 1, &quad, { 1, 8, NULL } },  { 512, 1, &one, { 1, 3, NULL } },   { 63, 1, &pair, { 1, 2, NULL } },
		{ 2048, 1, &pair, { 3, 1, NULL } },  { 2049, 1, &pair, { 1, 2, NULL } },
		{ 257, 0, &pair, { 2, 1, NULL } },   { 768, 0, &quad, { 1, 8, NULL } },  { 2048, 1, &quad, { 1, 8, NULL } },
		{ 64, 1, &pair, { 3, 1, NULL } },    { 4096, 0, &solo, { 2, 1, NULL } }, { 4096, 1, &solo, { 3, 1, NULL } },
		{ 32, 1, &solo, { 1, 1, NULL } },    { 4096, 0, &lone, { 1, 1, NULL } }, { 4096, 1, &lone, { 1, 1, NULL } },
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		vx_exec got = cases[c].net ? vx_exec_for_net(cases[c].d, cases[c].machine)
		                           : vx_exec_for_model(cases[c].d, cases[c].machine);
		cr_expect(got.threads == cases[c].want.threads && got.blas_threads == cases[c].want.blas_threads,
		          "%s d = %zu on {%d, %d}: {%d, %d}, expected {%d, %d}", cases[c].net ? "net" : "model",
		          cases[c].d, cases[c].machine->threads, cases[c].machine->blas_threads, got.threads,
		          got.blas_threads, cases[c].want.threads, cases[c].want.blas_threads);
	}
	need_openblas();
	openblas_set_num_threads(2);
	vx_exec m = vx_exec_machine();
	cr_expect_eq(m.blas_threads, 2, "the machine's BLAS count is the BLAS's");
	cr_expect(m.threads >= 1 && m.threads <= sysconf(_SC_NPROCESSORS_ONLN), "cores: %d", m.threads);
	/* a process pinned to one CPU (taskset, a container's cpuset) is
	 * offered one core, and the policy of one core: one engine thread */
	pid_t pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		cpu_set_t only;
		CPU_ZERO(&only);
		CPU_SET(sched_getcpu() >= 0 ? sched_getcpu() : 0, &only);
		if (sched_setaffinity(0, sizeof only, &only))
			_exit(3);
		vx_exec pinned = vx_exec_machine(), p = vx_exec_for_model(100, &pinned);
		_exit(pinned.threads != 1 ? 1 : p.threads != 1 ? 2 : 0);
	}
	int status = 0;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	          "pinned to one CPU: exit %d (1: not one core, 2: not one thread, 3: no pinning)",
	          WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	vx_exec small = vx_exec_for_model(8, &m), large = vx_exec_for_model(1000, &m), keep = { 1, 0, NULL };
	vx_exec_apply(&small);
	cr_expect_eq(openblas_get_num_threads(), 1, "small d: one BLAS thread");
	vx_exec_apply(&keep);
	cr_expect_eq(openblas_get_num_threads(), 1, "blas_threads 0 leaves it");
	vx_exec_apply(&large);
	cr_expect_eq(openblas_get_num_threads(), 2, "large d: the machine's count again");
}

typedef struct {
	const vx_model *m;
	vx_exec ex;
	vx_result *r;
	vx_status st;
} side_run;

static void *run_beside(void *arg)
{
	side_run *s = arg;
	s->st = vx_analyse(s->m, s->m->T, &s->ex, &s->r, NULL);
	return NULL;
}

/* A program embedding the engine may analyse on threads of its own: four
 * analyses at once, each on two threads, give the bits of each run alone on
 * one thread (no state shared between calls, none kept between them). */
Test(engine_analysis, analyses_side_by_side_equal_each_alone)
{
	vx_exec ex = test_exec(48, 0);
	ex.threads = 2;
	side_run runs[4];
	vx_model *ms[4];
	pthread_t th[4];
	for (int i = 0; i < 4; i++) {
		ms[i] = random_model((vx_act)i, 24 + 8 * (size_t)i, 3, 60, 0.8 + 0.2 * i, 1.0, 70 + i);
		runs[i] = (side_run){ ms[i], ex, NULL, VX_EINTERNAL };
		cr_assert_eq(pthread_create(&th[i], NULL, run_beside, &runs[i]), 0);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 4; i++) {
		cr_assert_eq(runs[i].st, VX_OK, "run %d", i);
		vx_result *a = runs[i].r, *b = NULL;
		cr_assert_eq(vx_analyse(ms[i], ms[i]->T, NULL, &b, NULL), VX_OK);
		size_t d = a->d, T = a->T, t = a->t;
		cr_expect(same_bits(a->a->data, b->a->data, T * d * sizeof(double)) &&
		          same_bits(a->s->data, b->s->data, T * d * sizeof(double)), "run %d: a, s", i);
		cr_expect(same_bits(a->step_norm->data, b->step_norm->data, T * sizeof(double)), "run %d: ‖J_j‖", i);
		cr_expect(same_paths(a->paths, b->paths, t), "run %d: paths", i);
		cr_expect(same_bits(a->grad_W->data, b->grad_W->data, d * d * sizeof(double)), "run %d: ∂L/∂W", i);
		cr_expect(same_bits(a->lyap_top, b->lyap_top, sizeof a->lyap_top) && a->lambda == b->lambda &&
		          a->lanczos_steps == b->lanczos_steps, "run %d: λ, exponents, Lanczos steps", i);
		vx_result_free(a);
		vx_result_free(b);
		vx_model_free(ms[i]);
	}
}

/* m analysed at T on one thread (*a) and on two (*b), the BLAS at blas
 * threads (set, as a front end sets it, before either). */
static void one_and_two(const vx_model *m, size_t T, int blas, vx_result **a, vx_result **b)
{
	vx_exec one = { 1, blas, NULL }, two = { 2, blas, NULL };
	vx_exec_apply(&one);
	*a = *b = NULL;
	cr_assert_eq(vx_analyse(m, T, &one, a, NULL), VX_OK);
	cr_assert_eq(vx_analyse(m, T, &two, b, NULL), VX_OK);
}

/* At d = 256 the chain's products are wide enough for the thread whose
 * passes are done to take half of each (analysis_internal.h, chain_help):
 * the result has the bits of the run on one thread.  An orthogonal linear
 * W, whose products never lose rank, and a tanh one at the edge, whose
 * rows fall to sizes that are no multiple of the split's alignment. */
Test(engine_analysis, a_chain_shared_by_two_threads_has_the_bits_of_one)
{
	/* q = 0: linear, orthogonal W (each step a product scaled by a power
	 * of two, no pass over P); q = 1: tanh, gaussian W; q = 2: tanh,
	 * orthogonal W and small inputs, σ' different for every unit but the
	 * rank kept, so that the helper scales the rows it multiplies; q = 3:
	 * as q = 0 at d = 400, a size the policy gives two threads on two
	 * cores only (exec.h), whose half is no multiple of the split's 16 */
	for (int q = 0; q < 4; q++) {
		size_t d = q == 3 ? 400 : 256, T = q == 3 ? 40 : 120;
		vx_model *m = random_model(q % 3 ? VX_TANH : VX_LINEAR, d, 4, T, 1.0, q == 2 ? 0.05 : 1.0, 4300 + q);
		if (q != 1) {
			gsl_vector *tau = gsl_vector_alloc(d);
			gsl_matrix *Q = gsl_matrix_alloc(d, d), *R = gsl_matrix_alloc(d, d);
			gsl_linalg_QR_decomp(m->W, tau);
			gsl_linalg_QR_unpack(m->W, tau, Q, R);
			gsl_matrix_memcpy(m->W, Q);
			gsl_vector_free(tau);
			gsl_matrix_free(Q);
			gsl_matrix_free(R);
		}
		vx_result *a, *b;
		/* the orthogonal chain's 120 full products outlast the other
		 * thread's passes (BPTT and the exponents: a fiftieth of them);
		 * the tanh one may end first.  A run that did not share is run
		 * again (same_bits.h) */
		for (int run = 1;; run++) {
			one_and_two(m, T, 1, &a, &b);
			cr_expect_eq(a->chain_shared, 0, "q %d: one thread shares nothing", q);
			cr_expect(same_paths(a->paths, b->paths, T), "q %d: the paths to the bit", q);
			cr_expect(same_bits(a->step_norm->data, b->step_norm->data, T * sizeof(double)), "q %d: ‖J_j‖", q);
			cr_expect(same_bits(a->grad_W->data, b->grad_W->data, d * d * sizeof(double)), "q %d: ∂L/∂W", q);
			cr_expect(same_bits(a->lyap_top, b->lyap_top, sizeof a->lyap_top) && a->chain_rank == b->chain_rank &&
			          a->chain_truncations == b->chain_truncations, "q %d: exponents, the chain's rank", q);
			if (q == 1 || b->chain_shared > 0 || run == VX_TEST_SHARE_RUNS) {
				if (q != 1)
					cr_expect_gt(b->chain_shared, 0, "q %d: products shared (in none of %d runs)", q, run);
				break;
			}
			vx_result_free(a);
			vx_result_free(b);
		}
		/* a BLAS sharing each call among threads of its own: no split */
		if (openblas_get_num_threads && dlsym(RTLD_NEXT, "openblas_set_num_threads")) {
			vx_result *c1, *c;
			one_and_two(m, T, 2, &c1, &c);
			cr_expect_eq(c->chain_shared, 0, "q %d: BLAS on two threads: nothing split", q);
			cr_expect(same_paths(c1->paths, c->paths, T), "q %d: the paths of one thread", q);
			vx_result_free(c);
			vx_result_free(c1);
		}
		vx_result_free(a);
		vx_result_free(b);
		vx_model_free(m);
	}
}

/* The relative distance of two positive magnitudes, from their log10s */
static double mag_rel(vx_mag a, vx_mag b)
{
	return fabs(expm1((a.log10 - b.log10) * M_LN10));
}

/* The BLAS's own thread count (the policy's blas_threads) splits the
 * BLAS's products among its threads.  Its matrix-vector products keep
 * their bits (the states and both gradients here: the forward pass and
 * BPTT), its matrix products may not (λ's Gram matrix, the step norms'
 * batches, the chain, the Lyapunov pass's p directions at once), and what
 * comes of them stays within rounding.  One engine thread, the BLAS on one
 * and on two, at d = 512. */
Test(engine_analysis, the_blas_threads_change_nothing_beyond_rounding)
{
	need_openblas();
	for (int q = 0; q < 2; q++) {
		size_t d = 512, T = 12;
		vx_model *m = random_model(q ? VX_TANH : VX_LINEAR, d, 4, T, q ? 1.1 : 0.9, 1.0, 4400 + q);
		vx_exec b1 = { 1, 1, NULL }, b2 = { 1, 2, NULL };
		vx_result *a = NULL, *b = NULL;
		vx_exec_apply(&b1);
		cr_assert_eq(vx_analyse(m, T, &b1, &a, NULL), VX_OK);
		vx_exec_apply(&b2);
		cr_assert_eq(vx_analyse(m, T, &b2, &b, NULL), VX_OK);
		cr_expect(same_bits(a->s->data, b->s->data, T * d * sizeof(double)), "q %d: the states", q);
		cr_expect(same_bits(a->grad_W->data, b->grad_W->data, d * d * sizeof(double)), "q %d: ∂L/∂W", q);
		cr_expect(same_bits(a->grad_sum_W->data, b->grad_sum_W->data, d * d * sizeof(double)),
		          "q %d: the summed loss's ∂L/∂W", q);
		for (size_t l = 0; l < a->lyap_count; l++)
			cr_expect(fabs(a->lyap_top[l] - b->lyap_top[l]) <= 1e-13 * fmax(1, fabs(a->lyap_top[l])),
			          "q %d: exponent %zu %.17g, %.17g", q, l, a->lyap_top[l], b->lyap_top[l]);
		cr_expect(fabs(a->lambda / b->lambda - 1) <= 1e-14, "q %d: λ %.17g, %.17g", q, a->lambda, b->lambda);
		for (size_t j = 0; j < T; j++) {
			double x = gsl_vector_get(a->step_norm, j), y = gsl_vector_get(b->step_norm, j);
			cr_expect(fabs(x / y - 1) <= 1e-13, "q %d: ‖J_%zu‖ %.17g, %.17g", q, j + 1, x, y);
		}
		for (size_t k = 1; k <= T; k++) {
			const vx_path *pa = &a->paths[k - 1], *pb = &b->paths[k - 1];
			cr_expect(mag_rel(pa->norm, pb->norm) <= 1e-13, "q %d k %zu: ‖∂s_t/∂s_k‖ 10^%.17g, 10^%.17g", q,
			          k, pa->norm.log10, pb->norm.log10);
			cr_expect(mag_rel(pa->step_product, pb->step_product) <= 1e-13, "q %d k %zu: step product", q, k);
			cr_expect(mag_rel(pa->bound, pb->bound) <= 1e-13, "q %d k %zu: bound", q, k);
		}
		vx_result_free(a);
		vx_result_free(b);
		vx_model_free(m);
	}
}

/* W = λQ with Q orthogonal: every J_j Jᵀ_j = λ²D_j², a spectrum of close
 * values whose eigenvectors do not change from step to step, so a Lanczos
 * run warm-started from step j-1 begins on an eigenvector that is not the top
 * one.  Exactly orthogonal W and W off orthogonal by 1e-9 (which takes the
 * general route), against GSL's SVD of each J_j. */
Test(engine_analysis, step_norms_of_orthogonal_and_nearly_orthogonal_w_equal_svd)
{
	for (int q = 0; q < 4; q++) {
		size_t d = 64, T = 200;
		vx_act act = q % 2 ? VX_SIGMOID : VX_TANH;
		vx_model *m = random_model(act, d, 4, T, 1.0, 1.0, 900 + q);
		gsl_vector *tau = gsl_vector_alloc(d);
		gsl_matrix *Q = gsl_matrix_alloc(d, d), *R = gsl_matrix_alloc(d, d);
		gsl_linalg_QR_decomp(m->W, tau);
		gsl_linalg_QR_unpack(m->W, tau, Q, R);
		unsigned long long st = 4242 + (unsigned long long)q;
		for (size_t i = 0; i < d; i++)
			for (size_t l = 0; l < d; l++)
				gsl_matrix_set(m->W, i, l, 1.3 * gsl_matrix_get(Q, i, l) + (q >= 2 ? 1e-9 * lcg_gauss(&st) : 0));
		vx_result *r = analyse_ok(m, T);
		ntrace tr = nv_forward(m);
		double worst = 0;
		size_t wj = 0;
		for (size_t j = 1; j <= T; j++) {
			nmat J = nv_jacobian(m, &tr, j);
			double e = fabs(gsl_vector_get(r->step_norm, j - 1) / nm_norm2(J) - 1);
			if (e > worst)
				worst = e, wj = j;
			free(J.v);
		}
		cr_expect(worst < 1e-11, "%s %s W: ||J_j|| off SVD by %.3g at j=%zu", ACT[act],
		          q >= 2 ? "nearly orthogonal" : "orthogonal", worst, wj);
		nv_free(&tr);
		vx_result_free(r);
		vx_model_free(m);
		gsl_vector_free(tau);
		gsl_matrix_free(Q);
		gsl_matrix_free(R);
	}
}

/* the whole path table against a naive implementation: explicit products,
 * SVD norms, explicit per-path gradient terms summed */
Test(engine_analysis, whole_table_against_a_naive_implementation)
{
	for (vx_act a = 0; a < VX_ACT_COUNT; a++) {
		size_t d = 4 + a, T = 12, t = 10;
		vx_model *m = random_model(a, d, 3, T, 1.4, 1.0, 61 + a);
		vx_result *r = analyse_ok(m, t);
		ntrace tr = nv_forward(m);
		double gamma = a == VX_SIGMOID ? 0.25 : 1.0;
		nmat Wm = nm_alloc(d, d);
		memcpy(Wm.v, m->W->data, d * d * sizeof(double));
		double lambda = nm_norm2(Wm);
		nmat G = nm_alloc(d, d);   /* Σ_k path terms */
		double *e = malloc(d * sizeof *e);
		for (size_t i = 0; i < d; i++)
			e[i] = NM(tr.s, t, i) - gsl_vector_get(m->y, i);
		for (size_t k = 1; k <= t; k++) {
			vx_path *p = &r->paths[k - 1];
			cr_expect(p->k == k && p->gap == t - k, "k, gap");
			nmat P = nv_dsds(m, &tr, t, k);
			double nrm = nm_norm2(P), prod = 1;
			for (size_t j = k + 1; j <= t; j++) {
				nmat J = nv_jacobian(m, &tr, j);
				prod *= nm_norm2(J);
				free(J.v);
			}
			double bound = pow(gamma * lambda, (double)(t - k));
			/* path k: (∂L/∂s_t · P_k)ᵀ ⊙ σ'(a_k), outer product with s_{k-1} */
			double *g = calloc(d, sizeof *g), gn = 0, sn = 0;
			for (size_t l = 0; l < d; l++) {
				for (size_t i = 0; i < d; i++)
					g[l] += e[i] * NM(P, i, l);
				g[l] *= nv_df(a, NM(tr.a, k, l));
				gn += g[l] * g[l];
				sn += NM(tr.s, k - 1, l) * NM(tr.s, k - 1, l);
			}
			for (size_t i = 0; i < d; i++)
				for (size_t l = 0; l < d; l++)
					NM(G, i, l) += g[i] * NM(tr.s, k - 1, l);
			double contrib = sqrt(gn) * sqrt(sn);
			cr_expect(reldiff(p->norm.value, nrm, nrm) < 1e-11, "%s k=%zu norm %.17g vs %.17g", ACT[a], k,
			          p->norm.value, nrm);
			cr_expect(reldiff(p->step_product.value, prod, prod) < 1e-11, "%s k=%zu product %.17g vs %.17g",
			          ACT[a], k, p->step_product.value, prod);
			cr_expect(reldiff(p->bound.value, bound, bound) < 1e-12, "%s k=%zu bound %.17g vs %.17g", ACT[a], k,
			          p->bound.value, bound);
			cr_expect(reldiff(p->contribution.value, contrib, contrib) < 1e-10, "%s k=%zu contribution %.17g vs %.17g",
			          ACT[a], k, p->contribution.value, contrib);
			free(g);
			free(P.v);
		}
		cr_expect_eq(r->grad_log10_scale, 0.0, "gradient fits");
		cr_expect(matrel(G, r->grad_W) < 1e-11, "%s dL/dW vs sum of explicit path terms: %.3g", ACT[a],
		          matrel(G, r->grad_W));
		double fro = 0;
		for (size_t i = 0; i < d * d; i++)
			fro += G.v[i] * G.v[i];
		cr_expect(reldiff(r->grad_norm.value, sqrt(fro), sqrt(fro)) < 1e-12, "grad norm");
		cr_expect(fabs(r->gamma - gamma) == 0 && fabs(r->lambda / lambda - 1) < 1e-12, "gamma, lambda");
		cr_expect(fabs(r->lyap_bound - log(gamma * lambda)) < 1e-12, "lyapunov bound ln(gamma lambda)");
		free(e);
		free(G.v);
		free(Wm.v);
		nv_free(&tr);
		vx_result_free(r);
		vx_model_free(m);
	}
}

/* ---- ∂L_t/∂W against full finite differences ---- */

Test(engine_analysis, gradient_equals_finite_differences_of_the_loss)
{
	for (vx_act a = 0; a < VX_ACT_COUNT; a++) {
		size_t d = 4, T = 9, t = 8;
		vx_model *m = random_model(a, d, 2, T, 1.2, 1.0, 71 + a);
		vx_result *r = analyse_ok(m, t);
		nmat W = nm_alloc(d, d), F = nm_alloc(d, d);
		memcpy(W.v, m->W->data, d * d * sizeof(double));
		for (size_t i = 0; i < d; i++)
			for (size_t l = 0; l < d; l++) {
				double w = NM(W, i, l), h = 1e-6 * fmax(1, fabs(w)), L[2];
				for (int sg = 0; sg < 2; sg++) {
					NM(W, i, l) = w + (sg ? -h : h);
					ntrace tr = nv_forward_w(m, &W);
					L[sg] = nv_loss(m, &tr, t);
					nv_free(&tr);
				}
				NM(W, i, l) = w;
				NM(F, i, l) = (L[0] - L[1]) / (2 * h);
			}
		cr_expect(matrel(F, r->grad_W) < 1e-7, "%s dL_%zu/dW vs FD: rel error %.3g", ACT[a], t, matrel(F, r->grad_W));
		free(W.v);
		free(F.v);
		vx_result_free(r);
		vx_model_free(m);
	}
}

/* ---- ∂⁺s_k/∂W and the path term as an outer product ---- */

/* The immediate derivative ∂⁺s_k/∂W as the full d×d×d tensor, by central
 * differences of the one-step map s_k = σ(W s_{k−1} + U x_k + b) with s_{k−1}
 * held at the trace's value: Tn[(i d + p) d + q] = ∂s_{k,i}/∂W_{pq}.  Then
 * contracted with g = ∂L_t/∂s_k = (s_t − y)ᵀ ∂s_t/∂s_k from the plain product,
 * its Frobenius norm must be the engine's contribution of path k, and its
 * two factors' norms the engine's delta_norm and sprev_norm. */
Test(engine_analysis, path_term_is_the_contracted_immediate_derivative)
{
	for (vx_act a = 0; a < VX_ACT_COUNT; a++) {
		size_t d = 4, T = 9, t = 8;
		vx_model *m = random_model(a, d, 2, T, 1.2, 1.0, 171 + a);
		vx_result *r = analyse_ok(m, t);
		ntrace tr = nv_forward(m);
		double *Tn = calloc(d * d * d, sizeof *Tn), *e = malloc(d * sizeof *e);
		for (size_t i = 0; i < d; i++)
			e[i] = NM(tr.s, t, i) - gsl_vector_get(m->y, i);
		for (size_t k = 1; k <= t; k++) {
			const vx_path *pk = &r->paths[k - 1];
			size_t nonzero = 0;
			for (size_t p = 0; p < d; p++)
				for (size_t q = 0; q < d; q++) {
					double w = gsl_matrix_get(m->W, p, q), h = 1e-6 * fmax(1, fabs(w));
					for (size_t i = 0; i < d; i++) {
						double sk[2];
						for (int sg = 0; sg < 2; sg++) {
							double av = gsl_vector_get(m->b, i);
							for (size_t l = 0; l < d; l++) {
								double wl = gsl_matrix_get(m->W, i, l);
								if (i == p && l == q)
									wl = w + (sg ? -h : h);
								av += wl * NM(tr.s, k - 1, l);
							}
							for (size_t l = 0; l < m->n; l++)
								av += gsl_matrix_get(m->U, i, l) * gsl_matrix_get(m->x, k - 1, l);
							sk[sg] = nv_f(a, av);
						}
						double v = (sk[0] - sk[1]) / (2 * h);
						Tn[(i * d + p) * d + q] = v;
						nonzero += v != 0;
						/* a_{k,i} holds row i of W alone: the rest is exactly 0 */
						if (i != p)
							cr_expect(v == 0, "%s k=%zu: ds_%zu/dW_%zu%zu = %g, not 0", ACT[a], k, i, p, q, v);
					}
				}
			cr_expect(nonzero <= d * d, "%s k=%zu: %zu of d^3 = %zu entries nonzero, more than d^2", ACT[a], k,
			          nonzero, d * d * d);
			nmat P = nv_dsds(m, &tr, t, k);
			double g[8] = { 0 }, gd = 0, sn = 0, fro = 0;
			for (size_t l = 0; l < d; l++)
				for (size_t i = 0; i < d; i++)
					g[l] += e[i] * NM(P, i, l);
			for (size_t p = 0; p < d; p++)
				for (size_t q = 0; q < d; q++) {
					double c = 0;
					for (size_t i = 0; i < d; i++)
						c += g[i] * Tn[(i * d + p) * d + q];
					fro += c * c;
				}
			fro = sqrt(fro);
			for (size_t i = 0; i < d; i++) {
				double di = g[i] * nv_df(a, NM(tr.a, k, i));
				gd += di * di;
				sn += NM(tr.s, k - 1, i) * NM(tr.s, k - 1, i);
			}
			gd = sqrt(gd);
			sn = sqrt(sn);
			cr_expect(reldiff(pk->contribution.value, fro, fro) < 1e-7,
			          "%s k=%zu: ||g . d+s_k/dW||_F = %.17g by differences, contribution %.17g", ACT[a], k, fro,
			          pk->contribution.value);
			cr_expect(reldiff(pk->delta_norm.value, gd, gd) < 1e-11, "%s k=%zu: ||g o sigma'(a_k)|| %.17g vs %.17g",
			          ACT[a], k, pk->delta_norm.value, gd);
			cr_expect(reldiff(pk->sprev_norm.value, sn, sn) < 1e-12, "%s k=%zu: ||s_k-1|| %.17g vs %.17g", ACT[a], k,
			          pk->sprev_norm.value, sn);
			double prod = pk->delta_norm.value * pk->sprev_norm.value;
			cr_expect(reldiff(pk->contribution.value, prod, prod) < 1e-15,
			          "%s k=%zu: contribution %.17g is not delta_norm x sprev_norm %.17g", ACT[a], k,
			          pk->contribution.value, prod);
			free(P.v);
		}
		free(Tn);
		free(e);
		nv_free(&tr);
		vx_result_free(r);
		vx_model_free(m);
	}
}

/* ---- the summed loss L = Σ_t L_t ---- */

/* ∂L/∂W against central differences of Σ_t L_t from the plain forward
 * pass, and its near (k = t) and far (k < t) parts against every explicit
 * path term of every L_t, with the products multiplied here. */
Test(engine_analysis, summed_loss_gradient_equals_differences_and_explicit_terms)
{
	for (vx_act a = 0; a < VX_ACT_COUNT; a++) {
		size_t d = 4 + a % 2, T = 9 + 31 * (a == VX_TANH) + 61 * (a == VX_RELU), t = 5;
		vx_model *m = random_model(a, d, 2, T, 1.1, 1.0, 181 + a);
		vx_result *r = analyse_ok(m, t);
		ntrace tr = nv_forward(m);
		double Ls = 0;
		for (size_t j = 1; j <= T; j++)
			Ls += nv_loss(m, &tr, j);
		cr_expect(r->loss_sum.fits && reldiff(r->loss_sum.value, Ls, Ls) < 1e-13, "%s T=%zu: loss_sum %.17g vs %.17g",
		          ACT[a], T, r->loss_sum.value, Ls);
		/* every term k of every L_t, t = 1..T: near for k = t, far for k < t */
		nmat Nr = nm_alloc(d, d), Fr = nm_alloc(d, d), Ws = nm_alloc(d, d), F = nm_alloc(d, d);
		for (size_t tt = 1; tt <= T; tt++)
			for (size_t k = 1; k <= tt; k++) {
				nmat P = nv_dsds(m, &tr, tt, k);
				for (size_t l = 0; l < d; l++) {
					double g = 0;
					for (size_t i = 0; i < d; i++)
						g += (NM(tr.s, tt, i) - gsl_vector_get(m->y, i)) * NM(P, i, l);
					g *= nv_df(a, NM(tr.a, k, l));
					for (size_t q = 0; q < d; q++)
						NM(k == tt ? Nr : Fr, l, q) += g * NM(tr.s, k - 1, q);
				}
				free(P.v);
			}
		double nn = 0, fn = 0, tn = 0;
		nmat G = nm_alloc(d, d);
		for (size_t i = 0; i < d * d; i++) {
			nn += Nr.v[i] * Nr.v[i];
			fn += Fr.v[i] * Fr.v[i];
			G.v[i] = Nr.v[i] + Fr.v[i];
			tn += G.v[i] * G.v[i];
		}
		cr_expect_eq(r->grad_sum_log10_scale, 0.0, "the summed gradient fits");
		cr_expect(matrel(G, r->grad_sum_W) < 1e-11, "%s T=%zu: dL/dW vs the sum of explicit terms: %.3g", ACT[a], T,
		          matrel(G, r->grad_sum_W));
		cr_expect(reldiff(r->grad_sum_norm.value, sqrt(tn), sqrt(tn)) < 1e-11, "%s grad_sum_norm %.17g vs %.17g",
		          ACT[a], r->grad_sum_norm.value, sqrt(tn));
		cr_expect(reldiff(r->grad_sum_near.value, sqrt(nn), sqrt(nn)) < 1e-11, "%s grad_sum_near %.17g vs %.17g",
		          ACT[a], r->grad_sum_near.value, sqrt(nn));
		cr_expect(reldiff(r->grad_sum_far.value, sqrt(fn), sqrt(fn)) < 1e-11, "%s grad_sum_far %.17g vs %.17g",
		          ACT[a], r->grad_sum_far.value, sqrt(fn));
		memcpy(Ws.v, m->W->data, d * d * sizeof(double));
		for (size_t i = 0; i < d; i++)
			for (size_t l = 0; l < d; l++) {
				double w = NM(Ws, i, l), h = 1e-6 * fmax(1, fabs(w)), L[2] = { 0, 0 };
				for (int sg = 0; sg < 2; sg++) {
					NM(Ws, i, l) = w + (sg ? -h : h);
					ntrace tp = nv_forward_w(m, &Ws);
					for (size_t j = 1; j <= T; j++)
						L[sg] += nv_loss(m, &tp, j);
					nv_free(&tp);
				}
				NM(Ws, i, l) = w;
				NM(F, i, l) = (L[0] - L[1]) / (2 * h);
			}
		cr_expect(matrel(F, r->grad_sum_W) < 1e-7, "%s T=%zu: dL/dW vs differences of the summed loss: %.3g", ACT[a],
		          T, matrel(F, r->grad_sum_W));
		free(Nr.v);
		free(Fr.v);
		free(G.v);
		free(Ws.v);
		free(F.v);
		nv_free(&tr);
		vx_result_free(r);
		vx_model_free(m);
	}
}

/* ---- closed forms ---- */

static vx_model *linear_identity(double lambda, size_t T, const char *init, const char *input_scale)
{
	vx_params p;
	vx_params_default(&p);
	vx_error e = { 0 };
	char buf[64];
	snprintf(buf, sizeof buf, "%.17g", lambda);
	vx_params_set(&p, "act", "linear", &e);
	vx_params_set(&p, "init", init, &e);
	vx_params_set(&p, "norm", buf, &e);
	snprintf(buf, sizeof buf, "%zu", T);
	vx_params_set(&p, "steps", buf, &e);
	vx_params_set(&p, "hidden", "6", &e);
	vx_params_set(&p, "input-scale", input_scale, &e);
	vx_model *m = NULL;
	cr_assert_eq(vx_model_build(&p, &m, &e), VX_OK, "build: %s", e.msg);
	return m;
}

Test(engine_analysis, linear_identity_half_over_ten_steps_vanishes_to_2_pow_minus_10)
{
	vx_model *m = linear_identity(0.5, 11, "identity", "1");
	vx_result *r = analyse_ok(m, 11);
	vx_path *p = &r->paths[0];
	cr_assert_eq(p->gap, 10, "k = 1 has gap 10");
	cr_expect(fabs(p->norm.value - 9.765625e-4) < 1e-12 * 9.765625e-4, "||ds_11/ds_1|| = %.17g", p->norm.value);
	cr_expect(fabs(p->step_product.value - 9.765625e-4) < 1e-12 * 9.765625e-4, "product %.17g",
	          p->step_product.value);
	cr_expect(fabs(p->bound.value - 9.765625e-4) < 1e-12 * 9.765625e-4, "bound %.17g", p->bound.value);
	cr_expect(fabs(p->norm.log10 + 10 * log10(2.0)) < 1e-12, "log10 %.17g", p->norm.log10);
	for (size_t k = 1; k <= 11; k++)
		cr_expect(fabs(r->paths[k - 1].norm.value / pow(0.5, 11.0 - k) - 1) < 1e-12, "k=%zu", k);
	cr_expect(fabs(r->rate - log10(0.5)) < 1e-12, "rate %.17g per step = log10 0.5", r->rate);
	cr_expect(fabs(r->lyap_max - log(0.5)) < 1e-12, "lyapunov %.17g = ln 0.5", r->lyap_max);
	vx_result_free(r);
	vx_model_free(m);
}

Test(engine_analysis, linear_identity_two_over_ten_steps_grows_to_1024)
{
	vx_model *m = linear_identity(2.0, 11, "identity", "1");
	vx_result *r = analyse_ok(m, 11);
	vx_path *p = &r->paths[0];
	cr_expect(fabs(p->norm.value - 1024) < 1e-12 * 1024, "||ds_11/ds_1|| = %.17g", p->norm.value);
	cr_expect(fabs(p->step_product.value - 1024) < 1e-12 * 1024, "product %.17g", p->step_product.value);
	cr_expect(fabs(p->bound.value - 1024) < 1e-12 * 1024, "bound %.17g", p->bound.value);
	vx_result_free(r);
	vx_model_free(m);
}

Test(engine_analysis, linear_three_over_1000_steps_keeps_an_exact_log10)
{
	vx_model *m = linear_identity(3.0, 1001, "identity", "0");
	vx_result *r = analyse_ok(m, 1001);
	vx_path *p = &r->paths[0];
	double want = 1000 * log10(3.0);
	cr_expect(!p->norm.fits, "3^1000 does not fit a double");
	cr_expect(fabs(p->norm.log10 / want - 1) < 1e-13, "log10 ||ds/ds|| = %.17g, want %.17g", p->norm.log10, want);
	cr_expect(fabs(p->step_product.log10 / want - 1) < 1e-13, "log10 product %.17g", p->step_product.log10);
	cr_expect(fabs(p->bound.log10 / want - 1) < 1e-13, "log10 bound %.17g", p->bound.log10);
	/* where it still fits: 3^600 */
	vx_path *q = &r->paths[400];
	cr_expect(q->norm.fits && fabs(q->norm.value / pow(3.0, 600) - 1) < 1e-12, "3^600 = %.17g", q->norm.value);
	vx_result_free(r);
	vx_model_free(m);
}

/* The summed loss over a horizon beyond a double: the linear network W = 3I
 * with no input, s_0 = 1 and y = 0 has s_t = 3^t 1, L = ½ d Σ_{t=1}^{600} 9^t
 * = ½ d (9^601 − 9)/8, and, with ∂L_t/∂s_k = 3^(t−k) s_tᵀ, every entry of
 * ∂L/∂W is Σ_t Σ_{k<=t} 3^(2t−k) 3^(k−1) = Σ_t t 9^t / 3
 * = (4799 · 9^601 + 9)/192: 10^575 and 10^576, carried by their log10. */
Test(engine_analysis, summed_loss_beyond_a_double_keeps_its_log10)
{
	vx_model *m = linear_identity(3.0, 600, "identity", "0");
	size_t d = m->d;
	for (size_t i = 0; i < d; i++) {
		gsl_vector_set(m->s0, i, 1);
		gsl_vector_set(m->y, i, 0);
	}
	vx_result *r = analyse_ok(m, 10);
	double want = log10(0.5 * (double)d / 8) + 601 * log10(9.0);
	cr_expect(!r->loss_sum.fits, "10^%.6g does not fit", want);
	cr_expect(fabs(r->loss_sum.log10 - want) < 1e-13 * want, "log10 L = %.17g, want %.17g", r->loss_sum.log10, want);
	double entry = log10(4799.0 / 192) + 601 * log10(9.0);
	cr_expect(!r->grad_sum_norm.fits && fabs(r->grad_sum_norm.log10 - (entry + log10((double)d))) < 1e-13 * entry,
	          "log10 ||dL/dW||_F = %.17g, want %.17g", r->grad_sum_norm.log10, entry + log10((double)d));
	for (size_t i = 0; i < d * d; i++) {
		double l = log10(r->grad_sum_W->data[i]) + r->grad_sum_log10_scale;
		cr_expect(fabs(l - entry) < 1e-13 * entry, "entry %zu: 10^%.17g, want 10^%.17g", i, l, entry);
	}
	vx_result_free(r);
	vx_model_free(m);
}

Test(engine_analysis, orthogonal_linear_keeps_every_norm_at_one)
{
	vx_model *m = linear_identity(1.0, 60, "orthogonal", "1");
	vx_result *r = analyse_ok(m, 60);
	for (size_t k = 1; k <= 60; k++) {
		cr_expect(fabs(r->paths[k - 1].norm.value - 1) < 1e-12, "k=%zu norm %.17g", k, r->paths[k - 1].norm.value);
		cr_expect(fabs(r->paths[k - 1].step_product.value - 1) < 1e-12, "k=%zu product", k);
		cr_expect(fabs(r->paths[k - 1].bound.value - 1) < 1e-12, "k=%zu bound", k);
	}
	for (size_t j = 1; j <= 60; j++)
		cr_expect(fabs(gsl_vector_get(r->step_norm, j - 1) - 1) < 1e-12, "||J_%zu|| = 1", j);
	cr_expect(fabs(r->lyap_max) < 1e-12, "lyapunov exponent %.3g = 0", r->lyap_max);
	cr_expect(fabs(r->rate) < 1e-12, "rate %.3g = 0", r->rate);
	vx_result_free(r);
	vx_model_free(m);
}

/* ---- long horizons in the log domain ---- */

Test(engine_analysis, scalar_sigmoid_chain_over_100000_steps)
{
	/* d = 1: ∂s_t/∂s_k = Π σ'(a_j) w, a closed form summed here in logs */
	size_t T = 100000;
	vx_model *m = random_model(VX_SIGMOID, 1, 1, T, 1.7, 1.0, 5);
	vx_result *r = analyse_ok(m, T);
	ntrace tr = nv_forward(m);
	double w = fabs(gsl_matrix_get(m->W, 0, 0));
	long double acc = 0;   /* Σ_{j=k+1..T} log10 |σ'(a_j) w| for the current k */
	for (size_t k = T; k >= 1; k--) {
		vx_path *p = &r->paths[k - 1];
		cr_assert(isfinite(p->norm.log10), "k=%zu: finite log10 norm", k);
		if (k % 997 == 0 || k < 5 || k > T - 5) {
			double want = (double)acc;
			cr_expect(fabs(p->norm.log10 - want) <= 1e-9 * fmax(1, fabs(want)), "k=%zu: log10 %.15g, closed form %.15g",
			          k, p->norm.log10, want);
			cr_expect(fabs(p->step_product.log10 - want) <= 1e-9 * fmax(1, fabs(want)), "k=%zu: product", k);
			if (p->norm.fits)
				cr_expect(fabs(p->norm.value / pow(10.0, want) - 1) < 1e-9, "k=%zu value", k);
		}
		double x = NM(tr.a, k, 0);
		double s = 1 / (1 + exp(-x));
		acc += log10l((long double)(s * (1 - s) * w));
	}
	/* the far end is far beyond a double: each step contributes <= log10(0.25 * 1.7) */
	cr_expect(r->paths[0].norm.log10 < -30000, "log10 at gap %zu: %g", T - 1, r->paths[0].norm.log10);
	cr_expect(!r->paths[0].norm.fits && r->paths[0].norm.value == 0, "not representable: value 0, fits 0");
	nv_free(&tr);
	vx_result_free(r);
	vx_model_free(m);
}

Test(engine_analysis, long_sigmoid_horizon_small_d_stays_finite_and_exact_where_representable)
{
	size_t T = 100000, d = 3;
	vx_model *m = random_model(VX_SIGMOID, d, 2, T, 2.0, 1.0, 9);
	vx_result *r = analyse_ok(m, T);
	ntrace tr = nv_forward(m);
	double prev = 1;
	for (size_t k = T; k >= 1; k--) {
		vx_path *p = &r->paths[k - 1];
		cr_assert(isfinite(p->norm.log10) && isfinite(p->step_product.log10) && isfinite(p->bound.log10),
		          "k=%zu: finite logs", k);
		/* ‖P_k‖ <= ‖P_{k+1}‖ ‖J_{k+1}‖ */
		if (k < T)
			cr_assert(p->norm.log10 <= prev + log10(gsl_vector_get(r->step_norm, k)) + 1e-9, "k=%zu submultiplicative", k);
		prev = p->norm.log10;
	}
	/* where the product is representable, the direct product (SVD of explicit matrices) agrees */
	for (size_t k = T - 40; k <= T; k += 8) {
		nmat P = nv_dsds(m, &tr, T, k);
		double want = nm_norm2(P);
		cr_expect(fabs(r->paths[k - 1].norm.value / want - 1) < 1e-10, "k=%zu: %.17g vs direct %.17g", k,
		          r->paths[k - 1].norm.value, want);
		free(P.v);
	}
	cr_expect(fabs(r->paths[0].bound.log10 - (T - 1) * log10(0.25 * r->lambda)) < 1e-9 * T, "bound log10");
	nv_free(&tr);
	vx_result_free(r);
	vx_model_free(m);
}

/* ---- Lyapunov exponent ---- */

/* W = I: every J_j is diag(σ'(a_j)), so J_T ⋯ J_1 is diagonal and its
 * singular values are the units' products Π_j σ'(a_{j,i}): the finite-time
 * exponents (1/T) ln σ_l are the units' mean ln σ' in decreasing order.
 * A random start's first direction grows at a mix of the units' rates
 * (nothing turns it toward the top unit): 0.012 to 0.074 below the top
 * one's here before the sweeps of analysis_lyap.c. */
Test(engine_analysis, lyapunov_of_identity_w_is_the_top_units_mean_log_slope)
{
	static const size_t dims[][2] = { { 8, 50 }, { 16, 30 }, { 5, 200 } };
	for (size_t q = 0; q < sizeof dims / sizeof *dims; q++) {
		size_t d = dims[q][0], T = dims[q][1], n = 3;
		vx_model *m = random_model(VX_TANH, d, n, T, 1.0, 1.0, 4100 + q);
		gsl_matrix_set_identity(m->W);
		/* the forward pass and the units' mean ln σ' = ln(1/cosh²(a)) */
		double *s = malloc(d * sizeof *s), *mean = calloc(d, sizeof *mean);
		for (size_t i = 0; i < d; i++)
			s[i] = gsl_vector_get(m->s0, i);
		for (size_t j = 0; j < T; j++)
			for (size_t i = 0; i < d; i++) {
				double a = s[i] + gsl_vector_get(m->b, i);
				for (size_t l = 0; l < n; l++)
					a += gsl_matrix_get(m->U, i, l) * gsl_matrix_get(m->x, j, l);
				s[i] = tanh(a);
				mean[i] += -2.0 * log(cosh(a)) / (double)T;
			}
		/* decreasing */
		for (size_t i = 1; i < d; i++)
			for (size_t k = i; k > 0 && mean[k] > mean[k - 1]; k--) {
				double t = mean[k];
				mean[k] = mean[k - 1];
				mean[k - 1] = t;
			}
		vx_result *r = analyse_ok(m, T);
		cr_expect(fabs(r->lyap_max - mean[0]) <= 1e-12 * fmax(1, fabs(mean[0])),
		          "d %zu T %zu: top exponent %.17g, the top unit's mean ln sigma' %.17g", d, T, r->lyap_max,
		          mean[0]);
		for (size_t l = 1; l < r->lyap_count; l++)
			cr_expect(fabs(r->lyap_top[l] - mean[l]) <= 1e-9 * fmax(1, fabs(mean[l])),
			          "d %zu T %zu: exponent %zu %.17g, unit mean %.17g", d, T, l, r->lyap_top[l], mean[l]);
		free(s);
		free(mean);
		vx_result_free(r);
		vx_model_free(m);
	}
}

Test(engine_analysis, autonomous_tanh_from_rest_has_lyapunov_ln_spectral_radius)
{
	/* input-scale 0, b = 0, s0 = 0: every a_j = 0, σ' = 1 and J_j = W, so the
	 * top exponent of W^T is ln ρ(W) */
	for (int rep = 0; rep < 4; rep++) {
		size_t d = 5 + rep, T = 20000;
		vx_model *m = random_model(VX_TANH, d, 2, T, 1.5, 0.0, 900 + rep);
		gsl_vector_set_zero(m->b);
		gsl_vector_set_zero(m->s0);
		vx_result *r = analyse_ok(m, 10);
		gsl_matrix *A = gsl_matrix_alloc(d, d);
		gsl_matrix_memcpy(A, m->W);
		gsl_vector_complex *ev = gsl_vector_complex_alloc(d);
		gsl_eigen_nonsymm_workspace *ws = gsl_eigen_nonsymm_alloc(d);
		cr_assert_eq(gsl_eigen_nonsymm(A, ev, ws), GSL_SUCCESS, "eigenvalues");
		double rho = 0;
		for (size_t i = 0; i < d; i++)
			rho = fmax(rho, gsl_complex_abs(gsl_vector_complex_get(ev, i)));
		/* the QR estimate after T steps differs from the limit by
		 * ln(transient growth)/T: the eigenvector basis of a 5..8 dimensional
		 * Gaussian matrix and the start's overlap keep that log below ~20,
		 * so 20/T = 1e-3 */
		cr_expect(fabs(r->lyap_max - log(rho)) < 20.0 / T, "d=%zu: lyapunov %.9f vs ln rho(W) %.9f", d,
		          r->lyap_max, log(rho));
		cr_expect(r->lyap_max <= r->lyap_bound + 1e-12, "exponent <= ln(gamma lambda)");
		cr_expect(r->lyap_count == 4, "four exponents");
		for (size_t l = 1; l < r->lyap_count; l++)
			cr_expect(r->lyap_top[l] <= r->lyap_top[l - 1] + 20.0 / T, "exponents in decreasing order");
		gsl_eigen_nonsymm_free(ws);
		gsl_vector_complex_free(ev);
		gsl_matrix_free(A);
		vx_result_free(r);
		vx_model_free(m);
	}
}

/* ---- reproducibility, edge cases, errors ---- */

Test(engine_analysis, same_model_same_result)
{
	vx_model *m = random_model(VX_TANH, 20, 3, 80, 1.3, 1.0, 3);
	vx_result *a = analyse_ok(m, 70), *b = analyse_ok(m, 70);
	cr_expect(memcmp(a->a->data, b->a->data, 80 * 20 * sizeof(double)) == 0, "a identical");
	cr_expect(memcmp(a->s->data, b->s->data, 80 * 20 * sizeof(double)) == 0, "s identical");
	for (size_t k = 0; k < 70; k++) {
		vx_path *p = &a->paths[k], *q = &b->paths[k];
		cr_expect(p->norm.value == q->norm.value && p->norm.log10 == q->norm.log10 &&
		          p->step_product.log10 == q->step_product.log10 && p->bound.log10 == q->bound.log10 &&
		          p->contribution.log10 == q->contribution.log10, "path %zu identical", k + 1);
	}
	cr_expect(memcmp(a->grad_W->data, b->grad_W->data, 400 * sizeof(double)) == 0, "grad identical");
	cr_expect(memcmp(a->step_norm->data, b->step_norm->data, 80 * sizeof(double)) == 0, "step norms identical");
	cr_expect(a->lyap_max == b->lyap_max && a->rate == b->rate && a->lambda == b->lambda, "scalars identical");
	vx_result_free(a);
	vx_result_free(b);
	vx_model_free(m);
}

Test(engine_analysis, dead_relu_network_has_exact_zeros)
{
	vx_model *m = random_model(VX_RELU, 4, 1, 6, 1.0, 0.0, 8);
	gsl_vector_set_all(m->b, -1.0);   /* every pre-activation negative: σ' = 0 */
	gsl_vector_set_zero(m->s0);
	vx_result *r = analyse_ok(m, 6);
	for (size_t k = 1; k < 6; k++) {
		cr_expect(r->paths[k - 1].norm.fits && r->paths[k - 1].norm.value == 0, "k=%zu norm exactly 0", k);
		cr_expect_eq(r->paths[k - 1].norm.log10, -INFINITY, "log10 -inf");
		cr_expect_eq(r->paths[k - 1].step_product.value, 0.0, "product 0");
	}
	cr_expect_eq(r->paths[5].norm.value, 1.0, "k = t: identity");
	cr_expect_eq(r->lyap_max, -INFINITY, "lyapunov -inf");
	cr_expect_eq(r->grad_norm.value, 0.0, "no gradient through dead units");
	cr_expect(isnan(r->rate), "no rate from one point");
	vx_result_free(r);
	vx_model_free(m);
}

Test(engine_analysis, zero_w_and_t_equal_one)
{
	vx_model *m = random_model(VX_TANH, 3, 2, 5, 1.0, 1.0, 4);
	gsl_matrix_set_zero(m->W);
	vx_result *r = analyse_ok(m, 1);
	cr_expect_eq(r->t, 1, "t = 1");
	cr_expect_eq(r->paths[0].norm.value, 1.0, "only the empty product");
	cr_expect_eq(r->lambda, 0.0, "lambda 0");
	cr_expect_eq(r->lyap_bound, -INFINITY, "ln 0");
	for (size_t j = 0; j < 5; j++)
		cr_expect_eq(gsl_vector_get(r->step_norm, j), 0.0, "||J|| = 0");
	vx_result_free(r);
	vx_model_free(m);
}

/* On one thread, and on two, where the forward pass runs beside λ and the
 * step norms, which wait for its steps: the same error, nothing left
 * waiting. */
Test(engine_analysis, exploding_linear_forward_pass_is_an_error_naming_the_step, .timeout = 60)
{
	vx_model *m = random_model(VX_LINEAR, 4, 2, 2000, 10.0, 1.0, 12);
	vx_exec two = { 2, 1, NULL };
	char first[sizeof ((vx_error *)0)->msg] = "";
	for (int q = 0; q < 2; q++) {
		vx_result *r = (vx_result *)1;
		vx_error e = { 0 };
		cr_expect_eq(vx_analyse(m, 2000, q ? &two : NULL, &r, &e), VX_ENONFINITE, "overflow is reported");
		cr_expect_null(r, "no result");
		/* the quantities, not the options: the tutor shows it after a key */
		cr_expect(strstr(e.msg, "at step ") && strstr(e.msg, " of T = 2000") && strstr(e.msg, "a smaller λ") &&
		          strstr(e.msg, "S = 0") && !strstr(e.msg, "--"),
		          "message names the step and the remedies by their quantities: %s", e.msg);
		cr_expect_eq(e.param, VX_PARAM_NORM, "about λ (param %d)", e.param);
		if (q)
			cr_expect_str_eq(e.msg, first, "two threads, the same message");
		else
			memcpy(first, e.msg, sizeof first);
	}
	vx_model_free(m);
}

Test(engine_analysis, bad_loss_step_is_a_usage_error)
{
	vx_model *m = random_model(VX_TANH, 2, 1, 5, 1.0, 1.0, 1);
	vx_result *r;
	vx_error e = { 0 };
	cr_expect_eq(vx_analyse(m, 0, NULL, &r, &e), VX_EUSAGE, "t = 0");
	cr_expect_eq(vx_analyse(m, 6, NULL, &r, &e), VX_EUSAGE, "t > T");
	cr_expect_str_eq(e.msg, "the loss step t must be from 1 to T (5), got 6");
	cr_expect_eq(e.param, VX_PARAM_T, "about t (param %d)", e.param);
	vx_result_free(NULL);
	vx_model_free(m);
}

Test(engine_analysis, extreme_norms_keep_their_logs)
{
	/* λ = 1e300 and 1e-300 with tanh from rest: J = W every step */
	double lams[] = { 1e300, 1e-300 };
	for (int q = 0; q < 2; q++) {
		vx_model *m = random_model(VX_TANH, 5, 1, 40, lams[q], 0.0, 6);
		gsl_vector_set_zero(m->b);
		gsl_vector_set_zero(m->s0);
		vx_result *r = analyse_ok(m, 40);
		nmat W = nm_alloc(5, 5);
		for (size_t i = 0; i < 25; i++)
			W.v[i] = m->W->data[i] / lams[q];
		double n1 = nm_norm2(W);   /* 1 up to rounding */
		cr_expect(fabs(r->lambda / (lams[q] * n1) - 1) < 1e-12, "lambda %g", r->lambda);
		cr_expect(fabs(r->paths[0].bound.log10 - 39 * log10(lams[q] * n1)) < 1e-9, "bound log10 %.15g",
		          r->paths[0].bound.log10);
		cr_expect(isfinite(r->paths[0].norm.log10), "norm log10 finite: %g", r->paths[0].norm.log10);
		/* ||W^39|| <= ||W||^39 and, for these W, far from 0 */
		cr_expect(r->paths[0].norm.log10 <= r->paths[0].bound.log10 + 1e-9, "norm <= bound");
		cr_expect(r->paths[0].norm.log10 > r->paths[0].bound.log10 - 39, "norm not collapsed");
		free(W.v);
		vx_result_free(r);
		vx_model_free(m);
	}
}

/* The estimate a front end refuses sizes with, against the peak resident
 * set a fresh process actually reaches building a model and analysing it
 * (the kernel's count; the baseline taken after a small warm-up run, so
 * that the libraries' own start-up is not in the difference).  T·d
 * dominates at long horizons, which is where the estimate decides. */
/* A small analysis, so that the BLAS's buffers are in place before the
 * measured one. */
static void warm_analysis(void *arg)
{
	(void)arg;
	vx_model *w = random_model(VX_TANH, 8, 4, 10, 1.0, 1.0, 1);
	vx_result *r0 = NULL;
	vx_exec ex = test_exec(8, 0);
	vx_analyse(w, 10, &ex, &r0, NULL);
	vx_result_free(r0);
	vx_model_free(w);
}

/* arg: the sizes d, n, T */
static int sized_analysis(void *arg)
{
	const size_t *z = arg;
	vx_model *m = random_model(VX_TANH, z[0], z[1], z[2], 1.0, 1.0, 3);
	vx_result *r = NULL;
	vx_exec ex = test_exec(z[0], 0);
	return vx_analyse(m, z[2], &ex, &r, NULL) == VX_OK ? 0 : -1;
}

Test(engine_analysis, memory_estimate_matches_the_peak_resident_set)
{
	static const struct { size_t d, n, T; } sizes[] = { { 8, 4, 60000 }, { 48, 2, 12000 } };
	for (size_t c = 0; c < sizeof sizes / sizeof sizes[0]; c++) {
		size_t d = sizes[c].d, n = sizes[c].n, T = sizes[c].T, z[3] = { d, n, T };
		char what[64];
		snprintf(what, sizeof what, "d = %zu, T = %zu", d, T);
		double got = peak_growth(warm_analysis, sized_analysis, z, what);
		double est = (double)vx_model_bytes(d, n, T) + (double)vx_analyse_bytes(d, T, T);
		/* AddressSanitizer puts redzones around every block and keeps freed
		 * ones in quarantine: the same run's peak is 10-20% higher there */
#if defined(__SANITIZE_ADDRESS__)
		const double tol = 0.25;
#else
		const double tol = 0.1;
#endif
		cr_expect(fabs(est - got) <= tol * got, "d = %zu, T = %zu: estimate %.0f bytes, peak grew by %.0f (%+.1f%%)",
		          d, T, est, got, 100 * (est - got) / got);
	}
}
