/*
 * check.c — the output of `vanex check`: an 80-column summary and the JSON
 * object (see check.h).
 *
 * The text is built line by line with display widths counted in terminal
 * columns (utf8.h; every symbol used here is one column wide), so the same
 * layout holds in UTF-8 and in the ASCII fallback.
 */
#include "report/check.h"
#include "report/check_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "report/text/fmt.h"
#include "report/text/utf8.h"

#ifndef VX_VERSION
#define VX_VERSION "0.0.0"
#endif

#define SIG VXR_CK_SIG

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
	double gl = vx_result_gl(r);
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
		/* 10^-0.61 keeps its caret (no superscript decimal point); a true
		 * minus sign beside subscript letters */
		char rts[56];
		if (note == VXR_NOTE_SUBSCRIPT && rt[0] == '-')
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

vxr_fd_outcome vxr_fd_overall(const vx_fdcheck *fd)
{
	/* the first that applies of: failed, unresolved, too large, at a kink */
	static const int rank[] = { [VXR_FD_PASSED] = 0, [VXR_FD_AT_KINK] = 1, [VXR_FD_TOO_LARGE] = 2,
		                    [VXR_FD_UNRESOLVED] = 3, [VXR_FD_FAILED] = 4 };
	vxr_fd_outcome o = VXR_FD_PASSED;
	for (int q = 0; q < 4; q++) {
		vxr_fd_outcome i = vxr_fd_item(fd, q);
		if (rank[i] > rank[o])
			o = i;
	}
	return o;
}

/* The word for an outcome in the text and the JSON. */
static const char *fd_word(vxr_fd_outcome o)
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

/* --------------------------------------------------------------- text */

/* A path shortened from the left to at most max columns, its control
 * bytes (and unless utf8 every byte from 0x80, so a non-UTF-8 terminal
 * never gets stray bytes) written as \xNN by vx_quote, as in the messages
 * that name a file. */
void vxr_ck_elide(char *dst, size_t n, const char *path, int max, int utf8)
{
	char q[4 * VX_PATH_MAX + 8];
	const char *s = path;
	vx_quote(s, SIZE_MAX, !utf8, q, sizeof q);
	if (vxr_u8_width(q) > max) {
		uint32_t cp;
		/* whole characters off the left of the path, never half an escape,
		 * until "..." and the rest fit */
		while (*s && vxr_u8_width(vx_quote(s, SIZE_MAX, !utf8, q, sizeof q)) > max - 3)
			s += utf8 ? vxr_u8_next(s, &cp) : 1;
	}
	size_t len = strlen(q), pre = s == path ? 0 : 3;
	if (pre + len + 1 > n) {
		if (n)
			dst[0] = '\0';
		return;
	}
	memcpy(dst, "...", pre);
	memcpy(dst + pre, q, len);
	dst[pre + len] = '\0';
}

/* The end of check's first line, `used` columns in, into buf: "seed N", or
 * for a model file that records no seed (nothing of the run was drawn)
 * "model file PATH", the path shortened to the rest of 80 columns. */
static char *origin_text(char *buf, size_t n, const vx_params *p, int used, int utf8)
{
	if (!p->unseeded) {
		snprintf(buf, n, "seed %lu", p->seed);
		return buf;
	}
	char path[4 * 80 + 8];
	vxr_ck_elide(path, sizeof path, p->model, 80 - (used > 0 ? used : 0) - 11, utf8);
	snprintf(buf, n, "model file %s", path);
	return buf;
}

/* Prints s right-aligned in w columns. */
void vxr_ck_rpad(FILE *out, const char *s, int w)
{
	for (int i = vxr_u8_width(s); i < w; i++)
		fputc(' ', out);
	fputs(s, out);
}

typedef struct {
	const char *gamma, *lambda, *gl, *sigmap, *normW, *dsds, *half, *minus, *sq, *prod, *dLdW;
	const char *sub_t, *sub_k, *sub2, *times;
} syms;

static const syms sym_utf8 = {
	"\u03b3", "\u03bb", "\u03b3\u03bb", "\u03c3\u2032", "\u2016W\u2016\u2082",
	"\u2016\u2202s_t/\u2202s_k\u2016\u2082", "\u00bd", "\u2212", "\u00b2", "\u03a0",
	"\u2016\u2202L_t/\u2202W\u2016_F", "t", "k", "\u2082", "\u00d7"
};
static const syms sym_ascii = {
	"gamma", "lambda", "gamma*lambda", "sigma'", "||W||_2", "||ds_t/ds_k||_2", "0.5", "-", "^2",
	"prod", "||dL_t/dW||_F", "t", "k", "_2", "x"
};

/* The head of check's gap tables: t−k and k, then n columns of 15. */
void vxr_ck_gap_head(FILE *out, int utf8, const char *const *cols, int n)
{
	vxr_ck_rpad(out, utf8 ? "t\u2212k" : "t-k", 8);
	vxr_ck_rpad(out, "k", 9);
	for (int i = 0; i < n; i++)
		vxr_ck_rpad(out, cols[i], 15);
	fputc('\n', out);
}

/* One row of check's gap tables: t−k and k, then the magnitudes. */
void vxr_ck_gap_row(FILE *out, size_t gap, size_t k, const vx_mag *m, int nm, vxf_style st)
{
	char g[32], kk[32], a[64];
	snprintf(g, sizeof g, "%zu", gap);
	snprintf(kk, sizeof kk, "%zu", k);
	vxr_ck_rpad(out, g, 8);
	vxr_ck_rpad(out, kk, 9);
	for (int i = 0; i < nm; i++)
		vxr_ck_rpad(out, vxf_mag(a, sizeof a, m[i], SIG, st), 15);
	fputc('\n', out);
}

/* Under a table of nrows of t gaps, what the sample left out. */
void vxr_ck_rows_note(FILE *out, size_t nrows, size_t t, int utf8)
{
	if (nrows < t)
		fprintf(out, "(%zu of %zu rows: about %s1.5 apart after t%sk = 5; --json lists all)\n", nrows, t,
		        utf8 ? "\u00d7" : "x", utf8 ? "\u2212" : "-");
}

/* "model: from FILE (as recorded)", the path shortened to 50 columns. */
static void model_file_line(FILE *out, const char *file, int utf8)
{
	char path[4 * 50 + 8];   /* 50 columns of up to 4 bytes */
	vxr_ck_elide(path, sizeof path, file, 50, utf8);
	fprintf(out, "model: from %s (as recorded)\n", path);
}

/* The inputs of a generated model, then what starts at 0 (start). */
static void inputs_line(FILE *out, const vx_params *p, const char *start, int utf8, vxf_style st)
{
	char num[64];
	if (p->input_scale == 0) {
		fprintf(out, "inputs: none (input scale 0); %s\n", start);
	} else {
		vxf_num(num, sizeof num, p->input_scale, 6, st);
		fprintf(out, "inputs: x_j ~ N(0, %s%s) drawn from the seed; %s\n", num, utf8 ? "\u00b2" : "^2", start);
	}
}

/* "HEAD" + path + "TAIL" on one line of at most 80 columns: the path
 * shortened from the left to what the rest leaves (at least 16 columns). */
static void path_line(FILE *out, const char *head, const char *path, const char *tail, int utf8)
{
	char p[4 * 80 + 8];
	int room = 80 - vxr_u8_width(head) - vxr_u8_width(tail);
	vxr_ck_elide(p, sizeof p, path, room < 16 ? 16 : room, utf8);
	fprintf(out, "%s%s%s\n", head, p, tail);
}

void vxr_ck_weights_lines(FILE *out, const vxr_source *src, const vx_params *p, int utf8, vxf_style st)
{
	char name[4 * 24 + 8], head[160], tail[80], num[64];
	vxr_ck_elide(name, sizeof name, src->module[0] ? src->module : "(top level)", 24, utf8);
	snprintf(head, sizeof head, "weights: module %s of ", name);
	snprintf(tail, sizeof tail, " (%s, %s)", src->format, src->dtype);
	path_line(out, head, src->weights, tail, utf8);
	if (p->set & VX_SET_NORM)
		fprintf(out, "  each gate block of weight_hh rescaled to %s = %s\n",
		        utf8 ? "\u2016\u00b7\u2016\u2082" : "||.||_2", vxf_num(num, sizeof num, p->norm, 6, st));
	if (src->directions == 2)
		fprintf(out, "  bidirectional: the %s direction%s (--direction %s for the other)\n",
		        src->reverse ? "reverse" : "forward", src->reverse ? ", x read from its end" : "",
		        src->reverse ? "forward" : "reverse");
}

