/*
 * tpl_internal.h — private to the template language's files (tpl_lex.c,
 * tpl_parse.c, tpl_eval.c, tpl_fill.c): the names a template may read, the
 * parse tree, the values of expressions, and the calls between the files.
 *
 *   tpl_lex.c    the expression lexer and parser, and the names and
 *                functions it knows
 *   tpl_parse.c  the body (text, placeholders, conditionals, blocks), the
 *                front matter, positions and messages, freeing the tree
 *   tpl_eval.c   values of names and expressions, formats and formatting
 *   tpl_fill.c   filling a parsed template into Markdown with tokens
 *   tpl_quiz.c   questions ({{#quiz}}): their head, answer and answer key
 */
#ifndef VXR_TPL_INTERNAL_H
#define VXR_TPL_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include "report/doc/tpl.h"

/* ================================================================ names */

enum { ARG_NONE = 0, ARG_K = 1, ARG_J = 2 };
enum { V_NUM = 0, V_INT, V_STR };

typedef enum {
	NM_ACT, NM_INIT, NM_VERSION, NM_DATE,
	NM_D, NM_N, NM_T, NM_SMALL_T, NM_K, NM_J, NM_SEED, NM_PATHS,
	NM_NORM_OPT, NM_INPUT_SCALE,
	NM_GAMMA, NM_LAMBDA, NM_GAMMA_LAMBDA, NM_INV_GAMMA, NM_REGIME, NM_LOSS, NM_GRAD_NORM,
	NM_LOSS_SUM, NM_GRAD_SUM_NORM, NM_GRAD_SUM_NEAR, NM_GRAD_SUM_FAR,
	NM_LYAP, NM_LYAP_BOUND, NM_RATE,
	NM_PATH_NORM, NM_PATH_PRODUCT, NM_PATH_BOUND, NM_PATH_CONTRIB, NM_PATH_GAP, NM_PATH_DELTA, NM_PATH_SPREV,
	NM_STEP_NORM, NM_DACT_MAX, NM_DACT_MIN, NM_DACT_MEAN, NM_DACT_SAT, NM_A_ABSMAX,
	NM_STEPS_MAX, NM_STEPS_MIN, NM_STEPS_GEOMEAN,
	NM_FD_DSDA, NM_FD_DADS, NM_FD_DSDS, NM_FD_DLDW, NM_FD_J, NM_FD_K, NM_FD_UNRESOLVED, NM_FD_AT_KINK,
	NM_TERMINAL,
	NM_ORTHO_NORM1, NM_ORTHO_LYAP, NM_ORTHO_RATE,
	NM_IDENT_NORM1, NM_IDENT_LYAP, NM_IDENT_RATE,
	NM_EIGEN_RHO, NM_POWERS_N, NM_POWERS_SLOW, NM_POWERS_MAX, NM_POWERS_ARGMAX, NM_POWERS_LAST,
	/* the three regimes side by side: below, edge, above, in that order */
	NM_BELOW_GL, NM_BELOW_NORM1, NM_BELOW_BOUND1, NM_BELOW_VERDICT,
	NM_EDGE_GL, NM_EDGE_NORM1, NM_EDGE_BOUND1, NM_EDGE_VERDICT,
	NM_ABOVE_GL, NM_ABOVE_NORM1, NM_ABOVE_BOUND1, NM_ABOVE_VERDICT,
	NM_VERDICT, NM_DACT_ARGMIN,
	/* this network's horizon, and the gated networks beside it (env.h) */
	NM_FORGET_BIAS, NM_HORIZON, NM_FATE, NM_CELL,
	NM_LSTM_NORM, NM_LSTM_H_NORM, NM_LSTM_C_NORM, NM_LSTM_KEEP, NM_LSTM_HORIZON, NM_LSTM_FATE, NM_LSTM_RATE,
	NM_GRU_NORM, NM_GRU_H_NORM, NM_GRU_KEEP, NM_GRU_HORIZON, NM_GRU_FATE, NM_GRU_RATE,
	NM_LATER_GATES, NM_LATER_GATED, NM_LATER_REGIMES, NM_LATER_INITS, NM_LATER_POWERS,
	NM_COUNT
} name_id;

/* A name a template may read: how it is spelt, the argument it takes
 * (ARG_K: k=, ARG_J: j=, else none) and the type of its value. */
typedef struct {
	const char *name;
	int args;   /* ARG_NONE, ARG_K or ARG_J */
	int type;   /* V_NUM, V_INT, V_STR */
} vxr_tpl_name;

/* Every name, indexed by name_id (tpl_lex.c). */
extern const vxr_tpl_name vxr_tpl_names[NM_COUNT];
/* The functions of expressions, NULL-terminated; an expression's E_FUNC
 * carries its index (tpl_lex.c). */
extern const char *const vxr_tpl_funcs[];

/* How deep parentheses, unary operators and {{#if}} may nest: hostile
 * input must not exhaust the stack. */
enum { TPL_MAX_DEPTH = 64 };

/* ================================================================ values */

/* A value: a number carried as (sign, log10 |x|) when it leaves the range
 * of a double, so 0.25^1000 compares and prints right; or a string. */
typedef struct {
	int type;        /* V_NUM, V_INT, V_STR */
	const char *s;   /* V_STR */
	double v;        /* the value when fits */
	double l10;      /* log10 |x| when !fits */
	int fits;
	int neg;         /* sign when !fits */
	int underflow;   /* an underflow (vx_mag): 0 in arithmetic and in a
	                  * test, "underflow" when shown as it is */
} val;

