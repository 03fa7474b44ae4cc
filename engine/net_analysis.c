/*
 * net_analysis.c — every quantity of net_analysis.h for one vx_net and loss
 * step t.
 *
 * Passes, each O(D² + T·D) in memory:
 *   1. the forward pass (net.c), stored per layer;
 *   2. the weights: σ_max and spectral radius of every gate block;
 *   3. down from k = t: P_k = ∂S_t/∂S_k = P_{k+1} J_{k+1}, J formed
 *      explicitly per step (net_jacobian.c) and multiplied block by block,
 *      skipping its zero and diagonal blocks; the norms of P and of its
 *      diagonal h and c blocks by warm-started Lanczos;
 *   4. the step norms ‖J_j‖₂, by Lanczos on J_jᵀ J_j for up to STEP_BATCH
 *      steps in lockstep, each application a tangent and an adjoint map of
 *      the whole batch (net_step.h: a dgemm per layer and weight);
 *   5. BPTT: the adjoint of S_k from k = t down, each step's gate adjoints
 *      giving the parameter gradients as outer products and the path terms;
 *   6. the Lyapunov exponents by QR re-orthonormalisation of J_j Y;
 *   7. the bounds, saturation and gate statistics from the stored pass.
 *
 * Range: P and the BPTT adjoint are carried as mantissa × 2^E, renormalised
 * by powers of two (exact), so long horizons keep their log10 as in
 * analysis.c.
 *
 * The bound (VX_NET_BOUND_GATES).  For any partition of a matrix into
 * blocks, ‖J‖₂ <= ‖N‖₂ where N holds upper bounds on the blocks' norms
 * (‖Jx‖² = Σ_a ‖Σ_b J_ab x_b‖² <= Σ_a (Σ_b N_ab ‖x_b‖)²).  With the blocks
 * of net_jacobian.c's derivation, σ_* the σ_max of weight_hh's gate blocks,
 * τ_* of weight_ih's, σ' <= ¼ and tanh' <= 1 and gates in (0, 1), |g| < 1,
 * |tanh c| < 1:
 *   vanilla  ‖R‖ <= γ σ_h,  ‖I‖ <= γ τ_h
 *   LSTM     κ = ¼ m_c σ_f + ¼ σ_i + σ_g   (m_c = max |c_{j−1}|: df = σ'(a_f) c_{j−1})
 *            ‖R_hh‖ <= ¼ σ_o + κ,  ‖R_hc‖ <= 1,  ‖R_ch‖ <= κ,  ‖R_cc‖ <= 1
 *            ‖I_h‖ <= ¼ τ_o + κ',  ‖I_c‖ <= κ',  κ' = ¼ m_c τ_f + ¼ τ_i + τ_g
 *   GRU      ‖R‖ <= 1 + σ_n + ¼ m_u σ_r + ¼ m_hn σ_z   (m_u = max |u_j|,
 *            m_hn = max |h_{j−1} − n_j|: ur = u σ'(a_r), zc = σ'(a_z)(h_{j−1} − n))
 *            ‖I‖ <= τ_n + ¼ m_u τ_r + ¼ m_hn τ_z
 * and the blocks below the diagonal, J[l][m] = I_l J[l−1][m]'s h rows, by
 * N[l·][m·] = ‖I_l·‖ N[(l−1)h][m·].  b_j = ‖N_j‖₂ >= ‖J_j‖₂ >= ‖J_j x‖ for every
 * unit x, and the product over a gap bounds ‖∂S_t/∂S_k‖ by submultiplicativity.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_complex_math.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_rng.h>
#include "engine/init.h"
#include "engine/linalg.h"
#include "engine/net_analysis.h"
#include "engine/net_step.h"

/* step norms computed together (rows of the batched tangent maps) */
#define STEP_BATCH 32

/* Norms of matrices up to this size come from the dense eigen-solver on AᵀA,
 * whose cost there is about that of a Lanczos run, and which no cluster of
 * singular values at the top can mislead (see lock_norms) */
#define DENSE_MAX 48
/* saturated: the derivative below this fraction of its largest value */
#define SAT_FRACTION 0.1

/* every entry of the r × c block at A (row stride tda) times 2^e: a
 * multiplication by the power of two while that is a normal double (exact
 * unless an entry leaves the normal range; ldexp per entry took 0.3 s of
 * 200 steps at D = 512) */
static void scale_block(double *A, size_t r, size_t c, size_t tda, int e)
{
	if (e == 0)
		return;
	double f = e > -1000 && e < 1000 ? ldexp(1.0, e) : 0;
	for (size_t i = 0; i < r; i++)
		for (size_t q = 0; q < c; q++)
			A[i * tda + q] = f != 0 ? A[i * tda + q] * f : ldexp(A[i * tda + q], e);
}

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

/* ---- norms: dense for small matrices, else Lanczos ---- */

