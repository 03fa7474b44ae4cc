/*
 * fd_pair.h — the Richardson pair both finite-difference checks difference
 * with (fdcheck.c for the vanilla analysis, net_fd.c for networks):
 * D(h) = (f(x+h) − f(x−h)) / 2h and the estimate (4 D(h/2) − D(h)) / 3,
 * error O(h⁴).  Engine-internal.
 */
#ifndef VX_FD_PAIR_H
#define VX_FD_PAIR_H

/* The four evaluation points: x+h, x−h, x+h/2, x−h/2. */
static inline void vx_fd_points(double x, double h, double pt[4])
{
	pt[0] = x + h;
	pt[1] = x - h;
	pt[2] = x + 0.5 * h;
	pt[3] = x - 0.5 * h;
}

/* The estimate from f at those points, each difference divided by the step
 * as rounded ((x+h) − (x−h)), written as d2 + (d2 − d1)/3 so that 4 d2
 * cannot overflow when the derivative is near the largest double. */
static inline double vx_fd_combine(const double pt[4], const double f[4])
{
	double d1 = (f[0] - f[1]) / (pt[0] - pt[1]);
	double d2 = (f[2] - f[3]) / (pt[2] - pt[3]);
	return d2 + (d2 - d1) / 3.0;
}

#endif
