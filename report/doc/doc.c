/*
 * doc.c — the handout pipeline: templates → filled Markdown → cmark tree →
 * tokens replaced by rendered objects → HTML / LaTeX / Markdown, in memory
 * with its side files (report/handout.c writes them).
 *
 * The one walker over the cmark tree lives here (substitute): it turns each
 * token the filler left in the text into a custom node carrying its object,
 * so cmark's renderers write the prose and ours write only math and blocks.
 */
#include "report/text/buf.h"
#include "report/doc/doc.h"
#include "engine/fileio.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "report/doc/render.h"
#include "report/doc/templates.h"
#include "report/doc/tpl.h"

#define VXR_MAX_TEMPLATE (4u << 20)

/* ================================================================ embedded steps */

const struct vx_embedded *vxr_template_find(const char *name)
{
	for (const struct vx_embedded *e = vx_embedded_templates; e->name; e++)
		if (strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

static int is_step_name(const char *n)
{
	size_t l = strlen(n);
	return l > 6 && n[0] >= '0' && n[0] <= '9' && n[1] >= '0' && n[1] <= '9' && n[2] == '-' &&
	       strcmp(n + l - 3, ".md") == 0;
}

/* The i-th step's embedded template (0-based), or NULL. */
static const struct vx_embedded *step_at(size_t i)
{
	size_t n = 0;
	for (const struct vx_embedded *e = vx_embedded_templates; e->name; e++)
		if (is_step_name(e->name) && n++ == i)
			return e;
	return NULL;
}

size_t vxr_step_count(void)
{
	size_t n = 0;
	for (const struct vx_embedded *e = vx_embedded_templates; e->name; e++)
		n += is_step_name(e->name);
	return n;
}

const char *vxr_step_name(size_t i)
{
	const struct vx_embedded *e = step_at(i);
	return e ? e->name : NULL;
}

const char *vxr_step_title(size_t i)
{
	const struct vx_embedded *e = step_at(i);
	return e ? e->title : NULL;
}

const char *vxr_step_panel(size_t i)
{
	const struct vx_embedded *e = step_at(i);
	vxr_tpl *t = NULL;
	vx_error err;
	if (!e || vxr_tpl_parse(e->name, e->text, e->size, &t, &err) != VX_OK)
		return NULL;
	const char *panel = vxr_tpl_panel(t);   /* a constant: it outlives t */
	vxr_tpl_free(t);
	return panel;
}

size_t vxr_step_quiz_count(size_t i)
{
	const struct vx_embedded *e = step_at(i);
	vxr_tpl *t = NULL;
	vx_error err;
	if (!e || vxr_tpl_parse(e->name, e->text, e->size, &t, &err) != VX_OK)
		return 0;
	size_t n = vxr_tpl_quiz_count(t);
	vxr_tpl_free(t);
	return n;
}

/* ================================================================ files */

vx_status vxr_read_file(const char *path, char **text, size_t *len, vx_error *err)
{
	return vx_read_file(path, VXR_MAX_TEMPLATE, "a template file", text, len, err);
}

/* A template file read and parsed into *t (the caller frees it). */
static vx_status parse_file(const char *template_path, vxr_tpl **t, vx_error *err)
{
	char *text;
	size_t len;
	*t = NULL;
	vx_status st = vxr_read_file(template_path, &text, &len, err);
	if (st != VX_OK)
		return st;
	st = vxr_tpl_parse(template_path, text, len, t, err);
	free(text);
	return st;
}

vx_status vxr_template_defaults(const char *template_path, vx_params *p, size_t *j, size_t *k,
                                vxr_weights_kind_fn weights_kind, vx_error *err)
{
	vxr_tpl *t;
	vx_status st = parse_file(template_path, &t, err);
	if (st == VX_OK)
		st = vxr_tpl_apply_defaults(t, p, j, k, weights_kind, err);
	vxr_tpl_free(t);
	return st;
}

vx_status vxr_template_check_views(const char *template_path, size_t T, size_t tl, vx_error *err)
{
	vxr_tpl *t;
	vx_status st = parse_file(template_path, &t, err);
	if (st == VX_OK)
		st = vxr_tpl_check_views(t, T, tl, err);
	vxr_tpl_free(t);
	return st;
}

/* ================================================================ the walker */

static vx_status block_alone_error(const vxr_obj *o, vx_error *err)
{
	return vx_fail(err, VX_EFORMAT, "%s:%d:%d: a {{%s}} block must be a paragraph of its own (blank lines around it)",
	               o->file, o->line, o->col,
	               o->blk == VXR_BLK_MATRIX ? "matrix" : o->blk == VXR_BLK_RECORD ? "record"
	               : vxr_blk_is_plot(o->blk) ? "plot" : "table");
}

static void set_obj(cmark_node *n, size_t idx)
{
	cmark_node_set_user_data(n, (void *)(uintptr_t)(idx + 1));
}

size_t vxr_node_obj(cmark_node *n)
{
	uintptr_t v = (uintptr_t)cmark_node_get_user_data(n);
	return v ? (size_t)(v - 1) : SIZE_MAX;
}

void vxr_inline_walk(cmark_node *n, const vxr_filled *f, const vxr_inline_ops *ops, void *u)
{
	cmark_iter *it = cmark_iter_new(n);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *x = cmark_iter_get_node(it);
		if (ev != CMARK_EVENT_ENTER)
			continue;
		cmark_node_type ty = cmark_node_get_type(x);
		if (ty == CMARK_NODE_TEXT || ty == CMARK_NODE_CODE) {
			const char *l = cmark_node_get_literal(x);
			ops->text(u, l ? l : "");
		} else if (ty == CMARK_NODE_SOFTBREAK) {
			ops->softbreak(u);
		} else if (ty == CMARK_NODE_CUSTOM_INLINE) {
			size_t idx = vxr_node_obj(x);
			if (idx < f->nobjs)
				ops->obj(u, &f->objs[idx]);
		}
	}
	cmark_iter_free(it);
}

/* Replaces the tokens of one text node by custom nodes. */
static vx_status split_text(cmark_node *tn, const vxr_filled *f, vx_error *err)
{
	const char *lit = cmark_node_get_literal(tn);
	if (!lit || !strstr(lit, "VXQ"))
		return VX_OK;
	size_t len = strlen(lit);
	cmark_node *parent = cmark_node_parent(tn);
	/* a block token alone in its paragraph */
	size_t idx = vxr_token_at(lit, len);
	if (idx != SIZE_MAX && idx < f->nobjs && f->objs[idx].kind == VXR_OBJ_BLOCK) {
		if (len != VXR_TOKEN_LEN || !parent || cmark_node_get_type(parent) != CMARK_NODE_PARAGRAPH ||
		    cmark_node_first_child(parent) != tn || cmark_node_last_child(parent) != tn)
			return block_alone_error(&f->objs[idx], err);
		cmark_node *cb = cmark_node_new(CMARK_NODE_CUSTOM_BLOCK);
		if (!cb)
			return vx_fail(err, VX_ENOMEM, "out of memory");
		set_obj(cb, idx);
		cmark_node_replace(parent, cb);
		cmark_node_free(parent);
		return VX_OK;
	}
	char *copy = strdup(lit);
	if (!copy)
		return vx_fail(err, VX_ENOMEM, "out of memory");
	size_t start = 0;
	vx_status st = VX_OK;
	for (size_t i = 0; i + VXR_TOKEN_LEN <= len;) {
		size_t id = vxr_token_at(copy + i, len - i);
		if (id == SIZE_MAX || id >= f->nobjs) {
			i++;
			continue;
		}
		if (f->objs[id].kind == VXR_OBJ_BLOCK) {
			st = block_alone_error(&f->objs[id], err);
			break;
		}
		if (i > start) {
			cmark_node *t = cmark_node_new(CMARK_NODE_TEXT);
			char *seg = strndup(copy + start, i - start);
			if (!t || !seg) {
				free(seg);
				cmark_node_free(t);
				st = vx_fail(err, VX_ENOMEM, "out of memory");
				break;
			}
			cmark_node_set_literal(t, seg);
			free(seg);
			cmark_node_insert_before(tn, t);
		}
		cmark_node *ci = cmark_node_new(CMARK_NODE_CUSTOM_INLINE);
		if (!ci) {
			st = vx_fail(err, VX_ENOMEM, "out of memory");
			break;
		}
		set_obj(ci, id);
		cmark_node_insert_before(tn, ci);
		i += VXR_TOKEN_LEN;
		start = i;
	}
	if (st == VX_OK) {
		if (start < len) {
			cmark_node_set_literal(tn, copy + start);
		} else {
			cmark_node_unlink(tn);
			cmark_node_free(tn);
		}
	}
	free(copy);
	return st;
}

vx_status vxr_substitute(cmark_node *root, const vxr_filled *f, vx_error *err)
{
	cmark_consolidate_text_nodes(root);
	/* collect first: the tree changes under the replacement */
	size_t n = 0, cap = 64;
	cmark_node **texts = malloc(cap * sizeof *texts);
	if (!texts)
		return vx_fail(err, VX_ENOMEM, "out of memory");
	cmark_iter *it = cmark_iter_new(root);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *nd = cmark_iter_get_node(it);
		if (ev == CMARK_EVENT_ENTER && cmark_node_get_type(nd) == CMARK_NODE_TEXT) {
			if (n == cap) {
				cmark_node **nt = realloc(texts, cap * 2 * sizeof *nt);
				if (!nt) {
					cmark_iter_free(it);
					free(texts);
					return vx_fail(err, VX_ENOMEM, "out of memory");
				}
				texts = nt;
				cap *= 2;
			}
			texts[n++] = nd;
		}
	}
	cmark_iter_free(it);
	vx_status st = VX_OK;
	for (size_t i = 0; i < n && st == VX_OK; i++)
		st = split_text(texts[i], f, err);
	free(texts);
	return st;
}

