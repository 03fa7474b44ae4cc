/*
 * out.h — writing an output to the path the user named, whatever it is.
 *
 *   "-"                        standard output
 *   a regular file, or nothing a temporary file beside it (same directory),
 *                              renamed over it at the end: all or nothing
 *   a symbolic link            followed (dangling too): the file it points to
 *                              is written, the link stays
 *   a device, a FIFO           written directly (no O_CREAT, no O_TRUNC):
 *                              /dev/null discards, /dev/full gives ENOSPC, a
 *                              FIFO's reader gets the bytes
 *   /dev/stdout, /dev/fd/N,    the open descriptor N itself (its position and
 *   /proc/self/fd/N            O_APPEND are kept)
 *   a directory, a socket      refused
 *
 * Temporary names are ".NAME.vanex-XXXXXX" beside NAME, with NAME cut (at a
 * UTF-8 character boundary) so that the whole fits the directory's NAME_MAX:
 * a 255-byte name works.  Every temporary file is registered while it
 * exists, so that vxr_out_remove_temps (async-signal-safe) can delete them
 * from a signal handler, and vxr_out_abandon from a thread that ends the
 * process while another one writes.
 *
 * Usage: vxr_out_open, write into vxr_out_stream, then vxr_out_commit (one
 * or several outputs together) or vxr_out_discard.
 */
#ifndef VXR_OUT_H
#define VXR_OUT_H

#include <stddef.h>
#include <stdio.h>
#include "engine/status.h"

typedef struct vxr_out vxr_out;

/* Opens path for writing as above (path "-" or NULL: standard output).  On
 * success *out is ready to be written through vxr_out_stream; for a regular
 * target only the temporary file exists so far.  Errors (VX_EIO, VX_ENOMEM)
 * come back as "cannot write PATH: reason", e.g. "it is a directory". */
vx_status vxr_out_open(const char *path, vxr_out **out, vx_error *err);

/* The stream to write into (standard output for "-"). */
FILE *vxr_out_stream(vxr_out *o);

/* 1 when the target is written in place (standard output, a descriptor, a
 * device, a FIFO): nothing beside it can be created or taken back. */
int vxr_out_direct(const vxr_out *o);

/* The file the bytes end up in: the path as given, or where its symbolic
 * links lead ("-" for standard output).  Side files named after it belong
 * beside it. */
const char *vxr_out_target(const vxr_out *o);

/* Finishes outs[0..n) together and frees them (all of them, whatever the
 * result; NULL entries are skipped).  Each stream is flushed, each
 * temporary file synced to disk and closed; then, with SIGINT, SIGTERM and
 * SIGHUP held back, every temporary is renamed over its target.  When a
 * write, a sync or a rename fails, the targets are left as they were before
 * the call (the old files whole: each was linked aside before being
 * replaced, and is moved back) and the temporaries are deleted; outputs
 * written in place keep what they received.  The error names the output. */
vx_status vxr_out_commit(vxr_out **outs, size_t n, vx_error *err);

/* Deletes the temporary file (a target written in place keeps what it got)
 * and frees o.  NULL-safe. */
void vxr_out_discard(vxr_out *o);

/* Deletes every registered temporary file with async-signal-safe calls
 * only (unlinkat): for a SIGINT/SIGTERM handler that then re-raises the
 * signal.  Commits hold these signals back, so a handler never runs in the
 * middle of one in the thread that commits. */
void vxr_out_remove_temps(void);

/* For a process about to end while another thread may be writing (the
 * tutor quitting during an export): deletes the temporary files and makes
 * every later vxr_out_open of a regular target fail, so none is created
 * after.  Waits for a commit in progress to finish.  Not for signal
 * handlers. */
void vxr_out_abandon(void);

/* ---- a private working directory for a program vanex runs ---- */

typedef struct vxr_workdir vxr_workdir;

/* Makes a directory of vanex's own, "vanex-XXXXXX" in $TMPDIR (when it is
 * an absolute path) or /tmp, mode 0700, for a program that writes files of
 * its own there (pdflatex).  It is registered like the temporary files: a
 * signal handler's vxr_out_remove_temps deletes the files named in
 * names[0..n) (what the program is known to write) and then the
 * directory.  Errors: VX_EIO "cannot make a working directory in DIR:
 * reason", VX_ENOMEM.  *out is freed with vxr_workdir_free. */
vx_status vxr_workdir_open(const char *const *names, size_t n, vxr_workdir **out, vx_error *err);

/* The directory's absolute path. */
const char *vxr_workdir_path(const vxr_workdir *w);

/* Deletes every file in the directory, named in advance or not, the
 * directory itself, and frees w.  NULL-safe. */
void vxr_workdir_free(vxr_workdir *w);

#endif
