/*
 * net.c — stacked vanilla, LSTM and GRU layers: allocation, generation from
 * the teaching options, and the forward pass (see net.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_randist.h>
#include "engine/init.h"
#include "engine/linalg.h"
#include "engine/net.h"

static const char *const CELL_NAME[VX_CELL_COUNT] = { "rnn", "lstm", "gru" };

const char *vx_cell_name(vx_cell c)
{
	return (unsigned)c < VX_CELL_COUNT ? CELL_NAME[c] : "?";
}

int vx_cell_parse(const char *name, vx_cell *out)
{
	for (unsigned c = 0; c < VX_CELL_COUNT; c++)
		if (name && strcmp(name, CELL_NAME[c]) == 0) {
			*out = (vx_cell)c;
			return 0;
		}
	return -1;
}

size_t vx_cell_gates(vx_cell c)
{
	return c == VX_CELL_LSTM ? 4 : c == VX_CELL_GRU ? 3 : 1;
}

const char *vx_cell_gate_name(vx_cell c, size_t g)
{
	static const char *const lstm[] = { "i", "f", "g", "o" }, *const gru[] = { "r", "z", "n" };
	if (g >= vx_cell_gates(c))
		return NULL;
	return c == VX_CELL_LSTM ? lstm[g] : c == VX_CELL_GRU ? gru[g] : "h";
}

/* ---- allocation ---- */

void vx_net_free(vx_net *net)
{
	if (!net)
		return;
	for (size_t l = 0; net->layer && l < net->L; l++) {
		vx_net_layer *ly = &net->layer[l];
		gsl_matrix_free(ly->w_ih);
		gsl_matrix_free(ly->w_hh);
		gsl_vector_free(ly->b_ih);
		gsl_vector_free(ly->b_hh);
		gsl_vector_free(ly->h0);
		gsl_vector_free(ly->c0);
	}
	free(net->layer);
	gsl_matrix_free(net->x);
	gsl_vector_free(net->y);
	free(net);
}

vx_net *vx_net_alloc(vx_cell cell, vx_act act, size_t L, size_t d, size_t n, size_t T)
{
	if ((unsigned)cell >= VX_CELL_COUNT || (unsigned)act >= VX_ACT_COUNT || L == 0 ||
	    L > VX_MAX_LAYERS || d == 0 || n == 0 || T == 0)
		return NULL;
	vx_net *net = calloc(1, sizeof *net);
	if (!net)
		return NULL;
	net->cell = cell;
	net->act = act;
	net->L = L;
	net->d = d;
	net->n = n;
	net->T = T;
	net->G = vx_cell_gates(cell);
	net->Ds = cell == VX_CELL_LSTM ? 2 * d : d;
	net->D = L * net->Ds;
	net->layer = calloc(L, sizeof *net->layer);
	net->x = gsl_matrix_calloc(T, n);
	net->y = gsl_vector_calloc(d);
	if (!net->layer || !net->x || !net->y) {
		vx_net_free(net);
		return NULL;
	}
	size_t gd = net->G * d;
	for (size_t l = 0; l < L; l++) {
		vx_net_layer *ly = &net->layer[l];
		ly->w_ih = gsl_matrix_calloc(gd, l == 0 ? n : d);
		ly->w_hh = gsl_matrix_calloc(gd, d);
		ly->b_ih = gsl_vector_calloc(gd);
		ly->b_hh = gsl_vector_calloc(gd);
		ly->h0 = gsl_vector_calloc(d);
		if (cell == VX_CELL_LSTM)
			ly->c0 = gsl_vector_calloc(d);
		if (!ly->w_ih || !ly->w_hh || !ly->b_ih || !ly->b_hh || !ly->h0 ||
		    (cell == VX_CELL_LSTM && !ly->c0)) {
			vx_net_free(net);
			return NULL;
		}
	}
	return net;
}

size_t vx_net_bytes(vx_cell cell, size_t L, size_t d, size_t n, size_t T)
{
	/* as vx_net_alloc: per layer weight_ih (G·d × n_l), weight_hh, the two
	 * biases, h0 and c0; x and y; the structs */
	double G = (double)vx_cell_gates(cell), dd = (double)d, Ld = (double)L;
	double per = G * dd * dd + 2 * G * dd + dd + (cell == VX_CELL_LSTM ? dd : 0);
	double w_ih = G * dd * (double)n + (Ld - 1) * G * dd * dd;
	double b = sizeof(vx_net) + Ld * (sizeof(vx_net_layer) + 6 * (sizeof(gsl_matrix) + sizeof(gsl_block))) +
	           (Ld * per + w_ih + (double)T * (double)n + dd) * sizeof(double);
	return b < (double)SIZE_MAX ? (size_t)b : SIZE_MAX;
}

