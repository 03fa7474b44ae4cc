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

/* ---- text for the renderers (render_text.c) ---- */

/* LaTeX math src, checked and rebuilt by vxm_render (errors at o's
 * origin), between open and close; *out malloc'd, NULL on error. */
vx_status vxr_latex_wrapped(const vxr_obj *o, const char *src, int display, const char *open, const char *close,
                            char **out, vx_error *err);

#endif
