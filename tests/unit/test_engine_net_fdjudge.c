/*
 * test_engine_net_fdjudge.c — the networks' finite-difference check
 * (net_fdjudge.h) says FAIL when a derivative is wrong and only then.
 *
 * Wrong derivatives are planted after a correct analysis: a gradient entry
 * off by 1e-3 (and by 1e-5), and weight_hh scaled by 1.001 after the
 * forward pass, so that the coefficients behind the analytic J_j and
 * ∂S_t/∂S_k are those of other weights than the ones the differences run.
 * The check must fail each of them.  Networks where vx_net_fd_check, which
 * reports raw differences, exceeds the tolerance (a kink inside the step,
 * saturated gates, an exploding horizon) must pass, with what double
 * precision cannot resolve left out and counted, never failed.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <gsl/gsl_errno.h>

#include "engine/net.h"
#include "engine/net_analysis.h"
#include "engine/net_fdjudge.h"
#include "same_bits.h"
#include "test_engine_net_util.h"

static void setup(void)
{
	gsl_set_error_handler_off();
}

TestSuite(net_fdjudge, .init = setup);

/* The network the command line builds from these options. */
static vx_net *built(vx_cell cell, size_t L, double norm, double scale, double fb, unsigned long seed,
                     vx_act act)
{
	vx_params p;
	vx_params_default(&p);
	p.norm = norm;
	p.input_scale = scale;
	p.seed = seed;
	p.act = act;
	vx_net_spec s = { cell, L, fb };
	vx_net *net = NULL;
	vx_error err = { 0 };
	cr_assert_eq(vx_net_build(&p, &s, &net, &err), VX_OK, "%s", err.msg);
	return net;
}

/* The check at J_T and ∂S_T/∂S_{T−2}, 16 entries per parameter. */
static void judge(const vx_net *net, const vx_net_result *r, vx_net_fdjudge *fd)
{
	cr_assert_eq(vx_net_fd_judge(net, r, net->T, net->T - 2, 16, fd), VX_OK);
}

static size_t failed(const vx_net_fdjudge *fd)
{
	return fd->item[VX_NET_FD_J].failed + fd->item[VX_NET_FD_DSDS].failed + fd->item[VX_NET_FD_GRAD].failed;
}

Test(net_fdjudge, correct_networks_pass_and_every_item_is_compared)
{
	static const vx_cell cells[] = { VX_CELL_RNN, VX_CELL_LSTM, VX_CELL_GRU };
	for (int c = 0; c < 3; c++)
		for (size_t L = 1; L <= 3; L++) {
			vx_net *net = built(cells[c], L, 1.0, 1.0, c ? 1.0 : 0.0, L, VX_TANH);
			vx_net_result *r = net_analyse_ok(net);
			vx_net_fdjudge fd;
			judge(net, r, &fd);
			for (int q = 0; q < VX_NET_FD_ITEMS; q++) {
				const vx_net_fditem *it = &fd.item[q];
				cr_expect(it->compared > 0 && it->failed == 0 && it->error <= 1e-8,
				          "%s, %zu layers, item %d: %zu compared, %zu failed, error %g", vx_cell_name(cells[c]), L,
				          q, it->compared, it->failed, it->error);
			}
			cr_expect_eq(fd.nblk, L * (cells[c] == VX_CELL_LSTM ? 2 : 1));
			for (size_t i = 0; i < fd.nblk * fd.nblk; i++)
				cr_expect(fd.block[i] <= 1e-8, "%s, %zu layers: block %zu: %g", vx_cell_name(cells[c]), L, i,
				          fd.block[i]);
			vx_net_fdjudge_clear(&fd);
			vx_net_result_free(r);
			vx_net_free(net);
		}
}

