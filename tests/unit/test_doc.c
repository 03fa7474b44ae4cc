/*
 * test_doc.c — the handout pipeline and the terminal layout.
 *
 * Golden files (tests/golden/report/) pin each renderer's output for one
 * template that uses every feature; VANEX_UPDATE_GOLDEN=1 (make
 * update-golden) rewrites them for review (golden.h).  The rest checks properties that
 * hold for any network: an HTML file that references nothing outside
 * itself and carries MathML, terminal lines that never exceed the width
 * (and are pure ASCII when asked), the step list matching the files in
 * templates/ (and the README's list of them and its picture of the tutor),
 * and no file left behind when rendering fails.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/act.h"
#include "engine/analysis.h"
#include "report/text/math.h"
#include "report/text/utf8.h"
#include "engine/model.h"
#include "report/doc/cite.h"
#include "report/doc/doc.h"
#include "report/doc/env.h"
#include "report/doc/render.h"
#include "report/doc/layout.h"
#include "report/handout.h"
#include "golden.h"
#include "test_engine_util.h"

#define GOLDEN_DIR "tests/golden/report"

typedef struct {
	vx_params p;
	vx_model *m;
	vx_result *r;
	vxr_ctx ctx;
} net;

/* The network of the feature template's front matter. */
static void net_make(net *n, const char *act, const char *norm)
{
	vx_error err;
	gsl_set_error_handler_off();
	vx_params_default(&n->p);
	cr_assert_eq(vx_params_set(&n->p, "act", act, &err), VX_OK);
	cr_assert_eq(vx_params_set(&n->p, "hidden", "4", &err), VX_OK);
	cr_assert_eq(vx_params_set(&n->p, "inputs", "2", &err), VX_OK);
	cr_assert_eq(vx_params_set(&n->p, "steps", "12", &err), VX_OK);
	cr_assert_eq(vx_params_set(&n->p, "norm", norm, &err), VX_OK);
	cr_assert_eq(vx_params_set(&n->p, "seed", "3", &err), VX_OK);
	cr_assert_eq(vx_model_build(&n->p, &n->m, &err), VX_OK, "%s", err.msg);
	cr_assert_eq(vx_analyse(n->m, vx_params_loss_step(&n->p), NULL, &n->r, &err), VX_OK, "%s", err.msg);
	n->ctx = (vxr_ctx){ &n->p, n->m, n->r, n->r->t, 1, "2001-02-03", NULL, 0, 0, VX_CELL_RNN, 0, NULL };
}

static void net_free(net *n)
{
	vx_result_free(n->r);
	vx_model_free(n->m);
}

/*
 * The finite-difference errors quoted by the templates ("a relative error
 * of 5.4×10⁻¹³") are rounding noise: their digits change with the compiler,
 * its flags and the BLAS kernels of the machine.  They are test_engine's
 * business (bounded there); here each becomes "<fd>" so that a golden pins
 * the text and layout around them, not the noise (they all end their line
 * or paragraph, so their width moves no other word).  Returns a new string.
 */
static char *mask_fd_errors(const char *text)
{
	static const char key[] = "relative error of";
	size_t n = strlen(text);
	char *out = malloc(n + 1), *o = out;
	cr_assert_not_null(out);
	const char *p = text;
	for (const char *k; (k = strstr(p, key)) != NULL;) {
		k += sizeof key - 1;
		memcpy(o, p, (size_t)(k - p));
		o += k - p;
		/* a number of another width may end up on the next line:
		 * the break before it is not pinned either */
		while (*k == ' ' || *k == '\n')
			k++;
		*o++ = ' ';
		const char *e = k;
		while (*e && *e != ' ' && *e != '\n')
			e++;
		if (e > k && e[-1] == '.')
			e--;   /* the full stop ends the sentence, not the number */
		if (e > k) {
			memcpy(o, "<fd>", 4);
			o += 4;
		}
		p = e;
	}
	strcpy(o, p);
	return out;
}

/* Compares text, its finite-difference errors masked, with the golden
 * file `name` (golden.h). */
static void golden(const char *name, const char *raw)
{
	char *text = mask_fd_errors(raw);
	char path[512];
	snprintf(path, sizeof path, GOLDEN_DIR "/%s", name);
	golden_check(path, text);
	free(text);
}

static char *render(const vxr_ctx *c, vxr_format f, const char *tpl, const char *out, size_t *nside)
{
	char *text = NULL;
	vxr_side *side = NULL;
	size_t ns = 0;
	vx_error err = { 0 };
	vx_status st = vxr_report_render(c, f, tpl, out, &text, &side, &ns, &err);
	cr_assert_eq(st, VX_OK, "rendering failed: %s", err.msg);
	for (size_t i = 0; i < ns; i++) {
		free(side[i].name);
		free(side[i].text);
	}
	free(side);
	if (nside)
		*nside = ns;
	return text;
}

/* ---- goldens ------------------------------------------------------------ */

/* SVG drawings are test_plot's business: each becomes <svg/> in html.
 * Returns how many there were. */
static int svg_stubs(char *html)
{
	int svgs = 0;
	for (char *p = html; (p = strstr(p, "<svg")) != NULL; p += 6) {
		char *e = strstr(p, "</svg>");
		cr_assert_not_null(e, "an unclosed <svg>");
		memmove(p + 6, e + 6, strlen(e + 6) + 1);
		memcpy(p, "<svg/>", 6);
		svgs++;
	}
	return svgs;
}

Test(doc_golden, features_in_every_format)
{
	net n;
	net_make(&n, "tanh", "1.2");
	const char *tpl = GOLDEN_DIR "/features.tpl.md";
	char *html = render(&n.ctx, VXR_HTML, tpl, "-", NULL);
	cr_expect_eq(svg_stubs(html), 4, "four inline plots");
	golden("features.html", html);
	/* the slides: the same blocks, cut at the headings and the --- */
	char *slides = render(&n.ctx, VXR_SLIDES, tpl, "-", NULL);
	cr_expect_eq(svg_stubs(slides), 4, "four inline plots in the slides");
	golden("features.slides.html", slides);
	free(slides);
	char *tex = render(&n.ctx, VXR_LATEX, tpl, "-", NULL);
	golden("features.tex", tex);
	char *md = render(&n.ctx, VXR_MD, tpl, "-", NULL);
	golden("features.md", md);
	size_t ns = 0;
	char *md2 = render(&n.ctx, VXR_MD, tpl, "/nonexistent-dir/out.md", &ns);
	cr_expect_eq(ns, 4, "four plots become four SVG files beside the Markdown, got %zu", ns);
	cr_expect(strstr(md2, "](out-1.svg)") && strstr(md2, "](out-4.svg)"), "the Markdown links its SVG files");
	free(html);
	free(tex);
	free(md);
	free(md2);
	net_free(&n);
}

/* A plot's alt text in Markdown says what the plot shows: every stretch of
 * words its caption has outside $…$ is in it (the math comes as Unicode),
 * and not the label of one of its series (step 10's network comparison
 * was "γλ = 0.8", the first curve, under a network with γλ = 1). */
