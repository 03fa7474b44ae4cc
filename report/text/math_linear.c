/*
 * math_linear.c — the Unicode and ASCII writer of the math converter: the
 * parser's tree (math_internal.h) as one line of text for terminals and
 * plain text (∂sₜ/∂sₖ, or d s_t/d s_k for LANG=C), with the small letters
 * and digits of scripts and the spacing of math.h.
 */
#include "report/text/math_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report/text/utf8.h"

/* The small forms of characters: the superscripts and subscripts of
 * scripts here, read the other way by vxm_small_to_ascii. */
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
int vxm_single_token(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	uint32_t cp;
	if (vxr_u8_dec((const unsigned char *)s, n, &cp) == n)
		return 1;
	int alpha = 1, digit = 1;
	for (size_t i = 0; i < n; i++) {
		alpha &= vxm_is_alpha((unsigned char)s[i]);
		digit &= vxm_is_digit((unsigned char)s[i]);
	}
	return alpha || digit;
}

/* Decodes the last code point of b into *cp: 1, or 0 when b is empty or
 * does not end in a well-formed sequence. */
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
	return vxm_is_alpha((int)cp) || vxm_is_digit((int)cp) || (cp >= 0x0370 && cp <= 0x03FF);
}

/* Whether a node drawn as a numerator, denominator, script base or matrix
 * cell in linear text needs parentheses to keep its meaning. */
static int needs_parens(const rend *r, int id)
{
	const node *nd = vxm_at(r, id);
	if (nd->type == N_FRAC)
		return 1;
	if (nd->type == N_SCRIPT)
		return vxm_node_class(r, id) == C_LARGE;
	if (nd->type != N_ROW)
		return 0;
	if (nd->nkids == 1)
		return needs_parens(r, nd->first);
	int pos = 0;
	for (int k = nd->first; k >= 0; k = vxm_at(r, k)->next, pos++) {
		const node *c = vxm_at(r, k);
		sclass cl = vxm_node_class(r, k);
		if (c->type == N_FRAC || cl == C_REL || cl == C_PUNCT || cl == C_LARGE || cl == C_TBIN)
			return 1;
		if (cl == C_BIN && pos > 0)
			return 1;
		if (c->type == N_SYM && strcmp(c->sym->ascii, "/") == 0)
			return 1;
	}
	return 0;
}

static void tx_node(const rend *r, int id, vxr_buf *b, int tight);

int vxm_small_form(const char *s, size_t n, int sup, vxr_buf *out)
{
	return sup ? map_script(s, n, sup_map, sizeof sup_map / sizeof sup_map[0], out)
	           : map_script(s, n, sub_map, sizeof sub_map / sizeof sub_map[0], out);
}

void vxm_write_linear_node(const rend *r, int id, vxr_buf *b, int tight)
{
	tx_node(r, id, b, tight);
}

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
	const node *nd = vxm_at(r, id);
	if (nd->type == N_SCRIPT)
		return nd->a >= 0 && ascii_word(r, nd->a);
	if (nd->type != N_SYM)
		return 0;
	const char *a = nd->sym->ascii;
	return strlen(a) > 1 && vxm_is_alpha((unsigned char)a[0]);
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
	int nx = vxm_at(r, k)->next;
	while (nx >= 0 && vxm_at(r, nx)->type == N_SPACE)
		nx = vxm_at(r, nx)->next;
	if (nx < 0)
		return 0;
	sclass c = vxm_node_class(r, nx);
	if (c == C_FENCE)
		c = fences_open & 1 ? C_CLOSE : C_OPEN;
	return c != C_REL && c != C_BIN && c != C_TBIN && c != C_PUNCT && c != C_CLOSE;
}

