/*
 * model.h — the network: W, U, b, s_0, inputs x_1..x_T and target y.
 *
 *   a_j = W s_{j-1} + U x_j + b,   s_j = σ(a_j),   L_t = ½‖s_t − y‖².
 *
 * Generated models draw from GSL's mt19937 seeded with params.seed, always in
 * the order W, U, x, y, so a seed reproduces a run:
 *   W   --init gaussian: N(0,1) entries (row by row), then scaled to ‖W‖₂ = λ;
 *       orthogonal: λQ, Q from the QR of such a matrix with the signs of R's
 *       diagonal moved into Q (a Haar-distributed orthogonal matrix);
 *       identity: λI (draws nothing).  --weights: the file's W (draws nothing).
 *   U   N(0, 1/n) entries (row by row), so U x_j has unit variance per unit.
 *   x   N(0,1) entries (row by row) times --input-scale S, i.e. x_j ~ N(0, S²I);
 *       always drawn, so y does not depend on S.
 *   y   y_i = σ(z_i), z_i ~ N(0,1): a target the network can attain (inside
 *       (0,1) for sigmoid, (−1,1) for tanh, >= 0 for relu).
 *   b = 0 and s_0 = 0.
 * mt19937 takes a 32-bit seed: a 64-bit seed s is folded to (s ^ (s >> 32))
 * mod 2^32, so seeds below 2^32 are used as GSL uses them (0 meaning GSL's
 * default 4357).
 */
#ifndef VX_MODEL_H
#define VX_MODEL_H

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>
#include "engine/params.h"

typedef struct {
	vx_act act;
	size_t d;          /* hidden size */
	size_t n;          /* input size (>= 1) */
	size_t T;          /* steps */
	gsl_matrix *W;     /* d×d */
	gsl_matrix *U;     /* d×n */
	gsl_vector *b;     /* d */
	gsl_vector *s0;    /* d */
	gsl_matrix *x;     /* T×n; row j-1 holds x_j */
	gsl_vector *y;     /* d */
} vx_model;

/* A model of the given sizes with every entry 0.  NULL when out of memory. */
vx_model *vx_model_alloc(vx_act act, size_t d, size_t n, size_t T);
void vx_model_free(vx_model *m);          /* NULL-safe */
vx_model *vx_model_clone(const vx_model *m);
/* The bytes a model of these sizes takes (x, T×n, is most of it at long
 * horizons); saturates at SIZE_MAX. */
size_t vx_model_bytes(size_t d, size_t n, size_t T);

/* Builds the model the parameters describe: W from --init or --weights
 * (rescaled to --norm when that is set, or always for generated W), U, x, y
 * drawn from the seed.  --model is NOT handled here (it is JSON: see
 * report/modeljson.h), nor a trained network's file (weights_net: the front
 * end reads it, report/load/); callers dispatch on params->model first.  A
 * --weights file that cannot be read is an error about VX_PARAM_WEIGHTS.
 * Returns VX_OK and *out (caller frees), or a status with err filled. */
vx_status vx_model_build(const vx_params *p, vx_model **out, vx_error *err);

/* Scales W so that its spectral norm is lambda (>= 0): vx_matrix_set_norm
 * (init.h) on m->W, with its statuses. */
vx_status vx_model_set_norm(vx_model *m, double lambda, vx_error *err);

#endif
