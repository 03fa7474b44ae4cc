/*
 * matio.c — a square weight matrix and input sequences from .npy or .csv,
 * with libc only.
 *
 * Both parsers work on one byte buffer (engine/fileio.h reads the file, up
 * to a cap) and serve both readers: the .npy header, its length checks and
 * the conversion to doubles once, for any number of dimensions up to 3; the
 * CSV lines once, with the limits of the caller (VX_MAX_HIDDEN rows and
 * columns for W, VX_MAX_STEPS rows of VX_MAX_INPUTS for inputs).  Every
 * size is checked before anything is allocated, and every error names the
 * file and the fault.
 */
#include "engine/matio.h"
#include "engine/fileio.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/params.h"

/* The largest stream (pipe, device) read into memory: a 4096×4096 float64
 * matrix as CSV with generous digits fits. */
#define MATIO_FILE_MAX ((size_t)1 << 30)
/* numpy itself refuses headers above 10000 bytes unless told otherwise. */
#define NPY_HEADER_MAX 65536u
#define CSV_FIELD_MAX 511

/* ------------------------------------------------------------------ npy */

static const unsigned char npy_magic[6] = { 0x93, 'N', 'U', 'M', 'P', 'Y' };

/* Most dimensions whose sizes are kept (inputs are at most B×T×n). */
#define NPY_DIMS 3

/* The parsed header dict, and the data after it. */
typedef struct {
	int have_descr, have_order, have_shape;
	int big_endian;      /* descr '>' */
	int itemsize;        /* 4 or 8 */
	int fortran;
	size_t ndim;         /* as declared, even beyond NPY_DIMS */
	size_t shape[NPY_DIMS];
	const unsigned char *data;   /* every byte after the header (npy_open) */
	size_t have;                 /* how many */
} npy_header;

typedef struct {
	const char *p, *end;
	const char *name;
	vx_error *err;
} hdr_cursor;

static void hdr_skip_ws(hdr_cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

/* A Python string literal in single or double quotes, without escapes (the
 * keys and dtype strings numpy writes never need them).  Copies it into buf. */
static vx_status hdr_string(hdr_cursor *c, char *buf, size_t n, const char *what)
{
	hdr_skip_ws(c);
	if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
		return vx_fail(c->err, VX_EFORMAT, "%s: malformed npy header: expected a quoted %s",
		               c->name, what);
	char q = *c->p++;
	size_t len = 0;
	while (c->p < c->end && *c->p != q) {
		unsigned char ch = (unsigned char)*c->p;
		if (ch == '\\' || ch < 0x20 || ch >= 0x7f)
			return vx_fail(c->err, VX_EFORMAT, "%s: malformed npy header: unexpected byte 0x%02x in %s",
			               c->name, ch, what);
		if (len + 1 >= n)
			return vx_fail(c->err, VX_EFORMAT, "%s: malformed npy header: %s too long", c->name, what);
		buf[len++] = (char)ch;
		c->p++;
	}
	if (c->p >= c->end)
		return vx_fail(c->err, VX_EFORMAT, "%s: malformed npy header: unterminated %s", c->name, what);
	c->p++;
	buf[len] = '\0';
	return VX_OK;
}

static int hdr_accept(hdr_cursor *c, char ch)
{
	hdr_skip_ws(c);
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return 1;
	}
	return 0;
}

static int hdr_word(hdr_cursor *c, const char *w)
{
	size_t n = strlen(w);
	hdr_skip_ws(c);
	if ((size_t)(c->end - c->p) >= n && memcmp(c->p, w, n) == 0) {
		c->p += n;
		return 1;
	}
	return 0;
}

