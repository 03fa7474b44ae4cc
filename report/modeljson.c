/*
 * modeljson.c — a model read back from JSON (jansson), strictly.
 *
 * The file is what `check --json` writes, so the reader checks every size
 * against every other (W is d×d, U d×n, x T×n, b s0 y d), every entry for
 * being a finite number, and names the member at fault.  Sizes are checked
 * against vanex's limits before the model is allocated.
 */
#include "report/modeljson.h"
#include "engine/fileio.h"
#include "report/load/tensors.h"

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

/* A model file of this size holds a 4096×4096 W with room to spare. */
#define MODELJSON_FILE_MAX ((size_t)2 << 30)

static const char *json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER:
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

/* One finite number, or an error naming member and position. */
static vx_status get_number(const json_t *v, const char *name, const char *member,
                            const char *where, double *out, vx_error *err)
{
	if (!json_is_number(v))
		return vx_fail(err, VX_EFORMAT, "%s: %s: %s is %s, expected a number", name, member, where,
		               json_kind(v));
	double x = json_number_value(v);
	if (!isfinite(x))
		return vx_fail(err, VX_ENONFINITE, "%s: %s: %s is not finite", name, member, where);
	*out = x;
	return VX_OK;
}

/* Fills vector v (its size is the expected length) from a JSON array: a
 * member, or row `row` (1-based) of one when row is not 0, as messages
 * say. */
static vx_status get_numbers(const json_t *a, const char *name, const char *member, size_t row,
                             gsl_vector *v, vx_error *err)
{
	char lead[40] = "";
	if (row)
		snprintf(lead, sizeof lead, "row %zu ", row);
	if (!json_is_array(a))
		return vx_fail(err, VX_EFORMAT, "%s: %s: %sis %s, expected an array of %zu numbers", name, member,
		               lead, json_kind(a), v->size);
	if (json_array_size(a) != v->size)
		return vx_fail(err, VX_ESHAPE, "%s: %s: %shas %zu entries, expected %zu", name, member, lead,
		               json_array_size(a), v->size);
	for (size_t i = 0; i < v->size; i++) {
		char where[64];
		double x = 0;   /* set by get_number whenever it returns VX_OK */
		if (row)
			snprintf(where, sizeof where, "row %zu, entry %zu", row, i + 1);
		else
			snprintf(where, sizeof where, "entry %zu", i + 1);
		vx_status st = get_number(json_array_get(a, i), name, member, where, &x, err);
		if (st != VX_OK)
			return st;
		gsl_vector_set(v, i, x);
	}
	return VX_OK;
}

/* Fills vector v (its size is the expected length) from a JSON array. */
static vx_status get_vector(const json_t *a, const char *name, const char *member,
                            gsl_vector *v, vx_error *err)
{
	return get_numbers(a, name, member, 0, v, err);
}

/* Fills matrix M (its sizes are the expected shape) from an array of rows. */
static vx_status get_matrix(const json_t *a, const char *name, const char *member,
                            gsl_matrix *M, vx_error *err)
{
	if (!json_is_array(a))
		return vx_fail(err, VX_EFORMAT, "%s: %s: is %s, expected an array of %zu rows", name, member,
		               json_kind(a), M->size1);
	if (json_array_size(a) != M->size1)
		return vx_fail(err, VX_ESHAPE, "%s: %s: has %zu rows, expected %zu", name, member,
		               json_array_size(a), M->size1);
	for (size_t i = 0; i < M->size1; i++) {
		gsl_vector_view r = gsl_matrix_row(M, i);
		vx_status st = get_numbers(json_array_get(a, i), name, member, i + 1, &r.vector, err);
		if (st != VX_OK)
			return st;
	}
	return VX_OK;
}

/* The length of a non-empty array member (its row count), within a limit. */
static vx_status array_len(const json_t *a, const char *name, const char *member, size_t limit,
                           const char *what, size_t *out, vx_error *err)
{
	if (!a)
		return vx_fail(err, VX_EFORMAT, "%s: model: missing member '%s'", name, member + 6);
	if (!json_is_array(a))
		return vx_fail(err, VX_EFORMAT, "%s: %s: is %s, expected an array", name, member, json_kind(a));
	size_t n = json_array_size(a);
	if (n == 0)
		return vx_fail(err, VX_ESHAPE, "%s: %s: is empty", name, member);
	if (n > limit)
		return vx_fail(err, VX_ETOOBIG, "%s: %s: %zu %s exceed the limit of %zu", name, member, n, what,
		               limit);
	*out = n;
	return VX_OK;
}

/* 1 when key is one of the n names of known. */
static int is_known(const char *key, const char *const *known, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(key, known[i]) == 0)
			return 1;
	return 0;
}

/* model.cell when present ("rnn", "lstm", "gru"); *out untouched when absent. */
static vx_status cell_member(const json_t *mo, const char *name, vx_cell *out, vx_error *err)
{
	const json_t *v = json_object_get(mo, "cell");
	if (v && (!json_is_string(v) || vx_cell_parse(json_string_value(v), out) != 0))
		return vx_fail(err, VX_EFORMAT, "%s: model.cell: expected \"rnn\", \"lstm\" or \"gru\"", name);
	return VX_OK;
}

