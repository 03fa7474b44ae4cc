/*
 * net_fd.c — finite-difference verification of a vx_net analysis (see
 * net_analysis.h): each block of the step Jacobian J_j, the product
 * ∂S_t/∂S_k, and ∂L_t/∂θ for every parameter, all against central
 * differences of the forward map itself (vx_net_step), which shares no code
 * with the derivatives.
 *
 * Each difference is a Richardson pair, (4 D(h/2) − D(h)) / 3 with
 * D(h) = (f(x+h) − f(x−h)) / 2h, error O(h⁴).  The step is 2^-10 max(1, |x|)
 * divided by how far the perturbation moves the pre-activations per unit
 * (bounded by the largest weight it meets times the largest ‖∂S_t/∂S_k‖), so
 * that no gate leaves its linear regime; the step actually taken,
 * (x+h) − (x−h) as rounded, is the one divided by.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "engine/fd_pair.h"
#include "engine/linalg.h"
#include "engine/net_analysis.h"
#include "engine/net_fdjudge.h"

#define FD_REL 0x1p-10

/* S_b = F_{b}(…F_{a+1}(S)…): the forward map from step a to b, in place */
static void run(const vx_net *net, size_t a, size_t b, double *S, double *S2, double *scratch)
{
	for (size_t j = a + 1; j <= b; j++) {
		vx_net_step(net, j, S, S2, scratch);
		memcpy(S, S2, net->D * sizeof *S);
	}
}

/* Column q of ∂S_b/∂S_a by differences into col (D), with gain an estimate
 * of the map's growth per unit (for the step). */
static void column(const vx_net *net, const double *Sa, size_t a, size_t b, size_t q, double gain,
                   double *col, double *buf, double *scratch)
{
	size_t D = net->D;
	double *S = buf, *S2 = buf + D, *out = buf + 2 * D;   /* out: 4 × D */
	double h = FD_REL * fmax(1.0, fabs(Sa[q])) / fmax(1.0, gain);
	double pt[4];
	vx_fd_points(Sa[q], h, pt);
	for (int p = 0; p < 4; p++) {
		memcpy(S, Sa, D * sizeof *S);
		S[q] = pt[p];
		run(net, a, b, S, S2, scratch);
		memcpy(out + p * D, S, D * sizeof *S);
	}
	for (size_t i = 0; i < D; i++) {
		double f[4] = { out[i], out[D + i], out[2 * D + i], out[3 * D + i] };
		col[i] = vx_fd_combine(pt, f);
	}
}

/* L_t after one parameter entry *theta is set to v (the forward pass from S_0) */
static double loss_at(vx_net *net, double *theta, double v, size_t t, const double *S0, double *buf,
                      double *scratch)
{
	double keep = *theta;
	*theta = v;
	double *S = buf, *S2 = buf + net->D;
	memcpy(S, S0, net->D * sizeof *S);
	run(net, 0, t, S, S2, scratch);
	*theta = keep;
	return vx_net_loss(net, S);
}

void vx_net_fdcheck_clear(vx_net_fdcheck *fd)
{
	if (!fd)
		return;
	free(fd->block);
	free(fd->param);
	memset(fd, 0, sizeof *fd);
}

/* indices of the n largest |x_i| (all when n is 0 or >= len), into idx */
static size_t top_entries(const double *x, size_t len, size_t tda, size_t cols, size_t n, size_t *idx)
{
	if (n == 0 || n >= len) {
		for (size_t i = 0; i < len; i++)
			idx[i] = i;
		return len;
	}
	size_t m = 0;
	for (size_t i = 0; i < len; i++) {
		double v = fabs(x[(i / cols) * tda + i % cols]);
		size_t p = m < n ? m++ : n;
		if (p == n && v <= fabs(x[(idx[n - 1] / cols) * tda + idx[n - 1] % cols]))
			continue;
		if (p == n)
			p = n - 1;
		while (p > 0 && fabs(x[(idx[p - 1] / cols) * tda + idx[p - 1] % cols]) < v) {
			idx[p] = idx[p - 1];
			p--;
		}
		idx[p] = i;
	}
	return m;
}

