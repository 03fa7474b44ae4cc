/*
 * tutor_bench.c — how fast the tutor starts and answers a key (a benchmark
 * for people and notes, not a timed test).
 *
 *   build/bench/tutor_bench [--reps N] [--sizes DxT,DxT,...] [--screen COLSxROWS]
 *                           [--exec PROG[,PROG...] [--args 'OPTIONS']]
 *
 * In-process (without --exec), the work behind each kind of key, done on
 * the calling thread as vxu_update does it:
 * startup — vxu_state_init (the model, vx_analyse, the first step laid
 * out), curses started on an off-screen terminal, the first frame drawn and
 * written out; key → frame — one key through vxu_key, vxu_update (the
 * network again when it changed) and vxu_draw + doupdate, until the frame
 * has been written to the terminal (here /dev/null).  This is what a key
 * cost the student before the tutor moved the work off its loop, and what
 * the complete numbers still cost.
 * With --exec, the real programs in a pseudo-terminal, each run in turn
 * (so that a comparison of two builds meets the same machine): for the
 * start and for every key, the first frame (the end of the first burst of
 * output, curses writing a frame in one go) and the complete one (the last
 * byte before the program is idle: no output and no CPU time for 150 ms).
 * Medians over N repetitions; the targets: a key's first frame within a
 * 60 Hz frame (16 ms) at d = 128, T = 500, and a first frame within 100 ms
 * at d = 256, T = 2000, the complete numbers following.  --args adds
 * options to every run (`--cell lstm --step 15`: the comparisons a step
 * leaves for later are in the complete figure).
 */
#include <gsl/gsl_errno.h>
#include <locale.h>
#include <math.h>
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

/* What one program did after one event (its start, or a key). */
typedef struct {
	double first;      /* end of the first burst of output: the first frame drawn */
	double complete;   /* the last byte before the program fell idle: every number in */
} reply;

/* CPU time, in clock ticks, the process has used so far (every thread,
 * those ended included); -1 when it cannot be read. */
static long cpu_ticks(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* after the command's ")": state, then 10 fields, then utime and stime */
	const char *p = strrchr(buf, ')');
	long ut, stt;
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %ld %ld", &ut, &stt) != 2)
		return -1;
	return ut + stt;
}

/* Reads the program's output after an event at t0 until it is idle: no byte
 * and no CPU time for IDLE_MS.  The first frame ends at the first pause of
 * BURST_GAP_MS in the output (curses writes a frame in one go).  Times are
 * from t0; the first frame is NaN when nothing came within 60 s. */
#define IDLE_MS 150
#define BURST_GAP_MS 3
static reply await_reply(int fd, pid_t pid, double t0)
{
	reply r = { NAN, NAN };
	char buf[65536];
	double last = t0, quiet_since = t0;
	long ticks = cpu_ticks(pid);
	int in_first = 0;
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		int wait = in_first ? BURST_GAP_MS : isnan(r.first) ? 60000 : 10;
		int n = poll(&p, 1, wait);
		double now = now_ms();
		if (n > 0) {
			ssize_t got = read(fd, buf, sizeof buf);
			if (got <= 0)
				break;
			last = quiet_since = now;
			if (isnan(r.first))
				in_first = 1;
			continue;
		}
		if (in_first) {
			r.first = last - t0;   /* a pause: the first frame is out */
			in_first = 0;
		}
		if (isnan(r.first))
			break;   /* nothing at all */
		long t = cpu_ticks(pid);
		if (t != ticks) {
			ticks = t;
			quiet_since = now;
		} else if (now - quiet_since >= IDLE_MS) {
			break;
		}
	}
	r.complete = isnan(r.first) ? NAN : last - t0;
	return r;
}

/* The keys timed on the real program, in pairs that undo each other, so
 * that every repetition sees the same network; both keys of a pair count. */
