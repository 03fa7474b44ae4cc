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

vx_status vx_fail(vx_error *err, vx_status st, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
	}
	return st;
}