vx_status vx_net_fd_check(const vx_net *net, const vx_net_result *r, size_t j, size_t k,
                          size_t max_entries, vx_net_fdcheck *out)
{
	memset(out, 0, sizeof *out);
	if (!net || !r || !r->fwd || r->D != net->D || r->T != net->T || r->L != net->L)
		return VX_ESHAPE;
	if (j < 1 || j > net->T || k < 1 || k > r->t)
		return VX_EUSAGE;
	size_t D = net->D, L = net->L, d = net->d, sub = net->cell == VX_CELL_LSTM ? 2 : 1;
	size_t nblk = L * sub, t = r->t;
	out->j = j;
	out->k = k;
	out->nblk = nblk;
	out->block = calloc(nblk * nblk, sizeof *out->block);
	out->param = calloc(4 * L, sizeof *out->param);
	size_t maxp = net->G * d * (net->n > d ? net->n : d);
	gsl_matrix *J = gsl_matrix_alloc(D, D), *F = gsl_matrix_alloc(D, D);
	double *buf = malloc((7 * D + vx_net_step_scratch(net)) * sizeof *buf);
	double *Sa = malloc(2 * D * sizeof *Sa), *col = malloc(D * sizeof *col);
	size_t *idx = malloc(maxp * sizeof *idx);
	vx_net *cl = vx_net_clone(net);
	vx_status st = VX_ENOMEM;
	if (!out->block || !out->param || !J || !F || !buf || !Sa || !col || !idx || !cl)
		goto done;
	double *scratch = buf + 7 * D, *S0 = Sa + D, ws = vx_net_fd_weight_scale(net);
	vx_net_state(net, r->fwd, 0, S0);

	/* J_j, block by block */
	if ((st = vx_net_step_jacobian(net, r->fwd, j, J)))
		goto done;
	vx_net_state(net, r->fwd, j - 1, Sa);
	for (size_t q = 0; q < D; q++) {
		column(net, Sa, j - 1, j, q, ws, col, buf, scratch);
		for (size_t i = 0; i < D; i++)
			gsl_matrix_set(F, i, q, col[i]);
	}
	double jmax = vx_maxabs_matrix(J);
	for (size_t a = 0; a < nblk; a++)
		for (size_t b = 0; b < nblk; b++) {
			gsl_matrix_const_view Ja = gsl_matrix_const_submatrix(J, a * d, b * d, d, d);
			gsl_matrix_const_view Fa = gsl_matrix_const_submatrix(F, a * d, b * d, d, d);
			double ref = vx_maxabs_matrix(&Ja.matrix), e = 0;
			for (size_t i = 0; i < d; i++)
				for (size_t q = 0; q < d; q++)
					e = fmax(e, fabs(gsl_matrix_get(&Ja.matrix, i, q) - gsl_matrix_get(&Fa.matrix, i, q)));
			out->block[a * nblk + b] = e / (ref > 0 ? ref : jmax > 0 ? jmax : 1);
		}

	/* ∂S_t/∂S_k: the analytic product, and its columns by differences of
	 * the map from k to t, the step shrunk by the growth of the product */
	double l10;
	if ((st = vx_net_dSdS(net, r->fwd, t, k, J, &l10)))
		goto done;
	out->dSdS = NAN;
	if (l10 == 0) {
		double pmax = vx_maxabs_matrix(J), e = 0;
		vx_net_state(net, r->fwd, k, Sa);
		double gain = vx_net_fd_growth(r);
		for (size_t q = 0; q < D; q++) {
			column(net, Sa, k, t, q, ws * gain, col, buf, scratch);
			for (size_t i = 0; i < D; i++)
				e = fmax(e, fabs(gsl_matrix_get(J, i, q) - col[i]));
		}
		out->dSdS = e / (pmax > 0 ? pmax : 1);
	}

	/* ∂L_t/∂θ, entry by entry on a clone */
	double gain = vx_net_fd_growth(r);
	double sc = r->grad_log10_scale == 0 ? 1 : NAN;
	for (size_t l = 0; l < L; l++) {
		vx_net_layer *cy = &cl->layer[l];
		const vx_net_grad *g = &r->grad[l];
		gsl_matrix *par[2] = { cy->w_ih, cy->w_hh };
		const gsl_matrix *an[2] = { g->w_ih, g->w_hh };
		gsl_vector *vpar[2] = { cy->b_ih, cy->b_hh };
		const gsl_vector *van[2] = { g->b_ih, g->b_hh };
		/* without biases only the two weights are parameters */
		for (int p = 0; p < (net->no_bias ? 2 : 4); p++) {
			size_t rows, cols, tda, ptda;
			double *th, *gv;
			if (p < 2) {
				rows = par[p]->size1;
				cols = par[p]->size2;
				th = par[p]->data;
				ptda = par[p]->tda;
				gv = an[p]->data;
				tda = an[p]->tda;
			} else {
				rows = 1;
				cols = vpar[p - 2]->size;
				th = vpar[p - 2]->data;
				ptda = 0;
				gv = van[p - 2]->data;
				tda = 0;
			}
			double ref = 0;
			for (size_t i = 0; i < rows * cols; i++)
				ref = fmax(ref, fabs(gv[(i / cols) * tda + i % cols]));
			size_t ne = top_entries(gv, rows * cols, tda, cols, max_entries, idx);
			double e = 0;
			for (size_t q = 0; q < ne; q++) {
				size_t i = idx[q] / cols, c = idx[q] % cols;
				double *x = th + i * ptda + c, pt[4], f[4];
				double h = FD_REL * fmax(1.0, fabs(*x)) / (ws * gain);
				vx_fd_points(*x, h, pt);
				for (int s = 0; s < 4; s++)
					f[s] = loss_at(cl, x, pt[s], t, S0, buf, scratch);
				e = fmax(e, fabs(vx_fd_combine(pt, f) - sc * gv[i * tda + c]));
			}
			out->entries += ne;
			out->param[4 * l + (size_t)p] = e / (ref > 0 ? ref : 1);
		}
	}
	st = VX_OK;
done:
	if (st)
		vx_net_fdcheck_clear(out);
	gsl_matrix_free(J);
	gsl_matrix_free(F);
	free(buf);
	free(Sa);
	free(col);
	free(idx);
	vx_net_free(cl);
	return st;
}
