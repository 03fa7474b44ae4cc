/*
 * fuzz_zipw.h — a zip writer after the format's specification (PKWARE
 * APPNOTE), for the harnesses that build VALID archives from fuzz input
 * (fuzz_zip.c, fuzz_npz.c): local headers, stored or deflated data (zlib,
 * raw deflate), the central directory and its end record.  Written here,
 * independently of libzip, so that a reader agreeing with it is evidence.
 * Header-only and static, like fuzz_util.h.
 */
#ifndef VX_FUZZ_ZIPW_H
#define VX_FUZZ_ZIPW_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

typedef struct {
	unsigned char *p;
	size_t n, cap;
} zbuf;

static inline void zput(zbuf *b, const void *src, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 256;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	if (n)
		memcpy(b->p + b->n, src, n);
	b->n += n;
}

static inline void zle(zbuf *b, uint64_t v, size_t w)
{
	for (size_t i = 0; i < w; i++) {
		unsigned char c = (unsigned char)(v >> (8 * i));
		zput(b, &c, 1);
	}
}

typedef struct {
	zbuf out;   /* local headers and data */
	zbuf cd;    /* central directory */
	unsigned count;
} zwriter;

/* Raw deflate of src (no zlib header), as zip stores it. */
static inline void zdeflate(const unsigned char *src, size_t n, zbuf *dst)
{
	z_stream s;
	memset(&s, 0, sizeof s);
	if (deflateInit2(&s, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	uLong bound = deflateBound(&s, (uLong)n);
	unsigned char *tmp = malloc(bound + 16);
	if (!tmp)
		abort();
	s.next_in = (unsigned char *)src;
	s.avail_in = (uInt)n;
	s.next_out = tmp;
	s.avail_out = (uInt)(bound + 16);
	if (deflate(&s, Z_FINISH) != Z_STREAM_END)
		abort();
	zput(dst, tmp, s.total_out);
	deflateEnd(&s);
	free(tmp);
}

/* Adds member name with data (stored, or deflated when deflated != 0). */
static inline void zadd(zwriter *z, const char *name, const unsigned char *data, size_t n, int deflated)
{
	zbuf comp = { 0 };
	if (deflated)
		zdeflate(data, n, &comp);
	else
		zput(&comp, data, n);
	uint32_t crc = (uint32_t)crc32(0, data, (uInt)n);
	size_t nl = strlen(name), off = z->out.n;
	zle(&z->out, 0x04034b50, 4);
	zle(&z->out, 20, 2);
	zle(&z->out, 0, 2);
	zle(&z->out, deflated ? 8 : 0, 2);
	zle(&z->out, 0, 4); /* time, date */
	zle(&z->out, crc, 4);
	zle(&z->out, comp.n, 4);
	zle(&z->out, n, 4);
	zle(&z->out, nl, 2);
	zle(&z->out, 0, 2);
	zput(&z->out, name, nl);
	zput(&z->out, comp.p, comp.n);
	zle(&z->cd, 0x02014b50, 4);
	zle(&z->cd, 20, 2);
	zle(&z->cd, 20, 2);
	zle(&z->cd, 0, 2);
	zle(&z->cd, deflated ? 8 : 0, 2);
	zle(&z->cd, 0, 4);
	zle(&z->cd, crc, 4);
	zle(&z->cd, comp.n, 4);
	zle(&z->cd, n, 4);
	zle(&z->cd, nl, 2);
	zle(&z->cd, 0, 2); /* extra */
	zle(&z->cd, 0, 2); /* comment */
	zle(&z->cd, 0, 2); /* disk */
	zle(&z->cd, 0, 2); /* internal attributes */
	zle(&z->cd, 0, 4); /* external attributes */
	zle(&z->cd, off, 4);
	zput(&z->cd, name, nl);
	z->count++;
	free(comp.p);
}

/* The archive: z->out followed by the directory and its end (caller frees
 * the returned buffer's p). */
static inline zbuf zfinish(zwriter *z)
{
	size_t cdoff = z->out.n;
	zput(&z->out, z->cd.p, z->cd.n);
	zle(&z->out, 0x06054b50, 4);
	zle(&z->out, 0, 4);
	zle(&z->out, z->count, 2);
	zle(&z->out, z->count, 2);
	zle(&z->out, z->cd.n, 4);
	zle(&z->out, cdoff, 4);
	zle(&z->out, 0, 2);
	free(z->cd.p);
	return z->out;
}

#endif
