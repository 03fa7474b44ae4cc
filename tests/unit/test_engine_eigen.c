/*
 * test_engine_eigen.c — the eigenvalues of W and the norms of its powers
 * (engine/eigen.h) against closed forms and against numpy and mpmath:
 *   - a rotation-scaling block ρ R(θ), alone and inside a larger normal W:
 *     eigenvalues ρ e^{±iθ}, ‖Wⁿ‖₂ = ρⁿ;
 *   - a Jordan block J = ρI + N: eigenvalue ρ, and ‖Jⁿ‖₂ in closed form
 *     for 2×2 ((nρ^{n−1} + √(n²ρ^{2n−2} + 4ρ^{2n}))/2: growing like nρ^{n−1}
 *     up to n ≈ −1/ln ρ, then decaying), by mpmath for 5×5 and in a rotated
 *     basis, where the eigenvalues are only as good as (dε‖W‖)^{1/m};
 *   - normal W (symmetric, λ times orthogonal, λI): ρ = ‖W‖₂ and ‖Wⁿ‖₂ = ρⁿ;
 *   - random W of d = 3 to 24: eigenvalues against np.linalg.eigvals,
 *     ‖Wⁿ‖₂ against 40-digit mpmath (tests/unit/eigen_ref.py), and
 *     ρⁿ <= ‖Wⁿ‖₂ <= ‖W‖₂ⁿ for every n;
 *   - the top Lyapunov exponent of a linear network against ln ρ;
 *   - λ = 2^±900, nilpotent W, W = 0, bad shapes and NaN.
 * Needs /usr/bin/python3 with numpy and mpmath (tests/deps.sh); fails,
 * never skips, without them.
 */
#include <criterion/criterion.h>
#include <float.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>

#include "engine/analysis.h"
#include "engine/eigen.h"
#include "engine/model.h"
#include "test_engine_util.h"

static void setup(void)
{
	gsl_set_error_handler_off();
}

TestSuite(engine_eigen, .init = setup);

/* ---- matrices ---- */

/* B ← Q B Qᵀ */
static void rotate(gsl_matrix *B, unsigned long long seed)
{
	size_t m = B->size1;
	gsl_matrix *Q = gsl_matrix_alloc(m, m), *T = gsl_matrix_alloc(m, m);
	nv_orthogonal(Q, seed, 0);
	gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, Q, B, 0.0, T);
	gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, T, Q, 0.0, B);
	gsl_matrix_free(Q);
	gsl_matrix_free(T);
}

/* ‖A‖₂ by GSL's SVD (Golub–Reinsch), which the engine does not use */
static double svd_norm(const gsl_matrix *A)
{
	return gm_norm2(A);
}

/* ‖Wⁿ‖₂ for n = 0..N into out by the engine */
static vx_mag *powers(const gsl_matrix *W, size_t N)
{
	vx_mag *p = calloc(N + 1, sizeof *p);
	vx_error err = { 0 };
	cr_assert_eq(vx_eigen_power_norms(W, N, NULL, p, &err), VX_OK, "%s", err.msg);
	return p;
}

static double rel(double a, double b)
{
	return a == b ? 0 : fabs(a - b) / fmax(fabs(a), fabs(b));
}

/* ---- closed forms ---- */

