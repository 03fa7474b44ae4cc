/*
 * test_engine_fd.c — vx_fd_check: agrees on healthy networks, and catches a
 * wrong gradient (so the check itself can fail).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>
#include <gsl/gsl_errno.h>

#include "engine/analysis.h"
#include "test_engine_util.h"

static void setup(void)
{
	gsl_set_error_handler_off();
}

TestSuite(engine_fd, .init = setup);

static const char *const ACT[] = { "sigmoid", "tanh", "relu", "linear" };

Test(engine_fd, healthy_networks_pass_every_identity)
{
	size_t ds[] = { 3, 8, 40 };
	for (vx_act a = 0; a < VX_ACT_COUNT; a++)
		for (int q = 0; q < 3; q++) {
			size_t d = ds[q], T = 30;
			vx_model *m = random_model(a, d, 3, T, 0.9, 1.0, 100 + 10 * a + q);
			vx_result *r = analyse_ok(m, 25);
			vx_fdcheck f;
			cr_assert_eq(vx_fd_check(m, r, &f), VX_OK, "fd check");
			cr_expect_eq(f.j, 25, "j = t");
			cr_expect(f.k >= 17 && f.k < 25, "k = %zu within 8 steps of t", f.k);
			/* Richardson-extrapolated central differences: ~1e-12 truncation,
			 * ~1e-13/|entry| rounding; 1e-8 leaves room for small entries */
			cr_expect(f.dsda < 1e-8, "%s d=%zu dsda error %.3g", ACT[a], d, f.dsda);
			cr_expect(f.dads < 1e-8, "%s d=%zu dads error %.3g", ACT[a], d, f.dads);
			cr_expect(f.dsds < 1e-7, "%s d=%zu dsds error %.3g (k=%zu)", ACT[a], d, f.dsds, f.k);
			cr_expect(f.dLdW < 1e-7, "%s d=%zu dLdW error %.3g", ACT[a], d, f.dLdW);
			cr_expect_eq(f.columns, d < 32 ? d : 32, "columns checked");
			cr_expect(f.dLdW_entries == (d * d <= 64 ? d * d : 16), "entries checked: %zu", f.dLdW_entries);
			cr_expect_eq(f.kinks, 0, "no ReLU kinks with random inputs");
			cr_expect_eq(f.unresolved, 0, "nothing too sensitive at lambda 0.9");
			vx_result_free(r);
			vx_model_free(m);
		}
}

Test(engine_fd, a_wrong_gradient_is_caught)
{
	vx_model *m = random_model(VX_TANH, 4, 2, 10, 1.1, 1.0, 7);
	vx_result *r = analyse_ok(m, 10);
	double mx = 0;
	for (size_t i = 0; i < 16; i++)
		mx = fmax(mx, fabs(r->grad_W->data[i]));
	r->grad_W->data[5] += 0.01 * mx;   /* a 1% error in one entry */
	vx_fdcheck f;
	cr_assert_eq(vx_fd_check(m, r, &f), VX_OK, "fd check");
	cr_expect(fabs(f.dLdW - 0.01) < 1e-6, "the planted error is measured: %.9g", f.dLdW);
	cr_expect(f.dsds < 1e-7 && f.dsda < 1e-8, "the other identities still hold");
	vx_result_free(r);
	vx_model_free(m);
}

/* The check on two threads (vx_fd_check_on) is the serial one bit for bit,
 * wrong gradient caught included: the ∂L/∂W entries go in the same chunks
 * whichever thread runs them.  d = 1: one entry, one chunk; 2 and 8: every
 * entry of W (4, 64: two chunks of 2 and of 32); 40 and 130: the budget's
 * 16 (two chunks of 8); 300: 16 in one chunk, no second thread (beyond the
 * policy's two threads); ReLU with its pre-activations on the kink. */
