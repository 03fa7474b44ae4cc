/*
 * fuzz_params.c — option values (vx_params_set, vx_params_check) under fuzzing.
 *
 * The input is a list of "name=value" records separated by newlines, applied
 * in order, as a command line or a template's front matter would.  After
 * every call the parameters must stay inside their documented domains; an
 * accepted value must mean what it says (the number stored equals the text
 * read by strtod, so "--seed -1" cannot wrap to 2^64−1 and "--hidden 8x"
 * cannot become 8); a rejected one must name its option in one line.
 */
#include <ctype.h>
#include <math.h>
#include "engine/act.h"
#include "engine/params.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_INIT_GSL()

/* The value as a whole number by strtod (surrounding blanks allowed), or NAN
 * when the text is not one number. */
static double number(const char *v)
{
	char *end;
	if (!*v)
		return NAN;
	double x = strtod(v, &end);
	if (end == v)
		return NAN;
	while (isspace((unsigned char)*end))
		end++;
	return *end ? NAN : x;
}

/* An accepted value must be what the text says. */
static void check_meaning(const vx_params *p, const char *name, const char *v)
{
	double x = number(v);
	vx_act a;
	if (!strcmp(name, "act"))
		FUZZ_CHECK(vx_act_parse(v, &a) == 0 && a == p->act, "--act '%s' accepted as %d", v, (int)p->act);
	else if (!strcmp(name, "init"))
		FUZZ_CHECK(vx_init_parse(v, &(vx_init){0}) == 0, "--init '%s' accepted", v);
	else if (!strcmp(name, "hidden"))
		FUZZ_CHECK((double)p->hidden == x, "--hidden '%s' stored as %zu", v, p->hidden);
	else if (!strcmp(name, "inputs"))
		FUZZ_CHECK((double)p->inputs == x, "--inputs '%s' stored as %zu", v, p->inputs);
	else if (!strcmp(name, "steps"))
		FUZZ_CHECK((double)p->steps == x, "--steps '%s' stored as %zu", v, p->steps);
	else if (!strcmp(name, "t"))
		FUZZ_CHECK((double)p->t == x, "--t '%s' stored as %zu", v, p->t);
	else if (!strcmp(name, "seed"))
		FUZZ_CHECK((double)p->seed == x, "--seed '%s' stored as %lu", v, p->seed);
	else if (!strcmp(name, "norm"))
		FUZZ_CHECK(p->norm == x, "--norm '%s' stored as %.17g", v, p->norm);
	else if (!strcmp(name, "input-scale"))
		FUZZ_CHECK(p->input_scale == x, "--input-scale '%s' stored as %.17g", v, p->input_scale);
	else if (!strcmp(name, "weights"))
		FUZZ_CHECK(!strcmp(p->weights, v), "--weights '%s' stored as '%s'", v, p->weights);
	else if (!strcmp(name, "model"))
		FUZZ_CHECK(!strcmp(p->model, v), "--model '%s' stored as '%s'", v, p->model);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size);
	vx_params p;
	vx_params_default(&p);
	fuzz_check_params(&p);

	char *save = NULL;
	for (char *rec = strtok_r(text, "\n", &save); rec; rec = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(rec, '=');
		const char *value = "";
		if (eq) {
			*eq = '\0';
			value = eq + 1;
		}
		vx_error err = { 0 };
		vx_status st = vx_params_set(&p, rec, value, &err);
		fuzz_check_params(&p);
		if (st == VX_OK) {
			FUZZ_CHECK(vx_params_is_option(rec), "unknown option '%s' accepted", rec);
			check_meaning(&p, rec, value);
		} else {
			fuzz_check_error(st, &err);
			FUZZ_CHECK(st == VX_EUSAGE, "option '%s' failed with status %d, not VX_EUSAGE", rec, (int)st);
			if (vx_params_is_option(rec) && *rec)
				FUZZ_CHECK(strstr(err.msg, rec) != NULL, "message for --%s does not name it: %s", rec,
				           err.msg);
		}
	}

	vx_error err = { 0 };
	vx_status st = vx_params_check(&p, &err);
	if (st == VX_OK) {
		size_t t = vx_params_loss_step(&p);
		FUZZ_CHECK(t >= 1 && t <= p.steps, "loss step %zu with %zu steps", t, p.steps);
	} else {
		fuzz_check_error(st, &err);
	}
	free(text);
	return 0;
}
