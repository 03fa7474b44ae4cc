/*
 * tensors.c — opening a model file, recognising its format, and converting
 * a listed tensor's values to double (see tensors.h).
 */
#include "report/load/tensors.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/fileio.h"
#include "report/load/readers.h"

/* The largest stream (a pipe, a device) read into memory. */
#define STREAM_MAX ((size_t)1 << 31)

/* ------------------------------------------------------------ sniffing */

static int ends_with(const char *path, const char *ext)
{
	size_t n = strlen(path), e = strlen(ext);
	return n >= e && strcasecmp(path + n - e, ext) == 0;
}

vxr_kind vxr_kind_sniff(const unsigned char *buf, size_t len, const char *path)
{
	if (len >= 4 && buf[0] == 'P' && buf[1] == 'K' &&
	    ((buf[2] == 3 && buf[3] == 4) || (buf[2] == 5 && buf[3] == 6)))
		return VXR_KIND_ZIP;
	if (len >= 6 && memcmp(buf, "\x93NUMPY", 6) == 0)
		return VXR_KIND_NPY;
	if (len >= 2 && buf[0] == 0x80 && buf[1] >= 2 && buf[1] <= 5) {
		size_t p = 2;
		if (len >= 11 && buf[2] == 0x95) /* a protocol-4 FRAME */
			p = 11;
		if (len >= p + 12 && buf[p] == 0x8a && buf[p + 1] == 10 && memcmp(buf + p + 2, vxr_torch_magic, 10) == 0)
			return VXR_KIND_TORCH_LEGACY;
		return VXR_KIND_PICKLE;
	}
	if (len >= 9 && buf[8] == '{')
		return VXR_KIND_SAFETENSORS;
	if (!path)
		return VXR_KIND_CSV;
	if (ends_with(path, ".safetensors"))
		return VXR_KIND_SAFETENSORS;
	if (ends_with(path, ".pt") || ends_with(path, ".pth") || ends_with(path, ".bin") ||
	    ends_with(path, ".ckpt") || ends_with(path, ".npz"))
		return VXR_KIND_ZIP;
	if (ends_with(path, ".npy"))
		return VXR_KIND_NPY;
	return VXR_KIND_CSV;
}

/* vxr_kind_of_file, and without by_name vxr_kind_of_content */
static vx_status kind_of(const char *path, int by_name, vxr_kind *kind, vx_error *err)
{
	struct stat sb;
	if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		/* a pipe's first bytes, once read here, would be gone for the reader */
		*kind = vxr_kind_sniff(NULL, 0, by_name ? path : NULL);
		return VX_OK;
	}
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return vx_fail(err, VX_EIO, "%s: cannot open: %s", path, strerror(errno));
	unsigned char head[32]; /* a protocol-4 FRAME puts the magic at bytes 11-22 */
	size_t n = fread(head, 1, sizeof head, fp);
	int bad = ferror(fp), e = errno;
	fclose(fp);
	if (bad)
		return vx_fail(err, VX_EIO, "%s: cannot read: %s", path, strerror(e));
	*kind = vxr_kind_sniff(head, n, by_name ? path : NULL);
	return VX_OK;
}

vx_status vxr_kind_of_file(const char *path, vxr_kind *kind, vx_error *err)
{
	return kind_of(path, 1, kind, err);
}

vx_status vxr_kind_of_content(const char *path, vxr_kind *kind, vx_error *err)
{
	return kind_of(path, 0, kind, err);
}

void vxr_weights_kind(vx_params *p)
{
	if (!p->weights[0])
		return;
	vxr_kind kind;
	vx_error ignored = { 0 };
	if (vxr_kind_of_file(p->weights, &kind, &ignored) != VX_OK)
		kind = vxr_kind_sniff(NULL, 0, p->weights);
	p->weights_net = kind != VXR_KIND_NPY && kind != VXR_KIND_CSV;
}

/* ----------------------------------------------------- the tensor list */

vx_status vxr_tensors_add(vxr_tensors *f, const char *name, size_t n, vxr_tensor **t, vx_error *err)
{
	const char *file = f->priv->name;
	if (f->n >= VXR_TENSOR_MAX_COUNT)
		return vx_fail(err, VX_ETOOBIG, "%s: more than %u tensors", file, VXR_TENSOR_MAX_COUNT);
	if (n > VXR_TENSOR_MAX_NAME)
		return vx_fail(err, VX_ETOOBIG, "%s: a tensor's name is longer than %u bytes: %.60s...", file,
		               VXR_TENSOR_MAX_NAME, name);
	if (memchr(name, '\0', n))
		return vx_fail(err, VX_EFORMAT, "%s: a tensor's name holds a NUL byte", file);
	if (f->n == f->priv->cap) {
		size_t nc = f->priv->cap ? 2 * f->priv->cap : 32;
		vxr_tensor *nt = realloc(f->t, nc * sizeof *nt);
		if (!nt)
			return vx_fail(err, VX_ENOMEM, "%s: out of memory", file);
		f->t = nt;
		f->priv->cap = nc;
	}
	vxr_tensor *x = &f->t[f->n];
	memset(x, 0, sizeof *x);
	if (!(x->name = malloc(n + 1)))
		return vx_fail(err, VX_ENOMEM, "%s: out of memory", file);
	memcpy(x->name, name, n);
	x->name[n] = '\0';
	x->at.member = -1;
	f->n++;
	*t = x;
	return VX_OK;
}