/* ρ R(θ): eigenvalues ρ e^{±iθ}, every power ρⁿ R(nθ) of norm ρⁿ */
Test(engine_eigen, rotation_scaling_block)
{
	static const double rhos[] = { 0.83, 1.0, 1.2, 3e-5 };
	static const double thetas[] = { 0.3, 2.0, 1e-3 };
	for (size_t a = 0; a < 4; a++)
		for (size_t b = 0; b < 3; b++) {
			double r = rhos[a], th = thetas[b];
			gsl_matrix *W = gsl_matrix_alloc(2, 2);
			gsl_matrix_set(W, 0, 0, r * cos(th));
			gsl_matrix_set(W, 0, 1, -r * sin(th));
			gsl_matrix_set(W, 1, 0, r * sin(th));
			gsl_matrix_set(W, 1, 1, r * cos(th));
			vx_eigen e;
			vx_error err = { 0 };
			cr_assert_eq(vx_eigen_init(&e, W, &err), VX_OK, "%s", err.msg);
			cr_expect_eq(e.d, 2);
			cr_expect_leq(rel(e.rho, r), 4 * DBL_EPSILON, "rho %.17g against %.17g", e.rho, r);
			cr_expect_leq(fabs(e.re[0] - r * cos(th)), 4 * DBL_EPSILON * r, "re %.17g", e.re[0]);
			cr_expect_leq(fabs(e.im[0] - r * sin(th)), 4 * DBL_EPSILON * r, "im %.17g against %.17g", e.im[0],
			              r * sin(th));
			cr_expect_eq(e.re[1], e.re[0], "a conjugate pair: equal real parts");
			cr_expect_eq(e.im[1], -e.im[0], "a conjugate pair: opposite imaginary parts, +im first");
			vx_mag *p = powers(W, 60);
			for (size_t n = 0; n <= 60; n++)
				cr_expect_leq(fabs(p[n].log10 - (double)n * log10(r)) * M_LN10, 1e-13 * (double)(n + 1),
				              "rho %g theta %g: ||W^%zu|| = 10^%.17g against rho^n", r, th, n, p[n].log10);
			free(p);
			vx_eigen_clear(&e);
			gsl_matrix_free(W);
		}
}

/* The block inside a larger normal W, in a random orthonormal basis: the
 * top pair is ρ e^{±iθ}, then 0.5, −0.4 and a pair 0.3 e^{±0.7i}; every
 * power has norm ρⁿ. */
Test(engine_eigen, rotation_block_in_a_rotated_normal_matrix)
{
	const double r = 0.9, th = 1.1;
	gsl_matrix *W = gsl_matrix_calloc(7, 7);
	double blk[3][2] = { { r, th }, { 0.3, 0.7 }, { 0, 0 } };
	for (int b = 0; b < 2; b++) {
		size_t o = b == 0 ? 0 : 4;
		gsl_matrix_set(W, o, o, blk[b][0] * cos(blk[b][1]));
		gsl_matrix_set(W, o, o + 1, -blk[b][0] * sin(blk[b][1]));
		gsl_matrix_set(W, o + 1, o, blk[b][0] * sin(blk[b][1]));
		gsl_matrix_set(W, o + 1, o + 1, blk[b][0] * cos(blk[b][1]));
	}
	gsl_matrix_set(W, 2, 2, 0.5);
	gsl_matrix_set(W, 3, 3, -0.4);
	gsl_matrix_set(W, 6, 6, 0.1);
	rotate(W, 7);
	vx_eigen e;
	vx_error err = { 0 };
	cr_assert_eq(vx_eigen_init(&e, W, &err), VX_OK, "%s", err.msg);
	double want_re[7] = { r * cos(th), r * cos(th), 0.5, -0.4, 0.3 * cos(0.7), 0.3 * cos(0.7), 0.1 };
	double want_im[7] = { r * sin(th), -r * sin(th), 0, 0, 0.3 * sin(0.7), -0.3 * sin(0.7), 0 };
	for (size_t i = 0; i < 7; i++) {
		cr_expect_leq(fabs(e.re[i] - want_re[i]), 1e-14, "eigenvalue %zu: re %.17g against %.17g", i, e.re[i],
		              want_re[i]);
		cr_expect_leq(fabs(e.im[i] - want_im[i]), 1e-14, "eigenvalue %zu: im %.17g against %.17g", i, e.im[i],
		              want_im[i]);
	}
	cr_expect_leq(rel(e.rho, r), 1e-14, "rho %.17g", e.rho);
	vx_mag *p = powers(W, 200);
	for (size_t n = 0; n <= 200; n++)
		cr_expect_leq(rel(pow(10, p[n].log10), pow(r, (double)n)), 1e-13 + 2e-15 * (double)n,
		              "||W^%zu|| = %.17g against rho^n = %.17g", n, pow(10, p[n].log10), pow(r, (double)n));
	free(p);
	vx_eigen_clear(&e);
	gsl_matrix_free(W);
}

/* J = ρI + N = [[ρ, 1], [0, ρ]] */
static gsl_matrix *jordan2(double rho)
{
	gsl_matrix *J = gsl_matrix_calloc(2, 2);
	gsl_matrix_set(J, 0, 0, rho);
	gsl_matrix_set(J, 1, 1, rho);
	gsl_matrix_set(J, 0, 1, 1);
	return J;
}

