/*
 * test_quiz.c — questions in the templates and the tutor's progress:
 * judging (numbers at N significant digits on both sides of a rounding
 * boundary, beyond a double, integers, choices in any case and spacing),
 * the syntax of {{#quiz}} with each error at its line and column, the
 * answers filled for a network against values computed here from the model
 * (σ′ of its pre-activations, t − k), the handout with and without its
 * answer key, and the progress file (round trip, damaged and foreign files,
 * a directory that cannot be made).
 */
#include <criterion/criterion.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/act.h"
#include "engine/analysis.h"
#include "engine/model.h"
#include "engine/regime.h"
#include "report/doc/doc.h"
#include "report/doc/quiz.h"
#include "report/doc/tpl.h"
#include "tui/tutor_quiz.h"
#include "tests/unit/tpl_net.h"

/* ---- judging ----------------------------------------------------------- */

static vxr_quiz number(double v, int digits)
{
	vxr_quiz q;
	memset(&q, 0, sizeof q);
	q.kind = VXR_QUIZ_NUMBER;
	q.digits = digits;
	q.fits = 1;
	q.v = v;
	return q;
}

/* A choice question of the given words (NULL-ended), the answer first. */
static vxr_quiz choice(const char *const *words)
{
	vxr_quiz q;
	memset(&q, 0, sizeof q);
	q.kind = VXR_QUIZ_CHOICE;
	for (; words[q.nchoices]; q.nchoices++)
		strcpy(q.choices[q.nchoices], words[q.nchoices]);
	strcpy(q.text, words[0]);
	return q;
}

#define RIGHT(q, s) cr_expect_eq(vxr_quiz_judge(&(q), s), VXR_JUDGE_RIGHT, "'%s' should be right", s)
#define WRONG(q, s) cr_expect_eq(vxr_quiz_judge(&(q), s), VXR_JUDGE_WRONG, "'%s' should be wrong", s)
#define UNREAD(q, s) cr_expect_eq(vxr_quiz_judge(&(q), s), VXR_JUDGE_UNREADABLE, "'%s' should be unreadable", s)

Test(judge, number_at_two_digits)
{
	/* 0.04249 to 2 digits is 0.042: anything that rounds to 0.042 is right */
	vxr_quiz q = number(0.04249, 2);
	RIGHT(q, "0.042");
	RIGHT(q, "0.0424");
	RIGHT(q, "0.04249");
	RIGHT(q, "4.2e-2");
	RIGHT(q, "4.2E-02");
	RIGHT(q, "  0.042 \t");
	RIGHT(q, ".042");
	RIGHT(q, "+0.042");
	WRONG(q, "0.043");
	WRONG(q, "0.04");     /* one digit: 0.040 at two */
	RIGHT(q, "0.0425");   /* 0.043 at two, but the answer to three digits */
	WRONG(q, "0.0426");
	WRONG(q, "-0.042");
	WRONG(q, "0.42");
	WRONG(q, "0");
	UNREAD(q, "");
	UNREAD(q, "   ");
	UNREAD(q, "abc");
	UNREAD(q, "0.04.2");
	UNREAD(q, "4.2e");
	UNREAD(q, "4,2");
	UNREAD(q, "e5");
}

Test(judge, number_boundaries)
{
	/* the answer on each side of a rounding boundary: 0.04251 is 0.043 */
	vxr_quiz up = number(0.04251, 2);
	RIGHT(up, "0.043");
	RIGHT(up, "0.0425");
	WRONG(up, "0.042");
	/* a carry into a new decade: 9.96 to 2 digits is 10 */
	vxr_quiz ten = number(9.96, 2);
	RIGHT(ten, "10");
	RIGHT(ten, "1.0e1");
	RIGHT(ten, "9.96");
	WRONG(ten, "9.9");
	WRONG(ten, "1");
	/* one digit, three digits */
	vxr_quiz one = number(0.152, 1);
	RIGHT(one, "0.2");
	RIGHT(one, "0.16");
	WRONG(one, "0.1");
	vxr_quiz three = number(1234.5, 3);
	RIGHT(three, "1230");
	RIGHT(three, "1.23e3");
	WRONG(three, "1240");
	/* negative answers */
	vxr_quiz neg = number(-0.5123, 2);
	RIGHT(neg, "-0.51");
	WRONG(neg, "0.51");
}

/* What the screen shows may be typed as it is: 0.8^20 = 0.011529…, which
 * the tutor prints as 0.0115 and 1.153×10⁻², is 0.012 at two digits, and
 * so is the 0.0115 a student copies (a double holds it as 0.011499…, which
 * printf rounds to 0.011: rounded from its decimal digits it is 0.012) */