Test(engine_fd, two_threads_give_the_serial_check_bit_for_bit)
{
	static const struct {
		vx_act act;
		size_t d, T;
		int rest;   /* no input, b = s0 = 0: on the kink */
	} cases[] = { { VX_TANH, 1, 20, 0 },   { VX_SIGMOID, 2, 30, 0 }, { VX_TANH, 8, 30, 0 },
		      { VX_RELU, 40, 25, 0 },  { VX_TANH, 130, 60, 0 },  { VX_RELU, 5, 6, 1 },
		      { VX_LINEAR, 40, 25, 0 }, { VX_TANH, 300, 8, 0 } };
	vx_exec two = { 2, 0, NULL };
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		size_t d = cases[c].d;
		vx_model *m = random_model(cases[c].act, d, 3, cases[c].T, 1.0, cases[c].rest ? 0.0 : 1.0, 700 + c);
		if (cases[c].rest) {
			gsl_vector_set_zero(m->b);
			gsl_vector_set_zero(m->s0);
		}
		vx_result *r = analyse_ok(m, cases[c].T);
		for (int planted = 0; planted < 2; planted++) {
			if (planted) {   /* a 1% error in the largest entry of ∂L/∂W */
				size_t at = 0;
				for (size_t i = 1; i < d * d; i++)
					if (fabs(r->grad_W->data[i]) > fabs(r->grad_W->data[at]))
						at = i;
				r->grad_W->data[at] *= 1.01;
			}
			vx_fdcheck f1, f2;
			cr_assert_eq(vx_fd_check(m, r, &f1), VX_OK);
			cr_assert_eq(vx_fd_check_on(m, r, &two, &f2), VX_OK);
			/* both zeroed by the engine first: padding included */
			cr_expect(memcmp(&f1, &f2, sizeof f1) == 0,
			          "case %zu (d = %zu) planted %d: dsda %.17g %.17g, dsds %.17g %.17g, dLdW %.17g %.17g, "
			          "entries %zu %zu",
			          c, d, planted, f1.dsda, f2.dsda, f1.dsds, f2.dsds, f1.dLdW, f2.dLdW, f1.dLdW_entries,
			          f2.dLdW_entries);
			if (planted && !cases[c].rest)
				cr_expect(f2.dLdW > 1e-3, "case %zu: the planted error is caught: %.3g", c, f2.dLdW);
		}
		vx_result_free(r);
		vx_model_free(m);
	}
}

Test(engine_fd, vanishing_horizon_picks_k_where_differences_resolve)
{
	/* sigmoid with λ = 1: ||ds_t/ds_k|| <= 0.25^(t-k), so beyond a few steps
	 * differences of s_t drown in rounding; the check picks k with ||.|| >= 1e-4 */
	vx_model *m = random_model(VX_SIGMOID, 6, 2, 300, 1.0, 1.0, 8);
	vx_result *r = analyse_ok(m, 300);
	vx_fdcheck f;
	cr_assert_eq(vx_fd_check(m, r, &f), VX_OK, "fd check");
	cr_expect(f.k < 300 && f.k >= 292, "k = %zu", f.k);
	cr_expect(r->paths[f.k - 1].norm.log10 >= -4, "chosen gap resolvable: 10^%g", r->paths[f.k - 1].norm.log10);
	cr_expect(f.dsds < 1e-6, "dsds error %.3g", f.dsds);
	cr_expect(f.dLdW < 1e-7, "dLdW error %.3g", f.dLdW);
	vx_result_free(r);
	vx_model_free(m);
}

Test(engine_fd, relu_at_rest_reports_its_kinks)
{
	/* no input, b = 0, s0 = 0: every pre-activation sits on the kink */
	vx_model *m = random_model(VX_RELU, 5, 1, 6, 1.0, 0.0, 9);
	gsl_vector_set_zero(m->b);
	gsl_vector_set_zero(m->s0);
	vx_result *r = analyse_ok(m, 6);
	vx_fdcheck f;
	cr_assert_eq(vx_fd_check(m, r, &f), VX_OK, "fd check");
	cr_expect_eq(f.kinks, 30, "all 6 x 5 pre-activations exactly at the kink: %zu", f.kinks);
	/* σ'(0) is a convention (0); the two-sided difference there is ½, so
	 * nothing on the kink can be compared, and nothing is called a failure */
	cr_expect(isnan(f.dsda) && f.why[0] == VX_FD_AT_KINK, "ds/da on the kink: %g, why %d", f.dsda, f.why[0]);
	cr_expect(isnan(f.dsds) && f.why[2] == VX_FD_AT_KINK, "ds_t/ds_k on the kink: %g, why %d", f.dsds,
	          f.why[2]);
	cr_expect_eq(f.at_kink, 10, "5 columns of each left out: %zu", f.at_kink);
	cr_expect(f.dads < 1e-12, "da/ds = W is linear, still compared: %g", f.dads);
	/* ∂L/∂W: with s = 0 throughout, a nudge of W moves nothing; the exact 0 */
	cr_expect(f.dLdW == 0 && f.why[3] == VX_FD_MEASURED, "dL/dW %g", f.dLdW);
	/* off the kink the same network is compared as usual */
	gsl_vector_set_all(m->b, 0.3);
	vx_result_free(r);
	r = analyse_ok(m, 6);
	cr_assert_eq(vx_fd_check(m, r, &f), VX_OK, "fd check");
	cr_expect(f.at_kink == 0 && f.dsda < 1e-9 && f.dsds < 1e-9, "b = 0.3: at_kink %zu, %g, %g", f.at_kink,
	          f.dsda, f.dsds);
	vx_result_free(r);
	vx_model_free(m);
}

