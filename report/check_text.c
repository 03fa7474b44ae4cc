/*
 * check_text.c — the text of `vanex check` for one vanilla layer: the model,
 * γλ and its regime, the table of paths, the Lyapunov exponent, the verdict
 * and the finite-difference check (check.h, vxr_check_text).
 */
#include "report/check.h"
#include "report/check_internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/text/fmt.h"
#include "report/text/utf8.h"

#ifndef VX_VERSION
#define VX_VERSION "0.0.0"
#endif

#define SIG VXR_CK_SIG

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


static void describe_w(FILE *out, const vx_params *p, const vxr_source *src, const syms *y, int utf8, vxf_style st)
{
	char num[64], path[4 * 50 + 8];   /* 50 columns of up to 4 bytes */
	vxf_num(num, sizeof num, p->norm, 6, st);
	if (p->model[0]) {
		vxr_ck_model_file_line(out, p->model, utf8);
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
		fprintf(out, "U: drawn from the seed %lu\n", p->seed);
	} else {
		const char *how = p->init == VX_INIT_ORTHOGONAL ? "orthogonal (Q of a QR)"
		                  : p->init == VX_INIT_IDENTITY ? "identity"
		                                                 : "gaussian N(0,1) entries";
		fprintf(out, "W: %s, scaled to %s = %s\n", how, y->normW, num);
	}
	if (src)
		vxr_ck_source_inputs(out, src, p, p->steps, p->inputs, "b = 0, s_0 = 0", utf8, st);
	else
		vxr_ck_inputs_line(out, p, "b = 0, s_0 = 0", utf8, st);
}

vx_status vxr_check_text(FILE *out, const vxr_check *c, int utf8, vx_error *err)
{
	if (!out || !c || !c->params || !c->model || !c->result)
		return vx_fail(err, VX_EINTERNAL, "vxr_check_text: bad arguments");
	vx_status ready = vxr_ck_fd_ready(c->fd_wait, c->fd_ctx, err);
	if (ready != VX_OK)
		return ready;
	const vx_params *p = c->params;
	const vx_result *r = c->result;
	const syms *y = utf8 ? &sym_utf8 : &sym_ascii;
	vxf_style st = utf8 ? VXF_UNICODE : VXF_ASCII;
	char a[64], b[64], d[64];

	char origin[4 * 80 + 24];
	int used = fprintf(out, "vanex %s check: activation %s, ", VX_VERSION, vx_act_name(c->model->act));
	fprintf(out, "%s\n", vxr_ck_origin(origin, sizeof origin, p, used, utf8));
	fprintf(out, "sizes: d = %zu hidden, n = %zu input%s, T = %zu step%s, loss at t = %zu\n",
	        c->model->d, c->model->n, vxr_ck_s(c->model->n), c->model->T, vxr_ck_s(c->model->T), r->t);
	describe_w(out, p, c->src, y, utf8, st);
	vxf_num(a, sizeof a, r->gamma, 6, st);
	vxf_num(b, sizeof b, r->lambda, 6, st);
	vxr_gl_num(d, sizeof d, r, 6, st);
	/* on one line while it fits 80 columns (λ near the smallest normal
	 * double takes 12 in ASCII), else γλ on a line of its own */
	char line[3 * 80];
	snprintf(line, sizeof line, "%s = max %s = %s    %s = %s = %s    %s = %s", y->gamma, y->sigmap, a, y->lambda,
	         y->normW, b, y->gl, d);
	if (vxr_u8_width(line) > 80)
		snprintf(line, sizeof line, "%s = max %s = %s    %s = %s = %s\n%s = %s", y->gamma, y->sigmap, a,
		         y->lambda, y->normW, b, y->gl, d);
	fprintf(out, "%s\n", line);
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
	size_t nrows;
	size_t *gaps = vxr_ck_gaps(r->t, &nrows);
	if (!gaps)
		return vx_fail(err, VX_ENOMEM, "out of memory");
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
	vxr_ck_lyap_line(out, vx_result_lyap(r), c->model->T, st);
	fprintf(out, "  against its bound ln(%s) = %s\n", y->gl, b);
	char v[160];
	vxr_verdict(r, utf8 ? VXR_NOTE_UNICODE : VXR_NOTE_ASCII, v, sizeof v);
	fprintf(out, "verdict: %s\n", v);

	if (c->fd)
		vxr_ck_fd_text(out, c->fd, utf8, st);
	if (fflush(out) != 0 || ferror(out))
		return vx_fail(err, VX_EIO, "cannot write the output: %s", strerror(errno));
	return VX_OK;
}
