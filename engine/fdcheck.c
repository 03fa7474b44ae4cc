/*
 * fdcheck.c — finite-difference verification of the derivation (see
 * analysis.h).
 *
 * Every difference is a central one with a Richardson pair: with
 * D(h) = (f(x+h) − f(x−h)) / 2h, the estimate (4 D(h/2) − D(h)) / 3 has an
 * error of order h⁴.  The step is set by a forward-mode tangent of the same
 * perturbation (how much each pre-activation a_{j,i} moves per unit of x, to
 * first order): the pre-activations move by 2^-10 of their scale, which
 * balances truncation (~1e-12) against rounding (~1e-13).  So
 *   - on long or exploding horizons the step shrinks, and a fixed h would
 *     reach far outside the linear regime;
 *   - a perturbation of a state, which enters a_j through W once and
 *     linearly, takes whatever step that needs, however large against the
 *     state: at λ = 1e-300 a step of 2^-10 would move a_j by 1e-303, far
 *     below the rounding of a_j, and the difference would be noise;
 *   - for ReLU, no pre-activation crosses 0: between kinks the map is
 *     exactly linear, so the difference is exact up to rounding.
 * The step actually taken, (x+h) − (x−h) as rounded, is the one divided by.
 *
 * A difference is only as good as the values differenced: each entry
 * carries its rounding floor, 3δ/h for values rounded by δ (σ near ±1 keeps
 * no digit of σ' at all).  An entry that misses its analytic value by more
 * than the tolerance but by no more than a few floors is left out as
 * unresolved, so that an error the check reports is one rounding cannot
 * make: a wrong formula, never the limits of double precision.
 *
 * Perturbed runs are batched: the columns of a d×m state matrix are m
 * perturbed networks stepped together by one dgemm per step.
 */
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_blas.h>
#include "engine/analysis.h"
#include "engine/fd_pair.h"
#include "engine/linalg.h"

#define FD_REL 0x1p-10     /* h <= FD_REL × max(1, |x|) */
#define FD_MOVE 0x1p-10    /* and no pre-activation moves by more than this */
#define FD_HMAX 0x1p1000   /* no step beyond this, so that x ± h stays finite */
#define FD_ULPS 2.0        /* a value differenced is within this many ε of its size */
#define FD_NOISE 4.0       /* a disagreement within this many rounding floors may be rounding */
#define CHUNK 32           /* columns (×4 perturbed runs) per batch */
#define MAX_COLS 32        /* columns compared in vx_fd_check */
#define FLOP_BUDGET 4e9    /* for the ∂L_t/∂W runs in vx_fd_check */

/* The step for a perturbation of x (in a vector whose largest entry is
 * scale) whose tangent moves pre-activations by at most amax per unit and
 * reaches a ReLU kink first at distance kink.  bounded: the step also stays
 * within FD_REL max(1, |x|), for perturbations of W, which enters every step
 * multiplied by the state, so that a step far beyond |x| would bring terms
 * of second order the tangent does not see; a perturbation of a state enters
 * through W once, linearly, and its step is set by the motion of the
 * pre-activations alone, however large or small that makes it against x (at
 * λ = 1e-300 a step of 1e297 moves a_j by 2^-10: a step of 2^-10 |x| would
 * move it by 1e-303, far below the rounding of a_j).
 * *unres is a vx_fd_why: VX_FD_UNRESOLVED when the map is so sensitive that
 * no difference resolves it in double precision (the step it needs is below
 * 2^-30 of x's scale: rounding at x, amplified on the way as the step is,
 * would swamp it), or when the step that would move the pre-activations
 * enough lies beyond the range of a double; VX_FD_AT_KINK when x sits on a
 * kink; else VX_FD_MEASURED. */
static double fd_step(double x, double scale, double amax, double kink, int bounded, int relu,
                      int *unres)
{
	double sc = fmax(1.0, fmax(fabs(x), scale));
	double h = FD_REL * sc;
	if (amax > 0 && (!bounded || FD_MOVE / amax < h))
		h = FD_MOVE / amax;
	if (relu && kink == 0) {
		*unres = VX_FD_AT_KINK;   /* on the kink itself: no derivative to compare */
		return fmin(h, FD_HMAX);
	}
	if (relu && kink > 0 && 0.5 * kink < h)
		h = 0.5 * kink;
	/* a state is rounded at its own scale (a zero state not at all); W's
	 * nudge enters a_j as h s_{j−1,l}, rounded at the scale of a_j, ~1 */
	double rs = bounded ? sc : fmax(fabs(x), scale);
	*unres = h < 0x1p-30 * rs ? VX_FD_UNRESOLVED : VX_FD_MEASURED;
	if (h > FD_HMAX) {
		/* x ± h must stay finite; the pre-activations then move by less
		 * than FD_MOVE, and by too little to resolve below 2^-30 */
		h = FD_HMAX;
		if (h * amax < 0x1p-30)
			*unres = VX_FD_UNRESOLVED;
	}
	return fmax(h, 0x1p-40 * rs);   /* x ± h must differ from x */
}

