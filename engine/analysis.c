/*
 * analysis.c — the forward pass and every quantity of analysis.h for one
 * model and loss step.
 *
 * Three passes over the sequence, each O(d² + T·d) in memory:
 *   1. forward: a_j, s_j (stored T×d), the loss, and ‖J_j‖₂ for every j;
 *   2. down from k = t: P_k = ∂s_t/∂s_k = P_{k+1} diag(σ'(a_{k+1})) W, one
 *      dgemm per k into a buffer that is overwritten, its spectral norm by a
 *      warm-started Lanczos iteration; beside it the BPTT vector recursion
 *      for the path contributions and ∂L_t/∂W (accumulated in blocks, one
 *      dgemm per block);
 *   3. forward again: the Lyapunov exponents by QR re-orthonormalisation.
 * When the vx_exec allows two threads (exec.h: for d <= 256), the chain of
 * P_k and its norms runs on a second thread beside the step norms, and BPTT
 * and the Lyapunov pass go to whichever of the two is free first (see
 * passes()).
 *
 * Range: everything that may leave the range of a double is carried as a
 * mantissa times a power of two.  W is used as Wn × 2^eW with max |Wn| in
 * [½, 1), and the column scaling of P by σ' also divides by P's last norm,
 * so P stays near norm 1 whatever the horizon: scaling by powers of two is
 * exact, and 0.5^10 comes out as 0.5^10 while 3^1000 keeps its log10.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <stdatomic.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_rng.h>
#include "engine/analysis.h"
#include "engine/init.h"
#include "engine/linalg.h"

/* Seeds of the Lanczos streams: the model's hash plus multiples of an odd
 * constant, one per run that needs its own (λ, the paths, each step slot). */
#define SEED_STEP 0x9e3779b97f4a7c15u
/* rows of the gradient accumulated per dgemm */
#define GRAD_BLOCK 64
/* step Jacobians whose norms are computed together, sharing one product G X:
 * wider products amortise packing G, but each run holds a Krylov basis of
 * up to 65 × d doubles */
#define STEP_BATCH 64

/* ---- small helpers ---- */

/* x[i] *= 2^e, exactly (unless the result leaves the normal range) */
static void scale2(double *x, size_t n, int e)
{
	if (e == 0)
		return;
	if (e > -1000 && e < 1000) {
		double f = ldexp(1.0, e);
		for (size_t i = 0; i < n; i++)
			x[i] *= f;
	} else {
		for (size_t i = 0; i < n; i++)
			x[i] = ldexp(x[i], e);
	}
}

/* ‖x‖₂ as mant × 2^*e without overflow or underflow */
static double nrm2_scaled(const double *x, size_t n, int *e)
{
	double m = vx_maxabs(x, n);
	*e = 0;
	if (m == 0 || !isfinite(m))
		return m;
	int ex = vx_expo(m);
	double s = 0;
	if (ex > -1000 && ex < 1000) {
		double f = ldexp(1.0, -ex);
		for (size_t i = 0; i < n; i++) {
			double v = x[i] * f;
			s += v * v;
		}
	} else {
		for (size_t i = 0; i < n; i++) {
			double v = ldexp(x[i], -ex);
			s += v * v;
		}
	}
	*e = ex;
	return sqrt(s);
}

/* A bound on the relative rounding error of a spectral norm of a d×d
 * operator as computed here: its Ritz or dense value (a few d ulps) plus
 * the certificate's margin on λ.  A computed norm above one that bounds it
 * mathematically by no more than this is equal to it. */
static double norm_rounding(size_t d)
{
	return VX_SYM_TOP_REL + (8.0 * (double)d + 16) * DBL_EPSILON;
}

/* ---- result ---- */

void vx_result_free(vx_result *r)
{
	if (!r)
		return;
	gsl_matrix_free(r->a);
	gsl_matrix_free(r->s);
	gsl_vector_free(r->step_norm);
	free(r->paths);
	gsl_matrix_free(r->grad_W);
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
	r->paths = calloc(t, sizeof *r->paths);
	r->grad_W = gsl_matrix_calloc(d, d);
	if (!r->a || !r->s || !r->step_norm || !r->paths || !r->grad_W) {
		vx_result_free(r);
		return NULL;
	}
	return r;
}

/* The bytes result_alloc(d, T, t) takes. */
static double result_bytes(double d, double T, double t)
{
	return sizeof(vx_result) + (2 * T * d + T + d * d) * sizeof(double) + t * sizeof(vx_path);
}

/* ---- workspace ---- */

