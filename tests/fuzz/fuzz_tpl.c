/*
 * fuzz_tpl.c — the template language (report/doc/tpl.h) and the handout pipeline
 * behind `vanex report --template FILE` under fuzzing.
 *
 * Each input is a user's template.  Parsing must succeed or fail with one
 * line "fuzz.md:LINE:COL: message" pointing inside the text; the front
 * matter applied to default parameters must keep them in their domains;
 * filling (against a small fixed network built once) must give Markdown whose
 * object tokens all name real objects, and pure ASCII in the ASCII style when
 * the template is ASCII (LANG=C); every math object must render or fail with
 * a position.  A template that parses is then rendered as a whole handout
 * (HTML, LaTeX or Markdown by the input's length) through cmark: the HTML
 * must hold no script and fetch nothing, whatever the template says.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <unistd.h>
#include <strings.h>
#include "engine/analysis.h"
#include "engine/model.h"
#include "report/text/math.h"
#include "report/doc/doc.h"
#include "report/doc/render.h"
#include "report/doc/tpl.h"
#include "tests/fuzz/fuzz_util.h"

static vx_params params;
static vx_model *model;
static vx_result *result;
static vxr_ctx ctx;
static vxr_env *env;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	gsl_set_error_handler_off();
	vx_error err = { 0 };
	vx_params_default(&params);
	params.hidden = 3;
	params.inputs = 2;
	params.steps = 6;
	params.seed = 3;
	if (vx_model_build(&params, &model, &err) != VX_OK || vx_analyse(model, 6, NULL, &result, &err) != VX_OK) {
		fprintf(stderr, "fuzz_tpl: cannot build the network: %s\n", err.msg);
		abort();
	}
	ctx.params = &params;
	ctx.model = model;
	ctx.result = result;
	ctx.j = 2;
	ctx.k = 3;
	ctx.date = "2026-01-01";
	ctx.answers = 1;   /* the answer key of any question, with its reason */
	env = vxr_env_alloc(&ctx);
	if (!env)
		abort();
	return 0;
}

/* "NAME:LINE:COL: msg" with LINE in 1..lines+1 and COL >= 1. */
static void check_position(const vx_error *err, const char *name, size_t lines)
{
	size_t n = strlen(name);
	unsigned long line = 0, col = 0;
	int used = 0;
	FUZZ_CHECK(strncmp(err->msg, name, n) == 0 && err->msg[n] == ':' &&
	           sscanf(err->msg + n, ":%lu:%lu: %n", &line, &col, &used) == 2 && used > 0,
	           "message without %s:LINE:COL: %s", name, err->msg);
	FUZZ_CHECK(line >= 1 && line <= lines + 1 && col >= 1, "position %lu:%lu outside a text of %zu lines: %s",
	           line, col, lines, err->msg);
}

static int is_ascii(const uint8_t *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (d[i] >= 0x80)
			return 0;
	return 1;
}

static void check_fill(const vxr_tpl *t, vxf_style style, int ascii_in, size_t lines)
{
	vxr_filled f;
	memset(&f, 0, sizeof f);
	vx_error err = { 0 };
	vx_status st = vxr_tpl_fill(t, env, style, &f, &err);
	if (st != VX_OK) {
		fuzz_check_error(st, &err);
		check_position(&err, "fuzz.md", lines);
		vxr_filled_clear(&f);
		return;
	}
	FUZZ_CHECK(f.len == 0 || (f.md && strlen(f.md) == f.len), "filled Markdown length %zu, strlen %zu", f.len,
	           f.md ? strlen(f.md) : 0);
	/* Each object stands as exactly one token in the Markdown or in a
	 * question's hint or reason (kept apart until the tutor or the answer key
	 * shows them), and only the filler makes tokens: a template's own
	 * "VXQ00000Q" (in code, say) would be replaced by somebody else's math or
	 * block. */
	unsigned char *seen = calloc(f.nobjs + 1, 1);
	if (!seen)
		abort();
	for (size_t part = 0; part < 1 + 2 * f.nquiz; part++) {
		const char *md = part == 0 ? f.md : part % 2 ? f.quiz[part / 2].hint : f.quiz[(part - 1) / 2].reason;
		size_t len = md ? strlen(md) : 0;
		for (size_t i = 0; i + VXR_TOKEN_LEN <= len; i++) {
			if (memcmp(md + i, "VXQ", 3) != 0)
				continue;
			size_t o = vxr_token_at(md + i, len - i);
			if (o == SIZE_MAX)
				continue;
			FUZZ_CHECK(fuzz_skip("vxq") || (o < f.nobjs && !seen[o]), "token for object %zu (%s) of %zu in: %.60s",
			           o, o < f.nobjs && seen[o] ? "again" : "none", f.nobjs, md + i);
			if (o < f.nobjs)
				seen[o] = 1;
		}
	}
	for (size_t i = 0; i < f.nobjs; i++)
		FUZZ_CHECK(seen[i], "object %zu of %zu has no token in the Markdown", i, f.nobjs);
	free(seen);
	if (style == VXF_ASCII && ascii_in)
		FUZZ_CHECK(is_ascii((const uint8_t *)f.md, f.len), "non-ASCII in ASCII-style Markdown: %.80s", f.md);
	for (size_t i = 0; i < f.nobjs; i++) {
		const vxr_obj *o = &f.objs[i];
		if (o->kind != VXR_OBJ_MATH && o->kind != VXR_OBJ_DMATH)
			continue;
		FUZZ_CHECK(o->tex != NULL, "math object %zu without TeX", i);
		char *out = NULL;
		size_t col = 0;
		vx_error me = { 0 };
		size_t len = strlen(o->tex);
		st = vxm_render(o->tex, len, VXM_MATHML, o->kind == VXR_OBJ_DMATH, &out, &col, &me);
		if (st != VX_OK) {
			fuzz_check_error(st, &me);
			FUZZ_CHECK(col >= 1 && col <= len + 1, "math column %zu outside 1..%zu", col, len + 1);
		}
		free(out);
	}
	vxr_filled_clear(&f);
}

