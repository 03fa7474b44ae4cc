/*
 * slides.c — the handout as slides: ONE self-contained HTML file (the
 * handout's MathML, SVG plots and tables, inline CSS, no script, nothing
 * fetched) in which each slide is a section the height of the window.
 *
 * Without a script: the window scrolls from slide to slide by CSS scroll
 * snapping (Page Down, Space, the arrow keys or a wheel), and printing
 * gives one slide per 16:9 page (@page 13.333in × 7.5in, a page break
 * before every slide but the first, each slide exactly a page high).
 *
 * A slide starts at every heading of level 1 or 2 (a step) and at a
 * thematic break (---, which is not drawn).  A step too long for one slide
 * goes on over several, its title repeated with "(continued)": the blocks
 * of a step are put on a slide while their estimated height (lines of the
 * slide's text, from the characters of a paragraph, the rows of a table or
 * matrix, a plot's fixed height) fits BUDGET lines.  A single block taller
 * than that gets a slide of its own and is clipped in print.
 */
#include "report/doc/render.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/doc/cite.h"
#include "report/text/utf8.h"

/* Heights are in lines of the slide's text, measured in Chromium on every
 * block of the built-in handout at 1280×720 (text 3.6% of the window's
 * height, line height 1.4; 19 pt on a 7.5 in page gives the same): a slide
 * holds 17.8 lines inside its padding, a title takes 2.1 (a two-line h1
 * 4.5), a paragraph one per 95 characters and 0.8 of margins, a table row
 * 1.04, a matrix row 1.07, a plot 11.6.  BUDGET leaves a line for the
 * estimate's errors. */
#define BUDGET 15.0
#define LINE_CHARS 95.0
#define ROW_LINES 1.04

static const char css_slides[] =
	":root{--ink:#1d2327;--soft:#5b6670;--rule:#d5dbe0;--accent:#1f5f8b;--tint:#f3f6f8;}\n"
	/* the text grows with the window, as on a projector */
	"html{font-size:min(3.6vh,2vw);scroll-snap-type:y mandatory;}\n"
	"body{margin:0;background:#dfe4e8;color:var(--ink);"
	"font-family:'Iowan Old Style','Palatino Linotype',Palatino,'Book Antiqua',Georgia,'DejaVu Serif',serif;"
	"line-height:1.4;-webkit-text-size-adjust:100%;}\n"
	".slide{box-sizing:border-box;height:100vh;padding:4vh 6vw 6vh;background:#fff;position:relative;"
	"scroll-snap-align:start;overflow:auto;}\n"
	".slide+.slide{border-top:2px solid var(--rule);}\n"
	".slide.first{display:flex;flex-direction:column;justify-content:center;}\n"
	"h1,h2,h3{font-family:'Source Sans Pro','Segoe UI','Helvetica Neue',Arial,'DejaVu Sans',sans-serif;"
	"line-height:1.2;color:#10191f;}\n"
	"h1{font-size:2.2rem;margin:0 0 1rem;}\n"
	"h2{font-size:1.5rem;margin:0 0 .8rem;padding-bottom:.3rem;border-bottom:2px solid var(--accent);}\n"
	"h2 .cont{color:var(--soft);font-weight:normal;font-size:.8em;}\n"
	"h3{font-size:1.15rem;margin:1rem 0 .4rem;}\n"
	"p{margin:.55rem 0;}\n"
	"ul,ol{padding-left:1.6rem;margin:.4rem 0;}li{margin:.2rem 0;}\n"
	"code{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace;font-size:.86em;background:var(--tint);}\n"
	"pre{background:var(--tint);padding:.6rem 1rem;overflow-x:auto;}\n"
	"blockquote{margin:.6rem 0;padding:.1rem 1rem;border-left:4px solid var(--accent);background:var(--tint);}\n"
	".slide .no{position:absolute;right:6vw;bottom:2vh;color:var(--soft);font-size:.7rem;}\n";

/* After the blocks' rules: tables a little smaller and tighter, a plot no
 * taller than half the slide. */
