/*
 * threads.c — the engine's own threads under ThreadSanitizer (`make tsan`,
 * run by .ci/run).
 *
 * Every entry point that computes on threads of its own runs twice on the
 * same input: on the threads its policy gives (exec.h) and on the caller's
 * thread alone.  exec.h promises that the numbers do not depend on it, bit
 * for bit: each pair is compared, and the sanitizer, built into the engine,
 * stops the run at the first data race between the threads:
 *   vx_analyse        the path norms beside the step norms, BPTT and the
 *                     Lyapunov pass taken by the thread free first, and the
 *                     finished thread taking half of each of the chain's
 *                     products (rowshare.h: a W that never loses rank)
 *   vx_net_analyse    the chain's producer and consumer beside the other
 *                     passes, rows shared the same way (one LSTM layer of
 *                     d = 192), and the other way, the consumer taking
 *                     steps of the step norms' chunks (a GRU of d = 256);
 *                     stacks of GRU and vanilla layers
 *   vx_fd_check_on    the ∂L/∂W entries' chunks on two threads
 *   vx_net_fd_judge_on  the parameters' runs beside the columns', then rows
 *                     of each of their steps on the columns' thread
 * OpenBLAS runs on one thread (OPENBLAS_NUM_THREADS=1, as the policy has it
 * up to these sizes): its own threads are not instrumented.  Exit status 0
 * when every pair agrees, 1 on a difference or a failed call.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <gsl/gsl_errno.h>

#include "engine/analysis.h"
#include "engine/exec.h"
#include "engine/model.h"
#include "engine/net.h"
#include "engine/net_analysis.h"
#include "engine/net_fdjudge.h"
#include "engine/params.h"
#include "tests/unit/same_bits.h"

static int failures;

static void differ(const char *what, const char *field)
{
	fprintf(stderr, "threads: %s: %s differs between one thread and several\n", what, field);
	failures++;
}

static int same_items(const vx_net_fditem *a, const vx_net_fditem *b)
{
	for (int q = 0; q < VX_NET_FD_ITEMS; q++)
		if (!same_bits(&a[q].error, &b[q].error, sizeof a->error) || a[q].compared != b[q].compared ||
		    a[q].failed != b[q].failed || a[q].left != b[q].left || a[q].at_kink != b[q].at_kink ||
		    a[q].too_large != b[q].too_large)
			return 0;
	return 1;
}

/* The options of `vanex check` for one network. */
static int params_of(vx_params *p, const char *const *opt)
{
	vx_error err = { 0 };
	vx_params_default(p);
	for (; opt[0]; opt += 2)
		if (vx_params_set(p, opt[0], opt[1], &err) != VX_OK) {
			fprintf(stderr, "threads: --%s %s: %s\n", opt[0], opt[1], err.msg);
			return -1;
		}
	return vx_params_check(p, &err) == VX_OK ? 0 : -1;
}

static void vanilla(const char *what, const char *const *opt)
{
	vx_params p;
	vx_model *m = NULL;
	vx_error err = { 0 };
	if (params_of(&p, opt) || vx_model_build(&p, &m, &err) != VX_OK) {
		fprintf(stderr, "threads: %s: the model: %s\n", what, err.msg);
		failures++;
		return;
	}
	vx_exec one = { 1, 0, NULL }, two = { 2, 0, NULL };
	vx_result *a = NULL, *b = NULL;
	int before = failures;
	if (vx_analyse(m, m->T, &one, &a, &err) != VX_OK || vx_analyse(m, m->T, &two, &b, &err) != VX_OK) {
		fprintf(stderr, "threads: %s: vx_analyse: %s\n", what, err.msg);
		failures++;
		goto done;
	}
	if (!same_paths(a->paths, b->paths, a->t))
		differ(what, "the paths");
	if (!same_bits(a->step_norm->data, b->step_norm->data, m->T * sizeof(double)))
		differ(what, "the step norms");
	if (!same_matrix(a->grad_W, b->grad_W) || !same_matrix(a->grad_sum_W, b->grad_sum_W))
		differ(what, "the gradients");
	if (!same_bits(a->lyap_top, b->lyap_top, sizeof a->lyap_top) || a->lambda != b->lambda)
		differ(what, "the exponents or lambda");
	vx_fdcheck f1, f2;
	if (vx_fd_check(m, a, &f1) != VX_OK || vx_fd_check_on(m, a, &two, &f2) != VX_OK) {
		fprintf(stderr, "threads: %s: vx_fd_check failed\n", what);
		failures++;
	} else if (!same_bits(&f1, &f2, sizeof f1)) {   /* both zeroed by the engine first */
		differ(what, "the finite-difference check");
	}
	printf("threads: %-34s %s (%zu products shared)\n", what, failures > before ? "DIFFERS" : "same bits",
	       b->chain_shared);
done:
	vx_result_free(a);
	vx_result_free(b);
	vx_model_free(m);
}

