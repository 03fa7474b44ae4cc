/*
 * tpl.c — parsing and filling templates (see tpl.h, templates/README.md).
 *
 * A template is parsed once into a tree of text runs, placeholders,
 * conditionals and live blocks; every name, argument and format is checked
 * then, so an author hears about a typo before any number is computed.
 * Filling walks the tree with a small state machine over the Markdown it
 * emits, so that it knows when it is inside $…$ math (placeholders there are
 * formatted for TeX and the span becomes a token) or inside code (where a $
 * is just a dollar).
 *
 * Values are numbers carried as (sign, log10 |x|) when they leave the range
 * of a double, so 0.25^1000 compares and prints right; strings are few.
 */
#include "report/tpl.h"

#include <ctype.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/act.h"
#include "engine/model.h"
#include "engine/params.h"
#include "engine/regime.h"

/* ================================================================ names */

enum { ARG_NONE = 0, ARG_K = 1, ARG_J = 2 };
enum { V_NUM = 0, V_INT, V_STR };

typedef enum {
	NM_ACT, NM_INIT, NM_VERSION, NM_DATE,
	NM_D, NM_N, NM_T, NM_SMALL_T, NM_K, NM_J, NM_SEED, NM_PATHS,
	NM_NORM_OPT, NM_INPUT_SCALE,
	NM_GAMMA, NM_LAMBDA, NM_GAMMA_LAMBDA, NM_INV_GAMMA, NM_REGIME, NM_LOSS, NM_GRAD_NORM,
	NM_LYAP, NM_LYAP_BOUND, NM_RATE,
	NM_PATH_NORM, NM_PATH_PRODUCT, NM_PATH_BOUND, NM_PATH_CONTRIB, NM_PATH_GAP,
	NM_STEP_NORM, NM_DACT_MAX, NM_DACT_MIN, NM_DACT_MEAN, NM_DACT_SAT, NM_A_ABSMAX,
	NM_STEPS_MAX, NM_STEPS_MIN, NM_STEPS_GEOMEAN,
	NM_FD_DSDA, NM_FD_DADS, NM_FD_DSDS, NM_FD_DLDW, NM_FD_J, NM_FD_K, NM_FD_UNRESOLVED, NM_FD_AT_KINK,
	NM_TERMINAL,
	NM_ORTHO_NORM1, NM_ORTHO_LYAP, NM_ORTHO_RATE,
	NM_IDENT_NORM1, NM_IDENT_LYAP, NM_IDENT_RATE,
	NM_COUNT
} name_id;

static const struct {
	const char *name;
	int args;   /* ARG_K / ARG_J: takes k= or j= */
	int type;   /* V_NUM, V_INT, V_STR */
} names[NM_COUNT] = {
	[NM_ACT] = { "act", 0, V_STR },
	[NM_INIT] = { "init", 0, V_STR },
	[NM_VERSION] = { "version", 0, V_STR },
	[NM_DATE] = { "date", 0, V_STR },
	[NM_D] = { "d", 0, V_INT },
	[NM_N] = { "n", 0, V_INT },
	[NM_T] = { "T", 0, V_INT },
	[NM_SMALL_T] = { "t", 0, V_INT },
	[NM_K] = { "k", 0, V_INT },
	[NM_J] = { "j", 0, V_INT },
	[NM_SEED] = { "seed", 0, V_INT },
	[NM_PATHS] = { "paths", 0, V_INT },
	[NM_NORM_OPT] = { "norm", 0, V_NUM },
	[NM_INPUT_SCALE] = { "input_scale", 0, V_NUM },
	[NM_GAMMA] = { "gamma", 0, V_NUM },
	[NM_LAMBDA] = { "lambda", 0, V_NUM },
	[NM_GAMMA_LAMBDA] = { "gamma_lambda", 0, V_NUM },
	[NM_INV_GAMMA] = { "inv_gamma", 0, V_NUM },
	[NM_REGIME] = { "regime", 0, V_STR },
	[NM_LOSS] = { "loss", 0, V_NUM },
	[NM_GRAD_NORM] = { "grad_norm", 0, V_NUM },
	[NM_LYAP] = { "lyap", 0, V_NUM },
	[NM_LYAP_BOUND] = { "lyap_bound", 0, V_NUM },
	[NM_RATE] = { "rate", 0, V_NUM },
	[NM_PATH_NORM] = { "path.norm", ARG_K, V_NUM },
	[NM_PATH_PRODUCT] = { "path.product", ARG_K, V_NUM },
	[NM_PATH_BOUND] = { "path.bound", ARG_K, V_NUM },
	[NM_PATH_CONTRIB] = { "path.contribution", ARG_K, V_NUM },
	[NM_PATH_GAP] = { "path.gap", ARG_K, V_INT },
	[NM_STEP_NORM] = { "step.norm", ARG_J, V_NUM },
	[NM_DACT_MAX] = { "dact.max", ARG_J, V_NUM },
	[NM_DACT_MIN] = { "dact.min", ARG_J, V_NUM },
	[NM_DACT_MEAN] = { "dact.mean", ARG_J, V_NUM },
	[NM_DACT_SAT] = { "dact.saturated", ARG_J, V_INT },
	[NM_A_ABSMAX] = { "a.absmax", ARG_J, V_NUM },
	[NM_STEPS_MAX] = { "steps.max", 0, V_NUM },
	[NM_STEPS_MIN] = { "steps.min", 0, V_NUM },
	[NM_STEPS_GEOMEAN] = { "steps.geomean", 0, V_NUM },
	[NM_FD_DSDA] = { "fd.dsda", 0, V_NUM },
	[NM_FD_DADS] = { "fd.dads", 0, V_NUM },
	[NM_FD_DSDS] = { "fd.dsds", 0, V_NUM },
	[NM_FD_DLDW] = { "fd.dLdW", 0, V_NUM },
	[NM_FD_J] = { "fd.j", 0, V_INT },
	[NM_FD_K] = { "fd.k", 0, V_INT },
	[NM_FD_UNRESOLVED] = { "fd.unresolved", 0, V_INT },
	[NM_FD_AT_KINK] = { "fd.at_kink", 0, V_INT },
	[NM_TERMINAL] = { "terminal", 0, V_INT },
	[NM_ORTHO_NORM1] = { "ortho.norm1", 0, V_NUM },
	[NM_ORTHO_LYAP] = { "ortho.lyap", 0, V_NUM },
	[NM_ORTHO_RATE] = { "ortho.rate", 0, V_NUM },
	[NM_IDENT_NORM1] = { "identity.norm1", 0, V_NUM },
	[NM_IDENT_LYAP] = { "identity.lyap", 0, V_NUM },
	[NM_IDENT_RATE] = { "identity.rate", 0, V_NUM },
};

static const char *const funcs[] = { "min", "max", "abs", "log10", "ln", "exp", "sqrt",
                                     "floor", "ceil", NULL };

/* ================================================================ values */

typedef struct {
	int type;        /* V_NUM, V_INT, V_STR */
	const char *s;   /* V_STR */
	double v;        /* the value when fits */
	double l10;      /* log10 |x| when !fits */
	int fits;
	int neg;         /* sign when !fits */
} val;

static val vnum(double x)
{
	val r = { V_NUM, NULL, x, 0, 1, x < 0 };
	return r;
}

static val vint(double x)
{
	val r = vnum(x);
	r.type = V_INT;
	return r;
}

static val vstr(const char *s)
{
	val r = { V_STR, s, 0, 0, 1, 0 };
	return r;
}

/* A number known by its sign and log10 magnitude; a double when it fits. */
static val vl10(int neg, double l10)
{
	val r = { V_NUM, NULL, 0, l10, 0, neg };
	if (l10 == -INFINITY) {
		r.fits = 1;
		r.v = 0;
	} else if (l10 > -307 && l10 < 308) {
		r.fits = 1;
		r.v = (neg ? -1 : 1) * pow(10, l10);
	}
	return r;
}

static val vmag(vx_mag m)
{
	if (m.fits)
		return vnum(m.value);
	return vl10(0, m.log10);
}

static double L(val a)
{
	return a.fits ? (a.v == 0 ? -INFINITY : log10(fabs(a.v))) : a.l10;
}

static int NEG(val a)
{
	return a.fits ? a.v < 0 : a.neg;
}

static int normal_or_zero(double x)
{
	return isfinite(x) && (x == 0 || fabs(x) >= DBL_MIN);
}

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

typedef enum { N_TEXT, N_EXPR, N_IF, N_BLOCK } ntype;

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
	/* conditional */
	branch *br;
	size_t nbr;
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

/* ---------------------------------------------------------------- positions */

/* Line and column (1-based, counted in characters) of byte offset off. */
static void pos_of(const vxr_tpl *t, size_t off, int *line, int *col)
{
	int l = 1, c = 1;
	for (size_t i = 0; i < off && i < t->len; i++) {
		unsigned char ch = (unsigned char)t->text[i];
		if (ch == '\n') {
			l++;
			c = 1;
		} else if ((ch & 0xC0) != 0x80) {
			c++;
		}
	}
	*line = l;
	*col = c;
}

static vx_status fail_at(const vxr_tpl *t, size_t off, vx_error *err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static vx_status fail_at(const vxr_tpl *t, size_t off, vx_error *err, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	int line, col;
	pos_of(t, off, &line, &col);
	return vx_fail(err, VX_EFORMAT, "%s:%d:%d: %s", t->name, line, col, msg);
}

/* ---------------------------------------------------------------- freeing */

static void expr_free(expr *e)
{
	if (!e)
		return;
	expr_free(e->a);
	expr_free(e->b);
	free(e->str);
	free(e);
}

static void nlist_free(nlist *l);

static void node_free(node *n)
{
	if (!n)
		return;
	expr_free(n->e);
	expr_free(n->jexpr);
	expr_free(n->kexpr);
	for (size_t i = 0; i < n->nbr; i++) {
		expr_free(n->br[i].cond);
		nlist_free(&n->br[i].body);
	}
	free(n->br);
	free(n);
}

static void nlist_free(nlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		node_free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

void vxr_tpl_free(vxr_tpl *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nfm; i++) {
		free(t->fm[i].key);
		free(t->fm[i].value);
	}
	free(t->fm);
	nlist_free(&t->body);
	free(t->name);
	free(t->text);
	free(t);
}

static int nlist_push(nlist *l, node *n)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		node **v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = n;
	return 0;
}

/* ---------------------------------------------------------------- expression lexer */

typedef enum { TK_END, TK_NUM, TK_STR, TK_ID, TK_OP } tkind;

typedef struct {
	const vxr_tpl *t;
	const char *s;     /* the tag's inner text */
	size_t n;          /* its length */
	size_t base;       /* offset of s in the template */
	size_t i;          /* cursor */
	/* current token */
	tkind k;
	size_t ts, tl;     /* token start (relative to s) and length */
	double num;
	char op[3];
	vx_error *err;
	vx_status st;
	int depth;         /* nesting of ( - not: hostile input cannot exhaust the stack */
	int nodes;         /* size of the tree, which bounds its height too */
} lex;

