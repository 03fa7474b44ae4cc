/*
 * net_analysis.h — the derivation of DESIGN.md sections 1 and 1b computed for
 * a stack of vanilla, LSTM or GRU layers (vx_net), for the loss step t:
 *
 *   ‖∂S_t/∂S_k‖₂ for every k (S the full state, every layer's h and c), and
 *   per layer the blocks ‖∂h^l_t/∂h^l_k‖₂ and, for LSTM, ‖∂c^l_t/∂c^l_k‖₂;
 *   the per-step norms ‖J_j‖₂ and their products over j = k+1..t;
 *   a bound b_j >= ‖J_j‖₂ from the gates' ranges and its products;
 *   ∂L_t/∂θ by BPTT for every parameter of every layer, and the term of each
 *   path k for every weight_hh; the top Lyapunov exponents; the rate and the
 *   horizon; per weight matrix and gate block σ_max and the spectral radius;
 *   saturation of units and gates, and the LSTM forget gates' mean and spread.
 *
 * Layout: numerator layout as in analysis.h, states ordered as in net.h.
 * For one vanilla layer every number equals vx_analyse's on the same weights
 * (b = bias_ih + bias_hh).
 *
 * Memory O(D² + T·D): the product ∂S_t/∂S_k is streamed over k.  Cost: per k
 * one product P J_{k+1} that skips J's zero blocks (above the block diagonal;
 * the diagonal (h, c) and (c, c) blocks of an LSTM layer, which are
 * diagonal): for one LSTM layer D·D·d multiply-adds, half a D×D dgemm; the
 * norms by warm-started Lanczos (linalg.h); the T step norms by Lanczos runs
 * on J_jᵀ J_j advanced in lockstep, whose operator applications for all runs
 * are a few dgemms with the weights (net_step.h).
 */
#ifndef VX_NET_ANALYSIS_H
#define VX_NET_ANALYSIS_H

#include <stddef.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>
#include "engine/analysis.h"
#include "engine/net.h"

/* How the bound b_j on ‖J_j‖₂ was formed. */
typedef enum {
	VX_NET_BOUND_GAMMA_LAMBDA = 0, /* one vanilla layer: b_j = γλ, λ = ‖weight_hh‖₂,
	                                * so the gap bound is (γλ)^{t−k} */
	VX_NET_BOUND_GATES             /* every other network: b_j = ‖N_j‖₂, N_j the
	                                * matrix of bounds on the norms of J_j's blocks
	                                * (net_stats.c), each from the weights' gate
	                                * blocks' σ_max, the largest values the gates
	                                * and their derivatives can take (σ' <= ¼,
	                                * tanh' <= 1, gates in (0, 1)), and the state
	                                * factors of step j (LSTM |c_{j−1}|; GRU
	                                * |u_j| and |h_{j−1} − n_j|) at their largest */
} vx_net_bound_kind;

typedef struct {
	size_t k;             /* 1..t */
	size_t gap;           /* t − k */
	vx_mag norm;          /* ‖∂S_t/∂S_k‖₂ */
	vx_mag step_product;  /* Π_{j=k+1..t} ‖J_j‖₂ (1 for k = t) */
	vx_mag bound;         /* Π_{j=k+1..t} b_j (1 for k = t) */
} vx_net_path;

/* ∂L_t/∂θ for one layer's parameters, shapes as the parameters. */
typedef struct {
	gsl_matrix *w_ih, *w_hh;
	gsl_vector *b_ih, *b_hh;
} vx_net_grad;

/* Per layer: the weights' spectra and what the gates did over the run. */
typedef struct {
	double sigma_hh;        /* ‖weight_hh‖₂ (G·d × d) */
	double sigma_ih;        /* ‖weight_ih‖₂ */
	double gate_sigma_hh[4];/* ‖block g of weight_hh‖₂ (d×d), g < G, PyTorch's order */
	double gate_sigma_ih[4];/* ‖block g of weight_ih‖₂ (d × n_l) */
	double gate_radius[4];  /* spectral radius of block g of weight_hh */
	/* Saturation over all units and steps 1..T: a unit or gate is saturated
	 * where its derivative is below a tenth of its largest (σ' < 1/40 for a
	 * logistic gate, i.e. the gate below 0.026 or above 0.974; tanh' < 1/10,
	 * |tanh| > 0.949; the vanilla σ' < γ/10, so ReLU's dead units).  low: on
	 * the negative side (a logistic gate closed), high: the positive side. */
	double gate_low[4], gate_high[4];
	double cell_sat;        /* LSTM: fraction of (unit, step) with tanh'(c) < 1/10; else NaN */
	double keep_mean;       /* LSTM: the forget gate f; GRU: the update gate z (its
	                         * h_t = z h_{t−1} + …): mean over units and steps; rnn NaN */
	double keep_sd;         /* their standard deviation; rnn NaN */
} vx_net_layer_stats;