void vxr_ck_source_inputs(FILE *out, const vxr_source *src, const vx_params *p, size_t T, size_t n,
                          const char *start, int utf8, vxf_style st)
{
	char num[64], line[240];
	if (src->inputs[0]) {
		if (src->B > 1)
			snprintf(line, sizeof line, ", %zu sequences of T = %zu steps of n = %zu", src->B, T, n);
		else
			snprintf(line, sizeof line, ", T = %zu steps of n = %zu", T, n);
		path_line(out, "inputs: from ", src->inputs, line, utf8);
	} else {
		/* one line when it fits 80 columns, the hint under it otherwise */
		vxf_num(num, sizeof num, p->input_scale, 6, st);
		snprintf(line, sizeof line, "inputs: generated, N(0, %s%s), seed %lu;", num, utf8 ? "\u00b2" : "^2", p->seed);
		const char *hint = " give your own with --inputs-file";
		fprintf(out, "%s%s%s\n", line, vxr_u8_width(line) + (int)strlen(hint) > 80 ? "\n " : "", hint);
	}
	if (src->zero_target)
		fprintf(out, "target: y = 0 (L_t only seeds the gradient); %s\n", start);
	else
		fprintf(out, "target: y drawn from the seed; %s\n", start);
}

/* The top Lyapunov exponent of the Jacobians over T steps, an estimate. */
void vxr_ck_lyap_line(FILE *out, double lyap, size_t T, vxf_style st)
{
	char a[64];
	if (lyap == -INFINITY)
		fprintf(out, "Lyapunov exponent: -infinity (the product of the J_j is exactly 0)\n");
	else
		fprintf(out, "Lyapunov exponent (estimate over T = %zu steps): %s per step\n", T,
		        vxf_num(a, sizeof a, lyap, SIG, st));
}

static void describe_w(FILE *out, const vx_params *p, const vxr_source *src, const syms *y, int utf8, vxf_style st)
{
	char num[64], path[4 * 50 + 8];   /* 50 columns of up to 4 bytes */
	vxf_num(num, sizeof num, p->norm, 6, st);
	if (p->model[0]) {
		model_file_line(out, p->model, utf8);
		if (p->set & VX_SET_NORM)
			fprintf(out, "W: rescaled to %s = %s\n", y->normW, num);
		return;
	}
	if (p->weights[0]) {
		vxr_ck_elide(path, sizeof path, p->weights, 38, utf8);
		if (p->set & VX_SET_NORM)
			fprintf(out, "W: from %s, rescaled to %s = %s\n", path, y->normW, num);
		else
			fprintf(out, "W: from %s, as given\n", path);
	} else {
		const char *how = p->init == VX_INIT_ORTHOGONAL ? "orthogonal (Q of a QR)"
		                  : p->init == VX_INIT_IDENTITY ? "identity"
		                                                 : "gaussian N(0,1) entries";
		fprintf(out, "W: %s, scaled to %s = %s\n", how, y->normW, num);
	}
	if (src)
		vxr_ck_source_inputs(out, src, p, p->steps, p->inputs, "b = 0, s_0 = 0", utf8, st);
	else
		inputs_line(out, p, "b = 0, s_0 = 0", utf8, st);
}

/* The heading of the finite-difference rows. */
static void fd_heading(FILE *out, vxf_style st)
{
	char tol[32];
	vxf_num(tol, sizeof tol, VXR_FD_TOL, 2, st);
	fputc('\n', out);
	fprintf(out, "finite differences (central) against the analytic derivatives,\n");
	fprintf(out, "max relative error, pass at or below %s:\n", tol);
}

/* One row of the finite-difference check: what was compared (padded to
 * width columns), its largest relative error when one was measured, and
 * its outcome; a pass over fewer entries than were sampled says how many
 * fewer. */
static void fd_row(FILE *out, const char *what, int width, vxr_fd_outcome o, double v, size_t left, vxf_style st)
{
	char a[64];
	fputs("  ", out);
	fputs(what, out);
	for (int k = vxr_u8_width(what); k < width; k++)
		fputc(' ', out);
	/* An error that could not be measured is not a number to show. */
	vxr_ck_rpad(out, o == VXR_FD_PASSED || o == VXR_FD_FAILED ? vxf_num(a, sizeof a, v, 2, st) : "-", 10);
	if (o == VXR_FD_PASSED && left > 0)
		fprintf(out, "   pass, %zu unresolved\n", left);
	else
		fprintf(out, "   %s\n", o == VXR_FD_FAILED ? "FAIL" : fd_word(o));
}

/* The closing line(s) of the finite-difference check: the overall outcome,
 * the entries left out, and when nothing of an item could be compared,
 * which items (what[i] of the n items whose outcome o[i] is unresolved). */
static void fd_summary(FILE *out, vxr_fd_outcome overall, const vxr_fd_outcome *o, const char *const *what, int n,
                       size_t unresolved, size_t at_kink, int utf8)
{
	switch (overall) {
	case VXR_FD_PASSED:
		if (unresolved == 0 && at_kink == 0)
			fprintf(out, "finite-difference check: pass\n");
		else if (unresolved > 0)
			fprintf(out, "finite-difference check: pass where resolvable (%zu entries left out:\n"
			             "  double precision cannot resolve them)\n", unresolved);
		if (at_kink > 0)
			fprintf(out, "%s (%zu columns or entries on a ReLU kink\n"
			             "  left out: there the derivative is not defined)\n",
			        unresolved > 0 ? "  and" : "finite-difference check: pass", at_kink);
		break;
	case VXR_FD_UNRESOLVED: {
		/* name what could not be compared at all */
		char names[160] = "";
		int last = -1;
		for (int i = 0; i < n; i++)
			if (o[i] == VXR_FD_UNRESOLVED)
				last = i;
		for (int i = 0, k = 0; i < n; i++) {
			if (o[i] != VXR_FD_UNRESOLVED)
				continue;
			size_t len = strlen(names);
			snprintf(names + len, sizeof names - len, "%s%s", k == 0 ? "" : i == last ? " and " : ", ", what[i]);
			k++;
		}
		fprintf(out, "finite-difference check: unresolved, neither pass nor FAIL: %zu entries\n"
		             "  were too sensitive or too fine to resolve in double precision (a chaotic\n"
		             "  or exploding horizon, or units saturated until %s rounds to %s1), so\n"
		             "  %s could not be compared\n",
		        unresolved, utf8 ? "\u03c3" : "sigma", utf8 ? "\u00b1" : "+-", names);
		break;
	}
	case VXR_FD_TOO_LARGE:
		fprintf(out, "finite-difference check: not compared, neither pass nor FAIL: the analytic\n"
		             "  value does not fit a double\n");
		break;
	case VXR_FD_AT_KINK:
		fprintf(out, "finite-difference check: pass where defined: %zu columns or entries move a\n"
		             "  pre-activation sitting exactly on the ReLU kink a = 0, where %s is not\n"
		             "  defined (vanex takes 0; differences see the mean of the two sides)\n",
		        at_kink, utf8 ? "\u03c3\u2032" : "sigma'");
		break;
	default:
		fprintf(out, "finite-difference check: FAIL\n");
		break;
	}
}

