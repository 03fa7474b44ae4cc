/*
 * check_internal.h — what the files of `vanex check`'s output share: the
 * decisions (check.c), the lines of the texts (check_lines.c) used by a
 * vanilla layer's (check_text.c), a network's (check_net.c) and a batch's
 * (check_batch.c), and the JSON writer (check_json.c) used by check_json.c
 * and check_batch.c (report/check.h).  Not for other modules.
 */
#ifndef VXR_CHECK_INTERNAL_H
#define VXR_CHECK_INTERNAL_H

#include <stddef.h>
#include <stdio.h>
#include "report/check.h"

/* Significant digits of the numbers in check's tables. */
#define VXR_CK_SIG 4

/* ---- decisions (check.c) ---- */

/* "pass", "fail", "unresolved", "too large" or "at kink": an outcome's word
 * in the text and the JSON. */
const char *vxr_ck_fd_word(vxr_fd_outcome o);
/* How one item of a network's finite-difference check came out, in the
 * words of vxr_fd_item. */
vxr_fd_outcome vxr_ck_net_fd_item(const vx_net_fditem *it);
/* The whole check of a network, ranked as vxr_fd_overall ranks. */
vxr_fd_outcome vxr_ck_net_fd_overall(const vx_net_fdjudge *fd);

/* Waits for a finite-difference check still computed beside the writing
 * (vxr_check's fd_wait; nothing when wait is NULL): VX_OK once its result
 * may be read, else the check's status with "finite-difference check
 * failed: ..." in err. */
vx_status vxr_ck_fd_ready(vx_status (*wait)(void *), void *ctx, vx_error *err);

/* The rows of check's gap tables (vxr_check_rows) in a new array that the
 * caller frees, their count in *n; NULL when out of memory. */
size_t *vxr_ck_gaps(size_t t, size_t *n);

/* ---- text (check_lines.c) ---- */

/* path shortened from the left to at most max columns ("..." and its end),
 * control bytes (and unless utf8 bytes from 0x80) as \xNN, into dst. */
void vxr_ck_elide(char *dst, size_t n, const char *path, int max, int utf8);
/* The end of check's first line, `used` columns in, into buf: "seed N", or
 * "model file PATH" for a model file that records no seed.  Returns buf. */
char *vxr_ck_origin(char *buf, size_t n, const vx_params *p, int used, int utf8);
/* "model: from FILE (as recorded)", the path shortened to 50 columns. */
void vxr_ck_model_file_line(FILE *out, const char *file, int utf8);
/* The inputs of a generated model, then what starts at 0 (start). */
void vxr_ck_inputs_line(FILE *out, const vx_params *p, const char *start, int utf8, vxf_style st);
/* s right-aligned in w columns. */
void vxr_ck_rpad(FILE *out, const char *s, int w);
/* A figure for a column of w: v (or m) to VXR_CK_SIG significant digits,
 * fewer where it would leave no space before it (exponents of three digits
 * and more), down to one.  Returns b. */
char *vxr_ck_num_fit(char *b, size_t n, double v, int w, vxf_style st);
char *vxr_ck_mag_fit(char *b, size_t n, vx_mag m, int w, vxf_style st);
/* The head of a gap table: t−k and k, then n columns of 15. */
void vxr_ck_gap_head(FILE *out, int utf8, const char *const *cols, int n);
/* One row of a gap table: t−k and k, then nm magnitudes. */
void vxr_ck_gap_row(FILE *out, size_t gap, size_t k, const vx_mag *m, int nm, vxf_style st);
/* Under a table of nrows of t gaps, what vxr_check_rows left out. */
void vxr_ck_rows_note(FILE *out, size_t nrows, size_t t, int utf8);
/* The note under a table where derivatives underflowed: "underflow: in n
 * of of unit a σ' or a gate lies below what a double holds …" (3 lines, at
 * most 80 columns for any n and of up to 10^7), when n > 0. */
void vxr_ck_underflow_note(FILE *out, size_t n, size_t of, const char *unit, int utf8);
/* The lines of a trained network's file: module, file, format and dtype,
 * a rescaling, the direction of a bidirectional module. */
/* The weights' lines of a trained network's file; for a vanilla cell (an
 * nn.RNN, whose file does not record its nonlinearity) without --act, the
 * activation assumed. */
void vxr_ck_weights_lines(FILE *out, const vxr_source *src, const vx_params *p, vx_cell cell, int utf8,
                          vxf_style st);
/* The inputs (a file's, with T and n, or generated from the seed with the
 * hint of --inputs-file), then the target and start (what starts at 0). */
void vxr_ck_source_inputs(FILE *out, const vxr_source *src, const vx_params *p, size_t T, size_t n,
                          const char *start, int utf8, vxf_style st);
