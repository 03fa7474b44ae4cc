/*
 * check_cmd.c — `vanex check`: load or build the model, analyse it
 * (tui/load.h), verify by finite differences, print the table or the JSON
 * to standard output or to -o FILE (report/out.h: a regular file whole or
 * not at all).  One vanilla layer goes through vx_analyse and vx_fd_check,
 * any other cell or stack through vx_net_analyse and vx_net_fd_check.
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/analysis.h"
#include "engine/net_bytes.h"
#include "report/batch.h"
#include "report/check_batch.h"
#include "report/check.h"
#include "report/netfile.h"
#include "report/out.h"
#include "tui/cli.h"
#include "tui/load.h"

/* What a check of these sizes holds: the model and its analysis (the JSON
 * and the table are written as they are made). */
static size_t check_bytes(size_t d, size_t n, size_t T, size_t t)
{
	size_t need = vx_model_bytes(d, n, T), an = vx_analyse_bytes(d, T, t);
	return need > SIZE_MAX - an ? SIZE_MAX : need + an;
}

/* The same for a network: the network, and the larger of its analysis and
 * the finite-difference check that follows it (net_bytes.h); for a batch,
 * the analyses of all B sequences, held until they are summarised, and the
 * check beside them. */
static size_t check_net_bytes(vx_cell cell, size_t L, size_t d, size_t n, size_t T, size_t t, size_t B)
{
	size_t need = vx_net_bytes(cell, L, d, n, T), an = vx_net_analyse_bytes(cell, L, d, n, T, t),
	       fd = vx_net_fd_bytes(cell, L, d, n, T, t);
	if (B > 1) {
		an = an > (SIZE_MAX - fd) / B ? SIZE_MAX : an * B + fd;
	} else if (fd > an) {
		an = fd;
	}
	return need > SIZE_MAX - an ? SIZE_MAX : need + an;
}

/* What the perturbed runs of the gradients' check may take: multiply-adds,
 * and steps of the network (each a few microseconds at small sizes, where
 * the multiply-adds are few: 2.5 us for 3 layers of 8, so the default
 * budget is about a second). */
#define FD_FLOP_BUDGET 4e9
#define FD_STEP_BUDGET 4e5
/* What the perturbed runs of J_j's and ∂S_t/∂S_k's columns may take: twelve
 * runs of 1 and t − k steps a column, 96 stepping together at about 20
 * GFLOP/s a core; about a second on two cores.  An LSTM of d = 256 (D =
 * 512) fits whole; one of d = 1024 took 40 s for all its 2048 columns. */
#define FD_COL_FLOP_BUDGET 4e10
#define FD_COLS_PER_BLOCK 16

/* The network's finite-difference check at bounded cost: J_j at j = t and
 * ∂S_t/∂S_k over the gap vx_fd_gap picks (vx_fd_check's rule), at every
 * column when the budget allows it, else at columns spread over every
 * block; the gradient of every parameter at all its entries when the
 * budgets allow it, else at the largest few of each, as many as they allow
 * (2 to 16), each entry from twelve runs of t steps (net_fdjudge.h
 * differences every entry at three steps, so that what double precision
 * cannot resolve is left out). */
static vx_status net_fd(const vx_net *net, const vx_net_result *r, vx_net_fdjudge *fd)
{
	size_t t = r->t, gap = vx_fd_gap(&r->paths[0].norm, sizeof r->paths[0], t);
	double G = (double)net->G, d = (double)net->d, n = (double)net->n, L = (double)net->L;
	double step = 2 * G * d * (n + d) * L, runs = 12 * (double)t, params = 4 * L;
	double want = fmin(FD_STEP_BUDGET / runs, FD_FLOP_BUDGET / (runs * step)) / params;
	double widest = G * d * (n > d ? n : d);
	size_t entries = want >= widest ? 0 : want < 2 ? 2 : want > 16 ? 16 : (size_t)want;
	/* the columns: all within the budget, else as many as it allows, at
	 * least FD_COLS_PER_BLOCK from each block */
	double per_col = 12 * (double)(gap + 1) * step, nblk = (double)(net->D / net->d);
	double cols = fmax(FD_COL_FLOP_BUDGET / per_col, FD_COLS_PER_BLOCK * nblk);
	size_t max_cols = cols >= (double)net->D ? 0 : (size_t)cols;
	vx_exec machine = vx_exec_machine(), ex = vx_exec_for_net(net->D, &machine);
	return vx_net_fd_judge_on(net, r, t, t - gap, entries, max_cols, &ex, fd);
}

