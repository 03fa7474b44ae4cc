/*
 * fuzz_cli.c — the command line (vxu_parse_args) under fuzzing.
 *
 * The input is split at NUL bytes into arguments after "vanex", as a shell
 * would hand them over.  Parsing must not print, must leave every field in
 * its domain, and must fail with VX_EUSAGE and one printable line.  Values
 * given with "--opt value" and "--opt=value" must parse alike: the harness
 * parses both spellings of every long option and compares.
 */
#include "tui/cli.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_INIT_GSL()

#define MAXARGS 48

static void check_args(const vxu_args *a)
{
	FUZZ_CHECK((int)a->cmd >= VXU_CMD_TUTOR && (int)a->cmd <= VXU_CMD_VERSION, "cmd = %d", (int)a->cmd);
	if (a->cmd == VXU_CMD_HELP)
		FUZZ_CHECK((int)a->help_cmd >= VXU_CMD_TUTOR && (int)a->help_cmd <= VXU_CMD_HELP, "help_cmd = %d",
		           (int)a->help_cmd);
	fuzz_check_params(&a->params);
	/* an accepted command line names no option that its file makes meaningless */
	FUZZ_CHECK(a->cmd == VXU_CMD_HELP || a->cmd == VXU_CMD_VERSION ||
	           vx_params_conflicts(&a->params, NULL) == VX_OK, "conflicting options accepted");
	FUZZ_CHECK((int)a->format >= VXR_MD && (int)a->format <= VXR_SLIDES, "format = %d", (int)a->format);
	FUZZ_CHECK(memchr(a->output, 0, sizeof a->output) != NULL, "output not terminated");
	FUZZ_CHECK(memchr(a->template_path, 0, sizeof a->template_path) != NULL, "template not terminated");
}

/* Parses argv; returns the status and leaves the result in *a. */
static vx_status parse(int argc, char **argv, vxu_args *a, vx_error *err)
{
	memset(a, 0, sizeof *a);
	memset(err, 0, sizeof *err);
	vx_status st = vxu_parse_args(argc, argv, a, err);
	if (st == VX_OK) {
		check_args(a);
	} else {
		fuzz_check_error(st, err);
		FUZZ_CHECK(st == VX_EUSAGE, "status %d for a command line, not VX_EUSAGE: %s", (int)st, err->msg);
	}
	return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';

	char *argv[MAXARGS + 2];
	int argc = 0;
	argv[argc++] = "vanex";
	for (size_t i = 0; i <= size && argc < MAXARGS;) {
		argv[argc++] = text + i;
		i += strlen(text + i) + 1;
	}
	argv[argc] = NULL;

	static vxu_args a, b;   /* large (two paths of 4 KiB each): not on the stack */
	vx_error err, err2;
	vx_status st = parse(argc, argv, &a, &err);

	/* "--opt=value" joined into one argument must mean "--opt value". */
	char *joined[MAXARGS + 2];
	char *owned[MAXARGS];
	int jn = 0, nowned = 0, changed = 0;
	for (int i = 0; i < argc; i++) {
		const char *s = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : "";
		/* (a value that looks like an option is refused in the first
		 * spelling on purpose, so such pairs are not compared) */
		if (i > 0 && i + 1 < argc && s[0] == '-' && s[1] == '-' && s[2] && !strchr(s, '=') &&
		    vx_params_is_option(s + 2) && !(v[0] == '-' && v[1] == '-' && v[2])) {
			size_t n1 = strlen(s), n2 = strlen(argv[i + 1]);
			char *j = malloc(n1 + n2 + 2);
			if (!j)
				abort();
			memcpy(j, s, n1);
			j[n1] = '=';
			memcpy(j + n1 + 1, argv[i + 1], n2 + 1);
			owned[nowned++] = j;
			joined[jn++] = j;
			i++;
			changed = 1;
		} else {
			joined[jn++] = argv[i];
		}
	}
	joined[jn] = NULL;
	if (changed) {
		vx_status st2 = parse(jn, joined, &b, &err2);
		FUZZ_CHECK((st == VX_OK) == (st2 == VX_OK), "'--opt value' gives %d, '--opt=value' gives %d (%s / %s)",
		           (int)st, (int)st2, err.msg, err2.msg);
		if (st == VX_OK)
			FUZZ_CHECK(a.cmd == b.cmd && a.params.set == b.params.set && a.params.hidden == b.params.hidden &&
			           a.params.steps == b.params.steps && a.params.t == b.params.t &&
			           a.params.seed == b.params.seed && a.params.act == b.params.act &&
			           !memcmp(&a.params.norm, &b.params.norm, sizeof(double)) &&
			           !strcmp(a.params.weights, b.params.weights) && !strcmp(a.params.model, b.params.model),
			           "the two spellings give different parameters");
	}
	for (int i = 0; i < nowned; i++)
		free(owned[i]);
	free(text);
	return 0;
}
