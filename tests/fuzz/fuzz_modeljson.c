/*
 * fuzz_modeljson.c — the JSON model reader (vxr_model_parse_json) under fuzzing.
 *
 * (1) Raw bytes: VX_OK with a consistent, finite model within the limits
 * (W d×d, U d×n, b, s0, y of d, x T×n), or a status with one line of detail.
 * An accepted model is written back as JSON with %.17g and read again: the
 * second model must equal the first bit for bit, as `check --json` fed back
 * through `--model` must reproduce a run.
 * (2) The input drives a generator of valid model files whose values must
 * come back exactly.
 * The same two for the reader of networks (vxr_net_parse_json: PyTorch's
 * names, cell and layers): a network accepted from raw bytes is consistent
 * (every layer's weight_ih G·d × n_l, weight_hh G·d × d, biases G·d, h0 and
 * c0 d, x T × n, y d, all finite, within the limits), is written back in
 * PyTorch's names and read again bit for bit; generated networks of every
 * cell, 1 to 3 layers, with and without cell, layers, biases and h0, come
 * back exactly.
 */
#include <math.h>
#include "engine/act.h"
#include "engine/model.h"
#include "engine/net.h"
#include "engine/params.h"
#include "report/modeljson.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_INIT_GSL()

typedef struct {
	char *p;
	size_t n, cap;
} sbuf;

static void puts_(sbuf *b, const char *s)
{
	size_t n = strlen(s);
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2 + 256;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	memcpy(b->p + b->n, s, n + 1);
	b->n += n;
}

static void put_num(sbuf *b, double v)
{
	char num[40];
	snprintf(num, sizeof num, "%.17g", v);
	/* JSON needs a digit where %g may print an integer: 1 is fine, but keep
	 * "1.0"-style out of it: %.17g never prints inf/nan here (all finite). */
	puts_(b, num);
}

static void put_matrix(sbuf *b, const char *name, const gsl_matrix *m, int comma)
{
	puts_(b, "\"");
	puts_(b, name);
	puts_(b, "\": [");
	for (size_t r = 0; r < m->size1; r++) {
		puts_(b, r ? ", [" : "[");
		for (size_t c = 0; c < m->size2; c++) {
			if (c)
				puts_(b, ", ");
			put_num(b, gsl_matrix_get(m, r, c));
		}
		puts_(b, "]");
	}
	puts_(b, comma ? "], " : "]");
}

static void put_vector(sbuf *b, const char *name, const gsl_vector *v, int comma)
{
	puts_(b, "\"");
	puts_(b, name);
	puts_(b, "\": [");
	for (size_t i = 0; i < v->size; i++) {
		if (i)
			puts_(b, ", ");
		put_num(b, gsl_vector_get(v, i));
	}
	puts_(b, comma ? "], " : "]");
}

static char *to_json(const vx_model *m)
{
	sbuf b = {0};
	puts_(&b, "{\"model\": {\"activation\": \"");
	puts_(&b, vx_act_name(m->act));
	puts_(&b, "\", ");
	put_matrix(&b, "W", m->W, 1);
	put_matrix(&b, "U", m->U, 1);
	put_vector(&b, "b", m->b, 1);
	put_vector(&b, "s0", m->s0, 1);
	put_matrix(&b, "x", m->x, 1);
	put_vector(&b, "y", m->y, 0);
	puts_(&b, "}}\n");
	return b.p;
}

static void check_matrix(const gsl_matrix *m, size_t r, size_t c, const char *name)
{
	FUZZ_CHECK(m != NULL, "%s missing", name);
	FUZZ_CHECK(m->size1 == r && m->size2 == c, "%s is %zux%zu, expected %zux%zu", name, m->size1,
	           m->size2, r, c);
	for (size_t i = 0; i < r; i++)
		for (size_t j = 0; j < c; j++)
			FUZZ_CHECK(isfinite(gsl_matrix_get(m, i, j)), "%s[%zu][%zu] not finite", name, i, j);
}

static void check_vector(const gsl_vector *v, size_t n, const char *name)
{
	FUZZ_CHECK(v != NULL, "%s missing", name);
	FUZZ_CHECK(v->size == n, "%s has %zu entries, expected %zu", name, v->size, n);
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(isfinite(gsl_vector_get(v, i)), "%s[%zu] not finite", name, i);
}

