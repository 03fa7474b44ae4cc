/*
 * tpl_parse.c — a template parsed once into a tree of text runs,
 * placeholders, conditionals and live blocks (tpl_internal.h), and its
 * front matter; every name, argument and format is checked then, so an
 * author hears about a typo, with its file:line:column, before any number
 * is computed.
 */
#include "report/doc/tpl_internal.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/params.h"
#include "report/doc/cite.h"
#include "report/text/utf8.h"

/* ================================================================ positions and messages */

void vxr_tpl_pos_of(const vxr_tpl *t, size_t off, int *line, int *col)
{
	int l = 1, c = 1;
	for (size_t i = 0; i < off && i < t->len; i++) {
		unsigned char ch = (unsigned char)t->text[i];
		if (ch == '\n') {
			l++;
			c = 1;
		} else if ((ch & 0xC0) != 0x80) {
			c++;
		}
	}
	*line = l;
	*col = c;
}

vx_status vxr_tpl_vfail_at(const vxr_tpl *t, size_t off, vx_error *err, vx_status *sticky, const char *fmt,
                           va_list ap)
{
	if (sticky && *sticky != VX_OK)
		return *sticky;
	char msg[256];
	vsnprintf(msg, sizeof msg, fmt, ap);
	int line, col;
	vxr_tpl_pos_of(t, off, &line, &col);
	vx_status st = vx_fail(err, VX_EFORMAT, "%s:%d:%d: %s", t->name, line, col, msg);
	if (sticky)
		*sticky = st;
	return st;
}

vx_status vxr_tpl_fail_at(const vxr_tpl *t, size_t off, vx_error *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vx_status st = vxr_tpl_vfail_at(t, off, err, NULL, fmt, ap);
	va_end(ap);
	return st;
}

/* ================================================================ the tree */

static void nlist_clear(nlist *l);

static void node_free(node *n)
{
	if (!n)
		return;
	vxr_tpl_expr_free(n->e);
	vxr_tpl_expr_free(n->jexpr);
	vxr_tpl_expr_free(n->kexpr);
	for (size_t i = 0; i < n->nbr; i++) {
		vxr_tpl_expr_free(n->br[i].cond);
		nlist_clear(&n->br[i].body);
	}
	free(n->br);
	free(n->quiz);
	free(n);
}

static void nlist_clear(nlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		node_free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

void vxr_tpl_free(vxr_tpl *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nfm; i++) {
		free(t->fm[i].key);
		free(t->fm[i].value);
	}
	free(t->fm);
	nlist_clear(&t->body);
	free(t->name);
	free(t->text);
	free(t);
}

static int nlist_push(nlist *l, node *n)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		node **v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = n;
	return 0;
}

/* ================================================================ the body */

typedef struct {
	vxr_tpl *t;
	size_t i;           /* cursor in t->text */
	vx_error *err;
	vx_status st;
	int depth;          /* nesting of {{#if}} */
	int quiz;           /* inside a {{#quiz}} */
} parser;

typedef enum { STOP_EOF, STOP_ELSE, STOP_ELSEIF, STOP_ENDIF, STOP_HINT, STOP_REASON, STOP_ENDQUIZ } stop;

/* The tag that made a stop, for messages. */
static const char *stop_tag(stop sp)
{
	switch (sp) {
	case STOP_ELSE: case STOP_ELSEIF: return "{{else}}";
	case STOP_ENDIF: return "{{/if}}";
	case STOP_HINT: return "{{hint}}";
	case STOP_REASON: return "{{reason}}";
	case STOP_ENDQUIZ: return "{{/quiz}}";
	default: return "the end";
	}
}

/* Whether the tag's text [s, s+n) is exactly word. */
static int tag_is(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && memcmp(s, word, n) == 0;
}

static node *node_alloc(parser *p, ntype type, size_t off)
{
	node *n = calloc(1, sizeof *n);
	if (!n) {
		p->st = vx_fail(p->err, VX_ENOMEM, "out of memory parsing a template");
		return NULL;
	}
	n->type = type;
	n->off = off;
	return n;
}

/* Appends n to l: 0, or -1 out of memory, n freed with all it holds and
 * the error in p. */
static int push_node(parser *p, nlist *l, node *n)
{
	if (nlist_push(l, n) < 0) {
		node_free(n);
		p->st = vx_fail(p->err, VX_ENOMEM, "out of memory parsing a template");
		return -1;
	}
	return 0;
}

static int push_text(parser *p, nlist *l, size_t start, size_t len)
{
	if (len == 0)
		return 0;
	node *n = node_alloc(p, N_TEXT, start);
	if (!n)
		return -1;
	n->tstart = start;
	n->tlen = len;
	if (push_node(p, l, n) < 0)
		return -1;
	return 0;
}

/* Parses one expression from the tag text [s, s+n) at template offset base.
 * *rest receives the offset (relative) of what follows the expression. */
