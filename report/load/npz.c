/*
 * npz.c — numpy.savez and savez_compressed archives (see tensors.h).
 *
 * An .npz is a zip (stored or deflated members, zip.h) of NAME.npy files;
 * tensor NAME is member NAME.npy.  Each member starts with the .npy magic,
 * a version (1.0, 2.0, 3.0), the header's length and the header: a Python
 * dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (4, 3), }.
 * Only the header is inflated when listing, the data when it is read.
 *
 * The header is read by rewriting its literal as JSON (quotes, True/False,
 * tuples as arrays, no trailing commas) for jansson, with every other byte
 * refused; so the dict's keys, types and duplicates are checked by one JSON
 * parser rather than by hand.  Object arrays (pickled Python objects) are
 * listed as dtype "object" and never read.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "report/load/readers.h"
#include "report/load/tensors.h"

/* numpy writes headers of a few hundred bytes; matio.c's limit. */
#define NPZ_MAX_HEADER 65536u

/* The header literal as JSON into out (room for len + 1 bytes: the rewrite
 * never lengthens it).  0 and *bad (the offending byte's position) when a
 * byte is not part of the literals numpy writes. */
static int literal_to_json(const unsigned char *s, size_t len, char *out, size_t *bad)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = s[i];
		if (c == '\'' || c == '"') { /* a string: no escapes, no control bytes */
			size_t j = i + 1;
			while (j < len && s[j] != c && s[j] != '\\' && s[j] != '"' && s[j] >= 0x20)
				j++;
			if (j >= len || s[j] != c) {
				*bad = j;
				return 0;
			}
			out[o++] = '"';
			memcpy(out + o, s + i + 1, j - i - 1);
			o += j - i - 1;
			out[o++] = '"';
			i = j;
		} else if (c == ',') { /* a trailing comma before a closing bracket goes */
			size_t j = i + 1;
			while (j < len && (s[j] == ' ' || s[j] == '\n' || s[j] == '\t' || s[j] == '\r'))
				j++;
			if (j >= len || (s[j] != ')' && s[j] != '}' && s[j] != ']'))
				out[o++] = ',';
		} else if (c == '(' || c == ')') {
			out[o++] = c == '(' ? '[' : ']';
		} else if (len - i >= 4 && memcmp(s + i, "True", 4) == 0) {
			memcpy(out + o, "true", 4);
			o += 4;
			i += 3;
		} else if (len - i >= 5 && memcmp(s + i, "False", 5) == 0) {
			memcpy(out + o, "false", 5);
			o += 5;
			i += 4;
		} else if (c == 'L' && i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9') {
			/* a Python 2 long: 3L */
		} else if ((c >= '0' && c <= '9') || c == '{' || c == '}' || c == '[' || c == ']' || c == ':' ||
		           c == ' ' || c == '\n' || c == '\t' || c == '\r') {
			out[o++] = (char)c;
		} else {
			*bad = i;
			return 0;
		}
	}
	out[o] = '\0';
	return 1;
}

/* A descr string: byte order, kind, size ("<f4", "|b1", "|O"). */
static vx_status descr(const vxr_tensors *f, vxr_tensor *t, const char *d, vx_error *err)
{
	static const struct {
		char kind;
		size_t size;
		const char *dtype;
	} known[] = {
		{ 'f', 8, "float64" }, { 'f', 4, "float32" }, { 'f', 2, "float16" }, { 'i', 8, "int64" },
		{ 'i', 4, "int32" },   { 'i', 2, "int16" },   { 'i', 1, "int8" },    { 'u', 8, "uint64" },
		{ 'u', 4, "uint32" },  { 'u', 2, "uint16" },  { 'u', 1, "uint8" },   { 'b', 1, "bool" },
		{ 'c', 16, "complex128" }, { 'c', 8, "complex64" },
	};
	const char *file = f->priv->name;
	if (d[0] != '<' && d[0] != '>' && d[0] != '|')
		return vx_fail(err, VX_EFORMAT, "%s: member '%s': npy dtype '%.16s' without a byte order ('<', '>', "
		               "'|')", file, t->name, d);
	if (strcmp(d + 1, "O") == 0 || strcmp(d + 1, "O8") == 0) {
		/* pickled objects: listed, never read, so their size is not checked */
		vxr_tensor_dtype(t, "object", 1);
		t->at.bytes = UINT64_MAX;
		return VX_OK;
	}
	char *end;
	unsigned long size = strtoul(d + 2, &end, 10);
	for (size_t k = 0; d[1] && *end == '\0' && k < sizeof known / sizeof known[0]; k++)
		if (known[k].kind == d[1] && known[k].size == size && end != d + 2) {
			vxr_tensor_dtype(t, known[k].dtype, size);
			t->at.big_endian = d[0] == '>';
			return VX_OK;
		}
	return vx_fail(err, VX_EFORMAT, "%s: member '%s': unsupported npy dtype '%.16s'", file, t->name, d);
}

