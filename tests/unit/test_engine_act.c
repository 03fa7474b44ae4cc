/*
 * test_engine_act.c — activations, magnitudes, statuses and the parsing of
 * the model options.
 *
 * The maxima of σ' are located by GSL's Brent minimiser on −σ' (a search
 * that knows nothing of where they are); derivatives are checked against
 * central differences of σ and against closed forms in the tails.
 */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_min.h>

#include "engine/act.h"
#include "engine/analysis.h"
#include "engine/linalg.h"
#include "engine/params.h"
#include "engine/status.h"

static void setup(void)
{
	gsl_set_error_handler_off();
}

TestSuite(engine_act, .init = setup);

static double neg_df(double x, void *p)
{
	return -vx_act_df(*(vx_act *)p, x);
}

/* Brent's method on −σ' over [lo, hi] from a start point m */
static void find_max(vx_act a, double lo, double m, double hi, double *where, double *value)
{
	gsl_function F = { neg_df, &a };
	gsl_min_fminimizer *s = gsl_min_fminimizer_alloc(gsl_min_fminimizer_brent);
	cr_assert_eq(gsl_min_fminimizer_set(s, &F, m, lo, hi), GSL_SUCCESS, "bracket for %s", vx_act_name(a));
	for (int it = 0; it < 200; it++) {
		gsl_min_fminimizer_iterate(s);
		double l = gsl_min_fminimizer_x_lower(s), u = gsl_min_fminimizer_x_upper(s);
		if (gsl_min_test_interval(l, u, 1e-12, 0) == GSL_SUCCESS)
			break;
	}
	*where = gsl_min_fminimizer_x_minimum(s);
	*value = -gsl_min_fminimizer_f_minimum(s);
	gsl_min_fminimizer_free(s);
}

Test(engine_act, sigmoid_derivative_peaks_at_zero_with_a_quarter)
{
	double x, v;
	/* an asymmetric bracket so the search does not start on the answer */
	find_max(VX_SIGMOID, -3.0, 0.7, 5.0, &x, &v);
	/* the location of a smooth maximum is found to ~sqrt(eps) */
	cr_expect(fabs(x) < 1e-6, "argmax of sigmoid' = %.3g, expected 0 (where sigma = 1/2)", x);
	cr_expect(fabs(v - 0.25) < 1e-12, "max sigmoid' = %.17g, expected 1/4", v);
	cr_expect(fabs(vx_act_f(VX_SIGMOID, x) - 0.5) < 1e-6, "sigma at the argmax is %.17g, expected 1/2",
	          vx_act_f(VX_SIGMOID, x));
	cr_expect(fabs(vx_act_gamma(VX_SIGMOID) - v) < 1e-12, "gamma(sigmoid) = %g, search found %g",
	          vx_act_gamma(VX_SIGMOID), v);
	cr_expect(fabs(vx_act_argmax(VX_SIGMOID) - x) < 1e-6, "vx_act_argmax(sigmoid) = %g",
	          vx_act_argmax(VX_SIGMOID));
}

Test(engine_act, tanh_derivative_peaks_at_zero_with_one)
{
	double x, v;
	find_max(VX_TANH, -4.0, -0.9, 2.0, &x, &v);
	cr_expect(fabs(x) < 1e-6, "argmax of tanh' = %.3g, expected 0", x);
	cr_expect(fabs(v - 1.0) < 1e-12, "max tanh' = %.17g, expected 1", v);
	cr_expect(fabs(vx_act_gamma(VX_TANH) - v) < 1e-12, "gamma(tanh) = %g, search found %g",
	          vx_act_gamma(VX_TANH), v);
	cr_expect(fabs(vx_act_argmax(VX_TANH) - x) < 1e-6, "vx_act_argmax(tanh) = %g", vx_act_argmax(VX_TANH));
}

/* σ' <= γ for every double, not only in exact arithmetic: near 0 the
 * quotient e/(1+e)² rounds to within an ulp of γ, and ‖J_j‖ <= γλ, which
 * the engine keeps exactly, needs the computed σ' never above it.  Every
 * x = ±1.0001^-i from 1e-3 down to 1e-20, and x = 0, scalar and vector. */