vx_net *vx_net_clone(const vx_net *net)
{
	if (!net)
		return NULL;
	vx_net *c = vx_net_alloc(net->cell, net->act, net->L, net->d, net->n, net->T);
	if (!c)
		return NULL;
	for (size_t l = 0; l < net->L; l++) {
		const vx_net_layer *s = &net->layer[l];
		vx_net_layer *t = &c->layer[l];
		gsl_matrix_memcpy(t->w_ih, s->w_ih);
		gsl_matrix_memcpy(t->w_hh, s->w_hh);
		gsl_vector_memcpy(t->b_ih, s->b_ih);
		gsl_vector_memcpy(t->b_hh, s->b_hh);
		gsl_vector_memcpy(t->h0, s->h0);
		if (s->c0)
			gsl_vector_memcpy(t->c0, s->c0);
	}
	gsl_matrix_memcpy(c->x, net->x);
	gsl_vector_memcpy(c->y, net->y);
	c->no_bias = net->no_bias;
	return c;
}

void vx_net_spec_default(vx_net_spec *s)
{
	s->cell = VX_CELL_RNN;
	s->layers = 1;
	s->forget_bias = 0;
}

/* ---- generation ---- */

vx_status vx_net_build(const vx_params *p, const vx_net_spec *spec, vx_net **out, vx_error *err)
{
	*out = NULL;
	vx_status st = vx_params_check(p, err);
	if (st)
		return st;
	if (p->weights[0] || p->model[0])
		return vx_fail_at(err, p->weights[0] ? VX_PARAM_WEIGHTS : VX_PARAM_MODEL, VX_EUSAGE,
		                  "the file %s is read by the caller, not by vx_net_build",
		                  p->weights[0] ? p->weights : p->model);
	if ((unsigned)spec->cell >= VX_CELL_COUNT)
		return vx_fail_at(err, VX_PARAM_CELL, VX_EUSAGE, "the cell must be rnn, lstm or gru, got %u",
		                  (unsigned)spec->cell);
	if (spec->layers < 1 || spec->layers > VX_MAX_LAYERS)
		return vx_fail_at(err, VX_PARAM_LAYERS, VX_EUSAGE, "the number of layers L must be from 1 to %u, got %zu",
		                  VX_MAX_LAYERS, spec->layers);
	if (!isfinite(spec->forget_bias))
		return vx_fail_at(err, VX_PARAM_FORGET_BIAS, VX_EUSAGE, "the forget-gate bias B must be finite, got %g",
		                  spec->forget_bias);
	if (spec->cell == VX_CELL_RNN && spec->forget_bias != 0)
		return vx_fail_at(err, VX_PARAM_FORGET_BIAS, VX_EUSAGE,
		                  "the forget-gate bias B = %g needs an lstm or gru cell: the rnn cell has no forget gate",
		                  spec->forget_bias);

	size_t d = p->hidden, L = spec->layers;
	vx_net *net = vx_net_alloc(spec->cell, p->act, L, d, p->inputs, p->steps);
	gsl_rng *g = vx_rng_alloc(p->seed);
	if (!net || !g) {
		st = vx_fail(err, VX_ENOMEM, "out of memory for a network of d = %zu, L = %zu, T = %zu", d, L,
		             p->steps);
		goto fail;
	}
	/* the draws and arithmetic of vx_model_build's, so that one vanilla
	 * layer gets its W, U, x and y bit for bit */
	for (size_t l = 0; l < L; l++) {
		vx_net_layer *ly = &net->layer[l];
		for (size_t q = 0; q < net->G; q++) {
			gsl_matrix_view B = gsl_matrix_submatrix(ly->w_hh, q * d, 0, d, d);
			if ((st = vx_draw_weights(&B.matrix, p->init, p->norm, g, err)))
				goto fail;
		}
		vx_fill_gaussian(ly->w_ih, g, 1.0 / sqrt((double)ly->w_ih->size2));
		/* the gate that keeps memory: f (rows d..2d−1) of the LSTM, z of the GRU */
		if (spec->cell != VX_CELL_RNN)
			for (size_t i = 0; i < d; i++)
				gsl_vector_set(ly->b_ih, d + i, spec->forget_bias);
	}
	vx_fill_gaussian(net->x, g, 1.0);
	if (p->input_scale == 0)
		gsl_matrix_set_zero(net->x);
	else
		gsl_matrix_scale(net->x, p->input_scale);
	vx_act ya = spec->cell == VX_CELL_RNN ? p->act : VX_TANH;
	for (size_t i = 0; i < d; i++)
		gsl_vector_set(net->y, i, vx_act_f(ya, gsl_ran_gaussian(g, 1.0)));
	gsl_rng_free(g);
	*out = net;
	return VX_OK;
fail:
	gsl_rng_free(g);
	vx_net_free(net);
	return st;
}

