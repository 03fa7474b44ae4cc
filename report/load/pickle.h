/*
 * pickle.h — an allow-listed interpreter for the pickles torch.save writes.
 *
 * A pickle is a program for a stack machine; Python's unpickler imports any
 * module and calls any callable it names.  This one knows exactly the
 * opcodes that torch.save (protocols 2 to 5) emits for tensors and plain
 * containers, and resolves exactly these globals:
 *
 *   collections.OrderedDict            called with no arguments: a dict
 *   torch._utils._rebuild_tensor_v2    (storage, offset, size, stride,
 *                                      requires_grad, hooks[, metadata]): a tensor
 *   torch._utils._rebuild_parameter    (tensor, requires_grad, hooks): the tensor
 *   torch.<T>Storage                   names of storage types, only inside a
 *                                      persistent id ('storage', type, key,
 *                                      location, numel[, view]); T is Double,
 *                                      Float, Half, BFloat16 (read) or Long,
 *                                      Int, Short, Char, Byte, Bool,
 *                                      ComplexDouble, ComplexFloat (listed
 *                                      with their dtype, never read)
 *
 * Any other global (os.system, builtins.eval, a class with __reduce__, a
 * whole nn.Module) and any other opcode (INST, OBJ, NEWOBJ, EXT*, the text
 * protocol 0, sets, out-of-band buffers) stops the run with one line naming
 * it.  Nothing is imported, called or executed: a "call" of an allowed name
 * builds a plain value.  Every length is checked against the bytes left
 * before it is used; memory grows at most linearly with the input.
 * torch.storage._load_from_bytes (what pickle.dumps, not torch.save, writes
 * for a storage) is refused: it would unpickle a second, nested file.
 */
#ifndef VXR_LOAD_PICKLE_H
#define VXR_LOAD_PICKLE_H

#include <stddef.h>
#include <stdint.h>
#include "engine/status.h"
#include "report/load/tensors.h"

typedef enum {
	VXR_PV_NONE = 0, VXR_PV_BOOL, VXR_PV_INT, VXR_PV_BIGINT, VXR_PV_FLOAT, VXR_PV_STR, VXR_PV_BYTES,
	VXR_PV_TUPLE, VXR_PV_LIST, VXR_PV_DICT, VXR_PV_GLOBAL, VXR_PV_STORAGE, VXR_PV_TENSOR
} vxr_pv_kind;

/* The storage types by dtype (VXR_PV_GLOBAL values from VXR_G_STORAGE on). */
enum { VXR_G_ORDERED_DICT = 0, VXR_G_REBUILD_TENSOR_V2, VXR_G_REBUILD_PARAMETER, VXR_G_STORAGE };

typedef struct vxr_pv vxr_pv;

/* What _rebuild_tensor_v2 built: a view of a storage. */
typedef struct {
	const vxr_pv *storage;     /* a VXR_PV_STORAGE */
	uint64_t offset;           /* in elements of the storage (view) */
	size_t ndim;
	uint64_t shape[VXR_TENSOR_MAX_DIMS];
	uint64_t stride[VXR_TENSOR_MAX_DIMS];
} vxr_pv_tensor;

struct vxr_pv {
	vxr_pv_kind kind;
	unsigned seen;                 /* bookkeeping of vxr_pickle_tensors */
	union {
		int64_t i;                 /* BOOL (0, 1), INT */
		double f;                  /* FLOAT */
		struct {                   /* STR, BYTES, BIGINT (little-endian two's complement) */
			const unsigned char *s; /* into the pickle's bytes, not NUL-terminated */
			size_t n;
		} str;
		struct {                   /* TUPLE, LIST; DICT as key, value, key, value, … */
			vxr_pv **v;
			size_t n, cap;
		} seq;
		int global;                /* GLOBAL: VXR_G_* */
		struct {                   /* STORAGE: a persistent id */
			int type;              /* VXR_G_STORAGE + k */
			const unsigned char *key;
			size_t keylen;
			uint64_t numel;        /* of the root storage, in elements */
			uint64_t view_offset;  /* legacy views: elements into the root */
			uint64_t view_numel;   /* numel when not a view */
		} storage;
		const vxr_pv_tensor *tensor; /* TENSOR */
	} u;
};

typedef struct vxr_pickle vxr_pickle;

/* Runs the pickle starting at buf[*pos] up to its STOP and leaves *pos just
 * after it (torch's legacy layout holds several pickles in a row).  buf must
 * outlive *out: strings point into it.  VX_EFORMAT with one line naming the
 * refused global or opcode or the fault and its byte offset; VX_ETOOBIG;
 * VX_ENOMEM.  *out is freed with vxr_pickle_free. */
vx_status vxr_pickle_run(const unsigned char *buf, size_t len, size_t *pos, const char *name,
                         vxr_pickle **out, vx_error *err);
void vxr_pickle_free(vxr_pickle *p); /* NULL-safe */

/* The value the pickle built. */
const vxr_pv *vxr_pickle_root(const vxr_pickle *p);

/* Every value the pickle built, in the order built (i < vxr_pickle_count):
 * the legacy layout needs each storage, reachable or not. */
size_t vxr_pickle_count(const vxr_pickle *p);
const vxr_pv *vxr_pickle_value(const vxr_pickle *p, size_t i);

/* Storage type k (from 0): its dtype as PyTorch names it and its item size;
 * NULL past the end. */
const char *vxr_pickle_storage_dtype(int k, size_t *itemsize);

/* One tensor reachable from the root, named by the dict keys and list
 * indices on its path, joined by '.' ("model.rnn.weight_hh_l0"); a tensor
 * at the root is named "tensor". */
typedef struct {
	char *name;
	const vxr_pv *tensor;
} vxr_pickle_named;

/* Every tensor reachable from the root, in pickle order, each once (a
 * container reached again, or nested deeper than 64, is not walked twice or
 * further: VX_EFORMAT for the depth).  *out (caller frees each name and the
 * array) holds *n entries; at most VXR_TENSOR_MAX_COUNT (else VX_ETOOBIG). */
vx_status vxr_pickle_tensors(vxr_pickle *p, vxr_pickle_named **out, size_t *n, vx_error *err);

#endif
