/*
 * utf8.h — the report layer's one UTF-8 decoder and terminal column count.
 *
 * The math parser, the plots, the terminal layout and the check summary all
 * measure or walk UTF-8 text; they share these so that a character counts the
 * same in every one of them.
 */
#ifndef VXR_UTF8_H
#define VXR_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decodes the UTF-8 sequence at s[0..n) into *cp and returns its length in
 * bytes (1 to 4).  Returns 0, leaving *cp untouched, when s does not start
 * with a well-formed sequence: n == 0, a stray continuation or invalid lead
 * byte, a sequence cut short by n or by a non-continuation byte, an overlong
 * form, a surrogate (U+D800..U+DFFF) or a value past U+10FFFF.  Reads at most
 * min(n, 4) bytes and never past the first byte that ends the sequence. */
size_t vxr_u8_dec(const unsigned char *s, size_t n, uint32_t *cp);

/* Decodes the code point at the NUL-terminated s into *cp and returns the
 * bytes it takes, for walking text of unknown origin: 0 (and *cp = 0) at the
 * NUL; U+FFFD and 1 when s does not start a well-formed sequence, so a walk
 * always advances and never passes the NUL. */
size_t vxr_u8_next(const char *s, uint32_t *cp);

/* Terminal columns a code point takes: 0 for U+0000, C0/C1 controls and DEL,
 * combining marks and zero-width format characters; 2 for East Asian wide
 * and fullwidth forms and the common emoji blocks; 1 otherwise.  A short
 * table, not the whole Unicode database: enough for the text vanex writes. */
int vxr_cp_width(uint32_t cp);

/* Columns of the NUL-terminated string s (0 for NULL; INT_MAX at most): the
 * sum of vxr_cp_width over the code points vxr_u8_next walks, so each byte
 * that does not start a well-formed sequence counts as one column and
 * decoding resumes at the next byte. */
int vxr_u8_width(const char *s);

#endif
