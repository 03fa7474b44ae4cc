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

#endif