vx_status vx_net_set_norm(vx_net *net, double lambda, vx_error *err)
{
	size_t d = net->d;
	for (size_t l = 0; l < net->L; l++)
		for (size_t q = 0; q < net->G; q++) {
			/* each block scaled as vx_net_build scales a generated one */
			gsl_matrix_view B = gsl_matrix_submatrix(net->layer[l].w_hh, q * d, 0, d, d);
			vx_error e = { 0 };
			vx_status st = vx_matrix_set_norm(&B.matrix, lambda, &e);
			if (st)
				return vx_fail_at(err, e.param, st, "weight_hh_l%zu, gate %s: %s", l,
				                  vx_cell_gate_name(net->cell, q), e.msg);
		}
	return VX_OK;
}

vx_status vx_net_from_model(const vx_model *m, vx_net **out, vx_error *err)
{
	*out = NULL;
	if (!m || !m->W || !m->U || !m->b || !m->s0 || !m->x || !m->y)
		return vx_fail(err, VX_EINTERNAL, "incomplete model");
	vx_net *net = vx_net_alloc(VX_CELL_RNN, m->act, 1, m->d, m->n, m->T);
	if (!net)
		return vx_fail(err, VX_ENOMEM, "out of memory for a network of d = %zu", m->d);
	vx_net_layer *ly = &net->layer[0];
	if (m->W->size1 != m->d || m->W->size2 != m->d || m->U->size1 != m->d || m->U->size2 != m->n ||
	    m->b->size != m->d || m->s0->size != m->d || m->y->size != m->d ||
	    m->x->size1 != m->T || m->x->size2 != m->n ||
	    gsl_matrix_memcpy(ly->w_hh, m->W) || gsl_matrix_memcpy(ly->w_ih, m->U) ||
	    gsl_vector_memcpy(ly->b_ih, m->b) || gsl_vector_memcpy(ly->h0, m->s0) ||
	    gsl_matrix_memcpy(net->x, m->x) || gsl_vector_memcpy(net->y, m->y)) {
		vx_net_free(net);
		return vx_fail(err, VX_ESHAPE, "model parts of inconsistent sizes");
	}
	*out = net;
	return VX_OK;
}

vx_status vx_net_to_model(const vx_net *net, vx_model **out, vx_error *err)
{
	*out = NULL;
	if (!net || net->cell != VX_CELL_RNN || net->L != 1)
		return vx_fail(err, VX_EINTERNAL, "vx_net_to_model: not one vanilla layer");
	vx_model *m = vx_model_alloc(net->act, net->d, net->n, net->T);
	if (!m)
		return vx_fail(err, VX_ENOMEM, "out of memory for a model of d = %zu, n = %zu, T = %zu", net->d, net->n,
		               net->T);
	const vx_net_layer *ly = &net->layer[0];
	gsl_matrix_memcpy(m->W, ly->w_hh);
	gsl_matrix_memcpy(m->U, ly->w_ih);
	gsl_vector_memcpy(m->b, ly->b_ih);
	gsl_vector_add(m->b, ly->b_hh);
	gsl_vector_memcpy(m->s0, ly->h0);
	gsl_matrix_memcpy(m->x, net->x);
	gsl_vector_memcpy(m->y, net->y);
	*out = m;
	return VX_OK;
}

static vx_status check_matrix(const gsl_matrix *M, size_t r, size_t c, const char *what, size_t l,
                              vx_error *err)
{
	if (!M)
		return vx_fail(err, VX_ESHAPE, "%s_l%zu: missing", what, l);
	if (M->size1 != r || M->size2 != c)
		return vx_fail(err, VX_ESHAPE, "%s_l%zu: expected %zux%zu, got %zux%zu", what, l, r, c,
		               M->size1, M->size2);
	if (!isfinite(vx_maxabs_matrix(M)))
		return vx_fail(err, VX_ENONFINITE, "%s_l%zu holds NaN or infinity", what, l);
	return VX_OK;
}