/* ‖[[a, b], [0, a]]‖₂ = (|b| + √(b² + 4a²)) / 2 */
static double jordan2_norm(double rho, size_t n)
{
	if (n == 0)
		return 1;
	double a = pow(rho, (double)n), b = (double)n * pow(rho, (double)n - 1);
	return (b + sqrt(b * b + 4 * a * a)) / 2;
}

/* J = ρI + N, 2×2: Jⁿ = [[ρⁿ, nρ^{n−1}], [0, ρⁿ]], whose norm grows like
 * nρ^{n−1} while n < −1/ln ρ and decays at the rate ρ after. */
Test(engine_eigen, jordan_block_grows_as_n_rho_to_the_n_minus_1_then_decays)
{
	const double rho = 0.9;
	const size_t N = 300;
	gsl_matrix *J = jordan2(rho);
	vx_eigen e;
	vx_error err = { 0 };
	cr_assert_eq(vx_eigen_init(&e, J, &err), VX_OK, "%s", err.msg);
	/* already triangular: the QR iteration has nothing to do */
	cr_expect_eq(e.re[0], rho);
	cr_expect_eq(e.re[1], rho);
	cr_expect_eq(e.im[0], 0);
	cr_expect_eq(e.rho, rho);
	vx_mag *p = powers(J, N);
	size_t peak = 0;
	for (size_t n = 0; n <= N; n++) {
		double want = jordan2_norm(rho, n);
		cr_expect_leq(rel(p[n].value, want), 1e-13, "||J^%zu|| = %.17g against %.17g", n, p[n].value, want);
		if (p[n].value > p[peak].value)
			peak = n;
	}
	/* nρ^{n−1} peaks between n = 9 and 10 for ρ = 0.9 (−1/ln 0.9 = 9.49) */
	cr_expect(peak == 9 || peak == 10, "the transient peaks at n = %zu", peak);
	cr_expect_gt(p[peak].value, 3.8, "and reaches %.4g (9 × 0.9⁸ = 3.87)", p[peak].value);
	for (size_t n = 1; n <= N; n++) {
		if (n <= 9)
			cr_expect_gt(p[n].value, p[n - 1].value, "rising at n = %zu", n);
		if (n >= 11)
			cr_expect_lt(p[n].value, p[n - 1].value, "decaying at n = %zu", n);
	}
	/* the rate tends to ρ: ‖J^{n+1}‖/‖Jⁿ‖ = ρ (n+1)/n up to O(1/n²) */
	double ratio = p[N].value / p[N - 1].value;
	cr_expect_leq(fabs(ratio - rho * (double)N / (double)(N - 1)), 1e-4, "rate %.10g at n = %zu", ratio, N);
	free(p);
	vx_eigen_clear(&e);
	gsl_matrix_free(J);
}

/* The same block in a rotated basis: its norms are the same (to the
 * cancellation the products carry), its eigenvalue only as good as the
 * data allow: (d ε ‖W‖)^{1/2}. */
Test(engine_eigen, rotated_jordan_block)
{
	const double rho = 0.9;
	const size_t N = 40;
	gsl_matrix *J = jordan2(rho);
	rotate(J, 3);
	vx_eigen e;
	vx_error err = { 0 };
	cr_assert_eq(vx_eigen_init(&e, J, &err), VX_OK, "%s", err.msg);
	double tol = 4 * sqrt(2 * DBL_EPSILON * 2);
	for (size_t i = 0; i < 2; i++)
		cr_expect_leq(hypot(e.re[i] - rho, e.im[i]), tol, "eigenvalue %zu: %.17g%+.17gi against %g, within %.2g",
		              i, e.re[i], e.im[i], rho, tol);
	vx_mag *p = powers(J, N);
	for (size_t n = 0; n <= N; n++) {
		double want = jordan2_norm(rho, n);
		/* n products of ‖W‖ ≈ 1.9 each, against a power of ‖Jⁿ‖ */
		double allow = 1e-13 + 8 * (double)n * DBL_EPSILON * pow(1.9, (double)n) / want;
		cr_expect_leq(rel(p[n].value, want), allow, "||W^%zu|| = %.17g against %.17g (allowed %.2g)", n,
		              p[n].value, want, allow);
	}
	free(p);
	vx_eigen_clear(&e);
	gsl_matrix_free(J);
}