Test(judge, number_copied_from_the_screen)
{
	vxr_quiz q = number(pow(0.8, 20), 2);
	RIGHT(q, "0.0115");
	RIGHT(q, "0.01150");
	RIGHT(q, "1.15e-2");
	RIGHT(q, "0.01153");
	RIGHT(q, "0.012");
	RIGHT(q, "1.2\u00d710\u207b\u00b2");          /* 1.2×10⁻² */
	RIGHT(q, "1.153 \u00d7 10\u207b\u00b2");      /* 1.153 × 10⁻² */
	RIGHT(q, "1.15x10^-2");
	RIGHT(q, "1.2 * 10^-2");
	RIGHT(q, "1.2e\u22122");                        /* the minus sign − */
	WRONG(q, "0.011");
	WRONG(q, "0.0114999");
	WRONG(q, "1.1\u00d710\u207b\u00b2");
	WRONG(q, "\u22120.012");
	WRONG(q, "1.2\u00d710");                        /* 12 */
	UNREAD(q, "1.2\u00d710\u207b");
	UNREAD(q, "\u00d710\u207b\u00b2");
	UNREAD(q, "1.2\u00d7\u207b\u00b2");
	UNREAD(q, "0.012 \u00a4");
	UNREAD(q, "1.2e-2e3");
	/* the mirror case: 0.7998^20 = 0.011472… is 0.011 at two digits, and the
	 * 0.0115 the screen shows (three digits) is right too, as the answer to
	 * three; 0.012 is not */
	vxr_quiz m = number(pow(0.7998, 20), 2);
	RIGHT(m, "0.0115");
	RIGHT(m, "0.011");
	RIGHT(m, "0.011472");
	WRONG(m, "0.012");
	WRONG(m, "0.0116");
	/* digits after a superscript are not part of the power */
	UNREAD(q, "1.2\u00d710\u207b\u00b92");
	UNREAD(q, "10\u00b23");
	/* powers of ten alone, a two-digit superscript */
	vxr_quiz p = number(1e-12, 1);
	RIGHT(p, "10^-12");
	RIGHT(p, "10\u207b\u00b9\u00b2");
	WRONG(p, "10\u207b\u00b9\u00b9");
	/* an answer that is a decimal tie, exactly (0.125: 0.13 half away
	 * from zero, 0.12 as printf shows it), or as the shortest decimal of
	 * its double (0.15, held as 0.1499…: 0.2 as the screen shows it, 0.1
	 * as the double is): either is right */
	vxr_quiz eighth = number(0.125, 2);
	RIGHT(eighth, "0.125");
	RIGHT(eighth, "0.13");
	RIGHT(eighth, "0.12");     /* as printf shows it: ties to even */
	WRONG(eighth, "0.11");
	WRONG(eighth, "0.14");
	vxr_quiz tie = number(0.15, 1);
	RIGHT(tie, "0.15");
	RIGHT(tie, "0.2");
	RIGHT(tie, "0.14999999999999999");   /* the double's own 17 digits: 0.1 */
	RIGHT(tie, "0.1");
	WRONG(tie, "0.3");
	WRONG(tie, "0.25");
	vxr_quiz ntie = number(-0.15, 1);
	RIGHT(ntie, "-0.2");
	RIGHT(ntie, "\u22120.15");
	RIGHT(ntie, "-0.1");
	WRONG(ntie, "0.2");
}

Test(judge, number_beyond_a_double)
{
	/* 10^-400.3 = 5.01e-401: carried as its log10 */
	vxr_quiz q = number(0, 2);
	q.fits = 0;
	q.l10 = -400.3;
	RIGHT(q, "5.0e-401");
	RIGHT(q, "5.01e-401");
	WRONG(q, "5.1e-401");
	WRONG(q, "0");
	WRONG(q, "5.0e-400");
	/* an exponent past 100000, as a run of 10^7 steps may give */
	vxr_quiz far = number(0, 2);
	far.fits = 0;
	far.l10 = -100000.5;
	RIGHT(far, "3.2e-100001");
	RIGHT(far, "0.32e-100000");
	WRONG(far, "3.1e-100001");
	q.neg = 1;
	RIGHT(q, "-5.0e-401");
	WRONG(q, "5.0e-401");
	/* 3^1000 = 1.32e477 */
	vxr_quiz big = number(0, 3);
	big.fits = 0;
	big.l10 = 1000 * log10(3.0);
	RIGHT(big, "1.32e477");
	WRONG(big, "1.33e477");
}

Test(judge, integer)
{
	vxr_quiz q;
	memset(&q, 0, sizeof q);
	q.kind = VXR_QUIZ_INTEGER;
	q.fits = 1;
	q.v = 47;
	RIGHT(q, "47");
	RIGHT(q, " 47 ");
	RIGHT(q, "+47");
	WRONG(q, "46");
	WRONG(q, "-47");
	RIGHT(q, "47.0");           /* a fraction of zeros */
	RIGHT(q, "47.00");
	UNREAD(q, "47.5");
	UNREAD(q, "47.");
	UNREAD(q, "4 7");
	UNREAD(q, "forty-seven");
	UNREAD(q, "");
}

