/*
 * blocks.c — the table of live blocks (blocks.h) and what goes through
 * it: the tag's words to a block (the parser's), a block to the builders
 * of its plain data (blocks_table.c, blocks_matrix.c, blocks_plot.c), and
 * the one walker that hands that data to a target's renderer.
 */
#include "report/doc/blocks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ================================================================ the table of blocks */

/* One row per block.  A plot's table is what a target without graphics
 * shows in its place; tables and plots for the same data share a builder. */
static const vxr_blk_def blocks[] = {
	{ VXR_BLK_TABLE_PATHS, "table", "paths", vxr_table_paths, NULL },
	{ VXR_BLK_TABLE_STEPS, "table", "steps", vxr_table_steps, NULL },
	{ VXR_BLK_TABLE_INITS, "table", "inits", vxr_table_inits, NULL },
	{ VXR_BLK_TABLE_REGIMES, "table", "regimes", vxr_table_regimes, NULL },
	{ VXR_BLK_TABLE_GATES, "table", "gates", vxr_table_gates, NULL },
	{ VXR_BLK_MATRIX, "matrix", NULL, NULL, NULL },
	{ VXR_BLK_PLOT_NORMS, "plot", "norms", vxr_table_paths, vxr_plot_paths },
	{ VXR_BLK_PLOT_DACT, "plot", "dact", vxr_table_units, vxr_plot_dact },
	{ VXR_BLK_PLOT_CONTRIB, "plot", "contrib", vxr_table_paths, vxr_plot_paths },
	{ VXR_BLK_PLOT_STEPS, "plot", "steps", vxr_table_steps, vxr_plot_steps },
	{ VXR_BLK_PLOT_EIGEN, "plot", "eigen", vxr_table_eigen, vxr_plot_eigen },
	{ VXR_BLK_PLOT_POWERS, "plot", "powers", vxr_table_powers, vxr_plot_powers },
	{ VXR_BLK_PLOT_REGIMES, "plot", "regimes", vxr_table_regimes_gaps, vxr_plot_regimes },
	{ VXR_BLK_PLOT_GATES, "plot", "gates", vxr_table_gates, vxr_plot_gates },
	{ VXR_BLK_RECORD, "record", NULL, vxr_table_record, NULL },
	{ VXR_BLK_REFERENCES, "references", NULL, NULL, NULL },
};
#define NBLOCKS (sizeof blocks / sizeof blocks[0])

const vxr_blk_def *vxr_blk_def_of(vxr_blk_kind blk)
{
	for (size_t i = 0; i < NBLOCKS; i++)
		if (blocks[i].blk == blk)
			return &blocks[i];
	return NULL;
}

int vxr_blk_is_plot(vxr_blk_kind k)
{
	const vxr_blk_def *b = vxr_blk_def_of(k);
	return b && b->plot;
}

int vxr_blk_find(const char *kw, const char *name, vxr_blk_kind *blk)
{
	for (size_t i = 0; i < NBLOCKS; i++)
		if (blocks[i].name && strcmp(blocks[i].kw, kw) == 0 && strcmp(blocks[i].name, name) == 0) {
			*blk = blocks[i].blk;
			return 1;
		}
	return 0;
}

void vxr_blk_names(const char *kw, char *buf, size_t n)
{
	size_t l = 0;
	if (n)
		buf[0] = '\0';
	for (size_t i = 0; i < NBLOCKS; i++)
		if (blocks[i].name && strcmp(blocks[i].kw, kw) == 0) {
			int w = snprintf(buf + l, n - l, "%s%s", l ? ", " : "", blocks[i].name);
			if (w < 0 || (size_t)w >= n - l)
				return;   /* cut at the end of buf */
			l += (size_t)w;
		}
}

/* ================================================================ building a block's data */

vx_status vxr_table_build(vxr_env *env, const vxr_obj *o, vxr_table **out, vx_error *err)
{
	const vxr_blk_def *b = vxr_blk_def_of(o->blk);
	*out = NULL;
	if (!b || !b->table)
		return vx_fail(err, VX_EINTERNAL, "internal: not a table");
	return b->table(env, o, out, err);
}

vx_status vxr_plot_build(vxr_env *env, const vxr_obj *o, int utf8, vxr_plotdata **out, vx_error *err)
{
	const vxr_blk_def *b = vxr_blk_def_of(o->blk);
	*out = NULL;
	vxr_plotdata *pd = calloc(1, sizeof *pd);
	if (!pd)
		return vx_fail(err, VX_ENOMEM, "out of memory");
	if (!b || !b->plot || !b->table) {
		/* every plot row names its table too (the targets without graphics) */
		vxr_plotdata_free(pd);
		return vx_fail(err, VX_EINTERNAL, "internal: %s", b && b->plot ? "a plot without its table" : "not a plot");
	}
	pd->plot.series = pd->series;
	vx_status st = b->plot(env, o, utf8, pd, err);
	if (st == VX_OK)
		st = b->table(env, o, &pd->fallback, err);
	if (st != VX_OK) {
		vxr_plotdata_free(pd);
		return st;
	}
	*out = pd;
	return VX_OK;
}

/* ================================================================ the walker */

vx_status vxr_render_obj(vxr_env *env, const vxr_render_ops *ops, void *sink, const vxr_obj *o, vx_error *err)
{
	vx_status st;
	if (o->kind == VXR_OBJ_CITE) {
		if (!ops->cite)
			return vx_fail(err, VX_EINTERNAL, "internal: a citation outside the text");
		return ops->cite(sink, o, err);
	}
	if (o->blk == VXR_BLK_REFERENCES)
		return ops->references(sink, o, err);
	if (o->kind == VXR_OBJ_MATH || o->kind == VXR_OBJ_DMATH) {
		if (!ops->math)
			return vx_fail(err, VX_EINTERNAL, "internal: math outside the text");
		return ops->math(sink, o, err);
	}
	const vxr_blk_def *b = vxr_blk_def_of(o->blk);
	if (b && b->plot) {
		vxr_plotdata *pd = NULL;
		st = vxr_plot_build(env, o, ops->utf8 ? ops->utf8(sink) : 1, &pd, err);
		if (st == VX_OK)
			st = ops->plot(sink, o, pd, err);
		vxr_plotdata_free(pd);
		return st;
	}
	if (b && b->table) {
		vxr_table *t = NULL;
		st = vxr_table_build(env, o, &t, err);
		if (st == VX_OK)
			st = ops->table(sink, o, t, err);
		vxr_table_free(t);
		return st;
	}
	if (o->blk == VXR_BLK_MATRIX) {
		vxr_mat m[2];
		size_t n = 0;
		vxr_obj shown = *o;
		size_t fit = ops->matrix_fit ? ops->matrix_fit(sink) : 0;
		if (fit && shown.size > fit)
			shown.size = fit;
		st = vxr_mats_build(env, &shown, m, &n, err);
		if (st == VX_OK)
			st = ops->matrices(sink, o, m, n, err);
		for (size_t i = 0; i < n; i++)
			vxr_mat_clear(&m[i]);
		return st;
	}
	return vx_fail(err, VX_EINTERNAL, "internal: unknown block");
}

vx_status vxr_render_str(vxr_rctx *rc, const vxr_render_ops *ops, const vxr_obj *o, char **out, vx_error *err)
{
	vxr_strsink k = { rc, NULL };
	vx_status st = vxr_render_obj(rc->env, ops, &k, o, err);
	if (st != VX_OK) {
		free(k.out);
		k.out = NULL;
	}
	*out = k.out;
	return st;
}

