/*
 * tutor_state.c — the tutor's state and key handling (no curses here).
 *
 * vxu_key() only edits fields and sets dirty bits; the jobs of
 * tutor_jobs.c do the computing; the live panel's content is built in
 * tutor_panel.c, from the data a job hands it; the help's text is in
 * tutor_help.c.  Keeping them apart is what lets the tests drive every key
 * without a terminal.
 */
#include "tui/tutor_state.h"
#include "tui/tutor_state_internal.h"
#include "report/text/utf8.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/regime.h"
#include "report/check.h"
#include "report/text/fmt.h"
#include "report/text/math.h"

/* ====================================================================
 * Layout
 * ==================================================================== */

void vxu_layout_for(int rows, int cols, vxu_layout *o)
{
	memset(o, 0, sizeof *o);
	o->rows = rows;
	o->cols = cols;
	if (rows < VXU_MIN_ROWS || cols < VXU_MIN_COLS) {
		o->too_small = 1;
		return;
	}
	o->title_row = 0;
	o->status_row = rows - 2;
	o->msg_row = rows - 1;
	int avail = rows - 3;          /* between the title bar and the status line */
	if (cols >= 120) {
		/* Wide: prose on the left at a readable measure, a panel with a plot beside it. */
		int tw = cols - 4 - 50;
		if (tw > 100)
			tw = 100;
		if (tw < 60)
			tw = 60;
		o->place = VXU_PANEL_SIDE;
		o->body_top = 1;
		o->body_rows = avail;
		o->text_x = 1;
		o->text_w = tw - 1;    /* column tw stays blank, so no word touches a mark */
		o->mark_x = tw + 1;
		o->panel_top = 1;
		o->panel_rows = avail;
		o->panel_x = tw + 4;   /* column tw+1 holds scroll marks, tw+2 the rule */
		o->panel_w = cols - o->panel_x - 1;
	} else if (rows >= 36) {
		/* Tall: the panel below the prose, with room for a plot. */
		int pr = rows / 3;
		if (pr > 20)
			pr = 20;
		o->place = VXU_PANEL_BOTTOM;
		o->body_top = 1;
		o->body_rows = avail - pr;
		o->panel_top = 1 + o->body_rows;
		o->panel_rows = pr;
		o->text_x = 1;
		/* a margin at the left, then the text, a blank column and the
		 * scroll marks, which take the last column at 80 */
		o->text_w = cols - 3 > 100 ? 100 : cols - 3;
		o->mark_x = o->text_x + o->text_w + 1;
		o->panel_x = 1;
		o->panel_w = cols - 2;
	} else {
		/* 80×24 and the like: a three-line strip of live values under the prose. */
		o->place = VXU_PANEL_STRIP;
		o->panel_rows = 3;
		o->body_top = 1;
		o->body_rows = avail - o->panel_rows;
		o->panel_top = 1 + o->body_rows;
		o->text_x = 1;
		/* a margin at the left, then the text, a blank column and the
		 * scroll marks, which take the last column at 80 */
		o->text_w = cols - 3 > 100 ? 100 : cols - 3;
		o->mark_x = o->text_x + o->text_w + 1;
		o->panel_x = 1;
		o->panel_w = cols - 2;
	}
}

/* ====================================================================
 * Messages
 * ==================================================================== */

void vxu_message(vxu_state *st, vxu_msg_kind kind, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(st->message, sizeof st->message, fmt, ap);
	va_end(ap);
	st->msg_kind = kind;
	/* the engine names quantities in Unicode (λ, ‖W‖₂): lambda, ||W||_2 here */
	char *ascii = st->utf8 ? NULL : vxm_to_ascii(st->message);
	if (ascii)
		snprintf(st->message, sizeof st->message, "%s", ascii);
	free(ascii);
}

/* Picks the Unicode or the ASCII spelling. */
#define U(st, u, a) ((st)->utf8 ? (u) : (a))

static vxf_style num_style(const vxu_state *st)
{
	return st->utf8 ? VXF_UNICODE : VXF_ASCII;
}

/* ====================================================================
 * Init / free
 * ==================================================================== */

static void set_date(vxu_state *st)
{
	time_t now = time(NULL);
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	struct tm tmv;
	if (sde && *sde) {
		char *end;
		long long v = strtoll(sde, &end, 10);
		if (*end == '\0' && v >= 0)
			now = (time_t)v;
		gmtime_r(&now, &tmv);
	} else {
		localtime_r(&now, &tmv);
	}
	strftime(st->date, sizeof st->date, "%Y-%m-%d", &tmv);
}

vx_status vxu_state_start(vxu_state *st, const vx_params *p, size_t start_step,
                          int utf8, int rows, int cols, vx_error *err)
{
	memset(st, 0, sizeof *st);
	st->params = *p;
	st->utf8 = utf8;
	st->export_dir = ".";
	st->nsteps = vxr_step_count();
	set_date(st);
	if (st->nsteps == 0)
		return vx_fail(err, VX_EINTERNAL, "the tutor has no steps (no templates compiled in)");
	if (start_step > st->nsteps)
		return vx_fail(err, VX_EUSAGE, "--step: expected a step from 1 to %zu, got %zu",
		               st->nsteps, start_step);
	st->step = start_step ? start_step - 1 : 0;
	for (size_t i = 0; i < st->nsteps; i++)
		st->nquestions += vxr_step_quiz_count(i);
	st->fixed_d = p->weights[0] != '\0' || p->model[0] != '\0';
	vxu_layout_for(rows, cols, &st->lay);

	/* t = 0 means T, or the loss step a model file recorded; j = 0 means t:
	 * both resolved once the model is loaded (clamp_selection) */
	st->t = st->params.t;
	st->k = 1;
	st->j = 0;
	vx_status rc = vxu_state_load(st, err);
	if (rc != VX_OK) {
		vxu_state_free(st);
		return rc;
	}
	/* + and − count steps of ×1.1 from the λ asked for, or from a file's,
	 * known once its analysis is in (NaN until then) */
	st->lam_base = (p->set & VX_SET_NORM) || !st->fixed_d ? p->norm : NAN;
	st->lam_steps = 0;
	st->good = st->params;
	st->good_t = st->t;
	st->good_lam_base = st->lam_base;
	st->good_lam_steps = 0;
	vxu_ask(st, VXU_DIRTY_ANALYSIS | VXU_DIRTY_DOC);
	vxu_refresh(st);
	return VX_OK;
}

