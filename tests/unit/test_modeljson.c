/*
 * test_modeljson.c — reading a model from JSON: values written here by hand
 * (or printed here with %.17g) come back bit for bit; every inconsistency
 * is refused with a message naming the file and the member; the options a
 * replay may add on top behave as documented.
 */
#include <criterion/criterion.h>
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/modeljson.h"

static void setup(void)
{
	gsl_set_error_handler_off();
}

TestSuite(modeljson, .init = setup);

/* d = 2, n = 1, T = 3, with every value distinct. */
static const char good[] =
	"{\"params\": {\"t\": 2, \"seed\": 7, \"norm\": 0.5, \"init\": \"orthogonal\", \"input_scale\": 0.25},\n"
	" \"model\": {\"activation\": \"sigmoid\",\n"
	"   \"W\": [[0.5, -0.25], [0.125, 2]],\n"
	"   \"U\": [[1.5], [-3]],\n"
	"   \"b\": [0.1, 0.2], \"s0\": [-0.3, 0.4],\n"
	"   \"x\": [[1], [2], [3e-5]],\n"
	"   \"y\": [7, -8]}}";

static vx_status parse(const char *text, vx_model **m, vx_error *err)
{
	*m = NULL;
	err->msg[0] = '\0';
	return vxr_model_parse_json(text, strlen(text), "m.json", m, err);
}

Test(modeljson, values_come_back_exactly)
{
	vx_model *m;
	vx_error err;
	cr_assert_eq(parse(good, &m, &err), VX_OK, "%s", err.msg);
	cr_assert_eq(m->act, VX_SIGMOID);
	cr_assert_eq(m->d, 2);
	cr_assert_eq(m->n, 1);
	cr_assert_eq(m->T, 3);
	cr_assert_eq(gsl_matrix_get(m->W, 0, 0), 0.5);
	cr_assert_eq(gsl_matrix_get(m->W, 0, 1), -0.25);
	cr_assert_eq(gsl_matrix_get(m->W, 1, 0), 0.125);
	cr_assert_eq(gsl_matrix_get(m->W, 1, 1), 2.0);
	cr_assert_eq(gsl_matrix_get(m->U, 1, 0), -3.0);
	cr_assert_eq(gsl_vector_get(m->b, 0), 0.1);
	cr_assert_eq(gsl_vector_get(m->s0, 1), 0.4);
	cr_assert_eq(gsl_matrix_get(m->x, 2, 0), 3e-5);
	cr_assert_eq(gsl_vector_get(m->y, 1), -8.0);
	vx_model_free(m);
}

Test(modeljson, bare_model_object_and_optional_b_s0)
{
	const char *t = "{\"W\": [[1]], \"U\": [[2, 3]], \"x\": [[4, 5]], \"y\": [6]}";
	vx_model *m;
	vx_error err;
	cr_assert_eq(parse(t, &m, &err), VX_OK, "%s", err.msg);
	cr_assert_eq(m->n, 2);
	cr_assert_eq(gsl_vector_get(m->b, 0), 0.0, "b defaults to 0");
	cr_assert_eq(gsl_vector_get(m->s0, 0), 0.0, "s0 defaults to 0");
	cr_assert_eq(m->act, VX_TANH, "activation defaults to tanh");
	vx_model_free(m);
}

Test(modeljson, random_doubles_round_trip_bit_for_bit)
{
	/* Printed here with %.17g, independently of vanex's writer. */
	enum { D = 5 };
	double w[D][D];
	unsigned long long s = 0x9E3779B97F4A7C15ULL;
	char *text = malloc(65536);
	size_t o = 0;
	o += (size_t)sprintf(text + o, "{\"model\": {\"W\": [");
	for (int i = 0; i < D; i++) {
		o += (size_t)sprintf(text + o, "%s[", i ? "," : "");
		for (int j = 0; j < D; j++) {
			do {
				s ^= s << 13;
				s ^= s >> 7;
				s ^= s << 17;
				memcpy(&w[i][j], &s, sizeof(double));
			} while (!isfinite(w[i][j]));
			o += (size_t)sprintf(text + o, "%s%.17g", j ? "," : "", w[i][j]);
		}
		o += (size_t)sprintf(text + o, "]");
	}
	o += (size_t)sprintf(text + o, "], \"U\": [[1],[1],[1],[1],[1]], \"x\": [[0]], \"y\": [0,0,0,0,0]}}");
	vx_model *m;
	vx_error err;
	cr_assert_eq(parse(text, &m, &err), VX_OK, "%s", err.msg);
	for (int i = 0; i < D; i++)
		for (int j = 0; j < D; j++) {
			double got = gsl_matrix_get(m->W, (size_t)i, (size_t)j);
			cr_assert(memcmp(&got, &w[i][j], sizeof got) == 0, "W[%d][%d]: %a, expected %a", i, j, got,
			          w[i][j]);
		}
	vx_model_free(m);
	free(text);
}

