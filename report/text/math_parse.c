/*
 * math_parse.c — the symbol table of the TeX subset (math.h) and the parser
 * that builds the converter's tree from it (math_internal.h).
 *
 * Hostile input is expected (a user's own template): the parser is a plain
 * recursive descent whose every recursion passes through parse_row, which
 * counts nesting and stops at VXM_MAX_DEPTH; every loop consumes input; the
 * tree is an array of nodes addressed by index, freed in one go.
 */
#include "report/text/math_internal.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/text/utf8.h"

enum { VXM_MAX_DEPTH = 64 };

/* ------------------------------------------------------------------ */
/* Symbols                                                             */
/* ------------------------------------------------------------------ */

#define GR(c, u, a) { c, u, u, u, a, "\\" c, C_ORD, F_MI }
#define GU(c, u, a) { c, u, u, u, a, "\\" c, C_ORD, F_MI | F_NORMAL }
#define FN(c, k) { c, NULL, c, c, c, "\\" c, k, F_MI }
#define CH(s, ml, cls, fl) { NULL, s, ml, s, s, s, cls, fl }
/* a symbol written as the command \c or as the character u itself */
#define SY(c, u, a, cls) { c, u, u, u, a, "\\" c, cls, 0 }
/* a letter-like one, set as an upright identifier */
#define LS(c, u, a) { c, u, u, u, a, "\\" c, C_ORD, F_MI | F_NORMAL }
/* a command only, spelt \t in LaTeX (\leq as \le) */
#define AL(c, u, a, t, cls) { c, NULL, u, u, a, "\\" t, cls, 0 }

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
	LS("nabla", "∇", "nabla"), LS("infty", "∞", "inf"), LS("ell", "ℓ", "l"), LS("top", "⊤", "T"),
	SY("prime", "′", "'", C_ORD), SY("forall", "∀", "forall", C_ORD), SY("exists", "∃", "exists", C_ORD),
	/* large operators: the terminal gets the Greek capital, more fonts have it */
	{ "prod", "∏", "∏", "Π", "prod", "\\prod", C_LARGE, 0 },
	{ "sum", "∑", "∑", "Σ", "sum", "\\sum", C_LARGE, 0 },
	/* relations */
	SY("le", "≤", "<=", C_REL), AL("leq", "≤", "<=", "le", C_REL), SY("ge", "≥", ">=", C_REL),
	AL("geq", "≥", ">=", "ge", C_REL), SY("ne", "≠", "!=", C_REL), AL("neq", "≠", "!=", "ne", C_REL),
	SY("approx", "≈", "~=", C_REL), SY("sim", "∼", "~", C_REL), SY("equiv", "≡", "==", C_REL),
	SY("propto", "∝", "propto", C_REL), SY("ll", "≪", "<<", C_REL), SY("gg", "≫", ">>", C_REL),
	SY("to", "→", "->", C_REL), AL("rightarrow", "→", "->", "to", C_REL),
	SY("leftarrow", "←", "<-", C_REL), SY("Rightarrow", "⇒", "=>", C_REL), SY("mapsto", "↦", "|->", C_REL),
	SY("in", "∈", "in", C_REL), AL("mid", "|", "|", "mid", C_REL),
	/* binary operators */
	{ "cdot", "⋅", "⋅", "·", "*", "\\cdot", C_TBIN, 0 },
	{ NULL, "·", "⋅", "·", "*", "\\cdot", C_TBIN, 0 },
	SY("times", "×", "*", C_TBIN), SY("pm", "±", "+/-", C_BIN), SY("mp", "∓", "-/+", C_BIN),
	SY("circ", "∘", "o", C_BIN), SY("odot", "⊙", "(.)", C_BIN), SY("otimes", "⊗", "(x)", C_BIN),
	{ NULL, "−", "−", "−", "-", "-", C_BIN, 0 },
	/* dots */
	SY("ldots", "…", "...", C_ORD), AL("dots", "…", "...", "ldots", C_ORD), SY("cdots", "⋯", "...", C_ORD),
	SY("vdots", "⋮", ":", C_ORD), SY("ddots", "⋱", "...", C_ORD),
	/* delimiters */
	SY("|", "‖", "||", C_FENCE), AL("lVert", "‖", "||", "lVert", C_OPEN), AL("rVert", "‖", "||", "rVert", C_CLOSE),
	AL("lvert", "|", "|", "lvert", C_OPEN), AL("rvert", "|", "|", "rvert", C_CLOSE),
	SY("langle", "⟨", "<", C_OPEN), SY("rangle", "⟩", ">", C_CLOSE), AL("{", "{", "{", "{", C_OPEN),
	AL("}", "}", "}", "}", C_CLOSE),
	/* escaped specials */
	AL("%", "%", "%", "%", C_ORD), AL("&", "&", "&", "&", C_ORD), AL("#", "#", "#", "#", C_ORD),
	AL("$", "$", "$", "$", C_ORD), AL("_", "_", "_", "_", C_ORD),
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

