/*
 * handout.c — a handout written to its file (handout.h): rendered in
 * memory by report/doc/ (a PDF compiled from its LaTeX by report/pdf.h),
 * then the main text and its side files committed together through
 * report/out.h.
 */
#include "report/handout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/doc/doc.h"
#include "report/out.h"
#include "report/pdf.h"

/* Writes the main text (len bytes: a PDF holds NULs) into main and the
 * side files beside it, all or nothing (out.h); main is consumed. */
static vx_status write_all(vxr_out *main, const char *text, size_t len, const vxr_side *side, size_t nside,
                           vx_error *err)
{
	vxr_out **outs = calloc(nside + 1, sizeof *outs);
	if (!outs) {
		vxr_out_discard(main);
		return vx_fail(err, VX_ENOMEM, "out of memory");
	}
	outs[nside] = main;
	vx_status st = VX_OK;
	for (size_t i = 0; i < nside && st == VX_OK; i++)
		st = vxr_out_open(side[i].name, &outs[i], err);
	if (st == VX_OK) {
		/* write errors stay in the streams and come out of the commit */
		for (size_t i = 0; i <= nside; i++) {
			const char *t = i < nside ? side[i].text : text;
			fwrite(t, 1, i < nside ? strlen(t) : len, vxr_out_stream(outs[i]));
		}
		st = vxr_out_commit(outs, nside + 1, err);
	} else {
		for (size_t i = 0; i <= nside; i++)
			vxr_out_discard(outs[i]);
	}
	free(outs);
	return st;
}

/* The plots an earlier handout of the same name left beyond this one's
 * (handout-7.svg beside a handout of six): removed while they are there and
 * begin as vanex's plots do, so that a folder copied whole holds no plot of
 * another network.  Nothing else is touched; a failure changes nothing the
 * handout needs. */
static void drop_stale_plots(const char *where, size_t nside)
{
	for (int n = (int)nside + 1; n < 10000; n++) {
		char path[VX_PATH_MAX + 32], head[160];
		vxr_side_path(where, n, path, sizeof path);
		FILE *f = fopen(path, "rb");
		if (!f)
			return;
		size_t got = fread(head, 1, sizeof head, f);
		fclose(f);
		if (!vxr_side_is_plot(head, got) || remove(path) != 0)
			return;
	}
}

vx_status vxr_report_write(const vxr_ctx *ctx, vxr_format fmt, const char *template_path, const char *out_path,
                           vx_error *err)
{
	char *text = NULL;
	vxr_side *side = NULL;
	size_t nside = 0;
	vxr_out *o = NULL;
	/* before any output exists: without pdflatex there is no PDF to write */
	vx_status st = fmt == VXR_PDF ? vxr_pdf_ready(err) : VX_OK;
	if (st == VX_OK)
		st = vxr_out_open(out_path, &o, err);
	if (st != VX_OK)
		return st;
	/* Side files go beside the file written (a link's target), and a target
	 * written in place (a device, a FIFO) gets tables instead of them, as
	 * standard output does. */
	const char *where = vxr_out_direct(o) ? "-" : vxr_out_target(o);
	st = vxr_report_render(ctx, fmt, template_path, where, &text, &side, &nside, err);
	size_t len = text ? strlen(text) : 0;
	if (st == VX_OK && fmt == VXR_PDF) {
		char *pdf = NULL;
		st = vxr_pdf_compile(text, len, &pdf, &len, err);
		free(text);
		text = pdf;
	}
	if (st == VX_OK) {
		/* the target's name outlives o, which the commit consumes */
		char *target = fmt == VXR_MD && strcmp(where, "-") != 0 ? strdup(where) : NULL;
		st = write_all(o, text, len, side, nside, err);
		if (st == VX_OK && target)
			drop_stale_plots(target, nside);
		free(target);
	} else {
		vxr_out_discard(o);
	}
	vxr_sides_free(side, nside);
	free(text);
	return st;
}
