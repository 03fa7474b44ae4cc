/*
 * test_engine_cancel.c — the caller's stop flag (engine/exec.h): an analysis
 * whose flag is set returns VX_ECANCELLED, no result and a message, and
 * frees all it allocated (the sanitize build's LeakSanitizer checks that:
 * make BUILD=build-san CFLAGS='-O1 -g -fsanitize=address,undefined'
 * build-san/tests/test_engine_cancel).
 *
 * Set before the call, the analysis stops at its first poll.  Set from
 * another thread part-way through (a fraction of the time the same analysis
 * takes to the end, measured first in the same process), it stops within a
 * step: the time from the flag to the return must be far below what the
 * analysis had left to do, which is what it took without a flag.  Each
 * fraction lands in another pass (the forward pass, the chain of products
 * beside the step norms, BPTT, the Lyapunov pass), vanilla and gated, on
 * one thread and on the threads vanex's policy gives.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include "engine/analysis.h"
#include "engine/exec.h"
#include "engine/net_analysis.h"
#include "stop_flag.h"
#include "test_engine_net_util.h"
#include "test_engine_util.h"

/* What an analysis is asked to do: a model or a network, a policy. */
typedef struct {
	const vx_model *m;
	const vx_net *net;
	vx_exec ex;
} job;

/* Runs the analysis of j under flag (NULL: none); frees any result, returns
 * the status and the message in err. */
static vx_status run(const job *j, atomic_int *flag, vx_error *err)
{
	vx_exec ex = j->ex;
	ex.stop = flag;
	vx_exec_apply(&ex);
	memset(err, 0, sizeof *err);
	if (j->m) {
		vx_result *r = (vx_result *)1;
		vx_status st = vx_analyse(j->m, j->m->T, &ex, &r, err);
		cr_assert(st == VX_OK || r == NULL, "a failed analysis hands back no result");
		vx_result_free(r);
		return st;
	}
	vx_net_result *r = (vx_net_result *)1;
	vx_status st = vx_net_analyse(j->net, j->net->T, &ex, &r, err);
	cr_assert(st == VX_OK || r == NULL, "a failed analysis hands back no result");
	vx_net_result_free(r);
	return st;
}

/* The flag set before the call: VX_ECANCELLED at once, with its message. */
static void stops_before(const job *j, const char *what)
{
	atomic_int flag;
	atomic_init(&flag, 1);
	vx_error err;
	vx_status st = run(j, &flag, &err);
	cr_expect_eq(st, VX_ECANCELLED, "%s: flag set before: status %d, not VX_ECANCELLED", what, st);
	cr_expect(strstr(err.msg, "stopped") != NULL, "%s: the message says it was stopped: '%s'", what, err.msg);
	cr_expect_eq(vx_status_exit(st), 1, "%s: a stopped analysis exits 1", what);
}

/* The flag set at fractions of the full time: each stop comes within 35%
 * of the full time, where without the flag 70% to 98% of it was left (loose
 * enough for a loaded machine, whose slow steps stretch the stop, and still
 * half of what an engine that ignored the flag would take at the latest
 * fraction); with an unset flag the analysis still ends VX_OK. */
static void stops_midway(const job *j, const char *what)
{
	atomic_int flag;
	atomic_init(&flag, 0);
	vx_error err;
	double t0 = now_s();
	cr_assert_eq(run(j, &flag, &err), VX_OK, "%s: with the flag unset it ends: %s", what, err.msg);
	double full = now_s() - t0;
	static const double frac[] = { 0.02, 0.1, 0.3 };
	for (size_t i = 0; i < sizeof frac / sizeof frac[0]; i++) {
		atomic_store(&flag, 0);
		setter s = { &flag, frac[i] * full, 0 };
		pthread_t th;
		t0 = now_s();
		cr_assert_eq(pthread_create(&th, NULL, set_later, &s), 0);
		vx_status st = run(j, &flag, &err);
		double end = now_s();
		pthread_join(th, NULL);
		if (st == VX_OK && end <= s.set_at)
			continue;   /* a machine so idle that it ended first: nothing to stop */
		cr_expect_eq(st, VX_ECANCELLED, "%s: flag set at %.0f%% of %.3f s: status %d (%s)", what,
		             100 * frac[i], full, st, err.msg);
		double late = end - s.set_at;
		cr_expect(late < 0.35 * full, "%s: flag set at %.0f%% of %.3f s: stopped %.3f s after it "
		          "(%.0f%% of the full time; without the flag %.0f%% was left)", what, 100 * frac[i],
		          full, late, 100 * late / full, 100 * (1 - frac[i]));
	}
}

