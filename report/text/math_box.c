/*
 * math_box.c — the Unicode and ASCII layout of the math converter in
 * character cells: each node of the parser's tree (math_internal.h) becomes
 * a box, rows of text of one width with a baseline, and rows, fractions,
 * scripts, roots, fences and matrices compose their children's boxes.
 *
 * Whatever needs no second row (∂sⱼ, ‖W‖₂, (γλ)ᵗ⁻ᵏ; in ASCII s_(j-1)) is set
 * by the linear writer, so a formula without a fraction, a matrix, a root,
 * limits or (in Unicode) a script that lacks small characters reads exactly
 * as it does inline.
 */
#include "report/text/math_internal.h"

#include <stdlib.h>
#include <string.h>

#include "report/text/utf8.h"

/* ------------------------------------------------------------------ */
/* Boxes                                                               */
/* ------------------------------------------------------------------ */

typedef vxm_box box;

/* The layout's state: the tree, the target, and out of memory (sticky:
 * once set every box is empty and the caller reports the failure). */
typedef struct {
	const rend *r;
	int ascii;
	int apart;          /* ASCII: a script of more than one token on rows of its own */
	int oom;
	signed char *tall;  /* per node: -1 not known yet, else tall()'s answer */
} lay;

void vxm_box_free(vxm_box *b)
{
	if (!b)
		return;
	for (int i = 0; i < b->h; i++)
		free(b->rows[i]);
	free(b->rows);
	memset(b, 0, sizeof *b);
}

static void pad(vxr_buf *b, int n)
{
	for (int i = 0; i < n; i++)
		vxr_buf_putc(b, ' ');
}

/* A box of h empty rows, w wide, to be filled row by row with set_row. */
static box box_new(lay *Y, int w, int h, int base)
{
	box b = { NULL, w, h, base };
	b.rows = calloc((size_t)(h > 0 ? h : 1), sizeof *b.rows);
	if (!b.rows) {
		Y->oom = 1;
		b.h = 0;
	}
	return b;
}

/* Takes row y of b from t, padded on the right to b's width. */
static void set_row(lay *Y, box *b, int y, vxr_buf *t, int tw)
{
	pad(t, b->w - tw);
	vxr_buf_puts(t, "");
	if (t->oom)
		Y->oom = 1;
	b->rows[y] = vxr_buf_take(t);
	if (!b->rows[y]) {
		Y->oom = 1;
		b->rows[y] = NULL;
	}
}

/* The row y of b (spaces when b has none there) appended to t. */
static void put_row(vxr_buf *t, const box *b, int y)
{
	if (y >= 0 && y < b->h && b->rows[y])
		vxr_buf_puts(t, b->rows[y]);
	else
		pad(t, b->w);
}

/* One row of text. */
static box box_text(lay *Y, const char *s)
{
	int w = vxr_u8_width(s);
	box b = box_new(Y, w, 1, 0);
	if (b.h) {
		vxr_buf t = { 0 };
		vxr_buf_puts(&t, s);
		set_row(Y, &b, 0, &t, w);
	}
	return b;
}

/* The boxes p[0..n) side by side on one baseline; they are freed. */
static box hcat(lay *Y, box *p, int n)
{
	int above = 0, below = 0, w = 0;
	for (int i = 0; i < n; i++) {
		if (p[i].base > above)
			above = p[i].base;
		if (p[i].h - p[i].base - 1 > below)
			below = p[i].h - p[i].base - 1;
		w += p[i].w;
	}
	box b = box_new(Y, w, above + below + 1, above);
	for (int y = 0; y < b.h; y++) {
		vxr_buf t = { 0 };
		for (int i = 0; i < n; i++)
			put_row(&t, &p[i], y - (above - p[i].base));
		set_row(Y, &b, y, &t, w);
	}
	for (int i = 0; i < n; i++)
		vxm_box_free(&p[i]);
	return b;
}

/* The boxes p[0..n) one above the other, each centred in the widest (or
 * set left when left), the baseline that of p[basepart]; they are freed. */
