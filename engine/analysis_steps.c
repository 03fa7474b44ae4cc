/*
 * analysis_steps.c — ‖J_j‖₂ = ‖diag(σ'(a_j)) W‖₂ for every step j of
 * vx_analyse (analysis_internal.h).
 */
#include <math.h>
#include <string.h>
#include <gsl/gsl_blas.h>
#include "engine/analysis_internal.h"

/* A = diag(cs) Wn: the step Jacobian's mantissa, for the dense fallback */
static void form_dwn(const work *w, gsl_matrix *A, const double *cs)
{
	for (size_t i = 0; i < w->d; i++) {
		const double *src = vx_row(w->Wn, i);
		double *dst = vx_row(A, i);
		for (size_t j = 0; j < w->d; j++)
			dst[j] = cs[i] * src[j];
	}
}

/* ‖J_j‖₂ for j = 1..T.  J_j Jᵀ_j = D_j G D_j with G = Wn Wnᵀ formed once.  Up
 * to STEP_BATCH Lanczos runs, for different j, advance in lockstep so that
 * their operator applications are one product (na × d)·G instead of na
 * matrix-vector products; a run that finishes hands its slot to the next j,
 * so the product stays wide. */

/* sn_mant[j-1] marks: the same diag(σ') as step j-1 (up to a power of two) */
#define SN_SAME (-1.0)

typedef struct {
	size_t next;          /* the next j to start */
	int broken;           /* the forward pass ended before it */
	int have_prev;        /* w->cprev holds the scaled σ' of step next-1 */
	size_t j[STEP_BATCH]; /* the step each slot works on, 0 when idle */
} step_queue;

/* Starts the next step that needs a Lanczos run in slot b, settling the
 * trivial steps (σ' = 0, or the same as the step before) on the way. */
static void step_fill(const vx_model *m, work *w, step_queue *q, size_t b)
{
	size_t d = w->d;
	q->j[b] = 0;
	while (q->next <= m->T) {
		/* the forward pass, on the other thread, is some 40 times faster
		 * than the step norms at d = 256: only the first slots wait */
		if (vx_an_await(&w->fwd_done, (long)q->next)) {
			q->broken = 1;
			return;
		}
		size_t j = q->next++;
		double *cs = vx_row(w->CS, b), ec;
		if (!vx_act_dfv_scaled(m->act, vx_row(w->a_rows, j - 1), cs, d, &ec) || w->lamn == 0) {
			w->sn_mant[j - 1] = w->sn_cap[j - 1] = 0;
			w->sn_exp[j - 1] = 0;
			q->have_prev = 0;
			continue;
		}
		w->sn_exp[j - 1] = ec + w->eW;
		double cmax = vx_maxabs(cs, d), cmin = cmax;
		for (size_t i = 0; i < d; i++)
			cmin = fmin(cmin, cs[i]);
		/* ‖J_j‖ <= max σ'(a_j) ‖W‖, rounded as γλ is, so that max σ' = γ
		 * gives γλ to the bit */
		w->sn_cap[j - 1] = cmax * w->lamn;
		if (cmin == cmax || w->gscal > 0) {
			/* D_j = cI (linear, or every unit at the same point): ‖J_j‖ is
			 * c‖W‖ exactly.  G = cI: ‖J_j‖ = max σ' ‖W‖ to 5e-13. */
			w->sn_mant[j - 1] = w->sn_cap[j - 1];
			q->have_prev = 0;
			continue;
		}
		int same = q->have_prev && memcmp(cs, w->cprev, d * sizeof(double)) == 0;
		memcpy(w->cprev, cs, d * sizeof(double));
		q->have_prev = 1;
		if (same) {
			w->sn_mant[j - 1] = SN_SAME;
			continue;
		}
		q->j[b] = j;
		vx_lanczos_begin(w->lzb[b]);
		return;
	}
}

