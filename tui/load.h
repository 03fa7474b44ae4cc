/*
 * load.h — from the model options to an analysed network, one way for
 * `vanex check`, `vanex report` and the tutor.
 *
 * The steps, in this order, so that each mistake is said before any work
 * that it makes pointless: the options cross-checked (without --model; a
 * model file's sizes are known once it is read); for a generated model,
 * the memory its sizes need against what there is; the caller's own step
 * (check opens its output here); the model read or built (vxr_model_load);
 * the effective options cross-checked and the memory checked again with the
 * model's sizes; the engine's thread policy for the model's d applied
 * (engine/exec.h), so that the analysis and whatever the command computes
 * after it run under it; vx_analyse at the loss step.
 */
#ifndef VXU_LOAD_H
#define VXU_LOAD_H

#include <stddef.h>
#include "engine/analysis.h"

/* What a load holds: the model, its analysis and the effective options. */
typedef struct {
	vx_model *model;
	vx_result *result;     /* NULL from vxu_load_model */
	vx_params eff;     /* as vxr_model_load gives them: sizes as in the model */
	size_t t;          /* the loss step analysed: vx_params_loss_step(&eff) */
} vxu_loaded;

typedef struct {
	/* The memory, in bytes, the command holds at its peak for a model of
	 * d hidden units, n inputs, T steps, analysed at loss step t (saturating
	 * at SIZE_MAX); checked by vxu_memory_check. */
	size_t (*bytes)(size_t d, size_t n, size_t T, size_t t);
	/* Called once the options passed their checks, before a file is read or
	 * a model built (NULL: nothing); its status ends the load. */
	vx_status (*before_load)(void *arg, vx_error *err);
	void *arg;
	/* What the process offers (vx_exec_machine), read before any policy
	 * was applied: the BLAS count a policy for large networks gives back.
	 * NULL: read at the load, before its policy is applied. */
	const vx_exec *machine;
} vxu_load_opts;

/* Loads, checks and analyses the model the options p describe, as above.
 * On VX_OK *out holds the model and its analysis, whose exec is the policy
 * applied (vxu_loaded_clear); on an error nothing is held, *out is zeroed,
 * and err says why in one line. */
vx_status vxu_load(const vx_params *p, const vxu_load_opts *o, vxu_loaded *out, vx_error *err);

/* vxu_load without its last two steps: the model read or built and every
 * check passed, result NULL; the caller analyses it at out->t when it will
 * (the tutor: on its worker, once the first frame is drawn), under
 * vxu_exec_use's policy. */
vx_status vxu_load_model(const vx_params *p, const vxu_load_opts *o, vxu_loaded *out, vx_error *err);

/* The engine's thread policy for a network of hidden size d on machine
 * (vx_exec_machine as the process started; NULL: read now), applied with
 * vx_exec_apply and returned, for the analyses of that network.  Process-
 * wide: call it with no analysis running. */
vx_exec vxu_exec_use(size_t d, const vx_exec *machine);

/* Frees what a load holds and zeroes *l (the struct is the caller's);
 * NULL-safe, and a second call does nothing. */
void vxu_loaded_clear(vxu_loaded *l);

#endif
