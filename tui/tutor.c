/*
 * tutor.c — `vanex` / `vanex tutor`: the terminal, the signals, the loop.
 *
 * Everything the student sees is decided in tutor_state.c and drawn by
 * tutor_draw.c; this file owns the terminal: it sets curses up, turns keys
 * into state changes, and puts the terminal back on every way out — q,
 * SIGINT, SIGTERM, SIGHUP, and (best effort) a crash.
 */
#include "report/out.h"
#include "tui/cli.h"
#include "tui/tutor_draw.h"
#include "tui/tutor_state.h"

#include <locale.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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

enum { KEY_GO_ON = 0, KEY_QUIT, KEY_EXPORT };

/* Applies one curses key: KEY_QUIT when the tutor should end, KEY_EXPORT
 * when a handout is wanted (written by the worker, like any long work). */
static int handle_key(vxu_state *st, WINDOW **win, int ch)
{
	if (ch == KEY_RESIZE) {
		wresize(*win, LINES, COLS);
		vxu_resize(st, LINES, COLS);
		return KEY_GO_ON;
	}
	int k = vxu_key_from_curses(ch);
	if (k < 0)
		return KEY_GO_ON;
	switch (vxu_key(st, k)) {
	case VXU_QUIT:
		return KEY_QUIT;
	case VXU_REDRAW_ALL:
		clearok(curscr, TRUE);
		break;
	case VXU_EXPORT:
		return KEY_EXPORT;
	default:
		break;
	}
	return KEY_GO_ON;
}

/* ====================================================================
 * Computing off the main thread
 *
 * Some steps take long at large sizes (a finite-difference check, other
 * initialisations analysed side by side).  The work runs in a second thread
 * while this one keeps reading keys: q and signals end the tutor at
 * once; other keys wait in a queue and are applied after.  The state belongs
 * to the worker while it runs: this thread does not touch it.
 * ==================================================================== */

typedef struct {
	vxu_state *st;
	int export;                 /* then write the handout */
	int wake;                   /* write end of a pipe: one byte when done, to end the wait at once */
	volatile sig_atomic_t done;
} job;

