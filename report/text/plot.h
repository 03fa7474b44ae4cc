/*
 * plot.h — the plots of vanex: log-scale curves against t−k, simple
 * curves (σ' against a) and points in a plane drawn to scale (eigenvalues
 * in the complex plane), as inline SVG for documents and as character
 * cells for terminals.  Series values are log10 (so 10^-600 plots fine);
 * -INFINITY points (exact zeros) are left out and marked.
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
	const char *label_tex; /* the legend text for LaTeX (text with $…$ math); NULL: label */
	int plain;             /* a line alone: no markers along it or in its legend
	                        * (SVG, LaTeX), e.g. a circle around the marked points */
	int style;             /* 0: the series' own colour, marker and terminal role, by
	                        * its index (0..2); 1..3: those of series style − 1, shared
	                        * (a bound in the colour of its curve): see below */
	int underflow;         /* with log_y: its -INFINITY are underflows (values that
	                        * came out 0 but are not known to be, analysis.h), not
	                        * exact zeros: noted as such */
} vxp_series;

typedef struct {
	const char *title;     /* may be NULL */
	const char *xlabel;    /* e.g. "t − k" */
	const char *ylabel;    /* e.g. "norm" */
	int log_y;             /* y values are log10: axis ticks read 10^n */
	const vxp_series *series;
	size_t nseries;        /* up to 3, or 6 when series share styles */
	/* optional marked points (e.g. the maximum of σ'), drawn as dots with a label */
	const double *mark_x, *mark_y;
	size_t nmarks;
	const char *mark_label;
	/* the labels for LaTeX, text with $…$ math; NULL: the UTF-8 ones,
	 * escaped (which pdflatex may not know how to set) */
	const char *xlabel_tex, *ylabel_tex, *mark_label_tex;
	int equal_aspect;      /* a unit of x and a unit of y take the same length, so a
	                        * circle stays round: the range of the axis that would be
	                        * drawn larger is widened about its centre to the plot
	                        * area's shape (a character cell counts as twice as high
	                        * as wide); with linear y only */
} vxp_plot;

/*
 * Both drawings share one model:
 *   - a point is drawn when its x and y are finite; with log_y a y of
 *     -INFINITY is an exact zero, counted and noted ("3 zeros omitted"),
 *     or an underflow in a series so marked (noted apart),
 *     NaN and infinities are noted as undefined; a line breaks at them;
 *   - x axis: [min x, max x] over the drawn points and marks (widened by
 *     |x|·1e-6 + 1 each way when they coincide); ticks at 1, 2, 5 × 10ⁿ
 *     steps (whole numbers only when every x is whole);
 *   - log_y: y axis [floor(min y + 1e-9), ceil(max y − 1e-9)] in decades
 *     (widened by one decade each way when equal), ticks every 1, 2, 5,
 *     10, 20, … decades, the finest step giving at most 8 (600 decades:
 *     every 100), labelled 10ⁿ (ASCII: 1e-4);
 *   - linear y: the range widened to the neighbouring tick multiples;
 *   - equal_aspect (linear y): instead, both ranges widened by 4% of the
 *     larger each way, then the x or the y range about its centre until
 *     both axes give a unit the same length, the ticks chosen again (the
 *     frame need not end on a tick);
 *   - nothing to draw (n = 0, all -INFINITY, NaN) still gives the frame
 *     and a "no values to plot" note, never an error;
 *   - series get distinct dash patterns (solid, long dash, dots, dash-dot;
 *     a series with dashed = 1 never solid) and, in SVG, distinct markers
 *     (circle, square, triangle), so black-and-white prints stay readable;
 *   - there are three styles (colour, marker, terminal role, ASCII letter).
 *     Series 0..2 each have their own unless one shares another's (style
 *     1..3); then up to 6 series may share the 3 styles, and the dash
 *     patterns differ only among the series of one style (three solid curves
 *     and their three dashed bounds), the dashed ones thinner; in ASCII
 *     cells, which otherwise ink every dot, a dashed series of a shared
 *     style is inked by its pattern; a series that shares a style and has
 *     no label is left out of the legend (its curve's entry stands for it).
 */

/* An SVG element (no XML prolog, no external reference, fixed fonts by CSS
 * class; width×height in px) for inline use in HTML or as a file beside
 * Markdown.  Deterministic output.  *out malloc'd.
 * Classes (vxp, vxp-s1..3, vxp-grid, vxp-axis, vxp-note …) carry the
 * styling and every element repeats it as presentation attributes, so a
 * file opened alone looks the same.  Numbers are written without the C
 * locale's help: LC_NUMERIC cannot change a byte.  VX_EUSAGE when p is
 * NULL or malformed (more series than its styles allow, a style that is
 * not 0..3, NULL arrays with n > 0) or the
 * size is below 160×120 or above 20000. */
vx_status vxp_svg(const vxp_plot *p, int width, int height, char **out);

/* A LaTeX picture of the plot, width×height pt in all (labels included),
 * for the LaTeX handout: the picture environment of LaTeX itself with
 * color.sty's \color and graphicx's \rotatebox for the y label, nothing
 * else.  Lines are straight \qbezier segments (picture mode's \line takes
 * only a few slopes), thick enough for print, each series in its colour
 * and dash pattern with markers as in the SVG; the marks as dots; tick
 * labels $10^{n}$ on a log axis; the axis labels; the legend is a line of
 * its own below the picture, each entry with a sample of its line.
 * Points closer than a quarter point to the last one drawn are skipped, so
 * T = 10⁶ makes a picture of a few thousand segments at most.
 * Deterministic and locale-free as vxp_svg.  *out malloc'd.  VX_EUSAGE as
 * vxp_svg for a malformed plot, or a size below 160×100 or above 2000 pt. */
vx_status vxp_picture(const vxp_plot *p, int width, int height, char **out);
/* What a document's preamble needs for vxp_picture: the packages and the
 * colours vxs1..vxs3. */
extern const char vxp_picture_preamble[];

/* A character-cell plot `cols`×`rows` for terminals: rows lines joined by
 * '\n'.  utf8 selects Braille/box drawing, else ASCII only.  Each cell's
 * series index (0 = axes/labels, 1..3 = series) is written to *roles
 * (malloc'd, rows*cols bytes, row-major over display columns) so the tutor
 * can colour by role.  *out malloc'd.
 *
 * Every line holds exactly cols code points and each one is one column
 * wide (labels are cut to fit; wide or zero-width characters become ?), so
 * the k-th code point of a line is display column k.  Role 4 marks the
 * marked points (mark_x, mark_y) and their legend dot.
 * Layout, top to bottom: a header line (y label at the left, title
 * centred) when rows >= 8 and there is either; the plot area with y labels
 * at the left of a │ axis; the x axis └──┬──; the x tick labels (and the x
 * label at the right when it fits); one legend line.  Inside the plot area
 * of pw × ph cells, with a dot grid of W × H = 2pw × 4ph (Braille) or
 * pw × ph (ASCII: '*' '+' 'o' for series 1..3, '@' for marks), the point
 * (x, y) is the dot
 *     X = round((x − xmin)/(xmax − xmin) · (W − 1)),
 *     Y = round((ymax − y)/(ymax − ymin) · (H − 1))      (Y = 0 at the top),
 * consecutive points joined by straight lines; the first series is drawn
 * over the others.  VX_EUSAGE when cols < 20, rows < 5 (or more than
 * 2000×1000), when the y labels leave fewer than 10 columns, or p is
 * malformed as for vxp_svg. */
vx_status vxp_cells(const vxp_plot *p, int cols, int rows, int utf8,
                    char **out, unsigned char **roles);

#endif
