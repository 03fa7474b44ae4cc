/*
 * net_stats.c — what vx_net_analyse says of the weights and the gates
 * (net_analysis_internal.h): the spectra of every gate block, the bound b_j
 * on ‖J_j‖₂ built from them, and saturation over the run.
 *
 * The bound (VX_NET_BOUND_GATES).  For any partition of a matrix into
 * blocks, ‖J‖₂ <= ‖N‖₂ where N holds upper bounds on the blocks' norms
 * (‖Jx‖² = Σ_a ‖Σ_b J_ab x_b‖² <= Σ_a (Σ_b N_ab ‖x_b‖)²).  With the blocks
 * of net_jacobian.c's derivation, σ_* the σ_max of weight_hh's gate blocks,
 * τ_* of weight_ih's, σ' <= ¼ and tanh' <= 1 and gates in (0, 1), |g| < 1,
 * |tanh c| < 1:
 *   vanilla  ‖R‖ <= γ σ_h,  ‖I‖ <= γ τ_h
 *   LSTM     κ = ¼ m_c σ_f + ¼ σ_i + σ_g   (m_c = max |c_{j−1}|: df = σ'(a_f) c_{j−1})
 *            ‖R_hh‖ <= ¼ σ_o + κ,  ‖R_hc‖ <= 1,  ‖R_ch‖ <= κ,  ‖R_cc‖ <= 1
 *            ‖I_h‖ <= ¼ τ_o + κ',  ‖I_c‖ <= κ',  κ' = ¼ m_c τ_f + ¼ τ_i + τ_g
 *   GRU      ‖R‖ <= 1 + σ_n + ¼ m_u σ_r + ¼ m_hn σ_z   (m_u = max |u_j|,
 *            m_hn = max |h_{j−1} − n_j|: ur = u σ'(a_r), zc = σ'(a_z)(h_{j−1} − n))
 *            ‖I‖ <= τ_n + ¼ m_u τ_r + ¼ m_hn τ_z
 * and the blocks below the diagonal, J[l][m] = I_l J[l−1][m]'s h rows, by
 * N[l·][m·] = ‖I_l·‖ N[(l−1)h][m·].  b_j = ‖N_j‖₂ >= ‖J_j‖₂ >= ‖J_j x‖ for every
 * unit x, and the product over a gap bounds ‖∂S_t/∂S_k‖ by submultiplicativity.
 */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <gsl/gsl_linalg.h>
#include "engine/eigen.h"
#include "engine/net_analysis_internal.h"
#include "engine/xd.h"

/* saturated: the derivative below this fraction of its largest value */
#define SAT_FRACTION 0.1

/* ---- pass 2: the weights ---- */

vx_status vx_na_weight_stats(const vx_net *net, vx_net_result *r)
{
	size_t d = net->d;
	vx_status st;
	for (size_t l = 0; l < net->L; l++) {
		const vx_net_layer *ly = &net->layer[l];
		vx_net_layer_stats *s = &r->stats[l];
		if ((st = vx_matrix_norm2(ly->w_hh, &s->sigma_hh)) ||
		    (st = vx_matrix_norm2(ly->w_ih, &s->sigma_ih)))
			return st;
		for (size_t g = 0; g < 4; g++) {
			s->gate_sigma_hh[g] = s->gate_sigma_ih[g] = NAN;
			if (g >= net->G)
				continue;
			gsl_matrix_const_view H = gsl_matrix_const_submatrix(ly->w_hh, g * d, 0, d, d);
			gsl_matrix_const_view I = gsl_matrix_const_submatrix(ly->w_ih, g * d, 0, d, ly->w_ih->size2);
			if ((st = vx_matrix_norm2(&H.matrix, &s->gate_sigma_hh[g])) ||
			    (st = vx_matrix_norm2(&I.matrix, &s->gate_sigma_ih[g])))
				return st;
		}
	}
	return VX_OK;
}

vx_status vx_na_gate_radius(const vx_net *net, vx_net_result *r, size_t l, size_t g, const atomic_int *stop)
{
	/* one LAPACK call of about 10 d³ flops (0.03 s at d = 256, 0.29 s at
	 * 512, 1 s at 1024): a stop is heard between them */
	if (vx_stop_asked(stop))
		return VX_ECANCELLED;
	double *rho = &r->stats[l].gate_radius[g];
	*rho = NAN;
	if (g < net->G) {
		size_t d = net->d;
		gsl_matrix_const_view H = gsl_matrix_const_submatrix(net->layer[l].w_hh, g * d, 0, d, d);
		vx_eigen_radius(&H.matrix, rho, NULL);   /* NaN when it fails */
	}
	return VX_OK;
}

/* ---- pass 7a: the bound b_j ---- */

/* largest |a_i − b_i| (b NULL: |a_i|) */
static double maxdiff(const double *a, const double *b, size_t n)
{
	double m = 0;
	for (size_t i = 0; i < n; i++)
		m = fmax(m, fabs(a[i] - (b ? b[i] : 0)));
	return m;
}