static expr *parse_expr(parser *p, const char *s, size_t n, size_t base, size_t *rest)
{
	return vxr_tpl_expr_parse(p->t, s, n, base, rest, p->err, &p->st);
}

static const char *const matrix_names[] = { "W", "D", "dact", "J", "fd_dads", "fd_dsda", "grad",
                                            "dsds", NULL };

/* {{table paths|steps|inits|regimes|gates [rows=N]}}, {{matrix A [B] [j=…] [k=…] [size=N]}},
 * {{plot norms|dact|contrib|steps|eigen|powers|regimes|gates [j=…]}}, {{record}}, {{references}}, and the
 * inline {{cite KEY [KEY…]}} */
static node *parse_block(parser *p, const char *s, size_t n, size_t base, size_t tagoff)
{
	node *nd = node_alloc(p, N_BLOCK, tagoff);
	if (!nd)
		return NULL;
	nd->blk.kind = VXR_OBJ_BLOCK;
	size_t i = 0;
	char words[8][32] = { "" };   /* gcc cannot see that is_block_word left a word here */
	size_t woff[8];
	int nw = 0;
	while (i < n) {
		while (i < n && isspace((unsigned char)s[i]))
			i++;
		if (i >= n)
			break;
		size_t st = i;
		while (i < n && !isspace((unsigned char)s[i]) && s[i] != '=')
			i++;
		if (i < n && s[i] == '=') {
			/* key=value: the value is an expression primary up to the next space
			 * (or a parenthesised group) */
			size_t kl = i - st;
			i++;
			size_t vs = i;
			int depth = 0;
			while (i < n && (depth > 0 || !isspace((unsigned char)s[i]))) {
				if (s[i] == '(')
					depth++;
				else if (s[i] == ')')
					depth--;
				i++;
			}
			char key[16];
			if (kl == 0 || kl >= sizeof key) {
				vxr_tpl_fail_at(p->t, base + st, p->err, "bad block argument");
				goto bad;
			}
			memcpy(key, s + st, kl);
			key[kl] = '\0';
			if (vs == i) {
				vxr_tpl_fail_at(p->t, base + st, p->err, "a value is expected after %s=", key);
				goto bad;
			}
			if (strcmp(key, "j") == 0 || strcmp(key, "k") == 0) {
				expr **slot = key[0] == 'j' ? &nd->jexpr : &nd->kexpr;
				if (*slot) {
					vxr_tpl_fail_at(p->t, base + st, p->err, "%s= given twice", key);
					goto bad;
				}
				size_t rest;
				*slot = parse_expr(p, s + vs, i - vs, base + vs, &rest);
				if (!*slot)
					goto bad;
				if (rest != i - vs) {
					vxr_tpl_fail_at(p->t, base + vs + rest, p->err,
					        "unexpected text after %s=… (use parentheses: %s=(t-1))", key, key);
					goto bad;
				}
			} else if (strcmp(key, "rows") == 0 || strcmp(key, "size") == 0) {
				char *end;
				char num[16];
				size_t vl = i - vs < sizeof num - 1 ? i - vs : sizeof num - 1;
				memcpy(num, s + vs, vl);
				num[vl] = '\0';
				long v = strtol(num, &end, 10);
				long lo = key[0] == 'r' ? 3 : 3, hi = key[0] == 'r' ? 1000 : 40;
				if (*end || end == num || v < lo || v > hi) {
					vxr_tpl_fail_at(p->t, base + vs, p->err, "%s= expects a whole number in %ld..%ld, got '%s'",
					        key, lo, hi, num);
					goto bad;
				}
				if (key[0] == 'r')
					nd->blk.rows = (size_t)v;
				else
					nd->blk.size = (size_t)v;
			} else {
				vxr_tpl_fail_at(p->t, base + st, p->err, "unknown block argument '%s' (accepted: j= k= rows= size=)", key);
				goto bad;
			}
			continue;
		}
		if (nw == 8 || i - st >= sizeof words[0]) {
			vxr_tpl_fail_at(p->t, base + st, p->err, "too many or too long words in a block tag");
			goto bad;
		}
		memcpy(words[nw], s + st, i - st);
		words[nw][i - st] = '\0';
		woff[nw] = st;
		nw++;
	}
	/* words[0] is the block keyword */
	const char *kw = words[0];
	int has_rows = nd->blk.rows != 0, has_size = nd->blk.size != 0;
	int has_j = nd->jexpr != NULL, has_k = nd->kexpr != NULL;
	if (strcmp(kw, "table") == 0 || strcmp(kw, "plot") == 0) {
		/* the names each takes are the table of blocks' (blocks.c) */
		char names[200];
		vxr_blk_names(kw, names, sizeof names);
		if (nw != 2) {
			vxr_tpl_fail_at(p->t, base + woff[0], p->err, "{{%s}} needs one of: %s", kw, names);
			goto bad;
		}
		if (!vxr_blk_find(kw, words[1], &nd->blk.blk)) {
			vxr_tpl_fail_at(p->t, base + woff[1], p->err, "unknown %s '%s' (accepted: %s)", kw, words[1], names);
			goto bad;
		}
	}
	if (strcmp(kw, "table") == 0) {
		if (has_j || has_k || has_size) {
			vxr_tpl_fail_at(p->t, tagoff, p->err, "{{table}} accepts only rows=");
			goto bad;
		}
	} else if (strcmp(kw, "matrix") == 0) {
		if (nw < 2 || nw > 3) {
			vxr_tpl_fail_at(p->t, base + woff[0], p->err,
			                "{{matrix}} needs one or two names (W, D, dact, J, fd_dads, fd_dsda, grad, dsds)");
			goto bad;
		}
		for (int w = 1; w < nw; w++) {
			int ok = 0;
			for (int m = 0; matrix_names[m]; m++)
				ok |= strcmp(words[w], matrix_names[m]) == 0;
			if (!ok) {
				vxr_tpl_fail_at(p->t, base + woff[w], p->err,
				        "unknown matrix '%s' (accepted: W, D, dact, J, fd_dads, fd_dsda, grad, dsds)", words[w]);
				goto bad;
			}
			snprintf(nd->blk.mat[w - 1], sizeof nd->blk.mat[0], "%s", words[w]);
		}
		nd->blk.blk = VXR_BLK_MATRIX;
		if (has_rows) {
			vxr_tpl_fail_at(p->t, tagoff, p->err, "{{matrix}} accepts j= k= size=, not rows=");
			goto bad;
		}
	} else if (strcmp(kw, "plot") == 0) {
		if (has_rows || has_size || has_k || (has_j && nd->blk.blk != VXR_BLK_PLOT_DACT)) {
			vxr_tpl_fail_at(p->t, tagoff, p->err, "{{plot}} accepts only j= (for dact)");
			goto bad;
		}
	} else if (strcmp(kw, "record") == 0 || strcmp(kw, "references") == 0) {
		if (nw != 1 || has_rows || has_size || has_j || has_k) {
			vxr_tpl_fail_at(p->t, tagoff, p->err, "{{%s}} takes no argument", kw);
			goto bad;
		}
		nd->blk.blk = strcmp(kw, "record") == 0 ? VXR_BLK_RECORD : VXR_BLK_REFERENCES;
	} else if (strcmp(kw, "cite") == 0) {
		/* inline, unlike the blocks: the numbers of the works named */
		if (nw < 2 || nw > 5 || has_rows || has_size || has_j || has_k) {
			vxr_tpl_fail_at(p->t, tagoff, p->err, "{{cite}} needs one to four keys (%s)", vxr_ref_keys());
			goto bad;
		}
		nd->blk.kind = VXR_OBJ_CITE;
		for (int w = 1; w < nw; w++) {
			int r = vxr_ref_find(words[w], strlen(words[w]));
			if (r < 0) {
				vxr_tpl_fail_at(p->t, base + woff[w], p->err, "unknown work '%s' (accepted: %s)", words[w],
				                vxr_ref_keys());
				goto bad;
			}
			nd->blk.cite[nd->blk.ncite++] = r;
		}
	}
	return nd;
bad:
	p->st = VX_EFORMAT;
	node_free(nd);
	return NULL;
}

