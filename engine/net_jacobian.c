/*
 * net_jacobian.c — the step Jacobian ∂S_j/∂S_{j−1} of a stack of vanilla,
 * LSTM or GRU layers: its coefficients, its tangent and adjoint maps on
 * batches of vectors, and the explicit matrix (see net_step.h).
 *
 * Derivation (numerator layout; δ a tangent; per layer, v its input, a the
 * gates' pre-activations, δa = W_ih δv + W_hh δh_{j−1} gate by gate):
 *
 * Vanilla: h = σ(a), so δh = σ'(a) δa:
 *     ∂h/∂h_{j−1} = diag(σ') W_hh,   ∂h/∂v = diag(σ') W_ih.
 *
 * LSTM: δi = σ'(a_i) δa_i, δf = σ'(a_f) δa_f, δg = tanh'(a_g) δa_g,
 * δo = σ'(a_o) δa_o;  c = f c_{j−1} + i g,  h = o tanh(c):
 *     δc = (σ'(a_f) c_{j−1}) δa_f + (σ'(a_i) g) δa_i + (i tanh'(a_g)) δa_g + f δc_{j−1}
 *        =  df δa_f + di δa_i + dg δa_g + f δc_{j−1}
 *     δh = (σ'(a_o) tanh c) δa_o + (o tanh'(c)) δc  =  do δa_o + beta δc
 * so, with U_* the gate blocks of W_hh and C := ∂c/∂h_{j−1}:
 *     C           = diag(df) U_f + diag(di) U_i + diag(dg) U_g
 *     ∂c/∂c_{j−1} = diag(f)                       (the carousel)
 *     ∂h/∂h_{j−1} = diag(do) U_o + diag(beta) C
 *     ∂h/∂c_{j−1} = diag(beta ⊙ f)
 * and ∂c/∂v, ∂h/∂v the same with the blocks of W_ih.  (DESIGN.md 1b.)
 *
 * GRU: u = U_n h_{j−1} + b_hn,  a_n = W_n v + b_in + r ⊙ u,  n = tanh(a_n),
 * h = (1 − z) n + z h_{j−1}:
 *     δa_n = W_n δv + (u σ'(a_r)) δa_r + r ⊙ U_n δh_{j−1}
 *     δh   = (1 − z) tanh'(a_n) δa_n + σ'(a_z)(h_{j−1} − n) δa_z + z δh_{j−1}
 *          =  N δa_n + zc δa_z + z δh_{j−1}
 * so ∂h/∂h_{j−1} = diag(z) + diag(zc) U_z + diag(N) [diag(r) U_n + diag(ur) U_r]
 * and ∂h/∂v = diag(zc) W_z + diag(N) [W_n + diag(ur) W_r]  (r does not gate
 * the input path: b_in and W_n v sit outside r ⊙ (…)).
 *
 * Stacks: S^l_j = F^l(h^{l−1}_j, S^l_{j−1}), so for layers m <= l
 *     ∂S^l_j/∂S^m_{j−1} = [l = m] R_l + I_l ∂h^{l−1}_j/∂S^m_{j−1}   (m < l)
 * with R_l the layer's own block above and I_l = ∂S^l_j/∂v: J_j is block lower
 * triangular, its block (l, m) the path from layer m at j−1 up through
 * layers m+1..l inside step j.
 *
 * Every σ' and tanh' is taken from the pre-activation (σ(a)σ(−a),
 * 1/cosh²(a) via vx_act_df): accurate where gates saturate.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_blas.h>
#include "engine/exec.h"
#include "engine/linalg.h"
#include "engine/net.h"
#include "engine/net_step.h"
#include "engine/xd.h"


size_t vx_net_ncoef(vx_cell c)
{
	return c == VX_CELL_LSTM ? 6 : c == VX_CELL_GRU ? 5 : 1;
}

size_t vx_net_coef_size(const vx_net *net)
{
	return vx_net_ncoef(net->cell) * net->d * net->L;
}

static void coef_doubles(const vx_net *net, const vx_net_fwd *f, size_t j, double *coef)
{
	size_t d = net->d, K = vx_net_ncoef(net->cell);
	for (size_t l = 0; l < net->L; l++) {
		const vx_net_trace *tr = &f->layer[l];
		const vx_net_layer *ly = &net->layer[l];
		const double *a = vx_row(tr->pre, j - 1);
		double *co = coef + l * K * d;
		switch (net->cell) {
		case VX_CELL_RNN:
			vx_act_dfv(net->act, a, co, d);
			break;
		case VX_CELL_LSTM: {
			const double *c = vx_row(tr->c, j - 1);
			for (size_t i = 0; i < d; i++) {
				double cp = j == 1 ? gsl_vector_get(ly->c0, i) : gsl_matrix_get(tr->c, j - 2, i);
				double ai = a[i], af = a[d + i], ag = a[2 * d + i], ao = a[3 * d + i];
				co[i] = vx_act_df(VX_SIGMOID, ai) * tanh(ag);                  /* di */
				co[d + i] = vx_act_df(VX_SIGMOID, af) * cp;                    /* df */
				co[2 * d + i] = vx_act_f(VX_SIGMOID, ai) * vx_act_df(VX_TANH, ag); /* dg */
				co[3 * d + i] = vx_act_df(VX_SIGMOID, ao) * tanh(c[i]);        /* do */
				co[4 * d + i] = vx_act_f(VX_SIGMOID, af);                      /* f */
				co[5 * d + i] = vx_act_f(VX_SIGMOID, ao) * vx_act_df(VX_TANH, c[i]); /* beta */
			}
			break;
		}
		case VX_CELL_GRU: {
			const double *u = vx_row(tr->u, j - 1);
			for (size_t i = 0; i < d; i++) {
				double hp = j == 1 ? gsl_vector_get(ly->h0, i) : gsl_matrix_get(tr->h, j - 2, i);
				double ar = a[i], az = a[d + i], an = a[2 * d + i];
				co[i] = vx_act_f(VX_SIGMOID, -az) * vx_act_df(VX_TANH, an);    /* N */
				co[d + i] = u[i] * vx_act_df(VX_SIGMOID, ar);                   /* ur */
				co[2 * d + i] = vx_act_f(VX_SIGMOID, ar);                       /* r */
				co[3 * d + i] = vx_act_df(VX_SIGMOID, az) * (hp - tanh(an));    /* zc */
				co[4 * d + i] = vx_act_f(VX_SIGMOID, az);                       /* z */
			}
			break;
		}
		}
	}
}

