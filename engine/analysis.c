/*
 * analysis.c — the forward pass and every quantity of analysis.h for one
 * model and loss step: the result, the workspace, the forward pass, λ, and
 * the threads that run the passes (analysis_internal.h names the file of
 * each).
 *
 * Three passes over the sequence, each O(d² + T·d) in memory:
 *   1. forward: a_j, s_j (stored T×d), the loss, and ‖J_j‖₂ for every j
 *      (analysis_steps.c);
 *   2. down from k = t: P_k = ∂s_t/∂s_k = P_{k+1} diag(σ'(a_{k+1})) W, one
 *      dgemm per k into a buffer that is overwritten (only its numerically
 *      significant rows, once it has lost rank: lowrank.h), its spectral
 *      norm by a warm-started Lanczos iteration (analysis_paths.c); beside it the BPTT
 *      vector recursion for the path contributions and ∂L_t/∂W
 *      (accumulated in blocks, one dgemm per block; analysis_bptt.c);
 *   3. forward again: the Lyapunov exponents by QR re-orthonormalisation
 *      (analysis_lyap.c).
 * When the vx_exec allows two threads (exec.h: up to d = 256, to 768 on a
 * machine of two cores, at any d with a BLAS of one thread), the forward
 * pass and then the chain of P_k and its norms run on a second thread
 * beside λ and the step norms, which take each step as the forward pass
 * gives it, and BPTT and the Lyapunov pass go to whichever of the two is
 * free first (see passes()).
 *
 * Range: everything that may leave the range of a double is carried as a
 * mantissa times a power of two.  W is used as Wn × 2^eW with max |Wn| in
 * [½, 1), and the column scaling of P by σ' also divides by P's last norm,
 * so P stays near norm 1 whatever the horizon: scaling by powers of two is
 * exact, and 0.5^10 comes out as 0.5^10 while 3^1000 keeps its log10.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <stdatomic.h>
#include <gsl/gsl_blas.h>
#include "engine/analysis_internal.h"

/* ---- result ---- */

void vx_result_free(vx_result *r)
{
	if (!r)
		return;
	gsl_matrix_free(r->a);
	gsl_matrix_free(r->s);
	gsl_vector_free(r->step_norm);
	free(r->step_mag);
	free(r->paths);
	gsl_matrix_free(r->grad_W);
	gsl_matrix_free(r->grad_sum_W);
	free(r);
}

static vx_result *result_alloc(size_t d, size_t T, size_t t)
{
	vx_result *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->d = d;
	r->T = T;
	r->t = t;
	r->a = gsl_matrix_alloc(T, d);
	r->s = gsl_matrix_alloc(T, d);
	r->step_norm = gsl_vector_alloc(T);
	r->step_mag = calloc(T, sizeof *r->step_mag);
	r->paths = calloc(t, sizeof *r->paths);
	r->grad_W = gsl_matrix_calloc(d, d);
	r->grad_sum_W = gsl_matrix_calloc(d, d);
	if (!r->a || !r->s || !r->step_norm || !r->step_mag || !r->paths || !r->grad_W || !r->grad_sum_W) {
		vx_result_free(r);
		return NULL;
	}
	return r;
}

/* The bytes result_alloc(d, T, t) takes. */
static double result_bytes(double d, double T, double t)
{
	return sizeof(vx_result) + (2 * T * d + T + 2 * d * d) * sizeof(double) + T * sizeof(vx_mag) +
	       t * sizeof(vx_path);
}

/* ---- workspace ---- */

