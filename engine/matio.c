/*
 * matio.c — a square weight matrix from .npy or .csv, with libc only.
 *
 * Both parsers work on one byte buffer.  A regular file is mapped rather
 * than read, so a file that claims an absurd size costs nothing before the
 * header check rejects it; pipes and devices are read into memory up to a
 * cap.  Every size is checked against VX_MAX_HIDDEN before the matrix is
 * allocated, and every error names the file and the fault.
 */
#include "engine/matio.h"
#include "engine/fileio.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
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

/* The parsed header dict. */
typedef struct {
	int have_descr, have_order, have_shape;
	int big_endian;      /* descr '>' */
	int itemsize;        /* 4 or 8 */
	int fortran;
	size_t ndim;
	size_t shape[2];
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
	size_t dims[2] = { 0, 0 };
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
		if (ndim < 2)
			dims[ndim] = v > SIZE_MAX ? SIZE_MAX : (size_t)v;
		ndim++;
		if (!hdr_accept(c, ',')) {
			if (!hdr_accept(c, ')'))
				return vx_fail(c->err, VX_EFORMAT, "%s: malformed npy header: bad shape tuple", c->name);
			break;
		}
	}
	h->ndim = ndim;
	h->shape[0] = dims[0];
	h->shape[1] = dims[1];
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
	if (h->itemsize == 8) {
		uint64_t u = 0;
		for (int i = 0; i < 8; i++) {
			int b = h->big_endian ? i : 7 - i;
			u = (u << 8) | q[b];
		}
		double d;
		memcpy(&d, &u, sizeof d);
		return d;
	}
	uint32_t u = 0;
	for (int i = 0; i < 4; i++) {
		int b = h->big_endian ? i : 3 - i;
		u = (u << 8) | q[b];
	}
	float f;
	memcpy(&f, &u, sizeof f);
	return (double)f;
}

static vx_status parse_npy(const unsigned char *buf, size_t len, const char *name,
                           gsl_matrix **out, vx_error *err)
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

	npy_header h;
	vx_status st = npy_parse_header((const char *)buf + pre, hlen, name, &h, err);
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
	size_t want = r * cols * (size_t)h.itemsize;
	size_t have = len - pre - hlen;
	if (have < want)
		return vx_fail(err, VX_EFORMAT, "%s: truncated data: expected %zu bytes, found %zu",
		               name, want, have);
	if (have > want)
		return vx_fail(err, VX_EFORMAT, "%s: %zu bytes of trailing data after the %zux%zu matrix",
		               name, have - want, r, cols);

	const unsigned char *data = buf + pre + hlen;
	gsl_matrix *m = gsl_matrix_alloc(r, cols);
	if (!m)
		return vx_fail(err, VX_ENOMEM, "%s: out of memory for a %zux%zu matrix", name, r, cols);
	for (size_t i = 0; i < r; i++) {
		for (size_t j = 0; j < cols; j++) {
			size_t idx = h.fortran ? j * r + i : i * cols + j;
			double v = npy_value(data + idx * (size_t)h.itemsize, &h);
			if (!isfinite(v)) {
				gsl_matrix_free(m);
				return vx_fail(err, VX_ENONFINITE, "%s: entry (%zu,%zu) is %s (values must be finite)",
				               name, i + 1, j + 1, isnan(v) ? "NaN" : "infinite");
			}
			gsl_matrix_set(m, i, j, v);
		}
	}
	*out = m;
	return VX_OK;
}

/* ------------------------------------------------------------------ csv */

static vx_status parse_csv(const unsigned char *buf, size_t len, const char *name,
                           gsl_matrix **out, vx_error *err)
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
		if (rows == VX_MAX_HIDDEN) {
			st = vx_fail(err, VX_ETOOBIG, "%s: line %zu: more than %u rows", name, line, VX_MAX_HIDDEN);
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
			if (ncol > VX_MAX_HIDDEN) {
				st = vx_fail(err, VX_ETOOBIG, "%s: line %zu: more than %u columns", name, line,
				             VX_MAX_HIDDEN);
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
				/* Quote only printable ASCII, so a binary file gives a clean message. */
				for (size_t q = 0; q < flen; q++)
					if (field[q] < 0x20 || field[q] >= 0x7f)
						field[q] = '?';
				if (flen > 40)
					strcpy(field + 37, "...");
				st = vx_fail(err, VX_EFORMAT, "%s: line %zu: field %zu is not a number: '%s'",
				             name, line, ncol, field);
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
	gsl_matrix *m = gsl_matrix_alloc(rows, cols);
	if (!m) {
		st = vx_fail(err, VX_ENOMEM, "%s: out of memory for a %zux%zu matrix", name, rows, cols);
		goto fail;
	}
	for (size_t i = 0; i < rows; i++)
		for (size_t j = 0; j < cols; j++)
			gsl_matrix_set(m, i, j, vals[i * cols + j]);
	free(vals);
	*out = m;
	return VX_OK;
fail:
	free(vals);
	return st;
}

/* --------------------------------------------------------------- public */

vx_status vx_matrix_parse(const char *kind, const unsigned char *buf, size_t len,
                          const char *name, gsl_matrix **out, vx_error *err)
{
	if (!out || !kind || (!buf && len > 0))
		return vx_fail(err, VX_EINTERNAL, "vx_matrix_parse: bad arguments");
	*out = NULL;
	if (!name)
		name = "matrix";
	if (strcmp(kind, "npy") == 0)
		return parse_npy(buf, len, name, out, err);
	if (strcmp(kind, "csv") == 0)
		return parse_csv(buf, len, name, out, err);
	return vx_fail(err, VX_EINTERNAL, "vx_matrix_parse: unknown kind '%s'", kind);
}

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

vx_status vx_matrix_read(const char *path, gsl_matrix **out, vx_error *err)
{
	if (!path || !out)
		return vx_fail(err, VX_EINTERNAL, "vx_matrix_read: bad arguments");
	*out = NULL;
	char *text = NULL;
	size_t len = 0;
	vx_status st = vx_read_file(path, MATIO_FILE_MAX, "a .npy or .csv file", &text, &len, err);
	if (st != VX_OK)
		return st;
	const unsigned char *buf = (const unsigned char *)text;

	/* The magic decides; a .npy name without it is reported as a bad npy file. */
	int is_npy = (len >= 6 && memcmp(buf, npy_magic, 6) == 0) || has_ext(path, ".npy");
	st = vx_matrix_parse(is_npy ? "npy" : "csv", buf, len, path, out, err);
	free(text);
	return st;
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