static int is_block_word(const char *s, size_t n)
{
	static const char *const kws[] = { "table", "matrix", "plot", "record", "references", "cite", NULL };
	size_t w = 0;
	while (w < n && isalpha((unsigned char)s[w]))
		w++;
	if (w < n && !isspace((unsigned char)s[w]))
		return 0;
	for (int i = 0; kws[i]; i++)
		if (strlen(kws[i]) == w && memcmp(kws[i], s, w) == 0)
			return 1;
	return 0;
}

static stop parse_list(parser *p, nlist *l, size_t *tagoff, expr **cond);

/* {{#quiz KIND … ANSWER}} question {{hint}} hint {{reason}} reason {{/quiz}}
 * (the tag's text [ins, ins+inl) at offset in, the tag at tag), appended to
 * l as an N_QUIZ node.  0, or -1 with p->st set. */
static int parse_quiz(parser *p, nlist *l, const char *ins, size_t inl, size_t in, size_t tag)
{
	vxr_tpl *t = p->t;
	if (p->depth > 0 || p->quiz) {
		p->st = vxr_tpl_fail_at(t, tag, p->err, p->quiz ? "a {{#quiz}} inside a {{#quiz}}"
		                                                 : "a {{#quiz}} cannot stand inside {{#if}} (every "
		                                                   "network is asked the same questions)");
		return -1;
	}
	node *n = node_alloc(p, N_QUIZ, tag);
	if (!n)
		return -1;
	n->quiz = calloc(1, sizeof *n->quiz);
	n->br = calloc(3, sizeof *n->br);
	if (!n->quiz || !n->br || nlist_push(l, n) < 0) {
		node_free(n);
		p->st = vx_fail(p->err, VX_ENOMEM, "out of memory parsing a template");
		return -1;
	}
	n->nbr = 3;
	n->e = vxr_tpl_quiz_head(t, ins + 5, inl - 5, in + 5, tag, n->quiz, p->err, &p->st);
	if (!n->e)
		return -1;
	static const stop want[3] = { STOP_HINT, STOP_REASON, STOP_ENDQUIZ };
	p->quiz = 1;
	for (int part = 0; part < 3; part++) {
		size_t stoff = tag;
		expr *next = NULL;
		stop sp = parse_list(p, &n->br[part].body, &stoff, &next);
		vxr_tpl_expr_free(next);
		if (p->st != VX_OK)
			return -1;
		if (sp != want[part]) {
			p->st = vxr_tpl_fail_at(t, sp == STOP_EOF ? tag : stoff, p->err,
			                        sp == STOP_EOF ? "unclosed {{#quiz}}: it needs {{hint}}, then {{reason}}, "
			                                         "then {{/quiz}}"
			                                       : "%s where this {{#quiz}} needs %s (question {{hint}} hint "
			                                         "{{reason}} reason {{/quiz}})",
			                        stop_tag(sp), stop_tag(want[part]));
			return -1;
		}
	}
	p->quiz = 0;
	return 0;
}

