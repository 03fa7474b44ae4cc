/*
 * test_check_net.c — what `vanex check` shows of a network of gated cells
 * or stacked layers (report/check.h's vxr_net_check_text, _json,
 * vxr_net_verdict); test_modeljson holds the reader of the file.
 *
 *   one verdict rule: a single vanilla layer analysed as a vx_net gives the
 *     vanilla verdict word for word, ‖∂s_t/∂s_k‖ written ‖∂S_t/∂S_k‖;
 *   the text fits 80 columns in UTF-8 and is pure ASCII without it, for
 *     every cell, stacks and magnitudes beyond a double;
 *   the JSON holds the network's own numbers bit for bit, a gradient beyond
 *     a double as grads_scaled × 10^grads_log10_scale, and reads back into
 *     the same network.
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
#include "test_engine_net_util.h"

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
		vx_net_result *nr = net_analyse_ok(net);
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
	vx_net_result *r = net_analyse_ok(net);
	vx_net_fdjudge fd;
	cr_assert_eq(vx_net_fd_judge(net, r, r->t, r->t > 1 ? r->t - 1 : 1, 4, &fd), VX_OK);
	vx_net_spec s = { cell, L, fb };
	vxr_net_check c = { p, &s, net, r, &fd, NULL, NULL, NULL };
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
		/* the top layer's σ' below the doubles: the note on what a 0 is */
		{ VX_CELL_RNN, 2, 0, { "norm", "2000", "steps", "12", NULL } },
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
			cr_expect((strstr(t, "underflow: ") != NULL) == (c == 5), "case %zu: the underflow note %s", c,
			          c == 5 ? "missing" : "where nothing underflowed");
			/* and its zeros shown as what they are (vx_mag's underflow state) */
			cr_expect((strstr(t, " underflow ") != NULL) == (c == 5), "case %zu: cells reading underflow %s", c,
			          c == 5 ? "missing" : "where nothing underflowed");
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
	vxr_net_check c = { p, &s, net, r, NULL, NULL, NULL, NULL };
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
	vx_net_result *r = net_analyse_ok(net);
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
	vx_net_result *r = net_analyse_ok(net);
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

/* A network through check's JSON and the reader: the same network. */
Test(check_net, the_json_reads_back_into_the_same_network)
{
	vx_net *net = NULL;
	vx_error err = { 0 };
	vx_params p;
	vx_params_default(&p);
	vx_net *g = built(&p, VX_CELL_GRU, 2, -1.5);
	vx_net_result *r = net_analyse_ok(g);
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

/* Two tanh layers at λ = 50: layer 1's block of ∂S_t/∂S_k falls below
 * 10^-308 of the whole (10^-486 beside 10^-165 at gap 73, mpmath-checked)
 * and the chain, one power of two for all of P_k, loses it.  It was printed
 * as an exact 0 from gap 74 on, with no word; now it reads underflow, and
 * the text says why under the table.  tanh′ > 0 and W generic: no block is
 * 0 in truth. */
Test(check_net, a_layer_block_lost_beside_the_whole_reads_underflow_not_zero)
{
	vx_params p;
	vx_params_default(&p);
	cr_assert_eq(vx_params_set(&p, "norm", "50", NULL), VX_OK);
	cr_assert_eq(vx_params_set(&p, "steps", "120", NULL), VX_OK);
	vx_net *net = built(&p, VX_CELL_RNN, 2, 0);
	vx_net_result *r = net_analyse_ok(net);
	size_t zeros = 0, lost = 0;
	for (size_t k = 1; k < r->t; k++)
		for (size_t l = 0; l < 2; l++) {
			const vx_mag *b = &r->h_norm[(k - 1) * 2 + l];
			zeros += b->fits && b->value == 0;
			lost += !b->fits && b->log10 == -INFINITY;
		}
	cr_expect_eq(zeros, 0, "%zu block norms given as exactly 0", zeros);
	cr_expect(lost > 0 && lost == r->block_underflow, "%zu blocks read underflow, block_underflow %zu", lost,
	          r->block_underflow);
	vx_net_result_free(r);
	vx_net_free(net);
	char *t = text_of(&p, VX_CELL_RNN, 2, 0, 1);
	cr_expect(strstr(t, "layer block norms of ∂S_t/∂S_k lie more than 1e-308 below") != NULL,
	          "the note under the table");
	free(t);
}
