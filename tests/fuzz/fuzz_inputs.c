/*
 * fuzz_inputs.c — the reader of input sequences (vx_inputs_parse, .npy of
 * T×n or B×T×n and .csv of T×n) under fuzzing.
 *
 * (1) The raw bytes, as .npy and as .csv: VX_OK with sizes within the limits
 * engine/matio.h states and every value finite, each sequence copied into a
 * network's x forwards and reversed as it lies in the array; or a status with
 * one line of detail.  (2) The bytes drive a generator of valid .npy files of
 * 2 or 3 dimensions (dtype, byte order, C or Fortran order, version, shape
 * and values chosen by the input), and the values read back must equal the
 * values written, exactly: a misplaced stride in three dimensions is a wrong
 * input fed to the network, which no sanitizer sees.
 */
#include <math.h>
#include <gsl/gsl_matrix.h>
#include "engine/matio.h"
#include "engine/params.h"
#include "tests/fuzz/fuzz_npyw.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_INIT_GSL()

/* ---- raw bytes ---- */

static void raw(const char *kind, const uint8_t *d, size_t n)
{
	vx_inputs *in = NULL;
	vx_error err = {0};
	vx_status st = vx_inputs_parse(kind, d, n, "fuzz", &in, &err);
	if (st != VX_OK) {
		fuzz_check_error(st, &err);
		FUZZ_CHECK(in == NULL, "inputs returned with status %d", (int)st);
		return;
	}
	FUZZ_CHECK(in && in->x, "VX_OK without inputs");
	FUZZ_CHECK(in->B >= 1 && in->B <= VX_MAX_BATCH && in->T >= 1 && in->T <= VX_MAX_STEPS && in->n >= 1 &&
	           in->n <= VX_MAX_INPUTS && in->B * in->T * in->n <= VX_MAX_INPUT_VALUES,
	           "accepted %zux%zux%zu", in->B, in->T, in->n);
	FUZZ_CHECK(in->batch || in->B == 1, "B = %zu without a batch", in->B);
	size_t all = in->B * in->T * in->n;
	for (size_t k = 0; k < all; k++)
		FUZZ_CHECK(isfinite(in->x[k]), "non-finite value %zu accepted", k);
	FUZZ_CHECK(vx_inputs_check(in, "fuzz", in->n, &err) == VX_OK, "own n refused: %s", err.msg);
	if (in->T * in->n <= 4096) {
		size_t b = in->B - 1;
		gsl_matrix *x = gsl_matrix_alloc(in->T, in->n);
		if (!x)
			abort();
		FUZZ_CHECK(vx_inputs_sequence(in, b, 1, x, &err) == VX_OK, "%s", err.msg);
		for (size_t j = 0; j < in->T; j++)
			for (size_t c = 0; c < in->n; c++)
				FUZZ_CHECK(gsl_matrix_get(x, j, c) == in->x[(b * in->T + in->T - 1 - j) * in->n + c],
				           "reversed row %zu col %zu", j, c);
		gsl_matrix_free(x);
	}
	vx_inputs_free(in);
}

/* ---- generated valid files ---- */

static void generated(const uint8_t *d, size_t n)
{
	size_t i = 0;
	unsigned c = npyw_next(d, n, &i);
	int f32 = c & 1, big = (c >> 1) & 1, fortran = (c >> 2) & 1, three = (c >> 3) & 1;
	int major = 1 + (int)((c >> 4) % 3);
	size_t B = three ? 1 + npyw_next(d, n, &i) % 4 : 1, T = 1 + npyw_next(d, n, &i) % 6, m = 1 + npyw_next(d, n, &i) % 4;
	size_t all = B * T * m;
	double *want = malloc(all * sizeof *want);
	if (!want)
		abort();
	for (size_t k = 0; k < all; k++)
		want[k] = npyw_value(d, n, &i, f32);

	char dict[256], shape[64];
	if (three)
		snprintf(shape, sizeof shape, "(%zu, %zu, %zu)", B, T, m);
	else
		snprintf(shape, sizeof shape, "(%zu, %zu)", T, m);
	snprintf(dict, sizeof dict, "{'descr': '%c%s', 'fortran_order': %s, 'shape': %s, }", big ? '>' : '<',
	         f32 ? "f4" : "f8", fortran ? "True" : "False", shape);
	npyw_buf b = {0};
	npyw_header(&b, major, dict);
	/* the file's k-th element: C order as want, or the first index fastest */
	for (size_t k = 0; k < all; k++) {
		size_t q = k;
		if (fortran) {
			size_t i0, i1, i2;
			if (three) {
				i0 = q % B, q /= B, i1 = q % T, i2 = q / T;
				q = (i0 * T + i1) * m + i2;
			} else {
				i1 = q % T, i2 = q / T;
				q = i1 * m + i2;
			}
		}
		npyw_scalar(&b, want[q], f32, big);
	}

	vx_inputs *in = NULL;
	vx_error err = {0};
	vx_status st = vx_inputs_parse("npy", b.p, b.n, "gen.npy", &in, &err);
	FUZZ_CHECK(st == VX_OK, "valid %s %s%s v%d rejected: %s", shape, big ? ">" : "<", f32 ? "f4" : "f8", major,
	           err.msg);
	FUZZ_CHECK(in->B == B && in->T == T && in->n == m && in->batch == three, "%s read as %zux%zux%zu", shape,
	           in->B, in->T, in->n);
	for (size_t k = 0; k < all; k++)
		FUZZ_CHECK(in->x[k] == want[k], "%s %s: value %zu is %.17g, the file holds %.17g", shape,
		           fortran ? "F" : "C", k, in->x[k], want[k]);
	vx_inputs_free(in);
	free(b.p);
	free(want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	raw("npy", data, size);
	raw("csv", data, size);
	if (size > 0)
		generated(data, size);
	return 0;
}
