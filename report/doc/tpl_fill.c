/*
 * tpl_fill.c — a parsed template filled with the values of a network into
 * Markdown (tpl.h's vxr_filled): math spans and live blocks become tokens
 * "VXQnnnnnQ" standing for objects the renderers draw.
 *
 * Filling walks the tree with a small state machine over the Markdown it
 * emits, so that it knows when it is inside $…$ math (placeholders there are
 * formatted for TeX and the span becomes a token) or inside code (where a $
 * is just a dollar).
 */
#include "report/doc/tpl_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ================================================================ the filled text */

vx_status vxr_filled_append(vxr_filled *f, const char *s, size_t n)
{
	if (f->len + n + 1 > f->cap) {
		size_t cap = f->cap ? f->cap : 4096;
		while (cap < f->len + n + 1)
			cap *= 2;
		char *m = realloc(f->md, cap);
		if (!m)
			return VX_ENOMEM;
		f->md = m;
		f->cap = cap;
	}
	memcpy(f->md + f->len, s, n);
	f->len += n;
	f->md[f->len] = '\0';
	return VX_OK;
}

vx_status vxr_filled_insert(vxr_filled *f, size_t at, const char *s, size_t n)
{
	if (at > f->len)
		return VX_EINTERNAL;
	size_t tail = f->len - at;
	/* grow by appending, then open the gap */
	if (vxr_filled_append(f, s, n) != VX_OK)
		return VX_ENOMEM;
	memmove(f->md + at + n, f->md + at, tail);
	memcpy(f->md + at, s, n);
	return VX_OK;
}

void vxr_filled_clear(vxr_filled *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->nobjs; i++)
		free(f->objs[i].tex);
	free(f->objs);
	for (size_t i = 0; i < f->nnames; i++)
		free(f->names[i]);
	free(f->names);
	for (size_t i = 0; i < f->nquiz; i++) {
		free(f->quiz[i].question);
		free(f->quiz[i].hint);
		free(f->quiz[i].reason);
	}
	free(f->quiz);
	free(f->md);
	memset(f, 0, sizeof *f);
}

static vxr_obj *push_obj(vxr_filled *f)
{
	if (f->nobjs == f->ocap) {
		size_t cap = f->ocap ? f->ocap * 2 : 64;
		vxr_obj *o = realloc(f->objs, cap * sizeof *o);
		if (!o)
			return NULL;
		f->objs = o;
		f->ocap = cap;
	}
	vxr_obj *o = &f->objs[f->nobjs++];
	memset(o, 0, sizeof *o);
	return o;
}

/* ================================================================ the filler */

typedef struct {
	evalr ev;
	vxr_filled *f;
	const char *fname; /* the template's name, owned by f */
	vxf_style prose;
	int math;          /* 0 none, 1 inline, 2 display */
	size_t math_off;   /* template offset of the opening $ */
	char *mbuf;
	size_t mlen, mcap;
	size_t code;       /* length of the open backtick run, 0 when none */
	int fence;         /* inside a fenced code block */
	char fence_ch;
	int line_start;
	int blank_run;     /* newlines seen in a row inside math (blank line check) */
	size_t ntok;       /* object tokens emitted */
	size_t nquiz;      /* questions of this template so far */
} filler;

static int mput(filler *F, const char *s, size_t n)
{
	if (F->mlen + n + 1 > F->mcap) {
		size_t cap = F->mcap ? F->mcap * 2 : 256;
		while (cap < F->mlen + n + 1)
			cap *= 2;
		char *m = realloc(F->mbuf, cap);
		if (!m)
			return -1;
		F->mbuf = m;
		F->mcap = cap;
	}
	memcpy(F->mbuf + F->mlen, s, n);
	F->mlen += n;
	F->mbuf[F->mlen] = '\0';
	return 0;
}

static vx_status oom(filler *F)
{
	if (F->ev.st == VX_OK)
		F->ev.st = vx_fail(F->ev.err, VX_ENOMEM, "out of memory filling %s", F->ev.t->name);
	return F->ev.st;
}

/* The first "VXQ" in s[0..n), or NULL. */
static const char *find_marker(const char *s, size_t n)
{
	for (size_t i = 0; i + 3 <= n; i++)
		if (s[i] == 'V' && s[i + 1] == 'X' && s[i + 2] == 'Q')
			return s + i;
	return NULL;
}

static void emit(filler *F, const char *s, size_t n)
{
	if (F->ev.st == VX_OK && vxr_filled_append(F->f, s, n) != VX_OK)
		oom(F);
}

