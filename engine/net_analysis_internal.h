/*
 * net_analysis_internal.h — PRIVATE to vx_net_analyse; its interface is
 * net_analysis.h.
 *
 * The passes of vx_net_analyse, one job a file:
 *   net_analysis.c  the result, the network the derivatives are taken
 *                   from, the order and threads of the passes,
 *                   vx_net_analyse, and the summary (products, rate,
 *                   horizon) once every pass is in
 *   net_norms.c     spectral norms: dense for small matrices, else Lanczos
 *                   runs in lockstep, the path blocks' and the step norms
 *   net_chain.c     ∂S_t/∂S_k down the chain of products, a producer and a
 *                   consumer on threads of their own
 *   net_bptt.c      BPTT: the loss, the path contributions, every gradient
 *   net_lyap.c      the Lyapunov exponents
 *   net_stats.c     the weights' spectra, the bound b_j on ‖J_j‖₂, and what
 *                   the gates did over the run
 * Only those files include this header; its names begin vx_na_.
 */
#ifndef VX_NET_ANALYSIS_INTERNAL_H
#define VX_NET_ANALYSIS_INTERNAL_H

#include <pthread.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix.h>
#include "engine/exec.h"
#include "engine/linalg.h"
#include "engine/lowrank.h"
#include "engine/net_analysis.h"
#include "engine/net_step.h"
#include "engine/rowshare.h"

/* ---- norms (net_norms.c) ---- */

/* Dense fallback scratch for square blocks of size n, allocated on first use. */
typedef struct {
	size_t n;
	gsl_matrix *G;
	gsl_vector *eval;
	gsl_eigen_symm_workspace *ws;
} dense_fb;

/* Frees f's scratch and zeroes it (a zeroed one too). */
void vx_na_dense_clear(dense_fb *f);
/* ‖A‖₂ of a square A by the dense eigen-solver, f's scratch resized to A. */
vx_status vx_na_dense_norm(dense_fb *f, const gsl_matrix *A, double *out);

/* The norms of P and of diagonal blocks of it (q = 0 the whole P, q > 0 the
 * block at rows and columns off[q]..off[q]+sz[q]) by Lanczos on A Aᵀ, the
 * runs advanced in lockstep, each iteration two matrix-vector products on
 * each run's own block (net_norms.c has the figures against one product of
 * P with all the runs' vectors).
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
	double *tmp;         /* 2D: a run's B Bᵀ v, then Bᵀ v */
	size_t steps, fallbacks;  /* Lanczos steps and dense fallbacks, in all */
	const atomic_int *stop;   /* the caller's stop flag (exec.h; NULL: none) */
} lockstep;

/* The whole state and, per layer of net, its h block and (LSTM) its c
 * block; -1 when out of memory (then vx_na_lock_clear). */
int vx_na_lock_init(lockstep *ls, const vx_net *net);
/* Frees ls's members and zeroes it. */
void vx_na_lock_clear(lockstep *ls);
/* The norms of P and of its blocks as above into out (nq entries).  With
 * roff and rsz (nq entries each), P is the factor M of a chain carried in
 * factored form (lowrank.h): the whole is its first rsz[0] rows, block q's
 * rows are roff[q] .. roff[q] + rsz[q] − 1 and its columns those of the
 * block as before, ‖P‖₂ = ‖M‖₂ and ‖P[I_q, I_q]‖₂ = ‖M_q[:, I_q]‖₂; each
 * run's Lanczos workspace must then have dimension rsz[q]
 * (vx_lanczos_set_dim).  NULL: P's rows are the state's, as its columns.
 * VX_ECANCELLED, before the next Lanczos step, once ls->stop is set. */
vx_status vx_na_lock_norms(lockstep *ls, const gsl_matrix *P, const size_t *roff, const size_t *rsz, dense_fb *fb,
                           double *out);

/* ‖J_j‖₂ for j = 1..T into r->step_norm (its Lanczos work into r), from
 * jn, net's network for the derivatives (see vx_na_jacobian_net), whose
 * steps are 2^-ej J_j; the lower rows of its batched products on help's
 * thread when one waits there (NULL: none; rowshare.h).  VX_ECANCELLED
 * once *stop is set (exec.h). */
