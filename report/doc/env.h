/*
 * env.h — the environment a fill (tpl.h) and the renderers read: the
 * context of one document (ctx.h), whether it is laid out for a terminal,
 * and the extras of the analysis behind it.
 *
 * The extras are what a step may read that costs far more than its text:
 * the finite-difference check of this network, the same network with an
 * orthogonal and with the identity W, its W rescaled to the two sides of
 * the edge γλ = 1 that it is not on, and the eigenvalues of W and the norms
 * of its powers.  Each is computed when a template
 * first asks for it and kept in a vxr_extras, which belongs to whoever owns
 * the analysis (the tutor's state, the report command): it hands the same
 * extras to every context of that analysis (ctx->extras), so that laying
 * out step after step, or writing a handout of what the tutor shows,
 * computes them once, and frees them with the analysis.  Nothing is kept
 * anywhere else: environments of different analyses share nothing, and two
 * threads may render at once as long as they do not share one vxr_extras.
 */
#ifndef VXR_ENV_H
#define VXR_ENV_H

#include "engine/analysis.h"
#include "engine/eigen.h"
#include "engine/net_analysis.h"
#include "engine/regime.h"
#include "report/doc/ctx.h"

/* ---- the extras of one analysis ---- */

/* An empty set of extras, filled on demand for the analysis of the
 * contexts it is given to; NULL when out of memory (a context may then
 * carry NULL: see vxr_env_alloc).  Freed with vxr_extras_free, at the
 * latest when the model or the result it was used with is freed or
 * replaced: the extras of one analysis are wrong for any other. */
vxr_extras *vxr_extras_alloc(void);
void vxr_extras_free(vxr_extras *x);   /* NULL-safe */

/* How many networks besides the analysis the extras have built so far
 * (each an analysis as costly as the first): what the steps laid out with
 * them asked for.  0 for NULL. */
size_t vxr_extras_networks(const vxr_extras *x);

/* ---- the environment of one rendering ---- */

typedef struct vxr_env vxr_env;

/* An environment reading ctx (which must outlive it) and ctx->extras; when
 * ctx->extras is NULL the environment keeps extras of its own, freed with
 * it.  NULL when out of memory. */
vxr_env *vxr_env_alloc(const vxr_ctx *ctx);
void vxr_env_free(vxr_env *e);   /* NULL-safe; the context's extras stay its owner's */

/* Marks a terminal rendering: the name `terminal` reads 1. */
void vxr_env_set_terminal(vxr_env *e, int terminal);
int vxr_env_terminal(const vxr_env *e);
const vxr_ctx *vxr_env_ctx(const vxr_env *e);

/* The finite-difference check, and the alternative networks (which: 0 =
 * orthogonal W, 1 = identity W, both with ‖W‖₂ = 1 and this network's
 * inputs, activation and loss step), computed on first use into the
 * environment's extras.  NULL with err filled when they cannot be computed
 * (the failure is kept too, and given again). */
const vx_fdcheck *vxr_env_fd(vxr_env *e, vx_error *err);
const vx_result *vxr_env_alt(vxr_env *e, int which, vx_error *err);

/* The eigenvalues and spectral radius of this network's W (engine/eigen.h),
 * computed on first use (about 10 d³ flops); NULL with err filled when they
 * cannot be. */
const vx_eigen *vxr_env_eigen(vxr_env *e, vx_error *err);

/* The most powers of W a document shows. */
#define VXR_POWERS_MAX 200
/* N = min(t − 1, VXR_POWERS_MAX): the powers a document shows are W⁰ … Wᴺ,
 * the gaps of the paths (t − k) as far as that.  Costs nothing. */
size_t vxr_env_powers_n(const vxr_env *e);
/* ‖Wⁿ‖₂ for n = 0..vxr_env_powers_n(e) (engine/eigen.h), computed on first
 * use (about 3.3 d³ N flops); NULL with err filled when they cannot be. */
const vx_mag *vxr_env_powers(vxr_env *e, vx_error *err);
/* The n of the largest of pw[0..N] (‖Wⁿ‖₂, compared by log10, beyond a
 * double too): the first that reaches it to 1e-12 relative, so the powers
 * of an orthogonal W, all 1 up to rounding, peak at n = 0. */
size_t vxr_powers_peak(const vx_mag *pw, size_t N);
/* 1 when those powers are too slow for a terminal's redraw: d³ N beyond
 * 2 × 10⁸, the threshold the remedies step puts on its analyses (0.12 s
 * at d = 128, N = 200 on one core); the tutor leaves them for later then
 * (vxr_env_later), the handouts never.  Template name `powers.slow`. */
int vxr_env_powers_slow(const vxr_env *e);

/* ---- the gated cells beside this network ---- */

