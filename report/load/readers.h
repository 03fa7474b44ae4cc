/*
 * readers.h — what the format readers of report/load/ share (not for use
 * outside it): the private part of a vxr_tensors, and the one place that
 * adds a tensor and checks that its bytes are where it says.
 *
 * A reader fills f->t through vxr_tensors_add, setting the dtype
 * (vxr_tensor_dtype), the shape and the `at` fields, then calls
 * vxr_tensor_check, which computes numel and refuses a tensor whose
 * elements would reach outside at.bytes.
 */
#ifndef VXR_LOAD_READERS_H
#define VXR_LOAD_READERS_H

#include <stddef.h>
#include "engine/status.h"
#include "report/load/zip.h"

/* tensors.h's types, by name only: tensors.c includes this header, so this
 * one does not include tensors.h (no include cycle). */
struct vxr_tensor;
struct vxr_tensors;

struct vxr_tensors_priv {
	char *name;               /* the path or name, for messages */
	const unsigned char *buf; /* the file's bytes */
	size_t len;
	void *map;                /* set when vxr_tensors_open mapped the file */
	unsigned char *owned;     /* set when it read a stream into memory */
	vxr_zip *zip;             /* when the file is a zip archive */
	size_t cap;               /* of f->t */
};

/* Appends a tensor named name[0..n) (copied) with every field zero and
 * at.member = -1; *t points at it until the next add.  VX_ETOOBIG past
 * VXR_TENSOR_MAX_COUNT or VXR_TENSOR_MAX_NAME, VX_EFORMAT for a NUL byte
 * in the name, VX_ENOMEM. */
vx_status vxr_tensors_add(struct vxr_tensors *f, const char *name, size_t n, struct vxr_tensor **t,
                          vx_error *err);

/* Sets the dtype from PyTorch's name ("float32", ...; float64, float32,
 * float16 and bfloat16 are read, any other is listed only) and the item
 * size in bytes. */
void vxr_tensor_dtype(struct vxr_tensor *t, const char *torch_name, size_t itemsize);

/* Computes t->numel from the shape and checks that every element, from
 * at.offset along at.stride, lies in the at.bytes bytes of its storage:
 * VX_ETOOBIG when the numbers overflow 64 bits, VX_EFORMAT (naming the
 * tensor, its shape and the storage's size) when they reach past it. */
vx_status vxr_tensor_check(const struct vxr_tensors *f, struct vxr_tensor *t, vx_error *err);

/* torch's legacy files open with a pickle of this number, 0x1950a86a20f9469cfc6c
 * (its 10 little-endian bytes, a LONG1). */
extern const unsigned char vxr_torch_magic[10];

/* The readers: each lists the tensors of f->priv's bytes into f. */
vx_status vxr_torch_zip_list(struct vxr_tensors *f, vx_error *err);
vx_status vxr_torch_legacy_list(struct vxr_tensors *f, vx_error *err);
vx_status vxr_safetensors_list(struct vxr_tensors *f, vx_error *err);
vx_status vxr_npz_list(struct vxr_tensors *f, vx_error *err);

#endif
