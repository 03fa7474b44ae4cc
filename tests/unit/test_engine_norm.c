/*
 * test_engine_norm.c — spectral norms on the spectra that fool an iteration,
 * against GSL's SVD (gsl_linalg_SV_decomp, Golub–Reinsch, on a copy):
 *   - W with singular values 1 and 1 − 1e-7 (d = 16), 1 and 1 − 3e-8
 *     (d = 48, 96), two or five equal top values;
 *   - W = 0.9 I + 1.1 vvᵀ with v orthogonal to a fixed start vector (the
 *     mt19937 one the engine once used, the vector of ones, e_1);
 *   - the step Jacobians and the products ∂s_t/∂s_k of networks built on
 *     such blocks (vx_step_jacobian, vx_dsds);
 * and the inequalities ‖∂s_t/∂s_k‖ <= Π‖J_j‖ <= (γλ)^{t−k}, ‖J_j‖ <= max σ' λ
 * compared exactly, the exact values of W = λI, and the Lyapunov exponent of
 * a product that is exactly zero.
 */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <string.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_rng.h>

#include "engine/analysis.h"
#include "engine/exec.h"
#include "engine/linalg.h"
#include "engine/model.h"
#include "test_engine_util.h"

static void setup(void)
{
	gsl_set_error_handler_off();
}

TestSuite(engine_norm, .init = setup);

/* ---- building the matrices ---- */

/* singular values: sv[0..ntop-1] given, the rest uniform in [0.1, 0.9] from the seed */
static void spectrum(double *sv, size_t m, const double *top, size_t ntop, unsigned long long seed)
{
	unsigned long long st = seed * 6364136223846793005ULL + 11;
	for (size_t i = 0; i < m; i++) {
		st = st * 6364136223846793005ULL + 1442695040888963407ULL;
		sv[i] = i < ntop ? top[i] : 0.1 + 0.8 * (double)(st >> 11) / 9007199254740992.0;
	}
}

/* W = U diag(sv) Vᵀ with U, V random orthogonal (m×m), into W */
static void with_singular_values(gsl_matrix *W, const double *sv, unsigned long long seed)
{
	size_t m = W->size1;
	gsl_matrix *U = gsl_matrix_alloc(m, m), *V = gsl_matrix_alloc(m, m);
	nv_orthogonal(U, seed, 0);
	nv_orthogonal(V, seed + 1000, 0);
	for (size_t i = 0; i < m; i++)
		for (size_t j = 0; j < m; j++) {
			double s = 0;
			for (size_t l = 0; l < m; l++)
				s += gsl_matrix_get(U, i, l) * sv[l] * gsl_matrix_get(V, j, l);
			gsl_matrix_set(W, i, j, s);
		}
	gsl_matrix_free(U);
	gsl_matrix_free(V);
}

/* The unit vector the engine's Lanczos iteration used to start from: entries
 * 2u − 1 from GSL's mt19937 seeded 20130218, normalised. */
static void old_start(double *r, size_t d)
{
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(g, 20130218u);
	double s = 0;
	for (size_t i = 0; i < d; i++) {
		r[i] = 2.0 * gsl_rng_uniform(g) - 1.0;
		s += r[i] * r[i];
	}
	gsl_rng_free(g);
	for (size_t i = 0; i < d; i++)
		r[i] /= sqrt(s);
}

/* W (m×m) = 0.9 I + 1.1 v vᵀ, ‖W‖ = 2, with v a random unit vector made
 * orthogonal to `against` (which: 0 the old start vector, 1 the ones,
 * 2 e_1) and, when also_ones, to the ones too */
static void adversarial(gsl_matrix *W, int which, int also_ones, unsigned long long seed)
{
	size_t m = W->size1;
	double *a = malloc(m * sizeof *a), *v = malloc(m * sizeof *v);
	if (which == 0)
		old_start(a, m);
	for (size_t i = 0; i < m; i++) {
		if (which == 1)
			a[i] = 1 / sqrt((double)m);
		else if (which == 2)
			a[i] = i == 0;
	}
	unsigned long long st = seed;
	for (size_t i = 0; i < m; i++)
		v[i] = lcg_gauss(&st);
	for (int pass = 0; pass < 2; pass++) {
		for (int o = 0; o < 1 + also_ones; o++) {
			double s = 0, n = 0;
			for (size_t i = 0; i < m; i++) {
				double ai = o ? 1 / sqrt((double)m) : a[i];
				s += ai * v[i];
			}
			for (size_t i = 0; i < m; i++)
				v[i] -= s * (o ? 1 / sqrt((double)m) : a[i]);
			for (size_t i = 0; i < m; i++)
				n += v[i] * v[i];
			for (size_t i = 0; i < m; i++)
				v[i] /= sqrt(n);
		}
	}
	for (size_t i = 0; i < m; i++)
		for (size_t j = 0; j < m; j++)
			gsl_matrix_set(W, i, j, (i == j ? 0.9 : 0.0) + 1.1 * v[i] * v[j]);
	free(a);
	free(v);
}

