/*
 * tpl_eval.c — the values a template reads: each name's value for the
 * network of the environment, expressions over them, and how a value is
 * written (formats).
 *
 * Numbers leave a double's range in the log domain (val in
 * tpl_internal.h): products, quotients and powers add logarithms, sums
 * correct the larger term by log10(1 ± 10^-(Lmax-Lmin)), and comparisons
 * read sign and logarithm, so 0.25^1000 compares and prints right.
 */
#include "report/doc/tpl_internal.h"

#include <ctype.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/act.h"
#include "engine/linalg.h"
#include "engine/model.h"
#include "engine/params.h"
#include "engine/regime.h"

/* ================================================================ values */

static val vnum(double x)
{
	val r = { V_NUM, NULL, x, 0, 1, x < 0, 0 };
	return r;
}

static val vint(double x)
{
	val r = vnum(x);
	r.type = V_INT;
	return r;
}

static val vstr(const char *s)
{
	val r = { V_STR, s, 0, 0, 1, 0, 0 };
	return r;
}

/* A number known by its sign and log10 magnitude; a double when it fits. */
static val vl10(int neg, double l10)
{
	val r = { V_NUM, NULL, 0, l10, 0, neg, 0 };
	if (l10 == -INFINITY) {
		r.fits = 1;
		r.v = 0;
	} else if (l10 > -307 && l10 < 308) {
		r.fits = 1;
		r.v = (neg ? -1 : 1) * pow(10, l10);
	}
	return r;
}

static val vmag(vx_mag m)
{
	/* its underflow state: 0 in arithmetic (a division by it fails, a
	 * test reads it false), "underflow" when shown */
	if (vx_mag_is_underflow(m)) {
		val r = vnum(0);
		r.underflow = 1;
		return r;
	}
	if (m.fits)
		return vnum(m.value);
	return vl10(0, m.log10);
}

static double L(val a)
{
	return a.fits ? (a.v == 0 ? -INFINITY : log10(fabs(a.v))) : a.l10;
}

static int NEG(val a)
{
	return a.fits ? a.v < 0 : a.neg;
}

static int normal_or_zero(double x)
{
	return isfinite(x) && (x == 0 || fabs(x) >= DBL_MIN);
}

/* ================================================================ evaluation */

vx_status vxr_tpl_eval_fail(evalr *ev, size_t off, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vxr_tpl_vfail_at(ev->t, off, ev->err, &ev->st, fmt, ap);
	va_end(ap);
	return ev->st;
}

size_t vxr_tpl_eval_index(evalr *ev, const expr *a, size_t dflt, size_t lo, size_t hi, const char *what,
                          const char *range)
{
	if (!a)
		return dflt;
	val v = vxr_tpl_eval(ev, a);
	if (ev->st != VX_OK)
		return 0;
	if (v.type == V_STR || !v.fits || v.v != floor(v.v) || v.v < (double)lo || v.v > (double)hi) {
		char b[48];
		if (v.type == V_STR)
			snprintf(b, sizeof b, "'%s'", v.s);
		else
			vxf_num(b, sizeof b, v.fits ? v.v : INFINITY, 6, VXF_ASCII);
		vxr_tpl_eval_fail(ev, a->off, "%s=%s is outside %zu..%zu (%s)", what, b, lo, hi, range);
		return 0;
	}
	return (size_t)v.v;
}

/* σ'(a_{j,i}) = *m × 2^e (e returned): saturated units' σ' lies below the
 * doubles, 10^-400 and beyond */
static double dact_of(const vxr_ctx *c, size_t j, size_t i, double *m)
{
	return vx_act_df_split(c->model->act, gsl_matrix_get(c->result->a, j - 1, i), m);
}

/* 1, 0 or −1 as m1 × 2^e1 is above, equal to or below m2 × 2^e2 (m in
 * [½, 1) or 0, e then 0) */
static int cmp_split(double m1, double e1, double m2, double e2)
{
	if (m1 == 0 || m2 == 0)
		return (m1 > 0) - (m2 > 0);
	if (e1 != e2)
		return e1 > e2 ? 1 : -1;
	return (m1 > m2) - (m1 < m2);
}

/* How a norm left [VX_HORIZON_LOW, VX_HORIZON_HIGH] (vx_gap_leave's sign):
 * the words of check's horizon line. */
