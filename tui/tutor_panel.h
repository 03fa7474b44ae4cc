/*
 * tutor_panel.h — the tutor's live panel: this network's numbers for the
 * current step, as lines of spans (no curses).
 *
 * The panel takes the plain data it shows (the network, its analysis, the
 * reader's j and k, the view, the size), not the tutor's state: the state
 * (a job of tutor_jobs.c) builds the panel, never the other way.
 * Its plots are the handouts' plot blocks (report/term_plot.h).
 */
#ifndef VXU_TUTOR_PANEL_H
#define VXU_TUTOR_PANEL_H

#include "report/doc/ctx.h"
#include "report/text/lines.h"

/* Which live values the panel shows (named by each step's front matter,
 * `panel:`; `v` cycles). */
typedef enum {
	VXU_VIEW_AUTO = 0,      /* what the current step is about */
	VXU_VIEW_NETWORK,       /* the model, s_t against y, L_t */
	VXU_VIEW_CHAIN,         /* s_k → … → s_t, norms against the bound */
	VXU_VIEW_DACT,          /* σ'(a_j) against γ, the σ' curve */
	VXU_VIEW_JACOBIAN,      /* J_j = diag(σ'(a_j)) W, ‖J_j‖ against γλ */
	VXU_VIEW_PATHS,         /* contributions of each path k to ∂L_t/∂W */
	VXU_VIEW_LYAP,          /* the Lyapunov rate against ln γλ */
	VXU_VIEW_EIGEN,         /* the eigenvalues of W against its norm, ‖Wⁿ‖₂ */
	VXU_VIEW_GATES,         /* this network beside an LSTM and a GRU (report/doc/env.h) */
	VXU_VIEW_COUNT
} vxu_view;

/* What the panel is built from. */
typedef struct {
	vxr_ctx ctx;           /* the network, its analysis (ctx.result->t is the
	                        * loss step t), the chosen step j and path k */
	vxu_view view;         /* the view asked for; VXU_VIEW_AUTO: the step's own */
	const char *panel;     /* the current step's `panel:` (for VXU_VIEW_AUTO) */
	int utf8;              /* Unicode, else ASCII only */
	int full;              /* more than the strip of 80×24: detail, and plots */
	int width, rows;       /* the panel's columns and rows */
} vxu_panel_in;

/* Builds the panel for `in` into *out (cleared first), laid out for
 * in->width columns × in->rows rows: line 0 is the panel's heading, then the
 * values, then (when full and there is room) one or two plots.  Sets *shown
 * to the view used.  VX_ENOMEM when out of memory; a plot that fails is left
 * out, not fatal. */
vx_status vxu_panel_build(const vxu_panel_in *in, vxt_lines *out, vxu_view *shown);

/* The view a template's `panel:` names (network, chain, dact, jacobian,
 * paths, lyap, eigen, gates; the template language refuses any other), VXU_VIEW_CHAIN
 * when it names none. */
vxu_view vxu_view_named(const char *name);

#endif
