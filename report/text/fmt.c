/*
 * fmt.c — the one number-formatting policy (see fmt.h).
 *
 * The decision between fixed and scientific notation is taken on the
 * exponent AFTER rounding to `sig` digits, so 999999.7 at 3 digits becomes
 * 1e+06 rather than "1000000".  Fixed notation shows the same rounded value,
 * so 27784.3 at 3 digits is "27800" (every magnitude honours `sig`).  Magnitudes known only by their log10 are
 * split into an integer exponent and a mantissa 10^frac, which keeps all the
 * digits a double can hold however far the exponent lies outside ±308.
 */
#include "report/text/fmt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Copies s into buf (size n), always terminating, cut before a character
 * that does not fit whole (never inside a UTF-8 sequence); returns buf. */
static char *put(char *buf, size_t n, const char *s)
{
	if (n == 0)
		return buf;
	size_t len = strlen(s);
	if (len >= n) {
		len = n - 1;
		while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
			len--;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	return buf;
}

static int clamp_sig(int sig)
{
	return sig < 1 ? 1 : sig > 17 ? 17 : sig;
}

/* Drops trailing zeros after a decimal point, and the point itself. */
static void strip_zeros(char *s)
{
	char *dot = strchr(s, '.');
	if (!dot)
		return;
	char *e = s + strlen(s);
	while (e > dot + 1 && e[-1] == '0')
		e--;
	if (e == dot + 1)
		e = dot;
	*e = '\0';
}

/* v in the digits of a script (digit[0..9], each at most 3 bytes, and
 * minus), into buf as put() does. */
static char *script_int(char *buf, size_t n, long long v, const char *const digit[10], const char *minus)
{
	char digits[32], s[72];
	snprintf(digits, sizeof digits, "%lld", v);
	s[0] = '\0';
	for (const char *d = digits; *d; d++)
		strcat(s, *d == '-' ? minus : digit[*d - '0']);
	return put(buf, n, s);
}

char *vxf_sup_int(char *buf, size_t n, long long v)
{
	static const char *const sup[10] = { "\u2070", "\u00b9", "\u00b2", "\u00b3", "\u2074",
	                                     "\u2075", "\u2076", "\u2077", "\u2078", "\u2079" };
	return script_int(buf, n, v, sup, "\u207b");
}

char *vxf_sub_int(char *buf, size_t n, long long v)
{
	static const char *const sub[10] = { "\u2080", "\u2081", "\u2082", "\u2083", "\u2084",
	                                     "\u2085", "\u2086", "\u2087", "\u2088", "\u2089" };
	return script_int(buf, n, v, sub, "\u208b");
}

char *vxf_exp10(char *buf, size_t n, long e, vxf_style st)
{
	char s[96], sup[72];
	/* the magnitude as unsigned: -e would overflow at LONG_MIN */
	unsigned long m = e < 0 ? 0UL - (unsigned long)e : (unsigned long)e;
	switch (st) {
	case VXF_UNICODE:
		snprintf(s, sizeof s, "\u00d710%s", vxf_sup_int(sup, sizeof sup, e));
		break;
	case VXF_TEX:
		snprintf(s, sizeof s, "\\times10^{%ld}", e);
		break;
	default:
		snprintf(s, sizeof s, "e%c%02lu", e < 0 ? '-' : '+', m);
		break;
	}
	size_t len = strnlen(buf, n);
	if (len < n)
		put(buf + len, n - len, s);
	return buf;
}

/* Non-finite values: "nan", ±∞ in each style (an exact limit, such as the
 * ln 0 of a product that is exactly zero), or "null" in JSON. */
static const char *nonfinite(double x, vxf_style st)
{
	if (st == VXF_JSON)
		return "null";
	if (isnan(x))
		return "nan";
	if (st == VXF_TEX)
		return x > 0 ? "\\infty" : "-\\infty";
	if (st == VXF_UNICODE)
		return x > 0 ? "\u221e" : "\u2212\u221e";
	return x > 0 ? "inf" : "-inf";
}

char *vxf_minus(char *buf, size_t n, vxf_style st)
{
	size_t len = strnlen(buf, n);
	if (st != VXF_UNICODE || len == 0 || buf[0] != '-' || len + 3 > n)
		return buf;
	/* "-" (1 byte) becomes "−" (3 bytes) */
	memmove(buf + 3, buf + 1, len);
	memcpy(buf, "\u2212", 3);
	return buf;
}

/* out as the number, its sign a true minus in Unicode (vxf_minus). */
static char *put_signed(char *buf, size_t n, const char *out, vxf_style st)
{
	return vxf_minus(put(buf, n, out), n, st);
}

char *vxf_num(char *buf, size_t n, double x, int sig, vxf_style st)
{
	char out[96];
	if (!isfinite(x))
		return put(buf, n, nonfinite(x, st));
	if (st == VXF_JSON) {
		/* 17 significant digits always read back as the same double. */
		snprintf(out, sizeof out, "%.17g", x);
		return put(buf, n, out);
	}
	if (x == 0)
		return put(buf, n, "0");
	sig = clamp_sig(sig);
	char sci[64];
	snprintf(sci, sizeof sci, "%.*e", sig - 1, x);
	char *epos = strchr(sci, 'e');
	long e10 = epos ? strtol(epos + 1, NULL, 10) : 0;
	if (e10 >= -3 && e10 < 6) {
		long dec = sig - 1 - e10;
		/* With fewer digits than the integer part has, the rounded value
		 * (from the scientific form) is written out: 27784.3 at 3 digits
		 * is 27800, not 27784. */
		if (dec < 0)
			snprintf(out, sizeof out, "%.0f", strtod(sci, NULL));
		else
			snprintf(out, sizeof out, "%.*f", (int)dec, x);
		strip_zeros(out);
		return put_signed(buf, n, out, st);
	}
	if (epos)
		*epos = '\0';
	strip_zeros(sci);
	snprintf(out, sizeof out, "%s", sci);
	vxf_exp10(out, sizeof out, e10, st);
	return put_signed(buf, n, out, st);
}

char *vxf_log10(char *buf, size_t n, double l10, int sig, vxf_style st)
{
	if (isnan(l10))
		return put(buf, n, st == VXF_JSON ? "null" : "nan");
	if (l10 == -INFINITY)
		return put(buf, n, "0");
	if (l10 == INFINITY)
		return put(buf, n, st == VXF_JSON ? "null" : "inf");
	/* Well inside the normal range a double carries it directly. */
	if (fabs(l10) < 300)
		return vxf_num(buf, n, pow(10, l10), sig, st);
	if (st == VXF_JSON)
		return put(buf, n, "null");

	sig = clamp_sig(sig);
	double e = floor(l10);
	double mant = pow(10, l10 - e);
	char m[64], out[96];
	snprintf(m, sizeof m, "%.*f", sig - 1, mant);
	if (atof(m) >= 10) {
		/* Rounding carried into the next decade. */
		e += 1;
		snprintf(m, sizeof m, "%.*f", sig - 1, mant / 10);
	}
	strip_zeros(m);
	snprintf(out, sizeof out, "%s", m);
	vxf_exp10(out, sizeof out, (long)e, st);
	return put(buf, n, out);
}

char *vxf_underflow(char *buf, size_t n, vxf_style st)
{
	return put(buf, n, st == VXF_JSON ? "null" : st == VXF_TEX ? "\\text{underflow}" : "underflow");
}

char *vxf_mag(char *buf, size_t n, vx_mag m, int sig, vxf_style st)
{
	if (vx_mag_is_underflow(m))
		return vxf_underflow(buf, n, st);
	if (m.fits)
		return vxf_num(buf, n, m.value, sig, st);
	return vxf_log10(buf, n, m.log10, sig, st);
}
