/*
 * tutor_bench.c — how fast the tutor starts and answers a key (a benchmark
 * for people and notes, not a timed test).
 *
 *   build/bench/tutor_bench [--reps N] [--sizes DxT,DxT,...] [--screen COLSxROWS]
 *                           [--exec ./vanex]
 *
 * Startup: from nothing to the first frame on screen — vxu_state_init (the
 * model, vx_analyse, the first step laid out), curses started on an
 * off-screen terminal, the first frame drawn and written out.
 * Key → frame: one key through vxu_key, vxu_update (recompute when the
 * network changed) and vxu_draw + doupdate, i.e. until the frame has been
 * written to the terminal (here /dev/null), for each kind of key.
 * With --exec, the same for the real program in a pseudo-terminal: from
 * fork to the last byte of the first frame, and from writing a key to the
 * last byte of the frame it causes (the end of a frame is taken as 100 ms of
 * silence, not counted).
 * Medians over N repetitions; targets from the issue: startup < 100 ms,
 * key → frame < 16 ms at d ≤ 32, T ≤ 100 and < 100 ms at d = 128, T = 500.
 */
#include <gsl/gsl_errno.h>
#include <locale.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tui/tutor_draw.h"
#include "tui/tutor_state.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

typedef struct {
	vxu_state st;
	SCREEN *scr;
	FILE *out, *in;
	WINDOW *win;
	vxu_theme th;
} session;

/* Everything from parameters to the first frame written out. */
static int session_open(session *s, size_t d, size_t T, int rows, int cols)
{
	vx_params p;
	vx_params_default(&p);
	p.hidden = d;
	p.steps = T;
	p.set |= VX_SET_HIDDEN | VX_SET_STEPS;
	vx_error err = { 0 };
	if (vxu_state_init(&s->st, &p, 0, 1, rows, cols, &err) != VX_OK) {
		fprintf(stderr, "tutor_bench: d=%zu T=%zu: %s\n", d, T, err.msg);
		return -1;
	}
	s->out = fopen("/dev/null", "w");
	s->in = fopen("/dev/null", "r");
	s->scr = newterm("xterm-256color", s->out, s->in);
	if (!s->scr) {
		fprintf(stderr, "tutor_bench: newterm failed\n");
		return -1;
	}
	resizeterm(rows, cols);
	s->win = newwin(rows, cols, 0, 0);
	vxu_theme_init(&s->th, 1);
	vxu_draw(s->win, &s->st, &s->th);
	doupdate();
	return 0;
}

static void session_close(session *s)
{
	delwin(s->win);
	endwin();
	delscreen(s->scr);
	fclose(s->out);
	fclose(s->in);
	vxu_state_free(&s->st);
}

/* One key until its frame is written out. */
static double key_frame(session *s, int key)
{
	double t0 = now_ms();
	vxu_key(&s->st, key);
	vxu_update(&s->st);
	vxu_draw(s->win, &s->st, &s->th);
	doupdate();
	return now_ms() - t0;
}

/* Keys come in pairs that undo each other, so every repetition sees the same
 * network; the first key of a pair is timed, the second too (both count). */
static const struct {
	const char *what;
	int key, undo;
} keys[] = {
	{ "next/prev step", VXU_K_RIGHT, VXU_K_LEFT },
	{ "lambda +/-", '+', '-' },
	{ "activation a/A", 'a', 'A' },
	{ "loss step t/T", 't', 'T' },
	{ "path k K/k", 'K', 'k' },
	{ "step j j/J", 'j', 'J' },
	{ "seed r/R", 'r', 'R' },
	{ "scroll down/up", VXU_K_DOWN, VXU_K_UP },
};

static void bench_size(size_t d, size_t T, int reps, int rows, int cols)
{
	double *start = malloc((size_t)reps * sizeof *start);
	double *all = malloc((size_t)reps * 2 * (sizeof keys / sizeof keys[0]) * sizeof *all);
	double *one = malloc((size_t)reps * 2 * sizeof *one);
	int nall = 0;
	session s;
	for (int r = 0; r < reps; r++) {
		memset(&s, 0, sizeof s);
		double t0 = now_ms();
		if (session_open(&s, d, T, rows, cols) < 0)
			exit(1);
		start[r] = now_ms() - t0;
		session_close(&s);
	}
	printf("d=%-4zu T=%-5zu %dx%d   startup (to first frame)  median %8.2f ms\n", d, T, cols, rows,
	       median(start, reps));
	memset(&s, 0, sizeof s);
	if (session_open(&s, d, T, rows, cols) < 0)
		exit(1);
	/* Step 2, so that next and previous both move. */
	key_frame(&s, VXU_K_RIGHT);
	for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
		int n = 0;
		for (int r = 0; r < reps; r++) {
			one[n++] = key_frame(&s, keys[k].key);
			one[n++] = key_frame(&s, keys[k].undo);
		}
		memcpy(all + nall, one, (size_t)n * sizeof *one);
		nall += n;
		double max = 0;
		for (int i = 0; i < n; i++)
			if (one[i] > max)
				max = one[i];
		printf("    key -> frame  %-16s median %8.2f ms   max %8.2f ms\n", keys[k].what, median(one, n), max);
	}
	printf("    key -> frame  all keys         median %8.2f ms\n", median(all, nall));
	/* Every step once, from the first, laid out for the first time (no kept layout):
	 * what a student paging through meets; some steps compute extra (report layer). */
	key_frame(&s, VXU_K_HOME);
	s.st.dirty |= VXU_DIRTY_TEXT | VXU_DIRTY_DOC;
	vxu_update(&s.st);
	double *steps = malloc(s.st.nsteps * sizeof *steps);
	size_t nst = 0, worst = 0;
	for (size_t i = 1; i < s.st.nsteps; i++) {
		steps[nst] = key_frame(&s, VXU_K_RIGHT);
		if (steps[nst] > steps[worst])
			worst = nst;
		nst++;
	}
	if (nst > 0) {
		double w = steps[worst];
		printf("    key -> frame  next, each step laid out the first time: median %.2f ms, max %.2f ms (step %zu)\n",
		       median(steps, (int)nst), w, worst + 2);
	}
	free(steps);
	printf("\n");
	session_close(&s);
	free(start);
	free(all);
	free(one);
}