/* model.layers when present, 1..VX_MAX_LAYERS; *out untouched when absent. */
static vx_status layers_member(const json_t *mo, const char *name, size_t *out, vx_error *err)
{
	const json_t *v = json_object_get(mo, "layers");
	if (!v)
		return VX_OK;
	if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > (json_int_t)VX_MAX_LAYERS)
		return vx_fail(err, VX_EFORMAT, "%s: model.layers: expected an integer from 1 to %u", name, VX_MAX_LAYERS);
	*out = (size_t)json_integer_value(v);
	return VX_OK;
}

/* Builds a model from the "model" object; act_default when it names none. */
static vx_status model_from_json(const json_t *mo, const char *name, vx_act act_default,
                                 vx_model **out, vx_error *err)
{
	static const char *const known[] = { "activation", "W", "U", "b", "s0", "x", "y", "cell", "layers" };
	const char *key;
	json_t *val;
	vx_status st;

	if (!json_is_object(mo))
		return vx_fail(err, VX_EFORMAT, "%s: model: is %s, expected an object", name, json_kind(mo));
	json_object_foreach((json_t *)mo, key, val) {
		if (!is_known(key, known, sizeof known / sizeof known[0])) {
			/* printable ASCII, at most 40 bytes: a key is outside text */
			char kb[4 * 40 + 4];
			return vx_fail(err, VX_EFORMAT,
			               "%s: model: unknown member '%s' (accepted: activation, W, U, b, s0, x, y, cell, layers)",
			               name, vx_quote(key, 40, 1, kb, sizeof kb));
		}
	}
	/* W, U, b: one vanilla layer, whatever else the file says */
	vx_cell cell = VX_CELL_RNN;
	size_t L = 1;
	if ((st = cell_member(mo, name, &cell, err)) != VX_OK || (st = layers_member(mo, name, &L, err)) != VX_OK)
		return st;
	if ((json_object_get(mo, "cell") && cell != VX_CELL_RNN) || (json_object_get(mo, "layers") && L != 1))
		return vx_fail(err, VX_EFORMAT,
		               "%s: model: W, U and b make one vanilla layer, not %s with %zu layer%s (a network's "
		               "members are weight_ih_l0, weight_hh_l0, ...)", name, vx_cell_name(cell), L, L == 1 ? "" : "s");

	vx_act act = act_default;
	const json_t *ja = json_object_get(mo, "activation");
	if (ja) {
		if (!json_is_string(ja) || vx_act_parse(json_string_value(ja), &act) != 0)
			return vx_fail(err, VX_EFORMAT,
			               "%s: model.activation: expected \"sigmoid\", \"tanh\", \"relu\" or \"linear\"", name);
	}

	const json_t *W = json_object_get(mo, "W"), *U = json_object_get(mo, "U");
	const json_t *x = json_object_get(mo, "x"), *y = json_object_get(mo, "y");
	const json_t *b = json_object_get(mo, "b"), *s0 = json_object_get(mo, "s0");
	size_t d, n, T;
	if ((st = array_len(W, name, "model.W", VX_MAX_HIDDEN, "rows", &d, err)) != VX_OK)
		return st;
	if ((st = array_len(U, name, "model.U", VX_MAX_HIDDEN, "rows", &n, err)) != VX_OK)
		return st;
	const json_t *u0 = json_array_get(U, 0);
	if (!json_is_array(u0))
		return vx_fail(err, VX_EFORMAT, "%s: model.U: row 1 is %s, expected an array of numbers", name,
		               json_kind(u0));
	n = json_array_size(u0);
	if (n == 0)
		return vx_fail(err, VX_ESHAPE, "%s: model.U: rows are empty (at least one input)", name);
	if (n > VX_MAX_INPUTS)
		return vx_fail(err, VX_ETOOBIG, "%s: model.U: %zu inputs exceed the limit of %u", name, n,
		               VX_MAX_INPUTS);
	if ((st = array_len(x, name, "model.x", VX_MAX_STEPS, "steps", &T, err)) != VX_OK)
		return st;
	if (!y)
		return vx_fail(err, VX_EFORMAT, "%s: model: missing member 'y'", name);

	vx_model *m = vx_model_alloc(act, d, n, T);
	if (!m)
		return vx_fail(err, VX_ENOMEM, "%s: out of memory for a model of hidden size %zu over %zu steps",
		               name, d, T);
	if ((st = get_matrix(W, name, "model.W", m->W, err)) != VX_OK ||
	    (st = get_matrix(U, name, "model.U", m->U, err)) != VX_OK ||
	    (st = get_matrix(x, name, "model.x", m->x, err)) != VX_OK ||
	    (st = get_vector(y, name, "model.y", m->y, err)) != VX_OK ||
	    (b && (st = get_vector(b, name, "model.b", m->b, err)) != VX_OK) ||
	    (s0 && (st = get_vector(s0, name, "model.s0", m->s0, err)) != VX_OK)) {
		vx_model_free(m);
		return st;
	}
	*out = m;
	return VX_OK;
}

/* ---- a network: PyTorch's parameter names (net.h) ---- */

static const char *const PARAM_NAME[4] = { "weight_ih", "weight_hh", "bias_ih", "bias_hh" };