static void work_clear(work *w)
{
	gsl_matrix_free(w->Wn);
	gsl_matrix_free(w->G);
	gsl_matrix_free(w->Q);
	gsl_vector_free(w->eval);
	if (w->eig)
		gsl_eigen_symm_free(w->eig);
	vx_lanczos_free(w->lz);
	for (size_t b = 0; b < w->nb; b++)
		vx_lanczos_free(w->lzb[b]);
	gsl_matrix_free(w->X);
	gsl_matrix_free(w->Y);
	gsl_matrix_free(w->CS);
	free(w->c);
	free(w->sn_mant);
	free(w->sn_exp);
	free(w->sn_cap);
	free(w->pn_mant);
	gsl_matrix_free(w->dblk);
	gsl_matrix_free(w->sblk);
	free(w->tau);
	gsl_matrix_free(w->nblk);
	free(w->ntau);
	gsl_matrix_free(w->gnear);
	free(w->sv);
	gsl_matrix_free(w->Ly);
	gsl_matrix_free(w->Lt);
	gsl_matrix_free(w->Lz);
	gsl_vector_free(w->Ltau);
	gsl_vector_free(w->Le);
	free(w->pc);
	gsl_matrix_free(w->fA);
	gsl_matrix_free(w->fG);
	vx_packed_free(&w->pwn);
	vx_packed_free(&w->pg);
	gsl_vector_free(w->feval);
	if (w->feig)
		gsl_eigen_symm_free(w->feig);
	memset(w, 0, sizeof *w);
}

/* How many step norms share one product (work.nb).  The product's speed
 * grows with its rows (BLAS packs G whatever their number): at d = 1024
 * the step norms of 300 steps took 1.46 s with 16 runs, 0.93 s with 32 and
 * 0.87 s with 64 (tanh, λ = 0.9, two BLAS threads).  Each run keeps its
 * Krylov basis, 65 × d doubles: 64 of them at d = 1024 are 34 MB, 4 d²
 * doubles; above, fewer, so that they stay within about d². */
static size_t step_batch(size_t d, size_t T)
{
	size_t nb = d <= 1024 ? STEP_BATCH : d <= 2048 ? 32 : 16;
	return nb > T ? T : nb;
}

/* The bytes work_init takes, with the dense fallback of the step norms
 * (fA, fG, feval, feig), which it allocates only when Lanczos fails. */
static double work_bytes(double d, double T, size_t nb)
{
	double p = d < VX_LYAP_MAX ? d : VX_LYAP_MAX;
	double dbl = 3 * d * d              /* Wn, G, Q */
	             + d + 2 * d             /* eval, eig */
	             + 3 * (double)nb * d    /* X, Y, CS */
	             + 8 * d + 3 * d         /* c, pc */
	             + 3 * T                 /* sn_mant, sn_exp, sn_cap */
	             + 2 * T                 /* pn_mant, pn_exp (t <= T) */
	             + 2 * GRAD_BLOCK * d + GRAD_BLOCK /* dblk, sblk, tau */
	             + GRAD_BLOCK * d + GRAD_BLOCK + d * d + 3 * d /* nblk, ntau, gnear, sv */
	             + 3 * d * p + p + d     /* Ly, Lt, Lz, Ltau, Le */
	             + 2 * d * d + 3 * d     /* fA, fG, feval, feig */
	             + (vx_packed_size((size_t)d) ? 2 * (d + 7) * d : 0); /* pwn, pg */
	return dbl * sizeof(double) + (1 + (double)nb) * (double)vx_lanczos_bytes((size_t)d) +
	       (double)vx_an_path_bytes((size_t)d);
}

size_t vx_analyse_bytes(size_t d, size_t T, size_t t)
{
	double dd = (double)d;
	/* beside the result and the workspace: the norm of W (a scaled copy and
	 * a Lanczos workspace, or a dense eigen-solver's d×d) and the forward
	 * pass's copy of s_0, both freed before the passes */
	double b = result_bytes(dd, (double)T, (double)t) + work_bytes(dd, (double)T, step_batch(d, T)) +
	           (2 * dd * dd + 4 * dd) * sizeof(double) + (double)vx_lanczos_bytes(d);
	return b < (double)SIZE_MAX ? (size_t)b : SIZE_MAX;
}

