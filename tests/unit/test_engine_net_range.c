/*
 * test_engine_net_range.c — vx_net_analyse, vx_net_fd_check, vx_analyse and
 * vx_fd_check on the networks the options generate, out to the edges of
 * double precision (--norm from 0 to 1e300, --input-scale up to 1e300, units
 * saturated until σ' underflows), against independent values:
 *   - closed forms: with --init identity and no input every h (and c) stays
 *     0, so every gate is known (i = f = o = r = z = ½, g = n = 0) and every
 *     step Jacobian is a fixed small matrix in λ, whose powers are written
 *     here in the log domain;
 *   - a diagonal W (--init identity) with saturating input: ∂s_t/∂s_k is
 *     diagonal, its norm the largest unit's product of σ'(a_j) λ, summed
 *     here in log10 from the pre-activations with σ' written apart;
 *   - GSL's SVD (gm_norm2) for the dense spectral norm of 2^e B at any e;
 *   - vx_analyse for one vanilla layer, the rules every analysis keeps
 *     (‖∂S_t/∂S_k‖ <= Π‖J_j‖ <= Π b_j, no NaN, no +∞ log10, no value that
 *     does not fit its double) and the statuses: a clear refusal of the
 *     forward pass at most, never an internal error.
 */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <string.h>
#include <gsl/gsl_errno.h>

#include "engine/linalg.h"
#include "engine/net.h"
#include "engine/net_analysis.h"
#include "engine/net_step.h"
#include "test_engine_util.h"

static void setup(void)
{
	gsl_set_error_handler_off();
}

TestSuite(net_range, .init = setup);

static const char *const NORMS[] = { "0", "1e-300", "1e-30", "1e-3", "1", "30", "1e30", "1e300" };
static const char *const INITS[] = { "gaussian", "orthogonal", "identity" };
static const char *const ACTS[] = { "sigmoid", "tanh", "relu", "linear" };
static const char *const SCALES[] = { "0", "1", "1e3", "1e300" };
#define NNORM (sizeof NORMS / sizeof NORMS[0])

/* The options as on the command line, into *p (each must be accepted). */
static void options(vx_params *p, const char *norm, const char *init, const char *act, const char *scale,
                    size_t d, size_t T)
{
	char hid[24], steps[24];
	snprintf(hid, sizeof hid, "%zu", d);
	snprintf(steps, sizeof steps, "%zu", T);
	const char *opt[] = { "norm", norm, "init", init, "act", act, "input-scale", scale, "hidden", hid,
	                      "steps", steps, NULL };
	vx_error e = { 0 };
	vx_params_default(p);
	for (const char *const *o = opt; o[0]; o += 2)
		cr_assert_eq(vx_params_set(p, o[0], o[1], &e), VX_OK, "--%s %s: %s", o[0], o[1], e.msg);
}

static vx_net *build_net(const vx_params *p, vx_cell cell, size_t L)
{
	vx_net_spec sp;
	vx_net_spec_default(&sp);
	sp.cell = cell;
	sp.layers = L;
	vx_net *net = NULL;
	vx_error e = { 0 };
	cr_assert_eq(vx_net_build(p, &sp, &net, &e), VX_OK, "vx_net_build: %s", e.msg);
	return net;
}

/* log10 values agree to 1e-9 relative (the same exact 0, or both finite) */
static int l10_near(double got, double want)
{
	if (isinf(want) || isinf(got))
		return got == want;
	return fabs(got - want) * M_LN10 <= 1e-9 * fmax(1.0, fabs(want) * M_LN10);
}

/* A magnitude as the engine may hand it out: its log10 a number or −∞ for
 * an exact 0, never NaN or +∞, and a value that fits is finite. */
static int mag_ok(vx_mag m)
{
	return !isnan(m.log10) && m.log10 != INFINITY && (!m.fits || isfinite(m.value));
}

/* ‖J_j‖ and b_j, j = 1..T */
static vx_mag step_norm(const vx_net_result *r, size_t j)
{
	return r->step_norm[j - 1];
}

static vx_mag step_bound(const vx_net_result *r, size_t j)
{
	return r->step_bound[j - 1];
}

/* ---- the dense spectral norm at any exponent ---- */

/* a 5×5 bidiagonal B of few-bit entries, so that 2^e B is exact down to the
 * subnormals */
static gsl_matrix *bidiagonal(void)
{
	static const double dg[5] = { 1.5, -0.75, 1.25, 0.5, -1.0 }, up[4] = { 0.625, -0.25, 1.0, 0.375 };
	gsl_matrix *B = gsl_matrix_calloc(5, 5);
	for (size_t i = 0; i < 5; i++) {
		gsl_matrix_set(B, i, i, dg[i]);
		if (i < 4)
			gsl_matrix_set(B, i, i + 1, up[i]);
	}
	return B;
}