/* "weight_hh_l12": 1 with *kind 1 and *layer 12 (decimal, no leading zero,
 * below VX_MAX_LAYERS); any other key 0. */
static int param_key(const char *key, int *kind, size_t *layer)
{
	for (int q = 0; q < 4; q++) {
		size_t n = strlen(PARAM_NAME[q]);
		if (strncmp(key, PARAM_NAME[q], n) != 0 || strncmp(key + n, "_l", 2) != 0)
			continue;
		const char *p = key + n + 2;
		size_t v = 0, digits = 0;
		for (; *p >= '0' && *p <= '9' && digits < 3; p++, digits++)
			v = 10 * v + (size_t)(*p - '0');
		if (*p || digits == 0 || (digits > 1 && key[n + 2] == '0') || v >= VX_MAX_LAYERS)
			return 0;
		*kind = q;
		*layer = v;
		return 1;
	}
	return 0;
}

/* The shape of an array of rows: rows and the length of the first row, each
 * at least 1, the rows within limit (the columns are checked by the caller). */
static vx_status shape_of(const json_t *a, const char *name, const char *member, size_t limit,
                          size_t *rows, size_t *cols, vx_error *err)
{
	vx_status st = array_len(a, name, member, limit, "rows", rows, err);
	if (st != VX_OK)
		return st;
	const json_t *r0 = json_array_get(a, 0);
	if (!json_is_array(r0))
		return vx_fail(err, VX_EFORMAT, "%s: %s: row 1 is %s, expected an array of numbers", name, member,
		               json_kind(r0));
	*cols = json_array_size(r0);
	if (*cols == 0)
		return vx_fail(err, VX_ESHAPE, "%s: %s: rows are empty", name, member);
	return VX_OK;
}

/* Rows of an L×d member (h0, c0: one row per layer, as PyTorch stacks them)
 * into each layer's vector. */
static vx_status get_layer_rows(const json_t *a, const char *name, const char *member, vx_net *net,
                                int c0, vx_error *err)
{
	gsl_matrix *M = gsl_matrix_alloc(net->L, net->d);
	if (!M)
		return vx_fail(err, VX_ENOMEM, "%s: out of memory", name);
	vx_status st = get_matrix(a, name, member, M, err);
	for (size_t l = 0; st == VX_OK && l < net->L; l++) {
		gsl_vector_view r = gsl_matrix_row(M, l);
		gsl_vector_memcpy(c0 ? net->layer[l].c0 : net->layer[l].h0, &r.vector);
	}
	gsl_matrix_free(M);
	return st;
}

/* Builds a network from a "model" object in PyTorch's names: weight_ih_l0,
 * weight_hh_l0, bias_ih_l0, bias_hh_l0, ... (no bias member: a network
 * without biases, as bias=False; some absent: those are 0), h0 and for
 * LSTM c0 (L rows of d, 0 when absent), x, y, and
 * cell and layers, each read from the shapes when absent. */