static box vstack(lay *Y, box *p, int n, int basepart, int left)
{
	int w = 0, h = 0, base = 0;
	for (int i = 0; i < n; i++) {
		if (p[i].w > w)
			w = p[i].w;
		if (i == basepart)
			base = h + p[i].base;
		h += p[i].h;
	}
	box b = box_new(Y, w, h, base);
	int y = 0;
	for (int i = 0; i < n && b.h; i++) {
		int l = left ? 0 : (w - p[i].w) / 2;
		for (int k = 0; k < p[i].h; k++, y++) {
			vxr_buf t = { 0 };
			pad(&t, l);
			put_row(&t, &p[i], k);
			set_row(Y, &b, y, &t, l + p[i].w);
		}
	}
	for (int i = 0; i < n; i++)
		vxm_box_free(&p[i]);
	return b;
}

/* A column of h rows for a delimiter: top, middle (repeated), bottom, and
 * when h is 1 the plain glyph one. */
static box delim(lay *Y, int h, int base, const char *one, const char *top, const char *mid, const char *bot)
{
	box b = box_new(Y, vxr_u8_width(one), h, base);
	for (int y = 0; y < b.h; y++) {
		vxr_buf t = { 0 };
		vxr_buf_puts(&t, h == 1 ? one : y == 0 ? top : y == h - 1 ? bot : mid);
		set_row(Y, &b, y, &t, b.w);
	}
	return b;
}

/* The delimiter s (( ) [ ] | ‖ { } ⟨ ⟩; NULL for \left. : nothing) grown to
 * h rows.  ASCII repeats the plain glyph on every row ([ ] for ( )). */
static box fence_glyph(lay *Y, const msym *s, int h, int base)
{
	if (!s)
		return box_new(Y, 0, h, base);
	const char *one = Y->ascii ? s->ascii : s->uni;
	if (Y->ascii && h > 1) {
		/* a tall ( ) in ASCII: [ ] on every row, as the tutor's numeric matrices */
		const char *g = !strcmp(one, "(") ? "[" : !strcmp(one, ")") ? "]" : one;
		return delim(Y, h, base, g, g, g, g);
	}
	if (h == 1 || Y->ascii)
		return delim(Y, h, base, one, one, one, one);
	if (!strcmp(s->uni, "("))
		return delim(Y, h, base, one, "⎛", "⎜", "⎝");
	if (!strcmp(s->uni, ")"))
		return delim(Y, h, base, one, "⎞", "⎟", "⎠");
	if (!strcmp(s->uni, "["))
		return delim(Y, h, base, one, "⎡", "⎢", "⎣");
	if (!strcmp(s->uni, "]"))
		return delim(Y, h, base, one, "⎤", "⎥", "⎦");
	if (!strcmp(s->uni, "|"))
		return delim(Y, h, base, one, "│", "│", "│");
	if (!strcmp(s->uni, "{") || !strcmp(s->uni, "}")) {
		/* ⎧ ⎨ ⎩ with ⎪ between: the middle piece on the baseline */
		int open = s->uni[0] == '{';
		box b = box_new(Y, 1, h, base);
		for (int y = 0; y < b.h; y++) {
			vxr_buf t = { 0 };
			vxr_buf_puts(&t, y == 0 ? (open ? "⎧" : "⎫") : y == h - 1 ? (open ? "⎩" : "⎭")
			                 : y == base ? (open ? "⎨" : "⎬") : "⎪");
			set_row(Y, &b, y, &t, 1);
		}
		return b;
	}
	/* ‖ repeats; ⟨ ⟩ have no pieces: the glyph on the baseline */
	if (!strcmp(s->uni, "‖"))
		return delim(Y, h, base, one, one, one, one);
	box b = box_new(Y, vxr_u8_width(one), h, base);
	for (int y = 0; y < b.h; y++) {
		vxr_buf t = { 0 };
		if (y == base)
			vxr_buf_puts(&t, one);
		set_row(Y, &b, y, &t, y == base ? b.w : 0);
	}
	return b;
}

/* b between the delimiters open and close grown to its height; b is freed. */
static box fenced(lay *Y, box b, const msym *open, const msym *close)
{
	box p[3];
	p[0] = fence_glyph(Y, open, b.h, b.base);
	p[1] = b;
	p[2] = fence_glyph(Y, close, b.h, b.base);
	return hcat(Y, p, 3);
}

