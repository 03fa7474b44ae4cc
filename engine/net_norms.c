/*
 * net_norms.c — the spectral norms of vx_net_analyse
 * (net_analysis_internal.h): the dense eigen-solver for small matrices,
 * else Lanczos runs in lockstep, for the blocks of ∂S_t/∂S_k and for the
 * step Jacobians.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <gsl/gsl_blas.h>
#include "engine/net_analysis_internal.h"

/* step norms computed together (rows of the batched tangent maps), half of
 * the rows of those maps' products on a thread done with the chain
 * (rowshare.h).  GRU, d = 512, T = 1000: 7.5 s at 32 (the consumer idle
 * for the last 3.5 s), 6.8 s at 32 shared, 7.1 s at 64 alone, 6.0 s at 64
 * shared. */
#define STEP_BATCH 64

/* Norms of matrices up to this size come from the dense eigen-solver on AᵀA,
 * whose cost there is about that of a Lanczos run, and which no cluster of
 * singular values at the top can mislead (see vx_na_lock_norms) */
#define DENSE_MAX 48

/* The Lanczos runs here work on AᵀA or A Aᵀ unscaled, and the iteration
 * sums squares of vectors of the size of its eigenvalue θ = ‖A‖₂² (linalg.c):
 * they need ‖A‖₂ within 2^±100 of 1, where θ² stays far from both ends of
 * the doubles.  Beyond, the products under- or overflow (an LSTM's h block
 * of ∂S_t/∂S_k lies 1e-300 below its c block at λ = 1e-300; a step whose
 * units saturate has ‖J_j‖ 1e-80 below its bound, and Lanczos on J_jᵀJ_j
 * came out 70 times low), so a matrix outside that range goes to
 * vx_matrix_norm2, which scales it by a power of two first. */
#define LANCZOS_RANGE 0x1p100

/* ---- P and its blocks: dense, or Lanczos in lockstep ---- */

void vx_na_dense_clear(dense_fb *f)
{
	gsl_matrix_free(f->G);
	gsl_vector_free(f->eval);
	if (f->ws)
		gsl_eigen_symm_free(f->ws);
	memset(f, 0, sizeof *f);
}

/* ‖A‖₂ of a square A by the dense eigen-solver */
vx_status vx_na_dense_norm(dense_fb *f, const gsl_matrix *A, double *out)
{
	size_t n = A->size2;
	if (f->n != n) {
		vx_na_dense_clear(f);
		f->n = n;
		f->G = gsl_matrix_alloc(n, n);
		f->eval = gsl_vector_alloc(n);
		f->ws = gsl_eigen_symm_alloc(n);
		if (!f->G || !f->eval || !f->ws) {
			vx_na_dense_clear(f);
			return VX_ENOMEM;
		}
	}
	return vx_norm2_dense(A, f->G, f->eval, f->ws, out);
}

/* max over the rows and columns of A of their 2-norms: a lower bound on ‖A‖₂ */
static double line_norms(const gsl_matrix *A, double *colsq)
{
	size_t rr = A->size1, c = A->size2;
	double best = 0;
	memset(colsq, 0, c * sizeof *colsq);
	for (size_t i = 0; i < rr; i++) {
		const double *a = vx_row(A, i);
		double s = 0;
		for (size_t q = 0; q < c; q++) {
			s += a[q] * a[q];
			colsq[q] += a[q] * a[q];
		}
		best = fmax(best, s);
	}
	for (size_t q = 0; q < c; q++)
		best = fmax(best, colsq[q]);
	return sqrt(best);
}

void vx_na_lock_clear(lockstep *ls)
{
	for (size_t q = 0; ls->lz && q < ls->nq; q++)
		vx_lanczos_free(ls->lz[q]);
	free(ls->lz);
	free(ls->off);
	free(ls->run);
	free(ls->tmp);
	memset(ls, 0, sizeof *ls);
}

