/*
 * test_matio.c — .npy and .csv reading: every variant numpy writes, built
 * byte by byte here from the format specification (not by vanex), read back
 * and compared with the values written; and every malformed input mapped to
 * its status with a message naming the fault.
 */
#include <criterion/criterion.h>
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/matio.h"
#include "engine/params.h"

static void setup(void)
{
	gsl_set_error_handler_off();
}

TestSuite(matio, .init = setup);

/* ---- an .npy writer following the format description ---- */

typedef struct {
	unsigned char *b;
	size_t n, cap;
} buf_t;

static void put(buf_t *b, const void *p, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 64;
		b->b = realloc(b->b, b->cap);
		cr_assert(b->b != NULL);
	}
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

/* Magic, version, header length and the dict padded with spaces to a
 * multiple of 64 and ended by '\n', as numpy writes it. */
static void npy_header(buf_t *b, int major, const char *dict)
{
	size_t pre = major == 1 ? 10 : 12;
	size_t dl = strlen(dict);
	size_t total = pre + dl + 1;
	size_t pad = (64 - total % 64) % 64;
	size_t hlen = dl + pad + 1;
	unsigned char m[12] = { 0x93, 'N', 'U', 'M', 'P', 'Y', (unsigned char)major, 0 };
	m[8] = (unsigned char)(hlen & 0xff);
	m[9] = (unsigned char)(hlen >> 8 & 0xff);
	m[10] = (unsigned char)(hlen >> 16 & 0xff);
	m[11] = (unsigned char)(hlen >> 24 & 0xff);
	put(b, m, pre);
	put(b, dict, dl);
	for (size_t i = 0; i < pad; i++)
		put(b, " ", 1);
	put(b, "\n", 1);
}

/* One value in the given width and byte order. */
static void put_value(buf_t *b, double v, int size, int big)
{
	unsigned char bytes[8];
	if (size == 8) {
		uint64_t u;
		memcpy(&u, &v, 8);
		for (int i = 0; i < 8; i++)
			bytes[big ? 7 - i : i] = (unsigned char)(u >> (8 * i));
	} else {
		float f = (float)v;
		uint32_t u;
		memcpy(&u, &f, 4);
		for (int i = 0; i < 4; i++)
			bytes[big ? 3 - i : i] = (unsigned char)(u >> (8 * i));
	}
	put(b, bytes, (size_t)size);
}

/* The test matrix: entries exact in float32 too, of both signs and spread
 * exponents, different in every position (so a transposition shows). */
static double val(size_t i, size_t j)
{
	return ((double)(i * 7 + j) - 5.5) * ldexp(1.0, (int)(i + j) - 3);
}

/* A rows×cols matrix of val() in the given layout. */
static buf_t make_npy(int major, const char *descr, int fortran, size_t rows, size_t cols)
{
	buf_t b = { 0 };
	char dict[256];
	snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': %s, 'shape': (%zu, %zu), }", descr,
	         fortran ? "True" : "False", rows, cols);
	npy_header(&b, major, dict);
	int size = descr[2] == '8' ? 8 : 4;
	int big = descr[0] == '>';
	if (fortran) {
		for (size_t j = 0; j < cols; j++)
			for (size_t i = 0; i < rows; i++)
				put_value(&b, val(i, j), size, big);
	} else {
		for (size_t i = 0; i < rows; i++)
			for (size_t j = 0; j < cols; j++)
				put_value(&b, val(i, j), size, big);
	}
	return b;
}

static void expect_values(const gsl_matrix *m, size_t rows, size_t cols)
{
	cr_assert_eq(m->size1, rows, "rows: got %zu, expected %zu", m->size1, rows);
	cr_assert_eq(m->size2, cols, "cols: got %zu, expected %zu", m->size2, cols);
	for (size_t i = 0; i < rows; i++)
		for (size_t j = 0; j < cols; j++)
			cr_assert_eq(gsl_matrix_get(m, i, j), val(i, j), "entry (%zu,%zu): got %.17g, expected %.17g",
			             i, j, gsl_matrix_get(m, i, j), val(i, j));
}

/* ---- every valid variant ---- */

