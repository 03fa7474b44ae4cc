/*
 * eigen.h — the eigenvalues of W and the norms of its powers: what sets the
 * long-run rate of ∂s_t/∂s_k, against what bounds it.
 *
 * In a linear network ∂s_t/∂s_k = W^{t−k}, and
 *     ρ(W)ⁿ <= ‖Wⁿ‖₂ <= ‖W‖₂ⁿ,        ‖Wⁿ‖₂^{1/n} → ρ(W) (Gelfand),
 * with ρ(W) = max |ν_i| over the eigenvalues ν_i of W.  ρ(W) = ‖W‖₂ when W
 * is normal (W Wᵀ = Wᵀ W: symmetric, orthogonal, λI); a non-normal W may
 * have ρ(W) far below ‖W‖₂, and then ‖Wⁿ‖₂ can grow for a while before it
 * decays at the rate ρ(W) (a Jordan block ρI + N: ‖Jⁿ‖ ~ n ρ^{n−1}).
 *
 * Accuracy.  The eigenvalues come from LAPACK's Hessenberg reduction and
 * QR iteration (dgehrd, dhseqr; lapack.h) on W scaled by a power of two
 * (exact), which is backward stable: each computed ν_i is an eigenvalue of W + E with ‖E‖
 * about d ε ‖W‖.  A simple eigenvalue therefore moves by about κ_i d ε ‖W‖
 * (κ_i its condition number, 1 for every eigenvalue of a normal W: there ρ
 * is right to ~1e-15 relative), a defective one of multiplicity m by about
 * (d ε ‖W‖)^{1/m} (1e-8 for a 2×2 Jordan block in a rotated basis): no
 * algorithm in double precision does better, since the data themselves
 * carry that uncertainty.  The norms ‖Wⁿ‖₂ are certified (linalg.h,
 * vx_sym_top): each is within about 4e-13 of ‖P‖₂ for the product P that
 * was formed, and P differs from Wⁿ by the rounding of n products, at most
 * about n d ε ‖W‖₂ⁿ in norm: relative to ‖Wⁿ‖₂ that is n d ε (‖W‖₂ⁿ / ‖Wⁿ‖₂),
 * small unless powers cancel on a large scale (a rotated Jordan block).
 */
#ifndef VX_EIGEN_H
#define VX_EIGEN_H

#include <stddef.h>
#include <gsl/gsl_matrix.h>
#include "engine/analysis.h"
#include "engine/exec.h"
#include "engine/status.h"

/* The spectrum of a square W (a struct the caller holds: _init/_clear). */
typedef struct {
	size_t d;
	double *re, *im;   /* the d eigenvalues ν_i = re[i] + i·im[i], largest |ν| first;
	                    * equal moduli by re, then im, descending, so a complex
	                    * pair comes as +im, −im (exact conjugates) */
	double rho;        /* ρ(W) = max |ν_i| (0 for a nilpotent W; below DBL_MIN, for
	                    * a W of entries near 2e-308, a subnormal double with
	                    * fewer significant bits) */
} vx_eigen;

/* The eigenvalues and spectral radius of W (d×d, d >= 1) into *e, which
 * owns them until vx_eigen_clear.  O(d³): about 10 d³ flops (on one core
 * of a 2-core AMD EPYC: 33 ms at d = 256, 0.30 s at 512, 0.98 s at 1024,
 * where GSL's unblocked gsl_eigen_nonsymm took 0.10, 1.15 and 9.5 s),
 * d² + d doubles and LAPACK's workspace (about 32 d) of scratch.  VX_ESHAPE when W is not square or
 * empty, VX_ENONFINITE when it holds NaN or infinity, VX_ENUMERIC when the
 * QR iteration does not converge, VX_ENOMEM; err says which in one line.
 * On failure *e is left cleared. */
vx_status vx_eigen_init(vx_eigen *e, const gsl_matrix *W, vx_error *err);

/* Frees the eigenvalues and zeroes *e (a zeroed, failed or cleared struct
 * takes it again). */
void vx_eigen_clear(vx_eigen *e);

/* ρ(W) alone into *rho, as vx_eigen_init computes it; statuses as there. */
vx_status vx_eigen_radius(const gsl_matrix *W, double *rho, vx_error *err);

/* ‖Wⁿ‖₂ for n = 0..N into out[0..N] (N + 1 entries): 1 at n = 0, exactly
 * 0 from the first n at which the product is exactly 0 (a nilpotent W),
 * carried as vx_mag beyond the range of a double (λ = 10³⁰⁰, n = 1000).
 * Each power is formed once (P ← P W, by powers of two kept near 1) and its
 * norm certified (vx_sym_top on P Pᵀ); a W with one nonzero per row and
 * column has exact norms (vx_monomial_norm).  Cost per power about
 * 3.3 d³ flops (product, Gram matrix, Cholesky certificate; measured as
 * above: 0.18 ms at d = 64, 0.6 ms at d = 128, 4.3 ms at d = 256); memory
 * vx_eigen_power_bytes(d).  stop (engine/exec.h; NULL: never) is read once
 * a power: once it is set the call returns VX_ECANCELLED, out then partly
 * written.  Statuses otherwise as vx_eigen_init's. */
vx_status vx_eigen_power_norms(const gsl_matrix *W, size_t N, const atomic_int *stop, vx_mag *out,
                               vx_error *err);

/* The scratch memory vx_eigen_power_norms takes for a d×d W, in bytes
 * (saturating at SIZE_MAX): five d×d matrices, a Lanczos workspace and a
 * symmetric eigen-solver's. */
size_t vx_eigen_power_bytes(size_t d);

#endif