/* ================================================================ filling a document */

/* What a step about the vanilla cell alone (`cell: rnn`) says under its
 * title when the reader chose a gated cell: whose numbers these are, and
 * the chosen cell's own (its names read the gated network here).  A step
 * may show gated numbers of its own too (step 15's table), so the note
 * speaks of the vanilla cell's numbers, not of all. */
#define GATED_NAME "{{#if cell == \"lstm\"}}LSTM{{else}}GRU{{/if}}"
static const char vanilla_note[] =
	"{{#if later.gated}}"
	/* the tutor lays the step out before that network is in (env.h) */
	"*The vanilla cell's numbers here are those of a vanilla network with the same $d$, $T$, inputs and "
	"$\\lambda$ as the " GATED_NAME " you chose, which is being analysed; its own numbers appear here "
	"when they are in.*{{else}}"
	"*The vanilla cell's numbers here are those of a vanilla network with the same $d$, $T$, inputs and "
	"$\\lambda$ as the " GATED_NAME " you chose, whose whole state $S$ has "
	"$\\|\\partial S_t/\\partial S_1\\|_2 = {{path.norm k=1}}$ over the longest gap and "
	"{{#if fate == \"none\"}}no horizon within $t - 1 = {{t-1}}${{else}}its horizon at $t - k = {{horizon}}$ "
	"({{fate}}){{/if}}.*{{/if}}\n\n";
