/*
 * check.h — what `vanex check` prints: an 80-column text summary or one
 * JSON object (jansson, 17 significant digits, so a replay through --model
 * reproduces every number bit for bit).
 *
 * The verdict (vanishing / exploding / neither) is decided here once, so the
 * tutor and the handout can show the same words as `check`, and so that one
 * rule serves one vanilla layer (vx_result) and a network of gated cells or
 * stacked layers (vx_net_result) alike.
 */
#ifndef VXR_CHECK_H
#define VXR_CHECK_H

#include <stddef.h>
#include <stdio.h>
#include "engine/analysis.h"
#include "engine/net_analysis.h"
#include "engine/net_fdjudge.h"
#include "engine/regime.h"
#include "report/text/fmt.h"

/* Where the weights and the inputs came from when files gave them, besides
 * what params say (--weights of one square W, --model): a trained
 * network's file (report/netfile.h) and --inputs-file.  A check without
 * one (NULL) was made from the options alone, and says so as before. */
typedef struct {
	char weights[VX_PATH_MAX]; /* a trained network's file; "": none */
	char format[24];       /* its format: "PyTorch zip", "safetensors", ... */
	char module[1024];     /* the module analysed; "" the top level */
	char dtype[24];        /* of the module's tensors */
	int directions;        /* 1, or 2 for a bidirectional module */
	int reverse;           /* the direction analysed: 1 the reverse one */
	char inputs[VX_PATH_MAX]; /* --inputs-file; "": x generated from the seed */
	size_t B;              /* the sequences it holds (1 for T×n) */
	int zero_target;       /* y = 0 (a trained network's file holds no target) */
} vxr_source;

/* Everything one check shows.  params are the EFFECTIVE parameters
 * (vxr_model_load's eff: sizes as in the model). */
typedef struct {
	const vx_params *params;
	const vx_model *model;
	const vx_result *result;
	const vx_fdcheck *fd;      /* NULL: the finite-difference check was not run */
	const vxr_source *src;     /* NULL: from the options alone */
	/* NULL, or the check behind fd is still computed (on a thread of the
	 * caller's): the JSON writer calls fd_wait(fd_ctx) where fd_check is due,
	 * so that the members before it are written meanwhile, and reads *fd
	 * once it returns VX_OK; on any other status the JSON ends with
	 * "fd_check": null (a stream already written is one whole object) and
	 * the call returns that status (the text writers wait before writing
	 * anything, and write nothing) */
	vx_status (*fd_wait)(void *fd_ctx);
	void *fd_ctx;
} vxr_check;

typedef enum { VXR_NEITHER = 0, VXR_VANISHING, VXR_EXPLODING } vxr_trend;

/* A finite-difference relative error at or below this passes (the engine's
 * tolerance, by which it also tells rounding from a wrong formula). */
#define VXR_FD_TOL VX_FD_TOL

/* The verdict from the measured rate r->rate (log10 of ‖∂s_t/∂s_k‖ per unit
 * of t−k): the engine's trend (engine/regime.h, vx_result_trend), the rule
 * the handouts use too.  Vanishing (exploding) when the norm shrinks (grows)
 * by a factor of 10 or more over the window t−k = 0..t−1, or by 10% or more
 * per step; vanishing too when ∂s_t/∂s_k is exactly 0 at the largest gap.
 * vxr_trend's values are vx_trend's.  When line is
 * not NULL writes one line (<= 72 columns) in the notation of its reader:
 *   VXR_NOTE_ASCII      "vanishing: |ds_t/ds_k| shrinks x0.631 per step (10^-0.2)"
 *   VXR_NOTE_UNICODE    "vanishing: ‖∂s_t/∂s_k‖ shrinks ×0.631 per step (10^−0.2)"
 *                       (check's text, which writes indices as _t throughout)
 *   VXR_NOTE_SUBSCRIPT  "vanishing: ‖∂sₜ/∂sₖ‖ shrinks ×0.631 per step (10^−0.2)"
 *                       (the tutor, whose rendered math uses subscript letters) */
typedef enum { VXR_NOTE_ASCII = 0, VXR_NOTE_UNICODE, VXR_NOTE_SUBSCRIPT } vxr_notation;
vxr_trend vxr_verdict(const vx_result *r, vxr_notation note, char *line, size_t n);

/* The same rule and words for a network, from its rate of ‖∂S_t/∂S_k‖, S
 * the whole state (every layer's h and c): "vanishing: ‖∂S_t/∂S_k‖ shrinks
 * ×0.631 per step (10^−0.2)". */
vxr_trend vxr_net_verdict(const vx_net_result *r, vxr_notation note, char *line, size_t n);

