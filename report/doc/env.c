/*
 * env.c — the environment of one rendering and the extras of one analysis
 * (env.h).
 */
#include "report/doc/env.h"

#include <math.h>
#include <stdlib.h>

#include "engine/model.h"
#include "engine/net.h"
#include "engine/params.h"
#include "engine/regime.h"

/* The networks besides the analysis itself: the remedies' W (orthogonal,
 * identity) and the regimes' (this W rescaled below, on and above the edge;
 * the one on this network's own side is never built). */
enum { OTHER_ORTHO, OTHER_IDENT, OTHER_BELOW, OTHER_EDGE, OTHER_ABOVE, NOTHER };

/* Each extra computed at most once: *_done says it was tried, *_st how it
 * went, *_err why it failed (given to every later caller). */
struct vxr_extras {
	int fd_done;
	vx_status fd_st;
	vx_fdcheck fd;
	vx_error fd_err;
	int other_done[NOTHER];
	vx_status other_st[NOTHER];
	vx_result *other[NOTHER];
	vx_error other_err[NOTHER];
	int eig_done;
	vx_status eig_st;
	vx_eigen eig;
	vx_error eig_err;
	int pow_done;
	vx_status pow_st;
	vx_mag *pow;        /* vxr_env_powers_n + 1 entries */
	vx_error pow_err;
	/* the LSTM [0] and the GRU [1] beside the network, and the forget
	 * bias each was made with (another bias makes them again) */
	int gated_done[2];
	double gated_bias[2];
	vx_status gated_st[2];
	vx_net_result *gated[2];
	vx_error gated_err[2];
	unsigned wanted;    /* VXR_LATER_ bits left for later since it was last read */
};

struct vxr_env {
	const vxr_ctx *ctx;
	int terminal;
	vxr_extras *x;     /* ctx->extras, or own */
	vxr_extras *own;   /* allocated here when the context has none */
};

/* ================================================================ extras */

vxr_extras *vxr_extras_alloc(void)
{
	return calloc(1, sizeof(vxr_extras));
}

void vxr_extras_free(vxr_extras *x)
{
	if (!x)
		return;
	for (int i = 0; i < NOTHER; i++)
		vx_result_free(x->other[i]);
	vx_eigen_clear(&x->eig);
	free(x->pow);
	for (int i = 0; i < 2; i++)
		vx_net_result_free(x->gated[i]);
	free(x);
}

size_t vxr_extras_networks(const vxr_extras *x)
{
	size_t n = 0;
	for (int i = 0; x && i < NOTHER; i++)
		n += x->other_done[i];
	for (int i = 0; x && i < 2; i++)
		n += x->gated_done[i];
	return n;
}

/* ================================================================ environment */

vxr_env *vxr_env_alloc(const vxr_ctx *ctx)
{
	vxr_env *e = calloc(1, sizeof *e);
	if (!e)
		return NULL;
	e->ctx = ctx;
	e->x = ctx->extras;
	if (!e->x) {
		e->x = e->own = vxr_extras_alloc();
		if (!e->own) {
			free(e);
			return NULL;
		}
	}
	return e;
}

void vxr_env_free(vxr_env *e)
{
	if (!e)
		return;
	vxr_extras_free(e->own);
	free(e);
}

void vxr_env_set_terminal(vxr_env *e, int terminal)
{
	e->terminal = terminal;
}

int vxr_env_terminal(const vxr_env *e)
{
	return e->terminal;
}

const vxr_ctx *vxr_env_ctx(const vxr_env *e)
{
	return e->ctx;
}

const vx_fdcheck *vxr_env_fd(vxr_env *e, vx_error *err)
{
	vxr_extras *x = e->x;
	if (!x->fd_done) {
		x->fd_done = 1;
		x->fd_st = vx_fd_check_on(e->ctx->model, e->ctx->result, &e->ctx->result->exec, &x->fd);
		if (x->fd_st != VX_OK)
			vx_fail(&x->fd_err, x->fd_st, "finite-difference check failed: %s", vx_strerror(x->fd_st));
	}
	if (x->fd_st != VX_OK) {
		if (err)
			*err = x->fd_err;
		return NULL;
	}
	return &x->fd;
}

