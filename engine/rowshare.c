/*
 * rowshare.c — the rows of a chain's products shared with an idle thread
 * (rowshare.h).
 */
#include <string.h>
#include <time.h>
#include "engine/rowshare.h"

/* How long a thread waiting for the other spins before it sleeps: a few
 * microseconds, against the tenth of a millisecond and more of a half
 * product (spinning for longer measured no faster, and took CPU time from
 * whatever else the machine runs). */
#define SPINS 2000

static void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

void vx_rowshare_init(vx_rowshare *h, int spin)
{
	memset(h, 0, sizeof *h);
	h->spins = spin ? SPINS : 0;
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	atomic_init(&h->avail, 0);
	atomic_init(&h->posted, 0);
	atomic_init(&h->quit, 0);
}

void vx_rowshare_destroy(vx_rowshare *h)
{
	pthread_mutex_destroy(&h->mu);
	pthread_cond_destroy(&h->cv);
}

static double seconds(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + 1e-9 * (double)(b->tv_nsec - a->tv_nsec);
}

int vx_rowshare_run(vx_rowshare *h, vx_rows_fn fn, void *ctx, size_t rows, double madds)
{
	size_t half = rows / 2 / VX_ROWSHARE_ALIGN * VX_ROWSHARE_ALIGN;
	int lend = h && !h->off && madds >= VX_ROWSHARE_MIN && half > 0 &&
	           atomic_exchange_explicit(&h->avail, 0, memory_order_acquire) == 1;
	if (!lend)
		return fn(ctx, 0, rows);
	struct timespec t0, t1, t2;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	h->fn = fn;
	h->ctx = ctx;
	h->r0 = half;
	h->r1 = rows;
	h->shared++;
	atomic_store_explicit(&h->posted, 1, memory_order_release);
	pthread_mutex_lock(&h->mu);   /* a sleeping helper wakes */
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
	int bad = fn(ctx, 0, half);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* the other half takes about as long: spin a little, then sleep */
	for (long i = 0; atomic_load_explicit(&h->posted, memory_order_acquire); i++) {
		if (i < h->spins) {
			relax();
			continue;
		}
		pthread_mutex_lock(&h->mu);
		while (atomic_load(&h->posted))
			pthread_cond_wait(&h->cv, &h->mu);
		pthread_mutex_unlock(&h->mu);
	}
	bad |= h->st;
	h->st = 0;
	/* the helper's half ends about with this one on cores of their own; a
	 * wait longer than this half took means the helper was not running
	 * (other work on the machine), and a chain that waits for a thread the
	 * machine does not schedule is slower than one on one thread (at a load
	 * of 4: 1.28 s against 0.95): when a quarter of the hand-overs, and
	 * three at least, waited so, the chain goes on alone.  The bits are the
	 * same either way. */
	clock_gettime(CLOCK_MONOTONIC, &t2);
	if (seconds(&t1, &t2) > seconds(&t0, &t1) && ++h->slow >= 3 && 4 * h->slow >= h->shared)
		h->off = 1;
	return bad;
}

void vx_rowshare_help(vx_rowshare *h)
{
	for (;;) {
		atomic_store_explicit(&h->avail, 1, memory_order_release);
		long i = 0;
		while (!atomic_load_explicit(&h->posted, memory_order_acquire) &&
		       !atomic_load_explicit(&h->quit, memory_order_acquire)) {
			if (++i < h->spins) {
				relax();
				continue;
			}
			pthread_mutex_lock(&h->mu);
			while (!atomic_load(&h->posted) && !atomic_load(&h->quit))
				pthread_cond_wait(&h->cv, &h->mu);
			pthread_mutex_unlock(&h->mu);
		}
		if (atomic_load_explicit(&h->posted, memory_order_acquire)) {
			h->st = h->fn(h->ctx, h->r0, h->r1);
			pthread_mutex_lock(&h->mu);   /* the chain's thread may sleep */
			atomic_store_explicit(&h->posted, 0, memory_order_release);
			pthread_cond_broadcast(&h->cv);
			pthread_mutex_unlock(&h->mu);
			continue;
		}
		break;   /* quit */
	}
	atomic_store(&h->avail, 0);
}

void vx_rowshare_done(vx_rowshare *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->mu);
	atomic_store(&h->quit, 1);
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
}
