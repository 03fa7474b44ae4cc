/*
 * bench_net.c — times vx_net_analyse() for gated cells and stacks against
 * the dgemm floor of the state size D, as bench_engine.c does for the
 * vanilla cell.
 *
 *   bench_net [--reps N] [--norm L] [--init I] [--json FILE] [CELL:D_HIDDEN:LAYERS:T ...]
 *                                                        default lstm:256:1:1000
 *
 * Each network is generated (--init gaussian and --norm 1 unless given,
 * forget bias 1, seed 1) and analysed once untimed (warm-up, peak RSS);
 * then N timed runs
 * of vx_net_analyse(t = T) alternate with N runs of the floor: T chained
 * D×D cblas_dgemm products by an orthogonal matrix (no subnormals, no
 * overflow), the least work any method forming every ∂S_t/∂S_k densely
 * must do.  Prints the medians of wall and CPU time (all threads), their
 * ratios and the peak RSS.  vx_net_analyse runs under the engine's thread
 * policy for D (vx_exec_for_net, applied before each run), the floor with
 * the BLAS threads the process started with (OPENBLAS_NUM_THREADS); on a
 * shared machine the CPU-time ratio with one BLAS thread is the steadier
 * figure.  --json writes every timing of the last network, its peak RSS
 * and the chain's truncations and rank, for tests/bench/run.sh; built also
 * as bench_net_full, whose chain is the full product everywhere (see
 * bench_engine.c).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "engine/net.h"
#include "engine/net_analysis.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* CPU time of the whole process (all threads) */
static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
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

/* T chained products A ← A Q, A from the identity, Q orthogonal D×D */
static double floor_run(size_t D, size_t T, const double *Q, double *A, double *B, double *cpu)
{
	double c0 = cpu_s();
	memset(A, 0, D * D * sizeof *A);
	for (size_t i = 0; i < D; i++)
		A[i * D + i] = 1;
	double t0 = now_s();
	for (size_t j = 0; j < T; j++) {
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)D, (int)D, (int)D, 1.0, A, (int)D, Q,
		            (int)D, 0.0, B, (int)D);
		double *sw = A;
		A = B;
		B = sw;
	}
	*cpu = cpu_s() - c0;
	return now_s() - t0;
}

typedef struct {
	int reps;
	const char *norm, *init, *json;
} net_opts;

/* The timings of one network as JSON (numbers with 17 digits) */
static void json_list(FILE *f, const char *key, const double *v, int n)
{
	fprintf(f, "  \"%s\": [", key);
	for (int i = 0; i < n; i++)
		fprintf(f, "%s%.17g", i ? ", " : "", v[i]);
	fputs("],\n", f);
}