/* This network with W replaced by an orthogonal (OTHER_ORTHO) or the
 * identity (OTHER_IDENT) matrix of spectral norm 1, or rescaled to the γλ
 * of a regime (OTHER_BELOW..ABOVE): same inputs, same activation. */
static vx_status build_other(const vxr_ctx *c, int which, vx_result **out, vx_error *err)
{
	vx_model *m = vx_model_clone(c->model);
	if (!m)
		return vx_fail(err, VX_ENOMEM, "out of memory");
	vx_status st = VX_OK;
	if (which == OTHER_IDENT) {
		gsl_matrix_set_identity(m->W);
	} else if (which == OTHER_ORTHO) {
		vx_params p = *c->params;
		/* only W is drawn here: no file of weights or inputs is read */
		p.weights[0] = '\0';
		p.model[0] = '\0';
		p.inputs_file[0] = '\0';
		p.weights_net = 0;
		p.set &= ~(unsigned)(VX_SET_WEIGHTS | VX_SET_MODEL | VX_SET_INPUTS_FILE | VX_SET_MODULE | VX_SET_DIRECTION);
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
	} else {
		/* the same W, only its scale changed: λ = γλ / γ */
		vx_regime g = (vx_regime)(which - OTHER_EDGE);
		st = vx_model_set_norm(m, vxr_regime_gl(g) / c->result->gamma, err);
	}
	vx_exec ex = c->result->exec;
	ex.stop = c->stop;
	if (st == VX_OK)
		st = vx_analyse(m, c->result->t, &ex, out, err);
	vx_model_free(m);
	return st;
}

/* The network `which`, built and analysed on first use. */
static const vx_result *other(vxr_env *e, int which, vx_error *err)
{
	vxr_extras *x = e->x;
	if (!x->other_done[which]) {
		x->other_done[which] = 1;
		x->other_st[which] = build_other(e->ctx, which, &x->other[which], &x->other_err[which]);
		/* stopped: nothing was made, and it is owed still */
		x->other_done[which] = x->other_st[which] != VX_ECANCELLED;
	}
	if (x->other_st[which] != VX_OK) {
		if (err)
			*err = x->other_err[which];
		return NULL;
	}
	return x->other[which];
}

const vx_result *vxr_env_alt(vxr_env *e, int which, vx_error *err)
{
	return other(e, which ? OTHER_IDENT : OTHER_ORTHO, err);
}

double vxr_regime_gl(vx_regime g)
{
	return g == VX_REGIME_BELOW ? VXR_GL_BELOW : g == VX_REGIME_EDGE ? 1.0 : VXR_GL_ABOVE;
}

double vxr_env_regime_gl(const vxr_env *e, vx_regime g)
{
	const vx_result *r = e->ctx->result;
	return vx_result_regime(r) == g ? vx_result_gl(r) : vxr_regime_gl(g);
}

const vx_result *vxr_env_regime(vxr_env *e, vx_regime g, vx_error *err)
{
	if (vx_result_regime(e->ctx->result) == g)
		return e->ctx->result;
	return other(e, OTHER_EDGE + (int)g, err);
}

const vx_eigen *vxr_env_eigen(vxr_env *e, vx_error *err)
{
	vxr_extras *x = e->x;
	if (!x->eig_done) {
		x->eig_done = 1;
		x->eig_st = vx_eigen_init(&x->eig, e->ctx->model->W, &x->eig_err);
	}
	if (x->eig_st != VX_OK) {
		if (err)
			*err = x->eig_err;
		return NULL;
	}
	return &x->eig;
}

size_t vxr_env_powers_n(const vxr_env *e)
{
	size_t t = e->ctx->result->t;
	return t - 1 < VXR_POWERS_MAX ? t - 1 : VXR_POWERS_MAX;
}

size_t vxr_powers_peak(const vx_mag *pw, size_t N)
{
	size_t best = 0, first = 0;
	for (size_t n = 1; n <= N; n++)
		if (pw[n].log10 > pw[best].log10)
			best = n;
	while (first < best && pw[first].log10 < pw[best].log10 - 1e-12 / M_LN10)
		first++;
	return first;
}