vx_status vxu_state_init(vxu_state *st, const vx_params *p, size_t start_step,
                         int utf8, int rows, int cols, vx_error *err)
{
	vx_status rc = vxu_state_start(st, p, start_step, utf8, rows, cols, err);
	if (rc != VX_OK)
		return rc;
	vxu_update(st);
	if (st->fatal != VX_OK) {
		rc = st->fatal;
		if (err)
			*err = st->fatal_err;
		vxu_state_free(st);
		return rc;
	}
	return VX_OK;
}

void vxu_state_free(vxu_state *st)
{
	if (!st)
		return;
	vxu_net_release(st->net);   /* a job still out keeps what it holds a reference to */
	vxu_forget_docs(st);
	free(st->docs);
	vxt_lines_clear(&st->panel);
	vxt_lines_clear(&st->status);
	memset(st, 0, sizeof *st);
}

/* ====================================================================
 * Keys
 * ==================================================================== */

/* Sizes the d/D and s/S keys step through: fine where small sizes matter
 * (a 3×3 matrix reads differently from a 4×4), coarse where they do not. */
static const size_t hidden_ladder[] = { 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256 };
static const size_t steps_ladder[] = { 1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80,
                                       100, 120, 150, 200, 250, 300, 400, 500, 600, 800, 1000,
                                       1200, 1500, 2000 };

/* The size after v on ladder l (n entries), up or down; v itself at the
 * ladder's end or past max, and then the message line says where it stops
 * (at_most and at_least are formats of one %zu, the bound). */
static size_t ladder_move(vxu_state *st, const size_t *l, size_t n, size_t v, int up, size_t max,
                          const char *at_most, const char *at_least)
{
	size_t nv = v;
	if (up) {
		for (size_t i = 0; i < n && nv == v; i++)
			if (l[i] > v)
				nv = l[i];
	} else {
		for (size_t i = n; i-- > 0 && nv == v;)
			if (l[i] < v)
				nv = l[i];
	}
	if (up && nv > max)
		nv = v;
	if (nv == v)
		vxu_message(st, VXU_MSG_INFO, up ? at_most : at_least, up ? max : (size_t)1);
	return nv;
}

#define LADDER_MOVE(st, l, v, up, max, at_most, at_least) \
	ladder_move(st, l, sizeof l / sizeof l[0], v, up, max, at_most, at_least)

/* The sizes in effect, counting a change a key made that no job has
 * computed yet: keys go on while the network is computed (and several may
 * come before one job is taken). */
static int pending(const vxu_state *st, unsigned bit)
{
	return (vxu_stale(st) & VXU_STALE_NET) && (st->params.set & bit);
}

static size_t cur_T(const vxu_state *st)
{
	if (pending(st, VX_SET_STEPS) || !st->model)
		return st->params.steps;
	return st->model->T;
}

static size_t cur_d(const vxu_state *st)
{
	if (pending(st, VX_SET_HIDDEN) || !st->model)
		return st->params.hidden;
	return st->model->d;
}

static vxu_reaction go_step(vxu_state *st, size_t step)
{
	if (step == st->step)
		return VXU_REDRAW;
	st->step = step;
	st->scroll = 0;
	vxu_ask(st, VXU_DIRTY_DOC);
	return VXU_REDRAW;
}

static vxu_reaction scroll_by(vxu_state *st, long delta)
{
	size_t max = vxu_scroll_max(st);
	long s = (long)st->scroll + delta;
	if (s < 0)
		s = 0;
	if ((size_t)s > max)
		s = (long)max;
	if ((size_t)s == st->scroll)
		return VXU_NONE;
	st->scroll = (size_t)s;
	return VXU_REDRAW;
}

static vxu_reaction set_lambda(vxu_state *st, double lambda)
{
	st->params.norm = lambda;
	st->params.set |= VX_SET_NORM;
	st->changed = VXU_CH_LAMBDA;
	vxu_ask(st, VXU_DIRTY_MODEL);
	/* the status line keeps the λ measured until the new one is: say which
	 * is on its way (a small network's comes before this is ever drawn) */
	char l[64];
	vxf_num(l, sizeof l, lambda, 3, num_style(st));
	vxu_message(st, VXU_MSG_PENDING, "computing the network with %s = %s %s", U(st, "λ", "lambda"), l,
	            U(st, "…", "..."));
	return VXU_RECOMPUTE;
}

/* λ at lam_steps steps of ×1.1 from lam_base: computed afresh from the count,
 * never from the λ measured last, so that + then − (or = and any number of
 * + and − that cancel) asks for lam_base itself, without drift. */
static double lam_at(const vxu_state *st, int steps)
{
	return steps == 0 ? st->lam_base : st->lam_base * pow(1.1, steps);
}

