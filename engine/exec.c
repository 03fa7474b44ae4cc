/*
 * exec.c — the thread policy (see exec.h).
 */
#define _GNU_SOURCE   /* sched_getaffinity, CPU_COUNT */
#include <limits.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include "engine/exec.h"

/* OpenBLAS's thread control, when that is the CBLAS linked (weak: absent
 * with GSL's reference CBLAS, and then there is nothing to control). */
extern void openblas_set_num_threads(int n) __attribute__((weak));
extern int openblas_get_num_threads(void) __attribute__((weak));
extern char *openblas_get_corename(void) __attribute__((weak));

/* the sizes of exec.h's reasons: a gated state's on any machine with a
 * second core, and on one of two cores */
#define NET_MIN_D 64
#define NET_MAX_D 1024
#define NET_TWO_CORES_MAX_D 2048

static int blas_controlled(void)
{
	return openblas_get_num_threads && openblas_set_num_threads;
}

/* The CPUs this process may run on: its affinity mask (taskset, a
 * container's cpuset), which OpenBLAS also counts for its threads; the CPUs
 * online where the mask is not known. */
static long usable_cpus(void)
{
#ifdef __linux__
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) == 0) {
		int n = CPU_COUNT(&set);
		if (n > 0)
			return n;
	}
#endif
	return sysconf(_SC_NPROCESSORS_ONLN);
}

vx_exec vx_exec_machine(void)
{
	long cores = usable_cpus();
	vx_exec m = { cores > 1 ? (cores < INT_MAX ? (int)cores : INT_MAX) : 1,
	              blas_controlled() ? openblas_get_num_threads() : 1, NULL };
	return m;
}

/* The largest size for which the engine's own threads pay on machine:
 * any, where the BLAS has one thread (a second core idles otherwise);
 * two_cores on a machine of two; else anywhere. */
static size_t own_threads_max(const vx_exec *machine, size_t anywhere, size_t two_cores)
{
	return machine->blas_threads <= 1 ? SIZE_MAX : machine->threads == 2 ? two_cores : anywhere;
}

vx_exec vx_exec_for_model(size_t d, const vx_exec *machine)
{
	vx_exec ex = { 1, machine->blas_threads, machine->stop };
	if (d <= own_threads_max(machine, VX_EXEC_ANY_MAX_D, VX_EXEC_MODEL_MAX_D)) {
		ex.threads = machine->threads > 1 ? 2 : 1;
		ex.blas_threads = 1;
	}
	return ex;
}

vx_exec vx_exec_for_net(size_t D, const vx_exec *machine)
{
	vx_exec ex = { 1, machine->blas_threads, machine->stop };
	if (D >= NET_MIN_D && D <= own_threads_max(machine, NET_MAX_D, NET_TWO_CORES_MAX_D) && machine->threads > 1) {
		ex.threads = 3;
		ex.blas_threads = 1;
	}
	return ex;
}

void vx_exec_apply(const vx_exec *ex)
{
	if (ex->blas_threads > 0 && blas_controlled() && openblas_get_num_threads() != ex->blas_threads)
		openblas_set_num_threads(ex->blas_threads);
}

int vx_exec_blas_single(void)
{
	return !blas_controlled() || openblas_get_num_threads() == 1;
}

const char *vx_exec_blas_core(void)
{
	return openblas_get_corename ? openblas_get_corename() : NULL;
}

const char *vx_exec_blas_better_core(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
	/* OpenBLAS's x86-64 kernels of before AVX2 (its fallback for a
	 * processor it does not know is Prescott); from Haswell on, and for
	 * any name not here, its choice stands.  Compared as written: a build
	 * for one processor (no DYNAMIC_ARCH) names it in capitals and does not
	 * read OPENBLAS_CORETYPE. */
	static const char *const older[] = {
		"Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom", "Sandybridge",
		"Opteron", "Opteron_SSE3", "Barcelona", "Bobcat", "Bulldozer", "Piledriver", "Steamroller",
	};
	const char *core = vx_exec_blas_core();
	if (!core)
		return NULL;
	size_t i = 0, n = sizeof older / sizeof older[0];
	while (i < n && strcmp(core, older[i]) != 0)
		i++;
	if (i == n)
		return NULL;
	/* these report what the operating system enables, not the bare CPUID */
	__builtin_cpu_init();
	if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma"))
		return NULL;
	if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
	    __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512bw") &&
	    __builtin_cpu_supports("avx512vl"))
		return "SkylakeX";
	return "Haswell";
#else
	return NULL;
#endif
}
