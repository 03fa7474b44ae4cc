/*
 * report_cmd.c — `vanex report`: apply a template's front matter, load or
 * build the model, analyse it, and write the handout (report/doc.h).
 *
 * Without -o the handout goes to standard output (Markdown unless -f says
 * otherwise).  The date printed in it comes from SOURCE_DATE_EPOCH when that
 * is set, so the same inputs give a byte-identical file.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/analysis.h"
#include "report/doc.h"
#include "report/modeljson.h"
#include "tui/cli.h"

/* "YYYY-MM-DD" in UTC, from SOURCE_DATE_EPOCH (reproducible builds) or now. */
static vx_status handout_date(char *buf, size_t n, vx_error *err)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	time_t when;
	if (sde && *sde) {
		char *end;
		const char *p = sde;
		while (isdigit((unsigned char)*p))
			p++;
		long long v = strtoll(sde, &end, 10);
		if (*p || *end || v < 0 || v > 253402300799LL)
			return vx_fail(err, VX_EUSAGE,
			               "SOURCE_DATE_EPOCH: expected a whole number of seconds since 1970, got '%.40s'", sde);
		when = (time_t)v;
	} else {
		when = time(NULL);
	}
	struct tm tm;
	if (!gmtime_r(&when, &tm) || strftime(buf, n, "%Y-%m-%d", &tm) == 0)
		return vx_fail(err, VX_EINTERNAL, "cannot format the date");
	return VX_OK;
}

int vxu_report_run(const vxu_args *a)
{
	vx_error err = { 0 };
	vx_params p = a->params, eff;
	vx_model *m = NULL;
	vx_result *r = NULL;
	vx_status st;
	size_t j = 0, k = 0;
	char date[32];
	const char *tpl = a->template_path[0] ? a->template_path : NULL;

	if ((st = handout_date(date, sizeof date, &err)) != VX_OK)
		return vxu_fail(st, &err);
	/* the template's front matter first: command-line options win */
	if (tpl && (st = vxr_template_defaults(tpl, &p, &j, &k, &err)) != VX_OK)
		return vxu_fail(st, &err);
	if (!p.model[0] && (st = vx_params_check(&p, &err)) != VX_OK)
		return vxu_fail(st, &err);
	/* sizes the machine cannot hold are refused before anything is built
	 * (a file's d once the file is read) */
	if (!p.model[0] && !p.weights[0] &&
	    (st = vxu_memory_check(vxr_report_bytes(p.hidden, p.inputs, p.steps, vx_params_loss_step(&p)),
	                           p.hidden, p.steps, &err)) != VX_OK)
		return vxu_fail(st, &err);
	if ((st = vxr_model_load(&p, &m, &eff, &err)) != VX_OK)
		return vxu_fail(st, &err);
	size_t t = vx_params_loss_step(&eff);
	if ((st = vx_params_check(&eff, &err)) != VX_OK ||
	    (st = vxu_memory_check(vxr_report_bytes(m->d, m->n, m->T, t), m->d, m->T, &err)) != VX_OK) {
		vx_model_free(m);
		return vxu_fail(st, &err);
	}
	/* the engine's thread policy for this d, applied once: the analysis and
	 * all the handout computes after it run under it, as check's and the
	 * tutor's do */
	vx_exec machine = vx_exec_machine(), ex = vx_exec_for_model(m->d, &machine);
	vx_exec_apply(&ex);
	if ((st = vx_analyse(m, t, &ex, &r, &err)) != VX_OK) {
		vx_model_free(m);
		return vxu_fail(st, &err);
	}
	/* the views default to the loss step (j) and the longest path (k) */
	if (j == 0)
		j = t;
	if (k == 0)
		k = 1;
	int rc = 0;
	if (j > m->T || k > t) {
		vx_fail(&err, VX_EUSAGE, "%s: front matter %s = %zu is outside 1..%zu", tpl ? tpl : "template",
		        j > m->T ? "j" : "k", j > m->T ? j : k, j > m->T ? (size_t)m->T : t);
		rc = vxu_fail(VX_EUSAGE, &err);
	} else {
		vxr_ctx ctx = { &eff, m, r, j, k, date };
		const char *out = a->output[0] ? a->output : "-";
		st = vxr_report_write(&ctx, a->format, tpl, out, &err);
		if (st != VX_OK)
			rc = vxu_fail(st, &err);
	}
	vx_result_free(r);
	vx_model_free(m);
	return rc;
}
