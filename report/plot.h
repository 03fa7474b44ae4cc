/*
 * plot.h — the plots of vanex: log-scale curves against t−k, and simple
 * curves (σ' against a), drawn as inline SVG for documents and as
 * character cells for terminals.  Series values are log10 (so 10^-600 plots
 * fine); -INFINITY points (exact zeros) are left out and marked.
 */
#ifndef VXR_PLOT_H
#define VXR_PLOT_H

#include <stddef.h>
#include "engine/status.h"

typedef struct {
	const char *label;     /* legend text, UTF-8 */
	const double *x;       /* n abscissae */
	const double *y;       /* n ordinates (log10 values when log_y) */
	size_t n;
	int dashed;            /* drawn dashed (e.g. the bound) */
} vxp_series;

typedef struct {
	const char *title;     /* may be NULL */
	const char *xlabel;    /* e.g. "t − k" */
	const char *ylabel;    /* e.g. "norm" */
	int log_y;             /* y values are log10: axis ticks read 10^n */
	const vxp_series *series;
	size_t nseries;        /* up to 3 */
	/* optional marked points (e.g. the maximum of σ'), drawn as dots with a label */
	const double *mark_x, *mark_y;
	size_t nmarks;
	const char *mark_label;
} vxp_plot;

/* An SVG element (no XML prolog, no external reference, fixed fonts by CSS
 * class; width×height in px) for inline use in HTML or as a file beside
 * Markdown.  Deterministic output.  *out malloc'd. */
vx_status vxp_svg(const vxp_plot *p, int width, int height, char **out);

/* A character-cell plot `cols`×`rows` for terminals: rows lines joined by
 * '\n'.  utf8 selects Braille/box drawing, else ASCII only.  Each cell's
 * series index (0 = axes/labels, 1..3 = series) is written to *roles
 * (malloc'd, rows*cols bytes, row-major over display columns) so the tutor
 * can colour by role.  *out malloc'd. */
vx_status vxp_cells(const vxp_plot *p, int cols, int rows, int utf8,
                    char **out, unsigned char **roles);

#endif
