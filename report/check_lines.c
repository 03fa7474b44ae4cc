/*
 * check_lines.c — the lines and tables that the texts of `vanex check` share
 * (check_internal.h): a vanilla layer's (check_text.c), a network's
 * (check_net.c) and a batch's (check_batch.c).
 *
 * The text is built line by line with display widths counted in terminal
 * columns (utf8.h; every symbol used here is one column wide), so the same
 * layout holds in UTF-8 and in the ASCII fallback.
 */
#include "report/check_internal.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "report/text/fmt.h"
#include "report/text/utf8.h"

#ifndef VX_VERSION
#define VX_VERSION "0.0.0"
#endif

#define SIG VXR_CK_SIG

/* A path shortened from the left to at most max columns, its control
 * bytes (and unless utf8 every byte from 0x80, so a non-UTF-8 terminal
 * never gets stray bytes) written as \xNN by vx_quote, as in the messages
 * that name a file. */
void vxr_ck_elide(char *dst, size_t n, const char *path, int max, int utf8)
{
	char q[4 * VX_PATH_MAX + 8];
	const char *s = path;
	vx_quote(s, SIZE_MAX, !utf8, q, sizeof q);
	if (vxr_u8_width(q) > max) {
		uint32_t cp;
		/* whole characters off the left of the path, never half an escape,
		 * until "..." and the rest fit */
		while (*s && vxr_u8_width(vx_quote(s, SIZE_MAX, !utf8, q, sizeof q)) > max - 3)
			s += utf8 ? vxr_u8_next(s, &cp) : 1;
	}
	size_t len = strlen(q), pre = s == path ? 0 : 3;
	if (pre + len + 1 > n) {
		if (n)
			dst[0] = '\0';
		return;
	}
	memcpy(dst, "...", pre);
	memcpy(dst + pre, q, len);
	dst[pre + len] = '\0';
}

/* The end of check's first line, `used` columns in, into buf: "seed N", or
 * for a model file that records no seed (nothing of the run was drawn)
 * "model file PATH", the path shortened to the rest of 80 columns. */
char *vxr_ck_origin(char *buf, size_t n, const vx_params *p, int used, int utf8)
{
	if (!p->unseeded) {
		snprintf(buf, n, "seed %lu", p->seed);
		return buf;
	}
	char path[4 * 80 + 8];
	vxr_ck_elide(path, sizeof path, p->model, 80 - (used > 0 ? used : 0) - 11, utf8);
	snprintf(buf, n, "model file %s", path);
	return buf;
}

/* Prints s right-aligned in w columns. */
void vxr_ck_rpad(FILE *out, const char *s, int w)
{
	for (int i = vxr_u8_width(s); i < w; i++)
		fputc(' ', out);
	fputs(s, out);
}

char *vxr_ck_num_fit(char *b, size_t n, double v, int w, vxf_style st)
{
	vxf_num(b, n, v, SIG, st);
	for (int sig = SIG - 1; sig >= 1 && vxr_u8_width(b) >= w; sig--)
		vxf_num(b, n, v, sig, st);
	return b;
}

char *vxr_ck_mag_fit(char *b, size_t n, vx_mag m, int w, vxf_style st)
{
	vxf_mag(b, n, m, SIG, st);
	for (int sig = SIG - 1; sig >= 1 && vxr_u8_width(b) >= w; sig--)
		vxf_mag(b, n, m, sig, st);
	if (vxr_u8_width(b) >= w && isfinite(m.log10)) {
		/* exponents of ten digits (10⁻¹³⁰²⁸⁸³⁴⁰⁴): the power of ten alone,
		 * its exponent rounded, as a digit would be (4×10⁻ˣ is 10^(0.6−x)) */
		vx_mag p = { 0, nearbyint(m.log10), 0 };
		char one[64];
		vxf_mag(one, sizeof one, p, 1, st);
		const char *ten = strstr(one, "10");
		snprintf(b, n, "%s", ten ? ten : one);
	}
	return b;
}

