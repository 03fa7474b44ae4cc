/*
 * matio.h — reading a square weight matrix (--weights) and the input
 * sequences of a network (--inputs-file) from .npy or .csv (libc only).
 *
 * .npy: format versions 1.0, 2.0, 3.0; dtype <f8 or <f4 (and big-endian >f8,
 * >f4); C or Fortran order; a matrix exactly 2-D, inputs 2-D (T×n) or 3-D
 * (a batch B×T×n).  .csv: rows of comma-separated decimal numbers, optional
 * blank last line, '#' comment lines; always 2-D.  Both reject NaN and
 * infinity (naming the entry), ragged rows, sizes over the limits (checked
 * before allocating) and trailing garbage.  The npy magic bytes decide the
 * kind; without them a name ending in .npy is a damaged .npy, anything else
 * is read as CSV.
 */
#ifndef VX_MATIO_H
#define VX_MATIO_H

#include <stddef.h>
#include <gsl/gsl_matrix.h>
#include "engine/status.h"

/* Reads a matrix; *out is caller-freed.  Errors name the path and the fault. */
vx_status vx_matrix_read(const char *path, gsl_matrix **out, vx_error *err);

/* The same from memory (used by fuzz targets and tests).  kind: "npy" or "csv". */
vx_status vx_matrix_parse(const char *kind, const unsigned char *buf, size_t len,
                          const char *name, gsl_matrix **out, vx_error *err);

/* Requires a square matrix (VX_ESHAPE otherwise). */
vx_status vx_matrix_read_square(const char *path, gsl_matrix **out, vx_error *err);

/* ---- input sequences (--inputs-file) ---- */

/* Limits of an inputs file besides T <= VX_MAX_STEPS and n <= VX_MAX_INPUTS
 * (params.h): at most VX_MAX_BATCH sequences, and at most
 * VX_MAX_INPUT_VALUES values in all (1 GiB as doubles, the size of the
 * largest file read), so that the doubles never cost more than the file's
 * own bytes would as float64.  Each sequence is analysed in full, so a batch
 * of thousands is already hours of work. */
#define VX_MAX_BATCH 4096u
#define VX_MAX_INPUT_VALUES ((size_t)1 << 27)

/* B sequences of T steps of n inputs, in C order: x_j (j = 1..T) of sequence
 * b (0..B−1) is the n values at x + (b·T + j − 1)·n. */
typedef struct {
	size_t B, T, n;
	int batch;  /* 1 when the file held a 3-D batch (B×T×n, B >= 1), 0 for T×n (B = 1) */
	double *x;
} vx_inputs;

/* Reads T×n inputs (.npy 2-D or .csv) or a batch B×T×n (.npy 3-D).
 * One line on failure, naming the path and the fault: VX_EIO, VX_EFORMAT
 * (malformed, truncated, trailing bytes, a dtype other than the four
 * above, named), VX_ESHAPE (not 2-D or 3-D, an empty dimension, ragged CSV
 * rows; a 1-D array is told to become T×1), VX_ENONFINITE (NaN or infinity,
 * naming its index: "x[1, 5, 2]" as numpy indexes it, "line 7: field 2" in
 * CSV), VX_ETOOBIG (beyond the limits above, before allocating), VX_ENOMEM.
 * *out is freed with vx_inputs_free. */
vx_status vx_inputs_read(const char *path, vx_inputs **out, vx_error *err);

/* A batch read as B×T×n whose file was T×B×n (PyTorch's recurrent modules
 * take x so unless batch_first): B and T trade places, in C order again.
 * Nothing to do for T×n (in->batch 0).  VX_ETOOBIG when the true B or T is
 * over its limit, VX_ENOMEM; in unchanged then. */
vx_status vx_inputs_seq_first(vx_inputs *in, const char *name, vx_error *err);

/* The same from memory; kind "npy" or "csv", name used in messages. */
vx_status vx_inputs_parse(const char *kind, const unsigned char *buf, size_t len, const char *name,
                          vx_inputs **out, vx_error *err);

void vx_inputs_free(vx_inputs *in); /* NULL-safe */

/* Checks that the inputs fit a network reading n inputs per step:
 * VX_ESHAPE with one line naming the file (name) and both sizes otherwise. */
vx_status vx_inputs_check(const vx_inputs *in, const char *name, size_t n, vx_error *err);

/* Copies the first x->size1 steps of sequence b into x (x->size1 <= T rows
 * of n columns: a network's x, row j−1 holding x_j), in reverse time order
 * when reverse is set (x_T' first, T' = x->size1): PyTorch's reverse
 * direction of a bidirectional module reads the sequence from its end.
 * VX_EUSAGE when b, the rows or the columns do not fit. */
vx_status vx_inputs_sequence(const vx_inputs *in, size_t b, int reverse, gsl_matrix *x, vx_error *err);

#endif