/* How far rounding alone can move vx_fd_combine's estimate when the values
 * differenced are rounded at the scale `size` (their largest magnitude, plus
 * what was rounded on the way to them): each within δ = FD_ULPS (ε size +
 * the spacing of subnormals, which is all the precision σ(−744) = 5e-324
 * has), so d2 within 2δ/h and d1 within 2δ/2h, and (4 d2 − d1)/3 within
 * 3δ/h. */
static double fd_floor(double size, const double pt[4])
{
	return 3.0 * FD_ULPS * (DBL_EPSILON * size + DBL_TRUE_MIN) / fabs(pt[2] - pt[3]);
}

/* The derivative from the values f at a perturbation's four points pt
 * (vx_fd_combine), and, when noise is not NULL, its rounding floor: fd_floor
 * of the values' largest magnitude plus extra (what else was rounded on
 * the way), plus rel times the derivative.  A perturbed run beyond the
 * largest double measures nothing: then a measured *unres (unres not NULL)
 * becomes VX_FD_UNRESOLVED. */
static double fd_value(const double pt[4], const double f[4], double extra, double rel, double *noise,
                       int *unres)
{
	double fmx = 0;
	int finite = 1;
	for (int v = 0; v < 4; v++) {
		finite &= isfinite(f[v]);
		fmx = fmax(fmx, fabs(f[v]));
	}
	double out = vx_fd_combine(pt, f);
	if (noise)
		*noise = fd_floor(fmx + extra, pt) + (rel > 0 ? rel * fabs(out) : 0);
	if (!finite && unres && *unres == VX_FD_MEASURED)
		*unres = VX_FD_UNRESOLVED;
	return out;
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

/* The scale at which a_j = W s_{j−1} + U x_j + b is rounded:
 * A_i = Σ_l |W_il||s_{j−1,l}| + Σ_l |U_il||x_{j,l}| + |b_i|, which exceeds
 * |a_{j,i}| when the terms cancel.  buf: d scratch for s_0. */
static void abs_drive(const vx_model *m, const vx_result *r, size_t j, double *A, double *buf)
{
	const double *sp = state(m, r, j - 1, buf), *xj = gsl_matrix_const_ptr(m->x, j - 1, 0);
	for (size_t i = 0; i < m->d; i++) {
		const double *wi = gsl_matrix_const_ptr(m->W, i, 0), *ui = gsl_matrix_const_ptr(m->U, i, 0);
		double v = fabs(gsl_vector_get(m->b, i));
		for (size_t l = 0; l < m->d; l++)
			v += fabs(wi[l] * sp[l]);
		for (size_t l = 0; l < m->n; l++)
			v += fabs(ui[l] * xj[l]);
		A[i] = v;
	}
}

/* amx[i] = max_{j=1..t} A_{j,i} (abs_drive) and smx[l] = max_{j=1..t}
 * |s_{j−1,l}|, for blocks of steps at a time by two matrix products with
 * |W| and |U| (one abs_drive per step cost 0.08 s at d = 256, t = 1000). */
static vx_status abs_drive_max(const vx_model *m, const vx_result *r, size_t t, double *amx, double *smx)
{
	enum { B = 128 };   /* steps per block */
	size_t d = m->d, n = m->n;
	gsl_matrix *aw = gsl_matrix_alloc(d, d), *au = gsl_matrix_alloc(d, n);
	gsl_matrix *sb = gsl_matrix_alloc(B, d), *xb = gsl_matrix_alloc(B, n), *ab = gsl_matrix_alloc(B, d);
	vx_status st = VX_ENOMEM;
	if (!aw || !au || !sb || !xb || !ab)
		goto done;
	for (size_t i = 0; i < d; i++) {
		for (size_t l = 0; l < d; l++)
			gsl_matrix_set(aw, i, l, fabs(gsl_matrix_get(m->W, i, l)));
		for (size_t l = 0; l < n; l++)
			gsl_matrix_set(au, i, l, fabs(gsl_matrix_get(m->U, i, l)));
		amx[i] = smx[i] = 0;
	}
	for (size_t j0 = 0; j0 < t; j0 += B) {
		size_t nb = t - j0 < B ? t - j0 : B;
		gsl_matrix_view sv = gsl_matrix_submatrix(sb, 0, 0, nb, d), xv = gsl_matrix_submatrix(xb, 0, 0, nb, n);
		gsl_matrix_view av = gsl_matrix_submatrix(ab, 0, 0, nb, d);
		for (size_t q = 0; q < nb; q++) {   /* row q: step j = j0 + q + 1 */
			const double *sp = state(m, r, j0 + q, gsl_matrix_ptr(sb, q, 0));
			for (size_t l = 0; l < d; l++) {
				gsl_matrix_set(&sv.matrix, q, l, fabs(sp[l]));
				smx[l] = fmax(smx[l], fabs(sp[l]));
			}
			for (size_t l = 0; l < n; l++)
				gsl_matrix_set(&xv.matrix, q, l, fabs(gsl_matrix_get(m->x, j0 + q, l)));
		}
		gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, &sv.matrix, aw, 0.0, &av.matrix);
		gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, &xv.matrix, au, 1.0, &av.matrix);
		for (size_t q = 0; q < nb; q++)
			for (size_t i = 0; i < d; i++)
				amx[i] = fmax(amx[i], gsl_matrix_get(&av.matrix, q, i) + fabs(gsl_vector_get(m->b, i)));
	}
	st = VX_OK;
