/*
 * test_check_net.c — what `vanex check` shows of a network of gated cells
 * or stacked layers (report/check.h's vxr_net_check_text, _json,
 * vxr_net_verdict) and how report/modeljson.c reads a network back.
 *
 *   one verdict rule: a single vanilla layer analysed as a vx_net gives the
 *     vanilla verdict word for word, ‖∂s_t/∂s_k‖ written ‖∂S_t/∂S_k‖;
 *   the text fits 80 columns in UTF-8 and is pure ASCII without it, for
 *     every cell, stacks and magnitudes beyond a double;
 *   the JSON holds the network's own numbers bit for bit, a gradient beyond
 *     a double as grads_scaled × 10^grads_log10_scale, and reads back into
 *     the same network;
 *   the reader: values exactly, cell and layers from the shapes, one vanilla
 *     layer in PyTorch's names as W, U and b = bias_ih + bias_hh, options
 *     that contradict a file refused, a network refused where only one
 *     vanilla layer is explained.
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <gsl/gsl_errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/net.h"
#include "engine/net_analysis.h"
#include "engine/net_fdjudge.h"
#include "report/check.h"
#include "report/modeljson.h"
#include "report/text/utf8.h"
#include "test_engine_util.h"

static void setup(void)
{
	gsl_set_error_handler_off();
}

TestSuite(check_net, .init = setup);

static vx_net *built(const vx_params *p, vx_cell cell, size_t L, double fb)
{
	vx_net_spec s = { cell, L, fb };
	vx_net *net = NULL;
	vx_error err = { 0 };
	cr_assert_eq(vx_net_build(p, &s, &net, &err), VX_OK, "%s", err.msg);
	return net;
}

static vx_net_result *analysed(const vx_net *net)
{
	vx_net_result *r = NULL;
	vx_error err = { 0 };
	vx_exec ex = test_exec(net->D, 1);
	cr_assert_eq(vx_net_analyse(net, net->T, &ex, &r, &err), VX_OK, "%s", err.msg);
	return r;
}

/* ---- one rule for the verdict ---- */

Test(check_net, one_verdict_rule_for_a_layer_and_a_network)
{
	/* vanishing, exploding, neither, and t = 1 */
	static const char *const opts[][8] = {
		{ "act", "tanh", "norm", "0.5", "steps", "30", NULL },
		{ "act", "linear", "init", "identity", "norm", "2", "steps", "20" },
		{ "act", "linear", "init", "identity", "norm", "1", "steps", "20" },
		{ "act", "sigmoid", "norm", "3", "steps", "200", NULL },
		{ "steps", "1", NULL },
	};
	static const vxr_notation notes[] = { VXR_NOTE_ASCII, VXR_NOTE_UNICODE, VXR_NOTE_SUBSCRIPT };
	int seen[3] = { 0 };
	for (size_t c = 0; c < sizeof opts / sizeof opts[0]; c++) {
		vx_params p;
		vx_params_default(&p);
		for (size_t i = 0; i < 8 && opts[c][i]; i += 2)
			cr_assert_eq(vx_params_set(&p, opts[c][i], opts[c][i + 1], NULL), VX_OK);
		vx_model *m = NULL;
		vx_net *net = NULL;
		cr_assert_eq(vx_model_build(&p, &m, NULL), VX_OK);
		cr_assert_eq(vx_net_from_model(m, &net, NULL), VX_OK);
		vx_result *r = analyse_ok(m, m->T);
		vx_net_result *nr = analysed(net);
		for (size_t k = 0; k < sizeof notes / sizeof notes[0]; k++) {
			char a[200], b[200];
			vxr_trend va = vxr_verdict(r, notes[k], a, sizeof a), vb = vxr_net_verdict(nr, notes[k], b, sizeof b);
			/* the same words, the state's letter capital */
			for (char *q = a; *q; q++)
				if (*q == 's' && (q[1] == '_' || !strncmp(q + 1, "\u209c", 3) || !strncmp(q + 1, "\u2096", 3)))
					*q = 'S';
			cr_expect_eq(va, vb, "case %zu: %s against %s", c, vxr_trend_name(va), vxr_trend_name(vb));
			cr_expect_str_eq(b, a, "case %zu, notation %d", c, (int)notes[k]);
			if (k == 0)
				seen[vb]++;
		}
		vx_net_result_free(nr);
		vx_result_free(r);
		vx_net_free(net);
		vx_model_free(m);
	}
	cr_expect(seen[VXR_VANISHING] && seen[VXR_EXPLODING] && seen[VXR_NEITHER], "not every verdict was compared");
}