static void network(const char *what, const char *const *opt, vx_cell cell, size_t layers)
{
	vx_params p;
	vx_net *net = NULL;
	vx_error err = { 0 };
	vx_net_spec spec;
	vx_net_spec_default(&spec);
	spec.cell = cell;
	spec.layers = layers;
	if (params_of(&p, opt) || vx_net_build(&p, &spec, &net, &err) != VX_OK) {
		fprintf(stderr, "threads: %s: the network: %s\n", what, err.msg);
		failures++;
		return;
	}
	vx_exec one = { 1, 0, NULL }, three = { 3, 0, NULL };
	vx_net_result *a = NULL, *b = NULL;
	vx_net_fdjudge f1 = { 0 }, f2 = { 0 };
	size_t t = net->T;
	int before = failures;
	if (vx_net_analyse(net, t, &one, &a, &err) != VX_OK || vx_net_analyse(net, t, &three, &b, &err) != VX_OK) {
		fprintf(stderr, "threads: %s: vx_net_analyse: %s\n", what, err.msg);
		failures++;
		goto done;
	}
	if (!same_net_paths(a->paths, b->paths, t) || !same_mags(a->h_norm, b->h_norm, t * net->L))
		differ(what, "the paths");
	if (a->c_norm && !same_mags(a->c_norm, b->c_norm, t * net->L))
		differ(what, "the c blocks");
	if (!same_mags(a->step_norm, b->step_norm, net->T))
		differ(what, "the step norms");
	for (size_t l = 0; l < net->L; l++)
		if (!same_matrix(a->grad[l].w_hh, b->grad[l].w_hh) || !same_matrix(a->grad_sum[l].w_hh, b->grad_sum[l].w_hh))
			differ(what, "the gradients");
	for (size_t l = 0; l < net->L; l++)
		if (!same_bits(a->stats[l].gate_radius, b->stats[l].gate_radius, sizeof a->stats[l].gate_radius))
			differ(what, "the gates' spectral radii");
	if (!same_bits(a->lyap_top, b->lyap_top, sizeof a->lyap_top))
		differ(what, "the exponents");
	size_t k = t > 4 ? t - 4 : 1;
	/* past D = 128, 24 sampled columns: the parameters' runs outlast them,
	 * and the columns' thread helps with them (each step wide enough);
	 * below, every column, ∂S_t/∂S_k formed whole */
	size_t cols = net->D > 128 ? 24 : 0;
	if (vx_net_fd_judge_on(net, a, t, k, 2, cols, &one, &f1) != VX_OK ||
	    vx_net_fd_judge_on(net, a, t, k, 2, cols, &three, &f2) != VX_OK) {
		fprintf(stderr, "threads: %s: vx_net_fd_judge_on failed\n", what);
		failures++;
	} else if (!same_items(f1.item, f2.item) || !same_bits(f1.block, f2.block, f1.nblk * f1.nblk * sizeof *f1.block) ||
	           !same_bits(f1.param, f2.param, 4 * net->L * sizeof *f1.param)) {
		differ(what, "the finite-difference check");
	}
	printf("threads: %-34s %s (%zu products shared, %zu passes moved, %zu of the step norms' products, %zu "
	       "finite-difference steps)\n",
	       what, failures > before ? "DIFFERS" : "same bits", b->chain_shared, b->tasks_shared, b->steps_shared,
	       f2.shared);
done:
	vx_net_fdjudge_clear(&f1);
	vx_net_fdjudge_clear(&f2);
	vx_net_result_free(a);
	vx_net_result_free(b);
	vx_net_free(net);
}

int main(void)
{
	gsl_set_error_handler_off();
	vanilla("tanh, gaussian W, 64 x 200", (const char *const[]){ "hidden", "64", "steps", "200", NULL });
	vanilla("relu, 40 x 30", (const char *const[]){ "act", "relu", "hidden", "40", "steps", "30", NULL });
	/* never loses rank, and 256³ is enough multiply-adds to share */
	vanilla("linear, orthogonal W, 256 x 24",
	        (const char *const[]){ "act", "linear", "init", "orthogonal", "norm", "1", "hidden", "256", "steps",
	                               "24", NULL });
	network("lstm, d = 192, 16 steps", (const char *const[]){ "hidden", "192", "steps", "16", NULL },
	        VX_CELL_LSTM, 1);
	/* step norms that outlast the chain: its thread then takes passes and,
	 * when they end first, steps of the step norms' chunks (one GRU layer:
	 * net_norms.c's Gram path; what it did is printed, and test_engine_net
	 * asserts both) */
	network("gru, d = 256, 1500 steps", (const char *const[]){ "hidden", "256", "steps", "1500", NULL },
	        VX_CELL_GRU, 1);
	network("gru, 2 layers of 40, 24 steps", (const char *const[]){ "hidden", "40", "steps", "24", NULL },
	        VX_CELL_GRU, 2);
	network("rnn, 2 layers of 48, 24 steps", (const char *const[]){ "hidden", "48", "steps", "24", NULL },
	        VX_CELL_RNN, 2);
	if (failures)
		fprintf(stderr, "threads: %d differences or failures\n", failures);
	return failures ? 1 : 0;
}