static const char css_slides_end[] =
	".slide table{font-size:.82rem;}\n"
	".slide th,.slide td{padding:.15rem .6rem;}\n"
	".slide .table,.slide .matrix{margin:.5rem 0;}\n"
	/* eight works fit a 4:3 slide (800×600: 475 px of 455 at .85rem) */
	".slide .refs p{font-size:.78rem;margin:.2rem 0;}\n"

	"figure{margin:.6rem 0;}\n"
	"figure svg{max-height:48vh;width:auto;max-width:100%;}\n"
	"@page{size:13.333in 7.5in;margin:0;}\n"
	"@media print{\n"
	"html{font-size:17pt;scroll-snap-type:none;}\n"
	"body{background:#fff;}\n"
	".slide{width:13.333in;height:7.5in;padding:.35in .8in .45in;overflow:hidden;border:0;}\n"
	".slide+.slide{break-before:page;border:0;}\n"
	".slide .no{right:.8in;bottom:.15in;}\n"
	"figure svg{max-height:3.6in;}\n"
	"tbody tr:nth-child(even){background:none;}\n"
	"a{color:inherit;text-decoration:none;}\n"
	"}\n";

/* ================================================================ heights */

typedef struct {
	double chars, display;
} measured;

static void measure_text(void *u, const char *s)
{
	((measured *)u)->chars += (double)vxr_u8_width(s);
}

static void measure_break(void *u)
{
	((measured *)u)->chars += 1;
}

static void measure_obj(void *u, const vxr_obj *o)
{
	measured *M = u;
	if (o->kind == VXR_OBJ_MATH) {
		M->chars += (double)strlen(o->tex) / 2;
	} else if (o->kind == VXR_OBJ_CITE) {
		M->chars += 6;   /* [1, 2] */
	} else if (strstr(o->tex, "\\begin{")) {
		double rows = 1;
		for (const char *p = o->tex; (p = strstr(p, "\\\\")) != NULL; p += 2)
			rows++;
		M->display += rows * 1.07 + 0.6;
	} else {
		M->display += strstr(o->tex, "\\frac") || strstr(o->tex, "\\sum") || strstr(o->tex, "\\prod")
		              ? 2.5 : 1.5;
	}
}

/* What the text under n takes: *chars characters of running text (a
 * formula counts half its TeX source, a citation six) and *display lines
 * of display formulas (a matrix by its rows, a fraction or a big operator
 * two and a half, else one and a half). */
static void measure(const vxr_rctx *rc, cmark_node *n, double *chars, double *display)
{
	static const vxr_inline_ops ops = { measure_text, measure_break, measure_obj };
	measured M = { 0, 0 };
	vxr_inline_walk(n, rc->filled, &ops, &M);
	*chars = M.chars;
	*display = M.display;
}

/* Lines of running text, rounded up, display formulas, and a paragraph's
 * margins. */
static double para_lines(const vxr_rctx *rc, cmark_node *n)
{
	double chars, display;
	measure(rc, n, &chars, &display);
	double lines = chars > 0 ? (double)(long)(chars / LINE_CHARS + 0.999) : 0;
	return lines + display + 0.8;
}

/* The height of a live block, in lines. */
static double block_lines(const vxr_rctx *rc, const vxr_obj *o)
{
	const vxr_ctx *c = vxr_env_ctx(rc->env);
	size_t t = c->result->t, d = c->result->d;
	switch (o->blk) {
	case VXR_BLK_TABLE_PATHS: {
		size_t rows = o->rows ? o->rows : 12;
		return (double)((t < rows ? t : rows) + 2) * ROW_LINES + 1.3;   /* header, note */
	}
	case VXR_BLK_TABLE_STEPS: {
		size_t rows = o->rows ? o->rows : 10;
		return (double)((t < rows ? t : rows) + 2) * ROW_LINES + 1.3;
	}
	case VXR_BLK_TABLE_GATES: return (double)((t < 12 ? t : 12) + 2) * ROW_LINES + 2.1;   /* 12 gaps, a note */
	case VXR_BLK_TABLE_INITS:
	case VXR_BLK_TABLE_REGIMES: return 5 * ROW_LINES + 2.1;   /* a note of two lines */
	case VXR_BLK_RECORD: return (vxr_record_gated(c) ? 9 : 8) * ROW_LINES + 1;   /* 14 or 16 rows, two pairs of columns */
	case VXR_BLK_REFERENCES: return 2.0 * (double)vxr_ref_count();   /* .78 of the text */
	case VXR_BLK_MATRIX: {
		/* every matrix has d rows; two of them stack */
		size_t size = o->size ? o->size : 6, shown = d < size ? d : size;
		return ((double)shown * 1.07 + 0.7) * (o->mat[1][0] ? 2 : 1);
	}
	default: return 11.7;   /* a plot: 48% of the slide, its legend and caption */
	}
}

