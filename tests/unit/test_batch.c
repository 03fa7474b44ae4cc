/*
 * test_batch.c — report/batch.h: the spread of a batch's figures and its
 * verdict, against values worked out by hand.
 *
 * The quantiles on small sets whose order statistics are known (numpy's
 * default rule, which GSL's gsl_stats_quantile_from_sorted_data also
 * follows: both are asked for the same numbers here).  Then a network whose
 * every figure has a closed form: one ReLU unit, h_j = relu(w h_{j−1} + x_j),
 * h_0 = 0, so ∂h_t/∂h_k = Π_{j=k+1..t} w [a_j > 0].  With x_j = 1 the unit
 * never dies and the norm is w^{t−k}; a step with x_j = −10⁶ kills it there
 * (a_j < 0) and every path across that step is exactly 0.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "engine/net.h"
#include "engine/net_analysis.h"
#include "report/batch.h"
#include "test_engine_util.h"

static void setup(void)
{
	gsl_set_error_handler_off();
}

TestSuite(batch, .init = setup);

static void expect_spread(vxr_spread s, size_t n, double min, double q1, double med, double q3, double max,
                          const char *what)
{
	cr_expect_eq(s.n, n, "%s: n = %zu, expected %zu", what, s.n, n);
	const double got[5] = { s.min, s.q1, s.median, s.q3, s.max }, want[5] = { min, q1, med, q3, max };
	static const char *const name[5] = { "min", "q1", "median", "q3", "max" };
	for (int i = 0; i < 5; i++) {
		int same = got[i] == want[i] || (isnan(got[i]) && isnan(want[i])) ||
		           (isfinite(want[i]) && fabs(got[i] - want[i]) <= 1e-12 * fmax(1, fabs(want[i])));
		cr_expect(same, "%s: %s = %.17g, expected %.17g", what, name[i], got[i], want[i]);
	}
}

Test(batch, quantiles_of_small_sets)
{
	double odd[] = { 5, 1, 4, 2, 3 };
	expect_spread(vxr_spread_of(odd, 5), 5, 1, 2, 3, 4, 5, "1..5");
	double even[] = { 4, 1, 3, 2 };
	/* (n − 1) p = 0.75, 1.5, 2.25 */
	expect_spread(vxr_spread_of(even, 4), 4, 1, 1.75, 2.5, 3.25, 4, "1..4");
	double one[] = { -7 };
	expect_spread(vxr_spread_of(one, 1), 1, -7, -7, -7, -7, -7, "one value");
	double nans[] = { NAN, 2, NAN, 4 };
	expect_spread(vxr_spread_of(nans, 4), 2, 2, 2.5, 3, 3.5, 4, "NaNs left out");
	double none[] = { NAN, NAN };
	expect_spread(vxr_spread_of(none, 2), 0, NAN, NAN, NAN, NAN, NAN, "only NaNs");
	/* an exact 0 (log10 −∞) beside finite values: the limit of the formula */
	double zero[] = { 1, -INFINITY, 3, 2 };
	expect_spread(vxr_spread_of(zero, 4), 4, -INFINITY, -INFINITY, 1.5, 2.25, 3, "-inf");
	double none_h[] = { INFINITY, 5, INFINITY, 1, 3 };
	expect_spread(vxr_spread_of(none_h, 5), 5, 1, 3, 5, INFINITY, INFINITY, "+inf");
	double both[] = { -INFINITY, INFINITY };
	expect_spread(vxr_spread_of(both, 2), 2, -INFINITY, NAN, NAN, NAN, INFINITY, "-inf and +inf");

	/* GSL's quantile agrees wherever every value is finite */
	double v[9] = { 0.3, -2, 7, 7, 1e-3, 4, -2, 11, 0 };
	for (size_t n = 1; n <= 9; n++) {
		double a[9], g[9];
		memcpy(a, v, sizeof v);
		memcpy(g, v, sizeof v);
		vxr_spread s = vxr_spread_of(a, n);
		gsl_sort(g, 1, n);
		expect_spread(s, n, g[0], gsl_stats_quantile_from_sorted_data(g, 1, n, 0.25),
		              gsl_stats_median_from_sorted_data(g, 1, n), gsl_stats_quantile_from_sorted_data(g, 1, n, 0.75),
		              g[n - 1], "against GSL");
	}
}

/* ---- one ReLU unit ---- */

enum { T = 25 };

/* The unit with weight_hh = w, weight_ih = 1, no bias, inputs 1 but −10⁶
 * at step dead (0: never); loss step t = T, target 0. */
