/*
 * tutor_jobs.h — the tutor's worker: the state's jobs (tutor_state.h), one
 * at a time, on a thread of their own, so that no key waits for a
 * computation.
 *
 * A key changes the state and asks for work; vxu_worker_start takes the
 * work as a job and runs it on a second thread while the caller goes on
 * reading keys and drawing: q, ?, Esc, the arrows and the steps answer at
 * once, and the screen shows the previous numbers, dimmed and marked
 * "updating…", until the new ones come.  One job runs at a time and keys
 * meanwhile only ask (the state's dirty bits): when the job ends, what is
 * still wanted of it is kept, and the next job starts from the newest
 * parameters.  A job whose every result a newer key has made stale is told
 * to stop (vxu_job_cancel), inside the engine's loops too.
 *
 * The worker writes one byte to a pipe (wake_fd) when its job is done, for
 * the caller to wait on beside the keyboard (tutor.c: one pselect).  Every
 * function here is for the state's thread.  No curses.
 */
#ifndef VXU_TUTOR_JOBS_H
#define VXU_TUTOR_JOBS_H

#include <pthread.h>
#include "tui/tutor_state.h"

typedef struct {
	vxu_job *job;     /* the job out, NULL when none */
	pthread_t th;
	int wake[2];      /* the worker writes one byte to wake[1] when its job is done */
} vxu_worker;

/* Sets up w with no job and its wake pipe (both ends close on exec, the read
 * end does not block).  0, or -1 when no pipe could be made (w then holds
 * nothing to close). */
int vxu_worker_open(vxu_worker *w);

/* Closes the pipe of a worker with no job out (after vxu_worker_quit
 * returned 1).  Takes a worker whose open failed. */
void vxu_worker_close(vxu_worker *w);

/* The descriptor that becomes readable when the job out is done. */
int vxu_worker_fd(const vxu_worker *w);

/* Starts the next job, if one is owed and none runs.  The thread is created
 * with every asynchronous signal blocked, so that they all reach the
 * caller's wait.  Without a thread the job runs here (unresponsive but
 * correct). */
void vxu_worker_start(vxu_worker *w, vxu_state *st);

/* vxu_worker_fd became readable: empties the pipe and, when a job is out,
 * joins the worker and takes the results into st (vxu_job_end).  Returns 1
 * when a job ended, 0 when there was none. */
int vxu_worker_finish(vxu_worker *w, vxu_state *st);

/* Tells the job out to stop (the engine stops within one step of its loops)
 * and waits up to ms for it; 1 when it ended (joined and dropped: its
 * results are nobody's) or none was out, 0 when it still runs. */
int vxu_worker_quit(vxu_worker *w, int ms);

#endif