Test(engine_act, derivative_never_exceeds_gamma_near_its_peak)
{
	for (vx_act a = VX_SIGMOID; a <= VX_TANH; a++) {
		double g = vx_act_gamma(a), worst = 0, at = 0;
		size_t n = 0;
		for (double x = 1e-3; x > 1e-20; x /= 1.0001)
			for (int sgn = -1; sgn <= 1; sgn += 2) {
				double v = vx_act_df(a, sgn * x), y;
				vx_act_dfv(a, &(double){ sgn * x }, &y, 1);
				n++;
				if (fmax(v, y) > worst)
					worst = fmax(v, y), at = sgn * x;
			}
		cr_expect(worst <= g, "%s: sigma'(%.17g) = %.17g > gamma = %g (%zu points)", vx_act_name(a), at, worst,
		          g, n);
		cr_expect_eq(vx_act_df(a, 0.0), g, "%s: sigma'(0) = gamma", vx_act_name(a));
	}
}

Test(engine_act, relu_and_linear_have_gamma_one)
{
	/* piecewise constant derivatives: the maximum over a fine scan */
	for (vx_act a = VX_RELU; a <= VX_LINEAR; a++) {
		double best = -1;
		for (int i = -1000; i <= 1000; i++)
			best = fmax(best, vx_act_df(a, i * 0.01));
		cr_expect_eq(best, 1.0, "max %s' over [-10,10] = %g, expected 1", vx_act_name(a), best);
		cr_expect_eq(vx_act_gamma(a), 1.0, "gamma(%s)", vx_act_name(a));
		cr_expect_eq(vx_act_df(a, vx_act_argmax(a)), 1.0, "sigma' at vx_act_argmax(%s)", vx_act_name(a));
	}
	cr_expect_eq(vx_act_df(VX_RELU, 0.0), 0.0, "relu'(0) is taken as 0");
	cr_expect_eq(vx_act_df(VX_RELU, -2.0), 0.0, "relu'(-2)");
	cr_expect_eq(vx_act_f(VX_RELU, -2.0), 0.0, "relu(-2)");
	cr_expect_eq(vx_act_f(VX_RELU, 3.5), 3.5, "relu(3.5)");
}

Test(engine_act, derivatives_match_central_differences)
{
	for (vx_act a = 0; a < VX_ACT_COUNT; a++)
		for (int i = -60; i <= 60; i++) {
			double x = i * 0.1 + 0.0123;   /* off ReLU's kink */
			double h = 1e-5;
			double fd = (vx_act_f(a, x + h) - vx_act_f(a, x - h)) / (2 * h);
			double an = vx_act_df(a, x);
			/* truncation h²|f'''|/6 <= 1e-10, rounding eps/h ~ 1e-11 */
			cr_expect(fabs(fd - an) < 1e-9, "%s'(%g) = %.15g, central difference %.15g",
			          vx_act_name(a), x, an, fd);
		}
}

Test(engine_act, derivatives_keep_precision_in_the_tails)
{
	/* closed forms: sigmoid'(x) = e^-x / (1+e^-x)^2 ~ e^-x, tanh'(x) = sech² x ~ 4 e^-2x */
	double xs[] = { 20, 40, 300, 700 };
	for (size_t i = 0; i < 4; i++) {
		double x = xs[i];
		double sg = exp(-x) / ((1 + exp(-x)) * (1 + exp(-x)));
		cr_expect(fabs(vx_act_df(VX_SIGMOID, x) / sg - 1) < 1e-13, "sigmoid'(%g) = %g, want %g", x,
		          vx_act_df(VX_SIGMOID, x), sg);
		cr_expect(fabs(vx_act_df(VX_SIGMOID, -x) / sg - 1) < 1e-13, "sigmoid'(-%g)", x);
		if (x < 350) {
			double th = 4 * exp(-2 * x) / ((1 + exp(-2 * x)) * (1 + exp(-2 * x)));
			cr_expect(fabs(vx_act_df(VX_TANH, x) / th - 1) < 1e-13, "tanh'(%g) = %g, want %g", x,
			          vx_act_df(VX_TANH, x), th);
		}
	}
	cr_expect_eq(vx_act_df(VX_SIGMOID, 800), 0.0, "sigmoid'(800) underflows to an honest 0");
	cr_expect_eq(vx_act_f(VX_SIGMOID, -800), 0.0, "sigmoid(-800) without overflow");
	cr_expect(!isnan(vx_act_df(VX_TANH, 1e308)), "tanh'(1e308) is not NaN");
}

/* ln σ'(x) in closed form, for the saturated tails */
static double ln_df(vx_act a, double x)
{
	double z = fabs(x);
	return a == VX_TANH ? log(4.0) - 2 * z - 2 * log1p(exp(-2 * z)) : -z - 2 * log1p(exp(-z));
}

