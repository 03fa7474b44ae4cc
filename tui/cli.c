/*
 * cli.c — the command line of vanex (see cli.h).
 *
 * A small table-driven parser rather than getopt_long: it has to produce
 * vanex's own one-line messages (naming the command whose --help to read),
 * treat the model options of every command alike by handing them to
 * vx_params_set, and never print from inside the parser.
 */
#include "tui/cli.h"

#include <float.h>
#include <langinfo.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <unistd.h>

#include "report/doc/doc.h"
#include "report/load/tensors.h"
#include "report/text/fmt.h"
#include "report/text/math.h"

/* ------------------------------------------------------------- options */

enum {
	OPT_MODEL = 0,   /* a model option: handed to vx_params_set */
	OPT_HELP, OPT_VERSION, OPT_JSON, OPT_FORMAT, OPT_OUTPUT, OPT_TEMPLATE, OPT_STEP, OPT_NO_COLOR,
	OPT_CELL, OPT_LAYERS, OPT_FORGET_BIAS, OPT_FAIL_ON, OPT_LIST, OPT_ANSWERS, OPT_RESTART
};

/* Which commands accept an option. */
#define C_TUTOR  (1u << VXU_CMD_TUTOR)
#define C_CHECK  (1u << VXU_CMD_CHECK)
#define C_REPORT (1u << VXU_CMD_REPORT)
#define C_ALL    (C_TUTOR | C_CHECK | C_REPORT)

typedef struct {
	const char *name;   /* long name without dashes */
	char shortname;     /* 0 when none */
	int id;
	int takes_value;
	unsigned cmds;
	vx_param param;     /* the model parameter a model option sets */
} opt_def;

static const opt_def opts[] = {
	{ "act", 0, OPT_MODEL, 1, C_ALL, VX_PARAM_ACT },
	{ "hidden", 0, OPT_MODEL, 1, C_ALL, VX_PARAM_HIDDEN },
	{ "inputs", 0, OPT_MODEL, 1, C_ALL, VX_PARAM_INPUTS },
	{ "steps", 0, OPT_MODEL, 1, C_ALL, VX_PARAM_STEPS },
	{ "t", 0, OPT_MODEL, 1, C_ALL, VX_PARAM_T },
	{ "norm", 0, OPT_MODEL, 1, C_ALL, VX_PARAM_NORM },
	{ "init", 0, OPT_MODEL, 1, C_ALL, VX_PARAM_INIT },
	{ "weights", 0, OPT_MODEL, 1, C_ALL, VX_PARAM_WEIGHTS },
	{ "model", 0, OPT_MODEL, 1, C_ALL, VX_PARAM_MODEL },
	{ "input-scale", 0, OPT_MODEL, 1, C_ALL, VX_PARAM_INPUT_SCALE },
	{ "seed", 0, OPT_MODEL, 1, C_ALL, VX_PARAM_SEED },
	{ "inputs-file", 0, OPT_MODEL, 1, C_ALL, VX_PARAM_INPUTS_FILE },
	{ "module", 0, OPT_MODEL, 1, C_ALL, VX_PARAM_MODULE },
	{ "direction", 0, OPT_MODEL, 1, C_ALL, VX_PARAM_DIRECTION },
	{ "layout", 0, OPT_MODEL, 1, C_ALL, VX_PARAM_LAYOUT },
	{ "cell", 0, OPT_CELL, 1, C_ALL, VX_PARAM_CELL },
	{ "layers", 0, OPT_LAYERS, 1, C_ALL, VX_PARAM_LAYERS },
	{ "forget-bias", 0, OPT_FORGET_BIAS, 1, C_ALL, VX_PARAM_FORGET_BIAS },
	{ "help", 'h', OPT_HELP, 0, C_ALL, VX_PARAM_NONE },
	{ "version", 'V', OPT_VERSION, 0, C_ALL, VX_PARAM_NONE },
	{ "json", 0, OPT_JSON, 0, C_CHECK, VX_PARAM_NONE },
	{ "fail-on", 0, OPT_FAIL_ON, 1, C_CHECK, VX_PARAM_NONE },
	{ "list", 0, OPT_LIST, 0, C_CHECK, VX_PARAM_NONE },
	{ "format", 'f', OPT_FORMAT, 1, C_REPORT, VX_PARAM_NONE },
	{ "output", 'o', OPT_OUTPUT, 1, C_CHECK | C_REPORT, VX_PARAM_NONE },
	{ "template", 0, OPT_TEMPLATE, 1, C_REPORT, VX_PARAM_NONE },
	{ "answers", 0, OPT_ANSWERS, 0, C_REPORT, VX_PARAM_NONE },
	{ "restart", 0, OPT_RESTART, 0, C_TUTOR, VX_PARAM_NONE },
	{ "step", 0, OPT_STEP, 1, C_TUTOR, VX_PARAM_NONE },
	{ "no-color", 0, OPT_NO_COLOR, 0, C_TUTOR, VX_PARAM_NONE },
};
#define NOPTS (sizeof opts / sizeof opts[0])