Test(matio, npy_all_variants_read_back_exactly)
{
	static const char *descrs[] = { "<f8", ">f8", "<f4", ">f4" };
	for (int major = 1; major <= 3; major++)
		for (int d = 0; d < 4; d++)
			for (int f = 0; f < 2; f++) {
				buf_t b = make_npy(major, descrs[d], f, 3, 5);
				gsl_matrix *m = NULL;
				vx_error err = { 0 };
				vx_status st = vx_matrix_parse("npy", b.b, b.n, "W.npy", &m, &err);
				cr_assert_eq(st, VX_OK, "v%d %s fortran=%d: status %d (%s)", major, descrs[d], f, st, err.msg);
				expect_values(m, 3, 5);
				gsl_matrix_free(m);
				free(b.b);
			}
}

Test(matio, npy_header_variants_numpy_may_write)
{
	/* Keys in another order, double quotes, no trailing comma, no padding. */
	const char *dicts[] = {
		"{'fortran_order': False, 'shape': (2, 2), 'descr': '<f8'}",
		"{\"descr\": \"<f8\", \"fortran_order\": False, \"shape\": (2,2)}",
		"{'descr':'<f8','fortran_order':False,'shape':(2, 2,),}",
	};
	for (size_t k = 0; k < 3; k++) {
		buf_t b = { 0 };
		npy_header(&b, 1, dicts[k]);
		for (size_t i = 0; i < 2; i++)
			for (size_t j = 0; j < 2; j++)
				put_value(&b, val(i, j), 8, 0);
		gsl_matrix *m = NULL;
		vx_error err = { 0 };
		cr_assert_eq(vx_matrix_parse("npy", b.b, b.n, "W.npy", &m, &err), VX_OK, "dict %zu: %s", k, err.msg);
		expect_values(m, 2, 2);
		gsl_matrix_free(m);
		free(b.b);
	}
}

/* ---- malformed .npy ---- */

/* Parses b and checks the status and that the message names the file and
 * contains the given fragment. */
static void expect_fail(const char *kind, const unsigned char *p, size_t n, vx_status want,
                        const char *fragment, const char *what)
{
	gsl_matrix *m = NULL;
	vx_error err = { 0 };
	vx_status st = vx_matrix_parse(kind, p, n, "W.npy", &m, &err);
	cr_assert_eq(st, want, "%s: status %d, expected %d (%s)", what, st, want, err.msg);
	cr_assert_null(m, "%s: no matrix on failure", what);
	cr_assert(strncmp(err.msg, "W.npy: ", 7) == 0, "%s: message names the file: '%s'", what, err.msg);
	cr_assert(strstr(err.msg, fragment) != NULL, "%s: message '%s' should contain '%s'", what, err.msg,
	          fragment);
	cr_assert(strchr(err.msg, '\n') == NULL, "%s: one line", what);
}

static void expect_npy_dict_fail(const char *dict, size_t data_bytes, vx_status want,
                                 const char *fragment)
{
	buf_t b = { 0 };
	npy_header(&b, 1, dict);
	for (size_t i = 0; i < data_bytes; i++)
		put(&b, "\0", 1);
	expect_fail("npy", b.b, b.n, want, fragment, dict);
	free(b.b);
}

Test(matio, npy_bad_magic_and_version)
{
	expect_fail("npy", (const unsigned char *)"", 0, VX_EFORMAT, "empty", "empty");
	expect_fail("npy", (const unsigned char *)"\x93NUM", 4, VX_EFORMAT, "magic", "short magic");
	expect_fail("npy", (const unsigned char *)"PK\x03\x04xxxxxxxxxxxxxxxx", 20, VX_EFORMAT, "magic",
	            "a zip (npz)");
	expect_fail("npy", (const unsigned char *)"\x93NUMPY\x01", 7, VX_EFORMAT, "magic", "no version minor");
	expect_fail("npy", (const unsigned char *)"\x93NUMPY\x01\x00\x10", 9, VX_EFORMAT, "header length",
	            "short length");
	expect_fail("npy", (const unsigned char *)"\x93NUMPY\x04\x00\x10\x00{}", 12, VX_EFORMAT, "version 4.0",
	            "version 4");
}

Test(matio, npy_truncated_header)
{
	buf_t b = make_npy(1, "<f8", 0, 2, 2);
	expect_fail("npy", b.b, 50, VX_EFORMAT, "truncated npy header: expected 118 bytes, found 40",
	            "header cut");
	free(b.b);
}

