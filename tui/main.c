/*
 * main.c — vanex's entry point: sets up the process, parses the command
 * line once (tui/cli.c) and hands it to the command.
 */
#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/auxv.h>

#include <gsl/gsl_errno.h>

#include "engine/exec.h"
#include "report/out.h"
#include "tui/cli.h"

#ifndef VX_VERSION
#define VX_VERSION "0.0.0"
#endif

/* Help and version go to stdout like any output: a failed write (a full
 * disk, a closed pipe) is an I/O error with its one line, not a silent 1. */
static int flush_stdout(void)
{
	errno = 0;
	if (fflush(stdout) == 0 && !ferror(stdout))
		return 0;
	char msg[160];
	snprintf(msg, sizeof msg, "cannot write to standard output: %s",
	         errno ? strerror(errno) : "write error");
	vxu_error_line(msg);
	return 1;
}

/* SIGINT, SIGTERM or SIGHUP while check or report runs: their temporary
 * files go (report/out.h), then the signal takes its default course, so the
 * exit status is the signal's. */
static void remove_temps_and_die(int sig)
{
	vxr_out_remove_temps();
	signal(sig, SIG_DFL);
	raise(sig);   /* delivered when the handler returns */
}

static void remove_temps_on_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		struct sigaction old, sa;
		/* a signal ignored on purpose (nohup, a background job) stays so */
		if (sigaction(sigs[i], NULL, &old) != 0 || old.sa_handler == SIG_IGN)
			continue;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = remove_temps_and_die;
		sigemptyset(&sa.sa_mask);
		sigaction(sigs[i], &sa, NULL);
	}
}

/* OpenBLAS picks its kernels once, as the process loads it, from
 * OPENBLAS_CORETYPE or else its table of processors.  When the table did not
 * know this one and the kernels running are of an older generation
 * (exec.h), vanex starts itself again, with the same arguments and
 * OPENBLAS_CORETYPE naming the right ones: on an AVX-512 Xeon with Debian
 * 12's OpenBLAS, check at 256×1000 takes 0.56 s instead of 1.29.  The user's
 * choice (OPENBLAS_CORETYPE set, even empty) stands, and so does a process
 * under valgrind, which would not follow the new program, or one the
 * dynamic loader was asked to run (ld.so ./vanex: /proc/self/exe is the
 * loader, which would take the first argument for the program).  When the exec
 * fails (no /proc), vanex goes on with the kernels it has: the same numbers
 * to rounding, more slowly. */
static void restart_with_right_kernels(char **argv)
{
	const char *core = vx_exec_blas_better_core(), *pre = getenv("LD_PRELOAD");
	if (!core || getenv("OPENBLAS_CORETYPE") || (pre && strstr(pre, "vgpreload")) || getauxval(AT_BASE) == 0)
		return;
	if (setenv("OPENBLAS_CORETYPE", core, 1) != 0)
		return;
	execv("/proc/self/exe", argv);
	unsetenv("OPENBLAS_CORETYPE");
}

int main(int argc, char **argv)
{
	restart_with_right_kernels(argv);
	/* Errors come back as statuses; GSL must never abort the process. */
	gsl_set_error_handler_off();
	setlocale(LC_ALL, "");
	/* Numbers are read and written with a '.' whatever the locale (files,
	 * JSON, strtod in the option parser). */
	setlocale(LC_NUMERIC, "C");

	vxu_args a;
	vx_error err = { 0 };
	vx_status st = vxu_parse_args(argc, argv, &a, &err);
	if (st != VX_OK)
		return vxu_fail(st, &err);
	a.utf8 = vxu_locale_utf8();

	switch (a.cmd) {
	case VXU_CMD_VERSION: {
		const char *core = vx_exec_blas_core();
		printf("vanex %s\n", VX_VERSION);
		if (core)
			printf("BLAS: OpenBLAS, %s kernels\n", core);
		else
			printf("BLAS: not OpenBLAS\n");
		return flush_stdout();
	}
	case VXU_CMD_HELP:
		vxu_print_help(stdout, a.help_cmd);
		return flush_stdout();
	case VXU_CMD_CHECK:
		remove_temps_on_signals();
		return vxu_check_run(&a);
	case VXU_CMD_REPORT:
		remove_temps_on_signals();
		return vxu_report_run(&a);
	case VXU_CMD_TUTOR:
	default:
		return vxu_tutor_run(&a);
	}
}