/* "vanishing", "exploding", "neither". */
const char *vxr_trend_name(vxr_trend t);

/* What the textbook bound (γλ)^(t−k) says in regime g (engine/regime.h), the
 * words that follow "γλ" wherever vanex states it (check's text, the tutor's
 * message line), ASCII:
 *   below  "< 1: the bound shrinks geometrically, gradients vanish"
 *   edge   "= 1 to 1e-12: the edge, the bound stays at 1 and decides nothing"
 *   above  "> 1: the bound grows, explosion is possible (not certain)" */
const char *vxr_regime_words(vx_regime g);

/* γλ of r formatted under the policy: "1" on the edge; off it at least sig
 * significant digits, and as many more (up to 17) as it takes not to read
 * "1" (γλ = 0.9999999 is below the edge, and says so).  Returns buf. */
char *vxr_gl_num(char *buf, size_t n, const vx_result *r, int sig, vxf_style st);
/* The same for γ and λ not yet computed into a result (the tutor shows the
 * λ a key has chosen while its network is computed). */
char *vxr_gl_num_of(char *buf, size_t n, double gamma, double lambda, int sig, vxf_style st);

/* 1 when every error of the finite-difference check is <= VXR_FD_TOL. */
int vxr_fd_pass(const vx_fdcheck *fd);

/* How one compared quantity of the finite-difference check came out. */
typedef enum {
	VXR_FD_PASSED = 0, /* relative error <= VXR_FD_TOL */
	VXR_FD_FAILED,     /* larger, or NaN without a reason below */
	VXR_FD_UNRESOLVED, /* nothing compared: every entry was beyond what
	                    * double precision resolves (too sensitive, or off by
	                    * no more than rounding; vx_fdcheck.unresolved) */
	VXR_FD_TOO_LARGE,  /* nothing compared: the analytic value does not fit
	                    * a double */
	VXR_FD_AT_KINK     /* nothing compared: every column or entry moves a ReLU
	                    * pre-activation sitting exactly on the kink 0, where
	                    * σ' is not defined (vx_fdcheck.at_kink) */
} vxr_fd_outcome;

/* The outcome of quantity q of fd: 0 dsda, 1 dads, 2 dsds, 3 dLdW. */
vxr_fd_outcome vxr_fd_item(const vx_fdcheck *fd, int q);

/* The outcome of the whole check: FAILED when any item failed, else
 * UNRESOLVED or TOO_LARGE when an item could not be compared (never a pass
 * then), else PASSED (exactly when vxr_fd_pass). */
vxr_fd_outcome vxr_fd_overall(const vx_fdcheck *fd);

/* The rows of check's table: gaps t−k in increasing order — all of them
 * when t <= 30, else 0..5, then 10, 15, 20, 30, 50, 70, 100, 150, … (about
 * ×1.5 apart) and t−1.
 * Writes up to cap gaps into gaps and returns how many there are. */
size_t vxr_check_rows(size_t t, size_t *gaps, size_t cap);

/* The text summary, every line at most 80 columns; utf8 = 0 gives ASCII.
 * VX_EIO when writing to out fails. */
vx_status vxr_check_text(FILE *out, const vxr_check *c, int utf8, vx_error *err);

/* The JSON object (one line, newline-terminated).  Members:
 *   params {activation, hidden, inputs, steps, t, norm, init, input_scale, seed},
 *   version, gamma, lambda, model {activation, W, U, b, s0, x, y}, a, s,
 *   loss, log10_loss, paths [{k, gap, norm, log10_norm, step_product,
 *   log10_step_product, bound, log10_bound, contribution, log10_contribution}],
 *   grad_W (+ grad_W_scaled, grad_W_log10_scale when it does not fit),
 *   grad_norm, log10_grad_norm, loss_sum, log10_loss_sum (L = Σ_t L_t),
 *   grad_sum_W (∂L/∂W; + grad_sum_W_scaled, grad_sum_W_log10_scale when it
 *   does not fit), grad_sum_norm, grad_sum_near, grad_sum_far (each with
 *   its log10_), lyapunov {max_exponent, bound}, rate,
 *   verdict, fd_check {dsda, dads, dsds, dLdW, j, k, dLdW_entries, unresolved,
 *   at_kink, tolerance, pass, outcome ("pass", "fail", "unresolved", "too large"
 *   or "at kink",
 *   as vxr_fd_overall)}; an error that could not be measured is null.
 * A magnitude that does not fit a double is null and its log10_ member
 * carries it; an exact zero has value 0 and log10 null. */
vx_status vxr_check_json(FILE *out, const vxr_check *c, vx_error *err);

