/*
 * test_load_inputs.c — the input sequences of a network (--inputs-file,
 * engine/matio.h) as numpy writes them: T×n and B×T×n .npy in float64 and
 * float32, either byte order, C and Fortran order, format 1.0 and 2.0, and
 * CSV from numpy.savetxt; every value read back exactly (==, float32 is
 * exact in a double), each sequence copied into a network's x forwards and
 * reversed; and every bad file refused with its status and one line naming
 * the fault.
 *
 * tests/fixtures/gen_inputs.py (numpy under /usr/bin/python3) writes the
 * files at test time with a manifest of what each holds; the test fails,
 * never skips, without it.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_errno.h>

#include "engine/matio.h"
#include "test_load_util.h"

static void setup(void)
{
	gsl_set_error_handler_off();
}

TestSuite(load_inputs, .init = setup);

static char dir[64];

static json_t *generate(void)
{
	json_t *m = load_generate("../fixtures/gen_inputs.py", "", dir);
	cr_assert(json_is_object(m), "manifest");
	return m;
}

Test(load_inputs, numpy_files_read_back_exactly_and_sequences_go_into_x_both_ways, .timeout = 120)
{
	json_t *man = generate();
	json_t *good = json_object_get(man, "good");
	cr_assert(json_array_size(good) >= 13, "%zu good files", json_array_size(good));
	size_t i, files = 0;
	json_t *e;
	json_array_foreach(good, i, e) {
		const char *file = jstr(e, "path");
		vx_inputs *in = NULL;
		vx_error err = { 0 };
		vx_status st = vx_inputs_read(file, &in, &err);
		cr_expect_eq(st, VX_OK, "%s: %s", file, err.msg);
		if (st != VX_OK)
			continue;
		size_t B = jsize(e, "B"), T = jsize(e, "T"), n = jsize(e, "n");
		cr_expect(in->B == B && in->T == T && in->n == n, "%s: read as %zux%zux%zu, numpy wrote %zux%zux%zu", file,
		          in->B, in->T, in->n, B, T, n);
		cr_expect_eq(in->batch, (int)jsize(e, "batch"), "%s: batch flag", file);
		json_t *x = json_object_get(e, "x");
		cr_assert_eq(json_array_size(x), B * T * n, "%s: manifest", file);
		size_t wrong = 0;
		for (size_t k = 0; k < B * T * n && in->B * in->T * in->n == B * T * n; k++) {
			double want = json_number_value(json_array_get(x, k));
			if (!(in->x[k] == want && signbit(in->x[k]) == signbit(want)) && wrong++ == 0)
				cr_expect(0, "%s: value %zu is %.17g, numpy wrote %.17g", file, k, in->x[k], want);
		}
		cr_expect_eq(wrong, 0, "%s: %zu values differ", file, wrong);
		cr_expect_eq(vx_inputs_check(in, file, n, &err), VX_OK, "%s: %s", file, err.msg);
		cr_expect_eq(vx_inputs_check(in, file, n + 1, &err), VX_ESHAPE);
		char want_msg[700];
		snprintf(want_msg, sizeof want_msg, "%s: %zu input%s per step, but the network reads n = %zu", file, n,
		         n == 1 ? "" : "s", n + 1);
		cr_expect_str_eq(err.msg, want_msg);

		/* every sequence into a network's x: forwards, reversed, and its first steps */
		for (size_t b = 0; b < B; b++)
			for (int rev = 0; rev < 2; rev++)
				for (size_t Tp = T; Tp + 2 > T && Tp >= 1; Tp--) {
					gsl_matrix *xm = gsl_matrix_alloc(Tp, n);
					cr_assert_eq(vx_inputs_sequence(in, b, rev, xm, &err), VX_OK, "%s", err.msg);
					for (size_t j = 0; j < Tp; j++)
						for (size_t c = 0; c < n; c++) {
							size_t step = rev ? Tp - 1 - j : j;
							double want = json_number_value(json_array_get(x, (b * T + step) * n + c));
							cr_expect_eq(gsl_matrix_get(xm, j, c), want, "%s: seq %zu %s row %zu col %zu", file, b,
							             rev ? "reversed" : "forwards", j, c);
						}
					gsl_matrix_free(xm);
				}
		gsl_matrix *wide = gsl_matrix_alloc(T, n + 1), *longer = gsl_matrix_alloc(T + 1, n);
		cr_expect_eq(vx_inputs_sequence(in, 0, 0, wide, &err), VX_EUSAGE, "%s: x with n + 1 columns", file);
		cr_expect_eq(vx_inputs_sequence(in, 0, 0, longer, &err), VX_EUSAGE, "%s: x with T + 1 rows", file);
		cr_expect_eq(vx_inputs_sequence(in, B, 0, longer, &err), VX_EUSAGE, "%s: sequence B", file);
		gsl_matrix_free(wide);
		gsl_matrix_free(longer);
		vx_inputs_free(in);
		files++;
	}
	cr_expect_eq(files, json_array_size(good));
	json_decref(man);
	load_remove_dir(dir);
}