Test(net_fdjudge, planted_errors_fail)
{
	static const vx_cell cells[] = { VX_CELL_RNN, VX_CELL_LSTM, VX_CELL_GRU };
	for (int c = 0; c < 3; c++) {
		/* a gradient entry off: the largest of the top layer's weight_hh */
		for (int e = 0; e < 2; e++) {
			double off = e ? 1e-5 : 1e-3;
			vx_net *net = built(cells[c], 2, 1.0, 1.0, 0.0, 3, VX_TANH);
			vx_net_result *r = net_analyse_ok(net);
			gsl_matrix *G = r->grad[1].w_hh;
			size_t bi = 0, bj = 0;
			for (size_t i = 0; i < G->size1; i++)
				for (size_t j = 0; j < G->size2; j++)
					if (fabs(gsl_matrix_get(G, i, j)) > fabs(gsl_matrix_get(G, bi, bj))) {
						bi = i;
						bj = j;
					}
			gsl_matrix_set(G, bi, bj, gsl_matrix_get(G, bi, bj) * (1 + off));
			vx_net_fdjudge fd;
			judge(net, r, &fd);
			cr_expect(fd.item[VX_NET_FD_GRAD].failed >= 1, "%s: a gradient entry %g off passed",
			          vx_cell_name(cells[c]), off);
			cr_expect(fd.param[4 * 1 + 1] > 0.9 * off && fd.param[4 * 1 + 1] < 1.1 * off,
			          "%s: weight_hh_l1's error %g, planted %g", vx_cell_name(cells[c]), fd.param[5], off);
			cr_expect_eq(fd.item[VX_NET_FD_J].failed + fd.item[VX_NET_FD_DSDS].failed, 0,
			             "%s: J and dS/dS are right", vx_cell_name(cells[c]));
			vx_net_fdjudge_clear(&fd);
			vx_net_result_free(r);
			vx_net_free(net);
		}
		/* weights changed after the forward pass: the analytic J_j and
		 * ∂S_t/∂S_k use the old coefficients */
		vx_net *net = built(cells[c], 2, 1.0, 1.0, 0.0, 3, VX_TANH);
		vx_net_result *r = net_analyse_ok(net);
		gsl_matrix_scale(net->layer[0].w_hh, 1.001);
		vx_net_fdjudge fd;
		judge(net, r, &fd);
		cr_expect(fd.item[VX_NET_FD_J].failed > 0 && fd.item[VX_NET_FD_DSDS].failed > 0,
		          "%s: stale coefficients: J %zu failed, dS/dS %zu failed", vx_cell_name(cells[c]),
		          fd.item[VX_NET_FD_J].failed, fd.item[VX_NET_FD_DSDS].failed);
		vx_net_fdjudge_clear(&fd);
		vx_net_result_free(r);
		vx_net_free(net);
	}
}

/* Where the raw differences miss by more than the tolerance and the
 * derivatives are right (test_engine_net_torch holds them to PyTorch):
 * the default 3-layer ReLU stack (a kink inside a step), saturated LSTMs
 * and an exploding GRU.  vx_net_fd_check exceeds 1e-6 on each; the judge
 * fails none, and leaves entries out. */
Test(net_fdjudge, what_double_precision_cannot_resolve_is_left_out)
{
	static const struct {
		vx_cell cell;
		size_t L;
		double norm, scale, fb;
		unsigned long seed;
		vx_act act;
	} cases[] = {
		{ VX_CELL_RNN, 3, 1, 1, 0, 1, VX_RELU },
		{ VX_CELL_LSTM, 2, 30, 30, 8, 2, VX_TANH },
		{ VX_CELL_LSTM, 2, 30, 30, 8, 3, VX_TANH },
		{ VX_CELL_GRU, 3, 10, 10, -5, 3, VX_TANH },
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		vx_net *net = built(cases[c].cell, cases[c].L, cases[c].norm, cases[c].scale, cases[c].fb, cases[c].seed,
		                    cases[c].act);
		vx_net_result *r = net_analyse_ok(net);
		vx_net_fdcheck raw;
		cr_assert_eq(vx_net_fd_check(net, r, net->T, net->T - 2, 16, &raw), VX_OK);
		double worst = raw.dSdS;
		for (size_t i = 0; i < 4 * net->L; i++)
			worst = fmax(worst, raw.param[i]);
		cr_expect(worst > 1e-6, "case %zu: the raw differences agree (%g): not a case for this test", c, worst);
		vx_net_fdcheck_clear(&raw);
		vx_net_fdjudge fd;
		judge(net, r, &fd);
		size_t left = fd.item[0].left + fd.item[1].left + fd.item[2].left;
		cr_expect_eq(failed(&fd), 0, "case %zu: %zu entries failed", c, failed(&fd));
		cr_expect(left > 0, "case %zu: nothing left out", c);
		vx_net_fdjudge_clear(&fd);
		vx_net_result_free(r);
		vx_net_free(net);
	}
}