static vx_status net_from_json(const json_t *mo, const char *name, vx_act act_default, vx_net **out,
                               vx_error *err)
{
	const char *key;
	json_t *val;
	vx_status st;
	size_t L = 0, top = 0;
	int any = 0;

	if (!json_is_object(mo))
		return vx_fail(err, VX_EFORMAT, "%s: model: is %s, expected an object", name, json_kind(mo));
	json_object_foreach((json_t *)mo, key, val) {
		int kind;
		size_t l;
		if (param_key(key, &kind, &l)) {
			any = 1;
			top = l > top ? l : top;
			continue;
		}
		static const char *const known[] = { "cell", "layers", "activation", "h0", "c0", "x", "y" };
		if (!is_known(key, known, sizeof known / sizeof known[0])) {
			char kb[4 * 40 + 4];
			return vx_fail(err, VX_EFORMAT,
			               "%s: model: unknown member '%s' (accepted: cell, layers, activation, weight_ih_lN, "
			               "weight_hh_lN, bias_ih_lN, bias_hh_lN, h0, c0, x, y)",
			               name, vx_quote(key, 40, 1, kb, sizeof kb));
		}
	}
	if (!any)
		return vx_fail(err, VX_EFORMAT, "%s: model: missing member 'weight_hh_l0'", name);
	L = top + 1;
	if ((st = layers_member(mo, name, &L, err)) != VX_OK)
		return st;
	if (top >= L)
		return vx_fail(err, VX_ESHAPE, "%s: model: parameters of layer %zu, beyond the %zu of model.layers", name,
		               top, L);
	char mem[64];
	for (size_t l = 0; l < L; l++)
		for (int q = 0; q < 2; q++) {
			snprintf(mem, sizeof mem, "%s_l%zu", PARAM_NAME[q], l);
			if (!json_object_get(mo, mem))
				return vx_fail(err, VX_EFORMAT, "%s: model: missing member '%s'", name, mem);
		}

	/* d from weight_hh_l0's columns, the cell from its rows when not named */
	size_t rows, d, rows_ih, n, T;
	if ((st = shape_of(json_object_get(mo, "weight_hh_l0"), name, "model.weight_hh_l0", 4 * VX_MAX_HIDDEN,
	                   &rows, &d, err)) != VX_OK)
		return st;
	if (d > VX_MAX_HIDDEN)
		return vx_fail(err, VX_ETOOBIG, "%s: model.weight_hh_l0: hidden size %zu exceeds the limit of %u", name,
		               d, VX_MAX_HIDDEN);
	vx_cell cell = rows == 4 * d ? VX_CELL_LSTM : rows == 3 * d ? VX_CELL_GRU : VX_CELL_RNN;
	int named = json_object_get(mo, "cell") != NULL;
	if ((st = cell_member(mo, name, &cell, err)) != VX_OK)
		return st;
	if (rows != vx_cell_gates(cell) * d) {
		if (named)
			return vx_fail(err, VX_ESHAPE, "%s: model.weight_hh_l0: has %zu rows, expected %zu (%zu gates of %zu "
			               "for %s)", name, rows, vx_cell_gates(cell) * d, vx_cell_gates(cell), d,
			               vx_cell_name(cell));
		return vx_fail(err, VX_ESHAPE, "%s: model.weight_hh_l0: %zu rows of %zu: not 1, 3 or 4 gates of the "
		               "hidden size (rnn, gru, lstm)", name, rows, d);
	}
	if ((st = shape_of(json_object_get(mo, "weight_ih_l0"), name, "model.weight_ih_l0", 4 * VX_MAX_HIDDEN,
	                   &rows_ih, &n, err)) != VX_OK)
		return st;
	if (n > VX_MAX_INPUTS)
		return vx_fail(err, VX_ETOOBIG, "%s: model.weight_ih_l0: %zu inputs exceed the limit of %u", name, n,
		               VX_MAX_INPUTS);
	if ((st = array_len(json_object_get(mo, "x"), name, "model.x", VX_MAX_STEPS, "steps", &T, err)) != VX_OK)
		return st;
	if (!json_object_get(mo, "y"))
		return vx_fail(err, VX_EFORMAT, "%s: model: missing member 'y'", name);
	if (json_object_get(mo, "c0") && cell != VX_CELL_LSTM)
		return vx_fail(err, VX_EFORMAT, "%s: model.c0: only an lstm has a cell state, this is %s", name,
		               vx_cell_name(cell));
	vx_act act = act_default;
	const json_t *ja = json_object_get(mo, "activation");
	if (ja && cell != VX_CELL_RNN)
		return vx_fail(err, VX_EFORMAT, "%s: model.activation: the %s cell's gates are fixed (logistic and tanh)",
		               name, vx_cell_name(cell));
	if (ja && (!json_is_string(ja) || vx_act_parse(json_string_value(ja), &act) != 0))
		return vx_fail(err, VX_EFORMAT,
		               "%s: model.activation: expected \"sigmoid\", \"tanh\", \"relu\" or \"linear\"", name);

	vx_net *net = vx_net_alloc(cell, act, L, d, n, T);
	if (!net)
		return vx_fail(err, VX_ENOMEM, "%s: out of memory for a network of %zu layers of %zu over %zu steps",
		               name, L, d, T);
	st = VX_OK;
	for (size_t l = 0; st == VX_OK && l < L; l++) {
		vx_net_layer *ly = &net->layer[l];
		gsl_matrix *M[2] = { ly->w_ih, ly->w_hh };
		gsl_vector *v[2] = { ly->b_ih, ly->b_hh };
		for (int q = 0; st == VX_OK && q < 4; q++) {
			char member[80];
			snprintf(mem, sizeof mem, "%s_l%zu", PARAM_NAME[q], l);
			snprintf(member, sizeof member, "model.%s", mem);
			const json_t *a = json_object_get(mo, mem);
			if (q < 2)
				st = get_matrix(a, name, member, M[q], err);
			else if (a)
				st = get_vector(a, name, member, v[q - 2], err);
		}
	}
	/* no bias member at all: a network without biases (bias=False), whose
	 * biases are not parameters; some absent: those are 0 */
	net->no_bias = 1;
	for (size_t l = 0; l < L; l++)
		for (int q = 2; q < 4; q++) {
			snprintf(mem, sizeof mem, "%s_l%zu", PARAM_NAME[q], l);
			if (json_object_get(mo, mem))
				net->no_bias = 0;
		}
	const json_t *h0 = json_object_get(mo, "h0"), *c0 = json_object_get(mo, "c0");
	if (st == VX_OK)
		st = get_matrix(json_object_get(mo, "x"), name, "model.x", net->x, err);
	if (st == VX_OK)
		st = get_vector(json_object_get(mo, "y"), name, "model.y", net->y, err);
	if (st == VX_OK && h0)
		st = get_layer_rows(h0, name, "model.h0", net, 0, err);
	if (st == VX_OK && c0)
		st = get_layer_rows(c0, name, "model.c0", net, 1, err);
	if (st != VX_OK) {
		vx_net_free(net);
		return st;
	}
	*out = net;
	return VX_OK;
}

/* 1 when a "model" object holds a network in PyTorch's names (weight_hh_l0,
 * or cell/layers beside no W), 0 when it holds W, U, b. */
static int holds_net(const json_t *mo)
{
	return json_is_object(mo) && !json_object_get(mo, "W") &&
	       (json_object_get(mo, "weight_hh_l0") || json_object_get(mo, "weight_ih_l0") ||
	        json_object_get(mo, "cell") || json_object_get(mo, "layers"));
}

