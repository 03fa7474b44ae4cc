/*
 * lines.c — see lines.h.
 */
#include "report/text/lines.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vxt_lines_newline(vxt_lines *L)
{
	if (L->oom)
		return;
	if (L->nlines == L->cap) {
		size_t cap = L->cap ? 2 * L->cap : 16;
		vxt_line *nl = realloc(L->lines, cap * sizeof *nl);
		if (!nl) {
			L->oom = 1;
			return;
		}
		L->lines = nl;
		L->cap = cap;
	}
	L->lines[L->nlines].spans = NULL;
	L->lines[L->nlines].nspans = 0;
	L->nlines++;
}

void vxt_lines_span(vxt_lines *L, vxt_role role, const char *s, size_t n)
{
	if (L->nlines == 0)
		vxt_lines_newline(L);
	if (L->oom || n == 0)
		return;
	vxt_line *ln = &L->lines[L->nlines - 1];
	/* runs of one role merge: fewer, longer runs draw faster */
	if (ln->nspans && ln->spans[ln->nspans - 1].role == role) {
		vxt_span *sp = &ln->spans[ln->nspans - 1];
		size_t ol = strlen(sp->text);
		char *t = realloc(sp->text, ol + n + 1);
		if (!t) {
			L->oom = 1;
			return;
		}
		memcpy(t + ol, s, n);
		t[ol + n] = '\0';
		sp->text = t;
		return;
	}
	vxt_span *sp = realloc(ln->spans, (ln->nspans + 1) * sizeof *sp);
	if (!sp) {
		L->oom = 1;
		return;
	}
	ln->spans = sp;
	char *t = strndup(s, n);
	if (!t) {
		L->oom = 1;
		return;
	}
	sp[ln->nspans].role = role;
	sp[ln->nspans].text = t;
	ln->nspans++;
}

void vxt_lines_puts(vxt_lines *L, vxt_role role, const char *s)
{
	vxt_lines_span(L, role, s ? s : "", s ? strlen(s) : 0);
}

void vxt_lines_printf(vxt_lines *L, vxt_role role, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	vxt_lines_puts(L, role, buf);
}

void vxt_lines_pad(vxt_lines *L, int n)
{
	static const char sp[] = "                                                                ";
	while (n > 0) {
		int k = n < 64 ? n : 64;
		vxt_lines_span(L, VXT_TEXT, sp, (size_t)k);
		n -= k;
	}
}

void vxt_line_array_free(vxt_line *lines, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t s = 0; s < lines[i].nspans; s++)
			free(lines[i].spans[s].text);
		free(lines[i].spans);
	}
	free(lines);
}

void vxt_lines_pop(vxt_lines *L)
{
	if (L->nlines == 0)
		return;
	vxt_line *ln = &L->lines[--L->nlines];
	for (size_t s = 0; s < ln->nspans; s++)
		free(ln->spans[s].text);
	free(ln->spans);
	ln->spans = NULL;
	ln->nspans = 0;
}

void vxt_lines_clear(vxt_lines *L)
{
	if (!L)
		return;
	vxt_line_array_free(L->lines, L->nlines);
	memset(L, 0, sizeof *L);
}