static void check_model(const vx_model *m)
{
	FUZZ_CHECK((int)m->act >= 0 && (int)m->act < VX_ACT_COUNT, "activation %d", (int)m->act);
	FUZZ_CHECK(m->d >= 1 && m->d <= VX_MAX_HIDDEN, "d = %zu", m->d);
	FUZZ_CHECK(m->n >= 1 && m->n <= VX_MAX_INPUTS, "n = %zu", m->n);
	FUZZ_CHECK(m->T >= 1 && m->T <= VX_MAX_STEPS, "T = %zu", m->T);
	check_matrix(m->W, m->d, m->d, "W");
	check_matrix(m->U, m->d, m->n, "U");
	check_vector(m->b, m->d, "b");
	check_vector(m->s0, m->d, "s0");
	check_matrix(m->x, m->T, m->n, "x");
	check_vector(m->y, m->d, "y");
}

static void same_matrix(const gsl_matrix *a, const gsl_matrix *b, const char *name)
{
	for (size_t i = 0; i < a->size1; i++)
		for (size_t j = 0; j < a->size2; j++)
			FUZZ_CHECK(gsl_matrix_get(a, i, j) == gsl_matrix_get(b, i, j), "%s[%zu][%zu]: %.17g became %.17g",
			           name, i, j, gsl_matrix_get(a, i, j), gsl_matrix_get(b, i, j));
}

static void same_vector(const gsl_vector *a, const gsl_vector *b, const char *name)
{
	for (size_t i = 0; i < a->size; i++)
		FUZZ_CHECK(gsl_vector_get(a, i) == gsl_vector_get(b, i), "%s[%zu]: %.17g became %.17g", name, i,
		           gsl_vector_get(a, i), gsl_vector_get(b, i));
}

static void same_model(const vx_model *a, const vx_model *b)
{
	FUZZ_CHECK(a->act == b->act && a->d == b->d && a->n == b->n && a->T == b->T,
	           "sizes/activation changed: %d %zu %zu %zu -> %d %zu %zu %zu", (int)a->act, a->d, a->n, a->T,
	           (int)b->act, b->d, b->n, b->T);
	same_matrix(a->W, b->W, "W");
	same_matrix(a->U, b->U, "U");
	same_vector(a->b, b->b, "b");
	same_vector(a->s0, b->s0, "s0");
	same_matrix(a->x, b->x, "x");
	same_vector(a->y, b->y, "y");
}

/* ---- networks ---- */

static void check_net(const vx_net *net)
{
	FUZZ_CHECK((unsigned)net->cell < VX_CELL_COUNT && net->G == vx_cell_gates(net->cell), "cell %d, G %zu",
	           (int)net->cell, net->G);
	FUZZ_CHECK(net->L >= 1 && net->L <= VX_MAX_LAYERS, "L = %zu", net->L);
	FUZZ_CHECK(net->d >= 1 && net->d <= VX_MAX_HIDDEN && net->n >= 1 && net->n <= VX_MAX_INPUTS &&
	           net->T >= 1 && net->T <= VX_MAX_STEPS, "d %zu n %zu T %zu", net->d, net->n, net->T);
	FUZZ_CHECK((unsigned)net->act < VX_ACT_COUNT, "activation %d", (int)net->act);
	size_t gd = net->G * net->d;
	for (size_t l = 0; l < net->L; l++) {
		const vx_net_layer *ly = &net->layer[l];
		check_matrix(ly->w_ih, gd, l ? net->d : net->n, "weight_ih");
		check_matrix(ly->w_hh, gd, net->d, "weight_hh");
		check_vector(ly->b_ih, gd, "bias_ih");
		check_vector(ly->b_hh, gd, "bias_hh");
		check_vector(ly->h0, net->d, "h0");
		FUZZ_CHECK((ly->c0 != NULL) == (net->cell == VX_CELL_LSTM), "c0 of a %s", vx_cell_name(net->cell));
		if (ly->c0)
			check_vector(ly->c0, net->d, "c0");
	}
	check_matrix(net->x, net->T, net->n, "x");
	check_vector(net->y, net->d, "y");
}

/* The rows of every layer's h0 (c0 when c0) as one L × d array. */
static void put_layer_rows(sbuf *b, const char *name, const vx_net *net, int c0)
{
	puts_(b, "\"");
	puts_(b, name);
	puts_(b, "\": [");
	for (size_t l = 0; l < net->L; l++) {
		const gsl_vector *v = c0 ? net->layer[l].c0 : net->layer[l].h0;
		puts_(b, l ? ", [" : "[");
		for (size_t i = 0; i < v->size; i++) {
			if (i)
				puts_(b, ", ");
			put_num(b, gsl_vector_get(v, i));
		}
		puts_(b, "]");
	}
	puts_(b, "], ");
}