/* A ReLU stack at rest (no input, biases 0): every pre-activation exactly
 * at the kink, where σ' is taken as 0 and a two-sided difference sees ½.
 * The misses are counted at the kink, not failed. */
Test(net_fdjudge, relu_at_rest_is_at_the_kink)
{
	vx_net *net = built(VX_CELL_RNN, 2, 1, 0, 0, 1, VX_RELU);
	vx_net_result *r = net_analyse_ok(net);
	vx_net_fdjudge fd;
	judge(net, r, &fd);
	cr_expect_eq(fd.kinks, 2 * net->d * net->T, "kinks %zu", fd.kinks);
	cr_expect_eq(failed(&fd), 0);
	/* J_j: a column moves pre-activations at 0 both ways, the difference
	 * sees the mean slope exactly; a bias moves them one way only, and its
	 * difference changes with the step: not settled, left out */
	cr_expect(fd.item[VX_NET_FD_J].at_kink > 0, "no entry of J_j at the kink");
	cr_expect(fd.item[VX_NET_FD_GRAD].at_kink + fd.item[VX_NET_FD_GRAD].left > 0, "every gradient entry compared");
	vx_net_fdjudge_clear(&fd);
	/* a cleared struct is zeroed and takes a second clear */
	cr_expect(fd.block == NULL && fd.param == NULL && fd.nblk == 0);
	vx_net_fdjudge_clear(&fd);
	vx_net_fdjudge_clear(NULL);
	vx_net_result_free(r);
	vx_net_free(net);
}

Test(net_fdjudge, bad_arguments)
{
	vx_net *net = built(VX_CELL_GRU, 1, 1, 1, 0, 1, VX_TANH);
	vx_net_result *r = net_analyse_ok(net);
	vx_net_fdjudge fd;
	cr_expect_eq(vx_net_fd_judge(net, r, 0, 1, 0, &fd), VX_EUSAGE);
	cr_expect_eq(vx_net_fd_judge(net, r, net->T + 1, 1, 0, &fd), VX_EUSAGE);
	cr_expect_eq(vx_net_fd_judge(net, r, 1, net->T + 1, 0, &fd), VX_EUSAGE);
	vx_net *other = built(VX_CELL_GRU, 2, 1, 1, 0, 1, VX_TANH);
	cr_expect_eq(vx_net_fd_judge(other, r, 1, 1, 0, &fd), VX_ESHAPE);
	vx_net_free(other);
	vx_net_result_free(r);
	vx_net_free(net);
}

/* a and b (of a network of L layers) the same to the bit: every item,
 * every block, every parameter; then b cleared */
static void same_judgement(vx_net_fdjudge *a, vx_net_fdjudge *b, size_t L, size_t c)
{
	cr_expect_eq(memcmp(a->item, b->item, sizeof a->item), 0, "cell %zu: the items", c);
	cr_expect_eq(memcmp(a->block, b->block, a->nblk * a->nblk * sizeof *a->block), 0, "cell %zu: the blocks", c);
	cr_expect_eq(memcmp(a->param, b->param, 4 * L * sizeof *a->param), 0, "cell %zu: the parameters", c);
	vx_net_fdjudge_clear(b);
}

/* Two threads (the parameters' runs beside the columns') give the check of
 * one thread, bit for bit: every item, every block, every parameter. */
