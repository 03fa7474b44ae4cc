/*
 * net_step.h — the kernels of one step of a vx_net that the analysis and the
 * finite-difference check share (inside the engine only; not an interface
 * for report/ or tui/).
 *
 * Everything a step's derivatives need is a handful of d-vectors per layer,
 * the "coefficients", formed once per step from the forward pass; the
 * weights enter only as products with weight_hh and weight_ih.  So the
 * tangent (J_j x) and adjoint (J_jᵀ y) maps of a batch of vectors, even of
 * different steps, cost one dgemm per layer and weight matrix.
 *
 * Coefficients of layer l at step j, K vectors of d entries (net_jacobian.c
 * derives them):
 *   rnn   sp = σ'(a)
 *   lstm  di = σ'(a_i) g,  df = σ'(a_f) c_{j−1},  dg = i tanh'(a_g),
 *         do = σ'(a_o) tanh(c_j),  f,  beta = o tanh'(c_j)
 *   gru   N = (1 − z) tanh'(a_n),  ur = u σ'(a_r),  r,
 *         zc = σ'(a_z) (h_{j−1} − n),  z
 * laid out layer after layer: layer l's k-th vector at coef + (l K + k) d.
 */
#ifndef VX_NET_STEP_H
#define VX_NET_STEP_H

#include <stddef.h>
#include <gsl/gsl_matrix.h>
#include "engine/net.h"
#include "engine/rowshare.h"
#include "engine/packed.h"

/* K, the coefficient vectors per layer (1, 6, 5). */
size_t vx_net_ncoef(vx_cell c);
/* Doubles of one step's coefficients: K d L. */
size_t vx_net_coef_size(const vx_net *net);
/* The coefficients of step j (1..T) into coef (vx_net_coef_size entries),
 * as their values × 2^-E, E returned (an integer held in a double), so that
 * J_j = 2^E × the Jacobian the maps below form from coef.  E is 0 and coef
 * as computed in doubles unless the network has one layer and either the
 * values J_j is linear in all lie below 2^-600 or a coefficient is 0 or
 * subnormal as a double but not in truth (a step whose units or gates
 * saturate: σ' = 10^-400 at a = 460 for tanh).  Such a step is "split":
 * its values are formed as mantissa and power of two apart
 * (vx_act_df_split) and scaled by one power of two, so that J_j keeps its
 * digits at any depth of saturation.  The values J_j is linear in: the
 * vanilla σ'; the LSTM's di, df, dg, do and f (h's rows are do U_o + beta
 * C, C in the c rows' units, beta <= 1 left as it is); the GRU's z, zc and
 * N r, N ur (J takes N only in those products: they go in r's and ur's
 * slots, N's holding 1).  A value more than 2^1100 below the largest is 0.
 * With several layers a block of J_j takes a coefficient of each layer it
 * passes through, so no one power of two scales it: E is 0 there. */
double vx_net_coef(const vx_net *net, const vx_net_fwd *f, size_t j, double *coef);
/* The same with a choice of form and what it did: gates = 0 is
 * vx_net_coef's; gates = 1 scales, on a split step, what vx_net_vjp's gate
 * adjoints (its dhh, dih) are linear in instead: the LSTM's di, df, dg and
 * do (f, in none of them, is 0: the map's Xb is then not J_jᵀ Yb); the
 * GRU's N and zc (r and ur as doubles, z 0).  J's E may come from f or z
 * (diag(f), diag(z)) with the gates more than 2^1074 below: a gradient made
 * of them alone would then be 0.  *split (when not NULL) is 1 on a split
 * step; *flushed (when not NULL) grows by the values that came out 0 there
 * though not 0 in truth. */
double vx_net_coef_ex(const vx_net *net, const vx_net_fwd *f, size_t j, double *coef, int gates, int *split,
                      size_t *flushed);