static vx_status hdr_descr(hdr_cursor *c, npy_header *h)
{
	char d[64];
	hdr_skip_ws(c);
	if (c->p < c->end && *c->p == '[')
		return vx_fail(c->err, VX_EFORMAT,
		               "%s: structured npy dtype not supported (accepted: <f8, >f8, <f4, >f4)", c->name);
	vx_status st = hdr_string(c, d, sizeof d, "descr");
	if (st != VX_OK)
		return st;
	if ((d[0] == '<' || d[0] == '>') && d[1] == 'f' && (d[2] == '8' || d[2] == '4') && d[3] == '\0') {
		h->big_endian = d[0] == '>';
		h->itemsize = d[2] - '0';
		return VX_OK;
	}
	return vx_fail(c->err, VX_EFORMAT, "%s: unsupported npy dtype '%s' (accepted: <f8, >f8, <f4, >f4)",
	               c->name, d);
}

static vx_status hdr_shape(hdr_cursor *c, npy_header *h)
{
	if (!hdr_accept(c, '('))
		return vx_fail(c->err, VX_EFORMAT, "%s: malformed npy header: shape is not a tuple", c->name);
	size_t ndim = 0;
	size_t dims[NPY_DIMS] = { 0 };
	hdr_skip_ws(c);
	while (!hdr_accept(c, ')')) {
		hdr_skip_ws(c);
		if (c->p >= c->end || !isdigit((unsigned char)*c->p))
			return vx_fail(c->err, VX_EFORMAT, "%s: malformed npy header: bad shape entry", c->name);
		/* Saturate instead of overflowing: anything that large is rejected anyway. */
		uint64_t v = 0;
		while (c->p < c->end && isdigit((unsigned char)*c->p)) {
			if (v < (uint64_t)1 << 60)
				v = v * 10 + (uint64_t)(*c->p - '0');
			c->p++;
		}
		hdr_word(c, "L"); /* Python 2 longs */
		if (ndim < NPY_DIMS)
			dims[ndim] = v > SIZE_MAX ? SIZE_MAX : (size_t)v;
		ndim++;
		if (!hdr_accept(c, ',')) {
			if (!hdr_accept(c, ')'))
				return vx_fail(c->err, VX_EFORMAT, "%s: malformed npy header: bad shape tuple", c->name);
			break;
		}
	}
	h->ndim = ndim;
	memcpy(h->shape, dims, sizeof dims);
	return VX_OK;
}

/* Parses the header dict strictly: exactly the keys descr, fortran_order and
 * shape, each once, as numpy's own reader demands. */
static vx_status npy_parse_header(const char *txt, size_t len, const char *name,
                                  npy_header *h, vx_error *err)
{
	hdr_cursor c = { txt, txt + len, name, err };
	vx_status st;
	memset(h, 0, sizeof *h);
	if (!hdr_accept(&c, '{'))
		return vx_fail(err, VX_EFORMAT, "%s: malformed npy header: not a dict", name);
	while (!hdr_accept(&c, '}')) {
		char key[32];
		if ((st = hdr_string(&c, key, sizeof key, "key")) != VX_OK)
			return st;
		if (!hdr_accept(&c, ':'))
			return vx_fail(err, VX_EFORMAT, "%s: malformed npy header: expected ':' after '%s'", name, key);
		if (strcmp(key, "descr") == 0 && !h->have_descr) {
			if ((st = hdr_descr(&c, h)) != VX_OK)
				return st;
			h->have_descr = 1;
		} else if (strcmp(key, "fortran_order") == 0 && !h->have_order) {
			if (hdr_word(&c, "True"))
				h->fortran = 1;
			else if (hdr_word(&c, "False"))
				h->fortran = 0;
			else
				return vx_fail(err, VX_EFORMAT, "%s: malformed npy header: fortran_order is not True/False",
				               name);
			h->have_order = 1;
		} else if (strcmp(key, "shape") == 0 && !h->have_shape) {
			if ((st = hdr_shape(&c, h)) != VX_OK)
				return st;
			h->have_shape = 1;
		} else {
			return vx_fail(err, VX_EFORMAT, "%s: malformed npy header: unexpected or repeated key '%s'",
			               name, key);
		}
		if (!hdr_accept(&c, ',')) {
			if (!hdr_accept(&c, '}'))
				return vx_fail(err, VX_EFORMAT, "%s: malformed npy header: expected ',' or '}'", name);
			break;
		}
	}
	hdr_skip_ws(&c);
	if (c.p != c.end)
		return vx_fail(err, VX_EFORMAT, "%s: malformed npy header: trailing bytes after the dict", name);
	if (!h->have_descr || !h->have_order || !h->have_shape)
		return vx_fail(err, VX_EFORMAT, "%s: malformed npy header: missing key '%s'", name,
		               !h->have_descr ? "descr" : !h->have_order ? "fortran_order" : "shape");
	return VX_OK;
}