Test(doc_golden, markdown_alt_text_is_the_caption)
{
	net n;
	net_make(&n, "sigmoid", "4");
	size_t ns = 0;
	char *md = render(&n.ctx, VXR_MD, NULL, "/nonexistent-dir/out.md", &ns);
	cr_assert_geq(ns, 2, "the handout draws plots, got %zu", ns);
	size_t seen = 0;
	for (char *p = md; (p = strstr(p, "![")) != NULL; p += 2) {
		char *e = strstr(p, "](out-");
		cr_assert_not_null(e, "an image that is no side file: %.60s", p);
		/* the alt text without Markdown's backslash escapes */
		char alt[1024];
		size_t an = 0;
		for (char *q = p + 2; q < e && an + 1 < sizeof alt; q++) {
			if (*q == '\\' && q + 1 < e)
				q++;
			alt[an++] = *q;
		}
		alt[an] = 0;
		cr_expect_null(strchr(alt, '$'), "alt text with TeX in it: %s", alt);
		char *cap = strstr(e, ")\n\n*");
		cr_assert_not_null(cap, "no caption under the plot: %.60s", e);
		cap += 4;
		char *ce = strchr(cap, '\n');
		cr_assert_not_null(ce);
		ce--; /* the closing '*' */
		int words = 0;
		for (char *q = cap; q < ce;) {
			char *d = memchr(q, '$', (size_t)(ce - q));
			char *end = d ? d : ce;
			/* the words between two formulas, without their edges */
			char *a = q, *z = end;
			while (a < z && strchr(" ,.;()", *a))
				a++;
			while (z > a && strchr(" ,.;()", z[-1]))
				z--;
			if (z - a >= 3) {
				char frag[512];
				snprintf(frag, sizeof frag, "%.*s", (int)(z - a), a);
				cr_expect_not_null(strstr(alt, frag), "alt text '%s' lacks the caption's '%s'", alt, frag);
				words++;
			}
			if (!d)
				break;
			char *m = memchr(d + 1, '$', (size_t)(ce - d - 1));
			cr_assert_not_null(m, "an unclosed $ in a caption");
			q = m + 1;
		}
		cr_expect_gt(words, 0, "a caption with no words: %.*s", (int)(ce - cap), cap);
		seen++;
	}
	cr_expect_eq(seen, ns, "%zu images for %zu side files", seen, ns);
	free(md);
	net_free(&n);
}

Test(doc_golden, steps_in_the_terminal)
{
	net n;
	net_make(&n, "tanh", "1.2");
	for (int utf8 = 1; utf8 >= 0; utf8--) {
		vxr_buf b = { 0 };
		for (size_t i = 0; i < vxr_step_count(); i++) {
			vxt_doc *d = NULL;
			vx_error err = { 0 };
			cr_assert_eq(vxt_render_step(&n.ctx, i, 78, utf8, &d, &err), VX_OK, "step %zu: %s", i + 1, err.msg);
			vxr_buf_printf(&b, "==== %zu/%zu %s\n", i + 1, vxr_step_count(), d->title);
			for (size_t l = 0; l < d->nlines; l++) {
				/* the plot's own drawing is test_plot's business: a row
				 * with a series in it stands as a marker here */
				int series = 0;
				for (size_t s = 0; s < d->lines[l].nspans; s++)
					series |= d->lines[l].spans[s].role >= VXT_SERIES1 && d->lines[l].spans[s].role <= VXT_SERIES3;
				if (series)
					vxr_buf_puts(&b, "[plot row]");
				else
					for (size_t s = 0; s < d->lines[l].nspans; s++)
						vxr_buf_puts(&b, d->lines[l].spans[s].text);
				vxr_buf_puts(&b, "\n");
			}
			vxt_doc_free(d);
		}
		char *all = vxr_buf_take(&b);
		golden(utf8 ? "steps_78_utf8.txt" : "steps_78_ascii.txt", all);
		free(all);
	}
	net_free(&n);
}

/* ---- properties ----------------------------------------------------------- */

Test(doc_html, self_contained_with_mathml)
{
	static const char *acts[] = { "sigmoid", "relu" };
	for (int a = 0; a < 2; a++) {
		net n;
		net_make(&n, acts[a], a == 0 ? "5" : "1.3");
		char *html = render(&n.ctx, VXR_HTML, NULL, "-", NULL);
		cr_expect(strncmp(html, "<!DOCTYPE html>", 15) == 0, "an HTML5 document");
		cr_expect(strstr(html, "<math") != NULL, "math is MathML");
		cr_expect(strstr(html, "<svg") != NULL, "plots are inline SVG");
		cr_expect(strstr(html, "<script") == NULL, "no script");
		cr_expect(strstr(html, "<link") == NULL, "no linked stylesheet");
		cr_expect(strstr(html, "src=") == NULL, "no fetched source");
		cr_expect(strstr(html, "@import") == NULL && strstr(html, "url(") == NULL, "no CSS fetch");
		cr_expect(strstr(html, "@page") != NULL && strstr(html, "@media print") != NULL, "a print stylesheet");
		for (const char *p = html; (p = strstr(p, "http")) != NULL; p++)
			cr_expect(strncmp(p, "http://www.w3.org/", 18) == 0, "only XML namespace URIs: '%.40s'", p);
		cr_expect(strstr(html, "VXQ") == NULL, "no token left");
		cr_expect(strstr(html, "0.1.0") || strstr(html, VX_VERSION), "the version is recorded");
		cr_expect(strstr(html, "2001-02-03") != NULL, "the date is recorded");
		/* the same inputs render the same bytes */
		char *again = render(&n.ctx, VXR_HTML, NULL, "-", NULL);
		cr_expect_str_eq(html, again, "reproducible");
		free(again);
		free(html);
		net_free(&n);
	}
}

Test(doc_term, never_wider_than_asked)
{
	static const int widths[] = { 20, 33, 40, 59, 78, 80, 132 };
	net n;
	net_make(&n, "sigmoid", "6");
	for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++)
		for (int utf8 = 0; utf8 <= 1; utf8++)
			for (size_t i = 0; i < vxr_step_count(); i++) {
				vxt_doc *d = NULL;
				vx_error err = { 0 };
				cr_assert_eq(vxt_render_step(&n.ctx, i, widths[w], utf8, &d, &err), VX_OK, "%s", err.msg);
				cr_expect(d->nlines > 3, "step %zu has lines", i + 1);
				for (size_t l = 0; l < d->nlines; l++) {
					int cols = 0;
					for (size_t s = 0; s < d->lines[l].nspans; s++) {
						const char *t = d->lines[l].spans[s].text;
						cols += vxr_u8_width(t);
						if (!utf8)
							for (const unsigned char *u = (const unsigned char *)t; *u; u++)
								cr_expect(*u < 0x80, "step %zu line %zu: byte 0x%02x under ASCII", i + 1, l, *u);
					}
					cr_expect(cols <= widths[w], "step %zu line %zu is %d columns wide at width %d", i + 1, l,
					          cols, widths[w]);
				}
				vxt_doc_free(d);
			}
	net_free(&n);
}

Test(doc_term, roles_and_title)
{
	net n;
	net_make(&n, "tanh", "1.2");
	vxt_doc *d = NULL;
	vx_error err;
	/* step 8 has math, numbers in prose and a table of numbers */
	cr_assert_eq(vxt_render_step(&n.ctx, 7, 78, 1, &d, &err), VX_OK, "%s", err.msg);
	cr_expect_str_eq(d->title, "One step is bounded by γλ");
	int math = 0, num = 0, strong = 0;
	for (size_t l = 0; l < d->nlines; l++)
		for (size_t s = 0; s < d->lines[l].nspans; s++) {
			math += d->lines[l].spans[s].role == VXT_MATH;
			num += d->lines[l].spans[s].role == VXT_NUMBER;
			strong += d->lines[l].spans[s].role == VXT_STRONG;
		}
	cr_expect(math > 0 && num > 0 && strong > 0, "math %d, numbers %d, table header %d", math, num, strong);
	vxt_doc_free(d);
	cr_expect_eq(vxr_u8_width("‖∂sₜ/∂sₖ‖₂"), 10);
	cr_expect_eq(vxr_u8_width("a\u0302b"), 2, "a combining mark takes no column");
	cr_expect_eq(vxr_u8_width("漢字"), 4, "wide characters take two");
	net_free(&n);
}

Test(doc_steps, list_matches_the_template_files)
{
	DIR *dir = opendir("templates");
	cr_assert_not_null(dir, "run from the repository root");
	size_t files = 0;
	struct dirent *e;
	while ((e = readdir(dir)) != NULL) {
		size_t l = strlen(e->d_name);
		if (l > 6 && e->d_name[0] >= '0' && e->d_name[0] <= '9' && e->d_name[1] >= '0' && e->d_name[1] <= '9' &&
		    e->d_name[2] == '-' && strcmp(e->d_name + l - 3, ".md") == 0)
			files++;
	}
	closedir(dir);
	cr_expect_eq(vxr_step_count(), files, "one step per templates/NN-*.md");
	cr_expect_str_eq(vxr_step_title(0), "The network and its loss");
	cr_expect_str_eq(vxr_step_name(0), "01-network.md");
	cr_expect_null(vxr_step_title(files), "no step past the end");
}