/* ---- the real program in a pseudo-terminal ---- */

/* Reads from fd until `quiet_ms` pass without a byte, after waiting up to
 * 20 s for the first one; returns the time of the last byte read (or `since`
 * when none came). */
static double drain(int fd, double since, int quiet_ms)
{
	double last = since;
	char buf[65536];
	for (int first = 1;; first = 0) {
		struct pollfd p = { fd, POLLIN, 0 };
		int r = poll(&p, 1, first ? 20000 : quiet_ms);
		if (r <= 0)
			return last;
		ssize_t n = read(fd, buf, sizeof buf);
		if (n <= 0)
			return last;
		last = now_ms();
	}
}

static void bench_exec(const char *prog, const char *args, int reps, int rows, int cols)
{
	struct winsize ws = { (unsigned short)rows, (unsigned short)cols, 0, 0 };
	double *start = malloc((size_t)reps * sizeof *start), *kf = malloc((size_t)reps * 2 * sizeof *kf);
	int nk = 0;
	for (int r = 0; r < reps; r++) {
		int fd;
		double t0 = now_ms();
		pid_t pid = forkpty(&fd, NULL, NULL, &ws);
		if (pid < 0) {
			perror("tutor_bench: forkpty");
			exit(1);
		}
		if (pid == 0) {
			setenv("TERM", "xterm-256color", 1);
			setenv("LANG", "C.UTF-8", 1);
			setenv("LC_ALL", "C.UTF-8", 1);
			char cmd[4200];
			snprintf(cmd, sizeof cmd, "exec %s %s", prog, args);
			execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
			_exit(127);
		}
		start[r] = drain(fd, t0, 300) - t0;
		/* λ up and down: a recompute each. */
		const char *k2[2] = { "+", "-" };
		for (int i = 0; i < 2; i++) {
			double k0 = now_ms();
			if (write(fd, k2[i], 1) != 1)
				break;
			kf[nk++] = drain(fd, k0, 100) - k0;
		}
		if (write(fd, "q", 1) != 1)
			kill(pid, SIGTERM);
		drain(fd, now_ms(), 100);
		close(fd);
		waitpid(pid, NULL, 0);
	}
	printf("exec %s %s  %dx%d\n    startup (fork to first frame)   median %8.2f ms\n", prog, args, cols, rows,
	       median(start, reps));
	printf("    key -> frame (+ and -)          median %8.2f ms\n\n", median(kf, nk));
	free(start);
	free(kf);
}

int main(int argc, char **argv)
{
	int reps = 9, rows = 24, cols = 80;
	const char *sizes = "8x50,32x100,128x500";
	const char *exec = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
			reps = atoi(argv[++i]);
		else if (strcmp(argv[i], "--sizes") == 0 && i + 1 < argc)
			sizes = argv[++i];
		else if (strcmp(argv[i], "--screen") == 0 && i + 1 < argc)
			sscanf(argv[++i], "%dx%d", &cols, &rows);
		else if (strcmp(argv[i], "--exec") == 0 && i + 1 < argc)
			exec = argv[++i];
		else {
			fprintf(stderr, "usage: tutor_bench [--reps N] [--sizes DxT,...] [--screen COLSxROWS] [--exec ./vanex]\n");
			return 2;
		}
	}
	if (reps < 1)
		reps = 1;
	gsl_set_error_handler_off();
	setlocale(LC_CTYPE, "C.UTF-8");
	setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
	printf("tutor_bench: %d repetitions, medians; the frame is written to /dev/null\n\n", reps);
	char *copy = strdup(sizes);
	for (char *tok = strtok(copy, ","); tok; tok = strtok(NULL, ",")) {
		size_t d, T;
		if (sscanf(tok, "%zux%zu", &d, &T) != 2) {
			fprintf(stderr, "tutor_bench: bad size '%s' (expected DxT)\n", tok);
			return 2;
		}
		if (exec) {
			char args[64];
			snprintf(args, sizeof args, "--hidden %zu --steps %zu", d, T);
			bench_exec(exec, args, reps, rows, cols);
		} else {
			bench_size(d, T, reps, rows, cols);
		}
	}
	free(copy);
	return 0;
}
