/*
 * test_engine_net_torch.c — vx_net_analyse against PyTorch float64 autograd.
 *
 * Writes randomised networks (cell, d, n, layers 1..3, T, t, forget biases,
 * saturated gates) and everything the engine computed for them as JSON, then
 * runs tests/unit/net_torch.py once over all of them: it loads the weights
 * into nn.RNN / nn.LSTM / nn.GRU, steps them one call per step (so the state
 * is every layer's h and c, exactly PyTorch's), and compares the forward
 * pass, every ‖J_j‖₂ and b_j >= ‖J_j‖₂, every ‖∂S_t/∂S_k‖₂ and its h and c
 * blocks (torch.autograd.functional.jacobian of the composed steps), the
 * loss, the gradient of every parameter and the path terms of every
 * weight_hh to 1e-9 relative.  Needs /usr/bin/python3 with torch
 * (tests/deps.sh installs python3-torch); fails, never skips, without it.
 *
 * Then one-layer networks whose every unit or gate saturates past the
 * doubles (σ' = 10^-434 at a = 500 for tanh), where torch's float64 gives
 * 0, against 50-digit mpmath (tests/unit/net_deep_ref.py, python3-mpmath).
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <gsl/gsl_errno.h>

#include "engine/net.h"
#include "engine/net_analysis.h"
#include "test_engine_net_util.h"

static json_t *jmat(const gsl_matrix *M, double scale)
{
	json_t *a = json_array();
	for (size_t i = 0; i < M->size1; i++) {
		json_t *r = json_array();
		for (size_t j = 0; j < M->size2; j++)
			json_array_append_new(r, json_real(gsl_matrix_get(M, i, j) * scale));
		json_array_append_new(a, r);
	}
	return a;
}

static json_t *jvec(const gsl_vector *v, double scale)
{
	json_t *a = json_array();
	for (size_t i = 0; v && i < v->size; i++)
		json_array_append_new(a, json_real(gsl_vector_get(v, i) * scale));
	return a;
}

/* a magnitude as its log10 (JSON has no -inf: null for exactly 0) */
static json_t *jl10(vx_mag m)
{
	return isfinite(m.log10) ? json_real(m.log10) : json_null();
}

/* n magnitudes as their values (null where one does not fit a double) */
static json_t *jmags(const vx_mag *m, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, m[i].fits ? json_real(m[i].value) : json_null());
	return a;
}

typedef struct {
	vx_cell cell;
	vx_act act;
	size_t L;
	double fb;     /* forget (LSTM f, GRU z) bias */
	double bias;   /* spread of the other biases */
} tcase;

static vx_net *make_net(const tcase *c, unsigned long long seed, size_t *t_out)
{
	unsigned long long st = seed * 0x9E3779B97F4A7C15ULL + 3;
	/* sizes drawn from the seed: d 2..7, n 1..4, T 5..24, t in [T/2, T] */
	lcg_gauss(&st);
	size_t d = 2 + (size_t)(st >> 33) % 6;
	lcg_gauss(&st);
	size_t n = 1 + (size_t)(st >> 33) % 4;
	lcg_gauss(&st);
	size_t T = 5 + (size_t)(st >> 33) % 20;
	lcg_gauss(&st);
	*t_out = T / 2 + (size_t)(st >> 33) % (T - T / 2 + 1);
	if (*t_out < 1)
		*t_out = 1;
	double w = 0.5 + 2.0 * fabs(lcg_gauss(&st)) / 2.5;
	vx_net *net = vx_net_alloc(c->cell, c->act, c->L, d, n, T);
	cr_assert(net);
	fill_random_net(net, w, c->bias, c->fb, 0.3, &st);
	return net;
}