static double npy_value(const unsigned char *q, const npy_header *h)
{
	/* the itemsize bytes as one unsigned integer, most significant first */
	size_t n = h->itemsize;
	uint64_t u = 0;
	for (size_t i = 0; i < n; i++)
		u = (u << 8) | q[h->big_endian ? i : n - 1 - i];
	if (n == 8) {
		double d;
		memcpy(&d, &u, sizeof d);
		return d;
	}
	uint32_t u32 = (uint32_t)u;
	float f;
	memcpy(&f, &u32, sizeof f);
	return (double)f;
}

/* Checks the magic, version and header into h and finds the data (h->data,
 * h->have). */
static vx_status npy_open(const unsigned char *buf, size_t len, const char *name, npy_header *h,
                          vx_error *err)
{
	if (len == 0)
		return vx_fail(err, VX_EFORMAT, "%s: empty file", name);
	if (len < 8 || memcmp(buf, npy_magic, 6) != 0) {
		if (len < 6 && memcmp(buf, npy_magic, len) == 0)
			return vx_fail(err, VX_EFORMAT, "%s: truncated npy magic (%zu bytes)", name, len);
		return vx_fail(err, VX_EFORMAT, "%s: not an npy file (missing \\x93NUMPY magic)", name);
	}
	unsigned major = buf[6], minor = buf[7];
	size_t hlen, pre;
	if (major == 1) {
		if (len < 10)
			return vx_fail(err, VX_EFORMAT, "%s: truncated npy header length", name);
		hlen = (size_t)buf[8] | (size_t)buf[9] << 8;
		pre = 10;
	} else if (major == 2 || major == 3) {
		if (len < 12)
			return vx_fail(err, VX_EFORMAT, "%s: truncated npy header length", name);
		hlen = (size_t)buf[8] | (size_t)buf[9] << 8 | (size_t)buf[10] << 16 | (size_t)buf[11] << 24;
		pre = 12;
	} else {
		return vx_fail(err, VX_EFORMAT, "%s: unsupported npy format version %u.%u (accepted: 1.0, 2.0, 3.0)",
		               name, major, minor);
	}
	if (minor != 0)
		return vx_fail(err, VX_EFORMAT, "%s: unsupported npy format version %u.%u (accepted: 1.0, 2.0, 3.0)",
		               name, major, minor);
	if (hlen > NPY_HEADER_MAX)
		return vx_fail(err, VX_ETOOBIG, "%s: npy header of %zu bytes is too large (limit %u)",
		               name, hlen, NPY_HEADER_MAX);
	if (len - pre < hlen)
		return vx_fail(err, VX_EFORMAT, "%s: truncated npy header: expected %zu bytes, found %zu",
		               name, hlen, len - pre);
	vx_status st = npy_parse_header((const char *)buf + pre, hlen, name, h, err);
	if (st != VX_OK)
		return st;
	h->data = buf + pre + hlen;
	h->have = len - pre - hlen;
	return VX_OK;
}

/* The data must hold exactly count values; shape ("3x4") names the array. */
static vx_status npy_length(const npy_header *h, size_t count, const char *shape, const char *what,
                            const char *name, vx_error *err)
{
	size_t want = count * (size_t)h->itemsize, have = h->have;
	if (have < want)
		return vx_fail(err, VX_EFORMAT, "%s: truncated data: expected %zu bytes, found %zu",
		               name, want, have);
	if (have > want)
		return vx_fail(err, VX_EFORMAT, "%s: %zu bytes of trailing data after the %s %s",
		               name, have - want, shape, what);
	return VX_OK;
}