/* ‖W‖₂ by GSL's SVD */
static double svd_norm(const gsl_matrix *W)
{
	return gm_norm2(W);
}

/* ---- λ = ‖W‖₂ ---- */

static void expect_lambda(const gsl_matrix *W, const char *what)
{
	double want = svd_norm(W), got;
	cr_assert_eq(vx_matrix_norm2(W, &got), VX_OK, "%s: vx_matrix_norm2", what);
	cr_expect(fabs(got / want - 1) <= 1e-12, "%s: vx_matrix_norm2 %.17g, SVD %.17g (rel. %.3g)", what, got,
	          want, got / want - 1);
	size_t d = W->size1;
	vx_model *m = vx_model_alloc(VX_TANH, d, 1, 3);
	gsl_matrix_memcpy(m->W, W);
	vx_result *r = analyse_ok(m, 3);
	cr_expect(fabs(r->lambda / want - 1) <= 1e-12, "%s: vx_analyse's lambda %.17g, SVD %.17g (rel. %.3g)", what,
	          r->lambda, want, r->lambda / want - 1);
	vx_result_free(r);
	vx_model_free(m);
}

Test(engine_norm, lambda_of_a_close_pair_1_and_1_minus_1e7)
{
	for (unsigned long long seed = 1; seed <= 4; seed++) {
		double top[2] = { 1, 1 - 1e-7 }, sv[16];
		spectrum(sv, 16, top, 2, seed);
		gsl_matrix *W = gsl_matrix_alloc(16, 16);
		with_singular_values(W, sv, seed);
		char what[64];
		snprintf(what, sizeof what, "d=16 pair 1e-7 seed %llu", seed);
		expect_lambda(W, what);
		gsl_matrix_free(W);
	}
}

Test(engine_norm, lambda_of_a_gap_of_3e_8_at_48_and_96)
{
	size_t ds[] = { 48, 96 };
	for (int q = 0; q < 2; q++)
		for (unsigned long long seed = 1; seed <= 3; seed++) {
			size_t d = ds[q];
			double top[2] = { 1, 1 - 3e-8 }, *sv = malloc(d * sizeof *sv);
			spectrum(sv, d, top, 2, seed + 10 * d);
			gsl_matrix *W = gsl_matrix_alloc(d, d);
			with_singular_values(W, sv, seed + 10 * d);
			char what[64];
			snprintf(what, sizeof what, "d=%zu gap 3e-8 seed %llu", d, seed);
			expect_lambda(W, what);
			gsl_matrix_free(W);
			free(sv);
		}
}

/* Two or five equal top values, alone and with a sixth or third value 1e-7
 * below them (equal values alone did not fool the iteration that stopped on
 * close pairs: any mixture of their vectors is a top eigenvector) */
Test(engine_norm, lambda_of_two_and_five_equal_top_values)
{
	size_t mult[] = { 2, 5 }, ds[] = { 32, 80 };
	for (int q = 0; q < 2; q++)
		for (int p = 0; p < 2; p++)
			for (int near = 0; near < 2; near++) {
				size_t d = ds[p];
				double top[6] = { 1.25, 1.25, 1.25, 1.25, 1.25, 1.25 }, *sv = malloc(d * sizeof *sv);
				top[mult[q]] = 1.25 * (1 - 1e-7);
				spectrum(sv, d, top, mult[q] + (size_t)near, 77 + d);
				gsl_matrix *W = gsl_matrix_alloc(d, d);
				with_singular_values(W, sv, 5 + q + d);
				char what[80];
				snprintf(what, sizeof what, "d=%zu, %zu equal top values%s", d, mult[q],
				         near ? " and one 1e-7 below" : "");
				expect_lambda(W, what);
				gsl_matrix_free(W);
				free(sv);
			}
}

Test(engine_norm, lambda_of_0_9_i_plus_1_1_vvt_with_v_orthogonal_to_a_start)
{
	size_t ds[] = { 16, 64, 200 };
	static const char *const against[] = { "the old start vector", "the ones", "e_1" };
	for (int q = 0; q < 3; q++)
		for (int which = 0; which < 3; which++) {
			gsl_matrix *W = gsl_matrix_alloc(ds[q], ds[q]);
			adversarial(W, which, 0, 31 + (unsigned long long)q);
			char what[96];
			snprintf(what, sizeof what, "d=%zu, 0.9I + 1.1vv', v orthogonal to %s", ds[q], against[which]);
			expect_lambda(W, what);
			gsl_matrix_free(W);
		}
}

/* ---- step Jacobians and products of networks built on such blocks ---- */

/* A tanh network of d = m + 4 units: W = blockdiag(W1, W2), W1 (m×m) having
 * the ones as an eigenvector (W1 1 = μ 1), W2 of norm 0.5.  The first m units
 * start at tanh(c) with no input and bias (c − μ tanh c), so each of them
 * sits at a = c at every step, up to rounding: J_j's first block is
 * σ'(c) W1 (its spectrum kept, close pairs and all), but D_j is not a
 * multiple of I, and the other four units, driven by inputs, vary. */