/* the whole state and, per layer, its h block and (LSTM) its c block */
int vx_na_lock_init(lockstep *ls, const vx_net *net)
{
	size_t sub = net->cell == VX_CELL_LSTM ? 2 : 1, nq = 1 + net->L * sub, D = net->D;
	memset(ls, 0, sizeof *ls);
	ls->nq = nq;
	ls->lz = calloc(nq, sizeof *ls->lz);
	ls->off = calloc(2 * nq, sizeof *ls->off);
	ls->run = calloc(nq, sizeof *ls->run);
	ls->tmp = malloc(2 * D * sizeof *ls->tmp);
	if (!ls->lz || !ls->off || !ls->run || !ls->tmp)
		return -1;
	ls->sz = ls->off + nq;
	ls->sz[0] = D;
	for (size_t q = 1; q < nq; q++) {
		ls->off[q] = (q - 1) / sub * net->Ds + (q - 1) % sub * net->d;
		ls->sz[q] = net->d;
	}
	for (size_t q = 0; q < nq; q++)
		if (ls->sz[q] > DENSE_MAX && !(ls->lz[q] = vx_lanczos_alloc(ls->sz[q])))
			return -1;
	return 0;
}

vx_status vx_na_lock_norms(lockstep *ls, const gsl_matrix *P, const size_t *roff, const size_t *rsz, dense_fb *fb,
                           double *out)
{
	size_t nq = ls->nq, active = 0;
	vx_status st;
	if (!roff) {
		roff = ls->off;
		rsz = ls->sz;
	}
	for (size_t q = 0; q < nq; q++) {
		ls->run[q] = 0;
		if (rsz[q] == 0) {
			out[q] = 0;
			continue;
		}
		gsl_matrix_const_view B = gsl_matrix_const_submatrix(P, roff[q], ls->off[q], rsz[q], ls->sz[q]);
		if (ls->sz[q] <= DENSE_MAX) {
			if ((st = vx_na_dense_norm(fb, &B.matrix, &out[q])))
				return st;
			continue;
		}
		/* P's largest entry is in [½, 1), so a block's norm is at most
		 * its size; its largest entry is a lower bound */
		if (vx_maxabs_matrix(&B.matrix) < 1 / LANCZOS_RANGE) {
			if ((st = vx_matrix_norm2(&B.matrix, &out[q])))
				return st;
			continue;
		}
		vx_lanczos_begin(ls->lz[q]);
		ls->run[q] = 1;
		active++;
	}
	while (active > 0) {
		if (vx_stop_asked(ls->stop))
			return VX_ECANCELLED;
		/* each run's B Bᵀ v as two matrix-vector products on its own
		 * block: a pass over the block each, where one product of P with
		 * the runs' vectors side by side (nq columns) packs all of P first
		 * and took twice as long (512×512: 490 µs for the pair against 231
		 * µs for three pairs of dgemv), besides reading the whole P for
		 * each block's run */
		for (size_t q = 0; q < nq; q++) {
			if (!ls->run[q])
				continue;
			gsl_matrix_const_view B = gsl_matrix_const_submatrix(P, roff[q], ls->off[q], rsz[q], ls->sz[q]);
			gsl_vector_const_view v = gsl_vector_const_view_array(vx_lanczos_next(ls->lz[q]), rsz[q]);
			gsl_vector_view y = gsl_vector_view_array(ls->tmp + ls->sz[0], ls->sz[q]);
			gsl_vector_view x = gsl_vector_view_array(ls->tmp, rsz[q]);
			gsl_blas_dgemv(CblasTrans, 1.0, &B.matrix, &v.vector, 0.0, &y.vector);
			gsl_blas_dgemv(CblasNoTrans, 1.0, &B.matrix, &y.vector, 0.0, &x.vector);

			double theta;
			size_t before = vx_lanczos_steps(ls->lz[q]);
			int res = vx_lanczos_feed(ls->lz[q], ls->tmp, &theta);
			ls->steps += vx_lanczos_steps(ls->lz[q]) - before;
			if (res == 0)
				continue;
			ls->run[q] = 0;
			active--;
			out[q] = sqrt(fmax(theta, 0.0));
			if (res > 0 && out[q] >= line_norms(&B.matrix, ls->tmp) * (1 - 1e-13))
				continue;
			ls->fallbacks++;
			vx_lanczos_reset(ls->lz[q]);
			if ((st = vx_na_dense_norm(fb, &B.matrix, &out[q])))
				return st;
		}
	}
	return VX_OK;
}