typedef struct {
	size_t d, T, t, p;
	vx_act act;
	gsl_matrix *Wn;         /* W × 2^-eW */
	int eW;
	double lamn;            /* ‖Wn‖₂ */
	gsl_matrix *G;          /* Wn Wnᵀ */
	double gscal;           /* c > 0 when G = c I to 1e-12 relative (Frobenius), else 0 */
	uint64_t seed;          /* a hash of the model and t: the Lanczos starts' seed */
	gsl_matrix *P, *Q;      /* the product ∂s_t/∂s_k (mantissa) and scratch */
	gsl_vector *eval;
	gsl_eigen_symm_workspace *eig;
	vx_lanczos *lz;
	vx_lanczos *lzb[STEP_BATCH];  /* the batched runs for ‖J_j‖ */
	size_t nb;              /* how many of them */
	gsl_matrix *X, *Y;      /* nb × d: D_j q_j and (D_j q_j)ᵀ G */
	gsl_matrix *CS;         /* nb × d: σ'(a_j) / 2^e_j of each slot's step */
	const gsl_matrix *a_rows; /* the result's a */
	double *c, *cs, *cprev;  /* the step norms' σ' (d each) */
	double *tmp, *g, *bc, *bs0;  /* BPTT's δ, ∂L_t/∂s_k, σ', s_0 */
	double *lc;             /* the Lyapunov pass's σ' */
	double *sn_mant;        /* ‖J_j‖₂ = sn_mant[j-1] × 2^sn_exp[j-1] */
	int *sn_exp;
	double *sn_cap;         /* max σ'(a_j) λ = sn_cap[j-1] × 2^sn_exp[j-1], its bound */
	double *pn_mant, *pn_exp; /* ‖∂s_t/∂s_k‖₂ = pn_mant[k-1] × 2^pn_exp[k-1] */
	int pzero;              /* the path pass found J_t ⋯ J_1 exactly 0 */
	gsl_matrix *dblk, *sblk;/* GRAD_BLOCK × d rows of δ_k and s_{k-1} */
	double *tau;            /* each block row's power of two */
	gsl_matrix *Ly, *Lz;    /* Lyapunov: orthonormal basis d×p and its image */
	gsl_vector *Ltau, *Le;  /* Householder coefficients (p), a column (d) */
	/* the path norms' own, so that they can run beside the rest */
	double *pc, *pcs, *ptmp;        /* 3 × d */
	size_t p_steps, p_fallbacks;    /* added to the result's counts after */
	/* the step norms' dense fallback, allocated when first needed */
	gsl_matrix *fA, *fG;
	gsl_vector *feval;
	gsl_eigen_symm_workspace *feig;
} work;

static void work_clear(work *w)
{
	gsl_matrix_free(w->Wn);
	gsl_matrix_free(w->G);
	gsl_matrix_free(w->P);
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
	gsl_matrix_free(w->Ly);
	gsl_matrix_free(w->Lz);
	gsl_vector_free(w->Ltau);
	gsl_vector_free(w->Le);
	free(w->pc);
	gsl_matrix_free(w->fA);
	gsl_matrix_free(w->fG);
	gsl_vector_free(w->feval);
	if (w->feig)
		gsl_eigen_symm_free(w->feig);
	memset(w, 0, sizeof *w);
}

/* How many step norms share one product (work.nb). */
static size_t step_batch(size_t d, size_t T)
{
	size_t nb = d <= 512 ? STEP_BATCH : d <= 1024 ? 16 : 8;
	return nb > T ? T : nb;
}

/* The bytes work_init takes, with the dense fallback of the step norms
 * (fA, fG, feval, feig), which it allocates only when Lanczos fails. */
