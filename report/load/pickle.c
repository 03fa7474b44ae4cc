/*
 * pickle.c — the allow-listed pickle interpreter (see pickle.h).
 *
 * The machine: a value stack, a stack of MARK positions and the memo, as in
 * Python's pickle.py, over an arena of values.  Each opcode reads its
 * operands after checking that they are inside the buffer; values are
 * created only by opcodes, so their number (capped at PK_MAX_VALUES) and the
 * stack's grow at most linearly with the input, and the memo's index may not
 * run ahead of the opcodes read.  A global resolves to a small integer from
 * the allow-list or stops the run; REDUCE builds a dict, a tensor or passes
 * a parameter's tensor through, and nothing else.
 */
#include "report/load/pickle.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Most values one pickle may build: 2 Mi, some 80 000 tensors' worth (a
 * state-dict entry takes about 25).  The stack, the open MARKs and the items
 * of all containers together are held to twice that: memory stays within
 * some 100 MB whatever the input (a value is 48 bytes, a reference 8). */
#define PK_MAX_VALUES (1u << 21)
#define PK_MAX_REFS (2u * PK_MAX_VALUES)
/* Nesting of containers walked for tensors (checkpoints use < 10). */
#define PK_MAX_DEPTH 64
#define PK_BLOCK 256
/* A GLOBAL's module and name, each. */
#define PK_MAX_GLOBAL 256

struct vxr_pickle {
	vxr_pv **blocks;     /* arena: blocks of PK_BLOCK values */
	size_t nblocks, cap, used;
	size_t nvalues;
	vxr_pv *root;
	char *name;          /* for messages */
};

/* ---------------------------------------------------------- allow-list */

static const struct {
	const char *module, *name;
	int id;
} allowed[] = {
	{ "collections", "OrderedDict", VXR_G_ORDERED_DICT },
	{ "torch._utils", "_rebuild_tensor_v2", VXR_G_REBUILD_TENSOR_V2 },
	{ "torch._utils", "_rebuild_parameter", VXR_G_REBUILD_PARAMETER },
};

/* torch.<type>Storage in VXR_G_STORAGE order, with the dtype each holds. */
static const struct {
	const char *type, *dtype;
	size_t itemsize;
} storages[] = {
	{ "DoubleStorage", "float64", 8 },  { "FloatStorage", "float32", 4 },
	{ "HalfStorage", "float16", 2 },    { "BFloat16Storage", "bfloat16", 2 },
	{ "LongStorage", "int64", 8 },      { "IntStorage", "int32", 4 },
	{ "ShortStorage", "int16", 2 },     { "CharStorage", "int8", 1 },
	{ "ByteStorage", "uint8", 1 },      { "BoolStorage", "bool", 1 },
	{ "ComplexDoubleStorage", "complex128", 16 }, { "ComplexFloatStorage", "complex64", 8 },
};

const char *vxr_pickle_storage_dtype(int k, size_t *itemsize)
{
	if (k < 0 || (size_t)k >= sizeof storages / sizeof storages[0])
		return NULL;
	if (itemsize)
		*itemsize = storages[k].itemsize;
	return storages[k].dtype;
}

/* Opcodes known to Python's pickle that this interpreter refuses, named. */
static const char *refused_opcode(unsigned char op)
{
	switch (op) {
	case 'I': return "INT (protocol 0)";
	case 'L': return "LONG (protocol 0)";
	case 'F': return "FLOAT (protocol 0)";
	case 'S': return "STRING (protocol 0)";
	case 'T': return "BINSTRING (Python 2)";
	case 'U': return "SHORT_BINSTRING (Python 2)";
	case 'V': return "UNICODE (protocol 0)";
	case 'P': return "PERSID (protocol 0)";
	case 'g': return "GET (protocol 0)";
	case 'p': return "PUT (protocol 0)";
	case 'd': return "DICT";
	case 'l': return "LIST";
	case 'i': return "INST (builds an object of any class)";
	case 'o': return "OBJ (builds an object of any class)";
	case 0x81: return "NEWOBJ (builds an object of any class)";
	case 0x92: return "NEWOBJ_EX (builds an object of any class)";
	case 0x82: case 0x83: case 0x84: return "EXT (the extension registry)";
	case '2': return "DUP";
	case 0x8f: return "EMPTY_SET";
	case 0x90: return "ADDITEMS";
	case 0x91: return "FROZENSET";
	case 0x96: return "BYTEARRAY8";
	case 0x97: return "NEXT_BUFFER";
	case 0x98: return "READONLY_BUFFER";
	default: return NULL;
	}
}

/* ------------------------------------------------------------- machine */

typedef struct {
	vxr_pickle *pk;
	const unsigned char *b;
	size_t len, pos, at;     /* at: where the current opcode starts */
	const char *name;
	vx_error *err;
	vx_status st;
	vxr_pv **stack;
	size_t sp, scap;
	size_t *marks;
	size_t nmarks, mcap;
	vxr_pv **memo;
	size_t memo_cap, memo_len;
	size_t refs;             /* stack slots, MARKs and container items made */
} vm;

