/*
 * check_cmd.c — `vanex check`: load or build the model, analyse it
 * (tui/load.h), verify by finite differences, print the table or the JSON
 * to standard output or to -o FILE (report/out.h: a regular file whole or
 * not at all).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine/analysis.h"
#include "report/check.h"
#include "report/out.h"
#include "tui/cli.h"
#include "tui/load.h"

/* What a check of these sizes holds: the model and its analysis (the JSON
 * and the table are written as they are made). */
static size_t check_bytes(size_t d, size_t n, size_t T, size_t t)
{
	size_t need = vx_model_bytes(d, n, T), an = vx_analyse_bytes(d, T, t);
	return need > SIZE_MAX - an ? SIZE_MAX : need + an;
}

typedef struct {
	const char *path;
	vxr_out *out;
} check_output;

/* The output before the work: a path that cannot be written is said once
 * the options are known to be good, not after the analysis. */
static vx_status open_output(void *arg, vx_error *err)
{
	check_output *o = arg;
	return vxr_out_open(o->path, &o->out, err);
}

int vxu_check_run(const vxu_args *a)
{
	vx_error err = { 0 };
	check_output co = { a->output[0] ? a->output : "-", NULL };
	vxu_load_opts lo = { check_bytes, open_output, &co, NULL };
	vxu_loaded l;
	vx_fdcheck fd;
	vx_status st;
	int rc;

	if ((st = vxu_load(&a->params, &lo, &l, &err)) != VX_OK) {
		rc = vxu_fail(st, &err);
		goto out;
	}
	if ((st = vx_fd_check(l.model, l.result, &fd)) != VX_OK) {
		vx_fail(&err, st, "finite-difference check failed: %s", vx_strerror(st));
		rc = vxu_fail(st, &err);
		goto out;
	}
	vxr_check c = { &l.eff, l.model, l.result, &fd };
	FILE *f = vxr_out_stream(co.out);
	st = a->json ? vxr_check_json(f, &c, &err) : vxr_check_text(f, &c, a->utf8, &err);
	if (st == VX_OK) {
		st = vxr_out_commit(&co.out, 1, &err);
		co.out = NULL;
	}
	rc = st == VX_OK ? 0 : vxu_fail(st, &err);
out:
	vxr_out_discard(co.out);
	vxu_loaded_clear(&l);
	return rc;
}
