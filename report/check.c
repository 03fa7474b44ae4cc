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

#include <jansson.h>

#include "report/fmt.h"
#include "report/utf8.h"

#ifndef VX_VERSION
#define VX_VERSION "0.0.0"
#endif

#define SIG 4        /* digits in the table */

/* ------------------------------------------------------------ verdict */

const char *vxr_trend_name(vxr_trend t)
{
	switch (t) {
	case VXR_VANISHING: return "vanishing";
	case VXR_EXPLODING: return "exploding";
	default: return "neither";
	}
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
	double total = rate * (double)(r->t - 1);
	const double per_step = log10(1.1);
	if (total <= -1 || rate <= -per_step)
		v = VXR_VANISHING;
	else if (total >= 1 || rate >= per_step)
		v = VXR_EXPLODING;
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

/* A path shortened from the left to at most max columns, ASCII-only unless
 * utf8 (so a non-UTF-8 terminal never gets stray bytes). */
static void elide(char *dst, size_t n, const char *path, int max, int utf8)
{
	char tmp[VX_PATH_MAX + 8];
	size_t j = 0;
	for (const char *p = path; *p && j + 1 < sizeof tmp; p++)
		tmp[j++] = ((unsigned char)*p < 0x20 || *p == 0x7f || (!utf8 && (unsigned char)*p >= 0x80)) ? '?' : *p;
	tmp[j] = '\0';
	const char *s = tmp;
	if (vxr_u8_width(s) > max) {
		uint32_t cp;
		/* whole characters off the left until "..." and the rest fit */
		while (*s && vxr_u8_width(s) > max - 3)
			s += vxr_u8_next(s, &cp);
	}
	size_t len = strlen(s), pre = s == tmp ? 0 : 3;
	if (pre + len + 1 > n) {
		if (n)
			dst[0] = '\0';
		return;
	}
	memcpy(dst, "...", pre);
	memcpy(dst + pre, s, len);
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
	char num[64], path[96];
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

	fprintf(out, "vanex %s check: activation %s, seed %lu\n", VX_VERSION, vx_act_name(c->model->act),
	        p->seed);
	fprintf(out, "sizes: d = %zu hidden, n = %zu inputs, T = %zu steps, loss at t = %zu\n",
	        c->model->d, c->model->n, c->model->T, r->t);
	describe_w(out, p, y, utf8, st);
	vxf_num(a, sizeof a, r->gamma, 6, st);
	vxf_num(b, sizeof b, r->lambda, 6, st);
	vxf_num(d, sizeof d, r->gamma * r->lambda, 6, st);
	fprintf(out, "%s = max %s = %s    %s = %s = %s    %s = %s\n", y->gamma, y->sigmap, a, y->lambda,
	        y->normW, b, y->gl, d);
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

	vxf_num(b, sizeof b, r->lyap_bound, SIG, st);
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
			fprintf(out, "   %s\n", o == VXR_FD_FAILED ? "FAIL" : fd_word(o));
		}
		switch (vxr_fd_overall(fd)) {
		case VXR_FD_PASSED:
			if (fd->at_kink > 0)
				fprintf(out, "finite-difference check: pass (%zu columns or entries on a ReLU kink\n"
				             "  left out: there the derivative is not defined)\n", fd->at_kink);
			else
				fprintf(out, "finite-difference check: pass\n");
			break;
		case VXR_FD_UNRESOLVED:
			fprintf(out, "finite-difference check: unresolved, neither pass nor FAIL: %zu columns or\n"
			             "  entries were too sensitive to resolve in double precision (a chaotic or\n"
			             "  exploding horizon), so %s could not be compared\n",
			        fd->unresolved, vxr_fd_item(fd, 2) == VXR_FD_UNRESOLVED
			                                ? (utf8 ? "\u2202s_t/\u2202s_k" : "ds_t/ds_k")
			                                : (utf8 ? "\u2202L_t/\u2202W" : "dL_t/dW"));
			break;
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

/* A real, or null when it is not finite (JSON has no NaN or infinity). */
static json_t *jnum(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

/* Adds name and log10_name for a magnitude. */
static int jmag(json_t *o, const char *name, vx_mag m)
{
	char key[64];
	snprintf(key, sizeof key, "log10_%s", name);
	json_t *v = m.fits && isfinite(m.value) ? json_real(m.value) : json_null();
	json_t *l = isfinite(m.log10) ? json_real(m.log10) : json_null();
	return json_object_set_new(o, name, v) | json_object_set_new(o, key, l);
}

static json_t *jvector(const gsl_vector *v)
{
	json_t *a = json_array();
	if (!a)
		return NULL;
	for (size_t i = 0; i < v->size; i++)
		if (json_array_append_new(a, jnum(gsl_vector_get(v, i))) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *jmatrix(const gsl_matrix *m)
{
	json_t *a = json_array();
	if (!a)
		return NULL;
	for (size_t i = 0; i < m->size1; i++) {
		gsl_vector_const_view row = gsl_matrix_const_row(m, i);
		json_t *r = jvector(&row.vector);
		if (!r || json_array_append_new(a, r) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *jsize(size_t n)
{
	return json_integer((json_int_t)n);
}

/* Builds the whole object; NULL when out of memory. */
static json_t *check_object(const vxr_check *c)
{
	const vx_params *p = c->params;
	const vx_model *m = c->model;
	const vx_result *r = c->result;
	int bad = 0;
	json_t *o = json_object();
	json_t *pp = json_object();
	json_t *mo = json_object();
	json_t *paths = json_array();
	json_t *ly = json_object();
	if (!o || !pp || !mo || !paths || !ly) {
		json_decref(o);
		json_decref(pp);
		json_decref(mo);
		json_decref(paths);
		json_decref(ly);
		return NULL;
	}

	/* A file's W keeps its norm unless --norm was given: then there is no λ to report. */
	int norm_given = (p->set & VX_SET_NORM) || (!p->weights[0] && !p->model[0]);
	bad |= json_object_set_new(pp, "activation", json_string(vx_act_name(m->act)));
	bad |= json_object_set_new(pp, "hidden", jsize(m->d));
	bad |= json_object_set_new(pp, "inputs", jsize(m->n));
	bad |= json_object_set_new(pp, "steps", jsize(m->T));
	bad |= json_object_set_new(pp, "t", jsize(r->t));
	bad |= json_object_set_new(pp, "norm", norm_given ? jnum(p->norm) : json_null());
	bad |= json_object_set_new(pp, "init", json_string(vx_init_name(p->init)));
	bad |= json_object_set_new(pp, "input_scale", jnum(p->input_scale));
	bad |= json_object_set_new(pp, "seed", p->seed <= (unsigned long)LLONG_MAX
	                                           ? json_integer((json_int_t)p->seed)
	                                           : json_real((double)p->seed));
	bad |= json_object_set_new(o, "params", pp);
	bad |= json_object_set_new(o, "version", json_string(VX_VERSION));
	bad |= json_object_set_new(o, "gamma", jnum(r->gamma));
	bad |= json_object_set_new(o, "lambda", jnum(r->lambda));

	bad |= json_object_set_new(mo, "activation", json_string(vx_act_name(m->act)));
	bad |= json_object_set_new(mo, "W", jmatrix(m->W));
	bad |= json_object_set_new(mo, "U", jmatrix(m->U));
	bad |= json_object_set_new(mo, "b", jvector(m->b));
	bad |= json_object_set_new(mo, "s0", jvector(m->s0));
	bad |= json_object_set_new(mo, "x", jmatrix(m->x));
	bad |= json_object_set_new(mo, "y", jvector(m->y));
	bad |= json_object_set_new(o, "model", mo);

	bad |= json_object_set_new(o, "a", jmatrix(r->a));
	bad |= json_object_set_new(o, "s", jmatrix(r->s));
	bad |= jmag(o, "loss", r->loss);

	for (size_t i = 0; i < r->t && !bad; i++) {
		const vx_path *ph = &r->paths[i];
		json_t *po = json_object();
		if (!po) {
			bad = 1;
			break;
		}
		bad |= json_object_set_new(po, "k", jsize(ph->k));
		bad |= json_object_set_new(po, "gap", jsize(ph->gap));
		bad |= jmag(po, "norm", ph->norm);
		bad |= jmag(po, "step_product", ph->step_product);
		bad |= jmag(po, "bound", ph->bound);
		bad |= jmag(po, "contribution", ph->contribution);
		bad |= json_array_append_new(paths, po);
	}
	bad |= json_object_set_new(o, "paths", paths);

	if (r->grad_log10_scale == 0) {
		bad |= json_object_set_new(o, "grad_W", jmatrix(r->grad_W));
	} else {
		bad |= json_object_set_new(o, "grad_W", json_null());
		bad |= json_object_set_new(o, "grad_W_scaled", jmatrix(r->grad_W));
		bad |= json_object_set_new(o, "grad_W_log10_scale", jnum(r->grad_log10_scale));
	}
	bad |= json_object_set_new(o, "grad_norm", r->grad_norm.fits ? jnum(r->grad_norm.value) : json_null());
	bad |= json_object_set_new(o, "log10_grad_norm", jnum(r->grad_norm.log10));

	bad |= json_object_set_new(ly, "max_exponent", jnum(r->lyap_max));
	bad |= json_object_set_new(ly, "bound", jnum(r->lyap_bound));
	/* −∞ is not a JSON number: null, and why */
	if (r->lyap_max == -INFINITY) {
		const char *why = r->lyap_bound == -INFINITY
		                  ? "-infinity: the product of the Jacobians is exactly 0, as is gamma*lambda"
		                  : "-infinity: the product of the Jacobians is exactly 0";
		bad |= json_object_set_new(ly, "reason", json_string(why));
	}
	bad |= json_object_set_new(o, "lyapunov", ly);
	bad |= json_object_set_new(o, "rate", jnum(r->rate));
	bad |= json_object_set_new(o, "verdict", json_string(vxr_trend_name(vxr_verdict(r, VXR_NOTE_ASCII, NULL, 0))));

	if (c->fd) {
		const vx_fdcheck *fd = c->fd;
		json_t *f = json_object();
		if (!f) {
			bad = 1;
		} else {
			bad |= json_object_set_new(f, "dsda", jnum(fd->dsda));
			bad |= json_object_set_new(f, "dads", jnum(fd->dads));
			bad |= json_object_set_new(f, "dsds", jnum(fd->dsds));
			bad |= json_object_set_new(f, "dLdW", jnum(fd->dLdW));
			bad |= json_object_set_new(f, "j", jsize(fd->j));
			bad |= json_object_set_new(f, "k", jsize(fd->k));
			bad |= json_object_set_new(f, "dLdW_entries", jsize(fd->dLdW_entries));
			bad |= json_object_set_new(f, "unresolved", jsize(fd->unresolved));
			bad |= json_object_set_new(f, "at_kink", jsize(fd->at_kink));
			bad |= json_object_set_new(f, "tolerance", json_real(VXR_FD_TOL));
			bad |= json_object_set_new(f, "pass", json_boolean(vxr_fd_pass(fd)));
			bad |= json_object_set_new(f, "outcome", json_string(fd_word(vxr_fd_overall(fd))));
			bad |= json_object_set_new(o, "fd_check", f);
		}
	} else {
		bad |= json_object_set_new(o, "fd_check", json_null());
	}
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

vx_status vxr_check_json(FILE *out, const vxr_check *c, vx_error *err)
{
	if (!out || !c || !c->params || !c->model || !c->result)
		return vx_fail(err, VX_EINTERNAL, "vxr_check_json: bad arguments");
	json_t *o = check_object(c);
	if (!o)
		return vx_fail(err, VX_ENOMEM, "out of memory while building the JSON output");
	int rc = json_dumpf(o, out, JSON_REAL_PRECISION(17));
	json_decref(o);
	if (rc != 0 || fputc('\n', out) == EOF || fflush(out) != 0 || ferror(out))
		return vx_fail(err, VX_EIO, "cannot write the JSON output");
	return VX_OK;
}
