/*
 * render.h — private to the renderers and the pipeline of report/doc/
 * (blocks*.c, render_text.c, html.c, latex.c, md.c, term.c, doc.c, layout.c).
 *
 * The pipeline: templates are filled (tpl_fill.c) into Markdown whose math spans
 * and live blocks stand as tokens; cmark parses it; one walker (doc.c)
 * replaces each token by a custom node whose text the target's renderer
 * produced (MathML, LaTeX, Markdown, or nothing for the terminal, which
 * walks the tree itself); cmark's own renderer writes the rest.
 *
 * Live blocks are first turned into plain data (a table of cells, a
 * truncated matrix, a plot) by blocks_table.c, blocks_matrix.c and
 * blocks_plot.c, found through the table of blocks (blocks.c), the same
 * for every target, so every format shows the same numbers.
 */
#ifndef VXR_RENDER_H
#define VXR_RENDER_H

#include <stddef.h>
#include <cmark.h>
#include "report/doc/ctx.h"
#include "report/text/fmt.h"
#include "report/text/math.h"
#include "report/text/buf.h"
#include "report/text/plot.h"
#include "report/text/lines.h"
#include "report/doc/tpl.h"

/* ---- plain data of the live blocks (blocks*.c) ---- */

typedef enum { VXR_CELL_INT = 0, VXR_CELL_MAG, VXR_CELL_NUM, VXR_CELL_TEXT, VXR_CELL_GAP } vxr_cell_kind;

typedef struct {
	vxr_cell_kind kind;
	long long i;         /* INT */
	vx_mag m;            /* MAG */
	double v;            /* NUM (may be negative) */
	const char *text;    /* TEXT: a constant or the table's own, may hold $…$ math */
} vxr_cell;

typedef struct {
	size_t ncols, nrows;
	const char *head[8];  /* column headers: text with $…$ math */
	int numeric[8];       /* right-aligned */
	vxr_cell *cells;      /* nrows × ncols; a row of GAP cells is an ellipsis row */
	char note[400];       /* shown under the table ("" = none), text with $…$ math */
	char *own;            /* text cells point into (NULL or malloc'd, freed with the table) */
} vxr_table;

/* A matrix shown with at most `size` rows and columns; index SIZE_MAX in
 * ri/ci marks the ellipsis row/column. */
typedef struct {
	char label[96];       /* TeX, e.g. "W" or "\\operatorname{diag}(\\sigma'(a_{3}))" */
	size_t rows, cols;    /* the full size */
	size_t nr, nc;        /* shown */
	size_t ri[48], ci[48];
	double *v;            /* nr × nc (ellipsis cells unused) */
	double log10_scale;   /* entries are v × 10^scale (0 normally) */
} vxr_mat;

typedef struct {
	vxp_plot plot;
	vxp_series series[6];  /* 3, or 6 when series share styles (plot.h) */
	double *buf;          /* owns every array the plot points into */
	char title[96], legend[3][64], mark_label[64];
	char legend_tex[3][96], mark_label_tex[96];   /* the same for LaTeX, text with $…$ */
	char caption[200];    /* text with $…$ math */
	/* the same data as a table, for targets without graphics */
	vxr_table *fallback;
} vxr_plotdata;

vx_status vxr_table_build(vxr_env *env, const vxr_obj *o, vxr_table **out, vx_error *err);
/* 1 when {{record}} lists the cell followed and the forget bias: either is
 * not its default (rnn, 0). */
static inline int vxr_record_gated(const vxr_ctx *c)
{
	return c->cell != VX_CELL_RNN || c->forget_bias != 0;
}
void vxr_table_free(vxr_table *t);
/* m[0], m[1]; *n = 1 or 2 */
vx_status vxr_mats_build(vxr_env *env, const vxr_obj *o, vxr_mat *m, size_t *n, vx_error *err);
void vxr_mat_clear(vxr_mat *m);
vx_status vxr_plot_build(vxr_env *env, const vxr_obj *o, int utf8, vxr_plotdata **out, vx_error *err);
void vxr_plotdata_free(vxr_plotdata *p);

/* A cell formatted in a style (numbers with 3 significant digits). */
void vxr_cell_format(char *buf, size_t n, const vxr_cell *c, vxf_style st);
/* A matrix as TeX: "label = \begin{pmatrix}…\end{pmatrix}" (entries with 3
 * significant digits, ⋯ ⋮ ⋱ where truncated).  malloc'd. */