static vx_model *block_network(const gsl_matrix *W1, double mu, size_t T, unsigned long long seed)
{
	size_t m = W1->size1, d = m + 4, n = 2;
	double c = 0.3;
	vx_model *net = random_model(VX_TANH, d, n, T, 1.0, 1.0, seed);
	gsl_matrix_set_zero(net->W);
	for (size_t i = 0; i < m; i++)
		for (size_t j = 0; j < m; j++)
			gsl_matrix_set(net->W, i, j, gsl_matrix_get(W1, i, j));
	vx_model *aux = random_model(VX_TANH, 4, 1, 1, 0.5, 0.0, seed + 1);
	for (size_t i = 0; i < 4; i++)
		for (size_t j = 0; j < 4; j++)
			gsl_matrix_set(net->W, m + i, m + j, gsl_matrix_get(aux->W, i, j));
	vx_model_free(aux);
	for (size_t i = 0; i < m; i++) {
		for (size_t l = 0; l < n; l++)
			gsl_matrix_set(net->U, i, l, 0);
		gsl_vector_set(net->b, i, c - mu * tanh(c));
		gsl_vector_set(net->s0, i, tanh(c));
	}
	return net;
}

/* W1 = S + (μ/m) 1 1ᵀ, S = Q diag(0, sv) Qᵀ with Q's first column ∝ 1: a
 * symmetric matrix (so the singular values of its powers are powers of sv)
 * with the given spectrum on 1⊥ and 1 as an eigenvector of eigenvalue μ */
static void symmetric_on_ones(gsl_matrix *W1, const double *sv, double mu, unsigned long long seed)
{
	size_t m = W1->size1;
	gsl_matrix *Q = gsl_matrix_alloc(m, m);
	nv_orthogonal(Q, seed, 1);
	for (size_t i = 0; i < m; i++)
		for (size_t j = 0; j < m; j++) {
			double s = mu / (double)m;
			for (size_t l = 1; l < m; l++)
				s += gsl_matrix_get(Q, i, l) * sv[l - 1] * gsl_matrix_get(Q, j, l);
			gsl_matrix_set(W1, i, j, s);
		}
	gsl_matrix_free(Q);
}

/* Every ‖J_j‖ and every ‖∂s_t/∂s_k‖ against GSL's SVD of the engine's own
 * vx_step_jacobian and vx_dsds, to 1e-12 relative. */
static void expect_all_norms(const vx_model *net, const char *what)
{
	size_t d = net->d, T = net->T;
	vx_result *r = analyse_ok(net, T);
	gsl_matrix *A = gsl_matrix_alloc(d, d);
	double worst_j = 0, worst_p = 0;
	size_t wj = 0, wk = 0;
	for (size_t j = 1; j <= T; j++) {
		cr_assert_eq(vx_step_jacobian(net, r, j, A), VX_OK);
		double want = svd_norm(A), got = gsl_vector_get(r->step_norm, j - 1);
		double e = fabs(got / want - 1);
		if (e > worst_j)
			worst_j = e, wj = j;
	}
	for (size_t k = 1; k <= T; k++) {
		double sc;
		cr_assert_eq(vx_dsds(net, r, T, k, A, &sc), VX_OK);
		cr_assert_eq(sc, 0.0, "the products fit a double here");
		double want = svd_norm(A), got = r->paths[k - 1].norm.value;
		double e = fabs(got / want - 1);
		if (e > worst_p)
			worst_p = e, wk = k;
	}
	cr_expect(worst_j <= 1e-12, "%s: ||J_j|| off the SVD by %.3g at j = %zu", what, worst_j, wj);
	cr_expect(worst_p <= 1e-12, "%s: ||ds_t/ds_k|| off the SVD by %.3g at k = %zu", what, worst_p, wk);
	gsl_matrix_free(A);
	vx_result_free(r);
}

Test(engine_norm, step_and_path_norms_with_a_close_pair)
{
	struct { size_t m; double gap; } cases[] = { { 16, 1e-7 }, { 48, 3e-8 }, { 96, 3e-8 } };
	for (int q = 0; q < 3; q++) {
		size_t m = cases[q].m;
		double *sv = malloc(m * sizeof *sv), top[2] = { 1, 1 - cases[q].gap };
		spectrum(sv, m - 1, top, 2, 500 + m);
		gsl_matrix *W1 = gsl_matrix_alloc(m, m);
		symmetric_on_ones(W1, sv, 0.2, 600 + m);
		vx_model *net = block_network(W1, 0.2, 24, 700 + m);
		char what[64];
		snprintf(what, sizeof what, "m=%zu, pair 1 and 1-%g", m, cases[q].gap);
		expect_all_norms(net, what);
		vx_model_free(net);
		gsl_matrix_free(W1);
		free(sv);
	}
}

