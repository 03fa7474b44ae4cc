/*
 * fuzz_zip.c — the zip reader (report/load/zip.h) and torch.save's zip
 * layout read through it, under fuzzing.
 *
 * Three checks per input.  (1) The bytes as an archive: opened or refused
 * with one line; once open, every member found by its name, read whole
 * (no more than ~1032 times the archive's size: the limit on a declared
 * size) or refused with one line.  (2) The bytes through vxr_tensors_parse
 * (torch.save's zip layout, or an .npz): every listed tensor reads.  (3) The
 * bytes drive a writer of VALID archives (fuzz_zipw.h: stored and deflated
 * members of chosen names and contents), read back byte for byte; then one
 * byte of a member's data or CRC field flipped: that member must be refused
 * when read, never returned with other bytes.
 */
#include "report/load/tensors.h"
#include "report/load/zip.h"
#include "tests/fuzz/fuzz_load.h"
#include "tests/fuzz/fuzz_util.h"
#include "tests/fuzz/fuzz_zipw.h"

FUZZ_INIT_GSL()

static void raw_zip(const uint8_t *d, size_t n)
{
	vxr_zip *z = NULL;
	vx_error err = { 0 };
	vx_status st = vxr_zip_open(d, n, "fuzz.zip", &z, &err);
	if (st != VX_OK) {
		fuzz_check_error(st, &err);
		FUZZ_CHECK(z == NULL, "archive returned with status %d", (int)st);
		return;
	}
	for (size_t i = 0; i < vxr_zip_count(z); i++) {
		const char *name = vxr_zip_name(z, i);
		size_t j = SIZE_MAX;
		FUZZ_CHECK(name && vxr_zip_find(z, name, &j) && j == i, "member %zu '%s' found at %zu", i, name, j);
		uint64_t size = vxr_zip_size(z, i);
		FUZZ_CHECK(size <= 1032 * (uint64_t)n + 1032, "member %zu declares %llu bytes from an archive of %zu", i,
		           (unsigned long long)size, n);
		unsigned char head[16];
		st = vxr_zip_peek(z, i, head, size < 16 ? (size_t)size : 16, &err);
		if (st != VX_OK)
			fuzz_check_error(st, &err);
		unsigned char *data = NULL;
		st = vxr_zip_read(z, i, &data, &err);
		if (st != VX_OK) {
			fuzz_check_error(st, &err);
			FUZZ_CHECK(data == NULL, "data returned with status %d", (int)st);
		} else {
			FUZZ_CHECK(data != NULL, "VX_OK without data");
		}
		free(data);
	}
	vxr_zip_close(z);
}

static void generated(const uint8_t *d, size_t n)
{
	size_t i = 0;
	unsigned nm = 1 + fuzz_next(d, n, &i) % 5;
	zwriter w = { 0 };
	unsigned char *content[5];
	size_t len[5];
	char names[5][32];
	for (unsigned m = 0; m < nm; m++) {
		len[m] = fuzz_next(d, n, &i) * (1 + fuzz_next(d, n, &i) % 4);
		content[m] = malloc(len[m] + 1);
		if (!content[m])
			abort();
		/* runs of repeated bytes, so that deflate has something to do */
		unsigned char c = 0;
		for (size_t k = 0; k < len[m]; k++) {
			if (k % 7 == 0)
				c = (unsigned char)fuzz_next(d, n, &i);
			content[m][k] = c;
		}
		snprintf(names[m], sizeof names[m], "dir%u/m%u%s", fuzz_next(d, n, &i) % 3, m, m % 2 ? ".npy" : "");
		zadd(&w, names[m], content[m], len[m], (int)(fuzz_next(d, n, &i) & 1));
	}
	zbuf a = zfinish(&w);

	vxr_zip *z = NULL;
	vx_error err = { 0 };
	vx_status st = vxr_zip_open(a.p, a.n, "gen.zip", &z, &err);
	FUZZ_CHECK(st == VX_OK, "valid archive of %u members refused: %s", nm, err.msg);
	FUZZ_CHECK(vxr_zip_count(z) == nm, "%zu members read, %u written", vxr_zip_count(z), nm);
	for (unsigned m = 0; m < nm; m++) {
		size_t j;
		FUZZ_CHECK(vxr_zip_find(z, names[m], &j) && j == m, "member %s not found", names[m]);
		FUZZ_CHECK(vxr_zip_size(z, m) == len[m], "%s: size %llu, written %zu", names[m],
		           (unsigned long long)vxr_zip_size(z, m), len[m]);
		unsigned char *data = NULL;
		st = vxr_zip_read(z, m, &data, &err);
		FUZZ_CHECK(st == VX_OK, "%s unreadable: %s", names[m], err.msg);
		FUZZ_CHECK(memcmp(data, content[m], len[m]) == 0, "%s: bytes differ from those written", names[m]);
		free(data);
	}
	vxr_zip_close(z);

	/* one byte of the first member's data, or of its CRC field, flipped */
	if (len[0] > 0) {
		size_t at = fuzz_next(d, n, &i) & 1 ? 14 : 30 + strlen(names[0]) + fuzz_next(d, n, &i) % len[0];
		unsigned char *copy = malloc(a.n);
		if (!copy)
			abort();
		memcpy(copy, a.p, a.n);
		/* within the member's (perhaps deflated) bytes, or the local CRC */
		size_t data_end = 30 + strlen(names[0]) + (size_t)(copy[18] | copy[19] << 8 | copy[20] << 16);
		if (at < data_end) {
			copy[at] ^= (unsigned char)(1 + fuzz_next(d, n, &i) % 255);
			if (at == 14) { /* the central directory's CRC too, or the open refuses the mismatch */
				size_t cd = (size_t)(copy[a.n - 6] | copy[a.n - 5] << 8 | copy[a.n - 4] << 16);
				copy[cd + 16] = copy[14];
			}
			st = vxr_zip_open(copy, a.n, "flip.zip", &z, &err);
			if (st == VX_OK) {
				unsigned char *data = NULL;
				st = vxr_zip_read(z, 0, &data, &err);
				FUZZ_CHECK(st != VX_OK || memcmp(data, content[0], len[0]) == 0,
				           "a flipped byte at %zu gave other bytes with VX_OK", at);
				if (st != VX_OK)
					fuzz_check_error(st, &err);
				free(data);
				vxr_zip_close(z);
			} else {
				fuzz_check_error(st, &err);
			}
		}
		free(copy);
	}
	for (unsigned m = 0; m < nm; m++)
		free(content[m]);
	free(a.p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	raw_zip(data, size);
	fuzz_tensors(data, size, "fuzz.pt");
	if (size > 0)
		generated(data, size);
	return 0;
}
