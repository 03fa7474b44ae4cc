/*
 * exec.h — how an analysis may use the machine's cores: the engine's one
 * thread policy.
 *
 * An analysis computes on the caller's thread and, when the vx_exec it is
 * given allows, on threads of its own beside it, each of them calling the
 * BLAS.  The BLAS's own thread count is process-wide state (OpenBLAS's
 * openblas_set_num_threads) that a program embedding the engine may have set
 * for reasons of its own, and that cannot be changed safely while another
 * thread is inside a BLAS call: the engine never changes it.  A front end
 * reads what the process offers once (vx_exec_machine), picks the policy for
 * the size of its networks (vx_exec_for_model, vx_exec_for_net), applies it
 * (vx_exec_apply) while no analysis runs, and hands the same vx_exec to the
 * analyses.  Any number of engine threads gives the same numbers, bit for
 * bit: the passes an analysis runs side by side share only read-only data.
 * The BLAS's own thread count may change the last bits of what comes of its
 * matrix products (λ, the step norms, the chain's norms, the Lyapunov
 * exponents: within 1e-13, tested at d = 512), never more; what is raised to
 * a power carries it that many times (the bound (γλ)^{t−k} moves by t − k
 * times λ's last bit: 2.4e-13 at t − k = 999, d = 384).
 *
 * A vx_exec also carries the caller's stop flag: a front end that may no
 * longer want an analysis it started (the tutor, after a newer key or q)
 * points stop at an atomic_int it owns and sets it from any thread.  The
 * analysis's loops read it once a step (a step of the chain of products, of
 * BPTT, of the Lyapunov pass, a round of the step norms' Lanczos runs) and,
 * once it is set, return VX_ECANCELLED with everything they allocated freed
 * and no result.  The flag must outlive the call; the engine only reads it.
 */
#ifndef VX_EXEC_H
#define VX_EXEC_H

#include <stdatomic.h>
#include <stddef.h>

typedef struct {
	int threads;       /* threads an analysis may compute on at once, the
	                    * caller's own included (1: the caller's alone) */
	int blas_threads;  /* the BLAS's thread count that goes with it, which
	                    * vx_exec_apply sets (0: leave it as it is) */
	const atomic_int *stop; /* the caller's stop flag (NULL: none); nonzero:
	                    * stop with VX_ECANCELLED.  The policies made from a
	                    * vx_exec (vx_exec_for_model, _for_net) keep it */
} vx_exec;

/* 1 when the caller has asked, through stop (NULL: never), for the
 * analysis to end.  A relaxed load, one a step of a loop: nothing to
 * measure beside the step's products (make bench, vx_analyse). */
static inline int vx_stop_asked(const atomic_int *stop)
{
	return stop && atomic_load_explicit(stop, memory_order_relaxed) != 0;
}

/* What the process offers: the CPUs it may run on as threads (its affinity
 * mask, as a container's cpuset or taskset leaves it), and the BLAS's
 * thread count as it is now (1 when the BLAS has no such control, as GSL's
 * reference CBLAS).  Read before any policy is applied, it is the count the
 * BLAS started with, which a policy for large networks gives back. */
vx_exec vx_exec_machine(void);

/* The policy for vx_analyse of a network of hidden size d, on machine (from
 * vx_exec_machine).  Up to d = 256 the products are too small for BLAS
 * threads to pay (128×128: two threads take 25% longer than one): one BLAS
 * thread, and the path norms on a second thread beside the step norms when
 * there is a second core; one BLAS thread even without one, since an idle
 * OpenBLAS worker spins for a while after each multi-threaded call (the
 * tutor's recompute at d = 128, T = 500: 84 ms against 68).  On a machine of
 * two cores the same up to d = 768: there the two engine threads are as
 * many as the BLAS's, and the passes beside the chain (the step norms, BPTT,
 * the Lyapunov pass) gain more from a thread of their own than the chain's
 * products lose (tanh, λ = 0.9, T = 1000: d = 384 0.65 → 0.46 s, d = 512
 * 1.07 → 0.79 s, d = 768 2.62 → 2.46 s; `vanex check` of d = 768, T = 300
 * 2.3-2.6 → 2.0 s); at d = 1024, T = 300 the chain's matrix-vector products
 * want both cores' memory bandwidth (2.73 s against 2.85).  Beyond, and on
 * more cores, which the BLAS's threads can use and two engine threads
 * cannot, the machine's BLAS threads and the caller's thread alone; but
 * where the BLAS has one thread (OPENBLAS_NUM_THREADS=1, or a BLAS without
 * threads) two engine threads at any d, a second core being idle otherwise. */