/* The same in a handout, from the second such step on: the first said it */
static const char vanilla_note_again[] =
	"*As above: the vanilla cell's numbers, beside the " GATED_NAME " you chose.*\n\n";

/* Puts the note of vanilla_note right under the first "## " title of the
 * step filled from byte at on. */
static vx_status note_vanilla(vxr_env *env, vxf_style prose, vxr_filled *f, size_t at, int again, vx_error *err)
{
	size_t title = at;
	while (title + 3 <= f->len && !((title == 0 || f->md[title - 1] == '\n') && memcmp(f->md + title, "## ", 3) == 0))
		title++;
	const char *nl = title + 3 <= f->len ? memchr(f->md + title, '\n', f->len - title) : NULL;
	if (!nl)
		return vx_fail(err, VX_EINTERNAL, "internal: a step about the vanilla cell has no ## title");
	size_t under = (size_t)(nl - f->md) + 1;
	vxr_tpl *t = NULL;
	size_t from = f->len;
	const char *text = again ? vanilla_note_again : vanilla_note;
	vx_status st = vxr_tpl_parse("(the vanilla cell's note)", text, strlen(text), &t, err);
	if (st == VX_OK)
		st = vxr_tpl_fill(t, env, prose, f, err);
	vxr_tpl_free(t);
	if (st != VX_OK)
		return st;
	/* filled at the end (its objects are indices, wherever their tokens
	 * stand), then moved under the title */
	size_t n = f->len - from;
	char *note = malloc(n + 2);
	if (!note)
		return vx_fail(err, VX_ENOMEM, "out of memory");
	note[0] = '\n';
	memcpy(note + 1, f->md + from, n);
	f->len = from;
	f->md[f->len] = '\0';
	st = vxr_filled_insert(f, under, note, n + 1) == VX_OK ? VX_OK : vx_fail(err, VX_ENOMEM, "out of memory");
	free(note);
	return st;
}