/* 1 when an attribute value (after the quote of name=") runs script as a
 * browser reads it: character references decoded (a handout's hrefs hold
 * &amp; and &#x27;, but any would count), leading spaces and control
 * characters dropped and tabs and newlines removed anywhere, as the URL
 * parser does, then a javascript: or vbscript: scheme in any case, or data:
 * when data counts (a link's, not an embedded picture's).  Only the scheme
 * counts: "javascriptjavascript:alert(1)" is a link to a scheme no browser
 * knows, harmless. */
static int scripted_url(const char *v, int data)
{
	char u[16];
	size_t n = 0;
	for (const char *p = v; *p && *p != '"' && n < sizeof u - 1;) {
		unsigned c = (unsigned char)*p++;
		if (c == '&') {
			if (*p == '#') {
				char *end;
				int hex = p[1] == 'x' || p[1] == 'X';
				unsigned long x = strtoul(p + 1 + hex, &end, hex ? 16 : 10);
				c = x < 128 ? (unsigned)x : 0x80;
				p = *end == ';' ? end + 1 : end;
			} else if (strncmp(p, "amp;", 4) == 0) {
				p += 4;
			}
		}
		if (c == '\t' || c == '\n' || c == '\r' || (n == 0 && c <= ' '))
			continue;
		u[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	u[n] = 0;
	return strncmp(u, "javascript:", 11) == 0 || strncmp(u, "vbscript:", 9) == 0 ||
	       (data && strncmp(u, "data:", 5) == 0);
}

/* 1 when some name="…" in text holds a scripted URL */
static int any_scripted(const char *text, const char *name, int data)
{
	size_t k = strlen(name);
	for (const char *p = text; (p = strcasestr(p, name)) != NULL; p += k)
		if (scripted_url(p + k, data))
			return 1;
	return 0;
}

/* The whole handout from the template held in a memory file. */
static void check_handout(const uint8_t *d, size_t n)
{
	int fd = memfd_create("fuzz.md", 0);
	if (fd < 0)
		return;
	if (n && write(fd, d, n) != (ssize_t)n) {
		close(fd);
		return;
	}
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	vxr_format fmt = (vxr_format)(n % 3);
	char *text = NULL;
	vxr_side *side = NULL;
	size_t nside = 0;
	vx_error err = { 0 };
	vx_status st = vxr_report_render(&ctx, fmt, path, NULL, &text, &side, &nside, &err);
	if (st == VX_OK) {
		FUZZ_CHECK(text != NULL, "VX_OK without a document");
		if (fmt == VXR_HTML) {
			FUZZ_CHECK(strcasestr(text, "<script") == NULL, "a <script> element in the handout");
			FUZZ_CHECK(strcasestr(text, "src=\"http") == NULL && !any_scripted(text, "href=\"", 1) &&
			           !any_scripted(text, "src=\"", 0),
			           "an external fetch or a javascript:, vbscript: or data: URL in the handout");
		}
	} else {
		fuzz_check_error(st, &err);
	}
	for (size_t i = 0; i < nside; i++) {
		free(side[i].name);
		free(side[i].text);
	}
	free(side);
	free(text);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t lines = 1;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';

	vxr_tpl *t = NULL;
	vx_error err = { 0 };
	vx_status st = vxr_tpl_parse("fuzz.md", (const char *)data, size, &t, &err);
	if (st != VX_OK) {
		fuzz_check_error(st, &err);
		check_position(&err, "fuzz.md", lines);
		FUZZ_CHECK(t == NULL, "template returned with status %d", (int)st);
		return 0;
	}
	(void)vxr_tpl_title(t);

	vx_params p;
	vx_params_default(&p);
	size_t j = 0, k = 0;
	st = vxr_tpl_apply_defaults(t, &p, &j, &k, NULL, &err);
	fuzz_check_params(&p);
	if (st != VX_OK) {
		fuzz_check_error(st, &err);
		check_position(&err, "fuzz.md", lines);
	}

	int ascii_in = is_ascii(data, size);
	check_fill(t, VXF_UNICODE, ascii_in, lines);
	check_fill(t, VXF_ASCII, ascii_in, lines);
	vxr_tpl_free(t);

	check_handout(data, size);
	return 0;
}
