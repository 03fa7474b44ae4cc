/*
 * term_plot.c — a handout's plot block at the size of the tutor's panel
 * (term_plot.h).
 */
#include "report/doc/term_plot.h"

#include "report/doc/env.h"
#include "report/doc/render.h"

vx_status vxt_plot_cells(const vxr_ctx *ctx, vxr_blk_kind kind, size_t j, int cols, int rows, int utf8,
                         vxt_lines *L, vx_error *err)
{
	if (!vxr_blk_is_plot(kind))
		return vx_fail(err, VX_EUSAGE, "internal: block %d is not a plot", (int)kind);
	vxr_env *env = vxr_env_alloc(ctx);
	if (!env)
		return vx_fail(err, VX_ENOMEM, "out of memory");
	vxr_env_set_terminal(env, 1);
	vxr_obj o = { .kind = VXR_OBJ_BLOCK, .file = "the live panel", .blk = kind, .j = j, .k = ctx->k };
	vxr_plotdata *pd = NULL;
	vx_status st = vxr_plot_build(env, &o, utf8, &pd, err);
	if (st == VX_OK)
		st = vxr_term_plot(pd, cols, rows, utf8, L, err);
	vxr_plotdata_free(pd);
	vxr_env_free(env);
	return st;
}