Test(judge, choice)
{
	vxr_quiz q = choice((const char *[]){ "vanishing", "exploding", "neither", NULL });
	RIGHT(q, "vanishing");
	RIGHT(q, "Vanishing");
	RIGHT(q, "  VANISHING\t");
	RIGHT(q, "van ishing");
	WRONG(q, "exploding");
	WRONG(q, "Neither");
	/* the question's own words ("vanish, explode, or neither?") and other
	 * forms of a choice; a start shared with none, or too short, is not one */
	RIGHT(q, "vanish");
	RIGHT(q, "Vanished");
	RIGHT(q, "vanishes");
	WRONG(q, "explode");
	WRONG(q, "exploded");
	WRONG(q, "neith");
	UNREAD(q, "van");
	UNREAD(q, "exploring");
	UNREAD(q, "vanishingly so");
	UNREAD(q, "maybe");
	UNREAD(q, "");
	/* the step's own words around a choice, Greek letters by name */
	vxr_quiz g = choice((const char *[]){ "forget", "w", "input", NULL });
	RIGHT(g, "forget gate");
	RIGHT(g, "the forget gate");
	RIGHT(g, "Forget gates");
	WRONG(g, "the input gate");
	WRONG(g, "W");
	UNREAD(g, "gate");
	UNREAD(g, "forget or input");
	/* the names step 15 gives them: f, f_j or fⱼ (forget/f/fj/ft) */
	strcpy(g.aliases[0], "f/fj/ft");
	strcpy(g.aliases[2], "i/ij/it");
	RIGHT(g, "f");
	RIGHT(g, "f_j");
	RIGHT(g, "f\u2c7c");       /* fⱼ */
	RIGHT(g, "f_t");
	WRONG(g, "i_j");
	vxr_quiz r = choice((const char *[]){ "rho", "norm", NULL });
	RIGHT(r, "\u03c1");          /* ρ */
	RIGHT(r, "\u03c1(W)");
	RIGHT(r, "rho(W)");
	WRONG(r, "norm");
	UNREAD(r, "\u03bb");         /* λ: lambda, not a choice */
	UNREAD(r, "(W)");
	/* words in parentheses say something else: not read */
	UNREAD(g, "forget (or input)");
	UNREAD(g, "forget(or input)");
	UNREAD(q, "vanishing (not exploding)");
	UNREAD(r, "rho(W");
	char buf[80];
	cr_expect_str_eq(vxr_quiz_expects(&q, buf, sizeof buf), "vanishing, exploding or neither");
	/* other names, as the template gives them after a slash: whole, in any
	 * case, a '-' or '_' of the name standing for any white space or none */
	strcpy(r.aliases[0], "spectralradius");   /* as tpl_quiz.c keeps spectral-radius */
	strcpy(r.aliases[1], "spectralnorm/2norm/lambda");
	RIGHT(r, "spectral radius");
	RIGHT(r, "the Spectral Radius");
	RIGHT(r, "spectral-radius");
	RIGHT(r, "spectralradius");
	WRONG(r, "spectral norm");
	WRONG(r, "2-norm");
	WRONG(r, "2 norm");
	WRONG(r, "λ");          /* λ, named lambda: now norm's other name */
	UNREAD(r, "spectral");       /* a name is taken whole */
	UNREAD(r, "radius");
	UNREAD(r, "spectral radiuses");
	UNREAD(r, "-");
	cr_expect_str_eq(vxr_quiz_expects(&r, buf, sizeof buf), "rho or norm", "the message names the choices");
}

/* ---- a network to fill against (tpl_net.h: d = 4, n = 2, seed 3) ------- */

static vx_status fill(net *n, const char *src, vxr_filled *f, vx_error *err)
{
	vxr_tpl *t = NULL;
	memset(f, 0, sizeof *f);
	vx_status s = vxr_tpl_parse("t.md", src, strlen(src), &t, err);
	if (s == VX_OK)
		s = vxr_tpl_fill(t, n->env, VXF_ASCII, f, err);
	vxr_tpl_free(t);
	return s;
}

static void expect_error(net *n, const char *src, const char *msg)
{
	vxr_filled f;
	vx_error err = { 0 };
	vx_status s = fill(n, src, &f, &err);
	cr_expect_eq(s, VX_EFORMAT, "'%s' should fail", src);
	cr_expect(strcmp(err.msg, msg) == 0, "the message for '%s':\n got  '%s'\n want '%s'", src, err.msg, msg);
	vxr_filled_clear(&f);
}

