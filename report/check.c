/*
 * check.c — the output of `vanex check`: an 80-column summary and the JSON
 * object (see check.h).
 *
 * The text is built line by line with display widths counted in terminal
 * columns (utf8.h; every symbol used here is one column wide), so the same
 * layout holds in UTF-8 and in the ASCII fallback.
 */
#include "report/check.h"

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

#define SIG 4        /* digits in the table */

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

vxr_trend vxr_verdict(const vx_result *r, vxr_notation note, char *line, size_t n)
{
	int utf8 = note != VXR_NOTE_ASCII;
	const char *dsds = note == VXR_NOTE_SUBSCRIPT ? "\u2016\u2202s\u209c/\u2202s\u2096\u2016"
	                 : utf8 ? "\u2016\u2202s_t/\u2202s_k\u2016" : "|ds_t/ds_k|";
	const char *times = utf8 ? "\u00d7" : "x";
	char f[48], rt[48];
	vxr_trend v = VXR_NEITHER;

	if (!r || r->t < 2) {
		if (line && n)
			snprintf(line, n, "neither: at t = 1 there is no gap t%sk to measure", utf8 ? "\u2212" : "-");
		return VXR_NEITHER;
	}
	const vx_path *far = &r->paths[0]; /* k = 1, the largest gap */
	if (far->norm.fits && far->norm.value == 0) {
		if (line && n)
			snprintf(line, n, "vanishing: %s is exactly 0 at t%sk = %zu (no gradient flows)", dsds,
			         utf8 ? "\u2212" : "-", far->gap);
		return VXR_VANISHING;
	}
	double rate = r->rate;
	if (!isfinite(rate)) {
		if (line && n)
			snprintf(line, n, "neither: the rate per step could not be measured");
		return VXR_NEITHER;
	}
	v = (vxr_trend)vx_result_trend(r);
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
static void elide(char *dst, size_t n, const char *path, int max, int utf8)
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

/* Prints s right-aligned in w columns. */
static void rpad(FILE *out, const char *s, int w)
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

static void describe_w(FILE *out, const vx_params *p, const syms *y, int utf8, vxf_style st)
{
	char num[64], path[4 * 50 + 8];   /* 50 columns of up to 4 bytes */
	vxf_num(num, sizeof num, p->norm, 6, st);
	if (p->model[0]) {
		elide(path, sizeof path, p->model, 50, utf8);
		fprintf(out, "model: from %s (as recorded)\n", path);
		if (p->set & VX_SET_NORM)
			fprintf(out, "W: rescaled to %s = %s\n", y->normW, num);
		return;
	}
	if (p->weights[0]) {
		elide(path, sizeof path, p->weights, 38, utf8);
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
	if (p->input_scale == 0) {
		fprintf(out, "inputs: none (input scale 0); b = 0, s_0 = 0\n");
	} else {
		vxf_num(num, sizeof num, p->input_scale, 6, st);
		fprintf(out, "inputs: x_j ~ N(0, %s%s) drawn from the seed; b = 0, s_0 = 0\n", num, y->sq);
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
	char a[64], b[64], d[64], e[64];

	fprintf(out, "vanex %s check: activation %s, ", VX_VERSION, vx_act_name(c->model->act));
	if (p->unseeded) {
		/* no seed made this model: say what did, in the rest of 80 columns */
		char path[4 * 80 + 8];
		int used = (int)strlen(VX_VERSION) + (int)strlen(vx_act_name(c->model->act)) + 38;
		elide(path, sizeof path, p->model, 80 - used, utf8);
		fprintf(out, "model file %s\n", path);
	} else {
		fprintf(out, "seed %lu\n", p->seed);
	}
	fprintf(out, "sizes: d = %zu hidden, n = %zu inputs, T = %zu steps, loss at t = %zu\n",
	        c->model->d, c->model->n, c->model->T, r->t);
	describe_w(out, p, y, utf8, st);
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
	fputc('\n', out);

	/* The table: gap, k, then the four magnitudes of each path. */
	rpad(out, utf8 ? "t\u2212k" : "t-k", 8);
	rpad(out, "k", 9);
	rpad(out, "actual", 15);
	rpad(out, "step product", 15);
	rpad(out, "bound", 15);
	rpad(out, "path term", 15);
	fputc('\n', out);
	size_t nrows = vxr_check_rows(r->t, NULL, 0);
	size_t *gaps = malloc(nrows * sizeof *gaps);
	if (!gaps)
		return vx_fail(err, VX_ENOMEM, "out of memory");
	vxr_check_rows(r->t, gaps, nrows);
	for (size_t i = 0; i < nrows; i++) {
		const vx_path *ph = &r->paths[r->t - gaps[i] - 1];
		char g[32], k[32];
		snprintf(g, sizeof g, "%zu", ph->gap);
		snprintf(k, sizeof k, "%zu", ph->k);
		rpad(out, g, 8);
		rpad(out, k, 9);
		rpad(out, vxf_mag(a, sizeof a, ph->norm, SIG, st), 15);
		rpad(out, vxf_mag(b, sizeof b, ph->step_product, SIG, st), 15);
		rpad(out, vxf_mag(d, sizeof d, ph->bound, SIG, st), 15);
		rpad(out, vxf_mag(e, sizeof e, ph->contribution, SIG, st), 15);
		fputc('\n', out);
	}
	free(gaps);
	if (nrows < r->t)
		fprintf(out, "(%zu of %zu rows: about %s1.5 apart after t%sk = 5; --json lists all)\n", nrows,
		        r->t, y->times, y->minus);
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
	if (r->lyap_max == -INFINITY)
		fprintf(out, "Lyapunov exponent: -infinity (the product of the J_j is exactly 0)\n");
	else
		fprintf(out, "Lyapunov exponent (estimate over T = %zu steps): %s per step\n", c->model->T,
		        vxf_num(a, sizeof a, r->lyap_max, SIG, st));
	fprintf(out, "  against its bound ln(%s) = %s\n", y->gl, b);
	char v[160];
	vxr_verdict(r, utf8 ? VXR_NOTE_UNICODE : VXR_NOTE_ASCII, v, sizeof v);
	fprintf(out, "verdict: %s\n", v);

	if (c->fd) {
		const vx_fdcheck *fd = c->fd;
		char tol[32];
		vxf_num(tol, sizeof tol, VXR_FD_TOL, 2, st);
		fputc('\n', out);
		fprintf(out, "finite differences (central) against the analytic derivatives,\n");
		fprintf(out, "max relative error, pass at or below %s:\n", tol);
		struct { const char *what; double v; } rows[4];
		char w0[64], w1[64], w2[64], w3[64];
		snprintf(w0, sizeof w0, utf8 ? "\u2202s_j/\u2202a_j at j = %zu" : "ds_j/da_j at j = %zu", fd->j);
		snprintf(w1, sizeof w1, utf8 ? "\u2202a_j/\u2202s_{j\u22121} = W at j = %zu"
		                             : "da_j/ds_{j-1} = W at j = %zu", fd->j);
		snprintf(w2, sizeof w2, utf8 ? "\u2202s_t/\u2202s_k at k = %zu" : "ds_t/ds_k at k = %zu", fd->k);
		snprintf(w3, sizeof w3, utf8 ? "\u2202L_t/\u2202W, %zu entries" : "dL_t/dW, %zu entries",
		         fd->dLdW_entries);
		rows[0].what = w0; rows[0].v = fd->dsda;
		rows[1].what = w1; rows[1].v = fd->dads;
		rows[2].what = w2; rows[2].v = fd->dsds;
		rows[3].what = w3; rows[3].v = fd->dLdW;
		for (int i = 0; i < 4; i++) {
			vxr_fd_outcome o = vxr_fd_item(fd, i);
			fputs("  ", out);
			fputs(rows[i].what, out);
			for (int k = vxr_u8_width(rows[i].what); k < 36; k++)
				fputc(' ', out);
			/* An error that could not be measured is not a number to show. */
			rpad(out, o == VXR_FD_PASSED || o == VXR_FD_FAILED ? vxf_num(a, sizeof a, rows[i].v, 2, st) : "-",
			     10);
			/* a pass over fewer entries than were sampled says how many fewer */
			if (o == VXR_FD_PASSED && fd->left[i] > 0)
				fprintf(out, "   pass, %zu unresolved\n", fd->left[i]);
			else
				fprintf(out, "   %s\n", o == VXR_FD_FAILED ? "FAIL" : fd_word(o));
		}
		switch (vxr_fd_overall(fd)) {
		case VXR_FD_PASSED:
			if (fd->unresolved == 0 && fd->at_kink == 0)
				fprintf(out, "finite-difference check: pass\n");
			else if (fd->unresolved > 0)
				fprintf(out, "finite-difference check: pass where resolvable (%zu entries left out:\n"
				             "  double precision cannot resolve them)\n", fd->unresolved);
			if (fd->at_kink > 0)
				fprintf(out, "%s (%zu columns or entries on a ReLU kink\n"
				             "  left out: there the derivative is not defined)\n",
				        fd->unresolved > 0 ? "  and" : "finite-difference check: pass", fd->at_kink);
			break;
		case VXR_FD_UNRESOLVED: {
			/* name what could not be compared at all */
			static const char *const what_u[4] = { "\u2202s_j/\u2202a_j", "\u2202a_j/\u2202s_{j\u22121}",
			                                        "\u2202s_t/\u2202s_k", "\u2202L_t/\u2202W" };
			static const char *const what_a[4] = { "ds_j/da_j", "da_j/ds_{j-1}", "ds_t/ds_k", "dL_t/dW" };
			char names[160] = "";
			int last = -1;
			for (int i = 0; i < 4; i++)
				if (vxr_fd_item(fd, i) == VXR_FD_UNRESOLVED)
					last = i;
			for (int i = 0, k = 0; i < 4; i++) {
				if (vxr_fd_item(fd, i) != VXR_FD_UNRESOLVED)
					continue;
				size_t len = strlen(names);
				snprintf(names + len, sizeof names - len, "%s%s", k == 0 ? "" : i == last ? " and " : ", ",
				         utf8 ? what_u[i] : what_a[i]);
				k++;
			}
			fprintf(out, "finite-difference check: unresolved, neither pass nor FAIL: %zu entries\n"
			             "  were too sensitive or too fine to resolve in double precision (a chaotic\n"
			             "  or exploding horizon, or units saturated until %s rounds to %s1), so\n"
			             "  %s could not be compared\n",
			        fd->unresolved, utf8 ? "\u03c3" : "sigma", utf8 ? "\u00b1" : "+-", names);
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
			        fd->at_kink, utf8 ? "\u03c3\u2032" : "sigma'");
			break;
		default:
			fprintf(out, "finite-difference check: FAIL\n");
			break;
		}
	}
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
typedef struct {
	FILE *f;
	int err;      /* errno of the first failed write; 0 while none */
	int first;    /* the current object or array has no item yet */
} jw;

static void jw_put(jw *w, const char *s)
{
	if (!w->err && fputs(s, w->f) == EOF)
		w->err = errno ? errno : EIO;
}

/* The separator before an item of an array or object. */
static void jw_sep(jw *w)
{
	if (!w->first)
		jw_put(w, ", ");
	w->first = 0;
}

static void jw_open(jw *w, const char *bracket)
{
	jw_put(w, bracket);
	w->first = 1;
}

static void jw_close(jw *w, const char *bracket)
{
	jw_put(w, bracket);
	w->first = 0;
}

static void jw_str(jw *w, const char *s)
{
	char b[8];
	jw_put(w, "\"");
	for (; *s && !w->err; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			snprintf(b, sizeof b, "\\%c", c);
		else if (c < 0x20)
			snprintf(b, sizeof b, "\\u%04x", c);
		else
			snprintf(b, sizeof b, "%c", c);
		jw_put(w, b);
	}
	jw_put(w, "\"");
}

/* "name": (after the separator). */
static void jw_key(jw *w, const char *name)
{
	jw_sep(w);
	jw_str(w, name);
	jw_put(w, ": ");
}

/* A real, or null when it is not finite (JSON has no NaN or infinity). */
static void jw_num(jw *w, double x)
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
	jw_put(w, b);
}

static void jw_size(jw *w, size_t n)
{
	char b[32];
	snprintf(b, sizeof b, "%zu", n);
	jw_put(w, b);
}

static void jw_member(jw *w, const char *name, double x)
{
	jw_key(w, name);
	jw_num(w, x);
}

static void jw_member_size(jw *w, const char *name, size_t n)
{
	jw_key(w, name);
	jw_size(w, n);
}

static void jw_member_str(jw *w, const char *name, const char *s)
{
	jw_key(w, name);
	jw_str(w, s);
}

/* name and log10_name for a magnitude. */
static void jw_mag(jw *w, const char *name, vx_mag m)
{
	char key[64];
	snprintf(key, sizeof key, "log10_%s", name);
	jw_member(w, name, m.fits ? m.value : NAN);
	jw_member(w, key, m.log10);
}

static void jw_vector(jw *w, const double *v, size_t n, size_t stride)
{
	jw_open(w, "[");
	for (size_t i = 0; i < n; i++) {
		jw_sep(w);
		jw_num(w, v[i * stride]);
	}
	jw_close(w, "]");
}

static void jw_member_vector(jw *w, const char *name, const gsl_vector *v)
{
	jw_key(w, name);
	jw_vector(w, v->data, v->size, v->stride);
}

/* Row by row, stopping at the first failed write (a full disk is not
 * filled with the rest of a 10⁶-row matrix). */
static void jw_matrix(jw *w, const gsl_matrix *m)
{
	jw_open(w, "[");
	for (size_t i = 0; i < m->size1 && !w->err; i++) {
		jw_sep(w);
		jw_vector(w, m->data + i * m->tda, m->size2, 1);
	}
	jw_close(w, "]");
}

static void jw_member_matrix(jw *w, const char *name, const gsl_matrix *m)
{
	jw_key(w, name);
	jw_matrix(w, m);
}

static void jw_params(jw *w, const vxr_check *c)
{
	const vx_params *p = c->params;
	const vx_model *m = c->model;
	/* A file's W keeps its norm unless --norm was given: then there is no λ to report. */
	int norm_given = (p->set & VX_SET_NORM) || (!p->weights[0] && !p->model[0]);
	jw_key(w, "params");
	jw_open(w, "{");
	jw_member_str(w, "activation", vx_act_name(m->act));
	jw_member_size(w, "hidden", m->d);
	jw_member_size(w, "inputs", m->n);
	jw_member_size(w, "steps", m->T);
	jw_member_size(w, "t", c->result->t);
	jw_member(w, "norm", norm_given ? p->norm : NAN);
	jw_member_str(w, "init", vx_init_name(p->init));
	jw_member(w, "input_scale", p->input_scale);
	if (p->unseeded)
		jw_member(w, "seed", NAN);   /* null: nothing was drawn */
	else if (p->seed <= (unsigned long)LLONG_MAX)
		jw_member_size(w, "seed", p->seed);
	else
		jw_member(w, "seed", (double)p->seed);
	jw_close(w, "}");
}

static void jw_model(jw *w, const vx_model *m)
{
	jw_key(w, "model");
	jw_open(w, "{");
	jw_member_str(w, "activation", vx_act_name(m->act));
	jw_member_matrix(w, "W", m->W);
	jw_member_matrix(w, "U", m->U);
	jw_member_vector(w, "b", m->b);
	jw_member_vector(w, "s0", m->s0);
	jw_member_matrix(w, "x", m->x);
	jw_member_vector(w, "y", m->y);
	jw_close(w, "}");
}

static void jw_paths(jw *w, const vx_result *r)
{
	jw_key(w, "paths");
	jw_open(w, "[");
	for (size_t i = 0; i < r->t && !w->err; i++) {
		const vx_path *ph = &r->paths[i];
		jw_sep(w);
		jw_open(w, "{");
		jw_member_size(w, "k", ph->k);
		jw_member_size(w, "gap", ph->gap);
		jw_mag(w, "norm", ph->norm);
		jw_mag(w, "step_product", ph->step_product);
		jw_mag(w, "bound", ph->bound);
		jw_mag(w, "contribution", ph->contribution);
		jw_close(w, "}");
	}
	jw_close(w, "]");
}

static void jw_fd(jw *w, const vx_fdcheck *fd)
{
	jw_key(w, "fd_check");
	if (!fd) {
		jw_put(w, "null");
		return;
	}
	jw_open(w, "{");
	jw_member(w, "dsda", fd->dsda);
	jw_member(w, "dads", fd->dads);
	jw_member(w, "dsds", fd->dsds);
	jw_member(w, "dLdW", fd->dLdW);
	jw_member_size(w, "j", fd->j);
	jw_member_size(w, "k", fd->k);
	jw_member_size(w, "dLdW_entries", fd->dLdW_entries);
	jw_member_size(w, "unresolved", fd->unresolved);
	jw_member_size(w, "at_kink", fd->at_kink);
	jw_member(w, "tolerance", VXR_FD_TOL);
	jw_key(w, "pass");
	jw_put(w, vxr_fd_pass(fd) ? "true" : "false");
	jw_member_str(w, "outcome", fd_word(vxr_fd_overall(fd)));
	jw_close(w, "}");
}

vx_status vxr_check_json(FILE *out, const vxr_check *c, vx_error *err)
{
	if (!out || !c || !c->params || !c->model || !c->result)
		return vx_fail(err, VX_EINTERNAL, "vxr_check_json: bad arguments");
	const vx_model *m = c->model;
	const vx_result *r = c->result;
	jw w = { out, 0, 1 };

	jw_open(&w, "{");
	jw_params(&w, c);
	jw_member_str(&w, "version", VX_VERSION);
	jw_member(&w, "gamma", r->gamma);
	jw_member(&w, "lambda", r->lambda);
	jw_member_str(&w, "regime", vx_regime_name(vx_result_regime(r)));
	jw_model(&w, m);
	jw_member_matrix(&w, "a", r->a);
	jw_member_matrix(&w, "s", r->s);
	jw_mag(&w, "loss", r->loss);
	jw_paths(&w, r);
	if (r->grad_log10_scale == 0) {
		jw_member_matrix(&w, "grad_W", r->grad_W);
	} else {
		jw_member(&w, "grad_W", NAN);
		jw_member_matrix(&w, "grad_W_scaled", r->grad_W);
		jw_member(&w, "grad_W_log10_scale", r->grad_log10_scale);
	}
	jw_member(&w, "grad_norm", r->grad_norm.fits ? r->grad_norm.value : NAN);
	jw_member(&w, "log10_grad_norm", r->grad_norm.log10);
	jw_key(&w, "lyapunov");
	jw_open(&w, "{");
	jw_member(&w, "max_exponent", r->lyap_max);
	jw_member(&w, "bound", vx_result_ln_gl(r));
	/* −∞ is not a JSON number: null, and why */
	if (r->lyap_max == -INFINITY)
		jw_member_str(&w, "reason", r->lyap_bound == -INFINITY
		                                ? "-infinity: the product of the Jacobians is exactly 0, as is gamma*lambda"
		                                : "-infinity: the product of the Jacobians is exactly 0");
	jw_close(&w, "}");
	jw_member(&w, "rate", r->rate);
	jw_member_str(&w, "verdict", vxr_trend_name(vxr_verdict(r, VXR_NOTE_ASCII, NULL, 0)));
	jw_fd(&w, c->fd);
	jw_close(&w, "}");
	jw_put(&w, "\n");
	if (!w.err && fflush(out) != 0)
		w.err = errno ? errno : EIO;
	if (w.err)
		return vx_fail(err, VX_EIO, "cannot write the JSON output: %s", strerror(w.err));
	return VX_OK;
}