vx_status vxr_check_text(FILE *out, const vxr_check *c, int utf8, vx_error *err)
{
	if (!out || !c || !c->params || !c->model || !c->result)
		return vx_fail(err, VX_EINTERNAL, "vxr_check_text: bad arguments");
	const vx_params *p = c->params;
	const vx_result *r = c->result;
	const syms *y = utf8 ? &sym_utf8 : &sym_ascii;
	vxf_style st = utf8 ? VXF_UNICODE : VXF_ASCII;
	char a[64], b[64], d[64];

	char origin[4 * 80 + 24];
	int used = fprintf(out, "vanex %s check: activation %s, ", VX_VERSION, vx_act_name(c->model->act));
	fprintf(out, "%s\n", origin_text(origin, sizeof origin, p, used, utf8));
	fprintf(out, "sizes: d = %zu hidden, n = %zu inputs, T = %zu steps, loss at t = %zu\n",
	        c->model->d, c->model->n, c->model->T, r->t);
	describe_w(out, p, c->src, y, utf8, st);
	vxf_num(a, sizeof a, r->gamma, 6, st);
	vxf_num(b, sizeof b, r->lambda, 6, st);
	vxr_gl_num(d, sizeof d, r, 6, st);
	fprintf(out, "%s = max %s = %s    %s = %s = %s    %s = %s\n", y->gamma, y->sigmap, a, y->lambda,
	        y->normW, b, y->gl, d);
	vx_regime regime = vx_result_regime(r);
	fprintf(out, "%s %s\n", y->gl, vxr_regime_words(regime));
	vxf_mag(a, sizeof a, r->loss, SIG, st);
	vxf_mag(b, sizeof b, r->grad_norm, SIG, st);
	fprintf(out, "loss L_t = %s%ss_t %s y%s%s = %s    gradient %s = %s\n", y->half,
	        utf8 ? "\u2016" : "||", y->minus, utf8 ? "\u2016" : "||", y->sq, a, y->dLdW, b);
	/* the loss training sums, L = Σ_t L_t, and its gradient */
	vxf_mag(a, sizeof a, r->loss_sum, SIG, st);
	vxf_mag(b, sizeof b, r->grad_sum_norm, SIG, st);
	fprintf(out, "summed loss L = %s L_t = %s    gradient %s = %s\n", utf8 ? "\u03a3" : "sum",
	        a, utf8 ? "\u2016\u2202L/\u2202W\u2016_F" : "||dL/dW||_F", b);
	fputc('\n', out);

	/* The table: gap, k, then the four magnitudes of each path. */
	static const char *const cols[] = { "actual", "step product", "bound", "path term" };
	vxr_ck_gap_head(out, utf8, cols, 4);
	size_t nrows = vxr_check_rows(r->t, NULL, 0);
	size_t *gaps = malloc(nrows * sizeof *gaps);
	if (!gaps)
		return vx_fail(err, VX_ENOMEM, "out of memory");
	vxr_check_rows(r->t, gaps, nrows);
	for (size_t i = 0; i < nrows; i++) {
		const vx_path *ph = &r->paths[r->t - gaps[i] - 1];
		vx_mag m[4] = { ph->norm, ph->step_product, ph->bound, ph->contribution };
		vxr_ck_gap_row(out, ph->gap, ph->k, m, 4, st);
	}
	free(gaps);
	vxr_ck_rows_note(out, nrows, r->t, utf8);
	if (utf8) {
		fprintf(out, "actual       = \u2016\u2202s_t/\u2202s_k\u2016\u2082\n");
		fprintf(out, "step product = \u03a0_{j=k+1..t} \u2016J_j\u2016\u2082,  "
		             "J_j = diag(\u03c3\u2032(a_j)) W\n");
		fprintf(out, "bound        = (\u03b3\u03bb)^(t\u2212k)\n");
		fprintf(out, "path term    = \u2016(\u2202L_t/\u2202s_t)(\u2202s_t/\u2202s_k)"
		             "(\u2202\u207as_k/\u2202W)\u2016_F, path k of \u2202L_t/\u2202W\n");
	} else {
		fprintf(out, "actual       = ||ds_t/ds_k||_2\n");
		fprintf(out, "step product = prod_{j=k+1..t} ||J_j||_2,  J_j = diag(sigma'(a_j)) W\n");
		fprintf(out, "bound        = (gamma*lambda)^(t-k)\n");
		fprintf(out, "path term    = ||(dL_t/ds_t)(ds_t/ds_k)(d+s_k/dW)||_F, path k of dL_t/dW\n");
	}
	fputc('\n', out);

	/* on the edge ln(γλ) is 0, not the 2.22e-16 of a λ one ulp above 1 */
	vxf_num(b, sizeof b, vx_result_ln_gl(r), SIG, st);
	if (regime == VX_REGIME_EDGE)
		snprintf(b, sizeof b, "0 (the edge: %s = 1 to 1e-12)", y->gl);
	if (r->lyap_bound == -INFINITY)
		snprintf(b, sizeof b, "-infinity (%s = 0)", y->gl);
	vxr_ck_lyap_line(out, r->lyap_max, c->model->T, st);
	fprintf(out, "  against its bound ln(%s) = %s\n", y->gl, b);
	char v[160];
	vxr_verdict(r, utf8 ? VXR_NOTE_UNICODE : VXR_NOTE_ASCII, v, sizeof v);
	fprintf(out, "verdict: %s\n", v);

	if (c->fd) {
		const vx_fdcheck *fd = c->fd;
		fd_heading(out, st);
		char w[4][64];
		snprintf(w[0], sizeof w[0], utf8 ? "\u2202s_j/\u2202a_j at j = %zu" : "ds_j/da_j at j = %zu", fd->j);
		snprintf(w[1], sizeof w[1], utf8 ? "\u2202a_j/\u2202s_{j\u22121} = W at j = %zu"
		                                 : "da_j/ds_{j-1} = W at j = %zu", fd->j);
		snprintf(w[2], sizeof w[2], utf8 ? "\u2202s_t/\u2202s_k at k = %zu" : "ds_t/ds_k at k = %zu", fd->k);
		snprintf(w[3], sizeof w[3], utf8 ? "\u2202L_t/\u2202W, %zu entries" : "dL_t/dW, %zu entries",
		         fd->dLdW_entries);
		const double err4[4] = { fd->dsda, fd->dads, fd->dsds, fd->dLdW };
		static const char *const what_u[4] = { "\u2202s_j/\u2202a_j", "\u2202a_j/\u2202s_{j\u22121}",
		                                        "\u2202s_t/\u2202s_k", "\u2202L_t/\u2202W" };
		static const char *const what_a[4] = { "ds_j/da_j", "da_j/ds_{j-1}", "ds_t/ds_k", "dL_t/dW" };
		vxr_fd_outcome o[4];
		for (int i = 0; i < 4; i++) {
			o[i] = vxr_fd_item(fd, i);
			fd_row(out, w[i], 36, o[i], err4[i], fd->left[i], st);
		}
		fd_summary(out, vxr_fd_overall(fd), o, utf8 ? what_u : what_a, 4, fd->unresolved, fd->at_kink, utf8);
	}
	if (fflush(out) != 0 || ferror(out))
		return vx_fail(err, VX_EIO, "cannot write the output: %s", strerror(errno));
	return VX_OK;
}

/* ------------------------------------------------------- network: text */

/* How one item of a network's finite-difference check came out, in the
 * words of vxr_fd_item. */
static vxr_fd_outcome net_fd_item(const vx_net_fditem *it)
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
static vxr_fd_outcome net_fd_overall(const vx_net_fdjudge *fd)
{
	static const int rank[] = { [VXR_FD_PASSED] = 0, [VXR_FD_AT_KINK] = 1, [VXR_FD_TOO_LARGE] = 2,
		                    [VXR_FD_UNRESOLVED] = 3, [VXR_FD_FAILED] = 4 };
	vxr_fd_outcome o = VXR_FD_PASSED;
	for (int q = 0; q < VX_NET_FD_ITEMS; q++) {
		vxr_fd_outcome i = net_fd_item(&fd->item[q]);
		if (rank[i] > rank[o])
			o = i;
	}
	return o;
}

/* "f" of an LSTM, "z" of a GRU: the gate that keeps the state (net.h). */
const char *vxr_ck_keep_gate(vx_cell c)
{
	return c == VX_CELL_LSTM ? "f" : c == VX_CELL_GRU ? "z" : NULL;
}

/* x as a percentage with up to 3 significant digits: "0%", "12.5%", "100%". */
char *vxr_ck_percent(char *b, size_t n, double x, vxf_style st)
{
	char v[40];
	snprintf(b, n, "%s%%", vxf_num(v, sizeof v, 100 * x, 3, st));
	return b;
}

/* How the network came about: generated (weights, biases, inputs) or read. */
static void describe_net(FILE *out, const vxr_net_check *c, int utf8, vxf_style st)
{
	const vx_params *p = c->params;
	const vx_net *net = c->net;
	char num[64];
	const char *nrm = utf8 ? "\u2016\u00b7\u2016\u2082" : "||.||_2";
	const char *start = net->cell == VX_CELL_LSTM ? "h_0 = c_0 = 0" : "h_0 = 0";
	vxf_num(num, sizeof num, p->norm, 6, st);
	if (p->model[0]) {
		model_file_line(out, p->model, utf8);
		if (p->set & VX_SET_NORM)
			fprintf(out, "weight_hh: each gate block rescaled to %s = %s\n", nrm, num);
		return;
	}
	if (c->src && c->src->weights[0]) {
		vxr_ck_weights_lines(out, c->src, p, utf8, st);
		vxr_ck_source_inputs(out, c->src, p, net->T, net->n, start, utf8, st);
		return;
	}
	const char *how = p->init == VX_INIT_ORTHOGONAL ? "orthogonal (Q of a QR)"
	                  : p->init == VX_INIT_IDENTITY ? "identity"
	                                                 : "gaussian N(0,1) entries";
	fprintf(out, "weight_hh: each d%sd gate block %s, scaled to %s = %s\n", utf8 ? "\u00d7" : "x", how, nrm, num);
	const char *kg = vxr_ck_keep_gate(net->cell);
	if (kg && c->spec->forget_bias != 0)
		fprintf(out, "weight_ih: N(0, 1/n_l) entries; biases 0 but bias_ih of %s = %s\n", kg,
		        vxf_num(num, sizeof num, c->spec->forget_bias, 6, st));
	else
		fprintf(out, "weight_ih: N(0, 1/n_l) entries; biases 0\n");
	if (c->src)
		vxr_ck_source_inputs(out, c->src, p, net->T, net->n, start, utf8, st);
	else
		inputs_line(out, p, start, utf8, st);
}

/* The per-layer statistics: the weights' spectra, saturation, the gate
 * that keeps the state, the gradient of weight_hh. */
