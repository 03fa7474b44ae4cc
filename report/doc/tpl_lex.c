/*
 * tpl_lex.c — the expressions of the template language: the names and
 * functions a template may use, a lexer over a tag's text and a recursive
 * descent parser into the tree of tpl_internal.h, each error with its
 * position in the template.
 *
 *   expr    := or
 *   or      := and { "or" and }          and := not { "and" not }
 *   not     := "not" not | cmp           cmp := add [ (< <= > >= == !=) add ]
 *   add     := mul { (+ -) mul }         mul := unary { (* /) unary }
 *   unary   := - unary | pow             pow := primary [ ^ unary ]
 *   primary := NUMBER | STRING | NAME [k=|j= primary] | FUNC ( expr [, expr] ) | ( expr )
 */
#include "report/doc/tpl_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ================================================================ names */

const vxr_tpl_name vxr_tpl_names[NM_COUNT] = {
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
	[NM_LOSS_SUM] = { "loss_sum", 0, V_NUM },
	[NM_GRAD_SUM_NORM] = { "grad_sum_norm", 0, V_NUM },
	[NM_GRAD_SUM_NEAR] = { "grad_sum_near", 0, V_NUM },
	[NM_GRAD_SUM_FAR] = { "grad_sum_far", 0, V_NUM },
	[NM_LYAP] = { "lyap", 0, V_NUM },
	[NM_LYAP_BOUND] = { "lyap_bound", 0, V_NUM },
	[NM_RATE] = { "rate", 0, V_NUM },
	[NM_PATH_NORM] = { "path.norm", ARG_K, V_NUM },
	[NM_PATH_PRODUCT] = { "path.product", ARG_K, V_NUM },
	[NM_PATH_BOUND] = { "path.bound", ARG_K, V_NUM },
	[NM_PATH_CONTRIB] = { "path.contribution", ARG_K, V_NUM },
	[NM_PATH_GAP] = { "path.gap", ARG_K, V_INT },
	[NM_PATH_DELTA] = { "path.delta_norm", ARG_K, V_NUM },
	[NM_PATH_SPREV] = { "path.sprev_norm", ARG_K, V_NUM },
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
	[NM_EIGEN_RHO] = { "eigen.rho", 0, V_NUM },
	[NM_POWERS_N] = { "powers.n", 0, V_INT },
	[NM_POWERS_SLOW] = { "powers.slow", 0, V_INT },
	[NM_POWERS_MAX] = { "powers.max", 0, V_NUM },
	[NM_POWERS_ARGMAX] = { "powers.argmax", 0, V_INT },
	[NM_POWERS_LAST] = { "powers.last", 0, V_NUM },
	[NM_BELOW_GL] = { "below.gamma_lambda", 0, V_NUM },
	[NM_BELOW_NORM1] = { "below.norm1", 0, V_NUM },
	[NM_BELOW_BOUND1] = { "below.bound1", 0, V_NUM },
	[NM_BELOW_VERDICT] = { "below.verdict", 0, V_STR },
	[NM_EDGE_GL] = { "edge.gamma_lambda", 0, V_NUM },
	[NM_EDGE_NORM1] = { "edge.norm1", 0, V_NUM },
	[NM_EDGE_BOUND1] = { "edge.bound1", 0, V_NUM },
	[NM_EDGE_VERDICT] = { "edge.verdict", 0, V_STR },
	[NM_ABOVE_GL] = { "above.gamma_lambda", 0, V_NUM },
	[NM_ABOVE_NORM1] = { "above.norm1", 0, V_NUM },
	[NM_ABOVE_BOUND1] = { "above.bound1", 0, V_NUM },
	[NM_ABOVE_VERDICT] = { "above.verdict", 0, V_STR },
	[NM_VERDICT] = { "verdict", 0, V_STR },
	[NM_DACT_ARGMIN] = { "dact.argmin", ARG_J, V_INT },
	[NM_FORGET_BIAS] = { "forget_bias", 0, V_NUM },
	[NM_HORIZON] = { "horizon", 0, V_INT },
	[NM_FATE] = { "fate", 0, V_STR },
	[NM_CELL] = { "cell", 0, V_STR },
	[NM_LSTM_NORM] = { "lstm.norm", ARG_K, V_NUM },
	[NM_LSTM_H_NORM] = { "lstm.h_norm", ARG_K, V_NUM },
	[NM_LSTM_C_NORM] = { "lstm.c_norm", ARG_K, V_NUM },
	[NM_LSTM_KEEP] = { "lstm.keep", 0, V_NUM },
	[NM_LSTM_HORIZON] = { "lstm.horizon", 0, V_INT },
	[NM_LSTM_FATE] = { "lstm.fate", 0, V_STR },
	[NM_LSTM_RATE] = { "lstm.rate", 0, V_NUM },
	[NM_GRU_NORM] = { "gru.norm", ARG_K, V_NUM },
	[NM_GRU_H_NORM] = { "gru.h_norm", ARG_K, V_NUM },
	[NM_GRU_KEEP] = { "gru.keep", 0, V_NUM },
	[NM_GRU_HORIZON] = { "gru.horizon", 0, V_INT },
	[NM_GRU_FATE] = { "gru.fate", 0, V_STR },
	[NM_GRU_RATE] = { "gru.rate", 0, V_NUM },
	[NM_LATER_GATES] = { "later.gates", 0, V_INT },
	[NM_LATER_GATED] = { "later.gated", 0, V_INT },
	[NM_LATER_REGIMES] = { "later.regimes", 0, V_INT },
	[NM_LATER_INITS] = { "later.inits", 0, V_INT },
	[NM_LATER_POWERS] = { "later.powers", 0, V_INT },
};

