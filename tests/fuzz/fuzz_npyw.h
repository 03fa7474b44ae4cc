/*
 * fuzz_npyw.h — an .npy writer after the format's description, for the
 * harnesses that build VALID files from fuzz input (fuzz_npy.c for W,
 * fuzz_inputs.c for input sequences): the header numpy writes (magic,
 * version, length, the dict padded to a multiple of 64 and ended by '\n')
 * and values in either width and byte order, drawn from the input bytes.
 * Written here, independently of engine/matio.c, so that a reader agreeing
 * with it is evidence.  Header-only and static, like fuzz_util.h.
 */
#ifndef VX_FUZZ_NPYW_H
#define VX_FUZZ_NPYW_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	unsigned char *p;
	size_t n, cap;
} npyw_buf;

static inline void npyw_put(npyw_buf *b, const void *src, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	memcpy(b->p + b->n, src, n);
	b->n += n;
}

/* Reads the next input byte cyclically (so short inputs still generate). */
static inline unsigned npyw_next(const uint8_t *d, size_t n, size_t *i)
{
	unsigned v = d[*i % n];
	(*i)++;
	return v;
}

/* A finite double from 8 input bytes: the bytes as a double when finite,
 * else as an integer over a power of two (still exact in every dtype test);
 * with f32 one that a float holds exactly. */
static inline double npyw_value(const uint8_t *d, size_t n, size_t *i, int f32)
{
	unsigned char raw[8];
	for (int k = 0; k < 8; k++)
		raw[k] = (unsigned char)npyw_next(d, n, i);
	double v;
	memcpy(&v, raw, 8);
	if (!isfinite(v)) {
		int64_t q;
		memcpy(&q, raw, 8);
		v = (double)(q >> 20) / 1024.0;
	}
	if (f32) {
		float f = (float)v;
		if (!isfinite(f))
			f = (float)(v > 0 ? 1.5e38 : -1.5e38);
		v = (double)f;
	}
	return v;
}

/* Magic, version major.0, the header length and dict, padded as numpy pads. */
static inline void npyw_header(npyw_buf *b, int major, const char *dict)
{
	size_t dl = strlen(dict), pre = 8 + (major == 1 ? 2 : 4);
	size_t pad = (64 - (pre + dl + 1) % 64) % 64, hlen = dl + pad + 1;
	unsigned char head[12] = { 0x93, 'N', 'U', 'M', 'P', 'Y', (unsigned char)major, 0, (unsigned char)(hlen & 0xff),
		                       (unsigned char)((hlen >> 8) & 0xff), (unsigned char)((hlen >> 16) & 0xff),
		                       (unsigned char)(hlen >> 24) };
	npyw_put(b, head, pre);
	npyw_put(b, dict, dl);
	for (size_t k = 0; k < pad; k++)
		npyw_put(b, " ", 1);
	npyw_put(b, "\n", 1);
}

/* One value as float32 or float64, little- or big-endian. */
static inline void npyw_scalar(npyw_buf *b, double v, int f32, int big)
{
	unsigned char raw[8];
	size_t w = f32 ? 4 : 8;
	if (f32) {
		float f = (float)v;
		memcpy(raw, &f, 4);
	} else {
		memcpy(raw, &v, 8);
	}
	if (big) /* the harnesses run on little-endian hosts (x86-64, arm64) */
		for (size_t k = 0; k < w / 2; k++) {
			unsigned char t = raw[k];
			raw[k] = raw[w - 1 - k];
			raw[w - 1 - k] = t;
		}
	npyw_put(b, raw, w);
}

#endif
