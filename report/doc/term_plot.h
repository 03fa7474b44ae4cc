/*
 * term_plot.h — the handouts' live plots drawn for the tutor's panel.
 *
 * The panel shows the same plots as the handout's terminal blocks, built
 * from the same data (vxr_plot_build) and drawn by the same renderer
 * (vxr_term_plot), only at the panel's size and without the caption: one
 * set of series, legends, glyphs and roles wherever a plot appears.
 */
#ifndef VXR_TERM_PLOT_H
#define VXR_TERM_PLOT_H

#include <stddef.h>
#include "report/doc/ctx.h"
#include "report/doc/tpl.h"
#include "report/text/lines.h"

/* Builds the plot block `kind` ({{plot norms}}, {{plot dact j=…}} at step j,
 * {{plot contrib}}, {{plot steps}}, {{plot eigen}}, {{plot powers}}) from ctx as a handout does and appends
 * it to L as `rows` new lines of exactly `cols` columns (character cells,
 * Braille and box drawing, or ASCII when utf8 is 0), each run of cells in
 * the role of what it draws.  VX_EUSAGE for a kind that is not a plot or
 * fewer than 20×5 cells, with nothing appended; VX_ENOMEM.  Not
 * thread-safe (the template environment's cache, tpl.h). */
vx_status vxt_plot_cells(const vxr_ctx *ctx, vxr_blk_kind kind, size_t j, int cols, int rows, int utf8,
                         vxt_lines *L, vx_error *err);

#endif
