/*
 * net_chain.c — ∂S_t/∂S_k for k = t − 1 down to 1 and the norms of it and
 * of its diagonal blocks, for vx_net_analyse (net_analysis_internal.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <stdint.h>
#include <gsl/gsl_blas.h>
#include "engine/net_analysis_internal.h"

/* The smallest state whose chain may be carried in factored form
 * (lowrank.h): below it a product costs too little for the attempts to
 * pay. */
#define LOWRANK_MIN_D 128

/* Q = P J with J block lower triangular by layer: column block m of Q only
 * takes rows off_m.. of J; an LSTM layer's c columns take, within the layer,
 * only the diagonals of its (h, c) and (c, c) blocks.  P and Q have the same
 * rows, any number of them (D for P itself, fewer for a factor M). */
static void chain_mul(const vx_net *net, const gsl_matrix *P, const gsl_matrix *J, gsl_matrix *Q)
{
	size_t D = net->D, Ds = net->Ds, d = net->d, R = P->size1;
	int lstm = net->cell == VX_CELL_LSTM;
	for (size_t m = 0; m < net->L; m++) {
		size_t off = m * Ds;
		gsl_matrix_const_view Pv = gsl_matrix_const_submatrix(P, 0, off, R, D - off);
		gsl_matrix_const_view Jv = gsl_matrix_const_submatrix(J, off, off, D - off, d);
		gsl_matrix_view Qv = gsl_matrix_submatrix(Q, 0, off, R, d);
		gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, &Pv.matrix, &Jv.matrix, 0.0, &Qv.matrix);
		if (!lstm)
			continue;
		size_t c0 = off + d, below = off + Ds;
		gsl_matrix_view Qc = gsl_matrix_submatrix(Q, 0, c0, R, d);
		if (below < D) {
			gsl_matrix_const_view Pb = gsl_matrix_const_submatrix(P, 0, below, R, D - below);
			gsl_matrix_const_view Jb = gsl_matrix_const_submatrix(J, below, c0, D - below, d);
			gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, &Pb.matrix, &Jb.matrix, 0.0, &Qc.matrix);
		} else {
			gsl_matrix_set_zero(&Qc.matrix);
		}
		for (size_t i = 0; i < R; i++) {
			const double *p = vx_row(P, i);
			double *q = vx_row(Q, i);
			for (size_t c = 0; c < d; c++)
				q[c0 + c] += p[off + c] * vx_row(J, off + c)[c0 + c] + p[c0 + c] * vx_row(J, c0 + c)[c0 + c];
		}
	}
}

/* chain_mul for rows [r0, r1) of P and Q, for vx_rowshare_run */
typedef struct {
	const vx_net *net;
	const gsl_matrix *P, *J;
	gsl_matrix *Q;
} mul_rows;

static int chain_mul_rows(void *ctx, size_t r0, size_t r1)
{
	mul_rows *m = ctx;
	gsl_matrix_const_view Pv = gsl_matrix_const_submatrix(m->P, r0, 0, r1 - r0, m->P->size2);
	gsl_matrix_view Qv = gsl_matrix_submatrix(m->Q, r0, 0, r1 - r0, m->Q->size2);
	chain_mul(m->net, &Pv.matrix, m->J, &Qv.matrix);
	return 0;
}

/* chain_mul with the lower rows on c's helper when it waits.  chain_mul's
 * smallest dgemm is rows × d by d × d or wider (a layer's h columns from
 * the rows of its state on): that is the work rowshare.h weighs, so that
 * each half of every dgemm stays far above OpenBLAS's small-matrix kernels
 * (which would sum a narrow half in another order than the whole). */
static void chain_mul_shared(chain *c, const gsl_matrix *P, gsl_matrix *Q)
{
	mul_rows m = { c->net, P, c->J, Q };
	double d = (double)c->net->d;
	vx_rowshare_run(c->help, chain_mul_rows, &m, P->size1, (double)P->size1 * d * d);
}

/* The first n rows of A */
static gsl_matrix_view rows_of(gsl_matrix *A, size_t n)
{
	return gsl_matrix_submatrix(A, 0, 0, n, A->size2);
}

void vx_na_chain_clear(chain *c)
{
	for (int q = 0; q < NSLOT; q++) {
		gsl_matrix_free(c->P[q]);
		free(c->lay[q]);
	}
	gsl_matrix_free(c->J);
	free(c->coef);
	vx_net_ws_clear(&c->ws);
	vx_lr_clear(&c->lr);
	free(c->lower);
	vx_na_lock_clear(&c->ls);
	vx_na_dense_clear(&c->fb);
	free(c->nrm);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	memset(c, 0, sizeof *c);
}

/* The seed of the factored form's random vectors: a hash of the weights
 * and inputs, as vx_analyse seeds its Lanczos starts, so that a run is
 * reproduced bit for bit and no network can be built against them. */