Test(quiz_syntax, errors_at_their_positions)
{
	net n;
	net_make(&n, "tanh", "gaussian", "0.8", "20");
	expect_error(&n, "x\n\n{{#quiz number}}q{{hint}}h{{reason}}r{{/quiz}}",
	             "t.md:3:1: a question needs its answer, an expression of live names ({{#quiz number EXPR:.N}})");
	expect_error(&n, "{{#quiz numbr gamma:.2}}q{{hint}}h{{reason}}r{{/quiz}}",
	             "t.md:1:9: unknown question kind 'numbr' (accepted: number, integer, choice)");
	expect_error(&n, "{{#quiz number gama:.2}}q{{hint}}h{{reason}}r{{/quiz}}", "t.md:1:16: unknown name 'gama'");
	expect_error(&n, "{{#quiz number gamma}}q{{hint}}h{{reason}}r{{/quiz}}",
	             "t.md:1:16: a number question needs the precision it is judged at: EXPR:.N (N significant digits)");
	expect_error(&n, "{{#quiz number gamma:sci}}q{{hint}}h{{reason}}r{{/quiz}}",
	             "t.md:1:21: bad precision ':sci' (a number question is judged at :.N significant digits, N in 1..17)");
	expect_error(&n, "{{#quiz integer d:.2}}q{{hint}}h{{reason}}r{{/quiz}}",
	             "t.md:1:18: unexpected ':.2' after the answer");
	expect_error(&n, "{{#quiz choice vanishing verdict}}q{{hint}}h{{reason}}r{{/quiz}}",
	             "t.md:1:16: a choice question needs its choices, A|B|…, then its answer");
	expect_error(&n, "{{#quiz choice a/|b verdict}}q{{hint}}h{{reason}}r{{/quiz}}",
	             "t.md:1:16: bad choices: 2 to 8 words of letters, digits, _ or - (up to 23), separated by |, "
	             "each with other names after / (up to 23 letters and digits each, 63 in all), e.g. "
	             "vanishing|exploding|neither or rho/spectral-radius|norm");
	expect_error(&n, "{{#quiz choice a|b/c.d verdict}}q{{hint}}h{{reason}}r{{/quiz}}",
	             "t.md:1:18: bad choices: 2 to 8 words of letters, digits, _ or - (up to 23), separated by |, "
	             "each with other names after / (up to 23 letters and digits each, 63 in all), e.g. "
	             "vanishing|exploding|neither or rho/spectral-radius|norm");
	/* a name longer than any answer the judge reads (24 letters), and one
	 * of dashes alone */
	expect_error(&n, "{{#quiz choice a/abcdefghijklmnopqrstuvwx|b verdict}}q{{hint}}h{{reason}}r{{/quiz}}",
	             "t.md:1:16: bad choices: 2 to 8 words of letters, digits, _ or - (up to 23), separated by |, "
	             "each with other names after / (up to 23 letters and digits each, 63 in all), e.g. "
	             "vanishing|exploding|neither or rho/spectral-radius|norm");
	expect_error(&n, "{{#quiz choice a/--|b verdict}}q{{hint}}h{{reason}}r{{/quiz}}",
	             "t.md:1:16: bad choices: 2 to 8 words of letters, digits, _ or - (up to 23), separated by |, "
	             "each with other names after / (up to 23 letters and digits each, 63 in all), e.g. "
	             "vanishing|exploding|neither or rho/spectral-radius|norm");
	expect_error(&n, "{{#quiz choice a|b gamma}}q{{hint}}h{{reason}}r{{/quiz}}",
	             "t.md:1:20: a choice question's answer is text (a name such as verdict)");
	expect_error(&n, "{{#quiz integer act}}q{{hint}}h{{reason}}r{{/quiz}}",
	             "t.md:1:17: a integer question's answer is a number, not text");
	expect_error(&n, "{{#quiz integer d}}q\n{{reason}}r{{/quiz}}",
	             "t.md:2:1: {{reason}} where this {{#quiz}} needs {{hint}} (question {{hint}} hint {{reason}} reason {{/quiz}})");
	expect_error(&n, "{{#quiz integer d}}q{{hint}}h{{reason}}r",
	             "t.md:1:1: unclosed {{#quiz}}: it needs {{hint}}, then {{reason}}, then {{/quiz}}");
	expect_error(&n, "a {{hint}}", "t.md:1:3: {{hint}} without {{#quiz}}");
	expect_error(&n, "a {{/quiz}}", "t.md:1:3: {{/quiz}} without {{#quiz}}");
	expect_error(&n, "{{#if 1}}\n{{#quiz integer d}}q{{hint}}h{{reason}}r{{/quiz}}\n{{/if}}",
	             "t.md:2:1: a {{#quiz}} cannot stand inside {{#if}} (every network is asked the same questions)");
	expect_error(&n, "{{#quiz integer d}}q {{#if 1}}{{hint}}{{/if}}h{{reason}}r{{/quiz}}",
	             "t.md:1:31: {{hint}} inside {{#if}} (close the {{#if}} first)");
	expect_error(&n, "{{#quiz integer d}}{{#quiz integer d}}{{hint}}{{reason}}{{/quiz}}{{hint}}{{reason}}{{/quiz}}",
	             "t.md:1:20: a {{#quiz}} inside a {{#quiz}}");
	/* errors that depend on the network: at the question */
	cr_assert_str_eq(vx_trend_name(vx_result_trend(n.r)), "vanishing");
	expect_error(&n, "x\n{{#quiz choice exploding|neither verdict}}q{{hint}}h{{reason}}r{{/quiz}}",
	             "t.md:2:1: the answer 'vanishing' is not one of the question's choices");
	expect_error(&n, "{{#quiz integer gamma_lambda}}q{{hint}}h{{reason}}r{{/quiz}}",
	             "t.md:1:1: an integer question's answer is not a whole number for this network");
	net_free(&n);
}

