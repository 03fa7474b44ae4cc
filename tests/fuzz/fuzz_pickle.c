/*
 * fuzz_pickle.c — the allow-listed pickle interpreter (report/load/pickle.h)
 * and torch.save's legacy layout built on it, under fuzzing.
 *
 * Three checks per input.  (1) The bytes as consecutive pickles, as the
 * legacy layout holds them: each run either succeeds, leaving the position
 * after its STOP, with every tensor it names well formed, or fails with one
 * line and the position untouched.  (2) The bytes as a whole legacy file
 * through vxr_tensors_parse: a list whose every tensor reads, or one line.
 * (3) The bytes drive a writer of VALID pickles as torch.save writes them
 * (protocol 2 or 4: GLOBAL or STACK_GLOBAL, BINPUT or MEMOIZE, memo reuse,
 * nested dicts and lists, any storage type, shape, stride and offset), and
 * the tensors found must be exactly those written, in order, with their
 * names: a wrong name or stride would be a wrong weight read as right.
 */
#include "report/load/pickle.h"
#include "report/load/tensors.h"
#include "tests/fuzz/fuzz_load.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_INIT_GSL()

/* ---- (1) and (2): the bytes as they are ---- */

static void check_named(const vxr_pickle_named *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(v[i].name);
		FUZZ_CHECK(len > 0 && len <= VXR_TENSOR_MAX_NAME, "tensor name of %zu bytes", len);
		const vxr_pv *t = v[i].tensor;
		FUZZ_CHECK(t->kind == VXR_PV_TENSOR, "named value of kind %d", (int)t->kind);
		FUZZ_CHECK(t->u.tensor->ndim <= VXR_TENSOR_MAX_DIMS, "ndim %zu", t->u.tensor->ndim);
		const vxr_pv *s = t->u.tensor->storage;
		FUZZ_CHECK(s->kind == VXR_PV_STORAGE, "tensor on a value of kind %d", (int)s->kind);
		FUZZ_CHECK(vxr_pickle_storage_dtype(s->u.storage.type - VXR_G_STORAGE, NULL) != NULL, "storage type %d",
		           s->u.storage.type);
		FUZZ_CHECK(s->u.storage.view_offset + s->u.storage.view_numel <= s->u.storage.numel, "view outside");
	}
}

static void raw(const uint8_t *d, size_t n)
{
	size_t pos = 0;
	for (int k = 0; k < 6 && pos < n; k++) {
		vxr_pickle *p = NULL;
		vx_error err = { 0 };
		size_t before = pos;
		vx_status st = vxr_pickle_run(d, n, &pos, "fuzz.pkl", &p, &err);
		if (st != VX_OK) {
			fuzz_check_error(st, &err);
			FUZZ_CHECK(p == NULL && pos == before, "failure returned a pickle or moved");
			break;
		}
		FUZZ_CHECK(pos > before && pos <= n && vxr_pickle_root(p), "run ended at %zu of %zu", pos, n);
		vxr_pickle_named *named = NULL;
		size_t nn = 0;
		st = vxr_pickle_tensors(p, &named, &nn, &err);
		if (st != VX_OK)
			fuzz_check_error(st, &err);
		else
			check_named(named, nn);
		for (size_t i = 0; i < nn; i++)
			free(named[i].name);
		free(named);
		vxr_pickle_free(p);
	}

	fuzz_tensors(d, n, "fuzz.pt");
}

/* ---- (3): valid pickles as torch.save writes them ---- */

typedef struct {
	unsigned char *p;
	size_t n, cap;
	int p4;                /* protocol 4 forms */
	size_t memo;           /* entries memoised so far */
	long g_od, g_rebuild;  /* memo index of each global once written, or -1 */
	long g_storage[12];
} pk_t;

static void put(pk_t *b, const void *src, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 256;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	memcpy(b->p + b->n, src, n);
	b->n += n;
}

static void op(pk_t *b, unsigned char c)
{
	put(b, &c, 1);
}

static void le(pk_t *b, uint64_t v, size_t w)
{
	for (size_t i = 0; i < w; i++)
		op(b, (unsigned char)(v >> (8 * i)));
}

static void memoise(pk_t *b)
{
	if (b->p4) {
		op(b, 0x94);
	} else if (b->memo < 256) {
		op(b, 'q');
		op(b, (unsigned char)b->memo);
	} else {
		op(b, 'r');
		le(b, b->memo, 4);
	}
	b->memo++;
}