Test(engine_norm, step_and_path_norms_with_equal_top_values)
{
	size_t mult[] = { 2, 5 };
	for (int q = 0; q < 2; q++)
		for (int near = 0; near < 2; near++) {
			size_t m = 40;
			double *sv = malloc(m * sizeof *sv), top[6] = { 1, 1, 1, 1, 1, 1 };
			top[mult[q]] = 1 - 1e-7;
			spectrum(sv, m - 1, top, mult[q] + (size_t)near, 800 + q);
			gsl_matrix *W1 = gsl_matrix_alloc(m, m);
			symmetric_on_ones(W1, sv, 0.2, 900 + q);
			vx_model *net = block_network(W1, 0.2, 24, 1000 + q);
			char what[80];
			snprintf(what, sizeof what, "%zu equal top values%s", mult[q], near ? " and one 1e-7 below" : "");
			expect_all_norms(net, what);
			vx_model_free(net);
			gsl_matrix_free(W1);
			free(sv);
		}
}

Test(engine_norm, step_and_path_norms_of_0_9_i_plus_1_1_vvt)
{
	/* W1 = 0.9 I + 1.1 vvᵀ with v orthogonal to the ones (so W1 1 = 0.9·1)
	 * and to the first m entries of the old start vector; the network's W
	 * also as a linear one, where every J_j is W and P = W^(t−k) */
	size_t ms[] = { 12, 60 };
	for (int q = 0; q < 2; q++) {
		size_t m = ms[q];
		gsl_matrix *W1 = gsl_matrix_alloc(m, m);
		adversarial(W1, 0, 1, 1100 + m);
		vx_model *net = block_network(W1, 0.9, 20, 1200 + m);
		char what[64];
		snprintf(what, sizeof what, "m=%zu tanh", m);
		expect_all_norms(net, what);
		vx_model_free(net);
		gsl_matrix_free(W1);

		vx_model *lin = random_model(VX_LINEAR, m, 2, 12, 1.0, 1.0, 1300 + m);
		adversarial(lin->W, 0, 0, 1400 + m);
		snprintf(what, sizeof what, "m=%zu linear", m);
		expect_all_norms(lin, what);
		vx_model_free(lin);
	}
}

/* ---- the inequalities, exactly ---- */

/* a <= b, exactly where both fit a double, else on their log10 */
static int mag_le(vx_mag a, vx_mag b)
{
	if (a.log10 == -INFINITY)
		return 1;
	if (a.fits && b.fits)
		return a.value <= b.value;
	return a.log10 <= b.log10;
}

static int mag_eq(vx_mag a, vx_mag b)
{
	return a.fits == b.fits && a.value == b.value && a.log10 == b.log10;
}

static vx_model *built(const char *act, const char *init, const char *norm, const char *hidden, const char *steps,
                       const char *input_scale, const char *seed)
{
	vx_params p;
	vx_params_default(&p);
	vx_error e = { 0 };
	const char *kv[][2] = { { "act", act },         { "init", init },
	                        { "norm", norm },       { "hidden", hidden },
	                        { "steps", steps },     { "input-scale", input_scale },
	                        { "seed", seed } };
	for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
		cr_assert_eq(vx_params_set(&p, kv[i][0], kv[i][1], &e), VX_OK, "%s=%s: %s", kv[i][0], kv[i][1], e.msg);
	vx_model *m = NULL;
	cr_assert_eq(vx_model_build(&p, &m, &e), VX_OK, "build: %s", e.msg);
	return m;
}

Test(engine_norm, every_row_is_monotone_exactly)
{
	static const char *const acts[] = { "linear", "tanh", "sigmoid", "relu" };
	static const char *const inits[] = { "orthogonal", "identity", "gaussian" };
	static const char *const norms[] = { "1.5", "1", "0.7", "3", "0.9" };
	static const char *const scales[] = { "1", "0" };
	size_t n = 0, bad = 0;
	for (int a = 0; a < 4; a++)
		for (int i = 0; i < 3; i++)
			for (int q = 0; q < 5; q++)
				for (int s = 0; s < 2; s++) {
					char seed[16];
					snprintf(seed, sizeof seed, "%d", 1 + q + 5 * i);
					vx_model *m = built(acts[a], inits[i], norms[q], q % 2 ? "16" : "5", "12",
					                    scales[s], seed);
					vx_result *r = analyse_ok(m, 12);
					gsl_vector *dv = gsl_vector_alloc(m->d);
					for (size_t j = 1; j <= 12; j++) {
						vx_step_dact(m, r, j, dv);
						double cmax = gsl_vector_max(dv), sn = gsl_vector_get(r->step_norm, j - 1);
						n++;
						if (!(sn <= cmax * r->lambda && sn <= r->gamma * r->lambda)) {
							bad++;
							cr_expect(0, "%s %s %s: ||J_%zu|| %.17g > max sigma' lambda %.17g", acts[a],
							          inits[i], norms[q], j, sn, cmax * r->lambda);
						}
					}
					for (size_t k = 1; k <= 12; k++) {
						const vx_path *p = &r->paths[k - 1];
						n++;
						if (!mag_le(p->norm, p->step_product) || !mag_le(p->step_product, p->bound)) {
							bad++;
							cr_expect(0, "%s %s %s scale %s gap %zu: %.17g, %.17g, %.17g not monotone",
							          acts[a], inits[i], norms[q], scales[s], p->gap, p->norm.value,
							          p->step_product.value, p->bound.value);
						}
					}
					gsl_vector_free(dv);
					vx_result_free(r);
					vx_model_free(m);
				}
	cr_expect_eq(bad, 0, "%zu of %zu comparisons out of order", bad, n);
}

