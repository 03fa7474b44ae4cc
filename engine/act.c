/*
 * act.c — the four activations with their derivatives (see act.h).
 *
 * The derivatives are written in forms that stay accurate in the saturated
 * tails: σ(1−σ) and 1−tanh² lose every digit once σ or tanh rounds to ±1,
 * while e/(1+e)² with e = exp(−|x|) keeps full relative precision until it
 * underflows to an honest 0.
 */
#include <math.h>
#include <string.h>
#include "engine/act.h"

static const char *const act_names[VX_ACT_COUNT] = { "sigmoid", "tanh", "relu", "linear" };

const char *vx_act_name(vx_act a)
{
	return (unsigned)a < VX_ACT_COUNT ? act_names[a] : "?";
}

int vx_act_parse(const char *name, vx_act *out)
{
	if (!name)
		return -1;
	for (unsigned i = 0; i < VX_ACT_COUNT; i++)
		if (strcmp(name, act_names[i]) == 0) {
			*out = (vx_act)i;
			return 0;
		}
	return -1;
}

static double sigmoid(double x)
{
	if (x >= 0)
		return 1.0 / (1.0 + exp(-x));
	double e = exp(x);   /* no overflow for very negative x */
	return e / (1.0 + e);
}

/* Both derivatives are capped at γ, their true maximum: for |x| below about
 * 3e-8 the rounded quotient came out one ulp above it (σ'(1e-9) =
 * 0.25000000000000006), and ‖J_j‖ ≤ γλ, which the engine keeps exactly,
 * needs max σ' ≤ γ. */
static double dsigmoid(double x)
{
	double e = exp(-fabs(x));
	double q = 1.0 + e;
	return fmin(e / (q * q), 0.25);
}

static double dtanh(double x)
{
	/* sech²x = 4e/(1+e)² with e = exp(−2|x|) */
	double e = exp(-2.0 * fabs(x));
	double q = 1.0 + e;
	return fmin(4.0 * e / (q * q), 1.0);
}

double vx_act_f(vx_act a, double x)
{
	switch (a) {
	case VX_SIGMOID: return sigmoid(x);
	case VX_TANH:    return tanh(x);
	case VX_RELU:    return x > 0 ? x : 0.0;
	case VX_LINEAR:  return x;
	}
	return NAN;
}

double vx_act_df(vx_act a, double x)
{
	switch (a) {
	case VX_SIGMOID: return dsigmoid(x);
	case VX_TANH:    return dtanh(x);
	case VX_RELU:    return x > 0 ? 1.0 : 0.0;
	case VX_LINEAR:  return 1.0;
	}
	return NAN;
}

double vx_act_gamma(vx_act a)
{
	return a == VX_SIGMOID ? 0.25 : 1.0;
}

double vx_act_argmax(vx_act a)
{
	/* ReLU's σ' is 1 on the whole open half-line; 1 is one such point
	 * (0 itself is not: σ'(0) is taken as 0).  Linear: every point. */
	return a == VX_RELU ? 1.0 : 0.0;
}

void vx_act_fv(vx_act a, const double *x, double *y, size_t n)
{
	switch (a) {
	case VX_SIGMOID: for (size_t i = 0; i < n; i++) y[i] = sigmoid(x[i]); break;
	case VX_TANH:    for (size_t i = 0; i < n; i++) y[i] = tanh(x[i]); break;
	case VX_RELU:    for (size_t i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : 0.0; break;
	case VX_LINEAR:  if (y != x) memmove(y, x, n * sizeof *y); break;
	}
}

void vx_act_dfv(vx_act a, const double *x, double *y, size_t n)
{
	switch (a) {
	case VX_SIGMOID: for (size_t i = 0; i < n; i++) y[i] = dsigmoid(x[i]); break;
	case VX_TANH:    for (size_t i = 0; i < n; i++) y[i] = dtanh(x[i]); break;
	case VX_RELU:    for (size_t i = 0; i < n; i++) y[i] = x[i] > 0 ? 1.0 : 0.0; break;
	case VX_LINEAR:  for (size_t i = 0; i < n; i++) y[i] = 1.0; break;
	}
}
