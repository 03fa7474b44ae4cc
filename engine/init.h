/*
 * init.h — the weights of a generated network as the options make them: the
 * seeded generator, Gaussian draws, W by its initialisation, and W scaled to
 * a spectral norm.  vx_model_build and vx_net_build both draw through these,
 * so that one seed gives the vanilla cell of a vx_net the model's numbers,
 * bit for bit.
 */
#ifndef VX_INIT_H
#define VX_INIT_H

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>
#include "engine/params.h"
#include "engine/status.h"

/* GSL's mt19937 seeded from seed.  It takes a 32-bit seed: a 64-bit s is
 * folded to (s ^ (s >> 32)) mod 2^32, so every bit matters and seeds below
 * 2^32 are used as GSL uses them (0 meaning its default 4357).  NULL when
 * out of memory; free with gsl_rng_free. */
gsl_rng *vx_rng_alloc(unsigned long seed);

/* Every entry of M drawn from N(0, sd²), row by row. */
void vx_fill_gaussian(gsl_matrix *M, gsl_rng *g, double sd);

/* Draws the square W (a view will do) as init says, with spectral norm
 * lambda:
 *   gaussian    N(0,1) entries, row by row, scaled by vx_matrix_set_norm;
 *   orthogonal  λQ, Q the orthogonal factor of the QR of such a matrix with
 *               its columns' signs those of R's diagonal (Haar-distributed);
 *   identity    λI, after drawing (and dropping) as many entries as the
 *               gaussian, so that a seed gives the same U and inputs.
 * Errors as vx_matrix_set_norm's, or VX_ENOMEM / VX_ENUMERIC for the
 * orthogonal factor (err about VX_PARAM_INIT). */
vx_status vx_draw_weights(gsl_matrix *W, vx_init init, double lambda, gsl_rng *g, vx_error *err);

/* Scales W so that ‖W‖₂ = lambda, by the norm of vx_norm2_split (linalg.h):
 * exact powers of two first, so that a W whose norm does not fit a double
 * still scales.  lambda = 0 gives W = 0.  VX_EUSAGE for a lambda that is
 * negative or not finite, or a W of zeros and lambda > 0; VX_ENONFINITE when
 * W holds NaN or infinity, or the result leaves the range of a double (err
 * about VX_PARAM_NORM). */
vx_status vx_matrix_set_norm(gsl_matrix *W, double lambda, vx_error *err);

#endif
