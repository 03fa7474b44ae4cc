/*
 * lowrank.h — the running product of the path passes, P_k = ∂S_t/∂S_k,
 * carried as a truncated factorisation once it has become numerically of
 * low rank (engine-internal: vx_analyse's analysis_paths.c and
 * vx_net_analyse's net_chain.c).
 *
 * Why: P_k = P_{k+1} J_{k+1} takes one n×n×n product per k, but its
 * singular values spread like exp(gap·(μ₁ − μ_i)) (the Lyapunov spectrum):
 * at n = 256, tanh, gaussian W with ‖W‖₂ = 1.1, the singular values above
 * 256 ε σ₁ number 256 at gap 1, 198 at 20, 124 at 50, 43 at 200, 8 at 1000.
 * Carried as P = diag(U_1, …, U_B) M, with orthonormal U_b (never formed)
 * and M of R = Σ r_b rows, a step is M ← M J: 2 R n² flops instead of 2 n³.
 *
 * The rows of P are split into B blocks (one for a vanilla network; h_l
 * and c_l of every layer of a net, whose diagonal blocks are normed on
 * their own): block b holds rows and columns off_b .. off_b + sz_b − 1 of P,
 * and P's rows there are U_b M_b with M_b the r_b × n rows of M at
 * S rows roff_b.  Because U_b has orthonormal columns, every norm the
 * passes print comes from the small factor: ‖P‖₂ = ‖M‖₂ and
 * ‖P[I_b, I_b]‖₂ = ‖M_b[:, I_b]‖₂.  Before the first truncation M is P
 * itself (r_b = sz_b, U_b = I): the passes run exactly as without this
 * module, bit for bit.
 *
 * Truncation: M_b is rotated by the orthogonal Q of a QR of the sketch
 * M_b Ω (Ω random, n × l), whose first columns span about M_b's largest l
 * directions in order; the trailing rows of Qᵀ M_b are dropped while their
 * Frobenius norm is at most √n ε times the largest row's (a lower bound on
 * ‖M_b‖₂), on the whole rows and on the columns I_b alike: the typical
 * rounding error of one n×n product (its bound, |fl(AB) − AB| <= γ_n |A||B|,
 * is n ε).  Dropping nothing keeps the rotated M_b: P is unchanged.
 *
 * The error it adds is bounded as it goes.  Let Δ_k be P_k as carried minus
 * P_k carried in full, in the same arithmetic.  A truncation at step m adds
 * −U_b T_m (T_m the dropped rows), which later steps carry on: Δ_k =
 * Σ_m U T_m J_m ⋯ J_{k+1}.  No bound of the form ‖T_m‖ Π ‖J_j‖ is of use
 * (the product of step norms outruns ‖P_k‖ by 10⁶⁰ at gap 200, and a
 * dropped direction can come back: a block of units that dies leaves what
 * was 10⁻¹⁶ of P), so the error is measured: for each block,
 * VX_LR_PROBES fixed Gaussian vectors ω_{b,i} supported on its rows, and
 * z_{b,i} = ω_{b,i}ᵀ Δ_k accumulated at every truncation (z += (U_bᵀ ω)ᵀ
 * T_m, the coordinates U_bᵀ ω rotated along with M_b) and carried through
 * the same products as extra rows of S.  Then (Dixon 1983; Halko,
 * Martinsson & Tropp 2011, lemma 4.1), with probability at least
 * 1 − 10^−VX_LR_PROBES for each k and block,
 *     ‖Δ_k[I_b, :]‖₂ <= 10 √(2/π) max_i ‖z_{b,i}‖,
 *     ‖Δ_k[I_b, I_b]‖₂ <= 10 √(2/π) max_i ‖z_{b,i}[I_b]‖,
 * and ‖Δ_k‖₂² <= Σ_b ‖Δ_k[I_b, :]‖₂².  vx_lr_within tests those bounds
 * against VX_LR_TOL times the norms; when one fails the caller falls back
 * to the full product (vx_lr_off) and rebuilds P_k from k = t − 1, so no
 * printed norm is further than 1e-12 from the full product's.  Measured at
 * n = 256, T = 1000 (tanh, λ = 1.1; logistic, λ = 3): bounds up to 1.6e-13
 * and 1.9e-13 of the norms, which differ from the full product's by at
 * most 1.3e-13 (Lanczos stops at 1e-13 of θ either way).
 *
 * When: an attempt costs about 6 r_b l n flops for a block of r_b rows and
 * a sketch of l columns (sketch, QR, rotation), as much as 3 to 4 products
 * at r_b = l = n.  In full mode the first is made after FIRST_ATTEMPT
 * factors (after one, with a narrow sketch, when the first factor's stable
 * rank is small: a W of rank 3), each with a square sketch, and kept only
 * if it saves a tenth of the rows.  Every block's sketch and QR come
 * before any rotation; when their R factors already show more rows to
 * keep than that, the attempt stops before its rotations, unless R's rows
 * predict the fall that the next attempt is planned on (2048×60, tanh,
 * λ = 1.1: 0.71-0.84 s where the whole attempt took 1.07 s; an LSTM of
 * d = 1024 over 30 steps 0.39-0.50 s where it took 0.77-0.86).  Every
 * attempt that rotates leaves the profile of the rotated rows' norms, about P's singular values, whose logarithms fall
 * about linearly with the number of factors (the Lyapunov exponents); from
 * the last two (one: from 0 at no factor) the next is planned: in full mode
 * for when the predicted rows are three quarters of n, once split for when
 * a block's rank should have fallen by 15%, with a sketch just wider than
 * that rank; each only when what it saves over the remaining products
 * covers twice its cost.  None is made while the stable rank of every block
 * (‖M_b‖_F² over an estimate of ‖M_b‖₂² from below: the power method) is
 * above 0.9 r_b, which no truncation can beat (W orthogonal and a linear
 * cell: the rank never drops, and the product costs what it did).
 *
 * Memory: S (n + B·VX_LR_PROBES rows of n) and, beside it, the sketch,
 * QR and backup scratch, 5 n² doubles for one block and fewer for more
 * (vx_lr_bytes).
 */
