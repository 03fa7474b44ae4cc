/*
 * tpl_quiz.c — questions in the template language (quiz.h): the head of
 * {{#quiz …}}, the answer evaluated for the network, the number of questions
 * of a template, and the answer key of a handout.
 */
#include "report/doc/tpl_internal.h"

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
		/* A|B|C: words of letters, digits, '_' and '-', each with other
		 * names after slashes (A/a-name/another|B) */
		size_t cs = i;
		while (i < n && !isspace((unsigned char)s[i])) {
			size_t ws = i;
			while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '-'))
				i++;
			size_t we = i;
			int bad = i == ws || i - ws >= VXR_QUIZ_CHOICE_LEN || q->nchoices == VXR_QUIZ_MAX_CHOICES;
			/* the other names as the judge compares them: lower case, no '-'
			 * or '_', each at most as long as an answer it can read */
			char *al = bad ? NULL : q->aliases[q->nchoices];
			size_t ao = 0;
			while (!bad && i < n && s[i] == '/') {
				size_t bl = 0;
				if (ao > 0)
					al[ao++] = '/';
				for (i++; i < n && (isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '-'); i++) {
					if (s[i] == '_' || s[i] == '-')
						continue;
					if (bl + 1 >= VXR_QUIZ_CHOICE_LEN || ao + 1 >= VXR_QUIZ_ALIAS_LEN) {
						bad = 1;
						break;
					}
					al[ao++] = (char)tolower((unsigned char)s[i]);
					bl++;
				}
				bad |= bl == 0;
			}
			if (bad || (i < n && s[i] != '|' && !isspace((unsigned char)s[i]))) {
				*st = vxr_tpl_fail_at(t, base + ws, err,
				                      "bad choices: 2 to %d words of letters, digits, _ or - (up to %d), "
				                      "separated by |, each with other names after / (up to %d letters "
				                      "and digits each, %d in all), e.g. vanishing|exploding|neither or "
				                      "rho/spectral-radius|norm",
				                      VXR_QUIZ_MAX_CHOICES, VXR_QUIZ_CHOICE_LEN - 1, VXR_QUIZ_CHOICE_LEN - 1,
				                      VXR_QUIZ_ALIAS_LEN - 1);
				return NULL;
			}
			al[ao] = '\0';
			memcpy(q->choices[q->nchoices], s + ws, we - ws);
			q->choices[q->nchoices++][we - ws] = '\0';
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
	if (v.underflow) {
		/* no value to judge an answer by */
		vxr_tpl_eval_fail(ev, n->off, "the question's answer underflows for this network (too small to carry)");
		return;
	}
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

/* ================================================================ counting */

size_t vxr_tpl_quiz_count(const vxr_tpl *t)
{
	size_t c = 0;
	for (size_t k = 0; k < t->body.n; k++)
		c += t->body.v[k]->type == N_QUIZ;
	return c;
}
