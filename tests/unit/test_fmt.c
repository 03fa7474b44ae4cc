/*
 * test_fmt.c — the number-formatting policy against closed forms: powers of
 * two written out by hand, 0.25^1000 and 3^1000 whose digits are computed
 * here independently in long double, and the JSON style read back by the C
 * library's strtod.
 */
#include <criterion/criterion.h>
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/text/fmt.h"

static void setup(void)
{
	gsl_set_error_handler_off();
}

TestSuite(fmt, .init = setup);

static void expect_num(double x, int sig, vxf_style st, const char *want)
{
	char b[96];
	vxf_num(b, sizeof b, x, sig, st);
	cr_assert_str_eq(b, want, "vxf_num(%.17g, %d, style %d) = '%s', expected '%s'", x, sig, st, b, want);
}

static void expect_log10(double l10, int sig, vxf_style st, const char *want)
{
	char b[96];
	vxf_log10(b, sizeof b, l10, sig, st);
	cr_assert_str_eq(b, want, "vxf_log10(%.17g, %d, style %d) = '%s', expected '%s'", l10, sig, st, b, want);
}

Test(fmt, half_to_the_tenth_and_two_to_the_tenth)
{
	/* 0.5^10 = 9.765625e-4 exactly; 2^10 = 1024. */
	double v = pow(0.5, 10), g = pow(2, 10);
	expect_num(v, 7, VXF_ASCII, "9.765625e-04");
	expect_num(v, 7, VXF_UNICODE, "9.765625\u00d710\u207b\u2074");
	expect_num(v, 7, VXF_TEX, "9.765625\\times10^{-4}");
	expect_num(v, 3, VXF_ASCII, "9.77e-04");
	expect_num(v, 17, VXF_ASCII, "9.765625e-04");   /* trailing zeros dropped */
	expect_num(g, 6, VXF_ASCII, "1024");
	expect_num(g, 2, VXF_ASCII, "1000");             /* rounded like any magnitude */
	expect_num(g, 3, VXF_ASCII, "1020");
	expect_num(16025.083037, 4, VXF_ASCII, "16030");
	expect_num(16025.083037, 5, VXF_ASCII, "16025");
	expect_num(-999999.25, 2, VXF_ASCII, "-1e+06");  /* rounds to 1.0e+06 first */
	expect_num(-g, 6, VXF_UNICODE, "\u22121024");
}

Test(fmt, fixed_range_and_rounding_across_decades)
{
	expect_num(0.5, 3, VXF_ASCII, "0.5");
	expect_num(-0.0123456, 3, VXF_ASCII, "-0.0123");
	expect_num(0.001, 3, VXF_ASCII, "0.001");
	expect_num(0.00099996, 4, VXF_ASCII, "0.001");      /* rounds up into the fixed range */
	expect_num(0.0009994, 3, VXF_ASCII, "9.99e-04");
	expect_num(999999.4, 7, VXF_ASCII, "999999.4");
	expect_num(999999.7, 3, VXF_ASCII, "1e+06");        /* rounds up out of it */
	expect_num(1e6, 3, VXF_UNICODE, "1\u00d710\u2076");
	expect_num(2.5e-7, 3, VXF_TEX, "2.5\\times10^{-7}");
	expect_num(6.02214076e23, 4, VXF_ASCII, "6.022e+23");
	expect_num(1e-300, 2, VXF_UNICODE, "1\u00d710\u207b\u00b3\u2070\u2070");
	expect_num(0.0, 4, VXF_ASCII, "0");
	expect_num(-0.0, 4, VXF_ASCII, "0");
	expect_num(9.9996, 4, VXF_ASCII, "10");
}

/* One row per magnitude: the value, its text at 3 significant digits in
 * ASCII, Unicode and TeX, written out by hand (not by this code). */
struct row {
	double x;
	const char *ascii, *uni, *tex;
};

