/*
 * check_json.c — the JSON of `vanex check` (check.h: vxr_check_json,
 * vxr_net_check_json) and the writer that check_batch.c's JSON shares
 * (check_internal.h, vxr_jw_*).
 *
 * The JSON goes out as it is produced and is never held whole: at T = 10⁶
 * steps it is hundreds of megabytes, which a tree of JSON values multiplies
 * by about eight.  The bytes are those of jansson's json_dumpf with
 * JSON_REAL_PRECISION(17), which wrote it before: ", " and ": " between
 * items, members in the order written, reals as %.17g with ".0" added to an
 * integral value and the exponent without '+' or leading zeros.
 */
#include "report/check.h"
#include "report/check_internal.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "report/text/fmt.h"

#ifndef VX_VERSION
#define VX_VERSION "0.0.0"
#endif

/* s as it is; after a failed write nothing more, its errno kept. */
static void jw_put(vxr_jw *w, const char *s)
{
	if (!w->err && fputs(s, w->f) == EOF)
		w->err = errno ? errno : EIO;
}

/* The separator before an item of an array or object. */
void vxr_jw_sep(vxr_jw *w)
{
	if (!w->first)
		jw_put(w, ", ");
	w->first = 0;
}

void vxr_jw_open(vxr_jw *w, const char *bracket)
{
	jw_put(w, bracket);
	w->first = 1;
}

void vxr_jw_close(vxr_jw *w, const char *bracket)
{
	jw_put(w, bracket);
	w->first = 0;
}

/* A JSON string, escaped. */
static void jw_str(vxr_jw *w, const char *s)
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
void vxr_jw_key(vxr_jw *w, const char *name)
{
	vxr_jw_sep(w);
	jw_str(w, name);
	jw_put(w, ": ");
}

/* A real, or null when it is not finite (JSON has no NaN or infinity). */
static void jw_num(vxr_jw *w, double x)
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

/* An integer. */
static void jw_size(vxr_jw *w, size_t n)
{
	char b[32];
	snprintf(b, sizeof b, "%zu", n);
	jw_put(w, b);
}

/* "name": x (a real, or null). */
static void jw_member(vxr_jw *w, const char *name, double x)
{
	vxr_jw_key(w, name);
	jw_num(w, x);
}

void vxr_jw_member_size(vxr_jw *w, const char *name, size_t n)
{
	vxr_jw_key(w, name);
	jw_size(w, n);
}

void vxr_jw_member_str(vxr_jw *w, const char *name, const char *s)
{
	vxr_jw_key(w, name);
	jw_str(w, s);
}

/* name: true or false. */
static void jw_member_bool(vxr_jw *w, const char *name, int b)
{
	vxr_jw_key(w, name);
	jw_put(w, b ? "true" : "false");
}

/* The n members f of the struct at base, in order (check_internal.h's
 * vxr_jw_field). */
static void jw_fields(vxr_jw *w, const void *base, const vxr_jw_field *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *at = (const char *)base + f[i].at;
		if (f[i].size)
			vxr_jw_member_size(w, f[i].name, *(const size_t *)(const void *)at);
		else
			jw_member(w, f[i].name, *(const double *)(const void *)at);
	}
}

void vxr_jw_object(vxr_jw *w, const char *name, const void *base, const vxr_jw_field *f, size_t n)
{
	vxr_jw_key(w, name);
	vxr_jw_open(w, "{");
	jw_fields(w, base, f, n);
	vxr_jw_close(w, "}");
}

/* name and log10_name for a magnitude. */
static void jw_mag(vxr_jw *w, const char *name, vx_mag m)
{
	char key[64];
	snprintf(key, sizeof key, "log10_%s", name);
	jw_member(w, name, m.fits ? m.value : NAN);
	jw_member(w, key, m.log10);
}

void vxr_jw_vector(vxr_jw *w, const double *v, size_t n, size_t stride)
{
	vxr_jw_open(w, "[");
	for (size_t i = 0; i < n; i++) {
		vxr_jw_sep(w);
		jw_num(w, v[i * stride]);
	}
	vxr_jw_close(w, "]");
}

static void jw_member_vector(vxr_jw *w, const char *name, const gsl_vector *v)
{
	vxr_jw_key(w, name);
	vxr_jw_vector(w, v->data, v->size, v->stride);
}

/* Row by row, stopping at the first failed write (a full disk is not
 * filled with the rest of a 10⁶-row matrix). */
