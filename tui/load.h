/*
 * load.h — from the model options to an analysed network, one way for
 * `vanex check`, `vanex report` and the tutor.
 *
 * The steps, in this order, so that each mistake is said before any work
 * that it makes pointless: the options cross-checked (without --model; a
 * model file's sizes are known once it is read); --inputs-file read, whose
 * sequences fix T and n (report/netfile.h); a trained network's --weights
 * file opened and its module chosen and held to the options; for a
 * generated model or a trained network's module, the memory its sizes need
 * against what there is; the caller's own step (check opens its output
 * here); the model read or built (vxr_model_load, or vxr_net_load for a
 * command that takes networks; vxr_netfile_net for a trained network), x
 * replaced by the inputs file's first sequence; the effective options
 * cross-checked and the memory checked again with the model's sizes; the
 * engine's thread policy for the model's d (or a network's state size D)
 * applied (engine/exec.h), so that the analysis and whatever the command
 * computes after it run under it; vx_analyse (one vanilla layer) or
 * vx_net_analyse (any other cell or stack) at the loss step.
 *
 * A command that explains one vanilla layer (net_bytes NULL: the tutor,
 * report) takes a trained network's file when its module is one vanilla
 * layer (W = weight_hh, U = weight_ih, b = bias_ih + bias_hh), and one
 * input sequence; it refuses any other module and a batch with one line
 * naming `vanex check` (VX_EUSAGE).
 */
#ifndef VXU_LOAD_H
#define VXU_LOAD_H

#include <stddef.h>
#include "engine/analysis.h"
#include "engine/exec.h"
#include "engine/matio.h"
#include "engine/net_analysis.h"
#include "report/check.h"
#include "report/modeljson.h"

/* What a load holds: one vanilla layer and its analysis, or a network and
 * its analysis (the other pair NULL), and the effective options. */
typedef struct {
	vx_model *model;
	vx_result *result;     /* NULL from vxu_load_model */
	vx_net *net;
	vx_net_result *net_result;   /* NULL from vxu_load_model */
	vx_params eff;     /* as vxr_model_load gives them: sizes as in the model */
	vx_net_spec spec;  /* the cell and layers in effect (a file's), the forget bias */
	size_t t;          /* the loss step analysed: vx_params_loss_step(&eff) */
	vx_inputs *inputs; /* --inputs-file's sequences (NULL: x generated); the
	                    * model's or network's x is sequence 0 (in reverse
	                    * time order for a reverse direction) */
	vxr_source src;    /* where weights and inputs came from (check.h) */
	int has_src;       /* 1 when src applies: a trained network's file or
	                    * --inputs-file */
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
	/* The same as bytes for a network of L layers of a cell, analysed for B
	 * input sequences held at once (B > 1: a batch of --inputs-file, which
	 * such a command analyses as networks, one vanilla layer too); NULL for
	 * a command that explains one vanilla layer only, which then refuses a
	 * model file holding a network (vxr_model_load) and a batch. */
	size_t (*net_bytes)(vx_cell cell, size_t L, size_t d, size_t n, size_t T, size_t t, size_t B);
	/* --cell, --layers, --forget-bias (NULL: one vanilla layer); used only
	 * with net_bytes. */
	const vxr_net_opts *net;
} vxu_load_opts;

/* Loads, checks and analyses the model the options p describe, as above.
 * On VX_OK *out holds the model and its analysis (vxu_loaded_clear; one
 * vanilla layer's result keeps the policy applied in its exec); on an error
 * nothing is held, *out is zeroed, and err says why in one line. */
vx_status vxu_load(const vx_params *p, const vxu_load_opts *o, vxu_loaded *out, vx_error *err);

/* vxu_load without its last two steps: the model read or built and every
 * check passed, result NULL; the caller analyses it at out->t when it will
 * (the tutor: on its worker, once the first frame is drawn), under
 * vxu_exec_use's policy. */
vx_status vxu_load_model(const vx_params *p, const vxu_load_opts *o, vxu_loaded *out, vx_error *err);

/* vxu_load's last two steps on what vxu_load_model loaded: the policy for
 * its size applied, and the model or network analysed at l->t (its x as
 * loaded: sequence 0 of an inputs file).  On an error l is cleared. */
vx_status vxu_analyse(vxu_loaded *l, const vx_exec *machine, vx_error *err);

/* The engine's thread policy for a network's state of size D (vx_exec_for_net)
 * on machine (NULL: read now), applied with vx_exec_apply and returned. */
vx_exec vxu_exec_use_net(size_t D, const vx_exec *machine);

/* The engine's thread policy for a network of hidden size d on machine
 * (vx_exec_machine as the process started; NULL: read now), applied with
 * vx_exec_apply and returned, for the analyses of that network.  Process-
 * wide: call it with no analysis running. */
vx_exec vxu_exec_use(size_t d, const vx_exec *machine);

/* Frees what a load holds and zeroes *l (the struct is the caller's);
 * NULL-safe, and a second call does nothing. */
void vxu_loaded_clear(vxu_loaded *l);

#endif