/* The height of a top-level node, in lines. */
static double node_lines(const vxr_rctx *rc, cmark_node *n)
{
	switch (cmark_node_get_type(n)) {
	case CMARK_NODE_CUSTOM_BLOCK: {
		size_t idx = vxr_node_obj(n);
		return idx < rc->filled->nobjs ? block_lines(rc, &rc->filled->objs[idx]) : 4;
	}
	case CMARK_NODE_HEADING: return cmark_node_get_heading_level(n) == 1 ? 4.5 : 2.2;
	case CMARK_NODE_LIST: {
		double h = 0.8;
		for (cmark_node *it = cmark_node_first_child(n); it; it = cmark_node_next(it))
			h += para_lines(rc, it) - 0.6;
		return h;
	}
	case CMARK_NODE_CODE_BLOCK: {
		const char *l = cmark_node_get_literal(n);
		double lines = 1.5;
		for (; l && *l; l++)
			lines += *l == '\n';
		return lines;
	}
	case CMARK_NODE_THEMATIC_BREAK: return 0;
	default: return para_lines(rc, n);
	}
}

/* ================================================================ slides */

typedef struct {
	cmark_node *title;    /* the heading the slide goes on from (continued), or NULL */
	cmark_node **nodes;   /* what it shows, in order */
	size_t n, cap;
	int continued;
} slide;

typedef struct {
	slide *v;
	size_t n, cap;
	int oom;
} deck;

static slide *new_slide(deck *k, cmark_node *title, int continued)
{
	if (k->n == k->cap) {
		size_t cap = k->cap ? 2 * k->cap : 32;
		slide *v = realloc(k->v, cap * sizeof *v);
		if (!v) {
			k->oom = 1;
			return NULL;
		}
		k->v = v;
		k->cap = cap;
	}
	slide *s = &k->v[k->n++];
	memset(s, 0, sizeof *s);
	s->title = title;
	s->continued = continued;
	return s;
}

static void add_node(deck *k, slide *s, cmark_node *n)
{
	if (!s)
		return;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 8;
		cmark_node **v = realloc(s->nodes, cap * sizeof *v);
		if (!v) {
			k->oom = 1;
			return;
		}
		s->nodes = v;
		s->cap = cap;
	}
	s->nodes[s->n++] = n;
}

/* Whether n is a paragraph that announces what follows it ("Here is the
 * product for k = 1:", a matrix; "For this network:", a list or display
 * math): the two go on one slide. */
static int announces(cmark_node *n)
{
	cmark_node *next = cmark_node_next(n);
	if (cmark_node_get_type(n) != CMARK_NODE_PARAGRAPH || !next ||
	    cmark_node_get_type(next) == CMARK_NODE_HEADING || cmark_node_get_type(next) == CMARK_NODE_THEMATIC_BREAK)
		return 0;
	/* the last text, past text nodes left empty where the punctuation went
	 * into the math before it ("for $k = 1$:", doc.c's glue_punctuation) */
	cmark_node *last = cmark_node_last_child(n);
	while (last && cmark_node_get_type(last) == CMARK_NODE_TEXT && cmark_node_get_literal(last) &&
	       !cmark_node_get_literal(last)[strspn(cmark_node_get_literal(last), " \n")])
		last = cmark_node_previous(last);
	const char *l = NULL;
	size_t len = 0;
	if (last && cmark_node_get_type(last) == CMARK_NODE_TEXT) {
		l = cmark_node_get_literal(last);
		len = l ? strlen(l) : 0;
	} else if (last && cmark_node_get_type(last) == CMARK_NODE_CUSTOM_INLINE) {
		l = cmark_node_get_on_enter(last);
		len = l ? strlen(l) : 0;
		if (len >= 7 && strcmp(l + len - 7, "</span>") == 0)
			len -= 7;
	}
	while (len > 0 && (l[len - 1] == ' ' || l[len - 1] == '\n'))
		len--;
	return len > 0 && l[len - 1] == ':';
}