static double work_bytes(double d, double T, size_t nb)
{
	double p = d < VX_LYAP_MAX ? d : VX_LYAP_MAX;
	double dbl = 4 * d * d              /* Wn, G, P, Q */
	             + d + 2 * d             /* eval, eig */
	             + 3 * (double)nb * d    /* X, Y, CS */
	             + 5 * d + 3 * d         /* c, pc */
	             + T                     /* sn_mant */
	             + 2 * GRAD_BLOCK * d + GRAD_BLOCK /* dblk, sblk, tau */
	             + 2 * d * p + p + d     /* Ly, Lz, Ltau, Le */
	             + 2 * d * d + 3 * d;    /* fA, fG, feval, feig */
	return dbl * sizeof(double) + T * sizeof(int) + (1 + (double)nb) * (double)vx_lanczos_bytes((size_t)d);
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
	w->P = gsl_matrix_alloc(d, d);
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
	w->sn_exp = malloc(m->T * sizeof(int));
	w->sn_cap = malloc(m->T * sizeof(double));
	w->pn_mant = malloc(2 * t * sizeof(double));
	w->dblk = gsl_matrix_alloc(GRAD_BLOCK, d);
	w->sblk = gsl_matrix_alloc(GRAD_BLOCK, d);
	w->tau = malloc(GRAD_BLOCK * sizeof(double));
	w->Ly = gsl_matrix_alloc(d, w->p);
	w->Lz = gsl_matrix_alloc(d, w->p);
	w->Ltau = gsl_vector_alloc(w->p);
	w->Le = gsl_vector_alloc(d);
	w->pc = malloc(3 * d * sizeof(double));
	if (!w->pc || !w->Wn || !w->G || !w->P || !w->Q || !w->eval || !w->eig || !w->lz || !w->c ||
	    !w->X || !w->Y || !w->CS || !w->sn_mant || !w->sn_exp || !w->sn_cap || !w->pn_mant ||
	    !w->dblk || !w->sblk || !w->tau || !w->Ly || !w->Lz || !w->Ltau || !w->Le)
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

/* ---- operators for Lanczos ---- */

typedef struct {
	const gsl_matrix *P;
	double *tmp;
} ppt_op;

/* y = P Pᵀ x: its top eigenvector is P's left singular vector, the one that
 * settles as k decreases (new factors enter P on the right) */
static void ppt_apply(const void *ctx, const double *x, double *y)
{
	const ppt_op *o = ctx;
	int d = (int)o->P->size1, tda = (int)o->P->tda;
	cblas_dgemv(CblasRowMajor, CblasTrans, d, d, 1.0, o->P->data, tda, x, 1, 0.0, o->tmp, 1);
	cblas_dgemv(CblasRowMajor, CblasNoTrans, d, d, 1.0, o->P->data, tda, o->tmp, 1, 0.0, y, 1);
}

/* The largest eigenvalue of op by Lanczos.  When that fails, op is AᵀA or
 * AAᵀ for the matrix A and θ = ‖A‖₂² comes from the dense solver, with
 * scratch (d×d) for AᵀA.  The work done is added to *steps and *fallbacks. */
static vx_status top_eig(work *w, size_t *steps, size_t *fallbacks, vx_linop op, const void *ctx,
                         const gsl_matrix *A, gsl_matrix *scratch, double *theta)
{
	size_t before = vx_lanczos_steps(w->lz);
	vx_status st = vx_lanczos_top(w->lz, op, ctx, theta);
	*steps += vx_lanczos_steps(w->lz) - before;
	if (st != VX_ENUMERIC)
		return st;
	++*fallbacks;
	double nrm;
	st = vx_norm2_dense(A, scratch, w->eval, w->eig, &nrm);
	if (st == VX_OK)
		*theta = nrm * nrm;
	vx_lanczos_reset(w->lz);
	return st;
}

/* A = diag(cs) Wn: the step Jacobian's mantissa, for the dense fallback */
static void form_dwn(const work *w, gsl_matrix *A, const double *cs)
{
	for (size_t i = 0; i < w->d; i++) {
		const double *src = vx_row(w->Wn, i);
		double *dst = vx_row(A, i);
		for (size_t j = 0; j < w->d; j++)
			dst[j] = cs[i] * src[j];
	}
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

static vx_status forward(const vx_model *m, vx_result *r, vx_error *err)
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
	}
	free(s0c);
	return VX_OK;
}

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
	for (size_t i = 0; i < d; i++)
		scale2(vx_row(w->Wn, i), d, -w->eW);
	w->lamn = 0;
	w->gscal = 0;
	if (mx > 0) {
		cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)d, (int)d, 1.0, w->Wn->data,
		            (int)w->Wn->tda, 0.0, w->G->data, (int)w->G->tda);
		for (size_t i = 0; i < d; i++)
			for (size_t l = 0; l < i; l++)
				gsl_matrix_set(w->G, i, l, gsl_matrix_get(w->G, l, i));
		w->gscal = gram_scalar(w->G);
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

/* ‖J_j‖₂ for j = 1..T.  J_j Jᵀ_j = D_j G D_j with G = Wn Wnᵀ formed once.  Up
 * to STEP_BATCH Lanczos runs, for different j, advance in lockstep so that
 * their operator applications are one product (na × d)·G instead of na
 * matrix-vector products; a run that finishes hands its slot to the next j,
 * so the product stays wide. */

/* sn_mant[j-1] marks: the same diag(σ') as step j-1 (up to a power of two) */
#define SN_SAME (-1.0)

typedef struct {
	size_t next;          /* the next j to start */
	int have_prev;        /* w->cprev holds the scaled σ' of step next-1 */
	size_t j[STEP_BATCH]; /* the step each slot works on, 0 when idle */
} step_queue;

/* Starts the next step that needs a Lanczos run in slot b, settling the
 * trivial steps (σ' = 0, or the same as the step before) on the way. */
