/*
 * test_tpl.c — the template language: every syntax error with its exact
 * file:line:column, placeholders and formats against values computed here
 * (closed forms, powers worked out by hand), conditionals, the math state
 * machine, and the front matter's precedence under command-line options.
 */
#include <criterion/criterion.h>
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/analysis.h"
#include "engine/linalg.h"
#include "engine/model.h"
#include "report/doc/doc.h"
#include "report/doc/render.h"
#include "report/doc/tpl.h"
#include "report/doc/cite.h"
#include "report/text/buf.h"
#include "tests/unit/tpl_net.h"

static vx_status fill(net *n, const char *src, vxf_style st, char **out, vxr_filled *keep, vx_error *err)
{
	vxr_tpl *t = NULL;
	*out = NULL;
	vx_status s = vxr_tpl_parse("t.md", src, strlen(src), &t, err);
	if (s != VX_OK)
		return s;
	vxr_filled f;
	memset(&f, 0, sizeof f);
	s = vxr_tpl_fill(t, n->env, st, &f, err);
	vxr_tpl_free(t);
	if (s == VX_OK)
		*out = strdup(f.md ? f.md : "");
	if (keep)
		*keep = f;
	else
		vxr_filled_clear(&f);
	return s;
}

/* Expects src to fill to exactly want (Unicode prose). */
static void expect_fill(net *n, const char *src, const char *want)
{
	char *out;
	vx_error err = { 0 };
	vx_status s = fill(n, src, VXF_UNICODE, &out, NULL, &err);
	cr_assert_eq(s, VX_OK, "filling '%s' failed: %s", src, err.msg);
	cr_expect(strcmp(out, want) == 0, "filling '%s': got '%s', want '%s'", src, out, want);
	free(out);
}

static void expect_fill_ascii(net *n, const char *src, const char *want)
{
	char *out;
	vx_error err = { 0 };
	vx_status s = fill(n, src, VXF_ASCII, &out, NULL, &err);
	cr_assert_eq(s, VX_OK, "filling '%s' failed: %s", src, err.msg);
	cr_expect(strcmp(out, want) == 0, "filling '%s' (ASCII): got '%s', want '%s'", src, out, want);
	free(out);
}

/* Expects parsing or filling src to fail with exactly msg. */
static void expect_error(net *n, const char *src, const char *msg)
{
	char *out = NULL;
	vx_error err = { 0 };
	vx_status s = fill(n, src, VXF_UNICODE, &out, NULL, &err);
	cr_expect_eq(s, VX_EFORMAT, "'%s' should fail with VX_EFORMAT, got %d (output '%s')", src, s,
	             out ? out : "");
	cr_expect(strcmp(err.msg, msg) == 0, "the message for '%s':\n got  '%s'\n want '%s'", src, err.msg, msg);
	free(out);
}

/* ---- syntax errors, each at its position ----------------------------- */

Test(tpl_errors, positions)
{
	net n;
	net_make(&n, "tanh", "gaussian", "1", "10");
	expect_error(&n, "a\n  {{gama}}", "t.md:2:5: unknown name 'gama'");
	expect_error(&n, "{{#if t > 1}}\nx\n", "t.md:1:1: unclosed {{#if}} (no {{/if}})");
	expect_error(&n, "x {{lambda:.x}}",
	             "t.md:1:12: bad format '.x' (accepted: .N with N in 1..17, sci, .Nsci, int, full)");
	expect_error(&n, "x {{lambda:.18}}",
	             "t.md:1:12: bad format '.18' (accepted: .N with N in 1..17, sci, .Nsci, int, full)");
	expect_error(&n, "x {{lambda:scix}}",
	             "t.md:1:12: bad format 'scix' (accepted: .N with N in 1..17, sci, .Nsci, int, full)");
	expect_error(&n, "abc {{lambda", "t.md:1:5: unclosed {{ (no matching }})");
	expect_error(&n, "p\n\n{{else}}", "t.md:3:1: {{else}} without {{#if}}");
	expect_error(&n, "{{/if}}", "t.md:1:1: {{/if}} without {{#if}}");
	expect_error(&n, "ok {{#each x}}", "t.md:1:4: unknown block '#each' (accepted: #if, #quiz)");
	expect_error(&n, "{{#if 1}}a{{else}}b{{else}}c{{/if}}",
	             "t.md:1:20: {{else}} after the final {{else}} of this {{#if}}");
	expect_error(&n, "{{act:.3}}", "t.md:1:7: a format applies to numbers, not to text");
	expect_error(&n, "{{gamma gamma}}", "t.md:1:9: unexpected 'gamma' after the value (a format starts with ':')");
	expect_error(&n, "{{#if gamma = 1}}x{{/if}}", "t.md:1:13: '=' is not a comparison: write '=='");
	expect_error(&n, "{{path.norm j=1}}", "t.md:1:13: path.norm takes k=…, not j=");
	expect_error(&n, "{{gamma k=1}}", "t.md:1:9: gamma takes no argument");
	expect_error(&n, "{{min(gamma)}}", "t.md:1:3: min() takes two arguments");
	expect_error(&n, "{{}}", "t.md:1:1: empty {{}}");
	net_free(&n);
}