static const struct {
	const char *what;
	const char *key, *undo;
} exec_keys[] = {
	{ "next/prev step", "n", "p" },
	{ "lambda +/-", "+", "-" },
	{ "activation a/A", "a", "A" },
	{ "loss step t/T", "t", "T" },
	{ "path k K/k", "K", "k" },
	{ "seed r/R", "r", "R" },
};
#define NEXEC_KEYS (sizeof exec_keys / sizeof exec_keys[0])

/* The tutor's state directory for the runs: its own, emptied before each
 * run, so that every run starts as a new student's does (at step 1, not
 * where the person running the bench left their own tutor: step 15 would
 * add an LSTM and a GRU to every "complete" figure) */
static char state_home[64];

static void state_forget(void)
{
	char path[128];
	snprintf(path, sizeof path, "%s/vanex/progress", state_home);
	unlink(path);
}

static void state_remove(void)
{
	char path[128];
	state_forget();
	snprintf(path, sizeof path, "%s/vanex", state_home);
	rmdir(path);
	rmdir(state_home);
}

/* One run of prog: its start, every key pair once, then q. */
static void exec_once(const char *prog, const char *args, int rows, int cols, reply *start, reply *out)
{
	struct winsize ws = { (unsigned short)rows, (unsigned short)cols, 0, 0 };
	int fd;
	state_forget();
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
		setenv("XDG_STATE_HOME", state_home, 1);
		char cmd[4200];
		snprintf(cmd, sizeof cmd, "exec %s %s", prog, args);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	*start = await_reply(fd, pid, t0);
	for (size_t k = 0; k < NEXEC_KEYS; k++)
		for (int u = 0; u < 2; u++) {
			const char *key = u ? exec_keys[k].undo : exec_keys[k].key;
			double k0 = now_ms();
			if (write(fd, key, strlen(key)) != (ssize_t)strlen(key))
				break;
			out[2 * k + (size_t)u] = await_reply(fd, pid, k0);
		}
	if (write(fd, "q", 1) != 1)
		kill(pid, SIGTERM);
	await_reply(fd, pid, now_ms());
	close(fd);
	waitpid(pid, NULL, 0);
}

static double median_of(double *v, int n)
{
	double *c = malloc((size_t)n * sizeof *c);
	int m = 0;
	for (int i = 0; i < n; i++)
		if (!isnan(v[i]))
			c[m++] = v[i];
	double r = m ? median(c, m) : NAN;
	free(c);
	return r;
}

/* The real programs, side by side: their runs alternate, so that both meet
 * the same machine (a shared machine's load moves within minutes). */
