/*
 * fdcheck.c — finite-difference verification of the derivation (see
 * analysis.h).
 *
 * Every difference is a central one with a Richardson pair: with
 * D(h) = (f(x+h) − f(x−h)) / 2h, the estimate (4 D(h/2) − D(h)) / 3 has an
 * error of order h⁴.  The step h is at most 2^-10 max(1, |x|), which
 * balances truncation (~1e-12) against rounding (~1e-13), and is made
 * smaller where the map is less tame, using a forward-mode tangent of the
 * same perturbation (how much each pre-activation a_{j,i} moves per unit of
 * x, to first order):
 *   - no pre-activation moves by more than 2^-10 (long or exploding
 *     horizons, where a fixed h would reach far outside the linear regime);
 *   - for ReLU, no pre-activation crosses 0: between kinks the map is
 *     exactly linear, so the difference is exact up to rounding.
 * The step actually taken, (x+h) − (x−h) as rounded, is the one divided by.
 *
 * Perturbed runs are batched: the columns of a d×m state matrix are m
 * perturbed networks stepped together by one dgemm per step.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_blas.h>
#include "engine/analysis.h"
#include "engine/linalg.h"

#define FD_REL 0x1p-10     /* h <= FD_REL × max(1, |x|) */
#define FD_MOVE 0x1p-10    /* and no pre-activation moves by more than this */
#define CHUNK 32           /* columns (×4 perturbed runs) per batch */
#define MAX_COLS 32        /* columns compared in vx_fd_check */
#define FLOP_BUDGET 4e9    /* for the ∂L_t/∂W runs in vx_fd_check */

/* The four evaluation points of a Richardson pair: x+h, x−h, x+h/2, x−h/2. */
static void fd_points(double x, double h, double pt[4])
{
	pt[0] = x + h;
	pt[1] = x - h;
	pt[2] = x + 0.5 * h;
	pt[3] = x - 0.5 * h;
}

/* The step for a perturbation of x (in a vector whose largest entry is
 * scale) whose tangent moves pre-activations by at most amax per unit and
 * reaches a ReLU kink first at distance kink.  curved: the map bends (a
 * smooth activation, or W, which enters every step as a product); a
 * piecewise-linear map only has kinks to stay clear of.  *unres is a
 * vx_fd_why: VX_FD_UNRESOLVED when the map is so sensitive that no difference
 * resolves it in double precision (the step it needs is below 2^-30 of x's
 * scale), VX_FD_AT_KINK when x sits on a kink, else VX_FD_MEASURED. */
static double fd_step(double x, double scale, double amax, double kink, int curved, int relu,
                      int *unres)
{
	double sc = fmax(1.0, fmax(fabs(x), scale));
	double h = FD_REL * sc;
	if (curved && amax > 0 && FD_MOVE / amax < h)
		h = FD_MOVE / amax;
	if (relu && kink == 0) {
		*unres = VX_FD_AT_KINK;   /* on the kink itself: no derivative to compare */
		return h;
	}
	if (relu && kink > 0 && 0.5 * kink < h)
		h = 0.5 * kink;
	*unres = h < 0x1p-30 * sc ? VX_FD_UNRESOLVED : VX_FD_MEASURED;
	return fmax(h, 0x1p-40 * sc);
}

/* The Richardson estimate from f at the four points. */
static double fd_combine(const double pt[4], const double f[4])
{
	double d1 = (f[0] - f[1]) / (pt[0] - pt[1]);
	double d2 = (f[2] - f[3]) / (pt[2] - pt[3]);
	return (4.0 * d2 - d1) / 3.0;
}

static int valid(const vx_model *m, const vx_result *r)
{
	return m && r && r->a && r->s && r->d == m->d && r->T == m->T;
}

/* u = U x_j + b, the input drive of step j */
static void drive(const vx_model *m, size_t j, double *u)
{
	for (size_t i = 0; i < m->d; i++)
		u[i] = gsl_vector_get(m->b, i);
	gsl_vector_const_view xj = gsl_matrix_const_row(m->x, j - 1);
	gsl_vector_view uv = gsl_vector_view_array(u, m->d);
	gsl_blas_dgemv(CblasNoTrans, 1.0, m->U, &xj.vector, 1.0, &uv.vector);
}