vx_exec vx_exec_for_model(size_t d, const vx_exec *machine);

/* The largest d for which vx_exec_for_model may give one BLAS thread (and
 * two engine threads on a machine with two cores); up to VX_EXEC_ANY_MAX_D
 * on any machine (at any d where the BLAS has one thread). */
#define VX_EXEC_MODEL_MAX_D 768
#define VX_EXEC_ANY_MAX_D 256

/* The policy for vx_net_analyse of a state of D entries: from D = 64 to
 * 1024, one BLAS thread and three threads when there is a second core (the
 * chain's products and their norms on two threads of their own, beside the
 * other passes: LSTM, D = 512, T = 1000: products 2.4 s, norms 0.8 s, the
 * rest 3.0 s of CPU; the caller's thread, its passes done, then takes half
 * of each product still to come, rowshare.h; a chain done first lends its
 * thread to the step norms' products the same way: GRU, d = 512, T = 1000).
 * On a machine of two cores the same up to D = 2048, against the BLAS's two
 * threads on each product (LSTM d = 768, T = 300: 13.95 → 13.38 s; LSTM d =
 * 1024, T = 150: 18.8 → 16.0 s, T = 300: 36.9 → 28.1 s; GRU d = 1536, T =
 * 300: 34.3 → 29.6 s; GRU d = 2048, T = 100: 36.0 → 32.9 s); on more cores,
 * past 1024, one product is large enough for the BLAS's own threads, unless
 * the BLAS has one thread (then three engine threads at any D).  Below 64
 * too small to share.  Otherwise as the machine is, the caller's thread
 * alone.  vx_net_analyse runs every vx_net under it: gated cells, stacks,
 * and a vanilla network's batch of sequences. */
vx_exec vx_exec_for_net(size_t D, const vx_exec *machine);

/* 1 when a BLAS call computes on its caller's thread alone (OpenBLAS at one
 * thread, or a BLAS without threads to control): then the rows of a product
 * split between two calls come out with the bits of one call (at splits
 * aligned to the kernels' rows), which a BLAS sharing each call among
 * threads of its own does not promise. */
int vx_exec_blas_single(void);

/* Sets the BLAS's thread count to ex->blas_threads (nothing when that is 0,
 * already the count, or the BLAS has no such control).  Process-wide and not
 * thread-safe: for a front end, with no analysis running; the engine never
 * calls it. */
void vx_exec_apply(const vx_exec *ex);

/* OpenBLAS's name for the kernels it runs (its openblas_get_corename), NULL
 * when the BLAS linked is another. */
const char *vx_exec_blas_core(void);

/* The OpenBLAS kernels (a name for OPENBLAS_CORETYPE) this processor should
 * run, when the ones running are a generic fallback: the processor has AVX2
 * and FMA (enabled by the kernel), and OpenBLAS runs kernels of an older
 * generation, as it does when its table does not know the processor.  NULL
 * when the kernels are right, the BLAS is not OpenBLAS, or the machine is
 * not x86-64.  OpenBLAS 0.3.21 (Debian 12) runs its SSE3 "Prescott" kernels
 * on Xeons newer than itself (family 6 model 207, AVX-512): a 256×256
 * dgemm 3.6 times slower than with its SkylakeX kernels.  OpenBLAS reads
 * OPENBLAS_CORETYPE once, as the process loads it: only a front end that
 * starts itself again can act on this (tui/main.c). */
const char *vx_exec_blas_better_core(void);

#endif