#ifndef VX_LOWRANK_H
#define VX_LOWRANK_H

#include <stddef.h>
#include <stdint.h>
#include <gsl/gsl_matrix.h>
#include "engine/status.h"

/* Probe vectors per block: the error bound holds with probability at
 * least 1 − 10^-VX_LR_PROBES at each k. */
#define VX_LR_PROBES 4
/* Largest bound on the error of a norm, relative to the norm, before the
 * caller falls back to the full product. */
#define VX_LR_TOL 1e-12

/* Modes of a chain. */
enum {
	VX_LR_FULL,   /* M is P (nothing truncated yet) */
	VX_LR_SPLIT,  /* P = diag(U_b) M, M truncated */
	VX_LR_OFF     /* fell back: the full product from here on */
};

typedef struct {
	/* the layout, fixed by vx_lr_init */
	size_t n, nb;
	size_t *off, *sz;    /* block b: rows and columns off[b] .. off[b] + sz[b] − 1 of P */
	uint64_t seed;
	size_t minn;         /* the smallest n carried in factored form */
	/* the chain's state */
	int mode;
	size_t N;            /* the factors P holds */
	size_t *r, *roff;    /* block b: the rows roff[b] .. roff[b] + r[b] − 1 of S */
	size_t rank;         /* Σ r[b]: rows 0 .. rank − 1 of S are M */
	size_t rows;         /* rows of S a product carries: rank, then the nb × VX_LR_PROBES z rows */
	gsl_matrix *C;       /* U_bᵀ ω_{b,i}: block b's rows at roff[b], one column per probe */
	/* the schedule: each attempt leaves a profile, ln(‖row i‖ / max ‖row‖)
	 * of the rotated M_b, from which the next is planned */
	size_t full_next;    /* N of the next attempt while full */
	size_t *next;        /* block b: N of its next attempt once split */
	size_t *pcount, *plen, *pN;  /* block b: profiles held (0 to 2); the older's and newer's length and N */
	size_t *pprov;       /* block b: the newer profile is R's (lowrank.c), to be replaced, not paired */
	double *lx;          /* the older profiles at off[b], the newer at n + off[b] */
	size_t attempts, truncations;  /* for measurements */
	size_t rotations;              /* attempts that went on past their QR */
	/* scratch: sq always, the rest allocated at the first attempt */
	double *sq;          /* 2n */
	double *px;          /* 2n: the power method's vectors of vx_lr_lower_norms */
	gsl_matrix *Om, *Y, *work, *bak;
	gsl_matrix *Yc;      /* n × m: block b's sketch QR (R and reflectors, column-major, for
	                      * LAPACK) from its row off[b] · m on, so that every block's QR is
	                      * done before the first rotation */
	double *tau;         /* n: their τ, block b's at off[b] */
} vx_lowrank;