Test(tpl_errors, blocks)
{
	net n;
	net_make(&n, "tanh", "gaussian", "1", "10");
	expect_error(&n, "\n{{table paths rows=1}}", "t.md:2:20: rows= expects a whole number in 3..1000, got '1'");
	expect_error(&n, "{{table nothing}}", "t.md:1:9: unknown table 'nothing' (accepted: paths, steps, inits, regimes, gates)");
	expect_error(&n, "{{matrix Q}}",
	             "t.md:1:10: unknown matrix 'Q' (accepted: W, D, dact, J, fd_dads, fd_dsda, grad, dsds)");
	expect_error(&n, "{{matrix}}",
	             "t.md:1:3: {{matrix}} needs one or two names (W, D, dact, J, fd_dads, fd_dsda, grad, dsds)");
	expect_error(&n, "{{matrix W D J}}",
	             "t.md:1:3: {{matrix}} needs one or two names (W, D, dact, J, fd_dads, fd_dsda, grad, dsds)");
	expect_error(&n, "{{plot norms j=2}}", "t.md:1:1: {{plot}} accepts only j= (for dact)");
	expect_error(&n, "{{plot steps j=2}}", "t.md:1:1: {{plot}} accepts only j= (for dact)");
	expect_error(&n, "{{plot nothing}}",
	             "t.md:1:8: unknown plot 'nothing' (accepted: norms, dact, contrib, steps, eigen, powers, regimes, gates)");
	expect_error(&n, "{{plot}}", "t.md:1:3: {{plot}} needs one of: norms, dact, contrib, steps, eigen, powers, regimes, gates");
	expect_error(&n, "{{record x}}", "t.md:1:1: {{record}} takes no argument");
	expect_error(&n, "{{references 3}}", "t.md:1:1: {{references}} takes no argument");
	expect_error(&n, "see {{cite}}",
	             "t.md:1:5: {{cite}} needs one to four keys (pascanu2013, hochreiter1991, bengio1994, "
	             "hochreiter1997, gers2000, jozefowicz2015, arjovsky2016, le2015)");
	expect_error(&n, "see {{cite pascanu2013 hinton2006}}",
	             "t.md:1:24: unknown work 'hinton2006' (accepted: pascanu2013, hochreiter1991, bengio1994, "
	             "hochreiter1997, gers2000, jozefowicz2015, arjovsky2016, le2015)");
	expect_error(&n, "see {{cite le2015 k=2}}",
	             "t.md:1:5: {{cite}} needs one to four keys (pascanu2013, hochreiter1991, bengio1994, "
	             "hochreiter1997, gers2000, jozefowicz2015, arjovsky2016, le2015)");
	expect_error(&n, "$x {{cite le2015}}$", "t.md:1:4: a citation cannot stand inside math");
	expect_error(&n, "{{table paths color=red}}",
	             "t.md:1:15: unknown block argument 'color' (accepted: j= k= rows= size=)");
	expect_error(&n, "$x {{plot norms}}$", "t.md:1:4: a block cannot stand inside math");
	net_free(&n);
}

Test(tpl_errors, front_matter)
{
	net n;
	net_make(&n, "tanh", "gaussian", "1", "10");
	expect_error(&n, "---\nfoo: 1\n---\nx",
	             "t.md:2:1: front matter: unknown key 'foo' (accepted: the model options act, hidden, inputs, "
	             "steps, t, norm, init, weights, model, input-scale, seed; and title, j, k, panel, cell)");
	expect_error(&n, "---\nact: tanh\n", "t.md:1:1: unclosed front matter (no closing ---)");
	expect_error(&n, "---\njust words\n---\n", "t.md:2:1: front matter: expected 'key: value'");
	expect_error(&n, "---\nj: 0\n---\n", "t.md:2:4: front matter: j expects a whole number >= 1, got '0'");
	/* each key once, as on the command line: the first value used to win unseen */
	expect_error(&n, "---\nseed: 3\nact: relu\nseed: 4\n---\nx", "t.md:4:1: front matter: 'seed' given twice");
	/* a bad value is reported at the value, with the option's own message */
	char *out;
	vx_error err = { 0 };
	cr_expect_eq(fill(&n, "---\nnorm: x\n---\n", VXF_UNICODE, &out, NULL, &err), VX_EFORMAT);
	cr_expect(strncmp(err.msg, "t.md:2:7: front matter: ", 24) == 0, "got '%s'", err.msg);
	cr_expect(strstr(err.msg, "norm") != NULL, "the message names the option: '%s'", err.msg);
	net_free(&n);
}

/* `panel:` names the tutor's live-panel view of a step: one of six names,
 * given at most once, refused at its value otherwise; the handout ignores
 * it (it sets no model option). */
Test(tpl_front_matter, panel_names_a_view)
{
	static const char *const views[] = { "network", "dact", "jacobian", "paths", "lyap", "chain" };
	for (size_t i = 0; i < sizeof views / sizeof views[0]; i++) {
		for (int quoted = 0; quoted <= 1; quoted++) {
			char src[96];
			snprintf(src, sizeof src, "---\npanel: %s%s%s\n---\n## Heading\n", quoted ? "\"" : "", views[i],
			         quoted ? "\"" : "");
			vxr_tpl *t = NULL;
			vx_error err = { 0 };
			cr_assert_eq(vxr_tpl_parse("t.md", src, strlen(src), &t, &err), VX_OK, "%s: %s", src, err.msg);
			cr_expect_str_eq(vxr_tpl_panel(t), views[i], "%s", src);
			vx_params p, before;
			vx_params_default(&p);
			before = p;
			size_t j = 0, k = 0;
			cr_expect_eq(vxr_tpl_apply_defaults(t, &p, &j, &k, NULL, &err), VX_OK, "%s", err.msg);
			cr_expect(memcmp(&p, &before, sizeof p) == 0 && j == 0 && k == 0, "panel sets no model option");
			vxr_tpl_free(t);
		}
	}
	vxr_tpl *t = NULL;
	vx_error err = { 0 };
	cr_assert_eq(vxr_tpl_parse("t.md", "## No front matter\n", 19, &t, &err), VX_OK);
	cr_expect_null(vxr_tpl_panel(t), "no panel: NULL");
	vxr_tpl_free(t);

	net n;
	net_make(&n, "tanh", "gaussian", "1", "10");
	expect_error(&n, "---\ntitle: x\npanel: sigma\n---\n",
	             "t.md:3:8: front matter: panel expects one of network, dact, jacobian, paths, lyap, chain, eigen, gates, "
	             "got 'sigma'");
	expect_error(&n, "---\npanel: Chain\n---\n",
	             "t.md:2:8: front matter: panel expects one of network, dact, jacobian, paths, lyap, chain, eigen, gates, "
	             "got 'Chain'");
	expect_error(&n, "---\npanel:\n---\n",
	             "t.md:2:7: front matter: panel expects one of network, dact, jacobian, paths, lyap, chain, eigen, gates, "
	             "got ''");
	expect_error(&n, "---\npanel: chain\npanel: lyap\n---\n", "t.md:3:1: front matter: 'panel' given twice");
	/* it fills like any template: the front matter leaves no trace in the text */
	expect_fill(&n, "---\npanel: lyap\n---\nd = {{d}}", "d = 4");
	net_free(&n);
}