static int work_init(work *w, const vx_model *m, size_t t)
{
	size_t d = m->d;
	memset(w, 0, sizeof *w);
	w->d = d;
	w->T = m->T;
	w->t = t;
	w->act = m->act;
	w->p = d < VX_LYAP_MAX ? d : VX_LYAP_MAX;
	w->Wn = gsl_matrix_alloc(d, d);
	w->G = gsl_matrix_alloc(d, d);
	w->Q = gsl_matrix_alloc(d, d);
	w->eval = gsl_vector_alloc(d);
	w->eig = gsl_eigen_symm_alloc(d);
	w->lz = vx_lanczos_alloc(d);
	w->nb = step_batch(d, m->T);
	for (size_t b = 0; b < w->nb; b++)
		if (!(w->lzb[b] = vx_lanczos_alloc(d)))
			return -1;
	w->X = gsl_matrix_alloc(w->nb, d);
	w->Y = gsl_matrix_alloc(w->nb, d);
	w->CS = gsl_matrix_alloc(w->nb, d);
	w->c = malloc(8 * d * sizeof(double));
	w->sn_mant = malloc(m->T * sizeof(double));
	w->sn_exp = malloc(m->T * sizeof(double));
	w->sn_cap = malloc(m->T * sizeof(double));
	w->pn_mant = malloc(2 * t * sizeof(double));
	w->dblk = gsl_matrix_alloc(GRAD_BLOCK, d);
	w->sblk = gsl_matrix_alloc(GRAD_BLOCK, d);
	w->tau = malloc(GRAD_BLOCK * sizeof(double));
	w->nblk = gsl_matrix_alloc(GRAD_BLOCK, d);
	w->ntau = malloc(GRAD_BLOCK * sizeof(double));
	w->gnear = gsl_matrix_calloc(d, d);
	w->sv = malloc(3 * d * sizeof(double));
	w->Ly = gsl_matrix_alloc(w->p, d);
	w->Lt = gsl_matrix_alloc(w->p, d);
	w->Lz = gsl_matrix_alloc(d, w->p);
	w->Ltau = gsl_vector_alloc(w->p);
	w->Le = gsl_vector_alloc(d);
	w->pc = malloc(3 * d * sizeof(double));
	/* the kernel runs on its caller's thread: where the BLAS has threads
	 * of its own (exec.h, a machine of more cores), its dgemm stays.  A
	 * pack is optional: one without the memory for it stays off, and its
	 * products go by BLAS (as the gated cells' maps do, net_norms.c) */
	if (vx_packed_size(d) && vx_exec_blas_single()) {
		(void)vx_packed_alloc(&w->pwn, d, d);
		(void)vx_packed_alloc(&w->pg, d, d);
	}
	if (!w->pc || !w->Wn || !w->G || !w->Q || !w->eval || !w->eig || !w->lz || !w->c ||
	    !w->X || !w->Y || !w->CS || !w->sn_mant || !w->sn_exp || !w->sn_cap || !w->pn_mant ||
	    !w->dblk || !w->sblk || !w->tau || !w->nblk || !w->ntau || !w->gnear || !w->sv || !w->Ly || !w->Lt || !w->Lz || !w->Ltau || !w->Le)
		return -1;
	w->cs = w->c + d;
	w->cprev = w->cs + d;
	w->tmp = w->cprev + d;
	w->g = w->tmp + d;
	w->bc = w->g + d;
	w->bs0 = w->bc + d;
	w->lc = w->bs0 + d;
	w->pcs = w->pc + d;
	w->ptmp = w->pcs + d;
	w->pn_exp = w->pn_mant + t;
	return 0;
}

/* The seed of every Lanczos start of a run: a hash of the whole model and
 * t, so that a run is reproduced bit for bit and no part of the input can be
 * chosen to make the starts miss a direction (they are not known before the
 * input is).  O(d² + T n). */
static uint64_t model_seed(const vx_model *m, size_t t)
{
	uint64_t h = 0xcbf29ce484222325u;
	double sizes[5] = { (double)m->d, (double)m->n, (double)m->T, (double)t, (double)m->act };
	h = vx_hash_doubles(h, sizes, 5, 1);
	h = vx_hash_matrix(h, m->W);
	h = vx_hash_matrix(h, m->U);
	h = vx_hash_matrix(h, m->x);
	h = vx_hash_doubles(h, m->b->data, m->b->size, m->b->stride);
	h = vx_hash_doubles(h, m->s0->data, m->s0->size, m->s0->stride);
	return vx_hash_doubles(h, m->y->data, m->y->size, m->y->stride);
}