Test(engine_act, scaled_derivatives_keep_their_digits_below_the_doubles)
{
	/* a step whose units all saturate: σ' from 10^-156 down to 10^-43430,
	 * where vx_act_df gives subnormals, then 0 */
	static const double X[2][6] = { { 180, -355, 360, -372.5, 1000, 5e4 }, { 360, -708, 720, -745.5, 2000, 1e5 } };
	static const vx_act A[2] = { VX_TANH, VX_SIGMOID };
	for (int q = 0; q < 2; q++) {
		double y[6], e;
		cr_assert_eq(vx_act_dfv_scaled(A[q], X[q], y, 6, &e), 1);
		for (int i = 0; i < 6; i++) {
			double want = ln_df(A[q], X[q][i]), m, k = vx_act_df_split(A[q], X[q][i], &m);
			/* the value to 1e-15 of its log: 2e-13 of a value of 10^-323 */
			double got = log(m) + k * VX_LN_2;
			cr_expect(m >= 0.5 && m < 1 && fabs(got - want) <= 1e-15 * fabs(want), "%s'(%g): ln %.17g, want %.17g",
			          vx_act_name(A[q]), X[q][i], got, want);
			if (y[i] > 0) {
				double gs = log(y[i]) + e * VX_LN_2;
				cr_expect(fabs(gs - want) <= 1e-15 * fabs(want), "%s'(%g) scaled: ln %.17g, want %.17g",
				          vx_act_name(A[q]), X[q][i], gs, want);
			} else {
				/* only a unit more than 2^1074 below the largest */
				cr_expect(want - ln_df(A[q], X[q][0]) < -1070 * VX_LN_2, "%s'(%g) scaled to 0",
				          vx_act_name(A[q]), X[q][i]);
			}
		}
		/* the largest in [½, 1): the first unit's */
		cr_expect(y[0] >= 0.5 && y[0] < 1, "%s: largest scaled σ' %.17g", vx_act_name(A[q]), y[0]);
	}
	/* far into the tails the law σ'(x + h) = σ'(x) e^{-2h} (tanh) or e^{-h}
	 * (logistic), e^{-2|x|} being 0 beside 1: exact for h = ±0.25 or 1, so
	 * that the reduction's error shows alone (in long double it was 574
	 * ulps at 1.5e6) */
	static const double FAR[] = { 360.5, 1e3, 1.5e6, 2302585.25, 1e7, 4.6e7, 9.2e7 };
	for (int q = 0; q < 2; q++)
		for (size_t i = 0; i < sizeof FAR / sizeof FAR[0]; i++) {
			double x = (q ? 2 : 1) * FAR[i], h = q ? 1.0 : 0.25, m1, m2;
			if (q && x > 1.8e8)
				continue;
			double k1 = vx_act_df_split(A[q], x, &m1), k2 = vx_act_df_split(A[q], x + h, &m2);
			double got = log(m2 / m1) + (k2 - k1) * VX_LN_2, want = -(q ? 1 : 2) * h;
			cr_expect(m1 >= 0.5 && m2 >= 0.5 && fabs(got - want) <= 4e-16, "%s' at %.17g and +%g: ln ratio %.17g, want %g",
			          vx_act_name(A[q]), x, h, got, want);
		}
	/* in the doubles' range the scaled values are vx_act_dfv's to the bit */
	double x[5] = { -3, 0.25, 7, 30, -100 }, y[5], z[5], e;
	for (vx_act a = 0; a < VX_ACT_COUNT; a++) {
		cr_assert_eq(vx_act_dfv_scaled(a, x, y, 5, &e), 1);
		vx_act_dfv(a, x, z, 5);
		for (int i = 0; i < 5; i++)
			cr_expect_eq(y[i], ldexp(z[i], (int)-e), "%s'(%g): %.17g vs %.17g", vx_act_name(a), x[i], y[i],
			             ldexp(z[i], (int)-e));
	}
	/* dead relu units: all 0 */
	double dead[3] = { -1, -2, 0 };
	cr_expect_eq(vx_act_dfv_scaled(VX_RELU, dead, y, 3, &e), 0);
	cr_expect(y[0] == 0 && y[1] == 0 && y[2] == 0 && e == 0);
	/* σ' below 2^(−2^28): counted 0; just above, kept */
	double far[1] = { 9.4e7 }, near[1] = { 9.2e7 };
	cr_expect_eq(vx_act_dfv_scaled(VX_TANH, far, y, 1, &e), 0, "tanh'(9.4e7) counted 0");
	cr_expect(vx_act_dfv_scaled(VX_TANH, near, y, 1, &e) == 1 && y[0] >= 0.5 &&
	          fabs(log(y[0]) + e * VX_LN_2 - ln_df(VX_TANH, 9.2e7)) <= 1e-15 * 1.84e8, "tanh'(9.2e7) kept");
}

