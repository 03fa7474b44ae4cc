/*
 * doc.h — the derivation as filled templates, rendered for each target.
 *
 * templates/NN-name.md, one per step, in order, are the single source of the
 * text: the handout (report) and the tutor (tui) both render them through
 * this interface.  A context carries the live values the placeholders read.
 *
 * Lifetimes, in every header of report/doc/, in GSL's words:
 *   _alloc / _free  an object the library allocates and the caller frees:
 *                   vxr_env_alloc, vxr_extras_alloc; vxr_env_free,
 *                   vxr_extras_free, vxr_tpl_free, vxt_doc_free,
 *                   vxr_table_free, vxr_plotdata_free, vxr_sides_free.  A
 *                   call that makes its object out of data is named for
 *                   what it does (vxr_tpl_parse, vxt_render_step,
 *                   vxr_table_build, vxr_plot_build, vxr_report_render) and
 *                   hands over an object freed by that object's _free.
 *   _clear          a struct the caller holds (on its stack, inside its own
 *                   struct): frees what it points to and zeroes it, ready
 *                   for use again; the struct itself stays the caller's
 *                   (vxr_filled_clear, vxr_mat_clear).
 *   _take           a buffer handed over: the caller owns the string and
 *                   frees it, the giver is left empty (vxr_buf_take,
 *                   report/text/buf.h).
 * Every _free and _clear accepts NULL.  File-local helpers follow the same
 * words (table_alloc, atoms_clear, nlist_clear).
 */
#ifndef VXR_DOC_H
#define VXR_DOC_H

#include <stddef.h>
#include "engine/analysis.h"
#include "report/doc/ctx.h"
#include "report/doc/tpl.h"

/* The built-in steps (compiled in from templates/), i 0-based; titles and
 * names are constants of the program, NULL past the end. */
size_t vxr_step_count(void);
const char *vxr_step_title(size_t i);  /* the first heading of step i */
const char *vxr_step_name(size_t i);   /* its file name, e.g. "05-diagonal.md" */
/* The tutor's live-panel view for step i, its front matter's `panel`
 * ("network", "dact", "jacobian", "paths", "lyap" or "chain"); NULL when
 * the step names none (or past the end).  Parses the step's template. */
const char *vxr_step_panel(size_t i);

/* The questions of step i (report/doc/quiz.h), counted without a network;
 * 0 past the end.  Parses the step's template. */
size_t vxr_step_quiz_count(size_t i);
/* A side file (Markdown's SVG plots) to be written beside the output. */
typedef struct vxr_side {
	char *name;           /* path */
	char *text;
} vxr_side;

/* The handout in memory (all steps, or the user's template when
 * template_path is not NULL) in the given format (VXR_PDF: the LaTeX text
 * that report/pdf.h compiles): *text and the side files
 * side[0..*nside) for an output at out_path (NULL or "-": standard output,
 * where Markdown shows tables instead of side files), for
 * report/handout.h to write.  *text and *side are the caller's
 * (free, vxr_sides_free); on an error both are NULL.  Template errors come
 * back as VX_EFORMAT with err "file:line:column: message". */
vx_status vxr_report_render(const vxr_ctx *ctx, vxr_format fmt, const char *template_path, const char *out_path,
                            char **text, vxr_side **side, size_t *nside, vx_error *err);

/* The path of Markdown's plot n (1, 2, ...) beside an output at out_path:
 * "dir/handout.md" → "dir/handout-N.svg". */
void vxr_side_path(const char *out_path, int n, char *path, size_t pn);

/* 1 when text (its first bytes) begins as the plots vanex writes do. */
int vxr_side_is_plot(const char *text, size_t len);

/* Frees n side files and the array (NULL-safe). */
void vxr_sides_free(vxr_side *side, size_t n);

/* The memory, in bytes, a handout of a model of these sizes needs at its
 * peak: the model and its analysis, and beside them the same network with
 * an orthogonal and with the identity W and its W rescaled to the two other
 * sides of γλ = 1 (a copy of the model each, analysed in turn; their
 * results stay for the whole document; measured at d = 8, T = 200000: 266
 * MiB against 261 estimated).  The powers of W
 * (step 14, vx_eigen_power_bytes: 0.54 of vx_analyse_bytes at d = 4096,
 * 0.4 at d = 256) run in one of the two analysis workspaces the sum counts
 * beyond the one alive at a time.  The rendered text itself does not grow
 * with T.  Saturates at SIZE_MAX. */
size_t vxr_report_bytes(size_t d, size_t n, size_t T, size_t t);

/* Applies a template file's front matter to *p (options the command line
 * left unset, see vxr_tpl_apply_defaults) and its j/k to *j / *k when 0.
 * Call before building the model; errors as vxr_report_render. */
vx_status vxr_template_defaults(const char *template_path, vx_params *p, size_t *j, size_t *k,
                                vxr_weights_kind_fn weights_kind, vx_error *err);

/* vxr_tpl_check_views for a template file, once the network is known: its
 * front matter's j within 1..T and k within 1..t, else VX_EFORMAT at the
 * value's line and column. */
vx_status vxr_template_check_views(const char *template_path, size_t T, size_t t, vx_error *err);

#endif
