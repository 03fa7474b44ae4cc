/*
 * fuzz_csv.c — the .csv reader (vx_matrix_parse "csv") under fuzzing.
 *
 * (1) Raw bytes: VX_OK with a finite matrix within the limits, or a status
 * with one line of detail.  An accepted text is also written back with %.17g
 * and read again: the second reading must give the same matrix bit for bit
 * (a reader that silently skips or misplaces a field fails this).
 * (2) The input drives a generator of valid CSV (shape, values, comment
 * lines, a blank last line); the values read must equal those written.
 */
#include <math.h>
#include <gsl/gsl_matrix.h>
#include "engine/matio.h"
#include "engine/params.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_INIT_GSL()

typedef struct {
	char *p;
	size_t n, cap;
} sbuf;

static void puts_(sbuf *b, const char *s)
{
	size_t n = strlen(s);
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	memcpy(b->p + b->n, s, n + 1);
	b->n += n;
}

static void check_same(const gsl_matrix *a, const gsl_matrix *b, const char *what)
{
	FUZZ_CHECK(a->size1 == b->size1 && a->size2 == b->size2, "%s: shape %zux%zu became %zux%zu",
	           what, a->size1, a->size2, b->size1, b->size2);
	for (size_t r = 0; r < a->size1; r++)
		for (size_t c = 0; c < a->size2; c++) {
			double x = gsl_matrix_get(a, r, c), y = gsl_matrix_get(b, r, c);
			FUZZ_CHECK(x == y, "%s: [%zu][%zu] %.17g became %.17g", what, r, c, x, y);
		}
}

/* Writes m as CSV with round-trip precision. */
static char *to_csv(const gsl_matrix *m)
{
	sbuf b = {0};
	char num[40];
	for (size_t r = 0; r < m->size1; r++) {
		for (size_t c = 0; c < m->size2; c++) {
			snprintf(num, sizeof num, "%s%.17g", c ? "," : "", gsl_matrix_get(m, r, c));
			puts_(&b, num);
		}
		puts_(&b, "\n");
	}
	return b.p;
}

static void raw(const uint8_t *d, size_t n)
{
	gsl_matrix *m = NULL;
	vx_error err = { 0 };
	vx_status st = vx_matrix_parse("csv", d, n, "fuzz.csv", &m, &err);
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

	char *text = to_csv(m);
	gsl_matrix *again = NULL;
	st = vx_matrix_parse("csv", (const unsigned char *)text, strlen(text), "again.csv", &again, &err);
	FUZZ_CHECK(st == VX_OK, "its own %%.17g rewrite rejected: %s", err.msg);
	check_same(m, again, "rewrite");
	gsl_matrix_free(again);
	free(text);
	gsl_matrix_free(m);
}

static unsigned next(const uint8_t *d, size_t n, size_t *i)
{
	unsigned v = d[*i % n];
	(*i)++;
	return v;
}

static void generated(const uint8_t *d, size_t n)
{
	size_t i = 0;
	unsigned c = next(d, n, &i);
	size_t rows = 1 + next(d, n, &i) % 6, cols = 1 + next(d, n, &i) % 6;
	gsl_matrix *want = gsl_matrix_alloc(rows, cols);
	if (!want)
		abort();
	sbuf b = {0};
	puts_(&b, "");
	if (c & 1)
		puts_(&b, "# written by the fuzz harness\n");
	for (size_t r = 0; r < rows; r++) {
		if ((c & 2) && r == 1)
			puts_(&b, "# a comment between rows\n");
		for (size_t k = 0; k < cols; k++) {
			unsigned char raw8[8];
			for (int q = 0; q < 8; q++)
				raw8[q] = (unsigned char)next(d, n, &i);
			double v;
			memcpy(&v, raw8, 8);
			if (!isfinite(v))
				v = (double)(int)(raw8[0] | raw8[1] << 8) / 64.0;
			gsl_matrix_set(want, r, k, v);
			char num[40];
			/* %.17g round-trips; %e with 16 digits after the point too */
			snprintf(num, sizeof num, (c & 4) ? "%s%.16e" : "%s%.17g", k ? "," : "", v);
			puts_(&b, num);
		}
		if (r + 1 < rows || !(c & 8))
			puts_(&b, "\n");
	}
	if (c & 16)
		puts_(&b, "\n");

	gsl_matrix *m = NULL;
	vx_error err = { 0 };
	vx_status st = vx_matrix_parse("csv", (const unsigned char *)b.p, b.n, "gen.csv", &m, &err);
	FUZZ_CHECK(st == VX_OK, "valid CSV rejected: %s\n%s", err.msg, b.p);
	check_same(want, m, "generated");
	gsl_matrix_free(m);
	gsl_matrix_free(want);
	free(b.p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	raw(data, size);
	if (size > 0)
		generated(data, size);
	return 0;
}