static void jw_matrix(vxr_jw *w, const gsl_matrix *m)
{
	vxr_jw_open(w, "[");
	for (size_t i = 0; i < m->size1 && !w->err; i++) {
		vxr_jw_sep(w);
		vxr_jw_vector(w, m->data + i * m->tda, m->size2, 1);
	}
	vxr_jw_close(w, "]");
}

static void jw_member_matrix(vxr_jw *w, const char *name, const gsl_matrix *m)
{
	vxr_jw_key(w, name);
	jw_matrix(w, m);
}

/* The seed as an integer, which every seed --seed takes is; a larger one
 * (a hand-made record) as the real it is. */
static void jw_seed(vxr_jw *w, const vx_params *p)
{
	if (p->unseeded)
		jw_member(w, "seed", NAN);   /* null: a model file that records none, nothing drawn */
	else if (p->seed <= (unsigned long)LLONG_MAX)
		vxr_jw_member_size(w, "seed", p->seed);
	else
		jw_member(w, "seed", (double)p->seed);
}

/* params {...} of a network of L layers of cell (activation act for rnn)
 * with d hidden, n inputs, T steps and the loss at step t, made from p:
 * a vanilla layer's and a network's alike. */
static void jw_params(vxr_jw *w, const vx_params *p, vx_cell cell, vx_act act, size_t L, const size_t dnTt[4],
                      double forget_bias)
{
	static const char *const size_name[4] = { "hidden", "inputs", "steps", "t" };
	/* A file's weights keep their norm unless --norm was given: then there is no λ to report. */
	int norm_given = (p->set & VX_SET_NORM) || (!p->weights[0] && !p->model[0]);
	vxr_jw_key(w, "params");
	vxr_jw_open(w, "{");
	if (cell == VX_CELL_RNN)
		vxr_jw_member_str(w, "activation", vx_act_name(act));
	for (int i = 0; i < 4; i++)
		vxr_jw_member_size(w, size_name[i], dnTt[i]);
	/* null for what no draw made: weights or inputs from files */
	int wfile = p->weights[0] || (p->undrawn & VX_UNDRAWN_WEIGHTS);
	int xfile = p->inputs_file[0] || (p->undrawn & VX_UNDRAWN_INPUTS);
	jw_member(w, "norm", norm_given ? p->norm : NAN);
	if (wfile) {
		vxr_jw_key(w, "init");
		jw_put(w, "null");
	} else {
		vxr_jw_member_str(w, "init", vx_init_name(p->init));
	}
	jw_member(w, "input_scale", xfile ? NAN : p->input_scale);
	jw_seed(w, p);
	vxr_jw_member_str(w, "cell", vx_cell_name(cell));
	vxr_jw_member_size(w, "layers", L);
	if (cell != VX_CELL_RNN)
		jw_member(w, "forget_bias", wfile ? NAN : forget_bias);
	vxr_jw_close(w, "}");
}

static void jw_model(vxr_jw *w, const vx_model *m)
{
	vxr_jw_key(w, "model");
	vxr_jw_open(w, "{");
	vxr_jw_member_str(w, "cell", "rnn");
	vxr_jw_member_size(w, "layers", 1);
	vxr_jw_member_str(w, "activation", vx_act_name(m->act));
	jw_member_matrix(w, "W", m->W);
	jw_member_matrix(w, "U", m->U);
	jw_member_vector(w, "b", m->b);
	jw_member_vector(w, "s0", m->s0);
	jw_member_matrix(w, "x", m->x);
	jw_member_vector(w, "y", m->y);
	vxr_jw_close(w, "}");
}

/* A path's object opened, with what every kind of result has. */
static void jw_path_head(vxr_jw *w, size_t k, size_t gap, vx_mag norm, vx_mag step_product, vx_mag bound)
{
	vxr_jw_sep(w);
	vxr_jw_open(w, "{");
	vxr_jw_member_size(w, "k", k);
	vxr_jw_member_size(w, "gap", gap);
	jw_mag(w, "norm", norm);
	jw_mag(w, "step_product", step_product);
	jw_mag(w, "bound", bound);
}