vx_status vx_na_step_norms(const vx_net *jn, int ej, vx_net_result *r, const atomic_int *stop,
                           vx_rowshare *help);

/* 1 when the step norms of a network of this cell, layers and state size
 * come from the explicit J_j Jᵀ_j (one GRU layer, 48 < D <= 512) rather
 * than from batched Lanczos runs (net_norms.c; net_bytes.c counts them). */
int vx_na_step_gram(vx_cell cell, size_t L, size_t D);

/* ---- the network the derivatives are taken from (net_analysis.c) ---- */

/* A vanilla step J_j = diag(σ'(a_j)) weight_hh (and, in a stack, the paths
 * up through weight_ih inside the step) holds weight_hh exactly once in
 * every block, so weight_hh × 2^-ej in every layer gives 2^-ej J_j exactly:
 * with ej the exponent of weight_hh's largest entry, the passes form J_j
 * with entries near σ'(a_j) whatever λ is, where σ'(a_j) λ would underflow
 * (σ' = 1e-10 at λ = 1e-300).  The gated cells' steps also hold terms
 * without weight_hh (diag(f), diag(z)): for them ej = 0. */
typedef struct {
	vx_net net;             /* net's, but for the layers */
	vx_net_layer *layer;    /* their weight_hh scaled; NULL when ej = 0 */
	int ej;
} vx_na_jnet;

/* jn for net: shares everything with it but weight_hh; VX_ENOMEM. */
vx_status vx_na_jacobian_net(const vx_net *net, vx_na_jnet *jn);
/* Frees jn's copies and zeroes it. */
void vx_na_jacobian_net_clear(vx_na_jnet *jn);

/* ---- the chain of products (net_chain.c) ---- */

/* The chain runs as a producer and a consumer, on two threads beside the
 * other passes when there are two cores (chain_run): the producer forms
 * J_{k+1} and P_k = P_{k+1} J_{k+1} (a dgemm, compute-bound), the consumer
 * the norms of P_k (Lanczos, bound by memory bandwidth), on different k at
 * once.  P_k lives in one of NSLOT buffers, held by the consumer until its
 * norms are taken and by the producer until P_{k−1} is formed from it.
 * Once the chain is carried in factored form (lowrank.h, one row block per
 * diagonal block normed), a buffer holds its factor M and probe rows, with
 * the rows of each block beside it (lay). */
#define NSLOT 3

typedef struct {
	const vx_net *net;
	vx_net_result *r;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	gsl_matrix *P[NSLOT];  /* vx_lr_capacity(D, blocks) × D */
	int refs[NSLOT];     /* 0 free, -1 being written, else holders */
	size_t kof[NSLOT];
	double Eof[NSLOT];   /* ∂S_t/∂S_k = P × 2^E */
	size_t *lay[NSLOT];  /* when factored: the whole's and each block's first row and rows, 2 nq;
	                      * lay[s][0] = SIZE_MAX when P is the state's rows */
	unsigned ver[NSLOT]; /* the basis of M: changes with every rotation */
	size_t zero_from;    /* P_k = 0 exactly for k <= zero_from (0: none) */
	int finished;        /* the producer has stopped */
	vx_status pst, cst;  /* the producer's and the consumer's failures */
	/* the producer's */
	int ej;              /* J is formed as 2^-ej J_j (vx_na_jnet) */
	gsl_matrix *J;
	int jset;            /* J holds a step Jacobian: its pattern's zeros are in place */
	double *coef;
	vx_net_ws ws;
	int prev;
	double E;
	vx_lowrank lr;       /* the factored form's state */
	unsigned basis;      /* the version of M's basis */
	double *lower;       /* lower bounds of the block norms (nq) */
	vx_rowshare *help;   /* the thread done with the other passes, lent to
	                      * the products (NULL: none; vx_na_chain_help) */
	/* the consumer's */
	vx_rowshare *lend;   /* where the consumer, its walk done, lends itself to
	                      * the caller's step norms until vx_rowshare_done
	                      * (NULL: it returns) */
	void (*tasks)(void *); /* what the consumer does after its walk, before */
	void *tasks_arg;     /* it lends itself (NULL: nothing) */
	lockstep ls;
	dense_fb fb;
	double *nrm;
	unsigned seen;       /* the basis its Lanczos runs were sized for (-1u: the state's) */
	const atomic_int *stop; /* the caller's stop flag (exec.h; NULL: none): either
	                     * walk ends with VX_ECANCELLED at its next k once it is set */
} chain;

