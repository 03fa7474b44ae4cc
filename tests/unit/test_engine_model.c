/*
 * test_engine_model.c — building the network from the parameters.
 *
 * Spectral norms are checked with GSL's SVD (test_engine_util.h), which the
 * engine does not use; orthogonality by forming WᵀW.
 */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <string.h>
#include <gsl/gsl_errno.h>

#include "engine/linalg.h"
#include "engine/model.h"
#include "same_bits.h"
#include "test_engine_util.h"

static void setup(void)
{
	gsl_set_error_handler_off();
}

TestSuite(engine_model, .init = setup);

static vx_model *build(const char *const *kv, size_t n)
{
	vx_params p;
	vx_params_default(&p);
	vx_error e = { 0 };
	for (size_t i = 0; i + 1 < n; i += 2)
		cr_assert_eq(vx_params_set(&p, kv[i], kv[i + 1], &e), VX_OK, "--%s %s: %s", kv[i], kv[i + 1], e.msg);
	vx_model *m = NULL;
	vx_status st = vx_model_build(&p, &m, &e);
	cr_assert_eq(st, VX_OK, "build failed: %s", e.msg);
	return m;
}
#define BUILD(...) build((const char *const[]){ __VA_ARGS__ }, sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(char *))

Test(engine_model, gaussian_init_has_the_requested_spectral_norm)
{
	const char *norms[] = { "0.5", "1", "2.75", "1e-200", "1e200" };
	const char *sizes[] = { "1", "2", "7", "33", "64" };
	for (int a = 0; a < 5; a++)
		for (int b = 0; b < 5; b++) {
			char seed[16];
			snprintf(seed, sizeof seed, "%d", 10 * a + b);
			vx_model *m = BUILD("hidden", sizes[b], "norm", norms[a], "seed", seed);
			double want = atof(norms[a]), got = gm_norm2(m->W);
			cr_expect(fabs(got / want - 1) < 1e-12, "d=%s: ||W||_2 by SVD = %.17g, requested %s",
			          sizes[b], got, norms[a]);
			double eng;
			cr_expect_eq(vx_matrix_norm2(m->W, &eng), VX_OK, "vx_matrix_norm2");
			cr_expect(fabs(eng / got - 1) < 1e-12, "vx_matrix_norm2 %.17g vs SVD %.17g", eng, got);
			vx_model_free(m);
		}
}

Test(engine_model, orthogonal_init_is_lambda_times_orthogonal)
{
	vx_model *m = BUILD("hidden", "12", "init", "orthogonal", "norm", "1.5", "seed", "3");
	size_t d = m->d;
	for (size_t i = 0; i < d; i++)
		for (size_t j = 0; j < d; j++) {
			double s = 0;
			for (size_t l = 0; l < d; l++)
				s += gsl_matrix_get(m->W, l, i) * gsl_matrix_get(m->W, l, j);
			double want = i == j ? 2.25 : 0.0;
			cr_expect(fabs(s - want) < 1e-13, "(W^T W)[%zu][%zu] = %.17g, want %g", i, j, s, want);
		}
	cr_expect(fabs(gm_norm2(m->W) - 1.5) < 1e-13, "||W||_2 = 1.5");
	/* Haar: not simply the identity or a signed permutation */
	int offdiag = 0;
	for (size_t i = 0; i < d; i++)
		for (size_t j = 0; j < d; j++)
			offdiag += i != j && fabs(gsl_matrix_get(m->W, i, j)) > 1e-3;
	cr_expect(offdiag > (int)d, "a dense orthogonal matrix (%d off-diagonal entries)", offdiag);
	vx_model_free(m);
}

Test(engine_model, identity_init)
{
	vx_model *m = BUILD("hidden", "5", "init", "identity", "norm", "0.5");
	for (size_t i = 0; i < 5; i++)
		for (size_t j = 0; j < 5; j++)
			cr_expect_eq(gsl_matrix_get(m->W, i, j), i == j ? 0.5 : 0.0, "W[%zu][%zu]", i, j);
	vx_model_free(m);
}

static int same_vector(const gsl_vector *a, const gsl_vector *b)
{
	if (a->size != b->size)
		return 0;
	for (size_t i = 0; i < a->size; i++)
		if (gsl_vector_get(a, i) != gsl_vector_get(b, i))
			return 0;
	return 1;
}

