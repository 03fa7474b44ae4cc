/*
 * layout.c — one step of the derivation laid out for a terminal (layout.h).
 *
 * The step's template is filled and parsed exactly as for a handout; then
 * this walker goes over the cmark tree: block by block, with a prefix stack
 * for lists and quotes, inline content gathered into words that carry a role
 * and wrapped greedily to the width.  Math comes from vxm_render (Unicode or
 * ASCII), live blocks from term.c.  Every finished line is clipped to
 * the width as a last guard, so nothing the tutor draws can overflow.
 */
#include "report/doc/layout.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/doc/render.h"
#include "report/text/utf8.h"

/* ================================================================ widths */

/* Bytes of s that fit in w columns. */
static size_t fit_bytes(const char *s, int w)
{
	size_t i = 0;
	int cw = 0;
	while (s[i]) {
		uint32_t cp;
		size_t l = vxr_u8_next(s + i, &cp);
		int x = vxr_cp_width(cp);
		if (cw + x > w)
			break;
		cw += x;
		i += l;
	}
	return i;
}

/* ================================================================ doc */

void vxt_doc_free(vxt_doc *d)
{
	if (!d)
		return;
	vxt_line_array_free(d->lines, d->nlines);
	for (size_t i = 0; i < d->nquiz; i++) {
		vxt_line_array_free(d->quiz[i].hint, d->quiz[i].nhint);
		vxt_line_array_free(d->quiz[i].reason, d->quiz[i].nreason);
	}
	free(d->quiz);
	free(d->title);
	free(d);
}

/* ================================================================ layout state */

typedef struct {
	char first[16], rest[16];
	vxt_role role;
	int used;          /* the first line has been drawn */
} prefix;

typedef struct {
	vxt_lines L;      /* the lines being made */
	int width;
	int utf8;
	vxr_env *env;
	vxr_filled *f;
	vx_error *err;
	vx_status st;
	prefix pre[16];
	int npre;
	int title_done;
	char *title;
	int pending_blank; /* a blank line is due before the next block */
} lay;

typedef struct {
	vxt_role role;
	char *text;
	int w;
	int space;         /* a space precedes it */
	int brk;           /* a forced line break instead of a word */
	int display;       /* display math: a line of its own */
} atom;

typedef struct {
	atom *v;
	size_t n, cap;
	int space_next;
} atoms;

static int prefix_width(const lay *Y)
{
	int w = 0;
	for (int i = 0; i < Y->npre; i++)
		w += vxr_u8_width(Y->pre[i].rest);
	return w;
}

/* Starts a new line with the prefixes of the enclosing blocks. */
static void new_line(lay *Y)
{
	vxt_lines_newline(&Y->L);
	for (int i = 0; i < Y->npre; i++) {
		prefix *p = &Y->pre[i];
		vxt_lines_puts(&Y->L, p->role, p->used ? p->rest : p->first);
		p->used = 1;
	}
}

static void blank_line(lay *Y)
{
	if (Y->L.nlines == 0)
		return;
	/* blank lines inside a list or quote keep the quote bar */
	vxt_lines_newline(&Y->L);
	for (int i = 0; i < Y->npre; i++)
		if (Y->pre[i].role == VXT_DIM)
			vxt_lines_puts(&Y->L, VXT_DIM, Y->pre[i].rest);
}

static void block_start(lay *Y)
{
	if (Y->pending_blank)
		blank_line(Y);
	Y->pending_blank = 0;
}

static char *fold(const lay *Y, const char *s, size_t n)
{
	char *t = strndup(s, n);
	if (!t || Y->utf8)
		return t;
	char *a = vxm_to_ascii(t);
	free(t);
	return a;
}

static void atoms_push(lay *Y, atoms *A, vxt_role role, char *text, int brk, int display)
{
	if (A->n == A->cap) {
		size_t cap = A->cap ? A->cap * 2 : 64;
		atom *v = realloc(A->v, cap * sizeof *v);
		if (!v) {
			free(text);
			Y->L.oom = 1;
			return;
		}
		A->v = v;
		A->cap = cap;
	}
	atom *a = &A->v[A->n++];
	a->role = role;
	a->text = text;
	a->w = text ? vxr_u8_width(text) : 0;
	a->space = A->space_next;
	a->brk = brk;
	a->display = display;
	A->space_next = 0;
}