/* s_{j} as a pointer (j = 0 gives s_0, copied into buf) */
static const double *state(const vx_model *m, const vx_result *r, size_t j, double *buf)
{
	if (j > 0)
		return gsl_matrix_const_ptr(r->s, j - 1, 0);
	for (size_t i = 0; i < m->d; i++)
		buf[i] = gsl_vector_get(m->s0, i);
	return buf;
}

/* A W-perturbation of one batch column: W_{i,l} += delta. */
typedef struct {
	size_t i, l;
	double delta;
} wpert;

/* Steps the nc columns of S (d×nc, states s_{j0}) to s_{j1}: A = W S + u_j,
 * S = σ(A); with wp, column c runs with W + wp[c].delta e_i e_lᵀ.  A is scratch. */
static void run_batch(const vx_model *m, size_t j0, size_t j1, gsl_matrix *S, gsl_matrix *A,
                      const wpert *wp, double *u)
{
	size_t d = m->d, nc = S->size2;
	for (size_t j = j0 + 1; j <= j1; j++) {
		drive(m, j, u);
		gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, m->W, S, 0.0, A);
		for (size_t i = 0; i < d; i++) {
			double *ar = gsl_matrix_ptr(A, i, 0);
			for (size_t c = 0; c < nc; c++)
				ar[c] += u[i];
		}
		if (wp)
			for (size_t c = 0; c < nc; c++)
				*gsl_matrix_ptr(A, wp[c].i, c) += wp[c].delta * gsl_matrix_get(S, wp[c].l, c);
		for (size_t i = 0; i < d; i++)
			vx_act_fv(m->act, gsl_matrix_ptr(A, i, 0), gsl_matrix_ptr(S, i, 0), nc);
	}
}

/* Forward-mode tangents of nc perturbations from step j0 to j1 along the
 * analysed trajectory: column c of V starts as δs_{j0} and, with wp, gains
 * e_i s_{j−1,l} in δa_j at every step (a perturbation of W_{il}).  For each
 * column, amax[c] = max |δa_{j,i}|, measured against max(1, |a_{j,i}|) for
 * smooth σ and against max(1, ‖a_j‖∞) for the piecewise-linear activations
 * (whose only curvature in W is that of a product, relative by nature), and
 * kink[c] = min |a_{j,i}| / |δa_{j,i}|
 * over the entries that move: the distance to the first ReLU kink.  A is
 * scratch. */
static void tangents(const vx_model *m, const vx_result *r, size_t j0, size_t j1, gsl_matrix *V,
                     gsl_matrix *A, const wpert *wp, double *amax, double *kink, double *buf)
{
	size_t d = m->d, nc = V->size2;
	for (size_t c = 0; c < nc; c++) {
		amax[c] = 0;
		kink[c] = INFINITY;
	}
	for (size_t j = j0 + 1; j <= j1; j++) {
		gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, m->W, V, 0.0, A);
		if (wp) {
			const double *sp = state(m, r, j - 1, buf);
			for (size_t c = 0; c < nc; c++)
				*gsl_matrix_ptr(A, wp[c].i, c) += sp[wp[c].l];
		}
		int plin = m->act == VX_RELU || m->act == VX_LINEAR;
		double rowscale = plin ? fmax(1.0, vx_maxabs(gsl_matrix_const_ptr(r->a, j - 1, 0), d)) : 1;
		for (size_t i = 0; i < d; i++) {
			double a = gsl_matrix_get(r->a, j - 1, i), sd = vx_act_df(m->act, a);
			/* smooth σ bends on a scale of 1 near 0 and hardly at all deep in
			 * saturation, as long as a does not move by a fair part of itself */
			double ascale = plin ? rowscale : fmax(1.0, fabs(a));
			const double *ar = gsl_matrix_const_ptr(A, i, 0);
			double *vr = gsl_matrix_ptr(V, i, 0);
			for (size_t c = 0; c < nc; c++) {
				double da = fabs(ar[c]);
				if (da > 0) {
					amax[c] = fmax(amax[c], da / ascale);
					kink[c] = fmin(kink[c], fabs(a) / da);
				}
				vr[c] = sd * ar[c];
			}
		}
	}
}

/* ---- column-wise differences of one map, for a list of columns ---- */

typedef enum { FD_DSDA, FD_DADS, FD_DSDS } fd_kind;

/* Column cols[q] of the Jacobian of `kind` at (j, k) into out (d×nq, column q),
 * out = NULL for none.  For FD_DSDA: ∂s_j/∂a_j; FD_DADS: ∂a_j/∂s_{j−1};
 * FD_DSDS: ∂s_j/∂s_k (j = t). */