/* Closes the object, ends the line, flushes: VX_EIO when any write failed. */
vx_status vxr_jw_finish(vxr_jw *w, vx_error *err)
{
	vxr_jw_close(w, "}");
	jw_put(w, "\n");
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
		jw_member_matrix(w, name, G);
		return;
	}
	jw_member(w, name, NAN);
	snprintf(key, sizeof key, "%s_scaled", name);
	jw_member_matrix(w, key, G);
	snprintf(key, sizeof key, "%s_log10_scale", name);
	jw_member(w, key, log10_scale);
}

static void jw_paths(vxr_jw *w, const vx_result *r)
{
	vxr_jw_key(w, "paths");
	vxr_jw_open(w, "[");
	for (size_t i = 0; i < r->t && !w->err; i++) {
		const vx_path *ph = &r->paths[i];
		jw_path_head(w, ph->k, ph->gap, ph->norm, ph->step_product, ph->bound);
		jw_mag(w, "contribution", ph->contribution);
		vxr_jw_close(w, "}");
	}
	vxr_jw_close(w, "]");
}

/* "fd_check": null without fd (returns 0), else its object opened (1). */
static int jw_fd_open(vxr_jw *w, const void *fd)
{
	vxr_jw_key(w, "fd_check");
	if (!fd) {
		jw_put(w, "null");
		return 0;
	}
	vxr_jw_open(w, "{");
	return 1;
}

/* The end of fd_check: the tolerance, pass and the outcome o. */
static void jw_fd_close(vxr_jw *w, vxr_fd_outcome o)
{
	jw_member(w, "tolerance", VXR_FD_TOL);
	jw_member_bool(w, "pass", o == VXR_FD_PASSED);
	vxr_jw_member_str(w, "outcome", vxr_ck_fd_word(o));
	vxr_jw_close(w, "}");
}

static void jw_fd(vxr_jw *w, const vx_fdcheck *fd)
{
	static const vxr_jw_field field[] = {
		VXR_JW_REAL(vx_fdcheck, dsda), VXR_JW_REAL(vx_fdcheck, dads), VXR_JW_REAL(vx_fdcheck, dsds),
		VXR_JW_REAL(vx_fdcheck, dLdW), VXR_JW_SIZE(vx_fdcheck, j), VXR_JW_SIZE(vx_fdcheck, k),
		VXR_JW_SIZE(vx_fdcheck, dLdW_entries), VXR_JW_SIZE(vx_fdcheck, unresolved), VXR_JW_SIZE(vx_fdcheck, at_kink)
	};
	if (!jw_fd_open(w, fd))
		return;
	jw_fields(w, fd, field, sizeof field / sizeof *field);
	/* vxr_fd_overall passes exactly when vxr_fd_pass does (check.h) */
	jw_fd_close(w, vxr_fd_overall(fd));
}

/* name and log10_name for n magnitudes (every stride-th of m: one per layer
 * or per step), as two arrays. */
static void jw_mags(vxr_jw *w, const char *name, const vx_mag *m, size_t n, size_t stride)
{
	char key[64];
	vxr_jw_key(w, name);
	vxr_jw_open(w, "[");
	for (size_t i = 0; i < n; i++) {
		vxr_jw_sep(w);
		jw_num(w, m[i * stride].fits ? m[i * stride].value : NAN);
	}
	vxr_jw_close(w, "]");
	snprintf(key, sizeof key, "log10_%s", name);
	vxr_jw_key(w, key);
	vxr_jw_open(w, "[");
	for (size_t i = 0; i < n; i++) {
		vxr_jw_sep(w);
		jw_num(w, m[i * stride].log10);
	}
	vxr_jw_close(w, "]");
}

/* Where a check's weights and inputs came from (check.h's vxr_source):
 *   source {weights: {file, format, module, dtype, directions, direction}
 *     or null, inputs: {file, sequences} or {generated: true, input_scale,
 *     seed}, target: "zero" or "drawn"} */
static void jw_source(vxr_jw *w, const vxr_source *src, const vx_params *p)
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
	} else if (p->weights[0]) {
		/* one square W (weight_hh) from .npy or .csv; the rest drawn */
		vxr_jw_open(w, "{");
		vxr_jw_member_str(w, "file", p->weights);
		vxr_jw_member_str(w, "format", "W");
		vxr_jw_close(w, "}");
	} else {
		jw_put(w, "null");
	}
	vxr_jw_key(w, "inputs");
	vxr_jw_open(w, "{");
	if (src->inputs[0]) {
		vxr_jw_member_str(w, "file", src->inputs);
		vxr_jw_member_size(w, "sequences", src->B);
		vxr_jw_member_str(w, "layout", p->seq_first ? "tbn" : "btn");
	} else {
		jw_member_bool(w, "generated", 1);
		jw_member(w, "input_scale", p->input_scale);
		jw_seed(w, p);
	}
	vxr_jw_close(w, "}");
	vxr_jw_member_str(w, "target", src->zero_target ? "zero" : "drawn");
	vxr_jw_close(w, "}");
}


