/*
 * blocks_internal.h — private to the files that build the live blocks'
 * plain data (blocks.c, blocks_gated.c): the small constructors of tables,
 * cells and plot frames they share.  Each is static inline, so every file
 * gets its own copy and none of them is exported.
 */
#ifndef VXR_BLOCKS_INTERNAL_H
#define VXR_BLOCKS_INTERNAL_H

#include <math.h>
#include <stdlib.h>
#include "report/doc/render.h"

/* ---- tables ---- */

/* An empty table of nrows × ncols cells (zeroed), NULL when out of memory;
 * freed with vxr_table_free. */
static inline vxr_table *table_alloc(size_t ncols, size_t nrows)
{
	vxr_table *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->ncols = ncols;
	t->nrows = nrows;
	t->cells = calloc(ncols * (nrows ? nrows : 1), sizeof *t->cells);
	if (!t->cells) {
		free(t);
		return NULL;
	}
	return t;
}

/* Cells of each kind. */
static inline vxr_cell cint(long long i)
{
	vxr_cell c = { VXR_CELL_INT, i, { 0, 0, 1 }, 0, NULL };
	return c;
}

static inline vxr_cell cmag(vx_mag m)
{
	vxr_cell c = { VXR_CELL_MAG, 0, m, 0, NULL };
	return c;
}

static inline vxr_cell cnum(double v)
{
	vxr_cell c = { VXR_CELL_NUM, 0, { 0, 0, 1 }, v, NULL };
	return c;
}

static inline vxr_cell ctext(const char *s)
{
	vxr_cell c = { VXR_CELL_TEXT, 0, { 0, 0, 1 }, 0, s };
	return c;
}

/* Picks up to `want` of the gaps 0..G, log-spaced so that both the first
 * steps and the far end show; sorted ascending.  Returns how many. */
static inline size_t pick_log(size_t G, size_t want, size_t *out)
{
	if (G + 1 <= want) {
		for (size_t g = 0; g <= G; g++)
			out[g] = g;
		return G + 1;
	}
	unsigned char *used = calloc(G + 1, 1);
	if (!used)
		return 0;
	size_t n = 0;
	for (size_t i = 0; i < want; i++) {
		double g = round(pow((double)G + 1, (double)i / (double)(want - 1)) - 1);
		size_t gi = g < 0 ? 0 : g > (double)G ? G : (size_t)g;
		if (!used[gi]) {
			used[gi] = 1;
			n++;
		}
	}
	for (size_t g = 0; n < want && g <= G; g++)
		if (!used[g]) {
			used[g] = 1;
			n++;
		}
	n = 0;
	for (size_t g = 0; g <= G; g++)
		if (used[g])
			out[n++] = g;
	free(used);
	return n;
}

/* ---- the gated cells beside the network (blocks_gated.c) ---- */

/* {{table gates}}: per gap t − k (12 on a log scale), this network's
 * ‖∂s_t/∂s_k‖₂ beside the LSTM's ‖∂c_t/∂c_k‖₂ and ‖∂h_t/∂h_k‖₂ and the GRU's
 * ‖∂h_t/∂h_k‖₂ (report/doc/env.h, vxr_env_gated). */
vx_status vxr_table_gates(vxr_env *env, vxr_table **out, vx_error *err);
/* {{plot gates}}: the vanilla ‖∂s_t/∂s_k‖₂, the LSTM's ‖∂c_t/∂c_k‖₂ and the
 * GRU's ‖∂h_t/∂h_k‖₂ against t − k, log scale, with the table as fallback. */
vx_status vxr_plot_gates(vxr_env *env, vxr_plotdata *pd, int utf8, vx_error *err);

/* ---- plots ---- */

/* The log10 a plot draws of a magnitude (beyond a double too). */
static inline double l10_of(vx_mag m)
{
	return m.log10;
}

/* The frame of a plot: its ns series, the y scale and the axes' labels,
 * in UTF-8 (or ASCII) and for LaTeX. */
static inline void plot_frame(vxp_plot *p, size_t ns, int log_y, const char *xlabel, const char *ylabel,
                              const char *xlabel_tex, const char *ylabel_tex)
{
	p->nseries = ns;
	p->log_y = log_y;
	p->xlabel = xlabel;
	p->ylabel = ylabel;
	p->xlabel_tex = xlabel_tex;
	p->ylabel_tex = ylabel_tex;
}

#endif