enum { TPL_MAX_DEPTH = 64 };

static vx_status lex_fail(lex *x, size_t rel, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static vx_status lex_fail(lex *x, size_t rel, const char *fmt, ...)
{
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (x->st == VX_OK)
		x->st = fail_at(x->t, x->base + rel, x->err, "%s", msg);
	return x->st;
}

static int is_id_start(int c)
{
	return isalpha(c) || c == '_';
}

static int is_id_char(int c)
{
	return isalnum(c) || c == '_' || c == '.';
}

static void lex_next(lex *x)
{
	while (x->i < x->n && isspace((unsigned char)x->s[x->i]))
		x->i++;
	x->ts = x->i;
	x->tl = 0;
	if (x->i >= x->n) {
		x->k = TK_END;
		return;
	}
	unsigned char c = (unsigned char)x->s[x->i];
	if (isdigit(c) || (c == '.' && x->i + 1 < x->n && isdigit((unsigned char)x->s[x->i + 1]))) {
		char buf[64];
		size_t j = x->i, m = 0;
		while (j < x->n && m < sizeof buf - 1 &&
		       (isdigit((unsigned char)x->s[j]) || x->s[j] == '.' ||
		        ((x->s[j] == 'e' || x->s[j] == 'E') && j + 1 < x->n &&
		         (isdigit((unsigned char)x->s[j + 1]) || x->s[j + 1] == '-' || x->s[j + 1] == '+')) ||
		        ((x->s[j] == '-' || x->s[j] == '+') && j > x->i &&
		         (x->s[j - 1] == 'e' || x->s[j - 1] == 'E'))))
			buf[m++] = x->s[j++];
		buf[m] = '\0';
		char *end;
		x->num = strtod(buf, &end);
		if (*end != '\0' || !isfinite(x->num)) {
			lex_fail(x, x->i, "bad number '%s'", buf);
			x->k = TK_END;
			return;
		}
		x->k = TK_NUM;
		x->tl = j - x->i;
		x->i = j;
		return;
	}
	if (is_id_start(c)) {
		size_t j = x->i;
		while (j < x->n && is_id_char((unsigned char)x->s[j]))
			j++;
		x->k = TK_ID;
		x->tl = j - x->i;
		x->i = j;
		return;
	}
	if (c == '"') {
		size_t j = x->i + 1;
		while (j < x->n && x->s[j] != '"')
			j++;
		if (j >= x->n) {
			lex_fail(x, x->i, "unclosed string");
			x->k = TK_END;
			return;
		}
		x->k = TK_STR;
		x->tl = j + 1 - x->i;
		x->i = j + 1;
		return;
	}
	static const char *const ops2[] = { "<=", ">=", "==", "!=", NULL };
	for (int o = 0; ops2[o]; o++)
		if (x->i + 1 < x->n && x->s[x->i] == ops2[o][0] && x->s[x->i + 1] == ops2[o][1]) {
			x->k = TK_OP;
			memcpy(x->op, ops2[o], 3);
			x->tl = 2;
			x->i += 2;
			return;
		}
	if (strchr("+-*/^()<>,=:", c)) {
		x->k = TK_OP;
		x->op[0] = (char)c;
		x->op[1] = '\0';
		x->tl = 1;
		x->i++;
		return;
	}
	lex_fail(x, x->i, "unexpected character '%c' in expression", isprint(c) ? c : '?');
	x->k = TK_END;
}

static int is_op(const lex *x, const char *op)
{
	return x->k == TK_OP && strcmp(x->op, op) == 0;
}

static int is_kw(const lex *x, const char *kw)
{
	return x->k == TK_ID && x->tl == strlen(kw) && memcmp(x->s + x->ts, kw, x->tl) == 0;
}

static expr *mk(lex *x, eop op, size_t rel)
{
	if (++x->nodes > 4 * TPL_MAX_DEPTH) {
		lex_fail(x, rel, "expression longer than %d terms", 4 * TPL_MAX_DEPTH);
		return NULL;
	}
	expr *e = calloc(1, sizeof *e);
	if (!e && x->st == VX_OK)
		x->st = vx_fail(x->err, VX_ENOMEM, "out of memory parsing a template");
	if (e) {
		e->op = op;
		e->off = x->base + rel;
	}
	return e;
}

static expr *p_or(lex *x);

static int deeper(lex *x)
{
	if (++x->depth > TPL_MAX_DEPTH) {
		lex_fail(x, x->ts, "expression nested deeper than %d", TPL_MAX_DEPTH);
		return 0;
	}
	return 1;
}


static int find_name(const char *s, size_t n)
{
	for (int i = 0; i < NM_COUNT; i++)
		if (strlen(names[i].name) == n && memcmp(names[i].name, s, n) == 0)
			return i;
	return -1;
}

static int find_func(const char *s, size_t n)
{
	for (int i = 0; funcs[i]; i++)
		if (strlen(funcs[i]) == n && memcmp(funcs[i], s, n) == 0)
			return i;
	return -1;
}

/* primary := NUMBER | STRING | NAME [k=|j= primary] | FUNC ( expr [, expr] ) | ( expr ) */
static expr *p_primary(lex *x)
{
	if (x->st != VX_OK)
		return NULL;
	size_t at = x->ts;
	if (x->k == TK_NUM) {
		expr *e = mk(x, E_NUM, at);
		if (e)
			e->num = x->num;
		lex_next(x);
		return e;
	}
	if (x->k == TK_STR) {
		expr *e = mk(x, E_STR, at);
		if (e) {
			e->str = strndup(x->s + x->ts + 1, x->tl - 2);
			if (!e->str) {
				free(e);
				x->st = vx_fail(x->err, VX_ENOMEM, "out of memory");
				return NULL;
			}
		}
		lex_next(x);
		return e;
	}
	if (is_op(x, "(")) {
		if (!deeper(x))
			return NULL;
		lex_next(x);
		expr *e = p_or(x);
		x->depth--;
		if (x->st != VX_OK) {
			expr_free(e);
			return NULL;
		}
		if (!is_op(x, ")")) {
			expr_free(e);
			lex_fail(x, at, "unclosed (");
			return NULL;
		}
		lex_next(x);
		return e;
	}
	if (x->k == TK_ID) {
		const char *id = x->s + x->ts;
		size_t idl = x->tl;
		int f = find_func(id, idl);
		if (f >= 0 && x->i < x->n && x->s[x->i] == '(') {
			lex_next(x); /* ( */
			lex_next(x);
			expr *e = mk(x, E_FUNC, at);
			if (!e)
				return NULL;
			e->name = f;
			if (!deeper(x)) {
				expr_free(e);
				return NULL;
			}
			e->a = p_or(x);
			x->depth--;
			if (x->st == VX_OK && is_op(x, ",")) {
				lex_next(x);
				e->b = p_or(x);
			}
			if (x->st != VX_OK) {
				expr_free(e);
				return NULL;
			}
			int two = strcmp(funcs[f], "min") == 0 || strcmp(funcs[f], "max") == 0;
			if (two != (e->b != NULL)) {
				expr_free(e);
				lex_fail(x, at, "%s() takes %s", funcs[f], two ? "two arguments" : "one argument");
				return NULL;
			}
			if (!is_op(x, ")")) {
				expr_free(e);
				lex_fail(x, at, "unclosed ( after %s", funcs[f]);
				return NULL;
			}
			lex_next(x);
			return e;
		}
		int nm = find_name(id, idl);
		if (nm < 0) {
			lex_fail(x, at, "unknown name '%.*s'", (int)idl, id);
			return NULL;
		}
		expr *e = mk(x, E_NAME, at);
		if (!e)
			return NULL;
		e->name = nm;
		lex_next(x);
		/* k=… or j=… */
		while (x->st == VX_OK && x->k == TK_ID && x->i < x->n) {
			size_t save_i = x->i, ats = x->ts;
			size_t j = x->i;
			while (j < x->n && x->s[j] == ' ')
				j++;
			if (j >= x->n || x->s[j] != '=' || (j + 1 < x->n && x->s[j + 1] == '='))
				break;
			const char *an = x->s + x->ts;
			size_t anl = x->tl;
			int want = (anl == 1 && an[0] == 'k') ? ARG_K : (anl == 1 && an[0] == 'j') ? ARG_J : -1;
			if (want < 0 || names[nm].args != want) {
				if (names[nm].args == ARG_NONE)
					lex_fail(x, ats, "%s takes no argument", names[nm].name);
				else
					lex_fail(x, ats, "%s takes %s=…, not %.*s=", names[nm].name,
					         names[nm].args == ARG_K ? "k" : "j", (int)anl, an);
				expr_free(e);
				return NULL;
			}
			if (e->a) {
				lex_fail(x, ats, "%.*s= given twice", (int)anl, an);
				expr_free(e);
				return NULL;
			}
			(void)save_i;
			lex_next(x); /* = */
			lex_next(x);
			if (!deeper(x)) {
				expr_free(e);
				return NULL;
			}
			e->a = p_primary(x);
			x->depth--;
			if (!e->a) {
				if (x->st == VX_OK)
					lex_fail(x, ats, "a value is expected after %.*s=", (int)anl, an);
				expr_free(e);
				return NULL;
			}
		}
		return e;
	}
	if (x->k == TK_END)
		lex_fail(x, x->ts, "a value is expected");
	else
		lex_fail(x, x->ts, "unexpected '%.*s'", (int)x->tl, x->s + x->ts);
	return NULL;
}

static expr *p_unary(lex *x);

static expr *p_pow(lex *x)
{
	expr *a = p_primary(x);
	if (!a)
		return NULL;
	if (is_op(x, "^")) {
		size_t at = x->ts;
		if (!deeper(x)) {
			expr_free(a);
			return NULL;
		}
		lex_next(x);
		expr *b = p_unary(x);
		x->depth--;
		if (!b) {
			expr_free(a);
			return NULL;
		}
		expr *e = mk(x, E_POW, at);
		if (!e) {
			expr_free(a);
			expr_free(b);
			return NULL;
		}
		e->a = a;
		e->b = b;
		return e;
	}
	return a;
}

static expr *p_unary(lex *x)
{
	if (is_op(x, "-")) {
		if (!deeper(x))
			return NULL;
		size_t at = x->ts;
		lex_next(x);
		expr *a = p_unary(x);
		x->depth--;
		if (!a)
			return NULL;
		expr *e = mk(x, E_NEG, at);
		if (!e) {
			expr_free(a);
			return NULL;
		}
		e->a = a;
		return e;
	}
	return p_pow(x);
}

static expr *binary(lex *x, eop op, size_t at, expr *a, expr *b)
{
	if (!a || !b) {
		expr_free(a);
		expr_free(b);
		return NULL;
	}
	expr *e = mk(x, op, at);
	if (!e) {
		expr_free(a);
		expr_free(b);
		return NULL;
	}
	e->a = a;
	e->b = b;
	return e;
}

static expr *p_mul(lex *x)
{
	expr *a = p_unary(x);
	while (a && (is_op(x, "*") || is_op(x, "/"))) {
		eop op = is_op(x, "*") ? E_MUL : E_DIV;
		size_t at = x->ts;
		lex_next(x);
		a = binary(x, op, at, a, p_unary(x));
	}
	return a;
}

static expr *p_add(lex *x)
{
	expr *a = p_mul(x);
	while (a && (is_op(x, "+") || is_op(x, "-"))) {
		eop op = is_op(x, "+") ? E_ADD : E_SUB;
		size_t at = x->ts;
		lex_next(x);
		a = binary(x, op, at, a, p_mul(x));
	}
	return a;
}

static expr *p_cmp(lex *x)
{
	expr *a = p_add(x);
	static const struct { const char *op; eop e; } cmps[] = {
		{ "<", E_LT }, { "<=", E_LE }, { ">", E_GT }, { ">=", E_GE }, { "==", E_EQ }, { "!=", E_NE }
	};
	for (size_t i = 0; a && i < sizeof cmps / sizeof cmps[0]; i++)
		if (is_op(x, cmps[i].op)) {
			size_t at = x->ts;
			lex_next(x);
			return binary(x, cmps[i].e, at, a, p_add(x));
		}
	if (a && is_op(x, "=")) {
		lex_fail(x, x->ts, "'=' is not a comparison: write '=='");
		expr_free(a);
		return NULL;
	}
	return a;
}

static expr *p_not(lex *x)
{
	if (is_kw(x, "not")) {
		size_t at = x->ts;
		if (!deeper(x))
			return NULL;
		lex_next(x);
		expr *a = p_not(x);
		x->depth--;
		if (!a)
			return NULL;
		expr *e = mk(x, E_NOT, at);
		if (!e) {
			expr_free(a);
			return NULL;
		}
		e->a = a;
		return e;
	}
	return p_cmp(x);
}

static expr *p_and(lex *x)
{
	expr *a = p_not(x);
	while (a && is_kw(x, "and")) {
		size_t at = x->ts;
		lex_next(x);
		a = binary(x, E_AND, at, a, p_not(x));
	}
	return a;
}

static expr *p_or(lex *x)
{
	expr *a = p_and(x);
	while (a && is_kw(x, "or")) {
		size_t at = x->ts;
		lex_next(x);
		a = binary(x, E_OR, at, a, p_and(x));
	}
	return a;
}

/* ---------------------------------------------------------------- formats */

/* Parses a format: "" | .N | sci | .Nsci | int | full.  0 or -1. */
static int parse_format(const char *s, size_t n, fspec *f)
{
	memset(f, 0, sizeof *f);
	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	f->given = 1;
	if (n == 3 && memcmp(s, "int", 3) == 0) {
		f->isint = 1;
		return 0;
	}
	if (n == 4 && memcmp(s, "full", 4) == 0) {
		f->sig = 17;
		return 0;
	}
	size_t i = 0;
	if (i < n && s[i] == '.') {
		i++;
		int sig = 0, digits = 0;
		while (i < n && isdigit((unsigned char)s[i]) && digits < 3) {
			sig = sig * 10 + (s[i] - '0');
			i++;
			digits++;
		}
		if (!digits || sig < 1 || sig > 17)
			return -1;
		f->sig = sig;
	}
	if (i == n)
		return i > 0 ? 0 : -1;
	if (n - i == 3 && memcmp(s + i, "sci", 3) == 0) {
		f->kind = 1;
		return 0;
	}
	return -1;
}

/* ---------------------------------------------------------------- the body */

typedef struct {
	vxr_tpl *t;
	size_t i;           /* cursor in t->text */
	vx_error *err;
	vx_status st;
	int depth;          /* nesting of {{#if}} */
} parser;

typedef enum { STOP_EOF, STOP_ELSE, STOP_ELSEIF, STOP_ENDIF } stop;

static node *new_node(parser *p, ntype type, size_t off)
{
	node *n = calloc(1, sizeof *n);
	if (!n) {
		p->st = vx_fail(p->err, VX_ENOMEM, "out of memory parsing a template");
		return NULL;
	}
	n->type = type;
	n->off = off;
	return n;
}

static int push_text(parser *p, nlist *l, size_t start, size_t len)
{
	if (len == 0)
		return 0;
	node *n = new_node(p, N_TEXT, start);
	if (!n)
		return -1;
	n->tstart = start;
	n->tlen = len;
	if (nlist_push(l, n) < 0) {
		free(n);
		p->st = vx_fail(p->err, VX_ENOMEM, "out of memory parsing a template");
		return -1;
	}
	return 0;
}

/* Parses one expression from the tag text [s, s+n) at template offset base.
 * *rest receives the offset (relative) of what follows the expression. */
static expr *parse_expr(parser *p, const char *s, size_t n, size_t base, size_t *rest)
{
	lex x = { p->t, s, n, base, 0, TK_END, 0, 0, 0, "", p->err, VX_OK, 0, 0 };
	lex_next(&x);
	expr *e = x.st == VX_OK ? p_or(&x) : NULL;
	if (x.st != VX_OK) {
		expr_free(e);
		p->st = x.st;
		return NULL;
	}
	*rest = x.ts;
	return e;
}

static const char *const matrix_names[] = { "W", "D", "dact", "J", "fd_dads", "fd_dsda", "grad",
                                            "dsds", NULL };

/* {{table paths|steps|inits [rows=N]}}, {{matrix A [B] [j=…] [k=…] [size=N]}},
 * {{plot norms|dact|contrib [j=…]}}, {{record}} */
static node *parse_block(parser *p, const char *s, size_t n, size_t base, size_t tagoff)
{
	node *nd = new_node(p, N_BLOCK, tagoff);
	if (!nd)
		return NULL;
	nd->blk.kind = VXR_OBJ_BLOCK;
	size_t i = 0;
	char words[8][32];
	size_t woff[8];
	int nw = 0;
	while (i < n) {
		while (i < n && isspace((unsigned char)s[i]))
			i++;
		if (i >= n)
			break;
		size_t st = i;
		while (i < n && !isspace((unsigned char)s[i]) && s[i] != '=')
			i++;
		if (i < n && s[i] == '=') {
			/* key=value: the value is an expression primary up to the next space
			 * (or a parenthesised group) */
			size_t kl = i - st;
			i++;
			size_t vs = i;
			int depth = 0;
			while (i < n && (depth > 0 || !isspace((unsigned char)s[i]))) {
				if (s[i] == '(')
					depth++;
				else if (s[i] == ')')
					depth--;
				i++;
			}
			char key[16];
			if (kl == 0 || kl >= sizeof key) {
				fail_at(p->t, base + st, p->err, "bad block argument");
				goto bad;
			}
			memcpy(key, s + st, kl);
			key[kl] = '\0';
			if (vs == i) {
				fail_at(p->t, base + st, p->err, "a value is expected after %s=", key);
				goto bad;
			}
			if (strcmp(key, "j") == 0 || strcmp(key, "k") == 0) {
				expr **slot = key[0] == 'j' ? &nd->jexpr : &nd->kexpr;
				if (*slot) {
					fail_at(p->t, base + st, p->err, "%s= given twice", key);
					goto bad;
				}
				size_t rest;
				*slot = parse_expr(p, s + vs, i - vs, base + vs, &rest);
				if (!*slot)
					goto bad;
				if (rest != i - vs) {
					fail_at(p->t, base + vs + rest, p->err,
					        "unexpected text after %s=… (use parentheses: %s=(t-1))", key, key);
					goto bad;
				}
			} else if (strcmp(key, "rows") == 0 || strcmp(key, "size") == 0) {
				char *end;
				char num[16];
				size_t vl = i - vs < sizeof num - 1 ? i - vs : sizeof num - 1;
				memcpy(num, s + vs, vl);
				num[vl] = '\0';
				long v = strtol(num, &end, 10);
				long lo = key[0] == 'r' ? 3 : 3, hi = key[0] == 'r' ? 1000 : 40;
				if (*end || end == num || v < lo || v > hi) {
					fail_at(p->t, base + vs, p->err, "%s= expects a whole number in %ld..%ld, got '%s'",
					        key, lo, hi, num);
					goto bad;
				}
				if (key[0] == 'r')
					nd->blk.rows = (size_t)v;
				else
					nd->blk.size = (size_t)v;
			} else {
				fail_at(p->t, base + st, p->err, "unknown block argument '%s' (accepted: j= k= rows= size=)", key);
				goto bad;
			}
			continue;
		}
		if (nw == 8 || i - st >= sizeof words[0]) {
			fail_at(p->t, base + st, p->err, "too many or too long words in a block tag");
			goto bad;
		}
		memcpy(words[nw], s + st, i - st);
		words[nw][i - st] = '\0';
		woff[nw] = st;
		nw++;
	}
	/* words[0] is the block keyword */
	const char *kw = words[0];
	int has_rows = nd->blk.rows != 0, has_size = nd->blk.size != 0;
	int has_j = nd->jexpr != NULL, has_k = nd->kexpr != NULL;
	if (strcmp(kw, "table") == 0) {
		if (nw != 2) {
			fail_at(p->t, base + woff[0], p->err, "{{table}} needs one of: paths, steps, inits");
			goto bad;
		}
		if (strcmp(words[1], "paths") == 0)
			nd->blk.blk = VXR_BLK_TABLE_PATHS;
		else if (strcmp(words[1], "steps") == 0)
			nd->blk.blk = VXR_BLK_TABLE_STEPS;
		else if (strcmp(words[1], "inits") == 0)
			nd->blk.blk = VXR_BLK_TABLE_INITS;
		else {
			fail_at(p->t, base + woff[1], p->err, "unknown table '%s' (accepted: paths, steps, inits)", words[1]);
			goto bad;
		}
		if (has_j || has_k || has_size) {
			fail_at(p->t, tagoff, p->err, "{{table}} accepts only rows=");
			goto bad;
		}
	} else if (strcmp(kw, "matrix") == 0) {
		if (nw < 2 || nw > 3) {
			fail_at(p->t, base + woff[0], p->err, "{{matrix}} needs one or two names (W, D, dact, J, fd_dads, fd_dsda, grad, dsds)");
			goto bad;
		}
		for (int w = 1; w < nw; w++) {
			int ok = 0;
			for (int m = 0; matrix_names[m]; m++)
				ok |= strcmp(words[w], matrix_names[m]) == 0;
			if (!ok) {
				fail_at(p->t, base + woff[w], p->err,
				        "unknown matrix '%s' (accepted: W, D, dact, J, fd_dads, fd_dsda, grad, dsds)", words[w]);
				goto bad;
			}
			snprintf(nd->blk.mat[w - 1], sizeof nd->blk.mat[0], "%s", words[w]);
		}
		nd->blk.blk = VXR_BLK_MATRIX;
		if (has_rows) {
			fail_at(p->t, tagoff, p->err, "{{matrix}} accepts j= k= size=, not rows=");
			goto bad;
		}
	} else if (strcmp(kw, "plot") == 0) {
		if (nw != 2) {
			fail_at(p->t, base + woff[0], p->err, "{{plot}} needs one of: norms, dact, contrib");
			goto bad;
		}
		if (strcmp(words[1], "norms") == 0)
			nd->blk.blk = VXR_BLK_PLOT_NORMS;
		else if (strcmp(words[1], "dact") == 0)
			nd->blk.blk = VXR_BLK_PLOT_DACT;
		else if (strcmp(words[1], "contrib") == 0)
			nd->blk.blk = VXR_BLK_PLOT_CONTRIB;
		else {
			fail_at(p->t, base + woff[1], p->err, "unknown plot '%s' (accepted: norms, dact, contrib)", words[1]);
			goto bad;
		}
		if (has_rows || has_size || has_k || (has_j && nd->blk.blk != VXR_BLK_PLOT_DACT)) {
			fail_at(p->t, tagoff, p->err, "{{plot}} accepts only j= (for dact)");
			goto bad;
		}
	} else if (strcmp(kw, "record") == 0) {
		if (nw != 1 || has_rows || has_size || has_j || has_k) {
			fail_at(p->t, tagoff, p->err, "{{record}} takes no argument");
			goto bad;
		}
		nd->blk.blk = VXR_BLK_RECORD;
	}
	return nd;
bad:
	p->st = VX_EFORMAT;
	node_free(nd);
	return NULL;
}

static int is_block_word(const char *s, size_t n)
{
	static const char *const kws[] = { "table", "matrix", "plot", "record", NULL };
	size_t w = 0;
	while (w < n && isalpha((unsigned char)s[w]))
		w++;
	if (w < n && !isspace((unsigned char)s[w]))
		return 0;
	for (int i = 0; kws[i]; i++)
		if (strlen(kws[i]) == w && memcmp(kws[i], s, w) == 0)
			return 1;
	return 0;
}

/* Parses nodes into l until {{else}}, {{else if}}, {{/if}} or the end.
 * For a stop at a tag, *tagoff is the tag's offset and *cond the else-if's
 * condition. */
static stop parse_list(parser *p, nlist *l, size_t *tagoff, expr **cond)
{
	vxr_tpl *t = p->t;
	const char *s = t->text;
	size_t seg = p->i;
	while (p->st == VX_OK) {
		size_t i = p->i;
		while (i < t->len && !(s[i] == '{' && i + 1 < t->len && s[i + 1] == '{'))
			i++;
		if (i >= t->len) {
			push_text(p, l, seg, t->len - seg);
			p->i = t->len;
			return STOP_EOF;
		}
		if (i > 0 && s[i - 1] == '\\') {
			/* \{{ is a literal "{{" */
			if (push_text(p, l, seg, i - 1 - seg) < 0 || push_text(p, l, i, 2) < 0)
				return STOP_EOF;
			p->i = seg = i + 2;
			continue;
		}
		size_t tag = i;
		size_t close = tag + 2;
		while (close + 1 < t->len && !(s[close] == '}' && s[close + 1] == '}'))
			close++;
		if (close + 1 >= t->len) {
			p->st = fail_at(t, tag, p->err, "unclosed {{ (no matching }})");
			return STOP_EOF;
		}
		size_t in = tag + 2, inl = close - in;
		while (inl && isspace((unsigned char)s[in]))
			in++, inl--;
		while (inl && isspace((unsigned char)s[in + inl - 1]))
			inl--;
		size_t after = close + 2;
		const char *ins = s + in;
		int control = inl > 0 && (ins[0] == '#' || ins[0] == '/' || ins[0] == '!' ||
		                          (inl >= 4 && memcmp(ins, "else", 4) == 0 &&
		                           (inl == 4 || isspace((unsigned char)ins[4]))));
		/* A control tag alone on its line takes the line with it, so that
		 * conditionals do not leave blank lines that would split paragraphs. */
		size_t text_end = tag;
		if (control) {
			size_t ls = tag;
			while (ls > seg && (s[ls - 1] == ' ' || s[ls - 1] == '\t'))
				ls--;
			int at_line_start = ls == 0 || s[ls - 1] == '\n';
			size_t le = after;
			while (le < t->len && (s[le] == ' ' || s[le] == '\t'))
				le++;
			int at_line_end = le >= t->len || s[le] == '\n';
			if (at_line_start && at_line_end && ls >= seg) {
				text_end = ls;
				after = le < t->len ? le + 1 : le;
			}
		}
		if (push_text(p, l, seg, text_end - seg) < 0)
			return STOP_EOF;
		p->i = seg = after;
		if (inl == 0) {
			p->st = fail_at(t, tag, p->err, "empty {{}}");
			return STOP_EOF;
		}
		if (ins[0] == '!')
			continue;
		if (ins[0] == '#') {
			if (inl >= 3 && memcmp(ins, "#if", 3) == 0 && (inl == 3 || isspace((unsigned char)ins[3]))) {
				node *n = new_node(p, N_IF, tag);
				if (!n)
					return STOP_EOF;
				if (nlist_push(l, n) < 0) {
					free(n);
					p->st = vx_fail(p->err, VX_ENOMEM, "out of memory parsing a template");
					return STOP_EOF;
				}
				size_t rest;
				if (inl == 3) {
					p->st = fail_at(t, tag, p->err, "{{#if}} needs a condition");
					return STOP_EOF;
				}
				expr *c = parse_expr(p, ins + 3, inl - 3, in + 3, &rest);
				if (!c)
					return STOP_EOF;
				if (rest != inl - 3) {
					expr_free(c);
					p->st = fail_at(t, in + 3 + rest, p->err, "unexpected text in condition");
					return STOP_EOF;
				}
				int had_else = 0;
				if (++p->depth > TPL_MAX_DEPTH) {
					expr_free(c);
					p->st = fail_at(t, tag, p->err, "{{#if}} nested deeper than %d", TPL_MAX_DEPTH);
					return STOP_EOF;
				}
				for (;;) {
					branch *nb = realloc(n->br, (n->nbr + 1) * sizeof *nb);
					if (!nb) {
						expr_free(c);
						p->st = vx_fail(p->err, VX_ENOMEM, "out of memory parsing a template");
						return STOP_EOF;
					}
					n->br = nb;
					n->br[n->nbr].cond = c;
					memset(&n->br[n->nbr].body, 0, sizeof(nlist));
					n->nbr++;
					size_t stoff = 0;
					expr *next = NULL;
					stop sp = parse_list(p, &n->br[n->nbr - 1].body, &stoff, &next);
					if (p->st != VX_OK) {
						expr_free(next);
						return STOP_EOF;
					}
					if (sp == STOP_EOF) {
						p->st = fail_at(t, tag, p->err, "unclosed {{#if}} (no {{/if}})");
						return STOP_EOF;
					}
					if (sp == STOP_ENDIF)
						break;
					if (had_else) {
						expr_free(next);
						p->st = fail_at(t, stoff, p->err, "{{else}} after the final {{else}} of this {{#if}}");
						return STOP_EOF;
					}
					if (sp == STOP_ELSE) {
						had_else = 1;
						c = NULL;
					} else {
						c = next;
					}
				}
				p->depth--;
				seg = p->i;
				continue;
			}
			size_t w = 1;
			while (w < inl && !isspace((unsigned char)ins[w]))
				w++;
			p->st = fail_at(t, tag, p->err, "unknown block '%.*s' (accepted: #if)", (int)w, ins);
			return STOP_EOF;
		}
		if (ins[0] == '/') {
			if (inl == 3 && memcmp(ins, "/if", 3) == 0) {
				*tagoff = tag;
				return STOP_ENDIF;
			}
			p->st = fail_at(t, tag, p->err, "unknown closing tag '%.*s' (accepted: /if)", (int)inl, ins);
			return STOP_EOF;
		}
		if (inl >= 4 && memcmp(ins, "else", 4) == 0 && (inl == 4 || isspace((unsigned char)ins[4]))) {
			*tagoff = tag;
			if (inl == 4)
				return STOP_ELSE;
			size_t k = 4;
			while (k < inl && isspace((unsigned char)ins[k]))
				k++;
			if (inl - k >= 2 && memcmp(ins + k, "if", 2) == 0 &&
			    (inl - k == 2 || isspace((unsigned char)ins[k + 2]))) {
				size_t rest;
				if (inl - k == 2) {
					p->st = fail_at(t, tag, p->err, "{{else if}} needs a condition");
					return STOP_EOF;
				}
				expr *c = parse_expr(p, ins + k + 2, inl - k - 2, in + k + 2, &rest);
				if (!c)
					return STOP_EOF;
				if (rest != inl - k - 2) {
					expr_free(c);
					p->st = fail_at(t, in + k + 2 + rest, p->err, "unexpected text in condition");
					return STOP_EOF;
				}
				*cond = c;
				return STOP_ELSEIF;
			}
			p->st = fail_at(t, in + k, p->err, "expected {{else}} or {{else if CONDITION}}");
			return STOP_EOF;
		}
		if (is_block_word(ins, inl)) {
			node *n = parse_block(p, ins, inl, in, tag);
			if (!n)
				return STOP_EOF;
			if (nlist_push(l, n) < 0) {
				node_free(n);
				p->st = vx_fail(p->err, VX_ENOMEM, "out of memory parsing a template");
				return STOP_EOF;
			}
			continue;
		}
		/* a placeholder: EXPR [: FORMAT] */
		size_t rest;
		expr *e = parse_expr(p, ins, inl, in, &rest);
		if (!e)
			return STOP_EOF;
		node *n = new_node(p, N_EXPR, tag);
		if (!n) {
			expr_free(e);
			return STOP_EOF;
		}
		n->e = e;
		if (rest < inl) {
			if (ins[rest] != ':') {
				node_free(n);
				p->st = fail_at(t, in + rest, p->err, "unexpected '%.*s' after the value (a format starts with ':')",
				                (int)(inl - rest), ins + rest);
				return STOP_EOF;
			}
			if (parse_format(ins + rest + 1, inl - rest - 1, &n->fmt) < 0) {
				node_free(n);
				p->st = fail_at(t, in + rest + 1, p->err,
				                "bad format '%.*s' (accepted: .N with N in 1..17, sci, .Nsci, int, full)",
				                (int)(inl - rest - 1), ins + rest + 1);
				return STOP_EOF;
			}
			if (e->op == E_STR || (e->op == E_NAME && names[e->name].type == V_STR)) {
				node_free(n);
				p->st = fail_at(t, in + rest + 1, p->err, "a format applies to numbers, not to text");
				return STOP_EOF;
			}
		}
		if (nlist_push(l, n) < 0) {
			node_free(n);
			p->st = vx_fail(p->err, VX_ENOMEM, "out of memory parsing a template");
			return STOP_EOF;
		}
	}
	return STOP_EOF;
}

/* ---------------------------------------------------------------- front matter */

static const char *const fm_extra[] = { "title", "j", "k", NULL };

static vx_status parse_front_matter(vxr_tpl *t, size_t *body, vx_error *err)
{
	const char *s = t->text;
	*body = 0;
	if (!(t->len >= 4 && memcmp(s, "---", 3) == 0 && (s[3] == '\n' || (s[3] == '\r' && t->len > 4 && s[4] == '\n'))))
		return VX_OK;
	size_t i = s[3] == '\n' ? 4 : 5;
	for (;;) {
		if (i >= t->len)
			return fail_at(t, 0, err, "unclosed front matter (no closing ---)");
		size_t ls = i, le = i;
		while (le < t->len && s[le] != '\n')
			le++;
		size_t next = le < t->len ? le + 1 : le;
		size_t e = le;
		if (e > ls && s[e - 1] == '\r')
			e--;
		if (e - ls == 3 && memcmp(s + ls, "---", 3) == 0) {
			*body = next;
			return VX_OK;
		}
		size_t a = ls;
		while (a < e && (s[a] == ' ' || s[a] == '\t'))
			a++;
		if (a == e || s[a] == '#') {
			i = next;
			continue;
		}
		size_t colon = a;
		while (colon < e && s[colon] != ':')
			colon++;
		if (colon == e)
			return fail_at(t, a, err, "front matter: expected 'key: value'");
		size_t ke = colon;
		while (ke > a && (s[ke - 1] == ' ' || s[ke - 1] == '\t'))
			ke--;
		size_t vs = colon + 1;
		while (vs < e && (s[vs] == ' ' || s[vs] == '\t'))
			vs++;
		size_t ve = e;
		while (ve > vs && (s[ve - 1] == ' ' || s[ve - 1] == '\t'))
			ve--;
		char *key = strndup(s + a, ke - a);
		char *value = strndup(s + vs, ve - vs);
		fm_entry *nf = realloc(t->fm, (t->nfm + 1) * sizeof *nf);
		if (!key || !value || !nf) {
			free(key);
			free(value);
			if (nf)
				t->fm = nf;
			return vx_fail(err, VX_ENOMEM, "out of memory parsing a template");
		}
		t->fm = nf;
		t->fm[t->nfm++] = (fm_entry){ key, value, a, vs };
		/* quoted values lose their quotes */
		size_t vl = strlen(value);
		if (vl >= 2 && ((value[0] == '"' && value[vl - 1] == '"') || (value[0] == '\'' && value[vl - 1] == '\''))) {
			memmove(value, value + 1, vl - 2);
			value[vl - 2] = '\0';
			t->fm[t->nfm - 1].voff++;
		}
		int known = vx_params_is_option(key);
		for (int x = 0; fm_extra[x]; x++)
			known |= strcmp(key, fm_extra[x]) == 0;
		if (!known)
			return fail_at(t, a, err,
			               "front matter: unknown key '%s' (accepted: the model options act, hidden, inputs, "
			               "steps, t, norm, init, weights, model, input-scale, seed; and title, j, k)", key);
		/* as on the command line, each key once: the first would win unseen */
		for (size_t x = 0; x + 1 < t->nfm; x++)
			if (strcmp(t->fm[x].key, key) == 0)
				return fail_at(t, a, err, "front matter: '%s' given twice", key);
		if (strcmp(key, "j") == 0 || strcmp(key, "k") == 0) {
			char *end;
			long v = strtol(value, &end, 10);
			if (*end || end == value || v < 1)
				return fail_at(t, vs, err, "front matter: %s expects a whole number >= 1, got '%s'", key, value);
		} else if (strcmp(key, "title") != 0) {
			vx_params scratch;
			vx_error e2;
			vx_params_default(&scratch);
			if (vx_params_set(&scratch, key, value, &e2) != VX_OK)
				return fail_at(t, vs, err, "front matter: %s", e2.msg);
		}
		i = next;
	}
}

vx_status vxr_tpl_parse(const char *name, const char *text, size_t len, vxr_tpl **out, vx_error *err)
{
	*out = NULL;
	vxr_tpl *t = calloc(1, sizeof *t);
	if (!t)
		return vx_fail(err, VX_ENOMEM, "out of memory parsing %s", name);
	t->name = strdup(name ? name : "template");
	t->text = malloc(len + 1);
	if (!t->name || !t->text) {
		vxr_tpl_free(t);
		return vx_fail(err, VX_ENOMEM, "out of memory parsing %s", name);
	}
	memcpy(t->text, text, len);
	t->text[len] = '\0';
	t->len = len;
	if (memchr(text, '\0', len)) {
		vx_status st = fail_at(t, (size_t)((const char *)memchr(text, '\0', len) - text), err,
		                       "a NUL byte in a template");
		vxr_tpl_free(t);
		return st;
	}
	size_t body;
	vx_status st = parse_front_matter(t, &body, err);
	if (st != VX_OK) {
		vxr_tpl_free(t);
		return st;
	}
	parser p = { t, body, err, VX_OK, 0 };
	size_t tagoff = 0;
	expr *cond = NULL;
	stop sp = parse_list(&p, &t->body, &tagoff, &cond);
	expr_free(cond);
	if (p.st == VX_OK && sp != STOP_EOF)
		p.st = fail_at(t, tagoff, err, sp == STOP_ENDIF ? "{{/if}} without {{#if}}" : "{{else}} without {{#if}}");
	if (p.st != VX_OK) {
		vxr_tpl_free(t);
		return p.st;
	}
	*out = t;
	return VX_OK;
}

const char *vxr_tpl_title(const vxr_tpl *t)
{
	for (size_t i = 0; t && i < t->nfm; i++)
		if (strcmp(t->fm[i].key, "title") == 0)
			return t->fm[i].value;
	return NULL;
}

static const struct { const char *name; unsigned bit; } opt_bits[] = {
	{ "act", VX_SET_ACT }, { "hidden", VX_SET_HIDDEN }, { "inputs", VX_SET_INPUTS },
	{ "steps", VX_SET_STEPS }, { "t", VX_SET_T }, { "norm", VX_SET_NORM },
	{ "init", VX_SET_INIT }, { "weights", VX_SET_WEIGHTS }, { "model", VX_SET_MODEL },
	{ "input-scale", VX_SET_INPUT_SCALE }, { "seed", VX_SET_SEED }, { NULL, 0 }
};

vx_status vxr_tpl_apply_defaults(const vxr_tpl *t, vx_params *p, size_t *j, size_t *k, vx_error *err)
{
	/* A weights or model file given on the command line replaces the
	 * template's network altogether: the front matter's own file and every
	 * option that file makes meaningless are left out. */
	int cli_file = p->weights[0] || p->model[0];
	for (size_t i = 0; i < t->nfm; i++) {
		const fm_entry *f = &t->fm[i];
		if (strcmp(f->key, "title") == 0)
			continue;
		if (strcmp(f->key, "j") == 0 || strcmp(f->key, "k") == 0) {
			size_t *dst = f->key[0] == 'j' ? j : k;
			if (dst && *dst == 0)
				*dst = (size_t)strtoul(f->value, NULL, 10);
			continue;
		}
		unsigned bit = 0;
		for (int b = 0; opt_bits[b].name; b++)
			if (strcmp(opt_bits[b].name, f->key) == 0)
				bit = opt_bits[b].bit;
		if (bit && (p->set & bit))
			continue;   /* the command line wins */
		vx_params before = *p;
		vx_error e2;
		if (vx_params_set(p, f->key, f->value, &e2) != VX_OK)
			return fail_at(t, f->voff, err, "front matter: %s", e2.msg);
		if (vx_params_conflicts(p, &e2) != VX_OK) {
			*p = before;
			if (!cli_file)   /* the template's own entries disagree */
				return fail_at(t, f->voff, err, "front matter: %s", e2.msg);
		}
	}
	return VX_OK;
}

/* ================================================================ environment */

struct vxr_env {
	const vxr_ctx *ctx;
	int terminal;
	int fd_done;
	vx_status fd_st;
	vx_fdcheck fd;
	vx_error fd_err;
	int alt_done[2];
	vx_status alt_st[2];
	vx_result *alt[2];
	vx_error alt_err[2];
};

/* What identifies one analysis: the tutor lays out one step at a time, each
 * with a fresh environment, and the finite-difference check and the
 * alternative networks cost far more than the text.  The extras of the last
 * environment are kept (one slot, not thread-safe) and adopted by the next
 * one whose analysis has the same fingerprint. */
typedef struct {
	const void *model, *result;
	size_t t, d, T;
	int act;
	double v[7];
} fingerprint;

static void fingerprint_of(const vxr_ctx *c, fingerprint *f)
{
	memset(f, 0, sizeof *f);
	const vx_result *r = c->result;
	f->model = c->model;
	f->result = r;
	f->t = r->t;
	f->d = r->d;
	f->T = r->T;
	f->act = (int)c->model->act;
	f->v[0] = r->lambda;
	f->v[1] = r->loss.log10;
	f->v[2] = r->grad_norm.log10;
	f->v[3] = r->lyap_max;
	f->v[4] = gsl_matrix_get(r->a, 0, 0);
	f->v[5] = gsl_matrix_get(r->a, r->T - 1, r->d - 1);
	f->v[6] = gsl_matrix_get(c->model->W, c->model->d - 1, 0);
}

static struct {
	int valid;
	fingerprint key;
	vxr_env extras;   /* ctx unused */
} kept;

static void extras_free(vxr_env *e)
{
	vx_result_free(e->alt[0]);
	vx_result_free(e->alt[1]);
	e->alt[0] = e->alt[1] = NULL;
}

void vxr_cache_clear(void)
{
	if (kept.valid)
		extras_free(&kept.extras);
	memset(&kept, 0, sizeof kept);
}

vxr_env *vxr_env_new(const vxr_ctx *ctx)
{
	vxr_env *e = calloc(1, sizeof *e);
	if (!e)
		return NULL;
	e->ctx = ctx;
	fingerprint f;
	fingerprint_of(ctx, &f);
	if (kept.valid && memcmp(&f, &kept.key, sizeof f) == 0) {
		*e = kept.extras;
		e->ctx = ctx;
		e->terminal = 0;
		memset(&kept, 0, sizeof kept);
	}
	return e;
}

void vxr_env_free(vxr_env *e)
{
	if (!e)
		return;
	if (e->fd_done || e->alt_done[0] || e->alt_done[1]) {
		vxr_cache_clear();
		kept.valid = 1;
		fingerprint_of(e->ctx, &kept.key);
		kept.extras = *e;
		kept.extras.ctx = NULL;
	} else {
		extras_free(e);
	}
	free(e);
}

void vxr_env_set_terminal(vxr_env *e, int terminal)
{
	e->terminal = terminal;
}

const vxr_ctx *vxr_env_ctx(const vxr_env *e)
{
	return e->ctx;
}

const vx_fdcheck *vxr_env_fd(vxr_env *e, vx_error *err)
{
	if (!e->fd_done) {
		e->fd_done = 1;
		e->fd_st = vx_fd_check(e->ctx->model, e->ctx->result, &e->fd);
		if (e->fd_st != VX_OK)
			vx_fail(&e->fd_err, e->fd_st, "finite-difference check failed: %s", vx_strerror(e->fd_st));
	}
	if (e->fd_st != VX_OK) {
		if (err)
			*err = e->fd_err;
		return NULL;
	}
	return &e->fd;
}

/* This network with W replaced by an orthogonal (which = 0) or the identity
 * (which = 1) matrix of spectral norm 1: same inputs, same activation. */
static vx_status build_alt(const vxr_ctx *c, int which, vx_result **out, vx_error *err)
{
	vx_model *m = vx_model_clone(c->model);
	if (!m)
		return vx_fail(err, VX_ENOMEM, "out of memory");
	vx_status st = VX_OK;
	if (which == 1) {
		gsl_matrix_set_identity(m->W);
	} else {
		vx_params p = *c->params;
		p.weights[0] = '\0';
		p.model[0] = '\0';
		p.set &= ~(unsigned)(VX_SET_WEIGHTS | VX_SET_MODEL);
		p.init = VX_INIT_ORTHOGONAL;
		p.norm = 1;
		p.hidden = c->model->d;
		p.inputs = c->model->n;
		p.steps = c->model->T;
		vx_model *q = NULL;
		st = vx_model_build(&p, &q, err);
		if (st == VX_OK)
			gsl_matrix_memcpy(m->W, q->W);
		vx_model_free(q);
	}
	if (st == VX_OK)
		st = vx_analyse(m, c->result->t, &c->result->exec, out, err);
	vx_model_free(m);
	return st;
}

const vx_result *vxr_env_alt(vxr_env *e, int which, vx_error *err)
{
	if (!e->alt_done[which]) {
		e->alt_done[which] = 1;
		e->alt_st[which] = build_alt(e->ctx, which, &e->alt[which], &e->alt_err[which]);
	}
	if (e->alt_st[which] != VX_OK) {
		if (err)
			*err = e->alt_err[which];
		return NULL;
	}
	return e->alt[which];
}

/* ================================================================ evaluation */

typedef struct {
	const vxr_tpl *t;
	vxr_env *env;
	vx_error *err;
	vx_status st;
} evalr;

static val eval(evalr *ev, const expr *e);

static vx_status ev_fail(evalr *ev, size_t off, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static vx_status ev_fail(evalr *ev, size_t off, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (ev->st == VX_OK)
		ev->st = fail_at(ev->t, off, ev->err, "%s", msg);
	return ev->st;
}

/* Evaluates an index argument (k= or j=) to a whole number in lo..hi. */
static size_t eval_index(evalr *ev, const expr *a, size_t dflt, size_t lo, size_t hi, const char *what,
                         const char *range)
{
	if (!a)
		return dflt;
	val v = eval(ev, a);
	if (ev->st != VX_OK)
		return 0;
	if (v.type == V_STR || !v.fits || v.v != floor(v.v) || v.v < (double)lo || v.v > (double)hi) {
		char b[48];
		if (v.type == V_STR)
			snprintf(b, sizeof b, "'%s'", v.s);
		else
			vxf_num(b, sizeof b, v.fits ? v.v : INFINITY, 6, VXF_ASCII);
		ev_fail(ev, a->off, "%s=%s is outside %zu..%zu (%s)", what, b, lo, hi, range);
		return 0;
	}
	return (size_t)v.v;
}

static double dact_of(const vxr_ctx *c, size_t j, size_t i)
{
	return vx_act_df(c->model->act, gsl_matrix_get(c->result->a, j - 1, i));
}

static val eval_name(evalr *ev, const expr *e)
{
	const vxr_ctx *c = ev->env->ctx;
	const vx_result *r = c->result;
	const vx_params *p = c->params;
	static char version[] = VX_VERSION;
	switch ((name_id)e->name) {
	case NM_ACT: return vstr(vx_act_name(c->model->act));
	case NM_INIT:
		if (p->set & VX_SET_MODEL)
			return vstr("model file");
		if (p->set & VX_SET_WEIGHTS)
			return vstr("weights file");
		return vstr(vx_init_name(p->init));
	case NM_VERSION: return vstr(version);
	case NM_DATE: return vstr(c->date ? c->date : "");
	case NM_D: return vint((double)r->d);
	case NM_N: return vint((double)c->model->n);
	case NM_T: return vint((double)r->T);
	case NM_SMALL_T: return vint((double)r->t);
	case NM_K: return vint((double)c->k);
	case NM_J: return vint((double)c->j);
	case NM_SEED: return vint((double)p->seed);
	case NM_PATHS: return vint((double)r->t);
	case NM_NORM_OPT: return vnum(p->norm);
	case NM_INPUT_SCALE: return vnum(p->input_scale);
	case NM_GAMMA: return vnum(r->gamma);
	case NM_LAMBDA: return vnum(r->lambda);
	/* γλ and ln(γλ) under the one policy for "equal to 1" (engine/regime.h):
	 * exactly 1 and 0 on the edge, so a template's own comparisons agree
	 * with `regime` */
	case NM_GAMMA_LAMBDA: return vnum(vx_result_gl(r));
	case NM_INV_GAMMA: return vnum(1.0 / r->gamma);
	case NM_LOSS: return vmag(r->loss);
	case NM_GRAD_NORM: return vmag(r->grad_norm);
	case NM_LYAP: return vnum(r->lyap_max);
	case NM_LYAP_BOUND: return vnum(vx_result_ln_gl(r));
	case NM_REGIME: return vstr(vx_regime_name(vx_result_regime(r)));
	case NM_RATE: return vnum(r->rate);
	case NM_PATH_NORM: case NM_PATH_PRODUCT: case NM_PATH_BOUND: case NM_PATH_CONTRIB: case NM_PATH_GAP: {
		size_t k = eval_index(ev, e->a, c->k, 1, r->t, "k", "1..t");
		if (ev->st != VX_OK)
			return vnum(0);
		const vx_path *pa = &r->paths[k - 1];
		switch ((name_id)e->name) {
		case NM_PATH_NORM: return vmag(pa->norm);
		case NM_PATH_PRODUCT: return vmag(pa->step_product);
		case NM_PATH_BOUND: return vmag(pa->bound);
		case NM_PATH_CONTRIB: return vmag(pa->contribution);
		default: return vint((double)pa->gap);
		}
	}
	case NM_STEP_NORM: case NM_DACT_MAX: case NM_DACT_MIN: case NM_DACT_MEAN: case NM_DACT_SAT:
	case NM_A_ABSMAX: {
		size_t j = eval_index(ev, e->a, c->j, 1, r->T, "j", "1..T");
		if (ev->st != VX_OK)
			return vnum(0);
		if (e->name == NM_STEP_NORM)
			return vnum(gsl_vector_get(r->step_norm, j - 1));
		double mx = -INFINITY, mn = INFINITY, sum = 0, amax = 0;
		size_t sat = 0;
		for (size_t i = 0; i < r->d; i++) {
			double g = dact_of(c, j, i);
			mx = fmax(mx, g);
			mn = fmin(mn, g);
			sum += g;
			amax = fmax(amax, fabs(gsl_matrix_get(r->a, j - 1, i)));
			sat += g < 0.1 * r->gamma;
		}
		switch ((name_id)e->name) {
		case NM_DACT_MAX: return vnum(mx);
		case NM_DACT_MIN: return vnum(mn);
		case NM_DACT_MEAN: return vnum(sum / (double)r->d);
		case NM_DACT_SAT: return vint((double)sat);
		default: return vnum(amax);
		}
	}
	case NM_STEPS_MAX: case NM_STEPS_MIN: case NM_STEPS_GEOMEAN: {
		double mx = 0, mn = INFINITY, sl = 0;
		int zero = 0;
		for (size_t j = 1; j <= r->t; j++) {
			double v = gsl_vector_get(r->step_norm, j - 1);
			mx = fmax(mx, v);
			mn = fmin(mn, v);
			if (v == 0)
				zero = 1;
			else
				sl += log(v);
		}
		if (e->name == NM_STEPS_MAX)
			return vnum(mx);
		if (e->name == NM_STEPS_MIN)
			return vnum(mn);
		return vnum(zero ? 0 : exp(sl / (double)r->t));
	}
	case NM_FD_DSDA: case NM_FD_DADS: case NM_FD_DSDS: case NM_FD_DLDW: case NM_FD_J: case NM_FD_K:
	case NM_FD_UNRESOLVED: case NM_FD_AT_KINK: {
		vx_error e2;
		const vx_fdcheck *fd = vxr_env_fd(ev->env, &e2);
		if (!fd) {
			ev_fail(ev, e->off, "%s", e2.msg);
			return vnum(0);
		}
		switch ((name_id)e->name) {
		case NM_FD_DSDA: return vnum(fd->dsda);
		case NM_FD_DADS: return vnum(fd->dads);
		case NM_FD_DSDS: return vnum(fd->dsds);
		case NM_FD_DLDW: return vnum(fd->dLdW);
		case NM_FD_J: return vint((double)fd->j);
		case NM_FD_UNRESOLVED: return vint((double)fd->unresolved);
		case NM_FD_AT_KINK: return vint((double)fd->at_kink);
		default: return vint((double)fd->k);
		}
	}
	case NM_TERMINAL: return vint(ev->env->terminal);
	case NM_ORTHO_NORM1: case NM_ORTHO_LYAP: case NM_ORTHO_RATE:
	case NM_IDENT_NORM1: case NM_IDENT_LYAP: case NM_IDENT_RATE: {
		int which = e->name >= NM_IDENT_NORM1;
		vx_error e2;
		const vx_result *a = vxr_env_alt(ev->env, which, &e2);
		if (!a) {
			ev_fail(ev, e->off, "%s", e2.msg);
			return vnum(0);
		}
		int what = e->name - (which ? NM_IDENT_NORM1 : NM_ORTHO_NORM1);
		if (what == 0)
			return vmag(a->paths[0].norm);
		if (what == 1)
			return vnum(a->lyap_max);
		return vnum(a->rate);
	}
	case NM_COUNT:
		break;
	}
	ev_fail(ev, e->off, "internal: unhandled name");
	return vnum(0);
}

static val arith(evalr *ev, const expr *e, val a, val b)
{
	int isint = a.type == V_INT && b.type == V_INT;
	double La = L(a), Lb = L(b);
	int na = NEG(a), nb = NEG(b);
	switch (e->op) {
	case E_MUL:
		if (a.fits && b.fits) {
			double p = a.v * b.v;
			/* an underflow to 0 or a subnormal goes to the log domain */
			if ((normal_or_zero(p) && (p != 0 || a.v == 0 || b.v == 0)) || !isfinite(a.v) || !isfinite(b.v))
				return isint && fabs(p) < 9e15 ? vint(p) : vnum(p);
		}
		return vl10(na ^ nb, La + Lb);
	case E_DIV:
		if ((b.fits && b.v == 0)) {
			ev_fail(ev, e->off, "division by zero");
			return vnum(0);
		}
		if (a.fits && b.fits) {
			double q = a.v / b.v;
			if ((normal_or_zero(q) && (q != 0 || a.v == 0)) || !isfinite(a.v) || !isfinite(b.v))
				return vnum(q);
		}
		return vl10(na ^ nb, La - Lb);
	case E_POW: {
		if (!b.fits) {
			ev_fail(ev, e->off, "exponent out of range");
			return vnum(0);
		}
		int bint = b.v == floor(b.v);
		if (na && !bint) {
			ev_fail(ev, e->off, "a negative number to a fractional power");
			return vnum(0);
		}
		if (a.fits) {
			double p = pow(a.v, b.v);
			if ((normal_or_zero(p) && (p != 0 || a.v == 0)) || !isfinite(a.v))
				return isint && b.v >= 0 && fabs(p) < 9e15 ? vint(p) : vnum(p);
		}
		int neg = na && bint && fmod(fabs(b.v), 2) == 1;
		return vl10(neg, b.v * La);
	}
	case E_ADD:
	case E_SUB: {
		if (e->op == E_SUB)
			nb = !nb;
		if (a.fits && b.fits) {
			double s = e->op == E_ADD ? a.v + b.v : a.v - b.v;
			if (isfinite(s) || !isfinite(a.v) || !isfinite(b.v))
				return isint && fabs(s) < 9e15 ? vint(s) : vnum(s);
		}
		/* the larger dominates; log10(1 ± 10^-(Lmax-Lmin)) corrects it */
		double hi = La >= Lb ? La : Lb, lo = La >= Lb ? Lb : La;
		int sign = La >= Lb ? na : nb;
		double r = lo == -INFINITY ? 0 : pow(10, lo - hi);
		if (na == nb)
			return vl10(sign, hi + log10(1 + r));
		if (r >= 1)
			return vnum(0);
		return vl10(sign, hi + log10(1 - r));
	}
	default:
		break;
	}
	return vnum(0);
}

static int truthy(val v)
{
	if (v.type == V_STR)
		return v.s[0] != '\0';
	return v.fits ? v.v != 0 && !isnan(v.v) : 1;
}

/* -1, 0, 1 comparing two numbers that may be held by their log10 */
static int cmpnum(val a, val b)
{
	if (a.fits && b.fits)
		return (a.v > b.v) - (a.v < b.v);
	int na = NEG(a), nb = NEG(b);
	double La = L(a), Lb = L(b);
	if (La == -INFINITY && Lb == -INFINITY)
		return 0;
	if (La == -INFINITY)
		return nb ? 1 : -1;
	if (Lb == -INFINITY)
		return na ? -1 : 1;
	if (na != nb)
		return na ? -1 : 1;
	int c = (La > Lb) - (La < Lb);
	return na ? -c : c;
}

static val eval(evalr *ev, const expr *e)
{
	if (ev->st != VX_OK)
		return vnum(0);
	switch (e->op) {
	case E_NUM: {
		val v = vnum(e->num);
		if (e->num == floor(e->num) && fabs(e->num) < 9e15)
			v.type = V_INT;
		return v;
	}
	case E_STR: return vstr(e->str);
	case E_NAME: return eval_name(ev, e);
	case E_NEG: {
		val a = eval(ev, e->a);
		if (a.type == V_STR) {
			ev_fail(ev, e->off, "'-' applied to text");
			return vnum(0);
		}
		if (a.fits)
			a.v = -a.v;
		else
			a.neg = !a.neg;
		return a;
	}
	case E_NOT: {
		val a = eval(ev, e->a);
		return vint(!truthy(a));
	}
	case E_AND: {
		val a = eval(ev, e->a);
		if (!truthy(a))
			return vint(0);
		return vint(truthy(eval(ev, e->b)));
	}
	case E_OR: {
		val a = eval(ev, e->a);
		if (truthy(a))
			return vint(1);
		return vint(truthy(eval(ev, e->b)));
	}
	case E_FUNC: {
		val a = eval(ev, e->a);
		val b = e->b ? eval(ev, e->b) : vnum(0);
		if (ev->st != VX_OK)
			return vnum(0);
		if (a.type == V_STR || b.type == V_STR) {
			ev_fail(ev, e->off, "%s() of text", funcs[e->name]);
			return vnum(0);
		}
		const char *f = funcs[e->name];
		if (strcmp(f, "min") == 0)
			return cmpnum(a, b) <= 0 ? a : b;
		if (strcmp(f, "max") == 0)
			return cmpnum(a, b) >= 0 ? a : b;
		if (strcmp(f, "abs") == 0) {
			if (a.fits)
				a.v = fabs(a.v);
			a.neg = 0;
			return a;
		}
		if (strcmp(f, "log10") == 0 || strcmp(f, "ln") == 0 || strcmp(f, "sqrt") == 0) {
			if (NEG(a) || (f[0] != 's' && L(a) == -INFINITY)) {
				ev_fail(ev, e->off, "%s() of a number that is not positive", f);
				return vnum(0);
			}
			if (f[0] == 's')
				return a.fits ? vnum(sqrt(a.v)) : vl10(0, L(a) / 2);
			return vnum(f[0] == 'l' && f[1] == 'n' ? L(a) * M_LN10 : L(a));
		}
		if (strcmp(f, "exp") == 0) {
			if (!a.fits) {
				ev_fail(ev, e->off, "exp() of a number out of range");
				return vnum(0);
			}
			return vl10(0, a.v / M_LN10);
		}
		if (!a.fits)
			return a;
		return vint(strcmp(f, "floor") == 0 ? floor(a.v) : ceil(a.v));
	}
	case E_ADD: case E_SUB: case E_MUL: case E_DIV: case E_POW:
	case E_LT: case E_LE: case E_GT: case E_GE: case E_EQ: case E_NE: {
		val a = eval(ev, e->a);
		val b = eval(ev, e->b);
		if (ev->st != VX_OK)
			return vnum(0);
		if (a.type == V_STR || b.type == V_STR) {
			if ((e->op == E_EQ || e->op == E_NE) && a.type == V_STR && b.type == V_STR) {
				int eq = strcmp(a.s, b.s) == 0;
				return vint(e->op == E_EQ ? eq : !eq);
			}
			ev_fail(ev, e->off, "text cannot be %s a number",
			        e->op == E_EQ || e->op == E_NE ? "compared with" : "combined with");
			return vnum(0);
		}
		if (e->op >= E_LT) {
			/* as in IEEE arithmetic: NaN (a check that could not be made)
			 * is neither below, above nor equal to anything */
			if (isnan(a.fits ? a.v : L(a)) || isnan(b.fits ? b.v : L(b)))
				return vint(e->op == E_NE);
			int c = cmpnum(a, b);
			int r = e->op == E_LT ? c < 0 : e->op == E_LE ? c <= 0 : e->op == E_GT ? c > 0
			      : e->op == E_GE ? c >= 0 : e->op == E_EQ ? c == 0 : c != 0;
			return vint(r);
		}
		return arith(ev, e, a, b);
	}
	}
	return vnum(0);
}

/* ---------------------------------------------------------------- formatting values */

/* "×10⁻⁴" etc. in the style of report/fmt.c, appended to s (room 48). */
static void sci_exp(char *s, size_t n, long e, vxf_style st)
{
	static const char *const sup[10] = { "\u2070", "\u00b9", "\u00b2", "\u00b3", "\u2074",
	                                     "\u2075", "\u2076", "\u2077", "\u2078", "\u2079" };
	size_t l = strlen(s);
	if (st == VXF_TEX) {
		snprintf(s + l, n - l, "\\times10^{%ld}", e);
	} else if (st == VXF_UNICODE) {
		char d[24];
		snprintf(s + l, n - l, "\u00d710%s", e < 0 ? "\u207b" : "");
		snprintf(d, sizeof d, "%ld", e < 0 ? -e : e);
		for (const char *q = d; *q; q++) {
			l = strlen(s);
			snprintf(s + l, n - l, "%s", sup[*q - '0']);
		}
	} else {
		snprintf(s + l, n - l, "e%c%02ld", e < 0 ? '-' : '+', e < 0 ? -e : e);
	}
}

static void format_val(char *buf, size_t n, val v, const fspec *f, vxf_style st)
{
	if (v.type == V_STR) {
		snprintf(buf, n, "%s", v.s);
		return;
	}
	int sig = f->sig ? f->sig : 3;
	if (f->isint || (v.type == V_INT && !f->given)) {
		if (v.fits && fabs(v.v) < 9e15) {
			snprintf(buf, n, "%.0f", v.v == 0 ? 0.0 : v.v);
			return;
		}
	}
	if (!v.fits) {
		char m[96];
		vxf_log10(m, sizeof m, v.l10, sig, st);
		snprintf(buf, n, "%s%s", v.neg ? "-" : "", m);
		return;
	}
	if (f->kind == 1 && isfinite(v.v) && v.v != 0) {
		char m[64];
		snprintf(m, sizeof m, "%.*e", sig - 1, v.v);
		char *ep = strchr(m, 'e');
		long e10 = ep ? strtol(ep + 1, NULL, 10) : 0;
		if (ep)
			*ep = '\0';
		/* drop trailing zeros as fmt.c does */
		char *dot = strchr(m, '.');
		if (dot) {
			char *z = m + strlen(m);
			while (z > dot + 1 && z[-1] == '0')
				z--;
			if (z == dot + 1)
				z = dot;
			*z = '\0';
		}
		snprintf(buf, n, "%s", m);
		sci_exp(buf, n, e10, st);
		return;
	}
	vxf_num(buf, n, v.v, sig, st);
}

vx_status vxr_format_number(char *buf, size_t n, double x, const char *format, vxf_style st)
{
	fspec f;
	memset(&f, 0, sizeof f);
	if (format && *format && parse_format(format, strlen(format), &f) < 0) {
		snprintf(buf, n, "?");
		return VX_EFORMAT;
	}
	format_val(buf, n, vnum(x), &f, st);
	return VX_OK;
}

/* ================================================================ filling */

vx_status vxr_filled_append(vxr_filled *f, const char *s, size_t n)
{
	if (f->len + n + 1 > f->cap) {
		size_t cap = f->cap ? f->cap : 4096;
		while (cap < f->len + n + 1)
			cap *= 2;
		char *m = realloc(f->md, cap);
		if (!m)
			return VX_ENOMEM;
		f->md = m;
		f->cap = cap;
	}
	memcpy(f->md + f->len, s, n);
	f->len += n;
	f->md[f->len] = '\0';
	return VX_OK;
}

void vxr_filled_clear(vxr_filled *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->nobjs; i++)
		free(f->objs[i].tex);
	free(f->objs);
	for (size_t i = 0; i < f->nnames; i++)
		free(f->names[i]);
	free(f->names);
	free(f->md);
	memset(f, 0, sizeof *f);
}

static vxr_obj *new_obj(vxr_filled *f)
{
	if (f->nobjs == f->ocap) {
		size_t cap = f->ocap ? f->ocap * 2 : 64;
		vxr_obj *o = realloc(f->objs, cap * sizeof *o);
		if (!o)
			return NULL;
		f->objs = o;
		f->ocap = cap;
	}
	vxr_obj *o = &f->objs[f->nobjs++];
	memset(o, 0, sizeof *o);
	return o;
}

typedef struct {
	evalr ev;
	vxr_filled *f;
	const char *fname; /* the template's name, owned by f */
	vxf_style prose;
	int math;          /* 0 none, 1 inline, 2 display */
	size_t math_off;   /* template offset of the opening $ */
	char *mbuf;
	size_t mlen, mcap;
	size_t code;       /* length of the open backtick run, 0 when none */
	int fence;         /* inside a fenced code block */
	char fence_ch;
	int line_start;
	int blank_run;     /* newlines seen in a row inside math (blank line check) */
	size_t ntok;       /* object tokens emitted */
} filler;

static int mput(filler *F, const char *s, size_t n)
{
	if (F->mlen + n + 1 > F->mcap) {
		size_t cap = F->mcap ? F->mcap * 2 : 256;
		while (cap < F->mlen + n + 1)
			cap *= 2;
		char *m = realloc(F->mbuf, cap);
		if (!m)
			return -1;
		F->mbuf = m;
		F->mcap = cap;
	}
	memcpy(F->mbuf + F->mlen, s, n);
	F->mlen += n;
	F->mbuf[F->mlen] = '\0';
	return 0;
}

static vx_status oom(filler *F)
{
	if (F->ev.st == VX_OK)
		F->ev.st = vx_fail(F->ev.err, VX_ENOMEM, "out of memory filling %s", F->ev.t->name);
	return F->ev.st;
}

/* The first "VXQ" in s[0..n), or NULL. */
static const char *find_marker(const char *s, size_t n)
{
	for (size_t i = 0; i + 3 <= n; i++)
		if (s[i] == 'V' && s[i + 1] == 'X' && s[i + 2] == 'Q')
			return s + i;
	return NULL;
}

static void emit(filler *F, const char *s, size_t n)
{
	if (F->ev.st == VX_OK && vxr_filled_append(F->f, s, n) != VX_OK)
		oom(F);
}

static void emit_token(filler *F, size_t idx)
{
	char tok[32];
	int n = snprintf(tok, sizeof tok, "VXQ%05zuQ", idx);
	emit(F, tok, (size_t)n);
	F->ntok++;
}

static void close_math(filler *F)
{
	vxr_obj *o = new_obj(F->f);
	if (!o) {
		oom(F);
		return;
	}
	o->kind = F->math == 2 ? VXR_OBJ_DMATH : VXR_OBJ_MATH;
	o->tex = strndup(F->mbuf ? F->mbuf : "", F->mlen);
	o->file = F->fname;
	pos_of(F->ev.t, F->math_off, &o->line, &o->col);
	if (!o->tex) {
		oom(F);
		return;
	}
	emit_token(F, F->f->nobjs - 1);
	F->math = 0;
	F->mlen = 0;
}

/* Feeds literal template text through the Markdown/math state machine. */
static void feed_text(filler *F, const char *s, size_t n, size_t off)
{
	/* anywhere, code included: the renderers would replace it by an object */
	const char *q = find_marker(s, n);
	if (q) {
		ev_fail(&F->ev, off + (size_t)(q - s), "the text 'VXQ' is reserved for vanex's own markers");
		return;
	}
	size_t i = 0;
	while (i < n && F->ev.st == VX_OK) {
		char c = s[i];
		if (F->math) {
			if (c == '\\' && i + 1 < n) {
				if (mput(F, s + i, 2) < 0) {
					oom(F);
					return;
				}
				i += 2;
				continue;
			}
			if (c == '$') {
				if (F->math == 2) {
					if (i + 1 < n && s[i + 1] == '$') {
						close_math(F);
						i += 2;
						continue;
					}
					ev_fail(&F->ev, off + i, "a single $ inside $$…$$ math");
					return;
				}
				close_math(F);
				i++;
				continue;
			}
			if (c == '\n') {
				/* a blank line ends a paragraph: the math was never closed */
				size_t k = i + 1;
				while (k < n && (s[k] == ' ' || s[k] == '\t'))
					k++;
				if (k < n && s[k] == '\n') {
					ev_fail(&F->ev, F->math_off, "unclosed %s (a blank line inside math)",
					        F->math == 2 ? "$$" : "$");
					return;
				}
				if (mput(F, " ", 1) < 0)
					oom(F);
				i++;
				continue;
			}
			if (mput(F, s + i, 1) < 0)
				oom(F);
			i++;
			continue;
		}
		if (F->line_start && !F->code) {
			/* fenced code: ``` or ~~~ after at most three spaces */
			size_t k = i, sp = 0;
			while (k < n && s[k] == ' ' && sp < 4)
				k++, sp++;
			if (sp < 4 && k + 2 < n && (s[k] == '`' || s[k] == '~') && s[k + 1] == s[k] && s[k + 2] == s[k]) {
				if (!F->fence) {
					F->fence = 1;
					F->fence_ch = s[k];
				} else if (s[k] == F->fence_ch) {
					F->fence = 0;
				}
				size_t e = k;
				while (e < n && s[e] != '\n')
					e++;
				if (e < n)
					e++;
				emit(F, s + i, e - i);
				i = e;
				F->line_start = 1;
				continue;
			}
		}
		if (F->fence) {
			size_t e = i;
			while (e < n && s[e] != '\n')
				e++;
			if (e < n)
				e++;
			emit(F, s + i, e - i);
			F->line_start = e > i && s[e - 1] == '\n';
			i = e;
			continue;
		}
		F->line_start = c == '\n';
		if (c == '`') {
			size_t k = i;
			while (k < n && s[k] == '`')
				k++;
			size_t run = k - i;
			if (!F->code)
				F->code = run;
			else if (F->code == run)
				F->code = 0;
			emit(F, s + i, run);
			i = k;
			continue;
		}
		if (F->code) {
			if (c == '\n' && i + 1 < n && s[i + 1] == '\n')
				F->code = 0;   /* a code span does not cross paragraphs */
			emit(F, s + i, 1);
			i++;
			continue;
		}
		if (c == '\\' && i + 1 < n) {
			emit(F, s + i, 2);
			i += 2;
			continue;
		}
		if (c == '$') {
			F->math = (i + 1 < n && s[i + 1] == '$') ? 2 : 1;
			F->math_off = off + i;
			F->mlen = 0;
			i += (size_t)F->math;
			continue;
		}
		emit(F, s + i, 1);
		i++;
	}
}

static void fill_list(filler *F, const nlist *l);

static void fill_node(filler *F, const node *n)
{
	const vxr_tpl *t = F->ev.t;
	switch (n->type) {
	case N_TEXT:
		feed_text(F, t->text + n->tstart, n->tlen, n->tstart);
		return;
	case N_EXPR: {
		val v = eval(&F->ev, n->e);
		if (F->ev.st != VX_OK)
			return;
		char buf[160];
		format_val(buf, sizeof buf, v, &n->fmt, F->math ? VXF_TEX : F->prose);
		if (F->math) {
			if (v.type == V_STR) {
				if (mput(F, "\\text{", 6) < 0 || mput(F, buf, strlen(buf)) < 0 || mput(F, "}", 1) < 0)
					oom(F);
			} else if (mput(F, "{", 1) < 0 || mput(F, buf, strlen(buf)) < 0 || mput(F, "}", 1) < 0) {
				oom(F);
			}
		} else {
			if (strstr(buf, "VXQ")) {
				ev_fail(&F->ev, n->off, "a value holding 'VXQ', which is reserved for vanex's own markers");
				return;
			}
			emit(F, buf, strlen(buf));
			F->line_start = 0;
		}
		return;
	}
	case N_IF:
		for (size_t b = 0; b < n->nbr; b++) {
			if (n->br[b].cond) {
				val c = eval(&F->ev, n->br[b].cond);
				if (F->ev.st != VX_OK)
					return;
				if (!truthy(c))
					continue;
			}
			fill_list(F, &n->br[b].body);
			return;
		}
		return;
	case N_BLOCK: {
		if (F->math) {
			ev_fail(&F->ev, n->off, "a block cannot stand inside math");
			return;
		}
		const vxr_ctx *c = F->ev.env->ctx;
		vxr_obj *o = new_obj(F->f);
		if (!o) {
			oom(F);
			return;
		}
		*o = n->blk;
		o->tex = NULL;
		o->file = F->fname;
		pos_of(t, n->off, &o->line, &o->col);
		o->j = eval_index(&F->ev, n->jexpr, c->j, 1, c->result->T, "j", "1..T");
		if (F->ev.st != VX_OK)
			return;
		o->k = eval_index(&F->ev, n->kexpr, c->k, 1, c->result->t, "k", "1..t");
		if (F->ev.st != VX_OK)
			return;
		if (o->blk == VXR_BLK_MATRIX && o->size == 0)
			o->size = 6;
		emit_token(F, F->f->nobjs - 1);
		F->line_start = 0;
		return;
	}
	}
}

static void fill_list(filler *F, const nlist *l)
{
	for (size_t i = 0; i < l->n && F->ev.st == VX_OK; i++)
		fill_node(F, l->v[i]);
}

vx_status vxr_tpl_fill(const vxr_tpl *t, vxr_env *env, vxf_style prose_style, vxr_filled *f, vx_error *err)
{
	filler F;
	memset(&F, 0, sizeof F);
	F.ev.t = t;
	F.ev.env = env;
	F.ev.err = err;
	F.ev.st = VX_OK;
	F.f = f;
	F.prose = prose_style;
	F.line_start = 1;
	/* objects outlive the template: they keep a copy of its name */
	char **nn = realloc(f->names, (f->nnames + 1) * sizeof *nn);
	char *name = strdup(t->name);
	if (!nn || !name) {
		free(name);
		if (nn)
			f->names = nn;
		return vx_fail(err, VX_ENOMEM, "out of memory filling %s", t->name);
	}
	f->names = nn;
	f->names[f->nnames++] = name;
	F.fname = name;
	size_t start = f->len;
	fill_list(&F, &t->body);
	if (F.ev.st == VX_OK && F.math)
		ev_fail(&F.ev, F.math_off, "unclosed %s", F.math == 2 ? "$$" : "$");
	/* pieces that only together spell a marker ("VX" then a value "Q...") */
	size_t seen = 0;
	for (const char *p = f->md ? f->md + start : NULL; p && (p = find_marker(p, f->len - (size_t)(p - f->md)));
	     p += 3)
		seen++;
	if (F.ev.st == VX_OK && seen != F.ntok)
		ev_fail(&F.ev, 0, "the text 'VXQ' is reserved for vanex's own markers");
	free(F.mbuf);
	return F.ev.st;
}