Test(engine_act, vector_forms_equal_scalar_forms)
{
	double x[7] = { -30, -1.5, -0.2, 0, 0.3, 2.5, 40 }, y[7], z[7];
	for (vx_act a = 0; a < VX_ACT_COUNT; a++) {
		vx_act_fv(a, x, y, 7);
		vx_act_dfv(a, x, z, 7);
		for (int i = 0; i < 7; i++) {
			cr_expect_eq(y[i], vx_act_f(a, x[i]), "%s(%g) vector vs scalar", vx_act_name(a), x[i]);
			cr_expect_eq(z[i], vx_act_df(a, x[i]), "%s'(%g) vector vs scalar", vx_act_name(a), x[i]);
		}
	}
}

Test(engine_act, names_round_trip)
{
	const char *names[] = { "sigmoid", "tanh", "relu", "linear" };
	for (int i = 0; i < 4; i++) {
		vx_act a;
		cr_expect_eq(vx_act_parse(names[i], &a), 0, "parse %s", names[i]);
		cr_expect_eq((int)a, i, "parse %s", names[i]);
		cr_expect_str_eq(vx_act_name(a), names[i], "name of %d", i);
	}
	vx_act a;
	cr_expect_eq(vx_act_parse("Tanh", &a), -1, "names are case-sensitive");
	cr_expect_eq(vx_act_parse("", &a), -1, "empty name");
	cr_expect_eq(vx_act_parse(NULL, &a), -1, "NULL name");
}

/* ---- vx_mag ---- */

TestSuite(engine_mag, .init = setup);

Test(engine_mag, ldexp_is_exact_when_it_fits)
{
	vx_mag m = vx_mag_ldexp(0.5, -9);   /* 2^-10 */
	cr_expect(m.fits, "2^-10 fits");
	cr_expect_eq(m.value, 9.765625e-4, "2^-10 = %.17g", m.value);
	cr_expect(fabs(m.log10 + 10 * log10(2.0)) < 1e-15, "log10 2^-10 = %.17g", m.log10);
	m = vx_mag_ldexp(0.75, -2000);
	cr_expect(!m.fits, "0.75 * 2^-2000 does not fit");
	cr_expect_eq(m.value, 0.0, "value 0 when it does not fit");
	cr_expect(fabs(m.log10 - (log10(0.75) - 2000 * log10(2.0))) < 1e-12, "log10 = %.17g", m.log10);
	m = vx_mag_ldexp(0, 5);
	cr_expect(m.fits && m.value == 0 && m.log10 == -INFINITY, "zero is exact, log10 -inf");
	m = vx_mag_ldexp(DBL_MIN / 4, 0);   /* a subnormal is not a normal double */
	cr_expect(!m.fits, "subnormal counts as not fitting");
	cr_expect(fabs(m.log10 - log10(DBL_MIN / 4)) < 1e-12, "subnormal log10 %.17g", m.log10);
}

Test(engine_mag, from_log10_and_scaled)
{
	vx_mag m = vx_mag_from_log10(-602.49);
	cr_expect(!m.fits, "1e-602 does not fit");
	cr_expect_eq(m.log10, -602.49, "log10 kept");
	m = vx_mag_from_log10(2.0);
	cr_expect(m.fits && fabs(m.value - 100) < 1e-13, "10^2 = %.17g", m.value);
	m = vx_mag_from_log10(308.5);
	cr_expect(!m.fits, "10^308.5 overflows a double");
	m = vx_mag_scaled(3.0, 0);
	cr_expect(m.fits && m.value == 3.0, "scaled with 0 is exact");
	m = vx_mag_scaled(2.5, -400);
	cr_expect(!m.fits && fabs(m.log10 - (log10(2.5) - 400)) < 1e-12, "2.5e-400 log10 %.17g", m.log10);
	m = vx_mag_scaled(NAN, 0);
	cr_expect(isnan(m.value) && isnan(m.log10) && !m.fits, "NaN stays NaN");
	m = vx_mag_mul(vx_mag_from_log10(200), vx_mag_from_log10(200));
	cr_expect(!m.fits && fabs(m.log10 - 400) < 1e-12, "1e200 * 1e200 = 1e400 by log");
}

/* ---- statuses ---- */