/* ---- pass 1: forward ---- */

/* done (NULL: none) counts the steps whose a_j and s_j are in place. */
static vx_status forward(const vx_model *m, vx_result *r, const atomic_int *stop, atomic_long *done,
                         vx_error *err)
{
	size_t d = m->d, T = m->T;
	/* a_j = U x_j for all j in one product, then + b + W s_{j-1} step by step */
	if (gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, m->x, m->U, 0.0, r->a))
		return vx_fail(err, VX_ENUMERIC, "the input product U x failed");
	const double *sprev = m->s0->data;
	size_t sstride = m->s0->stride;
	double *s0c = NULL;
	if (sstride != 1) {
		s0c = malloc(d * sizeof *s0c);
		if (!s0c)
			return vx_fail(err, VX_ENOMEM, "out of memory");
		for (size_t i = 0; i < d; i++)
			s0c[i] = gsl_vector_get(m->s0, i);
		sprev = s0c;
	}
	for (size_t j = 1; j <= T; j++) {
		if (vx_stop_asked(stop)) {
			free(s0c);
			return VX_ECANCELLED;
		}
		double *aj = vx_row(r->a, j - 1), *sj = vx_row(r->s, j - 1);
		for (size_t i = 0; i < d; i++)
			aj[i] += gsl_vector_get(m->b, i);
		cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)d, (int)d, 1.0, m->W->data,
		            (int)m->W->tda, sprev, 1, 1.0, aj, 1);
		vx_act_fv(m->act, aj, sj, d);
		double ma = vx_maxabs(aj, d), ms = vx_maxabs(sj, d);
		if (!isfinite(ma) || !isfinite(ms)) {
			free(s0c);
			/* λ is what makes it blow up; T and S only bring it on */
			return vx_fail_at(err, VX_PARAM_NORM, VX_ENONFINITE,
			                  "the forward pass leaves the range of a double at step %zu of T = %zu "
			                  "(%s, λ = ‖W‖₂ too large for this horizon): a smaller λ, a shorter T "
			                  "or no input (S = 0) keeps it finite", j, T, vx_act_name(m->act));
		}
		sprev = sj;
		if (done)
			atomic_store_explicit(done, (long)j, memory_order_release);
	}
	free(s0c);
	return VX_OK;
}

/* ---- λ = ‖W‖₂ ---- */

/* c when G = c I up to ‖G − cI‖_F <= 1e-12 c, else 0.  Then for every
 * diagonal D, ‖D Wn‖₂ = max|d_i| ‖Wn‖₂ to 5e-13 relative (both lie within
 * max d_i² ‖G − cI‖ of c max d_i²): W is a multiple of an orthogonal matrix
 * (the orthogonal and identity initialisations), the case in which Lanczos
 * meets the most clustered spectra. */
static double gram_scalar(const gsl_matrix *G)
{
	size_t d = G->size1;
	double c = 0;
	for (size_t i = 0; i < d; i++)
		c += gsl_matrix_get(G, i, i);
	c /= (double)d;
	if (!(c > 0))
		return 0;
	double e2 = 0, lim = 1e-24 * c * c;
	for (size_t i = 0; i < d && e2 <= lim; i++) {
		const double *g = gsl_matrix_const_ptr(G, i, 0);
		for (size_t j = 0; j < d; j++) {
			double e = g[j] - (i == j ? c : 0.0);
			e2 += e * e;
		}
	}
	return e2 <= lim ? c : 0;
}

/* W = Wn × 2^eW, G = Wn Wnᵀ and λ = ‖W‖₂.  λ is computed once per run and
 * certified (vx_sym_top: Lanczos on G, then a Cholesky factorisation that
 * shows nothing lies above, else the dense eigen-solver): every bound and
 * ratio of the run depends on it, and a Lanczos value alone can stop on the
 * lower of two close singular values (1 and 1 − 1e-7 gave 0.9999999).  G is
 * formed here, by a symmetric rank-d update (half a product), because the
 * step norms need it too. */