static vx_xd sp_df(vx_act a, double x)
{
	vx_xd s;
	s.e = (long)vx_act_df_split(a, x, &s.m);
	return s;
}

/* the logistic σ(x): past x = −700 σ(x) = σ'(x) / σ(−x) = σ'(x), σ(−x)
 * being 1 in a double */
static vx_xd sp_sig(double x)
{
	return x > -700 ? vx_xd_of(vx_act_f(VX_SIGMOID, x)) : sp_df(VX_SIGMOID, x);
}

/* Every coefficient of unit i of layer l at step j, each as an xd.h value, in
 * the order of coef (net_step.h) */
static void coef_split(const vx_net *net, const vx_net_fwd *f, size_t j, size_t l, size_t i, vx_xd *v)
{
	size_t d = net->d;
	const vx_net_trace *tr = &f->layer[l];
	const vx_net_layer *ly = &net->layer[l];
	const double *a = vx_row(tr->pre, j - 1);
	switch (net->cell) {
	case VX_CELL_RNN:
		v[0] = sp_df(net->act, a[i]);
		break;
	case VX_CELL_LSTM: {
		double cp = j == 1 ? gsl_vector_get(ly->c0, i) : gsl_matrix_get(tr->c, j - 2, i);
		double ai = a[i], af = a[d + i], ag = a[2 * d + i], ao = a[3 * d + i], c = gsl_matrix_get(tr->c, j - 1, i);
		v[0] = vx_xd_mul(sp_df(VX_SIGMOID, ai), vx_xd_of(tanh(ag)));
		v[1] = vx_xd_mul(sp_df(VX_SIGMOID, af), vx_xd_of(cp));
		v[2] = vx_xd_mul(sp_sig(ai), sp_df(VX_TANH, ag));
		v[3] = vx_xd_mul(sp_df(VX_SIGMOID, ao), vx_xd_of(tanh(c)));
		v[4] = sp_sig(af);
		v[5] = vx_xd_mul(sp_sig(ao), sp_df(VX_TANH, c));
		break;
	}
	case VX_CELL_GRU: {
		double hp = j == 1 ? gsl_vector_get(ly->h0, i) : gsl_matrix_get(tr->h, j - 2, i);
		double ar = a[i], az = a[d + i], an = a[2 * d + i];
		v[0] = vx_xd_mul(sp_sig(-az), sp_df(VX_TANH, an));
		v[1] = vx_xd_mul(vx_xd_of(gsl_matrix_get(tr->u, j - 1, i)), sp_df(VX_SIGMOID, ar));
		v[2] = sp_sig(ar);
		v[3] = vx_xd_mul(sp_df(VX_SIGMOID, az), vx_xd_of(hp - tanh(an)));
		v[4] = sp_sig(az);
		/* J takes N only as N r and N ur */
		v[5] = vx_xd_mul(v[0], v[2]);
		v[6] = vx_xd_mul(v[0], v[1]);
		break;
	}
	}
}