static void layer_stats(FILE *out, const vxr_net_check *c, size_t l, int utf8, vxf_style st)
{
	const vx_net *net = c->net;
	const vx_net_result *r = c->result;
	const vx_net_layer_stats *s = &r->stats[l];
	const char *nrm2 = utf8 ? "\u2082" : "_2";
	char a[64], b[64], e[64];
	fprintf(out, "layer %zu: %sweight_hh%s%s = %s, %sweight_ih%s%s = %s\n", l, utf8 ? "\u2016" : "||",
	        utf8 ? "\u2016" : "||", nrm2, vxf_num(a, sizeof a, s->sigma_hh, SIG, st), utf8 ? "\u2016" : "||",
	        utf8 ? "\u2016" : "||", nrm2, vxf_num(b, sizeof b, s->sigma_ih, SIG, st));
	fprintf(out, "  gradient %s = %s\n",
	        utf8 ? "\u2016\u2202L_t/\u2202weight_hh\u2016_F" : "||dL_t/dweight_hh||_F",
	        vxf_mag(a, sizeof a, r->grad_hh_norm[l], SIG, st));
	const char *kg = vxr_ck_keep_gate(net->cell);
	if (kg)
		fprintf(out, "  %s gate %s: mean %s, sd %s over units and steps\n",
		        net->cell == VX_CELL_LSTM ? "forget" : "update", kg, vxf_num(a, sizeof a, s->keep_mean, SIG, st),
		        vxf_num(b, sizeof b, s->keep_sd, SIG, st));
	if (net->cell == VX_CELL_LSTM)
		fprintf(out, "  tanh(c) saturated (tanh%s < 0.1): %s of units and steps\n", utf8 ? "\u2032" : "'",
		        vxr_ck_percent(a, sizeof a, s->cell_sat, st));
	vxr_ck_rpad(out, "gate", 8);
	vxr_ck_rpad(out, utf8 ? "\u2016hh\u2016\u2082" : "||hh||_2", 12);
	vxr_ck_rpad(out, utf8 ? "\u03c1(hh)" : "rho(hh)", 12);
	vxr_ck_rpad(out, utf8 ? "\u2016ih\u2016\u2082" : "||ih||_2", 12);
	vxr_ck_rpad(out, "saturated low", 16);
	vxr_ck_rpad(out, "high", 10);
	fputc('\n', out);
	for (size_t g = 0; g < net->G; g++) {
		vxr_ck_rpad(out, vx_cell_gate_name(net->cell, g), 8);
		vxr_ck_rpad(out, vxf_num(a, sizeof a, s->gate_sigma_hh[g], SIG, st), 12);
		vxr_ck_rpad(out, vxf_num(b, sizeof b, s->gate_radius[g], SIG, st), 12);
		vxr_ck_rpad(out, vxf_num(e, sizeof e, s->gate_sigma_ih[g], SIG, st), 12);
		vxr_ck_rpad(out, vxr_ck_percent(a, sizeof a, s->gate_low[g], st), 16);
		vxr_ck_rpad(out, vxr_ck_percent(b, sizeof b, s->gate_high[g], st), 10);
		fputc('\n', out);
	}
}

/* The start of a network's first line, "vanex V check: CELL, L layers, ",
 * into buf; its columns (ASCII). */
static int net_head_start(char *buf, size_t n, const vx_net *net)
{
	if (net->cell == VX_CELL_RNN)
		return snprintf(buf, n, "vanex %s check: rnn cell, activation %s, %zu layer%s, ", VX_VERSION,
		                vx_act_name(net->act), net->L, net->L == 1 ? "" : "s");
	return snprintf(buf, n, "vanex %s check: %s cell, %zu layer%s, ", VX_VERSION, vx_cell_name(net->cell), net->L,
	                net->L == 1 ? "" : "s");
}

void vxr_ck_net_head(FILE *out, const vx_net *net, size_t t, const char *tail)
{
	char start[128];
	net_head_start(start, sizeof start, net);
	fprintf(out, "%s%s\n", start, tail);
	fprintf(out, "sizes: d = %zu hidden, n = %zu inputs, T = %zu steps, loss at t = %zu\n", net->d, net->n, net->T,
	        t);
	fprintf(out, "state: S_j = %s of every layer, D = %zu\n", net->cell == VX_CELL_LSTM ? "(h, c)" : "h", net->D);
}

/* The finite-difference lines of a network's check (fd not NULL). */
void vxr_ck_net_fd_text(FILE *out, const vx_net *net, const vx_net_fdjudge *fd, int utf8, vxf_style st)
{
	fd_heading(out, st);
	char w[VX_NET_FD_ITEMS][80];
	snprintf(w[0], sizeof w[0], utf8 ? "J_j = \u2202S_j/\u2202S_{j\u22121} at j = %zu, %zu blocks"
	                                 : "J_j = dS_j/dS_{j-1} at j = %zu, %zu blocks", fd->j, fd->nblk * fd->nblk);
	snprintf(w[1], sizeof w[1], utf8 ? "\u2202S_t/\u2202S_k at k = %zu" : "dS_t/dS_k at k = %zu", fd->k);
	snprintf(w[2], sizeof w[2], utf8 ? "\u2202L_t/\u2202\u03b8, %zu entries of %zu parameters"
	                                 : "dL_t/dtheta, %zu entries of %zu parameters",
	         fd->item[VX_NET_FD_GRAD].compared, 4 * net->L);
	static const char *const what_u[VX_NET_FD_ITEMS] = { "J_j", "\u2202S_t/\u2202S_k",
	                                                      "\u2202L_t/\u2202\u03b8" };
	static const char *const what_a[VX_NET_FD_ITEMS] = { "J_j", "dS_t/dS_k", "dL_t/dtheta" };
	vxr_fd_outcome o[VX_NET_FD_ITEMS];
	size_t left = 0, kinked = 0;
	for (int i = 0; i < VX_NET_FD_ITEMS; i++) {
		const vx_net_fditem *it = &fd->item[i];
		o[i] = net_fd_item(it);
		fd_row(out, w[i], 44, o[i], it->error, it->left, st);
		left += it->left;
		kinked += it->at_kink;
	}
	fd_summary(out, net_fd_overall(fd), o, utf8 ? what_u : what_a, VX_NET_FD_ITEMS, left, kinked, utf8);
}