Test(engine_norm, linear_rows_are_exact_ties_of_product_and_bound)
{
	/* linear: every J_j is W, so Π‖J_j‖ and (γλ)^(t−k) are the same product */
	static const char *const norms[] = { "1.5", "0.9", "3", "1" };
	for (int q = 0; q < 4; q++)
		for (int i = 0; i < 3; i++) {
			static const char *const inits[] = { "orthogonal", "identity", "gaussian" };
			vx_model *m = built("linear", inits[i], norms[q], "12", "30", "1", "3");
			vx_result *r = analyse_ok(m, 30);
			for (size_t j = 1; j <= 30; j++)
				cr_expect_eq(gsl_vector_get(r->step_norm, j - 1), r->lambda, "%s %s: ||J_%zu|| = lambda",
				             inits[i], norms[q], j);
			for (size_t k = 1; k <= 30; k++)
				cr_expect(mag_eq(r->paths[k - 1].step_product, r->paths[k - 1].bound),
				          "%s %s gap %zu: product %.17g, bound %.17g", inits[i], norms[q], 30 - k,
				          r->paths[k - 1].step_product.value, r->paths[k - 1].bound.value);
			vx_result_free(r);
			vx_model_free(m);
		}
}

Test(engine_norm, identity_init_gives_its_norm_exactly)
{
	static const char *const norms[] = { "1", "0.7", "1.5", "0.3", "2.5" };
	for (int q = 0; q < 5; q++) {
		double lam = strtod(norms[q], NULL);
		vx_model *m = built("linear", "identity", norms[q], "9", "20", "1", "2");
		vx_result *r = analyse_ok(m, 20);
		cr_expect_eq(r->lambda, lam, "--norm %s: lambda %.17g", norms[q], r->lambda);
		if (lam == 1) {
			for (size_t k = 1; k <= 20; k++) {
				const vx_path *p = &r->paths[k - 1];
				cr_expect(p->norm.value == 1 && p->step_product.value == 1 && p->bound.value == 1,
				          "W = I, gap %zu: %.17g %.17g %.17g, not exactly 1", p->gap, p->norm.value,
				          p->step_product.value, p->bound.value);
			}
		}
		vx_result_free(r);
		vx_model_free(m);
	}
}

/* ---- a product that is exactly zero ---- */

Test(engine_norm, nilpotent_w_has_a_lyapunov_exponent_of_minus_infinity)
{
	/* W = S N S⁻¹ with N the d×d shift and S, S⁻¹ integer (unit triangular
	 * factors): W^d = 0 exactly in floating point, and with a linear
	 * activation so is every product of d Jacobians */
	size_t d = 8;
	gsl_matrix *L = gsl_matrix_calloc(d, d), *Li = gsl_matrix_calloc(d, d), *T = gsl_matrix_alloc(d, d);
	for (size_t i = 0; i < d; i++) {
		gsl_matrix_set(L, i, i, 1);
		gsl_matrix_set(Li, i, i, 1);
		if (i > 0) {
			gsl_matrix_set(L, i, i - 1, 1);   /* L = I + subdiagonal, L⁻¹ = Σ (−1)^k sub^k */
		}
	}
	for (size_t i = 0; i < d; i++)
		for (size_t j = 0; j < i; j++)
			gsl_matrix_set(Li, i, j, (i - j) % 2 ? -1.0 : 1.0);
	vx_model *m = random_model(VX_LINEAR, d, 2, 40, 1.0, 1.0, 5);
	/* T = L N, W = T L⁻¹ */
	for (size_t i = 0; i < d; i++)
		for (size_t j = 0; j < d; j++)
			gsl_matrix_set(T, i, j, j > 0 ? gsl_matrix_get(L, i, j - 1) : 0.0);
	for (size_t i = 0; i < d; i++)
		for (size_t j = 0; j < d; j++) {
			double s = 0;
			for (size_t l = 0; l < d; l++)
				s += gsl_matrix_get(T, i, l) * gsl_matrix_get(Li, l, j);
			gsl_matrix_set(m->W, i, j, s);
		}
	vx_result *r = analyse_ok(m, 40);
	cr_expect_eq(r->paths[0].norm.value, 0.0, "W^39 = 0");
	cr_expect(r->paths[40 - (d - 1) - 1].norm.value > 0, "W^(d-1) is not 0");
	cr_expect_eq(r->lyap_max, -INFINITY, "nilpotent W: exponent %.17g, expected -inf", r->lyap_max);
	for (size_t l = 0; l < r->lyap_count; l++)
		cr_expect_eq(r->lyap_top[l], -INFINITY, "exponent %zu: %.17g", l, r->lyap_top[l]);
	vx_result_free(r);

	/* the same W with tanh: the Jacobians' product is not 0 (D_j between
	 * the factors), and the exponent stays finite */
	m->act = VX_TANH;
	r = analyse_ok(m, 40);
	cr_expect(isfinite(r->lyap_max), "tanh: exponent %.17g finite", r->lyap_max);
	vx_result_free(r);
	vx_model_free(m);
	gsl_matrix_free(L);
	gsl_matrix_free(Li);
	gsl_matrix_free(T);
}