/* The gated network of cell VX_CELL_LSTM or VX_CELL_GRU that stands beside
 * this vanilla one: one layer with the same d, n, T, inputs x_j, target y
 * and initial h_0 = s_0 (c_0 = 0), its weights drawn by vx_net_build from
 * this run's seed and --init (gaussian for a W read from a file), then every
 * d×d gate block of weight_hh scaled to this network's λ = ‖W‖₂
 * (vx_net_set_norm, what --norm does for gated cells): each gate block
 * plays W's part.  The forget bias is ctx->forget_bias (bias_ih of the
 * LSTM's f, of the GRU's z).  Analysed (vx_net_analyse) at this network's
 * loss step on first use into the extras, and again when the context's
 * forget bias differs from the one it was made with.  VX_OK with *out
 * set (owned by the extras), or the failure with err filled and *out NULL
 * (the failure is kept too, and given again). */
vx_status vxr_env_gated(vxr_env *e, vx_cell cell, const vx_net_result **out, vx_error *err);

/* ---- work left for later ----
 * The tutor lays a step out at once, and an extra too slow for that (the
 * networks of a comparison, the powers of W: the thresholds above) is
 * left for later: the step says it is being computed, the extras remember
 * that it was asked for, a job of its own computes it beside nothing else
 * (vxr_extras_compute, stopping with the context's flag) and the step is
 * laid out again.  A handout never leaves anything for later. */

/* What can be left for later (bits). */
enum {
	VXR_LATER_GATES = 1u << 0,    /* the LSTM and the GRU beside this network */
	VXR_LATER_GATED = 1u << 1,    /* the one of the cell the reader chose (ctx->cell) */
	VXR_LATER_REGIMES = 1u << 2,  /* this network on the other sides of γλ = 1 */
	VXR_LATER_INITS = 1u << 3,    /* this network with an orthogonal and the identity W */
	VXR_LATER_POWERS = 1u << 4,   /* ‖Wⁿ‖₂ (vxr_env_powers) */
	VXR_LATER_ALL = (1u << 5) - 1 /* all of them: what a whole handout reads */
};

/* 1 when what (one VXR_LATER_ bit) is left for later in this rendering:
 * the context defers (ctx->defer), it is slow (a network of a comparison
 * beyond d³t = 2 × 10⁸, the powers by vxr_env_powers_slow) and the extras
 * do not hold it yet; the extras then record it as wanted.  0 when it is to be read now (computed if need be).
 * Template names `later.gates`, `later.gated`, `later.regimes`,
 * `later.inits`, `later.powers`. */
int vxr_env_later(vxr_env *e, unsigned what);

/* What renderings with x left for later since the last call (VXR_LATER_
 * bits), and forgets it.  0 for NULL. */
unsigned vxr_extras_take_wanted(vxr_extras *x);

/* Computes the extras what names (VXR_LATER_ bits) of ctx's analysis into
 * ctx->extras (not NULL), one analysis after another, each stopping within
 * a step of its loops once ctx->stop is set.  VX_OK when all are done (a
 * failure is kept as an extra's failure always is, for the step to say),
 * VX_ECANCELLED when stopped: those finished stay, the one under way is
 * owed again. */
vx_status vxr_extras_compute(const vxr_ctx *ctx, unsigned what);

/* ---- both regimes side by side ---- */

/* The γλ of the networks that show a regime this network is not in: W
 * rescaled, nothing else changed.  0.8 and 1.25 are reciprocals, so the two
 * bounds (γλ)^(t−k) mirror each other on a log scale (0.8⁴⁹ = 1.78×10⁻⁵,
 * 1.25⁴⁹ = 5.61×10⁴ over the default 50 steps), four decades either way;
 * near enough to 1 that even a linear W = 1.25·I, whose states grow by the
 * bound itself, stays within a double for 3178 steps (measured: the
 * forward pass leaves it at step 3179 of 5000, and the table says so). */
#define VXR_GL_BELOW 0.8
#define VXR_GL_ABOVE 1.25

/* γλ of the network standing for regime g: VXR_GL_BELOW, 1, VXR_GL_ABOVE. */
double vxr_regime_gl(vx_regime g);
/* The same for this environment: this network's own γλ (vx_result_gl) in
 * its own regime. */
double vxr_env_regime_gl(const vxr_env *e, vx_regime g);

/* The network that shows regime g: this analysis itself when it is in g,
 * else this network with W rescaled to ‖W‖₂ = vxr_regime_gl(g)/γ (the same
 * draws, inputs, target, activation and loss step), analysed on first use
 * into the extras, so only a step that asks computes the two others.  NULL
 * with err filled when it cannot be (a W of zeros has no scale to change; a
 * forward pass beyond a double), the failure kept and given again. */
const vx_result *vxr_env_regime(vxr_env *e, vx_regime g, vx_error *err);

#endif