void vxr_tensor_dtype(vxr_tensor *t, const char *torch_name, size_t itemsize)
{
	static const char *const read[] = { "float64", "float32", "float16", "bfloat16" };
	t->dtype = VXR_OTHER;
	for (int k = 0; k < 4; k++)
		if (strcmp(torch_name, read[k]) == 0)
			t->dtype = (vxr_dtype)k;
	snprintf(t->dtype_name, sizeof t->dtype_name, "%s", torch_name);
	t->at.itemsize = itemsize;
}

void vxr_tensor_shape_text(const vxr_tensor *t, char *buf, size_t n)
{
	size_t o = 0;
	if (n == 0)
		return;
	buf[0] = '\0';
	o += (size_t)snprintf(buf, n, "[");
	for (size_t i = 0; i < t->ndim && o < n; i++)
		o += (size_t)snprintf(buf + o, n - o, "%s%llu", i ? ", " : "", (unsigned long long)t->shape[i]);
	if (o < n)
		snprintf(buf + o, n - o, "]");
}

static int mul_ok(uint64_t a, uint64_t b, uint64_t *r)
{
	if (a && b > UINT64_MAX / a)
		return 0;
	*r = a * b;
	return 1;
}

vx_status vxr_tensor_check(const vxr_tensors *f, vxr_tensor *t, vx_error *err)
{
	char shape[128];
	vxr_tensor_shape_text(t, shape, sizeof shape);
	uint64_t numel = 1, last = t->at.offset; /* the element furthest in */
	int ok = t->at.itemsize > 0;
	for (size_t i = 0; i < t->ndim && ok; i++) {
		uint64_t reach;
		ok = mul_ok(numel, t->shape[i], &numel);
		if (ok && t->shape[i] > 0) {
			ok = mul_ok(t->shape[i] - 1, t->at.stride[i], &reach) && last + reach >= last;
			last += reach;
		}
	}
	uint64_t end_bytes = 0;
	ok = ok && last + 1 > last && mul_ok(last + 1, t->at.itemsize, &end_bytes);
	if (!ok)
		return vx_fail(err, VX_ETOOBIG, "%s: tensor '%s' of shape %s: sizes overflow 64 bits", f->priv->name,
		               t->name, shape);
	t->numel = numel;
	if (numel > 0 && end_bytes > t->at.bytes)
		return vx_fail(err, VX_EFORMAT,
		               "%s: tensor '%s' (%s %s) needs %llu bytes of its storage, which holds %llu",
		               f->priv->name, t->name, t->dtype_name, shape, (unsigned long long)end_bytes,
		               (unsigned long long)t->at.bytes);
	return VX_OK;
}

/* --------------------------------------------------- opening and freeing */

void vxr_tensors_free(vxr_tensors *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++)
		free(f->t[i].name);
	free(f->t);
	if (f->priv) {
		vxr_zip_close(f->priv->zip);
		if (f->priv->map)
			munmap(f->priv->map, f->priv->len);
		free(f->priv->owned);
		free(f->priv->name);
		free(f->priv);
	}
	free(f);
}

static int by_name(const void *a, const void *b)
{
	return strcmp((*(const vxr_tensor *const *)a)->name, (*(const vxr_tensor *const *)b)->name);
}

/* Two tensors of one name (nested containers can produce "a.b" twice)
 * would make the name mean either. */
static vx_status unique_names(const vxr_tensors *f, vx_error *err)
{
	if (f->n < 2)
		return VX_OK;
	const vxr_tensor **s = malloc(f->n * sizeof *s);
	if (!s)
		return vx_fail(err, VX_ENOMEM, "%s: out of memory", f->priv->name);
	for (size_t i = 0; i < f->n; i++)
		s[i] = &f->t[i];
	qsort(s, f->n, sizeof *s, by_name);
	vx_status st = VX_OK;
	for (size_t i = 1; i < f->n && st == VX_OK; i++)
		if (strcmp(s[i - 1]->name, s[i]->name) == 0)
			st = vx_fail(err, VX_EFORMAT, "%s: two tensors are named '%s'", f->priv->name, s[i]->name);
	free(s);
	return st;
}