/* How many of step j's coefficients the passes hold as 0 though they are
 * not (coef is scratch): a stack's lost in the doubles; a one-layer net's
 * flushed by its scaled forms, and those they take as doubles (the LSTM's
 * beta, the GRU's r and ur in the gate adjoints) lost there.  0 where the
 * step's derivatives keep every digit. */
size_t vx_net_coef_lost(const vx_net *net, const vx_net_fwd *f, size_t j, double *coef);

/* Scratch of the batched maps, for up to nbmax vectors at once. */
typedef struct {
	size_t nbmax;
	gsl_matrix *A, *B;   /* nbmax × G·d: gate tangents or adjoints (hh, ih) */
	gsl_matrix *V;       /* nbmax × d: the adjoint handed to the layer below */
	gsl_matrix *M;       /* Ds × d: a layer's ∂S^l_j/∂h^{l−1}_j (explicit Jacobian) */
	vx_rowshare *help;   /* a thread lent to the batched maps' products (their
	                      * lower rows, rowshare.h; NULL: none): only with a
	                      * BLAS that computes on its caller's thread */
	vx_packed *pk;       /* 4 a layer, W_hhᵀ, W_ihᵀ, W_hh, W_ih in panels for
	                      * the maps' products (vx_net_ws_pack); NULL: BLAS */
	size_t npk;
} vx_net_ws;

/* A workspace the caller holds (status.h's _init/_clear): its matrices for
 * batches of up to nbmax vectors of net, or VX_ENOMEM (w left cleared). */
vx_status vx_net_ws_init(vx_net_ws *w, const vx_net *net, size_t nbmax);
/* The weights the batched maps multiply by, packed once (packed.h) for a
 * workspace that will apply them many times (the step norms' Lanczos
 * runs): for VX_PACKED_DMIN <= d <= VX_PACKED_DMAX where the processor has
 * the kernel and the BLAS computes on its caller's thread, else nothing.
 * VX_ENOMEM leaves w as it was, its maps then by BLAS. */
vx_status vx_net_ws_pack(vx_net_ws *w, const vx_net *net);
void vx_net_ws_clear(vx_net_ws *w);

/* Y = X J_jᵀ row by row (row i of Y is J x for x row i of X): X and Y are
 * nb × D (nb <= nbmax, distinct), row i using the coefficients at
 * coef + i cstride (cstride 0: one step for every row). */
void vx_net_jvp(const vx_net *net, const double *coef, size_t cstride, const gsl_matrix *X,
                gsl_matrix *Y, vx_net_ws *w);

/* Xb = Yb J_j row by row (row i of Xb is J_jᵀ y): Yb and Xb are nb × D,
 * distinct.  When dhh and dih are not NULL (then nb is 1) they receive each
 * layer's gate adjoints, L × G·d: ∂/∂(weight_hh h_{j−1} + bias_hh) and
 * ∂/∂(weight_ih v + bias_ih) of the scalar y · S_j, from which the parameter
 * gradients are outer products. */
void vx_net_vjp(const vx_net *net, const double *coef, size_t cstride, const gsl_matrix *Yb,
                gsl_matrix *Xb, vx_net_ws *w, double *dhh, double *dih);

/* The explicit J_j from step j's coefficients into J (D×D); uses w->M. */
void vx_net_jacobian_from_coef(const vx_net *net, const double *coef, gsl_matrix *J, vx_net_ws *w);

/* The same into a J that already holds a step Jacobian of net, at any
 * scale: only the entries that can be nonzero are written (a layer's rows:
 * the columns of the layers below and of its own h; an LSTM's two
 * diagonals in its c columns), the zeros elsewhere are kept. */
void vx_net_jacobian_refill(const vx_net *net, const double *coef, gsl_matrix *J, vx_net_ws *w);

/* vx_normalise2 (linalg.h) of such a J, reading and scaling only the
 * entries vx_net_jacobian_refill writes: −1 when one is not finite, 0 when
 * all are 0, else 1 with J's largest entry brought to [½, 1) by 2^-*e. */
int vx_net_jacobian_normalise(const vx_net *net, gsl_matrix *J, int *e);

#endif
