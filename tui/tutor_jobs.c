/*
 * tutor_jobs.c — the tutor's networks and the jobs that compute them
 * (tutor_state.h), and the worker thread that runs the jobs (tutor_jobs.h).
 *
 * A job copies what it reads from the state when it is taken, computes on
 * any thread without touching the state, and gives its results back on the
 * state's thread, where only those no newer key has asked for again are
 * kept.  No curses here.
 */
#include "tui/tutor_jobs.h"
#include "tui/tutor_state_internal.h"

#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "report/doc/env.h"
#include "report/handout.h"
#include "tui/load.h"

/* ====================================================================
 * Networks
 * ==================================================================== */

/* What the tutor holds at its peak: the handout's memory (the panel and the
 * text show the same numbers), and a second model and result while a new
 * one is computed beside the one shown (a job computes one network at a
 * time, and drops a stale one before the next is computed). */
static size_t tutor_bytes(size_t d, size_t n, size_t T, size_t t)
{
	double b = (double)vxr_report_bytes(d, n, T, t) + (double)vx_model_bytes(d, n, T) +
	           (double)vx_analyse_bytes(d, T, t);
	return b < (double)SIZE_MAX ? (size_t)b : SIZE_MAX;
}

/* A model, shared by the networks analysed from it (t/T keys: the same
 * model, a new analysis). */
typedef struct {
	unsigned refs;
	vx_model *m;
} shared_model;

/* A network as shown or computed: the model, its analysis at loss step t,
 * the effective options and the extras (report/doc/env.h).  Immutable once
 * made but for the extras, which only the one job out at a time fills.
 * References are counted on the state's thread only: the state holds one
 * for the network it shows, a job one for the network it starts from, both
 * taken and dropped there (vxu_job_take, vxu_job_end), so no count changes
 * while a job runs and none needs to be atomic. */
struct vxu_net {
	unsigned refs;
	shared_model *sm;
	vx_result *result;
	vx_params eff;
	size_t t;
	vxr_extras *extras;   /* NULL when out of memory: each step computes its own */
};

static void model_release(shared_model *sm)
{
	if (!sm || --sm->refs > 0)
		return;
	vx_model_free(sm->m);
	free(sm);
}

void vxu_net_release(vxu_net *n)
{
	if (!n || --n->refs > 0)
		return;
	vx_result_free(n->result);
	vxr_extras_free(n->extras);
	model_release(n->sm);
	free(n);
}

/* A network of sm (whose reference it takes over) and r (NULL: loaded, not
 * analysed yet); NULL when out of memory, and then neither is kept. */
static vxu_net *net_alloc(shared_model *sm, vx_result *r, const vx_params *eff, size_t t)
{
	vxu_net *n = calloc(1, sizeof *n);
	if (!n) {
		model_release(sm);
		vx_result_free(r);
		return NULL;
	}
	n->refs = 1;
	n->sm = sm;
	n->result = r;
	n->eff = *eff;
	n->eff.t = t;
	n->t = t;
	if (r) {
		n->eff.norm = r->lambda;
		n->extras = vxr_extras_alloc();
	}
	return n;
}

/* Shows n (whose reference the state takes over) instead of the network
 * shown so far. */
static void show_net(vxu_state *st, vxu_net *n)
{
	vxu_net_release(st->net);
	st->net = n;
	st->model = n->sm->m;
	st->result = n->result;
	st->eff = n->eff;
	st->extras = n->extras;
}

/* t, k and j within a network of T steps analysed at t: 1 <= k <= t and
 * 1 <= j <= T; j = 0 (not chosen yet) becomes t. */
static void clamp_selection(size_t T, size_t *t, size_t *k, size_t *j)
{
	if (*t > T)
		*t = T;
	if (*t < 1)
		*t = 1;
	if (*k > *t)
		*k = *t;
	if (*k < 1)
		*k = 1;
	if (*j == 0)
		*j = *t;
	if (*j > T)
		*j = T;
}

/* ====================================================================
 * Jobs
 * ==================================================================== */