static void expect_fail(const char *text, vx_status want, const char *fragment)
{
	vx_model *m;
	vx_error err;
	vx_status st = parse(text, &m, &err);
	cr_assert_eq(st, want, "status %d, expected %d for %s (%s)", st, want, text, err.msg);
	cr_assert_null(m);
	cr_assert(strncmp(err.msg, "m.json", 6) == 0, "message names the file: '%s'", err.msg);
	cr_assert(strstr(err.msg, fragment) != NULL, "message '%s' should contain '%s'", err.msg, fragment);
}

Test(modeljson, inconsistent_sizes_name_the_member)
{
	const char *y = ", \"U\": [[1],[1],[1]], \"x\": [[1]], \"y\": [0,0,0]}";
	char t[512];
	snprintf(t, sizeof t, "{\"W\": [[1,2,3],[1,2,3],[1,2]]%s", y);
	expect_fail(t, VX_ESHAPE, "m.json: model.W: row 3 has 2 entries, expected 3");
	snprintf(t, sizeof t, "{\"W\": [[1,2,3],[1,2,3]]%s", y);
	expect_fail(t, VX_ESHAPE, "model.W: row 1 has 3 entries, expected 2");
	expect_fail("{\"W\": [[1]], \"U\": [[1],[2]], \"x\": [[1]], \"y\": [0]}", VX_ESHAPE,
	            "model.U: has 2 rows, expected 1");
	expect_fail("{\"W\": [[1]], \"U\": [[1, 2]], \"x\": [[1, 2], [3]], \"y\": [0]}", VX_ESHAPE,
	            "model.x: row 2 has 1 entries, expected 2");
	expect_fail("{\"W\": [[1]], \"U\": [[1]], \"x\": [[1]], \"y\": [0, 1]}", VX_ESHAPE,
	            "model.y: has 2 entries, expected 1");
	expect_fail("{\"W\": [[1]], \"U\": [[1]], \"x\": [[1]], \"y\": [0], \"b\": []}", VX_ESHAPE,
	            "model.b: has 0 entries, expected 1");
	expect_fail("{\"W\": [[1]], \"U\": [[1]], \"x\": [], \"y\": [0]}", VX_ESHAPE, "model.x: is empty");
	expect_fail("{\"W\": [], \"U\": [[1]], \"x\": [[1]], \"y\": [0]}", VX_ESHAPE, "model.W: is empty");
	expect_fail("{\"W\": [[1]], \"U\": [[]], \"x\": [[1]], \"y\": [0]}", VX_ESHAPE, "model.U");
}

Test(modeljson, wrong_types_and_members)
{
	expect_fail("{\"W\": [[1, \"2\"], [3, 4]], \"U\": [[1], [1]], \"x\": [[1]], \"y\": [0, 0]}", VX_EFORMAT,
	            "model.W: row 1, entry 2 is a string, expected a number");
	expect_fail("{\"W\": [[1]], \"U\": [[1]], \"x\": [[null]], \"y\": [0]}", VX_EFORMAT,
	            "model.x: row 1, entry 1 is null");
	expect_fail("{\"W\": [[1]], \"U\": [[1]], \"x\": [[1]], \"y\": {\"a\": 1}}", VX_EFORMAT,
	            "model.y: is an object");
	expect_fail("{\"W\": [[1]], \"U\": [[1]], \"x\": [[1]]}", VX_EFORMAT, "missing member 'y'");
	expect_fail("{\"W\": [[1]], \"x\": [[1]], \"y\": [0]}", VX_EFORMAT, "missing member 'U'");
	expect_fail("{\"W\": [[1]], \"U\": [[1]], \"x\": [[1]], \"y\": [0], \"V\": 1}", VX_EFORMAT,
	            "unknown member 'V'");
	expect_fail("{\"W\": [[1]], \"U\": [[1]], \"x\": [[1]], \"y\": [0], \"activation\": \"softmax\"}",
	            VX_EFORMAT, "model.activation");
	expect_fail("{\"params\": {}}", VX_EFORMAT, "missing member 'model'");
	expect_fail("[1, 2]", VX_EFORMAT, "expected a JSON object");
	expect_fail("{\"model\": 3}", VX_EFORMAT, "model: is a number");
}