Test(engine_model, same_seed_same_model_other_seed_other_model)
{
	vx_model *a = BUILD("hidden", "9", "steps", "30", "seed", "42");
	vx_model *b = BUILD("hidden", "9", "steps", "30", "seed", "42");
	vx_model *c = BUILD("hidden", "9", "steps", "30", "seed", "43");
	vx_model *e = BUILD("hidden", "9", "steps", "30", "seed", "4294967338"); /* 42 + 2^32 */
	cr_expect(same_matrix(a->W, b->W) && same_matrix(a->U, b->U) && same_matrix(a->x, b->x) &&
	          same_vector(a->y, b->y), "seed 42 twice gives the same model");
	cr_expect(!same_matrix(a->W, c->W) && !same_matrix(a->x, c->x) && !same_vector(a->y, c->y),
	          "seeds 42 and 43 differ");
	cr_expect(!same_matrix(a->W, e->W), "the high 32 bits of the seed matter");
	vx_model *f = vx_model_clone(a);
	cr_expect(same_matrix(a->W, f->W) && same_matrix(a->x, f->x) && same_vector(a->s0, f->s0),
	          "clone copies");
	vx_model_free(a);
	vx_model_free(b);
	vx_model_free(c);
	vx_model_free(e);
	vx_model_free(f);
}

Test(engine_model, draws_are_in_a_fixed_order)
{
	/* the input scale scales x only; W, U and y are drawn the same */
	vx_model *a = BUILD("hidden", "6", "input-scale", "1", "seed", "7");
	vx_model *b = BUILD("hidden", "6", "input-scale", "0.25", "seed", "7");
	vx_model *z = BUILD("hidden", "6", "input-scale", "0", "seed", "7");
	cr_expect(same_matrix(a->W, b->W) && same_matrix(a->U, b->U) && same_vector(a->y, b->y),
	          "W, U, y independent of --input-scale");
	for (size_t j = 0; j < a->T; j++)
		for (size_t l = 0; l < a->n; l++) {
			cr_expect_eq(gsl_matrix_get(b->x, j, l), 0.25 * gsl_matrix_get(a->x, j, l), "x scales");
			cr_expect_eq(gsl_matrix_get(z->x, j, l), 0.0, "input-scale 0: no input");
		}
	/* U ~ N(0, 1/n): the sample variance of many entries is near 1/n */
	vx_model *u = BUILD("hidden", "200", "inputs", "50", "steps", "1");
	double s2 = 0;
	for (size_t i = 0; i < 200; i++)
		for (size_t l = 0; l < 50; l++)
			s2 += gsl_matrix_get(u->U, i, l) * gsl_matrix_get(u->U, i, l);
	s2 /= 200 * 50;
	/* 10000 samples: relative standard error of a variance is sqrt(2/10000) = 1.4% */
	cr_expect(fabs(s2 * 50 - 1) < 0.07, "variance of U entries %g, want 1/50", s2);
	/* b = 0, s0 = 0, y attainable */
	for (size_t i = 0; i < 6; i++) {
		cr_expect_eq(gsl_vector_get(a->b, i), 0.0, "b = 0");
		cr_expect_eq(gsl_vector_get(a->s0, i), 0.0, "s0 = 0");
		cr_expect(fabs(gsl_vector_get(a->y, i)) < 1, "tanh target inside (-1, 1)");
	}
	vx_model_free(a);
	vx_model_free(b);
	vx_model_free(z);
	vx_model_free(u);
}

Test(engine_model, sizes_follow_the_parameters)
{
	vx_model *m = BUILD("hidden", "3", "inputs", "2", "steps", "17", "act", "relu");
	cr_expect(m->d == 3 && m->n == 2 && m->T == 17 && m->act == VX_RELU, "sizes and activation");
	cr_expect(m->x->size1 == 17 && m->x->size2 == 2 && m->U->size1 == 3 && m->U->size2 == 2,
	          "x is T×n, U is d×n");
	for (size_t i = 0; i < 3; i++)
		cr_expect(gsl_vector_get(m->y, i) >= 0, "relu target >= 0");
	vx_model_free(m);
}