/* ---- the text ---- */

/* check's text of a network, the finite differences judged as check does. */
static char *text_of(const vx_params *p, vx_cell cell, size_t L, double fb, int utf8)
{
	vx_net *net = built(p, cell, L, fb);
	vx_net_result *r = analysed(net);
	vx_net_fdjudge fd;
	cr_assert_eq(vx_net_fd_judge(net, r, r->t, r->t > 1 ? r->t - 1 : 1, 4, &fd), VX_OK);
	vx_net_spec s = { cell, L, fb };
	vxr_net_check c = { p, &s, net, r, &fd };
	char *out = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&out, &n);
	vx_error err = { 0 };
	cr_assert_eq(vxr_net_check_text(f, &c, utf8, &err), VX_OK, "%s", err.msg);
	fclose(f);
	vx_net_fdjudge_clear(&fd);
	vx_net_result_free(r);
	vx_net_free(net);
	return out;
}

/* 1 when w stands in s as a word of its own ("inf", not "infinity"). */
static int has_word(const char *s, const char *w)
{
	size_t n = strlen(w);
	for (const char *q = strstr(s, w); q; q = strstr(q + 1, w))
		if ((q == s || !isalpha((unsigned char)q[-1])) && !isalpha((unsigned char)q[n]))
			return 1;
	return 0;
}

Test(check_net, the_text_fits_80_columns_and_is_ascii_without_utf8)
{
	static const struct {
		vx_cell cell;
		size_t L;
		double fb;
		const char *opt[8];
	} cases[] = {
		{ VX_CELL_LSTM, 2, 1, { NULL } },
		{ VX_CELL_GRU, 3, -2, { "steps", "120", "hidden", "12", NULL } },
		{ VX_CELL_RNN, 2, 0, { "act", "relu", NULL } },
		/* magnitudes beyond a double: 3^799 */
		{ VX_CELL_RNN, 2, 0, { "act", "linear", "init", "identity", "norm", "3", "steps", "800" } },
		{ VX_CELL_LSTM, 1, 0, { "steps", "1", NULL } },
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
		for (int utf8 = 0; utf8 <= 1; utf8++) {
			vx_params p;
			vx_params_default(&p);
			for (size_t i = 0; i < 8 && cases[c].opt[i]; i += 2)
				cr_assert_eq(vx_params_set(&p, cases[c].opt[i], cases[c].opt[i + 1], NULL), VX_OK);
			if (c == 3)
				p.input_scale = 0;
			char *t = text_of(&p, cases[c].cell, cases[c].L, cases[c].fb, utf8);
			size_t lines = 0;
			for (char *line = t, *nl; *line; line = nl + 1, lines++) {
				nl = strchr(line, '\n');
				cr_assert_not_null(nl, "case %zu: the text does not end its last line", c);
				*nl = '\0';
				cr_expect(vxr_u8_width(line) <= 80, "case %zu (utf8 %d): %d columns: %s", c, utf8,
				          vxr_u8_width(line), line);
				for (const unsigned char *q = (const unsigned char *)line; !utf8 && *q; q++)
					cr_expect(*q < 0x80, "case %zu: byte 0x%02x in the ASCII text: %s", c, *q, line);
				cr_expect(!has_word(line, "inf") && !has_word(line, "nan"), "case %zu: %s", c, line);
			}
			cr_expect(lines > 30, "case %zu: %zu lines", c, lines);
			free(t);
		}
}

/* ---- the JSON ---- */

static json_t *json_of(const vx_params *p, const vx_net *net, const vx_net_result *r)
{
	vx_net_spec s = { net->cell, net->L, 0 };
	vxr_net_check c = { p, &s, net, r, NULL };
	char *out = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&out, &n);
	vx_error err = { 0 };
	cr_assert_eq(vxr_net_check_json(f, &c, &err), VX_OK, "%s", err.msg);
	fclose(f);
	json_error_t je;
	json_t *o = json_loadb(out, n, JSON_REJECT_DUPLICATES, &je);
	cr_assert_not_null(o, "not JSON: %s", je.text);
	free(out);
	return o;
}