/* Parses nodes into l until {{else}}, {{else if}}, {{/if}} or the end.
 * For a stop at a tag, *tagoff is the tag's offset and *cond the else-if's
 * condition. */
static stop parse_list(parser *p, nlist *l, size_t *tagoff, expr **cond)
{
	vxr_tpl *t = p->t;
	const char *s = t->text;
	size_t seg = p->i;
	while (p->st == VX_OK) {
		size_t i = p->i;
		while (i < t->len && !(s[i] == '{' && i + 1 < t->len && s[i + 1] == '{'))
			i++;
		if (i >= t->len) {
			push_text(p, l, seg, t->len - seg);
			p->i = t->len;
			return STOP_EOF;
		}
		if (i > 0 && s[i - 1] == '\\') {
			/* \{{ is a literal "{{" */
			if (push_text(p, l, seg, i - 1 - seg) < 0 || push_text(p, l, i, 2) < 0)
				return STOP_EOF;
			p->i = seg = i + 2;
			continue;
		}
		size_t tag = i;
		size_t close = tag + 2;
		while (close + 1 < t->len && !(s[close] == '}' && s[close + 1] == '}'))
			close++;
		if (close + 1 >= t->len) {
			p->st = vxr_tpl_fail_at(t, tag, p->err, "unclosed {{ (no matching }})");
			return STOP_EOF;
		}
		size_t in = tag + 2, inl = close - in;
		while (inl && isspace((unsigned char)s[in]))
			in++, inl--;
		while (inl && isspace((unsigned char)s[in + inl - 1]))
			inl--;
		size_t after = close + 2;
		const char *ins = s + in;
		int control = inl > 0 && (ins[0] == '#' || ins[0] == '/' || ins[0] == '!' ||
		                          tag_is(ins, inl, "hint") || tag_is(ins, inl, "reason") ||
		                          (inl >= 4 && memcmp(ins, "else", 4) == 0 &&
		                           (inl == 4 || isspace((unsigned char)ins[4]))));
		/* A control tag alone on its line takes the line with it, so that
		 * conditionals do not leave blank lines that would split paragraphs. */
		size_t text_end = tag;
		if (control) {
			size_t ls = tag;
			while (ls > seg && (s[ls - 1] == ' ' || s[ls - 1] == '\t'))
				ls--;
			int at_line_start = ls == 0 || s[ls - 1] == '\n';
			size_t le = after;
			while (le < t->len && (s[le] == ' ' || s[le] == '\t'))
				le++;
			int at_line_end = le >= t->len || s[le] == '\n';
			if (at_line_start && at_line_end && ls >= seg) {
				text_end = ls;
				after = le < t->len ? le + 1 : le;
			}
		}
		if (push_text(p, l, seg, text_end - seg) < 0)
			return STOP_EOF;
		p->i = seg = after;
		if (inl == 0) {
			p->st = vxr_tpl_fail_at(t, tag, p->err, "empty {{}}");
			return STOP_EOF;
		}
		if (ins[0] == '!')
			continue;
		if (ins[0] == '#') {
			if (inl >= 3 && memcmp(ins, "#if", 3) == 0 && (inl == 3 || isspace((unsigned char)ins[3]))) {
				node *n = node_alloc(p, N_IF, tag);
				if (!n)
					return STOP_EOF;
				if (push_node(p, l, n) < 0)
					return STOP_EOF;
				size_t rest;
				if (inl == 3) {
					p->st = vxr_tpl_fail_at(t, tag, p->err, "{{#if}} needs a condition");
					return STOP_EOF;
				}
				expr *c = parse_expr(p, ins + 3, inl - 3, in + 3, &rest);
				if (!c)
					return STOP_EOF;
				if (rest != inl - 3) {
					vxr_tpl_expr_free(c);
					p->st = vxr_tpl_fail_at(t, in + 3 + rest, p->err, "unexpected text in condition");
					return STOP_EOF;
				}
				int had_else = 0;
				if (++p->depth > TPL_MAX_DEPTH) {
					vxr_tpl_expr_free(c);
					p->st = vxr_tpl_fail_at(t, tag, p->err, "{{#if}} nested deeper than %d", TPL_MAX_DEPTH);
					return STOP_EOF;
				}
				for (;;) {
					branch *nb = realloc(n->br, (n->nbr + 1) * sizeof *nb);
					if (!nb) {
						vxr_tpl_expr_free(c);
						p->st = vx_fail(p->err, VX_ENOMEM, "out of memory parsing a template");
						return STOP_EOF;
					}
					n->br = nb;
					n->br[n->nbr].cond = c;
					memset(&n->br[n->nbr].body, 0, sizeof(nlist));
					n->nbr++;
					size_t stoff = 0;
					expr *next = NULL;
					stop sp = parse_list(p, &n->br[n->nbr - 1].body, &stoff, &next);
					if (p->st != VX_OK) {
						vxr_tpl_expr_free(next);
						return STOP_EOF;
					}
					if (sp == STOP_EOF) {
						p->st = vxr_tpl_fail_at(t, tag, p->err, "unclosed {{#if}} (no {{/if}})");
						return STOP_EOF;
					}
					if (sp == STOP_ENDIF)
						break;
					if (sp == STOP_HINT || sp == STOP_REASON || sp == STOP_ENDQUIZ) {
						vxr_tpl_expr_free(next);
						p->st = vxr_tpl_fail_at(t, stoff, p->err, "%s inside {{#if}} (close the {{#if}} first)",
						                        stop_tag(sp));
						return STOP_EOF;
					}
					if (had_else) {
						vxr_tpl_expr_free(next);
						p->st = vxr_tpl_fail_at(t, stoff, p->err, "{{else}} after the final {{else}} of this {{#if}}");
						return STOP_EOF;
					}
					if (sp == STOP_ELSE) {
						had_else = 1;
						c = NULL;
					} else {
						c = next;
					}
				}
				p->depth--;
				seg = p->i;
				continue;
			}
			if (inl >= 5 && memcmp(ins, "#quiz", 5) == 0 && (inl == 5 || isspace((unsigned char)ins[5]))) {
				if (parse_quiz(p, l, ins, inl, in, tag) < 0)
					return STOP_EOF;
				seg = p->i;
				continue;
			}
			size_t w = 1;
			while (w < inl && !isspace((unsigned char)ins[w]))
				w++;
			p->st = vxr_tpl_fail_at(t, tag, p->err, "unknown block '%.*s' (accepted: #if, #quiz)", (int)w, ins);
			return STOP_EOF;
		}
		if (ins[0] == '/') {
			if (inl == 3 && memcmp(ins, "/if", 3) == 0) {
				*tagoff = tag;
				return STOP_ENDIF;
			}
			if (tag_is(ins, inl, "/quiz")) {
				*tagoff = tag;
				return STOP_ENDQUIZ;
			}
			p->st = vxr_tpl_fail_at(t, tag, p->err, "unknown closing tag '%.*s' (accepted: /if, /quiz)", (int)inl,
			                        ins);
			return STOP_EOF;
		}
		if (inl >= 4 && memcmp(ins, "else", 4) == 0 && (inl == 4 || isspace((unsigned char)ins[4]))) {
			*tagoff = tag;
			if (inl == 4)
				return STOP_ELSE;
			size_t k = 4;
			while (k < inl && isspace((unsigned char)ins[k]))
				k++;
			if (inl - k >= 2 && memcmp(ins + k, "if", 2) == 0 &&
			    (inl - k == 2 || isspace((unsigned char)ins[k + 2]))) {
				size_t rest;
				if (inl - k == 2) {
					p->st = vxr_tpl_fail_at(t, tag, p->err, "{{else if}} needs a condition");
					return STOP_EOF;
				}
				expr *c = parse_expr(p, ins + k + 2, inl - k - 2, in + k + 2, &rest);
				if (!c)
					return STOP_EOF;
				if (rest != inl - k - 2) {
					vxr_tpl_expr_free(c);
					p->st = vxr_tpl_fail_at(t, in + k + 2 + rest, p->err, "unexpected text in condition");
					return STOP_EOF;
				}
				*cond = c;
				return STOP_ELSEIF;
			}
			p->st = vxr_tpl_fail_at(t, in + k, p->err, "expected {{else}} or {{else if CONDITION}}");
			return STOP_EOF;
		}
		if (tag_is(ins, inl, "hint") || tag_is(ins, inl, "reason")) {
			*tagoff = tag;
			return ins[0] == 'h' ? STOP_HINT : STOP_REASON;
		}
		if (is_block_word(ins, inl)) {
			node *n = parse_block(p, ins, inl, in, tag);
			if (!n)
				return STOP_EOF;
			if (push_node(p, l, n) < 0)
				return STOP_EOF;
			continue;
		}
		/* a placeholder: EXPR [: FORMAT] */
		size_t rest;
		expr *e = parse_expr(p, ins, inl, in, &rest);
		if (!e)
			return STOP_EOF;
		node *n = node_alloc(p, N_EXPR, tag);
		if (!n) {
			vxr_tpl_expr_free(e);
			return STOP_EOF;
		}
		n->e = e;
		if (rest < inl) {
			if (ins[rest] != ':') {
				node_free(n);
				p->st = vxr_tpl_fail_at(t, in + rest, p->err, "unexpected '%.*s' after the value (a format starts with ':')",
				                (int)(inl - rest), ins + rest);
				return STOP_EOF;
			}
			if (vxr_tpl_parse_format(ins + rest + 1, inl - rest - 1, &n->fmt) < 0) {
				node_free(n);
				p->st = vxr_tpl_fail_at(t, in + rest + 1, p->err,
				                "bad format '%.*s' (accepted: .N with N in 1..17, sci, .Nsci, int, full)",
				                (int)(inl - rest - 1), ins + rest + 1);
				return STOP_EOF;
			}
			if (e->op == E_STR || (e->op == E_NAME && vxr_tpl_names[e->name].type == V_STR)) {
				node_free(n);
				p->st = vxr_tpl_fail_at(t, in + rest + 1, p->err, "a format applies to numbers, not to text");
				return STOP_EOF;
			}
		}
		if (push_node(p, l, n) < 0)
			return STOP_EOF;
	}
	return STOP_EOF;
}

