/*
 * net_bytes.c — the memory estimates of net_bytes.h, allocation by
 * allocation.  The constants below are those of vx_net_analyse's passes
 * (net_norms.c: step norms batched 64 at a time, blocks up to 48 to the
 * dense solver; net_analysis_internal.h, private to the passes: three
 * buffers of the chain); test_engine_net_bytes holds the estimate to the
 * peak resident set, so a change there that this file misses is caught.
 */
#include <stdint.h>
#include <gsl/gsl_matrix.h>
#include "engine/analysis.h"
#include "engine/linalg.h"
#include "engine/lowrank.h"
#include "engine/net_analysis.h"
#include "engine/net_analysis_internal.h"
#include "engine/net_bytes.h"

#define STEP_BATCH 64   /* net_norms.c: step norms in lockstep */
#define CHAIN_SLOTS 3   /* NSLOT: buffers of ∂S_t/∂S_k between the chain's two threads */
#define DENSE_MAX 48    /* net_norms.c: blocks up to this size to the dense solver */
#define FD_RUN_ROWS 96  /* net_fdjudge.c: COL_BATCH × NPT perturbed runs at once */

static size_t clamp(double b)
{
	return b < (double)SIZE_MAX ? (size_t)b : SIZE_MAX;
}

/* Sizes shared by the estimates, as doubles (no overflow before the end). */
typedef struct {
	double L, d, n, T, t, G, K, D, Ds;
	int lstm, gru;
} dims;

static dims dims_of(vx_cell cell, size_t L, size_t d, size_t n, size_t T, size_t t)
{
	dims z;
	z.lstm = cell == VX_CELL_LSTM;
	z.gru = cell == VX_CELL_GRU;
	z.L = (double)L;
	z.d = (double)d;
	z.n = (double)n;
	z.T = (double)T;
	z.t = (double)t;
	z.G = (double)vx_cell_gates(cell);
	z.K = z.lstm ? 6 : z.gru ? 5 : 1;   /* net_step.h: coefficient vectors per layer */
	z.Ds = z.lstm ? 2 * z.d : z.d;
	z.D = z.L * z.Ds;
	return z;
}

/* The weights of every layer, in doubles: what a gradient holds too. */
static double weights(const dims *z)
{
	return z->G * z->d * (z->n + (z->L - 1) * z->d) + z->L * (z->G * z->d * z->d + 2 * z->G * z->d);
}

/* The result vx_net_analyse returns, with its forward pass. */
static double result_bytes(const dims *z)
{
	double per_step = z->G * z->d + z->d + (z->lstm || z->gru ? z->d : 0);   /* pre, h, c or u */
	double blocks = (z->lstm ? 3 : 2) * z->t * z->L;                         /* h_norm, c_norm, contribution */
	return sizeof(vx_net_result) + sizeof(vx_net_fwd) +
	       z->L * (sizeof(vx_net_trace) + 2 * sizeof(vx_net_grad) + sizeof(vx_net_layer_stats) + sizeof(vx_mag)) +
	       (z->L * z->T * per_step + 2 * z->T + 2 * weights(z)) * sizeof(double) +
	       z->t * sizeof(vx_net_path) + blocks * sizeof(vx_mag);
}

/* Lanczos workspaces for a run on a square matrix of size m, when it does
 * not go to the dense solver. */
static double lanczos(double m)
{
	return m > DENSE_MAX ? (double)vx_lanczos_bytes((size_t)m) : 0;
}

/* The dense eigen-solver's scratch for size m: AᵀA, its eigenvalues and
 * GSL's workspace. */
static double dense(double m)
{
	return (m * m + 4 * m) * sizeof(double);
}