/* The entries of a JSON array of rows against M × scale, bit for bit when
 * scale is 1. */
static void same_rows(const json_t *a, const gsl_matrix *M, double scale, const char *what)
{
	cr_assert(json_is_array(a) && json_array_size(a) == M->size1, "%s: rows", what);
	for (size_t i = 0; i < M->size1; i++) {
		const json_t *row = json_array_get(a, i);
		cr_assert_eq(json_array_size(row), M->size2, "%s: row %zu", what, i);
		for (size_t j = 0; j < M->size2; j++)
			cr_expect_eq(json_number_value(json_array_get(row, j)), gsl_matrix_get(M, i, j) * scale,
			             "%s[%zu][%zu]", what, i, j);
	}
}

Test(check_net, the_json_holds_the_networks_numbers)
{
	vx_params p;
	vx_params_default(&p);
	p.steps = 25;
	vx_net *net = built(&p, VX_CELL_LSTM, 2, 2);
	vx_net_result *r = analysed(net);
	json_t *o = json_of(&p, net, r), *m = json_object_get(o, "model");
	cr_expect_str_eq(json_string_value(json_object_get(m, "cell")), "lstm");
	cr_expect_eq(json_integer_value(json_object_get(m, "layers")), 2);
	cr_expect_eq(json_integer_value(json_object_get(o, "state_size")), 32);
	static const char *const names[4] = { "weight_ih", "weight_hh", "bias_ih", "bias_hh" };
	for (size_t l = 0; l < 2; l++) {
		char key[32];
		const gsl_matrix *W[2] = { net->layer[l].w_ih, net->layer[l].w_hh };
		const gsl_matrix *G[2] = { r->grad[l].w_ih, r->grad[l].w_hh };
		for (int q = 0; q < 2; q++) {
			snprintf(key, sizeof key, "%s_l%zu", names[q], l);
			same_rows(json_object_get(m, key), W[q], 1, key);
			same_rows(json_object_get(json_object_get(o, "grads"), key), G[q], 1, key);
		}
		snprintf(key, sizeof key, "bias_ih_l%zu", l);
		cr_expect_eq(json_number_value(json_array_get(json_object_get(m, key), 9)), 2.0, "the forget bias");
		same_rows(json_array_get(json_object_get(o, "h"), l), r->fwd->layer[l].h, 1, "h");
		same_rows(json_array_get(json_object_get(o, "c"), l), r->fwd->layer[l].c, 1, "c");
	}
	const json_t *paths = json_object_get(o, "paths");
	cr_assert_eq(json_array_size(paths), 25);
	for (size_t k = 1; k <= 25; k++) {
		const json_t *q = json_array_get(paths, k - 1);
		cr_expect_eq(json_number_value(json_object_get(q, "norm")), r->paths[k - 1].norm.value, "k = %zu", k);
		for (size_t l = 0; l < 2; l++) {
			cr_expect_eq(json_number_value(json_array_get(json_object_get(q, "h_norm"), l)),
			             r->h_norm[(k - 1) * 2 + l].value, "k = %zu", k);
			cr_expect_eq(json_number_value(json_array_get(json_object_get(q, "c_norm"), l)),
			             r->c_norm[(k - 1) * 2 + l].value, "k = %zu", k);
		}
	}
	cr_expect(json_is_null(json_object_get(o, "fd_check")), "no check run: null");
	json_decref(o);
	vx_net_result_free(r);
	vx_net_free(net);
}

