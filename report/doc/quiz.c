/*
 * quiz.c — questions in the templates: the head of {{#quiz …}}, the answer
 * evaluated for the network, the questions after a step's text, the answer
 * key, and judging what a student typed (quiz.h).
 */
#include "report/doc/quiz.h"
#include "report/doc/tpl_internal.h"
#include "report/doc/doc.h"
#include "report/doc/templates.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ================================================================ the head */

static const char *const kinds[] = { "number", "integer", "choice", NULL };

expr *vxr_tpl_quiz_head(const vxr_tpl *t, const char *s, size_t n, size_t base, size_t tagoff, vxr_quiz *q,
                        vx_error *err, vx_status *st)
{
	memset(q, 0, sizeof *q);
	size_t i = 0;
	while (i < n && isspace((unsigned char)s[i]))
		i++;
	size_t ks = i;
	while (i < n && !isspace((unsigned char)s[i]))
		i++;
	if (i == ks) {
		*st = vxr_tpl_fail_at(t, tagoff, err, "{{#quiz}} needs a kind (number, integer, choice) and an answer");
		return NULL;
	}
	int kind = -1;
	for (int k = 0; kinds[k]; k++)
		if (strlen(kinds[k]) == i - ks && memcmp(kinds[k], s + ks, i - ks) == 0)
			kind = k;
	if (kind < 0) {
		*st = vxr_tpl_fail_at(t, base + ks, err, "unknown question kind '%.*s' (accepted: number, integer, choice)",
		                      (int)(i - ks), s + ks);
		return NULL;
	}
	q->kind = (vxr_quiz_kind)kind;
	while (i < n && isspace((unsigned char)s[i]))
		i++;
	if (q->kind == VXR_QUIZ_CHOICE) {
		/* A|B|C: words of letters, digits, '_' and '-' */
		size_t cs = i;
		while (i < n && !isspace((unsigned char)s[i])) {
			size_t ws = i;
			while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '-'))
				i++;
			if (i == ws || i - ws >= VXR_QUIZ_CHOICE_LEN || q->nchoices == VXR_QUIZ_MAX_CHOICES ||
			    (i < n && s[i] != '|' && !isspace((unsigned char)s[i]))) {
				*st = vxr_tpl_fail_at(t, base + ws, err,
				                      "bad choices: 2 to %d words of letters, digits, _ or - (up to %d), "
				                      "separated by |, e.g. vanishing|exploding|neither",
				                      VXR_QUIZ_MAX_CHOICES, VXR_QUIZ_CHOICE_LEN - 1);
				return NULL;
			}
			memcpy(q->choices[q->nchoices], s + ws, i - ws);
			q->choices[q->nchoices++][i - ws] = '\0';
			if (i < n && s[i] == '|')
				i++;
		}
		if (q->nchoices < 2) {
			*st = vxr_tpl_fail_at(t, base + cs, err,
			                      "a choice question needs its choices, A|B|…, then its answer");
			return NULL;
		}
		while (i < n && isspace((unsigned char)s[i]))
			i++;
	}
	if (i >= n) {
		*st = vxr_tpl_fail_at(t, tagoff, err, "a question needs its answer, an expression of live names "
		                      "({{#quiz %s %sEXPR%s}})", kinds[kind],
		                      q->kind == VXR_QUIZ_CHOICE ? "A|B|… " : "", q->kind == VXR_QUIZ_NUMBER ? ":.N" : "");
		return NULL;
	}
	size_t rest;
	expr *e = vxr_tpl_expr_parse(t, s + i, n - i, base + i, &rest, err, st);
	if (!e)
		return NULL;
	size_t after = i + rest;
	int text = e->op == E_STR || (e->op == E_NAME && vxr_tpl_names[e->name].type == V_STR);
	if (after < n) {
		fspec f;
		memset(&f, 0, sizeof f);
		if (s[after] != ':' || q->kind != VXR_QUIZ_NUMBER ||
		    vxr_tpl_parse_format(s + after + 1, n - after - 1, &f) < 0 || f.kind != 0 || f.isint || f.sig == 0) {
			*st = vxr_tpl_fail_at(t, base + after, err,
			                      q->kind == VXR_QUIZ_NUMBER
			                              ? "bad precision '%.*s' (a number question is judged at :.N significant "
			                                "digits, N in 1..17)"
			                              : "unexpected '%.*s' after the answer",
			                      (int)(n - after), s + after);
			vxr_tpl_expr_free(e);
			return NULL;
		}
		q->digits = f.sig;
	} else if (q->kind == VXR_QUIZ_NUMBER) {
		*st = vxr_tpl_fail_at(t, base + i, err,
		                      "a number question needs the precision it is judged at: EXPR:.N (N significant digits)");
		vxr_tpl_expr_free(e);
		return NULL;
	}
	if (text != (q->kind == VXR_QUIZ_CHOICE)) {
		*st = vxr_tpl_fail_at(t, base + i, err, q->kind == VXR_QUIZ_CHOICE
		                                                ? "a choice question's answer is text (a name such as verdict)"
		                                                : "a %s question's answer is a number, not text",
		                      kinds[kind]);
		vxr_tpl_expr_free(e);
		return NULL;
	}
	return e;
}

