/*
 * xd.h — a real number as a mantissa and a power of two, m × 2^e with |m|
 * in [½, 1), or 0 with e = 0: for products of factors that each fit a
 * double while the product does not (a saturated σ' times a gate value,
 * 10^-868; a GRU's ¼ m_u σ_r at λ = 1e300), each product rounded once as
 * in double arithmetic.
 */
#ifndef VX_XD_H
#define VX_XD_H

#include <math.h>

typedef struct {
	double m;
	long e;
} vx_xd;

static inline vx_xd vx_xd_of(double v)
{
	int e = 0;
	vx_xd x = { frexp(v, &e), 0 };
	x.e = x.m != 0 ? e : 0;
	return x;
}

static inline vx_xd vx_xd_mul(vx_xd a, vx_xd b)
{
	vx_xd x = vx_xd_of(a.m * b.m);
	if (x.m != 0)
		x.e += a.e + b.e;
	return x;
}

#endif