static double dense_norm(const gsl_matrix *A)
{
	size_t n = A->size2;
	gsl_matrix *G = gsl_matrix_alloc(n, n);
	gsl_vector *ev = gsl_vector_alloc(n);
	gsl_eigen_symm_workspace *ws = gsl_eigen_symm_alloc(n);
	double out = -1;
	vx_status st = vx_norm2_dense(A, G, ev, ws, &out);
	cr_assert_eq(st, VX_OK, "vx_norm2_dense: status %d (%s)", st, vx_strerror(st));
	gsl_matrix_free(G);
	gsl_vector_free(ev);
	gsl_eigen_symm_free(ws);
	return out;
}

Test(net_range, dense_norm_of_2_to_the_e_b_at_any_exponent)
{
	gsl_matrix *B = bidiagonal(), *A = gsl_matrix_alloc(5, 5);
	double sb = gm_norm2(B);
	static const int E[] = { -1060, -1000, -700, -501, -500, 0, 500, 501, 700, 1000 };
	for (size_t q = 0; q < sizeof E / sizeof E[0]; q++) {
		gsl_matrix_memcpy(A, B);
		vx_scale2_matrix(A, E[q]);
		double want = ldexp(sb, E[q]), got = dense_norm(A);
		/* at 2^-1060 the norm itself is a subnormal of 14 bits */
		cr_expect(fabs(got - want) <= 1e-13 * want + 2 * DBL_TRUE_MIN,
		          "‖2^%d B‖₂ = %.17g, SVD gives %.17g", E[q], got, want);
	}
	gsl_matrix_free(A);
	gsl_matrix_free(B);
}

/* A = 1 ⊕ s C, C an upper bidiagonal block: AᵀA holds s² C ᵀC, subnormal
 * for s near 1e-160, beside the 1, where GSL's symmetric QR iteration never
 * stopped (its splitting test is relative to diagonal entries that round to
 * 0 there) */
/* A = 1 ⊕ s C (n×n) */
static gsl_matrix *one_and_block(double s, size_t n)
{
	gsl_matrix *A = gsl_matrix_calloc(n, n);
	gsl_matrix_set(A, 0, 0, 1);
	for (size_t i = 1; i < n; i++) {
		gsl_matrix_set(A, i, i, s * (1 + 0.3 * (double)i));
		if (i + 1 < n)
			gsl_matrix_set(A, i, i + 1, s * (i % 2 ? -0.7 : 0.7));
	}
	return A;
}

Test(net_range, dense_norm_returns_when_the_gram_matrix_is_subnormal, .timeout = 30)
{
	static const double S[] = { 1e-155, 1e-158, 1e-160, 1e-161, 1e-162 };
	static const size_t N[] = { 3, 5, 8 };
	for (size_t a = 0; a < sizeof S / sizeof S[0]; a++)
		for (size_t b = 0; b < sizeof N / sizeof N[0]; b++) {
			gsl_matrix *A = one_and_block(S[a], N[b]);
			double got = dense_norm(A);
			cr_expect(fabs(got - 1) <= 1e-15, "s = %g, n = %zu: ‖A‖₂ = %.17g, expected 1", S[a], N[b], got);
			gsl_matrix_free(A);
		}
	/* the block alone, its Gram matrix scaled past 2^±1000: from GSL's SVD
	 * of C */
	for (size_t a = 0; a < sizeof S / sizeof S[0]; a++)
		for (size_t b = 0; b < sizeof N / sizeof N[0]; b++) {
			size_t n = N[b];
			gsl_matrix *A = one_and_block(S[a], n);
			gsl_matrix_view C = gsl_matrix_submatrix(A, 1, 1, n - 1, n - 1);
			double want = gm_norm2(&C.matrix), blk = dense_norm(&C.matrix);
			cr_expect(fabs(blk - want) <= 1e-12 * want, "s = %g, n = %zu: block %.17g, SVD %.17g", S[a], n,
			          blk, want);
			gsl_matrix_free(A);
		}
}

/* ---- closed forms: identity init, no input ---- */

/* log10 of the closed forms at gap g for --init identity and no input, h0 =
 * c0 = 0, biases 0, for rnn with act tanh, linear or relu and for lstm and
 * gru: every h (and c) stays 0.
 *   rnn tanh, linear: J_ll = λ I;  relu: J_ll = 0 (σ'(0) taken as 0).
 *   lstm, per unit: J_ll = [¼λ ¼; ½λ ½] = u vᵀ, u = (½, 1), v = (½λ, ½), so
 *        with ρ = vᵀu = ¼λ + ½:  J^g = ρ^{g−1} u vᵀ:  h block ρ^{g−1} ¼λ,
 *        c block ρ^{g−1} ½, the whole (one layer) ρ^{g−1} ‖u‖ ‖v‖;
 *        b_j = ‖[1.5λ 1; 1.25λ 1]‖₂ (net_stats.c's N with m_c = 0).
 *   gru: J_ll = (½ + ¼λ) I; b_j = 1 + λ.
 * Diagonal blocks of a stack are products of diagonal blocks, so h and c
 * hold for every layer; the whole norm and the bound for one layer. */
typedef struct {
	double h, c, full, step, bound;
} closed;