/* ---- normal matrices: ρ = ‖W‖₂ ---- */

Test(engine_eigen, normal_matrices_have_rho_equal_to_the_norm)
{
	for (int kind = 0; kind < 3; kind++) {
		size_t d = 12;
		gsl_matrix *W = gsl_matrix_alloc(d, d);
		unsigned long long st = 99 + (unsigned long long)kind;
		if (kind == 0) {
			/* symmetric */
			for (size_t i = 0; i < d; i++)
				for (size_t j = 0; j <= i; j++) {
					double v = lcg_gauss(&st) / 4;
					gsl_matrix_set(W, i, j, v);
					gsl_matrix_set(W, j, i, v);
				}
		} else if (kind == 1) {
			/* 1.3 times an orthogonal matrix: every |ν| is 1.3 */
			nv_orthogonal(W, 5, 0);
			gsl_matrix_scale(W, 1.3);
		} else {
			gsl_matrix_set_identity(W);
			gsl_matrix_scale(W, 0.7);
		}
		double nrm = svd_norm(W);
		vx_eigen e;
		vx_error err = { 0 };
		cr_assert_eq(vx_eigen_init(&e, W, &err), VX_OK, "%s", err.msg);
		cr_expect_leq(rel(e.rho, nrm), 1e-14, "kind %d: rho %.17g against ||W|| %.17g", kind, e.rho, nrm);
		if (kind >= 1)
			for (size_t i = 0; i < d; i++)
				cr_expect_leq(rel(hypot(e.re[i], e.im[i]), kind == 1 ? 1.3 : 0.7), 1e-14,
				              "kind %d: |nu_%zu| = %.17g", kind, i, hypot(e.re[i], e.im[i]));
		vx_mag *p = powers(W, 80);
		cr_expect_leq(rel(p[1].value, nrm), 1e-13, "kind %d: ||W|| %.17g against the SVD's %.17g", kind,
		              p[1].value, nrm);
		for (size_t n = 0; n <= 80; n++)
			cr_expect_leq(fabs(p[n].log10 - (double)n * log10(e.rho)) * M_LN10, 1e-13 + 1e-15 * (double)n,
			              "kind %d: ||W^%zu|| against rho^n", kind, n);
		if (kind == 2) {
			/* one nonzero per row and column: the norms are the products
			 * 0.7 × 0.7 × … themselves, rounded as a double multiplies */
			double x = 1;
			for (size_t n = 0; n <= 80; n++, x *= 0.7)
				cr_expect_eq(p[n].value, x, "||(0.7 I)^%zu|| = %.17g, the product %.17g", n, p[n].value, x);
		}
		free(p);
		vx_eigen_clear(&e);
		gsl_matrix_free(W);
	}
}

/* ---- random W against numpy and mpmath ---- */

typedef struct {
	size_t d, N;
	double lambda;
	unsigned long long seed;
	int shape;   /* 0 gaussian, 1 upper triangular plus a little noise: strongly non-normal */
} rcase;

static const rcase RCASES[] = {
	{ 3, 30, 1.2, 1, 0 },  { 8, 49, 1.2, 2, 0 },  { 8, 40, 0.9, 3, 0 }, { 16, 30, 1.5, 4, 0 },
	{ 24, 12, 1.0, 5, 0 }, { 6, 40, 1.0, 6, 1 }, { 10, 30, 2.0, 7, 1 },
};
#define NR (sizeof RCASES / sizeof RCASES[0])

static gsl_matrix *random_w(const rcase *c)
{
	gsl_matrix *W = gsl_matrix_alloc(c->d, c->d);
	unsigned long long st = c->seed * 7919;
	for (size_t i = 0; i < c->d; i++)
		for (size_t j = 0; j < c->d; j++) {
			double g = lcg_gauss(&st);
			gsl_matrix_set(W, i, j, c->shape == 1 ? (j >= i ? g : 0.05 * g) : g);
		}
	gsl_matrix_scale(W, c->lambda / svd_norm(W));
	return W;
}

static json_t *dump_w(const gsl_matrix *W, size_t N)
{
	json_t *rows = json_array();
	for (size_t i = 0; i < W->size1; i++) {
		json_t *r = json_array();
		for (size_t j = 0; j < W->size2; j++)
			json_array_append_new(r, json_real(gsl_matrix_get(W, i, j)));
		json_array_append_new(rows, r);
	}
	return json_pack("{s:o, s:I}", "W", rows, "N", (json_int_t)N);
}

