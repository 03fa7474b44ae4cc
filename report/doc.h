/*
 * doc.h — the derivation as filled templates, rendered for each target.
 *
 * templates/NN-name.md, one per step, in order, are the single source of the
 * text: the handout (report) and the tutor (tui) both render them through
 * this interface.  A context carries the live values the placeholders read.
 */
#ifndef VXR_DOC_H
#define VXR_DOC_H

#include <stddef.h>
#include "engine/analysis.h"
#include "report/ctx.h"

/* The built-in steps (compiled in from templates/). */
size_t vxr_step_count(void);
const char *vxr_step_title(size_t i);  /* the first heading of step i (0-based) */
const char *vxr_step_name(size_t i);   /* its file name, e.g. "05-diagonal.md"; NULL past the end */

/* Frees what report/ keeps between calls (the step titles, the extras of
 * the last template environment), so nothing of ours is left reachable at
 * exit.  The front end registers it with atexit(); calling it earlier is
 * harmless (the caches are rebuilt on demand), but not while an environment
 * (vxr_env) is alive in another thread. */
void vxr_cleanup(void);

/* Writes the whole handout (all steps, or the user's template when
 * template_path is not NULL) in the given format to out_path as out.h
 * describes: a regular file (or none yet) through a temporary file renamed
 * at the end, Markdown's SVG side files with it, all or nothing; a
 * symbolic link written through; a device, a FIFO or an open descriptor
 * (/dev/stdout) written in place, Markdown then with tables instead of side
 * files, as on stdout.  out_path "-" writes to stdout.  Template errors
 * come back as VX_EFORMAT with err "file:line:column: message". */
vx_status vxr_report_write(const vxr_ctx *ctx, vxr_format fmt, const char *template_path,
                           const char *out_path, vx_error *err);

/* The memory, in bytes, a handout of a model of these sizes needs at its
 * peak: the model and its analysis, and beside them the same network with
 * an orthogonal and with the identity W (a copy of the model each, analysed
 * in turn; their results stay for the whole document).  The rendered text
 * itself does not grow with T.  Saturates at SIZE_MAX. */
size_t vxr_report_bytes(size_t d, size_t n, size_t T, size_t t);

/* Applies a template file's front matter to *p (options the command line
 * left unset, see vxr_tpl_apply_defaults) and its j/k to *j / *k when 0.
 * Call before building the model; errors as vxr_report_write. */
vx_status vxr_template_defaults(const char *template_path, vx_params *p, size_t *j, size_t *k,
                                vx_error *err);

#endif