int vxr_env_powers_slow(const vxr_env *e)
{
	double d = (double)e->ctx->model->d;
	return d * d * d * (double)vxr_env_powers_n(e) > 2e8;
}

const vx_mag *vxr_env_powers(vxr_env *e, vx_error *err)
{
	vxr_extras *x = e->x;
	if (!x->pow_done) {
		x->pow_done = 1;
		size_t N = vxr_env_powers_n(e);
		x->pow = malloc((N + 1) * sizeof *x->pow);
		x->pow_st = x->pow ? vx_eigen_power_norms(e->ctx->model->W, N, e->ctx->stop, x->pow, &x->pow_err)
		                   : vx_fail(&x->pow_err, VX_ENOMEM, "out of memory");
		if (x->pow_st == VX_ECANCELLED) {
			free(x->pow);
			x->pow = NULL;
			x->pow_done = 0;
		}
	}
	if (x->pow_st != VX_OK) {
		if (err)
			*err = x->pow_err;
		return NULL;
	}
	return x->pow;
}

/* The gated network of `cell` beside the vanilla one (env.h says how it is
 * made), analysed at the same loss step. */
static vx_status build_gated(const vxr_ctx *c, vx_cell cell, vx_net_result **out, vx_error *err)
{
	const vx_model *m = c->model;
	vx_params p = *c->params;
	/* only the weights are drawn here: no file of weights or inputs is read */
	if (p.set & (VX_SET_WEIGHTS | VX_SET_MODEL))
		p.init = VX_INIT_GAUSSIAN;
	p.weights[0] = '\0';
	p.model[0] = '\0';
	p.inputs_file[0] = '\0';
	p.weights_net = 0;
	p.set &= ~(unsigned)(VX_SET_WEIGHTS | VX_SET_MODEL | VX_SET_INPUTS_FILE | VX_SET_MODULE | VX_SET_DIRECTION);
	p.hidden = m->d;
	p.inputs = m->n;
	p.steps = m->T;
	p.t = c->result->t;
	/* drawn at norm 1, then scaled to λ, 0 included (a W of zeros) */
	p.norm = 1;
	vx_net_spec s;
	vx_net_spec_default(&s);
	s.cell = cell;
	s.forget_bias = c->forget_bias;
	vx_net *net = NULL;
	vx_status st = vx_net_build(&p, &s, &net, err);
	if (st == VX_OK)
		st = vx_net_set_norm(net, c->result->lambda, err);
	if (st == VX_OK) {
		gsl_matrix_memcpy(net->x, m->x);
		gsl_vector_memcpy(net->y, m->y);
		gsl_vector_memcpy(net->layer[0].h0, m->s0);
		vx_exec ex = c->result->exec;
		ex.stop = c->stop;
		st = vx_net_analyse(net, c->result->t, &ex, out, err);
	}
	vx_net_free(net);
	return st;
}

/* 1 when a network of a comparison (the gated ones, the regimes', the
 * remedies') is too slow for a terminal's redraw: d³t beyond 2 × 10⁸ (an
 * LSTM's state is 2d: its analysis costs about four of the vanilla one's) */
static int networks_slow(const vxr_env *e)
{
	double d = (double)e->ctx->model->d;
	return d * d * d * (double)e->ctx->result->t > 2e8;
}

vx_status vxr_env_gated(vxr_env *e, vx_cell cell, const vx_net_result **out, vx_error *err)
{
	vxr_extras *x = e->x;
	int i = cell == VX_CELL_GRU;
	double b = e->ctx->forget_bias;
	*out = NULL;
	if (cell != VX_CELL_LSTM && cell != VX_CELL_GRU)
		return vx_fail(err, VX_EINTERNAL, "internal: no gated network of cell %s", vx_cell_name(cell));
	/* another bias (the tutor's key) is another network: made again */
	if (x->gated_done[i] && x->gated_bias[i] != b) {
		vx_net_result_free(x->gated[i]);
		x->gated[i] = NULL;
		x->gated_done[i] = 0;
	}
	if (!x->gated_done[i]) {
		x->gated_done[i] = 1;
		x->gated_bias[i] = b;
		x->gated_err[i] = (vx_error){ 0 };
		x->gated_st[i] = build_gated(e->ctx, cell, &x->gated[i], &x->gated_err[i]);
		x->gated_done[i] = x->gated_st[i] != VX_ECANCELLED;
	}
	if (x->gated_st[i] != VX_OK) {
		if (err)
			*err = x->gated_err[i];
		return x->gated_st[i];
	}
	*out = x->gated[i];
	return VX_OK;
}

