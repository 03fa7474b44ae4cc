/*
 * test_check.c — how `vanex check` words its finite-difference result:
 * hand-made vx_fdcheck records (one per situation vx_fd_check can report)
 * against the outcome and the text they must give.  The NaN cases are the
 * ones vx_fd_check documents (engine/analysis.h): every entry unresolvable,
 * or the analytic value beyond a double.
 */
#include <criterion/criterion.h>
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/model.h"
#include "engine/params.h"
#include "report/check.h"
#include "test_engine_util.h"

static void setup(void)
{
	gsl_set_error_handler_off();
}

TestSuite(check, .init = setup);

/* Errors of a healthy check: all well below VXR_FD_TOL = 1e-6. */
static vx_fdcheck healthy(void)
{
	vx_fdcheck f;
	memset(&f, 0, sizeof f);
	f.j = 20;
	f.k = 12;
	f.dsda = 1e-13;
	f.dads = 2e-13;
	f.dsds = 3e-12;
	f.dLdW = 4e-11;
	f.dLdW_entries = 64;
	f.columns = 8;
	return f;
}

Test(check, outcomes_of_each_situation)
{
	vx_fdcheck f = healthy();
	cr_expect_eq(vxr_fd_overall(&f), VXR_FD_PASSED, "all errors below 1e-6 pass");
	cr_expect(vxr_fd_pass(&f), "vxr_fd_pass agrees");

	f.dLdW = 2e-6;
	cr_expect_eq(vxr_fd_item(&f, 3), VXR_FD_FAILED, "2e-6 > 1e-6 fails");
	cr_expect_eq(vxr_fd_overall(&f), VXR_FD_FAILED, "one failure fails the check");

	/* No entry resolvable: NaN with 0 entries and a count of left-outs. */
	f = healthy();
	f.dLdW = NAN;
	f.dLdW_entries = 0;
	f.unresolved = 16;
	f.why[3] = VX_FD_UNRESOLVED;
	cr_expect_eq(vxr_fd_item(&f, 3), VXR_FD_UNRESOLVED, "unresolved dL/dW");
	cr_expect_eq(vxr_fd_overall(&f), VXR_FD_UNRESOLVED, "unresolved overall, not a pass");
	cr_expect(!vxr_fd_pass(&f), "never a pass");
	f.dsda = 0.5;
	cr_expect_eq(vxr_fd_overall(&f), VXR_FD_FAILED, "a real failure elsewhere still fails");

	/* The gradient beyond a double: NaN, nothing compared, nothing left out. */
	f = healthy();
	f.dLdW = NAN;
	f.dLdW_entries = 0;
	f.why[3] = VX_FD_TOO_LARGE;
	cr_expect_eq(vxr_fd_overall(&f), VXR_FD_TOO_LARGE, "too large to compare");

	/* NaN with entries compared is a real failure (a NaN difference). */
	f = healthy();
	f.dLdW = NAN;
	f.unresolved = 3;
	cr_expect_eq(vxr_fd_item(&f, 3), VXR_FD_FAILED, "NaN among compared entries fails");

	/* Every column of ds_t/ds_k unresolved, against the product too large. */
	f = healthy();
	f.dsds = NAN;
	f.unresolved = 8;
	f.why[2] = VX_FD_UNRESOLVED;
	cr_expect_eq(vxr_fd_item(&f, 2), VXR_FD_UNRESOLVED, "all 8 columns unresolved");
	f.unresolved = 0;
	f.why[2] = VX_FD_TOO_LARGE;
	cr_expect_eq(vxr_fd_item(&f, 2), VXR_FD_TOO_LARGE, "product beyond a double");
	f = healthy();
	f.dsda = NAN;
	cr_expect_eq(vxr_fd_item(&f, 0), VXR_FD_FAILED, "NaN in a one-step derivative fails");

	/* Every column on a ReLU kink: not compared, neither pass nor fail; an
	 * unresolved or failed item elsewhere outranks it. */
	f.why[0] = VX_FD_AT_KINK;
	f.at_kink = 8;
	cr_expect_eq(vxr_fd_item(&f, 0), VXR_FD_AT_KINK, "at a kink");
	cr_expect_eq(vxr_fd_overall(&f), VXR_FD_AT_KINK, "at a kink overall");
	cr_expect(!vxr_fd_pass(&f), "never a pass");
	f.dLdW = NAN;
	f.why[3] = VX_FD_UNRESOLVED;
	cr_expect_eq(vxr_fd_overall(&f), VXR_FD_UNRESOLVED, "unresolved outranks a kink");
	f.dads = 1e-3;
	cr_expect_eq(vxr_fd_overall(&f), VXR_FD_FAILED, "a failure outranks both");
}

