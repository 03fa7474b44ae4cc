/*
 * tensors.h — the named tensors of a model file trained elsewhere, read
 * without executing anything in it.
 *
 *   PyTorch    torch.save, zip layout (torch >= 1.6: ARCHIVE/data.pkl, one
 *              member ARCHIVE/data/KEY per storage, ARCHIVE/byteorder since
 *              2.1) and the legacy layout (_use_new_zipfile_serialization=
 *              False: pickles, then the storages appended).  The pickle is
 *              read by an allow-listed interpreter (pickle.h): containers,
 *              numbers, strings and tensors; anything else is refused.
 *   safetensors  8-byte little-endian header length, JSON header (jansson),
 *              the data; offsets checked inside the file, contiguous, never
 *              overlapping, header at most VXR_SAFETENSORS_MAX_HEADER bytes.
 *   npz        numpy.savez / savez_compressed: a zip (zip.h) of .npy members,
 *              stored or deflated.
 * The format is chosen from the content (magic bytes); the extension only
 * names what was expected when the content is not recognised.  Tensors nested
 * in containers are named by their path: a training loop's
 * {"model": state_dict, "optimizer": ...} gives "model.rnn.weight_hh_l0" and
 * "optimizer.state.0.exp_avg".
 *
 * Opening lists every tensor (name, dtype, shape) and checks that the bytes
 * each one needs are in the file; values are converted to double only by
 * vxr_tensors_read, one tensor at a time, so an optimiser's state or a large
 * embedding beside the recurrent weights costs nothing.  Tensors of a dtype
 * that is not read (integers, booleans, complex, float8) are listed with
 * their dtype's name, so that a module made of them can be refused naming it.
 */
#ifndef VXR_LOAD_TENSORS_H
#define VXR_LOAD_TENSORS_H

#include <stddef.h>
#include <stdint.h>
#include "engine/params.h"
#include "engine/status.h"

/* Limits, checked before anything is allocated. */
#define VXR_TENSOR_MAX_DIMS 8
#define VXR_TENSOR_MAX_COUNT 65536u   /* tensors listed in one file */
#define VXR_TENSOR_MAX_NAME 1024u     /* bytes of a tensor's dotted name */
/* Most elements vxr_tensors_read converts: the largest weight the engine
 * takes, an LSTM's weight_ih or weight_hh at d = n = 4096 (4d × 4096). */
#define VXR_TENSOR_MAX_READ ((uint64_t)4 * VX_MAX_HIDDEN * VX_MAX_HIDDEN)
/* The largest safetensors header, the reference implementation's 100 MB. */
#define VXR_SAFETENSORS_MAX_HEADER 100000000u

/* The dtypes whose values are read; VXR_OTHER is listed, never read. */
typedef enum { VXR_F64 = 0, VXR_F32, VXR_F16, VXR_BF16, VXR_OTHER } vxr_dtype;

/* What the content says a file is (vxr_kind_sniff). */
typedef enum {
	VXR_KIND_CSV = 0,      /* nothing else recognised: text, read as today */
	VXR_KIND_NPY,          /* a bare .npy matrix (engine/matio.h) */
	VXR_KIND_ZIP,          /* torch.save's zip layout or an .npz */
	VXR_KIND_TORCH_LEGACY, /* torch.save's legacy layout (a pickle with torch's magic number) */
	VXR_KIND_PICKLE,       /* any other pickle: refused */
	VXR_KIND_SAFETENSORS
} vxr_kind;

typedef struct vxr_tensor {
	char *name;               /* dotted path, NUL-terminated (never contains NUL) */
	vxr_dtype dtype;
	char dtype_name[24];      /* as PyTorch names it: "float32", "bfloat16", "int64", … */
	size_t ndim;              /* 0 for a scalar */
	uint64_t shape[VXR_TENSOR_MAX_DIMS];
	uint64_t numel;           /* product of the shape (1 for a scalar) */
	/* Where the values are; the readers' business. */
	struct {
		long member;          /* zip member holding them, or -1: the file's own bytes */
		uint64_t start;       /* byte offset of the storage's element 0 */
		uint64_t bytes;       /* bytes of the storage from start */
		uint64_t offset;      /* the tensor's element 0, in elements of the storage */
		uint64_t stride[VXR_TENSOR_MAX_DIMS]; /* in elements */
		size_t itemsize;
		int big_endian;
	} at;
} vxr_tensor;

typedef struct vxr_tensors_priv vxr_tensors_priv;

typedef struct vxr_tensors {
	const char *format;  /* "PyTorch zip", "PyTorch legacy", "safetensors", "npz" */
	size_t n;
	vxr_tensor *t;       /* n tensors, in the file's order */
	vxr_tensors_priv *priv;
} vxr_tensors;

/* What buf[0..len) is, from its first bytes; path's extension decides only
 * between "a damaged file of the kind it names" and CSV when nothing is
 * recognised (.pt, .pth, .bin, .ckpt → VXR_KIND_ZIP; .safetensors →
 * VXR_KIND_SAFETENSORS; .npz → VXR_KIND_ZIP; .npy → VXR_KIND_NPY). */
vxr_kind vxr_kind_sniff(const unsigned char *buf, size_t len, const char *path);

/* The same for a file, from its first 32 bytes.  A pipe or device is not
 * read (its bytes would be gone for the reader called next): its extension
 * alone decides.  VX_EIO naming the path. */
vx_status vxr_kind_of_file(const char *path, vxr_kind *kind, vx_error *err);
/* The same from the content alone, the name aside: VXR_KIND_CSV for what
 * the first bytes do not tell, and for a pipe, a device or a directory. */
vx_status vxr_kind_of_content(const char *path, vxr_kind *kind, vx_error *err);

/* p->weights_net for p->weights (nothing when it is empty): whether the
 * file is a trained network's (anything but a bare W in .npy or .csv), by
 * vxr_kind_of_file; a file that cannot be opened goes by its extension,
 * and its reader says later why it cannot be read.  Wherever --weights is
 * set: the command line, a template's front matter. */
void vxr_weights_kind(vx_params *p);

/* Opens a PyTorch, safetensors or npz file (mapped, not copied) and lists
 * its tensors.  Errors name the path and the fault in one line: VX_EIO,
 * VX_EFORMAT (malformed, truncated, a pickle calling anything not on the
 * allow-list, a .npy or .csv given here), VX_ETOOBIG, VX_ENOMEM.
 * *out is freed with vxr_tensors_free. */
vx_status vxr_tensors_open(const char *path, vxr_tensors **out, vx_error *err);

/* The same from memory, which must outlive *out (nothing is copied); name
 * is used in messages. */
vx_status vxr_tensors_parse(const unsigned char *buf, size_t len, const char *name, vxr_tensors **out,
                            vx_error *err);

void vxr_tensors_free(vxr_tensors *f); /* NULL-safe */

/* Tensor i's values as doubles in row-major (C) order into dst, which holds
 * f->t[i].numel of them.  Every float16, bfloat16, float32 and float64 value
 * is exact in a double: nothing is rounded.  NaN and infinities are copied
 * as they are (find.h refuses them, naming the entry).  VX_EFORMAT for a
 * dtype that is not read (naming it) or data that fails its zip checks,
 * VX_ETOOBIG beyond VXR_TENSOR_MAX_READ elements, VX_ENOMEM. */
vx_status vxr_tensors_read(vxr_tensors *f, size_t i, double *dst, vx_error *err);

/* The shape as "[4096, 1024]" into buf (n bytes, truncated to fit). */
void vxr_tensor_shape_text(const vxr_tensor *t, char *buf, size_t n);

#endif
