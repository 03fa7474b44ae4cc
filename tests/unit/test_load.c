/*
 * test_load.c — report/load/: model files as PyTorch, numpy and the
 * safetensors format write them, read back exactly, and bad or hostile
 * files refused with one line.
 *
 * tests/unit/load_files.py (PyTorch 1.13 and numpy under /usr/bin/python3)
 * writes the files at test time with a manifest of what is in them:
 *   good       every tensor's dtype, shape and values (as doubles: exact for
 *              float16, bfloat16, float32 and float64, so compared with ==),
 *              every recurrent module, and PyTorch float64's final h (and c)
 *              of every layer for inputs x: the vx_net built from the module
 *              must give the same through vx_net_forward to 1e-12;
 *   bad        the stage (open, select, net) that must refuse each file, with
 *              the status and the words of its one-line message;
 *   malicious  pickles whose payload Python was seen to run (it created a
 *              marker file, since removed): they must be refused and the
 *              marker must not come back.
 * Needs /usr/bin/python3 with torch and numpy (tests/deps.sh); fails, never
 * skips, without them.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <gsl/gsl_errno.h>

#include "engine/net.h"
#include "report/load/find.h"
#include "report/load/tensors.h"

static void setup(void)
{
	gsl_set_error_handler_off();
}

TestSuite(load, .init = setup);

/* Runs the generator for one group into a fresh directory; the manifest. */
static json_t *generate(const char *group, char *dir)
{
	strcpy(dir, "/tmp/vanex-load.XXXXXX");
	cr_assert(mkdtemp(dir), "mkdtemp");
	const char *me = __FILE__, *slash = strrchr(me, '/');
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "OMP_NUM_THREADS=1 /usr/bin/python3 %.*s/load_files.py %s %s",
	         slash ? (int)(slash - me) : 1, slash ? me : ".", dir, group);
	cr_assert_eq(system(cmd), 0, "%s failed", cmd);
	char path[600];
	snprintf(path, sizeof path, "%s/manifest.json", dir);
	json_error_t je;
	json_t *m = json_load_file(path, 0, &je);
	cr_assert(m && json_is_array(m), "manifest %s: %s", path, je.text);
	return m;
}

static void remove_dir(const char *dir)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	cr_expect_eq(system(cmd), 0);
}

static const char *jstr(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

static size_t jsize(const json_t *o, const char *k)
{
	return (size_t)json_integer_value(json_object_get(o, k));
}

/* A manifest value: a number, or "nan", "inf", "-inf". */
static double jvalue(const json_t *v)
{
	const char *s = json_string_value(v);
	if (!s)
		return json_number_value(v);
	return strcmp(s, "nan") == 0 ? NAN : strcmp(s, "inf") == 0 ? INFINITY : -INFINITY;
}

static int same(double a, double b)
{
	return a == b ? signbit(a) == signbit(b) : isnan(a) && isnan(b);
}

static size_t find_tensor(const vxr_tensors *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->t[i].name, name) == 0)
			return i;
	return SIZE_MAX;
}

/* Every tensor of the manifest: listed with its dtype and shape, its values
 * exactly those Python wrote (objects: refused when read). */
static void check_tensors(vxr_tensors *f, const json_t *want, const char *file)
{
	cr_expect_eq(f->n, json_object_size(want), "%s: %zu tensors listed, %zu in the file", file, f->n,
	             json_object_size(want));
	const char *name;
	json_t *w;
	json_object_foreach((json_t *)want, name, w) {
		size_t i = find_tensor(f, name);
		if (i == SIZE_MAX) {
			cr_expect(0, "%s: tensor %s not listed", file, name);
			continue;
		}
		const vxr_tensor *t = &f->t[i];
		cr_expect_str_eq(t->dtype_name, jstr(w, "dtype"), "%s: %s: dtype", file, name);
		json_t *shape = json_object_get(w, "shape");
		cr_expect_eq(t->ndim, json_array_size(shape), "%s: %s: ndim", file, name);
		for (size_t k = 0; k < t->ndim && k < json_array_size(shape); k++)
			cr_expect_eq(t->shape[k], (uint64_t)json_integer_value(json_array_get(shape, k)), "%s: %s: shape[%zu]",
			             file, name, k);
		json_t *vals = json_object_get(w, "values");
		double *d = malloc((t->numel + 1) * sizeof *d);
		vx_error err = { { 0 } };
		vx_status st = vxr_tensors_read(f, i, d, &err);
		if (json_is_null(vals)) {
			cr_expect_eq(st, VX_EFORMAT, "%s: %s of dtype %s was read", file, name, t->dtype_name);
			free(d);
			continue;
		}
		cr_expect_eq(st, VX_OK, "%s: %s: %s", file, name, err.msg);
		cr_expect_eq(t->numel, json_array_size(vals), "%s: %s: numel", file, name);
		size_t wrong = 0, first = 0;
		for (size_t k = 0; st == VX_OK && k < t->numel && k < json_array_size(vals); k++)
			if (!same(d[k], jvalue(json_array_get(vals, k))) && wrong++ == 0)
				first = k;
		cr_expect_eq(wrong, 0, "%s: %s: %zu values differ, first [%zu] %.17g, Python wrote %.17g", file, name, wrong,
		             first, d[first], jvalue(json_array_get(vals, first)));
		free(d);
	}
}