/* A step's title, made when the program is built (embed.sh), is its first
 * heading as cmark reads it when the step is laid out. */
Test(doc_steps, titles_are_the_headings_cmark_reads)
{
	net n;
	net_make(&n, "tanh", "1.2");
	for (size_t i = 0; i < vxr_step_count(); i++) {
		vxt_doc *d = NULL;
		vx_error err = { 0 };
		cr_assert_eq(vxt_render_step(&n.ctx, i, 78, 1, &d, &err), VX_OK, "step %zu: %s", i + 1, err.msg);
		cr_assert_not_null(vxr_step_title(i));
		cr_expect(d->title[0] != '\0', "step %zu has a heading", i + 1);
		cr_expect_str_eq(vxr_step_title(i), d->title, "step %zu (%s)", i + 1, vxr_step_name(i));
		vxt_doc_free(d);
	}
	net_free(&n);
}

/* A line of the handout never starts with the comma after a formula: HTML
 * glues inline math and the punctuation that follows into one no-wrap span. */
Test(doc_html, punctuation_stays_with_its_formula)
{
	net n;
	net_make(&n, "tanh", "1.2");
	char dir[] = "/tmp/vanex-test-glue.XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char tpl[600];
	snprintf(tpl, sizeof tpl, "%s/glue.md", dir);
	FILE *f = fopen(tpl, "w");
	cr_assert_not_null(f);
	fputs("# Glue\n\nTake $x$, then $y$. And $z$ alone, or ($w$).\n", f);
	fclose(f);
	char *html = render(&n.ctx, VXR_HTML, tpl, "-", NULL);
	cr_expect(strstr(html, "<span class=\"nobr\"><math><mi>x</mi></math>,</span> then ") != NULL,
	          "comma glued:\n%s", strstr(html, "Take"));
	cr_expect(strstr(html, "<mi>y</mi></math>.</span> And ") != NULL, "full stop glued");
	cr_expect(strstr(html, "<math><mi>z</mi></math> alone") != NULL, "nothing to glue, no span");
	cr_expect(strstr(html, "<mi>w</mi></math>).</span></p>") != NULL, "a run of punctuation glued");
	free(html);
	char *md = render(&n.ctx, VXR_MD, tpl, "-", NULL);
	cr_expect(strstr(md, "$x$, then $y$.") != NULL, "Markdown unchanged:\n%s", md);
	free(md);
	remove(tpl);
	rmdir(dir);
	net_free(&n);
}

/* A caption for the terminal's wrap (vxr_mixed_glued) is the caption as
 * the terminal shows it unwrapped (vxr_mixed, then spelled in ASCII for a
 * non-UTF-8 terminal) with each formula's spaces glued and nothing else
 * changed: the '*' that keeps "gamma" off a following "lambda" included. */
Test(doc_term, glued_captions_are_the_captions_with_formulas_glued)
{
	static const char *const caps[] = {
		"$\\sigma'(a)$ for tanh, its maximum $\\gamma = 1$, for its $d = 8$ units (dots).",
		"\u03b3$\\lambda$ and \u03b3$2$ beside \u03b3 $x$, $n = 0, \\ldots, 49$.",
		"plain text, no formula",
		"$a = b$",
	};
	for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++)
		for (int utf8 = 0; utf8 < 2; utf8++) {
			char *plain = NULL, *glued = NULL;
			cr_assert_eq(vxr_mixed(caps[i], VXR_T_TERM, utf8, &plain, NULL), VX_OK);
			cr_assert_eq(vxr_mixed_glued(caps[i], utf8, &glued, NULL), VX_OK);
			char *want = utf8 ? strdup(plain) : vxm_to_ascii(plain);
			int inside = 0, ok = strlen(glued) == strlen(want);
			for (size_t k = 0; ok && glued[k]; k++) {
				if (glued[k] == VXR_GLUE)
					inside = 1;
				ok = (glued[k] == VXR_GLUE ? ' ' : glued[k]) == want[k];
			}
			cr_expect(ok, "caption %zu, utf8 %d: glued '%s' against '%s'", i, utf8, glued, want);
			if (strstr(caps[i], "$d = 8$"))
				cr_expect(inside, "caption %zu: no space of a formula glued", i);
			free(plain);
			free(glued);
			free(want);
		}
}

Test(doc_errors, nothing_left_behind)
{
	net n;
	net_make(&n, "tanh", "1.2");
	char dir[] = "/tmp/vanex-test-doc.XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char tpl[600], out[600];
	snprintf(tpl, sizeof tpl, "%s/bad.md", dir);
	snprintf(out, sizeof out, "%s/out.html", dir);
	static const struct { const char *src, *msg; } cases[] = {
		{ "fine\n\n{{lambda:.x}}\n", "bad.md:3:10: bad format" },
		{ "# T\n\n$\\foo x$\n", "bad.md:3:2: math: " },
		{ "see {{plot norms}} here\n", "bad.md:1:5: a {{plot}} block must be a paragraph of its own" },
		{ "{{#if 1}}open\n", "bad.md:1:1: unclosed {{#if}}" },
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		FILE *f = fopen(tpl, "w");
		cr_assert_not_null(f);
		fputs(cases[c].src, f);
		fclose(f);
		vx_error err = { 0 };
		vx_status st = vxr_report_write(&n.ctx, VXR_HTML, tpl, out, &err);
		cr_expect_eq(st, VX_EFORMAT, "case %zu fails as a format error", c);
		cr_expect(strstr(err.msg, cases[c].msg) != NULL, "case %zu: '%s' lacks '%s'", c, err.msg, cases[c].msg);
		struct stat sb;
		cr_expect(stat(out, &sb) != 0, "case %zu: no output file", c);
		DIR *d = opendir(dir);
		size_t entries = 0;
		while (readdir(d) != NULL)
			entries++;
		closedir(d);
		cr_expect_eq(entries, 3, "case %zu: only ., .. and the template remain", c);
	}
	/* a good template writes the file, and only it */
	FILE *f = fopen(tpl, "w");
	fputs("# ok\n\n$\\gamma = {{gamma}}$\n", f);
	fclose(f);
	vx_error err = { 0 };
	cr_expect_eq(vxr_report_write(&n.ctx, VXR_HTML, tpl, out, &err), VX_OK, "%s", err.msg);
	char *html = golden_slurp(out);
	cr_expect(html && strstr(html, "<math>"), "written");
	cr_expect(html && strstr(html, "2001-02-03"), "a user's template gets the record too");
	free(html);
	unlink(out);
	unlink(tpl);
	rmdir(dir);
	net_free(&n);
}

/* A live block of this kind, every other field 0. */
static vxr_obj block_of(vxr_blk_kind kind)
{
	vxr_obj o;
	memset(&o, 0, sizeof o);
	o.kind = VXR_OBJ_BLOCK;
	o.blk = kind;
	return o;
}

/* {{plot steps}}: ‖J_j‖₂ of every step against the largest singular value
 * of diag(σ′(a_j)) W by GSL's SVD, and the level line γλ at 1 exactly on the
 * edge (vx_result_gl); a linear axis, x = j. */