struct vxu_job {
	unsigned long gen;       /* the generation it was taken at */
	unsigned net_bits;       /* VXU_DIRTY_MODEL or _ANALYSIS: it computes a network */
	int start;               /* it analyses the network the tutor started with */
	int fresh_text;          /* its step starts a new set of laid-out steps */
	int do_doc, do_panel, do_export;
	unsigned do_extras;      /* VXR_LATER_ bits: it computes those extras of base */
	atomic_int cancel;       /* set by vxu_job_cancel; the engine's stop flag too */

	/* what it reads: copies, and references to the networks */
	vx_params params;
	vx_exec machine;
	size_t t, k, j, step;
	double forget_bias;
	vx_cell cell;
	vxu_view view;
	int utf8, full, text_w, panel_w, panel_rows;
	char date[16];
	char export_file[4200];
	vxu_net *base;           /* the network shown when taken (NULL at the start) */
	shared_model *sm;        /* base's model, for an analysis at a new t */

	/* what it makes */
	vxu_net *net;            /* the new network, NULL when not asked or failed */
	vx_status net_rc;
	vx_error net_err;
	int net_done, doc_done, panel_done, export_done, extras_done;
	vx_status extras_rc;
	unsigned wants;          /* what its step and panel left for later */
	vxt_doc *doc;
	vx_status doc_rc;
	char doc_error[400];
	vxt_lines panel;
	vxu_view shown_view;
	vx_status panel_rc;
	vx_status export_rc;
	vx_error export_err;
	char export_path[4200];  /* absolute when it could be made so */
};

vxu_job *vxu_job_take(vxu_state *st)
{
	unsigned net_bits = st->dirty & NET_BITS;
	if ((net_bits & VXU_DIRTY_MODEL) || (net_bits && !st->net))
		net_bits = VXU_DIRTY_MODEL;   /* a new model is analysed anyway, at t */
	/* layout waits for a screen that can show it; a new network always
	 * comes with its step and panel, so that one job answers a key */
	int layout = !st->lay.too_small && (net_bits || (st->dirty & (VXU_DIRTY_DOC | VXU_DIRTY_TEXT)));
	int fresh = net_bits || !vxu_docs_current(st);
	int doc = layout && (fresh || (!(st->docs && st->docs[st->step]) && !vxu_doc_failed(st)));
	/* a handout only when nothing else is owed: a job's results come at
	 * its end, and the step a key asks for must not wait for a handout */
	int export = st->want_export && !net_bits && !layout;
	/* extras a step left for later: only when nothing else is owed */
	if (!st->extras_want || !st->net)
		st->dirty &= ~(unsigned)VXU_DIRTY_EXTRAS;
	unsigned extras = 0;
	if (!net_bits && !layout && !export && (st->dirty & VXU_DIRTY_EXTRAS))
		extras = st->extras_now ? st->extras_now : st->extras_want;   /* the step shown first */
	if (!net_bits && !extras && (!st->result || (!layout && !export)))
		return NULL;   /* nothing to lay out or write before an analysis is in */
	vxu_job *j = calloc(1, sizeof *j);
	if (!j)
		return NULL;   /* the work stays asked for */
	j->gen = ++st->gen;
	j->net_bits = net_bits;
	j->start = net_bits == VXU_DIRTY_ANALYSIS && !st->result;
	j->fresh_text = doc && fresh;
	j->do_doc = doc;
	j->do_panel = layout;
	j->do_export = export;
	j->do_extras = extras;
	atomic_init(&j->cancel, 0);
	j->params = st->params;
	j->machine = st->machine;
	j->machine.stop = &j->cancel;   /* the analyses of this job stop with it (engine/exec.h) */
	j->t = st->t;
	j->k = st->k;
	j->j = st->j;
	j->forget_bias = st->forget_bias;
	j->cell = st->cell;
	j->step = st->step;
	j->view = st->view;
	j->utf8 = st->utf8;
	j->full = st->lay.place != VXU_PANEL_STRIP;
	j->text_w = st->lay.text_w;
	j->panel_w = st->lay.panel_w;
	j->panel_rows = st->lay.panel_rows;
	memcpy(j->date, st->date, sizeof j->date);
	snprintf(j->export_file, sizeof j->export_file, "%s/vanex-handout.html",
	         st->export_dir && *st->export_dir ? st->export_dir : ".");
	if ((j->base = st->net) != NULL)
		st->net->refs++;
	if (net_bits == VXU_DIRTY_ANALYSIS) {
		j->sm = st->net->sm;
		j->sm->refs++;
	}
	if (net_bits)
		st->dirty &= ~(unsigned)NET_BITS;
	if (layout)
		st->dirty &= ~(unsigned)(VXU_DIRTY_DOC | VXU_DIRTY_TEXT);
	if (export) {
		st->want_export = 0;
		st->exporting = 1;
	}
	if (extras)
		st->dirty &= ~(unsigned)VXU_DIRTY_EXTRAS;
	return j;
}