vx_status vxr_net_check_text(FILE *out, const vxr_net_check *c, int utf8, vx_error *err)
{
	if (!out || !c || !c->params || !c->spec || !c->net || !c->result)
		return vx_fail(err, VX_EINTERNAL, "vxr_net_check_text: bad arguments");
	const vx_net *net = c->net;
	const vx_net_result *r = c->result;
	const vx_params *p = c->params;
	vxf_style st = utf8 ? VXF_UNICODE : VXF_ASCII;
	const char *minus = utf8 ? "\u2212" : "-";
	int lstm = net->cell == VX_CELL_LSTM;
	char a[64], b[64];

	char seed[4 * 80 + 24], start[128];
	/* nothing is drawn when the weights and the inputs are files', or the
	 * whole model is one that records no seed */
	if (c->src && c->src->weights[0] && c->src->inputs[0])
		snprintf(seed, sizeof seed, "weights and inputs from files");
	else
		origin_text(seed, sizeof seed, p, net_head_start(start, sizeof start, net), utf8);
	vxr_ck_net_head(out, net, r->t, seed);
	describe_net(out, c, utf8, st);
	fprintf(out, "loss L_t = %s%sh_t %s y%s%s = %s (h_t of the top layer)\n", utf8 ? "\u00bd" : "0.5",
	        utf8 ? "\u2016" : "||", minus, utf8 ? "\u2016" : "||", utf8 ? "\u00b2" : "^2",
	        vxf_mag(a, sizeof a, r->loss, SIG, st));
	fprintf(out, "gradient %s = %s (every weight and bias)\n",
	        utf8 ? "\u2016\u2202L_t/\u2202\u03b8\u2016_F" : "||dL_t/dtheta||_F",
	        vxf_mag(b, sizeof b, r->grad_norm, SIG, st));
	fputc('\n', out);

	size_t nrows = vxr_check_rows(r->t, NULL, 0);
	size_t *gaps = malloc(nrows * sizeof *gaps);
	if (!gaps)
		return vx_fail(err, VX_ENOMEM, "out of memory");
	vxr_check_rows(r->t, gaps, nrows);

	/* the whole state */
	static const char *const cols[] = { "actual", "step product", "bound" };
	vxr_ck_gap_head(out, utf8, cols, 3);
	for (size_t i = 0; i < nrows; i++) {
		const vx_net_path *ph = &r->paths[r->t - gaps[i] - 1];
		vx_mag m[3] = { ph->norm, ph->step_product, ph->bound };
		vxr_ck_gap_row(out, ph->gap, ph->k, m, 3, st);
	}
	vxr_ck_rows_note(out, nrows, r->t, utf8);
	if (utf8) {
		fprintf(out, "actual       = \u2016\u2202S_t/\u2202S_k\u2016\u2082, S the whole state (%s of every "
		             "layer)\n", lstm ? "h and c" : "h");
		fprintf(out, "step product = \u03a0_{j=k+1..t} \u2016J_j\u2016\u2082,  J_j = \u2202S_j/\u2202S_{j\u22121}\n");
		if (net->cell == VX_CELL_RNN)
			fprintf(out, "bound        = \u03a0_{j=k+1..t} b_j, b_j \u2265 \u2016J_j\u2016\u2082 from "
			             "\u03b3 = max \u03c3\u2032 and each weight's\n"
			             "               \u03c3_max, through the layers below within step j\n");
		else
			fprintf(out, "bound        = \u03a0_{j=k+1..t} b_j, b_j \u2265 \u2016J_j\u2016\u2082 from the "
			             "gates' ranges (\u03c3\u2032 \u2264 \u00bc,\n"
			             "               tanh\u2032 \u2264 1, gates in (0, 1)), the weights' \u03c3_max and "
			             "the state\n");
	} else {
		fprintf(out, "actual       = ||dS_t/dS_k||_2, S the whole state (%s of every layer)\n",
		        lstm ? "h and c" : "h");
		fprintf(out, "step product = prod_{j=k+1..t} ||J_j||_2,  J_j = dS_j/dS_{j-1}\n");
		if (net->cell == VX_CELL_RNN)
			fprintf(out, "bound        = prod_{j=k+1..t} b_j, b_j >= ||J_j||_2 from gamma = max sigma' and\n"
			             "               each weight's sigma_max, through the layers below within step j\n");
		else
			fprintf(out, "bound        = prod_{j=k+1..t} b_j, b_j >= ||J_j||_2 from the gates' ranges\n"
			             "               (sigma' <= 1/4, tanh' <= 1, gates in (0, 1)), the weights'\n"
			             "               sigma_max and the state\n");
	}

	/* each layer's blocks and path terms */
	for (size_t l = 0; l < net->L; l++) {
		fputc('\n', out);
		fprintf(out, "layer %zu%s: the diagonal blocks of %s, path terms of weight_hh\n", l,
		        net->L == 1 ? "" : l == 0 ? " (bottom)" : l + 1 == net->L ? " (top)" : "",
		        utf8 ? "\u2202S_t/\u2202S_k" : "dS_t/dS_k");
		const char *bc[3] = { utf8 ? "\u2016\u2202h_t/\u2202h_k\u2016\u2082" : "||dh_t/dh_k||_2",
		                      utf8 ? "\u2016\u2202c_t/\u2202c_k\u2016\u2082" : "||dc_t/dc_k||_2", "path term" };
		if (!lstm)
			bc[1] = bc[2];
		vxr_ck_gap_head(out, utf8, bc, lstm ? 3 : 2);
		for (size_t i = 0; i < nrows; i++) {
			size_t k = r->t - gaps[i], at = (k - 1) * net->L + l;
			vx_mag m[3] = { r->h_norm[at], lstm ? r->c_norm[at] : r->contribution[at], r->contribution[at] };
			vxr_ck_gap_row(out, gaps[i], k, m, lstm ? 3 : 2, st);
		}
	}
	free(gaps);
	if (lstm)
		fprintf(out, "%s: the cell path, the constant error carousel\n"
		             "  (%s diag(f_j) and the terms through h)\n",
		        utf8 ? "\u2016\u2202c_t/\u2202c_k\u2016\u2082" : "||dc_t/dc_k||_2", utf8 ? "\u03a0" : "prod");
	fprintf(out, "path term = %s, path k's term of\n  %s, weight_hh of that layer used at step k alone\n",
	        utf8 ? "\u2016(\u2202L_t/\u2202S_t)(\u2202S_t/\u2202S_k)(\u2202\u207aS_k/\u2202weight_hh)\u2016_F"
	             : "||(dL_t/dS_t)(dS_t/dS_k)(d+S_k/dweight_hh)||_F",
	        utf8 ? "\u2202L_t/\u2202weight_hh" : "dL_t/dweight_hh");

	/* the weights and the gates, layer by layer */
	for (size_t l = 0; l < net->L; l++) {
		fputc('\n', out);
		layer_stats(out, c, l, utf8, st);
	}
	fprintf(out, "hh, ih: the gate's block of weight_hh, weight_ih; %s: spectral radius of hh\n"
	             "saturated: derivative below a tenth of its largest, %% of units and steps;\n"
	             "  low on the negative side (a gate shut, tanh near %s1, a ReLU dead),\n"
	             "  high on the positive side\n",
	        utf8 ? "\u03c1" : "rho", minus);
	fputc('\n', out);

	/* the horizon, the rate, the verdict */
	/* VX_HORIZON_LOW and VX_HORIZON_HIGH, as powers of ten */
	const char *nS = utf8 ? "\u2016\u2202S_t/\u2202S_k\u2016" : "|dS_t/dS_k|";
	const char *range = utf8 ? "[10\u207b\u00b3, 10\u00b3]" : "[1e-3, 1e3]";
	if (r->horizon_kind == VX_HORIZON_NONE)
		fprintf(out, "horizon: %s stays within %s up to t%sk = %zu\n", nS, range, minus, r->t - 1);
	else
		fprintf(out, "horizon: %s leaves %s first at t%sk = %zu (%s)\n", nS, range, minus, r->horizon,
		        r->horizon_kind == VX_HORIZON_VANISH ? "vanished" : "exploded");
	vxr_ck_lyap_line(out, r->lyap_max, net->T, st);
	if (r->lyap_bound == -INFINITY)
		fprintf(out, "  against its bound, the mean of ln b_j: -infinity (a b_j is 0)\n");
	else
		fprintf(out, "  against its bound, the mean of ln b_j: %s\n", vxf_num(b, sizeof b, r->lyap_bound, SIG, st));
	char v[160];
	vxr_net_verdict(r, utf8 ? VXR_NOTE_UNICODE : VXR_NOTE_ASCII, v, sizeof v);
	fprintf(out, "verdict: %s\n", v);

	if (c->fd)
		vxr_ck_net_fd_text(out, net, c->fd, utf8, st);
	if (fflush(out) != 0 || ferror(out))
		return vx_fail(err, VX_EIO, "cannot write the output: %s", strerror(errno));
	return VX_OK;
}

/* --------------------------------------------------------------- JSON */

/* The JSON goes out as it is produced and is never held whole: at T = 10⁶
 * steps it is hundreds of megabytes, which a tree of JSON values multiplies
 * by about eight.  The bytes are those of jansson's json_dumpf with
 * JSON_REAL_PRECISION(17), which wrote it before: ", " and ": " between
 * items, members in the order written, reals as %.17g with ".0" added to an
 * integral value and the exponent without '+' or leading zeros. */

void vxr_jw_put(vxr_jw *w, const char *s)
{
	if (!w->err && fputs(s, w->f) == EOF)
		w->err = errno ? errno : EIO;
}

/* The separator before an item of an array or object. */
void vxr_jw_sep(vxr_jw *w)
{
	if (!w->first)
		vxr_jw_put(w, ", ");
	w->first = 0;
}

void vxr_jw_open(vxr_jw *w, const char *bracket)
{
	vxr_jw_put(w, bracket);
	w->first = 1;
}

void vxr_jw_close(vxr_jw *w, const char *bracket)
{
	vxr_jw_put(w, bracket);
	w->first = 0;
}

void vxr_jw_str(vxr_jw *w, const char *s)
{
	char b[8];
	vxr_jw_put(w, "\"");
	for (; *s && !w->err; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			snprintf(b, sizeof b, "\\%c", c);
		else if (c < 0x20)
			snprintf(b, sizeof b, "\\u%04x", c);
		else
			snprintf(b, sizeof b, "%c", c);
		vxr_jw_put(w, b);
	}
	vxr_jw_put(w, "\"");
}

/* "name": (after the separator). */
void vxr_jw_key(vxr_jw *w, const char *name)
{
	vxr_jw_sep(w);
	vxr_jw_str(w, name);
	vxr_jw_put(w, ": ");
}

/* A real, or null when it is not finite (JSON has no NaN or infinity). */
void vxr_jw_num(vxr_jw *w, double x)
{
	char b[48];
	vxf_num(b, sizeof b - 2, x, 17, VXF_JSON);
	char *e = strchr(b, 'e');
	if (isfinite(x) && !e && !strchr(b, '.')) {
		strcat(b, ".0");   /* still a real when read back */
	} else if (isfinite(x) && e) {
		/* e+05 -> e5, e-07 -> e-7 */
		char *start = e + 1, *end = start + 1;
		if (*start == '-')
			start++;
		while (*end == '0')
			end++;
		memmove(start, end, strlen(end) + 1);
	}
	vxr_jw_put(w, b);
}

