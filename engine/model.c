/*
 * model.c — building the network from the parameters (see model.h).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <gsl/gsl_randist.h>
#include "engine/init.h"
#include "engine/matio.h"
#include "engine/model.h"

void vx_model_free(vx_model *m)
{
	if (!m)
		return;
	gsl_matrix_free(m->W);
	gsl_matrix_free(m->U);
	gsl_vector_free(m->b);
	gsl_vector_free(m->s0);
	gsl_matrix_free(m->x);
	gsl_vector_free(m->y);
	free(m);
}

size_t vx_model_bytes(size_t d, size_t n, size_t T)
{
	/* as vx_model_alloc: W, U, b, s0, x, y */
	double dd = (double)d, b = sizeof(vx_model) +
	            (dd * dd + dd * (double)n + 3 * dd + (double)T * (double)n) * sizeof(double);
	return b < (double)SIZE_MAX ? (size_t)b : SIZE_MAX;
}

vx_model *vx_model_alloc(vx_act act, size_t d, size_t n, size_t T)
{
	if (d == 0 || n == 0 || T == 0 || (unsigned)act >= VX_ACT_COUNT)
		return NULL;
	vx_model *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->act = act;
	m->d = d;
	m->n = n;
	m->T = T;
	m->W = gsl_matrix_calloc(d, d);
	m->U = gsl_matrix_calloc(d, n);
	m->b = gsl_vector_calloc(d);
	m->s0 = gsl_vector_calloc(d);
	m->x = gsl_matrix_calloc(T, n);
	m->y = gsl_vector_calloc(d);
	if (!m->W || !m->U || !m->b || !m->s0 || !m->x || !m->y) {
		vx_model_free(m);
		return NULL;
	}
	return m;
}

vx_model *vx_model_clone(const vx_model *m)
{
	if (!m)
		return NULL;
	vx_model *c = vx_model_alloc(m->act, m->d, m->n, m->T);
	if (!c)
		return NULL;
	gsl_matrix_memcpy(c->W, m->W);
	gsl_matrix_memcpy(c->U, m->U);
	gsl_vector_memcpy(c->b, m->b);
	gsl_vector_memcpy(c->s0, m->s0);
	gsl_matrix_memcpy(c->x, m->x);
	gsl_vector_memcpy(c->y, m->y);
	return c;
}

vx_status vx_model_set_norm(vx_model *m, double lambda, vx_error *err)
{
	return vx_matrix_set_norm(m->W, lambda, err);
}

vx_status vx_model_build(const vx_params *p, vx_model **out, vx_error *err)
{
	*out = NULL;
	vx_status st = vx_params_check(p, err);
	if (st)
		return st;
	if (p->model[0])
		return vx_fail_at(err, VX_PARAM_MODEL, VX_EINTERNAL,
		                  "the model file %s is loaded by the caller, not by vx_model_build", p->model);
	if (p->weights_net)
		return vx_fail_at(err, VX_PARAM_WEIGHTS, VX_EINTERNAL,
		                  "the trained network in %s is loaded by the caller, not by vx_model_build", p->weights);

	gsl_matrix *Wf = NULL;
	size_t d = p->hidden;
	if (p->weights[0]) {
		st = vx_matrix_read_square(p->weights, &Wf, err);
		if (st)
			return vx_error_about(err, VX_PARAM_WEIGHTS, st);
		d = Wf->size1;   /* (vx_params_check refused --hidden with --weights) */
	}

	vx_model *m = vx_model_alloc(p->act, d, p->inputs, p->steps);
	gsl_rng *g = vx_rng_alloc(p->seed);
	if (!m || !g) {
		st = vx_fail(err, VX_ENOMEM, "out of memory for a model of d = %zu, n = %zu, T = %zu", d,
		             p->inputs, p->steps);
		goto fail;
	}

	/* W first, then U, x, y: the order fixes what a seed means */
	if (Wf) {
		gsl_matrix_memcpy(m->W, Wf);
		if ((p->set & VX_SET_NORM) && (st = vx_model_set_norm(m, p->norm, err)))
			goto fail;
	} else if ((st = vx_draw_weights(m->W, p->init, p->norm, g, err))) {
		goto fail;
	}

	vx_fill_gaussian(m->U, g, 1.0 / sqrt((double)m->n));
	/* x is always drawn, then scaled, so y does not depend on --input-scale */
	vx_fill_gaussian(m->x, g, 1.0);
	if (p->input_scale == 0)
		gsl_matrix_set_zero(m->x);
	else
		gsl_matrix_scale(m->x, p->input_scale);
	for (size_t i = 0; i < d; i++)
		gsl_vector_set(m->y, i, vx_act_f(m->act, gsl_ran_gaussian(g, 1.0)));

	gsl_rng_free(g);
	gsl_matrix_free(Wf);
	*out = m;
	return VX_OK;
fail:
	gsl_rng_free(g);
	gsl_matrix_free(Wf);
	vx_model_free(m);
	return st;
}
