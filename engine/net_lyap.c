/*
 * net_lyap.c — the Lyapunov exponents of vx_net_analyse
 * (net_analysis_internal.h): QR re-orthonormalisation of J_j Y, each J_j Y
 * a tangent map of the batch Y.
 */
#include <math.h>
#include <stdlib.h>
#include <gsl/gsl_rng.h>
#include "engine/init.h"
#include "engine/net_analysis_internal.h"

vx_status vx_na_lyapunov(const vx_net *net, int ej, vx_net_result *r, const atomic_int *stop)
{
	size_t D = net->D, p = D < VX_LYAP_MAX ? D : VX_LYAP_MAX;
	gsl_matrix *Y = gsl_matrix_alloc(p, D), *Z = gsl_matrix_alloc(p, D), *Zt = gsl_matrix_alloc(D, p);
	gsl_vector *tau = gsl_vector_alloc(p), *e = gsl_vector_alloc(D);
	double *coef = malloc(vx_net_coef_size(net) * sizeof *coef);
	gsl_rng *rng = vx_rng_alloc(VX_LYAP_SEED);
	double sums[VX_LYAP_MAX] = { 0 };
	vx_net_ws ws = { 0 };
	vx_status st = VX_ENOMEM;
	if (!Y || !Z || !Zt || !tau || !e || !coef || !rng || vx_net_ws_init(&ws, net, p))
		goto done;
	/* the fixed random start of analysis_lyap.c, so that one vanilla layer gives
	 * its exponents */
	vx_fill_gaussian(Zt, rng, 1.0);
	st = VX_ENUMERIC;
	for (size_t j = 0; j <= net->T; j++) {
		double Ej = 0;   /* step j's coefficients' power of two */
		if (vx_stop_asked(stop)) {
			st = VX_ECANCELLED;
			goto done;
		}
		if (j > 0) {
			Ej = vx_net_coef(net, r->fwd, j, coef);
			vx_net_jvp(net, coef, 0, Y, Z, &ws);
		} else {
			gsl_matrix_transpose_memcpy(Z, Zt);
		}
		/* Y = Z's rows made orthonormal; |R_ll| the growth of direction l */
		double rll[VX_LYAP_MAX];
		if (vx_rows_qr(Z->data, Y->data, p, D, rll, Zt, tau, e) < 0)
			goto done;
		for (size_t l = 0; l < p && j > 0; l++)
			sums[l] += rll[l] > 0 ? log(rll[l]) + (ej + Ej) * VX_LN_2 : -INFINITY;
	}
	st = VX_OK;
	r->lyap_count = p;
	for (size_t l = 0; l < p; l++)
		r->lyap_top[l] = sums[l] / (double)net->T;
	r->lyap_max = r->lyap_top[0];
done:
	gsl_matrix_free(Y);
	gsl_matrix_free(Z);
	gsl_matrix_free(Zt);
	gsl_vector_free(tau);
	gsl_vector_free(e);
	free(coef);
	gsl_rng_free(rng);
	vx_net_ws_clear(&ws);
	return st;
}