/* The parameters of every layer under PyTorch's names, each M × scale
 * (grads: vx_net_grad, the same shapes as the weights); a network without
 * biases has only its weights, as its state_dict. */
static void jw_net_weights(vxr_jw *w, const vx_net *net, const vx_net_grad *g)
{
	for (size_t l = 0; l < net->L && !w->err; l++) {
		char key[32];
		const gsl_matrix *M[2] = { g ? g[l].w_ih : net->layer[l].w_ih, g ? g[l].w_hh : net->layer[l].w_hh };
		const gsl_vector *v[2] = { g ? g[l].b_ih : net->layer[l].b_ih, g ? g[l].b_hh : net->layer[l].b_hh };
		static const char *const name[4] = { "weight_ih", "weight_hh", "bias_ih", "bias_hh" };
		for (int q = 0; q < (net->no_bias ? 2 : 4); q++) {
			snprintf(key, sizeof key, "%s_l%zu", name[q], l);
			if (q < 2)
				jw_member_matrix(w, key, M[q]);
			else
				jw_member_vector(w, key, v[q - 2]);
		}
	}
}

/* name {...}: every parameter's gradient under PyTorch's names; when they
 * do not fit a double, name is null and name_scaled {...} × 10^name_log10_scale
 * holds them. */
static void jw_net_grads(vxr_jw *w, const vx_net *net, const char *name, const vx_net_grad *g, double l10)
{
	char key[48];
	if (l10 != 0)
		jw_member(w, name, NAN);
	snprintf(key, sizeof key, l10 == 0 ? "%s" : "%s_scaled", name);
	vxr_jw_key(w, key);
	vxr_jw_open(w, "{");
	jw_net_weights(w, net, g);
	vxr_jw_close(w, "}");
	if (l10 != 0) {
		snprintf(key, sizeof key, "%s_log10_scale", name);
		jw_member(w, key, l10);
	}
}

/* h0 or c0 of every layer: L rows of d, as PyTorch stacks them. */
static void jw_net_start(vxr_jw *w, const vx_net *net, int c0)
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

/* model {...}: the network's weights, h0 (c0) and y, and x when with_x. */
static void jw_net_model(vxr_jw *w, const vx_net *net, int with_x)
{
	vxr_jw_key(w, "model");
	vxr_jw_open(w, "{");
	vxr_jw_member_str(w, "cell", vx_cell_name(net->cell));
	vxr_jw_member_size(w, "layers", net->L);
	if (net->cell == VX_CELL_RNN)
		vxr_jw_member_str(w, "activation", vx_act_name(net->act));
	jw_net_weights(w, net, NULL);
	jw_net_start(w, net, 0);
	if (net->cell == VX_CELL_LSTM)
		jw_net_start(w, net, 1);
	if (with_x)
		jw_member_matrix(w, "x", net->x);
	jw_member_vector(w, "y", net->y);
	vxr_jw_close(w, "}");
}

/* Each layer's h (or c) at every step: L arrays of T rows of d. */
static void jw_net_states(vxr_jw *w, const vx_net_result *r, int c)
{
	vxr_jw_key(w, c ? "c" : "h");
	vxr_jw_open(w, "[");
	for (size_t l = 0; l < r->L && !w->err; l++) {
		vxr_jw_sep(w);
		jw_matrix(w, c ? r->fwd->layer[l].c : r->fwd->layer[l].h);
	}
	vxr_jw_close(w, "]");
}

static void jw_net_paths(vxr_jw *w, const vx_net_result *r)
{
	size_t L = r->L;
	vxr_jw_key(w, "paths");
	vxr_jw_open(w, "[");
	for (size_t i = 0; i < r->t && !w->err; i++) {
		const vx_net_path *ph = &r->paths[i];
		jw_path_head(w, ph->k, ph->gap, ph->norm, ph->step_product, ph->bound);
		jw_mags(w, "h_norm", r->h_norm + i * L, L, 1);
		if (r->c_norm)
			jw_mags(w, "c_norm", r->c_norm + i * L, L, 1);
		jw_mags(w, "contribution", r->contribution + i * L, L, 1);
		vxr_jw_close(w, "}");
	}
	vxr_jw_close(w, "]");
}

