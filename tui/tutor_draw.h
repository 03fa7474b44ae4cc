/*
 * tutor_draw.h — draws a vxu_state into a curses WINDOW.
 *
 * Drawing reads the state and writes cells; it never computes and never
 * touches stdscr, so the tests draw into an off-screen terminal (newterm on
 * /dev/null) and compare the cells with golden screens.
 */
#ifndef VXU_TUTOR_DRAW_H
#define VXU_TUTOR_DRAW_H

#include <curses.h>
#include "tui/tutor_state.h"

/* Attributes by role (report/text/lines.h vxt_role) and for the tutor's own parts. */
typedef struct {
	attr_t role[VXT_ROLE_COUNT];
	attr_t title;       /* the title bar */
	attr_t status;      /* the status line */
	attr_t status_num;  /* values in the status line */
	attr_t status_bad;  /* γλ ≠ 1 in the status line */
	attr_t rule;        /* panel rules and separators */
	attr_t msg;         /* an info message */
	attr_t error;       /* an error message */
	attr_t hint;        /* the key hint */
	attr_t stale;       /* added to what is older than asked (vxu_stale): dim */
	int color;          /* colours are in use */
} vxu_theme;

/* Fills th for the current terminal.  color = 1 asks for colours: used only
 * when the terminal has them (has_colors()); else, and with color = 0 (for
 * NO_COLOR and --no-color), bold/underline/reverse only.  Needs curses to be
 * initialised (initscr or newterm) when color is asked for. */
void vxu_theme_init(vxu_theme *th, int color);

/* Draws the whole screen for st into w (sized st->lay.rows × st->lay.cols),
 * then wnoutrefresh(w); the caller calls doupdate().  Cells are written with
 * the wide-character functions, so UTF-8 text needs a UTF-8 locale; with
 * st->utf8 = 0 every cell written is ASCII. */
void vxu_draw(WINDOW *w, const vxu_state *st, const vxu_theme *th);

/* A curses key code (wgetch) as a vxu key code (tutor_state.h); -1 for none. */
int vxu_key_from_curses(int ch);

#endif