/* The forward pass of the module's network against PyTorch's final states;
 * the largest difference into *worst. */
static void check_run(vxr_tensors *f, const vxr_module *m, const json_t *run, int reverse, vx_act act,
                      const char *file, double *worst)
{
	json_t *x = json_object_get(run, "x"), *h = json_object_get(run, "h"), *c = json_object_get(run, "c");
	size_t T = json_array_size(x);
	vx_net *net = NULL;
	vx_error err = { { 0 } };
	vx_status st = vxr_find_net(f, m, reverse, act, T, &net, &err);
	cr_assert_eq(st, VX_OK, "%s: module %s: %s", file, m->name, err.msg);
	for (size_t j = 0; j < T; j++)
		for (size_t i = 0; i < net->n; i++)
			gsl_matrix_set(net->x, j, i, json_number_value(json_array_get(json_array_get(x, j), i)));
	vx_net_fwd *fw = NULL;
	cr_assert_eq(vx_net_forward(net, &fw, &err), VX_OK, "%s: forward: %s", file, err.msg);
	for (size_t l = 0; l < net->L; l++)
		for (size_t i = 0; i < net->d; i++) {
			double want = json_number_value(json_array_get(json_array_get(h, l), i));
			double got = gsl_matrix_get(fw->layer[l].h, T - 1, i);
			double e = fabs(got - want) / fmax(1, fabs(want));
			*worst = fmax(*worst, e);
			cr_expect(e <= 1e-12, "%s: %s %s layer %zu h[%zu] = %.17g, PyTorch %.17g", file, m->name,
			          reverse ? "reverse" : "forward", l, i, got, want);
			if (c) {
				want = json_number_value(json_array_get(json_array_get(c, l), i));
				got = gsl_matrix_get(fw->layer[l].c, T - 1, i);
				e = fabs(got - want) / fmax(1, fabs(want));
				*worst = fmax(*worst, e);
				cr_expect(e <= 1e-12, "%s: %s layer %zu c[%zu] = %.17g, PyTorch %.17g", file, m->name, l, i, got,
				          want);
			}
		}
	vx_net_fwd_free(fw);
	vx_net_free(net);
}

static void check_modules(vxr_tensors *f, const json_t *want, vx_act act, const char *file, double *worst)
{
	vxr_module *mods = NULL;
	size_t n = 0;
	vx_error err = { { 0 } };
	cr_assert_eq(vxr_find_modules(f, &mods, &n, &err), VX_OK, "%s: %s", file, err.msg);
	cr_expect_eq(n, json_array_size(want), "%s: %zu modules found, %zu in the file", file, n, json_array_size(want));
	for (size_t k = 0; k < n && k < json_array_size(want); k++) {
		const json_t *w = json_array_get(want, k);
		const vxr_module *m = &mods[k];
		cr_expect_str_eq(m->name, jstr(w, "name"), "%s: module %zu", file, k);
		cr_expect_str_eq(vx_cell_name(m->cell), jstr(w, "cell"), "%s: %s: cell", file, m->name);
		cr_expect_eq(m->layers, jsize(w, "layers"), "%s: %s: layers", file, m->name);
		cr_expect_eq(m->d, jsize(w, "d"), "%s: %s: d", file, m->name);
		cr_expect_eq(m->n, jsize(w, "n"), "%s: %s: n", file, m->name);
		cr_expect_eq((size_t)m->directions, jsize(w, "directions"), "%s: %s: directions", file, m->name);
		cr_expect_eq((size_t)m->bias, jsize(w, "bias"), "%s: %s: bias", file, m->name);
		cr_expect_str_eq(m->dtype, jstr(w, "dtype"), "%s: %s: dtype", file, m->name);
		cr_expect_str_eq(m->problem, "", "%s: %s: %s", file, m->name, m->problem);
		size_t pick = SIZE_MAX;
		cr_expect_eq(vxr_find_select(f, mods, n, m->name, &pick, &err), VX_OK, "%s: select %s: %s", file, m->name,
		             err.msg);
		cr_expect_eq(pick, k, "%s: --module %s picked module %zu", file, m->name, pick);
		json_t *run = json_object_get(w, "run");
		check_run(f, m, json_object_get(run, "forward"), 0, act, file, worst);
		if (json_object_get(run, "reverse"))
			check_run(f, m, json_object_get(run, "reverse"), 1, act, file, worst);
	}
	vxr_modules_free(mods, n);
}

