/*
 * tutor.c — `vanex` / `vanex tutor`: the terminal, the signals, the loop.
 *
 * Everything the student sees is decided in tutor_state.c and drawn by
 * tutor_draw.c; this file owns the terminal and the signals: it sets curses
 * up, turns keys into state changes, runs the state's jobs on the worker
 * thread of tutor_jobs.h (so that no key waits for a computation), and
 * puts the terminal back on every way out — q, SIGINT, SIGTERM, SIGHUP,
 * and (best effort) a crash.
 */
#include "report/out.h"
#include "tui/cli.h"
#include "tui/tutor_draw.h"
#include "tui/tutor_jobs.h"
#include "tui/tutor_state.h"

#include <errno.h>
#include <locale.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
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

/* The signals that end the tutor, those it answers in its loop (the
 * former, and ncurses' SIGWINCH), and those of a crash. */
static const int quit_signals[] = { SIGINT, SIGTERM, SIGHUP };
static const int loop_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGWINCH };
static const int crash_signals[] = { SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL };
#define COUNT(a) (sizeof (a) / sizeof (a)[0])

static void install_handlers(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_quit_signal;
	sa.sa_flags = 0;   /* no SA_RESTART: a blocked read returns, the loop sees the flag */
	for (size_t i = 0; i < COUNT(quit_signals); i++)
		sigaction(quit_signals[i], &sa, NULL);
	sa.sa_handler = on_crash;
	sa.sa_flags = (int)SA_RESETHAND;
	for (size_t i = 0; i < COUNT(crash_signals); i++)
		sigaction(crash_signals[i], &sa, NULL);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Dies of sig, as a shell expects of an interrupted program (the loop
 * blocks it: unblocked here, with its default action). */
static void die_of(int sig)
{
	sigset_t one;
	sigemptyset(&one);
	sigaddset(&one, sig);
	signal(sig, SIG_DFL);
	pthread_sigmask(SIG_UNBLOCK, &one, NULL);
	raise(sig);
}

/* ====================================================================
 * The loop
 *
 * The jobs run on the worker (tutor_jobs.h); curses is called from this
 * thread only.  The wait: one pselect() over the keyboard and the worker's
 * wake pipe, with SIGINT, SIGTERM, SIGHUP and SIGWINCH blocked except
 * inside pselect itself, so a signal can never slip in between testing its
 * flag and going to sleep.  A result wakes the loop at once and nothing
 * wakes it otherwise: no polling interval to add to the latency, no
 * spinning.  (halfdelay() or a getch() timeout would be either slow — a
 * result waits for the next tick, 100 ms at halfdelay's finest — or a busy
 * loop.)
 * ==================================================================== */

/* How long a frame waits for a job that may finish at once: below it, one
 * frame with the new numbers instead of an "updating" frame and another
 * right after (each a screenful over a slow line).  Half a 60 Hz frame. */
#define GRACE_MS 8
/* How long q waits for a running job, told to stop, before leaving it
 * behind: an analysis stops within one step of its loops (at d = 1024 the
 * shell is back 30 to 190 ms after q), a stage that does not poll (laying
 * out a step, writing a handout) may not; short enough that the shell
 * comes back at once. */
#define QUIT_WAIT_MS 200

enum { KEYS_NONE = 0, KEYS_CHANGED, KEYS_QUIT };

/* The student's progress file (tutor_quiz.h): read before the screen
 * starts, written after every key that changed it (so that a session cut
 * short keeps its answers) and once more at the end. */
typedef struct {
	vxu_progress p;
	char path[4200];
	int have_path;      /* there is somewhere to keep it (HOME or XDG_STATE_HOME) */
	int failed;         /* a write failed: not tried again until the end */
	char why[400];      /* that failure, for stderr once the terminal is back */
} keeper;

/* Writes the progress when it changed; in the loop a failure goes to the
 * message line once, at the end (at_end) into kp->why. */
static void keep(vxu_state *st, keeper *kp, int at_end)
{
	if (!kp->have_path || !kp->p.dirty || (kp->failed && !at_end))
		return;
	vx_error err = { 0 };
	if (vxu_progress_save(&kp->p, kp->path, &err) == VX_OK) {
		kp->failed = 0;
		kp->why[0] = '\0';
		return;
	}
	snprintf(kp->why, sizeof kp->why, "%s", err.msg);
	if (!kp->failed && !at_end)
		vxu_message(st, VXU_MSG_ERROR, "%s", err.msg);
	kp->failed = 1;
}

/* Applies one curses key; KEYS_QUIT when the tutor should end. */
static int handle_key(vxu_state *st, WINDOW **win, int ch)
{
	if (ch == KEY_RESIZE) {
		wresize(*win, LINES, COLS);
		vxu_resize(st, LINES, COLS);
		return KEYS_CHANGED;
	}
	int k = vxu_key_from_curses(ch);
	if (k < 0)
		return KEYS_NONE;
	st->key_ms = now_ms();
	switch (vxu_key(st, k)) {
	case VXU_QUIT:
		return KEYS_QUIT;
	case VXU_REDRAW_ALL:
		clearok(curscr, TRUE);
		return KEYS_CHANGED;
	case VXU_NONE:
		return KEYS_NONE;
	default:
		return KEYS_CHANGED;
	}
}

/* Every key typed so far (and a resize), applied in order. */
static int read_keys(vxu_state *st, WINDOW **win)
{
	int r = KEYS_NONE, ch;
	while ((ch = wgetch(*win)) != ERR) {
		int k = handle_key(st, win, ch);
		if (k == KEYS_QUIT)
			return KEYS_QUIT;
		if (k == KEYS_CHANGED)
			r = KEYS_CHANGED;
	}
	return r;
}

/* The terminal went away (its input at end of file or hung up): there is
 * no one left to type q. */
static int input_gone(void)
{
	struct pollfd p = { STDIN_FILENO, POLLIN, 0 };
	return poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR | POLLNVAL));
}

