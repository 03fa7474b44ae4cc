/*
 * net_chain.c — ∂S_t/∂S_k for k = t − 1 down to 1 and the norms of it and
 * of its diagonal blocks, for vx_net_analyse (net_analysis_internal.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <gsl/gsl_blas.h>
#include "engine/net_analysis_internal.h"

/* Q = P J with J block lower triangular by layer: column block m of Q only
 * takes rows off_m.. of J; an LSTM layer's c columns take, within the layer,
 * only the diagonals of its (h, c) and (c, c) blocks. */
static void chain_mul(const vx_net *net, const gsl_matrix *P, const gsl_matrix *J, gsl_matrix *Q)
{
	size_t D = net->D, Ds = net->Ds, d = net->d;
	int lstm = net->cell == VX_CELL_LSTM;
	for (size_t m = 0; m < net->L; m++) {
		size_t off = m * Ds;
		gsl_matrix_const_view Pv = gsl_matrix_const_submatrix(P, 0, off, D, D - off);
		gsl_matrix_const_view Jv = gsl_matrix_const_submatrix(J, off, off, D - off, d);
		gsl_matrix_view Qv = gsl_matrix_submatrix(Q, 0, off, D, d);
		gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, &Pv.matrix, &Jv.matrix, 0.0, &Qv.matrix);
		if (!lstm)
			continue;
		size_t c0 = off + d, below = off + Ds;
		gsl_matrix_view Qc = gsl_matrix_submatrix(Q, 0, c0, D, d);
		if (below < D) {
			gsl_matrix_const_view Pb = gsl_matrix_const_submatrix(P, 0, below, D, D - below);
			gsl_matrix_const_view Jb = gsl_matrix_const_submatrix(J, below, c0, D - below, d);
			gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, &Pb.matrix, &Jb.matrix, 0.0, &Qc.matrix);
		} else {
			gsl_matrix_set_zero(&Qc.matrix);
		}
		for (size_t i = 0; i < D; i++) {
			const double *p = vx_row(P, i);
			double *q = vx_row(Q, i);
			for (size_t c = 0; c < d; c++)
				q[c0 + c] += p[off + c] * vx_row(J, off + c)[c0 + c] + p[c0 + c] * vx_row(J, c0 + c)[c0 + c];
		}
	}
}

void vx_na_chain_clear(chain *c)
{
	for (int q = 0; q < NSLOT; q++)
		gsl_matrix_free(c->P[q]);
	gsl_matrix_free(c->J);
	free(c->coef);
	vx_net_ws_clear(&c->ws);
	vx_na_lock_clear(&c->ls);
	vx_na_dense_clear(&c->fb);
	free(c->nrm);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	memset(c, 0, sizeof *c);
}

vx_status vx_na_chain_init(chain *c, const vx_net *net, int ej, vx_net_result *r)
{
	size_t D = net->D;
	memset(c, 0, sizeof *c);
	c->net = net;
	c->ej = ej;
	c->r = r;
	c->prev = -1;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	int bad = 0;
	for (int q = 0; q < NSLOT; q++)
		bad |= !(c->P[q] = gsl_matrix_alloc(D, D));
	c->J = gsl_matrix_alloc(D, D);
	c->coef = malloc(vx_net_coef_size(net) * sizeof *c->coef);
	c->nrm = malloc((1 + 2 * net->L) * sizeof *c->nrm);
	if (bad || !c->J || !c->coef || !c->nrm || vx_na_lock_init(&c->ls, net) || vx_net_ws_init(&c->ws, net, 1))
		return VX_ENOMEM;
	return VX_OK;
}

