/*
 * check_cmd.c — `vanex check`: load or build the model, analyse it, verify
 * by finite differences, print the table or the JSON to standard output or
 * to -o FILE (report/out.h: a regular file whole or not at all).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine/analysis.h"
#include "report/check.h"
#include "report/modeljson.h"
#include "report/out.h"
#include "tui/cli.h"

/* What a check of these sizes holds: the model and its analysis (the JSON
 * and the table are written as they are made). */
static vx_status fits(size_t d, size_t n, size_t T, size_t t, vx_error *err)
{
	size_t need = vx_model_bytes(d, n, T), an = vx_analyse_bytes(d, T, t);
	return vxu_memory_check(need > SIZE_MAX - an ? SIZE_MAX : need + an, d, T, err);
}

int vxu_check_run(const vxu_args *a)
{
	vx_error err = { 0 };
	const vx_params *p = &a->params;
	vx_params eff;
	vx_model *m = NULL;
	vx_result *r = NULL;
	vxr_out *out = NULL;
	vx_fdcheck fd;
	vx_status st;
	int rc;

	/* Without --model every size is known now: reject t > steps, and sizes
	 * the machine cannot hold, before building anything (a file's d is
	 * known once it is read, below). */
	if (!p->model[0] && (st = vx_params_check(p, &err)) != VX_OK)
		return vxu_fail(st, &err);
	if (!p->model[0] && !p->weights[0] &&
	    (st = fits(p->hidden, p->inputs, p->steps, vx_params_loss_step(p), &err)) != VX_OK)
		return vxu_fail(st, &err);
	/* The output before the work: a path that cannot be written is said at
	 * once, not after the analysis. */
	if ((st = vxr_out_open(a->output[0] ? a->output : "-", &out, &err)) != VX_OK)
		return vxu_fail(st, &err);
	if ((st = vxr_model_load(p, &m, &eff, &err)) != VX_OK) {
		rc = vxu_fail(st, &err);
		goto out;
	}
	size_t t = vx_params_loss_step(&eff);
	if ((st = vx_params_check(&eff, &err)) != VX_OK || (st = fits(m->d, m->n, m->T, t, &err)) != VX_OK) {
		rc = vxu_fail(st, &err);
		goto out;
	}
	/* the engine's thread policy for this d, applied once: the analysis and
	 * the finite differences run under it, as report's and the tutor's do */
	vx_exec machine = vx_exec_machine(), ex = vx_exec_for_model(m->d, &machine);
	vx_exec_apply(&ex);
	if ((st = vx_analyse(m, t, &ex, &r, &err)) != VX_OK) {
		rc = vxu_fail(st, &err);
		goto out;
	}
	if ((st = vx_fd_check(m, r, &fd)) != VX_OK) {
		vx_fail(&err, st, "finite-difference check failed: %s", vx_strerror(st));
		rc = vxu_fail(st, &err);
		goto out;
	}
	vxr_check c = { &eff, m, r, &fd };
	FILE *f = vxr_out_stream(out);
	st = a->json ? vxr_check_json(f, &c, &err) : vxr_check_text(f, &c, a->utf8, &err);
	if (st == VX_OK) {
		st = vxr_out_commit(&out, 1, &err);
		out = NULL;
	}
	rc = st == VX_OK ? 0 : vxu_fail(st, &err);
out:
	vxr_out_discard(out);
	vx_result_free(r);
	vx_model_free(m);
	return rc;
}