static const struct row table3[] = {
	{ 1.23456e-5, "1.23e-05", "1.23\u00d710\u207b\u2075", "1.23\\times10^{-5}" },
	{ 9.87654e-4, "9.88e-04", "9.88\u00d710\u207b\u2074", "9.88\\times10^{-4}" },
	{ 1.23456e-3, "0.00123", "0.00123", "0.00123" },
	{ 0.0456789, "0.0457", "0.0457", "0.0457" },
	{ 0.345678, "0.346", "0.346", "0.346" },
	{ 2.71828, "2.72", "2.72", "2.72" },
	{ 31.4159, "31.4", "31.4", "31.4" },
	{ 999.6, "1000", "1000", "1000" },
	{ 271.828, "272", "272", "272" },
	{ 2718.28, "2720", "2720", "2720" },
	{ 27784.3, "27800", "27800", "27800" },
	{ 314159.0, "314000", "314000", "314000" },
	{ 999499.0, "999000", "999000", "999000" },
	{ 999600.0, "1e+06", "1\u00d710\u2076", "1\\times10^{6}" },
	{ 2718281.8, "2.72e+06", "2.72\u00d710\u2076", "2.72\\times10^{6}" },
	{ 1.0e7, "1e+07", "1\u00d710\u2077", "1\\times10^{7}" },
	{ 1.23456e7, "1.23e+07", "1.23\u00d710\u2077", "1.23\\times10^{7}" },
};

/* Prefixes the minus to a hand-written positive text: a true minus
 * (U+2212) in Unicode, '-' in ASCII and TeX. */
static void negated(char *out, size_t n, const char *pos, const char *minus)
{
	snprintf(out, n, "%s%s", minus, pos);
}

Test(fmt, every_magnitude_honours_the_significant_digits)
{
	char want[96];
	for (size_t i = 0; i < sizeof table3 / sizeof table3[0]; i++) {
		const struct row *r = &table3[i];
		expect_num(r->x, 3, VXF_ASCII, r->ascii);
		expect_num(r->x, 3, VXF_UNICODE, r->uni);
		expect_num(r->x, 3, VXF_TEX, r->tex);
		negated(want, sizeof want, r->ascii, "-");
		expect_num(-r->x, 3, VXF_ASCII, want);
		negated(want, sizeof want, r->uni, "\u2212");
		expect_num(-r->x, 3, VXF_UNICODE, want);
		negated(want, sizeof want, r->tex, "-");
		expect_num(-r->x, 3, VXF_TEX, want);
	}
	/* Other digit counts across the fixed range's large end. */
	expect_num(27784.3, 1, VXF_ASCII, "30000");
	expect_num(27784.3, 2, VXF_ASCII, "28000");
	expect_num(27784.3, 5, VXF_ASCII, "27784");
	expect_num(27784.3, 6, VXF_ASCII, "27784.3");
	expect_num(-27784.3, 4, VXF_UNICODE, "\u221227780");
	expect_num(123456.0, 2, VXF_ASCII, "120000");
	expect_num(96000.0, 1, VXF_ASCII, "100000");   /* the carry adds a digit */
	expect_num(1234.5, 17, VXF_ASCII, "1234.5");
	/* A magnitude carried by its log10 inside the double range follows the
	 * same rounding: 10^4.44379 = 27784.6... */
	expect_log10(log10(27784.3), 3, VXF_ASCII, "27800");
}

Test(fmt, nonfinite)
{
	expect_num(NAN, 4, VXF_ASCII, "nan");
	expect_num(INFINITY, 4, VXF_UNICODE, "\u221e");
	expect_num(-INFINITY, 4, VXF_UNICODE, "\u2212\u221e");
	expect_num(-INFINITY, 4, VXF_TEX, "-\\infty");
	expect_num(-INFINITY, 4, VXF_ASCII, "-inf");
	expect_num(NAN, 4, VXF_JSON, "null");
	expect_num(INFINITY, 4, VXF_JSON, "null");
	expect_log10(NAN, 4, VXF_ASCII, "nan");
	expect_log10(INFINITY, 4, VXF_ASCII, "inf");
	expect_log10(INFINITY, 4, VXF_JSON, "null");
	expect_log10(-INFINITY, 4, VXF_ASCII, "0");      /* an exact zero */
}

Test(fmt, json_round_trips_through_strtod)
{
	/* A deterministic spread of doubles, including awkward ones. */
	double xs[] = { 0.1, 1.0 / 3.0, -2.0 / 3.0, 1e-310, 5e-324, 1.7976931348623157e308, 123456789.123456789,
	                -0.0, 0.0, 9.765625e-4 };
	char b[64];
	for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
		vxf_num(b, sizeof b, xs[i], 3, VXF_JSON);
		double back = strtod(b, NULL);
		cr_assert(memcmp(&back, &xs[i], sizeof back) == 0 || (back == 0 && xs[i] == 0),
		          "JSON '%s' reads back as %.17g, not %.17g", b, back, xs[i]);
	}
	unsigned long long s = 88172645463325252ULL;
	for (int i = 0; i < 20000; i++) {
		/* xorshift64: random bit patterns, skipping NaN/inf. */
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		double x;
		memcpy(&x, &s, sizeof x);
		if (!isfinite(x))
			continue;
		vxf_num(b, sizeof b, x, 3, VXF_JSON);
		double back = strtod(b, NULL);
		cr_assert(memcmp(&back, &x, sizeof x) == 0, "JSON '%s' reads back as %a, not %a", b, back, x);
	}
}