static closed closed_form(vx_cell cell, vx_act act, double lam, size_t g)
{
	closed x = { 0, 0, 0, NAN, 0 };
	if (g == 0)
		return x;
	double G = (double)g;
	if (cell == VX_CELL_LSTM) {
		double lr = log10(0.25 * lam + 0.5) * (G - 1), nu = log10(sqrt(5.0) / 2);
		/* ‖v‖ = ½ √(λ² + 1), apart beyond the range of λ² */
		double nv = lam > 1e150 ? log10(0.5) + log10(lam) : log10(0.5 * sqrt(lam * lam + 1));
		x.h = lam == 0 ? -INFINITY : lr + log10(0.25 * lam);
		x.c = lr + log10(0.5);
		x.full = lr + nu + nv;
		x.step = nu + nv;
		/* ‖[a 1; b 1]‖₂² = (s + √(s² − 4 det²)) / 2, s = a² + b² + 2 */
		if (lam > 1e150) {
			x.bound = G * (log10(lam) + 0.5 * log10(1.5 * 1.5 + 1.25 * 1.25));
		} else {
			double a = 1.5 * lam, b = 1.25 * lam, s = a * a + b * b + 2, det = a - b;
			x.bound = G * 0.5 * log10((s + sqrt(s * s - 4 * det * det)) / 2);
		}
		return x;
	}
	if (cell == VX_CELL_GRU) {
		x.h = x.full = G * log10(0.5 + 0.25 * lam);
		x.step = log10(0.5 + 0.25 * lam);
		x.bound = G * log10(1 + lam);
		return x;
	}
	double l = act == VX_RELU || lam == 0 ? -INFINITY : log10(lam);
	x.h = x.full = G * l;
	x.step = l;
	x.bound = lam == 0 ? -INFINITY : G * log10(vx_act_gamma(act) * lam);
	return x;
}

/* bounds carry a headroom of 8 ε per step (net_stats.c) */
static int bound_near(double got, double want, size_t g)
{
	if (isinf(want) || isinf(got))
		return got == want;
	return got >= want - 1e-12 * fmax(1.0, fabs(want)) && got <= want + (double)g * 1e-14 + 1e-12 * fabs(want);
}

Test(net_range, identity_networks_without_input_meet_their_closed_forms)
{
	static const size_t DT[][2] = { { 1, 50 }, { 2, 2 }, { 7, 50 }, { 50, 12 } };
	static const struct { vx_cell cell; vx_act act; } CA[] = {
		{ VX_CELL_RNN, VX_TANH }, { VX_CELL_RNN, VX_LINEAR }, { VX_CELL_RNN, VX_RELU },
		{ VX_CELL_LSTM, VX_TANH }, { VX_CELL_GRU, VX_TANH },
	};
	size_t checked = 0;
	for (size_t c = 0; c < sizeof CA / sizeof CA[0]; c++)
		for (size_t L = 1; L <= 3; L++)
			for (size_t ni = 0; ni < NNORM; ni++)
				for (size_t q = 0; q < sizeof DT / sizeof DT[0]; q++) {
					size_t d = DT[q][0], T = DT[q][1];
					if (d == 50 && L > 1 && CA[c].cell == VX_CELL_RNN)
						continue;   /* the vanilla stacks at d = 50 add nothing but time */
					vx_params p;
					options(&p, NORMS[ni], "identity", vx_act_name(CA[c].act), "0", d, T);
					vx_net *net = build_net(&p, CA[c].cell, L);
					vx_net_result *r = NULL;
					vx_error err = { 0 };
					vx_exec ex = test_exec(net->D, 1);
					vx_status st = vx_net_analyse(net, T, &ex, &r, &err);
					const char *cn = vx_cell_name(CA[c].cell);
					cr_assert_eq(st, VX_OK, "%s %s L=%zu λ=%s d=%zu T=%zu: status %d: %s", cn,
					             vx_act_name(CA[c].act), L, NORMS[ni], d, T, st, err.msg);
					for (size_t k = 1; k <= T; k++) {
						size_t g = T - k;
						closed x = closed_form(CA[c].cell, CA[c].act, p.norm, g);
						for (size_t l = 0; l < L; l++) {
							double h = r->h_norm[(k - 1) * L + l].log10;
							cr_expect(l10_near(h, x.h), "%s %s L=%zu λ=%s d=%zu gap %zu: ‖∂h%zu_t/∂h%zu_k‖ = 10^%.17g, closed form 10^%.17g",
							          cn, vx_act_name(CA[c].act), L, NORMS[ni], d, g, l, l, h, x.h);
							if (r->c_norm) {
								double cc = r->c_norm[(k - 1) * L + l].log10;
								cr_expect(l10_near(cc, x.c), "lstm L=%zu λ=%s d=%zu gap %zu: ‖∂c%zu_t/∂c%zu_k‖ = 10^%.17g, closed form 10^%.17g",
								          L, NORMS[ni], d, g, l, l, cc, x.c);
							}
						}
						if (L > 1)
							continue;
						const vx_net_path *pk = &r->paths[k - 1];
						cr_expect(l10_near(pk->norm.log10, x.full), "%s λ=%s d=%zu gap %zu: ‖∂S_t/∂S_k‖ = 10^%.17g, closed form 10^%.17g",
						          cn, NORMS[ni], d, g, pk->norm.log10, x.full);
						cr_expect(bound_near(pk->bound.log10, x.bound, g), "%s λ=%s d=%zu gap %zu: bound 10^%.17g, closed form 10^%.17g",
						          cn, NORMS[ni], d, g, pk->bound.log10, x.bound);
						if (g == 1) {
							double sn = step_norm(r, T).log10;
							cr_expect(l10_near(sn, x.step), "%s λ=%s d=%zu: ‖J_T‖ = 10^%.17g, closed form 10^%.17g", cn,
							          NORMS[ni], d, sn, x.step);
						}
						checked++;
					}
					vx_net_result_free(r);
					vx_net_free(net);
				}
	cr_log_info("%zu paths checked", checked);
	cr_assert(checked > 1000, "%zu paths checked", checked);
}