/* The same values as doubles from coef (layer l, unit i): the coefficients,
 * then the GRU's N r and N ur; how many */
static size_t unit_doubles(const vx_net *net, const double *coef, size_t l, size_t i, double *x)
{
	size_t d = net->d, K = vx_net_ncoef(net->cell);
	const double *co = coef + l * K * d;
	for (size_t q = 0; q < K; q++)
		x[q] = co[q * d + i];
	if (net->cell != VX_CELL_GRU)
		return K;
	x[5] = co[i] * co[2 * d + i];
	x[6] = co[i] * co[d + i];
	return 7;
}

/* 1 when a value held as the double x is 0 or subnormal but its truth is
 * not: some of its digits lost, or all of them */
static int lost_digits(double x, vx_xd truth)
{
	return truth.m != 0 && fabs(x) < DBL_MIN;
}

/* Of those, the ones that are 0 or subnormal as doubles but not in truth */
static size_t unit_lost(const vx_net *net, const vx_net_fwd *f, size_t j, const double *coef, size_t l, size_t i)
{
	double x[7];
	size_t n = unit_doubles(net, coef, l, i, x), lost = 0;
	int tiny = 0;
	for (size_t q = 0; q < n; q++)
		tiny |= fabs(x[q]) < DBL_MIN;
	if (!tiny)
		return 0;
	vx_xd v[7];
	coef_split(net, f, j, l, i, v);
	for (size_t q = 0; q < n; q++)
		lost += lost_digits(x[q], v[q]);
	return lost;
}

/* The values a one-layer step's scaled form holds, by their index in
 * coef_split's order, and the block of coef each goes to (NONE: it only
 * sets the power of two); see net_step.h:
 *   state, what J_j is linear in: the vanilla σ'; the LSTM's di, df, dg,
 *     do and f (beta, at most 1, multiplies only these); the GRU's N r and
 *     N ur (in r's and ur's blocks, N's holding 1), zc and z;
 *   gates, what the gate adjoints are linear in: the LSTM's di, df, dg and
 *     do; the GRU's N and zc, N r and N ur setting the power of two too
 *     (ur may pass 1), r and ur as they are. */
#define NONE SIZE_MAX
typedef struct {
	size_t n, idx[5], blk[5];
} form;

static const form FORMS[3][2] = {
	[VX_CELL_RNN] = { { 1, { 0 }, { 0 } }, { 1, { 0 }, { 0 } } },
	[VX_CELL_LSTM] = { { 5, { 0, 1, 2, 3, 4 }, { 0, 1, 2, 3, 4 } }, { 4, { 0, 1, 2, 3 }, { 0, 1, 2, 3 } } },
	[VX_CELL_GRU] = { { 4, { 5, 6, 3, 4 }, { 2, 1, 3, 4 } }, { 4, { 0, 3, 5, 6 }, { 0, 3, NONE, NONE } } },
};

#define COEF_LOW 0x1p-600

/* 1 when a one-layer step's coefficients need their powers of two apart:
 * the largest of the state values below COEF_LOW, or a value that is 0 or
 * subnormal as a double but not in truth */
static int needs_split(const vx_net *net, const vx_net_fwd *f, size_t j, const double *coef)
{
	const form *st = &FORMS[net->cell][0];
	double mx = 0, x[7];
	for (size_t i = 0; i < net->d; i++) {
		unit_doubles(net, coef, 0, i, x);
		for (size_t q = 0; q < st->n; q++)
			mx = fmax(mx, fabs(x[st->idx[q]]));
	}
	if (!(mx >= COEF_LOW))
		return 1;
	for (size_t i = 0; i < net->d; i++)
		if (unit_lost(net, f, j, coef, 0, i))
			return 1;
	return 0;
}

