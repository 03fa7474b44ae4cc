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

/* Fills vector v (its size is the expected length) from a JSON array. */
static vx_status get_vector(const json_t *a, const char *name, const char *member,
                            gsl_vector *v, vx_error *err)
{
	if (!json_is_array(a))
		return vx_fail(err, VX_EFORMAT, "%s: %s: is %s, expected an array of %zu numbers", name, member,
		               json_kind(a), v->size);
	if (json_array_size(a) != v->size)
		return vx_fail(err, VX_ESHAPE, "%s: %s: has %zu entries, expected %zu", name, member,
		               json_array_size(a), v->size);
	for (size_t i = 0; i < v->size; i++) {
		char where[48];
		double x;
		snprintf(where, sizeof where, "entry %zu", i + 1);
		vx_status st = get_number(json_array_get(a, i), name, member, where, &x, err);
		if (st != VX_OK)
			return st;
		gsl_vector_set(v, i, x);
	}
	return VX_OK;
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
		const json_t *row = json_array_get(a, i);
		if (!json_is_array(row))
			return vx_fail(err, VX_EFORMAT, "%s: %s: row %zu is %s, expected an array of %zu numbers",
			               name, member, i + 1, json_kind(row), M->size2);
		if (json_array_size(row) != M->size2)
			return vx_fail(err, VX_ESHAPE, "%s: %s: row %zu has %zu entries, expected %zu", name, member,
			               i + 1, json_array_size(row), M->size2);
		for (size_t j = 0; j < M->size2; j++) {
			char where[64];
			double x;
			snprintf(where, sizeof where, "row %zu, entry %zu", i + 1, j + 1);
			vx_status st = get_number(json_array_get(row, j), name, member, where, &x, err);
			if (st != VX_OK)
				return st;
			gsl_matrix_set(M, i, j, x);
		}
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

/* Builds a model from the "model" object; act_default when it names none. */
static vx_status model_from_json(const json_t *mo, const char *name, vx_act act_default,
                                 vx_model **out, vx_error *err)
{
	static const char *const known[] = { "activation", "W", "U", "b", "s0", "x", "y" };
	const char *key;
	json_t *val;
	vx_status st;

	if (!json_is_object(mo))
		return vx_fail(err, VX_EFORMAT, "%s: model: is %s, expected an object", name, json_kind(mo));
	json_object_foreach((json_t *)mo, key, val) {
		size_t i;
		for (i = 0; i < sizeof known / sizeof known[0]; i++)
			if (strcmp(key, known[i]) == 0)
				break;
		if (i == sizeof known / sizeof known[0]) {
			/* printable ASCII, at most 40 bytes: a key is outside text */
			char kb[4 * 40 + 4];
			return vx_fail(err, VX_EFORMAT,
			               "%s: model: unknown member '%s' (accepted: activation, W, U, b, s0, x, y)",
			               name, vx_quote(key, 40, 1, kb, sizeof kb));
		}
	}

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

/* The object holding the model: root.model, or the root itself when it
 * holds W directly. */
static vx_status find_model(const json_t *root, const char *name, const json_t **mo, vx_error *err)
{
	if (!json_is_object(root))
		return vx_fail(err, VX_EFORMAT, "%s: expected a JSON object with a \"model\" member", name);
	const json_t *m = json_object_get(root, "model");
	if (m) {
		*mo = m;
		return VX_OK;
	}
	if (json_object_get(root, "W")) {
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
	if (!root)   /* jansson quotes the offending bytes ("near '...'") verbatim */
		vx_fail(err, VX_EFORMAT, "%s:%d:%d: %s", name, je.line, je.column,
		        vx_quote(je.text, SIZE_MAX, 1, tb, sizeof tb));
	return root;
}

vx_status vxr_model_parse_json(const char *text, size_t len, const char *name,
                               vx_model **out, vx_error *err)
{
	if (!text || !out)
		return vx_fail(err, VX_EINTERNAL, "vxr_model_parse_json: bad arguments");
	*out = NULL;
	if (!name)
		name = "model";
	json_t *root = parse_text(text, len, name, err);
	if (!root)
		return VX_EFORMAT;
	const json_t *mo;
	vx_status st = find_model(root, name, &mo, err);
	if (st == VX_OK)
		st = model_from_json(mo, name, VX_TANH, out, err);
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
 * would replace init, input_scale or seed are refused beside --model).
 * Each member is optional. */
static vx_status apply_file_params(const json_t *root, const char *name, size_t T,
                                   const vx_params *given, vx_params *eff, vx_error *err)
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
	if ((v = json_object_get(pp, "init"))) {
		if (!json_is_string(v) || vx_init_parse(json_string_value(v), &eff->init) != 0)
			return vx_fail(err, VX_EFORMAT,
			               "%s: params.init: expected \"gaussian\", \"orthogonal\" or \"identity\"", name);
	}
	if ((v = json_object_get(pp, "input_scale"))) {
		if (!scale_ok(v))
			return vx_fail(err, VX_EFORMAT, "%s: params.input_scale: expected 0 or a finite number from %.2g",
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

vx_status vxr_model_load(const vx_params *params, vx_model **out, vx_params *eff, vx_error *err)
{
	vx_params local;
	vx_status st;
	if (!params || !out)
		return vx_fail(err, VX_EINTERNAL, "vxr_model_load: bad arguments");
	*out = NULL;
	if (!eff)
		eff = &local;
	*eff = *params;

	if (params->model[0] == '\0') {
		vx_model *m = NULL;
		if ((st = vx_model_build(params, &m, err)) != VX_OK)
			return st;
		eff->act = m->act;
		eff->hidden = m->d;
		eff->inputs = m->n;
		eff->steps = m->T;
		*out = m;
		return VX_OK;
	}

	const char *name = params->model;
	/* before reading the file: a usage error is the same whatever it holds */
	if ((st = vx_params_conflicts(params, err)) != VX_OK)
		return st;
	char *text = NULL;
	size_t len = 0;
	if ((st = read_file(name, &text, &len, err)) != VX_OK)
		return st;
	json_t *root = parse_text(text, len, name, err);
	free(text);
	if (!root)
		return VX_EFORMAT;

	vx_model *m = NULL;
	const json_t *mo;
	const json_t *pp = json_is_object(root) ? json_object_get(root, "params") : NULL;
	vx_act file_act = params->act;
	const json_t *pa = json_is_object(pp) ? json_object_get(pp, "activation") : NULL;
	if (pa && json_is_string(pa))
		vx_act_parse(json_string_value(pa), &file_act);
	/* The file holds every draw: unless it records the seed they came
	 * from, this run has none (the default seed would be a false record). */
	eff->unseeded = 1;
	if ((st = find_model(root, name, &mo, err)) != VX_OK ||
	    (st = model_from_json(mo, name, file_act, &m, err)) != VX_OK ||
	    (st = apply_file_params(root, name, m->T, params, eff, err)) != VX_OK)
		goto fail;

	/* Explicit options that act on a given model (vx_params_conflicts
	 * refused the others). */
	if (params->set & VX_SET_STEPS) {
		if (params->steps > m->T) {
			st = vx_fail(err, VX_EUSAGE, "--steps %zu exceeds the %zu input steps in %s", params->steps,
			             m->T, name);
			goto fail;
		}
		if (params->steps < m->T && (st = truncate_steps(&m, params->steps, name, err)) != VX_OK)
			goto fail;
	}
	if (params->set & VX_SET_ACT)
		m->act = params->act;
	if ((params->set & VX_SET_NORM) && (st = vx_model_set_norm(m, params->norm, err)) != VX_OK)
		goto fail;
	if ((params->set & VX_SET_T) && params->t > m->T) {
		st = vx_fail(err, VX_EUSAGE, "--t %zu exceeds the %zu steps of %s%s", params->t, m->T, name,
		             (params->set & VX_SET_STEPS) ? " kept by --steps" : "");
		goto fail;
	}
	if (eff->t > m->T)
		eff->t = 0; /* a recorded loss step beyond the horizon --steps kept: use T */

	eff->act = m->act;
	eff->hidden = m->d;
	eff->inputs = m->n;
	eff->steps = m->T;
	json_decref(root);
	*out = m;
	return VX_OK;
fail:
	vx_model_free(m);
	json_decref(root);
	return st;
}