/* ---- the starts follow the model ---- */

/* The Lanczos starts are drawn from a stream seeded by a hash of the whole
 * model, so that no input can be built against them.  y enters no norm:
 * changing it must change some norm in its last bits (the starts moved),
 * and nothing beyond rounding; the same model gives the same bits. */
Test(engine_norm, lanczos_starts_follow_the_whole_model)
{
	vx_model *m = random_model(VX_TANH, 24, 2, 20, 1.0, 1.0, 77);
	vx_model *m2 = vx_model_clone(m);
	gsl_vector_set(m2->y, 0, gsl_vector_get(m2->y, 0) + 0.5);
	vx_result *a = analyse_ok(m, 20), *b = analyse_ok(m, 20), *c = analyse_ok(m2, 20);
	size_t differ = 0, n = 0;
	double worst = 0;
	for (size_t j = 0; j < 20; j++) {
		double x = gsl_vector_get(a->step_norm, j), z = gsl_vector_get(c->step_norm, j);
		cr_expect_eq(x, gsl_vector_get(b->step_norm, j), "same model, ||J_%zu|| differs", j + 1);
		differ += x != z;
		worst = fmax(worst, fabs(z / x - 1));
		n++;
	}
	for (size_t k = 0; k + 1 < 20; k++) {
		double x = a->paths[k].norm.value, z = c->paths[k].norm.value;
		cr_expect_eq(x, b->paths[k].norm.value, "same model, norm at k = %zu differs", k + 1);
		differ += x != z;
		worst = fmax(worst, fabs(z / x - 1));
		n++;
	}
	cr_expect_gt(differ, 0, "another y, yet all %zu norms have the same bits: the starts ignore the model", n);
	cr_expect_leq(worst, 1e-13, "another y moved a norm by %.3g", worst);
	vx_result_free(a);
	vx_result_free(b);
	vx_result_free(c);
	vx_model_free(m);
	vx_model_free(m2);
}

/* ---- the step norms' Lanczos in local mode (no re-orthogonalisation) ---- */

/* θ = λmax(A Aᵀ) by Lanczos driven through vx_lanczos_feed, in local mode or
 * not; its steps into *steps, and the explicit residual of the vector it
 * returns, ‖G u − θ u‖ / θ, into *res. */
static double driven_top(const gsl_matrix *A, int local, size_t *steps, double *res)
{
	size_t d = A->size1;
	gsl_matrix *G = gsl_matrix_alloc(d, d);
	gsl_vector *y = gsl_vector_alloc(d);
	gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, A, A, 0.0, G);
	vx_lanczos *lz = vx_lanczos_alloc(d);
	vx_lanczos_seed(lz, 20261205u);
	vx_lanczos_set_local(lz, local);
	double theta = NAN;
	int r;
	vx_lanczos_begin(lz);
	do {
		gsl_vector_const_view x = gsl_vector_const_view_array(vx_lanczos_next(lz), d);
		gsl_blas_dgemv(CblasNoTrans, 1.0, G, &x.vector, 0.0, y);
	} while ((r = vx_lanczos_feed(lz, y->data, &theta)) == 0);
	cr_assert_eq(r, 1, "Lanczos (local %d, d = %zu) gave up", local, d);
	*steps = vx_lanczos_steps(lz);
	gsl_vector_const_view u = gsl_vector_const_view_array(vx_lanczos_vector(lz), d);
	gsl_blas_dgemv(CblasNoTrans, 1.0, G, &u.vector, 0.0, y);
	double e = 0;
	for (size_t i = 0; i < d; i++)
		e += pow(gsl_vector_get(y, i) - theta * gsl_vector_get(&u.vector, i), 2);
	*res = sqrt(e) / theta;
	vx_lanczos_free(lz);
	gsl_vector_free(y);
	gsl_matrix_free(G);
	return theta;
}

