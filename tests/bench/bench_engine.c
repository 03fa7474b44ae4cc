/*
 * bench_engine.c — times vx_analyse() and the dgemm floor, and dumps what the
 * numpy and PyTorch benchmarks need to redo the same computation.
 *
 *   bench_engine [options] SIZE...      SIZE is DxT (256x1000), or DxT:mem
 *     --out DIR      where results go (default build/bench)
 *     --reps N       timed repetitions per size (default 5; median reported)
 *     --act A --norm L --seed S --inputs N --input-scale S --init I   model options
 *     --label NAME   results in DIR/NAME_DxT.json (default vanex)
 *     --no-dumps     no .npy files (runs that only time)
 *     --no-warmup    no untimed first run: the peak RSS is read after the
 *                    first timed one (before the floor allocates)
 *
 * Built twice by `make bench`: bench_engine, and bench_engine_full with
 * engine/lowrank.c compiled -DVX_LOWRANK_OFF, whose chain of products is
 * the full one everywhere (the previous engine's, bit for bit), so that
 * tests/bench/run.sh can interleave the two on the same models.
 *
 * Each size runs in its own child process (fork), so the peak resident set
 * (getrusage ru_maxrss) of one size is not inflated by an earlier, larger one.
 * The child builds the model (gaussian W scaled to ‖W‖₂ = L), runs
 * vx_analyse(m, t = T) once untimed and reads its peak RSS, then alternates
 * --reps timed runs of vx_analyse, under the engine's thread policy for d
 * (vx_exec_for_model, applied before each run, untimed, once the BLAS's
 * worker threads have gone to sleep: blas_settle), with --reps timed
 * runs of the floor, with the BLAS threads the process started with:
 * T chained d×d products with cblas_dgemm, the least work any method that
 * forms every ∂s_t/∂s_k must do.  Wall time by CLOCK_MONOTONIC; the CPU time
 * of the process (all threads) is recorded beside it.  The floor multiplies by an orthogonal
 * matrix so the chain neither underflows into subnormals (which would make
 * the floor artificially slow) nor overflows.
 *
 * Output per size, under DIR:
 *   vanex_DxT.json   timings, peak RSS, machine facts and the results in
 *                    log10 (norms, step products, bounds, contributions),
 *                    the per-step norms and the names of the .npy files;
 *   DxT_{W,U,b,s0,x,y}.npy   the model, exactly (float64, C order);
 *   DxT_gradW.npy    ∂L_t/∂W (times 10^grad_log10_scale from the JSON).
 * A ":mem" size only runs vx_analyse once and records time and peak RSS
 * (no dumps, no floor): it checks the O(d² + T·d) memory claim.
 * Files are written to a temporary name and renamed.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gsl/gsl_cblas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>

#include "engine/analysis.h"
#include "engine/model.h"
#include "engine/params.h"

/* OpenBLAS's own queries, absent with GSL's reference CBLAS: weak, so the
 * driver links either way and reports "unknown". */
extern int openblas_get_num_threads(void) __attribute__((weak));
extern char *openblas_get_config(void) __attribute__((weak));
extern char *openblas_get_corename(void) __attribute__((weak));

typedef struct {
	const char *out;
	int reps;
	const char *act, *norm, *seed, *inputs, *input_scale, *init, *label;
	int no_dumps, no_warmup;
} bench_opts;

/* ---- small helpers ---------------------------------------------------- */

static double now_s(void)
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

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Peak resident set of this process so far, in MiB (Linux reports KiB). */
static double peak_rss_mib(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return -1;
	return (double)ru.ru_maxrss / 1024.0;
}