/* Fills one template text into f; a step about the vanilla cell alone gets
 * its note when the reader chose another cell: the short one when *noted
 * (then set; noted NULL: always the whole note). */
static vx_status fill_noted(vxr_env *env, const char *name, const char *text, size_t len, vxf_style prose,
                            vxr_filled *f, int *noted, vx_error *err)
{
	vxr_tpl *t = NULL;
	size_t at = f->len;
	vx_status st = vxr_tpl_parse(name, text, len, &t, err);
	if (st == VX_OK)
		st = vxr_tpl_fill(t, env, prose, f, err);
	if (st == VX_OK && vxr_tpl_vanilla(t) && vxr_env_ctx(env)->cell != VX_CELL_RNN) {
		st = note_vanilla(env, prose, f, at, noted && *noted, err);
		if (noted)
			*noted = 1;
	}
	vxr_tpl_free(t);
	if (st == VX_OK && vxr_filled_append(f, "\n\n", 2) != VX_OK)
		st = vx_fail(err, VX_ENOMEM, "out of memory");
	return st;
}

static vx_status fill_one(vxr_env *env, const char *name, const char *text, size_t len, vxf_style prose,
                          vxr_filled *f, vx_error *err)
{
	return fill_noted(env, name, text, len, prose, f, NULL, err);
}

static const char record_tail[] =
	"\n\n---\n\n*Made with vanex {{version}} on {{date}}; the parameters below reproduce every number.*\n\n"
	"{{record}}\n";

static vx_status fill_step(vxr_env *env, size_t i, vxf_style prose, vxr_filled *f, int *noted, vx_error *err)
{
	const struct vx_embedded *e = step_at(i);
	if (!e)
		return vx_fail(err, VX_EUSAGE, "no step %zu (there are %zu)", i + 1, vxr_step_count());
	char name[300];
	snprintf(name, sizeof name, "templates/%s", e->name);
	return fill_noted(env, name, e->text, e->size, prose, f, noted, err);
}

vx_status vxr_fill_step(vxr_env *env, size_t i, vxf_style prose, vxr_filled *f, vx_error *err)
{
	return fill_step(env, i, prose, f, NULL, err);
}

/* Puts "Step N. " in front of the title of the step filled from byte at
 * on: its first "## " heading.  The handout numbers its steps in the text
 * itself, so that every format (and a reader's copy of a title) has them;
 * the tutor shows the number in its own frame. */
static vx_status number_step(vxr_filled *f, size_t at, size_t n, vx_error *err)
{
	for (size_t i = at; i + 3 <= f->len; i++) {
		if ((i == 0 || f->md[i - 1] == '\n') && memcmp(f->md + i, "## ", 3) == 0) {
			char num[32];
			int w = snprintf(num, sizeof num, "Step %zu. ", n);
			if (vxr_filled_insert(f, i + 3, num, (size_t)w) != VX_OK)
				return vx_fail(err, VX_ENOMEM, "out of memory");
			return VX_OK;
		}
	}
	return vx_fail(err, VX_EINTERNAL, "internal: step %zu has no ## title", n);
}

/* The whole handout's Markdown: the frame, every step numbered, and the
 * references; or the user's template followed by the record when it has
 * none of its own. */
