/*
 * tutor_state_internal.h — what tutor_state.c (the state and its keys) and
 * tutor_jobs.c (the networks and the jobs that compute them) share, and
 * nothing else includes.
 */
#ifndef VXU_TUTOR_STATE_INTERNAL_H
#define VXU_TUTOR_STATE_INTERNAL_H

#include "tui/tutor_state.h"

/* The dirty bits that ask for a network. */
#define NET_BITS (VXU_DIRTY_MODEL | VXU_DIRTY_ANALYSIS)

/* Loads the network the options in st->params describe, checked but not
 * analysed (its analysis is the first job), and shows it: a bad option or
 * file fails here, before the terminal is taken (tutor_jobs.c). */
vx_status vxu_state_load(vxu_state *st, vx_error *err);

/* Drops one reference to n, freeing it with the last (NULL-safe;
 * tutor_jobs.c). */
void vxu_net_release(vxu_net *n);

/* 1 when the laid-out steps kept are those of the network, k, j and width
 * asked for (tutor_state.c, as the three below). */
int vxu_docs_current(const vxu_state *st);

/* 1 when the current step could not be laid out, for the steps kept now. */
int vxu_doc_failed(const vxu_state *st);

/* Frees the laid-out steps kept (and forgets why one failed). */
void vxu_forget_docs(vxu_state *st);

/* Brings what keys and results change besides what they set up to date:
 * the step shown, its scroll, the progress and the status line. */
void vxu_refresh(vxu_state *st);

/* Says in the message line what the last change did, now that its numbers
 * are the ones shown. */
void vxu_note_change(vxu_state *st);

#endif
