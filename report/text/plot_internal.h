/*
 * plot_internal.h — PRIVATE to the plots; their interface is plot.h.
 *
 * The data model the two drawings share, and nothing else:
 *   plot.c        which points are drawn, axis ranges and ticks, tick
 *                 labels, dash patterns
 *   plot_svg.c    vxp_svg
 *   plot_cells.c  vxp_cells
 *   plot_latex.c  vxp_picture
 * Only those files include this header.
 */
#ifndef VXR_PLOT_INTERNAL_H
#define VXR_PLOT_INTERNAL_H

#include <stddef.h>

#include "engine/status.h"
#include "report/text/buf.h"
#include "report/text/plot.h"

#define MAX_TICKS 8
#define MAX_SERIES 6   /* with shared styles (vxp_series.style); 3 otherwise */
#define MAX_STYLES 3

typedef struct {
	double lo, hi;        /* the axis range */
	double ticks[MAX_TICKS + 2];
	int nticks;
	double step;          /* tick step (decades when log) */
	int log;              /* ticks read 10^v */
} axis;

/* What is drawn where: the plot with its axes. */
typedef struct {
	const vxp_plot *p;
	axis x, y;
	size_t npoints;       /* plotted points (series and marks) */
	size_t zeros;         /* log_y points at exactly 0 (y = -inf): left out */
	size_t underflows;    /* the same in a series whose -inf are underflows */
	size_t undefined;     /* NaN or infinite points otherwise: left out */
	int integral_x;       /* every x is an integer: no ticks between */
} model;

typedef enum { LBL_UNICODE, LBL_ASCII, LBL_TEX } lblstyle;

/* Whether the point (x, y) is drawn: both finite. */
int vxp_point_ok(double x, double y);

/* VX_OK when p is well formed for either drawing (not NULL, at most
 * MAX_STYLES series of their own styles and MAX_SERIES in all, styles in
 * 0..MAX_STYLES, no NULL array behind a count), else VX_EUSAGE. */
vx_status vxp_check(const vxp_plot *p);

/* The style (colour, marker, terminal role − 1, ASCII letter) of series s of
 * a checked plot: 0..MAX_STYLES − 1. */
int vxp_style(const vxp_plot *p, size_t s);
/* 1 when a series of p shares the style of another (plot.h). */
int vxp_shared(const vxp_plot *p);
/* 1 when series s has an entry of its own in the legend: a label, or a
 * style of its own ("series N" then). */
int vxp_in_legend(const vxp_plot *p, size_t s);

/* Fills m for p: the points counted as drawn, zeros and undefined, the x
 * and y ranges and their ticks (plot.h says how), at most maxtx and maxty
 * ticks, as the room the caller has allows. */
void vxp_build_model(model *m, const vxp_plot *p, int maxtx, int maxty);

/* For a plot with equal_aspect and linear y: widens m's x or y range
 * about its centre so that a unit of either takes the same length on a
 * plot area w long and h high (both in one unit), and chooses both axes'
 * ticks again, at most maxtx and maxty.  Nothing for other plots. */
void vxp_fit_aspect(model *m, double w, double h, int maxtx, int maxty);

/* The width of the widest y tick label of m in style st, as width()
 * measures one, into *w (0 without ticks); -1 when out of memory.  The
 * drawings size their left margin by it. */
int vxp_ylabel_width(const model *m, lblstyle st, double (*width)(const char *), double *w);

/* For an equal_aspect plot, fits m to its plot area, left .. right wide
 * and h high (vxp_fit_aspect); the range it widens may have wider y tick
 * labels (in style st, as width() measures them), which move *left right
 * by as much and narrow the area, fitted once more (ranges only widen).
 * *lw: the widest label before, then after.  0, or -1 out of memory. */
int vxp_fit_frame(model *m, double *left, double right, double h, int maxtx, int maxty, lblstyle st,
                  double (*width)(const char *), double *lw);

/* Where v falls on axis a: 0 at lo, 1 at hi (0 when that is not finite). */
double vxp_frac_of(const axis *a, double v);

/* The label of the tick at v on axis a: 10ⁿ (1e-4 in ASCII, $10^{n}$ in
 * TeX) on a log axis, a plain number otherwise (in TeX between $…$).  malloc'd; NULL when out of memory. */
char *vxp_label_text(const axis *a, double v, lblstyle st);

/* The dash pattern of each series of p into pat (0 solid, 1 long dash,
 * 2 dot, 3 dash-dot): a series asking to be dashed never gets the solid
 * one; no two series share one, or when styles are shared no two series of
 * one style. */
void vxp_assign_patterns(const vxp_plot *p, int pat[MAX_SERIES]);

/* How a drawing places a point: (x, y) in data units to (*X, *Y) in its
 * own (area is the drawing's frame). */
typedef void (*vxp_map_fn)(const model *m, const void *area, double x, double y, double *X, double *Y);

/* What the walk of a series hands a drawing at each vertex it keeps:
 * joined 0 starts a new piece (the first point, or the first after points
 * left out), 1 continues the line from the previous vertex; lone marks a
 * piece of one point (to be drawn as a dot). */
typedef void (*vxp_vertex_fn)(void *ctx, double X, double Y, int joined, int lone);

/* Walks series s of m's plot as a line broken where points are left out,
 * placing each point with map: a vertex closer than `near` (in the
 * drawing's units, each way) to the last one kept is skipped, unless it
 * ends a piece, so a million steps make a line of a few hundred vertices
 * that is never off by more than `near`.  Returns how many points are
 * drawn (the markers' count). */
size_t vxp_walk_series(const model *m, size_t s, vxp_map_fn map, const void *area, double near, vxp_vertex_fn fn,
                       void *ctx);

/* The markers of series s: at most about twenty, at fixed indices among
 * its `valid` drawn points, each placed with map and handed to fn; none
 * for a plain series. */
void vxp_walk_markers(const model *m, size_t s, size_t valid, vxp_map_fn map, const void *area,
                      void (*fn)(void *ctx, double X, double Y), void *ctx);

/* The note under a plot with points left out ("3 exact zeros not shown (no
 * place on a log scale); 1 undefined value not shown"), "" when none. */
void vxp_omitted_note(const model *m, char *buf, size_t n);

/* Appends v in fixed-point with at most dec decimals (0..9), trailing
 * zeros dropped when trim, without the C library's locale; magnitudes a
 * long long cannot hold at that precision as 1.234e56.  A non-finite v
 * is written as 0. */
void vxp_put_num(vxr_buf *b, double v, int dec, int trim);

#endif