static void bench_exec(char **progs, int nprogs, const char *args, int reps, int rows, int cols)
{
	size_t per = (size_t)reps * 2;   /* values per key pair and program */
	double *sf = calloc((size_t)nprogs * (size_t)reps, sizeof *sf), *sc = calloc((size_t)nprogs * (size_t)reps, sizeof *sc);
	double *kf = calloc((size_t)nprogs * NEXEC_KEYS * per, sizeof *kf);
	double *kc = calloc((size_t)nprogs * NEXEC_KEYS * per, sizeof *kc);
	reply start, got[2 * NEXEC_KEYS];
	for (int r = 0; r < reps; r++)
		for (int p = 0; p < nprogs; p++) {
			exec_once(progs[p], args, rows, cols, &start, got);
			sf[p * reps + r] = start.first;
			sc[p * reps + r] = start.complete;
			for (size_t k = 0; k < NEXEC_KEYS; k++)
				for (int u = 0; u < 2; u++) {
					size_t at = ((size_t)p * NEXEC_KEYS + k) * per + (size_t)r * 2 + (size_t)u;
					kf[at] = got[2 * k + (size_t)u].first;
					kc[at] = got[2 * k + (size_t)u].complete;
				}
		}
	printf("%s  %dx%d, %d runs each, medians in ms: first = the first frame written, complete = the\n"
	       "last byte before the program is idle (every number in)\n", args, cols, rows, reps);
	printf("%-22s", "");
	for (int p = 0; p < nprogs; p++) {
		size_t len = strlen(progs[p]);   /* the end of a long path names it */
		printf("  %21s", progs[p] + (len > 21 ? len - 21 : 0));
	}
	printf("\n%-22s", "");
	for (int p = 0; p < nprogs; p++)
		printf("  %10s %10s", "first", "complete");
	printf("\n%-22s", "startup");
	for (int p = 0; p < nprogs; p++)
		printf("  %10.1f %10.1f", median_of(sf + p * reps, reps), median_of(sc + p * reps, reps));
	printf("\n");
	for (size_t k = 0; k < NEXEC_KEYS; k++) {
		printf("key %-18s", exec_keys[k].what);
		for (int p = 0; p < nprogs; p++) {
			size_t at = ((size_t)p * NEXEC_KEYS + k) * per;
			printf("  %10.1f %10.1f", median_of(kf + at, (int)per), median_of(kc + at, (int)per));
		}
		printf("\n");
	}
	printf("%-22s", "key, all of them");
	for (int p = 0; p < nprogs; p++) {
		size_t at = (size_t)p * NEXEC_KEYS * per;
		printf("  %10.1f %10.1f", median_of(kf + at, (int)(NEXEC_KEYS * per)),
		       median_of(kc + at, (int)(NEXEC_KEYS * per)));
	}
	printf("\n\n");
	free(sf);
	free(sc);
	free(kf);
	free(kc);
}

int main(int argc, char **argv)
{
	int reps = 9, rows = 24, cols = 80;
	const char *sizes = "8x50,32x100,128x500";
	char *exec = NULL;
	const char *extra = "";
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
			reps = atoi(argv[++i]);
		else if (strcmp(argv[i], "--sizes") == 0 && i + 1 < argc)
			sizes = argv[++i];
		else if (strcmp(argv[i], "--screen") == 0 && i + 1 < argc)
			sscanf(argv[++i], "%dx%d", &cols, &rows);
		else if (strcmp(argv[i], "--exec") == 0 && i + 1 < argc)
			exec = strdup(argv[++i]);
		else if (strcmp(argv[i], "--args") == 0 && i + 1 < argc)
			extra = argv[++i];
		else {
			fprintf(stderr, "usage: tutor_bench [--reps N] [--sizes DxT,...] [--screen COLSxROWS] "
			                "[--exec PROG[,PROG...] [--args 'OPTIONS']]\n");
			return 2;
		}
	}
	if (reps < 1)
		reps = 1;
	gsl_set_error_handler_off();
	setlocale(LC_CTYPE, "C.UTF-8");
	setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
	char *progs[16];
	int nprogs = 0;
	for (char *tok = exec ? strtok(exec, ",") : NULL; tok && nprogs < 16; tok = strtok(NULL, ","))
		progs[nprogs++] = tok;
	if (!exec)
		printf("tutor_bench: %d repetitions, medians; the frame is written to /dev/null\n\n", reps);
	if (exec) {
		snprintf(state_home, sizeof state_home, "/tmp/tutor_bench.XXXXXX");
		if (!mkdtemp(state_home)) {
			perror("tutor_bench: a state directory for the tutor");
			return 1;
		}
		atexit(state_remove);
	}
	char *copy = strdup(sizes);
	char *save = NULL;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t d, T;
		if (sscanf(tok, "%zux%zu", &d, &T) != 2) {
			fprintf(stderr, "tutor_bench: bad size '%s' (expected DxT)\n", tok);
			return 2;
		}
		if (exec) {
			char args[512];
			snprintf(args, sizeof args, "--hidden %zu --steps %zu%s%s", d, T, *extra ? " " : "", extra);
			bench_exec(progs, nprogs, args, reps, rows, cols);
		} else {
			bench_size(d, T, reps, rows, cols);
		}
	}
	free(copy);
	free(exec);
	return 0;
}