Test(check_net, a_gradient_beyond_a_double_is_scaled)
{
	/* two linear layers, W = 3 I, h0 = 1: h_t grows as 3^t, ∂L/∂θ as 9^t */
	vx_params p;
	vx_params_default(&p);
	cr_assert_eq(vx_params_set(&p, "act", "linear", NULL), VX_OK);
	cr_assert_eq(vx_params_set(&p, "init", "identity", NULL), VX_OK);
	p.norm = 3;
	p.steps = 400;
	p.input_scale = 0;
	vx_net *net = built(&p, VX_CELL_RNN, 2, 0);
	gsl_vector_set_all(net->layer[0].h0, 1);
	vx_net_result *r = analysed(net);
	cr_assert(r->grad_log10_scale > 300, "the gradient fits a double: scale %g", r->grad_log10_scale);
	json_t *o = json_of(&p, net, r);
	cr_expect(json_is_null(json_object_get(o, "grads")));
	cr_expect_eq(json_number_value(json_object_get(o, "grads_log10_scale")), r->grad_log10_scale);
	same_rows(json_object_get(json_object_get(o, "grads_scaled"), "weight_hh_l1"), r->grad[1].w_hh, 1, "scaled");
	cr_expect(json_is_null(json_object_get(o, "grad_norm")) &&
	          json_number_value(json_object_get(o, "log10_grad_norm")) == r->grad_norm.log10);
	json_decref(o);
	vx_net_result_free(r);
	vx_net_free(net);
}

/* ---- reading a network back ---- */

/* An LSTM of 2 layers, d = 1, n = 2, T = 2, every value distinct, cell and
 * layers left to the shapes. */
static const char lstm2[] =
	"{\"model\": {"
	"\"weight_ih_l0\": [[0.5, -1], [0.25, 2], [3, -0.125], [0.75, 4]],"
	"\"weight_hh_l0\": [[1.5], [-2.5], [0.0625], [5]],"
	"\"bias_ih_l0\": [0.1, 0.2, 0.3, 0.4], \"bias_hh_l0\": [-0.1, -0.2, -0.3, -0.4],"
	"\"weight_ih_l1\": [[6], [7], [8], [9]], \"weight_hh_l1\": [[10], [11], [12], [13]],"
	"\"h0\": [[0.01], [0.02]], \"c0\": [[0.03], [0.04]],"
	"\"x\": [[1, 2], [3e-5, -4]], \"y\": [0.7]}}";

