/*
 * mag.c — magnitudes that may lie outside the range of a double (vx_mag).
 *
 * The engine carries long products as mantissa × 2^exponent: scaling by a
 * power of two is exact, so a value that does fit a double comes out with
 * the same bits as the direct product would have, and one that does not
 * keeps an accurate log10.
 */
#include <float.h>
#include <math.h>
#include "engine/act.h"
#include "engine/analysis.h"
#include "engine/linalg.h"


static vx_mag mag_zero(void)
{
	vx_mag m = { 0.0, -INFINITY, 1 };
	return m;
}

static vx_mag mag_nan(void)
{
	vx_mag m = { NAN, NAN, 0 };
	return m;
}

static int is_normal_value(double v)
{
	return isfinite(v) && v >= DBL_MIN;
}

vx_mag vx_mag_from_log10(double l10)
{
	if (isnan(l10))
		return mag_nan();
	if (l10 == -INFINITY)
		return mag_zero();
	vx_mag m = { 0.0, l10, 0 };
	if (l10 < 309 && l10 > -309) {
		double v = pow(10.0, l10);
		if (is_normal_value(v)) {
			m.value = v;
			m.fits = 1;
		}
	}
	return m;
}

vx_mag vx_mag_scaled(double mant, double l10scale)
{
	if (isnan(mant) || isnan(l10scale) || mant < 0)
		return mag_nan();
	if (mant == 0)
		return mag_zero();
	if (l10scale == 0) {
		vx_mag m = { mant, log10(mant), is_normal_value(mant) };
		if (!m.fits)
			m.value = 0;
		return m;
	}
	return vx_mag_from_log10(log10(mant) + l10scale);
}

vx_mag vx_mag_ldexp(double mant, double e2)
{
	if (isnan(mant) || isnan(e2) || mant < 0)
		return mag_nan();
	if (mant == 0)
		return mag_zero();
	if (isinf(mant)) {
		vx_mag m = { 0.0, INFINITY, 0 };
		return m;
	}
	/* split the mantissa so its exponent joins e2 (also handles subnormals) */
	int e;
	double f = frexp(mant, &e);
	double ex = e2 + e;
	vx_mag m = { 0.0, log10(f) + ex * VX_LOG10_2, 0 };
	if (ex > -1100 && ex < 1100) {
		double v = ldexp(f, (int)ex);
		if (is_normal_value(v)) {
			m.value = v;
			m.fits = 1;
		}
	}
	return m;
}

vx_mag vx_mag_mul(vx_mag a, vx_mag b)
{
	if (a.fits && b.fits) {
		double v = a.value * b.value;
		if (v == 0 && (a.value == 0 || b.value == 0))
			return mag_zero();
		if (is_normal_value(v)) {
			vx_mag m = { v, log10(v), 1 };
			return m;
		}
	}
	return vx_mag_from_log10(a.log10 + b.log10);
}

vx_mag vx_dact_mag(vx_act a, double x)
{
	double m, e = vx_act_df_split(a, x, &m);
	return vx_mag_ldexp(m, e);
}
