/*
 * quiz.c — judging what a student typed against a question's answer
 * (quiz.h).  The questions themselves are read and filled with the rest of
 * the template language (tpl_quiz.c).
 */
#include "report/doc/quiz.h"
#include "report/text/math.h"

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

#define EXP_MAX 1000000000000L

/* A decimal number "[-+]D[.D][e[-+]D]" (s[0..n)) rounded to `digits`
 * significant digits from its own decimal digits, half away from zero as on
 * paper: the sign, the digits and the power of ten of the first.  So two
 * numbers compare without going through a double: 0.0115, which a double
 * holds as 0.011499…, is 0.012 at two digits, and 1e-400 reads right.
 * *written (when not NULL): the significant digits s has, from its first
 * nonzero one to its last (0 for zero).  0 on success, -1 when s is not
 * such a number. */
static int decimal_digits(const char *s, size_t n, int digits, int *neg, char *dig, long *e10, int *written)
{
	char sig[VXR_QUIZ_DIGITS_MAX + 2];
	size_t i = 0, ns = 0;
	long nd = 0, ip = 0, first = -1, ex = 0;
	int point = 0;
	if (digits < 1 || digits > VXR_QUIZ_DIGITS_MAX)
		return -1;
	*neg = 0;
	if (i < n && (s[i] == '-' || s[i] == '+'))
		*neg = s[i++] == '-';
	for (; i < n; i++) {
		char c = s[i];
		if (c == '.') {
			if (point)
				return -1;
			point = 1;
			continue;
		}
		if (!isdigit((unsigned char)c))
			break;
		if (!point)
			ip++;
		if (first < 0 && c != '0')
			first = nd;
		if (first >= 0 && ns <= (size_t)digits)
			sig[ns++] = c;
		nd++;
	}
	if (nd == 0)
		return -1;
	if (i < n) {
		/* the exponent: [eE][-+]D to the end, within ±10^12 (a norm over
		 * 10^7 steps may be 10^-(10^9)) */
		if (s[i] != 'e' && s[i] != 'E')
			return -1;
		int eneg = 0;
		if (++i < n && (s[i] == '-' || s[i] == '+'))
			eneg = s[i++] == '-';
		if (i >= n)
			return -1;
		for (; i < n; i++) {
			if (!isdigit((unsigned char)s[i]))
				return -1;
			if (ex <= EXP_MAX)
				ex = 10 * ex + (s[i] - '0');
		}
		if (ex > EXP_MAX)
			return -1;
		if (eneg)
			ex = -ex;
	}
	if (written)
		*written = first < 0 ? 0 : (int)(nd - first > 1000 ? 1000 : nd - first);
	if (first < 0) {
		memset(dig, '0', (size_t)digits);
		dig[digits] = '\0';
		*e10 = 0;
		*neg = 0;
		return 0;
	}
	while (ns <= (size_t)digits)
		sig[ns++] = '0';
	long e = ip - 1 - first + ex;
	if (sig[digits] >= '5') {
		long k = digits - 1;
		while (k >= 0 && sig[k] == '9')
			sig[k--] = '0';
		if (k < 0) {
			sig[0] = '1';   /* 9.96 → 10 */
			e++;
		} else {
			sig[k]++;
		}
	}
	memcpy(dig, sig, (size_t)digits);
	dig[digits] = '\0';
	*e10 = e;
	return 0;
}

/* The answer of q to `digits` digits, as decimal_digits writes them, into
 * (neg[0], dig[0], e10[0]) and (neg[1], dig[1], e10[1]): rounded half away
 * from zero from the shortest decimal that reads back as the answer, the
 * number the screen shows with every digit (an answer of 0.15, the double
 * just below it, is 0.2 at one digit, as the 0.15 a student copies is);
 * and the double's exact value rounded as printf rounds it, the way the
 * answer is shown (0.1499…: 0.1; 0.125 exactly: 0.12, ties to even).  The
 * two differ only for an answer at or next to a decimal tie; either is
 * right.  -1 when q has no answer (not a finite number). */
