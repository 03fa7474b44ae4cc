/*
 * tutor_state.h — the tutor's model: where the student is, the network they
 * chose, what is on screen, and how each key changes it.
 *
 * Plain C, no curses (STYLE.md: htop, tig).  Keys come in as vxu_key codes
 * (tutor.c translates curses codes); vxu_key() changes the state and returns
 * what changed, never draws and never computes.  vxu_update() then does the
 * work the change calls for — rebuild the model, vx_analyse, lay out the
 * current step with vxt_render_step, build the live panel (tutor_panel.h,
 * from the plain data it needs) and the status line — so drawing
 * (tutor_draw.h) only reads finished lines of spans.
 */
#ifndef VXU_TUTOR_STATE_H
#define VXU_TUTOR_STATE_H

#include <stddef.h>
#include "engine/analysis.h"
#include "engine/params.h"
#include "report/doc/doc.h"
#include "report/doc/env.h"
#include "report/doc/layout.h"
#include "tui/tutor_panel.h"

/* ---- keys ----------------------------------------------------------------
 * Printable keys are their ASCII code; 27 is Esc, 12 is Ctrl-L.  Special
 * keys use codes above Unicode's range so they never clash with a character. */
enum {
	VXU_K_ESC = 27,
	VXU_K_CTRL_L = 12,
	VXU_K_UP = 0x110001, VXU_K_DOWN, VXU_K_LEFT, VXU_K_RIGHT,
	VXU_K_PGUP, VXU_K_PGDN, VXU_K_HOME, VXU_K_END
};

/* What a key (or a resize) changed; the loop decides what to do with it. */
typedef enum {
	VXU_NONE = 0,     /* nothing changed (an unbound key, a bound already reached without message) */
	VXU_REDRAW,       /* only what is shown changed (step, scroll, overlay, message) */
	VXU_RECOMPUTE,    /* a parameter changed: vxu_update() recomputes, then redraw */
	VXU_REDRAW_ALL,   /* Ctrl-L: repaint every cell, the screen may be garbled */
	VXU_EXPORT,       /* write the handout: call vxu_export(), then redraw */
	VXU_QUIT          /* leave the tutor */
} vxu_reaction;

/* ---- layout --------------------------------------------------------------- */

/* The tutor needs this much; below it a plain "too small" screen. */
#define VXU_MIN_COLS 60
#define VXU_MIN_ROWS 16

typedef enum { VXU_PANEL_STRIP = 0, VXU_PANEL_SIDE, VXU_PANEL_BOTTOM } vxu_panel_place;

/* Where everything goes for a rows×cols screen (computed by vxu_layout_for). */
typedef struct {
	int rows, cols;
	int too_small;          /* below VXU_MIN_COLS × VXU_MIN_ROWS: nothing else is valid */
	int title_row;          /* the step's title bar */
	int body_top, body_rows;/* the step's text */
	int text_x, text_w;     /* its first column and the width it is laid out for */
	vxu_panel_place place;  /* strip under the text (80×24), side (wide), bottom (tall) */
	int panel_top, panel_x, panel_w, panel_rows;
	int status_row;         /* parameters and progress */
	int msg_row;            /* a message, or the key hint */
} vxu_layout;

/* Pure: the layout for a screen of rows×cols (any values, even 0 or negative). */
void vxu_layout_for(int rows, int cols, vxu_layout *out);


/* ---- the state ------------------------------------------------------------ */

typedef enum { VXU_OV_NONE = 0, VXU_OV_HELP } vxu_overlay;
typedef enum { VXU_MSG_INFO = 0, VXU_MSG_ERROR } vxu_msg_kind;

/* What the last key changed, so the message after recomputing can say what it did. */
typedef enum {
	VXU_CH_NONE = 0, VXU_CH_LAMBDA, VXU_CH_ACT, VXU_CH_T, VXU_CH_K, VXU_CH_J,
	VXU_CH_HIDDEN, VXU_CH_STEPS, VXU_CH_SEED, VXU_CH_VIEW
} vxu_change;

/* Work vxu_update() owes (bits). */
enum {
	VXU_DIRTY_MODEL = 1u << 0,    /* parameters of the network changed: rebuild and analyse */
	VXU_DIRTY_ANALYSIS = 1u << 1, /* only the loss step t changed: analyse again */
	VXU_DIRTY_DOC = 1u << 2,      /* step, k, j, width or panel view changed: lay out again */
	VXU_DIRTY_STATUS = 1u << 3,
	VXU_DIRTY_TEXT = 1u << 4      /* the laid-out steps kept for revisits are stale */
};