double vx_net_coef_ex(const vx_net *net, const vx_net_fwd *f, size_t j, double *coef, int gates, int *split_out,
                      size_t *flushed)
{
	coef_doubles(net, f, j, coef);
	if (split_out)
		*split_out = 0;
	if (net->L != 1 || !needs_split(net, f, j, coef))
		return 0;
	if (split_out)
		*split_out = 1;
	size_t d = net->d;
	const form *fm = &FORMS[net->cell][gates != 0];
	vx_xd v[7];
	double top = -INFINITY;
	for (size_t i = 0; i < d; i++) {
		coef_split(net, f, j, 0, i, v);
		for (size_t q = 0; q < fm->n; q++)
			if (v[fm->idx[q]].m != 0)
				top = fmax(top, v[fm->idx[q]].e);
	}
	if (top == -INFINITY)
		top = 0;
	for (size_t i = 0; i < d; i++) {
		coef_split(net, f, j, 0, i, v);
		for (size_t q = 0; q < fm->n; q++) {
			vx_xd w = v[fm->idx[q]];
			double sh = w.e - top;
			double x = w.m != 0 && sh > -1100 ? ldexp(w.m, (int)sh) : 0.0;
			if (flushed && lost_digits(x, w))
				(*flushed)++;
			if (fm->blk[q] != NONE)
				coef[fm->blk[q] * d + i] = x;
		}
		/* what the form leaves out: the GRU's N (in its products), the
		 * keeping gate of a gate adjoint's */
		if (net->cell == VX_CELL_GRU && !gates)
			coef[i] = 1.0;
		if (net->cell != VX_CELL_RNN && gates)
			coef[4 * d + i] = 0.0;
	}
	return top;
}

double vx_net_coef(const vx_net *net, const vx_net_fwd *f, size_t j, double *coef)
{
	return vx_net_coef_ex(net, f, j, coef, 0, NULL, NULL);
}

size_t vx_net_coef_lost(const vx_net *net, const vx_net_fwd *f, size_t j, double *coef)
{
	size_t lost = 0;
	if (net->L != 1) {
		coef_doubles(net, f, j, coef);
		for (size_t l = 0; l < net->L; l++)
			for (size_t i = 0; i < net->d; i++)
				lost += unit_lost(net, f, j, coef, l, i);
		return lost;
	}
	/* one layer: what the scaled forms flush, and what they take as doubles
	 * (the LSTM's beta, the GRU's r and ur in the gate adjoints) */
	int was_split;
	vx_net_coef_ex(net, f, j, coef, 0, &was_split, &lost);
	if (!was_split || net->cell == VX_CELL_RNN)
		return lost;
	vx_net_coef_ex(net, f, j, coef, 1, NULL, &lost);
	coef_doubles(net, f, j, coef);
	vx_xd v[7];
	size_t d = net->d;
	for (size_t i = 0; i < d; i++) {
		coef_split(net, f, j, 0, i, v);
		if (net->cell == VX_CELL_LSTM)
			lost += lost_digits(coef[5 * d + i], v[5]);
		else
			lost += lost_digits(coef[d + i], v[1]) + lost_digits(coef[2 * d + i], v[2]);
	}
	return lost;
}

vx_status vx_net_ws_init(vx_net_ws *w, const vx_net *net, size_t nbmax)
{
	memset(w, 0, sizeof *w);
	w->nbmax = nbmax;
	size_t gd = net->G * net->d;
	w->A = gsl_matrix_alloc(nbmax, gd);
	w->B = gsl_matrix_alloc(nbmax, gd);
	w->V = gsl_matrix_alloc(nbmax, net->d);
	w->M = gsl_matrix_alloc(net->Ds, net->d);
	if (!w->A || !w->B || !w->V || !w->M) {
		vx_net_ws_clear(w);
		return VX_ENOMEM;
	}
	return VX_OK;
}

static void ws_unpack(vx_net_ws *w)
{
	for (size_t i = 0; w->pk && i < w->npk; i++)
		vx_packed_free(&w->pk[i]);
	free(w->pk);
	w->pk = NULL;
	w->npk = 0;
}

vx_status vx_net_ws_pack(vx_net_ws *w, const vx_net *net)
{
	size_t d = net->d, n = 4 * net->L;
	if (w->pk || !vx_packed_size(d) || !vx_packed_available() || !vx_exec_blas_single())
		return VX_OK;
	if (!(w->pk = calloc(n, sizeof *w->pk)))
		return VX_ENOMEM;
	w->npk = n;
	for (size_t l = 0; l < net->L; l++) {
		const vx_net_layer *ly = &net->layer[l];
		/* the maps: A = X W_hhᵀ (W_ihᵀ) forward, X̄ = A W_hh (W_ih) back */
		const gsl_matrix *M[4] = { ly->w_hh, l > 0 ? ly->w_ih : NULL, ly->w_hh, l > 0 ? ly->w_ih : NULL };
		for (int q = 0; q < 4; q++) {
			if (!M[q])
				continue;
			int trans = q < 2;
			vx_packed *pk = &w->pk[4 * l + (size_t)q];
			if (vx_packed_alloc(pk, trans ? M[q]->size2 : M[q]->size1, trans ? M[q]->size1 : M[q]->size2)) {
				ws_unpack(w);
				return VX_ENOMEM;
			}
			vx_packed_set(pk, M[q], trans);
		}
	}
	return VX_OK;
}

