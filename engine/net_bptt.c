/*
 * net_bptt.c — backpropagation through time for vx_net_analyse
 * (net_analysis_internal.h): the adjoint of S_k from k = t down, each
 * step's gate adjoints giving every parameter's gradient as outer products
 * and the path terms, carried as mantissa × 2^E.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_blas.h>
#include "engine/net_analysis_internal.h"

/* the gradient accumulators as mantissa × 2^EA */
typedef struct {
	int have;
	double EA;
} gacc;

/* Steps whose outer products wait to join the weight gradients in one
 * dgemm: a rank-one update per step read and wrote all of weight_hh's
 * gradient (2 MB at an LSTM of d = 256) for each step, and took 0.15 s of
 * CPU over T = 1000 in each of the two passes. */
#define OUTER_BLOCK 32

/* Row b of each block: f × the gate adjoints (weight_hh's, then
 * weight_ih's) of every layer, and each layer's h_{k−1} and input. */
typedef struct {
	size_t nb;             /* rows waiting */
	gsl_matrix *dh, *di;   /* OUTER_BLOCK × L·G·d */
	gsl_matrix *hp;        /* OUTER_BLOCK × L·d */
	gsl_matrix *v;         /* OUTER_BLOCK × (n + (L−1)·d) */
} outer_blk;

static void blk_clear(outer_blk *o)
{
	gsl_matrix_free(o->dh);
	gsl_matrix_free(o->di);
	gsl_matrix_free(o->hp);
	gsl_matrix_free(o->v);
}

static int blk_init(outer_blk *o, const vx_net *net)
{
	size_t gd = net->G * net->d, L = net->L;
	o->nb = 0;
	o->dh = gsl_matrix_alloc(OUTER_BLOCK, L * gd);
	o->di = gsl_matrix_alloc(OUTER_BLOCK, L * gd);
	o->hp = gsl_matrix_alloc(OUTER_BLOCK, L * net->d);
	o->v = gsl_matrix_alloc(OUTER_BLOCK, net->n + (L - 1) * net->d);
	return o->dh && o->di && o->hp && o->v ? 0 : -1;
}

/* layer l's input columns in o->v: x's n, then d for each layer below */
static size_t blk_vcol(const vx_net *net, size_t l)
{
	return l == 0 ? 0 : net->n + (l - 1) * net->d;
}

/* grad[l].w_hh += Σ_b dh_b hp_bᵀ and grad[l].w_ih += Σ_b di_b v_bᵀ */
static void blk_flush(outer_blk *o, const vx_net *net, vx_net_grad *grad)
{
	size_t gd = net->G * net->d, d = net->d;
	if (o->nb == 0)
		return;
	for (size_t l = 0; l < net->L; l++) {
		size_t nl = l == 0 ? net->n : d;
		gsl_matrix_const_view DH = gsl_matrix_const_submatrix(o->dh, 0, l * gd, o->nb, gd);
		gsl_matrix_const_view DI = gsl_matrix_const_submatrix(o->di, 0, l * gd, o->nb, gd);
		gsl_matrix_const_view HP = gsl_matrix_const_submatrix(o->hp, 0, l * d, o->nb, d);
		gsl_matrix_const_view V = gsl_matrix_const_submatrix(o->v, 0, blk_vcol(net, l), o->nb, nl);
		gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, &DH.matrix, &HP.matrix, 1.0, grad[l].w_hh);
		gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, &DI.matrix, &V.matrix, 1.0, grad[l].w_ih);
	}
	o->nb = 0;
}

static void grad_rescale(const vx_net *net, vx_net_grad *grad, int e)
{
	for (size_t l = 0; l < net->L; l++) {
		vx_net_grad *g = &grad[l];
		vx_scale2_matrix(g->w_ih, e);
		vx_scale2_matrix(g->w_hh, e);
		vx_scale2(g->b_ih->data, g->b_ih->size, e);
		vx_scale2(g->b_hh->data, g->b_hh->size, e);
	}
}

