/*
 * safetensors.c — the safetensors format (see tensors.h).
 *
 * Its specification: an unsigned 64-bit little-endian header length N, N
 * bytes of a JSON object (UTF-8, perhaps padded with spaces), then the data.
 * Each key but "__metadata__" (a map of strings) names a tensor:
 * {"dtype": "F32", "shape": [4, 2], "data_offsets": [begin, end]}, offsets
 * relative to the data.  As the reference implementation, the tensors must
 * tile the data exactly: sorted by begin, the first at 0, each beginning
 * where the previous ends, the last ending at the end of the file, each
 * end − begin = numel × itemsize.  So no two overlap and no byte is unused.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "report/load/readers.h"
#include "report/load/tensors.h"

static const struct {
	const char *code, *dtype;
	size_t itemsize;
} dtypes[] = {
	{ "F64", "float64", 8 }, { "F32", "float32", 4 }, { "F16", "float16", 2 }, { "BF16", "bfloat16", 2 },
	{ "I64", "int64", 8 },   { "I32", "int32", 4 },   { "I16", "int16", 2 },   { "I8", "int8", 1 },
	{ "U64", "uint64", 8 },  { "U32", "uint32", 4 },  { "U16", "uint16", 2 },  { "U8", "uint8", 1 },
	{ "BOOL", "bool", 1 },   { "F8_E5M2", "float8_e5m2", 1 }, { "F8_E4M3", "float8_e4m3fn", 1 },
	{ "C64", "complex64", 8 },
};

typedef struct {
	const char *name;
	json_t *info;
	uint64_t begin, end;
	size_t pos;        /* in the header */
} entry;

/* The order of the data; empty tensors at one offset in header order, so
 * that the list does not depend on how qsort breaks ties. */
static int by_begin(const void *a, const void *b)
{
	const entry *x = a, *y = b;
	if (x->begin != y->begin)
		return x->begin < y->begin ? -1 : 1;
	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return (x->pos > y->pos) - (x->pos < y->pos);
}

/* A JSON integer >= 0 into *v. */
static int count(const json_t *j, uint64_t *v)
{
	if (!json_is_integer(j) || json_integer_value(j) < 0)
		return 0;
	*v = (uint64_t)json_integer_value(j);
	return 1;
}

/* Checks one tensor's entry and reads its offsets into e. */
static vx_status offsets(const char *file, entry *e, uint64_t data_len, vx_error *err)
{
	json_t *o = json_object_get(e->info, "data_offsets");
	if (!json_is_object(e->info) || !json_is_array(o) || json_array_size(o) != 2 ||
	    !count(json_array_get(o, 0), &e->begin) || !count(json_array_get(o, 1), &e->end))
		return vx_fail(err, VX_EFORMAT, "%s: tensor '%s': data_offsets is not [begin, end]", file, e->name);
	if (e->begin > e->end || e->end > data_len)
		return vx_fail(err, VX_EFORMAT, "%s: tensor '%s': data_offsets [%llu, %llu] outside the %llu bytes of "
		               "data", file, e->name, (unsigned long long)e->begin, (unsigned long long)e->end,
		               (unsigned long long)data_len);
	return VX_OK;
}

static vx_status add_entry(vxr_tensors *f, const entry *e, uint64_t data_start, vx_error *err)
{
	const char *file = f->priv->name;
	const char *code = json_string_value(json_object_get(e->info, "dtype"));
	json_t *shape = json_object_get(e->info, "shape");
	if (!code)
		return vx_fail(err, VX_EFORMAT, "%s: tensor '%s': dtype is not a string", file, e->name);
	size_t k = 0, nd = sizeof dtypes / sizeof dtypes[0];
	while (k < nd && strcmp(dtypes[k].code, code) != 0)
		k++;
	if (k == nd)
		return vx_fail(err, VX_EFORMAT, "%s: tensor '%s': unknown safetensors dtype '%.32s'", file, e->name, code);
	if (!json_is_array(shape) || json_array_size(shape) > VXR_TENSOR_MAX_DIMS)
		return vx_fail(err, VX_EFORMAT, "%s: tensor '%s': shape is not a list of at most %d sizes", file,
		               e->name, VXR_TENSOR_MAX_DIMS);
	vxr_tensor *t;
	vx_status st = vxr_tensors_add(f, e->name, strlen(e->name), &t, err);
	if (st != VX_OK)
		return st;
	vxr_tensor_dtype(t, dtypes[k].dtype, dtypes[k].itemsize);
	t->ndim = json_array_size(shape);
	for (size_t i = 0; i < t->ndim; i++)
		if (!count(json_array_get(shape, i), &t->shape[i]))
			return vx_fail(err, VX_EFORMAT, "%s: tensor '%s': shape entry %zu is not an integer >= 0", file,
			               e->name, i);
	/* C order: the last dimension contiguous; a stride that overflows is
	 * caught by vxr_tensor_check through the shape's product */
	uint64_t s = 1;
	for (size_t i = t->ndim; i-- > 0;) {
		t->at.stride[i] = s;
		s = t->shape[i] && s > UINT64_MAX / t->shape[i] ? UINT64_MAX : s * t->shape[i];
	}
	t->at.start = data_start + e->begin;
	t->at.bytes = e->end - e->begin;
	if ((st = vxr_tensor_check(f, t, err)) != VX_OK)
		return st;
	if (t->numel * t->at.itemsize != t->at.bytes)
		return vx_fail(err, VX_EFORMAT, "%s: tensor '%s': %llu bytes for %llu elements of %s", file, e->name,
		               (unsigned long long)t->at.bytes, (unsigned long long)t->numel, t->dtype_name);
	return VX_OK;
}