Test(matio, npy_huge_header_rejected)
{
	/* Version 2 allows a 4 GiB header; the length alone is refused. */
	unsigned char h[16] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0, 0x00, 0x00, 0x00, 0x40, '{', '}', ' ', '\n' };
	expect_fail("npy", h, sizeof h, VX_ETOOBIG, "header", "1 GiB header");
}

Test(matio, npy_truncated_and_trailing_data)
{
	buf_t b = make_npy(1, "<f8", 0, 3, 4);
	/* 3×4 float64 = 96 bytes after the 128-byte header; keep 40 of them. */
	cr_assert_eq(b.n, 128 + 96u);
	expect_fail("npy", b.b, 128 + 40, VX_EFORMAT, "truncated data: expected 96 bytes, found 40", "cut data");
	put(&b, "\0\0\0\0\0\0\0\0", 8);
	expect_fail("npy", b.b, b.n, VX_EFORMAT, "8 bytes of trailing data", "extra data");
	free(b.b);
}

Test(matio, npy_non_float_dtypes)
{
	expect_npy_dict_fail("{'descr': '<i8', 'fortran_order': False, 'shape': (2, 2), }", 32, VX_EFORMAT,
	                     "'<i8'");
	expect_npy_dict_fail("{'descr': '|O', 'fortran_order': False, 'shape': (2, 2), }", 32, VX_EFORMAT, "'|O'");
	expect_npy_dict_fail("{'descr': '<c16', 'fortran_order': False, 'shape': (2, 2), }", 64, VX_EFORMAT,
	                     "'<c16'");
	expect_npy_dict_fail("{'descr': '<f2', 'fortran_order': False, 'shape': (2, 2), }", 8, VX_EFORMAT, "'<f2'");
	expect_npy_dict_fail("{'descr': '<U8', 'fortran_order': False, 'shape': (2, 2), }", 128, VX_EFORMAT,
	                     "'<U8'");
	expect_npy_dict_fail("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (2, 2), }", 32,
	                     VX_EFORMAT, "structured");
}

Test(matio, npy_wrong_dimensions)
{
	expect_npy_dict_fail("{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }", 32, VX_ESHAPE, "1-D");
	expect_npy_dict_fail("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2, 2), }", 64, VX_ESHAPE,
	                     "3-D");
	expect_npy_dict_fail("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", 8, VX_ESHAPE, "0-D");
	expect_npy_dict_fail("{'descr': '<f8', 'fortran_order': False, 'shape': (0, 3), }", 0, VX_ESHAPE, "empty");
}

Test(matio, npy_too_large_rejected_before_reading_data)
{
	/* No data at all follows: the size limit must fire first, not "truncated". */
	expect_npy_dict_fail("{'descr': '<f8', 'fortran_order': False, 'shape': (4097, 4097), }", 0, VX_ETOOBIG,
	                     "4097x4097");
	expect_npy_dict_fail("{'descr': '<f8', 'fortran_order': False, 'shape': (100000000000000000000, 2), }", 0,
	                     VX_ETOOBIG, "limit");
	expect_npy_dict_fail("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 4097), }", 0, VX_ETOOBIG,
	                     "limit");
}

Test(matio, npy_malformed_dicts)
{
	expect_npy_dict_fail("{'descr': '<f8', 'shape': (2, 2), }", 32, VX_EFORMAT, "fortran_order");
	expect_npy_dict_fail("{'descr': '<f8', 'fortran_order': False, }", 32, VX_EFORMAT, "shape");
	expect_npy_dict_fail("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), 'x': 1}", 32, VX_EFORMAT,
	                     "'x'");
	expect_npy_dict_fail("{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (2, 2)}", 32,
	                     VX_EFORMAT, "'descr'");
	expect_npy_dict_fail("{'descr': '<f8', 'fortran_order': Maybe, 'shape': (2, 2)}", 32, VX_EFORMAT,
	                     "fortran_order");
	expect_npy_dict_fail("{'descr': '<f8', 'fortran_order': False, 'shape': (2, -2)}", 32, VX_EFORMAT, "shape");
	expect_npy_dict_fail("['descr', '<f8']", 32, VX_EFORMAT, "not a dict");
	expect_npy_dict_fail("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2)} junk", 32, VX_EFORMAT,
	                     "trailing");
}