static vx_status norm_of_w(const vx_model *m, work *w, vx_result *r)
{
	size_t d = m->d;
	double mx = vx_maxabs_matrix(m->W);
	if (!isfinite(mx))
		return VX_ENONFINITE;
	w->eW = mx > 0 ? vx_expo(mx) : 0;
	gsl_matrix_memcpy(w->Wn, m->W);
	vx_scale2_matrix(w->Wn, -w->eW);
	w->lamn = 0;
	w->gscal = 0;
	if (mx > 0) {
		cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)d, (int)d, 1.0, w->Wn->data,
		            (int)w->Wn->tda, 0.0, w->G->data, (int)w->G->tda);
		for (size_t i = 0; i < d; i++)
			for (size_t l = 0; l < i; l++)
				gsl_matrix_set(w->G, i, l, gsl_matrix_get(w->G, l, i));
		w->gscal = gram_scalar(w->G);
		vx_packed_set(&w->pwn, w->Wn, 0);
		vx_packed_set(&w->pg, w->G, 0);
		/* W = λI or a permutation times a diagonal: ‖W‖ is its largest
		 * entry exactly, where √λmax(G) would round λ² first */
		if (vx_monomial_norm(w->Wn, &w->lamn)) {
			r->lambda = ldexp(w->lamn, w->eW);
			return VX_OK;
		}
		double theta;
		int dense;
		vx_lanczos_seed(w->lz, w->seed);
		size_t before = vx_lanczos_steps(w->lz);
		vx_status st = vx_sym_top(w->lz, w->G, w->Q, w->eval, w->eig, &theta, &dense);
		r->lanczos_steps += vx_lanczos_steps(w->lz) - before;
		r->fallbacks += (size_t)dense;
		if (st)
			return st;
		w->lamn = sqrt(theta);
	}
	r->lambda = ldexp(w->lamn, w->eW);
	return VX_OK;
}

/* ---- the run ---- */

static vx_status check_model(const vx_model *m, vx_error *err)
{
	if (!m || !m->W || !m->U || !m->b || !m->s0 || !m->x || !m->y)
		return vx_fail(err, VX_EINTERNAL, "incomplete model");
	size_t d = m->d;
	if (d == 0 || m->n == 0 || m->T == 0 || m->W->size1 != d || m->W->size2 != d ||
	    m->U->size1 != d || m->U->size2 != m->n || m->b->size != d || m->s0->size != d ||
	    m->y->size != d || m->x->size1 != m->T || m->x->size2 != m->n)
		return vx_fail(err, VX_ESHAPE, "model parts of inconsistent sizes");
	if ((unsigned)m->act >= VX_ACT_COUNT)
		return vx_fail(err, VX_EINTERNAL, "unknown activation");
	return VX_OK;
}

/* One step of the chain, for vx_rowshare_run */
typedef struct {
	gsl_matrix *S, *X;
	const double *cs;
	double alpha;
	const gsl_matrix *B;
	const vx_packed *pk;    /* B's panels, for packed.c's products instead of BLAS's */
} chain_step;

/* Rows [r0, r1) of vx_an_chain_dgemm's step */
static int rows_dgemm(void *ctx, size_t r0, size_t r1)
{
	chain_step *c = ctx;
	gsl_matrix_view Sv = gsl_matrix_submatrix(c->S, r0, 0, r1 - r0, c->S->size2);
	gsl_matrix_view Xv = gsl_matrix_submatrix(c->X, r0, 0, r1 - r0, c->X->size2);
	if (!c->cs && c->pk) {
		vx_packed_mul(c->pk, vx_row(c->S, r0), c->S->tda, r1 - r0, c->alpha, vx_row(c->X, r0), c->X->tda);
		return 0;
	}
	if (!c->cs)
		return gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, c->alpha, &Sv.matrix, c->B, 0.0, &Xv.matrix) != 0;
	size_t n = c->S->size2;
	for (size_t i = r0; i < r1; i++) {
		const double *src = vx_row(c->S, i);
		double *dst = vx_row(c->X, i);
		for (size_t l = 0; l < n; l++)
			dst[l] = src[l] * c->cs[l];
	}
	if (c->pk) {
		vx_packed_mul(c->pk, vx_row(c->X, r0), c->X->tda, r1 - r0, 1.0, vx_row(c->S, r0), c->S->tda);
		return 0;
	}
	return gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, &Xv.matrix, c->B, 0.0, &Sv.matrix) != 0;
}

