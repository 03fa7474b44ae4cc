/*
 * torch.c — the two layouts torch.save writes (see tensors.h).
 *
 * Zip (torch >= 1.6): ARCHIVE/data.pkl is the pickle; each storage it names
 * by key K is the member ARCHIVE/data/K, stored uncompressed, holding
 * numel × itemsize bytes; ARCHIVE/byteorder ("little" or "big", torch >=
 * 2.1) says how, little-endian when absent.  ARCHIVE is the file's stem in
 * torch 1.x and "archive" in 2.x, so it is taken from where data.pkl is.
 *
 * Legacy (_use_new_zipfile_serialization=False): five pickles in a row, the
 * magic number, the protocol version 1001, a dict of the writer's system,
 * the object, the list of storage keys; then for each key in that order an
 * 8-byte little-endian element count and the storage's bytes, always
 * little-endian.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/load/pickle.h"
#include "report/load/readers.h"
#include "report/load/tensors.h"

/* The largest data.pkl read (a state dict takes ~100 bytes per tensor). */
#define TORCH_MAX_PICKLE ((uint64_t)64 << 20)

/* Lists the tensors the pickle names; where(ctx, storage, at) fills in
 * where each storage's bytes are. */
typedef vx_status (*storage_fn)(void *ctx, const vxr_pv *s, vxr_tensor *t, vx_error *err);

static vx_status list_named(vxr_tensors *f, vxr_pickle *pk, storage_fn where, void *ctx, vx_error *err)
{
	vxr_pickle_named *named = NULL;
	size_t n = 0;
	vx_status st = vxr_pickle_tensors(pk, &named, &n, err);
	for (size_t i = 0; i < n && st == VX_OK; i++) {
		const vxr_pv_tensor *pt = named[i].tensor->u.tensor;
		const vxr_pv *s = pt->storage;
		vxr_tensor *t;
		if ((st = vxr_tensors_add(f, named[i].name, strlen(named[i].name), &t, err)) != VX_OK)
			break;
		size_t itemsize = 0;
		const char *dtype = vxr_pickle_storage_dtype(s->u.storage.type - VXR_G_STORAGE, &itemsize);
		vxr_tensor_dtype(t, dtype, itemsize);
		t->ndim = pt->ndim;
		memcpy(t->shape, pt->shape, sizeof t->shape);
		memcpy(t->at.stride, pt->stride, sizeof t->at.stride);
		t->at.offset = pt->offset;
		/* the storage (view) as the pickle declares it; where() checks the bytes */
		t->at.start = s->u.storage.view_offset * itemsize;
		t->at.bytes = s->u.storage.view_numel * itemsize;
		if ((st = where(ctx, s, t, err)) == VX_OK)
			st = vxr_tensor_check(f, t, err);
	}
	for (size_t i = 0; i < n; i++)
		free(named[i].name);
	free(named);
	return st;
}

/* ----------------------------------------------------------------- zip */

typedef struct {
	vxr_tensors *f;
	const char *prefix; /* "ARCHIVE/" */
	size_t plen;
	int big;
} zip_ctx;

static vx_status zip_where(void *vctx, const vxr_pv *s, vxr_tensor *t, vx_error *err)
{
	zip_ctx *c = vctx;
	vxr_tensors_priv *p = c->f->priv;
	char member[VXR_TENSOR_MAX_NAME + 80];
	snprintf(member, sizeof member, "%.*sdata/%.*s", (int)c->plen, c->prefix, (int)s->u.storage.keylen,
	         (const char *)s->u.storage.key);
	size_t i;
	if (!vxr_zip_find(p->zip, member, &i))
		return vx_fail(err, VX_EFORMAT, "%s: tensor '%s': its storage '%s' is missing", p->name, t->name, member);
	uint64_t want = s->u.storage.numel * t->at.itemsize, have = vxr_zip_size(p->zip, i);
	if (s->u.storage.numel > UINT64_MAX / 16 || want != have)
		return vx_fail(err, VX_EFORMAT, "%s: storage '%s' holds %llu bytes, its %llu %s elements need %llu",
		               p->name, member, (unsigned long long)have, (unsigned long long)s->u.storage.numel,
		               t->dtype_name, (unsigned long long)want);
	t->at.member = (long)i;
	t->at.big_endian = c->big;
	return VX_OK;
}