Test(matio, npy_nonfinite_entries)
{
	static const double bad[] = { NAN, INFINITY, -INFINITY };
	static const char *names[] = { "NaN", "infinite", "infinite" };
	for (int k = 0; k < 3; k++) {
		buf_t b = { 0 };
		npy_header(&b, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 3), }");
		for (size_t i = 0; i < 9; i++)
			put_value(&b, i == 5 ? bad[k] : 1.0, 8, 0);
		/* C order: flat index 5 is row 2, column 3. */
		expect_fail("npy", b.b, b.n, VX_ENONFINITE, "(2,3)", names[k]);
		expect_fail("npy", b.b, b.n, VX_ENONFINITE, names[k], names[k]);
		free(b.b);
	}
	/* A float32 NaN is caught too. */
	buf_t b = { 0 };
	npy_header(&b, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }");
	put_value(&b, 1.0, 4, 0);
	put_value(&b, NAN, 4, 0);
	expect_fail("npy", b.b, b.n, VX_ENONFINITE, "NaN", "f4 NaN");
	free(b.b);
}

/* ---- .csv ---- */

static void expect_csv_fail(const char *text, vx_status want, const char *fragment)
{
	gsl_matrix *m = NULL;
	vx_error err = { 0 };
	vx_status st = vx_matrix_parse("csv", (const unsigned char *)text, strlen(text), "W.csv", &m, &err);
	cr_assert_eq(st, want, "csv '%s': status %d, expected %d (%s)", text, st, want, err.msg);
	cr_assert_null(m);
	cr_assert(strncmp(err.msg, "W.csv: ", 7) == 0, "message names the file: '%s'", err.msg);
	cr_assert(strstr(err.msg, fragment) != NULL, "csv '%s': message '%s' should contain '%s'", text, err.msg,
	          fragment);
}

Test(matio, csv_reads_numbers_comments_blanks_crlf)
{
	const char *text = "# W written by hand\n"
	                   " 0.1, -2.5e-3 ,3\r\n"
	                   "\n"
	                   "1e2,0,-0.0   # row two\n"
	                   "4,5,6\n"
	                   "\n";
	const double want[3][3] = { { 0.1, -2.5e-3, 3 }, { 1e2, 0, -0.0 }, { 4, 5, 6 } };
	gsl_matrix *m = NULL;
	vx_error err = { 0 };
	cr_assert_eq(vx_matrix_parse("csv", (const unsigned char *)text, strlen(text), "W.csv", &m, &err), VX_OK,
	             "%s", err.msg);
	cr_assert_eq(m->size1, 3);
	cr_assert_eq(m->size2, 3);
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			cr_assert_eq(gsl_matrix_get(m, i, j), want[i][j], "entry (%d,%d)", i, j);
	gsl_matrix_free(m);
}

Test(matio, csv_errors)
{
	expect_csv_fail("", VX_EFORMAT, "empty");
	expect_csv_fail("# only a comment\n\n", VX_EFORMAT, "no numbers");
	expect_csv_fail("1,2\n3,4\n5\n", VX_ESHAPE, "line 3: 1 columns, expected 2");
	expect_csv_fail("1,2\n3,4,5\n", VX_ESHAPE, "line 2");
	expect_csv_fail("1,nan\n", VX_ENONFINITE, "NaN");
	expect_csv_fail("1,2\ninf,4\n", VX_ENONFINITE, "line 2: field 1");
	expect_csv_fail("1,1e999\n", VX_ENONFINITE, "out of range");
	expect_csv_fail("1,abc\n", VX_EFORMAT, "line 1: field 2 is not a number: 'abc'");
	expect_csv_fail("1,,2\n", VX_EFORMAT, "field 2 is empty");
	expect_csv_fail("1;2\n", VX_EFORMAT, "not a number");
	expect_csv_fail("1 2\n", VX_EFORMAT, "not a number");
	/* An embedded NUL must not end the field early. */
	gsl_matrix *m = NULL;
	vx_error err = { 0 };
	cr_assert_eq(vx_matrix_parse("csv", (const unsigned char *)"1\0002,3\n", 6, "W.csv", &m, &err), VX_EFORMAT,
	             "NUL inside a field: %s", err.msg);
	cr_expect(strstr(err.msg, "field 1 is not a number: '1\\x00...'") != NULL, "the NUL shown: %s", err.msg);
	/* bytes outside printable ASCII as \xNN, at most 40 bytes of the field */
	expect_csv_fail("1,a\x1b[2J\xce\xbb\n", VX_EFORMAT, "field 2 is not a number: 'a\\x1b[2J\\xce\\xbb'");
	expect_csv_fail("x123456789012345678901234567890123456789012345\n", VX_EFORMAT,
	                "not a number: 'x123456789012345678901234567890123456789...'");
}