void vxu_job_cancel(vxu_job *j)
{
	if (j)
		atomic_store(&j->cancel, 1);
}

static int cancelled(vxu_job *j)
{
	return atomic_load(&j->cancel) != 0;
}

/* The network the options ask for, built (or read) and analysed
 * (tui/load.h), at the loss step they give: the keys move t and params.t
 * together, so it is t, or when params.t is 0 the one a model file
 * recorded, else T. */
static void job_load(vxu_job *j)
{
	/* the engine's thread policy (engine/exec.h) for the size asked for
	 * while the model is built; the load applies the one for the model's d
	 * (a file's is known once it is read).  Jobs run one at a time and the
	 * state's thread computes nothing: no analysis runs beside this one. */
	vxu_exec_use(j->params.hidden, &j->machine);
	vxu_load_opts lo = { .bytes = tutor_bytes, .machine = &j->machine };
	vxu_loaded l;
	j->net_rc = vxu_load(&j->params, &lo, &l, &j->net_err);
	if (j->net_rc != VX_OK)
		return;
	shared_model *sm = malloc(sizeof *sm);
	if (!sm) {
		vxu_loaded_clear(&l);
		j->net_rc = vx_fail(&j->net_err, VX_ENOMEM, "out of memory");
		return;
	}
	sm->refs = 1;
	sm->m = l.model;
	if (!(j->net = net_alloc(sm, l.result, &l.eff, l.t)))
		j->net_rc = vx_fail(&j->net_err, VX_ENOMEM, "out of memory");
}

/* The network shown, analysed again at loss step t (its model shared). */
static void job_analyse(vxu_job *j)
{
	vx_result *r = NULL;
	vx_exec ex = vxu_exec_use(j->sm->m->d, &j->machine);
	j->net_rc = vx_analyse(j->sm->m, j->t, &ex, &r, &j->net_err);
	if (j->net_rc != VX_OK)
		return;
	shared_model *sm = j->sm;
	j->sm = NULL;
	if (!(j->net = net_alloc(sm, r, &j->base->eff, j->t)))
		j->net_rc = vx_fail(&j->net_err, VX_ENOMEM, "out of memory");
}

/* Writes the handout of network n with the job's k and j.  The slow
 * extras a handout reads are computed first, stopping with the job (those
 * finished stay): a key that asks for other work does not wait for them.
 * Then the handout is written whole, nothing left to stop it half-way. */
static void job_export(vxu_job *j, const vxu_net *n)
{
	vxr_ctx ctx = { &n->eff, n->sm->m, n->result, j->j, j->k, j->date, n->extras, 0, j->forget_bias, j->cell,
	                0, &j->cancel };
	if (n->extras && vxr_extras_compute(&ctx, VXR_LATER_ALL) == VX_ECANCELLED)
		return;   /* not written: still owed */
	ctx.stop = NULL;
	j->export_done = 1;
	j->export_rc = vxr_report_write(&ctx, VXR_HTML, NULL, j->export_file, &j->export_err);
	if (j->export_rc != VX_OK)
		return;
	/* Show where it went as an absolute path: the student may not know the cwd. */
	char *abs = realpath(j->export_file, NULL);
	snprintf(j->export_path, sizeof j->export_path, "%s", abs ? abs : j->export_file);
	free(abs);
}