typedef struct {
	/* what the student chose */
	vx_params params;      /* the network as asked for (keys change this) */
	vx_params good;        /* the last parameters that computed: restored on failure */
	size_t t, k, j;        /* loss step, path start, chosen step: 1 <= k <= t <= T, 1 <= j <= T */
	size_t step;           /* current step, 0-based */
	size_t nsteps;
	size_t scroll;         /* first doc line shown */
	vxu_view view;         /* the panel's view (AUTO follows the step) */
	vxu_overlay overlay;
	int digits;            /* a step number being typed, 0 when none */
	int fixed_d;           /* d comes from a file (--weights/--model): d/D refused */
	vxu_change changed;    /* what the last key changed (for the message after update) */
	size_t good_t;         /* t of the last good computation */
	double lam_base;       /* λ asked for = lam_base × 1.1^lam_steps: + and − count */
	int lam_steps;         /* steps instead of multiplying the last λ, so that ×1.1 ÷1.1
	                        * asks for lam_base again exactly (= sets lam_base = 1/γ) */
	double good_lam_base;  /* lam_base and lam_steps of the last good computation */
	int good_lam_steps;

	/* the terminal */
	int utf8;              /* render Unicode (else ASCII only) */
	vxu_layout lay;

	/* computed by vxu_update() */
	unsigned dirty;
	vx_exec machine;       /* what the process offered at vxu_state_init (vx_exec_machine) */
	vx_exec exec;          /* the thread policy applied for the current size */
	vx_model *model;
	vx_result *result;
	vx_params eff;         /* effective parameters of model (sizes as in the model) */
	char date[16];         /* for the handout, from SOURCE_DATE_EPOCH when set */
	vxr_extras *extras;    /* model's and result's costly extras (report/doc/env.h),
	                        * shared by the steps laid out and the handout `e`
	                        * writes; renewed with every new result */
	vxt_doc *doc;          /* the current step laid out at lay.text_w (owned by docs) */
	vxt_doc **docs;        /* nsteps entries: steps laid out for the current network,
	                        * k, j and width, kept so going back costs nothing */
	vxu_view shown_view;   /* the view the panel shows (AUTO resolved) */
	vxt_lines panel;       /* the live panel, laid out for lay.panel_w × lay.panel_rows */
	vxt_lines status;      /* one line: parameters, γλ */
	char progress[32];     /* "4/13", drawn at the right of the status line */
	char doc_error[400];   /* why the step could not be laid out (doc is NULL) */
	char message[320];
	vxu_msg_kind msg_kind;
	const char *export_dir;/* where `e` writes (default ".") */
	char export_path[4200];/* the last handout written */
} vxu_state;

/* Sets up a state from parameters (as parsed by the CLI): validates them,
 * builds the model and analyses it once, so that bad options fail here, on
 * stderr, before curses starts.  start_step is 1-based (0 = first).  rows and
 * cols are the screen size (may change later by vxu_resize).  Returns VX_OK,
 * or a status with err naming the option or file; the state is then freed. */
vx_status vxu_state_init(vxu_state *st, const vx_params *p, size_t start_step,
                         int utf8, int rows, int cols, vx_error *err);
void vxu_state_free(vxu_state *st);          /* NULL-safe; leaves *st zeroed */

/* Applies one key: changes the state, returns what changed.  Never draws,
 * never computes (call vxu_update() after).  Messages for bounds are set here. */
vxu_reaction vxu_key(vxu_state *st, int key);

/* The screen is now rows×cols: re-lays out (the doc is laid out again when
 * the text width changes).  Returns VXU_REDRAW. */
vxu_reaction vxu_resize(vxu_state *st, int rows, int cols);

/* Does the work the dirty bits call for.  On an engine failure the previous
 * parameters and results are kept and the message line says why; returns
 * the status of the first failure (VX_OK when all went well). */
vx_status vxu_update(vxu_state *st);

/* Writes the current state as an HTML handout (vanex-handout.html in
 * st->export_dir) and puts the path (or the error) in the message line. */
vx_status vxu_export(vxu_state *st);

/* The number of doc lines the body can scroll through (for tests and drawing). */
size_t vxu_scroll_max(const vxu_state *st);

/* Sets the message line (printf-style). */
void vxu_message(vxu_state *st, vxu_msg_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The help overlay's lines (key, what it does), for drawing and for tests
 * that check every binding is listed.  utf8 selects arrows (→) or words. */
typedef struct {
	const char *keys;      /* NULL for a section heading */
	const char *what;
	const char *brief;     /* a dozen columns, for the two-column help of small screens */
	const char *kbrief;    /* keys there, when shorter than keys (NULL: keys) */
} vxu_help_entry;
const vxu_help_entry *vxu_help(int utf8, size_t *n);

/* The key hint shown when there is no message, for a screen `cols` wide;
 * more = 1 when the step goes on below the screen. */
const char *vxu_hint(int utf8, int cols, int more);

/* Limits the tutor's keys stop at (command-line options may go beyond). */
#define VXU_KEY_MAX_HIDDEN 256u
#define VXU_KEY_MAX_STEPS  2000u

#endif
