/*
 * lines.h — styled lines: what every terminal screen of vanex is made of.
 *
 * A line is a list of spans, each a run of text with one role (prose, a
 * heading, a live number, a plot series…); the tutor gives each role its
 * colour or attribute.  The layout of a step (term.c), its live blocks
 * (render_term.c) and the tutor's panel and status line all build vxt_lines,
 * so the screen can be tested as text.
 */
#ifndef VXR_TEXT_LINES_H
#define VXR_TEXT_LINES_H

#include <stddef.h>

typedef enum {
	VXT_TEXT = 0, VXT_HEADING, VXT_EMPH, VXT_STRONG, VXT_CODE, VXT_MATH,
	VXT_NUMBER,    /* a live value */
	VXT_DIM,       /* axes, rules, secondary text */
	VXT_SERIES1, VXT_SERIES2, VXT_SERIES3,   /* plot series: actual, step product, bound */
	VXT_GOOD, VXT_BAD,                       /* verdict colours: fine / vanishing-exploding */
	VXT_ROLE_COUNT
} vxt_role;

typedef struct {
	vxt_role role;
	char *text;        /* UTF-8, or ASCII only where the reader asked for it */
} vxt_span;

typedef struct {
	vxt_span *spans;
	size_t nspans;
} vxt_line;

/* A growing list of lines; zero-initialise it.  Out of memory is sticky:
 * oom is set, later calls do nothing, and the owner checks oom once at the
 * end instead of after every call. */
typedef struct {
	vxt_line *lines;
	size_t nlines, cap;
	int oom;
} vxt_lines;

/* Starts a new, empty line. */
void vxt_lines_newline(vxt_lines *L);
/* Appends n bytes of s with a role to the last line (starting one when there
 * is none); runs of one role merge into one span.  The text is copied. */
void vxt_lines_span(vxt_lines *L, vxt_role role, const char *s, size_t n);
void vxt_lines_puts(vxt_lines *L, vxt_role role, const char *s);
void vxt_lines_printf(vxt_lines *L, vxt_role role, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* n spaces (VXT_TEXT). */
void vxt_lines_pad(vxt_lines *L, int n);
/* Drops the last line. */
void vxt_lines_pop(vxt_lines *L);
/* Frees every line; L is empty and usable again. */
void vxt_lines_clear(vxt_lines *L);
/* Frees the spans of n lines (for arrays taken out of a vxt_lines). */
void vxt_line_array_free(vxt_line *lines, size_t n);

#endif