vx_status vxr_torch_zip_list(vxr_tensors *f, vx_error *err)
{
	vxr_tensors_priv *p = f->priv;
	size_t pkl = 0, npkl = 0;
	for (size_t i = 0; i < vxr_zip_count(p->zip); i++) {
		const char *m = vxr_zip_name(p->zip, i), *slash = strchr(m, '/');
		if (slash && strcmp(slash + 1, "data.pkl") == 0) {
			pkl = i;
			npkl++;
		}
	}
	if (npkl != 1)
		return vx_fail(err, VX_EFORMAT, "%s: %zu data.pkl members (expected one)", p->name, npkl);
	const char *pname = vxr_zip_name(p->zip, pkl);
	zip_ctx c = { f, pname, (size_t)(strchr(pname, '/') - pname) + 1, 0 };

	/* the byte order, when the writer recorded it */
	char bo[80];
	snprintf(bo, sizeof bo, "%.*sbyteorder", (int)(c.plen > 60 ? 60 : c.plen), c.prefix);
	size_t bi;
	if (c.plen <= 60 && vxr_zip_find(p->zip, bo, &bi)) {
		unsigned char *text = NULL;
		uint64_t n = vxr_zip_size(p->zip, bi);
		if (n > 16)
			return vx_fail(err, VX_EFORMAT, "%s: %s: expected 'little' or 'big'", p->name, bo);
		vx_status st = vxr_zip_read(p->zip, bi, &text, err);
		if (st != VX_OK)
			return st;
		int little = n == 6 && memcmp(text, "little", 6) == 0, big = n == 3 && memcmp(text, "big", 3) == 0;
		free(text);
		if (!little && !big)
			return vx_fail(err, VX_EFORMAT, "%s: %s: expected 'little' or 'big'", p->name, bo);
		c.big = big;
	}

	uint64_t plen = vxr_zip_size(p->zip, pkl);
	if (plen > TORCH_MAX_PICKLE)
		return vx_fail(err, VX_ETOOBIG, "%s: %s of %llu bytes (limit %llu)", p->name, pname,
		               (unsigned long long)plen, (unsigned long long)TORCH_MAX_PICKLE);
	unsigned char *data = NULL;
	vx_status st = vxr_zip_read(p->zip, pkl, &data, err);
	if (st != VX_OK)
		return st;
	char label[VXR_TENSOR_MAX_NAME + 80];
	snprintf(label, sizeof label, "%s: %s", p->name, pname);
	vxr_pickle *pk = NULL;
	size_t pos = 0;
	st = vxr_pickle_run(data, (size_t)plen, &pos, label, &pk, err);
	if (st == VX_OK && pos != plen)
		st = vx_fail(err, VX_EFORMAT, "%s: %llu bytes after the pickle's STOP", label,
		             (unsigned long long)(plen - pos));
	if (st == VX_OK)
		st = list_named(f, pk, zip_where, &c, err);
	vxr_pickle_free(pk);
	free(data);
	return st;
}

/* -------------------------------------------------------------- legacy */

typedef struct {
	const unsigned char *key;
	size_t keylen;
	int type;
	uint64_t numel;
	uint64_t start; /* byte offset of its data in the file */
	int found;
} legacy_storage;

typedef struct {
	vxr_tensors *f;
	legacy_storage *s;
	size_t n;
} legacy_ctx;

static int key_cmp(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);
	return c ? c : (an > bn) - (an < bn);
}