/* Emits s[i..] up to and with the first newline at or after `from` (the
 * rest of s when none); returns where the line ended. */
static size_t emit_line(filler *F, const char *s, size_t i, size_t from, size_t n)
{
	size_t e = from;
	while (e < n && s[e] != '\n')
		e++;
	if (e < n)
		e++;
	emit(F, s + i, e - i);
	return e;
}

static void emit_token(filler *F, size_t idx)
{
	char tok[32];
	int n = snprintf(tok, sizeof tok, "VXQ%05zuQ", idx);
	emit(F, tok, (size_t)n);
	F->ntok++;
}

static void close_math(filler *F)
{
	vxr_obj *o = push_obj(F->f);
	if (!o) {
		oom(F);
		return;
	}
	o->kind = F->math == 2 ? VXR_OBJ_DMATH : VXR_OBJ_MATH;
	o->tex = strndup(F->mbuf ? F->mbuf : "", F->mlen);
	o->file = F->fname;
	vxr_tpl_pos_of(F->ev.t, F->math_off, &o->line, &o->col);
	if (!o->tex) {
		oom(F);
		return;
	}
	emit_token(F, F->f->nobjs - 1);
	F->math = 0;
	F->mlen = 0;
}

/* Feeds literal template text through the Markdown/math state machine. */
static void feed_text(filler *F, const char *s, size_t n, size_t off)
{
	/* anywhere, code included: the renderers would replace it by an object */
	const char *q = find_marker(s, n);
	if (q) {
		vxr_tpl_eval_fail(&F->ev, off + (size_t)(q - s), "the text 'VXQ' is reserved for vanex's own markers");
		return;
	}
	size_t i = 0;
	while (i < n && F->ev.st == VX_OK) {
		char c = s[i];
		if (F->math) {
			if (c == '\\' && i + 1 < n) {
				if (mput(F, s + i, 2) < 0) {
					oom(F);
					return;
				}
				i += 2;
				continue;
			}
			if (c == '$') {
				if (F->math == 2) {
					if (i + 1 < n && s[i + 1] == '$') {
						close_math(F);
						i += 2;
						continue;
					}
					vxr_tpl_eval_fail(&F->ev, off + i, "a single $ inside $$…$$ math");
					return;
				}
				close_math(F);
				i++;
				continue;
			}
			if (c == '\n') {
				/* a blank line ends a paragraph: the math was never closed */
				size_t k = i + 1;
				while (k < n && (s[k] == ' ' || s[k] == '\t'))
					k++;
				if (k < n && s[k] == '\n') {
					vxr_tpl_eval_fail(&F->ev, F->math_off, "unclosed %s (a blank line inside math)",
					        F->math == 2 ? "$$" : "$");
					return;
				}
				if (mput(F, " ", 1) < 0)
					oom(F);
				i++;
				continue;
			}
			if (mput(F, s + i, 1) < 0)
				oom(F);
			i++;
			continue;
		}
		if (F->line_start && !F->code) {
			/* fenced code: ``` or ~~~ after at most three spaces */
			size_t k = i, sp = 0;
			while (k < n && s[k] == ' ' && sp < 4)
				k++, sp++;
			if (sp < 4 && k + 2 < n && (s[k] == '`' || s[k] == '~') && s[k + 1] == s[k] && s[k + 2] == s[k]) {
				if (!F->fence) {
					F->fence = 1;
					F->fence_ch = s[k];
				} else if (s[k] == F->fence_ch) {
					F->fence = 0;
				}
				i = emit_line(F, s, i, k, n);
				F->line_start = 1;
				continue;
			}
		}
		if (F->fence) {
			size_t e = emit_line(F, s, i, i, n);
			F->line_start = e > i && s[e - 1] == '\n';
			i = e;
			continue;
		}
		F->line_start = c == '\n';
		if (c == '`') {
			size_t k = i;
			while (k < n && s[k] == '`')
				k++;
			size_t run = k - i;
			if (!F->code)
				F->code = run;
			else if (F->code == run)
				F->code = 0;
			emit(F, s + i, run);
			i = k;
			continue;
		}
		if (F->code) {
			if (c == '\n' && i + 1 < n && s[i + 1] == '\n')
				F->code = 0;   /* a code span does not cross paragraphs */
			emit(F, s + i, 1);
			i++;
			continue;
		}
		if (c == '\\' && i + 1 < n) {
			emit(F, s + i, 2);
			i += 2;
			continue;
		}
		if (c == '$') {
			F->math = (i + 1 < n && s[i + 1] == '$') ? 2 : 1;
			F->math_off = off + i;
			F->mlen = 0;
			i += (size_t)F->math;
			continue;
		}
		emit(F, s + i, 1);
		i++;
	}
}