/* ================================================================ left for later */

/* 1 when the extras hold the gated network i made with forget bias b */
static int gated_held(const vxr_extras *x, int i, double b)
{
	return x->gated_done[i] && x->gated_bias[i] == b;
}

/* 1 when the extras hold what (one VXR_LATER_ bit), or it needs nothing */
static int held(const vxr_env *e, unsigned what)
{
	const vxr_extras *x = e->x;
	double b = e->ctx->forget_bias;
	vx_regime own = vx_result_regime(e->ctx->result);
	switch (what) {
	case VXR_LATER_GATES: return gated_held(x, 0, b) && gated_held(x, 1, b);
	case VXR_LATER_GATED:
		return e->ctx->cell != VX_CELL_LSTM && e->ctx->cell != VX_CELL_GRU ? 1
		                                                                 : gated_held(x, e->ctx->cell == VX_CELL_GRU, b);
	case VXR_LATER_REGIMES:
		for (int g = VX_REGIME_BELOW; g <= VX_REGIME_ABOVE; g++)
			if ((vx_regime)g != own && !x->other_done[OTHER_EDGE + g])
				return 0;
		return 1;
	case VXR_LATER_INITS: return x->other_done[OTHER_ORTHO] && x->other_done[OTHER_IDENT];
	case VXR_LATER_POWERS: return x->pow_done;
	default: return 1;
	}
}

int vxr_env_later(vxr_env *e, unsigned what)
{
	/* without extras of the context's own nothing is kept for a later
	 * rendering: read now */
	if (!e->ctx->defer || !e->ctx->extras || held(e, what))
		return 0;
	if (!(what == VXR_LATER_POWERS ? vxr_env_powers_slow(e) : networks_slow(e)))
		return 0;
	e->x->wanted |= what;
	return 1;
}

unsigned vxr_extras_take_wanted(vxr_extras *x)
{
	if (!x)
		return 0;
	unsigned w = x->wanted;
	x->wanted = 0;
	return w;
}

vx_status vxr_extras_compute(const vxr_ctx *ctx, unsigned what)
{
	vxr_env *e = vxr_env_alloc(ctx);
	if (!e)
		return VX_ENOMEM;
	/* the chosen cell's network first: every step's note reads it */
	static const unsigned order[] = { VXR_LATER_GATED, VXR_LATER_GATES, VXR_LATER_REGIMES, VXR_LATER_INITS,
	                                  VXR_LATER_POWERS };
	vx_status st = VX_OK;
	for (size_t o = 0; o < sizeof order / sizeof *order && st == VX_OK; o++) {
		unsigned w = order[o];
		if (!(what & w) || held(e, w))
			continue;
		const vx_net_result *g;
		switch (w) {
		case VXR_LATER_GATED: vxr_env_gated(e, ctx->cell, &g, NULL); break;
		case VXR_LATER_GATES:
			if (vxr_env_gated(e, VX_CELL_LSTM, &g, NULL) != VX_ECANCELLED)
				vxr_env_gated(e, VX_CELL_GRU, &g, NULL);
			break;
		case VXR_LATER_REGIMES:
			for (int r = VX_REGIME_BELOW; r <= VX_REGIME_ABOVE && !vx_stop_asked(ctx->stop); r++)
				vxr_env_regime(e, (vx_regime)r, NULL);
			break;
		case VXR_LATER_INITS:
			vxr_env_alt(e, 0, NULL);
			if (!vx_stop_asked(ctx->stop))
				vxr_env_alt(e, 1, NULL);
			break;
		default: vxr_env_powers(e, NULL); break;
		}
		if (!held(e, w))
			st = VX_ECANCELLED;   /* what is not held was stopped: failures are held */
	}
	vxr_env_free(e);
	return st;
}
