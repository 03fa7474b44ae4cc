/*
 * math_latex.c — the LaTeX writer of the math converter: the formula
 * rebuilt from the parser's tree (math_internal.h) for the LaTeX handout,
 * Unicode input spelt as commands (− as -, σ as \sigma), scripts braced,
 * without $ delimiters.
 */
#include "report/text/math_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
	vxr_buf *b;
	int after_cw;   /* the output ends in a control word: a letter next needs a space */
} ltx;

static void lt_put(ltx *L, const char *s)
{
	if (!*s)
		return;
	if (L->after_cw && vxm_is_alpha((unsigned char)s[0]))
		vxr_buf_putc(L->b, ' ');
	vxr_buf_puts(L->b, s);
	size_t n = strlen(s);
	/* does s end in a control word (\name)? */
	size_t k = n;
	while (k > 0 && vxm_is_alpha((unsigned char)s[k - 1]))
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
	for (int k = vxm_at(r, id)->first; k >= 0; k = vxm_at(r, k)->next) {
		sclass cl = vxm_node_class(r, k);
		int unary = cl == C_BIN && (prev < 0 || pcl == C_BIN || pcl == C_REL || pcl == C_OPEN ||
		                            pcl == C_PUNCT || pcl == C_LARGE || pcl == C_TBIN);
		int spaced = !unary && (cl == C_REL || cl == C_BIN || cl == C_TBIN);
		if (spaced && prev >= 0)
			lt_put(L, " ");
		lt_node(r, k, L);
		if (spaced && vxm_at(r, k)->next >= 0)
			lt_put(L, " ");
		prev = k;
		pcl = unary ? C_ORD : cl;
	}
}

static void lt_node(const rend *r, int id, ltx *L)
{
	const node *nd = vxm_at(r, id);
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
			if (nd->kind != T_TEXT && vxm_is_space((unsigned char)c))
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
			const node *base = vxm_at(r, nd->a);
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
		lt_put(L, vxm_env_name(nd->kind));
		lt_put(L, "}");
		for (int rw = nd->first; rw >= 0; rw = vxm_at(r, rw)->next) {
			if (rw != nd->first)
				lt_put(L, " \\\\ ");
			for (int c = vxm_at(r, rw)->first; c >= 0; c = vxm_at(r, c)->next) {
				if (c != vxm_at(r, rw)->first)
					lt_put(L, " & ");
				lt_node(r, c, L);
			}
		}
		lt_put(L, "\\end{");
		lt_put(L, vxm_env_name(nd->kind));
		lt_put(L, "}");
		break;
	}
}

void vxm_write_latex(const rend *r, int root, vxr_buf *b)
{
	ltx L = { b, 0 };
	lt_node(r, root, &L);
	vxr_buf_puts(b, "");
}
