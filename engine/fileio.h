/*
 * fileio.h — a whole input file read into memory, for the engine's and the
 * report layer's readers of outside data (matrices, model files, templates).
 */
#ifndef VX_FILEIO_H
#define VX_FILEIO_H

#include <stddef.h>
#include "engine/status.h"

/* Reads the file at path, at most max bytes, into *buf (malloc'd, caller
 * frees, NUL-terminated after its *len bytes).  Regular files, pipes and
 * devices are read the same way; a directory is refused ("PATH: is a
 * directory, expected WHAT"), as is a file larger than max (VX_ETOOBIG,
 * "PATH: file too large (limit N bytes)", checked from its size first when it
 * has one).  I/O errors name the path and the system's reason. */
vx_status vx_read_file(const char *path, size_t max, const char *what, char **buf, size_t *len, vx_error *err);

#endif
