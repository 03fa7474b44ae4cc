/*
 * tpl.h — the template language of vanex (documented for authors in
 * templates/README.md).
 *
 * A template is Markdown with:
 *   - optional front matter (--- key: value ... ---): model defaults applied
 *     through vx_params_set for every option the command line left unset,
 *     plus `title`, `j`, `k` and `panel` (the tutor's live panel);
 *   - placeholders {{EXPR}} or {{EXPR:FORMAT}} (FORMAT: .N  sci  .Nsci  int
 *     full) reading live values of the network;
 *   - conditionals {{#if EXPR}} … {{else if EXPR}} … {{else}} … {{/if}};
 *   - live blocks on a line of their own: {{table …}}, {{matrix …}},
 *     {{plot …}}, {{record}}, {{references}};
 *   - citations in the text, {{cite KEY [KEY…]}} (report/doc/cite.h);
 *   - comments {{! … }} and the escape \{{ for a literal "{{".
 * Math is written $…$ or $$…$$ in the TeX subset of report/text/math.h; a
 * placeholder inside math is formatted for TeX.
 *
 * Parsing checks the whole syntax (names, block arguments, formats, the
 * nesting of conditionals) so that a mistake is reported with its
 * "file:line:column: message" before anything is rendered; filling checks
 * what depends on the network (a k outside 1..t, a math span left open).
 */
#ifndef VXR_TPL_H
#define VXR_TPL_H

#include <stddef.h>
#include "engine/analysis.h"
#include "report/doc/ctx.h"
#include "report/doc/env.h"
#include "report/doc/quiz.h"
#include "report/text/fmt.h"

typedef struct vxr_tpl vxr_tpl;

/* Parses a template held in text (len bytes, need not be NUL-terminated).
 * name is used in messages ("templates/05-diagonal.md").  *out caller-freed
 * with vxr_tpl_free.  Syntax errors: VX_EFORMAT, err "name:line:col: msg". */
vx_status vxr_tpl_parse(const char *name, const char *text, size_t len,
                        vxr_tpl **out, vx_error *err);
void vxr_tpl_free(vxr_tpl *t);   /* NULL-safe */

/* Sets p->weights_net for the file p->weights names, as the command line
 * does (report/load/'s vxr_weights_kind: a trained network's file, or a
 * bare W), so that a front matter's weights file is read as --weights
 * reads it.  NULL: a front matter's weights file is taken as a bare W. */
typedef void (*vxr_weights_kind_fn)(vx_params *p);

/* Applies the front matter's model options to *p for every option whose
 * VX_SET_* bit is not set (so command-line options win), and its `j`/`k`
 * to *j / *k when those are not NULL and still 0.  A bad value is
 * VX_EFORMAT with the position of the value.  When *p already names a
 * weights or model file (the command line's), the front matter's file and
 * the options vx_params_conflicts refuses with that file are left out, and
 * beside an inputs file its steps, inputs and input-scale;
 * otherwise such a conflict among the front matter's own entries (or with
 * a command-line option) is VX_EFORMAT at the later entry.  A key given
 * twice in the front matter is refused by vxr_tpl_parse.  weights_kind sets
 * p->weights_net once the front matter names a weights file (see its
 * type). */
vx_status vxr_tpl_apply_defaults(const vxr_tpl *t, vx_params *p, size_t *j, size_t *k,
                                 vxr_weights_kind_fn weights_kind, vx_error *err);

/* The front matter's j and k held to the network: 1..T and 1..t.  A value
 * outside is VX_EFORMAT at its line and column, as a block's j= and k=. */
vx_status vxr_tpl_check_views(const vxr_tpl *t, size_t T, size_t tl, vx_error *err);

/* The front matter's `title`, or NULL. */
const char *vxr_tpl_title(const vxr_tpl *t);

/* The front matter's `panel`: the tutor's live-panel view for this step,
 * one of "network", "dact", "jacobian", "paths", "lyap", "chain", "eigen", "gates" (a
 * constant of the program, valid after t is freed), or NULL when the key is
 * absent.  Any other value is refused by vxr_tpl_parse. */
const char *vxr_tpl_panel(const vxr_tpl *t);

/* 1 when the front matter says `cell: rnn`: the step derives the vanilla
 * cell, so its names read the vanilla network whatever cell the reader
 * chose (ctx.h, vxr_ctx.cell), and a note says so (doc.c); else 0. */
int vxr_tpl_vanilla(const vxr_tpl *t);

/* ---- filling ---- */

/* What a token in the filled Markdown stands for. */
typedef enum {
	VXR_OBJ_MATH = 0,   /* $…$ */
	VXR_OBJ_DMATH,      /* $$…$$ */
	VXR_OBJ_BLOCK,      /* a live block: it must be a paragraph of its own */
	VXR_OBJ_CITE        /* {{cite KEY …}}: the works' numbers, inline (report/doc/cite.h) */
} vxr_obj_kind;