static int answer_digits(const vxr_quiz *q, int digits, int *neg, char (*dig)[VXR_QUIZ_DIGITS_MAX + 1], long *e10)
{
	char buf[64];
	if (!q->fits) {
		/* beyond a double: 10^l10 as a mantissa in [1, 10) and a power */
		if (!isfinite(q->l10))
			return -1;
		double fl = floor(q->l10);
		snprintf(buf, sizeof buf, "%s%.15fe%.0f", q->neg ? "-" : "", pow(10.0, q->l10 - fl), fl);
		if (decimal_digits(buf, strlen(buf), digits, &neg[0], dig[0], &e10[0], NULL) < 0)
			return -1;
		neg[1] = neg[0], e10[1] = e10[0];
		memcpy(dig[1], dig[0], sizeof dig[0]);
		return 0;
	}
	if (!isfinite(q->v))
		return -1;
	for (int p = 1; p <= 17; p++) {
		snprintf(buf, sizeof buf, "%.*e", p - 1, q->v);
		if (strtod(buf, NULL) == q->v)
			break;
	}
	if (decimal_digits(buf, strlen(buf), digits, &neg[0], dig[0], &e10[0], NULL) < 0)
		return -1;
	snprintf(buf, sizeof buf, "%.*e", digits - 1, q->v);
	return decimal_digits(buf, strlen(buf), digits, &neg[1], dig[1], &e10[1], NULL);
}

/* ---- an answer typed in the forms the tutor prints ---- */

/* s[0..n), white space at either end gone, in ASCII into out (cap bytes)
 * as the screen spells it for LANG=C (vxm_to_ascii): what a student may
 * copy from it reads the same either way, the minus sign −, "1.2×10⁻²" as
 * 1.2*10^(-2), Greek letters by name (ρ is "rho"); a character with no
 * ASCII spelling becomes '?', which no answer holds.  Its length, or -1
 * when it does not fit (or out of memory). */
static long ascii_form(const char *s, size_t n, char *out, size_t cap)
{
	trim(&s, &n);
	char *in = strndup(s, n), *a = in ? vxm_to_ascii(in) : NULL;
	free(in);
	if (!a)
		return -1;
	size_t l = strlen(a);
	if (l < cap)
		memcpy(out, a, l + 1);
	free(a);
	return l < cap ? (long)l : -1;
}

/* A number written as the tutor writes large and small ones, "1.2×10⁻²"
 * (ascii_form has made it "1.2*10^(-2)"), also "1.2 x 10^-2" and "10^-2",
 * rewritten in place as "1.2e-2"; anything else is left as it is (and
 * "10^(-1)2", the digit after the superscripts, stays unreadable). */
static void power_form(char *a)
{
	/* no white space beside the signs of the power */
	size_t o = 0;
	for (size_t i = 0; a[i]; i++) {
		if (a[i] == ' ' || a[i] == '\t') {
			size_t j = i;
			while (a[j] == ' ' || a[j] == '\t')
				j++;
			if ((a[j] && strchr("*xX^", a[j])) || (o && strchr("*xX^", a[o - 1])))
				continue;
		}
		a[o++] = a[i];
	}
	a[o] = '\0';
	char *m = strpbrk(a, "*xX");
	const char *ten = m ? m + 1 : a;
	if (strncmp(ten, "10", 2) != 0 || (ten[2] && ten[2] != '^') || (!m && !ten[2]))
		return;
	/* the power: after ^, in parentheses or not; none (×10) is 1 */
	char ex[32] = "1";
	if (ten[2] == '^') {
		const char *e = ten + 3;
		size_t l = strlen(e);
		if (l > 2 && e[0] == '(' && e[l - 1] == ')')
			e++, l -= 2;
		if (l == 0 || l >= sizeof ex)
			return;
		memcpy(ex, e, l);
		ex[l] = '\0';
	}
	char out[160];
	int w = snprintf(out, sizeof out, "%.*se%s", m ? (int)(m - a) : 1, m ? a : "1", ex);
	if (w > 0 && (size_t)w <= strlen(a))
		memcpy(a, out, (size_t)w + 1);
}

/* A choice as typed, made one lower-case word in w (cap bytes): its Greek
 * letters named, an argument in parentheses dropped ("ρ(W)" is "rho"), a
 * leading "the" and a trailing "gate" or "gates" dropped ("the forget gate"
 * is "forget"), inner white space removed.  Its length, or -1. */
