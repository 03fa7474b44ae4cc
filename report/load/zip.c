/*
 * zip.c — a zip archive in memory through libzip (see zip.h).
 *
 * libzip does the format: the end-of-central-directory search, zip64, the
 * local headers checked against the central directory (ZIP_CHECKCONS),
 * inflating and the CRC-32 (checked when a read reaches the member's end).
 * What is ours is the policy: which members may be read, how much, and that
 * the declared sizes hold.
 */
#include "report/load/zip.h"

#include <stdlib.h>
#include <string.h>
#include <zip.h>

struct vxr_zip {
	zip_t *za;
	char *name;          /* for messages */
	size_t len;          /* of the archive */
	size_t n;
	const char **names;  /* n entries, libzip's strings */
	uint64_t *size;      /* n declared uncompressed sizes */
	struct zname { const char *name; size_t i; } *sorted; /* by name, for vxr_zip_find */
	uint64_t inflated;   /* bytes read so far, against VXR_ZIP_MAX_TOTAL */
};

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct zname *)a)->name, ((const struct zname *)b)->name);
}

void vxr_zip_close(vxr_zip *z)
{
	if (!z)
		return;
	if (z->za)
		zip_discard(z->za);
	free(z->name);
	free(z->names);
	free(z->size);
	free(z->sorted);
	free(z);
}

/* A compression method's name, for the message refusing it. */
static const char *method_name(int32_t m)
{
	switch (m) {
	case ZIP_CM_BZIP2: return "bzip2";
	case ZIP_CM_LZMA: return "lzma";
	case ZIP_CM_XZ: return "xz";
	case 93: return "zstd";
	default: return "an unknown method";
	}
}

/* Checks member i's entry and records its name and size. */
static vx_status stat_member(vxr_zip *z, size_t i, vx_error *err)
{
	zip_stat_t sb;
	zip_stat_init(&sb);
	if (zip_stat_index(z->za, i, ZIP_FL_ENC_RAW, &sb) != 0)
		return vx_fail(err, VX_EFORMAT, "%s: zip member %zu: %s", z->name, i,
		               zip_error_strerror(zip_get_error(z->za)));
	const zip_uint64_t need = ZIP_STAT_NAME | ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE | ZIP_STAT_COMP_METHOD |
	                          ZIP_STAT_ENCRYPTION_METHOD;
	if ((sb.valid & need) != need || !sb.name)
		return vx_fail(err, VX_EFORMAT, "%s: zip member %zu: incomplete directory entry", z->name, i);
	if (sb.encryption_method != ZIP_EM_NONE)
		return vx_fail(err, VX_EFORMAT, "%s: zip member '%s' is encrypted", z->name, sb.name);
	if (sb.comp_method != ZIP_CM_STORE && sb.comp_method != ZIP_CM_DEFLATE)
		return vx_fail(err, VX_EFORMAT,
		               "%s: zip member '%s' is compressed with %s (accepted: stored, deflated)",
		               z->name, sb.name, method_name(sb.comp_method));
	/* A size the member's bytes cannot hold is a lie told to make the
	 * reader allocate: stored data is as long as it says, and deflate
	 * turns a byte into at most 1032 (258-byte matches of 2 bits each). */
	if (sb.comp_size > z->len || (sb.comp_method == ZIP_CM_STORE && sb.size != sb.comp_size) ||
	    (sb.comp_method == ZIP_CM_DEFLATE && sb.size / 1032 > sb.comp_size))
		return vx_fail(err, VX_EFORMAT, "%s: zip member '%s' declares %llu bytes from %llu %s bytes", z->name,
		               sb.name, (unsigned long long)sb.size, (unsigned long long)sb.comp_size,
		               sb.comp_method == ZIP_CM_STORE ? "stored" : "deflated");
	z->names[i] = sb.name;
	z->size[i] = sb.size;
	return VX_OK;
}