static json_t *dump(const vx_net *net, const vx_net_result *r, const char *label)
{
	json_t *o = json_object();
	json_object_set_new(o, "label", json_string(label));
	json_object_set_new(o, "cell", json_string(vx_cell_name(net->cell)));
	json_object_set_new(o, "act", json_string(vx_act_name(net->act)));
	json_object_set_new(o, "L", json_integer((json_int_t)net->L));
	json_object_set_new(o, "d", json_integer((json_int_t)net->d));
	json_object_set_new(o, "t", json_integer((json_int_t)r->t));
	json_t *layers = json_array(), *states = json_array(), *grads = json_array();
	double gs = pow(10.0, r->grad_log10_scale);
	for (size_t l = 0; l < net->L; l++) {
		const vx_net_layer *ly = &net->layer[l];
		json_t *p = json_object(), *s = json_object(), *g = json_object();
		json_object_set_new(p, "weight_ih", jmat(ly->w_ih, 1));
		json_object_set_new(p, "weight_hh", jmat(ly->w_hh, 1));
		json_object_set_new(p, "bias_ih", jvec(ly->b_ih, 1));
		json_object_set_new(p, "bias_hh", jvec(ly->b_hh, 1));
		json_object_set_new(p, "h0", jvec(ly->h0, 1));
		json_object_set_new(p, "c0", jvec(ly->c0, 1));
		json_array_append_new(layers, p);
		json_object_set_new(s, "h", jmat(r->fwd->layer[l].h, 1));
		if (r->fwd->layer[l].c)
			json_object_set_new(s, "c", jmat(r->fwd->layer[l].c, 1));
		json_array_append_new(states, s);
		json_object_set_new(g, "weight_ih", jmat(r->grad[l].w_ih, gs));
		json_object_set_new(g, "weight_hh", jmat(r->grad[l].w_hh, gs));
		json_object_set_new(g, "bias_ih", jvec(r->grad[l].b_ih, gs));
		json_object_set_new(g, "bias_hh", jvec(r->grad[l].b_hh, gs));
		json_array_append_new(grads, g);
	}
	json_object_set_new(o, "layers", layers);
	json_object_set_new(o, "states", states);
	json_object_set_new(o, "grad", grads);
	json_object_set_new(o, "x", jmat(net->x, 1));
	json_object_set_new(o, "y", jvec(net->y, 1));
	json_object_set_new(o, "loss", jl10(r->loss));
	json_object_set_new(o, "step_norm", jmags(r->step_norm, r->T));
	json_object_set_new(o, "step_bound", jmags(r->step_bound, r->T));
	json_t *paths = json_array();
	for (size_t k = 1; k <= r->t; k++) {
		json_t *p = json_object(), *hn = json_array(), *cn = json_array(), *ct = json_array();
		json_object_set_new(p, "k", json_integer((json_int_t)k));
		json_object_set_new(p, "norm", jl10(r->paths[k - 1].norm));
		json_object_set_new(p, "step_product", jl10(r->paths[k - 1].step_product));
		json_object_set_new(p, "bound", jl10(r->paths[k - 1].bound));
		for (size_t l = 0; l < net->L; l++) {
			json_array_append_new(hn, jl10(r->h_norm[(k - 1) * net->L + l]));
			if (r->c_norm)
				json_array_append_new(cn, jl10(r->c_norm[(k - 1) * net->L + l]));
			json_array_append_new(ct, jl10(r->contribution[(k - 1) * net->L + l]));
		}
		json_object_set_new(p, "h_norm", hn);
		json_object_set_new(p, "c_norm", cn);
		json_object_set_new(p, "contribution", ct);
		json_array_append_new(paths, p);
	}
	json_object_set_new(o, "paths", paths);
	/* the same beyond a double, as log10 */
	json_t *sl = json_array(), *gh = json_array();
	for (size_t j = 0; j < r->T; j++)
		json_array_append_new(sl, jl10(r->step_norm[j]));
	for (size_t l = 0; l < net->L; l++)
		json_array_append_new(gh, jl10(r->grad_hh_norm[l]));
	json_object_set_new(o, "step_norm_log10", sl);
	json_object_set_new(o, "grad_norm_log10", jl10(r->grad_norm));
	json_object_set_new(o, "grad_hh_norm_log10", gh);
	return o;
}

/* cells × layers × forget biases; the last ones saturate gates */
static const tcase CASES[] = {
	{ VX_CELL_RNN, VX_TANH, 1, 0, 0.3 },   { VX_CELL_RNN, VX_TANH, 2, 0, 0.3 },
	{ VX_CELL_RNN, VX_RELU, 3, 0, 0.3 },   { VX_CELL_RNN, VX_TANH, 3, 0, 2.0 },
	{ VX_CELL_LSTM, VX_TANH, 1, 0, 0.5 },  { VX_CELL_LSTM, VX_TANH, 2, 1, 0.5 },
	{ VX_CELL_LSTM, VX_TANH, 3, -1, 0.5 }, { VX_CELL_LSTM, VX_TANH, 1, 3, 1.0 },
	{ VX_CELL_LSTM, VX_TANH, 2, 8, 4.0 },  { VX_CELL_LSTM, VX_TANH, 3, -8, 4.0 },
	{ VX_CELL_LSTM, VX_TANH, 2, 25, 6.0 }, { VX_CELL_GRU, VX_TANH, 1, 0, 0.5 },
	{ VX_CELL_GRU, VX_TANH, 2, 1, 0.5 },   { VX_CELL_GRU, VX_TANH, 3, -1, 0.5 },
	{ VX_CELL_GRU, VX_TANH, 2, 8, 4.0 },   { VX_CELL_GRU, VX_TANH, 3, -8, 4.0 },
	{ VX_CELL_GRU, VX_TANH, 1, 25, 6.0 },
};

