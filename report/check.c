/*
 * check.c — what every output of `vanex check` decides the same way: the
 * verdict and its words, the outcome of a finite-difference check, the rows
 * of the gap tables (see check.h).  The text is written by check_lines.c,
 * check_text.c and check_net.c, the JSON by check_json.c.
 */
#include "report/check.h"
#include "report/check_internal.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ verdict */

/* check's trends are the engine's, value for value */
_Static_assert((int)VXR_NEITHER == (int)VX_TREND_NEITHER && (int)VXR_VANISHING == (int)VX_TREND_VANISHING &&
               (int)VXR_EXPLODING == (int)VX_TREND_EXPLODING, "vxr_trend mirrors vx_trend");

const char *vxr_trend_name(vxr_trend t)
{
	return vx_trend_name((vx_trend)t);
}

const char *vxr_regime_words(vx_regime g)
{
	switch (g) {
	case VX_REGIME_BELOW: return "< 1: the bound shrinks geometrically, gradients vanish";
	case VX_REGIME_EDGE: return "= 1 to 1e-12: the edge, the bound stays at 1 and decides nothing";
	default: return "> 1: the bound grows, explosion is possible (not certain)";
	}
}

char *vxr_gl_num(char *buf, size_t n, const vx_result *r, int sig, vxf_style st)
{
	return vxr_gl_num_of(buf, n, r->gamma, r->lambda, sig, st);
}

char *vxr_gl_num_of(char *buf, size_t n, double gamma, double lambda, int sig, vxf_style st)
{
	double gl = vx_regime_of(gamma, lambda) == VX_REGIME_EDGE ? 1.0 : gamma * lambda;
	vxf_num(buf, n, gl, sig, st);
	/* off the edge, never the "1" that the edge prints */
	while (gl != 1.0 && strcmp(buf, "1") == 0 && sig < 17)
		vxf_num(buf, n, gl, ++sig, st);
	return buf;
}

/* The rule and the words of the verdict, for any result: the loss step t,
 * the rate (log10 per unit gap) and the norm at the largest gap, k = 1.
 * state is the letter of what is differentiated: 's' for one vanilla
 * layer, 'S' for a network's whole state. */
static vxr_trend verdict_of(size_t t, double rate, vx_mag far, size_t far_gap, char state, vxr_notation note,
                            char *line, size_t n)
{
	int utf8 = note != VXR_NOTE_ASCII;
	char dsds[48];
	if (note == VXR_NOTE_SUBSCRIPT)
		snprintf(dsds, sizeof dsds, "\u2016\u2202%c\u209c/\u2202%c\u2096\u2016", state, state);
	else if (utf8)
		snprintf(dsds, sizeof dsds, "\u2016\u2202%c_t/\u2202%c_k\u2016", state, state);
	else
		snprintf(dsds, sizeof dsds, "|d%c_t/d%c_k|", state, state);
	const char *times = utf8 ? "\u00d7" : "x";
	char f[48], rt[48];
	vxr_trend v = VXR_NEITHER;

	if (t < 2) {
		if (line && n)
			snprintf(line, n, "neither: at t = 1 there is no gap t%sk to measure", utf8 ? "\u2212" : "-");
		return VXR_NEITHER;
	}
	if (far.fits && far.value == 0) {
		if (line && n)
			snprintf(line, n, "vanishing: %s is exactly 0 at t%sk = %zu (no gradient flows)", dsds,
			         utf8 ? "\u2212" : "-", far_gap);
		return VXR_VANISHING;
	}
	if (!isfinite(rate)) {
		if (line && n)
			snprintf(line, n, "neither: the rate per step could not be measured");
		return VXR_NEITHER;
	}
	v = (vxr_trend)vx_trend_of(t, rate, far);
	if (line && n && fabs(rate) < 1e-12) {
		/* Rounding noise of an exactly norm-preserving product. */
		snprintf(line, n, "neither: %s keeps its size (%s1 per step)", dsds, times);
	} else if (line && n) {
		vxf_log10(f, sizeof f, rate, 3, VXF_ASCII);
		vxf_num(rt, sizeof rt, rate, 2, VXF_ASCII);
		/* 10^−0.61 keeps its caret (no superscript decimal point), with a
		 * true minus sign wherever the text has them */
		char rts[56];
		if (note != VXR_NOTE_ASCII && rt[0] == '-')
			snprintf(rts, sizeof rts, "\u2212%s", rt + 1);
		else
			snprintf(rts, sizeof rts, "%s", rt);
		const char *verb = v == VXR_VANISHING ? "shrinks" : v == VXR_EXPLODING ? "grows" : "changes";
		snprintf(line, n, "%s: %s %s %s%s per step (10^%s)", vxr_trend_name(v), dsds, verb, times, f, rts);
	}
	return v;
}

vxr_trend vxr_verdict(const vx_result *r, vxr_notation note, char *line, size_t n)
{
	if (!r)
		return verdict_of(0, NAN, vx_mag_from_log10(NAN), 0, 's', note, line, n);
	/* paths[0]: k = 1, the largest gap */
	return verdict_of(r->t, r->rate, r->paths[0].norm, r->paths[0].gap, 's', note, line, n);
}

