/*
 * golden.h — golden files for the Criterion suites: a text compared with
 * the file that pins it, or the file rewritten for review.
 *
 * One trigger for every suite: VANEX_UPDATE_GOLDEN=1 (what `make
 * update-golden` sets) rewrites the files instead of comparing; any other
 * value, or none, compares.  Include it in one test file of a binary (the
 * functions are static).
 */
#ifndef VANEX_TESTS_GOLDEN_H
#define VANEX_TESTS_GOLDEN_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/text/fmt.h"

/* The whole file at path, NUL-terminated (caller frees), or NULL when it
 * cannot be read. */
static char *golden_slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
		free(s);
		s = NULL;
	}
	if (s)
		s[n] = '\0';
	fclose(f);
	return s;
}

/* 1 when the golden files are to be rewritten (VANEX_UPDATE_GOLDEN=1). */
static int golden_updating(void)
{
	const char *upd = getenv("VANEX_UPDATE_GOLDEN");
	return upd && strcmp(upd, "1") == 0;
}

/* The bytes of the exponent "⁻ᴷ" at p, 7 <= K <= 400, as vxf_sup_int
 * writes it (the longest that matches); 0 when there is none. */
static size_t golden_small_exponent(const char *p)
{
	char sup[64];
	for (long k = 400; k >= 7; k--) {
		vxf_sup_int(sup, sizeof sup, -k);
		if (strncmp(p, sup, strlen(sup)) == 0)
			return strlen(sup);
	}
	return 0;
}

/* The finite-difference check's relative error is rounding noise, whose
 * digits follow the BLAS's kernels: the same model's check gives 2×10⁻¹⁰
 * with OpenBLAS's Haswell kernels and 1.7×10⁻¹⁰ with its Prescott ones.  A
 * copy of s with each "relative error of M×10⁻ᴷ" whose K is 7 or more
 * written "relative error of (rounding)", for comparisons (caller frees);
 * never longer than s. */
static char *golden_mask_rounding(const char *s)
{
	static const char lead[] = "relative error of ", times[] = "\xc3\x97" "10";
	char *out = malloc(strlen(s) + 1), *o = out;
	cr_assert_not_null(out);
	while (*s) {
		if (strncmp(s, lead, sizeof lead - 1) == 0) {
			const char *m = s + sizeof lead - 1, *p = m + strspn(m, "0123456789.");
			size_t e;
			if (p > m && strncmp(p, times, sizeof times - 1) == 0 &&
			    (e = golden_small_exponent(p + sizeof times - 1)) > 0) {
				o += sprintf(o, "%s(rounding)", lead);
				s = p + sizeof times - 1 + e;
				continue;
			}
		}
		*o++ = *s++;
	}
	*o = '\0';
	return out;
}

/* Compares text with the golden file at path and fails naming the first
 * line (1-based) that differs, both versions of it (rounding noise
 * masked: golden_mask_rounding); under
 * VANEX_UPDATE_GOLDEN=1 writes text to path instead. */
static void golden_check(const char *path, const char *text)
{
	if (golden_updating()) {
		FILE *f = fopen(path, "wb");
		cr_assert_not_null(f, "cannot write %s", path);
		fputs(text, f);
		cr_assert_eq(fclose(f), 0, "cannot write %s", path);
		return;
	}
	char *file = golden_slurp(path);
	cr_assert_not_null(file, "golden file %s is missing (make update-golden writes it)", path);
	char *want = golden_mask_rounding(file), *got = golden_mask_rounding(text);
	free(file);
	text = got;
	if (strcmp(want, text) != 0) {
		size_t i = 0, line = 1;
		while (want[i] && want[i] == text[i]) {
			line += want[i] == '\n';
			i++;
		}
		const char *a = want + i, *b = text + i;
		while (a > want && a[-1] != '\n')
			a--, b--;
		int la = (int)strcspn(a, "\n"), lb = (int)strcspn(b, "\n");
		cr_assert_fail("%s differs at line %zu:\nexpected: %.*s\ngot:      %.*s\n"
		               "(make update-golden rewrites it; review the diff)", path, line, la, a, lb, b);
	}
	free(want);
	free(got);
}

#endif