static vx_net_result *relu_run(double w, size_t dead)
{
	vx_net *net = vx_net_alloc(VX_CELL_RNN, VX_RELU, 1, 1, 1, T);
	cr_assert(net);
	gsl_matrix_set(net->layer[0].w_hh, 0, 0, w);
	gsl_matrix_set(net->layer[0].w_ih, 0, 0, 1);
	for (size_t j = 1; j <= T; j++)
		gsl_matrix_set(net->x, j - 1, 0, j == dead ? -1e6 : 1);
	vx_net_result *r = NULL;
	vx_error err = { 0 };
	vx_exec ex = test_exec(net->D, 1);
	cr_assert_eq(vx_net_analyse(net, T, &ex, &r, &err), VX_OK, "%s", err.msg);
	vx_net_free(net);
	return r;
}

static void free_all(vx_net_result **r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		vx_net_result_free(r[i]);
}

Test(batch, one_relu_unit_three_sequences_closed_forms)
{
	const double w = 1.5, lw = log10(1.5);
	/* A: never dead; B: dead at step t; C: dead at step t − 2 */
	vx_net_result *r[3] = { relu_run(w, 0), relu_run(w, T), relu_run(w, T - 2) };
	cr_expect_eq(vxr_batch_trend_of(r[0]), VXR_EXPLODING, "A grows x1.5 per step");
	cr_expect_eq(vxr_batch_trend_of(r[1]), VXR_VANISHING, "B: 0 across step t");
	cr_expect_eq(vxr_batch_trend_of(r[2]), VXR_VANISHING, "C: 0 across step t - 2");
	vxr_batch *b = NULL;
	vx_error err = { 0 };
	cr_assert_eq(vxr_batch_summarise((const vx_net_result *const *)r, 3, &b, &err), VX_OK, "%s", err.msg);
	cr_expect(b->B == 3 && b->t == T && b->L == 1 && b->cell == VX_CELL_RNN);
	for (size_t k = 1; k <= T; k++) {
		/* log10 norms: A (t−k) lw; B 0 at k = t, else −∞; C (t−k) lw for k >= t − 2, else −∞ */
		size_t gap = T - k;
		double a = (double)gap * lw, bb = gap == 0 ? 0 : -INFINITY, c = gap <= 2 ? (double)gap * lw : -INFINITY;
		double s[3] = { a, bb, c };
		gsl_sort(s, 1, 3);
		char what[48];
		snprintf(what, sizeof what, "norm at gap %zu", gap);
		/* three values: q1 halfway between the lower two, q3 the upper two */
		double q1 = s[0] == -INFINITY ? -INFINITY : (s[0] + s[1]) / 2;
		double q3 = s[1] == -INFINITY ? -INFINITY : (s[1] + s[2]) / 2;
		expect_spread(b->norm[k - 1], 3, s[0], q1, s[1], q3, s[2], what);
	}
	/* loss ½ h_T²: A h_T = 2 (1.5^T − 1); B 0; C h = 0, 1, 2.5 over the last three steps */
	double la = log10(0.5 * pow(2 * (pow(1.5, T) - 1), 2)), lc = log10(0.5 * 2.5 * 2.5);
	expect_spread(b->loss, 3, -INFINITY, -INFINITY, lc, (lc + la) / 2, la, "loss");
	/* rates: A and C lie on a line of slope lw; B has one nonzero norm, no rate */
	expect_spread(b->rate, 2, lw, lw, lw, lw, lw, "rate");
	/* Lyapunov: A ln 1.5 per step; B and C an exactly zero product */
	expect_spread(b->lyap_max, 3, -INFINITY, -INFINITY, -INFINITY, (-INFINITY), log(1.5), "Lyapunov");
	/* horizons: A explodes at the first gap with 1.5^g > 1e3, 18; B vanishes at gap 1, C at 3 */
	expect_spread(b->horizon, 3, 1, 2, 3, 10.5, 18, "horizon");
	cr_expect(b->horizon_count[VX_HORIZON_NONE] == 0 && b->horizon_count[VX_HORIZON_VANISH] == 2 &&
	          b->horizon_count[VX_HORIZON_EXPLODE] == 1);
	/* dead steps: 0 of T for A, 1 of T for B and C, all on the negative side */
	double f = 1.0 / T;
	expect_spread(b->layer[0].gate_low[0], 3, 0, f / 2, f, f, f, "dead");
	expect_spread(b->layer[0].gate_high[0], 3, 0, 0, 0, 0, 0, "saturated high");
	expect_spread(b->layer[0].gate_low[1], 0, NAN, NAN, NAN, NAN, NAN, "no second gate");
	expect_spread(b->layer[0].keep_mean, 0, NAN, NAN, NAN, NAN, NAN, "no keep gate");
	cr_expect(b->trend_count[VXR_NEITHER] == 0 && b->trend_count[VXR_VANISHING] == 2 &&
	          b->trend_count[VXR_EXPLODING] == 1);
	cr_expect_eq(b->verdict, VXR_EXPLODING, "one exploding sequence makes the batch explode");
	vxr_batch_free(b);

	/* B and C alone: every sequence vanishes */
	cr_assert_eq(vxr_batch_summarise((const vx_net_result *const *)r + 1, 2, &b, &err), VX_OK, "%s", err.msg);
	cr_expect_eq(b->verdict, VXR_VANISHING);
	vxr_batch_free(b);
	free_all(r, 3);

	/* w = 1: A keeps its size (neither) beside B (vanishing): neither */
	vx_net_result *q[2] = { relu_run(1, 0), relu_run(1, T) };
	cr_expect_eq(vxr_batch_trend_of(q[0]), VXR_NEITHER);
	cr_assert_eq(vxr_batch_summarise((const vx_net_result *const *)q, 2, &b, &err), VX_OK, "%s", err.msg);
	cr_expect_eq(b->verdict, VXR_NEITHER, "one sequence keeps its long-range gradient");
	expect_spread(b->norm[0], 2, -INFINITY, -INFINITY, -INFINITY, -INFINITY, 0, "w = 1, gap t - 1");
	cr_expect_eq(b->horizon_count[VX_HORIZON_NONE], 1);
	expect_spread(b->horizon, 2, 1, INFINITY, INFINITY, INFINITY, INFINITY, "no horizon for A");
	vxr_batch_free(b);
	free_all(q, 2);
}