static const msym *sym_of(const char *uni)
{
	return vxm_sym_by_uni(uni, strlen(uni));
}

/* ------------------------------------------------------------------ */
/* Nodes                                                               */
/* ------------------------------------------------------------------ */

static box node_box(lay *Y, int id, int tight);

/* The script part id (sup: a superscript) on its base's row, appended to
 * out: in Unicode in small characters, in ASCII as inline math writes it,
 * _t ^2 for one token, _(j-1) ^(t-k) for more; 1, or 0 when that cannot be
 * (Unicode without small characters for it, a fraction or a matrix in it)
 * and the part needs rows of its own. */
static int small_script(lay *Y, int id, int sup, vxr_buf *out);

/* Whether node id needs more than one row: a fraction, a matrix, a root
 * over more than one token, limits, a script with one of these in it or,
 * in Unicode, without small characters. */
static int tall_of(lay *Y, int id);

static int tall(lay *Y, int id)
{
	/* remembered: a script asks of its parts, and they of theirs, at every
	 * level, which nested 64 deep would be 3^64 questions */
	if (Y->tall && Y->tall[id] >= 0)
		return Y->tall[id];
	int t = tall_of(Y, id);
	if (Y->tall)
		Y->tall[id] = (signed char)t;
	return t;
}

static int tall_of(lay *Y, int id)
{
	const rend *r = Y->r;
	const node *nd = vxm_at(r, id);
	switch (nd->type) {
	case N_FRAC:
	case N_MATRIX:
		return 1;
	case N_SQRT: {
		if (tall(Y, nd->a))
			return 1;
		vxr_buf t = { 0 };
		vxm_write_linear_node(r, nd->a, &t, 1);
		int single = !Y->ascii && vxm_single_token(t.s ? t.s : "", t.len);
		free(t.s);
		return !single;
	}
	case N_ROW:
		for (int k = nd->first; k >= 0; k = vxm_at(r, k)->next)
			if (tall(Y, k))
				return 1;
		return 0;
	case N_FENCE:
		return tall(Y, nd->a);
	case N_SCRIPT: {
		if (nd->b < 0 && nd->c < 0)
			return nd->a >= 0 && tall(Y, nd->a);
		sclass cl = nd->a >= 0 ? vxm_node_class(r, nd->a) : C_ORD;
		if (cl == C_LARGE || (cl == C_LIMFUNC && nd->b >= 0))
			return 1;   /* limits above and below */
		if (nd->a >= 0 && tall(Y, nd->a))
			return 1;
		for (int part = 0; part < 2; part++) {
			int s = part ? nd->c : nd->b;
			if (s < 0)
				continue;
			vxr_buf t = { 0 };
			int ok = small_script(Y, s, part, &t);
			free(t.s);
			if (!ok)
				return 1;
		}
		return 0;
	}
	default:
		return 0;
	}
}

static int small_script(lay *Y, int id, int sup, vxr_buf *out)
{
	if (tall(Y, id))
		return 0;
	vxr_buf t = { 0 };
	vxm_write_linear_node(Y->r, id, &t, 1);
	int ok = 0;
	if (t.len && !t.oom) {
		if (!Y->ascii) {
			ok = vxm_small_form(t.s, t.len, sup, out);
		} else if (!Y->apart || vxm_single_token(t.s, t.len)) {
			/* ASCII has no small characters: the linear form inline
			 * math and prose write, s_t, s_(j-1), x^(t-k), not the
			 * script on a row of its own */
			int single = vxm_single_token(t.s, t.len);
			vxr_buf_putc(out, sup ? '^' : '_');
			if (!single)
				vxr_buf_putc(out, '(');
			vxr_buf_put(out, t.s, t.len);
			if (!single)
				vxr_buf_putc(out, ')');
			ok = 1;
		}
	}
	free(t.s);
	return ok;
}

/* The node set in one row by the linear writer. */
static box linear_box(lay *Y, int id, int tight)
{
	vxr_buf t = { 0 };
	vxm_write_linear_node(Y->r, id, &t, tight);
	vxr_buf_puts(&t, "");
	if (t.oom)
		Y->oom = 1;
	box b = box_text(Y, t.s ? t.s : "");
	free(t.s);
	return b;
}