/* The producer stops: the consumer gets what is made, then zeros or the end. */
static void produce_end(chain *c)
{
	pthread_mutex_lock(&c->mu);
	if (c->prev >= 0)
		c->refs[c->prev]--;
	c->prev = -1;
	c->finished = 1;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

/* P_k into a free buffer; 1 when the producer is to stop (P_k is 0, a
 * failure, or the consumer failed), else 0 */
static int produce(chain *c, size_t k)
{
	const vx_net *net = c->net;
	vx_net_coef(net, c->r->fwd, k + 1, c->coef);
	vx_net_jacobian_from_coef(net, c->coef, c->J, &c->ws);
	int eJ, nz = vx_normalise2(c->J, &eJ);
	if (nz <= 0) {
		if (nz == 0)
			c->zero_from = k;
		else
			c->pst = VX_ENONFINITE;
		return 1;
	}
	int s = -1;
	pthread_mutex_lock(&c->mu);
	for (;;) {
		for (int q = 0; q < NSLOT && s < 0; q++)
			if (c->refs[q] == 0)
				s = q;
		if (s >= 0 || c->cst)
			break;
		pthread_cond_wait(&c->cv, &c->mu);
	}
	if (s >= 0)
		c->refs[s] = -1;
	pthread_mutex_unlock(&c->mu);
	if (s < 0)
		return 1;
	gsl_matrix *P = c->P[s];
	double E = eJ + c->ej;
	if (c->prev < 0) {
		gsl_matrix_memcpy(P, c->J);
	} else {
		chain_mul(net, c->P[c->prev], c->J, P);
		E += c->E;
	}
	/* the largest entry back to [½, 1): nothing over- or underflows */
	int e;
	if ((nz = vx_normalise2(P, &e)) <= 0) {
		if (nz == 0)
			c->zero_from = k;
		else
			c->pst = VX_ENONFINITE;
		pthread_mutex_lock(&c->mu);
		c->refs[s] = 0;
		pthread_mutex_unlock(&c->mu);
		return 1;
	}
	E += e;
	pthread_mutex_lock(&c->mu);
	c->refs[s] = 2;
	c->kof[s] = k;
	c->Eof[s] = E;
	if (c->prev >= 0)
		c->refs[c->prev]--;
	c->prev = s;
	c->E = E;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	return 0;
}

/* The norms of P_k into the result (zeros when P_k = 0); 1 when the consumer
 * is to stop (a failure, its own or the producer's), else 0 */
static int consume(chain *c, size_t k)
{
	vx_net_result *r = c->r;
	size_t L = r->L;
	int sub = c->net->cell == VX_CELL_LSTM ? 2 : 1;
	int s = -1;
	pthread_mutex_lock(&c->mu);
	for (;;) {
		for (int q = 0; q < NSLOT && s < 0; q++)
			if (c->refs[q] > 0 && c->kof[q] == k)
				s = q;
		if (s >= 0 || c->finished)
			break;
		pthread_cond_wait(&c->cv, &c->mu);
	}
	pthread_mutex_unlock(&c->mu);
	double E = 0;
	if (s >= 0) {
		vx_status st = vx_na_lock_norms(&c->ls, c->P[s], &c->fb, c->nrm);
		pthread_mutex_lock(&c->mu);
		c->refs[s]--;
		if (st)
			c->cst = st;
		E = c->Eof[s];
		pthread_cond_broadcast(&c->cv);
		pthread_mutex_unlock(&c->mu);
		if (st)
			return 1;
	} else if (c->zero_from < k) {
		return 1;   /* the producer failed before P_k */
	} else {
		for (size_t q = 0; q < c->ls.nq; q++)
			c->nrm[q] = 0;
	}
	vx_mag zero = vx_mag_ldexp(0.0, 0);
	r->paths[k - 1].norm = c->nrm[0] == 0 ? zero : vx_mag_ldexp(c->nrm[0], E);
	for (size_t q = 1; q < c->ls.nq; q++) {
		size_t l = (q - 1) / (size_t)sub;
		vx_mag *dst = (q - 1) % (size_t)sub == 0 ? r->h_norm : r->c_norm;
		dst[(k - 1) * L + l] = c->nrm[q] == 0 ? zero : vx_mag_ldexp(c->nrm[q], E);
	}
	return 0;
}

/* step(c, k) for k = t − 1 down to 1, until one fails */
static void chain_walk(chain *c, int (*step)(chain *, size_t))
{
	for (size_t k = c->r->t - 1; k >= 1; k--)
		if (step(c, k) || k == 1)
			break;
}

void *vx_na_producer_thread(void *arg)
{
	chain_walk(arg, produce);
	produce_end(arg);
	return NULL;
}

void *vx_na_consumer_thread(void *arg)
{
	chain_walk(arg, consume);
	return NULL;
}

/* k = t: the empty product, the identity */
void vx_na_path_identity(vx_net_result *r)
{
	vx_mag one = vx_mag_ldexp(1.0, 0);
	size_t t = r->t, L = r->L;
	r->paths[t - 1].norm = one;
	for (size_t l = 0; l < L; l++) {
		r->h_norm[(t - 1) * L + l] = one;
		if (r->c_norm)
			r->c_norm[(t - 1) * L + l] = one;
	}
}

/* Runs the chain inline (producer and consumer alternating), or on two
 * threads that run while the caller does other work until chain_join. */
vx_status vx_na_chain_inline(chain *c)
{
	int stopped = 0;
	for (size_t k = c->r->t - 1; k >= 1; k--) {
		if (!stopped && (produce(c, k) || k == 1)) {
			stopped = 1;
			produce_end(c);
		}
		if (consume(c, k) || k == 1)
			break;
	}
	return c->pst ? c->pst : c->cst;
}