Test(engine_mag, status_exit_codes_and_messages)
{
	cr_expect_eq(vx_status_exit(VX_OK), 0, "OK exits 0");
	cr_expect_eq(vx_status_exit(VX_EUSAGE), 2, "usage exits 2");
	for (int s = VX_ENOMEM; s <= VX_ECANCELLED; s++) {
		cr_expect_eq(vx_status_exit((vx_status)s), 1, "status %d exits 1", s);
		cr_expect(strlen(vx_strerror((vx_status)s)) > 3, "status %d has a message", s);
	}
	vx_error e;
	cr_expect_eq(vx_fail(&e, VX_EFORMAT, "%s: bad %d", "f.npy", 3), VX_EFORMAT, "vx_fail returns st");
	cr_expect_str_eq(e.msg, "f.npy: bad 3", "vx_fail formats");
	cr_expect_eq(vx_fail(NULL, VX_EIO, "x"), VX_EIO, "vx_fail with no err");
	/* bytes echoed from input cannot drive the terminal or split the line */
	vx_fail(&e, VX_EFORMAT, "name '%s'", "a\033[2Jb\nc\x7f");
	cr_expect_str_eq(e.msg, "name 'a\\x1b[2Jb\\x0ac\\x7f'", "control bytes written as \\xNN");
	char big[400];
	memset(big, '\t', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	vx_fail(&e, VX_EFORMAT, "%s", big);
	/* cut where the buffer ends: whole escapes, then "..." */
	size_t len = strlen(e.msg);
	cr_expect(len >= 3 && strcmp(e.msg + len - 3, "...") == 0, "a cut message ends in ...: %s", e.msg);
	cr_expect_eq((len - 3) % 4, 0, "escapes never cut in half: %zu", len);
	cr_expect_eq(len, 4 * ((sizeof e.msg - 4) / 4) + 3, "as many escapes as fit: %zu", len);
}

/* vx_quote against texts written out by hand: what is escaped, where a cut
 * falls (never inside an escape or a UTF-8 sequence) and the "..." after. */
Test(engine_mag, quote_escapes_and_cuts_whole_characters)
{
	char b[64];
	cr_expect_str_eq(vx_quote("plain text", SIZE_MAX, 1, b, sizeof b), "plain text");
	cr_expect_str_eq(vx_quote("a\x1b[2J\t\n\x7f~", SIZE_MAX, 0, b, sizeof b), "a\\x1b[2J\\x09\\x0a\\x7f~");
	cr_expect_str_eq(vx_quote("λ\xff", SIZE_MAX, 0, b, sizeof b), "λ\xff", "bytes from 0x80 kept");
	cr_expect_str_eq(vx_quote("λ\xff", SIZE_MAX, 1, b, sizeof b), "\\xce\\xbb\\xff", "ascii_only");
	cr_expect_str_eq(vx_quote(NULL, SIZE_MAX, 0, b, sizeof b), "", "NULL reads as empty");
	/* max_bytes counts bytes of the source */
	cr_expect_str_eq(vx_quote("abcdef", 3, 0, b, sizeof b), "abc...");
	cr_expect_str_eq(vx_quote("abc", 3, 0, b, sizeof b), "abc", "exactly max_bytes: no dots");
	cr_expect_str_eq(vx_quote("\x01\x02\x03\x04", 2, 0, b, sizeof b), "\\x01\\x02...");
	cr_expect_str_eq(vx_quote("aλb", 2, 0, b, sizeof b), "a...", "max_bytes inside λ: λ goes whole");
	/* the buffer: room for the text so far and "..." */
	cr_expect_str_eq(vx_quote("abcdefghij", SIZE_MAX, 0, b, 8), "abcd...");
	cr_expect_str_eq(vx_quote("abcdefg", SIZE_MAX, 0, b, 8), "abcdefg", "7 bytes fit 8 whole");
	cr_expect_str_eq(vx_quote("ab\x1b" "cd", SIZE_MAX, 0, b, 8), "ab...", "no half escape");
	cr_expect_str_eq(vx_quote("aλλλ", SIZE_MAX, 0, b, 7), "aλ...", "no half character");
	cr_expect_str_eq(vx_quote("abcdef", SIZE_MAX, 0, b, 3), "ab", "no room for the dots");
	cr_expect_str_eq(vx_quote("abc", SIZE_MAX, 0, b, 1), "");
	b[0] = 'x';
	vx_quote("abc", SIZE_MAX, 0, b, 0);
	cr_expect_eq(b[0], 'x', "n = 0 writes nothing");
	/* every byte value: the output is printable ASCII (ascii_only) and reads
	 * back to the input */
	for (int c = 1; c < 256; c++) {
		char in[2] = { (char)c, 0 };
		vx_quote(in, SIZE_MAX, 1, b, sizeof b);
		char back = (char)(strlen(b) == 4 ? strtol(b + 2, NULL, 16) : b[0]);
		cr_expect(strlen(b) == 1 || (b[0] == '\\' && b[1] == 'x' && strlen(b) == 4), "byte %d: %s", c, b);
		cr_expect_eq((unsigned char)back, c, "byte %d reads back from %s", c, b);
		cr_expect_eq(strlen(b) == 4, c < 0x20 || c >= 0x7f, "byte %d escaped iff not printable ASCII", c);
	}
}

/* ---- parameters ---- */

TestSuite(engine_params, .init = setup);

static vx_status set1(vx_params *p, const char *name, const char *value, char *msg)
{
	vx_error e = { 0 };
	vx_status st = vx_params_set(p, name, value, &e);
	if (msg)
		strcpy(msg, e.msg);
	return st;
}

Test(engine_params, defaults)
{
	vx_params p;
	vx_params_default(&p);
	cr_expect_eq(p.act, VX_TANH, "default act");
	cr_expect_eq(p.hidden, 8, "default hidden");
	cr_expect_eq(p.inputs, 4, "default inputs");
	cr_expect_eq(p.steps, 50, "default steps");
	cr_expect_eq(vx_params_loss_step(&p), 50, "loss step defaults to T");
	cr_expect_eq(p.norm, 0.8, "default norm: below the edge, where the bound teaches");
	cr_expect_eq(p.init, VX_INIT_GAUSSIAN, "default init");
	cr_expect_eq(p.input_scale, 1.0, "default input scale");
	cr_expect_eq(p.seed, 1, "default seed");
	cr_expect_eq(p.set, 0u, "nothing set");
	cr_expect_eq(vx_params_check(&p, NULL), VX_OK, "defaults are consistent");
}

Test(engine_params, accepts_valid_values)
{
	vx_params p;
	vx_params_default(&p);
	cr_assert_eq(set1(&p, "act", "sigmoid", NULL), VX_OK, "act sigmoid");
	cr_expect_eq(p.act, VX_SIGMOID, "act set");
	cr_assert_eq(set1(&p, "hidden", "4096", NULL), VX_OK, "hidden 4096");
	cr_expect_eq(p.hidden, 4096, "hidden set");
	cr_assert_eq(set1(&p, "hidden", "1", NULL), VX_OK, "hidden 1");
	cr_assert_eq(set1(&p, "inputs", "3", NULL), VX_OK, "inputs 3");
	cr_assert_eq(set1(&p, "steps", "1000000", NULL), VX_OK, "steps 1e6 as digits");
	cr_assert_eq(set1(&p, "t", "7", NULL), VX_OK, "t 7");
	cr_expect_eq(vx_params_loss_step(&p), 7, "loss step 7");
	/* 0 however written (even with an exponent far below a double's), and the
	 * smallest normal double 2^-1022 written out in full */
	const char *norms[] = { "0", "0.5", "3", "1e300", "1e-300", ".25", "5.", "2E3", "-0", "0e-400",
	                        "0.000e-999", "2.2250738585072014e-308" };
	double want[] = { 0, 0.5, 3, 1e300, 1e-300, 0.25, 5, 2000, 0, 0, 0, ldexp(1, -1022) };
	for (int i = 0; i < 12; i++) {
		cr_assert_eq(set1(&p, "norm", norms[i], NULL), VX_OK, "norm %s", norms[i]);
		cr_expect_eq(p.norm, want[i], "norm %s parsed as %g", norms[i], p.norm);
		cr_expect(!signbit(p.norm), "norm %s has no sign", norms[i]);
	}
	cr_assert_eq(set1(&p, "init", "orthogonal", NULL), VX_OK, "init orthogonal");
	cr_expect_eq(p.init, VX_INIT_ORTHOGONAL, "init set");
	cr_assert_eq(set1(&p, "input-scale", "0", NULL), VX_OK, "input-scale 0");
	cr_assert_eq(set1(&p, "seed", "0", NULL), VX_OK, "seed 0");
	cr_assert_eq(set1(&p, "seed", "9223372036854775807", NULL), VX_OK, "seed 2^63-1");
	cr_expect_eq(p.seed, 9223372036854775807ul, "seed 2^63-1 parsed");
	cr_assert_eq(set1(&p, "weights", "w.npy", NULL), VX_OK, "weights");
	cr_expect_str_eq(p.weights, "w.npy", "weights path kept");
	unsigned want_set = VX_SET_ACT | VX_SET_HIDDEN | VX_SET_INPUTS | VX_SET_STEPS | VX_SET_T |
	                    VX_SET_NORM | VX_SET_INIT | VX_SET_INPUT_SCALE | VX_SET_SEED | VX_SET_WEIGHTS;
	cr_expect_eq(p.set, want_set, "set bits %#x, want %#x", p.set, want_set);
}

Test(engine_params, rejects_bad_values_with_one_line)
{
	struct {
		const char *name, *value;
	} bad[] = {
		{ "act", "Tanh" }, { "act", "" }, { "act", "softmax" },
		{ "hidden", "0" }, { "hidden", "4097" }, { "hidden", "-1" }, { "hidden", "1e3" },
		{ "hidden", "8.0" }, { "hidden", " 8" }, { "hidden", "8 " }, { "hidden", "0x10" },
		{ "hidden", "" }, { "hidden", "+8" }, { "hidden", "99999999999999999999999" },
		{ "inputs", "0" }, { "inputs", "5000" },
		{ "steps", "0" }, { "steps", "10000001" }, { "steps", "ten" },
		{ "t", "0" }, { "t", "-3" },
		{ "norm", "abc" }, { "norm", "-0.5" }, { "norm", "nan" }, { "norm", "NaN" },
		{ "norm", "inf" }, { "norm", "-inf" }, { "norm", "1e999" }, { "norm", "" },
		{ "norm", " 1" }, { "norm", "1 " }, { "norm", "0x1p3" }, { "norm", "1,5" },
		{ "init", "xavier" }, { "init", "" },
		/* nonzero but below the smallest normal double: 1e-400 was read as 0,
		 * 1e-310 as a subnormal with 7 fewer digits, -1e-400 as -0 */
		{ "norm", "1e-400" }, { "norm", "1e-310" }, { "norm", "2.2250738585072e-308" },
		{ "norm", "4.9e-324" }, { "norm", "-1e-400" }, { "norm", "0.0001e-305" },
		{ "input-scale", "1e-400" }, { "input-scale", "3e-320" },
		{ "input-scale", "-1" }, { "input-scale", "infinity" },
		/* beyond what the JSON record carries as an integer (2^63-1) */
		{ "seed", "9223372036854775808" }, { "seed", "18446744073709551615" },
		{ "seed", "-1" }, { "seed", "18446744073709551616" }, { "seed", "1.5" }, { "seed", "" },
		{ "seed", "+1" }, { "weights", "" }, { "model", "" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		vx_params p;
		vx_params_default(&p);
		vx_params before = p;
		char msg[320] = "";
		cr_expect_eq(set1(&p, bad[i].name, bad[i].value, msg), VX_EUSAGE, "--%s '%s' must be rejected",
		             bad[i].name, bad[i].value);
		char opt[64];
		snprintf(opt, sizeof opt, "--%s", bad[i].name);
		cr_expect(strncmp(msg, opt, strlen(opt)) == 0, "message names the option: '%s'", msg);
		cr_expect(!strchr(msg, '\n'), "one line: '%s'", msg);
		cr_expect(memcmp(&p, &before, sizeof p) == 0, "--%s '%s' left the params unchanged",
		          bad[i].name, bad[i].value);
	}
	char msg[320];
	vx_params p;
	vx_params_default(&p);
	set1(&p, "norm", "abc", msg);
	cr_expect_str_eq(msg, "--norm: expected a finite number >= 0, got 'abc'", "norm message");
	set1(&p, "norm", "1e-400", msg);
	cr_expect_str_eq(msg, "--norm: expected 0 or a finite number from 2.2250738585072014e-308 (the smallest normal double), "
	                 "got '1e-400'", "underflow message");
	set1(&p, "hidden", "0", msg);
	cr_expect_str_eq(msg, "--hidden: expected an integer from 1 to 4096, got '0'", "hidden message");
	cr_expect_eq(set1(&p, "colour", "red", msg), VX_EUSAGE, "unknown option");
	cr_expect_str_eq(msg, "--colour: unknown option", "unknown option message");
	cr_expect_eq(set1(&p, "norm", NULL, msg), VX_EUSAGE, "missing value");
	cr_expect_str_eq(msg, "--norm: missing value", "missing value message");
	/* control bytes of a bad value are not echoed raw (ESC would reach the terminal) */
	cr_expect_eq(set1(&p, "act", "\x1b[31mred\x7f", msg), VX_EUSAGE, "escape sequence");
	cr_expect_str_eq(msg, "--act: expected sigmoid, tanh, relu or linear, got '\\x1b[31mred\\x7f'",
	                 "escaped: %s", msg);
	for (const char *c = msg; *c; c++)
		cr_expect((unsigned char)*c >= 0x20 && (unsigned char)*c < 0x7f, "printable ASCII only");
	char longv[400];
	memset(longv, '7', sizeof longv - 1);
	longv[sizeof longv - 1] = 0;
	cr_expect_eq(set1(&p, "hidden", longv, msg), VX_EUSAGE, "long value");
	cr_expect(strlen(msg) < 120 && strstr(msg, "...'"), "a long value is shortened: %s", msg);
	char huge[VX_PATH_MAX + 10];
	memset(huge, 'a', sizeof huge - 1);
	huge[sizeof huge - 1] = 0;
	cr_expect_eq(set1(&p, "weights", huge, msg), VX_EUSAGE, "over-long path");
}

Test(engine_params, cross_checks)
{
	vx_params p;
	vx_params_default(&p);
	char msg[320];
	set1(&p, "steps", "10", NULL);
	set1(&p, "t", "11", NULL);
	vx_error e = { 0 };
	cr_expect_eq(vx_params_check(&p, &e), VX_EUSAGE, "t > steps");
	cr_expect(strstr(e.msg, "--t") != NULL, "names --t: %s", e.msg);
	set1(&p, "t", "10", NULL);
	cr_expect_eq(vx_params_check(&p, &e), VX_OK, "t = steps is fine");
	set1(&p, "weights", "w.csv", NULL);
	set1(&p, "model", "m.json", NULL);
	cr_expect_eq(vx_params_check(&p, &e), VX_EUSAGE, "weights and model together");
	vx_params_default(&p);
	set1(&p, "weights", "w.csv", NULL);
	set1(&p, "init", "identity", msg);
	cr_expect_eq(vx_params_check(&p, &e), VX_EUSAGE, "init and weights together");
	cr_expect_str_eq(e.msg, "--init and --weights cannot be combined: W comes from the file");

	/* Every option a file makes meaningless, alone beside that file: refused
	 * by vx_params_conflicts (before the file is read) and vx_params_check,
	 * naming both; the options that act on the file's model stay allowed. */
	struct {
		const char *file, *opt, *value;
		int refused;
	} pairs[] = {
		{ "model", "seed", "99", 1 }, { "model", "init", "orthogonal", 1 },
		{ "model", "input-scale", "5", 1 }, { "model", "hidden", "8", 1 },
		{ "model", "inputs", "4", 1 }, { "model", "weights", "w.npy", 1 },
		{ "weights", "init", "gaussian", 1 }, { "weights", "hidden", "8", 1 },
		{ "model", "act", "relu", 0 }, { "model", "norm", "2", 0 }, { "model", "steps", "9", 0 },
		{ "model", "t", "3", 0 }, { "weights", "seed", "5", 0 }, { "weights", "inputs", "3", 0 },
		{ "weights", "input-scale", "0", 0 }, { "weights", "norm", "2", 0 },
		{ "weights", "steps", "9", 0 },
	};
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		vx_params_default(&p);
		cr_assert_eq(set1(&p, pairs[i].file, "f", NULL), VX_OK);
		cr_assert_eq(set1(&p, pairs[i].opt, pairs[i].value, NULL), VX_OK);
		e.msg[0] = '\0';
		vx_status c1 = vx_params_conflicts(&p, &e);
		char want[96];
		snprintf(want, sizeof want, "--%s and --%s cannot be combined: ", pairs[i].opt, pairs[i].file);
		if (pairs[i].refused) {
			cr_expect_eq(c1, VX_EUSAGE, "--%s with --%s must be refused", pairs[i].opt, pairs[i].file);
			cr_expect(strncmp(e.msg, want, strlen(want)) == 0, "names both: '%s'", e.msg);
			cr_expect_eq(vx_params_check(&p, NULL), VX_EUSAGE, "check refuses --%s with --%s too",
			             pairs[i].opt, pairs[i].file);
		} else {
			cr_expect_eq(c1, VX_OK, "--%s with --%s is allowed: %s", pairs[i].opt, pairs[i].file, e.msg);
		}
	}
	cr_expect(vx_params_is_option("input-scale") && vx_params_is_option("seed"), "known options");
	cr_expect(!vx_params_is_option("json") && !vx_params_is_option("--norm"), "unknown options");
	vx_init i;
	cr_expect(vx_init_parse("identity", &i) == 0 && i == VX_INIT_IDENTITY, "init parse");
	cr_expect_str_eq(vx_init_name(VX_INIT_GAUSSIAN), "gaussian", "init name");
}