/* `cell: rnn` pins a step to the vanilla network: with the LSTM chosen
 * (ctx.cell), path.norm, step.norm, grad_norm, lyap and horizon read the
 * LSTM beside it (vxr_env_gated: its own analysis) in a step that does not
 * say so, and the vanilla network's in one that does; `cell` always names
 * the chosen cell; any value but rnn is refused. */
Test(tpl_front, cell_rnn_pins_the_vanilla_network)
{
	net n;
	net_make(&n, "tanh", "gaussian", "1", "10");
	expect_error(&n, "---\ncell: lstm\n---\n",
	             "t.md:2:7: front matter: cell expects rnn (the step derives the vanilla cell), got 'lstm'");
	n.ctx.cell = VX_CELL_LSTM;
	const vx_net_result *g;
	vx_error err = { 0 };
	cr_assert_eq(vxr_env_gated(n.env, VX_CELL_LSTM, &g, &err), VX_OK, "%s", err.msg);
	char want[400], a[48], b[48], c[48], d[48], e[48];
	vxf_mag(a, sizeof a, g->paths[0].norm, 17, VXF_UNICODE);
	vxf_mag(b, sizeof b, g->step_norm[4], 17, VXF_UNICODE);
	vxf_mag(c, sizeof c, g->grad_norm, 17, VXF_UNICODE);
	vxf_num(d, sizeof d, g->lyap_max, 17, VXF_UNICODE);
	snprintf(e, sizeof e, "%zu", g->horizon);
	snprintf(want, sizeof want, "lstm %s %s %s %s %s", a, b, c, d, e);
	const char *body = "{{cell}} {{path.norm k=1:full}} {{step.norm j=5:full}} {{grad_norm:full}} {{lyap:full}} {{horizon}}";
	expect_fill(&n, body, want);
	vxf_mag(a, sizeof a, n.r->paths[0].norm, 17, VXF_UNICODE);
	vxf_num(b, sizeof b, gsl_vector_get(n.r->step_norm, 4), 17, VXF_UNICODE);
	vxf_mag(c, sizeof c, n.r->grad_norm, 17, VXF_UNICODE);
	vxf_num(d, sizeof d, n.r->lyap_max, 17, VXF_UNICODE);
	char pinned[300];
	snprintf(pinned, sizeof pinned, "---\ncell: rnn\n---\n%s", body);
	size_t gap;
	vx_gap_leave(&n.r->paths[0].norm.log10, sizeof *n.r->paths, n.r->t, -3, 3, &gap);
	snprintf(want, sizeof want, "lstm %s %s %s %s %zu", a, b, c, d, gap);
	expect_fill(&n, pinned, want);
	cr_expect_neq(gap, g->horizon, "the two horizons differ here (%zu), so the test tells them apart", gap);
	net_free(&n);
}

/* A gated network's norm that underflowed (vx_mag's underflow state,
 * engine/analysis.h) reads "underflow" as it is, whatever the format, and
 * 0 in arithmetic: a test of it is false, a division by it fails, a
 * product with it is 0, and no question can take it as its answer. */
Test(tpl_values, an_underflow_reads_underflow_and_is_0_in_arithmetic)
{
	net n;
	net_make(&n, "tanh", "gaussian", "1", "10");
	n.ctx.cell = VX_CELL_LSTM;
	const vx_net_result *g;
	vx_error err = { 0 };
	cr_assert_eq(vxr_env_gated(n.env, VX_CELL_LSTM, &g, &err), VX_OK, "%s", err.msg);
	vx_mag uf = { 0 };
	uf.log10 = -INFINITY;
	cr_assert(vx_mag_is_underflow(uf));
	((vx_net_result *)g)->paths[0].norm = uf;
	expect_fill(&n, "{{path.norm k=1}} {{path.norm k=1:int}} {{path.norm k=1:.5sci}}", "underflow underflow underflow");
	expect_fill_ascii(&n, "{{path.norm k=1:full}}", "underflow");
	expect_fill(&n, "{{#if path.norm k=1}}t{{else}}f{{/if}} {{#if path.norm k=1 > 0}}>{{else}}0{{/if}}", "f 0");
	expect_fill(&n, "{{path.norm k=1 * 3}} {{path.norm k=1 + 2}}", "0 2");
	expect_error(&n, "{{1 / path.norm k=1}}", "t.md:1:5: division by zero");
	expect_error(&n, "{{#quiz number path.norm k=1:.2}}q{{hint}}h{{reason}}r{{/quiz}}",
	             "t.md:1:1: the question's answer underflows for this network (too small to carry)");
	net_free(&n);
}

Test(tpl_errors, at_fill_time)
{
	net n;
	net_make(&n, "tanh", "gaussian", "1", "10");
	expect_error(&n, "{{path.norm k=99}}", "t.md:1:15: k=99 is outside 1..10 (1..t)");
	expect_error(&n, "x\n {{dact.max j=0}}", "t.md:2:15: j=0 is outside 1..10 (1..T)");
	expect_error(&n, "a $x + 1\n\nb$", "t.md:1:3: unclosed $ (a blank line inside math)");
	expect_error(&n, "a $$x", "t.md:1:3: unclosed $$");
	expect_error(&n, "{{1/0}}", "t.md:1:4: division by zero");
	expect_error(&n, "{{log10(0)}}", "t.md:1:3: log10() of a number that is not positive");
	expect_error(&n, "see VXQ here", "t.md:1:5: the text 'VXQ' is reserved for vanex's own markers");
	expect_error(&n, "a `VXQ00000Q` b", "t.md:1:4: the text 'VXQ' is reserved for vanex's own markers");
	expect_error(&n, "x\n```\nVXQ00000Q\n```\n", "t.md:3:1: the text 'VXQ' is reserved for vanex's own markers");
	expect_error(&n, "VX{{\"Q00000Q\"}}", "t.md:1:1: the text 'VXQ' is reserved for vanex's own markers");
	net_free(&n);
}

