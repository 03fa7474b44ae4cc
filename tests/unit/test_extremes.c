/*
 * test_extremes.c — the engine at the edges of double precision, against
 * closed forms: λ = 10^±300 over gaps whose products leave the range of a
 * double, T = 10^6 at d = 2, activations saturated until σ' lies below the
 * doubles (10^-868, against closed forms) and beyond (counted 0),
 * ReLU units that are dead (a norm of exactly 0, carried as such and not as
 * a garbage log10), and rescaling a W whose norm does not fit a double.
 */
#include <criterion/criterion.h>
#include <float.h>
#include <gsl/gsl_errno.h>
#include <math.h>

#include "engine/analysis.h"
#include "engine/linalg.h"
#include "engine/model.h"

static void setup(void)
{
	gsl_set_error_handler_off();
}

TestSuite(extremes, .init = setup);

/* A d×d model with W = w·I, no input (U = 0, x = 0), s_0 = s0 everywhere. */
static vx_model *diag_model(vx_act act, size_t d, size_t T, double w, double s0)
{
	vx_model *m = vx_model_alloc(act, d, 1, T);
	cr_assert(m != NULL, "allocating a %zux%zu model over %zu steps", d, d, T);
	for (size_t i = 0; i < d; i++) {
		gsl_matrix_set(m->W, i, i, w);
		gsl_vector_set(m->s0, i, s0);
	}
	return m;
}

static vx_result *analyse(const vx_model *m, size_t t)
{
	vx_result *r = NULL;
	vx_error err = { 0 };
	vx_status st = vx_analyse(m, t, NULL, &r, &err);
	cr_assert_eq(st, VX_OK, "vx_analyse: status %d: %s", (int)st, err.msg);
	return r;
}

/* |a − b| <= tol·|b| (or <= tol when b is 0). */
static int close_rel(double a, double b, double tol)
{
	return fabs(a - b) <= tol * (b == 0 ? 1 : fabs(b));
}

/* ---- λ = 10^-300 and 10^300: the product over a gap of 3 is 10^∓900 ---- */

static void linear_power(double lambda, double l10)
{
	/* linear, W = λI, no input, s_0 = 0: every J_j = λI, so
	 * ‖∂s_t/∂s_k‖ = Π‖J_j‖ = (γλ)^{t−k} = λ^{t−k} exactly, log10 = l10·gap */
	vx_model *m = diag_model(VX_LINEAR, 3, 4, lambda, 0);
	vx_result *r = analyse(m, 4);
	cr_assert(close_rel(r->lambda, lambda, 1e-12), "λ = %.17g, expected %g", r->lambda, lambda);
	for (size_t k = 1; k <= 4; k++) {
		const vx_path *p = &r->paths[k - 1];
		double want = l10 * (double)(4 - k);
		cr_assert_eq(p->gap, 4 - k);
		cr_assert(close_rel(p->norm.log10, want, 1e-12), "gap %zu: log10 ‖∂s_t/∂s_k‖ = %.17g, expected %g",
		          p->gap, p->norm.log10, want);
		cr_assert(close_rel(p->step_product.log10, want, 1e-12), "gap %zu: log10 Π‖J_j‖ = %.17g, expected %g",
		          p->gap, p->step_product.log10, want);
		cr_assert(close_rel(p->bound.log10, want, 1e-12), "gap %zu: log10 (γλ)^gap = %.17g, expected %g",
		          p->gap, p->bound.log10, want);
		/* 10^±300 fits a double, 10^±600 and beyond do not */
		int fits = fabs(want) < 307;
		cr_assert_eq(p->norm.fits, fits, "gap %zu: fits = %d for 10^%g", p->gap, p->norm.fits, want);
		if (fits)
			cr_assert(close_rel(p->norm.value, pow(10, want), 1e-12), "gap %zu: value %.17g", p->gap,
			          p->norm.value);
		cr_assert(isfinite(p->norm.log10), "gap %zu: log10 not finite", p->gap);
	}
	/* the Lyapunov exponent of λI is ln λ exactly, as is its bound */
	cr_assert(close_rel(r->lyap_max, log(lambda), 1e-9), "Lyapunov %.17g, expected ln λ = %.17g", r->lyap_max,
	          log(lambda));
	cr_assert(close_rel(r->lyap_bound, log(lambda), 1e-12), "ln(γλ) = %.17g", r->lyap_bound);
	vx_result_free(r);
	vx_model_free(m);
}

