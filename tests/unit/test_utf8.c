/*
 * test_utf8.c — the report layer's UTF-8 decoder and column widths.
 *
 * Expected code points are those of the Unicode charts for byte sequences
 * written out by hand; the invalid forms are the ones the Unicode standard
 * (chapter 3, table 3-7, well-formed byte sequences) rules out; widths are
 * the East Asian Width property (W/F wide, Mn/Me/Cf zero) of each character.
 * The C library's own UTF-8 converter (wcrtomb, mbrtowc in C.UTF-8) is a
 * second, independent encoder and decoder for the exhaustive checks.
 */
#include <criterion/criterion.h>
#include <limits.h>
#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "report/text/utf8.h"

#define SENTINEL 0xDEADBEEFu

static void expect_dec(const char *bytes, size_t n, size_t len, uint32_t want)
{
	uint32_t cp = SENTINEL;
	size_t l = vxr_u8_dec((const unsigned char *)bytes, n, &cp);
	cr_assert_eq(l, len, "length of the sequence %02X.. (n=%zu): %zu, expected %zu",
	             (unsigned char)bytes[0], n, l, len);
	cr_assert_eq(cp, want, "code point of %02X.. (n=%zu): U+%04X, expected U+%04X",
	             (unsigned char)bytes[0], n, (unsigned)cp, (unsigned)want);
}

/* Invalid: 0 and *cp left as it was. */
static void expect_bad(const char *bytes, size_t n, const char *why)
{
	uint32_t cp = SENTINEL;
	size_t l = vxr_u8_dec((const unsigned char *)bytes, n, &cp);
	cr_assert_eq(l, 0, "%s (n=%zu) was accepted as %zu bytes", why, n, l);
	cr_assert_eq(cp, SENTINEL, "%s: *cp was written (U+%04X)", why, (unsigned)cp);
}

Test(utf8, decodes_each_length)
{
	expect_dec("A", 1, 1, 0x41);
	expect_dec("\x7F", 1, 1, 0x7F);
	expect_dec("\0", 1, 1, 0);
	expect_dec("\xC3\xA9", 2, 2, 0xE9);               /* é */
	expect_dec("\xCF\x83", 2, 2, 0x3C3);              /* σ */
	expect_dec("\xE2\x88\x82", 3, 3, 0x2202);         /* ∂ */
	expect_dec("\xE4\xB8\xAD", 3, 3, 0x4E2D);         /* 中 */
	expect_dec("\xF0\x9D\x94\xBC", 4, 4, 0x1D53C);    /* 𝔼 */
	/* a longer buffer: only the first sequence is read */
	expect_dec("\xC3\xA9xyz", 5, 2, 0xE9);
}

Test(utf8, boundaries_of_each_length)
{
	expect_dec("\xC2\x80", 2, 2, 0x80);
	expect_dec("\xDF\xBF", 2, 2, 0x7FF);
	expect_dec("\xE0\xA0\x80", 3, 3, 0x800);
	expect_dec("\xED\x9F\xBF", 3, 3, 0xD7FF);         /* just below the surrogates */
	expect_dec("\xEE\x80\x80", 3, 3, 0xE000);         /* just above them */
	expect_dec("\xEF\xBF\xBF", 3, 3, 0xFFFF);
	expect_dec("\xF0\x90\x80\x80", 4, 4, 0x10000);
	expect_dec("\xF4\x8F\xBF\xBF", 4, 4, 0x10FFFF);
}