/* "see 'vanex check --help'" for the command being parsed. */
static const char *see(vxu_cmd c, int implicit)
{
	if (implicit)
		return "see 'vanex --help'";
	switch (c) {
	case VXU_CMD_CHECK: return "see 'vanex check --help'";
	case VXU_CMD_REPORT: return "see 'vanex report --help'";
	case VXU_CMD_TUTOR: return "see 'vanex tutor --help'";
	default: return "see 'vanex --help'";
	}
}

/* User text quoted in a message: at most 60 bytes of it, printable ASCII
 * only (vx_quote), in a buffer of QUOTE_BUF bytes. */
#define QUOTE_MAX 60
#define QUOTE_BUF (4 * QUOTE_MAX + 4)

static int copy_path(char *dst, const char *src)
{
	size_t n = strlen(src);
	if (n >= VX_PATH_MAX)
		return -1;
	memcpy(dst, src, n + 1);
	return 0;
}

static int has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n >= m && strcmp(s + n - m, suf) == 0;
}

/* A finite number of either sign, as strict as --norm's: its magnitude is
 * read by the same parser (vx_params_set), so it too refuses blanks, hex,
 * inf, nan and a nonzero value that a double cannot hold (below DBL_MIN).
 * Returns 0 and *out, or -1. */
static int parse_real(const char *s, double *out)
{
	vx_params scratch;
	int neg = s[0] == '-';
	vx_params_default(&scratch);
	if (vx_params_set(&scratch, "norm", s + neg, NULL) != VX_OK)
		return -1;
	*out = neg && scratch.norm != 0 ? -scratch.norm : scratch.norm;
	return 0;
}

