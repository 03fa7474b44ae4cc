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
#include "report/load/pickle.h"
#include "report/load/tensors.h"
#include "test_load_util.h"

static void setup(void)
{
	gsl_set_error_handler_off();
}

TestSuite(load, .init = setup);

/* Runs the generator for one group into a fresh directory; the manifest. */
static json_t *generate(const char *group, char *dir)
{
	json_t *m = load_generate("load_files.py", group, dir);
	cr_assert(json_is_array(m), "manifest of %s", group);
	return m;
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
		vx_error err = { 0 };
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
	vx_error err = { 0 };
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
	vx_error err = { 0 };
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
		vx_error err = { 0 };
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
	load_remove_dir(dir);
}

/* The refusal: its status, one printable line, the expected words. */
static void expect_refusal(vx_status st, const vx_error *err, const json_t *e, const char *stage)
{
	const char *file = jstr(e, "path"), *words = jstr(e, "words");
	vx_status want = status_named(jstr(e, "status"));
	cr_expect_eq(st, want, "%s: %s: status %d (%s), expected %s: %s", file, stage, (int)st, vx_strerror(st),
	             jstr(e, "status"), err->msg);
	cr_expect(strstr(err->msg, words) != NULL, "%s: %s: message '%s' lacks '%s'", file, stage, err->msg, words);
	expect_one_line(err->msg, file);
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
		vx_error err = { 0 };
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
	load_remove_dir(dir);
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
		vx_error err = { 0 };
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
	load_remove_dir(dir);
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

/* ---- the pickle interpreter's refusals, opcode by opcode ---- */

typedef struct {
	const char *what;
	const char *bytes;
	size_t len;
	const char *words;
} pk_case;

#define PK(what, lit, words) { what, lit, sizeof lit - 1, words }
/* BINUNICODE of 1 and 3 characters; the globals and the storage type */
#define STR1(s) "X\x01\x00\x00\x00" s
#define STR3(s) "X\x03\x00\x00\x00" s
#define OD "ccollections\nOrderedDict\n"
#define REBUILD "ctorch._utils\n_rebuild_tensor_v2\n"
#define STORAGE "X\x07\x00\x00\x00" "storage" "ctorch\nFloatStorage\n"

static const pk_case PK_CASES[] = {
	PK("empty", "", "ends before its STOP opcode"),
	PK("protocol 1", "\x80\x01N.", "pickle protocol 1 (accepted: 2 to 5)"),
	PK("no STOP", "\x80\x02N", "ends before its STOP opcode"),
	PK("two values at STOP", "\x80\x02NN.", "STOP with 2 values and 0 open MARKs"),
	PK("open MARK at STOP", "\x80\x02(N.", "STOP with 1 values and 1 open MARKs"),
	PK("underflow", "\x80\x02s.", "stack underflow"),
	PK("pop below MARK", "\x80\x02N(a.", "stack underflow"),
	PK("memo read first", "\x80\x02h\x03.", "memo index 3 read before it was set"),
	PK("memo far ahead", "\x80\x02Nr\x00\x00\x01\x00.", "memo index 65536 out of range"),
	PK("string past the end", "\x80\x02X\xff\x00\x00\x00" "ab.", "truncated: a string of 255 bytes, 3 left"),
	PK("BININT cut", "\x80\x02J\x01\x02", "truncated: 4 bytes of operand needed, 2 left"),
	PK("LONG4 negative length", "\x80\x02\x8b\xff\xff\xff\xff.", "LONG4 with a negative length"),
	PK("FRAME too long", "\x80\x04\x95\x00\x01\x00\x00\x00\x00\x00\x00N.", "FRAME longer than the data left"),
	PK("SETITEM on a list", "\x80\x02]NNs.", "SETITEM on a list"),
	PK("APPEND on a dict", "\x80\x02}Na.", "APPEND on a dict"),
	PK("SETITEMS odd", "\x80\x02}(Nu.", "SETITEMS with an odd number of items"),
	PK("APPENDS with nothing below", "\x80\x02(Ne.", "APPENDS without a container below its MARK"),
	PK("BUILD on a list", "\x80\x02]}b.", "BUILD on a list with a dict"),
	PK("GLOBAL without newline", "\x80\x02" "ccollections", "GLOBAL operand without its newline"),
	PK("os.system", "\x80\x02" "cposix\nsystem\nq\x00.", "refused global 'posix.system'"),
	PK("numpy scalar", "\x80\x02" "cnumpy.core.multiarray\nscalar\n.", "(a numpy value"),
	PK("a class of __main__", "\x80\x02" "c__main__\nNet\n.", "save model.state_dict() instead"),
	PK("torch's own nn.LSTM, saved whole", "\x80\x02" "ctorch.nn.modules.rnn\nLSTM\n.",
	   "(a whole model object: save model.state_dict() instead)"),
	PK("STACK_GLOBAL of an int", "\x80\x04K\x01K\x02\x93.", "STACK_GLOBAL of a int and a int"),
	PK("STACK_GLOBAL builtins.eval", "\x80\x04\x8c\x08" "builtins\x8c\x04" "eval\x93.",
	   "refused global 'builtins.eval'"),
	PK("INST", "\x80\x02(iposix\nsystem\n.", "refused opcode 0x69 INST"),
	PK("NEWOBJ", "\x80\x02N)\x81.", "refused opcode 0x81 NEWOBJ"),
	PK("EXT1", "\x80\x02\x82\x01.", "refused opcode 0x82 EXT"),
	PK("unknown opcode", "\x80\x02\xff.", "unknown opcode 0xff"),
	PK("REDUCE on a str", "\x80\x02" STR1("a") ")R.", "REDUCE calls a str"),
	PK("OrderedDict with arguments", "\x80\x02" OD "(]tR.", "OrderedDict called with arguments"),
	PK("a storage type called", "\x80\x02" "ctorch\nFloatStorage\n)R.", "torch.FloatStorage called"),
	PK("persistent id of a str", "\x80\x02" STR1("a") "Q.", "persistent id is a str, expected a tuple"),
	PK("a module's persistent id", "\x80\x02X\x06\x00\x00\x00" "module\x85Q.", "a pickled nn.Module"),
	PK("storage key with a slash", "\x80\x02(" STORAGE "X\x03\x00\x00\x00" "a/b" STR3("cpu") "K\x02tQ.",
	   "storage key has byte 0x2f"),
	PK("view outside its storage", "\x80\x02(" STORAGE STR1("0") STR3("cpu") "K\x02" STR1("1") "K\x01K\x02\x87tQ.",
	   "storage view [1, +2) outside its storage of 2 elements"),
	PK("_rebuild_tensor_v2 of 5 arguments", "\x80\x02" REBUILD "(NNNNNtR.", "_rebuild_tensor_v2 with 5 arguments"),
	PK("a negative offset (LONG1 0xff)", "\x80\x02" REBUILD "((" STORAGE STR1("0") STR3("cpu") "K\x02tQ"
	   "\x8a\x01\xff)))\x89}tR.", "storage offset is not an int >= 0"),
	PK("9 dimensions", "\x80\x02" REBUILD "((" STORAGE STR1("0") STR3("cpu") "K\x02tQK\x00"
	   "(K\x01K\x01K\x01K\x01K\x01K\x01K\x01K\x01K\x01t(K\x01K\x01K\x01K\x01K\x01K\x01K\x01K\x01K\x01t\x89}tR.",
	   "size and stride are not two int tuples of one length, at most 8"),
	PK("a parameter of a str", "\x80\x02" "ctorch._utils\n_rebuild_parameter\n(X\x00\x00\x00\x00\x89}tR.",
	   "_rebuild_parameter: expected (tensor, requires_grad, hooks)"),
	PK("a set", "\x80\x04\x8f.", "refused opcode 0x8f EMPTY_SET"),
};

Test(load, the_pickle_interpreter_refuses_each_fault_by_name)
{
	for (size_t c = 0; c < sizeof PK_CASES / sizeof PK_CASES[0]; c++) {
		const pk_case *k = &PK_CASES[c];
		/* an exact-size copy, so that a read past the end is a fault here */
		unsigned char *b = malloc(k->len + 1);
		memcpy(b, k->bytes, k->len);
		size_t pos = 0;
		vxr_pickle *p = NULL;
		vx_error err = { 0 };
		vx_status st = vxr_pickle_run(b, k->len, &pos, "t.pkl", &p, &err);
		cr_expect(st != VX_OK, "%s: accepted", k->what);
		cr_expect(p == NULL && pos == 0, "%s: a pickle returned with the failure", k->what);
		cr_expect(strstr(err.msg, k->words) != NULL, "%s: '%s' lacks '%s'", k->what, err.msg, k->words);
		cr_expect(strncmp(err.msg, "t.pkl: pickle byte ", 19) == 0, "%s: '%s'", k->what, err.msg);
		vxr_pickle_free(p);
		free(b);
	}
}

/* A pickle with everything the interpreter accepts, and the values it built. */
Test(load, the_pickle_interpreter_builds_what_python_would)
{
	/* {'a': [1, -2, 70000, 2**40, -1.5, True, None, 'x', b'y', (), 2**80], 'b': a tensor, 'a2': memo of the list} */
	static const unsigned char pk[] = "\x80\x02}q\x00(" STR1("a") "]q\x01("
		"K\x01" "J\xfe\xff\xff\xff" "Jp\x11\x01\x00" "\x8a\x06\x00\x00\x00\x00\x00\x01"
		"G\xbf\xf8\x00\x00\x00\x00\x00\x00" "\x88" "N" STR1("x") "C\x01y" ")"
		"\x8a\x0b\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01" "e"
		STR1("b") REBUILD "((X\x07\x00\x00\x00" "storage" "ctorch\nHalfStorage\n" STR1("7") STR3("cpu")
		"K\x0ctQ" "K\x02" "K\x02K\x03\x86" "K\x01K\x02\x86" "\x89" OD ")R" "tR"
		"X\x02\x00\x00\x00" "a2" "h\x01" "u.";
	size_t pos = 0;
	vxr_pickle *p = NULL;
	vx_error err = { 0 };
	cr_assert_eq(vxr_pickle_run(pk, sizeof pk - 1, &pos, "t.pkl", &p, &err), VX_OK, "%s", err.msg);
	cr_expect_eq(pos, sizeof pk - 1);
	const vxr_pv *root = vxr_pickle_root(p);
	cr_assert_eq(root->kind, VXR_PV_DICT);
	cr_assert_eq(root->u.seq.n, 6);
	const vxr_pv *l = root->u.seq.v[1];
	cr_assert_eq(l->kind, VXR_PV_LIST);
	cr_assert_eq(l->u.seq.n, 11);
	cr_expect_eq(l->u.seq.v[0]->u.i, 1);
	cr_expect_eq(l->u.seq.v[1]->u.i, -2);
	cr_expect_eq(l->u.seq.v[2]->u.i, 70000);
	cr_expect_eq(l->u.seq.v[3]->u.i, (int64_t)1 << 40);
	cr_expect_eq(l->u.seq.v[4]->u.f, -1.5);
	cr_expect(l->u.seq.v[5]->kind == VXR_PV_BOOL && l->u.seq.v[5]->u.i == 1);
	cr_expect_eq(l->u.seq.v[6]->kind, VXR_PV_NONE);
	cr_expect(l->u.seq.v[7]->kind == VXR_PV_STR && l->u.seq.v[7]->u.str.n == 1);
	cr_expect_eq(l->u.seq.v[8]->kind, VXR_PV_BYTES);
	cr_expect(l->u.seq.v[9]->kind == VXR_PV_TUPLE && l->u.seq.v[9]->u.seq.n == 0);
	cr_expect(l->u.seq.v[10]->kind == VXR_PV_BIGINT && l->u.seq.v[10]->u.str.n == 11);
	cr_expect_eq(root->u.seq.v[5], l, "the memo gives the same list, not a copy");
	vxr_pickle_named *named = NULL;
	size_t n = 0;
	cr_assert_eq(vxr_pickle_tensors(p, &named, &n, &err), VX_OK, "%s", err.msg);
	cr_assert_eq(n, 1, "the list reached twice is walked once; one tensor");
	cr_expect_str_eq(named[0].name, "b");
	const vxr_pv_tensor *t = named[0].tensor->u.tensor;
	cr_expect(t->offset == 2 && t->ndim == 2 && t->shape[0] == 2 && t->shape[1] == 3 && t->stride[0] == 1 &&
	          t->stride[1] == 2);
	size_t w = 0;
	cr_expect_str_eq(vxr_pickle_storage_dtype(t->storage->u.storage.type - VXR_G_STORAGE, &w), "float16");
	cr_expect_eq(w, 2);
	cr_expect_eq(t->storage->u.storage.numel, 12);
	free(named[0].name);
	free(named);
	vxr_pickle_free(p);
}

/* Memory follows the values a pickle builds, not its length: opcodes that
 * build nothing cannot buy a large memo, and references (stack entries,
 * MARKs, container items) are held to twice the values' cap. */
Test(load, pickle_memory_is_bounded_by_the_values_built)
{
	/* 1000 PROTO opcodes, then None memoised at 1000: a forged index */
	size_t n = 2 + 2 * 1000 + 1 + 5 + 1;
	unsigned char *b = malloc(n), *q = b;
	for (int i = 0; i < 1001; i++, q += 2)
		memcpy(q, "\x80\x02", 2);
	memcpy(q, "Nr\xe8\x03\x00\x00.", 7);
	size_t pos = 0;
	vxr_pickle *p = NULL;
	vx_error err = { 0 };
	cr_expect_eq(vxr_pickle_run(b, n, &pos, "t.pkl", &p, &err), VX_EFORMAT, "%s", err.msg);
	cr_expect(strstr(err.msg, "memo index 1000 out of range"), "%s", err.msg);
	vxr_pickle_free(p);
	free(b);

	/* one None fetched from the memo 5 million times: 40 MB of stack */
	size_t k = 5000000;
	n = 2 + 3 + 2 * k + 1;
	b = malloc(n);
	memcpy(b, "\x80\x02Nq\x00", 5);
	for (size_t i = 0; i < k; i++)
		memcpy(b + 5 + 2 * i, "h\x00", 2);
	b[n - 1] = '.';
	pos = 0;
	p = NULL;
	cr_expect_eq(vxr_pickle_run(b, n, &pos, "t.pkl", &p, &err), VX_ETOOBIG, "%s", err.msg);
	cr_expect(strstr(err.msg, "more than 4194304 stack entries and container items"), "%s", err.msg);
	vxr_pickle_free(p);
	free(b);
}