void vxr_jw_layers(vxr_jw *w, const vx_net *net, size_t L, vxr_jw_layer_fn *fig, const void *ctx)
{
	vxr_jw_key(w, "layers");
	vxr_jw_open(w, "[");
	for (size_t l = 0; l < L; l++) {
		vxr_jw_sep(w);
		vxr_jw_open(w, "{");
		vxr_jw_member_size(w, "layer", l);
		fig(w, ctx, NULL, VXR_JW_LAYER, l, 0);
		vxr_jw_key(w, "gates");
		vxr_jw_open(w, "[");
		for (size_t g = 0; g < net->G; g++) {
			vxr_jw_sep(w);
			vxr_jw_open(w, "{");
			vxr_jw_member_str(w, "gate", vx_cell_gate_name(net->cell, g));
			fig(w, ctx, NULL, VXR_JW_GATE, l, g);
			fig(w, ctx, "saturated_low", VXR_JW_LOW, l, g);
			fig(w, ctx, "saturated_high", VXR_JW_HIGH, l, g);
			vxr_jw_close(w, "}");
		}
		vxr_jw_close(w, "]");
		if (net->cell == VX_CELL_LSTM)
			fig(w, ctx, "cell_saturated", VXR_JW_CELL, l, 0);
		if (vxr_ck_keep_gate(net->cell)) {
			vxr_jw_member_str(w, "keep_gate", vxr_ck_keep_gate(net->cell));
			fig(w, ctx, "keep_mean", VXR_JW_KEEP_MEAN, l, 0);
			fig(w, ctx, "keep_sd", VXR_JW_KEEP_SD, l, 0);
		}
		vxr_jw_close(w, "}");
	}
	vxr_jw_close(w, "]");
}

/* The figures of one sequence's layers (ctx: its vx_net_result), and the
 * weights' spectra and the gradient of weight_hh besides. */
static void net_layer_fig(vxr_jw *w, const void *ctx, const char *name, vxr_jw_fig f, size_t l, size_t g)
{
	const vx_net_result *r = ctx;
	const vx_net_layer_stats *s = &r->stats[l];
	if (f == VXR_JW_LAYER) {
		jw_member(w, "sigma_hh", s->sigma_hh);
		jw_member(w, "sigma_ih", s->sigma_ih);
		jw_mag(w, "grad_hh_norm", r->grad_hh_norm[l]);
	} else if (f == VXR_JW_GATE) {
		jw_member(w, "sigma_hh", s->gate_sigma_hh[g]);
		jw_member(w, "sigma_ih", s->gate_sigma_ih[g]);
		jw_member(w, "radius", s->gate_radius[g]);
	} else {
		jw_member(w, name, f == VXR_JW_LOW ? s->gate_low[g] : f == VXR_JW_HIGH ? s->gate_high[g]
		                       : f == VXR_JW_CELL ? s->cell_sat : f == VXR_JW_KEEP_MEAN ? s->keep_mean : s->keep_sd);
	}
}

void vxr_jw_net_fd(vxr_jw *w, const vx_net *net, const vx_net_fdjudge *fd)
{
	static const char *const name[4] = { "weight_ih", "weight_hh", "bias_ih", "bias_hh" };
	static const char *const item[VX_NET_FD_ITEMS] = { "J", "dSdS", "grads" };
	static const vxr_jw_field head[] = {
		VXR_JW_SIZE(vx_net_fdjudge, j), VXR_JW_SIZE(vx_net_fdjudge, k), VXR_JW_SIZE(vx_net_fdjudge, kinks),
		VXR_JW_SIZE(vx_net_fdjudge, columns)
	};
	static const vxr_jw_field field[] = {
		VXR_JW_REAL(vx_net_fditem, error), VXR_JW_SIZE(vx_net_fditem, compared), VXR_JW_SIZE(vx_net_fditem, failed),
		{ "unresolved", offsetof(vx_net_fditem, left), 1 }, VXR_JW_SIZE(vx_net_fditem, at_kink)
	};
	size_t left = 0, kinked = 0;
	if (!jw_fd_open(w, fd))
		return;
	jw_fields(w, fd, head, sizeof head / sizeof *head);
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
		for (int q = 0; q < (net->no_bias ? 2 : 4); q++) {
			char key[32];
			snprintf(key, sizeof key, "%s_l%zu", name[q], l);
			jw_member(w, key, fd->param[4 * l + (size_t)q]);
		}
	vxr_jw_close(w, "}");
	for (int q = 0; q < VX_NET_FD_ITEMS; q++) {
		const vx_net_fditem *it = &fd->item[q];
		vxr_jw_key(w, item[q]);
		vxr_jw_open(w, "{");
		jw_fields(w, it, field, sizeof field / sizeof *field);
		vxr_jw_member_str(w, "outcome", vxr_ck_fd_word(vxr_ck_net_fd_item(it)));
		vxr_jw_close(w, "}");
		left += it->left;
		kinked += it->at_kink;
	}
	vxr_jw_member_size(w, "unresolved", left);
	vxr_jw_member_size(w, "at_kink", kinked);
	jw_fd_close(w, vxr_ck_net_fd_overall(fd));
}