size_t vx_net_analyse_bytes(vx_cell cell, size_t L, size_t d, size_t n, size_t T, size_t t)
{
	dims z = dims_of(cell, L, d, n, T, t);
	double D = z.D, nq = 1 + z.L * (z.lstm ? 2 : 1), coef = z.K * z.d * z.L;
	double nb = z.T < STEP_BATCH ? z.T : STEP_BATCH;
	/* the chain, on threads of its own: the buffers of P (or of its factor
	 * and probe rows, lowrank.h) and the step's J, the factored form's
	 * state and scratch, the lockstep norms of P and its blocks, the dense
	 * fallback */
	double rows = (double)vx_lr_capacity((size_t)D, (size_t)(nq - 1));
	double walk = (CHAIN_SLOTS * rows + D) * D * sizeof(double) + (double)vx_lr_bytes((size_t)D, (size_t)(nq - 1)) +
	               (2 * D + coef) * sizeof(double) + lanczos(D) + (nq - 1) * lanczos(z.d) + dense(D) +
	               z.Ds * z.d * sizeof(double);
	/* beside it, the calling thread's largest pass, and a pass the
	 * chain's consumer takes once its walk is done (net_analysis.c's task
	 * pool).  The caller's: the batched step norms (with the explicit J_j
	 * of a fallback) or one of the pool's.  The pool's: the weights' norms
	 * and spectral radii (a copy of weight_hh, d×d twice), or BPTT (its
	 * adjoint, the step's coefficients and scratch, and 32 steps' outer
	 * product rows), or the Lyapunov pass (three p×D bases and the scratch
	 * of p rows); the scratch of r rows holds M (Ds×d) beside them. */
	double ws = coef + 2 * z.G * z.d + z.d;
	/* weight_hh and, above layer 0, weight_ih packed both ways round for
	 * the batched maps (vx_net_ws_pack), each G·d × d with its panels'
	 * padding, at the sizes that may pack them */
	double packs = vx_packed_size((size_t)z.d)
	                       ? 2 * (2 * z.L - 1) * z.G * z.d * (z.d + 7) * sizeof(double)
	                       : 0;
	double steps = (3 * nb * D + nb * ws) * sizeof(double) + nb * lanczos(D) + D * D * sizeof(double) + dense(D) +
	               packs;
	/* or one GRU layer's explicit J_j Jᵀ_j: J, the Gram matrix, a step's
	 * coefficients and scratch, a Lanczos run and the dense fallback, on
	 * this thread and on the consumer's once it helps; the steps' list */
	if (vx_na_step_gram(cell, z.L, (size_t)D))
		steps = 2 * ((2 * D * D + ws + z.Ds * z.d) * sizeof(double) + lanczos(D) + dense(D)) +
		        z.T * sizeof(size_t);
	double stats = (z.G * z.d * (z.d > z.n ? z.d : z.n) + 3 * z.d * z.d) * sizeof(double) + lanczos(z.d) +
	               dense(z.d);
	double lgd = z.L * z.G * z.d, p = D < VX_LYAP_MAX ? D : VX_LYAP_MAX;
	double bptt = (3 * D + coef + 2 * lgd + z.d + ws + z.Ds * z.d +
	               32 * (2 * lgd + z.L * z.d + z.n + (z.L - 1) * z.d)) * sizeof(double);
	double lyap = (3 * p * D + p + D + coef + p * (2 * z.G * z.d + z.d) + z.Ds * z.d) * sizeof(double);
	double task = stats > bptt ? stats : bptt;
	task = task > lyap ? task : lyap;
	return clamp(result_bytes(&z) + walk + (steps > task ? steps : task) + task);
}

size_t vx_net_fd_bytes(vx_cell cell, size_t L, size_t d, size_t n, size_t T, size_t t)
{
	dims z = dims_of(cell, L, d, n, T, t);
	double D = z.D, wide = z.G * z.d * (z.d > z.n ? z.d : z.n);
	/* the analytic J_j and its differences and the product ∂S_t/∂S_k's two
	 * scratch matrices (vx_net_dSdS), or with sampled columns (at most D of
	 * them) their two states and the tangent map's scratch; the index of a
	 * parameter's entries and of the columns */
	double full = 4 * D * D, sampled = 3 * D * D + D * (2 * z.G * z.d + z.d) + z.Ds * z.d;
	double own = ((full > sampled ? full : sampled) + 10 * D) * sizeof(double) + (wide + D) * sizeof(size_t);
	/* the batches of perturbed runs (net_fdjudge.c: 8 columns or entries,
	 * 12 points each), the columns' and the parameters' at once: two
	 * states and the step's scratch a row, and the parameters' start states,
	 * moves and a second scratch, for the thread that takes half of their
	 * rows */
	double row = 2 * D + 2 * z.G * z.d + z.d, scratch = 2 * z.G * z.d + z.d;
	own += FD_RUN_ROWS * ((2 * row + D + scratch) * sizeof(double) + sizeof(vx_net_pert)) + D * sizeof(double);
	return clamp(result_bytes(&z) + own + z.K * z.d * z.L * sizeof(double));
}