static vx_status check_vector(const gsl_vector *v, size_t n, const char *what, size_t l, vx_error *err)
{
	if (!v)
		return vx_fail(err, VX_ESHAPE, "%s_l%zu: missing", what, l);
	if (v->size != n)
		return vx_fail(err, VX_ESHAPE, "%s_l%zu: expected %zu entries, got %zu", what, l, n, v->size);
	for (size_t i = 0; i < n; i++)
		if (!isfinite(gsl_vector_get(v, i)))
			return vx_fail(err, VX_ENONFINITE, "%s_l%zu holds NaN or infinity", what, l);
	return VX_OK;
}

vx_status vx_net_validate(const vx_net *net, vx_error *err)
{
	if (!net || !net->layer || !net->x || !net->y)
		return vx_fail(err, VX_EINTERNAL, "incomplete network");
	if ((unsigned)net->cell >= VX_CELL_COUNT || (unsigned)net->act >= VX_ACT_COUNT ||
	    net->G != vx_cell_gates(net->cell) || net->L == 0 || net->d == 0 || net->n == 0 ||
	    net->T == 0 || net->Ds != (net->cell == VX_CELL_LSTM ? 2 : 1) * net->d ||
	    net->D != net->L * net->Ds)
		return vx_fail(err, VX_EINTERNAL, "inconsistent network sizes");
	size_t gd = net->G * net->d;
	vx_status st;
	for (size_t l = 0; l < net->L; l++) {
		const vx_net_layer *ly = &net->layer[l];
		if ((st = check_matrix(ly->w_ih, gd, l ? net->d : net->n, "weight_ih", l, err)) ||
		    (st = check_matrix(ly->w_hh, gd, net->d, "weight_hh", l, err)) ||
		    (st = check_vector(ly->b_ih, gd, "bias_ih", l, err)) ||
		    (st = check_vector(ly->b_hh, gd, "bias_hh", l, err)) ||
		    (st = check_vector(ly->h0, net->d, "h0", l, err)))
			return st;
		if (net->cell == VX_CELL_LSTM && (st = check_vector(ly->c0, net->d, "c0", l, err)))
			return st;
	}
	if ((st = check_matrix(net->x, net->T, net->n, "x", 0, err)) ||
	    (st = check_vector(net->y, net->d, "y", 0, err)))
		return st;
	return VX_OK;
}

/* ---- the forward pass ---- */

static double sigm(double a)
{
	return vx_act_f(VX_SIGMOID, a);
}

/* A cell's update from its gates' pre-activations: pre (G·d) holds
 * weight_ih v + bias_ih, hh (G·d) weight_hh h_{j−1} + bias_hh; pre becomes
 * the gates' pre-activations as the forward pass stores them, and h, c
 * (LSTM) and u (GRU) the new state. */
static void cell_update(const vx_net *net, double *pre, const double *hh, const double *hp, const double *cp,
                        double *h, double *c, double *u)
{
	size_t d = net->d, gd = net->G * d;
	switch (net->cell) {
	case VX_CELL_RNN:
		for (size_t i = 0; i < d; i++)
			pre[i] += hh[i];
		vx_act_fv(net->act, pre, h, d);
		break;
	case VX_CELL_LSTM:
		for (size_t i = 0; i < gd; i++)
			pre[i] += hh[i];
		for (size_t i = 0; i < d; i++) {
			double ig = sigm(pre[i]), fg = sigm(pre[d + i]), gg = tanh(pre[2 * d + i]),
			       og = sigm(pre[3 * d + i]);
			c[i] = fg * cp[i] + ig * gg;
			h[i] = og * tanh(c[i]);
		}
		break;
	case VX_CELL_GRU:
		for (size_t i = 0; i < 2 * d; i++)
			pre[i] += hh[i];
		for (size_t i = 0; i < d; i++) {
			u[i] = hh[2 * d + i];
			pre[2 * d + i] += sigm(pre[i]) * u[i];
			double z = sigm(pre[d + i]), n = tanh(pre[2 * d + i]);
			/* (1 − z) n + z h_{j−1} with 1 − z = σ(−a_z), exact in saturation */
			h[i] = sigm(-pre[d + i]) * n + z * hp[i];
		}
		break;
	}
}

/* One layer, one step: from its input v and its previous h (and c), the
 * gates' pre-activations pre (G·d), h, c (LSTM) and u (GRU).  hh is scratch
 * of G·d. */