Test(extremes, lambda_1e_minus_300_gap_3_is_1e_minus_900)
{
	linear_power(1e-300, -300);
	/* the headline number itself */
	vx_model *m = diag_model(VX_LINEAR, 2, 4, 1e-300, 0);
	vx_result *r = analyse(m, 4);
	cr_assert(close_rel(r->paths[0].norm.log10, -900, 1e-12), "log10 ‖∂s_4/∂s_1‖ = %.17g, expected -900",
	          r->paths[0].norm.log10);
	vx_result_free(r);
	vx_model_free(m);
}

Test(extremes, lambda_1e300_gap_3_is_1e900)
{
	linear_power(1e300, 300);
}

/* ---- T = 10^6 at d = 2 ---- */

Test(extremes, million_steps_at_d_2, .timeout = 120)
{
	/* linear, W = ½I: the gap of 999999 gives 2^-999999, log10 = −999999·log10 2 */
	const size_t T = 1000000;
	vx_model *m = diag_model(VX_LINEAR, 2, T, 0.5, 0);
	vx_result *r = analyse(m, T);
	double want = -999999.0 * log10(2.0);
	const vx_path *p = &r->paths[0];
	cr_assert_eq(p->gap, T - 1);
	cr_assert(close_rel(p->norm.log10, want, 1e-9), "log10 ‖∂s_T/∂s_1‖ = %.17g, expected %.17g", p->norm.log10,
	          want);
	cr_assert(close_rel(p->bound.log10, want, 1e-9), "log10 bound = %.17g, expected %.17g", p->bound.log10, want);
	cr_assert(!p->norm.fits, "2^-999999 cannot fit a double");
	/* and a gap of 10 inside the same run: 0.5^10 = 9.765625e-4 */
	const vx_path *q = &r->paths[T - 11];
	cr_assert_eq(q->gap, 10);
	cr_assert(q->norm.fits && close_rel(q->norm.value, 9.765625e-4, 1e-12), "0.5^10 = %.17g", q->norm.value);
	vx_result_free(r);
	vx_model_free(m);
}

/* ---- saturation: σ' far below the doubles, and beyond any horizon ---- */

/* ln σ'(a) in closed form: ln 4 − 2|a| − 2 log1p(e^−2|a|) for tanh,
 * −|a| − 2 log1p(e^−|a|) for the logistic */
static double ln_dact(vx_act act, double a)
{
	double z = fabs(a);
	return act == VX_TANH ? log(4.0) - 2 * z - 2 * log1p(exp(-2 * z)) : -z - 2 * log1p(exp(-z));
}

/* d = 2, W = ½I, U = I, b = s_0 = 0, x_j = (A, 1.1 A) over T = 3: every
 * unit saturated, σ'(a_j) from 10^-308 down to 10^-868, below the normal
 * doubles, where σ' as a double lost digits (1e-4 at A = 368, a factor of 3
 * at 372) and then came out 0.  ‖∂s_3/∂s_2‖ = ½ max σ'(a_3) and ‖∂s_3/∂s_1‖
 * = ¼ max σ'(a_3) max σ'(a_2), from the engine's own a, and the same for
 * ‖J_j‖ = ½ max σ'(a_j).  The Lyapunov exponent over three steps is
 * (1/3) ln ‖J_3 J_2 J_1 q‖ for the pass's random unit start q: at most the
 * mean of ln ‖J_j‖, and above it by ln |q_1| / 3 (|q_1| > e^-15 for any
 * but a start built against it). */
