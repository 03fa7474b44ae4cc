/*
 * math.c — the TeX subset of math.h: one parser builds a small tree, one
 * renderer per target walks it (MathML, Unicode, ASCII, LaTeX).
 *
 * Hostile input is expected (a user's own template): the parser is a plain
 * recursive descent whose every recursion passes through parse_row, which
 * counts nesting and stops at VXM_MAX_DEPTH; every loop consumes input; the
 * tree is an array of nodes addressed by index, freed in one go.
 */
#include "report/text/math.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/text/buf.h"
#include "report/text/utf8.h"

enum { VXM_MAX_DEPTH = 64 };
#define VXM_MAX_LEN ((size_t)1 << 20)

/* ------------------------------------------------------------------ */
/* Symbols                                                             */
/* ------------------------------------------------------------------ */

/* TeX's atom classes, reduced to what spacing and parenthesising need. */
typedef enum {
	C_ORD, C_BIN, C_TBIN, /* tight binary: · × drawn without spaces */
	C_REL, C_OPEN, C_CLOSE, C_FENCE, /* | and ‖: open or close by position */
	C_PUNCT, C_LARGE, C_FUNC, C_LIMFUNC, C_PARTIAL
} sclass;

enum { F_MI = 1, F_NORMAL = 2 };

typedef struct {
	const char *cmd;   /* TeX name without the backslash; NULL: a character only */
	const char *in;    /* the character accepted in the source; NULL: none */
	const char *ml;    /* MathML text */
	const char *uni;   /* terminal text */
	const char *ascii; /* LANG=C text */
	const char *tex;   /* normalised LaTeX */
	unsigned char cls, flags;
} msym;

#define GR(c, u, a) { c, u, u, u, a, "\\" c, C_ORD, F_MI }
#define GU(c, u, a) { c, u, u, u, a, "\\" c, C_ORD, F_MI | F_NORMAL }
#define FN(c, k) { c, NULL, c, c, c, "\\" c, k, F_MI }
#define CH(s, ml, cls, fl) { NULL, s, ml, s, s, s, cls, fl }

static const msym syms[] = {
	/* Greek: lower case italic, upper case upright, as TeX sets them */
	GR("alpha", "α", "alpha"), GR("beta", "β", "beta"), GR("gamma", "γ", "gamma"),
	GR("delta", "δ", "delta"), GR("epsilon", "ϵ", "epsilon"), GR("varepsilon", "ε", "epsilon"),
	GR("zeta", "ζ", "zeta"), GR("eta", "η", "eta"), GR("theta", "θ", "theta"),
	GR("vartheta", "ϑ", "theta"), GR("iota", "ι", "iota"), GR("kappa", "κ", "kappa"),
	GR("lambda", "λ", "lambda"), GR("mu", "μ", "mu"), GR("nu", "ν", "nu"), GR("xi", "ξ", "xi"),
	GR("pi", "π", "pi"), GR("varpi", "ϖ", "pi"), GR("rho", "ρ", "rho"), GR("varrho", "ϱ", "rho"),
	GR("sigma", "σ", "sigma"), GR("varsigma", "ς", "sigma"), GR("tau", "τ", "tau"),
	GR("upsilon", "υ", "upsilon"), GR("phi", "ϕ", "phi"), GR("varphi", "φ", "phi"),
	GR("chi", "χ", "chi"), GR("psi", "ψ", "psi"), GR("omega", "ω", "omega"),
	GU("Gamma", "Γ", "Gamma"), GU("Delta", "Δ", "Delta"), GU("Theta", "Θ", "Theta"),
	GU("Lambda", "Λ", "Lambda"), GU("Xi", "Ξ", "Xi"), GU("Pi", "Π", "Pi"),
	GU("Sigma", "Σ", "Sigma"), GU("Upsilon", "Υ", "Upsilon"), GU("Phi", "Φ", "Phi"),
	GU("Psi", "Ψ", "Psi"), GU("Omega", "Ω", "Omega"),
	/* letter-like symbols */
	{ "partial", "∂", "∂", "∂", "d", "\\partial", C_PARTIAL, F_MI | F_NORMAL },
	{ "nabla", "∇", "∇", "∇", "nabla", "\\nabla", C_ORD, F_MI | F_NORMAL },
	{ "infty", "∞", "∞", "∞", "inf", "\\infty", C_ORD, F_MI | F_NORMAL },
	{ "ell", "ℓ", "ℓ", "ℓ", "l", "\\ell", C_ORD, F_MI | F_NORMAL },
	{ "top", "⊤", "⊤", "⊤", "T", "\\top", C_ORD, F_MI | F_NORMAL },
	{ "prime", "′", "′", "′", "'", "\\prime", C_ORD, 0 },
	{ "forall", "∀", "∀", "∀", "forall", "\\forall", C_ORD, 0 },
	{ "exists", "∃", "∃", "∃", "exists", "\\exists", C_ORD, 0 },
	/* large operators: the terminal gets the Greek capital, more fonts have it */
	{ "prod", "∏", "∏", "Π", "prod", "\\prod", C_LARGE, 0 },
	{ "sum", "∑", "∑", "Σ", "sum", "\\sum", C_LARGE, 0 },
	/* relations */
	{ "le", "≤", "≤", "≤", "<=", "\\le", C_REL, 0 },
	{ "leq", NULL, "≤", "≤", "<=", "\\le", C_REL, 0 },
	{ "ge", "≥", "≥", "≥", ">=", "\\ge", C_REL, 0 },
	{ "geq", NULL, "≥", "≥", ">=", "\\ge", C_REL, 0 },
	{ "ne", "≠", "≠", "≠", "!=", "\\ne", C_REL, 0 },
	{ "neq", NULL, "≠", "≠", "!=", "\\ne", C_REL, 0 },
	{ "approx", "≈", "≈", "≈", "~=", "\\approx", C_REL, 0 },
	{ "sim", "∼", "∼", "∼", "~", "\\sim", C_REL, 0 },
	{ "equiv", "≡", "≡", "≡", "==", "\\equiv", C_REL, 0 },
	{ "propto", "∝", "∝", "∝", "propto", "\\propto", C_REL, 0 },
	{ "ll", "≪", "≪", "≪", "<<", "\\ll", C_REL, 0 },
	{ "gg", "≫", "≫", "≫", ">>", "\\gg", C_REL, 0 },
	{ "to", "→", "→", "→", "->", "\\to", C_REL, 0 },
	{ "rightarrow", NULL, "→", "→", "->", "\\to", C_REL, 0 },
	{ "leftarrow", "←", "←", "←", "<-", "\\leftarrow", C_REL, 0 },
	{ "Rightarrow", "⇒", "⇒", "⇒", "=>", "\\Rightarrow", C_REL, 0 },
	{ "mapsto", "↦", "↦", "↦", "|->", "\\mapsto", C_REL, 0 },
	{ "in", "∈", "∈", "∈", "in", "\\in", C_REL, 0 },
	{ "mid", NULL, "|", "|", "|", "\\mid", C_REL, 0 },
	/* binary operators */
	{ "cdot", "⋅", "⋅", "·", "*", "\\cdot", C_TBIN, 0 },
	{ NULL, "·", "⋅", "·", "*", "\\cdot", C_TBIN, 0 },
	{ "times", "×", "×", "×", "*", "\\times", C_TBIN, 0 },
	{ "pm", "±", "±", "±", "+/-", "\\pm", C_BIN, 0 },
	{ "mp", "∓", "∓", "∓", "-/+", "\\mp", C_BIN, 0 },
	{ "circ", "∘", "∘", "∘", "o", "\\circ", C_BIN, 0 },
	{ "odot", "⊙", "⊙", "⊙", "(.)", "\\odot", C_BIN, 0 },
	{ "otimes", "⊗", "⊗", "⊗", "(x)", "\\otimes", C_BIN, 0 },
	{ NULL, "−", "−", "−", "-", "-", C_BIN, 0 },
	/* dots */
	{ "ldots", "…", "…", "…", "...", "\\ldots", C_ORD, 0 },
	{ "dots", NULL, "…", "…", "...", "\\ldots", C_ORD, 0 },
	{ "cdots", "⋯", "⋯", "⋯", "...", "\\cdots", C_ORD, 0 },
	{ "vdots", "⋮", "⋮", "⋮", ":", "\\vdots", C_ORD, 0 },
	{ "ddots", "⋱", "⋱", "⋱", "...", "\\ddots", C_ORD, 0 },
	/* delimiters */
	{ "|", "‖", "‖", "‖", "||", "\\|", C_FENCE, 0 },
	{ "lVert", NULL, "‖", "‖", "||", "\\lVert", C_OPEN, 0 },
	{ "rVert", NULL, "‖", "‖", "||", "\\rVert", C_CLOSE, 0 },
	{ "lvert", NULL, "|", "|", "|", "\\lvert", C_OPEN, 0 },
	{ "rvert", NULL, "|", "|", "|", "\\rvert", C_CLOSE, 0 },
	{ "langle", "⟨", "⟨", "⟨", "<", "\\langle", C_OPEN, 0 },
	{ "rangle", "⟩", "⟩", "⟩", ">", "\\rangle", C_CLOSE, 0 },
	{ "{", NULL, "{", "{", "{", "\\{", C_OPEN, 0 },
	{ "}", NULL, "}", "}", "}", "\\}", C_CLOSE, 0 },
	/* escaped specials */
	{ "%", NULL, "%", "%", "%", "\\%", C_ORD, 0 },
	{ "&", NULL, "&", "&", "&", "\\&", C_ORD, 0 },
	{ "#", NULL, "#", "#", "#", "\\#", C_ORD, 0 },
	{ "$", NULL, "$", "$", "$", "\\$", C_ORD, 0 },
	{ "_", NULL, "_", "_", "_", "\\_", C_ORD, 0 },
	/* named functions (upright); max and min take limits in display */
	FN("log", C_FUNC), FN("ln", C_FUNC), FN("exp", C_FUNC), FN("tanh", C_FUNC),
	FN("sin", C_FUNC), FN("cos", C_FUNC), FN("det", C_FUNC), FN("dim", C_FUNC),
	FN("max", C_LIMFUNC), FN("min", C_LIMFUNC), FN("sup", C_LIMFUNC), FN("inf", C_LIMFUNC),
	FN("lim", C_LIMFUNC),
	/* plain characters */
	CH("+", "+", C_BIN, 0), { NULL, "-", "−", "−", "-", "-", C_BIN, 0 },
	CH("*", "∗", C_BIN, 0), CH("=", "=", C_REL, 0), CH("<", "<", C_REL, 0),
	CH(">", ">", C_REL, 0), CH(":", ":", C_REL, 0), CH("/", "/", C_ORD, 0),
	CH("(", "(", C_OPEN, 0), CH(")", ")", C_CLOSE, 0), CH("[", "[", C_OPEN, 0),
	CH("]", "]", C_CLOSE, 0), CH("|", "|", C_FENCE, 0), CH(",", ",", C_PUNCT, 0),
	CH(";", ";", C_PUNCT, 0), CH("!", "!", C_CLOSE, 0), CH("?", "?", C_ORD, 0),
	CH(".", ".", C_ORD, 0),
};
#define NSYMS (sizeof syms / sizeof syms[0])