Test(doc_blocks, steps_plot_holds_each_steps_norm)
{
	static const struct { const char *act, *norm; } cases[] = {
		{ "tanh", "1" }, { "sigmoid", "3" }, { "relu", "1.5" }, { "tanh", "0.1" },
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		net n;
		net_make(&n, cases[c].act, cases[c].norm);
		vxr_env *env = vxr_env_alloc(&n.ctx);
		vxr_obj o = block_of(VXR_BLK_PLOT_STEPS);
		vxr_plotdata *pd = NULL;
		vx_error err;
		cr_assert_eq(vxr_plot_build(env, &o, 1, &pd, &err), VX_OK, "%s", err.msg);
		const vxp_plot *p = &pd->plot;
		cr_assert_eq(p->nseries, 2);
		cr_expect_eq(p->log_y, 0, "linear");
		cr_assert_eq(p->series[0].n, n.r->T, "one point a step");
		gsl_matrix *A = gsl_matrix_alloc(4, 4), *V = gsl_matrix_alloc(4, 4);
		gsl_vector *S = gsl_vector_alloc(4), *work = gsl_vector_alloc(4);
		for (size_t j = 1; j <= n.r->T; j++) {
			for (size_t i = 0; i < 4; i++)
				for (size_t l = 0; l < 4; l++)
					gsl_matrix_set(A, i, l, vx_act_df(n.m->act, gsl_matrix_get(n.r->a, j - 1, i)) *
					                        gsl_matrix_get(n.m->W, i, l));
			cr_assert_eq(gsl_linalg_SV_decomp(A, V, S, work), GSL_SUCCESS);
			double want = gsl_vector_get(S, 0), got = p->series[0].y[j - 1];
			cr_expect_eq(p->series[0].x[j - 1], (double)j, "x = j");
			cr_expect(fabs(got - want) <= 1e-12 * want + 1e-300, "case %zu, j = %zu: %.17g, SVD %.17g", c, j, got,
			          want);
		}
		double gl = n.r->gamma * n.r->lambda;
		for (size_t i = 0; i < p->series[1].n; i++)
			cr_expect(fabs(p->series[1].y[i] - gl) <= 1e-12 * gl && (fabs(gl - 1) > 1e-12 || p->series[1].y[i] == 1),
			          "case %zu: the level line at γλ = %.17g (1 on the edge): %.17g", c, gl, p->series[1].y[i]);
		cr_expect_eq(p->series[1].dashed, 1, "the bound dashed");
		cr_expect_str_eq(p->series[0].label, "‖Jⱼ‖₂");
		cr_expect_str_eq(p->xlabel, "j");
		gsl_matrix_free(A);
		gsl_matrix_free(V);
		gsl_vector_free(S);
		gsl_vector_free(work);
		vxr_plotdata_free(pd);
		vxr_env_free(env);
		net_free(&n);
	}
}

/* The table of blocks (blocks.c) is what the parser, the walker and the
 * builders read: every name it gives {{table}} and {{plot}} is found
 * again, is a plot exactly when its tag is, and renders in every target,
 * each plot with its table for the targets without graphics; so do the
 * blocks of one word.  A row whose builder is missing (a plot without
 * its table among them) fails here with an internal error. */
Test(doc_blocks, every_block_of_the_table_renders_in_every_target)
{
	net n;
	net_make(&n, "tanh", "1.2");
	vxr_env *env = vxr_env_alloc(&n.ctx);
	cr_assert_not_null(env);
	vxr_filled f;
	memset(&f, 0, sizeof f);
	vxr_rctx rc = { env, &f, VXR_T_HTML, NULL, NULL, 0, 0 };
	static const vxr_render_ops *const ops[3] = { &vxr_html_ops, &vxr_latex_ops, &vxr_md_ops };
	vxr_obj objs[32];
	size_t nobj = 0;
	static const char *const kws[2] = { "table", "plot" };
	for (int w = 0; w < 2; w++) {
		char names[200], *save = NULL;
		vxr_blk_names(kws[w], names, sizeof names);
		cr_assert(names[0], "{{%s}} takes some name", kws[w]);
		for (char *nm = strtok_r(names, ", ", &save); nm; nm = strtok_r(NULL, ", ", &save)) {
			vxr_blk_kind k;
			cr_assert(vxr_blk_find(kws[w], nm, &k), "{{%s %s}} found again", kws[w], nm);
			cr_expect_eq(vxr_blk_is_plot(k), w == 1, "{{%s %s}} a plot exactly when its tag is", kws[w], nm);
			cr_assert_lt(nobj, 29);
			objs[nobj++] = block_of(k);
		}
		cr_expect(!vxr_blk_find(kws[w], "nothing", &(vxr_blk_kind){ 0 }), "an unknown name is not found");
	}
	cr_expect(!vxr_blk_find("table", "norms", &(vxr_blk_kind){ 0 }), "names belong to their tag");
	objs[nobj] = block_of(VXR_BLK_MATRIX);
	snprintf(objs[nobj++].mat[0], sizeof objs[0].mat[0], "W");
	objs[nobj++] = block_of(VXR_BLK_RECORD);
	objs[nobj++] = block_of(VXR_BLK_REFERENCES);
	for (size_t i = 0; i < nobj; i++) {
		vxr_obj *o = &objs[i];
		o->file = "t.md";
		o->line = o->col = 1;
		o->j = n.ctx.j;
		for (int t = 0; t < 3; t++) {
			char *s = NULL;
			vx_error err = { 0 };
			cr_expect_eq(vxr_render_str(&rc, ops[t], o, &s, &err), VX_OK, "block %d, target %d: %s", (int)o->blk, t,
			             err.msg);
			cr_expect(s && *s, "block %d, target %d: some output", (int)o->blk, t);
			free(s);
		}
		vxt_lines L = { 0 };
		vx_error err = { 0 };
		cr_expect_eq(vxr_term_block(env, o, 78, 1, &L, &err), VX_OK, "block %d in the terminal: %s", (int)o->blk,
		             err.msg);
		cr_expect_gt(L.nlines, 0, "block %d in the terminal: some lines", (int)o->blk);
		vxt_lines_clear(&L);
		if (vxr_blk_is_plot(o->blk)) {
			vxr_plotdata *pd = NULL;
			cr_assert_eq(vxr_plot_build(env, o, 1, &pd, &err), VX_OK, "%s", err.msg);
			cr_expect(pd->fallback && pd->fallback->nrows > 0, "plot %d has its table", (int)o->blk);
			vxr_plotdata_free(pd);
		}
	}
	vxr_env_free(env);
	net_free(&n);
}

/* The matrix view of ∂s_t/∂s_k carries only the columns it shows through
 * the steps; the engine's whole product is the independent reference. */
/* The plots of paths, {{plot norms}} (step 11's) and {{plot contrib}}
 * (beside step 12 in the tutor), both run in t − k and say so on every
 * drawing: x = t − k with y the path k = t − x of the analysis, and the
 * x axis labelled t − k in the SVG, the LaTeX picture and the terminal's
 * cells. */
Test(doc_blocks, path_plots_run_in_t_minus_k_labelled)
{
	net n;
	net_make(&n, "tanh", "1");
	vxr_env *env = vxr_env_alloc(&n.ctx);
	vxr_blk_kind kinds[2] = { VXR_BLK_PLOT_NORMS, VXR_BLK_PLOT_CONTRIB };
	for (int q = 0; q < 2; q++) {
		vxr_obj o = block_of(kinds[q]);
		vxr_plotdata *pd = NULL;
		vx_error err;
		cr_assert_eq(vxr_plot_build(env, &o, 1, &pd, &err), VX_OK, "%s", err.msg);
		const vxp_plot *p = &pd->plot;
		size_t t = n.r->t;
		cr_assert_eq(p->series[0].n, t);
		for (size_t i = 0; i < t; i++) {
			const vx_path *pa = &n.r->paths[t - 1 - (size_t)p->series[0].x[i]];
			cr_expect_eq(p->series[0].x[i], (double)i, "plot %d: x = t - k", q);
			cr_expect_eq(pa->gap, (size_t)p->series[0].x[i]);
			double want = q == 0 ? pa->norm.log10 : pa->contribution.log10;
			cr_expect(p->series[0].y[i] == want, "plot %d, t - k = %zu: %g, path %g", q, i, p->series[0].y[i], want);
		}
		cr_expect_str_eq(p->xlabel, "t − k");
		cr_expect_str_eq(p->xlabel_tex, "$t-k$");
		char *svg = NULL, *tex = NULL, *cells = NULL;
		unsigned char *roles = NULL;
		cr_assert_eq(vxp_svg(p, 640, 360, &svg), VX_OK);
		cr_expect(strstr(svg, ">t − k</text>") != NULL, "plot %d: the SVG's x label", q);
		cr_assert_eq(vxp_picture(p, 340, 190, &tex), VX_OK);
		cr_expect(strstr(tex, "\\small $t-k$") != NULL, "plot %d: the picture's x label", q);
		cr_assert_eq(vxp_cells(p, 60, 16, 1, &cells, &roles), VX_OK);
		cr_expect(strstr(cells, "t − k") != NULL, "plot %d: the cells' x label:\n%s", q, cells);
		free(svg);
		free(tex);
		free(cells);
		free(roles);
		vxr_plotdata_free(pd);
	}
	vxr_env_free(env);
	net_free(&n);
}