Test(check_net, a_network_comes_back_exactly)
{
	vx_net *net = NULL;
	vx_error err = { 0 };
	cr_assert_eq(vxr_net_parse_json(lstm2, strlen(lstm2), "n.json", &net, &err), VX_OK, "%s", err.msg);
	cr_expect(net->cell == VX_CELL_LSTM && net->L == 2 && net->d == 1 && net->n == 2 && net->T == 2);
	cr_expect_eq(gsl_matrix_get(net->layer[0].w_ih, 2, 1), -0.125);
	cr_expect_eq(gsl_matrix_get(net->layer[0].w_hh, 3, 0), 5.0);
	cr_expect_eq(gsl_vector_get(net->layer[0].b_hh, 2), -0.3);
	cr_expect_eq(gsl_matrix_get(net->layer[1].w_ih, 1, 0), 7.0);
	cr_expect_eq(gsl_vector_get(net->layer[1].b_ih, 0), 0.0, "absent biases are 0");
	cr_expect_eq(gsl_vector_get(net->layer[1].h0, 0), 0.02);
	cr_expect_eq(gsl_vector_get(net->layer[1].c0, 0), 0.04);
	cr_expect_eq(gsl_matrix_get(net->x, 1, 0), 3e-5);
	cr_expect_eq(gsl_vector_get(net->y, 0), 0.7);
	vx_net_free(net);
	/* the same in the layout check --json writes, through the writer */
	vx_params p;
	vx_params_default(&p);
	vx_net *g = built(&p, VX_CELL_GRU, 2, -1.5);
	vx_net_result *r = analysed(g);
	json_t *o = json_of(&p, g, r);
	char *text = json_dumps(o, JSON_REAL_PRECISION(17));
	cr_assert_eq(vxr_net_parse_json(text, strlen(text), "g.json", &net, &err), VX_OK, "%s", err.msg);
	for (size_t l = 0; l < 2; l++) {
		cr_expect(gsl_matrix_equal(net->layer[l].w_ih, g->layer[l].w_ih) && gsl_matrix_equal(net->layer[l].w_hh,
		          g->layer[l].w_hh) && gsl_vector_equal(net->layer[l].b_ih, g->layer[l].b_ih), "layer %zu", l);
	}
	cr_expect(gsl_matrix_equal(net->x, g->x) && gsl_vector_equal(net->y, g->y));
	free(text);
	json_decref(o);
	vx_net_free(net);
	vx_net_result_free(r);
	vx_net_free(g);
}

static char tmpdir[] = "/tmp/vanex-checknet-XXXXXX";

static void cleanup(void)
{
	char cmd[64];
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		cr_log_warn("cannot remove %s", tmpdir);
}