static void str(pk_t *b, const char *s)
{
	size_t n = strlen(s);
	if (b->p4 && n < 256) {
		op(b, 0x8c);
		op(b, (unsigned char)n);
	} else {
		op(b, 'X');
		le(b, n, 4);
	}
	put(b, s, n);
}

static void integer(pk_t *b, uint64_t v)
{
	if (v < 256) {
		op(b, 'K');
		op(b, (unsigned char)v);
	} else if (v < 65536) {
		op(b, 'M');
		le(b, v, 2);
	} else if (v < (1u << 31)) {
		op(b, 'J');
		le(b, v, 4);
	} else {
		op(b, 0x8a);
		op(b, 8);
		le(b, v, 8);
	}
}

/* A global, memoised the first time and fetched from the memo after. */
static void global(pk_t *b, long *slot, const char *mod, const char *name)
{
	if (*slot >= 0) {
		if (*slot < 256) {
			op(b, 'h');
			op(b, (unsigned char)*slot);
		} else {
			op(b, 'j');
			le(b, (uint64_t)*slot, 4);
		}
		return;
	}
	if (b->p4) {
		str(b, mod);
		str(b, name);
		op(b, 0x93);
	} else {
		op(b, 'c');
		put(b, mod, strlen(mod));
		op(b, '\n');
		put(b, name, strlen(name));
		op(b, '\n');
	}
	*slot = (long)b->memo;
	memoise(b);
}

static void tuple_of(pk_t *b, const uint64_t *v, size_t n)
{
	if (n == 0) {
		op(b, ')');
		return;
	}
	if (n > 3)
		op(b, '(');
	for (size_t i = 0; i < n; i++)
		integer(b, v[i]);
	op(b, n > 3 ? 't' : (unsigned char)(0x84 + n));
}

static void ordered_dict(pk_t *b)
{
	global(b, &b->g_od, "collections", "OrderedDict");
	op(b, ')');
	op(b, 'R');
}

static const char *const storage_types[12] = { "DoubleStorage", "FloatStorage", "HalfStorage", "BFloat16Storage",
	                                            "LongStorage", "IntStorage", "ShortStorage", "CharStorage",
	                                            "ByteStorage", "BoolStorage", "ComplexDoubleStorage",
	                                            "ComplexFloatStorage" };

typedef struct {
	char name[64];
	int type;
	uint64_t numel, offset;
	size_t ndim;
	uint64_t shape[4], stride[4];
} want_t;

static void tensor(pk_t *b, const want_t *w, unsigned key)
{
	global(b, &b->g_rebuild, "torch._utils", "_rebuild_tensor_v2");
	op(b, '(');
	op(b, '(');
	str(b, "storage");
	global(b, &b->g_storage[w->type], "torch", storage_types[w->type]);
	char k[24];
	snprintf(k, sizeof k, "%u", key);
	str(b, k);
	str(b, "cpu");
	integer(b, w->numel);
	op(b, 't');
	op(b, 'Q');
	integer(b, w->offset);
	tuple_of(b, w->shape, w->ndim);
	tuple_of(b, w->stride, w->ndim);
	op(b, 0x89);
	ordered_dict(b);
	op(b, 't');
	op(b, 'R');
	memoise(b);
}