static const msym *sym_by_cmd(const char *name, size_t n)
{
	for (size_t i = 0; i < NSYMS; i++)
		if (syms[i].cmd && strlen(syms[i].cmd) == n && memcmp(syms[i].cmd, name, n) == 0)
			return &syms[i];
	return NULL;
}

static const msym *sym_by_char(const char *s, size_t n)
{
	for (size_t i = 0; i < NSYMS; i++)
		if (syms[i].in && strlen(syms[i].in) == n && memcmp(syms[i].in, s, n) == 0)
			return &syms[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* The tree                                                            */
/* ------------------------------------------------------------------ */

typedef enum {
	N_ROW,      /* children first..next: a formula, a {group}, a cell */
	N_MROW,     /* a matrix row: children are N_ROW cells */
	N_SYM, N_LETTER, N_NUM,
	N_TEXT,     /* \text \mathrm \mathbf \operatorname: a slice of the source */
	N_SPACE,
	N_SCRIPT,   /* a = base (-1: empty), b = sub, c = sup, kind = primes */
	N_FRAC,     /* a / b */
	N_SQRT,     /* a */
	N_FENCE,    /* \left sym a \right sym2 */
	N_MATRIX    /* rows first..next; kind = environment */
} ntype;

enum { T_TEXT, T_RM, T_BF, T_OPNAME, T_BB };

/* \mathbb letters that have a character of their own (ℝ, ℕ, …) */
static const char bb_letters[] = "CHNPQRZ";
static const char *const bb_chars[] = { "ℂ", "ℍ", "ℕ", "ℙ", "ℚ", "ℝ", "ℤ" };
enum { SP_THIN, SP_MED, SP_THICK, SP_NEG, SP_QUAD, SP_QQUAD, SP_WORD };
enum { M_PLAIN, M_P, M_B, M_V, M_VV };
static const char *const env_names[] = { "matrix", "pmatrix", "bmatrix", "vmatrix", "Vmatrix" };

typedef struct {
	ntype type;
	int first, last, next;
	int a, b, c;
	const msym *sym, *sym2;
	size_t off, len;
	int kind;
	int nkids;
} node;

typedef struct {
	const char *s;
	size_t n, i;
	int depth;
	node *v;
	size_t nv, cap;
	int failed, nomem;
	size_t errpos;
	char msg[256];
} parser;

static int fail(parser *P, size_t pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(parser *P, size_t pos, const char *fmt, ...)
{
	if (!P->failed) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(P->msg, sizeof P->msg, fmt, ap);
		va_end(ap);
		P->failed = 1;
		P->errpos = pos;
	}
	return -1;
}

static int new_node(parser *P, ntype t)
{
	if (P->nv == P->cap) {
		size_t cap = P->cap ? P->cap * 2 : 32;
		node *v = realloc(P->v, cap * sizeof *v);
		if (!v) {
			P->nomem = 1;
			return fail(P, P->i, "out of memory");
		}
		P->v = v;
		P->cap = cap;
	}
	node *nd = &P->v[P->nv];
	memset(nd, 0, sizeof *nd);
	nd->type = t;
	nd->first = nd->last = nd->next = -1;
	nd->a = nd->b = nd->c = -1;
	return (int)P->nv++;
}

static void add_child(parser *P, int parent, int child)
{
	node *p = &P->v[parent];
	if (p->last < 0)
		p->first = child;
	else
		P->v[p->last].next = child;
	p->last = child;
	p->nkids++;
}

static int is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_space(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static void skip_ws(parser *P)
{
	while (P->i < P->n && is_space((unsigned char)P->s[P->i]))
		P->i++;
}

/* Length of the control word's letters at a backslash at pos (0 if none). */
static size_t cw_len(const parser *P, size_t pos)
{
	size_t k = pos + 1;
	while (k < P->n && is_alpha((unsigned char)P->s[k]))
		k++;
	return k - pos - 1;
}

/* Whether the source at the current position is the control word \name. */
static int at_cw(const parser *P, const char *name)
{
	size_t l = strlen(name);
	return P->i < P->n && P->s[P->i] == '\\' && cw_len(P, P->i) == l &&
	       memcmp(P->s + P->i + 1, name, l) == 0;
}

/* Where a row may end: which terminators its context allows. */
enum { CTX_TOP, CTX_GROUP, CTX_FENCE, CTX_CELL };

static int parse_row(parser *P, int ctx);
static int parse_atom(parser *P, int single);

/* {…}: a row between braces; the brace's column reports it unclosed. */
static int parse_group(parser *P)
{
	size_t open = P->i++;
	int row = parse_row(P, CTX_GROUP);
	if (row < 0)
		return -1;
	if (P->i >= P->n || P->s[P->i] != '}')
		return fail(P, open, "unclosed {");
	P->i++;
	return row;
}

/* The argument of ^ _ \frac \sqrt: a {group} or a single token, as TeX. */
static int parse_arg(parser *P, size_t cmdpos, const char *what)
{
	skip_ws(P);
	if (P->i >= P->n)
		return fail(P, cmdpos, "missing argument for %s", what);
	char c = P->s[P->i];
	if (c == '{')
		return parse_group(P);
	if (c == '}' || c == '&' || c == '^' || c == '_' || c == '\'')
		return fail(P, P->i, "missing argument for %s", what);
	if (c == '\\' && P->i + 1 < P->n && P->s[P->i + 1] == '\\')
		return fail(P, P->i, "missing argument for %s", what);
	return parse_atom(P, 1);
}

/* \text{…} and friends: a raw slice; braces may nest inside \text. */
static int parse_textarg(parser *P, size_t cmdpos, int kind, const char *cmd)
{
	skip_ws(P);
	if (P->i >= P->n || P->s[P->i] != '{')
		return fail(P, P->i < P->n ? P->i : cmdpos, "expected { after \\%s", cmd);
	size_t open = P->i++;
	size_t start = P->i;
	int level = 0;
	while (P->i < P->n) {
		unsigned char c = (unsigned char)P->s[P->i];
		if (c == '}') {
			if (level == 0)
				break;
			level--;
		} else if (c == '{') {
			if (kind != T_TEXT)
				return fail(P, P->i, "braces inside \\%s", cmd);
			if (++level > VXM_MAX_DEPTH)
				return fail(P, P->i, "braces nested deeper than %d levels", VXM_MAX_DEPTH);
		} else if (kind == T_TEXT) {
			if (c == '\\' || c == '$')
				return fail(P, P->i, "%c is not allowed inside \\text", c);
			if (c < 0x20 && c != '\t' && c != '\n')
				return fail(P, P->i, "control character inside \\text");
			if (c >= 0x80) {
				uint32_t cp;
				size_t l = vxr_u8_dec((const unsigned char *)P->s + P->i, P->n - P->i, &cp);
				if (!l)
					return fail(P, P->i, "invalid UTF-8");
				P->i += l;
				continue;
			}
		} else if (!is_alpha(c) && !is_digit(c) && !is_space(c)) {
			return fail(P, P->i, "only letters and digits are allowed in \\%s", cmd);
		}
		P->i++;
	}
	if (P->i >= P->n)
		return fail(P, open, "unclosed {");
	int nd = new_node(P, N_TEXT);
	if (nd < 0)
		return -1;
	P->v[nd].kind = kind;
	P->v[nd].off = start;
	P->v[nd].len = P->i - start;
	P->i++;
	return nd;
}

/* A delimiter after \left or \right: ( ) [ ] | . \| \{ \} \langle … */
static int parse_delim(parser *P, size_t cmdpos, const char *cmd, const msym **out)
{
	skip_ws(P);
	if (P->i >= P->n)
		return fail(P, cmdpos, "missing delimiter after \\%s", cmd);
	char c = P->s[P->i];
	const msym *s = NULL;
	size_t adv = 1;
	if (c == '.') {
		*out = NULL;
		P->i++;
		return 0;
	}
	if (c == '\\') {
		size_t l = cw_len(P, P->i);
		if (l == 0 && P->i + 1 < P->n)
			l = 1;
		s = sym_by_cmd(P->s + P->i + 1, l);
		adv = 1 + l;
	} else if ((unsigned char)c >= 0x80) {
		uint32_t cp;
		adv = vxr_u8_dec((const unsigned char *)P->s + P->i, P->n - P->i, &cp);
		if (adv)
			s = sym_by_char(P->s + P->i, adv);
	} else {
		s = sym_by_char(P->s + P->i, 1);
	}
	if (!s || (s->cls != C_OPEN && s->cls != C_CLOSE && s->cls != C_FENCE))
		return fail(P, P->i, "not a delimiter after \\%s (use ( ) [ ] | \\| \\{ \\} or .)", cmd);
	*out = s;
	P->i += adv;
	return 0;
}

/* \begin{env} … \end{env} with & between cells and \\ between rows. */
static int read_env_name(parser *P, size_t cmdpos, const char *cmd)
{
	skip_ws(P);
	if (P->i >= P->n || P->s[P->i] != '{')
		return fail(P, P->i < P->n ? P->i : cmdpos, "expected {name} after \\%s", cmd);
	size_t start = ++P->i;
	while (P->i < P->n && is_alpha((unsigned char)P->s[P->i]))
		P->i++;
	size_t l = P->i - start;
	if (P->i >= P->n || P->s[P->i] != '}')
		return fail(P, start - 1, "unclosed { after \\%s", cmd);
	P->i++;
	for (int e = 0; e < (int)(sizeof env_names / sizeof env_names[0]); e++)
		if (strlen(env_names[e]) == l && memcmp(env_names[e], P->s + start, l) == 0)
			return e;
	return fail(P, start, "unknown environment {%.*s} (matrix, pmatrix, bmatrix, vmatrix, Vmatrix)",
	            (int)(l > 40 ? 40 : l), P->s + start);
}

static int parse_matrix(parser *P, size_t beginpos)
{
	int env = read_env_name(P, beginpos, "begin");
	if (env < 0)
		return -1;
	int mat = new_node(P, N_MATRIX);
	if (mat < 0)
		return -1;
	P->v[mat].kind = env;
	int mrow = -1;
	for (;;) {
		if (mrow < 0) {
			mrow = new_node(P, N_MROW);
			if (mrow < 0)
				return -1;
		}
		int cell = parse_row(P, CTX_CELL);
		if (cell < 0)
			return -1;
		add_child(P, mrow, cell);
		if (P->i >= P->n)
			return fail(P, beginpos, "\\begin{%s} without \\end", env_names[env]);
		if (P->s[P->i] == '&') {
			P->i++;
			continue;
		}
		if (at_cw(P, "end")) {
			size_t endpos = P->i;
			P->i += 4;
			int e2 = read_env_name(P, endpos, "end");
			if (e2 < 0)
				return -1;
			if (e2 != env)
				return fail(P, endpos, "\\end{%s} does not match \\begin{%s}", env_names[e2],
				            env_names[env]);
			/* a trailing \\ leaves one empty cell: not a row */
			node *r = &P->v[mrow];
			if (!(r->nkids == 1 && P->v[r->first].nkids == 0 && P->v[mat].nkids > 0))
				add_child(P, mat, mrow);
			return mat;
		}
		/* \\ : the next row */
		P->i += 2;
		add_child(P, mat, mrow);
		mrow = -1;
	}
}

static int make_sym(parser *P, const msym *s)
{
	int nd = new_node(P, N_SYM);
	if (nd >= 0)
		P->v[nd].sym = s;
	return nd;
}

static int make_space(parser *P, int kind)
{
	int nd = new_node(P, N_SPACE);
	if (nd >= 0)
		P->v[nd].kind = kind;
	return nd;
}

/* A control sequence at a backslash.  single: as the argument of ^ _ \frac,
 * where TeX takes one token and structures need braces. */
static int parse_command(parser *P, int single)
{
	size_t pos = P->i;
	size_t l = cw_len(P, pos);
	if (l == 0) {
		if (pos + 1 >= P->n)
			return fail(P, pos, "lone \\ at the end");
		unsigned char c = (unsigned char)P->s[pos + 1];
		static const char spaces[] = ",:;! ";
		const char *sp = c ? strchr(spaces, c) : NULL;
		if (sp) {
			if (single)
				return fail(P, pos, "a space cannot be an argument");
			P->i += 2;
			static const int kinds[] = { SP_THIN, SP_MED, SP_THICK, SP_NEG, SP_WORD };
			return make_space(P, kinds[sp - spaces]);
		}
		const msym *s = sym_by_cmd(P->s + pos + 1, 1);
		if (!s) {
			uint32_t cp = c;
			size_t cl = vxr_u8_dec((const unsigned char *)P->s + pos + 1, P->n - pos - 1, &cp);
			return fail(P, pos, "unknown command \\%.*s", (int)(cl ? cl : 1), P->s + pos + 1);
		}
		P->i += 2;
		return make_sym(P, s);
	}
	const char *name = P->s + pos + 1;
	P->i += 1 + l;
#define IS(str) (l == sizeof(str) - 1 && memcmp(name, str, l) == 0)
	if (IS("frac") || IS("dfrac") || IS("tfrac") || IS("sqrt") || IS("left") || IS("begin")) {
		if (single)
			return fail(P, pos, "put \\%.*s in braces when it is an argument", (int)l, name);
	}
	if (IS("frac") || IS("dfrac") || IS("tfrac")) {
		int nd = new_node(P, N_FRAC);
		if (nd < 0)
			return -1;
		int a = parse_arg(P, pos, "\\frac");
		if (a < 0)
			return -1;
		int b = parse_arg(P, pos, "\\frac");
		if (b < 0)
			return -1;
		P->v[nd].a = a;
		P->v[nd].b = b;
		return nd;
	}
	if (IS("sqrt")) {
		skip_ws(P);
		if (P->i < P->n && P->s[P->i] == '[')
			return fail(P, P->i, "\\sqrt[n] is not supported");
		int nd = new_node(P, N_SQRT);
		if (nd < 0)
			return -1;
		int a = parse_arg(P, pos, "\\sqrt");
		if (a < 0)
			return -1;
		P->v[nd].a = a;
		return nd;
	}
	if (IS("left")) {
		const msym *open, *close;
		if (parse_delim(P, pos, "left", &open) < 0)
			return -1;
		int body = parse_row(P, CTX_FENCE);
		if (body < 0)
			return -1;
		if (!at_cw(P, "right"))
			return fail(P, pos, "\\left without \\right");
		size_t rpos = P->i;
		P->i += 6;
		if (parse_delim(P, rpos, "right", &close) < 0)
			return -1;
		int nd = new_node(P, N_FENCE);
		if (nd < 0)
			return -1;
		P->v[nd].sym = open;
		P->v[nd].sym2 = close;
		P->v[nd].a = body;
		return nd;
	}
	if (IS("begin"))
		return parse_matrix(P, pos);
	if (IS("text") || IS("textrm") || IS("mbox"))
		return parse_textarg(P, pos, T_TEXT, "text");
	if (IS("mathrm"))
		return parse_textarg(P, pos, T_RM, "mathrm");
	if (IS("mathbf"))
		return parse_textarg(P, pos, T_BF, "mathbf");
	if (IS("operatorname"))
		return parse_textarg(P, pos, T_OPNAME, "operatorname");
	if (IS("mathbb")) {
		int nd = parse_textarg(P, pos, T_BB, "mathbb");
		if (nd < 0)
			return -1;
		const node *t = &P->v[nd];
		size_t a = t->off, z = t->off + t->len;
		while (a < z && is_space((unsigned char)P->s[a]))
			a++;
		while (z > a && is_space((unsigned char)P->s[z - 1]))
			z--;
		if (z - a != 1 || !strchr(bb_letters, P->s[a]))
			return fail(P, t->off, "\\mathbb takes one of the letters %s", bb_letters);
		P->v[nd].off = a;
		P->v[nd].len = 1;
		return nd;
	}
	if (IS("quad") || IS("qquad")) {
		if (single)
			return fail(P, pos, "a space cannot be an argument");
		return make_space(P, IS("quad") ? SP_QUAD : SP_QQUAD);
	}
	if (IS("right"))
		return fail(P, pos, "\\right without \\left");
	if (IS("end"))
		return fail(P, pos, "\\end without \\begin");
#undef IS
	const msym *s = sym_by_cmd(name, l);
	if (!s)
		return fail(P, pos, "unknown command \\%.*s", (int)(l > 40 ? 40 : l), name);
	return make_sym(P, s);
}

/* One atom: a letter, a number, a symbol, a group or a structure. */
static int parse_atom(parser *P, int single)
{
	size_t pos = P->i;
	unsigned char c = (unsigned char)P->s[pos];
	if (is_alpha(c)) {
		int nd = new_node(P, N_LETTER);
		if (nd < 0)
			return -1;
		P->v[nd].off = pos;
		P->v[nd].len = 1;
		P->i++;
		return nd;
	}
	if (is_digit(c) || (c == '.' && pos + 1 < P->n && is_digit((unsigned char)P->s[pos + 1]) && !single)) {
		size_t k = pos;
		if (single) {
			k++;
		} else {
			while (k < P->n && is_digit((unsigned char)P->s[k]))
				k++;
			if (k + 1 < P->n && P->s[k] == '.' && is_digit((unsigned char)P->s[k + 1])) {
				k++;
				while (k < P->n && is_digit((unsigned char)P->s[k]))
					k++;
			}
		}
		int nd = new_node(P, N_NUM);
		if (nd < 0)
			return -1;
		P->v[nd].off = pos;
		P->v[nd].len = k - pos;
		P->i = k;
		return nd;
	}
	if (c == '{')
		return parse_group(P);
	if (c == '\\')
		return parse_command(P, single);
	if (c == '~') {
		if (single)
			return fail(P, pos, "a space cannot be an argument");
		P->i++;
		return make_space(P, SP_WORD);
	}
	if (c >= 0x80) {
		uint32_t cp;
		size_t l = vxr_u8_dec((const unsigned char *)P->s + pos, P->n - pos, &cp);
		if (!l)
			return fail(P, pos, "invalid UTF-8");
		if (cp == 0x2032) /* ′ outside a script position */
			return fail(P, pos, "a prime needs something before it");
		const msym *s = sym_by_char(P->s + pos, l);
		if (!s)
			return fail(P, pos, "unsupported character U+%04X (write it as a command)", (unsigned)cp);
		P->i += l;
		return make_sym(P, s);
	}
	const msym *s = (c >= 0x20 && c < 0x7F) ? sym_by_char(P->s + pos, 1) : NULL;
	if (!s) {
		if (c == '%')
			return fail(P, pos, "%% starts a comment in TeX: write \\%%");
		if (c == '$')
			return fail(P, pos, "$ inside math");
		if (c < 0x20 || c == 0x7F)
			return fail(P, pos, "control character 0x%02X", c);
		return fail(P, pos, "unexpected character %c", c);
	}
	P->i++;
	return make_sym(P, s);
}

/* An atom with its primes, subscript and superscript (each at most once). */
static int parse_scripted(parser *P)
{
	int base = -1;
	char c = P->s[P->i];
	if (c != '^' && c != '_' && c != '\'') {
		base = parse_atom(P, 0);
		if (base < 0)
			return -1;
	}
	int sub = -1, sup = -1, primes = 0, any = 0;
	for (;;) {
		skip_ws(P);
		if (P->i >= P->n)
			break;
		size_t pos = P->i;
		c = P->s[pos];
		int is_prime = c == '\'' ||
		               (P->n - pos >= 3 && memcmp(P->s + pos, "′", 3) == 0);
		if (is_prime) {
			if (sup >= 0)
				return fail(P, pos, "prime after a superscript (write x'^{2})");
			if (primes >= 4)
				return fail(P, pos, "more than four primes");
			primes++;
			P->i += c == '\'' ? 1 : 3;
		} else if (c == '_') {
			if (sub >= 0)
				return fail(P, pos, "double subscript (use braces)");
			P->i++;
			sub = parse_arg(P, pos, "_");
			if (sub < 0)
				return -1;
		} else if (c == '^') {
			if (sup >= 0)
				return fail(P, pos, "double superscript (use braces)");
			P->i++;
			sup = parse_arg(P, pos, "^");
			if (sup < 0)
				return -1;
		} else {
			break;
		}
		any = 1;
	}
	if (!any)
		return base;
	int nd = new_node(P, N_SCRIPT);
	if (nd < 0)
		return -1;
	P->v[nd].a = base;
	P->v[nd].b = sub;
	P->v[nd].c = sup;
	P->v[nd].kind = primes;
	return nd;
}

static int parse_row(parser *P, int ctx)
{
	if (++P->depth > VXM_MAX_DEPTH)
		return fail(P, P->i, "nested deeper than %d levels", VXM_MAX_DEPTH);
	int row = new_node(P, N_ROW);
	if (row < 0)
		return -1;
	for (;;) {
		skip_ws(P);
		if (P->i >= P->n)
			break;
		char c = P->s[P->i];
		if (c == '}') {
			if (ctx == CTX_GROUP)
				break;
			return fail(P, P->i, "unmatched }");
		}
		if (c == '&') {
			if (ctx == CTX_CELL)
				break;
			return fail(P, P->i, "& outside a matrix");
		}
		if (c == '\\' && P->i + 1 < P->n && P->s[P->i + 1] == '\\') {
			if (ctx == CTX_CELL)
				break;
			return fail(P, P->i, "\\\\ outside a matrix");
		}
		if (at_cw(P, "right")) {
			if (ctx == CTX_FENCE)
				break;
			return fail(P, P->i, "\\right without \\left");
		}
		if (at_cw(P, "end")) {
			if (ctx == CTX_CELL)
				break;
			return fail(P, P->i, "\\end without \\begin");
		}
		int at = parse_scripted(P);
		if (at < 0)
			return -1;
		add_child(P, row, at);
	}
	P->depth--;
	return row;
}

/* ------------------------------------------------------------------ */
/* Rendering: shared                                                   */
/* ------------------------------------------------------------------ */

typedef struct {
	const parser *P;
	vxm_target target;
	int display;
	int script;   /* MathML: inside a sub- or superscript, where TeX sets operators tight */
} rend;

static const node *N(const rend *r, int id) { return &r->P->v[id]; }

/* The class a node has between its neighbours in a row. */
static sclass node_class(const rend *r, int id)
{
	const node *nd = N(r, id);
	switch (nd->type) {
	case N_SYM:
		return (sclass)nd->sym->cls;
	case N_SCRIPT:
		if (nd->a >= 0) {
			sclass c = node_class(r, nd->a);
			if (c == C_LARGE || c == C_FUNC || c == C_LIMFUNC)
				return c;
		}
		return C_ORD;
	case N_TEXT:
		return nd->kind == T_OPNAME ? C_FUNC : C_ORD;
	default:
		return C_ORD;
	}
}

/* Whether a node drawn as a numerator, denominator, script base or matrix
 * cell in linear text needs parentheses to keep its meaning. */
static int needs_parens(const rend *r, int id)
{
	const node *nd = N(r, id);
	if (nd->type == N_FRAC)
		return 1;
	if (nd->type == N_SCRIPT)
		return node_class(r, id) == C_LARGE;
	if (nd->type != N_ROW)
		return 0;
	if (nd->nkids == 1)
		return needs_parens(r, nd->first);
	int pos = 0;
	for (int k = nd->first; k >= 0; k = N(r, k)->next, pos++) {
		const node *c = N(r, k);
		sclass cl = node_class(r, k);
		if (c->type == N_FRAC || cl == C_REL || cl == C_PUNCT || cl == C_LARGE || cl == C_TBIN)
			return 1;
		if (cl == C_BIN && pos > 0)
			return 1;
		if (c->type == N_SYM && strcmp(c->sym->ascii, "/") == 0)
			return 1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* MathML                                                              */
/* ------------------------------------------------------------------ */

static void ml_esc(vxr_buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '&': vxr_buf_puts(b, "&amp;"); break;
		case '<': vxr_buf_puts(b, "&lt;"); break;
		case '>': vxr_buf_puts(b, "&gt;"); break;
		case '"': vxr_buf_puts(b, "&quot;"); break;
		case '\n': case '\t': vxr_buf_putc(b, ' '); break;
		default: vxr_buf_putc(b, s[i]);
		}
	}
}

static void ml_node(rend *r, int id, vxr_buf *b);

/* One element: a row of several children is wrapped in <mrow>. */
static void ml_one(rend *r, int id, vxr_buf *b)
{
	if (id < 0) {
		vxr_buf_puts(b, "<mrow></mrow>");
		return;
	}
	const node *nd = N(r, id);
	if (nd->type == N_ROW && nd->nkids == 1) {
		ml_one(r, nd->first, b);
		return;
	}
	if (nd->type == N_ROW) {
		vxr_buf_puts(b, "<mrow>");
		ml_node(r, id, b);
		vxr_buf_puts(b, "</mrow>");
		return;
	}
	ml_node(r, id, b);
}

static void ml_sym(const rend *r, const msym *s, vxr_buf *b, int as_delim)
{
	if (s->flags & F_MI) {
		vxr_buf_puts(b, (s->flags & F_NORMAL) ? "<mi mathvariant=\"normal\">" : "<mi>");
		ml_esc(b, s->ml, strlen(s->ml));
		vxr_buf_puts(b, "</mi>");
		return;
	}
	int fence = s->cls == C_OPEN || s->cls == C_CLOSE || s->cls == C_FENCE;
	/* TeX's / is an ordinary symbol, and in scripts binary operators and
	 * relations get no space: k=1 under a Σ, not k = 1 */
	int tight = strcmp(s->ascii, "/") == 0 ||
	            (r->script && (s->cls == C_BIN || s->cls == C_TBIN || s->cls == C_REL || s->cls == C_PUNCT));
	/* a plain ( in TeX does not grow with its content; \left( does */
	vxr_buf_puts(b, fence && !as_delim ? "<mo stretchy=\"false\">" : tight ? "<mo lspace=\"0\" rspace=\"0\">" : "<mo>");
	ml_esc(b, s->ml, strlen(s->ml));
	vxr_buf_puts(b, "</mo>");
}

static const char *const primes_ml[] = { "", "′", "″", "‴", "⁗" };

static void ml_text(rend *r, const node *nd, vxr_buf *b)
{
	const char *s = r->P->s + nd->off;
	if (nd->kind == T_TEXT) {
		vxr_buf_puts(b, "<mtext>");
		for (size_t i = 0; i < nd->len; i++)
			if (s[i] != '{' && s[i] != '}')
				ml_esc(b, s + i, 1);
		vxr_buf_puts(b, "</mtext>");
		return;
	}
	if (nd->kind == T_BB) {
		vxr_buf_puts(b, "<mi>");
		vxr_buf_puts(b, bb_chars[strchr(bb_letters, s[0]) - bb_letters]);
		vxr_buf_puts(b, "</mi>");
		return;
	}
	vxr_buf t = { 0 };
	for (size_t i = 0; i < nd->len; i++)
		if (!is_space((unsigned char)s[i]))
			vxr_buf_putc(&t, s[i]);
	if (nd->kind == T_BF)
		vxr_buf_puts(b, "<mi mathvariant=\"normal\" style=\"font-weight:bold\">");
	else if (t.len == 1)
		vxr_buf_puts(b, "<mi mathvariant=\"normal\">");
	else
		vxr_buf_puts(b, "<mi>");
	vxr_buf_absorb(b, &t);
	vxr_buf_puts(b, "</mi>");
}

/* The base with its primes: σ′ is the base followed by a prime at its
 * natural height (a prime as a superscript would climb twice). */
static void ml_base(rend *r, const node *nd, vxr_buf *b)
{
	if (nd->kind == 0) {
		ml_one(r, nd->a, b);
		return;
	}
	vxr_buf_puts(b, "<mrow>");
	if (nd->a >= 0)
		ml_one(r, nd->a, b);
	vxr_buf_puts(b, "<mo lspace=\"0\" rspace=\"0\">");
	vxr_buf_puts(b, primes_ml[nd->kind]);
	vxr_buf_puts(b, "</mo></mrow>");
}

static void ml_script(rend *r, const node *nd, vxr_buf *b)
{
	sclass bc = nd->a >= 0 ? node_class(r, nd->a) : C_ORD;
	int limits = r->display && (bc == C_LARGE || bc == C_LIMFUNC) && N(r, nd->a)->type == N_SYM;
	int has_sup = nd->c >= 0;
	int has_sub = nd->b >= 0;
	if (!has_sub && !has_sup) {
		ml_base(r, nd, b);
		return;
	}
	const char *tag = has_sub && has_sup ? (limits ? "munderover" : "msubsup")
	                  : has_sub ? (limits ? "munder" : "msub") : (limits ? "mover" : "msup");
	vxr_buf_putc(b, '<');
	vxr_buf_puts(b, tag);
	vxr_buf_putc(b, '>');
	ml_base(r, nd, b);
	r->script++;
	if (has_sub)
		ml_one(r, nd->b, b);
	if (has_sup)
		ml_one(r, nd->c, b);
	r->script--;
	vxr_buf_puts(b, "</");
	vxr_buf_puts(b, tag);
	vxr_buf_putc(b, '>');
}

static const char *const mat_open[] = { NULL, "(", "[", "|", "‖" };
static const char *const mat_close[] = { NULL, ")", "]", "|", "‖" };

static void ml_node(rend *r, int id, vxr_buf *b)
{
	const node *nd = N(r, id);
	const char *s = r->P->s + nd->off;
	switch (nd->type) {
	case N_ROW:
		for (int k = nd->first; k >= 0; k = N(r, k)->next) {
			ml_node(r, k, b);
			/* max σ′, log x: TeX's thin space after a named operator
			 * before an operand (not before a bracket or an operator) */
			sclass c = node_class(r, k);
			int nx = N(r, k)->next;
			if ((c == C_FUNC || c == C_LIMFUNC) && nx >= 0) {
				sclass d = node_class(r, nx);
				if (d == C_ORD || d == C_PARTIAL || d == C_FUNC || d == C_LIMFUNC || d == C_LARGE)
					vxr_buf_puts(b, "<mspace width=\"0.1667em\"/>");
			}
		}
		break;
	case N_MROW:
		break; /* drawn by N_MATRIX */
	case N_LETTER:
		vxr_buf_puts(b, "<mi>");
		vxr_buf_put(b, s, 1);
		vxr_buf_puts(b, "</mi>");
		break;
	case N_NUM:
		vxr_buf_puts(b, "<mn>");
		vxr_buf_put(b, s, nd->len);
		vxr_buf_puts(b, "</mn>");
		break;
	case N_SYM:
		ml_sym(r, nd->sym, b, 0);
		break;
	case N_TEXT:
		ml_text(r, nd, b);
		break;
	case N_SPACE: {
		static const char *const w[] = { "0.1667em", "0.2222em", "0.2778em", NULL, "1em", "2em", "0.25em" };
		if (w[nd->kind]) {
			vxr_buf_puts(b, "<mspace width=\"");
			vxr_buf_puts(b, w[nd->kind]);
			vxr_buf_puts(b, "\"/>");
		}
		break;
	}
	case N_SCRIPT:
		ml_script(r, nd, b);
		break;
	case N_FRAC:
		vxr_buf_puts(b, "<mfrac>");
		ml_one(r, nd->a, b);
		ml_one(r, nd->b, b);
		vxr_buf_puts(b, "</mfrac>");
		break;
	case N_SQRT:
		vxr_buf_puts(b, "<msqrt>");
		ml_node(r, nd->a, b);
		vxr_buf_puts(b, "</msqrt>");
		break;
	case N_FENCE:
		vxr_buf_puts(b, "<mrow>");
		if (nd->sym)
			ml_sym(r, nd->sym, b, 1);
		ml_one(r, nd->a, b);
		if (nd->sym2)
			ml_sym(r, nd->sym2, b, 1);
		vxr_buf_puts(b, "</mrow>");
		break;
	case N_MATRIX:
		vxr_buf_puts(b, "<mrow>");
		if (mat_open[nd->kind]) {
			vxr_buf_puts(b, "<mo>");
			vxr_buf_puts(b, mat_open[nd->kind]);
			vxr_buf_puts(b, "</mo>");
		}
		vxr_buf_puts(b, "<mtable>");
		for (int rw = nd->first; rw >= 0; rw = N(r, rw)->next) {
			vxr_buf_puts(b, "<mtr>");
			for (int c = N(r, rw)->first; c >= 0; c = N(r, c)->next) {
				vxr_buf_puts(b, "<mtd>");
				ml_node(r, c, b);
				vxr_buf_puts(b, "</mtd>");
			}
			vxr_buf_puts(b, "</mtr>");
		}
		vxr_buf_puts(b, "</mtable>");
		if (mat_close[nd->kind]) {
			vxr_buf_puts(b, "<mo>");
			vxr_buf_puts(b, mat_close[nd->kind]);
			vxr_buf_puts(b, "</mo>");
		}
		vxr_buf_puts(b, "</mrow>");
		break;
	}
}

/* ------------------------------------------------------------------ */
/* Unicode and ASCII (linear text)                                     */
/* ------------------------------------------------------------------ */

typedef struct {
	uint32_t cp;
	const char *to;
} cpmap;

static const cpmap sup_map[] = {
	{ '0', "⁰" }, { '1', "¹" }, { '2', "²" }, { '3', "³" }, { '4', "⁴" }, { '5', "⁵" },
	{ '6', "⁶" }, { '7', "⁷" }, { '8', "⁸" }, { '9', "⁹" }, { '+', "⁺" }, { '-', "⁻" },
	{ 0x2212, "⁻" }, { '=', "⁼" }, { '(', "⁽" }, { ')', "⁾" },
	{ 'a', "ᵃ" }, { 'b', "ᵇ" }, { 'c', "ᶜ" }, { 'd', "ᵈ" }, { 'e', "ᵉ" }, { 'f', "ᶠ" },
	{ 'g', "ᵍ" }, { 'h', "ʰ" }, { 'i', "ⁱ" }, { 'j', "ʲ" }, { 'k', "ᵏ" }, { 'l', "ˡ" },
	{ 'm', "ᵐ" }, { 'n', "ⁿ" }, { 'o', "ᵒ" }, { 'p', "ᵖ" }, { 'r', "ʳ" }, { 's', "ˢ" },
	{ 't', "ᵗ" }, { 'u', "ᵘ" }, { 'v', "ᵛ" }, { 'w', "ʷ" }, { 'x', "ˣ" }, { 'y', "ʸ" },
	{ 'z', "ᶻ" }, { 'A', "ᴬ" }, { 'B', "ᴮ" }, { 'D', "ᴰ" }, { 'E', "ᴱ" }, { 'G', "ᴳ" },
	{ 'H', "ᴴ" }, { 'I', "ᴵ" }, { 'J', "ᴶ" }, { 'K', "ᴷ" }, { 'L', "ᴸ" }, { 'M', "ᴹ" },
	{ 'N', "ᴺ" }, { 'O', "ᴼ" }, { 'P', "ᴾ" }, { 'R', "ᴿ" }, { 'T', "ᵀ" }, { 'U', "ᵁ" },
	{ 'W', "ᵂ" }, { 0x22A4, "ᵀ" }, { 0x03B2, "ᵝ" }, { 0x03B3, "ᵞ" }, { 0x03B4, "ᵟ" },
	{ 0x03B8, "ᶿ" }, { 0x03C6, "ᵠ" }, { 0x03D5, "ᵠ" }, { 0x03C7, "ᵡ" }, { 0x2032, "′" },
};

static const cpmap sub_map[] = {
	{ '0', "₀" }, { '1', "₁" }, { '2', "₂" }, { '3', "₃" }, { '4', "₄" }, { '5', "₅" },
	{ '6', "₆" }, { '7', "₇" }, { '8', "₈" }, { '9', "₉" }, { '+', "₊" }, { '-', "₋" },
	{ 0x2212, "₋" }, { '=', "₌" }, { '(', "₍" }, { ')', "₎" },
	{ 'a', "ₐ" }, { 'e', "ₑ" }, { 'h', "ₕ" }, { 'i', "ᵢ" }, { 'j', "ⱼ" }, { 'k', "ₖ" },
	{ 'l', "ₗ" }, { 'm', "ₘ" }, { 'n', "ₙ" }, { 'o', "ₒ" }, { 'p', "ₚ" }, { 'r', "ᵣ" },
	{ 's', "ₛ" }, { 't', "ₜ" }, { 'u', "ᵤ" }, { 'v', "ᵥ" }, { 'x', "ₓ" },
	{ 0x03B2, "ᵦ" }, { 0x03B3, "ᵧ" }, { 0x03C1, "ᵨ" }, { 0x03C6, "ᵩ" }, { 0x03D5, "ᵩ" },
	{ 0x03C7, "ᵪ" },
};

/* Maps every code point of s through the table into out; 0 (and out
 * untouched) when one has no small form. */
static int map_script(const char *s, size_t n, const cpmap *m, size_t nm, vxr_buf *out)
{
	vxr_buf t = { 0 };
	size_t i = 0;
	while (i < n) {
		uint32_t cp;
		size_t l = vxr_u8_dec((const unsigned char *)s + i, n - i, &cp);
		size_t k = 0;
		if (l)
			for (k = 0; k < nm && m[k].cp != cp; k++)
				;
		if (!l || k == nm) {
			free(t.s);
			return 0;
		}
		vxr_buf_puts(&t, m[k].to);
		i += l;
	}
	vxr_buf_absorb(out, &t);
	return 1;
}

/* A single token in linear text: one code point, one word or one number. */
static int single_token(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	uint32_t cp;
	if (vxr_u8_dec((const unsigned char *)s, n, &cp) == n)
		return 1;
	int alpha = 1, digit = 1;
	for (size_t i = 0; i < n; i++) {
		alpha &= is_alpha((unsigned char)s[i]);
		digit &= is_digit((unsigned char)s[i]);
	}
	return alpha || digit;
}

static int u8_first(const vxr_buf *b, uint32_t *cp)
{
	return b->len && vxr_u8_dec((const unsigned char *)b->s, b->len, cp) > 0;
}

static int u8_lastcp(const vxr_buf *b, uint32_t *cp)
{
	if (!b->len)
		return 0;
	size_t i = b->len - 1;
	while (i > 0 && ((unsigned char)b->s[i] & 0xC0) == 0x80)
		i--;
	return vxr_u8_dec((const unsigned char *)b->s + i, b->len - i, cp) > 0;
}

static int letterish(uint32_t cp)
{
	return is_alpha((int)cp) || is_digit((int)cp) || (cp >= 0x0370 && cp <= 0x03FF);
}

static void tx_node(const rend *r, int id, vxr_buf *b, int tight);

static void tx_wrapped(const rend *r, int id, vxr_buf *b, int tight, int parens)
{
	if (parens)
		vxr_buf_putc(b, '(');
	tx_node(r, id, b, tight);
	if (parens)
		vxr_buf_putc(b, ')');
}

/* A word symbol in ASCII (gamma, lambda): juxtaposed with a letter it
 * needs a visible product sign, or "gammalambda" would read as one name. */
static int ascii_word(const rend *r, int id)
{
	const node *nd = N(r, id);
	if (nd->type == N_SCRIPT)
		return nd->a >= 0 && ascii_word(r, nd->a);
	if (nd->type != N_SYM)
		return 0;
	const char *a = nd->sym->ascii;
	return strlen(a) > 1 && is_alpha((unsigned char)a[0]);
}

/* Whether the fraction k stands next to a factor (not an operator, a
 * relation, punctuation or a bracket) on either side.  | and ‖ open or
 * close by parity: fences_open says how many are open before k. */
static int frac_juxtaposed(const rend *r, int prev, sclass pcl, int k, int fences_open)
{
	if (pcl == C_FENCE)
		pcl = fences_open & 1 ? C_OPEN : C_CLOSE;
	if (prev >= 0 && pcl != C_REL && pcl != C_BIN && pcl != C_TBIN && pcl != C_PUNCT &&
	    pcl != C_OPEN && pcl != C_LARGE)
		return 1;
	int nx = N(r, k)->next;
	while (nx >= 0 && N(r, nx)->type == N_SPACE)
		nx = N(r, nx)->next;
	if (nx < 0)
		return 0;
	sclass c = node_class(r, nx);
	if (c == C_FENCE)
		c = fences_open & 1 ? C_CLOSE : C_OPEN;
	return c != C_REL && c != C_BIN && c != C_TBIN && c != C_PUNCT && c != C_CLOSE;
}

static void tx_row(const rend *r, int id, vxr_buf *b, int tight)
{
	const node *row = N(r, id);
	int ascii = r->target == VXM_ASCII;
	int prev = -1;
	sclass pcl = C_OPEN;
	int pending = 0, fences = 0;
	for (int k = row->first; k >= 0; k = N(r, k)->next) {
		vxr_buf t = { 0 };
		sclass cl = node_class(r, k);
		const node *kn = N(r, k);
		if (cl == C_FENCE || (kn->type == N_SCRIPT && kn->a >= 0 && node_class(r, kn->a) == C_FENCE))
			fences++;
		if (N(r, k)->type == N_FRAC && frac_juxtaposed(r, prev, pcl, k, fences)) {
			/* (∂Lₜ/∂sₜ)(∂sₜ/∂sₖ): a/b beside a factor would bind wrongly */
			vxr_buf_putc(&t, '(');
			tx_node(r, k, &t, tight);
			vxr_buf_putc(&t, ')');
		} else {
			tx_node(r, k, &t, tight);
		}
		int unary = cl == C_BIN && (prev < 0 || pcl == C_BIN || pcl == C_REL || pcl == C_OPEN ||
		                            pcl == C_PUNCT || pcl == C_LARGE || pcl == C_TBIN);
		if (N(r, k)->type == N_SPACE) {
			pending = 0;
			vxr_buf_absorb(b, &t);
			continue;
		}
		if (!t.len) {
			vxr_buf_absorb(b, &t);
			continue;
		}
		int spaced = !tight && !unary && (cl == C_REL || cl == C_BIN);
		uint32_t last = 0, first = 0;
		int have_last = u8_lastcp(b, &last), have_first = u8_first(&t, &first);
		if (spaced) {
			if (b->len && vxr_buf_last(b) != ' ')
				vxr_buf_putc(b, ' ');
			pending = 0;
		} else if (pending && cl != C_CLOSE && cl != C_PUNCT) {
			if (vxr_buf_last(b) != ' ')
				vxr_buf_putc(b, ' ');
			pending = 0;
		} else if ((cl == C_FUNC || cl == C_LIMFUNC) && prev >= 0 && pcl != C_OPEN && pcl != C_FENCE &&
		           vxr_buf_last(b) != ' ') {
			/* Wᵀ diag(σ′): a named function stands apart from what precedes it */
			vxr_buf_putc(b, ' ');
		} else if (prev >= 0 && have_last && have_first && letterish(last) && letterish(first)) {
			/* two things side by side that would fuse into one name */
			if (pcl == C_FUNC || pcl == C_LIMFUNC || cl == C_FUNC || cl == C_LIMFUNC ||
			    (ascii && pcl == C_PARTIAL))
				vxr_buf_putc(b, ' ');
			else if (ascii && (ascii_word(r, prev) || ascii_word(r, k)))
				vxr_buf_putc(b, '*');
		}
		pending = 0;
		vxr_buf_absorb(b, &t);
		/* Σₖ₌₁ᵗ x and maxᵢ σ′: an operator with limits stands apart from its operand */
		if (spaced || (cl == C_PUNCT && !tight) || cl == C_LARGE ||
		    ((cl == C_FUNC || cl == C_LIMFUNC) && N(r, k)->type == N_SCRIPT))
			pending = 1;
		prev = k;
		pcl = unary ? C_ORD : cl;
	}
}

static void tx_sym(const rend *r, const msym *s, vxr_buf *b)
{
	vxr_buf_puts(b, r->target == VXM_ASCII ? s->ascii : s->uni);
}

static void tx_script(const rend *r, const node *nd, vxr_buf *b)
{
	int ascii = r->target == VXM_ASCII;
	int large = nd->a >= 0 && node_class(r, nd->a) == C_LARGE;
	if (nd->a >= 0) {
		const node *base = N(r, nd->a);
		int parens = base->type == N_FRAC || base->type == N_SQRT ||
		             (base->type == N_ROW && base->nkids > 1);
		tx_wrapped(r, nd->a, b, 1, parens);
	}
	for (int i = 0; i < nd->kind; i++)
		vxr_buf_puts(b, ascii ? "'" : "′");
	for (int part = 0; part < 2; part++) {
		int id = part == 0 ? nd->b : nd->c;
		if (id < 0)
			continue;
		vxr_buf t = { 0 };
		tx_node(r, id, &t, 1);
		const cpmap *m = part == 0 ? sub_map : sup_map;
		size_t nm = part == 0 ? sizeof sub_map / sizeof sub_map[0] : sizeof sup_map / sizeof sup_map[0];
		/* a script cut short by out of memory must not pass as whole:
		 * the plain path below hands its failure on to b */
		if (!ascii && t.len && !t.oom && map_script(t.s, t.len, m, nm, b)) {
			free(t.s);
			continue;
		}
		vxr_buf_putc(b, part == 0 ? '_' : '^');
		/* limits of Π and Σ keep TeX's braces; a superscript otherwise reads best in ( ) */
		int single = !large && single_token(t.s ? t.s : "", t.len);
		const char *open = large || part == 0 ? "{" : "(";
		const char *close = large || part == 0 ? "}" : ")";
		if (!single)
			vxr_buf_puts(b, open);
		vxr_buf_absorb(b, &t);
		if (!single)
			vxr_buf_puts(b, close);
	}
}

static void tx_text(const rend *r, const node *nd, vxr_buf *b)
{
	const char *s = r->P->s + nd->off;
	if (nd->kind == T_BB) {
		if (r->target == VXM_ASCII)
			vxr_buf_putc(b, s[0]);
		else
			vxr_buf_puts(b, bb_chars[strchr(bb_letters, s[0]) - bb_letters]);
		return;
	}
	for (size_t i = 0; i < nd->len;) {
		unsigned char c = (unsigned char)s[i];
		if (c == '{' || c == '}' || (nd->kind != T_TEXT && is_space(c))) {
			i++;
			continue;
		}
		if (c == '\n' || c == '\t')
			c = ' ';
		if (c < 0x80) {
			vxr_buf_putc(b, (char)c);
			i++;
			continue;
		}
		uint32_t cp;
		size_t l = vxr_u8_dec((const unsigned char *)s + i, nd->len - i, &cp);
		if (!l)
			l = 1;
		if (r->target == VXM_ASCII) {
			const msym *sym = sym_by_char(s + i, l);
			vxr_buf_puts(b, sym ? sym->ascii : "?");
		} else {
			vxr_buf_put(b, s + i, l);
		}
		i += l;
	}
}

static void tx_node(const rend *r, int id, vxr_buf *b, int tight)
{
	const node *nd = N(r, id);
	int ascii = r->target == VXM_ASCII;
	switch (nd->type) {
	case N_ROW:
		tx_row(r, id, b, tight);
		break;
	case N_MROW:
		break;
	case N_LETTER:
	case N_NUM:
		vxr_buf_put(b, r->P->s + nd->off, nd->len);
		break;
	case N_SYM:
		tx_sym(r, nd->sym, b);
		break;
	case N_TEXT:
		tx_text(r, nd, b);
		break;
	case N_SPACE: {
		static const char *const w[] = { " ", " ", " ", "", "  ", "    ", " " };
		vxr_buf_puts(b, w[nd->kind]);
		break;
	}
	case N_SCRIPT:
		tx_script(r, nd, b);
		break;
	case N_FRAC:
		tx_wrapped(r, nd->a, b, 1, needs_parens(r, nd->a));
		vxr_buf_putc(b, '/');
		tx_wrapped(r, nd->b, b, 1, needs_parens(r, nd->b));
		break;
	case N_SQRT: {
		vxr_buf t = { 0 };
		tx_node(r, nd->a, &t, 1);
		int single = !ascii && single_token(t.s ? t.s : "", t.len);
		vxr_buf_puts(b, ascii ? "sqrt" : "√");
		if (!single)
			vxr_buf_putc(b, '(');
		vxr_buf_absorb(b, &t);
		if (!single)
			vxr_buf_putc(b, ')');
		break;
	}
	case N_FENCE:
		if (nd->sym)
			tx_sym(r, nd->sym, b);
		tx_node(r, nd->a, b, tight);
		if (nd->sym2)
			tx_sym(r, nd->sym2, b);
		break;
	case N_MATRIX: {
		static const char *const open_u[] = { "[", "[", "[", "|", "‖" };
		static const char *const open_a[] = { "[", "[", "[", "|", "||" };
		static const char *const close_u[] = { "]", "]", "]", "|", "‖" };
		static const char *const close_a[] = { "]", "]", "]", "|", "||" };
		vxr_buf_puts(b, (ascii ? open_a : open_u)[nd->kind]);
		for (int rw = nd->first; rw >= 0; rw = N(r, rw)->next) {
			if (rw != nd->first)
				vxr_buf_puts(b, "; ");
			for (int c = N(r, rw)->first; c >= 0; c = N(r, c)->next) {
				if (c != N(r, rw)->first)
					vxr_buf_putc(b, ' ');
				vxr_buf t = { 0 };
				tx_node(r, c, &t, 1);
				/* cells are separated by spaces: one with a space inside is bracketed */
				int parens = t.len && memchr(t.s, ' ', t.len) != NULL;
				if (parens)
					vxr_buf_putc(b, '(');
				vxr_buf_absorb(b, &t);
				if (parens)
					vxr_buf_putc(b, ')');
			}
		}
		vxr_buf_puts(b, (ascii ? close_a : close_u)[nd->kind]);
		break;
	}
	}
}

/* ------------------------------------------------------------------ */
/* LaTeX                                                               */
/* ------------------------------------------------------------------ */

typedef struct {
	vxr_buf *b;
	int after_cw;   /* the output ends in a control word: a letter next needs a space */
} ltx;

static void lt_put(ltx *L, const char *s)
{
	if (!*s)
		return;
	if (L->after_cw && is_alpha((unsigned char)s[0]))
		vxr_buf_putc(L->b, ' ');
	vxr_buf_puts(L->b, s);
	size_t n = strlen(s);
	/* does s end in a control word (\name)? */
	size_t k = n;
	while (k > 0 && is_alpha((unsigned char)s[k - 1]))
		k--;
	L->after_cw = k < n && k > 0 && s[k - 1] == '\\';
}

static void lt_node(const rend *r, int id, ltx *L);

static void lt_group(const rend *r, int id, ltx *L)
{
	lt_put(L, "{");
	if (id >= 0)
		lt_node(r, id, L);
	lt_put(L, "}");
}

static void lt_row(const rend *r, int id, ltx *L)
{
	int prev = -1;
	sclass pcl = C_OPEN;
	for (int k = N(r, id)->first; k >= 0; k = N(r, k)->next) {
		sclass cl = node_class(r, k);
		int unary = cl == C_BIN && (prev < 0 || pcl == C_BIN || pcl == C_REL || pcl == C_OPEN ||
		                            pcl == C_PUNCT || pcl == C_LARGE || pcl == C_TBIN);
		int spaced = !unary && (cl == C_REL || cl == C_BIN || cl == C_TBIN);
		if (spaced && prev >= 0)
			lt_put(L, " ");
		lt_node(r, k, L);
		if (spaced && N(r, k)->next >= 0)
			lt_put(L, " ");
		prev = k;
		pcl = unary ? C_ORD : cl;
	}
}

static void lt_node(const rend *r, int id, ltx *L)
{
	const node *nd = N(r, id);
	const char *s = r->P->s + nd->off;
	char tmp[8];
	switch (nd->type) {
	case N_ROW:
		lt_row(r, id, L);
		break;
	case N_MROW:
		break;
	case N_LETTER:
		tmp[0] = s[0];
		tmp[1] = '\0';
		lt_put(L, tmp);
		break;
	case N_NUM: {
		vxr_buf t = { 0 };
		vxr_buf_put(&t, s, nd->len);
		if (t.s)
			lt_put(L, t.s);
		if (t.oom)
			L->b->oom = 1;
		free(t.s);
		break;
	}
	case N_SYM:
		lt_put(L, nd->sym->tex);
		break;
	case N_TEXT: {
		/* \mathbb needs amssymb; bold R reads the same and amsmath suffices */
		static const char *const cmd[] = { "\\text{", "\\mathrm{", "\\mathbf{", "\\operatorname{",
		                                   "\\mathbf{" };
		lt_put(L, cmd[nd->kind]);
		for (size_t i = 0; i < nd->len; i++) {
			char c = s[i];
			if (nd->kind != T_TEXT && is_space((unsigned char)c))
				continue;
			switch (c) {
			case '%': vxr_buf_puts(L->b, "\\%"); break;
			case '#': vxr_buf_puts(L->b, "\\#"); break;
			case '&': vxr_buf_puts(L->b, "\\&"); break;
			case '_': vxr_buf_puts(L->b, "\\_"); break;
			case '^': vxr_buf_puts(L->b, "\\^{}"); break;
			case '~': vxr_buf_puts(L->b, "\\~{}"); break;
			case '\n': case '\t': vxr_buf_putc(L->b, ' '); break;
			default: vxr_buf_putc(L->b, c);
			}
		}
		L->after_cw = 0;
		lt_put(L, "}");
		break;
	}
	case N_SPACE: {
		static const char *const w[] = { "\\,", "\\:", "\\;", "\\!", "\\quad", "\\qquad", "~" };
		lt_put(L, w[nd->kind]);
		break;
	}
	case N_SCRIPT:
		if (nd->a >= 0) {
			const node *base = N(r, nd->a);
			if (base->type == N_ROW)
				lt_group(r, nd->a, L);
			else
				lt_node(r, nd->a, L);
		} else {
			lt_put(L, "{}");
		}
		for (int i = 0; i < nd->kind; i++)
			lt_put(L, "'");
		if (nd->b >= 0) {
			lt_put(L, "_");
			lt_group(r, nd->b, L);
		}
		if (nd->c >= 0) {
			lt_put(L, "^");
			lt_group(r, nd->c, L);
		}
		break;
	case N_FRAC:
		lt_put(L, "\\frac");
		lt_group(r, nd->a, L);
		lt_group(r, nd->b, L);
		break;
	case N_SQRT:
		lt_put(L, "\\sqrt");
		lt_group(r, nd->a, L);
		break;
	case N_FENCE:
		lt_put(L, "\\left");
		lt_put(L, nd->sym ? nd->sym->tex : ".");
		lt_node(r, nd->a, L);
		lt_put(L, "\\right");
		lt_put(L, nd->sym2 ? nd->sym2->tex : ".");
		break;
	case N_MATRIX:
		lt_put(L, "\\begin{");
		lt_put(L, env_names[nd->kind]);
		lt_put(L, "}");
		for (int rw = nd->first; rw >= 0; rw = N(r, rw)->next) {
			if (rw != nd->first)
				lt_put(L, " \\\\ ");
			for (int c = N(r, rw)->first; c >= 0; c = N(r, c)->next) {
				if (c != N(r, rw)->first)
					lt_put(L, " & ");
				lt_node(r, c, L);
			}
		}
		lt_put(L, "\\end{");
		lt_put(L, env_names[nd->kind]);
		lt_put(L, "}");
		break;
	}
}

/* ------------------------------------------------------------------ */
/* Entry points                                                        */
/* ------------------------------------------------------------------ */

/* The 1-based column of byte offset pos, counted in characters. */
static size_t column_of(const char *s, size_t pos)
{
	size_t col = 1;
	for (size_t i = 0; i < pos; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			col++;
	return col;
}

static void set_err(vx_error *err, const char *msg)
{
	vx_fail(err, VX_EFORMAT, "%s", msg);
}

vx_status vxm_render(const char *src, size_t len, vxm_target target, int display,
                     char **out, size_t *col, vx_error *err)
{
	if (out)
		*out = NULL;
	if (col)
		*col = 0;
	if (err)
		err->msg[0] = '\0';
	if (!out || (!src && len) || (int)target < VXM_MATHML || target > VXM_LATEX) {
		set_err(err, "vxm_render: bad arguments");
		return VX_EUSAGE;
	}
	if (len > VXM_MAX_LEN) {
		if (col)
			*col = 1;
		set_err(err, "formula longer than 1 MiB");
		return VX_EFORMAT;
	}
	parser P = { .s = src ? src : "", .n = len };
	for (size_t i = 0; i < len; i++) {
		if (src[i] == '\0') {
			fail(&P, i, "NUL byte in formula");
			break;
		}
	}
	int root = P.failed ? -1 : parse_row(&P, CTX_TOP);
	if (P.failed || root < 0) {
		vx_status st = P.nomem ? VX_ENOMEM : VX_EFORMAT;
		if (col)
			*col = P.nomem ? 0 : column_of(P.s, P.errpos);
		set_err(err, P.msg);
		free(P.v);
		return st;
	}
	rend r = { &P, target, display, 0 };
	vxr_buf b = { 0 };
	switch (target) {
	case VXM_MATHML:
		vxr_buf_puts(&b, display ? "<math display=\"block\">" : "<math>");
		ml_node(&r, root, &b);
		vxr_buf_puts(&b, "</math>");
		break;
	case VXM_UNICODE:
	case VXM_ASCII:
		tx_node(&r, root, &b, 0);
		vxr_buf_puts(&b, "");
		break;
	case VXM_LATEX: {
		ltx L = { &b, 0 };
		lt_node(&r, root, &L);
		vxr_buf_puts(&b, "");
		break;
	}
	}
	free(P.v);
	if (b.oom || !b.s) {
		free(b.s);
		set_err(err, "out of memory");
		return VX_ENOMEM;
	}
	if (target == VXM_UNICODE || target == VXM_ASCII) {
		/* \quad at an end would only pad the line */
		size_t a = 0, z = b.len;
		while (a < z && b.s[a] == ' ')
			a++;
		while (z > a && b.s[z - 1] == ' ')
			z--;
		memmove(b.s, b.s + a, z - a);
		b.len = z - a;
		b.s[b.len] = '\0';
	}
	if (target == VXM_ASCII) {
		/* the last line of defence for LANG=C: nothing past 0x7F leaves */
		for (size_t i = 0; i < b.len; i++)
			if ((unsigned char)b.s[i] >= 0x80)
				b.s[i] = '?';
	}
	*out = b.s;
	return VX_OK;
}

/* 1 + the index of the table entry whose small form starts s and stands
 * for an ASCII character; 0 when none. */
static size_t small_ascii(const char *s, size_t n, const cpmap *m, size_t nm)
{
	for (size_t k = 0; k < nm; k++) {
		size_t l = strlen(m[k].to);
		if (m[k].cp < 0x80 && l <= n && memcmp(m[k].to, s, l) == 0)
			return k + 1;
	}
	return 0;
}

char *vxm_to_ascii(const char *s)
{
	vxr_buf b = { 0 };
	vxr_buf_puts(&b, "");
	int last_word = 0;
	size_t n = s ? strlen(s) : 0;
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80) {
			if (last_word && (is_alpha(c) || is_digit(c)))
				vxr_buf_putc(&b, '*');
			vxr_buf_putc(&b, (char)(c < 0x20 && c != '\n' && c != '\t' ? '?' : c));
			last_word = 0;
			i++;
			continue;
		}
		uint32_t cp;
		size_t l = vxr_u8_dec((const unsigned char *)s + i, n - i, &cp);
		if (!l) {
			vxr_buf_putc(&b, '?');
			i++;
			continue;
		}
		const msym *sym = sym_by_char(s + i, l);
		if (!sym) /* a terminal spelling (Π Σ ·) rather than a source one */
			for (size_t k = 0; k < NSYMS && !sym; k++)
				if (strlen(syms[k].uni) == l && memcmp(syms[k].uni, s + i, l) == 0)
					sym = &syms[k];
		const char *rep = sym ? sym->ascii : NULL;
		if (!rep) {
			/* a run of small digits or letters: 10⁻⁴ becomes 10^(-4), sₜ becomes s_t */
			size_t used = 0;
			for (int part = 0; part < 2 && !used; part++) {
				const cpmap *m = part ? sub_map : sup_map;
				size_t nm = part ? sizeof sub_map / sizeof sub_map[0] : sizeof sup_map / sizeof sup_map[0];
				char run[64];
				size_t rn = 0, j = i;
				while (j < n && rn < sizeof run) {
					size_t k = small_ascii(s + j, n - j, m, nm);
					if (!k)
						break;
					run[rn++] = (char)m[k - 1].cp;
					j += strlen(m[k - 1].to);
				}
				if (rn) {
					vxr_buf_putc(&b, part ? '_' : '^');
					if (rn > 1)
						vxr_buf_putc(&b, part ? '{' : '(');
					vxr_buf_put(&b, run, rn);
					if (rn > 1)
						vxr_buf_putc(&b, part ? '}' : ')');
					used = j - i;
				}
			}
			if (used) {
				i += used;
				last_word = 0;
				continue;
			}
		}
		if (!rep)
			rep = cp == 0x00A0 ? " " : cp == 0x2013 || cp == 0x2014 ? "-" : "?";
		/* γλ is gamma*lambda, not one name "gammalambda" */
		int word = strlen(rep) > 1 && is_alpha((unsigned char)rep[0]);
		char last = vxr_buf_last(&b);
		if ((word || last_word) && (is_alpha((unsigned char)last) || is_digit((unsigned char)last)) &&
		    (is_alpha((unsigned char)rep[0]) || is_digit((unsigned char)rep[0])))
			vxr_buf_putc(&b, '*');
		vxr_buf_puts(&b, rep);
		last_word = word;
		i += l;
	}
	return vxr_buf_take(&b);
}