void vx_net_ws_clear(vx_net_ws *w)
{
	ws_unpack(w);
	gsl_matrix_free(w->A);
	gsl_matrix_free(w->B);
	gsl_matrix_free(w->V);
	gsl_matrix_free(w->M);
	memset(w, 0, sizeof *w);
}

/* vx_mm_rows of ws_mm, for rows [r0, r1) */
typedef struct {
	const double *A;
	size_t lda;
	const gsl_matrix *W;
	int trans;
	double *C;
	size_t ldc;
	double beta;
	const vx_packed *pk;   /* op(W) in panels, or NULL */
} mm_job;

static int mm_rows(void *ctx, size_t r0, size_t r1)
{
	const mm_job *j = ctx;
	if (j->pk && j->pk->on && (j->beta == 0 || j->beta == 1)) {
		if (j->beta == 0)
			vx_packed_mul(j->pk, j->A + r0 * j->lda, j->lda, r1 - r0, 1.0, j->C + r0 * j->ldc, j->ldc);
		else
			vx_packed_mul_add(j->pk, j->A + r0 * j->lda, j->lda, r1 - r0, j->C + r0 * j->ldc, j->ldc);
		return 0;
	}
	vx_mm_rows(j->A + r0 * j->lda, j->lda, j->W, j->trans, j->C + r0 * j->ldc, j->ldc, r1 - r0, j->beta);
	return 0;
}

/* vx_mm_rows, the lower rows on w's helper when one waits (rowshare.h:
 * a row comes out with the bits of one call) */
static void ws_mm(vx_net_ws *w, const double *A, size_t lda, const gsl_matrix *W, int trans, double *C,
                  size_t ldc, size_t nb, double beta, size_t q)
{
	mm_job j = { A, lda, W, trans, C, ldc, beta, w->pk ? &w->pk[q] : NULL };
	vx_rowshare_run(w->help, mm_rows, &j, nb, (double)nb * (double)W->size1 * (double)W->size2);
}

void vx_net_jvp(const vx_net *net, const double *coef, size_t cstride, const gsl_matrix *X,
                gsl_matrix *Y, vx_net_ws *w)
{
	size_t d = net->d, Ds = net->Ds, K = vx_net_ncoef(net->cell), nb = X->size1;
	for (size_t l = 0; l < net->L; l++) {
		const vx_net_layer *ly = &net->layer[l];
		size_t off = l * Ds;
		/* A = δh_{j−1} W_hhᵀ; B = δv W_ihᵀ (layer 0's input x is not state) */
		ws_mm(w, X->data + off, X->tda, ly->w_hh, 1, w->A->data, w->A->tda, nb, 0.0, 4 * l);
		if (l > 0)
			ws_mm(w, Y->data + off - Ds, Y->tda, ly->w_ih, 1, w->B->data, w->B->tda, nb, 0.0, 4 * l + 1);
		for (size_t r = 0; r < nb; r++) {
			const double *co = coef + r * cstride + l * K * d, *x = vx_row(X, r) + off;
			const double *A = vx_row(w->A, r), *B = vx_row(w->B, r);
			double *y = vx_row(Y, r) + off;
			int in = l > 0;
			switch (net->cell) {
			case VX_CELL_RNN:
				for (size_t i = 0; i < d; i++)
					y[i] = co[i] * (A[i] + (in ? B[i] : 0));
				break;
			case VX_CELL_LSTM:
				for (size_t i = 0; i < d; i++) {
					double ai = A[i], af = A[d + i], ag = A[2 * d + i], ao = A[3 * d + i];
					if (in) {
						ai += B[i];
						af += B[d + i];
						ag += B[2 * d + i];
						ao += B[3 * d + i];
					}
					double dc = co[d + i] * af + co[i] * ai + co[2 * d + i] * ag + co[4 * d + i] * x[d + i];
					y[d + i] = dc;
					y[i] = co[3 * d + i] * ao + co[5 * d + i] * dc;
				}
				break;
			case VX_CELL_GRU:
				for (size_t i = 0; i < d; i++) {
					double ar = A[i] + (in ? B[i] : 0), az = A[d + i] + (in ? B[d + i] : 0);
					double an = (in ? B[2 * d + i] : 0) + co[d + i] * ar + co[2 * d + i] * A[2 * d + i];
					y[i] = co[i] * an + co[3 * d + i] * az + co[4 * d + i] * x[i];
				}
				break;
			}
		}
	}
}