Test(load_inputs, bad_files_are_refused_with_one_line_naming_the_fault, .timeout = 120)
{
	json_t *man = generate();
	json_t *bad = json_object_get(man, "bad");
	cr_assert(json_array_size(bad) >= 20, "%zu bad files", json_array_size(bad));
	size_t i;
	json_t *e;
	json_array_foreach(bad, i, e) {
		const char *file = jstr(e, "path"), *words = jstr(e, "words");
		vx_inputs *in = NULL;
		vx_error err = { 0 };
		vx_status st = vx_inputs_read(file, &in, &err), want = status_named(jstr(e, "status"));
		cr_expect_eq(st, want, "%s: status %d (%s), expected %s: %s", file, (int)st, vx_strerror(st),
		             jstr(e, "status"), err.msg);
		cr_expect(in == NULL, "%s: inputs returned with a failure", file);
		vx_inputs_free(in);
		cr_expect(strncmp(err.msg, file, strlen(file)) == 0, "%s: the message names another file: %s", file, err.msg);
		cr_expect(strstr(err.msg, words) != NULL, "%s: '%s' lacks '%s'", file, err.msg, words);
		expect_one_line(err.msg, file);
	}
	json_decref(man);
	load_remove_dir(dir);
}

/* What only bytes can say: the values of an exact-size buffer (a read past
 * the end is a fault under the sanitizers) and the limits of a CSV. */
Test(load_inputs, csv_limits_are_those_of_inputs_not_of_a_matrix)
{
	/* 5000 rows of one input: more than a matrix may have, fine for inputs */
	size_t rows = 5000;
	char *text = malloc(rows * 2 + 1);
	for (size_t j = 0; j < rows; j++)
		memcpy(text + 2 * j, j % 2 ? "1\n" : "2\n", 2);
	vx_inputs *in = NULL;
	vx_error err = { 0 };
	cr_assert_eq(vx_inputs_parse("csv", (unsigned char *)text, rows * 2, "x.csv", &in, &err), VX_OK, "%s", err.msg);
	cr_expect(in->B == 1 && in->T == rows && in->n == 1 && in->batch == 0);
	cr_expect(in->x[0] == 2 && in->x[rows - 1] == 1);
	vx_inputs_free(in);
	free(text);
	in = NULL;
	cr_expect_eq(vx_inputs_parse("tsv", (const unsigned char *)"1", 1, "x", &in, &err), VX_EINTERNAL);
	cr_expect_eq(vx_inputs_parse("npy", (const unsigned char *)"", 0, "x.npy", &in, &err), VX_EFORMAT);
	cr_expect(strstr(err.msg, "x.npy: empty file"), "%s", err.msg);
}