/* The h->ndim <= NPY_DIMS dimensional array as doubles in C order into out
 * (the product of the shape of them), from either storage order. */
static void npy_convert(const npy_header *h, double *out)
{
	const unsigned char *data = h->data;
	size_t nd = h->ndim, total = 1, w = (size_t)h->itemsize;
	size_t cstride[NPY_DIMS], idx[NPY_DIMS] = { 0 };
	for (size_t k = nd; k-- > 0;) {
		cstride[k] = total;
		total *= h->shape[k];
	}
	if (!h->fortran || nd < 2) {
		for (size_t k = 0; k < total; k++)
			out[k] = npy_value(data + k * w, h);
		return;
	}
	/* Fortran order: the file runs over the first index fastest */
	size_t c = 0;
	for (size_t f = 0; f < total; f++) {
		out[c] = npy_value(data + f * w, h);
		for (size_t k = 0; k < nd; k++) {
			c += cstride[k];
			if (++idx[k] < h->shape[k])
				break;
			c -= h->shape[k] * cstride[k];
			idx[k] = 0;
		}
	}
}

/* The first non-finite value of v[0..count), or count when there is none. */
static size_t first_nonfinite(const double *v, size_t count)
{
	for (size_t k = 0; k < count; k++)
		if (!isfinite(v[k]))
			return k;
	return count;
}

static const char *nonfinite_word(double v)
{
	return isnan(v) ? "NaN" : "infinite";
}

static vx_status parse_npy(const unsigned char *buf, size_t len, const char *name,
                           gsl_matrix **out, vx_error *err)
{
	npy_header h;
	vx_status st = npy_open(buf, len, name, &h, err);
	if (st != VX_OK)
		return st;
	if (h.ndim != 2)
		return vx_fail(err, VX_ESHAPE, "%s: npy array is %zu-D, expected a 2-D matrix", name, h.ndim);
	size_t r = h.shape[0], cols = h.shape[1];
	if (r == 0 || cols == 0)
		return vx_fail(err, VX_ESHAPE, "%s: npy matrix is empty (%zux%zu)", name, r, cols);
	if (r > VX_MAX_HIDDEN || cols > VX_MAX_HIDDEN)
		return vx_fail(err, VX_ETOOBIG, "%s: %zux%zu matrix exceeds the limit of %u rows and columns",
		               name, r, cols, VX_MAX_HIDDEN);
	char shape[48];
	snprintf(shape, sizeof shape, "%zux%zu", r, cols);
	if ((st = npy_length(&h, r * cols, shape, "matrix", name, err)) != VX_OK)
		return st;

	gsl_matrix *m = gsl_matrix_alloc(r, cols);
	if (!m)
		return vx_fail(err, VX_ENOMEM, "%s: out of memory for a %zux%zu matrix", name, r, cols);
	npy_convert(&h, m->data); /* a fresh matrix's rows are contiguous */
	size_t k = first_nonfinite(m->data, r * cols);
	if (k < r * cols) {
		st = vx_fail(err, VX_ENONFINITE, "%s: entry (%zu,%zu) is %s (values must be finite)",
		             name, k / cols + 1, k % cols + 1, nonfinite_word(m->data[k]));
		gsl_matrix_free(m);
		return st;
	}
	*out = m;
	return VX_OK;
}

/* ------------------------------------------------------------------ csv */

/* What a CSV reader accepts: most rows, columns, and values in all. */
typedef struct {
	size_t rows, cols, values;
} csv_limits;

/* The numbers of a CSV text, row by row, into *vals (rows × cols of them,
 * caller-freed).  Sizes beyond lim are refused as soon as a line passes
 * them, before the array grows further. */