/* "Lyapunov exponent (estimate over T = … steps): … per step". */
void vxr_ck_lyap_line(FILE *out, double lyap, size_t T, vxf_style st);
/* "" for a count of one, else "s": "1 step", "2 steps" */
const char *vxr_ck_s(size_t n);
/* "entry" for a count of one, else "entries" */
const char *vxr_ck_entries(size_t n);
/* "f" of an LSTM, "z" of a GRU: the gate that keeps the state; else NULL. */
const char *vxr_ck_keep_gate(vx_cell c);
/* 100 x as "12.5%" (3 significant digits) into b. */
char *vxr_ck_percent(char *b, size_t n, double x, vxf_style st);
/* "vanex V check: CELL, L layers, " into buf; returns its columns. */
int vxr_ck_net_head_start(char *buf, size_t n, const vx_net *net);
/* The first three lines of a network's check: "vanex V check: CELL, L
 * layers, TAIL", the sizes with the loss step t, the state and D. */
void vxr_ck_net_head(FILE *out, const vx_net *net, size_t t, const char *tail);
/* The finite-difference lines of a vanilla layer's check. */
void vxr_ck_fd_text(FILE *out, const vx_fdcheck *fd, int utf8, vxf_style st);
/* The finite-difference lines of a network's check. */
void vxr_ck_net_fd_text(FILE *out, const vx_net *net, const vx_net_fdjudge *fd, int utf8, vxf_style st);

/* ---- JSON, written as it is produced (check_json.c has the reasons) ---- */

typedef struct {
	FILE *f;
	int err;      /* errno of the first failed write; 0 while none */
	int first;    /* the current object or array has no item yet */
} vxr_jw;

void vxr_jw_sep(vxr_jw *w);                       /* ", " before all but the first item */
void vxr_jw_open(vxr_jw *w, const char *bracket);
void vxr_jw_close(vxr_jw *w, const char *bracket);
void vxr_jw_key(vxr_jw *w, const char *name);     /* "name": after the separator */
void vxr_jw_member_size(vxr_jw *w, const char *name, size_t n);
void vxr_jw_member_str(vxr_jw *w, const char *name, const char *s);
/* One member that vxr_jw_fields writes from a struct: its name, where it
 * lies (offsetof), and whether it is a size_t (size) or a double. */
typedef struct {
	const char *name;
	size_t at;
	int size;
} vxr_jw_field;
/* The field of member m of type: a double (REAL) or a size_t (SIZE), named
 * as the member. */
#define VXR_JW_REAL(type, m) { #m, offsetof(type, m), 0 }
#define VXR_JW_SIZE(type, m) { #m, offsetof(type, m), 1 }
/* name {the n members f of the struct at base}. */
void vxr_jw_object(vxr_jw *w, const char *name, const void *base, const vxr_jw_field *f, size_t n);
/* [v[0], v[stride], …]: n reals, null for what is not finite. */
void vxr_jw_vector(vxr_jw *w, const double *v, size_t n, size_t stride);
/* The closing newline, the flush, and the first write error as VX_EIO. */
vx_status vxr_jw_finish(vxr_jw *w, vx_error *err);
/* The opening brace and vxr_net_check_json's members params, version,
 * state_size, bound_kind, source and model (with x when with_x). */
void vxr_jw_net_head(vxr_jw *w, const vxr_net_check *c, int with_x);
/* A figure of a layer's object in vxr_jw_layers: the members that follow
 * "layer" and "gate" (name NULL), the saturated fractions of gate g, of
 * tanh(c), the mean and spread of the gate that keeps the state. */
typedef enum {
	VXR_JW_LAYER, VXR_JW_GATE, VXR_JW_LOW, VXR_JW_HIGH, VXR_JW_CELL, VXR_JW_KEEP_MEAN, VXR_JW_KEEP_SD
} vxr_jw_fig;
/* Writes figure f of layer l (gate g) of ctx as member name. */
typedef void vxr_jw_layer_fn(vxr_jw *w, const void *ctx, const char *name, vxr_jw_fig f, size_t l, size_t g);
/* layers [{layer, gates [{gate, saturated_low, saturated_high}],
 * cell_saturated (lstm), keep_gate, keep_mean, keep_sd (lstm, gru)}] of
 * L layers of net's cell, each figure as fig writes it from ctx: one
 * sequence's values, or a batch's spreads. */
void vxr_jw_layers(vxr_jw *w, const vx_net *net, size_t L, vxr_jw_layer_fn *fig, const void *ctx);
/* fd_check as vxr_net_check_json writes it: null without fd. */
void vxr_jw_net_fd(vxr_jw *w, const vx_net *net, const vx_net_fdjudge *fd);
/* Everything vxr_net_check_json writes of one analysis r, from h to the
 * verdict. */
void vxr_jw_net_result(vxr_jw *w, const vx_net *net, const vx_net_result *r);

#endif