vx_status vxr_zip_open(const unsigned char *buf, size_t len, const char *name, vxr_zip **out,
                       vx_error *err)
{
	*out = NULL;
	if (!name)
		name = "archive";
	vxr_zip *z = calloc(1, sizeof *z);
	if (!z || !(z->name = strdup(name))) {
		free(z);
		return vx_fail(err, VX_ENOMEM, "%s: out of memory", name);
	}
	z->len = len;
	zip_error_t ze;
	zip_error_init(&ze);
	/* libzip reads the buffer in place; it is never freed or written by it */
	zip_source_t *src = zip_source_buffer_create(len ? buf : NULL, len, 0, &ze);
	if (src)
		z->za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
	if (!z->za) {
		int code = zip_error_code_zip(&ze);
		vx_status st = !src || code == ZIP_ER_MEMORY ? VX_ENOMEM : VX_EFORMAT;
		if (code == ZIP_ER_EXISTS) /* ZIP_CHECKCONS found one name twice */
			st = vx_fail(err, st, "%s: two zip members have the same name", name);
		else if (code == ZIP_ER_NOZIP && len >= 4 && memcmp(buf, "PK\003\004", 4) == 0)
			/* a zip's first member, but no directory at the end: a file
			 * cut short (a copy or a torch.save that did not finish) */
			st = vx_fail(err, st, "%s: a zip archive cut short: it begins as one but its directory, "
			             "at the end, is missing (%zu bytes: copied or saved only in part?)", name, len);
		else
			st = vx_fail(err, st, "%s: not a readable zip archive: %s", name, zip_error_strerror(&ze));
		zip_source_free(src);
		zip_error_fini(&ze);
		vxr_zip_close(z);
		return st;
	}
	zip_error_fini(&ze);

	zip_int64_t n = zip_get_num_entries(z->za, 0);
	if (n < 0 || (uint64_t)n > VXR_ZIP_MAX_ENTRIES) {
		vx_status st = vx_fail(err, VX_ETOOBIG, "%s: zip archive lists %lld members (limit %u)", name,
		                       (long long)n, VXR_ZIP_MAX_ENTRIES);
		vxr_zip_close(z);
		return st;
	}
	z->n = (size_t)n;
	z->names = calloc(z->n + 1, sizeof *z->names);
	z->size = calloc(z->n + 1, sizeof *z->size);
	z->sorted = calloc(z->n + 1, sizeof *z->sorted);
	if (!z->names || !z->size || !z->sorted) {
		vxr_zip_close(z);
		return vx_fail(err, VX_ENOMEM, "%s: out of memory for %zu zip members", name, (size_t)n);
	}
	for (size_t i = 0; i < z->n; i++) {
		vx_status st = stat_member(z, i, err);
		if (st != VX_OK) {
			vxr_zip_close(z);
			return st;
		}
		z->sorted[i].name = z->names[i];
		z->sorted[i].i = i;
	}
	/* Two members of one name would let the reader and another tool see
	 * different data under the same name. */
	qsort(z->sorted, z->n, sizeof *z->sorted, by_name);
	for (size_t k = 1; k < z->n; k++)
		if (strcmp(z->sorted[k - 1].name, z->sorted[k].name) == 0) {
			vx_status st = vx_fail(err, VX_EFORMAT, "%s: two zip members are named '%s'", name,
			                       z->sorted[k].name);
			vxr_zip_close(z);
			return st;
		}
	*out = z;
	return VX_OK;
}

size_t vxr_zip_count(const vxr_zip *z)
{
	return z->n;
}

const char *vxr_zip_name(const vxr_zip *z, size_t i)
{
	return i < z->n ? z->names[i] : NULL;
}

uint64_t vxr_zip_size(const vxr_zip *z, size_t i)
{
	return i < z->n ? z->size[i] : 0;
}