static vx_status fd_columns(const vx_model *m, const vx_result *r, fd_kind kind, size_t j,
                            size_t k, const size_t *cols, size_t nq, gsl_matrix *out, int *unres)
{
	int smooth = m->act == VX_SIGMOID || m->act == VX_TANH, relu = m->act == VX_RELU;
	size_t d = m->d;
	gsl_matrix *S = gsl_matrix_alloc(d, 4 * CHUNK), *A = gsl_matrix_alloc(d, 4 * CHUNK);
	double *u = malloc(2 * d * sizeof *u), *buf = u + d;
	double (*pts)[4] = malloc(CHUNK * sizeof *pts);
	vx_status st = VX_ENOMEM;
	if (!S || !A || !u || !pts)
		goto done;
	for (size_t q0 = 0; q0 < nq; q0 += CHUNK) {
		size_t nb = nq - q0 < CHUNK ? nq - q0 : CHUNK, nc = 4 * nb;
		gsl_matrix_view Sv = gsl_matrix_submatrix(S, 0, 0, d, nc);
		gsl_matrix_view Av = gsl_matrix_submatrix(A, 0, 0, d, nc);
		/* the unperturbed point: a_j, s_{j-1} or s_k */
		const double *x0 = kind == FD_DSDA ? gsl_matrix_const_ptr(r->a, j - 1, 0)
		                   : kind == FD_DADS ? state(m, r, j - 1, buf)
		                   : state(m, r, k, buf);
		/* the steps: from the tangents of ∂s_t/∂s_k; for ∂s_j/∂a_j the
		 * perturbed a itself is all that moves; ∂a_j/∂s_{j−1} is linear */
		double amax[CHUNK], kink[CHUNK];
		if (kind == FD_DSDS) {
			gsl_matrix_view Vv = gsl_matrix_submatrix(S, 0, 0, d, nb);
			gsl_matrix_view Tv = gsl_matrix_submatrix(A, 0, 0, d, nb);
			gsl_matrix_set_zero(&Vv.matrix);
			for (size_t b = 0; b < nb; b++)
				gsl_matrix_set(&Vv.matrix, cols[q0 + b], b, 1.0);
			tangents(m, r, k, j, &Vv.matrix, &Tv.matrix, NULL, amax, kink, u);
		}
		/* rounding in a linear combination scales with the whole vector */
		double scale = kind == FD_DSDA ? 0 : vx_maxabs(x0, d);
		for (size_t b = 0; b < nb; b++) {
			size_t l = cols[q0 + b];
			double h;
			int un = 0;
			if (kind == FD_DSDS)
				h = fd_step(x0[l], scale, amax[b], kink[b], smooth, relu, &un);
			else if (kind == FD_DSDA)
				h = fd_step(x0[l], 0, 1.0, fabs(x0[l]), smooth, relu, &un);
			else
				h = fd_step(x0[l], scale, 0.0, INFINITY, 0, 0, &un);
			if (unres)
				unres[q0 + b] = un;
			fd_points(x0[l], h, pts[b]);
		}
		/* the unperturbed point in every column, then the perturbations */
		for (size_t i = 0; i < d; i++)
			for (size_t c = 0; c < nc; c++)
				gsl_matrix_set(&Sv.matrix, i, c, x0[i]);
		for (size_t b = 0; b < nb; b++)
			for (int v = 0; v < 4; v++)
				gsl_matrix_set(&Sv.matrix, cols[q0 + b], 4 * b + v, pts[b][v]);
		if (kind == FD_DSDA) {
			for (size_t i = 0; i < d; i++)
				vx_act_fv(m->act, gsl_matrix_ptr(&Sv.matrix, i, 0), gsl_matrix_ptr(&Sv.matrix, i, 0), nc);
		} else if (kind == FD_DADS) {
			/* a_j = W s_{j-1} + U x_j + b, without the activation */
			drive(m, j, u);
			gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, m->W, &Sv.matrix, 0.0, &Av.matrix);
			for (size_t i = 0; i < d; i++)
				for (size_t c = 0; c < nc; c++)
					gsl_matrix_set(&Sv.matrix, i, c, gsl_matrix_get(&Av.matrix, i, c) + u[i]);
		} else {
			run_batch(m, k, j, &Sv.matrix, &Av.matrix, NULL, u);
		}
		for (size_t b = 0; b < nb; b++)
			for (size_t i = 0; i < d; i++) {
				double f[4];
				for (int v = 0; v < 4; v++)
					f[v] = gsl_matrix_get(&Sv.matrix, i, 4 * b + v);
				gsl_matrix_set(out, i, q0 + b, fd_combine(pts[b], f));
			}
	}
	st = VX_OK;