/* The expected text of 10^l10 at sig digits, from a long double mantissa. */
static void independent(long double l10, int sig, char *out, size_t n)
{
	long double e = floorl(l10);
	long double mant = powl(10.0L, l10 - e);
	char m[32];
	snprintf(m, sizeof m, "%.*Lf", sig - 1, mant);
	if (strtold(m, NULL) >= 10) {
		e += 1;
		snprintf(m, sizeof m, "%.*Lf", sig - 1, mant / 10);
	}
	snprintf(out, n, "%se%c%03d", m, e < 0 ? '-' : '+', (int)fabsl(e));
}

Test(fmt, quarter_to_the_thousandth_and_three_to_the_thousandth)
{
	/* 0.25^1000 = 10^-602.0599913279624 and 3^1000 = 10^477.1212547196624:
	 * neither fits a double, both must print with their digits. */
	long double lq = 1000.0L * log10l(0.25L), l3 = 1000.0L * log10l(3.0L);
	char want[96], b[96];
	independent(lq, 2, want, sizeof want);
	cr_assert_str_eq(want, "8.7e-603", "independent mantissa of 0.25^1000: %s", want);
	expect_log10((double)lq, 2, VXF_ASCII, want);
	for (int sig = 1; sig <= 8; sig++) {
		independent(lq, sig, want, sizeof want);
		/* The policy drops trailing zeros: compare mantissa digits up to them. */
		vxf_log10(b, sizeof b, (double)lq, sig, VXF_ASCII);
		char wm[64], gm[64];
		snprintf(wm, sizeof wm, "%.*s", (int)(strchr(want, 'e') - want), want);
		snprintf(gm, sizeof gm, "%.*s", (int)(strchr(b, 'e') - b), b);
		cr_assert(strtold(wm, NULL) == strtold(gm, NULL), "sig %d: mantissa '%s', expected '%s'", sig, gm, wm);
		cr_assert_str_eq(strchr(b, 'e'), "e-603", "sig %d: exponent of '%s'", sig, b);
	}
	independent(l3, 4, want, sizeof want);
	cr_assert_str_eq(want, "1.322e+477", "independent mantissa of 3^1000: %s", want);
	expect_log10((double)l3, 4, VXF_ASCII, "1.322e+477");
	expect_log10((double)l3, 4, VXF_UNICODE, "1.322\u00d710\u2074\u2077\u2077");
	expect_log10((double)lq, 2, VXF_TEX, "8.7\\times10^{-603}");
	expect_log10((double)lq, 2, VXF_JSON, "null");
}

Test(fmt, log10_inside_the_double_range_and_carry)
{
	expect_log10(2.0, 6, VXF_ASCII, "100");
	expect_log10(log10(1024.0), 6, VXF_ASCII, "1024");
	expect_log10(10 * log10(0.5), 7, VXF_ASCII, "9.765625e-04");
	/* 10^(700 - 1e-12) = 9.99999999997697e699: rounds up to 1e+700 at 3 digits. */
	expect_log10(700 - 1e-12, 3, VXF_ASCII, "1e+700");
	expect_log10(-1000.0, 3, VXF_ASCII, "1e-1000");
}

Test(fmt, mag_value_or_log10)
{
	char b[64];
	vx_mag fits = { 9.765625e-4, log10(9.765625e-4), 1 };
	vx_mag far = { 0, 1000 * log10(0.25), 0 };
	vx_mag zero = { 0, -INFINITY, 1 };
	cr_assert_str_eq(vxf_mag(b, sizeof b, fits, 4, VXF_ASCII), "9.766e-04");
	cr_assert_str_eq(vxf_mag(b, sizeof b, far, 2, VXF_ASCII), "8.7e-603");
	cr_assert_str_eq(vxf_mag(b, sizeof b, zero, 2, VXF_ASCII), "0");
	cr_assert_str_eq(vxf_mag(b, sizeof b, far, 2, VXF_JSON), "null");
}