/* ---- a diagonal W with saturating input ---- */

/* log10 σ'(a) in closed form: for the logistic e^{−|a|} / (1 + e^{−|a|})²,
 * for tanh 4 e^{−2|a|} / (1 + e^{−2|a|})², at any a */
static double log10_dact(vx_act act, double a)
{
	double x = act == VX_TANH ? 2 * fabs(a) : fabs(a), e = exp(-x);
	return ((act == VX_TANH ? log(4.0) : 0) - x - 2 * log1p(e)) / log(10.0);
}

/* W = λI: ∂s_t/∂s_k = Π diag(σ'(a_j)) λ, whose norm is the largest unit's
 * product: written here from the pre-activations, in log10 */
static double diagonal_closed(vx_act act, const gsl_matrix *a, double lam, size_t t, size_t k)
{
	double best = -INFINITY;
	for (size_t i = 0; i < a->size2; i++) {
		double s = 0;
		for (size_t j = k + 1; j <= t; j++)
			s += log10_dact(act, gsl_matrix_get(a, j - 1, i)) + log10(lam);
		best = fmax(best, s);
	}
	return best;
}

/* Π_{j=k+1..t} ‖J_j‖ for W = λI: each ‖J_j‖ is the largest σ'(a_j) λ */
static double step_closed(vx_act act, const gsl_matrix *a, double lam, size_t t, size_t k)
{
	double s = 0;
	for (size_t j = k + 1; j <= t; j++) {
		double top = -INFINITY;
		for (size_t i = 0; i < a->size2; i++)
			top = fmax(top, log10_dact(act, gsl_matrix_get(a, j - 1, i)));
		s += top + log10(lam);
	}
	return s;
}

/* σ' from 1e-10 down to 1e-300 at λ = 1e-300: the vanilla analysis lost the
 * product (P Pᵀ underflowed as the units that carried P saturated) and
 * printed 0 for 10^-18925; the net's vanilla cell lost every J_j = σ' λ,
 * and at d = 50, where its step norms come from Lanczos on J_jᵀJ_j, a step
 * 1e-80 below its bound came out 70 times low.  Both are held to the
 * exact closed form, σ' below the doubles too (act.h: 10^-21046 here; the
 * net's one-layer cells since their coefficients keep their powers of two
 * apart, net_step.h: before, it printed 0 where the doubles underflow).
 * Some ∂s_t/∂s_k, 10^-9895 with tanh at d = 7 and 50, 10^-23817 with the
 * logistic at d = 7, are carried by a unit more than 10^-308 below the
 * strongest at some step, beneath what a product of matrices with one
 * exponent keeps: both analyses printed them as exactly 0 until such a W
 * went entry by entry (engine/monomial.h). */