static box frac_box(lay *Y, const node *nd)
{
	box p[3];
	p[0] = node_box(Y, nd->a, 0);
	p[2] = node_box(Y, nd->b, 0);
	int w = (p[0].w > p[2].w ? p[0].w : p[2].w) + 2;
	p[1] = box_new(Y, w, 1, 0);
	if (p[1].h) {
		vxr_buf t = { 0 };
		for (int i = 0; i < w; i++)
			vxr_buf_puts(&t, Y->ascii ? "-" : "─");
		set_row(Y, &p[1], 0, &t, w);
	}
	return vstack(Y, p, 3, 1, 0);
}

static box sqrt_box(lay *Y, const node *nd)
{
	box c = node_box(Y, nd->a, 0);
	if (Y->ascii) {
		box p[2];
		p[0] = box_text(Y, "sqrt");
		p[1] = fenced(Y, c, sym_of("("), sym_of(")"));
		return hcat(Y, p, 2);
	}
	/* a bar over the radicand, the sign's stroke rising beside it, one
	 * column per row of the radicand:
	 *        _____           ___
	 *      ╲╱x + 1          ╱ 1
	 *                      ╱ ───
	 *                    ╲╱   y          */
	int k = c.h;
	int lead = k == 1 ? 2 : k + 1;
	box b = box_new(Y, lead + c.w, k + 1, c.base + 1);
	for (int y = 0; y < b.h; y++) {
		vxr_buf t = { 0 };
		if (y == 0) {
			pad(&t, lead);
			for (int i = 0; i < c.w; i++)
				vxr_buf_putc(&t, '_');
		} else {
			int cy = y - 1;                 /* the radicand's row */
			int slash = k == 1 ? 1 : k - cy; /* column of ╱ on this row */
			if (cy == k - 1) {
				pad(&t, slash - 1);
				vxr_buf_puts(&t, "╲╱");
			} else {
				pad(&t, slash);
				vxr_buf_puts(&t, "╱");
			}
			pad(&t, lead - slash - 1);
			put_row(&t, &c, cy);
		}
		set_row(Y, &b, y, &t, lead + c.w);
	}
	vxm_box_free(&c);
	return b;
}