static const char *fate_name(int h)
{
	return h < 0 ? "vanished" : h > 0 ? "exploded" : "none";
}

/* The gated network the names that mean the same for every cell read in
 * place of this one (ctx.h, vxr_ctx.cell): NULL when the reader chose the
 * vanilla cell or the step derives it (tpl.h, vxr_tpl_vanilla), and when
 * it cannot be computed (ev's error then set: *failed = 1). */
static const vx_net_result *chosen(evalr *ev, const expr *e, int *failed)
{
	const vxr_ctx *c = vxr_env_ctx(ev->env);
	*failed = 0;
	if (c->cell == VX_CELL_RNN || vxr_tpl_vanilla(ev->t))
		return NULL;
	const vx_net_result *g;
	vx_error e2;
	if (vxr_env_gated(ev->env, c->cell, &g, &e2) != VX_OK) {
		vxr_tpl_eval_fail(ev, e->off, "%s", e2.msg);
		*failed = 1;
		return NULL;
	}
	return g;
}

/* The value of a name that means the same for every cell, read from the
 * gated network g (chosen): the norms of its whole state S. */
static val eval_gated(evalr *ev, const expr *e, const vx_net_result *g)
{
	const vxr_ctx *c = vxr_env_ctx(ev->env);
	switch ((name_id)e->name) {
	case NM_LOSS: return vmag(g->loss);
	case NM_GRAD_NORM: return vmag(g->grad_norm);
	case NM_LYAP: return vnum(g->lyap_max);
	case NM_RATE: return vnum(g->rate);
	case NM_HORIZON: return vint((double)g->horizon);
	case NM_FATE:
		return vstr(fate_name(g->horizon_kind == VX_HORIZON_VANISH ? -1 : g->horizon_kind == VX_HORIZON_EXPLODE));
	case NM_PATH_NORM: case NM_PATH_PRODUCT: case NM_PATH_CONTRIB: {
		size_t k = vxr_tpl_eval_index(ev, e->a, c->k, 1, g->t, "k", "1..t");
		if (ev->st != VX_OK)
			return vnum(0);
		if (e->name == NM_PATH_CONTRIB)
			return vmag(g->contribution[(k - 1) * g->L]);
		return vmag(e->name == NM_PATH_NORM ? g->paths[k - 1].norm : g->paths[k - 1].step_product);
	}
	case NM_STEP_NORM: {
		size_t j = vxr_tpl_eval_index(ev, e->a, c->j, 1, g->T, "j", "1..T");
		return ev->st != VX_OK ? vnum(0) : vmag(g->step_norm[j - 1]);
	}
	default: {
		/* steps.max, .min, .geomean over j = 1..t, by their logarithms */
		double mx = -INFINITY, mn = INFINITY, sl = 0;
		for (size_t j = 1; j <= g->t; j++) {
			double l = g->step_norm[j - 1].log10;
			mx = fmax(mx, l);
			mn = fmin(mn, l);
			sl += l;
		}
		double l = e->name == NM_STEPS_MAX ? mx : e->name == NM_STEPS_MIN ? mn : sl / (double)g->t;
		return vmag(vx_mag_from_log10(l));
	}
	}
}