void vx_net_vjp(const vx_net *net, const double *coef, size_t cstride, const gsl_matrix *Yb,
                gsl_matrix *Xb, vx_net_ws *w, double *dhh, double *dih)
{
	size_t d = net->d, Ds = net->Ds, K = vx_net_ncoef(net->cell), nb = Yb->size1, gd = net->G * d;
	for (size_t ll = net->L; ll-- > 0;) {
		const vx_net_layer *ly = &net->layer[ll];
		size_t off = ll * Ds;
		int above = ll + 1 < net->L;   /* V holds the adjoint of h from layer ll+1 */
		for (size_t r = 0; r < nb; r++) {
			const double *co = coef + r * cstride + ll * K * d, *yb = vx_row(Yb, r) + off;
			const double *V = vx_row(w->V, r);
			double *A = vx_row(w->A, r), *B = vx_row(w->B, r), *xb = vx_row(Xb, r) + off;
			switch (net->cell) {
			case VX_CELL_RNN:
				for (size_t i = 0; i < d; i++)
					A[i] = B[i] = co[i] * (yb[i] + (above ? V[i] : 0));
				break;
			case VX_CELL_LSTM:
				for (size_t i = 0; i < d; i++) {
					double hb = yb[i] + (above ? V[i] : 0);
					double ct = yb[d + i] + co[5 * d + i] * hb;
					A[i] = co[i] * ct;
					A[d + i] = co[d + i] * ct;
					A[2 * d + i] = co[2 * d + i] * ct;
					A[3 * d + i] = co[3 * d + i] * hb;
					xb[d + i] = co[4 * d + i] * ct;   /* ∂/∂c_{j−1} = f ⊙ c̄ */
				}
				memcpy(B, A, gd * sizeof *B);
				break;
			case VX_CELL_GRU:
				for (size_t i = 0; i < d; i++) {
					double hb = yb[i] + (above ? V[i] : 0), nbar = co[i] * hb;
					A[i] = B[i] = co[d + i] * nbar;
					A[d + i] = B[d + i] = co[3 * d + i] * hb;
					A[2 * d + i] = co[2 * d + i] * nbar;   /* through r ⊙ (U_n h + b_hn) */
					B[2 * d + i] = nbar;
					xb[i] = co[4 * d + i] * hb;             /* the direct z ⊙ h_{j−1} */
				}
				break;
			}
		}
		if (dhh && dih) {
			memcpy(dhh + ll * gd, vx_row(w->A, 0), gd * sizeof *dhh);
			memcpy(dih + ll * gd, vx_row(w->B, 0), gd * sizeof *dih);
		}
		/* ∂/∂h_{j−1} = δ_hh W_hh (+ the GRU's direct term), ∂/∂v = δ_ih W_ih */
		ws_mm(w, w->A->data, w->A->tda, ly->w_hh, 0, Xb->data + off, Xb->tda, nb,
		      net->cell == VX_CELL_GRU ? 1.0 : 0.0, 4 * ll + 2);
		if (ll > 0)
			ws_mm(w, w->B->data, w->B->tda, ly->w_ih, 0, w->V->data, w->V->tda, nb, 0.0, 4 * ll + 3);
	}
}

/* Layer l's block with respect to a vector entering through M (G·d × m, the
 * layer's W_hh when hh, else W_ih) into out (Ds × m: h rows, then c rows),
 * from the layer's coefficients co (see the derivation above). */
static void local_block(const vx_net *net, const double *co, const gsl_matrix *M, int hh,
                        gsl_matrix *out)
{
	size_t d = net->d, m = M->size2;
	for (size_t i = 0; i < d; i++) {
		double *oh = vx_row(out, i);
		switch (net->cell) {
		case VX_CELL_RNN: {
			const double *w = vx_row(M, i);
			for (size_t q = 0; q < m; q++)
				oh[q] = co[i] * w[q];
			break;
		}
		case VX_CELL_LSTM: {
			const double *wi = vx_row(M, i), *wf = vx_row(M, d + i), *wg = vx_row(M, 2 * d + i),
			             *wo = vx_row(M, 3 * d + i);
			double *oc = vx_row(out, d + i);
			double di = co[i], df = co[d + i], dg = co[2 * d + i], dout = co[3 * d + i],
			       beta = co[5 * d + i];
			for (size_t q = 0; q < m; q++) {
				oc[q] = df * wf[q] + di * wi[q] + dg * wg[q];
				oh[q] = dout * wo[q] + beta * oc[q];
			}
			break;
		}
		case VX_CELL_GRU: {
			const double *wr = vx_row(M, i), *wz = vx_row(M, d + i), *wn = vx_row(M, 2 * d + i);
			double N = co[i], ur = co[d + i], rho = hh ? co[2 * d + i] : 1.0, zc = co[3 * d + i];
			for (size_t q = 0; q < m; q++)
				oh[q] = N * (rho * wn[q] + ur * wr[q]) + zc * wz[q];
			break;
		}
		}
	}
}