Test(modeljson, syntax_errors_carry_line_and_column)
{
	expect_fail("{\"model\":\n {\"W\": [[1,]]}}", VX_EFORMAT, "m.json:2:");
	expect_fail("{\"W\": [[1e400]], \"U\": [[1]], \"x\": [[1]], \"y\": [0]}", VX_EFORMAT, "m.json:1:");
	expect_fail("{\"W\": [[1]], \"W\": [[2]], \"U\": [[1]], \"x\": [[1]], \"y\": [0]}", VX_EFORMAT, "duplicate");
	expect_fail("", VX_EFORMAT, "m.json:");
}

/* Text of the file in a message is quoted as every message quotes it
 * (vx_quote): control bytes and bytes from 0x80 as \xNN, at most 40 bytes
 * of a key. */
Test(modeljson, file_text_in_a_message_is_quoted)
{
	const char *base = "{\"W\": [[1]], \"U\": [[1]], \"x\": [[1]], \"y\": [0], ";
	char t[512];
	snprintf(t, sizeof t, "%s\"\\u001b[2J\u03bb\": 1}", base);
	expect_fail(t, VX_EFORMAT, "unknown member '\\x1b[2J\\xce\\xbb' (accepted:");
	snprintf(t, sizeof t, "%s\"%s\": 1}", base, "abcdefghijabcdefghijabcdefghijabcdefghijXYZ");
	expect_fail(t, VX_EFORMAT, "unknown member 'abcdefghijabcdefghijabcdefghijabcdefghij...' (accepted:");
	/* jansson quotes the bytes near a syntax error as they are */
	expect_fail("{\"W\": \x01}", VX_EFORMAT, "m.json:1:");
	expect_fail("{\"W\": \x01}", VX_EFORMAT, "'\\x01'");
}

Test(modeljson, too_large_before_allocating)
{
	/* 4097 rows of W: refused on the count, before the rows are examined. */
	size_t n = 4097;
	char *t = malloc(n * 4 + 128);
	size_t o = (size_t)sprintf(t, "{\"W\": [");
	for (size_t i = 0; i < n; i++)
		o += (size_t)sprintf(t + o, "%s[0]", i ? "," : "");
	sprintf(t + o, "], \"U\": [[1]], \"x\": [[1]], \"y\": [0]}");
	expect_fail(t, VX_ETOOBIG, "4097 rows exceed the limit of 4096");
	free(t);
}

/* ---- vxr_model_load with files and options ---- */

static char dir[64];

static const char *write_tmp(const char *name, const char *text)
{
	static char p[128];
	if (!dir[0]) {
		strcpy(dir, "/tmp/vanex-test-mj-XXXXXX");
		cr_assert_not_null(mkdtemp(dir));
	}
	snprintf(p, sizeof p, "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	return p;
}

static void cleanup(void)
{
	char cmd[128];
	if (dir[0]) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		cr_assert_eq(system(cmd), 0);
	}
}

static void load_with(const char *path, const char *const *opts, vx_model **m, vx_params *eff,
                      vx_status want, const char *fragment)
{
	vx_params p;
	vx_error err = { 0 };
	vx_params_default(&p);
	cr_assert_eq(vx_params_set(&p, "model", path, &err), VX_OK, "%s", err.msg);
	for (; opts && opts[0]; opts += 2)
		cr_assert_eq(vx_params_set(&p, opts[0], opts[1], &err), VX_OK, "%s", err.msg);
	*m = NULL;
	vx_status st = vxr_model_load(&p, m, eff, &err);
	cr_assert_eq(st, want, "status %d, expected %d (%s)", st, want, err.msg);
	if (fragment)
		cr_assert(strstr(err.msg, fragment) != NULL, "message '%s' should contain '%s'", err.msg, fragment);
}

