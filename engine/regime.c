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