static void step_fill(const vx_model *m, work *w, step_queue *q, size_t b)
{
	size_t d = w->d;
	q->j[b] = 0;
	while (q->next <= m->T) {
		size_t j = q->next++;
		double *cs = vx_row(w->CS, b);
		vx_act_dfv(m->act, vx_row(w->a_rows, j - 1), w->c, d);
		double cmax = vx_maxabs(w->c, d);
		if (cmax == 0 || w->lamn == 0) {
			w->sn_mant[j - 1] = w->sn_cap[j - 1] = 0;
			w->sn_exp[j - 1] = 0;
			q->have_prev = 0;
			continue;
		}
		int ec = vx_expo(cmax);
		w->sn_exp[j - 1] = ec + w->eW;
		/* ‖J_j‖ <= max σ'(a_j) ‖W‖, rounded as γλ is, so that max σ' = γ
		 * gives γλ to the bit */
		w->sn_cap[j - 1] = ldexp(cmax, -ec) * w->lamn;
		double cmin = cmax;
		for (size_t i = 0; i < d; i++) {
			cs[i] = ldexp(w->c[i], -ec);
			cmin = fmin(cmin, w->c[i]);
		}
		if (cmin == cmax || w->gscal > 0) {
			/* D_j = cI (linear, or every unit at the same point): ‖J_j‖ is
			 * c‖W‖ exactly.  G = cI: ‖J_j‖ = max σ' ‖W‖ to 5e-13. */
			w->sn_mant[j - 1] = w->sn_cap[j - 1];
			q->have_prev = 0;
			continue;
		}
		int same = q->have_prev && memcmp(cs, w->cprev, d * sizeof(double)) == 0;
		memcpy(w->cprev, cs, d * sizeof(double));
		q->have_prev = 1;
		if (same) {
			w->sn_mant[j - 1] = SN_SAME;
			continue;
		}
		q->j[b] = j;
		vx_lanczos_begin(w->lzb[b]);
		return;
	}
}

static vx_status step_norms(const vx_model *m, work *w, vx_result *r)
{
	size_t d = w->d, nb = w->nb;
	w->a_rows = r->a;
	step_queue q = { 1, 0, { 0 } };
	size_t map[STEP_BATCH];
	for (size_t b = 0; b < nb; b++) {
		vx_lanczos_seed(w->lzb[b], w->seed + SEED_STEP * (b + 2));
		step_fill(m, w, &q, b);
	}
	for (;;) {
		size_t na = 0;
		for (size_t b = 0; b < nb; b++) {
			if (!q.j[b])
				continue;
			const double *v = vx_lanczos_next(w->lzb[b]), *cs = vx_row(w->CS, b);
			double *x = vx_row(w->X, na);
			for (size_t i = 0; i < d; i++)
				x[i] = cs[i] * v[i];
			map[na++] = b;
		}
		if (na == 0)
			break;
		gsl_matrix_view Xv = gsl_matrix_submatrix(w->X, 0, 0, na, d);
		gsl_matrix_view Yv = gsl_matrix_submatrix(w->Y, 0, 0, na, d);
		if (gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, &Xv.matrix, w->G, 0.0, &Yv.matrix))
			return VX_ENUMERIC;
		for (size_t a = 0; a < na; a++) {
			size_t b = map[a];
			const double *cs = vx_row(w->CS, b);
			double *y = vx_row(w->Y, a), theta;
			for (size_t i = 0; i < d; i++)
				y[i] *= cs[i];
			size_t before = vx_lanczos_steps(w->lzb[b]);
			int res = vx_lanczos_feed(w->lzb[b], y, &theta);
			r->lanczos_steps += vx_lanczos_steps(w->lzb[b]) - before;
			if (res == 0)
				continue;
			if (res < 0) {
				/* the dense fallback on J_j's mantissa, in buffers of its
				 * own (the path norms may be using P and Q) */
				double nrm;
				r->fallbacks++;
				if (!w->fA && !(w->fA = gsl_matrix_alloc(d, d)))
					return VX_ENOMEM;
				if (!w->fG && !(w->fG = gsl_matrix_alloc(d, d)))
					return VX_ENOMEM;
				if (!w->feval && !(w->feval = gsl_vector_alloc(d)))
					return VX_ENOMEM;
				if (!w->feig && !(w->feig = gsl_eigen_symm_alloc(d)))
					return VX_ENOMEM;
				form_dwn(w, w->fA, cs);
				vx_status st = vx_norm2_dense(w->fA, w->fG, w->feval, w->feig, &nrm);
				if (st)
					return st;
				theta = nrm * nrm;
			}
			w->sn_mant[q.j[b] - 1] = sqrt(theta);
			step_fill(m, w, &q, b);
		}
	}
	double win = norm_rounding(d);
	for (size_t j = 1; j <= m->T; j++) {
		double *sn = &w->sn_mant[j - 1], cap = w->sn_cap[j - 1];
		if (*sn == SN_SAME)
			*sn = w->sn_mant[j - 2];
		/* a Ritz value is below the top eigenvalue up to rounding, and λ is
		 * certified: anything above the cap beyond that is an engine error */
		if (*sn > cap) {
			if (*sn > cap * (1 + win))
				return VX_EINTERNAL;
			*sn = cap;
		}
		gsl_vector_set(r->step_norm, j - 1, ldexp(*sn, w->sn_exp[j - 1]));
	}
	return VX_OK;
}