void vx_net_jacobian_from_coef(const vx_net *net, const double *coef, gsl_matrix *J, vx_net_ws *w)
{
	gsl_matrix_set_zero(J);
	vx_net_jacobian_refill(net, coef, J, w);
}

/* The columns of row i of J that can be nonzero: 0 .. *n − 1 (the layers
 * below and the row's own layer's h), and *diag (an LSTM row's entry in
 * its layer's c columns; SIZE_MAX for none). */
static void row_support(const vx_net *net, size_t i, size_t *n, size_t *diag)
{
	size_t d = net->d, Ds = net->Ds, l = i / Ds, off = l * Ds;
	*n = off + d;
	*diag = net->cell == VX_CELL_LSTM ? off + d + (i - off) % d : SIZE_MAX;
}

int vx_net_jacobian_normalise(const vx_net *net, gsl_matrix *J, int *e)
{
	size_t D = net->D, n, diag;
	double mx = 0;
	*e = 0;
	for (size_t i = 0; i < D; i++) {
		row_support(net, i, &n, &diag);
		/* each part tested before fmax, which drops a NaN */
		double r = vx_maxabs(vx_row(J, i), n), a = diag != SIZE_MAX ? fabs(vx_row(J, i)[diag]) : 0;
		if (!isfinite(r) || !isfinite(a))
			return -1;
		mx = fmax(mx, fmax(r, a));
	}
	if (mx == 0)
		return 0;
	*e = vx_expo(mx);
	for (size_t i = 0; i < D; i++) {
		row_support(net, i, &n, &diag);
		vx_scale2(vx_row(J, i), n, -*e);
		if (diag != SIZE_MAX)
			vx_row(J, i)[diag] = ldexp(vx_row(J, i)[diag], -*e);
	}
	return 1;
}

void vx_net_jacobian_refill(const vx_net *net, const double *coef, gsl_matrix *J, vx_net_ws *w)
{
	size_t d = net->d, Ds = net->Ds, K = vx_net_ncoef(net->cell);
	for (size_t l = 0; l < net->L; l++) {
		const double *co = coef + l * K * d;
		size_t off = l * Ds;
		gsl_matrix_view own = gsl_matrix_submatrix(J, off, off, Ds, d);
		local_block(net, co, net->layer[l].w_hh, 1, &own.matrix);
		for (size_t i = 0; i < d; i++) {
			if (net->cell == VX_CELL_LSTM) {
				double f = co[4 * d + i];
				gsl_matrix_set(J, off + i, off + d + i, co[5 * d + i] * f);
				gsl_matrix_set(J, off + d + i, off + d + i, f);
			} else if (net->cell == VX_CELL_GRU) {
				*gsl_matrix_ptr(J, off + i, off + i) += co[4 * d + i];
			}
		}
		if (l == 0)
			continue;
		/* rows of layer l, columns of layers below: I_l times the h rows of
		 * layer l−1 (already complete) */
		local_block(net, co, net->layer[l].w_ih, 0, w->M);
		gsl_matrix_view lo = gsl_matrix_submatrix(J, off, 0, Ds, off);
		gsl_matrix_const_view hb = gsl_matrix_const_submatrix(J, off - Ds, 0, d, off);
		gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, w->M, &hb.matrix, 0.0, &lo.matrix);
	}
}

/* ---- public, for tests and small networks ---- */

static int fits(const vx_net *net, const vx_net_fwd *f, const gsl_matrix *M)
{
	return net && f && M && f->L == net->L && f->T == net->T && M->size1 == net->D &&
	       M->size2 == net->D;
}

vx_status vx_net_step_jacobian(const vx_net *net, const vx_net_fwd *f, size_t j, gsl_matrix *J)
{
	if (!fits(net, f, J))
		return VX_ESHAPE;
	if (j < 1 || j > net->T)
		return VX_EUSAGE;
	double *coef = malloc(vx_net_coef_size(net) * sizeof *coef);
	vx_net_ws w;
	if (!coef || vx_net_ws_init(&w, net, 1)) {
		free(coef);
		return VX_ENOMEM;
	}
	double E = vx_net_coef(net, f, j, coef);
	vx_net_jacobian_from_coef(net, coef, J, &w);
	/* as doubles: a saturated step's entries are subnormal or 0 */
	vx_scale2_matrix(J, (int)fmin(fmax(E, -4000), 4000));
	vx_net_ws_clear(&w);
	free(coef);
	return VX_OK;
}