Test(engine_fd, larger_sizes_are_sampled)
{
	vx_model *m = random_model(VX_TANH, 128, 4, 200, 1.0, 1.0, 10);
	vx_result *r = analyse_ok(m, 200);
	vx_fdcheck f;
	cr_assert_eq(vx_fd_check(m, r, &f), VX_OK, "fd check");
	cr_expect_eq(f.columns, 32, "32 columns");
	cr_expect(f.dLdW_entries >= 4 && f.dLdW_entries <= 16, "entries %zu", f.dLdW_entries);
	cr_expect(f.dsda < 1e-8 && f.dads < 1e-8 && f.dsds < 1e-7 && f.dLdW < 1e-7,
	          "errors %.3g %.3g %.3g %.3g", f.dsda, f.dads, f.dsds, f.dLdW);
	vx_result_free(r);
	vx_model_free(m);
}

static vx_model *built(const char *act, const char *init, const char *norm, const char *hidden,
                       const char *steps)
{
	vx_params p;
	return model_of(&p, (const char *const[]){ "act", act, "init", init, "norm", norm, "hidden", hidden,
	                                           "steps", steps, NULL });
}

Test(engine_fd, relu_differences_stop_short_of_kinks)
{
	/* with inputs, pre-activations pass close to 0 somewhere in 40 steps; a
	 * fixed step of 2^-10 crossed such kinks (errors ~1e-3), the tangent-
	 * guided step does not: between kinks the map is exactly linear */
	const char *inits[] = { "gaussian", "orthogonal", "identity" };
	for (int q = 0; q < 3; q++) {
		vx_model *m = built("relu", inits[q], "1.1", "6", "40");
		vx_result *r = analyse_ok(m, 40);
		vx_fdcheck f;
		cr_assert_eq(vx_fd_check(m, r, &f), VX_OK, "fd check");
		cr_expect(f.dsds < 1e-9 && f.dLdW < 1e-9, "relu %s: dsds %.3g dLdW %.3g", inits[q], f.dsds, f.dLdW);
		cr_expect_eq(f.unresolved, 0, "all resolved");
		vx_result_free(r);
		vx_model_free(m);
	}
}

Test(engine_fd, long_exploding_linear_horizon_is_resolved)
{
	/* linear, W = 3I, 300 steps: states near 3^300 and L_t a polynomial of
	 * degree 600 in W; steps sized by the relative motion of a_j resolve it */
	vx_model *m = built("linear", "identity", "3", "16", "300");
	vx_result *r = analyse_ok(m, 300);
	vx_fdcheck f;
	cr_assert_eq(vx_fd_check(m, r, &f), VX_OK, "fd check");
	cr_expect(f.dLdW_entries == 16 && f.unresolved == 0, "16 entries compared, %zu left out", f.unresolved);
	cr_expect(f.dLdW < 1e-8, "dLdW error %.3g", f.dLdW);
	cr_expect(f.dsds < 1e-9, "dsds error %.3g", f.dsds);
	vx_result_free(r);
	vx_model_free(m);
}

Test(engine_fd, chaotic_horizon_is_reported_unresolvable_not_failed)
{
	/* tanh with an orthogonal W of norm 3 over 300 steps: perturbations grow
	 * by far more than 2^30 before step t, so no difference of L_t in double
	 * precision measures dL_t/dW; the check says so instead of a false error */
	vx_model *m = built("tanh", "orthogonal", "3", "16", "300");
	vx_result *r = analyse_ok(m, 300);
	vx_fdcheck f;
	cr_assert_eq(vx_fd_check(m, r, &f), VX_OK, "fd check");
	cr_expect(r->lyap_max > 0.1, "chaotic: top Lyapunov exponent %g", r->lyap_max);
	cr_expect(f.unresolved >= 16 && f.dLdW_entries == 0 && isnan(f.dLdW),
	          "dLdW left out: %zu unresolved, %zu compared, %g", f.unresolved, f.dLdW_entries, f.dLdW);
	cr_expect(f.dsds < 1e-8, "the short-gap dsds is still checked: %.3g (k = %zu)", f.dsds, f.k);
	vx_result_free(r);
	vx_model_free(m);
}