/* ---- pass 4: the step norms ---- */

/* ‖J_j‖₂ from the explicit J_j (into *Jd, allocated on first use), scaled
 * first: for a norm outside LANCZOS_RANGE */
static vx_status step_explicit(const vx_net *net, const double *coef, gsl_matrix **Jd, vx_net_ws *ws,
                               double *nrm)
{
	if (!*Jd && !(*Jd = gsl_matrix_alloc(net->D, net->D)))
		return VX_ENOMEM;
	vx_net_jacobian_from_coef(net, coef, *Jd, ws);
	return vx_matrix_norm2(*Jd, nrm);
}

/* A one-layer GRU's J_j = diag(z) + Σ_g diag(c_g) W_g takes 6 d² multiply-
 * adds a Lanczos step through W_hh, batched or not, and its spectrum is
 * diag(z)'s, a cluster at the top (σ₂/σ₁ ≈ 0.98-0.99, 95 steps a norm at
 * d = 256).  Up to this size the explicit J_j Jᵀ_j, formed by one dsyrk
 * (d³/2) and held in the cache, is cheaper: a step of d² through dsymv.
 * Measured a norm (one thread, 95 steps): 601 µs against 955 at d = 256,
 * 3.0 ms against 3.9 at 512; at 1024 the Gram matrix (8 MB) leaves the cache
 * and dsymv is slower than the batched products. */
#define GRAM_MAX_D 512

/* the steps the Gram path hands out at a time (until a helper joins) */
#define GRAM_CHUNK 32

int vx_na_step_gram(vx_cell cell, size_t L, size_t D)
{
	return cell == VX_CELL_GRU && L == 1 && D > DENSE_MAX && D <= GRAM_MAX_D;
}

/* One thread's buffers for the Gram path */
typedef struct {
	gsl_matrix *J, *G;
	double *coef;
	vx_lanczos *lz;
	vx_net_ws ws;
	dense_fb fb;
	size_t steps, fallbacks;
	vx_status st;
} gram_worker;

typedef struct {
	const vx_net *net;
	int ej;
	vx_net_result *r;
	const atomic_int *stop;
	uint64_t seed;
	const size_t *todo;   /* the steps to do */
	size_t ntodo;
	atomic_size_t next;   /* into todo: the next to hand out */
	size_t end;           /* the current chunk's end */
	int drained;          /* a shared chunk ran on to the last step */
	atomic_int failed;    /* a step failed on either thread: both stop */
	gram_worker wk[2];    /* the caller's, the helper's */
} gram_job;

static void gram_worker_clear(gram_worker *k)
{
	gsl_matrix_free(k->J);
	gsl_matrix_free(k->G);
	free(k->coef);
	vx_lanczos_free(k->lz);
	vx_net_ws_clear(&k->ws);
	vx_na_dense_clear(&k->fb);
	memset(k, 0, sizeof *k);
}

static int gram_worker_init(gram_worker *k, const vx_net *net, const atomic_int *stop)
{
	size_t D = net->D;
	memset(k, 0, sizeof *k);
	k->J = gsl_matrix_alloc(D, D);
	k->G = gsl_matrix_alloc(D, D);
	k->coef = malloc(vx_net_coef_size(net) * sizeof *k->coef);
	k->lz = vx_lanczos_alloc(D);
	if (!k->J || !k->G || !k->coef || !k->lz || vx_net_ws_init(&k->ws, net, 1))
		return -1;
	/* as the batched runs: the Ritz vector's residual certifies the stop */
	vx_lanczos_set_local(k->lz, 1);
	vx_lanczos_set_stop(k->lz, stop);
	return 0;
}