void vxr_jw_size(vxr_jw *w, size_t n)
{
	char b[32];
	snprintf(b, sizeof b, "%zu", n);
	vxr_jw_put(w, b);
}

void vxr_jw_member(vxr_jw *w, const char *name, double x)
{
	vxr_jw_key(w, name);
	vxr_jw_num(w, x);
}

void vxr_jw_member_size(vxr_jw *w, const char *name, size_t n)
{
	vxr_jw_key(w, name);
	vxr_jw_size(w, n);
}

void vxr_jw_member_str(vxr_jw *w, const char *name, const char *s)
{
	vxr_jw_key(w, name);
	vxr_jw_str(w, s);
}

/* name and log10_name for a magnitude. */
void vxr_jw_mag(vxr_jw *w, const char *name, vx_mag m)
{
	char key[64];
	snprintf(key, sizeof key, "log10_%s", name);
	vxr_jw_member(w, name, m.fits ? m.value : NAN);
	vxr_jw_member(w, key, m.log10);
}

void vxr_jw_vector(vxr_jw *w, const double *v, size_t n, size_t stride)
{
	vxr_jw_open(w, "[");
	for (size_t i = 0; i < n; i++) {
		vxr_jw_sep(w);
		vxr_jw_num(w, v[i * stride]);
	}
	vxr_jw_close(w, "]");
}

void vxr_jw_member_vector(vxr_jw *w, const char *name, const gsl_vector *v)
{
	vxr_jw_key(w, name);
	vxr_jw_vector(w, v->data, v->size, v->stride);
}

/* Row by row, stopping at the first failed write (a full disk is not
 * filled with the rest of a 10⁶-row matrix). */
void vxr_jw_matrix(vxr_jw *w, const gsl_matrix *m)
{
	vxr_jw_open(w, "[");
	for (size_t i = 0; i < m->size1 && !w->err; i++) {
		vxr_jw_sep(w);
		vxr_jw_vector(w, m->data + i * m->tda, m->size2, 1);
	}
	vxr_jw_close(w, "]");
}

void vxr_jw_member_matrix(vxr_jw *w, const char *name, const gsl_matrix *m)
{
	vxr_jw_key(w, name);
	vxr_jw_matrix(w, m);
}

/* The seed as an integer, which every seed --seed takes is; a larger one
 * (a hand-made record) as the real it is. */
void vxr_jw_seed(vxr_jw *w, const vx_params *p)
{
	if (p->unseeded)
		vxr_jw_member(w, "seed", NAN);   /* null: a model file that records none, nothing drawn */
	else if (p->seed <= (unsigned long)LLONG_MAX)
		vxr_jw_member_size(w, "seed", p->seed);
	else
		vxr_jw_member(w, "seed", (double)p->seed);
}

static void jw_params(vxr_jw *w, const vxr_check *c)
{
	const vx_params *p = c->params;
	const vx_model *m = c->model;
	/* A file's W keeps its norm unless --norm was given: then there is no λ to report. */
	int norm_given = (p->set & VX_SET_NORM) || (!p->weights[0] && !p->model[0]);
	vxr_jw_key(w, "params");
	vxr_jw_open(w, "{");
	vxr_jw_member_str(w, "activation", vx_act_name(m->act));
	vxr_jw_member_size(w, "hidden", m->d);
	vxr_jw_member_size(w, "inputs", m->n);
	vxr_jw_member_size(w, "steps", m->T);
	vxr_jw_member_size(w, "t", c->result->t);
	vxr_jw_member(w, "norm", norm_given ? p->norm : NAN);
	vxr_jw_member_str(w, "init", vx_init_name(p->init));
	vxr_jw_member(w, "input_scale", p->input_scale);
	vxr_jw_seed(w, p);
	vxr_jw_member_str(w, "cell", "rnn");
	vxr_jw_member_size(w, "layers", 1);
	vxr_jw_close(w, "}");
}

static void jw_model(vxr_jw *w, const vx_model *m)
{
	vxr_jw_key(w, "model");
	vxr_jw_open(w, "{");
	vxr_jw_member_str(w, "cell", "rnn");
	vxr_jw_member_size(w, "layers", 1);
	vxr_jw_member_str(w, "activation", vx_act_name(m->act));
	vxr_jw_member_matrix(w, "W", m->W);
	vxr_jw_member_matrix(w, "U", m->U);
	vxr_jw_member_vector(w, "b", m->b);
	vxr_jw_member_vector(w, "s0", m->s0);
	vxr_jw_member_matrix(w, "x", m->x);
	vxr_jw_member_vector(w, "y", m->y);
	vxr_jw_close(w, "}");
}

/* A path's object opened, with what every kind of result has. */
static void jw_path_head(vxr_jw *w, size_t k, size_t gap, vx_mag norm, vx_mag step_product, vx_mag bound)
{
	vxr_jw_sep(w);
	vxr_jw_open(w, "{");
	vxr_jw_member_size(w, "k", k);
	vxr_jw_member_size(w, "gap", gap);
	vxr_jw_mag(w, "norm", norm);
	vxr_jw_mag(w, "step_product", step_product);
	vxr_jw_mag(w, "bound", bound);
}

/* Closes the object, ends the line, flushes: VX_EIO when any write failed. */
vx_status vxr_jw_finish(vxr_jw *w, vx_error *err)
{
	vxr_jw_close(w, "}");
	vxr_jw_put(w, "\n");
	if (!w->err && fflush(w->f) != 0)
		w->err = errno ? errno : EIO;
	if (w->err)
		return vx_fail(err, VX_EIO, "cannot write the JSON output: %s", strerror(w->err));
	return VX_OK;
}

/* A gradient G × 10^log10_scale as member name, or, when it does not fit a
 * double (scale not 0), name null beside name_scaled (G) and
 * name_log10_scale. */
static void jw_gradient(vxr_jw *w, const char *name, const gsl_matrix *G, double log10_scale)
{
	char key[64];
	if (log10_scale == 0) {
		vxr_jw_member_matrix(w, name, G);
		return;
	}
	vxr_jw_member(w, name, NAN);
	snprintf(key, sizeof key, "%s_scaled", name);
	vxr_jw_member_matrix(w, key, G);
	snprintf(key, sizeof key, "%s_log10_scale", name);
	vxr_jw_member(w, key, log10_scale);
}

static void jw_paths(vxr_jw *w, const vx_result *r)
{
	vxr_jw_key(w, "paths");
	vxr_jw_open(w, "[");
	for (size_t i = 0; i < r->t && !w->err; i++) {
		const vx_path *ph = &r->paths[i];
		jw_path_head(w, ph->k, ph->gap, ph->norm, ph->step_product, ph->bound);
		vxr_jw_mag(w, "contribution", ph->contribution);
		vxr_jw_close(w, "}");
	}
	vxr_jw_close(w, "]");
}

static void jw_fd(vxr_jw *w, const vx_fdcheck *fd)
{
	vxr_jw_key(w, "fd_check");
	if (!fd) {
		vxr_jw_put(w, "null");
		return;
	}
	vxr_jw_open(w, "{");
	vxr_jw_member(w, "dsda", fd->dsda);
	vxr_jw_member(w, "dads", fd->dads);
	vxr_jw_member(w, "dsds", fd->dsds);
	vxr_jw_member(w, "dLdW", fd->dLdW);
	vxr_jw_member_size(w, "j", fd->j);
	vxr_jw_member_size(w, "k", fd->k);
	vxr_jw_member_size(w, "dLdW_entries", fd->dLdW_entries);
	vxr_jw_member_size(w, "unresolved", fd->unresolved);
	vxr_jw_member_size(w, "at_kink", fd->at_kink);
	vxr_jw_member(w, "tolerance", VXR_FD_TOL);
	vxr_jw_key(w, "pass");
	vxr_jw_put(w, vxr_fd_pass(fd) ? "true" : "false");
	vxr_jw_member_str(w, "outcome", fd_word(vxr_fd_overall(fd)));
	vxr_jw_close(w, "}");
}

/* name and log10_name for n magnitudes (every stride-th of m: one per layer
 * or per step), as two arrays. */
void vxr_jw_mags(vxr_jw *w, const char *name, const vx_mag *m, size_t n, size_t stride)
{
	char key[64];
	vxr_jw_key(w, name);
	vxr_jw_open(w, "[");
	for (size_t i = 0; i < n; i++) {
		vxr_jw_sep(w);
		vxr_jw_num(w, m[i * stride].fits ? m[i * stride].value : NAN);
	}
	vxr_jw_close(w, "]");
	snprintf(key, sizeof key, "log10_%s", name);
	vxr_jw_key(w, key);
	vxr_jw_open(w, "[");
	for (size_t i = 0; i < n; i++) {
		vxr_jw_sep(w);
		vxr_jw_num(w, m[i * stride].log10);
	}
	vxr_jw_close(w, "]");
}

