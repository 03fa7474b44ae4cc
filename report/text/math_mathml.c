/*
 * math_mathml.c — the MathML writer of the math converter: the parser's
 * tree (math_internal.h) as one <math> element for the HTML handout, with
 * & < > " escaped, so it can be pasted into the page as is.
 */
#include "report/text/math_internal.h"

#include <string.h>

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
	const node *nd = vxm_at(r, id);
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
		vxr_buf_puts(b, vxm_bb_char(s[0]));
		vxr_buf_puts(b, "</mi>");
		return;
	}
	vxr_buf t = { 0 };
	for (size_t i = 0; i < nd->len; i++)
		if (!vxm_is_space((unsigned char)s[i]))
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
	sclass bc = nd->a >= 0 ? vxm_node_class(r, nd->a) : C_ORD;
	int limits = r->display && (bc == C_LARGE || bc == C_LIMFUNC) && vxm_at(r, nd->a)->type == N_SYM;
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
	const node *nd = vxm_at(r, id);
	const char *s = r->P->s + nd->off;
	switch (nd->type) {
	case N_ROW: {
		int prev = -1;
		sclass pcl = C_OPEN;
		for (int k = nd->first; k >= 0; k = vxm_at(r, k)->next) {
			const node *kn = vxm_at(r, k);
			int unary = vxm_unary(vxm_node_class(r, k), prev >= 0, pcl);
			if (unary && kn->type == N_SYM && strcmp(kn->sym->ascii, "-") == 0 && kn->next >= 0 &&
			    vxm_at(r, kn->next)->type == N_NUM) {
				/* a negative number is one number, −0.666, not an operator
				 * spaced between ≈ and 0.666 */
				const node *num = vxm_at(r, kn->next);
				vxr_buf_puts(b, "<mn>−");
				vxr_buf_put(b, r->P->s + num->off, num->len);
				vxr_buf_puts(b, "</mn>");
				k = kn->next;
				prev = k;
				pcl = C_ORD;
				continue;
			}
			if (unary && kn->type == N_SYM) {
				/* −x, +x: a sign hugs what follows */
				vxr_buf_puts(b, "<mo form=\"prefix\" lspace=\"0\" rspace=\"0\">");
				ml_esc(b, kn->sym->ml, strlen(kn->sym->ml));
				vxr_buf_puts(b, "</mo>");
			} else {
				ml_node(r, k, b);
			}
			if (kn->type != N_SPACE) {
				prev = k;
				pcl = unary ? C_ORD : vxm_node_class(r, k);
			}
			/* max σ′, log x: TeX's thin space after a named operator
			 * before an operand (not before a bracket or an operator) */
			sclass c = vxm_node_class(r, k);
			int nx = vxm_at(r, k)->next;
			if ((c == C_FUNC || c == C_LIMFUNC) && nx >= 0) {
				sclass d = vxm_node_class(r, nx);
				if (d == C_ORD || d == C_PARTIAL || d == C_FUNC || d == C_LIMFUNC || d == C_LARGE)
					vxr_buf_puts(b, "<mspace width=\"0.1667em\"/>");
			}
		}
		break;
	}
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
		for (int rw = nd->first; rw >= 0; rw = vxm_at(r, rw)->next) {
			vxr_buf_puts(b, "<mtr>");
			for (int c = vxm_at(r, rw)->first; c >= 0; c = vxm_at(r, c)->next) {
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

void vxm_write_mathml(rend *r, int root, vxr_buf *b)
{
	vxr_buf_puts(b, r->display ? "<math display=\"block\">" : "<math>");
	ml_node(r, root, b);
	vxr_buf_puts(b, "</math>");
}