/* ================================================================ front matter */

static const char *const fm_extra[] = { "title", "j", "k", "panel", "cell", NULL };

/* The tutor's live-panel views a step may name (`panel:`). */
static const char *const panels[] = { "network", "dact", "jacobian", "paths", "lyap", "chain", "eigen", "gates",
                                      NULL };

/* The entry of panels[] spelt value, or NULL. */
static const char *panel_named(const char *value)
{
	for (int i = 0; panels[i]; i++)
		if (strcmp(value, panels[i]) == 0)
			return panels[i];
	return NULL;
}

static vx_status parse_front_matter(vxr_tpl *t, size_t *body, vx_error *err)
{
	const char *s = t->text;
	*body = 0;
	if (!(t->len >= 4 && memcmp(s, "---", 3) == 0 && (s[3] == '\n' || (s[3] == '\r' && t->len > 4 && s[4] == '\n'))))
		return VX_OK;
	size_t i = s[3] == '\n' ? 4 : 5;
	for (;;) {
		if (i >= t->len)
			return vxr_tpl_fail_at(t, 0, err, "unclosed front matter (no closing ---)");
		size_t ls = i, le = i;
		while (le < t->len && s[le] != '\n')
			le++;
		size_t next = le < t->len ? le + 1 : le;
		size_t e = le;
		if (e > ls && s[e - 1] == '\r')
			e--;
		if (e - ls == 3 && memcmp(s + ls, "---", 3) == 0) {
			*body = next;
			return VX_OK;
		}
		size_t a = ls;
		while (a < e && (s[a] == ' ' || s[a] == '\t'))
			a++;
		if (a == e || s[a] == '#') {
			i = next;
			continue;
		}
		size_t colon = a;
		while (colon < e && s[colon] != ':')
			colon++;
		if (colon == e)
			return vxr_tpl_fail_at(t, a, err, "front matter: expected 'key: value'");
		size_t ke = colon;
		while (ke > a && (s[ke - 1] == ' ' || s[ke - 1] == '\t'))
			ke--;
		size_t vs = colon + 1;
		while (vs < e && (s[vs] == ' ' || s[vs] == '\t'))
			vs++;
		size_t ve = e;
		while (ve > vs && (s[ve - 1] == ' ' || s[ve - 1] == '\t'))
			ve--;
		char *key = strndup(s + a, ke - a);
		char *value = strndup(s + vs, ve - vs);
		fm_entry *nf = realloc(t->fm, (t->nfm + 1) * sizeof *nf);
		if (!key || !value || !nf) {
			free(key);
			free(value);
			if (nf)
				t->fm = nf;
			return vx_fail(err, VX_ENOMEM, "out of memory parsing a template");
		}
		t->fm = nf;
		t->fm[t->nfm++] = (fm_entry){ key, value, a, vs };
		/* quoted values lose their quotes */
		size_t vl = strlen(value);
		if (vl >= 2 && ((value[0] == '"' && value[vl - 1] == '"') || (value[0] == '\'' && value[vl - 1] == '\''))) {
			memmove(value, value + 1, vl - 2);
			value[vl - 2] = '\0';
			t->fm[t->nfm - 1].voff++;
		}
		int known = vx_params_is_option(key);
		for (int x = 0; fm_extra[x]; x++)
			known |= strcmp(key, fm_extra[x]) == 0;
		if (!known)
			return vxr_tpl_fail_at(t, a, err,
			               "front matter: unknown key '%s' (accepted: the model options act, hidden, inputs, "
			               "steps, t, norm, init, weights, model, input-scale, seed; and title, j, k, panel, cell)",
			               key);
		/* as on the command line, each key once: the first would win unseen */
		for (size_t x = 0; x + 1 < t->nfm; x++)
			if (strcmp(t->fm[x].key, key) == 0)
				return vxr_tpl_fail_at(t, a, err, "front matter: '%s' given twice", key);
		if (strcmp(key, "j") == 0 || strcmp(key, "k") == 0) {
			char *end;
			long v = strtol(value, &end, 10);
			if (*end || end == value || v < 1)
				return vxr_tpl_fail_at(t, vs, err, "front matter: %s expects a whole number >= 1, got '%s'", key, value);
		} else if (strcmp(key, "panel") == 0) {
			if (!panel_named(value))
				return vxr_tpl_fail_at(t, vs, err,
				                       "front matter: panel expects one of network, dact, jacobian, paths, "
				                       "lyap, chain, eigen, gates, got '%s'", value);
		} else if (strcmp(key, "cell") == 0) {
			/* the one cell a step can be about alone: the gated ones are
			 * computed beside it, never derived step by step */
			if (strcmp(value, "rnn") != 0)
				return vxr_tpl_fail_at(t, vs, err,
				                       "front matter: cell expects rnn (the step derives the vanilla cell), "
				                       "got '%s'", value);
		} else if (strcmp(key, "title") != 0) {
			vx_params scratch;
			vx_error e2;
			vx_params_default(&scratch);
			if (vx_params_set(&scratch, key, value, &e2) != VX_OK)
				return vxr_tpl_fail_at(t, vs, err, "front matter: %s", e2.msg);
		}
		i = next;
	}
}