/* ---- values and formats ------------------------------------------------ */

Test(tpl_values, closed_forms)
{
	net n;
	/* linear activation, W = 0.5 I: J_j = 0.5 I, so ‖∂s_t/∂s_k‖ = 0.5^(t−k) */
	net_make(&n, "linear", "identity", "0.5", "11");
	expect_fill(&n, "{{path.norm k=1:.7}}", "9.765625×10⁻⁴");
	expect_fill(&n, "{{path.bound k=1:.7}}", "9.765625×10⁻⁴");
	expect_fill(&n, "{{path.norm k=11}}", "1");
	expect_fill(&n, "{{path.gap k=1}}", "10");
	expect_fill(&n, "{{gamma}} {{lambda}} {{gamma_lambda}}", "1 0.5 0.5");
	expect_fill(&n, "{{step.norm j=3}}", "0.5");
	expect_fill(&n, "{{d}} {{n}} {{T}} {{t}} {{paths}} {{seed}} {{act}} {{init}} {{date}}",
	            "4 2 11 11 11 3 linear identity 2001-02-03");
	net_free(&n);
	net_make(&n, "sigmoid", "gaussian", "2", "5");
	expect_fill(&n, "{{gamma}} {{inv_gamma}} {{gamma_lambda:.6}}", "0.25 4 0.5");
	net_free(&n);
}

Test(tpl_values, formats_and_log_domain)
{
	net n;
	net_make(&n, "tanh", "gaussian", "1", "10");
	expect_fill(&n, "{{0.5^10}}", "9.77×10⁻⁴");
	expect_fill(&n, "{{0.5^10:.2}}", "9.8×10⁻⁴");
	expect_fill(&n, "{{0.5^10:full}}", "9.765625×10⁻⁴");
	expect_fill(&n, "{{2^10}} {{2^10:sci}} {{2^10:.4sci}} {{2.6:int}}", "1024 1.02×10³ 1.024×10³ 3");
	expect_fill(&n, "{{1/3:.5}} {{-2/3}}", "0.33333 \u22120.667");
	/* 0.25^1000 = 10^(1000 log10 0.25) = 10^-602.0599913…: 8.709…×10^-603 */
	expect_fill(&n, "{{0.25^1000}}", "8.71×10⁻⁶⁰³");
	expect_fill_ascii(&n, "{{0.25^1000}}", "8.71e-603");
	/* 3^1000 = 10^477.1212547…: 1.3220…×10^477 */
	expect_fill_ascii(&n, "{{3^1000}}", "1.32e+477");
	expect_fill_ascii(&n, "{{3^1000 * 0.25^1000:.4}}", "1.151e-125");   /* 0.75^1000 */
	expect_fill(&n, "{{#if 0.25^1000 > 0}}tiny but positive{{/if}}", "tiny but positive");
	expect_fill(&n, "{{min(3, 2)}} {{max(3, 2)}} {{abs(-4)}} {{sqrt(16)}} {{log10(1000)}} {{floor(2.7)}}",
	            "2 3 4 4 3 2");
	expect_fill(&n, "{{exp(ln(5)):.6}}", "5");
	net_free(&n);
}

Test(tpl_values, math_spans)
{
	net n;
	net_make(&n, "linear", "identity", "0.5", "11");
	vxr_filled f;
	char *out;
	vx_error err = { 0 };
	cr_assert_eq(fill(&n, "a $x = {{0.5^10}}$ b $$y^{{t}}$$ `$not math$` \\$5", VXF_UNICODE, &out, &f, &err), VX_OK,
	             "%s", err.msg);
	cr_expect_str_eq(out, "a VXQ00000Q b VXQ00001Q `$not math$` \\$5");
	cr_assert_eq(f.nobjs, 2);
	cr_expect_eq(f.objs[0].kind, VXR_OBJ_MATH);
	cr_expect_str_eq(f.objs[0].tex, "x = {9.77\\times10^{-4}}", "numbers inside math are TeX");
	cr_expect_eq(f.objs[1].kind, VXR_OBJ_DMATH);
	cr_expect_str_eq(f.objs[1].tex, "y^{11}");
	cr_expect_eq(f.objs[1].line, 1);
	cr_expect_eq(f.objs[1].col, 22, "the display math opens at column 22, got %d", f.objs[1].col);
	vxr_filled_clear(&f);
	free(out);
	/* a fenced block keeps its dollars */
	expect_fill(&n, "```\n$x$\n```\n", "```\n$x$\n```\n");
	net_free(&n);
}

Test(tpl_values, conditionals)
{
	net n;
	net_make(&n, "sigmoid", "gaussian", "2", "5");
	expect_fill(&n, "{{#if gamma_lambda < 1}}vanish{{else}}explode{{/if}}", "vanish");
	expect_fill(&n, "{{#if act == \"tanh\"}}T{{else if act == \"sigmoid\"}}S{{else}}O{{/if}}", "S");
	expect_fill(&n, "{{#if not (t > 3 and d == 4)}}no{{else}}yes{{/if}}", "yes");
	expect_fill(&n, "{{#if t < 3 or d == 4}}or{{/if}}", "or");
	/* a control tag alone on its line takes the line with it */
	expect_fill(&n, "a\n{{#if 1}}\nb\n{{else}}\nc\n{{/if}}\nd\n", "a\nb\nd\n");
	expect_fill(&n, "{{#if 0}}x{{/if}}after", "after");
	expect_fill(&n, "x {{! a comment }}y \\{{z}}", "x y {{z}}");
	/* nested */
	expect_fill(&n, "{{#if 1}}[{{#if 0}}a{{else}}b{{/if}}]{{/if}}", "[b]");
	net_free(&n);
}