Test(net_fdjudge, two_threads_judge_as_one)
{
	static const vx_cell cells[] = { VX_CELL_LSTM, VX_CELL_GRU, VX_CELL_RNN };
	vx_exec two = { 2, 0, NULL };
	for (size_t c = 0; c < sizeof cells / sizeof *cells; c++) {
		vx_net *net = built(cells[c], 2, 1.2, 1, 0, 7 + c, VX_TANH);
		vx_net_result *r = NULL;
		vx_error err = { 0 };
		cr_assert_eq(vx_net_analyse(net, net->T, NULL, &r, &err), VX_OK, "%s", err.msg);
		vx_net_fdjudge a, b;
		cr_assert_eq(vx_net_fd_judge(net, r, net->T, net->T - 2, 16, &a), VX_OK);
		cr_assert_eq(vx_net_fd_judge_on(net, r, net->T, net->T - 2, 16, 0, &two, &b), VX_OK);
		cr_expect_gt(a.item[VX_NET_FD_GRAD].compared, 0, "cell %zu: parameters compared", c);
		same_judgement(&a, &b, net->L, c);
		vx_net_fdjudge_clear(&a);
		vx_net_result_free(r);
		vx_net_free(net);
	}
}

/* The columns' thread, done first, takes the lower rows of each step of the
 * parameters' runs: the check of one thread still, bit for bit.  LSTM and
 * GRU of d = 192 (each step's product 96 × 4d × d and 96 × 3d × d, enough
 * to share), T = 200: the parameters' 96 runs of 200 steps outlast 24
 * columns' runs of two. */
Test(net_fdjudge, the_parameters_runs_shared_judge_as_one, .timeout = 300)
{
	static const vx_cell cells[] = { VX_CELL_LSTM, VX_CELL_GRU };
	vx_exec one = { 1, 1, NULL }, two = { 2, 1, NULL };
	vx_exec_apply(&one);
	for (size_t c = 0; c < sizeof cells / sizeof *cells; c++) {
		vx_params p;
		vx_params_default(&p);
		p.hidden = 192;
		p.steps = 200;
		p.seed = 31 + c;
		vx_net_spec spec = { cells[c], 1, 0 };
		vx_net *net = NULL;
		vx_net_result *r = NULL;
		vx_error err = { 0 };
		cr_assert_eq(vx_net_build(&p, &spec, &net, &err), VX_OK, "%s", err.msg);
		cr_assert_eq(vx_net_analyse(net, net->T, &one, &r, &err), VX_OK, "%s", err.msg);
		vx_net_fdjudge a, b;
		cr_assert_eq(vx_net_fd_judge_on(net, r, net->T, net->T - 2, 2, 24, &one, &a), VX_OK);
		cr_expect_eq(a.shared, 0, "cell %zu: one thread shares nothing", c);
		cr_expect_eq(a.item[VX_NET_FD_GRAD].compared, 8, "cell %zu: two entries of each parameter", c);
		cr_expect_eq(failed(&a), 0, "cell %zu: a correct network passes", c);
		/* a run that did not share is run again (same_bits.h) */
		for (int run = 1;; run++) {
			cr_assert_eq(vx_net_fd_judge_on(net, r, net->T, net->T - 2, 2, 24, &two, &b), VX_OK);
			size_t shared = b.shared;
			same_judgement(&a, &b, net->L, c);
			if (shared > 0 || run == VX_TEST_SHARE_RUNS) {
				cr_expect_gt(shared, 0, "cell %zu: steps of the parameters' runs shared (in none of %d runs)", c, run);
				break;
			}
		}
		vx_net_fdjudge_clear(&a);
		vx_net_result_free(r);
		vx_net_free(net);
	}
}

/* With fewer columns than D (check's budget at large sizes) every block is
 * still compared, at the same number of columns each, and a wrong J_j or
 * ∂S_t/∂S_k (stale coefficients) still fails; a correct network passes,
 * J_j's sampled columns with at most the full error (a subset of the same
 * matrix; the batches differ, so up to the products' rounding), ∂S_t/∂S_k's
 * (carried column by column) within the noise. */
