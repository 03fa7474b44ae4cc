/*
 * test_check.c — how `vanex check` words its finite-difference result:
 * hand-made vx_fdcheck records (one per situation vx_fd_check can report)
 * against the outcome and the text they must give.  The NaN cases are the
 * ones vx_fd_check documents (engine/analysis.h): every entry unresolvable,
 * or the analytic value beyond a double.  The streamed JSON is compared
 * byte for byte with the same object built and dumped by jansson.
 */
#include <criterion/criterion.h>
#include <gsl/gsl_errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/model.h"
#include "engine/params.h"
#include "report/check.h"
#include "report/modeljson.h"
#include "test_engine_util.h"

static void setup(void)
{
	gsl_set_error_handler_off();
}

TestSuite(check, .init = setup);

/* Errors of a healthy check: all well below VXR_FD_TOL = 1e-6. */
static vx_fdcheck healthy(void)
{
	vx_fdcheck f;
	memset(&f, 0, sizeof f);
	f.j = 20;
	f.k = 12;
	f.dsda = 1e-13;
	f.dads = 2e-13;
	f.dsds = 3e-12;
	f.dLdW = 4e-11;
	f.dLdW_entries = 64;
	f.columns = 8;
	return f;
}

Test(check, outcomes_of_each_situation)
{
	vx_fdcheck f = healthy();
	cr_expect_eq(vxr_fd_overall(&f), VXR_FD_PASSED, "all errors below 1e-6 pass");
	cr_expect(vxr_fd_pass(&f), "vxr_fd_pass agrees");

	f.dLdW = 2e-6;
	cr_expect_eq(vxr_fd_item(&f, 3), VXR_FD_FAILED, "2e-6 > 1e-6 fails");
	cr_expect_eq(vxr_fd_overall(&f), VXR_FD_FAILED, "one failure fails the check");

	/* No entry resolvable: NaN with 0 entries and a count of left-outs. */
	f = healthy();
	f.dLdW = NAN;
	f.dLdW_entries = 0;
	f.unresolved = 16;
	f.why[3] = VX_FD_UNRESOLVED;
	cr_expect_eq(vxr_fd_item(&f, 3), VXR_FD_UNRESOLVED, "unresolved dL/dW");
	cr_expect_eq(vxr_fd_overall(&f), VXR_FD_UNRESOLVED, "unresolved overall, not a pass");
	cr_expect(!vxr_fd_pass(&f), "never a pass");
	f.dsda = 0.5;
	cr_expect_eq(vxr_fd_overall(&f), VXR_FD_FAILED, "a real failure elsewhere still fails");

	/* The gradient beyond a double: NaN, nothing compared, nothing left out. */
	f = healthy();
	f.dLdW = NAN;
	f.dLdW_entries = 0;
	f.why[3] = VX_FD_TOO_LARGE;
	cr_expect_eq(vxr_fd_overall(&f), VXR_FD_TOO_LARGE, "too large to compare");

	/* NaN with entries compared is a real failure (a NaN difference). */
	f = healthy();
	f.dLdW = NAN;
	f.unresolved = 3;
	cr_expect_eq(vxr_fd_item(&f, 3), VXR_FD_FAILED, "NaN among compared entries fails");

	/* Every column of ds_t/ds_k unresolved, against the product too large. */
	f = healthy();
	f.dsds = NAN;
	f.unresolved = 8;
	f.why[2] = VX_FD_UNRESOLVED;
	cr_expect_eq(vxr_fd_item(&f, 2), VXR_FD_UNRESOLVED, "all 8 columns unresolved");
	f.unresolved = 0;
	f.why[2] = VX_FD_TOO_LARGE;
	cr_expect_eq(vxr_fd_item(&f, 2), VXR_FD_TOO_LARGE, "product beyond a double");
	f = healthy();
	f.dsda = NAN;
	cr_expect_eq(vxr_fd_item(&f, 0), VXR_FD_FAILED, "NaN in a one-step derivative fails");

	/* Every column on a ReLU kink: not compared, neither pass nor fail; an
	 * unresolved or failed item elsewhere outranks it. */
	f.why[0] = VX_FD_AT_KINK;
	f.at_kink = 8;
	cr_expect_eq(vxr_fd_item(&f, 0), VXR_FD_AT_KINK, "at a kink");
	cr_expect_eq(vxr_fd_overall(&f), VXR_FD_AT_KINK, "at a kink overall");
	cr_expect(!vxr_fd_pass(&f), "never a pass");
	f.dLdW = NAN;
	f.why[3] = VX_FD_UNRESOLVED;
	cr_expect_eq(vxr_fd_overall(&f), VXR_FD_UNRESOLVED, "unresolved outranks a kink");
	f.dads = 1e-3;
	cr_expect_eq(vxr_fd_overall(&f), VXR_FD_FAILED, "a failure outranks both");
}