static void fill_list(filler *F, const nlist *l);

/* ================================================================ questions */

/* Fills l on its own and takes its Markdown out of f (trimmed), leaving
 * the objects its tokens name in f: a question's parts go after the step's
 * text, not where the question stands. */
static char *fill_apart(filler *F, const nlist *l)
{
	size_t start = F->f->len, tok0 = F->ntok;
	int line_start = F->line_start;
	F->line_start = 1;
	fill_list(F, l);
	if (F->ev.st == VX_OK && F->math)
		vxr_tpl_eval_fail(&F->ev, F->math_off, "unclosed %s", F->math == 2 ? "$$" : "$");
	if (F->ev.st != VX_OK)
		return NULL;
	const char *s = F->f->md ? F->f->md + start : "";
	size_t n = F->f->len - start;
	while (n && (*s == ' ' || *s == '\n' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\t'))
		n--;
	char *out = strndup(s, n);
	if (!out) {
		oom(F);
		return NULL;
	}
	if (F->f->md) {
		F->f->len = start;
		F->f->md[start] = '\0';
	}
	F->ntok = tok0;   /* counted again where the text lands */
	F->line_start = line_start;
	return out;
}

/* A {{#quiz}}: its answer for this network and its three parts, kept in f. */
static void fill_quiz(filler *F, const node *n)
{
	vxr_filled *f = F->f;
	if (F->math) {
		vxr_tpl_eval_fail(&F->ev, n->off, "a question cannot stand inside math");
		return;
	}
	if (f->nquiz == f->qcap) {
		size_t cap = f->qcap ? f->qcap * 2 : 8;
		vxr_quiz_md *q = realloc(f->quiz, cap * sizeof *q);
		if (!q) {
			oom(F);
			return;
		}
		f->quiz = q;
		f->qcap = cap;
	}
	vxr_quiz_md *m = &f->quiz[f->nquiz];
	memset(m, 0, sizeof *m);
	vxr_tpl_quiz_answer(&F->ev, n, F->prose, &m->q);
	if (F->ev.st != VX_OK)
		return;
	m->question = fill_apart(F, &n->br[0].body);
	m->hint = m->question ? fill_apart(F, &n->br[1].body) : NULL;
	m->reason = m->hint ? fill_apart(F, &n->br[2].body) : NULL;
	if (!m->reason) {
		free(m->question);
		free(m->hint);
		return;
	}
	const char *base = strrchr(F->ev.t->name, '/');
	snprintf(m->q.id, sizeof m->q.id, "%s#%zu", base ? base + 1 : F->ev.t->name, ++F->nquiz);
	m->q.number = ++f->quiz_number;
	f->nquiz++;
}

/* The questions of this template (f->quiz[from..]) after its text,
 * numbered; in the tutor with the key that answers them. */
static void emit_questions(filler *F, size_t from)
{
	int terminal = vxr_env_terminal(F->ev.env);
	for (size_t i = from; i < F->f->nquiz && F->ev.st == VX_OK; i++) {
		const vxr_quiz_md *m = &F->f->quiz[i];
		char head[64];
		int w = snprintf(head, sizeof head, "\n\n**Question %zu.** ", m->q.number);
		emit(F, head, (size_t)w);
		size_t at = F->f->len;
		emit(F, m->question, strlen(m->question));
		if (terminal)
			emit(F, " *Press i to answer.*", strlen(" *Press i to answer.*"));
		emit(F, "\n\n", 2);
		/* the tokens of the question count where they now stand */
		for (const char *p = F->f->md ? F->f->md + at : NULL;
		     p && F->ev.st == VX_OK && (p = find_marker(p, F->f->len - (size_t)(p - F->f->md))); p += 3)
			F->ntok++;
	}
}

static void fill_node(filler *F, const node *n)
{
	const vxr_tpl *t = F->ev.t;
	switch (n->type) {
	case N_TEXT:
		feed_text(F, t->text + n->tstart, n->tlen, n->tstart);
		return;
	case N_EXPR: {
		val v = vxr_tpl_eval(&F->ev, n->e);
		if (F->ev.st != VX_OK)
			return;
		char buf[160];
		vxr_tpl_format_val(buf, sizeof buf, v, &n->fmt, F->math ? VXF_TEX : F->prose);
		if (F->math) {
			if (v.type == V_STR) {
				if (mput(F, "\\text{", 6) < 0 || mput(F, buf, strlen(buf)) < 0 || mput(F, "}", 1) < 0)
					oom(F);
			} else if (mput(F, "{", 1) < 0 || mput(F, buf, strlen(buf)) < 0 || mput(F, "}", 1) < 0) {
				oom(F);
			}
		} else {
			if (strstr(buf, "VXQ")) {
				vxr_tpl_eval_fail(&F->ev, n->off, "a value holding 'VXQ', which is reserved for vanex's own markers");
				return;
			}
			emit(F, buf, strlen(buf));
			F->line_start = 0;
		}
		return;
	}
	case N_IF:
		for (size_t b = 0; b < n->nbr; b++) {
			if (n->br[b].cond) {
				val c = vxr_tpl_eval(&F->ev, n->br[b].cond);
				if (F->ev.st != VX_OK)
					return;
				if (!vxr_tpl_truthy(c))
					continue;
			}
			fill_list(F, &n->br[b].body);
			return;
		}
		return;
	case N_QUIZ:
		fill_quiz(F, n);
		return;
	case N_BLOCK: {
		if (F->math) {
			vxr_tpl_eval_fail(&F->ev, n->off, "a %s cannot stand inside math",
			                  n->blk.kind == VXR_OBJ_CITE ? "citation" : "block");
			return;
		}
		const vxr_ctx *c = vxr_env_ctx(F->ev.env);
		vxr_obj *o = push_obj(F->f);
		if (!o) {
			oom(F);
			return;
		}
		*o = n->blk;
		o->tex = NULL;
		o->file = F->fname;
		vxr_tpl_pos_of(t, n->off, &o->line, &o->col);
		o->j = vxr_tpl_eval_index(&F->ev, n->jexpr, c->j, 1, c->result->T, "j", "1..T");
		if (F->ev.st != VX_OK)
			return;
		o->k = vxr_tpl_eval_index(&F->ev, n->kexpr, c->k, 1, c->result->t, "k", "1..t");
		if (F->ev.st != VX_OK)
			return;
		if (o->blk == VXR_BLK_MATRIX && o->size == 0)
			o->size = 6;
		emit_token(F, F->f->nobjs - 1);
		F->line_start = 0;
		return;
	}
	}
}

static void fill_list(filler *F, const nlist *l)
{
	for (size_t i = 0; i < l->n && F->ev.st == VX_OK; i++)
		fill_node(F, l->v[i]);
}

vx_status vxr_tpl_fill(const vxr_tpl *t, vxr_env *env, vxf_style prose_style, vxr_filled *f, vx_error *err)
{
	filler F;
	memset(&F, 0, sizeof F);
	F.ev.t = t;
	F.ev.env = env;
	F.ev.err = err;
	F.ev.st = VX_OK;
	F.f = f;
	F.prose = prose_style;
	F.line_start = 1;
	/* objects outlive the template: they keep a copy of its name */
	char **nn = realloc(f->names, (f->nnames + 1) * sizeof *nn);
	char *name = strdup(t->name);
	if (!nn || !name) {
		free(name);
		if (nn)
			f->names = nn;
		return vx_fail(err, VX_ENOMEM, "out of memory filling %s", t->name);
	}
	f->names = nn;
	f->names[f->nnames++] = name;
	F.fname = name;
	size_t start = f->len, quiz0 = f->nquiz;
	fill_list(&F, &t->body);
	if (F.ev.st == VX_OK && F.math)
		vxr_tpl_eval_fail(&F.ev, F.math_off, "unclosed %s", F.math == 2 ? "$$" : "$");
	if (F.ev.st == VX_OK)
		emit_questions(&F, quiz0);
	/* pieces that only together spell a marker ("VX" then a value "Q...") */
	size_t seen = 0;
	for (const char *p = f->md ? f->md + start : NULL; p && (p = find_marker(p, f->len - (size_t)(p - f->md)));
	     p += 3)
		seen++;
	if (F.ev.st == VX_OK && seen != F.ntok)
		vxr_tpl_eval_fail(&F.ev, 0, "the text 'VXQ' is reserved for vanex's own markers");
	free(F.mbuf);
	return F.ev.st;
}