static vxu_reaction key_lambda(vxu_state *st, int up)
{
	if (isnan(st->lam_base)) {
		/* a file's W as given: its λ comes with the first analysis */
		vxu_message(st, VXU_MSG_INFO, "%s of the weights file is being computed; = sets 1/%s",
		            U(st, "λ", "lambda"), U(st, "γ", "gamma"));
		return VXU_REDRAW;
	}
	double l = lam_at(st, st->lam_steps);
	if (up) {
		if (l == 0.0) {
			st->lam_base = 0.1;   /* ×1.1 would never leave 0 */
			st->lam_steps = 0;
			return set_lambda(st, 0.1);
		}
		if (lam_at(st, st->lam_steps + 1) > 1e6) {
			vxu_message(st, VXU_MSG_INFO, "%s stops at 10%s here; --norm sets any value",
			            U(st, "λ", "lambda"), U(st, "⁶", "^6"));
			return VXU_REDRAW;
		}
		return set_lambda(st, lam_at(st, ++st->lam_steps));
	}
	if (l < 1e-6) {
		vxu_message(st, VXU_MSG_INFO, "%s stops at 10%s here; --norm sets any value",
		            U(st, "λ", "lambda"), U(st, "⁻⁶", "^-6"));
		return VXU_REDRAW;
	}
	return set_lambda(st, lam_at(st, --st->lam_steps));
}

static vxu_reaction key_act(vxu_state *st, int up)
{
	int a = (int)st->params.act;
	a = up ? (a + 1) % VX_ACT_COUNT : (a + VX_ACT_COUNT - 1) % VX_ACT_COUNT;
	st->params.act = (vx_act)a;
	st->params.set |= VX_SET_ACT;
	st->changed = VXU_CH_ACT;
	vxu_ask(st, VXU_DIRTY_MODEL);
	return VXU_RECOMPUTE;
}

/* Moves *v one up or down within 1 .. max; at a bound, says so instead
 * (at_most and at_least are formats of one %zu, the bound) and returns 0. */
static int move_within(vxu_state *st, size_t *v, int up, size_t max, const char *at_most,
                       const char *at_least)
{
	if (up ? *v >= max : *v <= 1) {
		vxu_message(st, VXU_MSG_INFO, up ? at_most : at_least, up ? max : (size_t)1);
		return 0;
	}
	*v = up ? *v + 1 : *v - 1;
	return 1;
}

static vxu_reaction key_loss_step(vxu_state *st, int up)
{
	if (!move_within(st, &st->t, up, cur_T(st), "t is at most T = %zu (S adds steps)", "t is at least %zu"))
		return VXU_REDRAW;
	if (st->k > st->t)
		st->k = st->t;   /* k follows t down: a path starts at or before the loss step */
	st->params.t = st->t;
	st->params.set |= VX_SET_T;
	st->changed = VXU_CH_T;
	vxu_ask(st, VXU_DIRTY_ANALYSIS);
	return VXU_RECOMPUTE;
}

/* k (up to t) or j (up to T): the text and the panel change, not the network. */
static vxu_reaction key_selection(vxu_state *st, int up, vxu_change which)
{
	int ok = which == VXU_CH_K
	         ? move_within(st, &st->k, up, st->t, "k is at most t = %zu (T raises t)", "k is at least %zu")
	         : move_within(st, &st->j, up, cur_T(st), "j is at most T = %zu", "j is at least %zu");
	if (!ok)
		return VXU_REDRAW;
	st->changed = which;
	vxu_ask(st, VXU_DIRTY_DOC | VXU_DIRTY_TEXT);
	return VXU_RECOMPUTE;
}

static vxu_reaction key_hidden(vxu_state *st, int up)
{
	if (st->fixed_d) {
		vxu_message(st, VXU_MSG_INFO, "d = %zu is fixed by the weights file", cur_d(st));
		return VXU_REDRAW;
	}
	size_t d = cur_d(st);
	size_t nd = LADDER_MOVE(st, hidden_ladder, d, up, VXU_KEY_MAX_HIDDEN,
	                        "d stops at %zu here; --hidden sets more", "d is at least %zu");
	if (nd == d)
		return VXU_REDRAW;
	st->params.hidden = nd;
	st->params.set |= VX_SET_HIDDEN;
	st->changed = VXU_CH_HIDDEN;
	vxu_ask(st, VXU_DIRTY_MODEL);
	return VXU_RECOMPUTE;
}

static vxu_reaction key_steps(vxu_state *st, int up)
{
	size_t T = cur_T(st);
	if (st->params.inputs_file[0]) {
		vxu_message(st, VXU_MSG_INFO, "T = %zu is fixed by the inputs file", T);
		return VXU_REDRAW;
	}
	size_t nT = LADDER_MOVE(st, steps_ladder, T, up, VXU_KEY_MAX_STEPS,
	                        "T stops at %zu here; --steps sets more", "T is at least %zu");
	if (nT == T)
		return VXU_REDRAW;
	/* t and j at the last step stay at the last step; otherwise they stay put unless cut off. */
	if (st->t == T || st->t > nT)
		st->t = nT;
	if (st->j == T || st->j > nT)
		st->j = nT;
	if (st->k > st->t)
		st->k = st->t;
	st->params.steps = nT;
	st->params.t = st->t;
	st->params.set |= VX_SET_STEPS | VX_SET_T;
	st->changed = VXU_CH_STEPS;
	vxu_ask(st, VXU_DIRTY_MODEL);
	return VXU_RECOMPUTE;
}

static vxu_reaction key_seed(vxu_state *st, int up)
{
	if (st->params.model[0]) {
		vxu_message(st, VXU_MSG_INFO, "the model file fixes W, U, the inputs and the target: no seed to change");
		return VXU_REDRAW;
	}
	if (st->params.weights_net && st->params.inputs_file[0]) {
		vxu_message(st, VXU_MSG_INFO, "the weights and the inputs come from files: no seed to change");
		return VXU_REDRAW;
	}
	if (!up && st->params.seed == 0) {
		vxu_message(st, VXU_MSG_INFO, "the seed is at least 0");
		return VXU_REDRAW;
	}
	st->params.seed = up ? st->params.seed + 1 : st->params.seed - 1;
	st->params.set |= VX_SET_SEED;
	st->changed = VXU_CH_SEED;
	vxu_ask(st, VXU_DIRTY_MODEL);
	return VXU_RECOMPUTE;
}

