/*
 * act.h — elementwise activations σ with σ' and γ = max σ'.
 */
#ifndef VX_ACT_H
#define VX_ACT_H

#include <stddef.h>

typedef enum { VX_SIGMOID = 0, VX_TANH, VX_RELU, VX_LINEAR } vx_act;
#define VX_ACT_COUNT 4

/* "sigmoid", "tanh", "relu", "linear". */
const char *vx_act_name(vx_act a);
/* Parses a name as above; returns 0 and sets *out, or -1 when unknown. */
int vx_act_parse(const char *name, vx_act *out);

double vx_act_f(vx_act a, double x);      /* σ(x) */
double vx_act_df(vx_act a, double x);     /* σ'(x); ReLU's σ'(0) is taken as 0 */
double vx_act_gamma(vx_act a);            /* max σ': 1/4 for sigmoid, 1 otherwise */
double vx_act_argmax(vx_act a);           /* the a where σ' is largest (0 for sigmoid, tanh;
                                           * 1 for relu, whose σ' is 1 on all a > 0; 0 for linear) */

/* y[i] = σ(x[i]) and y[i] = σ'(x[i]) for i < n (y may equal x): the loops of
 * the forward and backward passes, without a switch per element. */
void vx_act_fv(vx_act a, const double *x, double *y, size_t n);
void vx_act_dfv(vx_act a, const double *x, double *y, size_t n);

/* The same derivatives over a power of two: y[i] = σ'(x[i]) × 2^-*e for
 * i < n, with *e an integer held in a double, chosen so that the largest
 * y[i] is in [½, 1).  For a saturated unit (|x| above 354 for tanh, 708
 * for the logistic, where σ' nears the end of the normal doubles) the
 * mantissa and power of two are formed apart, so that a step whose units
 * all saturate keeps its derivatives to a few ulps (10^-400, 10^-10^6),
 * where vx_act_dfv gives subnormals that lose digits, then 0.  Every other
 * y[i] is vx_act_dfv's value scaled by 2^-*e exactly.  A unit more than 2^1074
 * below the largest comes out 0, and so does one whose σ' is below
 * 2^(−2^28) = 10^(−8.1e7) (|x| past 9.3e7 for tanh, 1.9e8 for the
 * logistic), whose powers of two, added up over the longest horizon, would
 * no longer be exact in a double.  (Past |x| = 1e6 x's own ulp moves σ'
 * by more than 1e-10.)  Returns 1, or 0 when every σ' is
 * exactly 0 (dead relu units: y is 0 and *e is 0). */
int vx_act_dfv_scaled(vx_act a, const double *x, double *y, size_t n, double *e);

/* σ'(x) = *m × 2^e, e returned (an integer held in a double), *m in [½, 1),
 * at any x (vx_act_dfv_scaled's accuracy); *m and e are 0 where σ'(x) is
 * exactly 0. */
double vx_act_df_split(vx_act a, double x, double *m);

#endif