vx_status vxr_tpl_parse(const char *name, const char *text, size_t len, vxr_tpl **out, vx_error *err)
{
	*out = NULL;
	vxr_tpl *t = calloc(1, sizeof *t);
	if (!t)
		return vx_fail(err, VX_ENOMEM, "out of memory parsing %s", name);
	t->name = strdup(name ? name : "template");
	t->text = malloc(len + 1);
	if (!t->name || !t->text) {
		vxr_tpl_free(t);
		return vx_fail(err, VX_ENOMEM, "out of memory parsing %s", name);
	}
	memcpy(t->text, text, len);
	t->text[len] = '\0';
	t->len = len;
	if (memchr(text, '\0', len)) {
		vx_status st = vxr_tpl_fail_at(t, (size_t)((const char *)memchr(text, '\0', len) - text), err,
		                       "a NUL byte in a template");
		vxr_tpl_free(t);
		return st;
	}
	/* UTF-8 text, as every output takes it: a stray byte went raw into
	 * Markdown, as U+FFFD into HTML, and stopped pdflatex */
	for (size_t i = 0, l; i < len; i += l) {
		uint32_t cp;
		if (!(l = vxr_u8_dec((const unsigned char *)text + i, len - i, &cp))) {
			vx_status st = vxr_tpl_fail_at(t, i, err, "byte 0x%02x is not UTF-8: a template is UTF-8 text",
			                               (unsigned char)text[i]);
			vxr_tpl_free(t);
			return st;
		}
	}
	size_t body;
	vx_status st = parse_front_matter(t, &body, err);
	if (st != VX_OK) {
		vxr_tpl_free(t);
		return st;
	}
	parser p = { t, body, err, VX_OK, 0, 0 };
	size_t tagoff = 0;
	expr *cond = NULL;
	stop sp = parse_list(&p, &t->body, &tagoff, &cond);
	vxr_tpl_expr_free(cond);
	if (p.st == VX_OK && sp != STOP_EOF)
		p.st = vxr_tpl_fail_at(t, tagoff, err, "%s without %s", stop_tag(sp),
		                       sp == STOP_HINT || sp == STOP_REASON || sp == STOP_ENDQUIZ ? "{{#quiz}}" : "{{#if}}");
	if (p.st != VX_OK) {
		vxr_tpl_free(t);
		return p.st;
	}
	*out = t;
	return VX_OK;
}