/* The finite-difference check of one network, on a thread of its own
 * while the JSON before its member is written: at d = 256, T = 1000 the
 * check took 0.33 s and the members before it 0.28 s, and neither reads
 * what the other writes (the model and the analysis are read-only).  A
 * vanilla layer's check shares its runs between the analysis's threads
 * (vx_fd_check_on): 0.12 s there against 0.23 on one. */
typedef struct {
	const vx_model *model;          /* a vanilla layer's, or */
	const vx_net *net;              /* a network's */
	const vx_result *result;
	const vx_net_result *net_result;
	vx_fdcheck *fd;
	vx_net_fdjudge *nfd;
	vx_status st;
	int running;                    /* the thread is to be joined */
	pthread_t thread;
} fd_job;

static void fd_job_run(fd_job *j)
{
	/* on the threads the analysis had (its policy, kept in the result) */
	j->st = j->model ? vx_fd_check_on(j->model, j->result, &j->result->exec, j->fd)
	                 : net_fd(j->net, j->net_result, j->nfd);
}

static void *fd_job_thread(void *arg)
{
	fd_job_run(arg);
	return NULL;
}

/* Starts j beside the caller, or computes it now when it must (no JSON to
 * write meanwhile, or no thread to be had). */
static void fd_job_start(fd_job *j, int beside)
{
	j->running = beside && pthread_create(&j->thread, NULL, fd_job_thread, j) == 0;
	if (!j->running)
		fd_job_run(j);
}

/* vxr_check's fd_wait */
static vx_status fd_job_wait(void *arg)
{
	fd_job *j = arg;
	if (j->running) {
		pthread_join(j->thread, NULL);
		j->running = 0;
	}
	return j->st;
}

typedef struct {
	const char *path;
	vxr_out *out;
} check_output;

/* The output before the work: a path that cannot be written is said once
 * the options are known to be good, not after the analysis. */
static vx_status open_output(void *arg, vx_error *err)
{
	check_output *o = arg;
	return vxr_out_open(o->path, &o->out, err);
}

/* 1 when --fail-on names the verdict. */
static int fails_on(vxu_fail_on f, vxr_trend v)
{
	return (v == VXR_VANISHING && (f == VXU_FAIL_ON_VANISHING || f == VXU_FAIL_ON_EITHER)) ||
	       (v == VXR_EXPLODING && (f == VXU_FAIL_ON_EXPLODING || f == VXU_FAIL_ON_EITHER));
}

/* The writers see a stream, not its name: "cannot write the output: why"
 * (or "the JSON output") becomes "cannot write FILE: why" for -o FILE. */
static void name_the_output(vx_error *err, const vxr_out *out)
{
	static const char lead[] = "cannot write the ";
	const char *why = strstr(err->msg, ": ");
	if (!out || strcmp(vxr_out_target(out), "-") == 0 || strncmp(err->msg, lead, sizeof lead - 1) != 0 || !why)
		return;
	char reason[sizeof err->msg];
	snprintf(reason, sizeof reason, "%s", why + 2);
	vx_fail(err, VX_EIO, "cannot write %s: %s", vxr_out_target(out), reason);
}

/* `check --list`: the modules of a trained network's file. */
static int list_modules(const vxu_args *a)
{
	vx_error err = { 0 };
	vxr_out *out = NULL;
	vx_status st = vxr_out_open(a->output[0] ? a->output : "-", &out, &err);
	if (st == VX_OK)
		st = vxr_netfile_list(vxr_out_stream(out), &a->params, a->utf8, &err);
	if (st == VX_OK) {
		st = vxr_out_commit(&out, 1, &err);
		out = NULL;
	}
	vxr_out_discard(out);
	return st == VX_OK ? 0 : vxu_fail(st, &err);
}

/* Every sequence of a batch (--inputs-file B×T×n, B > 1) through the same
 * weights: analysed one by one, held, summarised (report/batch.h), the
 * derivatives checked by finite differences on the first, and written.
 * One vanilla layer is analysed as the network it is (vx_net_from_model),
 * so that every batch has the same figures. */