vx_status vx_an_chain_dgemm(vx_rowshare *h, gsl_matrix *S, gsl_matrix *X, const double *cs, double alpha,
                            const gsl_matrix *B, const vx_packed *pk)
{
	chain_step c = { S, X, cs, alpha, B, pk && pk->on ? pk : NULL };
	double madds = (double)S->size1 * (double)B->size1 * (double)B->size2;
	return vx_rowshare_run(h, rows_dgemm, &c, S->size1, madds) ? VX_ENUMERIC : VX_OK;
}

/* BPTT and the Lyapunov exponents, taken one at a time by whichever thread
 * is free first (*next counts the tasks handed out).  With d = 64 and T =
 * 10000 the step norms take 0.39 s and the path norms 0.22 s: the two short
 * tasks belong beside the path norms there, and beside the step norms at
 * d = 256, where the path norms take twice as long as the step norms. */
static vx_status short_tasks(const vx_model *m, work *w, vx_result *r, atomic_int *next)
{
	for (;;) {
		int task = atomic_fetch_add(next, 1);
		vx_status st = task == 0 ? vx_an_backprop(m, w, r) : task == 1 ? vx_an_lyapunov(m, w, r) : VX_OK;
		if (st || task > 1)
			return st;
	}
}

typedef struct {
	const vx_model *m;
	work *w;
	vx_result *r;
	atomic_int *next;
	int forward;        /* the forward pass runs here first */
	vx_error *err;      /* its message */
	vx_status fst, st;  /* the forward's status, the rest's */
} path_task;

static void *path_thread(void *arg)
{
	path_task *pt = arg;
	work *w = pt->w;
	if (pt->forward) {
		pt->fst = forward(pt->m, pt->r, w->stop, &w->fwd_done, pt->err);
		if (pt->fst)
			atomic_store_explicit(&w->fwd_done, -1, memory_order_release);
		if (pt->fst || vx_an_await(&w->w_ready, 1)) {
			vx_rowshare_done(w->help);
			return NULL;
		}
	}
	pt->st = vx_an_path_norms(pt->m, w, pt->r);
	vx_rowshare_done(w->help);
	if (!pt->st)
		pt->st = short_tasks(pt->m, w, pt->r, pt->next);
	return NULL;
}

/* Every pass: the forward pass and λ, then the path norms and the step
 * norms, each followed by what is left of BPTT and the Lyapunov exponents,
 * on two threads when the policy allows them.  There the forward pass runs
 * on the path norms' thread while this one computes λ, then the step norms
 * of each step as soon as the forward pass has done it: at d = 256, T =
 * 1000 the forward pass takes 12 ms and λ 1 ms, which both threads waited
 * for before (0.165 s in all, 0.153 s so).  The forward pass's rows of a
 * and s reach the step norms through w->fwd_done (a release store after
 * each step, an acquire load before a step is read), λ and Wn the path
 * norms through w->w_ready; past those, the tasks read what neither writes
 * and write fields of their own, each with buffers of its own.
 * *fwd_failed: the status is the forward pass's, with its message in err. */