/* The forget bias of the gated networks beside this one (report/doc/env.h),
 * in whole steps: 0 is PyTorch's default, 1 the usual remedy.  Only the
 * steps and the panel that read the gated networks change; the vanilla
 * network stays as it is. */
static vxu_reaction key_bias(vxu_state *st, int up)
{
	double b = up ? floor(st->forget_bias) + 1 : ceil(st->forget_bias) - 1;
	if (b > VXU_KEY_MAX_BIAS || b < -VXU_KEY_MAX_BIAS) {
		vxu_message(st, VXU_MSG_INFO, "the forget bias stops at %s%d here (--forget-bias goes beyond)",
		            up ? "" : U(st, "−", "-"), VXU_KEY_MAX_BIAS);
		return VXU_REDRAW;
	}
	st->forget_bias = b;
	st->changed = VXU_CH_BIAS;
	vxu_ask(st, VXU_DIRTY_DOC | VXU_DIRTY_TEXT);
	return VXU_RECOMPUTE;
}

/* The cell whose numbers the cell-wide names read: rnn, lstm, gru in turn
 * (C backwards).  The vanilla network stays; an LSTM or a GRU is the one
 * beside it (report/doc/env.h), and the steps about the vanilla cell say
 * so under their titles. */
static vxu_reaction key_cell(vxu_state *st, int up)
{
	st->cell = (vx_cell)((st->cell + (up ? 1 : VX_CELL_COUNT - 1)) % VX_CELL_COUNT);
	st->changed = VXU_CH_CELL;
	vxu_ask(st, VXU_DIRTY_DOC | VXU_DIRTY_TEXT);
	return VXU_RECOMPUTE;
}

static vxu_reaction key_digit(vxu_state *st, int dg)
{
	/* Typing 1 then 2 goes to step 1, then to 12 when there is a step 12,
	 * if the 2 comes within VXU_DIGIT_MS: a 3 pressed after reading step 1
	 * is step 3, not 13 */
	int target = -1;
	if (st->digits && st->key_ms - st->digit_ms > VXU_DIGIT_MS)
		st->digits = 0;
	st->digit_ms = st->key_ms;
	if (st->digits) {
		long n = (long)st->digits * 10 + dg;
		if (n <= (long)st->nsteps)
			target = (int)n;
	}
	if (target < 0)
		target = dg;
	if (target == 0) {
		st->digits = 0;
		return VXU_NONE;
	}
	if ((size_t)target > st->nsteps) {
		st->digits = 0;
		vxu_message(st, VXU_MSG_INFO, "there are %zu steps", st->nsteps);
		return VXU_REDRAW;
	}
	st->digits = target;
	vxu_reaction re = go_step(st, (size_t)target - 1);
	if ((size_t)target * 10 <= st->nsteps) {
		size_t hi = (size_t)target * 10 + 9 < st->nsteps ? (size_t)target * 10 + 9 : st->nsteps;
		vxu_message(st, VXU_MSG_INFO, "step %d; another digit within a second: steps %d to %zu", target,
		            target * 10, hi);
	}
	return re;
}

