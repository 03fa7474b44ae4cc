/*
 * fuzz_npz.c — the .npz reader (report/load/npz.c) and the module search
 * after it, under fuzzing.
 *
 * Two checks per input.  (1) The bytes as a file: listed or refused with one
 * line; once listed, every tensor reads (or its member is refused with one
 * line) and every module found gives a network or a one-line refusal.
 * (2) The bytes drive a writer of VALID archives (fuzz_zipw.h) of .npy
 * members as numpy.savez writes them: <f8, >f8, <f4, >f4, <f2, >f2, C or
 * Fortran order, 0 to 3 dimensions, stored or deflated; every value must
 * come back exactly, and a 2-D float32/float64 member must read as the
 * engine's own .npy reader (vx_matrix_parse) reads the same bytes.
 */
#include <gsl/gsl_matrix.h>
#include "engine/matio.h"
#include "report/load/tensors.h"
#include "tests/fuzz/fuzz_load.h"
#include "tests/fuzz/fuzz_util.h"
#include "tests/fuzz/fuzz_zipw.h"

FUZZ_INIT_GSL()

typedef struct {
	size_t ndim, shape[3], numel;
	int width, big, fortran;
	double *want;          /* C order */
	unsigned char *npy;
	size_t len;
} member_t;

/* One .npy file: header padded to 64 bytes as numpy writes it, then the
 * values in the member's order and byte order. */
static void npy_member(member_t *m, const uint8_t *d, size_t n, size_t *i)
{
	char dict[160], shp[64] = "(";
	for (size_t a = 0; a < m->ndim; a++)
		snprintf(shp + strlen(shp), sizeof shp - strlen(shp), "%zu,%s", m->shape[a],
		         a + 1 < m->ndim ? " " : "");
	if (m->ndim > 1)
		shp[strlen(shp) - 1] = '\0'; /* (2, 3) but (4,) */
	strcat(shp, ")");
	int dl = snprintf(dict, sizeof dict, "{'descr': '%c%c%d', 'fortran_order': %s, 'shape': %s, }",
	                  m->big ? '>' : '<', 'f', m->width, m->fortran ? "True" : "False", shp);
	size_t pad = (64 - (10 + (size_t)dl + 1) % 64) % 64, hlen = (size_t)dl + pad + 1;
	zbuf b = { 0 };
	zput(&b, "\x93NUMPY\x01\x00", 8);
	zle(&b, hlen, 2);
	zput(&b, dict, (size_t)dl);
	for (size_t k = 0; k < pad; k++)
		zput(&b, " ", 1);
	zput(&b, "\n", 1);
	m->want = malloc(m->numel * sizeof(double) + 1);
	unsigned char *raw = malloc(m->numel * 8 + 1);
	if (!m->want || !raw)
		abort();
	/* values drawn in file order; want[] is C order */
	for (size_t k = 0; k < m->numel; k++) {
		unsigned char v[8];
		for (int b8 = 0; b8 < 8; b8++)
			v[b8] = (unsigned char)fuzz_next(d, n, i);
		double x;
		if (m->width == 8) {
			memcpy(&x, v, 8);
		} else if (m->width == 4) {
			float f;
			memcpy(&f, v, 4);
			x = f;
		} else {
			x = fuzz_half(v[0] | (unsigned)v[1] << 8);
		}
		size_t c = k; /* file element k is C element c */
		if (m->fortran && m->ndim > 1) {
			size_t idx[3], r = k;
			for (size_t a = 0; a < m->ndim; a++) {
				idx[a] = r % m->shape[a];
				r /= m->shape[a];
			}
			c = 0;
			for (size_t a = 0; a < m->ndim; a++)
				c = c * m->shape[a] + idx[a];
		}
		m->want[c] = x;
		for (int b8 = 0; b8 < m->width; b8++)
			raw[k * (size_t)m->width + (size_t)b8] = v[m->big ? m->width - 1 - b8 : b8];
	}
	zput(&b, raw, m->numel * (size_t)m->width);
	free(raw);
	m->npy = b.p;
	m->len = b.n;
}