Test(net_range, diagonal_w_with_saturated_units_keeps_its_products)
{
	static const struct { vx_act act; const char *lam; size_t d; int norms; } C[] = {
		{ VX_SIGMOID, "1e-300", 2, 1 }, { VX_SIGMOID, "1e-300", 7, 1 }, { VX_SIGMOID, "1e-300", 50, 1 },
		{ VX_SIGMOID, "1e-30", 2, 1 }, { VX_SIGMOID, "1e-30", 7, 1 }, { VX_SIGMOID, "1e-30", 50, 1 },
		{ VX_SIGMOID, "1", 2, 1 }, { VX_SIGMOID, "1", 7, 1 }, { VX_SIGMOID, "1", 50, 1 },
		{ VX_TANH, "1e-300", 7, 1 },  { VX_TANH, "1e-30", 7, 1 },  { VX_TANH, "1e-300", 50, 1 },
		{ VX_TANH, "1e-30", 50, 1 },
	};
	size_t beyond = 0;
	for (size_t c = 0; c < sizeof C / sizeof C[0]; c++) {
		const char *an = vx_act_name(C[c].act);
		vx_params p;
		options(&p, C[c].lam, "identity", an, "1e3", C[c].d, 50);
		vx_model *m = NULL;
		vx_error err = { 0 };
		cr_assert_eq(vx_model_build(&p, &m, &err), VX_OK, "%s", err.msg);
		vx_result *vr = analyse_ok(m, 50);
		vx_net *net = build_net(&p, VX_CELL_RNN, 1);
		vx_net_result *r = NULL;
		vx_exec ex = test_exec(net->D, 1);
		cr_assert_eq(vx_net_analyse(net, 50, &ex, &r, &err), VX_OK, "%s", err.msg);
		for (size_t k = 1; k <= 50; k++) {
			double want = diagonal_closed(C[c].act, vr->a, p.norm, 50, k);
			beyond += want < -307;
			cr_expect(!C[c].norms || l10_near(vr->paths[k - 1].norm.log10, want),
			          "vx_analyse %s λ=%s d=%zu k=%zu: 10^%.17g, closed form 10^%.17g", an, C[c].lam, C[c].d, k,
			          vr->paths[k - 1].norm.log10, want);
			cr_expect(!C[c].norms || l10_near(r->paths[k - 1].norm.log10, want),
			          "vx_net_analyse %s λ=%s d=%zu k=%zu: 10^%.17g, closed form 10^%.17g", an, C[c].lam, C[c].d,
			          k, r->paths[k - 1].norm.log10, want);
			double sp = step_closed(C[c].act, vr->a, p.norm, 50, k);
			cr_expect(l10_near(vr->paths[k - 1].step_product.log10, sp) &&
			          l10_near(r->paths[k - 1].step_product.log10, sp),
			          "%s λ=%s d=%zu k=%zu: step products 10^%.17g and 10^%.17g, closed form 10^%.17g", an,
			          C[c].lam, C[c].d, k, vr->paths[k - 1].step_product.log10, r->paths[k - 1].step_product.log10,
			          sp);
		}
		vx_net_result_free(r);
		vx_net_free(net);
		vx_result_free(vr);
		vx_model_free(m);
	}
	cr_log_info("%zu products beyond a double", beyond);
	cr_assert(beyond > 100, "only %zu products beyond a double", beyond);
}

/* A coefficient that the scaled form holds as a subnormal has lost digits
 * and is counted as lost, as one flushed to 0 is.  One tanh layer, d = 2,
 * weights 0, bias_ih = (0, a): σ'(0) = 1 sets the power of two, and
 * σ'(a) = 1/cosh²(a) = 4e^{−2a}/(1 + e^{−2a})² lies at 2^{2 − 2a/ln 2}:
 * 2^−1048.3 at a = 364 (subnormal in the form: counted), 2^−1154 at 400
 * (flushed: counted), 2^−863.6 at 300 (a normal double: no split, nothing
 * counted).  The count reaches the result as underflow_steps. */
Test(net_range, a_coefficient_held_as_a_subnormal_counts_as_lost)
{
	static const struct { double a; size_t lost; } C[] = { { 364, 1 }, { 400, 1 }, { 300, 0 } };
	for (size_t c = 0; c < sizeof C / sizeof C[0]; c++) {
		vx_net *net = vx_net_alloc(VX_CELL_RNN, VX_TANH, 1, 2, 1, 1);
		cr_assert_not_null(net);
		gsl_matrix_set_zero(net->layer[0].w_ih);
		gsl_matrix_set_zero(net->layer[0].w_hh);
		gsl_vector_set_zero(net->layer[0].b_ih);
		gsl_vector_set_zero(net->layer[0].b_hh);
		gsl_vector_set_zero(net->layer[0].h0);
		gsl_matrix_set_zero(net->x);
		gsl_vector_set_zero(net->y);
		gsl_vector_set(net->layer[0].b_ih, 1, C[c].a);
		vx_net_fwd *f = NULL;
		vx_error err = { 0 };
		cr_assert_eq(vx_net_forward(net, &f, &err), VX_OK, "%s", err.msg);
		double coef[2];
		cr_assert_eq(vx_net_coef_size(net), 2);
		cr_expect_eq(vx_net_coef_lost(net, f, 1, coef), C[c].lost, "a = %g: lost", C[c].a);
		int split = 0;
		size_t flushed = 0;
		double E = vx_net_coef_ex(net, f, 1, coef, 0, &split, &flushed);
		cr_expect(split == (C[c].lost > 0) && flushed == C[c].lost, "a = %g: split %d, flushed %zu", C[c].a, split,
		          flushed);
		/* the kept unit's σ' = 1 = coef × 2^E */
		cr_expect_eq(ldexp(coef[0], (int)E), 1.0, "a = %g: σ'(0) as %.17g × 2^%g", C[c].a, coef[0], E);
		vx_net_result *r = NULL;
		cr_assert_eq(vx_net_analyse(net, 1, NULL, &r, &err), VX_OK, "%s", err.msg);
		cr_expect_eq(r->underflow_steps, C[c].lost, "a = %g: underflow_steps %zu", C[c].a, r->underflow_steps);
		vx_net_result_free(r);
		vx_net_fwd_free(f);
		vx_net_free(net);
	}
}