static char *net_to_json(const vx_net *net)
{
	sbuf b = {0};
	char key[40];
	puts_(&b, "{\"model\": {\"cell\": \"");
	puts_(&b, vx_cell_name(net->cell));
	snprintf(key, sizeof key, "\", \"layers\": %zu, ", net->L);
	puts_(&b, key);
	if (net->cell == VX_CELL_RNN) {
		puts_(&b, "\"activation\": \"");
		puts_(&b, vx_act_name(net->act));
		puts_(&b, "\", ");
	}
	for (size_t l = 0; l < net->L; l++) {
		const vx_net_layer *ly = &net->layer[l];
		snprintf(key, sizeof key, "weight_ih_l%zu", l);
		put_matrix(&b, key, ly->w_ih, 1);
		snprintf(key, sizeof key, "weight_hh_l%zu", l);
		put_matrix(&b, key, ly->w_hh, 1);
		snprintf(key, sizeof key, "bias_ih_l%zu", l);
		put_vector(&b, key, ly->b_ih, 1);
		snprintf(key, sizeof key, "bias_hh_l%zu", l);
		put_vector(&b, key, ly->b_hh, 1);
	}
	put_layer_rows(&b, "h0", net, 0);
	if (net->cell == VX_CELL_LSTM)
		put_layer_rows(&b, "c0", net, 1);
	put_matrix(&b, "x", net->x, 1);
	put_vector(&b, "y", net->y, 0);
	puts_(&b, "}}\n");
	return b.p;
}

static void same_net(const vx_net *a, const vx_net *b)
{
	FUZZ_CHECK(a->cell == b->cell && a->L == b->L && a->d == b->d && a->n == b->n && a->T == b->T &&
	           (a->cell != VX_CELL_RNN || a->act == b->act),
	           "cell/sizes changed: %d %zu %zu %zu %zu -> %d %zu %zu %zu %zu", (int)a->cell, a->L, a->d, a->n, a->T,
	           (int)b->cell, b->L, b->d, b->n, b->T);
	for (size_t l = 0; l < a->L; l++) {
		const vx_net_layer *p = &a->layer[l], *q = &b->layer[l];
		same_matrix(p->w_ih, q->w_ih, "weight_ih");
		same_matrix(p->w_hh, q->w_hh, "weight_hh");
		same_vector(p->b_ih, q->b_ih, "bias_ih");
		same_vector(p->b_hh, q->b_hh, "bias_hh");
		same_vector(p->h0, q->h0, "h0");
		if (p->c0)
			same_vector(p->c0, q->c0, "c0");
	}
	same_matrix(a->x, b->x, "x");
	same_vector(a->y, b->y, "y");
}

static void raw_net(const uint8_t *d, size_t n)
{
	vx_net *net = NULL;
	vx_error err = { 0 };
	vx_status st = vxr_net_parse_json((const char *)d, n, "fuzz.json", &net, &err);
	if (st != VX_OK) {
		fuzz_check_error(st, &err);
		FUZZ_CHECK(net == NULL, "network returned with status %d", (int)st);
		return;
	}
	FUZZ_CHECK(net != NULL, "VX_OK without a network");
	check_net(net);
	if (vx_net_bytes(net->cell, net->L, net->d, net->n, net->T) < 200000) {
		char *text = net_to_json(net);
		vx_net *again = NULL;
		st = vxr_net_parse_json(text, strlen(text), "again.json", &again, &err);
		FUZZ_CHECK(st == VX_OK, "its own %%.17g rewrite rejected: %s", err.msg);
		same_net(net, again);
		vx_net_free(again);
		free(text);
	}
	vx_net_free(net);
}

static void raw(const uint8_t *d, size_t n)
{
	vx_model *m = NULL;
	vx_error err = { 0 };
	vx_status st = vxr_model_parse_json((const char *)d, n, "fuzz.json", &m, &err);
	if (st != VX_OK) {
		fuzz_check_error(st, &err);
		FUZZ_CHECK(m == NULL, "model returned with status %d", (int)st);
		return;
	}
	FUZZ_CHECK(m != NULL, "VX_OK without a model");
	check_model(m);
	/* Rewriting huge accepted models would only slow the fuzzer down. */
	if (m->d * (m->d + m->n) + m->T * m->n < 20000) {
		char *text = to_json(m);
		vx_model *again = NULL;
		st = vxr_model_parse_json(text, strlen(text), "again.json", &again, &err);
		FUZZ_CHECK(st == VX_OK, "its own %%.17g rewrite rejected: %s", err.msg);
		same_model(m, again);
		vx_model_free(again);
		free(text);
	}
	vx_model_free(m);
}