/* The same sequence B times: every spread is that sequence's own figure. */
Test(batch, identical_sequences_give_no_spread)
{
	vx_net *net = vx_net_alloc(VX_CELL_LSTM, VX_TANH, 2, 3, 2, 9);
	cr_assert(net);
	unsigned long long s = 12345;
	for (size_t l = 0; l < 2; l++) {
		vx_net_layer *ly = &net->layer[l];
		gsl_matrix *m[2] = { ly->w_ih, ly->w_hh };
		for (int q = 0; q < 2; q++)
			for (size_t i = 0; i < m[q]->size1 * m[q]->size2; i++) {
				s = s * 6364136223846793005ULL + 1442695040888963407ULL;
				m[q]->data[i] = ((double)(s >> 11) / 9007199254740992.0 - 0.5) * 1.6;
			}
	}
	for (size_t i = 0; i < 9 * 2; i++)
		net->x->data[i] = sin((double)i);
	vx_net_result *r[4];
	vx_error err = { 0 };
	vx_exec ex = test_exec(net->D, 1);
	for (int i = 0; i < 4; i++)
		cr_assert_eq(vx_net_analyse(net, 9, &ex, &r[i], &err), VX_OK, "%s", err.msg);
	vxr_batch *b = NULL;
	cr_assert_eq(vxr_batch_summarise((const vx_net_result *const *)r, 4, &b, &err), VX_OK, "%s", err.msg);
	for (size_t k = 1; k <= 9; k++) {
		double v = r[0]->paths[k - 1].norm.log10;
		expect_spread(b->norm[k - 1], 4, v, v, v, v, v, "norm");
	}
	double v = r[0]->lyap_max;
	expect_spread(b->lyap_max, 4, v, v, v, v, v, "lyap");
	for (size_t l = 0; l < 2; l++) {
		for (size_t g = 0; g < 4; g++) {
			v = r[0]->stats[l].gate_high[g];
			expect_spread(b->layer[l].gate_high[g], 4, v, v, v, v, v, "gate high");
		}
		v = r[0]->stats[l].keep_mean;
		expect_spread(b->layer[l].keep_mean, 4, v, v, v, v, v, "forget gate mean");
		v = r[0]->stats[l].cell_sat;
		expect_spread(b->layer[l].cell_sat, 4, v, v, v, v, v, "cell saturation");
	}
	cr_expect_eq(b->trend_count[vxr_batch_trend_of(r[0])], 4);
	cr_expect_eq(b->verdict, vxr_batch_trend_of(r[0]));
	vxr_batch_free(b);

	/* results of another network, or no results, are refused */
	vx_net_result *other = NULL;
	cr_assert_eq(vx_net_analyse(net, 8, &ex, &other, &err), VX_OK, "%s", err.msg);
	const vx_net_result *mixed[2] = { r[0], other };
	cr_expect_eq(vxr_batch_summarise(mixed, 2, &b, &err), VX_EUSAGE);
	cr_expect(strstr(err.msg, "sequence 2 was analysed as another network (lstm, L = 2, D = 12, t = 8)"), "%s",
	          err.msg);
	cr_expect(b == NULL);
	cr_expect_eq(vxr_batch_summarise(mixed, 0, &b, &err), VX_EUSAGE);
	cr_expect(strstr(err.msg, "a batch of 0 sequences (accepted: 1 to 4096)"), "%s", err.msg);
	vx_net_result_free(other);
	free_all(r, 4);
	vx_net_free(net);
}
