/*
 * fuzz_safetensors.c — the safetensors reader (report/load/safetensors.c)
 * and the module search after it, under fuzzing.
 *
 * Two checks per input.  (1) The bytes as a file (byte 8 set to '{', so the
 * content is taken as safetensors rather than sniffed as something else):
 * listed or refused with one line; once listed, every tensor lies inside the
 * data and reads, and every module found gives a network or a one-line
 * refusal.  (2) The bytes drive a writer of VALID files (F64, F32, F16,
 * BF16 tensors of chosen shapes and values, listed in the header in any
 * order, with or without __metadata__ and padding), read back exactly.
 */
#include "report/load/tensors.h"
#include "tests/fuzz/fuzz_load.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_INIT_GSL()

static void raw(const uint8_t *d, size_t n)
{
	uint8_t *copy = malloc(n + 1);
	if (!copy)
		abort();
	memcpy(copy, d, n);
	if (n > 8)
		copy[8] = '{';
	vxr_tensors *f = NULL;
	vx_error err = { 0 };
	vx_status st = vxr_tensors_parse(copy, n, "fuzz.safetensors", &f, &err);
	if (st == VX_OK) {
		for (size_t i = 0; i < f->n; i++) {
			const vxr_tensor *t = &f->t[i];
			FUZZ_CHECK(t->at.start <= n && t->at.bytes <= n - t->at.start, "%s: bytes outside the file", t->name);
			FUZZ_CHECK(t->numel * t->at.itemsize == t->at.bytes, "%s: %llu bytes for %llu elements", t->name,
			           (unsigned long long)t->at.bytes, (unsigned long long)t->numel);
		}
		vxr_tensors_free(f);
	} else {
		fuzz_check_error(st, &err);
	}
	fuzz_tensors(copy, n, "fuzz.safetensors");
	free(copy);
}

/* ---- valid files ---- */

/* float16 and bfloat16 bits as the IEEE formats define them */
static double bfloat(unsigned h)
{
	int e = (int)(h >> 7) & 255;
	double m = h & 127, v = e == 0 ? ldexp(m, -133) : e == 255 ? (m ? NAN : INFINITY) : ldexp(1 + m / 128, e - 127);
	return h & 0x8000 ? -v : v;
}

