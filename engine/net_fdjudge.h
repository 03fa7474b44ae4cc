/*
 * net_fdjudge.h — a finite-difference check of a network's analysis
 * (net_analysis.h) that says FAIL only when a derivative is wrong.
 *
 * vx_net_fd_check (net_analysis.h) reports the largest difference between
 * each analytic derivative and its central difference.  Where double
 * precision cannot resolve a difference — gates saturated until σ' has no
 * digit left in the values differenced, a chaotic or exploding horizon, a
 * ReLU kink inside the step — that difference is as large as a wrong
 * formula's, and a front end cannot tell the two apart.  Here every entry
 * is differenced three times, with steps h, h/4 and h/16 (each a
 * Richardson pair, error O(h⁴)), and the middle estimate, compared, carries
 * the rounding floor of the values it differences (12δ/h for values
 * rounded by δ = 4ε max |f|).  An entry that misses its analytic value by
 * more than the tolerance is
 *   left out (unresolved) unless its three estimates agree, and rounding
 *   cannot move the middle one, to a quarter of the tolerance: the
 *   difference itself is not settled, so it proves nothing;
 *   at a kink when the network is a ReLU stack with a pre-activation
 *     exactly at 0 (where σ' is a convention and a two-sided difference sees
 *     the mean of the sides);
 *   a failure otherwise: differences that agree with each other and not
 *     with the formula.
 * A wrong formula makes the estimates agree with the true derivative and so
 * fails; rounding, kinks and chaos make them disagree and are left out, and
 * counted.
 */
#ifndef VX_NET_FDJUDGE_H
#define VX_NET_FDJUDGE_H

#include <stddef.h>
#include "engine/exec.h"
#include "engine/net_analysis.h"

/* How one of the three compared quantities came out. */
typedef struct {
	double error;      /* the largest relative error of the entries compared
	                    * (passed or failed); NaN when none was */
	size_t compared;   /* entries compared */
	size_t failed;     /* of them, beyond the tolerance (VX_FD_TOL) */
	size_t left;       /* entries left out: not resolved by the differences */
	size_t at_kink;    /* entries left out: a ReLU pre-activation exactly at 0 */
	int too_large;     /* the analytic value does not fit a double: nothing compared */
} vx_net_fditem;

/* The items: the step Jacobian J_j, ∂S_t/∂S_k, the parameters' ∂L_t/∂θ. */
enum { VX_NET_FD_J = 0, VX_NET_FD_DSDS, VX_NET_FD_GRAD, VX_NET_FD_ITEMS };

typedef struct {
	size_t j, k;          /* J_j and ∂S_t/∂S_k were compared at these steps */
	size_t nblk;          /* J's row and column blocks: L, or 2L for LSTM (net_analysis.h) */
	double *block;        /* nblk × nblk: the largest relative error of each block of
	                       * J_j (against the block's largest analytic entry, or J's
	                       * when the block is 0); NaN when none of its entries was
	                       * compared */
	double *param;        /* L × 4: the largest relative error of ∂L_t/∂ weight_ih,
	                       * weight_hh, bias_ih, bias_hh of each layer (against the
	                       * largest analytic entry of that gradient); NaN when none
	                       * was compared */
	size_t kinks;         /* ReLU pre-activations exactly at 0 over steps 1..t */
	size_t columns;       /* columns of J_j and of ∂S_t/∂S_k differenced: D, or
	                       * fewer spread over every block (max_columns) */
	size_t shared;        /* steps of the parameters' runs computed in two parts,
	                       * on two threads (no effect on any number) */
	vx_net_fditem item[VX_NET_FD_ITEMS];
} vx_net_fdjudge;

/* Fills *out (its arrays allocated; release with vx_net_fdjudge_clear):
 * every column of J_j (1 <= j <= T) and of ∂S_t/∂S_k (1 <= k <= t, from
 * S_k by the forward map), and for each parameter every entry of its
 * gradient when max_entries is 0 or the parameter has no more, else its
 * max_entries largest.  Cost: twelve perturbed runs per column (of 1 and
 * t − k steps) and per parameter entry (of t steps).  VX_EUSAGE for j or k
 * out of range, VX_ESHAPE when r is not net's analysis, VX_ENOMEM. */
vx_status vx_net_fd_judge(const vx_net *net, const vx_net_result *r, size_t j, size_t k, size_t max_entries,
                          vx_net_fdjudge *out);
/* The same, on the threads ex allows (NULL: the caller's alone; exec.h):
 * with two, the parameters' runs on a thread of their own beside the
 * columns', whose thread, once done with them, takes the lower rows of
 * each of their steps where the products are wide enough and the BLAS
 * computes on its caller's thread (rowshare.h).  The numbers do not depend
 * on it, bit for bit.  max_columns (0: all) sets how many columns of J_j
 * and ∂S_t/∂S_k are differenced, whose runs cost D³ a step between them:
 * from each block of d columns the same number, max_columns over the
 * blocks rounded up but at least 2 (so the count can pass max_columns a
 * little), evenly spaced from its first to its last, so that every block
 * of both matrices is compared. */
vx_status vx_net_fd_judge_on(const vx_net *net, const vx_net_result *r, size_t j, size_t k, size_t max_entries,
                             size_t max_columns, const vx_exec *ex, vx_net_fdjudge *out);

/* The scales of the steps of both checks of a network (this one and
 * vx_net_fd_check): a perturbation of x takes 2^-10 max(1, |x|) over them.
 * The largest |entry| of every weight (at least 1): how far a unit
 * perturbation moves a pre-activation per step, at most. */
double vx_net_fd_weight_scale(const vx_net *net);
/* The largest ‖∂S_t/∂S_k‖ (at least 1): how much a perturbation can grow on
 * its way to step t. */
double vx_net_fd_growth(const vx_net_result *r);

/* Frees the arrays of *fd and zeroes it; takes a zeroed struct and NULL. */
void vx_net_fdjudge_clear(vx_net_fdjudge *fd);

#endif