void vxu_job_run(vxu_job *j)
{
	if (j->net_bits) {
		if (cancelled(j))
			return;
		if (j->net_bits & VXU_DIRTY_MODEL)
			job_load(j);
		else
			job_analyse(j);
		/* an analysis stopped half-way computed nothing: still owed */
		j->net_done = j->net_rc != VX_ECANCELLED;
	}
	const vxu_net *n = j->net_bits ? j->net : j->base;
	if (!n || !n->result)
		return;   /* it failed: the state keeps the network it shows */
	/* what follows (a step's finite differences, other initialisations, the
	 * handout) runs under the network's own policy, whatever the last job
	 * applied (a stale network of another size) */
	vx_exec_apply(&n->result->exec);
	if (j->net_bits)
		j->t = n->t;
	clamp_selection(n->sm->m->T, &j->t, &j->k, &j->j);
	/* laid out at once, what is too slow for that left for later (env.h) */
	vxr_ctx ctx = { &n->eff, n->sm->m, n->result, j->j, j->k, j->date, n->extras, 0, j->forget_bias, j->cell,
	                1, &j->cancel };
	if (j->do_extras) {
		j->extras_rc = vxr_extras_compute(&ctx, j->do_extras);
		j->extras_done = j->extras_rc != VX_ECANCELLED;
		return;
	}
	if (j->do_doc && !cancelled(j)) {
		vx_error err = { 0 };
		j->doc_rc = vxt_render_step(&ctx, j->step, j->text_w, j->utf8, &j->doc, &err);
		if (j->doc_rc != VX_OK) {
			j->doc = NULL;
			snprintf(j->doc_error, sizeof j->doc_error, "this step could not be laid out: %s",
			         err.msg[0] ? err.msg : vx_strerror(j->doc_rc));
		}
		/* stopped while an extra it reads was computed: what it laid out
		 * says "stopped" where numbers belong, so it is nobody's (the step
		 * is laid out again when next shown) */
		if (cancelled(j)) {
			vxt_doc_free(j->doc);
			j->doc = NULL;
		} else {
			j->doc_done = 1;
		}
	}
	if (j->do_panel && !cancelled(j)) {
		vxu_panel_in in = {
			ctx, j->view, vxr_step_panel(j->step), j->utf8, j->full, j->panel_w, j->panel_rows,
		};
		j->panel_rc = vxu_panel_build(&in, &j->panel, &j->shown_view);
		j->panel_done = !cancelled(j);
	}
	j->wants = vxr_extras_take_wanted(n->extras);
	if (j->do_export && !cancelled(j))
		job_export(j, n);
}

int vxu_job_wanted(const vxu_state *st, const vxu_job *j)
{
	if (j->net_bits)
		return j->gen >= st->asked_net;   /* its text and panel are of its network */
	if (j->do_export || j->do_extras) {
		/* It gives way to any other work a job would take now: a handout
		 * asked for is still written after it (of the network shown
		 * then), the extras it computed kept. */
		unsigned other = st->dirty & ~(unsigned)VXU_DIRTY_EXTRAS;
		if (st->lay.too_small)
			other &= ~(unsigned)(VXU_DIRTY_DOC | VXU_DIRTY_TEXT);
		return j->base == st->net && !other && (j->do_export || !st->want_export);
	}
	return (j->do_doc && j->gen >= st->asked_text && j->step == st->step) ||
	       (j->do_panel && j->gen >= st->asked_panel);
}

void vxu_job_drop(vxu_job *j)
{
	if (!j)
		return;
	vxu_net_release(j->net);
	vxu_net_release(j->base);
	model_release(j->sm);
	vxt_doc_free(j->doc);
	vxt_lines_clear(&j->panel);
	free(j);
}

/* The text of line l (its spans joined), malloc'd; NULL for a blank line
 * or out of memory. */
static char *line_string(const vxt_line *l)
{
	size_t n = 0;
	for (size_t s = 0; s < l->nspans; s++)
		n += strlen(l->spans[s].text);
	char *t = n ? malloc(n + 1) : NULL;
	if (!t)
		return NULL;
	t[0] = '\0';
	for (size_t s = 0; s < l->nspans; s++)
		strcat(t, l->spans[s].text);
	return t;
}

/* Whether line l's spans, joined, are text */
static int line_is(const vxt_line *l, const char *text)
{
	for (size_t s = 0; s < l->nspans; s++) {
		size_t n = strlen(l->spans[s].text);
		if (strncmp(l->spans[s].text, text, n) != 0)
			return 0;
		text += n;
	}
	return *text == '\0';
}

