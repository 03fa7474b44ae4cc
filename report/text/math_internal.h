/*
 * math_internal.h — PRIVATE to the math converter; its interface is math.h.
 *
 * The types and calls its pieces share, and nothing else:
 *   math_parse.c   the symbol table and the parser (TeX source → tree)
 *   math_mathml.c  the MathML writer
 *   math_linear.c  the Unicode and ASCII writer (linear text)
 *   math_box.c     the Unicode and ASCII layout in character cells (2-D)
 *   math_latex.c   the LaTeX writer
 *   math.c         the entry points, vxm_render and vxm_to_ascii, and the
 *                  node classes every writer asks for
 * Only those files include this header.
 */
#ifndef VXR_MATH_INTERNAL_H
#define VXR_MATH_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "report/text/buf.h"
#include "report/text/math.h"

/* ------------------------------------------------------------------ */
/* Symbols                                                             */
/* ------------------------------------------------------------------ */

/* TeX's atom classes, reduced to what spacing and parenthesising need. */
typedef enum {
	C_ORD, C_BIN, C_TBIN, /* tight binary: · × drawn without spaces */
	C_REL, C_OPEN, C_CLOSE, C_FENCE, /* | and ‖: open or close by position */
	C_PUNCT, C_LARGE, C_FUNC, C_LIMFUNC, C_PARTIAL
} sclass;

/* msym.flags: F_MI an identifier (<mi> in MathML), F_NORMAL set upright */
enum { F_MI = 1, F_NORMAL = 2 };

/* One entry of the symbol table: how a command or character is spelt in
 * each target. */
typedef struct {
	const char *cmd;   /* TeX name without the backslash; NULL: a character only */
	const char *in;    /* the character accepted in the source; NULL: none */
	const char *ml;    /* MathML text */
	const char *uni;   /* terminal text */
	const char *ascii; /* LANG=C text */
	const char *tex;   /* normalised LaTeX */
	unsigned char cls, flags;
} msym;

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

/* N_TEXT kinds: \text (and \textrm \mbox), \mathrm, \mathbf, \operatorname, \mathbb */
enum { T_TEXT, T_RM, T_BF, T_OPNAME, T_BB };
/* N_SPACE kinds: \, \: \; \! \quad \qquad, and ~ or "\ " (a word space) */
enum { SP_THIN, SP_MED, SP_THICK, SP_NEG, SP_QUAD, SP_QQUAD, SP_WORD };
/* N_MATRIX kinds, in the order of vxm_env_name: matrix pmatrix bmatrix vmatrix Vmatrix */
enum { M_PLAIN, M_P, M_B, M_V, M_VV };

/* A node, addressed by its index in parser.v; -1 stands for none. */
typedef struct {
	ntype type;
	int first, last, next;  /* children (N_ROW, N_MROW, N_MATRIX); next: the sibling */
	int a, b, c;            /* operands, as ntype says */
	const msym *sym, *sym2; /* N_SYM's symbol; N_FENCE's delimiters (NULL: \left.) */
	size_t off, len;        /* N_LETTER, N_NUM, N_TEXT: a slice of the source */
	int kind;               /* N_TEXT T_*, N_SPACE SP_*, N_SCRIPT primes, N_MATRIX M_* */
	int nkids;
} node;

/* The parser's state and, once it has run, the tree and the first error. */
typedef struct {
	const char *s;          /* the source, n bytes; i: the position */
	size_t n, i;
	int depth;              /* rows open: at most 64 */
	node *v;                /* the nodes (malloc'd, the caller frees) */
	size_t nv, cap;
	int failed, nomem;      /* an error; it was out of memory */
	size_t errpos;          /* the error's byte offset in s */
	char msg[256];          /* and its message */
} parser;

/* Whether c (any int: a byte or a code point) is an ASCII letter, digit or
 * blank (space, tab, newline, carriage return); <ctype.h> would answer by
 * the locale, and the tutor sets one. */
int vxm_is_alpha(int c);
int vxm_is_digit(int c);
int vxm_is_space(int c);

