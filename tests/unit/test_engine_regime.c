/*
 * test_engine_regime.c — the one policy for "γλ equal to 1" (engine/regime.h):
 * exact 1, one ulp either side, 1 ± 1e-9, the tolerance's own boundary, the
 * arithmetic of the tutor's = and + − keys, and real networks whose λ comes
 * out one ulp off 1.
 */
#include <criterion/criterion.h>
#include <float.h>
#include <gsl/gsl_errno.h>
#include <math.h>

#include "engine/analysis.h"
#include "engine/model.h"
#include "engine/params.h"
#include "engine/regime.h"
#include "test_engine_util.h"

static void setup(void)
{
	gsl_set_error_handler_off();
}

TestSuite(regime, .init = setup);

Test(regime, exact_one_and_one_ulp_either_side_are_the_edge)
{
	cr_expect_eq(vx_regime_of(1, 1), VX_REGIME_EDGE, "tanh, lambda 1");
	cr_expect_eq(vx_regime_of(0.25, 4), VX_REGIME_EDGE, "sigmoid, lambda 4");
	/* the λ of --init identity today: 1 + 2^-52 and 1 - 2^-53 */
	cr_expect_eq(vx_regime_of(1, nextafter(1, 2)), VX_REGIME_EDGE, "1.0000000000000002");
	cr_expect_eq(vx_regime_of(1, nextafter(1, 0)), VX_REGIME_EDGE, "0.9999999999999999");
	cr_expect_eq(vx_regime_of(0.25, nextafter(4, 5)), VX_REGIME_EDGE, "sigmoid, 4 + 1 ulp");
	cr_expect_eq(vx_regime_of(0.25, nextafter(4, 3)), VX_REGIME_EDGE, "sigmoid, 4 - 1 ulp");
	/* a few ulps, as a rescaled gaussian W gives (measured 1 - 2.2e-16) */
	cr_expect_eq(vx_regime_of(1, 1 - 4 * DBL_EPSILON), VX_REGIME_EDGE, "4 ulps below");
}

Test(regime, one_part_in_a_billion_is_off_the_edge)
{
	cr_expect_eq(vx_regime_of(1, 1 + 1e-9), VX_REGIME_ABOVE, "1 + 1e-9");
	cr_expect_eq(vx_regime_of(1, 1 - 1e-9), VX_REGIME_BELOW, "1 - 1e-9");
	cr_expect_eq(vx_regime_of(0.25, 4 * (1 + 1e-9)), VX_REGIME_ABOVE, "sigmoid 4(1 + 1e-9)");
	cr_expect_eq(vx_regime_of(0.25, 4 * (1 - 1e-9)), VX_REGIME_BELOW, "sigmoid 4(1 - 1e-9)");
}

Test(regime, the_tolerance_is_1e_minus_12_relative)
{
	cr_expect_eq(VX_EDGE_TOL, 1e-12);
	cr_expect_eq(vx_regime_of(1, 1 + 0.9e-12), VX_REGIME_EDGE, "0.9e-12 above");
	cr_expect_eq(vx_regime_of(1, 1 - 0.9e-12), VX_REGIME_EDGE, "0.9e-12 below");
	cr_expect_eq(vx_regime_of(1, 1 + 1.1e-12), VX_REGIME_ABOVE, "1.1e-12 above");
	cr_expect_eq(vx_regime_of(1, 1 - 1.1e-12), VX_REGIME_BELOW, "1.1e-12 below");
	/* why 1e-12 is safe to call 1: over the longest horizon vanex takes,
	 * (1 ± 1e-12)^T stays within 1e-5 of 1, so check's 4 digits print 1 */
	double T = VX_MAX_STEPS;
	cr_expect(fabs(pow(1 + 1e-12, T) - 1) < 1.01e-5 && fabs(pow(1 - 1e-12, T) - 1) < 1.01e-5,
	          "(1 +- 1e-12)^%g = %.9g, %.9g", T, pow(1 + 1e-12, T), pow(1 - 1e-12, T));
}

Test(regime, far_from_one_and_the_ends)
{
	cr_expect_eq(vx_regime_of(0.25, 3), VX_REGIME_BELOW, "0.75");
	cr_expect_eq(vx_regime_of(1, 1.1), VX_REGIME_ABOVE, "1.1");
	cr_expect_eq(vx_regime_of(1, 0), VX_REGIME_BELOW, "W = 0");
	cr_expect_eq(vx_regime_of(1, INFINITY), VX_REGIME_ABOVE, "a norm beyond a double");
	cr_expect_eq(vx_regime_of(1, NAN), VX_REGIME_ABOVE, "NaN promises no vanishing");
	cr_expect_str_eq(vx_regime_name(VX_REGIME_BELOW), "below");
	cr_expect_str_eq(vx_regime_name(VX_REGIME_EDGE), "edge");
	cr_expect_str_eq(vx_regime_name(VX_REGIME_ABOVE), "above");
}

Test(regime, the_tutors_keys_in_double_arithmetic)
{
	/* = sets λ = 1/γ; + multiplies by 1.1, − divides: the products as the
	 * keys used to take them from the last λ, each rounded */
	double gammas[] = { 0.25, 1 };
	for (int g = 0; g < 2; g++) {
		double l = 1 / gammas[g];
		cr_expect_eq(vx_regime_of(gammas[g], l), VX_REGIME_EDGE, "= with gamma %g", gammas[g]);
		cr_expect_eq(vx_regime_of(gammas[g], l * 1.1), VX_REGIME_ABOVE, "= then +");
		cr_expect_eq(vx_regime_of(gammas[g], l / 1.1), VX_REGIME_BELOW, "= then -");
		cr_expect_eq(vx_regime_of(gammas[g], l * 1.1 / 1.1), VX_REGIME_EDGE, "= + -: %.17g", l * 1.1 / 1.1);
		cr_expect_eq(vx_regime_of(gammas[g], l / 1.1 * 1.1), VX_REGIME_EDGE, "= - +: %.17g", l / 1.1 * 1.1);
		double m = l;
		for (int i = 0; i < 50; i++)
			m *= 1.1;
		for (int i = 0; i < 50; i++)
			m /= 1.1;
		cr_expect_eq(vx_regime_of(gammas[g], m), VX_REGIME_EDGE, "50 x + then 50 x -: %.17g", m);
	}
}