static void atoms_clear(atoms *A)
{
	for (size_t i = 0; i < A->n; i++)
		free(A->v[i].text);
	free(A->v);
	memset(A, 0, sizeof *A);
}

/* Splits text into words: spaces become "a space precedes the next word". */
static void add_words(lay *Y, atoms *A, vxt_role role, const char *s)
{
	const char *p = s;
	while (*p) {
		if (*p == ' ' || *p == '\t' || *p == '\n') {
			A->space_next = 1;
			p++;
			continue;
		}
		const char *e = p;
		while (*e && *e != ' ' && *e != '\t' && *e != '\n')
			e++;
		char *w = fold(Y, p, (size_t)(e - p));
		if (!w) {
			Y->L.oom = 1;
			return;
		}
		atoms_push(Y, A, role, w, 0, 0);
		p = e;
	}
}

static void collect(lay *Y, cmark_node *n, vxt_role role, atoms *A);

/* The display formula o laid out in cells (vxm_layout) at most avail
 * columns wide where it can break: its rows, right-trimmed, joined by
 * newlines, its width in *w; NULL with Y->st set on failure. */
static char *display_rows(lay *Y, const vxr_obj *o, int avail, int *w)
{
	vxm_box b;
	size_t col;
	vx_error e2;
	vx_status st = vxm_layout(o->tex, strlen(o->tex), !Y->utf8, 1, avail > 8 ? avail : 8, &b, &col, &e2);
	if (st != VX_OK) {
		/* vxr_math parsed the same source: only memory can fail here */
		Y->st = vx_fail(Y->err, st, "%s", e2.msg);
		return NULL;
	}
	vxr_buf t = { 0 };
	for (int y = 0; y < b.h; y++) {
		size_t l = strlen(b.rows[y]);
		while (l && b.rows[y][l - 1] == ' ')
			l--;
		if (y)
			vxr_buf_putc(&t, '\n');
		vxr_buf_put(&t, b.rows[y], l);
	}
	*w = b.w;
	vxm_box_free(&b);
	char *s = vxr_buf_take(&t);
	if (!s)
		Y->st = vx_fail(Y->err, VX_ENOMEM, "out of memory");
	return s;
}

static void collect_children(lay *Y, cmark_node *n, vxt_role role, atoms *A)
{
	for (cmark_node *c = cmark_node_first_child(n); c && Y->st == VX_OK; c = cmark_node_next(c))
		collect(Y, c, role, A);
}

static void collect(lay *Y, cmark_node *n, vxt_role role, atoms *A)
{
	switch (cmark_node_get_type(n)) {
	case CMARK_NODE_TEXT:
		add_words(Y, A, role, cmark_node_get_literal(n));
		return;
	case CMARK_NODE_SOFTBREAK:
		A->space_next = 1;
		return;
	case CMARK_NODE_LINEBREAK:
		atoms_push(Y, A, role, NULL, 1, 0);
		return;
	case CMARK_NODE_CODE: {
		const char *lit = cmark_node_get_literal(n);
		char *w = fold(Y, lit, strlen(lit));
		if (w)
			atoms_push(Y, A, VXT_CODE, w, 0, 0);
		return;
	}
	case CMARK_NODE_EMPH:
		collect_children(Y, n, role == VXT_STRONG ? VXT_STRONG : VXT_EMPH, A);
		return;
	case CMARK_NODE_STRONG:
		collect_children(Y, n, VXT_STRONG, A);
		return;
	case CMARK_NODE_LINK:
	case CMARK_NODE_IMAGE:
		collect_children(Y, n, role, A);
		return;
	case CMARK_NODE_HTML_INLINE:
		add_words(Y, A, VXT_DIM, cmark_node_get_literal(n));
		return;
	case CMARK_NODE_CUSTOM_INLINE: {
		size_t idx = vxr_node_obj(n);
		if (idx == SIZE_MAX || idx >= Y->f->nobjs)
			return;
		const vxr_obj *o = &Y->f->objs[idx];
		if (o->kind == VXR_OBJ_CITE) {
			/* author and year: the tutor has no list to point into */
			char *c = vxr_cite_short(o);
			if (!c) {
				Y->st = vx_fail(Y->err, VX_ENOMEM, "out of memory");
				return;
			}
			add_words(Y, A, role, c);
			free(c);
			return;
		}
		char *m = NULL;
		Y->st = vxr_math(o, o->tex, Y->utf8 ? VXM_UNICODE : VXM_ASCII, o->kind == VXR_OBJ_DMATH, &m, Y->err);
		if (Y->st != VX_OK)
			return;
		if (o->kind == VXR_OBJ_DMATH) {
			/* typeset in cells, broken to the width left by the prefixes */
			free(m);
			int w = 0;
			m = display_rows(Y, o, Y->width - prefix_width(Y), &w);
			if (!m)
				return;
			atoms_push(Y, A, VXT_MATH, m, 0, 1);
			if (A->n && A->v[A->n - 1].text == m)
				A->v[A->n - 1].w = w;
			A->space_next = 1;
		} else {
			atoms_push(Y, A, VXT_MATH, m, 0, 0);
		}
		return;
	}
	default:
		collect_children(Y, n, role, A);
		return;
	}
}