/* The head of check's gap tables: t−k and k, then n columns of 15. */
void vxr_ck_gap_head(FILE *out, int utf8, const char *const *cols, int n)
{
	vxr_ck_rpad(out, utf8 ? "t\u2212k" : "t-k", 8);
	vxr_ck_rpad(out, "k", 9);
	for (int i = 0; i < n; i++)
		vxr_ck_rpad(out, cols[i], 15);
	fputc('\n', out);
}

/* One row of check's gap tables: t−k and k, then the magnitudes. */
void vxr_ck_gap_row(FILE *out, size_t gap, size_t k, const vx_mag *m, int nm, vxf_style st)
{
	char g[32], kk[32], a[64];
	snprintf(g, sizeof g, "%zu", gap);
	snprintf(kk, sizeof kk, "%zu", k);
	vxr_ck_rpad(out, g, 8);
	vxr_ck_rpad(out, kk, 9);
	for (int i = 0; i < nm; i++)
		vxr_ck_rpad(out, vxr_ck_mag_fit(a, sizeof a, m[i], 15, st), 15);
	fputc('\n', out);
}

/* Under a table of nrows of t gaps, what the sample left out. */
void vxr_ck_rows_note(FILE *out, size_t nrows, size_t t, int utf8)
{
	if (nrows < t)
		fprintf(out, "(%zu of %zu rows: about %s1.5 apart after t%sk = 5; --json lists all)\n", nrows, t,
		        utf8 ? "\u00d7" : "x", utf8 ? "\u2212" : "-");
}

/* "model: from FILE (as recorded)", the path shortened to 50 columns. */
void vxr_ck_model_file_line(FILE *out, const char *file, int utf8)
{
	char path[4 * 50 + 8];   /* 50 columns of up to 4 bytes */
	vxr_ck_elide(path, sizeof path, file, 50, utf8);
	fprintf(out, "model: from %s (as recorded)\n", path);
}

/* S² of the inputs' N(0, S²) into buf: S as num gave it, in parentheses
 * when it is more than digits and a point (1.5×10⁻⁵ squared is not
 * 1.5×10⁻⁵², nor 1.5e-05^2 read as a whole) */
static const char *variance(char *buf, size_t n, const char *num, int utf8)
{
	const char *sq = utf8 ? "\u00b2" : "^2";
	if (strspn(num, "0123456789.") == strlen(num))
		snprintf(buf, n, "%s%s", num, sq);
	else
		snprintf(buf, n, "(%s)%s", num, sq);
	return buf;
}

/* The inputs of a generated model, then what starts at 0 (start). */
void vxr_ck_inputs_line(FILE *out, const vx_params *p, const char *start, int utf8, vxf_style st)
{
	char num[64], var[72];
	if (p->input_scale == 0) {
		fprintf(out, "inputs: none (input scale 0); %s\n", start);
	} else {
		vxf_num(num, sizeof num, p->input_scale, 6, st);
		fprintf(out, "inputs: x_j ~ N(0, %s) drawn from the seed; %s\n", variance(var, sizeof var, num, utf8),
		        start);
	}
}

/* "HEAD" + path + "TAIL" on one line of at most 80 columns: the path
 * shortened from the left to what the rest leaves (at least 16 columns). */
static void path_line(FILE *out, const char *head, const char *path, const char *tail, int utf8)
{
	char p[4 * 80 + 8];
	int room = 80 - vxr_u8_width(head) - vxr_u8_width(tail);
	vxr_ck_elide(p, sizeof p, path, room < 16 ? 16 : room, utf8);
	fprintf(out, "%s%s%s\n", head, p, tail);
}