static int by_key(const void *x, const void *y)
{
	const legacy_storage *a = x, *b = y;
	return key_cmp(a->key, a->keylen, b->key, b->keylen);
}

static legacy_storage *lookup(legacy_ctx *c, const unsigned char *key, size_t n)
{
	size_t lo = 0, hi = c->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = key_cmp(c->s[mid].key, c->s[mid].keylen, key, n);
		if (r == 0)
			return &c->s[mid];
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static vx_status legacy_where(void *vctx, const vxr_pv *s, vxr_tensor *t, vx_error *err)
{
	legacy_ctx *c = vctx;
	legacy_storage *ls = lookup(c, s->u.storage.key, s->u.storage.keylen);
	if (!ls || !ls->found)
		return vx_fail(err, VX_EINTERNAL, "%s: tensor '%s' without its storage", c->f->priv->name, t->name);
	t->at.start += ls->start;
	return VX_OK;
}

/* One of the small pickles before the object: runs it, checks it with ok. */
static vx_status preamble(vxr_tensors *f, size_t *pos, const char *what, int (*ok)(const vxr_pv *),
                          vx_error *err)
{
	vxr_pickle *pk = NULL;
	char label[VXR_TENSOR_MAX_NAME + 64];
	snprintf(label, sizeof label, "%s: %s", f->priv->name, what);
	vx_status st = vxr_pickle_run(f->priv->buf, f->priv->len, pos, label, &pk, err);
	if (st == VX_OK && !ok(vxr_pickle_root(pk)))
		st = vx_fail(err, VX_EFORMAT, "%s: not what torch.save writes", label);
	vxr_pickle_free(pk);
	return st;
}

const unsigned char vxr_torch_magic[10] = { 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19 };

static int is_magic(const vxr_pv *v)
{
	return v->kind == VXR_PV_BIGINT && v->u.str.n == 10 && memcmp(v->u.str.s, vxr_torch_magic, 10) == 0;
}

static int is_protocol(const vxr_pv *v)
{
	return v->kind == VXR_PV_INT && v->u.i == 1001;
}

static int is_dict(const vxr_pv *v)
{
	return v->kind == VXR_PV_DICT;
}

/* Collects every storage the object's pickle declares, one per key. */
static vx_status legacy_storages(vxr_tensors *f, vxr_pickle *pk, legacy_ctx *c, vx_error *err)
{
	size_t n = 0;
	for (size_t i = 0; i < vxr_pickle_count(pk); i++)
		n += vxr_pickle_value(pk, i)->kind == VXR_PV_STORAGE;
	if (!(c->s = calloc(n + 1, sizeof *c->s)))
		return vx_fail(err, VX_ENOMEM, "%s: out of memory", f->priv->name);
	for (size_t i = 0; i < vxr_pickle_count(pk); i++) {
		const vxr_pv *v = vxr_pickle_value(pk, i);
		if (v->kind != VXR_PV_STORAGE)
			continue;
		legacy_storage s = { v->u.storage.key, v->u.storage.keylen, v->u.storage.type, v->u.storage.numel, 0, 0 };
		c->s[c->n++] = s;
	}
	qsort(c->s, c->n, sizeof *c->s, by_key);
	/* one key, one storage: the same key twice must agree */
	size_t u = 0;
	for (size_t i = 0; i < c->n; i++) {
		if (u > 0 && by_key(&c->s[u - 1], &c->s[i]) == 0) {
			if (c->s[u - 1].type != c->s[i].type || c->s[u - 1].numel != c->s[i].numel)
				return vx_fail(err, VX_EFORMAT, "%s: storage '%.*s' declared twice, differently", f->priv->name,
				               (int)c->s[i].keylen, (const char *)c->s[i].key);
			continue;
		}
		c->s[u++] = c->s[i];
	}
	c->n = u;
	return VX_OK;
}

/* The storages' data after the last pickle, in the order of the key list. */
static vx_status legacy_data(vxr_tensors *f, const vxr_pv *keys, size_t pos, legacy_ctx *c, vx_error *err)
{
	vxr_tensors_priv *p = f->priv;
	if (keys->kind != VXR_PV_LIST)
		return vx_fail(err, VX_EFORMAT, "%s: the last pickle is not the list of storage keys", p->name);
	for (size_t k = 0; k < keys->u.seq.n; k++) {
		const vxr_pv *key = keys->u.seq.v[k];
		legacy_storage *s = key->kind == VXR_PV_STR ? lookup(c, key->u.str.s, key->u.str.n) : NULL;
		if (!s)
			return vx_fail(err, VX_EFORMAT, "%s: storage key %zu names no storage of the pickle", p->name, k);
		if (s->found)
			return vx_fail(err, VX_EFORMAT, "%s: storage '%.*s' listed twice", p->name, (int)s->keylen,
			               (const char *)s->key);
		size_t itemsize;
		vxr_pickle_storage_dtype(s->type - VXR_G_STORAGE, &itemsize);
		if (p->len - pos < 8)
			return vx_fail(err, VX_EFORMAT, "%s: truncated before storage '%.*s'", p->name, (int)s->keylen,
			               (const char *)s->key);
		uint64_t numel = 0;
		for (int b = 7; b >= 0; b--)
			numel = numel << 8 | p->buf[pos + (size_t)b];
		pos += 8;
		if (numel != s->numel)
			return vx_fail(err, VX_EFORMAT, "%s: storage '%.*s' holds %llu elements, the pickle says %llu",
			               p->name, (int)s->keylen, (const char *)s->key, (unsigned long long)numel,
			               (unsigned long long)s->numel);
		if (numel > (p->len - pos) / itemsize)
			return vx_fail(err, VX_EFORMAT, "%s: truncated in storage '%.*s' (%llu elements of %zu bytes)",
			               p->name, (int)s->keylen, (const char *)s->key, (unsigned long long)numel, itemsize);
		s->start = pos;
		s->found = 1;
		pos += (size_t)numel * itemsize;
	}
	for (size_t i = 0; i < c->n; i++)
		if (!c->s[i].found)
			return vx_fail(err, VX_EFORMAT, "%s: storage '%.*s' has no data", p->name, (int)c->s[i].keylen,
			               (const char *)c->s[i].key);
	if (pos != p->len)
		return vx_fail(err, VX_EFORMAT, "%s: %zu bytes after the last storage", p->name, p->len - pos);
	return VX_OK;
}

vx_status vxr_torch_legacy_list(vxr_tensors *f, vx_error *err)
{
	size_t pos = 0;
	vx_status st;
	if ((st = preamble(f, &pos, "magic number", is_magic, err)) != VX_OK ||
	    (st = preamble(f, &pos, "protocol version", is_protocol, err)) != VX_OK ||
	    (st = preamble(f, &pos, "system information", is_dict, err)) != VX_OK)
		return st;
	vxr_pickle *obj = NULL, *keys = NULL;
	legacy_ctx c = { f, NULL, 0 };
	char label[VXR_TENSOR_MAX_NAME + 16];
	snprintf(label, sizeof label, "%s", f->priv->name);
	if ((st = vxr_pickle_run(f->priv->buf, f->priv->len, &pos, label, &obj, err)) == VX_OK &&
	    (st = vxr_pickle_run(f->priv->buf, f->priv->len, &pos, label, &keys, err)) == VX_OK &&
	    (st = legacy_storages(f, obj, &c, err)) == VX_OK &&
	    (st = legacy_data(f, vxr_pickle_root(keys), pos, &c, err)) == VX_OK)
		st = list_named(f, obj, legacy_where, &c, err);
	free(c.s);
	vxr_pickle_free(obj);
	vxr_pickle_free(keys);
	return st;
}