/* Width of the glued group starting at atom i (atoms with no space between). */
static int group_width(const atoms *A, size_t i, size_t *end)
{
	int w = A->v[i].w;
	size_t j = i + 1;
	while (j < A->n && !A->v[j].space && !A->v[j].brk && !A->v[j].display && !A->v[i].display) {
		w += A->v[j].w;
		j++;
	}
	*end = j;
	return w;
}

/* Puts text that may be wider than the line, breaking it by columns. */
static void put_hard(lay *Y, vxt_role role, const char *s, int *col, int avail)
{
	while (*s) {
		int room = avail - *col;
		if (room <= 0) {
			new_line(Y);
			*col = 0;
			room = avail;
		}
		size_t b = fit_bytes(s, room);
		if (b == 0) {
			/* a character wider than the whole line: skip it */
			uint32_t cp;
			s += vxr_u8_next(s, &cp);
			continue;
		}
		vxt_lines_span(&Y->L, role, s, b);
		char *piece = strndup(s, b);
		*col += piece ? vxr_u8_width(piece) : room;
		free(piece);
		s += b;
	}
}

/* Wraps the atoms into lines under the current prefixes. */
static void flow(lay *Y, atoms *A, vxt_role base)
{
	(void)base;
	int avail = Y->width - prefix_width(Y);
	if (avail < 4)
		avail = 4;
	int col = 0;
	int started = 0;
	for (size_t i = 0; i < A->n && !Y->L.oom; i++) {
		atom *a = &A->v[i];
		if (a->brk) {
			new_line(Y);
			col = 0;
			started = 1;
			continue;
		}
		if (a->display) {
			/* display math: its own lines, indented a little, centred when it fits */
			new_line(Y);
			int ind = a->w + 4 <= avail ? (avail - a->w) / 2 : 0;
			if (ind > 8)
				ind = 8;
			/* its rows, each on a line of its own; vxm_layout broke it to
			 * the width at relations and operators where it could */
			for (const char *p = a->text; !Y->L.oom;) {
				const char *e = strchr(p, '\n');
				size_t l = e ? (size_t)(e - p) : strlen(p);
				if (p != a->text)
					new_line(Y);
				vxt_lines_pad(&Y->L, ind);
				vxt_lines_span(&Y->L, a->role, p, l);
				if (!e)
					break;
				p = e + 1;
			}
			started = 0;  /* what follows starts a new line */
			col = avail;  /* force a break before the next word */
			continue;
		}
		size_t end;
		int gw = group_width(A, i, &end);
		int need = (started && a->space && col > 0 ? 1 : 0) + gw;
		if (!started || (col > 0 && col + need > avail)) {
			new_line(Y);
			col = 0;
			started = 1;
		} else if (a->space && col > 0) {
			vxt_lines_puts(&Y->L, VXT_TEXT, " ");
			col++;
		}
		for (size_t j = i; j < end; j++) {
			if (col + A->v[j].w > avail)
				put_hard(Y, A->v[j].role, A->v[j].text, &col, avail);
			else {
				vxt_lines_puts(&Y->L, A->v[j].role, A->v[j].text);
				col += A->v[j].w;
			}
		}
		i = end - 1;
	}
}

/* ---- plain text of a node (for the title) ---- */

typedef struct {
	lay *Y;
	vxr_buf *b;
} plain;