/* ---- pass 2: the paths ---- */

/* ‖∂s_t/∂s_k‖₂ for k = t−1 down to 1 into pn_mant/pn_exp, and whether the
 * whole product J_t ⋯ J_1 is exactly 0 (w->pzero). */
static vx_status path_norms(const vx_model *m, work *w, vx_result *r)
{
	size_t d = w->d, t = w->t;
	w->pn_mant[t - 1] = 1;
	w->pn_exp[t - 1] = 0;
	w->pzero = 0;

	double pn = 1.0, E = 0;  /* ‖P‖ = pn × 2^E */
	int zero = 0;
	double *c = w->pc, *cs = w->pcs;
	ppt_op o = { w->P, w->ptmp };
	vx_lanczos_seed(w->lz, w->seed + SEED_STEP);

	/* k = 0 is the product J_t ⋯ J_1, formed (not its norm) only to see
	 * whether it is exactly 0: a nilpotent W, dead units */
	for (size_t k = t - 1;; k--) {
		size_t j = k + 1;   /* P_k = P_{k+1} J_{k+1} */
		if (!zero) {
			vx_act_dfv(m->act, vx_row(r->a, j - 1), c, d);
			double cmax = vx_maxabs(c, d);
			if (cmax == 0 || w->lamn == 0)
				zero = 1;
		}
		if (!zero) {
			double cmax = vx_maxabs(c, d);
			if (k == t - 1) {
				/* P_{t-1} = J_t: no product with the identity */
				int ec = vx_expo(cmax);
				for (size_t i = 0; i < d; i++) {
					double f = ldexp(c[i], -ec);
					const double *src = vx_row(w->Wn, i);
					double *dst = vx_row(w->P, i);
					for (size_t l = 0; l < d; l++)
						dst[l] = f * src[l];
				}
				E = ec + w->eW;
			} else {
				/* Q = P diag(σ') / (max σ' ‖P‖), all by powers of two; P = Q Wn */
				int e = vx_expo(cmax) + vx_expo(pn);
				for (size_t i = 0; i < d; i++)
					cs[i] = ldexp(c[i], -e);
				for (size_t i = 0; i < d; i++) {
					const double *src = vx_row(w->P, i);
					double *dst = vx_row(w->Q, i);
					for (size_t l = 0; l < d; l++)
						dst[l] = src[l] * cs[l];
				}
				if (gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, w->Q, w->Wn, 0.0, w->P))
					return VX_ENUMERIC;
				E += e + w->eW;
			}
			if (k == 0) {
				zero = vx_maxabs_matrix(w->P) == 0;
				break;
			}
			double theta;
			vx_status st = top_eig(w, &w->p_steps, &w->p_fallbacks, ppt_apply, &o, w->P, w->Q, &theta);
			if (st)
				return st;
			pn = sqrt(theta);
			if (pn == 0) {
				zero = 1;
			} else if (pn < 0x1p-500 || pn > 0x1p500) {
				/* cancellation far below or above 1: renormalise P itself */
				int e = vx_expo(pn);
				for (size_t i = 0; i < d; i++)
					scale2(vx_row(w->P, i), d, -e);
				pn = ldexp(pn, -e);
				E += e;
			}
		}
		if (k == 0)
			break;
		w->pn_mant[k - 1] = zero ? 0 : pn;
		w->pn_exp[k - 1] = zero ? 0 : E;
	}
	w->pzero = zero;
	return VX_OK;
}

/* 1, 0 or −1 as a × 2^ae is above, equal to or below b × 2^be (a, b >= 0
 * and finite, exponents integers held in doubles) */
static int cmp2(double a, double ae, double b, double be)
{
	if (a == 0 || b == 0)
		return (a > 0) - (b > 0);
	int x, y;
	a = frexp(a, &x);
	b = frexp(b, &y);
	ae += x;
	be += y;
	if (ae != be)
		return ae > be ? 1 : -1;
	return (a > b) - (a < b);
}

/* The three columns of every path: (γλ)^{t−k}, Π_{j=k+1..t} ‖J_j‖ and the
 * norms, made to respect ‖∂s_t/∂s_k‖ <= Π‖J_j‖ <= (γλ)^{t−k} as computed.
 *
 * The product and the bound are accumulated the same way, one rounded
 * multiplication per step of mantissas in [½, 1) (a normal product, so each
 * result is the exact product rounded as if the exponent range were
 * unbounded), and every ‖J_j‖ is at most the rounded max σ'(a_j) λ <= γλ:
 * rounding is monotone, so the product can never come out above the
 * bound, and when every ‖J_j‖ is
 * γλ (a linear network; every unit at σ's steepest point) the two are the
 * same bits.  The error of either is at most t−k ulps, where pow(γλ, t−k)
 * had one, but λ itself carries half an ulp, which the exact power already
 * multiplies by t−k.
 *
 * A norm above the product is rounding (exactly, ‖P J‖ <= ‖P‖ ‖J‖): each
 * product P_{k+1}(D_j Wn) adds an error of at most d(d+2) ulps of ‖P_{k+1}‖
 * ‖D_j‖ ‖Wn‖ (|fl(AB) − AB| <= γ_d |A||B|, ‖|A|‖₂ <= √d ‖A‖₂), i.e. of the
 * cap max σ'(a_j) λ over ‖J_j‖ times ‖P_{k+1}‖ ‖J_j‖, and each norm adds its
 * own (norm_rounding).  A norm above the product by no more than the sum of
 * those is equal to it; one beyond means a wrong step norm or product: an
 * engine error. */