/* What vxu_key does, before the derived parts of the state are refreshed. */
static vxu_reaction apply_key(vxu_state *st, int key)
{
	/* q first, so it quits from every screen.  Esc does not quit: it closes
	 * the help, and a second Esc pressed to make sure, an Alt+key (sent as
	 * Esc and the key) or a sequence the terminal split would otherwise end
	 * the session. */
	if (key == 'q' || key == 'Q')
		return VXU_QUIT;
	if (key == VXU_K_CTRL_L)
		return VXU_REDRAW_ALL;
	if (st->lay.too_small)
		return VXU_NONE;
	if (st->overlay == VXU_OV_HELP) {
		st->overlay = VXU_OV_NONE;   /* Esc or any other key closes the help */
		return VXU_REDRAW;
	}

	/* the answer line and the verdict take their keys first */
	if (st->quiz.mode != VXU_QZ_IDLE) {
		vxu_quiz *qz = &st->quiz;
		/* a UTF-8 character typed or pasted ("×10⁻²" as the screen shows it)
		 * comes a byte at a time; in a terminal that is not in UTF-8 such
		 * bytes are not characters the line can show */
		int high = key >= 0x80 && key <= 0xff;
		int in = key == VXU_K_ESC ? VXU_QZ_CANCEL
		       : key == VXU_K_BACKSPACE ? VXU_QZ_ERASE
		       : key == VXU_K_ENTER ? VXU_QZ_JUDGE
		       : (key >= 0x20 && key < 0x7f) || (high && st->utf8) ? key : VXU_QZ_OTHER;
		vxu_qz_result r = vxu_quiz_key(qz, st->prog, st->net_key, in);
		if (r == VXU_QZ_DONE && high && !st->utf8 && qz->mode == VXU_QZ_TYPING) {
			vxu_message(st, VXU_MSG_INFO, "this terminal is not in UTF-8: type the answer in ASCII, as 1.2e-2 or rho");
			return VXU_REDRAW;
		}
		if (r == VXU_QZ_DONE) {
			st->message[0] = '\0';
			if (qz->mode == VXU_QZ_TYPING && qz->unreadable) {
				char ex[160];
				vxu_message(st, VXU_MSG_INFO, "'%s' is not an answer: type %s", qz->said,
				            vxr_quiz_expects(&qz->doc->quiz[qz->q].q, ex, sizeof ex));
			}
			return VXU_REDRAW;
		}
	}

	int had_message = st->message[0] != '\0';
	st->message[0] = '\0';
	if (key >= '0' && key <= '9')
		return key_digit(st, key - '0');
	st->digits = 0;

	switch (key) {
	case 'i':
		if (!st->doc) {
			vxu_message(st, VXU_MSG_INFO, "this step is still being laid out");
			return VXU_REDRAW;
		}
		if (vxu_quiz_open(&st->quiz, st->doc, st->prog, st->net_key) < 0) {
			vxu_message(st, VXU_MSG_INFO, "this step asks no question; %s goes on", U(st, "→", "Right"));
			return VXU_REDRAW;
		}
		/* the questions end the step's text: show them above the answer
		 * line, or the student answers a question that is off the screen */
		st->scroll = vxu_scroll_max(st);
		return VXU_REDRAW;
	case VXU_K_ENTER:
	case VXU_K_RIGHT: case 'l': case 'n': case ' ':
		if (st->step + 1 >= st->nsteps) {
			vxu_message(st, VXU_MSG_INFO, "this is the last step; g goes back to the first, q quits");
			return VXU_REDRAW;
		}
		return go_step(st, st->step + 1);
	case VXU_K_BACKSPACE:
	case VXU_K_LEFT: case 'h': case 'p':
		if (st->step == 0) {
			vxu_message(st, VXU_MSG_INFO, "this is the first step; %s goes on",
			            U(st, "→", "Right"));
			return VXU_REDRAW;
		}
		return go_step(st, st->step - 1);
	case VXU_K_HOME: case 'g':
		return go_step(st, 0);
	case VXU_K_END: case 'G':
		return go_step(st, st->nsteps - 1);
	case VXU_K_UP:
		return scroll_by(st, -1) == VXU_NONE && !had_message ? VXU_NONE : VXU_REDRAW;
	case VXU_K_DOWN:
		return scroll_by(st, 1) == VXU_NONE && !had_message ? VXU_NONE : VXU_REDRAW;
	case VXU_K_PGUP: {
		int page = st->lay.body_rows > 2 ? st->lay.body_rows - 1 : 1;
		return scroll_by(st, -page) == VXU_NONE && !had_message ? VXU_NONE : VXU_REDRAW;
	}
	case VXU_K_PGDN: {
		int page = st->lay.body_rows > 2 ? st->lay.body_rows - 1 : 1;
		return scroll_by(st, page) == VXU_NONE && !had_message ? VXU_NONE : VXU_REDRAW;
	}
	case '+':
		return key_lambda(st, 1);
	case '-':
		return key_lambda(st, 0);
	case '=': {
		double g = vx_act_gamma(st->params.act);
		st->lam_base = g > 0 ? 1.0 / g : 1.0;   /* exact: γ is ¼ or 1 */
		st->lam_steps = 0;
		return set_lambda(st, st->lam_base);
	}
	case 'a': return key_act(st, 1);
	case 'A': return key_act(st, 0);
	case 't': return key_loss_step(st, 0);
	case 'T': return key_loss_step(st, 1);
	case 'k': return key_selection(st, 0, VXU_CH_K);
	case 'K': return key_selection(st, 1, VXU_CH_K);
	case 'j': return key_selection(st, 0, VXU_CH_J);
	case 'J': return key_selection(st, 1, VXU_CH_J);
	case 'd': return key_hidden(st, 0);
	case 'D': return key_hidden(st, 1);
	case 's': return key_steps(st, 0);
	case 'S': return key_steps(st, 1);
	case 'c': return key_cell(st, 1);
	case 'C': return key_cell(st, 0);
	case 'b': return key_bias(st, 0);
	case 'B': return key_bias(st, 1);
	case 'r': return key_seed(st, 1);
	case 'R': return key_seed(st, 0);
	case 'v': case 'V':
		st->view = (vxu_view)((st->view + (key == 'v' ? 1 : VXU_VIEW_COUNT - 1)) % VXU_VIEW_COUNT);
		vxu_ask(st, VXU_DIRTY_DOC);
		return VXU_REDRAW;
	case 'e':
		/* written by a job, with the network of every key before this one */
		st->want_export = 1;
		vxu_message(st, VXU_MSG_PENDING, "writing the handout %s", U(st, "…", "..."));
		return VXU_EXPORT;
	case VXU_K_ESC:
		vxu_message(st, VXU_MSG_INFO, "Esc closes the help; q quits");
		return VXU_REDRAW;
	case '?':
		st->overlay = VXU_OV_HELP;
		return VXU_REDRAW;
	default:
		vxu_message(st, VXU_MSG_INFO, "that key does nothing here; ? lists every key");
		return VXU_REDRAW;
	}
}

vxu_reaction vxu_key(vxu_state *st, int key)
{
	vxu_reaction r = apply_key(st, key);
	if (r != VXU_NONE && r != VXU_QUIT)
		vxu_refresh(st);
	return r;
}

vxu_reaction vxu_resize(vxu_state *st, int rows, int cols)
{
	vxu_layout old = st->lay;
	vxu_layout_for(rows, cols, &st->lay);
	if (!st->lay.too_small && (old.too_small || old.text_w != st->lay.text_w
	                           || old.panel_w != st->lay.panel_w
	                           || old.panel_rows != st->lay.panel_rows
	                           || old.place != st->lay.place))
		vxu_ask(st, VXU_DIRTY_DOC | (old.text_w != st->lay.text_w ? VXU_DIRTY_TEXT : 0u));
	vxu_refresh(st);
	return VXU_REDRAW;
}

/* ====================================================================
 * Requests, and what the screen shows meanwhile
 * ==================================================================== */