/* The entries of N as m × 2^e (m in [½, 1), or 0): products of weights'
 * norms and state factors leave the range of a double long before the
 * network does (a GRU's ¼ m_u σ_r grows as λ², and a stack multiplies one
 * I_l per layer: b_j = 1e600 at λ = 1e300).  Sums and products of
 * non-negative factors, each rounded once as in double arithmetic. */
/* a b for doubles a, b */
static vx_xd xd_term(double a, double b)
{
	return vx_xd_mul(vx_xd_of(a), vx_xd_of(b));
}

static vx_xd xd_add(vx_xd a, vx_xd b)
{
	if (a.m == 0)
		return b;
	if (b.m == 0)
		return a;
	long E = a.e > b.e ? a.e : b.e;
	/* the smaller one's lowest bits may fall below the subnormals: far
	 * below the larger's rounding */
	vx_xd x = vx_xd_of(ldexp(a.m, (int)(a.e - E)) + ldexp(b.m, (int)(b.e - E)));
	x.e += E;
	return x;
}

/* b_j for every step into r->step_bound (see the comment at the top) */
vx_status vx_na_step_bounds(const vx_net *net, vx_net_result *r)
{
	size_t L = net->L, d = net->d, sub = net->cell == VX_CELL_LSTM ? 2 : 1, nr = L * sub;
	double gam = vx_act_gamma(net->act);
	if (net->cell == VX_CELL_RNN && L == 1) {
		r->bound_kind = VX_NET_BOUND_GAMMA_LAMBDA;
		vx_xd b = xd_term(gam, r->stats[0].sigma_hh);
		for (size_t j = 0; j < net->T; j++)
			r->step_bound[j] = vx_mag_ldexp(b.m, (double)b.e);
		return VX_OK;
	}
	r->bound_kind = VX_NET_BOUND_GATES;
	gsl_matrix *Ns = gsl_matrix_alloc(nr, nr), *V = gsl_matrix_alloc(nr, nr);
	gsl_vector *S = gsl_vector_alloc(nr);
	vx_xd *N = malloc(nr * nr * sizeof *N), *Ih = malloc(L * sizeof *Ih), *Ic = malloc(L * sizeof *Ic);
	double *tmp = malloc(d * sizeof *tmp);
	double *S0 = malloc(net->D * sizeof *S0);   /* h0 and c0 of every layer */
	vx_status st = VX_ENOMEM;
	if (!Ns || !V || !S || !N || !tmp || !Ih || !Ic || !S0)
		goto done;
	st = VX_OK;
	vx_net_state(net, r->fwd, 0, S0);
	const vx_xd zero = { 0, 0 }, one = vx_xd_of(1.0);
	for (size_t j = 1; j <= net->T; j++) {
		for (size_t q = 0; q < nr * nr; q++)
			N[q] = zero;
		for (size_t l = 0; l < L; l++) {
			const vx_net_layer_stats *s = &r->stats[l];
			const double *sg = s->gate_sigma_hh, *tg = s->gate_sigma_ih;
			const vx_net_trace *tr = &r->fwd->layer[l];
			size_t h = l * sub;
			vx_xd *Nh = N + h * nr;   /* row h; row h + 1 is Nh + nr */
			if (net->cell == VX_CELL_RNN) {
				Nh[h] = xd_term(gam, sg[0]);
				Ih[l] = xd_term(gam, tg[0]);
			} else if (net->cell == VX_CELL_LSTM) {
				double mc = maxdiff(j == 1 ? S0 + l * net->Ds + d : vx_row(tr->c, j - 2), NULL, d);
				vx_xd ka = xd_add(xd_add(vx_xd_mul(xd_term(0.25, mc), vx_xd_of(sg[1])), xd_term(0.25, sg[0])),
				               vx_xd_of(sg[2]));
				vx_xd ki = xd_add(xd_add(vx_xd_mul(xd_term(0.25, mc), vx_xd_of(tg[1])), xd_term(0.25, tg[0])),
				               vx_xd_of(tg[2]));
				Nh[h] = xd_add(xd_term(0.25, sg[3]), ka);
				Nh[h + 1] = one;
				Nh[nr + h] = ka;
				Nh[nr + h + 1] = one;
				Ih[l] = xd_add(xd_term(0.25, tg[3]), ki);
				Ic[l] = ki;
			} else {
				const double *pre = vx_row(tr->pre, j - 1);
				const double *hp = j == 1 ? S0 + l * net->Ds : vx_row(tr->h, j - 2);
				for (size_t i = 0; i < d; i++)
					tmp[i] = tanh(pre[2 * d + i]);
				double mu = maxdiff(vx_row(tr->u, j - 1), NULL, d), mhn = maxdiff(hp, tmp, d);
				Nh[h] = xd_add(xd_add(xd_add(one, vx_xd_of(sg[2])), vx_xd_mul(xd_term(0.25, mu), vx_xd_of(sg[0]))),
				               vx_xd_mul(xd_term(0.25, mhn), vx_xd_of(sg[1])));
				Ih[l] = xd_add(xd_add(vx_xd_of(tg[2]), vx_xd_mul(xd_term(0.25, mu), vx_xd_of(tg[0]))),
				               vx_xd_mul(xd_term(0.25, mhn), vx_xd_of(tg[1])));
			}
			/* the paths up from layer l−1: rows of layer l, columns m < l */
			if (l > 0)
				for (size_t q = 0; q < h; q++) {
					vx_xd below = N[(h - sub) * nr + q];   /* (l−1)'s h row */
					Nh[q] = vx_xd_mul(Ih[l], below);
					if (sub == 2)
						Nh[nr + q] = vx_xd_mul(Ic[l], below);
				}
		}
		/* ‖N‖₂ of 2^-E N, E the largest entry's exponent, with the entries
		 * below 2^-600 of it set to 0: far beneath the norm's rounding, and
		 * Jacobi's sweeps did not converge with subnormals among them (a
		 * stack of three LSTM layers at λ = 1e300) */
		long E = LONG_MIN;
		for (size_t q = 0; q < nr * nr; q++)
			if (N[q].m != 0 && N[q].e > E)
				E = N[q].e;
		if (E == LONG_MIN) {
			r->step_bound[j - 1] = vx_mag_ldexp(0.0, 0);
			continue;
		}
		for (size_t a = 0; a < nr; a++)
			for (size_t q = 0; q < nr; q++)
				gsl_matrix_set(Ns, a, q, N[a * nr + q].e - E < -600 ? 0.0
				                         : ldexp(N[a * nr + q].m, (int)(N[a * nr + q].e - E)));
		double b;
		if (nr == 1) {
			b = gsl_matrix_get(Ns, 0, 0);
		} else {
			if (gsl_linalg_SV_decomp_jacobi(Ns, V, S)) {
				st = VX_ENUMERIC;
				goto done;
			}
			b = gsl_vector_get(S, 0);
		}
		/* a relative 4 ulps of headroom for the rounding of the sums above */
		r->step_bound[j - 1] = vx_mag_ldexp(b * (1 + 8 * DBL_EPSILON), (double)E);
	}
done:
	gsl_matrix_free(Ns);
	gsl_matrix_free(V);
	gsl_vector_free(S);
	free(N);
	free(tmp);
	free(Ih);
	free(Ic);
	free(S0);
	return st;
}