/* A whole number lo..hi in plain decimal digits.  Returns 0 and *out, or -1. */
static int parse_count(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *end;
	if (s[0] < '0' || s[0] > '9')
		return -1;
	unsigned long v = strtoul(s, &end, 10);
	if (*end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* Applies one option with its value (NULL for flags). */
static vx_status apply(vxu_args *a, const opt_def *o, const char *shown, const char *val,
                       int implicit, vx_error *err)
{
	char q[QUOTE_BUF];
	switch (o->id) {
	case OPT_MODEL: {
		vx_status st = vx_params_set(&a->params, o->name, val, err);
		if (st != VX_OK && err && err->msg[0] == '\0')
			vx_fail(err, st, "%s: bad value '%s'", shown, vx_quote(val, QUOTE_MAX, 1, q, sizeof q));
		return st;
	}
	case OPT_HELP:
		a->help_cmd = implicit ? VXU_CMD_HELP : a->cmd;
		a->cmd = VXU_CMD_HELP;
		return VX_OK;
	case OPT_VERSION:
		a->cmd = VXU_CMD_VERSION;
		return VX_OK;
	case OPT_JSON:
		a->json = 1;
		return VX_OK;
	case OPT_FORMAT:
		if (strcmp(val, "md") == 0)
			a->format = VXR_MD;
		else if (strcmp(val, "html") == 0)
			a->format = VXR_HTML;
		else if (strcmp(val, "latex") == 0)
			a->format = VXR_LATEX;
		else if (strcmp(val, "pdf") == 0)
			a->format = VXR_PDF;
		else if (strcmp(val, "slides") == 0)
			a->format = VXR_SLIDES;
		else
			return vx_fail(err, VX_EUSAGE, "%s: expected md, html, latex, pdf or slides, got '%s'", shown,
			               vx_quote(val, QUOTE_MAX, 1, q, sizeof q));
		a->format_set = 1;
		return VX_OK;
	case OPT_OUTPUT:
	case OPT_TEMPLATE:
		if (val[0] == '\0')
			return vx_fail(err, VX_EUSAGE, "%s: expected a file name, got ''", shown);
		if (copy_path(o->id == OPT_OUTPUT ? a->output : a->template_path, val) != 0)
			return vx_fail(err, VX_EUSAGE, "%s: file name longer than %d bytes", shown, VX_PATH_MAX - 1);
		return VX_OK;
	case OPT_STEP: {
		/* checked here, with every option, not when the tutor starts:
		 * --step 17 with no terminal named the terminal, not the step */
		unsigned long v, last = (unsigned long)vxr_step_count();
		if (parse_count(val, 1, last, &v) != 0)
			return vx_fail(err, VX_EUSAGE, "%s: expected a step number from 1 to %lu, got '%s'", shown, last,
			               vx_quote(val, QUOTE_MAX, 1, q, sizeof q));
		a->step = (size_t)v;
		return VX_OK;
	}
	case OPT_NO_COLOR:
		a->color = 0;
		return VX_OK;
	case OPT_ANSWERS:
		a->answers = 1;
		return VX_OK;
	case OPT_RESTART:
		a->restart = 1;
		return VX_OK;
	case OPT_CELL:
		if (vx_cell_parse(val, &a->net.spec.cell) != 0)
			return vx_fail(err, VX_EUSAGE, "%s: expected rnn, lstm or gru, got '%s'", shown,
			               vx_quote(val, QUOTE_MAX, 1, q, sizeof q));
		a->net.set |= VXR_SET_CELL;
		return VX_OK;
	case OPT_LAYERS: {
		unsigned long v;
		if (parse_count(val, 1, VX_MAX_LAYERS, &v) != 0)
			return vx_fail(err, VX_EUSAGE, "%s: expected an integer from 1 to %u, got '%s'", shown, VX_MAX_LAYERS,
			               vx_quote(val, QUOTE_MAX, 1, q, sizeof q));
		a->net.spec.layers = (size_t)v;
		a->net.set |= VXR_SET_LAYERS;
		return VX_OK;
	}
	case OPT_FORGET_BIAS:
		if (parse_real(val, &a->net.spec.forget_bias) != 0)
			return vx_fail(err, VX_EUSAGE, "%s: expected a finite number (0, or at least %.2g in magnitude), "
			               "got '%s'", shown, DBL_MIN, vx_quote(val, QUOTE_MAX, 1, q, sizeof q));
		a->net.set |= VXR_SET_FORGET_BIAS;
		return VX_OK;
	case OPT_LIST:
		a->list = 1;
		return VX_OK;
	case OPT_FAIL_ON:
		if (strcmp(val, "vanishing") == 0)
			a->fail_on = VXU_FAIL_ON_VANISHING;
		else if (strcmp(val, "exploding") == 0)
			a->fail_on = VXU_FAIL_ON_EXPLODING;
		else if (strcmp(val, "either") == 0)
			a->fail_on = VXU_FAIL_ON_EITHER;
		else
			return vx_fail(err, VX_EUSAGE, "%s: expected vanishing, exploding or either, got '%s'", shown,
			               vx_quote(val, QUOTE_MAX, 1, q, sizeof q));
		return VX_OK;
	}
	return vx_fail(err, VX_EINTERNAL, "unhandled option %s", shown);
}

/* The tutor and the handouts explain one layer (of a vanilla network, with
 * an LSTM and a GRU beside it): a stack is refused, pointing at check,
 * which computes it. */
static vx_status not_yet(const vxu_args *a, vxu_cmd cmd, vx_error *err)
{
	char given[48] = "";
	if (a->net.spec.cell != VX_CELL_RNN)
		snprintf(given, sizeof given, "--cell %s ", vx_cell_name(a->net.spec.cell));
	snprintf(given + strlen(given), sizeof given - strlen(given), "--layers %zu", a->net.spec.layers);
	return vx_fail(err, VX_EUSAGE, "%s: %s one layer only so far; 'vanex check %s' computes this network",
	               given, cmd == VXU_CMD_TUTOR ? "the tutor explains" : "handouts explain", given);
}

static const opt_def *find_long(const char *name, size_t len)
{
	for (size_t i = 0; i < NOPTS; i++)
		if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0)
			return &opts[i];
	return NULL;
}

static const opt_def *find_short(char c)
{
	for (size_t i = 0; i < NOPTS; i++)
		if (opts[i].shortname == c)
			return &opts[i];
	return NULL;
}

vx_status vxu_parse_args(int argc, char **argv, vxu_args *a, vx_error *err)
{
	char q[QUOTE_BUF];
	memset(a, 0, sizeof *a);
	vx_params_default(&a->params);
	vxr_net_opts_default(&a->net);
	a->cmd = VXU_CMD_TUTOR;
	a->help_cmd = VXU_CMD_HELP;
	a->format = VXR_MD;
	const char *nc = getenv("NO_COLOR");
	a->color = !(nc && nc[0]);
	if (err) {
		err->msg[0] = '\0';
		err->param = VX_PARAM_NONE;
	}

	int i = 1, implicit = 1;
	if (argc > 1 && argv[1][0] != '-') {
		const char *c = argv[1];
		implicit = 0;
		i = 2;
		if (strcmp(c, "tutor") == 0)
			a->cmd = VXU_CMD_TUTOR;
		else if (strcmp(c, "check") == 0)
			a->cmd = VXU_CMD_CHECK;
		else if (strcmp(c, "report") == 0)
			a->cmd = VXU_CMD_REPORT;
		else if (strcmp(c, "help") == 0) {
			a->cmd = VXU_CMD_HELP;
			if (argc > 3)
				return vx_fail(err, VX_EUSAGE, "help: unexpected argument '%s' (see 'vanex --help')",
				               vx_quote(argv[3], QUOTE_MAX, 1, q, sizeof q));
			if (argc == 3) {
				const char *h = argv[2];
				if (strcmp(h, "tutor") == 0)
					a->help_cmd = VXU_CMD_TUTOR;
				else if (strcmp(h, "check") == 0)
					a->help_cmd = VXU_CMD_CHECK;
				else if (strcmp(h, "report") == 0)
					a->help_cmd = VXU_CMD_REPORT;
				else if (strcmp(h, "help") != 0)
					return vx_fail(err, VX_EUSAGE,
					               "unknown command '%s' (commands: tutor, check, report, help)",
					               vx_quote(h, QUOTE_MAX, 1, q, sizeof q));
			}
			return VX_OK;
		} else
			return vx_fail(err, VX_EUSAGE,
			               "unknown command '%s' (commands: tutor, check, report, help; see 'vanex --help')",
			               vx_quote(c, QUOTE_MAX, 1, q, sizeof q));
	}
	vxu_cmd cmd = a->cmd;
	unsigned mask = 1u << cmd;
	/* Each option once: a script that appends an override would otherwise
	 * get one of the two values without a word. */
	unsigned char seen[NOPTS] = { 0 };

	for (; i < argc; i++) {
		const char *arg = argv[i];
		const opt_def *o = NULL;
		const char *val = NULL;
		char shown[80];

		if (strcmp(arg, "--") == 0) {
			if (i + 1 < argc)
				return vx_fail(err, VX_EUSAGE, "unexpected argument '%s' (%s)",
				               vx_quote(argv[i + 1], QUOTE_MAX, 1, q, sizeof q), see(cmd, implicit));
			break;
		}
		if (arg[0] == '-' && arg[1] == '-') {
			const char *name = arg + 2;
			const char *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			o = find_long(name, len);
			if (!o || !(o->cmds & mask)) {
				char nm[80];
				snprintf(nm, sizeof nm, "--%.*s", (int)(len > 60 ? 60 : len), name);
				return vx_fail(err, VX_EUSAGE, "unknown option '%s' (%s)", vx_quote(nm, QUOTE_MAX, 1, q, sizeof q),
				               see(cmd, implicit));
			}
			snprintf(shown, sizeof shown, "--%s", o->name);
			if (eq) {
				if (!o->takes_value)
					return vx_fail(err, VX_EUSAGE, "option '%s' takes no value (%s)", shown,
					               see(cmd, implicit));
				val = eq + 1;
			}
		} else if (arg[0] == '-' && arg[1] != '\0') {
			o = find_short(arg[1]);
			if (!o || !(o->cmds & mask)) {
				char nm[3] = { '-', arg[1], '\0' };
				return vx_fail(err, VX_EUSAGE, "unknown option '%s' (%s)", vx_quote(nm, QUOTE_MAX, 1, q, sizeof q),
				               see(cmd, implicit));
			}
			snprintf(shown, sizeof shown, "-%c", o->shortname);
			if (arg[2] != '\0') {
				if (!o->takes_value)
					return vx_fail(err, VX_EUSAGE, "unknown option '%s' (%s)", vx_quote(arg, QUOTE_MAX, 1, q, sizeof q),
					               see(cmd, implicit));
				val = arg + 2;
			}
		} else {
			return vx_fail(err, VX_EUSAGE, "unexpected argument '%s' (%s)", vx_quote(arg, QUOTE_MAX, 1, q, sizeof q),
			               see(cmd, implicit));
		}

		if (seen[o - opts])
			return vx_fail(err, VX_EUSAGE, "option '--%s' given twice (%s)", o->name, see(cmd, implicit));
		seen[o - opts] = 1;
		if (o->takes_value && !val) {
			/* A following option is not taken as the value; a negative number is. */
			if (i + 1 >= argc || (argv[i + 1][0] == '-' && argv[i + 1][1] == '-' && argv[i + 1][2]))
				return vx_fail(err, VX_EUSAGE, "option '%s' needs a value (%s)", shown, see(cmd, implicit));
			val = argv[++i];
		}
		vx_status st = apply(a, o, shown, val, implicit, err);
		if (st != VX_OK)
			return st;
		if (a->cmd == VXU_CMD_HELP || a->cmd == VXU_CMD_VERSION)
			return VX_OK;
	}

	/* What --weights names, from its first bytes: a trained network's file
	 * fixes its own sizes, which the options may repeat. */
	vx_params *p = &a->params;
	vxr_weights_kind(p);
	if (a->list && !(p->weights[0] && p->weights_net))
		return vx_fail(err, VX_EUSAGE, "--list needs --weights FILE holding a trained network (.pt, .pth, "
		               ".safetensors, .npz)%s", p->weights[0] ? ": this one is a bare square W" : "");
	/* --list names the file's modules and computes nothing: an option of a
	 * computation beside it would be dropped without a word */
	if (a->list && (a->json || p->inputs_file[0] || a->fail_on != VXU_FAIL_ON_NONE))
		return vx_fail(err, VX_EUSAGE, "--list prints the modules of the file as text and computes nothing: "
		               "not with %s", a->json ? "--json" : p->inputs_file[0] ? "--inputs-file" : "--fail-on");
	/* Before any file is read: --seed with --model is wrong whatever the file holds. */
	vx_status st = vx_params_conflicts(&a->params, err);
	/* the tutor and the handouts derive a vanilla network and put an LSTM
	 * and a GRU beside it (report/doc/env.h): --cell chooses whose numbers
	 * the cell-wide names read, --forget-bias is the gated networks'; the
	 * options are checked as for the vanilla network itself */
	vxr_net_opts net = a->net;
	if (cmd == VXU_CMD_TUTOR || cmd == VXU_CMD_REPORT) {
		net.spec.cell = VX_CELL_RNN;
		net.spec.forget_bias = 0;
		net.set &= ~(unsigned)(VXR_SET_CELL | VXR_SET_FORGET_BIAS);
	}
	if (st == VX_OK)
		st = vxr_net_opts_check(&a->params, &net, err);
	if (st != VX_OK)
		return st;
	if ((cmd == VXU_CMD_TUTOR || cmd == VXU_CMD_REPORT) && a->net.spec.layers != 1)
		return not_yet(a, cmd, err);
	if (cmd == VXU_CMD_REPORT && !a->format_set) {
		if (has_suffix(a->output, ".html") || has_suffix(a->output, ".htm"))
			a->format = VXR_HTML;
		else if (has_suffix(a->output, ".tex"))
			a->format = VXR_LATEX;
		else if (has_suffix(a->output, ".pdf"))
			a->format = VXR_PDF;
		else
			a->format = VXR_MD;
	} else if (cmd == VXU_CMD_REPORT && a->format != VXR_PDF && has_suffix(a->output, ".pdf")) {
		/* a file named .pdf holds a PDF, never the text of another format */
		return vx_fail(err, VX_EUSAGE, "-o %s: a .pdf file takes -f pdf (or no -f)", a->output);
	}
	return VX_OK;
}

/* ---------------------------------------------------------------- help */

static const char model_help[] =
	"Model options (the same for tutor, check and report):\n"
	"  --act sigmoid|tanh|relu|linear  the rnn cell's sigma (default tanh)\n"
	"  --hidden D            hidden size d (default 8, at most 4096)\n"
	"  --inputs N            input size n (default 4, at most 4096)\n"
	"  --steps T             number of steps T (default 50)\n"
	"  --t STEP              the loss step t, 1..T (default T)\n"
	"  --norm LAMBDA         scale W (each gate block of weight_hh) to spectral norm\n"
	"                        LAMBDA: 0, or 2.2250738585072014e-308 (the smallest\n"
	"                        normal double) and up (default 0.8; a file's weights\n"
	"                        are rescaled only when --norm is given)\n"
	"  --init gaussian|orthogonal|identity   how W is generated (default gaussian)\n"
	"  --weights FILE        W from a square matrix in .npy or .csv; its size is d\n"
	"                        (not with --hidden, --init); or a trained network:\n"
	"                        torch.save (.pt, .pth), .safetensors, .npz, told by\n"
	"                        content; its module gives cell, layers, d and n\n"
	"  --module NAME         which recurrent module of such a file (default: its only\n"
	"                        one; 'check --list' lists them)\n"
	"  --direction forward|reverse  of a bidirectional module (default forward)\n"
	"  --inputs-file X       the inputs from .npy (T x n, or a batch B x T x n: check\n"
	"                        only) or .csv (T x n); T and n are the file's\n"
	"  --layout btn|tbn      a batch's axes: B x T x n (default), or T x B x n, as\n"
	"                        nn.LSTM, nn.GRU and nn.RNN take x unless batch_first\n"
	"  --model FILE          the whole model from JSON (what check --json writes);\n"
	"                        not with --hidden, --inputs, --init, --input-scale,\n"
	"                        --seed: the file holds what they would make\n"
	"  --input-scale S       inputs x_j ~ N(0, S^2); 0 = no input (default 1)\n"
	"  --seed N              seed of the random draws, 0 to 2^63-1 (default 1)\n"
	"  --cell rnn|lstm|gru   the recurrent cell (default rnn; lstm and gru: PyTorch's\n"
	"                        gates, no --act in check; the tutor and report derive\n"
	"                        the rnn cell, this one beside it follows)\n"
	"  --layers L            stacked layers, 1 to 64 (default 1; more: check only)\n"
	"  --forget-bias B       lstm: bias_ih of the forget gate f; gru: of the update\n"
	"                        gate z (default 0; check: not with rnn or --model)\n"
	"Every option at most once: a second one is an error.\n";

static const char *const overview =
	"usage: vanex [COMMAND] [OPTIONS]\n"
	"\n"
	"vanex shows, with the numbers of a real recurrent network, why gradients\n"
	"vanish or explode under backpropagation through time.\n"
	"\n"
	"Commands:\n"
	"  tutor     the step-by-step tutorial in the terminal (the default)\n"
	"  check     a quick numeric check: table and verdict, or --json\n"
	"  report    a handout with the actual numbers: md, html, latex, pdf, slides\n"
	"  help [COMMAND]   this text, or the options of a command\n"
	"\n"
	"  -h, --help      show help       -V, --version   show the version\n"
	"\n";

static const char *const tutor_help =
	"usage: vanex [tutor] [MODEL OPTIONS] [--step N] [--restart] [--no-color]\n"
	"\n"
	"The derivation one step at a time, with the live numbers of a network.\n"
	"Keys: arrows or PgUp/PgDn to move, i to answer a question, ? for help,\n"
	"q to quit.  Progress (the last step seen, the answers given) is kept in\n"
	"$XDG_STATE_HOME/vanex/progress (default ~/.local/state/vanex).\n"
	"\n"
	"  --step N        open at step N (1 = the first; default: the last seen)\n"
	"  --restart       begin again at step 1 and forget the answers given\n"
	"  --no-color      no colours (also when NO_COLOR is set)\n"
	"\n";

static const char *const check_help =
	"usage: vanex check [MODEL OPTIONS] [--json] [-o FILE] [--fail-on WHICH]\n"
	"                   [--list]\n"
	"\n"
	"Computes, for the loss step t and every k = 1..t, the norm of ds_t/ds_k,\n"
	"the product of the per-step norms ||J_j||, the bound (gamma*lambda)^(t-k)\n"
	"and the contribution of path k to dL_t/dW; the Lyapunov rate; a verdict;\n"
	"and a finite-difference check of the derivatives.  With --cell lstm or gru\n"
	"or --layers L > 1, the same for the whole state S (every layer's h and c),\n"
	"the blocks dh_t/dh_k and dc_t/dc_k of each layer, its gates and weights.\n"
	"\n"
	"  --json          one JSON object with every number (17 significant digits);\n"
	"                  fed back with --model it reproduces the run exactly (a\n"
	"                  batch's: run its files again)\n"
	"  -o, --output FILE the file to write (default: standard output); a\n"
	"                  regular file appears whole or not at all\n"
	"  --fail-on vanishing|exploding|either\n"
	"                  exit with status 3 when the verdict is that one (after\n"
	"                  writing the output; for a batch, the batch's verdict)\n"
	"  --list          the recurrent modules of --weights FILE, one a line (it\n"
	"                  computes nothing: not with --json, --inputs-file, --fail-on)\n"
	"\n"
	"A trained network's file is run on --inputs-file (a batch: the median and\n"
	"quartiles over its sequences), else on x_j ~ N(0, S^2) from --seed; the\n"
	"target is y = 0: the loss only seeds the gradient.\n"
	"\n"
	"Exit status: 0 success, 3 the verdict --fail-on names, 2 bad option or\n"
	"value, 1 unreadable or bad data, a failed write, or sizes that need more\n"
	"memory than the machine has.\n"
	"\n";

static const char *const report_help =
	"usage: vanex report [MODEL OPTIONS] [-f md|html|latex|pdf|slides] [-o FILE]\n"
	"                    [--template FILE] [--answers]\n"
	"\n"
	"Writes the whole derivation as a handout filled with the network's numbers.\n"
	"\n"
	"  -f, --format F    md, html, latex, pdf (runs pdflatex) or slides (one HTML\n"
	"                    file, a slide a step); default: from -o's extension\n"
	"                    (.md .html .tex .pdf), else md\n"
	"  -o, --output FILE the file to write (default: standard output)\n"
	"  --template FILE   your own Markdown template instead of the built-in steps\n"
	"  --answers         end with the answer key of the questions, computed for\n"
	"                    this network, with the reasons\n"
	"\n";

void vxu_print_help(FILE *out, vxu_cmd cmd)
{
	switch (cmd) {
	case VXU_CMD_TUTOR:
		fputs(tutor_help, out);
		fputs(model_help, out);
		break;
	case VXU_CMD_CHECK:
		fputs(check_help, out);
		fputs(model_help, out);
		break;
	case VXU_CMD_REPORT:
		fputs(report_help, out);
		fputs(model_help, out);
		break;
	default:
		fputs(overview, out);
		fputs(model_help, out);
		fputs("\nSee 'vanex help COMMAND' for the options of each command, and vanex(1).\n", out);
		break;
	}
}

/* The option that sets parameter p ("norm"), NULL when none does. */
static const char *param_option(vx_param p)
{
	for (size_t i = 0; p != VX_PARAM_NONE && i < NOPTS; i++)
		if (opts[i].param == p)
			return opts[i].name;
	return NULL;
}

int vxu_fail(vx_status st, const vx_error *err)
{
	const char *msg = err->msg[0] ? err->msg : vx_strerror(st);
	const char *opt = err->msg[0] ? param_option(err->param) : NULL;
	if (opt) {
		char line[sizeof err->msg + 32];
		snprintf(line, sizeof line, "--%s: %s", opt, msg);
		vxu_error_line(line);
	} else {
		vxu_error_line(msg);
	}
	return vx_status_exit(st);
}

int vxu_locale_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);
	return cs && (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "utf8") == 0);
}