void vxu_ask(vxu_state *st, unsigned bits)
{
	st->gen++;
	st->dirty |= bits;
	/* a new network brings new text and a new panel; new text (k, j, the
	 * width) a new panel */
	if (bits & NET_BITS)
		st->asked_net = st->gen;
	if (bits & (NET_BITS | VXU_DIRTY_TEXT))
		st->asked_text = st->gen;
	if (bits & (NET_BITS | VXU_DIRTY_TEXT | VXU_DIRTY_DOC))
		st->asked_panel = st->gen;
}

/* The laid-out steps kept are those of the network, k, j and width asked
 * for (else they are shown, dimmed, until new ones come). */
int vxu_docs_current(const vxu_state *st)
{
	return !(st->dirty & (NET_BITS | VXU_DIRTY_TEXT)) && st->docs_gen >= st->asked_text;
}

/* The current step could not be laid out, for the steps kept now. */
int vxu_doc_failed(const vxu_state *st)
{
	return st->doc_error[0] && st->doc_error_step == st->step;
}

unsigned vxu_stale(const vxu_state *st)
{
	unsigned s = 0;
	if (!st->net || (st->dirty & NET_BITS) || st->net_gen < st->asked_net)
		s |= VXU_STALE_NET;
	if ((s & VXU_STALE_NET) || !vxu_docs_current(st) || (!st->doc && !vxu_doc_failed(st)))
		s |= VXU_STALE_TEXT;
	if ((s & VXU_STALE_NET) || (st->dirty & (VXU_DIRTY_TEXT | VXU_DIRTY_DOC)) ||
	    st->panel_gen < st->asked_panel)
		s |= VXU_STALE_PANEL;
	if (st->want_export || st->exporting)
		s |= VXU_STALE_EXPORT;
	return s;
}

const char *vxu_busy_note(const vxu_state *st)
{
	if (st->lay.too_small)
		return NULL;
	const char *note = NULL;
	if (vxu_stale(st) & (VXU_STALE_NET | VXU_STALE_TEXT | VXU_STALE_PANEL))
		note = st->utf8 ? "updating…" : "updating...";
	else if (st->want_export || st->exporting)   /* `e`: its message may be gone */
		note = st->utf8 ? "writing…" : "writing...";
	else if (st->extras_want)   /* what the step says is being computed (env.h) */
		note = st->utf8 ? "computing…" : "computing...";
	if (note && st->busy_short)
		note = st->utf8 ? "…" : "...";
	return note;
}

/* Tells the student, in the message line, what the change they made did. */
void vxu_note_change(vxu_state *st)
{
	const vx_result *r = st->result;
	char l[64], gl[64], g[64];
	vxf_num(l, sizeof l, r->lambda, 3, num_style(st));
	vxf_num(g, sizeof g, r->gamma, 3, num_style(st));
	vxr_gl_num(gl, sizeof gl, r, 3, num_style(st));
	/* the words of check, by the one policy for γλ = 1 (engine/regime.h) */
	vx_regime regime = vx_result_regime(r);
	switch (st->changed) {
	case VXU_CH_LAMBDA:
		if (regime == VX_REGIME_EDGE)
			vxu_message(st, VXU_MSG_INFO, "%s = %s, %s %s", U(st, "λ", "lambda"), l,
			            U(st, "γλ", "gamma*lambda"), vxr_regime_words(regime));
		else
			vxu_message(st, VXU_MSG_INFO, "%s = %s, %s = %s %s", U(st, "λ", "lambda"), l,
			            U(st, "γλ", "gamma*lambda"), gl, vxr_regime_words(regime));
		break;
	case VXU_CH_ACT:
		vxu_message(st, VXU_MSG_INFO, "%s: %s = max %s = %s, so %s = %s",
		            vx_act_name(st->model->act), U(st, "γ", "gamma"), U(st, "σ′", "sigma'"), g,
		            U(st, "γλ", "gamma*lambda"), gl);
		break;
	case VXU_CH_T:
		vxu_message(st, VXU_MSG_INFO, "loss step t = %zu: %zu path%s, the longest with %zu factor%s", st->t,
		            st->t, st->t == 1 ? "" : "s", st->t - 1, st->t == 2 ? "" : "s");
		break;
	case VXU_CH_K: {
		/* J₄₈ … J₅₀ as the panel writes them, J_48 ... J_50 in ASCII */
		char lo[64], hi[64];
		if (st->utf8) {
			vxf_sub_int(lo, sizeof lo, (long long)st->k + 1);
			vxf_sub_int(hi, sizeof hi, (long long)st->t);
		} else {
			snprintf(lo, sizeof lo, "_%zu", st->k + 1);
			snprintf(hi, sizeof hi, "_%zu", st->t);
		}
		if (st->t - st->k == 1)
			vxu_message(st, VXU_MSG_INFO, "path from k = %zu: 1 factor J%s", st->k, hi);
		else
			vxu_message(st, VXU_MSG_INFO, "path from k = %zu: %zu factors J%s %s J%s", st->k,
			            st->t - st->k, lo, U(st, "…", "..."), hi);
		if (st->k == st->t)
			vxu_message(st, VXU_MSG_INFO, "k = t = %zu: no factors, the empty product is the identity",
			            st->t);
		break;
	}
	case VXU_CH_J:
		vxu_message(st, VXU_MSG_INFO, "chosen step j = %zu", st->j);
		break;
	case VXU_CH_HIDDEN:
		vxu_message(st, VXU_MSG_INFO, "hidden size d = %zu: W is %zu%s%zu, rescaled to %s = %s",
		            st->model->d, st->model->d, U(st, "×", "x"), st->model->d, U(st, "λ", "lambda"), l);
		break;
	case VXU_CH_STEPS:
		vxu_message(st, VXU_MSG_INFO, "T = %zu step%s, loss step t = %zu", st->model->T,
		            st->model->T == 1 ? "" : "s", st->t);
		break;
	case VXU_CH_SEED:
		vxu_message(st, VXU_MSG_INFO, "seed %lu: a new W, inputs and target with the same %s = %s",
		            st->params.seed, U(st, "λ", "lambda"), l);
		break;
	case VXU_CH_CELL:
		if (st->cell == VX_CELL_RNN)
			vxu_message(st, VXU_MSG_INFO, "cell rnn: the names follow this vanilla network again");
		else
			vxu_message(st, VXU_MSG_INFO, "cell %s: the %s beside this network, same d, T, inputs and %s",
			            vx_cell_name(st->cell), vx_cell_name(st->cell), U(st, "λ", "lambda"));
		break;
	case VXU_CH_BIAS: {
		/* σ(b): where the forget gate sits with nothing else in it */
		char b[32], f[32];
		vxf_num(b, sizeof b, st->forget_bias, 3, num_style(st));
		vxf_num(f, sizeof f, 1 / (1 + exp(-st->forget_bias)), 3, num_style(st));
		vxu_message(st, VXU_MSG_INFO, "forget bias %s of the LSTM and GRU beside this network: %s(%s) = %s",
		            b, U(st, "σ", "sigma"), b, f);
		break;
	}
	default:
		break;
	}
}