/* returns the fewer steps of the two modes */
static size_t expect_local_top(const gsl_matrix *A, const char *what)
{
	size_t s_local, s_full;
	double r_local, r_full, want = svd_norm(A);
	double got = sqrt(driven_top(A, 1, &s_local, &r_local));
	double full = sqrt(driven_top(A, 0, &s_full, &r_full));
	cr_expect(fabs(got / want - 1) <= 1e-12, "%s: local Lanczos %.17g, SVD %.17g (rel. %.3g)", what, got, want,
	          got / want - 1);
	cr_expect(fabs(full / want - 1) <= 1e-12, "%s: Lanczos %.17g, SVD %.17g (rel. %.3g)", what, full, want,
	          full / want - 1);
	/* the certificate, recomputed here: 1e-13 of θ, and a little rounding
	 * of this product */
	cr_expect(r_local <= 1.1e-13, "%s: local mode stopped with a residual of %.3g of theta", what, r_local);
	/* the verification costs one operator application per stop (a few
	 * when the estimate was early); more means the basis's loss of
	 * orthogonality slowed it down */
	cr_expect(s_local <= s_full + 8, "%s: local mode took %zu steps, the default %zu", what, s_local, s_full);
	return s_local < s_full ? s_local : s_full;
}

Test(engine_norm, local_lanczos_against_the_svd)
{
	/* close pairs and equal top values (each needs a long Krylov space, in
	 * which a basis without re-orthogonalisation loses orthogonality) */
	struct { size_t m; double gap; size_t ntop; } cases[] = {
		{ 16, 1e-7, 2 }, { 96, 3e-8, 2 }, { 40, 0, 5 }, { 200, 1e-3, 2 } };
	for (int q = 0; q < 4; q++) {
		size_t m = cases[q].m;
		double *sv = malloc(m * sizeof *sv), top[5] = { 1, 1, 1, 1, 1 };
		top[cases[q].ntop - 1] = 1 - cases[q].gap;
		spectrum(sv, m, top, cases[q].ntop, 1100 + m);
		gsl_matrix *A = gsl_matrix_alloc(m, m);
		with_singular_values(A, sv, 1200 + m);
		char what[80];
		snprintf(what, sizeof what, "m = %zu, %zu top values, the last %g below", m, cases[q].ntop,
		         cases[q].gap);
		expect_local_top(A, what);
		gsl_matrix_free(A);
		free(sv);
	}
	/* singular values 1 − 0.9 (i/400)^1.5, crowded at the top as a gate's
	 * diagonal term crowds them (GRU: diag(z) + ⋯): 757 steps by default,
	 * 758 in local mode, each restarting from its best Ritz vector after
	 * every 128 */
	{
		size_t m = 400;
		double *sv = malloc(m * sizeof *sv);
		for (size_t i = 0; i < m; i++)
			sv[i] = 1 - 0.9 * pow((double)i / (double)m, 1.5);
		gsl_matrix *A = gsl_matrix_alloc(m, m);
		with_singular_values(A, sv, 1250);
		size_t steps = expect_local_top(A, "m = 400, singular values 1 - 0.9 (i/400)^1.5");
		cr_expect_gt(steps, 128, "a mode took %zu steps: its restart was not tested", steps);
		gsl_matrix_free(A);
		free(sv);
	}
	/* 0.9 I + 1.1 vvᵀ with v orthogonal to the ones and e_1 */
	for (int which = 1; which <= 2; which++) {
		gsl_matrix *A = gsl_matrix_alloc(60, 60);
		adversarial(A, which, 1, 1300 + which);
		expect_local_top(A, which == 1 ? "0.9 I + 1.1 vv^T, v orthogonal to the ones" :
		                                  "0.9 I + 1.1 vv^T, v orthogonal to e_1 and the ones");
		gsl_matrix_free(A);
	}
	/* a step Jacobian as vx_analyse meets it: diag(1 − tanh²(a)) W, W
	 * gaussian with ‖W‖ = 1.1, d = 256: σ₂/σ₁ about 0.98, 46 steps */
	{
		size_t d = 256;
		gsl_matrix *A = gsl_matrix_alloc(d, d);
		unsigned long long st = 1400;
		for (size_t i = 0; i < d; i++) {
			double a = 1.5 * lcg_gauss(&st), c = 1 - tanh(a) * tanh(a);
			for (size_t j = 0; j < d; j++)
				gsl_matrix_set(A, i, j, c * lcg_gauss(&st) / sqrt((double)d));
		}
		expect_local_top(A, "diag(1 - tanh^2(a)) W, d = 256");
		gsl_matrix_free(A);
	}
}

Test(engine_norm, step_norms_of_d_256_against_the_svd)
{
	/* vx_analyse's step norms (local mode, 64 runs in lockstep) on a
	 * network of the benchmark's size, every J_j against GSL's SVD */
	vx_model *m = random_model(VX_TANH, 256, 4, 12, 1.1, 1.0, 31);
	vx_result *r = analyse_ok(m, 12);
	gsl_matrix *J = gsl_matrix_alloc(256, 256);
	double worst = 0;
	size_t wj = 0;
	for (size_t j = 1; j <= 12; j++) {
		for (size_t i = 0; i < 256; i++) {
			double a = gsl_matrix_get(r->a, j - 1, i), c = 1 - tanh(a) * tanh(a);
			for (size_t l = 0; l < 256; l++)
				gsl_matrix_set(J, i, l, c * gsl_matrix_get(m->W, i, l));
		}
		double want = svd_norm(J), e = fabs(gsl_vector_get(r->step_norm, j - 1) / want - 1);
		if (e > worst)
			worst = e, wj = j;
	}
	cr_expect(worst <= 1e-12, "||J_j|| off the SVD by %.3g at j = %zu", worst, wj);
	gsl_matrix_free(J);
	vx_result_free(r);
	vx_model_free(m);
}