static void layer_step(const vx_net *net, size_t l, const double *v, const double *hp,
                       const double *cp, double *pre, double *h, double *c, double *u, double *hh)
{
	const vx_net_layer *ly = &net->layer[l];
	size_t gd = net->G * net->d;
	for (size_t i = 0; i < gd; i++) {
		pre[i] = gsl_vector_get(ly->b_ih, i);
		hh[i] = gsl_vector_get(ly->b_hh, i);
	}
	vx_mm_rows(v, 0, ly->w_ih, 1, pre, 0, 1, 1.0);
	vx_mm_rows(hp, 0, ly->w_hh, 1, hh, 0, 1, 1.0);
	cell_update(net, pre, hh, hp, cp, h, c, u);
}

void vx_net_fwd_free(vx_net_fwd *f)
{
	if (!f)
		return;
	for (size_t l = 0; f->layer && l < f->L; l++) {
		gsl_matrix_free(f->layer[l].pre);
		gsl_matrix_free(f->layer[l].h);
		gsl_matrix_free(f->layer[l].c);
		gsl_matrix_free(f->layer[l].u);
	}
	free(f->layer);
	free(f);
}

static vx_net_fwd *fwd_alloc(const vx_net *net)
{
	vx_net_fwd *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	f->L = net->L;
	f->T = net->T;
	f->layer = calloc(net->L, sizeof *f->layer);
	if (!f->layer) {
		free(f);
		return NULL;
	}
	for (size_t l = 0; l < net->L; l++) {
		vx_net_trace *tr = &f->layer[l];
		tr->pre = gsl_matrix_alloc(net->T, net->G * net->d);
		tr->h = gsl_matrix_alloc(net->T, net->d);
		if (net->cell == VX_CELL_LSTM)
			tr->c = gsl_matrix_alloc(net->T, net->d);
		if (net->cell == VX_CELL_GRU)
			tr->u = gsl_matrix_alloc(net->T, net->d);
		if (!tr->pre || !tr->h || (net->cell == VX_CELL_LSTM && !tr->c) ||
		    (net->cell == VX_CELL_GRU && !tr->u)) {
			vx_net_fwd_free(f);
			return NULL;
		}
	}
	return f;
}

vx_status vx_net_forward(const vx_net *net, vx_net_fwd **out, vx_error *err)
{
	*out = NULL;
	vx_status st = vx_net_validate(net, err);
	if (st)
		return st;
	size_t d = net->d;
	vx_net_fwd *f = fwd_alloc(net);
	/* h0, c0 of every layer (contiguous) and the hh scratch */
	double *init = malloc((2 * net->L * d + net->G * d) * sizeof *init);
	if (!f || !init) {
		free(init);
		vx_net_fwd_free(f);
		return vx_fail(err, VX_ENOMEM, "out of memory for the forward pass (D = %zu, T = %zu)",
		               net->D, net->T);
	}
	double *hh = init + 2 * net->L * d;
	for (size_t l = 0; l < net->L; l++)
		for (size_t i = 0; i < d; i++) {
			init[2 * l * d + i] = gsl_vector_get(net->layer[l].h0, i);
			init[(2 * l + 1) * d + i] = net->layer[l].c0 ? gsl_vector_get(net->layer[l].c0, i) : 0;
		}
	for (size_t j = 1; j <= net->T; j++)
		for (size_t l = 0; l < net->L; l++) {
			vx_net_trace *tr = &f->layer[l];
			const double *v = l == 0 ? vx_row(net->x, j - 1) : vx_row(f->layer[l - 1].h, j - 1);
			const double *hp = j == 1 ? init + 2 * l * d : vx_row(tr->h, j - 2);
			const double *cp = !tr->c ? NULL : j == 1 ? init + (2 * l + 1) * d : vx_row(tr->c, j - 2);
			double *pre = vx_row(tr->pre, j - 1), *h = vx_row(tr->h, j - 1);
			layer_step(net, l, v, hp, cp, pre, h, tr->c ? vx_row(tr->c, j - 1) : NULL,
			           tr->u ? vx_row(tr->u, j - 1) : NULL, hh);
			/* each apart: vx_maxabs is NaN for a NaN (∞ − ∞ in W h, where
			 * relu then made h 0), which fmax would pass over */
			double mp = vx_maxabs(pre, net->G * d), mh = vx_maxabs(h, d);
			double mc = tr->c ? vx_maxabs(vx_row(tr->c, j - 1), d) : 0;
			if (!isfinite(mp) || !isfinite(mh) || !isfinite(mc)) {
				free(init);
				vx_net_fwd_free(f);
				return vx_fail(err, VX_ENONFINITE,
				               "the forward pass leaves the range of a double at step %zu of %zu, "
				               "layer %zu (weights too large for this horizon)", j, net->T, l);
			}
		}
	free(init);
	*out = f;
	return VX_OK;
}