vxr_trend vxr_net_verdict(const vx_net_result *r, vxr_notation note, char *line, size_t n)
{
	if (!r)
		return verdict_of(0, NAN, vx_mag_from_log10(NAN), 0, 'S', note, line, n);
	return verdict_of(r->t, r->rate, r->paths[0].norm, r->paths[0].gap, 'S', note, line, n);
}

int vxr_fd_pass(const vx_fdcheck *fd)
{
	return fd && fd->dsda <= VXR_FD_TOL && fd->dads <= VXR_FD_TOL && fd->dsds <= VXR_FD_TOL &&
	       fd->dLdW <= VXR_FD_TOL;
}

vxr_fd_outcome vxr_fd_item(const vx_fdcheck *fd, int q)
{
	double v = q == 0 ? fd->dsda : q == 1 ? fd->dads : q == 2 ? fd->dsds : fd->dLdW;
	if (v <= VXR_FD_TOL)
		return VXR_FD_PASSED;
	if (!isnan(v))
		return VXR_FD_FAILED;
	switch (fd->why[q]) {
	case VX_FD_UNRESOLVED: return VXR_FD_UNRESOLVED;
	case VX_FD_AT_KINK: return VXR_FD_AT_KINK;
	case VX_FD_TOO_LARGE: return VXR_FD_TOO_LARGE;
	default: return VXR_FD_FAILED;   /* a NaN that was measured */
	}
}

/* The outcome of a whole check of which o and i are items': the first
 * that applies of failed, unresolved, too large, at a kink, passed. */
static vxr_fd_outcome fd_worse(vxr_fd_outcome o, vxr_fd_outcome i)
{
	static const int rank[] = { [VXR_FD_PASSED] = 0, [VXR_FD_AT_KINK] = 1, [VXR_FD_TOO_LARGE] = 2,
		                    [VXR_FD_UNRESOLVED] = 3, [VXR_FD_FAILED] = 4 };
	return rank[i] > rank[o] ? i : o;
}

vxr_fd_outcome vxr_fd_overall(const vx_fdcheck *fd)
{
	vxr_fd_outcome o = VXR_FD_PASSED;
	for (int q = 0; q < 4; q++)
		o = fd_worse(o, vxr_fd_item(fd, q));
	return o;
}

/* The word for an outcome in the text and the JSON. */
const char *vxr_ck_fd_word(vxr_fd_outcome o)
{
	switch (o) {
	case VXR_FD_PASSED: return "pass";
	case VXR_FD_UNRESOLVED: return "unresolved";
	case VXR_FD_TOO_LARGE: return "too large";
	case VXR_FD_AT_KINK: return "at kink";
	default: return "fail";
	}
}

size_t vxr_check_rows(size_t t, size_t *gaps, size_t cap)
{
	size_t n = 0;
#define ADD(g) do { if (n < cap) gaps[n] = (g); n++; } while (0)
	if (t <= 30) {
		for (size_t g = 0; g < t; g++)
			ADD(g);
		return n;
	}
	for (size_t g = 0; g <= 5; g++)
		ADD(g);
	/* 10, 15, 20, 30, 50, 70, 100, ...: about ×1.5 apart, even on a log axis. */
	for (size_t dec = 10; dec < t - 1; dec *= 10) {
		static const size_t m[6] = { 10, 15, 20, 30, 50, 70 };
		for (int i = 0; i < 6; i++)
			if (dec / 10 * m[i] < t - 1)
				ADD(dec / 10 * m[i]);
		if (dec > SIZE_MAX / 10)
			break;
	}
	ADD(t - 1);
#undef ADD
	return n;
}

size_t *vxr_ck_gaps(size_t t, size_t *n)
{
	*n = vxr_check_rows(t, NULL, 0);
	size_t *gaps = malloc(*n * sizeof *gaps);
	if (gaps)
		vxr_check_rows(t, gaps, *n);
	return gaps;
}

/* How one item of a network's finite-difference check came out, in the
 * words of vxr_fd_item. */
vxr_fd_outcome vxr_ck_net_fd_item(const vx_net_fditem *it)
{
	if (it->failed > 0)
		return VXR_FD_FAILED;
	if (it->compared > 0)
		return VXR_FD_PASSED;
	return it->too_large ? VXR_FD_TOO_LARGE : it->left > 0 ? VXR_FD_UNRESOLVED
	       : it->at_kink > 0 ? VXR_FD_AT_KINK : VXR_FD_PASSED;
}

/* The whole check, ranked as vxr_fd_overall ranks: failed, unresolved, too
 * large, at a kink, passed. */
vxr_fd_outcome vxr_ck_net_fd_overall(const vx_net_fdjudge *fd)
{
	vxr_fd_outcome o = VXR_FD_PASSED;
	for (int q = 0; q < VX_NET_FD_ITEMS; q++)
		o = fd_worse(o, vxr_ck_net_fd_item(&fd->item[q]));
	return o;
}

vx_status vxr_ck_fd_ready(vx_status (*wait)(void *), void *ctx, vx_error *err)
{
	vx_status st = wait ? wait(ctx) : VX_OK;
	return st == VX_OK ? VX_OK : vx_fail(err, st, "finite-difference check failed: %s", vx_strerror(st));
}