/* Where the reader was in the step shown: the first line with text from
 * the top of the view down (*text, malloc'd) and how far below the top it
 * is (*below); *text NULL when the view is at the top or has no such line. */
static void view_anchor(const vxu_state *st, char **text, size_t *below)
{
	*text = NULL;
	*below = 0;
	const vxt_doc *d = st->doc;
	for (size_t i = st->scroll; d && st->scroll > 0 && i < d->nlines && !*text; i++) {
		*text = line_string(&d->lines[i]);
		*below = i - st->scroll;
	}
}

/* The step shown laid out anew (what it left for later came in above the
 * reader, or its numbers changed): the view follows the line it had at
 * the top when the new text has it, the occurrence nearest the old place. */
static void keep_view(vxu_state *st, const vxt_doc *d, const char *text, size_t below)
{
	size_t best = SIZE_MAX, dist = SIZE_MAX;
	for (size_t i = 0; text && i < d->nlines; i++) {
		if (line_is(&d->lines[i], text)) {
			size_t at = i >= below ? i - below : 0;
			size_t dd = at > st->scroll ? at - st->scroll : st->scroll - at;
			if (dd < dist) {
				dist = dd;
				best = at;
			}
		}
	}
	if (best != SIZE_MAX)
		st->scroll = best;
}

/* The network a job computed, shown, or its failure told: the parameters
 * it was computed for are still those asked for. */
static vx_status take_network(vxu_state *st, vxu_job *j)
{
	if (j->net) {
		show_net(st, j->net);
		j->net = NULL;
		st->net_gen = j->gen;
		st->t = j->t;   /* resolved: a file's loss step, or T */
		clamp_selection(st->model->T, &st->t, &st->k, &st->j);
		st->good = st->params;
		st->good_t = st->t;
		if (isnan(st->lam_base))
			st->lam_base = st->result->lambda;   /* a file's W as given */
		st->good_lam_base = st->lam_base;
		st->good_lam_steps = st->lam_steps;
		/* the steps kept were laid out for the previous network, and
		 * what they left for later was its own */
		vxu_forget_docs(st);
		st->extras_want = st->extras_now = 0;
		st->docs_gen = j->gen;
		return VX_OK;
	}
	if (j->start) {
		/* the network the tutor started with cannot be analysed: nothing
		 * to show, the tutor ends with the engine's message */
		st->fatal = j->net_rc;
		st->fatal_err = j->net_err;
		return j->net_rc;
	}
	/* Keep what computed last, and say why the change was refused. */
	st->params = st->good;
	st->t = st->good_t;
	st->lam_base = st->good_lam_base;
	st->lam_steps = st->good_lam_steps;
	if (st->model)
		clamp_selection(st->model->T, &st->t, &st->k, &st->j);
	vxu_message(st, VXU_MSG_ERROR, "not changed: %s", j->net_err.msg[0] ? j->net_err.msg : vx_strerror(j->net_rc));
	st->changed = VXU_CH_NONE;
	/* the network shown is that of the parameters asked for again (to be
	 * analysed still, when the refused key came before its analysis); k
	 * and j may have moved with the refused key: lay out again */
	st->net_gen = st->asked_net;
	vxu_ask(st, VXU_DIRTY_DOC | VXU_DIRTY_TEXT | (st->result ? 0u : VXU_DIRTY_ANALYSIS));
	return j->net_rc;
}