/* A built and analysed network, --act act --init init --norm norm --hidden d. */
static vx_result *analysed(const char *act, const char *init, const char *norm, const char *d)
{
	vx_params p;
	vx_model *m = model_of(&p, (const char *const[]){ "act", act, "init", init, "norm", norm, "hidden", d,
	                                                  "steps", "10", NULL });
	vx_result *r = analyse_ok(m, m->T);
	vx_model_free(m);
	return r;
}

Test(regime, networks_whose_lambda_is_an_ulp_off_read_exactly_one)
{
	/* W = (1 + 2^-52) I and W = (1 - 2^-53) I, whatever λ the engine makes
	 * of them; and the default gaussian W rescaled to 1 */
	const char *cases[][4] = {
		{ "linear", "identity", "1.0000000000000002", "6" },
		{ "linear", "identity", "0.99999999999999989", "32" },
		{ "tanh", "gaussian", "1", "8" },
		{ "sigmoid", "orthogonal", "4", "16" },
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		vx_result *r = analysed(cases[c][0], cases[c][1], cases[c][2], cases[c][3]);
		double gl = r->gamma * r->lambda;
		cr_expect(fabs(gl - 1) <= 4 * DBL_EPSILON, "%s %s: gamma*lambda %.17g within 4 ulps", cases[c][0],
		          cases[c][1], gl);
		cr_expect_eq(vx_result_regime(r), VX_REGIME_EDGE, "%s %s: the edge", cases[c][0], cases[c][1]);
		cr_expect_eq(vx_result_gl(r), 1.0, "%s %s: gamma*lambda read as exactly 1", cases[c][0], cases[c][1]);
		cr_expect_eq(vx_result_ln_gl(r), 0.0, "%s %s: ln read as exactly 0, not %.3g", cases[c][0],
		             cases[c][1], r->lyap_bound);
		vx_result_free(r);
	}
	/* off the edge ln(γλ) is the engine's, against the closed form */
	vx_result *r = analysed("linear", "identity", "0.5", "4");
	cr_expect_eq(vx_result_regime(r), VX_REGIME_BELOW);
	cr_expect(fabs(vx_result_ln_gl(r) - log(0.5)) < 1e-15, "ln 0.5: %.17g", vx_result_ln_gl(r));
	cr_expect_eq(vx_result_gl(r), r->gamma * r->lambda, "gamma*lambda as computed");
	vx_result_free(r);
}

/* The trend, what a network did: a factor of 10 over the window or 10% a
 * step, either way, at their boundaries (the rate is log10 per unit gap);
 * an exact 0 at the largest gap vanishes whatever the rate; no gap (t = 1)
 * or no fitted rate is neither. */
Test(regime, the_trend_at_its_thresholds)
{
	vx_mag one = vx_mag_from_log10(0), zero = vx_mag_from_log10(-INFINITY);
	double step = log10(1.1);
	/* over t = 11, ten gaps: a total of ±1 decade is a rate of ±0.1 */
	cr_expect_eq(vx_trend_of(11, -0.1, one), VX_TREND_VANISHING, "10x down over the window");
	cr_expect_eq(vx_trend_of(11, 0.1, one), VX_TREND_EXPLODING, "10x up over the window");
	cr_expect_eq(vx_trend_of(11, nextafter(-0.1, 0), one), VX_TREND_VANISHING,
	             "just short of 10x is still 10% a step (log10 1.1 = 0.041 < 0.1)");
	/* over t = 101, a hundred gaps: 10% a step decides before 10x does */
	cr_expect_eq(vx_trend_of(101, -step, one), VX_TREND_VANISHING, "10%% a step down");
	cr_expect_eq(vx_trend_of(101, step, one), VX_TREND_EXPLODING, "10%% a step up");
	cr_expect_eq(vx_trend_of(101, -0.0099, one), VX_TREND_NEITHER, "0.99 decades over 100 gaps");
	cr_expect_eq(vx_trend_of(101, -0.01, one), VX_TREND_VANISHING, "1 decade over 100 gaps");
	cr_expect_eq(vx_trend_of(2, -0.5, one), VX_TREND_VANISHING, "one gap, ×0.32");
	cr_expect_eq(vx_trend_of(2, 0.03, one), VX_TREND_NEITHER, "one gap, 7%%");
	cr_expect_eq(vx_trend_of(50, 0.5, zero), VX_TREND_VANISHING, "an exact 0 far away");
	cr_expect_eq(vx_trend_of(50, NAN, one), VX_TREND_NEITHER, "no rate");
	cr_expect_eq(vx_trend_of(1, -5, one), VX_TREND_NEITHER, "no gap");
	cr_expect_str_eq(vx_trend_name(VX_TREND_VANISHING), "vanishing");
	cr_expect_str_eq(vx_trend_name(VX_TREND_EXPLODING), "exploding");
	cr_expect_str_eq(vx_trend_name(VX_TREND_NEITHER), "neither");
}