static double jnum(json_t *v)
{
	return json_is_null(v) ? -INFINITY : json_number_value(v);
}

Test(engine_eigen, random_w_against_numpy_and_mpmath, .timeout = 300)
{
	char dir[] = "/tmp/vanex-eigen.XXXXXX";
	cr_assert(mkdtemp(dir), "mkdtemp");
	char in[300], out[300], cmd[1200];
	snprintf(in, sizeof in, "%s/in.json", dir);
	snprintf(out, sizeof out, "%s/out.json", dir);
	gsl_matrix *W[NR];
	json_t *cases = json_array();
	for (size_t c = 0; c < NR; c++) {
		W[c] = random_w(&RCASES[c]);
		json_array_append_new(cases, dump_w(W[c], RCASES[c].N));
	}
	json_t *root = json_pack("{s:o}", "cases", cases);
	cr_assert_eq(json_dump_file(root, in, JSON_REAL_PRECISION(17) | JSON_COMPACT), 0);
	json_decref(root);
	const char *me = __FILE__, *slash = strrchr(me, '/');
	snprintf(cmd, sizeof cmd, "/usr/bin/python3 %.*s/eigen_ref.py %s %s", slash ? (int)(slash - me) : 1,
	         slash ? me : ".", in, out);
	int rc = system(cmd);
	cr_assert_eq(rc, 0, "eigen_ref.py failed (exit %d): python3-numpy and python3-mpmath ('sh tests/deps.sh test')",
	             rc);
	json_error_t je;
	json_t *ref = json_load_file(out, 0, &je);
	cr_assert_not_null(ref, "%s", je.text);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	cr_expect_eq(system(cmd), 0);
	double worst_ev = 0, worst_pow = 0;
	for (size_t c = 0; c < NR; c++) {
		const rcase *q = &RCASES[c];
		size_t d = q->d;
		json_t *rc_ = json_array_get(json_object_get(ref, "cases"), c);
		json_t *jre = json_object_get(rc_, "re"), *jim = json_object_get(rc_, "im");
		json_t *jp = json_object_get(rc_, "log10_pow");
		cr_assert_eq(json_array_size(jre), d);
		cr_assert_eq(json_array_size(jp), q->N + 1);
		vx_eigen e;
		vx_error err = { 0 };
		cr_assert_eq(vx_eigen_init(&e, W[c], &err), VX_OK, "%s", err.msg);
		/* each of numpy's eigenvalues matched to the nearest of ours not yet
		 * taken: two backward-stable algorithms agree to κ d ε ‖W‖ */
		int *used = calloc(d, sizeof *used);
		double rho_np = 0;
		for (size_t i = 0; i < d; i++) {
			double re = json_number_value(json_array_get(jre, i)), im = json_number_value(json_array_get(jim, i));
			rho_np = fmax(rho_np, hypot(re, im));
			size_t best = 0;
			double bd = INFINITY;
			for (size_t l = 0; l < d; l++)
				if (!used[l] && hypot(e.re[l] - re, e.im[l] - im) < bd) {
					bd = hypot(e.re[l] - re, e.im[l] - im);
					best = l;
				}
			used[best] = 1;
			worst_ev = fmax(worst_ev, bd / q->lambda);
			cr_expect_leq(bd, 1e-12 * q->lambda, "case %zu: numpy's %.17g%+.17gi against ours %.17g%+.17gi", c, re,
			              im, e.re[best], e.im[best]);
		}
		free(used);
		cr_expect_leq(rel(e.rho, rho_np), 1e-12, "case %zu: rho %.17g against numpy's %.17g", c, e.rho, rho_np);
		/* the sorted order: |ν| never increases */
		for (size_t i = 1; i < d; i++)
			cr_expect_geq(hypot(e.re[i - 1], e.im[i - 1]), hypot(e.re[i], e.im[i]) * (1 - 1e-15),
			              "case %zu: sorted by modulus at %zu", c, i);
		vx_mag *p = powers(W[c], q->N);
		for (size_t n = 0; n <= q->N; n++) {
			double want = jnum(json_array_get(jp, n));
			double err10 = fabs(p[n].log10 - want) * M_LN10;
			worst_pow = fmax(worst_pow, err10);
			cr_expect_leq(err10, 1e-12, "case %zu (d = %zu): ||W^%zu|| = 10^%.17g against mpmath's 10^%.17g", c, d,
			              n, p[n].log10, want);
			/* ρⁿ <= ‖Wⁿ‖ <= ‖W‖ⁿ, up to the rounding of each side */
			cr_expect_leq((double)n * log10(e.rho), p[n].log10 + 1e-12, "case %zu: rho^n <= ||W^%zu||", c, n);
			cr_expect_leq(p[n].log10, (double)n * p[1].log10 + 1e-12, "case %zu: ||W^%zu|| <= ||W||^n", c, n);
		}
		free(p);
		vx_eigen_clear(&e);
		gsl_matrix_free(W[c]);
	}
	json_decref(ref);
	cr_log_info("largest differences: eigenvalues %.2g of lambda, log ||W^n|| %.2g", worst_ev, worst_pow);
}

