/*
 * blocks.h — private to the live blocks (blocks.c and blocks_*.c): the
 * table of blocks and the builders it points to.
 *
 * One row of vxr_blocks (blocks.c) per block: the words of its tag and
 * the functions that build its plain data.  A new block is a value of
 * vxr_blk_kind (tpl.h), its builders in a file of its own (blocks_KIND.c)
 * declared here, and one row of the table; the parser, the walker and
 * the builders of render.h find it there.
 */
#ifndef VXR_BLOCKS_H
#define VXR_BLOCKS_H

#include <math.h>
#include <stdlib.h>
#include "report/doc/render.h"

/* Builds the table block o shows (or, for a plot, the same data as a
 * table, for the targets without graphics): *out the caller's, freed with
 * vxr_table_free; NULL on error. */
typedef vx_status (*vxr_table_fn)(vxr_env *env, const vxr_obj *o, vxr_table **out, vx_error *err);
/* Fills pd (zeroed but for plot.series, which points to pd->series) with
 * the plot block o shows, in UTF-8 or ASCII labels; pd->fallback is the
 * caller's to fill.  On error pd may hold buffers: the caller frees it
 * with vxr_plotdata_free. */
typedef vx_status (*vxr_plot_fn)(vxr_env *env, const vxr_obj *o, int utf8, vxr_plotdata *pd, vx_error *err);

typedef struct {
	vxr_blk_kind blk;
	const char *kw;       /* the tag's keyword: {{table …}}, {{plot …}}, {{record}} */
	const char *name;     /* the word after it, NULL for a tag of one word */
	vxr_table_fn table;   /* a table block, or a plot's table; NULL for the others */
	vxr_plot_fn plot;     /* a plot block; NULL for the others */
} vxr_blk_def;

/* The row of block blk, or NULL for one the table lacks. */
const vxr_blk_def *vxr_blk_def_of(vxr_blk_kind blk);

/* ---- tables (blocks_table.c) ---- */

/* paths and steps show rows= rows of a table block, 12 and 10 by default
 * and for a plot; units shows step o->j. */
vx_status vxr_table_paths(vxr_env *env, const vxr_obj *o, vxr_table **out, vx_error *err);
vx_status vxr_table_steps(vxr_env *env, const vxr_obj *o, vxr_table **out, vx_error *err);
vx_status vxr_table_inits(vxr_env *env, const vxr_obj *o, vxr_table **out, vx_error *err);
vx_status vxr_table_regimes(vxr_env *env, const vxr_obj *o, vxr_table **out, vx_error *err);
vx_status vxr_table_regimes_gaps(vxr_env *env, const vxr_obj *o, vxr_table **out, vx_error *err);
vx_status vxr_table_record(vxr_env *env, const vxr_obj *o, vxr_table **out, vx_error *err);
vx_status vxr_table_units(vxr_env *env, const vxr_obj *o, vxr_table **out, vx_error *err);
vx_status vxr_table_eigen(vxr_env *env, const vxr_obj *o, vxr_table **out, vx_error *err);
vx_status vxr_table_powers(vxr_env *env, const vxr_obj *o, vxr_table **out, vx_error *err);

/* The networks below, on and above the edge (index g + 1 of vx_regime):
 * net[i] NULL where one could not be computed, why in why[i] (why may
 * be NULL). */
void vxr_regimes_of(vxr_env *env, const vx_result *net[3], vx_error why[3]);
/* base^n as a magnitude: 0⁰ = 1, 0ⁿ = 0 (ρ(W)ⁿ, λⁿ). */
vx_mag vxr_mag_pow(double base, size_t n);

/* ---- plots (blocks_plot.c) ---- */

/* vxr_plot_paths draws both {{plot norms}} and {{plot contrib}} */
vx_status vxr_plot_paths(vxr_env *env, const vxr_obj *o, int utf8, vxr_plotdata *pd, vx_error *err);
vx_status vxr_plot_dact(vxr_env *env, const vxr_obj *o, int utf8, vxr_plotdata *pd, vx_error *err);
vx_status vxr_plot_steps(vxr_env *env, const vxr_obj *o, int utf8, vxr_plotdata *pd, vx_error *err);
vx_status vxr_plot_eigen(vxr_env *env, const vxr_obj *o, int utf8, vxr_plotdata *pd, vx_error *err);
vx_status vxr_plot_powers(vxr_env *env, const vxr_obj *o, int utf8, vxr_plotdata *pd, vx_error *err);
vx_status vxr_plot_regimes(vxr_env *env, const vxr_obj *o, int utf8, vxr_plotdata *pd, vx_error *err);

/* ---- the constructors the builders share (static inline: each file its
 * own copy, none exported) ---- */

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

/* ---- the gated cells beside the network (blocks_gated.c) ---- */

/* {{table gates}}: per gap t − k (12 on a log scale), this network's
 * ‖∂s_t/∂s_k‖₂ beside the LSTM's ‖∂c_t/∂c_k‖₂ and ‖∂h_t/∂h_k‖₂ and the GRU's
 * ‖∂h_t/∂h_k‖₂ (report/doc/env.h, vxr_env_gated); also {{plot gates}}'s table. */
vx_status vxr_table_gates(vxr_env *env, const vxr_obj *o, vxr_table **out, vx_error *err);
/* {{plot gates}}: the vanilla ‖∂s_t/∂s_k‖₂, the LSTM's ‖∂c_t/∂c_k‖₂ and the
 * GRU's ‖∂h_t/∂h_k‖₂ against t − k, log scale. */
vx_status vxr_plot_gates(vxr_env *env, const vxr_obj *o, int utf8, vxr_plotdata *pd, vx_error *err);

/* ---- text for the renderers (render_text.c) ---- */

/* LaTeX math src, checked and rebuilt by vxm_render (errors at o's
 * origin), between open and close; *out malloc'd, NULL on error. */
vx_status vxr_latex_wrapped(const vxr_obj *o, const char *src, int display, const char *open, const char *close,
                            char **out, vx_error *err);

#endif