Test(doc_blocks, dsds_view_equals_the_full_product)
{
	static const struct { const char *act, *norm; size_t k; } cases[] = {
		{ "tanh", "1.2", 1 }, { "sigmoid", "3", 2 }, { "relu", "1.5", 5 }, { "tanh", "0.1", 1 },
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		net n;
		net_make(&n, cases[c].act, cases[c].norm);
		vxr_env *env = vxr_env_alloc(&n.ctx);
		vxr_obj o = block_of(VXR_BLK_MATRIX);
		strcpy(o.mat[0], "dsds");
		o.j = 1;
		o.k = cases[c].k;
		o.size = 3;   /* d = 4: columns 0, ellipsis, 3 */
		vxr_mat m[2];
		size_t nm = 0;
		vx_error err;
		cr_assert_eq(vxr_mats_build(env, &o, m, &nm, &err), VX_OK, "%s", err.msg);
		gsl_matrix *P = gsl_matrix_alloc(4, 4);
		double scale = 0;
		cr_assert_eq(vx_dsds(n.m, n.r, n.r->t, cases[c].k, P, &scale), VX_OK);
		double big = 0;
		for (size_t i = 0; i < 4; i++)
			for (size_t l = 0; l < 4; l++)
				big = fmax(big, fabs(gsl_matrix_get(P, i, l)));
		for (size_t i = 0; i < m[0].nr; i++)
			for (size_t l = 0; l < m[0].nc; l++) {
				if (m[0].ri[i] == SIZE_MAX || m[0].ci[l] == SIZE_MAX)
					continue;
				double want = gsl_matrix_get(P, m[0].ri[i], m[0].ci[l]) * pow(10, scale);
				double got = m[0].v[i * m[0].nc + l] * pow(10, m[0].log10_scale);
				cr_expect(fabs(got - want) <= 1e-12 * big * pow(10, scale) + 1e-300,
				          "case %zu entry (%zu,%zu): %.17g vs the full product %.17g", c, m[0].ri[i], m[0].ci[l],
				          got, want);
			}
		gsl_matrix_free(P);
		vxr_mat_clear(&m[0]);
		vxr_env_free(env);
		net_free(&n);
	}
}

/* ---- the extras of one analysis (env.h) ------------------------------------ */

/* Bit for bit, NaN included. */
static int same(double a, double b)
{
	return memcmp(&a, &b, sizeof a) == 0;
}

/* The extras of an analysis are computed once, by the first environment
 * that asks, for every environment given them; their values are those of
 * the engine run here (the check), and the alternatives have λ = ‖W‖₂ = 1
 * (closed form: an orthogonal W and the identity at norm 1). */
Test(doc_extras, computed_once_for_every_environment_of_one_analysis)
{
	net n;
	net_make(&n, "tanh", "1.2");
	vxr_extras *x = vxr_extras_alloc();
	cr_assert_not_null(x);
	n.ctx.extras = x;
	vx_error err = { 0 };
	vxr_env *a = vxr_env_alloc(&n.ctx);
	cr_assert_not_null(a);
	const vx_fdcheck *fd = vxr_env_fd(a, &err);
	const vx_result *alt[2] = { vxr_env_alt(a, 0, &err), vxr_env_alt(a, 1, &err) };
	cr_assert(fd && alt[0] && alt[1], "%s", err.msg);
	vxr_env_free(a);
	vxr_env *b = vxr_env_alloc(&n.ctx);
	cr_assert_not_null(b);
	cr_expect_eq(vxr_env_fd(b, &err), fd, "the first environment's check, not a second run");
	cr_expect_eq(vxr_env_alt(b, 0, &err), alt[0], "the first environment's orthogonal network");
	cr_expect_eq(vxr_env_alt(b, 1, &err), alt[1], "the first environment's identity network");
	vxr_env_free(b);

	vx_fdcheck want;
	cr_assert_eq(vx_fd_check(n.m, n.r, &want), VX_OK);
	cr_expect(fd->j == want.j && fd->k == want.k && fd->unresolved == want.unresolved,
	          "j, k, unresolved: %zu %zu %zu, the engine's %zu %zu %zu", fd->j, fd->k, fd->unresolved, want.j,
	          want.k, want.unresolved);
	cr_expect(same(fd->dsda, want.dsda) && same(fd->dads, want.dads) && same(fd->dsds, want.dsds) &&
	          same(fd->dLdW, want.dLdW), "errors %g %g %g %g, the engine's %g %g %g %g", fd->dsda, fd->dads,
	          fd->dsds, fd->dLdW, want.dsda, want.dads, want.dsds, want.dLdW);
	for (int w = 0; w < 2; w++) {
		cr_expect(fabs(alt[w]->lambda - 1) <= 1e-12, "%s W: lambda = %.17g, not 1", w ? "identity" : "orthogonal",
		          alt[w]->lambda);
		cr_expect(alt[w]->t == n.r->t && alt[w]->T == n.r->T && alt[w]->d == n.r->d, "the same sizes and loss step");
	}

	/* a context without extras: each environment computes its own */
	n.ctx.extras = NULL;
	vxr_env *c = vxr_env_alloc(&n.ctx);
	cr_assert_not_null(c);
	const vx_fdcheck *own = vxr_env_fd(c, &err);
	cr_assert_not_null(own, "%s", err.msg);
	cr_expect_neq(own, fd, "its own check");
	cr_expect(same(own->dsda, fd->dsda) && same(own->dLdW, fd->dLdW), "with the same values");
	vxr_env_free(c);
	vxr_extras_free(x);
	net_free(&n);
}

/* Every step of one network laid out at width 78, as text; NULL when one
 * cannot be. */
static char *all_steps(const vxr_ctx *c)
{
	vxr_buf b = { 0 };
	for (size_t i = 0; i < vxr_step_count(); i++) {
		vxt_doc *d = NULL;
		vx_error err = { 0 };
		if (vxt_render_step(c, i, 78, 1, &d, &err) != VX_OK) {
			free(b.s);
			return NULL;
		}
		for (size_t l = 0; l < d->nlines; l++) {
			for (size_t s = 0; s < d->lines[l].nspans; s++)
				vxr_buf_puts(&b, d->lines[l].spans[s].text);
			vxr_buf_puts(&b, "\n");
		}
		vxt_doc_free(d);
	}
	return vxr_buf_take(&b);
}

typedef struct {
	net n;
	char *alone;   /* the steps laid out with no other thread running */
	int rounds, differ;
} laid_out;

static void *lay_out_again(void *arg)
{
	laid_out *L = arg;
	for (int r = 0; r < L->rounds; r++) {
		/* a fresh set of extras for every other round, none for the rest */
		vxr_extras *x = r % 2 ? vxr_extras_alloc() : NULL;
		L->n.ctx.extras = x;
		char *s = all_steps(&L->n.ctx);
		L->differ += !s || strcmp(s, L->alone) != 0;
		free(s);
		L->n.ctx.extras = NULL;
		vxr_extras_free(x);
	}
	return NULL;
}

/* Two networks laid out at once in two threads give, round after round,
 * exactly the text each gives alone: report/doc/ keeps nothing between
 * calls that two analyses could share (the extras are their owners'). */