/* check's text (utf8 or ASCII) or JSON for the model m of the params p
 * with the finite-difference record fd (NULL: not run), loss at t = T;
 * frees m. */
static char *output_for(const vx_params *p, vx_model *m, const vx_fdcheck *fd, int json, int utf8)
{
	vx_result *r = analyse_ok(m, m->T);
	vx_error err = { 0 };
	vxr_check c = { p, m, r, fd, NULL, NULL, NULL };
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	cr_assert(out != NULL);
	if (json)
		cr_assert_eq(vxr_check_json(out, &c, &err), VX_OK, "json: %s", err.msg);
	else
		cr_assert_eq(vxr_check_text(out, &c, utf8, &err), VX_OK, "text: %s", err.msg);
	fclose(out);
	vx_result_free(r);
	vx_model_free(m);
	return buf;
}

/* check's text (ASCII) or JSON for the options opt (name, value, ..., NULL)
 * with the finite-difference record fd (NULL: not run), loss at t = T. */
static char *output_of(const char *const *opt, const vx_fdcheck *fd, int json)
{
	vx_params p;
	vx_model *m = model_of(&p, opt);
	return output_for(&p, m, fd, json, 0);
}

/* check's text for a small network said to come from the file `path`
 * (--model when model, else --weights); the file itself is not read. */
static char *text_naming(const char *path, int model, int utf8)
{
	vx_params p;
	vx_model *m = model_of(&p, (const char *const[]){ "hidden", "4", "steps", "20", NULL });
	snprintf(model ? p.model : p.weights, VX_PATH_MAX, "%s", path);
	return output_for(&p, m, NULL, 0, utf8);
}

/* The text of check for a small network with the given fd record, ASCII. */
static char *text_with(const vx_fdcheck *fd)
{
	return output_of((const char *const[]){ "hidden", "4", "steps", "20", NULL }, fd, 0);
}

/* A file name is shown as the messages show it (vx_quote): control bytes,
 * and in ASCII the bytes from 0x80, as \xNN; shortened from the left by
 * whole characters to 38 columns (weights) or 50 (model), whatever the
 * bytes per character. */
Test(check, a_file_name_is_quoted_and_shortened_by_columns)
{
	char *s = text_naming("/tmp/a\x1b[2Jb.csv", 0, 0);
	cr_expect(strstr(s, "W: from /tmp/a\\x1b[2Jb.csv, as given\n") != NULL, "ESC as \\x1b:\n%s", s);
	free(s);
	s = text_naming("/tmp/\xce\xbb.csv", 0, 0);
	cr_expect(strstr(s, "W: from /tmp/\\xce\\xbb.csv, as given\n") != NULL, "ASCII: λ as bytes:\n%s", s);
	free(s);
	s = text_naming("/tmp/\xce\xbb.csv", 0, 1);
	cr_expect(strstr(s, "W: from /tmp/λ.csv, as given\n") != NULL, "UTF-8: λ as it is:\n%s", s);
	free(s);
	/* 60 Thai letters, three bytes and one column each: "...", the last 42
	 * and ".json" make the 50 columns, 134 bytes */
	char path[512] = "/data/", want[512] = "model: from ...";
	for (int i = 0; i < 60; i++)
		strcat(path, "ก");
	for (int i = 0; i < 42; i++)
		strcat(want, "ก");
	strcat(path, ".json");
	strcat(want, ".json (as recorded)\n");
	s = text_naming(path, 1, 1);
	cr_expect(strstr(s, want) != NULL, "a long path in three-byte letters:\n%s", s);
	free(s);
	/* the same in ASCII: "...", the 10 whole escapes of 4 columns that fit
	 * and ".json" (48 columns) */
	s = text_naming(path, 1, 0);
	cr_expect(strstr(s, "model: from ...\\x81\\xe0\\xb8\\x81\\xe0\\xb8\\x81\\xe0\\xb8\\x81"
	                    ".json (as recorded)\n") != NULL,
	          "ASCII: whole escapes after the ...:\n%s", s);
	free(s);
}

