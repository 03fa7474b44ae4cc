/*
 * matio.h — reading a square weight matrix from .npy or .csv (libc only).
 *
 * .npy: format versions 1.0, 2.0, 3.0; dtype <f8 or <f4 (and big-endian >f8,
 * >f4); C or Fortran order; exactly 2-D.  .csv: rows of comma-separated
 * decimal numbers, optional blank last line, '#' comment lines.  Both reject
 * NaN and infinity, ragged rows, sizes over VX_MAX_HIDDEN (before allocating)
 * and trailing garbage.  The kind is chosen by extension (.npy/.csv), falling
 * back to the npy magic bytes.
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

#endif