static box script_box(lay *Y, const node *nd, int tight)
{
	const rend *r = Y->r;
	sclass cl = nd->a >= 0 ? vxm_node_class(r, nd->a) : C_ORD;
	vxr_buf primes = { 0 };
	for (int i = 0; i < nd->kind; i++)
		vxr_buf_puts(&primes, Y->ascii ? "'" : "′");
	vxr_buf_puts(&primes, "");
	if (cl == C_LARGE || (cl == C_LIMFUNC && nd->b >= 0)) {
		/* limits: the upper above the operator, the lower below, centred */
		box p[3];
		int n = 0, basepart;
		if (nd->c >= 0)
			p[n++] = node_box(Y, nd->c, 1);
		basepart = n;
		p[n++] = linear_box(Y, nd->a, tight);
		if (nd->b >= 0)
			p[n++] = node_box(Y, nd->b, 1);
		free(primes.s);
		return vstack(Y, p, n, basepart, 0);
	}
	/* the base, its primes and the scripts that have small characters */
	box base;
	if (nd->a < 0) {
		base = box_text(Y, "");
	} else {
		const node *bn = vxm_at(r, nd->a);
		base = node_box(Y, nd->a, 1);
		if (bn->type == N_FRAC || bn->type == N_SQRT || (bn->type == N_ROW && bn->nkids > 1))
			base = fenced(Y, base, sym_of("("), sym_of(")"));
	}
	/* primes and a small superscript on the base's top row, a small
	 * subscript on its bottom row; on a one-row base in linear order */
	vxr_buf hi = { 0 }, lo = { 0 };
	vxr_buf_puts(&hi, primes.s ? primes.s : "");
	free(primes.s);
	int up = nd->c, down = nd->b;
	if (down >= 0 && small_script(Y, down, 0, &lo))
		down = -1;
	if (up >= 0 && small_script(Y, up, 1, base.h == 1 ? &lo : &hi))
		up = -1;
	if (base.h == 1) {
		/* σ′ⱼ²: primes, subscript, superscript */
		vxr_buf_absorb(&hi, &lo);
		lo = hi;
		memset(&hi, 0, sizeof hi);
	}
	vxr_buf_puts(&hi, "");
	vxr_buf_puts(&lo, "");
	if (hi.oom || lo.oom)
		Y->oom = 1;
	box p[2];
	p[0] = base;
	int hw = vxr_u8_width(hi.s ? hi.s : ""), lw = vxr_u8_width(lo.s ? lo.s : "");
	p[1] = box_new(Y, hw > lw ? hw : lw, base.h, base.base);
	for (int y = 0; y < p[1].h; y++) {
		vxr_buf t = { 0 };
		int tw = 0;
		if (y == base.h - 1) {
			vxr_buf_puts(&t, lo.s ? lo.s : "");
			tw = lw;
		} else if (y == 0) {
			vxr_buf_puts(&t, hi.s ? hi.s : "");
			tw = hw;
		}
		set_row(Y, &p[1], y, &t, tw);
	}
	free(hi.s);
	free(lo.s);
	base = hcat(Y, p, 2);
	if (up < 0 && down < 0)
		return base;
	/* the others in rows of their own: above the base's top, below its bottom */
	box sup = up >= 0 ? node_box(Y, up, 1) : box_new(Y, 0, 0, 0);
	box sub = down >= 0 ? node_box(Y, down, 1) : box_new(Y, 0, 0, 0);
	int cw = sup.w > sub.w ? sup.w : sub.w;
	box b = box_new(Y, base.w + cw, sup.h + base.h + sub.h, sup.h + base.base);
	for (int y = 0; y < b.h; y++) {
		vxr_buf t = { 0 };
		int tw;
		if (y < sup.h) {
			pad(&t, base.w);
			put_row(&t, &sup, y);
			tw = base.w + sup.w;
		} else if (y < sup.h + base.h) {
			put_row(&t, &base, y - sup.h);
			tw = base.w;
		} else {
			pad(&t, base.w);
			put_row(&t, &sub, y - sup.h - base.h);
			tw = base.w + sub.w;
		}
		set_row(Y, &b, y, &t, tw);
	}
	vxm_box_free(&base);
	vxm_box_free(&sup);
	vxm_box_free(&sub);
	return b;
}

/* Whether a blank row follows row i of a matrix whose rows reach above[]
 * and below[] their baselines. */
static int gap_after(const int *above, const int *below, int nr, int i)
{
	return i + 1 < nr && (above[i] + below[i] >= 2 || above[i + 1] + below[i + 1] >= 2);
}