/* The status line: every parameter, always.  When it does not fit, first the
 * spacing goes, then the ASCII names get shorter, then j and seed go (they
 * are still in the help and the panel), never the activation, d, T, t, k, λ,
 * γ or γλ.  While a new network is computed, what the student chose is
 * shown at once and what is computed (λ, γ, γλ) is the previous network's,
 * dimmed, with room kept for vxu_busy_note. */
/* The status line's fields.  Names: full, short, shortest (ASCII only
 * differs). */
enum { F_D, F_TT, F_T, F_K, F_J, F_L, F_G, F_GL, F_SEED, NF };
typedef struct {
	const char *name[3];
	char val[48];
	vxt_role role;
} status_field;

/* Which names a level of the status line uses */
#define STATUS_NAMES(level) ((level) >= 3 ? 2 : (level) == 2 ? 1 : 0)

/* The width of the status line as build_status prints it at a level
 * (spacing and names), without the fields in skip (bits 1 << F_x). */
static int status_width(const status_field *f, const char *cell, const char *act, int level, unsigned skip)
{
	int sp = level == 0 ? 2 : 1, names = STATUS_NAMES(level);
	int width = 1 + (cell ? vxr_u8_width(cell) + sp : 0) + vxr_u8_width(act);
	for (int i = 0; i < NF; i++)
		if (!(skip >> i & 1))
			width += sp + vxr_u8_width(f[i].name[names]) + 1 + vxr_u8_width(f[i].val);
	return width;
}

