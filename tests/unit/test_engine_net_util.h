/*
 * test_engine_net_util.h — random networks for the vx_net tests, drawn from
 * the LCG of test_engine_util.h (independent of GSL's generators).
 */
#ifndef TEST_ENGINE_NET_UTIL_H
#define TEST_ENGINE_NET_UTIL_H

#include <math.h>
#include "engine/net.h"
#include "test_engine_util.h"

/* Fills every parameter, state and input of net: weight_hh gate blocks
 * N(0, w²/d), weight_ih N(0, 1/n_l), biases N(0, bias²) with fb added to
 * bias_ih of the forget (LSTM f, GRU z) block, h0 and c0 N(0, s0²), x N(0,1),
 * y = ½ tanh(N(0,1)). */
static inline void fill_random_net(vx_net *net, double w, double bias, double fb, double s0,
                                   unsigned long long *st)
{
	size_t d = net->d;
	for (size_t l = 0; l < net->L; l++) {
		vx_net_layer *ly = &net->layer[l];
		for (size_t i = 0; i < ly->w_hh->size1; i++)
			for (size_t q = 0; q < d; q++)
				gsl_matrix_set(ly->w_hh, i, q, w * lcg_gauss(st) / sqrt((double)d));
		for (size_t i = 0; i < ly->w_ih->size1; i++)
			for (size_t q = 0; q < ly->w_ih->size2; q++)
				gsl_matrix_set(ly->w_ih, i, q, lcg_gauss(st) / sqrt((double)ly->w_ih->size2));
		for (size_t i = 0; i < ly->b_ih->size; i++) {
			int keep = net->cell != VX_CELL_RNN && i / d == 1;
			gsl_vector_set(ly->b_ih, i, bias * lcg_gauss(st) + (keep ? fb : 0));
			gsl_vector_set(ly->b_hh, i, bias * lcg_gauss(st));
		}
		for (size_t i = 0; i < d; i++) {
			gsl_vector_set(ly->h0, i, s0 * lcg_gauss(st));
			if (ly->c0)
				gsl_vector_set(ly->c0, i, s0 * lcg_gauss(st));
		}
	}
	for (size_t j = 0; j < net->T; j++)
		for (size_t q = 0; q < net->n; q++)
			gsl_matrix_set(net->x, j, q, lcg_gauss(st));
	for (size_t i = 0; i < d; i++)
		gsl_vector_set(net->y, i, 0.5 * tanh(lcg_gauss(st)));
}

/* vx_net_analyse at t = T under the policy vanex applies (test_exec),
 * asserting success. */
static inline vx_net_result *net_analyse_ok(const vx_net *net)
{
	vx_net_result *r = NULL;
	vx_error err = { 0 };
	vx_exec ex = test_exec(net->D, 1);
	vx_status st = vx_net_analyse(net, net->T, &ex, &r, &err);
	cr_assert_eq(st, VX_OK, "vx_net_analyse failed (%d): %s", st, err.msg);
	return r;
}

#endif