/* A zip: torch.save's layout holds ARCHIVE/data.pkl, an .npz holds .npy members. */
static vx_status list_zip(vxr_tensors *f, vx_error *err)
{
	vxr_tensors_priv *p = f->priv;
	vx_status st = vxr_zip_open(p->buf, p->len, p->name, &p->zip, err);
	if (st != VX_OK)
		return st;
	int torch = 0, npy = 0, script = 0;
	for (size_t i = 0; i < vxr_zip_count(p->zip); i++) {
		const char *m = vxr_zip_name(p->zip, i), *slash = strchr(m, '/');
		if (slash && strchr(slash + 1, '/') == NULL) {
			torch |= strcmp(slash + 1, "data.pkl") == 0;
			script |= strcmp(slash + 1, "constants.pkl") == 0;
		}
		size_t ml = strlen(m);
		npy |= ml > 4 && strcmp(m + ml - 4, ".npy") == 0;
	}
	if (script)
		return vx_fail(err, VX_EFORMAT, "%s: a TorchScript archive (torch.jit.save) is not read: save "
		                                "model.state_dict() with torch.save", p->name);
	if (torch) {
		f->format = "PyTorch zip";
		return vxr_torch_zip_list(f, err);
	}
	if (npy) {
		f->format = "npz";
		return vxr_npz_list(f, err);
	}
	return vx_fail(err, VX_EFORMAT, "%s: a zip archive with neither data.pkl (torch.save) nor .npy members "
	                                "(numpy.savez)", p->name);
}

vx_status vxr_tensors_parse(const unsigned char *buf, size_t len, const char *name, vxr_tensors **out,
                            vx_error *err)
{
	*out = NULL;
	if (!name)
		name = "model";
	vxr_tensors *f = calloc(1, sizeof *f);
	if (!f || !(f->priv = calloc(1, sizeof *f->priv)) || !(f->priv->name = strdup(name))) {
		vxr_tensors_free(f);
		return vx_fail(err, VX_ENOMEM, "%s: out of memory", name);
	}
	f->priv->buf = buf;
	f->priv->len = len;
	vx_status st;
	if (len == 0) {
		st = vx_fail(err, VX_EFORMAT, "%s: empty file", name);
	} else {
		switch (vxr_kind_sniff(buf, len, name)) {
		case VXR_KIND_ZIP:
			st = list_zip(f, err);
			break;
		case VXR_KIND_TORCH_LEGACY:
			f->format = "PyTorch legacy";
			st = vxr_torch_legacy_list(f, err);
			break;
		case VXR_KIND_SAFETENSORS:
			f->format = "safetensors";
			st = vxr_safetensors_list(f, err);
			break;
		case VXR_KIND_PICKLE:
			st = vx_fail(err, VX_EFORMAT, "%s: a pickle without torch.save's magic number: not read", name);
			break;
		case VXR_KIND_NPY:
			st = vx_fail(err, VX_EFORMAT, "%s: a bare .npy matrix, not a checkpoint", name);
			break;
		default:
			st = vx_fail(err, VX_EFORMAT,
			             "%s: not a PyTorch checkpoint, safetensors or npz file (unrecognised content)", name);
			break;
		}
	}
	if (st == VX_OK)
		st = unique_names(f, err);
	if (st != VX_OK) {
		vxr_tensors_free(f);
		return st;
	}
	*out = f;
	return VX_OK;
}

vx_status vxr_tensors_open(const char *path, vxr_tensors **out, vx_error *err)
{
	*out = NULL;
	void *map = NULL;
	char *owned = NULL;
	const unsigned char *buf = NULL;
	size_t len = 0;
	vx_status st = VX_OK;
	struct stat sb;
	int fd = -1;
	if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0) {
		/* mapped, so that a checkpoint costs only the pages of the tensors read */
		if ((uintmax_t)sb.st_size > SIZE_MAX)
			return vx_fail(err, VX_ETOOBIG, "%s: file too large", path);
		if ((fd = open(path, O_RDONLY)) < 0)
			return vx_fail(err, VX_EIO, "%s: cannot open: %s", path, strerror(errno));
		len = (size_t)sb.st_size;
		map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
		int e = errno;
		close(fd);
		if (map == MAP_FAILED)
			return vx_fail(err, VX_EIO, "%s: cannot read: %s", path, strerror(e));
		buf = map;
	} else {
		/* a pipe, a device, an empty file, or what the reader refuses by name */
		st = vx_read_file(path, STREAM_MAX, "a model file", &owned, &len, err);
		buf = (const unsigned char *)owned;
	}
	if (st == VX_OK)
		st = vxr_tensors_parse(buf, len, path, out, err);
	if (st != VX_OK) {
		if (map)
			munmap(map, len);
		free(owned);
		return st;
	}
	(*out)->priv->map = map;
	(*out)->priv->owned = (unsigned char *)owned;
	return VX_OK;
}