Test(modeljson, load_takes_recorded_params, .fini = cleanup)
{
	const char *p = write_tmp("m.json", good);
	vx_model *m;
	vx_params eff;
	load_with(p, NULL, &m, &eff, VX_OK, NULL);
	cr_assert_eq(eff.hidden, 2);
	cr_assert_eq(eff.inputs, 1);
	cr_assert_eq(eff.steps, 3);
	cr_assert_eq(eff.t, 2, "the recorded loss step is replayed");
	cr_assert_eq(eff.seed, 7);
	cr_assert_eq(eff.norm, 0.5);
	cr_assert_eq(eff.init, VX_INIT_ORTHOGONAL);
	cr_assert_eq(eff.input_scale, 0.25);
	cr_assert_eq(eff.act, VX_SIGMOID);
	cr_assert_eq(gsl_matrix_get(m->W, 1, 1), 2.0, "a recorded norm does not rescale W");
	vx_model_free(m);
}

Test(modeljson, load_options_on_top, .fini = cleanup)
{
	const char *p = write_tmp("m.json", good);
	vx_model *m;
	vx_params eff;

	const char *const steps2[] = { "steps", "2", "act", "relu", "t", "1", NULL };
	load_with(p, steps2, &m, &eff, VX_OK, NULL);
	cr_assert_eq(m->T, 2, "--steps keeps the first steps");
	cr_assert_eq(gsl_matrix_get(m->x, 1, 0), 2.0);
	cr_assert_eq(m->act, VX_RELU, "--act replaces the activation");
	cr_assert_eq(eff.t, 1);
	vx_model_free(m);

	const char *const steps1[] = { "steps", "1", NULL };
	load_with(p, steps1, &m, &eff, VX_OK, NULL);
	cr_assert_eq(eff.t, 0, "a recorded t beyond a shortened horizon falls back to T");
	vx_model_free(m);

	/* --norm rescales: ‖[[0.5,-0.25],[0.125,2]]‖₂ computed independently below. */
	const char *const norm1[] = { "norm", "1", NULL };
	load_with(p, norm1, &m, &eff, VX_OK, NULL);
	/* σ_max of W: sqrt of the largest eigenvalue of WᵀW (2×2 closed form). */
	double a = 0.5, b = -0.25, c = 0.125, d = 2;
	double p11 = a * a + c * c, p12 = a * b + c * d, p22 = b * b + d * d;
	double smax = sqrt((p11 + p22) / 2 + sqrt((p11 - p22) * (p11 - p22) / 4 + p12 * p12));
	cr_assert_float_eq(gsl_matrix_get(m->W, 1, 1), 2 / smax, 1e-12, "W scaled by 1/sigma_max");
	vx_model_free(m);

	const char *const steps9[] = { "steps", "9", NULL };
	load_with(p, steps9, &m, &eff, VX_EUSAGE, "--steps 9 exceeds the 3 input steps");
	const char *const t4[] = { "t", "4", NULL };
	load_with(p, t4, &m, &eff, VX_EUSAGE, "--t 4 exceeds the 3 steps of");
	const char *const steps2t3[] = { "steps", "2", "t", "3", NULL };
	load_with(p, steps2t3, &m, &eff, VX_EUSAGE, "--t 3 exceeds the 2 steps of");
	const char *const t3[] = { "t", "3", NULL };
	load_with(p, t3, &m, &eff, VX_OK, NULL);
	cr_assert_eq(eff.t, 3, "--t up to the file's T is taken");
	vx_model_free(m);
}

/* The options that generate a model would only be shown beside a model
 * file: refused before the file is read (here it does not exist), naming
 * both options, even with the very values the file recorded. */