/* The object holding the model: root.model, or the root itself when it
 * holds W (or a network's weight_hh_l0) directly. */
static vx_status find_model(const json_t *root, const char *name, const json_t **mo, vx_error *err)
{
	if (!json_is_object(root))
		return vx_fail(err, VX_EFORMAT, "%s: expected a JSON object with a \"model\" member", name);
	const json_t *m = json_object_get(root, "model");
	/* check --json of a batch: the network, and the inputs in their file */
	if (m && json_object_get(root, "batch") && !json_object_get(m, "x"))
		return vx_fail(err, VX_EFORMAT, "%s: the JSON of a batch holds no single sequence to replay; run its "
		               "weights on the inputs file again (--weights, --inputs-file)", name);
	if (m) {
		*mo = m;
		return VX_OK;
	}
	if (json_object_get(root, "W") || json_object_get(root, "weight_hh_l0")) {
		*mo = root;
		return VX_OK;
	}
	return vx_fail(err, VX_EFORMAT, "%s: missing member 'model' (an object with W, U, b, s0, x, y)", name);
}

static json_t *parse_text(const char *text, size_t len, const char *name, vx_error *err)
{
	json_error_t je;
	char tb[4 * sizeof je.text];
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	/* a trained network's file given for the JSON, known by its content
	 * as --weights knows it (the extension aside) */
	vxr_kind kind = root ? VXR_KIND_CSV : vxr_kind_sniff((const unsigned char *)text, len, "");
	if (kind != VXR_KIND_CSV) {
		vx_fail(err, VX_EFORMAT, "%s: not JSON but a %s: give it with --weights", name,
		        kind == VXR_KIND_NPY ? "NumPy array" : "PyTorch checkpoint or other binary file");
		return NULL;
	}
	if (!root)   /* jansson quotes the offending bytes ("near '...'") verbatim */
		vx_fail(err, VX_EFORMAT, "%s:%d:%d: %s", name, je.line, je.column,
		        vx_quote(je.text, SIZE_MAX, 1, tb, sizeof tb));
	return root;
}

/* The root of a JSON text and the object holding its model (find_model);
 * *root, when set, is the caller's to release. */
static vx_status parse_model(const char *text, size_t len, const char *name, json_t **root, const json_t **mo,
                             vx_error *err)
{
	*root = parse_text(text, len, name, err);
	if (!*root)
		return VX_EFORMAT;
	return find_model(*root, name, mo, err);
}

vx_status vxr_model_parse_json(const char *text, size_t len, const char *name,
                               vx_model **out, vx_error *err)
{
	if (!text || !out)
		return vx_fail(err, VX_EINTERNAL, "vxr_model_parse_json: bad arguments");
	*out = NULL;
	json_t *root;
	const json_t *mo;
	vx_status st = parse_model(text, len, name ? name : "model", &root, &mo, err);
	if (st == VX_OK)
		st = model_from_json(mo, name ? name : "model", VX_TANH, out, err);
	json_decref(root);
	return st;
}

vx_status vxr_net_parse_json(const char *text, size_t len, const char *name, vx_net **out, vx_error *err)
{
	if (!text || !out)
		return vx_fail(err, VX_EINTERNAL, "vxr_net_parse_json: bad arguments");
	*out = NULL;
	name = name ? name : "model";
	json_t *root;
	const json_t *mo;
	vx_model *m = NULL;
	vx_status st = parse_model(text, len, name, &root, &mo, err);
	if (st == VX_OK && holds_net(mo))
		st = net_from_json(mo, name, VX_TANH, out, err);
	else if (st == VX_OK && (st = model_from_json(mo, name, VX_TANH, &m, err)) == VX_OK)
		st = vx_net_from_model(m, out, err);
	vx_model_free(m);
	json_decref(root);
	return st;
}

/* Reads a whole model file; an empty one is malformed. *buf malloc'd. */
static vx_status read_file(const char *path, char **buf, size_t *len, vx_error *err)
{
	vx_status st = vx_read_file(path, MODELJSON_FILE_MAX, "a JSON model file", buf, len, err);
	if (st == VX_OK && *len == 0) {
		free(*buf);
		*buf = NULL;
		return vx_fail(err, VX_EFORMAT, "%s: empty file", path);
	}
	return st;
}

/* A recorded λ or input scale as the options accept it: 0 or a finite
 * normal double (so a hand-edited 1e-310 is this file's error, exit 1, not
 * an option's). */
static int scale_ok(const json_t *v)
{
	double x = json_number_value(v);
	return json_is_number(v) && isfinite(x) && (x == 0 || x >= DBL_MIN);
}

/* The parameters a previous run recorded (its "params" member) become the
 * defaults of this one, so a replay shows the same parameters and uses the
 * same loss step; an explicit --t or --norm still wins (the options that
 * would replace init, input_scale, seed or forget_bias are refused beside
 * --model).  Each member is optional; a recorded cell or layer count must
 * be the model's (cell, L), and a forget bias goes to *spec (NULL: none
 * expected, as for one vanilla layer). */
