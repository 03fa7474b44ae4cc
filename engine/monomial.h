/*
 * monomial.h — the chain of a vanilla cell whose W has at most one nonzero
 * in each row and each column (a scaled permutation: W = λI, the identity
 * init), entry by entry.
 *
 * Why: such a W keeps every product P_k = J_t ⋯ J_{k+1} (J_j =
 * diag(σ'(a_j)) W) to one nonzero per row, each a product of σ' values and
 * entries of W, and ‖P_k‖₂ is the largest of them.  The chain held as a
 * matrix scales σ'(a_j) by the step's largest and loses a unit more than
 * 2^1074 below it; when each unit is that far below another at some step
 * (a logistic with inputs of scale 1e3) every row went to 0 and
 * ‖∂s_t/∂s_k‖₂ was printed as exactly 0, where it was 10^-23817.  Here each
 * row keeps its own mantissa and power of two: nothing is lost.
 */
#ifndef VX_MONOMIAL_H
#define VX_MONOMIAL_H

#include <stddef.h>
#include <gsl/gsl_matrix.h>
#include "engine/act.h"
#include "engine/status.h"

/* For W (d×d) with at most one nonzero per row and column (linalg.h:
 * vx_monomial_norm) and the pre-activations a (row j−1 = a_j, at least t
 * rows): ‖P_k‖₂ = mant[k−1] × 2^expo[k−1] for k = 1 .. t−1 (mant 0 when
 * P_k = 0), and *zero = 1 when J_t ⋯ J_1 is exactly 0.  VX_ENOMEM, or
 * VX_EINTERNAL when W is not such a matrix. */
vx_status vx_monomial_chain(const gsl_matrix *W, vx_act act, const gsl_matrix *a, size_t t, double *mant,
                            double *expo, int *zero);

#endif
