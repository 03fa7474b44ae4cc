/*
 * status.h — the one error policy of vanex.
 *
 * Every engine function that can fail returns a vx_status.  Functions that
 * read outside data also take a vx_error, into which they write one line of
 * detail (naming the file, option or value and what is accepted).  The engine
 * never prints, exits or aborts; tui/ turns a status into a message on stderr
 * and an exit code: vx_status_exit() says which (2 usage, 1 data or I/O).
 */
#ifndef VX_STATUS_H
#define VX_STATUS_H

#include <stdarg.h>
#include <stddef.h>

typedef enum {
	VX_OK = 0,
	VX_EUSAGE,     /* an option or parameter value outside its domain (exit 2) */
	VX_ENOMEM,     /* an allocation failed */
	VX_EIO,        /* a file cannot be opened, read or written */
	VX_EFORMAT,    /* a file's content is malformed or truncated */
	VX_ESHAPE,     /* dimensions that do not fit (non-square W, wrong lengths) */
	VX_ENONFINITE, /* NaN or infinity in data, or produced by rescaling */
	VX_ETOOBIG,    /* a declared size beyond vanex's limits (checked before allocating) */
	VX_ENUMERIC,   /* a numerical routine failed (e.g. an SVD did not converge) */
	VX_EINTERNAL   /* a broken invariant: a bug in vanex */
} vx_status;

/* One line of detail for the user; empty when none. */
typedef struct {
	char msg[320];
} vx_error;

/* A short static description of a status ("malformed file", ...). */
const char *vx_strerror(vx_status st);

/* The process exit code for a status: 0 for VX_OK, 2 for VX_EUSAGE, else 1. */
int vx_status_exit(vx_status st);

/* Writes printf-style detail into err (when err is not NULL) and returns st,
 * so callers can write `return vx_fail(err, VX_EFORMAT, "%s: ...", path);`.
 * The message goes through vx_quote (no limit, control bytes only): a file
 * name or value echoed from the input cannot act on the terminal. */
vx_status vx_fail(vx_error *err, vx_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Copies the NUL-terminated src (NULL reads as "") into buf (n bytes) fit
 * for a one-line message: every control byte (below 0x20, and DEL) written
 * as \xNN, and with ascii_only every byte from 0x80 as well (for a terminal
 * that is not UTF-8, or text that must stay ASCII), so outside text cannot
 * move the cursor, ring the bell, split the line or arrive as mojibake.
 * At most max_bytes bytes of src are shown (SIZE_MAX: no limit); when src
 * goes on past them, or past what buf holds, the text ends in "..." and is
 * cut between two characters (never inside an escape or a UTF-8 sequence).
 * buf is always NUL-terminated when n > 0.  Returns buf. */
char *vx_quote(const char *src, size_t max_bytes, int ascii_only, char *buf, size_t n);

#endif
