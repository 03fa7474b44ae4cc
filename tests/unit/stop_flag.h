/*
 * stop_flag.h — a stop flag (engine/exec.h) set from another thread after a
 * delay, for the tests of cancellation (test_engine_cancel.c,
 * test_engine_cancel_shared.c).
 */
#ifndef VX_TEST_STOP_FLAG_H
#define VX_TEST_STOP_FLAG_H

#include <stdatomic.h>
#include <time.h>

static inline double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* set_later's argument: the flag, the delay in seconds, and when (now_s)
 * the flag was set */
typedef struct {
	atomic_int *flag;
	double delay, set_at;
} setter;

/* A thread's body: sleeps s->delay, then sets *s->flag. */
static inline void *set_later(void *arg)
{
	setter *s = arg;
	struct timespec ts = { (time_t)s->delay, (long)((s->delay - (double)(time_t)s->delay) * 1e9) };
	nanosleep(&ts, NULL);
	s->set_at = now_s();
	atomic_store(s->flag, 1);
	return NULL;
}

#endif