void vxr_ck_weights_lines(FILE *out, const vxr_source *src, const vx_params *p, vx_cell cell, int utf8,
                          vxf_style st)
{
	char name[4 * 24 + 8], head[160], tail[80], num[64];
	vxr_ck_elide(name, sizeof name, src->module[0] ? src->module : "(top level)", 24, utf8);
	snprintf(head, sizeof head, "weights: module %s of ", name);
	snprintf(tail, sizeof tail, " (%s, %s)", src->format, src->dtype);
	path_line(out, head, src->weights, tail, utf8);
	if (p->set & VX_SET_NORM)
		fprintf(out, "  each gate block of weight_hh rescaled to %s = %s\n",
		        utf8 ? "\u2016\u00b7\u2016\u2082" : "||.||_2", vxf_num(num, sizeof num, p->norm, 6, st));
	if (src->directions == 2) {
		/* the hint on a line of its own where the two pass 80 columns */
		char what[96], hint[64];
		snprintf(what, sizeof what, "  bidirectional: the %s direction%s", src->reverse ? "reverse" : "forward",
		         src->reverse ? ", x read from its end" : "");
		snprintf(hint, sizeof hint, "(--direction %s for the other)", src->reverse ? "forward" : "reverse");
		fprintf(out, "%s%s%s\n", what, vxr_u8_width(what) + 1 + vxr_u8_width(hint) <= 80 ? " " : "\n  ", hint);
	}
	if (cell == VX_CELL_RNN && !(p->set & VX_SET_ACT))
		fprintf(out, "  activation %s, nn.RNN's default: the file does not record it (--act relu)\n",
		        vx_act_name(p->act));
}

void vxr_ck_source_inputs(FILE *out, const vxr_source *src, const vx_params *p, size_t T, size_t n,
                          const char *start, int utf8, vxf_style st)
{
	char num[64], var[72], line[240];
	if (src->inputs[0]) {
		if (src->B > 1)
			snprintf(line, sizeof line, ", %zu sequence%s of T = %zu step%s of n = %zu", src->B, vxr_ck_s(src->B), T,
			         vxr_ck_s(T), n);
		else
			snprintf(line, sizeof line, ", T = %zu step%s of n = %zu", T, vxr_ck_s(T), n);
		path_line(out, "inputs: from ", src->inputs, line, utf8);
		if (src->B > 1)
			fprintf(out, p->seq_first ? "  read as T %s B %s n (--layout tbn)\n"
			                          : "  read as B %s T %s n; --layout tbn reads T %s B %s n (nn.LSTM's x)\n",
			        utf8 ? "\u00d7" : "x", utf8 ? "\u00d7" : "x", utf8 ? "\u00d7" : "x", utf8 ? "\u00d7" : "x");
	} else {
		/* one line when it fits 80 columns, the hint under it otherwise;
		 * scale 0 is no input, in the words of the generated network's
		 * line (vxr_ck_inputs_line), not "N(0, 0²)" with a seed it never reads */
		vxf_num(num, sizeof num, p->input_scale, 6, st);
		if (p->input_scale == 0)
			snprintf(line, sizeof line, "inputs: none (input scale 0);");
		else
			snprintf(line, sizeof line, "inputs: generated, N(0, %s), seed %lu;", variance(var, sizeof var, num, utf8),
			         p->seed);
		const char *hint = " give your own with --inputs-file";
		fprintf(out, "%s%s%s\n", line, vxr_u8_width(line) + (int)strlen(hint) > 80 ? "\n " : "", hint);
	}
	if (src->zero_target)
		fprintf(out, "target: y = 0 (L_t only seeds the gradient); %s\n", start);
	else
		fprintf(out, "target: y drawn from the seed; %s\n", start);
}

/* The top Lyapunov exponent of the Jacobians over T steps, an estimate. */
void vxr_ck_lyap_line(FILE *out, double lyap, size_t T, vxf_style st)
{
	char a[64];
	if (lyap == -INFINITY)
		fprintf(out, "Lyapunov exponent: -infinity (the product of the J_j is exactly 0)\n");
	else
		fprintf(out, "Lyapunov exponent (estimate over T = %zu step%s): %s per step\n", T, vxr_ck_s(T),
		        vxf_num(a, sizeof a, lyap, SIG, st));
}