/* check's text (ASCII) or JSON for the options opt (name, value, ..., NULL)
 * with the finite-difference record fd (NULL: not run), loss at t = T. */
static char *output_of(const char *const *opt, const vx_fdcheck *fd, int json)
{
	vx_params p;
	vx_model *m = model_of(&p, opt);
	vx_result *r = analyse_ok(m, m->T);
	vx_error err = { 0 };
	vxr_check c = { &p, m, r, fd };
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	cr_assert(out != NULL);
	if (json)
		cr_assert_eq(vxr_check_json(out, &c, &err), VX_OK, "json: %s", err.msg);
	else
		cr_assert_eq(vxr_check_text(out, &c, 0, &err), VX_OK, "text: %s", err.msg);
	fclose(out);
	vx_result_free(r);
	vx_model_free(m);
	return buf;
}

/* The text of check for a small network with the given fd record, ASCII. */
static char *text_with(const vx_fdcheck *fd)
{
	return output_of((const char *const[]){ "hidden", "4", "steps", "20", NULL }, fd, 0);
}

Test(check, unresolved_text_is_neither_pass_nor_fail)
{
	vx_fdcheck f = healthy();
	f.dLdW = NAN;
	f.dLdW_entries = 0;
	f.unresolved = 16;
	f.why[3] = VX_FD_UNRESOLVED;
	char *s = text_with(&f);
	cr_expect(strstr(s, "finite-difference check: unresolved, neither pass nor FAIL: 16 entries\n") != NULL,
	          "the verdict names the 16 left out:\n%s", s);
	cr_expect(strstr(s, "resolve in double precision") != NULL, "double precision named:\n%s", s);
	cr_expect(strstr(s, "so\n  dL_t/dW could not be compared") != NULL, "dL_t/dW named:\n%s", s);
	cr_expect(strstr(s, " FAIL\n") == NULL && strstr(s, "check: FAIL") == NULL, "no FAIL:\n%s", s);
	cr_expect(strstr(s, "check: pass") == NULL, "no pass claimed:\n%s", s);
	cr_expect(strstr(s, "nan") == NULL, "no nan printed:\n%s", s);
	free(s);

	f = healthy();
	s = text_with(&f);
	cr_expect(strstr(s, "finite-difference check: pass\n") != NULL, "healthy record passes:\n%s", s);
	free(s);

	f.dads = 3e-3;
	s = text_with(&f);
	cr_expect(strstr(s, "0.003   FAIL\n") != NULL && strstr(s, "finite-difference check: FAIL\n") != NULL,
	          "a 3e-3 error fails:\n%s", s);
	free(s);
}

/* The verdict in each reader's notation, on a linear network with W = ½ I:
 * ∂s_t/∂s_k = 2^-(t-k) I, so the rate is log10 ½ = -0.30103 per step. */