/* ---- a network of gated cells or stacked layers (engine/net_analysis.h) ---- */

/* Everything one check of a network shows. */
typedef struct {
	const vx_params *params;        /* effective (vxr_net_load's eff) */
	const vx_net_spec *spec;        /* effective cell, layers, forget bias */
	const vx_net *net;
	const vx_net_result *result;
	const vx_net_fdjudge *fd;       /* NULL: the finite-difference check was not run */
	const vxr_source *src;          /* NULL: from the options alone */
	vx_status (*fd_wait)(void *fd_ctx); /* as vxr_check's */
	void *fd_ctx;
} vxr_net_check;

/* The text, every line at most 80 columns, ASCII unless utf8: the model line
 * (cell, layers, d, n, T, t, the state size D), how the weights came about,
 * the loss and ‖∂L_t/∂θ‖_F; the path table (‖∂S_t/∂S_k‖₂, Π‖J_j‖₂ and the
 * bound from the gates' ranges, at vxr_check_rows' gaps); per layer the
 * blocks ‖∂h_t/∂h_k‖₂ and for LSTM ‖∂c_t/∂c_k‖₂ (the carousel) beside the
 * term of path k in ∂L_t/∂weight_hh, then σ_max and spectral radius of
 * weight_hh and of each gate block, the saturated fractions of the gates
 * (and of tanh(c)), the forget (LSTM) or update (GRU) gate's mean and spread;
 * the horizon; the top Lyapunov exponent (an estimate) against its bound;
 * the verdict (vxr_net_verdict); the finite-difference check.  Where the
 * derivatives underflowed (vx_net_result.underflow_steps) and a norm or
 * gradient is 0, a note under the blocks says a 0 may stand for a value too
 * small to carry.  VX_EIO when writing fails. */
vx_status vxr_net_check_text(FILE *out, const vxr_net_check *c, int utf8, vx_error *err);

/* The JSON object (one line, newline-terminated, 17 significant digits, as
 * vxr_check_json writes it).  Members:
 *   params {activation (rnn only), hidden, inputs, steps, t, norm, init,
 *     input_scale, seed, cell, layers, forget_bias (lstm and gru)},
 *   version, state_size (D), bound_kind ("gates"),
 *   model {cell, layers, activation (rnn only), weight_ih_l0, weight_hh_l0,
 *     bias_ih_l0, bias_hh_l0, ... for every layer, h0 (L rows of d),
 *     c0 (lstm), x, y}: modeljson.h's network, what --model reads back,
 *   h (L arrays of T rows of d: each layer's h_1..h_T), c (lstm, the same),
 *   loss, log10_loss,
 *   paths [{k, gap, norm, log10_norm (the whole state), step_product,
 *     log10_step_product, bound, log10_bound, h_norm [L], log10_h_norm [L],
 *     c_norm [L], log10_c_norm [L] (lstm), contribution [L],
 *     log10_contribution [L]}],
 *   step_norm [T], log10_step_norm [T], step_bound [T], log10_step_bound [T]
 *     (‖J_j‖₂ and b_j),
 *   grads {weight_ih_l0: ∂L_t/∂weight_ih_l0, ...: every parameter's name};
 *     when a gradient does not fit a double: grads null, grads_scaled with
 *     the same members and grads_log10_scale (∂L_t/∂θ = grads_scaled ×
 *     10^grads_log10_scale),
 *   grad_norm, log10_grad_norm,
 *   layers [{layer, sigma_hh, sigma_ih, grad_hh_norm, log10_grad_hh_norm,
 *     gates [{gate, sigma_hh, sigma_ih, radius, saturated_low,
 *     saturated_high}], cell_saturated (lstm), keep_gate ("f" for lstm, "z"
 *     for gru), keep_mean, keep_sd}],
 *   horizon {kind ("vanish", "explode" or "none"), gap (null with none),
 *     low, high},
 *   lyapunov {max_exponent, top [..], bound (the mean of ln b_j),
 *     estimate: true}, rate, verdict,
 *   underflow_steps (only when not 0: vx_net_result's),
 *   fd_check {j, k, kinks, blocks (nblk × nblk), params {name: error},
 *     J, dSdS, grads: each {error, compared, failed, unresolved, at_kink,
 *     outcome}, unresolved, at_kink, tolerance, pass, outcome} (errors
 *     null where nothing was compared; outcomes as vxr_check_json's).
 * A magnitude beyond a double is null with its log10_ member, as in
 * vxr_check_json. */
vx_status vxr_net_check_json(FILE *out, const vxr_net_check *c, vx_error *err);

#endif