Test(check, unresolved_text_is_neither_pass_nor_fail)
{
	vx_fdcheck f = healthy();
	f.dLdW = NAN;
	f.dLdW_entries = 0;
	f.unresolved = 16;
	f.why[3] = VX_FD_UNRESOLVED;
	char *s = text_with(&f);
	cr_expect(strstr(s, "finite-difference check: unresolved, neither pass nor FAIL: 16 entries\n") != NULL,
	          "the verdict names the 16 left out:\n%s", s);
	cr_expect(strstr(s, "resolve in double precision") != NULL, "double precision named:\n%s", s);
	cr_expect(strstr(s, "so\n  dL_t/dW could not be compared") != NULL, "dL_t/dW named:\n%s", s);
	cr_expect(strstr(s, " FAIL\n") == NULL && strstr(s, "check: FAIL") == NULL, "no FAIL:\n%s", s);
	cr_expect(strstr(s, "check: pass") == NULL, "no pass claimed:\n%s", s);
	cr_expect(strstr(s, "nan") == NULL, "no nan printed:\n%s", s);
	free(s);

	f = healthy();
	s = text_with(&f);
	cr_expect(strstr(s, "finite-difference check: pass\n") != NULL, "healthy record passes:\n%s", s);
	free(s);

	f.dads = 3e-3;
	s = text_with(&f);
	cr_expect(strstr(s, "0.003   FAIL\n") != NULL && strstr(s, "finite-difference check: FAIL\n") != NULL,
	          "a 3e-3 error fails:\n%s", s);
	free(s);
}

/* The verdict in each reader's notation, on a linear network with W = ½ I:
 * ∂s_t/∂s_k = 2^-(t-k) I, so the rate is log10 ½ = -0.30103 per step. */