Test(modeljson, load_refuses_generator_options, .fini = cleanup)
{
	const char *p = write_tmp("m.json", good);
	char missing[160];
	snprintf(missing, sizeof missing, "%s/none.json", dir);
	vx_model *m;
	vx_params eff;
	static const char *const opts[][2] = {
		{ "seed", "7" }, { "init", "orthogonal" }, { "input-scale", "0.25" },
		{ "hidden", "2" }, { "inputs", "1" }, { "weights", "W.npy" },
	};
	for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
		const char *const o[] = { opts[i][0], opts[i][1], NULL };
		char want[64];
		snprintf(want, sizeof want, "--%s and --model cannot be combined", opts[i][0]);
		load_with(p, o, &m, &eff, VX_EUSAGE, want);
		load_with(missing, o, &m, &eff, VX_EUSAGE, want);
		cr_assert_null(m);
	}
}

/* A recorded loss step past the file's own inputs is a broken file (exit 1),
 * not a run at t = T; one within them, or at T, is replayed as recorded. */
Test(modeljson, load_refuses_a_recorded_t_beyond_T, .fini = cleanup)
{
	static const char body[] =
		"\"model\": {\"W\": [[0.5]], \"U\": [[1]], \"x\": [[1], [2], [3]], \"y\": [0]}}";
	char text[256];
	vx_model *m;
	vx_params eff;
	snprintf(text, sizeof text, "{\"params\": {\"t\": 4}, %s", body);
	const char *p = write_tmp("t4.json", text);
	load_with(p, NULL, &m, &eff, VX_EFORMAT, "t4.json: params.t: 4 exceeds the 3 steps of model.x");
	cr_assert_null(m);
	snprintf(text, sizeof text, "{\"params\": {\"t\": 3}, %s", body);
	p = write_tmp("t3.json", text);
	load_with(p, NULL, &m, &eff, VX_OK, NULL);
	cr_assert_eq(eff.t, 3);
	vx_model_free(m);
	/* --steps shortens the horizon below the recorded t: the loss step is the new T */
	const char *const steps2[] = { "steps", "2", NULL };
	load_with(p, steps2, &m, &eff, VX_OK, NULL);
	cr_assert_eq(m->T, 2);
	cr_assert_eq(vx_params_loss_step(&eff), 2);
	vx_model_free(m);
}

Test(modeljson, load_file_errors, .fini = cleanup)
{
	vx_model *m;
	vx_params eff;
	const char *p = write_tmp("bad.json", "{\"model\": {\"W\": [[1, 2], [3]], \"U\": [[1],[1]], \"x\": [[1]], "
	                                      "\"y\": [0, 0]}}");
	load_with(p, NULL, &m, &eff, VX_ESHAPE, "bad.json: model.W: row 2 has 1 entries, expected 2");
	p = write_tmp("empty.json", "");
	load_with(p, NULL, &m, &eff, VX_EFORMAT, "empty");
	load_with(dir, NULL, &m, &eff, VX_EIO, "is a directory");
	p = write_tmp("x", "");
	char missing[160];
	snprintf(missing, sizeof missing, "%s/none.json", dir);
	load_with(missing, NULL, &m, &eff, VX_EIO, "No such file");
	const char *const w[] = { "weights", "W.npy", NULL };
	p = write_tmp("m.json", good);
	load_with(p, w, &m, &eff, VX_EUSAGE, "cannot be combined");
}

/* A recorded λ or input scale below the smallest normal double is this
 * file's error (exit 1), not a bad --norm the user never typed (exit 2). */
Test(modeljson, load_refuses_recorded_subnormal_scales, .fini = cleanup)
{
	static const char body[] = "\"model\": {\"W\": [[0.5]], \"U\": [[1]], \"x\": [[1]], \"y\": [0]}}";
	char text[256];
	vx_model *m;
	vx_params eff;
	snprintf(text, sizeof text, "{\"params\": {\"norm\": 1e-310}, %s", body);
	load_with(write_tmp("n.json", text), NULL, &m, &eff, VX_EFORMAT, "n.json: params.norm: expected 0, a finite");
	snprintf(text, sizeof text, "{\"params\": {\"input_scale\": 4e-320}, %s", body);
	load_with(write_tmp("s.json", text), NULL, &m, &eff, VX_EFORMAT, "s.json: params.input_scale: expected 0");
	snprintf(text, sizeof text, "{\"params\": {\"norm\": 0, \"input_scale\": 2.2250738585072014e-308}, %s", body);
	load_with(write_tmp("z.json", text), NULL, &m, &eff, VX_OK, NULL);
	cr_assert_eq(eff.norm, 0.0);
	cr_assert_eq(eff.input_scale, ldexp(1, -1022));
	vx_model_free(m);
}