static void plain_str(void *u, const char *s)
{
	vxr_buf_puts(((plain *)u)->b, s);
}

static void plain_break(void *u)
{
	vxr_buf_puts(((plain *)u)->b, " ");
}

/* A citation as its years, math in Unicode (or ASCII). */
static void plain_obj(void *u, const vxr_obj *o)
{
	plain *P = u;
	if (o->kind == VXR_OBJ_CITE) {
		char *c = vxr_cite_short(o);
		vxr_buf_puts(P->b, c ? c : "");
		free(c);
		return;
	}
	char *m = NULL;
	if (vxr_math(o, o->tex, P->Y->utf8 ? VXM_UNICODE : VXM_ASCII, 0, &m, P->Y->err) == VX_OK)
		vxr_buf_puts(P->b, m);
	free(m);
}

static void plain_text(lay *Y, cmark_node *n, vxr_buf *b)
{
	static const vxr_inline_ops ops = { plain_str, plain_break, plain_obj };
	plain P = { Y, b };
	vxr_inline_walk(n, Y->f, &ops, &P);
}

/* Returns 1 when pushed (nesting deeper than 16 lays out flat). */
static int push_prefix(lay *Y, const char *first, const char *rest, vxt_role role)
{
	if (Y->npre >= 16)
		return 0;
	prefix *p = &Y->pre[Y->npre++];
	snprintf(p->first, sizeof p->first, "%s", first);
	snprintf(p->rest, sizeof p->rest, "%s", rest);
	p->role = role;
	p->used = 0;
	return 1;
}

static void block(lay *Y, cmark_node *n);

static void blocks(lay *Y, cmark_node *n)
{
	for (cmark_node *c = cmark_node_first_child(n); c && Y->st == VX_OK && !Y->L.oom; c = cmark_node_next(c))
		block(Y, c);
}