Test(fmt, truncates_and_terminates)
{
	char b[5];
	memset(b, 'x', sizeof b);
	vxf_num(b, sizeof b, 123456.75, 8, VXF_ASCII);
	cr_assert_str_eq(b, "1234", "truncated to the buffer: '%s'", b);
	char one[1] = { 'x' };
	vxf_num(one, 1, 1.5, 3, VXF_ASCII);
	cr_assert_eq(one[0], '\0');
}

Test(fmt, superscript_integers)
{
	/* the digits and sign of U+2070..U+2079, U+00B9 U+00B2 U+00B3, U+207B, by hand */
	char b[64];
	cr_assert_str_eq(vxf_sup_int(b, sizeof b, 0), "\u2070");
	cr_assert_str_eq(vxf_sup_int(b, sizeof b, 1234567890), "\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079\u2070");
	cr_assert_str_eq(vxf_sup_int(b, sizeof b, -603), "\u207b\u2076\u2070\u00b3");
	/* LLONG_MIN = -9223372036854775808: 19 digits and the sign, 60 bytes */
	cr_assert_str_eq(vxf_sup_int(b, sizeof b, -9223372036854775807LL - 1),
	                 "\u207b\u2079\u00b2\u00b2\u00b3\u00b3\u2077\u00b2\u2070\u00b3\u2076"
	                 "\u2078\u2075\u2074\u2077\u2077\u2075\u2078\u2070\u2078");
	char small[4];
	cr_assert_str_eq(vxf_sup_int(small, sizeof small, 42), "\u2074", "truncated: '%s'", small);
	/* ² is two bytes: a cut after ⁴ and one of them would leave half of it */
	char five[5];
	cr_assert_str_eq(vxf_sup_int(five, sizeof five, 42), "\u2074", "truncated whole: '%s'", five);
}

/* Subscripts: ₀ to ₉ (U+2080..U+2089) and ₋ (U+208B), three bytes each. */
Test(fmt, subscript_integers)
{
	char b[64];
	cr_assert_str_eq(vxf_sub_int(b, sizeof b, 0), "\u2080");
	cr_assert_str_eq(vxf_sub_int(b, sizeof b, 1234567890),
	                 "\u2081\u2082\u2083\u2084\u2085\u2086\u2087\u2088\u2089\u2080");
	cr_assert_str_eq(vxf_sub_int(b, sizeof b, 50), "\u2085\u2080");
	cr_assert_str_eq(vxf_sub_int(b, sizeof b, -12), "\u208b\u2081\u2082");
	cr_assert_str_eq(vxf_sub_int(b, sizeof b, -9223372036854775807LL - 1),
	                 "\u208b\u2089\u2082\u2082\u2083\u2083\u2087\u2082\u2080\u2083\u2086"
	                 "\u2088\u2085\u2084\u2087\u2087\u2085\u2088\u2080\u2088");
	char five[5];
	cr_assert_str_eq(vxf_sub_int(five, sizeof five, 50), "\u2085", "truncated whole: '%s'", five);
}

Test(fmt, power_of_ten_appended_in_each_style)
{
	/* the spellings fmt.h lists: 9.765625e-04, 9.765625×10⁻⁴, 9.765625\times10^{-4} */
	char b[64] = "9.765625";
	cr_assert_str_eq(vxf_exp10(b, sizeof b, -4, VXF_ASCII), "9.765625e-04");
	strcpy(b, "9.765625");
	cr_assert_str_eq(vxf_exp10(b, sizeof b, -4, VXF_UNICODE), "9.765625\u00d710\u207b\u2074");
	strcpy(b, "9.765625");
	cr_assert_str_eq(vxf_exp10(b, sizeof b, -4, VXF_TEX), "9.765625\\times10^{-4}");
	strcpy(b, "3.2");
	cr_assert_str_eq(vxf_exp10(b, sizeof b, 603, VXF_ASCII), "3.2e+603");
	strcpy(b, "1");
	cr_assert_str_eq(vxf_exp10(b, sizeof b, 6, VXF_UNICODE), "1\u00d710\u2076");
	char small[7] = "1.5";
	cr_assert_str_eq(vxf_exp10(small, sizeof small, -300, VXF_ASCII), "1.5e-3", "truncated: '%s'", small);
}

/* ---- monotone: a <= b gives fmt(a) <= fmt(b) at the same digits ---- */

/* A printed number as sign, decimal digits d1 d2 … (no leading or trailing
 * zeros) and exponent E, meaning ±0.d1d2… × 10^E; read exactly from the
 * text of any style, so two outputs compare without rounding. */