static uint64_t net_seed(const vx_net *net)
{
	uint64_t h = 0x84222325cbf29ce4u;
	double sizes[5] = { (double)net->cell, (double)net->L, (double)net->d, (double)net->n, (double)net->T };
	h = vx_hash_doubles(h, sizes, 5, 1);
	for (size_t l = 0; l < net->L; l++) {
		h = vx_hash_matrix(h, net->layer[l].w_hh);
		h = vx_hash_matrix(h, net->layer[l].w_ih);
	}
	return vx_hash_matrix(h, net->x);
}

vx_status vx_na_chain_init(chain *c, const vx_net *net, int ej, vx_net_result *r)
{
	size_t D = net->D;
	memset(c, 0, sizeof *c);
	c->net = net;
	c->ej = ej;
	c->r = r;
	c->prev = -1;
	c->seen = -1u;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	if (vx_na_lock_init(&c->ls, net))
		return VX_ENOMEM;
	/* the factored form's row blocks are the lockstep's diagonal blocks */
	size_t nb = c->ls.nq - 1, rows = vx_lr_capacity(D, nb);
	size_t minn = LOWRANK_MIN_D;
	vx_status st = vx_lr_init(&c->lr, D, nb, c->ls.sz + 1, minn, net_seed(net));
	if (st)
		return st;
	int bad = 0;
	for (int q = 0; q < NSLOT; q++) {
		bad |= !(c->P[q] = gsl_matrix_alloc(rows, D));
		bad |= !(c->lay[q] = malloc(2 * c->ls.nq * sizeof *c->lay[q]));
	}
	c->J = gsl_matrix_alloc(D, D);
	c->coef = malloc(vx_net_coef_size(net) * sizeof *c->coef);
	c->nrm = malloc((1 + 2 * net->L) * sizeof *c->nrm);
	c->lower = malloc(c->ls.nq * sizeof *c->lower);
	if (bad || !c->J || !c->coef || !c->nrm || !c->lower || vx_net_ws_init(&c->ws, net, 1))
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
	vx_rowshare_done(c->help);
}

/* J_j into c->J, its largest entry brought to [½, 1) by 2^-*e (with the
 * coefficients' power of two): 1, or 0 when J_j = 0, −1 when it is not
 * finite */
static int jacobian(chain *c, size_t j, double *e)
{
	double E = vx_net_coef(c->net, c->r->fwd, j, c->coef);
	/* the zeros of J's pattern are written once: at d = 256 the whole
	 * matrix's clearing and scaling took 0.13 of 0.26 ms a step (LSTM) */
	if (!c->jset) {
		vx_net_jacobian_from_coef(c->net, c->coef, c->J, &c->ws);
		c->jset = 1;
	} else {
		vx_net_jacobian_refill(c->net, c->coef, c->J, &c->ws);
	}
	int en, nz = vx_net_jacobian_normalise(c->net, c->J, &en);
	*e = E + en;
	return nz;
}

/* P_k in full into P (the first D rows), from J_t down to J_{k+1}, as
 * P × 2^*E, with the factored form's backup as scratch: the fallback when
 * its error bound fails.  1 when P_k is exactly 0, −1 when not finite. */
static int rebuild(chain *c, gsl_matrix *P, size_t k, double *E)
{
	size_t D = c->net->D, t = c->r->t;
	gsl_matrix *B = c->lr.bak;
	gsl_matrix_view Pv = rows_of(P, D);
	vx_lr_off(&c->lr);
	*E = 0;
	/* the products alternate between B and P so as to end in P */
	gsl_matrix *dst = (t - k) % 2 ? &Pv.matrix : B, *src = NULL;
	for (size_t j = t; j > k; j--) {
		double eJ;
		int e, nz = jacobian(c, j, &eJ);
		if (nz <= 0)
			return nz == 0 ? 1 : -1;
		if (!src)
			gsl_matrix_memcpy(dst, c->J);
		else
			chain_mul_shared(c, src, dst);
		*E += eJ + c->ej;
		if ((nz = vx_normalise2(dst, &e)) <= 0)
			return nz == 0 ? 1 : -1;
		*E += e;
		src = dst;
		dst = dst == B ? &Pv.matrix : B;
	}
	return 0;
}

/* The rows of the whole and of each block of the factor in P, for the
 * consumer (lay[0] = SIZE_MAX while the rows are the state's) */
static void set_layout(const chain *c, size_t *lay)
{
	size_t nq = c->ls.nq;
	if (c->lr.mode != VX_LR_SPLIT) {
		lay[0] = SIZE_MAX;
		return;
	}
	lay[0] = 0;
	lay[nq] = c->lr.rank;
	for (size_t q = 1; q < nq; q++) {
		lay[q] = c->lr.roff[q - 1];
		lay[nq + q] = c->lr.r[q - 1];
	}
}

/* P_k into a free buffer; 1 when the producer is to stop (P_k is 0, a
 * failure, or the consumer failed), else 0 */