static void saturated_below_the_doubles(vx_act act, double A)
{
	vx_model *m = vx_model_alloc(act, 2, 2, 3);
	cr_assert(m != NULL);
	for (size_t i = 0; i < 2; i++) {
		gsl_matrix_set(m->W, i, i, 0.5);
		gsl_matrix_set(m->U, i, i, 1);
	}
	for (size_t j = 0; j < 3; j++) {
		gsl_matrix_set(m->x, j, 0, A);
		gsl_matrix_set(m->x, j, 1, 1.1 * A);
	}
	vx_result *r = analyse(m, 3);
	double lmax[4];   /* ln max σ'(a_j), j = 1..3 */
	for (size_t j = 1; j <= 3; j++)
		lmax[j] = fmax(ln_dact(act, gsl_matrix_get(r->a, j - 1, 0)), ln_dact(act, gsl_matrix_get(r->a, j - 1, 1)));
	double l10 = 1 / log(10.0), want2 = (log(0.5) + lmax[3]) * l10, want1 = (log(0.25) + lmax[3] + lmax[2]) * l10;
	const char *an = vx_act_name(act);
	/* the value to 1e-13 (4.3e-14 in its log10), and a few ulps of the
	 * log10 itself, which the closed form commits too */
	cr_expect(fabs(r->paths[1].norm.log10 - want2) <= 5e-14 + 1e-15 * fabs(want2),
	          "%s A=%g: log10 ‖∂s_3/∂s_2‖ = %.17g, closed form %.17g", an, A, r->paths[1].norm.log10, want2);
	cr_expect(fabs(r->paths[0].norm.log10 - want1) <= 5e-14 + 1e-15 * fabs(want1),
	          "%s A=%g: log10 ‖∂s_3/∂s_1‖ = %.17g, closed form %.17g", an, A, r->paths[0].norm.log10, want1);
	double lsum = 0;
	for (size_t j = 1; j <= 3; j++) {
		double want = (log(0.5) + lmax[j]) * l10;
		cr_expect(fabs(r->step_mag[j - 1].log10 - want) <= 5e-14 + 1e-15 * fabs(want),
		          "%s A=%g: log10 ‖J_%zu‖ = %.17g, closed form %.17g", an, A, j, r->step_mag[j - 1].log10, want);
		cr_expect(!r->step_mag[j - 1].fits && gsl_vector_get(r->step_norm, j - 1) == 0,
		          "%s A=%g: ‖J_%zu‖ below the doubles, 0 in step_norm", an, A, j);
		lsum += log(0.5) + lmax[j];
	}
	cr_expect(r->lyap_max <= lsum / 3 + 1e-12 * fabs(lsum / 3) && r->lyap_max >= lsum / 3 - 5,
	          "%s A=%g: Lyapunov %.17g against the mean of ln ‖J_j‖, %.17g", an, A, r->lyap_max, lsum / 3);
	/* the contribution of path 3: δ_3 = σ'(a_3) ⊙ (s_3 − y), s_2 ⊗ */
	cr_expect(r->paths[2].contribution.log10 < -300 && isfinite(r->paths[2].contribution.log10),
	          "%s A=%g: path 3's contribution 10^%g", an, A, r->paths[2].contribution.log10);
	vx_result_free(r);
	vx_model_free(m);
}

Test(extremes, tanh_derivatives_below_the_doubles_keep_their_digits)
{
	static const double A[] = { 355, 360, 368, 372, 373, 1000 };
	for (size_t i = 0; i < sizeof A / sizeof A[0]; i++)
		saturated_below_the_doubles(VX_TANH, A[i]);
}

Test(extremes, sigmoid_derivatives_below_the_doubles_keep_their_digits)
{
	static const double A[] = { 720, 740, 746, 2000 };
	for (size_t i = 0; i < sizeof A / sizeof A[0]; i++)
		saturated_below_the_doubles(VX_SIGMOID, A[i]);
}

