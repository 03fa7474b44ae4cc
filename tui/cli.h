/*
 * cli.h — the command line of vanex, parsed once for every command.
 *
 *   vanex [tutor] [model options] [--step N] [--no-color]
 *   vanex check   [model options] [--json] [-o FILE] [--fail-on WHICH] [--list]
 *   vanex report  [model options] [-f md|html|latex] [-o FILE] [--template FILE]
 *   vanex help [COMMAND] | --help | --version
 *
 * The model options (DESIGN.md section 3) are the same for all three
 * commands and are set through vx_params_set, so every front end accepts and
 * rejects exactly the same values.  Long options take `--opt value` or
 * `--opt=value`; short ones `-o FILE` or `-oFILE`.  Every option may be
 * given once: a second `--seed` (or `-o` after `--output`) is a usage
 * error, not a silent choice of one value.  Model options that a file given
 * with them makes meaningless (`--seed` with `--model`, ...) are refused
 * here, before any file is read (vx_params_conflicts).
 *
 * Each command is one function taking the parsed arguments: main() parses,
 * handles help and version, and calls vxu_check_run, vxu_tutor_run or
 * vxu_report_run.  Those return the process exit status (0 success, 2 usage,
 * 1 data or I/O error, as vx_status_exit) after printing any error as ONE
 * line "vanex: ..." on stderr.
 */
#ifndef VXU_CLI_H
#define VXU_CLI_H

#include <stddef.h>
#include <stdio.h>
#include "engine/params.h"
#include "report/doc/doc.h"
#include "report/modeljson.h"

typedef enum {
	VXU_CMD_TUTOR = 0,  /* `vanex`, `vanex tutor` */
	VXU_CMD_CHECK,      /* `vanex check` */
	VXU_CMD_REPORT,     /* `vanex report` */
	VXU_CMD_HELP,       /* `vanex help [cmd]`, `vanex --help`: help_cmd says for what */
	VXU_CMD_VERSION     /* `vanex --version`, `vanex CMD --version` */
} vxu_cmd;

/* check --fail-on: which verdict ends the run with exit status 3. */
typedef enum {
	VXU_FAIL_ON_NONE = 0, VXU_FAIL_ON_VANISHING, VXU_FAIL_ON_EXPLODING, VXU_FAIL_ON_EITHER
} vxu_fail_on;

/* The exit status of `check --fail-on` when the verdict is the one named. */
#define VXU_EXIT_VERDICT 3

typedef struct {
	vxu_cmd cmd;
	vxu_cmd help_cmd;       /* VXU_CMD_HELP: the command whose help is wanted;
	                         * VXU_CMD_HELP itself for the general help */
	vx_params params;       /* defaults plus the model options given (params.set
	                         * says which), and weights_net from the first
	                         * bytes of --weights (a file that cannot be read
	                         * goes by its extension); NOT yet cross-checked:
	                         * the command runs vx_params_check on the
	                         * effective params (after vxr_model_load, since
	                         * --model sets sizes) */
	vxr_net_opts net;       /* --cell, --layers, --forget-bias: checked against the
	                         * model options here (vxr_net_opts_check), against a
	                         * --model file once it is read; tutor and report
	                         * refuse anything but one vanilla layer */
	int utf8;               /* the locale's codeset is UTF-8 (set by main) */

	/* check */
	int json;               /* --json */
	vxu_fail_on fail_on;    /* --fail-on vanishing|exploding|either */
	int list;               /* --list: the modules of a trained network's file */

	/* check and report */
	char output[VX_PATH_MAX];       /* -o/--output FILE; "" = stdout ("-" also) */

	/* report */
	vxr_format format;      /* -f/--format md|html|latex; when not given: from
	                         * the -o extension (.html/.htm, .tex, .md), else md */
	int format_set;         /* 1 when -f was given */
	char template_path[VX_PATH_MAX];/* --template FILE; "" = built-in steps */
	int answers;            /* --answers: the handout ends with the answer key */

	/* tutor */
	size_t step;            /* --step N: 1-based step to open at; 0 = not given
	                         * (the tutor checks N <= vxr_step_count()) */
	int color;              /* 0 with --no-color or a non-empty NO_COLOR */
	int restart;            /* --restart: begin at step 1, forget the answers given */
} vxu_args;

/* Parses argv into *a (after filling defaults).  Returns VX_OK, or VX_EUSAGE
 * with err holding the whole message without the "vanex: " prefix, e.g.
 * "unknown option '--foo' (see 'vanex check --help')".  Does not print. */
vx_status vxu_parse_args(int argc, char **argv, vxu_args *a, vx_error *err);

/* The help text of a command (VXU_CMD_HELP for the overview) on out. */
void vxu_print_help(FILE *out, vxu_cmd cmd);

/* 1 when the locale's codeset (LC_CTYPE) is UTF-8, else 0: anything else
 * gets plain ASCII. */
int vxu_locale_utf8(void);

/* Prints "vanex: <msg>" as one line on stderr, spelt in ASCII (λ → lambda)
 * when the locale is not UTF-8. */
void vxu_error_line(const char *msg);

/* Prints a failed status as that one line and returns its exit code
 * (vx_status_exit): err's message, or vx_strerror(st) when it is empty.
 * This is where the command line names its options in the engine's
 * messages: a message about a model parameter (err->param) is preceded by
 * the option that sets it, "--norm: λ = 3: rescaling W ... leaves the range
 * of a double". */
int vxu_fail(vx_status st, const vx_error *err);

/* Refuses, before anything is allocated, a run whose memory (bytes, from
 * the estimates of engine/ and report/) exceeds what there is: the
 * machine's physical memory, or less when a limit is set on the process
 * (ulimit -v or -d).  VX_ETOOBIG (exit status 1) with one line naming both
 * figures and the sizes: "d = 4096, T = 10000000: about 615 GiB of memory
 * needed, and this machine has 23.5 GiB"; a network (net not NULL, and not
 * one vanilla layer) is named with its cell and layers, "lstm, L = 64,
 * d = 4096, T = 50: ...". */
vx_status vxu_memory_check(size_t bytes, const vx_net_spec *net, size_t d, size_t T, vx_error *err);

/* ---- the commands: each returns the process exit status ---------------- */

/* `vanex check`: table or JSON on stdout or -o FILE (tui/check_cmd.c); one
 * vanilla layer as before, any other cell or stack through vx_net_analyse.
 * With --fail-on, VXU_EXIT_VERDICT once the output is written when the
 * verdict is the one named. */
int vxu_check_run(const vxu_args *a);

/* `vanex` / `vanex tutor`: the ncurses tutorial (tui/tutor.c); with no
 * terminal on stdin/stdout, one line pointing to check and report, exit 2. */
int vxu_tutor_run(const vxu_args *a);

/* `vanex report`: writes the handout (tui/report_cmd.c) as report/out.h
 * says: a regular file through a temporary file renamed into place, so an
 * error leaves no file behind; a device or FIFO in place. */
int vxu_report_run(const vxu_args *a);

#endif
