/*
 * tutor_state.h — the tutor's model: where the student is, the network they
 * chose, what is on screen, and how each key changes it.
 *
 * Plain C, no curses (STYLE.md: htop, tig).  Keys come in as vxu_key codes
 * (tutor.c translates curses codes); vxu_key() changes the state and returns
 * what changed, never draws and never computes: it asks for work (dirty
 * bits).  The work — rebuild the model, vx_analyse, lay out the current step
 * with vxt_render_step, build the live panel (tutor_panel.h) — is a job
 * (vxu_job_take) that copies what it reads, so that it can run on another
 * thread while keys go on changing the state; its results come back through
 * vxu_job_end, which keeps only what no newer key has asked for again.
 * vxu_update() runs the jobs one after another on the caller's thread.
 * Drawing (tutor_draw.h) only reads finished lines of spans, and
 * vxu_stale() says which of them are older than what was asked.
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
#include "tui/tutor_quiz.h"

/* ---- keys ----------------------------------------------------------------
 * Printable keys are their ASCII code; 27 is Esc, 12 is Ctrl-L.  Special
 * keys use codes above Unicode's range so they never clash with a character. */
enum {
	VXU_K_ESC = 27,
	VXU_K_CTRL_L = 12,
	VXU_K_UP = 0x110001, VXU_K_DOWN, VXU_K_LEFT, VXU_K_RIGHT,
	VXU_K_PGUP, VXU_K_PGDN, VXU_K_HOME, VXU_K_END,
	VXU_K_ENTER,      /* the next step, or judges an answer being typed */
	VXU_K_BACKSPACE   /* the previous step, or deletes a character typed */
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
/* A second digit typed within this many ms of the first makes a step
 * number of two (1 then 2: step 12); later, it starts a new one */
#define VXU_DIGIT_MS 1000.0

typedef enum { VXU_PANEL_STRIP = 0, VXU_PANEL_SIDE, VXU_PANEL_BOTTOM } vxu_panel_place;

/* Where everything goes for a rows×cols screen (computed by vxu_layout_for). */
typedef struct {
	int rows, cols;
	int too_small;          /* below VXU_MIN_COLS × VXU_MIN_ROWS: nothing else is valid */
	int title_row;          /* the step's title bar */
	int body_top, body_rows;/* the step's text */
	int text_x, text_w;     /* its first column and the width it is laid out for */
	int mark_x;             /* the scroll marks' column, a blank column right of the text */
	vxu_panel_place place;  /* strip under the text (80×24), side (wide), bottom (tall) */
	int panel_top, panel_x, panel_w, panel_rows;
	int status_row;         /* parameters and progress */
	int msg_row;            /* a message, or the key hint */
} vxu_layout;

/* Pure: the layout for a screen of rows×cols (any values, even 0 or negative). */
void vxu_layout_for(int rows, int cols, vxu_layout *out);


/* ---- the state ------------------------------------------------------------ */

typedef enum { VXU_OV_NONE = 0, VXU_OV_HELP } vxu_overlay;
/* INFO and ERROR say what happened; PENDING what is being computed, and
 * gives way to what the computation did. */
typedef enum { VXU_MSG_INFO = 0, VXU_MSG_ERROR, VXU_MSG_PENDING } vxu_msg_kind;

/* What the last key changed, so the message after recomputing can say what it did. */
typedef enum {
	VXU_CH_NONE = 0, VXU_CH_LAMBDA, VXU_CH_ACT, VXU_CH_T, VXU_CH_K, VXU_CH_J,
	VXU_CH_HIDDEN, VXU_CH_STEPS, VXU_CH_SEED, VXU_CH_BIAS, VXU_CH_CELL
} vxu_change;

/* Work the state owes (bits of dirty): asked by keys, taken by a job. */
enum {
	VXU_DIRTY_MODEL = 1u << 0,    /* parameters of the network changed: rebuild and analyse */
	VXU_DIRTY_ANALYSIS = 1u << 1, /* only the loss step t changed: analyse again */
	VXU_DIRTY_DOC = 1u << 2,      /* step, k, j, width or panel view changed: lay out again */
	VXU_DIRTY_TEXT = 1u << 4,     /* the laid-out steps kept for revisits are stale */
	VXU_DIRTY_EXTRAS = 1u << 5    /* extras a step left for later are owed (extras_want):
	                               * taken when nothing else is, given way to by any */
};

/* What vxu_stale() finds older than asked (bits). */
enum {
	VXU_STALE_NET = 1u << 0,      /* the numbers are those of earlier parameters */
	VXU_STALE_TEXT = 1u << 1,     /* the step's text is of an earlier network, k, j or
	                               * width, or not laid out yet (doc is NULL) */
	VXU_STALE_PANEL = 1u << 2,    /* the live panel is of an earlier step, view or size */
	VXU_STALE_EXPORT = 1u << 3    /* a handout asked for is not written yet */
};

/* A network and its analysis as shown or computed (tutor_jobs.c). */
typedef struct vxu_net vxu_net;

typedef struct {
	/* what the student chose */
	vx_params params;      /* the network as asked for (keys change this) */
	vx_params good;        /* the last parameters that computed: restored on failure */
	size_t t, k, j;        /* loss step, path start, chosen step: 1 <= k <= t <= T, 1 <= j <= T */
	double forget_bias;    /* of the LSTM and GRU beside the network (b B; report/doc/env.h) */
	vx_cell cell;          /* whose numbers the cell-wide names read (c C; report/doc/ctx.h) */
	size_t step;           /* current step, 0-based */
	size_t nsteps;
	size_t scroll;         /* first doc line shown */
	vxu_view view;         /* the panel's view (AUTO follows the step) */
	vxu_overlay overlay;
	int digits;            /* a step number being typed, 0 when none */
	double key_ms;         /* when the key being applied came (tutor.c; ms of a monotonic clock) */
	double digit_ms;       /* when the last digit of digits came */
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

	/* requests and answers.  Every ask and every job taken counts one
	 * generation; asked_* is the generation of the last ask of a part, *_gen
	 * that of the job whose result is shown.  A job's result for a part is
	 * kept only when the part was not asked again after the job was taken:
	 * a newer key makes the running job's answer stale, never wrong. */
	unsigned dirty;        /* work asked and not yet taken by a job (VXU_DIRTY_*) */
	unsigned long gen;
	unsigned long asked_net, asked_text, asked_panel;
	unsigned long net_gen, docs_gen, panel_gen;
	int want_export;       /* `e` was pressed: a handout is owed */
	unsigned extras_want;  /* what the steps and panels laid out left for later
	                        * (report/doc/env.h, VXR_LATER_ bits), owed while not 0 */
	unsigned extras_now;   /* of them, what the last layout kept did: first */
	int busy_short;        /* the status line has no room for vxu_busy_note's words:
	                        * it says "…" (build_status decides) */
	int exporting;         /* a job took the handout and has not ended */

	vx_exec machine;       /* what the process offered at the start (vx_exec_machine),
	                        * from which each job's thread policy is made */

	/* what is shown, made by jobs */
	vxu_net *net;          /* the network shown (one reference held) */
	vx_model *model;       /* net's model and result, for reading (NULL only */
	vx_result *result;     /* before the first network is in) */
	vx_params eff;         /* effective parameters of model (sizes as in the model) */
	vxr_extras *extras;    /* net's costly extras (report/doc/env.h), shared by the
	                        * steps laid out and the handout `e` writes */
	char date[16];         /* for the handout, from SOURCE_DATE_EPOCH when set */
	vxt_doc *doc;          /* the current step laid out (owned by docs), NULL when
	                        * it is not laid out yet or failed (doc_error) */
	vxt_doc **docs;        /* nsteps entries: steps laid out for the shown network,
	                        * k, j and width (as of docs_gen), kept so going back
	                        * costs nothing */
	vxu_view shown_view;   /* the view the panel shows (AUTO resolved) */
	vxt_lines panel;       /* the live panel, laid out for lay.panel_w × lay.panel_rows */
	vxt_lines status;      /* one line: parameters, γλ */
	char progress[32];     /* "4/13", in the title bar */
	char status_right[96]; /* the right of the status line: "2/6 answered  4/13"
	                        * when the steps ask questions, else the progress */

	/* questions (tutor_quiz.h) */
	vxu_quiz quiz;         /* the answer line and the verdict shown */
	vxu_progress *prog;    /* the student's progress, the caller's (tutor.c loads
	                        * and saves it); NULL: nothing recorded */
	size_t nquestions;     /* questions over all the steps */
	char net_key[VXU_NET_KEY]; /* vxu_net_key of the network shown ("" before it) */
	size_t doc_error_step; /* the step doc_error is about */
	char doc_error[400];   /* why that step could not be laid out */
	char message[320];
	vxu_msg_kind msg_kind;
	const char *export_dir;/* where `e` writes (default ".") */
	char export_path[4200];/* the last handout written */
	vx_status export_rc;   /* how the last handout went */
	vx_status fatal;       /* the network the tutor started with could not be
	                        * analysed (fatal_err says why): nothing to show */
	vx_error fatal_err;
} vxu_state;

/* Sets up a state from parameters (as parsed by the CLI): validates them and
 * builds (or reads) the model, so that bad options and files fail here, on
 * stderr, before curses starts; its analysis and the first step are the
 * first job, asked for here (vxu_job_take), so the first frame need not wait
 * for them.  Until it ends, result is NULL and vxu_stale() says so; if the
 * analysis fails, fatal and fatal_err say why and the tutor must end.
 * start_step is 1-based (0 = first).  rows and cols are the screen size (may
 * change later by vxu_resize).  Returns VX_OK, or a status with err naming
 * the option or file; the state is then freed. */
vx_status vxu_state_start(vxu_state *st, const vx_params *p, size_t start_step,
                          int utf8, int rows, int cols, vx_error *err);

/* vxu_state_start, then the first job done here (vxu_update): returns with
 * the network analysed and the step laid out, or with the analysis's
 * failure in err (the state then freed).  For tests and benchmarks. */
vx_status vxu_state_init(vxu_state *st, const vx_params *p, size_t start_step,
                         int utf8, int rows, int cols, vx_error *err);
void vxu_state_free(vxu_state *st);          /* NULL-safe; leaves *st zeroed */

/* Applies one key: changes the state, asks for the work it calls for and
 * returns what changed.  Never draws, never computes (a job does, then
 * redraw).  Messages for bounds are set here. */
vxu_reaction vxu_key(vxu_state *st, int key);

/* The screen is now rows×cols: re-lays out (the step and the panel are
 * asked for again when their size changes).  Returns VXU_REDRAW. */
vxu_reaction vxu_resize(vxu_state *st, int rows, int cols);

/* Asks for work (VXU_DIRTY_* bits) as a key does: a new generation, so that
 * a job taken before gives way for these parts. */
void vxu_ask(vxu_state *st, unsigned bits);

/* Which parts of what is shown are older than what was asked (VXU_STALE_*
 * bits, 0 when the screen is up to date). */
unsigned vxu_stale(const vxu_state *st);

/* What the status line says while work is owed: "updating…" while
 * vxu_stale() finds the network, the step or the panel older than asked,
 * else "writing…" while a handout is, else "computing…" while what a step
 * left for later is (extras_want); "…" where the words do not fit
 * (busy_short); NULL when nothing is owed. */
const char *vxu_busy_note(const vxu_state *st);

/* ---- jobs: the work, off the thread that reads keys ----
 * vxu_job_take (the state's thread) takes the work asked for, with copies of
 * everything it reads and a reference to the network it starts from;
 * vxu_job_run (any thread) computes without touching the state;
 * vxu_job_end (the state's thread again) keeps each result whose part no key
 * has asked for since, frees the job and drops the rest: a newer key
 * supersedes stale work.  At most one job may be out at a time (the
 * network's extras and the BLAS's thread count are not for two threads), so
 * what keys ask meanwhile waits as dirty bits: one running, one pending,
 * with the newest parameters. */
typedef struct vxu_job vxu_job;

/* The next job, or NULL when nothing is owed (or only layout is, on a screen
 * too small to show it).  Clears the dirty bits it takes. */
vxu_job *vxu_job_take(vxu_state *st);

/* Computes the job: the network when asked, then the step's layout, the
 * panel and the handout, each skipped once vxu_job_cancel was called. */
void vxu_job_run(vxu_job *j);

/* Asks a running job to stop (any thread): an analysis under way within one
 * step of the engine's loops (its stop flag, engine/exec.h), and no later
 * stage starts.  Its results are then partial, and vxu_job_end keeps none
 * of the missing parts and asks again for a network it did not finish. */
void vxu_job_cancel(vxu_job *j);

/* 1 when some result of j would still be kept (nothing asked since for at
 * least one part it computes), 0 when all of it is stale. */
int vxu_job_wanted(const vxu_state *st, const vxu_job *j);

/* Takes j's results into st where still wanted, asks again for what a stale
 * network leaves undone, and frees j.  On an engine failure for the current
 * parameters the previous ones are restored and the message line says why;
 * returns that failure's status, or a layout or handout failure's
 * (VX_OK when all went well). */
vx_status vxu_job_end(vxu_state *st, vxu_job *j);

/* Frees a job whose results nobody will take (the tutor quitting), on the
 * state's thread, once vxu_job_run has returned.  NULL-safe. */
void vxu_job_drop(vxu_job *j);

/* Runs every job owed, one after another, on this thread (tests, start-up).
 * Returns the first failure's status (VX_OK when all went well). */
vx_status vxu_update(vxu_state *st);

/* Writes the current state as an HTML handout (vanex-handout.html in
 * st->export_dir) and puts the path (or the error) in the message line:
 * what `e` asks a job to do, here on this thread with the work owed before. */
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
#define VXU_KEY_MAX_BIAS   10

#endif