/* A JSON number, or null when it is not finite (JSON has no inf/NaN). */
static void json_num(FILE *f, double x)
{
	if (isfinite(x))
		fprintf(f, "%.17g", x);
	else
		fputs("null", f);
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* ---- .npy output -------------------------------------------------------- */

/* Writes rows×cols doubles, element (i, j) at base[i*tda + j*stride], as a
 * .npy v1.0 file (ndim 1 when cols_is_vector).  Returns 0 or -1 (errno). */
static int npy_write(const char *path, const double *base, size_t rows, size_t cols,
                     size_t tda, size_t stride, int is_vector)
{
	char tmp[4200], dict[256], shape[96];
	const union { unsigned u; unsigned char c[4]; } probe = { 1u };
	const char *descr = probe.c[0] ? "<f8" : ">f8";
	if (is_vector)
		snprintf(shape, sizeof shape, "(%zu,)", rows * cols);
	else
		snprintf(shape, sizeof shape, "(%zu, %zu)", rows, cols);
	int n = snprintf(dict, sizeof dict,
	                 "{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shape);
	/* magic(6) + version(2) + length(2) + dict + padding + '\n' ≡ 0 mod 64 */
	size_t hlen = (size_t)n + 1, total = 10 + hlen;
	size_t pad = (64 - total % 64) % 64;
	hlen += pad;

	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "wb");
	if (!f)
		return -1;
	unsigned char head[10] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
	                           (unsigned char)(hlen & 0xff), (unsigned char)(hlen >> 8) };
	fwrite(head, 1, sizeof head, f);
	fputs(dict, f);
	for (size_t i = 0; i < pad; i++)
		fputc(' ', f);
	fputc('\n', f);
	for (size_t i = 0; i < rows; i++)
		for (size_t j = 0; j < cols; j++)
			fwrite(&base[i * tda + j * stride], sizeof(double), 1, f);
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		remove(tmp);
		return -1;
	}
	return 0;
}

static int npy_matrix(const char *dir, const char *tag, const char *name, const gsl_matrix *A)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s_%s.npy", dir, tag, name);
	return npy_write(path, A->data, A->size1, A->size2, A->tda, 1, 0);
}

static int npy_vector(const char *dir, const char *tag, const char *name, const gsl_vector *v)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s_%s.npy", dir, tag, name);
	return npy_write(path, v->data, 1, v->size, 0, v->stride, 1);
}

/* ---- the model ---------------------------------------------------------- */

static vx_status set_opt(vx_params *p, const char *name, const char *value, vx_error *err)
{
	return value ? vx_params_set(p, name, value, err) : VX_OK;
}

static vx_status build_model(const bench_opts *o, size_t d, size_t T, const char *init,
                             vx_model **m, vx_error *err)
{
	vx_params p;
	char dbuf[32], tbuf[32];
	vx_status st;
	vx_params_default(&p);
	snprintf(dbuf, sizeof dbuf, "%zu", d);
	snprintf(tbuf, sizeof tbuf, "%zu", T);
	if ((st = vx_params_set(&p, "hidden", dbuf, err)) ||
	    (st = vx_params_set(&p, "steps", tbuf, err)) ||
	    (st = vx_params_set(&p, "init", init, err)) ||
	    (st = set_opt(&p, "act", o->act, err)) ||
	    (st = set_opt(&p, "norm", o->norm, err)) ||
	    (st = set_opt(&p, "seed", o->seed, err)) ||
	    (st = set_opt(&p, "inputs", o->inputs, err)) ||
	    (st = set_opt(&p, "input-scale", o->input_scale, err)) ||
	    (st = vx_params_check(&p, err)))
		return st;
	return vx_model_build(&p, m, err);
}

/* ---- the dgemm floor ---------------------------------------------------- */

typedef struct {
	size_t d, T;
	double *A, *B, *Q;   /* row-major d×d: the running product, scratch, orthogonal factor */
} dgemm_chain;

static void chain_free(dgemm_chain *c)
{
	free(c->A);
	free(c->B);
	free(c->Q);
}

static int chain_init(dgemm_chain *c, const bench_opts *o, size_t d, size_t T, vx_error *err)
{
	vx_model *q = NULL;
	memset(c, 0, sizeof *c);
	c->d = d;
	c->T = T;
	/* ‖Q‖₂ = 1 whatever the model's λ: the chain stays in range over any T */
	bench_opts unit = *o;
	unit.norm = "1";
	if (build_model(&unit, d, 1, "orthogonal", &q, err) != VX_OK)
		return -1;
	c->A = malloc(d * d * sizeof *c->A);
	c->B = malloc(d * d * sizeof *c->B);
	c->Q = malloc(d * d * sizeof *c->Q);
	if (!c->A || !c->B || !c->Q) {
		vx_model_free(q);
		chain_free(c);
		snprintf(err->msg, sizeof err->msg, "dgemm floor: out of memory");
		return -1;
	}
	for (size_t i = 0; i < d; i++)
		for (size_t j = 0; j < d; j++)
			c->Q[i * d + j] = gsl_matrix_get(q->W, i, j);
	vx_model_free(q);
	return 0;
}

