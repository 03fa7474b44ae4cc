/*
 * test_load_torch.c — a user's own PyTorch network, as torch.save,
 * safetensors and numpy write it, analysed by vanex and proven equal to
 * PyTorch float64 autograd.
 *
 * tests/fixtures/gen_ckpt.py (PyTorch 1.13 and numpy under /usr/bin/python3)
 * writes at test time the networks (nn.RNN tanh and relu, nn.LSTM, nn.GRU;
 * 1 and 2 layers; top level, in a wrapping module, under DataParallel's
 * "module."; float32 and float64; bidirectional; without biases; zip and
 * legacy .pt, a training loop's checkpoint, safetensors, savez and
 * savez_compressed; an LSTM trained to remember a sign over 20 steps), an
 * inputs file for each (a B×T×n batch in float64 or float32, a T×n .npy, a
 * .csv), and what PyTorch computes (see its header).  For every fixture
 * this test does what `check --weights FILE --inputs-file X` will: opens the
 * file (format from its content), finds and selects the module, reads and
 * checks the inputs, and for each direction and sequence builds the network
 * (vxr_find_net; x reversed for the reverse direction), sets x and y, and
 * runs vx_net_analyse.  Compared, all to 1e-9 relative:
 *   h_t (and c_t) of every layer at every step   (relative to the vector's
 *                                                  largest entry)
 *   ‖∂S_t/∂S_k‖₂ for every k, and its h and c blocks per layer
 *   ∂L_t/∂θ of every parameter of the direction   (relative to the
 *                                                  parameter's largest entry)
 *   L_t
 *   the batch's quartiles of log10 ‖∂S_t/∂S_k‖ (report/batch.h) against
 *   numpy.quantile of PyTorch's norms.
 * A float32 checkpoint is held to the same bar: its weights and float32
 * inputs are exact in a double, and PyTorch's reference runs on the same
 * values in float64.  And vxr_module_summary's line for each module.
 * Fails, never skips, without python3-torch.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_errno.h>

#include "engine/matio.h"
#include "engine/net.h"
#include "engine/net_analysis.h"
#include "report/batch.h"
#include "report/load/find.h"
#include "report/load/tensors.h"
#include "test_engine_util.h"
#include "test_load_util.h"

#define TOL 1e-9

static void setup(void)
{
	gsl_set_error_handler_off();
}

TestSuite(load_torch, .init = setup);

/* The largest error of each quantity over every fixture. */
enum { Q_H, Q_C, Q_NORM, Q_HNORM, Q_CNORM, Q_GRAD, Q_LOSS, Q_BATCH, Q_COUNT };
static const char *const QNAME[Q_COUNT] = { "h_t", "c_t", "|dS_t/dS_k|", "h blocks", "c blocks", "dL_t/dtheta",
	                                        "L_t", "batch quartiles" };
static double worst[Q_COUNT];
static size_t compared[Q_COUNT];

/* Only a failure is asserted: some 3000 values are compared, and each
 * passing assertion would be one more message to Criterion's runner. */
static void note(int q, double e, const char *what)
{
	compared[q]++;
	if (!(e <= worst[q]))
		worst[q] = e;
	if (!(e <= TOL))
		cr_expect(0, "%s: relative error %.3g", what, e);
}

static double jnum(const json_t *a, size_t i)
{
	return json_number_value(json_array_get(a, i));
}

/* A magnitude against a positive value, relative (through log10 when the
 * magnitude does not fit a double). */
static double rel_mag(vx_mag m, double want)
{
	if (want == 0)
		return m.log10 == -INFINITY ? 0 : INFINITY;
	if (m.fits)
		return fabs(m.value - want) / want;
	return fabs(expm1((m.log10 - log10(want)) * M_LN10));
}

/* got[0..n) against the JSON array want, relative to want's largest entry. */
static double rel_vec(const double *got, size_t stride, const json_t *want, size_t n, double scale)
{
	double ref = 0, err = 0;
	if (json_array_size(want) != n)
		return INFINITY;
	for (size_t i = 0; i < n; i++) {
		double w = jnum(want, i);
		ref = fmax(ref, fabs(w));
		err = fmax(err, fabs(got[i * stride] * scale - w));
	}
	return ref > 0 ? err / ref : err;
}