static vx_status apply_file_params(const json_t *root, const char *name, size_t T, vx_cell cell, size_t L,
                                   const vx_params *given, vx_params *eff, vx_net_spec *spec, vx_error *err)
{
	const json_t *pp = json_object_get(root, "params");
	if (!pp || root == NULL)
		return VX_OK;
	if (!json_is_object(pp))
		return vx_fail(err, VX_EFORMAT, "%s: params: is %s, expected an object", name, json_kind(pp));
	const json_t *v;
	if ((v = json_object_get(pp, "t")) && !(given->set & VX_SET_T)) {
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return vx_fail(err, VX_EFORMAT, "%s: params.t: expected an integer >= 0", name);
		/* A loss step past the file's last input is a broken record, not
		 * something to clamp to T behind the reader's back. */
		if ((uintmax_t)json_integer_value(v) > T)
			return vx_fail(err, VX_EFORMAT, "%s: params.t: %" PRIdMAX " exceeds the %zu steps of model.x",
			               name, (intmax_t)json_integer_value(v), T);
		eff->t = (size_t)json_integer_value(v);
	}
	if ((v = json_object_get(pp, "norm")) && !(given->set & VX_SET_NORM) && !json_is_null(v)) {
		if (!scale_ok(v))
			return vx_fail(err, VX_EFORMAT,
			               "%s: params.norm: expected 0, a finite number from %.2g, or null", name, DBL_MIN);
		/* The recorded λ is shown; W is not rescaled (it already has it). */
		eff->norm = json_number_value(v);
		eff->set |= VX_SET_NORM;
	}
	/* null init, input_scale: the weights or the inputs came from files
	 * (what check --json writes for them) */
	if ((v = json_object_get(pp, "init")) && json_is_null(v)) {
		eff->undrawn |= VX_UNDRAWN_WEIGHTS;
	} else if (v) {
		if (!json_is_string(v) || vx_init_parse(json_string_value(v), &eff->init) != 0)
			return vx_fail(err, VX_EFORMAT,
			               "%s: params.init: expected \"gaussian\", \"orthogonal\", \"identity\" or null",
			               name);
	}
	if ((v = json_object_get(pp, "input_scale")) && json_is_null(v)) {
		eff->undrawn |= VX_UNDRAWN_INPUTS;
	} else if (v) {
		if (!scale_ok(v))
			return vx_fail(err, VX_EFORMAT, "%s: params.input_scale: expected 0, a finite number from %.2g, or null",
			               name, DBL_MIN);
		eff->input_scale = json_number_value(v);
	}
	/* null: a run of a model that had no seed either (what check --json
	 * writes for one) */
	if ((v = json_object_get(pp, "seed")) && !json_is_null(v)) {
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return vx_fail(err, VX_EFORMAT, "%s: params.seed: expected an integer >= 0, or null", name);
		eff->seed = (unsigned long)json_integer_value(v);
		eff->unseeded = 0;
	}
	vx_cell pc;
	if ((v = json_object_get(pp, "cell")) &&
	    (!json_is_string(v) || vx_cell_parse(json_string_value(v), &pc) != 0 || pc != cell))
		return vx_fail(err, VX_EFORMAT, "%s: params.cell: expected \"%s\", the model's cell", name,
		               vx_cell_name(cell));
	if ((v = json_object_get(pp, "layers")) && (!json_is_integer(v) || json_integer_value(v) != (json_int_t)L))
		return vx_fail(err, VX_EFORMAT, "%s: params.layers: expected %zu, the model's layer count", name, L);
	/* null: the weights were a file's (init is null then), no bias set */
	if ((v = json_object_get(pp, "forget_bias")) && !json_is_null(v)) {
		if (!json_is_number(v) || !isfinite(json_number_value(v)) || (!spec && json_number_value(v) != 0))
			return vx_fail(err, VX_EFORMAT, "%s: params.forget_bias: expected a finite number%s", name,
			               spec ? "" : " (0: the rnn cell has no forget gate)");
		if (spec)
			spec->forget_bias = json_number_value(v);
	}
	return VX_OK;
}

/* Keeps the first T steps of m's inputs: a replay over a shorter horizon. */
static vx_status truncate_steps(vx_model **mp, size_t T, const char *name, vx_error *err)
{
	vx_model *m = *mp;
	vx_model *t = vx_model_alloc(m->act, m->d, m->n, T);
	if (!t)
		return vx_fail(err, VX_ENOMEM, "%s: out of memory", name);
	gsl_matrix_memcpy(t->W, m->W);
	gsl_matrix_memcpy(t->U, m->U);
	gsl_vector_memcpy(t->b, m->b);
	gsl_vector_memcpy(t->s0, m->s0);
	gsl_vector_memcpy(t->y, m->y);
	gsl_matrix_const_view xs = gsl_matrix_const_submatrix(m->x, 0, 0, T, m->n);
	gsl_matrix_memcpy(t->x, &xs.matrix);
	vx_model_free(m);
	*mp = t;
	return VX_OK;
}

/* The same for a network: its first T rows of x (the rest of it is T-free). */
static vx_status truncate_net(vx_net *net, size_t T, const char *name, vx_error *err)
{
	gsl_matrix *x = gsl_matrix_alloc(T, net->n);
	if (!x)
		return vx_fail(err, VX_ENOMEM, "%s: out of memory", name);
	gsl_matrix_const_view xs = gsl_matrix_const_submatrix(net->x, 0, 0, T, net->n);
	gsl_matrix_memcpy(x, &xs.matrix);
	gsl_matrix_free(net->x);
	net->x = x;
	net->T = T;
	return VX_OK;
}