Test(load, good_files_read_exactly_and_their_networks_run_as_in_pytorch, .timeout = 300)
{
	char dir[64];
	json_t *man = generate("good", dir);
	double worst = 0;
	size_t i;
	json_t *e;
	json_array_foreach(man, i, e) {
		const char *file = jstr(e, "path");
		vxr_tensors *f = NULL;
		vx_error err = { { 0 } };
		vx_status st = vxr_tensors_open(file, &f, &err);
		cr_expect_eq(st, VX_OK, "%s: %s", file, err.msg);
		if (st != VX_OK)
			continue;
		cr_expect_str_eq(f->format, jstr(e, "format"), "%s: format", file);
		vxr_kind kind;
		cr_expect_eq(vxr_kind_of_file(file, &kind, &err), VX_OK);
		cr_expect_eq(kind, strcmp(f->format, "safetensors") == 0   ? VXR_KIND_SAFETENSORS
		                   : strcmp(f->format, "PyTorch legacy") == 0 ? VXR_KIND_TORCH_LEGACY
		                                                                : VXR_KIND_ZIP,
		             "%s: kind %d", file, (int)kind);
		check_tensors(f, json_object_get(e, "tensors"), file);
		vx_act act = VX_TANH;
		cr_assert_eq(vx_act_parse(jstr(e, "act"), &act), 0);
		check_modules(f, json_object_get(e, "modules"), act, file, &worst);
		vxr_tensors_free(f);
	}
	fprintf(stderr, "load: %zu files; largest difference of h_T and c_T from PyTorch float64: %.3g\n",
	        json_array_size(man), worst);
	json_decref(man);
	remove_dir(dir);
}

static vx_status status_named(const char *s)
{
	static const char *const names[] = { "OK", "EUSAGE", "ENOMEM", "EIO", "EFORMAT", "ESHAPE", "ENONFINITE",
		                                 "ETOOBIG", "ENUMERIC", "EINTERNAL" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(s, names[i]) == 0)
			return (vx_status)i;
	cr_assert_fail("unknown status %s", s);
	return VX_EINTERNAL;
}

/* The refusal: its status, one printable line, the expected words. */
static void expect_refusal(vx_status st, const vx_error *err, const json_t *e, const char *stage)
{
	const char *file = jstr(e, "path"), *words = jstr(e, "words");
	vx_status want = status_named(jstr(e, "status"));
	cr_expect_eq(st, want, "%s: %s: status %d (%s), expected %s: %s", file, stage, (int)st, vx_strerror(st),
	             jstr(e, "status"), err->msg);
	cr_expect(strstr(err->msg, words) != NULL, "%s: %s: message '%s' lacks '%s'", file, stage, err->msg, words);
	for (const char *p = err->msg; *p; p++)
		cr_expect((unsigned char)*p >= 0x20 && *p != 0x7f, "%s: control byte in '%s'", file, err->msg);
}