static vx_status csv_values(const unsigned char *buf, size_t len, const char *name, const csv_limits *lim,
                            double **out, size_t *out_rows, size_t *out_cols, vx_error *err)
{
	double *vals = NULL;
	size_t cap = 0, rows = 0, cols = 0;
	size_t line = 0;
	size_t pos = 0;
	vx_status st = VX_OK;

	if (len == 0)
		return vx_fail(err, VX_EFORMAT, "%s: empty file", name);
	while (pos < len) {
		size_t eol = pos;
		while (eol < len && buf[eol] != '\n')
			eol++;
		line++;
		size_t end = eol;
		/* A comment runs from '#' to the end of the line. */
		for (size_t q = pos; q < eol; q++)
			if (buf[q] == '#') {
				end = q;
				break;
			}
		size_t p = pos;
		while (p < end && isspace(buf[p]))
			p++;
		if (p == end) {
			pos = eol + 1;
			continue;
		}
		if (rows == lim->rows) {
			st = vx_fail(err, VX_ETOOBIG, "%s: line %zu: more than %zu rows", name, line, lim->rows);
			goto fail;
		}
		size_t ncol = 0;
		for (;;) {
			size_t fs = p;
			while (p < end && buf[p] != ',')
				p++;
			size_t fe = p;
			while (fs < fe && isspace(buf[fs]))
				fs++;
			while (fe > fs && isspace(buf[fe - 1]))
				fe--;
			ncol++;
			if (ncol > lim->cols) {
				st = vx_fail(err, VX_ETOOBIG, "%s: line %zu: more than %zu columns", name, line,
				             lim->cols);
				goto fail;
			}
			if (rows * cols + ncol > lim->values) {
				st = vx_fail(err, VX_ETOOBIG, "%s: line %zu: more than %zu values", name, line,
				             lim->values);
				goto fail;
			}
			if (rows > 0 && ncol > cols) {
				st = vx_fail(err, VX_ESHAPE, "%s: line %zu: more than the %zu columns of the first row",
				             name, line, cols);
				goto fail;
			}
			if (fe == fs) {
				st = vx_fail(err, VX_EFORMAT, "%s: line %zu: field %zu is empty", name, line, ncol);
				goto fail;
			}
			char field[CSV_FIELD_MAX + 1];
			size_t flen = fe - fs;
			if (flen > CSV_FIELD_MAX) {
				st = vx_fail(err, VX_EFORMAT, "%s: line %zu: field %zu is too long", name, line, ncol);
				goto fail;
			}
			memcpy(field, buf + fs, flen);
			field[flen] = '\0';
			char *stop;
			errno = 0;
			double v = strtod(field, &stop);
			if (stop == field || stop != field + flen) {
				/* Quoted in printable ASCII, so a binary file gives a clean
				 * message; a NUL, which ends the quoted text, is shown and
				 * the rest of the field elided. */
				char shown[4 * 40 + 4 + 8];
				size_t before_nul = strlen(field);
				vx_quote(field, 40, 1, shown, sizeof shown - 8);
				if (before_nul < flen && before_nul < 40)
					strcat(shown, "\\x00...");
				st = vx_fail(err, VX_EFORMAT, "%s: line %zu: field %zu is not a number: '%s'%s",
				             name, line, ncol, shown,
				             line == 1 ? " (a header line? make it a comment: start it with '#')" : "");
				goto fail;
			}
			if (!isfinite(v)) {
				st = vx_fail(err, VX_ENONFINITE, "%s: line %zu: field %zu is %s (values must be finite)",
				             name, line, ncol, isnan(v) ? "NaN" : errno == ERANGE ? "out of range" : "infinite");
				goto fail;
			}
			if (rows * cols + ncol > cap) {
				size_t ncap = cap ? cap * 2 : 64;
				double *nv = realloc(vals, ncap * sizeof *nv);
				if (!nv) {
					st = vx_fail(err, VX_ENOMEM, "%s: out of memory", name);
					goto fail;
				}
				vals = nv;
				cap = ncap;
			}
			vals[rows * cols + ncol - 1] = v;
			if (p >= end)
				break;
			p++; /* the comma */
		}
		if (rows == 0)
			cols = ncol;
		else if (ncol != cols) {
			st = vx_fail(err, VX_ESHAPE, "%s: line %zu: %zu columns, expected %zu as in the first row",
			             name, line, ncol, cols);
			goto fail;
		}
		rows++;
		pos = eol + 1;
	}
	if (rows == 0) {
		st = vx_fail(err, VX_EFORMAT, "%s: no numbers in the file", name);
		goto fail;
	}
	*out = vals;
	*out_rows = rows;
	*out_cols = cols;
	return VX_OK;
fail:
	free(vals);
	return st;
}

