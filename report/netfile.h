/*
 * netfile.h — a network trained elsewhere, on the command line: --weights
 * FILE naming a PyTorch checkpoint (a state dict alone or inside a training
 * loop's dict), safetensors or .npz (report/load/), --module NAME and
 * --direction forward|reverse to choose what to analyse, and --inputs-file
 * X.npy|X.csv for the sequences to run it on (engine/matio.h).
 *
 * The order of the steps lets a front end refuse, before the weights are
 * allocated as doubles, a file whose sizes the machine cannot hold:
 * vxr_inputs_load (sizes and values of the inputs), vxr_netfile_open (the
 * file listed and its module chosen and held to the options: its sizes are
 * then known), the memory check (the caller's), vxr_netfile_net (the
 * weights read).  Every message is one line; a fault of a file is about the
 * option that names it (vx_error.param VX_PARAM_WEIGHTS or
 * VX_PARAM_INPUTS_FILE, so that the command line writes "--weights: ..."),
 * a disagreement with an option names that option.
 *
 * The target: the file holds none, and L_t = ½‖h_t − y‖² is only the seed
 * of the gradient (∂L_t/∂h_t = h_t − y; the Jacobians ∂S_t/∂S_k do not
 * depend on it), so y = 0, and h_0 = c_0 = 0 as nn.RNN, nn.LSTM and nn.GRU
 * start without one.
 */
#ifndef VXR_NETFILE_H
#define VXR_NETFILE_H

#include <stddef.h>
#include <stdio.h>
#include "engine/matio.h"
#include "engine/net.h"
#include "engine/params.h"
#include "report/check.h"
#include "report/load/find.h"
#include "report/modeljson.h"

/* The inputs of --inputs-file (p->inputs_file, which must be set), held to
 * the options that repeat its sizes: --steps must be the file's T, --t at
 * most T and --inputs its n when given (VX_EUSAGE naming the option and
 * the file's size otherwise).  The reader's faults as vx_inputs_read's, about
 * VX_PARAM_INPUTS_FILE.  *out freed with vx_inputs_free. */
vx_status vxr_inputs_load(const vx_params *p, vx_inputs **out, vx_error *err);

/* A trained network's file opened, with the module chosen. */
typedef struct {
	vxr_tensors *tensors;
	vxr_module *mods;
	size_t nmods;
	const vxr_module *m;  /* the module analysed (one of mods) */
	size_t T;             /* the steps: the inputs file's, else --steps */
} vxr_netfile;

/* Opens p->weights (p->weights_net set) and chooses the module: --module
 * (p->module, as vxr_find_select matches it) or the only one.  Refused,
 * with vxr_find_select's statuses and lines: no module, several and no
 * --module, a --module that matches none or several, a module that cannot
 * be analysed (proj_size, a dtype not read, shapes that do not fit).  Then
 * held to the options (VX_EUSAGE, one line naming the option and what the
 * file holds): --direction reverse on a module with one direction, --cell
 * and --layers of o (when given), --hidden and --inputs (when given) and
 * the inputs' n (in, when not NULL), --act with a gated module.  On VX_OK
 * *nf holds the file until vxr_netfile_close; on an error nothing is held.
 * The tensors are listed and their bytes checked, not converted: the
 * weights cost nothing until vxr_netfile_net. */
vx_status vxr_netfile_open(const vx_params *p, const vxr_net_opts *o, const vx_inputs *in, vxr_netfile *nf,
                           vx_error *err);

/* The network of the module's direction p->reverse over nf->T steps: its
 * weights as doubles (NaN or infinite entries refused naming the tensor and
 * index; biases absent in the file are 0), --act for a vanilla module,
 * --norm when given (every gate block of every weight_hh, vx_net_set_norm),
 * y = 0 and h_0 = c_0 = 0, and x: sequence 0 of in (read from its end for
 * the reverse direction, as PyTorch runs it), or without inputs x_j drawn
 * from N(0, S²) as vx_model_build draws them (GSL's mt19937 from --seed, S
 * the --input-scale).  *out caller-freed (vx_net_free). */
vx_status vxr_netfile_net(vxr_netfile *nf, const vx_params *p, const vx_inputs *in, vx_net **out, vx_error *err);

/* What the output says of the file: format, module, dtype, directions. */
void vxr_netfile_source(const vxr_netfile *nf, const vx_params *p, vxr_source *src);

void vxr_netfile_close(vxr_netfile *nf); /* NULL-safe; zeroes *nf */

/* `check --weights FILE --list`: the modules of FILE (p->weights, a trained
 * network's file), one line each as vxr_module_summary writes them, names
 * quoted for a terminal (control bytes as \xNN, and every byte from 0x80
 * unless utf8).  VX_EIO when writing fails; a file that cannot be read or
 * holds no module is its reader's or vxr_find_select's error, about
 * VX_PARAM_WEIGHTS. */
vx_status vxr_netfile_list(FILE *out, const vx_params *p, int utf8, vx_error *err);

#endif
