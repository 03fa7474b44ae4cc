/*
 * find.h — the recurrent modules inside a model file, and a vx_net from one.
 *
 * A module is every tensor whose name ends in a parameter name of PyTorch's
 * nn.RNN, nn.LSTM or nn.GRU — weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k},
 * bias_hh_l{k}, weight_hr_l{k} (proj_size), each with _reverse for the
 * second direction of a bidirectional module — under one prefix:
 * "rnn.weight_hh_l0", "encoder.lstm.weight_ih_l1", "module.rnn.…" (from
 * DataParallel) and "model.rnn.…" (inside a training loop's checkpoint) are
 * modules "rnn", "encoder.lstm", "module.rnn", "model.rnn".
 *
 * The shapes say the rest: weight_hh_l0 is [G·d, d] with G = 4 for an LSTM,
 * 3 for a GRU and 1 for a vanilla RNN (whose nonlinearity is not stored: the
 * caller's --act, tanh by default); weight_ih_l0 is [G·d, n]; layer k > 0
 * reads d inputs (2d when bidirectional); biases are [G·d], all present or
 * all absent (bias=False).  Every tensor must fit these shapes.
 */
#ifndef VXR_LOAD_FIND_H
#define VXR_LOAD_FIND_H

#include <stddef.h>
#include "engine/net.h"
#include "engine/status.h"
#include "report/load/tensors.h"

/* Parameter kinds, the third index of vxr_module.idx. */
enum { VXR_P_W_IH = 0, VXR_P_W_HH, VXR_P_B_IH, VXR_P_B_HH, VXR_P_W_HR, VXR_P_COUNT };

typedef struct {
	char *name;          /* the prefix without its final '.'; "" for the top level */
	vx_cell cell;
	size_t layers, d, n;
	int directions;      /* 1, or 2 for a bidirectional module */
	int bias;            /* 1 when it has bias_ih and bias_hh */
	size_t proj;         /* proj_size (rows of weight_hr_l0), 0 when none */
	char dtype[24];      /* of its tensors, "mixed" when they differ */
	/* Why it cannot be analysed ("" when it can) and the status that says
	 * so: VX_ESHAPE for shapes that do not fit one module, VX_EFORMAT for
	 * missing tensors, proj_size or a dtype that is not read, VX_ETOOBIG
	 * for sizes beyond the engine's limits. */
	char problem[240];
	vx_status problem_status;
	/* Tensor indices into the vxr_tensors, by direction, layer and
	 * VXR_P_*; SIZE_MAX where absent.  directions × layers × VXR_P_COUNT. */
	size_t *idx;
} vxr_module;

/* Finds the modules among f's tensors, in the order of their first tensor
 * in the file; *mods (freed with vxr_modules_free) holds *n, possibly 0.
 * A module whose tensors do not fit is listed with its problem.  VX_ENOMEM
 * only. */
vx_status vxr_find_modules(const vxr_tensors *f, vxr_module **mods, size_t *n, vx_error *err);
void vxr_modules_free(vxr_module *mods, size_t n); /* NULL-safe */

/* One line describing module m, for a listing of a file's modules (--list),
 * into buf (n bytes, cut to fit; returns buf):
 *   "encoder.lstm: lstm, 2 layers, d = 4, n = 3, float32"
 *   "(top level): gru, 1 layer, bidirectional, d = 3, n = 2, float64, no biases"
 * its name ("(top level)" without a prefix), cell, layers, whether
 * bidirectional, hidden and input sizes, dtype ("mixed" when its tensors
 * differ) and "no biases" when it has none; a module that cannot be
 * analysed ends in ": not analysed: " and its problem (its sizes left out
 * when they could not be read).  A vanilla RNN's nonlinearity is not in
 * the file: --act says it.  Names are written as they are (the caller
 * quotes them for a terminal). */
char *vxr_module_summary(const vxr_module *m, char *buf, size_t n);

/* Picks the module to analyse: the one named want (exactly, or failing that
 * the only one whose name ends in "." want, so "rnn" finds "module.rnn"), or
 * with want NULL the only module.  *pick is its index.  One line on failure:
 * VX_EFORMAT when the file has no module (naming some of its tensors),
 * VX_EUSAGE when want is NULL and there are several or when want matches
 * none or several (naming them, for --module), and the module's own
 * problem_status and problem when it cannot be analysed. */
vx_status vxr_find_select(const vxr_tensors *f, const vxr_module *mods, size_t n, const char *want, size_t *pick,
                          vx_error *err);

/* A network of module m's weights, direction reverse (0 forward, 1 the
 * _reverse weights), with --act act for a vanilla cell, T steps, and x, y,
 * h0 and c0 zero for the caller to set.  PyTorch runs the reverse direction
 * over the sequence from its end: to reproduce its outputs, give this
 * network x in reverse time order.  Biases absent in the file are zero.
 * Refuses NaN and infinite weights (VX_ENONFINITE naming the tensor and
 * index), a module with a problem, a reverse direction that is not there
 * (VX_EUSAGE); VX_ENOMEM.  It allocates the weights as doubles, about
 * 8·layers·G·d·(n + d + 2) bytes besides vx_net's x (T × n): a caller
 * checks that against the machine's memory first, as check does with
 * vx_model_bytes.  *out is caller-freed (vx_net_free). */
vx_status vxr_find_net(vxr_tensors *f, const vxr_module *m, int reverse, vx_act act, size_t T, vx_net **out,
                       vx_error *err);

#endif