Test(utf8, rejects_ill_formed)
{
	expect_bad("", 0, "empty");
	expect_bad("\xC0\x80", 2, "overlong U+0000");
	expect_bad("\xC1\xBF", 2, "overlong U+007F");
	expect_bad("\xE0\x80\x80", 3, "overlong 3-byte");
	expect_bad("\xE0\x9F\xBF", 3, "overlong U+07FF");
	expect_bad("\xF0\x80\x80\x80", 4, "overlong 4-byte");
	expect_bad("\xF0\x8F\xBF\xBF", 4, "overlong U+FFFF");
	expect_bad("\xED\xA0\x80", 3, "surrogate U+D800");
	expect_bad("\xED\xBF\xBF", 3, "surrogate U+DFFF");
	expect_bad("\xF4\x90\x80\x80", 4, "U+110000");
	expect_bad("\xF5\x80\x80\x80", 4, "lead F5");
	expect_bad("\xF8\x88\x80\x80\x80", 5, "5-byte form");
	expect_bad("\xFE", 1, "byte FE");
	expect_bad("\xFF", 1, "byte FF");
	expect_bad("\x80", 1, "lone continuation 80");
	expect_bad("\xBF\x41", 2, "lone continuation BF");
	expect_bad("\xC3", 1, "2-byte form cut by n");
	expect_bad("\xC3\xA9", 1, "2-byte form cut by n inside a longer buffer");
	expect_bad("\xE2\x88", 2, "3-byte form cut by n");
	expect_bad("\xF0\x9D\x94", 3, "4-byte form cut by n");
	expect_bad("\xE2\x88\x41", 3, "3-byte form cut by ASCII");
	expect_bad("\xE2\x41\x82", 3, "3-byte form with ASCII in the middle");
	expect_bad("\xF0\x9D\x94\0", 4, "4-byte form cut by NUL");
	expect_bad("\xC3\xC3\xA9", 3, "lead byte where a continuation belongs");
}

static void expect_width(uint32_t cp, int want, const char *what)
{
	int w = vxr_cp_width(cp);
	cr_assert_eq(w, want, "width of U+%04X (%s): %d, expected %d", (unsigned)cp, what, w, want);
}

Test(utf8, widths_from_east_asian_width)
{
	expect_width(0x41, 1, "A, Na");
	expect_width(0xE9, 1, "é, A");
	expect_width(0x3C3, 1, "σ, A");
	expect_width(0x2202, 1, "∂, A");
	expect_width(0x1D53C, 1, "𝔼, N");
	expect_width(0x4E2D, 2, "中, W");
	expect_width(0x3000, 2, "ideographic space, F");
	expect_width(0x3042, 2, "hiragana a, W");
	expect_width(0xAC00, 2, "hangul ga, W");
	expect_width(0xFF21, 2, "fullwidth A, F");
	expect_width(0xFF61, 1, "halfwidth ideographic full stop, H");
	expect_width(0x303F, 1, "ideographic half fill space, N");
	expect_width(0x1F600, 2, "grinning face, W");
	expect_width(0x20000, 2, "CJK extension B, W");
	expect_width(0x0301, 0, "combining acute, Mn");
	expect_width(0x0488, 0, "combining cyrillic hundred thousands, Me");
	expect_width(0x1AB0, 0, "combining doubled circumflex, Mn");
	expect_width(0x1DC0, 0, "combining dotted grave, Mn");
	expect_width(0x20D7, 0, "combining right arrow above, Mn");
	expect_width(0xFE0F, 0, "variation selector 16, Mn");
	expect_width(0x200B, 0, "zero width space, Cf");
	expect_width(0x200D, 0, "zero width joiner, Cf");
	expect_width(0x200F, 0, "right-to-left mark, Cf");
	expect_width(0x0000, 0, "NUL");
	expect_width(0x001B, 0, "ESC, Cc");
	expect_width(0x007F, 0, "DEL, Cc");
	expect_width(0x0085, 0, "NEL, Cc");
	expect_width(0x00A0, 1, "no-break space");
}

static void expect_swidth(const char *s, int want, const char *what)
{
	int w = vxr_u8_width(s);
	cr_assert_eq(w, want, "columns of %s: %d, expected %d", what, w, want);
}

Test(utf8, string_widths)
{
	expect_swidth(NULL, 0, "NULL");
	expect_swidth("", 0, "the empty string");
	expect_swidth("abc", 3, "abc");
	expect_swidth("\xCF\x83_t", 3, "σ_t");
	expect_swidth("\xE4\xB8\xAD\xE6\x96\x87", 4, "中文");
	expect_swidth("e\xCC\x81", 1, "e + combining acute");
	expect_swidth("\xF0\x9D\x94\xBC[x]", 4, "𝔼[x]");
	expect_swidth("\xEF\xBC\xA1" "B", 3, "fullwidth A then B");
	expect_swidth("a\x1b" "b", 2, "a ESC b");
	/* invalid bytes: one column each, decoding resumes at the next byte */
	expect_swidth("\x80", 1, "a lone continuation byte");
	expect_swidth("\xC0\x80", 2, "overlong NUL (two bad bytes)");
	expect_swidth("\xE2\x88x", 3, "a cut 3-byte form then x");
	expect_swidth("\xED\xA0\x80", 3, "a surrogate (three bad bytes)");
	expect_swidth("x\xF0\x9D\x94", 4, "x then a 4-byte form cut by the NUL");
}

