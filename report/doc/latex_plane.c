/*
 * latex_plane.c — a plot of points in a plane drawn to scale ({{plot
 * eigen}}: eigenvalues inside circles) in LaTeX's own picture environment,
 * beside latex.c's plots of curves (render.h, vxr_latex_plane).
 *
 * Picture mode has no circle of any radius without the pict2e package, so
 * each curve is a polygon of straight \qbezier segments (the control point
 * halfway: a straight line, in the LaTeX kernel since 1995), a square of
 * PLANE_PT points a side holds the whole range on both axes, and the three
 * series are told apart without colour: solid, dashed (every other pair
 * of segments) and dotted.
 */
#include "report/doc/render.h"

#include <math.h>
#include <stdio.h>

/* The side of the square drawing, in points. */
#define PLANE_PT 200.0

/* The smallest 1, 2 or 5 × 10^k at least v (v > 0). */
static double nice(double v)
{
	double p = pow(10, floor(log10(v)));
	double m = v / p;
	return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

void vxr_latex_plane(vxr_buf *b, const vxr_plotdata *pd, const char *legend)
{
	const vxp_plot *p = &pd->plot;
	/* the range: every point of every series and mark, symmetric about 0 */
	double R = 0;
	for (size_t s = 0; s < p->nseries; s++)
		for (size_t i = 0; i < p->series[s].n; i++)
			if (isfinite(p->series[s].x[i]) && isfinite(p->series[s].y[i]))
				R = fmax(R, fmax(fabs(p->series[s].x[i]), fabs(p->series[s].y[i])));
	for (size_t i = 0; i < p->nmarks; i++)
		if (isfinite(p->mark_x[i]) && isfinite(p->mark_y[i]))
			R = fmax(R, fmax(fabs(p->mark_x[i]), fabs(p->mark_y[i])));
	if (!(R > 0) || !isfinite(R))
		R = 1;
	double step = nice(R / 2);
	R = ceil(R * 1.05 / step) * step;
	const double half = PLANE_PT / 2;
#define PX(v) (half + (v) / R * half)
	vxr_buf_puts(b, "\\begin{center}\n\\setlength{\\unitlength}{1pt}\n");
	vxr_buf_printf(b, "\\begin{picture}(%.0f,%.0f)(-40,-28)\n", PLANE_PT + 50, PLANE_PT + 44);
	/* the frame, the real and imaginary axes through 0, ticks both ways */
	vxr_buf_printf(b, "\\put(0,0){\\line(1,0){%.0f}}\\put(0,0){\\line(0,1){%.0f}}"
	                  "\\put(%.0f,0){\\line(0,1){%.0f}}\\put(0,%.0f){\\line(1,0){%.0f}}\n",
	               PLANE_PT, PLANE_PT, PLANE_PT, PLANE_PT, PLANE_PT, PLANE_PT);
	vxr_buf_printf(b, "\\multiput(0,%.1f)(4,0){%d}{\\line(1,0){1}}\\multiput(%.1f,0)(0,4){%d}{\\line(0,1){1}}\n",
	               PX(0), (int)(PLANE_PT / 4) + 1, PX(0), (int)(PLANE_PT / 4) + 1);
	for (double v = -R; v <= R + step * 1e-9; v += step) {
		char num[48];
		vxf_num(num, sizeof num, fabs(v) < step * 1e-9 ? 0 : v, 3, VXF_TEX);
		vxr_buf_printf(b, "\\put(%.1f,0){\\line(0,-1){3}}\\put(%.1f,-10){\\makebox(0,0)[t]{\\scriptsize $%s$}}\n",
		               PX(v), PX(v), num);
		vxr_buf_printf(b, "\\put(0,%.1f){\\line(-1,0){3}}\\put(-5,%.1f){\\makebox(0,0)[r]{\\scriptsize $%s$}}\n",
		               PX(v), PX(v), num);
	}
	/* series 1 solid, 2 dashed, 3 dotted */
	for (size_t s = 0; s < p->nseries && s < 3; s++) {
		const vxp_series *se = &p->series[s];
		for (size_t i = 0; i + 1 < se->n; i++) {
			double x0 = se->x[i], y0 = se->y[i], x1 = se->x[i + 1], y1 = se->y[i + 1];
			if (!isfinite(x0) || !isfinite(y0) || !isfinite(x1) || !isfinite(y1))
				continue;
			if (s == 2) {
				if (i % 2 == 0)
					vxr_buf_printf(b, "\\put(%.2f,%.2f){\\makebox(0,0){$\\cdot$}}\n", PX(x0), PX(y0));
				continue;
			}
			if (s == 1 && i % 4 >= 2)
				continue;
			vxr_buf_printf(b, "\\qbezier(%.2f,%.2f)(%.2f,%.2f)(%.2f,%.2f)\n", PX(x0), PX(y0), PX((x0 + x1) / 2),
			               PX((y0 + y1) / 2), PX(x1), PX(y1));
		}
	}
	for (size_t i = 0; i < p->nmarks; i++)
		if (isfinite(p->mark_x[i]) && isfinite(p->mark_y[i]))
			vxr_buf_printf(b, "\\put(%.2f,%.2f){\\makebox(0,0){$\\bullet$}}\n", PX(p->mark_x[i]), PX(p->mark_y[i]));
	vxr_buf_printf(b, "\\put(%.0f,-22){\\makebox(0,0)[t]{\\small $\\operatorname{Re}\\nu$}}"
	                  "\\put(-34,%.0f){\\makebox(0,0)[l]{\\small $\\operatorname{Im}\\nu$}}\n",
	               half, PLANE_PT + 8);
	vxr_buf_puts(b, "\\end{picture}\n\n");
#undef PX
	vxr_buf_printf(b, "{\\small %s}\n\\end{center}\n", legend);
}