const msym *vxm_sym_by_char(const char *s, size_t n)
{
	for (size_t i = 0; i < NSYMS; i++)
		if (syms[i].in && strlen(syms[i].in) == n && memcmp(syms[i].in, s, n) == 0)
			return &syms[i];
	return NULL;
}

const msym *vxm_sym_by_uni(const char *s, size_t n)
{
	for (size_t i = 0; i < NSYMS; i++)
		if (strlen(syms[i].uni) == n && memcmp(syms[i].uni, s, n) == 0)
			return &syms[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* The tree                                                            */
/* ------------------------------------------------------------------ */

/* \mathbb letters that have a character of their own (ℝ, ℕ, …) */
static const char bb_letters[] = "CHNPQRZ";
static const char *const bb_chars[] = { "ℂ", "ℍ", "ℕ", "ℙ", "ℚ", "ℝ", "ℤ" };
static const char *const env_names[] = { "matrix", "pmatrix", "bmatrix", "vmatrix", "Vmatrix" };

const char *vxm_bb_char(char c)
{
	return bb_chars[strchr(bb_letters, c) - bb_letters];
}

const char *vxm_env_name(int kind)
{
	return env_names[kind];
}

int vxm_is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
int vxm_is_digit(int c) { return c >= '0' && c <= '9'; }
int vxm_is_space(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

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

static void skip_ws(parser *P)
{
	while (P->i < P->n && vxm_is_space((unsigned char)P->s[P->i]))
		P->i++;
}

/* Length of the control word's letters at a backslash at pos (0 if none). */
static size_t cw_len(const parser *P, size_t pos)
{
	size_t k = pos + 1;
	while (k < P->n && vxm_is_alpha((unsigned char)P->s[k]))
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
		} else if (!vxm_is_alpha(c) && !vxm_is_digit(c) && !vxm_is_space(c)) {
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
			s = vxm_sym_by_char(P->s + P->i, adv);
	} else {
		s = vxm_sym_by_char(P->s + P->i, 1);
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
	while (P->i < P->n && vxm_is_alpha((unsigned char)P->s[P->i]))
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
		while (a < z && vxm_is_space((unsigned char)P->s[a]))
			a++;
		while (z > a && vxm_is_space((unsigned char)P->s[z - 1]))
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
	if (vxm_is_alpha(c)) {
		int nd = new_node(P, N_LETTER);
		if (nd < 0)
			return -1;
		P->v[nd].off = pos;
		P->v[nd].len = 1;
		P->i++;
		return nd;
	}
	if (vxm_is_digit(c) || (c == '.' && pos + 1 < P->n && vxm_is_digit((unsigned char)P->s[pos + 1]) && !single)) {
		size_t k = pos;
		if (single) {
			k++;
		} else {
			while (k < P->n && vxm_is_digit((unsigned char)P->s[k]))
				k++;
			if (k + 1 < P->n && P->s[k] == '.' && vxm_is_digit((unsigned char)P->s[k + 1])) {
				k++;
				while (k < P->n && vxm_is_digit((unsigned char)P->s[k]))
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
		const msym *s = vxm_sym_by_char(P->s + pos, l);
		if (!s)
			return fail(P, pos, "unsupported character U+%04X (write it as a command)", (unsigned)cp);
		P->i += l;
		return make_sym(P, s);
	}
	const msym *s = (c >= 0x20 && c < 0x7F) ? vxm_sym_by_char(P->s + pos, 1) : NULL;
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

int vxm_parse(parser *P, const char *src, size_t len)
{
	memset(P, 0, sizeof *P);
	P->s = src ? src : "";
	P->n = len;
	for (size_t i = 0; i < len; i++) {
		if (src[i] == '\0') {
			fail(P, i, "NUL byte in formula");
			return -1;
		}
	}
	return parse_row(P, CTX_TOP);
}