/* ---- networks in PyTorch's names (vxr_net_parse_json, vxr_net_load) ---- */

/* An LSTM of 2 layers, d = 1, n = 2, T = 2, every value distinct, cell and
 * layers left to the shapes. */
static const char lstm2[] =
	"{\"model\": {"
	"\"weight_ih_l0\": [[0.5, -1], [0.25, 2], [3, -0.125], [0.75, 4]],"
	"\"weight_hh_l0\": [[1.5], [-2.5], [0.0625], [5]],"
	"\"bias_ih_l0\": [0.1, 0.2, 0.3, 0.4], \"bias_hh_l0\": [-0.1, -0.2, -0.3, -0.4],"
	"\"weight_ih_l1\": [[6], [7], [8], [9]], \"weight_hh_l1\": [[10], [11], [12], [13]],"
	"\"h0\": [[0.01], [0.02]], \"c0\": [[0.03], [0.04]],"
	"\"x\": [[1, 2], [3e-5, -4]], \"y\": [0.7]}}";


Test(modeljson, a_network_comes_back_exactly)
{
	vx_net *net = NULL;
	vx_error err = { 0 };
	cr_assert_eq(vxr_net_parse_json(lstm2, strlen(lstm2), "n.json", &net, &err), VX_OK, "%s", err.msg);
	cr_expect(net->cell == VX_CELL_LSTM && net->L == 2 && net->d == 1 && net->n == 2 && net->T == 2);
	cr_expect_eq(gsl_matrix_get(net->layer[0].w_ih, 2, 1), -0.125);
	cr_expect_eq(gsl_matrix_get(net->layer[0].w_hh, 3, 0), 5.0);
	cr_expect_eq(gsl_vector_get(net->layer[0].b_hh, 2), -0.3);
	cr_expect_eq(gsl_matrix_get(net->layer[1].w_ih, 1, 0), 7.0);
	cr_expect_eq(gsl_vector_get(net->layer[1].b_ih, 0), 0.0, "absent biases are 0");
	cr_expect_eq(gsl_vector_get(net->layer[1].h0, 0), 0.02);
	cr_expect_eq(gsl_vector_get(net->layer[1].c0, 0), 0.04);
	cr_expect_eq(gsl_matrix_get(net->x, 1, 0), 3e-5);
	cr_expect_eq(gsl_vector_get(net->y, 0), 0.7);
	vx_net_free(net);
}