/* max |entry| over every gradient */
static double grad_max(const vx_net *net, const vx_net_grad *grad)
{
	double m = 0;
	for (size_t l = 0; l < net->L; l++) {
		const vx_net_grad *g = &grad[l];
		m = fmax(m, fmax(vx_maxabs_matrix(g->w_ih), vx_maxabs_matrix(g->w_hh)));
		m = fmax(m, fmax(vx_maxabs(g->b_ih->data, g->b_ih->size), vx_maxabs(g->b_hh->data, g->b_hh->size)));
	}
	return m;
}

/* Σ of squares of a block, after dividing by 2^e (no overflow) */
static double sumsq(const double *A, size_t r, size_t c, size_t tda, int e)
{
	double s = 0;
	for (size_t i = 0; i < r; i++)
		for (size_t q = 0; q < c; q++) {
			double v = ldexp(A[i * tda + q], -e);
			s += v * v;
		}
	return s;
}

/* ‖A‖_F = *m × 2^*e of a block (r × c, row stride tda), apart from any
 * other block's scale; 0 × 2^0 for zeros */
static void frob(const double *A, size_t r, size_t c, size_t tda, double *m, double *e)
{
	double mx = 0;
	for (size_t i = 0; i < r; i++)
		mx = fmax(mx, vx_maxabs(A + i * tda, c));
	int x = mx > 0 ? vx_expo(mx) : 0;
	*m = sqrt(sumsq(A, r, c, tda, x));
	*e = x;
}

/* The backward pass: sum = 0, ∂L_t/∂θ of the loss at step t into r->grad
 * with r->loss, the path contributions and the norms; sum = 1, ∂L/∂θ of
 * L = Σ_{k=1}^{T} L_k into r->grad_sum with r->loss_sum and its norm, the
 * adjoint taking in h_k − y at every step k on its way down. */