/* ================================================================ parse tree */

typedef enum {
	E_NUM, E_STR, E_NAME, E_FUNC, E_NEG, E_NOT, E_ADD, E_SUB, E_MUL, E_DIV, E_POW,
	E_LT, E_LE, E_GT, E_GE, E_EQ, E_NE, E_AND, E_OR
} eop;

typedef struct expr expr;
struct expr {
	eop op;
	size_t off;       /* byte offset in the template, for messages */
	double num;
	char *str;
	int name;         /* name_id or function index */
	expr *a, *b;      /* operands; for names: a = the k= or j= argument */
};

typedef enum { N_TEXT, N_EXPR, N_IF, N_BLOCK, N_QUIZ } ntype;

typedef struct node node;
typedef struct {
	node **v;
	size_t n, cap;
} nlist;

typedef struct {
	expr *cond;       /* NULL for the final {{else}} */
	nlist body;
} branch;

typedef struct {
	int kind;         /* 0 default, 1 sci */
	int sig;          /* 0 = default */
	int isint;        /* "int" */
	int given;
} fspec;

struct node {
	ntype type;
	size_t off;
	/* text */
	size_t tstart, tlen;
	/* placeholder */
	expr *e;
	fspec fmt;
	/* conditional; a question's three parts (question, hint, reason) are
	 * br[0..3) with no condition, its answer is e */
	branch *br;
	size_t nbr;
	vxr_quiz *quiz;   /* a question's kind and choices (report/doc/quiz.h) */
	/* block */
	vxr_obj blk;
	expr *jexpr, *kexpr;
};

typedef struct {
	char *key, *value;
	size_t koff, voff;
} fm_entry;

struct vxr_tpl {
	char *name;
	char *text;
	size_t len;
	fm_entry *fm;
	size_t nfm;
	nlist body;
};

/* ================================================================ calls between the files */

/* ---- tpl_parse.c: positions and messages ---- */

/* Line and column (1-based, counted in characters) of byte offset off. */
void vxr_tpl_pos_of(const vxr_tpl *t, size_t off, int *line, int *col);
/* err = VX_EFORMAT "name:line:col: message" at byte offset off; returns VX_EFORMAT. */
vx_status vxr_tpl_fail_at(const vxr_tpl *t, size_t off, vx_error *err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The same with a va_list; with sticky, only the first failure is kept
 * (later calls return it and write nothing). */
vx_status vxr_tpl_vfail_at(const vxr_tpl *t, size_t off, vx_error *err, vx_status *sticky, const char *fmt,
                           va_list ap);

/* ---- tpl_lex.c: expressions ---- */

/* Parses one expression from the tag text [s, s+n), which stands at byte
 * offset base of t.  *rest receives the offset (relative to s) of what
 * follows the expression.  NULL on an error, with *st and err set (a
 * syntax error is VX_EFORMAT at its position). */
expr *vxr_tpl_expr_parse(const vxr_tpl *t, const char *s, size_t n, size_t base, size_t *rest,
                         vx_error *err, vx_status *st);
void vxr_tpl_expr_free(expr *e);   /* NULL-safe */

/* ---- tpl_eval.c: evaluation and formats ---- */

/* What an evaluation reads and where its first error goes. */
typedef struct {
	const vxr_tpl *t;
	vxr_env *env;
	vx_error *err;
	vx_status st;      /* the first error; evaluation stops at it */
} evalr;

/* The value of e (a number 0 once ev->st is an error). */
val vxr_tpl_eval(evalr *ev, const expr *e);
/* Evaluates an index argument (k= or j=) to a whole number in lo..hi;
 * dflt when a is NULL; an error names what= and the range. */
size_t vxr_tpl_eval_index(evalr *ev, const expr *a, size_t dflt, size_t lo, size_t hi, const char *what,
                          const char *range);
/* Sets ev->st (the first error only) to VX_EFORMAT at byte offset off. */
vx_status vxr_tpl_eval_fail(evalr *ev, size_t off, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Whether a value counts as true: a non-empty string, a number neither 0
 * nor NaN. */
int vxr_tpl_truthy(val v);
/* Parses a format: "" | .N | sci | .Nsci | int | full.  0 or -1. */
int vxr_tpl_parse_format(const char *s, size_t n, fspec *f);
/* Formats v as format f asks, in style st, into buf (n bytes). */
void vxr_tpl_format_val(char *buf, size_t n, val v, const fspec *f, vxf_style st);

/* ---- tpl_quiz.c: questions ---- */

/* Parses the head of a question, the text [s, s+n) after "#quiz" at
 * template offset base: "number EXPR:.N", "integer EXPR" or "choice
 * A|B|… EXPR".  Fills q's kind, digits and choices and returns the answer's
 * expression; NULL on an error (VX_EFORMAT at its position in err and *st).
 * tagoff is the tag's offset, for a question without an answer. */
expr *vxr_tpl_quiz_head(const vxr_tpl *t, const char *s, size_t n, size_t base, size_t tagoff, vxr_quiz *q,
                        vx_error *err, vx_status *st);

/* Evaluates question n's answer for the network into q (a copy of n->quiz
 * with the answer, shown in style st): a value of the wrong kind (text for
 * a number, a word that is not a choice) is an error at the tag. */
void vxr_tpl_quiz_answer(evalr *ev, const node *n, vxf_style st, vxr_quiz *q);

#endif