/* ---- the live rate ---- */

/* A linear network's Jacobians are all W, so its top Lyapunov exponent
 * estimates ln ρ(W): over T = 3000 steps to a few 1/T. */
Test(engine_eigen, lyapunov_exponent_of_a_linear_network_is_ln_rho)
{
	vx_model *m = random_model(VX_LINEAR, 8, 2, 3000, 1.2, 0.0, 11);
	vx_result *r = analyse_ok(m, 3000);
	vx_eigen e;
	vx_error err = { 0 };
	cr_assert_eq(vx_eigen_init(&e, m->W, &err), VX_OK, "%s", err.msg);
	cr_expect_lt(e.rho, 0.95 * r->lambda, "a gaussian W is not normal: rho %.4g against lambda %.4g", e.rho,
	             r->lambda);
	cr_expect_leq(fabs(r->lyap_max - log(e.rho)), 20.0 / 3000, "mu %.10g against ln rho %.10g", r->lyap_max,
	              log(e.rho));
	vx_eigen_clear(&e);
	vx_result_free(r);
	vx_model_free(m);
}

/* ---- range and degenerate W ---- */

/* W × 2^±900: the same eigenvalues times 2^±900 to the bit, the same
 * norms shifted by n × 900 log10 2 */
Test(engine_eigen, far_beyond_one_the_numbers_scale_exactly)
{
	rcase c = { 8, 60, 1.2, 2, 0 };
	gsl_matrix *W = random_w(&c), *S = gsl_matrix_alloc(8, 8);
	vx_eigen e0;
	vx_error err = { 0 };
	cr_assert_eq(vx_eigen_init(&e0, W, &err), VX_OK);
	vx_mag *p0 = powers(W, c.N);
	for (int sgn = -1; sgn <= 1; sgn += 2) {
		gsl_matrix_memcpy(S, W);
		for (size_t i = 0; i < 64; i++)
			S->data[i] = ldexp(S->data[i], 900 * sgn);
		vx_eigen e;
		cr_assert_eq(vx_eigen_init(&e, S, &err), VX_OK, "%s", err.msg);
		for (size_t i = 0; i < 8; i++) {
			cr_expect_eq(e.re[i], ldexp(e0.re[i], 900 * sgn), "2^%d: re %zu", 900 * sgn, i);
			cr_expect_eq(e.im[i], ldexp(e0.im[i], 900 * sgn), "2^%d: im %zu", 900 * sgn, i);
		}
		cr_expect_eq(e.rho, ldexp(e0.rho, 900 * sgn));
		vx_mag *p = powers(S, c.N);
		for (size_t n = 0; n <= c.N; n++) {
			double want = p0[n].log10 + (double)sgn * 900.0 * (double)n * log10(2.0);
			cr_expect_leq(fabs(p[n].log10 - want), 1e-12 * fmax(1, fabs(want)), "2^%d: log10 ||W^%zu|| = %.17g, want %.17g",
			              900 * sgn, n, p[n].log10, want);
			cr_expect(isfinite(p[n].log10), "never 0 or inf");
		}
		free(p);
		vx_eigen_clear(&e);
	}
	free(p0);
	vx_eigen_clear(&e0);
	gsl_matrix_free(W);
	gsl_matrix_free(S);
}

/* strictly upper triangular d×d: every eigenvalue 0, ρ = 0, ‖Wⁿ‖ = 0
 * exactly from n = d on (a shift by one place: ‖Wⁿ‖ = 1 below) */