void vxr_net_opts_default(vxr_net_opts *o)
{
	vx_net_spec_default(&o->spec);
	o->set = 0;
}

int vxr_net_opts_vanilla(const vxr_net_opts *o)
{
	return o->spec.cell == VX_CELL_RNN && o->spec.layers == 1;
}

/* "--cell lstm" or "--layers 3": the option that makes a network not one
 * vanilla layer, for messages. */
static const char *net_option(const vx_net_spec *s, char *buf, size_t n)
{
	if (s->cell != VX_CELL_RNN)
		snprintf(buf, n, "--cell %s", vx_cell_name(s->cell));
	else
		snprintf(buf, n, "--layers %zu", s->layers);
	return buf;
}

vx_status vxr_net_opts_check(const vx_params *p, const vxr_net_opts *o, vx_error *err)
{
	char opt[32];
	const vx_net_spec *s = &o->spec;
	int fb = (o->set & VXR_SET_FORGET_BIAS) != 0;
	if (fb && p->model[0])
		return vx_fail(err, VX_EUSAGE, "--forget-bias and --model cannot be combined: the model file holds its "
		               "biases");
	if (fb && p->weights[0] && p->weights_net)
		return vx_fail(err, VX_EUSAGE, "--forget-bias and --weights cannot be combined: the trained network's "
		               "file holds its biases");
	/* a trained network's file: --cell and --layers are held to it once read */
	if (p->weights[0] && !p->weights_net && !vxr_net_opts_vanilla(o))
		return vx_fail(err, VX_EUSAGE, "%s and --weights cannot be combined: --weights reads one square W, a "
		               "single vanilla layer", net_option(s, opt, sizeof opt));
	if ((p->set & VX_SET_ACT) && s->cell != VX_CELL_RNN)
		return vx_fail(err, VX_EUSAGE, "--act and --cell %s cannot be combined: the %s cell's gates are fixed "
		               "(logistic and tanh)", vx_cell_name(s->cell), vx_cell_name(s->cell));
	if (fb && s->cell == VX_CELL_RNN)
		return vx_fail(err, VX_EUSAGE, "--forget-bias: the rnn cell has no forget gate (use --cell lstm or gru)");
	return VX_OK;
}

void vxr_held_by(char *buf, size_t n, vx_cell cell, size_t L)
{
	if (cell == VX_CELL_RNN && L == 1)
		snprintf(buf, n, "one vanilla layer");
	else
		snprintf(buf, n, "%s %s network of %zu layer%s", cell == VX_CELL_GRU ? "a" : "an", vx_cell_name(cell), L,
		         L == 1 ? "" : "s");
}

/* The one load behind vxr_model_load (nets = 0: a network is refused) and
 * vxr_net_load (nets = 1), as their contracts say. */
