/*
 * params.c — strict parsing of the model options (see params.h).
 *
 * strtod/strtoul are lenient (leading blanks, signs, "inf", "nan", hex,
 * silent wrap-around of negatives): every value here is checked in full so
 * that a typo is an error naming the option, never a silently different run.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "engine/params.h"

void vx_params_default(vx_params *p)
{
	memset(p, 0, sizeof *p);
	p->act = VX_TANH;
	p->hidden = 8;
	p->inputs = 4;
	p->steps = 50;
	p->t = 0;
	p->norm = 0.8;
	p->init = VX_INIT_GAUSSIAN;
	p->input_scale = 1.0;
	p->seed = 1;
}

static const char *const init_names[] = { "gaussian", "orthogonal", "identity" };

const char *vx_init_name(vx_init i)
{
	return (unsigned)i < 3 ? init_names[i] : "?";
}

int vx_init_parse(const char *name, vx_init *out)
{
	if (!name)
		return -1;
	for (unsigned i = 0; i < 3; i++)
		if (strcmp(name, init_names[i]) == 0) {
			*out = (vx_init)i;
			return 0;
		}
	return -1;
}

/* Unsigned decimal integer: digits only, no sign, no blanks, no overflow. */
static int parse_ulong(const char *s, unsigned long *out)
{
	if (!s || !*s)
		return -1;
	for (const char *c = s; *c; c++)
		if (*c < '0' || *c > '9')
			return -1;
	errno = 0;
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

/* A finite decimal number >= 0 (plain or with exponent; no blanks, hex, inf,
 * nan) that a double holds to full precision: 0 itself or a normal double.
 * Returns 0, -1 for text that is not such a number, -2 for a nonzero value
 * below DBL_MIN, which strtod turns into a subnormal or into 0 (--norm
 * 1e-400 ran as λ = 0).  Whether the text is zero is read from its digits,
 * not from strtod's errno, which the C library sets unevenly on underflow. */
static int parse_nonneg(const char *s, double *out)
{
	if (!s || !*s)
		return -1;
	int nonzero = 0;
	for (const char *c = s; *c; c++)
		if (!strchr("0123456789.eE+-", *c))
			return -1;
	for (const char *c = s; *c && *c != 'e' && *c != 'E'; c++)
		nonzero |= *c >= '1' && *c <= '9';
	char *end;
	double v = strtod(s, &end);
	if (*end || end == s || !isfinite(v) || v < 0 || (signbit(v) && nonzero))
		return -1;   /* (-1e-400 reads as -0: a negative number all the same) */
	if (nonzero && v < DBL_MIN)
		return -2;
	*out = v == 0 ? 0.0 : v;   /* -0 becomes 0 */
	return 0;
}

static vx_status int_option(const char *name, const char *value, unsigned long lo,
                            unsigned long hi, size_t *dst, vx_error *err)
{
	unsigned long v;
	char b[64];
	if (parse_ulong(value, &v) || v < lo || v > hi)
		return vx_fail(err, VX_EUSAGE, "--%s: expected an integer from %lu to %lu, got '%s'",
		               name, lo, hi, vx_quote(value, SIZE_MAX, 1, b, sizeof b));
	*dst = (size_t)v;
	return VX_OK;
}

static vx_status num_option(const char *name, const char *value, double *dst, vx_error *err)
{
	char b[64];
	int r = parse_nonneg(value, dst);
	if (r == -2)
		return vx_fail(err, VX_EUSAGE,
		               "--%s: expected 0 or a finite number from %.17g (the smallest normal double), got '%s'",
		               name, DBL_MIN, vx_quote(value, SIZE_MAX, 1, b, sizeof b));
	if (r)
		return vx_fail(err, VX_EUSAGE, "--%s: expected a finite number >= 0, got '%s'",
		               name, vx_quote(value, SIZE_MAX, 1, b, sizeof b));
	return VX_OK;
}

static vx_status path_option(const char *name, const char *value, char *dst, vx_error *err)
{
	if (!*value)
		return vx_fail(err, VX_EUSAGE, "--%s: expected a file name, got ''", name);
	size_t len = strlen(value);
	if (len >= VX_PATH_MAX)
		return vx_fail(err, VX_EUSAGE, "--%s: file name too long (%zu bytes; at most %d)",
		               name, len, VX_PATH_MAX - 1);
	memcpy(dst, value, len + 1);
	return VX_OK;
}

static const struct {
	const char *name;
	unsigned bit;
} options[] = {
	{ "act", VX_SET_ACT }, { "hidden", VX_SET_HIDDEN }, { "inputs", VX_SET_INPUTS },
	{ "steps", VX_SET_STEPS }, { "t", VX_SET_T }, { "norm", VX_SET_NORM },
	{ "init", VX_SET_INIT }, { "weights", VX_SET_WEIGHTS }, { "model", VX_SET_MODEL },
	{ "input-scale", VX_SET_INPUT_SCALE }, { "seed", VX_SET_SEED },
	{ "inputs-file", VX_SET_INPUTS_FILE }, { "module", VX_SET_MODULE }, { "direction", VX_SET_DIRECTION },
	{ "layout", VX_SET_LAYOUT },
};
#define NOPTIONS (sizeof options / sizeof options[0])

int vx_params_is_option(const char *name)
{
	if (!name)
		return 0;
	for (size_t i = 0; i < NOPTIONS; i++)
		if (strcmp(name, options[i].name) == 0)
			return 1;
	return 0;
}

vx_status vx_params_set(vx_params *p, const char *name, const char *value, vx_error *err)
{
	char b[64];
	size_t i;
	if (!name)
		return vx_fail(err, VX_EUSAGE, "missing option name");
	for (i = 0; i < NOPTIONS; i++)
		if (strcmp(name, options[i].name) == 0)
			break;
	if (i == NOPTIONS)
		return vx_fail(err, VX_EUSAGE, "--%s: unknown option", vx_quote(name, SIZE_MAX, 1, b, sizeof b));
	if (!value)
		return vx_fail(err, VX_EUSAGE, "--%s: missing value", name);

	vx_status st = VX_OK;
	unsigned bit = options[i].bit;
	switch (bit) {
	case VX_SET_ACT:
		if (vx_act_parse(value, &p->act))
			st = vx_fail(err, VX_EUSAGE, "--act: expected sigmoid, tanh, relu or linear, got '%s'",
			             vx_quote(value, SIZE_MAX, 1, b, sizeof b));
		break;
	case VX_SET_HIDDEN:
		st = int_option(name, value, 1, VX_MAX_HIDDEN, &p->hidden, err);
		break;
	case VX_SET_INPUTS:
		st = int_option(name, value, 1, VX_MAX_INPUTS, &p->inputs, err);
		break;
	case VX_SET_STEPS:
		st = int_option(name, value, 1, VX_MAX_STEPS, &p->steps, err);
		break;
	case VX_SET_T:
		st = int_option(name, value, 1, VX_MAX_STEPS, &p->t, err);
		break;
	case VX_SET_NORM:
		st = num_option(name, value, &p->norm, err);
		break;
	case VX_SET_INIT:
		if (vx_init_parse(value, &p->init))
			st = vx_fail(err, VX_EUSAGE,
			             "--init: expected gaussian, orthogonal or identity, got '%s'",
			             vx_quote(value, SIZE_MAX, 1, b, sizeof b));
		break;
	case VX_SET_WEIGHTS:
		st = path_option(name, value, p->weights, err);
		break;
	case VX_SET_MODEL:
		st = path_option(name, value, p->model, err);
		break;
	case VX_SET_INPUTS_FILE:
		st = path_option(name, value, p->inputs_file, err);
		break;
	case VX_SET_MODULE: {
		size_t len = strlen(value);
		if (len >= VX_MODULE_MAX)
			st = vx_fail(err, VX_EUSAGE, "--module: name too long (%zu bytes; at most %d)", len,
			             VX_MODULE_MAX - 1);
		else
			memcpy(p->module, value, len + 1);
		break;
	}
	case VX_SET_DIRECTION:
		if (strcmp(value, "forward") == 0 || strcmp(value, "reverse") == 0)
			p->reverse = value[0] == 'r';
		else
			st = vx_fail(err, VX_EUSAGE, "--direction: expected forward or reverse, got '%s'",
			             vx_quote(value, SIZE_MAX, 1, b, sizeof b));
		break;
	case VX_SET_LAYOUT:
		if (strcmp(value, "btn") == 0 || strcmp(value, "tbn") == 0)
			p->seq_first = value[0] == 't';
		else
			st = vx_fail(err, VX_EUSAGE, "--layout: expected btn (B x T x n) or tbn (T x B x n), got '%s'",
			             vx_quote(value, SIZE_MAX, 1, b, sizeof b));
		break;
	case VX_SET_INPUT_SCALE:
		st = num_option(name, value, &p->input_scale, err);
		break;
	case VX_SET_SEED: {
		unsigned long v;
		if (parse_ulong(value, &v) || v > VX_MAX_SEED)
			st = vx_fail(err, VX_EUSAGE,
			             "--seed: expected an integer from 0 to %lu, got '%s'",
			             VX_MAX_SEED, vx_quote(value, SIZE_MAX, 1, b, sizeof b));
		else
			p->seed = v;
		break;
	}
	}
	if (st == VX_OK)
		p->set |= bit;
	return st;
}

/* Each pair: a file option, an option it makes meaningless, and why. */
static const struct {
	unsigned file, opt;
	const char *why;
} conflicts[] = {
	{ VX_SET_MODEL, VX_SET_WEIGHTS, "a model file holds its own W" },
	{ VX_SET_MODEL, VX_SET_HIDDEN, "the hidden size is the model file's" },
	{ VX_SET_MODEL, VX_SET_INPUTS, "the number of inputs is the model file's" },
	{ VX_SET_MODEL, VX_SET_INIT, "W comes from the model file" },
	{ VX_SET_MODEL, VX_SET_INPUT_SCALE, "the inputs x come from the model file" },
	{ VX_SET_MODEL, VX_SET_SEED, "the model file holds W, U, x and y, so nothing is drawn" },
	{ VX_SET_MODEL, VX_SET_INPUTS_FILE, "the inputs x come from the model file" },
	{ VX_SET_WEIGHTS, VX_SET_INIT, "W comes from the file" },
	{ VX_SET_WEIGHTS, VX_SET_HIDDEN, "the hidden size is the size of the file's W" },
	{ VX_SET_INPUTS_FILE, VX_SET_INPUT_SCALE, "the inputs come from the file" },
	{ VX_SET_INPUTS_FILE, VX_SET_SEED, "the weights and the inputs come from files, so nothing is drawn" },
};

static const char *option_name(unsigned bit)
{
	for (size_t i = 0; i < NOPTIONS; i++)
		if (options[i].bit == bit)
			return options[i].name;
	return "?";
}

/* Whether an option is in effect: a file by its path (callers may fill the
 * path without the bit), anything else by its bit. */
static int given(const vx_params *p, unsigned bit)
{
	if (bit == VX_SET_MODEL)
		return p->model[0] != '\0';
	if (bit == VX_SET_WEIGHTS)
		return p->weights[0] != '\0';
	if (bit == VX_SET_INPUTS_FILE)
		return p->inputs_file[0] != '\0';
	return (p->set & bit) != 0;
}

/* Whether a pair of the table applies: a trained network's file fixes its
 * sizes (--hidden is checked against it once read, not refused), and a
 * seed still draws a bare W's U and y, or a network's generated inputs. */
static int applies(const vx_params *p, unsigned file, unsigned opt)
{
	if (file == VX_SET_WEIGHTS && opt == VX_SET_HIDDEN)
		return !p->weights_net;
	if (file == VX_SET_INPUTS_FILE && opt == VX_SET_SEED)
		return p->weights_net && p->weights[0];
	return 1;
}

vx_status vx_params_conflicts(const vx_params *p, vx_error *err)
{
	for (size_t i = 0; i < sizeof conflicts / sizeof conflicts[0]; i++)
		if (given(p, conflicts[i].file) && given(p, conflicts[i].opt) &&
		    applies(p, conflicts[i].file, conflicts[i].opt))
			return vx_fail(err, VX_EUSAGE, "--%s and --%s cannot be combined: %s",
			               option_name(conflicts[i].opt), option_name(conflicts[i].file),
			               conflicts[i].why);
	if ((p->set & VX_SET_LAYOUT) && !p->inputs_file[0])
		return vx_fail(err, VX_EUSAGE, "--layout says how --inputs-file lays out a batch: give --inputs-file too");
	/* which module, which direction: questions only a network's file poses */
	static const unsigned pick[] = { VX_SET_MODULE, VX_SET_DIRECTION };
	for (size_t i = 0; i < 2; i++)
		if ((p->set & pick[i]) && !(p->weights[0] && p->weights_net))
			return vx_fail(err, VX_EUSAGE, "--%s needs --weights FILE holding a trained network (.pt, .pth, "
			               ".safetensors, .npz)%s", option_name(pick[i]),
			               p->weights[0] ? ": this one is a bare square W" : "");
	return VX_OK;
}

vx_status vx_params_check(const vx_params *p, vx_error *err)
{
	if (p->hidden < 1 || p->hidden > VX_MAX_HIDDEN)
		return vx_fail(err, VX_EUSAGE, "--hidden: expected an integer from 1 to %u, got %zu",
		               VX_MAX_HIDDEN, p->hidden);
	if (p->inputs < 1 || p->inputs > VX_MAX_INPUTS)
		return vx_fail(err, VX_EUSAGE, "--inputs: expected an integer from 1 to %u, got %zu",
		               VX_MAX_INPUTS, p->inputs);
	if (p->steps < 1 || p->steps > VX_MAX_STEPS)
		return vx_fail(err, VX_EUSAGE, "--steps: expected an integer from 1 to %u, got %zu",
		               VX_MAX_STEPS, p->steps);
	if (p->t > p->steps)
		return vx_fail(err, VX_EUSAGE, "--t: the loss step must be from 1 to --steps (%zu), got %zu",
		               p->steps, p->t);
	if (!isfinite(p->norm) || p->norm < 0 || (p->norm != 0 && p->norm < DBL_MIN))
		return vx_fail(err, VX_EUSAGE, "--norm: expected 0 or a finite number from %.2g, got %g",
		               DBL_MIN, p->norm);
	if (!isfinite(p->input_scale) || p->input_scale < 0 ||
	    (p->input_scale != 0 && p->input_scale < DBL_MIN))
		return vx_fail(err, VX_EUSAGE, "--input-scale: expected 0 or a finite number from %.2g, got %g",
		               DBL_MIN, p->input_scale);
	if (p->seed > VX_MAX_SEED)
		return vx_fail(err, VX_EUSAGE, "--seed: expected an integer from 0 to %lu, got %lu",
		               VX_MAX_SEED, p->seed);
	if ((unsigned)p->act >= VX_ACT_COUNT)
		return vx_fail(err, VX_EUSAGE, "--act: expected sigmoid, tanh, relu or linear");
	if ((unsigned)p->init > VX_INIT_IDENTITY)
		return vx_fail(err, VX_EUSAGE, "--init: expected gaussian, orthogonal or identity");
	return vx_params_conflicts(p, err);
}

size_t vx_params_loss_step(const vx_params *p)
{
	return p->t ? p->t : p->steps;
}
