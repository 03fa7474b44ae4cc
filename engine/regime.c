/*
 * regime.c — the policy for "γλ equal to 1" (see regime.h).
 */
#include <math.h>
#include "engine/regime.h"

vx_regime vx_regime_of(double gamma, double lambda)
{
	double gl = gamma * lambda;   /* γ is a power of two: exact unless it underflows */
	if (fabs(gl - 1.0) <= VX_EDGE_TOL)
		return VX_REGIME_EDGE;
	return gl < 1.0 ? VX_REGIME_BELOW : VX_REGIME_ABOVE;   /* NaN: above */
}

vx_regime vx_result_regime(const vx_result *r)
{
	return vx_regime_of(r->gamma, r->lambda);
}

const char *vx_regime_name(vx_regime g)
{
	switch (g) {
	case VX_REGIME_BELOW: return "below";
	case VX_REGIME_EDGE: return "edge";
	default: return "above";
	}
}

double vx_result_gl(const vx_result *r)
{
	return vx_result_regime(r) == VX_REGIME_EDGE ? 1.0 : r->gamma * r->lambda;
}

double vx_result_ln_gl(const vx_result *r)
{
	return vx_result_regime(r) == VX_REGIME_EDGE ? 0.0 : r->lyap_bound;
}

double vx_result_lyap(const vx_result *r)
{
	return vx_result_regime(r) == VX_REGIME_EDGE && r->lyap_max > 0 ? 0.0 : r->lyap_max;
}

vx_trend vx_trend_of(size_t t, double rate, vx_mag far)
{
	if (t < 2)
		return VX_TREND_NEITHER;
	if (far.fits && far.value == 0)
		return VX_TREND_VANISHING;
	if (!isfinite(rate))
		return VX_TREND_NEITHER;
	double total = rate * (double)(t - 1);
	const double per_step = log10(1.1);
	if (total <= -1 || rate <= -per_step)
		return VX_TREND_VANISHING;
	if (total >= 1 || rate >= per_step)
		return VX_TREND_EXPLODING;
	return VX_TREND_NEITHER;
}

vx_trend vx_result_trend(const vx_result *r)
{
	return vx_trend_of(r->t, r->rate, r->paths[0].norm);   /* paths[0]: k = 1 */
}

const char *vx_trend_name(vx_trend v)
{
	switch (v) {
	case VX_TREND_VANISHING: return "vanishing";
	case VX_TREND_EXPLODING: return "exploding";
	default: return "neither";
	}
}