static vx_status fill_handout(vxr_env *env, const char *template_path, vxf_style prose, vxr_filled *f,
                              char **title, vx_error *err)
{
	vx_status st;
	*title = NULL;
	if (template_path) {
		char *text;
		size_t len;
		st = vxr_read_file(template_path, &text, &len, err);
		if (st != VX_OK)
			return st;
		vxr_tpl *t = NULL;
		st = vxr_tpl_parse(template_path, text, len, &t, err);
		if (st == VX_OK) {
			const char *ti = vxr_tpl_title(t);
			*title = ti ? strdup(ti) : NULL;
			st = vxr_tpl_fill(t, env, prose, f, err);
		}
		vxr_tpl_free(t);
		free(text);
		if (st != VX_OK)
			return st;
		int has_record = 0;
		for (size_t i = 0; i < f->nobjs; i++)
			has_record |= f->objs[i].kind == VXR_OBJ_BLOCK && f->objs[i].blk == VXR_BLK_RECORD;
		if (!has_record)
			st = fill_one(env, "(record)", record_tail, sizeof record_tail - 1, prose, f, err);
		if (st == VX_OK && vxr_env_ctx(env)->answers)
			st = vxr_quiz_answer_key(f, err);
		return st;
	}
	const struct vx_embedded *fr = vxr_template_find("handout.md");
	const struct vx_embedded *refs = vxr_template_find("references.md");
	if (!fr || !refs)
		return vx_fail(err, VX_EINTERNAL, "internal: templates/handout.md or references.md is not built in");
	st = fill_one(env, "templates/handout.md", fr->text, fr->size, prose, f, err);
	int noted = 0;
	for (size_t i = 0; st == VX_OK && i < vxr_step_count(); i++) {
		size_t at = f->len;
		st = fill_step(env, i, prose, f, &noted, err);
		if (st == VX_OK)
			st = number_step(f, at, i + 1, err);
	}
	if (st == VX_OK)
		st = fill_one(env, "templates/references.md", refs->text, refs->size, prose, f, err);
	if (st == VX_OK && vxr_env_ctx(env)->answers)
		st = vxr_quiz_answer_key(f, err);
	return st;
}

/* ================================================================ rendering */

/* HTML: inline math and the punctuation right after it ("$x$," or "$x$.")
 * in one unbreakable span, so that a line never starts with the comma.  The
 * punctuation moves out of the following text node (left empty, not freed:
 * the iterator has yet to visit it). */
static vx_status glue_punctuation(cmark_node *nd, char **html, vx_error *err)
{
	cmark_node *next = cmark_node_next(nd);
	if (!next || cmark_node_get_type(next) != CMARK_NODE_TEXT)
		return VX_OK;
	const char *lit = cmark_node_get_literal(next);
	size_t n = lit ? strspn(lit, ",.;:!?)") : 0;
	if (n == 0)
		return VX_OK;
	vxr_buf b = { 0 };
	vxr_buf_puts(&b, "<span class=\"nobr\">");
	vxr_buf_puts(&b, *html);
	vxr_buf_put(&b, lit, n);
	vxr_buf_puts(&b, "</span>");
	char *glued = vxr_buf_take(&b), *rest = strdup(lit + n);
	if (!glued || !rest) {
		free(glued);
		free(rest);
		return vx_fail(err, VX_ENOMEM, "out of memory");
	}
	cmark_node_set_literal(next, rest);
	free(rest);
	free(*html);
	*html = glued;
	return VX_OK;
}