/* Seconds for T chained products A ← A·Q starting from the identity. */
static double chain_run(dgemm_chain *c, vx_error *err)
{
	const size_t d = c->d;
	memset(c->A, 0, d * d * sizeof *c->A);
	for (size_t i = 0; i < d; i++)
		c->A[i * d + i] = 1;
	double *src = c->A, *dst = c->B, t0 = now_s();
	for (size_t j = 0; j < c->T; j++) {
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)d, (int)d, (int)d,
		            1.0, src, (int)d, c->Q, (int)d, 0.0, dst, (int)d);
		double *sw = src;
		src = dst;
		dst = sw;
	}
	double dt = now_s() - t0;
	if (!isfinite(src[0])) {
		snprintf(err->msg, sizeof err->msg, "dgemm floor: chain left the range of a double");
		return -1;
	}
	return dt;
}

/* ---- one size, in a child process ---------------------------------------- */

static void mag_array(FILE *f, const char *key, const vx_result *r, size_t off)
{
	fprintf(f, "  \"%s\": [", key);
	for (size_t k = 0; k < r->t; k++) {
		const vx_mag *mg = (const vx_mag *)((const char *)&r->paths[k] + off);
		if (k)
			fputc(',', f);
		json_num(f, mg->log10);
	}
	fputs("],\n", f);
}

static void json_array(FILE *f, const double *v, int n)
{
	fputc('[', f);
	for (int i = 0; i < n; i++) {
		if (i)
			fputc(',', f);
		json_num(f, v[i]);
	}
	fputc(']', f);
}