typedef struct {
	int neg, zero, inf;
	long E;
	char dig[64];
} decimal;

static decimal parse_printed(const char *s)
{
	static const char *const sup[10] = { "\u2070", "\u00b9", "\u00b2", "\u00b3", "\u2074",
	                                     "\u2075", "\u2076", "\u2077", "\u2078", "\u2079" };
	char a[128];
	size_t n = 0;
	/* to ASCII: ×10ⁿ and \times10^{n} become en, − and ⁻ become - */
	while (*s && n + 2 < sizeof a) {
		if (!strncmp(s, "\u00d710", 4)) {
			a[n++] = 'e';
			s += 4;
		} else if (!strncmp(s, "\\times10^{", 10)) {
			a[n++] = 'e';
			s += 10;
		} else if (!strncmp(s, "\u207b", 3) || !strncmp(s, "\u2212", 3)) {
			a[n++] = '-';
			s += 3;
		} else if (*s == '}') {
			s++;
		} else {
			int k = 0;
			for (; k < 10; k++)
				if (!strncmp(s, sup[k], strlen(sup[k])))
					break;
			if (k < 10) {
				a[n++] = (char)('0' + k);
				s += strlen(sup[k]);
			} else {
				a[n++] = *s++;
			}
		}
	}
	a[n] = '\0';
	decimal d = { 0 };
	const char *p = a;
	if (*p == '-') {
		d.neg = 1;
		p++;
	}
	if (!strcmp(p, "inf") || !strcmp(p, "\u221e") || !strcmp(p, "\\infty")) {
		d.inf = 1;
		return d;
	}
	long intdig = 0;
	int point = 0;
	size_t nd = 0;
	for (; *p && *p != 'e'; p++) {
		if (*p == '.') {
			point = 1;
			continue;
		}
		cr_assert(*p >= '0' && *p <= '9', "unexpected '%c' in '%s'", *p, a);
		if (nd == 0 && *p == '0') {
			if (point)
				intdig--;   /* 0.00ddd: each leading zero after the point */
			continue;
		}
		d.dig[nd++] = *p;
		if (!point)
			intdig++;
	}
	while (nd > 0 && d.dig[nd - 1] == '0')
		nd--;
	d.dig[nd] = '\0';
	d.zero = nd == 0;
	d.E = intdig + (*p == 'e' ? strtol(p + 1, NULL, 10) : 0);
	return d;
}

