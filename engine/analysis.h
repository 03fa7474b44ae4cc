/*
 * analysis.h — the derivation of DESIGN.md section 1 computed for one model.
 *
 * For the loss step t and every k = 1..t:
 *   ‖∂s_t/∂s_k‖₂          with ∂s_t/∂s_k = J_t J_{t-1} … J_{k+1},  J_j = diag(σ'(a_j)) W
 *   Π_{j=k+1..t} ‖J_j‖₂    the product of per-step norms
 *   (γλ)^{t−k}             the textbook bound, λ = ‖W‖₂
 *   ‖(∂L_t/∂s_t)(∂s_t/∂s_k)(∂⁺s_k/∂W)‖_F   the contribution of path k
 * and ∂L_t/∂W = Σ_k of those terms (BPTT); beside them the summed loss
 * L = Σ_{t=1}^{T} L_t that training uses and ∂L/∂W, by one more backward
 * pass.  Layout: numerator layout, J[i][l] = ∂s_{j,i}/∂s_{j-1,l}.
 *
 * Memory is O(d² + T·d): the product is streamed over k and never more than
 * a few d×d matrices are held.  Magnitudes that leave the range of a double
 * are carried as log10 (vx_mag), so 0.25^1000 and 3^1000 come out right.
 *
 * Cost: one d×d×d product per k while ∂s_t/∂s_k has full numerical rank
 * (the floor for forming every ∂s_t/∂s_k in full), r×d×d once its singular
 * values above the rounding level number r: the chain is then carried as a
 * truncated factorisation whose error is bounded as it goes, 1e-12 of each
 * norm at most, else it falls back to the full product (engine/lowrank.h;
 * d >= 64, chain_truncations and chain_rank below say what it did), plus
 * the spectral norms, which are never full SVDs: a Lanczos iteration on
 * P Pᵀ warm-started from the previous k's left singular vector (a few steps
 * each, since new factors enter P on the right), and for the T step norms
 * Lanczos runs on D_j (W Wᵀ) D_j batched so that they share one matrix
 * product per step, each orthogonalising against its last two vectors only
 * (vx_lanczos_set_local: the whole basis cost as much as the products).
 * Each stops only when the residual of its Ritz pair is below 1e-13 of θ
 * (for the step norms, computed from the Ritz vector itself; a close pair
 * of singular values cannot stop it early),
 * from a start with a random component seeded by a hash of the model (no W
 * can be built against it, and a run is reproduced bit for bit), with a
 * dense eigen-solver as fallback (counted in fallbacks).  λ = ‖W‖₂ is
 * certified once per run (Lanczos, then a Cholesky factorisation showing
 * nothing above it).  Measured at d = 256, T = t = 1000 (tanh, λ = 1, one
 * core, load average 1.3): 0.68 s, 1.36 s with the chain in full, against
 * 0.86 s for the 1000 bare dgemm products alone.
 *
 * Every row keeps ‖∂s_t/∂s_k‖ <= Π‖J_j‖ <= (γλ)^{t−k} and ‖J_j‖ <= max σ'(a_j) λ
 * as computed, not only up to rounding: a value above the one that bounds it
 * by no more than its proven rounding error is set equal to it, and the
 * product and the bound are accumulated alike, so that when every ‖J_j‖ is
 * γλ they are the same bits.  Where the maths makes norms exact (W = λI, a
 * permutation, D_j = cI) they are computed exactly.
 */
#ifndef VX_ANALYSIS_H
#define VX_ANALYSIS_H

#include <math.h>
#include <stddef.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>
#include "engine/exec.h"
#include "engine/model.h"

/* A non-negative magnitude that may lie outside the range of a double.
 * One more state: log10 -INFINITY with fits 0 is an underflow, a value
 * that came out 0 though it is not known to be 0 (too small to carry
 * beside the rest of its matrix: vx_net_result.underflow_steps). */
typedef struct {
	double value;  /* the magnitude, when fits; else 0 */
	double log10;  /* log10 of the magnitude, always set; -INFINITY when exactly 0 */
	int fits;      /* 1 when value holds it as a normal double (or exact 0) */
} vx_mag;

/* 1 for vx_mag's underflow state above */
static inline int vx_mag_is_underflow(vx_mag m)
{
	return !m.fits && m.log10 == -INFINITY;
}

/* A vx_mag from its log10 (value filled when it fits a normal double). */
vx_mag vx_mag_from_log10(double l10);
/* A vx_mag for mant × 10^l10scale, mant >= 0 (exact when l10scale is 0;
 * otherwise within a few ulps).  NaN mant gives value NaN, log10 NaN, fits 0. */