/* relu at λ = 1e300 over two steps: ∂L/∂bias and ∂L/∂weight_ih near 1e600,
 * ∂L/∂weight_hh near 1e299 (it meets h_0 = 0 at step 1 and h_1 ~ 1 at
 * step 2): its squares at the biases' scale underflowed, and its norm came
 * out exactly 0 */
Test(net_range, weight_hh_gradient_norm_beside_far_larger_gradients)
{
	static const size_t D[] = { 1, 7, 33 };
	for (size_t di = 0; di < 3; di++) {
		vx_params p;
		options(&p, "1e300", "gaussian", "relu", "1", D[di], 2);
		vx_net *net = build_net(&p, VX_CELL_RNN, 1);
		vx_net_result *r = NULL;
		vx_error err = { 0 };
		vx_exec ex = test_exec(net->D, 1);
		cr_assert_eq(vx_net_analyse(net, 2, &ex, &r, &err), VX_OK, "%s", err.msg);
		/* ‖grad w_hh‖_F × 10^scale, its entries scaled by the largest */
		const gsl_matrix *G = r->grad[0].w_hh;
		double mx = 0, ss = 0;
		for (size_t i = 0; i < G->size1; i++)
			for (size_t q = 0; q < G->size2; q++)
				mx = fmax(mx, fabs(gsl_matrix_get(G, i, q)));
		for (size_t i = 0; i < G->size1; i++)
			for (size_t q = 0; q < G->size2; q++)
				ss += pow(gsl_matrix_get(G, i, q) / mx, 2);
		double want = log10(mx) + 0.5 * log10(ss) + r->grad_log10_scale;
		vx_model *m = NULL;
		cr_assert_eq(vx_model_build(&p, &m, &err), VX_OK, "%s", err.msg);
		vx_result *v = analyse_ok(m, 2);
		cr_expect(r->grad_norm.log10 > want + 200, "d=%zu: the other gradients 10^%g", D[di], r->grad_norm.log10);
		cr_expect(l10_near(r->grad_hh_norm[0].log10, want) && l10_near(v->grad_norm.log10, want),
		          "d=%zu: ‖∂L/∂weight_hh‖ = 10^%.17g, vx_analyse 10^%.17g, from the matrix 10^%.17g", D[di],
		          r->grad_hh_norm[0].log10, v->grad_norm.log10, want);
		vx_result_free(v);
		vx_model_free(m);
		vx_net_result_free(r);
		vx_net_free(net);
	}
}

/* ---- the sweep ---- */

/* Every number of a net analysis within its rules; the first broken rule
 * as text into why, else "" */
static void net_rules(const vx_net *net, const vx_net_result *r, char *why, size_t n)
{
	why[0] = 0;
	size_t t = r->t, L = r->L;
	for (size_t k = 1; k <= t && !why[0]; k++) {
		const vx_net_path *p = &r->paths[k - 1];
		if (!mag_ok(p->norm) || !mag_ok(p->step_product) || !mag_ok(p->bound))
			snprintf(why, n, "k=%zu: norm 10^%g, step product 10^%g, bound 10^%g", k, p->norm.log10,
			         p->step_product.log10, p->bound.log10);
		else if (p->norm.log10 > p->step_product.log10 + 1e-9 * fmax(1, fabs(p->step_product.log10)) ||
		         p->step_product.log10 > p->bound.log10 + 1e-9 * fmax(1, fabs(p->bound.log10)))
			snprintf(why, n, "k=%zu: norm 10^%.17g, step product 10^%.17g, bound 10^%.17g out of order", k,
			         p->norm.log10, p->step_product.log10, p->bound.log10);
		for (size_t l = 0; l < L && !why[0]; l++)
			if (!mag_ok(r->h_norm[(k - 1) * L + l]) || (r->c_norm && !mag_ok(r->c_norm[(k - 1) * L + l])) ||
			    !mag_ok(r->contribution[(k - 1) * L + l]))
				snprintf(why, n, "k=%zu, layer %zu: a block or path term is NaN or +inf", k, l);
	}
	for (size_t j = 0; j < r->T && !why[0]; j++)
		if (!mag_ok(step_norm(r, j + 1)) || !mag_ok(step_bound(r, j + 1)))
			snprintf(why, n, "j=%zu: ‖J_j‖ 10^%g, b_j 10^%g", j + 1, step_norm(r, j + 1).log10,
			         step_bound(r, j + 1).log10);
	if (!why[0] && (!mag_ok(r->loss) || !mag_ok(r->grad_norm) || isnan(r->lyap_max) ||
	                r->lyap_max == INFINITY || isnan(r->lyap_bound) || r->lyap_bound == INFINITY))
		snprintf(why, n, "loss 10^%g, gradient 10^%g, Lyapunov %g, its bound %g", r->loss.log10,
		         r->grad_norm.log10, r->lyap_max, r->lyap_bound);
	for (size_t l = 0; l < L && !why[0]; l++)
		for (size_t g = 0; g < net->G; g++)
			if (isnan(r->stats[l].gate_sigma_hh[g]) || isnan(r->stats[l].gate_radius[g]))
				snprintf(why, n, "layer %zu gate %zu: σ_max %g, radius %g", l, g, r->stats[l].gate_sigma_hh[g],
				         r->stats[l].gate_radius[g]);
}