/* −1, 0, 1 as x is below, equal to or above y */
static int decimal_cmp(const decimal *x, const decimal *y)
{
	if (x->neg != y->neg && !(x->zero && y->zero))
		return x->neg ? -1 : 1;
	int s = x->neg ? -1 : 1, c;
	if (x->inf || y->inf)
		c = x->inf - y->inf;
	else if (x->zero || y->zero)
		c = !x->zero - !y->zero;
	else if (x->E != y->E)
		c = x->E < y->E ? -1 : 1;
	else
		c = strcmp(x->dig, y->dig) < 0 ? -1 : strcmp(x->dig, y->dig) > 0;
	return s * c;
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* the reader above, on outputs whose order is known: without it the two
 * tests below could pass on a reader that finds everything equal */
Test(fmt, printed_numbers_are_read_back_in_order)
{
	static const char *const up[] = { "-inf", "-1e+06", "-999999", "-5.063", "-5.062", "-0.001",
	                                  "-9.99e-04", "-2.2e-308", "0", "3.2e-603",
	                                  "4.94\u00d710\u207b\u00b3\u00b2\u2074", "9.765625\\times10^{-4}",
	                                  "0.001", "0.0123", "1", "5.062", "5.0625", "5.063", "27800",
	                                  "999999", "1\u00d710\u2076", "1.322e+477", "\u221e" };
	for (size_t i = 1; i < sizeof up / sizeof up[0]; i++) {
		decimal a = parse_printed(up[i - 1]), b = parse_printed(up[i]);
		cr_expect_eq(decimal_cmp(&a, &b), -1, "'%s' < '%s'", up[i - 1], up[i]);
		cr_expect_eq(decimal_cmp(&b, &a), 1, "'%s' > '%s'", up[i], up[i - 1]);
	}
	static const char *const same[][3] = {
		{ "9.765625\u00d710\u207b\u2074", "9.765625e-04", "0.0009765625" },
		{ "\u2212\u221e", "-\\infty", "-inf" },
		{ "1e+06", "1\\times10^{6}", "1000000" },
	};
	for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
		for (int k = 1; k < 3; k++) {
			decimal a = parse_printed(same[i][0]), b = parse_printed(same[i][k]);
			cr_expect_eq(decimal_cmp(&a, &b), 0, "'%s' = '%s'", same[i][0], same[i][k]);
		}
}

Test(fmt, monotone_at_every_digit_count_and_style)
{
	/* random magnitudes of both signs from 1e-320 to 1e308, and the doubles
	 * next to the points where rounding turns: ties of 3, 4 and 5 digits
	 * (5.0625, 1.0005, …), decade carries (9.995, 999999.5) and the edges
	 * of fixed notation (1e-3, 1e6) */
	static const double turn[] = { 5.0625, 1.0005, 1.00005, 2.5, 0.125, 0.0625, 9.995, 9.9995, 99.95,
	                               999999.5, 999995, 0.00099995, 0.001, 1e6, 1e-3, 1, 10, 100,
	                               27784.3, 16025.083037, 38.443359375, 0.24009999999999998 };
	size_t nturn = sizeof turn / sizeof turn[0], n = 0, cap = 24000;
	double *v = malloc(cap * sizeof *v);
	unsigned long long st = 20240229;
	for (int i = 0; i < 20000; i++) {
		st = st * 6364136223846793005ULL + 1442695040888963407ULL;
		double u = (double)(st >> 11) / 9007199254740992.0;
		st = st * 6364136223846793005ULL + 1442695040888963407ULL;
		v[n++] = ((st >> 63) ? -1 : 1) * pow(10, -320 + 628 * u);
	}
	for (size_t i = 0; i < nturn; i++)
		for (int sgn = -1; sgn <= 1; sgn += 2) {
			double x = sgn * turn[i];
			v[n++] = nextafter(x, -INFINITY);
			v[n++] = x;
			v[n++] = nextafter(x, INFINITY);
		}
	v[n++] = 0;
	v[n++] = INFINITY;
	v[n++] = -INFINITY;
	qsort(v, n, sizeof *v, dbl_cmp);
	size_t bad = 0;
	for (int sig = 1; sig <= 6; sig++)
		for (vxf_style sty = VXF_ASCII; sty <= VXF_TEX; sty++) {
			char pb[96], cb[96];
			vxf_num(pb, sizeof pb, v[0], sig, sty);
			decimal prev = parse_printed(pb);
			for (size_t i = 1; i < n; i++) {
				vxf_num(cb, sizeof cb, v[i], sig, sty);
				decimal cur = parse_printed(cb);
				if (decimal_cmp(&prev, &cur) > 0 && bad++ < 10)
					cr_expect(0, "sig %d style %d: %.17g -> '%s' but %.17g -> '%s'", sig, sty, v[i - 1], pb,
					          v[i], cb);
				prev = cur;
				memcpy(pb, cb, sizeof pb);
			}
		}
	cr_expect_eq(bad, 0, "%zu pairs printed out of order", bad);
	free(v);
}

Test(fmt, magnitudes_monotone_across_the_edges_of_a_double)
{
	/* m × 2^e rising through the subnormals and past DBL_MAX: printed from
	 * the value while it fits, then from its log10, never out of order */
	static const double mant[] = { 0.5, 0.5000000000000001, 0.70710678118654746, 0.75, 0.9999999999999999 };
	size_t bad = 0, n = 0;
	for (int sig = 2; sig <= 5; sig++)
		for (vxf_style sty = VXF_ASCII; sty <= VXF_TEX; sty++) {
			decimal prev = { 0 };
			int have = 0;
			char pb[96] = "", cb[96];
			int ranges[2][2] = { { -1080, -1015 }, { 1015, 1035 } };
			for (int q = 0; q < 2; q++)
				for (int e = ranges[q][0]; e <= ranges[q][1]; e++)
					for (size_t i = 0; i < sizeof mant / sizeof mant[0]; i++) {
						vxf_mag(cb, sizeof cb, vx_mag_ldexp(mant[i], e), sig, sty);
						decimal cur = parse_printed(cb);
						n++;
						if (have && decimal_cmp(&prev, &cur) > 0 && bad++ < 10)
							cr_expect(0, "sig %d style %d: %g x 2^%d -> '%s' after '%s'", sig, sty, mant[i], e,
							          cb, pb);
						prev = cur;
						have = 1;
						memcpy(pb, cb, sizeof pb);
					}
		}
	cr_expect_eq(bad, 0, "%zu of %zu magnitudes printed out of order", bad, n);
}