static val eval_name(evalr *ev, const expr *e)
{
	const vxr_ctx *c = vxr_env_ctx(ev->env);
	const vx_result *r = c->result;
	const vx_params *p = c->params;
	switch ((name_id)e->name) {
	case NM_LOSS: case NM_GRAD_NORM: case NM_LYAP: case NM_RATE: case NM_HORIZON: case NM_FATE:
	case NM_PATH_NORM: case NM_PATH_PRODUCT: case NM_PATH_CONTRIB: case NM_STEP_NORM:
	case NM_STEPS_MAX: case NM_STEPS_MIN: case NM_STEPS_GEOMEAN: {
		int failed;
		const vx_net_result *g = chosen(ev, e, &failed);
		if (failed)
			return vnum(0);
		if (g)
			return eval_gated(ev, e, g);
		break;   /* this network's, below */
	}
	default:
		break;
	}
	switch ((name_id)e->name) {
	case NM_ACT: return vstr(vx_act_name(c->model->act));
	case NM_INIT:
		if (p->set & VX_SET_MODEL)
			return vstr("model file");
		if (p->set & VX_SET_WEIGHTS)
			return vstr("weights file");
		return vstr(vx_init_name(p->init));
	case NM_VERSION: return vstr(VX_VERSION);
	case NM_DATE: return vstr(c->date ? c->date : "");
	case NM_D: return vint((double)r->d);
	case NM_N: return vint((double)c->model->n);
	case NM_T: return vint((double)r->T);
	case NM_SMALL_T: return vint((double)r->t);
	case NM_K: return vint((double)c->k);
	case NM_J: return vint((double)c->j);
	case NM_SEED: return p->unseeded ? vnum(NAN) : vint((double)p->seed);
	case NM_PATHS: return vint((double)r->t);
	case NM_NORM_OPT: return vnum(p->norm);
	case NM_INPUT_SCALE:
		/* a file's inputs were not scaled: none, as the seed of an undrawn run */
		return p->inputs_file[0] || (p->undrawn & VX_UNDRAWN_INPUTS) ? vnum(NAN) : vnum(p->input_scale);
	case NM_GAMMA: return vnum(r->gamma);
	case NM_LAMBDA: return vnum(r->lambda);
	/* γλ and ln(γλ) under the one policy for "equal to 1" (engine/regime.h):
	 * exactly 1 and 0 on the edge, so a template's own comparisons agree
	 * with `regime` */
	case NM_GAMMA_LAMBDA: return vnum(vx_result_gl(r));
	case NM_INV_GAMMA: return vnum(1.0 / r->gamma);
	case NM_LOSS: return vmag(r->loss);
	case NM_GRAD_NORM: return vmag(r->grad_norm);
	case NM_LOSS_SUM: return vmag(r->loss_sum);
	case NM_GRAD_SUM_NORM: return vmag(r->grad_sum_norm);
	case NM_GRAD_SUM_NEAR: return vmag(r->grad_sum_near);
	case NM_GRAD_SUM_FAR: return vmag(r->grad_sum_far);
	case NM_LYAP: return vnum(vx_result_lyap(r));
	case NM_LYAP_BOUND: return vnum(vx_result_ln_gl(r));
	case NM_REGIME: return vstr(vx_regime_name(vx_result_regime(r)));
	case NM_RATE: return vnum(r->rate);
	case NM_PATH_NORM: case NM_PATH_PRODUCT: case NM_PATH_BOUND: case NM_PATH_CONTRIB: case NM_PATH_GAP:
	case NM_PATH_DELTA: case NM_PATH_SPREV: {
		size_t k = vxr_tpl_eval_index(ev, e->a, c->k, 1, r->t, "k", "1..t");
		if (ev->st != VX_OK)
			return vnum(0);
		const vx_path *pa = &r->paths[k - 1];
		switch ((name_id)e->name) {
		case NM_PATH_NORM: return vmag(pa->norm);
		case NM_PATH_PRODUCT: return vmag(pa->step_product);
		case NM_PATH_BOUND: return vmag(pa->bound);
		case NM_PATH_CONTRIB: return vmag(pa->contribution);
		case NM_PATH_DELTA: return vmag(pa->delta_norm);
		case NM_PATH_SPREV: return vmag(pa->sprev_norm);
		default: return vint((double)pa->gap);
		}
	}
	case NM_STEP_NORM: case NM_DACT_MAX: case NM_DACT_MIN: case NM_DACT_MEAN: case NM_DACT_SAT:
	case NM_A_ABSMAX: case NM_DACT_ARGMIN: {
		size_t j = vxr_tpl_eval_index(ev, e->a, c->j, 1, r->T, "j", "1..T");
		if (ev->st != VX_OK)
			return vnum(0);
		if (e->name == NM_STEP_NORM)
			return vmag(r->step_mag[j - 1]);
		double amax = 0, xm = 0, xe = 0, nm = 0, ne = 0;
		size_t sat = 0, argmin = 0;
		for (size_t i = 0; i < r->d; i++) {
			double m, q = dact_of(c, j, i, &m);
			/* the first unit that reaches the smallest σ′: the most saturated */
			if (i == 0 || cmp_split(m, q, nm, ne) < 0) {
				argmin = i;
				nm = m;
				ne = q;
			}
			if (i == 0 || cmp_split(m, q, xm, xe) > 0) {
				xm = m;
				xe = q;
			}
			amax = fmax(amax, fabs(gsl_matrix_get(r->a, j - 1, i)));
			sat += vx_act_df(c->model->act, gsl_matrix_get(r->a, j - 1, i)) < 0.1 * r->gamma;
		}
		switch ((name_id)e->name) {
		case NM_DACT_MAX: return vmag(vx_mag_ldexp(xm, xe));
		case NM_DACT_MIN: return vmag(vx_mag_ldexp(nm, ne));
		case NM_DACT_MEAN: {
			/* the mean at the largest σ′'s power of two */
			double sum = 0;
			for (size_t i = 0; i < r->d; i++) {
				double m, q = dact_of(c, j, i, &m);
				sum += m > 0 && q - xe > -1100 ? ldexp(m, (int)(q - xe)) : 0;
			}
			return vmag(vx_mag_ldexp(sum / (double)r->d, xe));
		}
		case NM_DACT_SAT: return vint((double)sat);
		case NM_DACT_ARGMIN: return vint((double)(argmin + 1));
		default: return vnum(amax);
		}
	}
	case NM_STEPS_MAX: case NM_STEPS_MIN: case NM_STEPS_GEOMEAN: {
		/* by their log10: saturated units put a step norm below the doubles */
		size_t jx = 0, jn = 0;
		double sl = 0;
		for (size_t j = 0; j < r->t; j++) {
			double l = r->step_mag[j].log10;
			jx = l > r->step_mag[jx].log10 ? j : jx;
			jn = l < r->step_mag[jn].log10 ? j : jn;
			sl += l;
		}
		if (e->name != NM_STEPS_GEOMEAN)
			return vmag(r->step_mag[e->name == NM_STEPS_MAX ? jx : jn]);
		sl /= (double)r->t;
		return sl == -INFINITY ? vnum(0) : vmag(vx_mag_from_log10(sl));
	}
	case NM_FD_DSDA: case NM_FD_DADS: case NM_FD_DSDS: case NM_FD_DLDW: case NM_FD_J: case NM_FD_K:
	case NM_FD_UNRESOLVED: case NM_FD_AT_KINK: {
		vx_error e2;
		const vx_fdcheck *fd = vxr_env_fd(ev->env, &e2);
		if (!fd) {
			vxr_tpl_eval_fail(ev, e->off, "%s", e2.msg);
			return vnum(0);
		}
		switch ((name_id)e->name) {
		case NM_FD_DSDA: return vnum(fd->dsda);
		case NM_FD_DADS: return vnum(fd->dads);
		case NM_FD_DSDS: return vnum(fd->dsds);
		case NM_FD_DLDW: return vnum(fd->dLdW);
		case NM_FD_J: return vint((double)fd->j);
		case NM_FD_UNRESOLVED: return vint((double)fd->unresolved);
		case NM_FD_AT_KINK: return vint((double)fd->at_kink);
		default: return vint((double)fd->k);
		}
	}
	case NM_TERMINAL: return vint(vxr_env_terminal(ev->env));
	case NM_ORTHO_NORM1: case NM_ORTHO_LYAP: case NM_ORTHO_RATE:
	case NM_IDENT_NORM1: case NM_IDENT_LYAP: case NM_IDENT_RATE: {
		int which = e->name >= NM_IDENT_NORM1;
		vx_error e2;
		const vx_result *a = vxr_env_alt(ev->env, which, &e2);
		if (!a) {
			vxr_tpl_eval_fail(ev, e->off, "%s", e2.msg);
			return vnum(0);
		}
		int what = e->name - (which ? NM_IDENT_NORM1 : NM_ORTHO_NORM1);
		if (what == 0)
			return vmag(a->paths[0].norm);
		if (what == 1)
			return vnum(a->lyap_max);
		return vnum(a->rate);
	}
	case NM_EIGEN_RHO: {
		vx_error e2;
		const vx_eigen *eg = vxr_env_eigen(ev->env, &e2);
		if (!eg) {
			vxr_tpl_eval_fail(ev, e->off, "%s", e2.msg);
			return vnum(0);
		}
		return vnum(eg->rho);
	}
	case NM_POWERS_N: return vint((double)vxr_env_powers_n(ev->env));
	case NM_POWERS_SLOW: return vint(vxr_env_powers_slow(ev->env));
	case NM_LATER_GATES: return vint(vxr_env_later(ev->env, VXR_LATER_GATES));
	case NM_LATER_GATED: return vint(vxr_env_later(ev->env, VXR_LATER_GATED));
	case NM_LATER_REGIMES: return vint(vxr_env_later(ev->env, VXR_LATER_REGIMES));
	case NM_LATER_INITS: return vint(vxr_env_later(ev->env, VXR_LATER_INITS));
	case NM_LATER_POWERS: return vint(vxr_env_later(ev->env, VXR_LATER_POWERS));
	case NM_POWERS_MAX: case NM_POWERS_ARGMAX: case NM_POWERS_LAST: {
		vx_error e2;
		const vx_mag *pw = vxr_env_powers(ev->env, &e2);
		if (!pw) {
			vxr_tpl_eval_fail(ev, e->off, "%s", e2.msg);
			return vnum(0);
		}
		size_t N = vxr_env_powers_n(ev->env), peak = vxr_powers_peak(pw, N);
		if (e->name == NM_POWERS_LAST)
			return vmag(pw[N]);
		return e->name == NM_POWERS_MAX ? vmag(pw[peak]) : vint((double)peak);
	}
	case NM_BELOW_GL: case NM_BELOW_NORM1: case NM_BELOW_BOUND1: case NM_BELOW_VERDICT:
	case NM_EDGE_GL: case NM_EDGE_NORM1: case NM_EDGE_BOUND1: case NM_EDGE_VERDICT:
	case NM_ABOVE_GL: case NM_ABOVE_NORM1: case NM_ABOVE_BOUND1: case NM_ABOVE_VERDICT: {
		int what = (e->name - NM_BELOW_GL) % 4;
		vx_regime g = (vx_regime)((e->name - NM_BELOW_GL) / 4 - 1);
		double gl = vxr_env_regime_gl(ev->env, g);
		if (what == 0)
			return vnum(gl);
		/* a network that could not be computed reads NaN and "none", as an
		 * unresolved check does: the text goes on, conditionals skip it */
		const vx_result *a = vxr_env_regime(ev->env, g, NULL);
		if (what == 2)
			return a ? vmag(a->paths[0].bound) : vl10(0, gl > 0 ? (double)(r->t - 1) * log10(gl) : -INFINITY);
		if (what == 1)
			return a ? vmag(a->paths[0].norm) : vnum(NAN);
		return vstr(a ? vx_trend_name(vx_result_trend(a)) : "none");
	}
	/* the verdict `vanex check` prints for this network */
	case NM_VERDICT: return vstr(vx_trend_name(vx_result_trend(r)));
	case NM_FORGET_BIAS: return vnum(c->forget_bias);
	case NM_CELL: return vstr(vx_cell_name(c->cell));
	case NM_HORIZON: case NM_FATE: {
		size_t gap;
		int h = vx_gap_leave(&r->paths[0].norm.log10, sizeof *r->paths, r->t, log10(VX_HORIZON_LOW),
		                     log10(VX_HORIZON_HIGH), &gap);
		if (e->name == NM_HORIZON)
			return vint((double)gap);
		return vstr(fate_name(h));
	}
	case NM_LSTM_NORM: case NM_LSTM_H_NORM: case NM_LSTM_C_NORM: case NM_LSTM_KEEP: case NM_LSTM_HORIZON:
	case NM_LSTM_FATE: case NM_LSTM_RATE: case NM_GRU_NORM: case NM_GRU_H_NORM: case NM_GRU_KEEP:
	case NM_GRU_HORIZON: case NM_GRU_FATE: case NM_GRU_RATE: {
		vx_cell cell = e->name >= NM_GRU_NORM ? VX_CELL_GRU : VX_CELL_LSTM;
		size_t k = 1;
		if (vxr_tpl_names[e->name].args == ARG_K) {
			k = vxr_tpl_eval_index(ev, e->a, c->k, 1, r->t, "k", "1..t");
			if (ev->st != VX_OK)
				return vnum(0);
		}
		vx_error e2;
		const vx_net_result *g;
		if (vxr_env_gated(ev->env, cell, &g, &e2) != VX_OK) {
			vxr_tpl_eval_fail(ev, e->off, "%s", e2.msg);
			return vnum(0);
		}
		switch ((name_id)e->name) {
		case NM_LSTM_NORM: case NM_GRU_NORM: return vmag(g->paths[k - 1].norm);
		/* one layer: the blocks of layer 0 at index k − 1 */
		case NM_LSTM_H_NORM: case NM_GRU_H_NORM: return vmag(g->h_norm[k - 1]);
		case NM_LSTM_C_NORM: return vmag(g->c_norm[k - 1]);
		case NM_LSTM_KEEP: case NM_GRU_KEEP: return vnum(g->stats[0].keep_mean);
		case NM_LSTM_HORIZON: case NM_GRU_HORIZON: return vint((double)g->horizon);
		case NM_LSTM_RATE: case NM_GRU_RATE: return vnum(g->rate);
		default:
			return vstr(fate_name(g->horizon_kind == VX_HORIZON_VANISH ? -1 : g->horizon_kind == VX_HORIZON_EXPLODE));
		}
	}
	case NM_COUNT:
		break;
	}
	vxr_tpl_eval_fail(ev, e->off, "internal: unhandled name");
	return vnum(0);
}

