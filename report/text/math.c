/*
 * math.c — the entry points of the TeX subset of math.h: vxm_render checks
 * its arguments, has math_parse.c build the tree and the writer of the
 * target walk it (math_mathml.c, math_linear.c, math_latex.c); vxm_to_ascii
 * spells UTF-8 text in ASCII with the same symbol table.  The node classes
 * all three writers space and bracket by are here too.
 */
#include "report/text/math.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report/text/buf.h"
#include "report/text/math_internal.h"
#include "report/text/utf8.h"

#define VXM_MAX_LEN ((size_t)1 << 20)

/* ------------------------------------------------------------------ */
/* Rendering: shared                                                   */
/* ------------------------------------------------------------------ */

const node *vxm_at(const rend *r, int id) { return &r->P->v[id]; }

/* The class a node has between its neighbours in a row. */
sclass vxm_node_class(const rend *r, int id)
{
	const node *nd = vxm_at(r, id);
	switch (nd->type) {
	case N_SYM:
		return (sclass)nd->sym->cls;
	case N_SCRIPT:
		if (nd->a >= 0) {
			sclass c = vxm_node_class(r, nd->a);
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

int vxm_unary(sclass cl, int has_prev, sclass pcl)
{
	return cl == C_BIN && (!has_prev || pcl == C_BIN || pcl == C_REL || pcl == C_OPEN || pcl == C_PUNCT ||
	                       pcl == C_LARGE || pcl == C_TBIN);
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

/* Clears *col and err, checks the arguments (args_ok: the caller's own;
 * src NULL only when len is 0) and parses src into *P: VX_OK with the root
 * in *root and P->v the caller's to free, or the status with *col and err
 * set and nothing to free.  who names the caller in a usage error. */
static vx_status parse_checked(parser *P, const char *src, size_t len, int args_ok, const char *who, int *root,
                               size_t *col, vx_error *err)
{
	memset(P, 0, sizeof *P);
	if (col)
		*col = 0;
	if (err)
		err->msg[0] = '\0';
	if (!args_ok || (!src && len)) {
		vx_fail(err, VX_EFORMAT, "%s: bad arguments", who);
		return VX_EUSAGE;
	}
	if (len > VXM_MAX_LEN) {
		if (col)
			*col = 1;
		set_err(err, "formula longer than 1 MiB");
		return VX_EFORMAT;
	}
	*root = vxm_parse(P, src, len);
	if (P->failed || *root < 0) {
		if (col)
			*col = P->nomem ? 0 : column_of(P->s, P->errpos);
		set_err(err, P->msg);
		free(P->v);
		P->v = NULL;
		return P->nomem ? VX_ENOMEM : VX_EFORMAT;
	}
	return VX_OK;
}

vx_status vxm_render(const char *src, size_t len, vxm_target target, int display,
                     char **out, size_t *col, vx_error *err)
{
	if (out)
		*out = NULL;
	parser P;
	int root;
	vx_status st = parse_checked(&P, src, len, out && (int)target >= VXM_MATHML && target <= VXM_LATEX,
	                             "vxm_render", &root, col, err);
	if (st != VX_OK)
		return st;
	rend r = { &P, target, display, 0 };
	vxr_buf b = { 0 };
	switch (target) {
	case VXM_MATHML:
		vxm_write_mathml(&r, root, &b);
		break;
	case VXM_UNICODE:
	case VXM_ASCII:
		vxm_write_linear(&r, root, &b);
		break;
	case VXM_LATEX:
		vxm_write_latex(&r, root, &b);
		break;
	}
	free(P.v);
	if (b.oom || !b.s) {
		free(b.s);
		set_err(err, "out of memory");
		return VX_ENOMEM;
	}
	*out = b.s;
	return VX_OK;
}

vx_status vxm_layout(const char *src, size_t len, int ascii, int display, int width,
                     vxm_box *out, size_t *col, vx_error *err)
{
	if (out)
		memset(out, 0, sizeof *out);
	parser P;
	int root;
	vx_status st = parse_checked(&P, src, len, out != NULL, "vxm_layout", &root, col, err);
	if (st != VX_OK)
		return st;
	rend r = { &P, ascii ? VXM_ASCII : VXM_UNICODE, display, 0 };
	int oom = 0;
	vxm_write_box(&r, root, width, out, &oom);
	free(P.v);
	if (oom) {
		vxm_box_free(out);
		set_err(err, "out of memory");
		return VX_ENOMEM;
	}
	return VX_OK;
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
			if (last_word && (vxm_is_alpha(c) || vxm_is_digit(c)))
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
		const msym *sym = vxm_sym_by_char(s + i, l);
		if (!sym) /* a terminal spelling (Π Σ ·) rather than a source one */
			sym = vxm_sym_by_uni(s + i, l);
		const char *rep = sym ? sym->ascii : NULL;
		if (!rep) {
			/* a run of small digits or letters: 10⁻⁴ becomes 10^(-4), sₜ becomes s_t */
			size_t used = vxm_small_to_ascii(s + i, n - i, &b);
			if (used) {
				i += used;
				last_word = 0;
				continue;
			}
		}
		if (!rep)
			rep = cp == 0x00A0 ? " " : cp == 0x2013 || cp == 0x2014 ? "-" : "?";
		/* γλ is gamma*lambda, not one name "gammalambda" */
		int word = strlen(rep) > 1 && vxm_is_alpha((unsigned char)rep[0]);
		char last = vxr_buf_last(&b);
		if ((word || last_word) && (vxm_is_alpha((unsigned char)last) || vxm_is_digit((unsigned char)last)) &&
		    (vxm_is_alpha((unsigned char)rep[0]) || vxm_is_digit((unsigned char)rep[0])))
			vxr_buf_putc(&b, '*');
		vxr_buf_puts(&b, rep);
		last_word = word;
		i += l;
	}
	return vxr_buf_take(&b);
}