/* Puts the top-level nodes of root on slides. */
static void deal(const vxr_rctx *rc, cmark_node *root, deck *k)
{
	slide *s = NULL;
	cmark_node *title = NULL;
	double used = 0;
	int held = 0;   /* n was announced by the paragraph before: it joins that one's slide */
	for (cmark_node *n = cmark_node_first_child(root); n && !k->oom; n = cmark_node_next(n)) {
		cmark_node_type ty = cmark_node_get_type(n);
		if (ty == CMARK_NODE_THEMATIC_BREAK) {
			s = NULL;   /* the next node opens a slide */
			title = NULL;
			continue;
		}
		double h = node_lines(rc, n);
		if (ty == CMARK_NODE_HEADING && cmark_node_get_heading_level(n) <= 2) {
			s = new_slide(k, NULL, 0);
			title = n;
			add_node(k, s, n);
			used = h - 2.2;   /* a title of two lines takes from the budget */
			continue;
		}
		/* a paragraph that announces a block needs the room of both, and
		 * the block goes where the paragraph went (it was checked once,
		 * with the paragraph), unless the two are taller than a slide */
		int ann = announces(n);
		double need = ann ? h + node_lines(rc, cmark_node_next(n)) : h;
		int keep = held;
		held = ann && need <= BUDGET;
		if (!s) {
			s = new_slide(k, NULL, 0);
			used = 0;
		} else if (!keep && used > 0 && used + need > BUDGET) {
			/* this step goes on over the next slide */
			s = new_slide(k, title, title != NULL);
			used = 0;
		}
		add_node(k, s, n);
		used += h;
	}
}

static void deck_clear(deck *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->v[i].nodes);
	free(k->v);
}

/* A heading's HTML with "(continued)" before its closing tag. */
static int put_continued(vxr_buf *b, cmark_node *h)
{
	char *html = cmark_render_html(h, CMARK_OPT_DEFAULT);
	if (!html)
		return -1;
	char *close = strstr(html, "</h");
	if (close) {
		vxr_buf_put(b, html, (size_t)(close - html));
		vxr_buf_puts(b, " <span class=\"cont\">(continued)</span>");
		vxr_buf_puts(b, close);
	} else {
		vxr_buf_puts(b, html);
	}
	free(html);
	return 0;
}

vx_status vxr_slides_document(vxr_rctx *rc, cmark_node *root, const char *title, char **out, vx_error *err)
{
	deck k = { 0 };
	deal(rc, root, &k);
	if (k.oom) {
		deck_clear(&k);
		return vx_fail(err, VX_ENOMEM, "out of memory");
	}
	vxr_buf b = { 0 };
	vxr_html_head(&b, title, css_slides, vxr_html_css_blocks, css_slides_end);
	int fail = 0;
	for (size_t i = 0; i < k.n && !fail; i++) {
		const slide *s = &k.v[i];
		vxr_buf_printf(&b, "<section class=\"slide%s\" id=\"slide-%zu\">\n", i == 0 ? " first" : "", i + 1);
		if (s->continued)
			fail |= put_continued(&b, s->title) != 0;
		for (size_t j = 0; j < s->n && !fail; j++) {
			char *html = cmark_render_html(s->nodes[j], CMARK_OPT_DEFAULT);
			if (!html) {
				fail = 1;
				break;
			}
			vxr_buf_puts(&b, html);
			free(html);
		}
		vxr_buf_printf(&b, "<div class=\"no\">%zu / %zu</div>\n</section>\n", i + 1, k.n);
	}
	vxr_buf_puts(&b, "</body>\n</html>\n");
	deck_clear(&k);
	if (fail || b.oom) {
		free(b.s);
		return vx_fail(err, VX_ENOMEM, "out of memory rendering the slides");
	}
	return vxr_buf_finish(&b, VX_OK, out, err);
}