/* ---- answers against the model ----------------------------------------- */

Test(quiz_fill, answers_of_the_network)
{
	net n;
	net_make(&n, "tanh", "gaussian", "1.3", "20");
	const char *src =
		"## A step\n\nText.\n\n"
		"{{#quiz integer dact.argmin j=7}}\nWhich unit?\n{{hint}}\nThe smallest.\n{{reason}}\nUnit {{dact.argmin j=7}}.\n{{/quiz}}\n\n"
		"{{#quiz integer path.gap k=(min(3, t))}}\nFactors?\n{{hint}}\nh\n{{reason}}\nr\n{{/quiz}}\n\n"
		"{{#quiz choice vanishing/fading|exploding/blowing-up/diverging|neither verdict}}\nVanish?\n{{hint}}\nh\n{{reason}}\nr\n{{/quiz}}\n\n"
		"{{#quiz number path.norm k=(t-3):.3}}\nNorm?\n{{hint}}\nh\n{{reason}}\nIt is $x = {{path.norm k=(t-3)}}$.\n{{/quiz}}\n";
	vxr_filled f;
	vx_error err = { 0 };
	cr_assert_eq(fill(&n, src, &f, &err), VX_OK, "%s", err.msg);
	cr_assert_eq(f.nquiz, 4);
	/* the most saturated unit at j = 7, from σ′ of the model's pre-activations */
	size_t best = 0;
	for (size_t i = 1; i < n.r->d; i++)
		if (vx_act_df(n.m->act, gsl_matrix_get(n.r->a, 6, i)) <
		    vx_act_df(n.m->act, gsl_matrix_get(n.r->a, 6, best)))
			best = i;
	cr_expect_eq(f.quiz[0].q.v, (double)(best + 1), "dact.argmin j=7: %g, want %zu", f.quiz[0].q.v, best + 1);
	/* t − k factors, t = T = 20 */
	cr_expect_eq(f.quiz[1].q.v, 17.0);
	/* check's verdict for this network, and each choice's other names */
	cr_expect_str_eq(f.quiz[2].q.text, vx_trend_name(vx_result_trend(n.r)));
	cr_expect_str_eq(f.quiz[2].q.choices[1], "exploding");
	cr_expect_str_eq(f.quiz[2].q.aliases[0], "fading");
	cr_expect_str_eq(f.quiz[2].q.aliases[1], "blowingup/diverging");
	cr_expect_str_eq(f.quiz[2].q.aliases[2], "");
	cr_expect_eq(vxr_quiz_judge(&f.quiz[2].q, "blowing up"), strcmp(f.quiz[2].q.text, "exploding") == 0
	             ? VXR_JUDGE_RIGHT : VXR_JUDGE_WRONG);
	/* the number and its display at three digits */
	cr_expect_eq(f.quiz[3].q.v, n.r->paths[16].norm.value);
	char want[32];
	snprintf(want, sizeof want, "%.3g", n.r->paths[16].norm.value);
	cr_expect_eq(vxr_quiz_judge(&f.quiz[3].q, want), VXR_JUDGE_RIGHT, "%s for %s", want, f.quiz[3].q.shown);
	/* numbered, ids by template and order, after the step's text */
	cr_expect_eq(f.quiz[3].q.number, 4);
	cr_expect_str_eq(f.quiz[3].q.id, "t.md#4");
	const char *q1 = strstr(f.md, "**Question 1.** Which unit?");
	cr_assert_not_null(q1, "%s", f.md);
	cr_expect(strstr(f.md, "Text.") < q1);
	/* neither hint nor reason in the text */
	cr_expect_null(strstr(f.md, "The smallest."));
	cr_expect_null(strstr(f.md, "Unit "));
	/* the reason keeps its math as a token of the same filled text */
	cr_expect_not_null(strstr(f.quiz[3].reason, "VXQ"));
	/* the answer key */
	cr_assert_eq(vxr_quiz_answer_key(&f, &err), VX_OK);
	char line[96];
	snprintf(line, sizeof line, "**Question 1.** The answer: **%zu**. Unit %zu.", best + 1, best + 1);
	cr_expect_not_null(strstr(f.md, line), "%s", f.md);
	vxr_filled_clear(&f);
	net_free(&n);
}

/* The built-in steps: at least five questions, over at least five steps. */
Test(quiz_fill, the_steps_ask)
{
	size_t total = 0, steps = 0;
	for (size_t i = 0; i < vxr_step_count(); i++) {
		size_t c = vxr_step_quiz_count(i);
		total += c;
		steps += c > 0;
	}
	cr_expect_geq(total, 5);
	cr_expect_geq(steps, 5);
}

/* Every built-in question has an answer for small and extreme networks too
 * (t = 1: no gap; ReLU at a tiny λ; sigmoid far above the edge). */