done:
	gsl_matrix_free(S);
	gsl_matrix_free(A);
	free(u);
	free(pts);
	return st;
}

static vx_status fd_full(const vx_model *m, const vx_result *r, fd_kind kind, size_t j,
                         gsl_matrix *D)
{
	if (!valid(m, r) || !D || D->size1 != m->d || D->size2 != m->d)
		return VX_ESHAPE;
	if (j < 1 || j > m->T)
		return VX_EUSAGE;
	size_t *cols = malloc(m->d * sizeof *cols);
	if (!cols)
		return VX_ENOMEM;
	for (size_t l = 0; l < m->d; l++)
		cols[l] = l;
	vx_status st = fd_columns(m, r, kind, j, 0, cols, m->d, D, NULL);
	free(cols);
	return st;
}

vx_status vx_fd_dsda(const vx_model *m, const vx_result *r, size_t j, gsl_matrix *D)
{
	return fd_full(m, r, FD_DSDA, j, D);
}

vx_status vx_fd_dads(const vx_model *m, const vx_result *r, size_t j, gsl_matrix *A)
{
	return fd_full(m, r, FD_DADS, j, A);
}

/* ---- the check ---- */

/* max over the sampled columns of |fd − analytic|, over max |analytic| */
static double rel_error(const gsl_matrix *an, const gsl_matrix *fd, const size_t *cols, size_t nq,
                        const int *skip)
{
	size_t d = an->size1;
	double amax = 0, emax = 0;
	for (size_t i = 0; i < d; i++)
		amax = fmax(amax, vx_maxabs(gsl_matrix_const_ptr(an, i, 0), an->size2));
	size_t used = 0;
	for (size_t q = 0; q < nq; q++) {
		if (skip && skip[q])
			continue;
		used++;
		for (size_t i = 0; i < d; i++) {
			double e = fabs(gsl_matrix_get(fd, i, q) - gsl_matrix_get(an, i, cols[q]));
			if (e > emax || isnan(e))
				emax = e;
		}
	}
	if (used == 0)
		return NAN;
	return amax > 0 ? emax / amax : emax;
}

/* L_t for each column of S (states s_t) */
static double loss_of(const vx_model *m, const gsl_matrix *S, size_t c)
{
	double l = 0;
	for (size_t i = 0; i < m->d; i++) {
		double e = gsl_matrix_get(S, i, c) - gsl_vector_get(m->y, i);
		l += e * e;
	}
	return 0.5 * l;
}