static int run(const char *spec, const net_opts *o)
{
	int reps = o->reps;
	char cell[16];
	size_t d, L, T;
	if (sscanf(spec, "%15[a-z]:%zu:%zu:%zu", cell, &d, &L, &T) != 4) {
		fprintf(stderr, "bench_net: expected CELL:D:LAYERS:T, got '%s'\n", spec);
		return 2;
	}
	vx_params p;
	vx_params_default(&p);
	p.hidden = d;
	p.steps = T;
	vx_error perr = { 0 };
	if ((o->norm && vx_params_set(&p, "norm", o->norm, &perr)) ||
	    (o->init && vx_params_set(&p, "init", o->init, &perr))) {
		fprintf(stderr, "bench_net: %s\n", perr.msg);
		return 2;
	}
	vx_net_spec sp;
	vx_net_spec_default(&sp);
	if (vx_cell_parse(cell, &sp.cell)) {
		fprintf(stderr, "bench_net: unknown cell '%s'\n", cell);
		return 2;
	}
	sp.layers = L;
	sp.forget_bias = sp.cell == VX_CELL_RNN ? 0 : 1;
	vx_net *net = NULL;
	vx_error err = { 0 };
	if (vx_net_build(&p, &sp, &net, &err)) {
		fprintf(stderr, "bench_net: %s\n", err.msg);
		return 1;
	}
	size_t D = net->D;
	double *Q = malloc(D * D * sizeof *Q), *A = malloc(D * D * sizeof *A), *B = malloc(D * D * sizeof *B);
	double *tv = calloc((size_t)reps, sizeof *tv), *fv = calloc((size_t)reps, sizeof *fv);
	double *tc = calloc((size_t)reps, sizeof *tc), *fc = calloc((size_t)reps, sizeof *fc);
	gsl_matrix *M = gsl_matrix_alloc(D, D);
	gsl_vector *tau = gsl_vector_alloc(D);
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	if (!Q || !A || !B || !tv || !fv || !tc || !fc || !M || !tau || !g)
		return 1;
	for (size_t i = 0; i < D * D; i++)
		M->data[i] = gsl_ran_gaussian(g, 1.0);
	gsl_linalg_QR_decomp(M, tau);
	gsl_matrix_view Qv = gsl_matrix_view_array(Q, D, D);
	gsl_matrix *R = gsl_matrix_alloc(D, D);
	gsl_linalg_QR_unpack(M, tau, &Qv.matrix, R);
	gsl_matrix_free(R);

	vx_net_result *r = NULL;
	vx_exec machine = vx_exec_machine(), ex = vx_exec_for_net(D, &machine),
	        as_started = { 1, machine.blas_threads, NULL };
	for (int i = -1; i < reps; i++) {
		vx_net_result_free(r);
		/* the floor's BLAS workers spin for about 0.1 s after it, taking a
		 * core from a run that starts then (bench_engine.c, blas_settle) */
		struct timespec settle = { 0, 250000000 };
		nanosleep(&settle, NULL);
		vx_exec_apply(&ex);
		double t0 = now_s(), c0 = cpu_s();
		if (vx_net_analyse(net, T, &ex, &r, &err)) {
			fprintf(stderr, "bench_net: %s\n", err.msg);
			return 1;
		}
		double dt = now_s() - t0, dc = cpu_s() - c0;
		if (i < 0)
			continue;
		tv[i] = dt;
		tc[i] = dc;
		vx_exec_apply(&as_started);
		fv[i] = floor_run(D, T, Q, A, B, &fc[i]);
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double tm = median(tv, reps), fm = median(fv, reps), tcm = median(tc, reps), fcm = median(fc, reps);
	printf("%s d=%zu L=%zu D=%zu T=%zu: vx_net_analyse %.3f s (CPU %.3f s), dgemm floor %.3f s (CPU %.3f s): "
	       "ratio %.2f (CPU %.2f); peak RSS %.0f MiB; ‖∂S_t/∂S_1‖ = 10^%.2f; Lanczos steps %zu, fallbacks %zu\n",
	       cell, d, L, D, T, tm, tcm, fm, fcm, tm / fm, tcm / fcm, (double)ru.ru_maxrss / 1024.0,
	       r->paths[0].norm.log10, r->lanczos_steps, r->fallbacks);
	FILE *f = o->json ? fopen(o->json, "w") : NULL;
	if (f) {
		fprintf(f, "{\n  \"spec\": \"%s\", \"D\": %zu, \"T\": %zu,\n", spec, D, T);
		json_list(f, "times", tv, reps);
		json_list(f, "cpus", tc, reps);
		json_list(f, "floor_times", fv, reps);
		json_list(f, "floor_cpus", fc, reps);
		fprintf(f, "  \"peak_rss_mib\": %.1f, \"chain_truncations\": %zu, \"chain_rank\": %zu\n}\n",
		        (double)ru.ru_maxrss / 1024.0, r->chain_truncations, r->chain_rank);
		if (fclose(f) != 0)
			f = NULL;
	}
	if (o->json && !f) {
		fprintf(stderr, "bench_net: cannot write %s\n", o->json);
		return 1;
	}
	vx_net_result_free(r);
	vx_net_free(net);
	gsl_matrix_free(M);
	gsl_vector_free(tau);
	gsl_rng_free(g);
	free(Q);
	free(A);
	free(B);
	free(tv);
	free(fv);
	free(tc);
	free(fc);
	return 0;
}

int main(int argc, char **argv)
{
	gsl_set_error_handler_off();
	net_opts o = { 3, NULL, NULL, NULL };
	int any = 0, rc = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc) {
			o.reps = atoi(argv[++i]);
			if (o.reps < 1)
				o.reps = 1;
			continue;
		}
		const char **slot = strcmp(argv[i], "--norm") == 0 ? &o.norm
		                    : strcmp(argv[i], "--init") == 0 ? &o.init
		                    : strcmp(argv[i], "--json") == 0 ? &o.json : NULL;
		if (slot && i + 1 < argc) {
			*slot = argv[++i];
			continue;
		}
		any = 1;
		rc |= run(argv[i], &o);
	}
	if (!any)
		rc = run("lstm:256:1:1000", &o);
	return rc;
}