/* y = G x for the upper triangle of the symmetric G (a vx_linop) */
static void sym_apply(const void *ctx, const double *x, double *y)
{
	const gsl_matrix *G = ctx;
	cblas_dsymv(CblasRowMajor, CblasUpper, (int)G->size1, 1.0, G->data, (int)G->tda, x, 1, 0.0, y, 1);
}

/* ‖J_j‖₂ into r->step_norm[j − 1] by Lanczos on J_j Jᵀ_j, from a start
 * seeded by the weights' hash and j alone, so that the thread that takes a
 * step changes no bit of it */
static vx_status gram_step(gram_job *g, gram_worker *k, size_t j)
{
	const vx_net *net = g->net;
	double E = vx_net_coef(net, g->r->fwd, j, k->coef);
	vx_net_jacobian_from_coef(net, k->coef, k->J, &k->ws);
	gsl_blas_dsyrk(CblasUpper, CblasNoTrans, 1.0, k->J, 0.0, k->G);
	vx_lanczos_seed(k->lz, g->seed + j);
	double theta, nrm;
	size_t before = vx_lanczos_steps(k->lz);
	vx_status st = vx_lanczos_top(k->lz, sym_apply, k->G, &theta);
	k->steps += vx_lanczos_steps(k->lz) - before;
	if (st == VX_ENUMERIC) {
		k->fallbacks++;
		st = vx_na_dense_norm(&k->fb, k->J, &nrm);
	} else if (!st) {
		nrm = sqrt(fmax(theta, 0.0));
		/* below the range (saturated units): its Gram underflowed */
		if (!(nrm >= 1 / LANCZOS_RANGE))
			st = vx_matrix_norm2(k->J, &nrm);
	}
	if (!st)
		g->r->step_norm[j - 1] = vx_mag_ldexp(nrm, g->ej + E);
	return st;
}

/* The steps of the current chunk on the caller's thread alone (rows
 * [0, GRAM_CHUNK)), or, once the helper has joined (the chunk split: rows
 * from 0 the caller's buffers, the others the helper's), every step left,
 * taken one at a time by either thread: a helper that joins stays to the
 * end, where a hand-over a chunk lost a chunk whenever the caller asked
 * before the helper was back */
static int gram_rows(void *ctx, size_t r0, size_t r1)
{
	gram_job *g = ctx;
	int shared = !(r0 == 0 && r1 == GRAM_CHUNK);
	gram_worker *k = &g->wk[r0 == 0 ? 0 : 1];
	size_t end = shared ? g->ntodo : g->end;
	if (shared && r0 == 0)
		g->drained = 1;
	while (!atomic_load(&g->failed)) {
		size_t i = atomic_fetch_add(&g->next, 1);
		if (i >= end)
			return 0;
		k->st = vx_stop_asked(g->stop) ? VX_ECANCELLED : gram_step(g, k, g->todo[i]);
		if (k->st) {
			atomic_store(&g->failed, 1);
			return 1;
		}
	}
	return 0;
}

/* The steps whose bound b_j >= ‖J_j‖ puts 2^-ej J_j above the range of the
 * Lanczos runs, settled by the explicit J_j scaled first (into *Jd,
 * allocated on first use); a NaN log10 marks the steps still to do */
static vx_status settle_high(const vx_net *net, int ej, vx_net_result *r, double *coef, gsl_matrix **Jd,
                             vx_net_ws *ws)
{
	for (size_t j = 1; j <= net->T; j++) {
		r->step_norm[j - 1].log10 = NAN;
		if (r->step_bound[j - 1].log10 - ej * VX_LOG10_2 <= log10(LANCZOS_RANGE))
			continue;
		double nrm, E = vx_net_coef(net, r->fwd, j, coef);
		vx_status st = step_explicit(net, coef, Jd, ws, &nrm);
		if (st)
			return st;
		r->step_norm[j - 1] = vx_mag_ldexp(nrm, ej + E);
	}
	return VX_OK;
}