/* One vanilla layer: the status vx_analyse gives the same model, and every
 * figure it computes, where the two forward passes agree (they sum W s,
 * U x and b in different orders, and a chaotic network, λ = 30 with tanh,
 * takes the last bits apart over 50 steps: two trajectories, two answers);
 * the net's st and err in, r NULL unless VX_OK */
static void against_vanilla(const vx_params *p, vx_status st, const vx_error *nerr, const vx_net_result *r,
                            const char *label)
{
	vx_model *m = NULL;
	vx_error err = { 0 };
	cr_assert_eq(vx_model_build(p, &m, &err), VX_OK, "%s", err.msg);
	vx_result *v = NULL;
	vx_exec ex = test_exec(m->d, 0);
	vx_status vs = vx_analyse(m, m->T, &ex, &v, &err);
	cr_expect_eq(vs, st, "%s: vx_analyse %d (%s), vx_net_analyse %d (%s)", label, vs, err.msg, st, nerr->msg);
	double apart = 0, top = 0;
	for (size_t j = 0; r && v && j < m->T; j++)
		for (size_t i = 0; i < m->d; i++) {
			double a = gsl_matrix_get(v->s, j, i);
			apart = fmax(apart, fabs(a - gsl_matrix_get(r->fwd->layer[0].h, j, i)));
			top = fmax(top, fabs(a));
		}
	/* norms and path terms come out of sums that may cancel: below 1e-12 of
	 * their largest, one exact 0 and one rounding residue both are right */
	double ntop = -INFINITY, ctop = -INFINITY;
	for (size_t k = 1; r && v && k <= r->t; k++) {
		ntop = fmax(ntop, v->paths[k - 1].norm.log10);
		ctop = fmax(ctop, v->paths[k - 1].contribution.log10);
	}
	for (size_t k = 1; r && v && apart <= 1e-13 * top && k <= r->t; k++) {
		const vx_path *a = &v->paths[k - 1];
		const vx_net_path *b = &r->paths[k - 1];
		double bn = b->norm.log10, an = a->norm.log10, bc = r->contribution[k - 1].log10, ac = a->contribution.log10;
		int nok = l10_near(bn, an) || (bn < ntop - 12 && an < ntop - 12);
		int cok = l10_near(bc, ac) || (bc < ctop - 12 && ac < ctop - 12);
		cr_expect(nok && cok && l10_near(b->step_product.log10, a->step_product.log10) &&
		          l10_near(b->bound.log10, a->bound.log10),
		          "%s k=%zu: norm, step product, bound, path term 10^(%.12g %.12g %.12g %.12g), vx_analyse 10^(%.12g %.12g %.12g %.12g)",
		          label, k, b->norm.log10, b->step_product.log10, b->bound.log10, r->contribution[k - 1].log10,
		          a->norm.log10, a->step_product.log10, a->bound.log10, a->contribution.log10);
	}
	if (r && v && apart <= 1e-13 * top)
		cr_expect(l10_near(r->loss.log10, v->loss.log10) && l10_near(r->grad_hh_norm[0].log10, v->grad_norm.log10),
		          "%s: loss 10^%.15g, ‖∂L/∂W‖ 10^%.15g; vx_analyse 10^%.15g, 10^%.15g", label, r->loss.log10,
		          r->grad_hh_norm[0].log10, v->loss.log10, v->grad_norm.log10);
	vx_result_free(v);
	vx_model_free(m);
}

/* What a generated network may answer: VX_OK, or the forward pass's refusal
 * when a relu or linear state overflows (never an internal error, never a
 * numerical routine's failure) */
static void analysed_or_refused(vx_status st, const vx_error *err, const char *label)
{
	cr_expect(st == VX_OK || (st == VX_ENONFINITE && strstr(err->msg, "forward pass")),
	          "%s: status %d (%s): %s", label, st, vx_strerror(st), err->msg);
}

/* relu at λ = 1e300 with input 1e300: W h_1 sums +∞ and −∞ at step 2, NaN,
 * which relu turned into h_2 = 0; the forward pass let it through (a NaN
 * maximum passed over by fmax) and the analysis went on with NaN
 * pre-activations where vx_analyse refused the same model */
Test(net_range, forward_pass_refuses_a_nan_pre_activation)
{
	for (size_t L = 1; L <= 3; L++) {
		vx_params p;
		options(&p, "1e300", "gaussian", "relu", "1e300", 7, 2);
		vx_net *net = build_net(&p, VX_CELL_RNN, L);
		vx_net_fwd *f = NULL;
		vx_error err = { 0 };
		vx_status st = vx_net_forward(net, &f, &err);
		cr_expect(st == VX_ENONFINITE && strstr(err.msg, "step 2 of 2"), "L=%zu: status %d: %s", L, st, err.msg);
		vx_net_fwd_free(f);
		vx_net_free(net);
	}
}