/* ---- generator of valid files ---- */

static unsigned next(const uint8_t *d, size_t n, size_t *i)
{
	unsigned v = d[*i % n];
	(*i)++;
	return v;
}

static double value(const uint8_t *d, size_t n, size_t *i)
{
	unsigned char raw8[8];
	for (int q = 0; q < 8; q++)
		raw8[q] = (unsigned char)next(d, n, i);
	double v;
	memcpy(&v, raw8, 8);
	if (!isfinite(v))
		v = (double)(int)(raw8[0] | raw8[1] << 8) / 128.0;
	return v;
}

static void gen_array(sbuf *b, const char *name, double *vals, size_t rows, size_t cols, int is_vec,
                      const uint8_t *d, size_t n, size_t *i)
{
	puts_(b, ", \"");
	puts_(b, name);
	puts_(b, "\": [");
	for (size_t r = 0; r < rows; r++) {
		if (!is_vec)
			puts_(b, r ? ", [" : "[");
		for (size_t c = 0; c < cols; c++) {
			double v = value(d, n, i);
			vals[r * cols + c] = v;
			if (c || (is_vec && r))
				puts_(b, ", ");
			put_num(b, v);
		}
		if (!is_vec)
			puts_(b, "]");
	}
	puts_(b, "]");
}

static void generated(const uint8_t *d, size_t n)
{
	size_t i = 0;
	unsigned c = next(d, n, &i);
	size_t dd = 1 + next(d, n, &i) % 4, nn = 1 + next(d, n, &i) % 3, T = 1 + next(d, n, &i) % 5;
	vx_act act = (vx_act)(c % VX_ACT_COUNT);
	double W[16], U[12], bv[4], s0[4], x[15], y[4];

	sbuf b = {0};
	puts_(&b, (c & 4) ? "{\"model\": {" : "{");
	puts_(&b, "\"activation\": \"");
	puts_(&b, vx_act_name(act));
	puts_(&b, "\"");
	gen_array(&b, "W", W, dd, dd, 0, d, n, &i);
	gen_array(&b, "U", U, dd, nn, 0, d, n, &i);
	gen_array(&b, "b", bv, 1, dd, 1, d, n, &i);
	gen_array(&b, "s0", s0, 1, dd, 1, d, n, &i);
	gen_array(&b, "x", x, T, nn, 0, d, n, &i);
	gen_array(&b, "y", y, 1, dd, 1, d, n, &i);
	puts_(&b, (c & 4) ? "}}" : "}");

	vx_model *m = NULL;
	vx_error err = { 0 };
	vx_status st = vxr_model_parse_json(b.p, b.n, "gen.json", &m, &err);
	FUZZ_CHECK(st == VX_OK, "valid model rejected: %s\n%s", err.msg, b.p);
	check_model(m);
	FUZZ_CHECK(m->act == act && m->d == dd && m->n == nn && m->T == T, "sizes %zu %zu %zu read as %zu %zu %zu",
	           dd, nn, T, m->d, m->n, m->T);
	for (size_t r = 0; r < dd; r++) {
		for (size_t k = 0; k < dd; k++)
			FUZZ_CHECK(gsl_matrix_get(m->W, r, k) == W[r * dd + k], "W[%zu][%zu]", r, k);
		for (size_t k = 0; k < nn; k++)
			FUZZ_CHECK(gsl_matrix_get(m->U, r, k) == U[r * nn + k], "U[%zu][%zu]", r, k);
		FUZZ_CHECK(gsl_vector_get(m->b, r) == bv[r], "b[%zu]", r);
		FUZZ_CHECK(gsl_vector_get(m->s0, r) == s0[r], "s0[%zu]", r);
		FUZZ_CHECK(gsl_vector_get(m->y, r) == y[r], "y[%zu]", r);
	}
	for (size_t j = 0; j < T; j++)
		for (size_t k = 0; k < nn; k++)
			FUZZ_CHECK(gsl_matrix_get(m->x, j, k) == x[j * nn + k], "x[%zu][%zu]", j, k);
	vx_model_free(m);
	free(b.p);
}

/* A valid network file from the input bytes: its cell and layer count
 * named or left to the shapes, biases, h0 and c0 written or left at 0. */