/* Dense fallback scratch for square blocks of size n, allocated on first use. */
typedef struct {
	size_t n;
	gsl_matrix *G;
	gsl_vector *eval;
	gsl_eigen_symm_workspace *ws;
} dense_fb;

static void dense_clear(dense_fb *f)
{
	gsl_matrix_free(f->G);
	gsl_vector_free(f->eval);
	if (f->ws)
		gsl_eigen_symm_free(f->ws);
	memset(f, 0, sizeof *f);
}

/* ‖A‖₂ of a square A by the dense eigen-solver */
static vx_status dense_norm(dense_fb *f, const gsl_matrix *A, double *out)
{
	size_t n = A->size2;
	if (f->n != n) {
		dense_clear(f);
		f->n = n;
		f->G = gsl_matrix_alloc(n, n);
		f->eval = gsl_vector_alloc(n);
		f->ws = gsl_eigen_symm_alloc(n);
		if (!f->G || !f->eval || !f->ws) {
			dense_clear(f);
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

/* The norms of P and of diagonal blocks of it (q = 0 the whole P, q > 0 the
 * block at rows and columns off[q]..off[q]+sz[q]) by Lanczos on A Aᵀ, the
 * runs advanced in lockstep so that each iteration is two skinny products
 * Pᵀ X and P Y, one pass over P for all of them instead of one each.
 *
 * Lanczos can stop on an eigenvalue of a tight cluster at the top that is
 * not the largest: its gap test takes the distance to the next Ritz value
 * for the gap, which overestimates it while the cluster is unresolved
 * (diag(f) with f = 1 − 1.6e-10, 1 − 1.5e-13, … gave ‖·‖ 1.5e-11 low, and
 * ∂c_t/∂c_k of an LSTM with forget gates at 1 − 1e-11 3e-9 low, against
 * PyTorch).  Blocks up to DENSE_MAX therefore go to the dense solver
 * directly; for the others a row or column longer than the result (beyond
 * Lanczos' 1e-13) proves it wrong, and the dense solver takes over. */
typedef struct {
	size_t nq;
	size_t *off, *sz;
	vx_lanczos **lz;
	int *run;
	gsl_matrix *X, *Y;   /* D × nq */
	double *tmp;         /* D */
	size_t steps, fallbacks;  /* Lanczos steps and dense fallbacks, in all */
} lockstep;

static void lock_clear(lockstep *ls)
{
	for (size_t q = 0; ls->lz && q < ls->nq; q++)
		vx_lanczos_free(ls->lz[q]);
	free(ls->lz);
	free(ls->off);
	free(ls->run);
	gsl_matrix_free(ls->X);
	gsl_matrix_free(ls->Y);
	free(ls->tmp);
	memset(ls, 0, sizeof *ls);
}

/* the whole state and, per layer, its h block and (LSTM) its c block */
static int lock_init(lockstep *ls, const vx_net *net)
{
	size_t sub = net->cell == VX_CELL_LSTM ? 2 : 1, nq = 1 + net->L * sub, D = net->D;
	memset(ls, 0, sizeof *ls);
	ls->nq = nq;
	ls->lz = calloc(nq, sizeof *ls->lz);
	ls->off = calloc(2 * nq, sizeof *ls->off);
	ls->run = calloc(nq, sizeof *ls->run);
	ls->X = gsl_matrix_alloc(D, nq);
	ls->Y = gsl_matrix_alloc(D, nq);
	ls->tmp = malloc(D * sizeof *ls->tmp);
	if (!ls->lz || !ls->off || !ls->run || !ls->X || !ls->Y || !ls->tmp)
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

static vx_status lock_norms(lockstep *ls, const gsl_matrix *P, dense_fb *fb, double *out)
{
	size_t D = P->size1, nq = ls->nq, active = 0;
	vx_status st;
	for (size_t q = 0; q < nq; q++) {
		ls->run[q] = 0;
		if (ls->sz[q] <= DENSE_MAX) {
			gsl_matrix_const_view B = gsl_matrix_const_submatrix(P, ls->off[q], ls->off[q], ls->sz[q], ls->sz[q]);
			if ((st = dense_norm(fb, &B.matrix, &out[q])))
				return st;
			continue;
		}
		vx_lanczos_begin(ls->lz[q]);
		ls->run[q] = 1;
		active++;
	}
	while (active > 0) {
		gsl_matrix_set_zero(ls->X);
		for (size_t q = 0; q < nq; q++)
			if (ls->run[q]) {
				const double *v = vx_lanczos_next(ls->lz[q]);
				for (size_t i = 0; i < ls->sz[q]; i++)
					vx_row(ls->X, ls->off[q] + i)[q] = v[i];
			}
		/* Y = Pᵀ X restricted to each block's columns, then X = P Y */
		gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, P, ls->X, 0.0, ls->Y);
		for (size_t i = 0; i < D; i++)
			for (size_t q = 1; q < nq; q++)
				if (i < ls->off[q] || i >= ls->off[q] + ls->sz[q])
					vx_row(ls->Y, i)[q] = 0;
		gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, P, ls->Y, 0.0, ls->X);
		for (size_t q = 0; q < nq; q++) {
			if (!ls->run[q])
				continue;
			for (size_t i = 0; i < ls->sz[q]; i++)
				ls->tmp[i] = vx_row(ls->X, ls->off[q] + i)[q];
			double theta;
			size_t before = vx_lanczos_steps(ls->lz[q]);
			int res = vx_lanczos_feed(ls->lz[q], ls->tmp, &theta);
			ls->steps += vx_lanczos_steps(ls->lz[q]) - before;
			if (res == 0)
				continue;
			ls->run[q] = 0;
			active--;
			gsl_matrix_const_view B = gsl_matrix_const_submatrix(P, ls->off[q], ls->off[q], ls->sz[q], ls->sz[q]);
			out[q] = sqrt(fmax(theta, 0.0));
			if (res > 0 && out[q] >= line_norms(&B.matrix, ls->tmp) * (1 - 1e-13))
				continue;
			ls->fallbacks++;
			vx_lanczos_reset(ls->lz[q]);
			if ((st = dense_norm(fb, &B.matrix, &out[q])))
				return st;
		}
	}
	return VX_OK;
}

/* ---- pass 2: the weights ---- */

static double spectral_radius(const gsl_matrix *B)
{
	size_t d = B->size1;
	gsl_matrix *A = gsl_matrix_alloc(d, d);
	gsl_vector_complex *ev = gsl_vector_complex_alloc(d);
	gsl_eigen_nonsymm_workspace *w = gsl_eigen_nonsymm_alloc(d);
	double rho = NAN;
	if (A && ev && w) {
		gsl_matrix_memcpy(A, B);
		if (gsl_eigen_nonsymm(A, ev, w) == GSL_SUCCESS) {
			rho = 0;
			for (size_t i = 0; i < d; i++)
				rho = fmax(rho, gsl_complex_abs(gsl_vector_complex_get(ev, i)));
		}
	}
	gsl_matrix_free(A);
	gsl_vector_complex_free(ev);
	if (w)
		gsl_eigen_nonsymm_free(w);
	return rho;
}

static vx_status weight_stats(const vx_net *net, vx_net_result *r)
{
	size_t d = net->d;
	vx_status st;
	for (size_t l = 0; l < net->L; l++) {
		const vx_net_layer *ly = &net->layer[l];
		vx_net_layer_stats *s = &r->stats[l];
		if ((st = vx_matrix_norm2(ly->w_hh, &s->sigma_hh)) ||
		    (st = vx_matrix_norm2(ly->w_ih, &s->sigma_ih)))
			return st;
		for (size_t g = 0; g < 4; g++) {
			s->gate_sigma_hh[g] = s->gate_sigma_ih[g] = s->gate_radius[g] = NAN;
			if (g >= net->G)
				continue;
			gsl_matrix_const_view H = gsl_matrix_const_submatrix(ly->w_hh, g * d, 0, d, d);
			gsl_matrix_const_view I = gsl_matrix_const_submatrix(ly->w_ih, g * d, 0, d, ly->w_ih->size2);
			if ((st = vx_matrix_norm2(&H.matrix, &s->gate_sigma_hh[g])) ||
			    (st = vx_matrix_norm2(&I.matrix, &s->gate_sigma_ih[g])))
				return st;
			s->gate_radius[g] = spectral_radius(&H.matrix);
		}
	}
	return VX_OK;
}

/* ---- pass 7a: the bound b_j ---- */

/* largest |a_i − b_i| (b NULL: |a_i|) */
static double maxdiff(const double *a, const double *b, size_t n)
{
	double m = 0;
	for (size_t i = 0; i < n; i++)
		m = fmax(m, fabs(a[i] - (b ? b[i] : 0)));
	return m;
}

/* b_j for every step into r->step_bound (see the comment at the top) */
static vx_status step_bounds(const vx_net *net, vx_net_result *r)
{
	size_t L = net->L, d = net->d, sub = net->cell == VX_CELL_LSTM ? 2 : 1, nr = L * sub;
	double gam = vx_act_gamma(net->act);
	if (net->cell == VX_CELL_RNN && L == 1) {
		r->bound_kind = VX_NET_BOUND_GAMMA_LAMBDA;
		gsl_vector_set_all(r->step_bound, gam * r->stats[0].sigma_hh);
		return VX_OK;
	}
	r->bound_kind = VX_NET_BOUND_GATES;
	gsl_matrix *N = gsl_matrix_alloc(nr, nr), *V = gsl_matrix_alloc(nr, nr);
	gsl_vector *S = gsl_vector_alloc(nr), *wk = gsl_vector_alloc(nr);
	double *tmp = malloc(d * sizeof *tmp), *Ih = malloc(L * sizeof *Ih), *Ic = malloc(L * sizeof *Ic);
	double *S0 = malloc(net->D * sizeof *S0);   /* h0 and c0 of every layer */
	vx_status st = VX_ENOMEM;
	if (!N || !V || !S || !wk || !tmp || !Ih || !Ic || !S0)
		goto done;
	st = VX_OK;
	vx_net_state(net, r->fwd, 0, S0);
	for (size_t j = 1; j <= net->T; j++) {
		gsl_matrix_set_zero(N);
		for (size_t l = 0; l < L; l++) {
			const vx_net_layer_stats *s = &r->stats[l];
			const double *sg = s->gate_sigma_hh, *tg = s->gate_sigma_ih;
			const vx_net_trace *tr = &r->fwd->layer[l];
			size_t h = l * sub;
			if (net->cell == VX_CELL_RNN) {
				gsl_matrix_set(N, h, h, gam * sg[0]);
				Ih[l] = gam * tg[0];
			} else if (net->cell == VX_CELL_LSTM) {
				double mc = maxdiff(j == 1 ? S0 + l * net->Ds + d : vx_row(tr->c, j - 2), NULL, d);
				double ka = 0.25 * mc * sg[1] + 0.25 * sg[0] + sg[2];
				double ki = 0.25 * mc * tg[1] + 0.25 * tg[0] + tg[2];
				gsl_matrix_set(N, h, h, 0.25 * sg[3] + ka);
				gsl_matrix_set(N, h, h + 1, 1.0);
				gsl_matrix_set(N, h + 1, h, ka);
				gsl_matrix_set(N, h + 1, h + 1, 1.0);
				Ih[l] = 0.25 * tg[3] + ki;
				Ic[l] = ki;
			} else {
				const double *pre = vx_row(tr->pre, j - 1);
				const double *hp = j == 1 ? S0 + l * net->Ds : vx_row(tr->h, j - 2);
				for (size_t i = 0; i < d; i++)
					tmp[i] = tanh(pre[2 * d + i]);
				double mu = maxdiff(vx_row(tr->u, j - 1), NULL, d), mhn = maxdiff(hp, tmp, d);
				gsl_matrix_set(N, h, h, 1.0 + sg[2] + 0.25 * mu * sg[0] + 0.25 * mhn * sg[1]);
				Ih[l] = tg[2] + 0.25 * mu * tg[0] + 0.25 * mhn * tg[1];
			}
			/* the paths up from layer l−1: rows of layer l, columns m < l */
			if (l > 0)
				for (size_t q = 0; q < h; q++) {
					double below = gsl_matrix_get(N, h - sub, q);   /* (l−1)'s h row */
					gsl_matrix_set(N, h, q, Ih[l] * below);
					if (sub == 2)
						gsl_matrix_set(N, h + 1, q, Ic[l] * below);
				}
		}
		double b;
		if (nr == 1) {
			b = gsl_matrix_get(N, 0, 0);
		} else {
			if (gsl_linalg_SV_decomp_jacobi(N, V, S)) {
				st = VX_ENUMERIC;
				goto done;
			}
			b = gsl_vector_get(S, 0);
		}
		/* a relative 4 ulps of headroom for the rounding of the sums above */
		gsl_vector_set(r->step_bound, j - 1, b * (1 + 8 * DBL_EPSILON));
	}
done:
	gsl_matrix_free(N);
	gsl_matrix_free(V);
	gsl_vector_free(S);
	gsl_vector_free(wk);
	free(tmp);
	free(Ih);
	free(Ic);
	free(S0);
	return st;
}

/* ---- pass 3: the paths ---- */

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

/* The chain runs as a producer and a consumer, on two threads beside the
 * other passes when there are two cores (chain_run): the producer forms
 * J_{k+1} and P_k = P_{k+1} J_{k+1} (a dgemm, compute-bound), the consumer
 * the norms of P_k (Lanczos, bound by memory bandwidth), on different k at
 * once.  P_k lives in one of NSLOT buffers, held by the consumer until its
 * norms are taken and by the producer until P_{k−1} is formed from it. */
#define NSLOT 3

typedef struct {
	const vx_net *net;
	vx_net_result *r;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	gsl_matrix *P[NSLOT];
	int refs[NSLOT];     /* 0 free, -1 being written, else holders */
	size_t kof[NSLOT];
	double Eof[NSLOT];   /* ∂S_t/∂S_k = P × 2^E */
	size_t zero_from;    /* P_k = 0 exactly for k <= zero_from (0: none) */
	int finished;        /* the producer has stopped */
	vx_status pst, cst;  /* the producer's and the consumer's failures */
	/* the producer's */
	gsl_matrix *J;
	double *coef;
	vx_net_ws ws;
	int prev;
	double E;
	/* the consumer's */
	lockstep ls;
	dense_fb fb;
	double *nrm;
} chain;

static void chain_clear(chain *c)
{
	for (int q = 0; q < NSLOT; q++)
		gsl_matrix_free(c->P[q]);
	gsl_matrix_free(c->J);
	free(c->coef);
	vx_net_ws_clear(&c->ws);
	lock_clear(&c->ls);
	dense_clear(&c->fb);
	free(c->nrm);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	memset(c, 0, sizeof *c);
}

static vx_status chain_init(chain *c, const vx_net *net, vx_net_result *r)
{
	size_t D = net->D;
	memset(c, 0, sizeof *c);
	c->net = net;
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
	if (bad || !c->J || !c->coef || !c->nrm || lock_init(&c->ls, net) || vx_net_ws_init(&c->ws, net, 1))
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
	size_t D = net->D;
	vx_net_coef(net, c->r->fwd, k + 1, c->coef);
	vx_net_jacobian_from_coef(net, c->coef, c->J, &c->ws);
	double mx = vx_maxabs_matrix(c->J);
	if (!isfinite(mx)) {
		c->pst = VX_ENONFINITE;
		return 1;
	}
	if (mx == 0) {
		c->zero_from = k;
		return 1;
	}
	int eJ = vx_expo(mx);
	scale_block(c->J->data, D, D, c->J->tda, -eJ);
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
	double E = eJ;
	if (c->prev < 0) {
		gsl_matrix_memcpy(P, c->J);
	} else {
		chain_mul(net, c->P[c->prev], c->J, P);
		E += c->E;
	}
	/* the largest entry back to [½, 1): nothing over- or underflows */
	mx = vx_maxabs_matrix(P);
	if (!isfinite(mx) || mx == 0) {
		if (mx == 0)
			c->zero_from = k;
		else
			c->pst = VX_ENONFINITE;
		pthread_mutex_lock(&c->mu);
		c->refs[s] = 0;
		pthread_mutex_unlock(&c->mu);
		return 1;
	}
	int e = vx_expo(mx);
	scale_block(P->data, D, D, P->tda, -e);
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
		vx_status st = lock_norms(&c->ls, c->P[s], &c->fb, c->nrm);
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

static void *producer_thread(void *arg)
{
	chain_walk(arg, produce);
	produce_end(arg);
	return NULL;
}

static void *consumer_thread(void *arg)
{
	chain_walk(arg, consume);
	return NULL;
}

/* k = t: the empty product, the identity */
static void path_identity(vx_net_result *r)
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
static vx_status chain_inline(chain *c)
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

/* ---- pass 4: the step norms ---- */

static vx_status step_norms(const vx_net *net, vx_net_result *r)
{
	size_t D = net->D, T = net->T, cs = vx_net_coef_size(net);
	size_t nb = T < STEP_BATCH ? T : STEP_BATCH;
	gsl_matrix *X = gsl_matrix_calloc(nb, D), *Y = gsl_matrix_alloc(nb, D), *Z = gsl_matrix_alloc(nb, D);
	double *coef = malloc(nb * cs * sizeof *coef);
	size_t *slot = calloc(nb, sizeof *slot);   /* the step of each slot, 0 when idle */
	vx_lanczos **lz = calloc(nb, sizeof *lz);
	gsl_matrix *Jd = NULL;
	dense_fb fb = { 0 };
	vx_net_ws ws = { 0 };
	vx_status st = VX_ENOMEM;
	if (!X || !Y || !Z || !coef || !slot || !lz || vx_net_ws_init(&ws, net, nb))
		goto done;
	for (size_t b = 0; b < nb; b++)
		if (!(lz[b] = vx_lanczos_alloc(D)))
			goto done;
	st = VX_OK;
	if (D <= DENSE_MAX) {
		/* small: the explicit J_j and the dense solver (see lock_norms) */
		if (!(Jd = gsl_matrix_alloc(D, D))) {
			st = VX_ENOMEM;
			goto done;
		}
		for (size_t j = 1; j <= T; j++) {
			double nrm;
			vx_net_coef(net, r->fwd, j, coef);
			vx_net_jacobian_from_coef(net, coef, Jd, &ws);
			if ((st = dense_norm(&fb, Jd, &nrm)))
				goto done;
			gsl_vector_set(r->step_norm, j - 1, nrm);
		}
		goto done;
	}
	size_t next = 1, active = 0;
	for (size_t b = 0; b < nb; b++, next++, active++) {
		slot[b] = next;
		vx_net_coef(net, r->fwd, next, coef + b * cs);
		vx_lanczos_begin(lz[b]);
	}
	while (active > 0) {
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
			if (res < 0) {
				r->fallbacks++;
				if (!Jd && !(Jd = gsl_matrix_alloc(D, D))) {
					st = VX_ENOMEM;
					goto done;
				}
				vx_net_jacobian_from_coef(net, coef + b * cs, Jd, &ws);
				double nrm;
				if ((st = dense_norm(&fb, Jd, &nrm)))
					goto done;
				theta = nrm * nrm;
			}
			gsl_vector_set(r->step_norm, slot[b] - 1, sqrt(fmax(theta, 0.0)));
			if (next <= T) {
				slot[b] = next;
				vx_net_coef(net, r->fwd, next++, coef + b * cs);
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
	free(coef);
	gsl_matrix_free(X);
	gsl_matrix_free(Y);
	gsl_matrix_free(Z);
	gsl_matrix_free(Jd);
	dense_clear(&fb);
	vx_net_ws_clear(&ws);
	return st;
}

/* ---- pass 5: BPTT ---- */

/* the gradient accumulators as mantissa × 2^EA */
typedef struct {
	int have;
	double EA;
} gacc;

/* acc += f x yᵀ (x of n rows, y of m columns) */
static void outer_add(gsl_matrix *acc, double f, const double *x, const double *y)
{
	cblas_dger(CblasRowMajor, (int)acc->size1, (int)acc->size2, f, x, 1, y, 1, acc->data, (int)acc->tda);
}

static void grad_rescale(const vx_net *net, vx_net_result *r, int e)
{
	for (size_t l = 0; l < net->L; l++) {
		vx_net_grad *g = &r->grad[l];
		scale_block(g->w_ih->data, g->w_ih->size1, g->w_ih->size2, g->w_ih->tda, e);
		scale_block(g->w_hh->data, g->w_hh->size1, g->w_hh->size2, g->w_hh->tda, e);
		scale_block(g->b_ih->data, 1, g->b_ih->size, 0, e);
		scale_block(g->b_hh->data, 1, g->b_hh->size, 0, e);
	}
}

/* max |entry| over every gradient */
static double grad_max(const vx_net *net, const vx_net_result *r)
{
	double m = 0;
	for (size_t l = 0; l < net->L; l++) {
		const vx_net_grad *g = &r->grad[l];
		m = fmax(m, fmax(vx_maxabs_matrix(g->w_ih), vx_maxabs_matrix(g->w_hh)));
		m = fmax(m, fmax(vx_maxabs(g->b_ih->data, g->b_ih->size), vx_maxabs(g->b_hh->data, g->b_hh->size)));
	}
	return m;
}

/* Σ of squares of a block, after dividing by 2^e (no overflow) */
static double sumsq(const double *A, size_t r, size_t c, size_t tda, int e)
{
	double s = 0;
	for (size_t i = 0; i < r; i++)
		for (size_t q = 0; q < c; q++) {
			double v = ldexp(A[i * tda + q], -e);
			s += v * v;
		}
	return s;
}

static vx_status backprop(const vx_net *net, vx_net_result *r)
{
	size_t D = net->D, d = net->d, L = net->L, t = r->t, gd = net->G * d, Ds = net->Ds;
	gsl_matrix *g = gsl_matrix_calloc(1, D), *gb = gsl_matrix_alloc(1, D);
	double *coef = malloc(vx_net_coef_size(net) * sizeof *coef);
	double *dhh = malloc(2 * L * gd * sizeof *dhh), *S = malloc(D * sizeof *S);
	vx_net_ws ws = { 0 };
	vx_status st = VX_ENOMEM;
	if (!g || !gb || !coef || !dhh || !S || vx_net_ws_init(&ws, net, 1))
		goto done;
	st = VX_OK;
	double *dih = dhh + L * gd;

	/* ∂L_t/∂S_t: h_t − y in the top layer's h, 0 elsewhere */
	double *g0 = vx_row(g, 0) + (L - 1) * Ds;
	const double *ht = vx_row(r->fwd->layer[L - 1].h, t - 1);
	for (size_t i = 0; i < d; i++)
		g0[i] = ht[i] - gsl_vector_get(net->y, i);
	double mg = vx_maxabs(g0, d);
	int ge = mg > 0 ? vx_expo(mg) : 0;
	r->loss = vx_mag_ldexp(0.5 * sumsq(g0, 1, d, 0, ge), 2.0 * ge);
	for (size_t l = 0; l < t * L; l++)
		r->contribution[l] = vx_mag_ldexp(0, 0);
	gacc ga = { 0, 0 };
	double Eg = ge;
	if (mg > 0)
		scale_block(vx_row(g, 0), 1, D, 0, -ge);
	for (size_t k = t; mg > 0 && k >= 1; k--) {
		vx_net_coef(net, r->fwd, k, coef);
		vx_net_vjp(net, coef, 0, g, gb, &ws, dhh, dih);
		/* keep the accumulators' exponent within 64 binary orders of the
		 * terms, so neither they nor a term over- or underflows */
		if (!ga.have) {
			ga.have = 1;
			ga.EA = Eg;
		} else if (Eg - ga.EA > 64) {
			grad_rescale(net, r, (int)(ga.EA - Eg));
			ga.EA = Eg;
		}
		double f = Eg - ga.EA < -1000 ? 0 : ldexp(1.0, (int)(Eg - ga.EA));
		vx_net_state(net, r->fwd, k - 1, S);
		for (size_t l = 0; l < L; l++) {
			vx_net_grad *G = &r->grad[l];
			const double *hp = S + l * Ds, *dh = dhh + l * gd, *di = dih + l * gd;
			const double *v = l == 0 ? vx_row(net->x, k - 1) : vx_row(r->fwd->layer[l - 1].h, k - 1);
			double dn = cblas_dnrm2((int)gd, dh, 1), hn = cblas_dnrm2((int)d, hp, 1);
			r->contribution[(k - 1) * L + l] = vx_mag_ldexp(dn * hn, Eg);
			if (f == 0)
				continue;
			outer_add(G->w_hh, f, dh, hp);
			outer_add(G->w_ih, f, di, v);
			cblas_daxpy((int)gd, f, dh, 1, G->b_hh->data, (int)G->b_hh->stride);
			cblas_daxpy((int)gd, f, di, 1, G->b_ih->data, (int)G->b_ih->stride);
		}
		if (k == 1)
			break;
		/* ∂L_t/∂S_{k−1} = J_kᵀ ∂L_t/∂S_k, renormalised */
		mg = vx_maxabs(vx_row(gb, 0), D);
		if (!isfinite(mg)) {
			st = VX_ENONFINITE;
			goto done;
		}
		if (mg > 0) {
			int e = vx_expo(mg);
			scale_block(vx_row(gb, 0), 1, D, 0, -e);
			Eg += e;
			gsl_matrix_memcpy(g, gb);
		}
	}
	r->grad_log10_scale = 0;
	r->grad_norm = vx_mag_ldexp(0, 0);
	for (size_t l = 0; l < L; l++)
		r->grad_hh_norm[l] = vx_mag_ldexp(0, 0);
	double mx = grad_max(net, r);
	if (!ga.have || mx == 0)
		goto done;
	int em = vx_expo(mx);
	double total = 0;
	for (size_t l = 0; l < L; l++) {
		const vx_net_grad *G = &r->grad[l];
		double hh = sumsq(G->w_hh->data, G->w_hh->size1, G->w_hh->size2, G->w_hh->tda, em);
		total += hh + sumsq(G->w_ih->data, G->w_ih->size1, G->w_ih->size2, G->w_ih->tda, em) +
		         sumsq(G->b_ih->data, 1, gd, 0, em) + sumsq(G->b_hh->data, 1, gd, 0, em);
		r->grad_hh_norm[l] = vx_mag_ldexp(sqrt(hh), ga.EA + em);
	}
	r->grad_norm = vx_mag_ldexp(sqrt(total), ga.EA + em);
	double top = em + ga.EA;
	if (top <= 1024 && top >= -1021)
		grad_rescale(net, r, (int)ga.EA);
	else
		r->grad_log10_scale = ga.EA * VX_LOG10_2;
done:
	gsl_matrix_free(g);
	gsl_matrix_free(gb);
	free(coef);
	free(dhh);
	free(S);
	vx_net_ws_clear(&ws);
	return st;
}

/* ---- pass 6: Lyapunov exponents ---- */

static vx_status lyapunov(const vx_net *net, vx_net_result *r)
{
	size_t D = net->D, p = D < VX_LYAP_MAX ? D : VX_LYAP_MAX;
	gsl_matrix *Y = gsl_matrix_alloc(p, D), *Z = gsl_matrix_alloc(p, D), *Zt = gsl_matrix_alloc(D, p);
	gsl_vector *tau = gsl_vector_alloc(p), *e = gsl_vector_alloc(D);
	double *coef = malloc(vx_net_coef_size(net) * sizeof *coef);
	gsl_rng *rng = vx_rng_alloc(VX_LYAP_SEED);
	double sums[VX_LYAP_MAX] = { 0 };
	vx_net_ws ws = { 0 };
	vx_status st = VX_ENOMEM;
	if (!Y || !Z || !Zt || !tau || !e || !coef || !rng || vx_net_ws_init(&ws, net, p))
		goto done;
	/* the fixed random start of analysis.c, so that one vanilla layer gives
	 * its exponents */
	vx_fill_gaussian(Zt, rng, 1.0);
	st = VX_ENUMERIC;
	for (size_t j = 0; j <= net->T; j++) {
		if (j > 0) {
			vx_net_coef(net, r->fwd, j, coef);
			vx_net_jvp(net, coef, 0, Y, Z, &ws);
			gsl_matrix_transpose_memcpy(Zt, Z);
		}
		/* Y = the thin orthonormal factor of Zt; |R_ll| the growth of direction l */
		if (gsl_linalg_QR_decomp(Zt, tau))
			goto done;
		for (size_t l = 0; l < p; l++) {
			gsl_vector_set_basis(e, l);
			if (gsl_linalg_QR_Qvec(Zt, tau, e))
				goto done;
			gsl_matrix_set_row(Y, l, e);
			if (j > 0) {
				double rll = fabs(gsl_matrix_get(Zt, l, l));
				sums[l] += rll > 0 ? log(rll) : -INFINITY;
			}
		}
	}
	st = VX_OK;
	r->lyap_count = p;
	for (size_t l = 0; l < p; l++)
		r->lyap_top[l] = sums[l] / (double)net->T;
	r->lyap_max = r->lyap_top[0];
done:
	gsl_matrix_free(Y);
	gsl_matrix_free(Z);
	gsl_matrix_free(Zt);
	gsl_vector_free(tau);
	gsl_vector_free(e);
	free(coef);
	gsl_rng_free(rng);
	vx_net_ws_clear(&ws);
	return st;
}

/* ---- pass 7: products, rate, horizon, saturation ---- */

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
	/* the rate: least squares of log10 ‖∂S_t/∂S_k‖ on the gap, about the mean */
	double sx = 0, sy = 0;
	size_t n = 0;
	for (size_t k = 1; k <= t; k++)
		if (isfinite(r->paths[k - 1].norm.log10)) {
			sx += (double)(t - k);
			sy += r->paths[k - 1].norm.log10;
			n++;
		}
	r->rate = NAN;
	if (n >= 2) {
		double mx = sx / (double)n, my = sy / (double)n, sxy = 0, sxx = 0;
		for (size_t k = 1; k <= t; k++) {
			double y = r->paths[k - 1].norm.log10;
			if (!isfinite(y))
				continue;
			double dx = (double)(t - k) - mx;
			sxy += dx * (y - my);
			sxx += dx * dx;
		}
		if (sxx > 0)
			r->rate = sxy / sxx;
	}
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

/* saturation of one gate block over the run: derivative below SAT_FRACTION
 * of its largest, counted by the sign of the pre-activation */
static void saturation(const gsl_matrix *pre, size_t col, size_t d, vx_act a, double *low, double *high)
{
	size_t nl = 0, nh = 0, T = pre->size1;
	double lim = SAT_FRACTION * vx_act_gamma(a);
	for (size_t j = 0; j < T; j++) {
		const double *p = vx_row(pre, j) + col;
		for (size_t i = 0; i < d; i++)
			if (vx_act_df(a, p[i]) < lim) {
				if (p[i] > 0)
					nh++;
				else
					nl++;
			}
	}
	*low = (double)nl / (double)(T * d);
	*high = (double)nh / (double)(T * d);
}

static void gate_stats(const vx_net *net, vx_net_result *r)
{
	size_t d = net->d, T = net->T;
	for (size_t l = 0; l < net->L; l++) {
		vx_net_layer_stats *s = &r->stats[l];
		const vx_net_trace *tr = &r->fwd->layer[l];
		for (size_t g = 0; g < 4; g++) {
			s->gate_low[g] = s->gate_high[g] = NAN;
			if (g >= net->G)
				continue;
			vx_act a = net->cell == VX_CELL_RNN ? net->act
			         : (net->cell == VX_CELL_LSTM && g == 2) || (net->cell == VX_CELL_GRU && g == 2) ? VX_TANH
			         : VX_SIGMOID;
			saturation(tr->pre, g * d, d, a, &s->gate_low[g], &s->gate_high[g]);
		}
		s->cell_sat = s->keep_mean = s->keep_sd = NAN;
		if (net->cell == VX_CELL_LSTM) {
			double lo, hi;
			saturation(tr->c, 0, d, VX_TANH, &lo, &hi);
			s->cell_sat = lo + hi;
		}
		if (net->cell == VX_CELL_RNN)
			continue;
		/* f (LSTM) or z (GRU): the block at rows d..2d−1 either way */
		double mean = 0, m2 = 0;
		size_t n = 0;
		for (size_t j = 0; j < T; j++)
			for (size_t i = 0; i < d; i++) {
				double v = vx_act_f(VX_SIGMOID, vx_row(tr->pre, j)[d + i]), dv = v - mean;
				mean += dv / (double)++n;
				m2 += dv * (v - mean);
			}
		s->keep_mean = mean;
		s->keep_sd = sqrt(m2 / (double)n);
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
	path_identity(r);
	chain ch;
	if ((st = chain_init(&ch, net, r))) {
		chain_clear(&ch);
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
		if (pthread_create(&tp, NULL, producer_thread, &ch)) {
			two = 0;
		} else if (threads < 3 || pthread_create(&tc, NULL, consumer_thread, &ch)) {
			/* the consumer's work then runs here, beside the producer */
			consumer_thread(&ch);
			pthread_join(tp, NULL);
			two = 0;
			ran = 1;
		}
	}
	vx_status cst = two ? VX_OK : ran ? (ch.pst ? ch.pst : ch.cst) : chain_inline(&ch);
	st = weight_stats(net, r);
	if (!st)
		st = step_bounds(net, r);
	if (!st)
		st = step_norms(net, r);
	if (!st)
		st = backprop(net, r);
	if (!st)
		st = lyapunov(net, r);
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
	chain_clear(&ch);
	if (!st)
		st = cst;
	if (st) {
		vx_fail(err, st, "the analysis failed: %s", vx_strerror(st));
		goto fail;
	}
	summarise(r);
	gate_stats(net, r);
	*out = r;
	return VX_OK;
fail:
	vx_net_result_free(r);
	return st;
}