/* A product carried as mantissa × 2^E back to doubles when 2^E fits,
 * else its scale as a power of ten beside it. */
static void scale_back(gsl_matrix *M, double E, double *log10_scale)
{
	if (E <= 1024 && E >= -1021)
		vx_scale2_matrix(M, (int)E);
	else
		*log10_scale = E * VX_LOG10_2;
}

/* After a factor: A's largest entry back to [½, 1), its power of two added
 * to *E.  1 when the product is done early: exactly 0 (*E = 0, *st VX_OK)
 * or not finite (*st VX_ENONFINITE); else 0. */
static int renormalise(gsl_matrix *A, double *E, vx_status *st)
{
	int e, nz = vx_normalise2(A, &e);
	if (nz <= 0) {
		*st = nz < 0 ? VX_ENONFINITE : VX_OK;
		*E = 0;
		return 1;
	}
	*E += e;
	return 0;
}

vx_status vx_net_dSdS(const vx_net *net, const vx_net_fwd *f, size_t t, size_t k, gsl_matrix *P,
                      double *log10_scale)
{
	if (!fits(net, f, P))
		return VX_ESHAPE;
	if (k < 1 || k > t || t > net->T)
		return VX_EUSAGE;
	size_t D = net->D;
	*log10_scale = 0;
	gsl_matrix_set_identity(P);
	if (k == t)
		return VX_OK;
	double *coef = malloc(vx_net_coef_size(net) * sizeof *coef);
	gsl_matrix *J = gsl_matrix_alloc(D, D), *Q = gsl_matrix_alloc(D, D);
	vx_net_ws w;
	vx_status st = VX_ENOMEM;
	if (!coef || !J || !Q || vx_net_ws_init(&w, net, 1)) {
		free(coef);
		gsl_matrix_free(J);
		gsl_matrix_free(Q);
		return st;
	}
	/* P held as P × 2^E, its largest entry brought to [½, 1) after every
	 * factor: no over- or underflow over any horizon */
	double E = 0;
	st = VX_OK;
	for (size_t j = t; j > k; j--) {
		E += vx_net_coef(net, f, j, coef);
		vx_net_jacobian_from_coef(net, coef, J, &w);
		gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, P, J, 0.0, Q);
		gsl_matrix_memcpy(P, Q);
		if (renormalise(P, &E, &st))
			break;
	}
	if (st == VX_OK)
		scale_back(P, E, log10_scale);
	vx_net_ws_clear(&w);
	free(coef);
	gsl_matrix_free(J);
	gsl_matrix_free(Q);
	return st;
}

vx_status vx_net_dSdS_columns(const vx_net *net, const vx_net_fwd *f, size_t t, size_t k, const size_t *cols,
                              size_t nc, gsl_matrix *P, double *log10_scale)
{
	if (!fits(net, f, P))
		return VX_ESHAPE;
	if (k < 1 || k > t || t > net->T || nc == 0)
		return VX_EUSAGE;
	size_t D = net->D;
	for (size_t c = 0; c < nc; c++)
		if (cols[c] >= D)
			return VX_EUSAGE;
	*log10_scale = 0;
	gsl_matrix *X = gsl_matrix_calloc(nc, D), *Y = gsl_matrix_alloc(nc, D);
	double *coef = malloc(vx_net_coef_size(net) * sizeof *coef);
	vx_net_ws w = { 0 };
	vx_status st = VX_ENOMEM;
	if (!X || !Y || !coef || vx_net_ws_init(&w, net, nc))
		goto done;
	st = VX_OK;
	for (size_t c = 0; c < nc; c++)
		gsl_matrix_set(X, c, cols[c], 1.0);
	/* row c is column cols[c] of the product, carried as X × 2^E */
	double E = 0;
	for (size_t j = k + 1; j <= t; j++) {
		E += vx_net_coef(net, f, j, coef);
		vx_net_jvp(net, coef, 0, X, Y, &w);
		gsl_matrix *tmp = X;
		X = Y;
		Y = tmp;
		if (renormalise(X, &E, &st))
			break;
	}
	gsl_matrix_set_zero(P);
	if (st == VX_OK) {
		scale_back(X, E, log10_scale);
		for (size_t c = 0; c < nc; c++)
			for (size_t i = 0; i < D; i++)
				gsl_matrix_set(P, i, cols[c], gsl_matrix_get(X, c, i));
	}
done:
	gsl_matrix_free(X);
	gsl_matrix_free(Y);
	free(coef);
	vx_net_ws_clear(&w);
	return st;
}