static vx_status passes(const vx_model *m, work *w, vx_result *r, int threads, vx_error *err, int *fwd_failed)
{
	vx_status st;
	atomic_int next;
	atomic_init(&next, 0);
	path_task pt = { m, w, r, &next, 0, err, VX_OK, VX_OK };
	pthread_t th;
	vx_rowshare help;
	/* spinning first: the two threads have a core each.  Past d = 256 a
	 * half product of a chain still whole takes milliseconds, and a wait
	 * spins its rowshare.h pauses (a few µs) before it sleeps */
	vx_rowshare_init(&help, 1);
	int two = threads >= 2 && w->t > 1;
	atomic_init(&w->fwd_done, 0);
	atomic_init(&w->w_ready, 0);
	/* a product split in rows keeps its bits only when each call is
	 * computed on its caller's thread (exec.h) */
	w->help = two && vx_exec_blas_single() ? &help : NULL;
	pt.forward = two;
	if (two && pthread_create(&th, NULL, path_thread, &pt) != 0) {
		two = 0;
		pt.forward = 0;
		w->help = NULL;
	}
	*fwd_failed = 0;
	if (!two) {
		st = forward(m, r, w->stop, NULL, err);
		if (st) {
			*fwd_failed = st != VX_ECANCELLED;
			vx_rowshare_destroy(&help);
			return st;
		}
		atomic_store(&w->fwd_done, (long)m->T);
	}
	st = norm_of_w(m, w, r);
	atomic_store_explicit(&w->w_ready, st ? -1 : 1, memory_order_release);
	if (!two && !st)
		path_thread(&pt);
	if (!st)
		st = vx_an_step_norms(m, w, r);
	if (!st)
		st = short_tasks(m, w, r, &next);
	/* done here, and the chain still going (a W whose products never lose
	 * rank): this thread takes half of each of them */
	if (two && w->help)
		vx_rowshare_help(&help);
	if (two)
		pthread_join(th, NULL);
	w->help = NULL;
	r->chain_shared = help.shared;
	vx_rowshare_destroy(&help);
	if (pt.fst) {
		/* the step norms stopped for it */
		*fwd_failed = pt.fst != VX_ECANCELLED;
		return pt.fst;
	}
	if (!st)
		st = pt.st;
	if (st)
		return st;
	r->lanczos_steps += w->p_steps;
	r->fallbacks += w->p_fallbacks;
	if (w->pzero) {
		/* the product of the Jacobians is exactly 0: so is every singular
		 * value of it, whatever the QR pass, whose rounding keeps it off 0
		 * (−31.5 for a nilpotent W), made of it */
		for (size_t l = 0; l < r->lyap_count; l++)
			r->lyap_top[l] = -INFINITY;
		r->lyap_max = -INFINITY;
	}
	st = vx_an_bounds_and_products(m, w, r);
	if (st)
		return st;
	return VX_OK;
}

vx_status vx_loss_step_check(size_t t, size_t T, vx_error *err)
{
	if (t < 1 || t > T)
		return vx_fail_at(err, VX_PARAM_T, VX_EUSAGE, "the loss step t must be from 1 to T (%zu), got %zu",
		                  T, t);
	return VX_OK;
}

vx_status vx_analyse(const vx_model *m, size_t t, const vx_exec *ex, vx_result **out, vx_error *err)
{
	static const vx_exec serial = { 1, 0, NULL };
	*out = NULL;
	if (!ex)
		ex = &serial;
	vx_status st = check_model(m, err);
	if (st)
		return st;
	if ((st = vx_loss_step_check(t, m->T, err)))
		return st;
	vx_result *r = result_alloc(m->d, m->T, t);
	work w;
	if (!r || work_init(&w, m, t)) {
		if (r)
			work_clear(&w);
		vx_result_free(r);
		return vx_fail(err, VX_ENOMEM, "out of memory for the analysis (d = %zu, T = %zu)",
		               m->d, m->T);
	}
	r->gamma = vx_act_gamma(m->act);
	r->exec = *ex;
	r->exec.stop = NULL;   /* the caller's flag may not outlive the result */
	w.seed = model_seed(m, t);
	w.stop = ex->stop;

	int fwd_failed;
	st = passes(m, &w, r, ex->threads, err, &fwd_failed);
	if (st && !fwd_failed && st != VX_ECANCELLED)
		vx_fail(err, st, "the analysis failed: %s", vx_strerror(st));
	if (st == VX_ECANCELLED)
		vx_fail(err, st, "the analysis was stopped before it ended");
	if (st)
		goto fail;
	r->rate = vx_gap_slope(&r->paths[0].norm.log10, sizeof *r->paths, r->t);
	work_clear(&w);
	*out = r;
	return VX_OK;
fail:
	work_clear(&w);
	vx_result_free(r);
	return st;
}