static vx_status check_metadata(const char *file, json_t *meta, vx_error *err)
{
	const char *k;
	json_t *v;
	if (!json_is_object(meta))
		return vx_fail(err, VX_EFORMAT, "%s: __metadata__ is not a map of strings", file);
	json_object_foreach(meta, k, v)
		if (!json_is_string(v))
			return vx_fail(err, VX_EFORMAT, "%s: __metadata__ '%.60s' is not a string", file, k);
	return VX_OK;
}

vx_status vxr_safetensors_list(vxr_tensors *f, vx_error *err)
{
	vxr_tensors_priv *p = f->priv;
	if (p->len < 8)
		return vx_fail(err, VX_EFORMAT, "%s: truncated safetensors header length (%zu bytes)", p->name, p->len);
	uint64_t n = 0;
	for (int b = 7; b >= 0; b--)
		n = n << 8 | p->buf[b];
	if (n > VXR_SAFETENSORS_MAX_HEADER)
		return vx_fail(err, VX_ETOOBIG, "%s: safetensors header of %llu bytes (limit %u)", p->name,
		               (unsigned long long)n, VXR_SAFETENSORS_MAX_HEADER);
	if (n > p->len - 8)
		return vx_fail(err, VX_EFORMAT, "%s: truncated safetensors header: %llu bytes declared, %zu present",
		               p->name, (unsigned long long)n, p->len - 8);
	json_error_t je;
	json_t *root = json_loadb((const char *)p->buf + 8, (size_t)n, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return vx_fail(err, VX_EFORMAT, "%s: safetensors header is not valid JSON: %s (byte %d)", p->name,
		               je.text, je.position);
	vx_status st = VX_OK;
	entry *e = NULL;
	size_t ne = 0;
	uint64_t data_start = 8 + n, data_len = p->len - data_start;
	if (!json_is_object(root)) {
		st = vx_fail(err, VX_EFORMAT, "%s: safetensors header is not a JSON object", p->name);
		goto done;
	}
	if (json_object_size(root) > VXR_TENSOR_MAX_COUNT + 1) {
		st = vx_fail(err, VX_ETOOBIG, "%s: more than %u tensors", p->name, VXR_TENSOR_MAX_COUNT);
		goto done;
	}
	if (!(e = calloc(json_object_size(root) + 1, sizeof *e))) {
		st = vx_fail(err, VX_ENOMEM, "%s: out of memory", p->name);
		goto done;
	}
	const char *key;
	json_t *val;
	json_object_foreach(root, key, val) {
		if (strcmp(key, "__metadata__") == 0) {
			if ((st = check_metadata(p->name, val, err)) != VX_OK)
				goto done;
			continue;
		}
		e[ne].name = key;
		e[ne].info = val;
		e[ne].pos = ne;
		if ((st = offsets(p->name, &e[ne], data_len, err)) != VX_OK)
			goto done;
		ne++;
	}
	qsort(e, ne, sizeof *e, by_begin);
	uint64_t at = 0;
	for (size_t i = 0; i < ne; i++) {
		if (e[i].begin != at) {
			st = vx_fail(err, VX_EFORMAT, "%s: tensor '%s' begins at byte %llu of the data, expected %llu (%s)",
			             p->name, e[i].name, (unsigned long long)e[i].begin, (unsigned long long)at,
			             e[i].begin < at ? "overlapping tensors" : "a gap");
			goto done;
		}
		at = e[i].end;
	}
	if (at != data_len) {
		st = vx_fail(err, VX_EFORMAT, "%s: %llu bytes of data after the last tensor", p->name,
		             (unsigned long long)(data_len - at));
		goto done;
	}
	for (size_t i = 0; i < ne && st == VX_OK; i++)
		st = add_entry(f, &e[i], data_start, err);
done:
	free(e);
	json_decref(root);
	return st;
}
