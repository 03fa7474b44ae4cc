/*
 * modeljson.h — the model as JSON (jansson): what `check --json` writes under
 * "model" and what `--model FILE` reads back, so any run can be replayed.
 *
 *   {"model": {"activation": "tanh", "W": [[..]..], "U": [[..]..], "b": [..],
 *              "s0": [..], "x": [[..] T rows], "y": [..]}, "params": {...}}
 */
#ifndef VXR_MODELJSON_H
#define VXR_MODELJSON_H

#include "engine/model.h"

/* Loads the model the params describe: from --model JSON when params->model
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

/* Parses a JSON text holding {"model": {...}} (or the model object itself). */
vx_status vxr_model_parse_json(const char *text, size_t len, const char *name,
                               vx_model **out, vx_error *err);

#endif