done:
	gsl_matrix_free(aw);
	gsl_matrix_free(au);
	gsl_matrix_free(sb);
	gsl_matrix_free(xb);
	gsl_matrix_free(ab);
	return st;
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
 * column, amax[c] = max |δa_{j,i}|, measured against 1 for smooth σ (against
 * max(1, |a_{j,i}|) where σ is flat around a_{j,i}) and against
 * max(1, ‖a_j‖∞) for the piecewise-linear activations
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
			/* σ' of a smooth σ changes by a factor e^δ (sigmoid) or e^2δ
			 * (tanh) when a moves by δ, near 0 and in the tails alike
			 * (sigmoid's lower tail, σ ≈ e^a, is resolved to full precision),
			 * so a moves on a scale of 1; where σ does not change at all
			 * over a move of 2^-9 |a| there is nothing to resolve, and a may
			 * move by a fair part of itself (W = 1e300 I: steps of 1e297,
			 * exact zeros compared).  Decided by σ, not by the σ' under
			 * test, so that a wrong σ' cannot choose its own steps. */
			double ascale = plin ? rowscale : 1.0;
			if (!plin && vx_act_f(m->act, a - 0x1p-9 * fabs(a)) == vx_act_f(m->act, a + 0x1p-9 * fabs(a)))
				ascale = fmax(1.0, fabs(a));
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

/* Column cols[q] of the Jacobian of `kind` at (j, k) into out (d×nq, column q).
 * For FD_DSDA: ∂s_j/∂a_j; FD_DADS: ∂a_j/∂s_{j−1}; FD_DSDS: ∂s_j/∂s_k (j = t).
 * unres (nq, or NULL) gets each column's vx_fd_why: VX_FD_UNRESOLVED too for
 * a column whose perturbed runs leave the range of a double.  noise (d×nq,
 * or NULL) gets each entry's rounding floor: how far rounding alone can move
 * it (3 δ / h, δ the rounding of the values differenced, see fd_floor). */