/* Where a check's weights and inputs came from (check.h's vxr_source):
 *   source {weights: {file, format, module, dtype, directions, direction}
 *     or null, inputs: {file, sequences} or {generated: true, input_scale,
 *     seed}, target: "zero" or "drawn"} */
void vxr_jw_source(vxr_jw *w, const vxr_source *src, const vx_params *p)
{
	if (!src)
		return;
	vxr_jw_key(w, "source");
	vxr_jw_open(w, "{");
	vxr_jw_key(w, "weights");
	if (src->weights[0]) {
		vxr_jw_open(w, "{");
		vxr_jw_member_str(w, "file", src->weights);
		vxr_jw_member_str(w, "format", src->format);
		vxr_jw_member_str(w, "module", src->module);
		vxr_jw_member_str(w, "dtype", src->dtype);
		vxr_jw_member_size(w, "directions", (size_t)src->directions);
		vxr_jw_member_str(w, "direction", src->reverse ? "reverse" : "forward");
		vxr_jw_close(w, "}");
	} else {
		vxr_jw_put(w, "null");
	}
	vxr_jw_key(w, "inputs");
	vxr_jw_open(w, "{");
	if (src->inputs[0]) {
		vxr_jw_member_str(w, "file", src->inputs);
		vxr_jw_member_size(w, "sequences", src->B);
	} else {
		vxr_jw_key(w, "generated");
		vxr_jw_put(w, "true");
		vxr_jw_member(w, "input_scale", p->input_scale);
		vxr_jw_seed(w, p);
	}
	vxr_jw_close(w, "}");
	vxr_jw_member_str(w, "target", src->zero_target ? "zero" : "drawn");
	vxr_jw_close(w, "}");
}

void vxr_jw_net_params(vxr_jw *w, const vxr_net_check *c)
{
	const vx_params *p = c->params;
	const vx_net *net = c->net;
	vxr_jw_key(w, "params");
	vxr_jw_open(w, "{");
	if (net->cell == VX_CELL_RNN)
		vxr_jw_member_str(w, "activation", vx_act_name(net->act));
	vxr_jw_member_size(w, "hidden", net->d);
	vxr_jw_member_size(w, "inputs", net->n);
	vxr_jw_member_size(w, "steps", net->T);
	vxr_jw_member_size(w, "t", c->result->t);
	/* a file's weights keep their norms unless --norm was given */
	vxr_jw_member(w, "norm", (p->set & VX_SET_NORM) || (!p->model[0] && !p->weights[0]) ? p->norm : NAN);
	vxr_jw_member_str(w, "init", vx_init_name(p->init));
	vxr_jw_member(w, "input_scale", p->input_scale);
	vxr_jw_seed(w, p);
	vxr_jw_member_str(w, "cell", vx_cell_name(net->cell));
	vxr_jw_member_size(w, "layers", net->L);
	if (net->cell != VX_CELL_RNN)
		vxr_jw_member(w, "forget_bias", c->spec->forget_bias);
	vxr_jw_close(w, "}");
}

/* The parameters of every layer under PyTorch's names, each M × scale
 * (grads: vx_net_grad, the same shapes as the weights). */
void vxr_jw_net_weights(vxr_jw *w, const vx_net *net, const vx_net_grad *g)
{
	for (size_t l = 0; l < net->L && !w->err; l++) {
		char key[32];
		const gsl_matrix *M[2] = { g ? g[l].w_ih : net->layer[l].w_ih, g ? g[l].w_hh : net->layer[l].w_hh };
		const gsl_vector *v[2] = { g ? g[l].b_ih : net->layer[l].b_ih, g ? g[l].b_hh : net->layer[l].b_hh };
		static const char *const name[4] = { "weight_ih", "weight_hh", "bias_ih", "bias_hh" };
		for (int q = 0; q < 4; q++) {
			snprintf(key, sizeof key, "%s_l%zu", name[q], l);
			if (q < 2)
				vxr_jw_member_matrix(w, key, M[q]);
			else
				vxr_jw_member_vector(w, key, v[q - 2]);
		}
	}
}

/* h0 or c0 of every layer: L rows of d, as PyTorch stacks them. */
void vxr_jw_net_start(vxr_jw *w, const vx_net *net, int c0)
{
	vxr_jw_key(w, c0 ? "c0" : "h0");
	vxr_jw_open(w, "[");
	for (size_t l = 0; l < net->L; l++) {
		const gsl_vector *v = c0 ? net->layer[l].c0 : net->layer[l].h0;
		vxr_jw_sep(w);
		vxr_jw_vector(w, v->data, v->size, v->stride);
	}
	vxr_jw_close(w, "]");
}

void vxr_jw_net_model(vxr_jw *w, const vx_net *net, int with_x)
{
	vxr_jw_key(w, "model");
	vxr_jw_open(w, "{");
	vxr_jw_member_str(w, "cell", vx_cell_name(net->cell));
	vxr_jw_member_size(w, "layers", net->L);
	if (net->cell == VX_CELL_RNN)
		vxr_jw_member_str(w, "activation", vx_act_name(net->act));
	vxr_jw_net_weights(w, net, NULL);
	vxr_jw_net_start(w, net, 0);
	if (net->cell == VX_CELL_LSTM)
		vxr_jw_net_start(w, net, 1);
	if (with_x)
		vxr_jw_member_matrix(w, "x", net->x);
	vxr_jw_member_vector(w, "y", net->y);
	vxr_jw_close(w, "}");
}

/* Each layer's h (or c) at every step: L arrays of T rows of d. */
void vxr_jw_net_states(vxr_jw *w, const vx_net_result *r, int c)
{
	vxr_jw_key(w, c ? "c" : "h");
	vxr_jw_open(w, "[");
	for (size_t l = 0; l < r->L && !w->err; l++) {
		vxr_jw_sep(w);
		vxr_jw_matrix(w, c ? r->fwd->layer[l].c : r->fwd->layer[l].h);
	}
	vxr_jw_close(w, "]");
}

void vxr_jw_net_paths(vxr_jw *w, const vx_net_result *r)
{
	size_t L = r->L;
	vxr_jw_key(w, "paths");
	vxr_jw_open(w, "[");
	for (size_t i = 0; i < r->t && !w->err; i++) {
		const vx_net_path *ph = &r->paths[i];
		jw_path_head(w, ph->k, ph->gap, ph->norm, ph->step_product, ph->bound);
		vxr_jw_mags(w, "h_norm", r->h_norm + i * L, L, 1);
		if (r->c_norm)
			vxr_jw_mags(w, "c_norm", r->c_norm + i * L, L, 1);
		vxr_jw_mags(w, "contribution", r->contribution + i * L, L, 1);
		vxr_jw_close(w, "}");
	}
	vxr_jw_close(w, "]");
}

void vxr_jw_net_layers(vxr_jw *w, const vx_net *net, const vx_net_result *r)
{
	vxr_jw_key(w, "layers");
	vxr_jw_open(w, "[");
	for (size_t l = 0; l < net->L; l++) {
		const vx_net_layer_stats *s = &r->stats[l];
		vxr_jw_sep(w);
		vxr_jw_open(w, "{");
		vxr_jw_member_size(w, "layer", l);
		vxr_jw_member(w, "sigma_hh", s->sigma_hh);
		vxr_jw_member(w, "sigma_ih", s->sigma_ih);
		vxr_jw_mag(w, "grad_hh_norm", r->grad_hh_norm[l]);
		vxr_jw_key(w, "gates");
		vxr_jw_open(w, "[");
		for (size_t g = 0; g < net->G; g++) {
			vxr_jw_sep(w);
			vxr_jw_open(w, "{");
			vxr_jw_member_str(w, "gate", vx_cell_gate_name(net->cell, g));
			vxr_jw_member(w, "sigma_hh", s->gate_sigma_hh[g]);
			vxr_jw_member(w, "sigma_ih", s->gate_sigma_ih[g]);
			vxr_jw_member(w, "radius", s->gate_radius[g]);
			vxr_jw_member(w, "saturated_low", s->gate_low[g]);
			vxr_jw_member(w, "saturated_high", s->gate_high[g]);
			vxr_jw_close(w, "}");
		}
		vxr_jw_close(w, "]");
		if (net->cell == VX_CELL_LSTM)
			vxr_jw_member(w, "cell_saturated", s->cell_sat);
		if (vxr_ck_keep_gate(net->cell)) {
			vxr_jw_member_str(w, "keep_gate", vxr_ck_keep_gate(net->cell));
			vxr_jw_member(w, "keep_mean", s->keep_mean);
			vxr_jw_member(w, "keep_sd", s->keep_sd);
		}
		vxr_jw_close(w, "}");
	}
	vxr_jw_close(w, "]");
}