static vx_status bounds_and_products(const vx_model *m, work *w, vx_result *r)
{
	size_t d = w->d, t = w->t;
	double gm = vx_act_gamma(m->act) * w->lamn;   /* γλ = gm × 2^eW: γ is a power of two */
	r->lyap_bound = gm > 0 ? log(gm) + w->eW * VX_LN_2 : -INFINITY;
	int xg;
	gm = frexp(gm, &xg);   /* γλ = gm × 2^(eW + xg), gm in [½, 1) */
	double pm = 1, pe = 0, bm = 1, be = 0, win = norm_rounding(d);
	double ulps = (double)d * (double)(d + 2) * DBL_EPSILON;
	for (size_t k = t; k >= 1; k--) {
		vx_path *pk = &r->paths[k - 1];
		pk->k = k;
		pk->gap = t - k;
		if (k < t) {
			size_t j = k + 1;
			int x, xs;
			double sn = w->sn_mant[j - 1], sm = frexp(sn, &xs);
			pm = frexp(pm * sm, &x);
			pe = pm == 0 ? 0 : pe + x + xs + w->sn_exp[j - 1];
			bm = frexp(bm * gm, &x);
			be = bm == 0 ? 0 : be + x + xg + w->eW;
			if (sn > 0)
				win += ulps * (w->sn_cap[j - 1] / sn) + norm_rounding(d);
		}
		if (cmp2(pm, pe, bm, be) > 0)
			return VX_EINTERNAL;
		double *nm = &w->pn_mant[k - 1], *ne = &w->pn_exp[k - 1];
		if (cmp2(*nm, *ne, pm, pe) > 0) {
			if (cmp2(*nm, *ne, pm * (1 + win), pe) > 0)
				return VX_EINTERNAL;
			*nm = pm;
			*ne = pe;
		}
		pk->bound = vx_mag_ldexp(bm, be);
		pk->step_product = vx_mag_ldexp(pm, pe);
		pk->norm = vx_mag_ldexp(*nm, *ne);
		if (k == 1)
			break;
	}
	return VX_OK;
}

/* ---- pass 2b: BPTT, contributions and ∂L_t/∂W ---- */

typedef struct {
	int have;      /* grad holds something */
	double E;      /* grad_W (mantissa) × 2^E */
	size_t nb;     /* rows waiting in the block */
} gradacc;

static void grad_flush(work *w, vx_result *r, gradacc *ga)
{
	if (ga->nb == 0)
		return;
	double taumax = -INFINITY;
	for (size_t b = 0; b < ga->nb; b++)
		taumax = fmax(taumax, w->tau[b]);
	if (!ga->have) {
		ga->E = taumax;
		ga->have = 1;
	} else if (taumax > ga->E) {
		for (size_t i = 0; i < w->d; i++)
			scale2(vx_row(r->grad_W, i), w->d, (int)(ga->E - taumax));
		ga->E = taumax;
	}
	for (size_t b = 0; b < ga->nb; b++) {
		double sh = w->tau[b] - ga->E;   /* <= 0 */
		if (sh < -1100)
			memset(vx_row(w->dblk, b), 0, w->d * sizeof(double));
		else
			scale2(vx_row(w->dblk, b), w->d, (int)sh);
	}
	gsl_matrix_view D = gsl_matrix_submatrix(w->dblk, 0, 0, ga->nb, w->d);
	gsl_matrix_view S = gsl_matrix_submatrix(w->sblk, 0, 0, ga->nb, w->d);
	gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, &D.matrix, &S.matrix, 1.0, r->grad_W);
	ga->nb = 0;
}

