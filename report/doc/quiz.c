/*
 * quiz.c — judging what a student typed against a question's answer
 * (quiz.h).  The questions themselves are read and filled with the rest of
 * the template language (tpl_quiz.c).
 */
#include "report/doc/quiz.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ================================================================ judging */

/* s[0..n) without white space at either end. */
static void trim(const char **s, size_t *n)
{
	while (*n && isspace((unsigned char)**s))
		(*s)++, (*n)--;
	while (*n && isspace((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

/* A decimal number "[-+]D[.D][e[-+]D]" as its digits to `digits`
 * significant digits: the sign, the digits and the power of ten of the
 * first, so that two numbers compare without going through a double (and
 * 1e-400 reads right).  0 on success, -1 when s is not such a number. */
static int decimal_digits(const char *s, size_t n, int digits, int *neg, char *dig, long *e10)
{
	char buf[128];
	if (n == 0 || n >= sizeof buf)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	/* the mantissa and the exponent apart: strtod would lose 1e-400 */
	char *ep = strpbrk(buf, "eE");
	long ex = 0;
	if (ep) {
		char *end;
		if (!ep[1])
			return -1;
		ex = strtol(ep + 1, &end, 10);
		if (*end || end == ep + 1 || ex > 100000 || ex < -100000)
			return -1;
		*ep = '\0';
	}
	const char *p = buf;
	*neg = 0;
	if (*p == '-' || *p == '+')
		*neg = *p++ == '-';
	if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1])))
		return -1;
	for (const char *c = p; *c; c++)
		if (!isdigit((unsigned char)*c) && *c != '.')
			return -1;
	if (strchr(p, '.') != strrchr(p, '.'))
		return -1;
	double m = strtod(p, NULL);   /* at most ~125 digits: finite */
	if (m == 0) {
		memset(dig, '0', (size_t)digits);
		dig[digits] = '\0';
		*e10 = 0;
		*neg = 0;
		return 0;
	}
	char r[64];
	snprintf(r, sizeof r, "%.*e", digits - 1, m);
	char *re = strchr(r, 'e');
	*e10 = strtol(re + 1, NULL, 10) + ex;
	size_t k = 0;
	for (char *c = r; c < re; c++)
		if (isdigit((unsigned char)*c))
			dig[k++] = *c;
	dig[k] = '\0';
	return 0;
}

/* The answer of q to q->digits digits, as decimal_digits writes them. */
static void answer_digits(const vxr_quiz *q, int *neg, char *dig, long *e10)
{
	char buf[64];
	if (q->fits) {
		snprintf(buf, sizeof buf, "%.*e", q->digits - 1, q->v);
	} else {
		/* beyond a double: 10^l10 as a mantissa in [1, 10) and a power */
		double fl = floor(q->l10);
		snprintf(buf, sizeof buf, "%.*fe%.0f", q->digits - 1, pow(10.0, q->l10 - fl), fl);
		if (q->neg)
			memmove(buf + 1, buf, strlen(buf) + 1), buf[0] = '-';
	}
	decimal_digits(buf, strlen(buf), q->digits, neg, dig, e10);
}

vxr_judgement vxr_quiz_judge(const vxr_quiz *q, const char *typed)
{
	const char *s = typed ? typed : "";
	size_t n = strlen(s);
	trim(&s, &n);
	if (n == 0)
		return VXR_JUDGE_UNREADABLE;
	switch (q->kind) {
	case VXR_QUIZ_NUMBER: {
		int tn, an;
		char td[32], ad[32];
		long te, ae;
		if (decimal_digits(s, n, q->digits, &tn, td, &te) < 0)
			return VXR_JUDGE_UNREADABLE;
		answer_digits(q, &an, ad, &ae);
		return tn == an && te == ae && strcmp(td, ad) == 0 ? VXR_JUDGE_RIGHT : VXR_JUDGE_WRONG;
	}
	case VXR_QUIZ_INTEGER: {
		char buf[40], *end;
		if (n >= sizeof buf)
			return VXR_JUDGE_UNREADABLE;
		memcpy(buf, s, n);
		buf[n] = '\0';
		long long v = strtoll(buf, &end, 10);
		if (*end || end == buf)
			return VXR_JUDGE_UNREADABLE;
		return (double)v == q->v ? VXR_JUDGE_RIGHT : VXR_JUDGE_WRONG;
	}
	case VXR_QUIZ_CHOICE: {
		char w[VXR_QUIZ_CHOICE_LEN];
		size_t k = 0;
		for (size_t i = 0; i < n; i++) {
			if (isspace((unsigned char)s[i]))
				continue;
			if (k + 1 >= sizeof w)
				return VXR_JUDGE_UNREADABLE;
			w[k++] = (char)tolower((unsigned char)s[i]);
		}
		w[k] = '\0';
		/* The word itself, else another form of it: the question asks
		 * "vanish, explode, or neither?", and "vanish", "explode" or
		 * "vanished" mean the choice they share a stem with.  A stem is
		 * a common start of at least 4 letters that leaves at most 2 of
		 * the typed word over, and it must point at one choice alone
		 * ("exploring" and "van" stay unreadable). */
		size_t stem = q->nchoices;
		int stems = 0;
		for (size_t c = 0; c < q->nchoices; c++) {
			size_t l = 0;
			while (w[l] && w[l] == (char)tolower((unsigned char)q->choices[c][l]))
				l++;
			if (!w[l] && !q->choices[c][l])
				return strcmp(q->choices[c], q->text) == 0 ? VXR_JUDGE_RIGHT : VXR_JUDGE_WRONG;
			if (l >= 4 && l + 2 >= k)
				stem = c, stems++;
		}
		if (stems == 1)
			return strcmp(q->choices[stem], q->text) == 0 ? VXR_JUDGE_RIGHT : VXR_JUDGE_WRONG;
		return VXR_JUDGE_UNREADABLE;
	}
	}
	return VXR_JUDGE_UNREADABLE;
}

const char *vxr_quiz_expects(const vxr_quiz *q, char *buf, size_t n)
{
	switch (q->kind) {
	case VXR_QUIZ_NUMBER:
		snprintf(buf, n, "a number to %d significant digit%s, e.g. 0.042 or 4.2e-2", q->digits,
		         q->digits == 1 ? "" : "s");
		break;
	case VXR_QUIZ_INTEGER:
		snprintf(buf, n, "a whole number");
		break;
	case VXR_QUIZ_CHOICE: {
		size_t at = 0;
		buf[0] = '\0';
		for (size_t c = 0; c < q->nchoices && at < n; c++) {
			int w = snprintf(buf + at, n - at, "%s%s", c == 0 ? "" : c + 1 == q->nchoices ? " or " : ", ",
			                 q->choices[c]);
			if (w < 0)
				break;
			at += (size_t)w;
		}
		break;
	}
	}
	return buf;
}