vx_mag vx_mag_scaled(double mant, double l10scale);
/* A vx_mag for mant × 2^e2 (e2 an integer held in a double), mant >= 0:
 * exact when the product is a normal double. */
vx_mag vx_mag_ldexp(double mant, double e2);
/* σ'(x) as a magnitude, at any x: a saturated unit's lies below the doubles
 * (10^-400; vx_act_df_split). */
vx_mag vx_dact_mag(vx_act a, double x);
/* The product of two magnitudes (exact when both and the product fit). */
vx_mag vx_mag_mul(vx_mag a, vx_mag b);

typedef struct {
	size_t k;             /* 1..t */
	size_t gap;           /* t − k */
	vx_mag norm;          /* ‖∂s_t/∂s_k‖₂ */
	vx_mag step_product;  /* Π_{j=k+1..t} ‖J_j‖₂ (1 for k = t) */
	vx_mag bound;         /* (γλ)^{t−k} */
	vx_mag contribution;  /* Frobenius norm of path k's term of ∂L_t/∂W */
	/* That term is the outer product δ_k s_{k−1}ᵀ, δ_k = (∂L_t/∂s_k)ᵀ ⊙ σ'(a_k):
	 * the d×d×d tensor ∂⁺s_k/∂W, (i,p,q) ↦ σ'(a_{k,i}) [i = p] s_{k−1,q},
	 * contracted with ∂L_t/∂s_k, never formed.  Its Frobenius norm is the
	 * product of its factors' norms, contribution = delta_norm × sprev_norm. */
	vx_mag delta_norm;    /* ‖δ_k‖₂ */
	vx_mag sprev_norm;    /* ‖s_{k−1}‖₂ (s_0 for k = 1) */
} vx_path;

#define VX_LYAP_MAX 4
/* The seed of the Lyapunov pass's fixed random start (N(0,1) entries,
 * vx_fill_gaussian), the same in vx_analyse and vx_net_analyse, so that one
 * vanilla layer gives the model's exponents. */
#define VX_LYAP_SEED 1000003u

typedef struct {
	size_t t;             /* loss step */
	size_t d, T;
	double gamma;         /* γ = max σ' */
	double lambda;        /* λ = ‖W‖₂ of the model as used */
	gsl_matrix *a;        /* T×d, row j-1 = a_j */
	gsl_matrix *s;        /* T×d, row j-1 = s_j */
	vx_mag loss;          /* L_t = ½‖s_t − y‖² */
	gsl_vector *step_norm;/* T entries: ‖J_j‖₂ at index j-1 (0 where it is below the doubles) */
	vx_mag *step_mag;     /* T entries: the same, any magnitude (saturated units: 10^-400) */
	vx_path *paths;       /* t entries: paths[k-1] */
	gsl_matrix *grad_W;   /* d×d: ∂L_t/∂W = grad_W × 10^grad_log10_scale */
	double grad_log10_scale; /* 0 whenever the gradient fits a double */
	vx_mag grad_norm;     /* ‖∂L_t/∂W‖_F */
	/* The loss training sums, L = Σ_{t=1}^{T} L_t (over the whole sequence,
	 * whatever the loss step t), and ∂L/∂W = Σ_t Σ_{k<=t} (term k of
	 * ∂L_t/∂W), by one backward pass whose adjoint takes in ∂L_t/∂s_t = s_t − y
	 * at every step: O(T d²), not the O(T² d²) of T separate passes. */
	vx_mag loss_sum;      /* L = Σ_t L_t */
	gsl_matrix *grad_sum_W; /* d×d: ∂L/∂W = grad_sum_W × 10^grad_sum_log10_scale */
	double grad_sum_log10_scale; /* 0 whenever it fits a double */
	vx_mag grad_sum_norm; /* ‖∂L/∂W‖_F */
	vx_mag grad_sum_near; /* ‖Σ_t (term k = t of ∂L_t/∂W)‖_F: each loss reaching W
	                       * at its own step, through no Jacobian J_j */
	vx_mag grad_sum_far;  /* ‖Σ_t Σ_{k<t} (term k of ∂L_t/∂W)‖_F: what reaches W
	                       * through at least one J_j; near + far matrices = ∂L/∂W */
	double lyap_max;      /* top Lyapunov exponent per step (natural log), from
	                       * QR re-orthonormalisation of J_T … J_1: an estimate;
	                       * -INFINITY, exactly, when the product of the J_j is
	                       * exactly 0 (a nilpotent W, dead or saturated units) */
	double lyap_bound;    /* ln(γλ); -INFINITY when γλ = 0 */
	double rate;          /* measured decay/growth of ‖∂s_t/∂s_k‖ per step, as
	                       * log10 per unit gap (least squares over the gaps
	                       * whose norm is not 0); NaN with fewer than 2 points */
	size_t lyap_count;    /* how many exponents lyap_top holds (min(d, VX_LYAP_MAX)) */
	double lyap_top[VX_LYAP_MAX]; /* the exponents of the QR iteration's first
	                       * columns, in column order (asymptotically the largest
	                       * few, largest first); lyap_top[0] = lyap_max */
	size_t lanczos_steps; /* work done for the norms: operator applications */
	size_t fallbacks;     /* norms that needed the dense eigen-solver (λ included
	                       * when its certificate failed) */
	size_t chain_truncations; /* times the chain of ∂s_t/∂s_k dropped rows below the
	                       * rounding level (engine/lowrank.h; 0: carried in full) */
	size_t chain_rank;    /* the rows it held at k = 1: d in full, fewer once
	                       * truncated, d again when it fell back to the full product */
	size_t chain_shared;  /* products of the chain computed half on each of two
	                       * threads (the other's passes done; the same bits) */
	vx_exec exec;         /* the thread policy it ran under ({ 1, 0 } for none),
	                       * for analyses of the same network's variants */
} vx_result;

