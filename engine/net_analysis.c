/*
 * net_analysis.c — every quantity of net_analysis.h for one vx_net and loss
 * step t: the result, the passes in order and on their threads, and the
 * summary once they are in (net_analysis_internal.h names the file of each
 * pass).
 *
 * Passes, each O(D² + T·D) in memory:
 *   1. the forward pass (net.c), stored per layer;
 *   2. the weights: σ_max and spectral radius of every gate block
 *      (net_stats.c);
 *   3. down from k = t: P_k = ∂S_t/∂S_k = P_{k+1} J_{k+1}, J formed
 *      explicitly per step (net_jacobian.c) and multiplied block by block,
 *      skipping its zero and diagonal blocks; the norms of P and of its
 *      diagonal h and c blocks by warm-started Lanczos (net_chain.c,
 *      net_norms.c);
 *   4. the step norms ‖J_j‖₂, by Lanczos on J_jᵀ J_j for up to STEP_BATCH
 *      steps in lockstep, each application a tangent and an adjoint map of
 *      the whole batch (net_step.h: a dgemm per layer and weight;
 *      net_norms.c);
 *   5. BPTT: the adjoint of S_k from k = t down, each step's gate adjoints
 *      giving the parameter gradients as outer products and the path terms
 *      (net_bptt.c);
 *   6. the Lyapunov exponents by QR re-orthonormalisation of J_j Y
 *      (net_lyap.c);
 *   7. the bounds (net_stats.c derives them), saturation and gate
 *      statistics from the stored pass.
 *
 * Range: P and the BPTT adjoint are carried as mantissa × 2^E, renormalised
 * by powers of two (exact), so long horizons keep their log10 as in
 * analysis.c.
 */
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <pthread.h>
#include "engine/net_analysis_internal.h"

/* ---- result ---- */

void vx_net_result_free(vx_net_result *r)
{
	if (!r)
		return;
	vx_net_fwd_free(r->fwd);
	gsl_vector_free(r->step_norm);
	gsl_vector_free(r->step_bound);
	free(r->paths);
	free(r->h_norm);
	free(r->c_norm);
	free(r->contribution);
	for (size_t l = 0; r->grad && l < r->L; l++) {
		gsl_matrix_free(r->grad[l].w_ih);
		gsl_matrix_free(r->grad[l].w_hh);
		gsl_vector_free(r->grad[l].b_ih);
		gsl_vector_free(r->grad[l].b_hh);
	}
	free(r->grad);
	free(r->grad_hh_norm);
	free(r->stats);
	free(r);
}

static vx_net_result *result_alloc(const vx_net *net, size_t t)
{
	vx_net_result *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	size_t L = net->L, gd = net->G * net->d;
	r->cell = net->cell;
	r->t = t;
	r->T = net->T;
	r->L = L;
	r->d = net->d;
	r->D = net->D;
	r->step_norm = gsl_vector_calloc(net->T);
	r->step_bound = gsl_vector_calloc(net->T);
	r->paths = calloc(t, sizeof *r->paths);
	r->h_norm = calloc(t * L, sizeof *r->h_norm);
	r->contribution = calloc(t * L, sizeof *r->contribution);
	if (net->cell == VX_CELL_LSTM)
		r->c_norm = calloc(t * L, sizeof *r->c_norm);
	r->grad = calloc(L, sizeof *r->grad);
	r->grad_hh_norm = calloc(L, sizeof *r->grad_hh_norm);
	r->stats = calloc(L, sizeof *r->stats);
	if (!r->step_norm || !r->step_bound || !r->paths || !r->h_norm || !r->contribution ||
	    (net->cell == VX_CELL_LSTM && !r->c_norm) || !r->grad || !r->grad_hh_norm || !r->stats) {
		vx_net_result_free(r);
		return NULL;
	}
	for (size_t l = 0; l < L; l++) {
		vx_net_grad *g = &r->grad[l];
		g->w_ih = gsl_matrix_calloc(gd, net->layer[l].w_ih->size2);
		g->w_hh = gsl_matrix_calloc(gd, net->d);
		g->b_ih = gsl_vector_calloc(gd);
		g->b_hh = gsl_vector_calloc(gd);
		if (!g->w_ih || !g->w_hh || !g->b_ih || !g->b_hh) {
			vx_net_result_free(r);
			return NULL;
		}
	}
	return r;
}

/* ---- pass 7: products, rate, horizon ---- */

/* Π over j = k+1..t of v_j for every k, as mantissa × 2^e, into the field at
 * byte offset off of each path */
static void products(const vx_net_result *r, const gsl_vector *v, size_t off)
{
	size_t t = r->t;
	double prod = 1.0, pe = 0;
	*(vx_mag *)((char *)&r->paths[t - 1] + off) = vx_mag_ldexp(1.0, 0);
	for (size_t k = t - 1; k >= 1; k--) {
		if (prod != 0) {
			int e;
			prod = frexp(prod * gsl_vector_get(v, k), &e);
			pe += e;
		}
		*(vx_mag *)((char *)&r->paths[k - 1] + off) = vx_mag_ldexp(prod, pe);
	}
}

