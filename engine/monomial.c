/*
 * monomial.c — the chain of a W with one nonzero per row and column, entry
 * by entry (see monomial.h).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include "engine/monomial.h"

vx_status vx_monomial_chain(const gsl_matrix *W, vx_act act, const gsl_matrix *a, size_t t, double *mant,
                            double *expo, int *zero)
{
	size_t d = W->size1;
	/* row i of W: its nonzero wm[i] × 2^we[i] in column col[i] (SIZE_MAX:
	 * none); row i of P: m[i] × 2^e[i] in column at[i] */
	size_t *col = malloc(2 * d * sizeof *col);
	double *wm = malloc(5 * d * sizeof *wm);
	if (!col || !wm) {
		free(col);
		free(wm);
		return VX_ENOMEM;
	}
	size_t *at = col + d;
	double *we = wm + d, *m = wm + 2 * d, *e = wm + 3 * d, *se = wm + 4 * d;
	vx_status st = VX_OK;
	for (size_t i = 0; i < d && st == VX_OK; i++) {
		col[i] = SIZE_MAX;
		for (size_t l = 0; l < d; l++) {
			double v = gsl_matrix_get(W, i, l);
			if (v == 0)
				continue;
			if (col[i] != SIZE_MAX)
				st = VX_EINTERNAL;
			int x;
			wm[i] = frexp(fabs(v), &x);
			we[i] = x;
			col[i] = l;
		}
		m[i] = 0.5;   /* P_t = I */
		e[i] = 1;
		at[i] = i;
	}
	/* σ'(a_j) of every unit as mantissa sm and power of two se */
	double *sm = malloc(d * sizeof *sm);
	if (!sm)
		st = VX_ENOMEM;
	for (size_t j = t; j >= 1 && st == VX_OK; j--) {
		const double *aj = gsl_matrix_const_ptr(a, j - 1, 0);
		for (size_t u = 0; u < d; u++)
			se[u] = vx_act_df_split(act, aj[u], &sm[u]);
		/* P_{j−1} = P_j J_j: row i's entry, in column c, times J_j[c, col[c]]
		 * = σ'(a_j)[c] W[c, col[c]] */
		double best = 0, beste = 0;
		int any = 0;
		for (size_t i = 0; i < d; i++) {
			if (m[i] == 0)
				continue;
			size_t c = at[i];
			if (col[c] == SIZE_MAX || sm[c] == 0) {
				m[i] = 0;
				continue;
			}
			int x;
			m[i] = frexp(m[i] * sm[c] * wm[c], &x);
			e[i] += se[c] + we[c] + x;
			at[i] = col[c];
			any = 1;
			if (best == 0 || e[i] > beste || (e[i] == beste && m[i] > best)) {
				best = m[i];
				beste = e[i];
			}
		}
		if (j >= 2) {
			mant[j - 2] = best;
			expo[j - 2] = any ? beste : 0;
		} else {
			*zero = !any;
		}
	}
	free(sm);
	free(col);
	free(wm);
	return st;
}