void vxu_error_line(const char *msg)
{
	/* The engine names quantities in Unicode (λ, ‖W‖₂): spelt in ASCII
	 * (lambda, ||W||_2) where the locale is not UTF-8, as every other
	 * output is. */
	char *ascii = vxu_locale_utf8() ? NULL : vxm_to_ascii(msg);
	if (ascii)
		msg = ascii;
	/* The message may quote a file name: never let it break the line or
	 * send control sequences to the terminal (vx_fail's messages are
	 * quoted already; the others, strerror's, are not). */
	char line[4 * sizeof ((vx_error *)0)->msg + 4];
	fprintf(stderr, "vanex: %s\n", vx_quote(msg, SIZE_MAX, 0, line, sizeof line));
	free(ascii);
}

/* ---------------------------------------------------------- memory */

/* "612 GiB", "23.5 GiB", "977 MiB": three significant digits. */
static void human_bytes(char *b, size_t n, double x)
{
	static const char *const unit[] = { "bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	int u = 0;
	while (x >= 1000 && u < 6) {
		x /= 1024;
		u++;
	}
	char num[32];
	snprintf(b, n, "%s %s", vxf_num(num, sizeof num, x, 3, VXF_ASCII), unit[u]);
}

vx_status vxu_memory_check(size_t bytes, const vx_net_spec *net, size_t d, size_t T, vx_error *err)
{
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGE_SIZE);
	double have = pages > 0 && psz > 0 ? (double)pages * (double)psz : INFINITY;
	const char *what = "this machine has";
	struct rlimit rl;
	if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && (double)rl.rlim_cur < have) {
		have = (double)rl.rlim_cur;
		what = "the address-space limit (ulimit -v) is";
	}
	if (getrlimit(RLIMIT_DATA, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && (double)rl.rlim_cur < have) {
		have = (double)rl.rlim_cur;
		what = "the data-size limit (ulimit -d) is";
	}
	if ((double)bytes <= have)
		return VX_OK;
	char need_s[32], have_s[32];
	human_bytes(need_s, sizeof need_s, (double)bytes);
	human_bytes(have_s, sizeof have_s, have);
	char sizes[96] = "";
	if (net && (net->cell != VX_CELL_RNN || net->layers != 1))
		snprintf(sizes, sizeof sizes, "%s, L = %zu, ", vx_cell_name(net->cell), net->layers);
	return vx_fail(err, VX_ETOOBIG, "%sd = %zu, T = %zu: about %s of memory needed, and %s %s", sizes, d, T,
	               need_s, what, have_s);
}
