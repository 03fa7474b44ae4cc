/*
 * report_cmd.c — `vanex report`: apply a template's front matter, load or
 * build the model, analyse it (tui/load.h), and write the handout
 * (report/handout.h).
 *
 * Without -o the handout goes to standard output (Markdown unless -f says
 * otherwise; a PDF only when that is not a terminal).  The date printed in it comes from SOURCE_DATE_EPOCH when that
 * is set, so the same inputs give a byte-identical file.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/analysis.h"
#include "report/doc/doc.h"
#include "report/doc/env.h"
#include "report/handout.h"
#include "report/load/tensors.h"
#include "tui/cli.h"
#include "tui/load.h"

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
	vx_params p = a->params;
	vxu_loaded l;
	vx_status st;
	size_t j = 0, k = 0;
	char date[32];
	const char *tpl = a->template_path[0] ? a->template_path : NULL;

	if ((st = handout_date(date, sizeof date, &err)) != VX_OK)
		return vxu_fail(st, &err);
	/* a PDF's bytes would only garble the terminal */
	if (a->format == VXR_PDF && !a->output[0] && isatty(STDOUT_FILENO)) {
		vx_fail(&err, VX_EUSAGE, "-f pdf: a PDF is not for the terminal; name a file with -o FILE.pdf");
		return vxu_fail(VX_EUSAGE, &err);
	}
	/* the template's front matter first: command-line options win */
	if (tpl && (st = vxr_template_defaults(tpl, &p, &j, &k, vxr_weights_kind, &err)) != VX_OK)
		return vxu_fail(st, &err);
	vxu_load_opts lo = { .bytes = vxr_report_bytes };   /* a handout's peak (report/doc.h) */
	if ((st = vxu_load(&p, &lo, &l, &err)) != VX_OK)
		return vxu_fail(st, &err);
	/* the views default to the loss step (j) and the longest path (k) */
	if (j == 0)
		j = l.t;
	if (k == 0)
		k = 1;
	int rc = 0;
	if (tpl && (st = vxr_template_check_views(tpl, l.model->T, l.t, &err)) != VX_OK) {
		rc = vxu_fail(st, &err);
	} else {
		/* the costly extras a step may read (env.h), once for the handout */
		vxr_extras *x = vxr_extras_alloc();
		vxr_ctx ctx = { &l.eff, l.model, l.result, j, k, date, x, a->answers, a->net.spec.forget_bias,
		                 a->net.spec.cell, 0, NULL };
		const char *out = a->output[0] ? a->output : "-";
		st = vxr_report_write(&ctx, a->format, tpl, out, &err);
		vxr_extras_free(x);
		if (st != VX_OK)
			rc = vxu_fail(st, &err);
	}
	vxu_loaded_clear(&l);
	return rc;
}