Test(utf8, next_walks_to_the_nul_and_stops)
{
	/* é, a 3-byte form cut by ASCII, a stray continuation, then a cut
	 * 4-byte form at the very end */
	const char *s = "\xC3\xA9\xE2\x88" "A" "\x80\xF0\x9D\x94";
	const uint32_t want_cp[] = { 0xE9, 0xFFFD, 0xFFFD, 0x41, 0xFFFD, 0xFFFD, 0xFFFD, 0xFFFD };
	const size_t want_len[] = { 2, 1, 1, 1, 1, 1, 1, 1 };
	size_t k = 0, at = 0;
	uint32_t cp;
	for (size_t l; (l = vxr_u8_next(s + at, &cp)) > 0; at += l, k++) {
		cr_assert_lt(k, 8, "more steps than characters and bad bytes");
		cr_assert_eq(cp, want_cp[k], "step %zu: U+%04X, expected U+%04X", k, (unsigned)cp,
		             (unsigned)want_cp[k]);
		cr_assert_eq(l, want_len[k], "step %zu: %zu bytes, expected %zu", k, l, want_len[k]);
	}
	cr_assert_eq(k, 8, "%zu steps, expected 8", k);
	cr_assert_eq(at, strlen(s), "walk ended at byte %zu, the NUL is at %zu", at, strlen(s));
	cr_assert_eq(cp, 0, "at the NUL *cp is 0");
}

static void utf8_locale(void)
{
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		cr_skip_test("no C.UTF-8 locale for the C library's converter");
}

/* Every scalar value, encoded by the C library, decodes to itself with the
 * library's length. */
Test(utf8, every_scalar_value_against_wcrtomb)
{
	utf8_locale();
	for (uint32_t c = 0; c <= 0x10FFFF; c++) {
		if (c >= 0xD800 && c <= 0xDFFF)
			continue;
		char b[MB_LEN_MAX];
		mbstate_t st;
		memset(&st, 0, sizeof st);
		size_t n = wcrtomb(b, (wchar_t)c, &st);
		cr_assert(n >= 1 && n <= 4, "wcrtomb(U+%04X) = %zu", (unsigned)c, n);
		uint32_t cp = SENTINEL;
		size_t l = vxr_u8_dec((const unsigned char *)b, n, &cp);
		if (l != n || cp != c)
			cr_assert_fail("U+%04X: decoded %zu bytes as U+%04X, expected %zu bytes", (unsigned)c, l,
			               (unsigned)cp, n);
		/* and one byte short is never accepted */
		if (n > 1 && vxr_u8_dec((const unsigned char *)b, n - 1, &cp) != 0)
			cr_assert_fail("U+%04X cut to %zu bytes was accepted", (unsigned)c, n - 1);
	}
}

/* Every two-byte input, and every three-byte input whose last byte is one of
 * a few telling values, decoded by the C library: both accept the same
 * sequences with the same value, except that glibc also takes the 4-byte
 * forms past U+10FFFF, which Unicode excludes. */
Test(utf8, byte_pairs_and_triples_against_mbrtowc)
{
	utf8_locale();
	static const unsigned char last[] = { 0x00, 0x41, 0x7F, 0x80, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF };
	for (unsigned a = 0x80; a <= 0xFF; a++)
		for (unsigned b = 0; b <= 0xFF; b++)
			for (size_t k = 0; k < sizeof last; k++) {
				unsigned char s[4] = { (unsigned char)a, (unsigned char)b, last[k], 0x80 };
				for (size_t n = 2; n <= 4; n++) {
					mbstate_t st;
					memset(&st, 0, sizeof st);
					wchar_t w = 0;
					size_t r = mbrtowc(&w, (const char *)s, n, &st);
					int lib_ok = r >= 1 && r <= n && (uint32_t)w <= 0x10FFFF;
					uint32_t cp = SENTINEL;
					size_t l = vxr_u8_dec(s, n, &cp);
					if (lib_ok ? (l != r || cp != (uint32_t)w) : l != 0)
						cr_assert_fail("%02X %02X %02X %02X (n=%zu): vxr_u8_dec %zu, U+%04X; "
						               "mbrtowc %zu, U+%04X",
						               s[0], s[1], s[2], s[3], n, l, (unsigned)cp,
						               r, (unsigned)w);
				}
			}
}