/* Runs the forward pass and every quantity above for loss step t (1..T;
 * else VX_EUSAGE as vx_loss_step_check), on the threads ex allows (NULL:
 * the caller's alone; exec.h); the numbers do not depend on them.  VX_ENONFINITE with err naming the
 * step (and about VX_PARAM_NORM, the remedy) when the forward pass leaves
 * the range of a double (possible only for relu/linear); VX_EINTERNAL if a norm
 * breaks one of the inequalities above by more than its rounding error (an
 * engine fault, never seen); VX_ECANCELLED, within one step of its loops,
 * once ex->stop is set (exec.h), with all it allocated freed and *out NULL.
 * *out is caller-freed; its exec is ex's policy without the stop flag. */
vx_status vx_analyse(const vx_model *m, size_t t, const vx_exec *ex, vx_result **out, vx_error *err);

/* VX_EUSAGE (err about VX_PARAM_T) unless the loss step t is from 1 to T. */
vx_status vx_loss_step_check(size_t t, size_t T, vx_error *err);

void vx_result_free(vx_result *r);       /* NULL-safe */

/* The memory, in bytes, vx_analyse needs at its peak for a model of hidden
 * size d over T steps and loss step t (not counting the model: see
 * vx_model_bytes): the result it returns (a and s, T×d each, t paths, ∂L_t/∂W
 * and the summed loss's ∂L/∂W)
 * and the workspace it frees before returning, counted from the
 * allocations themselves (with the dense fallbacks that only a failed
 * Lanczos run needs).  vx_fd_check afterwards needs less than that
 * workspace.  Saturates at SIZE_MAX.  For a front end to refuse, before
 * allocating anything, a size the machine cannot hold. */
size_t vx_analyse_bytes(size_t d, size_t T, size_t t);

/* J_j = diag(σ'(a_j)) W for 1 <= j <= T, into J (d×d), from a result's a. */
vx_status vx_step_jacobian(const vx_model *m, const vx_result *r, size_t j, gsl_matrix *J);

/* σ'(a_j) into v (d). */
vx_status vx_step_dact(const vx_model *m, const vx_result *r, size_t j, gsl_vector *v);

/* ∂s_t/∂s_k (1 <= k <= t <= T) into P (d×d) as P × 10^*log10_scale
 * (scale 0 when it fits).  Cost O((t−k) d³). */
vx_status vx_dsds(const vx_model *m, const vx_result *r, size_t t, size_t k,
                  gsl_matrix *P, double *log10_scale);

/* Columns cols[0..ncols-1] of ∂s_t/∂s_k into X (d×ncols) as X × 10^*log10_scale
 * (scale 0 when they fit): each column is carried through J_{k+1}, …, J_t as
 * a vector, so the cost is O((t−k) d² ncols) rather than vx_dsds's
 * O((t−k) d³).  The scale moves in whole decades. */
vx_status vx_dsds_columns(const vx_model *m, const vx_result *r, size_t t, size_t k, const size_t *cols,
                          size_t ncols, gsl_matrix *X, double *log10_scale);