static int produce(chain *c, size_t k)
{
	const vx_net *net = c->net;
	if (vx_stop_asked(c->stop)) {
		c->pst = VX_ECANCELLED;
		return 1;
	}
	double eJ;
	int nz = jacobian(c, k + 1, &eJ);
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
		gsl_matrix_view Pv = rows_of(P, net->D);
		gsl_matrix_memcpy(&Pv.matrix, c->J);
	} else {
		gsl_matrix_view Pp = rows_of(c->P[c->prev], c->lr.rows), Pv = rows_of(P, c->lr.rows);
		chain_mul_shared(c, &Pp.matrix, &Pv.matrix);
		E += c->E;
	}
	/* the largest entry back to [½, 1): nothing over- or underflows */
	int e;
	gsl_matrix_view Pv = rows_of(P, c->lr.rows);
	nz = vx_normalise2(&Pv.matrix, &e);
	if (nz > 0) {
		E += e;
		int rot = vx_lr_step(&c->lr, P, k - 1);
		if (rot < 0) {
			nz = -2;
		} else {
			c->basis += rot > 0;
			if (c->lr.mode == VX_LR_SPLIT) {
				/* the error bound against lower bounds of the norms; before
				 * a fallback (a rebuild from k = t − 1) the bounds are made
				 * tight by more steps of the power method */
				vx_lr_lower_norms(&c->lr, P, 2, c->lower + 1, &c->lower[0]);
				if (!vx_lr_within(&c->lr, P, c->lower + 1, c->lower[0], VX_LR_TOL))
					vx_lr_lower_norms(&c->lr, P, 30, c->lower + 1, &c->lower[0]);
				if (!vx_lr_within(&c->lr, P, c->lower + 1, c->lower[0], VX_LR_TOL)) {
					nz = rebuild(c, P, k, &E) ? 0 : 1;
					c->basis++;
				}
			}
		}
	} else if (nz == 0 && c->lr.mode == VX_LR_SPLIT && !vx_lr_within(&c->lr, P, NULL, 0, 1.0)) {
		/* M is 0 but what was dropped is not */
		nz = rebuild(c, P, k, &E) ? 0 : 1;
		c->basis++;
	}
	if (nz <= 0) {
		if (nz == 0)
			c->zero_from = k;
		else
			c->pst = nz == -2 ? VX_ENOMEM : VX_ENONFINITE;
		pthread_mutex_lock(&c->mu);
		c->refs[s] = 0;
		pthread_mutex_unlock(&c->mu);
		return 1;
	}
	set_layout(c, c->lay[s]);
	pthread_mutex_lock(&c->mu);
	c->refs[s] = 2;
	c->kof[s] = k;
	c->Eof[s] = E;
	c->ver[s] = c->basis;
	if (c->prev >= 0)
		c->refs[c->prev]--;
	c->prev = s;
	c->E = E;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	return 0;
}

/* The consumer's Lanczos runs for the factor in slot s: their dimensions
 * follow the blocks' rows, and a new basis makes their warm starts stale
 * (the first row of each block is its largest direction now). */
static void consumer_basis(chain *c, int s)
{
	const size_t *lay = c->lay[s];
	size_t nq = c->ls.nq;
	unsigned v = lay[0] == SIZE_MAX ? -1u : c->ver[s];
	if (v == c->seen)
		return;
	c->seen = v;
	for (size_t q = 0; q < nq; q++) {
		vx_lanczos *lz = c->ls.lz[q];
		if (!lz)
			continue;
		size_t dim = lay[0] == SIZE_MAX ? c->ls.sz[q] : lay[nq + q];
		if (dim == 0 || vx_lanczos_set_dim(lz, dim))
			continue;
		memset(c->ls.tmp, 0, dim * sizeof *c->ls.tmp);
		c->ls.tmp[0] = 1;
		vx_lanczos_set_start(lz, c->ls.tmp);
	}
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
	if (vx_stop_asked(c->stop)) {
		/* the producer may be waiting for a slot: it stops too */
		c->cst = VX_ECANCELLED;
		pthread_cond_broadcast(&c->cv);
		pthread_mutex_unlock(&c->mu);
		return 1;
	}
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
		const size_t *lay = c->lay[s];
		consumer_basis(c, s);
		vx_status st = lay[0] == SIZE_MAX ? vx_na_lock_norms(&c->ls, c->P[s], NULL, NULL, &c->fb, c->nrm)
		                                  : vx_na_lock_norms(&c->ls, c->P[s], lay, lay + c->ls.nq, &c->fb, c->nrm);
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
	chain *c = arg;
	chain_walk(c, consume);
	/* after a failure, of the chain or of the caller (which sets cst),
	 * the analysis has no use for the tasks */
	pthread_mutex_lock(&c->mu);
	int failed = c->pst || c->cst;
	pthread_mutex_unlock(&c->mu);
	if (c->tasks && !failed)
		c->tasks(c->tasks_arg);
	if (c->lend)
		vx_rowshare_help(c->lend);
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