static val arith(evalr *ev, const expr *e, val a, val b)
{
	int isint = a.type == V_INT && b.type == V_INT;
	double La = L(a), Lb = L(b);
	int na = NEG(a), nb = NEG(b);
	switch (e->op) {
	case E_MUL:
		if (a.fits && b.fits) {
			double p = a.v * b.v;
			/* an underflow to 0 or a subnormal goes to the log domain */
			if ((normal_or_zero(p) && (p != 0 || a.v == 0 || b.v == 0)) || !isfinite(a.v) || !isfinite(b.v))
				return isint && fabs(p) < 9e15 ? vint(p) : vnum(p);
		}
		return vl10(na ^ nb, La + Lb);
	case E_DIV:
		if ((b.fits && b.v == 0)) {
			vxr_tpl_eval_fail(ev, e->off, "division by zero");
			return vnum(0);
		}
		if (a.fits && b.fits) {
			double q = a.v / b.v;
			if ((normal_or_zero(q) && (q != 0 || a.v == 0)) || !isfinite(a.v) || !isfinite(b.v))
				return vnum(q);
		}
		return vl10(na ^ nb, La - Lb);
	case E_POW: {
		if (!b.fits) {
			vxr_tpl_eval_fail(ev, e->off, "exponent out of range");
			return vnum(0);
		}
		int bint = b.v == floor(b.v);
		if (na && !bint) {
			vxr_tpl_eval_fail(ev, e->off, "a negative number to a fractional power");
			return vnum(0);
		}
		if (a.fits) {
			double p = pow(a.v, b.v);
			if ((normal_or_zero(p) && (p != 0 || a.v == 0)) || !isfinite(a.v))
				return isint && b.v >= 0 && fabs(p) < 9e15 ? vint(p) : vnum(p);
		}
		int neg = na && bint && fmod(fabs(b.v), 2) == 1;
		return vl10(neg, b.v * La);
	}
	case E_ADD:
	case E_SUB: {
		if (e->op == E_SUB)
			nb = !nb;
		if (a.fits && b.fits) {
			double s = e->op == E_ADD ? a.v + b.v : a.v - b.v;
			if (isfinite(s) || !isfinite(a.v) || !isfinite(b.v))
				return isint && fabs(s) < 9e15 ? vint(s) : vnum(s);
		}
		/* the larger dominates; log10(1 ± 10^-(Lmax-Lmin)) corrects it */
		double hi = La >= Lb ? La : Lb, lo = La >= Lb ? Lb : La;
		int sign = La >= Lb ? na : nb;
		double r = lo == -INFINITY ? 0 : pow(10, lo - hi);
		if (na == nb)
			return vl10(sign, hi + log10(1 + r));
		if (r >= 1)
			return vnum(0);
		return vl10(sign, hi + log10(1 - r));
	}
	default:
		break;
	}
	return vnum(0);
}