static void tx_row(const rend *r, int id, vxr_buf *b, int tight)
{
	const node *row = vxm_at(r, id);
	int ascii = r->target == VXM_ASCII;
	int prev = -1;
	sclass pcl = C_OPEN;
	int pending = 0, fences = 0;
	for (int k = row->first; k >= 0; k = vxm_at(r, k)->next) {
		vxr_buf t = { 0 };
		sclass cl = vxm_node_class(r, k);
		const node *kn = vxm_at(r, k);
		if (cl == C_FENCE || (kn->type == N_SCRIPT && kn->a >= 0 && vxm_node_class(r, kn->a) == C_FENCE))
			fences++;
		if (vxm_at(r, k)->type == N_FRAC && frac_juxtaposed(r, prev, pcl, k, fences)) {
			/* (∂Lₜ/∂sₜ)(∂sₜ/∂sₖ): a/b beside a factor would bind wrongly */
			vxr_buf_putc(&t, '(');
			tx_node(r, k, &t, tight);
			vxr_buf_putc(&t, ')');
		} else {
			tx_node(r, k, &t, tight);
		}
		int unary = vxm_unary(cl, prev >= 0, pcl);
		if (vxm_at(r, k)->type == N_SPACE) {
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
		int have_last = u8_lastcp(b, &last);
		int have_first = vxr_u8_dec((const unsigned char *)t.s, t.len, &first) > 0;
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
		    ((cl == C_FUNC || cl == C_LIMFUNC) && vxm_at(r, k)->type == N_SCRIPT))
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
	if (nd->a >= 0) {
		const node *base = vxm_at(r, nd->a);
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
		/* on one line a script that is more than one token is bracketed
		 * in ( ), never TeX's { }: s_(j,i), Σ_(k=1)^t, 10^(-4) */
		int single = vxm_single_token(t.s ? t.s : "", t.len);
		if (!single)
			vxr_buf_putc(b, '(');
		vxr_buf_absorb(b, &t);
		if (!single)
			vxr_buf_putc(b, ')');
	}
}

static void tx_text(const rend *r, const node *nd, vxr_buf *b)
{
	const char *s = r->P->s + nd->off;
	if (nd->kind == T_BB) {
		if (r->target == VXM_ASCII)
			vxr_buf_putc(b, s[0]);
		else
			vxr_buf_puts(b, vxm_bb_char(s[0]));
		return;
	}
	for (size_t i = 0; i < nd->len;) {
		unsigned char c = (unsigned char)s[i];
		if (c == '{' || c == '}' || (nd->kind != T_TEXT && vxm_is_space(c))) {
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
			const msym *sym = vxm_sym_by_char(s + i, l);
			vxr_buf_puts(b, sym ? sym->ascii : "?");
		} else {
			vxr_buf_put(b, s + i, l);
		}
		i += l;
	}
}

static void tx_node(const rend *r, int id, vxr_buf *b, int tight)
{
	const node *nd = vxm_at(r, id);
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
		int single = !ascii && vxm_single_token(t.s ? t.s : "", t.len);
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
		for (int rw = nd->first; rw >= 0; rw = vxm_at(r, rw)->next) {
			if (rw != nd->first)
				vxr_buf_puts(b, "; ");
			for (int c = vxm_at(r, rw)->first; c >= 0; c = vxm_at(r, c)->next) {
				if (c != vxm_at(r, rw)->first)
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

size_t vxm_small_to_ascii(const char *s, size_t n, vxr_buf *b)
{
	for (int part = 0; part < 2; part++) {
		const cpmap *m = part ? sub_map : sup_map;
		size_t nm = part ? sizeof sub_map / sizeof sub_map[0] : sizeof sup_map / sizeof sup_map[0];
		char run[64];
		size_t rn = 0, j = 0;
		while (j < n && rn < sizeof run) {
			size_t k = small_ascii(s + j, n - j, m, nm);
			if (!k)
				break;
			run[rn++] = (char)m[k - 1].cp;
			j += strlen(m[k - 1].to);
		}
		if (rn) {
			/* bracketed when longer than one character, or when a letter or
			 * digit follows: 10²3 is 10^(2)3, not 10^23 */
			int br = rn > 1 || (j < n && (vxm_is_alpha((unsigned char)s[j]) || vxm_is_digit((unsigned char)s[j])));
			vxr_buf_putc(b, part ? '_' : '^');
			if (br)
				vxr_buf_putc(b, '(');
			vxr_buf_put(b, run, rn);
			if (br)
				vxr_buf_putc(b, ')');
			return j;
		}
	}
	return 0;
}

void vxm_write_linear(const rend *r, int root, vxr_buf *b)
{
	tx_node(r, root, b, 0);
	vxr_buf_puts(b, "");
	if (b->oom || !b->s)
		return;
	/* \quad at an end would only pad the line */
	size_t a = 0, z = b->len;
	while (a < z && b->s[a] == ' ')
		a++;
	while (z > a && b->s[z - 1] == ' ')
		z--;
	memmove(b->s, b->s + a, z - a);
	b->len = z - a;
	b->s[b->len] = '\0';
	if (r->target == VXM_ASCII) {
		/* the last line of defence for LANG=C: nothing past 0x7F leaves */
		for (size_t i = 0; i < b->len; i++)
			if ((unsigned char)b->s[i] >= 0x80)
				b->s[i] = '?';
	}
}