/* c for net (whose steps are 2^-ej J_j: vx_na_jnet) and its result r: the
 * slots, J, the norms' lockstep, the factored form's state (its random
 * vectors seeded by a hash of the weights and inputs); VX_ENOMEM (then
 * vx_na_chain_clear, which takes a half-initialised chain). */
vx_status vx_na_chain_init(chain *c, const vx_net *net, int ej, vx_net_result *r);
void vx_na_chain_clear(chain *c);
/* The producer's and the consumer's walks from k = t − 1 down, each for a
 * thread of its own (arg: the chain); the producer ends with
 * c->finished, a failure in c->pst or c->cst, and lets c->help go
 * (vx_rowshare_done).  Set c->help before the producer starts for its
 * products to be shared with the thread that calls vx_rowshare_help on it
 * (rowshare.h: only with a BLAS that computes on its caller's thread). */
void *vx_na_producer_thread(void *arg);
/* ... and the consumer's, which then helps at c->lend when it is set */
void *vx_na_consumer_thread(void *arg);
/* Both walks on the caller's thread, alternating; the first failure. */
vx_status vx_na_chain_inline(chain *c);
/* k = t, the identity: norm 1 in every path field of r. */
void vx_na_path_identity(vx_net_result *r);

/* ---- the other passes ---- */

/* σ_max of every layer's weights and of their gate blocks into r->stats
 * (net_stats.c). */
vx_status vx_na_weight_stats(const vx_net *net, vx_net_result *r);
/* The spectral radius of gate block g (0..3) of layer l's weight_hh into
 * r->stats[l].gate_radius[g] (net_stats.c; NaN where LAPACK fails or the
 * cell has no gate g); VX_ECANCELLED, with nothing computed, once stop is
 * set.  Writes only that entry: it may run beside any other pass, and
 * beside itself for another block. */
vx_status vx_na_gate_radius(const vx_net *net, vx_net_result *r, size_t l, size_t g, const atomic_int *stop);
/* b_j for every step into r->step_bound, and r->bound_kind (net_stats.c,
 * which derives the bound); after vx_na_weight_stats. */
vx_status vx_na_step_bounds(const vx_net *net, vx_net_result *r);
/* Saturation and the keep gate's mean and spread into r->stats
 * (net_stats.c). */
void vx_na_gate_stats(const vx_net *net, vx_net_result *r);
/* BPTT: r->loss, r->contribution, r->grad with its scale and norms
 * (net_bptt.c), through jn's steps 2^-ej J_j.  VX_ECANCELLED once *stop is
 * set (exec.h), as the next. */
vx_status vx_na_backprop(const vx_net *jn, int ej, vx_net_result *r, const atomic_int *stop);
/* The summed loss: r->loss_sum and r->grad_sum with its scale and norm
 * (net_bptt.c), one backward pass from step T whose adjoint takes in
 * h_k − y at every step k, through jn's steps 2^-ej J_j; VX_ECANCELLED as
 * vx_na_backprop. */
vx_status vx_na_backprop_sum(const vx_net *jn, int ej, vx_net_result *r, const atomic_int *stop);
/* r->lyap_count, lyap_top, lyap_max (net_lyap.c), through jn's steps
 * 2^-ej J_j. */
vx_status vx_na_lyapunov(const vx_net *jn, int ej, vx_net_result *r, const atomic_int *stop);

#endif