/* max |x_i| by its definition, one entry at a time: NaN when any is NaN */
static double maxabs_ref(const double *x, size_t n)
{
	double m = 0;
	int nan = 0;
	for (size_t i = 0; i < n; i++) {
		nan |= isnan(x[i]);
		if (fabs(x[i]) > m)
			m = fabs(x[i]);
	}
	return nan ? NAN : m;
}

Test(engine_norm, maxabs_finds_the_largest_entry_and_any_nan_wherever_they_are)
{
	/* every length 0..19 (the four lanes and the tail), the extreme entry
	 * at every place: a largest value of either sign, an infinity, a NaN,
	 * a NaN beside an infinity, and entries whose sum overflows */
	double x[19];
	const double big[] = { -7.5, 7.5, INFINITY, -INFINITY, NAN, DBL_MAX };
	size_t fails = 0;
	for (size_t n = 0; n <= 19; n++)
		for (size_t b = 0; b < sizeof big / sizeof *big; b++)
			for (size_t p = 0; p < (n ? n : 1); p++)
				for (int other = 0; other < 3; other++) {
					for (size_t i = 0; i < n; i++)
						x[i] = (double)((i * 7) % 5) - 2.25;
					if (n == 0)
						continue;
					x[p] = big[b];
					/* a second special entry at another place */
					if (other == 1 && n > 1)
						x[(p + n / 2 + 1) % n] = INFINITY;
					if (other == 2)
						for (size_t i = 0; i < n; i++)
							if (i != p)
								x[i] = 0.75 * DBL_MAX;
					double got = vx_maxabs(x, n), want = maxabs_ref(x, n);
					if (!(got == want || (isnan(got) && isnan(want)))) {
						if (fails++ < 5)
							cr_log_error("n = %zu, %g at %zu (case %d): %g, want %g", n, big[b], p,
							             other, got, want);
					}
				}
	cr_expect(fails == 0, "%zu scans wrong", fails);
	cr_expect(vx_maxabs(x, 0) == 0);
}

/* ---- a Krylov vector longer than OpenBLAS shares among threads ---- */

/* y = diag(e) x */
static void diagonal_op(const void *ctx, const double *x, double *y)
{
	const gsl_vector *e = ctx;
	for (size_t i = 0; i < e->size; i++)
		y[i] = gsl_vector_get(e, i) * x[i];
}

static double diagonal_top(const gsl_vector *e, int blas_threads, size_t *steps)
{
	vx_exec ex = { .threads = 1, .blas_threads = blas_threads };
	vx_exec_apply(&ex);
	vx_lanczos *lz = vx_lanczos_alloc(e->size);
	cr_assert(lz);
	vx_lanczos_seed(lz, 20261206u);
	double theta = NAN;
	cr_assert_eq(vx_lanczos_top(lz, diagonal_op, e, &theta), VX_OK, "Lanczos on %zu entries failed", e->size);
	*steps = vx_lanczos_steps(lz);
	vx_lanczos_free(lz);
	return theta;
}

Test(engine_norm, lanczos_of_twenty_thousand_entries_has_the_bits_of_one_blas_thread)
{
	/* OpenBLAS shares a dot product of more than 10 000 entries among its
	 * threads, and its sum's bits then depend on their count; the
	 * iteration's dots come in pieces it never shares.  A spectrum up to
	 * 1.5 with a second value 1e-3 below: a run of tens of steps */
	size_t n = 20000;
	gsl_vector *e = gsl_vector_alloc(n);
	for (size_t i = 0; i < n; i++)
		gsl_vector_set(e, i, (double)(i % 997) / 997.0);
	gsl_vector_set(e, 123, 1.5);
	gsl_vector_set(e, 17001, 1.5 - 1.5e-3);
	size_t s1, s2;
	double one = diagonal_top(e, 1, &s1), two = diagonal_top(e, 2, &s2);
	vx_exec back = { .threads = 1, .blas_threads = 1 };
	vx_exec_apply(&back);
	cr_expect_eq(memcmp(&one, &two, sizeof one), 0, "one BLAS thread %.17g, two %.17g", one, two);
	cr_expect_eq(s1, s2, "steps: %zu on one BLAS thread, %zu on two", s1, s2);
	cr_expect(fabs(one / 1.5 - 1) <= 1e-12, "top eigenvalue %.17g, want 1.5", one);
	cr_expect_gt(s1, 10, "%zu steps: too few for the test to mean anything", s1);
	gsl_vector_free(e);
}