Test(engine_fd, saturated_network_checks_an_exact_zero)
{
	/* sigmoid and tanh with W = 1e300 I: every unit saturated, σ' = 0
	 * exactly, ∂s_t/∂s_k = 0; the differences are exactly 0 too (a moves by
	 * a small part of itself and stays saturated), not NaN (finding F8) */
	const char *acts[] = { "sigmoid", "tanh" };
	for (int q = 0; q < 2; q++) {
		vx_model *m = built(acts[q], "identity", "1e300", "3", "6");
		vx_result *r = analyse_ok(m, 6);
		vx_fdcheck f;
		cr_assert_eq(vx_fd_check(m, r, &f), VX_OK, "fd check");
		cr_expect(r->paths[4].norm.value == 0, "%s: ds_6/ds_5 exactly 0", acts[q]);
		cr_expect(f.dsds == 0 && f.dLdW == 0 && f.dsda == 0, "%s: errors %g %g %g", acts[q], f.dsds, f.dLdW,
		          f.dsda);
		cr_expect(f.dads < 1e-12 && f.unresolved == 0, "%s: dads %g, %zu unresolved", acts[q], f.dads, f.unresolved);
		vx_result_free(r);
		vx_model_free(m);
	}
}

Test(engine_fd, full_matrices_for_callers)
{
	vx_model *m = random_model(VX_SIGMOID, 7, 2, 5, 1.0, 1.0, 11);
	vx_result *r = analyse_ok(m, 5);
	gsl_matrix *D = gsl_matrix_alloc(7, 7), *A = gsl_matrix_alloc(7, 7), *bad = gsl_matrix_alloc(6, 7);
	cr_expect_eq(vx_fd_dsda(m, r, 3, D), VX_OK, "dsda");
	cr_expect_eq(vx_fd_dads(m, r, 1, A), VX_OK, "dads at j = 1 perturbs s_0");
	for (size_t i = 0; i < 7; i++)
		for (size_t l = 0; l < 7; l++)
			cr_expect(fabs(gsl_matrix_get(A, i, l) - gsl_matrix_get(m->W, i, l)) < 1e-12, "dads = W");
	cr_expect_eq(vx_fd_dsda(m, r, 0, D), VX_EUSAGE, "j = 0");
	cr_expect_eq(vx_fd_dsda(m, r, 6, D), VX_EUSAGE, "j > T");
	cr_expect_eq(vx_fd_dads(m, r, 2, bad), VX_ESHAPE, "wrong shape");
	gsl_matrix_free(D);
	gsl_matrix_free(A);
	gsl_matrix_free(bad);
	vx_result_free(r);
	vx_model_free(m);
}

/* --act act --init init --norm norm --hidden 8 --steps 50 --input-scale in
 * (`vanex check`'s defaults otherwise), analysed and checked. */
static vx_fdcheck check_at(const char *act, const char *init, const char *norm, const char *in)
{
	vx_params p;
	vx_model *m = model_of(&p, (const char *const[]){ "act", act, "init", init, "norm", norm,
	                                                  "input-scale", in, NULL });
	vx_result *r = analyse_ok(m, m->T);
	vx_fdcheck f;
	cr_assert_eq(vx_fd_check(m, r, &f), VX_OK, "fd check");
	vx_result_free(r);
	vx_model_free(m);
	return f;
}

Test(engine_fd, tiny_norms_pass_every_identity)
{
	/* at λ <= 1e-6 (logistic) or 1e-7 (the others) a step of 2^-10 in s
	 * moved a_j by less than its own rounding, and W = ∂a_j/∂s_{j−1} and
	 * ∂s_t/∂s_k came out with relative errors up to 1; steps sized by the
	 * motion of a_j resolve them to ~1e-13 at any λ */
	static const char *norms[] = { "1e-6", "1e-7", "1e-8", "1e-12", "1e-100", "1e-300" };
	for (int a = 0; a < 4; a++)
		for (size_t n = 0; n < sizeof norms / sizeof norms[0]; n++) {
			vx_fdcheck f = check_at(ACT[a], "gaussian", norms[n], "1");
			cr_expect(f.dsda < 1e-10 && f.dads < 1e-10 && f.dsds < 1e-10 && f.dLdW < 1e-10,
			          "%s at %s: errors %.3g %.3g %.3g %.3g", ACT[a], norms[n], f.dsda, f.dads, f.dsds, f.dLdW);
			cr_expect(f.unresolved == 0 && f.at_kink == 0, "%s at %s: all compared (%zu, %zu left out)", ACT[a],
			          norms[n], f.unresolved, f.at_kink);
		}
}