const char *vxr_ck_s(size_t n)
{
	return n == 1 ? "" : "s";
}

const char *vxr_ck_entries(size_t n)
{
	return n == 1 ? "entry" : "entries";
}
/* The heading of the finite-difference rows. */
static void fd_heading(FILE *out, vxf_style st)
{
	char tol[32];
	vxf_num(tol, sizeof tol, VXR_FD_TOL, 2, st);
	fputc('\n', out);
	fprintf(out, "finite differences (central) against the analytic derivatives,\n");
	fprintf(out, "max relative error, pass at or below %s:\n", tol);
}

/* One row of the finite-difference check: what was compared (padded to
 * width columns), its largest relative error when one was measured, and
 * its outcome; a pass over fewer entries than were sampled says how many
 * fewer. */
static void fd_row(FILE *out, const char *what, int width, vxr_fd_outcome o, double v, size_t left, vxf_style st)
{
	char a[64];
	fputs("  ", out);
	fputs(what, out);
	for (int k = vxr_u8_width(what); k < width; k++)
		fputc(' ', out);
	/* An error that could not be measured is not a number to show. */
	vxr_ck_rpad(out, o == VXR_FD_PASSED || o == VXR_FD_FAILED ? vxf_num(a, sizeof a, v, 2, st) : "-", 10);
	if (o == VXR_FD_PASSED && left > 0)
		fprintf(out, "   pass, %zu unresolved\n", left);
	else
		fprintf(out, "   %s\n", o == VXR_FD_FAILED ? "FAIL" : vxr_ck_fd_word(o));
}

/* The closing line(s) of the finite-difference check: the overall outcome,
 * the entries left out, and when nothing of an item could be compared,
 * which items (what[i] of the n items whose outcome o[i] is unresolved). */
static void fd_summary(FILE *out, vxr_fd_outcome overall, const vxr_fd_outcome *o, const char *const *what, int n,
                       size_t unresolved, size_t at_kink, int utf8)
{
	switch (overall) {
	case VXR_FD_PASSED:
		if (unresolved == 0 && at_kink == 0)
			fprintf(out, "finite-difference check: pass\n");
		else if (unresolved > 0)
			fprintf(out, "finite-difference check: pass where resolvable (%zu %s left out:\n"
			             "  double precision cannot resolve %s)\n", unresolved,
			        vxr_ck_entries(unresolved), unresolved == 1 ? "it" : "them");
		if (at_kink > 0)
			fprintf(out, "%s (%zu %s on a ReLU kink\n"
			             "  left out: there the derivative is not defined)\n",
			        unresolved > 0 ? "  and" : "finite-difference check: pass", at_kink,
			        at_kink == 1 ? "column or entry" : "columns or entries");
		break;
	case VXR_FD_UNRESOLVED: {
		/* name what could not be compared at all */
		char names[160] = "";
		int last = -1;
		for (int i = 0; i < n; i++)
			if (o[i] == VXR_FD_UNRESOLVED)
				last = i;
		for (int i = 0, k = 0; i < n; i++) {
			if (o[i] != VXR_FD_UNRESOLVED)
				continue;
			size_t len = strlen(names);
			snprintf(names + len, sizeof names - len, "%s%s", k == 0 ? "" : i == last ? " and " : ", ", what[i]);
			k++;
		}
		fprintf(out, "finite-difference check: unresolved, neither pass nor FAIL: %zu %s\n"
		             "  %s too sensitive or too fine to resolve in double precision (a chaotic\n"
		             "  or exploding horizon, or units saturated until %s rounds to %s1), so\n"
		             "  %s could not be compared\n",
		        unresolved, vxr_ck_entries(unresolved), unresolved == 1 ? "was" : "were",
		        utf8 ? "\u03c3" : "sigma", utf8 ? "\u00b1" : "+-", names);
		break;
	}
	case VXR_FD_TOO_LARGE:
		fprintf(out, "finite-difference check: not compared, neither pass nor FAIL: the analytic\n"
		             "  value does not fit a double\n");
		break;
	case VXR_FD_AT_KINK:
		fprintf(out, "finite-difference check: pass where defined: %zu columns or entries move a\n"
		             "  pre-activation sitting exactly on the ReLU kink a = 0, where %s is not\n"
		             "  defined (vanex takes 0; differences see the mean of the two sides)\n",
		        at_kink, utf8 ? "\u03c3\u2032" : "sigma'");
		break;
	default:
		fprintf(out, "finite-difference check: FAIL\n");
		break;
	}
}

