/*
 * rowshare.h — a thread whose passes are done lends itself to another
 * thread's products (inside the engine only).
 *
 * vx_analyse and vx_net_analyse each run a chain of products on one thread
 * while other threads compute the remaining passes; a thread done with them
 * calls vx_rowshare_help and waits there.  The chain's thread then hands it
 * the lower rows of each wide product (vx_rowshare_run) and computes the
 * upper ones itself, until it calls vx_rowshare_done.  vx_net_analyse also
 * lends the other way: its chain done first, the thread that normed it
 * takes the lower rows of the step norms' batched products (or, for one
 * GRU layer, steps of each chunk of them: rows index steps there); and
 * vx_net_fd_judge_on's columns' thread, done, those of each step of the
 * parameters' perturbed runs.
 *
 * The rows are split at a multiple of VX_ROWSHARE_ALIGN, where every row of
 * a dgemm comes out to the bit as in one call (OpenBLAS's kernels take rows
 * 4 or 16 at a time; an odd split changes the rounding of the rows beside
 * it).  At 32 the finite-difference check's 96 rows went 32 and 64: the
 * owner waited as long as its own part took, which the rule for a helper
 * the machine does not schedule (vx_rowshare_run) read as one, and sharing
 * stopped after a few steps (LSTM, d = 512: 4.5 s, 3.6 s when it held,
 * 2.9 s at 48 and 48).  It is done only for products of VX_ROWSHARE_MIN
 * multiply-adds and more (below, the hand-over costs more than it saves:
 * 128 × 128 × 128, a tenth of a millisecond, came out 20% slower shared).
 * That also keeps each part of every dgemm above a million multiply-adds
 * (the smaller part has at least a third of the rows), where OpenBLAS's
 * kernels for small matrices (SkylakeX's, up to 100³) would sum a part in
 * another order than the whole: a caller passes the work of its smallest
 * dgemm.  A product split so has the bits of one call only when each call
 * computes on its caller's thread (vx_exec_blas_single): the callers lend
 * nothing otherwise.
 */
#ifndef VX_ROWSHARE_H
#define VX_ROWSHARE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#define VX_ROWSHARE_ALIGN 16
#define VX_ROWSHARE_MIN (128.0 * 256 * 256)

/* Rows [r0, r1) of a product, on the calling thread; nonzero on failure. */
typedef int (*vx_rows_fn)(void *ctx, size_t r0, size_t r1);

typedef struct {
	pthread_mutex_t mu;       /* with cv: the helper's sleep, when the */
	pthread_cond_t cv;        /* chain's products are too far apart */
	atomic_int avail;         /* the helper waits for work (the chain's
	                           * thread takes it by setting it to 0) */
	atomic_int posted;        /* rows are posted / still computed */
	atomic_int quit;          /* the chain is done: the helper returns */
	vx_rows_fn fn;            /* the posted rows [r0, r1) of fn's product */
	void *ctx;                /* (set before posted, read after it: */
	size_t r0, r1;            /* release, acquire) */
	int st;                   /* the helper's status */
	size_t shared;            /* products split */
	size_t slow;              /* of them, those whose helper was late */
	int off;                  /* too many were: no more splits (the chain's
	                           * thread's alone, as shared and slow) */
	long spins;               /* pauses a waiting thread spins before it sleeps */
} vx_rowshare;

/* Initialises h: no helper yet, nothing shared.  spin: 1 when the threads
 * have cores of their own and a half product takes less than a millisecond,
 * where a thread's sleep and wake-up would cost a share of it: a waiting
 * thread spins a while first; 0 when a third thread shares the two cores
 * (it would take CPU time from the one doing the work) or the products are
 * long, and then a waiting thread sleeps at once. */
void vx_rowshare_init(vx_rowshare *h, int spin);
void vx_rowshare_destroy(vx_rowshare *h);

/* fn over rows [0, rows) of a product of madds multiply-adds: the lower
 * rows on the helper when one waits and the product is wide enough, the
 * rest here; nonzero when either part failed.  h may be NULL (no helper). */
int vx_rowshare_run(vx_rowshare *h, vx_rows_fn fn, void *ctx, size_t rows, double madds);

/* The helper's side: computes the rows posted to it until vx_rowshare_done. */
void vx_rowshare_help(vx_rowshare *h);

/* The chain is done (or failed): a helper waiting for it returns.  NULL-safe. */
void vx_rowshare_done(vx_rowshare *h);

#endif