vx_status vxu_job_end(vxu_state *st, vxu_job *j)
{
	vx_status first = VX_OK;
	/* the job's network is the one shown from now on, or one nobody wants */
	int on_shown = !j->net_bits;
	if (j->net_bits) {
		if (j->gen < st->asked_net || !j->net_done) {
			/* stale: a newer key changed the network again.  Ask again for
			 * what this one was to compute (a later t/T key alone asks
			 * only for an analysis, of a model that was never shown). */
			st->dirty |= j->net_bits;
		} else {
			first = take_network(st, j);
			on_shown = first == VX_OK;
		}
	}
	if (j->doc_done && on_shown && j->gen >= st->asked_text) {
		char *anchor = NULL;
		size_t below = 0;
		if (j->step == st->step && j->doc)
			view_anchor(st, &anchor, &below);
		if (j->fresh_text && st->docs_gen < j->gen) {
			vxu_forget_docs(st);
			st->docs_gen = j->gen;
		}
		if (!st->docs)
			st->docs = calloc(st->nsteps, sizeof *st->docs);
		if (j->doc && st->docs && !st->docs[j->step]) {
			if (anchor)
				keep_view(st, j->doc, anchor, below);
			st->docs[j->step] = j->doc;
			j->doc = NULL;
		} else if (!j->doc) {
			st->doc_error_step = j->step;
			snprintf(st->doc_error, sizeof st->doc_error, "%s", j->doc_error);
			if (first == VX_OK)
				first = j->doc_rc;
		}
		free(anchor);
	}
	if (j->panel_done && on_shown && j->gen >= st->asked_panel) {
		vxt_lines t = st->panel;
		st->panel = j->panel;
		j->panel = t;
		st->shown_view = j->shown_view;
		st->panel_gen = j->gen;
		if (j->panel_rc != VX_OK && first == VX_OK)
			first = j->panel_rc;
	}
	/* What the step and panel kept left for later is owed next, theirs
	 * first.  A new set of laid-out steps replaces what the forgotten ones
	 * wanted (laid out again, they ask again). */
	if (on_shown && ((j->doc_done && j->gen >= st->asked_text) || (j->panel_done && j->gen >= st->asked_panel))) {
		st->extras_want = j->fresh_text && st->docs_gen == j->gen ? j->wants : st->extras_want | j->wants;
		st->extras_now = j->wants;
		if (st->extras_want)
			st->dirty |= VXU_DIRTY_EXTRAS;
	}
	if (j->do_extras && j->base == st->net) {
		if (!j->extras_done) {
			st->dirty |= VXU_DIRTY_EXTRAS;   /* gave way: still owed */
		} else {
			st->extras_want &= ~j->do_extras;
			st->extras_now &= ~j->do_extras;
			if (st->extras_want)
				st->dirty |= VXU_DIRTY_EXTRAS;
			/* in (failures too, which the step tells): the steps and the
			 * panel laid out again, reading them.  Without memory for its
			 * environment nothing was made: the placeholders stay until
			 * the student moves, rather than asking again at once */
			if (j->extras_rc != VX_ENOMEM)
				vxu_ask(st, VXU_DIRTY_TEXT);
		}
	}
	if (j->do_export) {
		st->exporting = 0;
		if (!j->export_done) {
			st->want_export = 1;   /* not written (cancelled, or no network): still owed */
		} else if (j->export_rc != VX_OK) {
			st->export_rc = j->export_rc;
			vxu_message(st, VXU_MSG_ERROR, "handout not written: %s",
			            j->export_err.msg[0] ? j->export_err.msg : vx_strerror(j->export_rc));
			if (first == VX_OK)
				first = j->export_rc;
		} else {
			st->export_rc = VX_OK;
			snprintf(st->export_path, sizeof st->export_path, "%s", j->export_path);
			vxu_message(st, VXU_MSG_INFO, "wrote %s", st->export_path);
		}
	}
	/* the message after a change, once its numbers are the ones shown */
	if (st->changed != VXU_CH_NONE && !(vxu_stale(st) & VXU_STALE_NET)) {
		if (!st->message[0] || st->msg_kind == VXU_MSG_PENDING)
			vxu_note_change(st);
		st->changed = VXU_CH_NONE;
	}
	vxu_job_drop(j);
	vxu_refresh(st);
	return first;
}

/* The first frame need not wait for vx_analyse: the model alone here. */
vx_status vxu_state_load(vxu_state *st, vx_error *err)
{
	st->machine = vx_exec_machine();
	vxu_exec_use(st->params.hidden, &st->machine);
	vxu_load_opts lo = { .bytes = tutor_bytes, .machine = &st->machine };
	vxu_loaded l;
	vx_status rc = vxu_load_model(&st->params, &lo, &l, err);
	if (rc != VX_OK)
		return rc;
	shared_model *sm = malloc(sizeof *sm);
	vxu_net *n = NULL;
	if (sm) {
		sm->refs = 1;
		sm->m = l.model;
		n = net_alloc(sm, NULL, &l.eff, l.t);
	} else {
		vx_model_free(l.model);
	}
	if (!n)
		return vx_fail(err, VX_ENOMEM, "out of memory");
	show_net(st, n);
	st->t = l.t;
	clamp_selection(st->model->T, &st->t, &st->k, &st->j);
	return VX_OK;
}

