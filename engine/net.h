/*
 * net.h — a network of L stacked layers of one recurrent cell (vanilla, LSTM
 * or GRU), with PyTorch's parameter names, shapes and gate order, so that
 * weights trained there mean the same here (DESIGN.md section 1b).
 *
 * Layer l (0-based, as PyTorch's suffix _l0, _l1, …) reads the input
 * v = x_j for l = 0 and v = h^{l−1}_j (the layer below, same step) for l > 0,
 * of size n_l (n, then d).  With G gates per layer (1, 4, 3), its parameters
 * are weight_ih [G·d, n_l], weight_hh [G·d, d], bias_ih and bias_hh [G·d]:
 *
 *   rnn   h = σ(W v + b_ih + U h_{j−1} + b_hh)                  σ = --act
 *   lstm  gates i, f, g, o (rows 0..d−1, d..2d−1, …):
 *         i, f, o = logistic, g = tanh of W_* v + b_i* + U_* h_{j−1} + b_h*
 *         c = f ⊙ c_{j−1} + i ⊙ g,    h = o ⊙ tanh(c)
 *   gru   gates r, z, n:  r, z = logistic(W_* v + b_i* + U_* h_{j−1} + b_h*)
 *         u = U_n h_{j−1} + b_hn,  n = tanh(W_n v + b_in + r ⊙ u)
 *         h = (1 − z) ⊙ n + z ⊙ h_{j−1}
 *
 * The state S_j is every layer's h (and c) at step j, laid out layer by
 * layer, h before c: layer l occupies S[l·Ds .. (l+1)·Ds), Ds = 2d for LSTM
 * and d otherwise; D = L·Ds.  The loss is L_t = ½‖h^{L−1}_t − y‖² (top layer).
 */
#ifndef VX_NET_H
#define VX_NET_H

#include <stddef.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>
#include "engine/act.h"
#include "engine/model.h"
#include "engine/params.h"
#include "engine/status.h"

typedef enum { VX_CELL_RNN = 0, VX_CELL_LSTM, VX_CELL_GRU } vx_cell;
#define VX_CELL_COUNT 3
/* Most layers a network may have (checked before allocating). */
#define VX_MAX_LAYERS 64u

/* "rnn", "lstm", "gru". */
const char *vx_cell_name(vx_cell c);
/* Parses a name as above; returns 0 and sets *out, or -1 when unknown. */
int vx_cell_parse(const char *name, vx_cell *out);
/* Gates per layer: 1, 4, 3 (the row blocks of weight_ih and weight_hh). */
size_t vx_cell_gates(vx_cell c);
/* The name of gate g of a cell in PyTorch's order ("i", "f", "g", "o";
 * "r", "z", "n"; "h" for the vanilla cell), NULL out of range. */
const char *vx_cell_gate_name(vx_cell c, size_t g);

typedef struct {
	gsl_matrix *w_ih;   /* G·d × n_l  (PyTorch weight_ih_l{l}) */
	gsl_matrix *w_hh;   /* G·d × d    (weight_hh_l{l}) */
	gsl_vector *b_ih;   /* G·d        (bias_ih_l{l}) */
	gsl_vector *b_hh;   /* G·d        (bias_hh_l{l}) */
	gsl_vector *h0;     /* d */
	gsl_vector *c0;     /* d for LSTM, else NULL */
} vx_net_layer;

typedef struct {
	vx_cell cell;
	vx_act act;          /* the vanilla cell's σ; LSTM and GRU ignore it */
	size_t L, d, n, T;   /* layers, hidden size, input size, steps */
	size_t G;            /* gates per layer */
	size_t Ds, D;        /* state size per layer and in all */
	vx_net_layer *layer; /* L entries */
	/* 1 for a network without biases (PyTorch's bias=False): every b_ih and
	 * b_hh stays 0 and is not a parameter, so it has no gradient (left 0),
	 * no finite-difference entry, and no share of ‖∂L/∂θ‖; 0 (as allocated)
	 * when the biases are parameters */
	int no_bias;
	gsl_matrix *x;       /* T × n; row j−1 holds x_j */
	gsl_vector *y;       /* d: the target of the top layer's h_t */
} vx_net;

/* A network of the given sizes with every entry 0.  NULL when a size is 0,
 * L exceeds VX_MAX_LAYERS, or out of memory. */
