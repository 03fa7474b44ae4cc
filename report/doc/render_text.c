/*
 * render_text.c — the small helpers every renderer shares: escaping for
 * HTML and LaTeX, the objects' tokens, math with template positions, text
 * with $…$ spans, the entries and numbers of citations.
 */
#include "report/doc/blocks.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/doc/cite.h"

/* ================================================================ strings */

void vxr_html_escape(vxr_buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': vxr_buf_puts(b, "&amp;"); break;
		case '<': vxr_buf_puts(b, "&lt;"); break;
		case '>': vxr_buf_puts(b, "&gt;"); break;
		case '"': vxr_buf_puts(b, "&quot;"); break;
		default: vxr_buf_put(b, s, 1);
		}
	}
}

void vxr_latex_escape(vxr_buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '\\': vxr_buf_puts(b, "\\textbackslash{}"); break;
		case '{': case '}': case '#': case '$': case '%': case '&': case '_':
			vxr_buf_put(b, "\\", 1);
			vxr_buf_put(b, s, 1);
			break;
		case '~': vxr_buf_puts(b, "\\textasciitilde{}"); break;
		case '^': vxr_buf_puts(b, "\\textasciicircum{}"); break;
		default: vxr_buf_put(b, s, 1);
		}
	}
}

size_t vxr_token_at(const char *s, size_t len)
{
	if (len < VXR_TOKEN_LEN || memcmp(s, "VXQ", 3) != 0 || s[8] != 'Q')
		return SIZE_MAX;
	size_t v = 0;
	for (int i = 3; i < 8; i++) {
		if (s[i] < '0' || s[i] > '9')
			return SIZE_MAX;
		v = v * 10 + (size_t)(s[i] - '0');
	}
	return v;
}

vx_status vxr_math(const vxr_obj *o, const char *src, vxm_target tg, int display, char **out, vx_error *err)
{
	size_t col = 0;
	vx_error e2;
	vx_status st = vxm_render(src, strlen(src), tg, display, out, &col, &e2);
	if (st == VX_OK)
		return VX_OK;
	*out = NULL;
	if (st != VX_EFORMAT)
		return vx_fail(err, st, "%s", e2.msg);
	int c = o->col + (o->kind == VXR_OBJ_DMATH ? 2 : 1) + (col ? (int)col - 1 : 0);
	return vx_fail(err, VX_EFORMAT, "%s:%d:%d: math: %s", o->file, o->line, c, e2.msg);
}

/* vxr_mixed, and with glue (the terminal's) the text already in the
 * terminal's characters and every space of a formula VXR_GLUE */
static vx_status mixed(const char *text, vxr_target tg, int utf8, int glue, char **out, vx_error *err)
{
	vxr_buf b = { 0 };
	const char *p = text;
	int starred = 0;   /* glue, ASCII: the text before a formula wants a '*' before a letter */
	while (*p) {
		const char *d = strchr(p, '$');
		size_t n = d ? (size_t)(d - p) : strlen(p);
		char *seg = strndup(p, n);
		if (!seg) {
			free(b.s);
			return vx_fail(err, VX_ENOMEM, "out of memory");
		}
		if (tg == VXR_T_HTML) {
			vxr_html_escape(&b, seg);
		} else if (tg == VXR_T_LATEX) {
			vxr_latex_escape(&b, seg);
		} else if (glue && !utf8) {
			/* ASCII, as term_text makes it of a whole caption: a symbol
			 * spelled as a word ("gamma") right before a formula that
			 * starts with a letter or a digit gets the '*' between them,
			 * which shows as a one byte longer spelling of seg + "0" */
			char *a = vxm_to_ascii(seg), *x = malloc(n + 2), *ax = NULL;
			if (x) {
				memcpy(x, seg, n);
				memcpy(x + n, "0", 2);
				ax = vxm_to_ascii(x);
			}
			if (!a || !ax) {
				free(a);
				free(x);
				free(ax);
				free(seg);
				free(b.s);
				return vx_fail(err, VX_ENOMEM, "out of memory");
			}
			vxr_buf_puts(&b, a);
			starred = strlen(ax) == strlen(a) + 2;
			free(a);
			free(x);
			free(ax);
		} else {
			vxr_buf_puts(&b, seg);
		}
		free(seg);
		if (!d)
			break;
		const char *e = strchr(d + 1, '$');
		if (!e) {
			free(b.s);
			return vx_fail(err, VX_EINTERNAL, "internal: unclosed $ in '%s'", text);
		}
		char *src = strndup(d + 1, (size_t)(e - d - 1));
		char *m = NULL;
		size_t col;
		vx_error e2;
		vxm_target mt = tg == VXR_T_HTML ? VXM_MATHML : tg == VXR_T_LATEX ? VXM_LATEX
		              : tg == VXR_T_MD ? VXM_LATEX : utf8 ? VXM_UNICODE : VXM_ASCII;
		vx_status st = src ? vxm_render(src, strlen(src), mt, 0, &m, &col, &e2) : VX_ENOMEM;
		free(src);
		if (st != VX_OK) {
			free(b.s);
			return vx_fail(err, st == VX_EFORMAT ? VX_EINTERNAL : st, "internal: math '%.*s': %s",
			               (int)(e - d - 1), d + 1, st == VX_ENOMEM ? "out of memory" : e2.msg);
		}
		p = e + 1;
		/* HTML: the punctuation after a formula stays on its line, so a
		 * caption's final "." never wraps alone (doc.c does the same for
		 * the prose) */
		size_t punct = tg == VXR_T_HTML ? strspn(p, ",.;:!?)") : 0;
		if (punct)
			vxr_buf_puts(&b, "<span class=\"nobr\">");
		if (tg == VXR_T_LATEX || tg == VXR_T_MD)
			vxr_buf_puts(&b, "$");
		if (starred && ((m[0] >= 'a' && m[0] <= 'z') || (m[0] >= 'A' && m[0] <= 'Z') || (m[0] >= '0' && m[0] <= '9')))
			vxr_buf_putc(&b, '*');
		starred = 0;
		for (char *q = m; glue && *q; q++)
			if (*q == ' ')
				*q = VXR_GLUE;
		vxr_buf_puts(&b, m);
		if (tg == VXR_T_LATEX || tg == VXR_T_MD)
			vxr_buf_puts(&b, "$");
		free(m);
		if (punct) {
			vxr_buf_put(&b, p, punct);
			vxr_buf_puts(&b, "</span>");
			p += punct;
		}
	}
	*out = vxr_buf_take(&b);
	if (!*out)
		return vx_fail(err, VX_ENOMEM, "out of memory");
	return VX_OK;
}

