/*
 * modeljson.h — the model as JSON (jansson): what `check --json` writes under
 * "model" and what `--model FILE` reads back, so any run can be replayed.
 *
 * One vanilla layer (DESIGN.md section 1):
 *   {"model": {"cell": "rnn", "layers": 1, "activation": "tanh",
 *              "W": [[..]..], "U": [[..]..], "b": [..], "s0": [..],
 *              "x": [[..] T rows], "y": [..]}, "params": {...}}
 * A network of gated cells or stacked layers (section 1b, engine/net.h), in
 * PyTorch's names and shapes, so that torch.nn.LSTM(...).load_state_dict
 * takes its weight_ and bias_ members as they are:
 *   {"model": {"cell": "lstm", "layers": 2,
 *              "weight_ih_l0": [[..] 4d rows of n], "weight_hh_l0": [[..] 4d rows of d],
 *              "bias_ih_l0": [..4d], "bias_hh_l0": [..4d], "weight_ih_l1": ...,
 *              "h0": [[..d] L rows], "c0": [[..d] L rows] (lstm only),
 *              "x": [[..] T rows], "y": [..]}, "params": {...}}
 * (biases, h0 and c0 are 0 when absent; cell and layers, when absent, come
 * from the shapes: weight_hh_l0 of 1, 3 or 4 gates of d rows is rnn, gru or
 * lstm; "activation" is the rnn cell's only).
 */
#ifndef VXR_MODELJSON_H
#define VXR_MODELJSON_H

#include "engine/model.h"
#include "engine/net.h"

/* Loads the model the params describe (one vanilla layer; a file holding a
 * network is refused with VX_EUSAGE, one line naming the file and the cell,
 * for the commands that explain one vanilla layer only): from --model JSON when params->model
 * is set (sizes from the file; explicit --act/--norm/--steps/--t options are
 * applied on top where they make sense), else vx_model_build().
 * On success also writes the effective params into *eff (hidden, inputs,
 * steps as in the model).  Errors name the file and the member at fault.
 *
 * With --model: sizes come from the file; the file's "params" member, when
 * present, supplies t, norm, init, input_scale and seed (so a replay of
 * `check --json` shows the same parameters and uses the same loss step; a
 * recorded norm is shown with VX_SET_NORM set in *eff but W is NOT rescaled).
 * A file that records no seed (one written elsewhere, or "seed": null) gives
 * eff->unseeded = 1: its model was drawn from no seed vanex knows.
 * A recorded t beyond the file's T is a data error (VX_EFORMAT).
 * Explicit options win: --act replaces the activation, --norm rescales W,
 * --steps N (<= the file's T) keeps the first N steps (a recorded t beyond
 * N becomes N), --t sets the loss step (<= T, VX_EUSAGE otherwise); the
 * options vx_params_conflicts refuses with --model (--weights, --hidden,
 * --inputs, --init, --input-scale, --seed) are refused before the file is
 * read (VX_EUSAGE).  *eff describes the loaded model for display and JSON;
 * to reload, pass the original params again.  The caller still runs
 * vx_params_check(eff).  eff may be NULL. */
vx_status vxr_model_load(const vx_params *params, vx_model **out, vx_params *eff, vx_error *err);

/* Parses a JSON text holding {"model": {...}} (or the model object itself):
 * one vanilla layer (W, U, b; a network is VX_EFORMAT). */
vx_status vxr_model_parse_json(const char *text, size_t len, const char *name,
                               vx_model **out, vx_error *err);

/* The same for a network: a model of PyTorch's names as it is, a vanilla
 * one as vx_net_from_model's one-layer rnn.  Every member checked against
 * every other (layer l's weight_ih G·d × n_l, weight_hh G·d × d, biases G·d,
 * h0 and c0 L × d, x T × n, y d) and against the limits before allocating;
 * errors name the file and the member. */
vx_status vxr_net_parse_json(const char *text, size_t len, const char *name, vx_net **out, vx_error *err);

/* ---- gated cells and stacks on the command line ---- */

/* Bits of vxr_net_opts.set: which of --cell, --layers, --forget-bias were given. */
enum { VXR_SET_CELL = 1u << 0, VXR_SET_LAYERS = 1u << 1, VXR_SET_FORGET_BIAS = 1u << 2 };

/* The options that choose the cell and the stack. */
typedef struct {
	vx_net_spec spec;   /* rnn, 1 layer, forget bias 0 where not given */
	unsigned set;       /* VXR_SET_* of the options given */
} vxr_net_opts;

void vxr_net_opts_default(vxr_net_opts *o);

/* 1 when the options ask for one vanilla layer (the default): vx_model and
 * vx_analyse, as before there were networks. */
int vxr_net_opts_vanilla(const vxr_net_opts *o);

/* What no file can change, checked before any is read (VX_EUSAGE, one line
 * naming both options): --forget-bias with --model or a trained network's
 * --weights (the file holds its biases) or with the rnn cell (no forget
 * gate); --weights of one square W with a gated cell or more layers; --act
 * with a gated cell (its gates are fixed).  A cell or layer count that
 * disagrees with a --model file or a trained network's file is known once
 * the file is read (vxr_net_load, vxr_netfile_open). */
vx_status vxr_net_opts_check(const vx_params *p, const vxr_net_opts *o, vx_error *err);

/* What a model file holds, for messages, into buf (n bytes): "one vanilla
 * layer", "an lstm network of 2 layers", "a gru network of 1 layer". */
void vxr_held_by(char *buf, size_t n, vx_cell cell, size_t L);

/* vxr_model_load for every cell and stack: on VX_OK exactly one of *model
 * (one vanilla layer: the default options, --weights, a vanilla file, or a
 * one-layer rnn file in PyTorch's names with b = bias_ih + bias_hh, but
 * for what check wrote of a network's analysis, state_size at its top,
 * which stays the network it was where networks are taken) and
 * *net (vx_net_build from the options, or the network of a --model file)
 * is set, both caller-freed.  *spec receives the effective cell and layers
 * (the file's) and the forget bias (given or recorded: shown, never
 * applied to a file's biases).  With --model, a --cell or --layers that
 * disagrees with the file, and --act with a gated file, are VX_EUSAGE;
 * --steps, --t and --norm act as for one vanilla layer, --norm scaling
 * every gate block of every weight_hh to λ (vx_net_set_norm).  eff and spec
 * may be NULL. */
vx_status vxr_net_load(const vx_params *params, const vxr_net_opts *o, vx_model **model, vx_net **net,
                       vx_params *eff, vx_net_spec *spec, vx_error *err);

#endif