vx_net *vx_net_alloc(vx_cell cell, vx_act act, size_t L, size_t d, size_t n, size_t T);
void vx_net_free(vx_net *net);              /* NULL-safe */
vx_net *vx_net_clone(const vx_net *net);    /* NULL when out of memory */
/* The bytes vx_net_alloc takes for these sizes (x, T×n, and the weights,
 * L·G·d·(n + d) at most, are most of it); saturates at SIZE_MAX.  For a
 * front end to refuse, before allocating, a size the machine cannot hold
 * (with the analysis' own estimate, engine/net_bytes.h). */
size_t vx_net_bytes(vx_cell cell, size_t L, size_t d, size_t n, size_t T);

/* What the teaching options add to vx_params for gated cells and stacks
 * (--cell, --layers, --forget-bias). */
typedef struct {
	vx_cell cell;        /* default rnn */
	size_t layers;       /* default 1 */
	double forget_bias;  /* default 0, as PyTorch */
} vx_net_spec;

void vx_net_spec_default(vx_net_spec *s);

/* Generates the network the options describe, drawing from GSL's mt19937
 * seeded as vx_model_build does, in this order: for l = 0..L−1 weight_hh
 * (each d×d gate block in turn) then weight_ih; then x; then y.
 *   weight_hh: each gate block by --init (gaussian: N(0,1) entries scaled to
 *              spectral norm --norm; orthogonal: --norm times a Haar
 *              orthogonal matrix; identity: --norm × I, drawing nothing);
 *   weight_ih: N(0, 1/n_l) entries;  biases 0, except --forget-bias B in
 *              bias_ih of the LSTM's forget gate f, or of the GRU's update
 *              gate z (its h_t = z ⊙ h_{t−1} + …: z is what keeps memory);
 *   x: N(0, S²) entries as vx_model_build;  y_i = σ(z_i), z_i ~ N(0,1),
 *   with σ = --act for rnn and tanh for the gated cells (|h| < 1 there);
 *   h0 = c0 = 0.
 * So the vanilla cell with L = 1 gets bit for bit vx_model_build's W (as
 * weight_hh), U (weight_ih), x and y.  --weights and --model are not read
 * here (VX_EUSAGE); a vanilla vx_model converts with vx_net_from_model.
 * --forget-bias with the vanilla cell is VX_EUSAGE.  *out is caller-freed. */
vx_status vx_net_build(const vx_params *p, const vx_net_spec *spec, vx_net **out, vx_error *err);

/* Scales every d×d gate block of every layer's weight_hh to spectral norm
 * lambda (>= 0), as vx_net_build draws them for --norm, and as
 * vx_model_set_norm scales a vanilla W: what --norm does to a network read
 * from a file.  VX_EUSAGE (err naming the layer and gate) when a block is 0
 * and lambda > 0; VX_ENONFINITE when a scaled block leaves the range of a
 * double.  On an error the network may be partly scaled. */
vx_status vx_net_set_norm(vx_net *net, double lambda, vx_error *err);

/* The one-layer vanilla network of a vx_model: weight_hh = W, weight_ih = U,
 * bias_ih = b, bias_hh = 0, h0 = s0, same x, y and σ.  *out caller-freed. */
vx_status vx_net_from_model(const vx_model *m, vx_net **out, vx_error *err);

/* The vx_model of a one-layer vanilla network (vx_net_from_model's inverse
 * but for the two biases): W = weight_hh, U = weight_ih, b = bias_ih +
 * bias_hh (one bias is all a vanilla step sees), s0 = h0, the same x, y and
 * σ.  VX_EINTERNAL for any other network, VX_ENOMEM.  *out caller-freed. */
vx_status vx_net_to_model(const vx_net *net, vx_model **out, vx_error *err);

/* Shapes and finiteness of every part: VX_ESHAPE or VX_ENONFINITE with err
 * naming the part (e.g. "weight_hh_l1: expected 16x4, got 12x4"). */
vx_status vx_net_validate(const vx_net *net, vx_error *err);

/* ---- the forward pass ---- */

/* What one layer stored for every step: enough for every Jacobian, with the
 * derivatives taken from pre-activations (σ'(a) = σ(a)σ(−a), tanh'(a) =
 * 1/cosh²(a)), accurate in saturation. */
typedef struct {
	gsl_matrix *pre;  /* T × G·d: row j−1 = the gates' pre-activations at step j
	                   * in PyTorch's order (GRU: n's is W_n v + b_in + r ⊙ u) */
	gsl_matrix *h;    /* T × d: h_j */
	gsl_matrix *c;    /* LSTM: T × d, c_j; else NULL */
	gsl_matrix *u;    /* GRU: T × d, u_j = U_n h_{j−1} + b_hn; else NULL */
} vx_net_trace;

typedef struct {
	size_t L, T;
	vx_net_trace *layer;  /* L entries */
} vx_net_fwd;