static vx_status parse_csv(const unsigned char *buf, size_t len, const char *name,
                           gsl_matrix **out, vx_error *err)
{
	static const csv_limits lim = { VX_MAX_HIDDEN, VX_MAX_HIDDEN, (size_t)VX_MAX_HIDDEN * VX_MAX_HIDDEN };
	double *vals;
	size_t rows, cols;
	vx_status st = csv_values(buf, len, name, &lim, &vals, &rows, &cols, err);
	if (st != VX_OK)
		return st;
	gsl_matrix *m = gsl_matrix_alloc(rows, cols);
	if (!m) {
		free(vals);
		return vx_fail(err, VX_ENOMEM, "%s: out of memory for a %zux%zu matrix", name, rows, cols);
	}
	memcpy(m->data, vals, rows * cols * sizeof *vals); /* a fresh matrix's rows are contiguous */
	free(vals);
	*out = m;
	return VX_OK;
}

/* ------------------------------------------------------- kind of file */

static int has_ext(const char *path, const char *ext)
{
	size_t n = strlen(path), e = strlen(ext);
	if (n < e)
		return 0;
	for (size_t i = 0; i < e; i++)
		if (tolower((unsigned char)path[n - e + i]) != ext[i])
			return 0;
	return 1;
}

/* The magic decides; a .npy name without it is reported as a bad npy file. */
static const char *kind_of(const char *path, const unsigned char *buf, size_t len)
{
	return (len >= 6 && memcmp(buf, npy_magic, 6) == 0) || has_ext(path, ".npy") ? "npy" : "csv";
}

/* ------------------------------------------------------------- inputs */

void vx_inputs_free(vx_inputs *in)
{
	if (!in)
		return;
	free(in->x);
	free(in);
}

/* B×T×n inputs against the limits, before anything is allocated (each size
 * is checked alone first, so their product cannot overflow). */
static vx_status inputs_limits(size_t B, size_t T, size_t n, const char *name, vx_error *err)
{
	if (B > VX_MAX_BATCH)
		return vx_fail(err, VX_ETOOBIG, "%s: a batch of %zu sequences (limit %u)", name, B, VX_MAX_BATCH);
	if (T > VX_MAX_STEPS)
		return vx_fail(err, VX_ETOOBIG, "%s: %zu steps (limit %u)", name, T, VX_MAX_STEPS);
	if (n > VX_MAX_INPUTS)
		return vx_fail(err, VX_ETOOBIG, "%s: %zu inputs per step (limit %u)", name, n, VX_MAX_INPUTS);
	if (B * T * n > VX_MAX_INPUT_VALUES)
		return vx_fail(err, VX_ETOOBIG, "%s: %zu values in all (limit %zu, 1 GiB as doubles)", name, B * T * n,
		               VX_MAX_INPUT_VALUES);
	return VX_OK;
}

vx_status vx_inputs_seq_first(vx_inputs *in, const char *name, vx_error *err)
{
	if (!in->batch)
		return VX_OK;
	/* the file's (T, B, n), read as (B', T', n) = (T, B, n) */
	size_t T = in->B, B = in->T, n = in->n;
	vx_status st = inputs_limits(B, T, n, name, err);
	if (st != VX_OK)
		return st;
	double *x = malloc(B * T * n * sizeof *x);
	if (!x)
		return vx_fail(err, VX_ENOMEM, "%s: out of memory for %zu inputs", name, B * T * n);
	for (size_t j = 0; j < T; j++)
		for (size_t b = 0; b < B; b++)
			memcpy(x + (b * T + j) * n, in->x + (j * B + b) * n, n * sizeof *x);
	free(in->x);
	in->x = x;
	in->B = B;
	in->T = T;
	return VX_OK;
}

