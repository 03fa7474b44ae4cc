/*
 * net_lyap.c — the Lyapunov exponents of vx_net_analyse
 * (net_analysis_internal.h): QR re-orthonormalisation of J_j Y, each J_j Y
 * a tangent map of the batch Y (Y J_j, backwards, an adjoint map), in the
 * sweeps of linalg.h's vx_lyap_sweeps, as analysis_lyap.c (which says why).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_rng.h>
#include "engine/init.h"
#include "engine/net_analysis_internal.h"

typedef struct {
	const vx_net *net;
	const vx_net_result *r;
	int ej;
	const atomic_int *stop;
	gsl_matrix *Y, *Z, *Zt;
	gsl_vector *tau, *e;
	double *coef;
	vx_net_ws ws;
} lyap;

/* Y ← the fixed random start of analysis_lyap.c, so that one vanilla layer
 * gives its exponents */
static vx_status random_start(void *ctx)
{
	lyap *ly = ctx;
	double rll[VX_LYAP_MAX];
	gsl_rng *rng = vx_rng_alloc(VX_LYAP_SEED);
	if (!rng)
		return VX_ENOMEM;
	vx_fill_gaussian(ly->Zt, rng, 1.0);
	gsl_rng_free(rng);
	gsl_matrix_transpose_memcpy(ly->Z, ly->Zt);
	return vx_rows_qr(ly->Z->data, ly->Y->data, ly->Y->size1, ly->Y->size2, rll, ly->Zt, ly->tau, ly->e) < 0
	               ? VX_ENUMERIC
	               : VX_OK;
}

/* One pass over j = 1..T (forward) or T..1, as analysis_lyap.c's sweep */
static vx_status sweep(void *ctx, int forward, double *sums)
{
	lyap *ly = ctx;
	const vx_net *net = ly->net;
	size_t p = ly->Y->size1, D = ly->Y->size2;
	double rll[VX_LYAP_MAX];
	for (size_t l = 0; l < p; l++)
		sums[l] = 0;
	for (size_t n = 1; n <= net->T; n++) {
		size_t j = forward ? n : net->T + 1 - n;
		if (vx_stop_asked(ly->stop))
			return VX_ECANCELLED;
		double Ej = vx_net_coef(net, ly->r->fwd, j, ly->coef);   /* step j's coefficients' power of two */
		if (forward)
			vx_net_jvp(net, ly->coef, 0, ly->Y, ly->Z, &ly->ws);
		else
			vx_net_vjp(net, ly->coef, 0, ly->Y, ly->Z, &ly->ws, NULL, NULL);
		/* Y = Z's rows made orthonormal; |R_ll| the growth of direction l */
		if (vx_rows_qr(ly->Z->data, ly->Y->data, p, D, rll, ly->Zt, ly->tau, ly->e) < 0)
			return VX_ENUMERIC;
		for (size_t l = 0; l < p; l++)
			sums[l] += rll[l] > 0 ? log(rll[l]) + (ly->ej + Ej) * VX_LN_2 : -INFINITY;
	}
	return VX_OK;
}

vx_status vx_na_lyapunov(const vx_net *net, int ej, vx_net_result *r, const atomic_int *stop)
{
	size_t D = net->D, p = D < VX_LYAP_MAX ? D : VX_LYAP_MAX;
	lyap ly = { net, r, ej, stop, gsl_matrix_alloc(p, D), gsl_matrix_alloc(p, D), gsl_matrix_alloc(D, p),
		    gsl_vector_alloc(p), gsl_vector_alloc(D), malloc(vx_net_coef_size(net) * sizeof(double)),
		    { 0 } };
	double sums[VX_LYAP_MAX];
	vx_status st = VX_ENOMEM;
	if (!ly.Y || !ly.Z || !ly.Zt || !ly.tau || !ly.e || !ly.coef || vx_net_ws_init(&ly.ws, net, p))
		goto done;
	st = vx_lyap_sweeps(random_start, sweep, &ly, p, (double)net->T * (double)D * (double)D * (double)p, sums);
	if (st == VX_OK) {
		r->lyap_count = p;
		for (size_t l = 0; l < p; l++)
			r->lyap_top[l] = sums[l] / (double)net->T;
		r->lyap_max = r->lyap_top[0];
	}
done:
	gsl_matrix_free(ly.Y);
	gsl_matrix_free(ly.Z);
	gsl_matrix_free(ly.Zt);
	gsl_vector_free(ly.tau);
	gsl_vector_free(ly.e);
	free(ly.coef);
	vx_net_ws_clear(&ly.ws);
	return st;
}
