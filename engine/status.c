/*
 * status.c — messages and exit codes for vx_status (see status.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "engine/status.h"

const char *vx_strerror(vx_status st)
{
	switch (st) {
	case VX_OK:         return "success";
	case VX_EUSAGE:     return "invalid option or value";
	case VX_ENOMEM:     return "out of memory";
	case VX_EIO:        return "input/output error";
	case VX_EFORMAT:    return "malformed file";
	case VX_ESHAPE:     return "dimensions do not fit";
	case VX_ENONFINITE: return "value outside the range of a double (NaN or infinity)";
	case VX_ETOOBIG:    return "size beyond the limits of vanex";
	case VX_ENUMERIC:   return "numerical routine failed";
	case VX_EINTERNAL:  return "internal error (a bug in vanex)";
	case VX_ECANCELLED: return "stopped before it ended";
	}
	return "unknown error";
}

int vx_status_exit(vx_status st)
{
	if (st == VX_OK)
		return 0;
	return st == VX_EUSAGE ? 2 : 1;
}

char *vx_quote(const char *src, size_t max_bytes, int ascii_only, char *buf, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, fit = 0, i = 0;
	if (n == 0)
		return buf;
	if (!src)
		src = "";
	for (; src[i] && i < max_bytes; i++) {
		unsigned char c = (unsigned char)src[i];
		int esc = c < 0x20 || c == 0x7f || (ascii_only && c >= 0x80);
		if (o + (esc ? 4 : 1) + 1 > n)
			break;
		if (esc) {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		} else {
			buf[o++] = (char)c;
		}
		/* the longest text so far that "..." could follow, ending
		 * between two characters: a cut never splits a UTF-8 sequence */
		if (o + 4 <= n && ((unsigned char)src[i + 1] & 0xC0) != 0x80)
			fit = o;
	}
	if (src[i] && n >= 4) {
		memcpy(buf + fit, "...", 3);
		o = fit + 3;
	}
	buf[o] = '\0';
	return buf;
}

vx_status vx_fail(vx_error *err, vx_status st, const char *fmt, ...)
{
	if (err) {
		char raw[sizeof err->msg];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(raw, sizeof raw, fmt, ap);
		va_end(ap);
		vx_quote(raw, SIZE_MAX, 0, err->msg, sizeof err->msg);
	}
	return st;
}