static void generated(const uint8_t *d, size_t n)
{
	static const char *const params[] = { "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l1",
		                                  "weight_hh_l0_reverse", "exp_avg", "0", "running_mean" };
	static const char *const prefixes[] = { "", "rnn", "model", "module.encoder.lstm" };
	size_t i = 0;
	pk_t b = { 0 };
	b.g_od = b.g_rebuild = -1;
	for (int k = 0; k < 12; k++)
		b.g_storage[k] = -1;
	unsigned c = fuzz_next(d, n, &i);
	b.p4 = c & 1;
	int nested = (c >> 1) & 1, as_list = (c >> 2) & 1;
	size_t nt = 1 + (c >> 3) % 6;
	want_t w[6];
	const char *outer = prefixes[fuzz_next(d, n, &i) % 4];
	for (size_t t = 0; t < nt; t++) {
		memset(&w[t], 0, sizeof w[t]);
		w[t].type = (int)(fuzz_next(d, n, &i) % 12);
		w[t].ndim = fuzz_next(d, n, &i) % 5;
		w[t].offset = fuzz_next(d, n, &i) % 7;
		uint64_t reach = w[t].offset + 1;
		for (size_t a = 0; a < w[t].ndim; a++) {
			w[t].shape[a] = fuzz_next(d, n, &i) % 6;
			w[t].stride[a] = fuzz_next(d, n, &i) % 9;
			reach += w[t].shape[a] * w[t].stride[a];
		}
		w[t].numel = reach + fuzz_next(d, n, &i) % 4;
		snprintf(w[t].name, sizeof w[t].name, "%s", params[fuzz_next(d, n, &i) % 8]);
	}

	op(&b, 0x80);
	op(&b, b.p4 ? 4 : 2);
	if (nested) { /* {outer: {...}} or {outer: [...]} */
		op(&b, '}');
		memoise(&b);
		str(&b, outer[0] ? outer : "state");
		memoise(&b);
	}
	if (as_list) {
		op(&b, ']');
		memoise(&b);
		op(&b, '(');
		for (size_t t = 0; t < nt; t++)
			tensor(&b, &w[t], (unsigned)t);
		op(&b, 'e');
	} else {
		ordered_dict(&b);
		memoise(&b);
		op(&b, '(');
		for (size_t t = 0; t < nt; t++) {
			char key[80];
			snprintf(key, sizeof key, "%s%zu", w[t].name, t); /* unique keys */
			str(&b, key);
			memoise(&b);
			tensor(&b, &w[t], (unsigned)t);
		}
		op(&b, 'u');
	}
	if (nested)
		op(&b, 's');
	op(&b, '.');

	size_t pos = 0;
	vxr_pickle *p = NULL;
	vx_error err = { 0 };
	vx_status st = vxr_pickle_run(b.p, b.n, &pos, "gen.pkl", &p, &err);
	FUZZ_CHECK(st == VX_OK, "valid pickle (protocol %d, %zu tensors) refused: %s", b.p4 ? 4 : 2, nt, err.msg);
	FUZZ_CHECK(pos == b.n, "stopped at %zu of %zu", pos, b.n);
	vxr_pickle_named *named = NULL;
	size_t nn = 0;
	st = vxr_pickle_tensors(p, &named, &nn, &err);
	FUZZ_CHECK(st == VX_OK && nn == nt, "%zu tensors found of %zu: %s", nn, nt, err.msg);
	for (size_t t = 0; t < nt; t++) {
		char want[256];
		const char *top = nested ? (outer[0] ? outer : "state") : NULL;
		if (as_list)
			snprintf(want, sizeof want, "%s%s%zu", top ? top : "", top ? "." : "", t);
		else
			snprintf(want, sizeof want, "%s%s%.64s%zu", top ? top : "", top ? "." : "", w[t].name, t);
		const vxr_pv_tensor *g = named[t].tensor->u.tensor;
		const vxr_pv *s = g->storage;
		FUZZ_CHECK(strcmp(named[t].name, want) == 0, "tensor %zu named %s, written as %s", t, named[t].name, want);
		char key[24];
		snprintf(key, sizeof key, "%zu", t);
		FUZZ_CHECK(s->u.storage.type == VXR_G_STORAGE + w[t].type && s->u.storage.numel == w[t].numel &&
		           s->u.storage.keylen == strlen(key) && memcmp(s->u.storage.key, key, strlen(key)) == 0,
		           "%s: storage type %d numel %llu", want, s->u.storage.type,
		           (unsigned long long)s->u.storage.numel);
		FUZZ_CHECK(g->offset == w[t].offset && g->ndim == w[t].ndim, "%s: offset %llu ndim %zu", want,
		           (unsigned long long)g->offset, g->ndim);
		for (size_t a = 0; a < w[t].ndim; a++)
			FUZZ_CHECK(g->shape[a] == w[t].shape[a] && g->stride[a] == w[t].stride[a],
			           "%s: dim %zu: %llu/%llu, written %llu/%llu", want, a, (unsigned long long)g->shape[a],
			           (unsigned long long)g->stride[a], (unsigned long long)w[t].shape[a],
			           (unsigned long long)w[t].stride[a]);
	}
	for (size_t t = 0; t < nn; t++)
		free(named[t].name);
	free(named);
	vxr_pickle_free(p);
	free(b.p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	raw(data, size);
	if (size > 0)
		generated(data, size);
	return 0;
}
