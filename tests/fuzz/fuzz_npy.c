/*
 * fuzz_npy.c — the .npy reader (vx_matrix_parse "npy") under fuzzing.
 *
 * Two checks per input.  (1) The raw bytes as a file: any input must give
 * either VX_OK with a finite matrix within the size limits, or a status with
 * one line of detail; nothing else, and no leak.  (2) The same bytes drive a
 * generator of VALID .npy files (version, dtype, byte order, C/Fortran order,
 * shape, values chosen by the input), and the values read back must equal the
 * values written, exactly: a wrong transpose or byte swap would be a wrong
 * number printed as right, which no sanitizer sees.
 */
#include <math.h>
#include <gsl/gsl_matrix.h>
#include "engine/matio.h"
#include "engine/params.h"
#include "tests/fuzz/fuzz_npyw.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_INIT_GSL()

/* ---- generator of valid files ---- */

static void generated(const uint8_t *d, size_t n)
{
	size_t i = 0;
	unsigned c = npyw_next(d, n, &i);
	int f32 = c & 1, big = (c >> 1) & 1, fortran = (c >> 2) & 1;
	int major = 1 + (int)((c >> 3) % 3);
	size_t rows = 1 + npyw_next(d, n, &i) % 7, cols = 1 + npyw_next(d, n, &i) % 7;
	int spaces = (int)(npyw_next(d, n, &i) % 3);

	double *want = malloc(rows * cols * sizeof *want);
	if (!want)
		abort();
	for (size_t k = 0; k < rows * cols; k++)
		want[k] = npyw_value(d, n, &i, f32);

	char dict[256];
	snprintf(dict, sizeof dict, "{'descr': '%c%s', 'fortran_order': %s, 'shape': (%zu,%s%zu), }",
	         big ? '>' : '<', f32 ? "f4" : "f8", fortran ? "True" : "False", rows, spaces == 1 ? " " : "", cols);
	npyw_buf b = {0};
	npyw_header(&b, major, dict);
	for (size_t k = 0; k < rows * cols; k++) {
		/* element k of the file is (r, c) in C order, (c, r) in Fortran order */
		size_t r = fortran ? k % rows : k / cols, cc = fortran ? k / rows : k % cols;
		npyw_scalar(&b, want[r * cols + cc], f32, big);
	}

	gsl_matrix *m = NULL;
	vx_error err = { 0 };
	vx_status st = vx_matrix_parse("npy", b.p, b.n, "gen.npy", &m, &err);
	FUZZ_CHECK(st == VX_OK, "valid %s%s %s v%d %zux%zu rejected: %s", big ? ">" : "<",
	           f32 ? "f4" : "f8", fortran ? "F" : "C", major, rows, cols, err.msg);
	FUZZ_CHECK(m && m->size1 == rows && m->size2 == cols, "shape %zux%zu read as %zux%zu",
	           rows, cols, m ? m->size1 : 0, m ? m->size2 : 0);
	for (size_t r = 0; r < rows; r++)
		for (size_t cc = 0; cc < cols; cc++) {
			double got = gsl_matrix_get(m, r, cc), w = want[r * cols + cc];
			FUZZ_CHECK(got == w || (got == 0 && w == 0), "%s%s %s: W[%zu][%zu] = %.17g, file holds %.17g",
			           big ? ">" : "<", f32 ? "f4" : "f8", fortran ? "F" : "C", r, cc, got, w);
		}
	gsl_matrix_free(m);
	free(b.p);
	free(want);
}

/* ---- raw bytes ---- */

static void raw(const uint8_t *d, size_t n)
{
	gsl_matrix *m = NULL;
	vx_error err = { 0 };
	vx_status st = vx_matrix_parse("npy", d, n, "fuzz.npy", &m, &err);
	if (st != VX_OK) {
		fuzz_check_error(st, &err);
		FUZZ_CHECK(m == NULL, "matrix returned with status %d", (int)st);
		return;
	}
	FUZZ_CHECK(m != NULL, "VX_OK without a matrix");
	FUZZ_CHECK(m->size1 >= 1 && m->size2 >= 1 && m->size1 <= VX_MAX_HIDDEN && m->size2 <= VX_MAX_HIDDEN,
	           "accepted shape %zux%zu", m->size1, m->size2);
	for (size_t r = 0; r < m->size1; r++)
		for (size_t c = 0; c < m->size2; c++)
			FUZZ_CHECK(isfinite(gsl_matrix_get(m, r, c)), "non-finite W[%zu][%zu] accepted", r, c);
	gsl_matrix_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	raw(data, size);
	if (size > 0)
		generated(data, size);
	return 0;
}