static long choice_word(const char *s, size_t n, char *w, size_t cap)
{
	char a[128];
	long al = ascii_form(s, n, a, sizeof a);
	if (al < 0)
		return -1;
	/* an argument: one token attached to the word, ending the answer
	 * ("rho(W)"; not "forget (or input)", which says something else) */
	char *open = strchr(a, '('), *close = strchr(a, ')');
	if (open || close) {
		if (!open || open == a || isspace((unsigned char)open[-1]) || close != a + al - 1 ||
		    strpbrk(open + 1, "( \t"))
			return -1;
		*open = '\0';
	}
	for (char *c = a; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	char *words[16];
	size_t nw = 0;
	for (char *tok = strtok(a, " \t"); tok && nw < 16; tok = strtok(NULL, " \t"))
		words[nw++] = tok;
	size_t b = 0, e = nw;
	if (e - b > 1 && strcmp(words[b], "the") == 0)
		b++;
	if (e - b > 1 && (strcmp(words[e - 1], "gate") == 0 || strcmp(words[e - 1], "gates") == 0))
		e--;
	size_t k = 0;
	for (size_t i = b; i < e; i++) {
		size_t l = strlen(words[i]);
		if (k + l >= cap)
			return -1;
		memcpy(w + k, words[i], l);
		k += l;
	}
	w[k] = '\0';
	return (long)k;
}

/* 1 when the number a (ASCII) and q's answer are the same at `digits`
 * significant digits (either of answer_digits' roundings), 0 when not, -1
 * when a is not a number; *written as decimal_digits gives it. */
static int same_at(const vxr_quiz *q, const char *a, int digits, int *written)
{
	int tn, an[2];
	char td[VXR_QUIZ_DIGITS_MAX + 1], ad[2][VXR_QUIZ_DIGITS_MAX + 1];
	long te, ae[2];
	if (decimal_digits(a, strlen(a), digits, &tn, td, &te, written) < 0)
		return -1;
	if (answer_digits(q, digits, an, ad, ae) < 0)
		return 0;
	for (int c = 0; c < 2; c++)
		if (tn == an[c] && te == ae[c] && strcmp(td, ad[c]) == 0)
			return 1;
	return 0;
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
		char a[160];
		long al = ascii_form(s, n, a, sizeof a);
		if (al < 0)
			return VXR_JUDGE_UNREADABLE;
		power_form(a);
		int written;
		int r = same_at(q, a, q->digits, &written);
		if (r < 0)
			return VXR_JUDGE_UNREADABLE;
		/* more digits than asked: right too when they are the answer's to
		 * as many digits (the 0.0115 the screen shows for 0.011472, which
		 * is 0.012 at two digits while the answer is 0.011) */
		if (r == 0 && written > q->digits)
			r = same_at(q, a, written < VXR_QUIZ_DIGITS_MAX ? written : VXR_QUIZ_DIGITS_MAX, NULL);
		return r == 1 ? VXR_JUDGE_RIGHT : VXR_JUDGE_WRONG;
	}
	case VXR_QUIZ_INTEGER: {
		char buf[40], *end;
		long bl = ascii_form(s, n, buf, sizeof buf);
		if (bl <= 0)
			return VXR_JUDGE_UNREADABLE;
		long long v = strtoll(buf, &end, 10);
		/* a whole number written with a fraction of zeros, 47.0, is one */
		if (*end == '.' && end[1] && end[strspn(end + 1, "0") + 1] == '\0')
			end += strlen(end);
		if (*end || !isdigit((unsigned char)buf[bl - 1]))
			return VXR_JUDGE_UNREADABLE;
		return (double)v == q->v ? VXR_JUDGE_RIGHT : VXR_JUDGE_WRONG;
	}
	case VXR_QUIZ_CHOICE: {
		char w[VXR_QUIZ_CHOICE_LEN];
		long kl = choice_word(s, n, w, sizeof w);
		if (kl <= 0)
			return VXR_JUDGE_UNREADABLE;
		size_t k = (size_t)kl;
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
		/* another name, whole: w has no white space, and the names are
		 * kept without their '-' and '_' (tpl_quiz.c), which stand for any
		 * white space or none ("spectral radius" is spectral-radius) */
		char bare[VXR_QUIZ_CHOICE_LEN];
		size_t bl = 0;
		for (const char *x = w; *x; x++)
			if (*x != '-' && *x != '_')
				bare[bl++] = *x;
		bare[bl] = '\0';
		for (size_t c = 0; bl > 0 && c < q->nchoices; c++)
			for (const char *a = q->aliases[c]; *a; a += *a == '/') {
				size_t l = strcspn(a, "/");
				if (l == bl && memcmp(a, bare, bl) == 0)
					return strcmp(q->choices[c], q->text) == 0 ? VXR_JUDGE_RIGHT : VXR_JUDGE_WRONG;
				a += l;
			}
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