/* One direction of one sequence: everything PyTorch computed. */
static void compare(const vx_net *net, const vx_net_result *r, const json_t *seq, const char *label)
{
	size_t L = net->L, d = net->d, T = net->T, t = r->t;
	char what[600];
	for (size_t l = 0; l < L; l++)
		for (size_t j = 0; j < T; j++) {
			snprintf(what, sizeof what, "%.200s: layer %zu h_%zu", label, l, j + 1);
			note(Q_H, rel_vec(gsl_matrix_const_ptr(r->fwd->layer[l].h, j, 0), 1,
			                  json_array_get(json_array_get(json_object_get(seq, "h"), l), j), d, 1), what);
			if (net->cell == VX_CELL_LSTM) {
				snprintf(what, sizeof what, "%.200s: layer %zu c_%zu", label, l, j + 1);
				note(Q_C, rel_vec(gsl_matrix_const_ptr(r->fwd->layer[l].c, j, 0), 1,
				                  json_array_get(json_array_get(json_object_get(seq, "c"), l), j), d, 1), what);
			}
		}
	const json_t *norm = json_object_get(seq, "norm"), *hn = json_object_get(seq, "h_norm"),
	             *cn = json_object_get(seq, "c_norm");
	cr_assert_eq(json_array_size(norm), t, "%s: %zu norms from PyTorch, t = %zu", label, json_array_size(norm), t);
	for (size_t k = 1; k <= t; k++) {
		snprintf(what, sizeof what, "%.200s: |dS_%zu/dS_%zu|", label, t, k);
		note(Q_NORM, rel_mag(r->paths[k - 1].norm, jnum(norm, k - 1)), what);
		for (size_t l = 0; l < L; l++) {
			snprintf(what, sizeof what, "%.200s: layer %zu |dh_%zu/dh_%zu|", label, l, t, k);
			note(Q_HNORM, rel_mag(r->h_norm[(k - 1) * L + l], jnum(json_array_get(hn, k - 1), l)), what);
			if (net->cell == VX_CELL_LSTM) {
				snprintf(what, sizeof what, "%.200s: layer %zu |dc_%zu/dc_%zu|", label, l, t, k);
				note(Q_CNORM, rel_mag(r->c_norm[(k - 1) * L + l], jnum(json_array_get(cn, k - 1), l)), what);
			}
		}
	}
	const json_t *grad = json_object_get(seq, "grad");
	double scale = pow(10.0, r->grad_log10_scale);
	for (size_t l = 0; l < L; l++) {
		const vx_net_grad *g = &r->grad[l];
		const struct {
			const char *name;
			const double *v;
			size_t n;
		} p[4] = { { "weight_ih", g->w_ih->data, g->w_ih->size1 * g->w_ih->size2 },
			       { "weight_hh", g->w_hh->data, g->w_hh->size1 * g->w_hh->size2 },
			       { "bias_ih", g->b_ih->data, g->b_ih->size },
			       { "bias_hh", g->b_hh->data, g->b_hh->size } };
		/* a module without biases has only its weights as parameters */
		for (int q = 0; q < (net->no_bias ? 2 : 4); q++) {
			char key[32];
			snprintf(key, sizeof key, "%s_l%zu", p[q].name, l);
			snprintf(what, sizeof what, "%.200s: dL_%zu/d%s", label, t, key);
			/* vx_net_alloc's matrices and vectors are contiguous */
			note(Q_GRAD, rel_vec(p[q].v, 1, json_object_get(grad, key), p[q].n, scale), what);
		}
	}
	snprintf(what, sizeof what, "%.200s: L_%zu", label, t);
	note(Q_LOSS, rel_mag(r->loss, json_number_value(json_object_get(seq, "loss"))), what);
}