static vx_status inputs_alloc(size_t B, size_t T, size_t n, int batch, const char *name, vx_inputs **out,
                              vx_error *err)
{
	vx_inputs *in = calloc(1, sizeof *in);
	if (!in || !(in->x = malloc(B * T * n * sizeof *in->x))) {
		free(in);
		return vx_fail(err, VX_ENOMEM, "%s: out of memory for %zu inputs", name, B * T * n);
	}
	in->B = B;
	in->T = T;
	in->n = n;
	in->batch = batch;
	*out = in;
	return VX_OK;
}

static vx_status inputs_npy(const unsigned char *buf, size_t len, const char *name, vx_inputs **out,
                            vx_error *err)
{
	npy_header h;
	vx_status st = npy_open(buf, len, name, &h, err);
	if (st != VX_OK)
		return st;
	if (h.ndim == 1)
		return vx_fail(err, VX_ESHAPE, "%s: npy array is 1-D, expected inputs (T, n) or a batch (B, T, n); "
		               "for one input per step save x.reshape(-1, 1)", name);
	if (h.ndim != 2 && h.ndim != 3)
		return vx_fail(err, VX_ESHAPE, "%s: npy array is %zu-D, expected inputs (T, n) or a batch (B, T, n)",
		               name, h.ndim);
	int batch = h.ndim == 3;
	size_t B = batch ? h.shape[0] : 1, T = h.shape[h.ndim - 2], n = h.shape[h.ndim - 1];
	char shape[80];
	if (batch)
		snprintf(shape, sizeof shape, "(%zu, %zu, %zu)", B, T, n);
	else
		snprintf(shape, sizeof shape, "(%zu, %zu)", T, n);
	if (B == 0 || T == 0 || n == 0)
		return vx_fail(err, VX_ESHAPE, "%s: inputs of shape %s are empty", name, shape);
	if ((st = inputs_limits(B, T, n, name, err)) != VX_OK ||
	    (st = npy_length(&h, B * T * n, shape, "inputs", name, err)) != VX_OK ||
	    (st = inputs_alloc(B, T, n, batch, name, out, err)) != VX_OK)
		return st;
	double *x = (*out)->x;
	npy_convert(&h, x);
	size_t k = first_nonfinite(x, B * T * n);
	if (k == B * T * n)
		return VX_OK;
	if (batch)
		st = vx_fail(err, VX_ENONFINITE, "%s: x[%zu, %zu, %zu] is %s (inputs must be finite)", name, k / (T * n),
		             k / n % T, k % n, nonfinite_word(x[k]));
	else
		st = vx_fail(err, VX_ENONFINITE, "%s: x[%zu, %zu] is %s (inputs must be finite)", name, k / n, k % n,
		             nonfinite_word(x[k]));
	vx_inputs_free(*out);
	*out = NULL;
	return st;
}

static vx_status inputs_csv(const unsigned char *buf, size_t len, const char *name, vx_inputs **out,
                            vx_error *err)
{
	static const csv_limits lim = { VX_MAX_STEPS, VX_MAX_INPUTS, VX_MAX_INPUT_VALUES };
	double *vals;
	size_t T, n;
	vx_status st = csv_values(buf, len, name, &lim, &vals, &T, &n, err);
	if (st != VX_OK)
		return st;
	vx_inputs *in = calloc(1, sizeof *in);
	if (!in) {
		free(vals);
		return vx_fail(err, VX_ENOMEM, "%s: out of memory", name);
	}
	in->B = 1;
	in->T = T;
	in->n = n;
	in->x = vals;
	*out = in;
	return VX_OK;
}

/* ------------------------------------------- the readers, by what they make */

typedef enum { AS_MATRIX, AS_INPUTS } parse_as;

/* Bytes of kind "npy" or "csv" as a matrix (out: gsl_matrix **) or as
 * inputs (out: vx_inputs **); *out set by the caller to NULL. */
