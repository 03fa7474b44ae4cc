/*
 * check_batch.h — what `vanex check --inputs-file X` prints when X holds a
 * batch (B×T×n, B > 1): one network's weights run over every sequence,
 * every figure computed per sequence (vx_net_analyse) and shown as its
 * spread over the batch (report/batch.h: the smallest, the quartiles, the
 * median and the largest), with the batch's verdict.
 */
#ifndef VXR_CHECK_BATCH_H
#define VXR_CHECK_BATCH_H

#include <stdio.h>
#include "engine/matio.h"
#include "report/batch.h"
#include "report/check.h"

/* Everything the check of a batch shows. */
typedef struct {
	const vx_params *params;            /* effective (the loaded model's sizes) */
	const vx_net_spec *spec;            /* effective cell, layers */
	const vx_net *net;                  /* the weights (its x is not shown) */
	const vx_net_result *const *results; /* B analyses, sequence by sequence */
	const vxr_batch *batch;             /* their summary */
	const vx_inputs *inputs;            /* the B sequences, as the file holds them */
	const vx_net_fdjudge *fd;           /* of sequence 1; NULL: not run */
	const vxr_source *src;              /* where weights and inputs came from */
} vxr_net_batch_check;

/* The text, every line at most 80 columns, ASCII unless utf8: the network
 * and where it came from as vxr_net_check_text says it; the loss, the
 * gradient's norm, the rate, the Lyapunov exponent and the horizon, each
 * as min, q1, median, q3, max over the sequences; ‖∂S_t/∂S_k‖₂ the same way
 * at vxr_check_rows' gaps; per layer the gate that keeps the state and the
 * saturated fractions (median, with the smallest and largest); the
 * verdict of the batch with the count of each sequence verdict; the
 * finite-difference check of sequence 1.  VX_EIO when writing fails. */
vx_status vxr_net_batch_text(FILE *out, const vxr_net_batch_check *c, int utf8, vx_error *err);

/* The JSON object (one line, 17 significant digits, as vxr_net_check_json):
 *   params (as one sequence's check writes them), version, state_size,
 *   bound_kind, source,
 *   model {cell, layers, activation (rnn), weight_…, bias_…, h0, c0, y}
 *     (no x: each sequence has its own),
 *   batch {sequences, verdict, rule, counts {vanishing, exploding, neither},
 *     horizon_counts {none, vanish, explode},
 *     log10_loss, log10_grad_norm, rate, lyapunov_max, horizon (null: never
 *     left the range), each a spread {n, min, q1, median, q3, max};
 *     paths [{k, gap, log10_norm: spread}],
 *     layers [{layer, gates [{gate, saturated_low, saturated_high}],
 *       cell_saturated (lstm), keep_gate, keep_mean, keep_sd (lstm, gru)}]},
 *   sequences [{sequence (1-based), x (T rows of n, in the file's time
 *     order), then every member vxr_net_check_json writes from h to verdict}],
 *   fd_sequence (1), fd_check (as vxr_net_check_json's).
 * A log10 of an exact 0 and an infinite spread value are null. */
vx_status vxr_net_batch_json(FILE *out, const vxr_net_batch_check *c, vx_error *err);

#endif