int vxr_zip_find(const vxr_zip *z, const char *name, size_t *i)
{
	size_t lo = 0, hi = z->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(z->sorted[mid].name, name);
		if (c == 0) {
			*i = z->sorted[mid].i;
			return 1;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* Reads n bytes of member i into dst; with whole, also the one read past
 * them that must find the end (where libzip checks the CRC). */
static vx_status read_member(vxr_zip *z, size_t i, unsigned char *dst, size_t n, int whole, vx_error *err)
{
	if (i >= z->n)
		return vx_fail(err, VX_EINTERNAL, "%s: zip member %zu out of range", z->name, i);
	if (n > VXR_ZIP_MAX_MEMBER)
		return vx_fail(err, VX_ETOOBIG, "%s: zip member '%s' declares %llu bytes (limit %llu)", z->name,
		               z->names[i], (unsigned long long)n, (unsigned long long)VXR_ZIP_MAX_MEMBER);
	if (z->inflated + n > VXR_ZIP_MAX_TOTAL)
		return vx_fail(err, VX_ETOOBIG, "%s: reading '%s' would take the archive past %llu bytes read",
		               z->name, z->names[i], (unsigned long long)VXR_ZIP_MAX_TOTAL);
	z->inflated += n;
	zip_file_t *f = zip_fopen_index(z->za, i, 0);
	if (!f)
		return vx_fail(err, VX_EFORMAT, "%s: zip member '%s': %s", z->name, z->names[i],
		               zip_error_strerror(zip_get_error(z->za)));
	vx_status st = VX_OK;
	size_t got = 0;
	while (got < n) {
		zip_int64_t r = zip_fread(f, dst + got, n - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (got < n) {
		zip_error_t *fe = zip_file_get_error(f);
		if (zip_error_code_zip(fe) != ZIP_ER_OK)
			st = vx_fail(err, VX_EFORMAT, "%s: zip member '%s': %s", z->name, z->names[i],
			             zip_error_strerror(fe));
		else
			st = vx_fail(err, VX_EFORMAT, "%s: zip member '%s' ends after %zu of its %zu bytes", z->name,
			             z->names[i], got, n);
	} else if (whole) {
		unsigned char extra;
		zip_int64_t r = zip_fread(f, &extra, 1);
		if (r > 0)
			st = vx_fail(err, VX_EFORMAT, "%s: zip member '%s' holds more than its declared %zu bytes",
			             z->name, z->names[i], n);
		else if (r < 0)
			st = vx_fail(err, VX_EFORMAT, "%s: zip member '%s': %s", z->name, z->names[i],
			             zip_error_strerror(zip_file_get_error(f)));
	}
	zip_fclose(f);
	return st;
}

vx_status vxr_zip_read(vxr_zip *z, size_t i, unsigned char **data, vx_error *err)
{
	*data = NULL;
	if (i >= z->n)
		return vx_fail(err, VX_EINTERNAL, "%s: zip member %zu out of range", z->name, i);
	uint64_t n = z->size[i];
	if (n > VXR_ZIP_MAX_MEMBER)
		return vx_fail(err, VX_ETOOBIG, "%s: zip member '%s' declares %llu bytes (limit %llu)", z->name,
		               z->names[i], (unsigned long long)n, (unsigned long long)VXR_ZIP_MAX_MEMBER);
	unsigned char *b = malloc(n ? (size_t)n : 1);
	if (!b)
		return vx_fail(err, VX_ENOMEM, "%s: out of memory for zip member '%s' (%llu bytes)", z->name,
		               z->names[i], (unsigned long long)n);
	vx_status st = read_member(z, i, b, (size_t)n, 1, err);
	if (st != VX_OK) {
		free(b);
		return st;
	}
	*data = b;
	return VX_OK;
}

vx_status vxr_zip_peek(vxr_zip *z, size_t i, unsigned char *dst, size_t n, vx_error *err)
{
	if (i >= z->n || n > z->size[i])
		return vx_fail(err, VX_EINTERNAL, "%s: zip member %zu: bad peek", z->name, i);
	return read_member(z, i, dst, n, 0, err);
}
