/*
 * buf.h — a growing string for the report layer: every renderer, the plots
 * and the math builder append to one.  Out of memory is sticky: appends
 * after a failed allocation do nothing, and vxr_buf_take says so once.
 * A zeroed vxr_buf is empty; the caller frees b.s, or takes it.
 */
#ifndef VXR_BUF_H
#define VXR_BUF_H

#include <stddef.h>
#include "engine/status.h"

typedef struct {
	char *s;      /* NUL-terminated once anything was appended */
	size_t len, cap;
	int oom;      /* an allocation failed: the contents are incomplete */
} vxr_buf;

/* Appends the n bytes at s. */
void vxr_buf_put(vxr_buf *b, const char *s, size_t n);

/* Appends the NUL-terminated s. */
void vxr_buf_puts(vxr_buf *b, const char *s);

/* Appends the printf-style text, whatever its length. */
void vxr_buf_printf(vxr_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Takes the string (never NULL unless out of memory); b is reset. */
char *vxr_buf_take(vxr_buf *b);

/* Ends a piece of output built in b, whose building returned st: on
 * VX_OK hands the text to *out (VX_ENOMEM "out of memory" when an append
 * failed), else frees it and sets *out NULL.  b is reset; returns the
 * status. */
vx_status vxr_buf_finish(vxr_buf *b, vx_status st, char **out, vx_error *err);

/* Appends the byte c. */
void vxr_buf_putc(vxr_buf *b, char c);

/* The last byte appended, '\0' while b is empty. */
char vxr_buf_last(const vxr_buf *b);

/* Appends other's text to b and releases other, which is left empty for
 * reuse.  other's out of memory becomes b's, so a failure while a piece was
 * built reaches whoever holds the whole. */
void vxr_buf_absorb(vxr_buf *b, vxr_buf *other);

#endif
