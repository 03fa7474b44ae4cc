/*
 * check.h — what `vanex check` prints: an 80-column text summary or one
 * JSON object (jansson, 17 significant digits, so a replay through --model
 * reproduces every number bit for bit).
 *
 * The verdict (vanishing / exploding / neither) is decided here once, so the
 * tutor and the handout can show the same words as `check`.
 */
#ifndef VXR_CHECK_H
#define VXR_CHECK_H

#include <stddef.h>
#include <stdio.h>
#include "engine/analysis.h"
#include "engine/regime.h"
#include "report/text/fmt.h"

/* Everything one check shows.  params are the EFFECTIVE parameters
 * (vxr_model_load's eff: sizes as in the model). */
typedef struct {
	const vx_params *params;
	const vx_model *model;
	const vx_result *result;
	const vx_fdcheck *fd;      /* NULL: the finite-difference check was not run */
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
 *   VXR_NOTE_UNICODE    "vanishing: ‖∂s_t/∂s_k‖ shrinks ×0.631 per step (10^-0.2)"
 *                       (check's text, which writes indices as _t throughout)
 *   VXR_NOTE_SUBSCRIPT  "vanishing: ‖∂sₜ/∂sₖ‖ shrinks ×0.631 per step (10^−0.2)"
 *                       (the tutor, whose rendered math uses subscript letters) */
typedef enum { VXR_NOTE_ASCII = 0, VXR_NOTE_UNICODE, VXR_NOTE_SUBSCRIPT } vxr_notation;
vxr_trend vxr_verdict(const vx_result *r, vxr_notation note, char *line, size_t n);

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
 *   grad_norm, log10_grad_norm, lyapunov {max_exponent, bound}, rate,
 *   verdict, fd_check {dsda, dads, dsds, dLdW, j, k, dLdW_entries, unresolved,
 *   at_kink, tolerance, pass, outcome ("pass", "fail", "unresolved", "too large"
 *   or "at kink",
 *   as vxr_fd_overall)}; an error that could not be measured is null.
 * A magnitude that does not fit a double is null and its log10_ member
 * carries it; an exact zero has value 0 and log10 null. */
vx_status vxr_check_json(FILE *out, const vxr_check *c, vx_error *err);

#endif