static const char *write_file(const char *name, const char *text)
{
	static char path[128];
	if (tmpdir[strlen(tmpdir) - 1] == 'X')
		cr_assert_not_null(mkdtemp(tmpdir));
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

Test(check_net, options_against_a_network_file, .fini = cleanup)
{
	vx_params p;
	vx_params_default(&p);
	snprintf(p.model, sizeof p.model, "%s", write_file("lstm2.json", lstm2));
	p.set |= VX_SET_MODEL;
	vxr_net_opts o;
	vx_model *m = NULL;
	vx_net *net = NULL;
	vx_params eff;
	vx_net_spec spec;
	vx_error err = { 0 };

	/* as it is: the file's cell and layers */
	vxr_net_opts_default(&o);
	cr_assert_eq(vxr_net_load(&p, &o, &m, &net, &eff, &spec, &err), VX_OK, "%s", err.msg);
	cr_expect(m == NULL && net && spec.cell == VX_CELL_LSTM && spec.layers == 2 && eff.steps == 2);
	vx_net_free(net);
	/* the same cell and layers named: accepted */
	o.spec.cell = VX_CELL_LSTM;
	o.spec.layers = 2;
	o.set = VXR_SET_CELL | VXR_SET_LAYERS;
	cr_expect_eq(vxr_net_load(&p, &o, &m, &net, &eff, &spec, &err), VX_OK, "%s", err.msg);
	vx_net_free(net);
	/* another cell, another count, --act: refused after reading */
	o.spec.cell = VX_CELL_GRU;
	o.set = VXR_SET_CELL;
	cr_expect_eq(vxr_net_load(&p, &o, &m, &net, &eff, &spec, &err), VX_EUSAGE);
	cr_expect(strstr(err.msg, "--cell gru") && strstr(err.msg, "holds an lstm network of 2 layers"), "%s", err.msg);
	cr_expect(m == NULL && net == NULL);
	vxr_net_opts_default(&o);
	o.spec.layers = 3;
	o.set = VXR_SET_LAYERS;
	cr_expect_eq(vxr_net_load(&p, &o, &m, &net, &eff, &spec, &err), VX_EUSAGE);
	vxr_net_opts_default(&o);
	vx_params q = p;
	cr_assert_eq(vx_params_set(&q, "act", "relu", NULL), VX_OK);
	cr_expect_eq(vxr_net_load(&q, &o, &m, &net, &eff, &spec, &err), VX_EUSAGE);
	cr_expect(strstr(err.msg, "gates are fixed"), "%s", err.msg);
	/* --forget-bias with --model: refused before reading */
	o.spec.forget_bias = 1;
	o.set = VXR_SET_FORGET_BIAS;
	cr_expect_eq(vxr_net_opts_check(&p, &o, &err), VX_EUSAGE);
	/* --steps 1 keeps the first step; --norm 2 sets every gate block */
	vxr_net_opts_default(&o);
	q = p;
	cr_assert_eq(vx_params_set(&q, "steps", "1", NULL), VX_OK);
	cr_assert_eq(vx_params_set(&q, "norm", "2", NULL), VX_OK);
	cr_assert_eq(vxr_net_load(&q, &o, &m, &net, &eff, &spec, &err), VX_OK, "%s", err.msg);
	cr_expect(net->T == 1 && gsl_matrix_get(net->x, 0, 1) == -1 * -2.0);
	for (size_t l = 0; l < 2; l++)
		for (size_t g = 0; g < 4; g++)
			cr_expect_eq(fabs(gsl_matrix_get(net->layer[l].w_hh, g, 0)), 2.0, "layer %zu gate %zu", l, g);
	vx_net_free(net);
	/* the vanilla loader (report, the tutor) refuses a network */
	cr_expect_eq(vxr_model_load(&p, &m, &eff, &err), VX_EUSAGE);
	cr_expect(strstr(err.msg, "holds an lstm network of 2 layers") && strstr(err.msg, "vanex check"), "%s", err.msg);
	cr_expect(m == NULL);
}

Test(check_net, one_vanilla_layer_in_pytorchs_names, .fini = cleanup)
{
	static const char rnn1[] = "{\"model\": {\"cell\": \"rnn\", \"layers\": 1, \"activation\": \"relu\","
	                           " \"weight_ih_l0\": [[1], [2]], \"weight_hh_l0\": [[0.5, 0], [0, 0.25]],"
	                           " \"bias_ih_l0\": [0.125, 1], \"bias_hh_l0\": [0.5, -3], \"h0\": [[7, 8]],"
	                           " \"x\": [[1], [2], [3]], \"y\": [0, 1]}}";
	vx_params p;
	vx_params_default(&p);
	snprintf(p.model, sizeof p.model, "%s", write_file("rnn1.json", rnn1));
	p.set |= VX_SET_MODEL;
	vx_model *m = NULL;
	vx_params eff;
	vx_error err = { 0 };
	cr_assert_eq(vxr_model_load(&p, &m, &eff, &err), VX_OK, "%s", err.msg);
	cr_expect(m->act == VX_RELU && m->d == 2 && m->n == 1 && m->T == 3);
	cr_expect_eq(gsl_matrix_get(m->W, 1, 1), 0.25);
	cr_expect_eq(gsl_matrix_get(m->U, 1, 0), 2.0);
	cr_expect(gsl_vector_get(m->b, 0) == 0.625 && gsl_vector_get(m->b, 1) == -2.0, "b = bias_ih + bias_hh");
	cr_expect_eq(gsl_vector_get(m->s0, 1), 8.0);
	vx_model_free(m);
	/* and W, U, b beside a gated cell is a contradiction */
	static const char bad[] = "{\"model\": {\"cell\": \"gru\", \"W\": [[1]], \"U\": [[1]], \"x\": [[1]], \"y\": [0]}}";
	cr_expect_eq(vxr_model_parse_json(bad, strlen(bad), "bad.json", &m, &err), VX_EFORMAT);
	cr_expect(strstr(err.msg, "one vanilla layer"), "%s", err.msg);
}