/* What run_loop returns when the network the tutor started with could not
 * be analysed (st->fatal): not a signal number. */
#define LOOP_FATAL (-1)

/* Reads keys and draws until q (0), a signal (its number) or LOOP_FATAL.
 * A frame is drawn after keys as soon as no job runs, else after GRACE_MS
 * or when the job ends, whichever comes first; and after every job. */
static int run_loop(vxu_state *st, WINDOW **win, const vxu_theme *th, vxu_worker *w, const sigset_t *waitmask,
                    keeper *kp)
{
	double due = 0;   /* when the owed frame is due; < 0: none owed */
	wtimeout(*win, 0);
	for (;;) {
		if (quit_signal)
			return (int)quit_signal;
		vxu_worker_start(w, st);
		double now = now_ms();
		if (due >= 0 && (!w->job || now >= due)) {
			vxu_draw(*win, st, th);
			doupdate();
			due = -1;
		}
		fd_set rd;
		FD_ZERO(&rd);
		FD_SET(STDIN_FILENO, &rd);
		int wake = vxu_worker_fd(w);
		FD_SET(wake, &rd);
		struct timespec ts, *tp = NULL;
		if (due >= 0) {
			double left = due - now > 0 ? due - now : 0;
			ts.tv_sec = (time_t)(left / 1000);
			ts.tv_nsec = (long)((left - (double)ts.tv_sec * 1000) * 1e6);
			tp = &ts;
		}
		int maxfd = wake > STDIN_FILENO ? wake : STDIN_FILENO;
		int n = pselect(maxfd + 1, &rd, NULL, NULL, tp, waitmask);
		if (n < 0 && errno != EINTR)
			return SIGHUP;   /* cannot wait on the terminal: as if it hung up */
		if (n > 0 && FD_ISSET(wake, &rd) && vxu_worker_finish(w, st)) {
			if (st->fatal != VX_OK)
				return LOOP_FATAL;
			due = 0;
		}
		/* keys, or a signal: SIGWINCH comes back from wgetch as KEY_RESIZE */
		if (n < 0 || (n > 0 && FD_ISSET(STDIN_FILENO, &rd))) {
			int k = read_keys(st, win);
			keep(st, kp, 0);
			if (k == KEYS_QUIT)
				return 0;
			if (k == KEYS_CHANGED) {
				double at = now_ms() + GRACE_MS;
				if (due < 0 || at < due)
					due = at;
			} else if (n > 0 && FD_ISSET(STDIN_FILENO, &rd) && input_gone()) {
				return SIGHUP;
			}
			/* a job all of whose results these keys made stale stops, inside
			 * the engine too (its stop flag) */
			if (w->job && !vxu_job_wanted(st, w->job))
				vxu_job_cancel(w->job);
		}
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

	/* Load before curses starts, so bad options and files fail plainly on
	 * stderr; the analysis is the worker's first job, behind the first frame. */
	/* Where the student was and what was answered: read tolerantly, a
	 * damaged file starts afresh with a word in the message line. */
	keeper kp;
	memset(&kp, 0, sizeof kp);
	char pwarn[400] = "";
	kp.have_path = vxu_progress_path(kp.path, sizeof kp.path) == 0;
	if (kp.have_path) {
		vx_error pe = { 0 };
		if (vxu_progress_load(&kp.p, kp.path, &pe) != VX_OK)
			snprintf(pwarn, sizeof pwarn, "%s", pe.msg);
	}
	if (a->restart) {
		vxu_progress_clear(&kp.p);
		kp.p.dirty = 1;
	}
	size_t start = a->step ? a->step : kp.p.step <= vxr_step_count() ? kp.p.step : 0;

	vxu_state st;
	vx_error err = { 0 };
	vx_status rc = vxu_state_start(&st, &a->params, start, utf8, 0, 0, &err);
	if (rc != VX_OK) {
		vxu_progress_clear(&kp.p);
		return vxu_fail(rc, &err);
	}
	st.prog = &kp.p;
	if (pwarn[0])
		vxu_message(&st, VXU_MSG_ERROR, "%s", pwarn);
	/* before the first job is taken */
	st.forget_bias = a->net.spec.forget_bias;
	st.cell = a->net.spec.cell;

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

	vxu_worker w;
	if (vxu_worker_open(&w) != 0) {
		delwin(win);
		restore_at_exit();
		delscreen(scr);
		vxu_error_line("cannot start the tutor: no pipe for its worker");
		vxu_state_free(&st);
		return 1;
	}
	/* The signals the loop answers reach it only inside pselect (see "The
	 * loop"); the worker blocks them all. */
	sigset_t loop_sigs, waitmask;
	sigemptyset(&loop_sigs);
	for (size_t i = 0; i < COUNT(loop_signals); i++)
		sigaddset(&loop_sigs, loop_signals[i]);
	pthread_sigmask(SIG_BLOCK, &loop_sigs, &waitmask);
	for (size_t i = 0; i < COUNT(loop_signals); i++)
		sigdelset(&waitmask, loop_signals[i]);
	int sig = run_loop(&st, &win, &th, &w, &waitmask, &kp);
	keep(&st, &kp, 1);

	/* The terminal first, so that q answers at once even while a job runs. */
	delwin(win);
	restore_at_exit();
	delscreen(scr);
	/* once the terminal is back: what kept the progress from its file */
	if (kp.why[0])
		vxu_error_line(kp.why);
	else if (pwarn[0])
		vxu_error_line(pwarn);
	vxu_progress_clear(&kp.p);
	st.prog = NULL;
	if (!vxu_worker_quit(&w, QUIT_WAIT_MS)) {
		/* Still computing: leave its result behind with the process.  The
		 * job holds references to all it reads, so the state goes; no
		 * handout is left half-written, nor started (vxr_out_abandon);
		 * _exit, not exit: no library destructor runs under the worker. */
		vxr_out_abandon();
		vxu_state_free(&st);
		fflush(stdout);
		if (sig > 0)
			die_of(sig);
		_exit(0);
	}
	vxu_worker_close(&w);
	if (sig == LOOP_FATAL) {
		/* one line on stderr, as for a bad option, now that the terminal is back */
		int code = vxu_fail(st.fatal, &st.fatal_err);
		vxu_state_free(&st);
		pthread_sigmask(SIG_SETMASK, &waitmask, NULL);
		return code;
	}
	vxu_state_free(&st);
	if (sig) {
		die_of(sig);
		return 128 + sig;
	}
	pthread_sigmask(SIG_SETMASK, &waitmask, NULL);
	return 0;
}