static vx_status load(const vx_params *params, const vxr_net_opts *o, int nets, vx_model **model, vx_net **netp,
                      vx_params *eff, vx_net_spec *spec, vx_error *err)
{
	vx_status st;
	*model = NULL;
	*netp = NULL;
	*eff = *params;
	*spec = o->spec;
	if ((st = vx_params_conflicts(params, err)) != VX_OK || (st = vxr_net_opts_check(params, o, err)) != VX_OK)
		return st;

	if (params->model[0] == '\0') {
		vx_model *m = NULL;
		vx_net *net = NULL;
		if (vxr_net_opts_vanilla(o)) {
			if ((st = vx_model_build(params, &m, err)) != VX_OK)
				return st;
			eff->act = m->act;
			eff->hidden = m->d;
			eff->inputs = m->n;
			eff->steps = m->T;
			*model = m;
			return VX_OK;
		}
		if (!nets)
			return vx_fail(err, VX_EINTERNAL, "a network reached the vanilla loader");
		if ((st = vx_net_build(params, &o->spec, &net, err)) != VX_OK)
			return st;
		eff->hidden = net->d;
		eff->inputs = net->n;
		eff->steps = net->T;
		*netp = net;
		return VX_OK;
	}

	const char *name = params->model;
	char *text = NULL;
	size_t len = 0;
	if ((st = read_file(name, &text, &len, err)) != VX_OK)
		return st;
	json_t *root = parse_text(text, len, name, err);
	free(text);
	if (!root)
		return VX_EFORMAT;

	vx_model *m = NULL;
	vx_net *net = NULL;
	const json_t *mo;
	const json_t *pp = json_is_object(root) ? json_object_get(root, "params") : NULL;
	vx_act file_act = params->act;
	const json_t *pa = json_is_object(pp) ? json_object_get(pp, "activation") : NULL;
	if (pa && json_is_string(pa))
		vx_act_parse(json_string_value(pa), &file_act);
	/* The file holds every draw: unless it records the seed they came
	 * from, this run has none (the default seed would be a false record). */
	eff->unseeded = 1;
	if ((st = find_model(root, name, &mo, err)) != VX_OK)
		goto fail;
	if (holds_net(mo)) {
		if ((st = net_from_json(mo, name, file_act, &net, err)) != VX_OK)
			goto fail;
		spec->cell = net->cell;
		spec->layers = net->L;
	} else {
		if ((st = model_from_json(mo, name, file_act, &m, err)) != VX_OK)
			goto fail;
		spec->cell = VX_CELL_RNN;
		spec->layers = 1;
	}
	spec->forget_bias = 0;
	/* what the file holds against what the command line asked for */
	char held[64];
	vxr_held_by(held, sizeof held, spec->cell, spec->layers);
	if ((o->set & VXR_SET_CELL) && o->spec.cell != spec->cell) {
		st = vx_fail(err, VX_EUSAGE, "--cell %s: %s holds %s", vx_cell_name(o->spec.cell), name, held);
		goto fail;
	}
	if ((o->set & VXR_SET_LAYERS) && o->spec.layers != spec->layers) {
		st = vx_fail(err, VX_EUSAGE, "--layers %zu: %s holds %s", o->spec.layers, name, held);
		goto fail;
	}
	/* one vanilla layer written in PyTorch's names: the vanilla analysis,
	 * unless check wrote the file from a network's analysis (an nn.RNN's
	 * file: state_size at the top), which a check replays as it ran */
	if (net && net->cell == VX_CELL_RNN && net->L == 1 && !(nets && json_object_get(root, "state_size"))) {
		if ((st = vx_net_to_model(net, &m, err)) != VX_OK)
			goto fail;
		vx_net_free(net);
		net = NULL;
	}
	if (net && !nets) {
		st = vx_fail(err, VX_EUSAGE, "%s holds %s: handouts and the tutor explain one vanilla layer so far "
		             "(vanex check --model computes it)", name, held);
		goto fail;
	}
	size_t T = m ? m->T : net->T;
	if ((st = apply_file_params(root, name, T, spec->cell, spec->layers, params, eff,
	                            spec->cell == VX_CELL_RNN ? NULL : spec, err)) != VX_OK)
		goto fail;

	/* Explicit options that act on a given model (vx_params_conflicts and
	 * vxr_net_opts_check refused the others). */
	if (params->set & VX_SET_STEPS) {
		if (params->steps > T) {
			st = vx_fail(err, VX_EUSAGE, "--steps %zu exceeds the %zu input steps in %s", params->steps, T, name);
			goto fail;
		}
		if (params->steps < T &&
		    (st = m ? truncate_steps(&m, params->steps, name, err) : truncate_net(net, params->steps, name, err)) !=
		        VX_OK)
			goto fail;
		T = params->steps;
	}
	if (params->set & VX_SET_ACT) {
		if (net && net->cell != VX_CELL_RNN) {
			st = vx_fail(err, VX_EUSAGE, "--act: %s holds a network of %s cells, whose gates are fixed (logistic "
			             "and tanh)", name, vx_cell_name(net->cell));
			goto fail;
		}
		if (m)
			m->act = params->act;
		else
			net->act = params->act;
	}
	if ((params->set & VX_SET_NORM) &&
	    (st = m ? vx_model_set_norm(m, params->norm, err) : vx_net_set_norm(net, params->norm, err)) != VX_OK)
		goto fail;
	if ((params->set & VX_SET_T) && params->t > T) {
		st = vx_fail(err, VX_EUSAGE, "--t %zu exceeds the %zu steps of %s%s", params->t, T, name,
		             (params->set & VX_SET_STEPS) ? " kept by --steps" : "");
		goto fail;
	}
	if (eff->t > T)
		eff->t = 0; /* a recorded loss step beyond the horizon --steps kept: use T */

	eff->act = m ? m->act : net->act;
	eff->hidden = m ? m->d : net->d;
	eff->inputs = m ? m->n : net->n;
	eff->steps = T;
	json_decref(root);
	*model = m;
	*netp = net;
	return VX_OK;
fail:
	vx_model_free(m);
	vx_net_free(net);
	json_decref(root);
	return st;
}

/* A failure to read --model's file is about that option, as --weights'
 * are about theirs ("--model: FILE: ..."); messages that name an option of
 * their own keep it. */
static vx_status about_model(const vx_params *params, vx_status st, vx_error *err)
{
	if (st != VX_OK && err && params->model[0] && err->param == VX_PARAM_NONE && strncmp(err->msg, "--", 2) != 0)
		err->param = VX_PARAM_MODEL;
	return st;
}

vx_status vxr_model_load(const vx_params *params, vx_model **out, vx_params *eff, vx_error *err)
{
	vx_params local;
	vx_net_spec spec;
	vx_net *net = NULL;
	vxr_net_opts o;
	if (!params || !out)
		return vx_fail(err, VX_EINTERNAL, "vxr_model_load: bad arguments");
	vxr_net_opts_default(&o);
	return about_model(params, load(params, &o, 0, out, &net, eff ? eff : &local, &spec, err), err);
}

vx_status vxr_net_load(const vx_params *params, const vxr_net_opts *o, vx_model **model, vx_net **net,
                       vx_params *eff, vx_net_spec *spec, vx_error *err)
{
	vx_params local;
	vx_net_spec lspec;
	if (!params || !o || !model || !net)
		return vx_fail(err, VX_EINTERNAL, "vxr_net_load: bad arguments");
	return about_model(params, load(params, o, 1, model, net, eff ? eff : &local, spec ? spec : &lspec, err), err);
}