Test(check, verdict_of_a_halving_network_in_each_notation)
{
	vx_params p;
	vx_params_default(&p);
	vx_error err = { 0 };
	cr_assert_eq(vx_params_set(&p, "act", "linear", &err), VX_OK, "%s", err.msg);
	cr_assert_eq(vx_params_set(&p, "init", "identity", &err), VX_OK, "%s", err.msg);
	cr_assert_eq(vx_params_set(&p, "norm", "0.5", &err), VX_OK, "%s", err.msg);
	cr_assert_eq(vx_params_set(&p, "steps", "20", &err), VX_OK, "%s", err.msg);
	vx_model *m = NULL;
	vx_result *r = NULL;
	cr_assert_eq(vx_model_build(&p, &m, &err), VX_OK, "model: %s", err.msg);
	cr_assert_eq(vx_analyse(m, 20, &r, &err), VX_OK, "analyse: %s", err.msg);
	cr_expect(fabs(r->rate - log10(0.5)) < 1e-12, "rate %.17g", r->rate);
	static const struct { vxr_notation note; const char *want; } cases[] = {
		{ VXR_NOTE_ASCII, "vanishing: |ds_t/ds_k| shrinks x0.5 per step (10^-0.3)" },
		{ VXR_NOTE_UNICODE, "vanishing: \u2016\u2202s_t/\u2202s_k\u2016 shrinks \u00d70.5 per step (10^-0.3)" },
		{ VXR_NOTE_SUBSCRIPT,
		  "vanishing: \u2016\u2202s\u209c/\u2202s\u2096\u2016 shrinks \u00d70.5 per step (10^\u22120.3)" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char line[160];
		cr_expect_eq(vxr_verdict(r, cases[i].note, line, sizeof line), VXR_VANISHING, "vanishing");
		cr_expect_str_eq(line, cases[i].want, "notation %d", (int)cases[i].note);
	}
	vx_result_free(r);
	vx_model_free(m);
}

/* check's text (ASCII) or JSON for --act act --init init --norm norm
 * --hidden d --steps 10, with the finite-difference check left out. */
static char *check_of(const char *act, const char *init, const char *norm, const char *d, int json)
{
	return output_of((const char *const[]){ "act", act, "init", init, "norm", norm, "hidden", d, "steps", "10",
	                                        NULL }, NULL, json);
}

/* W = (1 + 2^-52) I, (1 - 2^-53) I, and a gaussian W rescaled to 1: γλ comes
 * out an ulp or two off 1 (1.0000000000000002, 0.9999999999999999, ...), and
 * check must call it the edge, with ln(γλ) = 0, never ln(γλ) = 2.22e-16. */
Test(check, gamma_lambda_an_ulp_off_one_reads_as_the_edge)
{
	const char *cases[][4] = {
		{ "linear", "identity", "1.0000000000000002", "6" },
		{ "linear", "identity", "0.99999999999999989", "32" },
		{ "tanh", "gaussian", "1", "8" },
		{ "sigmoid", "orthogonal", "4", "16" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *s = check_of(cases[i][0], cases[i][1], cases[i][2], cases[i][3], 0);
		cr_expect(strstr(s, "    gamma*lambda = 1\n") != NULL, "%s: gamma*lambda = 1:\n%s", cases[i][1], s);
		cr_expect(strstr(s, "\ngamma*lambda = 1 to 1e-12: the edge, the bound stays at 1 and decides "
		                    "nothing\n") != NULL, "%s %s: the edge:\n%s", cases[i][0], cases[i][1], s);
		cr_expect(strstr(s, "against its bound ln(gamma*lambda) = 0 (the edge: gamma*lambda = 1 to 1e-12)\n")
		          != NULL, "%s %s: ln printed as 0:\n%s", cases[i][0], cases[i][1], s);
		cr_expect(strstr(s, "ln(gamma*lambda) = 2.22e-16") == NULL && strstr(s, "ln(gamma*lambda) = -1.11e-16")
		          == NULL, "no rounding noise as ln:\n%s", s);
		free(s);
		s = check_of(cases[i][0], cases[i][1], cases[i][2], cases[i][3], 1);
		cr_expect(strstr(s, "\"regime\": \"edge\"") != NULL, "%s %s: JSON regime", cases[i][0], cases[i][1]);
		cr_expect(strstr(s, "\"lyapunov\": {\"max_exponent\": ") != NULL && strstr(s, ", \"bound\": 0.0}") != NULL,
		          "%s %s: JSON ln(gamma*lambda) 0:\n%.300s", cases[i][0], cases[i][1], strstr(s, "\"lyapunov\""));
		free(s);
	}
}

/* Off the edge, each side in the same words as the tutor, and a γλ that is
 * off the edge by 1e-7 is printed with the digits that show it. */
Test(check, each_side_of_the_edge_in_words)
{
	char *s = check_of("linear", "identity", "0.5", "4", 0);
	cr_expect(strstr(s, "\ngamma*lambda < 1: the bound shrinks geometrically, gradients vanish\n") != NULL, "%s", s);
	cr_expect(strstr(s, "against its bound ln(gamma*lambda) = -0.6931\n") != NULL, "ln 0.5:\n%s", s);
	free(s);
	s = check_of("linear", "identity", "1.1", "4", 0);
	cr_expect(strstr(s, "\ngamma*lambda > 1: the bound grows, explosion is possible (not certain)\n") != NULL,
	          "%s", s);
	free(s);
	s = check_of("linear", "identity", "0.9999999", "4", 0);
	cr_expect(strstr(s, "    gamma*lambda = 0.9999999\n") != NULL, "not printed as 1:\n%s", s);
	cr_expect(strstr(s, "\ngamma*lambda < 1: ") != NULL, "below:\n%s", s);
	free(s);
	s = check_of("linear", "identity", "1.0000000001", "4", 1);
	cr_expect(strstr(s, "\"regime\": \"above\"") != NULL, "1 + 1e-10 is above in JSON");
	free(s);
}