static int write_json(const bench_opts *o, const char *tag, size_t d, size_t T, int mem_only,
                      const vx_result *r, double t_build, const double *times, const double *cpus,
                      int reps, double t_med, double cpu_med, double rss, const double *floors,
                      const double *floor_cpus, double floor_med)
{
	char path[4096], tmp[4200];
	snprintf(path, sizeof path, "%s/%s_%s.json", o->out, o->label, tag);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return -1;
	fprintf(f, "{\n  \"method\": \"%s\",\n  \"tag\": \"%s\",\n  \"d\": %zu,\n  \"T\": %zu,\n"
	        "  \"t\": %zu,\n  \"mem_only\": %s,\n",
	        o->label, tag, d, T, r->t, mem_only ? "true" : "false");
	fputs("  \"params\": {\"act\": ", f); json_str(f, o->act ? o->act : "tanh");
	fputs(", \"norm\": ", f); json_str(f, o->norm ? o->norm : "1");
	fputs(", \"seed\": ", f); json_str(f, o->seed ? o->seed : "1");
	fputs(", \"inputs\": ", f); json_str(f, o->inputs ? o->inputs : "4");
	fputs(", \"input_scale\": ", f); json_str(f, o->input_scale ? o->input_scale : "1");
	fputs(", \"init\": ", f); json_str(f, o->init);
	fputs("},\n", f);
	fprintf(f, "  \"blas\": {\"threads\": %d, \"config\": ",
	        openblas_get_num_threads ? openblas_get_num_threads() : -1);
	json_str(f, openblas_get_config ? openblas_get_config() : "unknown (not OpenBLAS)");
	fputs(", \"core\": ", f);
	json_str(f, openblas_get_corename ? openblas_get_corename() : "unknown");
	fputs("},\n", f);
	fputs("  \"time_build\": ", f); json_num(f, t_build);
	fputs(",\n  \"times\": ", f); json_array(f, times, reps);
	fputs(",\n  \"cpus\": ", f); json_array(f, cpus, reps);
	fputs(",\n  \"time_median\": ", f); json_num(f, t_med);
	fputs(",\n  \"cpu_median\": ", f); json_num(f, cpu_med);
	fputs(",\n  \"peak_rss_mib\": ", f); json_num(f, rss);
	if (!mem_only) {
		fputs(",\n  \"floor_times\": ", f); json_array(f, floors, reps);
		fputs(",\n  \"floor_cpus\": ", f); json_array(f, floor_cpus, reps);
	}
	fputs(",\n  \"floor_median\": ", f); json_num(f, floor_med);
	fputs(",\n  \"gamma\": ", f); json_num(f, r->gamma);
	fputs(",\n  \"lambda\": ", f); json_num(f, r->lambda);
	fputs(",\n  \"loss_log10\": ", f); json_num(f, r->loss.log10);
	fputs(",\n  \"grad_log10_scale\": ", f); json_num(f, r->grad_log10_scale);
	fputs(",\n  \"grad_norm_log10\": ", f); json_num(f, r->grad_norm.log10);
	fprintf(f, ",\n  \"lanczos_steps\": %zu,\n  \"fallbacks\": %zu", r->lanczos_steps,
	        r->fallbacks);
	fprintf(f, ",\n  \"chain_truncations\": %zu,\n  \"chain_rank\": %zu", r->chain_truncations,
	        r->chain_rank);
	fputs(",\n  \"lyap_max\": ", f); json_num(f, r->lyap_max);
	fputs(",\n  \"lyap_bound\": ", f); json_num(f, r->lyap_bound);
	fputs(",\n", f);
	if (!mem_only) {
		fputs("  \"step_norm\": [", f);
		for (size_t j = 0; j < r->step_norm->size; j++) {
			if (j)
				fputc(',', f);
			json_num(f, gsl_vector_get(r->step_norm, j));
		}
		fputs("],\n", f);
		mag_array(f, "log10_norm", r, offsetof(vx_path, norm));
		mag_array(f, "log10_step_product", r, offsetof(vx_path, step_product));
		mag_array(f, "log10_bound", r, offsetof(vx_path, bound));
		mag_array(f, "log10_contribution", r, offsetof(vx_path, contribution));
		fprintf(f, "  \"npy\": {\"W\": \"%s_W.npy\", \"U\": \"%s_U.npy\", \"b\": \"%s_b.npy\", "
		        "\"s0\": \"%s_s0.npy\", \"x\": \"%s_x.npy\", \"y\": \"%s_y.npy\", "
		        "\"grad_W\": \"%s_gradW.npy\"},\n", tag, tag, tag, tag, tag, tag, tag);
	}
	fputs("  \"ok\": true\n}\n", f);
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		remove(tmp);
		return -1;
	}
	return 0;
}