static void block(lay *Y, cmark_node *n)
{
	switch (cmark_node_get_type(n)) {
	case CMARK_NODE_DOCUMENT:
		blocks(Y, n);
		return;
	case CMARK_NODE_HEADING: {
		if (!Y->title_done) {
			/* the step's first heading is its title, shown by the tutor apart */
			vxr_buf b = { 0 };
			plain_text(Y, n, &b);
			char *t = vxr_buf_take(&b);
			Y->title = t ? fold(Y, t, strlen(t)) : NULL;
			free(t);
			Y->title_done = 1;
			return;
		}
		block_start(Y);
		atoms A = { 0 };
		collect_children(Y, n, VXT_HEADING, &A);
		for (size_t i = 0; i < A.n; i++)
			if (A.v[i].role == VXT_TEXT || A.v[i].role == VXT_EMPH)
				A.v[i].role = VXT_HEADING;
		flow(Y, &A, VXT_HEADING);
		atoms_clear(&A);
		Y->pending_blank = 1;
		return;
	}
	case CMARK_NODE_PARAGRAPH: {
		block_start(Y);
		atoms A = { 0 };
		collect_children(Y, n, VXT_TEXT, &A);
		flow(Y, &A, VXT_TEXT);
		atoms_clear(&A);
		Y->pending_blank = 1;
		return;
	}
	case CMARK_NODE_LIST: {
		int tight = cmark_node_get_list_tight(n);
		int ordered = cmark_node_get_list_type(n) == CMARK_ORDERED_LIST;
		int num = cmark_node_get_list_start(n);
		for (cmark_node *it = cmark_node_first_child(n); it && Y->st == VX_OK; it = cmark_node_next(it)) {
			char marker[16];
			if (ordered)
				snprintf(marker, sizeof marker, "%d. ", num++);
			else
				snprintf(marker, sizeof marker, "%s", Y->utf8 ? "\u2022 " : "- ");
			char rest[16];
			int mw = vxr_u8_width(marker);
			snprintf(rest, sizeof rest, "%*s", mw, "");
			if (it != cmark_node_first_child(n) && !tight)
				Y->pending_blank = 1;
			else if (it != cmark_node_first_child(n))
				Y->pending_blank = 0;
			block_start(Y);
			int pushed = push_prefix(Y, marker, rest, VXT_TEXT);
			for (cmark_node *c = cmark_node_first_child(it); c && Y->st == VX_OK; c = cmark_node_next(c)) {
				block(Y, c);
				if (tight)
					Y->pending_blank = 0;
			}
			Y->npre -= pushed;
		}
		Y->pending_blank = 1;
		return;
	}
	case CMARK_NODE_BLOCK_QUOTE:
		block_start(Y);
		int pushed = push_prefix(Y, Y->utf8 ? "\u2502 " : "| ", Y->utf8 ? "\u2502 " : "| ", VXT_DIM);
		blocks(Y, n);
		Y->npre -= pushed;
		Y->pending_blank = 1;
		return;
	case CMARK_NODE_CODE_BLOCK: {
		block_start(Y);
		const char *lit = cmark_node_get_literal(n);
		int avail = Y->width - prefix_width(Y) - 2;
		const char *p = lit;
		while (*p) {
			const char *e = strchr(p, '\n');
			size_t l = e ? (size_t)(e - p) : strlen(p);
			char *line = fold(Y, p, l);
			new_line(Y);
			vxt_lines_pad(&Y->L, 2);
			int col = 0;
			if (line)
				put_hard(Y, VXT_CODE, line, &col, avail > 4 ? avail : 4);
			free(line);
			p += l;
			if (*p)
				p++;
		}
		Y->pending_blank = 1;
		return;
	}
	case CMARK_NODE_THEMATIC_BREAK: {
		block_start(Y);
		new_line(Y);
		int w = Y->width - prefix_width(Y);
		if (w > 40)
			w = 40;
		for (int i = 0; i < w; i++)
			vxt_lines_puts(&Y->L, VXT_DIM, Y->utf8 ? "\u2500" : "-");
		Y->pending_blank = 1;
		return;
	}
	case CMARK_NODE_HTML_BLOCK: {
		block_start(Y);
		atoms A = { 0 };
		add_words(Y, &A, VXT_DIM, cmark_node_get_literal(n));
		flow(Y, &A, VXT_DIM);
		atoms_clear(&A);
		Y->pending_blank = 1;
		return;
	}
	case CMARK_NODE_CUSTOM_BLOCK: {
		size_t idx = vxr_node_obj(n);
		if (idx == SIZE_MAX || idx >= Y->f->nobjs)
			return;
		block_start(Y);
		vxt_lines B = { 0 };
		int avail = Y->width - prefix_width(Y);
		Y->st = vxr_term_block(Y->env, &Y->f->objs[idx], avail > 8 ? avail : 8, Y->utf8, &B, Y->err);
		if (B.oom)
			Y->L.oom = 1;
		for (size_t i = 0; Y->st == VX_OK && i < B.nlines; i++) {
			new_line(Y);
			for (size_t s = 0; s < B.lines[i].nspans; s++)
				vxt_lines_puts(&Y->L, B.lines[i].spans[s].role, B.lines[i].spans[s].text);
		}
		vxt_lines_clear(&B);
		Y->pending_blank = 1;
		return;
	}
	default:
		blocks(Y, n);
		return;
	}
}

/* Cuts a line's spans to at most w columns (the last guard). */
static void clip_line(vxt_line *ln, int w)
{
	int col = 0;
	for (size_t s = 0; s < ln->nspans; s++) {
		char *t = ln->spans[s].text;
		int tw = vxr_u8_width(t);
		if (col + tw <= w) {
			col += tw;
			continue;
		}
		size_t b = fit_bytes(t, w - col);
		t[b] = '\0';
		col = w;
		for (size_t q = s + 1; q < ln->nspans; q++)
			free(ln->spans[q].text);
		ln->nspans = s + 1;
		break;
	}
}

/* Lays out the Markdown md (whose tokens point into f) at width: a
 * question's hint or reason.  *lines and *n are the caller's. */