static vx_status backprop(const vx_model *m, work *w, vx_result *r)
{
	size_t d = w->d, t = w->t;
	double *g = w->g, *delta = w->tmp;
	gradacc ga = { 0, 0, 0 };
	double *s0 = w->bs0;   /* s_0 as a contiguous vector */
	for (size_t i = 0; i < d; i++)
		s0[i] = gsl_vector_get(m->s0, i);

	/* g_t = ∂L_t/∂s_t = s_t − y, and L_t = ½‖g_t‖² */
	const double *st_ = vx_row(r->s, t - 1);
	for (size_t i = 0; i < d; i++)
		g[i] = st_[i] - gsl_vector_get(m->y, i);
	int ge;
	double gn = nrm2_scaled(g, d, &ge);
	r->loss = vx_mag_ldexp(0.5 * gn * gn, 2.0 * ge);
	double mg = vx_maxabs(g, d);
	int gzero = mg == 0;
	double Eg = 0;
	if (!gzero) {
		int e = vx_expo(mg);
		scale2(g, d, -e);
		Eg = e;
	}

	for (size_t k = t; k >= 1; k--) {
		vx_path *pk = &r->paths[k - 1];
		pk->contribution = vx_mag_ldexp(0, 0);
		if (!gzero) {
			/* δ_k = σ'(a_k) ⊙ g_k; the path-k term is δ_k s_{k-1}ᵀ */
			vx_act_dfv(m->act, vx_row(r->a, k - 1), w->bc, d);
			for (size_t i = 0; i < d; i++)
				delta[i] = w->bc[i] * g[i];
			double md = vx_maxabs(delta, d);
			if (md == 0) {
				gzero = 1;
			} else {
				int e = vx_expo(md);
				scale2(delta, d, -e);
				double Ed = Eg + e;
				const double *sp = k == 1 ? s0 : vx_row(r->s, k - 2);
				int de, se;
				double dn = nrm2_scaled(delta, d, &de);
				double sn = nrm2_scaled(sp, d, &se);
				pk->contribution = vx_mag_ldexp(dn * sn, Ed + de + se);
				if (sn > 0) {
					int es = vx_expo(vx_maxabs(sp, d));
					memcpy(vx_row(w->dblk, ga.nb), delta, d * sizeof(double));
					double *sb = vx_row(w->sblk, ga.nb);
					memcpy(sb, sp, d * sizeof(double));
					scale2(sb, d, -es);
					w->tau[ga.nb] = Ed + es;
					if (++ga.nb == GRAD_BLOCK)
						grad_flush(w, r, &ga);
				}
				if (k > 1) {
					/* g_{k-1} = Wᵀ δ_k */
					cblas_dgemv(CblasRowMajor, CblasTrans, (int)d, (int)d, 1.0, w->Wn->data,
					            (int)w->Wn->tda, delta, 1, 0.0, g, 1);
					double mx = vx_maxabs(g, d);
					if (mx == 0 || !isfinite(mx)) {
						gzero = 1;
					} else {
						int e2 = vx_expo(mx);
						scale2(g, d, -e2);
						Eg = Ed + w->eW + e2;
					}
				}
			}
		}
		if (k == 1)
			break;
	}
	grad_flush(w, r, &ga);

	r->grad_log10_scale = 0;
	if (!ga.have) {
		gsl_matrix_set_zero(r->grad_W);
		r->grad_norm = vx_mag_ldexp(0, 0);
		return VX_OK;
	}
	/* grad_W is d×d with tda = d: one contiguous block */
	int fe;
	double fn = nrm2_scaled(r->grad_W->data, d * d, &fe);
	r->grad_norm = vx_mag_ldexp(fn, ga.E + fe);
	double mx = vx_maxabs(r->grad_W->data, d * d);
	if (mx == 0)
		return VX_OK;
	double top = vx_expo(mx) + ga.E;
	if (top <= 1024 && top >= -1021) {
		for (size_t i = 0; i < d * d; i++)
			r->grad_W->data[i] = ldexp(r->grad_W->data[i], (int)ga.E);
	} else {
		r->grad_log10_scale = ga.E * VX_LOG10_2;
	}
	return VX_OK;
}

/* ---- pass 3: Lyapunov exponents ---- */

/* Householder QR of Z in place; Y = its thin orthonormal factor (Q e_l, l < p) */
static vx_status thin_qr(work *w, gsl_matrix *Z, gsl_matrix *Y)
{
	if (gsl_linalg_QR_decomp(Z, w->Ltau))
		return VX_ENUMERIC;
	for (size_t l = 0; l < w->p; l++) {
		gsl_vector_set_basis(w->Le, l);
		if (gsl_linalg_QR_Qvec(Z, w->Ltau, w->Le))
			return VX_ENUMERIC;
		gsl_matrix_set_col(Y, l, w->Le);
	}
	return VX_OK;
}