/* The batch's quartiles of log10 ‖∂S_t/∂S_k‖ against numpy's. */
static void compare_batch(const vxr_batch *b, const json_t *want, const char *label)
{
	static const char *const key[3] = { "q1", "median", "q3" };
	for (size_t k = 1; k <= b->t; k++) {
		const double got[3] = { b->norm[k - 1].q1, b->norm[k - 1].median, b->norm[k - 1].q3 };
		for (int q = 0; q < 3; q++) {
			char what[300];
			snprintf(what, sizeof what, "%.200s: batch %s of log10 |dS_t/dS_%zu|", label, key[q], k);
			note(Q_BATCH, fabs(expm1((got[q] - jnum(json_object_get(want, key[q]), k - 1)) * M_LN10)), what);
		}
	}
}

static void check_fixture(const json_t *e)
{
	const char *file = jstr(e, "path"), *xfile = jstr(e, "inputs");
	vx_error err = { 0 };
	vxr_kind kind;
	cr_assert_eq(vxr_kind_of_file(file, &kind, &err), VX_OK, "%s: %s", file, err.msg);
	vxr_tensors *f = NULL;
	cr_assert_eq(vxr_tensors_open(file, &f, &err), VX_OK, "%s: %s", file, err.msg);
	cr_expect_str_eq(f->format, jstr(e, "format"), "%s: format", file);
	cr_expect_eq(kind, strcmp(f->format, "safetensors") == 0      ? VXR_KIND_SAFETENSORS
	                   : strcmp(f->format, "PyTorch legacy") == 0 ? VXR_KIND_TORCH_LEGACY
	                                                              : VXR_KIND_ZIP, "%s: kind %d", file, (int)kind);

	vxr_module *mods = NULL;
	size_t nm = 0, pick = SIZE_MAX;
	cr_assert_eq(vxr_find_modules(f, &mods, &nm, &err), VX_OK, "%s: %s", file, err.msg);
	const char *want_mod = json_string_value(json_object_get(e, "module"));
	cr_assert_eq(vxr_find_select(f, mods, nm, want_mod, &pick, &err), VX_OK, "%s: %s", file, err.msg);
	const vxr_module *m = &mods[pick];
	cr_expect_str_eq(m->name, jstr(e, "name"), "%s: module", file);
	cr_expect_str_eq(vx_cell_name(m->cell), jstr(e, "cell"), "%s: cell", file);
	cr_expect(m->layers == jsize(e, "layers") && m->d == jsize(e, "d") && m->n == jsize(e, "n") &&
	          (size_t)m->directions == jsize(e, "directions") && (size_t)m->bias == jsize(e, "bias"),
	          "%s: %zu layers, d = %zu, n = %zu, %d directions, bias %d", file, m->layers, m->d, m->n, m->directions,
	          m->bias);
	cr_expect_str_eq(m->dtype, jstr(e, "dtype"), "%s: dtype", file);
	char line[400];
	cr_expect_str_eq(vxr_module_summary(m, line, sizeof line), jstr(e, "summary"), "%s: summary", file);

	vx_act act;
	cr_assert_eq(vx_act_parse(jstr(e, "act"), &act), 0);
	vx_inputs *in = NULL;
	cr_assert_eq(vx_inputs_read(xfile, &in, &err), VX_OK, "%s: %s", xfile, err.msg);
	cr_assert_eq(vx_inputs_check(in, xfile, m->n, &err), VX_OK, "%s", err.msg);
	cr_assert(in->B == jsize(e, "B") && in->T == jsize(e, "T"), "%s: %zu sequences of %zu steps", xfile, in->B,
	          in->T);
	size_t t = jsize(e, "t");
	const json_t *y = json_object_get(e, "y"), *dirs = json_object_get(e, "dirs");
	vx_net_result **res = calloc(in->B, sizeof *res);
	for (int dir = 0; dir < m->directions; dir++) {
		for (size_t b = 0; b < in->B; b++) {
			char label[600];
			snprintf(label, sizeof label, "%s %s sequence %zu", strrchr(file, '/') + 1, dir ? "reverse" : "forward",
			         b);
			vx_net *net = NULL;
			cr_assert_eq(vxr_find_net(f, m, dir, act, in->T, &net, &err), VX_OK, "%s: %s", label, err.msg);
			cr_expect_eq(net->no_bias, !m->bias, "%s: no_bias %d for a module with bias %d", label, net->no_bias,
			             m->bias);
			cr_assert_eq(vx_inputs_sequence(in, b, dir, net->x, &err), VX_OK, "%s: %s", label, err.msg);
			for (size_t i = 0; i < net->d; i++)
				gsl_vector_set(net->y, i, jnum(y, i));
			vx_exec ex = test_exec(net->D, 1);
			cr_assert_eq(vx_net_analyse(net, t, &ex, &res[b], &err), VX_OK, "%s: %s", label, err.msg);
			compare(net, res[b], json_array_get(json_array_get(dirs, (size_t)dir), b), label);
			vx_net_free(net);
		}
		vxr_batch *bt = NULL;
		cr_assert_eq(vxr_batch_summarise((const vx_net_result *const *)res, in->B, &bt, &err), VX_OK, "%s",
		             err.msg);
		char label[600];
		snprintf(label, sizeof label, "%s %s", strrchr(file, '/') + 1, dir ? "reverse" : "forward");
		compare_batch(bt, json_array_get(json_object_get(e, "batch"), (size_t)dir), label);
		vxr_batch_free(bt);
		for (size_t b = 0; b < in->B; b++)
			vx_net_result_free(res[b]);
	}
	free(res);
	vx_inputs_free(in);
	vxr_modules_free(mods, nm);
	vxr_tensors_free(f);
}