static vx_status parse(parse_as as, const char *kind, const unsigned char *buf, size_t len, const char *name,
                       void *out, vx_error *err)
{
	const char *fn = as == AS_MATRIX ? "vx_matrix_parse" : "vx_inputs_parse";
	if (!out || !kind || (!buf && len > 0))
		return vx_fail(err, VX_EINTERNAL, "%s: bad arguments", fn);
	int npy = strcmp(kind, "npy") == 0;
	if (!npy && strcmp(kind, "csv") != 0)
		return vx_fail(err, VX_EINTERNAL, "%s: unknown kind '%s'", fn, kind);
	if (as == AS_MATRIX)
		return (npy ? parse_npy : parse_csv)(buf, len, name ? name : "matrix", out, err);
	return (npy ? inputs_npy : inputs_csv)(buf, len, name ? name : "inputs", out, err);
}

/* The file at path, whatever it holds (what: for the message about a
 * directory), parsed as its magic or name says. */
static vx_status read_as(parse_as as, const char *path, const char *what, void *out, vx_error *err)
{
	if (!path || !out)
		return vx_fail(err, VX_EINTERNAL, "%s: bad arguments", as == AS_MATRIX ? "vx_matrix_read" : "vx_inputs_read");
	char *text = NULL;
	size_t len = 0;
	vx_status st = vx_read_file(path, MATIO_FILE_MAX, what, &text, &len, err);
	if (st != VX_OK)
		return st;
	const unsigned char *buf = (const unsigned char *)text;
	st = parse(as, kind_of(path, buf, len), buf, len, path, out, err);
	free(text);
	return st;
}

vx_status vx_matrix_parse(const char *kind, const unsigned char *buf, size_t len,
                          const char *name, gsl_matrix **out, vx_error *err)
{
	if (out)
		*out = NULL;
	return parse(AS_MATRIX, kind, buf, len, name, out, err);
}

vx_status vx_matrix_read(const char *path, gsl_matrix **out, vx_error *err)
{
	if (out)
		*out = NULL;
	return read_as(AS_MATRIX, path, "a .npy or .csv file", out, err);
}

vx_status vx_matrix_read_square(const char *path, gsl_matrix **out, vx_error *err)
{
	gsl_matrix *m = NULL;
	vx_status st = vx_matrix_read(path, &m, err);
	if (st != VX_OK)
		return st;
	if (m->size1 != m->size2) {
		st = vx_fail(err, VX_ESHAPE, "%s: W must be square, got %zux%zu", path, m->size1, m->size2);
		gsl_matrix_free(m);
		return st;
	}
	*out = m;
	return VX_OK;
}

vx_status vx_inputs_parse(const char *kind, const unsigned char *buf, size_t len, const char *name,
                          vx_inputs **out, vx_error *err)
{
	if (out)
		*out = NULL;
	return parse(AS_INPUTS, kind, buf, len, name, out, err);
}

vx_status vx_inputs_read(const char *path, vx_inputs **out, vx_error *err)
{
	if (out)
		*out = NULL;
	return read_as(AS_INPUTS, path, "a .npy or .csv file of inputs", out, err);
}

vx_status vx_inputs_check(const vx_inputs *in, const char *name, size_t n, vx_error *err)
{
	if (in->n == n)
		return VX_OK;
	return vx_fail(err, VX_ESHAPE, "%s: %zu input%s per step, but the network reads n = %zu", name ? name : "inputs",
	               in->n, in->n == 1 ? "" : "s", n);
}

vx_status vx_inputs_sequence(const vx_inputs *in, size_t b, int reverse, gsl_matrix *x, vx_error *err)
{
	if (!in || !x || b >= in->B || x->size1 > in->T || x->size2 != in->n)
		return vx_fail(err, VX_EUSAGE, "sequence %zu of %zu, %zu steps of %zu inputs, into %zux%zu", b,
		               in ? in->B : 0, in ? in->T : 0, in ? in->n : 0, x ? x->size1 : 0, x ? x->size2 : 0);
	size_t T = x->size1, n = in->n;
	const double *seq = in->x + b * in->T * n;
	for (size_t j = 0; j < T; j++)
		memcpy(gsl_matrix_ptr(x, j, 0), seq + (reverse ? T - 1 - j : j) * n, n * sizeof *seq);
	return VX_OK;
}
