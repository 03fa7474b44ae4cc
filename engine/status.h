/*
 * status.h — the one error policy of vanex, and the engine's conventions.
 *
 * Every engine function that can fail returns a vx_status.  Functions that
 * read outside data also take a vx_error, into which they write one line of
 * detail (naming the file, quantity or value and what is accepted).  The engine
 * never prints, exits or aborts; tui/ turns a status into a message on stderr
 * and an exit code: vx_status_exit() says which (2 usage, 1 data or I/O).
 *
 * Lifetimes, one convention for every object of the engine (static helpers
 * included), as GSL's:
 *   vx_T *vx_T_alloc(...) / void vx_T_free(vx_T *)
 *       an object the engine allocates, with its workspaces; NULL when out of
 *       memory.  _free releases it whole and takes NULL.  An object a function
 *       returns through vx_T **out (vx_analyse's vx_result, vx_net_forward's
 *       vx_net_fwd) and a _clone are released by the same _free; a GSL
 *       object made by the engine by GSL's (vx_rng_alloc: gsl_rng_free).
 *   vx_status vx_T_init(vx_T *, ...) / void vx_T_clear(vx_T *)
 *       a struct the caller holds (on its stack, or inside another) whose
 *       members the engine allocates.  _clear releases the members and
 *       leaves the struct zeroed, so that it takes a zeroed struct, one whose
 *       _init failed half-way, and a second call.  A struct a function fills
 *       through vx_T *out (vx_net_fd_check's vx_net_fdcheck) is released by
 *       the same _clear.
 * Headers are guarded by VX_<NAME>_H, NAME the file's name.
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
	VX_EINTERNAL,  /* a broken invariant: a bug in vanex */
	VX_ECANCELLED  /* the caller asked the analysis to stop (exec.h's stop flag) */
} vx_status;

/* A model parameter, for a front end to name the way its user sets it (the
 * command line: "--norm").  The engine's messages about a model name
 * quantities, not options ("λ = 3: rescaling W leaves the range of a
 * double", "the loss step t must be from 1 to T (50), got 60"): the tutor
 * shows them after a key press, where no option was typed.  (params.h,
 * which parses the options' text, names the option itself.) */
typedef enum {
	VX_PARAM_NONE = 0,   /* no parameter, or several */
	VX_PARAM_ACT, VX_PARAM_HIDDEN, VX_PARAM_INPUTS, VX_PARAM_STEPS, VX_PARAM_T,
	VX_PARAM_NORM, VX_PARAM_INIT, VX_PARAM_WEIGHTS, VX_PARAM_MODEL,
	VX_PARAM_INPUT_SCALE, VX_PARAM_SEED,
	VX_PARAM_CELL, VX_PARAM_LAYERS, VX_PARAM_FORGET_BIAS,
	VX_PARAM_INPUTS_FILE, VX_PARAM_MODULE, VX_PARAM_DIRECTION, VX_PARAM_LAYOUT
} vx_param;

/* One line of detail for the user; empty when none.  param says which
 * parameter the line is about when one is (set by vx_fail_at; vx_fail
 * leaves it as it is, so a front end starts from a zeroed vx_error). */
typedef struct {
	char msg[320];
	vx_param param;
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

/* Records in err (when not NULL) that its message is about parameter p, and
 * returns st. */
static inline vx_status vx_error_about(vx_error *err, vx_param p, vx_status st)
{
	if (err)
		err->param = p;
	return st;
}

/* vx_fail for a message about one parameter p, which err->param records:
 * `return vx_fail_at(err, VX_PARAM_T, VX_EUSAGE, "the loss step t must be
 * from 1 to T (%zu), got %zu", T, t);`.  A macro over vx_fail, so that one
 * function formats every message and checks its format; err is evaluated
 * twice. */
#define vx_fail_at(err, p, st, ...) vx_error_about((err), (p), vx_fail((err), (st), __VA_ARGS__))

#endif
