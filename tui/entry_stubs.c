/*
 * entry_stubs.c — stand-ins for the commands whose owners have not landed
 * them yet, so `vanex` builds and says so instead of failing to link.
 *
 * OWNERS: when your real vxu_tutor_run (tui/) or vxu_report_run lands,
 * delete its definition below in the same commit (two definitions do not
 * link); delete this file when both are gone.  The contract is in tui/cli.h:
 * take the parsed vxu_args, print errors as ONE line via vxu_error_line,
 * return the exit status.
 */
#include "tui/cli.h"

int vxu_tutor_run(const vxu_args *a)
{
	(void)a;
	vxu_error_line("the tutor is not built yet (try 'vanex check')");
	return 1;
}