int vxr_tpl_truthy(val v)
{
	if (v.type == V_STR)
		return v.s[0] != '\0';
	return v.fits ? v.v != 0 && !isnan(v.v) : 1;
}

/* -1, 0, 1 comparing two numbers that may be held by their log10 */
static int cmpnum(val a, val b)
{
	if (a.fits && b.fits)
		return (a.v > b.v) - (a.v < b.v);
	int na = NEG(a), nb = NEG(b);
	double La = L(a), Lb = L(b);
	if (La == -INFINITY && Lb == -INFINITY)
		return 0;
	if (La == -INFINITY)
		return nb ? 1 : -1;
	if (Lb == -INFINITY)
		return na ? -1 : 1;
	if (na != nb)
		return na ? -1 : 1;
	int c = (La > Lb) - (La < Lb);
	return na ? -c : c;
}

val vxr_tpl_eval(evalr *ev, const expr *e)
{
	if (ev->st != VX_OK)
		return vnum(0);
	switch (e->op) {
	case E_NUM: {
		val v = vnum(e->num);
		if (e->num == floor(e->num) && fabs(e->num) < 9e15)
			v.type = V_INT;
		return v;
	}
	case E_STR: return vstr(e->str);
	case E_NAME: return eval_name(ev, e);
	case E_NEG: {
		val a = vxr_tpl_eval(ev, e->a);
		if (a.type == V_STR) {
			vxr_tpl_eval_fail(ev, e->off, "'-' applied to text");
			return vnum(0);
		}
		if (a.fits)
			a.v = -a.v;
		else
			a.neg = !a.neg;
		return a;
	}
	case E_NOT: {
		val a = vxr_tpl_eval(ev, e->a);
		return vint(!vxr_tpl_truthy(a));
	}
	case E_AND: {
		val a = vxr_tpl_eval(ev, e->a);
		if (!vxr_tpl_truthy(a))
			return vint(0);
		return vint(vxr_tpl_truthy(vxr_tpl_eval(ev, e->b)));
	}
	case E_OR: {
		val a = vxr_tpl_eval(ev, e->a);
		if (vxr_tpl_truthy(a))
			return vint(1);
		return vint(vxr_tpl_truthy(vxr_tpl_eval(ev, e->b)));
	}
	case E_FUNC: {
		val a = vxr_tpl_eval(ev, e->a);
		val b = e->b ? vxr_tpl_eval(ev, e->b) : vnum(0);
		if (ev->st != VX_OK)
			return vnum(0);
		if (a.type == V_STR || b.type == V_STR) {
			vxr_tpl_eval_fail(ev, e->off, "%s() of text", vxr_tpl_funcs[e->name]);
			return vnum(0);
		}
		const char *f = vxr_tpl_funcs[e->name];
		if (strcmp(f, "min") == 0)
			return cmpnum(a, b) <= 0 ? a : b;
		if (strcmp(f, "max") == 0)
			return cmpnum(a, b) >= 0 ? a : b;
		if (strcmp(f, "abs") == 0) {
			if (a.fits)
				a.v = fabs(a.v);
			a.neg = 0;
			return a;
		}
		if (strcmp(f, "log10") == 0 || strcmp(f, "ln") == 0 || strcmp(f, "sqrt") == 0) {
			if (NEG(a) || (f[0] != 's' && L(a) == -INFINITY)) {
				vxr_tpl_eval_fail(ev, e->off, "%s() of a number that is not positive", f);
				return vnum(0);
			}
			if (f[0] == 's')
				return a.fits ? vnum(sqrt(a.v)) : vl10(0, L(a) / 2);
			return vnum(f[0] == 'l' && f[1] == 'n' ? L(a) * M_LN10 : L(a));
		}
		if (strcmp(f, "exp") == 0) {
			if (!a.fits) {
				vxr_tpl_eval_fail(ev, e->off, "exp() of a number out of range");
				return vnum(0);
			}
			return vl10(0, a.v / M_LN10);
		}
		if (!a.fits)
			return a;
		return vint(strcmp(f, "floor") == 0 ? floor(a.v) : ceil(a.v));
	}
	case E_ADD: case E_SUB: case E_MUL: case E_DIV: case E_POW:
	case E_LT: case E_LE: case E_GT: case E_GE: case E_EQ: case E_NE: {
		val a = vxr_tpl_eval(ev, e->a);
		val b = vxr_tpl_eval(ev, e->b);
		if (ev->st != VX_OK)
			return vnum(0);
		if (a.type == V_STR || b.type == V_STR) {
			if ((e->op == E_EQ || e->op == E_NE) && a.type == V_STR && b.type == V_STR) {
				int eq = strcmp(a.s, b.s) == 0;
				return vint(e->op == E_EQ ? eq : !eq);
			}
			vxr_tpl_eval_fail(ev, e->off, "text cannot be %s a number",
			        e->op == E_EQ || e->op == E_NE ? "compared with" : "combined with");
			return vnum(0);
		}
		if (e->op >= E_LT) {
			/* as in IEEE arithmetic: NaN (a check that could not be made)
			 * is neither below, above nor equal to anything */
			if (isnan(a.fits ? a.v : L(a)) || isnan(b.fits ? b.v : L(b)))
				return vint(e->op == E_NE);
			int c = cmpnum(a, b);
			int r = e->op == E_LT ? c < 0 : e->op == E_LE ? c <= 0 : e->op == E_GT ? c > 0
			      : e->op == E_GE ? c >= 0 : e->op == E_EQ ? c == 0 : c != 0;
			return vint(r);
		}
		return arith(ev, e, a, b);
	}
	}
	return vnum(0);
}