static vx_status fd_columns(const vx_model *m, const vx_result *r, fd_kind kind, size_t j,
                            size_t k, const size_t *cols, size_t nq, gsl_matrix *out, int *unres,
                            gsl_matrix *noise)
{
	int smooth = m->act == VX_SIGMOID || m->act == VX_TANH, relu = m->act == VX_RELU;
	size_t d = m->d;
	gsl_matrix *S = gsl_matrix_alloc(d, 4 * CHUNK), *A = gsl_matrix_alloc(d, 4 * CHUNK);
	double *u = malloc(3 * d * sizeof *u), *buf = u + d, *extra = u + 2 * d;
	double (*pts)[4] = malloc(CHUNK * sizeof *pts);
	vx_status st = VX_ENOMEM;
	if (!S || !A || !u || !pts)
		goto done;
	/* what is rounded before the values differenced: nothing for σ(a); the
	 * sum a_j itself for ∂a_j/∂s_{j−1}; for ∂s_t/∂s_k the sum a_t, seen
	 * through σ'(a_t) */
	for (size_t i = 0; i < d; i++)
		extra[i] = 0;
	double a1 = 0;   /* ∂s_t/∂s_k: the scale at which a_{k+1} is rounded */
	if (kind != FD_DSDA && noise) {
		if (kind == FD_DSDS && k < j) {   /* k = j: the identity, no step */
			abs_drive(m, r, k + 1, extra, buf);
			a1 = vx_maxabs(extra, d);
		}
		abs_drive(m, r, j, extra, buf);
		if (kind == FD_DSDS)
			for (size_t i = 0; i < d; i++)
				extra[i] *= vx_act_df(m->act, gsl_matrix_get(r->a, j - 1, i));
	}
	for (size_t q0 = 0; q0 < nq; q0 += CHUNK) {
		size_t nb = nq - q0 < CHUNK ? nq - q0 : CHUNK, nc = 4 * nb;
		gsl_matrix_view Sv = gsl_matrix_submatrix(S, 0, 0, d, nc);
		gsl_matrix_view Av = gsl_matrix_submatrix(A, 0, 0, d, nc);
		/* the unperturbed point: a_j, s_{j-1} or s_k */
		const double *x0 = kind == FD_DSDA ? gsl_matrix_const_ptr(r->a, j - 1, 0)
		                   : kind == FD_DADS ? state(m, r, j - 1, buf)
		                   : state(m, r, k, buf);
		/* the steps: from the tangents of a perturbation of s_k (∂s_t/∂s_k)
		 * or of s_{j−1} (one step: ∂a_j/∂s_{j−1}, which is affine, so any
		 * step is exact but for rounding); for ∂s_j/∂a_j the perturbed a
		 * itself is all that moves */
		double amax[CHUNK], kink[CHUNK];
		if (kind != FD_DSDA) {
			gsl_matrix_view Vv = gsl_matrix_submatrix(S, 0, 0, d, nb);
			gsl_matrix_view Tv = gsl_matrix_submatrix(A, 0, 0, d, nb);
			gsl_matrix_set_zero(&Vv.matrix);
			for (size_t b = 0; b < nb; b++)
				gsl_matrix_set(&Vv.matrix, cols[q0 + b], b, 1.0);
			if (kind == FD_DSDS)
				tangents(m, r, k, j, &Vv.matrix, &Tv.matrix, NULL, amax, kink, u);
			else
				tangents(m, r, j - 1, j, &Vv.matrix, &Tv.matrix, NULL, amax, kink, u);
		}
		/* rounding in a linear combination scales with the whole vector */
		double scale = kind == FD_DSDA ? 0 : vx_maxabs(x0, d);
		for (size_t b = 0; b < nb; b++) {
			size_t l = cols[q0 + b];
			double h;
			int un = 0;
			if (kind == FD_DSDS)
				h = fd_step(x0[l], scale, amax[b], kink[b], 0, relu, &un);
			else if (kind == FD_DSDA)
				h = fd_step(x0[l], 0, smooth ? 1.0 : 0.0, fabs(x0[l]), 1, relu, &un);
			else   /* no activation between s_{j−1} and a_j: no kink */
				h = fd_step(x0[l], scale, amax[b], INFINITY, 0, 0, &un);
			if (unres)
				unres[q0 + b] = un;
			vx_fd_points(x0[l], h, pts[b]);
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
		for (size_t b = 0; b < nb; b++) {
			/* ∂s_t/∂s_k: the nudge enters a_{k+1} as h W e_l, where a_{k+1}
			 * is rounded at a1, and the steps after carry both alike (see
			 * fd_dLdW) */
			double rel = 0;
			if (kind == FD_DSDS && noise) {
				double inj = 0;
				for (size_t i = 0; i < d; i++)
					inj = fmax(inj, fabs(gsl_matrix_get(m->W, i, cols[q0 + b])));
				inj *= fabs(pts[b][2] - pts[b][3]);
				rel = inj > 0 ? 3.0 * FD_ULPS * DBL_EPSILON * a1 / inj : 0;
			}
			for (size_t i = 0; i < d; i++) {
				double f[4];
				for (int v = 0; v < 4; v++)
					f[v] = gsl_matrix_get(&Sv.matrix, i, 4 * b + v);
				double fl;
				gsl_matrix_set(out, i, q0 + b, fd_value(pts[b], f, extra[i], rel, noise ? &fl : NULL,
				                                        unres ? &unres[q0 + b] : NULL));
				if (noise)
					gsl_matrix_set(noise, i, q0 + b, fl);
			}
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
	vx_status st = fd_columns(m, r, kind, j, 0, cols, m->d, D, NULL, NULL);
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

/* Judges one identity on the columns whose why[q] is VX_FD_MEASURED: entry
 * (i, q) has the difference fd(i, q), the analytic value an(i, cols[q])
 * (cols NULL: an(i, q)) and the rounding floor noise(i, q).  The reference
 * is ref_an, the largest |entry| of the whole analytic matrix; when that is
 * 0, the largest difference beyond its rounding floor, so that an analytic 0
 * against a difference that is not shows as a relative error of 1 (and
 * noise, however large, cannot raise the reference).  An entry agrees when it is
 * within VX_FD_TOL of the reference; one that is not, but stays within
 * FD_NOISE of its rounding floor, could be off by rounding alone: it is left
 * out and counted in *left (with a whole column left out by why[q], d
 * entries); any other disagrees, and the error shows it.  Returns the
 * largest relative error over the entries compared, NaN when none was. */
static double judge(const gsl_matrix *an, const gsl_matrix *fd, const gsl_matrix *noise,
                    const size_t *cols, size_t nq, double ref_an, const int *why, size_t *left)
{
	size_t d = fd->size1;
	double ref = ref_an;
	for (size_t q = 0; ref_an == 0 && q < nq; q++)
		if (why[q] == VX_FD_MEASURED)
			for (size_t i = 0; i < d; i++) {
				double v = fabs(gsl_matrix_get(fd, i, q));
				if (v > FD_NOISE * gsl_matrix_get(noise, i, q))
					ref = fmax(ref, v);
			}
	double emax = 0;
	size_t used = 0;
	*left = 0;
	for (size_t q = 0; q < nq; q++) {
		if (why[q] == VX_FD_UNRESOLVED)
			*left += d;
		if (why[q] != VX_FD_MEASURED)
			continue;
		for (size_t i = 0; i < d; i++) {
			double e = fabs(gsl_matrix_get(fd, i, q) - gsl_matrix_get(an, i, cols ? cols[q] : q));
			if (!(e <= VX_FD_TOL * ref) && e <= FD_NOISE * gsl_matrix_get(noise, i, q)) {
				(*left)++;
				continue;
			}
			used++;
			if (e > emax || isnan(e))
				emax = e;
		}
	}
	if (used == 0)
		return NAN;
	return ref > 0 ? emax / ref : emax;
}

/* Adds one identity's left-out entries (left) and kink columns (why[q]) to
 * out, and sets out->why[item] when nothing was compared (err NaN):
 * unresolved when anything was left out as such, else at a kink. */
static void tally(vx_fdcheck *out, int item, double err, const int *why, size_t nq, size_t left)
{
	size_t kink = 0;
	for (size_t q = 0; q < nq; q++)
		kink += why[q] == VX_FD_AT_KINK;
	out->unresolved += left;
	out->left[item] = left;
	out->at_kink += kink;
	if (isnan(err) && left + kink > 0)
		out->why[item] = left > 0 ? VX_FD_UNRESOLVED : VX_FD_AT_KINK;
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

/* ∂L_t/∂W at a list of entries of W (ent, ne of them), by perturbing W and
 * re-running steps 1..t, into out, with unres and each one's rounding floor
 * in noise (see fd_columns).  The entries go in chunks whose bounds depend on
 * ne alone (dldw_chunk), taken by one or two threads off a shared counter:
 * each chunk is the same batch whichever thread runs it, so the numbers do
 * not depend on the threads, bit for bit. */
typedef struct {
	const vx_model *m;
	const vx_result *r;
	const size_t *ent;
	size_t ne, chunk;
	double extra;            /* rounding on the way to L_t besides L_t itself */
	const double *amx, *smx; /* abs_drive_max's */
	const double *s0;
	double *out, *noise;
	int *unres;
	atomic_size_t next;      /* the first entry of the next chunk to take */
} dldw_job;

/* The entries per chunk: all of them in one (CHUNK at most), but in two
 * from two entries on where the policy (exec.h) may give the check a second
 * thread, so that it has one to take.  Beyond, the BLAS's threads share
 * each product, and two products of half the columns took longer than one
 * (d = 1024, t = 300, two BLAS threads: 1.0-1.3 s against 0.86-1.1; d =
 * 512: 0.54-0.75 against 0.48-0.65, the price of d = 257 to 768 on a
 * machine of more than two cores, where the policy keeps the BLAS's
 * threads; on one core the two chunks run one after the other, which
 * costs the second product's overhead, not measured).  The bounds depend
 * on ne and d alone, never on the threads. */
static size_t dldw_chunk(size_t ne, size_t d)
{
	size_t c = ne < 2 || d > VX_EXEC_MODEL_MAX_D ? ne : (ne + 1) / 2;
	return c < 1 ? 1 : c > CHUNK ? CHUNK : c;
}

/* Takes chunks of jb until none is left, in buffers of its own. */
static vx_status dldw_work(dldw_job *jb)
{
	const vx_model *m = jb->m;
	const vx_result *r = jb->r;
	size_t d = m->d, t = r->t, ch = jb->chunk;
	gsl_matrix *S = gsl_matrix_alloc(d, 4 * ch), *A = gsl_matrix_alloc(d, 4 * ch);
	double *u = malloc(2 * d * sizeof *u), *buf = u + d;
	wpert *wp = malloc(4 * ch * sizeof *wp);
	double (*pts)[4] = malloc(ch * sizeof *pts), *amax = malloc(2 * ch * sizeof *amax), *kink = amax + ch;
	vx_status st = VX_ENOMEM;
	if (!S || !A || !u || !wp || !pts || !amax)
		goto done;
	for (;;) {
		size_t q0 = atomic_fetch_add(&jb->next, ch);
		if (q0 >= jb->ne)
			break;
		const size_t *ent = jb->ent + q0;
		size_t nb = jb->ne - q0 < ch ? jb->ne - q0 : ch, nc = 4 * nb;
		gsl_matrix_view Sv = gsl_matrix_submatrix(S, 0, 0, d, nc);
		gsl_matrix_view Av = gsl_matrix_submatrix(A, 0, 0, d, nc);
		/* tangents of the nb perturbations of W first, for the steps */
		for (size_t b = 0; b < nb; b++) {
			wp[b].i = ent[b] / d;
			wp[b].l = ent[b] % d;
			wp[b].delta = 1;
		}
		gsl_matrix_view Vv = gsl_matrix_submatrix(S, 0, 0, d, nb);
		gsl_matrix_view Tv = gsl_matrix_submatrix(A, 0, 0, d, nb);
		gsl_matrix_set_zero(&Vv.matrix);
		tangents(m, r, 0, t, &Vv.matrix, &Tv.matrix, wp, amax, kink, buf);
		for (size_t b = nb; b-- > 0;) {
			size_t i = ent[b] / d, l = ent[b] % d;
			double w = gsl_matrix_get(m->W, i, l);
			vx_fd_points(w, fd_step(w, 0, amax[b], kink[b], 1, m->act == VX_RELU, &jb->unres[q0 + b]),
			             pts[b]);
			for (int v = 0; v < 4; v++) {
				wp[4 * b + v].i = i;
				wp[4 * b + v].l = l;
				wp[4 * b + v].delta = pts[b][v] - w;
			}
		}
		for (size_t i = 0; i < d; i++)
			for (size_t c = 0; c < nc; c++)
				gsl_matrix_set(&Sv.matrix, i, c, jb->s0[i]);
		run_batch(m, 0, t, &Sv.matrix, &Av.matrix, wp, u);
		for (size_t b = 0; b < nb; b++) {
			/* the steps in W as applied: the deltas themselves */
			double f[4], p[4];
			for (int v = 0; v < 4; v++) {
				f[v] = loss_of(m, &Sv.matrix, 4 * b + v);
				p[v] = wp[4 * b + v].delta;
			}
			size_t i = ent[b] / d, l = ent[b] % d;
			double inj = fabs(p[2] - p[3]) * jb->smx[l];   /* the nudge where it enters */
			double rel = inj > 0 ? 3.0 * FD_ULPS * DBL_EPSILON * jb->amx[i] / inj : 0;
			jb->out[q0 + b] = fd_value(p, f, jb->extra, rel, &jb->noise[q0 + b], &jb->unres[q0 + b]);
		}
	}
	st = VX_OK;
done:
	gsl_matrix_free(S);
	gsl_matrix_free(A);
	free(u);
	free(wp);
	free(pts);
	free(amax);
	return st;
}

/* The shared part of a dldw_job: what is rounded on the way to L_t besides
 * L_t itself (s_t, and a_t seen through σ'(a_t), each weighted by
 * |s_t − y|), the drive's scales and s_0.  buf: 4d scratch, which the job
 * then points into. */
static vx_status dldw_prepare(dldw_job *jb, double *buf)
{
	const vx_model *m = jb->m;
	const vx_result *r = jb->r;
	size_t d = m->d, t = r->t;
	double *at = buf, *amx = buf + d, *smx = buf + 2 * d, *s0 = buf + 3 * d;
	abs_drive(m, r, t, at, s0);
	jb->extra = 0;
	for (size_t i = 0; i < d; i++) {
		double st_i = gsl_matrix_get(r->s, t - 1, i);
		double sd = vx_act_df(m->act, gsl_matrix_get(r->a, t - 1, i));
		jb->extra += fabs(st_i - gsl_vector_get(m->y, i)) * (fabs(st_i) + sd * at[i]);
	}
	/* A nudge h of W_il enters a_{j,i} as h s_{j−1,l} at every step, where
	 * a_{j,i} is rounded at its scale A_{j,i}: whatever the steps after make
	 * of the one, they make of the other, so the difference is good to a
	 * relative ε max_j A_{j,i} / (h max_j |s_{j−1,l}|) at best (sigmoid at
	 * λ = 500: A ~ 500, and a step of 3e-9 keeps 5 digits, not 13) */
	vx_status st = abs_drive_max(m, r, t, amx, smx);
	state(m, r, 0, s0);
	jb->amx = amx;
	jb->smx = smx;
	jb->s0 = s0;
	jb->chunk = dldw_chunk(jb->ne, d);
	atomic_init(&jb->next, 0);
	return st;
}

/* The second thread: one that cannot have its buffers takes no chunk, and
 * the caller's thread takes them all. */
static void *dldw_thread(void *arg)
{
	(void)dldw_work(arg);
	return NULL;
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

size_t vx_fd_gap(const vx_mag *norm0, size_t stride, size_t t)
{
	size_t gap = 0;
	for (size_t g = 1; g <= 8 && g < t; g++) {
		const vx_mag *n = (const vx_mag *)((const char *)norm0 + (t - g - 1) * stride);
		if (n->fits && n->log10 >= -4 && n->log10 <= 4)
			gap = g;
	}
	return gap == 0 && t > 1 ? 1 : gap;
}

vx_status vx_fd_check(const vx_model *m, const vx_result *r, vx_fdcheck *out)
{
	return vx_fd_check_on(m, r, NULL, out);
}

/* The ∂L_t/∂W entries: all of W's when it has at most 64, else the largest
 * analytic ones and spread ones, half and half, as many as the budget allows
 * (each costs four runs of t steps).  idx holds 64; returns how many. */
static size_t dldw_entries(const vx_model *m, const vx_result *r, size_t *idx)
{
	size_t d = m->d, t = r->t, ne;
	if (d * d <= 64) {
		for (size_t p = 0; p < d * d; p++)
			idx[p] = p;
		return d * d;
	}
	double per = 8.0 * (double)t * (double)d * (double)d;
	size_t want = (size_t)(FLOP_BUDGET / per);
	want = want < 4 ? 4 : want > 16 ? 16 : want;
	ne = top_entries(r->grad_W->data, d * d, want / 2, idx);
	for (size_t q = 0; ne < want; q++) {
		size_t p = (size_t)((q * 2654435761u + 12345u) % (d * d));
		int dup = 0;
		for (size_t z = 0; z < ne; z++)
			dup |= idx[z] == p;
		if (!dup)
			idx[ne++] = p;
	}
	return ne;
}

vx_status vx_fd_check_on(const vx_model *m, const vx_result *r, const vx_exec *ex, vx_fdcheck *out)
{
	memset(out, 0, sizeof *out);
	if (!valid(m, r) || !r->grad_W || !r->paths)
		return VX_ESHAPE;
	size_t d = m->d, t = r->t;
	vx_status st = VX_ENOMEM;

	/* the step j = t; k by vx_fd_gap */
	out->j = t;
	out->k = t - vx_fd_gap(&r->paths[0].norm, sizeof r->paths[0], t);

	if (m->act == VX_RELU)
		for (size_t j = 1; j <= t; j++)
			for (size_t i = 0; i < d; i++)
				out->kinks += gsl_matrix_get(r->a, j - 1, i) == 0;

	/* columns: all for small d, else MAX_COLS spread evenly; the ∂L_t/∂W
	 * entries (up to 64) have arrays of their own, as they may be computed
	 * beside the columns */
	size_t nq = d <= MAX_COLS ? d : MAX_COLS;
	size_t *cols = calloc(nq + 64, sizeof *cols), *ent = cols + nq;
	int *unres = calloc(nq + 64, sizeof *unres), *wunres = unres + nq;
	gsl_matrix *an = gsl_matrix_alloc(d, d), *fd = gsl_matrix_alloc(d, nq);
	gsl_matrix *noise = gsl_matrix_alloc(d, nq);
	double *fdw = malloc((3 * 64 + 4 * d) * sizeof *fdw);
	dldw_job jb = { .m = m, .r = r, .ent = ent };
	int helper = 0;
	pthread_t th;
	if (!cols || !unres || !an || !fd || !noise || !fdw)
		goto done;
	for (size_t q = 0; q < nq; q++)
		cols[q] = q * d / nq;
	out->columns = nq;

	/* ∂L_t/∂W, when its entries are within a double: started first, on a
	 * second thread when ex allows one, which the columns' runs then join
	 * (at d = 256, t = 1000 the entries' runs are 94% of the check) */
	int dldw = r->grad_log10_scale == 0;
	if (dldw) {
		jb.ne = dldw_entries(m, r, ent);
		jb.out = fdw;
		jb.noise = fdw + 2 * 64;
		jb.unres = wunres;
		if ((st = dldw_prepare(&jb, fdw + 3 * 64)) != VX_OK)
			goto done;
		helper = ex && ex->threads >= 2 && jb.chunk < jb.ne && pthread_create(&th, NULL, dldw_thread, &jb) == 0;
	}

	/* ∂s_j/∂a_j against diag(σ'(a_j)) */
	gsl_matrix_set_zero(an);
	for (size_t i = 0; i < d; i++)
		gsl_matrix_set(an, i, i, vx_act_df(m->act, gsl_matrix_get(r->a, out->j - 1, i)));
	if ((st = fd_columns(m, r, FD_DSDA, out->j, 0, cols, nq, fd, unres, noise)))
		goto done;
	for (size_t q = 0; q < nq; q++)   /* a tiny step still measures σ' off the kink */
		if (unres[q] != VX_FD_AT_KINK)
			unres[q] = VX_FD_MEASURED;
	size_t left;
	out->dsda = judge(an, fd, noise, cols, nq, vx_maxabs_matrix(an), unres, &left);
	tally(out, 0, out->dsda, unres, nq, left);

	/* ∂a_j/∂s_{j−1} against W */
	if ((st = fd_columns(m, r, FD_DADS, out->j, 0, cols, nq, fd, unres, noise)))
		goto done;
	out->dads = judge(m->W, fd, noise, cols, nq, vx_maxabs_matrix(m->W), unres, &left);
	tally(out, 1, out->dads, unres, nq, left);

	/* ∂s_t/∂s_k against the product of Jacobians */
	double l10;
	if ((st = vx_dsds(m, r, t, out->k, an, &l10)))
		goto done;
	if ((st = fd_columns(m, r, FD_DSDS, t, out->k, cols, nq, fd, unres, noise)))
		goto done;
	if (l10 != 0) {
		out->dsds = NAN;
		out->why[2] = VX_FD_TOO_LARGE;
	} else {
		out->dsds = judge(an, fd, noise, cols, nq, vx_maxabs_matrix(an), unres, &left);
		tally(out, 2, out->dsds, unres, nq, left);
	}

	if (!dldw) {
		out->dLdW = NAN;
		out->why[3] = VX_FD_TOO_LARGE;
		st = VX_OK;
		goto done;
	}
	st = dldw_work(&jb);
	if (helper) {
		pthread_join(th, NULL);
		helper = 0;
	}
	if (st)
		goto done;
	size_t ne = jb.ne;
	double *anw = fdw + 64;
	for (size_t q = 0; q < ne; q++)
		anw[q] = r->grad_W->data[ent[q]];
	/* the entries as one row, each its own column */
	gsl_matrix_view fv = gsl_matrix_view_array(fdw, 1, ne), av = gsl_matrix_view_array(anw, 1, ne);
	gsl_matrix_view nv = gsl_matrix_view_array(jb.noise, 1, ne);
	out->dLdW = judge(&av.matrix, &fv.matrix, &nv.matrix, NULL, ne,
	                  vx_maxabs(r->grad_W->data, d * d), wunres, &left);
	tally(out, 3, out->dLdW, wunres, ne, left);
	out->dLdW_entries = ne - left;   /* compared: neither left out nor on a kink */
	for (size_t q = 0; q < ne; q++)
		out->dLdW_entries -= wunres[q] == VX_FD_AT_KINK;
	st = VX_OK;
done:
	if (helper) {
		/* a failure on this thread: no chunk is left for the other to start */
		atomic_store(&jb.next, jb.ne);
		pthread_join(th, NULL);
	}
	free(cols);
	free(unres);
	free(fdw);
	gsl_matrix_free(an);
	gsl_matrix_free(fd);
	gsl_matrix_free(noise);
	return st;
}