void vxr_jw_net_result(vxr_jw *w, const vx_net *net, const vx_net_result *r)
{
	jw_net_states(w, r, 0);
	if (net->cell == VX_CELL_LSTM)
		jw_net_states(w, r, 1);
	jw_mag(w, "loss", r->loss);
	jw_net_paths(w, r);
	jw_mags(w, "step_norm", r->step_norm, r->T, 1);
	jw_mags(w, "step_bound", r->step_bound, r->T, 1);
	jw_net_grads(w, net, "grads", r->grad, r->grad_log10_scale);
	jw_mag(w, "grad_norm", r->grad_norm);
	/* the summed loss L = Σ_t L_t, which training uses */
	jw_mag(w, "loss_sum", r->loss_sum);
	jw_net_grads(w, net, "grads_sum", r->grad_sum, r->grad_sum_log10_scale);
	jw_mag(w, "grad_sum_norm", r->grad_sum_norm);
	vxr_jw_layers(w, net, net->L, net_layer_fig, r);
	vxr_jw_key(w, "horizon");
	vxr_jw_open(w, "{");
	vxr_jw_member_str(w, "kind", r->horizon_kind == VX_HORIZON_VANISH    ? "vanish"
	                          : r->horizon_kind == VX_HORIZON_EXPLODE ? "explode"
	                                                                  : "none");
	if (r->horizon_kind == VX_HORIZON_NONE)
		jw_member(w, "gap", NAN);
	else
		vxr_jw_member_size(w, "gap", r->horizon);
	jw_member(w, "low", VX_HORIZON_LOW);
	jw_member(w, "high", VX_HORIZON_HIGH);
	vxr_jw_close(w, "}");
	vxr_jw_key(w, "lyapunov");
	vxr_jw_open(w, "{");
	jw_member(w, "max_exponent", r->lyap_max);
	vxr_jw_key(w, "top");
	vxr_jw_vector(w, r->lyap_top, r->lyap_count, 1);
	jw_member(w, "bound", r->lyap_bound);
	if (r->lyap_max == -INFINITY)
		vxr_jw_member_str(w, "reason", "-infinity: the product of the Jacobians is exactly 0");
	jw_member_bool(w, "estimate", 1);
	vxr_jw_close(w, "}");
	jw_member(w, "rate", r->rate);
	vxr_jw_member_str(w, "verdict", vxr_trend_name(vxr_net_verdict(r, VXR_NOTE_ASCII, NULL, 0)));
	/* only where derivatives underflowed (vx_net_result.underflow_steps) */
	if (r->underflow_steps > 0)
		vxr_jw_member_size(w, "underflow_steps", r->underflow_steps);
	/* only where a stack's layer block was lost beside the whole */
	if (r->block_underflow > 0)
		vxr_jw_member_size(w, "block_underflow", r->block_underflow);
}

void vxr_jw_net_head(vxr_jw *w, const vxr_net_check *c, int with_x)
{
	const vx_net *net = c->net;
	const size_t dnTt[4] = { net->d, net->n, net->T, c->result->t };
	vxr_jw_open(w, "{");
	jw_params(w, c->params, net->cell, net->act, net->L, dnTt, c->spec->forget_bias);
	vxr_jw_member_str(w, "version", VX_VERSION);
	vxr_jw_member_size(w, "state_size", net->D);
	vxr_jw_member_str(w, "bound_kind", c->result->bound_kind == VX_NET_BOUND_GATES ? "gates" : "gamma_lambda");
	jw_source(w, c->src, c->params);
	jw_net_model(w, net, with_x);
}

