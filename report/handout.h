/*
 * handout.h — a handout written to the path the user named: the pipeline
 * of report/doc/ renders it in memory (doc.h), report/out.h writes it and
 * its side files, all or nothing.
 */
#ifndef VXR_HANDOUT_H
#define VXR_HANDOUT_H

#include "engine/status.h"
#include "report/doc/ctx.h"

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

#endif