/* The finite-difference lines of a vanilla layer's check (fd not NULL). */
void vxr_ck_fd_text(FILE *out, const vx_fdcheck *fd, int utf8, vxf_style st)
{
	fd_heading(out, st);
	char w[4][64];
	snprintf(w[0], sizeof w[0], utf8 ? "\u2202s_j/\u2202a_j at j = %zu" : "ds_j/da_j at j = %zu", fd->j);
	snprintf(w[1], sizeof w[1], utf8 ? "\u2202a_j/\u2202s_{j\u22121} = W at j = %zu"
	                                 : "da_j/ds_{j-1} = W at j = %zu", fd->j);
	snprintf(w[2], sizeof w[2], utf8 ? "\u2202s_t/\u2202s_k at k = %zu" : "ds_t/ds_k at k = %zu", fd->k);
	snprintf(w[3], sizeof w[3], utf8 ? "\u2202L_t/\u2202W, %zu %s" : "dL_t/dW, %zu %s", fd->dLdW_entries,
	         vxr_ck_entries(fd->dLdW_entries));
	const double err4[4] = { fd->dsda, fd->dads, fd->dsds, fd->dLdW };
	static const char *const what_u[4] = { "\u2202s_j/\u2202a_j", "\u2202a_j/\u2202s_{j\u22121}",
	                                        "\u2202s_t/\u2202s_k", "\u2202L_t/\u2202W" };
	static const char *const what_a[4] = { "ds_j/da_j", "da_j/ds_{j-1}", "ds_t/ds_k", "dL_t/dW" };
	vxr_fd_outcome o[4];
	for (int i = 0; i < 4; i++) {
		o[i] = vxr_fd_item(fd, i);
		fd_row(out, w[i], 36, o[i], err4[i], fd->left[i], st);
	}
	fd_summary(out, vxr_fd_overall(fd), o, utf8 ? what_u : what_a, 4, fd->unresolved, fd->at_kink, utf8);
}

/* "f" of an LSTM, "z" of a GRU: the gate that keeps the state (net.h). */
const char *vxr_ck_keep_gate(vx_cell c)
{
	return c == VX_CELL_LSTM ? "f" : c == VX_CELL_GRU ? "z" : NULL;
}

/* x as a percentage with up to 3 significant digits: "0%", "12.5%", "100%". */
char *vxr_ck_percent(char *b, size_t n, double x, vxf_style st)
{
	char v[40];
	snprintf(b, n, "%s%%", vxf_num(v, sizeof v, 100 * x, 3, st));
	return b;
}

/* The start of a network's first line, "vanex V check: CELL, L layers, ",
 * into buf; its columns (ASCII). */
int vxr_ck_net_head_start(char *buf, size_t n, const vx_net *net)
{
	if (net->cell == VX_CELL_RNN)
		return snprintf(buf, n, "vanex %s check: rnn cell, activation %s, %zu layer%s, ", VX_VERSION,
		                vx_act_name(net->act), net->L, vxr_ck_s(net->L));
	return snprintf(buf, n, "vanex %s check: %s cell, %zu layer%s, ", VX_VERSION, vx_cell_name(net->cell), net->L,
	                vxr_ck_s(net->L));
}

