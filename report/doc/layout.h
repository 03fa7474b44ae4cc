/*
 * layout.h — a step of the derivation laid out for a character terminal.
 *
 * The tutor (tui/) draws what this returns and nothing else: lines of spans,
 * each span a run of text with one role.  Layout (wrapping to a width, math
 * in Unicode or ASCII, plots as character cells) happens here, so the tutor
 * stays free of cmark and of numbers, and the screen can be tested as text.
 */
#ifndef VXR_TERM_H
#define VXR_TERM_H

#include <stddef.h>
#include "report/doc/doc.h"
#include "report/doc/quiz.h"
#include "report/text/lines.h"

/* A question of the step (report/doc/quiz.h) with its hint and reason laid
 * out for the same width: the tutor shows them once the student answers. */
typedef struct {
	vxr_quiz q;
	vxt_line *hint, *reason;
	size_t nhint, nreason;
} vxt_quiz;

typedef struct {
	char *title;       /* the step's heading (plain text; ASCII when !utf8) */
	vxt_line *lines;   /* the prose after that heading, wrapped to width, with
	                    * live blocks inline; blank lines have no spans; no
	                    * line is wider than the width asked for */
	size_t nlines;
	vxt_quiz *quiz;    /* the step's questions, in order (their text ends the
	                    * lines above, numbered as in the handout) */
	size_t nquiz;
} vxt_doc;

/* Lays out step i (0-based) for a terminal `width` columns wide; utf8 = 0
 * gives plain ASCII (no mojibake under LANG=C).  *out is caller-freed with
 * vxt_doc_free.  Errors are template errors (file:line:column in err).
 * The costly extras a step may read (the finite-difference check, the
 * orthogonal and identity variants of the network, its W rescaled to the
 * other sides of γλ = 1) are computed into
 * ctx->extras (env.h): a caller that passes the same extras for every step
 * of one analysis computes them once per parameter change.  Calls with
 * different extras (or none) may run in different threads at once. */
vx_status vxt_render_step(const vxr_ctx *ctx, size_t i, int width, int utf8,
                          vxt_doc **out, vx_error *err);
void vxt_doc_free(vxt_doc *d);   /* NULL-safe */

#endif