static void saturated(vx_act act)
{
	/* W = 10^300 I and s_0 = ½: a_1 = 5·10^299, and σ'(a) below
	 * 2^(−2^28) at every step, beyond what a horizon's sum of powers of two
	 * carries exactly (act.h): counted 0, every J_j the zero matrix. */
	vx_model *m = diag_model(act, 3, 6, 1e300, 0.5);
	vx_result *r = analyse(m, 6);
	double l10gl = log10(vx_act_gamma(act) * 1e300);
	for (size_t j = 1; j <= 6; j++)
		cr_assert(gsl_vector_get(r->step_norm, j - 1) == 0, "%s: ‖J_%zu‖ = %g, expected exactly 0",
		          vx_act_name(act), j, gsl_vector_get(r->step_norm, j - 1));
	for (size_t k = 1; k <= 6; k++) {
		const vx_path *p = &r->paths[k - 1];
		if (p->gap == 0) {
			cr_assert(p->norm.fits && p->norm.value == 1, "%s: gap 0 is the identity, norm %g",
			          vx_act_name(act), p->norm.value);
			continue;
		}
		cr_assert(p->norm.fits && p->norm.value == 0, "%s gap %zu: norm %g, expected exactly 0",
		          vx_act_name(act), p->gap, p->norm.value);
		cr_assert(p->norm.log10 == -INFINITY, "%s gap %zu: log10 of an exact 0 is %g, expected -inf",
		          vx_act_name(act), p->gap, p->norm.log10);
		cr_assert(p->step_product.value == 0 && p->step_product.log10 == -INFINITY,
		          "%s gap %zu: step product %g", vx_act_name(act), p->gap, p->step_product.value);
		/* the bound does not know about saturation: (γ·10^300)^gap */
		cr_assert(close_rel(p->bound.log10, l10gl * (double)p->gap, 1e-12), "%s gap %zu: log10 bound %.17g",
		          vx_act_name(act), p->gap, p->bound.log10);
		cr_assert(p->contribution.value == 0, "%s gap %zu: contribution %g", vx_act_name(act), p->gap,
		          p->contribution.value);
	}
	cr_assert(r->grad_norm.value == 0, "%s: gradient %g, expected exactly 0", vx_act_name(act),
	          r->grad_norm.value);
	cr_assert(!isnan(r->lyap_max) && r->lyap_max == -INFINITY, "%s: Lyapunov %g, expected -inf",
	          vx_act_name(act), r->lyap_max);
	/* (no rate can be fitted through exact zeros: r->rate is NaN by design,
	 * and check prints the verdict "exactly 0" instead) */
	vx_result_free(r);
	vx_model_free(m);
}

Test(extremes, sigmoid_saturated_derivative_exactly_zero)
{
	saturated(VX_SIGMOID);
}

Test(extremes, tanh_saturated_derivative_exactly_zero)
{
	saturated(VX_TANH);
}

/* ---- ReLU: dead units ---- */

Test(extremes, relu_all_units_dead)
{
	/* s_0 = −1: a_1 = −1 < 0, σ'(a) = 0, s_1 = 0, then a_j = 0 with σ'(0) = 0
	 * by the engine's convention: every J_j = 0. */
	vx_model *m = diag_model(VX_RELU, 4, 5, 1, -1);
	vx_result *r = analyse(m, 5);
	for (size_t k = 1; k < 5; k++) {
		const vx_path *p = &r->paths[k - 1];
		cr_assert(p->norm.fits && p->norm.value == 0 && p->norm.log10 == -INFINITY,
		          "gap %zu: norm %g, log10 %g; expected exactly 0 and -inf", p->gap, p->norm.value, p->norm.log10);
		cr_assert(close_rel(p->bound.value, 1, 1e-12), "gap %zu: bound (γλ)^gap = 1, got %g", p->gap,
		          p->bound.value);
	}
	cr_assert(r->paths[4].norm.value == 1, "gap 0: the identity");
	vx_result_free(r);
	vx_model_free(m);
}

Test(extremes, relu_one_unit_alive_keeps_norm_one)
{
	/* s_0 = (1, −1, −1): only unit 1 is active, and stays so (a_{j,1} = 1);
	 * J_j = diag(1, 0, 0), so ‖∂s_t/∂s_k‖ = 1 for every gap while the dead
	 * units contribute exactly nothing. */
	vx_model *m = diag_model(VX_RELU, 3, 6, 1, -1);
	gsl_vector_set(m->s0, 0, 1);
	vx_result *r = analyse(m, 6);
	for (size_t k = 1; k <= 6; k++) {
		const vx_path *p = &r->paths[k - 1];
		cr_assert(close_rel(p->norm.value, 1, 1e-12) && p->norm.fits, "gap %zu: norm %.17g, expected 1", p->gap,
		          p->norm.value);
		cr_assert(close_rel(p->norm.log10, 0, 1e-12), "gap %zu: log10 %.17g, expected 0", p->gap,
		          p->norm.log10);
	}
	vx_result_free(r);
	vx_model_free(m);
}

