/*
 * fuzz_math.c — the TeX-subset math renderer (vxm_render) under fuzzing.
 *
 * The first byte picks the target and display mode, the rest is the source.
 * A rendering must be NUL-terminated; for the ASCII target (LANG=C terminals)
 * pure ASCII; for Unicode and MathML valid UTF-8 when the source is; MathML
 * must be one well-formed <math> element (balanced tags, entities closed, no
 * stray '<' or '&'), since it is pasted into the HTML handout as is.  An
 * error must point at a column inside the source (or just past its end) and
 * carry one line of detail.
 *
 * The same source goes through vxm_layout (the terminal's cells, UTF-8 or
 * ASCII by a bit of the first byte, a width from the next bits): it must
 * fail exactly when vxm_render does, and a box must have h rows of exactly
 * w cells, its baseline among them, bytes < 0x80 in ASCII.
 */
#include "report/text/math.h"
#include "report/text/utf8.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_INIT_GSL()

/* 1 when s[0..n) is valid UTF-8 (no overlongs, no surrogates). */
static int utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned c = s[i];
		size_t len;
		unsigned min;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			len = 2, min = 0x80, c &= 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			len = 3, min = 0x800, c &= 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			len = 4, min = 0x10000, c &= 0x07;
		} else {
			return 0;
		}
		if (i + len > n)
			return 0;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			c = (c << 6) | (s[i + k] & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return 0;
		i += len;
	}
	return 1;
}

/* A small well-formedness check of XML: tags balance, attribute values are
 * quoted, entities are closed, no '<' or '&' stands alone. */
static void check_xml(const char *s)
{
	const char *stack[64];
	size_t lens[64], depth = 0;
	FUZZ_CHECK(strncmp(s, "<math", 5) == 0, "MathML does not start with <math: %.60s", s);
	for (const char *p = s; *p;) {
		if (*p == '&') {
			const char *q = p + 1;
			if (*q == '#')
				q++;
			while ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9'))
				q++;
			FUZZ_CHECK(*q == ';' && q > p + 1, "unterminated entity at: %.30s", p);
			p = q + 1;
		} else if (*p == '<') {
			int closing = p[1] == '/';
			const char *name = p + 1 + closing, *q = name;
			while ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9'))
				q++;
			FUZZ_CHECK(q > name, "stray '<' at: %.30s", p);
			size_t nlen = (size_t)(q - name);
			/* attributes: name="value" pairs */
			while (*q && *q != '>' && *q != '/') {
				if (*q == '"') {
					const char *e = strchr(q + 1, '"');
					FUZZ_CHECK(e != NULL, "unclosed attribute value at: %.30s", q);
					for (const char *a = q + 1; a < e; a++)
						FUZZ_CHECK(*a != '<', "'<' inside an attribute: %.30s", q);
					q = e + 1;
				} else {
					q++;
				}
			}
			int selfclose = *q == '/';
			if (selfclose)
				q++;
			FUZZ_CHECK(*q == '>', "unclosed tag at: %.30s", p);
			if (closing) {
				FUZZ_CHECK(depth > 0 && lens[depth - 1] == nlen && !strncmp(stack[depth - 1], name, nlen),
				           "</%.*s> does not close the open element", (int)nlen, name);
				depth--;
			} else if (!selfclose) {
				FUZZ_CHECK(depth < 64, "elements nested deeper than 64");
				stack[depth] = name;
				lens[depth++] = nlen;
			}
			p = q + 1;
			if (depth == 0) {
				while (*p == '\n' || *p == ' ')
					p++;
				FUZZ_CHECK(*p == '\0', "text after </math>: %.30s", p);
				return;
			}
		} else {
			p++;   /* '>' in text is legal XML */
		}
	}
	FUZZ_CHECK(0, "%zu element(s) left open", depth);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	vxm_target target = (vxm_target)(data[0] & 3);
	int display = (data[0] >> 2) & 1;
	const char *src = (const char *)data + 1;
	size_t len = size - 1;

	/* An exact-size copy, so a read past len is caught by ASan. */
	char *copy = malloc(len ? len : 1);
	if (!copy)
		abort();
	memcpy(copy, src, len);

	char *out = NULL;
	size_t col = 0;
	vx_error err = { 0 };
	vx_status st = vxm_render(copy, len, target, display, &out, &col, &err);
	if (st == VX_OK) {
		FUZZ_CHECK(out != NULL, "VX_OK without output");
		size_t olen = strlen(out);
		if (target == VXM_ASCII)
			for (size_t i = 0; i < olen; i++)
				FUZZ_CHECK((unsigned char)out[i] < 0x80, "non-ASCII byte 0x%02x in ASCII output at %zu",
				           (unsigned char)out[i], i);
		if (target != VXM_ASCII && utf8_ok((const unsigned char *)copy, len))
			FUZZ_CHECK(utf8_ok((const unsigned char *)out, olen), "invalid UTF-8 output");
		if (target == VXM_MATHML)
			check_xml(out);
	} else {
		fuzz_check_error(st, &err);
		FUZZ_CHECK(col >= 1 && col <= len + 1, "error column %zu outside 1..%zu: %s", col, len + 1, err.msg);
	}
	free(out);

	int ascii = (data[0] >> 3) & 1;
	int width = (data[0] >> 4) * 6;   /* 0 (no limit) to 90 */
	vxm_box b;
	size_t bcol = 0;
	vx_error berr = { 0 };
	vx_status bst = vxm_layout(copy, len, ascii, display, width, &b, &bcol, &berr);
	if (st == VX_OK || st == VX_EFORMAT)
		FUZZ_CHECK(bst == st || bst == VX_ENOMEM, "vxm_layout %d where vxm_render %d", (int)bst, (int)st);
	if (bst == VX_OK) {
		FUZZ_CHECK(b.h >= 1 && b.base >= 0 && b.base < b.h, "box h %d base %d", b.h, b.base);
		FUZZ_CHECK(display || b.h == 1, "inline box of %d rows", b.h);
		for (int y = 0; y < b.h; y++) {
			FUZZ_CHECK(b.rows[y] != NULL, "row %d missing", y);
			FUZZ_CHECK(vxr_u8_width(b.rows[y]) == b.w || !utf8_ok((const unsigned char *)copy, len),
			           "row %d is %d cells, the box %d", y, vxr_u8_width(b.rows[y]), b.w);
			for (const char *c = b.rows[y]; ascii && *c; c++)
				FUZZ_CHECK((unsigned char)*c < 0x80, "non-ASCII byte 0x%02x in an ASCII box",
				           (unsigned char)*c);
		}
		vxm_box_free(&b);
	} else {
		fuzz_check_error(bst, &berr);
	}
	free(copy);
	return 0;
}