Test(tpl_front_matter, command_line_wins)
{
	const char *src = "---\nact: sigmoid\nnorm: 3\nsteps: 7\nj: 2\ntitle: Mine\n---\nbody\n";
	vxr_tpl *t = NULL;
	vx_error err;
	cr_assert_eq(vxr_tpl_parse("fm.md", src, strlen(src), &t, &err), VX_OK, "%s", err.msg);
	cr_expect_str_eq(vxr_tpl_title(t), "Mine");
	vx_params p;
	vx_params_default(&p);
	cr_assert_eq(vx_params_set(&p, "norm", "0.5", &err), VX_OK);   /* as if --norm 0.5 */
	size_t j = 0, k = 0;
	cr_assert_eq(vxr_tpl_apply_defaults(t, &p, &j, &k, NULL, &err), VX_OK, "%s", err.msg);
	cr_expect_eq(p.act, VX_SIGMOID, "the template's default applies");
	cr_expect_eq(p.steps, 7);
	cr_expect_float_eq(p.norm, 0.5, 1e-15, "the command line's --norm wins");
	cr_expect_eq(j, 2);
	cr_expect_eq(k, 0, "k not given");
	vxr_tpl_free(t);
}

/* The front matter's options meet the same refusals as the command line's:
 * among its own entries an error at the later one; beside a file given on
 * the command line, which replaces the template's network, they are left
 * out. */
static vx_status apply_fm(const char *src, vx_params *p, vx_error *err)
{
	vxr_tpl *t = NULL;
	vx_status st = vxr_tpl_parse("fm.md", src, strlen(src), &t, err);
	cr_assert_eq(st, VX_OK, "%s", err->msg);
	size_t j = 0, k = 0;
	st = vxr_tpl_apply_defaults(t, p, &j, &k, NULL, err);
	vxr_tpl_free(t);
	return st;
}

Test(tpl_front_matter, options_a_file_overrides)
{
	vx_params p;
	vx_error err = { 0 };
	vx_params_default(&p);
	cr_expect_eq(apply_fm("---\nmodel: run.json\nseed: 3\n---\nbody\n", &p, &err), VX_EFORMAT);
	cr_expect_str_eq(err.msg, "fm.md:3:7: front matter: --seed and --model cannot be combined: the model file "
	                 "holds W, U, x and y, so nothing is drawn");
	vx_params_default(&p);
	cr_expect_eq(apply_fm("---\nweights: w.npy\ninit: identity\n---\nbody\n", &p, &err), VX_EFORMAT);
	cr_expect_str_eq(err.msg, "fm.md:3:7: front matter: --init and --weights cannot be combined: W comes "
	                 "from the file");

	/* --model on the command line: the template's network is left out, its
	 * activation (which acts on the file's model) still applies */
	vx_params_default(&p);
	cr_assert_eq(vx_params_set(&p, "model", "run.json", &err), VX_OK);
	cr_expect_eq(apply_fm("---\nseed: 3\nhidden: 16\ninputs: 2\ninit: identity\ninput-scale: 0\n"
	                      "weights: w.npy\nact: relu\n---\nbody\n", &p, &err), VX_OK, "%s", err.msg);
	cr_expect_eq(p.set, VX_SET_MODEL | VX_SET_ACT, "set bits %#x", p.set);
	cr_expect_eq(p.act, VX_RELU);
	cr_expect_eq(p.seed, 1, "the default seed");
	cr_expect_str_eq(p.weights, "");
	cr_expect_eq(vx_params_check(&p, &err), VX_OK, "%s", err.msg);

	/* --weights on the command line: the front matter's init and hidden size go, its seed stays */
	vx_params_default(&p);
	cr_assert_eq(vx_params_set(&p, "weights", "w.npy", &err), VX_OK);
	cr_expect_eq(apply_fm("---\nhidden: 16\ninit: identity\nseed: 3\nmodel: m.json\n---\nbody\n", &p, &err),
	             VX_OK, "%s", err.msg);
	cr_expect_eq(p.set, VX_SET_WEIGHTS | VX_SET_SEED, "set bits %#x", p.set);
	cr_expect_eq(p.seed, 3);
	cr_expect_eq(p.hidden, 8, "the default hidden size");
	cr_expect_eq(vx_params_check(&p, &err), VX_OK, "%s", err.msg);
}

Test(tpl_values, every_builtin_step_fills_for_each_activation)
{
	static const char *acts[] = { "sigmoid", "tanh", "relu", "linear" };
	for (int a = 0; a < 4; a++) {
		net n;
		net_make(&n, acts[a], "gaussian", a == 0 ? "4" : "1.5", "30");
		for (size_t i = 0; i < vxr_step_count(); i++) {
			vxr_filled f;
			memset(&f, 0, sizeof f);
			vx_error err = { 0 };
			vx_status s = vxr_fill_step(n.env, i, VXF_UNICODE, &f, &err);
			cr_expect_eq(s, VX_OK, "step %zu (%s) with %s: %s", i + 1, vxr_step_name(i), acts[a], err.msg);
			cr_expect(f.len > 200, "step %zu has text", i + 1);
			cr_expect(strstr(f.md, "{{") == NULL, "no tag left in step %zu", i + 1);
			vxr_filled_clear(&f);
		}
		net_free(&n);
	}
}