vx_status vx_an_step_norms(const vx_model *m, work *w, vx_result *r)
{
	size_t d = w->d, nb = w->nb;
	w->a_rows = r->a;
	step_queue q = { 1, 0, 0, { 0 } };
	size_t map[STEP_BATCH];
	for (size_t b = 0; b < nb; b++) {
		vx_lanczos_seed(w->lzb[b], w->seed + SEED_STEP * (b + 2));
		/* the basis's re-orthogonalisation cost as much as the products
		 * (256×1000, tanh: 0.35 s of CPU with it, 0.25 s without, the
		 * same 51 thousand steps) */
		vx_lanczos_set_local(w->lzb[b], 1);
		step_fill(m, w, &q, b);
	}
	for (;;) {
		if (vx_stop_asked(w->stop) || q.broken)
			return VX_ECANCELLED;
		size_t na = 0;
		for (size_t b = 0; b < nb; b++) {
			if (!q.j[b])
				continue;
			const double *v = vx_lanczos_next(w->lzb[b]), *cs = vx_row(w->CS, b);
			double *x = vx_row(w->X, na);
			for (size_t i = 0; i < d; i++)
				x[i] = cs[i] * v[i];
			map[na++] = b;
		}
		if (na == 0)
			break;
		gsl_matrix_view Xv = gsl_matrix_submatrix(w->X, 0, 0, na, d);
		gsl_matrix_view Yv = gsl_matrix_submatrix(w->Y, 0, 0, na, d);
		if (w->pg.on)
			vx_packed_mul(&w->pg, w->X->data, w->X->tda, na, 1.0, w->Y->data, w->Y->tda);
		else if (gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, &Xv.matrix, w->G, 0.0, &Yv.matrix))
			return VX_ENUMERIC;
		for (size_t a = 0; a < na; a++) {
			size_t b = map[a];
			const double *cs = vx_row(w->CS, b);
			double *y = vx_row(w->Y, a), theta;
			for (size_t i = 0; i < d; i++)
				y[i] *= cs[i];
			size_t before = vx_lanczos_steps(w->lzb[b]);
			int res = vx_lanczos_feed(w->lzb[b], y, &theta);
			r->lanczos_steps += vx_lanczos_steps(w->lzb[b]) - before;
			if (res == 0)
				continue;
			if (res < 0) {
				/* the dense fallback on J_j's mantissa, in buffers of its
				 * own (the path norms may be using P and Q) */
				double nrm;
				r->fallbacks++;
				if (!w->fA && !(w->fA = gsl_matrix_alloc(d, d)))
					return VX_ENOMEM;
				if (!w->fG && !(w->fG = gsl_matrix_alloc(d, d)))
					return VX_ENOMEM;
				if (!w->feval && !(w->feval = gsl_vector_alloc(d)))
					return VX_ENOMEM;
				if (!w->feig && !(w->feig = gsl_eigen_symm_alloc(d)))
					return VX_ENOMEM;
				form_dwn(w, w->fA, cs);
				vx_status st = vx_norm2_dense(w->fA, w->fG, w->feval, w->feig, &nrm);
				if (st)
					return st;
				theta = nrm * nrm;
			}
			w->sn_mant[q.j[b] - 1] = sqrt(theta);
			step_fill(m, w, &q, b);
		}
	}
	double win = vx_an_norm_rounding(d);
	for (size_t j = 1; j <= m->T; j++) {
		double *sn = &w->sn_mant[j - 1], cap = w->sn_cap[j - 1];
		if (*sn == SN_SAME)
			*sn = w->sn_mant[j - 2];
		/* a Ritz value is below the top eigenvalue up to rounding, and λ is
		 * certified: anything above the cap beyond that is an engine error */
		if (*sn > cap) {
			if (*sn > cap * (1 + win))
				return VX_EINTERNAL;
			*sn = cap;
		}
		r->step_mag[j - 1] = vx_mag_ldexp(*sn, w->sn_exp[j - 1]);
		gsl_vector_set(r->step_norm, j - 1, r->step_mag[j - 1].fits ? r->step_mag[j - 1].value : 0.0);
	}
	return VX_OK;
}
