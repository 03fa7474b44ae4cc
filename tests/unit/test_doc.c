/*
 * test_doc.c — the handout pipeline and the terminal layout.
 *
 * Golden files (tests/golden/report/) pin each renderer's output for one
 * template that uses every feature; VANEX_UPDATE_GOLDEN=1 (make
 * update-golden) rewrites them for review.  The rest checks properties that
 * hold for any network: an HTML file that references nothing outside
 * itself and carries MathML, terminal lines that never exceed the width
 * (and are pure ASCII when asked), the step list matching the files in
 * templates/, and no file left behind when rendering fails.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/analysis.h"
#include "report/text/utf8.h"
#include "engine/model.h"
#include "report/doc.h"
#include "report/render.h"
#include "report/term.h"

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
	n->ctx = (vxr_ctx){ &n->p, n->m, n->r, n->r->t, 1, "2001-02-03" };
}

static void net_free(net *n)
{
	vx_result_free(n->r);
	vx_model_free(n->m);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *s = malloc((size_t)n + 1);
	if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
		free(s);
		s = NULL;
	}
	if (s)
		s[n] = '\0';
	fclose(f);
	return s;
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

/* Compares text with a golden file, or rewrites it under VANEX_UPDATE_GOLDEN. */
static void golden(const char *name, const char *raw)
{
	char *text = mask_fd_errors(raw);
	char path[512];
	snprintf(path, sizeof path, GOLDEN_DIR "/%s", name);
	const char *upd = getenv("VANEX_UPDATE_GOLDEN");
	if (upd && strcmp(upd, "1") == 0) {
		FILE *f = fopen(path, "wb");
		cr_assert_not_null(f, "cannot write %s", path);
		fputs(text, f);
		fclose(f);
		free(text);
		return;
	}
	char *want = slurp(path);
	cr_assert_not_null(want, "golden file %s is missing (make update-golden writes it)", path);
	if (strcmp(want, text) != 0) {
		size_t i = 0, line = 1;
		while (want[i] && want[i] == text[i]) {
			line += want[i] == '\n';
			i++;
		}
		const char *a = want + i, *b = text + i;
		while (a > want && a[-1] != '\n')
			a--, b--;
		int la = (int)strcspn(a, "\n"), lb = (int)strcspn(b, "\n");
		cr_assert_fail("%s differs at line %zu:\nexpected: %.*s\ngot:      %.*s\n"
		               "(make update-golden rewrites it; review the diff)", path, line, la, a, lb, b);
	}
	free(want);
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

Test(doc_golden, features_in_every_format)
{
	net n;
	net_make(&n, "tanh", "1.2");
	const char *tpl = GOLDEN_DIR "/features.tpl.md";
	char *html = render(&n.ctx, VXR_HTML, tpl, "-", NULL);
	/* SVG drawings are test_plot's business: each stands as <svg/> here */
	int svgs = 0;
	for (char *p = html; (p = strstr(p, "<svg")) != NULL; p += 6) {
		char *e = strstr(p, "</svg>");
		cr_assert_not_null(e, "an unclosed <svg>");
		memmove(p + 6, e + 6, strlen(e + 6) + 1);
		memcpy(p, "<svg/>", 6);
		svgs++;
	}
	cr_expect_eq(svgs, 3, "three inline plots, got %d", svgs);
	golden("features.html", html);
	char *tex = render(&n.ctx, VXR_LATEX, tpl, "-", NULL);
	golden("features.tex", tex);
	char *md = render(&n.ctx, VXR_MD, tpl, "-", NULL);
	golden("features.md", md);
	size_t ns = 0;
	char *md2 = render(&n.ctx, VXR_MD, tpl, "/nonexistent-dir/out.md", &ns);
	cr_expect_eq(ns, 3, "three plots become three SVG files beside the Markdown, got %zu", ns);
	cr_expect(strstr(md2, "](out-1.svg)") && strstr(md2, "](out-3.svg)"), "the Markdown links its SVG files");
	free(html);
	free(tex);
	free(md);
	free(md2);
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
	char *html = slurp(out);
	cr_expect(html && strstr(html, "<math>"), "written");
	cr_expect(html && strstr(html, "2001-02-03"), "a user's template gets the record too");
	free(html);
	unlink(out);
	unlink(tpl);
	rmdir(dir);
	net_free(&n);
}

/* The matrix view of ∂s_t/∂s_k carries only the columns it shows through
 * the steps; the engine's whole product is the independent reference. */
Test(doc_blocks, dsds_view_equals_the_full_product)
{
	static const struct { const char *act, *norm; size_t k; } cases[] = {
		{ "tanh", "1.2", 1 }, { "sigmoid", "3", 2 }, { "relu", "1.5", 5 }, { "tanh", "0.1", 1 },
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		net n;
		net_make(&n, cases[c].act, cases[c].norm);
		vxr_env *env = vxr_env_new(&n.ctx);
		vxr_obj o;
		memset(&o, 0, sizeof o);
		o.kind = VXR_OBJ_BLOCK;
		o.blk = VXR_BLK_MATRIX;
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
	vxr_cache_clear();
}