Test(load, bad_files_are_refused_at_their_stage_with_one_line, .timeout = 300)
{
	char dir[64];
	json_t *man = generate("bad", dir);
	size_t i;
	json_t *e;
	json_array_foreach(man, i, e) {
		const char *file = jstr(e, "path"), *stage = jstr(e, "stage");
		const char *want_mod = json_string_value(json_object_get(e, "module"));
		vxr_tensors *f = NULL;
		vx_error err = { { 0 } };
		vx_status st = vxr_tensors_open(file, &f, &err);
		if (strcmp(stage, "open") == 0) {
			expect_refusal(st, &err, e, stage);
			cr_expect(f == NULL, "%s: a list returned with a failure", file);
			vxr_tensors_free(f);
			continue;
		}
		cr_expect_eq(st, VX_OK, "%s: open: %s", file, err.msg);
		if (st != VX_OK)
			continue;
		vxr_module *mods = NULL;
		size_t n = 0, pick = SIZE_MAX;
		cr_assert_eq(vxr_find_modules(f, &mods, &n, &err), VX_OK, "%s: %s", file, err.msg);
		st = vxr_find_select(f, mods, n, want_mod, &pick, &err);
		if (strcmp(stage, "select") == 0) {
			expect_refusal(st, &err, e, stage);
		} else {
			cr_expect_eq(st, VX_OK, "%s: select: %s", file, err.msg);
			vx_net *net = NULL;
			if (st == VX_OK) {
				st = vxr_find_net(f, &mods[pick], (int)json_integer_value(json_object_get(e, "reverse")), VX_TANH,
				                  3, &net, &err);
				expect_refusal(st, &err, e, stage);
				cr_expect(net == NULL, "%s: a network returned with a failure", file);
				vx_net_free(net);
			}
		}
		vxr_modules_free(mods, n);
		vxr_tensors_free(f);
	}
	json_decref(man);
	remove_dir(dir);
}

Test(load, malicious_pickles_are_refused_and_nothing_runs, .timeout = 300)
{
	char dir[64];
	json_t *man = generate("malicious", dir);
	size_t i;
	json_t *e;
	json_array_foreach(man, i, e) {
		const char *file = jstr(e, "path"), *marker = jstr(e, "marker");
		cr_assert(access(marker, F_OK) != 0, "%s exists before the test", marker);
		vxr_tensors *f = NULL;
		vx_error err = { { 0 } };
		vxr_kind kind;
		cr_expect_eq(vxr_kind_of_file(file, &kind, &err), VX_OK);
		vx_status st = vxr_tensors_open(file, &f, &err);
		cr_expect_eq(st, VX_EFORMAT, "%s: status %d: %s", file, (int)st, err.msg);
		cr_expect(strstr(err.msg, "refused") != NULL, "%s: '%s' does not say what it refused", file, err.msg);
		cr_expect(f == NULL);
		vxr_tensors_free(f);
		/* a payload would have had its chance by now, on this thread or another */
		usleep(100000);
		cr_expect(access(marker, F_OK) != 0, "%s: the payload ran: %s exists", file, marker);
		fprintf(stderr, "load: refused %s: %s\n", strrchr(file, '/') + 1, err.msg);
	}
	cr_expect_eq(json_array_size(man), 8, "malicious files: %zu", json_array_size(man));
	json_decref(man);
	remove_dir(dir);
}

/* ---- the content decides, not the name ---- */

Test(load, the_kind_comes_from_the_content)
{
	static const unsigned char zip[] = "PK\3\4....", npy[] = "\x93NUMPY\1\0", legacy_p4[] =
		"\x80\x04\x95\x0c\0\0\0\0\0\0\0\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.";
	static const unsigned char pkl[] = "\x80\x02}q\0.", st[] = "\x02\0\0\0\0\0\0\0{}", csv[] = "1,2\n3,4\n";
	cr_expect_eq(vxr_kind_sniff(zip, 8, "w.csv"), VXR_KIND_ZIP);
	cr_expect_eq(vxr_kind_sniff(npy, 8, "w.pt"), VXR_KIND_NPY);
	cr_expect_eq(vxr_kind_sniff(legacy_p4, sizeof legacy_p4 - 1, "x"), VXR_KIND_TORCH_LEGACY);
	cr_expect_eq(vxr_kind_sniff(pkl, 6, "w.pt"), VXR_KIND_PICKLE);
	cr_expect_eq(vxr_kind_sniff(st, 10, "w.npy"), VXR_KIND_SAFETENSORS);
	cr_expect_eq(vxr_kind_sniff(csv, 8, "w.pt"), VXR_KIND_ZIP, "a .pt that is none of them: a damaged .pt");
	cr_expect_eq(vxr_kind_sniff(csv, 8, "w.csv"), VXR_KIND_CSV);
	cr_expect_eq(vxr_kind_sniff(csv, 8, "w.txt"), VXR_KIND_CSV);
	cr_expect_eq(vxr_kind_sniff(csv, 8, "W.SAFETENSORS"), VXR_KIND_SAFETENSORS);
	cr_expect_eq(vxr_kind_sniff(NULL, 0, "w.npz"), VXR_KIND_ZIP);
}
