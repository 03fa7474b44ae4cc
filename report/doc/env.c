/*
 * env.c — the environment a fill and the renderers read (tpl.h): the
 * context, whether the target is a terminal, and the costly extras (the
 * finite-difference check, the network with an orthogonal and with the
 * identity W), computed on first use.
 */
#include "report/doc/tpl.h"

#include <stdlib.h>
#include <string.h>

#include "engine/model.h"
#include "engine/params.h"

struct vxr_env {
	const vxr_ctx *ctx;
	int terminal;
	int fd_done;
	vx_status fd_st;
	vx_fdcheck fd;
	vx_error fd_err;
	int alt_done[2];
	vx_status alt_st[2];
	vx_result *alt[2];
	vx_error alt_err[2];
};

/* What identifies one analysis: the tutor lays out one step at a time, each
 * with a fresh environment, and the finite-difference check and the
 * alternative networks cost far more than the text.  The extras of the last
 * environment are kept (one slot, not thread-safe) and adopted by the next
 * one whose analysis has the same fingerprint. */
typedef struct {
	const void *model, *result;
	size_t t, d, T;
	int act;
	double v[7];
} fingerprint;

static void fingerprint_of(const vxr_ctx *c, fingerprint *f)
{
	memset(f, 0, sizeof *f);
	const vx_result *r = c->result;
	f->model = c->model;
	f->result = r;
	f->t = r->t;
	f->d = r->d;
	f->T = r->T;
	f->act = (int)c->model->act;
	f->v[0] = r->lambda;
	f->v[1] = r->loss.log10;
	f->v[2] = r->grad_norm.log10;
	f->v[3] = r->lyap_max;
	f->v[4] = gsl_matrix_get(r->a, 0, 0);
	f->v[5] = gsl_matrix_get(r->a, r->T - 1, r->d - 1);
	f->v[6] = gsl_matrix_get(c->model->W, c->model->d - 1, 0);
}

static struct {
	int valid;
	fingerprint key;
	vxr_env extras;   /* ctx unused */
} kept;

static void extras_free(vxr_env *e)
{
	vx_result_free(e->alt[0]);
	vx_result_free(e->alt[1]);
	e->alt[0] = e->alt[1] = NULL;
}

void vxr_cache_clear(void)
{
	if (kept.valid)
		extras_free(&kept.extras);
	memset(&kept, 0, sizeof kept);
}

vxr_env *vxr_env_new(const vxr_ctx *ctx)
{
	vxr_env *e = calloc(1, sizeof *e);
	if (!e)
		return NULL;
	e->ctx = ctx;
	fingerprint f;
	fingerprint_of(ctx, &f);
	if (kept.valid && memcmp(&f, &kept.key, sizeof f) == 0) {
		*e = kept.extras;
		e->ctx = ctx;
		e->terminal = 0;
		memset(&kept, 0, sizeof kept);
	}
	return e;
}

void vxr_env_free(vxr_env *e)
{
	if (!e)
		return;
	if (e->fd_done || e->alt_done[0] || e->alt_done[1]) {
		vxr_cache_clear();
		kept.valid = 1;
		fingerprint_of(e->ctx, &kept.key);
		kept.extras = *e;
		kept.extras.ctx = NULL;
	} else {
		extras_free(e);
	}
	free(e);
}

void vxr_env_set_terminal(vxr_env *e, int terminal)
{
	e->terminal = terminal;
}

const vxr_ctx *vxr_env_ctx(const vxr_env *e)
{
	return e->ctx;
}

int vxr_env_terminal(const vxr_env *e)
{
	return e->terminal;
}

const vx_fdcheck *vxr_env_fd(vxr_env *e, vx_error *err)
{
	if (!e->fd_done) {
		e->fd_done = 1;
		e->fd_st = vx_fd_check(e->ctx->model, e->ctx->result, &e->fd);
		if (e->fd_st != VX_OK)
			vx_fail(&e->fd_err, e->fd_st, "finite-difference check failed: %s", vx_strerror(e->fd_st));
	}
	if (e->fd_st != VX_OK) {
		if (err)
			*err = e->fd_err;
		return NULL;
	}
	return &e->fd;
}

/* This network with W replaced by an orthogonal (which = 0) or the identity
 * (which = 1) matrix of spectral norm 1: same inputs, same activation. */
static vx_status build_alt(const vxr_ctx *c, int which, vx_result **out, vx_error *err)
{
	vx_model *m = vx_model_clone(c->model);
	if (!m)
		return vx_fail(err, VX_ENOMEM, "out of memory");
	vx_status st = VX_OK;
	if (which == 1) {
		gsl_matrix_set_identity(m->W);
	} else {
		vx_params p = *c->params;
		p.weights[0] = '\0';
		p.model[0] = '\0';
		p.set &= ~(unsigned)(VX_SET_WEIGHTS | VX_SET_MODEL);
		p.init = VX_INIT_ORTHOGONAL;
		p.norm = 1;
		p.hidden = c->model->d;
		p.inputs = c->model->n;
		p.steps = c->model->T;
		vx_model *q = NULL;
		st = vx_model_build(&p, &q, err);
		if (st == VX_OK)
			gsl_matrix_memcpy(m->W, q->W);
		vx_model_free(q);
	}
	if (st == VX_OK)
		st = vx_analyse(m, c->result->t, out, err);
	vx_model_free(m);
	return st;
}

const vx_result *vxr_env_alt(vxr_env *e, int which, vx_error *err)
{
	if (!e->alt_done[which]) {
		e->alt_done[which] = 1;
		e->alt_st[which] = build_alt(e->ctx, which, &e->alt[which], &e->alt_err[which]);
	}
	if (e->alt_st[which] != VX_OK) {
		if (err)
			*err = e->alt_err[which];
		return NULL;
	}
	return e->alt[which];
}