/* Records the first failure, "NAME: pickle byte N: detail", and returns it. */
static vx_status fail(vm *m, vx_status st, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static vx_status fail(vm *m, vx_status st, const char *fmt, ...)
{
	if (m->st != VX_OK)
		return m->st;
	char detail[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	m->st = vx_fail(m->err, st, "%s: pickle byte %zu: %s", m->name, m->at, detail);
	return m->st;
}

static vxr_pv *new_value(vm *m, vxr_pv_kind kind)
{
	vxr_pickle *p = m->pk;
	if (p->nvalues >= PK_MAX_VALUES) {
		fail(m, VX_ETOOBIG, "more than %u values", PK_MAX_VALUES);
		return NULL;
	}
	if (p->nblocks == 0 || p->used == PK_BLOCK) {
		if (p->nblocks == p->cap) {
			size_t nc = p->cap ? 2 * p->cap : 16;
			vxr_pv **nb = realloc(p->blocks, nc * sizeof *nb);
			if (!nb) {
				fail(m, VX_ENOMEM, "out of memory");
				return NULL;
			}
			p->blocks = nb;
			p->cap = nc;
		}
		if (!(p->blocks[p->nblocks] = malloc(PK_BLOCK * sizeof(vxr_pv)))) {
			fail(m, VX_ENOMEM, "out of memory");
			return NULL;
		}
		p->nblocks++;
		p->used = 0;
	}
	vxr_pv *v = &p->blocks[p->nblocks - 1][p->used++];
	p->nvalues++;
	memset(v, 0, sizeof *v);
	v->kind = kind;
	return v;
}

/* Counts one more reference held, against PK_MAX_REFS. */
static int ref(vm *m)
{
	if (++m->refs > PK_MAX_REFS) {
		fail(m, VX_ETOOBIG, "more than %u stack entries and container items", PK_MAX_REFS);
		return 0;
	}
	return 1;
}

static vx_status push(vm *m, vxr_pv *v)
{
	if (!v || !ref(m))
		return m->st;
	if (m->sp == m->scap) {
		size_t nc = m->scap ? 2 * m->scap : 64;
		vxr_pv **ns = realloc(m->stack, nc * sizeof *ns);
		if (!ns)
			return fail(m, VX_ENOMEM, "out of memory");
		m->stack = ns;
		m->scap = nc;
	}
	m->stack[m->sp++] = v;
	return VX_OK;
}

/* The values above the innermost MARK begin at the mark's position; the
 * values below it may not be popped while it is open. */
static size_t floor_of(const vm *m)
{
	return m->nmarks ? m->marks[m->nmarks - 1] : 0;
}

static vxr_pv *pop(vm *m)
{
	if (m->sp <= floor_of(m)) {
		fail(m, VX_EFORMAT, "stack underflow");
		return NULL;
	}
	return m->stack[--m->sp];
}

static vxr_pv *top(vm *m)
{
	if (m->sp <= floor_of(m)) {
		fail(m, VX_EFORMAT, "stack underflow");
		return NULL;
	}
	return m->stack[m->sp - 1];
}

/* Closes the innermost MARK: *k is where its values begin. */
static vx_status pop_mark(vm *m, size_t *k)
{
	if (m->nmarks == 0)
		return fail(m, VX_EFORMAT, "no MARK to close");
	*k = m->marks[--m->nmarks];
	return VX_OK;
}

static vx_status append_item(vm *m, vxr_pv *seq, vxr_pv *v)
{
	if (!ref(m))
		return m->st;
	if (seq->u.seq.n == seq->u.seq.cap) {
		size_t nc = seq->u.seq.cap ? 2 * seq->u.seq.cap : 4;
		vxr_pv **nv = realloc(seq->u.seq.v, nc * sizeof *nv);
		if (!nv)
			return fail(m, VX_ENOMEM, "out of memory");
		seq->u.seq.v = nv;
		seq->u.seq.cap = nc;
	}
	seq->u.seq.v[seq->u.seq.n++] = v;
	return VX_OK;
}

/* A tuple of stack[k..sp), which is then emptied down to k. */
static vx_status make_tuple(vm *m, size_t k)
{
	vxr_pv *t = new_value(m, VXR_PV_TUPLE);
	if (!t)
		return m->st;
	for (size_t i = k; i < m->sp; i++)
		if (append_item(m, t, m->stack[i]) != VX_OK)
			return m->st;
	m->sp = k;
	return push(m, t);
}

static int need(vm *m, size_t n)
{
	if (m->len - m->pos < n) {
		fail(m, VX_EFORMAT, "truncated: %zu bytes of operand needed, %zu left", n, m->len - m->pos);
		return 0;
	}
	return 1;
}

static uint64_t le(const unsigned char *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

/* A little-endian operand of w bytes into *v; 0 (and the failure recorded)
 * when the pickle ends first. */
static int operand(vm *m, size_t w, uint64_t *v)
{
	if (!need(m, w))
		return 0;
	*v = le(m->b + m->pos, w);
	m->pos += w;
	return 1;
}

/* A length-prefixed string or bytes (w = width of the length). */
static vx_status text(vm *m, size_t w, vxr_pv_kind kind)
{
	uint64_t n;
	if (!operand(m, w, &n))
		return m->st;
	if (n > m->len - m->pos)
		return fail(m, VX_EFORMAT, "truncated: a string of %llu bytes, %zu left", (unsigned long long)n,
		            m->len - m->pos);
	vxr_pv *v = new_value(m, kind);
	if (!v)
		return m->st;
	v->u.str.s = m->b + m->pos;
	v->u.str.n = (size_t)n;
	m->pos += (size_t)n;
	return push(m, v);
}

static vx_status integer(vm *m, int64_t x)
{
	vxr_pv *v = new_value(m, VXR_PV_INT);
	if (!v)
		return m->st;
	v->u.i = x;
	return push(m, v);
}

/* LONG1 / LONG4: n bytes of little-endian two's complement. */
static vx_status long_int(vm *m, size_t w)
{
	uint64_t n;
	if (!operand(m, w, &n))
		return m->st;
	if (w == 4 && n >= (uint64_t)1 << 31)
		return fail(m, VX_EFORMAT, "LONG4 with a negative length");
	if (n > m->len - m->pos)
		return fail(m, VX_EFORMAT, "truncated: an integer of %llu bytes, %zu left", (unsigned long long)n,
		            m->len - m->pos);
	const unsigned char *p = m->b + m->pos;
	m->pos += (size_t)n;
	if (n > 8) {
		vxr_pv *v = new_value(m, VXR_PV_BIGINT);
		if (!v)
			return m->st;
		v->u.str.s = p;
		v->u.str.n = (size_t)n;
		return push(m, v);
	}
	uint64_t u = le(p, (size_t)n);
	if (n > 0 && n < 8 && (p[n - 1] & 0x80))
		u |= ~(uint64_t)0 << (8 * n); /* sign-extend */
	int64_t x;
	memcpy(&x, &u, sizeof x);
	return integer(m, x);
}

static vx_status memo_put(vm *m, size_t idx)
{
	vxr_pv *v = top(m);
	if (!v)
		return m->st;
	/* A pickler numbers its memo from 0 upwards, at most one entry per
	 * value, so an index beyond the values built so far is forged (and
	 * would make the memo's array as large as the number says). */
	if (idx > m->pk->nvalues)
		return fail(m, VX_EFORMAT, "memo index %zu out of range", idx);
	if (idx >= m->memo_cap) {
		size_t nc = m->memo_cap ? m->memo_cap : 64;
		while (nc <= idx)
			nc *= 2;
		vxr_pv **nm = realloc(m->memo, nc * sizeof *nm);
		if (!nm)
			return fail(m, VX_ENOMEM, "out of memory");
		memset(nm + m->memo_cap, 0, (nc - m->memo_cap) * sizeof *nm);
		m->memo = nm;
		m->memo_cap = nc;
	}
	if (!m->memo[idx])
		m->memo_len++;
	m->memo[idx] = v;
	return VX_OK;
}

static vx_status memo_get(vm *m, size_t idx)
{
	if (idx >= m->memo_cap || !m->memo[idx])
		return fail(m, VX_EFORMAT, "memo index %zu read before it was set", idx);
	return push(m, m->memo[idx]);
}

/* Resolves module.name against the allow-list: a GLOBAL value or failure. */
static vx_status global(vm *m, const unsigned char *mod, size_t ml, const unsigned char *nm, size_t nl)
{
	int id = -1;
	for (size_t i = 0; i < sizeof allowed / sizeof allowed[0] && id < 0; i++)
		if (strlen(allowed[i].module) == ml && memcmp(allowed[i].module, mod, ml) == 0 &&
		    strlen(allowed[i].name) == nl && memcmp(allowed[i].name, nm, nl) == 0)
			id = allowed[i].id;
	if (ml == 5 && memcmp(mod, "torch", 5) == 0)
		for (size_t i = 0; i < sizeof storages / sizeof storages[0] && id < 0; i++)
			if (strlen(storages[i].type) == nl && memcmp(storages[i].type, nm, nl) == 0)
				id = VXR_G_STORAGE + (int)i;
	if (id < 0) {
		const char *hint = "";
		/* a class of the user's script, or one of torch's own modules
		 * (torch.save(nn.LSTM(...)) pickles torch.nn.modules.rnn.LSTM) */
		if ((ml >= 8 && memcmp(mod, "__main__", 8) == 0) ||
		    (ml >= 16 && memcmp(mod, "torch.nn.modules", 16) == 0))
			hint = " (a whole model object: save model.state_dict() instead)";
		else if (ml >= 5 && memcmp(mod, "numpy", 5) == 0)
			hint = " (a numpy value: save Python numbers or tensors instead)";
		else
			hint = " (an object saved beside the weights: save the state_dict alone, or a dict of them)";
		return fail(m, VX_EFORMAT,
		            "refused global '%.*s.%.*s'%s: only tensors, lists, tuples, dicts, numbers and strings are "
		            "read, "
		            "nothing is imported or executed",
		            (int)(ml > 80 ? 80 : ml), (const char *)mod, (int)(nl > 80 ? 80 : nl), (const char *)nm,
		            hint);
	}
	vxr_pv *v = new_value(m, VXR_PV_GLOBAL);
	if (!v)
		return m->st;
	v->u.global = id;
	return push(m, v);
}

/* One text line of a GLOBAL operand, without its '\n'. */
static int line(vm *m, const unsigned char **s, size_t *n)
{
	const unsigned char *p = m->b + m->pos;
	size_t left = m->len - m->pos, max = left < PK_MAX_GLOBAL + 1 ? left : PK_MAX_GLOBAL + 1;
	const unsigned char *nl = memchr(p, '\n', max);
	if (!nl) {
		fail(m, VX_EFORMAT, "GLOBAL operand without its newline within %d bytes", PK_MAX_GLOBAL);
		return 0;
	}
	*s = p;
	*n = (size_t)(nl - p);
	m->pos += *n + 1;
	return 1;
}

static int is_str(const vxr_pv *v, const char *s)
{
	size_t n = strlen(s);
	return v->kind == VXR_PV_STR && v->u.str.n == n && memcmp(v->u.str.s, s, n) == 0;
}

static int nonneg(const vxr_pv *v)
{
	return v->kind == VXR_PV_INT && v->u.i >= 0;
}

static const char *kind_name(const vxr_pv *v)
{
	static const char *const names[] = { "None", "bool", "int", "int", "float", "str", "bytes", "tuple",
	                                     "list", "dict", "global", "storage", "tensor" };
	return (unsigned)v->kind < sizeof names / sizeof names[0] ? names[v->kind] : "value";
}

/* A persistent id: ('storage', type, key, location, numel) as the zip layout
 * writes it, or with a sixth item, None or (view_key, offset, numel), as the
 * legacy layout does. */
static vx_status persistent(vm *m)
{
	vxr_pv *pid = pop(m);
	if (!pid)
		return m->st;
	if (pid->kind != VXR_PV_TUPLE || pid->u.seq.n < 1)
		return fail(m, VX_EFORMAT, "persistent id is a %s, expected a tuple", kind_name(pid));
	vxr_pv **a = pid->u.seq.v;
	size_t n = pid->u.seq.n;
	if (is_str(a[0], "module"))
		return fail(m, VX_EFORMAT, "a pickled nn.Module (torch.save of a whole model): save "
		                           "model.state_dict() instead");
	if (!is_str(a[0], "storage") || (n != 5 && n != 6))
		return fail(m, VX_EFORMAT, "persistent id is not ('storage', type, key, location, numel)");
	if (a[1]->kind != VXR_PV_GLOBAL || a[1]->u.global < VXR_G_STORAGE)
		return fail(m, VX_EFORMAT, "persistent id: storage type is a %s", kind_name(a[1]));
	if (a[2]->kind != VXR_PV_STR || a[2]->u.str.n == 0 || a[2]->u.str.n > 64)
		return fail(m, VX_EFORMAT, "persistent id: storage key is not a short string");
	/* torch writes decimal keys; anything else could name another member */
	for (size_t i = 0; i < a[2]->u.str.n; i++) {
		unsigned char c = a[2]->u.str.s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'))
			return fail(m, VX_EFORMAT, "persistent id: storage key has byte 0x%02x (accepted: letters, "
			            "digits, '_')", c);
	}
	if (a[3]->kind != VXR_PV_STR || !nonneg(a[4]))
		return fail(m, VX_EFORMAT, "persistent id: location or numel of the wrong type");
	vxr_pv *s = new_value(m, VXR_PV_STORAGE);
	if (!s)
		return m->st;
	s->u.storage.type = a[1]->u.global;
	s->u.storage.key = a[2]->u.str.s;
	s->u.storage.keylen = a[2]->u.str.n;
	s->u.storage.numel = (uint64_t)a[4]->u.i;
	s->u.storage.view_numel = s->u.storage.numel;
	if (n == 6 && a[5]->kind != VXR_PV_NONE) {
		vxr_pv *v = a[5];
		if (v->kind != VXR_PV_TUPLE || v->u.seq.n != 3 || v->u.seq.v[0]->kind != VXR_PV_STR ||
		    !nonneg(v->u.seq.v[1]) || !nonneg(v->u.seq.v[2]))
			return fail(m, VX_EFORMAT, "persistent id: view is not (key, offset, numel)");
		uint64_t off = (uint64_t)v->u.seq.v[1]->u.i, num = (uint64_t)v->u.seq.v[2]->u.i;
		if (off > s->u.storage.numel || num > s->u.storage.numel - off)
			return fail(m, VX_EFORMAT, "storage view [%llu, +%llu) outside its storage of %llu elements",
			            (unsigned long long)off, (unsigned long long)num,
			            (unsigned long long)s->u.storage.numel);
		s->u.storage.view_offset = off;
		s->u.storage.view_numel = num;
	}
	return push(m, s);
}

/* An int tuple of at most VXR_TENSOR_MAX_DIMS entries, each >= 0. */
static int dims(const vxr_pv *t, uint64_t *out, size_t *n)
{
	if (t->kind != VXR_PV_TUPLE || t->u.seq.n > VXR_TENSOR_MAX_DIMS)
		return 0;
	for (size_t i = 0; i < t->u.seq.n; i++) {
		if (!nonneg(t->u.seq.v[i]))
			return 0;
		out[i] = (uint64_t)t->u.seq.v[i]->u.i;
	}
	*n = t->u.seq.n;
	return 1;
}

static vx_status rebuild_tensor(vm *m, vxr_pv *args)
{
	vxr_pv **a = args->u.seq.v;
	size_t n = args->u.seq.n;
	if (n != 6 && n != 7)
		return fail(m, VX_EFORMAT, "_rebuild_tensor_v2 with %zu arguments (expected 6 or 7)", n);
	if (a[0]->kind != VXR_PV_STORAGE)
		return fail(m, VX_EFORMAT, "_rebuild_tensor_v2: storage is a %s", kind_name(a[0]));
	if (!nonneg(a[1]))
		return fail(m, VX_EFORMAT, "_rebuild_tensor_v2: storage offset is not an int >= 0");
	vxr_pv_tensor *t = calloc(1, sizeof *t);
	if (!t)
		return fail(m, VX_ENOMEM, "out of memory");
	vxr_pv *v = new_value(m, VXR_PV_TENSOR);
	if (!v) {
		free(t);
		return m->st;
	}
	v->u.tensor = t; /* owned by the arena from here on */
	size_t ns = 0, nst = 0;
	if (!dims(a[2], t->shape, &ns) || !dims(a[3], t->stride, &nst) || ns != nst)
		return fail(m, VX_EFORMAT, "_rebuild_tensor_v2: size and stride are not two int tuples of one "
		                           "length, at most %d", VXR_TENSOR_MAX_DIMS);
	if (a[4]->kind != VXR_PV_BOOL || (a[5]->kind != VXR_PV_DICT && a[5]->kind != VXR_PV_NONE))
		return fail(m, VX_EFORMAT, "_rebuild_tensor_v2: requires_grad or hooks of the wrong type");
	if (n == 7 && !(a[6]->kind == VXR_PV_DICT && a[6]->u.seq.n == 0) && a[6]->kind != VXR_PV_NONE)
		return fail(m, VX_EFORMAT, "_rebuild_tensor_v2: tensor metadata not supported");
	t->storage = a[0];
	t->offset = (uint64_t)a[1]->u.i;
	t->ndim = ns;
	return push(m, v);
}

static vx_status reduce(vm *m)
{
	vxr_pv *args = pop(m), *fn = args ? pop(m) : NULL;
	if (!fn)
		return m->st;
	if (args->kind != VXR_PV_TUPLE)
		return fail(m, VX_EFORMAT, "REDUCE with arguments of type %s", kind_name(args));
	if (fn->kind != VXR_PV_GLOBAL)
		return fail(m, VX_EFORMAT, "REDUCE calls a %s", kind_name(fn));
	switch (fn->u.global) {
	case VXR_G_ORDERED_DICT:
		if (args->u.seq.n != 0)
			return fail(m, VX_EFORMAT, "OrderedDict called with arguments");
		return push(m, new_value(m, VXR_PV_DICT));
	case VXR_G_REBUILD_TENSOR_V2:
		return rebuild_tensor(m, args);
	case VXR_G_REBUILD_PARAMETER:
		if (args->u.seq.n != 3 || args->u.seq.v[0]->kind != VXR_PV_TENSOR)
			return fail(m, VX_EFORMAT, "_rebuild_parameter: expected (tensor, requires_grad, hooks)");
		return push(m, args->u.seq.v[0]);
	default:
		return fail(m, VX_EFORMAT, "torch.%s called: a storage type is only read inside a persistent id",
		            storages[fn->u.global - VXR_G_STORAGE].type);
	}
}

/* The items of the innermost MARK appended to the container below it. */
static vx_status extend(vm *m, vxr_pv_kind want, const char *op)
{
	size_t k = 0;
	if (pop_mark(m, &k) != VX_OK)
		return m->st;
	if (k == 0 || k <= floor_of(m))
		return fail(m, VX_EFORMAT, "%s without a container below its MARK", op);
	vxr_pv *c = m->stack[k - 1];
	if (c->kind != want)
		return fail(m, VX_EFORMAT, "%s on a %s", op, kind_name(c));
	if (want == VXR_PV_DICT && (m->sp - k) % 2)
		return fail(m, VX_EFORMAT, "%s with an odd number of items", op);
	for (size_t i = k; i < m->sp; i++)
		if (append_item(m, c, m->stack[i]) != VX_OK)
			return m->st;
	m->sp = k;
	return VX_OK;
}

/* One opcode; *done when it was STOP. */
static vx_status step(vm *m, int *done)
{
	const unsigned char *b = m->b;
	if (m->pos >= m->len)
		return fail(m, VX_EFORMAT, "ends before its STOP opcode (truncated)");
	m->at = m->pos;
	unsigned char op = b[m->pos++];
	vxr_pv *v, *k, *c;
	size_t mk = 0;
	uint64_t u;
	switch (op) {
	case 0x80: /* PROTO */
		if (!need(m, 1))
			return m->st;
		if (b[m->pos] < 2 || b[m->pos] > 5)
			return fail(m, VX_EFORMAT, "pickle protocol %u (accepted: 2 to 5)", b[m->pos]);
		m->pos++;
		return VX_OK;
	case 0x95: /* FRAME: a length, then ordinary opcodes */
		if (!need(m, 8))
			return m->st;
		if (le(b + m->pos, 8) > m->len - m->pos - 8)
			return fail(m, VX_EFORMAT, "FRAME longer than the data left");
		m->pos += 8;
		return VX_OK;
	case '.': /* STOP */
		if (m->nmarks || m->sp != 1)
			return fail(m, VX_EFORMAT, "STOP with %zu values and %zu open MARKs (expected 1 and 0)", m->sp,
			            m->nmarks);
		m->pk->root = m->stack[0];
		*done = 1;
		return VX_OK;
	case '(': /* MARK */
		if (!ref(m))
			return m->st;
		if (m->nmarks == m->mcap) {
			size_t nc = m->mcap ? 2 * m->mcap : 16;
			size_t *nm = realloc(m->marks, nc * sizeof *nm);
			if (!nm)
				return fail(m, VX_ENOMEM, "out of memory");
			m->marks = nm;
			m->mcap = nc;
		}
		m->marks[m->nmarks++] = m->sp;
		return VX_OK;
	case '}': return push(m, new_value(m, VXR_PV_DICT));
	case ']': return push(m, new_value(m, VXR_PV_LIST));
	case ')': return push(m, new_value(m, VXR_PV_TUPLE));
	case 't': /* TUPLE */
		if (pop_mark(m, &mk) != VX_OK)
			return m->st;
		return make_tuple(m, mk);
	case 0x85: case 0x86: case 0x87: /* TUPLE1..3 */
		if (m->sp < floor_of(m) + (size_t)(op - 0x84))
			return fail(m, VX_EFORMAT, "stack underflow");
		return make_tuple(m, m->sp - (size_t)(op - 0x84));
	case 'X': return text(m, 4, VXR_PV_STR);      /* BINUNICODE */
	case 0x8c: return text(m, 1, VXR_PV_STR);     /* SHORT_BINUNICODE */
	case 0x8d: return text(m, 8, VXR_PV_STR);     /* BINUNICODE8 */
	case 'B': return text(m, 4, VXR_PV_BYTES);    /* BINBYTES */
	case 'C': return text(m, 1, VXR_PV_BYTES);    /* SHORT_BINBYTES */
	case 0x8e: return text(m, 8, VXR_PV_BYTES);   /* BINBYTES8 */
	case 'J': /* BININT: 4 bytes, signed */
		return operand(m, 4, &u) ? integer(m, (int32_t)(uint32_t)u) : m->st;
	case 'K': /* BININT1 */
		return operand(m, 1, &u) ? integer(m, (int64_t)u) : m->st;
	case 'M': /* BININT2 */
		return operand(m, 2, &u) ? integer(m, (int64_t)u) : m->st;
	case 0x8a: return long_int(m, 1); /* LONG1 */
	case 0x8b: return long_int(m, 4); /* LONG4 */
	case 'G': /* BINFLOAT: big-endian */
		if (!need(m, 8))
			return m->st;
		u = 0;
		for (int i = 0; i < 8; i++)
			u = u << 8 | b[m->pos + (size_t)i];
		m->pos += 8;
		if (!(v = new_value(m, VXR_PV_FLOAT)))
			return m->st;
		memcpy(&v->u.f, &u, sizeof u);
		return push(m, v);
	case 0x88: case 0x89: /* NEWTRUE, NEWFALSE */
		if (!(v = new_value(m, VXR_PV_BOOL)))
			return m->st;
		v->u.i = op == 0x88;
		return push(m, v);
	case 'N': return push(m, new_value(m, VXR_PV_NONE));
	case 'q': /* BINPUT */
		return operand(m, 1, &u) ? memo_put(m, (size_t)u) : m->st;
	case 'r': /* LONG_BINPUT */
		return operand(m, 4, &u) ? memo_put(m, (size_t)u) : m->st;
	case 0x94: return memo_put(m, m->memo_len); /* MEMOIZE */
	case 'h': /* BINGET */
		return operand(m, 1, &u) ? memo_get(m, (size_t)u) : m->st;
	case 'j': /* LONG_BINGET */
		return operand(m, 4, &u) ? memo_get(m, (size_t)u) : m->st;
	case 's': /* SETITEM */
		if (!(v = pop(m)) || !(k = pop(m)) || !(c = top(m)))
			return m->st;
		if (c->kind != VXR_PV_DICT)
			return fail(m, VX_EFORMAT, "SETITEM on a %s", kind_name(c));
		if (append_item(m, c, k) != VX_OK)
			return m->st;
		return append_item(m, c, v);
	case 'u': return extend(m, VXR_PV_DICT, "SETITEMS");
	case 'a': /* APPEND */
		if (!(v = pop(m)) || !(c = top(m)))
			return m->st;
		if (c->kind != VXR_PV_LIST)
			return fail(m, VX_EFORMAT, "APPEND on a %s", kind_name(c));
		return append_item(m, c, v);
	case 'e': return extend(m, VXR_PV_LIST, "APPENDS");
	case 'c': { /* GLOBAL: "module\nname\n" */
		const unsigned char *mod, *nm;
		size_t ml, nl;
		if (!line(m, &mod, &ml) || !line(m, &nm, &nl))
			return m->st;
		return global(m, mod, ml, nm, nl);
	}
	case 0x93: /* STACK_GLOBAL */
		if (!(v = pop(m)) || !(k = pop(m)))
			return m->st;
		if (v->kind != VXR_PV_STR || k->kind != VXR_PV_STR)
			return fail(m, VX_EFORMAT, "STACK_GLOBAL of a %s and a %s", kind_name(k), kind_name(v));
		return global(m, k->u.str.s, k->u.str.n, v->u.str.s, v->u.str.n);
	case 'R': return reduce(m);
	case 'b': /* BUILD: only an (Ordered)dict's attributes, ignored (state_dict's _metadata) */
		if (!(v = pop(m)) || !(c = top(m)))
			return m->st;
		if (c->kind != VXR_PV_DICT || (v->kind != VXR_PV_DICT && v->kind != VXR_PV_NONE))
			return fail(m, VX_EFORMAT, "BUILD on a %s with a %s", kind_name(c), kind_name(v));
		return VX_OK;
	case 'Q': return persistent(m); /* BINPERSID */
	case '0': /* POP: a value, or an empty MARK */
		if (m->nmarks && m->marks[m->nmarks - 1] == m->sp) {
			m->nmarks--;
			return VX_OK;
		}
		return pop(m) ? VX_OK : m->st;
	case '1': /* POP_MARK */
		if (pop_mark(m, &mk) != VX_OK)
			return m->st;
		m->sp = mk;
		return VX_OK;
	default: {
		const char *what = refused_opcode(op);
		if (what)
			return fail(m, VX_EFORMAT, "refused opcode 0x%02x %s: only the opcodes torch.save writes are read",
			            op, what);
		return fail(m, VX_EFORMAT, "unknown opcode 0x%02x (not a pickle, or damaged)", op);
	}
	}
}

void vxr_pickle_free(vxr_pickle *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nblocks; i++) {
		size_t n = i + 1 == p->nblocks ? p->used : PK_BLOCK;
		for (size_t j = 0; j < n; j++) {
			vxr_pv *v = &p->blocks[i][j];
			if (v->kind == VXR_PV_TUPLE || v->kind == VXR_PV_LIST || v->kind == VXR_PV_DICT)
				free(v->u.seq.v);
			else if (v->kind == VXR_PV_TENSOR)
				free((void *)v->u.tensor);
		}
		free(p->blocks[i]);
	}
	free(p->blocks);
	free(p->name);
	free(p);
}

vx_status vxr_pickle_run(const unsigned char *buf, size_t len, size_t *pos, const char *name,
                         vxr_pickle **out, vx_error *err)
{
	*out = NULL;
	vm m = { 0 };
	m.b = buf;
	m.len = len;
	m.pos = *pos;
	m.at = *pos;
	m.name = name ? name : "pickle";
	m.err = err;
	if (m.pos > len)
		return fail(&m, VX_EINTERNAL, "start past the end");
	if (!(m.pk = calloc(1, sizeof *m.pk)) || !(m.pk->name = strdup(m.name))) {
		free(m.pk);
		return vx_fail(err, VX_ENOMEM, "%s: out of memory", m.name);
	}
	int done = 0;
	while (!done && step(&m, &done) == VX_OK)
		;
	free(m.stack);
	free(m.marks);
	free(m.memo);
	if (m.st != VX_OK) {
		vxr_pickle_free(m.pk);
		return m.st;
	}
	*pos = m.pos;
	*out = m.pk;
	return VX_OK;
}

const vxr_pv *vxr_pickle_root(const vxr_pickle *p)
{
	return p->root;
}

size_t vxr_pickle_count(const vxr_pickle *p)
{
	return p->nvalues;
}

const vxr_pv *vxr_pickle_value(const vxr_pickle *p, size_t i)
{
	return i < p->nvalues ? &p->blocks[i / PK_BLOCK][i % PK_BLOCK] : NULL;
}

/* ------------------------------------------------------ finding tensors */

typedef struct {
	vxr_pickle_named *v;
	size_t n, cap;
	char path[VXR_TENSOR_MAX_NAME + 1];
	size_t plen;
	const char *name;
	vx_error *err;
} walk;

static vx_status add_named(walk *w, const vxr_pv *t)
{
	if (w->n == VXR_TENSOR_MAX_COUNT)
		return vx_fail(w->err, VX_ETOOBIG, "%s: more than %u tensors", w->name, VXR_TENSOR_MAX_COUNT);
	if (w->n == w->cap) {
		size_t nc = w->cap ? 2 * w->cap : 32;
		vxr_pickle_named *nv = realloc(w->v, nc * sizeof *nv);
		if (!nv)
			return vx_fail(w->err, VX_ENOMEM, "%s: out of memory", w->name);
		w->v = nv;
		w->cap = nc;
	}
	const char *s = w->plen ? w->path : "tensor";
	char *copy = strdup(s);
	if (!copy)
		return vx_fail(w->err, VX_ENOMEM, "%s: out of memory", w->name);
	w->v[w->n].name = copy;
	w->v[w->n].tensor = t;
	w->n++;
	return VX_OK;
}

/* Appends ".component" (no dot at the start) to the path. */
static vx_status component(walk *w, const char *s, size_t n)
{
	size_t dot = w->plen ? 1 : 0;
	if (w->plen + dot + n > VXR_TENSOR_MAX_NAME)
		return vx_fail(w->err, VX_ETOOBIG, "%s: a tensor's name is longer than %u bytes: %.60s...", w->name,
		               VXR_TENSOR_MAX_NAME, w->path);
	if (memchr(s, '\0', n))
		return vx_fail(w->err, VX_EFORMAT, "%s: a key on the path of a tensor holds a NUL byte", w->name);
	if (dot)
		w->path[w->plen++] = '.';
	memcpy(w->path + w->plen, s, n);
	w->plen += n;
	w->path[w->plen] = '\0';
	return VX_OK;
}

static vx_status walk_value(walk *w, vxr_pv *v, int depth);

/* The child at position i of a container: keyed by a dict's string or int
 * key, else by its position. */
static vx_status walk_child(walk *w, vxr_pv *key, size_t i, vxr_pv *v, int depth)
{
	if (v->kind != VXR_PV_TENSOR && v->kind != VXR_PV_TUPLE && v->kind != VXR_PV_LIST &&
	    v->kind != VXR_PV_DICT)
		return VX_OK;
	size_t keep = w->plen;
	char num[32];
	vx_status st;
	if (key && key->kind == VXR_PV_STR)
		st = component(w, (const char *)key->u.str.s, key->u.str.n);
	else if (key && key->kind == VXR_PV_INT)
		st = component(w, num, (size_t)snprintf(num, sizeof num, "%lld", (long long)key->u.i));
	else
		st = component(w, num, (size_t)snprintf(num, sizeof num, key ? "[%zu]" : "%zu", i));
	if (st == VX_OK)
		st = walk_value(w, v, depth + 1);
	w->plen = keep;
	w->path[keep] = '\0';
	return st;
}

static vx_status walk_value(walk *w, vxr_pv *v, int depth)
{
	if (v->kind == VXR_PV_TENSOR)
		return add_named(w, v);
	if (v->kind != VXR_PV_TUPLE && v->kind != VXR_PV_LIST && v->kind != VXR_PV_DICT)
		return VX_OK;
	/* once each: a container reached again (shared, or holding itself) adds nothing */
	if (v->seen)
		return VX_OK;
	v->seen = 1;
	if (depth >= PK_MAX_DEPTH)
		return vx_fail(w->err, VX_EFORMAT, "%s: containers nested deeper than %d levels", w->name,
		               PK_MAX_DEPTH);
	vx_status st = VX_OK;
	if (v->kind == VXR_PV_DICT)
		for (size_t i = 0; st == VX_OK && i + 1 < v->u.seq.n; i += 2)
			st = walk_child(w, v->u.seq.v[i], i / 2, v->u.seq.v[i + 1], depth);
	else
		for (size_t i = 0; st == VX_OK && i < v->u.seq.n; i++)
			st = walk_child(w, NULL, i, v->u.seq.v[i], depth);
	return st;
}

vx_status vxr_pickle_tensors(vxr_pickle *p, vxr_pickle_named **out, size_t *n, vx_error *err)
{
	*out = NULL;
	*n = 0;
	walk w = { .name = p->name, .err = err };
	w.path[0] = '\0';
	/* a second walk must not find every container already seen */
	for (size_t i = 0; i < p->nblocks; i++)
		for (size_t j = 0; j < (i + 1 == p->nblocks ? p->used : PK_BLOCK); j++)
			p->blocks[i][j].seen = 0;
	vx_status st = p->root ? walk_value(&w, p->root, 0) : VX_OK;
	if (st != VX_OK) {
		for (size_t i = 0; i < w.n; i++)
			free(w.v[i].name);
		free(w.v);
		return st;
	}
	*out = w.v;
	*n = w.n;
	return VX_OK;
}