Test(engine_net_torch, every_number_equals_pytorch_autograd, .timeout = 600)
{
	gsl_set_error_handler_off();
	char dir[] = "/tmp/vanex-net-torch.XXXXXX";
	cr_assert(mkdtemp(dir), "mkdtemp");
	char cmd[8192];
	/* the script beside this file (make runs the tests from the top) */
	const char *me = __FILE__, *slash = strrchr(me, '/');
	int len = slash ? (int)(slash - me) : 1;
	int pos = snprintf(cmd, sizeof cmd, "OMP_NUM_THREADS=1 /usr/bin/python3 %.*s/net_torch.py",
	                   len, slash ? me : ".");
	for (size_t c = 0; c < sizeof CASES / sizeof CASES[0]; c++)
		for (unsigned rep = 0; rep < 2; rep++) {
			const tcase *q = &CASES[c];
			size_t t;
			vx_net *net = make_net(q, 1000 + 10 * c + rep, &t);
			vx_net_result *r = NULL;
			vx_error err = { 0 };
			vx_exec ex = test_exec(net->D, 1);
			cr_assert_eq(vx_net_analyse(net, t, &ex, &r, &err), VX_OK, "%s", err.msg);
			char label[128], path[256];
			snprintf(label, sizeof label, "%s/%s L=%zu d=%zu n=%zu T=%zu t=%zu forget %g bias sd %g",
			         vx_cell_name(q->cell), vx_act_name(q->act), q->L, net->d, net->n, net->T, t, q->fb, q->bias);
			snprintf(path, sizeof path, "%s/case%02zu_%u.json", dir, c, rep);
			json_t *o = dump(net, r, label);
			cr_assert_eq(json_dump_file(o, path, JSON_REAL_PRECISION(17) | JSON_COMPACT), 0, "write %s", path);
			json_decref(o);
			pos += snprintf(cmd + pos, sizeof cmd - (size_t)pos, " %s", path);
			vx_net_result_free(r);
			vx_net_free(net);
		}
	int rc = system(cmd);
	char rm[300];
	snprintf(rm, sizeof rm, "rm -rf %s", dir);
	cr_expect_eq(system(rm), 0);
	cr_assert(rc == 0, "net_torch.py reports disagreements (exit %d): see its output", rc);
}

/* A gate block's bias_ih set to v for units [u0, d) (a gate b of G) */
static void set_bias(vx_net *net, size_t b, size_t u0, double v)
{
	for (size_t u = u0; u < net->d; u++)
		gsl_vector_set(net->layer[0].b_ih, b * net->d + u, v);
}

/* One layer, the gates' bias_ih set to b[g] (NAN: as drawn) in units u0..
 * (unit 0 keeps its drawn biases when u0 = 1) */
static vx_net *deep_net(vx_cell cell, vx_act act, size_t d, size_t u0, const double *b, unsigned long long seed)
{
	unsigned long long st = seed * 0x9E3779B97F4A7C15ULL + 7;
	vx_net *net = vx_net_alloc(cell, act, 1, d, 2, 7);
	cr_assert(net);
	fill_random_net(net, 1.0, 0.3, 0, 0.3, &st);
	for (size_t g = 0; g < net->G; g++)
		if (!isnan(b[g]))
			set_bias(net, g, u0, b[g]);
	return net;
}

/* J_j = 10^-434 and beyond: vx_net_coef's coefficients carried apart from
 * their powers of two (before, each of these printed 0 for every norm, step
 * norm and gradient) */
