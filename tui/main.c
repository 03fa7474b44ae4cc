/*
 * main.c — vanex's entry point: sets up the process, parses the command
 * line once (tui/cli.c) and hands it to the command.
 */
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <gsl/gsl_errno.h>

#include "tui/cli.h"

#ifndef VX_VERSION
#define VX_VERSION "0.0.0"
#endif

/* The terminal takes UTF-8 when the locale's codeset says so; anything
 * else gets plain ASCII. */
static int locale_is_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);
	return cs && (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "utf8") == 0);
}

int main(int argc, char **argv)
{
	/* Errors come back as statuses; GSL must never abort the process. */
	gsl_set_error_handler_off();
	setlocale(LC_ALL, "");
	/* Numbers are read and written with a '.' whatever the locale (files,
	 * JSON, strtod in the option parser). */
	setlocale(LC_NUMERIC, "C");

	vxu_args a;
	vx_error err;
	vx_status st = vxu_parse_args(argc, argv, &a, &err);
	if (st != VX_OK) {
		vxu_error_line(err.msg[0] ? err.msg : vx_strerror(st));
		return vx_status_exit(st);
	}
	a.utf8 = locale_is_utf8();

	switch (a.cmd) {
	case VXU_CMD_VERSION:
		printf("vanex %s\n", VX_VERSION);
		return fflush(stdout) == 0 ? 0 : 1;
	case VXU_CMD_HELP:
		vxu_print_help(stdout, a.help_cmd);
		return fflush(stdout) == 0 ? 0 : 1;
	case VXU_CMD_CHECK:
		return vxu_check_run(&a);
	case VXU_CMD_REPORT:
		return vxu_report_run(&a);
	case VXU_CMD_TUTOR:
	default:
		return vxu_tutor_run(&a);
	}
}