/* ---- finite-difference verification (central differences) ---- */

/* ∂s_j/∂a_j and ∂a_j/∂s_{j−1} by finite differences, into D and A (d×d). */
vx_status vx_fd_dsda(const vx_model *m, const vx_result *r, size_t j, gsl_matrix *D);
vx_status vx_fd_dads(const vx_model *m, const vx_result *r, size_t j, gsl_matrix *A);

/* A relative error of the finite-difference check at or below this agrees. */
#define VX_FD_TOL 1e-6

/* Why a relative error of vx_fdcheck is NaN. */
typedef enum {
	VX_FD_MEASURED = 0,  /* it is not: the error was measured */
	VX_FD_UNRESOLVED,    /* every column or entry too sensitive for double precision */
	VX_FD_AT_KINK,       /* every column or entry moves a ReLU pre-activation that sits
	                      * exactly on the kink 0, where σ' is not defined */
	VX_FD_TOO_LARGE      /* the analytic value does not fit a double */
} vx_fd_why;

typedef struct {
	size_t j;             /* the step used for ∂s_j/∂a_j and ∂a_j/∂s_{j−1} */
	size_t k;             /* the k used for ∂s_t/∂s_k */
	double dsda;          /* max relative error, analytic vs finite differences */
	double dads;
	double dsds;
	double dLdW;          /* NaN when ∂L_t/∂W does not fit a double, or when no
	                       * entry could be resolved (see unresolved) */
	size_t dLdW_entries;  /* how many entries of ∂L_t/∂W were compared */
	size_t columns;       /* how many columns of the three d×d matrices were checked */
	size_t unresolved;    /* entries of the four left out as beyond what double
	                       * precision resolves (the sum of left[]): every entry of
	                       * a column (or each entry of ∂L_t/∂W) whose map is too
	                       * sensitive (chaotic or exploding horizons: the step
	                       * needed is below 2^-30 of the value) or whose perturbed
	                       * runs leave the range of a double, and each entry that
	                       * misses its analytic value by more than VX_FD_TOL but
	                       * by no more than rounding can (σ rounded to ±1 in
	                       * saturation, entries far below the largest); an error
	                       * is NaN when all its entries were left out */
	size_t left[4];       /* of unresolved: those of dsda, dads, dsds, dLdW */
	size_t kinks;         /* ReLU pre-activations a_{j,i} (j <= t) exactly at the kink
	                       * 0, where σ' is not defined (taken as 0) and differences
	                       * cannot match it; elsewhere steps stop short of kinks */
	size_t at_kink;       /* columns and entries left out because a pre-activation they
	                       * move sits exactly on a kink (not counted in unresolved) */
	vx_fd_why why[4];     /* for dsda, dads, dsds, dLdW: why the error is NaN */
} vx_fdcheck;

/* The gap t − k over which the finite-difference checks difference
 * ∂S_t/∂S_k: the largest one up to 8 whose norm lies within [1e-4, 1e4],
 * so that differences of S_t neither drown in rounding nor leave the
 * linear regime; 1 when none does (0 for t = 1).  The norm of path k
 * (1 <= k < t) is at norm0 + (k − 1) × stride bytes: the norm member of
 * vx_result's or vx_net_result's paths, whose element size is the stride. */
size_t vx_fd_gap(const vx_mag *norm0, size_t stride, size_t t);

/* Checks each identity against central differences at bounded cost (entries
 * are sampled for large d; the counts say how many).  Relative errors are
 * measured against the largest entry of the analytic matrix (of the
 * differences, when the analytic matrix is 0).  An error above VX_FD_TOL
 * means a formula is wrong: what rounding alone could produce is left out
 * and counted instead (unresolved), never reported as an error.  Every step
 * is chosen from how far the perturbation moves the pre-activations,
 * whatever the scale of the values (λ = 1e-300 and λ = 1.8e308 are checked
 * like λ = 1). */
vx_status vx_fd_check(const vx_model *m, const vx_result *r, vx_fdcheck *out);
/* The same, on the threads ex allows (NULL: the caller's alone; exec.h):
 * with two, the runs of the ∂L_t/∂W entries are shared with a thread of
 * its own beside the columns' runs.  The numbers do not depend on it, bit
 * for bit.  ex->stop is not read: the check runs to its end. */
vx_status vx_fd_check_on(const vx_model *m, const vx_result *r, const vx_exec *ex, vx_fdcheck *out);

#endif
