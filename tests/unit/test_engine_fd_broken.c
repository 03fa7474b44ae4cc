/*
 * test_engine_fd_broken.c — the finite-difference check says FAIL when a
 * derivative formula is wrong, at the extreme norms where it must never cry
 * wolf (λ = 1e-6 … 1e-300, sigmoid at λ = 1.8e308) as at λ = 1.
 *
 * This file replaces the engine's activation module (engine/act.c) at link
 * time: it defines every function of engine/act.h, so the linker takes none
 * from libvanex.a.  σ is right; σ' is right times (1 + broken_rel) plus
 * broken_add·γ.  Everything analytic in the engine (σ'(a_j), ∂s_t/∂s_k,
 * BPTT's ∂L_t/∂W) then carries the broken σ', while the differences, which
 * only ever evaluate σ, measure the true one: the check must see the gap.
 */
#include <criterion/criterion.h>
#include <gsl/gsl_errno.h>
#include <math.h>
#include <string.h>

#include "engine/act.h"
#include "engine/analysis.h"
#include "engine/model.h"
#include "engine/params.h"
#include "test_engine_util.h"

static double broken_rel = 0, broken_add = 0;

/* ---- the activation module, σ' broken on demand ---- */

static const char *const names[VX_ACT_COUNT] = { "sigmoid", "tanh", "relu", "linear" };

const char *vx_act_name(vx_act a)
{
	return (unsigned)a < VX_ACT_COUNT ? names[a] : "?";
}

int vx_act_parse(const char *name, vx_act *out)
{
	for (unsigned i = 0; name && i < VX_ACT_COUNT; i++)
		if (strcmp(name, names[i]) == 0) {
			*out = (vx_act)i;
			return 0;
		}
	return -1;
}

double vx_act_f(vx_act a, double x)
{
	switch (a) {
	case VX_SIGMOID: return x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x));
	case VX_TANH:    return tanh(x);
	case VX_RELU:    return x > 0 ? x : 0;
	case VX_LINEAR:  return x;
	}
	return NAN;
}

double vx_act_gamma(vx_act a)
{
	return a == VX_SIGMOID ? 0.25 : 1;
}

double vx_act_argmax(vx_act a)
{
	return a == VX_RELU ? 1 : 0;
}

double vx_act_df(vx_act a, double x)
{
	double e, q, g;
	switch (a) {
	case VX_SIGMOID: e = exp(-fabs(x)); q = 1 + e; g = e / (q * q); break;
	case VX_TANH:    e = exp(-2 * fabs(x)); q = 1 + e; g = 4 * e / (q * q); break;
	case VX_RELU:    g = x > 0; break;
	default:         g = 1; break;
	}
	return g * (1 + broken_rel) + broken_add * vx_act_gamma(a);
}

void vx_act_fv(vx_act a, const double *x, double *y, size_t n)
{
	for (size_t i = 0; i < n; i++)
		y[i] = vx_act_f(a, x[i]);
}

void vx_act_dfv(vx_act a, const double *x, double *y, size_t n)
{
	for (size_t i = 0; i < n; i++)
		y[i] = vx_act_df(a, x[i]);
}

/* the scaled forms from the broken σ' (the tests here keep σ' in the
 * doubles' normal range) */
int vx_act_dfv_scaled(vx_act a, const double *x, double *y, size_t n, double *e)
{
	double mx = 0;
	vx_act_dfv(a, x, y, n);
	for (size_t i = 0; i < n; i++)
		mx = fmax(mx, y[i]);
	*e = 0;
	if (mx == 0)
		return 0;
	int k;
	frexp(mx, &k);
	*e = k;
	for (size_t i = 0; i < n; i++)
		y[i] = ldexp(y[i], -k);
	return 1;
}

double vx_act_df_split(vx_act a, double x, double *m)
{
	int k;
	double g = vx_act_df(a, x);
	*m = frexp(g, &k);
	return g > 0 ? k : 0;
}

/* ---- the check on `vanex check --act A --norm N` (d = 8, T = 50, seed 1) ---- */

static void setup(void)
{
	gsl_set_error_handler_off();
}

TestSuite(fd_broken, .init = setup);

static void check_of(const char *act, const char *norm, vx_fdcheck *f)
{
	vx_params p;
	vx_model *m = model_of(&p, (const char *const[]){ "act", act, "norm", norm, NULL });
	vx_result *r = analyse_ok(m, m->T);
	cr_assert_eq(vx_fd_check(m, r, f), VX_OK, "%s %s: fd check", act, norm);
	vx_result_free(r);
	vx_model_free(m);
}

