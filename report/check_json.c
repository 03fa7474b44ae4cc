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
#include <string.h>

#include "report/text/fmt.h"

#ifndef VX_VERSION
#define VX_VERSION "0.0.0"
#endif

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
	vxr_jw_member_str(w, "outcome", vxr_ck_fd_word(vxr_fd_overall(fd)));
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
		vxr_jw_member_str(w, "outcome", vxr_ck_fd_word(vxr_ck_net_fd_item(it)));
		vxr_jw_close(w, "}");
		left += it->left;
		kinked += it->at_kink;
	}
	vxr_jw_member_size(w, "unresolved", left);
	vxr_jw_member_size(w, "at_kink", kinked);
	vxr_jw_member(w, "tolerance", VXR_FD_TOL);
	vxr_fd_outcome o = vxr_ck_net_fd_overall(fd);
	vxr_jw_key(w, "pass");
	vxr_jw_put(w, o == VXR_FD_PASSED ? "true" : "false");
	vxr_jw_member_str(w, "outcome", vxr_ck_fd_word(o));
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
	if (r->grad_log10_scale == 0) {
		vxr_jw_member_matrix(&w, "grad_W", r->grad_W);
	} else {
		vxr_jw_member(&w, "grad_W", NAN);
		vxr_jw_member_matrix(&w, "grad_W_scaled", r->grad_W);
		vxr_jw_member(&w, "grad_W_log10_scale", r->grad_log10_scale);
	}
	vxr_jw_member(&w, "grad_norm", r->grad_norm.fits ? r->grad_norm.value : NAN);
	vxr_jw_member(&w, "log10_grad_norm", r->grad_norm.log10);
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
