/*
 * same_bits.h — results compared bit for bit, for the tests of the engine's
 * promise that threads change no number (exec.h): the unit suites and
 * tests/tsan/threads.c, which runs without Criterion.  Field by field where
 * a struct has padding (vx_mag), whose bytes no one writes.
 */
#ifndef VX_TEST_SAME_BITS_H
#define VX_TEST_SAME_BITS_H

#include <string.h>
#include <gsl/gsl_matrix.h>
#include "engine/analysis.h"
#include "engine/net_analysis.h"

/* Runs with threads tried before the sharing a test is there to show (a
 * thread taking rows of another's products, rowshare.h) counts as absent.
 * Whether a thread joins another's work in time is the machine's
 * scheduling: the caller of vx_net_analyse joined an orthogonal linear
 * chain of 119 products of 256 rows in its last 4 to 9 products, and missed
 * it in 3 runs of 62 of test_engine_net (a 2-core Zen 3, criterion's two
 * jobs beside it).  Each run is compared with one thread's to the bit. */
#define VX_TEST_SHARE_RUNS 8

static inline int same_bits(const void *a, const void *b, size_t n)
{
	return memcmp(a, b, n) == 0;
}

static inline int same_mag(vx_mag a, vx_mag b)
{
	return same_bits(&a.value, &b.value, sizeof a.value) && same_bits(&a.log10, &b.log10, sizeof a.log10) &&
	       a.fits == b.fits;
}

static inline int same_mags(const vx_mag *a, const vx_mag *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!same_mag(a[i], b[i]))
			return 0;
	return 1;
}

/* every field of t vanilla paths */
static inline int same_paths(const vx_path *a, const vx_path *b, size_t t)
{
	for (size_t k = 0; k < t; k++)
		if (a[k].k != b[k].k || a[k].gap != b[k].gap || !same_mag(a[k].norm, b[k].norm) ||
		    !same_mag(a[k].step_product, b[k].step_product) || !same_mag(a[k].bound, b[k].bound) ||
		    !same_mag(a[k].contribution, b[k].contribution) || !same_mag(a[k].delta_norm, b[k].delta_norm) ||
		    !same_mag(a[k].sprev_norm, b[k].sprev_norm))
			return 0;
	return 1;
}

static inline int same_net_paths(const vx_net_path *a, const vx_net_path *b, size_t t)
{
	for (size_t k = 0; k < t; k++)
		if (a[k].k != b[k].k || a[k].gap != b[k].gap || !same_mag(a[k].norm, b[k].norm) ||
		    !same_mag(a[k].step_product, b[k].step_product) || !same_mag(a[k].bound, b[k].bound))
			return 0;
	return 1;
}

/* the same shape and entries (NULL only beside NULL) */
static inline int same_matrix(const gsl_matrix *a, const gsl_matrix *b)
{
	if (!a || !b)
		return a == b;
	if (a->size1 != b->size1 || a->size2 != b->size2)
		return 0;
	for (size_t i = 0; i < a->size1; i++)
		if (!same_bits(gsl_matrix_const_ptr(a, i, 0), gsl_matrix_const_ptr(b, i, 0), a->size2 * sizeof(double)))
			return 0;
	return 1;
}

#endif
