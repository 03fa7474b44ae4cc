/*
 * params.h — the model options shared by `check`, `report`, the tutor and a
 * template's front matter (DESIGN.md section 3).  Parsing a value lives here,
 * below every front end, so all of them accept and reject exactly the same.
 */
#ifndef VX_PARAMS_H
#define VX_PARAMS_H

#include <stddef.h>
#include "engine/act.h"
#include "engine/status.h"

typedef enum { VX_INIT_GAUSSIAN = 0, VX_INIT_ORTHOGONAL, VX_INIT_IDENTITY } vx_init;

/* Hard limits, checked before anything is allocated. */
#define VX_MAX_HIDDEN 4096u
#define VX_MAX_INPUTS 4096u
#define VX_MAX_STEPS  10000000u
#define VX_PATH_MAX   4096
/* The largest --seed: what the JSON record of a run (check --json) carries
 * as an integer, so that --model reads back the seed it was given. */
#define VX_MAX_SEED   9223372036854775807ul
/* The longest --module NAME (a dotted prefix of tensor names). */
#define VX_MODULE_MAX 256

/* Bits of vx_params.set: which fields were given explicitly. */
enum {
	VX_SET_ACT = 1u << 0, VX_SET_HIDDEN = 1u << 1, VX_SET_INPUTS = 1u << 2,
	VX_SET_STEPS = 1u << 3, VX_SET_T = 1u << 4, VX_SET_NORM = 1u << 5,
	VX_SET_INIT = 1u << 6, VX_SET_WEIGHTS = 1u << 7, VX_SET_MODEL = 1u << 8,
	VX_SET_INPUT_SCALE = 1u << 9, VX_SET_SEED = 1u << 10,
	VX_SET_INPUTS_FILE = 1u << 11, VX_SET_MODULE = 1u << 12, VX_SET_DIRECTION = 1u << 13,
	VX_SET_LAYOUT = 1u << 14
};

typedef struct {
	vx_act act;            /* --act         default tanh */
	size_t hidden;         /* --hidden D    default 8 */
	size_t inputs;         /* --inputs N    default 4 */
	size_t steps;          /* --steps T     default 50 */
	size_t t;              /* --t STEP      the loss step; 0 means "T" */
	double norm;           /* --norm LAMBDA default 0.8 for generated W; a file's W is
	                        *               rescaled only when VX_SET_NORM is set */
	vx_init init;          /* --init        default gaussian */
	double input_scale;    /* --input-scale default 1; 0 = no input */
	unsigned long seed;    /* --seed        default 1, at most VX_MAX_SEED */
	char weights[VX_PATH_MAX]; /* --weights FILE, "" when not given */
	char model[VX_PATH_MAX];   /* --model FILE, "" when not given */
	char inputs_file[VX_PATH_MAX]; /* --inputs-file X (.npy T×n or B×T×n, .csv T×n),
	                        *               "" when the inputs are generated */
	char module[VX_MODULE_MAX]; /* --module NAME: the module of a trained
	                        *               network's file, "" = its only one */
	int reverse;           /* --direction forward|reverse (1): which direction
	                        *               of a bidirectional module */
	int seq_first;         /* --layout btn|tbn (1): a 3-D --inputs-file is B×T×n
	                        *               (batch first, the default) or T×B×n
	                        *               (PyTorch's recurrent modules' default) */
	int weights_net;       /* set by a front end, not an option: the --weights
	                        *               file holds a trained network
	                        *               (torch.save, safetensors, .npz), not
	                        *               one square W; its module fixes the
	                        *               cell, layers, d and n, which the
	                        *               options may repeat but not change */
	unsigned set;          /* VX_SET_* bits of the options given */
	int unseeded;          /* 1: a --model file that records no seed, so nothing of
	                        * this run was drawn and `seed` means nothing (set by
	                        * the model reader; printers show the file instead) */
	unsigned undrawn;      /* VX_UNDRAWN_* bits: a --model file's record that its
	                        * weights or inputs came from files, as --weights and
	                        * --inputs-file say of this run (set by the model
	                        * reader for a null init or input_scale) */
} vx_params;

/* vx_params.undrawn: every weight from a file (no init, no forget bias
 * applied), the inputs from a file (no input scale) */
#define VX_UNDRAWN_WEIGHTS 1u
#define VX_UNDRAWN_INPUTS 2u

/* The defaults above. */
void vx_params_default(vx_params *p);

/* Sets one option by its long name without dashes ("act", "hidden", "steps",
 * "t", "norm", "init", "weights", "model", "input-scale", "seed",
 * "inputs-file", "module", "direction") from its text value.  On a bad name or value returns VX_EUSAGE with err naming the
 * option and what is accepted, e.g. "--norm: expected a finite number >= 0, got 'x'".
 * --norm and --input-scale take 0 or a normal double: a nonzero value below
 * DBL_MIN (1e-400 would become 0, 1e-310 a subnormal with fewer digits) is
 * refused rather than run as something else.  Setting an option again
 * replaces its value: refusing an option given twice is the front end's
 * business (the command line and the front matter both do). */
vx_status vx_params_set(vx_params *p, const char *name, const char *value, vx_error *err);

/* 1 when name is one of the option names above, else 0. */
int vx_params_is_option(const char *name);

/* Options that a file given with them makes meaningless: with --model the
 * file holds W, U, b, s0, x and y, so --weights, --hidden, --inputs, --init,
 * --input-scale, --seed and --inputs-file would only be shown, never used;
 * with --weights the file holds W and so d, refusing --init and --hidden
 * (a trained network's file, weights_net: --init only, and --hidden and
 * --inputs are held to the file's sizes once it is read); with
 * --inputs-file the inputs are the file's, refusing --input-scale, and
 * --seed too when a trained network's file leaves nothing to draw.
 * --module and --direction need a trained network's file.  (--act, --norm,
 * --steps and --t act on a file's model and stay allowed.)  VX_EUSAGE with
 * one line naming both options, e.g. "--seed and --model cannot be
 * combined: ...".  Needs only the options (and weights_net), so a front end
 * can call it before any file is read. */
vx_status vx_params_conflicts(const vx_params *p, vx_error *err);

/* Cross-checks after all options are set (t <= steps, the ranges, and
 * vx_params_conflicts).  VX_EUSAGE on failure. */
vx_status vx_params_check(const vx_params *p, vx_error *err);

/* The loss step in effect: p->t, or p->steps when p->t is 0. */
size_t vx_params_loss_step(const vx_params *p);

const char *vx_init_name(vx_init i);
int vx_init_parse(const char *name, vx_init *out);

#endif