void vxr_ck_net_head(FILE *out, const vx_net *net, size_t t, const char *tail)
{
	char start[128];
	vxr_ck_net_head_start(start, sizeof start, net);
	fprintf(out, "%s%s\n", start, tail);
	fprintf(out, "sizes: d = %zu hidden, n = %zu input%s, T = %zu step%s, loss at t = %zu\n", net->d, net->n,
	        vxr_ck_s(net->n), net->T, vxr_ck_s(net->T), t);
	fprintf(out, "state: S_j = %s of every layer, D = %zu\n", net->cell == VX_CELL_LSTM ? "(h, c)" : "h", net->D);
}

/* The finite-difference lines of a network's check (fd not NULL). */
void vxr_ck_net_fd_text(FILE *out, const vx_net *net, const vx_net_fdjudge *fd, int utf8, vxf_style st)
{
	fd_heading(out, st);
	char w[VX_NET_FD_ITEMS][80];
	size_t nb = fd->nblk * fd->nblk, ne = fd->item[VX_NET_FD_GRAD].compared;
	snprintf(w[0], sizeof w[0], utf8 ? "J_j = \u2202S_j/\u2202S_{j\u22121} at j = %zu, %zu block%s"
	                                 : "J_j = dS_j/dS_{j-1} at j = %zu, %zu block%s", fd->j, nb, vxr_ck_s(nb));
	snprintf(w[1], sizeof w[1], utf8 ? "\u2202S_t/\u2202S_k at k = %zu" : "dS_t/dS_k at k = %zu", fd->k);
	/* a network without biases has two parameters a layer */
	snprintf(w[2], sizeof w[2], utf8 ? "\u2202L_t/\u2202\u03b8, %zu %s of %zu parameters"
	                                 : "dL_t/dtheta, %zu %s of %zu parameters",
	         ne, vxr_ck_entries(ne), (net->no_bias ? 2 : 4) * net->L);
	static const char *const what_u[VX_NET_FD_ITEMS] = { "J_j", "\u2202S_t/\u2202S_k",
	                                                      "\u2202L_t/\u2202\u03b8" };
	static const char *const what_a[VX_NET_FD_ITEMS] = { "J_j", "dS_t/dS_k", "dL_t/dtheta" };
	vxr_fd_outcome o[VX_NET_FD_ITEMS];
	size_t left = 0, kinked = 0;
	for (int i = 0; i < VX_NET_FD_ITEMS; i++) {
		const vx_net_fditem *it = &fd->item[i];
		o[i] = vxr_ck_net_fd_item(it);
		fd_row(out, w[i], 44, o[i], it->error, it->left, st);
		left += it->left;
		kinked += it->at_kink;
	}
	if (fd->columns < net->D)
		fprintf(out, "  (J_j and %s at %zu of the %zu columns, %zu from each block)\n",
		        utf8 ? "\u2202S_t/\u2202S_k" : "dS_t/dS_k", fd->columns, net->D, fd->columns / fd->nblk);
	fd_summary(out, vxr_ck_net_fd_overall(fd), o, utf8 ? what_u : what_a, VX_NET_FD_ITEMS, left, kinked, utf8);
}

void vxr_ck_underflow_note(FILE *out, size_t n, size_t of, const char *unit, int utf8)
{
	if (n == 0)
		return;
	fprintf(out, "underflow: in %zu of %zu %s a %s or a gate lies below what a double\n"
	             "  holds beside the others (saturated units): a value shown as underflow\n"
	             "  or 0 may be one too small to carry beside the rest of its matrix\n",
	        n, of, unit, utf8 ? "\u03c3\u2032" : "sigma'");
}