static vx_status lyapunov(const vx_model *m, work *w, vx_result *r)
{
	size_t d = w->d, p = w->p;
	double sums[VX_LYAP_MAX] = { 0 };
	/* a fixed random orthonormal start */
	gsl_rng *rng = vx_rng_alloc(VX_LYAP_SEED);
	if (!rng)
		return VX_ENOMEM;
	vx_fill_gaussian(w->Lz, rng, 1.0);
	gsl_rng_free(rng);
	if (thin_qr(w, w->Lz, w->Ly))
		return VX_ENUMERIC;

	for (size_t j = 1; j <= m->T; j++) {
		vx_act_dfv(m->act, vx_row(r->a, j - 1), w->lc, d);
		double cmax = vx_maxabs(w->lc, d);
		if (cmax == 0 || w->lamn == 0) {
			for (size_t l = 0; l < p; l++)
				sums[l] = -INFINITY;
			break;
		}
		int ec = vx_expo(cmax);
		/* Z = J_j Y: Wn Y, rows scaled by σ'(a_j)/2^ec */
		if (gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, w->Wn, w->Ly, 0.0, w->Lz))
			return VX_ENUMERIC;
		for (size_t i = 0; i < d; i++) {
			double f = ldexp(w->lc[i], -ec);
			double *zr = vx_row(w->Lz, i);
			for (size_t l = 0; l < p; l++)
				zr[l] *= f;
		}
		if (thin_qr(w, w->Lz, w->Ly))
			return VX_ENUMERIC;
		/* |R_ll| is the growth of the l-th direction in this step */
		for (size_t l = 0; l < p; l++) {
			double rll = fabs(gsl_matrix_get(w->Lz, l, l));
			sums[l] += rll > 0 ? log(rll) + (ec + w->eW) * VX_LN_2 : -INFINITY;
		}
	}
	r->lyap_count = p;
	for (size_t l = 0; l < p; l++)
		r->lyap_top[l] = sums[l] / (double)m->T;
	r->lyap_max = r->lyap_top[0];
	return VX_OK;
}

/* least-squares slope of log10 ‖∂s_t/∂s_k‖ against t − k */
static double fit_rate(const vx_result *r)
{
	double sx = 0, sy = 0;
	size_t n = 0;
	for (size_t k = 1; k <= r->t; k++) {
		double y = r->paths[k - 1].norm.log10;
		if (isfinite(y)) {
			sx += (double)r->paths[k - 1].gap;
			sy += y;
			n++;
		}
	}
	if (n < 2)
		return NAN;
	double mx = sx / n, my = sy / n, sxy = 0, sxx = 0;
	for (size_t k = 1; k <= r->t; k++) {
		double y = r->paths[k - 1].norm.log10;
		if (isfinite(y)) {
			double dx = (double)r->paths[k - 1].gap - mx;
			sxy += dx * (y - my);
			sxx += dx * dx;
		}
	}
	return sxx > 0 ? sxy / sxx : NAN;
}

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

/* BPTT and the Lyapunov exponents, taken one at a time by whichever thread
 * is free first (*next counts the tasks handed out).  With d = 64 and T =
 * 10000 the step norms take 0.39 s and the path norms 0.22 s: the two short
 * tasks belong beside the path norms there, and beside the step norms at
 * d = 256, where the path norms take twice as long as the step norms. */
static vx_status short_tasks(const vx_model *m, work *w, vx_result *r, atomic_int *next)
{
	for (;;) {
		int task = atomic_fetch_add(next, 1);
		vx_status st = task == 0 ? backprop(m, w, r) : task == 1 ? lyapunov(m, w, r) : VX_OK;
		if (st || task > 1)
			return st;
	}
}

typedef struct {
	const vx_model *m;
	work *w;
	vx_result *r;
	atomic_int *next;
	vx_status st;
} path_task;

static void *path_thread(void *arg)
{
	path_task *pt = arg;
	pt->st = path_norms(pt->m, pt->w, pt->r);
	if (!pt->st)
		pt->st = short_tasks(pt->m, pt->w, pt->r, pt->next);
	return NULL;
}

/* The path norms and the step norms, each followed by what is left of BPTT
 * and the Lyapunov exponents, on two threads when the policy allows them.
 * The four tasks share only read-only data and write different fields, each
 * with buffers of its own. */
static vx_status passes(const vx_model *m, work *w, vx_result *r, int threads)
{
	vx_status st;
	atomic_int next;
	atomic_init(&next, 0);
	path_task pt = { m, w, r, &next, VX_OK };
	pthread_t th;
	int two = threads >= 2 && w->t > 1;
	if (two && pthread_create(&th, NULL, path_thread, &pt) != 0)
		two = 0;
	if (!two)
		path_thread(&pt);
	st = step_norms(m, w, r);
	if (!st)
		st = short_tasks(m, w, r, &next);
	if (two)
		pthread_join(th, NULL);
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
	st = bounds_and_products(m, w, r);
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
	static const vx_exec serial = { 1, 0 };
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
	w.seed = model_seed(m, t);

	st = forward(m, r, err);
	if (st)
		goto fail;
	if ((st = norm_of_w(m, &w, r)) || (st = passes(m, &w, r, ex->threads))) {
		vx_fail(err, st, "the analysis failed: %s", vx_strerror(st));
		goto fail;
	}
	r->rate = fit_rate(r);
	work_clear(&w);
	*out = r;
	return VX_OK;
fail:
	work_clear(&w);
	vx_result_free(r);
	return st;
}