Test(engine_fd, largest_norm_sigmoid_passes)
{
	/* sigmoid, ‖W‖₂ = DBL_MAX: W's entries reach 7e307, and (4 D(h/2) − D(h))/3
	 * overflowed to ∞ on W itself; σ' is 0 at every a_j (|a_j| ~ 1e307) */
	vx_fdcheck f = check_at("sigmoid", "gaussian", "1.7976931348623157e308", "1");
	cr_expect(f.dads < 1e-10, "W resolved: %.3g", f.dads);
	cr_expect(f.dsda == 0 && f.dsds == 0 && f.dLdW == 0, "exact zeros: %g %g %g", f.dsda, f.dsds, f.dLdW);
	cr_expect_eq(f.unresolved, 0, "nothing left out");
}

Test(engine_fd, zero_states_are_exact_at_any_norm)
{
	/* no input, s_0 = 0: every state is 0 and a_j = W·(the nudge) is exact
	 * for any W; the check compares it instead of calling it too sensitive */
	static const char *acts[] = { "tanh", "linear", "relu" };
	for (int a = 0; a < 3; a++) {
		vx_fdcheck f = check_at(acts[a], "gaussian", "1e100", "0");
		cr_expect(f.dads < 1e-12 && f.unresolved == 0, "%s: dads %.3g, %zu unresolved", acts[a], f.dads,
		          f.unresolved);
		if (a == 0)
			cr_expect(f.dsds < 1e-12 && f.dsda < 1e-12, "tanh: dsds %.3g dsda %.3g", f.dsds, f.dsda);
	}
}

/* Every identity of f agrees, or could not be compared for a reason. */
static void expect_no_failure(const vx_fdcheck *f, const char *what)
{
	double e[4] = { f->dsda, f->dads, f->dsds, f->dLdW };
	for (int q = 0; q < 4; q++)
		cr_expect(e[q] <= VX_FD_TOL || (isnan(e[q]) && f->why[q] != VX_FD_MEASURED),
		          "%s: identity %d has error %.3g (why %d): a FAIL", what, q, e[q], f->why[q]);
}

Test(engine_fd, saturation_is_unresolved_never_failed)
{
	/* σ rounds to ±1 (or to 1 − e^-30) and its differences keep no digit of
	 * σ' = 1e-13 … 0: that is the limit of double precision, not a wrong
	 * formula.  These said FAIL with errors up to 1. */
	static const struct { const char *act, *init, *norm; } sat[] = {
		{ "sigmoid", "identity", "30" }, { "sigmoid", "identity", "100" },
		{ "tanh", "identity", "30" }, { "tanh", "identity", "100" },
		{ "sigmoid", "orthogonal", "1e3" }, { "tanh", "gaussian", "1e3" },
		{ "sigmoid", "identity", "1.7976931348623157e308" }, { "tanh", "identity", "1.7976931348623157e308" },
	};
	for (size_t i = 0; i < sizeof sat / sizeof sat[0]; i++) {
		char what[96];
		snprintf(what, sizeof what, "%s %s %s", sat[i].act, sat[i].init, sat[i].norm);
		vx_fdcheck f = check_at(sat[i].act, sat[i].init, sat[i].norm, "1");
		expect_no_failure(&f, what);
		cr_expect(f.unresolved > 0, "%s: what cannot be resolved is counted", what);
		cr_expect_eq(f.unresolved, f.left[0] + f.left[1] + f.left[2] + f.left[3], "%s: the sum of left[]", what);
	}
	/* partly saturated: what resolves is compared and passes, the rest is
	 * left out and counted */
	vx_fdcheck f = check_at("tanh", "gaussian", "100", "1");
	expect_no_failure(&f, "tanh gaussian 100");
	cr_expect(f.dsds <= VX_FD_TOL && f.dLdW <= VX_FD_TOL, "resolved where it can be: %.3g %.3g", f.dsds,
	          f.dLdW);
	cr_expect(f.left[2] > 0 && f.left[2] < 64, "some of dsds left out: %zu", f.left[2]);
}