Test(check, verdict_of_a_halving_network_in_each_notation)
{
	vx_params p;
	vx_params_default(&p);
	vx_error err = { 0 };
	cr_assert_eq(vx_params_set(&p, "act", "linear", &err), VX_OK, "%s", err.msg);
	cr_assert_eq(vx_params_set(&p, "init", "identity", &err), VX_OK, "%s", err.msg);
	cr_assert_eq(vx_params_set(&p, "norm", "0.5", &err), VX_OK, "%s", err.msg);
	cr_assert_eq(vx_params_set(&p, "steps", "20", &err), VX_OK, "%s", err.msg);
	vx_model *m = NULL;
	vx_result *r = NULL;
	cr_assert_eq(vx_model_build(&p, &m, &err), VX_OK, "model: %s", err.msg);
	cr_assert_eq(vx_analyse(m, 20, NULL, &r, &err), VX_OK, "analyse: %s", err.msg);
	cr_expect(fabs(r->rate - log10(0.5)) < 1e-12, "rate %.17g", r->rate);
	static const struct { vxr_notation note; const char *want; } cases[] = {
		{ VXR_NOTE_ASCII, "vanishing: |ds_t/ds_k| shrinks x0.5 per step (10^-0.3)" },
		{ VXR_NOTE_UNICODE, "vanishing: \u2016\u2202s_t/\u2202s_k\u2016 shrinks \u00d70.5 per step (10^\u22120.3)" },
		{ VXR_NOTE_SUBSCRIPT,
		  "vanishing: \u2016\u2202s\u209c/\u2202s\u2096\u2016 shrinks \u00d70.5 per step (10^\u22120.3)" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char line[160];
		cr_expect_eq(vxr_verdict(r, cases[i].note, line, sizeof line), VXR_VANISHING, "vanishing");
		cr_expect_str_eq(line, cases[i].want, "notation %d", (int)cases[i].note);
	}
	vx_result_free(r);
	vx_model_free(m);
}

/* ---- the JSON, against jansson's dump of the same object ---- */

static json_t *jr(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

static void jmag_ref(json_t *o, const char *name, vx_mag m)
{
	char key[64];
	snprintf(key, sizeof key, "log10_%s", name);
	json_object_set_new(o, name, m.fits && isfinite(m.value) ? json_real(m.value) : json_null());
	json_object_set_new(o, key, jr(m.log10));
}

static json_t *jmatrix_ref(const gsl_matrix *m)
{
	json_t *a = json_array();
	for (size_t i = 0; i < m->size1; i++) {
		json_t *r = json_array();
		for (size_t j = 0; j < m->size2; j++)
			json_array_append_new(r, jr(gsl_matrix_get(m, i, j)));
		json_array_append_new(a, r);
	}
	return a;
}

/* a gradient as vanex writes it: name, or name null beside name_scaled and
 * name_log10_scale when it does not fit a double */
static void jgrad_ref(json_t *o, const char *name, const gsl_matrix *G, double log10_scale)
{
	char key[64];
	if (log10_scale == 0) {
		json_object_set_new(o, name, jmatrix_ref(G));
		return;
	}
	json_object_set_new(o, name, json_null());
	snprintf(key, sizeof key, "%s_scaled", name);
	json_object_set_new(o, key, jmatrix_ref(G));
	snprintf(key, sizeof key, "%s_log10_scale", name);
	json_object_set_new(o, key, jr(log10_scale));
}

static json_t *jvector_ref(const gsl_vector *v)
{
	json_t *a = json_array();
	for (size_t i = 0; i < v->size; i++)
		json_array_append_new(a, jr(gsl_vector_get(v, i)));
	return a;
}

/* The object as check.h documents it, member by member, dumped by jansson
 * with 17 significant digits. */
static char *json_reference(const vxr_check *c)
{
	const vx_params *p = c->params;
	const vx_model *m = c->model;
	const vx_result *r = c->result;
	json_t *o = json_object(), *pp = json_object(), *mo = json_object(), *paths = json_array();
	int norm_given = (p->set & VX_SET_NORM) || (!p->weights[0] && !p->model[0]);
	json_object_set_new(pp, "activation", json_string(vx_act_name(m->act)));
	json_object_set_new(pp, "hidden", json_integer((json_int_t)m->d));
	json_object_set_new(pp, "inputs", json_integer((json_int_t)m->n));
	json_object_set_new(pp, "steps", json_integer((json_int_t)m->T));
	json_object_set_new(pp, "t", json_integer((json_int_t)r->t));
	json_object_set_new(pp, "norm", norm_given ? jr(p->norm) : json_null());
	/* null for what no draw made: weights or inputs from files */
	int wfile = p->weights[0] || (p->undrawn & VX_UNDRAWN_WEIGHTS);
	int xfile = p->inputs_file[0] || (p->undrawn & VX_UNDRAWN_INPUTS);
	json_object_set_new(pp, "init", wfile ? json_null() : json_string(vx_init_name(p->init)));
	json_object_set_new(pp, "input_scale", xfile ? json_null() : jr(p->input_scale));
	json_object_set_new(pp, "seed", p->unseeded ? json_null()
	                                : p->seed <= (unsigned long)LLONG_MAX ? json_integer((json_int_t)p->seed)
	                                                                      : json_real((double)p->seed));
	json_object_set_new(pp, "cell", json_string("rnn"));
	json_object_set_new(pp, "layers", json_integer(1));
	json_object_set_new(o, "params", pp);
	json_object_set_new(o, "version", json_string(VX_VERSION));
	json_object_set_new(o, "gamma", jr(r->gamma));
	json_object_set_new(o, "lambda", jr(r->lambda));
	json_object_set_new(o, "regime", json_string(vx_regime_name(vx_result_regime(r))));
	json_object_set_new(mo, "cell", json_string("rnn"));
	json_object_set_new(mo, "layers", json_integer(1));
	json_object_set_new(mo, "activation", json_string(vx_act_name(m->act)));
	json_object_set_new(mo, "W", jmatrix_ref(m->W));
	json_object_set_new(mo, "U", jmatrix_ref(m->U));
	json_object_set_new(mo, "b", jvector_ref(m->b));
	json_object_set_new(mo, "s0", jvector_ref(m->s0));
	json_object_set_new(mo, "x", jmatrix_ref(m->x));
	json_object_set_new(mo, "y", jvector_ref(m->y));
	json_object_set_new(o, "model", mo);
	json_object_set_new(o, "a", jmatrix_ref(r->a));
	json_object_set_new(o, "s", jmatrix_ref(r->s));
	jmag_ref(o, "loss", r->loss);
	for (size_t i = 0; i < r->t; i++) {
		const vx_path *ph = &r->paths[i];
		json_t *po = json_object();
		json_object_set_new(po, "k", json_integer((json_int_t)ph->k));
		json_object_set_new(po, "gap", json_integer((json_int_t)ph->gap));
		jmag_ref(po, "norm", ph->norm);
		jmag_ref(po, "step_product", ph->step_product);
		jmag_ref(po, "bound", ph->bound);
		jmag_ref(po, "contribution", ph->contribution);
		json_array_append_new(paths, po);
	}
	json_object_set_new(o, "paths", paths);
	jgrad_ref(o, "grad_W", r->grad_W, r->grad_log10_scale);
	json_object_set_new(o, "grad_norm", r->grad_norm.fits ? jr(r->grad_norm.value) : json_null());
	json_object_set_new(o, "log10_grad_norm", jr(r->grad_norm.log10));
	jmag_ref(o, "loss_sum", r->loss_sum);
	jgrad_ref(o, "grad_sum_W", r->grad_sum_W, r->grad_sum_log10_scale);
	jmag_ref(o, "grad_sum_norm", r->grad_sum_norm);
	jmag_ref(o, "grad_sum_near", r->grad_sum_near);
	jmag_ref(o, "grad_sum_far", r->grad_sum_far);
	json_t *ly = json_object();
	json_object_set_new(ly, "max_exponent", jr(r->lyap_max));
	json_object_set_new(ly, "bound", jr(vx_result_ln_gl(r)));
	if (r->lyap_max == -INFINITY)
		json_object_set_new(ly, "reason", json_string(r->lyap_bound == -INFINITY
		                                                  ? "-infinity: the product of the Jacobians is exactly 0, as is "
		                                                    "gamma*lambda"
		                                                  : "-infinity: the product of the Jacobians is exactly 0"));
	json_object_set_new(o, "lyapunov", ly);
	json_object_set_new(o, "rate", jr(r->rate));
	json_object_set_new(o, "verdict", json_string(vxr_trend_name(vxr_verdict(r, VXR_NOTE_ASCII, NULL, 0))));
	if (c->fd) {
		static const char *const word[] = { [VXR_FD_PASSED] = "pass", [VXR_FD_FAILED] = "fail",
			                            [VXR_FD_UNRESOLVED] = "unresolved", [VXR_FD_TOO_LARGE] = "too large",
			                            [VXR_FD_AT_KINK] = "at kink" };
		const vx_fdcheck *fd = c->fd;
		json_t *f = json_object();
		json_object_set_new(f, "dsda", jr(fd->dsda));
		json_object_set_new(f, "dads", jr(fd->dads));
		json_object_set_new(f, "dsds", jr(fd->dsds));
		json_object_set_new(f, "dLdW", jr(fd->dLdW));
		json_object_set_new(f, "j", json_integer((json_int_t)fd->j));
		json_object_set_new(f, "k", json_integer((json_int_t)fd->k));
		json_object_set_new(f, "dLdW_entries", json_integer((json_int_t)fd->dLdW_entries));
		json_object_set_new(f, "unresolved", json_integer((json_int_t)fd->unresolved));
		json_object_set_new(f, "at_kink", json_integer((json_int_t)fd->at_kink));
		json_object_set_new(f, "tolerance", json_real(VXR_FD_TOL));
		json_object_set_new(f, "pass", json_boolean(vxr_fd_pass(fd)));
		json_object_set_new(f, "outcome", json_string(word[vxr_fd_overall(fd)]));
		json_object_set_new(o, "fd_check", f);
	} else {
		json_object_set_new(o, "fd_check", json_null());
	}
	char *s = json_dumps(o, JSON_REAL_PRECISION(17));
	json_decref(o);
	return s;
}

/* vxr_check_json's bytes against the reference for one network. */
static void json_matches(const char *what, const vx_params *p, vx_model *m, int with_fd)
{
	vx_result *r = NULL;
	vx_error err = { 0 };
	cr_assert_eq(vx_analyse(m, m->T, NULL, &r, &err), VX_OK, "%s: %s", what, err.msg);
	vx_fdcheck fd;
	if (with_fd)
		cr_assert_eq(vx_fd_check(m, r, &fd), VX_OK, "%s", what);
	vxr_check c = { p, m, r, with_fd ? &fd : NULL, NULL, NULL, NULL };
	char *got = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&got, &n);
	cr_assert_eq(vxr_check_json(f, &c, &err), VX_OK, "%s: %s", what, err.msg);
	fclose(f);
	char *want = json_reference(&c);
	cr_assert_not_null(want);
	size_t wl = strlen(want), i = 0;
	while (i < wl && i < n && got[i] == want[i])
		i++;
	cr_expect(n == wl + 1 && i == wl && got[wl] == '\n', "%s: differs at byte %zu of %zu: '%.60s' against '%.60s'",
	          what, i, wl, got + (i < n ? i : n), want + i);
	free(want);
	free(got);
	vx_result_free(r);
	vx_model_free(m);
}

static vx_model *built(const vx_params *p)
{
	vx_model *m = NULL;
	vx_error err = { 0 };
	cr_assert_eq(vx_model_build(p, &m, &err), VX_OK, "%s", err.msg);
	return m;
}

Test(check, json_has_the_bytes_of_a_jansson_dump)
{
	vx_params p;
	vx_params_default(&p);
	json_matches("default", &p, built(&p), 1);

	vx_params_set(&p, "act", "sigmoid", NULL);
	vx_params_set(&p, "norm", "3", NULL);
	vx_params_set(&p, "steps", "200", NULL);
	vx_params_set(&p, "seed", "4", NULL);
	json_matches("sigmoid, lambda 3, T 200", &p, built(&p), 1);

	/* NaN errors of a check made on the kink, a seed beyond a JSON integer */
	vx_params_default(&p);
	vx_params_set(&p, "act", "relu", NULL);
	vx_params_set(&p, "input-scale", "0", NULL);
	vx_params_set(&p, "seed", "18446744073709551615", NULL);
	json_matches("relu on the kink, seed 2^64-1", &p, built(&p), 1);

	/* a file's W without --norm: the norm is null; no fd check */
	vx_params_default(&p);
	snprintf(p.weights, sizeof p.weights, "W.npy");
	vx_params q = p;
	q.weights[0] = '\0';
	json_matches("W from a file", &p, built(&q), 0);

	/* a gradient and a loss beyond a double: 1-unit linear network,
	 * W = 1e120, s_0 = 1e-300 (s_5 = 1e300, the loss 1e600) */
	vx_params_default(&p);
	vx_model *m = vx_model_alloc(VX_LINEAR, 1, 1, 5);
	cr_assert_not_null(m);
	gsl_matrix_set(m->W, 0, 0, 1e120);
	gsl_vector_set(m->s0, 0, 1e-300);
	json_matches("gradient beyond a double", &p, m, 0);
}

/* A finite-difference check still computed when the writing starts
 * (vxr_check's fd_wait): the wait comes after every member before
 * fd_check is in the stream, and fills what fd points at. */
typedef struct {
	FILE *f;
	char **buf;
	size_t *len;
	const vx_model *m;
	const vx_result *r;
	vx_fdcheck *fd;
	vx_status fail;     /* VX_OK: compute; else return this */
	int waits;
	int verdict_before; /* "verdict" was written before the wait */
} late_fd;

static vx_status late_fd_wait(void *arg)
{
	late_fd *l = arg;
	l->waits++;
	fflush(l->f);
	l->verdict_before = *l->buf && strstr(*l->buf, "\"verdict\":") != NULL;
	if (l->fail != VX_OK)
		return l->fail;
	return vx_fd_check(l->m, l->r, l->fd);
}

Test(check, a_late_fd_check_is_waited_for_where_its_member_is_due)
{
	vx_params p;
	vx_params_default(&p);
	vx_params_set(&p, "steps", "40", NULL);
	for (int text = 0; text < 2; text++) {
		vx_model *m = built(&p);
		vx_result *r = NULL;
		vx_error err = { 0 };
		cr_assert_eq(vx_analyse(m, m->T, NULL, &r, &err), VX_OK, "%s", err.msg);
		/* the same check computed first: the bytes to expect */
		vx_fdcheck fd0, fd1;
		cr_assert_eq(vx_fd_check(m, r, &fd0), VX_OK);
		vxr_check c0 = { &p, m, r, &fd0, NULL, NULL, NULL };
		char *want = NULL, *got = NULL;
		size_t wn = 0, gn = 0;
		FILE *f = open_memstream(&want, &wn);
		cr_assert_eq(text ? vxr_check_text(f, &c0, 0, &err) : vxr_check_json(f, &c0, &err), VX_OK);
		fclose(f);

		f = open_memstream(&got, &gn);
		late_fd l = { f, &got, &gn, m, r, &fd1, VX_OK, 0, 0 };
		vxr_check c1 = { &p, m, r, &fd1, NULL, late_fd_wait, &l };
		cr_assert_eq(text ? vxr_check_text(f, &c1, 0, &err) : vxr_check_json(f, &c1, &err), VX_OK, "%s", err.msg);
		fclose(f);
		cr_expect_eq(l.waits, 1, "text %d: waited %d times", text, l.waits);
		cr_expect_str_eq(got, want, "text %d: the bytes of the check computed first", text);
		if (!text)
			cr_expect(l.verdict_before, "json: the members before fd_check are written before the wait");
		free(got);
		got = NULL;

		/* a check that failed ends the writing with its status and why */
		f = open_memstream(&got, &gn);
		late_fd bad = { f, &got, &gn, m, r, &fd1, VX_ENOMEM, 0, 0 };
		vxr_check c2 = { &p, m, r, &fd1, NULL, late_fd_wait, &bad };
		vx_error e2 = { 0 };
		vx_status st = text ? vxr_check_text(f, &c2, 0, &e2) : vxr_check_json(f, &c2, &e2);
		fclose(f);
		cr_expect_eq(st, VX_ENOMEM, "text %d: status %d", text, st);
		cr_expect(strstr(e2.msg, "finite-difference check failed") != NULL, "text %d: '%s'", text, e2.msg);
		if (text) {
			cr_expect(got == NULL || got[0] == '\0', "text: nothing written:\n%s", got);
		} else {
			/* the stream already on its way ends as one whole object */
			json_error_t je;
			json_t *o = got ? json_loads(got, 0, &je) : NULL;
			cr_expect_not_null(o, "json: one whole object after a failed check");
			cr_expect(o && json_is_null(json_object_get(o, "fd_check")), "json: fd_check null");
			cr_expect(o && json_object_get(o, "verdict") != NULL, "json: the members before it");
			json_decref(o);
		}
		free(got);
		free(want);
		vx_result_free(r);
		vx_model_free(m);
	}
}

/* check's text (ASCII) or JSON for --act act --init init --norm norm
 * --hidden d --steps 10, with the finite-difference check left out. */
static char *check_of(const char *act, const char *init, const char *norm, const char *d, int json)
{
	return output_of((const char *const[]){ "act", act, "init", init, "norm", norm, "hidden", d, "steps", "10",
	                                        NULL }, NULL, json);
}

/* W = (1 + 2^-52) I, (1 - 2^-53) I, and a gaussian W rescaled to 1: γλ comes
 * out an ulp or two off 1 (1.0000000000000002, 0.9999999999999999, ...), and
 * check must call it the edge, with ln(γλ) = 0, never ln(γλ) = 2.22e-16. */
Test(check, gamma_lambda_an_ulp_off_one_reads_as_the_edge)
{
	const char *cases[][4] = {
		{ "linear", "identity", "1.0000000000000002", "6" },
		{ "linear", "identity", "0.99999999999999989", "32" },
		{ "tanh", "gaussian", "1", "8" },
		{ "sigmoid", "orthogonal", "4", "16" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *s = check_of(cases[i][0], cases[i][1], cases[i][2], cases[i][3], 0);
		cr_expect(strstr(s, "    gamma*lambda = 1\n") != NULL, "%s: gamma*lambda = 1:\n%s", cases[i][1], s);
		cr_expect(strstr(s, "\ngamma*lambda = 1 to 1e-12: the edge, the bound stays at 1 and decides "
		                    "nothing\n") != NULL, "%s %s: the edge:\n%s", cases[i][0], cases[i][1], s);
		cr_expect(strstr(s, "against its bound ln(gamma*lambda) = 0 (the edge: gamma*lambda = 1 to 1e-12)\n")
		          != NULL, "%s %s: ln printed as 0:\n%s", cases[i][0], cases[i][1], s);
		cr_expect(strstr(s, "ln(gamma*lambda) = 2.22e-16") == NULL && strstr(s, "ln(gamma*lambda) = -1.11e-16")
		          == NULL, "no rounding noise as ln:\n%s", s);
		free(s);
		s = check_of(cases[i][0], cases[i][1], cases[i][2], cases[i][3], 1);
		cr_expect(strstr(s, "\"regime\": \"edge\"") != NULL, "%s %s: JSON regime", cases[i][0], cases[i][1]);
		cr_expect(strstr(s, "\"lyapunov\": {\"max_exponent\": ") != NULL && strstr(s, ", \"bound\": 0.0}") != NULL,
		          "%s %s: JSON ln(gamma*lambda) 0:\n%.300s", cases[i][0], cases[i][1], strstr(s, "\"lyapunov\""));
		free(s);
	}
}

/* Off the edge, each side in the same words as the tutor, and a γλ that is
 * off the edge by 1e-7 is printed with the digits that show it. */
Test(check, each_side_of_the_edge_in_words)
{
	char *s = check_of("linear", "identity", "0.5", "4", 0);
	cr_expect(strstr(s, "\ngamma*lambda < 1: the bound shrinks geometrically, gradients vanish\n") != NULL, "%s", s);
	cr_expect(strstr(s, "against its bound ln(gamma*lambda) = -0.6931\n") != NULL, "ln 0.5:\n%s", s);
	free(s);
	s = check_of("linear", "identity", "1.1", "4", 0);
	cr_expect(strstr(s, "\ngamma*lambda > 1: the bound grows, explosion is possible (not certain)\n") != NULL,
	          "%s", s);
	free(s);
	s = check_of("linear", "identity", "0.9999999", "4", 0);
	cr_expect(strstr(s, "    gamma*lambda = 0.9999999\n") != NULL, "not printed as 1:\n%s", s);
	cr_expect(strstr(s, "\ngamma*lambda < 1: ") != NULL, "below:\n%s", s);
	free(s);
	s = check_of("linear", "identity", "1.0000000001", "4", 1);
	cr_expect(strstr(s, "\"regime\": \"above\"") != NULL, "1 + 1e-10 is above in JSON");
	free(s);
}

/* check's text (ASCII) or JSON for the run of `vanex check --model path`,
 * read as the command reads it (vxr_model_load, loss at T). */
static char *output_of_file(const char *path, int json)
{
	vx_params p, eff;
	vx_error err = { 0 };
	vx_params_default(&p);
	cr_assert_eq(vx_params_set(&p, "model", path, &err), VX_OK, "%s", err.msg);
	vx_model *m = NULL;
	cr_assert_eq(vxr_model_load(&p, &m, &eff, &err), VX_OK, "%s: %s", path, err.msg);
	return output_for(&eff, m, NULL, json, 0);
}

/* A model written elsewhere (a JSON with only "model": W, U, b, s0, x, y)
 * was drawn from no seed: check names the file where it named the seed
 * (the default, 1, was printed before), its JSON records "seed": null, and
 * that record read back is again a run without a seed, byte for byte.  A
 * file that records its seed (check --json of a generated model) keeps it. */
Test(check, a_model_from_elsewhere_has_no_seed)
{
	char dir[] = "/tmp/vx-mf-XXXXXX", path[96], again[96];
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/outside.json", dir);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("{\"model\": {\"activation\": \"tanh\", \"W\": [[0.5, -0.25], [0.125, 0.75]], \"U\": [[1], [-1]],\n"
	      " \"x\": [[0.5], [-1], [2]], \"y\": [0.25, 0]}}\n", f);
	fclose(f);

	char *s = output_of_file(path, 0);
	char want[160];
	snprintf(want, sizeof want, "vanex %s check: activation tanh, model file %s\n", VX_VERSION, path);
	cr_expect(strncmp(s, want, strlen(want)) == 0, "the file, not a seed:\n%s", s);
	cr_expect(strstr(s, "seed") == NULL, "no seed anywhere:\n%s", s);
	free(s);

	s = output_of_file(path, 1);
	cr_expect(strstr(s, ", \"seed\": null, ") != NULL, "JSON seed null:\n%.300s", s);
	snprintf(again, sizeof again, "%s/again.json", dir);
	f = fopen(again, "w");
	cr_assert_not_null(f);
	fputs(s, f);
	fclose(f);
	char *t = output_of_file(again, 1);
	cr_expect_str_eq(t, s, "the record of a run without a seed replays as one");
	free(t);
	free(s);

	/* a generated model's record keeps its seed */
	vx_params p;
	vx_params_default(&p);
	p.hidden = 3;
	p.steps = 5;
	p.seed = 7;
	s = output_for(&p, built(&p), NULL, 1, 0);
	f = fopen(again, "w");
	cr_assert_not_null(f);
	fputs(s, f);
	fclose(f);
	free(s);
	s = output_of_file(again, 0);
	cr_expect(strncmp(s, "vanex " VX_VERSION " check: activation tanh, seed 7\n", 30 + strlen(VX_VERSION)) == 0,
	          "a recorded seed stays:\n%s", s);
	free(s);

	/* a long path is shortened from the left to the rest of 80 columns */
	char longp[256];
	snprintf(longp, sizeof longp, "%s/%s", dir, "a-model-file-with-a-name-far-too-long-for-one-line-of-text.json");
	cr_assert_eq(rename(path, longp), 0);
	s = output_of_file(longp, 0);
	char *nl = strchr(s, '\n');
	cr_assert_not_null(nl);
	cr_expect_eq(nl - s, 80, "the first line fills 80 columns:\n%s", s);
	cr_expect(strncmp(nl - 25, "for-one-line-of-text.json", 25) == 0 && strstr(s, "model file ...") != NULL,
	          "the end of the name kept:\n%s", s);
	free(s);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}