void vxr_jw_net_fd(vxr_jw *w, const vx_net *net, const vx_net_fdjudge *fd)
{
	vxr_jw_key(w, "fd_check");
	if (!fd) {
		vxr_jw_put(w, "null");
		return;
	}
	static const char *const name[4] = { "weight_ih", "weight_hh", "bias_ih", "bias_hh" };
	static const char *const item[VX_NET_FD_ITEMS] = { "J", "dSdS", "grads" };
	size_t left = 0, kinked = 0;
	vxr_jw_open(w, "{");
	vxr_jw_member_size(w, "j", fd->j);
	vxr_jw_member_size(w, "k", fd->k);
	vxr_jw_member_size(w, "kinks", fd->kinks);
	vxr_jw_key(w, "blocks");
	vxr_jw_open(w, "[");
	for (size_t a = 0; a < fd->nblk; a++) {
		vxr_jw_sep(w);
		vxr_jw_vector(w, fd->block + a * fd->nblk, fd->nblk, 1);
	}
	vxr_jw_close(w, "]");
	vxr_jw_key(w, "params");
	vxr_jw_open(w, "{");
	for (size_t l = 0; l < net->L; l++)
		for (int q = 0; q < 4; q++) {
			char key[32];
			snprintf(key, sizeof key, "%s_l%zu", name[q], l);
			vxr_jw_member(w, key, fd->param[4 * l + (size_t)q]);
		}
	vxr_jw_close(w, "}");
	for (int q = 0; q < VX_NET_FD_ITEMS; q++) {
		const vx_net_fditem *it = &fd->item[q];
		vxr_jw_key(w, item[q]);
		vxr_jw_open(w, "{");
		vxr_jw_member(w, "error", it->error);
		vxr_jw_member_size(w, "compared", it->compared);
		vxr_jw_member_size(w, "failed", it->failed);
		vxr_jw_member_size(w, "unresolved", it->left);
		vxr_jw_member_size(w, "at_kink", it->at_kink);
		vxr_jw_member_str(w, "outcome", fd_word(net_fd_item(it)));
		vxr_jw_close(w, "}");
		left += it->left;
		kinked += it->at_kink;
	}
	vxr_jw_member_size(w, "unresolved", left);
	vxr_jw_member_size(w, "at_kink", kinked);
	vxr_jw_member(w, "tolerance", VXR_FD_TOL);
	vxr_fd_outcome o = net_fd_overall(fd);
	vxr_jw_key(w, "pass");
	vxr_jw_put(w, o == VXR_FD_PASSED ? "true" : "false");
	vxr_jw_member_str(w, "outcome", fd_word(o));
	vxr_jw_close(w, "}");
}

void vxr_jw_net_result(vxr_jw *w, const vx_net *net, const vx_net_result *r)
{
	vxr_jw_net_states(w, r, 0);
	if (net->cell == VX_CELL_LSTM)
		vxr_jw_net_states(w, r, 1);
	vxr_jw_mag(w, "loss", r->loss);
	vxr_jw_net_paths(w, r);
	vxr_jw_mags(w, "step_norm", r->step_norm, r->T, 1);
	vxr_jw_mags(w, "step_bound", r->step_bound, r->T, 1);
	/* ∂L_t/∂θ = grads_scaled × 10^grads_log10_scale when it does not fit */
	if (r->grad_log10_scale != 0)
		vxr_jw_member(w, "grads", NAN);
	vxr_jw_key(w, r->grad_log10_scale == 0 ? "grads" : "grads_scaled");
	vxr_jw_open(w, "{");
	vxr_jw_net_weights(w, net, r->grad);
	vxr_jw_close(w, "}");
	if (r->grad_log10_scale != 0)
		vxr_jw_member(w, "grads_log10_scale", r->grad_log10_scale);
	vxr_jw_mag(w, "grad_norm", r->grad_norm);
	vxr_jw_net_layers(w, net, r);
	vxr_jw_key(w, "horizon");
	vxr_jw_open(w, "{");
	vxr_jw_member_str(w, "kind", r->horizon_kind == VX_HORIZON_VANISH    ? "vanish"
	                          : r->horizon_kind == VX_HORIZON_EXPLODE ? "explode"
	                                                                  : "none");
	if (r->horizon_kind == VX_HORIZON_NONE)
		vxr_jw_member(w, "gap", NAN);
	else
		vxr_jw_member_size(w, "gap", r->horizon);
	vxr_jw_member(w, "low", VX_HORIZON_LOW);
	vxr_jw_member(w, "high", VX_HORIZON_HIGH);
	vxr_jw_close(w, "}");
	vxr_jw_key(w, "lyapunov");
	vxr_jw_open(w, "{");
	vxr_jw_member(w, "max_exponent", r->lyap_max);
	vxr_jw_key(w, "top");
	vxr_jw_vector(w, r->lyap_top, r->lyap_count, 1);
	vxr_jw_member(w, "bound", r->lyap_bound);
	if (r->lyap_max == -INFINITY)
		vxr_jw_member_str(w, "reason", "-infinity: the product of the Jacobians is exactly 0");
	vxr_jw_key(w, "estimate");
	vxr_jw_put(w, "true");
	vxr_jw_close(w, "}");
	vxr_jw_member(w, "rate", r->rate);
	vxr_jw_member_str(w, "verdict", vxr_trend_name(vxr_net_verdict(r, VXR_NOTE_ASCII, NULL, 0)));
}

vx_status vxr_net_check_json(FILE *out, const vxr_net_check *c, vx_error *err)
{
	if (!out || !c || !c->params || !c->spec || !c->net || !c->result)
		return vx_fail(err, VX_EINTERNAL, "vxr_net_check_json: bad arguments");
	const vx_net *net = c->net;
	const vx_net_result *r = c->result;
	vxr_jw w = { out, 0, 1 };

	vxr_jw_open(&w, "{");
	vxr_jw_net_params(&w, c);
	vxr_jw_member_str(&w, "version", VX_VERSION);
	vxr_jw_member_size(&w, "state_size", net->D);
	vxr_jw_member_str(&w, "bound_kind", r->bound_kind == VX_NET_BOUND_GATES ? "gates" : "gamma_lambda");
	vxr_jw_source(&w, c->src, c->params);
	vxr_jw_net_model(&w, net, 1);
	vxr_jw_net_result(&w, net, r);
	vxr_jw_net_fd(&w, net, c->fd);
	return vxr_jw_finish(&w, err);
}

vx_status vxr_check_json(FILE *out, const vxr_check *c, vx_error *err)
{
	if (!out || !c || !c->params || !c->model || !c->result)
		return vx_fail(err, VX_EINTERNAL, "vxr_check_json: bad arguments");
	const vx_model *m = c->model;
	const vx_result *r = c->result;
	vxr_jw w = { out, 0, 1 };

	vxr_jw_open(&w, "{");
	jw_params(&w, c);
	vxr_jw_member_str(&w, "version", VX_VERSION);
	vxr_jw_member(&w, "gamma", r->gamma);
	vxr_jw_member(&w, "lambda", r->lambda);
	vxr_jw_member_str(&w, "regime", vx_regime_name(vx_result_regime(r)));
	vxr_jw_source(&w, c->src, c->params);
	jw_model(&w, m);
	vxr_jw_member_matrix(&w, "a", r->a);
	vxr_jw_member_matrix(&w, "s", r->s);
	vxr_jw_mag(&w, "loss", r->loss);
	jw_paths(&w, r);
	jw_gradient(&w, "grad_W", r->grad_W, r->grad_log10_scale);
	vxr_jw_member(&w, "grad_norm", r->grad_norm.fits ? r->grad_norm.value : NAN);
	vxr_jw_member(&w, "log10_grad_norm", r->grad_norm.log10);
	/* the summed loss L = Σ_t L_t, which training uses */
	vxr_jw_mag(&w, "loss_sum", r->loss_sum);
	jw_gradient(&w, "grad_sum_W", r->grad_sum_W, r->grad_sum_log10_scale);
	vxr_jw_mag(&w, "grad_sum_norm", r->grad_sum_norm);
	vxr_jw_mag(&w, "grad_sum_near", r->grad_sum_near);
	vxr_jw_mag(&w, "grad_sum_far", r->grad_sum_far);
	vxr_jw_key(&w, "lyapunov");
	vxr_jw_open(&w, "{");
	vxr_jw_member(&w, "max_exponent", r->lyap_max);
	vxr_jw_member(&w, "bound", vx_result_ln_gl(r));
	/* −∞ is not a JSON number: null, and why */
	if (r->lyap_max == -INFINITY)
		vxr_jw_member_str(&w, "reason", r->lyap_bound == -INFINITY
		                                ? "-infinity: the product of the Jacobians is exactly 0, as is gamma*lambda"
		                                : "-infinity: the product of the Jacobians is exactly 0");
	vxr_jw_close(&w, "}");
	vxr_jw_member(&w, "rate", r->rate);
	vxr_jw_member_str(&w, "verdict", vxr_trend_name(vxr_verdict(r, VXR_NOTE_ASCII, NULL, 0)));
	jw_fd(&w, c->fd);
	return vxr_jw_finish(&w, err);
}