const char *const vxr_tpl_funcs[] = { "min", "max", "abs", "log10", "ln", "exp", "sqrt",
                                      "floor", "ceil", NULL };

/* ================================================================ the tree */

void vxr_tpl_expr_free(expr *e)
{
	if (!e)
		return;
	vxr_tpl_expr_free(e->a);
	vxr_tpl_expr_free(e->b);
	free(e->str);
	free(e);
}

/* ================================================================ lexer */

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

static vx_status lex_fail(lex *x, size_t rel, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static vx_status lex_fail(lex *x, size_t rel, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vxr_tpl_vfail_at(x->t, x->base + rel, x->err, &x->st, fmt, ap);
	va_end(ap);
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

static expr *expr_alloc(lex *x, eop op, size_t rel)
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
		if (strlen(vxr_tpl_names[i].name) == n && memcmp(vxr_tpl_names[i].name, s, n) == 0)
			return i;
	return -1;
}

static int find_func(const char *s, size_t n)
{
	for (int i = 0; vxr_tpl_funcs[i]; i++)
		if (strlen(vxr_tpl_funcs[i]) == n && memcmp(vxr_tpl_funcs[i], s, n) == 0)
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
		expr *e = expr_alloc(x, E_NUM, at);
		if (e)
			e->num = x->num;
		lex_next(x);
		return e;
	}
	if (x->k == TK_STR) {
		expr *e = expr_alloc(x, E_STR, at);
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
			vxr_tpl_expr_free(e);
			return NULL;
		}
		if (!is_op(x, ")")) {
			vxr_tpl_expr_free(e);
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
			expr *e = expr_alloc(x, E_FUNC, at);
			if (!e)
				return NULL;
			e->name = f;
			if (!deeper(x)) {
				vxr_tpl_expr_free(e);
				return NULL;
			}
			e->a = p_or(x);
			x->depth--;
			if (x->st == VX_OK && is_op(x, ",")) {
				lex_next(x);
				e->b = p_or(x);
			}
			if (x->st != VX_OK) {
				vxr_tpl_expr_free(e);
				return NULL;
			}
			int two = strcmp(vxr_tpl_funcs[f], "min") == 0 || strcmp(vxr_tpl_funcs[f], "max") == 0;
			if (two != (e->b != NULL)) {
				vxr_tpl_expr_free(e);
				lex_fail(x, at, "%s() takes %s", vxr_tpl_funcs[f], two ? "two arguments" : "one argument");
				return NULL;
			}
			if (!is_op(x, ")")) {
				vxr_tpl_expr_free(e);
				lex_fail(x, at, "unclosed ( after %s", vxr_tpl_funcs[f]);
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
		expr *e = expr_alloc(x, E_NAME, at);
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
			if (want < 0 || vxr_tpl_names[nm].args != want) {
				if (vxr_tpl_names[nm].args == ARG_NONE)
					lex_fail(x, ats, "%s takes no argument", vxr_tpl_names[nm].name);
				else
					lex_fail(x, ats, "%s takes %s=…, not %.*s=", vxr_tpl_names[nm].name,
					         vxr_tpl_names[nm].args == ARG_K ? "k" : "j", (int)anl, an);
				vxr_tpl_expr_free(e);
				return NULL;
			}
			if (e->a) {
				lex_fail(x, ats, "%.*s= given twice", (int)anl, an);
				vxr_tpl_expr_free(e);
				return NULL;
			}
			(void)save_i;
			lex_next(x); /* = */
			lex_next(x);
			if (!deeper(x)) {
				vxr_tpl_expr_free(e);
				return NULL;
			}
			e->a = p_primary(x);
			x->depth--;
			if (!e->a) {
				if (x->st == VX_OK)
					lex_fail(x, ats, "a value is expected after %.*s=", (int)anl, an);
				vxr_tpl_expr_free(e);
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

/* ================================================================ operators by precedence */

/* The grammar's levels, loosest first, each parsing the next one for its
 * operands:
 *   LEFT    a op b op c, left to right;
 *   ONCE    at most one operator: comparisons do not chain;
 *   PREFIX  op a, a at the same level ("not not a", "- -1");
 *   POWER   a ^ b, b at the PREFIX level above it, so that 2^-1 reads
 *           and 2^3^2 is 2^(3^2);
 *   PRIMARY numbers, strings, names, calls, parentheses (p_primary). */
typedef enum { LV_LEFT, LV_ONCE, LV_PREFIX, LV_POWER, LV_PRIMARY } lv_kind;

static const struct {
	lv_kind kind;
	int words;                 /* the operators are words (is_kw), not symbols (is_op) */
	struct {
		const char *op;
		eop e;
	} ops[7];                  /* ended by op NULL */
} levels[] = {
	{ LV_LEFT, 1, { { "or", E_OR } } },
	{ LV_LEFT, 1, { { "and", E_AND } } },
	{ LV_PREFIX, 1, { { "not", E_NOT } } },
	{ LV_ONCE, 0, { { "<", E_LT }, { "<=", E_LE }, { ">", E_GT }, { ">=", E_GE }, { "==", E_EQ }, { "!=", E_NE } } },
	{ LV_LEFT, 0, { { "+", E_ADD }, { "-", E_SUB } } },
	{ LV_LEFT, 0, { { "*", E_MUL }, { "/", E_DIV } } },
	{ LV_PREFIX, 0, { { "-", E_NEG } } },
	{ LV_POWER, 0, { { "^", E_POW } } },
	{ LV_PRIMARY, 0, { { NULL, 0 } } },
};

/* The operator of level lv the current token is: 1 and *op, or 0. */
static int level_op(const lex *x, size_t lv, eop *op)
{
	for (size_t i = 0; levels[lv].ops[i].op; i++)
		if (levels[lv].words ? is_kw(x, levels[lv].ops[i].op) : is_op(x, levels[lv].ops[i].op)) {
			*op = levels[lv].ops[i].e;
			return 1;
		}
	return 0;
}

/* op a and op b: a node of its own, or NULL with a and b freed. */
static expr *binary(lex *x, eop op, size_t at, expr *a, expr *b)
{
	if (!a || !b) {
		vxr_tpl_expr_free(a);
		vxr_tpl_expr_free(b);
		return NULL;
	}
	expr *e = expr_alloc(x, op, at);
	if (!e) {
		vxr_tpl_expr_free(a);
		vxr_tpl_expr_free(b);
		return NULL;
	}
	e->a = a;
	e->b = b;
	return e;
}

/* An expression of level lv (levels[]) and tighter; NULL on error, set in x. */
static expr *p_level(lex *x, size_t lv)
{
	eop op;
	size_t at;
	expr *a;
	switch (levels[lv].kind) {
	case LV_LEFT:
		a = p_level(x, lv + 1);
		while (a && level_op(x, lv, &op)) {
			at = x->ts;
			lex_next(x);
			a = binary(x, op, at, a, p_level(x, lv + 1));
		}
		return a;
	case LV_ONCE:
		a = p_level(x, lv + 1);
		if (a && level_op(x, lv, &op)) {
			at = x->ts;
			lex_next(x);
			return binary(x, op, at, a, p_level(x, lv + 1));
		}
		if (a && is_op(x, "=")) {
			lex_fail(x, x->ts, "'=' is not a comparison: write '=='");
			vxr_tpl_expr_free(a);
			return NULL;
		}
		return a;
	case LV_PREFIX:
		if (!level_op(x, lv, &op))
			return p_level(x, lv + 1);
		at = x->ts;
		if (!deeper(x))
			return NULL;
		lex_next(x);
		a = p_level(x, lv);
		x->depth--;
		if (!a)
			return NULL;
		expr *e = expr_alloc(x, op, at);
		if (!e) {
			vxr_tpl_expr_free(a);
			return NULL;
		}
		e->a = a;
		return e;
	case LV_POWER:
		a = p_level(x, lv + 1);
		if (!a || !level_op(x, lv, &op))
			return a;
		at = x->ts;
		if (!deeper(x)) {
			vxr_tpl_expr_free(a);
			return NULL;
		}
		lex_next(x);
		expr *b = p_level(x, lv - 1);
		x->depth--;
		return binary(x, op, at, a, b);
	case LV_PRIMARY:
		break;
	}
	return p_primary(x);
}

static expr *p_or(lex *x)
{
	return p_level(x, 0);
}

/* ================================================================ entry */

expr *vxr_tpl_expr_parse(const vxr_tpl *t, const char *s, size_t n, size_t base, size_t *rest,
                         vx_error *err, vx_status *st)
{
	lex x = { t, s, n, base, 0, TK_END, 0, 0, 0, "", err, VX_OK, 0, 0 };
	lex_next(&x);
	expr *e = x.st == VX_OK ? p_or(&x) : NULL;
	if (x.st != VX_OK) {
		vxr_tpl_expr_free(e);
		*st = x.st;
		return NULL;
	}
	*rest = x.ts;
	return e;
}