static vx_status lay_apart(vxr_env *env, vxr_filled *f, const char *md, int width, int utf8, vxt_line **lines,
                           size_t *n, vx_error *err)
{
	*lines = NULL;
	*n = 0;
	cmark_node *root = cmark_parse_document(md, strlen(md), CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8);
	if (!root)
		return vx_fail(err, VX_ENOMEM, "out of memory");
	vx_status st = vxr_substitute(root, f, err);
	lay Y;
	memset(&Y, 0, sizeof Y);
	Y.width = width;
	Y.utf8 = utf8;
	Y.env = env;
	Y.f = f;
	Y.err = err;
	Y.st = VX_OK;
	Y.title_done = 1;   /* a heading here is not the step's title */
	if (st == VX_OK) {
		block(&Y, root);
		st = Y.st;
		if (st == VX_OK && Y.L.oom)
			st = vx_fail(err, VX_ENOMEM, "out of memory");
	}
	if (st == VX_OK) {
		while (Y.L.nlines > 0 && Y.L.lines[Y.L.nlines - 1].nspans == 0)
			Y.L.nlines--;
		for (size_t k = 0; k < Y.L.nlines; k++)
			clip_line(&Y.L.lines[k], width);
		*lines = Y.L.lines;
		*n = Y.L.nlines;
		memset(&Y.L, 0, sizeof Y.L);
	}
	free(Y.title);
	vxt_lines_clear(&Y.L);
	cmark_node_free(root);
	return st;
}

vx_status vxt_render_step(const vxr_ctx *ctx, size_t i, int width, int utf8, vxt_doc **out, vx_error *err)
{
	*out = NULL;
	if (width < 1)
		return vx_fail(err, VX_EUSAGE, "terminal width %d is too small", width);
	vxr_env *env = vxr_env_alloc(ctx);
	if (!env)
		return vx_fail(err, VX_ENOMEM, "out of memory");
	vxr_env_set_terminal(env, 1);
	vxr_filled f;
	memset(&f, 0, sizeof f);
	/* questions numbered as in the handout */
	for (size_t s = 0; s < i; s++)
		f.quiz_number += vxr_step_quiz_count(s);
	vx_status st = vxr_fill_step(env, i, utf8 ? VXF_UNICODE : VXF_ASCII, &f, err);
	cmark_node *root = NULL;
	if (st == VX_OK) {
		root = cmark_parse_document(f.md, f.len, CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8);
		if (!root)
			st = vx_fail(err, VX_ENOMEM, "out of memory");
	}
	if (st == VX_OK)
		st = vxr_substitute(root, &f, err);
	lay Y;
	memset(&Y, 0, sizeof Y);
	Y.width = width;
	Y.utf8 = utf8;
	Y.env = env;
	Y.f = &f;
	Y.err = err;
	Y.st = VX_OK;
	if (st == VX_OK) {
		block(&Y, root);
		st = Y.st;
		if (st == VX_OK && Y.L.oom)
			st = vx_fail(err, VX_ENOMEM, "out of memory");
	}
	vxt_doc *d = NULL;
	if (st == VX_OK) {
		d = calloc(1, sizeof *d);
		if (!d)
			st = vx_fail(err, VX_ENOMEM, "out of memory");
	}
	if (st == VX_OK) {
		/* no trailing blank lines */
		while (Y.L.nlines > 0 && Y.L.lines[Y.L.nlines - 1].nspans == 0) {
			Y.L.nlines--;
		}
		for (size_t k = 0; k < Y.L.nlines; k++)
			clip_line(&Y.L.lines[k], width);
		d->lines = Y.L.lines;
		d->nlines = Y.L.nlines;
		d->title = Y.title ? Y.title : strdup("");
		Y.title = NULL;
		memset(&Y.L, 0, sizeof Y.L);
		if (!d->title)
			st = vx_fail(err, VX_ENOMEM, "out of memory");
	}
	if (st == VX_OK && f.nquiz) {
		d->quiz = calloc(f.nquiz, sizeof *d->quiz);
		if (!d->quiz)
			st = vx_fail(err, VX_ENOMEM, "out of memory");
		for (size_t q = 0; st == VX_OK && q < f.nquiz; q++) {
			vxt_quiz *z = &d->quiz[q];
			z->q = f.quiz[q].q;
			d->nquiz++;
			/* inside the tutor's box: two columns less */
			int w = width > 24 ? width - 2 : width;
			st = lay_apart(env, &f, f.quiz[q].hint, w, utf8, &z->hint, &z->nhint, err);
			if (st == VX_OK)
				st = lay_apart(env, &f, f.quiz[q].reason, w, utf8, &z->reason, &z->nreason, err);
		}
	}
	if (st != VX_OK && d) {
		vxt_doc_free(d);
		d = NULL;
	}
	free(Y.title);
	vxt_lines_clear(&Y.L);
	if (root)
		cmark_node_free(root);
	vxr_filled_clear(&f);
	vxr_env_free(env);
	*out = d;
	return st;
}