/* ---- rescaling a W whose spectral norm does not fit a double ---- */

Test(extremes, rescale_w_with_overflowing_norm)
{
	/* W = DBL_MAX everywhere (2×2): ‖W‖₂ = 2·DBL_MAX overflows, but W/‖W‖₂
	 * is ½ everywhere.  Rescaled to λ = 1 the engine must give exactly that,
	 * or refuse with VX_ENONFINITE — never a zero W reported as rescaled. */
	vx_model *m = vx_model_alloc(VX_TANH, 2, 1, 3);
	cr_assert(m != NULL);
	gsl_matrix_set_all(m->W, DBL_MAX);
	vx_error err = { 0 };
	vx_status st = vx_model_set_norm(m, 1.0, &err);
	if (st != VX_OK) {
		cr_assert_eq(st, VX_ENONFINITE, "status %d: %s", (int)st, err.msg);
		cr_assert(err.msg[0] != '\0', "an error without a message");
		vx_model_free(m);
		return;
	}
	double nrm = 0;
	cr_assert_eq(vx_matrix_norm2(m->W, &nrm), VX_OK);
	cr_assert(close_rel(nrm, 1, 1e-12), "‖W‖₂ after rescaling = %.17g, expected 1", nrm);
	for (size_t i = 0; i < 2; i++)
		for (size_t j = 0; j < 2; j++)
			cr_assert(close_rel(gsl_matrix_get(m->W, i, j), 0.5, 1e-12), "W[%zu][%zu] = %.17g, expected 0.5", i,
			          j, gsl_matrix_get(m->W, i, j));
	vx_model_free(m);
}

Test(extremes, rescale_to_extreme_lambdas)
{
	/* a W of norm 3 (diag(3, −1)) rescaled to 10^300 and 10^-300: exact up to
	 * rounding, and the small entry 10^-300/3 still a normal double */
	double lambdas[] = { 1e300, 1e-300, DBL_MAX / 2 };
	for (size_t i = 0; i < sizeof lambdas / sizeof lambdas[0]; i++) {
		vx_model *m = vx_model_alloc(VX_LINEAR, 2, 1, 2);
		gsl_matrix_set(m->W, 0, 0, 3);
		gsl_matrix_set(m->W, 1, 1, -1);
		vx_error err = { 0 };
		vx_status st = vx_model_set_norm(m, lambdas[i], &err);
		cr_assert_eq(st, VX_OK, "λ = %g: status %d: %s", lambdas[i], (int)st, err.msg);
		cr_assert(close_rel(gsl_matrix_get(m->W, 0, 0), lambdas[i], 1e-12), "λ = %g: W[0][0] = %.17g", lambdas[i],
		          gsl_matrix_get(m->W, 0, 0));
		cr_assert(close_rel(gsl_matrix_get(m->W, 1, 1), -lambdas[i] / 3, 1e-12), "λ = %g: W[1][1] = %.17g",
		          lambdas[i], gsl_matrix_get(m->W, 1, 1));
		vx_model_free(m);
	}
}

/* ---- gradient rows 2^-600 and 2^-1050 below the largest ---- */

/* linear, d = 2, W = diag(¼, 0), U = I, x_1 = (1, 1) and x_j = (1, 0)
 * after, b = s_0 = y = 0: s_j[0] = s_{j−1}[0]/4 + 1, s_1[1] = 1 and
 * s_j[1] = 0 after.  For L_t the adjoint δ_k = (4^{k−t} s_t[0], 0), so
 * ∂L_t/∂W[0][1] = Σ_k δ_k[0] s_{k−1}[1] = 4^{2−t} s_t[0]: one row of the
 * outer products, 2^{4−2t} below the largest, which BPTT sums apart from
 * the rows near the top (analysis_bptt.c, its low part); [0][0] gathers
 * every row.  The summed loss's ∂L/∂W[0][1] = Σ_{t'=2}^{T} 4^{2−t'} s_t'[0]. */