static void *job_run(void *p)
{
	job *j = p;
	vxu_update(j->st);   /* keys before `e` count: the handout shows what is on screen */
	if (j->export)
		vxu_export(j->st);
	j->done = 1;
	if (j->wake >= 0) {
		char c = 1;
		ssize_t n = write(j->wake, &c, 1);
		(void)n;   /* the flag is what counts; the byte only shortens the wait */
	}
	return NULL;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Runs vxu_update(st), reading keys meanwhile.  Returns 0 when done (queued
 * keys in q[0..*nq)), 1 when the student quit, or a signal number.  On 1 or a
 * signal the worker may still be running: the caller must not touch st. */
static int update_listening(vxu_state *st, WINDOW *win, int export, int *q, int *nq, int cap)
{
	int pfd2[2] = { -1, -1 };
	if (pipe(pfd2) != 0)
		pfd2[0] = pfd2[1] = -1;
	job j = { st, export, pfd2[1], 0 };
	pthread_t th;
	if (pthread_create(&th, NULL, job_run, &j) != 0) {
		j.wake = -1;
		job_run(&j);   /* no thread: compute here, unresponsive but correct */
		if (pfd2[0] >= 0) {
			close(pfd2[0]);
			close(pfd2[1]);
		}
		return 0;
	}
	double t0 = now_ms();
	int shown = 0;
	while (!j.done) {
		if (quit_signal)
			return (int)quit_signal;
		struct pollfd pfd[2] = { { STDIN_FILENO, POLLIN, 0 }, { pfd2[0], POLLIN, 0 } };
		if (poll(pfd, pfd2[0] >= 0 ? 2 : 1, pfd2[0] >= 0 ? 100 : 5) > 0 && (pfd[0].revents & POLLIN)) {
			int ch = read_key(win, 0);
			if (ch == 'q' || ch == 'Q')
				return 1;   /* the worker still holds the pipe: leave it open */
			if (ch != ERR && *nq < cap)
				q[(*nq)++] = ch;
		}
		if (!shown && !j.done && now_ms() - t0 > 150) {
			/* Say why nothing moves, in the message row, without reading the state. */
			int y = getmaxy(win) - 1;
			wmove(win, y, 0);
			wclrtoeol(win);
			mvwaddstr(win, y, 1, export ? "writing the handout ... (q quits)" : "computing ... (q quits)");
			wnoutrefresh(win);
			doupdate();
			shown = 1;
		}
	}
	pthread_join(th, NULL);
	if (pfd2[0] >= 0) {
		close(pfd2[0]);
		close(pfd2[1]);
	}
	return 0;
}

/* Leaves while the worker still runs: restore the terminal and end the
 * process here (the state is in use; returning would free it under the worker). */
static void leave_now(int sig)
{
	vxr_out_abandon();   /* no half-written handout left behind, nor one started after */
	restore_at_exit();
	fflush(stdout);
	if (sig) {
		signal(sig, SIG_DFL);
		raise(sig);
	}
	_exit(0);
}

/* The next key: from the queue filled while computing, else from the terminal. */
static int next_key(WINDOW *win, int *q, int *nq, int wait_ms)
{
	if (*nq > 0) {
		int ch = q[0];
		memmove(q, q + 1, (size_t)(--*nq) * sizeof q[0]);
		return ch;
	}
	return read_key(win, wait_ms);
}

static int run_loop(vxu_state *st, WINDOW *win, const vxu_theme *th)
{
	enum { QCAP = 256 };
	int q[QCAP], nq = 0;
	int r = update_listening(st, win, 0, q, &nq, QCAP);
	if (r)
		leave_now(r == 1 ? 0 : r);
	vxu_draw(win, st, th);
	doupdate();
	for (;;) {
		if (quit_signal)
			return (int)quit_signal;
		/* A short timeout keeps the loop seeing signal flags promptly. */
		int ch = next_key(win, q, &nq, 250);
		if (ch == ERR)
			continue;
		int export = 0;
		for (int n = 0; ch != ERR; n++) {
			int k = handle_key(st, &win, ch);
			if (k == KEY_QUIT)
				return 0;
			if (k == KEY_EXPORT) {
				export = 1;
				break;   /* the handout shows the state as of this key */
			}
			/* Keys typed while we computed are applied together, then one
			 * recompute and one frame: holding + never queues up frames. */
			if (n >= 64 || quit_signal)
				break;
			ch = next_key(win, q, &nq, 0);
		}
		if (st->dirty || export) {
			r = update_listening(st, win, export, q, &nq, QCAP);
			if (r)
				leave_now(r == 1 ? 0 : r);
		}
		vxu_draw(win, st, th);
		doupdate();
	}
}

int vxu_tutor_run(const vxu_args *a)
{
	if (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO)) {
		vxu_error_line("the tutor needs a terminal; try 'vanex check' or 'vanex report'");
		return 2;
	}
	/* Only the character type: numbers keep the C locale's decimal point. */
	setlocale(LC_CTYPE, "");
	int utf8 = vxu_locale_utf8();
	const char *nc = getenv("NO_COLOR");
	int color = a->color && !(nc && *nc);

	/* Compute before curses starts, so bad options fail plainly on stderr. */
	vxu_state st;
	vx_error err = { 0 };
	vx_status rc = vxu_state_init(&st, &a->params, a->step, utf8, 0, 0, &err);
	if (rc != VX_OK)
		return vxu_fail(rc, &err);

	install_handlers();
	atexit(restore_at_exit);
	if (!getenv("ESCDELAY"))
		set_escdelay(25);   /* Esc closes the help at once, not after ncurses' default second */
	/* newterm, not initscr: initscr exits on its own when TERM is unknown. */
	SCREEN *scr = newterm(NULL, stdout, stdin);
	char term[4 * 40 + 4], msg[sizeof term + 80];   /* TERM is outside text: quoted */
	vx_quote(getenv("TERM"), 40, 1, term, sizeof term);
	if (!scr) {
		snprintf(msg, sizeof msg, "TERM=%s is unknown here; try 'vanex check' or 'vanex report'", term);
		vxu_error_line(msg);
		vxu_state_free(&st);
		return 2;
	}
	set_term(scr);
	curses_on = 1;
	/* A terminal that cannot place the cursor (TERM=dumb) cannot show a screen. */
	const char *cup = tigetstr("cup");
	if (cup == NULL || cup == (char *)-1) {
		restore_at_exit();
		delscreen(scr);
		snprintf(msg, sizeof msg, "TERM=%s cannot place the cursor; try 'vanex check' or 'vanex report'",
		         term);
		vxu_error_line(msg);
		vxu_state_free(&st);
		return 2;
	}
	cbreak();
	noecho();
	nonl();
	curs_set(0);
	mousemask(0, NULL);
	WINDOW *win = newwin(LINES, COLS, 0, 0);
	if (!win) {
		restore_at_exit();
		vxu_error_line("cannot start the terminal (out of memory)");
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
	delscreen(scr);
	vxu_state_free(&st);
	if (sig) {
		/* Die of the signal, as a shell expects of an interrupted program. */
		signal(sig, SIG_DFL);
		raise(sig);
		return 128 + sig;
	}
	return 0;
}