static void generated_net(const uint8_t *d, size_t n)
{
	size_t i = 0;
	unsigned c = next(d, n, &i);
	vx_cell cell = (vx_cell)(c % VX_CELL_COUNT);
	size_t L = 1 + next(d, n, &i) % 3, dd = 1 + next(d, n, &i) % 3, nn = 1 + next(d, n, &i) % 2,
	       T = 1 + next(d, n, &i) % 3, G = vx_cell_gates(cell);
	double w[3][2][12 * 3], bias[3][2][12], h0[3 * 3], c0[3 * 3], x[3 * 2], y[3];
	char key[40];
	sbuf b = {0};
	puts_(&b, "{\"model\": {\"y\": [");
	for (size_t r = 0; r < dd; r++) {
		y[r] = value(d, n, &i);
		if (r)
			puts_(&b, ", ");
		put_num(&b, y[r]);
	}
	puts_(&b, "]");
	if (c & 8) {
		puts_(&b, ", \"cell\": \"");
		puts_(&b, vx_cell_name(cell));
		puts_(&b, "\"");
	}
	if (c & 16) {
		snprintf(key, sizeof key, ", \"layers\": %zu", L);
		puts_(&b, key);
	}
	for (size_t l = 0; l < L; l++)
		for (int q = 0; q < 2; q++) {
			snprintf(key, sizeof key, q ? "weight_hh_l%zu" : "weight_ih_l%zu", l);
			gen_array(&b, key, w[l][q], G * dd, q || l ? dd : nn, 0, d, n, &i);
			if (c & 32) {
				snprintf(key, sizeof key, q ? "bias_hh_l%zu" : "bias_ih_l%zu", l);
				gen_array(&b, key, bias[l][q], 1, G * dd, 1, d, n, &i);
			}
		}
	if (c & 64)
		gen_array(&b, "h0", h0, L, dd, 0, d, n, &i);
	if ((c & 128) && cell == VX_CELL_LSTM)
		gen_array(&b, "c0", c0, L, dd, 0, d, n, &i);
	gen_array(&b, "x", x, T, nn, 0, d, n, &i);
	puts_(&b, "}}");

	vx_net *net = NULL;
	vx_error err = { 0 };
	vx_status st = vxr_net_parse_json(b.p, b.n, "gen.json", &net, &err);
	FUZZ_CHECK(st == VX_OK, "valid network rejected: %s\n%s", err.msg, b.p);
	check_net(net);
	FUZZ_CHECK(net->cell == cell && net->L == L && net->d == dd && net->n == nn && net->T == T,
	           "%s %zu %zu %zu %zu read as %s %zu %zu %zu %zu", vx_cell_name(cell), L, dd, nn, T,
	           vx_cell_name(net->cell), net->L, net->d, net->n, net->T);
	for (size_t l = 0; l < L; l++) {
		const vx_net_layer *ly = &net->layer[l];
		const gsl_matrix *M[2] = { ly->w_ih, ly->w_hh };
		const gsl_vector *v[2] = { ly->b_ih, ly->b_hh };
		for (int q = 0; q < 2; q++) {
			for (size_t r = 0; r < M[q]->size1; r++)
				for (size_t k = 0; k < M[q]->size2; k++)
					FUZZ_CHECK(gsl_matrix_get(M[q], r, k) == w[l][q][r * M[q]->size2 + k], "w %zu %d", l, q);
			for (size_t r = 0; r < G * dd; r++)
				FUZZ_CHECK(gsl_vector_get(v[q], r) == ((c & 32) ? bias[l][q][r] : 0.0), "bias %zu %d", l, q);
		}
		for (size_t r = 0; r < dd; r++) {
			FUZZ_CHECK(gsl_vector_get(ly->h0, r) == ((c & 64) ? h0[l * dd + r] : 0.0), "h0 %zu", l);
			if (ly->c0)
				FUZZ_CHECK(gsl_vector_get(ly->c0, r) == ((c & 128) ? c0[l * dd + r] : 0.0), "c0 %zu", l);
		}
	}
	for (size_t r = 0; r < dd; r++)
		FUZZ_CHECK(gsl_vector_get(net->y, r) == y[r], "y[%zu]", r);
	for (size_t j = 0; j < T * nn; j++)
		FUZZ_CHECK(gsl_matrix_get(net->x, j / nn, j % nn) == x[j], "x %zu", j);
	vx_net_free(net);
	free(b.p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	raw(data, size);
	raw_net(data, size);
	if (size > 0) {
		generated(data, size);
		generated_net(data, size);
	}
	return 0;
}