/* The end of a check's JSON whose finite-difference check came back with
 * fst: a check that failed (out of memory, a product beyond a double) was
 * written as "fd_check": null and ends the document all the same, so that
 * a stream already on its way (standard output, a pipe) is one whole JSON
 * object; its status, with err saying why, is the call's (a regular file
 * is then not committed). */
static vx_status fd_finish(vxr_jw *w, vx_status fst, vx_error *err)
{
	vx_error werr = { 0 };
	vx_status st = vxr_jw_finish(w, &werr);
	if (fst != VX_OK)
		return fst;
	if (st != VX_OK)
		*err = werr;
	return st;
}

vx_status vxr_net_check_json(FILE *out, const vxr_net_check *c, vx_error *err)
{
	if (!out || !c || !c->params || !c->spec || !c->net || !c->result)
		return vx_fail(err, VX_EINTERNAL, "vxr_net_check_json: bad arguments");
	vxr_jw w = { out, 0, 1 };
	vxr_jw_net_head(&w, c, 1);
	vxr_jw_net_result(&w, c->net, c->result);
	vx_status fst = vxr_ck_fd_ready(c->fd_wait, c->fd_ctx, err);
	vxr_jw_net_fd(&w, c->net, fst == VX_OK ? c->fd : NULL);
	return fd_finish(&w, fst, err);
}

vx_status vxr_check_json(FILE *out, const vxr_check *c, vx_error *err)
{
	if (!out || !c || !c->params || !c->model || !c->result)
		return vx_fail(err, VX_EINTERNAL, "vxr_check_json: bad arguments");
	const vx_model *m = c->model;
	const vx_result *r = c->result;
	const size_t dnTt[4] = { m->d, m->n, m->T, r->t };
	vxr_jw w = { out, 0, 1 };

	vxr_jw_open(&w, "{");
	jw_params(&w, c->params, VX_CELL_RNN, m->act, 1, dnTt, 0);
	vxr_jw_member_str(&w, "version", VX_VERSION);
	jw_member(&w, "gamma", r->gamma);
	jw_member(&w, "lambda", r->lambda);
	vxr_jw_member_str(&w, "regime", vx_regime_name(vx_result_regime(r)));
	jw_source(&w, c->src, c->params);
	jw_model(&w, m);
	jw_member_matrix(&w, "a", r->a);
	jw_member_matrix(&w, "s", r->s);
	jw_mag(&w, "loss", r->loss);
	jw_paths(&w, r);
	jw_gradient(&w, "grad_W", r->grad_W, r->grad_log10_scale);
	jw_member(&w, "grad_norm", r->grad_norm.fits ? r->grad_norm.value : NAN);
	jw_member(&w, "log10_grad_norm", r->grad_norm.log10);
	/* the summed loss L = Σ_t L_t, which training uses */
	jw_mag(&w, "loss_sum", r->loss_sum);
	jw_gradient(&w, "grad_sum_W", r->grad_sum_W, r->grad_sum_log10_scale);
	jw_mag(&w, "grad_sum_norm", r->grad_sum_norm);
	jw_mag(&w, "grad_sum_near", r->grad_sum_near);
	jw_mag(&w, "grad_sum_far", r->grad_sum_far);
	vxr_jw_key(&w, "lyapunov");
	vxr_jw_open(&w, "{");
	jw_member(&w, "max_exponent", vx_result_lyap(r));
	jw_member(&w, "bound", vx_result_ln_gl(r));
	/* −∞ is not a JSON number: null, and why */
	if (r->lyap_max == -INFINITY)
		vxr_jw_member_str(&w, "reason", r->lyap_bound == -INFINITY
		                                ? "-infinity: the product of the Jacobians is exactly 0, as is gamma*lambda"
		                                : "-infinity: the product of the Jacobians is exactly 0");
	vxr_jw_close(&w, "}");
	jw_member(&w, "rate", r->rate);
	vxr_jw_member_str(&w, "verdict", vxr_trend_name(vxr_verdict(r, VXR_NOTE_ASCII, NULL, 0)));
	vx_status fst = vxr_ck_fd_ready(c->fd_wait, c->fd_ctx, err);
	jw_fd(&w, fst == VX_OK ? c->fd : NULL);
	return fd_finish(&w, fst, err);
}