static void generated(const uint8_t *d, size_t n)
{
	size_t i = 0;
	size_t nm = 1 + fuzz_next(d, n, &i) % 3;
	member_t m[3];
	zwriter w = { 0 };
	for (size_t k = 0; k < nm; k++) {
		memset(&m[k], 0, sizeof m[k]);
		unsigned c = fuzz_next(d, n, &i);
		m[k].width = c % 3 == 0 ? 8 : c % 3 == 1 ? 4 : 2;
		m[k].big = (c >> 2) & 1;
		m[k].fortran = (c >> 3) & 1;
		m[k].ndim = fuzz_next(d, n, &i) % 4;
		m[k].numel = 1;
		for (size_t a = 0; a < m[k].ndim; a++) {
			m[k].shape[a] = fuzz_next(d, n, &i) % 5;
			m[k].numel *= m[k].shape[a];
		}
		npy_member(&m[k], d, n, &i);
		char name[32];
		snprintf(name, sizeof name, "arr_%zu.npy", k);
		zadd(&w, name, m[k].npy, m[k].len, (int)(fuzz_next(d, n, &i) & 1));
	}
	zbuf a = zfinish(&w);
	vxr_tensors *f = NULL;
	vx_error err = { 0 };
	vx_status st = vxr_tensors_parse(a.p, a.n, "gen.npz", &f, &err);
	FUZZ_CHECK(st == VX_OK, "valid npz of %zu members refused: %s", nm, err.msg);
	FUZZ_CHECK(f->n == nm, "%zu tensors, %zu written", f->n, nm);
	for (size_t k = 0; k < nm; k++) {
		const vxr_tensor *t = &f->t[k];
		FUZZ_CHECK(t->ndim == m[k].ndim && t->numel == m[k].numel, "arr_%zu: %zu dims, %llu values", k, t->ndim,
		           (unsigned long long)t->numel);
		double *got = malloc(t->numel * sizeof *got + 1);
		if (!got)
			abort();
		st = vxr_tensors_read(f, k, got, &err);
		FUZZ_CHECK(st == VX_OK, "arr_%zu unreadable: %s", k, err.msg);
		for (size_t e = 0; e < m[k].numel; e++)
			FUZZ_CHECK(got[e] == m[k].want[e] || (isnan(got[e]) && isnan(m[k].want[e])),
			           "arr_%zu (%c f%d %s) [%zu] = %.17g, written %.17g", k, m[k].big ? '>' : '<', m[k].width,
			           m[k].fortran ? "F" : "C", e, got[e], m[k].want[e]);
		/* the engine's .npy reader on the same member: the same matrix */
		if (m[k].ndim == 2 && m[k].width != 2 && m[k].numel > 0) {
			gsl_matrix *g = NULL;
			vx_status s2 = vx_matrix_parse("npy", m[k].npy, m[k].len, "arr.npy", &g, &err);
			if (s2 == VX_OK) {
				for (size_t r = 0; r < g->size1; r++)
					for (size_t c = 0; c < g->size2; c++)
						FUZZ_CHECK(gsl_matrix_get(g, r, c) == got[r * g->size2 + c],
						           "arr_%zu [%zu, %zu]: %.17g here, %.17g by vx_matrix_parse", k, r, c,
						           got[r * g->size2 + c], gsl_matrix_get(g, r, c));
				gsl_matrix_free(g);
			} else {
				/* it refuses only what it must: NaN or infinity */
				int finite = 1;
				for (size_t e = 0; e < m[k].numel; e++)
					finite &= isfinite(got[e]) != 0;
				FUZZ_CHECK(s2 == VX_ENONFINITE && !finite, "vx_matrix_parse refused arr_%zu: %s", k, err.msg);
			}
		}
		free(got);
		free(m[k].want);
		free(m[k].npy);
	}
	vxr_tensors_free(f);
	free(a.p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_tensors(data, size, "fuzz.npz");
	if (size > 0)
		generated(data, size);
	return 0;
}