Test(quiz_fill, every_network_has_answers)
{
	const char *nets[][3] = { { "tanh", "0.8", "1" }, { "relu", "1e-300", "3" }, { "sigmoid", "30", "2" },
	                          { "linear", "1", "50" } };
	for (size_t c = 0; c < sizeof nets / sizeof nets[0]; c++) {
		vx_params p;
		vx_error err;
		vx_params_default(&p);
		cr_assert_eq(vx_params_set(&p, "act", nets[c][0], &err), VX_OK);
		cr_assert_eq(vx_params_set(&p, "norm", nets[c][1], &err), VX_OK);
		cr_assert_eq(vx_params_set(&p, "steps", nets[c][2], &err), VX_OK);
		vx_model *m;
		vx_result *r;
		cr_assert_eq(vx_model_build(&p, &m, &err), VX_OK, "%s", err.msg);
		cr_assert_eq(vx_analyse(m, vx_params_loss_step(&p), NULL, &r, &err), VX_OK, "%s", err.msg);
		vxr_ctx ctx = { &p, m, r, r->t, 1, "2001-02-03", NULL, 1, 0, VX_CELL_RNN, 0, NULL };
		char *text = NULL;
		vxr_side *side = NULL;
		size_t nside = 0;
		vx_status s = vxr_report_render(&ctx, VXR_MD, NULL, "-", &text, &side, &nside, &err);
		cr_expect_eq(s, VX_OK, "%s %s T=%s: %s", nets[c][0], nets[c][1], nets[c][2], err.msg);
		if (text)
			cr_expect_not_null(strstr(text, "## Answers"));
		free(text);
		vxr_sides_free(side, nside);
		vx_result_free(r);
		vx_model_free(m);
	}
}

/* ---- the progress file ------------------------------------------------- */

static char tmpdir[64];