/* Parses the formula src[0..len) into P (which it initialises; src may be
 * NULL when len is 0).  Returns the index of the root, an N_ROW, or -1
 * with P->failed set, P->errpos and P->msg the first error and P->nomem
 * when that was an allocation.  Either way the caller frees P->v.  len is
 * the caller's to bound (math.c refuses more than 1 MiB). */
int vxm_parse(parser *P, const char *src, size_t len);

/* The symbol the source character s[0..n) stands for (σ, −, ≤, + …), or NULL. */
const msym *vxm_sym_by_char(const char *s, size_t n);

/* The symbol whose terminal spelling is s[0..n) (Π and Σ for \prod and
 * \sum, · for \cdot, as well as the source characters), or NULL. */
const msym *vxm_sym_by_uni(const char *s, size_t n);

/* The character of \mathbb{c} (ℝ for R); c must be one of the letters the
 * parser accepts there (C H N P Q R Z). */
const char *vxm_bb_char(char c);

/* The name of matrix environment kind (M_PLAIN .. M_VV): "pmatrix" etc. */
const char *vxm_env_name(int kind);

/* ------------------------------------------------------------------ */
/* Rendering                                                           */
/* ------------------------------------------------------------------ */

/* What every writer reads while it walks the tree. */
typedef struct {
	const parser *P;
	vxm_target target;
	int display;
	int script;   /* MathML: inside a sub- or superscript, where TeX sets operators tight */
} rend;

/* The node with index id (id >= 0). */
const node *vxm_at(const rend *r, int id);

/* The class node id has between its neighbours in a row: a symbol's own,
 * a script's base's when that is a large operator or a function, C_FUNC
 * for \operatorname, C_ORD for the rest. */
sclass vxm_node_class(const rend *r, int id);
/* Whether a binary operator of class cl (− + ±) is unary where it stands:
 * first in its row (has_prev 0) or after an operator, a relation, an
 * opening bracket, punctuation or a large operator (pcl), as TeX reads it:
 * the − of "≈ −0.666" or "(−x". */
int vxm_unary(sclass cl, int has_prev, sclass pcl);

/* Each writer writes the whole formula with root `root` into the empty
 * buffer b; an allocation failure is left in b->oom.
 *   vxm_write_mathml  <math>…</math> (display="block" when r->display)
 *   vxm_write_linear  Unicode or ASCII by r->target, without the spaces a
 *                     \quad leaves at either end; ASCII holds bytes < 0x80 only
 *   vxm_write_latex   the LaTeX source, without $ delimiters */
void vxm_write_mathml(rend *r, int root, vxr_buf *b);
void vxm_write_linear(const rend *r, int root, vxr_buf *b);
void vxm_write_latex(const rend *r, int root, vxr_buf *b);

/* The linear text of node id alone (as vxm_write_linear writes it inside
 * a row; tight: without spaces around operators, as in scripts), appended
 * to b.  math_box.c sets in one line whatever needs no second. */
void vxm_write_linear_node(const rend *r, int id, vxr_buf *b, int tight);

/* Appends to out the small form of every code point of s[0..n), the
 * superscript characters when sup, else the subscript ones, and returns 1;
 * returns 0 and leaves out untouched when one has none. */
int vxm_small_form(const char *s, size_t n, int sup, vxr_buf *out);

/* Whether s[0..n) is one token of linear text: one code point, one word
 * or one number, which a script or \sqrt needs no brackets around. */
int vxm_single_token(const char *s, size_t n);

/* Lays out the formula with root `root` in character cells into *out
 * (math.h's vxm_layout says how; width <= 0: no limit); *oom is set when an
 * allocation failed, the box then incomplete but freeable. */
void vxm_write_box(const rend *r, int root, int width, vxm_box *out, int *oom);

/* Spells in ASCII the run of superscript, else of subscript, characters
 * that stand for ASCII ones at the start of s[0..n) (at most 64): 10⁻⁴'s
 * "⁻⁴" as ^(-4), sₜ's "ₜ" as _t, a lone one before a letter or digit in
 * brackets (10²3 as 10^(2)3).  Appends it to b and returns the bytes it
 * took; 0, b untouched, when s starts with neither. */
size_t vxm_small_to_ascii(const char *s, size_t n, vxr_buf *b);

#endif