static void generated(const uint8_t *d, size_t n)
{
	static const char *const codes[] = { "F64", "F32", "F16", "BF16" };
	static const size_t width[] = { 8, 4, 2, 2 };
	size_t i = 0;
	unsigned c = fuzz_next(d, n, &i);
	size_t nt = 1 + c % 4;
	int meta = (c >> 2) & 1, pad = (c >> 3) & 1, reversed = (c >> 4) & 1;
	size_t shape[4][3], ndim[4], numel[4];
	int code[4];
	double *want[4];
	unsigned char *data = NULL;
	size_t dlen = 0, off[5] = { 0 };
	for (size_t t = 0; t < nt; t++) {
		code[t] = (int)(fuzz_next(d, n, &i) % 4);
		ndim[t] = fuzz_next(d, n, &i) % 3;
		numel[t] = 1;
		for (size_t a = 0; a < ndim[t]; a++) {
			shape[t][a] = fuzz_next(d, n, &i) % 5;
			numel[t] *= shape[t][a];
		}
		want[t] = malloc(numel[t] * sizeof(double) + 1);
		data = realloc(data, dlen + numel[t] * width[code[t]] + 1);
		if (!want[t] || !data)
			abort();
		for (size_t k = 0; k < numel[t]; k++) {
			unsigned char raw[8];
			for (size_t b = 0; b < 8; b++)
				raw[b] = (unsigned char)fuzz_next(d, n, &i);
			memcpy(data + dlen, raw, width[code[t]]);
			dlen += width[code[t]];
			unsigned h = raw[0] | (unsigned)raw[1] << 8;
			if (code[t] == 0)
				memcpy(&want[t][k], raw, 8);
			else if (code[t] == 1) {
				float x;
				memcpy(&x, raw, 4);
				want[t][k] = x;
			} else
				want[t][k] = code[t] == 2 ? fuzz_half(h) : bfloat(h);
		}
		off[t + 1] = dlen;
	}
	char hdr[2048];
	int hl = snprintf(hdr, sizeof hdr, "{%s", meta ? "\"__metadata__\": {\"format\": \"pt\"}, " : "");
	for (size_t k = 0; k < nt; k++) {
		size_t t = reversed ? nt - 1 - k : k;
		hl += snprintf(hdr + hl, sizeof hdr - (size_t)hl, "%s\"t%zu\": {\"dtype\": \"%s\", \"shape\": [", k ? ", " : "",
		               t, codes[code[t]]);
		for (size_t a = 0; a < ndim[t]; a++)
			hl += snprintf(hdr + hl, sizeof hdr - (size_t)hl, "%s%zu", a ? ", " : "", shape[t][a]);
		hl += snprintf(hdr + hl, sizeof hdr - (size_t)hl, "], \"data_offsets\": [%zu, %zu]}", off[t], off[t + 1]);
	}
	hl += snprintf(hdr + hl, sizeof hdr - (size_t)hl, "}");
	while (pad && hl % 8)
		hdr[hl++] = ' ';
	size_t total = 8 + (size_t)hl + dlen;
	unsigned char *file = malloc(total);
	if (!file)
		abort();
	for (int b = 0; b < 8; b++)
		file[b] = (unsigned char)((uint64_t)hl >> (8 * b));
	memcpy(file + 8, hdr, (size_t)hl);
	memcpy(file + 8 + hl, data, dlen);

	vxr_tensors *f = NULL;
	vx_error err = { 0 };
	vx_status st = vxr_tensors_parse(file, total, "gen.safetensors", &f, &err);
	FUZZ_CHECK(st == VX_OK, "valid file of %zu tensors refused: %s (header %.*s)", nt, err.msg, hl, hdr);
	FUZZ_CHECK(f->n == nt, "%zu tensors listed, %zu written", f->n, nt);
	/* listed in the order of the data; empty tensors at one offset in the
	 * order of the header */
	size_t order[4];
	for (size_t t = 0; t < nt; t++) {
		size_t k = t, h = reversed ? nt - 1 - t : t;
		for (; k > 0; k--) {
			size_t u = order[k - 1], hu = reversed ? nt - 1 - u : u;
			if (off[u] < off[t] || (off[u] == off[t] && (off[u + 1] < off[t + 1] ||
			                                             (off[u + 1] == off[t + 1] && hu < h))))
				break;
			order[k] = u;
		}
		order[k] = t;
	}
	for (size_t q = 0; q < nt; q++) {
		size_t t = order[q];
		const vxr_tensor *x = &f->t[q];
		char name[16];
		snprintf(name, sizeof name, "t%zu", t);
		FUZZ_CHECK(strcmp(x->name, name) == 0 && x->ndim == ndim[t] && x->numel == numel[t],
		           "tensor %zu is %s with %zu dims, written %s", q, x->name, x->ndim, name);
		double *got = malloc(numel[t] * sizeof *got + 1);
		if (!got)
			abort();
		st = vxr_tensors_read(f, q, got, &err);
		FUZZ_CHECK(st == VX_OK, "%s unreadable: %s", name, err.msg);
		for (size_t k = 0; k < numel[t]; k++)
			FUZZ_CHECK(got[k] == want[t][k] || (isnan(got[k]) && isnan(want[t][k])),
			           "%s (%s) [%zu] = %.17g, written %.17g", name, codes[code[t]], k, got[k], want[t][k]);
		free(got);
	}
	vxr_tensors_free(f);
	for (size_t t = 0; t < nt; t++)
		free(want[t]);
	free(data);
	free(file);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	raw(data, size);
	if (size > 0)
		generated(data, size);
	return 0;
}