/* cells × layers 1–3 × every --norm × --init × --act (rnn); --input-scale,
 * d and T in turn, so that each value meets each cell, depth and λ */
Test(net_range, generated_networks_keep_every_number_in_range)
{
	static const size_t DS[] = { 1, 2, 7, 33 }, TS[] = { 1, 2, 50 };
	size_t turn = 0, ok = 0, refused = 0;
	for (int c = 0; c < VX_CELL_COUNT; c++)
		for (size_t L = 1; L <= 3; L++)
			for (size_t ni = 0; ni < NNORM; ni++)
				for (size_t ii = 0; ii < 3; ii++)
					for (size_t ai = 0; ai < (c == VX_CELL_RNN ? 4u : 1u); ai++, turn++) {
						const char *sc = SCALES[turn % 4];
						size_t d = DS[turn / 4 % 4], T = TS[turn / 16 % 3];
						char label[160];
						snprintf(label, sizeof label, "%s L=%zu --norm %s --init %s --act %s --input-scale %s d=%zu T=%zu",
						         vx_cell_name((vx_cell)c), L, NORMS[ni], INITS[ii], ACTS[ai], sc, d, T);
						vx_params p;
						options(&p, NORMS[ni], INITS[ii], ACTS[ai], sc, d, T);
						vx_net *net = build_net(&p, (vx_cell)c, L);
						vx_net_result *r = NULL;
						vx_error err = { 0 };
						vx_exec ex = test_exec(net->D, 1);
						vx_status st = vx_net_analyse(net, T, &ex, &r, &err);
						analysed_or_refused(st, &err, label);
						if (st == VX_OK) {
							ok++;
							char why[200];
							net_rules(net, r, why, sizeof why);
							cr_expect(why[0] == 0, "%s: %s", label, why);
							vx_net_fdcheck fd = { 0 };
							vx_status fs = vx_net_fd_check(net, r, T, 1, 8, &fd);
							cr_expect_eq(fs, VX_OK, "%s: vx_net_fd_check: status %d", label, fs);
							vx_net_fdcheck_clear(&fd);
						} else {
							refused++;
						}
						if (c == VX_CELL_RNN && L == 1)
							against_vanilla(&p, st, &err, st == VX_OK ? r : NULL, label);
						vx_net_result_free(r);
						vx_net_free(net);
					}
	cr_log_info("%zu networks analysed, %zu refused by the forward pass", ok, refused);
	cr_assert(ok > 380 && refused < 40, "%zu analysed, %zu refused", ok, refused);
}

/* The same for vx_analyse and vx_fd_check over every --act, --norm and
 * --init, with --input-scale, d and T in turn */
Test(net_range, vanilla_models_keep_every_number_in_range)
{
	static const size_t DS[] = { 1, 2, 7, 33, 64 }, TS[] = { 1, 2, 50 };
	size_t turn = 0, ok = 0;
	for (size_t ni = 0; ni < NNORM; ni++)
		for (size_t ii = 0; ii < 3; ii++)
			for (size_t ai = 0; ai < 4; ai++)
				for (size_t rep = 0; rep < 3; rep++, turn++) {
					const char *sc = SCALES[turn % 4];
					size_t d = DS[turn / 4 % 5], T = TS[turn / 20 % 3];
					char label[160];
					snprintf(label, sizeof label, "--norm %s --init %s --act %s --input-scale %s d=%zu T=%zu",
					         NORMS[ni], INITS[ii], ACTS[ai], sc, d, T);
					vx_params p;
					options(&p, NORMS[ni], INITS[ii], ACTS[ai], sc, d, T);
					vx_model *m = NULL;
					vx_error err = { 0 };
					cr_assert_eq(vx_model_build(&p, &m, &err), VX_OK, "%s: %s", label, err.msg);
					vx_result *r = NULL;
					vx_exec ex = test_exec(d, 0);
					vx_status st = vx_analyse(m, T, &ex, &r, &err);
					analysed_or_refused(st, &err, label);
					if (st == VX_OK) {
						ok++;
						for (size_t k = 1; k <= T; k++) {
							const vx_path *q = &r->paths[k - 1];
							cr_expect(mag_ok(q->norm) && mag_ok(q->step_product) && mag_ok(q->bound) &&
							          mag_ok(q->contribution), "%s k=%zu: 10^(%g %g %g %g)", label, k,
							          q->norm.log10, q->step_product.log10, q->bound.log10, q->contribution.log10);
						}
						cr_expect(mag_ok(r->loss) && mag_ok(r->grad_norm) && !isnan(r->lyap_max),
						          "%s: loss 10^%g, gradient 10^%g, Lyapunov %g", label, r->loss.log10,
						          r->grad_norm.log10, r->lyap_max);
						vx_fdcheck f;
						st = vx_fd_check(m, r, &f);
						cr_expect_eq(st, VX_OK, "%s: vx_fd_check: status %d", label, st);
					}
					vx_result_free(r);
					vx_model_free(m);
				}
	cr_log_info("%zu models analysed of %zu", ok, turn);
	cr_assert(ok > 250, "%zu analysed", ok);
}
