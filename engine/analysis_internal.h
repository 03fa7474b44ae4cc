/*
 * analysis_internal.h — PRIVATE to vx_analyse; its interface is analysis.h.
 *
 * The workspace the passes share and the passes themselves, one file each:
 *   analysis.c        the result, the workspace, the forward pass, λ = ‖W‖₂,
 *                     the threads that run the passes, vx_analyse
 *   analysis_steps.c  ‖J_j‖₂ for every j, Lanczos runs in lockstep
 *   analysis_paths.c  ‖∂s_t/∂s_k‖₂ down the chain of products, then the
 *                     bounds and products beside them
 *   analysis_bptt.c   BPTT: the path contributions and ∂L_t/∂W, and the
 *                     summed loss Σ_t L_t with its ∂L/∂W
 *   analysis_lyap.c   the Lyapunov exponents
 * Only those files include this header; its names begin vx_an_.
 */
#ifndef VX_ANALYSIS_INTERNAL_H
#define VX_ANALYSIS_INTERNAL_H

#include <float.h>
#include <sched.h>
#include <stdint.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>
#include "engine/analysis.h"
#include "engine/exec.h"
#include "engine/linalg.h"
#include "engine/packed.h"
#include "engine/rowshare.h"

/* Seeds of the Lanczos streams: the model's hash plus multiples of an odd
 * constant, one per run that needs its own (λ, the paths, each step slot). */
#define SEED_STEP 0x9e3779b97f4a7c15u
/* rows of the gradient accumulated per dgemm */
#define GRAD_BLOCK 64
/* step Jacobians whose norms are computed together, sharing one product G X:
 * wider products amortise packing G, but each run holds a Krylov basis of
 * up to 65 × d doubles */
#define STEP_BATCH 64

/* One step of the chain (rows × d by d × d), on a helper too when one
 * waits and there are rows enough (rowshare.h), each thread scaling the
 * rows it multiplies: the same bits as one dgemm.  With cs: S ← S diag(cs)
 * B, X its scratch.  Without (cs NULL, when every column's factor is the
 * same power of two alpha): X ← alpha S B, no copy of S made, and the
 * caller swaps the two.  Scaling by a power of two is exact outside the
 * subnormal range, where an entry lies some 2^-500 below P's norm (P is
 * renormalised beyond that) and changes no norm.  h may be NULL.  With pk
 * set (B's panels, packed.h) the products are packed.c's, not BLAS's. */
vx_status vx_an_chain_dgemm(vx_rowshare *h, gsl_matrix *S, gsl_matrix *X, const double *cs, double alpha,
                            const gsl_matrix *B, const vx_packed *pk);

/* The workspace of one run, allocated once for (d, T, t) by analysis.c;
 * each pass writes its own fields and reads the shared ones (W, G, λ). */
typedef struct {
	size_t d, T, t, p;
	vx_act act;
	gsl_matrix *Wn;         /* W × 2^-eW */
	int eW;
	double lamn;            /* ‖Wn‖₂ */
	gsl_matrix *G;          /* Wn Wnᵀ */
	vx_packed pwn, pg;      /* Wn and G in panels (packed.h; .on 0: by BLAS) */
	double gscal;           /* c > 0 when G = c I to 1e-12 relative (Frobenius), else 0 */
	uint64_t seed;          /* a hash of the model and t: the Lanczos starts' seed */
	gsl_matrix *Q;          /* scratch (d×d) of λ's certificate */
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
	double *sn_exp;
	double *sn_cap;         /* max σ'(a_j) λ = sn_cap[j-1] × 2^sn_exp[j-1], its bound */
	double *pn_mant, *pn_exp; /* ‖∂s_t/∂s_k‖₂ = pn_mant[k-1] × 2^pn_exp[k-1] */
	int pzero;              /* the path pass found J_t ⋯ J_1 exactly 0 */
	gsl_matrix *dblk, *sblk;/* GRAD_BLOCK × d rows of δ_k and s_{k-1} */
	double *tau;            /* each block row's power of two */
	/* the summed loss's pass (after BPTT, on its thread), which reuses
	 * dblk, sblk, tau, g, tmp, bc and bs0 for the far terms */
	gsl_matrix *nblk;       /* GRAD_BLOCK × d rows of the near terms' δ */
	double *ntau;           /* their powers of two */
	gsl_matrix *gnear;      /* d×d: Σ_t of the terms k = t, as mantissa × 2^E */
	double *sv;             /* 3 × d: s_k − y, the near δ, the whole δ */
	gsl_matrix *Ly, *Lt, *Lz; /* Lyapunov: orthonormal basis p×d (as rows), its
	                        * image p×d, and the image scaled, d×p, for the QR */
	gsl_vector *Ltau, *Le;  /* Householder coefficients (p), a column (d) */
	/* the path norms' own, so that they can run beside the rest */
	double *pc, *pcs, *ptmp;        /* 3 × d */
	size_t p_steps, p_fallbacks;    /* added to the result's counts after */
	/* the step norms' dense fallback, allocated when first needed */
	gsl_matrix *fA, *fG;
	gsl_vector *feval;
	gsl_eigen_symm_workspace *feig;
	const atomic_int *stop; /* the caller's stop flag (exec.h; NULL: none) */
	vx_rowshare *help;      /* the idle thread lent to the chain (NULL: none) */
	/* With two threads the forward pass runs on the path norms' thread
	 * while this one computes λ and then the step norms, each j once the
	 * forward has it (analysis.c, passes): its steps done, -1 when it
	 * ended without the rest; and λ's state for the path norms, which wait
	 * for it: 0 pending, 1 in place, -1 failed. */
	atomic_long fwd_done;
	atomic_long w_ready;
} work;