char *vxr_mat_tex(const vxr_mat *m);
/* For the targets that write LaTeX math (Markdown and LaTeX): a math
 * object's formula, and one or two built matrices side by side as display
 * math, each between open and close; *out malloc'd. */
vx_status vxr_math_latex(const vxr_obj *o, const char *open, const char *close, char **out, vx_error *err);
vx_status vxr_mats_latex(const vxr_obj *o, const vxr_mat *m, size_t n, const char *open, const char *close,
                         char **out, vx_error *err);

/* ---- targets ---- */

typedef enum { VXR_T_HTML = 0, VXR_T_LATEX, VXR_T_MD, VXR_T_TERM } vxr_target;

/* A side file of the output (doc.h). */
typedef struct vxr_side vxr_side;

/* What a renderer of objects needs. */
typedef struct {
	vxr_env *env;
	vxr_filled *filled;
	vxr_target target;
	const char *out_path;  /* NULL or "-" for stdout */
	vxr_side *side;
	size_t nside;
	int nplots;
} vxr_rctx;

/* ---- one walker for every target ---- */

/* A target's rendering of each kind of object, as callbacks into the
 * target's own output (sink).  The walker, vxr_render_obj, tells the kinds
 * apart once for all targets, builds a block's plain data (table, matrices,
 * plot) the same way for each, hands it to the callback and frees it. */
typedef struct {
	vx_status (*math)(void *sink, const vxr_obj *o, vx_error *err);  /* NULL: math is text's */
	vx_status (*table)(void *sink, const vxr_obj *o, const vxr_table *t, vx_error *err);
	vx_status (*matrices)(void *sink, const vxr_obj *o, const vxr_mat *m, size_t n, vx_error *err);
	vx_status (*plot)(void *sink, const vxr_obj *o, const vxr_plotdata *pd, vx_error *err);
	vx_status (*cite)(void *sink, const vxr_obj *o, vx_error *err);        /* {{cite}}: the works' numbers */
	vx_status (*references)(void *sink, const vxr_obj *o, vx_error *err);  /* {{references}}: every work */
	size_t (*matrix_fit)(const void *sink);  /* NULL or 0: as many rows and columns as the object asks */
	int (*utf8)(const void *sink);           /* NULL: UTF-8 */
} vxr_render_ops;

/* The sink of the document targets: one malloc'd string per object. */
typedef struct {
	vxr_rctx *rc;
	char *out;
} vxr_strsink;

/* Renders object o through ops into sink. */
vx_status vxr_render_obj(vxr_env *env, const vxr_render_ops *ops, void *sink, const vxr_obj *o, vx_error *err);
/* The same for a document target (sink a vxr_strsink): *out malloc'd. */
vx_status vxr_render_str(vxr_rctx *rc, const vxr_render_ops *ops, const vxr_obj *o, char **out, vx_error *err);

/* Renders math src for a target, turning a syntax error into
 * "file:line:col: math: msg" at the object's origin. */
vx_status vxr_math(const vxr_obj *o, const char *src, vxm_target tg, int display, char **out, vx_error *err);

/* Text with $…$ spans (table headers, captions) rendered for a target:
 * math through vxm_render, the text escaped for it. */
vx_status vxr_mixed(const char *text, vxr_target tg, int utf8, char **out, vx_error *err);
/* The same for the terminal, in its characters (Unicode, or ASCII spelled
 * out), every space inside a formula VXR_GLUE: a wrap keeps "d = 8" whole,
 * and shows VXR_GLUE as a space. */
#define VXR_GLUE '\x1f'
vx_status vxr_mixed_glued(const char *text, int utf8, char **out, vx_error *err);

/* How a document target shows a plot: the picture draw makes of it at
 * width × height, then its caption, between open, mid and close. */
typedef struct {
	vx_status (*draw)(const vxp_plot *p, int width, int height, char **out);
	int width, height;
	const char *open, *mid, *close;
} vxr_figure;
/* A plot block as figure fig for target tg into sink (a vxr_strsink);
 * a drawing that fails says "file:line:col: drawing the plot failed". */
vx_status vxr_figure_str(void *sink, const vxr_obj *o, const vxr_plotdata *pd, vxr_target tg, const vxr_figure *fig,
                         vx_error *err);

/* The document targets' renderings of objects (html.c, latex.c, md.c). */
extern const vxr_render_ops vxr_html_ops, vxr_latex_ops, vxr_md_ops;