static box matrix_box(lay *Y, const node *nd)
{
	const rend *r = Y->r;
	int nr = nd->nkids, nc = 0;
	for (int rw = nd->first; rw >= 0; rw = vxm_at(r, rw)->next)
		if (vxm_at(r, rw)->nkids > nc)
			nc = vxm_at(r, rw)->nkids;
	box *cell = calloc((size_t)(nr * nc > 0 ? nr * nc : 1), sizeof *cell);
	int *cw = calloc((size_t)(nc > 0 ? nc : 1), sizeof *cw);
	int *above = calloc((size_t)(nr > 0 ? nr : 1), sizeof *above);
	int *below = calloc((size_t)(nr > 0 ? nr : 1), sizeof *below);
	if (!cell || !cw || !above || !below) {
		free(cell);
		free(cw);
		free(above);
		free(below);
		Y->oom = 1;
		return box_new(Y, 0, 1, 0);
	}
	int i = 0;
	for (int rw = nd->first; rw >= 0; rw = vxm_at(r, rw)->next, i++) {
		int k = 0;
		for (int c = vxm_at(r, rw)->first; c >= 0; c = vxm_at(r, c)->next, k++) {
			box *b = &cell[i * nc + k];
			*b = node_box(Y, c, 0);
			if (b->w > cw[k])
				cw[k] = b->w;
			if (b->base > above[i])
				above[i] = b->base;
			if (b->h - b->base - 1 > below[i])
				below[i] = b->h - b->base - 1;
		}
	}
	/* cells centred in their column, two spaces between columns, a space
	 * inside the brackets; a row's cells share its baseline */
	int w = 2;
	for (int k = 0; k < nc; k++)
		w += cw[k] + (k ? 2 : 0);
	/* a blank row between two rows when either is three rows high (a
	 * fraction): the bars of one would otherwise touch the next */
	int h = 0;
	for (i = 0; i < nr; i++)
		h += above[i] + below[i] + 1 + gap_after(above, below, nr, i);
	box body = box_new(Y, w, h > 0 ? h : 1, 0);
	int y0 = 0;
	for (i = 0; i < nr && body.h; i++) {
		int rh = above[i] + below[i] + 1;
		for (int y = 0; y < rh; y++) {
			vxr_buf t = { 0 };
			pad(&t, 1);
			for (int k = 0; k < nc; k++) {
				box *b = &cell[i * nc + k];
				int l = (cw[k] - b->w) / 2;
				pad(&t, (k ? 2 : 0) + l);
				put_row(&t, b, y - (above[i] - b->base));
				pad(&t, cw[k] - b->w - l);
			}
			set_row(Y, &body, y0 + y, &t, w - 1);
		}
		y0 += rh;
		if (gap_after(above, below, nr, i)) {
			set_row(Y, &body, y0, &(vxr_buf){ 0 }, 0);
			y0++;
		}
	}
	if (body.h == 1 && h == 0)
		set_row(Y, &body, 0, &(vxr_buf){ 0 }, 0);
	/* the axis: the middle row, the upper one of two */
	body.base = (body.h - 1) / 2;
	for (i = 0; i < nr * nc; i++)
		vxm_box_free(&cell[i]);
	free(cell);
	free(cw);
	free(above);
	free(below);
	static const char *const open[] = { NULL, "(", "[", "|", "‖" };
	static const char *const close[] = { NULL, ")", "]", "|", "‖" };
	if (!open[nd->kind])
		return body;
	return fenced(Y, body, sym_of(open[nd->kind]), sym_of(close[nd->kind]));
}

/* ------------------------------------------------------------------ */
/* Rows                                                                */
/* ------------------------------------------------------------------ */

static int letterish(uint32_t cp)
{
	return vxm_is_alpha((int)cp) || vxm_is_digit((int)cp) || (cp >= 0x0370 && cp <= 0x03FF);
}

/* The last (or first) character on b's baseline, 0 for none. */
static uint32_t edge_cp(const box *b, int last)
{
	if (!b->h || !b->rows[b->base])
		return 0;
	const char *s = b->rows[b->base];
	uint32_t cp = 0, found = 0;
	for (size_t i = 0; s[i];) {
		i += vxr_u8_next(s + i, &cp);
		if (cp != ' ') {
			found = cp;
			if (!last)
				break;
		}
	}
	return found;
}

/* Whether b is one row ending in a space (a space node, a gap). */
static int ends_blank(const box *b)
{
	if (b->h != 1 || !b->rows[0])
		return 0;
	size_t l = strlen(b->rows[0]);
	return l && b->rows[0][l - 1] == ' ';
}

/* A word symbol in ASCII (gamma): beside a letter it needs a * */
static int ascii_word(lay *Y, int id)
{
	const node *nd = vxm_at(Y->r, id);
	if (nd->type == N_SCRIPT)
		return nd->a >= 0 && ascii_word(Y, nd->a);
	return nd->type == N_SYM && strlen(nd->sym->ascii) > 1 && vxm_is_alpha((unsigned char)nd->sym->ascii[0]);
}

/* The pieces of a row: boxes with the spaces between them, and where the
 * row may break (before a relation: 2, before a binary operator: 1). */
typedef struct {
	box *v;
	int *brk;
	int n, cap;
} pieces;

static void pieces_add(lay *Y, pieces *P, box b, int brk)
{
	if (P->n == P->cap) {
		int cap = P->cap ? P->cap * 2 : 16;
		box *v = realloc(P->v, (size_t)cap * sizeof *v);
		if (v)
			P->v = v;
		int *k = realloc(P->brk, (size_t)cap * sizeof *k);
		if (k)
			P->brk = k;
		if (!v || !k) {
			Y->oom = 1;
			vxm_box_free(&b);
			return;
		}
		P->cap = cap;
	}
	P->v[P->n] = b;
	P->brk[P->n++] = brk;
}