Test(net_fdjudge, sampled_columns_cover_every_block)
{
	static const vx_cell cells[] = { VX_CELL_LSTM, VX_CELL_GRU, VX_CELL_RNN };
	for (size_t c = 0; c < sizeof cells / sizeof *cells; c++) {
		vx_net *net = built(cells[c], 2, 1.2, 1, 0, 17 + c, VX_TANH);
		size_t D = net->D, nblk = D / net->d;
		vx_net_result *r = NULL;
		vx_error err = { 0 };
		cr_assert_eq(vx_net_analyse(net, net->T, NULL, &r, &err), VX_OK, "%s", err.msg);
		vx_net_fdjudge all, some;
		cr_assert_eq(vx_net_fd_judge(net, r, net->T, net->T - 2, 4, &all), VX_OK);
		cr_assert_eq(vx_net_fd_judge_on(net, r, net->T, net->T - 2, 4, 3 * nblk, NULL, &some), VX_OK);
		cr_expect_eq(all.columns, D);
		cr_expect_eq(some.columns, 3 * nblk, "cell %zu: %zu columns", c, some.columns);
		for (int q = VX_NET_FD_J; q <= VX_NET_FD_DSDS; q++) {
			const vx_net_fditem *a = &all.item[q], *s = &some.item[q];
			cr_expect_eq(s->compared + s->left + s->at_kink, 3 * nblk * D, "cell %zu item %d", c, q);
			cr_expect_eq(s->failed, 0);
			/* J_j: the same matrix, a subset of its columns; ∂S_t/∂S_k:
			 * the sampled columns by the tangent map, judged against
			 * their own largest entry, within the differences' noise */
			if (q == VX_NET_FD_J)
				cr_expect_leq(s->error, a->error * (1 + 1e-9), "cell %zu: J %g against all columns' %g", c,
				              s->error, a->error);
			else
				cr_expect_leq(s->error, 1e-9, "cell %zu: dS/dS %g (all columns: %g)", c, s->error, a->error);
		}
		for (size_t b = 0; b < nblk * nblk; b++)
			cr_expect(isfinite(some.block[b]), "cell %zu: block %zu not compared", c, b);
		vx_net_fdjudge_clear(&all);
		vx_net_fdjudge_clear(&some);
		/* stale coefficients: wrong in every block of J's columns */
		gsl_matrix_scale(net->layer[0].w_hh, 1.001);
		gsl_matrix_scale(net->layer[1].w_hh, 1.001);
		cr_assert_eq(vx_net_fd_judge_on(net, r, net->T, net->T - 2, 4, 2 * nblk, NULL, &some), VX_OK);
		cr_expect_eq(some.columns, 2 * nblk);
		cr_expect(some.item[VX_NET_FD_J].failed > 0 && some.item[VX_NET_FD_DSDS].failed > 0,
		          "cell %zu: stale coefficients: J %zu failed, dS/dS %zu failed", c, some.item[VX_NET_FD_J].failed,
		          some.item[VX_NET_FD_DSDS].failed);
		vx_net_fdjudge_clear(&some);
		vx_net_result_free(r);
		vx_net_free(net);
	}
}

/* Blocks of one column (d = 1) with fewer columns asked than D: every
 * column, none written past the list (ASan in make sanitize). */
Test(net_fdjudge, one_unit_blocks_take_every_column)
{
	vx_params p;
	vx_params_default(&p);
	p.hidden = 1;
	vx_net_spec sp = { VX_CELL_LSTM, 3, 0 };
	vx_net *net = NULL;
	vx_error err = { 0 };
	cr_assert_eq(vx_net_build(&p, &sp, &net, &err), VX_OK, "%s", err.msg);
	vx_net_result *r = NULL;
	cr_assert_eq(vx_net_analyse(net, net->T, NULL, &r, &err), VX_OK, "%s", err.msg);
	vx_net_fdjudge fd;
	cr_assert_eq(vx_net_fd_judge_on(net, r, net->T, net->T - 2, 2, 1, NULL, &fd), VX_OK);
	cr_expect_eq(fd.columns, net->D, "%zu columns of %zu", fd.columns, net->D);
	cr_expect_eq(fd.item[VX_NET_FD_J].failed, 0);
	vx_net_fdjudge_clear(&fd);
	vx_net_result_free(r);
	vx_net_free(net);
}
