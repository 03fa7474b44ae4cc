/*
 * bench_load.c — how long reading a trained network takes: for each file
 * given, vxr_tensors_open, vxr_find_modules, vxr_find_select and
 * vxr_find_net (the module's weights converted to double into a vx_net), in
 * one process per file so the page cache is the only thing shared; the
 * median wall time of --reps runs and the peak resident set.
 *   build/bench/bench_load [--reps N] FILE...
 * tests/bench/bench_load.py writes the files (a 2-layer LSTM, d = n = 1024,
 * in every format) and times torch.load on them beside this.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <gsl/gsl_errno.h>

#include "engine/net.h"
#include "report/load/find.h"
#include "report/load/tensors.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* One load; its wall time, or a negative number on failure. */
static double load_once(const char *path, size_t *params)
{
	double t0 = now();
	vxr_tensors *f = NULL;
	vxr_module *mods = NULL;
	vx_net *net = NULL;
	size_t n = 0, pick = 0;
	vx_error err = { 0 };
	vx_status st = vxr_tensors_open(path, &f, &err);
	if (st == VX_OK)
		st = vxr_find_modules(f, &mods, &n, &err);
	if (st == VX_OK)
		st = vxr_find_select(f, mods, n, NULL, &pick, &err);
	if (st == VX_OK)
		st = vxr_find_net(f, &mods[pick], 0, VX_TANH, 1, &net, &err);
	double t = now() - t0;
	if (st != VX_OK) {
		fprintf(stderr, "bench_load: %s\n", err.msg);
		t = -1;
	} else {
		*params = 0;
		for (size_t l = 0; l < net->L; l++)
			*params += net->layer[l].w_ih->size1 * (net->layer[l].w_ih->size2 + net->layer[l].w_hh->size2 + 2);
	}
	vx_net_free(net);
	vxr_modules_free(mods, n);
	vxr_tensors_free(f);
	return t;
}

int main(int argc, char **argv)
{
	int reps = 5, first = 1;
	if (argc > 2 && strcmp(argv[1], "--reps") == 0) {
		reps = atoi(argv[2]);
		first = 3;
	}
	if (reps < 1 || first >= argc) {
		fprintf(stderr, "usage: bench_load [--reps N] FILE...\n");
		return 2;
	}
	gsl_set_error_handler_off();
	printf("%-34s %10s %12s %10s\n", "file", "weights", "median s", "peak MiB");
	int status = 0;
	for (int a = first; a < argc; a++) {
		int fd[2];
		if (pipe(fd) != 0)
			return 1;
		pid_t pid = fork();
		if (pid == 0) {
			close(fd[0]);
			double *t = malloc((size_t)reps * sizeof *t);
			size_t params = 0;
			for (int r = 0; r < reps && t; r++)
				if ((t[r] = load_once(argv[a], &params)) < 0)
					_exit(1);
			qsort(t, (size_t)reps, sizeof *t, cmp_double);
			struct rusage ru;
			getrusage(RUSAGE_SELF, &ru);
			char line[256];
			int len = snprintf(line, sizeof line, "%-34s %10zu %12.3f %10.1f\n", argv[a], params, t[reps / 2],
			                   (double)ru.ru_maxrss / 1024.0);
			if (write(fd[1], line, (size_t)len) != len)
				_exit(1);
			_exit(0);
		}
		close(fd[1]);
		char line[256];
		ssize_t got = read(fd[0], line, sizeof line - 1);
		close(fd[0]);
		int ws = 0;
		waitpid(pid, &ws, 0);
		if (got > 0 && WIFEXITED(ws) && WEXITSTATUS(ws) == 0) {
			line[got] = '\0';
			fputs(line, stdout);
		} else {
			printf("%-34s failed\n", argv[a]);
			status = 1;
		}
	}
	return status;
}