/* The row id as pieces, spaced as the linear writer spaces a row: around
 * relations and binary operators (not unary ones), after punctuation and
 * large operators, before a named function, between two fractions. */
static void row_pieces(lay *Y, int id, int tight, pieces *P)
{
	const rend *r = Y->r;
	const node *row = vxm_at(r, id);
	int prev = -1, pending = 0;
	sclass pcl = C_OPEN;
	for (int k = row->first; k >= 0 && !Y->oom; k = vxm_at(r, k)->next) {
		const node *kn = vxm_at(r, k);
		sclass cl = vxm_node_class(r, k);
		box b = node_box(Y, k, tight);
		if (kn->type == N_SPACE) {
			pending = 0;
			pieces_add(Y, P, b, 0);
			continue;
		}
		if (!b.w) {
			vxm_box_free(&b);
			continue;
		}
		int unary = vxm_unary(cl, prev >= 0, pcl);
		int spaced = !tight && !unary && (cl == C_REL || cl == C_BIN);
		const char *gap = "";
		uint32_t last = P->n ? edge_cp(&P->v[P->n - 1], 1) : 0, first = edge_cp(&b, 0);
		/* after a space (\quad, \text{… }) no other, as the linear writer */
		int spc = P->n && ends_blank(&P->v[P->n - 1]);
		if (spaced) {
			if (P->n && last && !spc)
				gap = " ";
		} else if (pending && cl != C_CLOSE && cl != C_PUNCT) {
			if (!spc)
				gap = " ";
		} else if ((cl == C_FUNC || cl == C_LIMFUNC) && prev >= 0 && pcl != C_OPEN && pcl != C_FENCE) {
			if (!spc)
				gap = " ";
		} else if (prev >= 0 && (kn->type == N_FRAC || kn->type == N_MATRIX) &&
		           (vxm_at(r, prev)->type == N_FRAC || vxm_at(r, prev)->type == N_MATRIX)) {
			gap = " ";   /* two bars side by side would read as one */
		} else if (prev >= 0 && letterish(last) && letterish(first)) {
			if (pcl == C_FUNC || pcl == C_LIMFUNC || cl == C_FUNC || cl == C_LIMFUNC ||
			    (Y->ascii && pcl == C_PARTIAL))
				gap = " ";
			else if (Y->ascii && (ascii_word(Y, prev) || ascii_word(Y, k)))
				gap = "*";
		}
		if (*gap)
			pieces_add(Y, P, box_text(Y, gap), 0);
		pieces_add(Y, P, b, spaced ? (cl == C_REL ? 2 : 1) : 0);
		pending = spaced || (cl == C_PUNCT && !tight) || cl == C_LARGE ||
		          ((cl == C_FUNC || cl == C_LIMFUNC) && kn->type == N_SCRIPT);
		prev = k;
		pcl = unary ? C_ORD : cl;
	}
}

static void pieces_free(pieces *P)
{
	for (int i = 0; i < P->n; i++)
		vxm_box_free(&P->v[i]);
	free(P->v);
	free(P->brk);
	memset(P, 0, sizeof *P);
}

/* Pieces [a, z) side by side, without a space at either end: those it
 * joins are freed (emptied), the spaces left out are the caller's. */
static box join(lay *Y, pieces *P, int a, int z)
{
	while (a < z && P->v[a].h == 1 && P->v[a].rows[0] && !strcmp(P->v[a].rows[0], " "))
		a++;
	while (z > a && P->v[z - 1].h == 1 && P->v[z - 1].rows[0] && !strcmp(P->v[z - 1].rows[0], " "))
		z--;
	return hcat(Y, z > a ? P->v + a : NULL, z - a);
}

static box row_box(lay *Y, int id, int tight)
{
	pieces P = { 0 };
	row_pieces(Y, id, tight, &P);
	box b = join(Y, &P, 0, P.n);
	pieces_free(&P);
	return b;
}

