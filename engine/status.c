/*
 * status.c — messages and exit codes for vx_status (see status.h).
 */
#include <stdio.h>
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
	}
	return "unknown error";
}

int vx_status_exit(vx_status st)
{
	if (st == VX_OK)
		return 0;
	return st == VX_EUSAGE ? 2 : 1;
}

/* Copies src into dst (size n, n > 0) with every control byte (below 0x20,
 * and DEL) written as \xNN: a file name or value echoed from the input must
 * not move the cursor, ring the bell or split the message over lines. */
static void copy_printable(char *dst, size_t n, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (; *src; src++) {
		unsigned char c = (unsigned char)*src;
		if (c >= 0x20 && c != 0x7f) {
			if (o + 1 >= n)
				break;
			dst[o++] = (char)c;
		} else {
			if (o + 4 >= n)
				break;
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	dst[o] = '\0';
}

vx_status vx_fail(vx_error *err, vx_status st, const char *fmt, ...)
{
	if (err) {
		char raw[sizeof err->msg];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(raw, sizeof raw, fmt, ap);
		va_end(ap);
		copy_printable(err->msg, sizeof err->msg, raw);
	}
	return st;
}