/* Puts each object's rendering for the target into its custom node. */
static vx_status render_objects(vxr_rctx *rc, cmark_node *root, vx_error *err)
{
	cmark_iter *it = cmark_iter_new(root);
	cmark_event_type ev;
	vx_status st = VX_OK;
	while (st == VX_OK && (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *nd = cmark_iter_get_node(it);
		cmark_node_type ty = cmark_node_get_type(nd);
		if (ev != CMARK_EVENT_ENTER || (ty != CMARK_NODE_CUSTOM_BLOCK && ty != CMARK_NODE_CUSTOM_INLINE))
			continue;
		size_t idx = vxr_node_obj(nd);
		if (idx == SIZE_MAX)
			continue;
		const vxr_obj *o = &rc->filled->objs[idx];
		char *s = NULL;
		st = vxr_render_str(rc, rc->target == VXR_T_HTML ? &vxr_html_ops
		                        : rc->target == VXR_T_LATEX ? &vxr_latex_ops : &vxr_md_ops, o, &s, err);
		if (st == VX_OK && rc->target == VXR_T_HTML && ty == CMARK_NODE_CUSTOM_INLINE)
			st = glue_punctuation(nd, &s, err);
		if (st == VX_OK) {
			cmark_node_set_on_enter(nd, s);
			cmark_node_set_on_exit(nd, "");
		}
		free(s);
	}
	cmark_iter_free(it);
	return st;
}

/* Raw HTML that could load or run something: a tag with an attribute
 * (src, href, style, on…: any '='), or a script or style element.  Plain
 * tags (<br>, <sup>) and comments cannot. */
static int html_loads(const char *lit)
{
	if (!lit || strncmp(lit, "<!--", 4) == 0)
		return 0;
	if (strchr(lit, '='))
		return 1;
	for (const char *p = lit; (p = strchr(p, '<')) != NULL; p++)
		if (strncasecmp(p, "<script", 7) == 0 || strncasecmp(p, "<style", 6) == 0)
			return 1;
	return 0;
}

/* A template's image would be fetched by the reader's browser (HTML) or
 * looked for beside the .tex (LaTeX): a handout is one file that fetches
 * nothing, and draws its own figures.  A link is fine: nothing is fetched
 * until the reader follows it.  Raw HTML is left out of the HTML handout
 * by cmark, but the Markdown handout is the template's own text: raw HTML
 * that could load or run something is refused in every format too. */
/* "PATH:LINE:COLUMN" of the first place the template's own text holds
 * what (an image's URL, a line of raw HTML), as the template language's
 * errors name a place; just PATH when it is not there as written (made by
 * a placeholder) or cannot be read again. */
static void place_in_template(const char *template_path, const char *what, char *buf, size_t n)
{
	char *text = NULL;
	size_t len;
	vx_error ignored = { 0 };
	const char *at = NULL;
	snprintf(buf, n, "%s", template_path ? template_path : "template");
	if (!template_path || !what || !*what || vxr_read_file(template_path, &text, &len, &ignored) != VX_OK)
		return;
	if (strlen(text) == len)   /* no NUL inside: strstr sees it all */
		at = strstr(text, what);
	if (at) {
		size_t line = 1, col = 1;
		for (const char *c = text; c < at; c++) {
			col = *c == '\n' ? 1 : col + ((*c & 0xc0) != 0x80);
			line += *c == '\n';
		}
		snprintf(buf, n, "%s:%zu:%zu", template_path, line, col);
	}
	free(text);
}

static vx_status refuse_images(cmark_node *root, const char *template_path, vx_error *err)
{
	cmark_iter *it = cmark_iter_new(root);
	if (!it)
		return vx_fail(err, VX_ENOMEM, "out of memory");
	vx_status st = VX_OK;
	cmark_event_type ev;
	char name[4200];
	while (st == VX_OK && (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *nd = cmark_iter_get_node(it);
		cmark_node_type ty = cmark_node_get_type(nd);
		if (ev != CMARK_EVENT_ENTER)
			continue;
		if (ty == CMARK_NODE_IMAGE) {
			const char *url = cmark_node_get_url(nd);
			place_in_template(template_path, url, name, sizeof name);
			st = vx_fail(err, VX_EFORMAT,
			             "%s: an image (%.60s%s) cannot go in a handout, which is one file that fetches "
			             "nothing; link to it instead: [text](URL)",
			             name, url && *url ? url : "no URL", url && strlen(url) > 60 ? "..." : "");
		} else if ((ty == CMARK_NODE_HTML_INLINE || ty == CMARK_NODE_HTML_BLOCK) &&
		           html_loads(cmark_node_get_literal(nd))) {
			const char *lit = cmark_node_get_literal(nd);
			size_t n = strcspn(lit, "\n");
			char first[200];
			snprintf(first, sizeof first, "%.*s", (int)(n < sizeof first ? n : sizeof first - 1), lit);
			place_in_template(template_path, first, name, sizeof name);
			st = vx_fail(err, VX_EFORMAT,
			             "%s: raw HTML (%.*s%s) cannot go in a handout: it could load or run something; "
			             "write Markdown instead",
			             name, (int)(n > 40 ? 40 : n), lit, n > 40 ? "..." : "");
		}
	}
	cmark_iter_free(it);
	return st;
}

vx_status vxr_report_render(const vxr_ctx *ctx, vxr_format fmt, const char *template_path, const char *out_path,
                            char **text, vxr_side **side, size_t *nside, vx_error *err)
{
	*text = NULL;
	*side = NULL;
	*nside = 0;
	vxr_env *env = vxr_env_alloc(ctx);
	if (!env)
		return vx_fail(err, VX_ENOMEM, "out of memory");
	vxr_filled f;
	memset(&f, 0, sizeof f);
	char *title = NULL;
	vx_status st = fill_handout(env, template_path, VXF_UNICODE, &f, &title, err);
	cmark_node *root = NULL;
	if (st == VX_OK) {
		root = cmark_parse_document(f.md, f.len, CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8);
		if (!root)
			st = vx_fail(err, VX_ENOMEM, "out of memory parsing Markdown");
	}
	if (st == VX_OK)
		st = refuse_images(root, template_path, err);
	if (st == VX_OK)
		st = vxr_substitute(root, &f, err);
	vxr_rctx rc = { env, &f,
	                fmt == VXR_HTML || fmt == VXR_SLIDES ? VXR_T_HTML
	                : fmt == VXR_LATEX || fmt == VXR_PDF ? VXR_T_LATEX : VXR_T_MD,
	                out_path, NULL, 0, 0 };
	/* Markdown substitutes the tokens in the filled text itself */
	if (st == VX_OK && rc.target != VXR_T_MD)
		st = render_objects(&rc, root, err);
	/* a front matter's title heads the document in every format: LaTeX's
	 * \maketitle takes the first level-1 heading's place, so the template's
	 * own first heading stays, and Markdown and HTML show it as that
	 * heading */
	char *title_md = NULL;
	if (st == VX_OK && title) {
		cmark_node *h = cmark_node_new(CMARK_NODE_HEADING), *tx = cmark_node_new(CMARK_NODE_TEXT);
		if (!h || !tx || !cmark_node_set_heading_level(h, 1) || !cmark_node_set_literal(tx, title) ||
		    !cmark_node_append_child(h, tx)) {
			cmark_node_free(h);
			cmark_node_free(tx);
			st = vx_fail(err, VX_ENOMEM, "out of memory");
		} else if (rc.target == VXR_T_MD) {
			title_md = cmark_render_commonmark(h, CMARK_OPT_DEFAULT, 0);
			cmark_node_free(h);
			if (!title_md)
				st = vx_fail(err, VX_ENOMEM, "out of memory");
		} else {
			cmark_node_prepend_child(root, h);
		}
	}
	if (st == VX_OK) {
		if (!title) {
			/* the first heading names the document */
			cmark_iter *it = cmark_iter_new(root);
			cmark_event_type ev;
			while (!title && (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
				cmark_node *nd = cmark_iter_get_node(it);
				if (ev == CMARK_EVENT_ENTER && cmark_node_get_type(nd) == CMARK_NODE_HEADING) {
					vxr_buf b = { 0 };
					cmark_iter *in = cmark_iter_new(nd);
					while (cmark_iter_next(in) != CMARK_EVENT_DONE) {
						cmark_node *x = cmark_iter_get_node(in);
						if (cmark_iter_get_event_type(in) == CMARK_EVENT_ENTER &&
						    (cmark_node_get_type(x) == CMARK_NODE_TEXT || cmark_node_get_type(x) == CMARK_NODE_CODE))
							vxr_buf_puts(&b, cmark_node_get_literal(x));
					}
					cmark_iter_free(in);
					title = vxr_buf_take(&b);
				}
			}
			cmark_iter_free(it);
		}
		const char *ti = title ? title : "vanex handout";
		switch (rc.target) {
		case VXR_T_HTML:
			st = fmt == VXR_SLIDES ? vxr_slides_document(&rc, root, ti, text, err)
			                       : vxr_html_document(&rc, root, ti, text, err);
			break;
		case VXR_T_LATEX: st = vxr_latex_document(&rc, root, ti, text, err); break;
		default: st = vxr_md_document(&rc, root, ti, text, err); break;
		}
	}
	if (st == VX_OK && title_md) {
		/* its Markdown as cmark writes it: the title's own * or _ escaped */
		vxr_buf b = { 0 };
		vxr_buf_puts(&b, title_md);
		vxr_buf_puts(&b, "\n");
		vxr_buf_puts(&b, *text);
		char *both = vxr_buf_take(&b);
		if (!both) {
			st = vx_fail(err, VX_ENOMEM, "out of memory");
		} else {
			free(*text);
			*text = both;
		}
	}
	free(title_md);
	if (st == VX_OK) {
		*side = rc.side;
		*nside = rc.nside;
	} else {
		vxr_sides_free(rc.side, rc.nside);
	}
	if (root)
		cmark_node_free(root);
	free(title);
	vxr_filled_clear(&f);
	vxr_env_free(env);
	return st;
}

void vxr_sides_free(vxr_side *side, size_t n)
{
	for (size_t i = 0; side && i < n; i++) {
		free(side[i].name);
		free(side[i].text);
	}
	free(side);
}

size_t vxr_report_bytes(size_t d, size_t n, size_t T, size_t t)
{
	double b = 2.0 * (double)vx_model_bytes(d, n, T) + 5.0 * (double)vx_analyse_bytes(d, T, t);
	return b < (double)SIZE_MAX ? (size_t)b : SIZE_MAX;
}