/* CPU seconds (user + system, all threads) used by this process so far. */
static double cpu_s(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return NAN;
	return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
	       (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

/* Waits until OpenBLAS's worker threads sleep.  After a call on several
 * threads (the floor's, or the pool's start) each worker spins, yielding,
 * for 2^28 clock ticks (about 0.1 s) before it sleeps: a vanex run started
 * within that time shares a core with it (256×1000: 5% slower, as the
 * median of 7 runs).  A quarter of a second, untimed. */
static void blas_settle(void)
{
	struct timespec ts = { 0, 250000000 };
	nanosleep(&ts, NULL);
}

/* Everything for one size; returns the child's exit status.
 * A first, untimed run of vx_analyse warms caches and the BLAS thread pool
 * and fixes the peak RSS (read before the floor allocates anything; with
 * --no-warmup, after the first timed run); then the timed runs of vanex and
 * of the floor alternate, so that a change of load on a shared machine hits
 * both alike.  The CPU time of each (all threads) is recorded beside it. */
static int run_size(const bench_opts *o, size_t d, size_t T, int mem_only)
{
	char tag[64];
	vx_error err = { 0 };
	vx_model *m = NULL;
	vx_result *r = NULL;
	dgemm_chain chain = { 0 };
	int reps = mem_only ? 1 : o->reps;
	double *times = calloc((size_t)reps, sizeof *times);
	double *cpus = calloc((size_t)reps, sizeof *cpus);
	double *floors = calloc((size_t)reps, sizeof *floors);
	double *floor_cpus = calloc((size_t)reps, sizeof *floor_cpus);
	double *sorted = calloc((size_t)reps, sizeof *sorted);
	double floor_med = NAN, rss = NAN;
	if (!times || !cpus || !floors || !floor_cpus || !sorted)
		return 1;
	snprintf(tag, sizeof tag, "%zux%zu", d, T);

	double t0 = now_s();
	vx_status st = build_model(o, d, T, o->init, &m, &err);
	double t_build = now_s() - t0;
	if (st != VX_OK) {
		fprintf(stderr, "bench_engine: %s: model: %s: %s\n", tag, vx_strerror(st), err.msg);
		return 1;
	}
	vx_exec machine = vx_exec_machine(), ex = vx_exec_for_model(d, &machine),
	        as_started = { 1, machine.blas_threads, NULL };
	for (int i = mem_only || o->no_warmup ? 0 : -1; i < reps; i++) {
		vx_result_free(r);
		r = NULL;
		blas_settle();
		vx_exec_apply(&ex);
		double c0 = cpu_s();
		t0 = now_s();
		st = vx_analyse(m, T, &ex, &r, &err);
		double dt = now_s() - t0, dc = cpu_s() - c0;
		if (st != VX_OK) {
			fprintf(stderr, "bench_engine: %s: vx_analyse: %s: %s\n", tag, vx_strerror(st),
			        err.msg);
			return 1;
		}
		if (i < 0 || (i == 0 && o->no_warmup && !mem_only)) {
			/* vanex's own peak, before the floor's buffers */
			rss = peak_rss_mib();
			if (chain_init(&chain, o, d, T, &err) != 0) {
				fprintf(stderr, "bench_engine: %s: %s\n", tag, err.msg);
				return 1;
			}
			if (i < 0)
				continue;
		}
		times[i] = dt;
		cpus[i] = dc;
		if (i == 0 && mem_only)
			break;
		vx_exec_apply(&as_started);
		c0 = cpu_s();
		if ((floors[i] = chain_run(&chain, &err)) < 0) {
			fprintf(stderr, "bench_engine: %s: %s\n", tag, err.msg);
			return 1;
		}
		floor_cpus[i] = cpu_s() - c0;
	}
	chain_free(&chain);
	if (mem_only)
		rss = peak_rss_mib();
	if (!mem_only) {
		memcpy(sorted, floors, (size_t)reps * sizeof *sorted);
		floor_med = median(sorted, reps);
	}
	memcpy(sorted, cpus, (size_t)reps * sizeof *sorted);
	double cpu_med = median(sorted, reps);
	memcpy(sorted, times, (size_t)reps * sizeof *sorted);
	double t_med = median(sorted, reps);
	free(sorted);

	if (!mem_only && !o->no_dumps) {
		if (npy_matrix(o->out, tag, "W", m->W) || npy_matrix(o->out, tag, "U", m->U) ||
		    npy_vector(o->out, tag, "b", m->b) || npy_vector(o->out, tag, "s0", m->s0) ||
		    npy_matrix(o->out, tag, "x", m->x) || npy_vector(o->out, tag, "y", m->y) ||
		    npy_matrix(o->out, tag, "gradW", r->grad_W)) {
			fprintf(stderr, "bench_engine: %s: writing .npy under %s: %s\n", tag, o->out,
			        strerror(errno));
			return 1;
		}
	}
	if (write_json(o, tag, d, T, mem_only, r, t_build, times, cpus, reps, t_med, cpu_med, rss,
	               floors, floor_cpus, floor_med)) {
		fprintf(stderr, "bench_engine: %s: writing JSON under %s: %s\n", tag, o->out,
		        strerror(errno));
		return 1;
	}
	printf("%s %-12s median %10.4f s over %d run(s)   peak RSS %8.1f MiB", o->label, tag, t_med, reps,
	       rss);
	if (!mem_only)
		printf("   dgemm floor %10.4f s  (vanex/floor %.2f)", floor_med, t_med / floor_med);
	putchar('\n');
	fflush(stdout);
	vx_result_free(r);
	vx_model_free(m);
	free(times);
	free(cpus);
	free(floors);
	free(floor_cpus);
	return 0;
}

/* ---- main --------------------------------------------------------------- */

static int parse_size(const char *s, size_t *d, size_t *T, int *mem)
{
	char *end;
	errno = 0;
	unsigned long long a = strtoull(s, &end, 10);
	if (errno || end == s || *end != 'x')
		return -1;
	const char *p = end + 1;
	unsigned long long b = strtoull(p, &end, 10);
	if (errno || end == p || a == 0 || b == 0)
		return -1;
	*mem = 0;
	if (strcmp(end, ":mem") == 0)
		*mem = 1;
	else if (*end)
		return -1;
	*d = (size_t)a;
	*T = (size_t)b;
	return 0;
}

static void usage(void)
{
	fputs("usage: bench_engine [--out DIR] [--reps N] [--act A] [--norm L] [--seed S]\n"
	      "                    [--inputs N] [--input-scale S] [--init I] [--label NAME]\n"
	      "                    [--no-dumps] [--no-warmup] SIZE...   (SIZE: DxT or DxT:mem)\n",
	      stderr);
}

int main(int argc, char **argv)
{
	bench_opts o = { "build/bench", 5, NULL, NULL, NULL, NULL, NULL, "gaussian", "vanex", 0, 0 };
	int first = argc;
	gsl_set_error_handler_off();
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **slot = NULL;
		if (strcmp(a, "--out") == 0) slot = &o.out;
		else if (strcmp(a, "--act") == 0) slot = &o.act;
		else if (strcmp(a, "--norm") == 0) slot = &o.norm;
		else if (strcmp(a, "--seed") == 0) slot = &o.seed;
		else if (strcmp(a, "--inputs") == 0) slot = &o.inputs;
		else if (strcmp(a, "--input-scale") == 0) slot = &o.input_scale;
		else if (strcmp(a, "--init") == 0) slot = &o.init;
		else if (strcmp(a, "--label") == 0) slot = &o.label;
		else if (strcmp(a, "--no-dumps") == 0) {
			o.no_dumps = 1;
			continue;
		} else if (strcmp(a, "--no-warmup") == 0) {
			o.no_warmup = 1;
			continue;
		}
		else if (strcmp(a, "--reps") == 0) {
			char *end;
			long v = i + 1 < argc ? strtol(argv[i + 1], &end, 10) : 0;
			if (i + 1 >= argc || *end || v < 1 || v > 1000) {
				fputs("bench_engine: --reps: expected an integer 1..1000\n", stderr);
				return 2;
			}
			o.reps = (int)v;
			i++;
			continue;
		} else if (a[0] == '-') {
			fprintf(stderr, "bench_engine: unknown option '%s'\n", a);
			usage();
			return 2;
		} else {
			first = i;
			break;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "bench_engine: %s: missing value\n", a);
			return 2;
		}
		*slot = argv[++i];
	}
	if (first >= argc) {
		usage();
		return 2;
	}
	if (mkdir(o.out, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "bench_engine: --out %s: %s\n", o.out, strerror(errno));
		return 1;
	}
	int failed = 0;
	for (int i = first; i < argc; i++) {
		size_t d, T;
		int mem;
		if (parse_size(argv[i], &d, &T, &mem) != 0) {
			fprintf(stderr, "bench_engine: size '%s': expected DxT or DxT:mem (e.g. 256x1000)\n",
			        argv[i]);
			return 2;
		}
		fflush(stdout);
		pid_t pid = fork();
		if (pid < 0) {
			fprintf(stderr, "bench_engine: fork: %s\n", strerror(errno));
			return 1;
		}
		if (pid == 0)
			_exit(run_size(&o, d, T, mem));
		int status;
		if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "bench_engine: size %s failed%s\n", argv[i],
			        WIFSIGNALED(status) ? " (killed by a signal)" : "");
			failed = 1;
		}
	}
	return failed;
}