Test(matio, csv_too_many_rows_or_columns)
{
	/* 4097 columns on the first line. */
	size_t n = (VX_MAX_HIDDEN + 1) * 2;
	char *text = malloc(n + 2);
	for (size_t i = 0; i < VX_MAX_HIDDEN + 1; i++) {
		text[2 * i] = '1';
		text[2 * i + 1] = ',';
	}
	text[n - 1] = '\n';
	text[n] = '\0';
	expect_csv_fail(text, VX_ETOOBIG, "more than 4096 columns");
	/* 4097 rows of one number. */
	for (size_t i = 0; i < VX_MAX_HIDDEN + 1; i++) {
		text[2 * i] = '1';
		text[2 * i + 1] = '\n';
	}
	expect_csv_fail(text, VX_ETOOBIG, "more than 4096 rows");
	free(text);
}

/* ---- files ---- */

static char tmpdir[64];

static void mk_tmp(void)
{
	strcpy(tmpdir, "/tmp/vanex-test-matio-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f, "cannot write %s", path);
	cr_assert_eq(fwrite(p, 1, n, f), n);
	fclose(f);
}

Test(matio, files_npy_csv_dir_missing_nonsquare)
{
	mk_tmp();
	char p[128];
	gsl_matrix *m = NULL;
	vx_error err = { 0 };

	buf_t b = make_npy(1, "<f8", 1, 4, 4);
	snprintf(p, sizeof p, "%s/W.npy", tmpdir);
	write_file(p, b.b, b.n);
	cr_assert_eq(vx_matrix_read_square(p, &m, &err), VX_OK, "%s", err.msg);
	expect_values(m, 4, 4);
	gsl_matrix_free(m);
	m = NULL;
	/* The magic decides even under another name. */
	snprintf(p, sizeof p, "%s/weights.bin", tmpdir);
	write_file(p, b.b, b.n);
	cr_assert_eq(vx_matrix_read(p, &m, &err), VX_OK, "%s", err.msg);
	gsl_matrix_free(m);
	m = NULL;
	free(b.b);

	snprintf(p, sizeof p, "%s/W.csv", tmpdir);
	write_file(p, "1,2,3\n4,5,6\n", 12);
	cr_assert_eq(vx_matrix_read(p, &m, &err), VX_OK, "%s", err.msg);
	cr_assert_eq(m->size1, 2);
	cr_assert_eq(m->size2, 3);
	gsl_matrix_free(m);
	m = NULL;
	cr_assert_eq(vx_matrix_read_square(p, &m, &err), VX_ESHAPE);
	cr_assert(strstr(err.msg, "square") && strstr(err.msg, "2x3"), "non-square message: %s", err.msg);
	cr_assert_null(m);

	/* A .npy name without the magic is a bad npy file, not a CSV. */
	snprintf(p, sizeof p, "%s/text.npy", tmpdir);
	write_file(p, "1,2\n3,4\n", 8);
	cr_assert_eq(vx_matrix_read(p, &m, &err), VX_EFORMAT);
	cr_assert(strstr(err.msg, "magic"), "%s", err.msg);

	snprintf(p, sizeof p, "%s/empty.npy", tmpdir);
	write_file(p, "", 0);
	cr_assert_eq(vx_matrix_read(p, &m, &err), VX_EFORMAT);
	cr_assert(strstr(err.msg, "empty"), "%s", err.msg);

	cr_assert_eq(vx_matrix_read(tmpdir, &m, &err), VX_EIO);
	cr_assert(strstr(err.msg, "directory") && strstr(err.msg, tmpdir), "%s", err.msg);

	snprintf(p, sizeof p, "%s/missing.npy", tmpdir);
	cr_assert_eq(vx_matrix_read(p, &m, &err), VX_EIO);
	cr_assert(strstr(err.msg, "missing.npy") && strstr(err.msg, "No such file"), "%s", err.msg);

	/* A pipe is read as a stream. */
	cr_assert_eq(vx_matrix_read("/dev/null", &m, &err), VX_EFORMAT);
	cr_assert(strstr(err.msg, "empty"), "%s", err.msg);

	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	cr_assert_eq(system(cmd), 0);
}