/* Waits until the other thread has stored at least want into *x (a release
 * store; read here with acquire): 0, or -1 when it stored a negative value
 * instead (its pass failed).  The waits are short (the first step norms
 * behind the forward pass, the path norms behind λ): it spins, then yields
 * the core. */
static inline int vx_an_await(atomic_long *x, long want)
{
	for (unsigned spins = 0;; spins++) {
		long v = atomic_load_explicit(x, memory_order_acquire);
		if (v >= want)
			return 0;
		if (v < 0)
			return -1;
		if (spins >= 64)
			sched_yield();
	}
}

/* A bound on the relative rounding error of a spectral norm of a d×d
 * operator as computed here: its Ritz or dense value (a few d ulps) plus
 * the certificate's margin on λ.  A computed norm above one that bounds it
 * mathematically by no more than this is equal to it. */
static inline double vx_an_norm_rounding(size_t d)
{
	return VX_SYM_TOP_REL + (8.0 * (double)d + 16) * DBL_EPSILON;
}

/* The passes, after the forward pass and λ (the result's a and s, w->Wn,
 * w->eW, w->G, w->lamn and w->seed in place; the step norms read step j
 * once w->fwd_done has reached it, and return VX_ECANCELLED when it falls
 * to -1).  Each returns VX_OK or the
 * status that ends the run.  vx_an_step_norms and vx_an_path_norms write
 * disjoint fields and may run on two threads at once; so may
 * vx_an_backprop and vx_an_lyapunov beside either. */

/* ‖J_j‖₂ for j = 1..T into r->step_norm (and w->sn_mant, sn_exp, sn_cap);
 * VX_EINTERNAL when one exceeds its bound max σ'(a_j) λ beyond rounding. */
vx_status vx_an_step_norms(const vx_model *m, work *w, vx_result *r);

/* ‖∂s_t/∂s_k‖₂ for k = t−1 down to 1 into w->pn_mant, pn_exp, and whether
 * J_t ⋯ J_1 is exactly 0 (w->pzero); its Lanczos work in w->p_steps and
 * w->p_fallbacks. */
vx_status vx_an_path_norms(const vx_model *m, work *w, vx_result *r);

/* The bytes vx_an_path_norms allocates for its chain (freed on return). */
size_t vx_an_path_bytes(size_t d);

/* Once both norms are in: every path's k, gap, bound, step product and
 * norm, and r->lyap_bound; VX_EINTERNAL when a norm breaks
 * ‖∂s_t/∂s_k‖ <= Π‖J_j‖ <= (γλ)^{t−k} beyond rounding. */
vx_status vx_an_bounds_and_products(const vx_model *m, work *w, vx_result *r);

/* BPTT from L_t: r->loss, every path's contribution (and its factors'
 * norms), r->grad_W with grad_log10_scale and grad_norm; then the summed
 * loss L = Σ_t L_t: r->loss_sum, r->grad_sum_W with its scale, and the
 * norms grad_sum_norm, grad_sum_near and grad_sum_far. */
vx_status vx_an_backprop(const vx_model *m, work *w, vx_result *r);

/* r->lyap_count, lyap_top and lyap_max by QR re-orthonormalisation of
 * J_j Y, j = 1..T, from vx_rng_alloc(VX_LYAP_SEED)'s fixed start. */
vx_status vx_an_lyapunov(const vx_model *m, work *w, vx_result *r);

#endif