typedef enum { VX_HORIZON_NONE = 0, VX_HORIZON_VANISH, VX_HORIZON_EXPLODE } vx_horizon;
#define VX_HORIZON_LOW  1e-3   /* ‖∂S_t/∂S_k‖ below this: vanished */
#define VX_HORIZON_HIGH 1e3    /* above this: exploded */

typedef struct {
	vx_cell cell;
	size_t t, T, L, d, D;
	vx_net_fwd *fwd;            /* the forward pass (owned) */
	vx_mag loss;                /* L_t = ½‖h^{L−1}_t − y‖² */
	vx_mag *step_norm;          /* T: ‖J_j‖₂ at index j−1 */
	vx_mag *step_bound;         /* T: b_j at index j−1 (see bound_kind); both
	                             * beyond a double too (‖J_j‖ = σ'(a) λ = 1e-310 at
	                             * λ = 1e-300; a GRU's b_j grows as λ²) */
	vx_net_bound_kind bound_kind;
	vx_net_path *paths;         /* t entries: paths[k−1] */
	vx_mag *h_norm;             /* t × L: [(k−1) L + l] = ‖∂h^l_t/∂h^l_k‖₂ */
	vx_mag *c_norm;             /* LSTM: t × L, ‖∂c^l_t/∂c^l_k‖₂; else NULL */
	vx_mag *contribution;       /* t × L: [(k−1) L + l] = Frobenius norm of path k's
	                             * term of ∂L_t/∂weight_hh_l (weight_hh_l used at step
	                             * k alone) */
	vx_net_grad *grad;          /* L entries: ∂L_t/∂θ = grad × 10^grad_log10_scale */
	double grad_log10_scale;    /* 0 whenever every gradient fits a double */
	vx_mag grad_norm;           /* Frobenius norm over every parameter */
	vx_mag *grad_hh_norm;       /* L: ‖∂L_t/∂weight_hh_l‖_F */
	/* The loss training uses, summed over the whole sequence whatever t:
	 * L = Σ_{k=1}^{T} L_k (L_k = ½‖h^{L−1}_k − y‖²), and ∂L/∂θ from one
	 * backward pass whose adjoint takes in h_k − y at every step k. */
	vx_mag loss_sum;
	vx_net_grad *grad_sum;      /* L entries: ∂L/∂θ = grad_sum × 10^grad_sum_log10_scale */
	double grad_sum_log10_scale;/* 0 whenever every entry fits a double */
	vx_mag grad_sum_norm;       /* Frobenius norm over every parameter */
	double lyap_max;            /* top Lyapunov exponent per step (natural log), from
	                             * QR re-orthonormalisation of J_T ⋯ J_1: an estimate */
	size_t lyap_count;          /* min(D, VX_LYAP_MAX) */
	double lyap_top[VX_LYAP_MAX];
	double lyap_bound;          /* mean of ln b_j over j = 1..T: the exponent cannot
	                             * exceed it (ln(γλ) for one vanilla layer) */
	double rate;                /* least-squares slope of log10 ‖∂S_t/∂S_k‖ per unit
	                             * gap (as vx_result.rate); NaN with fewer than 2 points */
	vx_horizon horizon_kind;    /* how ‖∂S_t/∂S_k‖ first left [1e-3, 1e3] */
	size_t horizon;             /* at which gap t − k (0 with VX_HORIZON_NONE) */
	vx_net_layer_stats *stats;  /* L entries */
	size_t block_underflow;     /* a stack's block norms (h or c of a layer, at
	                             * a gap) that came out 0 beside a whole P_k that
	                             * did not, after one more than 10^-250 below it:
	                             * beyond 10^-308 of P_k's largest entries, lost
	                             * to the chain's one power of two (they read
	                             * underflow, fits = 0) */
	size_t underflow_steps;     /* steps j whose J_j lost a coefficient (a σ', a gate
	                             * or its derivative) that is not 0 but is 0 or
	                             * subnormal beside the others (net_step.h,
	                             * vx_net_coef_lost): where this is not 0, a block
	                             * norm, path term or gradient that comes out 0
	                             * may be one too small to carry beside the rest of
	                             * its matrix, and the norms and gradient norms
	                             * that are 0 are in vx_mag's underflow state (not
	                             * the path terms: one is 0 in truth where the
	                             * state before it is); with one layer the whole-
	                             * state norms, step norms and gradient norm keep
	                             * their digits (net_step.h) */
	size_t lanczos_steps;       /* operator applications for all norms */
	size_t fallbacks;           /* norms that needed the dense eigen-solver */
	size_t chain_truncations;   /* times the chain of ∂S_t/∂S_k dropped rows below the
	                             * rounding level (engine/lowrank.h; 0: carried in full) */
	size_t chain_rank;          /* the rows it held last: D in full, fewer once truncated,
	                             * D again when it fell back to the full product */
	size_t chain_shared;        /* products of the chain computed half on each of two
	                             * threads (no effect on any number) */
	size_t steps_shared;        /* so too of the step norms' batched products (one
	                             * GRU layer: chunks of its steps) */
	size_t tasks_shared;        /* passes (BPTT, the Lyapunov exponents, the gates'
	                             * spectral radii) the chain's thread took, its walk
	                             * done, beside the step norms (no effect either) */
} vx_net_result;