vx_status vxr_mixed(const char *text, vxr_target tg, int utf8, char **out, vx_error *err)
{
	return mixed(text, tg, utf8, 0, out, err);
}

vx_status vxr_mixed_glued(const char *text, int utf8, char **out, vx_error *err)
{
	return mixed(text, VXR_T_TERM, utf8, 1, out, err);
}

/* ================================================================ figures */

vx_status vxr_figure_str(void *sink, const vxr_obj *o, const vxr_plotdata *pd, vxr_target tg, const vxr_figure *fig,
                         vx_error *err)
{
	vxr_strsink *k = sink;
	char *pic = NULL, *cap = NULL;
	vx_status st = fig->draw(&pd->plot, fig->width, fig->height, &pic);
	if (st != VX_OK)
		vx_fail(err, st, "%s:%d:%d: drawing the plot failed", o->file, o->line, o->col);
	else
		st = vxr_mixed(pd->caption, tg, 1, &cap, err);
	if (st == VX_OK) {
		vxr_buf b = { 0 };
		vxr_buf_printf(&b, "%s%s%s%s%s", fig->open, pic, fig->mid, cap, fig->close);
		st = vxr_buf_finish(&b, VX_OK, &k->out, err);
	}
	free(pic);
	free(cap);
	return st;
}

/* ================================================================ citations */

/* Text of a reference entry for a target. */
static void ref_text(vxr_buf *b, const char *s, vxr_target tg, int utf8)
{
	if (tg == VXR_T_HTML) {
		vxr_html_escape(b, s);
	} else if (tg == VXR_T_LATEX) {
		vxr_latex_escape(b, s);
	} else if (tg == VXR_T_TERM && !utf8) {
		char *a = vxm_to_ascii(s);
		vxr_buf_puts(b, a ? a : "?");
		free(a);
	} else {
		vxr_buf_puts(b, s);
	}
}

void vxr_ref_entry(vxr_buf *b, size_t r, vxr_target tg, int utf8)
{
	static const char *const em[][2] = { { "<em>", "</em>" }, { "\\emph{", "}" }, { "*", "*" }, { "", "" } };
	const vxr_ref *w = vxr_ref_at(r);
	if (!w)
		return;
	ref_text(b, w->authors, tg, utf8);
	vxr_buf_puts(b, ". ");
	vxr_buf_puts(b, em[tg][0]);
	ref_text(b, w->title, tg, utf8);
	vxr_buf_puts(b, ".");
	vxr_buf_puts(b, em[tg][1]);
	vxr_buf_puts(b, " ");
	ref_text(b, w->where, tg, utf8);
	vxr_buf_printf(b, ", %d.", w->year);
}

vx_status vxr_cite_numbers(void *sink, const vxr_obj *o, vx_error *err)
{
	vxr_strsink *k = sink;
	vxr_buf b = { 0 };
	vxr_buf_puts(&b, "[");
	for (size_t i = 0; i < o->ncite; i++)
		vxr_buf_printf(&b, "%s%d", i ? ", " : "", o->cite[i] + 1);
	vxr_buf_puts(&b, "]");
	return vxr_buf_finish(&b, VX_OK, &k->out, err);
}

char *vxr_cite_short(const vxr_obj *o)
{
	vxr_buf b = { 0 };
	vxr_buf_puts(&b, "(");
	for (size_t i = 0; i < o->ncite; i++) {
		const vxr_ref *w = vxr_ref_at((size_t)o->cite[i]);
		vxr_buf_printf(&b, "%s%d", i ? "; " : "", w ? w->year : 0);
	}
	vxr_buf_puts(&b, ")");
	return vxr_buf_take(&b);
}

/* ================================================================ LaTeX math */

vx_status vxr_latex_wrapped(const vxr_obj *o, const char *src, int display, const char *open, const char *close,
                            char **out, vx_error *err)
{
	char *m = NULL;
	*out = NULL;
	vx_status st = vxr_math(o, src, VXM_LATEX, display, &m, err);
	if (st != VX_OK)
		return st;
	vxr_buf b = { 0 };
	vxr_buf_puts(&b, open);
	vxr_buf_puts(&b, m);
	vxr_buf_puts(&b, close);
	free(m);
	return vxr_buf_finish(&b, VX_OK, out, err);
}

vx_status vxr_math_latex(const vxr_obj *o, const char *open, const char *close, char **out, vx_error *err)
{
	return vxr_latex_wrapped(o, o->tex, o->kind == VXR_OBJ_DMATH, open, close, out, err);
}