/* Whole documents around cmark's rendering of the body. */
vx_status vxr_html_document(vxr_rctx *rc, cmark_node *root, const char *title, char **out, vx_error *err);
vx_status vxr_latex_document(vxr_rctx *rc, cmark_node *root, const char *title, char **out, vx_error *err);
vx_status vxr_md_document(vxr_rctx *rc, cmark_node *root, const char *title, char **out, vx_error *err);

/* Work r (report/doc/cite.h) as an entry of a reference list for target
 * tg: "Authors. Title. Where, year.", escaped for the target, the title
 * emphasised (plain in the terminal, ASCII when utf8 is 0). */
void vxr_ref_entry(vxr_buf *b, size_t r, vxr_target tg, int utf8);
/* A cite op for a document target whose sink is a vxr_strsink: the
 * numbers as text, "[1, 3]" (LaTeX, Markdown). */
vx_status vxr_cite_numbers(void *sink, const vxr_obj *o, vx_error *err);
/* The works of a {{cite}} in running text for the terminal, whose text
 * names the authors: their years, "(1991; 1994)".  malloc'd. */
char *vxr_cite_short(const vxr_obj *o);

/* The head of an HTML document up to and with <body>: the title escaped,
 * the style sheet the three parts (html.c's for the handout, slides.c's
 * for the slides). */
void vxr_html_head(vxr_buf *b, const char *title, const char *css1, const char *css2, const char *css3);
/* The CSS of the blocks (math, matrices, tables, plots, the record, the
 * references), the same in the handout and the slides. */
extern const char vxr_html_css_blocks[];
/* The handout as slides: one self-contained HTML file, a step (or a part
 * of one) per slide, no script (slides.c). */
vx_status vxr_slides_document(vxr_rctx *rc, cmark_node *root, const char *title, char **out, vx_error *err);

/* Escaping for HTML text and attributes. */
void vxr_html_escape(vxr_buf *b, const char *s);
/* Escaping for LaTeX text. */
void vxr_latex_escape(vxr_buf *b, const char *s);

/* The object a token at s stands for ("VXQnnnnnQ"), or SIZE_MAX. */
size_t vxr_token_at(const char *s, size_t len);
#define VXR_TOKEN_LEN 9

/* ---- terminal blocks (term.c) ---- */

/* A live block as lines at most `width` columns wide. */
vx_status vxr_term_block(vxr_env *env, const vxr_obj *o, int width, int utf8, vxt_lines *L, vx_error *err);
/* A plot's cells alone (vxp_cells: Braille or ASCII), rows new lines of
 * exactly cols columns appended to L, each run of cells in the role of its
 * series (0 axes and labels: VXT_DIM, 1..3: VXT_SERIES1..3, 4 the marked
 * points: VXT_NUMBER, live values as everywhere).  The plot blocks draw
 * through it, and so does the tutor's panel (report/term_plot.h), so both
 * show one set of glyphs and roles.  Errors are vxp_cells' (VX_EUSAGE below
 * 20×5 cells), with nothing appended. */
vx_status vxr_term_plot(const vxr_plotdata *pd, int cols, int rows, int utf8, vxt_lines *L, vx_error *err);

/* ---- doc.c ---- */

/* Replaces every token in the tree by a custom node (inline for math, a
 * block for live blocks) whose user data is the object's index + 1. */
vx_status vxr_substitute(cmark_node *root, const vxr_filled *f, vx_error *err);
/* The object index a custom node carries, or SIZE_MAX. */
size_t vxr_node_obj(cmark_node *n);
/* What vxr_inline_walk calls, with its u, for each piece of running text. */
typedef struct {
	void (*text)(void *u, const char *s);           /* a text or code span ("" when empty) */
	void (*softbreak)(void *u);                      /* a line break inside a paragraph */
	void (*obj)(void *u, const vxr_obj *o);          /* an inline object of f: math, a citation */
} vxr_inline_ops;
/* Walks the inline content under n in order, through ops. */
void vxr_inline_walk(cmark_node *n, const vxr_filled *f, const vxr_inline_ops *ops, void *u);
/* Fills built-in step i (0-based) into f. */
vx_status vxr_fill_step(vxr_env *env, size_t i, vxf_style prose, vxr_filled *f, vx_error *err);
/* Reads a whole (template) file, at most 4 MiB; *text NUL-terminated, caller frees. */
vx_status vxr_read_file(const char *path, char **text, size_t *len, vx_error *err);

#endif