vx_status vxu_update(vxu_state *st)
{
	vx_status first = VX_OK;
	vxu_job *j;
	while ((j = vxu_job_take(st)) != NULL) {
		vxu_job_run(j);
		vx_status rc = vxu_job_end(st, j);
		if (rc != VX_OK && first == VX_OK)
			first = rc;
	}
	vxu_refresh(st);
	return first;
}

/* ====================================================================
 * Export
 * ==================================================================== */

vx_status vxu_export(vxu_state *st)
{
	st->want_export = 1;
	st->export_rc = VX_OK;
	vxu_update(st);
	return st->export_rc;
}

/* ====================================================================
 * The worker: the jobs, one at a time, on a thread of their own
 * ==================================================================== */

int vxu_worker_open(vxu_worker *w)
{
	w->job = NULL;
	if (pipe(w->wake) != 0) {
		w->wake[0] = w->wake[1] = -1;
		return -1;
	}
	/* Both ends close on exec; the read end does not block (drained whole). */
	int ok = 1;
	for (int i = 0; i < 2; i++)
		ok = ok && fcntl(w->wake[i], F_SETFD, FD_CLOEXEC) == 0;
	int fl = fcntl(w->wake[0], F_GETFL);
	if (!ok || fl < 0 || fcntl(w->wake[0], F_SETFL, fl | O_NONBLOCK) != 0) {
		vxu_worker_close(w);
		return -1;
	}
	return 0;
}

void vxu_worker_close(vxu_worker *w)
{
	for (int i = 0; i < 2; i++) {
		if (w->wake[i] >= 0)
			close(w->wake[i]);
		w->wake[i] = -1;
	}
}

int vxu_worker_fd(const vxu_worker *w)
{
	return w->wake[0];
}

static void *worker_main(void *p)
{
	vxu_worker *w = p;
	vxu_job_run(w->job);
	char c = 1;
	ssize_t n = write(w->wake[1], &c, 1);
	(void)n;   /* a full pipe already holds a byte that wakes the loop */
	return NULL;
}

void vxu_worker_start(vxu_worker *w, vxu_state *st)
{
	/* a crash's signals stay the thread's own: the handler restores the terminal */
	static const int crash_signals[] = { SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL };
	while (!w->job && (w->job = vxu_job_take(st)) != NULL) {
		sigset_t all, old;
		sigfillset(&all);
		for (size_t i = 0; i < sizeof crash_signals / sizeof crash_signals[0]; i++)
			sigdelset(&all, crash_signals[i]);
		pthread_sigmask(SIG_BLOCK, &all, &old);
		int rc = pthread_create(&w->th, NULL, worker_main, w);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (rc == 0)
			return;
		/* no thread: compute here, unresponsive but correct */
		vxu_job_run(w->job);
		vxu_job_end(st, w->job);
		w->job = NULL;
	}
}

/* Empties the wake pipe (non-blocking). */
static void drain(int fd)
{
	char buf[64];
	while (read(fd, buf, sizeof buf) > 0)
		;
}

int vxu_worker_finish(vxu_worker *w, vxu_state *st)
{
	drain(w->wake[0]);
	if (!w->job)
		return 0;   /* no job: nothing to wake for */
	pthread_join(w->th, NULL);
	vxu_job_end(st, w->job);
	w->job = NULL;
	return 1;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int vxu_worker_quit(vxu_worker *w, int ms)
{
	if (!w->job)
		return 1;
	vxu_job_cancel(w->job);
	struct pollfd p = { w->wake[0], POLLIN, 0 };
	double until = now_ms() + ms;
	for (;;) {
		int left = (int)(until - now_ms());
		if (poll(&p, 1, left > 0 ? left : 0) > 0)
			break;
		if (left <= 0)
			return 0;
	}
	pthread_join(w->th, NULL);
	vxu_job_drop(w->job);
	w->job = NULL;
	return 1;
}