static vx_status check_batch(const vxu_args *a, vxu_loaded *l, FILE *f, vxr_trend *verdict, vx_error *err)
{
	vx_net *own = NULL, *net = l->net;
	vx_status st = net ? VX_OK : vx_net_from_model(l->model, &own, err);
	if (st != VX_OK)
		return st;
	if (own)
		net = own;
	vx_net_spec spec = l->model ? (vx_net_spec){ VX_CELL_RNN, 1, 0 } : l->spec;
	size_t B = l->inputs->B;
	int reverse = l->eff.reverse && l->src.weights[0];
	vx_net_result **res = calloc(B, sizeof *res);
	vxr_batch *bt = NULL;
	vx_net_fdjudge nfd = { 0 };
	if (!res) {
		vx_net_free(own);
		return vx_fail(err, VX_ENOMEM, "out of memory");
	}
	vx_exec ex = vxu_exec_use_net(net->D, NULL);
	for (size_t b = 0; b < B && st == VX_OK; b++) {
		if ((st = vx_inputs_sequence(l->inputs, b, reverse, net->x, err)) == VX_OK &&
		    (st = vx_net_analyse(net, l->t, &ex, &res[b], err)) != VX_OK) {
			/* which sequence of the file took the network beyond a double */
			char msg[sizeof err->msg];
			snprintf(msg, sizeof msg, "%s", err->msg);
			vx_fail(err, st, "--inputs-file: sequence %zu of %zu: %s", b + 1, B, msg);
			err->param = VX_PARAM_NONE;
		}
	}
	if (st == VX_OK)
		st = vxr_batch_summarise((const vx_net_result *const *)res, B, &bt, err);
	if (st == VX_OK && (st = vx_inputs_sequence(l->inputs, 0, reverse, net->x, err)) == VX_OK &&
	    (st = net_fd(net, res[0], &nfd)) != VX_OK)
		vx_fail(err, st, "finite-difference check failed: %s", vx_strerror(st));
	if (st == VX_OK) {
		vxr_net_batch_check c = { &l->eff, &spec, net, (const vx_net_result *const *)res, bt, l->inputs, &nfd,
		                          &l->src };
		st = a->json ? vxr_net_batch_json(f, &c, err) : vxr_net_batch_text(f, &c, a->utf8, err);
		*verdict = bt->verdict;
	}
	vxr_batch_free(bt);
	vx_net_fdjudge_clear(&nfd);
	for (size_t b = 0; b < B; b++)
		vx_net_result_free(res[b]);
	free(res);
	vx_net_free(own);
	return st;
}

int vxu_check_run(const vxu_args *a)
{
	vx_error err = { 0 };
	check_output co = { a->output[0] ? a->output : "-", NULL };
	vxu_load_opts lo = { check_bytes, open_output, &co, NULL, check_net_bytes, &a->net };
	vxu_loaded l;
	vx_fdcheck fd;
	vx_net_fdjudge nfd = { 0 };
	vxr_trend verdict = VXR_NEITHER;
	vx_status st;
	int rc;

	if (a->list)
		return list_modules(a);
	if ((st = vxu_load_model(&a->params, &lo, &l, &err)) != VX_OK) {
		rc = vxu_fail(st, &err);
		goto out;
	}
	FILE *f = vxr_out_stream(co.out);
	const vxr_source *src = l.has_src ? &l.src : NULL;
	if (l.inputs && l.inputs->B > 1) {
		st = check_batch(a, &l, f, &verdict, &err);
	} else if ((st = vxu_analyse(&l, NULL, &err)) != VX_OK) {
		rc = vxu_fail(st, &err);
		goto out;
	} else if (l.model) {
		fd_job j = { .model = l.model, .result = l.result, .fd = &fd };
		fd_job_start(&j, a->json);
		vxr_check c = { &l.eff, l.model, l.result, &fd, src, fd_job_wait, &j };
		st = a->json ? vxr_check_json(f, &c, &err) : vxr_check_text(f, &c, a->utf8, &err);
		fd_job_wait(&j);   /* joined whatever the writing did */
		verdict = vxr_verdict(l.result, VXR_NOTE_ASCII, NULL, 0);
	} else {
		fd_job j = { .net = l.net, .net_result = l.net_result, .nfd = &nfd };
		fd_job_start(&j, a->json);
		vxr_net_check c = { &l.eff, &l.spec, l.net, l.net_result, &nfd, src, fd_job_wait, &j };
		st = a->json ? vxr_net_check_json(f, &c, &err) : vxr_net_check_text(f, &c, a->utf8, &err);
		fd_job_wait(&j);
		verdict = vxr_net_verdict(l.net_result, VXR_NOTE_ASCII, NULL, 0);
	}
	if (st == VX_OK) {
		st = vxr_out_commit(&co.out, 1, &err);
		co.out = NULL;
	} else if (st == VX_EIO) {
		name_the_output(&err, co.out);
	}
	rc = st != VX_OK ? vxu_fail(st, &err) : fails_on(a->fail_on, verdict) ? VXU_EXIT_VERDICT : 0;
out:
	vx_net_fdjudge_clear(&nfd);
	vxr_out_discard(co.out);
	vxu_loaded_clear(&l);
	return rc;
}