void vx_net_state(const vx_net *net, const vx_net_fwd *f, size_t j, double *S)
{
	size_t d = net->d;
	for (size_t l = 0; l < net->L; l++) {
		double *s = S + l * net->Ds;
		const vx_net_layer *ly = &net->layer[l];
		for (size_t i = 0; i < d; i++) {
			s[i] = j == 0 ? gsl_vector_get(ly->h0, i) : gsl_matrix_get(f->layer[l].h, j - 1, i);
			if (net->cell == VX_CELL_LSTM)
				s[d + i] = j == 0 ? gsl_vector_get(ly->c0, i) : gsl_matrix_get(f->layer[l].c, j - 1, i);
		}
	}
}

size_t vx_net_step_scratch(const vx_net *net)
{
	return vx_net_step_batch_scratch(net, 1);
}

void vx_net_step(const vx_net *net, size_t j, const double *S_prev, double *S_out, double *scratch)
{
	vx_net_step_batch(net, j, 1, S_prev, S_out, scratch);
}

size_t vx_net_step_batch_scratch(const vx_net *net, size_t nb)
{
	return nb * (2 * net->G * net->d + net->d);
}

void vx_net_step_batch(const vx_net *net, size_t j, size_t nb, const double *S_prev, double *S_out,
                       double *scratch)
{
	vx_net_step_batch_pert(net, j, nb, S_prev, S_out, scratch, NULL);
}

void vx_net_step_batch_pert(const vx_net *net, size_t j, size_t nb, const double *S_prev, double *S_out,
                            double *scratch, const vx_net_pert *pert)
{
	size_t d = net->d, gd = net->G * d, D = net->D, Ds = net->Ds;
	double *PRE = scratch, *HH = PRE + nb * gd, *U = HH + nb * gd;
	int lstm = net->cell == VX_CELL_LSTM;
	for (size_t l = 0; l < net->L; l++) {
		const vx_net_layer *ly = &net->layer[l];
		/* the biases, and for the first layer the product with x_j, which
		 * every row shares: once, then copied to the other rows */
		for (size_t i = 0; i < gd; i++) {
			PRE[i] = gsl_vector_get(ly->b_ih, i);
			HH[i] = gsl_vector_get(ly->b_hh, i);
		}
		if (l == 0)
			vx_mm_rows(vx_row(net->x, j - 1), 0, ly->w_ih, 1, PRE, 0, 1, 1.0);
		for (size_t r = 1; r < nb; r++) {
			memcpy(PRE + r * gd, PRE, gd * sizeof *PRE);
			memcpy(HH + r * gd, HH, gd * sizeof *HH);
		}
		if (l > 0)
			vx_mm_rows(S_out + (l - 1) * Ds, D, ly->w_ih, 1, PRE, gd, nb, 1.0);
		vx_mm_rows(S_prev + l * Ds, D, ly->w_hh, 1, HH, gd, nb, 1.0);
		for (size_t r = 0; r < nb; r++) {
			const double *sp = S_prev + r * D + l * Ds;
			double *so = S_out + r * D + l * Ds;
			if (pert && pert[r].l == l) {
				const vx_net_pert *e = &pert[r];
				/* weight_ih's operand: x_j, or the layer below's new h */
				const double *v = l == 0 ? vx_row(net->x, j - 1) : S_out + r * D + (l - 1) * Ds;
				switch (e->which) {
				case 0: PRE[r * gd + e->row] += e->delta * v[e->col]; break;
				case 1: HH[r * gd + e->row] += e->delta * sp[e->col]; break;
				case 2: PRE[r * gd + e->row] += e->delta; break;
				default: HH[r * gd + e->row] += e->delta; break;
				}
			}
			cell_update(net, PRE + r * gd, HH + r * gd, sp, lstm ? sp + d : NULL, so, lstm ? so + d : NULL,
			            U + r * d);
		}
	}
}

double vx_net_loss(const vx_net *net, const double *S)
{
	const double *h = S + (net->L - 1) * net->Ds;
	double s = 0;
	for (size_t i = 0; i < net->d; i++) {
		double e = h[i] - gsl_vector_get(net->y, i);
		s += e * e;
	}
	return 0.5 * s;
}