/* The layout for a product of n×n matrices with nb row blocks of sizes
 * sz[0..nb−1] (contiguous, summing to n), and the seed of its random
 * vectors (a hash of the input, as the Lanczos starts').  Chains whose n is
 * below min_n stay full; all do when lowrank.c is compiled with
 * -DVX_LOWRANK_OFF (the benchmarks' measure of the full product).
 * VX_ENOMEM (then vx_lr_clear). */
vx_status vx_lr_init(vx_lowrank *lr, size_t n, size_t nb, const size_t *sz, size_t min_n, uint64_t seed);
/* Frees lr's members and zeroes it (a zeroed or half-initialised one too). */
void vx_lr_clear(vx_lowrank *lr);

/* The rows S must have: n + nb VX_LR_PROBES. */
size_t vx_lr_capacity(size_t n, size_t nb);
/* The bytes of vx_lr_init's struct and the scratch of its first attempt
 * (not S, which the caller holds). */
size_t vx_lr_bytes(size_t n, size_t nb);

/* A new chain: full mode, M = P (rows = n). */
void vx_lr_start(vx_lowrank *lr);
/* The full product for the rest of the chain: rows = n; the caller puts the
 * full P_k into S's first n rows. */
void vx_lr_off(vx_lowrank *lr);

/* After a product S ← S J (P now holds lr->N + 1 factors), with remaining
 * products still to come: when an attempt is due, truncates S (capacity
 * rows, n columns) in place as described above; lr->rank, rows and r[]
 * change, and the rows S holds keep P unchanged up to what was dropped.
 * Returns 1 when S was rotated (a Lanczos warm start in M's coordinates is
 * then stale), 0 when not, or −1 on failure (out of memory, a QR that
 * failed; S is then as it was). */
int vx_lr_step(vx_lowrank *lr, gsl_matrix *S, size_t remaining);

/* Lower bounds on ‖P[I_b, I_b]‖₂ (blk, nb entries) and on ‖P‖₂ (*whole)
 * from the factor in S: the largest row norm, and ‖A x‖ / ‖x‖ after
 * `steps` steps of the power method for A = M_b[:, I_b] and M, warm-started
 * from the last call's x (which new factors change little: within a few
 * percent once settled).  O(steps · rank · n). */
void vx_lr_lower_norms(vx_lowrank *lr, const gsl_matrix *S, int steps, double *blk, double *whole);

/* 1 when every error bound above is at most tol times its norm: blk[b]
 * (‖P[I_b, I_b]‖₂ or a lower bound, nb entries; NULL when the only block is
 * the whole) and whole (‖P‖₂ or a lower bound), in S's scale; a zero norm
 * passes only with a zero bound.  tol is VX_LR_TOL for norms that are
 * printed, 1 to tell a P_k that is exactly 0 from one that is not.  Always
 * 1 unless the chain is split. */
int vx_lr_within(const vx_lowrank *lr, const gsl_matrix *S, const double *blk, double whole, double tol);

#endif