static void build_status(vxu_state *st)
{
	vxt_lines_clear(&st->status);
	const vx_result *r = st->result;
	vxf_style fs = num_style(st);
	/* λ and γ as the keys chose them, at once, while the network is
	 * computed: W is scaled to ‖W‖₂ = λ (a file's W keeps its own unless a
	 * key set λ, and no other key changes it), and γ = max σ' is the
	 * activation's */
	int lam_chosen = pending(st, VX_SET_NORM), act_chosen = pending(st, VX_SET_ACT);
	char l[48], g[48], gl[48];
	double lam = NAN, gam = NAN;
	if (r) {
		lam = lam_chosen ? st->params.norm : r->lambda;
		gam = act_chosen ? vx_act_gamma(st->params.act) : r->gamma;
		vxf_num(l, sizeof l, lam, 3, fs);
		vxf_num(g, sizeof g, gam, 3, fs);
		vxr_gl_num_of(gl, sizeof gl, gam, lam, 3, fs);
	} else {
		/* the first analysis is not in yet */
		snprintf(l, sizeof l, "%s", U(st, "…", "..."));
		snprintf(g, sizeof g, "%s", l);
		snprintf(gl, sizeof gl, "%s", l);
	}
	status_field f[NF] = {
		[F_D] = { { "d", "d", "d" }, "", VXT_NUMBER },
		[F_TT] = { { "T", "T", "T" }, "", VXT_NUMBER },
		[F_T] = { { "t", "t", "t" }, "", VXT_NUMBER },
		[F_K] = { { "k", "k", "k" }, "", VXT_NUMBER },
		[F_J] = { { "j", "j", "j" }, "", VXT_NUMBER },
		[F_L] = { { U(st, "λ", "lambda"), U(st, "λ", "lam"), U(st, "λ", "l") }, "", VXT_NUMBER },
		[F_G] = { { U(st, "γ", "gamma"), U(st, "γ", "gam"), U(st, "γ", "g") }, "", VXT_NUMBER },
		[F_GL] = { { U(st, "γλ", "gamma*lambda"), U(st, "γλ", "gam*lam"), U(st, "γλ", "gl") }, "",
		           !r || vx_regime_of(gam, lam) == VX_REGIME_EDGE ? VXT_NUMBER : VXT_BAD },
		[F_SEED] = { { "seed", "seed", "seed" }, "", VXT_NUMBER },
	};
	snprintf(f[F_D].val, sizeof f[F_D].val, "%zu", cur_d(st));
	snprintf(f[F_TT].val, sizeof f[F_TT].val, "%zu", cur_T(st));
	snprintf(f[F_T].val, sizeof f[F_T].val, "%zu", st->t);
	snprintf(f[F_K].val, sizeof f[F_K].val, "%zu", st->k);
	snprintf(f[F_J].val, sizeof f[F_J].val, "%zu", st->j);
	snprintf(f[F_L].val, sizeof f[F_L].val, "%s", l);
	snprintf(f[F_G].val, sizeof f[F_G].val, "%s", g);
	snprintf(f[F_GL].val, sizeof f[F_GL].val, "%s", gl);
	/* a model file that records no seed was drawn from none (and takes no
	 * seed key) */
	if (st->eff.unseeded)
		snprintf(f[F_SEED].val, sizeof f[F_SEED].val, "none");
	else
		snprintf(f[F_SEED].val, sizeof f[F_SEED].val, "%lu",
		         pending(st, VX_SET_SEED) ? st->params.seed : st->eff.seed);

	const char *act = vx_act_name(pending(st, VX_SET_ACT) ? st->params.act : st->model->act);
	/* the note in words: whether they fit is decided below, afresh each
	 * time (the "…" of the last line built would leave room that the
	 * words then take, cutting γλ, and the next line would flip back) */
	st->busy_short = 0;
	const char *busy = vxu_busy_note(st);
	/* Levels: 0 wide spacing, 1 single spaces, 2 short names, 3 shortest
	 * names, 4 without j and seed (only on the narrowest screens).  The
	 * count of answers gives way before any name is shortened, except in
	 * ASCII, where the names are spelled out ("gamma*lambda") and the
	 * count would never fit 80 columns: it gives way there to the shortest
	 * names only ("gl"), and stays beside the short ones ("gam*lam"). */
	int level;
	/* a gated cell the names follow comes first (the vanilla one goes
	 * without saying); the activation is the vanilla network's, which
	 * every cell stands beside */
	const char *cell = st->cell != VX_CELL_RNN ? vx_cell_name(st->cell) : NULL;
	for (int pass = 0; pass < 2; pass++) {
		int room = st->lay.cols - (int)strlen(st->status_right) - 3 - (busy ? vxr_u8_width(busy) + 2 : 0);
		for (level = 0; level < 4; level++)
			if (status_width(f, cell, act, level, 0) <= room)
				break;
		if (level < (st->utf8 ? 2 : 3) || strcmp(st->status_right, st->progress) == 0)
			break;
		snprintf(st->status_right, sizeof st->status_right, "%s", st->progress);
	}
	/* without j and seed and still too wide (60 columns with "updating…"
	 * or "computing…" beside): γ goes too, γλ stays, and if that is not
	 * enough the note beside shrinks to "…" (vxu_busy_note) */
	unsigned skip = 0;
	if (level == 4) {
		int room = st->lay.cols - (int)strlen(st->status_right) - 3;
		int bw = busy ? vxr_u8_width(busy) + 2 : 0;
		skip = 1u << F_J | 1u << F_SEED;
		if (busy && status_width(f, cell, act, level, skip | 1u << F_G) > room - bw) {
			st->busy_short = 1;
			bw = (st->utf8 ? 1 : 3) + 2;   /* "…" or "..." */
		}
		if (status_width(f, cell, act, level, skip) > room - bw)
			skip |= 1u << F_G;
	}
	int names = STATUS_NAMES(level);
	vxt_lines *s = &st->status;
	vxt_lines_newline(s);
	if (cell) {
		vxt_lines_printf(s, VXT_STRONG, " %s", cell);
		vxt_lines_puts(s, VXT_TEXT, level == 0 ? " " : "");
	}
	vxt_lines_printf(s, VXT_NUMBER, " %s", act);
	for (int i = 0; i < NF; i++) {
		if (skip >> i & 1)
			continue;
		vxt_lines_puts(s, VXT_TEXT, level == 0 ? "  " : " ");
		vxt_lines_printf(s, VXT_TEXT, "%s=", f[i].name[names]);
		vxt_lines_puts(s, f[i].role, f[i].val);
	}
}

void vxu_forget_docs(vxu_state *st)
{
	vxu_quiz_follow(&st->quiz, NULL, st->quiz.net);   /* it points into a doc: until the next */
	if (st->docs)
		for (size_t i = 0; i < st->nsteps; i++) {
			vxt_doc_free(st->docs[i]);
			st->docs[i] = NULL;
		}
	st->doc = NULL;
	st->doc_error[0] = '\0';
}

/* What keys and results change besides what they set: the step shown (laid
 * out, or not yet), the scroll within it, the progress and the status line. */
void vxu_refresh(vxu_state *st)
{
	st->doc = st->docs ? st->docs[st->step] : NULL;
	if (st->net && st->result)
		vxu_net_key(&st->eff, st->result->t, st->net_key);
	/* a question follows its step laid out anew (a resize), and closes
	 * with another step or network */
	if (st->quiz.mode != VXU_QZ_IDLE && st->quiz.doc && st->doc && st->quiz.doc != st->doc)
		vxu_quiz_reset(&st->quiz);   /* both laid out: another step */
	vxu_quiz_follow(&st->quiz, st->doc, st->net_key);
	if (st->prog)
		vxu_progress_seen(st->prog, st->step);
	snprintf(st->progress, sizeof st->progress, "%zu/%zu", st->step + 1, st->nsteps);
	if (st->nquestions && st->prog && st->net && st->result)
		snprintf(st->status_right, sizeof st->status_right, "%zu/%zu right  %s",
		         vxu_progress_right(st->prog, st->net_key), st->nquestions, st->progress);
	else
		snprintf(st->status_right, sizeof st->status_right, "%s", st->progress);
	size_t max = vxu_scroll_max(st);
	if (st->scroll > max)
		st->scroll = max;
	if (st->net && !st->lay.too_small)
		build_status(st);
}

size_t vxu_scroll_max(const vxu_state *st)
{
	if (!st->doc || st->lay.body_rows <= 0)
		return 0;
	size_t rows = (size_t)st->lay.body_rows;
	return st->doc->nlines > rows ? st->doc->nlines - rows : 0;
}
