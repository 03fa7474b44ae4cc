/*
 * utf8.c — UTF-8 decoding and terminal widths for the report layer (utf8.h).
 */
#include "report/text/utf8.h"

#include <limits.h>

size_t vxr_u8_dec(const unsigned char *s, size_t n, uint32_t *cp)
{
	if (n == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	size_t len;
	uint32_t c, min;
	if ((s[0] & 0xE0) == 0xC0) { len = 2; c = s[0] & 0x1F; min = 0x80; }
	else if ((s[0] & 0xF0) == 0xE0) { len = 3; c = s[0] & 0x0F; min = 0x800; }
	else if ((s[0] & 0xF8) == 0xF0) { len = 4; c = s[0] & 0x07; min = 0x10000; }
	else return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	/* one spelling per code point: anything else could smuggle a character
	 * past a byte-level check */
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

typedef struct {
	uint32_t lo, hi;
} range;

static int in(const range *r, size_t n, uint32_t c)
{
	for (size_t i = 0; i < n; i++)
		if (c >= r[i].lo && c <= r[i].hi)
			return 1;
	return 0;
}

/* Combining marks and zero-width format characters: drawn on the previous
 * column or not at all. */
static const range zero[] = {
	{ 0x0300, 0x036F }, { 0x0483, 0x0489 }, { 0x1AB0, 0x1AFF }, { 0x1DC0, 0x1DFF },
	{ 0x200B, 0x200F }, { 0x20D0, 0x20FF }, { 0xFE00, 0xFE0F }, { 0xFE20, 0xFE2F },
};

/* East Asian Wide (W) and Fullwidth (F) blocks, and the emoji most likely
 * to turn up; U+303F (half-width ideographic space) is narrow. */
static const range wide[] = {
	{ 0x1100, 0x115F }, { 0x2E80, 0x303E }, { 0x3040, 0xA4CF }, { 0xAC00, 0xD7A3 },
	{ 0xF900, 0xFAFF }, { 0xFE30, 0xFE4F }, { 0xFF00, 0xFF60 }, { 0xFFE0, 0xFFE6 },
	{ 0x1F300, 0x1F64F }, { 0x1F900, 0x1F9FF }, { 0x20000, 0x3FFFD },
};

int vxr_cp_width(uint32_t cp)
{
	if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0))
		return 0;
	if (in(zero, sizeof zero / sizeof zero[0], cp))
		return 0;
	if (in(wide, sizeof wide / sizeof wide[0], cp))
		return 2;
	return 1;
}

size_t vxr_u8_next(const char *s, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	if (!u[0]) {
		*cp = 0;
		return 0;
	}
	/* the bytes before the NUL, at most a sequence's worth */
	size_t n = 1;
	while (n < 4 && u[n])
		n++;
	size_t l = vxr_u8_dec(u, n, cp);
	if (!l) {
		*cp = 0xFFFD;
		l = 1;
	}
	return l;
}

int vxr_u8_width(const char *s)
{
	if (!s)
		return 0;
	int w = 0;
	uint32_t cp;
	for (size_t l; (l = vxr_u8_next(s, &cp)) > 0; s += l) {
		int x = vxr_cp_width(cp);
		if (w > INT_MAX - x)
			return INT_MAX;
		w += x;
	}
	return w;
}