/* ================================================================ the answer */

void vxr_tpl_quiz_answer(evalr *ev, const node *n, vxf_style st, vxr_quiz *q)
{
	*q = *n->quiz;
	val v = vxr_tpl_eval(ev, n->e);
	if (ev->st != VX_OK)
		return;
	fspec f;
	memset(&f, 0, sizeof f);
	switch (q->kind) {
	case VXR_QUIZ_CHOICE:
		for (size_t c = 0; c < q->nchoices; c++)
			if (v.type == V_STR && strcmp(v.s, q->choices[c]) == 0) {
				snprintf(q->text, sizeof q->text, "%s", v.s);
				snprintf(q->shown, sizeof q->shown, "%s", v.s);
				return;
			}
		vxr_tpl_eval_fail(ev, n->off, "the answer '%s' is not one of the question's choices",
		                  v.type == V_STR ? v.s : "(a number)");
		return;
	case VXR_QUIZ_INTEGER:
		if (v.type == V_STR || !v.fits || !isfinite(v.v) || v.v != floor(v.v) || fabs(v.v) > 9e15) {
			vxr_tpl_eval_fail(ev, n->off, "an integer question's answer is not a whole number for this network");
			return;
		}
		q->fits = 1;
		q->v = v.v;
		f.isint = 1;
		f.given = 1;
		break;
	case VXR_QUIZ_NUMBER:
		if (v.type == V_STR || (v.fits && !isfinite(v.v))) {
			vxr_tpl_eval_fail(ev, n->off, "a number question's answer is not a finite number for this network");
			return;
		}
		q->fits = v.fits;
		q->v = v.v;
		q->l10 = v.l10;
		q->neg = v.neg;
		f.sig = q->digits;
		f.given = 1;
		break;
	}
	vxr_tpl_format_val(q->shown, sizeof q->shown, v, &f, st);
}

/* ================================================================ the answer key */

static int put(vxr_filled *f, const char *s)
{
	return vxr_filled_append(f, s, strlen(s)) == VX_OK ? 0 : -1;
}

vx_status vxr_quiz_answer_key(vxr_filled *f, vx_error *err)
{
	if (f->nquiz == 0)
		return VX_OK;
	if (put(f, "\n\n## Answers\n\n") < 0)
		return vx_fail(err, VX_ENOMEM, "out of memory");
	for (size_t i = 0; i < f->nquiz; i++) {
		const vxr_quiz_md *m = &f->quiz[i];
		char head[200];
		/* the answer in code: a number's digits and a choice stay as printed */
		snprintf(head, sizeof head, "**Question %zu.** The answer: **%s**. ", m->q.number, m->q.shown);
		if (put(f, head) < 0 || put(f, m->reason) < 0 || put(f, "\n\n") < 0)
			return vx_fail(err, VX_ENOMEM, "out of memory");
	}
	return VX_OK;
}

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
		for (size_t c = 0; c < q->nchoices; c++) {
			char lc[VXR_QUIZ_CHOICE_LEN];
			size_t l = 0;
			for (; q->choices[c][l]; l++)
				lc[l] = (char)tolower((unsigned char)q->choices[c][l]);
			lc[l] = '\0';
			if (strcmp(w, lc) == 0)
				return strcmp(q->choices[c], q->text) == 0 ? VXR_JUDGE_RIGHT : VXR_JUDGE_WRONG;
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

/* ================================================================ counting */

size_t vxr_step_quiz_count(size_t i)
{
	const char *name = vxr_step_name(i);
	const struct vx_embedded *e = name ? vxr_template_find(name) : NULL;
	if (!e)
		return 0;
	vxr_tpl *t = NULL;
	vx_error err;
	if (vxr_tpl_parse(name, e->text, e->size, &t, &err) != VX_OK)
		return 0;
	size_t c = 0;
	for (size_t k = 0; k < t->body.n; k++)
		c += t->body.v[k]->type == N_QUIZ;
	vxr_tpl_free(t);
	return c;
}