/* Runs the forward pass and everything above for loss step t (1..T), on
 * the threads ex allows (NULL: the caller's alone; exec.h), which do not
 * change the numbers.
 * VX_EUSAGE for t out of range; VX_ENONFINITE (err naming step and layer)
 * when the forward pass leaves the range of a double; VX_ENOMEM;
 * VX_ECANCELLED once ex->stop is set (exec.h), within one step of the
 * chain, the step norms, BPTT or the Lyapunov pass (the forward pass runs
 * to its end), with all it allocated freed.  *out is caller-freed with
 * vx_net_result_free (which frees everything it points to). */
vx_status vx_net_analyse(const vx_net *net, size_t t, const vx_exec *ex, vx_net_result **out,
                         vx_error *err);
void vx_net_result_free(vx_net_result *r);   /* NULL-safe */

/* ---- finite differences (net_fd.c) ---- */

/* Central differences (Richardson pairs) against the analytic values. */
typedef struct {
	size_t j;             /* the step whose J_j was compared */
	size_t k;             /* ∂S_t/∂S_k compared at this k */
	size_t nblk;          /* L, or 2L for LSTM: J's row and column blocks (layer l's h
	                       * is block l, or 2l and its c 2l+1 for LSTM) */
	double *block;        /* nblk × nblk: max |analytic − FD| of block (a, b) of J_j over
	                       * the block's largest analytic entry (over J's largest when
	                       * the block is 0, e.g. above the block diagonal) */
	double dSdS;          /* ∂S_t/∂S_k, relative to its largest entry */
	double *param;        /* L × 4: ∂L_t/∂ weight_ih, weight_hh, bias_ih, bias_hh of
	                       * each layer, over the largest analytic entry of that
	                       * parameter's gradient (NaN when it does not fit a double) */
	size_t entries;       /* parameter entries compared (all for small networks,
	                       * else the largest few of each) */
} vx_net_fdcheck;

/* Fills *out (its arrays allocated; release them with vx_net_fdcheck_clear).  j is
 * the step for J_j (1..T) and k for ∂S_t/∂S_k (1..t); max_entries caps the
 * entries compared per parameter (0: all). */
vx_status vx_net_fd_check(const vx_net *net, const vx_net_result *r, size_t j, size_t k,
                          size_t max_entries, vx_net_fdcheck *out);
/* Frees fd's arrays and zeroes it (NULL, a zeroed or a cleared one too). */
void vx_net_fdcheck_clear(vx_net_fdcheck *fd);

#endif