/* ---------------------------------------------------------- conversion */

static uint64_t load_uint(const unsigned char *p, size_t w, int big)
{
	uint64_t u = 0;
	for (size_t i = 0; i < w; i++)
		u = u << 8 | p[big ? i : w - 1 - i];
	return u;
}

/* IEEE binary16: every value is exact in a double. */
static double half_value(uint64_t h)
{
	int sign = (int)(h >> 15) & 1, e = (int)(h >> 10) & 31;
	double m = (double)(h & 1023);
	double v = e == 0 ? ldexp(m, -24) : e == 31 ? (m != 0 ? NAN : INFINITY) : ldexp(1024 + m, e - 25);
	return sign ? -v : v;
}

static double value(const unsigned char *p, vxr_dtype dt, int big)
{
	uint64_t u;
	switch (dt) {
	case VXR_F64: {
		double d;
		u = load_uint(p, 8, big);
		memcpy(&d, &u, 8);
		return d;
	}
	case VXR_F32: {
		float x;
		uint32_t w = (uint32_t)load_uint(p, 4, big);
		memcpy(&x, &w, 4);
		return x;
	}
	case VXR_F16:
		return half_value(load_uint(p, 2, big));
	case VXR_BF16: { /* the top half of a float32 */
		float x;
		uint32_t w = (uint32_t)load_uint(p, 2, big) << 16;
		memcpy(&x, &w, 4);
		return x;
	}
	default:
		return NAN;
	}
}

/* out[k] for k in C order over the shape, from the strided storage. */
static void convert(const vxr_tensor *t, const unsigned char *storage, double *out)
{
	size_t w = t->at.itemsize;
	int big = t->at.big_endian;
	uint64_t idx[VXR_TENSOR_MAX_DIMS] = { 0 };
	uint64_t pos = t->at.offset;
	size_t nd = t->ndim;
	/* the innermost dimension contiguous: the common case, one tight loop */
	uint64_t inner = nd ? t->shape[nd - 1] : 1, istride = nd ? t->at.stride[nd - 1] : 1;
	for (uint64_t k = 0; k < t->numel; k += inner) {
		const unsigned char *p = storage + pos * w;
		if (t->dtype == VXR_F32 && !big && istride == 1)
			for (uint64_t j = 0; j < inner; j++) {
				float x;
				memcpy(&x, p + 4 * j, 4);
				out[k + j] = x;
			}
		else if (t->dtype == VXR_F64 && !big && istride == 1)
			memcpy(out + k, p, (size_t)inner * 8);
		else
			for (uint64_t j = 0; j < inner; j++)
				out[k + j] = value(p + j * istride * w, t->dtype, big);
		/* the odometer over the outer dimensions */
		for (size_t d = nd > 0 ? nd - 1 : 0; d-- > 0;) {
			pos += t->at.stride[d];
			if (++idx[d] < t->shape[d])
				break;
			pos -= t->shape[d] * t->at.stride[d];
			idx[d] = 0;
		}
	}
}

vx_status vxr_tensors_read(vxr_tensors *f, size_t i, double *dst, vx_error *err)
{
	vxr_tensors_priv *p = f->priv;
	if (i >= f->n)
		return vx_fail(err, VX_EINTERNAL, "%s: tensor %zu out of range", p->name, i);
	const vxr_tensor *t = &f->t[i];
	if (t->dtype == VXR_OTHER)
		return vx_fail(err, VX_EFORMAT, "%s: tensor '%s' has dtype %s (accepted: float64, float32, float16, "
		               "bfloat16)", p->name, t->name, t->dtype_name);
	if (t->numel > VXR_TENSOR_MAX_READ)
		return vx_fail(err, VX_ETOOBIG, "%s: tensor '%s' has %llu elements (limit %llu)", p->name, t->name,
		               (unsigned long long)t->numel, (unsigned long long)VXR_TENSOR_MAX_READ);
	if (t->numel == 0)
		return VX_OK;
	unsigned char *member = NULL;
	const unsigned char *base = p->buf;
	uint64_t avail = p->len;
	if (t->at.member >= 0) {
		vx_status st = p->zip ? vxr_zip_read(p->zip, (size_t)t->at.member, &member, err)
		                      : vx_fail(err, VX_EINTERNAL, "%s: no archive", p->name);
		if (st != VX_OK)
			return st;
		base = member;
		avail = vxr_zip_size(p->zip, (size_t)t->at.member);
	}
	/* vxr_tensor_check kept every element inside at.bytes; at.bytes inside the data */
	if (t->at.start > avail || t->at.bytes > avail - t->at.start) {
		free(member);
		return vx_fail(err, VX_EINTERNAL, "%s: tensor '%s' outside its data", p->name, t->name);
	}
	convert(t, base + t->at.start, dst);
	free(member);
	return VX_OK;
}