Test(doc_extras, two_threads_lay_out_two_networks_at_once)
{
	laid_out L[2];
	net_make(&L[0].n, "tanh", "1.2");
	net_make(&L[1].n, "sigmoid", "5");
	for (int i = 0; i < 2; i++) {
		L[i].alone = all_steps(&L[i].n.ctx);
		cr_assert_not_null(L[i].alone, "network %d lays out", i + 1);
		L[i].rounds = 150;
		L[i].differ = 0;
	}
	cr_assert_str_neq(L[0].alone, L[1].alone, "two different networks");
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		cr_assert_eq(pthread_create(&th[i], NULL, lay_out_again, &L[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 2; i++) {
		cr_expect_eq(L[i].differ, 0, "network %d: %d of %d rounds differ from the text laid out alone", i + 1,
		             L[i].differ, L[i].rounds);
		free(L[i].alone);
		net_free(&L[i].n);
	}
}

/* ---- both regimes side by side (step 10) ---------------------------------- */

/* The norms ‖∂s_t/∂s_k‖₂, k = 1..t (norm[k-1]), of network m with its W
 * replaced by Wp, by the plain implementation of test_engine_util.h:
 * explicit loops for the forward pass and the products, GSL's SVD for the
 * norms. */
static double *plain_norms(const vx_model *m, const gsl_matrix *Wp, size_t t)
{
	vx_model *c = vx_model_clone(m);
	cr_assert_not_null(c);
	gsl_matrix_memcpy(c->W, Wp);
	ntrace tr = nv_forward(c);
	double *norm = malloc(t * sizeof *norm);
	cr_assert_not_null(norm);
	for (size_t k = 1; k <= t; k++) {
		nmat P = nv_dsds(c, &tr, t, k);
		norm[k - 1] = nm_norm2(P);
		free(P.v);
	}
	nv_free(&tr);
	vx_model_free(c);
	return norm;
}

/* The least-squares slope of log10 norm[t-1-g] against the gap g, over the
 * gaps whose norm is not 0 (what vx_result.rate documents). */
static double plain_rate(const double *norm, size_t t)
{
	double sx = 0, sy = 0, sxx = 0, sxy = 0, n = 0;
	for (size_t g = 0; g < t; g++) {
		double v = norm[t - 1 - g];
		if (v == 0)
			continue;
		double y = log10(v);
		sx += (double)g;
		sy += y;
		sxx += (double)g * (double)g;
		sxy += (double)g * y;
		n++;
	}
	return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

/* The table and the plot of {{table regimes}} and {{plot regimes}} against
 * a computation that shares nothing with the engine but the model's draws:
 * W rescaled through GSL's SVD to γλ = 0.8, 1 and 1.25 (or left as it is
 * on this network's own side), the forward pass, every ∂s_t/∂s_k and its
 * norm (test_engine_util.h), the rate by a least-squares fit and the
 * verdict's rule on it.  Networks below, on and above the edge, for three
 * activations; every value to 1e-9 relative. */
Test(doc_regimes, three_networks_against_a_plain_computation)
{
	static const struct { const char *act, *norm; int own; } cases[] = {
		{ "tanh", "0.8", 0 }, { "tanh", "1", 1 }, { "tanh", "1.2", 2 }, { "sigmoid", "2", 0 },
		{ "relu", "1.5", 2 }, { "linear", "0.9", 0 },
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		net n;
		net_make(&n, cases[c].act, cases[c].norm);
		vxr_env *env = vxr_env_alloc(&n.ctx);
		cr_assert_not_null(env);
		vx_error err = { 0 };
		vxr_obj o = block_of(VXR_BLK_TABLE_REGIMES);
		vxr_table *tb = NULL;
		cr_assert_eq(vxr_table_build(env, &o, &tb, &err), VX_OK, "%s", err.msg);
		o = block_of(VXR_BLK_PLOT_REGIMES);
		vxr_plotdata *pd = NULL;
		cr_assert_eq(vxr_plot_build(env, &o, 1, &pd, &err), VX_OK, "%s", err.msg);
		cr_assert_eq(tb->nrows, 3);
		cr_assert_eq(pd->plot.nseries, 6, "three curves and three bounds");
		size_t t = n.r->t;
		double gamma = n.r->gamma, lam = gm_norm2(n.m->W);
		static const double target[3] = { 0.8, 1, 1.25 };
		for (int i = 0; i < 3; i++) {
			/* the network of row i, by the SVD */
			gsl_matrix *Wp = gsl_matrix_alloc(n.m->d, n.m->d);
			gsl_matrix_memcpy(Wp, n.m->W);
			if (i != cases[c].own)
				gsl_matrix_scale(Wp, target[i] / gamma / lam);
			double gl = gamma * gm_norm2(Wp);
			double *norm = plain_norms(n.m, Wp, t);
			double rate = plain_rate(norm, t);
			const vxr_cell *row = &tb->cells[i * 6];
			const char *what = cases[c].act;
			cr_expect_str_eq(row[0].text, i == cases[c].own ? "this network" : row[0].text, "%s %s row %d: label",
			                 what, cases[c].norm, i);
			cr_expect(fabs(row[1].v - gl) <= 1e-12 * gl, "%s %s row %d: gamma*lambda %.17g, by the SVD %.17g", what,
			          cases[c].norm, i, row[1].v, gl);
			if (i != cases[c].own)
				cr_expect(fabs(gl - target[i]) <= 1e-12, "%s %s row %d: rescaled to %g, got %.17g", what,
				          cases[c].norm, i, target[i], gl);
			double bound = pow(gl, (double)(t - 1));
			cr_expect(fabs(row[2].m.value - bound) <= 1e-9 * bound, "%s %s row %d: bound %.17g, (gl)^(t-1) %.17g",
			          what, cases[c].norm, i, row[2].m.value, bound);
			cr_expect(fabs(row[3].m.value - norm[0]) <= 1e-9 * norm[0], "%s %s row %d: actual %.17g, plain %.17g",
			          what, cases[c].norm, i, row[3].m.value, norm[0]);
			cr_expect(row[4].kind == VXR_CELL_MAG && fabs(row[4].m.log10 - rate) <= 1e-9 * fmax(1, fabs(rate)),
			          "%s %s row %d: per step 10^%.17g, plain fit 10^%.17g", what, cases[c].norm, i, row[4].m.log10,
			          rate);
			double total = rate * (double)(t - 1), step = log10(1.1);
			const char *verdict = total <= -1 || rate <= -step ? "vanishing"
			                    : total >= 1 || rate >= step   ? "exploding" : "neither";
			cr_expect_str_eq(row[5].text, verdict, "%s %s row %d: verdict", what, cases[c].norm, i);
			/* the plot: the curve and its dashed bound in one style */
			const vxp_series *a = &pd->plot.series[i], *b = &pd->plot.series[3 + i];
			cr_assert_eq(a->n, t);
			cr_assert_eq(b->n, t);
			cr_expect(a->style == 0 && !a->dashed && b->style == 1 + i && b->dashed,
			          "%s row %d: the bound dashed in its curve's style", what, i);
			for (size_t g = 0; g < t; g++) {
				double want = log10(norm[t - 1 - g]);
				/* an exact 0 (a dead ReLU network) is -inf on both sides */
				cr_expect(a->y[g] == want || fabs(a->y[g] - want) <= 1e-9 / M_LN10 + 1e-15 * fabs(want),
				          "%s row %d gap %zu: %.17g, plain %.17g",
				          what, i, g, a->y[g], want);
				cr_expect(fabs(b->y[g] - (double)g * log10(gl)) <= 1e-12 * (1 + (double)g),
				          "%s row %d gap %zu: the bound %.17g", what, i, g, b->y[g]);
			}
			free(norm);
			gsl_matrix_free(Wp);
		}
		vxr_table_free(tb);
		vxr_plotdata_free(pd);
		vxr_env_free(env);
		net_free(&n);
	}
}

/* The two rescaled networks are computed when a step asks for them, and
 * only then: laying out every step with one set of extras builds none
 * before "Vanishing or exploding", two there (this network stands for its
 * own side: the table's row is its analysis, not a copy), none again when
 * the step is laid out a second time, two for the step on gates (the LSTM
 * and the GRU beside the network), and two more for the remedies
 * (orthogonal and identity W). */
Test(doc_regimes, computed_only_by_the_step_that_asks)
{
	net n;
	net_make(&n, "tanh", "1.2");
	vxr_extras *x = vxr_extras_alloc();
	cr_assert_not_null(x);
	n.ctx.extras = x;
	int seen = 0;
	for (size_t i = 0; i < vxr_step_count(); i++) {
		size_t before = vxr_extras_networks(x);
		vxt_doc *d = NULL;
		vx_error err = { 0 };
		cr_assert_eq(vxt_render_step(&n.ctx, i, 78, 1, &d, &err), VX_OK, "step %zu: %s", i + 1, err.msg);
		size_t built = vxr_extras_networks(x) - before;
		if (strcmp(d->title, "Vanishing or exploding") == 0) {
			seen = 1;
			cr_expect_eq(built, 2, "the step of the regimes builds the two others, built %zu", built);
			vxt_doc_free(d);
			cr_assert_eq(vxt_render_step(&n.ctx, i, 60, 0, &d, &err), VX_OK, "%s", err.msg);
			cr_expect_eq(vxr_extras_networks(x) - before, 2, "laid out again: nothing more");
		} else if (strcmp(d->title, "Remedies") == 0) {
			cr_expect_eq(built, 2, "the remedies: orthogonal and identity W");
		} else if (strcmp(d->title, "Why gates help") == 0) {
			cr_expect_eq(built, 2, "the step on gates: an LSTM and a GRU, built %zu", built);
		} else {
			cr_expect_eq(built, 0, "step %zu (%s) builds no network, built %zu", i + 1, d->title, built);
		}
		vxt_doc_free(d);
	}
	cr_expect(seen, "a step 'Vanishing or exploding'");
	vxr_env *e = vxr_env_alloc(&n.ctx);
	cr_assert_not_null(e);
	cr_expect_eq(vxr_env_regime(e, VX_REGIME_ABOVE, NULL), n.r, "this network stands for its own side");
	vxr_env_free(e);
	vxr_extras_free(x);
	net_free(&n);
}

/* W = 0 has no scale to change: the networks on the edge and above cannot
 * be made, and the step says why in its table (their bounds, which need no
 * network, are still there: 1 and 1.25^11), instead of failing. */
Test(doc_regimes, networks_that_cannot_be_made_are_named)
{
	net n;
	net_make(&n, "tanh", "0");
	vxr_env *env = vxr_env_alloc(&n.ctx);
	cr_assert_not_null(env);
	vx_error err = { 0 };
	vxr_obj o = block_of(VXR_BLK_TABLE_REGIMES);
	vxr_table *tb = NULL;
	cr_assert_eq(vxr_table_build(env, &o, &tb, &err), VX_OK, "%s", err.msg);
	cr_expect_str_eq(tb->cells[0].text, "this network");
	for (int i = 1; i < 3; i++) {
		cr_expect_str_eq(tb->cells[i * 6 + 5].text, "not computed", "row %d", i);
		cr_expect_eq(tb->cells[i * 6 + 3].kind, VXR_CELL_TEXT, "row %d: no actual norm", i);
	}
	cr_expect_eq(tb->cells[1 * 6 + 2].m.value, 1, "the edge's bound");
	cr_expect(fabs(tb->cells[2 * 6 + 2].m.value - pow(1.25, 11)) <= 1e-12 * pow(1.25, 11), "1.25^11");
	cr_expect(strstr(tb->note, "The other rows are not computed: $W = 0$ has no scale to change.") != NULL,
	          "the networks not made and why, both rows at once: %s", tb->note);
	for (const char *q = tb->note; *q; q++)
		cr_expect((unsigned char)*q < 0x80, "the reason in ASCII, which pdflatex sets: %s", tb->note);
	vxr_table_free(tb);
	vxr_env_free(env);
	vxt_doc *d = NULL;
	for (size_t i = 0; i < vxr_step_count(); i++) {
		cr_assert_eq(vxt_render_step(&n.ctx, i, 78, 1, &d, &err), VX_OK, "step %zu: %s", i + 1, err.msg);
		vxt_doc_free(d);
	}
	net_free(&n);
}

/* ---- the README for newcomers --------------------------------------------- */

/* The text of README.md from the line that is `heading` up to the next
 * "## " heading (malloc'd), or NULL when there is no such section. */
static char *readme_section(const char *heading)
{
	char *all = golden_slurp("README.md");
	cr_assert_not_null(all, "README.md is readable from the top of the tree");
	const char *p = all, *start = NULL;
	size_t hl = strlen(heading);
	for (; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p))
		if (strncmp(p, heading, hl) == 0 && p[hl] == '\n') {
			start = p + hl + 1;
			break;
		}
	char *out = NULL;
	if (start) {
		const char *end = strstr(start, "\n## ");
		out = strndup(start, end ? (size_t)(end - start) + 1 : strlen(start));
	}
	free(all);
	return out;
}

/* "What a student learns" lists the steps in order, numbered, each item
 * starting with its title in bold, exactly as the first heading of its
 * template: a step added, removed, renamed or moved in templates/ fails
 * here until the README says so too. */
/* The handout's subtitle and README's list count the steps in words ("A derivation in sixteen
 * steps"): a step added to templates/ fails here until the count follows. */
Test(readme, the_handout_counts_its_steps)
{
	static const char *const words[] = { "zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
		                              "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen",
		                              "sixteen", "seventeen", "eighteen", "nineteen", "twenty" };
	char *hd = golden_slurp("templates/handout.md");
	cr_assert_not_null(hd, "templates/handout.md is readable from the top of the tree");
	const char *p = strstr(hd, "A derivation in ");
	cr_assert_not_null(p, "handout.md says how many steps the derivation has");
	p += strlen("A derivation in ");
	size_t n = vxr_step_count();
	cr_assert_lt(n, sizeof words / sizeof words[0]);
	size_t len = strlen(words[n]);
	cr_expect(strncmp(p, words[n], len) == 0 && strncmp(p + len, " steps", 6) == 0,
	          "handout.md says '%.20s', templates/ has %zu steps (%s)", p, n, words[n]);
	free(hd);
	/* README's list of what a student learns opens with the same count. */
	char *sec = readme_section("## What a student learns");
	cr_assert_not_null(sec, "README.md has a section 'What a student learns'");
	const char *q = sec;
	while (*q == '\n' || *q == ' ')
		q++;
	cr_expect(strncasecmp(q, words[n], len) == 0 && strncmp(q + len, " steps", 6) == 0,
	          "README says '%.20s', templates/ has %zu steps (%s)", q, n, words[n]);
	free(sec);
}

Test(readme, lists_every_step_by_its_title)
{
	char *sec = readme_section("## What a student learns");
	cr_assert_not_null(sec, "README.md has a section 'What a student learns'");
	size_t n = 0;
	for (const char *p = sec; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p)) {
		char num[16];
		int len = 0;
		if (sscanf(p, "%15[0-9]. **%n", num, &len) != 1 || len == 0)
			continue;
		const char *title = p + len, *end = strstr(title, "**");
		cr_assert_not_null(end, "item %s: its title in bold", num);
		cr_assert_lt(n, vxr_step_count(), "item %s: more items than the %zu steps", num, vxr_step_count());
		cr_expect_eq((size_t)atoi(num), n + 1, "item %s numbered %zu", num, n + 1);
		cr_expect(strlen(vxr_step_title(n)) == (size_t)(end - title) &&
		          strncmp(title, vxr_step_title(n), (size_t)(end - title)) == 0,
		          "item %zu: '%.*s', step %zu of templates/ is '%s' (%s)", n + 1, (int)(end - title), title, n + 1,
		          vxr_step_title(n), vxr_step_name(n));
		n++;
	}
	cr_expect_eq(n, vxr_step_count(), "%zu items for the %zu steps", n, vxr_step_count());
	free(sec);
}

/* "What the tutor looks like" shows step 11 at 80×24 as the tutor draws it:
 * its code block is the golden screen test_tutor_screen pins (a tmux
 * capture of `vanex --step 11` gives the same lines), so a change to the
 * screen fails here until the picture is taken again. */
Test(readme, pictures_the_tutor_as_it_draws)
{
	char *sec = readme_section("## What the tutor looks like");
	cr_assert_not_null(sec, "README.md has a section 'What the tutor looks like'");
	cr_assert(strstr(sec, "`vanex --step 11` in an 80×24 terminal") != NULL, "it says what it shows:\n%s", sec);
	const char *open = strstr(sec, "\n```\n");
	cr_assert_not_null(open, "a code block");
	open += 5;
	const char *close = strstr(open, "\n```\n");
	cr_assert_not_null(close, "a closed code block");
	char *shown = strndup(open, (size_t)(close - open) + 1);
	char *want = golden_slurp("tests/golden/screens/step11.txt");
	cr_assert_not_null(want);
	cr_expect_str_eq(shown, want, "README's picture is not the tutor's step 11 (tests/golden/screens/step11.txt)");
	free(shown);
	free(want);
	free(sec);
}

/* Every step at every width from 40 to 120 columns, UTF-8 and ASCII: no
 * line shows TeX source (\, _{, ^{), none is wider than asked, and none
 * holds only the punctuation that ends a sentence or a caption (a "." that
 * wrapped alone). */
Test(doc_golden, steps_at_every_width_typeset_and_punctuation_kept, .timeout = 120)
{
	net n;
	net_make(&n, "tanh", "1.2");
	int lone = 0, tex = 0, wide = 0;
	for (int utf8 = 1; utf8 >= 0; utf8--)
		for (int w = 40; w <= 120; w++)
			for (size_t i = 0; i < vxr_step_count(); i++) {
				vxt_doc *d = NULL;
				vx_error err = { 0 };
				cr_assert_eq(vxt_render_step(&n.ctx, i, w, utf8, &d, &err), VX_OK, "step %zu: %s", i + 1,
				             err.msg);
				for (size_t l = 0; l < d->nlines; l++) {
					vxr_buf b = { 0 };
					vxr_buf_puts(&b, "");
					for (size_t s = 0; s < d->lines[l].nspans; s++)
						vxr_buf_puts(&b, d->lines[l].spans[s].text);
					char *t = vxr_buf_take(&b);
					const char *p = t + strspn(t, " ");
					if (*p && strspn(p, ".,;:) ") == strlen(p) && lone++ < 5)
						cr_expect(0, "step %zu at %d columns (%s): line %zu is only \"%s\"", i + 1, w,
						          utf8 ? "UTF-8" : "ASCII", l, t);
					if ((strchr(t, '\\') || strstr(t, "_{") || strstr(t, "^{")) && tex++ < 5)
						cr_expect(0, "step %zu at %d columns (%s): TeX on line %zu: %s", i + 1, w,
						          utf8 ? "UTF-8" : "ASCII", l, t);
					if (vxr_u8_width(t) > w && wide++ < 5)
						cr_expect(0, "step %zu at %d columns: line %zu is %d wide", i + 1, w, l,
						          vxr_u8_width(t));
					free(t);
				}
				vxt_doc_free(d);
			}
	cr_expect_eq(lone + tex + wide, 0, "%d lone punctuation, %d TeX, %d too wide", lone, tex, wide);
	net_free(&n);
}

/* The works are numbered in the order the steps first cite them
 * (templates/README.md): filling every built-in step in turn, each work
 * first cited is the next number, and every work is cited.  Step 15 cites
 * Hochreiter and Schmidhuber 1997, Gers et al. 2000 and Jozefowicz et al.
 * 2015 before step 16 cites Arjovsky et al. and Le et al. */
Test(doc_cite, works_numbered_in_the_order_the_steps_first_cite_them)
{
	net n;
	net_make(&n, "tanh", "1.2");
	vxr_env *e = vxr_env_alloc(&n.ctx);
	cr_assert_not_null(e);
	vxr_filled f = { 0 };
	vx_error err = { 0 };
	for (size_t i = 0; i < vxr_step_count(); i++)
		cr_assert_eq(vxr_fill_step(e, i, VXF_UNICODE, &f, &err), VX_OK, "step %zu: %s", i + 1, err.msg);
	int seen[32] = { 0 };
	size_t next = 0;
	cr_assert_lt(vxr_ref_count(), 32);
	for (size_t o = 0; o < f.nobjs; o++) {
		if (f.objs[o].kind != VXR_OBJ_CITE)
			continue;
		for (size_t c = 0; c < f.objs[o].ncite; c++) {
			int w = f.objs[o].cite[c];
			if (seen[w])
				continue;
			cr_expect_eq((size_t)w, next, "the %zu-th work first cited is [%d] %s, numbered out of turn", next + 1,
			             w + 1, vxr_ref_at((size_t)w)->key);
			seen[w] = 1;
			next++;
		}
	}
	cr_expect_eq(next, vxr_ref_count(), "the steps cite %zu of the %zu works", next, vxr_ref_count());
	vxr_filled_clear(&f);
	vxr_env_free(e);
	net_free(&n);
}

/* The first lines of step `step` of c laid out for a terminal, as one text. */
static void step_text(const vxr_ctx *c, size_t step, char *text, size_t size)
{
	vx_error err = { 0 };
	vxt_doc *d = NULL;
	text[0] = '\0';
	cr_assert_eq(vxt_render_step(c, step, 78, 1, &d, &err), VX_OK, "%s", err.msg);
	for (size_t i = 0; i < d->nlines && i < 6; i++) {
		for (size_t s = 0; s < d->lines[i].nspans; s++)
			strncat(text, d->lines[i].spans[s].text, size - strlen(text) - 1);
		strncat(text, " ", size - strlen(text) - 1);
	}
	vxt_doc_free(d);
}

/* With a gated cell chosen, a step about the vanilla cell laid out for the
 * tutor (ctx.defer) beyond d³t = 2×10⁸ (d = 128, t = 100) says the chosen
 * cell is being analysed, builds no network and records it as wanted;
 * computed later (vxr_extras_compute: stopped first, then whole) the same
 * step gives its norm and wants nothing.  Below the threshold (d = 4), or
 * for a handout (no defer), the LSTM is built as the step is laid out. */
Test(doc_cell, the_tutor_leaves_a_large_gated_analysis_for_later)
{
	static const char *const hidden[2] = { "128", "4" };
	for (int big = 0; big < 2; big++) {
		for (int defer = 0; defer < 2; defer++) {
			vx_params p;
			vx_error err = { 0 };
			gsl_set_error_handler_off();
			vx_params_default(&p);
			cr_assert_eq(vx_params_set(&p, "hidden", hidden[big], &err), VX_OK);
			cr_assert_eq(vx_params_set(&p, "steps", "100", &err), VX_OK);
			vx_model *m = NULL;
			vx_result *r = NULL;
			cr_assert_eq(vx_model_build(&p, &m, &err), VX_OK, "%s", err.msg);
			cr_assert_eq(vx_analyse(m, 100, NULL, &r, &err), VX_OK, "%s", err.msg);
			vxr_extras *x = vxr_extras_alloc();
			atomic_int stop;
			atomic_init(&stop, 0);
			vxr_ctx c = { &p, m, r, 100, 1, "2001-02-03", x, 0, 0, VX_CELL_LSTM, defer, &stop };
			char text[4096];
			step_text(&c, 2, text, sizeof text);
			if (big == 0 && defer) {
				cr_expect(strstr(text, "is being analysed") != NULL, "d = 128: the note says it is under way: %s",
				          text);
				cr_expect_eq(vxr_extras_networks(x), 0, "d = 128: no network built");
				cr_expect_eq(vxr_extras_take_wanted(x), VXR_LATER_GATED);
				cr_expect_eq(vxr_extras_take_wanted(x), 0, "taken once");
				atomic_store(&stop, 1);
				cr_expect_eq(vxr_extras_compute(&c, VXR_LATER_GATED), VX_ECANCELLED);
				cr_expect_eq(vxr_extras_networks(x), 0, "stopped: nothing kept, still owed");
				atomic_store(&stop, 0);
				cr_expect_eq(vxr_extras_compute(&c, VXR_LATER_GATED), VX_OK);
				cr_expect_eq(vxr_extras_networks(x), 1, "the LSTM built");
				step_text(&c, 2, text, sizeof text);
				cr_expect_eq(vxr_extras_take_wanted(x), 0, "nothing left for later");
			}
			cr_expect(strstr(text, "whose whole state") != NULL, "d = %s, defer %d: the LSTM's norm: %s",
			          hidden[big], defer, text);
			cr_expect_eq(vxr_extras_networks(x), 1, "the LSTM built once");
			cr_expect_eq(vxr_extras_take_wanted(x), 0);
			vxr_extras_free(x);
			vx_result_free(r);
			vx_model_free(m);
		}
	}
}