Test(engine_eigen, nilpotent_and_zero_w)
{
	gsl_matrix *W = gsl_matrix_calloc(4, 4);
	for (size_t i = 0; i < 3; i++)
		gsl_matrix_set(W, i, i + 1, 1);
	vx_eigen e;
	vx_error err = { 0 };
	cr_assert_eq(vx_eigen_init(&e, W, &err), VX_OK);
	cr_expect_eq(e.rho, 0);
	for (size_t i = 0; i < 4; i++)
		cr_expect(e.re[i] == 0 && e.im[i] == 0, "eigenvalue %zu is 0", i);
	vx_mag *p = powers(W, 6);
	for (size_t n = 0; n <= 6; n++) {
		if (n < 4)
			cr_expect_eq(p[n].value, 1, "||S^%zu|| = 1", n);
		else
			cr_expect(p[n].log10 == -INFINITY && p[n].fits && p[n].value == 0, "||S^%zu|| = 0 exactly", n);
	}
	free(p);
	vx_eigen_clear(&e);
	gsl_matrix_set_zero(W);
	cr_assert_eq(vx_eigen_init(&e, W, &err), VX_OK);
	cr_expect_eq(e.rho, 0);
	p = powers(W, 3);
	cr_expect_eq(p[0].value, 1);
	cr_expect(p[1].log10 == -INFINITY && p[3].log10 == -INFINITY);
	free(p);
	vx_eigen_clear(&e);
	gsl_matrix_free(W);
}

Test(engine_eigen, bad_w_is_refused_in_one_line)
{
	vx_eigen e;
	vx_error err = { 0 };
	gsl_matrix *R = gsl_matrix_calloc(2, 3);
	cr_expect_eq(vx_eigen_init(&e, R, &err), VX_ESHAPE);
	cr_expect(strstr(err.msg, "2×3") != NULL, "%s", err.msg);
	cr_expect_eq(e.re, NULL, "left cleared");
	vx_mag p[3];
	cr_expect_eq(vx_eigen_power_norms(R, 2, NULL, p, &err), VX_ESHAPE);
	gsl_matrix *W = gsl_matrix_calloc(3, 3);
	gsl_matrix_set(W, 1, 2, NAN);
	cr_expect_eq(vx_eigen_init(&e, W, &err), VX_ENONFINITE);
	cr_expect(strstr(err.msg, "NaN") != NULL, "%s", err.msg);
	cr_expect_eq(vx_eigen_power_norms(W, 2, NULL, p, &err), VX_ENONFINITE);
	double rho = 0;
	cr_expect_eq(vx_eigen_radius(W, &rho, NULL), VX_ENONFINITE);
	cr_expect(isnan(rho));
	vx_eigen_clear(&e);
	vx_eigen_clear(&e);   /* twice, and NULL */
	vx_eigen_clear(NULL);
	gsl_matrix_free(R);
	gsl_matrix_free(W);
}

/* A set stop flag ends the powers before the next one, freed and said;
 * a clear one changes nothing (the norms equal those without a flag). */
Test(engine_eigen, powers_stop_when_asked)
{
	size_t d = 16, N = 12;
	gsl_matrix *W = gsl_matrix_alloc(d, d);
	for (size_t i = 0; i < d; i++)
		for (size_t l = 0; l < d; l++)
			gsl_matrix_set(W, i, l, sin(1.0 + (double)(i * d + l)) / 4);
	vx_mag a[13], b[13];
	vx_error err = { 0 };
	atomic_int stop;
	atomic_init(&stop, 0);
	cr_assert_eq(vx_eigen_power_norms(W, N, NULL, a, &err), VX_OK, "%s", err.msg);
	cr_assert_eq(vx_eigen_power_norms(W, N, &stop, b, &err), VX_OK, "%s", err.msg);
	for (size_t n = 0; n <= N; n++)
		cr_expect_eq(a[n].log10, b[n].log10, "n = %zu", n);
	atomic_store(&stop, 1);
	cr_expect_eq(vx_eigen_power_norms(W, N, &stop, b, &err), VX_ECANCELLED);
	cr_expect(strstr(err.msg, "stopped") != NULL, "%s", err.msg);
	gsl_matrix_free(W);
}