/* ∂L_t/∂W at the listed entries, by perturbing W and re-running steps 1..t */
static vx_status fd_dLdW(const vx_model *m, const vx_result *r, const size_t *ent, size_t ne,
                         double *out, int *unres)
{
	size_t d = m->d, t = r->t;
	gsl_matrix *S = gsl_matrix_alloc(d, 4 * CHUNK), *A = gsl_matrix_alloc(d, 4 * CHUNK);
	double *u = malloc(2 * d * sizeof *u), *buf = u + d;
	wpert *wp = malloc(4 * CHUNK * sizeof *wp);
	vx_status st = VX_ENOMEM;
	if (!S || !A || !u || !wp)
		goto done;
	const double *s0 = state(m, r, 0, buf);
	for (size_t q0 = 0; q0 < ne; q0 += CHUNK) {
		size_t nb = ne - q0 < CHUNK ? ne - q0 : CHUNK, nc = 4 * nb;
		gsl_matrix_view Sv = gsl_matrix_submatrix(S, 0, 0, d, nc);
		gsl_matrix_view Av = gsl_matrix_submatrix(A, 0, 0, d, nc);
		double pts[CHUNK][4], amax[CHUNK], kink[CHUNK];
		/* tangents of the nb perturbations of W first, for the steps */
		for (size_t b = 0; b < nb; b++) {
			wp[b].i = ent[q0 + b] / d;
			wp[b].l = ent[q0 + b] % d;
			wp[b].delta = 1;
		}
		gsl_matrix_view Vv = gsl_matrix_submatrix(S, 0, 0, d, nb);
		gsl_matrix_view Tv = gsl_matrix_submatrix(A, 0, 0, d, nb);
		gsl_matrix_set_zero(&Vv.matrix);
		tangents(m, r, 0, t, &Vv.matrix, &Tv.matrix, wp, amax, kink, buf);
		for (size_t b = nb; b-- > 0;) {
			size_t i = ent[q0 + b] / d, l = ent[q0 + b] % d;
			double w = gsl_matrix_get(m->W, i, l);
			fd_points(w, fd_step(w, 0, amax[b], kink[b], 1, m->act == VX_RELU, &unres[q0 + b]), pts[b]);
			for (int v = 0; v < 4; v++) {
				wp[4 * b + v].i = i;
				wp[4 * b + v].l = l;
				wp[4 * b + v].delta = pts[b][v] - w;
			}
		}
		for (size_t i = 0; i < d; i++)
			for (size_t c = 0; c < nc; c++)
				gsl_matrix_set(&Sv.matrix, i, c, s0[i]);
		run_batch(m, 0, t, &Sv.matrix, &Av.matrix, wp, u);
		for (size_t b = 0; b < nb; b++) {
			double f[4];
			/* the steps in W as applied: the deltas themselves */
			double p[4];
			for (int v = 0; v < 4; v++) {
				f[v] = loss_of(m, &Sv.matrix, 4 * b + v);
				p[v] = wp[4 * b + v].delta;
			}
			out[q0 + b] = fd_combine(p, f);
		}
	}
	st = VX_OK;
done:
	gsl_matrix_free(S);
	gsl_matrix_free(A);
	free(u);
	free(wp);
	return st;
}

/* Indices of the n largest |x| (n small), written to idx; returns how many. */
static size_t top_entries(const double *x, size_t len, size_t n, size_t *idx)
{
	size_t got = 0;
	for (size_t p = 0; p < len; p++) {
		double v = fabs(x[p]);
		if (got < n) {
			idx[got++] = p;
		} else if (v > fabs(x[idx[got - 1]])) {
			idx[got - 1] = p;
		} else {
			continue;
		}
		for (size_t q = got - 1; q > 0 && fabs(x[idx[q]]) > fabs(x[idx[q - 1]]); q--) {
			size_t tmp = idx[q];
			idx[q] = idx[q - 1];
			idx[q - 1] = tmp;
		}
	}
	return got;
}