vx_status vxr_tpl_check_views(const vxr_tpl *t, size_t T, size_t tl, vx_error *err)
{
	for (size_t i = 0; t && i < t->nfm; i++) {
		const fm_entry *f = &t->fm[i];
		int j = strcmp(f->key, "j") == 0;
		if (!j && strcmp(f->key, "k") != 0)
			continue;
		size_t v = (size_t)strtoul(f->value, NULL, 10), hi = j ? T : tl;
		if (v > hi)   /* >= 1 already (vxr_tpl_parse) */
			return vxr_tpl_fail_at(t, f->voff, err, "front matter: %s = %zu is outside 1..%zu (%s)", f->key, v,
			                       hi, j ? "1..T" : "1..t");
	}
	return VX_OK;
}

const char *vxr_tpl_title(const vxr_tpl *t)
{
	for (size_t i = 0; t && i < t->nfm; i++)
		if (strcmp(t->fm[i].key, "title") == 0)
			return t->fm[i].value;
	return NULL;
}

int vxr_tpl_vanilla(const vxr_tpl *t)
{
	for (size_t i = 0; t && i < t->nfm; i++)
		if (strcmp(t->fm[i].key, "cell") == 0)
			return 1;
	return 0;
}

const char *vxr_tpl_panel(const vxr_tpl *t)
{
	for (size_t i = 0; t && i < t->nfm; i++)
		if (strcmp(t->fm[i].key, "panel") == 0)
			return panel_named(t->fm[i].value);
	return NULL;
}

