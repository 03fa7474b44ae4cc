/*
 * tutor.c — `vanex` / `vanex tutor`: the terminal, the signals, the loop.
 *
 * Everything the student sees is decided in tutor_state.c and drawn by
 * tutor_draw.c; this file owns the terminal: it sets curses up, turns keys
 * into state changes, and puts the terminal back on every way out — q, Esc,
 * SIGINT, SIGTERM, SIGHUP, and (best effort) a crash.
 */
#include "tui/cli.h"
#include "tui/tutor_draw.h"
#include "tui/tutor_state.h"

#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ====================================================================
 * Signals and restoring the terminal
 * ==================================================================== */

/* Set by the handlers and read by the loop: no curses call in a handler. */
static volatile sig_atomic_t quit_signal;
/* 1 while curses owns the terminal, so exit paths know to call endwin(). */
static volatile sig_atomic_t curses_on;

static void on_quit_signal(int sig)
{
	quit_signal = sig;
}

/* A crash: put the terminal back, then die of the same signal (SA_RESETHAND
 * restored the default action).  endwin() is not async-signal-safe, so this
 * is best effort — but a frozen raw-mode terminal is worse. */
static void on_crash(int sig)
{
	if (curses_on) {
		curses_on = 0;
		endwin();
	}
	raise(sig);
}

static void restore_at_exit(void)
{
	if (curses_on) {
		curses_on = 0;
		endwin();
	}
}

static void install_handlers(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_quit_signal;
	sa.sa_flags = 0;   /* no SA_RESTART: a blocked read returns, the loop sees the flag */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_crash;
	sa.sa_flags = (int)SA_RESETHAND;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGABRT, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
}

/* ====================================================================
 * The loop
 * ==================================================================== */

/* Reads one key, waiting at most `ms` milliseconds (-1: ERR). */
static int read_key(WINDOW *w, int ms)
{
	wtimeout(w, ms);
	return wgetch(w);
}

/* Applies one curses key; returns 1 when the tutor should end. */
static int handle_key(vxu_state *st, WINDOW **win, const vxu_theme *th, int ch)
{
	if (ch == KEY_RESIZE) {
		wresize(*win, LINES, COLS);
		vxu_resize(st, LINES, COLS);
		return 0;
	}
	int k = vxu_key_from_curses(ch);
	if (k < 0)
		return 0;
	switch (vxu_key(st, k)) {
	case VXU_QUIT:
		return 1;
	case VXU_REDRAW_ALL:
		clearok(curscr, TRUE);
		break;
	case VXU_EXPORT:
		/* Writing takes a moment: say so first, on screen. */
		vxu_message(st, VXU_MSG_INFO, "writing the handout ...");
		vxu_draw(*win, st, th);
		doupdate();
		vxu_export(st);
		break;
	default:
		break;
	}
	return 0;
}

static int run_loop(vxu_state *st, WINDOW *win, const vxu_theme *th)
{
	vxu_update(st);
	vxu_draw(win, st, th);
	doupdate();
	for (;;) {
		if (quit_signal)
			return (int)quit_signal;
		/* A short timeout keeps the loop seeing signal flags promptly. */
		int ch = read_key(win, 250);
		if (ch == ERR)
			continue;
		if (handle_key(st, &win, th, ch))
			return 0;
		/* Keys typed while we computed are applied together, then one
		 * recompute and one frame: holding + never queues up frames. */
		for (int n = 0; n < 64 && !quit_signal; n++) {
			ch = read_key(win, 0);
			if (ch == ERR)
				break;
			if (handle_key(st, &win, th, ch))
				return 0;
		}
		vxu_update(st);
		vxu_draw(win, st, th);
		doupdate();
	}
}

int vxu_tutor_run(const vxu_args *a)
{
	if (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO)) {
		fprintf(stderr, "vanex: the tutor needs a terminal; try 'vanex check' or 'vanex report'\n");
		return 2;
	}
	/* Only the character type: numbers keep the C locale's decimal point. */
	setlocale(LC_CTYPE, "");
	const char *cs = nl_langinfo(CODESET);
	int utf8 = cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
	const char *nc = getenv("NO_COLOR");
	int color = a->color && !(nc && *nc);

	/* Compute before curses starts, so bad options fail plainly on stderr. */
	vxu_state st;
	vx_error err = { { 0 } };
	vx_status rc = vxu_state_init(&st, &a->params, a->step, utf8, 0, 0, &err);
	if (rc != VX_OK) {
		fprintf(stderr, "vanex: %s\n", err.msg[0] ? err.msg : vx_strerror(rc));
		return vx_status_exit(rc);
	}

	install_handlers();
	atexit(restore_at_exit);
	if (!getenv("ESCDELAY"))
		set_escdelay(25);   /* Esc quits at once, not after ncurses' default second */
	if (!initscr()) {
		fprintf(stderr, "vanex: cannot start the terminal (TERM=%s)\n", getenv("TERM") ? getenv("TERM") : "");
		vxu_state_free(&st);
		return 1;
	}
	curses_on = 1;
	cbreak();
	noecho();
	nonl();
	curs_set(0);
	mousemask(0, NULL);
	WINDOW *win = newwin(LINES, COLS, 0, 0);
	if (!win) {
		restore_at_exit();
		fprintf(stderr, "vanex: cannot start the terminal (out of memory)\n");
		vxu_state_free(&st);
		return 1;
	}
	keypad(win, TRUE);
	vxu_theme th;
	vxu_theme_init(&th, color);
	vxu_resize(&st, LINES, COLS);

	int sig = run_loop(&st, win, &th);

	delwin(win);
	restore_at_exit();
	vxu_state_free(&st);
	if (sig) {
		/* Die of the signal, as a shell expects of an interrupted program. */
		signal(sig, SIG_DFL);
		raise(sig);
		return 128 + sig;
	}
	return 0;
}