vx_status vx_fd_check(const vx_model *m, const vx_result *r, vx_fdcheck *out)
{
	memset(out, 0, sizeof *out);
	if (!valid(m, r) || !r->grad_W || !r->paths)
		return VX_ESHAPE;
	size_t d = m->d, t = r->t;
	vx_status st = VX_ENOMEM;

	/* the step j = t; k the largest gap <= 8 whose ∂s_t/∂s_k lies within
	 * [1e-4, 1e4], so that differences of s_t neither drown in rounding nor
	 * leave the linear regime */
	out->j = t;
	size_t gap = 0;
	for (size_t g = 1; g <= 8 && g < t; g++) {
		vx_mag n = r->paths[t - g - 1].norm;
		if (n.fits && n.log10 >= -4 && n.log10 <= 4)
			gap = g;
	}
	if (gap == 0 && t > 1)
		gap = 1;
	out->k = t - gap;

	if (m->act == VX_RELU)
		for (size_t j = 1; j <= t; j++)
			for (size_t i = 0; i < d; i++)
				out->kinks += gsl_matrix_get(r->a, j - 1, i) == 0;

	/* columns: all for small d, else MAX_COLS spread evenly */
	size_t nq = d <= MAX_COLS ? d : MAX_COLS;
	size_t *cols = calloc(nq + 64, sizeof *cols);
	int *unres = calloc(nq + 64, sizeof *unres);
	gsl_matrix *an = gsl_matrix_alloc(d, d), *fd = gsl_matrix_alloc(d, nq);
	double *fdw = NULL;
	if (!cols || !unres || !an || !fd)
		goto done;
	for (size_t q = 0; q < nq; q++)
		cols[q] = q * d / nq;
	out->columns = nq;

	/* ∂s_j/∂a_j against diag(σ'(a_j)) */
	gsl_matrix_set_zero(an);
	for (size_t i = 0; i < d; i++)
		gsl_matrix_set(an, i, i, vx_act_df(m->act, gsl_matrix_get(r->a, out->j - 1, i)));
	if ((st = fd_columns(m, r, FD_DSDA, out->j, 0, cols, nq, fd, unres)))
		goto done;
	for (size_t q = 0; q < nq; q++) {
		unres[q] = unres[q] == VX_FD_AT_KINK;   /* a tiny step still measures σ' off the kink */
		out->at_kink += unres[q];
	}
	out->dsda = rel_error(an, fd, cols, nq, unres);
	if (isnan(out->dsda))
		out->why[0] = VX_FD_AT_KINK;   /* the only columns fd_step leaves out here */
	memset(unres, 0, (nq + 64) * sizeof *unres);

	/* ∂a_j/∂s_{j−1} against W */
	if ((st = fd_columns(m, r, FD_DADS, out->j, 0, cols, nq, fd, NULL)))
		goto done;
	out->dads = rel_error(m->W, fd, cols, nq, NULL);

	/* ∂s_t/∂s_k against the product of Jacobians */
	double l10;
	if ((st = vx_dsds(m, r, t, out->k, an, &l10)))
		goto done;
	if ((st = fd_columns(m, r, FD_DSDS, t, out->k, cols, nq, fd, unres)))
		goto done;
	size_t sens = 0;
	for (size_t q = 0; q < nq; q++) {
		sens += unres[q] == VX_FD_UNRESOLVED;
		out->at_kink += unres[q] == VX_FD_AT_KINK;
	}
	out->unresolved += sens;
	out->dsds = l10 == 0 ? rel_error(an, fd, cols, nq, unres) : NAN;
	if (l10 != 0)
		out->why[2] = VX_FD_TOO_LARGE;
	else if (isnan(out->dsds))
		out->why[2] = sens > 0 ? VX_FD_UNRESOLVED : VX_FD_AT_KINK;

	/* ∂L_t/∂W at the largest analytic entries and at spread ones; as many as
	 * the budget allows, since each costs four runs of t steps */
	if (r->grad_log10_scale != 0) {
		out->dLdW = NAN;
		out->why[3] = VX_FD_TOO_LARGE;
		st = VX_OK;
		goto done;
	}
	size_t ne;
	if (d * d <= 64) {
		ne = d * d;
		for (size_t p = 0; p < ne; p++)
			cols[p] = p;
	} else {
		double per = 8.0 * (double)t * (double)d * (double)d;
		size_t want = (size_t)(FLOP_BUDGET / per);
		want = want < 4 ? 4 : want > 16 ? 16 : want;
		size_t nt = top_entries(r->grad_W->data, d * d, want / 2, cols);
		ne = nt;
		for (size_t q = 0; ne < want; q++) {
			size_t p = (size_t)((q * 2654435761u + 12345u) % (d * d));
			int dup = 0;
			for (size_t z = 0; z < ne; z++)
				dup |= cols[z] == p;
			if (!dup)
				cols[ne++] = p;
		}
	}
	fdw = malloc(ne * sizeof *fdw);
	if (!fdw) {
		st = VX_ENOMEM;
		goto done;
	}
	memset(unres, 0, (nq + 64) * sizeof *unres);
	if ((st = fd_dLdW(m, r, cols, ne, fdw, unres)))
		goto done;
	double gmax = vx_maxabs(r->grad_W->data, d * d), emax = 0;
	size_t wsens = 0;
	for (size_t q = 0; q < ne; q++) {
		if (unres[q]) {
			wsens += unres[q] == VX_FD_UNRESOLVED;
			out->at_kink += unres[q] == VX_FD_AT_KINK;
			continue;
		}
		out->dLdW_entries++;
		double e = fabs(fdw[q] - r->grad_W->data[cols[q]]);
		if (e > emax || isnan(e))
			emax = e;
	}
	out->unresolved += wsens;
	out->dLdW = out->dLdW_entries == 0 ? NAN : gmax > 0 ? emax / gmax : emax;
	if (out->dLdW_entries == 0)
		out->why[3] = wsens > 0 ? VX_FD_UNRESOLVED : VX_FD_AT_KINK;
	st = VX_OK;
done:
	free(cols);
	free(unres);
	free(fdw);
	gsl_matrix_free(an);
	gsl_matrix_free(fd);
	return st;
}