/* ================================================================ formats */

int vxr_tpl_parse_format(const char *s, size_t n, fspec *f)
{
	memset(f, 0, sizeof *f);
	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	f->given = 1;
	if (n == 3 && memcmp(s, "int", 3) == 0) {
		f->isint = 1;
		return 0;
	}
	if (n == 4 && memcmp(s, "full", 4) == 0) {
		f->sig = 17;
		return 0;
	}
	size_t i = 0;
	if (i < n && s[i] == '.') {
		i++;
		int sig = 0, digits = 0;
		while (i < n && isdigit((unsigned char)s[i]) && digits < 3) {
			sig = sig * 10 + (s[i] - '0');
			i++;
			digits++;
		}
		if (!digits || sig < 1 || sig > 17)
			return -1;
		f->sig = sig;
	}
	if (i == n)
		return i > 0 ? 0 : -1;
	if (n - i == 3 && memcmp(s + i, "sci", 3) == 0) {
		f->kind = 1;
		return 0;
	}
	return -1;
}

void vxr_tpl_format_val(char *buf, size_t n, val v, const fspec *f, vxf_style st)
{
	if (v.type == V_STR) {
		snprintf(buf, n, "%s", v.s);
		return;
	}
	if (v.underflow) {
		vxf_underflow(buf, n, st);
		return;
	}
	int sig = f->sig ? f->sig : 3;
	if (f->isint || (v.type == V_INT && !f->given)) {
		if (v.fits && fabs(v.v) < 9e15) {
			snprintf(buf, n, "%.0f", v.v == 0 ? 0.0 : v.v);
			vxf_minus(buf, n, st);
			return;
		}
	}
	if (!v.fits) {
		char m[96];
		vxf_log10(m, sizeof m, v.l10, sig, st);
		snprintf(buf, n, "%s%s", v.neg ? "-" : "", m);
		vxf_minus(buf, n, st);
		return;
	}
	if (f->kind == 1 && isfinite(v.v) && v.v != 0) {
		char m[64];
		snprintf(m, sizeof m, "%.*e", sig - 1, v.v);
		char *ep = strchr(m, 'e');
		long e10 = ep ? strtol(ep + 1, NULL, 10) : 0;
		if (ep)
			*ep = '\0';
		/* drop trailing zeros as fmt.c does */
		char *dot = strchr(m, '.');
		if (dot) {
			char *z = m + strlen(m);
			while (z > dot + 1 && z[-1] == '0')
				z--;
			if (z == dot + 1)
				z = dot;
			*z = '\0';
		}
		snprintf(buf, n, "%s", m);
		vxf_exp10(buf, n, e10, st);
		vxf_minus(buf, n, st);
		return;
	}
	vxf_num(buf, n, v.v, sig, st);
}

vx_status vxr_format_number(char *buf, size_t n, double x, const char *format, vxf_style st)
{
	fspec f;
	memset(&f, 0, sizeof f);
	if (format && *format && vxr_tpl_parse_format(format, strlen(format), &f) < 0) {
		snprintf(buf, n, "?");
		return VX_EFORMAT;
	}
	vxr_tpl_format_val(buf, n, vnum(x), &f, st);
	return VX_OK;
}