/* The step norms still to do (a NaN log10) by gram_step, the helper (when
 * it waits) taking its share of each chunk */
static vx_status gram_norms(const vx_net *net, int ej, vx_net_result *r, const atomic_int *stop,
                            vx_rowshare *help)
{
	size_t T = net->T, n = 0;
	size_t *todo = malloc(T * sizeof *todo);
	gram_job g = { .net = net, .ej = ej, .r = r, .stop = stop };
	atomic_init(&g.failed, 0);
	vx_status st = VX_ENOMEM;
	if (!todo || gram_worker_init(&g.wk[0], net, stop))
		goto done;
	/* no memory for a helper's buffers: this thread alone */
	if (help && gram_worker_init(&g.wk[1], net, stop)) {
		gram_worker_clear(&g.wk[1]);
		help = NULL;
	}
	if ((st = settle_high(net, ej, r, g.wk[0].coef, &g.wk[0].J, &g.wk[0].ws)))
		goto done;
	for (size_t j = 1; j <= T; j++)
		if (isnan(r->step_norm[j - 1].log10))
			todo[n++] = j;
	g.todo = todo;
	g.ntodo = n;
	g.seed = vx_hash_matrix(0x9e3779b97f4a7c15u, net->layer[0].w_hh);
	/* the helper's half of a chunk as work: D³/2 a step, for the rule
	 * that weighs whether a hand-over pays (rowshare.h) */
	double madds = GRAM_CHUNK / 2 * 0.5 * (double)net->D * (double)net->D * (double)net->D;
	for (size_t c = 0; c < n && !st; c = g.drained ? n : g.end) {
		atomic_store(&g.next, c);
		g.end = c + GRAM_CHUNK < n ? c + GRAM_CHUNK : n;
		vx_rowshare_run(help, gram_rows, &g, GRAM_CHUNK, madds);
		st = g.wk[0].st ? g.wk[0].st : g.wk[1].st;
	}
	r->lanczos_steps += g.wk[0].steps + g.wk[1].steps;
	r->fallbacks += g.wk[0].fallbacks + g.wk[1].fallbacks;
done:
	gram_worker_clear(&g.wk[0]);
	gram_worker_clear(&g.wk[1]);
	free(todo);
	return st;
}