typedef enum {
	VXR_BLK_TABLE_PATHS = 0, /* {{table paths [rows=N]}} */
	VXR_BLK_TABLE_STEPS,     /* {{table steps [rows=N]}} */
	VXR_BLK_TABLE_INITS,     /* {{table inits}} */
	VXR_BLK_TABLE_REGIMES,   /* {{table regimes}} */
	VXR_BLK_TABLE_GATES,     /* {{table gates}} */
	VXR_BLK_MATRIX,          /* {{matrix NAME [NAME] [j=N] [size=N]}} */
	VXR_BLK_PLOT_NORMS,      /* {{plot norms}} */
	VXR_BLK_PLOT_DACT,       /* {{plot dact [j=N]}} */
	VXR_BLK_PLOT_CONTRIB,    /* {{plot contrib}} */
	VXR_BLK_PLOT_STEPS,      /* {{plot steps}} */
	VXR_BLK_PLOT_EIGEN,      /* {{plot eigen}} */
	VXR_BLK_PLOT_POWERS,     /* {{plot powers}} */
	VXR_BLK_PLOT_REGIMES,    /* {{plot regimes}} */
	VXR_BLK_PLOT_GATES,      /* {{plot gates}} */
	VXR_BLK_RECORD,          /* {{record}} */
	VXR_BLK_REFERENCES       /* {{references}}: every work of report/doc/cite.h */
} vxr_blk_kind;

/* The blocks are rows of one table (report/doc/blocks.c): a tag's words,
 * the kind, the builders of its data.  These read it. */

/* Whether a block is one of the plots ({{plot …}}). */
int vxr_blk_is_plot(vxr_blk_kind k);
/* The block a tag {{kw name}} names ("table", "paths"): 1 and *blk, or 0
 * for a name kw does not take. */
int vxr_blk_find(const char *kw, const char *name, vxr_blk_kind *blk);
/* The names kw takes, in the table's order, as "paths, steps, …" into buf
 * (n bytes, cut to fit), for messages. */
void vxr_blk_names(const char *kw, char *buf, size_t n);

typedef struct {
	vxr_obj_kind kind;
	char *tex;               /* math: the TeX source with values filled in */
	const char *file;        /* origin in the template, for messages */
	int line, col;
	/* blocks */
	vxr_blk_kind blk;
	char mat[2][16];         /* matrix names, mat[1] empty when one */
	size_t j;                /* the step (1..T) a block shows */
	size_t k;                /* the path (1..t) a block shows (dsds) */
	size_t rows;             /* rows shown by tables; 0 = the default */
	size_t size;             /* rows/columns shown of a matrix */
	/* citations */
	int cite[4];             /* the works cited, indices into cite.h's list */
	size_t ncite;
} vxr_obj;

/* The Markdown of one or more filled templates.  Objects appear in md as
 * tokens "VXQ<5 digits>Q" (index into objs), which cmark keeps as text. */
typedef struct {
	char *md;
	size_t len, cap;
	vxr_obj *objs;
	size_t nobjs, ocap;
	char **names;            /* the template names objects point to (owned) */
	size_t nnames;
	vxr_quiz_md *quiz;       /* the questions filled ({{#quiz}}, quiz.h), in order */
	size_t nquiz, qcap;
	size_t quiz_number;      /* the number the last question got (set it before
	                          * filling one step alone to number as the handout) */
} vxr_filled;

/* Appends the filling of t to f.  prose_style is the number style outside
 * math (VXF_UNICODE or VXF_ASCII); inside math VXF_TEX is used.  Errors
 * VX_EFORMAT "file:line:col: msg"; f is left usable (and freed by the
 * caller) either way. */
vx_status vxr_tpl_fill(const vxr_tpl *t, vxr_env *env, vxf_style prose_style,
                       vxr_filled *f, vx_error *err);

/* Appends raw Markdown to f (separators between parts). */
vx_status vxr_filled_append(vxr_filled *f, const char *s, size_t n);
/* Inserts raw Markdown into f at byte offset at (at most f->len):
 * VX_ENOMEM, or VX_EINTERNAL for an offset past the end. */
vx_status vxr_filled_insert(vxr_filled *f, size_t at, const char *s, size_t n);
void vxr_filled_clear(vxr_filled *f);   /* frees the members; f itself is the caller's */

/* How many questions ({{#quiz}}) t asks: the same for every network, as a
 * question cannot stand inside {{#if}}. */
size_t vxr_tpl_quiz_count(const vxr_tpl *t);

/* Appends the answer key of every question in f: a "## Answers" section,
 * per question its number, the answer and the reason.  Nothing when f has
 * no question.  VX_ENOMEM only. */
vx_status vxr_quiz_answer_key(vxr_filled *f, vx_error *err);

/* Formats x the way a placeholder with `format` does ("" = the default of
 * 3 significant digits; ".N", "sci", ".Nsci", "int", "full"). */
vx_status vxr_format_number(char *buf, size_t n, double x, const char *format, vxf_style st);

#endif