/* ---- pass 7: saturation and the gates ---- */

/* saturation of one gate block over the run: derivative below SAT_FRACTION
 * of its largest, counted by the sign of the pre-activation */
static void saturation(const gsl_matrix *pre, size_t col, size_t d, vx_act a, double *low, double *high)
{
	size_t nl = 0, nh = 0, T = pre->size1;
	double lim = SAT_FRACTION * vx_act_gamma(a);
	for (size_t j = 0; j < T; j++) {
		const double *p = vx_row(pre, j) + col;
		for (size_t i = 0; i < d; i++)
			if (vx_act_df(a, p[i]) < lim) {
				if (p[i] > 0)
					nh++;
				else
					nl++;
			}
	}
	*low = (double)nl / (double)(T * d);
	*high = (double)nh / (double)(T * d);
}

void vx_na_gate_stats(const vx_net *net, vx_net_result *r)
{
	size_t d = net->d, T = net->T;
	for (size_t l = 0; l < net->L; l++) {
		vx_net_layer_stats *s = &r->stats[l];
		const vx_net_trace *tr = &r->fwd->layer[l];
		for (size_t g = 0; g < 4; g++) {
			s->gate_low[g] = s->gate_high[g] = NAN;
			if (g >= net->G)
				continue;
			vx_act a = net->cell == VX_CELL_RNN ? net->act
			         : (net->cell == VX_CELL_LSTM && g == 2) || (net->cell == VX_CELL_GRU && g == 2) ? VX_TANH
			         : VX_SIGMOID;
			saturation(tr->pre, g * d, d, a, &s->gate_low[g], &s->gate_high[g]);
		}
		s->cell_sat = s->keep_mean = s->keep_sd = NAN;
		if (net->cell == VX_CELL_LSTM) {
			double lo, hi;
			saturation(tr->c, 0, d, VX_TANH, &lo, &hi);
			s->cell_sat = lo + hi;
		}
		if (net->cell == VX_CELL_RNN)
			continue;
		/* f (LSTM) or z (GRU): the block at rows d..2d−1 either way */
		double mean = 0, m2 = 0;
		size_t n = 0;
		for (size_t j = 0; j < T; j++)
			for (size_t i = 0; i < d; i++) {
				double v = vx_act_f(VX_SIGMOID, vx_row(tr->pre, j)[d + i]), dv = v - mean;
				mean += dv / (double)++n;
				m2 += dv * (v - mean);
			}
		s->keep_mean = mean;
		s->keep_sd = sqrt(m2 / (double)n);
	}
}
