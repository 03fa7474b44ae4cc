/*
 * test_cli.c — the command-line parser: commands, both spellings of long
 * options, the options each command accepts, and the one-line messages for
 * every kind of mistake.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <gsl/gsl_errno.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "engine/analysis.h"
#include "engine/net.h"
#include "tui/cli.h"

static void setup(void)
{
	gsl_set_error_handler_off();
	unsetenv("NO_COLOR");
}

TestSuite(cli, .init = setup);

/* Parses a NULL-terminated list (argv[0] is added). */
static vx_status parse(vxu_args *a, vx_error *err, const char *const *args)
{
	char *argv[64];
	int argc = 0;
	argv[argc++] = (char *)"vanex";
	for (; *args; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	err->msg[0] = '\0';
	return vxu_parse_args(argc, argv, a, err);
}

#define PARSE_OK(a, ...)                                                                            \
	do {                                                                                            \
		vx_error e_;                                                                                \
		const char *const args_[] = { __VA_ARGS__, NULL };                                          \
		vx_status s_ = parse(a, &e_, args_);                                                        \
		cr_assert_eq(s_, VX_OK, "parse failed: %s", e_.msg);                                        \
	} while (0)

static void parse_fails(const char *want, const char *const *args)
{
	vxu_args a;
	vx_error err;
	vx_status st = parse(&a, &err, args);
	cr_assert_eq(st, VX_EUSAGE, "expected a usage error for '%s', got %d", want, st);
	cr_assert_str_eq(err.msg, want, "message '%s', expected '%s'", err.msg, want);
}

#define FAILS(want, ...)                                                                            \
	do {                                                                                            \
		const char *const args_[] = { __VA_ARGS__, NULL };                                          \
		parse_fails(want, args_);                                                                   \
	} while (0)

Test(cli, default_is_the_tutor)
{
	vxu_args a;
	vx_error err;
	const char *const none[] = { NULL };
	cr_assert_eq(parse(&a, &err, none), VX_OK);
	cr_assert_eq(a.cmd, VXU_CMD_TUTOR);
	cr_assert_eq(a.params.hidden, 8, "defaults from vx_params_default");
	cr_assert_eq(a.color, 1);
	PARSE_OK(&a, "--act", "relu", "--step", "3", "--no-color");
	cr_assert_eq(a.cmd, VXU_CMD_TUTOR);
	cr_assert_eq(a.params.act, VX_RELU);
	cr_assert_eq(a.step, 3);
	cr_assert_eq(a.color, 0);
}

Test(cli, both_spellings_of_long_options)
{
	vxu_args a;
	PARSE_OK(&a, "check", "--hidden", "16", "--norm=2.5", "--act=sigmoid", "--seed", "42", "--json");
	cr_assert_eq(a.cmd, VXU_CMD_CHECK);
	cr_assert_eq(a.params.hidden, 16);
	cr_assert_eq(a.params.norm, 2.5);
	cr_assert_eq(a.params.act, VX_SIGMOID);
	cr_assert_eq(a.params.seed, 42);
	cr_assert(a.params.set & VX_SET_NORM);
	cr_assert_eq(a.json, 1);
	PARSE_OK(&a, "check", "--weights=W.npy", "--input-scale", "0");
	cr_assert_str_eq(a.params.weights, "W.npy");
	cr_assert_eq(a.params.input_scale, 0.0);
}

Test(cli, report_options_and_format_from_extension)
{
	vxu_args a;
	PARSE_OK(&a, "report", "-o", "out/handout.html");
	cr_assert_eq(a.format, VXR_HTML);
	cr_assert_eq(a.format_set, 0);
	cr_assert_str_eq(a.output, "out/handout.html");
	PARSE_OK(&a, "report", "-ohandout.tex");
	cr_assert_eq(a.format, VXR_LATEX);
	PARSE_OK(&a, "report", "-f", "md", "-o", "x.html", "--template", "t.md");
	cr_assert_eq(a.format, VXR_MD, "-f wins over the extension");
	cr_assert_str_eq(a.template_path, "t.md");
	PARSE_OK(&a, "report", "--format=latex");
	cr_assert_eq(a.format, VXR_LATEX);
	PARSE_OK(&a, "report");
	cr_assert_eq(a.format, VXR_MD);
	cr_assert_str_eq(a.output, "");
	/* a PDF from the extension or from -f; a .pdf never holds another format */
	PARSE_OK(&a, "report", "-o", "handout.pdf");
	cr_assert_eq(a.format, VXR_PDF);
	PARSE_OK(&a, "report", "-f", "pdf", "-o", "handout.bin");
	cr_assert_eq(a.format, VXR_PDF);
	PARSE_OK(&a, "report", "-f", "slides", "-o", "lecture.html");
	cr_assert_eq(a.format, VXR_SLIDES, "-f slides wins over .html");
	FAILS("-o x.pdf: a .pdf file takes -f pdf (or no -f)", "report", "-f", "md", "-o", "x.pdf");
	FAILS("-o x.pdf: a .pdf file takes -f pdf (or no -f)", "report", "-o", "x.pdf", "-f", "html");
}

Test(cli, help_and_version)
{
	vxu_args a;
	PARSE_OK(&a, "--help");
	cr_assert_eq(a.cmd, VXU_CMD_HELP);
	cr_assert_eq(a.help_cmd, VXU_CMD_HELP);
	PARSE_OK(&a, "check", "--help");
	cr_assert_eq(a.cmd, VXU_CMD_HELP);
	cr_assert_eq(a.help_cmd, VXU_CMD_CHECK);
	PARSE_OK(&a, "report", "-h");
	cr_assert_eq(a.help_cmd, VXU_CMD_REPORT);
	PARSE_OK(&a, "help", "tutor");
	cr_assert_eq(a.help_cmd, VXU_CMD_TUTOR);
	PARSE_OK(&a, "help");
	cr_assert_eq(a.help_cmd, VXU_CMD_HELP);
	PARSE_OK(&a, "--version");
	cr_assert_eq(a.cmd, VXU_CMD_VERSION);
	PARSE_OK(&a, "check", "--version");
	cr_assert_eq(a.cmd, VXU_CMD_VERSION);
}

Test(cli, no_color_from_the_environment)
{
	vxu_args a;
	setenv("NO_COLOR", "1", 1);
	PARSE_OK(&a, "tutor");
	cr_assert_eq(a.color, 0);
	setenv("NO_COLOR", "", 1);
	PARSE_OK(&a, "tutor");
	cr_assert_eq(a.color, 1, "an empty NO_COLOR does not count");
}

Test(cli, mistakes_get_one_line)
{
	FAILS("unknown option '--foo' (see 'vanex check --help')", "check", "--foo");
	FAILS("unknown option '--foo' (see 'vanex --help')", "--foo");
	FAILS("unknown option '--json' (see 'vanex report --help')", "report", "--json");
	FAILS("unknown option '--step' (see 'vanex check --help')", "check", "--step", "2");
	FAILS("unknown option '-f' (see 'vanex check --help')", "check", "-f", "md");
	FAILS("unknown option '-x' (see 'vanex tutor --help')", "tutor", "-x");
	FAILS("unknown command 'chek' (commands: tutor, check, report, help; see 'vanex --help')", "chek");
	FAILS("unknown command 'nope' (commands: tutor, check, report, help)", "help", "nope");
	FAILS("option '--norm' needs a value (see 'vanex check --help')", "check", "--norm");
	FAILS("option '--norm' needs a value (see 'vanex check --help')", "check", "--norm", "--json");
	FAILS("option '--json' takes no value (see 'vanex check --help')", "check", "--json=1");
	FAILS("unexpected argument 'W.npy' (see 'vanex check --help')", "check", "W.npy");
	FAILS("-f: expected md, html, latex, pdf or slides, got 'ps'", "report", "-f", "ps");
	FAILS("--step: expected a step number from 1 to 16, got '0'", "--step", "0");
	FAILS("--step: expected a step number from 1 to 16, got 'two'", "tutor", "--step=two");
	/* past the last step: refused with the options, before the tutor asks
	 * for a terminal */
	FAILS("--step: expected a step number from 1 to 16, got '17'", "--step", "17");
	FAILS("-o: expected a file name, got ''", "report", "-o", "");
	/* Values are judged by vx_params_set, so every front end agrees. */
	vxu_args a;
	vx_error err;
	const char *const bad_norm[] = { "check", "--norm", "-1", NULL };
	cr_assert_eq(parse(&a, &err, bad_norm), VX_EUSAGE);
	cr_assert(strstr(err.msg, "--norm") && strstr(err.msg, "'-1'"), "%s", err.msg);
	const char *const bad_act[] = { "check", "--act=softmax", NULL };
	cr_assert_eq(parse(&a, &err, bad_act), VX_EUSAGE);
	cr_assert(strstr(err.msg, "--act") && strstr(err.msg, "softmax"), "%s", err.msg);
	const char *const nan_norm[] = { "check", "--norm", "nan", NULL };
	cr_assert_eq(parse(&a, &err, nan_norm), VX_EUSAGE);
	cr_assert(strstr(err.msg, "--norm"), "%s", err.msg);
}

/* Outside text in a message is quoted as every message quotes it
 * (vx_quote): control bytes and, the locale unknown to the parser, bytes
 * from 0x80 as \xNN, so the reader sees which bytes were there; at most 60
 * bytes of it, then "...". */
Test(cli, outside_text_in_a_message_is_quoted)
{
	FAILS("unknown command 'a\\x1b[2Jb' (commands: tutor, check, report, help; see 'vanex --help')",
	      "a\x1b[2Jb");
	FAILS("unexpected argument 'W\\x0a\\x7f.npy' (see 'vanex check --help')", "check", "W\n\x7f.npy");
	FAILS("-f: expected md, html, latex, pdf or slides, got '\\xce\\xbb'", "report", "-f", "\xce\xbb");
	FAILS("unknown option '--\\x1b' (see 'vanex --help')", "--\x1b");
	/* 70 bytes: the first 60, then "..." */
	FAILS("unexpected argument '012345678901234567890123456789012345678901234567890123456789...' "
	      "(see 'vanex check --help')", "check",
	      "0123456789012345678901234567890123456789012345678901234567890123456789");
	/* 60 escapes fit the message whole */
	char esc[61];
	memset(esc, '\x01', 60);
	esc[60] = '\0';
	vxu_args a;
	vx_error err;
	const char *const args[] = { "check", esc, NULL };
	cr_assert_eq(parse(&a, &err, args), VX_EUSAGE);
	cr_expect(strstr(err.msg, "'\\x01\\x01") && strstr(err.msg, "\\x01' (see 'vanex check --help')"),
	          "%s", err.msg);
}

/* Each option once, whatever the spelling: a script that appends an
 * override would otherwise run with one of the two values unsaid. */
Test(cli, an_option_given_twice_is_a_usage_error)
{
	FAILS("option '--seed' given twice (see 'vanex check --help')", "check", "--seed", "3", "--seed", "4");
	FAILS("option '--norm' given twice (see 'vanex check --help')", "check", "--norm=1", "--norm", "2");
	FAILS("option '--norm' given twice (see 'vanex --help')", "--norm", "2", "--norm", "2");
	FAILS("option '--output' given twice (see 'vanex report --help')", "report", "-o", "a.md", "--output=b.md");
	FAILS("option '--format' given twice (see 'vanex report --help')", "report", "--format", "md", "-fhtml");
	FAILS("option '--json' given twice (see 'vanex check --help')", "check", "--json", "--json");
	FAILS("option '--step' given twice (see 'vanex tutor --help')", "tutor", "--step", "2", "--step", "3");
	FAILS("option '--model' given twice (see 'vanex check --help')", "check", "--model", "a.json", "--model",
	      "b.json");
	vxu_args a;
	PARSE_OK(&a, "check", "--seed", "3", "--norm", "2", "--t", "4");
	cr_assert_eq(a.params.seed, 3);
}

/* Options a file makes meaningless are refused by the parser itself, so
 * before any file is read: the files named here do not exist. */
Test(cli, options_a_file_overrides_are_refused)
{
	FAILS("--seed and --model cannot be combined: the model file holds W, U, x and y, so nothing is drawn",
	      "check", "--model", "run.json", "--seed", "99");
	FAILS("--init and --model cannot be combined: W comes from the model file",
	      "report", "--init", "orthogonal", "--model=run.json");
	FAILS("--input-scale and --model cannot be combined: the inputs x come from the model file",
	      "--model", "run.json", "--input-scale", "5");
	FAILS("--hidden and --model cannot be combined: the hidden size is the model file's",
	      "check", "--model", "run.json", "--hidden", "8");
	FAILS("--inputs and --model cannot be combined: the number of inputs is the model file's",
	      "check", "--model", "run.json", "--inputs", "4");
	FAILS("--hidden and --weights cannot be combined: the hidden size is the size of the file's W",
	      "check", "--weights", "W.npy", "--hidden", "8");
	FAILS("--init and --weights cannot be combined: W comes from the file",
	      "check", "--init", "identity", "--weights", "W.npy");
	vxu_args a;
	PARSE_OK(&a, "check", "--model", "run.json", "--act", "relu", "--norm", "2", "--steps", "9", "--t", "3");
	PARSE_OK(&a, "check", "--weights", "W.npy", "--seed", "5", "--inputs", "2", "--input-scale", "0");
}

/* A nonzero value below the smallest normal double is not a zero. */
Test(cli, a_norm_that_underflows_is_refused)
{
	FAILS("--norm: expected 0 or a finite number from 2.2250738585072014e-308 (the smallest normal double), got '1e-400'",
	      "check", "--norm", "1e-400");
	FAILS("--input-scale: expected 0 or a finite number from 2.2250738585072014e-308 (the smallest normal double), got "
	      "'1e-310'", "check", "--input-scale=1e-310");
	FAILS("--seed: expected an integer from 0 to 9223372036854775807, got '18446744073709551615'",
	      "check", "--seed", "18446744073709551615");
	vxu_args a;
	PARSE_OK(&a, "check", "--norm", "0");
	cr_assert_eq(a.params.norm, 0.0);
}

/* ---- the engine's messages on the command line ---- */

/* Engine failures of each kind through vxu_fail, in the current locale:
 * a rescaling refused (about λ), a loss step out of range (about t), the
 * layers of a vx_net (--layers), and a status without a message. */
static void engine_failures(void)
{
	vx_model *m = vx_model_alloc(VX_TANH, 2, 1, 3);   /* W = 0 */
	vx_result *r = NULL;
	vx_error err = { 0 };
	cr_assert_eq(vxu_fail(vx_model_set_norm(m, 2.0, &err), &err), 2);
	vx_error err2 = { 0 };
	cr_assert_eq(vxu_fail(vx_analyse(m, 4, NULL, &r, &err2), &err2), 2);
	vx_params p;
	vx_params_default(&p);
	vx_net_spec sp = { VX_CELL_GRU, 0, 0 };
	vx_net *net = NULL;
	vx_error err3 = { 0 };
	cr_assert_eq(vxu_fail(vx_net_build(&p, &sp, &net, &err3), &err3), 2);
	vx_error none = { 0 };
	cr_assert_eq(vxu_fail(VX_ENOMEM, &none), 1);
	vx_model_free(m);
	fflush(stderr);
}

Test(cli, the_option_of_the_parameter_precedes_an_engine_message, .init = cr_redirect_stderr)
{
	cr_assert_not_null(setlocale(LC_CTYPE, "C.UTF-8"), "no C.UTF-8 locale");
	engine_failures();
	cr_assert_stderr_eq_str("vanex: --norm: λ = 2: W is all zeros, so no scaling gives ‖W‖₂ = λ\n"
	                        "vanex: --t: the loss step t must be from 1 to T (3), got 4\n"
	                        "vanex: --layers: the number of layers L must be from 1 to 64, got 0\n"
	                        "vanex: out of memory\n");
}

Test(cli, engine_messages_are_spelt_in_ascii_outside_utf8, .init = cr_redirect_stderr)
{
	cr_assert_not_null(setlocale(LC_CTYPE, "C"));
	engine_failures();
	cr_assert_stderr_eq_str("vanex: --norm: lambda = 2: W is all zeros, so no scaling gives ||W||_2 = lambda\n"
	                        "vanex: --t: the loss step t must be from 1 to T (3), got 4\n"
	                        "vanex: --layers: the number of layers L must be from 1 to 64, got 0\n"
	                        "vanex: out of memory\n");
}