Test(modeljson, options_against_a_network_file, .fini = cleanup)
{
	vx_params p;
	vx_params_default(&p);
	snprintf(p.model, sizeof p.model, "%s", write_tmp("lstm2.json", lstm2));
	p.set |= VX_SET_MODEL;
	vxr_net_opts o;
	vx_model *m = NULL;
	vx_net *net = NULL;
	vx_params eff;
	vx_net_spec spec;
	vx_error err = { 0 };

	/* as it is: the file's cell and layers */
	vxr_net_opts_default(&o);
	cr_assert_eq(vxr_net_load(&p, &o, &m, &net, &eff, &spec, &err), VX_OK, "%s", err.msg);
	cr_expect(m == NULL && net && spec.cell == VX_CELL_LSTM && spec.layers == 2 && eff.steps == 2);
	vx_net_free(net);
	/* the same cell and layers named: accepted */
	o.spec.cell = VX_CELL_LSTM;
	o.spec.layers = 2;
	o.set = VXR_SET_CELL | VXR_SET_LAYERS;
	cr_expect_eq(vxr_net_load(&p, &o, &m, &net, &eff, &spec, &err), VX_OK, "%s", err.msg);
	vx_net_free(net);
	/* another cell, another count, --act: refused after reading */
	o.spec.cell = VX_CELL_GRU;
	o.set = VXR_SET_CELL;
	cr_expect_eq(vxr_net_load(&p, &o, &m, &net, &eff, &spec, &err), VX_EUSAGE);
	cr_expect(strstr(err.msg, "--cell gru") && strstr(err.msg, "holds an lstm network of 2 layers"), "%s", err.msg);
	cr_expect(m == NULL && net == NULL);
	vxr_net_opts_default(&o);
	o.spec.layers = 3;
	o.set = VXR_SET_LAYERS;
	cr_expect_eq(vxr_net_load(&p, &o, &m, &net, &eff, &spec, &err), VX_EUSAGE);
	vxr_net_opts_default(&o);
	vx_params q = p;
	cr_assert_eq(vx_params_set(&q, "act", "relu", NULL), VX_OK);
	cr_expect_eq(vxr_net_load(&q, &o, &m, &net, &eff, &spec, &err), VX_EUSAGE);
	cr_expect(strstr(err.msg, "gates are fixed"), "%s", err.msg);
	/* --forget-bias with --model: refused before reading */
	o.spec.forget_bias = 1;
	o.set = VXR_SET_FORGET_BIAS;
	cr_expect_eq(vxr_net_opts_check(&p, &o, &err), VX_EUSAGE);
	/* --steps 1 keeps the first step; --norm 2 sets every gate block */
	vxr_net_opts_default(&o);
	q = p;
	cr_assert_eq(vx_params_set(&q, "steps", "1", NULL), VX_OK);
	cr_assert_eq(vx_params_set(&q, "norm", "2", NULL), VX_OK);
	cr_assert_eq(vxr_net_load(&q, &o, &m, &net, &eff, &spec, &err), VX_OK, "%s", err.msg);
	cr_expect(net->T == 1 && gsl_matrix_get(net->x, 0, 1) == -1 * -2.0);
	for (size_t l = 0; l < 2; l++)
		for (size_t g = 0; g < 4; g++)
			cr_expect_eq(fabs(gsl_matrix_get(net->layer[l].w_hh, g, 0)), 2.0, "layer %zu gate %zu", l, g);
	vx_net_free(net);
	/* the vanilla loader (report, the tutor) refuses a network */
	cr_expect_eq(vxr_model_load(&p, &m, &eff, &err), VX_EUSAGE);
	cr_expect(strstr(err.msg, "holds an lstm network of 2 layers") && strstr(err.msg, "vanex check"), "%s", err.msg);
	cr_expect(m == NULL);
}

Test(modeljson, one_vanilla_layer_in_pytorchs_names, .fini = cleanup)
{
	static const char rnn1[] = "{\"model\": {\"cell\": \"rnn\", \"layers\": 1, \"activation\": \"relu\","
	                           " \"weight_ih_l0\": [[1], [2]], \"weight_hh_l0\": [[0.5, 0], [0, 0.25]],"
	                           " \"bias_ih_l0\": [0.125, 1], \"bias_hh_l0\": [0.5, -3], \"h0\": [[7, 8]],"
	                           " \"x\": [[1], [2], [3]], \"y\": [0, 1]}}";
	vx_params p;
	vx_params_default(&p);
	snprintf(p.model, sizeof p.model, "%s", write_tmp("rnn1.json", rnn1));
	p.set |= VX_SET_MODEL;
	vx_model *m = NULL;
	vx_params eff;
	vx_error err = { 0 };
	cr_assert_eq(vxr_model_load(&p, &m, &eff, &err), VX_OK, "%s", err.msg);
	cr_expect(m->act == VX_RELU && m->d == 2 && m->n == 1 && m->T == 3);
	cr_expect_eq(gsl_matrix_get(m->W, 1, 1), 0.25);
	cr_expect_eq(gsl_matrix_get(m->U, 1, 0), 2.0);
	cr_expect(gsl_vector_get(m->b, 0) == 0.625 && gsl_vector_get(m->b, 1) == -2.0, "b = bias_ih + bias_hh");
	cr_expect_eq(gsl_vector_get(m->s0, 1), 8.0);
	vx_model_free(m);
	/* and W, U, b beside a gated cell is a contradiction */
	static const char bad[] = "{\"model\": {\"cell\": \"gru\", \"W\": [[1]], \"U\": [[1]], \"x\": [[1]], \"y\": [0]}}";
	cr_expect_eq(vxr_model_parse_json(bad, strlen(bad), "bad.json", &m, &err), VX_EFORMAT);
	cr_expect(strstr(err.msg, "one vanilla layer"), "%s", err.msg);
}