/* Hostile nesting is refused with a message, never a stack overflow. */
Test(tpl_errors, nesting_limits)
{
	net n;
	net_make(&n, "tanh", "gaussian", "1", "10");
	size_t N = 100000;
	char *s = malloc(N * 12 + 64);
	cr_assert_not_null(s);
	static const struct { const char *open, *mid, *close, *msg; } cases[] = {
		{ "{{#if 1}}", "x", "{{/if}}", "{{#if}} nested deeper than 64" },
		{ "(", "1", ")", "expression nested deeper than 64" },
		{ "-", "1", "", "expression nested deeper than 64" },
		{ "2^", "1", "", "expression nested deeper than 64" },
		{ "1+", "1", "", "expression longer than 256 terms" },
		{ "1 and ", "1", "", "expression longer than 256 terms" },
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		int tag = cases[c].open[0] != '{';
		char *p = s;
		if (tag)
			p += sprintf(p, "{{");
		for (size_t i = 0; i < N / 10; i++)
			p += sprintf(p, "%s", cases[c].open);
		p += sprintf(p, "%s", cases[c].mid);
		for (size_t i = 0; i < N / 10 && cases[c].close[0]; i++)
			p += sprintf(p, "%s", cases[c].close);
		if (tag)
			p += sprintf(p, "}}");
		char *out = NULL;
		vx_error err = { 0 };
		vx_status st = fill(&n, s, VXF_UNICODE, &out, NULL, &err);
		cr_expect_eq(st, VX_EFORMAT, "case %zu is refused", c);
		cr_expect(strstr(err.msg, cases[c].msg) != NULL, "case %zu: '%s'", c, err.msg);
		free(out);
	}
	free(s);
	net_free(&n);
}

/* Step 10 ("Vanishing or exploding") filled for net n. */
static char *step10(net *n)
{
	for (size_t i = 0; i < vxr_step_count(); i++) {
		if (strcmp(vxr_step_name(i), "10-vanish-explode.md") != 0)
			continue;
		vxr_filled f;
		memset(&f, 0, sizeof f);
		vx_error err = { 0 };
		cr_assert_eq(vxr_fill_step(n->env, i, VXF_UNICODE, &f, &err), VX_OK, "%s", err.msg);
		/* the prose, then the TeX of each formula on a line of its own */
		size_t len = strlen(f.md) + 1;
		for (size_t k = 0; k < f.nobjs; k++)
			len += (f.objs[k].tex ? strlen(f.objs[k].tex) : 0) + 1;
		char *s = malloc(len);
		strcpy(s, f.md);
		for (size_t k = 0; k < f.nobjs; k++)
			if (f.objs[k].tex) {
				strcat(s, "\n");
				strcat(s, f.objs[k].tex);
			}
		vxr_filled_clear(&f);
		return s;
	}
	cr_assert_fail("no step 10-vanish-explode");
	return NULL;
}

/* One policy for "γλ = 1" (engine/regime.h): `regime`, `gamma_lambda` and
 * `lyap_bound` agree with check and the tutor; γλ = 1 + 1e-10 or 1 + 5e-4
 * is above the edge (the text used to call anything within 1e-3 the edge),
 * and γλ an ulp off 1 is the edge with ln(γλ) exactly 0. */