/* Runs the network over its T steps.  VX_ENONFINITE (err naming step and
 * layer) when a value leaves the range of a double (vanilla relu/linear).
 * *out is caller-freed with vx_net_fwd_free. */
vx_status vx_net_forward(const vx_net *net, vx_net_fwd **out, vx_error *err);
void vx_net_fwd_free(vx_net_fwd *f);        /* NULL-safe */

/* S_j (j = 0..T) into S (D entries) from a forward pass (j = 0: h0, c0). */
void vx_net_state(const vx_net *net, const vx_net_fwd *f, size_t j, double *S);

/* One step of the whole stack from any state: S_out = F_j(S_prev) with the
 * input x_j (1 <= j <= T).  S_prev and S_out hold D entries and may not
 * overlap.  scratch holds at least vx_net_step_scratch(net) doubles. */
void vx_net_step(const vx_net *net, size_t j, const double *S_prev, double *S_out, double *scratch);
size_t vx_net_step_scratch(const vx_net *net);

/* vx_net_step for nb states at once: row r of S_out (nb × D, row-major)
 * from row r of S_prev, the products with weight_hh and weight_ih of all
 * rows one dgemm each (x_j's once), where nb calls of vx_net_step read the
 * weights nb times (the finite-difference check's perturbed runs, a dozen
 * a column).  The same arithmetic row by row, up to the products' order of
 * summation.  scratch holds vx_net_step_batch_scratch(net, nb) doubles. */
void vx_net_step_batch(const vx_net *net, size_t j, size_t nb, const double *S_prev, double *S_out,
                       double *scratch);
size_t vx_net_step_batch_scratch(const vx_net *net, size_t nb);

/* One parameter entry of layer l moved by delta in one row of a batch:
 * which is 0 weight_ih, 1 weight_hh, 2 bias_ih, 3 bias_hh (as PyTorch
 * orders them); row and col index it (col 0 for a bias). */
typedef struct {
	size_t l, row, col;
	int which;
	double delta;
} vx_net_pert;

/* vx_net_step_batch where row r of the batch runs with its own network:
 * pert[r]'s entry moved by pert[r].delta, each of the nb rows at its own
 * entry (pert not NULL).  The move enters as delta times the entry's
 * operand (the input, the layer below's h, the previous h, or 1) added to
 * the pre-activation that the entry feeds, not by a changed weight, so
 * that all rows still share one product: the same value as the step of
 * the changed network, up to the rounding of that addition (the
 * finite-difference check of the gradients, a dozen rows an entry). */
void vx_net_step_batch_pert(const vx_net *net, size_t j, size_t nb, const double *S_prev, double *S_out,
                            double *scratch, const vx_net_pert *pert);

/* L_t = ½‖h^{L−1}_t − y‖² from a state S_t. */
double vx_net_loss(const vx_net *net, const double *S);

/* ---- explicit Jacobians (net_jacobian.c) ---- */

/* The full step Jacobian J_j = ∂S_j/∂S_{j−1} (1 <= j <= T) into J (D×D),
 * numerator layout (J[a][b] = ∂S_{j,a}/∂S_{j−1,b}), including the paths
 * through the lower layers inside step j: block lower triangular by layer.
 * The formulas are in net_jacobian.c.  VX_ESHAPE or VX_EUSAGE on bad
 * arguments, VX_ENOMEM. */
vx_status vx_net_step_jacobian(const vx_net *net, const vx_net_fwd *f, size_t j, gsl_matrix *J);

/* ∂S_t/∂S_k = J_t ⋯ J_{k+1} (1 <= k <= t <= T; the identity for k = t) into
 * P (D×D) as P × 10^*log10_scale, the scale 0 when every entry fits a
 * double.  Cost O((t−k) D³): for tests and small networks. */
vx_status vx_net_dSdS(const vx_net *net, const vx_net_fwd *f, size_t t, size_t k, gsl_matrix *P,
                      double *log10_scale);

/* The columns cols[0..nc) of ∂S_t/∂S_k into P (D×D; its other entries 0),
 * scaled as vx_net_dSdS scales the whole, from the unit vectors carried up
 * through J_{k+1} … J_t by the tangent map: O((t−k) nc D²) where the whole
 * product costs D³ a step (the finite-difference check's sampled columns:
 * 137 GFLOP at D = 2048 over 8 steps for all of them). */
vx_status vx_net_dSdS_columns(const vx_net *net, const vx_net_fwd *f, size_t t, size_t k, const size_t *cols,
                              size_t nc, gsl_matrix *P, double *log10_scale);

#endif