static const char *const ACTS[] = { "sigmoid", "tanh", "relu", "linear" };
static const char *const NORMS[] = { "1", "1e-6", "1e-7", "1e-12", "1e-100", "1e-300" };

Test(fd_broken, the_activation_here_is_right_when_not_broken)
{
	/* the same cases with σ' intact: every identity agrees, nothing left out,
	 * so what the tests below see is the break and nothing else */
	for (int a = 0; a < 4; a++)
		for (size_t n = 0; n < sizeof NORMS / sizeof NORMS[0]; n++) {
			vx_fdcheck f;
			check_of(ACTS[a], NORMS[n], &f);
			cr_expect(f.dsda <= VX_FD_TOL && f.dads <= VX_FD_TOL && f.dsds <= VX_FD_TOL
			          && f.dLdW <= VX_FD_TOL && f.unresolved == 0,
			          "%s at %s: %.3g %.3g %.3g %.3g, %zu unresolved", ACTS[a], NORMS[n], f.dsda, f.dads,
			          f.dsds, f.dLdW, f.unresolved);
		}
}

Test(fd_broken, a_wrong_derivative_fails_at_every_norm)
{
	/* σ' 0.1% too small (too large would break σ' <= γ, which the engine
	 * checks of its own norms and reports as its own error):
	 * ∂s_j/∂a_j = diag(σ') is off by 1e-3 relative (of the analytic
	 * 0.999 σ': 1e-3/0.999), ∂s_t/∂s_k = Π diag(σ')W by about gap × 1e-3,
	 * ∂L_t/∂W by at least the 1e-3 of its nearest path; W itself
	 * (∂a_j/∂s_{j−1}) stays right */
	broken_rel = -1e-3;
	for (int a = 0; a < 4; a++)
		for (size_t n = 0; n < sizeof NORMS / sizeof NORMS[0]; n++) {
			vx_fdcheck f;
			check_of(ACTS[a], NORMS[n], &f);
			double gap = (double)(f.j - f.k);
			cr_expect(fabs(f.dsda - 1e-3 / 0.999) < 1e-9, "%s at %s: dsda %.9g, the planted 1e-3", ACTS[a],
			          NORMS[n], f.dsda);
			cr_expect(f.dads <= VX_FD_TOL, "%s at %s: W is right, dads %.3g", ACTS[a], NORMS[n], f.dads);
			cr_expect(f.dsds > 0.9e-3 * gap && f.dsds < 1.1e-3 * gap, "%s at %s: dsds %.3g at gap %g", ACTS[a],
			          NORMS[n], f.dsds, gap);
			cr_expect(f.dLdW > 0.5e-3 && f.dLdW < 1, "%s at %s: dLdW %.3g", ACTS[a], NORMS[n], f.dLdW);
			cr_expect_eq(f.unresolved, 0, "%s at %s: nothing put down to rounding, %zu", ACTS[a], NORMS[n],
			             f.unresolved);
		}
}

Test(fd_broken, a_wrong_derivative_fails_in_saturation)
{
	/* sigmoid at λ = 1.8e308: |a_j| ~ 1e307, σ'(a_j) = 0 and the differences
	 * of σ exactly 0; a σ' that is 1e-3 γ there instead is wrong everywhere
	 * the check looks, and nothing about it is below rounding */
	vx_fdcheck f;
	check_of("sigmoid", "1.7976931348623157e308", &f);
	cr_expect(f.dsda == 0 && f.dsds == 0 && f.dLdW == 0 && f.dads <= VX_FD_TOL,
	          "intact: exact zeros and W: %.3g %.3g %.3g %.3g", f.dsda, f.dads, f.dsds, f.dLdW);
	broken_add = 1e-3;
	check_of("sigmoid", "1.7976931348623157e308", &f);
	cr_expect(f.dsda == 1 && f.dsds == 1, "an analytic 2.5e-4 against differences of 0: %.3g %.3g", f.dsda,
	          f.dsds);
	/* BPTT through 49 steps of 2.5e-4 W, W ~ 1e307: beyond a double */
	cr_expect(isnan(f.dLdW) && f.why[3] == VX_FD_TOO_LARGE, "dLdW %.3g, why %d", f.dLdW, f.why[3]);
	cr_expect(f.dads <= VX_FD_TOL, "W is right: %.3g", f.dads);
}