Test(tpl_values, regime_is_the_one_policy)
{
	net n;
	static const struct { const char *norm, *regime, *want; } cases[] = {
		{ "1.0005", "above", "\\gamma\\lambda = {1.0005} > 1" },
		{ "1.0000000001", "above", "\\gamma\\lambda = {1.0000000001} > 1" },
		{ "0.9995", "below", "\\gamma\\lambda = {0.9995} < 1" },
		{ "0.5", "below", "\\gamma\\lambda = {0.5} < 1" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		net_make(&n, "linear", "identity", cases[i].norm, "10");
		char *s = step10(&n);
		cr_expect(strstr(s, cases[i].want) != NULL, "norm %s: step 10 should hold '%s':\n%s", cases[i].norm,
		          cases[i].want, s);
		cr_expect(strstr(s, cases[i].regime[0] == 'a' ? "so explosion is allowed, not promised"
		                                             : "so this network's gradients must vanish") != NULL,
		          "norm %s: the words of its side:\n%s", cases[i].norm, s);
		cr_expect(strstr(s, "on the edge") == NULL, "norm %s: not the edge", cases[i].norm);
		free(s);
		expect_fill(&n, "{{regime}}", cases[i].regime);
		net_free(&n);
	}

	net_make(&n, "linear", "identity", "1.0000000000000002", "10");
	char *s = step10(&n);
	cr_expect(strstr(s, "on the edge: the bound neither shrinks nor grows") != NULL, "edge:\n%s", s);
	free(s);
	expect_fill(&n, "{{#if gamma_lambda > 1}}above{{else if gamma_lambda == 1}}one{{/if}}", "one");
	expect_fill(&n, "{{regime}} {{gamma_lambda:full}} {{lyap_bound:full}}", "edge 1 0");
	net_free(&n);
}

/* A citation is an object of its own, inline, carrying its works in the
 * order given; the keys the messages list are the list's, in its order. */
Test(tpl_values, citations)
{
	net n;
	net_make(&n, "tanh", "gaussian", "1", "10");
	char *out = NULL;
	vxr_filled f;
	vx_error err = { 0 };
	cr_assert_eq(fill(&n, "as shown {{cite le2015 bengio1994}}.", VXF_UNICODE, &out, &f, &err), VX_OK, "%s",
	             err.msg);
	cr_assert_eq(f.nobjs, 1);
	cr_expect_eq(f.objs[0].kind, VXR_OBJ_CITE);
	cr_expect_eq(f.objs[0].ncite, 2);
	cr_expect_str_eq(vxr_ref_at((size_t)f.objs[0].cite[0])->key, "le2015");
	cr_expect_str_eq(vxr_ref_at((size_t)f.objs[0].cite[1])->key, "bengio1994");
	cr_expect_str_eq(out, "as shown VXQ00000Q.");
	free(out);
	vxr_filled_clear(&f);
	vxr_buf keys = { 0 };
	for (size_t i = 0; i < vxr_ref_count(); i++)
		vxr_buf_printf(&keys, "%s%s", i ? ", " : "", vxr_ref_at(i)->key);
	cr_expect_str_eq(keys.s, vxr_ref_keys());
	free(keys.s);
	cr_expect_eq(vxr_ref_find("le2015", 6), 7);
	cr_expect_eq(vxr_ref_find("le201", 5), -1);
	cr_expect_null(vxr_ref_at(vxr_ref_count()));
	net_free(&n);
}

/* The names of the three regimes (below.*, edge.*, above.*): γλ of each,
 * this network's own where it stands, and, for a linear network with
 * W = λI (d = 4, T = 10), closed forms: ∂s_t/∂s_1 = (λ'I)^9, so norm1 and
 * bound1 are both (γλ')^9, and the rate is log10 γλ': 1.25 grows 25% a
 * step, which the verdict calls exploding (10% or more).
 * A W of zeros has no scale: the rescaled networks read NaN and "none"
 * and the text goes on. */
Test(tpl_values, three_regimes_in_closed_form)
{
	net n;
	net_make(&n, "linear", "identity", "0.5", "10");
	expect_fill(&n, "{{below.gamma_lambda}} {{edge.gamma_lambda}} {{above.gamma_lambda}}", "0.5 1 1.25");
	expect_fill(&n, "{{below.norm1:.6}} {{below.bound1:.6}} {{below.verdict}}", "0.00195312 0.00195312 vanishing");
	expect_fill(&n, "{{edge.norm1:.6}} {{edge.bound1:.6}} {{edge.verdict}}", "1 1 neither");
	expect_fill(&n, "{{above.norm1:.6}} {{above.bound1:.6}} {{above.verdict}}", "7.45058 7.45058 exploding");
	net_free(&n);
	/* at 2 the network stands above the edge itself */
	net_make(&n, "linear", "identity", "2", "10");
	expect_fill(&n, "{{below.gamma_lambda}} {{edge.gamma_lambda}} {{above.gamma_lambda}}", "0.8 1 2");
	expect_fill(&n, "{{below.norm1:.6}} {{below.verdict}} {{above.norm1:int}} {{above.verdict}}",
	            "0.134218 vanishing 512 exploding");
	net_free(&n);
	net_make(&n, "linear", "identity", "0", "10");
	expect_fill(&n, "{{below.verdict}} {{edge.verdict}} {{above.verdict}} {{above.bound1:.6}}",
	            "vanishing none none 7.45058");
	expect_fill(&n, "{{#if edge.norm1 >= 0}}a number{{else}}NaN{{/if}}", "NaN");
	net_free(&n);
}

/* ---- the eigenvalues of W and the norms of its powers ------------------ */

/* ‖[[ρⁿ, nρ^{n−1}], [0, ρⁿ]]‖₂, the n-th power of the Jordan block ρI + N */
static double jordan2_norm(double rho, int n)
{
	if (n == 0)
		return 1;
	double a = pow(rho, n), b = n * pow(rho, n - 1);
	return (b + sqrt(b * b + 4 * a * a)) / 2;
}

/* A linear network whose W is the Jordan block 0.9 I + N beside the
 * rotation 0.5 R(0.7): ρ(W) = 0.9, and every power's norm is the Jordan
 * block's (0.5ⁿ is smaller), which peaks at n = 9 (3.87) before it
 * decays. */
static void jordan_net(net *n, const char *steps)
{
	net_make(n, "linear", "gaussian", "1", steps);
	vx_error err;
	gsl_matrix_set_zero(n->m->W);
	gsl_matrix_set(n->m->W, 0, 0, 0.9);
	gsl_matrix_set(n->m->W, 0, 1, 1);
	gsl_matrix_set(n->m->W, 1, 1, 0.9);
	gsl_matrix_set(n->m->W, 2, 2, 0.5 * cos(0.7));
	gsl_matrix_set(n->m->W, 2, 3, -0.5 * sin(0.7));
	gsl_matrix_set(n->m->W, 3, 2, 0.5 * sin(0.7));
	gsl_matrix_set(n->m->W, 3, 3, 0.5 * cos(0.7));
	vxr_env_free(n->env);
	vx_result_free(n->r);
	cr_assert_eq(vx_analyse(n->m, n->m->T, NULL, &n->r, &err), VX_OK, "%s", err.msg);
	n->ctx = (vxr_ctx){ &n->p, n->m, n->r, n->r->t, 1, "2001-02-03", NULL, 0, 0, VX_CELL_RNN, 0, NULL };
	n->env = vxr_env_alloc(&n->ctx);
}

static double fill_number(net *n, const char *src)
{
	char *out;
	vx_error err = { 0 };
	cr_assert_eq(fill(n, src, VXF_ASCII, &out, NULL, &err), VX_OK, "%s: %s", src, err.msg);
	double v = strtod(out, NULL);
	free(out);
	return v;
}

Test(tpl_values, eigen_and_powers_against_closed_forms)
{
	net n;
	jordan_net(&n, "30");
	int peak = 0;
	for (int k = 1; k <= 29; k++)
		if (jordan2_norm(0.9, k) > jordan2_norm(0.9, peak))
			peak = k;
	cr_assert_eq(peak, 9, "the closed form peaks at n = %d", peak);
	double rho = fill_number(&n, "{{eigen.rho:full}}");
	cr_expect_leq(fabs(rho - 0.9), 1e-15, "eigen.rho = %.17g", rho);
	expect_fill(&n, "{{powers.n}} {{powers.argmax}} {{powers.slow}}", "29 9 0");
	double mx = fill_number(&n, "{{powers.max:full}}"), last = fill_number(&n, "{{powers.last:full}}");
	cr_expect_leq(fabs(mx / jordan2_norm(0.9, 9) - 1), 1e-13, "powers.max = %.17g", mx);
	cr_expect_leq(fabs(last / jordan2_norm(0.9, 29) - 1), 1e-13, "powers.last = %.17g against %.17g", last,
	              jordan2_norm(0.9, 29));
	/* the plots: the marks are the eigenvalues, the circles have radii ρ,
	 * ‖W‖₂ and 1, drawn to scale; the powers are the closed form's */
	vxr_obj o = { .kind = VXR_OBJ_BLOCK, .file = "t.md", .blk = VXR_BLK_PLOT_EIGEN };
	vxr_plotdata *pd = NULL;
	vx_error err = { 0 };
	cr_assert_eq(vxr_plot_build(n.env, &o, 1, &pd, &err), VX_OK, "%s", err.msg);
	cr_expect(pd->plot.equal_aspect && !pd->plot.log_y, "to scale, linear");
	cr_assert_eq(pd->plot.nmarks, 4);
	double want_re[4] = { 0.9, 0.9, 0.5 * cos(0.7), 0.5 * cos(0.7) }, want_im[4] = { 0, 0, 0.5 * sin(0.7),
	                                                                                -0.5 * sin(0.7) };
	for (int i = 0; i < 4; i++)
		cr_expect(fabs(pd->plot.mark_x[i] - want_re[i]) < 1e-15 && fabs(pd->plot.mark_y[i] - want_im[i]) < 1e-15,
		          "eigenvalue %d: %.17g%+.17gi", i, pd->plot.mark_x[i], pd->plot.mark_y[i]);
	double radius[3] = { 0.9, n.r->lambda, 1 };
	cr_expect_leq(fabs(n.r->lambda - jordan2_norm(0.9, 1)), 1e-14, "lambda = ||J|| = %.17g", n.r->lambda);
	for (int s = 0; s < 3; s++)
		for (size_t i = 0; i < pd->plot.series[s].n; i++)
			cr_expect_leq(fabs(hypot(pd->plot.series[s].x[i], pd->plot.series[s].y[i]) - radius[s]), 1e-14,
			              "circle %d, point %zu", s, i);
	cr_expect_eq(pd->fallback->nrows, 4, "the table lists the 4 eigenvalues");
	vxr_plotdata_free(pd);
	o.blk = VXR_BLK_PLOT_POWERS;
	cr_assert_eq(vxr_plot_build(n.env, &o, 0, &pd, &err), VX_OK, "%s", err.msg);
	cr_expect(pd->plot.log_y, "log scale");
	cr_assert_eq(pd->plot.series[0].n, 30);
	for (int k = 0; k <= 29; k++) {
		cr_expect_leq(fabs(pd->plot.series[0].y[k] - log10(jordan2_norm(0.9, k))), 1e-13, "log10 ||W^%d||", k);
		cr_expect_leq(fabs(pd->plot.series[1].y[k] - k * log10(0.9)), 1e-13, "log10 rho^%d", k);
		cr_expect_leq(fabs(pd->plot.series[2].y[k] - k * log10(n.r->lambda)), 1e-13, "log10 lambda^%d", k);
	}
	vxr_plotdata_free(pd);
	net_free(&n);

	/* a long sequence: the powers stop at 200 */
	net_make(&n, "tanh", "gaussian", "1", "300");
	expect_fill(&n, "{{powers.n}}", "200");
	net_free(&n);
}

/* The names of the summed loss and of a path term's two factors, against
 * sums written here from the forward pass (a, s, y): L = Σ_t ½‖s_t − y‖²;
 * the near part of ∂L/∂W, Σ_t (σ'(a_t) ⊙ (s_t − y)) s_{t−1}ᵀ (tanh: σ' =
 * 1/cosh²); path t's factors σ'(a_t) ⊙ (s_t − y) and s_{t−1}; far from
 * ∂L/∂W minus near, entry by entry. */
Test(tpl_values, summed_loss_and_path_factors)
{
	net n;
	net_make(&n, "tanh", "gaussian", "1.3", "12");
	const vx_model *m = n.m;
	const vx_result *r = n.r;
	size_t d = m->d, T = m->T, t = r->t;
	double L = 0, near[16] = { 0 }, dn = 0, sn = 0, nn = 0, fn = 0, gn = 0;
	for (size_t j = 1; j <= T; j++) {
		double e[4], dl[4];
		for (size_t i = 0; i < d; i++) {
			e[i] = gsl_matrix_get(r->s, j - 1, i) - gsl_vector_get(m->y, i);
			double c = 1 / cosh(gsl_matrix_get(r->a, j - 1, i));
			dl[i] = c * c * e[i];
			L += 0.5 * e[i] * e[i];
			if (j == t) {
				dn += dl[i] * dl[i];
				sn += j > 1 ? pow(gsl_matrix_get(r->s, j - 2, i), 2) : pow(gsl_vector_get(m->s0, i), 2);
			}
		}
		for (size_t i = 0; i < d; i++)
			for (size_t q = 0; q < d; q++)
				near[i * d + q] += dl[i] * (j > 1 ? gsl_matrix_get(r->s, j - 2, q) : gsl_vector_get(m->s0, q));
	}
	for (size_t i = 0; i < d * d; i++) {
		double g = r->grad_sum_W->data[i];
		nn += near[i] * near[i];
		fn += (g - near[i]) * (g - near[i]);
		gn += g * g;
	}
	struct {
		const char *src;
		double want, tol;
	} c[] = {
		{ "{{loss_sum:full}}", L, 1e-13 },
		{ "{{grad_sum_norm:full}}", sqrt(gn), 1e-13 },
		{ "{{grad_sum_near:full}}", sqrt(nn), 1e-11 },
		{ "{{grad_sum_far:full}}", sqrt(fn), 1e-9 },
		{ "{{path.delta_norm k=t:full}}", sqrt(dn), 1e-13 },
		{ "{{path.sprev_norm k=t:full}}", sqrt(sn), 1e-14 },
		{ "{{path.delta_norm k=3 * path.sprev_norm k=3 / path.contribution k=3:full}}", 1, 1e-15 },
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		double v = fill_number(&n, c[i].src);
		cr_expect(fabs(v - c[i].want) <= c[i].tol * fabs(c[i].want), "%s = %.17g, want %.17g", c[i].src, v,
		          c[i].want);
	}
	net_free(&n);
}