Test(load_torch, every_network_equals_pytorch_float64_autograd, .timeout = 600)
{
	char dir[64];
	json_t *man = load_generate("../fixtures/gen_ckpt.py", "", dir);
	const json_t *fx = json_object_get(man, "fixtures");
	cr_assert(json_array_size(fx) >= 18, "%zu fixtures", json_array_size(fx));
	size_t i;
	json_t *e;
	json_array_foreach(fx, i, e)
		check_fixture(e);
	fprintf(stderr, "load_torch: %zu networks against PyTorch float64; largest relative error (values compared):\n",
	        json_array_size(fx));
	for (int q = 0; q < Q_COUNT; q++)
		fprintf(stderr, "  %-16s %.3g (%zu)\n", QNAME[q], worst[q], compared[q]);
	/* every quantity was compared, none skipped */
	for (int q = 0; q < Q_COUNT; q++)
		cr_expect(compared[q] > 0, "%s never compared", QNAME[q]);
	json_decref(man);
	load_remove_dir(dir);
}

/* A file's modules listed one line each, the analysable and the refused.
 * (No .timeout: two tests with timeouts of different lengths running at
 * once made Criterion 2.4's runner leak 48 bytes under ASan, every run.) */
Test(load_torch, modules_are_listed_one_line_each)
{
	char dir[64];
	json_t *man = load_generate("../fixtures/gen_ckpt.py", "listing", dir);
	const json_t *ls = json_object_get(man, "listings");
	cr_assert(json_array_size(ls) >= 1);
	size_t i;
	json_t *e;
	json_array_foreach(ls, i, e) {
		const char *file = jstr(e, "path");
		const json_t *lines = json_object_get(e, "lines");
		vxr_tensors *f = NULL;
		vx_error err = { 0 };
		cr_assert_eq(vxr_tensors_open(file, &f, &err), VX_OK, "%s: %s", file, err.msg);
		vxr_module *mods = NULL;
		size_t n = 0;
		cr_assert_eq(vxr_find_modules(f, &mods, &n, &err), VX_OK, "%s", err.msg);
		cr_expect_eq(n, json_array_size(lines), "%s: %zu modules", file, n);
		for (size_t k = 0; k < n && k < json_array_size(lines); k++) {
			char line[400];
			cr_expect_str_eq(vxr_module_summary(&mods[k], line, sizeof line),
			                 json_string_value(json_array_get(lines, k)), "%s: module %zu", file, k);
		}
		/* cut to fit: a shorter buffer holds the start of the same line */
		char small[12];
		cr_expect_eq(strncmp(vxr_module_summary(&mods[0], small, sizeof small),
		                     json_string_value(json_array_get(lines, 0)), sizeof small - 1), 0, "%s", small);
		vxr_modules_free(mods, n);
		vxr_tensors_free(f);
	}
	json_decref(man);
	load_remove_dir(dir);
}