static const struct { const char *name; unsigned bit; } opt_bits[] = {
	{ "act", VX_SET_ACT }, { "hidden", VX_SET_HIDDEN }, { "inputs", VX_SET_INPUTS },
	{ "steps", VX_SET_STEPS }, { "t", VX_SET_T }, { "norm", VX_SET_NORM },
	{ "init", VX_SET_INIT }, { "weights", VX_SET_WEIGHTS }, { "model", VX_SET_MODEL },
	{ "input-scale", VX_SET_INPUT_SCALE }, { "seed", VX_SET_SEED }, { NULL, 0 }
};

vx_status vxr_tpl_apply_defaults(const vxr_tpl *t, vx_params *p, size_t *j, size_t *k,
                                 vxr_weights_kind_fn weights_kind, vx_error *err)
{
	/* A weights or model file given on the command line replaces the
	 * template's network altogether: the front matter's own file and every
	 * option that file makes meaningless are left out. */
	int cli_file = p->weights[0] || p->model[0];
	for (size_t i = 0; i < t->nfm; i++) {
		const fm_entry *f = &t->fm[i];
		if (strcmp(f->key, "title") == 0 || strcmp(f->key, "panel") == 0 || strcmp(f->key, "cell") == 0)
			continue;
		if (strcmp(f->key, "j") == 0 || strcmp(f->key, "k") == 0) {
			size_t *dst = f->key[0] == 'j' ? j : k;
			if (dst && *dst == 0)
				*dst = (size_t)strtoul(f->value, NULL, 10);
			continue;
		}
		unsigned bit = 0;
		for (int b = 0; opt_bits[b].name; b++)
			if (strcmp(opt_bits[b].name, f->key) == 0)
				bit = opt_bits[b].bit;
		if (bit && (p->set & bit))
			continue;   /* the command line wins */
		/* the command line's inputs file fixes T and n, and nothing is scaled */
		if (p->inputs_file[0] && (bit == VX_SET_STEPS || bit == VX_SET_INPUTS || bit == VX_SET_INPUT_SCALE))
			continue;
		vx_params before = *p;
		vx_error e2;
		/* a file named relative to the template's folder, wherever the
		 * command runs: the folder of a template and its network travels
		 * whole */
		const char *value = f->value, *slash = strrchr(t->name, '/');
		char path[VX_PATH_MAX];
		if ((bit == VX_SET_WEIGHTS || bit == VX_SET_MODEL || strcmp(f->key, "inputs-file") == 0) && slash &&
		    value[0] != '/' && value[0]) {
			int n = snprintf(path, sizeof path, "%.*s/%s", (int)(slash - t->name), t->name, value);
			if (n < 0 || (size_t)n >= sizeof path)
				return vxr_tpl_fail_at(t, f->voff, err, "front matter: %s: the path from the template's folder "
				                       "is too long", f->key);
			value = path;
		}
		if (vx_params_set(p, f->key, value, &e2) != VX_OK)
			return vxr_tpl_fail_at(t, f->voff, err, "front matter: %s", e2.msg);
		if (bit == VX_SET_WEIGHTS && weights_kind)
			weights_kind(p);
		if (vx_params_conflicts(p, &e2) != VX_OK) {
			*p = before;
			if (!cli_file)   /* the template's own entries disagree */
				return vxr_tpl_fail_at(t, f->voff, err, "front matter: %s", e2.msg);
		}
	}
	return VX_OK;
}
