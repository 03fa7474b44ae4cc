/*
 * pdf.h — a LaTeX document turned into PDF by pdflatex, run in a private
 * working directory (out.h's vxr_workdir) with shell escape off, its
 * output and log kept away from vanex's own streams.
 */
#ifndef VXR_PDF_H
#define VXR_PDF_H

#include <stddef.h>
#include "engine/status.h"

/* The Debian packages whose files the LaTeX handout's preamble loads
 * (report/doc/latex.c), for the message when pdflatex is missing. */
extern const char vxr_pdf_packages[];

/* VX_OK when an executable named pdflatex is on PATH (or, with PATH unset,
 * in /bin or /usr/bin, where execvp looks); else VX_EIO with the message
 * "-f pdf runs pdflatex, which is not installed (Debian packages: …)". */
vx_status vxr_pdf_ready(vx_error *err);

/* Compiles the LaTeX document tex (len bytes) with
 * `pdflatex -interaction=nonstopmode -halt-on-error -no-shell-escape`, run
 * again while the log asks for it (cross-references, at most three runs),
 * standard input from /dev/null, its output to /dev/null.  On success *pdf
 * holds the PDF (malloc'd, *n bytes, the caller frees).  Errors, with
 * nothing left behind: VX_EIO as vxr_pdf_ready, or "pdflatex: " and the first line of its log that starts with '!'
 * (the LaTeX error), or how it ended when the log has none; VX_ENOMEM. */
vx_status vxr_pdf_compile(const char *tex, size_t len, char **pdf, size_t *n, vx_error *err);

#endif