static void mk_tmp(void)
{
	strcpy(tmpdir, "/tmp/vanex-quiz-unit.XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

Test(progress, round_trip)
{
	mk_tmp();
	char path[256];
	snprintf(path, sizeof path, "%s/a/b/vanex/progress", tmpdir);   /* directories made */
	vxu_progress p;
	memset(&p, 0, sizeof p);
	vxu_progress_seen(&p, 0);
	vxu_progress_seen(&p, 10);
	vxu_progress_seen(&p, 4);
	vxu_progress_answer(&p, "0123456789abcdef", "05-diagonal.md#1", 1);
	vxu_progress_answer(&p, "0123456789abcdef", "11-actual.md#1", 0);
	vxu_progress_answer(&p, "fedcba9876543210", "05-diagonal.md#1", 0);
	vxu_progress_answer(&p, "0123456789abcdef", "11-actual.md#1", 1);   /* replaces */
	cr_expect_eq(p.nans, 3);
	vx_error err = { 0 };
	cr_assert_eq(vxu_progress_save(&p, path, &err), VX_OK, "%s", err.msg);
	cr_expect_eq(p.dirty, 0);
	vxu_progress q;
	cr_assert_eq(vxu_progress_load(&q, path, &err), VX_OK, "%s", err.msg);
	cr_expect_eq(q.step, 5);
	cr_expect(q.seen[0] && q.seen[4] && q.seen[10] && !q.seen[1]);
	cr_expect_eq(vxu_progress_get(&q, "0123456789abcdef", "05-diagonal.md#1"), 1);
	cr_expect_eq(vxu_progress_get(&q, "0123456789abcdef", "11-actual.md#1"), 1);
	cr_expect_eq(vxu_progress_get(&q, "fedcba9876543210", "05-diagonal.md#1"), 0);
	cr_expect_eq(vxu_progress_get(&q, "fedcba9876543210", "11-actual.md#1"), -1);
	cr_expect_eq(vxu_progress_right(&q, "0123456789abcdef"), 2);
	cr_expect_eq(vxu_progress_right(&q, "fedcba9876543210"), 0, "a wrong answer is not counted right");
	vxu_progress_clear(&p);
	vxu_progress_clear(&q);
	/* a missing file is an empty progress */
	snprintf(path, sizeof path, "%s/none/progress", tmpdir);
	cr_expect_eq(vxu_progress_load(&q, path, &err), VX_OK);
	cr_expect_eq(q.step, 0);
	cr_expect_eq(q.nans, 0);
}

Test(progress, damaged_and_foreign_files_start_afresh)
{
	mk_tmp();
	char path[256];
	snprintf(path, sizeof path, "%s/progress", tmpdir);
	const char *bad[] = {
		"vanex progress 1\nstep 3\nanswer nonsense\n",
		"vanex progress 1\nstep x\n",
		"vanex progress 1\nseen 1 0\n",
		"vanex progress 1\nanswer 0123456789abcdef 05.md#1 maybe\n",
		"vanex progress 1\nanswer 0123456789ABCDEF 05.md#1 right\n",
		"vanex progress 1\nstep 3",               /* cut short */
		"vanex progress 2\nstep 3\n",
		"\177ELF\002\001\001",
		"",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_file(path, bad[i]);
		vxu_progress q;
		vx_error err = { 0 };
		cr_expect_eq(vxu_progress_load(&q, path, &err), VX_EFORMAT, "case %zu", i);
		cr_expect_eq(q.step, 0, "case %zu: nothing kept", i);
		cr_expect_eq(q.nans, 0, "case %zu", i);
		cr_expect_not_null(strstr(err.msg, "starting afresh"), "case %zu: %s", i, err.msg);
		cr_expect_null(strchr(err.msg, '\n'), "one line");
		vxu_progress_clear(&q);
	}
}

Test(progress, a_directory_that_cannot_be_made)
{
	mk_tmp();
	char plain[256], path[300];
	snprintf(plain, sizeof plain, "%s/plain", tmpdir);
	write_file(plain, "x");
	snprintf(path, sizeof path, "%s/state/vanex/progress", plain);
	vxu_progress p;
	memset(&p, 0, sizeof p);
	vxu_progress_seen(&p, 2);
	vx_error err = { 0 };
	cr_expect_eq(vxu_progress_save(&p, path, &err), VX_EIO);
	cr_expect_not_null(strstr(err.msg, "progress not kept"), "%s", err.msg);
	cr_expect_eq(p.dirty, 1, "still owed");
	/* and reading there is an empty progress, not an error */
	vxu_progress q;
	cr_expect_eq(vxu_progress_load(&q, path, &err), VX_OK, "%s", err.msg);
	vxu_progress_clear(&p);
}

Test(progress, path_by_the_xdg_spec)
{
	char buf[256];
	setenv("HOME", "/home/student", 1);
	setenv("XDG_STATE_HOME", "/var/st", 1);
	cr_assert_eq(vxu_progress_path(buf, sizeof buf), 0);
	cr_expect_str_eq(buf, "/var/st/vanex/progress");
	setenv("XDG_STATE_HOME", "relative/st", 1);
	cr_assert_eq(vxu_progress_path(buf, sizeof buf), 0);
	cr_expect_str_eq(buf, "/home/student/.local/state/vanex/progress");
	unsetenv("XDG_STATE_HOME");
	cr_assert_eq(vxu_progress_path(buf, sizeof buf), 0);
	cr_expect_str_eq(buf, "/home/student/.local/state/vanex/progress");
	unsetenv("HOME");
	cr_expect_eq(vxu_progress_path(buf, sizeof buf), -1);
}

Test(progress, network_keys)
{
	vx_params a, b;
	vx_params_default(&a);
	vx_params_default(&b);
	char ka[VXU_NET_KEY], kb[VXU_NET_KEY];
	vxu_net_key(&a, 50, ka);
	vxu_net_key(&b, 50, kb);
	cr_expect_str_eq(ka, kb);
	cr_expect_eq(strlen(ka), 16);
	b.norm = 0.8 * 1.1;
	vxu_net_key(&b, 50, kb);
	cr_expect_str_neq(ka, kb, "another λ asks again");
	vxu_net_key(&a, 49, kb);
	cr_expect_str_neq(ka, kb, "another loss step asks again");
}

/* ---- the answer line --------------------------------------------------- */

static void type(vxu_quiz *qz, vxu_progress *p, const char *key, const char *bytes)
{
	for (const unsigned char *c = (const unsigned char *)bytes; *c; c++)
		vxu_quiz_key(qz, p, key, *c);
}

static const char *const KEY = "0123456789abcdef";

/* The answer line opened on a step's layout holding the questions z[0..n)
 * alone, with no answers yet. */
static void open_line(vxt_quiz *z, size_t n, vxt_doc *doc, vxu_progress *p, vxu_quiz *qz)
{
	memset(doc, 0, sizeof *doc);
	doc->quiz = z;
	doc->nquiz = n;
	memset(p, 0, sizeof *p);
	vxu_quiz_reset(qz);
	cr_assert_eq(vxu_quiz_open(qz, doc, p, KEY), 0);
}

Test(answer_line, wrong_then_right_then_revealed)
{
	vxt_quiz z[2];
	memset(z, 0, sizeof z);
	z[0].q = number(0.152, 2);
	strcpy(z[0].q.id, "s.md#1");
	z[1].q = number(3, 1);
	strcpy(z[1].q.id, "s.md#2");
	vxt_doc doc;
	vxu_progress p;
	vxu_quiz qz;
	open_line(z, 2, &doc, &p, &qz);
	const char *key = KEY;
	cr_expect_eq(qz.mode, VXU_QZ_TYPING);
	cr_expect_eq(qz.q, 0);
	type(&qz, &p, key, "0.5x");
	vxu_quiz_key(&qz, &p, key, VXU_QZ_ERASE);
	cr_expect_str_eq(qz.line, "0.5");
	vxu_quiz_key(&qz, &p, key, VXU_QZ_JUDGE);
	cr_expect_eq(qz.mode, VXU_QZ_WRONG);
	cr_expect_eq(vxu_progress_get(&p, key, "s.md#1"), 0);
	/* again, right */
	vxu_quiz_key(&qz, &p, key, 'i');
	cr_expect_eq(qz.mode, VXU_QZ_TYPING);
	cr_expect_str_eq(qz.line, "");
	for (const char *c = " 0.15 "; *c; c++)
		vxu_quiz_key(&qz, &p, key, *c);
	vxu_quiz_key(&qz, &p, key, VXU_QZ_JUDGE);
	cr_expect_eq(qz.mode, VXU_QZ_RIGHT);
	cr_expect_eq(vxu_progress_get(&p, key, "s.md#1"), 1);
	/* i goes to the next question not answered right */
	vxu_quiz_key(&qz, &p, key, 'i');
	cr_expect_eq(qz.q, 1);
	vxu_quiz_key(&qz, &p, key, '7');
	vxu_quiz_key(&qz, &p, key, VXU_QZ_JUDGE);
	cr_expect_eq(qz.mode, VXU_QZ_WRONG);
	vxu_quiz_key(&qz, &p, key, '!');
	cr_expect_eq(qz.mode, VXU_QZ_REVEALED);
	cr_expect_eq(vxu_progress_get(&p, key, "s.md#2"), 0, "revealed counts as wrong");
	cr_expect_eq(vxu_progress_right(&p, key), 1, "the revealed one is not counted right");
	/* an unreadable answer is recorded nowhere: the line stays open and
	 * starts again empty, what was said kept for the message, so that the
	 * next keys (an i meant to open the line again, say) do not join it */
	vxu_quiz_reset(&qz);
	vxu_quiz_open(&qz, &doc, &p, key);
	cr_expect_eq(qz.q, 1);
	vxu_quiz_key(&qz, &p, key, 'z');
	vxu_quiz_key(&qz, &p, key, VXU_QZ_JUDGE);
	cr_expect_eq(qz.mode, VXU_QZ_TYPING);
	cr_expect(qz.unreadable);
	cr_expect_str_eq(qz.said, "z");
	cr_expect_str_eq(qz.line, "");
	vxu_quiz_key(&qz, &p, key, '7');
	cr_expect_str_eq(qz.line, "7", "the next key starts a new answer");
	cr_expect(!qz.unreadable);
	/* Esc cancels; other keys after a verdict go back to the tutor */
	vxu_quiz_key(&qz, &p, key, VXU_QZ_CANCEL);
	cr_expect_eq(qz.mode, VXU_QZ_IDLE);
	cr_expect_eq(vxu_quiz_key(&qz, &p, key, 'n'), VXU_QZ_PASS);
	/* a step without questions opens nothing */
	vxt_doc none;
	memset(&none, 0, sizeof none);
	cr_expect_eq(vxu_quiz_open(&qz, &none, &p, key), -1);
	vxu_progress_clear(&p);
}


/* The answer line takes what the screen shows, UTF-8 a byte at a time
 * ("1.2×10⁻²", "ρ"), and stays whole characters: Backspace takes a whole
 * one, a stray continuation byte is dropped, a character left unfinished
 * goes, and a full line takes no first byte without room for the rest. */
Test(answer_line, utf8_as_the_screen_shows_it)
{
	vxt_quiz z[1];
	memset(z, 0, sizeof z);
	z[0].q = number(pow(0.8, 20), 2);
	strcpy(z[0].q.id, "s.md#1");
	vxt_doc doc;
	vxu_progress p;
	vxu_quiz qz;
	open_line(z, 1, &doc, &p, &qz);
	const char *key = KEY;
	type(&qz, &p, key, "1.2\u00d710\u207b\u00b2\u00b2");
	vxu_quiz_key(&qz, &p, key, VXU_QZ_ERASE);
	cr_expect_str_eq(qz.line, "1.2\u00d710\u207b\u00b2");
	type(&qz, &p, key, "\x80\xbf");            /* continuation bytes alone */
	type(&qz, &p, key, "\xe2\x81");            /* ⁻ cut short … */
	cr_expect_eq(qz.pending, 1);
	type(&qz, &p, key, "x");                   /* … by another character */
	cr_expect_str_eq(qz.line, "1.2\u00d710\u207b\u00b2x");
	vxu_quiz_key(&qz, &p, key, VXU_QZ_ERASE);
	vxu_quiz_key(&qz, &p, key, VXU_QZ_JUDGE);
	cr_expect_eq(qz.mode, VXU_QZ_RIGHT, "1.2×10⁻² is 0.8^20 at two digits (line '%s')", qz.line);
	/* a full line: ASCII up to the last byte, then no room for ρ's two */
	vxu_quiz_key(&qz, &p, key, 'i');
	cr_expect_eq(qz.mode, VXU_QZ_TYPING);
	for (size_t i = 0; i + 2 < sizeof qz.line; i++)
		vxu_quiz_key(&qz, &p, key, '1');
	type(&qz, &p, key, "\u03c1");
	cr_expect_eq(qz.len, sizeof qz.line - 2);
	cr_expect_eq(qz.pending, 0);
	for (const char *c = qz.line; *c; c++)
		cr_expect_eq(*c, '1');
	vxu_progress_clear(&p);
}