/* (γλ)^gap as vx_analyse forms it: pow while that fits, else from log10 */
static vx_mag power_bound(double b, size_t gap)
{
	if (gap == 0)
		return vx_mag_ldexp(1.0, 0);
	if (b == 0)
		return vx_mag_ldexp(0.0, 0);
	double v = pow(b, (double)gap);
	if (isfinite(v) && v >= DBL_MIN) {
		vx_mag m = { v, (double)gap * log10(b), 1 };
		return m;
	}
	return vx_mag_from_log10((double)gap * log10(b));
}

static void summarise(vx_net_result *r)
{
	size_t t = r->t;
	for (size_t k = 1; k <= t; k++) {
		r->paths[k - 1].k = k;
		r->paths[k - 1].gap = t - k;
	}
	products(r, r->step_norm, offsetof(vx_net_path, step_product));
	if (r->bound_kind == VX_NET_BOUND_GAMMA_LAMBDA) {
		for (size_t k = 1; k <= t; k++)
			r->paths[k - 1].bound = power_bound(gsl_vector_get(r->step_bound, 0), t - k);
		double b = gsl_vector_get(r->step_bound, 0);
		r->lyap_bound = b > 0 ? log(b) : -INFINITY;
	} else {
		products(r, r->step_bound, offsetof(vx_net_path, bound));
		double s = 0;
		for (size_t j = 0; j < r->T; j++)
			s += log(gsl_vector_get(r->step_bound, j));
		r->lyap_bound = s / (double)r->T;
	}
	r->rate = vx_gap_slope(&r->paths[0].norm.log10, sizeof *r->paths, t);
	r->horizon_kind = VX_HORIZON_NONE;
	r->horizon = 0;
	for (size_t k = t; k >= 1; k--) {
		double l10 = r->paths[k - 1].norm.log10;
		if (l10 < log10(VX_HORIZON_LOW) || l10 > log10(VX_HORIZON_HIGH)) {
			r->horizon_kind = l10 < 0 ? VX_HORIZON_VANISH : VX_HORIZON_EXPLODE;
			r->horizon = t - k;
			break;
		}
		if (k == 1)
			break;
	}
}

vx_status vx_net_analyse(const vx_net *net, size_t t, const vx_exec *ex, vx_net_result **out,
                         vx_error *err)
{
	*out = NULL;
	vx_status st = vx_net_validate(net, err);
	if (st)
		return st;
	if ((st = vx_loss_step_check(t, net->T, err)))
		return st;
	vx_net_result *r = result_alloc(net, t);
	if (!r)
		return vx_fail(err, VX_ENOMEM, "out of memory for the analysis (D = %zu, T = %zu)", net->D,
		               net->T);
	if ((st = vx_net_forward(net, &r->fwd, err)))
		goto fail;
	vx_na_path_identity(r);
	chain ch;
	if ((st = vx_na_chain_init(&ch, net, r))) {
		vx_na_chain_clear(&ch);
		vx_fail(err, st, "out of memory for the analysis (D = %zu)", net->D);
		goto fail;
	}
	/* With three threads the chain's products and its norms run on two of
	 * their own, beside the other passes here (exec.h has the figures); with
	 * two, the products beside the norms, then the other passes. */
	int threads = ex ? ex->threads : 1;
	int two = threads >= 2 && t > 2;
	pthread_t tp, tc;
	int ran = 0;
	if (two) {
		if (pthread_create(&tp, NULL, vx_na_producer_thread, &ch)) {
			two = 0;
		} else if (threads < 3 || pthread_create(&tc, NULL, vx_na_consumer_thread, &ch)) {
			/* the consumer's work then runs here, beside the producer */
			vx_na_consumer_thread(&ch);
			pthread_join(tp, NULL);
			two = 0;
			ran = 1;
		}
	}
	vx_status cst = two ? VX_OK : ran ? (ch.pst ? ch.pst : ch.cst) : vx_na_chain_inline(&ch);
	st = vx_na_weight_stats(net, r);
	if (!st)
		st = vx_na_step_bounds(net, r);
	if (!st)
		st = vx_na_step_norms(net, r);
	if (!st)
		st = vx_na_backprop(net, r);
	if (!st)
		st = vx_na_lyapunov(net, r);
	if (two) {
		if (st) {
			/* stop the chain early: the consumer's failure ends both */
			pthread_mutex_lock(&ch.mu);
			ch.cst = ch.cst ? ch.cst : st;
			pthread_cond_broadcast(&ch.cv);
			pthread_mutex_unlock(&ch.mu);
		}
		pthread_join(tp, NULL);
		pthread_join(tc, NULL);
		cst = ch.pst ? ch.pst : ch.cst;
	}
	r->lanczos_steps += ch.ls.steps;
	r->fallbacks += ch.ls.fallbacks;
	vx_na_chain_clear(&ch);
	if (!st)
		st = cst;
	if (st) {
		vx_fail(err, st, "the analysis failed: %s", vx_strerror(st));
		goto fail;
	}
	summarise(r);
	vx_na_gate_stats(net, r);
	*out = r;
	return VX_OK;
fail:
	vx_net_result_free(r);
	return st;
}
