/*
 * tutor_bench.c — how fast the tutor starts and answers a key (a benchmark
 * for people and notes, not a timed test).
 *
 *   build/bench/tutor_bench [--reps N] [--sizes DxT,DxT,...] [--screen COLSxROWS]
 *
 * Startup: from nothing to the first frame on screen — vxu_state_init (the
 * model, vx_analyse, the first step laid out), curses started on an
 * off-screen terminal, the first frame drawn and written out.
 * Key → frame: one key through vxu_key, vxu_update (recompute when the
 * network changed) and vxu_draw + doupdate, i.e. until the frame has been
 * written to the terminal (here /dev/null), for each kind of key.
 * Medians over N repetitions; targets from the issue: startup < 100 ms,
 * key → frame < 16 ms at d ≤ 32, T ≤ 100 and < 100 ms at d = 128, T = 500.
 */
#include <gsl/gsl_errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
	vx_error err = { { 0 } };
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
	printf("    key -> frame  all keys         median %8.2f ms\n\n", median(all, nall));
	session_close(&s);
	free(start);
	free(all);
	free(one);
}

int main(int argc, char **argv)
{
	int reps = 9, rows = 24, cols = 80;
	const char *sizes = "8x50,32x100,128x500";
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
			reps = atoi(argv[++i]);
		else if (strcmp(argv[i], "--sizes") == 0 && i + 1 < argc)
			sizes = argv[++i];
		else if (strcmp(argv[i], "--screen") == 0 && i + 1 < argc)
			sscanf(argv[++i], "%dx%d", &cols, &rows);
		else {
			fprintf(stderr, "usage: tutor_bench [--reps N] [--sizes DxT,...] [--screen COLSxROWS]\n");
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
		bench_size(d, T, reps, rows, cols);
	}
	free(copy);
	return 0;
}