/* Reads member i's header and lists it as a tensor. */
static vx_status member(vxr_tensors *f, size_t i, vx_error *err)
{
	vxr_tensors_priv *p = f->priv;
	const char *m = vxr_zip_name(p->zip, i);
	uint64_t size = vxr_zip_size(p->zip, i);
	vxr_tensor *t;
	vx_status st = vxr_tensors_add(f, m, strlen(m) - 4, &t, err);
	if (st != VX_OK)
		return st;
	unsigned char pre[12];
	if (size < 10 || (st = vxr_zip_peek(p->zip, i, pre, size < 12 ? 10 : 12, err)) != VX_OK)
		return st ? st : vx_fail(err, VX_EFORMAT, "%s: member '%s': truncated npy header", p->name, m);
	if (memcmp(pre, "\x93NUMPY", 6) != 0 || pre[6] < 1 || pre[6] > 3 || pre[7] != 0)
		return vx_fail(err, VX_EFORMAT, "%s: member '%s': not an npy file of version 1.0, 2.0 or 3.0", p->name, m);
	size_t head = pre[6] == 1 ? 10 : 12;
	if (size < head)
		return vx_fail(err, VX_EFORMAT, "%s: member '%s': truncated npy header", p->name, m);
	size_t hlen = pre[8] | (size_t)pre[9] << 8;
	if (head == 12)
		hlen |= (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
	if (hlen > NPZ_MAX_HEADER)
		return vx_fail(err, VX_ETOOBIG, "%s: member '%s': npy header of %zu bytes (limit %u)", p->name, m, hlen,
		               NPZ_MAX_HEADER);
	if (head + hlen > size)
		return vx_fail(err, VX_EFORMAT, "%s: member '%s': truncated npy header", p->name, m);
	unsigned char *h = malloc(head + hlen);
	char *js = malloc(hlen + 1);
	json_t *root = NULL;
	if (!h || !js) {
		st = vx_fail(err, VX_ENOMEM, "%s: out of memory", p->name);
		goto done;
	}
	if ((st = vxr_zip_peek(p->zip, i, h, head + hlen, err)) != VX_OK)
		goto done;
	size_t bad = 0;
	json_error_t je;
	if (!literal_to_json(h + head, hlen, js, &bad)) {
		st = vx_fail(err, VX_EFORMAT, "%s: member '%s': malformed npy header at byte %zu", p->name, m, head + bad);
		goto done;
	}
	root = json_loads(js, JSON_REJECT_DUPLICATES, &je);
	json_t *dj = json_object_get(root, "descr"), *fo = json_object_get(root, "fortran_order"),
	       *sh = json_object_get(root, "shape");
	if (!root || json_object_size(root) != 3 || !dj || !json_is_boolean(fo) || !json_is_array(sh)) {
		st = vx_fail(err, VX_EFORMAT, "%s: member '%s': npy header is not {'descr', 'fortran_order', 'shape'}",
		             p->name, m);
		goto done;
	}
	if (!json_is_string(dj)) {
		st = vx_fail(err, VX_EFORMAT, "%s: member '%s': structured npy dtypes are not supported", p->name, m);
		goto done;
	}
	t->at.member = (long)i;
	t->at.start = head + hlen;
	t->at.bytes = size - t->at.start;
	if ((st = descr(f, t, json_string_value(dj), err)) != VX_OK)
		goto done;
	t->ndim = json_array_size(sh);
	if (t->ndim > VXR_TENSOR_MAX_DIMS) {
		st = vx_fail(err, VX_EFORMAT, "%s: member '%s': %zu dimensions (limit %d)", p->name, m, t->ndim,
		             VXR_TENSOR_MAX_DIMS);
		goto done;
	}
	for (size_t k = 0; k < t->ndim; k++) {
		json_t *v = json_array_get(sh, k);
		if (!json_is_integer(v) || json_integer_value(v) < 0) {
			st = vx_fail(err, VX_EFORMAT, "%s: member '%s': shape entry %zu is not an integer >= 0", p->name,
			             m, k);
			goto done;
		}
		t->shape[k] = (uint64_t)json_integer_value(v);
	}
	/* strides of C or Fortran order; one that overflows saturates, and
	 * vxr_tensor_check refuses the shape's product */
	int fortran = json_is_true(fo);
	uint64_t s = 1;
	for (size_t k = 0; k < t->ndim; k++) {
		size_t d = fortran ? k : t->ndim - 1 - k;
		t->at.stride[d] = s;
		s = t->shape[d] && s > UINT64_MAX / t->shape[d] ? UINT64_MAX : s * t->shape[d];
	}
	if ((st = vxr_tensor_check(f, t, err)) != VX_OK)
		goto done;
	if (t->dtype_name[0] != 'o' && t->numel * t->at.itemsize != t->at.bytes)
		st = vx_fail(err, VX_EFORMAT, "%s: member '%s': %llu bytes of data for %llu elements of %s", p->name, m,
		             (unsigned long long)t->at.bytes, (unsigned long long)t->numel, t->dtype_name);
done:
	json_decref(root);
	free(js);
	free(h);
	return st;
}

vx_status vxr_npz_list(vxr_tensors *f, vx_error *err)
{
	vxr_tensors_priv *p = f->priv;
	vx_status st = VX_OK;
	/* numpy.load lists the members ending in .npy; others are not arrays */
	for (size_t i = 0; i < vxr_zip_count(p->zip) && st == VX_OK; i++) {
		const char *m = vxr_zip_name(p->zip, i);
		size_t n = strlen(m);
		if (n > 4 && strcmp(m + n - 4, ".npy") == 0)
			st = member(f, i, err);
	}
	return st;
}