vx_status vx_na_step_norms(const vx_net *net, int ej, vx_net_result *r, const atomic_int *stop,
                           vx_rowshare *help)
{
	if (vx_na_step_gram(net->cell, net->L, net->D))
		return gram_norms(net, ej, r, stop, help);
	size_t D = net->D, T = net->T, cs = vx_net_coef_size(net);
	size_t nb = T < STEP_BATCH ? T : STEP_BATCH;
	gsl_matrix *X = gsl_matrix_calloc(nb, D), *Y = gsl_matrix_alloc(nb, D), *Z = gsl_matrix_alloc(nb, D);
	/* zeroed: an idle slot's row goes through the batched maps too */
	double *coef = calloc(nb * cs, sizeof *coef);
	size_t *slot = calloc(nb, sizeof *slot);   /* the step of each slot, 0 when idle */
	double *slotE = calloc(nb, sizeof *slotE);   /* its coefficients' power of two */
	vx_lanczos **lz = calloc(nb, sizeof *lz);
	gsl_matrix *Jd = NULL;
	dense_fb fb = { 0 };
	vx_net_ws ws = { 0 };
	vx_status st = VX_ENOMEM;
	if (!X || !Y || !Z || !coef || !slot || !slotE || !lz || vx_net_ws_init(&ws, net, nb))
		goto done;
	/* without the memory for them the maps go by BLAS */
	(void)vx_net_ws_pack(&ws, net);
	ws.help = help;
	for (size_t b = 0; b < nb; b++) {
		if (!(lz[b] = vx_lanczos_alloc(D)))
			goto done;
		/* no re-orthogonalisation against the whole basis: the Ritz
		 * vector's explicit residual certifies the stop (linalg.h) */
		vx_lanczos_set_local(lz[b], 1);
	}
	st = VX_OK;
	if (D <= DENSE_MAX) {
		/* small: the explicit J_j and the dense solver (see vx_na_lock_norms) */
		if (!(Jd = gsl_matrix_alloc(D, D))) {
			st = VX_ENOMEM;
			goto done;
		}
		for (size_t j = 1; j <= T; j++) {
			double nrm;
			if (vx_stop_asked(stop)) {
				st = VX_ECANCELLED;
				goto done;
			}
			double E = vx_net_coef(net, r->fwd, j, coef);
			vx_net_jacobian_from_coef(net, coef, Jd, &ws);
			if ((st = vx_na_dense_norm(&fb, Jd, &nrm)))
				goto done;
			r->step_norm[j - 1] = vx_mag_ldexp(nrm, ej + E);
		}
		goto done;
	}
	if ((st = settle_high(net, ej, r, coef, &Jd, &ws)))
		goto done;
	size_t next = 1, active = 0;
	for (size_t b = 0; b < nb; b++) {
		while (next <= T && !isnan(r->step_norm[next - 1].log10))
			next++;
		if (next > T)
			break;
		slot[b] = next;
		slotE[b] = vx_net_coef(net, r->fwd, next++, coef + b * cs);
		vx_lanczos_begin(lz[b]);
		active++;
	}
	while (active > 0) {
		if (vx_stop_asked(stop)) {
			st = VX_ECANCELLED;
			goto done;
		}
		for (size_t b = 0; b < nb; b++)
			if (slot[b])
				memcpy(vx_row(X, b), vx_lanczos_next(lz[b]), D * sizeof(double));
		/* Z = X J_jᵀ J_j row by row: every row's J_jᵀ J_j x */
		vx_net_jvp(net, coef, cs, X, Y, &ws);
		vx_net_vjp(net, coef, cs, Y, Z, &ws, NULL, NULL);
		for (size_t b = 0; b < nb; b++) {
			if (!slot[b])
				continue;
			double theta;
			size_t before = vx_lanczos_steps(lz[b]);
			int res = vx_lanczos_feed(lz[b], vx_row(Z, b), &theta);
			r->lanczos_steps += vx_lanczos_steps(lz[b]) - before;
			if (res == 0)
				continue;
			double nrm = sqrt(fmax(theta, 0.0));
			if (res < 0) {
				r->fallbacks++;
				if (!Jd && !(Jd = gsl_matrix_alloc(D, D))) {
					st = VX_ENOMEM;
					goto done;
				}
				vx_net_jacobian_from_coef(net, coef + b * cs, Jd, &ws);
				if ((st = vx_na_dense_norm(&fb, Jd, &nrm)))
					goto done;
			} else if (!(nrm >= 1 / LANCZOS_RANGE)) {
				/* below the range (saturated units): its Gram underflowed */
				if ((st = step_explicit(net, coef + b * cs, &Jd, &ws, &nrm)))
					goto done;
			}
			r->step_norm[slot[b] - 1] = vx_mag_ldexp(nrm, ej + slotE[b]);
			while (next <= T && !isnan(r->step_norm[next - 1].log10))
				next++;
			if (next <= T) {
				slot[b] = next;
				slotE[b] = vx_net_coef(net, r->fwd, next++, coef + b * cs);
				vx_lanczos_begin(lz[b]);
			} else {
				slot[b] = 0;
				memset(vx_row(X, b), 0, D * sizeof(double));
				active--;
			}
		}
	}
done:
	for (size_t b = 0; lz && b < nb; b++)
		vx_lanczos_free(lz[b]);
	free(lz);
	free(slot);
	free(slotE);
	free(coef);
	gsl_matrix_free(X);
	gsl_matrix_free(Y);
	gsl_matrix_free(Z);
	gsl_matrix_free(Jd);
	vx_na_dense_clear(&fb);
	vx_net_ws_clear(&ws);
	return st;
}