static void far_rows(size_t T, double tol01)
{
	vx_model *m = vx_model_alloc(VX_LINEAR, 2, 2, T);
	cr_assert(m != NULL);
	gsl_matrix_set(m->W, 0, 0, 0.25);
	gsl_matrix_set(m->U, 0, 0, 1);
	gsl_matrix_set(m->U, 1, 1, 1);
	for (size_t j = 0; j < T; j++)
		gsl_matrix_set(m->x, j, 0, 1);
	gsl_matrix_set(m->x, 0, 1, 1);
	vx_result *r = analyse(m, T);
	double st = gsl_matrix_get(r->s, T - 1, 0);
	double g01 = gsl_matrix_get(r->grad_W, 0, 1), want01 = ldexp(st, 4 - 2 * (int)T);
	cr_expect_eq(r->grad_log10_scale, 0);
	cr_expect(close_rel(g01, want01, tol01), "T = %zu: ∂L_t/∂W[0][1] = %.17g, expected %.17g", T, g01, want01);
	/* [0][0] = s_t[0] Σ_k 4^{k−t} s_{k−1}[0], the far terms first */
	double sum = 0;
	for (size_t k = 2; k <= T; k++)
		sum += ldexp(gsl_matrix_get(r->s, k - 2, 0), -2 * (int)(T - k));
	double g00 = gsl_matrix_get(r->grad_W, 0, 0);
	cr_expect(close_rel(g00, st * sum, 1e-14), "T = %zu: ∂L_t/∂W[0][0] = %.17g, expected %.17g", T, g00, st * sum);
	double want = 0;
	for (size_t u = T; u >= 2; u--)
		want += ldexp(gsl_matrix_get(r->s, u - 1, 0), 4 - 2 * (int)u);
	double s01 = gsl_matrix_get(r->grad_sum_W, 0, 1);
	cr_expect(close_rel(s01, want, 1e-14), "T = %zu: ∂L/∂W[0][1] = %.17g, expected %.17g", T, s01, want);
	vx_result_free(r);
	vx_model_free(m);
}

Test(extremes, gradient_rows_far_below_the_largest_keep_their_terms)
{
	far_rows(300, 1e-15);   /* 2^-596: a normal double */
	/* 2^-1050, a subnormal (24 bits), rounded twice: in the low part's
	 * scaling and the result's */
	far_rows(527, 1e-6);
}

/* linear, d = 2, W = 0, U = I, x = (1, 0), (0, 2^-e), (1, 0), (1, 0), b =
 * s_0 = y = 0: s_j = x_j, and the summed loss's ∂L/∂W = Σ_t s_t s_{t−1}ᵀ =
 * [[1, 2^-e], [2^-e, 0]] exactly, its off-diagonal entries each from one
 * row of outer products 2^-e below the largest (the near terms of
 * analysis_bptt.c, which have no low part: such rows are scaled to the
 * largest, down to 2^-1100). */
Test(extremes, summed_gradient_keeps_rows_far_below_the_largest)
{
	int es[] = { 100, 600, 1000 };
	for (size_t q = 0; q < sizeof es / sizeof *es; q++) {
		vx_model *m = vx_model_alloc(VX_LINEAR, 2, 2, 4);
		cr_assert(m != NULL);
		gsl_matrix_set(m->U, 0, 0, 1);
		gsl_matrix_set(m->U, 1, 1, 1);
		gsl_matrix_set(m->x, 0, 0, 1);
		gsl_matrix_set(m->x, 1, 1, ldexp(1, -es[q]));
		gsl_matrix_set(m->x, 2, 0, 1);
		gsl_matrix_set(m->x, 3, 0, 1);
		vx_result *r = analyse(m, 4);
		double want[2][2] = { { 1, ldexp(1, -es[q]) }, { ldexp(1, -es[q]), 0 } };
		cr_expect_eq(r->grad_sum_log10_scale, 0);
		for (size_t i = 0; i < 2; i++)
			for (size_t j = 0; j < 2; j++)
				cr_expect_eq(gsl_matrix_get(r->grad_sum_W, i, j), want[i][j],
				             "e = %d: ∂L/∂W[%zu][%zu] = %.17g, expected %.17g", es[q], i, j,
				             gsl_matrix_get(r->grad_sum_W, i, j), want[i][j]);
		vx_result_free(r);
		vx_model_free(m);
	}
}
