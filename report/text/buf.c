/*
 * buf.c — the report layer's growing string (buf.h).
 */
#include "report/text/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vxr_buf_put(vxr_buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *m = realloc(b->s, cap);
		if (!m) {
			b->oom = 1;
			return;
		}
		b->s = m;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void vxr_buf_puts(vxr_buf *b, const char *s)
{
	vxr_buf_put(b, s, strlen(s));
}

void vxr_buf_printf(vxr_buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof tmp) {
		vxr_buf_put(b, tmp, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big) {
		b->oom = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	vxr_buf_put(b, big, (size_t)n);
	free(big);
}

char *vxr_buf_take(vxr_buf *b)
{
	if (b->oom) {
		free(b->s);
		memset(b, 0, sizeof *b);
		return NULL;
	}
	char *s = b->s ? b->s : strdup("");
	memset(b, 0, sizeof *b);
	return s;
}

vx_status vxr_buf_finish(vxr_buf *b, vx_status st, char **out, vx_error *err)
{
	if (st != VX_OK) {
		free(b->s);
		memset(b, 0, sizeof *b);
		*out = NULL;
		return st;
	}
	*out = vxr_buf_take(b);
	return *out ? VX_OK : vx_fail(err, VX_ENOMEM, "out of memory");
}

void vxr_buf_putc(vxr_buf *b, char c)
{
	vxr_buf_put(b, &c, 1);
}

char vxr_buf_last(const vxr_buf *b)
{
	return b->len ? b->s[b->len - 1] : '\0';
}

void vxr_buf_absorb(vxr_buf *b, vxr_buf *other)
{
	if (other->oom)
		b->oom = 1;
	else if (other->len)
		vxr_buf_put(b, other->s, other->len);
	free(other->s);
	memset(other, 0, sizeof *other);
}