Test(engine_model, set_norm_rescales_and_refuses_a_zero_matrix)
{
	vx_model *m = vx_model_alloc(VX_TANH, 4, 1, 3);
	vx_error e = { 0 };
	cr_expect_eq(vx_model_set_norm(m, 2.0, &e), VX_EUSAGE, "zero W cannot be scaled to 2");
	cr_expect_str_eq(e.msg, "λ = 2: W is all zeros, so no scaling gives ‖W‖₂ = λ");
	cr_expect_eq(e.param, VX_PARAM_NORM, "about λ (param %d)", e.param);
	cr_expect_eq(vx_model_set_norm(m, 0.0, &e), VX_OK, "zero W scaled to 0 is fine");
	for (size_t i = 0; i < 4; i++)
		for (size_t j = 0; j < 4; j++)
			gsl_matrix_set(m->W, i, j, (double)(i + 2 * j) - 3.5);
	cr_expect_eq(vx_model_set_norm(m, 1e-300, &e), VX_OK, "scale to 1e-300");
	cr_expect(fabs(gm_norm2(m->W) / 1e-300 - 1) < 1e-12, "norm 1e-300 after scaling");
	cr_expect_eq(vx_model_set_norm(m, 1e300, &e), VX_OK, "scale to 1e300");
	cr_expect(fabs(gm_norm2(m->W) / 1e300 - 1) < 1e-12, "norm 1e300 after scaling");
	cr_expect_eq(vx_model_set_norm(m, -1, &e), VX_EUSAGE, "negative norm");
	cr_expect_str_eq(e.msg, "λ = ‖W‖₂ must be a finite number >= 0, got -1");
	cr_expect_eq(vx_model_set_norm(m, NAN, &e), VX_EUSAGE, "NaN norm");
	gsl_matrix_set(m->W, 1, 1, NAN);
	e.param = VX_PARAM_NONE;
	cr_expect_eq(vx_model_set_norm(m, 1.0, &e), VX_ENONFINITE, "NaN in W");
	cr_expect_str_eq(e.msg, "W holds NaN or infinity: cannot rescale it to λ = 1");
	cr_expect_eq(e.param, VX_PARAM_NORM, "about λ (param %d)", e.param);
	double nrm;
	cr_expect_eq(vx_matrix_norm2(m->W, &nrm), VX_ENONFINITE, "norm of a NaN matrix");
	vx_model_free(m);
	cr_expect_null(vx_model_alloc(VX_TANH, 0, 1, 1), "d = 0 is not a model");
	vx_model_free(NULL);
}

Test(engine_model, rescaling_a_matrix_whose_norm_overflows)
{
	/* W = DBL_MAX everywhere (2×2): ‖W‖₂ = 2 DBL_MAX is beyond a double, yet
	 * W/‖W‖₂ is ½ everywhere; at λ = DBL_MAX it is DBL_MAX/2 */
	double lams[] = { 1.0, DBL_MAX };
	for (int q = 0; q < 2; q++) {
		vx_model *m = vx_model_alloc(VX_TANH, 2, 1, 3);
		gsl_matrix_set_all(m->W, DBL_MAX);
		vx_error e = { 0 };
		cr_assert_eq(vx_model_set_norm(m, lams[q], &e), VX_OK, "rescale: %s", e.msg);
		for (size_t i = 0; i < 4; i++)
			cr_expect(fabs(m->W->data[i] / (0.5 * lams[q]) - 1) < 1e-15, "W = %.17g, want lambda/2", m->W->data[i]);
		vx_model_free(m);
	}
	gsl_matrix *A = gsl_matrix_alloc(2, 2);
	gsl_matrix_set_all(A, DBL_MAX);
	double n;
	cr_expect_eq(vx_matrix_norm2(A, &n), VX_OK, "norm of a huge matrix");
	cr_expect(isinf(n), "2 DBL_MAX reported as inf, not as a wrong finite number: %g", n);
	gsl_matrix_free(A);
}

Test(engine_model, matrix_norm2_against_svd_for_many_shapes)
{
	unsigned long long st = 99;
	for (int rep = 0; rep < 60; rep++) {
		size_t r = 1 + rep % 17, c = 1 + (rep * 7) % 13;
		gsl_matrix *A = gsl_matrix_alloc(r, c);
		double scale = pow(10.0, (rep % 9) * 60.0 - 240.0);
		for (size_t i = 0; i < r; i++)
			for (size_t j = 0; j < c; j++)
				gsl_matrix_set(A, i, j, scale * lcg_gauss(&st));
		/* the reference on unscaled values, so the SVD itself cannot overflow */
		gsl_matrix *B = gsl_matrix_alloc(r, c);
		gsl_matrix_memcpy(B, A);
		gsl_matrix_scale(B, 1 / scale);
		double want = gm_norm2(B) * scale, got;
		cr_assert_eq(vx_matrix_norm2(A, &got), VX_OK, "norm of %zux%zu", r, c);
		cr_expect(fabs(got / want - 1) < 1e-12, "%zux%zu scale %g: %.17g vs SVD %.17g", r, c, scale, got, want);
		gsl_matrix_free(A);
		gsl_matrix_free(B);
	}
}

Test(engine_model, builds_reject_inconsistent_parameters)
{
	vx_params p;
	vx_params_default(&p);
	vx_error e = { 0 };
	vx_params_set(&p, "steps", "5", &e);
	vx_params_set(&p, "t", "6", &e);
	vx_model *m = (vx_model *)1;
	cr_expect_eq(vx_model_build(&p, &m, &e), VX_EUSAGE, "t > steps");
	cr_expect_null(m, "no model on failure");
	vx_params_default(&p);
	vx_params_set(&p, "model", "m.json", &e);
	cr_expect_neq(vx_model_build(&p, &m, &e), VX_OK, "--model is the caller's");
}
