/*
 * ctx.h — what a document is made from: the network, its analysis and the
 * reader's choices (down to the handout's format).  The template language
 * reads it, the renderers show it, the pipeline (doc.h) and the tutor pass
 * it down.
 */
#ifndef VXR_CTX_H
#define VXR_CTX_H

#include <stdatomic.h>
#include <stddef.h>
#include "engine/analysis.h"
#include "engine/net.h"

/* The extras of one analysis, computed on demand and kept by its owner
 * (env.h). */
typedef struct vxr_extras vxr_extras;

/* The live values a template reads. */
typedef struct {
	const vx_params *params;   /* effective parameters (sizes as in the model) */
	const vx_model *model;
	const vx_result *result;   /* vx_analyse(model, loss step) */
	size_t j;                  /* chosen step for per-step views, 1..T */
	size_t k;                  /* chosen path, 1..t */
	const char *date;          /* "YYYY-MM-DD" (from SOURCE_DATE_EPOCH when set) */
	vxr_extras *extras;        /* this model's and result's extras, shared by every
	                            * document of them (env.h); NULL: each rendering
	                            * computes its own */
	int answers;               /* a handout ends with the answer key of its
	                            * questions (report --answers); 0: no answer
	                            * anywhere in it */
	double forget_bias;        /* --forget-bias B of the gated networks beside this
	                            * one (env.h, vxr_env_gated): the LSTM's bias_ih of f,
	                            * the GRU's of z; 0 by default, as PyTorch */
	vx_cell cell;              /* the cell the reader chose (--cell; c in the tutor):
	                            * VX_CELL_RNN (0) is this network; an LSTM or a GRU is
	                            * the gated network beside it (env.h, vxr_env_gated),
	                            * whose numbers the names that mean the same for every
	                            * cell read, except in a step about the vanilla cell
	                            * alone (tpl.h, vxr_tpl_vanilla) */
	int defer;                 /* the tutor's layout: an extra too slow for a redraw
	                            * is left for later (env.h, vxr_env_later); 0: every
	                            * extra a document reads is computed as it is read */
	const atomic_int *stop;    /* the analyses of extras stop once it is set
	                            * (engine/exec.h; NULL: never): the tutor's job flag */
} vxr_ctx;

/* The formats of a handout: VXR_PDF is the LaTeX text compiled by
 * pdflatex (report/pdf.h), VXR_SLIDES the HTML one cut into slides. */
typedef enum { VXR_MD = 0, VXR_HTML, VXR_LATEX, VXR_PDF, VXR_SLIDES } vxr_format;

#endif