static vx_status backward(const vx_net *net, int ej, vx_net_result *r, const atomic_int *stop, int sum)
{
	size_t D = net->D, d = net->d, L = net->L, t = sum ? r->T : r->t, gd = net->G * d, Ds = net->Ds;
	gsl_matrix *g = gsl_matrix_calloc(1, D), *gb = gsl_matrix_alloc(1, D);
	double *coef = malloc(vx_net_coef_size(net) * sizeof *coef), *cgate = malloc(vx_net_coef_size(net) * sizeof *cgate);
	gsl_matrix *gscr = gsl_matrix_alloc(1, D);
	double *dhh = malloc(2 * L * gd * sizeof *dhh), *S = malloc(D * sizeof *S), *res = malloc(d * sizeof *res);
	vx_net_grad *grad = sum ? r->grad_sum : r->grad;
	vx_net_ws ws = { 0 };
	outer_blk ob = { 0 };
	vx_status st = VX_ENOMEM;
	if (!g || !gb || !coef || !cgate || !gscr || !dhh || !S || !res || vx_net_ws_init(&ws, net, 1) || blk_init(&ob, net))
		goto done;
	st = VX_OK;
	double *dih = dhh + L * gd;

	/* ∂L_t/∂S_t: h_t − y in the top layer's h, 0 elsewhere */
	double *g0 = vx_row(g, 0) + (L - 1) * Ds;
	double mg = 0, Eg = 0, lm = 0, le = 0;
	if (!sum) {
		const double *ht = vx_row(r->fwd->layer[L - 1].h, t - 1);
		for (size_t i = 0; i < d; i++)
			g0[i] = ht[i] - gsl_vector_get(net->y, i);
		mg = vx_maxabs(g0, d);
		int ge = mg > 0 ? vx_expo(mg) : 0;
		r->loss = vx_mag_ldexp(0.5 * sumsq(g0, 1, d, 0, ge), 2.0 * ge);
		for (size_t l = 0; l < t * L; l++)
			r->contribution[l] = vx_mag_ldexp(0, 0);
		Eg = ge;
		if (mg > 0)
			vx_scale2(vx_row(g, 0), D, -ge);
	}
	gacc ga = { 0, 0 };
	for (size_t k = t; (sum || mg > 0) && k >= 1; k--) {
		if (vx_stop_asked(stop)) {
			st = VX_ECANCELLED;
			goto done;
		}
		if (sum) {
			/* ∂L/∂S_k = (∂L/∂S_{k+1}) J_{k+1} + ∂L_k/∂S_k: L_k's residual
			 * joins the adjoint at the larger one's power of two */
			double Er;
			if (vx_diff2(vx_row(r->fwd->layer[L - 1].h, k - 1), net->y, res, &Er)) {
				vx_sum2_add(&lm, &le, 0.5 * sumsq(res, 1, d, 0, 0), 2.0 * Er);
				double E = mg > 0 ? fmax(Eg, Er) : Er;
				if (mg > 0)
					vx_scale2(vx_row(g, 0), D, (int)fmax(Eg - E, -2000));
				double fr = vx_shift2(Er - E);
				for (size_t i = 0; i < d; i++)
					g0[i] += res[i] * fr;
				Eg = E;
				mg = vx_maxabs(vx_row(g, 0), D);
				if (mg > 0) {
					int e = vx_expo(mg);
					vx_scale2(vx_row(g, 0), D, -e);
					Eg += e;
					mg = 1;
				}
			}
			if (mg == 0)
				continue;
		}
		/* the step's gate adjoints are 2^Et of what the map gives: the
		 * adjoint's power of two and the coefficients' */
		int split;
		double Ek = vx_net_coef_ex(net, r->fwd, k, coef, 0, &split, NULL), Et = Eg + Ek;
		vx_net_vjp(net, coef, 0, g, gb, &ws, dhh, dih);
		if (split && net->cell != VX_CELL_RNN) {
			/* the gate adjoints at their own power of two (net_step.h) */
			Et = Eg + vx_net_coef_ex(net, r->fwd, k, cgate, 1, NULL, NULL);
			vx_net_vjp(net, cgate, 0, g, gscr, &ws, dhh, dih);
		}
		/* keep the accumulators' exponent within 64 binary orders of the
		 * terms, so neither they nor a term over- or underflows */
		if (!ga.have) {
			ga.have = 1;
			ga.EA = Et;
		} else if (Et - ga.EA > 64) {
			blk_flush(&ob, net, grad);
			grad_rescale(net, grad, (int)(ga.EA - Et));
			ga.EA = Et;
		}
		double f = Et - ga.EA < -1000 ? 0 : ldexp(1.0, (int)(Et - ga.EA));
		vx_net_state(net, r->fwd, k - 1, S);
		for (size_t l = 0; l < L; l++) {
			vx_net_grad *G = &grad[l];
			const double *hp = S + l * Ds, *dh = dhh + l * gd, *di = dih + l * gd;
			const double *v = l == 0 ? vx_row(net->x, k - 1) : vx_row(r->fwd->layer[l - 1].h, k - 1);
			if (!sum) {
				/* the norms' product from their mantissas: a relu or
				 * linear state near the largest double would overflow it */
				int en, eh;
				double dn = frexp(cblas_dnrm2((int)gd, dh, 1), &en),
				       hn = frexp(cblas_dnrm2((int)d, hp, 1), &eh);
				r->contribution[(k - 1) * L + l] = vx_mag_ldexp(dn * hn, Et + en + eh);
			}
			if (f == 0)
				continue;
			/* f, a power of two, scales the adjoints as the rank-one
			 * update's alpha did */
			double *bdh = vx_row(ob.dh, ob.nb) + l * gd, *bdi = vx_row(ob.di, ob.nb) + l * gd;
			for (size_t i = 0; i < gd; i++) {
				bdh[i] = f * dh[i];
				bdi[i] = f * di[i];
			}
			memcpy(vx_row(ob.hp, ob.nb) + l * d, hp, d * sizeof *hp);
			memcpy(vx_row(ob.v, ob.nb) + blk_vcol(net, l), v, (l == 0 ? net->n : d) * sizeof *v);
			if (net->no_bias)
				continue;   /* no biases: their gradients stay 0 */
			cblas_daxpy((int)gd, f, dh, 1, G->b_hh->data, (int)G->b_hh->stride);
			cblas_daxpy((int)gd, f, di, 1, G->b_ih->data, (int)G->b_ih->stride);
		}
		if (f != 0 && ++ob.nb == OUTER_BLOCK)
			blk_flush(&ob, net, grad);
		if (k == 1)
			break;
		/* ∂L_t/∂S_{k−1} = J_kᵀ ∂L_t/∂S_k (the map gave 2^-(ej + Ek) of
		 * it), renormalised */
		mg = vx_maxabs(vx_row(gb, 0), D);
		if (!isfinite(mg)) {
			st = VX_ENONFINITE;
			goto done;
		}
		if (mg > 0) {
			int e = vx_expo(mg);
			vx_scale2(vx_row(gb, 0), D, -e);
			Eg += e + ej + Ek;
		}
		/* a zero adjoint is copied too: the summed pass adds to it */
		gsl_matrix_memcpy(g, gb);
	}
	blk_flush(&ob, net, grad);
	vx_mag *norm = sum ? &r->grad_sum_norm : &r->grad_norm;
	double *scale = sum ? &r->grad_sum_log10_scale : &r->grad_log10_scale;
	if (sum)
		r->loss_sum = vx_mag_ldexp(lm, le);
	*scale = 0;
	*norm = vx_mag_ldexp(0, 0);
	for (size_t l = 0; !sum && l < L; l++)
		r->grad_hh_norm[l] = vx_mag_ldexp(0, 0);
	double mx = grad_max(net, grad);
	if (!ga.have || mx == 0)
		goto done;
	int em = vx_expo(mx);
	/* each block's Frobenius norm at its own scale, then their sum of
	 * squares at the largest's: a weight_hh gradient 1e-301 of the biases'
	 * (relu at λ = 1e300) has squares far below theirs */
	double fm[4], fe[4], total = 0;
	for (size_t l = 0; l < L; l++) {
		const vx_net_grad *G = &grad[l];
		frob(G->w_hh->data, G->w_hh->size1, G->w_hh->size2, G->w_hh->tda, &fm[0], &fe[0]);
		frob(G->w_ih->data, G->w_ih->size1, G->w_ih->size2, G->w_ih->tda, &fm[1], &fe[1]);
		frob(G->b_ih->data, 1, gd, 0, &fm[2], &fe[2]);
		frob(G->b_hh->data, 1, gd, 0, &fm[3], &fe[3]);
		for (int q = 0; q < 4; q++) {
			double v = ldexp(fm[q], (int)(fe[q] - em));
			total += v * v;
		}
		if (!sum)
			r->grad_hh_norm[l] = vx_mag_ldexp(fm[0], ga.EA + fe[0]);
	}
	*norm = vx_mag_ldexp(sqrt(total), ga.EA + em);
	double top = em + ga.EA;
	if (top <= 1024 && top >= -1021)
		grad_rescale(net, grad, (int)ga.EA);
	else
		*scale = ga.EA * VX_LOG10_2;
done:
	gsl_matrix_free(g);
	gsl_matrix_free(gb);
	gsl_matrix_free(gscr);
	free(coef);
	free(cgate);
	free(dhh);
	free(S);
	free(res);
	vx_net_ws_clear(&ws);
	blk_clear(&ob);
	return st;
}

vx_status vx_na_backprop(const vx_net *net, int ej, vx_net_result *r, const atomic_int *stop)
{
	return backward(net, ej, r, stop, 0);
}

vx_status vx_na_backprop_sum(const vx_net *net, int ej, vx_net_result *r, const atomic_int *stop)
{
	return backward(net, ej, r, stop, 1);
}