static box node_box(lay *Y, int id, int tight)
{
	if (Y->oom)
		return box_new(Y, 0, 0, 0);
	if (!tall(Y, id))
		return linear_box(Y, id, tight);
	const node *nd = vxm_at(Y->r, id);
	switch (nd->type) {
	case N_ROW:
		return row_box(Y, id, tight);
	case N_FRAC:
		return frac_box(Y, nd);
	case N_SQRT:
		return sqrt_box(Y, nd);
	case N_SCRIPT:
		return script_box(Y, nd, tight);
	case N_FENCE:
		return fenced(Y, node_box(Y, nd->a, tight), nd->sym, nd->sym2);
	case N_MATRIX:
		return matrix_box(Y, nd);
	default:
		return linear_box(Y, id, tight);
	}
}

/* ------------------------------------------------------------------ */
/* The whole formula                                                   */
/* ------------------------------------------------------------------ */

/* The outer row in lines of at most width columns: greedy, each break
 * before the last relation that fits, else the last binary operator. */
static box broken(lay *Y, int root, int width)
{
	pieces P = { 0 };
	row_pieces(Y, root, 0, &P);
	box lines[64];
	int nl = 0, a = 0;
	int ind = 0;
	while (a < P.n && !Y->oom) {
		int w = ind, z = a, best = -1, bestk = 0;
		for (z = a; z < P.n; z++) {
			if (z > a && P.brk[z] && w > ind) {
				/* a relation wins over an operator further on */
				if (P.brk[z] >= bestk || best < 0) {
					best = z;
					bestk = P.brk[z];
				}
			}
			if (w + P.v[z].w > width && best > a)
				break;
			w += P.v[z].w;
		}
		int end = z == P.n ? P.n : best;
		if (nl == (int)(sizeof lines / sizeof lines[0]) - 1)
			end = P.n;
		box p[2];
		p[0] = box_new(Y, ind, 1, 0);
		if (p[0].h)
			set_row(Y, &p[0], 0, &(vxr_buf){ 0 }, 0);
		p[1] = join(Y, &P, a, end);
		for (int i = a; i < end; i++)
			vxm_box_free(&P.v[i]);   /* the spaces join left out; the rest are empty */
		lines[nl++] = hcat(Y, p, 2);
		a = end;
		ind = 4;
	}
	pieces_free(&P);
	if (!nl)
		return box_text(Y, "");
	return vstack(Y, lines, nl, 0, 1);
}

void vxm_write_box(const rend *r, int root, int width, vxm_box *out, int *oom)
{
	lay Y = { r, r->target == VXM_ASCII, 0, 0, malloc(r->P->nv ? r->P->nv : 1) };
	if (!Y.tall) {
		*oom = 1;
		memset(out, 0, sizeof *out);
		return;
	}
	memset(Y.tall, -1, r->P->nv);
	box b;
	if (!r->display) {
		vxr_buf t = { 0 };
		vxm_write_linear(r, root, &t);
		if (t.oom)
			Y.oom = 1;
		b = box_text(&Y, t.s ? t.s : "");
		free(t.s);
	} else if (width > 0) {
		b = broken(&Y, root, width);
		if (Y.ascii && b.w > width && !Y.oom) {
			/* s_(j,1) is three columns wider than s over j,1: a matrix of
			 * them (step 5's, 58 columns) that the width cannot hold is
			 * set again with those scripts below, and the narrower kept */
			Y.apart = 1;
			memset(Y.tall, -1, r->P->nv);
			box n = broken(&Y, root, width);
			if (!Y.oom && n.w < b.w) {
				vxm_box_free(&b);
				b = n;
			} else {
				vxm_box_free(&n);
			}
		}
	} else
		b = node_box(&Y, root, 0);
	for (int y = 0; y < b.h; y++)
		if (!b.rows[y])
			Y.oom = 1;
	if (r->target == VXM_ASCII)
		for (int y = 0; y < b.h && !Y.oom; y++)
			for (char *c = b.rows[y]; *c; c++)
				if ((unsigned char)*c >= 0x80)
					*c = '?';
	free(Y.tall);
	*oom = Y.oom;
	*out = b;
}