Test(engine_net_deep, saturated_one_layer_nets_equal_50_digit_mpmath, .timeout = 300)
{
	/* biases of the gates in PyTorch's order (LSTM i, f, g, o; GRU r, z, n):
	 * ±1000 puts σ' near 10^-434, tanh' near 10^-868 */
	static const struct { vx_cell cell; vx_act act; size_t d, u0; double b[4]; const char *limit; } C[] = {
		{ VX_CELL_RNN, VX_TANH, 3, 0, { 500 }, NULL },
		{ VX_CELL_RNN, VX_SIGMOID, 3, 0, { 1000 }, NULL },
		{ VX_CELL_RNN, VX_TANH, 3, 1, { 400 }, NULL },
		/* i, g, o open and flat, f shut */
		{ VX_CELL_LSTM, VX_TANH, 2, 0, { 1000, -1000, 1000, 1000 }, NULL },
		{ VX_CELL_LSTM, VX_TANH, 3, 1, { 1000, -1000, 1000, 1000 }, NULL },
		/* f open (J's power of two from diag(f), the gates 10^-434 below):
		 * ∂h_t/∂h_k, 10^-434 beside ∂c_t/∂c_k = 1 in one product, is 0
		 * and said to be (underflow_steps) */
		{ VX_CELL_LSTM, VX_TANH, 2, 0, { 1000, 1000, 1000, 1000 }, "dh_t/dh_k" },
		{ VX_CELL_LSTM, VX_TANH, 2, 0, { 1000, 5, 1000, 1000 }, NULL },
		/* z shut, n flat at 1 */
		{ VX_CELL_GRU, VX_TANH, 2, 0, { NAN, -1000, 1000 }, NULL },
		{ VX_CELL_GRU, VX_TANH, 3, 1, { NAN, -1000, 1000 }, NULL },
		/* r and z shut, n not saturated: J takes N only in N r, N ur; the
		 * gradient of weight_hh (through r) 10^-435 beside weight_ih's
		 * (through N) is 0 and said to be */
		{ VX_CELL_GRU, VX_TANH, 2, 0, { -1000, -1000, 0 }, "path term,weight_hh gradient norm" },
		/* z open: J near diag(z), the gates' N = 10^-868 */
		{ VX_CELL_GRU, VX_TANH, 2, 0, { NAN, 1000, 1000 }, NULL },
	};
	gsl_set_error_handler_off();
	char dir[] = "/tmp/vanex-net-deep.XXXXXX";
	cr_assert(mkdtemp(dir), "mkdtemp");
	char cmd[4096];
	const char *me = __FILE__, *slash = strrchr(me, '/');
	int pos = snprintf(cmd, sizeof cmd, "/usr/bin/python3 %.*s/net_deep_ref.py", slash ? (int)(slash - me) : 1,
	                   slash ? me : ".");
	size_t beyond = 0;
	for (size_t c = 0; c < sizeof C / sizeof C[0]; c++) {
		vx_net *net = deep_net(C[c].cell, C[c].act, C[c].d, C[c].u0, C[c].b, 50 + c);
		vx_net_result *r = net_analyse_ok(net);
		for (size_t j = 0; j < r->T; j++)
			beyond += r->step_norm[j].log10 < -400;
		char label[96], path[128];
		snprintf(label, sizeof label, "case %zu: %s/%s d=%zu saturated from unit %zu", c, vx_cell_name(C[c].cell),
		         vx_act_name(C[c].act), C[c].d, C[c].u0);
		snprintf(path, sizeof path, "%s/deep%02zu.json", dir, c);
		json_t *o = dump(net, r, label);
		json_object_set_new(o, "limits", json_string(C[c].limit ? C[c].limit : ""));
		json_object_set_new(o, "underflow_steps", json_integer((json_int_t)r->underflow_steps));
		cr_assert_eq(json_dump_file(o, path, JSON_REAL_PRECISION(17) | JSON_COMPACT), 0, "write %s", path);
		json_decref(o);
		pos += snprintf(cmd + pos, sizeof cmd - (size_t)pos, " %s", path);
		vx_net_result_free(r);
		vx_net_free(net);
	}
	/* the fully saturated ones are past 10^-400 at every step */
	cr_assert_geq(beyond, 4 * 7, "only %zu step norms below 10^-400", beyond);
	int rc = system(cmd);
	char rm[300];
	snprintf(rm, sizeof rm, "rm -rf %s", dir);
	cr_expect_eq(system(rm), 0);
	cr_assert(rc == 0, "net_deep_ref.py reports disagreements (exit %d): see its output", rc);
}
