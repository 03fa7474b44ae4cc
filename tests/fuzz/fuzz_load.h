/*
 * fuzz_load.h — what the harnesses of report/load/ check on any input once a
 * reader has had it: the list, every listed tensor read, the recurrent
 * modules found and each turned into a vx_net (both directions), all either
 * working or refused with one line.  Header-only and static, like
 * fuzz_util.h.
 */
#ifndef VX_FUZZ_LOAD_H
#define VX_FUZZ_LOAD_H

#include "engine/net.h"
#include "report/load/find.h"
#include "report/load/tensors.h"
#include "tests/fuzz/fuzz_util.h"

/* The next input byte, cyclically (so that short inputs still generate). */
static inline unsigned fuzz_next(const uint8_t *d, size_t n, size_t *i)
{
	return d[(*i)++ % n];
}

/* IEEE binary16 bits as the format defines them, for the generators. */
static inline double fuzz_half(unsigned h)
{
	int e = (int)(h >> 10) & 31;
	double m = h & 1023, v = e == 0 ? ldexp(m, -24) : e == 31 ? (m ? NAN : INFINITY) : ldexp(1 + m / 1024, e - 15);
	return h & 0x8000 ? -v : v;
}

/* Reads every tensor of f (those of a read dtype); a listed tensor's bytes
 * are in the file, so only a zip member's CRC may still refuse one. */
static inline void fuzz_read_all(vxr_tensors *f)
{
	for (size_t i = 0; i < f->n; i++) {
		const vxr_tensor *t = &f->t[i];
		FUZZ_CHECK(t->name != NULL, "tensor %zu without a name", i);
		FUZZ_CHECK(t->ndim <= VXR_TENSOR_MAX_DIMS, "%s: ndim %zu", t->name, t->ndim);
		if (t->dtype == VXR_OTHER || t->numel > VXR_TENSOR_MAX_READ)
			continue;
		double *v = malloc((size_t)t->numel * sizeof *v + 1);
		FUZZ_CHECK(v, "out of memory for %llu values", (unsigned long long)t->numel);
		vx_error err = { 0 };
		vx_status st = vxr_tensors_read(f, i, v, &err);
		if (st != VX_OK) {
			fuzz_check_error(st, &err);
			FUZZ_CHECK(t->at.member >= 0, "%s: bytes of the file refused: %s", t->name, err.msg);
		}
		free(v);
	}
}

/* The modules of f, and a network of each in each direction. */
static inline void fuzz_modules(vxr_tensors *f)
{
	vxr_module *mods = NULL;
	size_t n = 0, pick = 0;
	vx_error err = { 0 };
	vx_status st = vxr_find_modules(f, &mods, &n, &err);
	FUZZ_CHECK(st == VX_OK, "module search failed: %s", err.msg);
	st = vxr_find_select(f, mods, n, NULL, &pick, &err);
	if (st != VX_OK)
		fuzz_check_error(st, &err);
	for (size_t k = 0; k < n; k++) {
		const vxr_module *m = &mods[k];
		st = vxr_find_select(f, mods, n, m->name, &pick, &err);
		if (st != VX_OK) {
			fuzz_check_error(st, &err);
			FUZZ_CHECK(m->problem[0] || strcmp(mods[pick].name, m->name) != 0,
			           "module %s without a problem not picked: %s", m->name, err.msg);
			continue;
		}
		for (int rev = 0; rev < 2; rev++) {
			vx_net *net = NULL;
			st = vxr_find_net(f, &mods[pick], rev, VX_TANH, 2, &net, &err);
			if (st != VX_OK) {
				fuzz_check_error(st, &err);
				continue;
			}
			FUZZ_CHECK(vx_net_validate(net, &err) == VX_OK, "network of %s invalid: %s", m->name, err.msg);
			vx_net_free(net);
		}
	}
	vxr_modules_free(mods, n);
}

/* The bytes through vxr_tensors_parse, then the two checks above. */
static inline void fuzz_tensors(const uint8_t *d, size_t n, const char *name)
{
	vxr_tensors *f = NULL;
	vx_error err = { 0 };
	vx_status st = vxr_tensors_parse(d, n, name, &f, &err);
	if (st != VX_OK) {
		fuzz_check_error(st, &err);
		FUZZ_CHECK(f == NULL, "a list returned with status %d", (int)st);
		return;
	}
	fuzz_read_all(f);
	fuzz_modules(f);
	vxr_tensors_free(f);
}

#endif
