/*
 * act.c — the four activations with their derivatives (see act.h).
 *
 * The derivatives are written in forms that stay accurate in the saturated
 * tails: σ(1−σ) and 1−tanh² lose every digit once σ or tanh rounds to ±1,
 * while e/(1+e)² with e = exp(−|x|) keeps full relative precision while e
 * is a normal double; vx_act_dfv_scaled carries e's power of two apart
 * beyond.
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

/* exp(−z) = m × 2^q for z >= 0: q = −k, k = round(z / ln 2), and m =
 * exp(r) in [0.7, 1.42] with r = k ln 2 − z, where k ln 2 is carried as
 * two doubles (fma gives the rounding of k × LN2 exactly, LN2_LO the rest of
 * ln 2) and p − z, p within a factor of two of z, is exact: r to a few ulps
 * at every k (a product in long double was 574 ulps off at z = 1.5e6).
 * Past k = 2^28 (z about 1.9e8) m is 0: the powers of two of 10^7 steps
 * (VX_MAX_STEPS) of that size still add up exactly in a double, and no
 * larger ones would. */
#define SPLIT_MAX 0x1p28
static double exp_neg_split(double z, double *q)
{
	static const double LN2 = 6.93147180559945286227e-01, LN2_LO = 2.319046813846299558417771e-17;
	double k = nearbyint(z / LN2);
	*q = 0;
	if (!(k < SPLIT_MAX))
		return 0;
	*q = -k;
	double p = k * LN2, pe = fma(k, LN2, -p);
	return exp((p - z) + (pe + k * LN2_LO));
}

/* The units whose σ' is formed apart: past these |x|, e = exp(−2|x|)
 * (tanh) or exp(−|x|) (the logistic) leaves the normal doubles, and with it
 * the digits of 4e/(1+e)² and e/(1+e)² */
static int split_unit(vx_act a, double x)
{
	return (a == VX_TANH && fabs(x) > 354) || (a == VX_SIGMOID && fabs(x) > 708);
}

/* σ'(x) = m × 2^q, m in [½, 1) (or 0 past SPLIT_MAX), for a split unit */
static double dsig_split(vx_act a, double x, double *q)
{
	double ax = fabs(x), z = a == VX_TANH ? 2.0 * ax : ax;
	double e = exp(-z), qq = 1.0 + e;
	double m = exp_neg_split(z, q) * (a == VX_TANH ? 4.0 : 1.0) / (qq * qq);
	int k;
	m = frexp(m, &k);
	*q += k;
	return m;
}

int vx_act_dfv_scaled(vx_act a, const double *x, double *y, size_t n, double *e)
{
	vx_act_dfv(a, x, y, n);
	/* the largest σ' of the units kept as doubles (normal numbers), then
	 * of the split ones; loops without a branch where none is split (a
	 * step's scaling is in every pass: ldexp a unit cost the vanilla
	 * analysis 4% at 256×1000) */
	double ymax = 0;
	int split = 0;
	if (a == VX_TANH || a == VX_SIGMOID)
		for (size_t i = 0; i < n; i++)
			split |= split_unit(a, x[i]);
	for (size_t i = 0; i < n; i++)
		if (!split || !split_unit(a, x[i]))
			ymax = fmax(ymax, y[i]);
	double top = -INFINITY;   /* the power of two of the largest σ' */
	if (ymax > 0) {
		int k;
		frexp(ymax, &k);
		top = k;
	}
	for (size_t i = 0; split && i < n; i++) {
		if (!split_unit(a, x[i]))
			continue;
		double q, m = dsig_split(a, x[i], &q);
		if (m > 0)
			top = fmax(top, q);
	}
	*e = 0;
	if (top == -INFINITY) {
		memset(y, 0, n * sizeof *y);
		return 0;
	}
	*e = top;
	if (!split) {
		/* top >= -1021: a power of two that a product scales by exactly,
		 * rounded as ldexp rounds */
		double f = ldexp(1.0, (int)-top);
		for (size_t i = 0; i < n; i++)
			y[i] *= f;
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		if (!split_unit(a, x[i])) {
			/* a nonzero one is a normal double: top >= -1021 then */
			y[i] = y[i] > 0 ? ldexp(y[i], (int)-top) : 0.0;
			continue;
		}
		double q, m = dsig_split(a, x[i], &q);
		double sh = q - top;   /* <= 0 */
		y[i] = m > 0 && sh > -1100 ? ldexp(m, (int)sh) : 0.0;
	}
	return 1;
}

double vx_act_df_split(vx_act a, double x, double *m)
{
	double q = 0;
	if (!split_unit(a, x)) {
		int k = 0;
		double g = vx_act_df(a, x);
		*m = frexp(g, &k);
		return g > 0 ? k : 0;
	}
	*m = dsig_split(a, x, &q);
	return *m > 0 ? q : 0;
}