/* Several engine threads with one BLAS thread, as every policy pairs them
 * (exec.h; one engine thread keeps the BLAS's count as it is): OpenBLAS's own threads shared by three callers at once made a
 * GRU of d = 32 stop up to 64 ms (half its time) after the flag, waiting
 * for the BLAS's threads, where with one it stopped within a millisecond. */
static vx_exec policy(int threads)
{
	vx_exec ex = { threads, threads > 1 ? 1 : 0, NULL };
	return ex;
}

static job vanilla(size_t d, size_t T, int threads)
{
	job j = { random_model(VX_TANH, d, 4, T, 1.0, 1.0, 7), NULL, policy(threads) };
	return j;
}

static job gated(vx_cell cell, size_t d, size_t T, int threads)
{
	vx_net *net = vx_net_alloc(cell, VX_TANH, 1, d, 4, T);
	cr_assert_not_null(net);
	unsigned long long seed = 11;
	fill_random_net(net, 1.0, 0.1, 1.0, 0.1, &seed);
	job j = { NULL, net, policy(threads) };
	return j;
}

static void job_free(job *j)
{
	vx_model_free((vx_model *)j->m);
	vx_net_free((vx_net *)j->net);
}

Test(engine_cancel, flag_set_before_the_call)
{
	for (int threads = 1; threads <= 3; threads += 2) {
		job j = vanilla(32, 200, threads);
		stops_before(&j, threads == 1 ? "vanilla, one thread" : "vanilla, threads");
		job_free(&j);
		j = gated(VX_CELL_LSTM, 32, 200, threads);
		stops_before(&j, threads == 1 ? "lstm, one thread" : "lstm, three threads");
		job_free(&j);
		j = gated(VX_CELL_RNN, 64, 200, threads);
		stops_before(&j, threads == 1 ? "rnn, one thread" : "rnn, three threads");
		job_free(&j);
	}
}

Test(engine_cancel, the_flag_set_part_way_stops_within_a_step, .timeout = 300)
{
	/* d = 128, T = 1000: 0.3 s to 1 s of work, long against one step
	 * (a 128×128 product) */
	job j = vanilla(128, 1000, 1);
	stops_midway(&j, "vanilla d = 128, one thread");
	j.ex = policy(2);
	stops_midway(&j, "vanilla d = 128, two threads");
	job_free(&j);
}

Test(engine_cancel, gated_networks_stop_within_a_step, .timeout = 300)
{
	job j = gated(VX_CELL_LSTM, 32, 300, 1);
	stops_midway(&j, "lstm d = 32, one thread");
	j.ex = policy(3);
	stops_midway(&j, "lstm d = 32, three threads");
	job_free(&j);
	j = gated(VX_CELL_GRU, 32, 300, 3);
	stops_midway(&j, "gru d = 32, three threads");
	job_free(&j);
}

Test(engine_cancel, the_result_does_not_keep_the_flag)
{
	/* the caller's flag may be gone when the result is read again (the
	 * tutor's job frees it; report/doc/env.c analyses again under
	 * result->exec) */
	job j = vanilla(8, 20, 1);
	atomic_int flag;
	atomic_init(&flag, 0);
	vx_exec ex = j.ex;
	ex.stop = &flag;
	vx_result *r = NULL;
	vx_error err = { 0 };
	cr_assert_eq(vx_analyse(j.m, 20, &ex, &r, &err), VX_OK, "%s", err.msg);
	cr_expect_null(r->exec.stop, "result->exec.stop is NULL");
	cr_expect_eq(r->exec.threads, 1, "the policy is kept");
	vx_result_free(r);
	job_free(&j);
}
